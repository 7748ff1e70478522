//! A light item scanner: a Rust lexer and a small structural pass, about an order of magnitude
//! cheaper than `syn::parse_file`, that finds what the prefilter and discovery need without a
//! syntax tree:
//!
//! - the names every item of the file defines (`fn`, `const`, `static`, `struct`, `enum`,
//!   `trait`, `mod`), an over-approximation: any identifier after one of those keywords, macro
//!   bodies included;
//! - the `mod name;` declarations, as `lower` reports them: outside macro bodies, with their
//!   `#[path]` and `#[cfg_attr(.., path = ..)]` attributes, the inline modules around them, and
//!   the module they are declared in (a declaration in a block nested in an expression belongs
//!   to the crate root, as in `lower`).
//!
//! It never fails: malformed input yields whatever it could find. Nesting is tracked on an
//! explicit stack, so deep files cannot exhaust the call stack.

use std::collections::BTreeMap;

use crate::ir::{ModDecl, Span};

/// What kind of item a name is defined as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefKind {
    /// A function: `maybe_self` unless its first parameter certainly is not `self`;
    /// `maybe_method` when it may be in an `impl` or `trait` block (a self type), `maybe_free`
    /// when it may be outside one.
    Fn {
        maybe_self: bool,
        maybe_method: bool,
        maybe_free: bool,
    },
    /// A `const` or `static`.
    Const,
    /// A `struct`, `enum` or `trait`.
    Type,
    /// A module, inline or declared.
    Mod,
}

/// What the scanner found in one file.
#[derive(Debug, Default, Clone)]
pub struct ItemScan {
    /// Names after `fn`, `const`, `static`, `struct`, `enum`, `trait` and `mod` (without `r#`)
    /// with their kind, sorted and deduplicated.
    pub defs: Vec<(String, DefKind)>,
    /// `mod name;` declarations outside macro bodies.
    pub mods: Vec<ModDecl>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    /// `r#name`: never a keyword.
    RawIdent,
    /// A string literal that `syn` would read as `Lit::Str` (`"..."` or `r#"..."#`).
    Str,
    /// Any other literal (numbers, chars, byte and C strings) or a lifetime.
    Other,
    Punct(u8),
    Open(u8),
    Close(u8),
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    kind: Kind,
    start: u32,
    end: u32,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn is_ident_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

fn is_ident_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c)
}

