//! Imports into SQLite: a batch of items written inside a transaction (new ids created, changed
//! ones revised, identical ones left alone), and a stream of batches written as one transaction.
//!
//! A streamed import holds the writer for its whole length and commits once: nothing of it is
//! visible, or left behind after a failure or a crash, until every row has been written. For its
//! length the writer's page cache is raised from [`WRITER_CACHE_KIB`] to [`IMPORT_CACHE_KIB`],
//! so that the B-trees it grows stay in memory instead of being spilled to the log and read back
//! (measured: 22,500 against 16,800 rows/s for 200,000 rows, see `docs/PERFORMANCE.md`).

pub(super) mod append;
mod bulk;
mod counts;
pub(super) mod journal;
mod render;
mod rtree;
mod terms;
mod text;

use std::collections::{HashMap, HashSet};

use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use uuid::Uuid;

use super::write as w;
use crate::store::prepare::Prepared;
use crate::store::rules::Current;
use crate::store::{Actor, ImportChunk, ImportCounts, ImportItem, StoreError};
use render::{Step, Workers};
use terms::KeptTerms;

use crate::domain::Event;
use crate::domain::revision::Action;

/// The writer's page cache in KiB, outside imports.
pub const WRITER_CACHE_KIB: i64 = 16 * 1024;
/// The writer's page cache in KiB while a streamed import runs.
pub const IMPORT_CACHE_KIB: i64 = 512 * 1024;
/// How much of the database file the writer maps into memory while a streamed import runs
/// (none outside imports, see `open`).
pub const IMPORT_MMAP_BYTES: i64 = 1 << 30;

/// Writes `chunks` in one transaction on connection `c` (see [`EventStore::import_stream`](crate::store::EventStore::import_stream)).
pub fn stream(
    c: &mut Connection,
    chunks: &mut tokio::sync::mpsc::Receiver<ImportChunk>,
    actor: &Actor,
) -> Result<Option<ImportCounts>, StoreError> {
    c.pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    c.pragma_update(None, "mmap_size", IMPORT_MMAP_BYTES)?;
    let out = stream_in_transaction(c, chunks, actor);
    // The large cache and the map are given back whatever happened.
    let restored = c
        .pragma_update(None, "cache_size", -WRITER_CACHE_KIB)
        .and_then(|_| c.pragma_update(None, "mmap_size", 0))
        .and_then(|_| c.execute_batch("PRAGMA shrink_memory"));
    let out = out?;
    restored?;
    Ok(out)
}

fn stream_in_transaction(
    c: &mut Connection,
    chunks: &mut tokio::sync::mpsc::Receiver<ImportChunk>,
    actor: &Actor,
) -> Result<Option<ImportCounts>, StoreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut load = Load::begin(&tx)?;
    let mut counts = ImportCounts::default();
    // Where the writer's time goes, for `EVENTMAP_LOG=eventmap=debug`.
    let (mut waited, mut wrote) = (Duration::ZERO, Duration::ZERO);
    let cpu_before = thread_cpu();
    let committed = std::thread::scope(|scope| -> Result<bool, StoreError> {
        let workers = Workers::start(scope);
        loop {
            let t = Instant::now();
            let Some(chunk) = chunks.blocking_recv() else { return Ok(false) };
            waited += t.elapsed();
            match chunk {
                ImportChunk::Rows(items) => {
                    let t = Instant::now();
                    counts += batch(&tx, items, actor, &mut load, &workers)?;
                    wrote += t.elapsed();
                }
                ImportChunk::Commit => return Ok(true),
                // A first load is chosen by the database alone (it holds no event).
                ImportChunk::Expect(_) => {}
            }
        }
    })?;
    if !committed {
        // Dropping the transaction rolls it back.
        return Ok(None);
    }
    let t = Instant::now();
    let finished = load.finish(&tx, counts.created + counts.updated)?;
    let t_commit = Instant::now();
    tx.commit()?;
    tracing::debug!(
        rows = counts.created + counts.updated + counts.unchanged,
        writer_cpu = ?thread_cpu().zip(cpu_before).map(|(a, b)| a.saturating_sub(b)),
        ?waited,
        ?wrote,
        terms = ?finished.terms,
        indexes = ?finished.indexes,
        tile_counts = ?finished.counts,
        rtree = ?finished.rtree,
        text_merged = ?finished.text,
        finish = ?t_commit.duration_since(t),
        commit = ?t_commit.elapsed(),
        "import written"
    );
    Ok(Some(counts))
}

