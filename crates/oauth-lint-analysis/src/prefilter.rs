//! Demand-driven parsing: which files to parse so that the facts are those of a parse of
//! every file, and the analysis of the files that are parsed.
//!
//! Only a function that holds an exchange site can have a finding, and a site needs one of
//! these in the function: a call the models say exchanges a code (an `exchange` rule naming the
//! code argument), a call that builds a pending token request (`pending_request`; the
//! kind-based `exchange` rules only fire on one), `AuthorizationCode`/`AuthCode`, a string
//! holding `authorization_code` or a known token URL, a constant holding one of those, or a
//! call of one of the project's functions that hands such a thing to its callers (an
//! *exporter*: a parameter reaches an exchange, or it returns a pending request, an HTTP
//! request or a form body). The words come from the loaded `Models`, user models included.
//!
//! 1. **Seeds.** Files whose bytes hold one of those names (in code: the light lexer confirms
//!    it is an identifier, not text in a string or a comment) or texts (also after decoding
//!    string escapes) are parsed. A model function path counts by its last segment written as
//!    a bare call, or with its parent segment in the file, since `path_matches` lets
//!    `start(..)` match `flow::start`. So are the files that mention a constant holding one
//!    of the texts, and those that call a retry middleware's constructor: a struct field
//!    holding a client built with one makes every exchange through that field retried
//!    (`clients`), wherever the struct is built.
//! 2. **Relevant functions.** The functions of parsed files with one of those in their IR, the
//!    callers of exporters, and, transitively, every function their calls resolve to. Calls
//!    are resolved by the index itself (`resolve_path`, `resolve_method`), once every file that
//!    can answer the function's lookups is parsed.
//! 3. **Lookups (downward).** A relevant function's analysis reads, by name, the project's
//!    functions it calls (their summaries; whether more than four methods share a name and an
//!    arity), the constants it reads, types (`Type::f` and clap-style derives) and modules
//!    (whether a path's first segment is the project's). Every file that defines such a name
//!    as that kind of item (per `scan`), in the crate the lookup is made in, is parsed: for
//!    `Type::f` of a project type only the files that name the type, for any other path only
//!    free functions, for a method only until five candidates are known.
//! 4. **Constants.** A constant's origin is interned by whichever function reads it first, and
//!    origin order decides which origin a diagnostic shows. So every file of the crate that
//!    mentions a constant a relevant function reads is parsed too. Its functions need not be
//!    relevant: which expressions a function evaluates, in which order, does not depend on
//!    the summaries it sees.
//! 5. **Exporters (upward, from the summaries).** After the analysis, every file that mentions
//!    a relevant exporter (in another crate: and that crate's name) is parsed and its callers
//!    become relevant; this repeats until nothing new appears.
//!
//! A function that only returns a code or runs a closure repeatedly needs no rule of its own:
//! its callers hold the exchange (rules 2 and 5) and reach it through rule 3. Functions that
//! are not relevant are analysed when their file is parsed, but nothing they compute reaches
//! a relevant function. Files that are not parsed take part as empty files with their module
//! path, so file indices and module names are those of a full parse.
//!
//! Not parsing a file also means not finding its syntax errors: only parsed files can fail.

use std::collections::{BTreeMap, BTreeSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rayon::prelude::*;

use crate::LoweredFile;
use crate::dataflow::{Analysis, Shared};
use crate::facts::ExchangeFact;
use crate::index::{FnId, Index, MAX_METHOD_CANDIDATES};
use crate::ir::{Block, Expr, FileIr, JsonValue, MacroKind, Stmt};
use crate::models::{ExchangeRule, Models, PendingRule, is_type_name};
use crate::scan::{DefKind, ItemScan, identifier_starts, scan_items, unescape};

/// One file to select from, as discovery read it.
pub struct FileInput<'a> {
    pub crate_id: u32,
    pub module: &'a [String],
    pub text: &'a str,
    /// The item scan, when discovery already made one (to follow `mod` items).
    pub scan: Option<&'a ItemScan>,
}

/// Which files to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parse {
    /// Only those that can matter.
    OnDemand,
    /// Only those that can matter, unless they are at least half of the bytes anyway, or the
    /// project has at most `SMALL_PROJECT` bytes: then every file, which spares the analyses
    /// the search for exporters may repeat and reports every syntax error.
    #[default]
    Auto,
    /// Every file: the reference the other modes equal.
    Everything,
}

/// How the analysis runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// In independent parts, in parallel (`partition`).
    #[default]
    Parts,
    /// As one: the reference the parts equal.
    Whole,
}

/// What happened to one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// Not needed: it takes part as an empty file.
    Skipped,
    Parsed,
    /// It could not be parsed; the message says why.
    Failed(String),
}

/// The outcome of `select`.
pub struct Selected {
    pub status: Vec<FileStatus>,
    /// Every input that did not fail, in input order (skipped ones with an empty IR).
    pub lowered: Vec<LoweredFile>,
    /// The input index of each entry of `lowered`.
    pub kept: Vec<usize>,
    /// The exchange facts with findings, from the analysis of `lowered`.
    pub facts: Vec<ExchangeFact>,
    pub stats: Stats,
}

/// How much work the selection did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub files: usize,
    pub seeds: usize,
    pub parsed: usize,
    /// Files scanned for the items they define.
    pub scanned: usize,
    /// Functions whose lookups were followed.
    pub relevant: usize,
    /// Dataflow runs (each to a fixed point of the summaries).
    pub analyses: usize,
}

/// Whether `b` can be part of an identifier. Bytes of non-ASCII characters are not: a word
/// next to one is still found (an over-approximation, never a miss).
fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A set of identifiers, found as whole words.
struct Words {
    ac: AhoCorasick,
}

impl Words {
    fn new<I, S>(words: I) -> Option<Words>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let words: Vec<S> = words.into_iter().collect();
        if words.is_empty() {
            return None;
        }
        // Leftmost-longest finds every whole-word occurrence: a word that is a whole
        // identifier is the longest pattern that can match at the identifier's start.
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .ok()
            .map(|ac| Words { ac })
    }

    /// Calls `f(pattern, start, end)` for every whole-word occurrence until it returns true.
    fn find(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize) -> bool) -> bool {
        for m in self.ac.find_iter(hay) {
            let (s, e) = (m.start(), m.end());
            let before = s == 0 || !is_ident_byte(hay[s - 1]);
            let after = e == hay.len() || !is_ident_byte(hay[e]);
            if before && after && f(m.pattern().as_usize(), s, e) {
                return true;
            }
        }
        false
    }

    /// The patterns that occur as whole words.
    fn found(&self, hay: &[u8]) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        self.find(hay, |p, _, _| {
            out.insert(p);
            false
        });
        out
    }
}

