//! TimeMap (Forensic Architecture's timemap and Bellingcat's fork of it) as datasheet-server
//! serves it: events (`export_events/deeprows`: an array), sources (`export_sources/deepids`:
//! an object keyed by source id, or an array) and associations (`export_associations/deeprows`:
//! filters and narratives). Give the three together as one JSON object
//! `{"events": [...], "sources": {...}, "associations": [...]}` (or the events array alone:
//! their sources and associations are then known only by id).
//!
//! A TimeMap file is read whole: events refer to sources and associations anywhere in the file,
//! and such files are small (thousands of events).
//!
//! - key: the event `id` (`timemap:<id>`), or a digest of the event when it has none;
//! - `description` is the description, and its first sentence the title;
//! - `date` (month first, `MM/DD/YYYY`, TimeMap's default `DATE_FMT`, or ISO) and `time`
//!   (`HH:mm`, read as UTC: TimeMap shows times in the viewer's zone and records none);
//! - `location`, `latitude`, `longitude` (decimal commas accepted) are the place; without
//!   coordinates the location name is geocoded;
//! - filter associations become tags, narratives stay in `properties.timemap.narratives`;
//! - each source becomes a source of ours when it has a web address (`url`, or else the first
//!   http(s) entry of `paths`), with its `title` and `date`; the others are listed by id.

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::{Frame, ParseError, Parsed, Position, REJECT_COLUMNS, Row, Sink, dates, shorten};
use crate::domain::{EventInput, PlaceInput, SourceInput, TimePrecision};

/// A text field of a TimeMap record (they are all strings, but numbers are accepted).
fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                Value::Object(_) => text(x, "id"),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => super::split_list(s, &[',']),
        _ => Vec::new(),
    }
}

struct Domain {
    sources: HashMap<String, Value>,
    associations: HashMap<String, Value>,
}

/// The members of a TimeMap domain object, as their JSON text.
#[derive(serde::Deserialize)]
struct Members<'a> {
    #[serde(borrow)]
    events: Option<&'a RawValue>,
    #[serde(borrow, default)]
    sources: Option<&'a RawValue>,
    #[serde(borrow, default)]
    associations: Option<&'a RawValue>,
}

fn not_json(e: serde_json::Error) -> ParseError {
    ParseError::malformed(e.line() as u64, format!("the TimeMap file is not valid JSON: {e}"))
}

/// Reads a TimeMap domain.
pub fn parse(input: &mut dyn BufRead, sink: &mut Sink<'_>) -> Result<(), ParseError> {
    let mut doc = String::new();
    input.read_to_string(&mut doc).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            ParseError::malformed(0, "the TimeMap file is not UTF-8 text")
        } else {
            ParseError::Io(e)
        }
    })?;
    let body = doc.trim_start_matches('\u{feff}');
    let not_domain = || ParseError::malformed(1, "a TimeMap file is an object with an `events` array");
    let mut frame = Frame::default();
    let (events, sources, associations) = if body.trim_start().starts_with('[') {
        (body, Value::Null, Value::Null)
    } else {
        let m: Members<'_> = serde_json::from_str(body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => not_domain(),
            _ => not_json(e),
        })?;
        let events = m.events.ok_or_else(not_domain)?.get();
        // A rejects file carries the sources and associations its events refer to.
        let mut head = Vec::new();
        for (name, raw) in [("sources", m.sources), ("associations", m.associations)] {
            if let Some(raw) = raw {
                if !head.is_empty() {
                    head.extend_from_slice(b", ");
                }
                head.extend_from_slice(format!("\"{name}\": {}", raw.get()).as_bytes());
            }
        }
        frame.head = head;
        let value = |raw: Option<&RawValue>| -> Result<Value, ParseError> {
            raw.map(|r| serde_json::from_str(r.get()).map_err(not_json)).transpose().map(Option::unwrap_or_default)
        };
        (events, value(m.sources)?, value(m.associations)?)
    };
    let events: Vec<&RawValue> = serde_json::from_str(events).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => not_domain(),
        _ => not_json(e),
    })?;
    let keyed = |v: Value| -> HashMap<String, Value> {
        match v {
            Value::Object(m) => m.into_iter().map(|(k, v)| (text(&v, "id").unwrap_or(k), v)).collect(),
            Value::Array(a) => a.into_iter().filter_map(|v| text(&v, "id").map(|k| (k, v))).collect(),
            _ => HashMap::new(),
        }
    };
    let domain = Domain { sources: keyed(sources), associations: keyed(associations) };
    // Lines are counted up to each event's text, which lies inside `doc` in order.
    let (mut line, mut counted) = (1u64, 0usize);
    for (i, raw) in events.iter().enumerate() {
        let offset = raw.get().as_ptr() as usize - doc.as_ptr() as usize;
        line += doc.as_bytes()[counted..offset].iter().filter(|b| **b == b'\n').count() as u64;
        counted = offset;
        let at = Position { line, record: i as u64 + 1 };
        let parsed = serde_json::from_str::<Value>(raw.get()).map_err(|e| e.to_string()).and_then(|mut ev| {
            // A rejects file's line and reason say nothing about the event.
            if let Some(m) = ev.as_object_mut() {
                for k in REJECT_COLUMNS {
                    m.shift_remove(k);
                }
            }
            event(&ev, &domain)
        });
        if sink(Row { at, raw: raw.get().as_bytes(), frame: &frame }, parsed).is_break() {
            break;
        }
    }
    Ok(())
}

