//! Code-value dataflow: an abstract interpreter over the flow representation.
//!
//! Each function body is walked once per round, path-sensitively: the state holds, for every
//! variable, an abstract value (where it came from, its known fields, whether it is a pending
//! token request, an HTTP request with a code-bearing body, an exchange result, a closure), and
//! the exchanges already done on this path with what is known of their outcome. Branches fork
//! the state and join it; `break`, `continue`, `return` and `?` route it to the right place.
//! Loops and retried closures are repeat contexts: an exchange that can reach a loop's back edge
//! with a code defined outside the loop, or that runs inside a retried closure, is a retry.
//!
//! Function summaries (which parameters reach an exchange, what the function returns, which
//! closure parameters it runs repeatedly) are recomputed in rounds until nothing changes, so a
//! project's own `fn redeem(code: &str)` is an exchange for its callers and its own retry helper
//! a retry API. Rounds are capped, so recursion and cycles terminate.
//!
//! Functions that cannot reach each other's summaries are analysed by separate interpreters in
//! parallel (`Analysis`, `partition`), with the facts one interpreter would give.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use rayon::prelude::*;

// Token responses and redirect URIs: hooks called from this interpreter, kept apart.
#[path = "tokens.rs"]
mod tokens;

use crate::facts::{
    CallbackFact, ExchangeFact, GuardFact, HandlerKind, Loc, PersistentFact, RetryFact, RetryKind,
    SourceKind,
};
use crate::index::{FnId, Index};
use crate::ir::{
    BinOp, Block, Expr, FileId, FnDef, JsonValue, LoopKind, MacroKind, Pat, Span, Stmt, UnOp,
};
use crate::models::{GuardRule, Models, find_fn, path_matches};

const MAX_ROUNDS: usize = 12;
const MAX_FIELD_DEPTH: usize = 3;
const MAX_CLOSURE_NESTING: usize = 12;
const MAX_EVAL_DEPTH: u32 = 400;
/// Values keep known fields this many levels deep; deeper ones fall back to origins. This keeps
/// the domain finite, so summaries converge (a method that stores into `self` and returns it,
/// called on its own result, would otherwise nest without end).
const MAX_VAL_DEPTH: usize = 3;
/// A function's returned value keeps one level of known fields (a returned struct's fields,
/// a getter's projection); deeper structure is folded into origins. Recursive builders (a
/// lowerer returning nested enum values) would otherwise carry large values through every
/// call.
const MAX_SUMMARY_DEPTH: usize = 1;
/// Expression evaluations per function and round. Past it the rest of the function is not
/// followed: deterministic, unlike a time limit, and it bounds pathological generated code.
const MAX_STEPS: u32 = 200_000;
/// Origins one value keeps. A value that may come from more places than this is not one code
/// that matters; the bound keeps joins cheap and the domain finite.
const MAX_ORIGINS: usize = 24;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum OriginKind {
    Param(FnId, usize),
    Request,
    Stdin,
    Env,
    Literal,
    Const,
    Cli,
    File,
    Config,
    /// A value produced by a call or expression we know nothing about.
    Unknown,
    /// The element bound by a `for` loop or `while let`: a new value each iteration.
    LoopItem,
    /// The counter of `for i in a..b`.
    Counter,
    /// The token response of the exchange at `label`; `path` names the part.
    Response,
}

/// Where a value comes from. `at` is its identity (two values with the same origin hold the same
/// code) and what freshness is judged by; `label` is where a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Origin {
    kind: OriginKind,
    at: Loc,
    label: Loc,
    path: Vec<String>,
    name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Body {
    code: Option<Box<Val>>,
    grant_auth_code: bool,
    grant_other: bool,
    token_url: bool,
}

impl Body {
    fn merge(&mut self, other: &Body) {
        match (&mut self.code, &other.code) {
            (Some(a), Some(b)) => a.join_with(b),
            (None, Some(b)) => self.code = Some(b.clone()),
            _ => {}
        }
        self.grant_auth_code |= other.grant_auth_code;
        self.grant_other |= other.grant_other;
        self.token_url |= other.token_url;
    }

    fn carries_code(&self) -> bool {
        self.code.is_some() && (self.grant_auth_code || self.token_url) && !self.grant_other
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Pending {
    kind: String,
    code: Option<Box<Val>>,
    anchor: Loc,
    /// Origins of the client and the other arguments the request was built with.
    context: BTreeSet<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Http {
    body: Body,
    /// Where the code-bearing body or URL was attached.
    anchor: Option<Loc>,
    /// Origins of the client and URL the request was started with.
    context: BTreeSet<u32>,
}

/// An abstract value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Val {
    origins: BTreeSet<u32>,
    fields: BTreeMap<String, Val>,
    pending: Option<Box<Pending>>,
    http: Option<Box<Http>>,
    body: Option<Box<Body>>,
    /// Exchange sites whose result this value is.
    results: BTreeSet<u32>,
    /// `is_err()`/`is_ok()` of exchange results: (sites, true when the test means failure).
    test: Option<(BTreeSet<u32>, bool)>,
    closure: Option<u32>,
    retrying: Option<Loc>,
    lit: Option<String>,
    path_tail: Option<String>,
    /// A guard that counts only if this value decides a condition (`set.insert(k)`'s `bool`).
    guard: Option<u32>,
    /// Redirect URIs and container freshness (`tokens`).
    tok: Option<Box<tokens::TokVal>>,
}

impl Val {
    fn join_with(&mut self, other: &Val) {
        self.origins.extend(other.origins.iter().copied());
        while self.origins.len() > MAX_ORIGINS {
            self.origins.pop_last();
        }
        for (k, v) in &other.fields {
            match self.fields.get_mut(k) {
                Some(mine) => mine.join_with(v),
                None => {
                    self.fields.insert(k.clone(), v.clone());
                }
            }
        }
        if self.pending.is_none() {
            self.pending.clone_from(&other.pending);
        }
        match (&mut self.http, &other.http) {
            (Some(a), Some(b)) => {
                a.body.merge(&b.body);
                if a.anchor.is_none() {
                    a.anchor = b.anchor;
                }
            }
            (None, Some(b)) => self.http = Some(b.clone()),
            _ => {}
        }
        match (&mut self.body, &other.body) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.body = Some(b.clone()),
            _ => {}
        }
        self.results.extend(other.results.iter().copied());
        if self.test.is_none() {
            self.test.clone_from(&other.test);
        }
        if self.closure.is_none() {
            self.closure = other.closure;
        }
        if self.retrying.is_none() {
            self.retrying = other.retrying;
        }
        if self.lit != other.lit {
            self.lit = None;
        }
        if self.path_tail != other.path_tail {
            self.path_tail = None;
        }
        if self.guard.is_none() {
            self.guard = other.guard;
        }
        tokens::join_tok(&mut self.tok, other.tok.as_deref());
    }

    /// Drops known fields below `depth` levels (their origins stay).
    fn truncate(&mut self, depth: usize) {
        if depth == 0 {
            let fields = std::mem::take(&mut self.fields);
            for (_, f) in fields {
                self.origins.extend(f.origins);
            }
        } else {
            for f in self.fields.values_mut() {
                f.truncate(depth - 1);
            }
        }
        for code in [
            self.pending.as_mut().and_then(|p| p.code.as_mut()),
            self.http.as_mut().and_then(|h| h.body.code.as_mut()),
            self.body.as_mut().and_then(|b| b.code.as_mut()),
        ]
        .into_iter()
        .flatten()
        {
            code.truncate(depth.saturating_sub(1));
        }
    }

    /// The join of several values; a literal survives when it is the only value.
    fn join_all<'v>(vals: impl IntoIterator<Item = &'v Val>) -> Val {
        let mut iter = vals.into_iter();
        let Some(first) = iter.next() else {
            return Val::default();
        };
        let mut out = first.clone();
        for v in iter {
            out.join_with(v);
        }
        out
    }

    fn joined(mut self, other: &Val) -> Val {
        self.join_with(other);
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Unknown,
    Ok,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Done {
    origins: BTreeSet<u32>,
    status: Status,
    anchor: Loc,
    /// Variables assigned on this path after the exchange (a state machine moving on).
    assigned_after: BTreeSet<String>,
    /// A call of a closure parameter rather than an exchange.
    invoked_param: Option<usize>,
    /// Origins of the client and other arguments of the exchange: an exchange made with a
    /// loop's item (`for p in providers { p.client.exchange_code(..) }`) is per-item work.
    context: BTreeSet<u32>,
    /// The boolean variables known when it was done (`State::bools`): on a path where one of
    /// them has the other value, it was not done.
    when: BTreeMap<String, bool>,
}

#[derive(Clone, Debug, Default)]
struct State {
    alive: bool,
    env: BTreeMap<String, Val>,
    done: BTreeMap<u32, Done>,
    dpop: bool,
    /// Guards passed on every path to here.
    guards: BTreeSet<u32>,
    /// Keys read by a check (`contains_key(k)`, `get(k)`) on some path to here: a later write
    /// of the same key is check-then-act.
    checked_keys: BTreeSet<String>,
    /// Keys (`key_sigs`) read by a check before any exchange on some path to here: an
    /// `after_check` write of one after the exchange is a guard written after it (a "used"
    /// marker, the session's pending flow replaced by the signed-in one).
    checked_early: BTreeSet<String>,
    /// Whether the callback's `state` was compared or looked up on every path to here.
    csrf_checked: bool,
    /// Boolean variables whose value a condition decided on every path to here (`if pkce`),
    /// until they are assigned or bound again: `if pkce { A } if !pkce { B }` never runs both.
    bools: BTreeMap<String, bool>,
}

impl State {
    fn new() -> Self {
        State {
            alive: true,
            ..State::default()
        }
    }

    fn dead() -> Self {
        State::default()
    }

    fn join(a: State, b: State) -> State {
        if !a.alive {
            return b;
        }
        if !b.alive {
            return a;
        }
        let mut out = a;
        for (k, v) in b.env {
            match out.env.get_mut(&k) {
                Some(mine) => mine.join_with(&v),
                None => {
                    out.env.insert(k, v);
                }
            }
        }
        for (k, d) in b.done {
            match out.done.get_mut(&k) {
                Some(mine) => {
                    if mine.status != d.status {
                        mine.status = Status::Unknown;
                    }
                    mine.origins.extend(d.origins);
                    mine.assigned_after.extend(d.assigned_after);
                    mine.context.extend(d.context);
                    mine.when.retain(|k, v| d.when.get(k) == Some(v));
                }
                None => {
                    out.done.insert(k, d);
                }
            }
        }
        out.dpop |= b.dpop;
        out.guards = out.guards.intersection(&b.guards).copied().collect();
        out.checked_keys.extend(b.checked_keys);
        out.checked_early.extend(b.checked_early);
        out.csrf_checked &= b.csrf_checked;
        out.bools.retain(|k, v| b.bools.get(k) == Some(v));
        out
    }

    /// On this path, boolean variable `name` is `value`: exchanges done only when it was not
    /// were not done here.
    fn assume(&mut self, name: &str, value: bool) {
        self.bools.insert(name.to_string(), value);
        self.done.retain(|_, d| d.when.get(name) != Some(&!value));
    }

    /// `name` gets a new value: what conditions said of it no longer holds.
    fn forget(&mut self, name: &str) {
        if self.bools.remove(name).is_some() {
            for d in self.done.values_mut() {
                d.when.remove(name);
            }
        }
    }

    fn set_status(&mut self, sites: &BTreeSet<u32>, status: Status) {
        for s in sites {
            if let Some(d) = self.done.get_mut(s) {
                d.status = status;
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Summary {
    /// Parameters (and field paths inside them) that reach an exchange.
    exchange_params: BTreeSet<(usize, Vec<String>)>,
    /// Closure parameters run repeatedly.
    repeats: BTreeSet<usize>,
    returns: Val,
    /// Guards on every path to every exchange of a parameter (None: no such exchange).
    pre_guards: Option<BTreeSet<u32>>,
    /// Guards written after an exchange on some path.
    post_guards: BTreeSet<u32>,
    /// Guards on every path that returns normally.
    exit_guards: BTreeSet<u32>,
    /// Parameters (and field paths) compared or looked up: where a caller's `state` is verified.
    checks: BTreeSet<(usize, Vec<String>)>,
    /// Parameters (and one field or part of them) stored or used to sign in (`tokens`).
    tokens: BTreeSet<(usize, String, tokens::Use)>,
    /// It stores (part of) a token response: a caller of a wrapper that exchanges its code and
    /// returns the response it also stored holds a response that is kept already.
    pub(crate) stores_response: bool,
}

impl Summary {
    /// This round's summary joined with the last round's for the may-facts (returned values,
    /// exchanged, repeated and checked parameters, guards written after an exchange), so they
    /// only grow from round to round and the rounds reach a fixed point even through mutual
    /// recursion. The must-facts (guards before an exchange and at exit) are this round's.
    fn widened(mut self, old: &Summary) -> Summary {
        self.exchange_params
            .extend(old.exchange_params.iter().cloned());
        self.repeats.extend(old.repeats.iter().copied());
        self.post_guards.extend(old.post_guards.iter().copied());
        self.checks.extend(old.checks.iter().cloned());
        self.tokens.extend(old.tokens.iter().cloned());
        self.stores_response |= old.stores_response;
        let mut returns = old.returns.clone();
        returns.join_with(&self.returns);
        returns.truncate(MAX_SUMMARY_DEPTH);
        self.returns = returns;
        self
    }
}

enum CtxKind {
    Loop {
        label: Option<String>,
        back: State,
        breaks: State,
        break_val: Val,
        dispatch: BTreeSet<String>,
    },
    /// A closure run repeatedly by a retry API or retry helper.
    Retried { kind: RetryKind, detail: String },
    /// A closure or async block boundary: `return` and `?` end here.
    Boundary { returns: State, ret_val: Val },
}

struct Ctx {
    span: Span,
    label: Loc,
    kind: CtxKind,
}

/// Engine state that the reporting round reads or writes differently from the summary
/// rounds: whether this is the reporting round, the exchange sites and the token tables. Every
/// access marks it, so `summarize` learns which analyses never reached it (`Engine::report`).
#[derive(Debug, Default)]
struct Watched<T> {
    value: T,
    touched: Cell<bool>,
}

impl<T> Watched<T> {
    fn new(value: T) -> Self {
        Watched {
            value,
            touched: Cell::new(false),
        }
    }

    /// Whether it was accessed since the last call.
    fn take_touched(&self) -> bool {
        self.touched.replace(false)
    }
}

impl<T> Deref for Watched<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.touched.set(true);
        &self.value
    }
}

impl<T> DerefMut for Watched<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.touched.set(true);
        &mut self.value
    }
}

/// The multiply-rotate hash of rustc's `FxHasher`: interning origins hashes short keys many
/// times, where SipHash (the standard one) costs more than the ordered map it replaced. Not
/// resistant to chosen collisions, which only cost time here, never change a result.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The analysis of a set of files: one interpreter per part (`partition`), the parts run in
/// parallel on the caller's rayon pool. Its facts are those of one interpreter over every
/// function (`split: false`), in the same order.
pub(crate) struct Analysis<'a> {
    engines: Vec<Engine<'a>>,
}

impl<'a> Analysis<'a> {
    pub(crate) fn new(
        index: &'a Index<'a>,
        models: &'a Models,
        shared: &'a Shared,
        split: bool,
    ) -> Self {
        let fns = index.all_fns();
        let parts = if split {
            crate::partition::parts(index, &fns)
        } else {
            vec![fns]
        };
        Analysis {
            engines: parts
                .into_iter()
                .map(|p| Engine::new(index, models, shared, p))
                .collect(),
        }
    }

    /// Every part's summaries to a fixed point (`Engine::summarize`).
    pub(crate) fn summarize(&mut self) {
        self.engines.par_iter_mut().for_each(Engine::summarize);
    }

    /// Functions whose summary can create an exchange site in their callers, in `FnId` order
    /// (`Engine::exporters`).
    pub(crate) fn exporters(&self) -> Vec<FnId> {
        let mut out: Vec<FnId> = self.engines.iter().flat_map(Engine::exporters).collect();
        out.sort_unstable();
        out
    }

    /// The reporting round of every part, then what is judged across parts (redirect URIs
    /// per crate): the exchange facts with findings, in the order one interpreter creates them
    /// (by the function whose analysis created each, then within that analysis).
    pub(crate) fn report(mut self) -> Vec<ExchangeFact> {
        self.engines.par_iter_mut().for_each(Engine::report);
        tokens::redirect_mismatches(&mut self.engines);
        // Each part is taken apart (and freed) on the pool.
        let mut facts: Vec<(FnId, usize, ExchangeFact)> = self
            .engines
            .into_par_iter()
            .flat_map_iter(|e| {
                let sites = e.sites.value.into_iter().zip(e.site_fns).enumerate();
                sites
                    .filter(|(_, (fact, _))| fact.has_findings())
                    .map(|(i, (fact, f))| (f, i, fact))
                    .collect::<Vec<_>>()
            })
            .collect();
        facts.sort_by_key(|(f, i, _)| (*f, *i));
        facts.into_iter().map(|(_, _, fact)| fact).collect()
    }
}

/// One interpreter: everything it shares across the functions of its part.
pub(crate) struct Engine<'a> {
    index: &'a Index<'a>,
    /// The functions this interpreter analyses (a part: `partition`), in `FnId` order.
    fns: Vec<FnId>,
    /// The function under analysis.
    current: FnId,
    /// The function whose analysis created each site (as `sites`), which orders the sites of
    /// all parts as one interpreter would have created them.
    site_fns: Vec<FnId>,
    models: &'a Models,
    origins: Vec<Origin>,
    /// The last origin interned with each hash: only looked up, never iterated, so a hash map
    /// (ids are given in the order of `origins`). Keyed by the hash alone, so that an origin is
    /// stored once, in `origins`.
    origin_ids: HashMap<u64, u32, BuildHasherDefault<FxHasher>>,
    /// For each origin, the one interned before it with the same hash (`u32::MAX`: none).
    origin_chain: Vec<u32>,
    /// The closures of each function's body by id, collected once.
    closure_maps: BTreeMap<FnId, Arc<ClosureMap<'a>>>,
    summaries: BTreeMap<FnId, Summary>,
    sites: Watched<Vec<ExchangeFact>>,
    site_ids: Watched<BTreeMap<Loc, u32>>,
    /// Whether this is the reporting round: read through `reporting()`.
    reporting: Watched<bool>,
    /// Request parameters of callback handlers.
    handler_params: &'a BTreeMap<FnId, BTreeSet<usize>>,
    guards: Vec<GuardFact>,
    guard_ids: BTreeMap<GuardFact, u32>,
    /// Where calls looked a record up by the callback's `state` (an unknown call given it,
    /// `find_by_state(&state)`, `query(..).bind(&cb.state)`, or a call on such a record): values
    /// of these `Unknown` origins are the pending flow's record.
    flow_records: HashSet<Loc, BuildHasherDefault<FxHasher>>,
    /// The functions whose summaries the analysis under way has looked up.
    reading: BTreeSet<FnId>,
    /// What the reporting round learns about token responses and redirect URIs.
    tok: Watched<tokens::Tables>,
    /// The functions whose reporting analysis can be skipped (`summarize`).
    quiet: BTreeSet<FnId>,
    /// Which parameters may hold tokens (`tokens::tracked_params`).
    tracked: &'a [Vec<Box<[bool]>>],
    /// Struct fields that hold a retrying client (`clients`).
    retrying_fields: &'a crate::clients::RetryingFields,
}

