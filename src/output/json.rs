//! `--format json`: one document, the schema of `cli.md`.

use serde_json::{Value, json};

use crate::report::Report;

pub(crate) fn render(report: &Report) -> String {
    let findings: Vec<Value> = report
        .items
        .iter()
        .map(|i| {
            json!({
                "lint": i.lint,
                "level": i.level.as_str(),
                "file": i.pos.file,
                "line": i.pos.line,
                "column": i.pos.column,
                "end_line": i.pos.end_line,
                "end_column": i.pos.end_column,
                "message": i.message,
                "labels": i.labels.iter().map(|l| json!({
                    "file": l.pos.file,
                    "line": l.pos.line,
                    "column": l.pos.column,
                    "message": l.message,
                })).collect::<Vec<_>>(),
                "note": i.note,
                "help": i.help,
                "fingerprint": i.fingerprint,
            })
        })
        .collect();
    let errors: Vec<Value> = report
        .errors
        .iter()
        .map(|e| json!({"file": e.file, "message": e.message}))
        .collect();
    let doc = json!({
        "version": 1,
        "tool": {"name": "oauth-lint", "version": env!("CARGO_PKG_VERSION")},
        "findings": findings,
        "errors": errors,
        "summary": {
            "files": report.files,
            "findings": report.items.len(),
            "suppressed": report.suppressed,
            "baseline": report.baseline,
            "errors": report.errors.len(),
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
