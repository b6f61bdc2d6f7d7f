//! Bulk import of what researchers already have: GeoJSON (eventmap's own export included), CSV
//! with a header, ACLED, GDELT and TimeMap. Each format is a pure parser in its own file that
//! streams a reader row by row and hands every row to a sink as an
//! [`EventInput`](crate::domain::EventInput) (or the reason it is bad);
//! [`detect`](crate::import::detect) guesses the format from the first bytes;
//! [`pipeline`](crate::import::pipeline) validates, checks
//! keys, and writes batches through the store. Parsers never touch the gazetteer or the store.
//!
//! Every imported row gets an id derived from its key in the source (`acled:<event_id_cnty>`,
//! `gdelt:<GLOBALEVENTID>`, ...) with UUIDv5, so importing the same file again finds the same
//! events: identical rows are left alone and changed ones become new revisions.

pub mod acled;
pub mod auto_archiver;
/// Country codes, kept in `domain::country`; named here for the importers that read them.
pub use crate::domain::country as countries;
pub mod csv;
pub mod dates;
pub mod detect;
pub mod gdelt;
pub mod geojson;
pub mod mapping;
pub mod pipeline;
pub mod places;
pub mod records;
pub mod rejects;
pub mod timemap;

use std::io::BufRead;
use std::ops::ControlFlow;

use serde_json::Value;
use uuid::Uuid;

use crate::domain::EventInput;

pub use mapping::Mapping;
pub use pipeline::{ImportOptions, ImportReport};

/// The formats `eventmap import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A FeatureCollection, a single Feature, or one Feature per line.
    Geojson,
    /// A CSV (or semicolon- or tab-separated) file with a header row.
    Csv,
    /// An ACLED export (current, 2020 or older upper-case layout).
    Acled,
    /// A GDELT 1.0 or 2.0 events file (tab-separated, no header).
    Gdelt,
    /// A TimeMap domain: events, sources and associations.
    Timemap,
}

impl Format {
    pub const ALL: [Format; 5] = [Self::Geojson, Self::Csv, Self::Acled, Self::Gdelt, Self::Timemap];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Geojson => "geojson",
            Self::Csv => "csv",
            Self::Acled => "acled",
            Self::Gdelt => "gdelt",
            Self::Timemap => "timemap",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "json" | "ndjson" | "geojsonseq" => Some(Self::Geojson),
            "tsv" => Some(Self::Csv),
            _ => Self::ALL.into_iter().find(|f| f.as_str() == s),
        }
    }

    /// Whether the format brings its own codebook, whose types we map onto our categories: an
    /// event type outside the team's vocabulary then falls back to the vocabulary's fallback
    /// (the original stays in `properties`). In CSV and GeoJSON the category is the user's own
    /// and a wrong one is an error.
    pub fn maps_categories(self) -> bool {
        matches!(self, Self::Acled | Self::Gdelt | Self::Timemap)
    }

    /// Whether places that have coordinates but no country get one by reverse geocoding. Not
    /// for GeoJSON, whose features (our own export above all) must come back as they left.
    pub fn fills_countries(self) -> bool {
        !matches!(self, Self::Geojson)
    }
}

/// Where a row is in its file: the physical line it starts on (1-based, the header of a CSV
/// file being line 1; the line of the opening `{` of a GeoJSON Feature or a TimeMap event) and
/// its ordinal among the records (1-based, header not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: u64,
    pub record: u64,
}

/// What a file of rejected rows needs besides the rows, the same for every row of a file: a
/// CSV file's header row and delimiter, a TimeMap file's sources and associations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// CSV and ACLED: the header row as it is in the file, without its line end. TimeMap: the
    /// members of the top-level object other than `events`, as JSON text (`"sources": {...}`).
    pub head: Vec<u8>,
    /// The column delimiter of CSV, ACLED and GDELT files.
    pub delimiter: u8,
    /// The file's line end (`\r\n` when its header ends so), for the rows written after it.
    pub line_end: &'static str,
}

impl Default for Frame {
    fn default() -> Self {
        Self { head: Vec::new(), delimiter: b',', line_end: "\n" }
    }
}

/// One row as it is in its file: where, and its text.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub at: Position,
    /// The row exactly as it is in the file, without its line end: a CSV record (quotes and
    /// line breaks inside cells included), a GDELT line, a Feature's or a TimeMap event's JSON.
    pub raw: &'a [u8],
    pub frame: &'a Frame,
}

/// The most of a row's text a report shows.
pub const MAX_ROW_SHOWN: usize = 2000;

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub record: u64,
    pub reason: String,
    /// The row as it is in the file (invalid UTF-8 replaced), cut at [`MAX_ROW_SHOWN`] bytes.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub row: String,
    /// Whether `row` was cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub row_truncated: bool,
}

impl RowError {
    pub fn new(at: Position, reason: impl Into<String>) -> Self {
        Self { line: at.line, record: at.record, reason: reason.into(), row: String::new(), row_truncated: false }
    }

