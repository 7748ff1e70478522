//! The crate index: functions, consts and types by name, `use` maps, and name resolution of
//! call paths to the project's own functions. Resolution is by name, without types: a path call
//! resolves through `use` declarations and module paths; a method call resolves to the project's
//! methods of that name and arity.

use std::collections::{BTreeMap, BTreeSet};

use crate::LoweredFile;
use crate::ir::{ConstDef, FileId, FnDef};

/// A function: file index and index in that file's `fns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnId {
    pub file: FileId,
    pub idx: u32,
}

pub(crate) const MAX_METHOD_CANDIDATES: usize = 4;

/// alias -> path, for one module of one file.
type UseMap<'a> = BTreeMap<&'a str, &'a [String]>;

pub(crate) struct Index<'a> {
    pub(crate) files: &'a [LoweredFile],
    /// (crate, name) -> free functions (no `Self` type)
    free_fns: BTreeMap<(u32, &'a str), Vec<FnId>>,
    /// (crate, `Self` type, name) -> associated functions and methods
    assoc_fns: BTreeMap<(u32, &'a str, &'a str), Vec<FnId>>,
    /// (crate, name, parameters with `self`) -> methods. Lookups are by key, never by scanning
    /// every function of a name: a crate like `windows` has thousands of `clone`s and `new`s.
    methods: BTreeMap<(u32, &'a str, usize), Vec<FnId>>,
    consts: BTreeMap<(u32, &'a str), (FileId, &'a ConstDef)>,
    types: BTreeMap<(u32, &'a str), Vec<&'a str>>,
    /// (crate, first module segment) for modules that exist in the crate.
    modules: BTreeSet<(u32, &'a str)>,
    /// (file, module path) -> alias -> path
    uses: BTreeMap<(FileId, &'a [String]), UseMap<'a>>,
    /// crate name -> crate id, for paths into another crate of the workspace.
    crate_names: BTreeMap<&'a str, u32>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(files: &'a [LoweredFile], crate_names: &'a [String]) -> Self {
        let mut index = Index {
            files,
            free_fns: BTreeMap::new(),
            assoc_fns: BTreeMap::new(),
            methods: BTreeMap::new(),
            consts: BTreeMap::new(),
            types: BTreeMap::new(),
            modules: BTreeSet::new(),
            uses: BTreeMap::new(),
            crate_names: crate_names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
                .collect(),
        };
        for (fi, file) in files.iter().enumerate() {
            let fid = FileId::try_from(fi).unwrap_or(FileId::MAX);
            let krate = file.crate_id;
            for seg in &file.module {
                index.modules.insert((krate, seg.as_str()));
            }
            for (i, f) in file.ir.fns.iter().enumerate() {
                let id = FnId {
                    file: fid,
                    idx: u32::try_from(i).unwrap_or(u32::MAX),
                };
                let name = f.name.as_str();
                match &f.self_ty {
                    Some(ty) => index
                        .assoc_fns
                        .entry((krate, ty.as_str(), name))
                        .or_default()
                        .push(id),
                    None => index.free_fns.entry((krate, name)).or_default().push(id),
                }
                if f.has_self {
                    index
                        .methods
                        .entry((krate, name, f.params.len()))
                        .or_default()
                        .push(id);
                }
                for seg in &f.module {
                    index.modules.insert((krate, seg.as_str()));
                }
            }
            for c in &file.ir.consts {
                index.consts.insert((krate, c.name.as_str()), (fid, c));
            }
            for t in &file.ir.types {
                index.types.insert(
                    (krate, t.name.as_str()),
                    t.derives.iter().map(String::as_str).collect(),
                );
            }
            for m in &file.ir.mods {
                index.modules.insert((krate, m.name.as_str()));
            }
            for u in &file.ir.uses {
                if u.glob {
                    continue;
                }
                index
                    .uses
                    .entry((fid, u.module.as_slice()))
                    .or_default()
                    .insert(u.alias.as_str(), u.path.as_slice());
            }
        }
        index
    }

    pub(crate) fn fn_def(&self, id: FnId) -> &'a FnDef {
        &self.files[id.file as usize].ir.fns[id.idx as usize]
    }

    pub(crate) fn all_fns(&self) -> Vec<FnId> {
        let mut out = Vec::new();
        for (fi, file) in self.files.iter().enumerate() {
            for i in 0..file.ir.fns.len() {
                out.push(FnId {
                    file: FileId::try_from(fi).unwrap_or(FileId::MAX),
                    idx: u32::try_from(i).unwrap_or(u32::MAX),
                });
            }
        }
        out
    }

    /// Expands the first segment of `segs` through the `use` declarations visible in `module`
    /// of `file` (its own module, then the file's root module).
    pub(crate) fn expand(&self, file: FileId, module: &[String], segs: &[String]) -> Vec<String> {
        let Some(first) = segs.first() else {
            return Vec::new();
        };
        let mut scopes: Vec<&[String]> = vec![module];
        if !module.is_empty() {
            let root = &self.files[file as usize].module;
            scopes.push(root.as_slice());
        }
        for scope in scopes {
            if let Some(map) = self.uses.get(&(file, scope))
                && let Some(path) = map.get(first.as_str())
            {
                let mut out: Vec<String> = path.to_vec();
                out.extend(segs[1..].iter().cloned());
                return out;
            }
        }
        segs.to_vec()
    }

    pub(crate) fn is_type(&self, krate: u32, name: &str) -> bool {
        self.types.contains_key(&(krate, name))
    }

    /// Whether the crate defines a type of this name.
    pub(crate) fn has_type(&self, krate: u32, name: &str) -> bool {
        self.types.contains_key(&(krate, name))
    }

    /// Whether the crate defines an associated function `func` of type `ty`.
    pub(crate) fn has_assoc_fn(&self, krate: u32, ty: &str, func: &str) -> bool {
        self.assoc_fns.contains_key(&(krate, ty, func))
    }

    pub(crate) fn type_derives(&self, krate: u32, name: &str) -> Vec<&'a str> {
        self.types.get(&(krate, name)).cloned().unwrap_or_default()
    }

    /// Whether a file has a `use` of one of `crates`.
    pub(crate) fn file_uses(&self, file: FileId, crates: &[String]) -> bool {
        self.files[file as usize].ir.uses.iter().any(|u| {
            u.path
                .iter()
                .find(|s| !s.is_empty())
                .is_some_and(|root| crates.iter().any(|c| c == root))
        })
    }

    pub(crate) fn constant(&self, krate: u32, name: &str) -> Option<(FileId, &'a ConstDef)> {
        self.consts.get(&(krate, name)).copied()
    }

    /// Resolves a path call to the project's own functions. `path` is already `use`-expanded.
    pub(crate) fn resolve_path(&self, caller: FnId, path: &[String]) -> Vec<FnId> {
        let caller_def = self.fn_def(caller);
        let mut krate = self.files[caller.file as usize].crate_id;
        let Some(last) = path.last() else {
            return Vec::new();
        };
        let mut rest: &[String] = &path[..path.len() - 1];
        if let Some(first) = rest.first() {
            if let Some(&other) = self.crate_names.get(first.as_str()) {
                krate = other;
                rest = &rest[1..];
            } else if !matches!(first.as_str(), "crate" | "self" | "super" | "Self")
                && !self.modules.contains(&(krate, first.as_str()))
                && !self.is_type(krate, first)
            {
                // An external crate or std.
                return Vec::new();
            }
        }
        // `Type::f` / `Self::f`: associated functions of that type.
        if let Some(ty) = rest.last() {
            let ty = if ty == "Self" {
                caller_def.self_ty.clone().unwrap_or_default()
            } else {
                ty.clone()
            };
            if self.is_type(krate, &ty) || caller_def.self_ty.as_deref() == Some(ty.as_str()) {
                return self
                    .assoc_fns
                    .get(&(krate, ty.as_str(), last.as_str()))
                    .cloned()
                    .unwrap_or_default();
            }
        }
        let Some(free) = self.free_fns.get(&(krate, last.as_str())) else {
            return Vec::new();
        };
        // Prefer a function whose module path ends with the written module segments.
        let written: Vec<&String> = rest
            .iter()
            .filter(|s| !matches!(s.as_str(), "crate" | "self" | "super"))
            .collect();
        let by_module: Vec<FnId> = free
            .iter()
            .copied()
            .filter(|id| {
                let m = &self.fn_def(*id).module;
                written.len() <= m.len()
                    && m[m.len() - written.len()..]
                        .iter()
                        .zip(&written)
                        .all(|(a, b)| a == *b)
            })
            .collect();
        if rest.is_empty() {
            // A bare name: the caller's own module first.
            let same: Vec<FnId> = free
                .iter()
                .copied()
                .filter(|id| self.fn_def(*id).module == caller_def.module)
                .collect();
            if !same.is_empty() {
                return same;
            }
        }
        if by_module.is_empty() {
            free.clone()
        } else {
            by_module
        }
    }

    /// Resolves a method call by name and arity (`args` excludes the receiver). A name with
    /// more than `MAX_METHOD_CANDIDATES` methods of that arity is a trait method implemented by
    /// many types (`next`, `fmt`, `poll`): without types the call cannot be resolved, and it is
    /// left unresolved rather than merged over every implementation.
    pub(crate) fn resolve_method(&self, caller: FnId, name: &str, args: usize) -> Vec<FnId> {
        let krate = self.files[caller.file as usize].crate_id;
        match self.methods.get(&(krate, name, args + 1)) {
            Some(found) if found.len() <= MAX_METHOD_CANDIDATES => found.clone(),
            _ => Vec::new(),
        }
    }
}
