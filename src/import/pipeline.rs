//! Running an import: guess the format, parse, complete places, validate, check keys, and write
//! batches of valid rows through [`EventStore::import_stream`](crate::store::EventStore::import_stream), with memory that does not
//! grow with the size of rows or file (only with the number of keys: 20 to 30 bytes a row for the
//! duplicate check).
//!
//! **All or nothing, in one pass.** The file is read once. Each row is parsed, completed and
//! validated, and batches of [`ImportOptions::batch_size`] valid rows go to the store while the
//! next batch is parsed; the store writes every batch into one transaction. When a row is bad, no
//! more batches are sent but the rest of the file is still checked, so that every bad row is
//! reported with its line (and every key that appears twice); at the end the transaction is
//! rolled back and the database is as it was. Only when every row was good does the pipeline
//! send [`ImportChunk::Commit`]. A crash or a kill before then also leaves nothing behind, since
//! nothing was committed; readers never see part of an import.
//!
//! With `skip_invalid`, good rows are imported and bad ones are counted, listed (the first
//! [`ImportOptions::max_reported`]) and written to the rejects file when there is one; the good
//! rows are still committed together at the end.

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::rejects::RejectsWriter;
use super::{Format, Mapping, ParseError, ParseOptions, Parsed, Row, RowError, detect, row_id};
use crate::domain::{EventInput, PlaceInput, Vocabulary};
use crate::store::{Actor, DynStore, ImportChunk, ImportItem, StoreError};

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The format; guessed from the content when `None`.
    pub format: Option<Format>,
    /// Import the good rows and set the bad ones aside, instead of refusing the file.
    pub skip_invalid: bool,
    pub mapping: Mapping,
    /// Rows per store transaction.
    pub batch_size: usize,
    /// How many rejected rows the report lists (all are counted, and all go to a rejects file).
    pub max_reported: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { format: None, skip_invalid: false, mapping: Mapping::default(), batch_size: 10_000, max_reported: 1000 }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub format: Format,
    /// Rows read (records; blank lines not counted).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows left out on purpose (deleted events in our own export).
    pub skipped: u64,
    /// Rows that could not be imported.
    pub rejected: u64,
    /// The first rejected rows, with line and reason.
    pub rejections: Vec<RowError>,
    /// False when the file was refused (all or nothing, and some row was bad).
    pub imported: bool,
}

/// What stops an import as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("could not tell the format of the file; name it (geojson, csv, acled, gdelt or timemap)")]
    UnknownFormat,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("could not write the rejected rows: {0}")]
    Rejects(std::io::Error),
    #[error("the import stopped unexpectedly: {0}")]
    Task(String),
}

/// Completes places through the gazetteer (the pipeline does not know where it comes from).
pub trait PlaceCompleter: Send + Sync {
    /// Fills in coordinates of places given by name or gazetteer id, and the name, country and
    /// admin1 of places given by coordinates; says why when a place cannot be resolved.
    /// `country_hint` is the row's country (ISO alpha-2), for a name without a country of its
    /// own: a name is looked for there first, and a place found elsewhere is refused.
    fn complete(&self, place: &mut PlaceInput, country_hint: Option<&str>) -> Result<(), String>;
}

/// Shows how far an import has come (a progress bar, a log line, or nothing).
pub trait Progress: Send + Sync {
    /// A pass begins (`importing`), over a file of `total_bytes`.
    fn phase(&self, _name: &str, _total_bytes: u64) {}
    /// Rows and bytes read so far in this pass.
    fn advance(&self, _rows: u64, _bytes: u64) {}
    /// The pass ended.
    fn finish(&self) {}
    /// Every row was read and sent; the store is writing the last of them and committing
    /// (`rows` in all). Nothing else is reported until the import returns.
    fn saving(&self, _rows: u64) {}
}

/// No progress shown.
pub struct Quiet;
impl Progress for Quiet {}

/// What turns a parsed row into something the store takes.
#[derive(Clone)]
pub struct Checker {
    pub vocab: Arc<Vocabulary>,
    pub places: Arc<dyn PlaceCompleter>,
}

