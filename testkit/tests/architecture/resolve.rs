//! Which module a written path refers to: `crate::`, `super::` and `self::`
//! paths (and paths through a child module) are followed through the module
//! tree, and through `use` declarations (re-exports) to where the item lives.

use crate::tree::{ModPath, Tree};

/// How many `use` hops a path is followed through (re-exports are shallow).
const MAX_HOPS: usize = 8;

impl Tree {
    /// The module `segments`, written in module `from`, refers to; `None` for
    /// paths that leave the crate or name a local binding.
    pub fn resolve(&self, from: &[String], segments: &[String]) -> Option<ModPath> {
        self.resolve_hops(from, segments, 0)
    }

    fn resolve_hops(&self, from: &[String], segments: &[String], hops: usize) -> Option<ModPath> {
        let Some((mut module, rest)) = self.anchor(from, segments) else {
            // A name `from` imports (`use crate::report; report::render(..)`).
            let (first, tail) = segments.split_first()?;
            return (hops < MAX_HOPS)
                .then(|| self.through_imports(from, first, tail, hops))
                .flatten();
        };
        let mut rest = rest.iter();
        let mut next = rest.next();
        while let Some(name) = next {
            let mut child = module.clone();
            child.push(name.clone());
            if !self.is_module(&child) {
                break;
            }
            module = child;
            next = rest.next();
        }
        // An item name: where the module defines it, or where its `use` gets it.
        let Some(name) = next else {
            return Some(module);
        };
        if hops >= MAX_HOPS || self.modules[&module].defines.contains(name) {
            return Some(module);
        }
        let tail: Vec<String> = rest.cloned().collect();
        self.through_imports(&module, name, &tail, hops)
            .or(Some(module))
    }

    /// Follows `name` through the imports of `module` (named first, then globs).
    fn through_imports(
        &self,
        module: &[String],
        name: &str,
        tail: &[String],
        hops: usize,
    ) -> Option<ModPath> {
        let imports = &self.modules[module].imports;
        if let Some(named) = imports.iter().find(|i| i.name.as_deref() == Some(name)) {
            let mut path = named.target.clone();
            path.extend_from_slice(tail);
            return self.resolve_hops(module, &path, hops + 1);
        }
        imports
            .iter()
            .filter(|i| i.name.is_none())
            .find_map(|glob| {
                let source = self.resolve_hops(module, &glob.target, hops + 1)?;
                let found = &self.modules[&source];
                let provides = found.defines.contains(name)
                    || found
                        .imports
                        .iter()
                        .any(|i| i.name.as_deref() == Some(name));
                provides.then(|| {
                    let mut path = glob.target.clone();
                    path.push(name.to_string());
                    path.extend_from_slice(tail);
                    self.resolve_hops(module, &path, hops + 1)
                })?
            })
    }

    /// The module a path starts from, and the segments after that start.
    fn anchor<'a>(
        &self,
        from: &[String],
        segments: &'a [String],
    ) -> Option<(ModPath, &'a [String])> {
        let first = segments.first()?;
        match first.as_str() {
            "crate" => Some((Vec::new(), &segments[1..])),
            "self" => Some((from.to_vec(), &segments[1..])),
            "super" => {
                let mut module = from.to_vec();
                let mut rest = segments;
                while rest.first().is_some_and(|s| s == "super") {
                    module.pop()?;
                    rest = &rest[1..];
                }
                Some((module, rest))
            }
            // A path through a child module of `from`; anything else is an
            // extern crate, or a name brought in by a `use` (which is itself
            // followed where it is written).
            _ => {
                let mut child = from.to_vec();
                child.push(first.clone());
                self.is_module(&child).then(|| (from.to_vec(), segments))
            }
        }
    }
}
