//! Blast radius: per layer version, its open findings, the functions that
//! use it, and what publishing a fixed version would close.

use crate::finding_store::LayerUse;
use crate::model::{FindingStatus, StoredFinding, SubjectKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One layer version and what depends on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerImpact {
    pub layer: String,
    /// Function versions that use the layer version.
    pub functions: Vec<String>,
    /// Open (ACTIVE or SUPPRESSED) findings whose package comes from the layer.
    pub findings: Vec<StoredFinding>,
    /// What a fixed layer version would close.
    pub closes: Closes,
}

/// ACTIVE findings from the layer in functions (deployed, or local archives
/// scanned with the layer), and how many functions have them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Closes {
    pub findings: usize,
    pub functions: usize,
}

impl std::fmt::Display for Closes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "1 layer bump closes {} across {}",
            plural(self.findings, "finding", "findings"),
            plural(self.functions, "function", "functions")
        )
    }
}

/// The layers named by `uses` or by a finding's origin, most impact first
/// (then by ARN). `findings` may hold any statuses: closed ones are ignored.
pub fn by_layer(findings: &[StoredFinding], uses: &[LayerUse]) -> Vec<LayerImpact> {
    let mut layers: BTreeMap<&str, (BTreeSet<&str>, Vec<&StoredFinding>)> = BTreeMap::new();
    for u in uses {
        layers
            .entry(u.layer.as_str())
            .or_default()
            .0
            .insert(u.function.as_str());
    }
    for f in findings
        .iter()
        .filter(|f| f.status != FindingStatus::Closed)
    {
        if let Some(layer) = &f.layer {
            layers.entry(layer.as_str()).or_default().1.push(f);
        }
    }
    let mut impacts: Vec<LayerImpact> = layers
        .into_iter()
        .map(|(layer, (functions, found))| {
            let in_functions: Vec<&&StoredFinding> = found
                .iter()
                .filter(|f| {
                    f.status == FindingStatus::Active
                        && SubjectKind::of_key(&f.subject) != SubjectKind::Layer
                })
                .collect();
            let affected: BTreeSet<&str> =
                in_functions.iter().map(|f| f.subject.as_str()).collect();
            LayerImpact {
                layer: layer.to_string(),
                functions: functions.into_iter().map(str::to_string).collect(),
                closes: Closes {
                    findings: in_functions.len(),
                    functions: affected.len(),
                },
                findings: found.into_iter().cloned().collect(),
            }
        })
        .collect();
    impacts.sort_by(|a, b| {
        (b.closes.findings, b.closes.functions, &a.layer).cmp(&(
            a.closes.findings,
            a.closes.functions,
            &b.layer,
        ))
    });
    impacts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence() {
        let c = Closes {
            findings: 14,
            functions: 9,
        };
        assert_eq!(
            c.to_string(),
            "1 layer bump closes 14 findings across 9 functions"
        );
        let one = Closes {
            findings: 1,
            functions: 1,
        };
        assert_eq!(
            one.to_string(),
            "1 layer bump closes 1 finding across 1 function"
        );
    }
}
