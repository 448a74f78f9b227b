//! Packages compiled into JavaScript bundles (esbuild, webpack, rollup...),
//! which ship no `node_modules`. Each bundle is read with the evidence around
//! it, strongest first:
//!
//! 1. a build record next to it: esbuild's metafile or webpack's stats
//!    ([`build_record`]);
//! 2. its source map: an inline `data:` map, the file `sourceMappingURL`
//!    names, or `<bundle>.map` ([`source_map`]); `sources` under
//!    `node_modules/<pkg>/` name the packages, `sourcesContent` may carry
//!    their versions ([`remnants`]);
//! 3. the code itself: module paths kept as region comments or webpack
//!    module ids ([`module_ids`]), inlined `package.json` objects
//!    ([`manifests`]), license and banner comments ([`comments`], also in
//!    webpack's `<bundle>.LICENSE.txt`).
//!
//! Versions come from the project the bundle was built in when the artifact
//! holds it ([`project`]: lockfile, installed manifests), from a pnpm store
//! path, or from what the bundle carries. [`evidence`] adds it up; a package
//! with no version evidence is listed in coverage, never guessed.

mod build_record;
mod comments;
mod evidence;
mod manifests;
mod module_ids;
mod module_path;
mod project;
mod remnants;
mod sibling;
mod source_map;

use crate::archive::{ArchiveTree, FileEntry};
use crate::extract::{ExtractError, Extracted, Extractor};
use crate::package::{BundleSource, BundleVersionSource};
use evidence::{Evidence, Naming, VersionClue};

/// Reads JavaScript bundles and the evidence beside them.
#[derive(Clone, Copy, Debug, Default)]
pub struct BundleExtractor;

/// Folders whose JavaScript belongs to something else than the function's
/// code: installed npm packages (read from their manifests), Python
/// packages' assets, jar resources (webjars).
const NOT_BUNDLES: [&str; 4] = ["node_modules", "site-packages", "dist-packages", "META-INF"];

/// Is `file` JavaScript the function (or a layer) ships as its own code?
fn is_candidate(file: &FileEntry) -> bool {
    let name = file.file_name();
    let javascript = [".js", ".mjs", ".cjs"].iter().any(|e| name.ends_with(e));
    let in_jar = [".jar!/", ".war!/", ".ear!/"]
        .iter()
        .any(|j| file.path.contains(j));
    javascript && !in_jar && !file.path.split('/').any(|s| NOT_BUNDLES.contains(&s))
}

/// What the build records in the bundle's folder say about it.
fn build_records(bundle: &str, tree: &ArchiveTree) -> Evidence {
    let mut evidence = Evidence::default();
    for record in sibling::files_in(tree, sibling::dir_of(bundle)) {
        if !build_record::is_record_name(record.file_name()) {
            continue;
        }
        match sibling::read(tree, &record.path) {
            Ok(bytes) => {
                if let Some(found) = build_record::read(bundle, &record.path, &bytes) {
                    evidence.append(found);
                }
            }
            Err(gap) => evidence.incomplete.push(gap),
        }
    }
    evidence
}

/// Packages whose `package.json` the bundle's code inlines.
fn inlined_manifests(bytes: &[u8], bundle: &str) -> Evidence {
    let mut evidence = Evidence::default();
    for (name, version) in manifests::inlined(bytes) {
        evidence.names.push(Naming {
            name: name.clone(),
            module_path: None,
            by: BundleSource::InlinedManifest,
            file: bundle.to_string(),
        });
        evidence.versions.push(VersionClue {
            name,
            module_path: None,
            version,
            from: BundleVersionSource::BundledManifest,
            file: bundle.to_string(),
        });
    }
    evidence
}

/// Everything known about the bundle at `path` (its bytes), before it is
/// added up.
fn gather(path: &str, bytes: &[u8], tree: &ArchiveTree) -> Evidence {
    let mut evidence = build_records(path, tree);
    evidence.append(source_map::read(path, bytes, tree));
    evidence.append(module_ids::read(bytes, path));
    evidence.append(inlined_manifests(bytes, path));
    evidence.append(comments::read(bytes, path));
    let extracted_licenses = format!("{path}.LICENSE.txt");
    if tree.get(&extracted_licenses).is_some() {
        match sibling::read(tree, &extracted_licenses) {
            Ok(text) => evidence.append(comments::read(&text, &extracted_licenses)),
            Err(gap) => evidence.incomplete.push(gap),
        }
    }
    if !evidence.names.is_empty() {
        let clues = project::versions(path, &evidence.names, tree, &mut evidence.incomplete);
        evidence.versions.extend(clues);
    }
    evidence
}

impl Extractor for BundleExtractor {
    fn name(&self) -> &'static str {
        "npm-bundle"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        is_candidate(file)
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        Ok(evidence::assemble(
            &file.path,
            gather(&file.path, bytes, tree),
        ))
    }
}
