//! GDELT event files: tab-separated, no header, the layout told by the number of columns:
//! GDELT 1.0 has 57 (58 with `SOURCEURL`, from April 2013), GDELT 2.0 has 61 (it adds the ADM2
//! codes of the three geographies). Only the action geography places an event: a row without its
//! coordinates keeps its name for the pipeline to geocode (in its country); a row with neither
//! is refused.
//!
//! - key `GLOBALEVENTID`; day `SQLDATE` (time precision day);
//! - place: `ActionGeo_FullName` (first part as the name, the state or province as `admin1`),
//!   `ActionGeo_Lat`/`Long`, `ActionGeo_CountryCode` (FIPS 10-4, translated to ISO alpha-2),
//!   precision from `ActionGeo_Type` (country, state -> region, city -> settlement);
//! - source: `SOURCEURL`, published at `DATEADDED`;
//! - category from the CAMEO root code (and a few base codes), see [`category`];
//! - actors `Actor1Name`, `Actor2Name`; the CAMEO codes, Goldstein scale, tone and counts go to
//!   `properties.gdelt`.

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};
use std::io::BufRead;

use super::{Frame, ParseError, Parsed, Position, Row, Sink, countries, non_empty, shorten};
use crate::domain::{EventInput, LocationPrecision, PlaceInput, SourceInput, TimePrecision};

/// Column positions that differ between the layouts.
struct Layout {
    version: &'static str,
    action_type: usize,
    action_fullname: usize,
    action_country: usize,
    action_adm1: usize,
    action_lat: usize,
    action_long: usize,
    action_feature: usize,
    date_added: usize,
    source_url: Option<usize>,
}

const GDELT1: Layout = Layout {
    version: "1.0",
    action_type: 49,
    action_fullname: 50,
    action_country: 51,
    action_adm1: 52,
    action_lat: 53,
    action_long: 54,
    action_feature: 55,
    date_added: 56,
    source_url: Some(57),
};

const GDELT2: Layout = Layout {
    version: "2.0",
    action_type: 51,
    action_fullname: 52,
    action_country: 53,
    action_adm1: 54,
    action_lat: 56,
    action_long: 57,
    action_feature: 58,
    date_added: 59,
    source_url: Some(60),
};

/// The layout of a row with `n` columns.
fn layout(n: usize) -> Option<(Layout, bool)> {
    match n {
        57 => Some((GDELT1, false)),
        58 => Some((GDELT1, true)),
        61 => Some((GDELT2, true)),
        _ => None,
    }
}

/// The names of CAMEO's twenty root codes, for titles.
const ROOTS: [&str; 20] = [
    "Public statement",
    "Appeal",
    "Intent to cooperate",
    "Consultation",
    "Diplomatic cooperation",
    "Material cooperation",
    "Aid",
    "Concession",
    "Investigation",
    "Demand",
    "Disapproval",
    "Rejection",
    "Threat",
    "Protest",
    "Show of force",
    "Reduced relations",
    "Coercion",
    "Assault",
    "Fighting",
    "Mass violence",
];

/// Our category for a CAMEO event: protests (14, riots 145), force posture (15) as military
/// movement, arrests (173), repression (175) and assaults (18, bombings 183) against people,
/// fighting (19: artillery 194 as shelling, aerial weapons 195 as air strikes), mass violence
/// (20); everything verbal or diplomatic (01-13, 16, the rest of 17) is `other`.
pub fn category(root: &str, base: &str) -> &'static str {
    match (root.trim(), base.trim()) {
        (_, "145") => "riot",
        ("14", _) => "protest",
        ("15", _) => "military_movement",
        (_, "173") => "arrest",
        (_, "175") => "violence_against_civilians",
        (_, "183") => "explosion",
        ("18", _) => "violence_against_civilians",
        (_, "194") => "shelling",
        (_, "195") => "air_or_drone_strike",
        ("19", _) => "armed_clash",
        ("20", _) => "violence_against_civilians",
        _ => "other",
    }
}

/// Our precision for a GDELT geography type.
fn precision(geo_type: &str) -> LocationPrecision {
    match geo_type.trim() {
        "1" => LocationPrecision::Country,
        "2" | "5" => LocationPrecision::Region,
        _ => LocationPrecision::Settlement,
    }
}

