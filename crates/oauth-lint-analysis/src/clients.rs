//! Retrying HTTP clients kept in struct fields: `AppState { http }` built in one function with
//! `ClientBuilder::new(..).with(RetryTransientMiddleware::new_with_policy(..)).build()`, read as
//! `app.http` in a handler that receives the state as a parameter (`State<AppState>`,
//! `web::Data<AppState>`, `&AppState`, `self`). The state reaches the handler through the web
//! framework, not through a call the dataflow follows, so the fields are found here, from
//! syntax: a struct literal whose field value is, or is a local bound to, a builder expression
//! that calls one of the models' `retrying_functions`. The dataflow gives a parameter whose type
//! names such a struct a retrying value in that field.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::facts::Loc;
use crate::index::{FnId, Index};
use crate::ir::{Block, Expr, FileId, Pat, Stmt, UnOp, walk_block};
use crate::models::{Models, path_matches};

/// Bounds the look through a builder chain.
const MAX_CHAIN: u32 = 64;

/// A struct of the project: its crate, module, name and file (files walked without a crate
/// layout can define the same name in the same module).
type TypeKey = (u32, Vec<String>, String, FileId);

/// Where a struct is defined: its module and file.
type Definition = (Vec<String>, FileId);

/// The struct fields that hold a retrying client.
#[derive(Default)]
pub(crate) struct RetryingFields {
    /// (crate, name) -> the modules (and files) that define a type of that name.
    types: BTreeMap<(u32, String), Vec<Definition>>,
    /// struct -> field -> where its client was given a retry middleware.
    fields: BTreeMap<TypeKey, BTreeMap<String, Loc>>,
}

impl RetryingFields {
    /// Finds them over every function of the index.
    pub(crate) fn new(index: &Index<'_>, models: &Models) -> Self {
        let mut out = RetryingFields::default();
        if models.retrying_functions.is_empty() {
            return out;
        }
        for (i, file) in index.files.iter().enumerate() {
            let id = FileId::try_from(i).unwrap_or(FileId::MAX);
            for t in &file.ir.types {
                out.types
                    .entry((file.crate_id, t.name.clone()))
                    .or_default()
                    .push((t.module.clone(), id));
            }
        }
        let found: Vec<(TypeKey, String, Loc)> = index
            .all_fns()
            .into_par_iter()
            .flat_map_iter(|f| fields_of(index, models, &out, f))
            .collect();
        for (ty, field, loc) in found {
            // The first in function order: the same whatever the order of the parallel walk.
            out.fields
                .entry(ty)
                .or_default()
                .entry(field)
                .or_insert(loc);
        }
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields of a value of type `ty` (a parameter's type text, in function `f`) that hold a
    /// retrying client: those of every struct the type names (`State<Arc<AppState>>`).
    pub(crate) fn of_type(&self, index: &Index<'_>, f: FnId, ty: &str) -> Vec<(&str, Loc)> {
        let mut out = Vec::new();
        for name in ty.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if let Some(key) = self.resolve(index, f, name)
                && let Some(fields) = self.fields.get(&key)
            {
                out.extend(fields.iter().map(|(n, &loc)| (n.as_str(), loc)));
            }
        }
        out
    }

    /// The struct `name` means in function `f`: the one its module defines, or the one a
    /// `use` (named or glob) brings in. A name of no such struct is some other crate's type.
    fn resolve(&self, index: &Index<'_>, f: FnId, name: &str) -> Option<TypeKey> {
        let file = &index.files[f.file as usize];
        let modules = self.types.get(&(file.crate_id, name.to_string()))?;
        let def = index.fn_def(f);
        let path = index.expand(f.file, &def.module, &[name.to_string()]);
        let mut wanted = vec![match path.split_last() {
            Some((_, [])) | None => def.module.clone(),
            Some((_, parent)) => absolute(&def.module, parent),
        }];
        wanted.extend(
            file.ir
                .uses
                .iter()
                .filter(|u| u.glob && u.module == def.module)
                .map(|u| absolute(&def.module, &u.path)),
        );
        let found: Vec<&Definition> = modules.iter().filter(|(m, _)| wanted.contains(m)).collect();
        let (module, at) = match found.as_slice() {
            [one] => *one,
            // One module defined in several files: the function's own file's.
            more => more.iter().copied().find(|(_, at)| *at == f.file)?,
        };
        Some((file.crate_id, module.clone(), name.to_string(), *at))
    }
}

/// A module path written in `module`, from the crate root: `crate::a` -> `a`, `self::a`,
/// `super::a`. Another crate's path stays as written (and names no module of this one).
fn absolute(module: &[String], path: &[String]) -> Vec<String> {
    match path.split_first() {
        Some((first, rest)) if first == "crate" => rest.to_vec(),
        Some((first, rest)) if first == "self" => module.iter().chain(rest).cloned().collect(),
        Some((first, _)) if first == "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let keep = module.len().saturating_sub(ups);
            module[..keep].iter().chain(&path[ups..]).cloned().collect()
        }
        _ => path.to_vec(),
    }
}

