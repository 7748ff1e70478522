//! Token responses and redirect URIs, on top of the code-value interpreter.
//!
//! Every exchange's result carries a `Response` origin labelled with the exchange site; its
//! accessors (`access_token()`, `refresh_token()`, `id_token()`, fields of the same names) are
//! projections, so a value made from the response remembers which part it holds. Where such a
//! value goes is recorded as the interpreter passes: a store (a modelled call, a call named like
//! one, a field of `self` or of a parameter), a `return`, a `let _`, a sign-in use (a user-info
//! request, ID-token claims), or a call oauth-lint cannot follow. Through the project's own
//! functions, the summaries say which parameters (and one field or part of them) a function
//! stores or signs in with; returned values already flow back through the summaries' returned
//! value. Summary facts are keyed by a parameter index and at most one field name, so they stay
//! finite and the rounds converge.
//!
//! Redirect URIs ride on values as literal text: set on a client or a token request
//! (`set_redirect_uri(RedirectUrl::new(".."))`), written in a raw authorization URL or a form
//! pair (`("redirect_uri", "..")`). Building an authorization URL records its side; an exchange
//! records the URI its request carries. A token request whose URI no authorization URL of the
//! crate uses is a mismatch, compared only when every side is known.

use std::collections::{BTreeMap, BTreeSet};

use super::{Engine, FnCx, OriginKind, State, Val, bound_by, root_var};
use crate::facts::{Loc, RedirectMismatch, TokenFact, TokenKeep, TokenPart};
use crate::index::{FnId, Index};
use crate::ir::{Expr, Pat, Span};
use crate::models::{StoreRule, find_fn, path_matches};

/// Redirect URIs a value carries, at most this many.
const MAX_REDIRECTS: usize = 4;
/// How deep a value's known fields are searched for token parts.
const MAX_DEPTH: usize = 3;
/// How many links of a receiver chain are read for a URL.
const MAX_CHAIN: usize = 16;

/// What this module adds to a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct TokVal {
    /// Redirect URIs (`""` when one is not a literal) and where they are written.
    redirects: BTreeMap<String, Loc>,
    /// A container made in this function (`HashMap::new()`): writing into it stores nothing.
    fresh: bool,
    /// What the scopes set on a pending request say about its refresh token.
    scopes: Scopes,
    /// An authorization request built from a client that names no redirect URI (at the
    /// `authorize_url` call): one set on the request itself is the authorization side.
    authorize_at: Option<Loc>,
}

/// The scopes set on a pending request (`with_scope(vec![..])`), as far as a refresh token goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Scopes {
    /// Never set.
    #[default]
    Unset,
    /// Known, and the scope that brings a refresh token is not among them: where they are set.
    Missing(Loc),
    /// Set to something that may hold it (not known, or known to).
    Open,
}

impl Scopes {
    /// Missing only when it is missing on every path.
    fn join(self, other: Scopes) -> Scopes {
        if self == other { self } else { Scopes::Open }
    }

    /// Scopes set again: a library adds them to the ones already set.
    fn then(self, next: Scopes) -> Scopes {
        match (self, next) {
            (Scopes::Unset, n) => n,
            (Scopes::Missing(l), Scopes::Missing(_)) => Scopes::Missing(l),
            _ => Scopes::Open,
        }
    }
}

/// Joins what two values carry. A value that carries nothing has `None`, so values compare
/// equal whatever the order of joins (summaries must reach a fixed point).
pub(super) fn join_tok(mine: &mut Option<Box<TokVal>>, other: Option<&TokVal>) {
    match (mine.as_mut(), other) {
        (Some(a), Some(b)) => {
            for (k, v) in &b.redirects {
                if a.redirects.len() < MAX_REDIRECTS {
                    a.redirects.entry(k.clone()).or_insert(*v);
                }
            }
            a.fresh &= b.fresh;
            a.scopes = a.scopes.join(b.scopes);
            a.authorize_at = match (a.authorize_at, b.authorize_at) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
        }
        (None, Some(b))
            if !b.redirects.is_empty() || b.scopes != Scopes::Unset || b.authorize_at.is_some() =>
        {
            *mine = Some(Box::new(TokVal {
                redirects: b.redirects.clone(),
                fresh: false,
                scopes: b.scopes.join(Scopes::Unset),
                authorize_at: b.authorize_at,
            }));
        }
        (Some(a), None) => {
            a.fresh = false;
            a.scopes = a.scopes.join(Scopes::Unset);
        }
        _ => {}
    }
    if mine.as_ref().is_some_and(|t| t.is_empty()) {
        *mine = None;
    }
}

impl TokVal {
    fn is_empty(&self) -> bool {
        self.redirects.is_empty()
            && !self.fresh
            && self.scopes == Scopes::Unset
            && self.authorize_at.is_none()
    }

    /// Whether it names no redirect URI (a returned client that does matters to callers).
    pub(super) fn redirects_empty(&self) -> bool {
        self.redirects.is_empty()
    }
}

/// What a function does with a parameter, for its callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Use {
    Store,
    Signin,
}

/// What the reporting round learns.
#[derive(Debug, Default)]
pub(super) struct Tables {
    /// By exchange anchor.
    facts: BTreeMap<Loc, TokenFact>,
    /// Redirect URIs of authorization URLs, per crate, with the function whose analysis found
    /// each (`redirect_mismatches` orders those of all parts by it).
    authorize: BTreeMap<u32, Vec<(String, Loc, FnId)>>,
    /// Crates that build an authorization URL whose redirect URI is not known.
    authorize_unknown: BTreeSet<u32>,
    /// Authorization requests built from a client that names no redirect URI, by their
    /// `authorize_url` call, with their crate: unknown unless one is set on the request
    /// (`authorize_resolved`).
    authorize_pending: BTreeMap<Loc, u32>,
    authorize_resolved: BTreeSet<Loc>,
    /// Redirect URIs sent with each exchange site's token request.
    exchange: BTreeMap<u32, BTreeMap<String, Loc>>,
    /// The anchor of each exchange site whose result is a response (site ids are renumbered
    /// in the reporting round, so the map is rebuilt then).
    site_anchor: BTreeMap<u32, Loc>,
    /// The anchor of each call of the project's own wrapper (an exchange through a summary):
    /// its response is what the wrapper returns, judged at the call.
    via_anchor: BTreeMap<u32, Loc>,
    /// Functions that configure a library's token cache (rspotify's `token_cached: true`).
    cache_configured: BTreeSet<FnId>,
    /// Functions (by name) whose whole returned response a caller in the project receives.
    returned_to_caller: BTreeSet<Loc>,
    reporting_seen: bool,
}

fn part_of(path: &[String]) -> TokenPart {
    // An exchange that returns a tuple holds the token response first (loco-oauth2's
    // `(BasicTokenResponse, reqwest::Response)`).
    let path = match path.first().map(String::as_str) {
        Some("0") => &path[1..],
        _ => path,
    };
    match path.first().map(String::as_str) {
        None => TokenPart::Whole,
        Some("access_token") => TokenPart::Access,
        Some("refresh_token") => TokenPart::Refresh,
        Some("id_token") => TokenPart::Id,
        Some(_) => TokenPart::Other,
    }
}

/// Every origin of `v` and of its known fields.
fn deep_origins(v: &Val, out: &mut Vec<u32>, depth: usize) {
    out.extend(v.origins.iter().copied());
    if depth < MAX_DEPTH {
        for f in v.fields.values() {
            deep_origins(f, out, depth + 1);
        }
    }
}

/// The `_`-separated lowercase words of a name.
fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
}

/// A redirect URI from a `redirect_uri=` parameter in URL or form text: the value up to the
/// next `&`, minimally percent-decoded; `""` when it is a placeholder.
fn redirect_in_text(text: &str) -> Option<String> {
    let i = text.find("redirect_uri=")?;
    let rest = &text[i + "redirect_uri=".len()..];
    let value = rest.split('&').next().unwrap_or("");
    if value.is_empty() || value.contains('{') {
        return Some(String::new());
    }
    Some(
        value
            .replace("%3A", ":")
            .replace("%3a", ":")
            .replace("%2F", "/")
            .replace("%2f", "/"),
    )
}

