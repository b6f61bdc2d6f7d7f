//! An event's GeoJSON Feature written by hand: the same bytes as serialising it with serde
//! (`Event::to_feature_value` and the tests hold both to that), in a fraction of the time. A
//! bulk import renders every event it stores, and serde_json's string escaping, a byte at a
//! time, was a third of that work; here strings are escaped a word at a time
//! ([`json::push_string`](super::json::push_string)) and properties written by an importer are
//! copied as they are. The small nested values (geometry, places, sources) still go through
//! serde_json.

use chrono::{DateTime, Utc};

use super::event::Event;
use super::json::push_string;
use super::properties::Properties;
use super::time::format_rfc3339;

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
