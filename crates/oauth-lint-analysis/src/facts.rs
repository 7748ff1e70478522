//! What the dataflow learned about each exchange site: the facts the lints read.

use crate::ir::{FileId, Span};

/// A location: a file and a span in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Self {
        Loc { file, span }
    }
}

/// Why an exchange runs again with the same code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetryKind {
    /// A `loop`/`while`/`for` whose next iteration re-runs the exchange.
    Loop,
    /// A closure run by a retry API (backoff, backon, tokio-retry, retry, again, tryhard).
    RetryApi,
    /// A closure run repeatedly by the project's own retry helper.
    Helper,
    /// An HTTP client or service that retries failed requests.
    Client,
    /// A second exchange that runs because the first one failed (an `Err` arm, `or_else`,
    /// `unwrap_or_else`, a recursive call on error).
    AfterFailure,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryFact {
    pub kind: RetryKind,
    /// The loop, the retry call, the retrying client, or the first exchange.
    pub label: Loc,
    pub detail: String,
}

/// Where a persistent code comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    Env,
    Literal,
    Const,
    Cli,
    File,
    Config,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistentFact {
    pub kind: SourceKind,
    pub label: Loc,
    /// The variable, constant or key name when known.
    pub name: Option<String>,
}

/// One exchange site and everything known about it.
#[derive(Clone, Debug)]
pub struct ExchangeFact {
    /// The primary location: from the call that takes the code to the end of the request.
    pub file: FileId,
    pub span: Span,
    /// The enclosing item (`module::Type::function`), for fingerprints.
    pub item_path: String,
    pub retries: Vec<RetryFact>,
    /// Earlier exchanges of the same code on the same path, not because this one failed.
    pub repeated_after: Vec<Loc>,
    pub persistent: Vec<PersistentFact>,
    /// Where the code comes from, when known.
    pub code_origin: Option<Loc>,
}

impl ExchangeFact {
    pub(crate) fn new(anchor: Loc) -> Self {
        ExchangeFact {
            file: anchor.file,
            span: anchor.span,
            item_path: String::new(),
            retries: Vec::new(),
            repeated_after: Vec::new(),
            persistent: Vec::new(),
            code_origin: None,
        }
    }

    pub(crate) fn add_retry(&mut self, fact: RetryFact) {
        if !self.retries.contains(&fact) {
            self.retries.push(fact);
        }
    }

    /// Whether anything is wrong with this exchange.
    pub(crate) fn has_findings(&self) -> bool {
        !self.retries.is_empty() || !self.repeated_after.is_empty() || !self.persistent.is_empty()
    }
}
