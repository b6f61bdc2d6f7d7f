//! An event's GeoJSON Feature, written and read back: [`Event::to_feature_json`] writes it by
//! hand ([`write()`]), the same bytes as serialising it with serde
//! (`Event::to_feature_value` and the tests hold both to that), in a fraction of the time. A
//! bulk import renders every event it stores, and serde_json's string escaping, a byte at a
//! time, was a third of that work; here strings are escaped a word at a time
//! ([`json::push_string`](super::json::push_string)) and properties written by an importer are
//! copied as they are. The small nested values (geometry, places, sources) still go through
//! serde_json.

use chrono::{DateTime, Utc};
use geojson::Geometry;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::event::{Event, EventData, Status};
use super::json::push_string;
use super::properties::Properties;
use super::source::{opt_rfc3339, rfc3339};
use super::time::format_rfc3339;
use super::{Place, Source, TimePrecision};

/// Appends `v` as serde_json writes it.
fn push_serde<T: serde::Serialize + ?Sized>(out: &mut String, v: &T) {
    out.push_str(&serde_json::to_string(v).expect("a domain value always serialises"));
}

fn push_time(out: &mut String, t: &DateTime<Utc>) {
    push_string(out, &format_rfc3339(*t));
}

fn push_opt_time(out: &mut String, t: Option<&DateTime<Utc>>) {
    match t {
        Some(t) => push_time(out, t),
        None => out.push_str("null"),
    }
}

fn push_strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, s);
    }
    out.push(']');
}

