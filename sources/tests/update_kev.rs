//! `db update` keeps CISA's KEV catalog beside the advisories, from a
//! configurable URL (here a loopback server): it switches with them in the
//! same rename, is carried over when not asked for, and a bad or missing
//! catalog fails the whole update, leaving the previous version in force.

mod support;

use analyzer::kev::{Catalog, CatalogOrigin, CACHE_FILE};
use lambda_audit_sources::update::{self, KevUpdate, Request, Silent, UpdateError, UpdateReport};
use support::{Bucket, Cache};
use testkit::aws::Canned;

const KEV_PATH: &str = "/feeds/known_exploited_vulnerabilities.json";

/// A catalog in CISA's layout with `cves`.
fn catalog(version: &str, cves: &[&str]) -> Vec<u8> {
    let entries: Vec<String> = cves
        .iter()
        .map(|c| {
            format!(
                r#"{{"cveID":"{c}","vendorProject":"v","product":"p","vulnerabilityName":"n","dateAdded":"2025-01-02","shortDescription":"","requiredAction":"","dueDate":"2025-01-23","knownRansomwareCampaignUse":"Unknown","notes":"","cwes":[]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"title":"t","catalogVersion":"{version}","dateReleased":"2025-01-02T00:00:00.000Z","count":{},"vulnerabilities":[{}]}}"#,
        cves.len(),
        entries.join(",")
    )
    .into_bytes()
}

fn run(cache: &Cache, bucket: &Bucket, kev: Option<&str>) -> Result<UpdateReport, UpdateError> {
    let url = kev.map(|path| format!("{}{path}", bucket.base()));
    let request = Request {
        base_url: bucket.base(),
        ecosystems: &[],
        full: false,
        max_changed: update::MAX_CHANGED_RECORDS,
        kev_url: url.as_deref(),
    };
    let http = update::client().unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(update::update(&http, &request, &cache.root(), &Silent))
}

/// The catalog of the database version in force.
fn cached(cache: &Cache) -> Option<Catalog> {
    let file = cache.locations().cache_current()?.join(CACHE_FILE);
    let bytes = std::fs::read(&file).ok()?;
    Some(Catalog::parse("cache", CatalogOrigin::Cache, &bytes).unwrap())
}

#[test]
fn the_catalog_switches_with_the_advisories_or_not_at_all() {
    let bucket = Bucket::new();
    bucket.publish_all("2024-01-01T00:00:00Z");
    let cache = Cache::new();
    bucket.fault(
        KEV_PATH,
        Canned::ok(catalog("2025.01.01", &["CVE-2021-44228"])),
    );
    let first = run(&cache, &bucket, Some(KEV_PATH)).unwrap();
    assert_eq!(
        first.kev,
        KevUpdate::Fetched {
            version: "2025.01.01".into(),
            entries: 1
        }
    );
    let c = cached(&cache).expect("the version holds the catalog");
    assert!(c.get("CVE-2021-44228").is_some());
    // The advisory loader never reads the hidden catalog as a record.
    assert!(
        cache.database().warnings().is_empty(),
        "{:?}",
        cache.database().warnings()
    );

    // Not asked for: the previous copy is kept in the new version.
    let second = run(&cache, &bucket, None).unwrap();
    assert_eq!(second.kev, KevUpdate::CarriedOver);
    assert_ne!(second.dir, first.dir);
    assert!(cached(&cache).unwrap().get("CVE-2021-44228").is_some());

    // A newer catalog arrives with the next update.
    bucket.fault(
        KEV_PATH,
        Canned::ok(catalog("2025.02.01", &["CVE-2021-44228", "CVE-2021-45046"])),
    );
    run(&cache, &bucket, Some(KEV_PATH)).unwrap();
    assert_eq!(cached(&cache).unwrap().len(), 2);
}

#[test]
fn a_bad_catalog_fails_the_update_and_keeps_the_previous_version() {
    let bucket = Bucket::new();
    bucket.publish_all("2024-01-01T00:00:00Z");
    let cache = Cache::new();
    bucket.fault(
        KEV_PATH,
        Canned::ok(catalog("2025.01.01", &["CVE-2021-44228"])),
    );
    run(&cache, &bucket, Some(KEV_PATH)).unwrap();
    let (pointer, files) = (cache.pointer(), cache.files());

    for (answer, expect, next) in [
        (
            Canned::ok(b"<html>captive portal</html>".to_vec()),
            "is not a KEV catalog",
            "--kev-url",
        ),
        (
            Canned::status(404),
            "downloading the KEV catalog",
            "--kev-url",
        ),
    ] {
        bucket.fault(KEV_PATH, answer);
        let err = run(&cache, &bucket, Some(KEV_PATH)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expect), "{expect:?} not in: {text}");
        assert!(text.contains(KEV_PATH), "the URL is named: {text}");
        assert!(err.next_step().contains(next), "{}", err.next_step());
        assert_eq!(cache.pointer(), pointer, "the pointer is unchanged");
        assert_eq!(cache.files(), files, "nothing added or left behind");
        assert_eq!(cached(&cache).unwrap().version, "2025.01.01");
    }
}
