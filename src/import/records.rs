//! CSV records with their text and their line as they are in the file, for the CSV and ACLED
//! importers: the `csv` crate reads the cells, and a tap beside it keeps the bytes it consumed,
//! so that a rejected row can be shown and written back exactly as it was. Lines are counted
//! from where a record's own text begins: the crate starts a record where the one before ended,
//! which after a `\r\n` line end is still the line before.

use std::io::{BufRead, Read};
use std::ops::ControlFlow;

use super::csv::fold_header;
use super::{Frame, ParseError, Position, Row};

/// Passes the bytes of a file to the CSV reader and keeps them, so that each record's text can
/// be told exactly as it is in the file. Bytes before the current record are dropped now and
/// then, so memory stays bounded by the reader's buffer and the longest record.
pub struct Tap<'a> {
    inner: &'a mut dyn BufRead,
    kept: Vec<u8>,
    /// The offset in the file of `kept[0]`.
    base: u64,
}

/// How many bytes the tap keeps before it drops those already read past.
const TAP_KEEP: usize = 1 << 20;

impl Read for Tap<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl Tap<'_> {
    /// The bytes of the file from `start` to `end` (offsets from its first byte).
    fn span(&self, start: u64, end: u64) -> &[u8] {
        let from = usize::try_from(start.saturating_sub(self.base)).unwrap_or(usize::MAX).min(self.kept.len());
        let to = usize::try_from(end.saturating_sub(self.base)).unwrap_or(usize::MAX).min(self.kept.len());
        &self.kept[from..to.max(from)]
    }

    /// Lets go of the bytes before `offset` once enough have gathered.
    fn forget_before(&mut self, offset: u64) {
        let n = usize::try_from(offset.saturating_sub(self.base)).unwrap_or(usize::MAX).min(self.kept.len());
        if n >= TAP_KEEP {
            self.kept.drain(..n);
            self.base += n as u64;
        }
    }
}

/// Where a record's own text begins and ends in the bytes the reader consumed for it, and its
/// line. The reader counts a record from the end of the one before, so those bytes may begin
/// with the `\n` of a `\r\n` that ended it (the reader stops at the `\r`) and with empty
/// lines it skipped: the record's line is the one after them. The line end is left out.
fn trim_record(bytes: &[u8], line: u64) -> (&[u8], u64) {
    let lead = bytes.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
    let line = line + bytes[..lead].iter().filter(|b| **b == b'\n').count() as u64;
    let rest = &bytes[lead..];
    let tail = rest.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n')).count();
    (&rest[..rest.len() - tail], line)
}

/// A CSV file with a header row, read record by record with each record's text and line.
pub struct Records<'a> {
    reader: ::csv::Reader<Tap<'a>>,
    frame: Frame,
}

impl<'a> Records<'a> {
    /// Reads the header row of `input` with this delimiter; rows may then have any number of
    /// cells. Returns the header names, folded ([`fold_header`]).
    pub fn open(input: &'a mut dyn BufRead, delimiter: u8) -> Result<(Self, Vec<String>), ParseError> {
        let tap = Tap { inner: input, kept: Vec::with_capacity(64 * 1024), base: 0 };
        let mut reader =
            ::csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(tap);
        let h = reader
            .byte_headers()
            .map_err(|e| ParseError::malformed(1, format!("the header row cannot be read: {e}")))?
            .clone();
        let mut names = Vec::with_capacity(h.len());
        for cell in h.iter() {
            let s =
                std::str::from_utf8(cell).map_err(|_| ParseError::malformed(1, "the header row is not UTF-8 text"))?;
            names.push(fold_header(s));
        }
        if names.iter().all(String::is_empty) {
            return Err(ParseError::malformed(1, "the file has no header row"));
        }
        let end = reader.position().byte();
        let consumed = reader.get_ref().span(0, end);
        let line_end = if consumed.ends_with(b"\r") || consumed.ends_with(b"\r\n") { "\r\n" } else { "\n" };
        let head = trim_record(consumed, 1).0.to_vec();
        Ok((Self { reader, frame: Frame { head, delimiter, line_end } }, names))
    }

    /// The header row as it is in the file.
    pub fn head(&self) -> &[u8] {
        &self.frame.head
    }