/// Writes the Feature of `e` into `out`.
pub fn write(e: &Event, out: &mut String) {
    use std::fmt::Write;
    let d = &e.data;
    out.push_str(r#"{"type":"Feature","id":""#);
    let _ = write!(out, "{}", e.id);
    out.push_str(r#"","geometry":"#);
    push_serde(out, &d.geometry);
    out.push_str(r#","properties":{"title":"#);
    push_string(out, &d.title);
    out.push_str(r#","description":"#);
    match &d.description {
        Some(s) => push_string(out, s),
        None => out.push_str("null"),
    }
    out.push_str(r#","category":"#);
    push_string(out, &d.category);
    out.push_str(r#","tags":"#);
    push_strings(out, &d.tags);
    out.push_str(r#","actors":"#);
    push_strings(out, &d.actors);
    out.push_str(r#","start":"#);
    push_time(out, &d.start);
    out.push_str(r#","end":"#);
    push_opt_time(out, d.end.as_ref());
    out.push_str(r#","time_precision":"#);
    push_string(out, d.time_precision.as_str());
    out.push_str(r#","places":["#);
    for (i, p) in d.places.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_serde(out, p);
    }
    out.push_str(r#"],"sources":["#);
    for (i, s) in d.sources.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_serde(out, s);
    }
    out.push_str(r#"],"status":"#);
    push_string(out, d.status.as_str());
    out.push_str(r#","fatalities":"#);
    match d.fatalities {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str("null"),
    }
    out.push_str(r#","properties":"#);
    match &d.properties {
        Properties::Map(m) => push_serde(out, m),
        Properties::Text(t) => out.push_str(t.as_str()),
    }
    out.push_str(r#","reported_at":"#);
    push_opt_time(out, d.reported_at().as_ref());
    out.push_str(r#","created_at":"#);
    push_time(out, &e.created_at);
    out.push_str(r#","updated_at":"#);
    push_time(out, &e.updated_at);
    let _ = write!(out, r#","revision":{}}}}}"#, e.revision);
}

/// The `properties` of an event's Feature, borrowed for serialisation.
#[derive(Serialize)]
struct PropsRef<'a> {
    title: &'a str,
    description: &'a Option<String>,
    category: &'a str,
    tags: &'a [String],
    actors: &'a [String],
    #[serde(with = "rfc3339")]
    start: &'a DateTime<Utc>,
    #[serde(with = "opt_rfc3339_ref")]
    end: &'a Option<DateTime<Utc>>,
    time_precision: TimePrecision,
    places: &'a [Place],
    sources: &'a [Source],
    status: Status,
    fatalities: Option<u32>,
    properties: &'a Properties,
    #[serde(with = "opt_rfc3339")]
    reported_at: Option<DateTime<Utc>>,
    #[serde(with = "rfc3339")]
    created_at: &'a DateTime<Utc>,
    #[serde(with = "rfc3339")]
    updated_at: &'a DateTime<Utc>,
    revision: u32,
}

mod opt_rfc3339_ref {
    use chrono::{DateTime, Utc};
    pub fn serialize<S: serde::Serializer>(v: &&Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        super::opt_rfc3339::serialize(v, s)
    }
}

#[derive(Serialize)]
pub(super) struct FeatureRef<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a Uuid,
    geometry: &'a Geometry,
    properties: PropsRef<'a>,
}

/// The owned mirror of [`FeatureRef`], for reading stored or exported features back.
#[derive(Deserialize)]
struct FeatureOwned {
    id: Uuid,
    geometry: Geometry,
    properties: PropsOwned,
}

#[derive(Deserialize)]
struct PropsOwned {
    title: String,
    description: Option<String>,
    category: String,
    tags: Vec<String>,
    actors: Vec<String>,
    #[serde(with = "rfc3339")]
    start: DateTime<Utc>,
    #[serde(with = "opt_rfc3339", default)]
    end: Option<DateTime<Utc>>,
    time_precision: TimePrecision,
    places: Vec<Place>,
    sources: Vec<Source>,
    status: Status,
    fatalities: Option<u32>,
    properties: Map<String, Value>,
    #[serde(with = "rfc3339")]
    created_at: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    updated_at: DateTime<Utc>,
    revision: u32,
}

impl Event {
    /// The event as a GeoJSON Feature (RFC 7946), as the API serves it.
    pub fn to_feature_json(&self) -> String {
        // Written into a buffer kept by the thread and copied out at its final length: growing a
        // fresh string from nothing reallocated it five or six times for a Feature of 1.5 KB, and
        // a bulk import renders hundreds of thousands.
        thread_local! {
            static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        BUFFER.with_borrow_mut(|buf| {
            buf.clear();
            write(self, buf);
            let json = buf.as_str().to_string();
            // A rare huge Feature does not keep its memory with the thread.
            if buf.capacity() > 1 << 20 {
                *buf = String::new();
            }
            json
        })
    }

    /// The event as a GeoJSON Feature value.
    pub fn to_feature_value(&self) -> Value {
        serde_json::to_value(self.feature_ref()).expect("an event always serialises")
    }

    pub(super) fn feature_ref(&self) -> FeatureRef<'_> {
        let d = &self.data;
        FeatureRef {
            kind: "Feature",
            id: &self.id,
            geometry: &d.geometry,
            properties: PropsRef {
                title: &d.title,
                description: &d.description,
                category: &d.category,
                tags: &d.tags,
                actors: &d.actors,
                start: &d.start,
                end: &d.end,
                time_precision: d.time_precision,
                places: &d.places,
                sources: &d.sources,
                status: d.status,
                fatalities: d.fatalities,
                properties: &d.properties,
                reported_at: d.reported_at(),
                created_at: &self.created_at,
                updated_at: &self.updated_at,
                revision: self.revision,
            },
        }
    }

    /// Reads an event back from its Feature JSON (as stored, or as exported by eventmap).
    /// `geometry_explicit` is not part of the Feature and must be supplied by the caller.
    pub fn from_feature_json(json: &str, geometry_explicit: bool) -> Result<Self, serde_json::Error> {
        let f: FeatureOwned = serde_json::from_str(json)?;
        let p = f.properties;
        Ok(Self {
            id: f.id,
            data: EventData {
                title: p.title,
                description: p.description,
                category: p.category,
                tags: p.tags,
                actors: p.actors,
                start: p.start,
                end: p.end,
                time_precision: p.time_precision,
                places: p.places,
                geometry: f.geometry,
                geometry_explicit,
                sources: p.sources,
                status: p.status,
                fatalities: p.fatalities,
                properties: Properties::Map(p.properties),
            },
            created_at: p.created_at,
            updated_at: p.updated_at,
            revision: p.revision,
        })
    }
}
