//! `repeated_code_exchange`: one code value reaches two exchanges on one path, the second not
//! because the first failed.

use oauth_lint_analysis::ExchangeFact;

use crate::Finding;

const NOTE: &str = "an authorization code is single-use: the second exchange is rejected with \
`invalid_grant` (Azure AD: AADSTS54005) whatever the first one returned, and the server may \
revoke the tokens it issued for the first";
const HELP: &str = "exchange the code once and pass the token response (or what you need of it) \
to the code that needs it";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    if fact.repeated_after.is_empty() {
        return;
    }
    let mut finding = Finding::new(
        "repeated_code_exchange",
        fact,
        "authorization code is exchanged a second time",
    );
    for first in &fact.repeated_after {
        finding = finding.label(*first, "the same code is exchanged here first");
    }
    out.push(finding.note(NOTE).help(HELP));
}
