//! GeoJSON: a FeatureCollection (streamed feature by feature, never held whole), a single
//! Feature, or a sequence of Features one per line (GeoJSONSeq / our NDJSON export).
//!
//! eventmap's own export comes back exactly: the Feature `id` is kept as the event id, every
//! field is read as the create endpoint reads it, a geometry that is the one the places would
//! give is dropped so the event stays "derived from its places", and deleted events
//! (tombstones) are skipped. Features from elsewhere (QGIS, geojson.io) may carry any
//! properties: `name` serves as the title, `date` as the start, and properties that are not
//! fields of ours are kept under `properties`. A Feature id that is not a UUID becomes the key
//! `geojson:<id>`; a Feature without one is keyed by a digest of its content.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{BufRead, Read};
use std::ops::ControlFlow;
use std::rc::Rc;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{Frame, ParseError, Parsed, Position, REJECT_COLUMNS, Row, Sink};
use crate::domain::{EventInput, geometry};

/// The fields of the plain form, which a Feature's properties may hold as they are.
const FIELDS: [&str; 19] = [
    "title",
    "description",
    "category",
    "tags",
    "actors",
    "start",
    "end",
    "time_precision",
    "places",
    "geometry",
    "sources",
    "status",
    "fatalities",
    "properties",
    "id",
    "reported_at",
    "created_at",
    "updated_at",
    "revision",
];

/// Passes bytes through, counting the newlines that went by and keeping the bytes while a
/// top-level value that may be a Feature is read (its text for reports and the rejects file).
struct Lines<'a> {
    inner: &'a mut dyn BufRead,
    line: Rc<Cell<u64>>,
    tape: Tape,
}

/// The bytes of the top-level value being read, until it shows itself to be a collection.
type Tape = Rc<RefCell<Option<Vec<u8>>>>;

impl Read for Lines<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let nl = buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        if nl > 0 {
            self.line.set(self.line.get() + nl);
        }
        if let Some(kept) = self.tape.borrow_mut().as_mut() {
            kept.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

impl Lines<'_> {
    /// Skips whitespace, byte-order marks and record separators; false at the end of input.
    fn skip_space(&mut self) -> std::io::Result<bool> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            let mut n = 0;
            let mut nl = 0;
            while n < buf.len() {
                match buf[n] {
                    b'\n' => nl += 1,
                    b' ' | b'\t' | b'\r' | 0x1e => {}
                    // The UTF-8 byte-order mark.
                    0xef if buf[n..].starts_with(&[0xef, 0xbb, 0xbf]) => n += 2,
                    _ => break,
                }
                n += 1;
            }
            let len = buf.len();
            let more = n < len;
            self.inner.consume(n.min(len));
            self.line.set(self.line.get() + nl);
            if more {
                return Ok(true);
            }
        }
    }
}

/// Why the streaming stopped early: the sink asked it to.
const STOP: &str = "\u{0}stopped by the sink";

struct Ctx<'s, 'a> {
    sink: &'s mut Sink<'a>,
    line: Rc<Cell<u64>>,
    tape: Tape,
    /// The line on which the top-level value begins.
    top_line: u64,
    record: u64,
    frame: Frame,
}

impl Ctx<'_, '_> {
    /// Hands a Feature, whose text `raw` begins on `line`, to the sink.
    fn emit(&mut self, line: u64, raw: &[u8], feature: Parsed) -> ControlFlow<()> {
        self.record += 1;
        let at = Position { line, record: self.record };
        (self.sink)(Row { at, raw, frame: &self.frame }, feature)
    }

    /// A Feature of a collection, as its text: it begins as many lines before the current one
    /// as it holds line breaks.
    fn emit_element(&mut self, raw: &RawValue) -> ControlFlow<()> {
        let text = raw.get();
        let breaks = text.bytes().filter(|b| *b == b'\n').count() as u64;
        let line = self.line.get().saturating_sub(breaks);
        let parsed = serde_json::from_str::<Value>(text).map_err(|e| e.to_string()).and_then(read_feature);
        self.emit(line, text.as_bytes(), parsed)
    }

