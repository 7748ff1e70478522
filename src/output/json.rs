//! `--format json`: one document, the schema of `cli.md`, fields in its order.

use serde::Serialize;

use crate::report::Report;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<Finding<'a>>,
    errors: Vec<Error<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Finding<'a> {
    lint: &'a str,
    level: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    labels: Vec<Label<'a>>,
    note: &'a str,
    help: &'a str,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct Label<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct Error<'a> {
    file: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    suppressed: usize,
    baseline: usize,
    errors: usize,
}

pub(crate) fn render(report: &Report) -> String {
    let doc = Doc {
        version: 1,
        tool: Tool {
            name: "oauth-lint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: report
            .items
            .iter()
            .map(|i| Finding {
                lint: i.lint,
                level: i.level.as_str(),
                file: &i.pos.file,
                line: i.pos.line,
                column: i.pos.column,
                end_line: i.pos.end_line,
                end_column: i.pos.end_column,
                message: &i.message,
                labels: i
                    .labels
                    .iter()
                    .map(|l| Label {
                        file: &l.pos.file,
                        line: l.pos.line,
                        column: l.pos.column,
                        message: &l.message,
                    })
                    .collect(),
                note: &i.note,
                help: &i.help,
                fingerprint: &i.fingerprint,
            })
            .collect(),
        errors: report
            .errors
            .iter()
            .map(|e| Error {
                file: &e.file,
                message: &e.message,
            })
            .collect(),
        summary: Summary {
            files: report.files,
            findings: report.items.len(),
            suppressed: report.suppressed,
            baseline: report.baseline,
            errors: report.errors.len(),
        },
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
