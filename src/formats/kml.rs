//! KML 2.2 for Google Earth: one Placemark per event with its geometry, a TimeSpan (or a
//! TimeStamp for an instant) so the time slider plays the events, a style per category, and every
//! text escaped as XML text. `ExtendedData` holds what makes the event citable, named as the CSV
//! columns are: `sources` (the URLs), `source_names` and the importer's key (`acled_event_id_cnty`,
//! `gdelt_globaleventid`, `timemap_id`) when there is one.

use geojson::{PointType, Value};

use super::provenance::source_names;
use super::view::FeatureView;
use crate::domain::TimeRange;
use crate::domain::time::{format_rfc3339, parse_instant};

/// Escapes text for XML element content and attribute values.
pub fn escape(s: &str, out: &mut Vec<u8>) {
    for ch in s.chars() {
        match ch {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\'' => out.extend_from_slice(b"&apos;"),
            // Characters XML 1.0 forbids (control characters are refused on input anyway).
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

pub fn head(out: &mut Vec<u8>) {
    out.extend_from_slice(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document>
<name>eventmap export</name>
"#,
    );
    for c in crate::domain::Vocabulary::default().categories {
        // KML colours are aabbggrr.
        let hex = c.color.trim_start_matches('#');
        let (r, g, b) = (&hex[0..2], &hex[2..4], &hex[4..6]);
        out.extend_from_slice(
            format!(
                "<Style id=\"{v}\"><IconStyle><color>ff{b}{g}{r}</color></IconStyle><LineStyle><color>ff{b}{g}{r}</color><width>3</width></LineStyle><PolyStyle><color>66{b}{g}{r}</color></PolyStyle></Style>\n",
                v = c.value
            )
            .as_bytes(),
        );
    }
}

pub fn tail(out: &mut Vec<u8>) {
    out.extend_from_slice(b"</Document>\n</kml>\n");
}

fn coords(ps: &[PointType], out: &mut Vec<u8>) {
    out.extend_from_slice(b"<coordinates>");
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(format!("{},{}", p[0], p[1]).as_bytes());
    }
    out.extend_from_slice(b"</coordinates>");
}

fn polygon(rings: &[Vec<PointType>], out: &mut Vec<u8>) {
    out.extend_from_slice(b"<Polygon>");
    for (i, r) in rings.iter().enumerate() {
        let tag: &[u8] = if i == 0 { b"outerBoundaryIs" } else { b"innerBoundaryIs" };
        out.extend_from_slice(b"<");
        out.extend_from_slice(tag);
        out.extend_from_slice(b"><LinearRing>");
        coords(r, out);
        out.extend_from_slice(b"</LinearRing></");
        out.extend_from_slice(tag);
        out.extend_from_slice(b">");
    }
    out.extend_from_slice(b"</Polygon>");
}

fn geometry(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Point(p) => {
            out.extend_from_slice(b"<Point>");
            coords(std::slice::from_ref(p), out);
            out.extend_from_slice(b"</Point>");
        }
        Value::LineString(l) => {
            out.extend_from_slice(b"<LineString><tessellate>1</tessellate>");
            coords(l, out);
            out.extend_from_slice(b"</LineString>");
        }
        Value::Polygon(p) => polygon(p, out),
        Value::MultiPoint(ps) => {
            out.extend_from_slice(b"<MultiGeometry>");
            for p in ps {
                geometry(&Value::Point(p.clone()), out);
            }
            out.extend_from_slice(b"</MultiGeometry>");
        }
        Value::MultiLineString(ls) => {
            out.extend_from_slice(b"<MultiGeometry>");
            for l in ls {
                geometry(&Value::LineString(l.clone()), out);
            }
            out.extend_from_slice(b"</MultiGeometry>");
        }
        Value::MultiPolygon(ps) => {
            out.extend_from_slice(b"<MultiGeometry>");
            for p in ps {
                polygon(p, out);
            }
            out.extend_from_slice(b"</MultiGeometry>");
        }
        Value::GeometryCollection(gs) => {
            out.extend_from_slice(b"<MultiGeometry>");
            for g in gs {
                geometry(&g.value, out);
            }
            out.extend_from_slice(b"</MultiGeometry>");
        }
    }
}

fn data(name: &str, value: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<Data name=\"");
    escape(name, out);
    out.extend_from_slice(b"\"><value>");
    escape(value, out);
    out.extend_from_slice(b"</value></Data>");
}