    /// Reads records one by one, handing each (with its text and position) to `row`; records
    /// whose cells are all blank are skipped.
    pub fn each(
        &mut self,
        mut row: impl FnMut(Row<'_>, Result<Vec<&str>, String>) -> ControlFlow<()>,
    ) -> Result<(), ParseError> {
        let Self { reader, frame } = self;
        let mut rec = ::csv::ByteRecord::new();
        let mut n = 0u64;
        loop {
            match reader.read_byte_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    n += 1;
                    if rec.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
                        continue;
                    }
                    let (start, line) = rec.position().map(|p| (p.byte(), p.line())).unwrap_or((0, 0));
                    let end = reader.position().byte();
                    let (raw, line) = trim_record(reader.get_ref().span(start, end), line);
                    let at = Position { line, record: n };
                    if row(Row { at, raw, frame }, cells(&rec)).is_break() {
                        return Ok(());
                    }
                    reader.get_mut().forget_before(end);
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    return match e.into_kind() {
                        ::csv::ErrorKind::Io(io) => Err(ParseError::Io(io)),
                        other => Err(ParseError::malformed(line, format!("the CSV cannot be read: {other:?}"))),
                    };
                }
            }
        }
    }
}

/// The cells of a record as text, or why they cannot be read.
pub fn cells(rec: &::csv::ByteRecord) -> Result<Vec<&str>, String> {
    // The record's text is checked once as a whole (checking cell by cell cost more than reading
    // the CSV); cell boundaries fall on delimiters, so each cell is a slice of it.
    if let Ok(all) = std::str::from_utf8(rec.as_slice()) {
        return Ok((0..rec.len()).map(|i| &all[rec.range(i).expect("a cell of the record")]).collect());
    }
    rec.iter()
        .enumerate()
        .map(|(i, c)| {
            std::str::from_utf8(c).map_err(|_| format!("cell {} is not UTF-8 text; save the file as UTF-8", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record's line and text, and the file's header row and frame.
    fn read(text: &str) -> (Vec<(u64, String)>, Frame) {
        let mut input = text.as_bytes();
        let (mut records, _) = Records::open(&mut input, sniff(text)).unwrap();
        let mut out = Vec::new();
        records
            .each(|row, _| {
                out.push((row.at.line, String::from_utf8(row.raw.to_vec()).unwrap()));
                ControlFlow::Continue(())
            })
            .unwrap();
        (out, records.frame)
    }

    fn sniff(text: &str) -> u8 {
        if text.lines().next().unwrap().contains(';') { b';' } else { b',' }
    }

    fn lines(text: &str) -> Vec<u64> {
        read(text).0.iter().map(|(l, _)| *l).collect()
    }

    #[test]
    fn a_record_is_on_the_line_it_starts_on_whatever_the_line_ends() {
        let unix = "title,start\nA,2025-02-10\nB,\"two\nlines\"\nC,2025-02-12\n";
        assert_eq!(lines(unix), [2, 3, 5]);
        assert_eq!(lines(&unix.replace('\n', "\r\n")), [2, 3, 5], "Windows line ends");
        assert_eq!(lines(unix.replace('\n', "\r\n").trim_end()), [2, 3, 5], "no last line end");
    }

    #[test]
    fn empty_and_blank_lines_count_as_lines_but_not_as_records() {
        let text = "title,start\n\nA,2025-02-10\n\n\nB,2025-02-11\n , \nC,2025-02-12\n";
        assert_eq!(lines(text), [3, 6, 8]);
        assert_eq!(lines(&text.replace('\n', "\r\n")), [3, 6, 8]);
    }

    #[test]
    fn each_record_comes_with_its_text_as_it_was_and_the_files_header() {
        let text = "\u{feff}title;start;notes\r\nA;2025-02-10;\"a \"\"quoted\"\" note;\r\nover two lines\"\r\nB;2025-02-11;  spaced  \r\n";
        let (r, frame) = read(text);
        assert_eq!(r[0].1, "A;2025-02-10;\"a \"\"quoted\"\" note;\r\nover two lines\"");
        assert_eq!(r[1].1, "B;2025-02-11;  spaced  ");
        assert_eq!(frame.head, "\u{feff}title;start;notes".as_bytes());
        assert_eq!((frame.delimiter, frame.line_end), (b';', "\r\n"));
        assert_eq!(read("title,start\nA,2025-02-10\n").1.line_end, "\n");
    }

    #[test]
    fn the_text_of_records_far_into_a_long_file_is_still_theirs() {
        // Far more than the tap keeps before it lets go of what was read.
        let mut text = String::from("title,start,notes\n");
        for i in 0..30_000 {
            text.push_str(&format!("Row {i},2025-02-10,{}\n", "x".repeat(i % 97)));
        }
        let (r, _) = read(&text);
        assert_eq!(r.len(), 30_000);
        for (i, (line, raw)) in r.iter().enumerate() {
            assert_eq!(*line, i as u64 + 2);
            assert_eq!(*raw, format!("Row {i},2025-02-10,{}", "x".repeat(i % 97)));
        }
    }
}
