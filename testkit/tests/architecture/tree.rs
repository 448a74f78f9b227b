//! The module tree of one crate target, read from its source files with `syn`:
//! for every module, the items it defines, the `use` declarations it holds and
//! every path it writes. Code under `#[cfg(test)]` is left out: the guard is
//! about the shipped module graph, and test modules depend on no one's layering.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;
use syn::visit::Visit;

/// A module's path from the crate root (`[]` is the root).
pub type ModPath = Vec<String>;

/// A path written in the source, where it was written.
#[derive(Clone, Debug)]
pub struct Written {
    /// The path's segments (`crate`, `super`, `self` included).
    pub segments: Vec<String>,
    pub file: PathBuf,
    pub line: usize,
}

/// One `use` leaf: `use <target> as <name>`, or a glob (`name` is `None`).
#[derive(Clone, Debug)]
pub struct Import {
    pub name: Option<String>,
    pub target: Vec<String>,
}

/// What one module holds.
#[derive(Default, Debug)]
pub struct Module {
    /// Names of the items it defines (types, functions, constants, modules, ...).
    pub defines: BTreeSet<String>,
    /// Its `use` declarations.
    pub imports: Vec<Import>,
    /// Every path it writes: in `use` declarations, code, types and macro bodies.
    pub written: Vec<Written>,
}

/// Every module of a crate target.
#[derive(Default, Debug)]
pub struct Tree {
    /// Every module, the root (`[]`) included, by path.
    pub modules: BTreeMap<ModPath, Module>,
}

impl Tree {
    /// Reads the target whose root file is `root` (`lib.rs`, `main.rs`, `bin/x.rs`).
    pub fn load(root: &Path) -> Tree {
        let mut tree = Tree::default();
        let dir = root.parent().expect("a root file lies in a directory");
        tree.load_file(root, Vec::new(), dir);
        tree
    }

    /// Whether `path` names a module of this target.
    pub fn is_module(&self, path: &[String]) -> bool {
        self.modules.contains_key(path)
    }

    /// Reads `file` as module `path`, whose `mod x;` children live in `children`.
    fn load_file(&mut self, file: &Path, path: ModPath, children: &Path) {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        self.load_items(&parsed.items, file, path, children);
    }

    fn load_items(&mut self, items: &[syn::Item], file: &Path, path: ModPath, children: &Path) {
        self.modules.entry(path.clone()).or_default();
        for item in items.iter().filter(|i| !is_test_only(item_attrs(i))) {
            if let syn::Item::Mod(m) = item {
                let name = m.ident.to_string();
                self.module(&path).defines.insert(name.clone());
                let mut child = path.clone();
                child.push(name.clone());
                let dir = children.join(&name);
                match &m.content {
                    Some((_, inner)) => self.load_items(inner, file, child, &dir),
                    None => {
                        let source = child_file(m, file, children, &name).unwrap_or_else(|| {
                            panic!("{}: no file for `mod {name}`", file.display())
                        });
                        self.load_file(&source, child, &dir);
                    }
                }
                continue;
            }
            let mut reader = Reader {
                file,
                module: Module::default(),
            };
            reader.visit_item(item);
            let Reader { module, .. } = reader;
            let target = self.module(&path);
            target.defines.extend(item_name(item));
            target.imports.extend(module.imports);
            target.written.extend(module.written);
        }
    }

    fn module(&mut self, path: &[String]) -> &mut Module {
        self.modules.entry(path.to_vec()).or_default()
    }
}

/// The file of `mod name;` written in `file`: its `#[path]` (relative to `file`'s
/// directory), else `name.rs` or `name/mod.rs` in `dir`.
fn child_file(m: &syn::ItemMod, file: &Path, dir: &Path, name: &str) -> Option<PathBuf> {
    let explicit = m.attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(file.parent().unwrap_or(dir).join(s.value())),
            _ => None,
        },
        _ => None,
    });
    explicit
        .into_iter()
        .chain([
            dir.join(format!("{name}.rs")),
            dir.join(name).join("mod.rs"),
        ])
        .find(|p| p.is_file())
}

/// `#[cfg(test)]`, or a `cfg(all(test, ...))`.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|list| {
                let text = list.tokens.to_string();
                text == "test"
                    || (text.starts_with("all") && text.contains("test") && !text.contains("not"))
            })
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item::*;
    match item {
        Const(i) => &i.attrs,
        Enum(i) => &i.attrs,
        ExternCrate(i) => &i.attrs,
        Fn(i) => &i.attrs,
        ForeignMod(i) => &i.attrs,
        Impl(i) => &i.attrs,
        Macro(i) => &i.attrs,
        Mod(i) => &i.attrs,
        Static(i) => &i.attrs,
        Struct(i) => &i.attrs,
        Trait(i) => &i.attrs,
        TraitAlias(i) => &i.attrs,
        Type(i) => &i.attrs,
        Union(i) => &i.attrs,
        Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The name an item defines in its module, if any.
fn item_name(item: &syn::Item) -> Option<String> {
    use syn::Item::*;
    let ident = match item {
        Const(i) => &i.ident,
        Enum(i) => &i.ident,
        Fn(i) => &i.sig.ident,
        Macro(i) => i.ident.as_ref()?,
        Static(i) => &i.ident,
        Struct(i) => &i.ident,
        Trait(i) => &i.ident,
        TraitAlias(i) => &i.ident,
        Type(i) => &i.ident,
        Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// Collects the imports and written paths of one item (and what it nests).
struct Reader<'a> {
    file: &'a Path,
    module: Module,
}

impl Reader<'_> {
    fn written(&mut self, segments: Vec<String>, line: usize) {
        self.module.written.push(Written {
            segments,
            file: self.file.to_path_buf(),
            line,
        });
    }

    /// Flattens a `use` tree into its leaves.
    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let mut target = prefix.clone();
                let alias = if name == "self" {
                    prefix.last().cloned()
                } else {
                    target.push(name.clone());
                    Some(name)
                };
                self.import(alias, target, n.ident.span().start().line);
            }
            syn::UseTree::Rename(r) => {
                let mut target = prefix.clone();
                if r.ident != "self" {
                    target.push(r.ident.to_string());
                }
                self.import(
                    Some(r.rename.to_string()),
                    target,
                    r.ident.span().start().line,
                );
            }
            syn::UseTree::Glob(g) => {
                self.import(None, prefix.clone(), g.star_token.span().start().line);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix);
                }
            }
        }
    }

    fn import(&mut self, name: Option<String>, target: Vec<String>, line: usize) {
        self.written(target.clone(), line);
        self.module.imports.push(Import { name, target });
    }

    /// Finds `crate::a::b`, `super::x`, `self::y` paths in a macro's tokens.
    fn tokens(&mut self, tokens: TokenStream) {
        let flat: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(id) if id == "crate" || id == "super" || id == "self" => {
                    let line = id.span().start().line;
                    let mut segments = vec![id.to_string()];
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (flat.get(i + 1), flat.get(i + 2), flat.get(i + 3))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(next.to_string());
                        i += 3;
                    }
                    if segments.len() > 1 {
                        self.written(segments, line);
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_test_only(item_attrs(item)) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&u.tree, &mut Vec::new());
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.written(segments, path.span().start().line);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.tokens(mac.tokens.clone());
    }
}
