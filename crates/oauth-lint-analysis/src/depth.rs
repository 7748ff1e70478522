//! How deep `syn` may recurse on a file, bounded from above by a light lexer before parsing.
//!
//! syn parses brackets, prefix operators (`!`, `-`, `*`, `&`), closures, `return`/`break`,
//! assignments, `else if` chains and types (`&`, `Box<dyn A<..>>`, `fn() -> ..`) recursively:
//! each such level costs kilobytes of stack. Left-nested chains (`a.b().c()..`, `a + b + ..`,
//! `x?`) are parsed in a loop, but the syntax tree is dropped recursively, so they cost a few
//! hundred bytes per link. A file can hold hundreds of thousands of either in a few megabytes
//! and exhaust any stack.
//!
//! The bound is computed at every token: the open brackets, plus in each of them the `<`s not
//! yet closed and the operators and keywords of the current expression (since the last `;`,
//! `,` or `=>`, or the end of a `{..}` block that the next token does not continue). Recursive
//! levels weigh one, links of a chain `1/CHAIN_LINKS`. Real code stays far below the limit
//! (the deepest file among 900 popular crates, a table of 680 or-patterns, is under 200).

/// Files whose bound exceeds this are refused (`lower_file` returns an error) before parsing.
/// Every kind of deep tree just below it parses, lowers and drops with a sixteenth of
/// `STACK_SIZE` in a release build and with half of it in a debug build.
pub const MAX_NESTING: usize = 2_000;

/// The stack to run `lower_file` with: enough for any file it does not refuse. The command
/// line's parser threads have it.
pub const STACK_SIZE: usize = 256 * 1024 * 1024;

/// How many links of a left-nested chain weigh as much as one recursive level.
const CHAIN_LINKS: usize = 16;

/// The most one byte of source adds to the bound: the `(` of a call is a link, then a level.
/// Every other token adds at most a level per byte (`&&` as a prefix: two levels in two bytes);
/// `tests::no_byte_adds_more_than_a_level_and_a_link` checks it.
const MAX_PER_BYTE: usize = LEVEL + LINK;

/// Where the bound first exceeds `limit` levels: the byte offset of that token.
pub(crate) fn too_deep(source: &str, limit: usize) -> Option<usize> {
    let limit = limit.saturating_mul(CHAIN_LINKS);
    // A file too short to reach the limit even at `MAX_PER_BYTE` is not scanned (most are).
    if source.len().saturating_mul(MAX_PER_BYTE) <= limit {
        return None;
    }
    scan(source, limit)
}

/// Where the bound first exceeds `limit` (weighed: `LEVEL` per level).
fn scan(source: &str, limit: usize) -> Option<usize> {
    let mut scan = Scan {
        frames: vec![Frame::default()],
        limit,
    };
    let b = source.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'/' if at(i + 1) == b'/' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if at(i + 1) == b'*' => {
                i = skip_block_comment(b, i);
                continue;
            }
            b'"' => {
                i = skip_string(b, i + 1);
                scan.value();
            }
            b'\'' => {
                i = skip_char_or_lifetime(b, i);
                scan.value();
            }
            b'0'..=b'9' => {
                let (end, fraction) = skip_number(b, i);
                i = end;
                scan.value();
                if fraction {
                    let f = scan.top();
                    f.run = f.run.saturating_add(LINK);
                }
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                scan.open(c == b'{');
            }
            b')' | b']' | b'}' => {
                i += 1;
                scan.close();
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let end = skip_ident(b, i);
                let word = &b[i..end];
                i = end;
                if matches!(word, b"r" | b"br" | b"cr") && matches!(at(i), b'#' | b'"') {
                    let hashes = b[i..].iter().take_while(|&&h| h == b'#').count();
                    if at(i + hashes) == b'"' {
                        i = skip_raw_string(b, i + hashes + 1, hashes);
                    } else {
                        // `r#ident`, a raw identifier.
                        i = skip_ident(b, i + hashes);
                    }
                    scan.value();
                } else {
                    scan.word(word);
                }
            }
            _ => i += scan.punct(c, at(i + 1), at(i + 2)),
        }
        if scan.exceeded() {
            return Some(start);
        }
    }
    None
}

/// The weight of a recursive level and of a chain link.
const LEVEL: usize = CHAIN_LINKS;
const LINK: usize = 1;

