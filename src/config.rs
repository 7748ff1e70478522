//! Configuration: `oauth-lint.toml` at the workspace root, else `[workspace.metadata.oauth-lint]`
//! or `[package.metadata.oauth-lint]` in the root `Cargo.toml`; `--config FILE` overrides both.
//!
//! ```toml
//! exclude = ["generated/**", "vendor"]      # never read these files
//!
//! [lints]
//! code_exchange_in_retry = "warn"
//!
//! [[per-path]]
//! paths = ["examples/**", "tests/**"]
//! allow = ["persistent_authorization_code"]
//!
//! [[models.exchange]]                        # the schema of lints/apis/*.toml
//! functions = ["crate::auth::redeem"]
//! code_arg = 0
//! ```
//!
//! Every mistake (a TOML syntax error, an unknown key, an unknown lint or level, a bad glob) is
//! an error naming the file, line and column, with a "did you mean" hint where one is close.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};
use oauth_lint_analysis::models::ModelFile;
use oauth_lint_lints::{LINTS, Level};
use serde::Deserialize;
use toml::Spanned;

/// The name of the configuration file at the workspace root.
pub(crate) const FILE_NAME: &str = "oauth-lint.toml";

/// The configuration as written, in any of the three places.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default, rename = "per-path")]
    per_path: Vec<RawPerPath>,
    #[serde(default)]
    models: Option<ModelFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerPath {
    paths: Vec<Spanned<String>>,
    allow: Vec<Spanned<String>>,
}

/// `Cargo.toml`, read only for its `metadata.oauth-lint` tables; other keys are cargo's.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    workspace: Option<MetadataHolder>,
    package: Option<MetadataHolder>,
}

#[derive(Debug, Default, Deserialize)]
struct MetadataHolder {
    metadata: Option<Metadata>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    #[serde(rename = "oauth-lint")]
    oauth_lint: Option<RawConfig>,
}

/// A path filter: globs relative to the configuration root.
#[derive(Debug, Clone)]
pub(crate) struct Globs {
    set: GlobSet,
}

impl Globs {
    /// Whether `rel` (a `/`-separated path relative to the root) or one of its parent
    /// directories matches.
    fn matches(&self, rel: &str) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let mut prefix = rel;
        loop {
            if self.set.is_match(prefix) {
                return true;
            }
            match prefix.rfind('/') {
                Some(i) => prefix = &prefix[..i],
                None => return false,
            }
        }
    }
}

/// The effective configuration.
#[derive(Debug)]
pub(crate) struct Config {
    /// Where it was read from, if anywhere.
    pub(crate) source: Option<PathBuf>,
    /// The workspace root: globs, baselines and fingerprints are relative to it.
    pub(crate) root: PathBuf,
    pub(crate) lints: Vec<(&'static str, Level)>,
    pub(crate) exclude: Exclude,
    pub(crate) per_path: PerPath,
    pub(crate) models: Option<ModelFile>,
}

/// The `[[per-path]]` allows.
#[derive(Debug, Default)]
pub(crate) struct PerPath {
    root: PathBuf,
    entries: Vec<(Globs, Vec<&'static str>)>,
}

impl PerPath {
    /// Whether an entry allows `lint` in `path`.
    pub(crate) fn allows_in(&self, lint: &str, path: &Path) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let Some(rel) = relative(&self.root, path) else {
            return false;
        };
        self.entries
            .iter()
            .any(|(globs, lints)| lints.contains(&lint) && globs.matches(&rel))
    }
}

impl Config {
    fn empty(root: PathBuf) -> Config {
        Config {
            source: None,
            root,
            lints: Vec::new(),
            exclude: Exclude::default(),
            per_path: PerPath::default(),
            models: None,
        }
    }
}

/// `path` relative to `root` with `/` separators, if it is under the root.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let abs = std::fs::canonicalize(path).ok()?;
    let rel = abs.strip_prefix(root).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// The `exclude` globs: files discovery never reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct Exclude {
    filter: Option<(PathBuf, Globs)>,
}

impl Exclude {
    pub(crate) fn is_excluded(&self, path: &Path) -> bool {
        self.filter.as_ref().is_some_and(|(root, globs)| {
            relative(root, path).is_some_and(|rel| globs.matches(&rel))
        })
    }
}

/// A configuration error, already formatted as `file:line:col: message` plus a hint.
#[derive(Debug)]
pub(crate) struct ConfigError(pub(crate) String);

/// The workspace root for `anchor` (a directory or file the user named): the nearest ancestor
/// whose `Cargo.toml` has a `[workspace]` table, else the nearest with a `Cargo.toml`, else the
/// anchor's own directory.
pub(crate) fn workspace_root(anchor: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(anchor).unwrap_or_else(|_| anchor.to_path_buf());
    let start = if abs.is_file() {
        abs.parent().map_or_else(|| abs.clone(), Path::to_path_buf)
    } else {
        abs
    };
    let mut nearest = None;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if nearest.is_none() {
            nearest = Some(dir.to_path_buf());
        }
        let is_workspace = text
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("workspace"));
        if is_workspace {
            return dir.to_path_buf();
        }
    }
    nearest.unwrap_or(start)
}

