//! oauth-lint's lints: the registry and one module per lint, turning the analysis facts into
//! findings. Pure: no I/O, no knowledge of output formats. Every finding is built through
//! `Finding::new`, which stamps the lint name and its default level.

mod code_exchange_in_retry;
mod discarded_refresh_token;
mod persistent_authorization_code;
mod process_local_exchange_guard;
mod racy_exchange_guard;
mod redirect_uri_mismatch;
mod repeated_code_exchange;
mod uncached_token_exchange;
mod unguarded_callback_exchange;
mod unverified_callback_state;

use oauth_lint_analysis::{ExchangeFact, Loc};

/// A lint level, as in clippy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// A registered lint.
#[derive(Debug)]
pub struct Lint {
    pub name: &'static str,
    pub default_level: Level,
    pub summary: &'static str,
    /// The lint group, as in lints.md.
    pub group: &'static str,
    /// Tags for code-scanning tools (SARIF `properties.tags`); `security` makes GitHub show
    /// the findings as security alerts.
    pub tags: &'static [&'static str],
    /// How often a finding is a true positive (SARIF `properties.precision`): `very-high`,
    /// `high`, `medium` or `low`.
    pub precision: &'static str,
    /// A CVSS-like score from `0.0` to `10.0`, written as a string (SARIF
    /// `properties.security-severity`; GitHub maps 7.0 and up to high, 4.0 and up to medium);
    /// empty for lints that are not about security.
    pub security_severity: &'static str,
    check: fn(&ExchangeFact, &mut Vec<Finding>),
}

/// Every lint, in the order of the catalog.
pub static LINTS: &[Lint] = &[
    Lint {
        name: "code_exchange_in_retry",
        default_level: Level::Deny,
        summary: "authorization code is exchanged inside a retry",
        group: "correctness",
        // A retried exchange is rejected and can make the server revoke the tokens of the
        // first attempt: users are locked out of sign-in, no data is exposed.
        tags: &["security", "oauth2", "correctness", "reliability"],
        precision: "high",
        security_severity: "6.5",
        check: code_exchange_in_retry::check,
    },
    Lint {
        name: "repeated_code_exchange",
        default_level: Level::Deny,
        summary: "one authorization code reaches two exchanges on one path",
        group: "correctness",
        // Same consequence as a retry; path analysis without types has known false positives
        // (conditions that exclude each other), hence medium precision.
        tags: &["security", "oauth2", "correctness"],
        precision: "medium",
        security_severity: "6.5",
        check: repeated_code_exchange::check,
    },
    Lint {
        name: "persistent_authorization_code",
        default_level: Level::Deny,
        summary: "authorization code comes from a source that survives the request",
        group: "correctness",
        // Besides the replay, the code is a credential kept where others can read it
        // (environment, config, command line, source).
        tags: &["security", "oauth2", "correctness", "credentials"],
        precision: "high",
        security_severity: "7.5",
        check: persistent_authorization_code::check,
    },
    Lint {
        name: "redirect_uri_mismatch",
        default_level: Level::Deny,
        summary: "token request sends a different `redirect_uri` from the authorization URL",
        group: "correctness",
        // Every sign-in fails (availability), and users "fix" it by retrying, which replays
        // the code; only literal and constant URIs are compared, so findings are rarely wrong.
        tags: &["security", "oauth2", "correctness"],
        precision: "high",
        security_severity: "4.3",
        check: redirect_uri_mismatch::check,
    },
    Lint {
        name: "unguarded_callback_exchange",
        default_level: Level::Warn,
        summary: "callback handler exchanges the code without a guard",
        group: "suspicious",
        // A repeated callback redeems the code twice: sign-in fails and the server may revoke
        // the tokens of the first exchange. Guards the models do not know are missed.
        tags: &["security", "oauth2", "reliability"],
        precision: "medium",
        security_severity: "5.3",
        check: unguarded_callback_exchange::check,
    },
    Lint {
        name: "racy_exchange_guard",
        default_level: Level::Warn,
        summary: "callback's guard is check-then-act or written after the exchange",
        group: "suspicious",
        tags: &["security", "oauth2", "reliability", "concurrency"],
        precision: "medium",
        security_severity: "4.3",
        check: racy_exchange_guard::check,
    },
    Lint {
        name: "uncached_token_exchange",
        default_level: Level::Warn,
        summary: "token response of an exchange is never stored or returned",
        group: "suspicious",
        // The flow runs again for every request that needs a token, and code that re-runs the
        // exchange replays the code. Stores the models do not know look like a dropped response.
        tags: &["security", "oauth2", "reliability"],
        precision: "medium",
        security_severity: "3.1",
        check: uncached_token_exchange::check,
    },
    Lint {
        name: "discarded_refresh_token",
        default_level: Level::Warn,
        summary: "refresh token of an exchange is never stored or returned",
        group: "suspicious",
        // Users sign in again when the access token expires; code that keeps the old code
        // replays it.
        tags: &["security", "oauth2", "reliability"],
        precision: "medium",
        security_severity: "3.1",
        check: discarded_refresh_token::check,
    },
    Lint {
        name: "unverified_callback_state",
        default_level: Level::Warn,
        summary: "callback handler exchanges the code without verifying `state`",
        group: "suspicious",
        // Login CSRF (RFC 6749 §10.12): an attacker's code is redeemed in the victim's session.
        tags: &["security", "oauth2", "csrf"],
        precision: "medium",
        security_severity: "6.1",
        check: unverified_callback_state::check,
    },
    Lint {
        name: "process_local_exchange_guard",
        default_level: Level::Allow,
        summary: "callback's guard lives in process memory",
        group: "pedantic",
        tags: &["security", "oauth2", "reliability", "scalability"],
        precision: "medium",
        security_severity: "3.1",
        check: process_local_exchange_guard::check,
    },
];

