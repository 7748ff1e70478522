//! syn to the flow representation. syn types never leave this module: spans become line,
//! column and byte offsets here, once, and the syn tree is dropped when `lower_file` returns.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

use crate::ir::{
    Arm, BinOp, Block, ConstDef, Expr, FileIr, FnDef, JsonValue, LoopKind, MacroKind, ModDecl,
    Param, Pat, SelectBranch, Span, Stmt, TypeDef, UnOp, UseDecl,
};

/// Past this depth of nested expressions the rest of a subtree is kept as an opaque node, so
/// that neither lowering nor the dataflow that walks the result can exhaust the stack.
const MAX_DEPTH: u32 = 200;

/// A syntax error, located.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// Parses and lowers one file. `module` is the file's module path inside its crate.
pub fn lower_file(source: &str, module: &[String]) -> Result<FileIr, ParseError> {
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

/// Byte offsets of line starts, to turn proc-macro2's (line, char column) into byte offsets.
struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(source: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { source, starts }
    }

    fn byte(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.source.len();
        };
        let rest = self.source.get(start..).unwrap_or("");
        rest.char_indices()
            .nth(col)
            .map_or(self.source.len(), |(i, _)| start + i)
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

fn cfg_paths(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("cfg_attr") {
            continue;
        }
        let Ok(list) = attr.meta.require_list() else {
            continue;
        };
        let parser = Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
        let Ok(metas) = parser.parse2(list.tokens.clone()) else {
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

    fn items(&mut self, items: &[syn::Item], module: &[String]) {
        for item in items {
            self.item(item, module);
        }
    }

    fn item(&mut self, item: &syn::Item, module: &[String]) {
        match item {
            syn::Item::Fn(f) => {
                self.function(&f.sig, &f.block, &f.attrs, module, None);
            }
            syn::Item::Impl(imp) => {
                let self_ty = type_last_ident(&imp.self_ty);
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
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
            span: self.span(sig.span().join(block.span()).unwrap_or_else(|| sig.span())),
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
                                },
                            }),
                        ),
                        None => (None, None),
                    };
                    stmts.push(Stmt::Let {
                        pat,
                        init,
                        els,
                        span: self.span(local.span()),
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
            span: self.span(block.span()),
            stmts,
        }
    }

    fn pat(&mut self, pat: &syn::Pat) -> Pat {
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
        let span = self.span(e.span());
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

/// The deepest bracket nesting in `source`, counted on bytes (strings and comments included,
/// which only overestimates). Used to refuse files that would exhaust the parser's stack.
pub fn max_nesting(source: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    for b in source.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// `max_nesting(source)` when it exceeds `limit`, else `None`. It follows an upper bound of
/// the depth 64 bytes at a time (the counts vectorise; the exact depth does not): within a
/// chunk the depth grows by at most its opening brackets, and after it the depth is at most
/// the old bound plus the openings minus the closings, or the openings alone when the depth
/// touched zero. Only when the bound passes `limit` is the exact depth computed.
pub fn nesting_over(source: &str, limit: usize) -> Option<usize> {
    let mut bound = 0usize;
    for chunk in source.as_bytes().chunks(64) {
        let (mut open, mut close) = (0u8, 0u8);
        for &b in chunk {
            // Bitwise on purpose: no branches, so the loop vectorises.
            open += u8::from(b == b'(') | u8::from(b == b'[') | u8::from(b == b'{');
            close += u8::from(b == b')') | u8::from(b == b']') | u8::from(b == b'}');
        }
        let (open, close) = (usize::from(open), usize::from(close));
        if bound + open > limit {
            let depth = max_nesting(source);
            return (depth > limit).then_some(depth);
        }
        bound = (bound + open).saturating_sub(close).max(open);
    }
    None
}