/// Writes one batch of items inside `tx`, R*Tree entries and indexes included.
pub fn import(tx: &Transaction<'_>, items: Vec<ImportItem>, actor: &Actor) -> Result<ImportCounts, StoreError> {
    let mut load = Load::begin(tx)?;
    let counts = std::thread::scope(|scope| batch(tx, items, actor, &mut load, &Workers::start(scope)))?;
    load.finish(tx, counts.created + counts.updated)?;
    Ok(counts)
}

/// The CPU time this thread has used, where Linux tells it (for the import's debug log).
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(s.split_whitespace().next()?.parse().ok()?))
}

/// How long the end of an import took.
struct Finished {
    terms: Duration,
    indexes: Duration,
    counts: Duration,
    rtree: Duration,
    /// The merge of the text index, when it was due ([`text`]).
    text: Option<Duration>,
}

/// What an import defers to its end: the R*Tree entries of new events, the tile counts and, in a
/// database that held no event, the indexes of `events`.
struct Load {
    rtree: rtree::Deferred,
    counts: counts::Deferred,
    indexes: Option<bulk::Deferred>,
    /// The filter terms of new events, in a database that held no event.
    terms: Option<KeptTerms>,
    /// The sources stored so far, in a database that held none.
    sources: Option<w::SourcesSeen>,
    stored: Stored,
}

/// A filter term of an event: kind, value, event number.
type Term = (&'static str, String, i64);

/// How many terms a load into an empty database keeps before writing them (some 64 MB): all of
/// them for an import of up to two million rows or so.
const TERMS_KEPT: usize = 8 << 20;

impl Load {
    fn begin(tx: &Transaction<'_>) -> Result<Self, StoreError> {
        let rtree = rtree::begin(tx)?;
        let counts = counts::begin(tx, w::next_seq(tx)?)?;
        let any: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0))?;
        let any_source: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM sources)", [], |r| r.get(0))?;
        let sources = (!any_source).then(w::SourcesSeen::default);
        Ok(if any {
            Self { rtree, counts, indexes: None, terms: None, sources, stored: Stored::Some }
        } else {
            Self {
                rtree,
                counts,
                indexes: Some(bulk::begin(tx)?),
                terms: Some(KeptTerms::default()),
                sources,
                stored: Stored::Nothing(HashMap::new()),
            }
        })
    }

    /// Ends the load of `written` events (created or changed).
    fn finish(mut self, tx: &Transaction<'_>, written: u64) -> Result<Finished, StoreError> {
        let t = Instant::now();
        if let Some(kept) = self.terms.as_mut() {
            kept.write(tx)?;
        }
        let terms = t.elapsed();
        let t = Instant::now();
        if let Some(d) = self.indexes {
            bulk::finish(tx, d)?;
        }
        let indexes = t.elapsed();
        let t = Instant::now();
        counts::finish(tx, self.counts)?;
        let counts = t.elapsed();
        let t = Instant::now();
        rtree::finish(tx, self.rtree)?;
        let rtree = t.elapsed();
        let text = text::finish(tx, written)?;
        Ok(Finished { terms, indexes, counts, rtree, text })
    }
}

/// What an import must look up: when the database held no event as it began, only ids written
/// by the import itself can exist, and they are known without asking the database (a lookup per
/// row was about 7 % of a bulk import; and the id index is only built at the end). The map costs
/// some 40 bytes an imported row.
enum Stored {
    /// The database held no event; these ids were written since, with their numbers.
    Nothing(HashMap<Uuid, i64>),
    /// The database held events: every id is looked up.
    Some,
}

impl Stored {
    /// The stored event with this id, if any.
    fn find(&self, tx: &Transaction<'_>, id: Uuid) -> Result<Option<Current>, StoreError> {
        match self {
            Self::Nothing(written) => match written.get(&id) {
                Some(&seq) => w::load_seq(tx, seq),
                None => Ok(None),
            },
            Self::Some => w::load(tx, id),
        }
    }

    /// Notes that event `id` was written as number `seq`.
    fn wrote(&mut self, id: Uuid, seq: i64) {
        if let Self::Nothing(written) = self {
            written.insert(id, seq);
        }
    }
}