/// Lints about suppressions themselves. The CLI reports them when it applies suppression
/// comments and attributes; they read no facts.
pub static META_LINTS: &[Lint] = &[
    Lint {
        name: "unused_suppression",
        default_level: Level::Warn,
        summary: "suppression that matches no finding",
        group: "suppression",
        tags: &["maintainability", "suppression"],
        precision: "very-high",
        security_severity: "",
        check: no_facts,
    },
    Lint {
        name: "invalid_suppression",
        default_level: Level::Warn,
        summary: "suppression without a reason, of an unknown lint, or malformed",
        group: "suppression",
        tags: &["maintainability", "suppression"],
        precision: "very-high",
        security_severity: "",
        check: no_facts,
    },
];

fn no_facts(_: &ExchangeFact, _: &mut Vec<Finding>) {}

/// Every lint: the catalog's, then the suppression lints.
pub fn all() -> impl Iterator<Item = &'static Lint> {
    LINTS.iter().chain(META_LINTS)
}

/// Finds a lint by name; kebab-case is accepted.
pub fn lint(name: &str) -> Option<&'static Lint> {
    let normalized = name.replace('-', "_");
    all().find(|l| l.name == normalized)
}

/// A secondary location with its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub message: String,
}

/// One finding: a lint at an exchange site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub lint: &'static str,
    pub default_level: Level,
    pub loc: Loc,
    pub message: String,
    pub labels: Vec<Label>,
    pub note: String,
    pub help: String,
    /// The enclosing item, for fingerprints.
    pub item_path: String,
}

impl Finding {
    fn new(lint: &'static str, fact: &ExchangeFact, message: impl Into<String>) -> Finding {
        let default_level = self::lint(lint).map_or(Level::Deny, |l| l.default_level);
        Finding {
            lint,
            default_level,
            loc: Loc::new(fact.file, fact.span),
            message: message.into(),
            labels: Vec::new(),
            note: String::new(),
            help: String::new(),
            item_path: fact.item_path.clone(),
        }
    }

    /// A finding about a suppression (`META_LINTS`), located at the suppression.
    pub fn suppression(lint: &'static str, loc: Loc, message: impl Into<String>) -> Finding {
        let default_level = self::lint(lint).map_or(Level::Warn, |l| l.default_level);
        Finding {
            lint,
            default_level,
            loc,
            message: message.into(),
            labels: Vec::new(),
            note: String::new(),
            help: String::new(),
            item_path: String::new(),
        }
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_label(self, loc: Loc, message: impl Into<String>) -> Finding {
        self.label(loc, message)
    }

    /// Sets the note and the help.
    #[must_use]
    pub fn with_note_and_help(self, note: &str, help: &str) -> Finding {
        self.note(note).help(help)
    }

    fn label(mut self, loc: Loc, message: impl Into<String>) -> Finding {
        let label = Label {
            loc,
            message: message.into(),
        };
        if label.loc != self.loc && !self.labels.contains(&label) {
            self.labels.push(label);
        }
        self
    }

    fn note(mut self, note: &str) -> Finding {
        self.note = note.to_string();
        self
    }

    fn help(mut self, help: &str) -> Finding {
        self.help = help.to_string();
        self
    }
}

/// Runs every lint over the facts. Findings come out in fact order; callers sort.
pub fn check(facts: &[ExchangeFact]) -> Vec<Finding> {
    let mut out = Vec::new();
    for fact in facts {
        for lint in LINTS {
            (lint.check)(fact, &mut out);
        }
    }
    out
}
