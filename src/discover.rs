//! Discovery: which files to analyse, each with its crate and module path. Cargo packages come
//! from `cargo metadata --no-deps` (which never resolves dependencies nor runs build scripts),
//! then `mod` declarations are followed from each target root, found by the light item scanner
//! (`oauth_lint_analysis::scan`) so that following them needs no parse; plain directories are
//! walked. Files are read once, here, on a pool of `jobs` threads with large stacks; the
//! prefilter (`oauth_lint_analysis::prefilter`) then picks the files to parse, and they are
//! lowered right away so that the syn trees never outlive their worker.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use oauth_lint_analysis::prefilter::{FileInput, FileStatus, Parse, Split, Stats};
use oauth_lint_analysis::{
    ExchangeFact, FileIr, ItemScan, LoweredFile, Models, lower_file, scan_items,
};
use rayon::prelude::*;
use serde::Deserialize;

/// Parsing runs on threads with this much stack, for deeply nested but accepted files.
const PARSE_STACK: usize = oauth_lint_analysis::STACK_SIZE;

/// What to analyse, as given on the command line.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) manifest_path: Option<PathBuf>,
    pub(crate) packages: Vec<String>,
    pub(crate) workspace: bool,
    pub(crate) exclude: Vec<String>,
    pub(crate) jobs: usize,
    /// Never ask cargo: walk every directory (the fixture harness).
    pub(crate) walk_only: bool,
    /// Files the configuration's `exclude` globs remove: never read.
    pub(crate) excluded: crate::config::Exclude,
    /// Which files to parse (every file with `--strict` and `--prefilter off`).
    pub(crate) parse: Parse,
    /// Whether the analysis runs in independent parts (`--whole-analysis`: as one).
    pub(crate) split: Split,
}

/// A file that could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FileError {
    pub(crate) path: PathBuf,
    pub(crate) message: String,
}

/// An analysed file: where it is and its text (for rendering; empty for a file that was not
/// parsed, which holds no finding).
pub(crate) struct Source {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
}

#[derive(Default)]
pub(crate) struct Discovered {
    pub(crate) sources: Vec<Source>,
    pub(crate) lowered: Vec<LoweredFile>,
    pub(crate) crate_names: Vec<String>,
    pub(crate) errors: Vec<FileError>,
    /// Messages for stderr that are not errors (a fallback to walking).
    pub(crate) warnings: Vec<String>,
    /// The exchange facts with findings, from the analysis of `lowered`.
    pub(crate) facts: Vec<ExchangeFact>,
    /// What the prefilter did.
    pub(crate) stats: Stats,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
    workspace_root: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    id: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
    src_path: PathBuf,
}

/// One crate to analyse: its root files and the directory nothing may be read outside of.
struct CrateRoots {
    name: String,
    roots: Vec<PathBuf>,
    boundary: PathBuf,
    /// Walked crates list every file up front; cargo crates follow `mod` items.
    walked: bool,
    /// The canonical path of a walked directory when the walk followed no link: its files'
    /// canonical paths follow from it, which spares a `canonicalize` per file.
    canonical: Option<PathBuf>,
}

/// Discovers, reads, selects, parses and analyses the files of `sel` with `models`.
pub(crate) fn discover(sel: &Selection, models: &Models) -> Discovered {
    let mut out = Discovered::default();
    let mut crates = Vec::new();
    let paths = if sel.paths.is_empty() && sel.manifest_path.is_none() {
        vec![PathBuf::from(".")]
    } else {
        sel.paths.clone()
    };
    if let Some(manifest) = &sel.manifest_path {
        cargo_crates(manifest, sel, &mut crates, &mut out);
    }
    for path in &paths {
        if !path.exists() {
            out.errors.push(FileError {
                path: path.clone(),
                message: "no such file or directory".into(),
            });
            continue;
        }
        let manifest = if sel.walk_only {
            None
        } else if path.is_dir() {
            let m = path.join("Cargo.toml");
            m.is_file().then_some(m)
        } else if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            Some(path.clone())
        } else {
            None
        };
        match manifest {
            Some(m) => cargo_crates(&m, sel, &mut crates, &mut out),
            None if path.is_dir() => crates.push(walk_crate(path, &mut out)),
            None => {
                let boundary = path
                    .parent()
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
                crates.push(CrateRoots {
                    name: crate_name_of(path),
                    roots: vec![path.clone()],
                    boundary,
                    walked: true,
                    canonical: None,
                });
            }
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(sel.jobs.max(1))
        .stack_size(PARSE_STACK)
        .thread_name(|i| format!("oauth-lint-{i}"))
        .build();
    match pool {
        Ok(pool) => pool.install(|| load_crates(&crates, sel, models, &mut out)),
        Err(e) => out.errors.push(FileError {
            path: PathBuf::from("."),
            message: format!("internal error: could not start worker threads: {e}"),
        }),
    }
    out.errors.sort();
    out.errors.dedup();
    out
}

fn crate_name_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().replace('-', "_"))
        .unwrap_or_default()
}