/// Whether `text` has an escape that can produce a word in a string literal (`\x`, `\u`, or a
/// line continuation).
fn has_word_escape(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', bytes)
        .any(|i| matches!(bytes.get(i + 1), Some(b'x' | b'u' | b'\n' | b'\r')))
}

/// Whether `word` occurs in `text` as a whole identifier.
fn mentions_word(text: &str, word: &str) -> bool {
    let hay = text.as_bytes();
    memchr::memmem::find_iter(hay, word.as_bytes()).any(|s| {
        let e = s + word.len();
        (s == 0 || !is_ident_byte(hay[s - 1])) && (e == hay.len() || !is_ident_byte(hay[e]))
    })
}

/// Whether the line of `at` starts with `//`: then `at` is in a comment, or in a string or
/// block comment that spans lines, and in no case code.
fn in_comment_line(hay: &[u8], at: usize) -> bool {
    let line = memchr::memrchr(b'\n', &hay[..at]).map_or(0, |i| i + 1);
    let text = hay[line..at].trim_ascii_start();
    text.starts_with(b"//")
}

/// Whether the occurrence at `start..end` can be a call of a bare path (`start(..)`, not
/// `x.start(..)`, `a::start(..)` nor `fn start(..)`).
fn bare_call(hay: &[u8], start: usize, end: usize) -> bool {
    let mut i = start;
    while i > 0 && matches!(hay[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if i > 0 && hay[i - 1] == b'.' {
        return false;
    }
    if i > 1 && hay[i - 1] == b':' && hay[i - 2] == b':' {
        return false;
    }
    if i >= 2 && &hay[i - 2..i] == b"fn" && (i == 2 || !is_ident_byte(hay[i - 3])) {
        return false;
    }
    let mut j = end;
    loop {
        while j < hay.len() && hay[j].is_ascii_whitespace() {
            j += 1;
        }
        match (hay.get(j), hay.get(j + 1)) {
            (Some(b'/'), Some(b'/')) => {
                j = memchr::memchr(b'\n', &hay[j..]).map_or(hay.len(), |k| j + k);
            }
            (Some(b'/'), Some(b'*')) => {
                let mut depth = 0usize;
                while j < hay.len() {
                    if hay[j..].starts_with(b"/*") {
                        depth += 1;
                        j += 2;
                    } else if hay[j..].starts_with(b"*/") {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
            }
            (Some(b'('), _) => return true,
            // A turbofish: `start::<T>(..)`.
            (Some(b':'), Some(b':')) => {
                let mut k = j + 2;
                while k < hay.len() && hay[k].is_ascii_whitespace() {
                    k += 1;
                }
                return hay.get(k) == Some(&b'<');
            }
            _ => return false,
        }
    }
}

#[derive(Default, Clone)]
struct Role {
    /// Any occurrence makes the file a seed.
    seed: bool,
    /// A value that counts in a string literal too (`"AuthCode"`); other words are names,
    /// and only their occurrences in code count.
    string_value: bool,
    /// The last segment of a model function path: a seed as a bare call, or when one of
    /// `parents` (the segment before it) occurs too.
    parents: Vec<usize>,
    last_segment: bool,
    /// A bare call of it can be a model's (as `path_matches` decides): some model path ending
    /// in it is one segment, or its segment before is not a type (`start` of
    /// `authorization_code_flow::start`, not `new` of `AuthorizationCodeGrant::new`).
    bare_ok: bool,
}

/// The words and texts that make a file a seed, and a function relevant, from the models.
pub struct Vocabulary {
    words: Option<Words>,
    roles: Vec<Role>,
    literals_ac: Option<AhoCorasick>,
    /// Method names of exchanges and pending requests.
    methods: BTreeSet<String>,
    /// Exchange method names that are exchanges only in files that `use` one of these crates
    /// (`crates = [..]` in the models): the crate names are seeds instead.
    gated: BTreeMap<String, BTreeSet<String>>,
    /// Last segments of the function paths of exchanges and pending requests, with the
    /// segments before them (a call matches one when its path ends with both, or is bare).
    functions: BTreeMap<String, BTreeSet<String>>,
    /// Texts a string holds in a token request: `authorization_code` and token URLs.
    literals: Vec<String>,
}

/// Up to this many bytes of source, `Parse::Auto` parses every file.
pub const SMALL_PROJECT: usize = 4 << 20;

/// Texts that make a file worth parsing besides the OAuth vocabulary: suppressions
/// (`// oauth-lint: allow(..)`, `#[cfg_attr(oauth_lint, allow(oauth_lint::..))]`), which are
/// read from parsed files only and must be reported as unused where they match nothing.
const SUPPRESSION_MARKS: [&str; 2] = ["oauth-lint", "oauth_lint"];

/// Grant values that `classify_grant` reads from a path or a string.
const GRANT_WORDS: [&str; 2] = ["AuthorizationCode", "AuthCode"];

impl Vocabulary {
    pub fn new(models: &Models) -> Vocabulary {
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut roles: Vec<Role> = Vec::new();
        let mut id = |w: &str, roles: &mut Vec<Role>| -> usize {
            *index.entry(plain(w)).or_insert_with(|| {
                roles.push(Role::default());
                roles.len() - 1
            })
        };
        let mut methods: BTreeSet<String> = BTreeSet::new();
        let mut gated: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut paths: Vec<&[String]> = Vec::new();
        for (name, rules) in &models.exchange_methods {
            let own: Vec<&ExchangeRule> = rules
                .iter()
                .filter(|r| {
                    r.code_arg.is_some() && r.receiver_kind.is_none() && r.arg_kind.is_none()
                })
                .collect();
            if own.iter().any(|r| r.crates.is_empty()) {
                methods.insert(plain(name));
            } else if !own.is_empty() {
                gated
                    .entry(plain(name))
                    .or_default()
                    .extend(own.iter().flat_map(|r| r.crates.iter().cloned()));
            }
        }
        for (path, rule) in &models.exchange_functions {
            if rule.code_arg.is_some() {
                paths.push(path);
            }
        }
        // Pending requests matter when they carry a code or some exchange sends their kind
        // (yup-oauth2's `persist_tokens_to_disk` makes a kind nothing sends).
        let sent: BTreeSet<&str> = models
            .exchange_methods
            .values()
            .flatten()
            .chain(models.exchange_functions.iter().map(|(_, r)| r))
            .flat_map(|r| r.receiver_kind.iter().chain(&r.arg_kind))
            .map(String::as_str)
            .collect();
        let matters = |r: &PendingRule| r.code_arg.is_some() || sent.contains(r.kind.as_str());
        methods.extend(
            models
                .pending_methods
                .iter()
                .filter(|(_, rules)| rules.iter().any(matters))
                .map(|(m, _)| plain(m)),
        );
        // Authorization URLs: `redirect_uri_mismatch` compares the redirect URI they are built
        // with against the token request's, across the crate.
        methods.extend(models.authorize_methods.iter().map(|m| plain(m)));
        paths.extend(
            models
                .pending_functions
                .iter()
                .filter(|(_, r)| matters(r))
                .map(|(p, _)| p.as_slice()),
        );
        // Retry middlewares: a struct field that holds a client built with one makes the
        // exchanges through that field retried (`clients`), wherever the struct is built.
        paths.extend(models.retrying_functions.iter().map(Vec::as_slice));
        for m in methods.iter().chain(gated.values().flatten()) {
            let i = id(m, &mut roles);
            roles[i].seed = true;
        }
        for m in GRANT_WORDS {
            let i = id(m, &mut roles);
            roles[i].seed = true;
            roles[i].string_value = true;
        }
        let mut functions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in paths {
            let Some(last) = path.last() else { continue };
            // As `path_matches` decides: a one-segment model path matches any call of that
            // name (""); a longer one the calls ending with the same two segments, and bare
            // calls unless the segment before is a type (an associated function).
            let parents = functions.entry(plain(last)).or_default();
            parents.insert(
                path.len()
                    .checked_sub(2)
                    .map_or_else(String::new, |i| plain(&path[i])),
            );
            let i = id(last, &mut roles);
            if path.len() == 1 {
                roles[i].seed = true;
                continue;
            }
            let parent = id(&path[path.len() - 2], &mut roles);
            roles[i].last_segment = true;
            roles[i].bare_ok |= !is_type_name(&path[path.len() - 2]);
            roles[i].parents.push(parent);
        }
        let mut words: Vec<(usize, String)> = index.into_iter().map(|(w, i)| (i, w)).collect();
        words.sort();
        let words = Words::new(words.into_iter().map(|(_, w)| w));
        let mut literals: Vec<String> = vec![
            "authorization_code".to_string(),
            "redirect_uri=".to_string(),
        ];
        literals.extend(models.token_urls.iter().filter(|u| !u.is_empty()).cloned());
        // Leftmost-longest has the fast prefilters; `is_match` is the same for any kind.
        let literals_ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&literals)
            .ok();
        Vocabulary {
            words,
            roles,
            literals_ac,
            methods,
            gated,
            functions,
            literals,
        }
    }

    /// Whether a file with this text can hold an exchange site.
    pub fn is_seed(&self, text: &str) -> bool {
        if self.matches(text, true) || SUPPRESSION_MARKS.iter().any(|m| text.contains(m)) {
            return true;
        }
        // Escapes only matter in strings: names cannot be written with them.
        has_word_escape(text.as_bytes()) && self.matches(&unescape(text), false)
    }

    fn matches(&self, text: &str, names: bool) -> bool {
        let hay = text.as_bytes();
        if self.literals_ac.as_ref().is_some_and(|l| l.is_match(hay)) {
            return true;
        }
        let Some(words) = &self.words else {
            return false;
        };
        // (pattern, start, whether it is a call of a bare path)
        let mut names_found: Vec<(usize, usize, bool)> = Vec::new();
        let hit = words.find(hay, |p, s, e| {
            let role = &self.roles[p];
            if role.string_value && role.seed {
                return true;
            }
            if names && !in_comment_line(hay, s) {
                names_found.push((
                    p,
                    s,
                    role.last_segment && role.bare_ok && bare_call(hay, s, e),
                ));
            }
            false
        });
        if hit {
            return true;
        }
        // Could a name make this a seed if it is code? Most files with a common last segment
        // (`start`) have it as a method or a field, and never need the lexer.
        let found: BTreeSet<usize> = names_found.iter().map(|&(p, _, _)| p).collect();
        let potential = names_found.iter().any(|&(p, _, bare)| {
            let role = &self.roles[p];
            role.seed
                || bare
                || (role.last_segment && role.parents.iter().any(|q| found.contains(q)))
        });
        if !potential {
            return false;
        }
        // Names count as code only: confirm with the lexer that they are identifiers, not
        // text in a string or a comment.
        let idents = identifier_starts(text);
        let mut seen = vec![false; self.roles.len()];
        let mut lasts = Vec::new();
        for (p, s, bare) in names_found {
            let Ok(s32) = u32::try_from(s) else { continue };
            if idents.binary_search(&s32).is_err() {
                continue;
            }
            seen[p] = true;
            let role = &self.roles[p];
            if role.seed || bare {
                return true;
            }
            if role.last_segment {
                lasts.push(p);
            }
        }
        lasts
            .iter()
            .any(|&p| self.roles[p].parents.iter().any(|&q| seen[q]))
    }

    /// Whether a string value can make a form a token request.
    fn marks_text(&self, text: &str) -> bool {
        GRANT_WORDS.contains(&text) || self.literals.iter().any(|l| text.contains(l.as_str()))
    }
}

/// A name a parsed function's analysis looks up in the index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// Functions of this name (a path call). With `ty` (the segment before the name, `Self`
    /// resolved): only its methods when it is one of the project's types or the caller's own.
    Fn {
        name: String,
        ty: Option<String>,
        caller_self: bool,
    },
    /// Methods of this name (`raw`: as written, `r#` included) taking `arity` arguments.
    Method {
        name: String,
        raw: String,
        arity: usize,
    },
    Const(String),
    Type(String),
    /// The first segment of a path call: the project's when a module or type has this name,
    /// and then the function is looked up too.
    Root {
        name: String,
        then: Box<Need>,
    },
}

fn plain(s: &str) -> String {
    s.strip_prefix("r#").unwrap_or(s).to_string()
}

/// `use` maps of one file, as `Index` builds them: module -> alias -> path.
type Uses<'a> = BTreeMap<&'a [String], BTreeMap<&'a str, &'a [String]>>;

/// `Index::expand` for one file.
fn expand(uses: &Uses<'_>, root: &[String], module: &[String], segs: &[String]) -> Vec<String> {
    let Some(first) = segs.first() else {
        return Vec::new();
    };
    let mut scopes: Vec<&[String]> = vec![module];
    if !module.is_empty() {
        scopes.push(root);
    }
    for scope in scopes {
        if let Some(path) = uses.get(scope).and_then(|m| m.get(first.as_str())) {
            let mut out = path.to_vec();
            out.extend(segs[1..].iter().cloned());
            return out;
        }
    }
    segs.to_vec()
}

/// What one function of a parsed file is to the prefilter.
#[derive(Default)]
struct FnInfo {
    name: String,
    /// The name as `lower` reports it (`r#` included), as the index compares names.
    raw_name: String,
    /// A method taking `self`, and its parameter count (`self` included), as `resolve_method`
    /// counts candidates.
    has_self: bool,
    params: usize,
    /// Its IR holds something an exchange site is made of (see the module docs).
    marker: bool,
    /// Last segments of the paths it reads (constants).
    refs: BTreeSet<String>,
    /// The names it calls: methods and the last segment of expanded call paths.
    calls: BTreeSet<String>,
    /// Its index lookups: `(crate, need)`.
    needs: BTreeSet<(u32, Need)>,
    /// Its calls as the dataflow resolves them.
    sites: BTreeSet<CallSite>,
}

/// A call of a function: its path as written, or a method with its number of arguments.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum CallSite {
    Path(Vec<String>),
    Method(String, usize),
}

/// The crate-wide facts the walk of a function needs.
struct Context<'a> {
    crate_ids: &'a BTreeMap<&'a str, u32>,
    constructors: &'a BTreeSet<&'a str>,
    vocab: &'a Vocabulary,
}

