//! oauth-lint's analysis: sources in memory to facts about OAuth2 authorization-code values.
//!
//! It owns parsing and lowering (`lower`), the API models (`models`), the crate index and name
//! resolution (`index`), the code-value dataflow (`dataflow`) in independent parts (`partition`),
//! retrying clients kept in struct fields (`clients`), the light item scanner (`scan`)
//! and the choice of the files worth parsing (`prefilter`), and returns plain data (`facts`).
//! Invariants: no file system, environment, clock or stdout access (work is spread over the
//! caller's rayon pool); no panics on any input; recursion is bounded (`lower_file` refuses
//! files nested deeper than `MAX_NESTING`, lowering keeps at most `MAX_DEPTH` levels); syn and
//! proc-macro2 types never leave `lower`.

pub mod facts;
pub mod ir;
pub mod lower;
pub mod models;
pub mod prefilter;
pub mod scan;

mod callbacks;
mod clients;
mod dataflow;
mod depth;
mod index;
mod partition;

pub use depth::{MAX_NESTING, STACK_SIZE};
pub use facts::{
    CallbackFact, ExchangeFact, GuardFact, HandlerKind, Loc, PersistentFact, RedirectMismatch,
    RetryFact, RetryKind, SourceKind, TokenFact, TokenKeep, TokenPart,
};
pub use index::FnId;
pub use ir::{FileId, FileIr, Span};
pub use lower::{ParseError, lower_file};
pub use models::{ModelError, ModelFile, Models};
pub use prefilter::{FileInput, FileStatus, Parse, Selected, Split, Vocabulary, select};
pub use scan::{DefKind, ItemScan, scan_items};

/// A lowered file and where it sits: its crate and its module path in that crate.
#[derive(Debug)]
pub struct LoweredFile {
    pub crate_id: u32,
    pub module: Vec<String>,
    pub ir: FileIr,
}

/// Runs the dataflow over a set of lowered files. `crate_names[i]` is the name crate `i` is
/// referred to by from other crates (`my_lib` for package `my-lib`).
pub fn analyze(
    files: &[LoweredFile],
    crate_names: &[String],
    models: &Models,
) -> Vec<ExchangeFact> {
    let index = index::Index::new(files, crate_names);
    let shared = dataflow::Shared::new(&index, models);
    let mut analysis = dataflow::Analysis::new(&index, models, &shared, true);
    analysis.summarize();
    analysis.report()
}