/// What every part's interpreter reads, computed once.
pub(crate) struct Shared {
    handler_params: BTreeMap<FnId, BTreeSet<usize>>,
    tracked: Vec<Vec<Box<[bool]>>>,
    retrying_fields: crate::clients::RetryingFields,
}

impl Shared {
    pub(crate) fn new(index: &Index<'_>, models: &Models) -> Self {
        Shared {
            handler_params: crate::callbacks::handler_params(index, models),
            tracked: tokens::tracked_params(index),
            retrying_fields: crate::clients::RetryingFields::new(index, models),
        }
    }
}

impl<'a> Engine<'a> {
    pub(crate) fn new(
        index: &'a Index<'a>,
        models: &'a Models,
        shared: &'a Shared,
        fns: Vec<FnId>,
    ) -> Self {
        Engine {
            current: fns.first().copied().unwrap_or(FnId { file: 0, idx: 0 }),
            fns,
            site_fns: Vec::new(),
            tracked: &shared.tracked,
            retrying_fields: &shared.retrying_fields,
            handler_params: &shared.handler_params,
            guards: Vec::new(),
            guard_ids: BTreeMap::new(),
            flow_records: HashSet::default(),
            tok: Watched::default(),
            index,
            models,
            origins: Vec::new(),
            origin_ids: HashMap::default(),
            origin_chain: Vec::new(),
            closure_maps: BTreeMap::new(),
            summaries: BTreeMap::new(),
            sites: Watched::default(),
            site_ids: Watched::default(),
            reporting: Watched::new(false),
            reading: BTreeSet::new(),
            quiet: BTreeSet::new(),
        }
    }

