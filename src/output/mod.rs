//! Renderers: one module per `--format`. Each takes the sorted report and writes it out.

pub(crate) mod github;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod sarif;
pub(crate) mod short;

use std::fmt::Write;

use oauth_lint_lints::Level;

use crate::report::Report;

/// The closing summary line shared by the text formats.
pub(crate) fn summary_line(report: &Report) -> String {
    let n = report.items.len();
    let mut line = format!(
        "oauth-lint: {n} finding{} ({} deny, {} warn) in {} file{}",
        if n == 1 { "" } else { "s" },
        report.count(Level::Deny),
        report.count(Level::Warn),
        report.files,
        if report.files == 1 { "" } else { "s" },
    );
    if report.suppressed > 0 {
        let _ = write!(line, "; {} suppressed", report.suppressed);
    }
    if report.baseline > 0 {
        let _ = write!(line, "; {} in the baseline", report.baseline);
    }
    if !report.errors.is_empty() {
        let e = report.errors.len();
        let _ = write!(
            line,
            "; {e} file{} could not be analysed",
            if e == 1 { "" } else { "s" }
        );
    }
    line
}
