//! The light item scanner against `lower` (which parses with syn): on every Rust file of this
//! repository and on hand-written cases, the scanner finds the same `mod` declarations and at
//! least every item name that lowering finds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};

use oauth_lint_analysis::ir::ModDecl;
use oauth_lint_analysis::{DefKind, lower_file, scan_items};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() && !name.starts_with('.') && name != "target" {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn key(
    m: &ModDecl,
) -> (
    Vec<String>,
    String,
    Option<String>,
    Vec<String>,
    Vec<String>,
) {
    (
        m.module.clone(),
        m.name.clone(),
        m.path_attr.clone(),
        m.inline_dirs.clone(),
        m.cfg_paths.clone(),
    )
}

/// Checks the scan of `text` against its lowering; returns a description of the differences.
fn compare(name: &str, text: &str) -> Vec<String> {
    let module = vec!["m".to_string()];
    let Ok(ir) = lower_file(text, &module) else {
        return Vec::new();
    };
    let scan = scan_items(text, &module);
    let mut problems = Vec::new();
    let lowered: Vec<_> = ir.mods.iter().map(key).collect();
    let scanned: Vec<_> = scan.mods.iter().map(key).collect();
    if lowered != scanned {
        problems.push(format!(
            "{name}: mods differ\n  lower: {lowered:?}\n  scan:  {scanned:?}"
        ));
    }
    let defined = |n: &str, want: &dyn Fn(DefKind) -> bool| {
        let n = n.strip_prefix("r#").unwrap_or(n);
        scan.defs.iter().any(|(d, k)| d == n && want(*k))
    };
    for f in &ir.fns {
        let ok = defined(&f.name, &|k| match k {
            DefKind::Fn {
                maybe_self,
                maybe_method,
                maybe_free,
            } => {
                (!f.has_self || maybe_self)
                    && (f.self_ty.is_none() || maybe_method)
                    && (f.self_ty.is_some() || maybe_free)
            }
            _ => false,
        });
        if !ok {
            problems.push(format!(
                "{name}: fn {} (self: {}, impl: {:?}) not found as such: {:?}",
                f.name,
                f.has_self,
                f.self_ty,
                scan.defs
                    .iter()
                    .filter(|(d, _)| *d == f.name)
                    .collect::<Vec<_>>()
            ));
        }
    }
    for c in &ir.consts {
        if !defined(&c.name, &|k| k == DefKind::Const) {
            problems.push(format!("{name}: const {} not found", c.name));
        }
    }
    for t in &ir.types {
        if !defined(&t.name, &|k| k == DefKind::Type) {
            problems.push(format!("{name}: type {} not found", t.name));
        }
    }
    problems
}

#[test]
fn the_scanner_agrees_with_lowering_on_every_file_of_the_repository() {
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests"] {
        rust_files(&repo().join(dir), &mut files);
    }
    assert!(files.len() > 100, "too few files: {}", files.len());
    let mut problems = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        problems.extend(compare(&f.display().to_string(), &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scanner_agrees_with_lowering_on_hard_cases() {
    let cases = [
        // attributes, visibility, cfg_attr alternatives, raw names
        "#[path = \"a/b.rs\"]\npub(crate) mod x;\n#[cfg_attr(unix, path = \"u.rs\")]\n#[cfg_attr(windows, path = \"w.rs\", allow(dead_code))]\nmod sys;\nmod r#as;",
        // inline modules with a path, nested
        "#[path = \"dir\"] mod outer { mod inner { mod leaf; } #[path = \"p.rs\"] mod q; }",
        // items in function bodies keep the module; in nested blocks they are the root's
        "mod a { fn f() { mod in_body; if x { mod in_block; } let c = || { mod in_closure; }; } }",
        // macro bodies are not items
        "macro_rules! m { () => { mod not_me; } }\ncfg_if::cfg_if! { if #[cfg(unix)] { mod nor_me; } }\nfn g() { vec![1]; }\nmod yes;",
        // strings, raw strings, chars, lifetimes and comments hide nothing
        "const S: &str = \"mod no;\"; const R: &str = r#\"mod \" no;\"#; const C: char = '\"'; fn f<'a>(x: &'a str) -> char { '}' }\n/* mod no; /* nested */ mod no2; */\n// mod no3;\nmod after;",
        // impl and trait blocks, generics with braces, fn pointer types
        "impl<const N: usize> Foo<{ N }> { fn m(&self) {} fn assoc() -> u8 { fn nested() {} 1 } }\ntrait T { fn d(&self) {} fn e(); }\nstruct S(fn(u8));\nfn h(f: fn()) -> impl Fn() { fn inner() {} || {} }",
        // where clauses with a trailing comma, comparisons and shifts in bodies
        "impl<T, S> Harness<T, S>\nwhere\n    T: Future<Output = u8>,\n    S: Fn(u8) -> u8,\n{\n    fn header(&self) -> u8 { if 1 < 2 { 3 >> 1 } else { 0 } }\n    fn from_raw(ptr: u8) -> Self { match ptr { 0 => { todo!() } _ => todo!() } }\n}\nmod after_impl;",
        // impls on types that are not paths: their functions have no self type
        "impl Read for [u8] { fn read(&mut self) -> u8 { 0 } }\nimpl<T> From<T> for (T,) { fn from(t: T) -> Self { (t,) } }\nimpl Foo for &'a mut Bar { fn f(&self) {} }\nimpl<'a> dyn Tr + 'a { fn g(&self) {} }\nimpl<T: Fn() -> u8> Baz for fn() -> T { fn h(&self) {} }\nimpl Default for TypeMap![Send] { fn default() -> Self { todo!() } }",
        // a block in a const, a static mut
        "const X: u8 = { mod in_const; 1 };\nstatic mut Y: u8 = 0;\npub const fn cf() {}",
        // shebang
        "#!/usr/bin/env rust\nmod s;",
    ];
    let mut problems = Vec::new();
    for (i, text) in cases.iter().enumerate() {
        assert!(
            lower_file(text, &[]).is_ok(),
            "case {i} does not parse: {text}"
        );
        problems.extend(compare(&format!("case {i}"), text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Spot checks that the cases test something.
    let scan = scan_items(cases[2], &[]);
    let mods: Vec<_> = scan
        .mods
        .iter()
        .map(|m| (m.module.clone(), m.name.clone()))
        .collect();
    assert_eq!(
        mods,
        [
            (vec!["a".to_string()], "in_body".to_string()),
            (vec![], "in_block".to_string()),
            (vec![], "in_closure".to_string()),
        ]
    );
    assert_eq!(scan_items(cases[3], &[]).mods.len(), 1);
}