#[derive(Default, Clone, Copy)]
struct Frame {
    /// The depth at which this bracket opened, itself included.
    base: usize,
    /// The operators and keywords of the current expression.
    run: usize,
    /// Unclosed `<`s since the last `;` or `=>`, weighed.
    angle: usize,
    /// The previous token was a closed `{..}` group: the next token decides whether it ended
    /// a statement or an item.
    after_brace: bool,
    /// The previous token was a value (an identifier, a literal, a closed group): an operator
    /// now is binary (a chain link), not prefix (a recursive level), and `(` or `[` is a call
    /// or an index.
    after_value: bool,
    /// This frame is a `{..}` group.
    brace: bool,
    /// The previous token was a `.`, and the one before a name after a `.`: the `(` of a
    /// method call is no link of its own.
    after_dot: bool,
    after_member: bool,
}

struct Scan {
    frames: Vec<Frame>,
    limit: usize,
}

impl Scan {
    fn top(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::default());
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    fn depth(&self) -> usize {
        self.frames
            .last()
            .map_or(0, |f| f.base.saturating_add(f.run).saturating_add(f.angle))
    }

    fn exceeded(&self) -> bool {
        self.depth() > self.limit
    }

    /// Before a token: a `{..}` block followed by something that cannot continue an expression
    /// ended a statement or an item.
    fn settle(&mut self, continues: bool) -> &mut Frame {
        let f = self.top();
        if f.after_brace && !continues {
            f.run = 0;
            f.angle = 0;
        }
        f.after_brace = false;
        f
    }

    fn value(&mut self) {
        let f = self.settle(false);
        f.after_value = true;
        f.after_dot = false;
        f.after_member = false;
    }

    fn word(&mut self, word: &[u8]) {
        let f = self.settle(matches!(word, b"as" | b"else"));
        f.after_member = f.after_dot;
        f.after_dot = false;
        let weight = match word {
            b"else" | b"return" | b"break" | b"yield" | b"become" | b"dyn" | b"impl" | b"box" => {
                LEVEL
            }
            b"as" => LINK,
            _ => 0,
        };
        f.run = f.run.saturating_add(weight);
        // Keywords after which an operator is a prefix one.
        f.after_value = weight == 0
            && !matches!(
                word,
                b"if"
                    | b"match"
                    | b"while"
                    | b"for"
                    | b"in"
                    | b"let"
                    | b"move"
                    | b"mut"
                    | b"ref"
                    | b"const"
                    | b"static"
                    | b"unsafe"
                    | b"async"
                    | b"loop"
                    | b"where"
            );
    }

    fn open(&mut self, brace: bool) {
        let f = self.settle(!brace);
        if !brace && f.after_value && !f.after_member {
            // A call or an index.
            f.run = f.run.saturating_add(LINK);
        }
        f.after_value = false;
        f.after_dot = false;
        f.after_member = false;
        let base = self.depth().saturating_add(LEVEL);
        self.frames.push(Frame {
            base,
            brace,
            ..Frame::default()
        });
    }

    fn close(&mut self) {
        let brace = self.frames.len() > 1 && self.frames.pop().is_some_and(|f| f.brace);
        let f = self.top();
        f.after_value = true;
        f.after_brace = brace;
        f.after_dot = false;
        f.after_member = false;
    }

