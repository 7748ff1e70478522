//! `uncached_token_exchange`: no part of an exchange's token response outlives the function
//! that made it (dropped, bound to `_`, used for one API call), and nothing stores or returns
//! it, so the next request that needs a token runs the flow again.

use oauth_lint_analysis::ExchangeFact;

use crate::Finding;

const NOTE: &str = "when the tokens are not kept, the next request that needs one must run the \
authorization flow again, and code that re-runs the exchange with the code it still holds \
replays a redeemed code (`invalid_grant`; Azure AD: AADSTS54005)";
const HELP: &str = "store the token response (or at least its access and refresh tokens) in the \
session, the database, a cache or the OS keyring, or return it to the caller; refresh with \
`exchange_refresh_token` when the access token expires";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let Some(t) = &fact.token else { return };
    if t.keeps_anything() || t.escaped || t.signin || t.library_keeps {
        return;
    }
    let mut finding = Finding::new(
        "uncached_token_exchange",
        fact,
        "token response of this exchange is never stored or returned",
    );
    if let Some(dropped) = t.dropped {
        finding = finding.label(dropped, "the token response is dropped here");
    } else if let Some(function) = t.function {
        finding = finding.label(function, "nothing from the response outlives this function");
    }
    out.push(finding.note(NOTE).help(HELP));
}