/// Reads a GDELT events file, or a rejects file of one (whose first line names the columns
/// `_line` and `_reason` that come before each row).
pub fn parse(input: &mut dyn BufRead, sink: &mut Sink<'_>) -> Result<(), ParseError> {
    let mut frame = Frame { delimiter: b'\t', ..Frame::default() };
    let mut buf = Vec::with_capacity(4096);
    let (mut line, mut record) = (0u64, 0u64);
    // Whether each row begins with a rejects file's line and reason.
    let mut rejects_layout = false;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        line += 1;
        let end = buf.len() - buf.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        let raw = &buf[..end];
        if line == 1 && is_rejects_head(raw) {
            rejects_layout = true;
            frame.head = raw.to_vec();
            continue;
        }
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        record += 1;
        let at = Position { line, record };
        let parsed = match std::str::from_utf8(raw) {
            Ok(text) if rejects_layout => match text.splitn(3, '\t').nth(2) {
                Some(own) => row(own),
                None => Err("has no GDELT row after its `_line` and `_reason`".into()),
            },
            Ok(text) => row(text),
            Err(_) => Err("the line is not UTF-8 text".into()),
        };
        if sink(Row { at, raw, frame: &frame }, parsed).is_break() {
            return Ok(());
        }
    }
}

/// Whether a first line is the header of a rejects file: `_line`, `_reason`, and nothing else
/// named.
fn is_rejects_head(line: &[u8]) -> bool {
    let mut cells = line.split(|b| *b == b'\t');
    cells.next() == Some(b"_line") && cells.next() == Some(b"_reason") && cells.all(|c| c.is_empty())
}

fn row(line: &str) -> Parsed {
    let c: Vec<&str> = line.split('\t').collect();
    let (l, has_url) = layout(c.len())
        .ok_or_else(|| format!("has {} tab-separated columns; GDELT 1.0 has 57 or 58 and GDELT 2.0 has 61", c.len()))?;
    let cell = |i: usize| c.get(i).map(|s| s.trim()).unwrap_or("");
    let key = cell(0);
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("GLOBALEVENTID `{key}` is not a number"));
    }
    let day = NaiveDate::parse_from_str(cell(1), "%Y%m%d")
        .map_err(|_| format!("SQLDATE `{}` is not a date YYYYMMDD", cell(1)))?;
    let full = cell(l.action_fullname);
    let (lat, lon) = match (super::coordinate(cell(l.action_lat)), super::coordinate(cell(l.action_long))) {
        (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
        // Geocoded by its name.
        _ if !full.is_empty() => (None, None),
        _ => {
            return Err(
                "has no action geography (ActionGeo_Lat, ActionGeo_Long and ActionGeo_FullName are empty)".into()
            );
        }
    };
    let parts: Vec<&str> = full.split(", ").map(str::trim).filter(|p| !p.is_empty()).collect();
    let geo_type = cell(l.action_type);
    let admin1 = match (geo_type, parts.len()) {
        ("3" | "4", 3..) => Some(parts[parts.len() - 2].to_string()),
        ("2" | "5", 2..) => Some(parts[0].to_string()),
        _ => None,
    };
    let place = PlaceInput {
        name: parts.first().map(|s| s.to_string()).or_else(|| non_empty(full)),
        country: countries::from_fips(cell(l.action_country)).map(str::to_string),
        admin1,
        lon,
        lat,
        precision: Some(precision(geo_type)),
        ..Default::default()
    };
    let (root, base, code) = (cell(28), cell(27), cell(26));
    let actors: Vec<String> = [cell(6), cell(16)].iter().filter_map(|a| non_empty(a)).collect();
    let root_name = root.parse::<usize>().ok().and_then(|r| ROOTS.get(r.wrapping_sub(1))).copied().unwrap_or("Event");
    let mut title = root_name.to_string();
    if !actors.is_empty() {
        title.push_str(": ");
        title.push_str(&actors.join(" and "));
    }
    if !full.is_empty() {
        title.push_str(" in ");
        title.push_str(full);
    }
    let date_added = cell(l.date_added);
    let published_at = NaiveDateTime::parse_from_str(date_added, "%Y%m%d%H%M%S")
        .map(|t| crate::domain::time::format_rfc3339(Utc.from_utc_datetime(&t)))
        .or_else(|_| NaiveDate::parse_from_str(date_added, "%Y%m%d").map(|d| d.format("%Y-%m-%d").to_string()))
        .ok();
    let url = l.source_url.filter(|_| has_url).map(cell).filter(|u| !u.is_empty());
    let mut gdelt = Map::new();
    gdelt.insert("version".into(), json!(l.version));
    gdelt.insert("globaleventid".into(), json!(key));
    for (name, v) in [
        ("event_code", code),
        ("event_base_code", base),
        ("event_root_code", root),
        ("quad_class", cell(29)),
        ("goldstein_scale", cell(30)),
        ("num_mentions", cell(31)),
        ("num_sources", cell(32)),
        ("num_articles", cell(33)),
        ("avg_tone", cell(34)),
        ("is_root_event", cell(25)),
        ("actor1_code", cell(5)),
        ("actor2_code", cell(15)),
        ("action_geo_type", geo_type),
        ("action_geo_fullname", full),
        ("action_geo_country_code", cell(l.action_country)),
        ("action_geo_adm1_code", cell(l.action_adm1)),
        ("action_geo_feature_id", cell(l.action_feature)),
        ("date_added", date_added),
    ] {
        if !v.is_empty() {
            gdelt.insert(name.into(), Value::String(v.to_string()));
        }
    }
    // A SOURCEURL that is not a web address (GDELT sometimes names a wire service instead)
    // cannot be one of our sources; it is kept with the GDELT fields.
    let sources = match url {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            Some(vec![SourceInput { url: u.to_string(), published_at, ..Default::default() }])
        }
        Some(other) => {
            gdelt.insert("source".into(), Value::String(other.to_string()));
            None
        }
        None => None,
    };
    let mut props = Map::new();
    props.insert("gdelt".into(), Value::Object(gdelt));
    let mut input = EventInput {
        title: Some(shorten(&title, 300)),
        category: Some(category(root, base).to_string()),
        actors: (!actors.is_empty()).then_some(actors),
        start: Some(day.format("%Y-%m-%d").to_string()),
        time_precision: Some(TimePrecision::Day),
        places: Some(vec![place]),
        sources,
        properties: Some(props),
        ..Default::default()
    };
    super::set_key(&mut input, &format!("gdelt:{key}"));
    Ok(Some(input))
}

