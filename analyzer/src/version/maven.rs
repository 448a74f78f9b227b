//! Maven's version ordering, as `org.apache.maven.artifact.versioning.ComparableVersion`
//! of Maven 3.8.7 implements it (checked pair by pair against that class by
//! `analyzer/tests/version_differential.rs`).
//!
//! The string, case-insensitively, is split into tokens at `.`, at `-` and at every
//! digit/letter transition. Numbers compare numerically; strings are qualifiers
//! ordered `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`,
//! with every other string after all known ones, in lexical (UTF-16) order; `a`, `b`
//! and `m` directly followed by a digit mean alpha, beta and milestone. A `-`, a
//! digit/letter transition and a `.` followed by a letter start a nested list, so
//! `1.0.RC1 = 1.0-RC1 < 1.0 < 1.0-1 < 1.0.1`. Trailing nulls (`0`, `""`, empty
//! lists) are dropped, so `1 = 1.0 = 1.0.0 = 1-ga = 1.Final`.
//!
//! `ComparableVersion` quirks kept on purpose, because a comparison must agree with
//! Maven itself, which decides the versions a build resolves: every character Java's
//! `Character.isDigit` accepts is a digit (not only ASCII), and a number's width
//! class decides before its value (a number of up to 9 digits, after stripping
//! leading ASCII zeros, is always below one of 10 to 18 digits, which is below any
//! longer one; an all-zero token keeps its length, so `1.0000000000.1 > 1.1`).
//!
//! Like Maven's, this order is not transitive for a few odd strings
//! (`-alpha < 0 < abc < -alpha`), so `MavenVersion` is `PartialOrd` but not `Ord`:
//! sort with [`super::sort_by_version`], which tolerates that.

use super::VersionScheme;
use std::cmp::Ordering;
use std::fmt;

/// Maven: `ComparableVersion`'s order over [`MavenVersion`]. Any non-empty string
/// is a version, as in Maven, unless absurdly nested ([`MAX_NESTING`]). A Maven
/// coordinate is published under one exact spelling, so the equivalence key is the
/// text as written (the trait's default): `1.0` and `1.0.0` stay apart.
pub struct Maven;

impl VersionScheme for Maven {
    type Parsed = MavenVersion;

    fn name(&self) -> &'static str {
        "Maven ComparableVersion"
    }

    fn parse(&self, text: &str) -> Result<MavenVersion, String> {
        if text.is_empty() {
            return Err("empty version".into());
        }
        MavenVersion::parse(text).ok_or_else(|| {
            format!(
                "nested more than {MAX_NESTING} levels deep (each `-` and digit/letter change adds one)"
            )
        })
    }

    fn compare(&self, a: &MavenVersion, b: &MavenVersion) -> Ordering {
        a.compare(b)
    }
}

/// A Maven version, parsed once for fast repeated comparison (comparing two parsed
/// versions never allocates).
#[derive(Clone, Debug)]
pub struct MavenVersion {
    original: Box<str>,
    items: Vec<Item>,
}

#[derive(Clone, Debug)]
enum Item {
    Number(Number),
    Qualifier(Qualifier),
    List(Vec<Item>),
}

/// A numeric token. The variant is Java's width class (`IntItem`, `LongItem`,
/// `BigIntegerItem`), which orders before the value does.
#[derive(Clone, Debug)]
enum Number {
    /// At most 9 digits after leading ASCII zeros are stripped.
    Int(u64),
    /// 10 to 18 digits.
    Long(u64),
    /// 19 digits or more: the value in ASCII digits, no leading zeros (`"0"` for zero).
    Big(Box<str>),
}

/// A string token, already aliased (`ga`/`final`/`release` -> release, `cr` -> rc).
#[derive(Clone, Debug)]
enum Qualifier {
    /// Index into [`KNOWN_QUALIFIERS`].
    Known(u8),
    /// Any other string, lowercased.
    Other(Box<str>),
}