fn cargo_crates(
    manifest: &Path,
    sel: &Selection,
    crates: &mut Vec<CrateRoots>,
    out: &mut Discovered,
) {
    let dir = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = &std::fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let result = Command::new(&cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(manifest)
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .output();
    let meta: Result<Metadata, String> = match result {
        Err(e) => Err(format!("could not run cargo: {e}")),
        Ok(o) if !o.status.success() => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let reason = stderr
                .lines()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or("it exited with an error")
                .trim_end_matches(':');
            Err(format!(
                "`cargo metadata` failed for `{}`: {reason}",
                manifest.display()
            ))
        }
        Ok(o) => {
            serde_json::from_slice(&o.stdout).map_err(|e| format!("unreadable cargo metadata: {e}"))
        }
    };
    let meta = match meta {
        Ok(m) => m,
        Err(reason) => {
            out.warnings.push(format!(
                "{reason}; falling back to walking `{}` for .rs files",
                dir.display()
            ));
            crates.push(walk_crate(&dir, out));
            return;
        }
    };
    let members: BTreeSet<&str> = meta.workspace_members.iter().map(String::as_str).collect();
    let at_root = *manifest
        == std::fs::canonicalize(meta.workspace_root.join("Cargo.toml")).unwrap_or_default();
    for name in &sel.packages {
        if !meta.packages.iter().any(|p| &p.name == name) {
            out.errors.push(FileError {
                path: manifest.clone(),
                message: format!("package `{name}` is not in this workspace"),
            });
        }
    }
    for pkg in &meta.packages {
        if !members.contains(pkg.id.as_str()) {
            continue;
        }
        let selected = if !sel.packages.is_empty() {
            sel.packages.iter().any(|p| p == &pkg.name)
        } else if sel.workspace || at_root {
            !sel.exclude.iter().any(|e| e == &pkg.name)
        } else {
            std::fs::canonicalize(&pkg.manifest_path).unwrap_or_default() == *manifest
        };
        if !selected {
            continue;
        }
        let lib_name = pkg
            .targets
            .iter()
            .find(|t| {
                t.kind
                    .iter()
                    .any(|k| k.ends_with("lib") || k == "proc-macro")
            })
            .map_or_else(|| pkg.name.replace('-', "_"), |t| t.name.replace('-', "_"));
        let roots = pkg
            .targets
            .iter()
            .filter(|t| !t.kind.iter().any(|k| k == "custom-build"))
            .map(|t| t.src_path.clone())
            .collect();
        crates.push(CrateRoots {
            name: lib_name,
            roots,
            boundary: meta.workspace_root.clone(),
            walked: false,
            canonical: None,
        });
    }
}

/// Walks `dir` for `.rs` files, skipping hidden entries and `target/`. Symbolic links are
/// followed only to what lies inside `dir`; a link out of it, a link loop, and a `.rs` entry
/// that is not a regular file (a FIFO would block the read forever) are reported, never
/// silently skipped.
fn walk_crate(dir: &Path, out: &mut Discovered) -> CrateRoots {
    let mut roots = Vec::new();
    let inside = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut outside = Vec::new();
    let mut followed = false;
    let is_rs = |p: &Path| p.extension().is_some_and(|x| x == "rs");
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            if name.starts_with('.') || (e.file_type().is_dir() && name == "target") {
                return false;
            }
            followed |= e.path_is_symlink();
            let escapes = e.path_is_symlink()
                && !std::fs::canonicalize(e.path()).is_ok_and(|t| t.starts_with(&inside));
            if escapes && (e.file_type().is_dir() || is_rs(e.path())) {
                outside.push(e.path().to_path_buf());
            }
            !escapes
        });
    for entry in walker {
        match entry {
            Ok(e) if !is_rs(e.path()) || e.file_type().is_dir() => {}
            Ok(e) if e.file_type().is_file() => roots.push(e.into_path()),
            Ok(e) => out.errors.push(FileError {
                path: e.into_path(),
                message: "could not read: not a regular file (a FIFO, socket or device)".into(),
            }),
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
                let message = if e.loop_ancestor().is_some() {
                    "not followed: a symbolic link to a directory that contains it (a loop)"
                        .to_string()
                } else if let Some(io) = e.io_error() {
                    // A dangling link is only worth a word when it looks like a source file.
                    if io.kind() == std::io::ErrorKind::NotFound && !is_rs(&path) {
                        continue;
                    }
                    format!("could not read: {io}")
                } else {
                    format!("could not read: {e}")
                };
                out.errors.push(FileError { path, message });
            }
        }
    }
    out.errors.extend(outside.into_iter().map(|path| FileError {
        path,
        message: format!(
            "refused to follow a symbolic link out of `{}`",
            dir.display()
        ),
    }));
    let name = std::fs::canonicalize(dir)
        .ok()
        .as_deref()
        .map_or_else(|| crate_name_of(dir), crate_name_of);
    CrateRoots {
        name,
        roots,
        boundary: dir.to_path_buf(),
        walked: true,
        // Files reached through a followed link have other canonical paths than their place
        // under `dir`: then each file is canonicalized on its own.
        canonical: if followed { None } else { Some(inside) },
    }
}