/// A made-up GDELT row in either layout, for tests and benchmarks: `version` 1 (58 columns) or 2
/// (61 columns).
pub fn sample_row(version: u8, id: u64, day: &str, root: &str, lat: f64, lon: f64, url: &str) -> String {
    let n = if version == 1 { 58 } else { 61 };
    let l = if version == 1 { GDELT1 } else { GDELT2 };
    let mut c = vec![String::new(); n];
    c[0] = id.to_string();
    c[1] = day.to_string();
    c[6] = "PROTESTER".into();
    c[16] = "POLICE".into();
    c[25] = "1".into();
    c[26] = format!("{root}0");
    c[27] = format!("{root}0");
    c[28] = root.to_string();
    c[29] = "3".into();
    c[l.action_type] = "4".into();
    c[l.action_fullname] = "Alphaville, Beta Province, Syria".into();
    c[l.action_country] = "SY".into();
    c[l.action_lat] = lat.to_string();
    c[l.action_long] = lon.to_string();
    c[l.date_added] = if version == 1 { day.to_string() } else { format!("{day}101500") };
    c[n - 1] = url.to_string();
    c.join("\t")
}

/// Whether the head of a file is a GDELT rejects file: the `_line` and `_reason` header, then
/// rows that are GDELT rows after those two cells.
pub fn looks_like_rejects(head: &str) -> bool {
    let mut lines = head.lines();
    lines.next().is_some_and(|h| is_rejects_head(h.trim_end_matches('\r').as_bytes()))
        && lines.next().and_then(|l| l.splitn(3, '\t').nth(2)).is_some_and(looks_like)
}

