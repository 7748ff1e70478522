//! Suppressions: `// oauth-lint: allow(lint) -- reason` on the finding's line or alone on the
//! line before it, `// oauth-lint: allow-file(lint) -- reason` anywhere in a file, and
//! `#[cfg_attr(oauth_lint, allow(oauth_lint::lint, reason = ".."))]` on an item (read by the
//! lowering into `FileIr::allows`).
//!
//! A suppression needs a reason; one without, one naming an unknown lint, or one that cannot be
//! read suppresses nothing and is reported as `invalid_suppression`. A valid suppression of an
//! enabled lint that matches no finding is reported as `unused_suppression`.

use oauth_lint_analysis::{Loc, Span};
use oauth_lint_lints::Finding;

use crate::discover::Discovered;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A finding whose primary span covers one of these lines (inclusive).
    Lines(u32, u32),
    File,
}

#[derive(Debug)]
struct Suppression {
    file: u32,
    /// Where it is written, for reports.
    at: Span,
    lints: Vec<&'static str>,
    scope: Scope,
    used: Vec<bool>,
}

/// What applying the suppressions leaves.
pub(crate) struct Applied {
    /// Findings no suppression covers.
    pub(crate) kept: Vec<Finding>,
    /// How many findings were suppressed.
    pub(crate) suppressed: usize,
    /// `unused_suppression` and `invalid_suppression` findings.
    pub(crate) meta: Vec<Finding>,
}

/// Applies every suppression of the analysed files to `findings`. `enabled` says whether a lint
/// is on (an allowed lint's suppression is never reported as unused).
pub(crate) fn apply(
    findings: Vec<Finding>,
    found: &Discovered,
    enabled: &dyn Fn(&str) -> bool,
) -> Applied {
    let mut meta = Vec::new();
    let mut sups = Vec::new();
    for (idx, source) in found.sources.iter().enumerate() {
        let file = u32::try_from(idx).unwrap_or(u32::MAX);
        comments(file, &source.text, &mut sups, &mut meta);
        if let Some(lowered) = found.lowered.get(idx) {
            for allow in &lowered.ir.allows {
                let at = Loc::new(file, allow.attr);
                let Some(lints) = known_lints(&allow.lints, at, &mut meta) else {
                    continue;
                };
                if allow.reason.is_none() {
                    meta.push(without_reason(
                        at,
                        "add `reason = \"..\"` to the `allow(..)`",
                    ));
                    continue;
                }
                sups.push(Suppression {
                    file,
                    at: allow.attr,
                    used: vec![false; lints.len()],
                    lints,
                    scope: Scope::Lines(allow.item.line, allow.item.end_line),
                });
            }
        }
    }
    let mut kept = Vec::new();
    let mut suppressed = 0;
    for f in findings {
        let text = found
            .sources
            .get(f.loc.file as usize)
            .map_or("", |s| s.text.as_str());
        let first = statement_start(text, f.loc.span.line);
        let mut hit = false;
        for s in &mut sups {
            if s.file != f.loc.file {
                continue;
            }
            let covers = match s.scope {
                Scope::File => true,
                Scope::Lines(lo, hi) => first <= hi && lo <= f.loc.span.end_line,
            };
            if !covers {
                continue;
            }
            if let Some(i) = s.lints.iter().position(|l| *l == f.lint) {
                s.used[i] = true;
                hit = true;
            }
        }
        if hit {
            suppressed += 1;
        } else {
            kept.push(f);
        }
    }
    for s in &sups {
        for (lint, used) in s.lints.iter().zip(&s.used) {
            if !used && enabled(lint) {
                meta.push(
                    Finding::suppression(
                        "unused_suppression",
                        Loc::new(s.file, s.at),
                        format!("`{lint}` is allowed here but not reported"),
                    )
                    .with_note_and_help(
                        "a suppression that matches no finding hides the next real one",
                        "remove the suppression, or move it to the line of the finding",
                    ),
                );
            }
        }
    }
    Applied {
        kept,
        suppressed,
        meta,
    }
}

