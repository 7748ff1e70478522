//! `--format short`: `path:line:col: level[lint]: message`, one finding per line.

use std::fmt::Write;

use crate::report::Report;

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    for item in &report.items {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            item.pos.file,
            item.pos.line,
            item.pos.column,
            item.level.as_str(),
            item.lint,
            item.message
        );
    }
    out
}
