//! ACLED exports, read by header name (never by position) so that the current layout
//! (`event_id_cnty, event_date, ..., disorder_type, ..., civilian_targeting, ..., tags, timestamp`),
//! the 2020 layout (`data_id, iso, event_id_cnty, event_id_no_cnty, ...`) and the older
//! upper-case layout (`EVENT_ID_CNTY, EVENT_DATE, EVENT_TYPE, ..., ALLY_ACTOR_1, ...`) all work.
//!
//! How ACLED's codebook meets ours (see docs/IMPORT.md for the reasoning):
//! - key `event_id_cnty`; title `"<sub-event type> in <location>, <country>"`; `notes` the
//!   description; `fatalities`; actors from `actor1`, `assoc_actor_1` (or `ally_actor_1`),
//!   `actor2`, `assoc_actor_2`; tags from `tags` and `civilian_targeting`;
//! - `event_type`/`sub_event_type` to our categories (Battles -> armed clash; Explosions/Remote
//!   violence by sub-event type -> air or drone strike, shelling or explosion; ...);
//! - `event_date`: `02 June 2023`, `9-May-20`, `2023-06-02`; slashed dates only in the older
//!   upper-case layout, where ACLED wrote them day first (`15/01/1997`); in the other layouts a
//!   slashed date (a spreadsheet's doing) is read only when it cannot be read two ways. The date
//!   must fall in the row's `year`;
//! - `time_precision` 1/2/3 -> a day, the week centred on the date, the calendar month;
//! - `geo_precision` 1/2/3 -> settlement/district/region (ACLED's coordinates are those of the
//!   town or of an administrative centre, never of the exact spot); a row without coordinates
//!   keeps its `location` for the pipeline to geocode, in the row's country;
//! - `source` names publishers, not URLs, so it cannot become one of our sources (which need an
//!   http(s) URL): it stays in `properties.acled.source` with every other non-empty column.

use std::io::BufRead;

use chrono::{Datelike, Duration, NaiveDate};

use super::csv::sniff_delimiter;
use super::dates::SlashOrder;
use super::records::Records;
use super::{ParseError, Parsed, REJECT_COLUMNS, Sink, dates, shorten, split_list};
use crate::domain::json::ObjectWriter;
use crate::domain::{EventInput, LocationPrecision, PlaceInput, TimePrecision};

/// Our category for an ACLED event type and sub-event type.
pub fn category(event_type: &str, sub_event_type: &str) -> &'static str {
    let t = event_type.trim().to_ascii_lowercase();
    let s = sub_event_type.trim().to_ascii_lowercase();
    if t.starts_with("battle") {
        return "armed_clash";
    }
    if t.starts_with("explosions") || t == "remote violence" {
        return if s.contains("air") || s.contains("drone") {
            "air_or_drone_strike"
        } else if s.contains("shelling") || s.contains("artillery") || s.contains("missile") {
            "shelling"
        } else {
            "explosion"
        };
    }
    if t.starts_with("violence against civilians") {
        return "violence_against_civilians";
    }
    if t == "protests" || t == "protest" {
        return "protest";
    }
    if t == "riots" || t == "riot" {
        return "riot";
    }
    if t == "riots/protests" {
        return if s.contains("riot") || s.contains("violent") { "riot" } else { "protest" };
    }
    if t.starts_with("strategic development") {
        return if s.contains("arrest") { "arrest" } else { "strategic_development" };
    }
    if t.starts_with("non-violent transfer") || t.starts_with("headquarters") {
        return "strategic_development";
    }
    "other"
}

/// Which column holds what, by folded header name; the first name present wins.
struct Columns {
    headers: Vec<String>,
}

impl Columns {
    fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.headers.iter().position(|h| h == n))
    }
}

