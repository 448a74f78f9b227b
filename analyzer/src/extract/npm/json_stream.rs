//! Reading JSON from a stream with `serde` visitors that keep only the
//! members a lockfile parser uses and read past every other value without
//! storing it (a `serde_json::Value` of a 200 MB lockfile costs over 10 times
//! its size). Shared by `package-lock.json` and `bun.lock`.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::io::Read;

/// What a JSON object's members make, read one by one.
pub(super) trait Members<'de> {
    type Out;
    fn read<M: MapAccess<'de>>(self, map: M) -> Result<Self::Out, M::Error>;
}

/// A value that should be an object: its members go to `T`; any other value
/// is read past and gives `None`.
pub(super) struct ObjectOr<T>(pub(super) T);

impl<'de, T: Members<'de>> DeserializeSeed<'de> for ObjectOr<T> {
    type Value = Option<T::Out>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Members<'de>> Visitor<'de> for ObjectOr<T> {
    type Value = Option<T::Out>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
        self.0.read(map).map(Some)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A member's value as text when it is a JSON string (any other value is read past).
pub(super) struct Text(pub(super) Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = deserializer.deserialize_any(ScalarVisitor)?;
        Ok(Text(match text {
            Scalar::Text(s) => Some(s),
            _ => None,
        }))
    }
}

/// A member that is `true` (any other value is read past).
pub(super) struct Flag(pub(super) bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Flag(matches!(
            deserializer.deserialize_any(ScalarVisitor)?,
            Scalar::True
        )))
    }
}

/// What [`Text`] and [`Flag`] need to know of a value.
enum Scalar {
    Text(String),
    True,
    Other,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(if v { Scalar::True } else { Scalar::Other })
    }
    fn visit_i64<E>(self, _: i64) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Scalar, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Scalar, M::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Scalar::Other)
    }
}

/// `input` without the UTF-8 byte order mark some editors write, buffered:
/// `serde_json` reads a stream a byte at a time, which the standard library
/// serves from the buffer of a `BufReader` (and only a `BufReader`) without a
/// `read` call per byte (about twice as fast on a 127 MB lockfile).
pub(super) fn skip_bom(input: impl Read) -> std::io::BufReader<impl Read> {
    let mut input = input;
    let mut head = [0u8; 3];
    let mut filled = 0;
    while filled < head.len() {
        match input.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // The error comes again from the reader itself.
            Err(_) => break,
        }
    }
    let kept = if head[..filled] == [0xef, 0xbb, 0xbf] {
        0
    } else {
        filled
    };
    std::io::BufReader::with_capacity(
        64 << 10,
        std::io::Cursor::new(head[..kept].to_vec()).chain(input),
    )
}