/// The well-known qualifiers, in order; the empty string is the release.
const KNOWN_QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// Indices into [`KNOWN_QUALIFIERS`] of the qualifiers that have aliases.
const ALPHA: u8 = 0;
const BETA: u8 = 1;
const MILESTONE: u8 = 2;
const RC: u8 = 3;
const RELEASE: u8 = 5;
/// The deepest nesting of lists accepted: each `-`, each digit/letter change and
/// each `.` before a letter opens one. Comparing recurses once per level. A commit
/// hash in a version makes up to 40; the deepest in the OSV Maven data is far below.
pub const MAX_NESTING: usize = 256;
/// Digits that keep a number in Java's `IntItem` / `LongItem` classes.
const MAX_INT_DIGITS: usize = 9;
const MAX_LONG_DIGITS: usize = 18;

/// The code points of the digit zero of every run of decimal digits (Unicode general
/// category Nd) in the Basic Multilingual Plane, i.e. every `c` for which Java 17's
/// `Character.isDigit(c)` holds and `Character.digit(c, 10) == 0`. Each run is ten
/// consecutive code points, zero to nine.
const DIGIT_ZEROS: [u32; 37] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// The decimal value of `c` if Java counts it as a digit.
fn digit_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let code = c as u32;
    if code < 0x80 {
        return None;
    }
    let run = DIGIT_ZEROS.partition_point(|&zero| zero <= code);
    let zero = DIGIT_ZEROS[run.checked_sub(1)?];
    // The offset is below 10 here, so the cast is lossless.
    (code - zero < 10).then_some((code - zero) as u8)
}

impl MavenVersion {
    /// Parses a version. Maven accepts every string; this refuses (`None`) only
    /// strings nested more than [`MAX_NESTING`] lists deep, which no real version
    /// comes near and which would otherwise exhaust the stack when compared.
    pub fn parse(version: &str) -> Option<MavenVersion> {
        Some(MavenVersion {
            original: version.into(),
            items: parse_items(&lowercase(version))?,
        })
    }

    /// Maven's order of `self` against `other` (always defined; see the module
    /// notes on transitivity).
    pub fn compare(&self, other: &MavenVersion) -> Ordering {
        compare_lists(&self.items, &other.items)
    }

    /// The string as given.
    pub fn as_str(&self) -> &str {
        &self.original
    }
}

/// Java's `toLowerCase(Locale.ENGLISH)` for strings with non-ASCII characters
/// (whose case rules can depend on context). ASCII strings are left as they are:
/// their tokens are case-folded one by one, which is the same and cheaper.
fn lowercase(version: &str) -> std::borrow::Cow<'_, str> {
    if version.is_ascii() {
        version.into()
    } else {
        version.to_lowercase().into()
    }
}

impl fmt::Display for MavenVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.compare(other))
    }
}

