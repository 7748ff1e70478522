//! API models: which calls exchange codes, carry them, produce them, retry them. Loaded from the
//! TOML files under `lints/apis/` (embedded by the CLI) and from user configuration; the schema
//! is documented at the top of `lints/apis/oauth2.toml`.
//!
//! Call matching works on names only (no types): a `methods` entry matches a method call by its
//! name; a `functions` entry matches a path call when one path is a suffix of the other after
//! `use` expansion (`std::env::var` matches `env::var` and `var` imported from `std::env`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// One model file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    #[serde(default)]
    pub library: Option<Library>,
    #[serde(default)]
    pub exchange: Vec<ExchangeRule>,
    #[serde(default)]
    pub pending_request: Vec<PendingRule>,
    #[serde(default)]
    pub transparent: Vec<TransparentRule>,
    #[serde(default)]
    pub code_source: Vec<SourceRule>,
    #[serde(default)]
    pub persistent_source: Vec<SourceRule>,
    #[serde(default)]
    pub retry: Vec<RetryRule>,
    #[serde(default)]
    pub retrying_client: Vec<CallRule>,
    #[serde(default)]
    pub http_request: Vec<HttpRequestRule>,
    #[serde(default)]
    pub http_body: Vec<HttpBodyRule>,
    #[serde(default)]
    pub http_send: Vec<CallRule>,
    #[serde(default)]
    pub token_url: Vec<String>,
    #[serde(default)]
    pub not_exchange: Vec<NotExchangeRule>,
    #[serde(default)]
    pub guard: Vec<GuardRule>,
    #[serde(default)]
    pub handler: Vec<HandlerRule>,
    /// Parameter types of a per-request session or cookie jar (a top-level key).
    #[serde(default)]
    pub session_types: Vec<String>,
    /// Names under which a callback carries the `state` parameter (a top-level key).
    #[serde(default)]
    pub state_names: Vec<String>,
    /// Calls that keep a token response (or a value made from it) beyond the request.
    #[serde(default)]
    pub token_store: Vec<StoreRule>,
    /// Accessors of a token response: which part they return.
    #[serde(default)]
    pub token_part: Vec<PartRule>,
    /// Exchanges whose library keeps the tokens itself.
    #[serde(default)]
    pub token_response: Vec<ResponseRule>,
    /// Calls that set the redirect URI of a client, a request or an authorization URL.
    #[serde(default)]
    pub redirect_uri: Vec<RedirectRule>,
    /// Calls that set the scopes of a pending request whose tokens carry a refresh token only
    /// when one scope is asked for (graph-oauth's `with_scope` and `offline_access`).
    #[serde(default)]
    pub refresh_scope: Vec<RefreshScopeRule>,
    /// Calls that build the authorization URL from a client (a top-level key of method names).
    #[serde(default)]
    pub authorize_methods: Vec<String>,
    /// `_`-separated words of an unmodelled call's name that keep what they are given
    /// (`save_tokens`, `set_password`) (a top-level key).
    #[serde(default)]
    pub store_words: Vec<String>,
    /// Struct fields that turn on a library's token cache when set in the function that
    /// exchanges (rspotify's `Config { token_cached: true, .. }`) (a top-level key).
    #[serde(default)]
    pub cache_fields: Vec<String>,
    /// Calls that hand what they are given to code oauth-lint does not follow (a channel's
    /// `send`) (a top-level key).
    #[serde(default)]
    pub escape_methods: Vec<String>,
    /// `_`-separated words of a call's name that learn who the user is (`get_user`,
    /// `user_info`, `claims`) (a top-level key).
    #[serde(default)]
    pub signin_words: Vec<String>,
    /// Substrings of a URL that asks who the user is (`/userinfo`, `api.github.com/user`)
    /// (a top-level key).
    #[serde(default)]
    pub signin_urls: Vec<String>,
    /// Providers that issue no refresh token (a GitHub OAuth app): substrings, compared
    /// case-insensitively with the module path and name of the function that exchanges
    /// (`auth::github::callback`); `"*"` for every exchange (a top-level key).
    #[serde(default)]
    pub no_refresh_token: Vec<String>,
}

/// A call that keeps a token response, or a value made from it, beyond the request.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub macros: Vec<String>,
    /// Only when the SQL text (the call's first string argument, or the first one up its
    /// receiver chain) writes: `INSERT`, `UPDATE`, `REPLACE`, `UPSERT`, `MERGE`.
    #[serde(default)]
    pub sql: bool,
    /// Only when the receiver is not a container made in this function (`HashMap::new()`,
    /// `HeaderMap::new()`): a map in application state, a session, a connection.
    #[serde(default)]
    pub shared_receiver: bool,
    /// The receiver is what is stored (sea-orm's `model.insert(&db)`).
    #[serde(default)]
    pub stores_receiver: bool,
    /// What the store is, for labels: "the session", "the database".
    #[serde(default)]
    pub label: String,
}

