//! Maven's version ordering (`ComparableVersion`): numeric and string tokens,
//! `.`/`-`/digit-letter transitions as separators, and the qualifier order
//! alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp,
//! with unknown qualifiers after all known ones, compared lexically.

use std::cmp::Ordering;
use std::fmt;

/// A Maven version, parsed once for fast repeated comparison.
#[derive(Clone, Debug)]
pub struct MavenVersion {
    original: String,
    items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// A number, kept as its decimal digits without leading zeros (any size).
    Int(String),
    /// A qualifier, already aliased (`ga`/`final`/`release` -> "", `cr` -> `rc`, ...).
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: &str = "5";

impl MavenVersion {
    /// Parses any string: Maven accepts every string as a version.
    pub fn parse(version: &str) -> MavenVersion {
        MavenVersion {
            original: version.to_string(),
            items: parse_items(&version.to_lowercase()),
        }
    }

    /// The string as given.
    pub fn as_str(&self) -> &str {
        &self.original
    }
}

impl fmt::Display for MavenVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}

fn parse_items(version: &str) -> Vec<Item> {
    // A stack of open lists; each `-` or digit/letter transition opens a sublist.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let chars: Vec<char> = version.chars().collect();
    let mut start = 0;
    let mut is_digit = false;
    let token = |s: usize, e: usize| chars[s..e].iter().collect::<String>();
    for (i, &c) in chars.iter().enumerate() {
        let list = stack.last_mut().expect("stack never empty");
        if c == '.' || c == '-' {
            if i == start {
                list.push(Item::Int(String::new()));
            } else {
                list.push(parse_item(is_digit, &token(start, i)));
            }
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                list.push(string_item(&token(start, i), true));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                list.push(parse_item(true, &token(start, i)));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        let item = parse_item(is_digit, &token(start, chars.len()));
        stack.last_mut().expect("stack never empty").push(item);
    }
    // Close the open lists innermost first, normalising each.
    while stack.len() > 1 {
        let mut inner = stack.pop().expect("len > 1");
        normalize(&mut inner);
        stack.last_mut().expect("len >= 1").push(Item::List(inner));
    }
    let mut top = stack.pop().expect("one list left");
    normalize(&mut top);
    top
}

fn parse_item(is_digit: bool, token: &str) -> Item {
    if is_digit {
        Item::Int(token.trim_start_matches('0').to_string())
    } else {
        string_item(token, false)
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match (followed_by_digit, value) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        (_, "ga" | "final" | "release") => "",
        (_, "cr") => "rc",
        (_, v) => v,
    };
    Item::Str(value.to_string())
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(digits) => digits.is_empty(),
        Item::Str(s) => s.is_empty(),
        Item::List(l) => l.is_empty(),
    }
}

/// Drops trailing null items (0, "", empty lists) up to the last non-list item.
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

fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

fn compare_ints(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares an item with a missing one (the shorter version ran out).
fn compare_to_missing(item: &Item) -> Ordering {
    match item {
        Item::Int(d) => {
            if d.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        Item::Str(s) => comparable_qualifier(s).as_str().cmp(RELEASE_INDEX),
        Item::List(l) => l.first().map_or(Ordering::Equal, compare_to_missing),
    }
}

fn compare_items(a: &Item, b: &Item) -> Ordering {
    use Item::*;
    match (a, b) {
        (Int(x), Int(y)) => compare_ints(x, y),
        (Int(_), _) => Ordering::Greater,
        (Str(_), Int(_)) => Ordering::Less,
        (Str(x), Str(y)) => comparable_qualifier(x).cmp(&comparable_qualifier(y)),
        (Str(_), List(_)) => Ordering::Less,
        (List(_), Int(_)) => Ordering::Less,
        (List(_), Str(_)) => Ordering::Greater,
        (List(x), List(y)) => compare_lists(x, y),
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let ord = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => compare_items(x, y),
            (Some(x), None) => compare_to_missing(x),
            (None, Some(y)) => compare_to_missing(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> MavenVersion {
        MavenVersion::parse(s)
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
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
    }

    #[test]
    fn real_world() {
        assert!(v("4.1.48.Final") < v("4.1.68.Final"));
        assert!(v("2.13.4-redhat-00001") > v("2.13.4"));
        assert!(v("2.13.4-redhat-00001") < v("2.13.5"));
        assert!(v("5.3.20.RELEASE") < v("5.3.21"));
        assert!(v("31.1-jre") < v("32.0.0-jre"));
        assert!(v("2.1-SNAPSHOT") < v("2.1"));
        assert!(v("1.0.0.99999999999999999999999") > v("1.0.0.99999999999999999999998"));
    }
}
