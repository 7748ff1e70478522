//! syn to the flow representation. syn types never leave this module: spans become line,
//! column and byte offsets here, once, and the syn tree is dropped when `lower_file` returns.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

use crate::depth::MAX_NESTING;
use crate::ir::{
    AllowAttr, Arm, BinOp, Block, ConstDef, Expr, FileIr, FnDef, JsonValue, LoopKind, MacroKind,
    ModDecl, Param, Pat, SelectBranch, Span, Stmt, TypeDef, UnOp, UseDecl,
};

/// Past this depth of nested expressions and patterns the rest of a subtree is kept as an
/// opaque node, so that neither lowering nor the dataflow that walks the result can exhaust
/// the stack.
const MAX_DEPTH: u32 = 200;

/// A syntax error, located.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// Parses and lowers one file. `module` is the file's module path inside its crate.
///
/// Files nested deeper than `MAX_NESTING` (brackets, operators, type arguments) are refused with
/// an error before parsing. Parsing the rest needs a large stack: the command line gives its
/// parser threads 256 MiB.
pub fn lower_file(source: &str, module: &[String]) -> Result<FileIr, ParseError> {
    if let Some(offset) = crate::depth::too_deep(source, MAX_NESTING) {
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        return Err(ParseError {
            line: to_u32(line),
            col: to_u32(col),
            message: format!(
                "nested more than {MAX_NESTING} levels deep (brackets, operators and type \
                 arguments); refused rather than risk the parser's stack"
            ),
        });
    }
    let parsed = syn::parse_file(source);
    let result = match parsed {
        Ok(file) => {
            let mut lowerer = Lowerer {
                index: LineIndex::new(source),
                out: FileIr::default(),
                inline_dirs: Vec::new(),
                depth: 0,
                closures: 0,
            };
            let whole = Span {
                lo: 0,
                hi: to_u32(source.len()),
                line: 1,
                col: 1,
                end_line: to_u32(lowerer.index.line_count().max(1)),
                end_col: 1,
            };
            lowerer.allows(&file.attrs, whole);
            lowerer.items(&file.items, module);
            Ok(lowerer.out)
        }
        Err(err) => {
            let start = err.span().start();
            Err(ParseError {
                line: u32::try_from(start.line).unwrap_or(u32::MAX),
                col: u32::try_from(start.column + 1).unwrap_or(u32::MAX),
                message: err.to_string(),
            })
        }
    };
    // proc-macro2 keeps every parsed file's text per thread for span locations; release it.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// Byte offsets of line starts, to turn proc-macro2's (line, char column) into byte offsets in
/// constant time on ASCII lines and in at most `CHECKPOINT` steps on others: spans are asked
/// for every expression, and a file may be one long line.
struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
    /// For each line that is not ASCII: the byte offset of every `CHECKPOINT`-th character.
    checkpoints: std::collections::BTreeMap<usize, Vec<usize>>,
}

const CHECKPOINT: usize = 64;

impl<'a> LineIndex<'a> {
    fn new(source: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
        let mut checkpoints = std::collections::BTreeMap::new();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(source.len());
            let line = source.get(start..end).unwrap_or("");
            if !line.is_ascii() {
                let marks = line
                    .char_indices()
                    .step_by(CHECKPOINT)
                    .map(|(b, _)| start + b)
                    .collect();
                checkpoints.insert(i, marks);
            }
        }
        LineIndex {
            source,
            starts,
            checkpoints,
        }
    }

    /// `source.lines().count()`: a final line break ends the last line rather than start one.
    fn line_count(&self) -> usize {
        self.starts.len() - usize::from(self.source.is_empty() || self.source.ends_with('\n'))
    }

    fn byte(&self, line: usize, col: usize) -> usize {
        let idx = line.saturating_sub(1);
        let Some(&start) = self.starts.get(idx) else {
            return self.source.len();
        };
        let Some(marks) = self.checkpoints.get(&idx) else {
            // An ASCII line: one byte per character (a column past the end runs on, as below).
            return start.saturating_add(col).min(self.source.len());
        };
        let (from, skip) = match marks.get(col / CHECKPOINT) {
            Some(&b) => (b, col % CHECKPOINT),
            None => (
                marks.last().copied().unwrap_or(start),
                col - (marks.len().saturating_sub(1)) * CHECKPOINT,
            ),
        };
        let rest = self.source.get(from..).unwrap_or("");
        rest.char_indices()
            .nth(skip)
            .map_or(self.source.len(), |(i, _)| from + i)
    }
}

struct Lowerer<'a> {
    index: LineIndex<'a>,
    out: FileIr,
    inline_dirs: Vec<String>,
    depth: u32,
    closures: u32,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// An identifier's name, without the `r#` of a raw identifier (`mod r#as;` is `as.rs`).
fn ident(id: &syn::Ident) -> String {
    let s = id.to_string();
    match s.strip_prefix("r#") {
        Some(raw) => raw.to_string(),
        None => s,
    }
}

fn path_segs(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| ident(&s.ident)).collect()
}

fn attr_path(attr: &syn::Attribute) -> String {
    path_segs(attr.path()).join("::")
}

fn derives(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("derive") {
            let _ = attr.parse_nested_meta(|meta| {
                if let Some(last) = meta.path.segments.last() {
                    out.push(last.ident.to_string());
                }
                Ok(())
            });
        }
    }
    out
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        if !attr.path().is_ident("path") {
            return None;
        }
        let syn::Meta::NameValue(nv) = &attr.meta else {
            return None;
        };
        match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        }
    })
}

/// The predicate and attributes of a `#[cfg_attr(pred, attr, ..)]`.
fn cfg_attr_metas(attr: &syn::Attribute) -> Option<Punctuated<syn::Meta, syn::Token![,]>> {
    if !attr.path().is_ident("cfg_attr") {
        return None;
    }
    let list = attr.meta.require_list().ok()?;
    Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated
        .parse2(list.tokens.clone())
        .ok()
}

fn cfg_paths(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        let Some(metas) = cfg_attr_metas(attr) else {
            continue;
        };
        for meta in metas.iter().skip(1) {
            if let syn::Meta::NameValue(nv) = meta
                && nv.path.is_ident("path")
                && let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
            {
                out.push(s.value());
            }
        }
    }
    out
}