    /// The top-level Feature, whose bytes the tape kept.
    fn emit_top(&mut self, feature: Value) -> ControlFlow<()> {
        let kept = self.tape.borrow_mut().take().unwrap_or_default();
        let raw = kept.trim_ascii();
        self.emit(self.top_line, raw, read_feature(feature))
    }
}

/// A top-level value: a FeatureCollection (whose `features` stream) or a single Feature.
struct TopLevel<'c, 's, 'a>(&'c mut Ctx<'s, 'a>);

impl<'de> DeserializeSeed<'de> for TopLevel<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection or Feature")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "features" {
                // A collection, held by no one whole: its features are kept one by one.
                self.0.tape.borrow_mut().take();
                map.next_value_seed(Features(&mut *self.0))?;
            } else {
                rest.insert(key, map.next_value::<Value>()?);
            }
        }
        match rest.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => Ok(()),
            Some("Feature") => match self.0.emit_top(Value::Object(rest)) {
                ControlFlow::Continue(()) => Ok(()),
                ControlFlow::Break(()) => Err(serde::de::Error::custom(STOP)),
            },
            Some(other) => Err(serde::de::Error::custom(format!(
                "the top-level GeoJSON object is a `{other}`, not a FeatureCollection or Feature"
            ))),
            None => Err(serde::de::Error::custom("the top-level object has no GeoJSON `type`")),
        }
    }
}

struct Features<'c, 's, 'a>(&'c mut Ctx<'s, 'a>);

impl<'de> DeserializeSeed<'de> for Features<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of Features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            if self.0.emit_element(&raw).is_break() {
                return Err(serde::de::Error::custom(STOP));
            }
        }
        Ok(())
    }
}

/// Reads GeoJSON, one Feature at a time.
pub fn parse(input: &mut dyn BufRead, sink: &mut Sink<'_>) -> Result<(), ParseError> {
    let line = Rc::new(Cell::new(1u64));
    let tape: Tape = Rc::new(RefCell::new(None));
    let mut reader = Lines { inner: input, line: line.clone(), tape: tape.clone() };
    let mut ctx = Ctx { sink, line: line.clone(), tape: tape.clone(), top_line: 1, record: 0, frame: Frame::default() };
    while reader.skip_space()? {
        ctx.top_line = line.get();
        *tape.borrow_mut() = Some(Vec::new());
        let mut de = serde_json::Deserializer::from_reader(&mut reader);
        if let Err(e) = TopLevel(&mut ctx).deserialize(&mut de) {
            if e.is_io() {
                return Err(ParseError::Io(std::io::Error::other(e.to_string())));
            }
            let msg = e.to_string();
            if msg.starts_with(STOP) {
                return Ok(());
            }
            let msg = msg.rsplit_once(" at line ").map(|(m, _)| m.to_string()).unwrap_or(msg);
            return Err(ParseError::malformed(line.get(), format!("the GeoJSON cannot be read: {msg}")));
        }
        tape.borrow_mut().take();
    }
    Ok(())
}

