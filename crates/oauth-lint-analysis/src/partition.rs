//! Independent parts of the analysis: functions that cannot affect each other's results, so
//! that each part runs in its own interpreter, on its own thread.
//!
//! The interpreter couples two functions only through what it looks up while analysing one of
//! them: the summaries of the project functions a call or method call resolves to
//! (`Index::resolve_path`, `Index::resolve_method`), and the constants a path names (their
//! origins are shared values). Everything else it reads is computed before the analysis and
//! only read (the index, handler parameters, token-tracked parameters), or is keyed by the
//! function being analysed. So the parts are the connected components of the graph whose edges
//! join each function to every function and constant its body could resolve to, and each
//! constant to the constants its value names. Resolution is by name and arity, the same
//! lookups the interpreter makes, so the edges are a superset of what it can read.
//!
//! Within a part, the interpreter does what it would do over the whole project: the order of
//! its analyses is the same (rounds visit functions in the same order and skip the same ones),
//! and it interns the same origins, guards and sites in the same relative order, so every
//! choice made by id order is the same. What the reporting round learns across a whole crate
//! (authorization URLs against exchanges, `tokens::redirect_mismatches`) is joined after the
//! parts are done. The fixtures and the corpus are checked against the whole-project analysis
//! (`tests/prefilter.rs`, the benchmark).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::index::{FnId, Index};
use crate::ir::{Expr, FileId, Span, walk_block, walk_expr};