fn type_last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_last_ident(&r.elem),
        _ => None,
    }
}

fn type_text(ty: &syn::Type) -> String {
    let mut text = quote::quote!(#ty).to_string();
    text.retain(|c| !c.is_whitespace());
    text
}

impl Lowerer<'_> {
    fn span(&self, span: proc_macro2::Span) -> Span {
        let start = span.start();
        let end = span.end();
        Span {
            lo: to_u32(self.index.byte(start.line, start.column)),
            hi: to_u32(self.index.byte(end.line, end.column)),
            line: to_u32(start.line),
            col: to_u32(start.column + 1),
            end_line: to_u32(end.line),
            end_col: to_u32(end.column + 1),
        }
    }

    /// The span of an attributed item from its first attribute to `last`, its last token: an
    /// item's `span()` would print its whole body.
    fn attributed_span(&self, attrs: &[syn::Attribute], last: proc_macro2::Span) -> Span {
        let first = attrs
            .iter()
            .find(|a| matches!(a.style, syn::AttrStyle::Outer))
            .or(attrs.first())
            .map_or(last, |a| a.pound_token.span);
        self.span(join(first, last))
    }

    fn items(&mut self, items: &[syn::Item], module: &[String]) {
        for item in items {
            self.item(item, module);
        }
    }

    /// Records `#[cfg_attr(oauth_lint, allow(oauth_lint::name, reason = ".."))]` attributes.
    fn allows(&mut self, attrs: &[syn::Attribute], item: Span) {
        let parser = Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
        for attr in attrs {
            let Some(metas) = cfg_attr_metas(attr) else {
                continue;
            };
            let mut metas = metas.iter();
            if !metas
                .next()
                .is_some_and(|m| m.path().is_ident("oauth_lint"))
            {
                continue;
            }
            for meta in metas {
                let syn::Meta::List(allow) = meta else {
                    continue;
                };
                if !allow.path.is_ident("allow") {
                    continue;
                }
                let Ok(inner) = parser.parse2(allow.tokens.clone()) else {
                    continue;
                };
                let mut lints = Vec::new();
                let mut reason = None;
                for m in &inner {
                    match m {
                        syn::Meta::Path(p)
                            if p.segments.len() == 2 && p.segments[0].ident == "oauth_lint" =>
                        {
                            lints.push(ident(&p.segments[1].ident));
                        }
                        syn::Meta::NameValue(nv) if nv.path.is_ident("reason") => {
                            if let syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s),
                                ..
                            }) = &nv.value
                            {
                                reason = Some(s.value()).filter(|r| !r.trim().is_empty());
                            }
                        }
                        _ => {}
                    }
                }
                if !lints.is_empty() {
                    self.out.allows.push(AllowAttr {
                        lints,
                        reason,
                        attr: self.span(attr.span()),
                        item,
                    });
                }
            }
        }
    }

    fn item(&mut self, item: &syn::Item, module: &[String]) {
        let attrs = match item {
            syn::Item::Fn(i) => Some(&i.attrs),
            syn::Item::Impl(i) => Some(&i.attrs),
            syn::Item::Trait(i) => Some(&i.attrs),
            syn::Item::Mod(i) => Some(&i.attrs),
            syn::Item::Const(i) => Some(&i.attrs),
            syn::Item::Static(i) => Some(&i.attrs),
            _ => None,
        };
        if let Some(attrs) = attrs {
            let last = match item {
                syn::Item::Fn(i) => i.block.brace_token.span.close(),
                syn::Item::Impl(i) => i.brace_token.span.close(),
                syn::Item::Trait(i) => i.brace_token.span.close(),
                syn::Item::Mod(i) => match (&i.content, &i.semi) {
                    (Some((brace, _)), _) => brace.span.close(),
                    (None, Some(semi)) => semi.span,
                    (None, None) => i.ident.span(),
                },
                syn::Item::Const(i) => i.semi_token.span,
                syn::Item::Static(i) => i.semi_token.span,
                _ => item.span(),
            };
            let span = self.attributed_span(attrs, last);
            self.allows(attrs, span);
        }
        match item {
            syn::Item::Fn(f) => {
                self.function(&f.sig, &f.block, &f.attrs, module, None);
            }
            syn::Item::Impl(imp) => {
                let self_ty = type_last_ident(&imp.self_ty);
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        let span = self.attributed_span(&f.attrs, f.block.brace_token.span.close());
                        self.allows(&f.attrs, span);
                        self.function(&f.sig, &f.block, &f.attrs, module, self_ty.clone());
                    }
                }
            }
            syn::Item::Trait(tr) => {
                let name = tr.ident.to_string();
                for it in &tr.items {
                    if let syn::TraitItem::Fn(f) = it
                        && let Some(block) = &f.default
                    {
                        let span = self.attributed_span(&f.attrs, block.brace_token.span.close());
                        self.allows(&f.attrs, span);
                        self.function(&f.sig, block, &f.attrs, module, Some(name.clone()));
                    }
                }
                self.out.types.push(TypeDef {
                    module: module.to_vec(),
                    name,
                    derives: Vec::new(),
                });
            }
            syn::Item::Mod(m) => {
                let mut inner = module.to_vec();
                inner.push(ident(&m.ident));
                if let Some((_, items)) = &m.content {
                    self.inline_dirs
                        .push(path_attr(&m.attrs).unwrap_or_else(|| ident(&m.ident)));
                    self.items(items, &inner);
                    self.inline_dirs.pop();
                } else {
                    self.out.mods.push(ModDecl {
                        module: module.to_vec(),
                        name: ident(&m.ident),
                        path_attr: path_attr(&m.attrs),
                        cfg_paths: cfg_paths(&m.attrs),
                        inline_dirs: self.inline_dirs.clone(),
                        span: self.span(m.span()),
                    });
                }
            }
            syn::Item::Use(u) => {
                let mut prefix = Vec::new();
                self.use_tree(&u.tree, &mut prefix, module);
            }
            syn::Item::Const(c) => {
                let value = self.expr(&c.expr);
                self.out.consts.push(ConstDef {
                    module: module.to_vec(),
                    name: c.ident.to_string(),
                    span: self.span(c.ident.span()),
                    is_static: false,
                    value: Some(value),
                });
            }
            syn::Item::Static(s) => {
                let value = self.expr(&s.expr);
                self.out.consts.push(ConstDef {
                    module: module.to_vec(),
                    name: s.ident.to_string(),
                    span: self.span(s.ident.span()),
                    is_static: true,
                    value: Some(value),
                });
            }
            syn::Item::Struct(s) => self.out.types.push(TypeDef {
                module: module.to_vec(),
                name: s.ident.to_string(),
                derives: derives(&s.attrs),
            }),
            syn::Item::Enum(e) => self.out.types.push(TypeDef {
                module: module.to_vec(),
                name: e.ident.to_string(),
                derives: derives(&e.attrs),
            }),
            _ => {}
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>, module: &[String]) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix, module);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let mut path = prefix.clone();
                let alias = if name == "self" {
                    prefix.last().cloned().unwrap_or_default()
                } else {
                    path.push(name.clone());
                    name
                };
                self.out.uses.push(UseDecl {
                    module: module.to_vec(),
                    alias,
                    path,
                    glob: false,
                });
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.out.uses.push(UseDecl {
                    module: module.to_vec(),
                    alias: r.rename.to_string(),
                    path,
                    glob: false,
                });
            }
            syn::UseTree::Glob(_) => self.out.uses.push(UseDecl {
                module: module.to_vec(),
                alias: String::new(),
                path: prefix.clone(),
                glob: true,
            }),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix, module);
                }
            }
        }
    }

    fn function(
        &mut self,
        sig: &syn::Signature,
        block: &syn::Block,
        attrs: &[syn::Attribute],
        module: &[String],
        self_ty: Option<String>,
    ) {
        let saved_closures = std::mem::replace(&mut self.closures, 0);
        let mut params = Vec::new();
        let mut has_self = false;
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(r) => {
                    has_self = true;
                    let span = self.span(r.self_token.span);
                    params.push(Param {
                        pat: Pat::Bind {
                            name: "self".into(),
                            span,
                            sub: None,
                        },
                        ty: "Self".into(),
                        span,
                    });
                }
                syn::FnArg::Typed(pt) => params.push(Param {
                    pat: self.pat(&pt.pat),
                    ty: type_text(&pt.ty),
                    span: self.span(pt.span()),
                }),
            }
        }
        let body = self.block(block, module);
        let name = sig.ident.to_string();
        let mut item_path: Vec<String> = module.to_vec();
        if let Some(ty) = &self_ty {
            item_path.push(ty.clone());
        }
        item_path.push(name.clone());
        let def = FnDef {
            name,
            name_span: self.span(sig.ident.span()),
            span: self.span(join(sig_start(sig), block.brace_token.span.close())),
            module: module.to_vec(),
            self_ty,
            has_self,
            params,
            body,
            attrs: attrs.iter().map(attr_path).collect(),
            item_path: item_path.join("::"),
            closures: self.closures,
        };
        self.out.fns.push(def);
        self.closures = saved_closures;
    }

    fn block(&mut self, block: &syn::Block, module: &[String]) -> Block {
        let mut stmts = Vec::with_capacity(block.stmts.len());
        let valued = match block.stmts.last() {
            Some(syn::Stmt::Expr(_, semi)) => semi.is_none(),
            Some(syn::Stmt::Macro(m)) => m.semi_token.is_none(),
            _ => false,
        };
        for stmt in &block.stmts {
            match stmt {
                syn::Stmt::Local(local) => {
                    let pat = self.pat(&local.pat);
                    let (init, els) = match &local.init {
                        Some(init) => (
                            Some(self.expr(&init.expr)),
                            init.diverge.as_ref().map(|(_, e)| match self.expr(e) {
                                Expr::Block(b) => b,
                                other => Block {
                                    span: other.span(),
                                    stmts: vec![Stmt::Expr(other)],
                                    valued: true,
                                },
                            }),
                        ),
                        None => (None, None),
                    };
                    stmts.push(Stmt::Let {
                        pat,
                        init,
                        els,
                        span: self.span(join(
                            local
                                .attrs
                                .first()
                                .map_or(local.let_token.span, |a| a.pound_token.span),
                            local.semi_token.span,
                        )),
                    });
                }
                syn::Stmt::Item(item) => self.item(item, module),
                syn::Stmt::Expr(e, _) => stmts.push(Stmt::Expr(self.expr(e))),
                syn::Stmt::Macro(m) => {
                    let span = self.span(m.span());
                    stmts.push(Stmt::Expr(self.mac(&m.mac, span)));
                }
            }
        }
        Block {
            span: self.span(block.brace_token.span.join()),
            stmts,
            valued,
        }
    }

    fn pat(&mut self, pat: &syn::Pat) -> Pat {
        if self.depth >= MAX_DEPTH {
            return Pat::Other;
        }
        self.depth += 1;
        let out = self.pat_inner(pat);
        self.depth -= 1;
        out
    }

    fn pat_inner(&mut self, pat: &syn::Pat) -> Pat {
        match pat {
            syn::Pat::Ident(pi) => Pat::Bind {
                name: pi.ident.to_string(),
                span: self.span(pi.ident.span()),
                sub: pi.subpat.as_ref().map(|(_, p)| Box::new(self.pat(p))),
            },
            syn::Pat::Tuple(t) => Pat::Tuple(t.elems.iter().map(|p| self.pat(p)).collect()),
            syn::Pat::TupleStruct(ts) => Pat::TupleStruct {
                path: path_segs(&ts.path),
                elems: ts.elems.iter().map(|p| self.pat(p)).collect(),
            },
            syn::Pat::Struct(s) => Pat::Struct {
                path: path_segs(&s.path),
                fields: s
                    .fields
                    .iter()
                    .map(|f| {
                        let name = match &f.member {
                            syn::Member::Named(id) => id.to_string(),
                            syn::Member::Unnamed(i) => i.index.to_string(),
                        };
                        (name, self.pat(&f.pat))
                    })
                    .collect(),
            },
            syn::Pat::Or(o) => Pat::Or(o.cases.iter().map(|p| self.pat(p)).collect()),
            syn::Pat::Reference(r) => self.pat(&r.pat),
            syn::Pat::Paren(p) => self.pat(&p.pat),
            syn::Pat::Type(t) => self.pat(&t.pat),
            syn::Pat::Slice(s) => Pat::Tuple(s.elems.iter().map(|p| self.pat(p)).collect()),
            syn::Pat::Path(p) => Pat::Path(path_segs(&p.path)),
            // A string literal pattern keeps its text (`("use_dpop_nonce", Some(n)) => ..`).
            syn::Pat::Lit(l) => match &l.lit {
                syn::Lit::Str(s) => Pat::Path(vec![s.value()]),
                _ => Pat::Other,
            },
            syn::Pat::Wild(_) | syn::Pat::Rest(_) => Pat::Wild,
            _ => Pat::Other,
        }
    }

    fn exprs<'e>(&mut self, exprs: impl IntoIterator<Item = &'e syn::Expr>) -> Vec<Expr> {
        exprs.into_iter().map(|e| self.expr(e)).collect()
    }

    fn boxed(&mut self, e: &syn::Expr) -> Box<Expr> {
        Box::new(self.expr(e))
    }

    fn expr(&mut self, e: &syn::Expr) -> Expr {
        let span = self.span(expr_span(e));
        if self.depth >= MAX_DEPTH {
            return Expr::Other {
                span,
                children: Vec::new(),
            };
        }
        self.depth += 1;
        let out = self.expr_inner(e, span);
        self.depth -= 1;
        out
    }

    fn expr_inner(&mut self, e: &syn::Expr, span: Span) -> Expr {
        // Items nested in blocks belong to the module of the enclosing function; the module is
        // not threaded through expressions, so nested items use the crate root path here and are
        // matched by name.
        let module: &[String] = &[];
        match e {
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Str(s) => Expr::Str {
                    span,
                    value: s.value(),
                },
                _ => Expr::Lit { span },
            },
            syn::Expr::Path(p) => Expr::Path {
                span,
                segs: path_segs(&p.path),
            },
            syn::Expr::Call(c) => Expr::Call {
                span,
                callee: self.boxed(&c.func),
                args: self.exprs(&c.args),
            },
            syn::Expr::MethodCall(m) => Expr::Method {
                span,
                name_span: self.span(m.method.span()),
                receiver: self.boxed(&m.receiver),
                method: m.method.to_string(),
                args: self.exprs(&m.args),
            },
            syn::Expr::Macro(m) => self.mac(&m.mac, span),
            syn::Expr::Field(f) => Expr::Field {
                span,
                base: self.boxed(&f.base),
                name: match &f.member {
                    syn::Member::Named(id) => id.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                },
            },
            syn::Expr::Index(i) => Expr::Index {
                span,
                base: self.boxed(&i.expr),
                index: self.boxed(&i.index),
            },
            syn::Expr::Closure(c) => {
                let id = self.closures;
                self.closures += 1;
                Expr::Closure {
                    span,
                    id,
                    params: c.inputs.iter().map(|p| self.pat(p)).collect(),
                    body: self.boxed(&c.body),
                }
            }
            syn::Expr::Block(b) => Expr::Block(self.block(&b.block, module)),
            syn::Expr::Unsafe(b) => Expr::Block(self.block(&b.block, module)),
            syn::Expr::TryBlock(b) => Expr::Block(self.block(&b.block, module)),
            syn::Expr::Const(b) => Expr::Block(self.block(&b.block, module)),
            syn::Expr::Async(a) => Expr::Async(self.block(&a.block, module)),
            syn::Expr::If(i) => Expr::If {
                span,
                cond: self.boxed(&i.cond),
                then: self.block(&i.then_branch, module),
                els: i.else_branch.as_ref().map(|(_, e)| self.boxed(e)),
            },
            syn::Expr::Let(l) => Expr::Let {
                span,
                pat: self.pat(&l.pat),
                expr: self.boxed(&l.expr),
            },
            syn::Expr::Match(m) => Expr::Match {
                span,
                scrutinee: self.boxed(&m.expr),
                arms: m
                    .arms
                    .iter()
                    .map(|a| Arm {
                        pat: self.pat(&a.pat),
                        guard: a.guard.as_ref().map(|(_, g)| self.expr(g)),
                        body: self.expr(&a.body),
                    })
                    .collect(),
            },
            syn::Expr::Loop(l) => Expr::Loop {
                span,
                kind: LoopKind::Loop,
                label: l.label.as_ref().map(|l| l.name.ident.to_string()),
                head: None,
                pat: None,
                body: self.block(&l.body, module),
            },
            syn::Expr::While(w) => Expr::Loop {
                span,
                kind: LoopKind::While,
                label: w.label.as_ref().map(|l| l.name.ident.to_string()),
                head: Some(self.boxed(&w.cond)),
                pat: None,
                body: self.block(&w.body, module),
            },
            syn::Expr::ForLoop(f) => Expr::Loop {
                span,
                kind: if matches!(&*f.expr, syn::Expr::Range(_)) {
                    LoopKind::ForRange
                } else {
                    LoopKind::For
                },
                label: f.label.as_ref().map(|l| l.name.ident.to_string()),
                head: Some(self.boxed(&f.expr)),
                pat: Some(self.pat(&f.pat)),
                body: self.block(&f.body, module),
            },
            syn::Expr::Break(b) => Expr::Break {
                span,
                label: b.label.as_ref().map(|l| l.ident.to_string()),
                value: b.expr.as_ref().map(|e| self.boxed(e)),
            },
            syn::Expr::Continue(c) => Expr::Continue {
                span,
                label: c.label.as_ref().map(|l| l.ident.to_string()),
            },
            syn::Expr::Return(r) => Expr::Return {
                span,
                value: r.expr.as_ref().map(|e| self.boxed(e)),
            },
            syn::Expr::Try(t) => Expr::Try {
                span,
                inner: self.boxed(&t.expr),
            },
            syn::Expr::Await(a) => Expr::Await {
                span,
                inner: self.boxed(&a.base),
            },
            syn::Expr::Reference(r) => Expr::Unary {
                span,
                op: UnOp::Ref,
                inner: self.boxed(&r.expr),
            },
            syn::Expr::Paren(p) => Expr::Unary {
                span,
                op: UnOp::Paren,
                inner: self.boxed(&p.expr),
            },
            syn::Expr::Group(g) => Expr::Unary {
                span,
                op: UnOp::Paren,
                inner: self.boxed(&g.expr),
            },
            syn::Expr::Cast(c) => Expr::Unary {
                span,
                op: UnOp::Cast,
                inner: self.boxed(&c.expr),
            },
            syn::Expr::Unary(u) => Expr::Unary {
                span,
                op: match u.op {
                    syn::UnOp::Deref(_) => UnOp::Deref,
                    syn::UnOp::Not(_) => UnOp::Not,
                    _ => UnOp::Neg,
                },
                inner: self.boxed(&u.expr),
            },
            syn::Expr::Binary(b) => Expr::Binary {
                span,
                op: match b.op {
                    syn::BinOp::And(_) => BinOp::And,
                    syn::BinOp::Or(_) => BinOp::Or,
                    syn::BinOp::Add(_) | syn::BinOp::AddAssign(_) => BinOp::Add,
                    syn::BinOp::Eq(_) => BinOp::Eq,
                    syn::BinOp::Ne(_) => BinOp::Ne,
                    _ => BinOp::Other,
                },
                lhs: self.boxed(&b.left),
                rhs: self.boxed(&b.right),
            },
            syn::Expr::Assign(a) => Expr::Assign {
                span,
                target: self.boxed(&a.left),
                value: self.boxed(&a.right),
            },
            syn::Expr::Struct(s) => Expr::Struct {
                span,
                path: path_segs(&s.path),
                fields: s
                    .fields
                    .iter()
                    .map(|f| {
                        let name = match &f.member {
                            syn::Member::Named(id) => id.to_string(),
                            syn::Member::Unnamed(i) => i.index.to_string(),
                        };
                        (name, self.expr(&f.expr))
                    })
                    .collect(),
                rest: s.rest.as_ref().map(|r| self.boxed(r)),
            },
            syn::Expr::Tuple(t) => Expr::Tuple {
                span,
                elems: self.exprs(&t.elems),
            },
            syn::Expr::Array(a) => Expr::Array {
                span,
                elems: self.exprs(&a.elems),
            },
            syn::Expr::Repeat(r) => Expr::Array {
                span,
                elems: vec![self.expr(&r.expr)],
            },
            syn::Expr::Range(r) => Expr::Other {
                span,
                children: r
                    .start
                    .iter()
                    .chain(r.end.iter())
                    .map(|e| self.expr(e))
                    .collect(),
            },
            syn::Expr::Yield(y) => Expr::Other {
                span,
                children: y.expr.iter().map(|e| self.expr(e)).collect(),
            },
            _ => Expr::Other {
                span,
                children: Vec::new(),
            },
        }
    }

    fn mac(&mut self, mac: &syn::Macro, span: Span) -> Expr {
        let path = path_segs(&mac.path);
        let name = path.last().map_or("", String::as_str);
        let tokens = mac.tokens.clone();
        let kind = match name {
            "json" => self.json_macro(tokens),
            "select" => self.select_macro(tokens),
            "format" | "print" | "println" | "eprint" | "eprintln" | "panic" | "format_args"
            | "anyhow" | "bail" | "ensure" | "trace" | "debug" | "info" | "warn" | "error"
            | "write" | "writeln" | "todo" | "unimplemented" | "unreachable" | "assert"
            | "debug_assert" | "assert_eq" | "assert_ne" | "eyre" | "expect" => {
                self.format_macro(tokens)
            }
            _ => self.list_macro(tokens),
        };
        Expr::Macro {
            span,
            path,
            kind: Box::new(kind),
        }
    }

    fn comma_exprs(tokens: TokenStream) -> Option<Vec<syn::Expr>> {
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        parser.parse2(tokens).ok().map(|p| p.into_iter().collect())
    }

    fn list_macro(&mut self, tokens: TokenStream) -> MacroKind {
        if let Some(exprs) = Self::comma_exprs(tokens.clone()) {
            return MacroKind::Exprs(self.exprs(&exprs));
        }
        // `vec![elem; n]`
        let repeat = |input: ParseStream<'_>| -> syn::Result<syn::Expr> {
            let e: syn::Expr = input.parse()?;
            let _: syn::Token![;] = input.parse()?;
            let _: syn::Expr = input.parse()?;
            Ok(e)
        };
        if let Ok(e) = repeat.parse2(tokens) {
            return MacroKind::Exprs(vec![self.expr(&e)]);
        }
        MacroKind::Opaque
    }

    fn format_macro(&mut self, tokens: TokenStream) -> MacroKind {
        let Some(exprs) = Self::comma_exprs(tokens) else {
            return MacroKind::Opaque;
        };
        let mut iter = exprs.into_iter().peekable();
        // `write!(dest, "..", ..)` and the assertion macros put other arguments before the
        // template; they are kept as unnamed arguments.
        let mut leading = Vec::new();
        while let Some(first) = iter.peek() {
            if matches!(
                first,
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(_),
                    ..
                })
            ) {
                break;
            }
            if let Some(e) = iter.next() {
                leading.push((None, self.expr(&e)));
            }
        }
        let template = match iter.next() {
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })) => Some(s.value()),
            _ => None,
        };
        let mut args = leading;
        for e in iter {
            match e {
                syn::Expr::Assign(a) => {
                    let name = match &*a.left {
                        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                        _ => None,
                    };
                    args.push((name, self.expr(&a.right)));
                }
                other => args.push((None, self.expr(&other))),
            }
        }
        MacroKind::Format { template, args }
    }

    fn json_macro(&mut self, tokens: TokenStream) -> MacroKind {
        match self.json_value(tokens) {
            Some(v) => MacroKind::Json(v),
            None => MacroKind::Opaque,
        }
    }

    fn json_value(&mut self, tokens: TokenStream) -> Option<JsonValue> {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        if let [TokenTree::Group(g)] = trees.as_slice() {
            match g.delimiter() {
                Delimiter::Brace => {
                    let mut fields = Vec::new();
                    for entry in split_top(g.stream(), ',') {
                        let mut parts = split_top_once(entry, ':');
                        let value = parts.pop()?;
                        let key = parts.pop()?;
                        let key = match syn::parse2::<syn::Lit>(key) {
                            Ok(syn::Lit::Str(s)) => s.value(),
                            _ => continue,
                        };
                        fields.push((key, self.json_value(value)?));
                    }
                    return Some(JsonValue::Object(fields));
                }
                Delimiter::Bracket => {
                    let mut elems = Vec::new();
                    for entry in split_top(g.stream(), ',') {
                        elems.push(self.json_value(entry)?);
                    }
                    return Some(JsonValue::Array(elems));
                }
                _ => {}
            }
        }
        let e: syn::Expr = syn::parse2(tokens).ok()?;
        Some(JsonValue::Expr(self.expr(&e)))
    }

    fn select_macro(&mut self, tokens: TokenStream) -> MacroKind {
        let branches =
            |input: ParseStream<'_>| -> syn::Result<Vec<(syn::Pat, syn::Expr, syn::Expr)>> {
                let mut out = Vec::new();
                if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "biased" {
                    let _: syn::Ident = input.parse()?;
                    let _: syn::Token![;] = input.parse()?;
                }
                while !input.is_empty() {
                    if input.peek(syn::Token![else]) {
                        let _: syn::Token![else] = input.parse()?;
                        let _: syn::Token![=>] = input.parse()?;
                        let handler: syn::Expr = input.parse()?;
                        out.push((
                            syn::Pat::Verbatim(TokenStream::new()),
                            syn::parse_quote!(()),
                            handler,
                        ));
                    } else {
                        let pat = syn::Pat::parse_single(input)?;
                        let _: syn::Token![=] = input.parse()?;
                        let future = syn::Expr::parse_without_eager_brace(input)?;
                        if input.peek(syn::Token![,]) && input.peek2(syn::Token![if]) {
                            let _: syn::Token![,] = input.parse()?;
                            let _: syn::Token![if] = input.parse()?;
                            let _: syn::Expr = input.parse()?;
                        }
                        let _: syn::Token![=>] = input.parse()?;
                        let handler: syn::Expr = input.parse()?;
                        out.push((pat, future, handler));
                    }
                    if input.peek(syn::Token![,]) {
                        let _: syn::Token![,] = input.parse()?;
                    }
                }
                Ok(out)
            };
        match branches.parse2(tokens.clone()) {
            Ok(bs) => MacroKind::Select(
                bs.iter()
                    .map(|(p, f, h)| SelectBranch {
                        pat: self.pat(p),
                        future: self.expr(f),
                        handler: self.expr(h),
                    })
                    .collect(),
            ),
            Err(_) => self.list_macro(tokens),
        }
    }
}

