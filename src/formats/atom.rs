//! Atom 1.0 (RFC 4287) feeds of changes: one entry per event, newest change first, with links to
//! the event in the map and to its GeoJSON, a plain-text summary (when, where, category, status,
//! sources) and a GeoRSS point; a deleted event is an entry saying so, with the reason.
//!
//! Written from the stored Feature JSON as it is served; every text is XML-escaped, and no HTML
//! is ever produced (summaries are `type="text"`).

use serde_json::Value;

/// What the feed element says about itself.
#[derive(Debug, Clone)]
pub struct FeedHead {
    /// A permanent IRI for the feed (`urn:uuid:<search id>`, or the feed's URL).
    pub id: String,
    pub title: String,
    /// The feed's own URL.
    pub self_url: String,
    /// The map showing the same selection.
    pub map_url: String,
    /// The server's address, for links to events.
    pub base: String,
}

/// Escapes text for XML element content and attribute values, dropping characters XML 1.0
/// cannot hold.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The newest `updated_at` among the Features, as stored (RFC 3339), if any.
pub fn newest(features: &[Value]) -> Option<&str> {
    features.iter().filter_map(|f| f["properties"]["updated_at"].as_str()).max()
}

/// The whole feed. `features` are stored Features (live events and tombstones), newest first.
pub fn feed(head: &FeedHead, features: &[Value]) -> String {
    let mut x = String::with_capacity(1024 + features.len() * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:georss=\"http://www.georss.org/georss\">\n");
    x.push_str(&format!("  <id>{}</id>\n", escape(&head.id)));
    x.push_str(&format!("  <title type=\"text\">{}</title>\n", escape(&head.title)));
    // An empty feed says it was last changed at the epoch, so that it stays the same bytes.
    x.push_str(&format!("  <updated>{}</updated>\n", escape(newest(features).unwrap_or("1970-01-01T00:00:00Z"))));
    x.push_str("  <author><name>eventmap</name></author>\n");
    x.push_str(&format!("  <generator version=\"{}\">eventmap</generator>\n", escape(env!("CARGO_PKG_VERSION"))));
    x.push_str(&format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n", escape(&head.self_url)));
    x.push_str(&format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&head.map_url)));
    for f in features {
        entry(&mut x, &head.base, f);
    }
    x.push_str("</feed>\n");
    x
}

fn entry(x: &mut String, base: &str, f: &Value) {
    let p = &f["properties"];
    let id = f["id"].as_str().unwrap_or_default();
    let deleted = p["deleted"] == Value::Bool(true);
    let updated = p["updated_at"].as_str().unwrap_or("1970-01-01T00:00:00Z");
    x.push_str("  <entry>\n");
    x.push_str(&format!("    <id>urn:uuid:{}</id>\n", escape(id)));
    let title =
        if deleted { format!("Deleted: event {id}") } else { p["title"].as_str().unwrap_or("(untitled)").to_string() };
    x.push_str(&format!("    <title type=\"text\">{}</title>\n", escape(&title)));
    x.push_str(&format!("    <updated>{}</updated>\n", escape(updated)));
    if let Some(created) = p["created_at"].as_str() {
        x.push_str(&format!("    <published>{}</published>\n", escape(created)));
    }
    x.push_str(&format!(
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}/?event={}\"/>\n",
        escape(base),
        escape(id)
    ));
    x.push_str(&format!(
        "    <link rel=\"related\" type=\"application/geo+json\" href=\"{}/api/events/{}\"/>\n",
        escape(base),
        escape(id)
    ));
    if let Some(c) = p["category"].as_str() {
        x.push_str(&format!("    <category term=\"{}\"/>\n", escape(c)));
    }
    x.push_str(&format!("    <summary type=\"text\">{}</summary>\n", escape(&summary(p, deleted))));
    if let Some((lon, lat)) = point(f) {
        x.push_str(&format!("    <georss:point>{lat} {lon}</georss:point>\n"));
    }
    x.push_str("  </entry>\n");
}