/// Loads the configuration for the workspace around `anchor`, or from `explicit`.
pub(crate) fn load(anchor: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let root = workspace_root(anchor);
    if let Some(file) = explicit {
        let text = std::fs::read_to_string(file)
            .map_err(|e| ConfigError(format!("could not read `{}`: {e}", file.display())))?;
        let raw: RawConfig = parse(file, &text, toml::from_str)?;
        return build(root, file, &text, raw);
    }
    let file = root.join(FILE_NAME);
    if file.is_file() {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| ConfigError(format!("could not read `{}`: {e}", file.display())))?;
        let raw: RawConfig = parse(&file, &text, toml::from_str)?;
        return build(root, &file, &text, raw);
    }
    let manifest = root.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(Config::empty(root));
    };
    if text.parse::<toml::Table>().is_err() {
        // Not TOML at all: discovery reports the broken manifest; there is no table to read.
        return Ok(Config::empty(root));
    }
    let parsed: Manifest = parse(&manifest, &text, toml::from_str)?;
    let raw = parsed
        .workspace
        .and_then(|w| w.metadata)
        .and_then(|m| m.oauth_lint)
        .or_else(|| {
            parsed
                .package
                .and_then(|p| p.metadata)
                .and_then(|m| m.oauth_lint)
        });
    match raw {
        Some(raw) => build(root, &manifest, &text, raw),
        None => Ok(Config::empty(root)),
    }
}

fn parse<T>(
    file: &Path,
    text: &str,
    f: impl FnOnce(&str) -> Result<T, toml::de::Error>,
) -> Result<T, ConfigError> {
    f(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        let message = e.message().trim().to_string();
        let hint = unknown_field_hint(&message);
        ConfigError(format!("{}:{line}:{col}: {message}{hint}", shown(file)))
    })
}

/// "did you mean" for serde's `unknown field `x`, expected one of `a`, `b``.
fn unknown_field_hint(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return String::new();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(field, candidates.iter().copied()) {
        Some(best) => format!("\n  help: did you mean `{best}`?"),
        None => String::new(),
    }
}

fn build(root: PathBuf, file: &Path, text: &str, raw: RawConfig) -> Result<Config, ConfigError> {
    let at = |span: std::ops::Range<usize>, message: String| {
        let (line, col) = line_col(text, span.start);
        ConfigError(format!("{}:{line}:{col}: {message}", shown(file)))
    };
    let lint_name = |name: &Spanned<String>| -> Result<&'static str, ConfigError> {
        match oauth_lint_lints::lint(name.get_ref()) {
            Some(l) => Ok(l.name),
            None => Err(at(name.span(), unknown_lint(name.get_ref()))),
        }
    };
    let mut config = Config::empty(root);
    config.source = Some(file.to_path_buf());
    config.per_path.root = config.root.clone();
    for (name, level) in &raw.lints {
        let lint = lint_name(name)?;
        let Some(lv) = Level::parse(level.get_ref()) else {
            let mut message = format!(
                "unknown level `{}` for `{lint}`: expected \"allow\", \"warn\" or \"deny\"",
                level.get_ref()
            );
            if let Some(best) = closest(level.get_ref(), ["allow", "warn", "deny"]) {
                let _ = write!(message, "\n  help: did you mean \"{best}\"?");
            }
            return Err(at(level.span(), message));
        };
        config.lints.push((lint, lv));
    }
    let globs = |patterns: &[Spanned<String>]| -> Result<Globs, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let pattern = p.get_ref().trim_start_matches("./").trim_end_matches('/');
            // A pattern without a `/` matches at any depth, as in `.gitignore`.
            let pattern = if pattern.contains('/') {
                pattern.to_string()
            } else {
                format!("**/{pattern}")
            };
            let glob = globset::GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| at(p.span(), format!("bad glob `{}`: {e}", p.get_ref())))?;
            builder.add(glob);
        }
        builder
            .build()
            .map(|set| Globs { set })
            .map_err(|e| ConfigError(format!("{}: {e}", file.display())))
    };
    if !raw.exclude.is_empty() {
        config.exclude = Exclude {
            filter: Some((config.root.clone(), globs(&raw.exclude)?)),
        };
    }
    for entry in &raw.per_path {
        let lints = entry
            .allow
            .iter()
            .map(lint_name)
            .collect::<Result<Vec<_>, _>>()?;
        config.per_path.entries.push((globs(&entry.paths)?, lints));
    }
    config.models = raw.models;
    Ok(config)
}

/// The message for an unknown lint name, with the closest known name.
pub(crate) fn unknown_lint(name: &str) -> String {
    let normalized = name.replace('-', "_");
    match closest(&normalized, LINTS.iter().map(|l| l.name)) {
        Some(s) => {
            format!(
                "unknown lint `{name}`; did you mean `{s}`? (run `oauth-lint lints` for the list)"
            )
        }
        None => format!("unknown lint `{name}` (run `oauth-lint lints` for the list)"),
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .min()
        .filter(|(d, c)| *d <= c.chars().count() / 3 + 1)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A configuration file's path as messages show it: relative to the current directory.
fn shown(file: &Path) -> String {
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .unwrap_or_default();
    crate::report::display_path(file, &cwd)
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
