//! The rejects file (`eventmap import --rejects FILE`): every rejected row exactly as it is in
//! the input, with its line and the reason, in a file of the input's own format, so that the
//! rows can be fixed where they are and the file imported alone.
//!
//! - CSV and ACLED: the header once, then the rows, each behind two more cells, `_line` and
//!   `_reason` (in the input's delimiter and line ends).
//! - GDELT: a first line `_line<TAB>_reason`, then the rows behind those two cells.
//! - GeoJSON: a FeatureCollection of the rejected Features, each with the members `_line` and
//!   `_reason` put first.
//! - TimeMap: `{"events": [...]}` with the rejected events (members `_line` and `_reason` put
//!   first) and the input's `sources` and `associations`, which they refer to.
//!
//! Every importer ignores `_line` and `_reason`, and leaves them out of the digest that keys a
//! row without an id, so a fixed row gets the id it would have had in the first file. A rejects
//! file of a rejects file does not add a second pair: the old ones are replaced.

use std::io::Write;

use super::{Format, REJECT_COLUMNS, Row, RowError};

/// Writes rejected rows as they come.
pub struct RejectsWriter {
    out: Box<dyn Write + Send>,
    format: Format,
    /// Rows written so far; `None` before the opening (a CSV header) is written.
    rows: Option<u64>,
}

impl RejectsWriter {
    pub fn new(out: Box<dyn Write + Send>, format: Format) -> Self {
        Self { out, format, rows: None }
    }

    /// Writes what comes before the rows (the header of a CSV file), once; the pipeline calls
    /// it with the file's first row, so that a file without rejections still gets its header.
    pub fn begin(&mut self, row: &Row<'_>) -> std::io::Result<()> {
        if self.rows.is_some() {
            return Ok(());
        }
        let f = row.frame;
        match self.format {
            Format::Csv | Format::Acled => {
                let (bom, head) = split_bom(&f.head);
                let head = if starts_with_reject_cells(head, f.delimiter) {
                    skip_cells(head, f.delimiter, 2).unwrap_or(b"")
                } else {
                    head
                };
                self.out.write_all(bom)?;
                self.out.write_all(&names(f.delimiter, true))?;
                self.out.write_all(head)?;
                self.out.write_all(f.line_end.as_bytes())?;
            }
            Format::Gdelt => {
                self.out.write_all(&names(b'\t', false))?;
                self.out.write_all(f.line_end.as_bytes())?;
            }
            Format::Geojson => self.out.write_all(b"{\"type\": \"FeatureCollection\", \"features\": [")?,
            Format::Timemap => self.out.write_all(b"{\"events\": [")?,
        }
        self.rows = Some(0);
        Ok(())
    }

    /// Writes a rejected row.
    pub fn reject(&mut self, row: &Row<'_>, e: &RowError) -> std::io::Result<()> {
        self.begin(row)?;
        let f = row.frame;
        let rows = self.rows.unwrap_or(0);
        match self.format {
            Format::Csv | Format::Acled | Format::Gdelt => {
                let d = f.delimiter;
                // A row of a rejects file loses its old line and reason.
                let (_, head) = split_bom(&f.head);
                let own =
                    if starts_with_reject_cells(head, d) { skip_cells(row.raw, d, 2).unwrap_or(b"") } else { row.raw };
                let reason = if self.format == Format::Gdelt {
                    // GDELT has no quoting: the reason keeps to its cell.
                    e.reason.chars().map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c }).collect()
                } else {
                    format!("\"{}\"", e.reason.replace('"', "\"\""))
                };
                write!(self.out, "{}{}{reason}{}", e.line, char::from(d), char::from(d))?;
                self.out.write_all(own)?;
                self.out.write_all(f.line_end.as_bytes())?;
            }
            Format::Geojson | Format::Timemap => {
                self.out.write_all(if rows > 0 { b",\n" } else { b"\n" })?;
                let reason = serde_json::to_string(&e.reason).expect("a string serialises");
                let members = format!("\"_line\": {}, \"_reason\": {reason}", e.line);
                match object_rest(row.raw) {
                    Some(rest) if rest.starts_with(b"}") => write!(self.out, "{{{members}}}")?,
                    Some(rest) => {
                        write!(self.out, "{{{members}, ")?;
                        self.out.write_all(rest)?;
                    }
                    // Not an object: kept whole under a member of its own.
                    None => {
                        write!(self.out, "{{{members}, \"_value\": ")?;
                        self.out.write_all(row.raw)?;
                        self.out.write_all(b"}")?;
                    }
                }
            }
        }
        self.rows = Some(rows + 1);
        Ok(())
    }

    /// Closes what needs closing and flushes. `tail` is what a TimeMap file keeps beside its
    /// events (its [`Frame::head`](super::Frame::head)).
    pub fn finish(&mut self, tail: &[u8]) -> std::io::Result<()> {
        let opening: &[u8] = match self.format {
            Format::Geojson => b"{\"type\": \"FeatureCollection\", \"features\": [",
            Format::Timemap => b"{\"events\": [",
            Format::Csv | Format::Acled | Format::Gdelt => b"",
        };
        if self.rows.is_none() {
            self.out.write_all(opening)?;
        }
        match self.format {
            Format::Geojson => self.out.write_all(b"\n]}\n")?,
            Format::Timemap => {
                self.out.write_all(b"\n]")?;
                if !tail.is_empty() {
                    self.out.write_all(b", ")?;
                    self.out.write_all(tail)?;
                }
                self.out.write_all(b"}\n")?;
            }
            Format::Csv | Format::Acled | Format::Gdelt => {}
        }
        self.out.flush()
    }
}