fn join(first: proc_macro2::Span, last: proc_macro2::Span) -> proc_macro2::Span {
    first.join(last).unwrap_or(first)
}

/// The first token of a signature (`const`, `async`, `unsafe`, `extern` or `fn`).
fn sig_start(sig: &syn::Signature) -> proc_macro2::Span {
    sig.constness
        .map(|t| t.span)
        .or(sig.asyncness.map(|t| t.span))
        .or(sig.unsafety.map(|t| t.span))
        .or(sig.abi.as_ref().map(|a| a.extern_token.span))
        .unwrap_or(sig.fn_token.span)
}

/// An expression's span, as `Spanned::span` gives it (first token joined with the last), without
/// printing the expression: that costs its whole size at every level, and recurses as deep as
/// a left-nested chain (`a.b().c()..`, `a + b + ..`) is long.
fn expr_span(e: &syn::Expr) -> proc_macro2::Span {
    join(first_token(e), last_token(e))
}

fn expr_attrs(e: &syn::Expr) -> &[syn::Attribute] {
    use syn::Expr as E;
    match e {
        E::Array(x) => &x.attrs,
        E::Assign(x) => &x.attrs,
        E::Async(x) => &x.attrs,
        E::Await(x) => &x.attrs,
        E::Binary(x) => &x.attrs,
        E::Block(x) => &x.attrs,
        E::Break(x) => &x.attrs,
        E::Call(x) => &x.attrs,
        E::Cast(x) => &x.attrs,
        E::Closure(x) => &x.attrs,
        E::Const(x) => &x.attrs,
        E::Continue(x) => &x.attrs,
        E::Field(x) => &x.attrs,
        E::ForLoop(x) => &x.attrs,
        E::Group(x) => &x.attrs,
        E::If(x) => &x.attrs,
        E::Index(x) => &x.attrs,
        E::Infer(x) => &x.attrs,
        E::Let(x) => &x.attrs,
        E::Lit(x) => &x.attrs,
        E::Loop(x) => &x.attrs,
        E::Macro(x) => &x.attrs,
        E::Match(x) => &x.attrs,
        E::MethodCall(x) => &x.attrs,
        E::Paren(x) => &x.attrs,
        E::Path(x) => &x.attrs,
        E::Range(x) => &x.attrs,
        E::RawAddr(x) => &x.attrs,
        E::Reference(x) => &x.attrs,
        E::Repeat(x) => &x.attrs,
        E::Return(x) => &x.attrs,
        E::Struct(x) => &x.attrs,
        E::Try(x) => &x.attrs,
        E::TryBlock(x) => &x.attrs,
        E::Tuple(x) => &x.attrs,
        E::Unary(x) => &x.attrs,
        E::Unsafe(x) => &x.attrs,
        E::While(x) => &x.attrs,
        E::Yield(x) => &x.attrs,
        _ => &[],
    }
}

