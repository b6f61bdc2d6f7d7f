//! CSV with a header row, mapped by column name: eventmap's own CSV export, and spreadsheets
//! whose headers say what they hold (`title`, `date`, `latitude`, `location`, `source_url`, ...),
//! with a [`Mapping`] for the rest. Columns that fill no field are kept in `properties`, so no
//! cell is lost. Lists (places, sources, tags) are separated by `|` or `;`; the place and source
//! lists of our own export line up item by item.
//!
//! The row's key is its `id` column (kept as the event id when it is a UUID, as in our export),
//! or else a digest of the whole row.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::dates::{self, When};
use super::records::Records;
use super::{Mapping, ParseError, Parsed, REJECT_COLUMNS, Sink, mapping::FIELDS, non_empty};
use crate::domain::{EventInput, PlaceInput, SourceInput};

/// Header names (folded by [`fold_header`]) that fill each field when no mapping says otherwise.
const SYNONYMS: [(&str, &[&str]); 22] = [
    ("id", &["id", "event_id", "key", "uid", "identifier"]),
    ("title", &["title", "headline", "name", "event", "summary"]),
    ("description", &["description", "desc", "notes", "details", "text"]),
    ("category", &["category", "type", "event_type"]),
    ("tags", &["tags", "tag", "labels"]),
    ("actors", &["actors", "actor"]),
    ("start", &["start", "date", "start_date", "datetime", "event_date", "start_time", "when"]),
    ("end", &["end", "end_date", "end_time"]),
    ("time_precision", &["time_precision"]),
    ("status", &["status"]),
    ("fatalities", &["fatalities", "deaths", "killed"]),
    ("lon", &["lon", "lng", "long", "longitude", "x"]),
    ("lat", &["lat", "latitude", "y"]),
    ("place", &["place", "place_name", "place_names", "location", "town", "city", "locality"]),
    ("place_role", &["place_role", "place_roles", "role"]),
    ("place_id", &["place_id", "place_ids", "gazetteer_id", "gazetteer_ids"]),
    ("country", &["country", "countries", "country_code", "iso2"]),
    ("admin1", &["admin1", "province", "governorate"]),
    ("location_precision", &["location_precision", "precision", "geo_precision"]),
    ("source_url", &["source_url", "source_urls", "url", "link", "source"]),
    ("source_title", &["source_title", "source_titles"]),
    ("source_publisher", &["source_publisher", "source_publishers", "publisher"]),
];

/// Columns of our own export that are bookkeeping, not data: read back by nobody.
const IGNORED: [&str; 6] =
    ["reported_at", "created_at", "updated_at", "revision", "source_captured_at", "source_sha256"];

/// A header as compared: lower case, trimmed, spaces and hyphens as underscores, no BOM.
pub fn fold_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() })
        .collect()
}

/// Guesses the delimiter from the first line: the most frequent of comma, semicolon and tab.
pub fn sniff_delimiter(input: &mut dyn BufRead) -> std::io::Result<u8> {
    let buf = input.fill_buf()?;
    let line = buf.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    let (c, s, t) = (count(b','), count(b';'), count(b'\t'));
    Ok(if t > c && t >= s {
        b'\t'
    } else if s > c {
        b';'
    } else {
        b','
    })
}

/// Undoes the apostrophe our CSV export puts before text a spreadsheet would run as a formula.
fn unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => s,
    }
}

/// Which column fills each field.
struct Columns {
    index: [Option<usize>; FIELDS.len()],
    extra: Vec<usize>,
    /// The columns a rejects file adds (`_line`, `_reason`): read by nobody, and left out of the
    /// digest that keys a row without an id, so that a fixed row keeps the id it would have had.
    reject_columns: Vec<usize>,
}