/// Reads an ACLED export (CSV with a header row).
pub fn parse(input: &mut dyn BufRead, sink: &mut Sink<'_>) -> Result<(), ParseError> {
    let delimiter = sniff_delimiter(input)?;
    let (mut records, headers) = Records::open(input, delimiter)?;
    let cols = Columns { headers };
    let required = [
        ("event_id_cnty", &["event_id_cnty"][..]),
        ("event_date", &["event_date"][..]),
        ("event_type", &["event_type"][..]),
        ("latitude", &["latitude"][..]),
        ("longitude", &["longitude"][..]),
    ];
    let mut missing = Vec::new();
    for (name, alts) in required {
        if cols.find(alts).is_none() {
            missing.push(name);
        }
    }
    if !missing.is_empty() {
        return Err(ParseError::malformed(
            1,
            format!("this is not an ACLED export: it has no column {}", missing.join(", ")),
        ));
    }
    let mut ix = Index::new(&cols);
    if old_layout(&cols.headers, records.head()) {
        ix.slash_order = Some(SlashOrder::DayFirst);
    }
    records.each(|at, cells| sink(at, cells.and_then(|c| row(&c, &cols.headers, &ix))))
}

/// Column positions of the fields we map, resolved once from the header.
struct Index {
    key: usize,
    date: usize,
    event_type: usize,
    lat: usize,
    lon: usize,
    sub_event_type: Option<usize>,
    time_precision: Option<usize>,
    geo_precision: Option<usize>,
    actors: Vec<usize>,
    location: Option<usize>,
    country: Option<usize>,
    iso: Option<usize>,
    iso3: Option<usize>,
    admin1: Option<usize>,
    notes: Option<usize>,
    fatalities: Option<usize>,
    tags: Option<usize>,
    civilian_targeting: Option<usize>,
    year: Option<usize>,
    /// The order of slashed dates, when the layout fixes it.
    slash_order: Option<SlashOrder>,
}

/// Whether the header is ACLED's older layout (before 2019), which writes its column names in
/// upper case (`EVENT_ID_CNTY`), has `GWNO` and `ALLY_ACTOR_1`, and slashed dates day first.
fn old_layout(folded: &[String], raw_head: &[u8]) -> bool {
    let has = |n: &str| folded.iter().any(|h| h == n);
    has("gwno") || has("ally_actor_1") || raw_head.windows(13).any(|w| w == b"EVENT_ID_CNTY")
}

impl Index {
    fn new(c: &Columns) -> Self {
        let actors = [
            &["actor1"][..],
            &["assoc_actor_1", "ally_actor_1"][..],
            &["actor2"][..],
            &["assoc_actor_2", "ally_actor_2"][..],
        ]
        .iter()
        .filter_map(|n| c.find(n))
        .collect();
        Self {
            key: c.find(&["event_id_cnty"]).expect("checked"),
            date: c.find(&["event_date"]).expect("checked"),
            event_type: c.find(&["event_type"]).expect("checked"),
            lat: c.find(&["latitude"]).expect("checked"),
            lon: c.find(&["longitude"]).expect("checked"),
            sub_event_type: c.find(&["sub_event_type"]),
            time_precision: c.find(&["time_precision"]),
            geo_precision: c.find(&["geo_precision"]),
            actors,
            location: c.find(&["location"]),
            country: c.find(&["country"]),
            iso: c.find(&["iso"]),
            iso3: c.find(&["iso3"]),
            admin1: c.find(&["admin1"]),
            notes: c.find(&["notes"]),
            fatalities: c.find(&["fatalities"]),
            tags: c.find(&["tags"]),
            civilian_targeting: c.find(&["civilian_targeting"]),
            year: c.find(&["year"]),
            slash_order: None,
        }
    }
}

/// The start and precision of an ACLED date with its `time_precision` code: 1 the day; 2 a
/// week, which we centre on the coded date; 3 a month, the calendar month of the coded date.
pub fn time(date: NaiveDate, code: &str) -> Result<(NaiveDate, TimePrecision), String> {
    match code.trim() {
        "" | "1" => Ok((date, TimePrecision::Day)),
        "2" => Ok((date - Duration::days(3), TimePrecision::Week)),
        "3" => Ok((date.with_day(1).expect("the first exists"), TimePrecision::Month)),
        other => Err(format!("time_precision: `{other}` is not 1, 2 or 3")),
    }
}