/// The first sentence of a description, short enough for a title.
fn title_of(description: &str) -> String {
    let first = description.lines().next().unwrap_or("");
    let sentence = match first.find(". ") {
        Some(i) if i >= 20 => &first[..=i],
        _ => first,
    };
    shorten(sentence.trim_end_matches('.'), 120)
}

fn event(ev: &Value, d: &Domain) -> Parsed {
    if !ev.is_object() {
        return Err("is not a JSON object".into());
    }
    let description = text(ev, "description").or_else(|| text(ev, "desc"));
    let location = text(ev, "location");
    let category = text(ev, "category");
    let title = match (&description, &location) {
        (Some(desc), _) => title_of(desc),
        (None, Some(loc)) => format!("{} at {loc}", category.as_deref().unwrap_or("Event")),
        (None, None) => return Err("has neither a description nor a location".into()),
    };
    let date = text(ev, "date").ok_or("date: is missing")?;
    let day = dates::parse_month_first(&date).map_err(|e| format!("date: {e}"))?;
    let (start, mut precision) = match text(ev, "time") {
        Some(t) => {
            let time = dates::parse_time(&t).map_err(|e| format!("time: {e}"))?;
            (dates::When::At(dates::at_utc(day, time)), TimePrecision::Exact)
        }
        None => (dates::When::Day(day), TimePrecision::Day),
    };
    if let Some(p) = text(ev, "time_precision").and_then(|p| TimePrecision::parse(&p)) {
        precision = p;
    }
    let coord = |k: &str| -> Result<Option<f64>, String> {
        match text(ev, k) {
            None => Ok(None),
            Some(s) => super::coordinate(&s).map(Some).ok_or_else(|| format!("{k}: `{s}` is not a number")),
        }
    };
    let (lat, lon) = (coord("latitude")?, coord("longitude")?);
    if lat.is_none() && lon.is_none() && location.is_none() {
        return Err("has no place: give latitude and longitude, or a location".into());
    }
    let place = PlaceInput { name: location.clone(), lon, lat, ..Default::default() };

    let mut tags = Vec::new();
    let mut narratives = Vec::new();
    let assoc_ids = ids(ev, "associations");
    for id in &assoc_ids {
        let a = d.associations.get(id);
        let title = a.and_then(|a| text(a, "title")).unwrap_or_else(|| id.clone());
        match a.and_then(|a| text(a, "mode")).map(|m| m.to_ascii_uppercase()).as_deref() {
            Some("NARRATIVE") => narratives.push(title),
            _ => tags.push(title),
        }
    }
    if let Some(c) = &category {
        tags.push(c.clone());
    }
    tags.retain(|t| t.chars().count() <= 100 && !t.contains('\n'));

    let mut sources: Vec<SourceInput> = Vec::new();
    let mut without_url = Vec::new();
    let source_ids = ids(ev, "sources");
    for id in &source_ids {
        let Some(s) = d.sources.get(id) else {
            without_url.push(id.clone());
            continue;
        };
        let web = |u: &String| u.starts_with("http://") || u.starts_with("https://");
        let url = text(s, "url")
            .filter(web)
            .or_else(|| s.get("paths")?.as_array()?.iter().filter_map(Value::as_str).map(str::to_string).find(web));
        match url {
            Some(url) if !sources.iter().any(|o| o.url == url) => sources.push(SourceInput {
                url,
                title: text(s, "title").map(|t| shorten(&t, 500)),
                published_at: text(s, "date").and_then(|t| dates::parse_month_first(&t).ok()).map(|d| d.to_string()),
                ..Default::default()
            }),
            Some(_) => {}
            None => without_url.push(id.clone()),
        }
    }

    let mut tm = Map::new();
    if let Value::Object(m) = ev {
        for (k, v) in m {
            let skip = matches!(k.as_str(), "description" | "desc" | "latitude" | "longitude" | "date" | "time")
                || v.is_null()
                || v.as_str().is_some_and(|s| s.trim().is_empty());
            if !skip {
                tm.insert(k.clone(), v.clone());
            }
        }
    }
    if !narratives.is_empty() {
        tm.insert("narratives".into(), json!(narratives));
    }
    if !without_url.is_empty() {
        tm.insert("sources_without_url".into(), json!(without_url));
    }
    let mut props = Map::new();
    props.insert("timemap".into(), Value::Object(tm));

    let mut input = EventInput {
        title: Some(title),
        description: description.map(|d| shorten(&d, crate::domain::event::MAX_DESCRIPTION)),
        category,
        tags: (!tags.is_empty()).then_some(tags),
        start: Some(start.to_input()),
        time_precision: Some(precision),
        places: Some(vec![place]),
        sources: (!sources.is_empty()).then_some(sources),
        properties: Some(props),
        ..Default::default()
    };
    let key = match text(ev, "id") {
        Some(id) => format!("timemap:{id}"),
        None => format!("timemap:#{}", super::digest(&[&ev.to_string()])),
    };
    super::set_key(&mut input, &key);
    Ok(Some(input))
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;

    fn rows(doc: Value) -> Vec<Parsed> {
        let text = doc.to_string();
        let mut out = Vec::new();
        parse(&mut text.as_bytes(), &mut |_, r| {
            out.push(r);
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    /// Each event's line and text, and what the file keeps beside its events.
    fn raws(text: &str) -> (Vec<(u64, String)>, String) {
        let (mut out, mut head) = (Vec::new(), String::new());
        parse(&mut text.as_bytes(), &mut |row, _| {
            out.push((row.at.line, String::from_utf8(row.raw.to_vec()).unwrap()));
            head = String::from_utf8(row.frame.head.clone()).unwrap();
            ControlFlow::Continue(())
        })
        .unwrap();
        (out, head)
    }

    #[test]
    fn an_event_is_on_the_line_where_it_begins_with_its_text_as_it_was() {
        let text = "{\n  \"events\": [\n    {\"id\": \"E1\", \"description\": \"A made-up event in Kharkiv.\",\n     \"date\": \"03/07/2022\", \"location\": \"Kharkiv\"},\n    {\"id\": \"E2\", \"description\": \"Another in Khartoum.\", \"date\": \"03/08/2022\", \"location\": \"Khartoum\"}\n  ],\n  \"sources\": {\"S1\": {\"id\": \"S1\"}},\n  \"associations\": []\n}\n";
        let (r, head) = raws(text);
        assert_eq!(r.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(
            r[0].1,
            "{\"id\": \"E1\", \"description\": \"A made-up event in Kharkiv.\",\n     \"date\": \"03/07/2022\", \"location\": \"Kharkiv\"}"
        );
        assert_eq!(head, "\"sources\": {\"S1\": {\"id\": \"S1\"}}, \"associations\": []");
        let (r, head) = raws("[\n{\"description\": \"x\", \"date\": \"2022-03-07\", \"location\": \"Aden\"}]");
        assert_eq!((r[0].0, head.as_str()), (2, ""));
    }

    #[test]
    fn a_rejects_files_line_and_reason_are_not_kept_nor_part_of_the_key() {
        let ev = json!({"description": "A made-up protest.", "date": "2022-03-07", "location": "Aden"});
        let mut with = Map::new();
        with.insert("_line".into(), json!(4));
        with.insert("_reason".into(), json!("date: was wrong"));
        with.extend(ev.as_object().unwrap().clone());
        let a = rows(json!([ev])).remove(0).unwrap().unwrap();
        let b = rows(json!([with])).remove(0).unwrap().unwrap();
        assert_eq!(a, b, "the same event, keyed by the same digest");
    }

    #[test]
    fn events_sources_and_associations_come_together() {
        let doc = json!({
            "events": [{"id": "E1", "description": "Shelling damaged a made-up school in the north of town. Two buildings hit.",
                        "date": "03/07/2022", "time": "14:30", "location": "Alphaville", "latitude": "50,45", "longitude": "30.52",
                        "associations": ["Education", "Story 1"], "sources": ["S1", "S2", "S3"]}],
            "sources": {"S1": {"id": "S1", "title": "Video", "paths": ["https://example.org/v1"], "type": "Video", "date": "03/07/2022"},
                        "S2": {"id": "S2", "url": "https://example.org/p2", "paths": []},
                        "S3": {"id": "S3", "paths": ["local/file.mp4"]}},
            "associations": [{"id": "Education", "title": "Education", "mode": "FILTER", "filter_paths": ["Area", "Education"]},
                             {"id": "Story 1", "title": "Story 1", "mode": "NARRATIVE"}]
        });
        let e = rows(doc).remove(0).unwrap().unwrap();
        assert_eq!(e.title.as_deref(), Some("Shelling damaged a made-up school in the north of town"));
        assert_eq!(e.start.as_deref(), Some("2022-03-07T14:30:00Z"));
        assert_eq!(e.places.as_ref().unwrap()[0].lat, Some(50.45));
        assert_eq!(e.tags.as_deref(), Some(&["Education".to_string()][..]));
        let s = e.sources.as_ref().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].url, "https://example.org/v1");
        assert_eq!(s[0].published_at.as_deref(), Some("2022-03-07"));
        let tm = &e.properties.as_ref().unwrap()["timemap"];
        assert_eq!(tm["narratives"], json!(["Story 1"]));
        assert_eq!(tm["sources_without_url"], json!(["S3"]));
        assert_eq!(super::super::row_id(&e), Some(super::super::key_id("timemap:E1")));
    }

    #[test]
    fn a_bare_events_array_and_events_without_ids_are_read() {
        let doc = json!([{"description": "A made-up protest.", "date": "2022-03-07", "location": "Alphaville", "associations": []}]);
        let e = rows(doc.clone()).remove(0).unwrap().unwrap();
        assert_eq!(e.time_precision, Some(TimePrecision::Day));
        assert!(e.places.as_ref().unwrap()[0].lat.is_none(), "to be geocoded by name");
        assert_eq!(rows(doc).remove(0).unwrap().unwrap().id, e.id, "the digest is stable");
    }

    #[test]
    fn bad_events_are_row_errors() {
        let doc = json!({"events": [{"description": "x", "location": "A"}, {"description": "x", "date": "31/12/2022", "location": "A"},
                                    {"description": "x", "date": "12/31/2022"}]});
        let r = rows(doc);
        assert!(r[0].as_ref().unwrap_err().contains("date"));
        assert!(r[1].as_ref().unwrap_err().contains("MM/DD/YYYY"));
        assert!(r[2].as_ref().unwrap_err().contains("no place"));
    }
}
