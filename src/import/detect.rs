//! Guessing the format of a file from its first bytes, when the caller does not name it:
//! JSON with GeoJSON `type`s is GeoJSON, other JSON with events is TimeMap, tab-separated rows
//! of GDELT's widths are GDELT, a header with ACLED's key column is ACLED, and any other
//! delimited text with a header is CSV.

use super::Format;
use super::csv::fold_header;

/// How many bytes of the head [`guess`] looks at.
pub const HEAD: usize = 64 * 1024;

/// The format of a file that begins with `head`, if it can be told.
pub fn guess(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches(['\u{feff}', '\u{1e}']).trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.contains("\"type\":\"FeatureCollection\"") || compact.contains("\"type\":\"Feature\"") {
            return Some(Format::Geojson);
        }
        if compact.starts_with("{\"events\":") || compact.contains("\"events\":[") || compact.starts_with("[{") {
            return Some(Format::Timemap);
        }
        return None;
    }
    let first = t.lines().next()?;
    if first.contains('\t') && (super::gdelt::looks_like(first) || super::gdelt::looks_like_rejects(t)) {
        return Some(Format::Gdelt);
    }
    let headers: Vec<String> = first.split([',', ';', '\t']).map(|h| fold_header(h.trim_matches('"'))).collect();
    if headers.iter().any(|h| h == "event_id_cnty") {
        return Some(Format::Acled);
    }
    (headers.len() >= 2).then_some(Format::Csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_told_from_its_head() {
        assert_eq!(guess(br#"{"type": "FeatureCollection", "features": []}"#), Some(Format::Geojson));
        assert_eq!(guess(b"\xef\xbb\xbf {\"type\":\"Feature\",\"geometry\":null}\n"), Some(Format::Geojson));
        assert_eq!(guess(br#"{"events": [], "sources": {}}"#), Some(Format::Timemap));
        assert_eq!(guess(br#"[{"description": "x", "date": "01/02/2022"}]"#), Some(Format::Timemap));
        assert_eq!(guess(b"event_id_cnty,event_date,event_type\nX1,02 June 2023,Protests\n"), Some(Format::Acled));
        assert_eq!(guess(b"\"EVENT_ID_CNTY\";\"EVENT_DATE\"\n"), Some(Format::Acled));
        assert_eq!(guess(b"title,start,lat,lon\nA,2025-02-10,1,2\n"), Some(Format::Csv));
        let gdelt = crate::import::gdelt::sample_row(2, 5, "20250210", "14", 1.0, 2.0, "https://e.org/");
        assert_eq!(guess(gdelt.as_bytes()), Some(Format::Gdelt));
        assert_eq!(guess(b"just some words"), None);
        assert_eq!(guess(b"{\"a\": 1}"), None);
    }
}
