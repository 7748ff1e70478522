//! What the dataflow learned about each exchange site: the facts the lints read.

use crate::ir::{FileId, Span};

/// A location: a file and a span in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Self {
        Loc { file, span }
    }
}

/// Why an exchange runs again with the same code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetryKind {
    /// A `loop`/`while`/`for` whose next iteration re-runs the exchange.
    Loop,
    /// A closure run by a retry API (backoff, backon, tokio-retry, retry, again, tryhard).
    RetryApi,
    /// A closure run repeatedly by the project's own retry helper.
    Helper,
    /// An HTTP client or service that retries failed requests.
    Client,
    /// A second exchange that runs because the first one failed (an `Err` arm, `or_else`,
    /// `unwrap_or_else`).
    AfterFailure,
    /// The function calls itself with the same code when its exchange fails: reported at the
    /// exchange, labelled at the recursive call.
    Recursive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryFact {
    pub kind: RetryKind,
    /// The loop, the retry call, the retrying client, or the first exchange.
    pub label: Loc,
    pub detail: String,
}

/// Where a persistent code comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    Env,
    Literal,
    Const,
    Cli,
    File,
    Config,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistentFact {
    pub kind: SourceKind,
    pub label: Loc,
    /// The variable, constant or key name when known.
    pub name: Option<String>,
}

/// A guard: an operation that makes the exchange happen at most once per code or state.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GuardFact {
    /// The guard call (its name).
    pub loc: Loc,
    /// The method, function or macro name.
    pub op: String,
    /// Two concurrent callbacks cannot both pass it.
    pub atomic: bool,
    /// It lives outside the process (redis, SQL).
    pub shared: bool,
    /// It lives in this process's memory (a map, a set, a flag): not shared, and not a
    /// per-request session or cookie jar.
    pub in_memory: bool,
    /// What it does, for labels.
    pub label: String,
}

/// How a callback handler receives the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HandlerKind {
    /// A web framework handler: by extractor type, attribute or route.
    Web,
    /// A loopback server loop that keeps serving after an exchange.
    Loopback,
}

/// An exchange of a code that a callback handler received from the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackFact {
    pub kind: HandlerKind,
    /// The handler's name, or the serving loop's keyword.
    pub handler: Loc,
    /// Where the code comes in (the extractor parameter or the request source).
    pub code_from: Option<Loc>,
    /// Guards on every path from the handler's entry to the exchange.
    pub guards: Vec<GuardFact>,
    /// Guards on some path only after the exchange.
    pub guards_after: Vec<GuardFact>,
    /// Whether the `state` parameter is compared or looked up before the exchange on every path.
    pub state_verified: bool,
    /// Where the handler receives `state`, when a parameter or pattern names it.
    pub state_from: Option<Loc>,
    /// For a loopback server: the loop that comes round to serve again after the exchange.
    pub serving_loop: Option<Loc>,
}

/// A part of a token response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenPart {
    /// The whole response (or a value the project's code made from it, such as a struct).
    Whole,
    Access,
    Refresh,
    Id,
    /// Another field: `expires_in()`, `scopes()`.
    Other,
}

/// Where part of a token response is kept: stored or returned.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TokenKeep {
    pub part: TokenPart,
    pub loc: Loc,
    /// How, for labels: "stored in the session", "returned".
    pub how: String,
}

/// What happens to the token response of an exchange.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenFact {
    /// The function that makes the exchange (its name).
    pub function: Option<Loc>,
    /// Parts stored (session, database, cache, field, file, keyring, library cache).
    pub stored: Vec<TokenKeep>,
    /// Parts returned to the caller.
    pub returned: Vec<TokenKeep>,
    /// The whole response went somewhere oauth-lint cannot follow.
    pub escaped: bool,
    /// The response was used to learn who the user is (a user-info request, ID-token claims).
    pub signin: bool,
    /// Bound to `_` or a `_name`.
    pub dropped: Option<Loc>,
    /// The library keeps the tokens (a token cache).
    pub library_keeps: bool,
    /// The configuration says this provider issues no refresh token.
    pub no_refresh_token: bool,
    /// The scopes the request asks for are known and lack the one that brings a refresh token
    /// (graph-oauth without `offline_access`): where they are set.
    pub no_refresh_scope: Option<Loc>,
}

impl TokenFact {
    /// What is kept: stored and returned parts (a response returned to one of the project's
    /// functions is judged again at that call, which is an exchange site of its own).
    pub fn kept(&self) -> impl Iterator<Item = &TokenKeep> {
        self.stored.iter().chain(&self.returned)
    }

    /// Whether a part (or the whole response) is kept.
    pub fn keeps(&self, part: TokenPart) -> bool {
        self.kept().any(|k| k.part == part)
    }

    pub fn keeps_anything(&self) -> bool {
        self.kept().next().is_some()
    }
}

/// The redirect URI of a token request that no authorization URL of the crate uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectMismatch {
    /// The URI the token request sends, and where it is written.
    pub exchange_uri: String,
    pub exchange_at: Loc,
    /// The URIs the authorization URLs are built with, and where.
    pub authorize: Vec<(String, Loc)>,
    /// When both sides are the literal defaults of the same configuration value (an
    /// environment variable or a settings field read with `unwrap_or(..)`): its name.
    pub default_of: Option<String>,
}

/// One exchange site and everything known about it.
#[derive(Clone, Debug)]
pub struct ExchangeFact {
    /// The primary location: from the call that takes the code to the end of the request.
    pub file: FileId,
    pub span: Span,
    /// The enclosing item (`module::Type::function`), for fingerprints.
    pub item_path: String,
    pub retries: Vec<RetryFact>,
    /// Earlier exchanges of the same code on the same path, not because this one failed.
    pub repeated_after: Vec<Loc>,
    pub persistent: Vec<PersistentFact>,
    /// Where the code comes from, when known.
    pub code_origin: Option<Loc>,
    /// When a callback handler exchanges a code it received from the request.
    pub callback: Option<CallbackFact>,
    /// What happens to the token response.
    pub token: Option<TokenFact>,
    /// The redirect URI sent with the token request differs from the authorization URL's.
    pub redirect_mismatch: Option<RedirectMismatch>,
}

impl ExchangeFact {
    pub(crate) fn new(anchor: Loc) -> Self {
        ExchangeFact {
            file: anchor.file,
            span: anchor.span,
            item_path: String::new(),
            retries: Vec::new(),
            repeated_after: Vec::new(),
            persistent: Vec::new(),
            code_origin: None,
            callback: None,
            token: None,
            redirect_mismatch: None,
        }
    }

    pub(crate) fn add_retry(&mut self, fact: RetryFact) {
        if !self.retries.contains(&fact) {
            self.retries.push(fact);
        }
    }

    /// Whether anything is wrong with this exchange.
    pub(crate) fn has_findings(&self) -> bool {
        !self.retries.is_empty()
            || !self.repeated_after.is_empty()
            || !self.persistent.is_empty()
            || self.callback.is_some()
            || self.token.is_some()
            || self.redirect_mismatch.is_some()
    }
}