/// Writes one batch inside `tx`, leaving the R*Tree entries of new events and, in a database
/// that held none, the indexes of `events` to [`Load::finish`].
fn batch(
    tx: &Transaction<'_>,
    items: Vec<ImportItem>,
    actor: &Actor,
    load: &mut Load,
    workers: &Workers,
) -> Result<ImportCounts, StoreError> {
    let mut counts = ImportCounts::default();
    let mut existing: HashMap<Uuid, Current> = HashMap::new();
    let mut seen: HashSet<Uuid> = HashSet::with_capacity(items.len());
    for it in &items {
        if !seen.insert(it.id) {
            return Err(StoreError::Conflict(format!("the id {} appears twice in one import", it.id)));
        }
        if let Some(cur) = load.stored.find(tx, it.id)? {
            existing.insert(it.id, cur);
        }
    }
    let (mut change, now) = w::reserve_changes(tx, items.len() as i64)?;
    let mut events: Vec<Event> = items.into_iter().map(|it| Event::new(it.id, it.data, now)).collect();
    let filled = {
        let mut refs: Vec<&mut Event> = events.iter_mut().collect();
        w::resolve_sources_seen(tx, &mut refs, now.timestamp_millis(), load.sources.as_mut())?
    };
    let mut seq = w::next_seq(tx)?;
    let first_new = seq;
    let mut max_dur = 0i64;
    let mut touched: HashSet<i64> = HashSet::new();
    let mut terms: Vec<Term> = Vec::new();
    let mut revised: Vec<i64> = Vec::new();
    let mut ins = w::Inserts::new(tx)?;
    workers.run(events, existing, |chunk| -> Result<(), StoreError> {
        // New events are numbered here and written together after the loop.
        let mut numbers: Vec<(i64, i64)> = Vec::new();
        for step in chunk.iter_mut() {
            match step {
                Step::Unchanged => counts.unchanged += 1,
                Step::Changed { p, seq: at, before } => {
                    let at = *at;
                    revised.push(at);
                    w::replace_event(tx, &mut ins, at, change, p, before)?;
                    w::record_revision(
                        tx,
                        at,
                        &p.event,
                        actor,
                        Action::Import,
                        None,
                        Some(before),
                        Some(&p.event.data),
                    )?;
                    touched.insert(at);
                    change += 1;
                    counts.updated += 1;
                }
                Step::New(p) => {
                    load.stored.wrote(p.event.id, seq);
                    load.rtree.add(seq, p.envelope, p.t_start, p.t_max);
                    max_dur = max_dur.max(p.t_max - p.t_start);
                    numbers.push((seq, change));
                    terms.extend(std::mem::take(&mut p.terms).into_iter().map(|(k, v)| (k, v, seq)));
                    touched.insert(seq);
                    seq += 1;
                    change += 1;
                    counts.created += 1;
                }
            }
        }
        let new: Vec<(i64, i64, &Prepared)> = chunk
            .iter()
            .filter_map(|step| match step {
                Step::New(p) => Some(&**p),
                _ => None,
            })
            .zip(numbers)
            .map(|(p, (seq, change))| (seq, change, p))
            .collect();
        ins.new_events(tx, &new)
    })?;
    match &mut load.terms {
        // Into a database that held no event: kept for the end, where they are appended in key
        // order (or written whenever many are kept).
        Some(kept) => {
            for (kind, value, seq) in terms {
                kept.add(kind, value, seq);
            }
            if kept.len() >= TERMS_KEPT {
                kept.write(tx)?;
            }
        }
        // Otherwise in key order now: each lands next to the one before.
        None => {
            terms.sort_unstable();
            for (k, v, seq) in &terms {
                ins.term(k, v, *seq)?;
            }
        }
    }
    drop(ins);
    w::record_creations(tx, first_new..seq, now, actor, Action::Import)?;
    w::bump_max_duration(tx, max_dur)?;
    let refreshed = w::refresh_citing(tx, &filled, &touched)?;
    if let Some(kept) = &mut load.terms {
        // Events of this load written again since: their terms are in the table already, and
        // the kept ones are those of their first version.
        kept.forget(revised.into_iter().chain(refreshed));
    }
    Ok(counts)
}
