//! `process_local_exchange_guard` (allow by default): a web callback's only atomic guard lives in
//! process memory, so instances behind a load balancer each pass their own.

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
    let atomic: Vec<_> = cb.guards.iter().filter(|g| g.atomic).collect();
    if atomic.is_empty() || atomic.iter().any(|g| g.shared) {
        return;
    }
    let mut finding = Finding::new(
        "process_local_exchange_guard",
        fact,
        "callback's guard lives in process memory",
    )
    .label(cb.handler, "this handler can run on several instances");
    for g in atomic {
        finding = finding.label(g.loc, format!("{} (in this process only)", g.label));
    }
    out.push(finding.note(NOTE).help(HELP));
}