    /// Recomputes every function's summary in rounds until nothing changes (at most
    /// `MAX_ROUNDS`). A function is analysed again only when a summary it looked up changed
    /// since its last analysis: with the same inputs, an analysis gives the same summary and
    /// interns no new origin, so skipping it changes nothing but the time.
    ///
    /// It also finds the functions the reporting round can skip (`quiet`): those whose last
    /// analysis read only summaries that have not changed since, and never reached the state
    /// the reporting round treats differently (`Watched`: the round's flag, the exchange sites,
    /// the token tables). The reporting round's analysis of such a function has the same inputs
    /// (the same summaries; origins and guards only grow, and the ids of those it interns are
    /// already taken), so it runs step for step as that last analysis did, never reaching that
    /// state either: it adds no site, fact, origin or guard, and skipping it changes nothing.
    pub(crate) fn summarize(&mut self) {
        let fns = std::mem::take(&mut self.fns);
        // A clock of analyses: when each function was last analysed (what it read, whether it
        // reached watched state), and when each summary last changed.
        let mut clock = 0usize;
        let mut analysed: BTreeMap<FnId, (usize, BTreeSet<FnId>, bool)> = BTreeMap::new();
        let mut changed_at: BTreeMap<FnId, usize> = BTreeMap::new();
        let unchanged_since =
            |changed_at: &BTreeMap<FnId, usize>, at: usize, read: &BTreeSet<FnId>| {
                read.iter()
                    .all(|d| changed_at.get(d).is_none_or(|&c| c < at))
            };
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for &f in &fns {
                if let Some((at, read, _)) = analysed.get(&f)
                    && unchanged_since(&changed_at, *at, read)
                {
                    continue;
                }
                clock += 1;
                self.reading.clear();
                self.take_touched();
                let mut summary = self.analyze_fn(f);
                let touched = self.take_touched();
                analysed.insert(f, (clock, std::mem::take(&mut self.reading), touched));
                if let Some(old) = self.summaries.get(&f) {
                    summary = summary.widened(old);
                }
                if self.summaries.get(&f) != Some(&summary) {
                    changed = true;
                    changed_at.insert(f, clock);
                    self.summaries.insert(f, summary);
                }
            }
            if !changed {
                break;
            }
        }
        self.quiet = analysed
            .into_iter()
            .filter(|(_, (at, read, touched))| !touched && unchanged_since(&changed_at, *at, read))
            .map(|(f, _)| f)
            .collect();
        self.fns = fns;
    }

    /// Whether the state the reporting round treats differently was accessed since the last
    /// call (`Watched`).
    fn take_touched(&self) -> bool {
        // Every one is taken (no short circuit), so each starts afresh.
        let flags = [
            self.reporting.take_touched(),
            self.sites.take_touched(),
            self.site_ids.take_touched(),
            self.tok.take_touched(),
        ];
        flags.contains(&true)
    }

    /// Whether this is the reporting round.
    fn reporting(&self) -> bool {
        self.reporting.touched.set(true);
        self.reporting.value
    }

    /// The reporting round, after `summarize`. It skips the functions `summarize` found quiet
    /// (their analysis here would change nothing). `Analysis::report` collects the facts.
    fn report(&mut self) {
        let fns = std::mem::take(&mut self.fns);
        *self.reporting = true;
        self.sites.clear();
        self.site_ids.clear();
        self.site_fns.clear();
        for &f in &fns {
            if !self.quiet.contains(&f) {
                self.analyze_fn(f);
            }
        }
        self.fns = fns;
        self.attach_token_facts();
    }

    /// Functions whose summary can create an exchange site in their callers: a parameter that
    /// reaches an exchange, or a returned pending request, HTTP request or form body. A caller
    /// of one of them may hold an exchange that nothing else in its file announces.
    fn exporters(&self) -> impl Iterator<Item = FnId> + '_ {
        self.summaries
            .iter()
            .filter(|(_, s)| !s.exchange_params.is_empty() || carries_request(&s.returns, 0))
            .map(|(f, _)| *f)
    }

    /// Whether a summary says anything about codes. Most functions return values we know
    /// nothing about; applying their summaries would cost time and change nothing.
    fn summary_matters(&self, s: &Summary) -> bool {
        !s.exchange_params.is_empty()
            || !s.repeats.is_empty()
            || !s.exit_guards.is_empty()
            || !s.post_guards.is_empty()
            || !s.checks.is_empty()
            || self.val_matters(&s.returns, 0)
    }

    fn val_matters(&self, v: &Val, depth: usize) -> bool {
        v.pending.is_some()
            || v.http.is_some()
            || v.body.is_some()
            || v.retrying.is_some()
            || v.guard.is_some()
            || v.tok.as_ref().is_some_and(|t| !t.redirects_empty())
            || v.origins.iter().any(|&o| {
                !matches!(
                    self.origins[o as usize].kind,
                    OriginKind::Unknown
                        | OriginKind::LoopItem
                        | OriginKind::Counter
                        | OriginKind::Literal
                )
            })
            || (depth < MAX_VAL_DEPTH && v.fields.values().any(|f| self.val_matters(f, depth + 1)))
    }

    fn intern(&mut self, origin: Origin) -> u32 {
        let mut hasher = FxHasher::default();
        origin.hash(&mut hasher);
        let hash = hasher.finish();
        let head = self.origin_ids.get(&hash).copied();
        let mut at = head;
        while let Some(id) = at {
            if self.origins[id as usize] == origin {
                return id;
            }
            at = self
                .origin_chain
                .get(id as usize)
                .copied()
                .filter(|&prev| prev != u32::MAX);
        }
        let id = u32::try_from(self.origins.len()).unwrap_or(u32::MAX);
        self.origins.push(origin);
        self.origin_chain.push(head.unwrap_or(u32::MAX));
        self.origin_ids.insert(hash, id);
        id
    }

    fn analyze_fn(&mut self, f: FnId) -> Summary {
        self.current = f;
        let def = self.index.fn_def(f);
        let mut cx = FnCx {
            fid: f,
            file: f.file,
            def,
            ctxs: Vec::new(),
            summary: Summary::default(),
            closures: Arc::clone(self.closure_maps.entry(f).or_insert_with(|| {
                let mut map = BTreeMap::new();
                collect_closures(&def.body, &mut map);
                Arc::new(map)
            })),
            pending_closures: BTreeMap::new(),
            closure_nesting: 0,
            eval_depth: 0,
            steps: 0,
            ok_exit: None,
            discarded: None,
            handler_closure: None,
            predicate: None,
            flow_tables: BTreeSet::new(),
            recursive_call: false,
            error_tails: {
                let mut out = Vec::new();
                block_error_tails(&def.body, &mut out, 0);
                out
            },
            via_summary: false,
        };
        let mut st = State::new();
        for (i, p) in def.params.iter().enumerate() {
            let origin = Origin {
                kind: OriginKind::Param(f, i),
                at: Loc::new(f.file, p.span),
                label: Loc::new(f.file, p.span),
                path: Vec::new(),
                name: match &p.pat {
                    Pat::Bind { name, .. } => Some(name.clone()),
                    _ => None,
                },
            };
            let id = self.intern(origin);
            let val = Val {
                origins: BTreeSet::from([id]),
                fields: self.retrying_fields_of(f, def, i),
                ..Val::default()
            };
            self.bind(&p.pat, &val, &mut st);
        }
        cx.ctxs.push(Ctx {
            span: def.span,
            label: Loc::new(f.file, def.name_span),
            kind: CtxKind::Boundary {
                returns: State::dead(),
                ret_val: Val::default(),
            },
        });
        let tail = self.eval_block(&mut cx, &def.body, &mut st);
        let Some(Ctx {
            kind: CtxKind::Boundary { ret_val, .. },
            ..
        }) = cx.ctxs.pop()
        else {
            return cx.summary;
        };
        let mut returns = ret_val;
        if st.alive {
            returns.join_with(&tail);
            note_ok_exit(&mut cx, &st);
        }
        cx.summary.exit_guards = cx.ok_exit.take().unwrap_or_default();
        // Closures that were defined but never run here still hold code: analyse them once in
        // the state they were defined in.
        while let Some((&id, _)) = cx.pending_closures.iter().next() {
            if let Some(mut snapshot) = cx.pending_closures.remove(&id) {
                self.run_closure(&mut cx, id, &[], None, &mut snapshot);
            }
        }
        self.token_returns(&cx, &mut returns);
        returns.results.clear();
        returns.test = None;
        returns.closure = None;
        returns.truncate(MAX_SUMMARY_DEPTH);
        cx.summary.returns = returns;
        cx.summary
    }

    /// The fields of parameter `i` that hold a retrying client: its type (or, for `self`, the
    /// impl's) names a struct that some function builds with one (`clients`).
    fn retrying_fields_of(&self, f: FnId, def: &FnDef, i: usize) -> BTreeMap<String, Val> {
        if self.retrying_fields.is_empty() {
            return BTreeMap::new();
        }
        let receiver = def.has_self && i == 0;
        let ty = match (receiver, &def.self_ty) {
            (true, Some(t)) => t.as_str(),
            _ => def.params.get(i).map_or("", |p| p.ty.as_str()),
        };
        let mut out = BTreeMap::new();
        for (field, loc) in self.retrying_fields.of_type(self.index, f, ty) {
            out.entry(field.to_string()).or_insert_with(|| Val {
                retrying: Some(loc),
                ..Val::default()
            });
        }
        out
    }

    /// The text of a `format!` whose arguments are all literals or string constants (inline
    /// names included); `None` when one is not, or a placeholder has a format spec.
    fn render_format(
        &self,
        cx: &FnCx<'_>,
        template: &str,
        args: &[(Option<String>, Val)],
        st: &State,
    ) -> Option<String> {
        let krate = self.index.files[cx.file as usize].crate_id;
        let unnamed: Vec<&Val> = args
            .iter()
            .filter(|(n, _)| n.is_none())
            .map(|(_, v)| v)
            .collect();
        let mut out = String::new();
        let mut next = 0;
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    out.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    out.push('}');
                }
                '{' => {
                    let mut inside = String::new();
                    loop {
                        let c = chars.next()?;
                        if c == '}' {
                            break;
                        }
                        inside.push(c);
                    }
                    let (name, spec) = inside.split_once(':').unwrap_or((inside.as_str(), ""));
                    if !spec.is_empty() {
                        return None;
                    }
                    let name = name.trim();
                    let text = if name.is_empty() {
                        next += 1;
                        unnamed.get(next - 1)?.lit.clone()?
                    } else if let Ok(i) = name.parse::<usize>() {
                        unnamed.get(i)?.lit.clone()?
                    } else if let Some((_, v)) =
                        args.iter().find(|(n, _)| n.as_deref() == Some(name))
                    {
                        v.lit.clone()?
                    } else if let Some(v) = st.env.get(name) {
                        v.lit.clone()?
                    } else {
                        let (_, c) = self.index.constant(krate, name)?;
                        c.value.as_ref()?.as_str_lit()?.to_string()
                    };
                    out.push_str(&text);
                }
                '}' => return None,
                c => out.push(c),
            }
        }
        Some(out)
    }

    fn loc(cx: &FnCx<'_>, span: Span) -> Loc {
        Loc::new(cx.file, span)
    }

    fn new_val(
        &mut self,
        cx: &FnCx<'_>,
        kind: OriginKind,
        span: Span,
        name: Option<String>,
    ) -> Val {
        let loc = Self::loc(cx, span);
        let id = self.intern(Origin {
            kind,
            at: loc,
            label: loc,
            path: Vec::new(),
            name,
        });
        Val {
            origins: BTreeSet::from([id]),
            ..Val::default()
        }
    }

    fn unknown(&mut self, cx: &FnCx<'_>, span: Span) -> Val {
        self.new_val(cx, OriginKind::Unknown, span, None)
    }

    /// An exchange that returns a tuple of token parts (pimalaya's `(access, Option<refresh>)`):
    /// element `i` of the result is part `parts[i]` of the response, the whole response for "",
    /// and no part of it for "-" (rauthy-client's cookie to clear).
    fn returned_parts(&mut self, v: &mut Val, parts: &[String]) {
        let whole = v.clone();
        for (i, part) in parts.iter().enumerate() {
            let p = match part.as_str() {
                "" => whole.clone(),
                "-" => Val::default(),
                _ => self.project(&whole, part),
            };
            v.fields.insert(i.to_string(), p);
        }
    }

    /// A field of a value: its known field, or its origins extended by the field name.
    fn project(&mut self, val: &Val, name: &str) -> Val {
        if let Some(v) = val.fields.get(name) {
            return v.clone();
        }
        let mut out = Val::default();
        for &o in &val.origins {
            let mut origin = self.origins[o as usize].clone();
            if origin.path.len() < MAX_FIELD_DEPTH {
                origin.path.push(name.to_string());
            }
            let id = self.intern(origin);
            out.origins.insert(id);
        }
        out.retrying = val.retrying;
        out
    }

    // ----- callbacks: guards and the state parameter ---------------------------------------

    fn guard_id(&mut self, g: GuardFact) -> u32 {
        if let Some(&id) = self.guard_ids.get(&g) {
            return id;
        }
        let id = u32::try_from(self.guards.len()).unwrap_or(u32::MAX);
        self.guards.push(g.clone());
        self.guard_ids.insert(g, id);
        id
    }

    /// Whether parameter `i` of `f` is filled from the request by a web framework.
    fn is_request_param(&self, f: FnId, i: usize) -> bool {
        self.handler_params
            .get(&f)
            .is_some_and(|ps| ps.contains(&i))
    }

    /// Whether an origin is the `state` parameter a callback received.
    fn is_state_origin(&self, o: u32) -> bool {
        let origin = &self.origins[o as usize];
        let request = match origin.kind {
            OriginKind::Param(f, i) => self.is_request_param(f, i),
            OriginKind::Request => true,
            _ => false,
        };
        if !request {
            return false;
        }
        let name = match origin.path.last() {
            Some(last) => Some(last.as_str()),
            None => origin.name.as_deref(),
        };
        name.is_some_and(|n| self.models.state_names.iter().any(|s| s == n))
    }

    /// Whether a value comes from the request (reading it is not a guard).
    fn is_from_request(&self, cx: &FnCx<'_>, v: &Val) -> bool {
        v.origins
            .iter()
            .any(|&o| match self.origins[o as usize].kind {
                OriginKind::Param(f, i) => self.is_request_param(f, i),
                OriginKind::Request => {
                    self.handler_params.contains_key(&cx.fid) || cx.handler_closure.is_some()
                }
                _ => false,
            })
    }

    /// Whether a value is a per-request session or cookie jar (by its parameter's type).
    fn is_session(&self, v: &Val) -> bool {
        v.origins.iter().any(|&o| {
            let OriginKind::Param(f, i) = self.origins[o as usize].kind else {
                return false;
            };
            let def = self.index.fn_def(f);
            def.params.get(i).is_some_and(|p| {
                let outer = crate::callbacks::outer_type(&p.ty);
                self.models.session_types.iter().any(|t| t == outer)
            })
        })
    }

    /// `v` was compared or looked up: a callback's `state` is verified on this path, and a
    /// parameter is one this function checks for its callers.
    fn note_check(&mut self, cx: &mut FnCx<'a>, v: &Val, st: &mut State) {
        for &o in &v.origins {
            if self.is_state_origin(o) {
                st.csrf_checked = true;
            }
            let origin = &self.origins[o as usize];
            if let OriginKind::Param(f, i) = origin.kind
                && f == cx.fid
                && self.check_path_matters(&origin.path)
            {
                cx.summary.checks.insert((i, origin.path.clone()));
            }
        }
        for f in v.fields.values() {
            if f.origins.iter().any(|&o| self.is_state_origin(o)) {
                st.csrf_checked = true;
            }
        }
    }

    /// Whether a check on a parameter's field path can verify a caller's `state`: the
    /// parameter itself or one field of it (the caller's value may be the state or hold it),
    /// or a path ending in a state name. Deeper paths through other fields would only matter
    /// for a state nested in struct literals three levels down, and keeping them made the
    /// summaries of mutually recursive functions grow round after round (a 40-fold slowdown
    /// on this project's own dataflow.rs).
    fn check_path_matters(&self, path: &[String]) -> bool {
        path.len() <= 1
            || path
                .last()
                .is_some_and(|n| self.models.state_names.iter().any(|s| s == n))
    }

    /// A call named `name` with these values: values handed to a lookup or comparison are
    /// checked (`pending.remove(&state)`, `verify_csrf(&state)`, `state.eq(&expected)`).
    fn note_call_checks(
        &mut self,
        cx: &mut FnCx<'a>,
        name: &str,
        recv: Option<&Val>,
        argv: &[Val],
        st: &mut State,
    ) {
        let lower = name.to_ascii_lowercase();
        // A decode with a key (`jsonwebtoken::decode(&state, &key, &validation)`) checks a
        // signed state; a plain one (`base64::decode(&state)`) does not.
        let looks_up = lower.split('_').any(|w| CHECK_WORDS.contains(&w))
            || (argv.len() >= 2 && lower.split('_').any(|w| w == "decode"));
        if !looks_up {
            return;
        }
        for a in argv {
            self.note_check(cx, a, st);
        }
        if let Some(r) = recv
            && lower.split('_').any(|w| EQ_WORDS.contains(&w))
        {
            self.note_check(cx, r, st);
        }
    }

    /// The arguments of a call that is a condition by itself are checked by it
    /// (`FnCx::predicate`).
    fn note_predicate(&mut self, cx: &mut FnCx<'a>, span: Span, argv: &[Val], st: &mut State) {
        if cx.predicate == Some(span) {
            cx.predicate = None;
            for a in argv {
                self.note_check(cx, a, st);
            }
        }
    }

    /// Passes guard `g` on this path; exchanges already done on it get it as a guard written
    /// after them when the guard is about their code or the callback's state (`keys`).
    fn pass_guard(
        &mut self,
        cx: &mut FnCx<'a>,
        g: u32,
        keys: &[&Val],
        about_flow: bool,
        held: bool,
        st: &mut State,
    ) {
        st.guards.insert(g);
        // Consuming the pending flow by the received `state` verifies it.
        for k in keys {
            self.note_check(cx, k, st);
        }
        let mut after = Vec::new();
        for (&site, d) in &st.done {
            if d.invoked_param.is_some() {
                continue;
            }
            let keyed = about_flow
                || keys.iter().any(|k| {
                    k.origins
                        .iter()
                        .any(|o| d.origins.contains(o) || self.is_state_origin(*o))
                        || k.lit.as_deref().is_some_and(names_flow_key)
                        || self.is_flow_record(k)
                });
            if keyed {
                after.push(site);
            }
        }
        if !after.is_empty() && !held {
            cx.summary.post_guards.insert(g);
        }
        if !after.is_empty() && self.reporting() {
            let fact = self.guards[g as usize].clone();
            for site in after {
                if let Some(cb) = self
                    .sites
                    .get_mut(site as usize)
                    .and_then(|f| f.callback.as_mut())
                {
                    let list = if held {
                        &mut cb.guards
                    } else {
                        &mut cb.guards_after
                    };
                    if !list.contains(&fact) {
                        list.push(fact.clone());
                    }
                }
            }
        }
    }

    /// Guard rules for a call: passes a guard, records a check, or returns a guard that counts
    /// only if the result decides a condition.
    #[allow(clippy::too_many_arguments, reason = "a call has this many parts")]
    fn observe_guard(
        &mut self,
        cx: &mut FnCx<'a>,
        rules: &[&GuardRule],
        name: &str,
        loc: Loc,
        recv: Option<&Val>,
        recv_local: Option<&str>,
        argv: &[Val],
        sql: Option<&str>,
        st: &mut State,
    ) -> Option<u32> {
        if recv.is_some_and(|r| self.is_from_request(cx, r)) {
            return None;
        }
        // A check earlier on the path of the same key, through another lock (or another
        // temporary guard): the write after it is check-then-act. A shared store's connection
        // is no lock: any check of the key there counts.
        let checked_before = |any_local: bool| {
            argv.first().is_some_and(|k| {
                key_sigs(k).iter().any(|sig| {
                    st.checked_keys.iter().any(|c| {
                        c.split_once('|').is_some_and(|(local, key)| {
                            key == sig
                                && (any_local || local.is_empty() || Some(local) != recv_local)
                        })
                    })
                })
            })
        };
        let after_check = checked_before(false);
        let after_shared_check = checked_before(true);
        let session = recv.is_some_and(|r| self.is_session(r));
        // SQL about the flow: it names a flow key, or a table a query about the flow named.
        let flow_sql = sql.is_some_and(|t| {
            names_flow_key(t) || sql_tables(t).any(|tb| cx.flow_tables.contains(&tb))
        });
        if let Some(t) = sql
            && names_flow_key(t)
        {
            cx.flow_tables.extend(sql_tables(t));
        }
        let about_flow = || {
            let flow = |k: &Val| {
                k.lit.as_deref().is_some_and(names_flow_key)
                    || self.is_from_request(cx, k)
                    || self.is_flow_record(k)
            };
            flow_sql || argv.iter().chain(recv).any(flow)
        };
        let matches = |r: &GuardRule| {
            r.arity.is_none_or(|a| a == argv.len())
                && (r.when_text.is_empty()
                    || argv.iter().any(|a| {
                        a.lit
                            .as_deref()
                            .or(a.path_tail.as_deref())
                            .is_some_and(|t| r.when_text.iter().any(|w| w.eq_ignore_ascii_case(t)))
                    }))
                && sql_matches(r, sql)
                && (!r.keyed || about_flow())
                // A session is a per-request copy, not a lock: a check and a write through it
                // are check-then-act.
                && (!r.after_check || after_check || ((r.shared || session) && after_shared_check))
                // `v.remove(0)`: an index, not a key.
                && (r.check
                    || argv.len() != 1
                    || argv.iter().any(|k| !k.origins.is_empty() || k.lit.is_some()))
        };
        let specific: Vec<&GuardRule> = rules
            .iter()
            .copied()
            .filter(|r| r.receiver.as_deref() == Some("session") && session && matches(r))
            .collect();
        let chosen: Vec<&GuardRule> = if specific.is_empty() {
            let general: Vec<&GuardRule> = rules
                .iter()
                .copied()
                .filter(|r| r.receiver.is_none() && matches(r))
                .collect();
            // A check-then-act write replaces the atomic reading of the same call.
            if general.iter().any(|r| r.after_check) {
                general
                    .into_iter()
                    .filter(|r| r.after_check || r.check)
                    .collect()
            } else {
                general
            }
        } else {
            specific
        };
        let key = argv.first().map(key_sigs).unwrap_or_default();
        let mut keys: Vec<&Val> = argv.iter().collect();
        if let Some(r) = recv {
            keys.push(r);
        }
        let sql_val = sql.map(|t| Val {
            lit: Some(t.to_string()),
            ..Val::default()
        });
        if let Some(v) = &sql_val {
            keys.push(v);
        }
        let mut candidate = None;
        for rule in chosen {
            if rule.check {
                let local = recv_local.unwrap_or("");
                st.checked_keys
                    .extend(key.iter().map(|k| format!("{local}|{k}")));
                if st.done.values().all(|d| d.invoked_param.is_some()) {
                    st.checked_early
                        .extend(key.iter().map(|k| format!("{local}|{k}")));
                }
                continue;
            }
            let g = self.guard_id(GuardFact {
                loc,
                op: name.to_string(),
                atomic: rule.atomic && !rule.after_check,
                shared: rule.shared,
                in_memory: !rule.shared && rule.receiver.is_none(),
                label: rule.label.clone(),
            });
            if rule.checked {
                candidate = Some(g);
            } else {
                // A write of a key checked before the exchange (a "used" marker, the session's
                // pending flow replaced) is about the flow the check let through.
                let early = rule.after_check
                    && st.checked_early.iter().any(|c| {
                        c.split_once('|')
                            .is_some_and(|(_, k)| key.iter().any(|s| s == k))
                    });
                // Checked before the exchange and written after it through one local lock
                // guard (`let mut m = map.lock().await; m.get(k); .. exchange ..; m.remove(k)`):
                // the lock is held across the exchange, and the guard is atomic before it.
                let held = rule.atomic
                    && !rule.after_check
                    && recv_local.is_some_and(|l| {
                        key.iter()
                            .any(|k| st.checked_early.contains(&format!("{l}|{k}")))
                    });
                self.pass_guard(cx, g, &keys, flow_sql || early, held, st);
            }
        }
        candidate
    }

    /// An unseen call named like a consume (`take_pending(&state)`) given a value from the
    /// request: a guard whose inside oauth-lint cannot read. With `on_record`, an unseen write
    /// (`attempt.mark_used(&db)`, `sso_auth.save(&mut conn)`) of the pending flow's record.
    fn observe_named_guard(
        &mut self,
        cx: &mut FnCx<'a>,
        name: &str,
        loc: Loc,
        recv: Option<&Val>,
        argv: &[Val],
        st: &mut State,
    ) {
        let lower = name.to_ascii_lowercase();
        let models = self.models;
        let named = |r: &GuardRule| {
            lower
                .split('_')
                .any(|w| r.name_words.iter().any(|n| n == w))
        };
        let Some(rule) = models.guard_words.iter().find(|r| {
            named(r)
                && if r.on_record {
                    // Not a step of a request being built (`.set_pkce_verifier(v)`).
                    recv.is_none_or(|r| r.pending.is_none() && r.http.is_none())
                        && recv.into_iter().chain(argv).any(|a| self.is_flow_record(a))
                } else {
                    argv.iter().any(|a| {
                        self.is_from_request(cx, a)
                            || a.fields.values().any(|f| self.is_from_request(cx, f))
                    })
                }
        }) else {
            return;
        };
        let g = self.guard_id(GuardFact {
            loc,
            op: name.to_string(),
            atomic: rule.atomic,
            shared: rule.shared,
            in_memory: false,
            label: rule.label.clone(),
        });
        let keys: Vec<&Val> = recv.into_iter().chain(argv).collect();
        self.pass_guard(cx, g, &keys, false, false, st);
    }

    /// Whether a value is (part of) the pending flow's record (`flow_records`).
    fn is_flow_record(&self, v: &Val) -> bool {
        !self.flow_records.is_empty()
            && v.origins.iter().any(|&o| {
                let origin = &self.origins[o as usize];
                origin.kind == OriginKind::Unknown && self.flow_records.contains(&origin.at)
            })
    }

    /// The value of an unknown call: the pending flow's record when the call is given the
    /// callback's `state` or such a record (`find_by_state(&state)`, `.bind(&cb.state)`,
    /// `.fetch_optional(&db)` on the query bound to it).
    fn unknown_call(&mut self, cx: &FnCx<'_>, span: Span, recv: Option<&Val>, argv: &[Val]) -> Val {
        let keyed = recv.is_some_and(|r| self.is_flow_record(r))
            || argv.iter().any(|a| {
                self.is_flow_record(a) || a.origins.iter().any(|&o| self.is_state_origin(o))
            });
        if keyed {
            self.flow_records.insert(Self::loc(cx, span));
        }
        self.unknown(cx, span)
    }

    /// The callback facts of an exchange of `code` made with `context`, when a handler
    /// received the code from the request.
    fn callback_fact(
        &self,
        cx: &FnCx<'a>,
        code: &Val,
        context: &BTreeSet<u32>,
        st: &State,
    ) -> Option<CallbackFact> {
        let is_handler = self.handler_params.contains_key(&cx.fid) || cx.handler_closure.is_some();
        let mut found: Option<(HandlerKind, Loc)> = None;
        let mut whole_request = false;
        for &o in &code.origins {
            let origin = &self.origins[o as usize];
            let kind = match origin.kind {
                OriginKind::Param(f, i) if f == cx.fid && self.is_request_param(f, i) => {
                    if origin.path.is_empty()
                        && !origin.name.as_deref().is_some_and(|n| n.contains("code"))
                    {
                        whole_request = true;
                    }
                    HandlerKind::Web
                }
                OriginKind::Request if is_handler => HandlerKind::Web,
                OriginKind::Request => HandlerKind::Loopback,
                _ => continue,
            };
            if found.is_none_or(|(k, _)| k > kind) {
                found = Some((kind, origin.label));
            }
        }
        let (kind, code_from) = found?;
        let state_verified = st.csrf_checked
            || whole_request
            || (!cx.via_summary && context.iter().any(|&o| self.is_state_origin(o)));
        let guards = st
            .guards
            .iter()
            .map(|&g| self.guards[g as usize].clone())
            .collect();
        Some(CallbackFact {
            kind,
            handler: Loc::new(cx.file, cx.handler_closure.unwrap_or(cx.def.name_span)),
            code_from: Some(code_from),
            guards,
            guards_after: Vec::new(),
            state_verified,
            state_from: self.state_param(cx),
            serving_loop: None,
        })
    }

    /// Where the handler receives `state`: a request parameter or a field pattern named like
    /// it (`state: String`, `_state: String`, `Query(Cb { code, state })`).
    fn state_param(&self, cx: &FnCx<'a>) -> Option<Loc> {
        let names = &self.models.state_names;
        let named = |n: &str| names.iter().any(|s| s == n.trim_start_matches('_'));
        cx.def.params.iter().enumerate().find_map(|(i, p)| {
            if !self.is_request_param(cx.fid, i) {
                return None;
            }
            let hit = match &p.pat {
                Pat::Bind { name, span, .. } => named(name).then_some(*span),
                Pat::TupleStruct { elems, .. } => elems.iter().find_map(|e| match e {
                    Pat::Struct { fields, .. } => {
                        fields.iter().any(|(f, _)| named(f)).then_some(p.span)
                    }
                    _ => None,
                }),
                _ => None,
            };
            hit.map(|span| Loc::new(cx.file, span))
        })
    }

    // ----- statements and patterns -------------------------------------------------------

    fn eval_block(&mut self, cx: &mut FnCx<'a>, block: &'a Block, st: &mut State) -> Val {
        let mut last = Val::default();
        for (n, stmt) in block.stmts.iter().enumerate() {
            if !st.alive {
                return Val::default();
            }
            last = match stmt {
                Stmt::Let {
                    pat,
                    init,
                    els,
                    span,
                } => {
                    if let Some(init) = init {
                        // `let _ = m.remove(k);` throws the value away too.
                        let outer = cx.discarded.take();
                        if let Pat::Wild = pat {
                            cx.discarded = discarded_call(init, 0);
                        }
                        let v = self.eval(cx, init, st);
                        cx.discarded = outer;
                        self.token_let(cx, pat, *span, &v);
                        if let Some(els) = els {
                            let mut else_st = st.clone();
                            self.eval_block(cx, els, &mut else_st);
                            refine_by_pat(pat, &v, st);
                        }
                        self.bind(pat, &v, st);
                    } else {
                        let mut names = Vec::new();
                        pat.bindings(&mut names);
                        for n in names {
                            st.env.insert(n, Val::default());
                        }
                    }
                    Val::default()
                }
                Stmt::Expr(e) => {
                    // `map.remove(&k);`: a method call whose value the statement throws away.
                    let tail = block.valued && n + 1 == block.stmts.len();
                    let outer = cx.discarded.take();
                    if !tail {
                        cx.discarded = discarded_call(e, 0);
                    }
                    let v = self.eval(cx, e, st);
                    cx.discarded = outer;
                    v
                }
            };
        }
        // `stmt;` at the end: the block's value is `()`.
        if block.valued { last } else { Val::default() }
    }

    fn bind(&mut self, pat: &Pat, val: &Val, st: &mut State) {
        match pat {
            Pat::Bind { name, sub, .. } => {
                if let Some(sub) = sub {
                    self.bind(sub, val, st);
                }
                st.forget(name);
                st.env.insert(name.clone(), val.clone());
            }
            Pat::Tuple(ps) => {
                for (i, p) in ps.iter().enumerate() {
                    let v = self.project(val, &i.to_string());
                    self.bind(p, &v, st);
                }
            }
            Pat::TupleStruct { path, elems } => {
                let last = path.last().map_or("", String::as_str);
                if elems.len() == 1 {
                    // `Ok(x)`, `Some(x)`, `Query(q)`, `Json(body)`: the wrapper is transparent.
                    let v = if last == "Err" {
                        // The error of an exchange is not its token response.
                        let mut v = val.clone();
                        v.origins
                            .retain(|&o| self.origins[o as usize].kind != OriginKind::Response);
                        v.results.clear();
                        v
                    } else if matches!(last, "Ok" | "Some") {
                        val.clone()
                    } else {
                        val.fields.get("0").cloned().unwrap_or_else(|| val.clone())
                    };
                    self.bind(&elems[0], &v, st);
                } else {
                    for (i, p) in elems.iter().enumerate() {
                        let v = self.project(val, &i.to_string());
                        self.bind(p, &v, st);
                    }
                }
            }
            Pat::Struct { fields, .. } => {
                for (name, p) in fields {
                    let v = self.project(val, name);
                    self.bind(p, &v, st);
                }
            }
            Pat::Or(ps) => {
                if let Some(p) = ps.first() {
                    self.bind(p, val, st);
                }
            }
            Pat::Path(_) | Pat::Wild | Pat::Other => {}
        }
    }

    // ----- expressions ----------------------------------------------------------------------

    fn eval(&mut self, cx: &mut FnCx<'a>, e: &'a Expr, st: &mut State) -> Val {
        if !st.alive || cx.eval_depth > MAX_EVAL_DEPTH || cx.steps > MAX_STEPS {
            return Val::default();
        }
        cx.steps += 1;
        cx.eval_depth += 1;
        let mut v = self.eval_inner(cx, e, st);
        cx.eval_depth -= 1;
        // `else { Ok(None) }` as the function's value: an error exit, like `return Ok(None)`.
        if let Expr::Call { span, .. } | Expr::Path { span, .. } = e
            && cx.error_tails.contains(span)
        {
            Self::leave(cx, st, &v);
            v = Val::default();
        }
        v
    }

    fn eval_inner(&mut self, cx: &mut FnCx<'a>, e: &'a Expr, st: &mut State) -> Val {
        match e {
            Expr::Str { span, value } => {
                let mut v = self.new_val(cx, OriginKind::Literal, *span, None);
                v.lit = Some(value.clone());
                self.token_text(cx, Loc::new(cx.file, *span), value, &mut v);
                if self.models.is_token_url(value) {
                    v.body = Some(Box::new(Body {
                        token_url: true,
                        ..Body::default()
                    }));
                }
                v
            }
            Expr::Lit { .. } => Val::default(),
            Expr::Path { span, segs } => self.eval_path(cx, *span, segs, st),
            Expr::Call { span, callee, args } => self.eval_call(cx, *span, callee, args, st),
            Expr::Method {
                span,
                name_span,
                receiver,
                method,
                args,
            } => self.eval_method(cx, *span, *name_span, receiver, method, args, st),
            Expr::Macro { span, path, kind } => self.eval_macro(cx, *span, path, kind, st),
            Expr::Field { base, name, .. } => {
                let b = self.eval(cx, base, st);
                self.project(&b, name)
            }
            Expr::Index { base, index, .. } => {
                self.eval(cx, index, st);
                let b = self.eval(cx, base, st);
                match index.as_str_lit() {
                    Some(key) => self.project(&b, key),
                    None => b,
                }
            }
            Expr::Closure { id, .. } => {
                cx.pending_closures.entry(*id).or_insert_with(|| st.clone());
                Val {
                    closure: Some(*id),
                    ..Val::default()
                }
            }
            Expr::Block(b) => self.eval_block(cx, b, st),
            Expr::Async(b) => self.eval_boundary(cx, b, st),
            Expr::If {
                cond, then, els, ..
            } => {
                let (mut then_st, mut else_st) = self.eval_cond(cx, cond, st);
                let mut v = self.eval_block(cx, then, &mut then_st);
                if let Some(els) = els {
                    let ev = self.eval(cx, els, &mut else_st);
                    v.join_with(&ev);
                }
                *st = State::join(then_st, else_st);
                v
            }
            Expr::Let { pat, expr, .. } => {
                let v = self.eval(cx, expr, st);
                self.bind(pat, &v, st);
                Val::default()
            }
            Expr::Match {
                scrutinee, arms, ..
            } => {
                let v = self.eval(cx, scrutinee, st);
                let mut out_st = State::dead();
                let mut out_v = Val::default();
                for (i, arm) in arms.iter().enumerate() {
                    // The last arm takes the state: the arms' join replaces it.
                    let mut arm_st = if i + 1 == arms.len() {
                        std::mem::take(st)
                    } else {
                        st.clone()
                    };
                    refine_by_pat(&arm.pat, &v, &mut arm_st);
                    if pat_mentions(&arm.pat, DPOP_NONCE) {
                        arm_st.dpop = true;
                    }
                    self.bind(&arm.pat, &v, &mut arm_st);
                    if let Some(guard) = &arm.guard {
                        let (t, _) = self.eval_cond(cx, guard, &mut arm_st);
                        arm_st = t;
                    }
                    let av = self.eval(cx, &arm.body, &mut arm_st);
                    if arm_st.alive {
                        out_v.join_with(&av);
                    }
                    out_st = State::join(out_st, arm_st);
                }
                if arms.is_empty() {
                    out_st = st.clone();
                }
                *st = out_st;
                out_v
            }
            Expr::Loop {
                span,
                kind,
                label,
                head,
                pat,
                body,
            } => self.eval_loop(
                cx,
                *span,
                *kind,
                label.as_ref(),
                head.as_deref(),
                pat.as_ref(),
                body,
                st,
            ),
            Expr::Break { label, value, .. } => {
                let v = match value {
                    Some(v) => self.eval(cx, v, st),
                    None => Val::default(),
                };
                if let Some(ctx) = find_loop(&mut cx.ctxs, label.as_deref())
                    && let CtxKind::Loop {
                        breaks, break_val, ..
                    } = &mut ctx.kind
                {
                    *breaks = State::join(std::mem::take(breaks), std::mem::take(st));
                    break_val.join_with(&v);
                }
                *st = State::dead();
                Val::default()
            }
            Expr::Continue { label, .. } => {
                if let Some(ctx) = find_loop(&mut cx.ctxs, label.as_deref())
                    && let CtxKind::Loop { back, .. } = &mut ctx.kind
                {
                    *back = State::join(std::mem::take(back), std::mem::take(st));
                }
                *st = State::dead();
                Val::default()
            }
            Expr::Return { value, .. } => {
                let v = match value {
                    Some(v) => self.eval(cx, v, st),
                    None => Val::default(),
                };
                let at_fn = cx
                    .ctxs
                    .iter()
                    .filter(|c| matches!(c.kind, CtxKind::Boundary { .. }))
                    .count()
                    == 1;
                if st.alive && at_fn && !value.as_deref().is_some_and(is_error_value) {
                    note_ok_exit(cx, st);
                }
                Self::leave(cx, st, &v);
                Val::default()
            }
            Expr::Try { inner, .. } => {
                let v = self.eval(cx, inner, st);
                // The error path leaves the function (or closure); what goes on is the success.
                let mut err_st = st.clone();
                err_st.set_status(&v.results, Status::Failed);
                Self::leave(cx, &mut err_st, &Val::default());
                st.set_status(&v.results, Status::Ok);
                v
            }
            Expr::Await { inner, span } => {
                let v = self.eval(cx, inner, st);
                // surf's RequestBuilder is a future: awaiting it sends it.
                if let Some(http) = &v.http
                    && http.body.carries_code()
                {
                    let http = http.clone();
                    return self.http_exchange(cx, &http, *span, v.retrying, st);
                }
                v
            }
            Expr::Unary { op, inner, .. } => {
                let mut v = self.eval(cx, inner, st);
                if *op == UnOp::Not
                    && let Some((_, is_err)) = &mut v.test
                {
                    *is_err = !*is_err;
                }
                v
            }
            Expr::Binary { lhs, rhs, op, .. } => {
                let l = self.eval(cx, lhs, st);
                let r = self.eval(cx, rhs, st);
                if matches!(op, BinOp::Eq | BinOp::Ne) {
                    self.note_check(cx, &l, st);
                    self.note_check(cx, &r, st);
                }
                match op {
                    BinOp::Add => l.joined(&r),
                    // `done.rows_affected() == 0` decides as much as `done` does.
                    BinOp::Eq | BinOp::Ne | BinOp::Other => Val {
                        guard: l.guard.or(r.guard),
                        ..Val::default()
                    },
                    _ => Val::default(),
                }
            }
            Expr::Assign { target, value, .. } => {
                let v = self.eval(cx, value, st);
                self.token_assign(cx, target, &v, st);
                self.assign(cx, target, v, st);
                Val::default()
            }
            Expr::Struct {
                path, fields, rest, ..
            } => {
                let mut v = Val::default();
                if let Some(rest) = rest {
                    v = self.eval(cx, rest, st);
                }
                let mut body = Body::default();
                let variant = path.last().map_or("", String::as_str);
                for (name, fe) in fields {
                    let fv = self.eval(cx, fe, st);
                    self.token_field(cx, name, fe.span(), &fv, &mut v);
                    match name.as_str() {
                        "grant_type" => classify_grant(&fv, &mut body),
                        "code" => body.code = Some(Box::new(fv.clone())),
                        _ => {}
                    }
                    if let Some(b) = &fv.body {
                        body.merge(&Body {
                            code: None,
                            ..(**b).clone()
                        });
                    }
                    v.fields.insert(name.clone(), fv);
                }
                match variant {
                    "AuthorizationCode" | "AuthCode" => body.grant_auth_code = true,
                    "RefreshToken" | "ClientCredentials" | "Password" | "DeviceCode" => {
                        body.grant_other = true;
                    }
                    _ => {}
                }
                if body.code.is_some() || body.grant_auth_code || body.grant_other {
                    v.body = Some(Box::new(body));
                }
                v
            }
            Expr::Tuple { elems, .. } => {
                let vals: Vec<Val> = elems.iter().map(|e| self.eval(cx, e, st)).collect();
                let mut v = Val::default();
                if let [k, value] = vals.as_slice() {
                    let mut body = Body::default();
                    match k.lit.as_deref() {
                        Some("grant_type") => classify_grant(value, &mut body),
                        Some("code") => body.code = Some(Box::new(value.clone())),
                        _ => {}
                    }
                    if body.code.is_some() || body.grant_auth_code || body.grant_other {
                        v.body = Some(Box::new(body));
                    }
                }
                self.token_pair(cx, elems, &vals, &mut v);
                for (i, ev) in vals.into_iter().enumerate() {
                    v.fields.insert(i.to_string(), ev);
                }
                v
            }
            Expr::Array { elems, .. } => {
                let vals: Vec<Val> = elems.iter().map(|e| self.eval(cx, e, st)).collect();
                let mut v = Val::join_all(&vals);
                v.fields.clear();
                v
            }
            Expr::Other { children, .. } => {
                for c in children {
                    self.eval(cx, c, st);
                }
                Val::default()
            }
        }
    }

    /// Leaves the innermost function, closure or async block with `val`.
    fn leave(cx: &mut FnCx<'a>, st: &mut State, val: &Val) {
        if let Some(ctx) = cx
            .ctxs
            .iter_mut()
            .rev()
            .find(|c| matches!(c.kind, CtxKind::Boundary { .. }))
            && let CtxKind::Boundary { returns, ret_val } = &mut ctx.kind
        {
            *returns = State::join(std::mem::take(returns), std::mem::take(st));
            ret_val.join_with(val);
        }
        *st = State::dead();
    }

    fn assign(&mut self, cx: &mut FnCx<'a>, target: &'a Expr, v: Val, st: &mut State) {
        match target {
            Expr::Path { segs, .. } if segs.len() == 1 => {
                let name = &segs[0];
                for d in st.done.values_mut() {
                    d.assigned_after.insert(name.clone());
                }
                st.forget(name);
                st.env.insert(name.clone(), v);
            }
            Expr::Field { base, name, .. } => {
                if let Some(root) = root_var(base) {
                    for d in st.done.values_mut() {
                        d.assigned_after.insert(root.to_string());
                    }
                }
                if let Expr::Path { segs, .. } = &**base
                    && segs.len() == 1
                    && let Some(b) = st.env.get_mut(&segs[0])
                {
                    let mut v = v;
                    v.truncate(MAX_VAL_DEPTH);
                    b.fields.insert(name.clone(), v);
                }
            }
            Expr::Unary { inner, .. } => self.assign(cx, inner, v, st),
            other => {
                self.eval(cx, other, st);
            }
        }
    }

    fn eval_path(&mut self, cx: &mut FnCx<'a>, span: Span, segs: &[String], st: &mut State) -> Val {
        if segs.len() == 1
            && let Some(v) = st.env.get(&segs[0])
        {
            return v.clone();
        }
        let krate = self.index.files[cx.file as usize].crate_id;
        if let Some(last) = segs.last() {
            if let Some((cfile, c)) = self.index.constant(krate, last) {
                let loc = Loc::new(cfile, c.span);
                let lit = c
                    .value
                    .as_ref()
                    .and_then(|v| v.as_str_lit().map(str::to_string));
                let id = self.intern(Origin {
                    kind: OriginKind::Const,
                    at: loc,
                    label: loc,
                    path: Vec::new(),
                    name: Some(c.name.clone()),
                });
                let mut v = Val {
                    origins: BTreeSet::from([id]),
                    ..Val::default()
                };
                if let Some(lit) = lit {
                    if self.models.is_token_url(&lit) {
                        v.body = Some(Box::new(Body {
                            token_url: true,
                            ..Body::default()
                        }));
                    }
                    self.token_text(cx, loc, &lit, &mut v);
                    v.lit = Some(lit);
                }
                return v;
            }
            let mut v = self.unknown(cx, span);
            v.path_tail = Some(last.clone());
            return v;
        }
        Val::default()
    }

    /// The states in which `cond` holds and does not. `st` is used up: every caller goes on
    /// with these (it is left dead).
    fn eval_cond(&mut self, cx: &mut FnCx<'a>, cond: &'a Expr, st: &mut State) -> (State, State) {
        match cond {
            Expr::Let { pat, expr, .. } => {
                let v = self.eval(cx, expr, st);
                let mut then_st = st.clone();
                let mut else_st = std::mem::take(st);
                refine_by_pat(pat, &v, &mut then_st);
                refine_else(pat, &v, &mut else_st);
                self.bind(pat, &v, &mut then_st);
                (then_st, else_st)
            }
            Expr::Binary {
                op: BinOp::And,
                lhs,
                rhs,
                ..
            } => {
                let (mut t1, e1) = self.eval_cond(cx, lhs, st);
                let (t2, e2) = self.eval_cond(cx, rhs, &mut t1);
                (t2, State::join(e1, e2))
            }
            Expr::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
                ..
            } => {
                let (t1, mut e1) = self.eval_cond(cx, lhs, st);
                let (t2, e2) = self.eval_cond(cx, rhs, &mut e1);
                (State::join(t1, t2), e2)
            }
            Expr::Unary {
                op: UnOp::Not,
                inner,
                ..
            } => {
                let (t, e) = self.eval_cond(cx, inner, st);
                (e, t)
            }
            Expr::Unary {
                op: UnOp::Paren,
                inner,
                ..
            } => self.eval_cond(cx, inner, st),
            _ => {
                let call = match cond {
                    Expr::Await { inner, .. } => &**inner,
                    e => e,
                };
                let outer = cx.predicate.take();
                if let Expr::Call { span, .. } | Expr::Method { span, .. } = call {
                    cx.predicate = Some(*span);
                }
                let v = self.eval(cx, cond, st);
                cx.predicate = outer;
                if let Some(g) = v.guard {
                    // `if !set.insert(k) { return .. }`: the result decides, on both branches.
                    self.pass_guard(cx, g, &[], false, false, st);
                }
                let mut then_st = st.clone();
                let mut else_st = std::mem::take(st);
                if let Some((sites, is_err)) = &v.test {
                    let (t, e) = if *is_err {
                        (Status::Failed, Status::Ok)
                    } else {
                        (Status::Ok, Status::Failed)
                    };
                    then_st.set_status(sites, t);
                    else_st.set_status(sites, e);
                }
                if mentions(cond, DPOP_NONCE, 0) {
                    then_st.dpop = true;
                }
                if let Expr::Path { segs, .. } = cond
                    && let [name] = segs.as_slice()
                {
                    then_st.assume(name, true);
                    else_st.assume(name, false);
                }
                (then_st, else_st)
            }
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one call per loop node, fields spelled out"
    )]
    fn eval_loop(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        kind: LoopKind,
        label: Option<&String>,
        head: Option<&'a Expr>,
        pat: Option<&Pat>,
        body: &'a Block,
        st: &mut State,
    ) -> Val {
        let mut body_st = st.clone();
        let mut exit_st = State::dead();
        match kind {
            LoopKind::For | LoopKind::ForRange => {
                let iter = head.map_or_else(Val::default, |h| self.eval(cx, h, &mut body_st));
                let head_span = head.map_or(span, Expr::span);
                let kind = if kind == LoopKind::ForRange {
                    OriginKind::Counter
                } else {
                    OriginKind::LoopItem
                };
                let mut item = self.new_val(cx, kind, head_span, None);
                item.join_with(&Val {
                    origins: iter.origins.clone(),
                    ..Val::default()
                });
                if let Some(pat) = pat {
                    self.bind(pat, &item, &mut body_st);
                }
                exit_st = body_st.clone();
            }
            LoopKind::While => {
                if let Some(h) = head {
                    let (t, e) = self.eval_cond(cx, h, &mut body_st);
                    // Values bound by `while let` are new each iteration.
                    body_st = t;
                    mark_fresh_bindings(self, cx, h, &mut body_st);
                    exit_st = e;
                }
            }
            LoopKind::Loop => {}
        }
        let mut dispatch = BTreeSet::new();
        for stmt in &body.stmts {
            let e = match stmt {
                Stmt::Expr(e) | Stmt::Let { init: Some(e), .. } => e,
                Stmt::Let { .. } => continue,
            };
            dispatch_vars(e, &mut dispatch);
        }
        cx.ctxs.push(Ctx {
            span,
            label: Loc::new(cx.file, keyword_span(span, kind)),
            kind: CtxKind::Loop {
                label: label.cloned(),
                back: State::dead(),
                breaks: State::dead(),
                break_val: Val::default(),
                dispatch,
            },
        });
        self.eval_block(cx, body, &mut body_st);
        let Some(ctx) = cx.ctxs.pop() else {
            return Val::default();
        };
        let CtxKind::Loop {
            back,
            breaks,
            break_val,
            dispatch,
            ..
        } = ctx.kind
        else {
            return Val::default();
        };
        let back = State::join(back, body_st);
        if back.alive {
            self.check_back_edge(cx, span, ctx.label, &back, &dispatch);
        }
        exit_st = State::join(exit_st, breaks);
        if kind != LoopKind::Loop {
            exit_st = State::join(exit_st, back);
        }
        *st = exit_st;
        break_val
    }

    /// Exchanges that can run again on the next iteration with the same code are retries.
    fn check_back_edge(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        label: Loc,
        back: &State,
        dispatch: &BTreeSet<String>,
    ) {
        for (&site, d) in &back.done {
            if d.anchor.file != cx.file || !span.contains(d.anchor.span) {
                continue;
            }
            // A closure parameter called on every iteration: this function is a retry helper.
            if let Some(param) = d.invoked_param {
                cx.summary.repeats.insert(param);
                continue;
            }
            let per_item = d.context.iter().any(|&o| {
                let origin = &self.origins[o as usize];
                origin.kind == OriginKind::LoopItem
                    && origin.at.file == cx.file
                    && span.contains(origin.at.span)
            });
            if self.is_fresh(&d.origins, cx.file, span) {
                // A server loop that comes round to serve the callback again after an exchange
                // (not a loop over providers, each with its own one-connection flow).
                if self.reporting()
                    && !per_item
                    && let Some(cb) = self
                        .sites
                        .get_mut(site as usize)
                        .and_then(|f| f.callback.as_mut())
                    && cb.kind == HandlerKind::Loopback
                {
                    cb.serving_loop = Some(label);
                }
                continue;
            }
            if d.assigned_after.iter().any(|v| dispatch.contains(v)) {
                continue;
            }
            if per_item {
                continue;
            }
            if self.reporting()
                && let Some(fact) = self.sites.get_mut(site as usize)
            {
                fact.add_retry(RetryFact {
                    kind: RetryKind::Loop,
                    label,
                    detail: String::new(),
                });
            }
        }
    }

    /// Whether a code with these origins is new in each repetition of the context at `span`.
    fn is_fresh(&self, origins: &BTreeSet<u32>, file: FileId, span: Span) -> bool {
        origins.is_empty()
            || origins.iter().any(|&o| {
                let origin = &self.origins[o as usize];
                origin.at.file == file && span.contains(origin.at.span)
            })
    }

    fn eval_boundary(&mut self, cx: &mut FnCx<'a>, block: &'a Block, st: &mut State) -> Val {
        self.in_boundary(cx, Bounded::Block(block), st)
    }

    /// Evaluates a closure body or async block: `return` and `?` inside it leave it, not the
    /// function, and the state after it joins its normal end with those exits.
    fn in_boundary(&mut self, cx: &mut FnCx<'a>, body: Bounded<'a>, st: &mut State) -> Val {
        let span = match body {
            Bounded::Block(b) => b.span,
            Bounded::Expr(e) => e.span(),
        };
        cx.ctxs.push(Ctx {
            span,
            label: Loc::new(cx.file, span),
            kind: CtxKind::Boundary {
                returns: State::dead(),
                ret_val: Val::default(),
            },
        });
        let v = match body {
            Bounded::Block(b) => self.eval_block(cx, b, st),
            Bounded::Expr(e) => self.eval(cx, e, st),
        };
        let Some(Ctx {
            kind: CtxKind::Boundary { returns, ret_val },
            ..
        }) = cx.ctxs.pop()
        else {
            return v;
        };
        let alive = st.alive;
        *st = State::join(std::mem::take(st), returns);
        if alive { v.joined(&ret_val) } else { ret_val }
    }

    /// Runs closure `id` with `args` bound to its parameters, inside `retried` when given.
    fn run_closure(
        &mut self,
        cx: &mut FnCx<'a>,
        id: u32,
        args: &[Val],
        retried: Option<(Loc, RetryKind, String)>,
        st: &mut State,
    ) -> Val {
        cx.pending_closures.remove(&id);
        let Some(&(span, params, body)) = cx.closures.get(&id) else {
            return Val::default();
        };
        if cx.closure_nesting >= MAX_CLOSURE_NESTING {
            return Val::default();
        }
        cx.closure_nesting += 1;
        let pushed = retried.is_some();
        if let Some((label, kind, detail)) = retried {
            cx.ctxs.push(Ctx {
                span,
                label,
                kind: CtxKind::Retried { kind, detail },
            });
        }
        // A closure nothing here calls whose parameters destructure extractors
        // (`|Query(q): Query<Cb>|`) is a handler the router calls with the request.
        let outer_handler = cx.handler_closure;
        let extractor = |p: &Pat| match p {
            Pat::TupleStruct { path, .. } => path.last().is_some_and(|last| {
                self.models
                    .handlers
                    .iter()
                    .any(|h| h.extractors.iter().any(|x| x == last))
            }),
            _ => false,
        };
        // Labelled at its head (`move |Query(q): Query<Cb>|`), up to its body.
        let body_span = body.span();
        let head = Span {
            hi: body_span.lo,
            end_line: body_span.line,
            end_col: body_span.col,
            ..span
        };
        let routed = args.is_empty() && params.iter().any(extractor);
        if routed {
            cx.handler_closure = Some(head);
        }
        for (i, p) in params.iter().enumerate() {
            let v = match args.get(i) {
                Some(v) => v.clone(),
                None if routed && extractor(p) => self.new_val(cx, OriginKind::Request, head, None),
                None => self.new_val(cx, OriginKind::LoopItem, span, None),
            };
            self.bind(p, &v, st);
        }
        let v = match body {
            Expr::Block(b) => self.in_boundary(cx, Bounded::Block(b), st),
            other => self.in_boundary(cx, Bounded::Expr(other), st),
        };
        cx.handler_closure = outer_handler;
        if pushed {
            cx.ctxs.pop();
        }
        cx.closure_nesting -= 1;
        v
    }

    // ----- calls ----------------------------------------------------------------------------

    fn eval_args(&mut self, cx: &mut FnCx<'a>, args: &'a [Expr], st: &mut State) -> Vec<Val> {
        args.iter().map(|a| self.eval(cx, a, st)).collect()
    }

    /// The summaries of the project's functions `cands`, merged.
    fn merged_summary(&mut self, cands: &[FnId]) -> Option<(Summary, Vec<FnId>)> {
        self.reading.extend(cands.iter().copied());
        let mut merged: Option<Summary> = None;
        let mut used = Vec::new();
        for c in cands {
            let Some(s) = self.summaries.get(c) else {
                continue;
            };
            if !self.summary_matters(s) {
                continue;
            }
            used.push(*c);
            match &mut merged {
                None => merged = Some(s.clone()),
                Some(m) => {
                    m.exchange_params.extend(s.exchange_params.iter().cloned());
                    m.repeats.extend(s.repeats.iter().copied());
                    m.returns.join_with(&s.returns);
                }
            }
        }
        merged.map(|m| (m, used))
    }

    /// Applies a callee summary at a call: exchanges, repeated closures, the returned value.
    #[allow(clippy::too_many_arguments, reason = "a call site has this many parts")]
    fn apply_summary(
        &mut self,
        cx: &mut FnCx<'a>,
        summary: &Summary,
        callees: &[FnId],
        args: &[Val],
        call_span: Span,
        anchor: Span,
        name: &str,
        st: &mut State,
    ) -> Val {
        let mut result = Val::default();
        for (i, arg) in args.iter().enumerate() {
            let Some(cid) = arg.closure else { continue };
            let retried = summary.repeats.contains(&i).then(|| {
                (
                    Self::loc(cx, anchor),
                    RetryKind::Helper,
                    format!("`{name}` runs this closure repeatedly"),
                )
            });
            let v = self.run_closure(cx, cid, &[], retried, st);
            result.join_with(&Val {
                results: v.results,
                ..Val::default()
            });
        }
        for &i in &summary.repeats {
            if let Some(arg) = args.get(i) {
                self.note_param_use(cx, arg, call_span, true, st);
            }
        }
        // What the callee compares or looks up, it checks for this caller.
        for (i, path) in &summary.checks {
            let Some(arg) = args.get(*i) else { continue };
            let mut v = arg.clone();
            for p in path {
                v = self.project(&v, p);
            }
            self.note_check(cx, &v, st);
        }
        let mut exchanged = Val::default();
        let mut any = false;
        for (i, path) in &summary.exchange_params {
            let Some(arg) = args.get(*i) else { continue };
            let mut v = arg.clone();
            for p in path {
                v = self.project(&v, p);
            }
            exchanged.join_with(&v);
            any = true;
        }
        if any {
            let retrying = args.iter().find_map(|a| a.retrying);
            let code_params: BTreeSet<usize> =
                summary.exchange_params.iter().map(|(i, _)| *i).collect();
            let context: BTreeSet<u32> = args
                .iter()
                .enumerate()
                .filter(|(i, _)| !code_params.contains(i))
                .flat_map(|(_, v)| v.origins.iter().copied())
                .collect();
            // Guards the callee passes before its exchange dominate this one.
            if let Some(pre) = &summary.pre_guards {
                st.guards.extend(pre.iter().copied());
            }
            cx.via_summary = true;
            cx.recursive_call = callees.contains(&cx.fid);
            let r = self.exchange(
                cx,
                &exchanged,
                Self::loc(cx, anchor),
                call_span,
                retrying,
                &context,
                st,
            );
            cx.via_summary = false;
            cx.recursive_call = false;
            if summary.stores_response {
                self.token_kept_by_callee(Self::loc(cx, anchor));
            }
            cx.summary
                .post_guards
                .extend(summary.post_guards.iter().copied());
            if self.reporting() {
                let after: Vec<GuardFact> = summary
                    .post_guards
                    .iter()
                    .map(|&g| self.guards[g as usize].clone())
                    .collect();
                for &site in &r.results {
                    if let Some(cb) = self
                        .sites
                        .get_mut(site as usize)
                        .and_then(|f| f.callback.as_mut())
                    {
                        for g in &after {
                            if !cb.guards_after.contains(g) {
                                cb.guards_after.push(g.clone());
                            }
                        }
                    }
                }
            }
            st.guards.extend(summary.exit_guards.iter().copied());
            result.join_with(&r);
        } else {
            // A callee that guards without exchanging (`take_pending(&state)`).
            let keys: Vec<&Val> = args.iter().collect();
            for &g in &summary.exit_guards {
                self.pass_guard(cx, g, &keys, false, false, st);
            }
        }
        let mut returned = self.instantiate(&summary.returns, callees, args, cx, call_span);
        returned.truncate(MAX_SUMMARY_DEPTH);
        result.join_with(&returned);
        result
    }

    /// The callee's returned value seen from the call: parameters replaced by the arguments,
    /// other origins re-anchored at the call (each call produces a new value).
    fn instantiate(
        &mut self,
        ret: &Val,
        callees: &[FnId],
        args: &[Val],
        cx: &FnCx<'a>,
        call_span: Span,
    ) -> Val {
        let mut out = Val {
            fields: BTreeMap::new(),
            ..ret.clone()
        };
        out.origins.clear();
        for &o in &ret.origins {
            let origin = self.origins[o as usize].clone();
            if let OriginKind::Param(f, i) = origin.kind
                && callees.contains(&f)
            {
                if let Some(arg) = args.get(i) {
                    let mut v = arg.clone();
                    for p in &origin.path {
                        v = self.project(&v, p);
                    }
                    out.join_with(&v);
                }
                continue;
            }
            let at = Self::loc(cx, call_span);
            let id = self.intern(Origin { at, ..origin });
            out.origins.insert(id);
        }
        for (k, v) in &ret.fields {
            let fv = self.instantiate(v, callees, args, cx, call_span);
            out.fields.insert(k.clone(), fv);
        }
        self.param_redirects(cx, &mut out, args, call_span);
        if let Some(p) = &ret.pending
            && let Some(code) = &p.code
        {
            let code = self.instantiate(code, callees, args, cx, call_span);
            out.pending = Some(Box::new(Pending {
                code: Some(Box::new(code)),
                ..(**p).clone()
            }));
        }
        if let Some(h) = &ret.http
            && let Some(code) = &h.body.code
        {
            let code = self.instantiate(code, callees, args, cx, call_span);
            let mut h = (**h).clone();
            h.body.code = Some(Box::new(code));
            out.http = Some(Box::new(h));
        }
        if let Some(b) = &ret.body
            && let Some(code) = &b.code
        {
            let code = self.instantiate(code, callees, args, cx, call_span);
            let mut b = (**b).clone();
            b.code = Some(Box::new(code));
            out.body = Some(Box::new(b));
        }
        out
    }

    /// Records that a parameter (a closure) is called or handed to a retry API here.
    fn note_param_use(
        &mut self,
        cx: &mut FnCx<'a>,
        v: &Val,
        span: Span,
        retried: bool,
        st: &mut State,
    ) {
        for &o in &v.origins {
            let OriginKind::Param(f, i) = self.origins[o as usize].kind else {
                continue;
            };
            if f != cx.fid {
                continue;
            }
            if retried
                || cx
                    .ctxs
                    .iter()
                    .any(|c| matches!(c.kind, CtxKind::Retried { .. }))
            {
                cx.summary.repeats.insert(i);
                continue;
            }
            let key = self.site_id(Self::loc(cx, span));
            st.done.insert(
                key,
                Done {
                    origins: BTreeSet::new(),
                    status: Status::Unknown,
                    anchor: Self::loc(cx, span),
                    assigned_after: BTreeSet::new(),
                    invoked_param: Some(i),
                    context: BTreeSet::new(),
                    when: st.bools.clone(),
                },
            );
        }
    }

    fn site_id(&mut self, anchor: Loc) -> u32 {
        if let Some(&id) = self.site_ids.get(&anchor) {
            return id;
        }
        let id = u32::try_from(self.sites.len()).unwrap_or(u32::MAX);
        self.sites.push(ExchangeFact::new(anchor));
        self.site_fns.push(self.current);
        self.site_ids.insert(anchor, id);
        id
    }

    fn eval_call(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        callee: &'a Expr,
        args: &'a [Expr],
        st: &mut State,
    ) -> Val {
        let mut argv = Vec::new();
        let mut v = self.eval_call_inner(cx, span, callee, args, &mut argv, st);
        self.token_call(cx, callee, args, &argv, &mut v);
        v
    }

    fn eval_call_inner(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        callee: &'a Expr,
        args: &'a [Expr],
        argv_out: &mut Vec<Val>,
        st: &mut State,
    ) -> Val {
        let Expr::Path { segs, span: cspan } = callee else {
            let c = self.eval(cx, callee, st);
            let argv = self.eval_args(cx, args, st);
            if let Some(id) = c.closure {
                return self.run_closure(cx, id, &argv, None, st);
            }
            return self.unknown(cx, span);
        };
        let argv = self.eval_args(cx, args, st);
        self.note_predicate(cx, span, &argv, st);
        if self.token_wants_args(cx, "", &argv) {
            argv_out.clone_from(&argv);
        }
        // Calling a local closure or a closure parameter.
        if segs.len() == 1
            && let Some(v) = st.env.get(&segs[0]).cloned()
        {
            if let Some(id) = v.closure {
                return self.run_closure(cx, id, &argv, None, st);
            }
            self.note_param_use(cx, &v, span, false, st);
            return self.unknown(cx, span);
        }
        let path = self.index.expand(cx.file, &cx.def.module, segs);
        let name = segs.join("::");
        // The project's own functions come first.
        let cands = self.index.resolve_path(cx.fid, &path);
        if let Some((summary, used)) = self.merged_summary(&cands) {
            return self.apply_summary(cx, &summary, &used, &argv, span, *cspan, &name, st);
        }
        let models = self.models;
        if let Some(last) = path.last() {
            self.note_call_checks(cx, last, None, &argv, st);
        }
        let guard_rules: Vec<&'a GuardRule> = models
            .guard_functions
            .iter()
            .filter(|(p, _)| path_matches(&path, p))
            .map(|(_, r)| r)
            .collect();
        if guard_rules.is_empty() && cands.is_empty() {
            let last = path.last().map_or("", String::as_str);
            self.observe_named_guard(cx, last, Self::loc(cx, *cspan), None, &argv, st);
        }
        if !guard_rules.is_empty() {
            // SQL text: the first literal argument (sea-orm's
            // `Statement::from_sql_and_values(backend, "..", values)` gives it second).
            let sql = args.iter().find_map(Expr::as_str_lit);
            let g = self.observe_guard(
                cx,
                &guard_rules,
                &name,
                Self::loc(cx, *cspan),
                None,
                None,
                &argv,
                sql,
                st,
            );
            if let Some(g) = g {
                let mut v = self.unknown(cx, span);
                v.guard = Some(g);
                return v;
            }
        }
        if let Some(rule) = find_fn(&models.retry_functions, &path)
            && let Some(i) = rule.op_arg
            && let Some(op) = argv.get(i)
        {
            return self.run_retried(cx, op, *cspan, &name, st);
        }
        if models
            .retrying_functions
            .iter()
            .any(|p| path_matches(&path, p))
        {
            return Val {
                retrying: Some(Self::loc(cx, *cspan)),
                ..Val::default()
            };
        }
        if models
            .not_exchange_functions
            .iter()
            .any(|p| path_matches(&path, p))
        {
            return self.unknown(cx, span);
        }
        // With `arg_kind`, the code rides on a pending request passed as the argument
        // (`GraphClient::from(&client)`), and the exchange is this call. Several rules can name
        // one function (versions with different arities): the first whose arity fits is used.
        let rule = models
            .exchange_functions
            .iter()
            .filter(|(p, _)| path_matches(&path, p))
            .map(|(_, r)| r)
            .find(|r| r.arity.is_none_or(|a| a == argv.len()));
        let exchanged = rule.and_then(|rule| {
            let i = rule.code_arg?;
            let arg = argv.get(i)?;
            match &rule.arg_kind {
                None => Some((arg.clone(), context_of(&argv, Some(i)))),
                Some(kind) => {
                    let p = arg.pending.as_ref().filter(|p| &p.kind == kind)?;
                    let mut context = context_of(&argv, Some(i));
                    context.extend(p.context.iter().copied());
                    Some(((**p.code.as_ref()?).clone(), context))
                }
            }
        });
        if let Some(rule) = rule
            && let Some((code, context)) = exchanged
        {
            let retrying = argv.iter().find_map(|a| a.retrying);
            let mut v = self.exchange(
                cx,
                &code,
                Self::loc(cx, *cspan),
                span,
                retrying,
                &context,
                st,
            );
            self.returned_parts(&mut v, &rule.returns);
            return v;
        }
        if let Some(rule) = find_fn(&models.pending_functions, &path) {
            return Val {
                pending: Some(Box::new(Pending {
                    kind: rule.kind.clone(),
                    code: rule
                        .code_arg
                        .and_then(|i| argv.get(i))
                        .map(|v| Box::new(v.clone())),
                    anchor: Self::loc(cx, *cspan),
                    context: context_of(&argv, rule.code_arg),
                })),
                ..Val::default()
            };
        }
        if let Some(rule) = find_fn(&models.http_request_functions, &path) {
            let url = argv.get(rule.url_arg).cloned().unwrap_or_default();
            return self.start_http(cx, &url, *cspan, None);
        }
        if let Some(rule) = find_fn(&models.source_functions, &path) {
            return self.source(
                cx,
                rule.origin.as_str(),
                *cspan,
                argv.first(),
                rule.into_arg,
                args,
                st,
            );
        }
        if path.len() >= 2 {
            let ty = &path[path.len() - 2];
            let f = &path[path.len() - 1];
            let krate = self.index.files[cx.file as usize].crate_id;
            let derives = self.index.type_derives(krate, ty);
            let derives = derives.as_slice();
            if let Some(rule) = models.source_constructors.iter().find(|r| {
                r.functions.iter().any(|n| n == f)
                    && r.type_derives.iter().any(|d| derives.contains(&d.as_str()))
            }) {
                let kind = rule.origin.clone();
                return self.source(cx, &kind, *cspan, None, None, args, st);
            }
        }
        if models
            .transparent_functions
            .iter()
            .any(|p| path_matches(&path, p))
        {
            return Val::join_all(&argv);
        }
        // Tuple structs and enum variants (`Query(q)`, `Creds(code)`): fields by position.
        if segs
            .last()
            .is_some_and(|s| s.chars().next().is_some_and(char::is_uppercase))
        {
            let mut v = Val::default();
            for (i, a) in argv.iter().enumerate() {
                v.origins.extend(a.origins.iter().copied());
                if let Some(b) = &a.body {
                    let mut merged = v.body.take().unwrap_or_default();
                    merged.merge(b);
                    v.body = Some(merged);
                }
                v.fields.insert(i.to_string(), a.clone());
            }
            return v;
        }
        // Unknown function: closures handed to it run once, here.
        let mut out = self.unknown_call(cx, span, None, &argv);
        for a in &argv {
            if let Some(id) = a.closure {
                let r = self.run_closure(cx, id, &[], None, st);
                out.results.extend(r.results);
            }
            if out.retrying.is_none()
                && matches!(
                    path.last().map(String::as_str),
                    Some("new" | "from" | "builder")
                )
            {
                out.retrying = a.retrying;
            }
        }
        out
    }

    /// Runs `op` as the operation of a retry API named at `label`.
    fn run_retried(
        &mut self,
        cx: &mut FnCx<'a>,
        op: &Val,
        label: Span,
        name: &str,
        st: &mut State,
    ) -> Val {
        let detail = format!("`{name}` re-runs this operation when it fails");
        if let Some(id) = op.closure {
            return self.run_closure(
                cx,
                id,
                &[],
                Some((Self::loc(cx, label), RetryKind::RetryApi, detail)),
                st,
            );
        }
        self.note_param_use(cx, op, label, true, st);
        self.unknown(cx, label)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "a source call has this many parts"
    )]
    fn source(
        &mut self,
        cx: &mut FnCx<'a>,
        origin: &str,
        span: Span,
        first_arg: Option<&Val>,
        into_arg: Option<usize>,
        args: &'a [Expr],
        st: &mut State,
    ) -> Val {
        let kind = match origin {
            "stdin" => OriginKind::Stdin,
            "env" => OriginKind::Env,
            "cli" => OriginKind::Cli,
            "file" => OriginKind::File,
            "config" => OriginKind::Config,
            "literal" => OriginKind::Literal,
            _ => OriginKind::Request,
        };
        let name = first_arg.and_then(|a| a.lit.clone());
        let v = self.new_val(cx, kind, span, name);
        if let Some(i) = into_arg
            && let Some(target) = args.get(i)
        {
            self.assign(cx, target, v, st);
            return Val::default();
        }
        v
    }

    fn start_http(&mut self, cx: &FnCx<'a>, url: &Val, span: Span, client: Option<&Val>) -> Val {
        let retrying = client.and_then(|c| c.retrying);
        let mut context = url.origins.clone();
        if let Some(c) = client {
            context.extend(c.origins.iter().copied());
        }
        let mut body = url.body.as_deref().cloned().unwrap_or_default();
        if let Some(lit) = &url.lit
            && self.models.is_token_url(lit)
        {
            body.token_url = true;
        }
        let anchor = body.code.is_some().then(|| Self::loc(cx, span));
        Val {
            http: Some(Box::new(Http {
                body,
                anchor,
                context,
            })),
            retrying: retrying.or(url.retrying),
            ..Val::default()
        }
    }

    fn http_exchange(
        &mut self,
        cx: &mut FnCx<'a>,
        http: &Http,
        call_span: Span,
        retrying: Option<Loc>,
        st: &mut State,
    ) -> Val {
        let Some(code) = &http.body.code else {
            return Val::default();
        };
        let anchor = http.anchor.unwrap_or(Self::loc(cx, call_span));
        let code = (**code).clone();
        self.exchange(cx, &code, anchor, call_span, retrying, &http.context, st)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "a method call has this many parts"
    )]
    fn eval_method(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        name_span: Span,
        receiver: &'a Expr,
        method: &str,
        args: &'a [Expr],
        st: &mut State,
    ) -> Val {
        let recv = self.eval(cx, receiver, st);
        // The token hooks see the receiver and arguments only when they can matter: cloning
        // every call's values would double the interpreter's time.
        let saved = self.token_wants(cx, method, &recv).then(|| recv.clone());
        let mut argv = Vec::new();
        let mut v = self.eval_method_inner(
            cx, span, name_span, receiver, method, args, recv, &mut argv, st,
        );
        let recv = saved.unwrap_or_default();
        self.token_method(
            cx, name_span, receiver, method, args, &recv, &argv, &mut v, st,
        );
        v
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "a method call has this many parts"
    )]
    fn eval_method_inner(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        name_span: Span,
        receiver: &'a Expr,
        method: &str,
        args: &'a [Expr],
        recv: Val,
        argv_out: &mut Vec<Val>,
        st: &mut State,
    ) -> Val {
        // A single-flight guard runs its argument once: it dominates an exchange inside it.
        if let Some(rule) = self
            .models
            .guard_methods
            .get(method)
            .and_then(|rs| rs.iter().find(|r| r.runs_arg))
            && !self.is_from_request(cx, &recv)
        {
            let g = self.guard_id(GuardFact {
                loc: Self::loc(cx, name_span),
                op: method.to_string(),
                atomic: rule.atomic,
                shared: rule.shared,
                in_memory: !rule.shared,
                label: rule.label.clone(),
            });
            st.guards.insert(g);
        }
        let argv = self.eval_args(cx, args, st);
        self.note_predicate(cx, span, &argv, st);
        if self.token_wants_args(cx, method, &argv) {
            argv_out.clone_from(&argv);
        }

        // The project's own methods.
        let cands = self.index.resolve_method(cx.fid, method, argv.len());
        if let Some((summary, used)) = self.merged_summary(&cands) {
            let mut all = Vec::with_capacity(argv.len() + 1);
            all.push(recv.clone());
            all.extend(argv.iter().cloned());
            return self.apply_summary(cx, &summary, &used, &all, span, name_span, method, st);
        }
        // Guards, checks, and the callback's state handed to a lookup.
        self.note_call_checks(cx, method, Some(&recv), &argv, st);
        if method == "arg" && is_redis_lookup(receiver) {
            for a in &argv {
                self.note_check(cx, a, st);
            }
        }
        let models = self.models;
        let mut checked_guard = None;
        if !models.guard_methods.contains_key(method) && cands.is_empty() {
            self.observe_named_guard(cx, method, Self::loc(cx, name_span), Some(&recv), &argv, st);
        }
        if let Some(rules) = models.guard_methods.get(method) {
            let sql = args.first().and_then(Expr::as_str_lit);
            // An in-memory removal whose result is thrown away (`pending.remove(&state);`)
            // guards nothing: the exchange runs whether or not the entry was there. After a
            // check of the same key, the check decided: one lock for both is a guard, two are
            // check-then-act.
            let discarded = cx.discarded == Some(span)
                && !argv.first().is_some_and(|k| {
                    key_sigs(k).iter().any(|sig| {
                        st.checked_keys
                            .iter()
                            .any(|c| c.split_once('|').is_some_and(|(_, key)| key == sig))
                    })
                });
            let rules: Vec<&GuardRule> = rules
                .iter()
                // A claim whose answer is thrown away (`let _: bool = con.set_nx(k, 1).await?;`)
                // stops nothing either; a shared check-then-act write still is one.
                .filter(|r| !discarded || r.check || r.checked || (r.shared && !r.atomic))
                .collect();
            // A receiver held in a local (`let mut flows = self.flows.lock()?; flows.remove(k)`):
            // a check and a write through it are under one guard.
            let recv_local = match receiver {
                Expr::Path { segs, .. } if segs.len() == 1 && segs[0] != "self" => {
                    Some(segs[0].as_str())
                }
                _ => None,
            };
            checked_guard = self.observe_guard(
                cx,
                &rules,
                method,
                Self::loc(cx, name_span),
                Some(&recv),
                recv_local,
                &argv,
                sql,
                st,
            );
        }
        let passes_guard = matches!(
            method,
            "is_some"
                | "is_none"
                | "is_ok"
                | "is_err"
                | "unwrap_or"
                | "unwrap_or_default"
                // `sqlx::query(..).bind(k).execute(db).await?.rows_affected()`.
                | "bind"
                | "execute"
                | "rows_affected"
        );
        let inherited = if passes_guard { recv.guard } else { None };
        let mut v =
            self.eval_method_vals(cx, span, name_span, receiver, method, args, recv, &argv, st);
        if let Some(g) = checked_guard.or(inherited) {
            v.guard = Some(g);
        }
        v
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "a method call has this many parts"
    )]
    fn eval_method_vals(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        name_span: Span,
        receiver: &'a Expr,
        method: &str,
        args: &'a [Expr],
        recv: Val,
        argv: &[Val],
        st: &mut State,
    ) -> Val {
        let models = self.models;
        let loc = Self::loc(cx, name_span);

        // Retry APIs: backon's `op.retry(builder)`, again's `policy.retry(task)`.
        if let Some(rule) = models.retry_methods.get(method) {
            if rule.op_receiver && (recv.closure.is_some() || is_param(self, cx, &recv)) {
                return self.run_retried(cx, &recv, name_span, &format!(".{method}(..)"), st);
            }
            if let Some(i) = rule.op_arg
                && let Some(op) = argv.get(i)
                && op.closure.is_some()
            {
                return self.run_retried(cx, op, name_span, &format!(".{method}(..)"), st);
            }
        }
        // `.when(..)`, `.notify(..)`, `.sleep(..)` chained on a retry keep its result.
        if models.retrying_methods.iter().any(|m| m == method) {
            return Val {
                retrying: Some(loc),
                ..recv
            };
        }

        if models.not_exchange_methods.iter().any(|m| m == method) {
            return self.unknown(cx, span);
        }

        // Exchanges: library wrappers and terminal requests on a pending request.
        if let Some(rules) = models.exchange_methods.get(method) {
            for rule in rules {
                if rule.arity.is_some_and(|a| a != argv.len()) {
                    continue;
                }
                if let Some(cond) = &rule.when_arg
                    && args.get(cond.index).and_then(Expr::as_str_lit) != Some(cond.equals.as_str())
                {
                    continue;
                }
                if !rule.crates.is_empty() && !self.index.file_uses(cx.file, &rule.crates) {
                    continue;
                }
                if let Some(kind) = &rule.arg_kind {
                    // The code rides on a pending request passed as an argument.
                    let Some(p) = rule
                        .code_arg
                        .and_then(|i| argv.get(i))
                        .and_then(|a| a.pending.as_ref())
                        .filter(|p| &p.kind == kind)
                    else {
                        continue;
                    };
                    let Some(code) = p.code.as_deref().cloned() else {
                        continue;
                    };
                    let anchor = p.anchor;
                    let retrying = recv.retrying;
                    let mut context = p.context.clone();
                    context.extend(recv.origins.iter().copied());
                    return self.exchange(cx, &code, anchor, span, retrying, &context, st);
                }
                let mut context = context_of(argv, rule.code_arg);
                let code = match (&rule.receiver_kind, rule.code_arg) {
                    (Some(kind), arg) => {
                        let Some(p) = recv.pending.as_ref().filter(|p| &p.kind == kind) else {
                            continue;
                        };
                        context.extend(p.context.iter().copied());
                        match arg {
                            Some(i) => argv.get(i).cloned().map(|v| (v, loc)),
                            // No code value: inert for the code lints (no origin to repeat,
                            // retry or persist).
                            // The exchange is this call (the flow runs inside it).
                            None if rule.codeless && p.code.is_none() => {
                                Some((Val::default(), loc))
                            }
                            None => p.code.as_ref().map(|c| ((**c).clone(), p.anchor)),
                        }
                    }
                    (None, Some(i)) => {
                        context.extend(recv.origins.iter().copied());
                        argv.get(i).cloned().map(|v| (v, loc))
                    }
                    (None, None) => None,
                };
                let Some((code, anchor)) = code else { continue };
                let retrying = recv
                    .retrying
                    .or_else(|| argv.iter().find_map(|a| a.retrying));
                let mut v = self.exchange(cx, &code, anchor, span, retrying, &context, st);
                self.returned_parts(&mut v, &rule.returns);
                return v;
            }
        }
        if let Some(rules) = models.pending_methods.get(method) {
            for rule in rules {
                if rule.arity.is_some_and(|a| a != argv.len()) {
                    continue;
                }
                return Val {
                    pending: Some(Box::new(Pending {
                        kind: rule.kind.clone(),
                        code: rule
                            .code_arg
                            .and_then(|i| argv.get(i))
                            .map(|v| Box::new(v.clone())),
                        anchor: loc,
                        context: {
                            let mut c = context_of(argv, rule.code_arg);
                            c.extend(recv.origins.iter().copied());
                            c
                        },
                    })),
                    retrying: recv.retrying,
                    ..Val::default()
                };
            }
        }

        // Raw HTTP.
        if let Some(rule) = models.http_request_methods.get(method) {
            let method_ok = rule.when_arg_path.as_ref().is_none_or(|c| {
                argv.get(c.index)
                    .and_then(|v| v.path_tail.as_deref())
                    .is_some_and(|t| t.eq_ignore_ascii_case(&c.equals))
            });
            if method_ok {
                let url = argv.get(rule.url_arg).cloned().unwrap_or_default();
                return self.start_http(cx, &url, name_span, Some(&recv));
            }
        }
        if let Some(rule) = models.http_body_methods.get(method)
            && let Some(http) = &recv.http
        {
            let mut http = http.clone();
            if let Some(arg) = argv.get(rule.body_arg) {
                let before = http.body.code.is_some();
                if let Some(b) = &arg.body {
                    http.body.merge(b);
                } else if let Some(lit) = &arg.lit
                    && let Some(b) = body_from_text(lit, &Val::default())
                {
                    http.body.merge(&b);
                }
                if !before && http.body.code.is_some() {
                    http.anchor = Some(loc);
                }
            }
            if rule.sends {
                if http.body.carries_code() {
                    return self.http_exchange(cx, &http, span, recv.retrying, st);
                }
                return self.unknown(cx, span);
            }
            return Val {
                http: Some(http),
                ..recv
            };
        }
        if models.http_send_methods.iter().any(|m| m == method)
            && let Some(http) = &recv.http
        {
            if http.body.carries_code() {
                let http = http.clone();
                return self.http_exchange(cx, &http, span, recv.retrying, st);
            }
            return self.unknown(cx, span);
        }

        // Collections that build a form: `params.insert("code", c)`, `push(("code", c))`,
        // `append_pair("grant_type", "authorization_code")`, `extend_pairs(..)`.
        if let Some(added) = Self::collection_body(method, argv) {
            if let Some(var) = root_var(receiver)
                && let Some(target) = st.env.get_mut(var)
            {
                let mut b = target.body.take().unwrap_or_default();
                b.merge(&added);
                target.body = Some(b);
            }
            let mut out = recv.clone();
            let mut b = out.body.take().unwrap_or_default();
            b.merge(&added);
            out.body = Some(b);
            return out;
        }

        // Keyed access: `params.get("code")`, `map.remove("code")`.
        if matches!(
            method,
            "get" | "remove" | "get_one" | "value_of" | "get_raw" | "query" | "param"
        ) && let Some(key) = args.first().and_then(Expr::as_str_lit)
        {
            let mut v = self.project(&recv, key);
            if v.origins.is_empty() {
                v = self.unknown(cx, span);
            }
            return v;
        }

        // Exchange results: status tests, unwraps and error handlers.
        match method {
            "is_err" | "is_ok" if !recv.results.is_empty() => {
                return Val {
                    test: Some((recv.results.clone(), method == "is_err")),
                    ..Val::default()
                };
            }
            "unwrap" | "expect" | "unwrap_or_default" => st.set_status(&recv.results, Status::Ok),
            _ => {}
        }

        // Closures handed to adapters run here. What the call returns depends on what the
        // closure produces: the error or a side effect (`ok_or_else`, `map_err`, `inspect`,
        // `context`): the receiver; a fallback (`unwrap_or_else`, `or_else`): the receiver or
        // the fallback; a new value (`map`, `and_then`, ..): the closure's result.
        let closure_args: Vec<u32> = argv.iter().filter_map(|a| a.closure).collect();
        if !closure_args.is_empty() {
            let on_error = matches!(
                method,
                "or_else" | "unwrap_or_else" | "map_err" | "or_else_async" | "inspect_err"
            );
            let keeps_receiver = matches!(
                method,
                "ok_or_else"
                    | "map_err"
                    | "inspect"
                    | "inspect_err"
                    | "filter"
                    | "find"
                    | "take_while"
                    | "skip_while"
                    | "context"
                    | "with_context"
                    | "wrap_err_with"
                    | "wrap_err"
            );
            let fallback = matches!(method, "unwrap_or_else" | "or_else" | "or_else_async");
            let mut out = if keeps_receiver || fallback {
                recv.clone()
            } else {
                Val::default()
            };
            let mut outcomes = State::dead();
            for id in closure_args {
                let mut branch = st.clone();
                if on_error {
                    branch.set_status(&recv.results, Status::Failed);
                }
                let param = if on_error {
                    Val::default()
                } else {
                    recv.clone()
                };
                let mut r = self.run_closure(cx, id, &[param.clone(), param], None, &mut branch);
                if fallback {
                    // A literal fallback is a default, not where the value comes from.
                    r.origins
                        .retain(|&o| self.origins[o as usize].kind != OriginKind::Literal);
                }
                if !keeps_receiver {
                    out.join_with(&r);
                }
                outcomes = State::join(outcomes, branch);
            }
            if on_error {
                // The success path skips the handler.
                let mut ok = std::mem::take(st);
                ok.set_status(&recv.results, Status::Ok);
                out.results.extend(recv.results.iter().copied());
                *st = State::join(ok, outcomes);
            } else if keeps_receiver {
                *st = State::join(std::mem::take(st), outcomes);
            } else {
                *st = outcomes;
            }
            if out.origins.is_empty() && out.results.is_empty() && out.pending.is_none() {
                let u = self.unknown(cx, span);
                out.join_with(&u);
            }
            return out;
        }

        if let Some(rule) = models.transparent_methods.get(method) {
            if let Some(i) = rule.into_arg {
                if let Some(target) = args.get(i) {
                    self.assign(cx, target, recv.clone(), st);
                }
                return Val::default();
            }
            return recv;
        }
        if let Some(rule) = models.source_methods.get(method)
            && !(method == "recv" && is_channel_receiver(cx.def, receiver))
        {
            let kind = rule.origin.clone();
            return self.source(cx, &kind, name_span, argv.first(), rule.into_arg, args, st);
        }
        // Builder steps keep a retrying client retrying, and `with(middleware)` makes one.
        let mut out = self.unknown_call(cx, span, Some(&recv), argv);
        out.retrying = recv
            .retrying
            .or_else(|| argv.iter().find_map(|a| a.retrying));
        if recv.pending.is_some() {
            out.pending.clone_from(&recv.pending);
        }
        if let Some(http) = &recv.http {
            out.http = Some(http.clone());
        }
        // diesel's `tokens::access_token.eq(tok.access_token)` in `.values((..))`: the column
        // assignment carries the value it writes.
        if method == "eq"
            && matches!(receiver, Expr::Path { segs, .. } if segs.len() >= 2)
            && let Some(value) = argv.first()
        {
            out.join_with(value);
        }
        out
    }

    /// What a collection-building call adds to a form body.
    fn collection_body(method: &str, argv: &[Val]) -> Option<Body> {
        match method {
            "insert" | "append_pair" | "entry" => {
                let key = argv.first()?.lit.as_deref()?;
                let value = argv.get(1).cloned().unwrap_or_default();
                let mut body = Body::default();
                match key {
                    "grant_type" => classify_grant(&value, &mut body),
                    "code" => body.code = Some(Box::new(value)),
                    _ => return None,
                }
                Some(body)
            }
            "push" | "extend" | "extend_pairs" | "append" => {
                let mut body = Body::default();
                let mut any = false;
                for a in argv {
                    if let Some(b) = &a.body {
                        body.merge(b);
                        any = true;
                    }
                }
                any.then_some(body)
            }
            _ => None,
        }
    }

    fn eval_macro(
        &mut self,
        cx: &mut FnCx<'a>,
        span: Span,
        path: &[String],
        kind: &'a MacroKind,
        st: &mut State,
    ) -> Val {
        let name = path.join("::");
        let source_rule = self
            .models
            .source_macros
            .get(&name)
            .or_else(|| path.last().and_then(|l| self.models.source_macros.get(l)));
        if let Some(rule) = source_rule {
            let origin = rule.origin.clone();
            let lit = match kind {
                MacroKind::Format { template, .. } => template.clone(),
                MacroKind::Exprs(es) => es.first().and_then(|e| e.as_str_lit().map(str::to_string)),
                _ => None,
            };
            let mut v = self.source(cx, &origin, span, None, None, &[], st);
            if let Some(&o) = v.origins.iter().next() {
                let mut named = self.origins[o as usize].clone();
                named.name = lit;
                let id = self.intern(named);
                v.origins = BTreeSet::from([id]);
            }
            return v;
        }
        let last = path.last().map_or("", String::as_str);
        let guard_rules: Vec<&GuardRule> = self
            .models
            .guard_macros
            .get(&name)
            .or_else(|| self.models.guard_macros.get(last))
            .map(|rs| rs.iter().collect())
            .unwrap_or_default();
        if !guard_rules.is_empty() {
            // The SQL is the first literal (`query_as!(Row, "..", ..)` names the row type first).
            let sql_at = match kind {
                MacroKind::Exprs(es) => es.iter().position(|e| e.as_str_lit().is_some()),
                _ => None,
            };
            let sql = match kind {
                MacroKind::Format { template, .. } => template.as_deref(),
                MacroKind::Exprs(es) => sql_at.and_then(|i| es[i].as_str_lit()),
                _ => None,
            };
            let loc = Self::loc(cx, span);
            // The bound values, when they are plain reads (`sqlx::query!(".. $1", cb.state)`):
            // a row consumed by the received `state` verifies it.
            let binds: Vec<Val> = match kind {
                MacroKind::Exprs(es) => es
                    .iter()
                    .skip(sql_at.map_or(1, |i| i + 1))
                    .filter(|e| is_plain_read(e))
                    .map(|e| self.eval(cx, e, st))
                    .collect(),
                _ => Vec::new(),
            };
            self.observe_guard(cx, &guard_rules, last, loc, None, None, &binds, sql, st);
        }
        match kind {
            MacroKind::Format { template, args } => {
                let mut v = Val::default();
                let mut positional = Vec::new();
                for (n, a) in args {
                    let av = self.eval(cx, a, st);
                    v.origins.extend(av.origins.iter().copied());
                    positional.push((n.clone(), av));
                }
                if let Some(t) = template {
                    let code = format_code_arg(t, &positional, st);
                    if let Some(b) = body_from_text(t, &code) {
                        v.body = Some(Box::new(b));
                    } else if self.models.is_token_url(t) {
                        v.body = Some(Box::new(Body {
                            token_url: true,
                            ..Body::default()
                        }));
                    }
                    let diverges =
                        matches!(last, "panic" | "unreachable" | "todo" | "unimplemented");
                    for (name, _) in inline_names(t) {
                        if let Some(var) = st.env.get(&name) {
                            v.origins.extend(var.origins.iter().copied());
                            if diverges {
                                self.token_in_panic(var);
                            }
                        }
                    }
                    if diverges {
                        for (_, av) in &positional {
                            self.token_in_panic(av);
                        }
                    }
                    self.token_format(cx, span, t, &positional, &mut v, st);
                    // `format!("{}{}", ORIGIN, CALLBACK_PATH)` of literals and constants is a
                    // literal too (a redirect URI known statically).
                    if last == "format" && v.lit.is_none() {
                        v.lit = self.render_format(cx, t, &positional, st);
                    }
                }
                // Printing and logging give `()`, not the text.
                if UNIT_FORMAT_MACROS.contains(&last) {
                    return Val::default();
                }
                v
            }
            MacroKind::Exprs(es) => {
                let vals: Vec<Val> = es.iter().map(|e| self.eval(cx, e, st)).collect();
                self.token_macro(cx, span, path, es, &vals);
                // `ensure!(set.insert(k), ..)`: the result decides.
                if matches!(last, "ensure" | "assert")
                    && let Some(g) = vals.first().and_then(|v| v.guard)
                {
                    self.pass_guard(cx, g, &[], false, false, st);
                }
                let mut v = Val::join_all(&vals);
                v.fields.clear();
                v.guard = None;
                v
            }
            MacroKind::Json(json) => self.eval_json(cx, json, st),
            MacroKind::Select(branches) => {
                let mut futures = Vec::new();
                for b in branches {
                    futures.push(self.eval(cx, &b.future, st));
                }
                let mut out_st = State::dead();
                let mut out_v = Val::default();
                for (b, f) in branches.iter().zip(futures) {
                    let mut branch = st.clone();
                    self.bind(&b.pat, &f, &mut branch);
                    let hv = self.eval(cx, &b.handler, &mut branch);
                    out_v.join_with(&hv);
                    out_st = State::join(out_st, branch);
                }
                if branches.is_empty() {
                    out_st = st.clone();
                }
                *st = out_st;
                out_v
            }
            MacroKind::Opaque => self.unknown(cx, span),
        }
    }

    fn eval_json(&mut self, cx: &mut FnCx<'a>, json: &'a JsonValue, st: &mut State) -> Val {
        match json {
            JsonValue::Expr(e) => self.eval(cx, e, st),
            JsonValue::Array(items) => {
                let mut v = Val::default();
                for i in items {
                    let iv = self.eval_json(cx, i, st);
                    v.join_with(&iv);
                }
                v
            }
            JsonValue::Object(fields) => {
                let mut v = Val::default();
                let mut body = Body::default();
                for (k, fj) in fields {
                    let fv = self.eval_json(cx, fj, st);
                    if let JsonValue::Expr(e) = fj {
                        self.token_field(cx, k, e.span(), &fv, &mut v);
                    }
                    match k.as_str() {
                        "grant_type" => classify_grant(&fv, &mut body),
                        "code" => body.code = Some(Box::new(fv.clone())),
                        _ => {}
                    }
                    v.fields.insert(k.clone(), fv);
                }
                if body.code.is_some() || body.grant_auth_code || body.grant_other {
                    v.body = Some(Box::new(body));
                }
                v
            }
        }
    }

    /// An exchange of `code` at `anchor`: records facts and compares with earlier exchanges.
    #[allow(
        clippy::too_many_arguments,
        reason = "an exchange site has this many parts"
    )]
    fn exchange(
        &mut self,
        cx: &mut FnCx<'a>,
        code: &Val,
        anchor: Loc,
        call_span: Span,
        retrying: Option<Loc>,
        context: &BTreeSet<u32>,
        st: &mut State,
    ) -> Val {
        let site = self.site_id(anchor);
        // Parameters that reach an exchange make this function an exchange for its callers.
        let mut of_param = false;
        for &o in &code.origins {
            let origin = &self.origins[o as usize];
            if let OriginKind::Param(f, i) = origin.kind
                && f == cx.fid
            {
                cx.summary.exchange_params.insert((i, origin.path.clone()));
                of_param = true;
            }
        }
        if of_param {
            cx.summary.pre_guards = Some(match cx.summary.pre_guards.take() {
                None => st.guards.clone(),
                Some(g) => g.intersection(&st.guards).copied().collect(),
            });
        }
        if self.reporting()
            && let Some(cb) = self.callback_fact(cx, code, context, st)
            && let Some(fact) = self.sites.get_mut(site as usize)
        {
            match &mut fact.callback {
                None => fact.callback = Some(cb),
                Some(old) => {
                    old.guards.retain(|g| cb.guards.contains(g));
                    old.state_verified &= cb.state_verified;
                }
            }
        }
        if self.reporting() {
            let end = Span {
                hi: call_span.hi.max(anchor.span.hi),
                end_line: call_span.end_line.max(anchor.span.end_line),
                end_col: if call_span.hi >= anchor.span.hi {
                    call_span.end_col
                } else {
                    anchor.span.end_col
                },
                ..anchor.span
            };
            let persistent: Vec<PersistentFact> = code
                .origins
                .iter()
                .filter_map(|&o| {
                    let origin = &self.origins[o as usize];
                    let kind = match origin.kind {
                        OriginKind::Env => SourceKind::Env,
                        OriginKind::Literal => SourceKind::Literal,
                        OriginKind::Const => SourceKind::Const,
                        OriginKind::Cli => SourceKind::Cli,
                        OriginKind::File => SourceKind::File,
                        OriginKind::Config => SourceKind::Config,
                        _ => return None,
                    };
                    Some(PersistentFact {
                        kind,
                        label: origin.label,
                        name: origin.name.clone(),
                    })
                })
                .collect();
            let origin_label = code.origins.iter().find_map(|&o| {
                let origin = &self.origins[o as usize];
                (!matches!(
                    origin.kind,
                    OriginKind::Unknown | OriginKind::LoopItem | OriginKind::Counter
                ))
                .then_some(origin.label)
            });
            let item = cx.def.item_path.clone();
            if let Some(fact) = self.sites.get_mut(site as usize) {
                fact.span = end;
                fact.item_path = item;
                fact.code_origin = origin_label;
                for p in persistent {
                    if !fact.persistent.contains(&p) {
                        fact.persistent.push(p);
                    }
                }
                if let Some(r) = retrying {
                    fact.add_retry(RetryFact {
                        kind: RetryKind::Client,
                        label: r,
                        detail: String::new(),
                    });
                }
            }
        }
        // Retried closures around this exchange, innermost first, up to the enclosing loop.
        let retried: Vec<(Loc, RetryKind, String)> = cx
            .ctxs
            .iter()
            .rev()
            .filter_map(|c| match &c.kind {
                CtxKind::Retried { kind, detail }
                    if !self.is_fresh(&code.origins, cx.file, c.span) =>
                {
                    Some((c.label, *kind, detail.clone()))
                }
                _ => None,
            })
            .collect();
        if self.reporting()
            && let Some(fact) = self.sites.get_mut(site as usize)
        {
            for (label, kind, detail) in retried {
                fact.add_retry(RetryFact {
                    kind,
                    label,
                    detail,
                });
            }
        }
        // An earlier exchange of the same code on this path.
        if !st.dpop {
            let earlier: Vec<(u32, Loc, Status)> = st
                .done
                .iter()
                .filter(|(k, d)| {
                    **k != site
                        && d.invoked_param.is_none()
                        && d.origins.intersection(&code.origins).next().is_some()
                })
                .map(|(&k, d)| (k, d.anchor, d.status))
                .collect();
            // `redeem(code)` calling itself from its error path: the retry is of the exchange
            // in this function, reported there (labelled at this call).
            let (recursive, earlier): (Vec<_>, Vec<_>) =
                earlier.into_iter().partition(|&(_, first, status)| {
                    cx.recursive_call
                        && status == Status::Failed
                        && first.file == cx.file
                        && cx.def.span.contains(first.span)
                });
            if self.reporting() {
                for (first_site, _, _) in recursive {
                    if let Some(fact) = self.sites.get_mut(first_site as usize) {
                        fact.add_retry(RetryFact {
                            kind: RetryKind::Recursive,
                            label: anchor,
                            detail: String::new(),
                        });
                    }
                }
            }
            if self.reporting()
                && let Some(fact) = self.sites.get_mut(site as usize)
            {
                for (_, first, status) in earlier {
                    if status == Status::Failed {
                        fact.add_retry(RetryFact {
                            kind: RetryKind::AfterFailure,
                            label: first,
                            detail: String::new(),
                        });
                    } else if !fact.repeated_after.contains(&first) {
                        fact.repeated_after.push(first);
                    }
                }
            }
        }
        st.done.insert(
            site,
            Done {
                origins: code.origins.clone(),
                status: Status::Unknown,
                anchor,
                assigned_after: BTreeSet::new(),
                invoked_param: None,
                context: context.clone(),
                when: st.bools.clone(),
            },
        );
        let mut v = self.unknown(cx, call_span);
        v.results.insert(site);
        self.token_exchange(cx, site, anchor, &mut v);
        v
    }
}