impl Checker {
    /// Completes, maps and validates one row.
    pub fn check(&self, format: Format, mut input: EventInput) -> Result<ImportItem, String> {
        let id = row_id(&input).ok_or("the row has no id")?;
        if format.maps_categories() {
            if let Some(c) = &input.category {
                if self.vocab.resolve(c).is_none() {
                    input.category = Some(self.vocab.fallback().to_string());
                }
            }
        }
        if let Some(places) = input.places.as_mut() {
            let hint = row_country(places);
            for (i, p) in places.iter_mut().enumerate() {
                // Every place is linked to the gazetteer entry it names and given the division
                // it lies in, unless the row already says which (our own GeoJSON export).
                let needs = p.needs_coordinates()
                    || p.name.is_none()
                    || p.admin1_id.is_none()
                    || (format.fills_countries() && p.country.is_none());
                if needs {
                    self.places.complete(p, hint.as_deref()).map_err(|e| format!("places[{i}]: {e}"))?;
                }
            }
        }
        let data = input.into_data(&self.vocab).map_err(|e| e.summary())?;
        Ok(ImportItem { id, data })
    }
}

/// The country of a row: the one country its places name (an ACLED row's `iso`, a GDELT row's
/// country code, a CSV row's `country`), if they name only one.
fn row_country(places: &[PlaceInput]) -> Option<String> {
    let mut named = places.iter().filter_map(|p| p.country.as_deref());
    let first = named.next()?;
    named.all(|c| c.eq_ignore_ascii_case(first)).then(|| first.to_ascii_uppercase())
}

/// About how many rows a file of `total` bytes holds, when its first `rows` rows took
/// `consumed` bytes (their text and line ends; a header or a TimeMap file's sources make it
/// more, rows longer than the first fewer).
fn expect(rows: u64, consumed: u64, total: u64) -> ImportChunk {
    let rows = u128::from(rows) * u128::from(total.max(consumed)) / u128::from(consumed.max(1));
    ImportChunk::Expect(u64::try_from(rows).unwrap_or(u64::MAX))
}

/// Counts the bytes read through it, for progress.
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Everything a pass needs.
struct Job {
    path: PathBuf,
    format: Format,
    parse: ParseOptions,
    checker: Checker,
    progress: Arc<dyn Progress>,
    max_reported: usize,
    batch_size: usize,
}

/// What a pass found.
#[derive(Default)]
struct PassOutcome {
    rows: u64,
    skipped: u64,
    rejected: u64,
    rejections: Vec<RowError>,
}

/// How a pass treats rows.
struct PassMode<'a> {
    /// Where valid batches go.
    send: &'a tokio::sync::mpsc::Sender<ImportChunk>,
    /// A bad row stops the sending of batches, and the import is rolled back at the end.
    all_or_nothing: bool,
    rejects: Option<&'a mut RejectsWriter>,
}

