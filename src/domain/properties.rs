//! An event's free `properties` (a team's own codebook fields, or the raw fields of an imported
//! record): a JSON object, kept either as the map it was given or as the compact JSON text an
//! importer wrote with [`ObjectWriter`](super::json::ObjectWriter).
//!
//! An ACLED row keeps some twenty raw columns. As a map they were the dearest part of importing
//! it: a string for every key and every value, a hash for every key, the whole map serialised
//! once to check its size and again into the Feature, then freed string by string (a fifth of
//! the instructions of an import). As text they are one string, whose length is its size and
//! which the Feature embeds as it is. Both forms hold the same object and are written to the same
//! bytes; code that needs the map asks for it.

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::json::JsonObject;

/// A JSON object of free properties.
#[derive(Debug, Clone)]
pub enum Properties {
    /// As given (the API, GeoJSON, what was stored).
    Map(Map<String, Value>),
    /// As an importer wrote it.
    Text(JsonObject),
}

impl Default for Properties {
    fn default() -> Self {
        Self::Map(Map::new())
    }
}

impl Properties {
    /// The object as a map (parsed, for the text form).
    pub fn to_map(&self) -> Cow<'_, Map<String, Value>> {
        match self {
            Self::Map(m) => Cow::Borrowed(m),
            Self::Text(t) => Cow::Owned(serde_json::from_str(t.as_str()).expect("a JSON object by construction")),
        }
    }

    /// The length of the object as compact JSON when it is known without writing it.
    pub fn known_len(&self) -> Option<usize> {
        match self {
            Self::Map(_) => None,
            Self::Text(t) => Some(t.as_str().len()),
        }
    }
}

impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) if a == b => true,
            _ => self.to_map() == other.to_map(),
        }
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::json::ObjectWriter;
    use serde_json::json;

    #[test]
    fn text_and_map_are_the_same_object() {
        let mut inner = ObjectWriter::default();
        inner.string("source", "Made-up \"Daily\"");
        inner.string("iso", "760");
        let mut outer = ObjectWriter::default();
        outer.object("acled", inner.finish());
        let text = Properties::Text(outer.finish());
        let map = Properties::Map(
            serde_json::from_value(json!({"acled": {"source": "Made-up \"Daily\"", "iso": "760"}})).unwrap(),
        );
        assert_eq!(text, map);
        assert_eq!(serde_json::to_string(&text).unwrap(), serde_json::to_string(&map).unwrap());
        assert_eq!(text.known_len(), Some(serde_json::to_string(&map).unwrap().len()));
        assert_eq!(text.to_map()["acled"]["iso"], "760");
        assert_ne!(text, Properties::default());
    }
}