/// Whether a tab-separated line looks like a GDELT row (for format detection).
pub fn looks_like(line: &str) -> bool {
    let c: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('\t').collect();
    layout(c.len()).is_some()
        && c[0].bytes().all(|b| b.is_ascii_digit())
        && !c[0].is_empty()
        && NaiveDate::parse_from_str(c[1], "%Y%m%d").is_ok()
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;

    fn one(line: &str) -> EventInput {
        row(line).unwrap().unwrap()
    }

    #[test]
    fn both_layouts_give_the_same_event_for_the_same_row() {
        let a = one(&sample_row(1, 1001, "20250210", "14", 35.5, 36.1, "https://example.org/a"));
        let b = one(&sample_row(2, 1001, "20250210", "14", 35.5, 36.1, "https://example.org/a"));
        assert_eq!(a.id, b.id);
        assert_eq!(a.start.as_deref(), Some("2025-02-10"));
        assert_eq!(a.category.as_deref(), Some("protest"));
        let p = &b.places.as_ref().unwrap()[0];
        assert_eq!(
            (p.name.as_deref(), p.admin1.as_deref(), p.country.as_deref()),
            (Some("Alphaville"), Some("Beta Province"), Some("SY"))
        );
        assert_eq!(b.sources.as_ref().unwrap()[0].published_at.as_deref(), Some("2025-02-10T10:15:00Z"));
        assert_eq!(a.sources.as_ref().unwrap()[0].published_at.as_deref(), Some("2025-02-10"));
    }

    #[test]
    fn fifty_seven_columns_have_no_source() {
        let line = sample_row(1, 7, "19990101", "19", 1.0, 2.0, "x");
        let cols: Vec<&str> = line.split('\t').take(57).collect();
        let e = one(&cols.join("\t"));
        assert!(e.sources.is_none());
        assert_eq!(e.category.as_deref(), Some("armed_clash"));
    }

    #[test]
    fn a_row_without_coordinates_keeps_its_place_name_and_country_to_be_geocoded() {
        let line = sample_row(2, 8, "20250210", "19", 1.0, 2.0, "https://e.org/")
            .replace("\t1\t2\t", "\t\t\t")
            .replace("Alphaville, Beta Province, Syria", "Aleppo, Halab, Syria");
        let p = one(&line).places.unwrap().remove(0);
        assert_eq!((p.lon, p.lat), (None, None));
        assert_eq!(
            (p.name.as_deref(), p.admin1.as_deref(), p.country.as_deref()),
            (Some("Aleppo"), Some("Halab"), Some("SY"))
        );
    }

    #[test]
    fn rows_without_any_action_geography_or_with_the_wrong_width_are_refused() {
        let line = sample_row(2, 8, "20250210", "19", 1.0, 2.0, "https://e.org/")
            .replace("\t1\t2\t", "\t\t\t")
            .replace("Alphaville, Beta Province, Syria", "");
        assert!(row(&line).unwrap_err().contains("no action geography"), "{line}");
        assert!(row("1\t2\t3").unwrap_err().contains("columns"));
    }

    fn rows(text: &[u8]) -> Vec<(Position, String, Parsed)> {
        let mut out = Vec::new();
        parse(&mut &text[..], &mut |row, r| {
            out.push((row.at, String::from_utf8_lossy(row.raw).into_owned(), r));
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    #[test]
    fn each_row_has_its_own_line_and_text_even_after_a_line_that_is_not_utf8() {
        let a = sample_row(2, 1, "20250210", "14", 35.9, 36.6, "https://e.org/a");
        let b = sample_row(2, 2, "20250211", "14", 36.2, 37.1, "https://e.org/b");
        let mut text = format!("{a}\r\n\r\n").into_bytes();
        text.extend_from_slice(b"\xff\xfe not text\n");
        text.extend_from_slice(format!("{b}\n").as_bytes());
        let r = rows(&text);
        let at: Vec<(u64, u64)> = r.iter().map(|(p, _, _)| (p.line, p.record)).collect();
        assert_eq!(at, [(1, 1), (3, 2), (4, 3)]);
        assert_eq!((r[0].1.as_str(), r[2].1.as_str()), (a.as_str(), b.as_str()));
        assert!(r[1].2.as_ref().unwrap_err().contains("not UTF-8"));
        assert!(r[2].2.is_ok(), "the row after the bad line is read");
    }

    #[test]
    fn a_rejects_file_is_read_past_its_line_and_reason() {
        let a = sample_row(1, 5, "20250210", "14", 35.9, 36.6, "https://e.org/a");
        let text = format!("_line\t_reason\n7\tSQLDATE was wrong\t{a}\n");
        let r = rows(text.as_bytes());
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].0.line, r[0].0.record), (2, 1));
        assert_eq!(r[0].2.as_ref().unwrap().as_ref().unwrap().id, one(&a).id);
        assert!(looks_like_rejects(&text));
        assert!(!looks_like_rejects(&a));
    }

    #[test]
    fn cameo_codes_map_to_our_categories() {
        assert_eq!(category("19", "195"), "air_or_drone_strike");
        assert_eq!(category("19", "194"), "shelling");
        assert_eq!(category("17", "173"), "arrest");
        assert_eq!(category("14", "145"), "riot");
        assert_eq!(category("18", "183"), "explosion");
        assert_eq!(category("04", "040"), "other");
    }
}
