//! The oauth-lint command line: the only code that touches the file system, the environment,
//! cargo, colors and stdout. It discovers and reads the files, hands them to the analysis,
//! applies levels, and renders the report. `run` maps every outcome to an exit code (0: no deny
//! finding, 1: a deny finding, 2: usage error, bad input under `--strict`, internal error).

mod baseline;
mod config;
mod discover;
pub mod docs;
mod output;
mod progress;
mod report;
mod suppress;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::ColorChoice;
use oauth_lint_analysis::{Models, Parse, Split};
use oauth_lint_lints::Level;

#[derive(Parser, Debug)]
#[command(
    name = "oauth-lint",
    version,
    about = "Finds OAuth2 authorization-code misuse in Rust source: codes exchanged in a retry, \
             exchanged twice, or read from a persistent source",
    after_help = "Run `oauth-lint lints` for the lints and `oauth-lint explain LINT` for one."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse a workspace, packages, directories or files (the default command).
    Check(Box<CheckArgs>),
    /// Print the documentation of a lint.
    Explain {
        /// The lint name (snake_case or kebab-case).
        lint: String,
    },
    /// List every lint with its default and effective level.
    Lints(LintsArgs),
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files, directories or Cargo.toml manifests [default: the workspace around the current
    /// directory]
    paths: Vec<PathBuf>,
    /// Report format: human, short, json, sarif (SARIF 2.1.0 for GitHub code scanning) or
    /// github (workflow-command annotations)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to use colors in human output (`NO_COLOR` is honoured)
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    #[command(flatten)]
    levels: LevelArgs,
    /// Path to the Cargo.toml of the workspace or package to check
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Package(s) to check
    #[arg(short, long = "package", value_name = "SPEC")]
    package: Vec<String>,
    /// Check every package of the workspace
    #[arg(long)]
    workspace: bool,
    /// Exclude package(s) with --workspace
    #[arg(long, value_name = "SPEC")]
    exclude: Vec<String>,
    /// Files that cannot be read or parsed make the run fail (exit code 2); every file is
    /// parsed, not only those that can matter
    #[arg(long)]
    strict: bool,
    /// Which files to parse: only those that can matter (`on`), those unless they are most of
    /// the code anyway (`auto`), or every file (`off`; for comparisons)
    #[arg(long, hide = true, value_enum, default_value_t = PrefilterArg::Auto)]
    prefilter: PrefilterArg,
    /// The same as `--prefilter off`
    #[arg(long, hide = true)]
    no_prefilter: bool,
    /// Print what the prefilter did to stderr
    #[arg(long, hide = true)]
    prefilter_stats: bool,
    /// Run the dataflow as one, not in independent parts in parallel (for comparisons)
    #[arg(long, hide = true)]
    whole_analysis: bool,
    /// Number of threads reading, searching, parsing and analysing files [default: the number of CPUs]
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Print the documentation of a lint and exit
    #[arg(long, value_name = "LINT")]
    explain: Option<String>,
    /// Print nothing but the findings
    #[arg(short, long)]
    quiet: bool,
    /// Write the report to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Read the configuration from FILE [default: oauth-lint.toml at the workspace root, else
    /// [workspace.metadata.oauth-lint] or [package.metadata.oauth-lint] in Cargo.toml]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only the findings that are not recorded in this baseline FILE
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in a baseline FILE and exit 0
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct LevelArgs {
    /// Set a lint to allow
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    allow: Vec<String>,
    /// Set a lint to warn
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    warn: Vec<String>,
    /// Set a lint to deny (`-D warnings` makes every warning an error)
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    deny: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct LintsArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
    /// Read the configuration from FILE [default: as for `check`, from the current directory]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    levels: LevelArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Short,
    Json,
    Sarif,
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ListFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PrefilterArg {
    On,
    Auto,
    Off,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

const SUBCOMMANDS: &[&str] = &["check", "explain", "lints", "help"];

/// Runs oauth-lint with `args` (argv, program name first) and returns the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let args = normalize_args(args);
    let matches = match Cli::command().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return 2;
        }
    };
    let sub = matches.subcommand().map(|(_, m)| m);
    match cli.command {
        Command::Explain { lint } => explain(&lint),
        Command::Lints(a) => {
            let config = match config::load(Path::new("."), a.config.as_deref()) {
                Ok(c) => c,
                Err(e) => return usage_error(&e.0),
            };
            match levels(sub, &config) {
                Ok(lv) => list_lints(a.format, &lv),
                Err(msg) => usage_error(&msg),
            }
        }
        Command::Check(a) => {
            if let Some(lint) = &a.explain {
                return explain(lint);
            }
            let anchor = config_anchor(&a);
            let config = match config::load(&anchor, a.config.as_deref()) {
                Ok(c) => c,
                Err(e) => return usage_error(&e.0),
            };
            match levels(sub, &config) {
                Ok(lv) => check(&a, &lv, config),
                Err(msg) => usage_error(&msg),
            }
        }
    }
}