/// The first line of the statement that contains `line`, by a line-local scan: the lines above
/// belong to the same statement until one ends with `;`, `{`, `}` or `,`, or is blank, a comment
/// or an attribute. A suppression above `let t = client` then covers a finding on a later
/// `.exchange_code(..)` line of the same statement.
fn statement_start(text: &str, line: u32) -> u32 {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut first = line;
    for _ in 0..32 {
        if first <= 1 {
            break;
        }
        let Some(prev) = lines.get(first as usize - 2) else {
            break;
        };
        let prev = prev.trim();
        let ends = prev.is_empty()
            || prev.starts_with("//")
            || prev.starts_with("#[")
            || prev.ends_with(';')
            || prev.ends_with('{')
            || prev.ends_with('}')
            || prev.ends_with(',');
        if ends {
            break;
        }
        first -= 1;
    }
    first
}

fn without_reason(at: Loc, help: &str) -> Finding {
    Finding::suppression(
        "invalid_suppression",
        at,
        "suppression without a reason suppresses nothing",
    )
    .with_note_and_help(
        "a reason tells the next reader why this code may redeem a code the way it does",
        help,
    )
}

/// Resolves lint names; an unknown one makes the whole suppression invalid.
fn known_lints(names: &[String], at: Loc, meta: &mut Vec<Finding>) -> Option<Vec<&'static str>> {
    let mut out = Vec::new();
    for name in names {
        let Some(lint) = oauth_lint_lints::lint(name) else {
            meta.push(
                Finding::suppression("invalid_suppression", at, crate::config::unknown_lint(name))
                    .with_note_and_help(
                        "a suppression of an unknown lint suppresses nothing",
                        "fix the lint name",
                    ),
            );
            return None;
        };
        out.push(lint.name);
    }
    Some(out)
}

/// Reads `// oauth-lint: ..` comments.
fn comments(file: u32, text: &str, sups: &mut Vec<Suppression>, meta: &mut Vec<Finding>) {
    if !text.contains("oauth-lint:") {
        return;
    }
    let starts = line_comment_starts(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut offset = 0usize;
    let mut next_comment = starts.iter().peekable();
    for (i, line) in lines.iter().enumerate() {
        let line_start = offset;
        offset += line.len() + 1;
        // The first `//` comment that starts on this line, if any.
        let mut slash = None;
        while let Some(&&c) = next_comment.peek() {
            if c >= offset {
                break;
            }
            next_comment.next();
            if slash.is_none() && c >= line_start {
                slash = Some(c - line_start);
            }
        }
        let Some(slash) = slash else {
            continue;
        };
        let comment = line[slash..]
            .trim_start_matches('/')
            .trim_start_matches('!');
        let Some(body) = comment.trim_start().strip_prefix("oauth-lint:") else {
            continue;
        };
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let at = Span {
            lo: u32::try_from(line_start + slash).unwrap_or(u32::MAX),
            hi: u32::try_from(line_start + line.trim_end().len()).unwrap_or(u32::MAX),
            line: lineno,
            col: u32::try_from(line[..slash].chars().count() + 1).unwrap_or(u32::MAX),
            end_line: lineno,
            end_col: u32::try_from(line.trim_end().chars().count() + 1).unwrap_or(u32::MAX),
        };
        let loc = Loc::new(file, at);
        let Some(parsed) = parse_comment(body) else {
            meta.push(
                Finding::suppression("invalid_suppression", loc, "cannot read this suppression")
                    .with_note_and_help(
                        "the form is `// oauth-lint: allow(lint_name) -- reason` or \
                     `// oauth-lint: allow-file(lint_name) -- reason`",
                        "write it in one of those forms",
                    ),
            );
            continue;
        };
        let Some(lints) = known_lints(&parsed.lints, loc, meta) else {
            continue;
        };
        if parsed.reason.is_none() {
            meta.push(without_reason(loc, "add ` -- why` after the `allow(..)`"));
            continue;
        }
        let scope = if parsed.file {
            Scope::File
        } else if line[..slash].trim().is_empty() {
            // Alone on its line: it covers the next line that is not itself a comment.
            let mut next = i + 1;
            while lines
                .get(next)
                .is_some_and(|l| l.trim_start().starts_with("//"))
            {
                next += 1;
            }
            let n = u32::try_from(next + 1).unwrap_or(u32::MAX);
            Scope::Lines(n, n)
        } else {
            Scope::Lines(lineno, lineno)
        };
        sups.push(Suppression {
            file,
            at,
            used: vec![false; lints.len()],
            lints,
            scope,
        });
    }
}

/// Byte offsets of every `//` line comment, found by a small Rust lexer that skips string,
/// byte-string, raw-string and char literals and (nested) block comments, so that a
/// `// oauth-lint:` inside a string is never read as a suppression.
fn line_comment_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                out.push(i);
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 1;
                i += 2;
                while i < b.len() && depth > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => i = skip_string(b, i + 1),
            b'r' | b'b' | b'c' if !prev_is_ident(b, i) => {
                // r"..", r#".."#, br"..", b"..", c"..", cr#".."#
                let mut j = i + 1;
                if b[i] != b'r' && b.get(j) == Some(&b'r') {
                    j += 1;
                }
                let raw = b[i] == b'r' || (j > i + 1);
                if raw {
                    let hashes_start = j;
                    while b.get(j) == Some(&b'#') {
                        j += 1;
                    }
                    let hashes = j - hashes_start;
                    if b.get(j) == Some(&b'"') {
                        i = skip_raw(b, j + 1, hashes);
                        continue;
                    }
                    i += 1;
                } else if b.get(j) == Some(&b'"') {
                    i = skip_string(b, j + 1);
                } else if b[i] == b'b' && b.get(j) == Some(&b'\'') {
                    i = skip_char(b, j);
                } else {
                    i += 1;
                }
            }
            b'\'' => i = skip_char(b, i),
            _ => i += 1,
        }
    }
    out
}