/// The module path of a walked file from its place under `src/`.
fn walked_module(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some(pos) = parts.iter().position(|p| p == "src") else {
        return Vec::new();
    };
    parts.drain(..=pos);
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_string());
        }
    }
    if parts.first().is_some_and(|p| p == "bin") {
        return Vec::new();
    }
    parts
}

struct Job {
    path: PathBuf,
    crate_id: u32,
    module: Vec<String>,
    /// Whether `mod x;` in this file looks for `x.rs` next to it (lib.rs, main.rs, mod.rs).
    mod_rs: bool,
}

/// A file read and accepted for analysis.
struct Loaded {
    job: Job,
    text: String,
    /// Its `mod` declarations and item names, for files of cargo crates that declare modules.
    scan: Option<ItemScan>,
}

/// A file's text and, for a cargo crate's file that declares modules, its item scan; or why
/// it cannot be analysed.
type ReadResult = Result<(String, Option<ItemScan>), String>;

/// Whether `text` has the keyword `mod` followed by white space or a comment.
fn declares_modules(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, b"mod").any(|i| {
        (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
            && bytes
                .get(i + 3)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
    })
}

fn load_crates(crates: &[CrateRoots], sel: &Selection, models: &Models, out: &mut Discovered) {
    // Only asked whether a path was seen: a hash set (comparing paths in order, component by
    // component, cost more than reading the files).
    let mut seen = std::collections::HashSet::new();
    let mut files: Vec<Loaded> = Vec::new();
    for (id, krate) in crates.iter().enumerate() {
        let crate_id = u32::try_from(id).unwrap_or(u32::MAX);
        out.crate_names.push(krate.name.clone());
        let boundary =
            std::fs::canonicalize(&krate.boundary).unwrap_or_else(|_| krate.boundary.clone());
        let mut level: Vec<Job> = krate
            .roots
            .iter()
            .map(|r| Job {
                module: if krate.walked {
                    walked_module(&krate.boundary, r)
                } else {
                    Vec::new()
                },
                path: r.clone(),
                crate_id,
                mod_rs: true,
            })
            .collect();
        while !level.is_empty() {
            level.retain(|j| !sel.excluded.is_excluded(&j.path));
            let scan = !krate.walked;
            let read: Vec<(PathBuf, ReadResult)> = level
                .par_iter()
                .map(|job| {
                    let canonical = krate
                        .canonical
                        .as_ref()
                        .zip(job.path.strip_prefix(&krate.boundary).ok())
                        .map(|(root, rel)| root.join(rel))
                        .or_else(|| std::fs::canonicalize(&job.path).ok())
                        .unwrap_or_else(|| job.path.clone());
                    let result = read_source(&job.path).map(|text| {
                        let items = (scan && declares_modules(&text))
                            .then(|| scan_items(&text, &job.module));
                        (text, items)
                    });
                    (canonical, result)
                })
                .collect();
            let mut next = Vec::new();
            for (job, (canonical, result)) in level.into_iter().zip(read) {
                if !seen.insert(canonical) {
                    continue;
                }
                match result {
                    Err(message) => out.errors.push(FileError {
                        path: job.path,
                        message,
                    }),
                    Ok((text, items)) => {
                        for m in items.iter().flat_map(|s| &s.mods) {
                            match child_module(&job, m, &boundary) {
                                Ok(children) => next.extend(children),
                                Err(message) => out.errors.push(FileError {
                                    path: job.path.clone(),
                                    message,
                                }),
                            }
                        }
                        files.push(Loaded {
                            job,
                            text,
                            scan: items,
                        });
                    }
                }
            }
            level = next;
        }
    }
    let inputs: Vec<FileInput<'_>> = files
        .iter()
        .map(|f| FileInput {
            crate_id: f.job.crate_id,
            module: &f.job.module,
            text: &f.text,
            scan: f.scan.as_ref(),
        })
        .collect();
    let parse = |i: usize| parse_source(&files[i].text, &files[i].job.module);
    let selected = oauth_lint_analysis::select(
        &inputs,
        &out.crate_names,
        models,
        sel.parse,
        sel.split,
        &parse,
    );
    drop(inputs);
    let mut status = selected.status;
    for (i, f) in files.into_iter().enumerate() {
        match std::mem::replace(&mut status[i], FileStatus::Skipped) {
            FileStatus::Failed(message) => out.errors.push(FileError {
                path: f.job.path,
                message,
            }),
            FileStatus::Parsed => out.sources.push(Source {
                path: f.job.path,
                text: f.text,
            }),
            FileStatus::Skipped => out.sources.push(Source {
                path: f.job.path,
                text: String::new(),
            }),
        }
    }
    out.lowered = selected.lowered;
    out.facts = selected.facts;
    out.stats = selected.stats;
}