/// Our location precision for ACLED's `geo_precision` code.
pub fn location_precision(code: &str) -> Result<LocationPrecision, String> {
    match code.trim() {
        "" | "1" => Ok(LocationPrecision::Settlement),
        "2" => Ok(LocationPrecision::District),
        "3" => Ok(LocationPrecision::Region),
        other => Err(format!("geo_precision: `{other}` is not 1, 2 or 3")),
    }
}

/// The day an `event_date` codes, in the slashed order the layout fixes (if any), checked
/// against the row's `year` when it has one.
fn event_date(text: &str, order: Option<SlashOrder>, year: Option<&str>) -> Result<NaiveDate, String> {
    let date = match dates::parse_slashed(text, order) {
        Some(read) => read,
        None => dates::parse_date(text).map(dates::When::day),
    }
    .map_err(|e| format!("event_date: {e}"))?;
    if let Some(y) = year {
        let y: i32 = y.parse().map_err(|_| format!("year: `{y}` is not a year"))?;
        if y != date.year() {
            return Err(format!(
                "event_date: `{}` is a day of {}, but the row's year is {y}",
                text.trim(),
                date.year()
            ));
        }
    }
    Ok(date)
}

fn row(cells: &[&str], headers: &[String], ix: &Index) -> Parsed {
    let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
    let opt = |i: Option<usize>| i.map(cell).filter(|s| !s.is_empty());
    let key = cell(ix.key);
    if key.is_empty() {
        return Err("event_id_cnty is empty".into());
    }
    let date = event_date(cell(ix.date), ix.slash_order, opt(ix.year))?;
    let (start, precision) = time(date, opt(ix.time_precision).unwrap_or(""))?;
    let location = opt(ix.location);
    // Without coordinates, the location is geocoded (by the pipeline, in the row's country).
    let (lat, lon) = match (cell(ix.lat), cell(ix.lon)) {
        ("", "") if location.is_some() => (None, None),
        ("", "") => return Err("has neither coordinates nor a location to find them by".into()),
        (lat, lon) => (
            Some(super::coordinate(lat).ok_or_else(|| format!("latitude: `{lat}` is not a number"))?),
            Some(super::coordinate(lon).ok_or_else(|| format!("longitude: `{lon}` is not a number"))?),
        ),
    };
    let event_type = cell(ix.event_type);
    let sub = opt(ix.sub_event_type).unwrap_or("");
    let country_name = opt(ix.country);
    let what = if sub.is_empty() { event_type } else { sub };
    let title = match (location, country_name) {
        (Some(l), Some(c)) => format!("{what} in {l}, {c}"),
        (Some(l), None) => format!("{what} in {l}"),
        (None, Some(c)) => format!("{what} in {c}"),
        (None, None) => what.to_string(),
    };
    let country = opt(ix.iso)
        .and_then(super::countries::from_numeric)
        .or_else(|| opt(ix.iso3).and_then(super::countries::from_alpha3));
    let place = PlaceInput {
        name: location.or(country_name).map(str::to_string),
        country: country.map(str::to_string),
        admin1: opt(ix.admin1).map(str::to_string),
        lon,
        lat,
        precision: Some(location_precision(opt(ix.geo_precision).unwrap_or(""))?),
        ..Default::default()
    };
    let mut actors: Vec<String> = Vec::new();
    for &i in &ix.actors {
        actors.extend(split_list(cell(i), &[';']));
    }
    let mut tags: Vec<String> = opt(ix.tags).map(|t| split_list(t, &[';'])).unwrap_or_default();
    if let Some(c) = opt(ix.civilian_targeting) {
        tags.push(c.to_lowercase());
    }
    tags.retain(|t| t.chars().count() <= 100);
    let fatalities = match opt(ix.fatalities) {
        Some(f) => Some(f.parse::<i64>().map_err(|_| format!("fatalities: `{f}` is not a whole number"))?),
        None => None,
    };
    // The raw columns, written straight as the JSON text of `{"acled": {...}}` (see
    // `domain::properties`): a map of twenty strings per row cost a fifth of an import.
    let mut acled = ObjectWriter::with_capacity(cells.iter().map(|c| c.len() + 24).sum());
    for (i, h) in headers.iter().enumerate() {
        if i == ix.lat || i == ix.lon || Some(i) == ix.notes || h.is_empty() || REJECT_COLUMNS.contains(&h.as_str()) {
            continue;
        }
        let v = cells.get(i).map(|c| c.trim()).unwrap_or("");
        if !v.is_empty() {
            acled.string(h, v);
        }
    }
    let mut props = ObjectWriter::with_capacity(16);
    props.object("acled", acled.finish());
    let mut input = EventInput {
        title: Some(shorten(&title, 300)),
        description: opt(ix.notes).map(|n| shorten(n, crate::domain::event::MAX_DESCRIPTION)),
        category: Some(category(event_type, sub).to_string()),
        tags: (!tags.is_empty()).then_some(tags),
        actors: (!actors.is_empty()).then_some(actors),
        start: Some(start.format("%Y-%m-%d").to_string()),
        time_precision: Some(precision),
        places: Some(vec![place]),
        fatalities,
        properties_text: Some(props.finish()),
        ..Default::default()
    };
    super::set_key(&mut input, &format!("acled:{key}"));
    Ok(Some(input))
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use serde_json::Value;

    use super::*;

    fn rows(text: &str) -> Vec<Parsed> {
        let mut out = Vec::new();
        parse(&mut text.as_bytes(), &mut |_, r| {
            out.push(r);
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    #[test]
    fn event_types_map_to_our_categories() {
        assert_eq!(category("Battles", "Armed clash"), "armed_clash");
        assert_eq!(category("Explosions/Remote violence", "Air/drone strike"), "air_or_drone_strike");
        assert_eq!(category("Explosions/Remote violence", "Shelling/artillery/missile attack"), "shelling");
        assert_eq!(category("Explosions/Remote violence", "Remote explosive/landmine/IED"), "explosion");
        assert_eq!(category("Violence against civilians", "Attack"), "violence_against_civilians");
        assert_eq!(category("Protests", "Peaceful protest"), "protest");
        assert_eq!(category("Riots", "Mob violence"), "riot");
        assert_eq!(category("Strategic developments", "Arrests"), "arrest");
        assert_eq!(category("Strategic developments", "Agreement"), "strategic_development");
        assert_eq!(category("Battle-No change of territory", ""), "armed_clash");
        assert_eq!(category("Remote violence", ""), "explosion");
        assert_eq!(category("Riots/Protests", ""), "protest");
        assert_eq!(category("Something new", ""), "other");
    }

    #[test]
    fn week_and_month_precision_cover_the_coded_date() {
        let d = NaiveDate::from_ymd_opt(2023, 6, 14).unwrap();
        assert_eq!(time(d, "2").unwrap(), (NaiveDate::from_ymd_opt(2023, 6, 11).unwrap(), TimePrecision::Week));
        assert_eq!(time(d, "3").unwrap(), (NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(), TimePrecision::Month));
        assert!(time(d, "4").is_err());
    }

    #[test]
    fn columns_are_found_by_name_whatever_their_order_or_case() {
        let a = "event_id_cnty,event_date,event_type,sub_event_type,location,country,iso,latitude,longitude,geo_precision,time_precision,fatalities,notes,source\n\
                 XYZ1,02 June 2023,Protests,Peaceful protest,Alpha,Testland,760,35.5,36.1,1,1,0,A made-up protest.,Made-up Daily\n";
        let b = "FATALITIES,NOTES,LONGITUDE,LATITUDE,EVENT_TYPE,EVENT_DATE,EVENT_ID_CNTY,LOCATION,COUNTRY,GEO_PRECISION,SOURCE\n\
                 0,A made-up protest.,36.1,35.5,Riots/Protests,02-Jun-23,XYZ1,Alpha,Testland,1,Made-up Daily\n";
        let ra = rows(a).remove(0).unwrap().unwrap();
        let rb = rows(b).remove(0).unwrap().unwrap();
        assert_eq!(ra.id, rb.id, "the key decides the id");
        assert_eq!(ra.start, rb.start);
        assert_eq!(ra.places.as_ref().unwrap()[0].country.as_deref(), Some("SY"));
        assert_eq!(rb.places.as_ref().unwrap()[0].lat, Some(35.5));
        let source = |r: &EventInput| -> Value {
            let p: Value = serde_json::from_str(r.properties_text.as_ref().unwrap().as_str()).unwrap();
            p["acled"]["source"].clone()
        };
        assert_eq!(source(&ra), "Made-up Daily");
        assert_eq!(source(&rb), "Made-up Daily");
    }

    #[test]
    fn raw_columns_written_as_text_give_the_feature_a_map_would() {
        let text = "event_id_cnty,event_date,event_type,sub_event_type,location,country,iso,latitude,longitude,admin2,source,notes\n\
                    XYZ2,02 June 2023,Protests,Peaceful protest,Alpha,Testland,760,35.5,36.1,\"Quoted \"\"name\"\", back\\slash\",\"Line\nbreak\ttab – ٱلعربية\",n\n";
        let input = rows(text).remove(0).unwrap().unwrap();
        let mut as_map = input.clone();
        as_map.properties = Some(serde_json::from_str(as_map.properties_text.take().unwrap().as_str()).unwrap());
        let vocab = crate::domain::Vocabulary::default();
        let (a, b) = (input.into_data(&vocab).unwrap(), as_map.into_data(&vocab).unwrap());
        assert!(matches!(a.properties, crate::domain::properties::Properties::Text(_)));
        assert_eq!(a, b);
        let (id, now) = (uuid::Uuid::nil(), chrono::Utc::now());
        let (fa, fb) = (
            crate::domain::Event::new(id, a, now).to_feature_json(),
            crate::domain::Event::new(id, b, now).to_feature_json(),
        );
        assert_eq!(fa, fb);
        let f: Value = serde_json::from_str(&fa).unwrap();
        assert_eq!(f["properties"]["properties"]["acled"]["admin2"], "Quoted \"name\", back\\slash");
        assert_eq!(f["properties"]["properties"]["acled"]["source"], "Line\nbreak\ttab – ٱلعربية");
    }

    /// A made-up row in the current layout (fewer columns), by its date, year and coordinates.
    fn current(date: &str, year: &str, tp: &str, location: &str, lat: &str, lon: &str) -> Parsed {
        let text = format!(
            "event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,iso,country,admin1,location,latitude,longitude,fatalities\n\
             XSY7001,{date},{year},{tp},Battles,Armed clash,760,Syria,Idlib,{location},{lat},{lon},0\n"
        );
        rows(&text).remove(0)
    }

    fn start(p: Parsed) -> String {
        p.unwrap().unwrap().start.unwrap()
    }

    #[test]
    fn a_slashed_date_that_reads_two_ways_is_refused_in_the_current_layout_naming_both() {
        let e = current("11/05/2024", "2024", "1", "Idlib", "35.9306", "36.6339").unwrap_err();
        assert!(e.starts_with("event_date:"), "{e}");
        assert!(e.contains("11 May 2024") && e.contains("5 November 2024"), "{e}");
    }

    #[test]
    fn a_slashed_date_that_reads_one_way_is_read_in_the_current_layout() {
        assert_eq!(start(current("15/01/2024", "2024", "1", "Idlib", "35.9306", "36.6339")), "2024-01-15");
        assert_eq!(start(current("1/15/2024", "2024", "1", "Idlib", "35.9306", "36.6339")), "2024-01-15");
    }

    #[test]
    fn the_old_upper_case_layout_reads_slashed_dates_day_first() {
        let text = "GWNO,EVENT_ID_CNTY,EVENT_DATE,YEAR,EVENT_TYPE,COUNTRY,LOCATION,LATITUDE,LONGITUDE\n\
                    652,XSY0101,11/05/1997,1997,Riots/Protests,Syria,Latakia,35.5317,35.7796\n";
        assert_eq!(start(rows(text).remove(0)), "1997-05-11");
        // The upper-case names alone tell the layout.
        let text = "EVENT_ID_CNTY,EVENT_DATE,YEAR,EVENT_TYPE,COUNTRY,LOCATION,LATITUDE,LONGITUDE\n\
                    XSY0102,03/04/1998,1998,Riots/Protests,Syria,Latakia,35.5317,35.7796\n";
        assert_eq!(start(rows(text).remove(0)), "1998-04-03");
    }

    #[test]
    fn a_date_outside_the_rows_year_is_refused_naming_both() {
        let e = current("02 June 2023", "2022", "1", "Idlib", "35.9306", "36.6339").unwrap_err();
        assert!(e.contains("02 June 2023") && e.contains("2023") && e.contains("year is 2022"), "{e}");
        let e = current("9-May-20", "1920", "1", "Idlib", "35.9306", "36.6339").unwrap_err();
        assert!(e.contains("a day of 2020") && e.contains("year is 1920"), "{e}");
        assert!(
            current("02 June 2023", "twenty", "1", "Idlib", "35.9306", "36.6339").unwrap_err().starts_with("year:")
        );
        // The year is the coded date's, not the start of the week around it.
        assert_eq!(start(current("01 January 2024", "2024", "2", "Idlib", "35.9306", "36.6339")), "2023-12-29");
    }

    #[test]
    fn a_row_without_coordinates_keeps_its_location_and_country_to_be_geocoded() {
        let e = current("02 June 2023", "2023", "1", "Idlib", "", "").unwrap().unwrap();
        let p = &e.places.as_ref().unwrap()[0];
        assert_eq!((p.lon, p.lat), (None, None));
        assert_eq!(
            (p.name.as_deref(), p.country.as_deref(), p.admin1.as_deref()),
            (Some("Idlib"), Some("SY"), Some("Idlib"))
        );
        assert_eq!(p.precision, Some(LocationPrecision::Settlement), "ACLED's own code");
    }

    #[test]
    fn a_row_without_coordinates_or_location_or_with_half_of_them_is_refused() {
        assert!(
            current("02 June 2023", "2023", "1", "", "", "")
                .unwrap_err()
                .contains("neither coordinates nor a location")
        );
        assert!(current("02 June 2023", "2023", "1", "Idlib", "35.9306", "").unwrap_err().starts_with("longitude:"));
    }

    #[test]
    fn a_rejects_files_line_and_reason_are_not_kept_in_properties() {
        let plain = "event_id_cnty,event_date,event_type,location,latitude,longitude\nXYE7002,02 June 2023,Protests,Aden,12.7794,45.0367\n";
        let rejects = "_line,_reason,event_id_cnty,event_date,event_type,location,latitude,longitude\n\
                       2,\"event_date: was wrong\",XYE7002,02 June 2023,Protests,Aden,12.7794,45.0367\n";
        let (a, b) = (rows(plain).remove(0).unwrap().unwrap(), rows(rejects).remove(0).unwrap().unwrap());
        assert_eq!(a.id, b.id);
        assert_eq!(a.properties_text, b.properties_text, "no `_line` or `_reason` in properties.acled");
    }

    #[test]
    fn a_file_without_acled_columns_is_refused_whole() {
        let e =
            parse(&mut "title,start\nA,2025-01-01\n".as_bytes(), &mut |_, _| ControlFlow::Continue(())).unwrap_err();
        assert!(e.to_string().contains("not an ACLED export"), "{e}");
    }
}
