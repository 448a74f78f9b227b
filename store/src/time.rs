//! Timestamps as the store keeps them: UTC, whole seconds, written in RFC 3339
//! (`2026-12-01T10:21:23Z`), so that text order is time order in every backend.

use jiff::Timestamp;

/// `at` in RFC 3339, UTC, whole seconds.
pub fn format(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads an RFC 3339 timestamp, or a date `YYYY-MM-DD` (its midnight, UTC).
pub fn parse(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(whole_seconds(at));
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| format!("`{text}` is neither a date (YYYY-MM-DD) nor an RFC 3339 time"))
}

/// The current time, whole seconds.
pub fn now() -> Timestamp {
    whole_seconds(Timestamp::now())
}

/// `at` without its fraction of a second.
pub fn whole_seconds(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

/// `at` plus `days` days (negative: earlier).
pub fn add_days(at: Timestamp, days: i64) -> Timestamp {
    at.checked_add(jiff::SignedDuration::from_hours(days.saturating_mul(24)))
        .unwrap_or(at)
}

/// The calendar date of `at` (UTC), as suppression rules compare it.
pub fn date(at: Timestamp) -> analyzer::date::Date {
    let d = jiff::tz::TimeZone::UTC.to_datetime(at).date();
    analyzer::date::Date::new(i32::from(d.year()), d.month() as u8, d.day() as u8)
        .unwrap_or_else(analyzer::date::Date::today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_dates() {
        let at = parse("2026-12-01T10:21:23.5Z").unwrap();
        assert_eq!(format(at), "2026-12-01T10:21:23Z");
        assert_eq!(format(parse("2026-12-01").unwrap()), "2026-12-01T00:00:00Z");
        assert!(parse("yesterday").unwrap_err().contains("`yesterday`"));
        assert_eq!(format(add_days(at, -1)), "2026-11-30T10:21:23Z");
        assert_eq!(date(at).to_string(), "2026-12-01");
    }
}