fn label_start(label: Option<&syn::Label>, keyword: proc_macro2::Span) -> proc_macro2::Span {
    label.map_or(keyword, |l| l.name.apostrophe)
}

fn path_start(qself: Option<&syn::QSelf>, path: &syn::Path) -> proc_macro2::Span {
    if let Some(q) = qself {
        return q.lt_token.span;
    }
    if let Some(colon) = &path.leading_colon {
        return colon.spans[0];
    }
    path.segments
        .first()
        .map_or_else(|| path.span(), |s| s.ident.span())
}

fn path_end(path: &syn::Path) -> proc_macro2::Span {
    match path.segments.last() {
        Some(seg) => match &seg.arguments {
            syn::PathArguments::None => seg.ident.span(),
            syn::PathArguments::AngleBracketed(a) => a.gt_token.span,
            syn::PathArguments::Parenthesized(p) => match &p.output {
                syn::ReturnType::Default => p.paren_token.span.close(),
                syn::ReturnType::Type(_, ty) => ty.span(),
            },
        },
        None => path.span(),
    }
}

/// The span of the first token of `e`, descending left operands in a loop.
fn first_token(mut e: &syn::Expr) -> proc_macro2::Span {
    use syn::Expr as E;
    loop {
        // Inner attributes (`match x { #![..] }`) are printed inside the braces.
        if let Some(a) = expr_attrs(e)
            .iter()
            .find(|a| matches!(a.style, syn::AttrStyle::Outer))
        {
            return a.pound_token.span;
        }
        e = match e {
            E::Assign(x) => &x.left,
            E::Await(x) => &x.base,
            E::Binary(x) => &x.left,
            E::Call(x) => &x.func,
            E::Cast(x) => &x.expr,
            E::Field(x) => &x.base,
            E::Index(x) => &x.expr,
            E::MethodCall(x) => &x.receiver,
            E::Try(x) => &x.expr,
            E::Group(x) => &x.expr,
            E::Range(syn::ExprRange {
                start: Some(start), ..
            }) => start,
            E::Range(x) => {
                return match &x.limits {
                    syn::RangeLimits::HalfOpen(t) => t.spans[0],
                    syn::RangeLimits::Closed(t) => t.spans[0],
                };
            }
            E::Array(x) => return x.bracket_token.span.open(),
            E::Async(x) => return x.async_token.span,
            E::Block(x) => {
                return label_start(x.label.as_ref(), x.block.brace_token.span.open());
            }
            E::Break(x) => return x.break_token.span,
            E::Closure(x) => {
                return x
                    .lifetimes
                    .as_ref()
                    .map(|l| l.for_token.span)
                    .or(x.constness.map(|t| t.span))
                    .or(x.movability.map(|t| t.span))
                    .or(x.asyncness.map(|t| t.span))
                    .or(x.capture.map(|t| t.span))
                    .unwrap_or(x.or1_token.span);
            }
            E::Const(x) => return x.const_token.span,
            E::Continue(x) => return x.continue_token.span,
            E::ForLoop(x) => return label_start(x.label.as_ref(), x.for_token.span),
            E::If(x) => return x.if_token.span,
            E::Infer(x) => return x.underscore_token.span,
            E::Let(x) => return x.let_token.span,
            E::Lit(x) => return x.lit.span(),
            E::Loop(x) => return label_start(x.label.as_ref(), x.loop_token.span),
            E::Macro(x) => return path_start(None, &x.mac.path),
            E::Match(x) => return x.match_token.span,
            E::Paren(x) => return x.paren_token.span.open(),
            E::Path(x) => return path_start(x.qself.as_ref(), &x.path),
            E::RawAddr(x) => return x.and_token.span,
            E::Reference(x) => return x.and_token.span,
            E::Repeat(x) => return x.bracket_token.span.open(),
            E::Return(x) => return x.return_token.span,
            E::Struct(x) => return path_start(x.qself.as_ref(), &x.path),
            E::TryBlock(x) => return x.try_token.span,
            E::Tuple(x) => return x.paren_token.span.open(),
            E::Unary(x) => return x.op.span(),
            E::Unsafe(x) => return x.unsafe_token.span,
            E::While(x) => return label_start(x.label.as_ref(), x.while_token.span),
            E::Yield(x) => return x.yield_token.span,
            other => return other.span(),
        };
    }
}

