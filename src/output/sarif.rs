//! `--format sarif`: one SARIF 2.1.0 log that GitHub code scanning accepts. Every registered
//! lint is a rule (its metadata comes from the registry, its help from `lints/<name>.md`);
//! every finding is a result whose location is relative to the root of the git repository
//! around the current directory (`%SRCROOT%`), with its labels as related locations and its
//! fingerprint as `primaryLocationLineHash`. File errors are tool execution notifications.
//! Fields are serialized in struct order and every map is ordered, so the output is
//! deterministic.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

use oauth_lint_lints::{Level, Lint};
use serde::Serialize;

use crate::report::{Position, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: &'static [&'static str],
    precision: &'static str,
    /// Absent for lints that are not about security (the suppression lints).
    #[serde(rename = "security-severity", skip_serializing_if = "str::is_empty")]
    security_severity: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct BaseUri {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    description: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(
    clippy::struct_field_names,
    reason = "SARIF's name: a location's `physicalLocation`"
)]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// Renders the report. `cwd` is the canonical current directory that the report's paths are
/// relative to; `strict` says whether file errors fail the run.
pub(crate) fn render(report: &Report, cwd: &Path, strict: bool) -> String {
    let base = SourceRoot::around(cwd);
    let results = report
        .items
        .iter()
        .map(|item| {
            let mut text = item.message.clone();
            for (prefix, part) in [("note", &item.note), ("help", &item.help)] {
                if !part.is_empty() {
                    let _ = write!(text, "\n{prefix}: {part}");
                }
            }
            SarifResult {
                rule_id: item.lint,
                rule_index: oauth_lint_lints::all().position(|l| l.name == item.lint),
                level: level(item.level),
                message: Message { text },
                locations: vec![base.location(&item.pos)],
                related_locations: item
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(id, label)| Location {
                        id: Some(id),
                        message: Some(Message {
                            text: label.message.clone(),
                        }),
                        ..base.location(&label.pos)
                    })
                    .collect(),
                partial_fingerprints: BTreeMap::from([(
                    "primaryLocationLineHash",
                    item.fingerprint.clone(),
                )]),
            }
        })
        .collect();
    let notifications = report
        .errors
        .iter()
        .map(|e| Notification {
            level: "error",
            message: Message {
                text: format!("{}: {}", e.file, e.message),
            },
            locations: vec![Location {
                id: None,
                physical_location: PhysicalLocation {
                    artifact_location: base.artifact(&e.file),
                    region: None,
                },
                message: None,
            }],
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "oauth-lint",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: oauth_lint_lints::all().map(rule).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: !strict || report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: BTreeMap::from([(SRCROOT, base.describe())]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

fn rule(lint: &'static Lint) -> Rule {
    let doc = crate::docs::lint_doc(lint.name).unwrap_or(lint.summary);
    Rule {
        id: lint.name,
        name: camel_case(lint.name),
        short_description: Message {
            text: lint.summary.to_string(),
        },
        full_description: Message {
            text: first_paragraph(doc).unwrap_or_else(|| lint.summary.to_string()),
        },
        help: Help {
            text: doc,
            markdown: doc,
        },
        default_configuration: Configuration {
            level: level(lint.default_level),
        },
        properties: RuleProperties {
            tags: lint.tags,
            precision: lint.precision,
            security_severity: lint.security_severity,
        },
    }
}

/// `code_exchange_in_retry` -> `CodeExchangeInRetry`.
fn camel_case(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// The first paragraph of a doc's `## What it does` section, its lines joined, without a last
/// sentence that only introduces the list after it ("... when it is:").
fn first_paragraph(doc: &str) -> Option<String> {
    let (_, rest) = doc.split_once("## What it does\n")?;
    let lines: Vec<&str> = rest
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let mut text = lines.join(" ");
    if text.ends_with(':')
        && let Some(end) = text.rfind(". ")
    {
        text.truncate(end + 1);
    }
    (!text.is_empty()).then_some(text)
}

/// Where `%SRCROOT%` is: the git repository around the current directory, else the current
/// directory itself.
struct SourceRoot {
    root: PathBuf,
    is_repository: bool,
    /// The directory relative report paths start from.
    cwd: PathBuf,
}

impl SourceRoot {
    fn around(cwd: &Path) -> SourceRoot {
        // An existence check only: `.git` is a directory in a clone, a file in a worktree or
        // a submodule; nothing in it is read.
        let found = cwd.ancestors().find(|dir| dir.join(".git").exists());
        SourceRoot {
            root: found.unwrap_or(cwd).to_path_buf(),
            is_repository: found.is_some(),
            cwd: cwd.to_path_buf(),
        }
    }

    fn describe(&self) -> BaseUri {
        let what = if self.is_repository {
            "the root of the git repository around the current directory"
        } else {
            "the current directory (no git repository around it)"
        };
        BaseUri {
            uri: Some(format!("{}/", file_uri(&self.root).trim_end_matches('/'))),
            description: Message {
                text: what.to_string(),
            },
        }
    }

    /// A report path (relative to the current directory, or absolute) as an artifact
    /// location: relative to the root when under it, else an absolute `file://` URI.
    fn artifact(&self, shown: &str) -> ArtifactLocation {
        let path = Path::new(shown);
        let abs = normalize(&if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        });
        match abs.strip_prefix(&self.root) {
            Ok(rel) if rel.components().next().is_some() => ArtifactLocation {
                uri: encode(&rel.to_string_lossy().replace('\\', "/")),
                uri_base_id: Some(SRCROOT),
            },
            _ => ArtifactLocation {
                uri: file_uri(&abs),
                uri_base_id: None,
            },
        }
    }

    fn location(&self, pos: &Position) -> Location {
        let start_line = pos.line.max(1);
        let start_column = pos.column.max(1);
        let end_line = pos.end_line.max(start_line);
        let end_column = if end_line == start_line {
            pos.end_column.max(start_column)
        } else {
            pos.end_column.max(1)
        };
        Location {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location: self.artifact(&pos.file),
                region: Some(Region {
                    start_line,
                    start_column,
                    end_line,
                    end_column,
                }),
            },
            message: None,
        }
    }
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// An absolute path as a `file://` URI (`file:///C:/..` on Windows).
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("//?/").unwrap_or(&text);
    let bytes = text.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if drive {
        format!("file:///{}:{}", &text[..1], encode(&text[2..]))
    } else {
        format!("file://{}", encode(text))
    }
}

/// Percent-encodes what may not appear in a URI path: everything but the unreserved
/// characters, `/`, and the sub-delimiters and `@` that RFC 3986 allows in a segment. `:` is
/// encoded too, so a relative reference never looks like a scheme.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