/// Splits a lowercased version into nested item lists; `None` when they nest
/// deeper than [`MAX_NESTING`].
fn parse_items(version: &str) -> Option<Vec<Item>> {
    // The open lists, outermost first. A list opened inside another is the last
    // item of its parent for good (nothing is added to the parent after it), so
    // it is attached when closed, after its own normalisation, as Maven does.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut start = 0;
    let mut in_digits = false;
    for (i, c) in version.char_indices() {
        if stack.len() > MAX_NESTING {
            return None;
        }
        let list = stack.last_mut().expect("stack never empty");
        if c == '.' || c == '-' {
            if i == start {
                list.push(Item::Number(Number::Int(0)));
            } else {
                list.push(parse_token(in_digits, &version[start..i]));
            }
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if digit_value(c).is_some() {
            if !in_digits && i > start {
                // A string after `.` is read as if after `-`: 1.0.X1 = 1.0-X1.
                if !list.is_empty() {
                    stack.push(Vec::new());
                }
                let list = stack.last_mut().expect("stack never empty");
                list.push(Item::Qualifier(qualifier(&version[start..i], true)));
                start = i;
                stack.push(Vec::new());
            }
            in_digits = true;
        } else {
            if in_digits && i > start {
                list.push(parse_token(true, &version[start..i]));
                start = i;
                stack.push(Vec::new());
            }
            in_digits = false;
        }
    }
    if version.len() > start {
        if !in_digits && !stack.last().expect("stack never empty").is_empty() {
            stack.push(Vec::new());
        }
        let item = parse_token(in_digits, &version[start..]);
        stack.last_mut().expect("stack never empty").push(item);
    }
    // Lists only open while parsing, so the stack's final height is the depth.
    if stack.len() > MAX_NESTING {
        return None;
    }
    // Close the open lists innermost first, normalising each.
    let mut closed = stack.pop().expect("stack never empty");
    normalize(&mut closed);
    while let Some(mut parent) = stack.pop() {
        parent.push(Item::List(closed));
        normalize(&mut parent);
        closed = parent;
    }
    Some(closed)
}

fn parse_token(in_digits: bool, token: &str) -> Item {
    if in_digits {
        Item::Number(number(token))
    } else {
        Item::Qualifier(qualifier(token, false))
    }
}

/// A run of digits. As in Java, only ASCII zeros are stripped before the width
/// class is chosen, and an all-zero run keeps its full length.
fn number(digits: &str) -> Number {
    let stripped = digits.trim_start_matches('0');
    let kept = if stripped.is_empty() {
        digits
    } else {
        stripped
    };
    let width = kept.chars().count();
    let values = kept.chars().filter_map(digit_value);
    if width <= MAX_LONG_DIGITS {
        let value = values.fold(0u64, |acc, d| acc * 10 + u64::from(d));
        if width <= MAX_INT_DIGITS {
            Number::Int(value)
        } else {
            Number::Long(value)
        }
    } else {
        let ascii: String = values
            .map(|d| char::from(b'0' + d))
            .skip_while(|&d| d == '0')
            .collect();
        Number::Big(if ascii.is_empty() {
            "0".into()
        } else {
            ascii.into()
        })
    }
}

/// A string token, compared without regard to ASCII case (a non-ASCII version is
/// lowercased as a whole beforehand); `followed_by_digit` enables the
/// `a1`/`b1`/`m1` shorthands.
fn qualifier(token: &str, followed_by_digit: bool) -> Qualifier {
    let is = |name: &str| token.eq_ignore_ascii_case(name);
    let known = if followed_by_digit && is("a") {
        Some(ALPHA)
    } else if followed_by_digit && is("b") {
        Some(BETA)
    } else if followed_by_digit && is("m") {
        Some(MILESTONE)
    } else if is("ga") || is("final") || is("release") {
        Some(RELEASE)
    } else if is("cr") {
        Some(RC)
    } else {
        (0..KNOWN_QUALIFIERS.len())
            .find(|&i| is(KNOWN_QUALIFIERS[i]))
            // At most 6, so the cast is lossless.
            .map(|i| i as u8)
    };
    match known {
        Some(index) => Qualifier::Known(index),
        None => Qualifier::Other(token.to_ascii_lowercase().into()),
    }
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Number(Number::Int(v) | Number::Long(v)) => *v == 0,
        Item::Number(Number::Big(digits)) => &**digits == "0",
        Item::Qualifier(q) => matches!(q, Qualifier::Known(RELEASE)),
        Item::List(list) => list.is_empty(),
    }
}

/// Removes null items (0, "", empty lists) from the end, looking through trailing
/// lists: scanning backwards, nulls go, lists are stepped over, and the first
/// other item stops the scan.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if is_null(&list[i]) {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    use Number::*;
    match (a, b) {
        (Int(x), Int(y)) | (Long(x), Long(y)) => x.cmp(y),
        (Big(x), Big(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
        (Int(_), _) | (Long(_), Big(_)) => Ordering::Less,
        (Big(_), _) | (Long(_), Int(_)) => Ordering::Greater,
    }
}

fn compare_qualifiers(a: &Qualifier, b: &Qualifier) -> Ordering {
    use Qualifier::*;
    match (a, b) {
        (Known(x), Known(y)) => x.cmp(y),
        (Known(_), Other(_)) => Ordering::Less,
        (Other(_), Known(_)) => Ordering::Greater,
        // Java compares strings by UTF-16 code unit, which differs from Rust's
        // code point order once characters outside the BMP are involved.
        (Other(x), Other(y)) => x.encode_utf16().cmp(y.encode_utf16()),
    }
}

/// Compares an item with a missing one (the other list ran out).
fn compare_to_missing(item: &Item) -> Ordering {
    match item {
        Item::Number(_) if is_null(item) => Ordering::Equal,
        Item::Number(_) => Ordering::Greater,
        Item::Qualifier(q) => compare_qualifiers(q, &Qualifier::Known(RELEASE)),
        // The whole list counts, not only its first item (MNG-6964).
        Item::List(list) => list
            .iter()
            .map(compare_to_missing)
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal),
    }
}

