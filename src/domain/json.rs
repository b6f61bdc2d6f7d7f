//! Writing JSON text by hand where serde is the cost: strings escaped a word at a time, and
//! objects written key by key into one string ([`ObjectWriter`]) that is known to be valid JSON
//! ([`JsonObject`]) without parsing it again. Output is byte for byte what `serde_json` writes.

/// Whether any of the eight bytes of `w` needs escaping in a JSON string: a control character
/// (below 0x20), a quotation mark or a reverse solidus. May say yes for a word that needs none
/// after a byte that does (the checks borrow across bytes); never says no wrongly.
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    (w.wrapping_sub(0x20 * ONES) & !w & HIGH) != 0
        || zero_in(w ^ (b'"' as u64 * ONES))
        || zero_in(w ^ (b'\\' as u64 * ONES))
}

/// Where the first byte of `bytes` that needs escaping is, if any.
fn first_escape(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    // Whole words are skipped until one might hold such a byte.
    while at + 8 <= bytes.len() {
        if needs_escape(u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))) {
            break;
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b < 0x20 || b == b'"' || b == b'\\').map(|p| at + p)
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes: quotation mark, reverse solidus
/// and control characters, the common ones by letter and the rest as `\u00xx`.
pub fn push_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    match first_escape(s.as_bytes()) {
        None => out.push_str(s),
        Some(first) => push_escaped(out, s, first),
    }
    out.push('"');
}

/// Appends `s`, whose first byte to escape is at `first`, escaped.
fn push_escaped(out: &mut String, s: &str, first: usize) {
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate().skip(first) {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// The compact JSON text of an object, known to be valid: written by [`ObjectWriter`], or
/// checked by [`JsonObject::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonObject(String);

impl JsonObject {
    /// Checks that `text` is one JSON object.
    pub fn parse(text: String) -> Result<Self, String> {
        match serde_json::from_str::<serde::de::IgnoredAny>(&text) {
            Ok(_) if text.starts_with('{') => Ok(Self(text)),
            Ok(_) => Err("must be an object".into()),
            Err(e) => Err(format!("is not valid JSON: {e}")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Writes a JSON object as compact text, key by key, as `serde_json` would write the same map.
#[derive(Debug)]
pub struct ObjectWriter {
    out: String,
    empty: bool,
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::with_capacity(64)
    }
}

impl ObjectWriter {
    /// An empty object with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut out = String::with_capacity(bytes);
        out.push('{');
        Self { out, empty: true }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        push_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds a string member.
    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        push_string(&mut self.out, value);
    }

    /// Adds a member whose value is a finished object.
    pub fn object(&mut self, key: &str, value: JsonObject) {
        self.key(key);
        self.out.push_str(value.as_str());
    }

    /// Whether no member was added.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// The object.
    pub fn finish(mut self) -> JsonObject {
        self.out.push('}');
        JsonObject(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    /// Strings with every kind of byte, at every offset within a word.
    fn awkward() -> Vec<String> {
        let mut out: Vec<String> = [
            "",
            "plain",
            "quote \" and \\ back",
            "line\nbreak\r\ttab\u{8}\u{c}",
            "\u{0}\u{1}\u{1f}\u{7f}",
            "ٱللاذقية – “Tartus” ✓ 東京",
            "/slash/ <b>&amp;</b>",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for at in 0..20 {
            for special in ['"', '\\', '\n', '\u{1}', 'é', '\u{7f}'] {
                let mut s = "abcdefghijklmnopqrstuvwxyz".to_string();
                s.insert(at, special);
                out.push(s);
            }
        }
        out
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in awkward() {
            let mut out = String::new();
            push_string(&mut out, &s);
            assert_eq!(out, serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn an_object_is_written_as_serde_json_writes_the_same_map() {
        let mut inner = ObjectWriter::default();
        let mut map = Map::new();
        for (i, v) in awkward().iter().enumerate() {
            let key = format!("k{i}{}", if i % 7 == 2 { "\"" } else { "" });
            inner.string(&key, v);
            map.insert(key, Value::String(v.clone()));
        }
        let mut outer = ObjectWriter::default();
        outer.object("acled", inner.finish());
        let text = outer.finish();
        assert_eq!(text.as_str(), serde_json::to_string(&json!({ "acled": map })).unwrap());
        assert_eq!(JsonObject::parse(text.as_str().to_string()).unwrap(), text);
        assert_eq!(ObjectWriter::default().finish().as_str(), "{}");
    }

    #[test]
    fn text_that_is_not_one_object_is_refused() {
        assert!(JsonObject::parse("[1]".into()).is_err());
        assert!(JsonObject::parse("{\"a\":".into()).is_err());
        assert!(JsonObject::parse("{} {}".into()).is_err());
    }
}