/// Reads the file once, sending valid rows in batches; sends [`ImportChunk::Commit`] at the end
/// unless a bad row made the import fail (all or nothing) or reading stopped.
fn run_pass(job: &Job, name: &str, mut mode: PassMode<'_>) -> Result<PassOutcome, ImportError> {
    let file = std::fs::File::open(&job.path).map_err(ParseError::Io)?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bytes = Arc::new(AtomicU64::new(0));
    let mut reader = BufReader::with_capacity(256 * 1024, Counting { inner: file, bytes: bytes.clone() });
    job.progress.phase(name, total);
    let mut out = PassOutcome::default();
    let mut seen: HashMap<u128, u32> = HashMap::new();
    let mut batch: Vec<ImportItem> = Vec::with_capacity(job.batch_size);
    // Whether batches still go to the store (false after a bad row of an all-or-nothing import,
    // or when the store side stopped).
    let mut sending = true;
    let mut failure: Option<ImportError> = None;
    // What a TimeMap rejects file keeps beside its events.
    let mut tail: Option<Vec<u8>> = None;
    // Whether the store was told about how many rows to expect (before the first batch), and
    // the bytes of the rows read so far, by which it is estimated.
    let (mut announced, mut consumed) = (false, 0u64);
    let mut sink = |row: Row<'_>, parsed: Parsed| -> ControlFlow<()> {
        let at = row.at;
        if tail.is_none() {
            tail = Some(row.frame.head.clone());
            if let Some(w) = mode.rejects.as_deref_mut() {
                if let Err(err) = w.begin(&row) {
                    failure = Some(ImportError::Rejects(err));
                    return ControlFlow::Break(());
                }
            }
        }
        out.rows += 1;
        consumed += row.raw.len() as u64 + 1;
        if out.rows % 1024 == 0 {
            job.progress.advance(out.rows, bytes.load(Ordering::Relaxed));
        }
        let checked = match parsed {
            Ok(None) => {
                out.skipped += 1;
                return ControlFlow::Continue(());
            }
            Ok(Some(input)) => job.checker.check(job.format, input),
            Err(reason) => Err(reason),
        };
        let checked = checked.and_then(|item| {
            let line = u32::try_from(at.line).unwrap_or(u32::MAX);
            if let Some(first) = seen.insert(item.id.as_u128(), line) {
                seen.insert(item.id.as_u128(), first);
                return Err(format!("its key (event id {}) is also the key of the row on line {first}", item.id));
            }
            Ok(item)
        });
        match checked {
            Ok(item) => {
                if sending {
                    batch.push(item);
                    if batch.len() >= job.batch_size {
                        let first = !std::mem::replace(&mut announced, true);
                        let stopped = (first && mode.send.blocking_send(expect(out.rows, consumed, total)).is_err())
                            || mode.send.blocking_send(ImportChunk::Rows(std::mem::take(&mut batch))).is_err();
                        if stopped {
                            // The store side stopped (and will say why).
                            return ControlFlow::Break(());
                        }
                    }
                }
            }
            Err(reason) => {
                let e = RowError::new(at, reason);
                out.rejected += 1;
                if let Some(w) = mode.rejects.as_deref_mut() {
                    if let Err(err) = w.reject(&row, &e) {
                        failure = Some(ImportError::Rejects(err));
                        return ControlFlow::Break(());
                    }
                }
                if mode.all_or_nothing {
                    sending = false;
                    batch = Vec::new();
                }
                if out.rejections.len() < job.max_reported {
                    out.rejections.push(e.with_row(row.raw));
                }
            }
        }
        ControlFlow::Continue(())
    };
    let parsed = super::parse(job.format, &mut reader, &job.parse, &mut sink);
    job.progress.advance(out.rows, bytes.load(Ordering::Relaxed));
    job.progress.finish();
    if let Some(f) = failure {
        return Err(f);
    }
    parsed?;
    if let Some(w) = mode.rejects {
        w.finish(tail.as_deref().unwrap_or_default()).map_err(ImportError::Rejects)?;
    }
    if sending {
        // A closed channel means the store side stopped; it says why.
        if !batch.is_empty() {
            if !announced {
                let _ = mode.send.blocking_send(expect(out.rows, consumed, total));
            }
            let _ = mode.send.blocking_send(ImportChunk::Rows(batch));
        }
        let _ = mode.send.blocking_send(ImportChunk::Commit);
        job.progress.saving(out.rows);
    }
    Ok(out)
}

/// Reads the first bytes of the file to guess its format.
pub fn guess_format(path: &Path) -> Result<Format, ImportError> {
    let mut head = Vec::with_capacity(detect::HEAD);
    std::fs::File::open(path)
        .map_err(ParseError::Io)?
        .take(detect::HEAD as u64)
        .read_to_end(&mut head)
        .map_err(ParseError::Io)?;
    detect::guess(&head).ok_or(ImportError::UnknownFormat)
}

