//! The checks (see the module above). Each takes a fresh, empty store.

use super::builders::*;
use analyzer::findings::Rating;
use analyzer::risk::Exposure;
use std::sync::Arc;
use store::{
    close_subject, codec, record, CloseReason, Commit, CommitOutcome, FindingFilter, FindingStatus,
    FindingStore, Recorded, Retention, ScanReason, ScanRecord, Subject, Transition,
};

/// A store shared by the threads of a check.
pub type Shared = Arc<dyn FindingStore>;

/// Scan of FUNCTION at day `at`: `minimist` at `version` (vulnerable at
/// 1.2.0) in the function, `handlebars` 4.7.6 (vulnerable) in the layer.
pub fn scan_a(store: &dyn FindingStore, at: i64, version: &str) -> Recorded {
    let r = report(
        &[
            (FUNCTION, "minimist", version),
            (LAYER, "handlebars", "4.7.6"),
        ],
        if version == "1.2.0" {
            &[(0, "GHSA-min"), (1, "GHSA-hb")]
        } else {
            &[(1, "GHSA-hb")]
        },
    );
    record(
        store,
        subject(FUNCTION, &[LAYER]),
        &r,
        None,
        ScanReason::Function,
        day(at),
    )
    .unwrap()
}

pub fn the_lifecycle_through_the_store(store: Shared) {
    let store = &*store;
    let first = scan_a(store, 0, "1.2.0");
    assert_eq!((first.changes.len(), first.active), (2, 2));
    let all = store.findings(&FindingFilter::default()).unwrap();
    let hb = all.iter().find(|f| f.finding.id == "GHSA-hb").unwrap();
    assert_eq!(hb.layer.as_deref(), Some(LAYER));
    let min = all.iter().find(|f| f.finding.id == "GHSA-min").unwrap();
    assert_eq!(min.layer, None);

    // The same scan later: nothing changes, lastObservedAt moves on.
    assert!(scan_a(store, 1, "1.2.0").changes.is_empty());
    let again = store.findings(&FindingFilter::default()).unwrap();
    assert!(again
        .iter()
        .all(|f| f.last_observed_at == day(1) && f.updated_at == day(0)));

    // minimist upgraded: its finding closes with the reason; the other stays.
    let upgraded = scan_a(store, 2, "1.2.6");
    assert_eq!(upgraded.changes.len(), 1);
    let closed = store
        .findings(&FindingFilter {
            status: Some(FindingStatus::Closed),
            ..FindingFilter::default()
        })
        .unwrap();
    assert_eq!(closed.len(), 1);
    let c = &closed[0];
    assert_eq!(
        (c.close_reason, c.closed_at, c.last_observed_at),
        (Some(CloseReason::PackageUpgraded), Some(day(2)), day(1))
    );
    let json = serde_json::to_value(c).unwrap();
    assert_eq!(json["closeReason"], "package_upgraded");
    assert_eq!(json["status"], "CLOSED");

    // Downgraded again: reopened, same id, history kept.
    scan_a(store, 3, "1.2.0");
    let steps: Vec<_> = store
        .history(&c.id)
        .unwrap()
        .iter()
        .map(|h| (h.revision, h.transition, h.at))
        .collect();
    assert_eq!(
        steps,
        [
            (1, Transition::New, day(0)),
            (2, Transition::Closed, day(2)),
            (3, Transition::Reopened, day(3)),
        ]
    );
    assert_consistent(store);

    // Scan history and the stored inventory.
    let scans = store.scans(FUNCTION).unwrap();
    assert_eq!(
        scans.iter().map(|s| s.active).collect::<Vec<_>>(),
        [2, 2, 1, 2]
    );
    let (_, bytes) = store.inventories(&[FUNCTION.into()]).unwrap().remove(0);
    assert_eq!(codec::decode(&bytes).unwrap().packages.len(), 2);
    let (_, list) = store.package_lists(&[FUNCTION.into()]).unwrap().remove(0);
    assert_eq!(
        list,
        store::package_list::encode(&codec::decode(&bytes).unwrap().packages)
    );
    assert_eq!(store.layer_uses().unwrap()[0].layer, LAYER);
    let record = store.subject(FUNCTION).unwrap().unwrap();
    assert_eq!((record.revision, record.active), (4, 2));
    assert_eq!(record.first_scanned_at, day(0));
    assert_eq!(record.subject.layers, [LAYER]);
}

