//! Rows in the text format of PostgreSQL's `COPY ... FROM STDIN`, written into a byte buffer:
//! fields separated by tabs, rows ended by a newline, `\N` for NULL, and a backslash, tab,
//! newline or carriage return inside a value escaped with a backslash. Plain functions, no I/O;
//! `copy_rows` sends the buffers.
//!
//! Numbers are written so that the server reads back the very value written: whole numbers in
//! decimal, and `f64` in Rust's shortest form that round-trips (PostgreSQL's `float8in` reads it
//! exactly), so a coordinate is stored bit for bit as the array road binds it.

use std::io::Write as _;

/// A buffer of rows being written for one `COPY`.
#[derive(Debug)]
pub struct CopyText {
    buf: Vec<u8>,
    /// Whether the next field is the first of its row (no tab before it).
    row_start: bool,
    rows: usize,
}

impl Default for CopyText {
    fn default() -> Self {
        Self::new()
    }
}

impl CopyText {
    pub fn new() -> Self {
        Self { buf: Vec::new(), row_start: true, rows: 0 }
    }

    fn sep(&mut self) {
        if self.row_start {
            self.row_start = false;
        } else {
            self.buf.push(b'\t');
        }
    }

    /// A whole number.
    pub fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{v}");
        self
    }

    /// A finite `f64` (a non-finite one is written as PostgreSQL spells it).
    pub fn real(&mut self, v: f64) -> &mut Self {
        self.sep();
        if v.is_nan() {
            self.buf.extend_from_slice(b"NaN");
        } else if v.is_infinite() {
            self.buf.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
        } else {
            // `{:?}` is the shortest form that reads back exactly (with an exponent when that
            // is shorter), which `float8in` accepts.
            let _ = write!(self.buf, "{v:?}");
        }
        self
    }

    /// A UUID, hyphenated.
    pub fn uuid(&mut self, v: uuid::Uuid) -> &mut Self {
        self.sep();
        let mut b = uuid::Uuid::encode_buffer();
        self.buf.extend_from_slice(v.hyphenated().encode_lower(&mut b).as_bytes());
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        escape_into(s.as_bytes(), &mut self.buf);
        self
    }

    /// Text or NULL.
    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    /// A whole number or NULL.
    pub fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// NULL.
    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(b"\\N");
        self
    }

    /// A field whose bytes the caller writes through `f` (escaped as text). For values built in
    /// pieces (a tsvector literal, a hex geometry) without a string of their own.
    pub fn field(&mut self, f: impl FnOnce(&mut FieldWriter<'_>)) -> &mut Self {
        self.sep();
        f(&mut FieldWriter { buf: &mut self.buf });
        self
    }

    /// Ends the row.
    pub fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.row_start = true;
        self.rows += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Moves the rows of `other` to the end of these.
    pub fn append(&mut self, mut other: CopyText) {
        debug_assert!(self.row_start && other.row_start, "only whole rows are moved");
        self.rows += other.rows;
        self.buf.append(&mut other.buf);
    }

    /// The rows written so far, leaving the buffer empty for more.
    pub fn take(&mut self) -> Vec<u8> {
        self.rows = 0;
        self.row_start = true;
        std::mem::take(&mut self.buf)
    }
}

/// Writes the bytes of one field, escaping them.
pub struct FieldWriter<'a> {
    buf: &'a mut Vec<u8>,
}

impl FieldWriter<'_> {
    pub fn push_str(&mut self, s: &str) {
        escape_into(s.as_bytes(), self.buf);
    }

    /// Bytes that need no escaping (ASCII letters and digits, quotes): written as they are.
    pub fn push_plain(&mut self, s: &[u8]) {
        debug_assert!(!s.iter().any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')));
        self.buf.extend_from_slice(s);
    }
}

/// Appends `s` with COPY's text escapes.
fn escape_into(s: &[u8], out: &mut Vec<u8>) {
    let mut from = 0;
    for (i, &b) in s.iter().enumerate() {
        let esc = match b {
            b'\\' => b'\\',
            b'\t' => b't',
            b'\n' => b'n',
            b'\r' => b'r',
            _ => continue,
        };
        out.extend_from_slice(&s[from..i]);
        out.push(b'\\');
        out.push(esc);
        from = i + 1;
    }
    out.extend_from_slice(&s[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_separated_by_tabs_and_special_bytes_escaped() {
        let mut c = CopyText::new();
        c.int(-42).text("a\tb\\c\nd\re").null().real(35.8866).opt_text(None).end_row();
        c.uuid(uuid::Uuid::nil()).opt_int(Some(7)).end_row();
        assert!(!c.is_empty());
        assert_eq!(
            String::from_utf8(c.take()).unwrap(),
            "-42\ta\\tb\\\\c\\nd\\re\t\\N\t35.8866\t\\N\n00000000-0000-0000-0000-000000000000\t7\n"
        );
        assert!(c.is_empty());
    }

    #[test]
    fn reals_are_written_in_a_form_that_reads_back_exactly() {
        for v in [0.1 + 0.2, -179.99999999999997, 1e-300, 2.5e21, 0.0, -0.0, f64::MIN_POSITIVE] {
            let mut c = CopyText::new();
            c.real(v);
            let s = String::from_utf8(c.take()).unwrap();
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{s}");
        }
    }
}