fn push_block<'e>(b: &'e Block, stack: &mut Vec<&'e Expr>) {
    for st in &b.stmts {
        match st {
            Stmt::Let { init, els, .. } => {
                if let Some(e) = init {
                    stack.push(e);
                }
                if let Some(b) = els {
                    push_block(b, stack);
                }
            }
            Stmt::Expr(e) => stack.push(e),
        }
    }
}

/// The prefilter's view of every function of `ir` (a file of crate `krate` at module `root`),
/// and the names of its constants that hold token-request text.
fn fn_infos(
    ir: &FileIr,
    krate: u32,
    root: &[String],
    cx: &Context<'_>,
) -> (Vec<FnInfo>, Vec<String>) {
    let mut uses: Uses<'_> = BTreeMap::new();
    for u in ir.uses.iter().filter(|u| !u.glob) {
        uses.entry(u.module.as_slice())
            .or_default()
            .insert(u.alias.as_str(), u.path.as_slice());
    }
    // The crates the file `use`s, for the exchanges modelled only where their crate is used
    // (as `Index::file_uses` decides).
    let used_crates: BTreeSet<&str> = ir
        .uses
        .iter()
        .filter_map(|u| u.path.iter().find(|s| !s.is_empty()))
        .map(String::as_str)
        .collect();
    let grant = |segs: &[String]| {
        segs.iter()
            .any(|s| GRANT_WORDS.contains(&plain(s).as_str()))
    };
    let mut infos = Vec::with_capacity(ir.fns.len());
    let mut stack: Vec<&Expr> = Vec::new();
    for f in &ir.fns {
        let mut info = FnInfo {
            name: plain(&f.name),
            raw_name: f.name.clone(),
            has_self: f.has_self,
            params: f.params.len(),
            ..FnInfo::default()
        };
        push_block(&f.body, &mut stack);
        while let Some(e) = stack.pop() {
            match e {
                // `eval_path`: a constant of that name; a grant written as a path.
                Expr::Path { segs, .. } => {
                    info.marker |= grant(segs);
                    if let Some(last) = segs.last() {
                        info.refs.insert(plain(last));
                        info.needs.insert((krate, Need::Const(plain(last))));
                    }
                }
                Expr::Str { value, .. } => info.marker |= cx.vocab.marks_text(value),
                Expr::Call { callee, args, .. } => {
                    match &**callee {
                        Expr::Path { segs, .. } => {
                            info.marker |= grant(segs);
                            info.sites.insert(CallSite::Path(segs.clone()));
                            let path = expand(&uses, root, &f.module, segs);
                            if let Some(last) = path.last() {
                                let last = plain(last);
                                // As `path_matches` decides: a bare call, or the same
                                // last two segments (a one-segment model path: any call).
                                info.marker |= cx.vocab.functions.get(&last).is_some_and(|ps| {
                                    if path.len() == 1 {
                                        ps.iter().any(|p| p.is_empty() || !is_type_name(p))
                                    } else {
                                        ps.contains("")
                                            || ps.contains(&plain(&path[path.len() - 2]))
                                    }
                                });
                                info.calls.insert(last);
                            }
                            path_call(&path, krate, f.self_ty.as_deref(), cx, &mut info.needs);
                        }
                        other => stack.push(other),
                    }
                    stack.extend(args);
                }
                Expr::Method {
                    receiver,
                    method,
                    args,
                    ..
                } => {
                    info.sites
                        .insert(CallSite::Method(method.clone(), args.len()));
                    let raw = method.clone();
                    let method = plain(method);
                    info.marker |=
                        cx.vocab.methods.contains(&method)
                            || cx.vocab.gated.get(&method).is_some_and(|cs| {
                                cs.iter().any(|c| used_crates.contains(c.as_str()))
                            });
                    info.needs.insert((
                        krate,
                        Need::Method {
                            name: method.clone(),
                            raw,
                            arity: args.len(),
                        },
                    ));
                    info.calls.insert(method);
                    stack.push(receiver);
                    stack.extend(args);
                }
                Expr::Macro { kind, .. } => match &**kind {
                    MacroKind::Format { template, args } => {
                        info.marker |= template.as_deref().is_some_and(|t| cx.vocab.marks_text(t));
                        stack.extend(args.iter().map(|(_, a)| a));
                    }
                    MacroKind::Exprs(es) => stack.extend(es),
                    MacroKind::Json(j) => {
                        let mut js = vec![j];
                        while let Some(j) = js.pop() {
                            match j {
                                JsonValue::Expr(e) => stack.push(e),
                                JsonValue::Array(items) => js.extend(items),
                                JsonValue::Object(fields) => {
                                    js.extend(fields.iter().map(|(_, v)| v));
                                }
                            }
                        }
                    }
                    MacroKind::Select(bs) => {
                        for b in bs {
                            stack.push(&b.future);
                            stack.push(&b.handler);
                        }
                    }
                    MacroKind::Opaque => {}
                },
                Expr::Field { base, .. } => stack.push(base),
                Expr::Index { base, index, .. } => {
                    stack.push(base);
                    stack.push(index);
                }
                Expr::Closure { body, .. } => stack.push(body),
                Expr::Block(b) | Expr::Async(b) => push_block(b, &mut stack),
                Expr::If {
                    cond, then, els, ..
                } => {
                    stack.push(cond);
                    push_block(then, &mut stack);
                    if let Some(e) = els {
                        stack.push(e);
                    }
                }
                Expr::Let { expr, .. } => stack.push(expr),
                Expr::Match {
                    scrutinee, arms, ..
                } => {
                    stack.push(scrutinee);
                    for a in arms {
                        if let Some(g) = &a.guard {
                            stack.push(g);
                        }
                        stack.push(&a.body);
                    }
                }
                Expr::Loop { head, body, .. } => {
                    if let Some(h) = head {
                        stack.push(h);
                    }
                    push_block(body, &mut stack);
                }
                Expr::Break { value, .. } | Expr::Return { value, .. } => {
                    if let Some(v) = value {
                        stack.push(v);
                    }
                }
                Expr::Try { inner, .. } | Expr::Await { inner, .. } | Expr::Unary { inner, .. } => {
                    stack.push(inner);
                }
                Expr::Binary { lhs, rhs, .. } => {
                    stack.push(lhs);
                    stack.push(rhs);
                }
                Expr::Assign { target, value, .. } => {
                    stack.push(target);
                    stack.push(value);
                }
                Expr::Struct {
                    path, fields, rest, ..
                } => {
                    info.marker |= grant(path);
                    stack.extend(fields.iter().map(|(_, f)| f));
                    if let Some(r) = rest {
                        stack.push(r);
                    }
                }
                Expr::Tuple { elems, .. } | Expr::Array { elems, .. } => stack.extend(elems),
                Expr::Other { children, .. } => stack.extend(children),
                Expr::Lit { .. } | Expr::Continue { .. } => {}
            }
        }
        infos.push(info);
    }
    let hot = ir
        .consts
        .iter()
        .filter(|c| {
            c.value
                .as_ref()
                .and_then(Expr::as_str_lit)
                .is_some_and(|v| cx.vocab.marks_text(v))
        })
        .map(|c| plain(&c.name))
        .collect();
    (infos, hot)
}

