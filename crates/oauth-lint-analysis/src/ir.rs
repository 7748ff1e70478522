//! The compact flow representation that every function body is lowered into.
//!
//! It keeps what the dataflow needs (bindings, calls with receiver, path and arguments, loops,
//! branches, match arms, awaits, returns, closures, struct and tuple literals, each with its
//! span) and nothing of syn: no token streams, no types beyond a parameter's type text. syn trees
//! are dropped as soon as a file is lowered.

/// A source range: 1-based lines, 1-based character columns, byte offsets into the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub lo: u32,
    pub hi: u32,
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl Span {
    /// Whether `other` lies inside `self`.
    pub fn contains(&self, other: Span) -> bool {
        self.lo <= other.lo && other.hi <= self.hi
    }
}

/// Index of a file in the analysed set.
pub type FileId = u32;

/// One lowered source file.
#[derive(Debug, Default)]
pub struct FileIr {
    pub fns: Vec<FnDef>,
    pub uses: Vec<UseDecl>,
    pub mods: Vec<ModDecl>,
    pub consts: Vec<ConstDef>,
    pub types: Vec<TypeDef>,
    /// `#[cfg_attr(oauth_lint, allow(oauth_lint::lint, reason = ".."))]` on items.
    pub allows: Vec<AllowAttr>,
}

/// An item-level suppression read from `#[cfg_attr(oauth_lint, allow(..))]`.
#[derive(Debug, Clone)]
pub struct AllowAttr {
    /// The lint names after `oauth_lint::`, as written.
    pub lints: Vec<String>,
    pub reason: Option<String>,
    /// The attribute itself, for reporting an unused or unjustified suppression.
    pub attr: Span,
    /// The item it covers (the whole file for an inner attribute of the file).
    pub item: Span,
}

/// A `use` binding: `alias` names `path` inside `module`.
#[derive(Debug, Clone)]
pub struct UseDecl {
    pub module: Vec<String>,
    pub alias: String,
    pub path: Vec<String>,
    pub glob: bool,
}

/// A `mod name;` declaration (inline modules are flattened into their items' module paths).
#[derive(Debug, Clone)]
pub struct ModDecl {
    pub module: Vec<String>,
    pub name: String,
    pub path_attr: Option<String>,
    /// Directories of the inline modules around the declaration, relative to the file's module
    /// directory: each inline module's name, or its `#[path]` when it has one.
    pub inline_dirs: Vec<String>,
    /// `#[cfg_attr(pred, path = "..")]` alternatives: the cfg cannot be evaluated, so each
    /// existing one is read.
    pub cfg_paths: Vec<String>,
    pub span: Span,
}

/// A `const` or `static` item.
#[derive(Debug, Clone)]
pub struct ConstDef {
    pub module: Vec<String>,
    pub name: String,
    pub span: Span,
    pub is_static: bool,
    pub value: Option<Expr>,
}

/// A struct, enum or trait, with its derives (for clap's `Parser`).
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub module: Vec<String>,
    pub name: String,
    pub derives: Vec<String>,
}

