//! Baselines: `--write-baseline FILE` records the current findings by fingerprint;
//! `--baseline FILE` hides the findings recorded there. A fingerprint hashes the lint, the file
//! (relative to the workspace root), the enclosing item and the finding's line with white space
//! folded, so it survives line shifts and edits elsewhere in the file. Identical fingerprints are
//! counted: a baseline with one entry hides one finding, not every copy of it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::Report;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Entry {
    file: String,
    lint: String,
    fingerprint: String,
    /// For the reader of the file; not matched.
    message: String,
}

/// Writes every finding of `report` to `path`.
pub(crate) fn write(report: &Report, path: &Path) -> Result<usize, String> {
    let mut findings: Vec<Entry> = report
        .items
        .iter()
        .map(|i| Entry {
            file: i.pos.file.clone(),
            lint: i.lint.to_string(),
            fingerprint: i.fingerprint.clone(),
            message: i.message.clone(),
        })
        .collect();
    findings.sort();
    let n = findings.len();
    let doc = File {
        version: 1,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("could not write the baseline `{}`: {e}", path.display()))?;
    Ok(n)
}

/// A loaded baseline: how many times each fingerprint may still be hidden.
pub(crate) struct Baseline {
    remaining: BTreeMap<String, usize>,
}

impl Baseline {
    pub(crate) fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("could not read the baseline `{}`: {e}", path.display()))?;
        let doc: File = serde_json::from_str(&text).map_err(|e| {
            format!(
                "`{}` is not an oauth-lint baseline: {e} (write one with --write-baseline)",
                path.display()
            )
        })?;
        if doc.version != 1 {
            return Err(format!(
                "`{}`: baseline version {} is not supported (expected 1)",
                path.display(),
                doc.version
            ));
        }
        let mut remaining = BTreeMap::new();
        for e in doc.findings {
            *remaining.entry(e.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline { remaining })
    }

    /// Removes the baselined findings from `report`, counts them in `report.baseline`, and
    /// returns how many baseline entries matched nothing.
    pub(crate) fn apply(mut self, report: &mut Report) -> usize {
        let before = report.items.len();
        report
            .items
            .retain(|item| match self.remaining.get_mut(&item.fingerprint) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            });
        report.baseline = before - report.items.len();
        self.remaining.values().sum()
    }
}