/// Accessors of a token response (`access_token()`, `refresh_token()`, `id_token()`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartRule {
    pub methods: Vec<String>,
    /// `access_token`, `refresh_token`, `id_token`, or another field name.
    pub part: String,
}

/// An exchange whose library keeps the tokens (rspotify's `request_token` stores them in the
/// client and its token cache).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    /// `"receiver"`: the tokens live in the receiver, which is kept when it outlives the
    /// request; `"library"`: the library stores them (a token cache).
    pub keeps: String,
    /// The part of the tokens the call returns (`access_token`), when not the whole response.
    #[serde(default)]
    pub part: Option<String>,
}

/// A call that sets the scopes (argument 0, a list) of a pending request of one of `kinds`,
/// whose tokens carry a refresh token only when `scope` is among them.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshScopeRule {
    #[serde(default)]
    pub methods: Vec<String>,
    pub kinds: Vec<String>,
    pub scope: String,
}

/// A call that sets a redirect URI: argument `arg` (0-based, receiver excluded).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub arg: usize,
}

/// An operation that makes an exchange happen at most once per code or state (a guard), or a
/// read that a later write turns into a check-then-act guard.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub macros: Vec<String>,
    /// Only calls with exactly this many arguments.
    #[serde(default)]
    pub arity: Option<usize>,
    /// Two concurrent callbacks cannot both pass it.
    #[serde(default)]
    pub atomic: bool,
    /// It lives outside the process (redis, SQL), so it holds across instances.
    #[serde(default)]
    pub shared: bool,
    /// `"session"`: only on a per-request session or cookie jar (`session_types`).
    #[serde(default)]
    pub receiver: Option<String>,
    /// It guards only when its result decides a condition (`if !set.insert(k) { .. }`).
    #[serde(default)]
    pub checked: bool,
    /// A read (`get`, `contains_key`, `find`, `load`): not a guard, but a later write on the
    /// same path (`after_check`) is check-then-act.
    #[serde(default)]
    pub check: bool,
    /// A guard only after a `check` on the same path, and then never atomic (`insert` after
    /// `contains_key`).
    #[serde(default)]
    pub after_check: bool,
    /// Only when an argument's literal text or path ends with one of these (case-insensitive):
    /// `"NX"`, `"GETDEL"`.
    #[serde(default)]
    pub when_text: Vec<String>,
    /// Only when the first argument is SQL text starting with this word (`DELETE`, `INSERT`).
    #[serde(default)]
    pub sql_starts: Option<String>,
    /// ... and containing (`sql_has`) or lacking (`sql_lacks`) this word (`RETURNING`).
    #[serde(default)]
    pub sql_has: Option<String>,
    #[serde(default)]
    pub sql_lacks: Option<String>,
    /// Only when the call is about the pending flow: its SQL text or a literal argument names a
    /// flow key (`state`, `code`, `verifier`, ..), or an argument comes from the request.
    #[serde(default)]
    pub keyed: bool,
    /// The guard runs its argument (a closure or async block) at most once per key for
    /// concurrent callers: an exchange inside that argument is guarded (moka `try_get_with`).
    #[serde(default)]
    pub runs_arg: bool,
    /// Calls of functions oauth-lint cannot see into (not the project's, not modelled) whose
    /// name has one of these `_`-separated words, with a value from the request as an argument
    /// (`store.take_pending(&state)`, `consume_flow(&q.state)`).
    #[serde(default)]
    pub name_words: Vec<String>,
    /// With `name_words`: the call is on (or given) the pending flow's record, a value an
    /// unknown call looked up by the callback's `state`, instead of a value from the request.
    #[serde(default)]
    pub on_record: bool,
    /// What the guard does, for labels: "removes the pending state".
    #[serde(default)]
    pub label: String,
}