fn child_module(
    parent: &Job,
    decl: &oauth_lint_analysis::ir::ModDecl,
    boundary: &Path,
) -> Result<Vec<Job>, String> {
    let dir = parent.path.parent().unwrap_or(Path::new("."));
    let mut module = decl.module.clone();
    module.push(decl.name.clone());
    // Inline modules between the file's own module and the declaration add directories.
    let inline = &decl.inline_dirs;
    let mut attr_dir = dir.to_path_buf();
    for m in inline {
        attr_dir.push(m.as_str());
    }
    let default_path = {
        let mut d = dir.to_path_buf();
        if !parent.mod_rs
            && let Some(stem) = parent.path.file_stem()
        {
            d.push(stem);
        }
        for m in inline {
            d.push(m.as_str());
        }
        let flat = d.join(format!("{}.rs", decl.name));
        let nested = d.join(&decl.name).join("mod.rs");
        if flat.is_file() || !nested.is_file() {
            flat
        } else {
            nested
        }
    };
    // (path, whether it came from a path attribute)
    let candidates: Vec<(PathBuf, bool)> = if let Some(p) = &decl.path_attr {
        vec![(attr_dir.join(p), true)]
    } else if decl.cfg_paths.is_empty() {
        vec![(default_path, false)]
    } else {
        let mut c: Vec<(PathBuf, bool)> = decl
            .cfg_paths
            .iter()
            .map(|p| (attr_dir.join(p), true))
            .filter(|(p, _)| p.is_file())
            .collect();
        if default_path.is_file() || c.is_empty() {
            c.push((default_path, false));
        }
        c
    };
    let mut jobs = Vec::new();
    for (path, from_attr) in candidates {
        let Ok(canonical) = std::fs::canonicalize(&path) else {
            return Err(format!(
                "file for module `{}` not found (looked for `{}`)",
                decl.name,
                path.display()
            ));
        };
        if !canonical.starts_with(boundary) {
            return Err(format!(
                "refused to read `{}` for module `{}`: it is outside the workspace root",
                path.display(),
                decl.name
            ));
        }
        let mod_rs = from_attr || path.file_name().is_some_and(|n| n == "mod.rs");
        jobs.push(Job {
            path,
            crate_id: parent.crate_id,
            module: module.clone(),
            mod_rs,
        });
    }
    Ok(jobs)
}

/// Files read so far in this process, for the progress line.
pub(crate) static FILES_READ: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Reads a file; refuses one that is not a regular file or not UTF-8.
fn read_source(path: &Path) -> Result<String, String> {
    FILES_READ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Opening a FIFO would wait for a writer forever.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err("could not read: not a regular file".into());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("could not read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "could not read: not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(text)
}

/// Parses and lowers one file (on a worker thread with a large stack); files nested too deep
/// for the parser's stack are refused by `lower_file` before parsing.
fn parse_source(text: &str, module: &[String]) -> Result<FileIr, String> {
    lower_file(text, module)
        .map_err(|e| format!("could not parse: {}:{}: {}", e.line, e.col, e.message))
}
