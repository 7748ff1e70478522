//! `--format github`: GitHub Actions workflow commands, one annotation per finding, for runs
//! without code scanning. Values are escaped as the runner expects.

use std::fmt::Write;

use oauth_lint_lints::Level;

use crate::report::Report;

/// Escapes the message part of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (file, title), which also may not hold `:` or `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    for item in &report.items {
        let command = match item.level {
            Level::Deny => "error",
            Level::Warn | Level::Allow => "warning",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&item.pos.file),
            item.pos.line,
            item.pos.column,
            item.pos.end_line,
            item.pos.end_column,
            property(&format!("oauth-lint ({})", item.lint)),
            data(&format!("{}\n{}\n{}", item.message, item.note, item.help)),
        );
    }
    for e in &report.errors {
        let _ = writeln!(
            out,
            "::warning file={},title=oauth-lint::{}",
            property(&e.file),
            data(&e.message)
        );
    }
    out
}
