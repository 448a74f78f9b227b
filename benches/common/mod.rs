//! What the benches share: a synthetic inventory over a database.

use analyzer::advisories::Database;
use analyzer::inventory::{merge, Inventory, Sighting};
use analyzer::{Ecosystem, EvidenceKind, Found};

/// A 2,000-package inventory with `named` packages the database has records
/// for (at versions spread over their history) and the rest unknown to it.
pub fn mixed_inventory(db: &Database, named: usize) -> Inventory {
    let names: Vec<(Ecosystem, String)> = db.packages().map(|(e, n)| (e, n.to_string())).collect();
    let step = (names.len() / named.max(1)).max(1);
    let mut sightings: Vec<Sighting> = names
        .iter()
        .step_by(step)
        .take(named)
        .enumerate()
        .map(|(i, (eco, name))| {
            let version = match eco {
                Ecosystem::Maven => format!("{}.{}.{}", 1 + i % 5, i % 13, i % 7),
                _ => format!("{}.{}.{}", i % 4, i % 11, i % 9),
            };
            Sighting::plain(
                "bench",
                Found::new(*eco, name, version, "lock", EvidenceKind::Lockfile),
            )
        })
        .collect();
    for i in sightings.len()..2000 {
        let eco = Ecosystem::ALL[i % 4];
        let name = match eco {
            Ecosystem::Maven => format!("org.unlisted:artifact-{i}"),
            _ => format!("unlisted-package-{i}"),
        };
        sightings.push(Sighting::plain(
            "bench",
            Found::new(eco, name, "1.0.0", "lock", EvidenceKind::Lockfile),
        ));
    }
    let (packages, _) = merge(sightings);
    Inventory {
        packages,
        ..Inventory::default()
    }
}
