//! The function's `Handler` setting → the module the runtime loads first.

use super::tree::SourceTree;
use super::Language;

/// Where the runtime finds the handler module: Node.js reads it from the task
/// root; Python imports it through its search path, task root first.
pub(super) fn entry_file(
    handler: &str,
    language: Language,
    python_path: &[String],
    tree: &dyn SourceTree,
) -> Result<String, String> {
    let module = module_part(handler)?;
    let candidates: Vec<String> = match language {
        Language::Node => [".js", ".mjs", ".cjs"]
            .iter()
            .map(|ext| format!("{}/{module}{ext}", super::TASK_ROOT))
            .collect(),
        Language::Python => {
            let dotted = module.replace('/', ".");
            let rel = dotted.replace('.', "/");
            python_path
                .iter()
                .flat_map(|dir| {
                    [
                        format!("{dir}/{rel}.py"),
                        format!("{dir}/{rel}/__init__.py"),
                    ]
                })
                .collect()
        }
    };
    candidates
        .iter()
        .find(|c| tree.is_file(c))
        .cloned()
        .ok_or_else(|| {
            format!(
                "the handler `{handler}` names {}, which is not in the function",
                candidates.first().map(String::as_str).unwrap_or(module)
            )
        })
}

/// `dir/file.fn` → `dir/file`: everything before the last dot.
fn module_part(handler: &str) -> Result<&str, String> {
    let handler = handler.trim();
    match handler.rsplit_once('.') {
        Some((module, function))
            if !module.is_empty() && !function.is_empty() && !module.contains("..") =>
        {
            Ok(module.trim_start_matches("./"))
        }
        _ => Err(format!(
            "the handler `{handler}` is not `<module>.<function>` (e.g. `index.handler`)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_is_everything_before_the_last_dot() {
        assert_eq!(module_part("index.handler").unwrap(), "index");
        assert_eq!(
            module_part("src/handlers/app.main").unwrap(),
            "src/handlers/app"
        );
        assert_eq!(module_part("pkg.mod.lambda_handler").unwrap(), "pkg.mod");
        assert!(module_part("handler").is_err());
        assert!(module_part(".handler").is_err());
        assert!(module_part("index.").is_err());
    }
}
