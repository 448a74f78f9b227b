//! Judging a scan of a hostile [`Case`]: not hung, not killed, under its
//! memory ceiling, and the outcome a correct scan gives. Shared by the
//! memory-ceiling test (which fails on a wrong judgement) and the hostile
//! bench (which prints it).

use super::cases::{Case, Expect};
use super::launch::{Scanned, ADDRESS_SPACE_BYTES};
use std::path::Path;

impl Case {
    /// Whether `scanned` (a scan of this case's `input`) is what a correct
    /// scan gives: not hung, not killed, under the ceiling, and the expected
    /// outcome. The error says what is wrong.
    pub fn judge(&self, input: &Path, scanned: &Scanned) -> Result<(), String> {
        let name = self.name;
        let measured = &scanned.measured;
        let stderr = &scanned.stderr;
        if measured.hung {
            return Err(format!(
                "{name}: still running after {:?} (hang)",
                self.hang
            ));
        }
        if measured.signal != 0 {
            return Err(format!(
                "{name}: killed by signal {} (out of memory under the {} GiB address-space \
                 limit?)\n{stderr}",
                measured.signal,
                ADDRESS_SPACE_BYTES >> 30,
            ));
        }
        if scanned.peak_mb() >= self.ceiling_mb {
            return Err(format!(
                "{name}: peak RSS {} MB, ceiling {} MB",
                scanned.peak_mb(),
                self.ceiling_mb
            ));
        }
        let exit = measured.exit;
        match self.expect {
            Expect::Refused(reasons) => {
                if exit != 2 {
                    return Err(format!("{name}: exit {exit}, not 2: {stderr}"));
                }
                match reasons.iter().find(|r| !stderr.contains(*r)) {
                    Some(reason) => Err(format!(
                        "{name}: exit 2 without saying {reason:?}: {stderr}"
                    )),
                    None => Ok(()),
                }
            }
            Expect::Found(expected) => {
                let file = input.file_name().unwrap_or_default().to_string_lossy();
                match exit {
                    2 if stderr.contains(file.as_ref()) => Ok(()),
                    2 => Err(format!("{name}: exit 2 without naming {file}: {stderr}")),
                    0 | 1 => {
                        let found = reported(scanned.report.as_ref())
                            .ok_or_else(|| format!("{name}: exit {exit} without a JSON report"))?;
                        match expected.iter().find(|p| !found.contains(p)) {
                            Some(package) => Err(format!("{name}: {package:?} not in {found:?}")),
                            None => Ok(()),
                        }
                    }
                    _ => Err(format!("{name}: exit {exit}: {stderr}")),
                }
            }
        }
    }
}

/// The (name, version) of every package of a JSON report.
fn reported(report: Option<&serde_json::Value>) -> Option<Vec<(&str, &str)>> {
    report?["packages"]
        .as_array()?
        .iter()
        .map(|p| Some((p["name"].as_str()?, p["version"].as_str()?)))
        .collect()
}
