//! `racy_exchange_guard`: the callback's guard is check-then-act (a session's copy, a find then a
//! delete, a `contains_key` then an `insert`) or is written only after the exchange, so two
//! concurrent callbacks both pass it.

use oauth_lint_analysis::{ExchangeFact, HandlerKind};

use crate::Finding;

const NOTE: &str = "two concurrent callbacks for one flow (two tabs, a proxy re-sending the \
request to another worker) both pass a check-then-act guard before either one writes it, and \
both redeem the code";
const HELP: &str = "make the guard one atomic step before the exchange: remove the pending entry \
under one lock and act on its result, redis `GETDEL` or `SET NX`, SQL `DELETE .. RETURNING` or a \
unique insert whose failure stops the callback";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let Some(cb) = &fact.callback else { return };
    if cb.kind == HandlerKind::Loopback && cb.serving_loop.is_none() {
        return;
    }
    if cb.guards.iter().any(|g| g.atomic) {
        return;
    }
    let racy: Vec<_> = cb.guards.iter().filter(|g| !g.atomic).collect();
    if racy.is_empty() && cb.guards_after.is_empty() {
        return;
    }
    let message = if racy.is_empty() {
        "callback's guard is written only after the exchange"
    } else {
        "callback's guard is not atomic: two concurrent callbacks both pass it"
    };
    let mut finding = Finding::new("racy_exchange_guard", fact, message)
        .label(cb.handler, "this handler can run twice at once");
    for g in racy {
        finding = finding.label(g.loc, g.label.clone());
    }
    for g in &cb.guards_after {
        finding = finding.label(g.loc, format!("written after the exchange: {}", g.label));
    }
    out.push(finding.note(NOTE).help(HELP));
}
