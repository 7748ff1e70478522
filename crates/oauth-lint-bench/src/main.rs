//! The oauth-lint benchmark (a binary, not a timed test): on the same files, in one run, it
//! times walking and reading them, a plain parallel `syn::parse_file` of every file, and
//! oauth-lint end to end (the library entry `oauth_lint::run`, as the CLI runs it), each in a
//! fresh child process so that every figure has its own peak RSS. Each measurement is repeated
//! and the median is reported with the spread. It also checks that the demand-driven mode and
//! the parse-everything mode (`--prefilter off`) report the same findings on each corpus, as
//! does the dataflow run as one interpreter instead of in parallel parts (`--whole-analysis`), and
//! that the light item scanner the prefilter relies on finds, in every file that parses, the
//! `mod` declarations and item definitions that lowering finds.
//! With `--full` it also times oauth-lint parsing every file (slow on a large corpus).
//!
//! ```text
//! cargo run --release -p oauth-lint-bench -- [--jobs N] [--runs N] [--full] \
//!     --corpus sparse $(bench/fetch-corpus) --corpus dense tests/fixtures
//! ```
//!
//! Every directory is walked as oauth-lint walks a directory without a manifest (`.rs` files,
//! skipping `target/` and hidden directories); each is one crate for oauth-lint.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use rayon::prelude::*;

/// The stack of a parser thread, as oauth-lint uses.
const PARSE_STACK: usize = oauth_lint_analysis::STACK_SIZE;

const MEASURES: &[(&str, &str)] = &[
    ("walk", "walk + read"),
    ("parse", "syn::parse_file (plain, parallel)"),
    ("lint", "oauth-lint"),
    ("lint-all", "oauth-lint --prefilter off"),
];

struct Corpus {
    name: String,
    roots: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let mut jobs = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut runs = 5usize;
    let mut full = false;
    let mut corpora: Vec<Corpus> = Vec::new();
    let mut iter = args.into_iter();
    while let Some(a) = iter.next() {
        match a.as_str() {
            "--jobs" | "-j" => match iter.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => jobs = n,
                _ => return usage("--jobs needs a positive number"),
            },
            "--runs" => match iter.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => runs = n,
                _ => return usage("--runs needs a positive number"),
            },
            "--corpus" => match iter.next() {
                Some(name) => corpora.push(Corpus {
                    name,
                    roots: Vec::new(),
                }),
                None => return usage("--corpus needs a name"),
            },
            "--full" => full = true,
            "-h" | "--help" => return usage(""),
            _ => match corpora.last_mut() {
                Some(c) => c.roots.push(PathBuf::from(a)),
                None => return usage("give `--corpus NAME` before its directories"),
            },
        }
    }
    if corpora.is_empty() || corpora.iter().any(|c| c.roots.is_empty()) {
        return usage("every corpus needs at least one directory");
    }
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("error: cannot find the benchmark's own executable");
        return ExitCode::from(2);
    };
    println!(
        "oauth-lint {} benchmark: {jobs} threads, median of {runs} runs [min-max], \
         each measurement in a fresh process",
        env!("CARGO_PKG_VERSION")
    );
    let mut ok = true;
    for corpus in &corpora {
        ok &= bench(&exe, corpus, jobs, runs, full);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn usage(msg: &str) -> ExitCode {
    if !msg.is_empty() {
        eprintln!("error: {msg}");
    }
    eprintln!(
        "usage: oauth-lint-bench [--jobs N] [--runs N] [--full] --corpus NAME DIR... [--corpus NAME DIR...]"
    );
    ExitCode::from(2)
}

/// One child's report.
#[derive(Default, Clone)]
struct Sample {
    secs: f64,
    hwm_kb: u64,
    note: String,
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        f64::midpoint(xs[n / 2 - 1], xs[n / 2])
    }
}