/// `format!`-like macros that print or log: their value is `()`.
const UNIT_FORMAT_MACROS: &[&str] = &[
    "print",
    "println",
    "eprint",
    "eprintln",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "log",
    "event",
    "log_info",
    "log_debug",
    "log_error",
];

/// Whether a value holds (at any field depth) a pending token request, an HTTP request or a
/// form body: what an exchange is made of.
fn carries_request(v: &Val, depth: usize) -> bool {
    v.pending.is_some()
        || v.http.is_some()
        || v.body.is_some()
        || (depth <= MAX_VAL_DEPTH && v.fields.values().any(|f| carries_request(f, depth + 1)))
}

/// What a closure boundary wraps.
#[derive(Clone, Copy)]
enum Bounded<'a> {
    Block(&'a Block),
    Expr(&'a Expr),
}

struct FnCx<'a> {
    /// An exchange made by applying one of the project's summaries: the state handed to it is
    /// judged by the callee's own comparisons, not by being passed.
    via_summary: bool,
    /// Guards on every normal exit seen so far (`return` of a non-error value, the tail).
    ok_exit: Option<BTreeSet<u32>>,
    /// The method call whose value the statement being evaluated throws away (`m.remove(k);`).
    discarded: Option<Span>,
    /// The closure being run as a routed handler (`get(|Query(q): Query<Cb>| async move { .. })`):
    /// its extractor parameters come from the request.
    handler_closure: Option<Span>,
    /// The call that is a condition by itself (`if !state_is_signed(&key, &q.state) { .. }`):
    /// a predicate that decides the path checks the values it is given.
    predicate: Option<Span>,
    /// SQL tables a query about the flow named (`SELECT .. FROM logins WHERE state = $1`): a
    /// later write to one is about the flow too (`UPDATE logins SET used = true WHERE id = $1`).
    flow_tables: BTreeSet<String>,
    /// Error values (`Err(..)`, `Ok(None)`, `None`) that are the function's value from its tail
    /// (`if let Some(s) = s { .. } else { Ok(None) }`): exits that are not normal ones.
    error_tails: Vec<Span>,
    /// The exchange under way is a call of this function itself (`apply_summary`).
    recursive_call: bool,
    fid: FnId,
    file: FileId,
    def: &'a FnDef,
    ctxs: Vec<Ctx>,
    summary: Summary,
    closures: Arc<ClosureMap<'a>>,
    pending_closures: BTreeMap<u32, State>,
    closure_nesting: usize,
    eval_depth: u32,
    steps: u32,
}