/// The lookups of a call of the (expanded) path `path` from a function whose `impl` type is
/// `caller_self`, as `Index::resolve_path` and the source constructors in `eval_call` make
/// them.
fn path_call(
    path: &[String],
    krate: u32,
    caller_self: Option<&str>,
    cx: &Context<'_>,
    out: &mut BTreeSet<(u32, Need)>,
) {
    let Some(last) = path.last() else { return };
    if path.len() >= 2 && cx.constructors.contains(last.as_str()) {
        out.insert((krate, Need::Type(plain(&path[path.len() - 2]))));
    }
    let rest = &path[..path.len() - 1];
    // `Index::resolve_path`: the segment before the name, with `Self` resolved.
    let lookup = |rest: &[String]| -> (Need, Option<String>) {
        let ty = rest.last().map(|t| {
            if t == "Self" {
                caller_self.unwrap_or_default().to_string()
            } else {
                t.clone()
            }
        });
        let need = Need::Fn {
            name: plain(last),
            caller_self: ty.is_some() && ty.as_deref() == caller_self,
            ty: ty.as_deref().map(plain),
        };
        (need, ty.map(|t| plain(&t)))
    };
    let Some(first) = rest.first() else {
        out.insert((krate, lookup(rest).0));
        return;
    };
    if let Some(&other) = cx.crate_ids.get(first.as_str()) {
        let (need, ty) = lookup(&rest[1..]);
        out.insert((other, need));
        if let Some(t) = ty {
            out.insert((other, Need::Type(t)));
        }
    } else if matches!(first.as_str(), "crate" | "self" | "super" | "Self") {
        let (need, ty) = lookup(rest);
        out.insert((krate, need));
        if let Some(t) = ty {
            out.insert((krate, Need::Type(t)));
        }
    } else {
        let (need, ty) = lookup(rest);
        if let Some(t) = ty {
            out.insert((krate, Need::Type(t)));
        }
        out.insert((
            krate,
            Need::Root {
                name: plain(first),
                then: Box::new(need),
            },
        ));
    }
}

