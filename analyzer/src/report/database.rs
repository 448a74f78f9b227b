//! How reports name the advisory database a scan used (`starter set, 65
//! records`, `OSV 2026-11-20, 243,002 records`), and when it is old enough to
//! warn about. Pure: the caller gives today's date.

use crate::date::Date;
use crate::findings::{DatabaseInfo, DatabaseOrigin};

/// The name of the advisory set compiled into the binary, as every report
/// format states it when a scan used it.
pub const STARTER_SET: &str = "starter set";

/// The property naming the database in the SARIF run and the CycloneDX
/// metadata of a scan.
pub const DATABASE_PROPERTY: &str = "lambda-audit:database";

/// The default `--max-db-age`: a database whose newest record is older than
/// this many days is warned about on every scan.
pub const DEFAULT_MAX_DB_AGE_DAYS: u32 = 7;

/// True when the scan used the embedded starter set (which covers the bundled
/// fixtures only, not real projects).
pub fn is_starter_set(info: &DatabaseInfo) -> bool {
    info.source == DatabaseOrigin::Embedded
}

/// The database in a few words: `starter set, 65 records` for the embedded
/// set, else `OSV <date of the newest record>, <records> records`.
pub fn describe_database(info: &DatabaseInfo) -> String {
    let records = match info.records {
        1 => "1 record".to_string(),
        n => format!("{} records", thousands(n)),
    };
    if is_starter_set(info) {
        return format!("{STARTER_SET}, {records}");
    }
    match newest_date(info) {
        Some(date) => format!("OSV {date}, {records}"),
        None => format!("OSV (undated), {records}"),
    }
}

/// The day of the database's newest record (`modified`), when it has one.
fn newest_date(info: &DatabaseInfo) -> Option<Date> {
    info.newest_record.as_deref()?.get(..10)?.parse().ok()
}

/// A warning when the database's newest record is more than `max_age_days`
/// days before `today` (`0` never warns); the starter set is never judged by
/// age (it is named as the starter set instead), nor an undated database.
pub fn stale_database_warning(
    info: &DatabaseInfo,
    today: Date,
    max_age_days: u32,
) -> Option<String> {
    if max_age_days == 0 || is_starter_set(info) {
        return None;
    }
    let newest = newest_date(info)?;
    let age = newest.days_until(today);
    (age > i64::from(max_age_days)).then(|| {
        format!(
            "the advisory database is {age} days old (newest record {newest}; more than \
             {max_age_days} days): advisories published since are not checked; run \
             `lambda-audit db update` (or raise --max-db-age)"
        )
    })
}

/// `243002` as `243,002`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(source: DatabaseOrigin, records: usize, newest: Option<&str>) -> DatabaseInfo {
        DatabaseInfo {
            source,
            records,
            newest_record: newest.map(str::to_string),
            ..DatabaseInfo::default()
        }
    }

    #[test]
    fn databases_are_named_by_origin_date_and_size() {
        assert_eq!(
            describe_database(&info(
                DatabaseOrigin::Embedded,
                65,
                Some("2024-01-01T00:00:00Z")
            )),
            "starter set, 65 records"
        );
        assert_eq!(
            describe_database(&info(
                DatabaseOrigin::Cache,
                243_002,
                Some("2026-11-20T08:00:00Z")
            )),
            "OSV 2026-11-20, 243,002 records"
        );
        assert_eq!(
            describe_database(&info(DatabaseOrigin::Path, 1, None)),
            "OSV (undated), 1 record"
        );
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn old_databases_are_warned_about_past_the_configured_age() {
        let today = Date::constant(2026, 12, 1);
        let cache = |newest| info(DatabaseOrigin::Cache, 10, Some(newest));
        assert_eq!(
            stale_database_warning(&cache("2026-11-24T23:59:59Z"), today, 7),
            None
        );
        let warning = stale_database_warning(&cache("2026-11-23T00:00:00Z"), today, 7).unwrap();
        assert!(
            warning.starts_with("the advisory database is 8 days old"),
            "{warning}"
        );
        assert_eq!(
            stale_database_warning(&cache("2026-11-23T00:00:00Z"), today, 8),
            None
        );
        assert_eq!(
            stale_database_warning(&cache("2020-01-01T00:00:00Z"), today, 0),
            None
        );
        let starter = info(DatabaseOrigin::Embedded, 65, Some("2020-01-01T00:00:00Z"));
        assert_eq!(stale_database_warning(&starter, today, 7), None);
        assert_eq!(stale_database_warning(&cache("garbage"), today, 7), None);
    }
}