/// The span of the last token of `e`, descending right operands in a loop.
fn last_token(mut e: &syn::Expr) -> proc_macro2::Span {
    use syn::Expr as E;
    loop {
        e = match e {
            E::Assign(x) => &x.right,
            E::Binary(x) => &x.right,
            E::Break(syn::ExprBreak { expr: Some(x), .. })
            | E::Return(syn::ExprReturn { expr: Some(x), .. })
            | E::Yield(syn::ExprYield { expr: Some(x), .. })
            | E::Range(syn::ExprRange { end: Some(x), .. })
            | E::If(syn::ExprIf {
                else_branch: Some((_, x)),
                ..
            }) => x,
            E::Closure(x) => &x.body,
            E::Let(x) => &x.expr,
            E::RawAddr(x) => &x.expr,
            E::Reference(x) => &x.expr,
            E::Unary(x) => &x.expr,
            E::Group(x) => &x.expr,
            E::If(x) => return x.then_branch.brace_token.span.close(),
            E::Break(x) => {
                return x
                    .label
                    .as_ref()
                    .map_or(x.break_token.span, syn::Lifetime::span);
            }
            E::Return(x) => return x.return_token.span,
            E::Yield(x) => return x.yield_token.span,
            E::Range(x) => {
                return match &x.limits {
                    syn::RangeLimits::HalfOpen(t) => t.spans[1],
                    syn::RangeLimits::Closed(t) => t.spans[2],
                };
            }
            E::Array(x) => return x.bracket_token.span.close(),
            E::Async(x) => return x.block.brace_token.span.close(),
            E::Await(x) => return x.await_token.span,
            E::Block(x) => return x.block.brace_token.span.close(),
            E::Call(x) => return x.paren_token.span.close(),
            E::Cast(x) => return x.ty.span(),
            E::Const(x) => return x.block.brace_token.span.close(),
            E::Continue(x) => {
                return x
                    .label
                    .as_ref()
                    .map_or(x.continue_token.span, syn::Lifetime::span);
            }
            E::Field(x) => {
                return match &x.member {
                    syn::Member::Named(id) => id.span(),
                    syn::Member::Unnamed(i) => i.span,
                };
            }
            E::ForLoop(x) => return x.body.brace_token.span.close(),
            E::Index(x) => return x.bracket_token.span.close(),
            E::Infer(x) => return x.underscore_token.span,
            E::Lit(x) => return x.lit.span(),
            E::Loop(x) => return x.body.brace_token.span.close(),
            E::Macro(x) => {
                return match &x.mac.delimiter {
                    syn::MacroDelimiter::Paren(d) => d.span.close(),
                    syn::MacroDelimiter::Brace(d) => d.span.close(),
                    syn::MacroDelimiter::Bracket(d) => d.span.close(),
                };
            }
            E::Match(x) => return x.brace_token.span.close(),
            E::MethodCall(x) => return x.paren_token.span.close(),
            E::Paren(x) => return x.paren_token.span.close(),
            E::Path(x) => return path_end(&x.path),
            E::Repeat(x) => return x.bracket_token.span.close(),
            E::Struct(x) => return x.brace_token.span.close(),
            E::Try(x) => return x.question_token.span,
            E::TryBlock(x) => return x.block.brace_token.span.close(),
            E::Tuple(x) => return x.paren_token.span.close(),
            E::Unsafe(x) => return x.block.brace_token.span.close(),
            E::While(x) => return x.body.brace_token.span.close(),
            other => return other.span(),
        };
    }
}