/// A parsed file's IR, its functions as the prefilter sees them and its constants holding
/// token-request text; or why it could not be parsed.
type Parsed = Result<(FileIr, Vec<FnInfo>, Vec<String>), String>;

/// The work list and what is known about every input.
struct Demand<'i> {
    inputs: &'i [FileInput<'i>],
    crate_names: &'i [String],
    status: Vec<FileStatus>,
    irs: Vec<Option<FileIr>>,
    infos: Vec<Vec<FnInfo>>,
    /// Names of the types each parsed input defines (as `lower` reports them).
    types: Vec<Vec<String>>,
    /// Names each input defines (from `scan`), computed when first needed.
    defs: Vec<Option<Vec<(String, DefKind)>>>,
    /// Input indices per crate.
    by_crate: Vec<Vec<usize>>,
    /// Per crate, once its inputs are scanned: the names of its modules and types.
    roots: Vec<Option<BTreeSet<String>>>,
    /// Relevant functions: (input, index in its `fns`).
    relevant: BTreeSet<(usize, usize)>,
    /// Relevant functions whose calls are not resolved yet.
    pending: BTreeSet<(usize, usize)>,
    /// Per crate: constants holding token-request text.
    hot: Vec<BTreeSet<String>>,
    /// Exporters: names whose callers are relevant (in any crate: a call may cross crates).
    exporters: BTreeSet<String>,
    /// Exporters by crate, whose mentions have been searched for: two crates may each have
    /// an exporter of the same name, and each needs its own search.
    exported: BTreeSet<(usize, String)>,
    /// Lookups already served.
    served: BTreeSet<(u32, Need)>,
    /// Names already searched for in the files of a crate (`None`: of every crate, with the
    /// crate's name).
    searched: BTreeSet<(u32, bool, String)>,
    stats: Stats,
}