/// Rust's non-ASCII whitespace (`Pattern_White_Space`).
fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\u{85}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}'
    )
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Vec<Tok>,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            out: Vec::with_capacity(src.len() / 6),
        }
    }

    fn peek(&self, off: usize) -> u8 {
        self.bytes.get(self.pos + off).copied().unwrap_or(0)
    }

    fn char_at(&self, pos: usize) -> Option<char> {
        self.src.get(pos..).and_then(|s| s.chars().next())
    }

    fn push(&mut self, kind: Kind, start: usize) {
        self.out.push(Tok {
            kind,
            start: to_u32(start),
            end: to_u32(self.pos),
        });
    }

    fn run(mut self) -> Vec<Tok> {
        // A shebang line (not an inner attribute `#![..]`) is not Rust.
        if self.bytes.starts_with(b"#!") {
            let rest = self.src[2..].trim_start();
            if !rest.starts_with('[') {
                self.pos = self.src.find('\n').unwrap_or(self.src.len());
            }
        }
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            let start = self.pos;
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => self.pos += 1,
                b'/' if self.peek(1) == b'/' => self.line_comment(),
                b'/' if self.peek(1) == b'*' => self.block_comment(),
                b'"' => {
                    self.pos += 1;
                    self.quoted(b'"');
                    self.push(Kind::Str, start);
                }
                b'\'' => self.quote_or_lifetime(),
                b'r' if self.peek(1) == b'"' || (self.peek(1) == b'#' && self.raw_ahead(1)) => {
                    self.pos += 1;
                    self.raw_string();
                    self.push(Kind::Str, start);
                }
                b'r' if self.peek(1) == b'#' && self.ident_start_at(self.pos + 2) => {
                    self.pos += 2;
                    self.ident_rest();
                    self.push(Kind::RawIdent, start);
                }
                b'b' | b'c' if self.peek(1) == b'"' => {
                    self.pos += 2;
                    self.quoted(b'"');
                    self.push(Kind::Other, start);
                }
                b'b' if self.peek(1) == b'\'' => {
                    self.pos += 2;
                    self.quoted(b'\'');
                    self.push(Kind::Other, start);
                }
                b'b' | b'c'
                    if self.peek(1) == b'r'
                        && (self.peek(2) == b'"'
                            || (self.peek(2) == b'#' && self.raw_ahead(2))) =>
                {
                    self.pos += 2;
                    self.raw_string();
                    self.push(Kind::Other, start);
                }
                b'0'..=b'9' => {
                    while self.pos < self.bytes.len()
                        && (self.bytes[self.pos].is_ascii_alphanumeric()
                            || self.bytes[self.pos] == b'_')
                    {
                        self.pos += 1;
                    }
                    self.push(Kind::Other, start);
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    self.pos += 1;
                    self.ident_rest();
                    self.push(Kind::Ident, start);
                }
                b'{' | b'(' | b'[' => {
                    self.pos += 1;
                    self.push(Kind::Open(b), start);
                }
                b'}' | b')' | b']' => {
                    self.pos += 1;
                    self.push(Kind::Close(b), start);
                }
                0..=0x7f => {
                    self.pos += 1;
                    self.push(Kind::Punct(b), start);
                }
                _ => {
                    let c = self.char_at(self.pos).unwrap_or('\u{fffd}');
                    self.pos += c.len_utf8().max(1);
                    if is_ident_start(c) {
                        self.ident_rest();
                        self.push(Kind::Ident, start);
                    } else if !is_unicode_space(c) {
                        self.push(Kind::Other, start);
                    }
                }
            }
        }
        self.out
    }

    /// Whether `r#...#"` starts a raw string at `pos + off` (`off` points at the first `#`).
    fn raw_ahead(&self, off: usize) -> bool {
        let mut i = self.pos + off;
        while self.bytes.get(i) == Some(&b'#') {
            i += 1;
        }
        self.bytes.get(i) == Some(&b'"')
    }

    fn ident_start_at(&self, pos: usize) -> bool {
        self.char_at(pos).is_some_and(is_ident_start)
    }

    fn ident_rest(&mut self) {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b.is_ascii_alphanumeric() || b == b'_' {
                self.pos += 1;
            } else if b >= 0x80 {
                match self.char_at(self.pos) {
                    Some(c) if is_ident_continue(c) => self.pos += c.len_utf8(),
                    _ => break,
                }
            } else {
                break;
            }
        }
    }

    fn line_comment(&mut self) {
        self.pos = memchr_from(self.bytes, b'\n', self.pos).unwrap_or(self.bytes.len());
    }

    fn block_comment(&mut self) {
        self.pos += 2;
        let mut depth = 1usize;
        while self.pos < self.bytes.len() {
            match (self.bytes[self.pos], self.peek(1)) {
                (b'/', b'*') => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Skips to just after the closing `quote`, honouring backslash escapes.
    fn quoted(&mut self, quote: u8) {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b == b'\\' {
                self.pos += 2;
            } else {
                self.pos += 1;
                if b == quote {
                    return;
                }
            }
        }
        self.pos = self.pos.min(self.bytes.len());
    }

    /// At the `#`s or `"` after `r`: skips the raw string.
    fn raw_string(&mut self) {
        let mut hashes = 0usize;
        while self.peek(0) == b'#' {
            hashes += 1;
            self.pos += 1;
        }
        self.pos += 1; // the opening quote
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos] == b'"'
                && self.bytes[self.pos + 1..]
                    .iter()
                    .take(hashes)
                    .filter(|&&h| h == b'#')
                    .count()
                    == hashes
            {
                self.pos += 1 + hashes;
                return;
            }
            self.pos += 1;
        }
    }

    /// A char literal (`'a'`, `'\n'`, `'\u{..}'`) or a lifetime or label (`'a`).
    fn quote_or_lifetime(&mut self) {
        let start = self.pos;
        self.pos += 1;
        if self.peek(0) == b'\\' {
            self.pos += 2;
            self.quoted(b'\'');
            self.push(Kind::Other, start);
            return;
        }
        let Some(c) = self.char_at(self.pos) else {
            self.push(Kind::Punct(b'\''), start);
            return;
        };
        let after = self.pos + c.len_utf8();
        if self.bytes.get(after) == Some(&b'\'') {
            self.pos = after + 1;
            self.push(Kind::Other, start);
            return;
        }
        if is_ident_start(c) {
            self.pos = after;
            self.ident_rest();
        }
        self.push(Kind::Other, start);
    }
}