impl Columns {
    fn new(headers: &[String], mapping: &Mapping) -> Result<Self, ParseError> {
        let mut index = [None; FIELDS.len()];
        for (fi, field) in FIELDS.iter().enumerate() {
            if let Some(col) = mapping.columns.get(*field) {
                let want = fold_header(col);
                index[fi] = Some(headers.iter().position(|h| *h == want).ok_or_else(|| {
                    ParseError::malformed(
                        1,
                        format!("the mapping puts {field} in column `{col}`, but the header has no such column"),
                    )
                })?);
                continue;
            }
            let names = SYNONYMS.iter().find(|(f, _)| f == field).map(|(_, n)| *n).unwrap_or(&[]);
            index[fi] = names.iter().find_map(|n| headers.iter().position(|h| h == n));
        }
        let used: Vec<usize> = index.iter().flatten().copied().collect();
        let reject_columns: Vec<usize> =
            (0..headers.len()).filter(|i| REJECT_COLUMNS.contains(&headers[*i].as_str())).collect();
        let extra = (0..headers.len())
            .filter(|i| {
                !used.contains(i)
                    && !reject_columns.contains(i)
                    && !headers[*i].is_empty()
                    && !IGNORED.contains(&headers[*i].as_str())
            })
            .collect();
        let cols = Self { index, extra, reject_columns };
        for required in ["title", "start"] {
            if cols.col(required).is_none() && !mapping.defaults.contains_key(required) {
                return Err(ParseError::malformed(
                    1,
                    format!(
                        "no column holds the {required}: name one `{required}` or map it with --mapping (headers: {})",
                        headers.join(", ")
                    ),
                ));
            }
        }
        Ok(cols)
    }

    fn col(&self, field: &str) -> Option<usize> {
        FIELDS.iter().position(|f| *f == field).and_then(|i| self.index[i])
    }
}

/// Reads a CSV file with a header row.
pub fn parse(input: &mut dyn BufRead, mapping: &Mapping, sink: &mut Sink<'_>) -> Result<(), ParseError> {
    let delimiter = match mapping.delimiter_byte() {
        Some(d) => d,
        None => sniff_delimiter(input)?,
    };
    let (mut records, headers) = Records::open(input, delimiter)?;
    let cols = Columns::new(&headers, mapping)?;
    records.each(|at, cells| {
        let parsed = cells.and_then(|c| row(&c, &headers, &cols, mapping));
        sink(at, parsed)
    })
}

/// The value of a field in this row, or its default.
fn get<'a>(cells: &[&'a str], cols: &Columns, mapping: &'a Mapping, field: &str) -> Option<&'a str> {
    cols.col(field)
        .and_then(|i| cells.get(i).copied())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or_else(|| mapping.defaults.get(field).map(String::as_str))
}

fn parse_when(s: &str, mapping: &Mapping) -> Result<When, String> {
    match &mapping.date_format {
        Some(f) => dates::parse_with(s, f),
        None => dates::parse_date(s),
    }
}

/// What separates the items of a list cell: the mapping's separator, or else `|` (as in our
/// export) when the cell has one, and `;` otherwise.
#[derive(Clone, Copy)]
struct Sep<'a>(Option<&'a str>);

impl<'a> Sep<'a> {
    fn of(self, cell: &str) -> &'a str {
        match self.0 {
            Some(s) => s,
            None if cell.contains('|') => "|",
            None => ";",
        }
    }
}

/// Splits a list cell keeping empty items, so that lists written side by side line up.
fn aligned(s: Option<&str>, sep: Sep<'_>) -> Vec<Option<String>> {
    match s {
        None => Vec::new(),
        Some(s) => s.split(sep.of(s)).map(non_empty).collect(),
    }
}

fn enum_value<T: serde::de::DeserializeOwned>(field: &str, s: &str) -> Result<T, String> {
    serde_json::from_value(Value::String(s.trim().to_ascii_lowercase()))
        .map_err(|_| format!("{field}: `{s}` is not a value eventmap knows"))
}