/// Splits a token stream at top-level punctuation `sep`.
fn split_top(tokens: TokenStream, sep: char) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for tt in tokens {
        if let TokenTree::Punct(p) = &tt
            && p.as_char() == sep
        {
            out.push(current.drain(..).collect());
            continue;
        }
        current.push(tt);
    }
    if !current.is_empty() {
        out.push(current.into_iter().collect());
    }
    out
}

/// Splits at the first top-level `sep` (a lone `:`, not `::`).
fn split_top_once(tokens: TokenStream, sep: char) -> Vec<TokenStream> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in trees.iter().enumerate() {
        if let TokenTree::Punct(p) = tt
            && p.as_char() == sep
            && p.spacing() == proc_macro2::Spacing::Alone
            && !matches!(trees.get(i.wrapping_sub(1)), Some(TokenTree::Punct(q)) if q.as_char() == ':')
        {
            let key = trees[..i].iter().cloned().collect();
            let value = trees[i + 1..].iter().cloned().collect();
            return vec![key, value];
        }
    }
    vec![trees.into_iter().collect()]
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test fails by panicking"
    )]

    use super::{LineIndex, MAX_NESTING, expr_span};
    use syn::spanned::Spanned;

    /// Every expression kind, with attributes, labels, ranges and turbofishes.
    const EVERY_KIND: &str = r#"
