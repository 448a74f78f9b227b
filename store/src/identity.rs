//! Stable identities: of a finding (so that a rescan, a reopen and Security
//! Hub all name the same one) and of each transition's event (so that a
//! consumer can drop a re-published duplicate).

use analyzer::findings::Finding;
use analyzer::report::asff;
use sha2::{Digest, Sha256};

/// Hex digits kept of a SHA-256 (128 bits).
const ID_HEX_DIGITS: usize = 32;

fn digest(text: &str) -> String {
    let mut hex = hex::encode(Sha256::digest(text.as_bytes()));
    hex.truncate(ID_HEX_DIGITS);
    hex
}

/// The id of finding `f` of subject `subject`: a digest of the ASFF `Id`
/// (`<subject>/<advisory>/<purl>`, see [`asff::finding_id`]), so the store
/// and Security Hub share one notion of "the same finding": same subject,
/// same advisory, same package (ecosystem, name, version).
pub fn finding_id(subject: &str, f: &Finding) -> String {
    digest(&asff::finding_id(subject, f))
}

/// The event id of the transition that gave finding `finding_id` its
/// `revision`: the same transition always has the same id.
pub fn event_id(finding_id: &str, revision: u32) -> String {
    digest(&format!("{finding_id}#{revision}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(event_id("a", 1), event_id("a", 1));
        assert_ne!(event_id("a", 1), event_id("a", 2));
        assert_ne!(event_id("a", 1), event_id("b", 1));
        assert_eq!(event_id("a", 1).len(), ID_HEX_DIGITS);
    }
}
