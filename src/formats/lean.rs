//! `properties=`: a stored Feature cut down to the properties asked for, without parsing the
//! values (each is copied as the raw JSON it is), so that a lean page costs little more to write
//! than a full one.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The parts of a Feature that a lean copy keeps, borrowed from the stored text.
#[derive(Deserialize)]
struct Borrowed<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow)]
    geometry: &'a RawValue,
    #[serde(borrow)]
    properties: HashMap<&'a str, &'a RawValue>,
}

/// `feature` with only the properties named in `keep`, in that order (a property the Feature
/// lacks is left out). A row that is not an event's Feature (a tombstone) is copied whole.
pub fn select(feature: &str, keep: &[String], out: &mut Vec<u8>) {
    let Ok(f) = serde_json::from_str::<Borrowed<'_>>(feature) else {
        out.extend_from_slice(feature.as_bytes());
        return;
    };
    out.extend_from_slice(br#"{"type":"Feature","id":"#);
    out.extend_from_slice(f.id.get().as_bytes());
    out.extend_from_slice(br#","geometry":"#);
    out.extend_from_slice(f.geometry.get().as_bytes());
    out.extend_from_slice(br#","properties":{"#);
    let mut first = true;
    for k in keep {
        if let Some(v) = f.properties.get(k.as_str()) {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b"\":");
            out.extend_from_slice(v.get().as_bytes());
        }
    }
    out.extend_from_slice(b"}}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_lean_feature_keeps_the_geometry_and_only_the_properties_asked_for() {
        let full = json!({"type": "Feature", "id": "e1", "geometry": {"type": "Point", "coordinates": [35.9, 34.9]},
            "properties": {"title": "Convoy \"held\"", "category": "military_movement", "places": [{"name": "Tartus"}],
                           "status": "reported"}});
        let mut out = Vec::new();
        select(&full.to_string(), &["title".into(), "status".into(), "fatalities".into()], &mut out);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            json!({"type": "Feature", "id": "e1", "geometry": full["geometry"],
                   "properties": {"title": "Convoy \"held\"", "status": "reported"}})
        );
        let mut none = Vec::new();
        select(&full.to_string(), &[], &mut none);
        assert_eq!(serde_json::from_slice::<Value>(&none).unwrap()["properties"], json!({}));
    }
}
