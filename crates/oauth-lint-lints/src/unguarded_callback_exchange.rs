//! `unguarded_callback_exchange`: a callback handler exchanges a request-supplied code with no
//! guard before it (nothing consumes the pending state, the verifier or the code), so a refresh,
//! a back button or a re-sent redirect redeems the code twice.

use oauth_lint_analysis::{ExchangeFact, HandlerKind};

use crate::Finding;

const NOTE: &str = "a callback can arrive twice (a browser refresh, the back button, a duplicated \
redirect, a proxy re-sending the request, two tabs finishing one flow); without a guard both \
requests redeem the same code, and the second gets `invalid_grant` (Azure AD: AADSTS54005) and \
may make the server revoke the tokens of the first";
const HELP: &str = "consume the pending state once before the exchange, atomically: remove it \
from a map under a lock and stop when it was not there \
(`pending.lock().remove(&state).ok_or(..)?`), `take()` a one-shot value, redis \
`GETDEL`/`SET NX`, or SQL `DELETE .. RETURNING`; reading it with `get` is not enough";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let Some(cb) = &fact.callback else { return };
    if !cb.guards.is_empty() || !cb.guards_after.is_empty() {
        return;
    }
    let mut finding = match cb.kind {
        HandlerKind::Web => Finding::new(
            "unguarded_callback_exchange",
            fact,
            "callback handler exchanges the code without a guard",
        )
        .label(
            cb.handler,
            "this handler runs again for a repeated callback",
        ),
        HandlerKind::Loopback => {
            let Some(serving) = cb.serving_loop else {
                return;
            };
            Finding::new(
                "unguarded_callback_exchange",
                fact,
                "loopback server exchanges the code without a guard and keeps serving",
            )
            .label(
                serving,
                "this loop serves the callback again after the exchange",
            )
        }
    };
    if let Some(from) = cb.code_from {
        finding = finding.label(from, "the code comes from the request here");
    }
    out.push(finding.note(NOTE).help(HELP));
}