pub fn the_outbox_holds_every_transition_until_marked_sent(store: Shared) {
    let store = &*store;
    scan_a(store, 0, "1.2.0");
    scan_a(store, 1, "1.2.6");
    let pending = store.pending_events(100).unwrap();
    let kinds: Vec<_> = pending.iter().map(|e| e.transition).collect();
    assert_eq!(kinds[2], Transition::Closed);
    assert_eq!(&kinds[..2], [Transition::New, Transition::New]);
    // Ids are deterministic: the transition that gave revision r has event_id(id, r).
    for e in &pending {
        let revision = if e.transition == Transition::Closed {
            2
        } else {
            1
        };
        assert_eq!(
            e.event_id,
            store::identity::event_id(&e.finding_id, revision)
        );
    }
    // An event carries the status its transition gave.
    let new_of_closed = pending
        .iter()
        .find(|e| e.transition == Transition::New && e.finding_id == pending[2].finding_id)
        .unwrap();
    assert_eq!(new_of_closed.finding["status"], "ACTIVE");
    assert_eq!(pending[2].finding["status"], "CLOSED");
    store
        .mark_sent(&[pending[0].event_id.clone()], day(2))
        .unwrap();
    // Marking again, or an unknown id, changes nothing.
    store
        .mark_sent(&[pending[0].event_id.clone(), "unknown".into()], day(3))
        .unwrap();
    let left: Vec<_> = store
        .pending_events(100)
        .unwrap()
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        left,
        [pending[1].event_id.clone(), pending[2].event_id.clone()]
    );
    assert_eq!(store.pending_events(1).unwrap().len(), 1);
}

pub fn deleting_the_function_closes_its_findings_and_its_layer_use(store: Shared) {
    let store = &*store;
    scan_a(store, 0, "1.2.0");
    let closed = close_subject(
        store,
        FUNCTION,
        CloseReason::FunctionDeleted,
        ScanReason::Account,
        day(1),
    )
    .unwrap();
    assert_eq!(closed.changes.len(), 2);
    assert!(store
        .subject(FUNCTION)
        .unwrap()
        .unwrap()
        .deleted_at
        .is_some());
    assert!(store.layer_uses().unwrap().is_empty());
    assert!(store
        .findings(&FindingFilter::default())
        .unwrap()
        .iter()
        .all(|f| f.close_reason == Some(CloseReason::FunctionDeleted)));
    assert!(close_subject(
        store,
        "never-stored",
        CloseReason::FunctionDeleted,
        ScanReason::Account,
        day(1)
    )
    .unwrap()
    .changes
    .is_empty());
    // Scanned again (redeployed under the same version ARN): no longer deleted.
    scan_a(store, 2, "1.2.0");
    assert!(store
        .subject(FUNCTION)
        .unwrap()
        .unwrap()
        .deleted_at
        .is_none());
    assert_consistent(store);
}

pub fn closed_findings_are_pruned_after_the_retention_with_their_history(store: Shared) {
    let store = &*store;
    scan_a(store, 0, "1.2.0");
    scan_a(store, 10, "1.2.6");
    let events = store.pending_events(100).unwrap();
    let closed_id = events[2].finding_id.clone();
    let retention = Retention::default();
    assert_eq!(
        store.prune(retention.cutoff(day(10 + 90))).unwrap(),
        0,
        "kept for 90 days"
    );
    assert_eq!(store.prune(retention.cutoff(day(10 + 91))).unwrap(), 1);
    let left = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, FindingStatus::Active);
    assert!(
        store.history(&closed_id).unwrap().is_empty(),
        "history pruned"
    );
    // Its events went with it; the open finding's stays to publish.
    let pending = store.pending_events(100).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].finding_id, left[0].id);
}