/// Disjoint sets over node ids, with path halving and union by size.
struct Sets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl Sets {
    fn new(n: usize) -> Self {
        Sets {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// A constant as a node: its file and span.
type ConstKey = (FileId, Span);

/// What a body can look up: functions and constants.
type Lookups = (Vec<FnId>, Vec<ConstKey>);

/// What one expression can make the interpreter look up: resolved functions and constants.
fn lookups(
    index: &Index<'_>,
    caller: Option<FnId>,
    krate: u32,
    e: &Expr,
    fns: &mut Vec<FnId>,
    consts: &mut Vec<ConstKey>,
) {
    match (e, caller) {
        (Expr::Call { callee, .. }, Some(caller)) => {
            if let Expr::Path { segs, .. } = &**callee {
                let def = index.fn_def(caller);
                let path = index.expand(caller.file, &def.module, segs);
                fns.extend(index.resolve_path(caller, &path));
            }
        }
        (Expr::Method { method, args, .. }, Some(caller)) => {
            fns.extend(index.resolve_method(caller, method, args.len()));
        }
        (Expr::Path { segs, .. }, _) => {
            if let Some(last) = segs.last()
                && let Some((file, c)) = index.constant(krate, last)
            {
                consts.push((file, c.span));
            }
        }
        _ => {}
    }
}

/// The parts of `fns`: each part's functions in the order of `fns`, parts in the order of
/// their first function. Everything in one part when some body is too deep to walk whole.
pub(crate) fn parts(index: &Index<'_>, fns: &[FnId]) -> Vec<Vec<FnId>> {
    let position: BTreeMap<FnId, usize> = fns.iter().enumerate().map(|(i, &f)| (f, i)).collect();
    // Per function: the functions and constants it can look up; `None` if its walk was cut.
    let edges: Vec<Option<Lookups>> = fns
        .par_iter()
        .map(|&f| {
            let krate = index.files[f.file as usize].crate_id;
            let (mut calls, mut consts) = (Vec::new(), Vec::new());
            let complete = walk_block(&index.fn_def(f).body, &mut |e| {
                lookups(index, Some(f), krate, e, &mut calls, &mut consts);
            });
            complete.then_some((calls, consts))
        })
        .collect();
    if edges.iter().any(Option::is_none) {
        return vec![fns.to_vec()];
    }
    // Constants get node ids after the functions. A constant's value may name other
    // constants (`literal_list` follows them): those are joined to it.
    let mut const_ids: BTreeMap<ConstKey, usize> = BTreeMap::new();
    let mut const_links: Vec<(usize, ConstKey)> = Vec::new();
    let mut todo: Vec<ConstKey> = edges
        .iter()
        .flatten()
        .flat_map(|(_, cs)| cs.iter().copied())
        .collect();
    while let Some(key) = todo.pop() {
        if const_ids.contains_key(&key) {
            continue;
        }
        let id = fns.len() + const_ids.len();
        const_ids.insert(key, id);
        let (file, span) = key;
        let ir = &index.files[file as usize];
        let Some(value) = ir
            .ir
            .consts
            .iter()
            .find(|c| c.span == span)
            .and_then(|c| c.value.as_ref())
        else {
            continue;
        };
        let (mut calls, mut consts) = (Vec::new(), Vec::new());
        if !walk_expr(value, &mut |e| {
            lookups(index, None, ir.crate_id, e, &mut calls, &mut consts);
        }) {
            return vec![fns.to_vec()];
        }
        const_links.extend(consts.iter().map(|&c| (id, c)));
        todo.extend(consts);
    }
    let mut sets = Sets::new(fns.len() + const_ids.len());
    for (i, e) in edges.iter().enumerate() {
        let Some((calls, consts)) = e else { continue };
        for c in calls {
            if let Some(&j) = position.get(c) {
                sets.union(i, j);
            }
        }
        for c in consts {
            if let Some(&j) = const_ids.get(c) {
                sets.union(i, j);
            }
        }
    }
    for (i, c) in const_links {
        if let Some(&j) = const_ids.get(&c) {
            sets.union(i, j);
        }
    }
    let mut by_root: BTreeMap<usize, Vec<FnId>> = BTreeMap::new();
    let mut order: Vec<usize> = Vec::new();
    for (i, &f) in fns.iter().enumerate() {
        let root = sets.find(i);
        let part = by_root.entry(root).or_default();
        if part.is_empty() {
            order.push(root);
        }
        part.push(f);
    }
    order
        .into_iter()
        .filter_map(|r| by_root.remove(&r))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::parts;
    use crate::LoweredFile;
    use crate::index::Index;
    use crate::lower::lower_file;

    /// The parts of one crate made of `files`, as function names.
    fn names(files: &[&str]) -> Vec<Vec<String>> {
        let lowered: Vec<LoweredFile> = files
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let module = vec![format!("m{i}")];
                LoweredFile {
                    crate_id: 0,
                    ir: lower_file(text, &module).unwrap(),
                    module,
                }
            })
            .collect();
        let crate_names = vec!["demo".to_string()];
        let index = Index::new(&lowered, &crate_names);
        let fns = index.all_fns();
        parts(&index, &fns)
            .into_iter()
            .map(|p| p.iter().map(|&f| index.fn_def(f).name.clone()).collect())
            .collect()
    }

    #[test]
    fn calls_join_callers_and_callees() {
        let got = names(&[
            "fn a() { b(1); } fn b(x: u32) {} fn c() {}",
            "fn d(s: &S) { s.run(2); } impl S { fn run(&self, n: u32) {} } fn e() { a(); }",
        ]);
        assert_eq!(got, [vec!["a", "b", "e"], vec!["c"], vec!["d", "run"]]);
    }

    #[test]
    fn constants_join_their_readers() {
        let got = names(&[
            "const URL: &str = BASE; const BASE: &str = \"https://x/token\"; fn a() { let u = URL; }",
            "fn b() { let u = super::BASE; } fn c() { let u = OTHER; }",
        ]);
        assert_eq!(got, [vec!["a", "b"], vec!["c"]]);
    }

    #[test]
    fn calls_inside_macros_and_json_count() {
        let got = names(&[
            "fn a() { println!(\"{}\", b()); } fn b() -> u32 { 1 }",
            "fn c() { let v = json!({ \"k\": [d()] }); } fn d() -> u32 { 2 } fn e() {}",
        ]);
        assert_eq!(got, [vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
    }
}
