//! CSV: one row per event with places and sources flattened, UTF-8 with a byte-order mark so that
//! spreadsheets read the accents and scripts right. Text cells that a spreadsheet would run as a
//! formula (`=`, `+`, `-`, `@` first) are prefixed with an apostrophe.
//!
//! Columns are only ever added at the end, so that a reader that takes them by position keeps
//! working; those after `revision` make a row citable and joinable back to the data set it was
//! imported from (see [`provenance`](super::provenance) and docs/IMPORT.md).

use super::provenance::source_names;
use super::view::FeatureView;

/// The columns, in order.
pub const COLUMNS: [&str; 32] = [
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
    "place_names",
    "place_roles",
    "place_ids",
    "countries",
    "admin1",
    "location_precision",
    "source_urls",
    "source_titles",
    "source_publishers",
    "reported_at",
    "created_at",
    "updated_at",
    "revision",
    "source_names",
    "acled_event_id_cnty",
    "gdelt_globaleventid",
    "timemap_id",
    "source_captured_at",
    "source_sha256",
];

/// Separator inside a cell that holds a list.
pub const LIST_SEP: &str = " | ";

fn cell(out: &mut Vec<u8>, s: &str, text: bool) {
    let needs_guard = text && s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = needs_guard || s.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push(b'"');
        if needs_guard {
            out.push(b'\'');
        }
        for ch in s.chars() {
            if ch == '"' {
                out.extend_from_slice(b"\"\"");
            } else {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// The byte-order mark and the header line.
pub fn head(out: &mut Vec<u8>) {
    out.extend_from_slice("\u{feff}".as_bytes());
    out.extend_from_slice(COLUMNS.join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Writes a list as one cell, its items joined by [`LIST_SEP`].
fn list_cell<'a>(out: &mut Vec<u8>, scratch: &mut String, items: impl Iterator<Item = &'a str>, text: bool) {
    scratch.clear();
    for (i, it) in items.enumerate() {
        if i > 0 {
            scratch.push_str(LIST_SEP);
        }
        scratch.push_str(it);
    }
    cell(out, scratch, text);
}

/// One event (read from its stored Feature) as a CSV line.
pub fn row(f: &FeatureView<'_>, out: &mut Vec<u8>) {
    let d = &f.properties;
    let mut scratch = String::new();
    let num = |out: &mut Vec<u8>, v: f64| {
        out.extend_from_slice(v.to_string().as_bytes());
        out.push(b',');
    };
    cell(out, &f.id, false);
    out.push(b',');
    cell(out, &d.title, true);
    out.push(b',');
    cell(out, d.description.as_deref().unwrap_or(""), true);
    out.push(b',');
    cell(out, &d.category, false);
    out.push(b',');
    list_cell(out, &mut scratch, d.tags.iter().map(|t| &**t), true);
    out.push(b',');
    list_cell(out, &mut scratch, d.actors.iter().map(|t| &**t), true);
    out.push(b',');
    cell(out, &d.start, false);
    out.push(b',');
    cell(out, d.end.as_deref().unwrap_or(""), false);
    out.push(b',');
    cell(out, d.time_precision.as_str(), false);
    out.push(b',');
    cell(out, &d.status, false);
    out.push(b',');
    if let Some(n) = d.fatalities {
        out.extend_from_slice(n.to_string().as_bytes());
    }
    out.push(b',');
    match d.places.first() {
        Some(p) => {
            num(out, p.lon);
            num(out, p.lat);
        }
        None => {
            let env = f.geometry().as_ref().map(crate::domain::geometry::envelope).unwrap_or([0.0; 4]);
            num(out, (env[0] + env[2]) / 2.0);
            num(out, (env[1] + env[3]) / 2.0);
        }
    }
    list_cell(out, &mut scratch, d.places.iter().map(|p| &*p.name), true);
    out.push(b',');
    list_cell(out, &mut scratch, d.places.iter().map(|p| p.role.as_str()), false);
    out.push(b',');
    list_cell(out, &mut scratch, d.places.iter().map(|p| p.gazetteer_id.as_deref().unwrap_or("")), false);
    out.push(b',');
    let mut countries: Vec<&str> = d.places.iter().filter_map(|p| p.country.as_deref()).collect();
    countries.sort_unstable();
    countries.dedup();
    list_cell(out, &mut scratch, countries.into_iter(), false);
    out.push(b',');
    list_cell(out, &mut scratch, d.places.iter().map(|p| p.admin1.as_deref().unwrap_or("")), true);
    out.push(b',');
    list_cell(out, &mut scratch, d.places.iter().map(|p| p.precision.as_str()), false);
    out.push(b',');
    list_cell(out, &mut scratch, d.sources.iter().map(|s| &*s.url), false);
    out.push(b',');
    list_cell(out, &mut scratch, d.sources.iter().map(|s| s.title.as_deref().unwrap_or("")), true);
    out.push(b',');
    list_cell(out, &mut scratch, d.sources.iter().map(|s| s.publisher.as_deref().unwrap_or("")), true);
    out.push(b',');
    cell(out, d.reported_at.as_deref().unwrap_or(""), false);
    out.push(b',');
    cell(out, &d.created_at, false);
    out.push(b',');
    cell(out, &d.updated_at, false);
    out.push(b',');
    out.extend_from_slice(d.revision.to_string().as_bytes());
    out.push(b',');
    list_cell(out, &mut scratch, source_names(f), true);
    let p = &d.properties;
    for key in [&p.acled_event_id_cnty, &p.gdelt_globaleventid, &p.timemap_id] {
        out.push(b',');
        cell(out, key.as_deref().unwrap_or(""), true);
    }
    out.push(b',');
    list_cell(out, &mut scratch, d.sources.iter().map(|s| s.captured_at.as_deref().unwrap_or("")), false);
    out.push(b',');
    list_cell(out, &mut scratch, d.sources.iter().map(|s| s.sha256.as_deref().unwrap_or("")), false);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_commas_quotes_and_newlines_are_quoted() {
        let mut out = Vec::new();
        cell(&mut out, "a, \"b\"\nc", true);
        assert_eq!(String::from_utf8(out).unwrap(), "\"a, \"\"b\"\"\nc\"");
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_guarded_but_numbers_are_not() {
        let mut out = Vec::new();
        cell(&mut out, "=HYPERLINK(\"x\")", true);
        assert_eq!(String::from_utf8(out).unwrap(), "\"'=HYPERLINK(\"\"x\"\")\"");
        let mut out = Vec::new();
        cell(&mut out, "-3.5", false);
        assert_eq!(out, b"-3.5");
    }

    #[test]
    fn a_row_has_every_column_with_lists_flattened() {
        let input = crate::domain::EventInput::from_json(serde_json::json!({
            "title": "=Convoy, \"large\"", "start": "2025-02-10", "category": "military movement", "tags": ["a", "b"],
            "places": [{"name": "Hmeimim", "role": "origin", "lon": 35.9486, "lat": 35.4011, "country": "SY"},
                       {"name": "Tartus", "role": "destination", "lon": 35.8866, "lat": 34.889, "country": "SY", "admin1": "Tartus"}],
            "sources": [{"url": "https://example.org/a", "title": "A"}, {"url": "https://example.org/b", "publisher": "B"}]}))
        .unwrap();
        let d = input.validate(&crate::domain::Vocabulary::default()).unwrap();
        let now = crate::domain::time::parse_instant("2025-02-11T00:00:00Z").unwrap().at;
        let ev = crate::domain::Event::new(uuid::Uuid::nil(), d, now);
        let json = ev.to_feature_json();
        let mut out = Vec::new();
        row(&FeatureView::parse(&json).unwrap(), &mut out);
        let line = String::from_utf8(out).unwrap();
        let mut r = ::csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(rec.len(), COLUMNS.len());
        let col = |name: &str| rec.get(COLUMNS.iter().position(|c| *c == name).unwrap()).unwrap().to_string();
        assert_eq!(col("title"), "'=Convoy, \"large\"");
        assert_eq!(col("tags"), "a | b");
        assert_eq!(col("start"), "2025-02-10T00:00:00Z");
        assert_eq!((col("lon"), col("lat")), ("35.9486".to_string(), "35.4011".to_string()));
        assert_eq!(col("place_names"), "Hmeimim | Tartus");
        assert_eq!(col("place_roles"), "origin | destination");
        assert_eq!(col("countries"), "SY");
        assert_eq!(col("admin1"), " | Tartus");
        assert_eq!(col("source_titles"), "A | ");
        assert_eq!(col("source_publishers"), " | B");
        assert_eq!(col("created_at"), "2025-02-11T00:00:00Z");
        assert_eq!(col("revision"), "1");
        assert!(line.ends_with("\r\n"));
    }

    /// The CSV record of an event given in the plain form, read back by column name.
    fn record(event: serde_json::Value) -> impl Fn(&str) -> String {
        let d = crate::domain::EventInput::from_json(event).unwrap().validate(&crate::domain::Vocabulary::default());
        let now = crate::domain::time::parse_instant("2025-02-11T00:00:00Z").unwrap().at;
        let json = crate::domain::Event::new(uuid::Uuid::nil(), d.unwrap(), now).to_feature_json();
        let mut out = Vec::new();
        row(&FeatureView::parse(&json).unwrap(), &mut out);
        let mut r = ::csv::ReaderBuilder::new().has_headers(false).from_reader(&out[..]);
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(rec.len(), COLUMNS.len());
        move |name: &str| rec.get(COLUMNS.iter().position(|c| *c == name).unwrap()).unwrap().to_string()
    }

    #[test]
    fn an_acled_row_keeps_its_event_id_and_the_names_of_its_sources() {
        let col = record(serde_json::json!({
            "title": "Armed clash in Jableh, Syria", "start": "2023-06-02", "category": "armed_clash",
            "places": [{"name": "Jableh", "lon": 35.9256, "lat": 35.361}],
            "properties": {"acled": {"event_id_cnty": "SYR123", "source": "Example Weekly; Sample Radio", "admin1": "Lattakia"}}}));
        assert_eq!(col("acled_event_id_cnty"), "SYR123");
        assert_eq!(col("source_names"), "Example Weekly | Sample Radio");
        assert_eq!(col("source_urls"), "", "ACLED names publishers, not URLs");
        assert_eq!((col("gdelt_globaleventid"), col("timemap_id")), (String::new(), String::new()));
    }

    #[test]
    fn source_names_line_up_with_source_urls_before_the_sources_without_one() {
        let col = record(serde_json::json!({
            "title": "Fighting in Kharkiv", "start": "2025-02-11", "places": [{"name": "Kharkiv", "lon": 36.23, "lat": 49.99}],
            "sources": [{"url": "https://example.org/a", "publisher": "Paper A", "title": "Story"},
                        {"url": "https://example.org/b", "title": "Only a title"}, {"url": "https://example.org/c"}],
            "properties": {"gdelt": {"globaleventid": "1100000002", "source": "BBC Monitoring"}, "timemap": {"id": "TM1"}}}));
        assert_eq!(col("source_urls"), "https://example.org/a | https://example.org/b | https://example.org/c");
        assert_eq!(col("source_names"), "Paper A | Only a title |  | BBC Monitoring");
        assert_eq!(col("gdelt_globaleventid"), "1100000002");
        assert_eq!(col("timemap_id"), "TM1");
    }

    #[test]
    fn the_citation_columns_come_after_every_earlier_column_in_its_place() {
        assert_eq!(&COLUMNS[..3], ["id", "title", "description"]);
        assert_eq!(COLUMNS.iter().position(|c| *c == "revision"), Some(25));
        assert_eq!(&COLUMNS[26..30], ["source_names", "acled_event_id_cnty", "gdelt_globaleventid", "timemap_id"]);
        assert_eq!(&COLUMNS[30..], ["source_captured_at", "source_sha256"]);
    }

    #[test]
    fn the_head_starts_with_a_byte_order_mark() {
        let mut out = Vec::new();
        head(&mut out);
        assert!(out.starts_with("\u{feff}id,title,".as_bytes()));
    }
}