/// One Feature as an event input.
pub fn read_feature(feature: Value) -> Parsed {
    let Value::Object(mut f) = feature else { return Err("is not a JSON object".into()) };
    // A rejects file's line and reason, which say nothing about the event.
    for k in REJECT_COLUMNS {
        f.shift_remove(k);
    }
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("is not a GeoJSON Feature (its `type` is not \"Feature\")".into());
    }
    let props = match f.get_mut("properties") {
        Some(Value::Object(m)) => m,
        Some(Value::Null) | None => {
            f.insert("properties".into(), Value::Object(Map::new()));
            f.get_mut("properties").and_then(Value::as_object_mut).expect("just inserted")
        }
        Some(_) => return Err("properties: must be an object".into()),
    };
    if props.get("deleted") == Some(&Value::Bool(true)) {
        return Ok(None);
    }
    adopt_foreign(props);
    let key = match f.get("id") {
        Some(Value::String(s)) if uuid::Uuid::parse_str(s).is_ok() => None,
        Some(Value::String(s)) => Some(format!("geojson:{s}")),
        Some(Value::Number(n)) => Some(format!("geojson:{n}")),
        Some(other) if !other.is_null() => return Err("id: must be a string or a number".into()),
        _ => Some(format!("geojson:#{}", super::digest(&[&Value::Object(f.clone()).to_string()]))),
    };
    if key.is_some() {
        f.remove("id");
    }
    let mut input = EventInput::from_json(Value::Object(f)).map_err(|e| e.summary())?;
    if let Some(k) = key {
        super::set_key(&mut input, &k);
    }
    drop_derived_geometry(&mut input);
    Ok(Some(input))
}

/// Moves properties that are not fields of ours under `properties`, reading `name` as the title
/// and `date` as the start when those are missing.
fn adopt_foreign(props: &mut Map<String, Value>) {
    if props.keys().all(|k| FIELDS.contains(&k.as_str())) {
        return;
    }
    let mut own = match props.remove("properties") {
        Some(Value::Object(m)) => m,
        Some(other) => {
            let mut m = Map::new();
            m.insert("properties".into(), other);
            m
        }
        None => Map::new(),
    };
    let foreign: Vec<String> = props.keys().filter(|k| !FIELDS.contains(&k.as_str())).cloned().collect();
    for k in foreign {
        let v = props.remove(&k).expect("listed");
        let takes = |field: &str, props: &Map<String, Value>| !props.contains_key(field) && v.is_string();
        if k == "name" && takes("title", props) {
            props.insert("title".into(), v);
        } else if matches!(k.as_str(), "date" | "datetime" | "time" | "timestamp") && takes("start", props) {
            props.insert("start".into(), v);
        } else if !v.is_null() {
            own.insert(k, v);
        }
    }
    if !own.is_empty() {
        props.insert("properties".into(), Value::Object(own));
    }
}