fn every_kind() {
    let a = [1, 2]; let b = [0u8; 4]; x = y; async move { 1 }; f().await; a + b * c;
    'l: { break 'l 1 }; break; break 'outer; continue; continue 'l;
    g(1)(2); x as Vec<u8>; for<'a> |x: &'a u8| -> u8 { *x }; async move |x| x; move || 1;
    const { 1 }; s.field; s.0; 'f: for i in 0..n {} 'w: while c {} 'o: loop {}
    if a {} else if b {} else { c }; match x { #![inner] _ => {} } v[0]; _ = 1; if let Some(x) = y {} 1.5; "s";
    m!(a); m![a]; m! { a } ::std::m!(1); match x { _ => 1 } a.b::<u8>(c).d();
    (1); ::std::f::<u8>; <T as Tr>::f(); a..b; ..b; a..; ..; a..=b; ..=b;
    &raw const x; &mut x; &x; S { a: 1, ..d }; <T>::S { a }; x?; (1, 2); -x; !x; *x;
    unsafe { 1 }; return; return 1; #[attr] a.b(); #[attr] x + y; f::<Vec<u8>>;
    m::<fn(u8) -> u8>(); yield; yield 1; try { 1 }; static || 1; const || 1;
}
"#;

    #[derive(Default)]
    struct Compare {
        checked: usize,
        mismatches: Vec<String>,
    }

    impl<'ast> syn::visit::Visit<'ast> for Compare {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            let (ours, syns) = (expr_span(e), e.span());
            self.checked += 1;
            if (ours.start(), ours.end()) != (syns.start(), syns.end()) {
                self.mismatches.push(format!(
                    "{:?}-{:?} vs {:?}-{:?}",
                    ours.start(),
                    ours.end(),
                    syns.start(),
                    syns.end()
                ));
            }
            syn::visit::visit_expr(self, e);
        }
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() && name != "target" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn expression_spans_match_syn_without_printing() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        let mut texts: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap()))
            .collect();
        texts.push(("EVERY_KIND".into(), EVERY_KIND.into()));
        // Files lower_file refuses (tests/regressions) would exhaust the stack; the rest are
        // parsed on a stack as large as the command line's.
        texts.retain(|(_, text)| crate::depth::too_deep(text, MAX_NESTING).is_none());
        let compare = std::thread::Builder::new()
            .stack_size(crate::STACK_SIZE)
            .spawn(move || {
                let mut compare = Compare::default();
                for (name, text) in &texts {
                    let file = match syn::parse_file(text) {
                        Ok(file) => file,
                        Err(e) => {
                            assert_ne!(name, "EVERY_KIND", "{e}");
                            continue;
                        }
                    };
                    let before = compare.mismatches.len();
                    syn::visit::visit_file(&mut compare, &file);
                    for m in &mut compare.mismatches[before..] {
                        *m = format!("{name}: {m}");
                    }
                }
                compare
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(compare.checked > 10_000, "{}", compare.checked);
        assert!(compare.mismatches.is_empty(), "{:#?}", compare.mismatches);
    }

    /// The character-by-character definition `LineIndex::byte` must agree with.
    fn naive(source: &str, line: usize, col: usize) -> usize {
        let start = source
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .nth(line.wrapping_sub(2));
        let start = if line <= 1 { Some(0) } else { start };
        let Some(start) = start else {
            return source.len();
        };
        source[start..]
            .char_indices()
            .nth(col)
            .map_or(source.len(), |(i, _)| start + i)
    }

    #[test]
    fn byte_offsets_agree_with_counting_characters() {
        let long_mixed: String = (0..300)
            .map(|i| if i % 7 == 0 { 'é' } else { 'a' })
            .collect();
        for source in [
            "",
            "fn f() {}\n",
            "a\nbé\n\nçà€x\n",
            long_mixed.as_str(),
            &format!("x\n{long_mixed}\ny"),
        ] {
            let index = LineIndex::new(source);
            let lines = source.split('\n').count();
            for line in 1..=lines + 1 {
                let width = source
                    .split('\n')
                    .nth(line - 1)
                    .map_or(0, |l| l.chars().count());
                for col in 0..=width {
                    assert_eq!(
                        index.byte(line, col),
                        naive(source, line, col),
                        "{source:?} {line}:{col}"
                    );
                }
            }
        }
    }
}