/// Words of a call's name that look a value up or compare it.
const CHECK_WORDS: &[&str] = &[
    "get", "remove", "take", "verify", "validate", "check", "compare", "eq", "consume", "pop",
    "load", "find", "lookup", "fetch", "claim", "delete", "del", "bind", "filter", "contains",
    "exists", "getdel", "matches",
];
/// Words of a method's name that compare its receiver with its argument.
const EQ_WORDS: &[&str] = &["eq", "ne", "verify", "matches", "compare", "equals"];

/// Whether a literal names the flow's key (`"oauth_state"`, `"csrf"`, SQL about codes).
fn names_flow_key(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["state", "csrf", "code", "nonce", "verifier"]
        .iter()
        .any(|k| t.contains(k))
}

/// Bounds the syntactic walks over a statement's or a tail's shape (nested blocks, adapter
/// chains); lowering already caps nesting, this keeps each walk short.
const MAX_SHAPE_DEPTH: u32 = 16;

/// The call whose value a statement or `let _ =` throws away, through `.await`, `?` and error
/// adapters (`let _: bool = con.set_nx(k, 1).await.map_err(..)?;`).
fn discarded_call(e: &Expr, depth: u32) -> Option<Span> {
    if depth > MAX_SHAPE_DEPTH {
        return None;
    }
    match e {
        Expr::Method {
            span,
            method,
            receiver,
            ..
        } => {
            if matches!(
                method.as_str(),
                // Not `unwrap`/`expect`/`ok_or`: on an `Option` they decide.
                "map_err" | "context" | "with_context" | "wrap_err"
            ) {
                discarded_call(receiver, depth + 1)
            } else {
                Some(*span)
            }
        }
        Expr::Try { inner, .. } | Expr::Await { inner, .. } => discarded_call(inner, depth + 1),
        _ => None,
    }
}