/// One event (read from its stored Feature) as a Placemark.
pub fn placemark(f: &FeatureView<'_>, out: &mut Vec<u8>) {
    let d = &f.properties;
    out.extend_from_slice(b"<Placemark id=\"");
    escape(&f.id, out);
    out.extend_from_slice(b"\"><name>");
    escape(&d.title, out);
    out.extend_from_slice(b"</name>");
    if let Some(desc) = &d.description {
        out.extend_from_slice(b"<description>");
        escape(desc, out);
        out.extend_from_slice(b"</description>");
    }
    if let Ok(start) = parse_instant(&d.start) {
        let end = d.end.as_deref().and_then(|e| parse_instant(e).ok()).map(|e| e.at);
        let range = TimeRange::of_event(start.at, end, d.time_precision);
        if range.start == range.end {
            out.extend_from_slice(b"<TimeStamp><when>");
            out.extend_from_slice(format_rfc3339(range.start).as_bytes());
            out.extend_from_slice(b"</when></TimeStamp>");
        } else {
            out.extend_from_slice(b"<TimeSpan><begin>");
            out.extend_from_slice(format_rfc3339(range.start).as_bytes());
            out.extend_from_slice(b"</begin><end>");
            out.extend_from_slice(format_rfc3339(range.end).as_bytes());
            out.extend_from_slice(b"</end></TimeSpan>");
        }
    }
    out.extend_from_slice(b"<styleUrl>#");
    escape(&d.category, out);
    out.extend_from_slice(b"</styleUrl><ExtendedData>");
    data("category", &d.category, out);
    data("status", &d.status, out);
    data("time_precision", d.time_precision.as_str(), out);
    data("places", &d.places.iter().map(|p| &*p.name).collect::<Vec<_>>().join(" | "), out);
    data("sources", &d.sources.iter().map(|s| &*s.url).collect::<Vec<_>>().join(" | "), out);
    data("source_names", &source_names(f).collect::<Vec<_>>().join(" | "), out);
    if let Some(n) = d.fatalities {
        data("fatalities", &n.to_string(), out);
    }
    let p = &d.properties;
    for (name, key) in [
        ("acled_event_id_cnty", &p.acled_event_id_cnty),
        ("gdelt_globaleventid", &p.gdelt_globaleventid),
        ("timemap_id", &p.timemap_id),
    ] {
        if let Some(k) = key {
            data(name, k, out);
        }
    }
    out.extend_from_slice(b"</ExtendedData>");
    if let Some(g) = f.geometry() {
        geometry(&g.value, out);
    }
    out.extend_from_slice(b"</Placemark>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        let mut out = Vec::new();
        escape("<img src=x onerror=alert(1)> & \"q\"", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;");
    }

    #[test]
    fn a_day_is_a_time_span_and_an_instant_a_time_stamp() {
        let mark = |start: &str, precision: &str| {
            let input = crate::domain::EventInput::from_json(serde_json::json!({"title": "T & <b>", "start": start,
                "time_precision": precision, "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889}]}))
            .unwrap();
            let d = input.validate(&crate::domain::Vocabulary::default()).unwrap();
            let ev = crate::domain::Event::new(uuid::Uuid::nil(), d, chrono::Utc::now());
            let json = ev.to_feature_json();
            let mut out = Vec::new();
            placemark(&FeatureView::parse(&json).unwrap(), &mut out);
            String::from_utf8(out).unwrap()
        };
        let day = mark("2025-02-10", "day");
        assert!(
            day.contains("<TimeSpan><begin>2025-02-10T00:00:00Z</begin><end>2025-02-10T23:59:59.999Z</end></TimeSpan>"),
            "{day}"
        );
        assert!(day.contains("<name>T &amp; &lt;b&gt;</name>"), "{day}");
        assert!(day.contains("<Point><coordinates>35.8866,34.889</coordinates></Point>"), "{day}");
        let instant = mark("2025-02-10T14:30:00Z", "exact");
        assert!(instant.contains("<TimeStamp><when>2025-02-10T14:30:00Z</when></TimeStamp>"), "{instant}");
    }

    #[test]
    fn extended_data_names_the_sources_and_the_key_of_an_imported_row() {
        let input = crate::domain::EventInput::from_json(serde_json::json!({"title": "Air/drone strike in Latakia",
            "start": "2023-06-03", "places": [{"name": "Latakia", "lon": 35.7796, "lat": 35.5317}],
            "properties": {"acled": {"event_id_cnty": "XSY0002", "source": "Example Weekly; Sample <Radio>"}}}))
        .unwrap();
        let d = input.validate(&crate::domain::Vocabulary::default()).unwrap();
        let json = crate::domain::Event::new(uuid::Uuid::nil(), d, chrono::Utc::now()).to_feature_json();
        let mut out = Vec::new();
        placemark(&FeatureView::parse(&json).unwrap(), &mut out);
        let kml = String::from_utf8(out).unwrap();
        assert!(
            kml.contains(r#"<Data name="source_names"><value>Example Weekly | Sample &lt;Radio&gt;</value></Data>"#),
            "{kml}"
        );
        assert!(kml.contains(r#"<Data name="acled_event_id_cnty"><value>XSY0002</value></Data>"#), "{kml}");
        assert!(!kml.contains("gdelt_globaleventid") && !kml.contains("timemap_id"), "only the keys there are: {kml}");
    }

    #[test]
    fn a_line_is_written_as_kml_coordinates() {
        let mut out = Vec::new();
        geometry(&Value::LineString(vec![vec![35.95, 35.41], vec![35.88, 34.88]]), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<LineString><tessellate>1</tessellate><coordinates>35.95,35.41 35.88,34.88</coordinates></LineString>"
        );
    }
}