fn prev_is_ident(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] >= 0x80)
}

/// Past the closing `"` of a string whose body starts at `i`.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Past the closing `"#..#` of a raw string whose body starts at `i`.
fn skip_raw(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        if b[i] == b'"'
            && b.len() >= i + 1 + hashes
            && b[i + 1..i + 1 + hashes].iter().all(|c| *c == b'#')
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// Past a char literal starting at the `'` at `i`, or just past the `'` of a lifetime.
fn skip_char(b: &[u8], i: usize) -> usize {
    if b.get(i + 1) == Some(&b'\\') {
        let mut j = i + 2;
        while j < b.len() && j < i + 16 {
            if b[j] == b'\'' {
                return j + 1;
            }
            j += 1;
        }
        return i + 1;
    }
    // One (possibly multi-byte) character, then `'`.
    let mut j = i + 1;
    if j < b.len() {
        j += 1;
        while j < b.len() && (b[j] & 0xC0) == 0x80 {
            j += 1;
        }
        if b.get(j) == Some(&b'\'') {
            return j + 1;
        }
    }
    i + 1
}

struct Parsed {
    file: bool,
    lints: Vec<String>,
    reason: Option<String>,
}

/// `allow(a, b) -- reason` or `allow-file(a) -- reason`.
fn parse_comment(body: &str) -> Option<Parsed> {
    let body = body.trim_start();
    let (file, rest) = if let Some(r) = body.strip_prefix("allow-file") {
        (true, r)
    } else if let Some(r) = body.strip_prefix("allow") {
        (false, r)
    } else {
        return None;
    };
    let rest = rest.trim_start().strip_prefix('(')?;
    let (inside, after) = rest.split_once(')')?;
    let lints: Vec<String> = inside
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_start_matches("oauth_lint::").to_string())
        .collect();
    if lints.is_empty() {
        return None;
    }
    let after = after.trim();
    let reason = if after.is_empty() {
        None
    } else {
        let r = after.strip_prefix("--")?.trim();
        (!r.is_empty()).then(|| r.to_string())
    };
    Some(Parsed {
        file,
        lints,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::line_comment_starts;

    fn comments(text: &str) -> Vec<&str> {
        line_comment_starts(text)
            .into_iter()
            .map(|i| text[i..].lines().next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn only_real_line_comments_are_found() {
        let text = r##"
let a = "// not a comment \" // still a string
// nor this, the string goes on";
let b = r#"// raw "// raw"#; // one
let c = b'"'; let d = '"'; // two
fn f<'a>(x: &'a str) -> &'a str { x } // three
/* block // not /* nested // */ still block */ let e = br"//"; // four
let url = "https://example.com"; let ch = '\''; // five
"##;
        assert_eq!(
            comments(text),
            ["// one", "// two", "// three", "// four", "// five"]
        );
    }
}
