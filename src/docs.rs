//! The lint docs (`lints/<name>.md`) and the built-in API models (`lints/apis/*.toml`), embedded.

/// `(lint name, Markdown doc)`.
pub static LINT_DOCS: &[(&str, &str)] = &[
    (
        "code_exchange_in_retry",
        include_str!("../lints/code_exchange_in_retry.md"),
    ),
    (
        "repeated_code_exchange",
        include_str!("../lints/repeated_code_exchange.md"),
    ),
    (
        "persistent_authorization_code",
        include_str!("../lints/persistent_authorization_code.md"),
    ),
    (
        "redirect_uri_mismatch",
        include_str!("../lints/redirect_uri_mismatch.md"),
    ),
    (
        "unguarded_callback_exchange",
        include_str!("../lints/unguarded_callback_exchange.md"),
    ),
    (
        "racy_exchange_guard",
        include_str!("../lints/racy_exchange_guard.md"),
    ),
    (
        "uncached_token_exchange",
        include_str!("../lints/uncached_token_exchange.md"),
    ),
    (
        "discarded_refresh_token",
        include_str!("../lints/discarded_refresh_token.md"),
    ),
    (
        "unverified_callback_state",
        include_str!("../lints/unverified_callback_state.md"),
    ),
    (
        "process_local_exchange_guard",
        include_str!("../lints/process_local_exchange_guard.md"),
    ),
];

/// `(lint name, Markdown doc)` of the suppression lints.
pub static META_DOCS: &[(&str, &str)] = &[
    (
        "unused_suppression",
        include_str!("../lints/unused_suppression.md"),
    ),
    (
        "invalid_suppression",
        include_str!("../lints/invalid_suppression.md"),
    ),
];

/// `(file name, TOML)`.
pub static API_MODELS: &[(&str, &str)] = &[
    ("oauth2.toml", include_str!("../lints/apis/oauth2.toml")),
    (
        "openidconnect.toml",
        include_str!("../lints/apis/openidconnect.toml"),
    ),
    ("reqwest.toml", include_str!("../lints/apis/reqwest.toml")),
    ("ureq.toml", include_str!("../lints/apis/ureq.toml")),
    ("surf.toml", include_str!("../lints/apis/surf.toml")),
    ("std.toml", include_str!("../lints/apis/std.toml")),
    ("config.toml", include_str!("../lints/apis/config.toml")),
    ("backoff.toml", include_str!("../lints/apis/backoff.toml")),
    ("backon.toml", include_str!("../lints/apis/backon.toml")),
    (
        "tokio-retry.toml",
        include_str!("../lints/apis/tokio-retry.toml"),
    ),
    ("retry.toml", include_str!("../lints/apis/retry.toml")),
    (
        "reqwest-retry.toml",
        include_str!("../lints/apis/reqwest-retry.toml"),
    ),
    ("wrappers.toml", include_str!("../lints/apis/wrappers.toml")),
    (
        "frameworks.toml",
        include_str!("../lints/apis/frameworks.toml"),
    ),
    ("guards.toml", include_str!("../lints/apis/guards.toml")),
    ("sessions.toml", include_str!("../lints/apis/sessions.toml")),
    ("redis.toml", include_str!("../lints/apis/redis.toml")),
    ("sql.toml", include_str!("../lints/apis/sql.toml")),
    ("tokens.toml", include_str!("../lints/apis/tokens.toml")),
    ("stores.toml", include_str!("../lints/apis/stores.toml")),
];

pub fn lint_doc(name: &str) -> Option<&'static str> {
    LINT_DOCS
        .iter()
        .chain(META_DOCS)
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}
