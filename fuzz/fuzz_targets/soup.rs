//! Token soups built from the fixtures through the whole analysis: each file is a sequence of
//! pieces picked by the fuzzer, whole lines of the fixtures and the lint docs' examples,
//! single tokens of them, words of the OAuth vocabulary (`fuzz/oauth.dict`), brackets and
//! free text, so that mutations stay close to the code the lints are about.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Piece {
    Line(u16),
    Token(u16),
    Word(u8),
    Open(u8),
    Close(u8),
    Newline,
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Soup {
    files: Vec<Vec<Piece>>,
}

struct Material {
    lines: Vec<String>,
    tokens: Vec<String>,
    words: Vec<String>,
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The fixtures' lines and tokens, and the dictionary's words, read once.
fn material() -> &'static Material {
    static MATERIAL: OnceLock<Material> = OnceLock::new();
    MATERIAL.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        rust_files(&root.join("tests/fixtures"), &mut files);
        rust_files(&root.join("tests/workspace"), &mut files);
        let mut lines = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            lines.extend(text.lines().map(str::to_string));
        }
        lines.sort();
        lines.dedup();
        let mut tokens: Vec<String> = lines
            .iter()
            .flat_map(|l| {
                l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        tokens.extend(
            [
                ";", ",", ".", "::", "=", "=>", "->", "?", "&", "*", "!", "|", "#", "'a", "\"",
            ]
            .map(str::to_string),
        );
        tokens.sort();
        tokens.dedup();
        let dict = std::fs::read_to_string(root.join("fuzz/oauth.dict")).unwrap_or_default();
        let words = dict
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix('"'))
            .map(|w| w.replace("\\\"", "\"").replace("\\\\", "\\"))
            .collect();
        Material {
            lines,
            tokens,
            words,
        }
    })
}

fn pick(list: &[String], i: usize) -> &str {
    if list.is_empty() {
        ""
    } else {
        &list[i % list.len()]
    }
}

const NAMES: [&str; 4] = [
    "src/lib.rs",
    "src/auth.rs",
    "src/handlers.rs",
    "src/main.rs",
];

fuzz_target!(|soup: Soup| {
    let m = material();
    assert!(
        !m.lines.is_empty() && !m.words.is_empty(),
        "no fixtures or dictionary"
    );
    let texts: Vec<String> = soup
        .files
        .iter()
        .take(NAMES.len())
        .map(|pieces| {
            let mut text = String::new();
            for piece in pieces {
                match piece {
                    Piece::Line(i) => {
                        text.push_str(pick(&m.lines, usize::from(*i)));
                        text.push('\n');
                    }
                    Piece::Token(i) => text.push_str(pick(&m.tokens, usize::from(*i))),
                    Piece::Word(i) => text.push_str(pick(&m.words, usize::from(*i))),
                    Piece::Open(i) => text.push(['(', '[', '{', '<'][usize::from(*i) % 4]),
                    Piece::Close(i) => text.push([')', ']', '}', '>'][usize::from(*i) % 4]),
                    Piece::Newline => text.push('\n'),
                    Piece::Text(t) => text.push_str(t),
                }
                text.push(' ');
            }
            text
        })
        .collect();
    let sources: Vec<(&str, &str)> = NAMES
        .iter()
        .copied()
        .zip(texts.iter().map(String::as_str))
        .collect();
    if let Err(e) = oauth_lint::analyze_sources(&sources) {
        panic!("{e}");
    }
});
