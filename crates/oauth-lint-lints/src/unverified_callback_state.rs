//! `unverified_callback_state`: a callback handler exchanges the code without comparing the
//! `state` parameter with the value it issued (or looking the pending flow up by it).

use oauth_lint_analysis::{ExchangeFact, HandlerKind};

use crate::Finding;

const NOTE: &str = "the `state` parameter ties the callback to the browser that started the flow: \
without comparing it, an attacker can make a victim's browser finish the attacker's flow (login \
CSRF, RFC 6749 §10.12), and a stale tab's callback redeems a code meant for another flow";
const HELP: &str = "compare the received `state` with the value stored when the flow started \
(or remove the pending flow by it) before the exchange, and refuse the callback when it does not \
match";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let Some(cb) = &fact.callback else { return };
    if cb.kind != HandlerKind::Web || cb.state_verified {
        return;
    }
    let mut finding = Finding::new(
        "unverified_callback_state",
        fact,
        "callback handler exchanges the code without verifying `state`",
    )
    .label(
        cb.handler,
        "on some path to the exchange, this handler does not compare `state` with what it issued",
    );
    if let Some(from) = cb.code_from {
        finding = finding.label(from, "the code comes from the request here");
    }
    if let Some(state) = cb.state_from {
        finding = finding.label(
            state,
            "`state` comes in here and is not compared on that path",
        );
    }
    out.push(finding.note(NOTE).help(HELP));
}