#[allow(clippy::cast_precision_loss, reason = "line counts far below 2^52")]
fn bench(exe: &Path, corpus: &Corpus, jobs: usize, runs: usize, full: bool) -> bool {
    let files = walk(&corpus.roots);
    let (lines, bytes) = files
        .par_iter()
        .map(|p| {
            let b = std::fs::read(p).unwrap_or_default();
            (line_count(&b), b.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "\ncorpus {}: {} directories, {} files, {} lines, {:.1} MB",
        corpus.name,
        corpus.roots.len(),
        files.len(),
        lines,
        bytes as f64 / 1e6
    );
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); MEASURES.len()];
    // One warm-up round fills the page cache; then the measurements are interleaved so that
    // a noisy neighbour spreads over all of them.
    for round in 0..=runs {
        for (m, (what, _)) in MEASURES.iter().enumerate() {
            if *what == "lint-all" && !full {
                continue;
            }
            match run_child(exe, what, jobs, &corpus.roots) {
                Ok(s) if round > 0 => samples[m].push(s),
                Ok(_) => {}
                Err(e) => {
                    eprintln!("error: {what}: {e}");
                    return false;
                }
            }
        }
    }
    let mut parse_median = 0.0;
    for (m, (what, label)) in MEASURES.iter().enumerate() {
        if samples[m].is_empty() {
            continue;
        }
        let mut secs: Vec<f64> = samples[m].iter().map(|s| s.secs).collect();
        let med = median(&mut secs);
        let (lo, hi) = (secs[0], secs[secs.len() - 1]);
        let mut hwm: Vec<f64> = samples[m].iter().map(|s| s.hwm_kb as f64).collect();
        let hwm = median(&mut hwm) / 1024.0;
        if *what == "parse" {
            parse_median = med;
        }
        let ratio = if matches!(*what, "lint" | "lint-all") && parse_median > 0.0 {
            format!("  {:.3}x parse", med / parse_median)
        } else {
            String::new()
        };
        let note = samples[m]
            .last()
            .map(|s| s.note.clone())
            .filter(|n| !n.is_empty())
            .map(|n| format!("  ({n})"))
            .unwrap_or_default();
        println!(
            "  {label:<36} {med:>8.3} s [{lo:.3}-{hi:.3}]  {:>7.2} M lines/s  peak RSS {hwm:>6.1} MiB{ratio}{note}",
            lines as f64 / med / 1e6,
        );
    }
    let same = compare_modes(&corpus.roots, jobs);
    check_scanner(&files) && same
}

/// The scanner against lowering on every file that parses: the same `mod` declarations, and
/// every function (with its kind), constant and type that lowering finds.
fn check_scanner(files: &[PathBuf]) -> bool {
    use oauth_lint_analysis::{DefKind, lower_file, scan_items};
    let problems: Vec<String> = files
        .par_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            let module = vec!["m".to_string()];
            let ir = lower_file(&text, &module).ok()?;
            let scan = scan_items(&text, &module);
            let key = |m: &oauth_lint_analysis::ir::ModDecl| {
                (
                    m.module.clone(),
                    m.name.clone(),
                    m.path_attr.clone(),
                    m.inline_dirs.clone(),
                    m.cfg_paths.clone(),
                )
            };
            let mods_agree = ir.mods.iter().map(key).eq(scan.mods.iter().map(key));
            let has = |n: &str, want: &dyn Fn(DefKind) -> bool| {
                let n = n.strip_prefix("r#").unwrap_or(n);
                scan.defs.iter().any(|(d, k)| d == n && want(*k))
            };
            let fns = ir.fns.iter().all(|f| {
                has(&f.name, &|k| match k {
                    DefKind::Fn {
                        maybe_self,
                        maybe_method,
                        maybe_free,
                    } => {
                        (!f.has_self || maybe_self)
                            && (f.self_ty.is_none() || maybe_method)
                            && (f.self_ty.is_some() || maybe_free)
                    }
                    _ => false,
                })
            });
            let consts = ir
                .consts
                .iter()
                .all(|c| has(&c.name, &|k| k == DefKind::Const));
            let types = ir
                .types
                .iter()
                .all(|t| has(&t.name, &|k| k == DefKind::Type));
            (!(mods_agree && fns && consts && types)).then(|| p.display().to_string())
        })
        .collect();
    println!(
        "  item scanner: {} of {} files disagree with lowering{}",
        problems.len(),
        files.len(),
        problems
            .first()
            .map(|p| format!(" (first: {p})"))
            .unwrap_or_default()
    );
    problems.is_empty()
}

