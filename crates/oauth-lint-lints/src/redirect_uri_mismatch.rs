//! `redirect_uri_mismatch`: the `redirect_uri` sent with the token request is not the one the
//! authorization URL was built with, both known statically; the server rejects the exchange.

use oauth_lint_analysis::ExchangeFact;

use crate::Finding;

const NOTE: &str = "RFC 6749 §4.1.3: when the authorization request included a `redirect_uri`, \
the token request must send the identical value; the server answers `invalid_grant` (Azure AD: \
AADSTS50011/AADSTS70000), and retrying the exchange then redeems the code again";
const HELP: &str = "build both from one constant (for example `const REDIRECT_URI: &str = \
\"..\"`), and make sure it is exactly the URI registered with the provider (`localhost` and \
`127.0.0.1` are different)";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let Some(m) = &fact.redirect_mismatch else {
        return;
    };
    let unset = m
        .default_of
        .as_deref()
        .map(|f| match f.strip_prefix('$') {
            Some(var) => format!(" when `{var}` is not set"),
            None => format!(" when `{f}` is not set"),
        })
        .unwrap_or_default();
    let mut finding = Finding::new(
        "redirect_uri_mismatch",
        fact,
        "token request sends a different `redirect_uri` from the authorization URL",
    )
    .label(
        m.exchange_at,
        format!("the token request sends `{}`{unset}", m.exchange_uri),
    );
    for (uri, at) in &m.authorize {
        finding = finding.label(
            *at,
            format!("the authorization URL is built with `{uri}`{unset}"),
        );
    }
    out.push(finding.note(NOTE).help(HELP));
}