fn split_bom(head: &[u8]) -> (&[u8], &[u8]) {
    match head.strip_prefix(b"\xef\xbb\xbf".as_slice()) {
        Some(rest) => (&head[..3], rest),
        None => (b"", head),
    }
}

/// `_line,_reason,` in this delimiter (without the last delimiter when not `trailing`).
fn names(delimiter: u8, trailing: bool) -> Vec<u8> {
    let mut v = REJECT_COLUMNS.join(&char::from(delimiter).to_string()).into_bytes();
    if trailing {
        v.push(delimiter);
    }
    v
}

/// Whether a header row begins with the two columns of a rejects file.
fn starts_with_reject_cells(head: &[u8], delimiter: u8) -> bool {
    head.starts_with(&names(delimiter, true)) || head == names(delimiter, false)
}

/// What follows the first `n` cells of a CSV record (quoted cells read as CSV quotes them):
/// empty when the record has no more, `None` when a quote is left open.
fn skip_cells(raw: &[u8], delimiter: u8, n: usize) -> Option<&[u8]> {
    let mut rest = raw;
    for _ in 0..n {
        let mut i = 0;
        if rest.first() == Some(&b'"') {
            i = 1;
            loop {
                match rest.get(i) {
                    Some(b'"') if rest.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => break i += 1,
                    Some(_) => i += 1,
                    None => return None,
                }
            }
        }
        match rest[i..].iter().position(|b| *b == delimiter) {
            Some(at) => rest = &rest[i + at + 1..],
            None => return Some(b""),
        }
    }
    Some(rest)
}

/// The text of a JSON object after its `{` (and after the `_line` and `_reason` members a
/// rejects file put first, when it has them); `None` when `raw` is not an object.
fn object_rest(raw: &[u8]) -> Option<&[u8]> {
    let body = raw.strip_prefix(b"{")?.trim_ascii_start();
    Some(skip_reject_members(body).unwrap_or(body))
}