/// Whether `receiver` is a channel's receiving end (`rx.recv()`), not a loopback server's
/// (tiny_http's `server.recv()`): a parameter whose type names a `Receiver`, or a local bound
/// from a `channel(..)` call's tuple (`let (tx, mut rx) = mpsc::channel(8);`).
fn is_channel_receiver(def: &FnDef, receiver: &Expr) -> bool {
    let Some(name) = root_var(receiver) else {
        return false;
    };
    let param = def.params.iter().any(|p| {
        let mut names = Vec::new();
        p.pat.bindings(&mut names);
        names.iter().any(|n| n == name) && (p.ty.contains("Receiver") || p.ty.contains("Rx<"))
    });
    param || bound_by(&def.body, name, 0, &calls_channel)
}

/// Whether local `var` is bound by a `let` (its pattern binds it), in `block` or a block nested
/// in it, to a value `init_ok` accepts.
pub(super) fn bound_by(
    block: &Block,
    var: &str,
    depth: u32,
    init_ok: &dyn Fn(&Expr) -> bool,
) -> bool {
    if depth > MAX_SHAPE_DEPTH {
        return false;
    }
    block.stmts.iter().any(|stmt| match stmt {
        Stmt::Let {
            pat,
            init: Some(init),
            ..
        } => {
            let mut names = Vec::new();
            pat.bindings(&mut names);
            names.iter().any(|n| n == var) && init_ok(init)
        }
        Stmt::Let { .. } => false,
        Stmt::Expr(e) => match e {
            Expr::Block(b) | Expr::Async(b) => bound_by(b, var, depth + 1, init_ok),
            Expr::Loop { body, .. } => bound_by(body, var, depth + 1, init_ok),
            Expr::If { then, .. } => bound_by(then, var, depth + 1, init_ok),
            _ => false,
        },
    })
}