/// Marks a redirect URI that is the literal default of a configuration value.
const DEFAULT_MARK: char = '\u{1}';

/// The redirect URI `default` as the default of the configuration value `field`.
fn default_uri(field: &str, default: &str) -> String {
    format!("{DEFAULT_MARK}{field}{DEFAULT_MARK}{default}")
}

/// Marks a redirect URI that is a parameter of the function (by index): known only at a call,
/// where `param_redirects` puts in the argument's.
const PARAM_MARK: char = '\u{2}';

/// Whether a function's redirect URIs are all known here (none unknown, none a parameter).
fn redirects_known(redirects: &BTreeMap<String, Loc>) -> bool {
    !redirects.contains_key("") && !redirects.keys().any(|u| u.starts_with(PARAM_MARK))
}

/// The configuration value and default of a URI made by `default_uri`.
fn split_default(uri: &str) -> Option<(&str, &str)> {
    uri.strip_prefix(DEFAULT_MARK)?.split_once(DEFAULT_MARK)
}

/// The environment variable or settings field a receiver reads (`std::env::var("REDIRECT_URL")`,
/// `settings.redirect_url.clone()`), when it is named in place.
fn config_value(e: &Expr) -> Option<String> {
    match e {
        Expr::Call { callee, args, .. } => {
            let Expr::Path { segs, .. } = &**callee else {
                return None;
            };
            let reader = matches!(segs.last()?.as_str(), "var" | "var_os")
                && segs
                    .iter()
                    .rev()
                    .nth(1)
                    .is_none_or(|m| matches!(m.as_str(), "env" | "dotenvy" | "dotenv"));
            let name = args.first()?.as_str_lit()?;
            reader.then(|| format!("${name}"))
        }
        Expr::Field { name, .. } => Some(name.clone()),
        Expr::Method {
            receiver, method, ..
        } if matches!(
            method.as_str(),
            "clone" | "as_deref" | "as_ref" | "ok" | "cloned" | "to_owned"
        ) =>
        {
            config_value(receiver)
        }
        Expr::Try { inner, .. } | Expr::Unary { inner, .. } => config_value(inner),
        _ => None,
    }
}

/// The string literal a default argument gives (`"..".into()`, `|_| "..".to_string()`,
/// `String::from("..")`).
fn default_lit(e: &Expr) -> Option<&str> {
    match e {
        Expr::Closure { body, .. } => default_lit(body),
        Expr::Block(b) => match b.stmts.as_slice() {
            [crate::ir::Stmt::Expr(tail)] => default_lit(tail),
            _ => None,
        },
        Expr::Call { callee, args, .. }
            if matches!(&**callee, Expr::Path { segs, .. } if segs.last().is_some_and(|s| s == "from"))
                && args.len() == 1 =>
        {
            args[0].as_str_lit()
        }
        _ => e.as_str_lit(),
    }
}

/// A value constructed in place: `Type::new(..)` (any associated function of a type), with
/// adapters and builder steps after it.
fn is_construction(e: &Expr) -> bool {
    match e {
        Expr::Try { inner, .. } | Expr::Await { inner, .. } | Expr::Unary { inner, .. } => {
            is_construction(inner)
        }
        // Adapters and builder steps: `Type::builder(..).persist(..).build().await?`.
        Expr::Method { receiver, .. } => is_construction(receiver),
        Expr::Call { callee, .. } => matches!(&**callee, Expr::Path { segs, .. }
            if segs.len() >= 2
                && segs[segs.len() - 2].chars().next().is_some_and(char::is_uppercase)),
        Expr::Struct { .. } => true,
        _ => false,
    }
}

/// Whether URL text is an authorization request (not a token request).
fn is_authorize_text(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    // Google's `/o/oauth2/v2/auth`, Keycloak's `/protocol/openid-connect/auth`.
    let path = t
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    t.contains("response_type=code")
        || t.contains("/authorize")
        || t.contains("/oauth/authorize")
        || (path.ends_with("/auth") && path.contains("://"))
}

/// Whether text is a literal redirect URI.
fn is_uri(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://") || text.contains("://"))
        && !text.contains('{')
}

