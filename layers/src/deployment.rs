//! A function and its layers, and the inventory of what Lambda would see.

use crate::layout::{Artifact, ArtifactRole};
use crate::runtime::{self, Runtime, RuntimeView};
use analyzer::extract::{self, Extractor};
use analyzer::inventory::{self, ArtifactInfo, Coverage, Inventory, JarRecord, Sighting};
use rayon::prelude::*;
use std::collections::HashMap;

/// A function's code and its layers, in the order Lambda merges them.
#[derive(Debug, Default)]
pub struct Deployment {
    pub function: Option<Artifact>,
    pub layers: Vec<Artifact>,
    /// The runtime, as configured or given; inferred from the layout when absent.
    pub runtime: Option<Runtime>,
    /// The function's `Handler` setting, when known: the inventory then says
    /// which packages the handler imports.
    pub handler: Option<String>,
}

impl Deployment {
    /// Every artifact, function first, then layers in merge order.
    pub fn artifacts(&self) -> impl Iterator<Item = &Artifact> {
        self.function.iter().chain(self.layers.iter())
    }

    /// The runtime given, or the one the layout suggests.
    pub fn effective_runtime(&self) -> Option<RuntimeView> {
        match self.runtime {
            Some(runtime) => Some(RuntimeView {
                runtime,
                explicit: true,
            }),
            None => {
                runtime::infer(self.function.as_ref(), &self.layers).map(|runtime| RuntimeView {
                    runtime,
                    explicit: false,
                })
            }
        }
    }

    /// Lists every package in the function and its layers, with the evidence for
    /// it and whether the runtime would load it.
    pub fn inventory(&self, extractors: &[Box<dyn Extractor>]) -> Inventory {
        self.inventory_with(extractors, &|_| None)
    }

    /// [`Deployment::inventory`], taking an artifact's scan from `scanned` when it
    /// has one (a layer version scanned once and shared by many functions).
    pub fn inventory_with(
        &self,
        extractors: &[Box<dyn Extractor>],
        scanned: &(dyn Fn(&Artifact) -> Option<extract::ArtifactScan> + Sync),
    ) -> Inventory {
        let artifacts: Vec<&Artifact> = self.artifacts().collect();
        let scans: Vec<_> = artifacts
            .par_iter()
            .map(|a| scanned(a).unwrap_or_else(|| extract::scan_tree(&a.tree, extractors)))
            .collect();
        let sources: Vec<_> = scans.iter().map(|s| s.sources.clone()).collect();
        let overwritten = self.overwritten_layer_files();
        let runtime = self.effective_runtime();

        let mut inv = Inventory::default();
        let mut sightings = Vec::new();
        for (artifact, scan) in artifacts.iter().zip(scans) {
            let name = artifact.tree.name.clone();
            inv.artifacts.push(ArtifactInfo {
                name: name.clone(),
                role: artifact.role.kind(),
                layer_index: match artifact.role {
                    ArtifactRole::Layer(n) => Some(n),
                    _ => None,
                },
                mount: artifact.role.mount().map(str::to_string),
                size_bytes: artifact.tree.size_bytes,
                files: artifact.tree.files.len(),
                jars: artifact
                    .tree
                    .jars
                    .iter()
                    .map(|j| JarRecord {
                        path: j.path.clone(),
                        sha1: j.sha1.clone(),
                    })
                    .collect(),
            });
            let dependencies = scan
                .packages
                .iter()
                .filter(|f| f.role == analyzer::Role::Dependency)
                .count();
            inv.coverage.push(Coverage {
                artifact: name.clone(),
                packages: dependencies,
                read: scan.read,
                skipped: scan.skipped,
                incomplete: scan.incomplete,
            });
            inv.warnings.extend(scan.warnings);
            for found in scan.packages {
                let lambda_path = artifact.lambda_path(&found.path);
                let mut s = Sighting {
                    artifact: name.clone(),
                    lambda_path,
                    loaded: true,
                    reason: None,
                    found,
                };
                if let ArtifactRole::Layer(n) = artifact.role {
                    let top = top_level(&s.found.path);
                    if let Some(&winner) = overwritten.get(top) {
                        if winner > n {
                            s.loaded = false;
                            s.reason = Some(format!(
                                "overwritten in /opt by layer {winner}, which has the same file"
                            ));
                        }
                    }
                }
                sightings.push(s);
            }
        }
        if let Some(rt) = runtime {
            runtime::mark_unloaded(rt, self.artifacts(), &mut sightings);
        }
        let (packages, roots) = inventory::merge(sightings);
        inv.packages = packages;
        inv.roots = roots;
        inv.warnings.sort();
        inv.warnings.dedup();
        if let Some(handler) = &self.handler {
            let report = self.reachability_with(handler, &inv.packages, &sources);
            inv.reachability.push(report);
        }
        inv
    }

    /// For each top-level file path present in several layers, the last layer
    /// that has it (its copy is the one in /opt).
    fn overwritten_layer_files(&self) -> HashMap<&str, usize> {
        let mut last: HashMap<&str, usize> = HashMap::new();
        for layer in &self.layers {
            if let ArtifactRole::Layer(n) = layer.role {
                for f in &layer.tree.files {
                    last.insert(top_level(&f.path), n);
                }
            }
        }
        last
    }
}

/// The part of a path that exists in the filesystem (before any `!/`).
fn top_level(path: &str) -> &str {
    path.split(analyzer::archive::NESTED_SEPARATOR)
        .next()
        .unwrap_or(path)
}