impl Demand<'_> {
    fn skipped(&self, i: usize) -> bool {
        self.status[i] == FileStatus::Skipped
    }

    /// Parses `queue` in parallel; returns the inputs that parsed. Without `demand` (every
    /// file is parsed, so nothing is looked for), the functions' infos are not computed: only
    /// the search for what to parse reads them.
    fn parse(
        &mut self,
        queue: &BTreeSet<usize>,
        parse: &(dyn Fn(usize) -> Result<FileIr, String> + Sync),
        cx: &Context<'_>,
        demand: bool,
    ) -> Vec<(usize, Vec<String>)> {
        let list: Vec<usize> = queue.iter().copied().filter(|&i| self.skipped(i)).collect();
        let inputs = self.inputs;
        let results: Vec<Parsed> = list
            .par_iter()
            .map(|&i| {
                let ir = parse(i)?;
                let (infos, hot) = if demand {
                    fn_infos(&ir, inputs[i].crate_id, inputs[i].module, cx)
                } else {
                    (Vec::new(), Vec::new())
                };
                Ok((ir, infos, hot))
            })
            .collect();
        let mut ok = Vec::new();
        for (i, r) in list.into_iter().zip(results) {
            self.stats.parsed += 1;
            match r {
                Ok((ir, infos, hot)) => {
                    self.types[i] = ir.types.iter().map(|t| plain(&t.name)).collect();
                    self.irs[i] = Some(ir);
                    self.infos[i] = infos;
                    self.status[i] = FileStatus::Parsed;
                    ok.push((i, hot));
                }
                Err(message) => self.status[i] = FileStatus::Failed(message),
            }
        }
        ok
    }

    /// Makes sure the definitions of every input of `krate` are known.
    fn scan_crate(&mut self, krate: usize) {
        if self.roots[krate].is_some() {
            return;
        }
        let todo: Vec<usize> = self.by_crate[krate]
            .iter()
            .copied()
            .filter(|&i| self.defs[i].is_none())
            .collect();
        let inputs = self.inputs;
        let found: Vec<Vec<(String, DefKind)>> = todo
            .par_iter()
            .map(|&i| match inputs[i].scan {
                Some(s) => s.defs.clone(),
                None => scan_items(inputs[i].text, &[]).defs,
            })
            .collect();
        self.stats.scanned += todo.iter().filter(|&&i| inputs[i].scan.is_none()).count();
        for (i, d) in todo.into_iter().zip(found) {
            self.defs[i] = Some(d);
        }
        let mut roots = BTreeSet::new();
        for &i in &self.by_crate[krate] {
            roots.extend(inputs[i].module.iter().map(|m| plain(m)));
            for (name, kind) in self.defs[i].iter().flatten() {
                if matches!(kind, DefKind::Type | DefKind::Mod) {
                    roots.insert(name.clone());
                }
            }
        }
        self.roots[krate] = Some(roots);
    }

    /// Skipped inputs of `krate` that define `name` as an item `kind` accepts.
    fn definers(&mut self, krate: usize, name: &str, kind: impl Fn(DefKind) -> bool) -> Vec<usize> {
        self.scan_crate(krate);
        self.by_crate[krate]
            .iter()
            .copied()
            .filter(|&f| {
                self.skipped(f)
                    && self.defs[f]
                        .as_ref()
                        .is_some_and(|d| d.iter().any(|(n, k)| n == name && kind(*k)))
            })
            .collect()
    }

    /// Whether a parsed function must be relevant now.
    fn wanted(&self, i: usize, f: &FnInfo) -> bool {
        let k = self.inputs[i].crate_id as usize;
        f.marker
            || f.refs.iter().any(|r| self.hot[k].contains(r))
            || f.calls.iter().any(|c| self.exporters.contains(c))
    }

    /// Makes newly wanted functions of parsed files relevant, serves their lookups, and once
    /// every file they need is parsed, makes what their calls resolve to relevant too.
    /// Returns the files to parse next (empty when the relevant set is closed).
    fn propagate(
        &mut self,
        crate_names: &[String],
        view: Option<(&[LoweredFile], &[usize])>,
    ) -> BTreeSet<usize> {
        loop {
            for i in 0..self.inputs.len() {
                for (j, f) in self.infos[i].iter().enumerate() {
                    if !self.relevant.contains(&(i, j)) && self.wanted(i, f) {
                        self.relevant.insert((i, j));
                        self.pending.insert((i, j));
                    }
                }
            }
            if self.pending.is_empty() {
                return BTreeSet::new();
            }
            let needs: BTreeSet<(u32, Need)> = self
                .pending
                .iter()
                .flat_map(|&(i, j)| self.infos[i][j].needs.iter().cloned())
                .filter(|n| !self.served.contains(n))
                .collect();
            let next = self.serve(needs);
            if !next.is_empty() {
                return next;
            }
            // Every lookup of the pending functions is answered by parsed files: resolve their
            // calls as the dataflow will.
            let pending = std::mem::take(&mut self.pending);
            let owned = match view {
                Some(_) => None,
                None => Some(self.lowered()),
            };
            let (files, kept): (&[LoweredFile], &[usize]) = match (&owned, view) {
                (Some((f, k)), _) => (f, k),
                (None, Some(v)) => v,
                (None, None) => (&[], &[]),
            };
            let position: BTreeMap<usize, u32> = kept
                .iter()
                .enumerate()
                .map(|(p, &i)| (i, u32::try_from(p).unwrap_or(u32::MAX)))
                .collect();
            let mut callees = Vec::new();
            {
                let index = Index::new(files, crate_names);
                for &(i, j) in &pending {
                    let Some(&file) = position.get(&i) else {
                        continue;
                    };
                    let Some(def) = files[file as usize].ir.fns.get(j) else {
                        continue;
                    };
                    let caller = FnId {
                        file,
                        idx: u32::try_from(j).unwrap_or(u32::MAX),
                    };
                    for site in &self.infos[i][j].sites {
                        let found = match site {
                            CallSite::Path(segs) => {
                                let path = index.expand(file, &def.module, segs);
                                index.resolve_path(caller, &path)
                            }
                            CallSite::Method(name, arity) => {
                                index.resolve_method(caller, name, *arity)
                            }
                        };
                        callees.extend(found.into_iter().map(|c| (kept[c.file as usize], c.idx)));
                    }
                }
            }
            if let Some((files, kept)) = owned {
                self.restore(files, &kept);
            }
            for (i, j) in callees {
                let key = (i, j as usize);
                if self.relevant.insert(key) {
                    self.pending.insert(key);
                }
            }
        }
    }

    /// Serves index lookups: the files to parse next so that they are answered as in a full
    /// parse. A lookup that needs parsed files to be answered precisely (is `T` a type? are
    /// five methods of this name already known?) stays open until then.
    fn serve(&mut self, needs: BTreeSet<(u32, Need)>) -> BTreeSet<usize> {
        let mut next = BTreeSet::new();
        let mut todo: Vec<(u32, Need)> = needs.into_iter().collect();
        while let Some((krate, need)) = todo.pop() {
            let k = krate as usize;
            if self.served.contains(&(krate, need.clone())) {
                continue;
            }
            if k >= self.by_crate.len() {
                self.served.insert((krate, need));
                continue;
            }
            let done = match &need {
                Need::Fn {
                    name,
                    ty,
                    caller_self,
                } => {
                    // `Type::f` only reaches the methods of `Type` when it is a type of the
                    // project (or the caller's own): then only files naming it can hold them.
                    let typed = match ty {
                        None => Some(false),
                        Some(_) if *caller_self => Some(true),
                        Some(t) => {
                            let defining = self.definers(k, t, |d| d == DefKind::Type);
                            if defining.is_empty() {
                                Some(self.by_crate[k].iter().any(|&f| self.types[f].contains(t)))
                            } else {
                                next.extend(defining);
                                None
                            }
                        }
                    };
                    match typed {
                        None => false,
                        Some(typed) => {
                            // Typed: the methods of `Type`, whose `impl` names it; else only free
                            // functions are candidates.
                            let mut found = self.definers(k, name, |d| match d {
                                DefKind::Fn {
                                    maybe_method,
                                    maybe_free,
                                    ..
                                } => {
                                    if typed {
                                        maybe_method
                                    } else {
                                        maybe_free
                                    }
                                }
                                _ => false,
                            });
                            if typed && let Some(t) = ty {
                                let inputs = self.inputs;
                                found.retain(|&f| mentions_word(inputs[f].text, t));
                            }
                            next.extend(found);
                            true
                        }
                    }
                }
                Need::Method { name, raw, arity } => {
                    // More than `MAX_METHOD_CANDIDATES` methods of a name and arity are left
                    // unresolved: once five are parsed, the others do not matter.
                    let confirmed = self.by_crate[k]
                        .iter()
                        .flat_map(|&f| &self.infos[f])
                        .filter(|i| i.raw_name == *raw && i.has_self && i.params == arity + 1)
                        .count();
                    let found = self.definers(k, name, |d| {
                        matches!(
                            d,
                            DefKind::Fn {
                                maybe_self: true,
                                maybe_method: true,
                                ..
                            }
                        )
                    });
                    if confirmed > MAX_METHOD_CANDIDATES || found.is_empty() {
                        true
                    } else {
                        let batch = (MAX_METHOD_CANDIDATES + 1 - confirmed).max(1);
                        next.extend(found.into_iter().take(batch));
                        false
                    }
                }
                Need::Const(n) => {
                    next.extend(self.definers(k, n, |d| d == DefKind::Const));
                    // Only a name some file defines as a constant is ever interned as one
                    // (most of these names are local variables).
                    let exists = self.by_crate[k].iter().any(|&f| {
                        self.defs[f].as_ref().is_some_and(|d| {
                            d.iter().any(|(m, kd)| m == n && *kd == DefKind::Const)
                        })
                    });
                    if exists {
                        let names = BTreeSet::from([n.clone()]);
                        next.extend(self.mentioning(k, &names, false));
                    }
                    true
                }
                Need::Type(n) => {
                    next.extend(self.definers(k, n, |d| d == DefKind::Type));
                    true
                }
                Need::Root { name, then } => {
                    next.extend(
                        self.definers(k, name, |d| matches!(d, DefKind::Type | DefKind::Mod)),
                    );
                    // Over-approximated by the scan: following `then` for a name that is not
                    // the project's only parses more.
                    if self.roots[k].as_ref().is_some_and(|r| r.contains(name)) {
                        todo.push((krate, (**then).clone()));
                    }
                    true
                }
            };
            if done {
                self.served.insert((krate, need));
            }
        }
        next
    }

    /// Skipped inputs of `krate` that mention one of `names`; with `across`, also those of
    /// other crates that mention both one of `names` and the crate's name.
    fn mentioning(&mut self, krate: usize, names: &BTreeSet<String>, across: bool) -> Vec<usize> {
        let k32 = u32::try_from(krate).unwrap_or(u32::MAX);
        let fresh: Vec<&str> = names
            .iter()
            .filter(|n| !n.is_empty() && self.searched.insert((k32, across, (*n).clone())))
            .map(String::as_str)
            .collect();
        let krate_name = self
            .crate_names
            .get(krate)
            .map(String::as_str)
            .filter(|n| across && !n.is_empty());
        let mut patterns = fresh;
        if patterns.is_empty() {
            return Vec::new();
        }
        let name_id = krate_name.map(|n| {
            patterns.push(n);
            patterns.len() - 1
        });
        let Some(words) = Words::new(&patterns) else {
            return Vec::new();
        };
        let candidates: Vec<usize> = if across {
            (0..self.inputs.len())
                .filter(|&i| self.skipped(i))
                .collect()
        } else {
            self.by_crate[krate]
                .iter()
                .copied()
                .filter(|&i| self.skipped(i))
                .collect()
        };
        let inputs = self.inputs;
        candidates
            .into_par_iter()
            .filter(|&i| {
                let found = words.found(inputs[i].text.as_bytes());
                let named = found.iter().any(|&p| Some(p) != name_id);
                let same = inputs[i].crate_id as usize == krate;
                named && (same || name_id.is_some_and(|n| found.contains(&n)))
            })
            .collect()
    }

    fn lowered(&mut self) -> (Vec<LoweredFile>, Vec<usize>) {
        let mut files = Vec::new();
        let mut kept = Vec::new();
        for (i, input) in self.inputs.iter().enumerate() {
            if matches!(self.status[i], FileStatus::Failed(_)) {
                continue;
            }
            files.push(LoweredFile {
                crate_id: input.crate_id,
                module: input.module.to_vec(),
                ir: self.irs[i].take().unwrap_or_default(),
            });
            kept.push(i);
        }
        (files, kept)
    }

    fn restore(&mut self, files: Vec<LoweredFile>, kept: &[usize]) {
        for (f, &i) in files.into_iter().zip(kept) {
            if self.status[i] == FileStatus::Parsed {
                self.irs[i] = Some(f.ir);
            }
        }
    }
}

