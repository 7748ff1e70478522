//! `--format human`: codespan-reporting diagnostics with source excerpts and labels.

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor};
use oauth_lint_lints::Level;

use crate::discover::Source;
use crate::report::Report;

pub(crate) fn render(
    report: &Report,
    sources: &[Source],
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids = Vec::with_capacity(sources.len());
    for (i, s) in sources.iter().enumerate() {
        let name = report.paths.get(i).cloned().unwrap_or_default();
        ids.push(files.add(name, s.text.as_str()));
    }
    let config = term::Config::default();
    for item in &report.items {
        let severity = match item.level {
            Level::Deny => Severity::Error,
            Level::Warn | Level::Allow => Severity::Warning,
        };
        let Some(&file) = ids.get(item.pos.file_index) else {
            continue;
        };
        let mut labels = vec![Label::primary(
            file,
            item.pos.lo..item.pos.hi.max(item.pos.lo),
        )];
        for l in &item.labels {
            if let Some(&lf) = ids.get(l.pos.file_index) {
                labels.push(
                    Label::secondary(lf, l.pos.lo..l.pos.hi.max(l.pos.lo)).with_message(&l.message),
                );
            }
        }
        let diagnostic = Diagnostic::new(severity)
            .with_code(item.lint)
            .with_message(&item.message)
            .with_labels(labels)
            .with_notes(vec![
                format!("note: {}", item.note),
                format!("help: {}", item.help),
                format!("for more, run `oauth-lint explain {}`", item.lint),
            ]);
        if let Err(e) = term::emit(out, &config, &files, &diagnostic) {
            return Err(std::io::Error::other(e.to_string()));
        }
    }
    Ok(())
}
