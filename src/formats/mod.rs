//! Output formats of an event selection: GeoJSON, CSV, NDJSON and KML, written piece by piece
//! (head, one chunk per event, tail) so that any number of events streams in constant memory.
//! The same writers serve `GET /api/events?format=` and `eventmap export`. `warc` writes one
//! source capture as a WARC file.

pub mod atom;
pub mod csv;
pub mod kml;
pub mod lean;
pub mod provenance;
pub mod view;
pub mod warc;

use serde_json::{Value, json};

use crate::domain::filter::Format;
use crate::store::Row;

/// What the tail of a GeoJSON collection reports.
#[derive(Debug, Clone, Default)]
pub struct CollectionTail {
    pub number_returned: u64,
    pub number_matched: Option<u64>,
    /// `numberMatched` is an estimate: written as `"numberMatchedExact": false`.
    pub number_matched_estimated: bool,
    /// `links` entries (`{"href", "rel", "type"}`).
    pub links: Vec<Value>,
    pub time_stamp: Option<String>,
}

/// Writes an event selection in one format.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    pub format: Format,
    written: u64,
}

impl Writer {
    pub fn new(format: Format) -> Self {
        Self { format, written: 0 }
    }

    /// The media type of the output.
    pub fn content_type(&self) -> &'static str {
        match self.format {
            Format::Geojson => "application/geo+json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
            Format::Kml => "application/vnd.google-earth.kml+xml",
        }
    }

    /// The usual file extension.
    pub fn extension(&self) -> &'static str {
        match self.format {
            Format::Geojson => "geojson",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::Kml => "kml",
        }
    }

    pub fn head(&self, out: &mut Vec<u8>) {
        match self.format {
            Format::Geojson => out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#),
            Format::Csv => csv::head(out),
            Format::Ndjson => {}
            Format::Kml => kml::head(out),
        }
    }

    /// Appends one row. Rows that are not events (tombstones) are written only by the JSON
    /// formats, which can say what they are.
    pub fn row(&mut self, row: &Row, out: &mut Vec<u8>) {
        match self.format {
            Format::Geojson => {
                if self.written > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(row.feature.as_bytes());
            }
            Format::Ndjson => {
                out.extend_from_slice(row.feature.as_bytes());
                out.push(b'\n');
            }
            Format::Csv => {
                if let Some(f) = view::FeatureView::parse(&row.feature) {
                    csv::row(&f, out);
                }
            }
            Format::Kml => {
                if let Some(f) = view::FeatureView::parse(&row.feature) {
                    kml::placemark(&f, out);
                }
            }
        }
        self.written += 1;
    }

    pub fn tail(&self, tail: &CollectionTail, out: &mut Vec<u8>) {
        match self.format {
            Format::Geojson => {
                out.extend_from_slice(b"]");
                let mut m = serde_json::Map::new();
                m.insert("numberReturned".into(), json!(tail.number_returned));
                if let Some(n) = tail.number_matched {
                    m.insert("numberMatched".into(), json!(n));
                    if tail.number_matched_estimated {
                        m.insert("numberMatchedExact".into(), json!(false));
                    }
                }
                if let Some(t) = &tail.time_stamp {
                    m.insert("timeStamp".into(), json!(t));
                }
                m.insert("links".into(), Value::Array(tail.links.clone()));
                for (k, v) in m {
                    out.push(b',');
                    out.extend_from_slice(serde_json::to_string(&k).expect("string").as_bytes());
                    out.push(b':');
                    out.extend_from_slice(v.to_string().as_bytes());
                }
                out.push(b'}');
            }
            Format::Kml => kml::tail(out),
            Format::Csv | Format::Ndjson => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_geojson_collection_is_valid_json_with_its_counts() {
        let mut w = Writer::new(Format::Geojson);
        let mut out = Vec::new();
        w.head(&mut out);
        for i in 0..2 {
            let row = Row {
                feature: format!(r#"{{"type":"Feature","id":"{i}","geometry":null,"properties":{{}}}}"#),
                key: 0,
                seq: i,
                geometry_explicit: false,
                matched: None,
            };
            w.row(&row, &mut out);
        }
        w.tail(&CollectionTail { number_returned: 2, number_matched: Some(5), ..Default::default() }, &mut out);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["features"].as_array().unwrap().len(), 2);
        assert_eq!(v["numberMatched"], 5);
        assert_eq!(v["links"], json!([]));
    }
}
