//! The event: what happened, where, when, according to whom; and how it is validated.
//!
//! [`EventInput`] is the plain form a client sends (every field optional so that one pass can
//! report every fault). [`EventInput::validate`] turns it into [`EventData`], the fields a client
//! controls; [`Event`] adds the bookkeeping the store keeps (id, times, revision). An event is
//! served as a GeoJSON Feature whose `properties` hold every field but the geometry.

use chrono::{DateTime, Utc};
use geojson::Geometry;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::json::JsonObject;
use super::properties::Properties;
use super::{
    Place, PlaceInput, Source, SourceInput, TimePrecision, TimeRange, ValidationErrors, Vocabulary, geometry, text,
    time,
};

/// How far an event has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Reported,
    Corroborated,
    Verified,
    Disputed,
    Retracted,
}

impl Status {
    pub const ALL: [Status; 5] = [Self::Reported, Self::Corroborated, Self::Verified, Self::Disputed, Self::Retracted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Corroborated => "corroborated",
            Self::Verified => "verified",
            Self::Disputed => "disputed",
            Self::Retracted => "retracted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Limits on free fields.
pub const MAX_TITLE: usize = 300;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_PLACES: usize = 100;
pub const MAX_TAGS: usize = 50;
pub const MAX_ACTORS: usize = 50;
pub const MAX_SOURCES: usize = 200;
pub const MAX_PROPERTIES_BYTES: usize = 65_536;

/// The plain form of an event as a client sends it (and as a merge patch is applied to).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// At most 50, each at most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// At most 50, each at most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub actors: Option<Vec<String>>,
    /// RFC 3339 date-time or a date (`2025-02-10`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_precision: Option<TimePrecision>,
    /// At most 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 100)]
    pub places: Option<Vec<PlaceInput>>,
    /// An explicit GeoJSON geometry; derived from the places when absent. At most 100,000
    /// positions, of which 10,000 in its polygons together; each polygon must be valid (rings
    /// closed, enclosing an area, not crossing themselves or each other, holes inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Geometry>,
    /// At most 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 200)]
    pub sources: Option<Vec<SourceInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fatalities: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub properties: Option<Map<String, Value>>,
    /// `properties` as the compact JSON text of an object, as an importer writes it
    /// ([`ObjectWriter`](super::json::ObjectWriter)); not part of the API's input.
    #[serde(skip)]
    pub properties_text: Option<JsonObject>,
    // Bookkeeping fields appear in our own exports. They are accepted by imports (which keep the
    // id) and refused by the create and patch endpoints, which own them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub id: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub reported_at: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub created_at: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub updated_at: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub revision: Option<Value>,
}

/// The fields of an event that its editors control, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData {
    pub title: String,
    pub description: Option<String>,
    pub category: String,
    pub tags: Vec<String>,
    pub actors: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub time_precision: TimePrecision,
    pub places: Vec<Place>,
    pub geometry: Geometry,
    /// Whether `geometry` was given rather than derived from the places.
    pub geometry_explicit: bool,
    pub sources: Vec<Source>,
    pub status: Status,
    pub fatalities: Option<u32>,
    pub properties: Properties,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub data: EventData,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revision: u32,
}

impl EventInput {
    /// Reads the body of a create request: a GeoJSON Feature or the plain form.
    pub fn from_json(value: Value) -> Result<Self, ValidationErrors> {
        let is_feature = value.get("type").and_then(Value::as_str) == Some("Feature");
        if !is_feature {
            return deserialize_fields(value, "");
        }
        let Value::Object(mut obj) = value else { unreachable!("checked above") };
        let mut errors = ValidationErrors::new();
        for k in obj.keys() {
            if !matches!(k.as_str(), "type" | "id" | "geometry" | "properties" | "bbox") {
                errors.add(k.clone(), "unknown member of a GeoJSON Feature");
            }
        }
        errors.into_result(())?;
        let mut props = match obj.remove("properties") {
            Some(Value::Object(m)) => m,
            Some(Value::Null) | None => Map::new(),
            Some(_) => return Err(ValidationErrors::one("properties", "must be an object")),
        };
        if let Some(id) = obj.remove("id") {
            props.insert("id".into(), id);
        }
        match obj.remove("geometry") {
            Some(Value::Null) | None => {}
            Some(g) => {
                props.insert("geometry".into(), g);
            }
        }
        deserialize_fields(Value::Object(props), "")
    }