/// Imports the file at `path` (read once, and its head once more to guess the format when none is given).
/// Rejected rows are written to `rejects` as they were, with their line and reason, when it is
/// given (see [`rejects`](super::rejects)).
pub async fn run(
    store: DynStore,
    path: &Path,
    opts: ImportOptions,
    checker: Checker,
    progress: Arc<dyn Progress>,
    rejects: Option<Box<dyn Write + Send>>,
    actor: &Actor,
) -> Result<ImportReport, ImportError> {
    let format = match opts.format {
        Some(f) => f,
        None => {
            let p = path.to_path_buf();
            tokio::task::spawn_blocking(move || guess_format(&p))
                .await
                .map_err(|e| ImportError::Task(e.to_string()))??
        }
    };
    let job = Arc::new(Job {
        path: path.to_path_buf(),
        format,
        parse: ParseOptions { mapping: opts.mapping.clone() },
        checker,
        progress,
        max_reported: opts.max_reported,
        batch_size: opts.batch_size.max(1),
    });
    let mut report = ImportReport {
        format,
        rows: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        rejected: 0,
        rejections: Vec::new(),
        imported: false,
    };
    let mut rejects = rejects.map(|w| RejectsWriter::new(w, format));

    // Two rows' worth of batches in flight: the next is parsed while the store writes one.
    let (tx, rx) = tokio::sync::mpsc::channel::<ImportChunk>(1);
    let all_or_nothing = !opts.skip_invalid;
    let j = job.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let mode = PassMode { send: &tx, all_or_nothing, rejects: rejects.as_mut() };
        run_pass(&j, "importing", mode)
    });
    let stored = store.import_stream(rx, actor).await;
    let produced = producer.await.map_err(|e| ImportError::Task(e.to_string()))?;
    let counts = stored?;
    let out = produced?;
    report.rows = out.rows;
    report.skipped = out.skipped;
    report.rejected = out.rejected;
    report.rejections = out.rejections;
    match counts {
        Some(c) => {
            report.created = c.created;
            report.updated = c.updated;
            report.unchanged = c.unchanged;
            report.imported = true;
        }
        // Rolled back: a bad row of an all-or-nothing import (`report.imported` stays false).
        None if all_or_nothing && report.rejected > 0 => {}
        None => return Err(ImportError::Task("the import stopped before its end; nothing was imported".into())),
    }
    Ok(report)
}

/// A temporary file that is removed when dropped: where a request body or standard input is
/// kept, so that its head can be read to guess the format before the import reads it whole.
pub struct Spool {
    path: PathBuf,
}

