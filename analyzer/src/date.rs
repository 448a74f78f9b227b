//! Calendar dates and "now", always in UTC: the `until` of a suppression and
//! the timestamps reports carry.
//!
//! Built on `jiff` rather than `time`: its civil dates validate the calendar
//! (leap years, month lengths) without any feature flags or macros, and the
//! timezone database can stay out of the build (we only ever need UTC).

use jiff::{civil, tz::TimeZone, Timestamp};
use std::fmt;
use std::str::FromStr;

/// A calendar date (UTC), as a suppression's `until` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(civil::Date);

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let year = i16::try_from(year).ok()?;
        let month = i8::try_from(month).ok()?;
        let day = i8::try_from(day).ok()?;
        civil::Date::new(year, month, day).ok().map(Date)
    }

    /// A date known at compile time; panics (at compile time in a `const`)
    /// when it does not exist.
    pub const fn constant(year: i16, month: i8, day: i8) -> Date {
        Date(civil::Date::constant(year, month, day))
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        i64::from((later.0 - self.0).get_days())
    }

    /// Today's date in UTC, from the system clock.
    pub fn today() -> Date {
        Date(TimeZone::UTC.to_datetime(Timestamp::now()).date())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%d"))
    }
}

impl FromStr for Date {
    type Err = String;

    /// Reads exactly `YYYY-MM-DD` (surrounding blanks allowed).
    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("`{s}` is not a date (YYYY-MM-DD)");
        let text = s.trim();
        let shape_ok = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(bad());
        }
        let year = text[0..4].parse().map_err(|_| bad())?;
        let month = text[5..7].parse().map_err(|_| bad())?;
        let day = text[8..10].parse().map_err(|_| bad())?;
        Date::new(year, month, day).ok_or_else(bad)
    }
}

/// The current UTC time in RFC 3339, to the second (`2026-11-23T10:21:23Z`),
/// for report timestamps such as ASFF's `CreatedAt`.
pub fn rfc3339_now() -> String {
    rfc3339(Timestamp::now())
}

/// `at` in RFC 3339, UTC, whole seconds (fractions are dropped).
fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            "2026-02-28".parse::<Date>(),
            Ok(Date::new(2026, 2, 28).unwrap())
        );
        assert!("2026-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("26-1-1".parse::<Date>().is_err());
        assert_eq!(
            "2026-13-01".parse::<Date>(),
            Err("`2026-13-01` is not a date (YYYY-MM-DD)".to_string())
        );
        assert!("2026-+1-01".parse::<Date>().is_err());
        assert!("2026-01-01T00:00".parse::<Date>().is_err());
        assert_eq!(
            " 2026-01-01 ".parse::<Date>(),
            Ok(Date::constant(2026, 1, 1))
        );
        assert_eq!(Date::new(2000, 2, 29).unwrap().to_string(), "2000-02-29");
        assert_eq!(Date::new(2026, 2, 29), None);
        assert!(Date::constant(2026, 11, 22) < Date::constant(2026, 11, 23));
    }

    #[test]
    fn timestamps_in_rfc3339() {
        let at = |secs: i64| Timestamp::from_second(secs).unwrap();
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(20_454 * 86_400)), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(11_016 * 86_400 + 3_723)), "2000-02-29T01:02:03Z");
        let fraction = Timestamp::new(1_795_429_283, 999_000_000).unwrap();
        assert_eq!(rfc3339(fraction), "2026-11-23T10:21:23Z");
        let now = rfc3339_now();
        assert_eq!((now.len(), &now[10..11], &now[19..]), (20, "T", "Z"));
    }
}