    /// Names of bookkeeping fields present in the input.
    pub fn read_only_fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.id.is_some() {
            v.push("id");
        }
        if self.reported_at.is_some() {
            v.push("reported_at");
        }
        if self.created_at.is_some() {
            v.push("created_at");
        }
        if self.updated_at.is_some() {
            v.push("updated_at");
        }
        if self.revision.is_some() {
            v.push("revision");
        }
        v
    }

    /// Refuses bookkeeping fields, which the server owns.
    pub fn refuse_read_only(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        for f in self.read_only_fields() {
            e.add(f, "is set by the server and cannot be written");
        }
        e.into_result(())
    }

    /// Validates every field, reporting all faults at once. Places must already carry coordinates
    /// (the API completes them through the gazetteer first). Sources keep the id they were given
    /// or get a fresh one; the store replaces it with the id of a stored source with the same URL.
    pub fn validate(&self, vocabulary: &Vocabulary) -> Result<EventData, ValidationErrors> {
        self.clone().into_data(vocabulary)
    }

    /// As [`EventInput::validate`], consuming the input: its free properties are moved rather
    /// than copied (an import validates hundreds of thousands of rows).
    pub fn into_data(mut self, vocabulary: &Vocabulary) -> Result<EventData, ValidationErrors> {
        let properties = match (self.properties.take(), self.properties_text.take()) {
            (None, Some(text)) => Ok(Properties::Text(text)),
            (Some(_), Some(_)) => Err("is given both as a map and as text".to_string()),
            (map, None) => Ok(Properties::Map(map.unwrap_or_default())),
        };
        self.validate_with(vocabulary, properties)
    }

    fn validate_with(
        &self,
        vocabulary: &Vocabulary,
        properties: Result<Properties, String>,
    ) -> Result<EventData, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let title = match &self.title {
            Some(t) => text::check_required("title", t, MAX_TITLE, &mut e),
            None => {
                e.add("title", "is required");
                String::new()
            }
        };
        let description = self
            .description
            .as_deref()
            .map(|d| text::check_text("description", d, MAX_DESCRIPTION, &mut e))
            .filter(|d| !d.is_empty());
        let category = match self.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => match vocabulary.resolve(c) {
                Some(v) => v.to_string(),
                None => {
                    let all: Vec<_> = vocabulary.values().collect();
                    e.add("category", format!("`{c}` is not a category; use one of: {}", all.join(", ")));
                    String::new()
                }
            },
            None => vocabulary.fallback().to_string(),
        };
        let tags = text::check_labels("tags", self.tags.as_deref().unwrap_or_default(), 100, MAX_TAGS, &mut e);
        let actors = text::check_labels("actors", self.actors.as_deref().unwrap_or_default(), 200, MAX_ACTORS, &mut e);

        let start = match self.start.as_deref() {
            Some(s) => match time::parse_event_time(s) {
                Ok(p) => Some(p),
                Err(m) => {
                    e.add("start", m);
                    None
                }
            },
            None => {
                e.add("start", "is required");
                None
            }
        };
        let end = match self.end.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => match time::parse_event_time(s) {
                // An end written as a date means the end of that day.
                Ok(p) if p.date_only => Some(TimePrecision::Day.period_end(p.at)),
                Ok(p) => Some(p.at),
                Err(m) => {
                    e.add("end", m);
                    None
                }
            },
            None => None,
        };
        let time_precision = self.time_precision.unwrap_or(match start {
            Some(p) if p.date_only => TimePrecision::Day,
            _ => TimePrecision::Exact,
        });
        if let (Some(s), Some(en)) = (start, end) {
            if en < s.at {
                e.add(
                    "end",
                    format!("is before start ({} < {})", time::format_rfc3339(en), time::format_rfc3339(s.at)),
                );
            }
        }

        let place_inputs = self.places.as_deref().unwrap_or_default();
        let too_many_places = place_inputs.len() > MAX_PLACES;
        if too_many_places {
            e.add("places", format!("must have at most {MAX_PLACES} places"));
        }
        let mut places = Vec::with_capacity(place_inputs.len().min(MAX_PLACES));
        for (i, p) in place_inputs.iter().enumerate().take_while(|_| !too_many_places) {
            match p.validate() {
                Ok(p) => places.push(p),
                Err(pe) => e.extend_prefixed(&format!("places[{i}]"), pe),
            }
        }
        let (geometry, geometry_explicit) = match &self.geometry {
            Some(g) => {
                if let Err(ge) = geometry::validate("geometry", g) {
                    e.errors.extend(ge.errors);
                }
                (Some(g.clone()), true)
            }
            None => (geometry::derive(&places), false),
        };
        if geometry.is_none() && place_inputs.is_empty() {
            e.add("places", "an event needs at least one place, or an explicit geometry");
        }

        let source_inputs = self.sources.as_deref().unwrap_or_default();
        let too_many_sources = source_inputs.len() > MAX_SOURCES;
        if too_many_sources {
            e.add("sources", format!("must have at most {MAX_SOURCES} sources"));
        }
        let mut sources: Vec<Source> = Vec::with_capacity(source_inputs.len().min(MAX_SOURCES));
        for (i, s) in source_inputs.iter().enumerate().take_while(|_| !too_many_sources) {
            let id = s.id.as_deref().and_then(|i| Uuid::parse_str(i).ok()).unwrap_or_else(Uuid::now_v7);
            match s.validate(id) {
                Ok(s) if sources.iter().any(|o| o.url == s.url) => {
                    e.add(format!("sources[{i}].url"), "is listed twice");
                }
                Ok(s) => sources.push(s),
                Err(se) => e.extend_prefixed(&format!("sources[{i}]"), se),
            }
        }

        let fatalities = match self.fatalities {
            Some(f) if !(0..=10_000_000).contains(&f) => {
                e.add("fatalities", "must be a whole number from 0 to 10,000,000");
                None
            }
            f => f.map(|f| f as u32),
        };
        let properties = properties.unwrap_or_else(|m| {
            e.add("properties", m);
            Properties::default()
        });
        // Counted exactly only when a quick bound does not already show it is small enough.
        let too_big = match (&properties, properties.known_len()) {
            (_, Some(n)) => n > MAX_PROPERTIES_BYTES,
            (Properties::Map(m), None) => {
                json_size_bound(m) > MAX_PROPERTIES_BYTES && json_size(m) > MAX_PROPERTIES_BYTES
            }
            (Properties::Text(_), None) => unreachable!("text knows its length"),
        };
        if too_big {
            e.add("properties", format!("must be at most {MAX_PROPERTIES_BYTES} bytes of JSON"));
        }

        e.into_result(())?;
        Ok(EventData {
            title,
            description,
            category,
            tags,
            actors,
            start: start.expect("checked").at,
            end,
            time_precision,
            places,
            geometry: geometry.expect("checked"),
            geometry_explicit,
            sources,
            status: self.status.unwrap_or_default(),
            fatalities,
            properties,
        })
    }
}