pub fn filters(store: Shared) {
    let store = &*store;
    scan_a(store, 0, "1.2.0");
    let count = |filter: FindingFilter| store.findings(&filter).unwrap().len();
    let function = |f: &str| FindingFilter {
        function: Some(f.into()),
        ..Default::default()
    };
    assert_eq!(count(function("orders")), 2);
    assert_eq!(count(function("order")), 0);
    let layer = |l: &str| FindingFilter {
        layer: Some(l.into()),
        ..Default::default()
    };
    assert_eq!(count(layer(LAYER)), 1);
    assert_eq!(
        count(layer("arn:aws:lambda:us-east-1:123456789012:layer:deps")),
        1
    );
    assert_eq!(
        count(FindingFilter {
            min_severity: Some(Rating::Critical),
            ..Default::default()
        }),
        0
    );
    assert_eq!(
        count(FindingFilter {
            since: Some(day(1)),
            ..Default::default()
        }),
        0
    );
    assert_eq!(
        count(FindingFilter {
            status: Some(FindingStatus::Active),
            ..Default::default()
        }),
        2
    );
}

/// Findings in [`a_commit_of_hundreds_of_findings_is_written_whole`]: more
/// than one DynamoDB transaction holds (100 items, 2 per new finding).
pub const MANY: usize = 130;

/// A report of FUNCTION with `n` vulnerable packages in its own code.
fn many(n: usize, version: &str) -> analyzer::findings::ScanReport {
    let names: Vec<String> = (0..n).map(|i| format!("pkg-{i:03}")).collect();
    let packages: Vec<(&str, &str, &str)> = names
        .iter()
        .map(|name| (FUNCTION, name.as_str(), version))
        .collect();
    let hits: Vec<(usize, String)> = (0..n).map(|i| (i, format!("GHSA-{i:03}"))).collect();
    let hits: Vec<(usize, &str)> = hits.iter().map(|(i, a)| (*i, a.as_str())).collect();
    report(&packages, if version == "1.0.0" { &hits } else { &[] })
}

pub fn a_commit_of_hundreds_of_findings_is_written_whole(store: Shared) {
    let store = &*store;
    let scan = |at: i64, version: &str| {
        record(
            store,
            subject(FUNCTION, &[]),
            &many(MANY, version),
            None,
            ScanReason::Function,
            day(at),
        )
        .unwrap()
    };
    assert_eq!(scan(0, "1.0.0").changes.len(), MANY);
    assert_eq!(store.subject(FUNCTION).unwrap().unwrap().active, MANY);
    assert_eq!(
        store.findings(&FindingFilter::default()).unwrap().len(),
        MANY
    );
    assert_eq!(store.pending_events(usize::MAX).unwrap().len(), MANY);
    // All upgraded: every finding closes, each with its event.
    assert_eq!(scan(1, "2.0.0").changes.len(), MANY);
    let closed = FindingFilter {
        status: Some(FindingStatus::Closed),
        ..Default::default()
    };
    assert_eq!(store.findings(&closed).unwrap().len(), MANY);
    assert_eq!(store.pending_events(usize::MAX).unwrap().len(), 2 * MANY);
    assert_eq!(store.scans(FUNCTION).unwrap().len(), 2);
    assert_eq!(store.subject(FUNCTION).unwrap().unwrap().revision, 2);
    assert_consistent(store);
}