fn row(cells: &[&str], headers: &[String], cols: &Columns, mapping: &Mapping) -> Parsed {
    let sep = Sep(mapping.list_separator.as_deref());
    let get = |f: &str| get(cells, cols, mapping, f);
    let mut input = EventInput {
        title: get("title").map(|t| unguard(t).to_string()),
        description: get("description").map(|t| unguard(t).to_string()),
        category: get("category").map(str::to_string),
        ..Default::default()
    };
    let list = |f: &str| -> Option<Vec<String>> {
        get(f).map(|s| s.split(sep.of(s)).filter_map(|t| non_empty(unguard(t.trim()))).collect())
    };
    input.tags = list("tags");
    input.actors = list("actors");
    if let Some(s) = get("start") {
        input.start = Some(parse_when(s, mapping).map_err(|e| format!("start: {e}"))?.to_input());
    }
    if let Some(s) = get("end") {
        input.end = Some(parse_when(s, mapping).map_err(|e| format!("end: {e}"))?.to_input());
    }
    if let Some(s) = get("time_precision") {
        input.time_precision = Some(enum_value("time_precision", s)?);
    }
    if let Some(s) = get("status") {
        input.status = Some(enum_value("status", s)?);
    }
    if let Some(s) = get("fatalities") {
        input.fatalities = Some(s.parse::<i64>().map_err(|_| format!("fatalities: `{s}` is not a whole number"))?);
    }
    input.places = places(&get, sep)?;
    input.sources = sources(&get, sep);
    let mut props = Map::with_capacity(cols.extra.len());
    for &i in &cols.extra {
        if let Some(v) = cells.get(i).and_then(|c| non_empty(c)) {
            props.insert(headers[i].clone(), Value::String(v));
        }
    }
    if !props.is_empty() {
        input.properties = Some(props);
    }
    let key = get("id").map(str::to_string);
    match key.as_deref().map(uuid::Uuid::parse_str) {
        Some(Ok(id)) => input.id = Some(Value::String(id.to_string())),
        Some(Err(_)) => super::set_key(&mut input, &format!("csv:{}", key.unwrap_or_default())),
        None if cols.reject_columns.is_empty() => super::set_key(&mut input, &format!("csv:#{}", super::digest(cells))),
        None => {
            let own: Vec<&str> =
                (0..cells.len()).filter(|i| !cols.reject_columns.contains(i)).map(|i| cells[i]).collect();
            super::set_key(&mut input, &format!("csv:#{}", super::digest(&own)))
        }
    }
    Ok(Some(input))
}

fn places<'a>(get: &impl Fn(&str) -> Option<&'a str>, sep: Sep<'_>) -> Result<Option<Vec<PlaceInput>>, String> {
    let coord = |f: &str| -> Result<Option<f64>, String> {
        match get(f) {
            None => Ok(None),
            Some(s) => super::coordinate(s).map(Some).ok_or_else(|| format!("{f}: `{s}` is not a number")),
        }
    };
    let (lon, lat) = (coord("lon")?, coord("lat")?);
    let names = aligned(get("place"), sep);
    let roles = aligned(get("place_role"), sep);
    let ids = aligned(get("place_id"), sep);
    let admin1 = aligned(get("admin1"), sep);
    let precisions = aligned(get("location_precision"), sep);
    let countries: Vec<String> = get("country").map(|c| super::split_list(c, &['|', ';', ','])).unwrap_or_default();
    let n = names.len().max(ids.len()).max(usize::from(lon.is_some() || lat.is_some()));
    if n == 0 {
        return Ok(None);
    }
    // Our export lists the distinct countries of all places, so a country is known per place only
    // when there is one; codes that are not ISO alpha-2 (names, alpha-3) are translated if known.
    let country = match &countries[..] {
        [one] => Some(
            super::countries::any_iso(one)
                .map(str::to_string)
                .ok_or_else(|| format!("country: `{one}` is not an ISO 3166-1 code (SY, SYR or 760)"))?,
        ),
        _ => None,
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let at = |v: &Vec<Option<String>>| v.get(i).cloned().flatten();
        let mut p = PlaceInput {
            name: at(&names),
            gazetteer_id: at(&ids),
            admin1: at(&admin1),
            country: country.clone(),
            ..Default::default()
        };
        if let Some(r) = at(&roles) {
            p.role = Some(enum_value("place_role", &r)?);
        }
        if let Some(pr) = at(&precisions) {
            p.precision = Some(enum_value("location_precision", &pr)?);
        }
        if i == 0 {
            p.lon = lon;
            p.lat = lat;
        }
        out.push(p);
    }
    Ok(Some(out))
}