fn calls_channel(e: &Expr) -> bool {
    match e {
        Expr::Call { callee, .. } => matches!(&**callee, Expr::Path { segs, .. }
            if segs.last().is_some_and(|l| l.contains("channel"))),
        Expr::Try { inner, .. } | Expr::Await { inner, .. } => calls_channel(inner),
        _ => false,
    }
}

/// The tables an SQL text names after `FROM`, `INTO`, `UPDATE` and `JOIN`, lower-cased.
fn sql_tables(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut words = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '"'))
        .filter(|w| !w.is_empty())
        .peekable();
    std::iter::from_fn(move || {
        loop {
            let w = words.next()?;
            if ["from", "into", "update", "join"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k))
                && let Some(t) = words.peek()
            {
                return Some(t.trim_matches('"').to_ascii_lowercase());
            }
        }
    })
}

/// What identifies a key: its literal text and its origins other than literals.
fn key_sigs(v: &Val) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = v.origins.iter().map(|o| format!("o{o}")).collect();
    if let Some(l) = &v.lit {
        out.clear();
        out.insert(format!("l{l}"));
    }
    out
}

/// The SQL conditions of a guard rule on a call's SQL text.
fn sql_matches(rule: &GuardRule, sql: Option<&str>) -> bool {
    let Some(start) = &rule.sql_starts else {
        return true;
    };
    let Some(text) = sql else {
        return false;
    };
    let upper = text.trim_start().to_ascii_uppercase();
    upper.starts_with(&start.to_ascii_uppercase())
        && rule
            .sql_has
            .as_ref()
            .is_none_or(|w| upper.contains(&w.to_ascii_uppercase()))
        && rule
            .sql_lacks
            .as_ref()
            .is_none_or(|w| !upper.contains(&w.to_ascii_uppercase()))
}