    /// The error with the row's text, cut to [`MAX_ROW_SHOWN`] bytes (and an ellipsis).
    pub fn with_row(mut self, raw: &[u8]) -> Self {
        let text = String::from_utf8_lossy(raw);
        if text.len() <= MAX_ROW_SHOWN {
            self.row = text.into_owned();
        } else {
            let mut cut = MAX_ROW_SHOWN;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            self.row = format!("{}…", &text[..cut]);
            self.row_truncated = true;
        }
        self
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "record {}: {}", self.record, self.reason)
        } else {
            write!(f, "line {} (record {}): {}", self.line, self.record, self.reason)
        }
    }
}

/// What a parser makes of one row: an event, nothing (a row that is skipped on purpose, such as
/// a deleted event in our own export), or the reason it is bad.
pub type Parsed = Result<Option<EventInput>, String>;

/// Receives the rows of a file in order; `Break` stops the parser.
pub type Sink<'a> = dyn FnMut(Row<'_>, Parsed) -> ControlFlow<()> + 'a;

/// The names of the two columns a rejects file puts before each row (its line and the reason),
/// which every importer ignores, so that a fixed rejects file can be imported as it is.
pub const REJECT_COLUMNS: [&str; 2] = ["_line", "_reason"];

/// A fault that stops reading the whole file (as opposed to one bad row).
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {reason}")]
    Malformed { line: u64, reason: String },
}

impl ParseError {
    pub fn malformed(line: u64, reason: impl Into<String>) -> Self {
        Self::Malformed { line, reason: reason.into() }
    }
}

/// Options a parser may need.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Column mapping and defaults for CSV.
    pub mapping: Mapping,
}

/// Reads `input` in `format`, calling `sink` once per row.
pub fn parse(
    format: Format,
    input: &mut dyn BufRead,
    opts: &ParseOptions,
    sink: &mut Sink<'_>,
) -> Result<(), ParseError> {
    match format {
        Format::Geojson => geojson::parse(input, sink),
        Format::Csv => csv::parse(input, &opts.mapping, sink),
        Format::Acled => acled::parse(input, sink),
        Format::Gdelt => gdelt::parse(input, sink),
        Format::Timemap => timemap::parse(input, sink),
    }
}

/// Our namespace for UUIDv5 ids of imported rows.
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://eventmap.invalid/import")
}

/// The stable event id of a row whose key in its source is `key` (`acled:SYR123`).
pub fn key_id(key: &str) -> Uuid {
    Uuid::new_v5(&namespace(), key.as_bytes())
}

/// Sets the id of `input` from its source key.
pub fn set_key(input: &mut EventInput, key: &str) {
    input.id = Some(Value::String(key_id(key).to_string()));
}

/// A short hex digest of some text, for rows that have no key of their own.
pub fn digest(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Cuts `s` to at most `max` characters at a word boundary, adding an ellipsis when it cuts.
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut[..],
    };
    format!("{}…", cut.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';'))
}

/// Text of a cell, trimmed; `None` when empty.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Splits a list cell (`a; b; c`) into trimmed, non-empty items.
pub fn split_list(s: &str, separators: &[char]) -> Vec<String> {
    s.split(|c| separators.contains(&c)).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// Parses a coordinate written with a point or a decimal comma.
pub fn coordinate(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().or_else(|| t.replace(',', ".").parse::<f64>().ok()).filter(|v| v.is_finite())
}

/// The id a row was given by its parser.
pub fn row_id(input: &EventInput) -> Option<Uuid> {
    input.id.as_ref().and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_give_the_same_id_every_time_and_different_keys_different_ids() {
        assert_eq!(key_id("acled:SYR1"), key_id("acled:SYR1"));
        assert_ne!(key_id("acled:SYR1"), key_id("acled:SYR2"));
        assert_eq!(key_id("gdelt:1").get_version_num(), 5);
    }

    #[test]
    fn long_text_is_shortened_at_a_word() {
        assert_eq!(shorten("short", 10), "short");
        let s = shorten("a convoy of about thirty vehicles left the base", 20);
        assert!(s.chars().count() <= 20, "{s}");
        assert!(s.ends_with('…'));
        assert_eq!(s, "a convoy of about…");
    }

    #[test]
    fn coordinates_may_use_a_decimal_comma() {
        assert_eq!(coordinate("35,5"), Some(35.5));
        assert_eq!(coordinate(" -12.25 "), Some(-12.25));
        assert_eq!(coordinate(""), None);
        assert_eq!(coordinate("north"), None);
    }

    #[test]
    fn formats_are_named_as_on_the_command_line() {
        assert_eq!(Format::parse("ACLED"), Some(Format::Acled));
        assert_eq!(Format::parse("ndjson"), Some(Format::Geojson));
        assert_eq!(Format::parse("xlsx"), None);
    }
}