/// How web frameworks hand a request to a function: extractor parameter types, routing calls,
/// handler attributes.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlerRule {
    #[serde(default)]
    pub framework: String,
    /// Parameter types (last path segment, before `<`) whose value comes from the request.
    #[serde(default)]
    pub extractors: Vec<String>,
    /// Attributes that make a function a handler (`get`, `post`, `handler`); all its parameters
    /// but those of `state_types` come from the request.
    #[serde(default)]
    pub attrs: Vec<String>,
    /// Calls whose argument, a path to one of the project's functions, routes it as a handler.
    #[serde(default)]
    pub route_functions: Vec<String>,
    #[serde(default)]
    pub route_methods: Vec<String>,
    /// `route_methods` count only when the receiver chain calls a function or method with one
    /// of these names (warp's `warp::query::<T>().and_then(h)`).
    #[serde(default)]
    pub receiver_calls: Vec<String>,
    /// Parameter types that are application state, not the request.
    #[serde(default)]
    pub state_types: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    pub name: String,
    #[serde(default)]
    pub versions: Vec<String>,
    #[serde(default)]
    pub docs: Option<String>,
}

/// Names a call: method names, function paths or macro names.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub macros: Vec<String>,
}

/// A call that sends a code to a token endpoint.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    /// The argument that carries the code (0-based, receiver excluded).
    #[serde(default)]
    pub code_arg: Option<usize>,
    /// The code is carried by the receiver, a pending request of this kind.
    #[serde(default)]
    pub receiver_kind: Option<String>,
    /// Argument `code_arg` is a pending request of this kind that carries the code.
    #[serde(default)]
    pub arg_kind: Option<String>,
    /// Only calls with exactly this many arguments.
    #[serde(default)]
    pub arity: Option<usize>,
    /// Only calls whose argument `index` is the string literal `equals`.
    #[serde(default)]
    pub when_arg: Option<ArgEquals>,
    /// Only in files that `use` one of these crates (for names too common to model alone:
    /// atrium-oauth's `client.callback(params)`).
    #[serde(default)]
    pub crates: Vec<String>,
    /// The library obtains the code itself (its own loopback server or prompt) from a pending
    /// request of `receiver_kind` that carries none: the exchange matters only for what
    /// becomes of its tokens, never for the code lints.
    #[serde(default)]
    pub codeless: bool,
    /// The call returns a tuple of these token parts, in order (`["access_token",
    /// "refresh_token"]`; "" is the whole response, "-" a value that is no part of it),
    /// instead of the response itself.
    #[serde(default)]
    pub returns: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgEquals {
    pub index: usize,
    pub equals: String,
}

/// A call that builds a request carrying the code without sending it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    /// The argument carrying the code; none for a flow object that receives it later.
    #[serde(default)]
    pub code_arg: Option<usize>,
    pub kind: String,
    #[serde(default)]
    pub arity: Option<usize>,
}

/// Calls whose result is their receiver or argument, unchanged as far as a code is concerned.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransparentRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    /// The receiver's value is written into this argument (`read_line(&mut buf)`).
    #[serde(default)]
    pub into_arg: Option<usize>,
}

/// A call or macro whose result is a code source.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub macros: Vec<String>,
    /// `T::parse()`-style constructors of types deriving one of these (clap's `Parser`).
    #[serde(default)]
    pub type_derives: Vec<String>,
    /// What the source is: `request`, `stdin`, `env`, `cli`, `file`, `config`.
    pub origin: String,
    /// The source fills this argument instead of returning (`stdin().read_line(&mut s)`).
    #[serde(default)]
    pub into_arg: Option<usize>,
}

/// A retry API: the operation it runs repeatedly.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    /// The argument that is the repeated operation.
    #[serde(default)]
    pub op_arg: Option<usize>,
    /// The receiver is the repeated operation (backon's `Retryable::retry`).
    #[serde(default)]
    pub op_receiver: bool,
}

/// A call that starts an outgoing HTTP request.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequestRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    pub url_arg: usize,
    /// Only when argument `index` is a path ending in `equals` (`Method::POST`).
    #[serde(default)]
    pub when_arg_path: Option<ArgEquals>,
}

/// A call that attaches a body (or query) to an HTTP request.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpBodyRule {
    #[serde(default)]
    pub methods: Vec<String>,
    pub body_arg: usize,
    /// The call also sends the request (ureq's `send_form`).
    #[serde(default)]
    pub sends: bool,
}

/// Calls that look like exchanges but never carry an authorization code.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotExchangeRule {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
}

