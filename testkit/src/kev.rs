//! KEV catalogs for tests, in CISA's layout.

/// A catalog listing `cves`, each added 2025-03-04 (due 2025-03-25) with
/// `ransomware` as its `knownRansomwareCampaignUse` (`Known` or `Unknown`).
pub fn catalog(cves: &[&str], ransomware: &str) -> String {
    let entries: Vec<serde_json::Value> = cves
        .iter()
        .map(|cve| {
            serde_json::json!({
                "cveID": cve, "vendorProject": "v", "product": "p", "vulnerabilityName": "n",
                "dateAdded": "2025-03-04", "dueDate": "2025-03-25",
                "knownRansomwareCampaignUse": ransomware,
            })
        })
        .collect();
    serde_json::json!({
        "title": "test", "catalogVersion": "2025.03.04", "dateReleased": "2025-03-04T00:00:00.000Z",
        "count": entries.len(), "vulnerabilities": entries,
    })
    .to_string()
}