fn memchr_from(bytes: &[u8], needle: u8, from: usize) -> Option<usize> {
    bytes
        .get(from..)
        .and_then(|rest| memchr::memchr(needle, rest))
        .map(|i| i + from)
}

/// Strict and reserved keywords that cannot name a macro (`if !x`, `return !{..}`).
fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "yield"
    )
}

/// The value of a plain or raw string literal token.
fn str_value(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix('r') {
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        let inner = rest.get(hashes + 1..rest.len().checked_sub(hashes + 1)?)?;
        return Some(inner.to_string());
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    Some(unescape(inner))
}

/// Decodes Rust string escapes; unknown escapes are kept as written.
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Runs without a backslash are copied as they are.
    let mut rest = s;
    while let Some(i) = memchr::memchr(b'\\', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let (escape, tail) = split_escape(&rest[i..]);
        unescape_slow(escape, &mut out);
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Splits `s` (starting with a backslash) after its escape sequence.
fn split_escape(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let mut end = match b.get(1) {
        None => 1,
        Some(b'x') => 4,
        Some(b'u') => s[2..].find('}').map_or(s.len(), |j| j + 3),
        Some(b'\n') => 2,
        Some(b'\r') if b.get(2) == Some(&b'\n') => 3,
        Some(_) => 1 + s[1..].chars().next().map_or(1, char::len_utf8),
    };
    if matches!(b.get(1), Some(b'\n' | b'\r')) {
        while end < b.len() && s[end..].starts_with(char::is_whitespace) {
            end += s[end..].chars().next().map_or(1, char::len_utf8);
        }
    }
    let end = end.min(s.len());
    let end = (end..=s.len())
        .find(|&e| s.is_char_boundary(e))
        .unwrap_or(s.len());
    s.split_at(end)
}

fn unescape_slow(s: &str, out: &mut String) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\\') | None => out.push('\\'),
            Some('x') => {
                let hex: String = (0..2).filter_map(|_| chars.next()).collect();
                if let Ok(v) = u8::from_str_radix(&hex, 16) {
                    out.push(char::from(v));
                } else {
                    out.push_str("\\x");
                    out.push_str(&hex);
                }
            }
            Some('u') => {
                let mut hex = String::new();
                if chars.peek() == Some(&'{') {
                    chars.next();
                    for h in chars.by_ref() {
                        if h == '}' {
                            break;
                        }
                        hex.push(h);
                    }
                }
                let v = u32::from_str_radix(&hex.replace('_', ""), 16)
                    .ok()
                    .and_then(char::from_u32);
                if let Some(ch) = v {
                    out.push(ch);
                } else {
                    out.push_str("\\u{");
                    out.push_str(&hex);
                    out.push('}');
                }
            }
            Some('\n') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
        }
    }
}

/// What the attributes before an item said about module paths.
#[derive(Default)]
struct Attrs {
    path: Option<String>,
    cfg_paths: Vec<String>,
}

/// One open delimiter.
struct Frame {
    close: u8,
    /// The module that items directly inside belong to, as `lower` assigns it.
    module: Vec<String>,
    /// Whether this frame is an inline module body (its directory is on `dirs`).
    inline_mod: bool,
    /// For `(` and `[`: the header of the level they interrupt, restored when they close.
    outer: Option<Header>,
    /// An `impl` or `trait` block: functions directly inside have a self type.
    container: bool,
    /// A function body (possibly also `container`: `fn f() -> impl T {`).
    fn_body: bool,
    /// An `impl` block whose self type may not be a path (`impl T for [u8]`): `lower` gives
    /// its functions no self type, like free functions.
    pathless: bool,
}

