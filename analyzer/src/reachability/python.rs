//! The imports of one Python file, read with tree-sitter's Python grammar:
//! `import a.b`, `from a import b`, relative `from . import x`, and
//! `importlib.import_module("a")` / `__import__("a")` with a literal. Any other
//! argument to those two makes the file dynamic.

use super::imports::{parse, Imports, Walk};
use tree_sitter::{Node, Parser};

/// One import: `level` leading dots (0 for absolute), the module after them,
/// and the names a `from` import asks for (which may be submodules; `*` for
/// `from m import *`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PyImport {
    pub level: usize,
    pub module: String,
    pub names: Vec<String>,
}

/// The imports `source` makes.
pub(super) fn imports(parser: &mut Parser, source: &[u8]) -> Imports<PyImport> {
    let mut found = Imports::default();
    let language = tree_sitter_python::LANGUAGE.into();
    let Some(tree) = parse(parser, language, "Python", source, &mut found) else {
        return found;
    };
    let mut push = |import: PyImport| found.specifiers.push(import);
    let mut dynamic = None;
    Walk::new(&tree).for_each(|node| match node.kind() {
        "import_statement" => {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                if let Some(module) = dotted(name, source) {
                    push(PyImport {
                        level: 0,
                        module,
                        names: Vec::new(),
                    });
                }
            }
        }
        "import_from_statement" => {
            if let Some(import) = from_import(node, source) {
                push(import);
            }
        }
        "call" => match load_call(node, source) {
            Some(Ok(module)) => push(PyImport {
                level: 0,
                module,
                names: Vec::new(),
            }),
            Some(Err(())) if dynamic.is_none() => dynamic = Some(node),
            _ => {}
        },
        _ => {}
    });
    if let Some(node) = dynamic {
        found.mark_dynamic(
            node,
            "an import_module() or __import__() of a computed name",
        );
    }
    found
}

/// `from <module> import <names>`.
fn from_import(node: Node, source: &[u8]) -> Option<PyImport> {
    let module = node.child_by_field_name("module_name")?;
    let (level, path) = match module.kind() {
        "relative_import" => {
            let mut level = 0;
            let mut path = String::new();
            let mut cursor = module.walk();
            for part in module.children(&mut cursor) {
                match part.kind() {
                    "import_prefix" => level = part.utf8_text(source).ok()?.trim().len(),
                    "dotted_name" => path = part.utf8_text(source).ok()?.to_string(),
                    _ => {}
                }
            }
            (level, path)
        }
        _ => (0, module.utf8_text(source).ok()?.to_string()),
    };
    let mut cursor = node.walk();
    let mut names: Vec<String> = node
        .children_by_field_name("name", &mut cursor)
        .filter_map(|n| dotted(n, source))
        .collect();
    let mut cursor = node.walk();
    if node
        .children(&mut cursor)
        .any(|c| c.kind() == "wildcard_import")
    {
        names.push("*".into());
    }
    Some(PyImport {
        level,
        module: path,
        names,
    })
}

/// The module a `dotted_name` or `aliased_import` names.
fn dotted(node: Node, source: &[u8]) -> Option<String> {
    let name = match node.kind() {
        "aliased_import" => node.child_by_field_name("name")?,
        "dotted_name" => node,
        _ => return None,
    };
    let text: String = name
        .utf8_text(source)
        .ok()?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some(text)
}

/// `importlib.import_module(...)` or `__import__(...)`: `Ok(module)` for a
/// literal absolute name, `Err` for anything computed or relative.
fn load_call(node: Node, source: &[u8]) -> Option<Result<String, ()>> {
    let function = node.child_by_field_name("function")?;
    let name = match function.kind() {
        "identifier" => function.utf8_text(source).ok()?,
        "attribute" => function
            .child_by_field_name("attribute")?
            .utf8_text(source)
            .ok()?,
        _ => return None,
    };
    if name != "import_module" && name != "__import__" {
        return None;
    }
    let argument = node
        .child_by_field_name("arguments")
        .and_then(|args| args.named_child(0));
    Some(
        argument
            .and_then(|arg| string_literal(arg, source))
            .filter(|m| !m.starts_with('.') && !m.is_empty())
            .ok_or(()),
    )
}

/// The value of a plain string literal (no interpolation, no escapes).
fn string_literal(node: Node, source: &[u8]) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut value = String::new();
    let mut cursor = node.walk();
    for part in node.named_children(&mut cursor) {
        match part.kind() {
            "string_start" | "string_end" => {}
            "string_content" => value.push_str(part.utf8_text(source).ok()?),
            _ => return None,
        }
    }
    (!value.contains('\\')).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(source: &str) -> (Vec<PyImport>, Option<String>) {
        let found = imports(&mut Parser::new(), source.as_bytes());
        (found.specifiers, found.dynamic)
    }

    fn imp(level: usize, module: &str, names: &[&str]) -> PyImport {
        PyImport {
            level,
            module: module.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn every_import_form() {
        let (found, dynamic) = read(
            "import os, yaml as y\nimport a.b.c\nfrom jinja2 import Template, nodes as n\n\
             from . import sibling\nfrom ..pkg.mod import thing\nfrom x import *\n\
             import importlib\nm = importlib.import_module('plugins.csv')\nq = __import__(\"q\")\n",
        );
        assert_eq!(
            found,
            [
                imp(0, "os", &[]),
                imp(0, "yaml", &[]),
                imp(0, "a.b.c", &[]),
                imp(0, "jinja2", &["Template", "nodes"]),
                imp(1, "", &["sibling"]),
                imp(2, "pkg.mod", &["thing"]),
                imp(0, "x", &["*"]),
                imp(0, "importlib", &[]),
                imp(0, "plugins.csv", &[]),
                imp(0, "q", &[]),
            ]
        );
        assert!(dynamic.is_none(), "{dynamic:?}");
    }

    #[test]
    fn computed_imports_make_the_file_dynamic() {
        for source in [
            "import importlib\nimportlib.import_module(name)\n",
            "__import__('plugins.' + kind)\n",
            "importlib.import_module(f'drivers.{x}')\n",
            "importlib.import_module('.rel', 'pkg')\n",
        ] {
            assert!(read(source).1.is_some(), "{source}");
        }
    }
}
