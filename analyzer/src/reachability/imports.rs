//! What one source file imports, whatever its language, and the iterative
//! walk over a syntax tree that both language readers share.

use tree_sitter::{Language, Node, Parser, Tree, TreeCursor};

/// The literal imports of a file, and whether it also loads something whose
/// name is computed at run time (then anything it could reach is unknown).
#[derive(Clone, Debug)]
pub(super) struct Imports<S> {
    /// Specifiers in source order, as written.
    pub specifiers: Vec<S>,
    /// Why the file may load more than its literal imports say.
    pub dynamic: Option<String>,
}

impl<S> Default for Imports<S> {
    fn default() -> Self {
        Imports {
            specifiers: Vec::new(),
            dynamic: None,
        }
    }
}

impl<S> Imports<S> {
    /// Records the first computed import, with its line.
    pub fn mark_dynamic(&mut self, node: Node, what: &str) {
        if self.dynamic.is_none() {
            self.dynamic = Some(format!("{what} (line {})", node.start_position().row + 1));
        }
    }
}

/// Parses `source` with `language`'s grammar. `Err` says why nothing could be
/// read; a tree with syntax errors comes back with the reason in `found`
/// (its imports may be incomplete, so the file counts as dynamic).
pub(super) fn parse<S>(
    parser: &mut Parser,
    language: Language,
    name: &str,
    source: &[u8],
    found: &mut Imports<S>,
) -> Option<Tree> {
    if parser.set_language(&language).is_err() {
        found.dynamic = Some(format!("the {name} grammar could not be loaded"));
        return None;
    }
    let Some(tree) = parser.parse(source, None) else {
        found.dynamic = Some("could not be parsed".into());
        return None;
    };
    if tree.root_node().has_error() {
        found.dynamic = Some("has syntax the parser could not read".into());
    }
    Some(tree)
}

/// Every node of a tree in document order, without recursion (a hostile file
/// nested a million deep must not overflow the stack).
pub(super) struct Walk<'t> {
    cursor: TreeCursor<'t>,
    done: bool,
}

impl<'t> Walk<'t> {
    /// A walk from the root of `tree`.
    pub fn new(tree: &'t Tree) -> Walk<'t> {
        Walk {
            cursor: tree.walk(),
            done: false,
        }
    }
}

impl<'t> Iterator for Walk<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        if self.done {
            return None;
        }
        let node = self.cursor.node();
        if !self.cursor.goto_first_child() {
            loop {
                if self.cursor.goto_next_sibling() {
                    break;
                }
                if !self.cursor.goto_parent() {
                    self.done = true;
                    break;
                }
            }
        }
        Some(node)
    }
}