/// `param_tracked` of every parameter, by file, function and parameter: computed once, since
/// the hooks ask it of every value that comes from a parameter.
pub(super) fn tracked_params(index: &Index<'_>) -> Vec<Vec<Box<[bool]>>> {
    index
        .files
        .iter()
        .map(|file| {
            file.ir
                .fns
                .iter()
                .map(|def| {
                    def.params
                        .iter()
                        .map(|p| {
                            let name = match &p.pat {
                                Pat::Bind { name, .. } => name.as_str(),
                                _ => "",
                            };
                            TOKEN_WORDS
                                .iter()
                                .any(|w| contains_ci(name, w) || contains_ci(&p.ty, w))
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

impl<'a> Engine<'a> {
    fn krate(&self, cx: &FnCx<'a>) -> u32 {
        self.index.files[cx.file as usize].crate_id
    }

    /// Whether a value holds a token response, or a parameter of this function.
    /// Whether the token hooks need this value (a call's receiver or argument): it holds a
    /// response or a parameter, carries redirect URIs or is a container made here, or the
    /// method reads the receiver's redirect URIs.
    pub(super) fn token_wants(&self, cx: &FnCx<'a>, method: &str, v: &Val) -> bool {
        v.tok.is_some()
            || self.holds_token(cx, v)
            || (!method.is_empty() && self.models.authorize_methods.iter().any(|m| m == method))
    }

    /// Whether the token hooks need a call's arguments: a method that sets a redirect URI or
    /// attaches a body, or an argument the hooks follow.
    pub(super) fn token_wants_args(&self, cx: &FnCx<'a>, method: &str, argv: &[Val]) -> bool {
        (!method.is_empty()
            && (self.models.redirect_methods.contains_key(method)
                || self.models.http_body_methods.contains_key(method)))
            || argv.iter().any(|a| self.token_wants(cx, "", a))
    }

    fn holds_token(&self, cx: &FnCx<'a>, v: &Val) -> bool {
        self.any_origin(v, 0, &|o| match o.kind {
            OriginKind::Response => true,
            OriginKind::Param(f, i) => f == cx.fid && self.param_tracked(f, i),
            _ => false,
        })
    }

    /// Whether a value comes from a parameter of this function that may hold tokens.
    fn holds_tracked_param(&self, cx: &FnCx<'a>, v: &Val) -> bool {
        v.origins
            .iter()
            .any(|&o| match self.origins[o as usize].kind {
                OriginKind::Param(f, i) => f == cx.fid && self.param_tracked(f, i),
                _ => false,
            })
    }

    fn holds_response(&self, v: &Val, whole_only: bool) -> bool {
        self.any_origin(v, 0, &|o| {
            o.kind == OriginKind::Response && (!whole_only || o.path.is_empty())
        })
    }

    fn any_origin(&self, v: &Val, depth: usize, f: &dyn Fn(&super::Origin) -> bool) -> bool {
        v.origins.iter().any(|&o| f(&self.origins[o as usize]))
            || (depth < MAX_DEPTH && v.fields.values().any(|x| self.any_origin(x, depth + 1, f)))
    }

    /// Adds the (whole) response of the call at `anchor` wherever `v` holds a response.
    /// The origin of the whole response of the exchange at `anchor`.
    fn response_origin(&mut self, anchor: Loc) -> u32 {
        self.intern(super::Origin {
            kind: OriginKind::Response,
            at: anchor,
            label: anchor,
            path: Vec::new(),
            name: None,
        })
    }

    fn alias_response(&mut self, v: &mut Val, anchor: Loc, depth: usize) {
        let found = v.origins.iter().any(|&o| {
            let o = &self.origins[o as usize];
            o.kind == OriginKind::Response && o.label != anchor
        });
        if found {
            // Whole: from the caller's side, what the wrapper returns is the response; a
            // wrapper that returns only a part is reported at its own exchange.
            let id = self.response_origin(anchor);
            v.origins.insert(id);
        }
        if depth < MAX_DEPTH {
            for f in v.fields.values_mut() {
                self.alias_response(f, anchor, depth + 1);
            }
        }
    }

    /// A call of the project's function returned a response. A call of a wrapper that takes
    /// the code is an exchange site of its own: what it returns is its response, judged here
    /// (the wrapper's own exchange counts the return as kept). A value the callee made from a
    /// whole response it was given (`Token::from_response(resp)`) is that response too.
    fn token_received(&mut self, cx: &FnCx<'a>, args: &[Val], v: &mut Val, call: Loc) {
        let received = self.holds_response(v, false);
        if received {
            let sites: Vec<u32> = v.results.iter().copied().collect();
            for site in sites {
                let Some(&anchor) = self.tok.via_anchor.get(&site) else {
                    continue;
                };
                // The call's response sits wherever the wrapper's returned response does
                // (`Ok((token, profile))` puts it in field `0`).
                self.alias_response(v, anchor, 0);
                if self.reporting() {
                    self.tok.facts.entry(anchor).or_default().function =
                        Some(Loc::new(cx.file, cx.def.name_span));
                }
            }
        } else {
            let mut whole = Vec::new();
            for a in args {
                let mut os = Vec::new();
                deep_origins(a, &mut os, 0);
                whole.extend(os.into_iter().filter(|&o| {
                    let origin = &self.origins[o as usize];
                    origin.kind == OriginKind::Response && origin.path.is_empty()
                }));
            }
            v.origins.extend(whole);
        }
        let _ = call;
    }

    /// A call of the project's own function that gives back a whole token response: what the
    /// caller does with it is recorded on the same exchange, so the return itself keeps nothing
    /// (lints.md: "a response returned whole to the caller is judged at the caller").
    fn note_returned_to_caller(&mut self, cands: &[FnId], v: &Val) {
        // A wrapper that takes the code is an exchange at its call: judged there already.
        // The round is asked only when it matters (`Engine::summarize`).
        if !self.holds_response(v, true)
            || !self.reporting()
            || v.results
                .iter()
                .any(|s| self.tok.via_anchor.contains_key(s))
        {
            return;
        }
        for &f in cands {
            let def = self.index.fn_def(f);
            self.tok
                .returned_to_caller
                .insert(Loc::new(f.file, def.name_span));
        }
    }

    /// Records a use of every token part in `v` (and, for this function's parameters, a
    /// summary fact).
    fn token_use(&mut self, cx: &mut FnCx<'a>, v: &Val, kind: Use, loc: Loc, how: &str) {
        let mut os = Vec::new();
        deep_origins(v, &mut os, 0);
        os.sort_unstable();
        os.dedup();
        if kind == Use::Store
            && os
                .iter()
                .any(|&o| self.origins[o as usize].kind == OriginKind::Response)
        {
            cx.summary.stores_response = true;
        }
        for o in os {
            let origin = &self.origins[o as usize];
            match origin.kind {
                OriginKind::Response if self.reporting() => {
                    let part = part_of(&origin.path);
                    let fact = self.tok.facts.entry(origin.label).or_default();
                    match kind {
                        Use::Store => {
                            let keep = TokenKeep {
                                part,
                                loc,
                                how: how.to_string(),
                            };
                            if !fact.stored.contains(&keep) {
                                fact.stored.push(keep);
                            }
                        }
                        Use::Signin => fact.signin = true,
                    }
                }
                OriginKind::Param(f, i) if f == cx.fid && self.param_tracked(f, i) => {
                    let field = origin.path.first().cloned().unwrap_or_default();
                    cx.summary.tokens.insert((i, field, kind));
                }
                _ => {}
            }
        }
    }

    /// The exchange at `anchor` is a call of the project's wrapper that stores the response it
    /// returns: kept there (and judged at the wrapper's own exchange), not at this call.
    pub(super) fn token_kept_by_callee(&mut self, anchor: Loc) {
        if self.reporting() {
            self.tok.facts.entry(anchor).or_default().escaped = true;
        }
    }

    /// The whole response (or, with `any_part`, any part of it) went where oauth-lint cannot
    /// follow: the exchange is not judged.
    fn token_escape(&mut self, v: &Val, any_part: bool) {
        if !self.reporting() {
            return;
        }
        let mut os = Vec::new();
        deep_origins(v, &mut os, 0);
        for o in os {
            let origin = &self.origins[o as usize];
            if origin.kind == OriginKind::Response && (any_part || origin.path.is_empty()) {
                self.tok.facts.entry(origin.label).or_default().escaped = true;
            }
        }
    }

    /// An exchange's result: a new response value.
    pub(super) fn token_exchange(
        &mut self,
        cx: &mut FnCx<'a>,
        site: u32,
        anchor: Loc,
        v: &mut Val,
    ) {
        let id = self.response_origin(anchor);
        // Through the project's own wrapper, the response is what the wrapper returns, and
        // that already carries the inner exchange's response.
        if self.reporting() && !self.tok.reporting_seen {
            self.tok.reporting_seen = true;
            self.tok.site_anchor.clear();
            self.tok.via_anchor.clear();
        }
        if cx.via_summary {
            self.tok.via_anchor.insert(site, anchor);
            return;
        }
        self.tok.site_anchor.insert(site, anchor);
        v.origins.insert(id);
        if !self.reporting() {
            return;
        }
        let item = cx.def.item_path.to_ascii_lowercase();
        let no_refresh = self
            .models
            .no_refresh_token
            .iter()
            .any(|p| p == "*" || (!p.is_empty() && item.contains(&p.to_ascii_lowercase())));
        let fact = self.tok.facts.entry(anchor).or_default();
        fact.function = Some(Loc::new(cx.file, cx.def.name_span));
        fact.no_refresh_token |= no_refresh;
    }

    /// A value that is an exchange's result but lost its response origin (a closure's result
    /// handed back through a summary keeps only the exchange sites).
    fn restore_response(&mut self, v: &mut Val) {
        if v.results.is_empty() {
            return;
        }
        let sites: Vec<u32> = v.results.iter().copied().collect();
        for site in sites {
            let Some(&anchor) = self.tok.site_anchor.get(&site) else {
                continue;
            };
            let id = self.response_origin(anchor);
            v.origins.insert(id);
        }
    }

    /// Parts returned by the function: kept for its callers.
    pub(super) fn token_returns(&mut self, cx: &FnCx<'a>, returns: &mut Val) {
        // A container is fresh only in the function that made it.
        if let Some(t) = &mut returns.tok {
            t.fresh = false;
            if t.is_empty() {
                returns.tok = None;
            }
        }
        let mut os = Vec::new();
        deep_origins(returns, &mut os, 0);
        // The round is asked only when it matters (`Engine::summarize`).
        if !os
            .iter()
            .any(|&o| self.origins[o as usize].kind == OriginKind::Response)
            || !self.reporting()
        {
            return;
        }
        let loc = Loc::new(cx.file, cx.def.name_span);
        let how = format!("returned by `{}`", cx.def.name);
        // A web handler's value goes to the browser: what the front end keeps is not seen.
        let handler = self.handler_params.contains_key(&cx.fid);
        for o in os {
            let origin = &self.origins[o as usize];
            if origin.kind != OriginKind::Response {
                continue;
            }
            if handler {
                self.tok.facts.entry(origin.label).or_default().escaped = true;
                continue;
            }
            let keep = TokenKeep {
                part: part_of(&origin.path),
                loc,
                how: how.clone(),
            };
            let fact = self.tok.facts.entry(origin.label).or_default();
            if !fact.returned.contains(&keep) {
                fact.returned.push(keep);
            }
        }
    }

    /// `let _ = response;`, `let _token = ..`: dropped on purpose.
    pub(super) fn token_let(&mut self, cx: &FnCx<'a>, pat: &Pat, span: Span, v: &Val) {
        let at = match pat {
            Pat::Wild => span,
            Pat::Bind { name, span, .. } if name.starts_with('_') => *span,
            _ => return,
        };
        let whole = |o: &super::Origin| o.kind == OriginKind::Response && o.path.is_empty();
        // The round is asked only when it matters (`Engine::summarize`).
        if !v.origins.iter().any(|&o| whole(&self.origins[o as usize])) || !self.reporting() {
            return;
        }
        for &o in &v.origins {
            let origin = &self.origins[o as usize];
            if whole(origin) {
                let label = origin.label;
                self.tok.facts.entry(label).or_default().dropped = Some(Loc::new(cx.file, at));
            }
        }
    }

    /// Whether the variable at the root of a place lives beyond this call: `self`, a
    /// parameter or a value reached from one.
    fn shared_root(&self, cx: &FnCx<'a>, st: &State, name: &str) -> bool {
        name == "self"
            || st.env.get(name).is_some_and(|v| {
                !v.tok.as_ref().is_some_and(|t| t.fresh)
                    && v.origins.iter().any(|&o| {
                        matches!(self.origins[o as usize].kind, OriginKind::Param(f, _) if f == cx.fid)
                    })
            })
    }

    /// `self.token = Some(response)`, `*cache.lock().unwrap() = ..`: stored in a field.
    pub(super) fn token_assign(&mut self, cx: &mut FnCx<'a>, target: &Expr, v: &Val, st: &State) {
        if !self.holds_token(cx, v) {
            return;
        }
        if matches!(target, Expr::Path { .. }) {
            // A local assigned in a loop is read on the next iteration, which the interpreter
            // does not walk again (a state machine's `state = Exchanged { tokens }`).
            if cx
                .ctxs
                .iter()
                .any(|c| matches!(c.kind, super::CtxKind::Loop { .. }))
            {
                self.token_escape(v, false);
                let mut os = Vec::new();
                deep_origins(v, &mut os, 0);
                if self.reporting() {
                    for o in os {
                        let origin = &self.origins[o as usize];
                        if origin.kind == OriginKind::Response {
                            self.tok.facts.entry(origin.label).or_default().escaped = true;
                        }
                    }
                }
            }
            return;
        }
        let shared = match root_var(target) {
            Some(name) => self.shared_root(cx, st, name),
            // Through a call: a lock guard, a getter of a static.
            None => true,
        };
        if shared {
            let loc = Loc::new(cx.file, target.span());
            self.token_use(
                cx,
                v,
                Use::Store,
                loc,
                "stored in a field that outlives the request",
            );
        }
    }

    /// A raw URL or form text with `redirect_uri=`.
    pub(super) fn token_text(&mut self, cx: &FnCx<'a>, loc: Loc, text: &str, v: &mut Val) {
        let Some(uri) = redirect_in_text(text) else {
            return;
        };
        if is_authorize_text(text) {
            self.note_authorize(cx, &BTreeMap::from([(uri.clone(), loc)]));
        }
        v.tok
            .get_or_insert_with(Box::default)
            .redirects
            .insert(uri, loc);
    }

    /// `format!("..&redirect_uri={}", uri)`.
    pub(super) fn token_format(
        &mut self,
        cx: &FnCx<'a>,
        span: Span,
        template: &str,
        args: &[(Option<String>, Val)],
        v: &mut Val,
        st: &State,
    ) {
        let Some(uri) = redirect_in_text(template) else {
            return;
        };
        let loc = Loc::new(cx.file, span);
        let uri = if uri.is_empty() {
            let i = template.find("redirect_uri=").unwrap_or(0) + "redirect_uri=".len();
            let after = &template[i..];
            let inline = after
                .strip_prefix('{')
                .and_then(|r| r.split_once('}'))
                .map(|(n, _)| n.split(':').next().unwrap_or("").trim().to_string());
            let before = template[..i].matches("{}").count();
            let val = match inline.as_deref() {
                Some("") => args
                    .iter()
                    .filter(|(n, _)| n.is_none())
                    .nth(before)
                    .map(|(_, v)| v),
                Some(name) => args
                    .iter()
                    .find(|(n, _)| n.as_deref() == Some(name))
                    .map(|(_, v)| v)
                    .or_else(|| st.env.get(name)),
                None => None,
            };
            val.and_then(|v| v.lit.clone())
                .filter(|l| is_uri(l))
                .unwrap_or_default()
        } else {
            uri
        };
        if is_authorize_text(template) {
            self.note_authorize(cx, &BTreeMap::from([(uri.clone(), loc)]));
        }
        v.tok
            .get_or_insert_with(Box::default)
            .redirects
            .insert(uri, loc);
    }

    /// An exchange whose request asks for scopes without the one that brings a refresh token.
    fn note_scopes<'v>(&mut self, made_of: impl Iterator<Item = &'v Val>, v: &Val) {
        let missing = made_of
            .filter(|x| {
                x.pending
                    .as_ref()
                    .is_some_and(|p| self.models.refresh_scope_kinds.contains(&p.kind))
            })
            .find_map(|x| match x.tok.as_ref().map(|t| t.scopes) {
                Some(Scopes::Missing(at)) => Some(at),
                _ => None,
            });
        let Some(at) = missing else { return };
        for site in &v.results {
            if let Some(&anchor) = self.tok.site_anchor.get(site) {
                self.tok.facts.entry(anchor).or_default().no_refresh_scope = Some(at);
            }
        }
    }

    /// The string literals of a list written in place (`vec!["a", "b"]`, `&["a"]`, `["a"]`,
    /// a `const` holding one); `None` when any element is not a literal.
    fn literal_list(&self, cx: &FnCx<'a>, e: &Expr, depth: usize) -> Option<Vec<String>> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(s) = e.as_str_lit() {
            return Some(vec![s.to_string()]);
        }
        let elems: &[Expr] = match e {
            Expr::Array { elems, .. } => elems,
            Expr::Unary { inner, .. } => return self.literal_list(cx, inner, depth + 1),
            Expr::Macro { path, kind, .. } if path.last().is_some_and(|m| m == "vec") => {
                match &**kind {
                    crate::ir::MacroKind::Exprs(elems) => elems,
                    _ => return None,
                }
            }
            Expr::Method {
                receiver, method, ..
            } if matches!(method.as_str(), "to_vec" | "into" | "to_owned") => {
                return self.literal_list(cx, receiver, depth + 1);
            }
            Expr::Path { segs, .. } => {
                let krate = self.krate(cx);
                let (_, c) = self.index.constant(krate, segs.last()?)?;
                return self.literal_list(cx, c.value.as_ref()?, depth + 1);
            }
            _ => return None,
        };
        let mut out = Vec::new();
        for x in elems {
            out.extend(self.literal_list(cx, x, depth + 1)?);
        }
        Some(out)
    }

    fn note_authorize(&mut self, cx: &FnCx<'a>, redirects: &BTreeMap<String, Loc>) {
        if !self.reporting() {
            return;
        }
        let krate = self.krate(cx);
        if redirects.is_empty() || !redirects_known(redirects) {
            self.tok.authorize_unknown.insert(krate);
            return;
        }
        let current = self.current;
        let list = self.tok.authorize.entry(krate).or_default();
        for (uri, loc) in redirects {
            if !list.iter().any(|(u, l, _)| u == uri && l == loc) {
                list.push((uri.clone(), *loc, current));
            }
        }
    }

    /// The redirect URI a value names: its literal, one it carries, or a parameter of `fid`
    /// (`PARAM_MARK`).
    fn redirect_of(&self, fid: FnId, v: &Val, at: Loc) -> BTreeMap<String, Loc> {
        if let Some(l) = &v.lit {
            return BTreeMap::from([(if is_uri(l) { l.clone() } else { String::new() }, at)]);
        }
        if let Some(t) = &v.tok
            && !t.redirects.is_empty()
        {
            return t.redirects.clone();
        }
        if let Some(inner) = v.fields.get("0") {
            return self.redirect_of(fid, inner, at);
        }
        if v.origins.len() == 1
            && let Some(&o) = v.origins.first()
            && let origin = &self.origins[o as usize]
            && let OriginKind::Param(f, i) = origin.kind
            && f == fid
            && origin.path.is_empty()
        {
            return BTreeMap::from([(format!("{PARAM_MARK}{i}"), at)]);
        }
        BTreeMap::from([(String::new(), at)])
    }

    /// The redirect URIs of a value a call of one of the project's functions returns: those
    /// that were the callee's parameters become the arguments' (`client("http://..")`).
    pub(super) fn param_redirects(&self, cx: &FnCx<'a>, out: &mut Val, args: &[Val], call: Span) {
        let Some(t) = out.tok.as_mut() else {
            return;
        };
        if !t.redirects.keys().any(|u| u.starts_with(PARAM_MARK)) {
            return;
        }
        let mut redirects = BTreeMap::new();
        // The URI a parameter brings in comes from the call.
        let call = Loc::new(cx.file, call);
        for (uri, at) in std::mem::take(&mut t.redirects) {
            let param = uri
                .strip_prefix(PARAM_MARK)
                .and_then(|i| i.parse::<usize>().ok());
            match param {
                Some(i) => match args.get(i) {
                    Some(arg) => redirects.extend(self.redirect_of(cx.fid, arg, call)),
                    None => {
                        redirects.insert(String::new(), at);
                    }
                },
                None => {
                    redirects.insert(uri, at);
                }
            }
        }
        t.redirects = redirects;
    }

    /// Whether a call's receiver chain asks who the user is: a user-info URL (literal or
    /// constant) or a call named for it.
    fn chain_signs_in(&self, cx: &FnCx<'a>, e: &Expr) -> bool {
        let mut cur = e;
        for _ in 0..MAX_CHAIN {
            match cur {
                Expr::Method {
                    receiver,
                    method,
                    args,
                    ..
                } => {
                    if self.signin_name(method) || args.iter().any(|a| self.signin_arg(cx, a)) {
                        return true;
                    }
                    cur = receiver;
                }
                Expr::Call { callee, args, .. } => {
                    if let Expr::Path { segs, .. } = &**callee
                        && segs.last().is_some_and(|s| self.signin_name(s))
                    {
                        return true;
                    }
                    return args.iter().any(|a| self.signin_arg(cx, a));
                }
                Expr::Await { inner, .. } | Expr::Try { inner, .. } | Expr::Unary { inner, .. } => {
                    cur = inner;
                }
                Expr::Field { base, .. } => cur = base,
                _ => return false,
            }
        }
        false
    }

    /// A call named for who the user is: its last word (`get_user`, `fetch_profile`,
    /// `claims`), or a first word that checks a token (`verify_id_token`). Other words do not
    /// count: `current_user_top_tracks` is an API call.
    fn signin_name(&self, name: &str) -> bool {
        let ws: Vec<String> = words(name).collect();
        ws.last()
            .is_some_and(|w| self.models.signin_words.contains(w))
            || ws
                .first()
                .is_some_and(|w| matches!(w.as_str(), "verify" | "decode" | "validate"))
    }

    /// A user-info URL: its path (without the query) ends with one of `signin_urls`
    /// (`api.github.com/user`, but not `/user/repos` or `/me/playlists`).
    fn signin_text(&self, text: &str) -> bool {
        let t = text.to_ascii_lowercase();
        let path = t
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_end_matches('/');
        self.models
            .signin_urls
            .iter()
            .any(|u| path.ends_with(u.as_str()))
    }

    fn signin_arg(&self, cx: &FnCx<'a>, e: &Expr) -> bool {
        match e {
            Expr::Str { value, .. } => self.signin_text(value),
            Expr::Path { segs, .. } => {
                let Some(last) = segs.last() else {
                    return false;
                };
                let krate = self.krate(cx);
                self.index
                    .constant(krate, last)
                    .and_then(|(_, c)| c.value.as_ref())
                    .and_then(Expr::as_str_lit)
                    .is_some_and(|t| self.signin_text(t))
                    || (last.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                        && words(last).any(|w| w == "userinfo" || w == "user" || w == "me"))
            }
            Expr::Macro { kind, .. } => match &**kind {
                crate::ir::MacroKind::Format { template, args } => {
                    template.as_deref().is_some_and(|t| self.signin_text(t))
                        || args.iter().any(|(_, a)| self.signin_arg(cx, a))
                }
                _ => false,
            },
            Expr::Unary { inner, .. } => self.signin_arg(cx, inner),
            _ => false,
        }
    }

    /// Whether a parameter may hold tokens, by its name or type (`token`, `access: &str`,
    /// `t: &StoredTokens`). Only those get summary facts: recording every parameter that
    /// reaches an `insert` made the facts spread through the whole call graph and doubled the
    /// analysis time. A response handed to another parameter is not followed (see
    /// `token_summaries`).
    fn param_tracked(&self, f: FnId, i: usize) -> bool {
        self.tracked
            .get(f.file as usize)
            .and_then(|fns| fns.get(f.idx as usize))
            .and_then(|params| params.get(i))
            .is_some_and(|&t| t)
    }

    /// Applies the token facts of the project's functions `cands` at a call.
    fn token_summaries(
        &mut self,
        cx: &mut FnCx<'a>,
        cands: &[FnId],
        all: &[Val],
        loc: Loc,
        name: &str,
    ) {
        let mut facts = BTreeSet::new();
        // A summary read here is an input of this function's analysis (`summarize`).
        self.reading.extend(cands.iter().copied());
        for c in cands {
            if let Some(s) = self.summaries.get(c) {
                facts.extend(s.tokens.iter().cloned());
            }
        }
        // A response given to a parameter that is not followed may be kept there.
        for (i, arg) in all.iter().enumerate() {
            if self.holds_response(arg, false) && !cands.iter().any(|&c| self.param_tracked(c, i)) {
                self.token_escape(arg, true);
            }
        }
        let how = format!("stored by `{name}`");
        for (i, field, kind) in facts {
            let Some(arg) = all.get(i) else { continue };
            let v = if field.is_empty() {
                arg.clone()
            } else {
                self.project(arg, &field)
            };
            self.token_use(cx, &v, kind, loc, &how);
        }
    }

    /// Whether a store rule applies to this call.
    #[expect(
        clippy::unused_self,
        reason = "a hook of the interpreter, called like the others"
    )]
    fn store_applies(
        &self,
        rule: &StoreRule,
        args: &[Expr],
        receiver: Option<&Expr>,
        recv: Option<&Val>,
    ) -> bool {
        if rule.shared_receiver && recv.is_some_and(|r| r.tok.as_ref().is_some_and(|t| t.fresh)) {
            return false;
        }
        if rule.sql {
            let mut text = args.iter().find_map(Expr::as_str_lit).map(str::to_string);
            let mut cur = receiver;
            let mut n = 0;
            while text.is_none()
                && n < MAX_CHAIN
                && let Some(e) = cur
            {
                n += 1;
                match e {
                    Expr::Method { receiver, args, .. } => {
                        text = args.iter().find_map(Expr::as_str_lit).map(str::to_string);
                        cur = Some(receiver);
                    }
                    Expr::Call { args, .. } => {
                        text = args.iter().find_map(Expr::as_str_lit).map(str::to_string);
                        cur = None;
                    }
                    Expr::Macro { kind, .. } => {
                        if let crate::ir::MacroKind::Exprs(es) = &**kind {
                            text = es.first().and_then(Expr::as_str_lit).map(str::to_string);
                        }
                        cur = None;
                    }
                    Expr::Await { inner, .. }
                    | Expr::Try { inner, .. }
                    | Expr::Unary { inner, .. } => {
                        cur = Some(inner);
                    }
                    _ => cur = None,
                }
            }
            return text.is_some_and(|t| sql_writes(&t));
        }
        true
    }

    /// After a path call.
    pub(super) fn token_call(
        &mut self,
        cx: &mut FnCx<'a>,
        callee: &'a Expr,
        args: &'a [Expr],
        argv: &[Val],
        v: &mut Val,
    ) {
        let Expr::Path { segs, span } = callee else {
            return;
        };
        self.restore_response(v);
        if !v.results.is_empty() && self.reporting() {
            self.note_scopes(argv.iter(), v);
        }
        let Some(last) = segs.last() else { return };
        let loc = Loc::new(cx.file, *span);
        if matches!(last.as_str(), "new" | "default" | "with_capacity")
            && segs.len() >= 2
            && CONTAINERS.contains(&segs[segs.len() - 2].as_str())
            && v.results.is_empty()
            && v.origins
                .iter()
                .all(|&o| self.origins[o as usize].kind == OriginKind::Unknown)
        {
            v.tok.get_or_insert_with(Box::default).fresh = true;
        }
        // `Url::parse_with_params(AUTH_URL, &[("redirect_uri", ..)])`.
        if argv
            .iter()
            .any(|a| a.tok.as_ref().is_some_and(|t| !t.redirects.is_empty()))
            && argv
                .iter()
                .any(|a| a.lit.as_deref().is_some_and(is_authorize_text))
        {
            let mut redirects = BTreeMap::new();
            for a in argv {
                if let Some(t) = &a.tok {
                    redirects.extend(t.redirects.clone());
                }
            }
            self.note_authorize(cx, &redirects);
        }
        let received = self.holds_response(v, false);
        let args_token = argv.iter().any(|a| self.holds_token(cx, a));
        let args_response = argv.iter().any(|a| self.holds_response(a, true));
        if !args_token && !received {
            return;
        }
        let path = self.index.expand(cx.file, &cx.def.module, segs);
        let cands = self.index.resolve_path(cx.fid, &path);
        let name = segs.join("::");
        if !cands.is_empty() {
            if received || args_response {
                self.token_received(cx, argv, v, loc);
                self.note_returned_to_caller(&cands, v);
            }
            if args_token {
                self.token_summaries(cx, &cands, argv, loc, &name);
                if self.signin_name(last) || args.iter().any(|a| self.signin_arg(cx, a)) {
                    for a in argv {
                        self.token_use(cx, a, Use::Signin, loc, "");
                    }
                }
            }
            return;
        }
        if !args_token {
            return;
        }
        let models = self.models;
        if let Some(rule) = find_fn(&models.store_functions, &path)
            && self.store_applies(rule, args, None, None)
        {
            let how = store_how(rule, &name);
            for a in argv {
                self.token_use(cx, a, Use::Store, loc, &how);
            }
            return;
        }
        if models
            .transparent_functions
            .iter()
            .any(|p| path_matches(&path, p))
            || last.chars().next().is_some_and(char::is_uppercase)
        {
            return;
        }
        self.unmodelled_call(cx, last, loc, None, argv, callee);
    }

    /// A call oauth-lint has no model of that receives token parts.
    fn unmodelled_call(
        &mut self,
        cx: &mut FnCx<'a>,
        name: &str,
        loc: Loc,
        recv: Option<&Val>,
        argv: &[Val],
        chain: &Expr,
    ) {
        if self.models.escape_methods.iter().any(|m| m == name) {
            // A channel: the other end is not followed.
            for a in argv {
                self.token_escape(a, true);
            }
            return;
        }
        if words(name).any(|w| self.models.store_words.contains(&w)) {
            let how = format!("kept by `{name}`");
            for a in argv.iter().chain(recv) {
                self.token_use(cx, a, Use::Store, loc, &how);
            }
            return;
        }
        if self.signin_name(name) || self.chain_signs_in(cx, chain) {
            for a in argv.iter().chain(recv) {
                self.token_use(cx, a, Use::Signin, loc, "");
            }
            return;
        }
        // A method of the application's state or of `self` (`app.finish(&state, access)`) may
        // keep what it is given: its fate is not known.
        let on_state = recv.is_some() && Self::on_state(cx, chain);
        for a in argv {
            if on_state || self.holds_response(a, true) {
                self.token_escape(a, on_state);
            }
        }
    }

    /// Whether a method's receiver is `self` or a parameter (or a field of one), not a chain
    /// of calls: the application's state, which may keep what its methods are given.
    fn on_state(cx: &FnCx<'a>, receiver: &Expr) -> bool {
        root_var(receiver).is_some_and(|r| {
            r == "self"
                || cx
                    .def
                    .params
                    .iter()
                    .any(|p| matches!(&p.pat, Pat::Bind { name, .. } if name == r))
        })
    }

    /// After a method call.
    #[allow(
        clippy::too_many_arguments,
        reason = "a method call has this many parts"
    )]
    pub(super) fn token_method(
        &mut self,
        cx: &mut FnCx<'a>,
        name_span: Span,
        receiver: &'a Expr,
        method: &str,
        args: &'a [Expr],
        recv: &Val,
        argv: &[Val],
        v: &mut Val,
        st: &mut State,
    ) {
        let models = self.models;
        let loc = Loc::new(cx.file, name_span);
        self.restore_response(v);
        // Accessors: `response.access_token()` is the response's access-token part.
        if let Some(part) = models.part_methods.get(method)
            && (self.holds_response(recv, false)
                || (!part.is_empty() && self.holds_tracked_param(cx, recv)))
        {
            *v = if part.is_empty() {
                recv.clone()
            } else {
                self.project(recv, part)
            };
            return;
        }
        // `refresh_token().map(RefreshToken::secret)`: a function path given to an adapter.
        if matches!(
            method,
            "map" | "and_then" | "map_or" | "map_or_else" | "filter_map"
        ) && args.iter().all(|a| !matches!(a, Expr::Closure { .. }))
            && self.holds_response(recv, false)
        {
            *v = recv.clone();
            return;
        }
        // Redirect URIs set on a client or a request.
        if let Some(&i) = models.redirect_methods.get(method)
            && let Some(arg) = argv.get(i)
        {
            let at = args.get(i).map_or(loc, |a| Loc::new(cx.file, a.span()));
            let redirects = self.redirect_of(cx.fid, arg, at);
            let tok = v.tok.get_or_insert_with(Box::default);
            tok.redirects = redirects;
            // `authorize_url(..).set_redirect_uri(..)`: the authorization side.
            if let Some(request) = tok.authorize_at.take() {
                let redirects = tok.redirects.clone();
                self.note_authorize(cx, &redirects);
                if self.reporting() {
                    self.tok.authorize_resolved.insert(request);
                }
            }
        }
        // `env::var("REDIRECT_URL").unwrap_or_else(|_| "http://..".into())`: a configuration
        // value's literal default, compared only with the same value's defaults.
        if matches!(method, "unwrap_or" | "unwrap_or_else")
            && let Some(default) = args.first().and_then(default_lit)
            && is_uri(default)
            && let Some(field) = config_value(receiver)
        {
            let at = Loc::new(cx.file, args[0].span());
            v.tok.get_or_insert_with(Box::default).redirects =
                BTreeMap::from([(default_uri(&field, default), at)]);
        }
        // Scopes set on a pending request: `with_scope(vec!["User.Read"])`.
        if let Some(rule) = models.refresh_scope_methods.get(method)
            && let Some(arg) = args.first()
        {
            let set = match self.literal_list(cx, arg, 0) {
                Some(list) if !list.iter().any(|s| s.split(' ').any(|w| w == rule.scope)) => {
                    Scopes::Missing(Loc::new(cx.file, arg.span()))
                }
                _ => Scopes::Open,
            };
            let before = recv.tok.as_ref().map_or(Scopes::Unset, |t| t.scopes);
            v.tok.get_or_insert_with(Box::default).scopes = before.then(set);
        }
        // A builder step keeps the scopes set before it.
        if v.pending.is_some()
            && let Some(t) = &recv.tok
            && t.scopes != Scopes::Unset
            && v.tok.as_ref().is_none_or(|x| x.scopes == Scopes::Unset)
            && !models.refresh_scope_methods.contains_key(method)
        {
            v.tok.get_or_insert_with(Box::default).scopes = t.scopes;
        }
        if v.pending.is_some()
            && recv.pending.is_none()
            && let Some(t) = &recv.tok
            && !t.is_empty()
            && v.tok.is_none()
        {
            v.tok = Some(Box::new(TokVal {
                redirects: t.redirects.clone(),
                fresh: false,
                scopes: t.scopes,
                authorize_at: None,
            }));
        }
        if models.authorize_methods.iter().any(|m| m == method) {
            let redirects = recv
                .tok
                .as_ref()
                .map(|t| t.redirects.clone())
                .unwrap_or_default();
            if redirects.is_empty() {
                // The redirect URI may be set on the request (`.set_redirect_uri(..)`).
                if self.reporting() {
                    let krate = self.krate(cx);
                    self.tok.authorize_pending.insert(loc, krate);
                }
                v.tok.get_or_insert_with(Box::default).authorize_at = Some(loc);
            } else {
                self.note_authorize(cx, &redirects);
            }
        }
        if let Some(rule) = models.http_body_methods.get(method)
            && let Some(t) = argv.get(rule.body_arg).and_then(|a| a.tok.as_ref())
            && !t.redirects.is_empty()
        {
            let redirects = t.redirects.clone();
            let tok = v.tok.get_or_insert_with(Box::default);
            tok.redirects.extend(redirects);
        }
        if !v.results.is_empty() && self.reporting() {
            self.note_scopes(std::iter::once(recv).chain(argv), v);
            let mut redirects = BTreeMap::new();
            for t in std::iter::once(recv)
                .chain(argv)
                .filter_map(|x| x.tok.as_ref())
            {
                redirects.extend(t.redirects.clone());
            }
            if !redirects.is_empty() {
                for &site in &v.results {
                    self.tok
                        .exchange
                        .entry(site)
                        .or_default()
                        .extend(redirects.clone());
                }
            }
        }
        // Libraries that keep the tokens themselves.
        if !v.results.is_empty()
            && let Some(rule) = models.response_methods.get(method)
        {
            self.library_keeps(cx, rule.keeps.as_str(), receiver, v, st);
            // The call gives back one part: yup-oauth2's `auth.token(..)` is the access token.
            if let Some(part) = &rule.part {
                *v = self.project(v, part);
            }
        }
        let recv_token = self.holds_token(cx, recv);
        let args_token = argv.iter().any(|a| self.holds_token(cx, a));
        let received = v.pending.is_none() && self.holds_response(v, false);
        if !recv_token && !args_token && !received {
            return;
        }
        let cands = self.index.resolve_method(cx.fid, method, args.len());
        if !cands.is_empty()
            && (received
                || self.holds_response(recv, true)
                || argv.iter().any(|a| self.holds_response(a, true)))
        {
            let mut all = Vec::with_capacity(argv.len() + 1);
            all.push(recv.clone());
            all.extend(argv.iter().cloned());
            self.token_received(cx, &all, v, loc);
            self.note_returned_to_caller(&cands, v);
        }
        if !recv_token && !args_token {
            return;
        }
        if !cands.is_empty() {
            let mut all = Vec::with_capacity(argv.len() + 1);
            all.push(recv.clone());
            all.extend(argv.iter().cloned());
            self.token_summaries(cx, &cands, &all, loc, method);
            if self.signin_name(method) || args.iter().any(|a| self.signin_arg(cx, a)) {
                for a in argv {
                    self.token_use(cx, a, Use::Signin, loc, "");
                }
            }
            return;
        }
        if let Some(rules) = models.store_methods.get(method) {
            let rule = rules
                .iter()
                .find(|r| self.store_applies(r, args, Some(receiver), Some(recv)));
            if let Some(rule) = rule {
                let how = store_how(rule, method);
                // `model.insert(&db)`: the receiver is what is stored.
                let args_response = argv.iter().any(|a| self.holds_response(a, false));
                if rule.stores_receiver || !args_response {
                    self.token_use(cx, recv, Use::Store, loc, &how);
                }
                for a in argv {
                    self.token_use(cx, a, Use::Store, loc, &how);
                }
                return;
            }
        }
        if !args_token {
            // `id_token.claims(&verifier, &nonce)`: verifying who signed in.
            if self.signin_name(method) {
                self.token_use(cx, recv, Use::Signin, loc, "");
            }
            return;
        }
        if models.transparent_methods.contains_key(method) {
            // `.bearer_auth(access)`, `.header(AUTHORIZATION, ..)`: used for this request.
            if self.chain_signs_in(cx, receiver) {
                for a in argv {
                    self.token_use(cx, a, Use::Signin, loc, "");
                }
            } else if Self::on_state(cx, receiver) {
                for a in argv {
                    self.token_escape(a, true);
                }
            }
            return;
        }
        let fresh = recv.tok.as_ref().is_some_and(|t| t.fresh);
        if fresh
            && !CONTAINER_WRITES.contains(&method)
            && !words(method).any(|w| self.models.store_words.contains(&w))
        {
            return;
        }
        if fresh {
            // Writing a response into a container made here: it holds the token from now on.
            if argv.iter().any(|a| self.holds_response(a, false))
                && let Some(var) = root_var(receiver)
                && let Some(target) = st.env.get_mut(var)
            {
                let mut item = Val::default();
                for a in argv {
                    item.join_with(a);
                }
                item.truncate(1);
                target.fields.insert("item".to_string(), item);
            }
            return;
        }
        // `app.sessions.start(..)`, `state.token_cache.put(..)`: the receiver is a store.
        let recv_name = match receiver {
            Expr::Field { name, .. } => Some(name.as_str()),
            Expr::Path { segs, .. } => segs.last().map(String::as_str),
            _ => None,
        };
        if let Some(n) = recv_name
            && words(n).any(|w| self.models.store_words.contains(&w))
        {
            let how = format!("kept by `{n}.{method}`");
            for a in argv {
                self.token_use(cx, a, Use::Store, loc, &how);
            }
            return;
        }
        self.unmodelled_call(cx, method, loc, Some(recv), argv, receiver);
    }

    fn library_keeps(
        &mut self,
        cx: &FnCx<'a>,
        keeps: &str,
        receiver: &Expr,
        v: &Val,
        st: &mut State,
    ) {
        // Whole responses only: a part (the project's own method of the same name returning
        // just the access token) is not what the library keeps.
        let responses: Vec<u32> = v
            .origins
            .iter()
            .copied()
            .filter(|&o| {
                let origin = &self.origins[o as usize];
                origin.kind == OriginKind::Response && origin.path.is_empty()
            })
            .collect();
        // A token cache configured in this function keeps them whatever becomes of the client;
        // a client made by another function (`init_spotify(jar)`) may have one configured there:
        // only a client constructed here (`AuthCodeSpotify::new(..)`) is judged.
        let local = root_var(receiver)
            .filter(|n| !self.shared_root(cx, st, n))
            .filter(|_| !self.tok.cache_configured.contains(&cx.fid))
            .filter(|n| bound_by(&cx.def.body, n, 0, &is_construction));
        if keeps == "receiver"
            && let Some(var) = local
            && let Some(target) = st.env.get_mut(var)
        {
            // The client holds the tokens now: it is kept when it is.
            let mut held = Val::default();
            held.origins.extend(responses);
            target.fields.insert("token".to_string(), held);
            return;
        }
        if self.reporting() {
            for o in responses {
                let label = self.origins[o as usize].label;
                self.tok.facts.entry(label).or_default().library_keeps = true;
            }
        }
    }

    /// `sqlx::query!("INSERT ..", a, token)`.
    pub(super) fn token_macro(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        path: &[String],
        es: &[Expr],
        vals: &[Val],
    ) {
        let name = path.join("::");
        let models = self.models;
        let Some(rules) = models
            .store_macros
            .get(&name)
            .or_else(|| path.last().and_then(|l| models.store_macros.get(l)))
        else {
            return;
        };
        if !vals.iter().any(|a| self.holds_token(cx, a)) {
            return;
        }
        let Some(rule) = rules.iter().find(|r| self.store_applies(r, es, None, None)) else {
            return;
        };
        let how = store_how(rule, &name);
        let loc = Loc::new(cx.file, span);
        for a in vals {
            self.token_use(cx, a, Use::Store, loc, &how);
        }
    }

    /// A response shown in a panic message (`other => panic!("unexpected: {other:?}")`): a test
    /// that asserts on the outcome, where no token is meant to be kept.
    pub(super) fn token_in_panic(&mut self, v: &Val) {
        if self.holds_response(v, false) {
            self.token_escape(v, true);
        }
    }

    /// A form pair `("redirect_uri", uri)` carries the URI.
    #[expect(
        clippy::unused_self,
        reason = "a hook of the interpreter, called like the others"
    )]
    pub(super) fn token_pair(&mut self, cx: &FnCx<'a>, elems: &[Expr], vals: &[Val], v: &mut Val) {
        if let [k, value] = vals
            && k.lit.as_deref() == Some("redirect_uri")
        {
            let uri = value.lit.clone().filter(|l| is_uri(l)).unwrap_or_default();
            let at = elems.get(1).map_or(Span::default(), Expr::span);
            let tok = v.tok.get_or_insert_with(Box::default);
            tok.redirects.insert(uri, Loc::new(cx.file, at));
        }
    }

    /// A struct or `json!` field `redirect_uri: ".."` carries the URI; a token-cache field
    /// (`token_cached`) marks the function as configuring a library's cache.
    pub(super) fn token_field(
        &mut self,
        cx: &FnCx<'a>,
        name: &str,
        at: Span,
        fv: &Val,
        v: &mut Val,
    ) {
        // The field's value is not read (the lowering keeps no boolean literals): setting it
        // at all is taken as turning the cache on, its default being off.
        if self.models.cache_fields.iter().any(|f| f == name) {
            self.tok.cache_configured.insert(cx.fid);
        }
        if name != "redirect_uri" {
            return;
        }
        let uri = fv.lit.clone().filter(|l| is_uri(l)).unwrap_or_default();
        let tok = v.tok.get_or_insert_with(Box::default);
        tok.redirects.insert(uri, Loc::new(cx.file, at));
    }

    /// Gives every exchange site its token fact, if any.
    pub(super) fn attach_token_facts(&mut self) {
        let facts = std::mem::take(&mut self.tok.facts);
        let to_caller = std::mem::take(&mut self.tok.returned_to_caller);
        for (anchor, mut fact) in facts {
            if fact.function.is_none() {
                continue;
            }
            fact.returned
                .retain(|k| k.part != TokenPart::Whole || !to_caller.contains(&k.loc));
            if let Some(&id) = self.site_ids.get(&anchor)
                && let Some(site) = self.sites.get_mut(id as usize)
            {
                site.token = Some(fact);
            }
        }
    }

    /// Gives every exchange site of this part its redirect mismatch, if any, against the
    /// authorization URLs of every part (`redirect_mismatches`).
    fn attach_redirect_mismatches(
        &mut self,
        authorize_all: &BTreeMap<u32, Vec<(String, Loc)>>,
        authorize_unknown: &BTreeSet<u32>,
    ) {
        let exchange = std::mem::take(&mut self.tok.exchange);
        for (site, redirects) in exchange {
            let Some(fact) = self.sites.get(site as usize) else {
                continue;
            };
            if !redirects_known(&redirects) {
                continue;
            }
            let krate = self.index.files[fact.file as usize].crate_id;
            if authorize_unknown.contains(&krate) {
                continue;
            }
            let Some(authorize) = authorize_all.get(&krate) else {
                continue;
            };
            if authorize.iter().any(|(u, _)| redirects.contains_key(u)) {
                continue;
            }
            // A configuration value's default is comparable only with a default of the same
            // value: the value may be set to anything else.
            let comparable = redirects.keys().all(|e| {
                authorize
                    .iter()
                    .all(|(a, _)| split_default(e).map(|d| d.0) == split_default(a).map(|d| d.0))
            });
            if !comparable {
                continue;
            }
            let Some((uri, at)) = redirects.into_iter().next() else {
                continue;
            };
            let default_of = split_default(&uri).map(|(field, _)| field.to_string());
            let shown = |u: &str| split_default(u).map_or(u, |(_, d)| d).to_string();
            let mut seen = BTreeSet::new();
            let authorize: Vec<(String, Loc)> = authorize
                .iter()
                .filter(|(u, _)| seen.insert(u.clone()))
                .take(3)
                .map(|(u, l)| (shown(u), *l))
                .collect();
            if let Some(fact) = self.sites.get_mut(site as usize) {
                fact.redirect_mismatch = Some(RedirectMismatch {
                    exchange_uri: shown(&uri),
                    exchange_at: at,
                    authorize,
                    default_of,
                });
            }
        }
    }
}