impl Spool {
    /// Creates an empty file only this user can read, in the temporary directory.
    pub fn create() -> std::io::Result<(Self, std::fs::File)> {
        let path = std::env::temp_dir().join(format!("eventmap-import-{}.tmp", uuid::Uuid::now_v7().simple()));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let file = o.open(&path)?;
        Ok((Self { path }, file))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoGazetteer;
    impl PlaceCompleter for NoGazetteer {
        fn complete(&self, p: &mut PlaceInput, _: Option<&str>) -> Result<(), String> {
            if p.needs_coordinates() {
                return Err(format!("the gazetteer knows no place called `{}`", p.name.clone().unwrap_or_default()));
            }
            Ok(())
        }
    }

    fn checker() -> Checker {
        Checker { vocab: Arc::new(Vocabulary::default()), places: Arc::new(NoGazetteer) }
    }

    /// Records what an import reported.
    #[derive(Default)]
    struct Recorded(std::sync::Mutex<Vec<String>>);
    impl Progress for Recorded {
        fn phase(&self, name: &str, _: u64) {
            self.0.lock().unwrap().push(format!("phase {name}"));
        }
        fn finish(&self) {
            self.0.lock().unwrap().push("finish".into());
        }
        fn saving(&self, rows: u64) {
            self.0.lock().unwrap().push(format!("saving {rows}"));
        }
    }

    async fn import_reporting(csv: &str) -> (bool, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let (file, db) = (dir.path().join("in.csv"), dir.path().join("x.db"));
        std::fs::write(&file, csv).unwrap();
        let store = crate::store::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let progress = Arc::new(Recorded::default());
        let r =
            run(store, &file, ImportOptions::default(), checker(), progress.clone(), None, &Actor::new("test")).await;
        let seen = progress.0.lock().unwrap().clone();
        let imported = match r {
            Ok(r) => r.imported,
            Err(e) => {
                eprintln!("the import failed: {e}");
                false
            }
        };
        (imported, seen)
    }

    #[tokio::test]
    async fn the_wait_for_the_commit_is_reported_once_every_row_is_read_and_only_if_there_is_one() {
        let good = "title,date,category,place,latitude,longitude\nA,2025-02-10,protest,Latakia,35.5,35.8\nB,2025-02-11,protest,Jableh,35.4,35.9\n";
        let (imported, seen) = import_reporting(good).await;
        assert!(imported);
        assert_eq!(seen, ["phase importing", "finish", "saving 2"]);
        // A bad row: all or nothing, so nothing is committed and nothing is said about saving.
        let bad = "title,date,category,place,latitude,longitude\nA,2025-02-10,protest,Latakia,35.5,35.8\nB,not a date,protest,Jableh,35.4,35.9\n";
        let (imported, seen) = import_reporting(bad).await;
        assert!(!imported);
        assert_eq!(seen, ["phase importing", "finish"]);
    }

    #[test]
    fn a_codebook_type_outside_the_vocabulary_falls_back_but_a_user_category_is_an_error() {
        let mut input = EventInput {
            title: Some("x".into()),
            start: Some("2025-02-10".into()),
            category: Some("Residential".into()),
            places: Some(vec![PlaceInput {
                name: Some("A".into()),
                lon: Some(1.0),
                lat: Some(2.0),
                ..Default::default()
            }]),
            ..Default::default()
        };
        super::super::set_key(&mut input, "t:1");
        assert_eq!(checker().check(Format::Timemap, input.clone()).unwrap().data.category, "other");
        assert!(checker().check(Format::Csv, input).unwrap_err().contains("category"));
    }

    #[test]
    fn an_unresolvable_place_names_its_index() {
        let mut input = EventInput {
            title: Some("x".into()),
            start: Some("2025-02-10".into()),
            places: Some(vec![PlaceInput { name: Some("Nowhere".into()), ..Default::default() }]),
            ..Default::default()
        };
        super::super::set_key(&mut input, "t:2");
        assert!(
            checker().check(Format::Csv, input).unwrap_err().starts_with("places[0]: the gazetteer knows no place")
        );
    }

    /// Records the hint each place was completed with.
    #[derive(Default)]
    struct Hints(std::sync::Mutex<Vec<Option<String>>>);
    impl PlaceCompleter for Hints {
        fn complete(&self, p: &mut PlaceInput, hint: Option<&str>) -> Result<(), String> {
            self.0.lock().unwrap().push(hint.map(str::to_string));
            p.lon = p.lon.or(Some(45.0));
            p.lat = p.lat.or(Some(12.8));
            Ok(())
        }
    }

    #[test]
    fn the_rows_country_is_the_hint_for_each_place_completed() {
        let hints = Arc::new(Hints::default());
        let checker = Checker { vocab: Arc::new(Vocabulary::default()), places: hints.clone() };
        let place = |name: &str, country: Option<&str>| PlaceInput {
            name: Some(name.into()),
            country: country.map(str::to_string),
            ..Default::default()
        };
        let mut input = EventInput {
            title: Some("x".into()),
            start: Some("2025-02-10".into()),
            places: Some(vec![place("Aden", Some("ye")), place("Crater", None)]),
            ..Default::default()
        };
        super::super::set_key(&mut input, "t:3");
        checker.check(Format::Acled, input.clone()).unwrap();
        assert_eq!(*hints.0.lock().unwrap(), [Some("YE".to_string()), Some("YE".to_string())]);
        // Places in two countries: no one country for the row.
        hints.0.lock().unwrap().clear();
        input.places = Some(vec![place("Aden", Some("YE")), place("Khartoum", Some("SD"))]);
        checker.check(Format::Csv, input).unwrap();
        assert_eq!(*hints.0.lock().unwrap(), [None, None]);
    }

    #[test]
    fn a_spool_file_disappears_when_dropped() {
        let (s, mut f) = Spool::create().unwrap();
        f.write_all(b"x").unwrap();
        let p = s.path().to_path_buf();
        assert!(p.exists());
        drop(s);
        assert!(!p.exists());
    }
}
