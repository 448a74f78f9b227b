//! The behaviour every findings store backend must have, as checks that take
//! a fresh, empty store: the lifecycle through the store, the outbox, deleted
//! subjects, findings a gap hid (kept, not closed), the exposure kept with a
//! subject, retention, filters,
//! commits larger than one DynamoDB transaction, stale writes that conflict,
//! and two writers on one subject.
//!
//! A backend's test file runs them all with [`conformance_tests!`], given an
//! expression that makes a fresh store (`Option<Fresh>`; `None` when the
//! backend's service is unavailable, after a `skip`).

mod builders;
mod checks;

pub use builders::*;
pub use checks::*;

/// A fresh, empty store, and what must live as long as it does (its
/// temporary folder, its emulator).
pub struct Fresh {
    pub store: Box<dyn store::FindingStore>,
    pub guard: Box<dyn std::any::Any>,
}

/// One `#[test]` per conformance check, each on a fresh store made by
/// `$fresh` (an expression of type `Option<Fresh>`).
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:expr) => {
        $crate::conformance_tests!(@each $fresh;
            the_lifecycle_through_the_store,
            the_outbox_holds_every_transition_until_marked_sent,
            deleting_the_function_closes_its_findings_and_its_layer_use,
            closed_findings_are_pruned_after_the_retention_with_their_history,
            filters,
            a_commit_of_hundreds_of_findings_is_written_whole,
            a_stale_commit_conflicts_and_writes_nothing,
            two_writers_on_one_subject_keep_every_history_whole,
            a_finding_in_a_layer_that_could_not_be_read_is_kept_as_it_was,
            the_exposure_a_scan_judged_is_kept_with_its_subject,
        );
    };
    (@each $fresh:expr; $($check:ident),+ $(,)?) => {
        $(
            #[test]
            fn $check() {
                if let Some(fresh) = $fresh {
                    let $crate::store_conformance::Fresh { store, guard } = fresh;
                    $crate::store_conformance::$check(std::sync::Arc::from(store));
                    drop(guard);
                }
            }
        )+
    };
}
