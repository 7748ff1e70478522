//! Findings resolved to files, levels and fingerprints: what every output format renders.

use std::path::{Path, PathBuf};

use oauth_lint_analysis::Loc;
use oauth_lint_lints::{Finding, Level};

use crate::discover::{FileError, Source};

#[derive(Debug, Clone)]
pub(crate) struct Position {
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) end_line: u32,
    pub(crate) end_column: u32,
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    pub(crate) file_index: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct ReportLabel {
    pub(crate) pos: Position,
    pub(crate) message: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) lint: &'static str,
    pub(crate) level: Level,
    pub(crate) pos: Position,
    pub(crate) message: String,
    pub(crate) labels: Vec<ReportLabel>,
    pub(crate) note: String,
    pub(crate) help: String,
    pub(crate) fingerprint: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ErrorItem {
    pub(crate) file: String,
    pub(crate) message: String,
}

#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Each source's path as shown, by file index.
    pub(crate) paths: Vec<String>,
    pub(crate) items: Vec<Item>,
    pub(crate) errors: Vec<ErrorItem>,
    pub(crate) files: usize,
    pub(crate) suppressed: usize,
    pub(crate) baseline: usize,
}

impl Report {
    pub(crate) fn count(&self, level: Level) -> usize {
        self.items.iter().filter(|i| i.level == level).count()
    }
}

/// How a path is shown: relative to the current directory when under it, else absolute. Only
/// the directory is resolved: a symbolic link is shown where it is, not where it leads.
pub(crate) fn display_path(path: &Path, cwd: &Path) -> String {
    shown_path(
        resolve(path, cwd, &mut |dir| std::fs::canonicalize(dir).ok()),
        cwd,
    )
}

/// The absolute path `display_path` shows, with `canonical` resolving directories.
fn resolve(
    path: &Path,
    cwd: &Path,
    canonical: &mut dyn FnMut(&Path) -> Option<PathBuf>,
) -> PathBuf {
    let resolved = match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            canonical(parent).map(|p| p.join(name))
        }
        _ => std::fs::canonicalize(path).ok(),
    };
    resolved.unwrap_or_else(|| {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        }
    })
}

fn shown_path(abs: PathBuf, base: &Path) -> String {
    let shown: PathBuf = match abs.strip_prefix(base) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => abs,
    };
    shown.to_string_lossy().replace('\\', "/")
}

/// `display_path` of every source against `cwd` and against `root`, each directory resolved
/// once (a `canonicalize` is a system call per path component).
fn display_paths(sources: &[Source], cwd: &Path, root: &Path) -> (Vec<String>, Vec<String>) {
    let mut dirs: std::collections::HashMap<PathBuf, Option<PathBuf>> =
        std::collections::HashMap::new();
    let mut canonical = |dir: &Path| {
        dirs.entry(dir.to_path_buf())
            .or_insert_with(|| std::fs::canonicalize(dir).ok())
            .clone()
    };
    let mut shown = Vec::with_capacity(sources.len());
    let mut keyed = Vec::with_capacity(sources.len());
    for s in sources {
        shown.push(shown_path(resolve(&s.path, cwd, &mut canonical), cwd));
        keyed.push(shown_path(resolve(&s.path, root, &mut canonical), root));
    }
    (shown, keyed)
}

pub(crate) fn position(sources: &[Source], shown: &[String], loc: Loc) -> Position {
    let idx = loc.file as usize;
    let len = sources.get(idx).map_or(0, |s| s.text.len());
    Position {
        file: shown.get(idx).cloned().unwrap_or_default(),
        line: loc.span.line,
        column: loc.span.col,
        end_line: loc.span.end_line,
        end_column: loc.span.end_col,
        lo: (loc.span.lo as usize).min(len),
        hi: (loc.span.hi as usize).min(len),
        file_index: idx,
    }
}

/// A fingerprint that survives line shifts and unrelated edits: the lint, the file, the
/// enclosing item and the primary line's text with white space folded.
pub(crate) fn fingerprint(
    lint: &str,
    file: &str,
    item_path: &str,
    source: &str,
    line: u32,
) -> String {
    let text = source
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("");
    let normalized: Vec<&str> = text.split_whitespace().collect();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [lint, file, item_path, &normalized.join(" ")] {
        for b in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

pub(crate) fn build(
    findings: &[(Finding, Level)],
    sources: &[Source],
    errors: &[FileError],
    cwd: &Path,
    root: &Path,
) -> Report {
    // Fingerprints name files relative to the workspace root, so that a baseline written in
    // one directory matches a run from another.
    let (shown, keyed) = display_paths(sources, cwd, root);
    let mut items: Vec<Item> = findings
        .iter()
        .map(|(f, level)| {
            let pos = position(sources, &shown, f.loc);
            let text = sources
                .get(f.loc.file as usize)
                .map_or("", |s| s.text.as_str());
            Item {
                lint: f.lint,
                level: *level,
                fingerprint: fingerprint(
                    f.lint,
                    keyed.get(pos.file_index).map_or(&pos.file, |k| k),
                    &f.item_path,
                    text,
                    pos.line,
                ),
                pos,
                message: f.message.clone(),
                labels: f
                    .labels
                    .iter()
                    .map(|l| ReportLabel {
                        pos: position(sources, &shown, l.loc),
                        message: l.message.clone(),
                    })
                    .collect(),
                note: f.note.clone(),
                help: f.help.clone(),
            }
        })
        .collect();
    items.sort_by(|a, b| {
        (&a.pos.file, a.pos.line, a.pos.column, a.lint).cmp(&(
            &b.pos.file,
            b.pos.line,
            b.pos.column,
            b.lint,
        ))
    });
    let mut errs: Vec<ErrorItem> = errors
        .iter()
        .map(|e| ErrorItem {
            file: display_path(&e.path, cwd),
            message: e.message.clone(),
        })
        .collect();
    errs.sort_by(|a, b| (&a.file, &a.message).cmp(&(&b.file, &b.message)));
    Report {
        paths: shown,
        items,
        errors: errs,
        files: sources.len(),
        suppressed: 0,
        baseline: 0,
    }
}
