//! `code_exchange_in_retry`: the same code is exchanged again by a loop, a retry API, a retry
//! helper, a retrying HTTP client, or an error path after the first exchange failed.

use oauth_lint_analysis::{ExchangeFact, RetryKind};

use crate::Finding;

const NOTE: &str = "an authorization code can be redeemed only once; when a token request times \
out or fails, the server may already have consumed the code, so the retry is rejected with \
`invalid_grant` (Azure AD: AADSTS54005) and the server may revoke the tokens it issued for the \
first attempt";
const HELP: &str = "exchange the code once; if the exchange fails, restart the authorization flow \
to get a new code (or use a stored refresh token) instead of retrying";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let mut retries = fact.retries.clone();
    retries.sort_by_key(|r| r.kind);
    let Some(first) = retries.first() else {
        return;
    };
    let message = match first.kind {
        RetryKind::Loop => "authorization code is exchanged inside a retry loop",
        RetryKind::RetryApi | RetryKind::Helper => {
            "authorization code is exchanged inside a retried operation"
        }
        RetryKind::Client => {
            "authorization code is exchanged with an HTTP client that retries failed requests"
        }
        RetryKind::AfterFailure => {
            "authorization code is exchanged again after the first exchange failed"
        }
        RetryKind::Recursive => {
            "authorization code is exchanged again by a recursive call when the exchange fails"
        }
    };
    let mut finding = Finding::new("code_exchange_in_retry", fact, message);
    for r in &retries {
        let text = match r.kind {
            RetryKind::Loop => "this loop runs the exchange again with the same code".to_string(),
            RetryKind::RetryApi | RetryKind::Helper => r.detail.clone(),
            RetryKind::Client => "this client retries failed requests".to_string(),
            RetryKind::AfterFailure => {
                "the first exchange of this code; the second runs when it fails".to_string()
            }
            RetryKind::Recursive => {
                "calls this function again with the same code when the exchange fails".to_string()
            }
        };
        finding = finding.label(r.label, text);
    }
    if let Some(origin) = fact.code_origin {
        finding = finding.label(origin, "the code comes from here");
    }
    out.push(finding.note(NOTE).help(HELP));
}