/// Runs oauth-lint with the prefilter, without it, and with the dataflow as one interpreter
/// (`--whole-analysis`, not in parallel parts), and compares the findings.
fn compare_modes(roots: &[PathBuf], jobs: usize) -> bool {
    let dir = std::env::temp_dir().join(format!("oauth-lint-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        return false;
    }
    let mut findings = Vec::new();
    let runs: [&[&str]; 3] = [
        &["--prefilter", "auto"],
        &["--prefilter", "off"],
        &["--prefilter", "auto", "--whole-analysis"],
    ];
    for (i, extra) in runs.into_iter().enumerate() {
        let out = dir.join(format!("{i}.json"));
        let mut args: Vec<std::ffi::OsString> = vec![
            "oauth-lint".into(),
            "check".into(),
            "--format".into(),
            "json".into(),
            "--quiet".into(),
            "--jobs".into(),
            jobs.to_string().into(),
            "--output".into(),
            out.clone().into(),
        ];
        args.extend(extra.iter().map(Into::into));
        args.extend(roots.iter().map(|r| r.clone().into_os_string()));
        let code = oauth_lint::run(args);
        let doc: Option<serde_json::Value> = std::fs::read(&out)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match doc {
            Some(d) if code != 2 => findings.push(d["findings"].clone()),
            _ => {
                eprintln!("error: oauth-lint failed (exit code {code})");
                return false;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let n = findings[0].as_array().map_or(0, Vec::len);
    let same = findings[0] == findings[1];
    let same_whole = findings[0] == findings[2];
    let verdict = |same: bool| if same { "identical" } else { "DIFFERENT" };
    println!(
        "  findings: {n} with the prefilter, {} parsing every file: {}; the analysis as one: {}",
        findings[1].as_array().map_or(0, Vec::len),
        verdict(same),
        verdict(same_whole),
    );
    same && same_whole
}

fn run_child(exe: &Path, what: &str, jobs: usize, roots: &[PathBuf]) -> Result<Sample, String> {
    let out = Command::new(exe)
        .arg("--child")
        .arg(what)
        .arg(jobs.to_string())
        .args(roots)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run the child: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .ok_or_else(|| {
            format!(
                "the child reported nothing: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let mut s = Sample::default();
    for field in line.split(' ') {
        match field.split_once('=') {
            Some(("secs", v)) => s.secs = v.parse().unwrap_or(0.0),
            Some(("hwm_kb", v)) => s.hwm_kb = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if let Some(stats) = stderr.lines().find_map(|l| l.strip_prefix("prefilter: ")) {
        s.note = stats.to_string();
    }
    if let Some(note) = line.split_once(" note=").map(|(_, n)| n) {
        s.note = note.to_string();
    }
    Ok(s)
}

/// A child: does one measurement and prints `BENCH secs=.. hwm_kb=.. [note=..]`.
fn child(args: &[String]) -> ExitCode {
    let (Some(what), Some(jobs)) = (args.first(), args.get(1).and_then(|j| j.parse().ok())) else {
        return ExitCode::from(2);
    };
    let roots: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(PARSE_STACK)
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let note = match what.as_str() {
        "walk" => {
            let files = walk(&roots);
            let bytes: usize = pool.install(|| {
                files
                    .par_iter()
                    .map(|p| std::fs::read(p).map_or(0, |b| b.len()))
                    .sum()
            });
            format!("{bytes} bytes")
        }
        "parse" => {
            let files = walk(&roots);
            let failed: usize = pool.install(|| {
                files
                    .par_iter()
                    .map(|p| {
                        let text = std::fs::read_to_string(p).unwrap_or_default();
                        let ok = syn::parse_file(&text).is_ok();
                        proc_macro2::extra::invalidate_current_thread_spans();
                        usize::from(!ok)
                    })
                    .sum()
            });
            format!("{failed} files syn rejects")
        }
        "lint" | "lint-all" => {
            let mut argv: Vec<std::ffi::OsString> = vec![
                "oauth-lint".into(),
                "check".into(),
                "--format".into(),
                "json".into(),
                "--quiet".into(),
                "--prefilter-stats".into(),
                "--jobs".into(),
                jobs.to_string().into(),
                "--output".into(),
                "/dev/null".into(),
            ];
            if what == "lint-all" {
                argv.extend(["--prefilter".into(), "off".into()]);
            }
            argv.extend(roots.iter().map(|r| r.clone().into_os_string()));
            let code = oauth_lint::run(argv);
            if code == 2 {
                eprintln!("error: oauth-lint exited with 2");
                return ExitCode::from(2);
            }
            String::new()
        }
        _ => return ExitCode::from(2),
    };
    let secs = start.elapsed().as_secs_f64();
    let mut line = format!("BENCH secs={secs:.6} hwm_kb={}", peak_rss_kb());
    if !note.is_empty() {
        line.push_str(" note=");
        line.push_str(&note);
    }
    println!("{line}");
    ExitCode::SUCCESS
}

/// This process's peak resident set size (`VmHWM`), on Linux.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The `.rs` files under `roots`, walked as oauth-lint walks a directory.
fn walk(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for root in roots {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0
                    || !(e.file_type().is_dir() && (name.starts_with('.') || name == "target"))
            });
        for e in walker.flatten() {
            if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs") {
                out.push(e.into_path());
            }
        }
    }
    out
}

/// Lines, as `wc -l` counts them.
fn line_count(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| b == b'\n')
        .count()
        .saturating_sub(usize::from(bytes.ends_with(b"\n") || bytes.is_empty()))
}