pub fn a_stale_commit_conflicts_and_writes_nothing(store: Shared) {
    let store = &*store;
    scan_a(store, 0, "1.2.0");
    let stored = store.subject(FUNCTION).unwrap().unwrap();
    let findings = store.subject_findings(&[FUNCTION.into()]).unwrap();
    // A writer that read revision 1 and closes a finding...
    let mut closing = findings[0].clone();
    closing.status = FindingStatus::Closed;
    closing.revision += 1;
    closing.closed_at = Some(day(1));
    closing.close_reason = Some(CloseReason::PackageRemoved);
    let stale = rescan_commit(
        stored.subject.clone(),
        stored.revision,
        vec![store::lifecycle::Change {
            finding: closing,
            transition: Some(Transition::Closed),
        }],
    );
    // ...after another writer moved the subject on: a conflict, nothing written.
    scan_a(store, 1, "1.2.0");
    assert_eq!(
        store.commit(std::slice::from_ref(&stale)).unwrap(),
        [CommitOutcome::Conflict]
    );
    assert!(store
        .findings(&FindingFilter::default())
        .unwrap()
        .iter()
        .all(|f| f.status == FindingStatus::Active));
    assert_eq!(store.scans(FUNCTION).unwrap().len(), 2);
    assert_eq!(store.pending_events(100).unwrap().len(), 2);
    // A commit for a subject that does not exist yet, when it does: a conflict too.
    let mut create = stale.clone();
    create.expected_revision = None;
    create.changes.clear();
    assert_eq!(store.commit(&[create]).unwrap(), [CommitOutcome::Conflict]);
    // The retry path: `record` reads again and gets through.
    let retried = scan_a(store, 2, "1.2.6");
    assert_eq!(retried.changes.len(), 1);
    assert_consistent(store);
}

/// Rounds each of the two writers makes.
pub const ROUNDS: usize = 6;

pub fn two_writers_on_one_subject_keep_every_history_whole(store: Shared) {
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..ROUNDS {
                    let version = if (i + w) % 2 == 0 { "1.2.0" } else { "1.2.6" };
                    scan_a(&*store, (i * 2 + w) as i64, version);
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("a writer panicked");
    }
    assert_eq!(store.scans(FUNCTION).unwrap().len(), 2 * ROUNDS);
    assert_eq!(
        store.subject(FUNCTION).unwrap().unwrap().revision,
        2 * ROUNDS as u64
    );
    assert_consistent(&*store);
}

/// A scan of FUNCTION whose LAYER could not be read (deleted): only
/// `minimist` 1.2.0 in the function is seen.
fn scan_without_the_layer(store: &dyn FindingStore, at: i64) -> Recorded {
    let mut r = report(&[(FUNCTION, "minimist", "1.2.0")], &[(0, "GHSA-min")]);
    r.inventory.coverage = vec![analyzer::inventory::Coverage {
        artifact: LAYER.into(),
        incomplete: vec![analyzer::diagnostics::Gap {
            path: String::new(),
            reason: "layer version not scanned: it was deleted".into(),
        }],
        ..Default::default()
    }];
    record(
        store,
        subject(FUNCTION, &[LAYER]),
        &r,
        None,
        ScanReason::Trigger,
        day(at),
    )
    .unwrap()
}