/// Compares each exchange's redirect URI with the authorization URLs of its crate, over every
/// part: a project builds the authorization URL in one function and exchanges the code in
/// another that need not call it. Each crate's URLs are taken in the order one interpreter
/// over every function would have found them (by the function whose analysis found each).
pub(super) fn redirect_mismatches(engines: &mut [Engine<'_>]) {
    let mut found: BTreeMap<u32, Vec<(String, Loc, FnId)>> = BTreeMap::new();
    let mut unknown: BTreeSet<u32> = BTreeSet::new();
    let mut pending: BTreeMap<Loc, u32> = BTreeMap::new();
    let mut resolved: BTreeSet<Loc> = BTreeSet::new();
    for e in engines.iter_mut() {
        for (krate, list) in std::mem::take(&mut e.tok.authorize) {
            found.entry(krate).or_default().extend(list);
        }
        unknown.extend(std::mem::take(&mut e.tok.authorize_unknown));
        pending.extend(std::mem::take(&mut e.tok.authorize_pending));
        resolved.extend(std::mem::take(&mut e.tok.authorize_resolved));
    }
    unknown.extend(
        pending
            .into_iter()
            .filter(|(at, _)| !resolved.contains(at))
            .map(|(_, krate)| krate),
    );
    let authorize: BTreeMap<u32, Vec<(String, Loc)>> = found
        .into_iter()
        .map(|(krate, mut list)| {
            // Stable: the parts' own order stays within one function.
            list.sort_by_key(|(_, _, f)| *f);
            let mut urls: Vec<(String, Loc)> = Vec::new();
            for (uri, loc, _) in list {
                if !urls.iter().any(|(u, l)| *u == uri && *l == loc) {
                    urls.push((uri, loc));
                }
            }
            (krate, urls)
        })
        .collect();
    for e in engines {
        e.attach_redirect_mismatches(&authorize, &unknown);
    }
}

fn store_how(rule: &StoreRule, name: &str) -> String {
    if rule.label.is_empty() {
        format!("stored by `{name}`")
    } else {
        format!("stored in {} by `{name}`", rule.label)
    }
}

/// Whether `hay` contains the lowercase ASCII `needle`, ignoring ASCII case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Words of a parameter's name or type that say it may hold tokens.
const TOKEN_WORDS: &[&str] = &[
    "token",
    "access",
    "refresh",
    "secret",
    "credential",
    "oauth",
    "bearer",
    "grant",
    "auth",
];

/// Methods that put what they are given into a container (`tokens.push(token)`).
const CONTAINER_WRITES: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "extend",
    "append",
    "insert",
];

/// Types whose `new()` is an empty container made in the function.
const CONTAINERS: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "HashSet",
    "BTreeSet",
    "Vec",
    "VecDeque",
    "HeaderMap",
    "String",
    "IndexMap",
    "Map",
    "Form",
    "Params",
    "Serializer",
];

/// Whether SQL text writes a row.
fn sql_writes(text: &str) -> bool {
    let upper = text.trim_start().to_ascii_uppercase();
    ["INSERT", "UPDATE", "REPLACE", "UPSERT", "MERGE"]
        .iter()
        .any(|w| upper.starts_with(w))
}
