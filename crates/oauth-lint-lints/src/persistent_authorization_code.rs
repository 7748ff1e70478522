//! `persistent_authorization_code`: the code that reaches an exchange comes from a source that
//! survives the request (environment, constant, literal, CLI argument, file, configuration).

use oauth_lint_analysis::{ExchangeFact, SourceKind};

use crate::Finding;

const NOTE: &str = "an authorization code is single-use and expires within minutes; a code kept \
in the environment, a constant, a file or the configuration is replayed by every run after the \
first and rejected with `invalid_grant`";
const HELP: &str = "for non-interactive jobs use the client-credentials grant or a stored refresh \
token; an interactive tool should run the authorization flow and use the code it receives";

pub(crate) fn check(fact: &ExchangeFact, out: &mut Vec<Finding>) {
    let mut sources = fact.persistent.clone();
    sources.sort_by_key(|p| (p.kind, p.label));
    let Some(first) = sources.first() else {
        return;
    };
    let what = |kind: SourceKind| match kind {
        SourceKind::Env => "an environment variable",
        SourceKind::Literal => "a string literal",
        SourceKind::Const => "a constant",
        SourceKind::Cli => "a command-line argument",
        SourceKind::File => "a file",
        SourceKind::Config => "the configuration",
    };
    let mut finding = Finding::new(
        "persistent_authorization_code",
        fact,
        format!("authorization code from {} is exchanged", what(first.kind)),
    );
    for source in &sources {
        let text = match (&source.kind, &source.name) {
            (SourceKind::Env, Some(name)) => format!("the code is read from `{name}` here"),
            (SourceKind::Const, Some(name)) => format!("the code is the constant `{name}`"),
            (kind, _) => format!("the code comes from {} here", what(*kind)),
        };
        finding = finding.label(source.label, text);
    }
    out.push(finding.note(NOTE).help(HELP));
}