/// `body` after `"_line": N, "_reason": "...",`, or `None` when it does not begin so.
fn skip_reject_members(body: &[u8]) -> Option<&[u8]> {
    let mut rest = body;
    for (i, name) in REJECT_COLUMNS.iter().enumerate() {
        rest = rest.trim_ascii_start().strip_prefix(format!("\"{name}\"").as_bytes())?;
        rest = rest.trim_ascii_start().strip_prefix(b":")?.trim_ascii_start();
        let end = if rest.first() == Some(&b'"') {
            let mut j = 1;
            loop {
                match rest.get(j)? {
                    b'\\' => j += 2,
                    b'"' => break j + 1,
                    _ => j += 1,
                }
            }
        } else {
            rest.iter().position(|b| matches!(b, b',' | b'}') || b.is_ascii_whitespace()).unwrap_or(rest.len())
        };
        rest = rest[end..].trim_ascii_start();
        match rest.first() {
            Some(b',') => rest = rest[1..].trim_ascii_start(),
            Some(b'}') if i == 1 => {}
            _ => return None,
        }
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::import::{Frame, Position};

    /// A writer whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the writer makes of these rows (line, text, reason), all rejected.
    fn written(format: Format, frame: &Frame, rows: &[(u64, &str, &str)]) -> String {
        let out = Shared::default();
        let mut w = RejectsWriter::new(Box::new(out.clone()), format);
        for (i, (line, raw, reason)) in rows.iter().enumerate() {
            let row = Row { at: Position { line: *line, record: i as u64 + 1 }, raw: raw.as_bytes(), frame };
            w.reject(&row, &RowError::new(row.at, *reason)).unwrap();
        }
        w.finish(&frame.head).unwrap();
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    fn csv_frame(head: &str, delimiter: u8, line_end: &'static str) -> Frame {
        Frame { head: head.as_bytes().to_vec(), delimiter, line_end }
    }

    #[test]
    fn a_csv_rejects_file_is_the_header_once_then_each_row_as_it_was_behind_its_line_and_reason() {
        let frame = csv_frame("\u{feff}title;start;notes", b';', "\r\n");
        let rows = [
            (3, "A;someday;\"a note;\r\nover two lines\"", "start: `someday` is not a date"),
            (6, "B;2025-02-10;x", "places[0]: `Tripoli` could be \"several\" places"),
        ];
        assert_eq!(
            written(Format::Csv, &frame, &rows),
            "\u{feff}_line;_reason;title;start;notes\r\n\
             3;\"start: `someday` is not a date\";A;someday;\"a note;\r\nover two lines\"\r\n\
             6;\"places[0]: `Tripoli` could be \"\"several\"\" places\";B;2025-02-10;x\r\n"
        );
    }

    #[test]
    fn a_rejects_file_of_a_rejects_file_replaces_the_old_line_and_reason() {
        let frame = csv_frame("_line,_reason,event_id_cnty,event_date", b',', "\n");
        let rows = [(2, "3,\"event_date: a, b and \"\"c\"\"\",XSY1,31 February 2023", "event_date: still wrong")];
        assert_eq!(
            written(Format::Acled, &frame, &rows),
            "_line,_reason,event_id_cnty,event_date\n2,\"event_date: still wrong\",XSY1,31 February 2023\n"
        );
    }

    #[test]
    fn a_gdelt_rejects_file_names_its_two_columns_and_keeps_reasons_to_their_cell() {
        let frame = Frame { delimiter: b'\t', ..Frame::default() };
        let out = written(Format::Gdelt, &frame, &[(4, "1\t20250210\tx", "has\ta tab\nand a break")]);
        assert_eq!(out, "_line\t_reason\n4\thas a tab and a break\t1\t20250210\tx\n");
        let again = Frame { head: b"_line\t_reason".to_vec(), ..frame };
        let out = written(Format::Gdelt, &again, &[(2, "4\told reason\t1\t20250210\tx", "new reason")]);
        assert_eq!(out, "_line\t_reason\n2\tnew reason\t1\t20250210\tx\n");
    }

    #[test]
    fn a_geojson_rejects_file_is_a_collection_of_the_features_with_their_line_and_reason_first() {
        let frame = Frame::default();
        let a = "{\"type\": \"Feature\",\n \"properties\": {\"start\": \"someday\"}, \"geometry\": null}";
        let b = "{ \"_line\": 9, \"_reason\": \"old \\\"one\\\"\", \"type\": \"Feature\", \"properties\": null, \"geometry\": null}";
        let out = written(
            Format::Geojson,
            &frame,
            &[(3, a, "start: bad"), (7, b, "new"), (8, "{}", "empty"), (9, "5", "a number")],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let f = v["features"].as_array().unwrap();
        assert_eq!(f.len(), 4);
        assert!(
            out.contains("{\"_line\": 3, \"_reason\": \"start: bad\", \"type\": \"Feature\",\n \"properties\""),
            "{out}"
        );
        assert_eq!((f[1]["_line"].as_u64(), f[1]["_reason"].as_str()), (Some(7), Some("new")));
        assert_eq!(out.matches("_reason").count(), 4, "the old members are gone: {out}");
        assert_eq!(f[2], serde_json::json!({"_line": 8, "_reason": "empty"}));
        assert_eq!(f[3]["_value"], 5);
    }

    #[test]
    fn a_timemap_rejects_file_keeps_the_sources_and_associations_its_events_refer_to() {
        let frame = Frame { head: b"\"sources\": {\"S1\": {\"id\": \"S1\"}}".to_vec(), ..Frame::default() };
        let out =
            written(Format::Timemap, &frame, &[(2, "{\"id\": \"E1\", \"sources\": [\"S1\"]}", "date: is missing")]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["events"][0]["_line"], 2);
        assert_eq!(v["events"][0]["sources"][0], "S1");
        assert_eq!(v["sources"]["S1"]["id"], "S1");
        let none = written(Format::Timemap, &frame, &[]);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&none).unwrap()["events"], serde_json::json!([]));
    }
}