/// Strips cargo's subcommand name (`cargo-oauth-lint oauth-lint ..`) and makes `check` the
/// default command.
fn normalize_args(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.is_empty() {
        args.push("oauth-lint".into());
    }
    args[0] = "oauth-lint".into();
    if args.get(1).is_some_and(|a| a == "oauth-lint") {
        args.remove(1);
    }
    let first = args.get(1).and_then(|a| a.to_str()).unwrap_or("");
    let is_global = matches!(first, "-h" | "--help" | "-V" | "--version");
    if !SUBCOMMANDS.contains(&first) && !is_global {
        args.insert(1, "check".into());
    }
    args
}

/// Where to look for the workspace root and its configuration: the manifest's directory, the
/// first path, or the current directory.
fn config_anchor(args: &CheckArgs) -> PathBuf {
    if let Some(m) = &args.manifest_path {
        return m
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    }
    args.paths.first().cloned().unwrap_or_else(|| ".".into())
}

fn usage_error(msg: &str) -> i32 {
    eprintln!("error: {msg}");
    2
}

/// Effective levels per lint, applying `-A/-W/-D` in command-line order.
struct Levels {
    levels: Vec<(&'static str, Level)>,
    deny_warnings: bool,
}

impl Levels {
    fn of(&self, lint: &str) -> Level {
        let level = self
            .levels
            .iter()
            .find(|(n, _)| *n == lint)
            .map_or(Level::Allow, |(_, l)| *l);
        if self.deny_warnings && level == Level::Warn {
            Level::Deny
        } else {
            level
        }
    }
}

/// Levels: the defaults, then the configuration's `[lints]`, then `-A/-W/-D` in order.
fn levels(sub: Option<&clap::ArgMatches>, config: &config::Config) -> Result<Levels, String> {
    let mut out = Levels {
        levels: oauth_lint_lints::all()
            .map(|l| (l.name, l.default_level))
            .collect(),
        deny_warnings: false,
    };
    for (name, level) in &config.lints {
        if let Some(slot) = out.levels.iter_mut().find(|(n, _)| n == name) {
            slot.1 = *level;
        }
    }
    let Some(m) = sub else { return Ok(out) };
    let mut ordered: Vec<(usize, Level, String)> = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        if let (Some(idx), Some(vals)) = (m.indices_of(id), m.get_many::<String>(id)) {
            for (i, v) in idx.zip(vals) {
                ordered.push((i, level, v.clone()));
            }
        }
    }
    ordered.sort_by_key(|(i, _, _)| *i);
    for (_, level, name) in ordered {
        if name == "warnings" {
            out.deny_warnings = level == Level::Deny;
            continue;
        }
        let Some(lint) = oauth_lint_lints::lint(&name) else {
            return Err(config::unknown_lint(&name));
        };
        if let Some(slot) = out.levels.iter_mut().find(|(n, _)| *n == lint.name) {
            slot.1 = level;
        }
    }
    Ok(out)
}