fn note_ok_exit(cx: &mut FnCx<'_>, st: &State) {
    cx.ok_exit = Some(match cx.ok_exit.take() {
        None => st.guards.clone(),
        Some(g) => g.intersection(&st.guards).copied().collect(),
    });
}

/// A variable, a field of one, or a reference to either: evaluating it again changes nothing.
fn is_plain_read(e: &Expr) -> bool {
    match e {
        Expr::Path { .. } => true,
        Expr::Field { base, .. } => is_plain_read(base),
        Expr::Unary {
            op: UnOp::Ref | UnOp::Paren,
            inner,
            ..
        } => is_plain_read(inner),
        _ => false,
    }
}

/// Whether a method chain starts with a redis command that reads or deletes its key
/// (`redis::cmd("GETDEL").arg(key)`): the key it is given is looked up.
fn is_redis_lookup(receiver: &Expr) -> bool {
    let mut e = receiver;
    for _ in 0..32 {
        match e {
            Expr::Method { receiver, .. } => e = receiver,
            Expr::Call { callee, args, .. } => {
                return matches!(&**callee, Expr::Path { segs, .. } if segs.last().is_some_and(|l| l == "cmd"))
                    && args.first().and_then(Expr::as_str_lit).is_some_and(|c| {
                        [
                            "GET", "GETDEL", "GETEX", "DEL", "UNLINK", "HGET", "HGETALL", "HDEL",
                            "EXISTS",
                        ]
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(c))
                    });
            }
            _ => return false,
        }
    }
    false
}

/// `Err(..)`, `None` or `Ok(None)`: a return that reports failure.
/// The error values (`is_error_value`) a block ends with, through `if`/`else`, `match` arms and
/// nested blocks.
fn block_error_tails(block: &Block, out: &mut Vec<Span>, depth: u32) {
    if !block.valued || depth > MAX_SHAPE_DEPTH {
        return;
    }
    if let Some(Stmt::Expr(e)) = block.stmts.last() {
        expr_error_tails(e, out, depth + 1);
    }
}

fn expr_error_tails(e: &Expr, out: &mut Vec<Span>, depth: u32) {
    match e {
        Expr::If { then, els, .. } => {
            block_error_tails(then, out, depth);
            if let Some(els) = els {
                expr_error_tails(els, out, depth + 1);
            }
        }
        Expr::Match { arms, .. } => {
            for arm in arms {
                expr_error_tails(&arm.body, out, depth + 1);
            }
        }
        Expr::Block(b) => block_error_tails(b, out, depth),
        Expr::Call { span, .. } | Expr::Path { span, .. } if is_error_value(e) => out.push(*span),
        _ => {}
    }
}

fn is_error_value(e: &Expr) -> bool {
    match e {
        Expr::Call { callee, args, .. } => {
            let Expr::Path { segs, .. } = &**callee else {
                return false;
            };
            match segs.last().map(String::as_str) {
                Some("Err") => true,
                // `Ok(None)`: nothing found, which the caller turns into an error or a return.
                Some("Ok") => {
                    matches!(args.as_slice(), [Expr::Path { segs, .. }] if segs.last().is_some_and(|l| l == "None"))
                }
                _ => false,
            }
        }
        Expr::Path { segs, .. } => segs.last().is_some_and(|l| l == "None"),
        _ => false,
    }
}

fn is_param(engine: &Engine<'_>, cx: &FnCx<'_>, v: &Val) -> bool {
    v.origins.iter().any(|&o| {
        matches!(engine.origins[o as usize].kind, OriginKind::Param(f, _) if f == cx.fid)
            && engine.origins[o as usize].path.is_empty()
    })
}

fn find_loop<'c>(ctxs: &'c mut [Ctx], label: Option<&str>) -> Option<&'c mut Ctx> {
    for ctx in ctxs.iter_mut().rev() {
        match &ctx.kind {
            CtxKind::Loop { label: l, .. } => {
                if label.is_none() || l.as_deref() == label {
                    return Some(ctx);
                }
            }
            // `break` and `continue` never cross a closure or async block.
            CtxKind::Boundary { .. } => return None,
            CtxKind::Retried { .. } => {}
        }
    }
    None
}

/// The origins of `vals` except the one at `skip` (the code itself): what an exchange was made
/// with besides the code.
fn context_of<'v>(vals: impl IntoIterator<Item = &'v Val>, skip: Option<usize>) -> BTreeSet<u32> {
    vals.into_iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .flat_map(|(_, v)| v.origins.iter().copied())
        .collect()
}

/// In `match x { Ok(..) => .., Err(..) => .. }` and `if let Err(e) = x`, what the arm knows.
fn refine_by_pat(pat: &Pat, v: &Val, st: &mut State) {
    if v.results.is_empty() {
        return;
    }
    if let Pat::TupleStruct { path, .. } = pat {
        match path.last().map(String::as_str) {
            Some("Err") => st.set_status(&v.results, Status::Failed),
            Some("Ok") => st.set_status(&v.results, Status::Ok),
            _ => {}
        }
    }
}

fn refine_else(pat: &Pat, v: &Val, st: &mut State) {
    if v.results.is_empty() {
        return;
    }
    if let Pat::TupleStruct { path, .. } = pat {
        match path.last().map(String::as_str) {
            Some("Err") => st.set_status(&v.results, Status::Ok),
            Some("Ok") => st.set_status(&v.results, Status::Failed),
            _ => {}
        }
    }
}

fn classify_grant(v: &Val, body: &mut Body) {
    let value = v.lit.as_deref().or(v.path_tail.as_deref()).unwrap_or("");
    match value {
        "authorization_code" | "AuthorizationCode" | "AuthCode" => body.grant_auth_code = true,
        "" => {}
        _ => body.grant_other = true,
    }
}

/// A form body written as text: `grant_type=authorization_code&code=...`.
fn body_from_text(text: &str, code: &Val) -> Option<Body> {
    let grant_auth = text.contains("grant_type=authorization_code");
    let grant_other = text.contains("grant_type=") && !grant_auth;
    let has_code = text.split(['?', '&']).any(|part| part.starts_with("code="));
    if !(grant_auth || grant_other || has_code) {
        return None;
    }
    Some(Body {
        code: has_code.then(|| Box::new(code.clone())),
        grant_auth_code: grant_auth,
        grant_other,
        token_url: false,
    })
}

/// `{}` placeholders and inline `{name}`s of a format string, in order.
fn inline_names(template: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut chars = template.char_indices().peekable();
    let mut positional = 0;
    while let Some((i, c)) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek().map(|(_, c)| *c) == Some('{') {
            chars.next();
            continue;
        }
        let mut name = String::new();
        for (_, c) in chars.by_ref() {
            if c == '}' {
                break;
            }
            name.push(c);
        }
        let name = name.split(':').next().unwrap_or("").trim().to_string();
        if name.is_empty() {
            out.push((String::new(), positional));
            positional += 1;
        } else if name.chars().all(|c| c.is_ascii_digit()) {
            out.push((String::new(), name.parse().unwrap_or(0)));
        } else {
            out.push((name, i));
        }
    }
    out
}

/// The value formatted right after `code=` in a format string.
fn format_code_arg(template: &str, args: &[(Option<String>, Val)], st: &State) -> Val {
    let Some(pos) = template.find("code=") else {
        return Val::default();
    };
    // Skip `grant_type=authorization_code`'s own text: find a `code=` that starts a parameter.
    let mut start = pos;
    for (i, _) in template.match_indices("code=") {
        let before = template[..i].chars().last();
        if matches!(before, None | Some('?' | '&')) {
            start = i;
            break;
        }
    }
    let after = &template[start + "code=".len()..];
    if !after.starts_with('{') {
        return Val::default();
    }
    let placeholders_before = inline_names(&template[..start])
        .into_iter()
        .filter(|(n, _)| n.is_empty())
        .count();
    let Some((name, index)) = inline_names(after).into_iter().next() else {
        return Val::default();
    };
    if name.is_empty() {
        let positional: Vec<&Val> = args
            .iter()
            .filter(|(n, _)| n.is_none())
            .map(|(_, v)| v)
            .collect();
        let i = if index == 0 {
            placeholders_before
        } else {
            index
        };
        return positional.get(i).map(|v| (*v).clone()).unwrap_or_default();
    }
    if let Some((_, v)) = args
        .iter()
        .find(|(n, _)| n.as_deref() == Some(name.as_str()))
    {
        return v.clone();
    }
    st.env.get(&name).cloned().unwrap_or_default()
}

fn root_var(e: &Expr) -> Option<&str> {
    match e {
        Expr::Path { segs, .. } if segs.len() == 1 => Some(&segs[0]),
        Expr::Field { base, .. } | Expr::Index { base, .. } => root_var(base),
        Expr::Unary { inner, .. } => root_var(inner),
        _ => None,
    }
}

/// Variables a loop dispatches on: `match state { .. }` and `if let S::A = state` at its top.
fn dispatch_vars(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Match { scrutinee, .. } => {
            if let Some(v) = root_var(scrutinee) {
                out.insert(v.to_string());
            }
        }
        Expr::If { cond, els, .. } => {
            if let Expr::Let { expr, .. } = &**cond
                && let Some(v) = root_var(expr)
            {
                out.insert(v.to_string());
            }
            if let Some(els) = els {
                dispatch_vars(els, out);
            }
        }
        Expr::Unary { inner, .. } => dispatch_vars(inner, out),
        // `step = match step { .. }`.
        Expr::Assign { value, .. } => dispatch_vars(value, out),
        _ => {}
    }
}

/// The DPoP `use_dpop_nonce` error (RFC 9449): the server rejects the request before it
/// consumes the code, so the one resend that follows is not a retry of a redeemed code.
const DPOP_NONCE: &str = "dpopnonce";

/// Whether `text`, lowercased and without underscores, contains `needle`.
fn names(text: &str, needle: &str) -> bool {
    let folded: String = text
        .chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    folded.contains(needle)
}

/// Whether an identifier or string in `e` mentions `needle` (the DPoP nonce resend check).
fn mentions(e: &Expr, needle: &str, depth: u32) -> bool {
    if depth > 32 {
        return false;
    }
    let d = depth + 1;
    match e {
        Expr::Str { value, .. } => names(value, needle),
        Expr::Path { segs, .. } => segs.iter().any(|s| names(s, needle)),
        Expr::Method {
            receiver,
            method,
            args,
            ..
        } => {
            names(method, needle)
                || mentions(receiver, needle, d)
                || args.iter().any(|a| mentions(a, needle, d))
        }
        Expr::Call { callee, args, .. } => {
            mentions(callee, needle, d) || args.iter().any(|a| mentions(a, needle, d))
        }
        Expr::Field { base, name, .. } => names(name, needle) || mentions(base, needle, d),
        Expr::Unary { inner, .. } | Expr::Await { inner, .. } | Expr::Try { inner, .. } => {
            mentions(inner, needle, d)
        }
        Expr::Binary { lhs, rhs, .. } => mentions(lhs, needle, d) || mentions(rhs, needle, d),
        Expr::Let { expr, pat, .. } => mentions(expr, needle, d) || pat_mentions(pat, needle),
        Expr::Macro { kind, .. } => match &**kind {
            MacroKind::Exprs(es) => es.iter().any(|a| mentions(a, needle, d)),
            _ => false,
        },
        _ => false,
    }
}

fn pat_mentions(p: &Pat, needle: &str) -> bool {
    match p {
        Pat::Path(segs) => segs.iter().any(|s| names(s, needle)),
        Pat::TupleStruct { path, elems } => {
            path.iter().any(|s| names(s, needle)) || elems.iter().any(|e| pat_mentions(e, needle))
        }
        Pat::Struct { path, fields } => {
            path.iter().any(|s| names(s, needle))
                || fields.iter().any(|(_, f)| pat_mentions(f, needle))
        }
        Pat::Or(ps) | Pat::Tuple(ps) => ps.iter().any(|e| pat_mentions(e, needle)),
        Pat::Bind { sub: Some(sub), .. } => pat_mentions(sub, needle),
        _ => false,
    }
}

/// Re-binds the names a `while let` condition binds with values new to each iteration.
fn mark_fresh_bindings(engine: &mut Engine<'_>, cx: &FnCx<'_>, cond: &Expr, st: &mut State) {
    let mut lets = Vec::new();
    collect_lets(cond, &mut lets);
    for (pat, span) in lets {
        let mut names = Vec::new();
        pat.bindings(&mut names);
        for n in names {
            let fresh = engine.new_val(cx, OriginKind::LoopItem, span, None);
            if let Some(v) = st.env.get_mut(&n) {
                v.join_with(&fresh);
            }
        }
    }
}

fn collect_lets<'e>(e: &'e Expr, out: &mut Vec<(&'e Pat, Span)>) {
    match e {
        Expr::Let { pat, span, .. } => out.push((pat, *span)),
        Expr::Binary { lhs, rhs, .. } => {
            collect_lets(lhs, out);
            collect_lets(rhs, out);
        }
        _ => {}
    }
}

fn keyword_span(span: Span, kind: LoopKind) -> Span {
    let len = match kind {
        LoopKind::Loop => 4,
        LoopKind::While => 5,
        LoopKind::For | LoopKind::ForRange => 3,
    };
    Span {
        hi: span.lo + len,
        end_line: span.line,
        end_col: span.col + len,
        ..span
    }
}

/// Indexes every closure of a body by id.
/// A function body's closures by id: span, parameters, body.
type ClosureMap<'a> = BTreeMap<u32, (Span, &'a [Pat], &'a Expr)>;

/// Every closure of a body, by id (bodies with more nesting than lowering keeps are cut short).
fn collect_closures<'a>(block: &'a Block, out: &mut ClosureMap<'a>) {
    crate::ir::walk_block(block, &mut |e| {
        if let Expr::Closure {
            id,
            params,
            body,
            span,
        } = e
        {
            out.insert(*id, (*span, params.as_slice(), &**body));
        }
    });
}