/// A function, method or trait method with a body.
#[derive(Debug)]
pub struct FnDef {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub module: Vec<String>,
    /// The `impl` self type's last segment, for methods and associated functions.
    pub self_ty: Option<String>,
    pub has_self: bool,
    /// Parameters; a `self` receiver is parameter 0 when `has_self`.
    pub params: Vec<Param>,
    pub body: Block,
    /// Attribute paths on the function (`get`, `tokio::test`, `handler`, ...).
    pub attrs: Vec<String>,
    /// `module::Type::name` style path used for fingerprints and messages.
    pub item_path: String,
    /// Number of closures in the body; closure ids are `0..closures`.
    pub closures: u32,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub pat: Pat,
    pub ty: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub span: Span,
    pub stmts: Vec<Stmt>,
    /// The last statement is an expression without a semicolon: the block's value. Otherwise
    /// the block's value is `()`.
    pub valued: bool,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    Let {
        pat: Pat,
        init: Option<Expr>,
        els: Option<Block>,
        span: Span,
    },
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub enum Pat {
    Bind {
        name: String,
        span: Span,
        sub: Option<Box<Pat>>,
    },
    Tuple(Vec<Pat>),
    /// `Path { a, b: p, .. }`
    Struct {
        path: Vec<String>,
        fields: Vec<(String, Pat)>,
    },
    /// `Path(a, b)`, including `Ok(x)`, `Err(e)`, `Some(x)`, `Query(q)`.
    TupleStruct {
        path: Vec<String>,
        elems: Vec<Pat>,
    },
    Or(Vec<Pat>),
    /// A literal, a range, a path without bindings.
    Path(Vec<String>),
    Wild,
    Other,
}

#[derive(Debug, Clone)]
pub struct Arm {
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub body: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    Loop,
    While,
    For,
    /// `for _ in a..b`: a counted loop, the shape of a hand-written retry.
    ForRange,
}

/// An expression. Every node that a diagnostic can point at keeps its span.
#[derive(Debug, Clone)]
pub enum Expr {
    Str {
        span: Span,
        value: String,
    },
    /// Any other literal.
    Lit {
        span: Span,
    },
    Path {
        span: Span,
        segs: Vec<String>,
    },
    Call {
        span: Span,
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Method {
        span: Span,
        name_span: Span,
        receiver: Box<Expr>,
        method: String,
        args: Vec<Expr>,
    },
    /// A macro call whose arguments were parsed as expressions where the tokens allow.
    Macro {
        span: Span,
        path: Vec<String>,
        kind: Box<MacroKind>,
    },
    Field {
        span: Span,
        base: Box<Expr>,
        name: String,
    },
    Index {
        span: Span,
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Closure {
        span: Span,
        id: u32,
        params: Vec<Pat>,
        body: Box<Expr>,
    },
    Block(Block),
    Async(Block),
    If {
        span: Span,
        cond: Box<Expr>,
        then: Block,
        els: Option<Box<Expr>>,
    },
    /// `let PAT = EXPR` inside a condition (`if let`, `while let`, let chains).
    Let {
        span: Span,
        pat: Pat,
        expr: Box<Expr>,
    },
    Match {
        span: Span,
        scrutinee: Box<Expr>,
        arms: Vec<Arm>,
    },
    Loop {
        span: Span,
        kind: LoopKind,
        label: Option<String>,
        /// `while` condition or `for` iterable.
        head: Option<Box<Expr>>,
        /// `for` pattern.
        pat: Option<Pat>,
        body: Block,
    },
    Break {
        span: Span,
        label: Option<String>,
        value: Option<Box<Expr>>,
    },
    Continue {
        span: Span,
        label: Option<String>,
    },
    Return {
        span: Span,
        value: Option<Box<Expr>>,
    },
    Try {
        span: Span,
        inner: Box<Expr>,
    },
    Await {
        span: Span,
        inner: Box<Expr>,
    },
    /// References, derefs, casts, parentheses, `!`, `-`: the value passes through.
    Unary {
        span: Span,
        op: UnOp,
        inner: Box<Expr>,
    },
    Binary {
        span: Span,
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Assign {
        span: Span,
        target: Box<Expr>,
        value: Box<Expr>,
    },
    Struct {
        span: Span,
        path: Vec<String>,
        fields: Vec<(String, Expr)>,
        rest: Option<Box<Expr>>,
    },
    Tuple {
        span: Span,
        elems: Vec<Expr>,
    },
    Array {
        span: Span,
        elems: Vec<Expr>,
    },
    /// Anything else: its sub-expressions are still evaluated.
    Other {
        span: Span,
        children: Vec<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Ref,
    Deref,
    Not,
    Neg,
    Cast,
    Paren,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    And,
    Or,
    Add,
    Eq,
    Ne,
    Other,
}

/// What a macro's tokens were understood as.
#[derive(Debug, Clone)]
pub enum MacroKind {
    /// `format!`-like: a format string and its arguments (named arguments keep their name).
    Format {
        template: Option<String>,
        args: Vec<(Option<String>, Expr)>,
    },
    /// `vec![..]`, `join!(..)`, `assert!(..)` and any macro whose tokens parse as a comma list.
    Exprs(Vec<Expr>),
    /// `json!({..})`.
    Json(JsonValue),
    /// `tokio::select!`: each branch's future, pattern and handler.
    Select(Vec<SelectBranch>),
    /// Tokens that are not expressions.
    Opaque,
}

#[derive(Debug, Clone)]
pub enum JsonValue {
    Object(Vec<(String, JsonValue)>),
    Array(Vec<JsonValue>),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct SelectBranch {
    pub pat: Pat,
    pub future: Expr,
    pub handler: Expr,
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Str { span, .. }
            | Expr::Lit { span }
            | Expr::Path { span, .. }
            | Expr::Call { span, .. }
            | Expr::Method { span, .. }
            | Expr::Macro { span, .. }
            | Expr::Field { span, .. }
            | Expr::Index { span, .. }
            | Expr::Closure { span, .. }
            | Expr::If { span, .. }
            | Expr::Let { span, .. }
            | Expr::Match { span, .. }
            | Expr::Loop { span, .. }
            | Expr::Break { span, .. }
            | Expr::Continue { span, .. }
            | Expr::Return { span, .. }
            | Expr::Try { span, .. }
            | Expr::Await { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Assign { span, .. }
            | Expr::Struct { span, .. }
            | Expr::Tuple { span, .. }
            | Expr::Array { span, .. }
            | Expr::Other { span, .. } => *span,
            Expr::Block(b) | Expr::Async(b) => b.span,
        }
    }

    /// The string value of a literal, seen through references and parentheses.
    pub fn as_str_lit(&self) -> Option<&str> {
        match self {
            Expr::Str { value, .. } => Some(value),
            Expr::Unary { inner, .. } => inner.as_str_lit(),
            Expr::Method {
                receiver, method, ..
            } if matches!(method.as_str(), "to_string" | "to_owned" | "into") => {
                receiver.as_str_lit()
            }
            _ => None,
        }
    }
}

impl Pat {
    /// Every name the pattern binds.
    pub fn bindings(&self, out: &mut Vec<String>) {
        match self {
            Pat::Bind { name, sub, .. } => {
                out.push(name.clone());
                if let Some(sub) = sub {
                    sub.bindings(out);
                }
            }
            Pat::Tuple(ps) | Pat::Or(ps) => ps.iter().for_each(|p| p.bindings(out)),
            Pat::TupleStruct { elems, .. } => elems.iter().for_each(|p| p.bindings(out)),
            Pat::Struct { fields, .. } => fields.iter().for_each(|(_, p)| p.bindings(out)),
            Pat::Path(_) | Pat::Wild | Pat::Other => {}
        }
    }
}

/// Bounds `walk_block` (lowering caps nesting well below it).
const MAX_WALK_DEPTH: u32 = 400;

/// Visits every expression of `b`, outermost first: statements, closures, macro arguments and
/// `json!` values included. Returns `false` when the walk stopped at its depth bound somewhere.
pub(crate) fn walk_block<'e>(b: &'e Block, f: &mut impl FnMut(&'e Expr)) -> bool {
    walk_stmts(b, 0, f as &mut dyn FnMut(&'e Expr))
}

/// Visits `e` and every expression under it, as `walk_block` does.
pub(crate) fn walk_expr<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) -> bool {
    walk(e, 0, f as &mut dyn FnMut(&'e Expr))
}

fn walk_stmts<'e>(b: &'e Block, depth: u32, f: &mut dyn FnMut(&'e Expr)) -> bool {
    let mut complete = true;
    for s in &b.stmts {
        match s {
            Stmt::Let { init, els, .. } => {
                if let Some(e) = init {
                    complete &= walk(e, depth, f);
                }
                if let Some(b) = els {
                    complete &= walk_stmts(b, depth + 1, f);
                }
            }
            Stmt::Expr(e) => complete &= walk(e, depth, f),
        }
    }
    complete
}

fn walk_json<'e>(j: &'e JsonValue, depth: u32, f: &mut dyn FnMut(&'e Expr)) -> bool {
    if depth > MAX_WALK_DEPTH {
        return false;
    }
    match j {
        JsonValue::Object(fields) => fields.iter().all(|(_, v)| walk_json(v, depth + 1, f)),
        JsonValue::Array(items) => items.iter().all(|v| walk_json(v, depth + 1, f)),
        JsonValue::Expr(e) => walk(e, depth + 1, f),
    }
}

fn walk_all<'e>(es: impl Iterator<Item = &'e Expr>, d: u32, f: &mut dyn FnMut(&'e Expr)) -> bool {
    es.fold(true, |ok, x| walk(x, d, f) & ok)
}

fn walk<'e>(e: &'e Expr, depth: u32, f: &mut dyn FnMut(&'e Expr)) -> bool {
    if depth > MAX_WALK_DEPTH {
        return false;
    }
    f(e);
    let d = depth + 1;
    match e {
        Expr::Call { callee, args, .. } => walk_all(std::iter::once(&**callee).chain(args), d, f),
        Expr::Method { receiver, args, .. } => {
            walk_all(std::iter::once(&**receiver).chain(args), d, f)
        }
        Expr::Macro { kind, .. } => match &**kind {
            MacroKind::Format { args, .. } => walk_all(args.iter().map(|(_, a)| a), d, f),
            MacroKind::Exprs(es) => walk_all(es.iter(), d, f),
            MacroKind::Select(bs) => {
                walk_all(bs.iter().flat_map(|b| [&b.future, &b.handler]), d, f)
            }
            MacroKind::Json(j) => walk_json(j, d, f),
            MacroKind::Opaque => true,
        },
        Expr::Field { base, .. } => walk(base, d, f),
        Expr::Index { base, index, .. } => walk_all([&**base, &**index].into_iter(), d, f),
        Expr::Closure { body, .. } => walk(body, d, f),
        Expr::Block(b) | Expr::Async(b) => walk_stmts(b, d, f),
        Expr::If {
            cond, then, els, ..
        } => walk(cond, d, f) & walk_stmts(then, d, f) & els.as_ref().is_none_or(|e| walk(e, d, f)),
        Expr::Let { expr, .. } => walk(expr, d, f),
        Expr::Match {
            scrutinee, arms, ..
        } => {
            let mut ok = walk(scrutinee, d, f);
            for a in arms {
                if let Some(g) = &a.guard {
                    ok &= walk(g, d, f);
                }
                ok &= walk(&a.body, d, f);
            }
            ok
        }
        Expr::Loop { head, body, .. } => {
            head.as_ref().is_none_or(|h| walk(h, d, f)) & walk_stmts(body, d, f)
        }
        Expr::Break { value, .. } | Expr::Return { value, .. } => {
            value.as_ref().is_none_or(|v| walk(v, d, f))
        }
        Expr::Try { inner, .. } | Expr::Await { inner, .. } | Expr::Unary { inner, .. } => {
            walk(inner, d, f)
        }
        Expr::Binary { lhs, rhs, .. } => walk(lhs, d, f) & walk(rhs, d, f),
        Expr::Assign { target, value, .. } => walk(target, d, f) & walk(value, d, f),
        Expr::Struct { fields, rest, .. } => {
            walk_all(fields.iter().map(|(_, x)| x).chain(rest.as_deref()), d, f)
        }
        Expr::Tuple { elems, .. } | Expr::Array { elems, .. } => walk_all(elems.iter(), d, f),
        Expr::Other { children, .. } => walk_all(children.iter(), d, f),
        Expr::Str { .. } | Expr::Lit { .. } | Expr::Path { .. } | Expr::Continue { .. } => true,
    }
}