fn sources<'a>(get: &impl Fn(&str) -> Option<&'a str>, sep: Sep<'_>) -> Option<Vec<SourceInput>> {
    let urls = aligned(get("source_url"), sep);
    if urls.iter().all(Option::is_none) {
        return None;
    }
    let titles = aligned(get("source_title"), sep);
    let publishers = aligned(get("source_publisher"), sep);
    Some(
        urls.iter()
            .enumerate()
            .filter_map(|(i, u)| {
                u.clone().map(|url| SourceInput {
                    url,
                    title: titles.get(i).cloned().flatten().map(|t| unguard(&t).to_string()),
                    publisher: publishers.get(i).cloned().flatten().map(|t| unguard(&t).to_string()),
                    ..Default::default()
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::import::Position;

    fn rows(text: &str, mapping: &Mapping) -> Vec<(Position, Parsed)> {
        let mut out = Vec::new();
        parse(&mut text.as_bytes(), mapping, &mut |row, r| {
            out.push((row.at, r));
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_rejects_files_line_and_reason_are_neither_properties_nor_part_of_the_key() {
        let original = rows("title,start,colour\nA made-up protest,2025-02-10,red\n", &Mapping::default());
        let again = rows(
            "_line,_reason,title,start,colour\n2,\"start: was wrong\",A made-up protest,2025-02-10,red\n",
            &Mapping::default(),
        );
        let (a, b) =
            (original[0].1.as_ref().unwrap().as_ref().unwrap(), again[0].1.as_ref().unwrap().as_ref().unwrap());
        assert_eq!(a.id, b.id, "the same digest");
        assert_eq!(b.properties.as_ref().unwrap().keys().collect::<Vec<_>>(), ["colour"]);
    }

    #[test]
    fn headers_are_recognised_by_name_in_any_order_and_case() {
        let text = "Latitude,Longitude,Date,Headline,Location,Source,Extra\n\
                    34.889,35.887,2025-02-10,Convoy at the port,Tartus,https://example.org/a,yes\n";
        let r = rows(text, &Mapping::default());
        let e = r[0].1.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(e.title.as_deref(), Some("Convoy at the port"));
        assert_eq!(e.start.as_deref(), Some("2025-02-10"));
        let p = &e.places.as_ref().unwrap()[0];
        assert_eq!((p.lon, p.lat, p.name.as_deref()), (Some(35.887), Some(34.889), Some("Tartus")));
        assert_eq!(e.sources.as_ref().unwrap()[0].url, "https://example.org/a");
        assert_eq!(e.properties.as_ref().unwrap()["extra"], "yes");
        assert_eq!(r[0].0, Position { line: 2, record: 1 });
    }

    #[test]
    fn the_same_row_gets_the_same_id_and_an_id_column_is_the_key() {
        let text = "title,start\nA,2025-02-10\nA,2025-02-10\nB,2025-02-11\n";
        let r = rows(text, &Mapping::default());
        let id = |i: usize| r[i].1.as_ref().unwrap().as_ref().unwrap().id.clone();
        assert_eq!(id(0), id(1));
        assert_ne!(id(0), id(2));
        let with_uuid = "id,title,start\n0195a1b2-0000-7000-8000-000000000001,A,2025-02-10\n";
        let r = rows(with_uuid, &Mapping::default());
        assert_eq!(
            r[0].1.as_ref().unwrap().as_ref().unwrap().id,
            Some(Value::String("0195a1b2-0000-7000-8000-000000000001".into()))
        );
    }

    #[test]
    fn a_mapping_names_columns_and_reads_day_first_dates() {
        let m = Mapping::from_json(r#"{"columns": {"title": "Was", "start": "Wann", "place": "Wo"}, "date_format": "%d.%m.%Y", "delimiter": ";", "defaults": {"category": "protest"}}"#).unwrap();
        let r = rows("Was;Wann;Wo\nKundgebung;10.02.2025;Tartus\n", &m);
        let e = r[0].1.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(e.start.as_deref(), Some("2025-02-10"));
        assert_eq!(e.category.as_deref(), Some("protest"));
        assert_eq!(e.places.as_ref().unwrap()[0].name.as_deref(), Some("Tartus"));
    }

    #[test]
    fn bad_cells_are_row_errors_and_a_missing_title_column_stops_the_file() {
        let r = rows("title,start,fatalities\nA,someday,1\nB,2025-02-10,many\n", &Mapping::default());
        assert!(r[0].1.as_ref().unwrap_err().starts_with("start:"));
        assert!(r[1].1.as_ref().unwrap_err().starts_with("fatalities:"));
        let e = parse(&mut "date,place\n2025-02-10,Tartus\n".as_bytes(), &Mapping::default(), &mut |_, _| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
        assert!(e.to_string().contains("no column holds the title"), "{e}");
    }

    #[test]
    fn list_cells_split_on_bars_as_in_our_export_or_on_semicolons() {
        let r = rows("title,start,actors,tags\nA,2025-02-10,POLICE | PROTESTER,a;b\n", &Mapping::default());
        let e = r[0].1.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(e.actors.as_deref().unwrap(), ["POLICE", "PROTESTER"]);
        assert_eq!(e.tags.as_deref().unwrap(), ["a", "b"]);
    }

    #[test]
    fn semicolons_and_tabs_are_sniffed() {
        assert_eq!(rows("title;start\nA;2025-02-10\n", &Mapping::default()).len(), 1);
        let r = rows("title\tstart\nA\t2025-02-10\n", &Mapping::default());
        assert!(r[0].1.is_ok());
    }
}