/// All models merged, ready for lookups.
#[derive(Debug, Default)]
pub struct Models {
    pub libraries: Vec<String>,
    pub exchange_methods: BTreeMap<String, Vec<ExchangeRule>>,
    pub exchange_functions: Vec<(Vec<String>, ExchangeRule)>,
    pub pending_methods: BTreeMap<String, Vec<PendingRule>>,
    pub pending_functions: Vec<(Vec<String>, PendingRule)>,
    pub transparent_methods: BTreeMap<String, TransparentRule>,
    pub transparent_functions: Vec<Vec<String>>,
    pub source_methods: BTreeMap<String, SourceRule>,
    pub source_functions: Vec<(Vec<String>, SourceRule)>,
    pub source_macros: BTreeMap<String, SourceRule>,
    pub source_constructors: Vec<SourceRule>,
    pub retry_methods: BTreeMap<String, RetryRule>,
    pub retry_functions: Vec<(Vec<String>, RetryRule)>,
    pub retrying_methods: Vec<String>,
    pub retrying_functions: Vec<Vec<String>>,
    pub http_request_methods: BTreeMap<String, HttpRequestRule>,
    pub http_request_functions: Vec<(Vec<String>, HttpRequestRule)>,
    pub http_body_methods: BTreeMap<String, HttpBodyRule>,
    pub http_send_methods: Vec<String>,
    pub token_urls: Vec<String>,
    pub not_exchange_methods: Vec<String>,
    pub not_exchange_functions: Vec<Vec<String>>,
    /// Guard rules by method name, function path and macro name, in file order.
    pub guard_methods: BTreeMap<String, Vec<GuardRule>>,
    pub guard_functions: Vec<(Vec<String>, GuardRule)>,
    pub guard_macros: BTreeMap<String, Vec<GuardRule>>,
    pub guard_words: Vec<GuardRule>,
    pub handlers: Vec<HandlerRule>,
    pub session_types: Vec<String>,
    pub state_names: Vec<String>,
    pub store_methods: BTreeMap<String, Vec<StoreRule>>,
    pub store_functions: Vec<(Vec<String>, StoreRule)>,
    pub store_macros: BTreeMap<String, Vec<StoreRule>>,
    pub part_methods: BTreeMap<String, String>,
    pub response_methods: BTreeMap<String, ResponseRule>,
    pub response_functions: Vec<(Vec<String>, ResponseRule)>,
    pub redirect_methods: BTreeMap<String, usize>,
    pub redirect_functions: Vec<(Vec<String>, usize)>,
    /// Scope setters by method name (`with_scope`), and the pending kinds they matter for.
    pub refresh_scope_methods: BTreeMap<String, RefreshScopeRule>,
    pub refresh_scope_kinds: BTreeSet<String>,
    pub authorize_methods: Vec<String>,
    pub store_words: Vec<String>,
    pub escape_methods: Vec<String>,
    pub cache_fields: Vec<String>,
    pub signin_words: Vec<String>,
    pub signin_urls: Vec<String>,
    pub no_refresh_token: Vec<String>,
}

/// A model file that failed to load.
#[derive(Debug, Clone)]
pub struct ModelError {
    pub name: String,
    pub message: String,
}

