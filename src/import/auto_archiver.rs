//! Bellingcat's Auto Archiver output as captures: its Google Sheet (or CSV) columns as its
//! documentation names them, matched case-insensitively: `Link` (the URL archived), `Archive
//! status`, `Archive location` (where its copy is), `Archive date`, `Hash` (`SHA-256:<hex>` as
//! its hash enricher writes it, or bare hex), `Screenshot`, `WACZ`. A pure parser: rows in,
//! [`Imported`] captures out, each bad row with its line and reason. Rows that archived nothing
//! (no hash) are skipped and counted; a hash of another algorithm (SHA3-512) is a bad row,
//! because captures are keyed by SHA-256.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::domain::capture::is_sha256_hex;
use crate::store::captures::Imported;

/// What a file holds.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<(u64, Imported)>,
    /// Rows that archived nothing, by line.
    pub skipped: Vec<u64>,
    /// Bad rows: line and reason.
    pub errors: Vec<(u64, String)>,
}

/// The origin recorded on captures from Auto Archiver.
pub const ORIGIN: &str = "auto-archiver";

fn parse_date(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // Python's isoformat() with a space, and sheets' own rendering; both without an offset are
    // taken as UTC, which is what Auto Archiver writes.
    for f in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%:z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    Err(format!("`{s}` is not a date and time such as 2025-02-11T08:02:00+00:00"))
}

fn parse_hash(s: &str) -> Result<String, String> {
    let s = s.trim();
    let (algo, hex) = match s.split_once(':') {
        Some((a, h)) => (a.trim().to_ascii_uppercase(), h.trim()),
        None => ("SHA-256".to_string(), s),
    };
    if algo != "SHA-256" && algo != "SHA256" {
        return Err(format!(
            "the hash is {algo}; eventmap keeps captures by SHA-256 (set the hash enricher's algorithm to SHA-256)"
        ));
    }
    let hex = hex.to_ascii_lowercase();
    if !is_sha256_hex(&hex) {
        return Err(format!("`{s}` is not a SHA-256 in hex (64 characters 0-9, a-f)"));
    }
    Ok(hex)
}

/// Reads an Auto Archiver sheet exported as CSV.
pub fn parse(input: impl std::io::Read) -> Result<Parsed, String> {
    let mut r = ::csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = r.headers().map_err(|e| format!("line 1: {e}"))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let link = col("link").ok_or("line 1: no `Link` column (Auto Archiver's column of the URLs archived)")?;
    let (location, date, hash) = (col("archive location"), col("archive date"), col("hash"));
    let hash = hash.ok_or("line 1: no `Hash` column: without hashes there is nothing to keep")?;
    let date = date.ok_or("line 1: no `Archive date` column")?;
    let mut out = Parsed::default();
    for (i, rec) in r.records().enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(x) => x,
            Err(e) => {
                out.errors.push((line, e.to_string()));
                continue;
            }
        };
        let get = |c: usize| rec.get(c).map(str::trim).unwrap_or("");
        let h = get(hash);
        if h.is_empty() {
            out.skipped.push(line);
            continue;
        }
        let mut errs = crate::domain::ValidationErrors::new();
        let url = crate::domain::source::check_url("Link", get(link), &mut errs);
        let mut reasons: Vec<String> = errs.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        let hash = parse_hash(h).map_err(|e| reasons.push(format!("Hash: {e}"))).ok();
        let at = parse_date(get(date)).map_err(|e| reasons.push(format!("Archive date: {e}"))).ok();
        let archive_url = location.map(get).filter(|s| !s.is_empty()).map(str::to_string);
        match (hash, at) {
            (Some(sha256), Some(captured_at)) if reasons.is_empty() => {
                out.rows.push((line, Imported { url, captured_at, sha256, archive_url, origin: ORIGIN.into() }))
            }
            _ => out.errors.push((line, reasons.join("; "))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "3f2a9c1b5e7d8f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718";

    #[test]
    fn rows_with_a_sha256_become_captures_and_others_are_skipped_or_refused_with_their_line() {
        let csv = format!(
            "Link,Archive status,Archive location,Archive date,Screenshot,Hash,WACZ\n\
             https://t.me/example/123,telegram: success,https://s3.example/a.html,2025-02-11T08:02:00+00:00,https://s3.example/a.png,SHA-256:{},https://s3.example/a.wacz\n\
             https://example.org/x,nothing archived,,,,,\n\
             https://example.org/y,wayback: success,https://web.archive.org/y,2025-02-11 09:00:00,,SHA3-512:abcd,\n\
             ftp://example.org/z,generic: success,,2025-02-11 09:00:00,,{SHA},\n",
            SHA.to_uppercase()
        );
        let p = parse(csv.as_bytes()).unwrap();
        assert_eq!(p.rows.len(), 1);
        let (line, r) = &p.rows[0];
        assert_eq!(*line, 2);
        assert_eq!(r.url, "https://t.me/example/123");
        assert_eq!(r.sha256, SHA);
        assert_eq!(r.archive_url.as_deref(), Some("https://s3.example/a.html"));
        assert_eq!(r.captured_at.to_rfc3339(), "2025-02-11T08:02:00+00:00");
        assert_eq!(p.skipped, vec![3]);
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert_eq!(p.errors[0].0, 4);
        assert!(p.errors[0].1.contains("SHA3-512"), "{}", p.errors[0].1);
        assert_eq!(p.errors[1].0, 5);
        assert!(p.errors[1].1.contains("Link"), "{}", p.errors[1].1);
    }

    #[test]
    fn a_sheet_without_the_link_or_hash_column_is_refused_at_its_header() {
        assert!(parse("URL,Hash\nx,y\n".as_bytes()).unwrap_err().contains("Link"));
        assert!(parse("Link,Archive date\nx,y\n".as_bytes()).unwrap_err().contains("Hash"));
    }
}