/// What has been seen since the last item boundary at the current level.
#[derive(Default)]
struct Header {
    attrs: Attrs,
    saw_fn: bool,
    saw_container: bool,
    /// Open `<` (not `->`, `=>`): a `{` inside is a const generic argument, not a body.
    angle: usize,
    /// Where the `impl` keyword is, for its self type.
    impl_at: Option<usize>,
}

struct Structure<'a> {
    src: &'a str,
    toks: &'a [Tok],
    line_starts: Vec<usize>,
}

impl Structure<'_> {
    fn text(&self, t: Tok) -> &str {
        self.src.get(t.start as usize..t.end as usize).unwrap_or("")
    }

    fn ident(&self, t: Tok) -> Option<&str> {
        match t.kind {
            Kind::Ident => Some(self.text(t)),
            Kind::RawIdent => Some(self.text(t).get(2..).unwrap_or("")),
            _ => None,
        }
    }

    fn keyword(&self, i: usize, kw: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Ident && self.text(*t) == kw)
    }

    /// Whether the parameter list after a function name (at `at`, after any generics) can
    /// start with `self`: false only when the first parameter certainly is not a receiver.
    fn first_param_mentions_self(&self, mut at: usize) -> bool {
        if self
            .toks
            .get(at)
            .is_some_and(|t| t.kind == Kind::Punct(b'<'))
        {
            let mut depth = 0usize;
            while let Some(t) = self.toks.get(at) {
                match t.kind {
                    Kind::Punct(b'<') => depth += 1,
                    Kind::Punct(b'>')
                        if !(at > 0 && self.toks[at - 1].kind == Kind::Punct(b'-')) =>
                    {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            at += 1;
                            break;
                        }
                    }
                    Kind::Open(_) => {
                        at = self.skip_group(at);
                        continue;
                    }
                    Kind::Punct(b';') | Kind::Close(_) => return true,
                    _ => {}
                }
                at += 1;
            }
        }
        if !self
            .toks
            .get(at)
            .is_some_and(|t| t.kind == Kind::Open(b'('))
        {
            return true;
        }
        let mut depth = 0usize;
        for t in &self.toks[at + 1..] {
            match t.kind {
                Kind::Open(_) => depth += 1,
                Kind::Close(_) | Kind::Punct(b',') if depth == 0 => return false,
                Kind::Close(_) => depth -= 1,
                Kind::Ident if self.text(*t) == "self" => return true,
                _ => {}
            }
        }
        true
    }

    /// Whether the self type of the `impl` at `at`, whose block opens at `open`, is a path or
    /// a reference to one (`type_last_ident` in `lower` names only those). False when unsure.
    fn impl_self_is_path(&self, at: usize, open: usize) -> bool {
        let mut i = at + 1;
        // Generic parameters right after `impl`.
        if self
            .toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Punct(b'<'))
        {
            let mut depth = 0usize;
            while i < open {
                match self.toks[i].kind {
                    Kind::Punct(b'<') => depth += 1,
                    Kind::Punct(b'>') if self.toks[i - 1].kind != Kind::Punct(b'-') => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    Kind::Open(_) => {
                        i = self.skip_group(i);
                        continue;
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        // The self type follows a top-level `for`, if any.
        let mut depth = 0usize;
        let mut j = i;
        while j < open {
            match self.toks[j].kind {
                Kind::Punct(b'<') => depth += 1,
                Kind::Punct(b'>') if self.toks[j - 1].kind != Kind::Punct(b'-') => {
                    depth = depth.saturating_sub(1);
                }
                Kind::Open(_) => {
                    j = self.skip_group(j);
                    continue;
                }
                Kind::Ident if depth == 0 && self.text(self.toks[j]) == "for" => {
                    i = j + 1;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        // `&`, `&&`, lifetimes and `mut` before a path.
        while i < open {
            let t = self.toks[i];
            let skip = matches!(t.kind, Kind::Punct(b'&'))
                || (t.kind == Kind::Other && self.text(t).starts_with('\''))
                || (t.kind == Kind::Ident && self.text(t) == "mut");
            if !skip {
                break;
            }
            i += 1;
        }
        // `Send + Sync` (a bare trait object) and `Ty![..]` (a type macro) are not paths.
        let mut depth = 0usize;
        let mut j = i;
        while j < open {
            match self.toks[j].kind {
                Kind::Punct(b'<') => depth += 1,
                Kind::Punct(b'>') if self.toks[j - 1].kind != Kind::Punct(b'-') => {
                    depth = depth.saturating_sub(1);
                }
                Kind::Punct(b'+') if depth == 0 => return false,
                Kind::Punct(b'!') => return false,
                Kind::Open(_) => {
                    j = self.skip_group(j);
                    continue;
                }
                _ => {}
            }
            j += 1;
        }
        match self.toks.get(i) {
            Some(t) if i < open => match t.kind {
                Kind::Ident => !matches!(
                    self.text(*t),
                    "dyn" | "impl" | "fn" | "unsafe" | "extern" | "_"
                ),
                Kind::RawIdent | Kind::Punct(b'<' | b':') => true,
                _ => false,
            },
            _ => false,
        }
    }

    /// The index just past the group opened at `open`.
    fn skip_group(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for (i, t) in self.toks.iter().enumerate().skip(open) {
            match t.kind {
                Kind::Open(_) => depth += 1,
                Kind::Close(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
        self.toks.len()
    }

    /// Reads `#[path = ".."]` and `#[cfg_attr(.., path = "..")]` from the attribute whose `[`
    /// is at `open` and ends before `end`.
    fn attribute(&self, open: usize, end: usize, attrs: &mut Attrs) {
        let inner = &self.toks[open + 1..end.saturating_sub(1).max(open + 1)];
        let name_value = |ts: &[Tok]| -> Option<String> {
            match ts {
                [n, eq, v]
                    if self.ident(*n) == Some("path")
                        && eq.kind == Kind::Punct(b'=')
                        && v.kind == Kind::Str =>
                {
                    str_value(self.text(*v))
                }
                _ => None,
            }
        };
        if let Some(p) = name_value(inner) {
            if attrs.path.is_none() {
                attrs.path = Some(p);
            }
            return;
        }
        if let [
            name,
            Tok {
                kind: Kind::Open(b'('),
                ..
            },
            rest @ ..,
        ] = inner
            && self.ident(*name) == Some("cfg_attr")
        {
            let body = &rest[..rest.len().saturating_sub(1)];
            let mut parts: Vec<&[Tok]> = Vec::new();
            let mut depth = 0usize;
            let mut from = 0usize;
            for (i, t) in body.iter().enumerate() {
                match t.kind {
                    Kind::Open(_) => depth += 1,
                    Kind::Close(_) => depth = depth.saturating_sub(1),
                    Kind::Punct(b',') if depth == 0 => {
                        parts.push(&body[from..i]);
                        from = i + 1;
                    }
                    _ => {}
                }
            }
            if from < body.len() {
                parts.push(&body[from..]);
            }
            for part in parts.iter().skip(1) {
                if let Some(p) = name_value(part) {
                    attrs.cfg_paths.push(p);
                }
            }
        }
    }

    fn span(&self, lo: usize, hi: usize) -> Span {
        let pos = |b: usize| -> (u32, u32) {
            let line = self.line_starts.partition_point(|&s| s <= b);
            let start = self
                .line_starts
                .get(line.saturating_sub(1))
                .copied()
                .unwrap_or(0);
            let col = self.src.get(start..b).map_or(0, |s| s.chars().count());
            (to_u32(line), to_u32(col + 1))
        };
        let (line, col) = pos(lo);
        let (end_line, end_col) = pos(hi);
        Span {
            lo: to_u32(lo),
            hi: to_u32(hi),
            line,
            col,
            end_line,
            end_col,
        }
    }

    /// The `mod` declarations, and for each `fn` token outside macro bodies whether the block
    /// it is in is an `impl`/`trait` block and whether it is a function body.
    fn items(&self, module: &[String]) -> (Vec<ModDecl>, BTreeMap<usize, (bool, bool)>) {
        let mut fn_places = BTreeMap::new();
        let mut out = Vec::new();
        let mut frames = vec![Frame {
            close: 0,
            module: module.to_vec(),
            inline_mod: false,
            outer: None,
            container: false,
            fn_body: false,
            pathless: false,
        }];
        let mut dirs: Vec<String> = Vec::new();
        let mut header = Header::default();
        let mut i = 0usize;
        while i < self.toks.len() {
            let t = self.toks[i];
            match t.kind {
                Kind::Punct(b'#') => {
                    let mut j = i + 1;
                    let inner = self
                        .toks
                        .get(j)
                        .is_some_and(|t| t.kind == Kind::Punct(b'!'));
                    if inner {
                        j += 1;
                    }
                    if self.toks.get(j).is_some_and(|t| t.kind == Kind::Open(b'[')) {
                        let end = self.skip_group(j);
                        if !inner {
                            self.attribute(j, end, &mut header.attrs);
                        }
                        i = end;
                        continue;
                    }
                }
                Kind::Ident => {
                    let word = self.text(t);
                    // A macro invocation: its tokens are not items to `lower`.
                    if !is_keyword(word)
                        && self
                            .toks
                            .get(i + 1)
                            .is_some_and(|t| t.kind == Kind::Punct(b'!'))
                    {
                        let mut j = i + 2;
                        if word == "macro_rules"
                            && self.toks.get(j).and_then(|t| self.ident(*t)).is_some()
                        {
                            j += 1;
                        }
                        if self
                            .toks
                            .get(j)
                            .is_some_and(|t| matches!(t.kind, Kind::Open(_)))
                        {
                            i = self.skip_group(j);
                            continue;
                        }
                    }
                    match word {
                        "fn" => {
                            header.saw_fn = true;
                            if let Some(f) = frames.last() {
                                fn_places.insert(i, (f.container, f.fn_body || f.pathless));
                            }
                        }
                        "impl" => {
                            header.saw_container = true;
                            header.impl_at.get_or_insert(i);
                        }
                        "trait" => header.saw_container = true,
                        "mod" => {
                            if let Some(name_tok) = self.toks.get(i + 1).copied()
                                && let Some(name) = self.ident(name_tok)
                            {
                                let name = name.to_string();
                                let next = self.toks.get(i + 2).map(|t| t.kind);
                                let current = frames.last().map(|f| f.module.clone());
                                let current = current.unwrap_or_default();
                                if next == Some(Kind::Punct(b';')) {
                                    let attrs = std::mem::take(&mut header.attrs);
                                    out.push(ModDecl {
                                        module: current,
                                        name,
                                        path_attr: attrs.path,
                                        inline_dirs: dirs.clone(),
                                        cfg_paths: attrs.cfg_paths,
                                        span: self
                                            .span(t.start as usize, self.toks[i + 2].end as usize),
                                    });
                                    header = Header::default();
                                    i += 3;
                                    continue;
                                }
                                if next == Some(Kind::Open(b'{')) {
                                    let attrs = std::mem::take(&mut header.attrs);
                                    dirs.push(attrs.path.unwrap_or_else(|| name.clone()));
                                    let mut inner = current;
                                    inner.push(name);
                                    frames.push(Frame {
                                        close: b'}',
                                        module: inner,
                                        inline_mod: true,
                                        outer: None,
                                        container: false,
                                        fn_body: false,
                                        pathless: false,
                                    });
                                    header = Header::default();
                                    i += 3;
                                    continue;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Kind::Punct(b';') => header = Header::default(),
                Kind::Punct(b'<') => header.angle += 1,
                Kind::Punct(b'>')
                    if !(i > 0 && matches!(self.toks[i - 1].kind, Kind::Punct(b'-' | b'='))) =>
                {
                    header.angle = header.angle.saturating_sub(1);
                }
                Kind::Open(open) => {
                    let current = frames.last().map(|f| f.module.clone()).unwrap_or_default();
                    // Items in function bodies, impl and trait blocks keep the module; items in
                    // blocks nested in expressions are given the crate root by `lower`.
                    let keeps = open == b'{' && (header.saw_fn || header.saw_container);
                    let close = match open {
                        b'{' => b'}',
                        b'(' => b')',
                        _ => b']',
                    };
                    // `pub(crate) mod x;`, `fn f(..) {`: after a `(` or `[` group the header
                    // goes on; what is inside any group starts afresh.
                    let outer = std::mem::take(&mut header);
                    // A block in generic arguments (`impl Foo<{ N }> {`) does not end the
                    // header either.
                    let body = open == b'{' && outer.angle == 0;
                    frames.push(Frame {
                        close,
                        module: if keeps { current } else { Vec::new() },
                        inline_mod: false,
                        container: body && outer.saw_container,
                        pathless: body
                            && outer
                                .impl_at
                                .is_some_and(|at| !self.impl_self_is_path(at, i)),
                        fn_body: body && outer.saw_fn,
                        outer: (!body).then_some(outer),
                    });
                }
                Kind::Close(close) => {
                    // Pop up to the matching frame (malformed input closes what it can).
                    if frames.len() > 1
                        && let Some(pos) = frames.iter().rposition(|f| f.close == close)
                        && pos > 0
                    {
                        let mut restored = None;
                        while frames.len() > pos {
                            if let Some(f) = frames.pop() {
                                if f.inline_mod {
                                    dirs.pop();
                                }
                                restored = f.outer;
                            }
                        }
                        header = restored.unwrap_or_default();
                    }
                }
                _ => {}
            }
            i += 1;
        }
        (out, fn_places)
    }
}

/// Scans `source` (a file whose module path is `module`) for item names and `mod` declarations.
pub fn scan_items(source: &str, module: &[String]) -> ItemScan {
    let toks = Lexer::new(source).run();
    let mut line_starts = vec![0];
    line_starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
    let st = Structure {
        src: source,
        toks: &toks,
        line_starts,
    };
    let (mods, fn_places) = st.items(module);
    let mut defs: Vec<(String, DefKind)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.kind != Kind::Ident {
            continue;
        }
        let kind = match st.text(*t) {
            "fn" => {
                // Not placed: in a macro body, where anything may be.
                let (container, fn_body) = fn_places.get(&i).copied().unwrap_or((true, true));
                DefKind::Fn {
                    maybe_self: true,
                    maybe_method: container,
                    maybe_free: !container || fn_body,
                }
            }
            "const" | "static" => DefKind::Const,
            "struct" | "enum" | "trait" => DefKind::Type,
            "mod" => DefKind::Mod,
            _ => continue,
        };
        let mut j = i + 1;
        while st.keyword(j, "mut") || st.keyword(j, "ref") {
            j += 1;
        }
        let Some(name) = toks.get(j).and_then(|n| st.ident(*n)) else {
            continue;
        };
        if kind == DefKind::Const && matches!(name, "fn" | "unsafe" | "async" | "extern") {
            continue;
        }
        let kind = match kind {
            DefKind::Fn {
                maybe_method,
                maybe_free,
                ..
            } => DefKind::Fn {
                maybe_self: st.first_param_mentions_self(j + 1),
                maybe_method,
                maybe_free,
            },
            k => k,
        };
        defs.push((name.to_string(), kind));
    }
    defs.sort_unstable();
    defs.dedup();
    ItemScan { defs, mods }
}

/// The byte offsets where identifiers start in `source` (after `r#` for raw identifiers):
/// code, as opposed to text in comments and literals.
pub(crate) fn identifier_starts(source: &str) -> Vec<u32> {
    Lexer::new(source)
        .run()
        .into_iter()
        .filter_map(|t| match t.kind {
            Kind::Ident => Some(t.start),
            Kind::RawIdent => Some(t.start + 2),
            _ => None,
        })
        .collect()
}