/// At least the length of `value` as compact JSON, found without writing or counting it: every
/// character of a string might be escaped as `\u00XX` (six bytes), and a number takes at most 24.
fn json_size_bound(value: &Map<String, Value>) -> usize {
    fn of(v: &Value) -> usize {
        match v {
            Value::Null | Value::Bool(_) => 5,
            Value::Number(_) => 24,
            Value::String(s) => 2 + 6 * s.len(),
            Value::Array(a) => 2 + a.iter().map(|v| of(v) + 1).sum::<usize>(),
            Value::Object(m) => object(m),
        }
    }
    fn object(m: &Map<String, Value>) -> usize {
        2 + m.iter().map(|(k, v)| 2 + 6 * k.len() + 2 + of(v)).sum::<usize>()
    }
    object(value)
}

/// The length of `value` as compact JSON, counted without building the text.
fn json_size(value: &Map<String, Value>) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    match serde_json::to_writer(&mut n, value) {
        Ok(()) => n.0,
        Err(_) => usize::MAX,
    }
}

/// Deserialises the plain form, turning type errors into a field error with the path at fault.
fn deserialize_fields(value: Value, prefix: &str) -> Result<EventInput, ValidationErrors> {
    if !value.is_object() {
        return Err(ValidationErrors::one(prefix, "must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { prefix.to_string() } else { format!("{prefix}{path}") };
        ValidationErrors::one(field, err.into_inner().to_string())
    })
}

/// Applies a JSON merge patch (RFC 7386) to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("made an object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

impl EventData {
    /// The earliest publication time among the sources: when the event was first reported.
    pub fn reported_at(&self) -> Option<DateTime<Utc>> {
        self.sources.iter().filter_map(|s| s.published_at).min()
    }

    /// The interval the event covers (see [`TimeRange::of_event`]).
    pub fn time_range(&self) -> TimeRange {
        TimeRange::of_event(self.start, self.end, self.time_precision)
    }

    /// Country codes of all places, without repeats.
    pub fn countries(&self) -> Vec<String> {
        let mut v: Vec<String> = self.places.iter().filter_map(|p| p.country.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The plain form that validates back into these fields (used for merge patches).
    pub fn to_input(&self) -> EventInput {
        EventInput {
            title: Some(self.title.clone()),
            description: self.description.clone(),
            category: Some(self.category.clone()),
            tags: Some(self.tags.clone()),
            actors: Some(self.actors.clone()),
            start: Some(time::format_rfc3339(self.start)),
            end: self.end.map(time::format_rfc3339),
            time_precision: Some(self.time_precision),
            places: Some(self.places.iter().map(PlaceInput::from).collect()),
            geometry: self.geometry_explicit.then(|| self.geometry.clone()),
            sources: Some(self.sources.iter().map(SourceInput::from).collect()),
            status: Some(self.status),
            fatalities: self.fatalities.map(i64::from),
            properties: Some(self.properties.to_map().into_owned()),
            ..Default::default()
        }
    }
}

impl Event {
    /// A new event at revision 1.
    pub fn new(id: Uuid, data: EventData, now: DateTime<Utc>) -> Self {
        Self { id, data, created_at: now, updated_at: now, revision: 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vocab() -> Vocabulary {
        Vocabulary::default()
    }

    fn convoy() -> Value {
        json!({
            "title": "Russian convoy leaves Hmeimim for Tartus",
            "category": "military movement",
            "start": "2025-02-10",
            "places": [
                {"name": "Hmeimim", "role": "origin", "lon": 35.9486, "lat": 35.4011},
                {"name": "Tartus", "role": "destination", "lon": 35.8867, "lat": 34.8890}
            ],
            "sources": [{"url": "https://uawire.org/a", "published_at": "2025-02-11T09:00:00Z"},
                        {"url": "https://metbuat.az/b", "published_at": "2025-02-10T20:00:00Z"}]
        })
    }

    #[test]
    fn the_feature_written_by_hand_is_the_one_serde_writes() {
        let mut inputs = vec![convoy()];
        let mut v = convoy();
        v["title"] = json!("Quote \" back\\slash – ٱللاذقية ✓");
        v["description"] = json!("line\nbreak\ttab");
        v["tags"] = json!(["a\"b", "ç"]);
        v["actors"] = json!([]);
        v["end"] = json!("2025-02-12T10:30:00.125Z");
        v["fatalities"] = json!(3);
        v["status"] = json!("disputed");
        v["time_precision"] = json!("hour");
        v["properties"] = json!({"n": [1, 2.5, -0.0, 1e300, null, true], "o": {"k\u{7f}": "v\u{1}"}, "e": {}});
        inputs.push(v);
        let mut plain = convoy();
        for k in ["description", "sources", "tags", "actors", "properties"] {
            plain.as_object_mut().unwrap().remove(k);
        }
        inputs.push(plain);
        let mut line = convoy();
        line["geometry"] = json!({"type": "LineString", "coordinates": [[35.78, 35.52], [35.88, 34.89]]});
        inputs.push(line);
        for v in inputs {
            let d = EventInput::from_json(v).unwrap().validate(&vocab()).unwrap();
            let mut e = Event::new(Uuid::from_u128(7), d, "2025-02-11T08:00:00Z".parse().unwrap());
            e.updated_at = "2025-03-01T00:00:00.5Z".parse().unwrap();
            e.revision = 12;
            assert_eq!(e.to_feature_json(), serde_json::to_string(&e.feature_ref()).unwrap());
        }
    }

    #[test]
    fn the_quick_bound_on_properties_is_never_below_their_json_length() {
        let m: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "a": "plain", "q\"uote": "line\nbreak \u{1} \u{7f} ٱ", "n": [1, -2.5e300, null, true, {"x": []}], "e": {}
        }))
        .unwrap();
        let exact = serde_json::to_string(&m).unwrap().len();
        assert_eq!(json_size(&m), exact);
        assert!(json_size_bound(&m) >= exact, "{} < {exact}", json_size_bound(&m));
    }

    #[test]
    fn consuming_validation_gives_what_borrowing_does_and_counts_properties_as_json() {
        let mut v = convoy();
        // (Sources without ids get a fresh one at each validation.)
        v.as_object_mut().unwrap().remove("sources");
        v["properties"] = json!({"acled": {"event_id_cnty": "SYR1", "notes": "«quoted» ünïcode"}, "n": [1, 2.5, null]});
        let input = EventInput::from_json(v).unwrap();
        let borrowed = input.validate(&vocab()).unwrap();
        assert_eq!(input.clone().into_data(&vocab()).unwrap(), borrowed);
        assert_eq!(borrowed.properties.to_map()["acled"]["event_id_cnty"], "SYR1");
        let m = borrowed.properties.to_map();
        assert_eq!(json_size(&m), serde_json::to_vec(&*m).unwrap().len());
        // Too large: refused the same way by both.
        let mut big = convoy();
        big["properties"] = json!({"blob": "x".repeat(MAX_PROPERTIES_BYTES)});
        let input = EventInput::from_json(big).unwrap();
        let (a, b) = (input.validate(&vocab()).unwrap_err(), input.into_data(&vocab()).unwrap_err());
        assert_eq!(a.summary(), b.summary());
        assert!(a.summary().contains("properties"), "{}", a.summary());
    }

    #[test]
    fn the_plain_form_validates_into_a_movement_known_to_the_day() {
        let d = EventInput::from_json(convoy()).unwrap().validate(&vocab()).unwrap();
        assert_eq!(d.category, "military_movement");
        assert_eq!(d.time_precision, TimePrecision::Day);
        assert!(matches!(d.geometry.value, geojson::Value::LineString(_)));
        assert_eq!(time::format_rfc3339(d.reported_at().unwrap()), "2025-02-10T20:00:00Z");
    }

    #[test]
    fn a_geojson_feature_is_accepted_as_input() {
        let f = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.88, 34.88]},
                       "properties": {"title": "Checkpoint", "start": "2025-02-10T08:00:00Z"}});
        let d = EventInput::from_json(f).unwrap().validate(&vocab()).unwrap();
        assert!(d.geometry_explicit);
        assert!(d.places.is_empty());
        assert_eq!(d.category, "other");
    }

    #[test]
    fn every_fault_is_reported_at_once_with_its_field() {
        let bad = json!({"title": "", "start": "yesterday", "end": "2020-01-01", "category": "picnic",
                         "places": [{"name": "X", "lon": 500, "lat": 0}], "fatalities": -1,
                         "sources": [{"url": "javascript:alert(1)"}]});
        let e = EventInput::from_json(bad).unwrap().validate(&vocab()).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "category", "start", "places[0].lon", "sources[0].url", "fatalities"]);
    }

    #[test]
    fn end_before_start_is_refused() {
        let mut v = convoy();
        v["start"] = json!("2025-02-10T10:00:00Z");
        v["end"] = json!("2025-02-10T09:00:00Z");
        let e = EventInput::from_json(v).unwrap().validate(&vocab()).unwrap_err();
        assert_eq!(e.errors[0].field, "end");
    }

    #[test]
    fn unknown_fields_and_wrong_types_name_the_field() {
        let e = EventInput::from_json(json!({"title": "x", "colour": "red"})).unwrap_err();
        assert!(e.errors[0].message.contains("unknown field `colour`"), "{e}");
        let e = EventInput::from_json(json!({"title": 3})).unwrap_err();
        assert_eq!(e.errors[0].field, "title");
        let e = EventInput::from_json(json!({"places": [{"lat": "north"}]})).unwrap_err();
        assert_eq!(e.errors[0].field, "places[0].lat");
        assert!(EventInput::from_json(json!([1, 2])).is_err());
    }

    #[test]
    fn a_feature_round_trips_through_its_json() {
        let d = EventInput::from_json(convoy()).unwrap().validate(&vocab()).unwrap();
        let now = time::parse_instant("2025-02-12T00:00:00Z").unwrap().at;
        let ev = Event::new(Uuid::now_v7(), d, now);
        let json = ev.to_feature_json();
        let back = Event::from_feature_json(&json, false).unwrap();
        assert_eq!(back, ev);
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["properties"]["reported_at"], "2025-02-10T20:00:00Z");
        assert_eq!(v["properties"]["end"], Value::Null);
        assert!(v["properties"].get("geometry").is_none());
    }

    #[test]
    fn a_merge_patch_sets_replaces_and_removes() {
        let mut t = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge_patch(&mut t, &json!({"a": null, "b": {"c": 5}, "e": [2], "f": "new"}));
        assert_eq!(t, json!({"b": {"c": 5, "d": 3}, "e": [2], "f": "new"}));
    }

    #[test]
    fn to_input_validates_back_into_the_same_fields() {
        let d = EventInput::from_json(convoy()).unwrap().validate(&vocab()).unwrap();
        let again = d.to_input().validate(&vocab()).unwrap();
        assert_eq!(again, d);
    }
}
