//! `process_local_exchange_guard` (allow by default): a web callback's guard lives in process
//! memory, so instances behind a load balancer each pass their own.

use oauth_lint_analysis::{ExchangeFact, HandlerKind};

use crate::Finding;

const NOTE: &str = "behind a load balancer that re-sends the callback to another instance, each \
instance passes its own in-memory guard and both redeem the code; a single-instance service is \
fine, which is why this lint is allowed by default";
const HELP: &str = "keep the pending state in a store all instances share and consume it there \
atomically: redis `GETDEL`/`SET NX`, or SQL `DELETE .. RETURNING`";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let Some(cb) = &fact.callback else { return };
    if cb.kind != HandlerKind::Web {
        return;
    }
    // The guards before the exchange, or, when there are none, those written after it: a
    // check-then-act map (`contains_key` then `insert`) is in one process's memory too.
    let guards = if cb.guards.is_empty() {
        &cb.guards_after
    } else {
        &cb.guards
    };
    // An atomic guard in a shared store holds across instances. Otherwise the atomic guards
    // are the ones that matter; without one (`racy_exchange_guard`), every in-memory guard.
    if guards.iter().any(|g| g.atomic && g.shared) {
        return;
    }
    let memory: Vec<_> = if guards.iter().any(|g| g.atomic) {
        guards.iter().filter(|g| g.atomic && g.in_memory).collect()
    } else {
        guards.iter().filter(|g| g.in_memory).collect()
    };
    if memory.is_empty() {
        return;
    }
    let mut finding = Finding::new(
        "process_local_exchange_guard",
        fact,
        "callback's guard lives in process memory",
    )
    .label(cb.handler, "this handler can run on several instances");
    for g in memory {
        finding = finding.label(g.loc, format!("{} (in this process only)", g.label));
    }
    out.push(finding.note(NOTE).help(HELP));
}