/// Selects the files to parse (per `mode`), parses them with `parse(input index)` on the
/// current rayon pool, and analyses them.
pub fn select(
    inputs: &[FileInput<'_>],
    crate_names: &[String],
    models: &Models,
    mode: Parse,
    split: Split,
    parse: &(dyn Fn(usize) -> Result<FileIr, String> + Sync),
) -> Selected {
    let mut parse_everything = mode == Parse::Everything;
    let n = inputs.len();
    let crates = crate_names.len().max(
        inputs
            .iter()
            .map(|f| f.crate_id as usize + 1)
            .max()
            .unwrap_or(0),
    );
    let mut by_crate = vec![Vec::new(); crates];
    for (i, f) in inputs.iter().enumerate() {
        by_crate[f.crate_id as usize].push(i);
    }
    let crate_ids: BTreeMap<&str, u32> = crate_names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let constructors: BTreeSet<&str> = models
        .source_constructors
        .iter()
        .flat_map(|r| r.functions.iter().map(String::as_str))
        .collect();
    let vocab = Vocabulary::new(models);
    let cx = Context {
        crate_ids: &crate_ids,
        constructors: &constructors,
        vocab: &vocab,
    };
    let mut d = Demand {
        inputs,
        crate_names,
        status: vec![FileStatus::Skipped; n],
        irs: (0..n).map(|_| None).collect(),
        infos: (0..n).map(|_| Vec::new()).collect(),
        types: vec![Vec::new(); n],
        defs: vec![None; n],
        by_crate,
        roots: vec![None; crates],
        relevant: BTreeSet::new(),
        pending: BTreeSet::new(),
        hot: vec![BTreeSet::new(); crates],
        exporters: BTreeSet::new(),
        exported: BTreeSet::new(),
        served: BTreeSet::new(),
        searched: BTreeSet::new(),
        stats: Stats {
            files: n,
            ..Stats::default()
        },
    };
    let mut queue: BTreeSet<usize> = if parse_everything {
        (0..n).collect()
    } else {
        (0..n)
            .into_par_iter()
            .filter(|&i| vocab.is_seed(inputs[i].text))
            .collect::<Vec<usize>>()
            .into_iter()
            .collect()
    };
    d.stats.seeds = queue.len();
    let total: usize = inputs.iter().map(|f| f.text.len()).sum();
    // Seeds that are most of the code already: no need to look for what else they need. A
    // small project is parsed whole too: it costs little (4 MiB parse in about 0.2 s per
    // core), and then every syntax error in it is reported.
    let seeded: usize = queue.iter().map(|&i| inputs[i].text.len()).sum();
    if mode == Parse::Auto && !parse_everything && (seeded * 2 >= total || total <= SMALL_PROJECT) {
        parse_everything = true;
        queue = (0..n).collect();
    }
    loop {
        // Once every file is parsed, it stays so: nothing below reads infos again.
        let newly = d.parse(&queue, parse, &cx, !parse_everything);
        if !parse_everything {
            let mut next = BTreeSet::new();
            for (i, hot) in newly {
                let k = inputs[i].crate_id as usize;
                let hot: BTreeSet<String> = hot
                    .into_iter()
                    .filter(|h| d.hot[k].insert(h.clone()))
                    .collect();
                next.extend(d.mentioning(k, &hot, false));
            }
            next.extend(d.propagate(crate_names, None));
            if !next.is_empty() {
                queue = next;
                continue;
            }
            // When most of the code is parsed anyway (a project full of OAuth code), parsing
            // the rest costs less than the analyses the search for exporters may repeat.
            let parsed: usize = (0..n)
                .filter(|&i| !d.skipped(i))
                .map(|i| inputs[i].text.len())
                .sum();
            if mode == Parse::Auto && parsed * 2 >= total && (0..n).any(|i| d.skipped(i)) {
                parse_everything = true;
                queue = (0..n).filter(|&i| d.skipped(i)).collect();
                continue;
            }
        }
        let (files, kept) = d.lowered();
        d.stats.analyses += 1;
        let mut next = BTreeSet::new();
        let facts = {
            let index = Index::new(&files, crate_names);
            let shared = Shared::new(&index, models);
            let mut engine = Analysis::new(&index, models, &shared, split == Split::Parts);
            engine.summarize();
            if !parse_everything {
                let mut exported: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
                for f in engine.exporters() {
                    let i = kept[f.file as usize];
                    if !d.relevant.contains(&(i, f.idx as usize)) {
                        continue;
                    }
                    let Some(info) = d.infos[i].get(f.idx as usize) else {
                        continue;
                    };
                    let k = inputs[i].crate_id as usize;
                    d.exporters.insert(info.name.clone());
                    if d.exported.insert((k, info.name.clone())) {
                        exported.entry(k).or_default().insert(info.name.clone());
                    }
                }
                for (k, names) in &exported {
                    next.extend(d.mentioning(*k, names, true));
                }
                if !exported.is_empty() {
                    next.extend(d.propagate(crate_names, Some((&files, &kept))));
                }
            }
            next.is_empty().then(|| engine.report())
        };
        if let Some(facts) = facts {
            d.stats.relevant = d.relevant.len();
            return Selected {
                status: d.status,
                lowered: files,
                kept,
                facts,
                stats: d.stats,
            };
        }
        d.restore(files, &kept);
        queue = next;
    }
}
