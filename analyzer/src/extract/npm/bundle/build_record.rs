//! Build records next to a bundle: esbuild's metafile (`meta.json`, as CDK's
//! `NodejsFunction` leaves it) and webpack's stats (`stats.json`). Each lists
//! every module that went into each output; the bundle's own output is the
//! one whose file name it has.

use super::evidence::{Evidence, Naming};
use super::module_path::package_of;
use crate::package::BundleSource;
use serde::Deserialize;
use std::collections::BTreeMap;

/// webpack modules nested (concatenated) deeper than this are not followed.
const MAX_STATS_DEPTH: usize = 16;

/// Does the file name look like a build record (`index.meta.json`,
/// `meta.json`, `metafile.json`, `stats.json`, `webpack-stats.json`)?
pub(super) fn is_record_name(file_name: &str) -> bool {
    file_name.ends_with(".json") && (file_name.contains("meta") || file_name.contains("stats"))
}

#[derive(Deserialize)]
struct Metafile {
    outputs: BTreeMap<String, MetaOutput>,
}

#[derive(Deserialize)]
struct MetaOutput {
    #[serde(default)]
    inputs: BTreeMap<String, MetaInput>,
}

#[derive(Deserialize)]
struct MetaInput {
    #[serde(rename = "bytesInOutput")]
    bytes_in_output: Option<u64>,
}

#[derive(Deserialize)]
struct Stats {
    #[serde(default)]
    modules: Vec<StatsModule>,
    #[serde(default)]
    chunks: Vec<StatsChunk>,
    #[serde(default)]
    children: Vec<Stats>,
}

#[derive(Deserialize)]
struct StatsChunk {
    id: serde_json::Value,
    #[serde(default)]
    files: Vec<String>,
}

#[derive(Deserialize)]
struct StatsModule {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "nameForCondition")]
    name_for_condition: Option<String>,
    #[serde(default)]
    chunks: Vec<serde_json::Value>,
    #[serde(default)]
    modules: Vec<StatsModule>,
}

/// The last path component.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// How many trailing path components `a` and `b` share.
fn common_suffix(a: &str, b: &str) -> usize {
    a.rsplit('/')
        .zip(b.rsplit('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// What the record `record` (its bytes) says about the bundle at `bundle`;
/// `None` when it is not a metafile or stats, or does not describe the bundle.
pub(super) fn read(bundle: &str, record: &str, bytes: &[u8]) -> Option<Evidence> {
    if let Ok(meta) = serde_json::from_slice::<Metafile>(bytes) {
        return from_metafile(bundle, record, meta);
    }
    let stats = serde_json::from_slice::<Stats>(bytes).ok()?;
    from_stats(bundle, record, &stats)
}

fn from_metafile(bundle: &str, record: &str, meta: Metafile) -> Option<Evidence> {
    let output = meta
        .outputs
        .iter()
        .filter(|(path, _)| file_name(path) == file_name(bundle))
        .max_by_key(|(path, _)| common_suffix(path, bundle))?
        .1;
    let mut evidence = Evidence::default();
    for (input, detail) in &output.inputs {
        // esbuild lists tree-shaken files with 0 bytes: not in the bundle.
        if detail.bytes_in_output == Some(0) {
            continue;
        }
        if let Some(copy) = package_of(input) {
            evidence
                .names
                .push(Naming::of_copy(&copy, BundleSource::Metafile, record));
            evidence.store_version(&copy, record);
        }
    }
    Some(evidence)
}

fn from_stats(bundle: &str, record: &str, stats: &Stats) -> Option<Evidence> {
    let mut evidence = Evidence::default();
    let mut described = false;
    collect_stats(bundle, record, stats, 0, &mut evidence, &mut described);
    described.then_some(evidence)
}

/// Modules of one compilation (and its child compilations) that belong to
/// the bundle's chunks.
fn collect_stats(
    bundle: &str,
    record: &str,
    stats: &Stats,
    depth: usize,
    evidence: &mut Evidence,
    described: &mut bool,
) {
    let chunk_ids: Vec<&serde_json::Value> = stats
        .chunks
        .iter()
        .filter(|c| c.files.iter().any(|f| file_name(f) == file_name(bundle)))
        .map(|c| &c.id)
        .collect();
    // Stats without chunk data describe one output: take every module.
    let all = stats.chunks.is_empty() && !stats.modules.is_empty();
    if all || !chunk_ids.is_empty() {
        *described = true;
        for module in &stats.modules {
            if all || module.chunks.iter().any(|c| chunk_ids.contains(&c)) {
                module_names(module, record, 0, evidence);
            }
        }
    }
    if depth < MAX_STATS_DEPTH {
        for child in &stats.children {
            collect_stats(bundle, record, child, depth + 1, evidence, described);
        }
    }
}

/// A module's package, and those of the modules concatenated into it.
fn module_names(module: &StatsModule, record: &str, depth: usize, evidence: &mut Evidence) {
    let path = module
        .name_for_condition
        .as_deref()
        .or(module.name.as_deref())
        .map(|p| p.split(" + ").next().unwrap_or(p));
    if let Some(copy) = path.and_then(package_of) {
        evidence
            .names
            .push(Naming::of_copy(&copy, BundleSource::WebpackStats, record));
        evidence.store_version(&copy, record);
    }
    if depth < MAX_STATS_DEPTH {
        for inner in &module.modules {
            module_names(inner, record, depth + 1, evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(e: &Evidence) -> Vec<&str> {
        let mut n: Vec<&str> = e.names.iter().map(|n| n.name.as_str()).collect();
        n.sort();
        n.dedup();
        n
    }

    #[test]
    fn metafile_output_of_the_bundle() {
        let meta = br#"{"inputs":{},"outputs":{
            "dist/index.js":{"inputs":{"node_modules/ms/index.js":{"bytesInOutput":10},
                "node_modules/unused/x.js":{"bytesInOutput":0},"src/h.ts":{"bytesInOutput":5}}},
            "dist/other.js":{"inputs":{"node_modules/qs/lib/index.js":{"bytesInOutput":10}}},
            "dist/index.js.map":{"inputs":{}}}}"#;
        let e = read("index.js", "index.meta.json", meta).unwrap();
        assert_eq!(names(&e), ["ms"]);
        assert!(read("nothere.js", "m.json", meta).is_none());
    }

    #[test]
    fn webpack_stats_by_chunk_with_nested_modules() {
        let stats = br#"{"chunks":[{"id":0,"files":["main.js"]},{"id":"x","files":["other.js"]}],
            "modules":[
              {"name":"./node_modules/yaml/dist/index.js + 3 modules","chunks":[0],
               "modules":[{"name":"./node_modules/yaml/dist/a.js"},{"name":"./node_modules/@s/b/x.js"}]},
              {"name":"./node_modules/qs/lib/index.js","chunks":["x"]},
              {"name":"./src/index.js","chunks":[0]}]}"#;
        let e = read("dist/main.js", "stats.json", stats).unwrap();
        assert_eq!(names(&e), ["@s/b", "yaml"]);
        assert!(read("dist/none.js", "stats.json", stats).is_none());
        let flat = br#"{"modules":[{"name":"./node_modules/ms/index.js"}]}"#;
        assert_eq!(names(&read("a.js", "stats.json", flat).unwrap()), ["ms"]);
        assert!(read("a.js", "stats.json", b"{\"name\":1}").is_none());
    }
}
