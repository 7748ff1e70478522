//! Callback handlers, recognised from syntax: which parameters of which functions come from an
//! incoming request. A function is a handler when a parameter has an extractor type
//! (`Query<T>`, `web::Form<T>`, tide's `Request<S>`), when it carries a handler attribute
//! (`#[get("/cb?<code>")]`, `#[handler]`), or when a routing call names it
//! (`.route("/cb", get(h))`, `web::get().to(h)`, `warp::query::<T>().and_then(h)`). The models
//! (`[[handler]]` in `lints/apis/frameworks.toml`) list the names.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::index::{FnId, Index};
use crate::ir::Expr;
use crate::models::{Models, path_matches};

/// Bounds the walk over expressions (lowering already caps nesting).
const MAX_WALK_DEPTH: u32 = 400;

/// The outer type name of a parameter's type text: `&mut web::Query<T>` -> `Query`.
pub(crate) fn outer_type(ty: &str) -> &str {
    let mut t = ty.trim_start_matches('&');
    if let Some(rest) = t.strip_prefix('\'') {
        // A lifetime: `&'a T` (the type text has no spaces: `&'aT`, `&'_T`).
        t = rest
            .trim_start_matches(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    }
    t = t.strip_prefix("mut").unwrap_or(t);
    let head = t.split('<').next().unwrap_or("");
    head.rsplit("::").next().unwrap_or("")
}

/// Request parameters of every handler, by function.
pub(crate) fn handler_params(
    index: &Index<'_>,
    models: &Models,
) -> BTreeMap<FnId, BTreeSet<usize>> {
    let extractors: BTreeSet<&str> = models
        .handlers
        .iter()
        .flat_map(|h| h.extractors.iter().map(String::as_str))
        .collect();
    let attrs: BTreeSet<&str> = models
        .handlers
        .iter()
        .flat_map(|h| h.attrs.iter().map(String::as_str))
        .collect();
    let state_types: BTreeSet<&str> = models
        .handlers
        .iter()
        .flat_map(|h| h.state_types.iter().map(String::as_str))
        .chain(models.session_types.iter().map(String::as_str))
        .collect();
    // The names a routing call can have, to skip every other call before resolving it.
    let route_names: BTreeSet<&str> = models
        .handlers
        .iter()
        .flat_map(|h| {
            h.route_functions
                .iter()
                .map(|r| r.rsplit("::").next().unwrap_or(r))
                .chain(h.route_methods.iter().map(String::as_str))
        })
        .collect();
    let routed: BTreeSet<FnId> = index
        .all_fns()
        .into_par_iter()
        .flat_map_iter(|f| {
            let mut routed = BTreeSet::new();
            crate::ir::walk_block(&index.fn_def(f).body, &mut |e| {
                let name = match e {
                    Expr::Call { callee, .. } => match &**callee {
                        Expr::Path { segs, .. } => segs.last().map(String::as_str),
                        _ => None,
                    },
                    Expr::Method { method, .. } => Some(method.as_str()),
                    _ => None,
                };
                if name.is_some_and(|n| route_names.contains(n)) {
                    route_target(index, models, f, e, &mut routed);
                }
            });
            routed
        })
        .collect();
    let mut out = BTreeMap::new();
    for f in index.all_fns() {
        let def = index.fn_def(f);
        let by_attr = def.attrs.iter().any(|a| {
            let last = a.rsplit("::").next().unwrap_or(a);
            attrs.contains(last)
        });
        let whole = by_attr || routed.contains(&f);
        let mut params = BTreeSet::new();
        for (i, p) in def.params.iter().enumerate() {
            if def.has_self && i == 0 {
                continue;
            }
            let outer = outer_type(&p.ty);
            if state_types.contains(outer) {
                continue;
            }
            if extractors.contains(outer) || (whole && !is_app_state(index, f, &p.ty)) {
                params.insert(i);
            }
        }
        if !params.is_empty() {
            out.insert(f, params);
        }
    }
    out
}

/// A parameter of a routed or attributed handler whose type is the project's own struct that
/// does not derive `Deserialize` and is no custom extractor (`app: App`, `ctx: Arc<Ctx>` handed in
/// by a warp filter): application state, not something the request carries.
fn is_app_state(index: &Index<'_>, f: FnId, ty: &str) -> bool {
    let mut name = outer_type(ty);
    if matches!(name, "Arc" | "Rc" | "Box")
        && let Some(inner) = ty
            .split_once('<')
            .map(|(_, rest)| rest.trim_end_matches('>'))
    {
        name = outer_type(inner);
    }
    let krate = index.files[f.file as usize].crate_id;
    // A custom extractor (`impl FromRequestParts for OAuthCallback`) reads the request.
    let extractor = ["from_request_parts", "from_request", "from_request_ref"]
        .iter()
        .any(|func| index.has_assoc_fn(krate, name, func));
    index.has_type(krate, name)
        && !extractor
        && !index
            .type_derives(krate, name)
            .iter()
            .any(|d| d.rsplit("::").next() == Some("Deserialize"))
}

/// A routing call naming one of the project's functions: marks it routed.
fn route_target(
    index: &Index<'_>,
    models: &Models,
    caller: FnId,
    e: &Expr,
    routed: &mut BTreeSet<FnId>,
) {
    let def = index.fn_def(caller);
    let (args, ok) = match e {
        Expr::Call { callee, args, .. } => {
            let Expr::Path { segs, .. } = &**callee else {
                return;
            };
            let path = index.expand(caller.file, &def.module, segs);
            let ok = models.handlers.iter().any(|h| {
                h.route_functions
                    .iter()
                    .any(|r| path_matches(&path, &split(r)))
            });
            (args, ok)
        }
        Expr::Method {
            receiver,
            method,
            args,
            ..
        } => {
            let ok = models.handlers.iter().any(|h| {
                h.route_methods.iter().any(|m| m == method)
                    && (h.receiver_calls.is_empty() || calls_any(receiver, &h.receiver_calls, 0))
            });
            (args, ok)
        }
        _ => return,
    };
    if !ok {
        return;
    }
    for a in args {
        if let Expr::Path { segs, .. } = a {
            let path = index.expand(caller.file, &def.module, segs);
            for t in index.resolve_path(caller, &path) {
                routed.insert(t);
            }
        }
    }
}

fn split(p: &str) -> Vec<String> {
    p.split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether a receiver chain calls a function or method named one of `names`.
fn calls_any(e: &Expr, names: &[String], depth: u32) -> bool {
    if depth > MAX_WALK_DEPTH {
        return false;
    }
    match e {
        Expr::Method {
            receiver,
            method,
            args,
            ..
        } => {
            names.iter().any(|n| n == method)
                || calls_any(receiver, names, depth + 1)
                || args.iter().any(|a| calls_any(a, names, depth + 1))
        }
        Expr::Call { callee, args, .. } => {
            (match &**callee {
                Expr::Path { segs, .. } => {
                    segs.last().is_some_and(|l| names.iter().any(|n| n == l))
                }
                other => calls_any(other, names, depth + 1),
            }) || args.iter().any(|a| calls_any(a, names, depth + 1))
        }
        Expr::Unary { inner, .. } | Expr::Await { inner, .. } | Expr::Try { inner, .. } => {
            calls_any(inner, names, depth + 1)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::outer_type;

    #[test]
    fn outer_types() {
        assert_eq!(outer_type("Query<AuthRequest>"), "Query");
        assert_eq!(outer_type("web::Query<HashMap<String,String>>"), "Query");
        assert_eq!(outer_type("&mutRequest"), "Request");
        assert_eq!(outer_type("&'aRequest"), "Request");
        assert_eq!(outer_type("tide::Request<State>"), "Request");
    }
}