pub fn a_finding_in_a_layer_that_could_not_be_read_is_kept_as_it_was(store: Shared) {
    let store = &*store;
    scan_a(store, 0, "1.2.0");
    let hb = |store: &dyn FindingStore| {
        store
            .findings(&FindingFilter::default())
            .unwrap()
            .into_iter()
            .find(|f| f.finding.id == "GHSA-hb")
            .unwrap()
    };
    let first = scan_without_the_layer(store, 1);
    assert!(first.changes.iter().all(|c| c.transition.is_none()));
    assert_eq!(first.active, 2);
    for at in [1, 2] {
        if at == 2 {
            assert!(scan_without_the_layer(store, 2).changes.is_empty());
        }
        let kept = hb(store);
        assert_eq!(kept.status, FindingStatus::Active, "day {at}");
        assert_eq!(
            (kept.last_observed_at, kept.updated_at, kept.revision),
            (day(0), day(0), 1),
            "day {at}"
        );
        assert_eq!(
            kept.unread.as_deref(),
            Some("layer version not scanned: it was deleted")
        );
        let min = store
            .findings(&FindingFilter::default())
            .unwrap()
            .into_iter()
            .find(|f| f.finding.id == "GHSA-min")
            .unwrap();
        assert_eq!(min.last_observed_at, day(at));
    }
    assert_eq!(store.history(&hb(store).id).unwrap().len(), 1);
    // Readable again: observed now, no transition, nothing unread.
    assert!(scan_a(store, 3, "1.2.0")
        .changes
        .iter()
        .all(|c| c.transition.is_none()));
    let back = hb(store);
    assert_eq!((back.last_observed_at, back.unread), (day(3), None));
    assert_consistent(store);
}

/// Scan of FUNCTION at day `at` whose report judged the function `exposure`.
fn scan_exposed(store: &dyn FindingStore, at: i64, exposure: Option<Exposure>) {
    let mut r = report(&[(FUNCTION, "minimist", "1.2.0")], &[(0, "GHSA-min")]);
    r.exposure = exposure;
    let scanned = subject(FUNCTION, &[]);
    record(store, scanned, &r, None, ScanReason::Function, day(at)).unwrap();
}

/// How the function was exposed is kept with its subject: written by a scan
/// (from its report), kept by a commit without an inventory (a rescan),
/// replaced (or cleared) by the next scan; a layer version has none.
pub fn the_exposure_a_scan_judged_is_kept_with_its_subject(store: Shared) {
    let store = &*store;
    let exposure_of = |key: &str| store.subject(key).unwrap().unwrap().subject.exposure;
    let url = Exposure::function_url_without_auth();
    scan_exposed(store, 0, Some(url.clone()));
    assert_eq!(exposure_of(FUNCTION), Some(url.clone()));

    // A rescan's commit writes no inventory: the exposure stays, whatever
    // the commit's subject says.
    let stored = store.subject(FUNCTION).unwrap().unwrap();
    let touch = rescan_commit(
        Subject {
            exposure: None,
            ..stored.subject.clone()
        },
        stored.revision,
        Vec::new(),
    );
    assert_eq!(store.commit(&[touch]).unwrap(), [CommitOutcome::Committed]);
    assert_eq!(exposure_of(FUNCTION), Some(url));

    let services = Exposure::invocable_by(&["apigateway.amazonaws.com".to_string()]);
    scan_exposed(store, 2, Some(services.clone()));
    assert_eq!(exposure_of(FUNCTION), Some(services));
    let denied = Exposure::unknown("GetPolicy denied");
    scan_exposed(store, 3, Some(denied.clone()));
    assert_eq!(exposure_of(FUNCTION), Some(denied));
    scan_exposed(store, 4, None);
    assert_eq!(exposure_of(FUNCTION), None);

    let layer = report(&[(LAYER, "handlebars", "4.7.6")], &[(0, "GHSA-hb")]);
    let scanned = subject(LAYER, &[]);
    record(store, scanned, &layer, None, ScanReason::Trigger, day(5)).unwrap();
    assert_eq!(exposure_of(LAYER), None);
    assert_consistent(store);
}

/// A rescan's commit about `FUNCTION` on day 1 (no inventory, one active
/// finding), expecting `revision`.
fn rescan_commit(
    subject: Subject,
    revision: u64,
    changes: Vec<store::lifecycle::Change>,
) -> Commit {
    Commit {
        subject,
        expected_revision: Some(revision),
        inventory: None,
        digest: None,
        scan: ScanRecord {
            subject: FUNCTION.into(),
            at: day(1),
            reason: ScanReason::Rescan,
            database: String::new(),
            active: 1,
        },
        deleted: false,
        changes,
    }
}
