//! A borrowed view of a stored Feature: the fields the CSV and KML writers need, read straight
//! from the Feature JSON without building an `Event`. Text is borrowed where the JSON has no
//! escapes, times stay the RFC 3339 strings the store wrote, and of the free `properties` object
//! only the importers' keys and source names are taken ([`Provenance`]), the rest skipped, which
//! makes those exports several times faster than reading whole events.

use std::borrow::Cow;

use geojson::Geometry;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::provenance::Provenance;
use crate::domain::{LocationPrecision, PlaceRole, TimePrecision};

/// A piece of text, borrowed from the JSON when it can be.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// An event's Feature, as far as the download formats need it.
#[derive(Debug, Deserialize)]
pub struct FeatureView<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    /// Left unparsed until asked for: CSV needs it only for events without places.
    #[serde(borrow)]
    pub geometry: Option<&'a RawValue>,
    #[serde(borrow)]
    pub properties: PropsView<'a>,
}

#[derive(Debug, Deserialize)]
pub struct PropsView<'a> {
    #[serde(borrow)]
    pub title: Text<'a>,
    #[serde(borrow, default)]
    pub description: Option<Text<'a>>,
    #[serde(borrow)]
    pub category: Text<'a>,
    #[serde(borrow, default)]
    pub tags: Vec<Text<'a>>,
    #[serde(borrow, default)]
    pub actors: Vec<Text<'a>>,
    /// RFC 3339, as the store wrote it.
    #[serde(borrow)]
    pub start: Text<'a>,
    #[serde(borrow, default)]
    pub end: Option<Text<'a>>,
    pub time_precision: TimePrecision,
    #[serde(borrow, default)]
    pub places: Vec<PlaceView<'a>>,
    #[serde(borrow, default)]
    pub sources: Vec<SourceView<'a>>,
    #[serde(borrow)]
    pub status: Text<'a>,
    #[serde(default)]
    pub fatalities: Option<u32>,
    /// From the free `properties`: what the importers kept to cite and join the row back.
    #[serde(borrow, default)]
    pub properties: Provenance<'a>,
    #[serde(borrow, default)]
    pub reported_at: Option<Text<'a>>,
    #[serde(borrow)]
    pub created_at: Text<'a>,
    #[serde(borrow)]
    pub updated_at: Text<'a>,
    pub revision: u32,
}

#[derive(Debug, Deserialize)]
pub struct PlaceView<'a> {
    pub role: PlaceRole,
    #[serde(borrow)]
    pub name: Text<'a>,
    #[serde(borrow, default)]
    pub gazetteer_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub country: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub admin1: Option<Text<'a>>,
    pub lon: f64,
    pub lat: f64,
    pub precision: LocationPrecision,
}

#[derive(Debug, Deserialize)]
pub struct SourceView<'a> {
    #[serde(borrow)]
    pub url: Text<'a>,
    #[serde(borrow, default)]
    pub title: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub publisher: Option<Text<'a>>,
    /// The latest capture, in exports (`store::captures::with_latest_captures`).
    #[serde(borrow, default)]
    pub captured_at: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub sha256: Option<Text<'a>>,
}

impl<'a> FeatureView<'a> {
    /// Reads a stored Feature; `None` for what is not an event (a tombstone).
    pub fn parse(feature: &'a str) -> Option<Self> {
        serde_json::from_str(feature).ok()
    }

    /// The event's geometry.
    pub fn geometry(&self) -> Option<Geometry> {
        self.geometry.and_then(|g| serde_json::from_str(g.get()).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_escapes_is_borrowed_and_tombstones_are_not_events() {
        let f = r#"{"type":"Feature","id":"e1","geometry":{"type":"Point","coordinates":[1.0,2.0]},
            "properties":{"title":"Plain","description":"with \"quotes\"","category":"other","tags":["a"],"actors":[],
            "start":"2025-02-10T00:00:00Z","end":null,"time_precision":"day","places":[],"sources":[],"status":"reported",
            "fatalities":null,"properties":{"big":{"nested":[1,2,3]}},"reported_at":null,
            "created_at":"2025-02-11T00:00:00Z","updated_at":"2025-02-11T00:00:00Z","revision":1}}"#;
        let v = FeatureView::parse(f).unwrap();
        assert!(matches!(v.properties.title.0, Cow::Borrowed("Plain")));
        assert_eq!(&*v.properties.description.unwrap(), "with \"quotes\"");
        let tomb = r#"{"type":"Feature","id":"e1","geometry":null,"properties":{"deleted":true,"revision":2}}"#;
        assert!(FeatureView::parse(tomb).is_none());
    }
}