fn explain(name: &str) -> i32 {
    let Some(lint) = oauth_lint_lints::lint(name) else {
        return usage_error(&config::unknown_lint(name));
    };
    match docs::lint_doc(lint.name) {
        Some(doc) => {
            print!("{doc}");
            0
        }
        None => usage_error(&format!("no documentation for `{}`", lint.name)),
    }
}

fn list_lints(format: ListFormat, levels: &Levels) -> i32 {
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = oauth_lint_lints::all()
                .map(|l| {
                    serde_json::json!({
                        "name": l.name,
                        "group": l.group,
                        "default_level": l.default_level.as_str(),
                        "level": levels.of(l.name).as_str(),
                        "summary": l.summary,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            );
        }
        ListFormat::Human => {
            println!("{:<32} {:<8} {:<8} summary", "lint", "default", "level");
            for l in oauth_lint_lints::all() {
                println!(
                    "{:<32} {:<8} {:<8} {}",
                    l.name,
                    l.default_level.as_str(),
                    levels.of(l.name).as_str(),
                    l.summary
                );
            }
        }
    }
    0
}

/// Frees a large value on another thread, so that its many allocations are not released one by
/// one before the report is written (nor before the process exits). Dropped here when no
/// thread can be started.
fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("oauth-lint-free".into())
        .spawn(move || drop(value));
}

/// The built-in API models.
pub fn builtin_models() -> Result<Models, String> {
    Models::load(docs::API_MODELS.iter().copied())
        .map_err(|e| format!("built-in model {}: {}", e.name, e.message))
}

fn check(args: &CheckArgs, levels: &Levels, config: config::Config) -> i32 {
    let mut models = match builtin_models() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: internal error: {e}");
            return 2;
        }
    };
    let baseline = match &args.baseline {
        Some(path) => match baseline::Baseline::read(path) {
            Ok(b) => Some(b),
            Err(e) => return usage_error(&e),
        },
        None => None,
    };
    let config::Config {
        root,
        exclude,
        per_path,
        models: user_models,
        ..
    } = config;
    if let Some(user) = user_models {
        models.add(user);
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let selection = discover::Selection {
        paths: args.paths.clone(),
        manifest_path: args.manifest_path.clone(),
        packages: args.package.clone(),
        workspace: args.workspace,
        exclude: args.exclude.clone(),
        jobs,
        walk_only: false,
        excluded: exclude,
        parse: match args.prefilter {
            PrefilterArg::Off => Parse::Everything,
            _ if args.strict || args.no_prefilter => Parse::Everything,
            PrefilterArg::On => Parse::OnDemand,
            PrefilterArg::Auto => Parse::Auto,
        },
        split: if args.whole_analysis {
            Split::Whole
        } else {
            Split::Parts
        },
    };
    let mut progress = progress::Progress::start(args.quiet);
    let mut found = discover::discover(&selection, &models);
    progress.phase(progress::Phase::Analysing);
    let applied = suppress::apply(oauth_lint_lints::check(&found.facts), &found, &|lint| {
        levels.of(lint) != Level::Allow
    });
    // The flow representation is no longer needed: it is freed while the report is written.
    drop_in_background(std::mem::take(&mut found.lowered));
    progress.finish();
    for w in &found.warnings {
        eprintln!("warning: {w}");
    }
    if args.prefilter_stats {
        let s = &found.stats;
        eprintln!(
            "prefilter: {} files, {} seeds, {} parsed, {} scanned, {} relevant functions, {} analyses",
            s.files, s.seeds, s.parsed, s.scanned, s.relevant, s.analyses
        );
    }
    let findings: Vec<_> = applied
        .kept
        .into_iter()
        .chain(applied.meta)
        .filter_map(|f| {
            let level = levels.of(f.lint);
            let path = found.sources.get(f.loc.file as usize).map(|s| &s.path);
            let allowed_here = path.is_some_and(|p| per_path.allows_in(f.lint, p));
            (level != Level::Allow && !allowed_here).then_some((f, level))
        })
        .collect();
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .unwrap_or_default();
    let mut report = report::build(&findings, &found.sources, &found.errors, &cwd, &root);
    report.suppressed = applied.suppressed;
    for e in &report.errors {
        eprintln!("error: {}: {}", e.file, e.message);
    }
    if let Some(path) = &args.write_baseline {
        return match baseline::write(&report, path) {
            Ok(n) => {
                if !args.quiet {
                    eprintln!(
                        "oauth-lint: wrote {n} finding{} to the baseline `{}`",
                        if n == 1 { "" } else { "s" },
                        path.display()
                    );
                }
                if args.strict && !report.errors.is_empty() {
                    2
                } else {
                    0
                }
            }
            Err(e) => usage_error(&e),
        };
    }
    if let Some(b) = baseline {
        let stale = b.apply(&mut report);
        if stale > 0 && !args.quiet {
            eprintln!(
                "warning: {stale} baseline entr{} no longer occur{} (fixed or changed); \
                 rewrite the baseline with --write-baseline",
                if stale == 1 { "y" } else { "ies" },
                if stale == 1 { "s" } else { "" },
            );
        }
    }
    let text = match args.format {
        Format::Json => output::json::render(&report),
        Format::Sarif => output::sarif::render(&report, &cwd, args.strict),
        Format::Github => output::github::render(&report),
        Format::Short => {
            let mut text = output::short::render(&report);
            if !args.quiet {
                text.push_str(&output::summary_line(&report));
                text.push('\n');
            }
            text
        }
        Format::Human => {
            // Colors only on a terminal: never in a file.
            let color = if args.output.is_some() {
                ColorChoice::Never
            } else {
                color_choice(args.color)
            };
            let mut buf = codespan_reporting::term::termcolor::Buffer::no_color();
            if color != ColorChoice::Never {
                buf = codespan_reporting::term::termcolor::Buffer::ansi();
            }
            if let Err(e) = output::human::render(&report, &found.sources, &mut buf) {
                eprintln!("error: could not render the report: {e}");
                return 2;
            }
            let mut text = String::from_utf8_lossy(buf.as_slice()).into_owned();
            if !args.quiet {
                text.push_str(&output::summary_line(&report));
                text.push('\n');
            }
            text
        }
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| std::io::Error::new(e.kind(), format!("`{}`: {e}", path.display()))),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: could not write the report: {e}");
        return 2;
    }
    if args.strict && !report.errors.is_empty() {
        return 2;
    }
    i32::from(report.count(Level::Deny) > 0)
}

