//! The mapping file of a CSV import (`--mapping FILE`, or `?mapping=` on the API): which column
//! holds which of our fields when the headers are not ones eventmap recognises, how dates are
//! written, how lists are separated, and values for fields the file lacks.
//!
//! ```json
//! {"columns": {"title": "Headline", "start": "Date", "lon": "X", "lat": "Y", "id": "Incident"},
//!  "date_format": "%d/%m/%Y", "list_separator": ";", "delimiter": ";",
//!  "defaults": {"category": "protest", "country": "SY"}}
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

/// The fields a CSV column can fill.
pub const FIELDS: [&str; 22] = [
    "id",
    "title",
    "description",
    "category",
    "tags",
    "actors",
    "start",
    "end",
    "time_precision",
    "status",
    "fatalities",
    "lon",
    "lat",
    "place",
    "place_role",
    "place_id",
    "country",
    "admin1",
    "location_precision",
    "source_url",
    "source_title",
    "source_publisher",
];

/// How to read a CSV whose headers eventmap does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Our field name -> the header of the column that holds it.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// A chrono strftime format for `start` and `end` (`%d/%m/%Y`); a time without `%z` is UTC.
    #[serde(default)]
    pub date_format: Option<String>,
    /// What separates the items of a list cell (tags, actors, places, sources); default `|` or `;`.
    #[serde(default)]
    pub list_separator: Option<String>,
    /// The column separator, when it is not the comma, semicolon or tab eventmap would guess.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Values for fields that a row leaves empty (or the file lacks).
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
}

impl Mapping {
    /// Reads and checks a mapping file.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let m: Mapping = serde_json::from_str(text).map_err(|e| format!("the mapping is not valid: {e}"))?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), String> {
        for k in self.columns.keys().chain(self.defaults.keys()) {
            if !FIELDS.contains(&k.as_str()) {
                return Err(format!(
                    "the mapping names `{k}`, which is not a field; use one of: {}",
                    FIELDS.join(", ")
                ));
            }
        }
        if let Some(d) = &self.delimiter {
            if d.len() != 1 {
                return Err(format!("the delimiter must be one ASCII character, not `{d}`"));
            }
        }
        if self.list_separator.as_deref().is_some_and(str::is_empty) {
            return Err("the list separator must not be empty".into());
        }
        Ok(())
    }

    /// The delimiter byte, when the mapping names one.
    pub fn delimiter_byte(&self) -> Option<u8> {
        self.delimiter.as_deref().and_then(|d| d.bytes().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_names_columns_formats_and_defaults() {
        let m = Mapping::from_json(
            r#"{"columns": {"title": "Headline", "start": "Date"}, "date_format": "%d/%m/%Y",
                "defaults": {"category": "protest"}, "delimiter": ";"}"#,
        )
        .unwrap();
        assert_eq!(m.columns["title"], "Headline");
        assert_eq!(m.delimiter_byte(), Some(b';'));
    }

    #[test]
    fn unknown_fields_and_keys_are_refused() {
        assert!(Mapping::from_json(r#"{"columns": {"colour": "C"}}"#).unwrap_err().contains("colour"));
        assert!(Mapping::from_json(r#"{"colums": {}}"#).is_err());
        assert!(Mapping::from_json(r#"{"delimiter": ";;"}"#).is_err());
    }
}