fn fields_of(
    index: &Index<'_>,
    models: &Models,
    types: &RetryingFields,
    f: FnId,
) -> Vec<(TypeKey, String, Loc)> {
    let def = index.fn_def(f);
    // Locals bound to a retrying client (`let http = ClientBuilder::new(..).with(..).build();`)
    // in the body and its blocks.
    let mut locals: BTreeMap<String, Loc> = BTreeMap::new();
    let note = |b: &Block, locals: &mut BTreeMap<String, Loc>| {
        for s in &b.stmts {
            if let Stmt::Let {
                pat: Pat::Bind { name, .. },
                init: Some(init),
                ..
            } = s
                && let Some(loc) = retry_call(index, models, f, init, 0)
            {
                locals.insert(name.clone(), loc);
            }
        }
    };
    note(&def.body, &mut locals);
    let mut out = Vec::new();
    // One walk, outermost first: a block's `let`s are noted before the struct literals in it.
    walk_block(&def.body, &mut |e| {
        if let Expr::Block(b) | Expr::Async(b) = e {
            note(b, &mut locals);
        }
        let Expr::Struct { path, fields, .. } = e else {
            return;
        };
        let name = match path.last().map(String::as_str) {
            Some("Self") => def.self_ty.as_deref(),
            t => t,
        };
        let Some(ty) = name.and_then(|n| types.resolve(index, f, n)) else {
            return;
        };
        for (name, value) in fields {
            let loc = retry_call(index, models, f, value, 0).or_else(|| match strip(value) {
                Expr::Path { segs, .. } if segs.len() == 1 => locals.get(segs[0].as_str()).copied(),
                _ => None,
            });
            if let Some(loc) = loc {
                out.push((ty.clone(), name.clone(), loc));
            }
        }
    });
    out
}

/// `&x`, `(x)`, `x.clone()`, `Arc::new(x)`: the value inside.
fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Unary {
            op: UnOp::Ref | UnOp::Paren,
            inner,
            ..
        } => strip(inner),
        Expr::Method {
            receiver,
            method,
            args,
            ..
        } if method == "clone" && args.is_empty() => strip(receiver),
        Expr::Call { callee, args, .. }
            if args.len() == 1
                && matches!(&**callee, Expr::Path { segs, .. }
                    if segs.len() >= 2 && matches!(segs[segs.len() - 2].as_str(), "Arc" | "Rc")
                        && segs[segs.len() - 1] == "new") =>
        {
            strip(&args[0])
        }
        _ => e,
    }
}

/// Where a builder expression calls a retry middleware constructor: the receivers of its
/// method chain and their arguments (`.with(RetryTransientMiddleware::new_with_policy(p))`).
fn retry_call(index: &Index<'_>, models: &Models, f: FnId, e: &Expr, depth: u32) -> Option<Loc> {
    if depth > MAX_CHAIN {
        return None;
    }
    let e = strip(e);
    match e {
        Expr::Call { callee, args, .. } => {
            if let Expr::Path { segs, span } = &**callee {
                let def = index.fn_def(f);
                let path = index.expand(f.file, &def.module, segs);
                if models
                    .retrying_functions
                    .iter()
                    .any(|p| path_matches(&path, p))
                {
                    return Some(Loc::new(f.file, *span));
                }
            }
            args.iter()
                .find_map(|a| retry_call(index, models, f, a, depth + 1))
        }
        Expr::Method { receiver, args, .. } => retry_call(index, models, f, receiver, depth + 1)
            .or_else(|| {
                args.iter()
                    .find_map(|a| retry_call(index, models, f, a, depth + 1))
            }),
        Expr::Try { inner, .. } | Expr::Await { inner, .. } => {
            retry_call(index, models, f, inner, depth + 1)
        }
        _ => None,
    }
}