fn color_choice(arg: ColorArg) -> ColorChoice {
    match arg {
        ColorArg::Always => ColorChoice::Always,
        ColorArg::Never => ColorChoice::Never,
        ColorArg::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if !no_color && std::io::stdout().is_terminal() {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    }
}

/// Analyses files and directories in walk mode (no cargo) with every lint at its default
/// level, and the `enabled` ones at least `warn`: the entry point of the fixture harness and
/// the doc-example tests (an allow-by-default lint's fixtures and doc run with it enabled).
fn analyze_walk(
    paths: &[PathBuf],
    enabled: &[&str],
) -> Result<(report::Report, discover::Discovered), String> {
    let models = builtin_models()?;
    let selection = discover::Selection {
        paths: paths.to_vec(),
        jobs: 1,
        walk_only: true,
        ..discover::Selection::default()
    };
    let found = discover::discover(&selection, &models);
    Ok(report_at_default_levels(found, enabled))
}

/// Dataflow, lints and suppressions over discovered files, every lint at its default level and
/// the `enabled` ones at least `warn`.
fn report_at_default_levels(
    found: discover::Discovered,
    enabled: &[&str],
) -> (report::Report, discover::Discovered) {
    let default = |lint: &str| {
        let level = oauth_lint_lints::lint(lint).map_or(Level::Allow, |l| l.default_level);
        if enabled.contains(&lint) {
            level.max(Level::Warn)
        } else {
            level
        }
    };
    let applied = suppress::apply(oauth_lint_lints::check(&found.facts), &found, &|lint| {
        default(lint) != Level::Allow
    });
    let findings: Vec<_> = applied
        .kept
        .into_iter()
        .chain(applied.meta)
        .filter_map(|f| {
            let level = default(f.lint);
            (level != Level::Allow).then_some((f, level))
        })
        .collect();
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .unwrap_or_default();
    let mut report = report::build(&findings, &found.sources, &found.errors, &cwd, &cwd);
    report.suppressed = applied.suppressed;
    (report, found)
}

/// Analyses `(path, text)` sources held in memory as one crate, without the file system or
/// cargo: each is parsed and lowered as the command line does (on a thread with the parser's
/// stack, refused when nested too deep), then the dataflow with the built-in models, every
/// lint at its default level and the suppressions run on the calling thread. Returns the
/// report as `--format json` and as `--format human` without colors. The fuzz target's entry;
/// a panic anywhere propagates to the caller.
pub fn analyze_sources(sources: &[(&str, &str)]) -> Result<(String, String), String> {
    let models = builtin_models()?;
    let lowered = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("oauth-lint-parse".into())
            .stack_size(oauth_lint_analysis::STACK_SIZE)
            .spawn_scoped(scope, || {
                sources
                    .iter()
                    .map(|(_, text)| oauth_lint_analysis::lower_file(text, &[]))
                    .collect::<Vec<_>>()
            })
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
    .map_err(|e| format!("internal error: could not start a parser thread: {e}"))?;
    let mut found = discover::Discovered {
        crate_names: vec!["sources".into()],
        ..discover::Discovered::default()
    };
    for ((path, text), result) in sources.iter().zip(lowered) {
        match result {
            Ok(ir) => {
                found.sources.push(discover::Source {
                    path: PathBuf::from(path),
                    text: (*text).to_string(),
                });
                found.lowered.push(oauth_lint_analysis::LoweredFile {
                    crate_id: 0,
                    module: Vec::new(),
                    ir,
                });
            }
            Err(e) => found.errors.push(discover::FileError {
                path: PathBuf::from(path),
                message: format!("could not parse: {}:{}: {}", e.line, e.col, e.message),
            }),
        }
    }
    found.facts = oauth_lint_analysis::analyze(&found.lowered, &found.crate_names, &models);
    let (report, found) = report_at_default_levels(found, &[]);
    let mut human = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    output::human::render(&report, &found.sources, &mut human).map_err(|e| e.to_string())?;
    let human = String::from_utf8_lossy(&human.into_inner()).into_owned();
    Ok((output::json::render(&report), human))
}

/// Walk-mode findings as `short` lines, and the file errors.
pub fn check_paths_short(paths: &[PathBuf]) -> Result<(Vec<String>, Vec<String>), String> {
    check_paths_short_enabling(paths, &[])
}

/// As `check_paths_short`, with the `enabled` lints at least `warn`.
pub fn check_paths_short_enabling(
    paths: &[PathBuf],
    enabled: &[&str],
) -> Result<(Vec<String>, Vec<String>), String> {
    let (report, _) = analyze_walk(paths, enabled)?;
    let lines = output::short::render(&report)
        .lines()
        .map(str::to_string)
        .collect();
    let errors = report
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.file, e.message))
        .collect();
    Ok((lines, errors))
}

/// Walk-mode human output without colors, for snapshots.
pub fn check_paths_human(paths: &[PathBuf]) -> Result<String, String> {
    check_paths_human_enabling(paths, &[])
}

/// As `check_paths_human`, with the `enabled` lints at least `warn`.
pub fn check_paths_human_enabling(paths: &[PathBuf], enabled: &[&str]) -> Result<String, String> {
    let (report, found) = analyze_walk(paths, enabled)?;
    let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    output::human::render(&report, &found.sources, &mut buf).map_err(|e| e.to_string())?;
    let mut text = String::from_utf8_lossy(&buf.into_inner()).into_owned();
    text.push_str(&output::summary_line(&report));
    text.push('\n');
    Ok(text)
}
