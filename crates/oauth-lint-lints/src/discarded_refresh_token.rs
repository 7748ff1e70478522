//! `discarded_refresh_token`: part of an exchange's token response is stored or returned, but
//! its refresh token never is (only `access_token()` or `id_token()` is kept), so when the access
//! token expires the only way back is a new authorization code.

use oauth_lint_analysis::{ExchangeFact, TokenPart};

use crate::Finding;

const NOTE: &str = "the refresh token is what gets a new access token without a new \
authorization code; without it the user must sign in again when the access token expires, and \
code that still holds the old code replays it (`invalid_grant`; Azure AD: AADSTS54005)";
const HELP: &str = "store `refresh_token()` next to the access token (or the whole response) \
and refresh with `exchange_refresh_token`; if this provider issues no refresh token (a GitHub \
OAuth app), say so in oauth-lint.toml: `[models] no_refresh_token = [\"github\"]`";

const SCOPE_NOTE: &str = "without a refresh token, the client's token cache sends the same \
authorization code again when the access token expires, and the server rejects it (Azure AD: \
AADSTS54005); the user must sign in again";
const SCOPE_HELP: &str = "ask for the `offline_access` scope with the others, so that the \
tokens carry a refresh token";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let Some(t) = &fact.token else { return };
    // Kept, but asked for without the scope that brings a refresh token.
    if let Some(at) = t.no_refresh_scope
        && !t.no_refresh_token
        && (t.keeps_anything() || t.escaped || t.library_keeps)
    {
        let finding = Finding::new(
            "discarded_refresh_token",
            fact,
            "tokens of this exchange can carry no refresh token",
        )
        .label(
            at,
            "these scopes lack `offline_access`: no refresh token is issued",
        );
        out.push(finding.note(SCOPE_NOTE).help(SCOPE_HELP));
        return;
    }
    if t.no_refresh_token
        || t.escaped
        || t.library_keeps
        || t.keeps(TokenPart::Whole)
        || t.keeps(TokenPart::Refresh)
    {
        return;
    }
    let Some(kept) = t
        .kept()
        .find(|k| matches!(k.part, TokenPart::Access | TokenPart::Id))
    else {
        return;
    };
    let what = if kept.part == TokenPart::Access {
        "access token"
    } else {
        "ID token"
    };
    let finding = Finding::new(
        "discarded_refresh_token",
        fact,
        "refresh token of this exchange is never stored or returned",
    )
    .label(kept.loc, format!("only the {what} is kept: {}", kept.how));
    out.push(finding.note(NOTE).help(HELP));
}