fn split_path(path: &str) -> Vec<String> {
    path.split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether a call path matches a model path: one is a suffix of the other.
pub fn path_matches(call: &[String], model: &[String]) -> bool {
    if call.is_empty() || model.is_empty() {
        return false;
    }
    // An associated function (`AuthorizationCodeGrant::new`) cannot be imported: a bare call
    // `new(..)` is some other function.
    if call.len() == 1 && model.len() >= 2 && is_type_name(&model[model.len() - 2]) {
        return false;
    }
    let n = call.len().min(model.len());
    call[call.len() - n..] == model[model.len() - n..]
}

/// Whether a path segment names a type (by Rust's naming convention).
pub fn is_type_name(segment: &str) -> bool {
    segment.chars().next().is_some_and(char::is_uppercase)
}

impl Models {
    /// Parses and merges model files given as `(name, toml text)`.
    pub fn load<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Models, ModelError> {
        let mut models = Models::default();
        for (name, text) in files {
            let file: ModelFile = toml::from_str(text).map_err(|e| ModelError {
                name: name.to_string(),
                message: e.to_string(),
            })?;
            models.add(file);
        }
        Ok(models)
    }

    pub fn add(&mut self, file: ModelFile) {
        if let Some(lib) = file.library {
            self.libraries.push(lib.name);
        }
        for rule in file.exchange {
            for m in &rule.methods {
                self.exchange_methods
                    .entry(m.clone())
                    .or_default()
                    .push(rule.clone());
            }
            for f in &rule.functions {
                self.exchange_functions.push((split_path(f), rule.clone()));
            }
        }
        for rule in file.pending_request {
            for m in &rule.methods {
                self.pending_methods
                    .entry(m.clone())
                    .or_default()
                    .push(rule.clone());
            }
            for f in &rule.functions {
                self.pending_functions.push((split_path(f), rule.clone()));
            }
        }
        for rule in file.transparent {
            for m in &rule.methods {
                self.transparent_methods.insert(m.clone(), rule.clone());
            }
            for f in &rule.functions {
                self.transparent_functions.push(split_path(f));
            }
        }
        for rule in file.code_source.into_iter().chain(file.persistent_source) {
            for m in &rule.methods {
                self.source_methods.insert(m.clone(), rule.clone());
            }
            for f in &rule.functions {
                if rule.type_derives.is_empty() {
                    self.source_functions.push((split_path(f), rule.clone()));
                }
            }
            for m in &rule.macros {
                self.source_macros.insert(m.clone(), rule.clone());
            }
            if !rule.type_derives.is_empty() {
                self.source_constructors.push(rule.clone());
            }
        }
        for rule in file.retry {
            for m in &rule.methods {
                self.retry_methods.insert(m.clone(), rule.clone());
            }
            for f in &rule.functions {
                self.retry_functions.push((split_path(f), rule.clone()));
            }
        }
        for rule in file.retrying_client {
            self.retrying_methods.extend(rule.methods);
            self.retrying_functions
                .extend(rule.functions.iter().map(|f| split_path(f)));
        }
        for rule in file.http_request {
            for m in &rule.methods {
                self.http_request_methods.insert(m.clone(), rule.clone());
            }
            for f in &rule.functions {
                self.http_request_functions
                    .push((split_path(f), rule.clone()));
            }
        }
        for rule in file.http_body {
            for m in &rule.methods {
                self.http_body_methods.insert(m.clone(), rule.clone());
            }
        }
        for rule in file.http_send {
            self.http_send_methods.extend(rule.methods);
        }
        self.token_urls.extend(file.token_url);
        for rule in file.not_exchange {
            self.not_exchange_methods.extend(rule.methods);
            self.not_exchange_functions
                .extend(rule.functions.iter().map(|f| split_path(f)));
        }
        for rule in file.guard {
            if !rule.name_words.is_empty() {
                self.guard_words.push(rule.clone());
            }
            for m in &rule.methods {
                self.guard_methods
                    .entry(m.clone())
                    .or_default()
                    .push(rule.clone());
            }
            for f in &rule.functions {
                self.guard_functions.push((split_path(f), rule.clone()));
            }
            for m in &rule.macros {
                self.guard_macros
                    .entry(m.clone())
                    .or_default()
                    .push(rule.clone());
            }
        }
        self.handlers.extend(file.handler);
        self.session_types.extend(file.session_types);
        self.state_names.extend(file.state_names);
        for rule in file.token_store {
            for m in &rule.methods {
                self.store_methods
                    .entry(m.clone())
                    .or_default()
                    .push(rule.clone());
            }
            for f in &rule.functions {
                self.store_functions.push((split_path(f), rule.clone()));
            }
            for m in &rule.macros {
                self.store_macros
                    .entry(m.clone())
                    .or_default()
                    .push(rule.clone());
            }
        }
        for rule in file.token_part {
            for m in rule.methods {
                self.part_methods.insert(m, rule.part.clone());
            }
        }
        for rule in file.token_response {
            for m in &rule.methods {
                self.response_methods.insert(m.clone(), rule.clone());
            }
            for f in &rule.functions {
                self.response_functions.push((split_path(f), rule.clone()));
            }
        }
        for rule in file.redirect_uri {
            for m in rule.methods {
                self.redirect_methods.insert(m, rule.arg);
            }
            for f in &rule.functions {
                self.redirect_functions.push((split_path(f), rule.arg));
            }
        }
        for rule in file.refresh_scope {
            self.refresh_scope_kinds.extend(rule.kinds.iter().cloned());
            for m in &rule.methods {
                self.refresh_scope_methods.insert(m.clone(), rule.clone());
            }
        }
        self.authorize_methods.extend(file.authorize_methods);
        self.store_words.extend(file.store_words);
        self.escape_methods.extend(file.escape_methods);
        self.cache_fields.extend(file.cache_fields);
        self.signin_words.extend(file.signin_words);
        self.signin_urls.extend(file.signin_urls);
        self.no_refresh_token.extend(file.no_refresh_token);
    }

    pub fn is_token_url(&self, url: &str) -> bool {
        self.token_urls.iter().any(|u| url.contains(u.as_str()))
    }
}

/// Finds the first rule whose path matches `call`.
pub fn find_fn<'m, R>(rules: &'m [(Vec<String>, R)], call: &[String]) -> Option<&'m R> {
    rules
        .iter()
        .find(|(path, _)| path_matches(call, path))
        .map(|(_, r)| r)
}