/// Forgets a geometry that is exactly the one the places give: the event stays derived from
/// its places, as it was before it was exported.
fn drop_derived_geometry(input: &mut EventInput) {
    let (Some(g), Some(places)) = (&input.geometry, &input.places) else { return };
    let Ok(valid) = places.iter().map(|p| p.validate()).collect::<Result<Vec<_>, _>>() else { return };
    if geometry::derive(&valid).is_some_and(|d| d.value == g.value) {
        input.geometry = None;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rows(text: &str) -> Vec<(Position, Parsed)> {
        let mut out = Vec::new();
        parse(&mut text.as_bytes(), &mut |row, r| {
            out.push((row.at, r));
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    fn raws(text: &str) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        parse(&mut text.as_bytes(), &mut |row, _| {
            out.push((row.at.line, String::from_utf8(row.raw.to_vec()).unwrap()));
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_feature_of_a_collection_is_on_the_line_where_it_begins_with_its_text_as_it_was() {
        let text = "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\",\n   \"properties\": {\"title\": \"Idlib\"},\n   \"geometry\": null},\n  {\"type\": \"Feature\", \"properties\": {\"title\": \"Aleppo\"},\n   \"geometry\": null}\n]}\n";
        let r = raws(text);
        assert_eq!(r.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 6]);
        assert_eq!(
            r[0].1,
            "{\"type\": \"Feature\",\n   \"properties\": {\"title\": \"Idlib\"},\n   \"geometry\": null}"
        );
        assert!(r[1].1.starts_with("{\"type\": \"Feature\", \"properties\": {\"title\": \"Aleppo\"}"));
    }

    #[test]
    fn a_feature_on_its_own_is_on_the_line_where_it_begins_with_its_text_as_it_was() {
        let a = "{\"type\": \"Feature\", \"properties\": {\"title\": \"Latakia\"}, \"geometry\": null}";
        let b = "{\"type\": \"Feature\",\n \"properties\": {\"title\": \"Aden\"}, \"geometry\": null}";
        let r = raws(&format!("\n{a}\n\n{b}\n{a}"));
        assert_eq!(r, [(2, a.to_string()), (4, b.to_string()), (6, a.to_string())]);
    }

    #[test]
    fn a_rejects_files_line_and_reason_are_not_members_of_the_feature() {
        // Without an id, the key is a digest of the Feature: the two members, put first by
        // the rejects file, must leave it as it was.
        let f = feature(json!({"title": "Kharkiv", "start": "2025-02-10"}));
        let mut with = Map::new();
        with.insert("_line".into(), json!(3));
        with.insert("_reason".into(), json!("start: was wrong"));
        with.extend(f.as_object().unwrap().clone());
        let (a, b) = (read_feature(f).unwrap().unwrap(), read_feature(Value::Object(with)).unwrap().unwrap());
        assert_eq!(a, b, "the same event and the same key");
    }

    fn feature(props: Value) -> Value {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.9, 34.9]}, "properties": props})
    }

    #[test]
    fn a_collection_streams_its_features_with_their_lines() {
        let fc = json!({"type": "FeatureCollection", "features": [
            feature(json!({"title": "A", "start": "2025-02-10"})),
            feature(json!({"title": "B", "start": "2025-02-11"}))]});
        let text = serde_json::to_string_pretty(&fc).unwrap();
        let r = rows(&text);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].0.record, 2);
        assert!(r[1].0.line > r[0].0.line);
        assert_eq!(r[0].1.as_ref().unwrap().as_ref().unwrap().title.as_deref(), Some("A"));
    }

    #[test]
    fn a_sequence_of_features_one_per_line_is_read_too() {
        let text = format!(
            "{}\n{}\n",
            feature(json!({"title": "A", "start": "2025-02-10"})),
            feature(json!({"title": "B", "start": "2025-02-11"}))
        );
        let r = rows(&text);
        assert_eq!(r.iter().map(|(at, _)| at.line).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn foreign_properties_are_kept_and_ids_become_keys() {
        let mut f = feature(json!({"name": "Checkpoint", "date": "2025-02-10", "colour": "red"}));
        f["id"] = json!(42);
        let e = read_feature(f).unwrap().unwrap();
        assert_eq!(e.title.as_deref(), Some("Checkpoint"));
        assert_eq!(e.start.as_deref(), Some("2025-02-10"));
        assert_eq!(e.properties.as_ref().unwrap()["colour"], "red");
        assert_eq!(super::super::row_id(&e), Some(super::super::key_id("geojson:42")));
    }

    #[test]
    fn a_geometry_the_places_would_give_is_dropped_but_another_is_kept() {
        let place = json!([{"name": "Tartus", "lon": 35.9, "lat": 34.9}]);
        let e = read_feature(feature(json!({"title": "A", "start": "2025-02-10", "places": place}))).unwrap().unwrap();
        assert!(e.geometry.is_none());
        let mut f = feature(json!({"title": "A", "start": "2025-02-10", "places": place}));
        f["geometry"]["coordinates"] = json!([36.0, 35.0]);
        assert!(read_feature(f).unwrap().unwrap().geometry.is_some());
    }

    #[test]
    fn tombstones_are_skipped_and_broken_json_stops_with_its_line() {
        let t = json!({"type": "Feature", "id": "0195a1b2-0000-7000-8000-000000000001", "geometry": null,
                       "properties": {"deleted": true, "deleted_at": "2025-02-12T00:00:00Z"}});
        assert_eq!(read_feature(t).unwrap(), None);
        let e = parse(
            &mut "{\"type\": \"FeatureCollection\",\n\"features\": [\n{\"type\": \"Feature\",,}]}".as_bytes(),
            &mut |_, _| ControlFlow::Continue(()),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("line 3:"), "{e}");
    }
}
