//! The imports of one JavaScript file, read with tree-sitter's JavaScript
//! grammar: `require("x")`, `import ... from "x"`, `import("x")` and
//! `export ... from "x"` with literal specifiers. Any other argument to
//! `require` or `import()` makes the file dynamic.

use super::imports::{parse, Imports, Walk};
use tree_sitter::{Node, Parser};

/// The imports `source` makes.
pub(super) fn imports(parser: &mut Parser, source: &[u8]) -> Imports<String> {
    let mut found = Imports::default();
    let language = tree_sitter_javascript::LANGUAGE.into();
    let Some(tree) = parse(parser, language, "JavaScript", source, &mut found) else {
        return found;
    };
    Walk::new(&tree).for_each(|node| match node.kind() {
        "import_statement" | "export_statement" => {
            if let Some(source_node) = node.child_by_field_name("source") {
                match literal(source_node, source) {
                    Some(spec) => found.specifiers.push(spec),
                    None => found.mark_dynamic(node, "an import with an unreadable specifier"),
                }
            }
        }
        "call_expression" => call(node, source, &mut found),
        _ => {}
    });
    found
}

/// `require(...)` and `import(...)`.
fn call(node: Node, source: &[u8], found: &mut Imports<String>) {
    let Some(function) = node.child_by_field_name("function") else {
        return;
    };
    let is_load = match function.kind() {
        "import" => true,
        "identifier" => function.utf8_text(source) == Ok("require"),
        _ => false,
    };
    if !is_load {
        return;
    }
    let argument = node
        .child_by_field_name("arguments")
        .and_then(|args| args.named_child(0));
    match argument.and_then(|arg| literal(arg, source)) {
        Some(spec) => found.specifiers.push(spec),
        None => found.mark_dynamic(node, "a require() or import() of a computed name"),
    }
}

/// The text of a string literal or a template literal without substitutions;
/// `None` for anything computed or escaped.
fn literal(node: Node, source: &[u8]) -> Option<String> {
    let text = node.utf8_text(source).ok()?;
    let inner = match node.kind() {
        "string" => text.get(1..text.len().checked_sub(1)?)?,
        "template_string" => {
            let mut cursor = node.walk();
            if node
                .named_children(&mut cursor)
                .any(|c| c.kind() == "template_substitution")
            {
                return None;
            }
            text.get(1..text.len().checked_sub(1)?)?
        }
        _ => return None,
    };
    (!inner.contains('\\')).then(|| inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(source: &str) -> Imports<String> {
        imports(&mut Parser::new(), source.as_bytes())
    }

    #[test]
    fn literal_specifiers_of_every_form() {
        let found = read(
            r#"
            const a = require('a');
            import b from "b";
            import * as c from 'c/sub';
            export { d } from './d.js';
            export * from '@s/e';
            async function f() { return import(`g`); }
            require.resolve('not-a-load');
            "#,
        );
        assert_eq!(found.specifiers, ["a", "b", "c/sub", "./d.js", "@s/e", "g"]);
        assert!(found.dynamic.is_none(), "{:?}", found.dynamic);
    }

    #[test]
    fn computed_names_make_the_file_dynamic() {
        for source in [
            "const x = require(name);",
            "const y = require('./plugins/' + name);",
            "import(`./locale/${lang}.js`);",
            "require();",
        ] {
            let found = read(source);
            assert!(found.dynamic.is_some(), "{source}");
        }
    }

    #[test]
    fn syntax_errors_are_dynamic_not_clean() {
        let found = read("const a = require('a'); function (( {");
        assert!(found.dynamic.is_some());
    }

    #[test]
    fn a_local_function_named_require_still_counts() {
        // Bundles define their own `require`: its literal calls are still loads
        // of a kind, and over-counting keeps a package from being called unused.
        let found = read("function require(x) {} require('z');");
        assert_eq!(found.specifiers, ["z"]);
    }
}