/// When, where, category, status and sources in one paragraph of plain text.
fn summary(p: &Value, deleted: bool) -> String {
    if deleted {
        let at = p["deleted_at"].as_str().unwrap_or("?");
        return match p["reason"].as_str().filter(|r| !r.is_empty()) {
            Some(r) => format!("This event was deleted on {at}. Reason: {r}"),
            None => format!("This event was deleted on {at}."),
        };
    }
    let when = match (p["start"].as_str(), p["end"].as_str()) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (Some(s), None) => s.to_string(),
        _ => "unknown".into(),
    };
    let precision = p["time_precision"].as_str().map(|t| format!(" ({t})")).unwrap_or_default();
    let places: Vec<String> = p["places"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|pl| {
                    let name = pl["name"].as_str()?;
                    Some(match pl["country"].as_str() {
                        Some(c) => format!("{name} ({c})"),
                        None => name.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let sources: Vec<String> = p["sources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    let url = s["url"].as_str()?;
                    Some(match s["publisher"].as_str().or(s["title"].as_str()) {
                        Some(name) => format!("{name} <{url}>"),
                        None => url.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "When: {when}{precision}. Where: {}. Category: {}. Status: {}. Sources: {}.",
        if places.is_empty() { "no named place".to_string() } else { places.join("; ") },
        p["category"].as_str().unwrap_or("?"),
        p["status"].as_str().unwrap_or("?"),
        if sources.is_empty() { "none".to_string() } else { sources.join("; ") },
    )
}

/// The point a feed reader pins the event at: a Point geometry's position, else the first place
/// with coordinates, else the mean of the geometry's positions.
pub fn point(f: &Value) -> Option<(f64, f64)> {
    let g = &f["geometry"];
    if g["type"] == "Point" {
        return Some((g["coordinates"][0].as_f64()?, g["coordinates"][1].as_f64()?));
    }
    if let Some(places) = f["properties"]["places"].as_array() {
        if let Some(pl) = places.iter().find(|pl| pl["lon"].is_number() && pl["lat"].is_number()) {
            return Some((pl["lon"].as_f64()?, pl["lat"].as_f64()?));
        }
    }
    let mut sum = (0.0, 0.0, 0usize);
    positions(&g["coordinates"], &mut sum);
    if g["type"] == "GeometryCollection" {
        for part in g["geometries"].as_array().into_iter().flatten() {
            positions(&part["coordinates"], &mut sum);
        }
    }
    (sum.2 > 0).then(|| (sum.0 / sum.2 as f64, sum.1 / sum.2 as f64))
}

fn positions(c: &Value, sum: &mut (f64, f64, usize)) {
    if let Some(a) = c.as_array() {
        if let (Some(lon), Some(lat)) = (a.first().and_then(Value::as_f64), a.get(1).and_then(Value::as_f64)) {
            sum.0 += lon;
            sum.1 += lat;
            sum.2 += 1;
        } else {
            for x in a {
                positions(x, sum);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn head() -> FeedHead {
        FeedHead {
            id: "urn:uuid:0195".into(),
            title: "Protests & <riots>".into(),
            self_url: "http://x/api/events.atom?a=1&b=2".into(),
            map_url: "http://x/?category=protest".into(),
            base: "http://x".into(),
        }
    }

    #[test]
    fn text_is_escaped_and_entries_carry_links_summary_and_point() {
        let f = json!({"type": "Feature", "id": "0195a",
            "geometry": {"type": "LineString", "coordinates": [[35.9, 35.4], [35.9, 34.9]]},
            "properties": {"title": "<script>alert(1)</script>", "start": "2025-02-10T08:00:00Z",
                "updated_at": "2025-02-11T00:00:00Z", "created_at": "2025-02-10T09:00:00Z",
                "category": "military movement", "status": "reported",
                "places": [{"name": "Jableh", "country": "SY", "lon": 35.93, "lat": 35.36}],
                "sources": [{"url": "https://a.example/x?y=1&z=2", "publisher": "A"}]}});
        let x = feed(&head(), &[f]);
        assert!(x.contains("<title type=\"text\">Protests &amp; &lt;riots&gt;</title>"), "{x}");
        assert!(x.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !x.contains("<script>"), "{x}");
        assert!(x.contains("<updated>2025-02-11T00:00:00Z</updated>"), "{x}");
        assert!(x.contains("href=\"http://x/?event=0195a\""), "{x}");
        assert!(x.contains("href=\"http://x/api/events/0195a\""), "{x}");
        assert!(x.contains("<georss:point>35.36 35.93</georss:point>"), "{x}");
        assert!(x.contains("Where: Jableh (SY). Category: military movement. Status: reported."), "{x}");
        assert!(x.contains("A &lt;https://a.example/x?y=1&amp;z=2&gt;"), "{x}");
    }

    #[test]
    fn a_deletion_is_an_entry_with_its_reason() {
        let t = json!({"type": "Feature", "id": "0195b", "geometry": null, "properties": {"deleted": true,
            "deleted_at": "2025-03-01T00:00:00Z", "updated_at": "2025-03-01T00:00:00Z", "reason": "duplicate", "revision": 3}});
        let x = feed(&head(), &[t]);
        assert!(x.contains("<title type=\"text\">Deleted: event 0195b</title>"), "{x}");
        assert!(x.contains("This event was deleted on 2025-03-01T00:00:00Z. Reason: duplicate"), "{x}");
        assert!(!x.contains("georss:point>"), "{x}");
    }

    #[test]
    fn an_empty_feed_is_dated_at_the_epoch_so_its_bytes_do_not_change() {
        assert_eq!(feed(&head(), &[]), feed(&head(), &[]));
        assert!(feed(&head(), &[]).contains("<updated>1970-01-01T00:00:00Z</updated>"));
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(escape("a\u{1}b\u{b}c\n"), "abc\n");
    }
}