fn compare_items(a: &Item, b: &Item) -> Ordering {
    use Item::*;
    match (a, b) {
        (Number(x), Number(y)) => compare_numbers(x, y),
        (Number(_), _) => Ordering::Greater,
        (Qualifier(x), Qualifier(y)) => compare_qualifiers(x, y),
        (Qualifier(_), _) => Ordering::Less,
        (List(_), Number(_)) => Ordering::Less,
        (List(_), Qualifier(_)) => Ordering::Greater,
        (List(x), List(y)) => compare_lists(x, y),
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    let mut left = a.iter();
    let mut right = b.iter();
    loop {
        let ord = match (left.next(), right.next()) {
            (Some(x), Some(y)) => compare_items(x, y),
            (Some(x), None) => compare_to_missing(x),
            (None, Some(y)) => compare_to_missing(y).reverse(),
            (None, None) => return Ordering::Equal,
        };
        if ord.is_ne() {
            return ord;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> MavenVersion {
        MavenVersion::parse(s).expect("parses")
    }

    #[test]
    fn qualifier_order() {
        let ordered = [
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-1",
            "1.1",
        ];
        for w in ordered.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn aliases_and_padding() {
        for (a, b) in [
            ("1", "1.0"),
            ("1", "1.0.0"),
            ("1-ga", "1"),
            ("1-final", "1"),
            ("1.0.RELEASE", "1"),
            ("1-cr1", "1-rc1"),
            ("1a1", "1-alpha-1"),
            ("4.3.2.Final", "4.3.2"),
            ("1.0.0.RC1", "1.0.0-RC1"),
            ("1..2", "1.0.2"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
    }

    #[test]
    fn whole_sublist_counts_against_missing() {
        assert!(v("1-0.1") > v("1"));
        assert!(v("1-0.alpha") < v("1"));
    }

    #[test]
    fn java_number_quirks() {
        assert!(v("1.0000000000.1") > v("1.1"));
        assert!(v("1.1234567890") > v("1.999999999"));
        assert!(v("1.0.0.99999999999999999999999") > v("1.0.0.99999999999999999999998"));
        assert_eq!(v("1.\u{0661}\u{0662}"), v("1.12"));
        assert_eq!(v("1.\u{0660}\u{0662}"), v("1.2"));
        assert!(
            v("1.\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}1")
                > v("1.2")
        );
    }

    #[test]
    fn digit_table() {
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('\u{FF19}'), Some(9));
        assert_eq!(digit_value('\u{0669}'), Some(9));
        assert_eq!(digit_value('\u{066A}'), None);
        assert_eq!(digit_value('a'), None);
        assert_eq!(digit_value('\u{00B2}'), None);
    }

    #[test]
    fn nesting_is_bounded() {
        let deepest = v(&"1-".repeat(MAX_NESTING - 1));
        let other = v(&("1-".repeat(MAX_NESTING - 2) + "2"));
        assert_eq!(deepest.compare(&deepest.clone()), Ordering::Equal);
        assert_eq!(deepest.compare(&other), Ordering::Less);
        assert!(MavenVersion::parse(&"1-".repeat(MAX_NESTING)).is_none());
        assert!(MavenVersion::parse(&"a1".repeat(MAX_NESTING)).is_none());
        // Long but flat versions are fine.
        assert!(MavenVersion::parse(&"1.".repeat(100_000)).is_some());
    }

    #[test]
    fn real_world() {
        assert!(v("4.1.48.Final") < v("4.1.68.Final"));
        assert!(v("2.13.4-redhat-00001") > v("2.13.4"));
        assert!(v("2.13.4-redhat-00001") < v("2.13.5"));
        assert!(v("5.3.20.RELEASE") < v("5.3.21"));
        assert!(v("31.1-jre") < v("32.0.0-jre"));
        assert!(v("2.1-SNAPSHOT") < v("2.1"));
    }
}