    /// Reads the punctuation starting with `c` (followed by `n1`, `n2`) and returns its length.
    fn punct(&mut self, c: u8, n1: u8, n2: u8) -> usize {
        let f = self.settle(c != b'#');
        let prefix = !f.after_value;
        // Prefix operators recurse; binary ones are chain links.
        let unary = if prefix { LEVEL } else { LINK };
        f.after_value = false;
        f.after_member = false;
        f.after_dot = c == b'.' && n1 != b'.';
        let (len, weight) = match (c, n1) {
            (b';', _) | (b'=', b'>') => {
                f.run = 0;
                f.angle = 0;
                return if c == b';' { 1 } else { 2 };
            }
            (b',', _) => {
                f.run = 0;
                return 1;
            }
            (b':' | b'#' | b'$', _) => (1, 0),
            (b'<', b'<') | (b'>', b'>') if n2 == b'=' => (3, LEVEL),
            (b'<' | b'>' | b'=' | b'!', b'=') => (2, LINK),
            (b'<', _) => {
                f.angle = f.angle.saturating_add(LEVEL);
                return 1;
            }
            (b'>', _) => {
                f.angle = f.angle.saturating_sub(LEVEL);
                return 1;
            }
            (b'.', b'.') => (if matches!(n2, b'=' | b'.') { 3 } else { 2 }, unary),
            (b'&', b'&') if prefix => (2, 2 * LEVEL),
            (b'&', b'&') | (b'|', b'|') => (2, unary),
            // `m!(..)` after a name is a macro call.
            (b'!', _) if !prefix => (1, 0),
            (b'?', _) => {
                f.run = f.run.saturating_add(LINK);
                f.after_value = true;
                return 1;
            }
            (b'-', b'>') | (b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|', b'=') => {
                (2, LEVEL)
            }
            (b'-' | b'*' | b'&' | b'|' | b'!', _) => (1, unary),
            (b'=' | b'@', _) => (1, LEVEL),
            _ => (1, LINK),
        };
        f.run = f.run.saturating_add(weight);
        len
    }
}

fn skip_ident(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80) {
        i += 1;
    }
    i
}

/// A number; `true` when it has a fraction (`1.5`, but also `0.1` in `x.0.1`, two fields).
fn skip_number(b: &[u8], mut i: usize) -> (usize, bool) {
    let digits = |mut i: usize| {
        while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
            i += 1;
        }
        i
    };
    i = digits(i);
    // `1.5` goes on, `1..2` and `1.max(2)` do not.
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        (digits(i + 1), true)
    } else {
        (i, false)
    }
}

/// From just after the opening quote to just after the closing one.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_raw_string(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}

fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match (b[i], b.get(i + 1).copied().unwrap_or(0)) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth = depth.saturating_sub(1);
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// `'a'`, `'\n'`, `'\u{1F600}'` or a lifetime `'a`.
fn skip_char_or_lifetime(b: &[u8], i: usize) -> usize {
    let at = |j: usize| b.get(j).copied().unwrap_or(0);
    if at(i + 1) == b'\\' {
        let mut j = i + 3;
        while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
            j += 1;
        }
        return (j + 1).min(b.len());
    }
    let width = match at(i + 1) {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    if at(i + 1 + width) == b'\'' {
        return i + 2 + width;
    }
    skip_ident(b, i + 1)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test fails by panicking"
    )]

    use super::{CHAIN_LINKS, MAX_NESTING, MAX_PER_BYTE, scan, too_deep};

    /// The bound after `n` bytes is at most `n * MAX_PER_BYTE`, which lets `too_deep` skip
    /// short files: every string of up to three tokens from a set of every kind, and many
    /// longer ones, stay within it at every prefix.
    #[test]
    fn no_byte_adds_more_than_a_level_and_a_link() {
        let tokens = [
            "a", "f", "1", "1.5", "x.0.1", "(", ")", "[", "]", "{", "}", "<", ">", "<<=", ">>=",
            "<=", "==", "!=", "!", "&", "&&", "|", "||", "-", "->", "*", "+", "+=", "/", "%", "^",
            "=", "=>", "@", "?", ".", "..", "..=", "...", ",", ";", ":", "::", "#", "$", "'a'",
            "'a", "\"s\"", "r#\"s\"#", "else", "return", "break", "dyn", "impl", "as", "if", "let",
            "mut", "//c\n", "/*c*/", " ", "\n",
        ];
        let within = |s: &str| {
            // Every prefix that ends between tokens stays within its own bound.
            scan(s, s.len() * MAX_PER_BYTE).is_none()
        };
        for a in tokens {
            for b in tokens {
                for c in tokens {
                    let s = format!("{a}{b}{c}");
                    assert!(within(&s), "{s:?}");
                }
            }
        }
        // Longer strings: a fixed pseudo-random sequence of tokens.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(seed % 97) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push_str(tokens[usize::try_from(seed % tokens.len() as u64).unwrap()]);
                assert!(within(&s), "{s:?}");
            }
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        }
        // Long runs of the heaviest tokens.
        for t in [
            "a(", "!", "&&", "<", "(", "[", "-", "*", "=", "a[", "return ", "dyn ",
        ] {
            let s = t.repeat(4000);
            assert!(within(&s), "{t:?}");
        }
    }

    fn depth_of(source: &str) -> usize {
        (0..=MAX_NESTING * 4)
            .find(|&limit| too_deep(source, limit).is_none())
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn ordinary_code_is_shallow() {
        let code = r##"
            use std::collections::{BTreeMap, HashMap};
            #[derive(Debug)]
            struct S<'a, T: Iterator<Item = Vec<u8>>> { a: &'a T, b: Box<dyn Fn(u8) -> u8> }
            impl<T> S<'_, T> where T: Iterator<Item = Vec<u8>> {
                fn f(&self, x: u8) -> Result<Vec<(u8, u8)>, String> {
                    if x < 3 && x > 1 || !self.ok() { return Err("<<<<".into()); }
                    let v = self.a.iter().map(|x| x + 1).filter(|x| *x > 2).collect::<Vec<_>>();
                    let c = '<'; let d = b'{'; let e = r#"(((("#; let l: &'static str = "";
                    /* ((((( /* nested */ ((( */ // (((((
                    match x { 1 => a.b().c(), _ if x >= 2 => {} _ => {} }
                    Ok(v)
                }
            }
            fn g() {} fn h() {} fn i() -> u8 { 1 } fn j() -> u8 { 1 }
        "##;
        assert!(depth_of(code) < 20, "{}", depth_of(code));
        // Many statements, items and comparisons do not add up.
        let many = "fn f() -> u8 { if a < b { c } else if a > b { d } else { e } }\n".repeat(5000);
        assert!(depth_of(&many) < 20, "{}", depth_of(&many));
        let stmts = format!(
            "fn f() {{ {} }}",
            "if a < b { c(); } x = y + z;\n".repeat(5000)
        );
        assert!(depth_of(&stmts) < 20, "{}", depth_of(&stmts));
    }

    /// Deep trees of every kind, as `(where, repeated before, core, repeated after, links)`:
    /// `links` for chains, whose links weigh `1/CHAIN_LINKS` of a level.
    pub(crate) const DEEP: &[(&str, &str, &str, &str, bool)] = &[
        ("expr", "(", "a", ")", false),
        ("expr", "[", "a", "]", false),
        ("expr", "{", "a", "}", false),
        ("expr", "!", "a", "", false),
        ("expr", ".. ", "a", "", false),
        ("expr", "*", "a", "", false),
        ("expr", "&", "a", "", false),
        ("expr", ".. ", "a", "", false),
        ("expr", "&mut ", "a", "", false),
        ("expr", "|x| ", "a", "", false),
        ("expr", "|| ", "a", "", false),
        ("expr", "move || ", "a", "", false),
        ("expr", "async move |x| ", "a", "", false),
        ("expr", "return ", "a", "", false),
        ("expr", "break ", "a", "", false),
        ("expr", "x = ", "a", "", false),
        ("expr", "x += ", "a", "", false),
        ("expr", ".. ", "a", "", false),
        ("expr", "if a {} else ", "{}", "", false),
        ("expr", "match a { _ => ", "a", "}", false),
        ("expr", "a.b(", "a", ")", false),
        ("expr", "f(", "a", ")", false),
        ("expr", "S { a: ", "a", "}", false),
        ("expr", "vec![", "a", "]", false),
        ("expr", "format!(\"{}\", ", "a", ")", false),
        ("expr", "", "a", ".b()", true),
        ("expr", "", "a", ".b", true),
        ("expr", "", "a", ".0", true),
        ("expr", "", "a", "?", true),
        ("expr", "", "a", ".await", true),
        ("expr", "", "a", " + a", true),
        ("expr", "", "a", " - a", true),
        ("expr", "", "a", " && a", true),
        ("expr", "", "a", " == a && a", true),
        ("expr", "", "a", " as u8", true),
        ("expr", "", "a", "[0]", true),
        ("expr", "", "a", "()", true),
        ("expr", "", "a", ".b(|x| x)", true),
        ("expr", "a", "", " | a", true),
        ("type", "Vec<", "u8", ">", false),
        ("type", "Box<dyn A<", "u8", ">>", false),
        ("type", "impl A<Output = ", "u8", ">", false),
        ("type", "fn() -> ", "u8", "", false),
        ("type", "&", "u8", "", false),
        ("type", "&'a mut ", "u8", "", false),
        ("type", "*const ", "u8", "", false),
        ("type", "<T as A<", "u8", ">>::B", false),
        ("type", "(", "u8", ",)", false),
        ("type", "[", "u8", "; 1]", false),
        ("pat", "x @ ", "y", "", false),
        ("pat", "&", "y", "", false),
        ("pat", "Some(", "y", ")", false),
        ("pat", "", "y", " | y", true),
        ("item", "mod a { ", "", "}", false),
        ("item", "fn a() { ", "", "}", false),
    ];

    pub(crate) fn file(place: &str, before: &str, core: &str, after: &str, n: usize) -> String {
        let (before, after) = (before.repeat(n), after.repeat(n));
        match place {
            "type" => format!("fn f(x: {before}{core}{after}) {{}}\n"),
            "pat" => format!("fn f() {{ let {before}{core}{after} = a; }}\n"),
            "item" => format!("{before}{core}{after}\n"),
            _ => format!("fn f() {{ let _ = {before}{core}{after}; }}\n"),
        }
    }

    #[test]
    fn every_kind_of_deep_tree_is_caught() {
        for &(place, before, core, after, links) in DEEP {
            let n = (MAX_NESTING + 1) * if links { CHAIN_LINKS } else { 1 };
            let source = file(place, before, core, after, n);
            assert!(
                too_deep(&source, MAX_NESTING).is_some(),
                "{before:?} {after:?}: {}",
                depth_of(&source)
            );
        }
    }

    /// The largest repetition of a deep tree that is not refused.
    fn largest_accepted(place: &str, before: &str, core: &str, after: &str) -> usize {
        let (mut lo, mut hi) = (0, (MAX_NESTING + 1) * CHAIN_LINKS);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if too_deep(&file(place, before, core, after, mid), MAX_NESTING).is_none() {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    }

    /// Every kind of deep tree just below the limit is parsed and lowered on a thread with
    /// `STACK_SIZE`, then analysed on one with a main thread's 8 MiB, without exhausting either.
    #[test]
    fn every_kind_of_deep_tree_below_the_limit_is_analysed() {
        let mut lowered_ok = 0;
        for &(place, before, core, after, _) in DEEP {
            let n = largest_accepted(place, before, core, after);
            assert!(n >= 100, "{before:?} {after:?}: only {n}");
            let source = file(place, before, core, after, n);
            let lowered = std::thread::Builder::new()
                .stack_size(super::STACK_SIZE)
                .spawn(move || crate::lower_file(&source, &[]))
                .unwrap()
                .join()
                .unwrap();
            let Ok(ir) = lowered else {
                // A few of these are not Rust (`x @ x @ y`): syn refuses them, after recursing.
                continue;
            };
            lowered_ok += 1;
            std::thread::Builder::new()
                .stack_size(8 * 1024 * 1024)
                .spawn(move || {
                    let files = [crate::LoweredFile {
                        crate_id: 0,
                        module: Vec::new(),
                        ir,
                    }];
                    crate::analyze(&files, &["deep".into()], &crate::Models::default())
                })
                .unwrap()
                .join()
                .unwrap();
        }
        assert!(
            lowered_ok * 10 >= DEEP.len() * 8,
            "{lowered_ok} of {}",
            DEEP.len()
        );
    }

    #[test]
    fn strings_comments_and_chars_do_not_count() {
        let n = MAX_NESTING * 2;
        for text in [
            format!("\"{}\"", "(".repeat(n)),
            format!("r#\"{}\"#", "(\"".repeat(n)),
            format!("b\"{}\"", "!".repeat(n)),
            format!("/* {} */", "(/*".repeat(n) + &"*/".repeat(n)),
            format!("// {}", "(".repeat(n)),
            "'('; '\\''; '\\u{28}'; 'a: loop {}".repeat(n),
        ] {
            let source = format!("fn f() {{ let s = {text}; }}");
            assert!(too_deep(&source, MAX_NESTING).is_none(), "{}", &text[..20]);
        }
    }

    #[test]
    fn the_offset_is_where_the_limit_is_passed() {
        let source = format!("fn f() {{ {}", "(".repeat(10));
        assert_eq!(too_deep(&source, 5), Some(12));
        assert_eq!(too_deep("", 0), None);
        for garbage in ["'", "r#", "\"", "/*", "b'", "r##\"", "'\\", "\u{e9}'"] {
            let _ = too_deep(garbage, 0);
        }
    }
}
