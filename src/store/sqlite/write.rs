//! The write side of the SQLite backend: plain functions over one `rusqlite` transaction, run on
//! a blocking thread by `SqliteStore`. Every write of an event also rewrites its derived rows
//! (terms, points, R*Tree, FTS, source links) and records a revision, in the same transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{CachedStatement, OptionalExtension, Statement, Transaction, params};
use uuid::Uuid;

use super::import::append::append;
use crate::domain::event::EventData;
use crate::domain::revision::Action;
use crate::domain::time::from_millis;
use crate::domain::{Event, Source};
use crate::store::prepare::{self, Prepared};
use crate::store::rules::{Current, tombstone_feature};
use crate::store::{Actor, StoreError};
use crate::store::{sources, stored};

/// Reserves `n` change numbers (the first is returned) and a change time later than every
/// earlier transaction's. The changes of one transaction share its time: they become visible
/// together, so a reader of `updated_since` never sees half of them.
pub fn reserve_changes(tx: &Transaction<'_>, n: i64) -> Result<(i64, DateTime<Utc>), StoreError> {
    let last_seq: i64 =
        tx.query_row("UPDATE meta SET value = value + ?1 WHERE key = 'change_seq' RETURNING value", [n], |r| r.get(0))?;
    let last: i64 = tx.query_row("SELECT value FROM meta WHERE key = 'last_change_ms'", [], |r| r.get(0))?;
    let now = Utc::now().timestamp_millis().max(last + 1);
    tx.execute("UPDATE meta SET value = ?1 WHERE key = 'last_change_ms'", [now])?;
    tx.execute("INSERT INTO change_log (at, last_seq) VALUES (?1, ?2)", [now, last_seq])?;
    Ok((last_seq - n + 1, from_millis(now)))
}

pub fn bump_max_duration(tx: &Transaction<'_>, duration_ms: i64) -> Result<(), StoreError> {
    tx.execute("UPDATE meta SET value = max(value, ?1) WHERE key = 'max_duration_ms'", [duration_ms])?;
    Ok(())
}

pub fn next_seq(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    let max: Option<i64> = tx.query_row("SELECT max(seq) FROM events", [], |r| r.get(0))?;
    Ok(max.unwrap_or(0) + 1)
}

/// Gives every source of `events` the id of the stored source with the same URL (storing new
/// ones), fills fields the stored source lacks from the new citation, and makes each citation
/// show the stored fields with its own excerpt (the rule is `store::sources::resolve`). Returns
/// the ids of stored sources that gained fields, whose other events must be re-rendered.
pub fn resolve_sources(tx: &Transaction<'_>, events: &mut [&mut Event], now: i64) -> Result<Vec<Uuid>, StoreError> {
    resolve_sources_seen(tx, events, now, None)
}

/// The sources a load into a database without sources has stored so far: URLs by a 64-bit hash
/// (a URL whose hash is absent is certainly new; one whose hash is present is looked up), ids
/// whole. With it, a new URL or id costs no query.
#[derive(Debug, Default)]
pub struct SourcesSeen {
    urls: rustc_hash::FxHashSet<u64>,
    ids: rustc_hash::FxHashSet<u128>,
}

impl SourcesSeen {
    fn url_hash(url: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(url)
    }

    fn may_hold(&self, url: &str) -> bool {
        self.urls.contains(&Self::url_hash(url))
    }

    fn note(&mut self, s: &Source) {
        self.urls.insert(Self::url_hash(&s.url));
        self.ids.insert(s.id.as_u128());
    }
}

/// [`resolve_sources`] for a load that knows every source stored (`seen`, when the database held
/// none as it began), asking the database only about URLs it may hold.
pub fn resolve_sources_seen(
    tx: &Transaction<'_>,
    events: &mut [&mut Event],
    now: i64,
    seen: Option<&mut SourcesSeen>,
) -> Result<Vec<Uuid>, StoreError> {
    let mut stored: HashMap<String, Source> = HashMap::new();
    {
        let mut by_url = tx.prepare_cached(
            "SELECT id, url, title, publisher, published_at, language, archived_url FROM sources WHERE url = ?1",
        )?;
        for url in sources::cited_urls(events) {
            if seen.as_deref().is_some_and(|s| !s.may_hold(&url)) {
                continue;
            }
            let found = by_url
                .query_row([&url], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        Source {
                            id: Uuid::nil(),
                            url: r.get(1)?,
                            title: r.get(2)?,
                            publisher: r.get(3)?,
                            published_at: r.get::<_, Option<i64>>(4)?.map(from_millis),
                            language: r.get(5)?,
                            archived_url: r.get(6)?,
                            excerpt: None,
                        },
                    ))
                })
                .optional()?;
            if let Some((id, mut src)) = found {
                src.id = Uuid::parse_str(&id).map_err(|e| StoreError::Internal(e.to_string()))?;
                stored.insert(src.url.clone(), src);
            }
        }
    }
    let mut taken: HashSet<Uuid> = HashSet::new();
    {
        let mut id_taken = tx.prepare_cached("SELECT 1 FROM sources WHERE id = ?1")?;
        for id in sources::proposed_ids(events, &stored) {
            let is_taken = match seen.as_deref() {
                Some(s) => s.ids.contains(&id.as_u128()),
                None => id_taken.exists([id.to_string()])?,
            };
            if is_taken {
                taken.insert(id);
            }
        }
    }
    let r = sources::resolve(events, stored, &taken);
    if let Some(seen) = seen {
        r.inserts.iter().for_each(|s| seen.note(s));
    }
    let columns = ["id", "url", "title", "publisher", "published_at", "language", "archived_url", "created_at"];
    append(tx, "sources", &columns, &r.inserts, |st, at, s| {
        st.raw_bind_parameter(at + 1, s.id.to_string())?;
        st.raw_bind_parameter(at + 2, s.url.as_str())?;
        st.raw_bind_parameter(at + 3, s.title.as_deref())?;
        st.raw_bind_parameter(at + 4, s.publisher.as_deref())?;
        st.raw_bind_parameter(at + 5, s.published_at.map(|t| t.timestamp_millis()))?;
        st.raw_bind_parameter(at + 6, s.language.as_deref())?;
        st.raw_bind_parameter(at + 7, s.archived_url.as_deref())?;
        st.raw_bind_parameter(at + 8, now)
    })?;
    let mut update = tx.prepare_cached(
        "UPDATE sources SET title = ?1, publisher = ?2, published_at = ?3, language = ?4, archived_url = ?5 WHERE id = ?6",
    )?;
    for s in &r.filled {
        update.execute(params![
            s.title,
            s.publisher,
            s.published_at.map(|t| t.timestamp_millis()),
            s.language,
            s.archived_url,
            s.id.to_string()
        ])?;
    }
    Ok(r.filled_ids())
}

/// The columns of `events` that an insert gives.
const EVENT_COLUMNS: [&str; 17] = [
    "seq",
    "id",
    "t_start",
    "t_max",
    "t_day",
    "category",
    "status",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "created_at",
    "updated_at",
    "change_seq",
    "revision",
    "geometry_explicit",
    "feature",
];

/// Binds the values of an event's row, in the order of [`EVENT_COLUMNS`], at parameters
/// `at + 1 ..= at + 17`.
fn bind_event(st: &mut Statement<'_>, at: usize, seq: i64, change: i64, p: &Prepared) -> rusqlite::Result<()> {
    let e = &p.event;
    let [a, b, c, d] = p.envelope;
    let values: [&dyn rusqlite::ToSql; EVENT_COLUMNS.len()] = [
        &seq,
        &e.id.to_string(),
        &p.t_start,
        &p.t_max,
        &p.t_day,
        &e.data.category,
        &e.data.status.as_str(),
        &a,
        &b,
        &c,
        &d,
        &e.created_at.timestamp_millis(),
        &e.updated_at.timestamp_millis(),
        &change,
        &e.revision,
        &e.data.geometry_explicit,
        &p.feature,
    ];
    for (i, v) in values.into_iter().enumerate() {
        st.raw_bind_parameter(at + i + 1, v)?;
    }
    Ok(())
}

/// Degrees of width or height beyond which an envelope goes to `events_rtree_wide` rather than
/// `events_rtree` (migration 0015, which moved the stored ones by the same test): a movement
/// between places far apart, whose box would widen every node of the main tree it fell in.
pub const WIDE_DEGREES: f64 = 1.0;

/// The R*Tree that holds an envelope `[min_lon, min_lat, max_lon, max_lat]`.
pub fn rtree_of(envelope: [f64; 4]) -> &'static str {
    let [a, b, c, d] = envelope;
    if c - a > WIDE_DEGREES || d - b > WIDE_DEGREES { "events_rtree_wide" } else { "events_rtree" }
}

/// The statements that write events and their derived rows, prepared once and used
/// for every event of a transaction (looking each statement up in the cache by its text, for
/// every row, cost a bulk import several percent of its time).
pub struct Inserts<'t> {
    event: CachedStatement<'t>,
    term: CachedStatement<'t>,
    point: CachedStatement<'t>,
    rtree: CachedStatement<'t>,
    rtree_wide: CachedStatement<'t>,
    fts: CachedStatement<'t>,
    link: CachedStatement<'t>,
}

impl<'t> Inserts<'t> {
    pub fn new(tx: &'t Transaction<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            event: tx.prepare_cached(&format!(
                "INSERT INTO events ({}) VALUES ({})",
                EVENT_COLUMNS.join(", "),
                ["?"; EVENT_COLUMNS.len()].join(", ")
            ))?,
            term: tx.prepare_cached("INSERT INTO event_terms (kind, value, seq) VALUES (?1, ?2, ?3)")?,
            point: tx.prepare_cached("INSERT INTO event_points (seq, x, y, z) VALUES (?1, ?2, ?3, ?4)")?,
            rtree: tx.prepare_cached(
                "INSERT INTO events_rtree (id, min_x, max_x, min_y, max_y, min_t, max_t) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            rtree_wide: tx.prepare_cached(
                "INSERT INTO events_rtree_wide (id, min_x, max_x, min_y, max_y, min_t, max_t) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            fts: tx.prepare_cached("INSERT INTO events_fts (rowid, body) VALUES (?1, ?2)")?,
            link: tx.prepare_cached(
                "INSERT INTO event_sources (seq, source_id, position, excerpt) VALUES (?1, ?2, ?3, ?4)",
            )?,
        })
    }

    /// Inserts a new event row and its derived rows.
    pub fn event(&mut self, seq: i64, change: i64, p: &Prepared) -> Result<(), StoreError> {
        bind_event(&mut self.event, 0, seq, change, p)?;
        self.event.raw_execute()?;
        self.index(seq, p)
    }

    /// Writes new events and their derived rows but the filter terms and the R*Tree entries, which
    /// an import writes itself (the terms sorted by key, the R*Tree entries at its end,
    /// `import::rtree::finish`): rows of `(seq, change, event)`.
    /// Rows of a table go many to a statement (`import::append`), the full-text index and the
    /// source links row by row.
    pub fn new_events(&mut self, tx: &Transaction<'_>, rows: &[(i64, i64, &Prepared)]) -> Result<(), StoreError> {
        append(tx, "events", &EVENT_COLUMNS, rows, |st, at, (seq, change, p)| bind_event(st, at, *seq, *change, p))?;
        let points = rows.iter().flat_map(|(seq, _, p)| p.points.iter().map(move |xyz| (*seq, xyz)));
        append(tx, "event_points", &["seq", "x", "y", "z"], points, |st, at, (seq, [x, y, z])| {
            st.raw_bind_parameter(at + 1, seq)?;
            st.raw_bind_parameter(at + 2, x)?;
            st.raw_bind_parameter(at + 3, y)?;
            st.raw_bind_parameter(at + 4, z)
        })?;
        for (seq, _, p) in rows {
            self.search_and_links(*seq, p)?;
        }
        Ok(())
    }

    /// Writes the derived rows of an event.
    fn index(&mut self, seq: i64, p: &Prepared) -> Result<(), StoreError> {
        for (k, v) in &p.terms {
            self.term(k, v, seq)?;
        }
        let [a, b, c, d] = p.envelope;
        let (t0, t1) = (p.t_start as f64 / 86_400_000.0, p.t_max as f64 / 86_400_000.0);
        let rtree = if rtree_of(p.envelope) == "events_rtree" { &mut self.rtree } else { &mut self.rtree_wide };
        rtree.execute(params![seq, a, c, b, d, t0, t1])?;
        for [x, y, z] in &p.points {
            self.point.execute(params![seq, x, y, z])?;
        }
        self.search_and_links(seq, p)
    }

    /// Writes an event's full-text row and its source links. Both stay one row a statement: as
    /// multi-row statements they cost more (the links with their foreign keys, deferred or not;
    /// FTS5 rows through its savepoints; docs/PERFORMANCE.md).
    fn search_and_links(&mut self, seq: i64, p: &Prepared) -> Result<(), StoreError> {
        self.fts.execute(params![seq, p.search])?;
        for (i, s) in p.event.data.sources.iter().enumerate() {
            self.link.execute(params![seq, s.id.to_string(), i as i64, s.excerpt])?;
        }
        Ok(())
    }

    /// Inserts one filter term of event `seq`.
    pub fn term(&mut self, kind: &str, value: &str, seq: i64) -> Result<(), StoreError> {
        self.term.execute(params![kind, value, seq])?;
        Ok(())
    }
}

/// Inserts a new event row and its derived rows.
pub fn insert_event(tx: &Transaction<'_>, seq: i64, change: i64, p: &Prepared) -> Result<(), StoreError> {
    Inserts::new(tx)?.event(seq, change, p)
}

/// Removes the derived rows of event `seq`, whose stored fields are `old` (its terms are known
/// from them, so they are deleted by key). Source links are kept for deletions (provenance) and
/// rewritten on updates.
fn delete_index(tx: &Transaction<'_>, seq: i64, old: &EventData, links: bool) -> Result<(), StoreError> {
    let mut term = tx.prepare_cached("DELETE FROM event_terms WHERE kind = ?1 AND value = ?2 AND seq = ?3")?;
    for (kind, value) in prepare::terms(old) {
        term.execute(params![kind, value, seq])?;
    }
    tx.prepare_cached("DELETE FROM event_points WHERE seq = ?1")?.execute([seq])?;
    // From both trees: the entry is in the one its old envelope belonged to.
    tx.prepare_cached("DELETE FROM events_rtree WHERE id = ?1")?.execute([seq])?;
    tx.prepare_cached("DELETE FROM events_rtree_wide WHERE id = ?1")?.execute([seq])?;
    tx.prepare_cached("DELETE FROM events_fts WHERE rowid = ?1")?.execute([seq])?;
    if links {
        tx.prepare_cached("DELETE FROM event_sources WHERE seq = ?1")?.execute([seq])?;
    }
    Ok(())
}

/// Replaces a stored event's row and derived rows.
pub fn replace_event(
    tx: &Transaction<'_>,
    ins: &mut Inserts<'_>,
    seq: i64,
    change: i64,
    p: &Prepared,
    old: &EventData,
) -> Result<(), StoreError> {
    let e = &p.event;
    let [a, b, c, d] = p.envelope;
    tx.prepare_cached(
        "UPDATE events SET t_start = ?1, t_max = ?2, t_day = ?3, category = ?4, status = ?5, min_lon = ?6, \
         min_lat = ?7, max_lon = ?8, max_lat = ?9, updated_at = ?10, change_seq = ?11, revision = ?12, \
         geometry_explicit = ?13, feature = ?14 WHERE seq = ?15",
    )?
    .execute(params![
        p.t_start,
        p.t_max,
        p.t_day,
        e.data.category,
        e.data.status.as_str(),
        a,
        b,
        c,
        d,
        e.updated_at.timestamp_millis(),
        change,
        e.revision,
        e.data.geometry_explicit,
        p.feature,
        seq
    ])?;
    delete_index(tx, seq, old, true)?;
    ins.index(seq, p)?;
    bump_max_duration(tx, p.t_max - p.t_start)
}

/// Turns an event into a tombstone.
pub fn tombstone(
    tx: &Transaction<'_>,
    seq: i64,
    before: &Event,
    change: i64,
    at: DateTime<Utc>,
    reason: &str,
    merged_into: Option<Uuid>,
) -> Result<u32, StoreError> {
    let revision = before.revision + 1;
    let feature = tombstone_feature(before, revision, at, reason, merged_into);
    tx.execute(
        "UPDATE events SET deleted = 1, revision = ?1, updated_at = ?2, change_seq = ?3, feature = ?4 WHERE seq = ?5",
        params![revision, at.timestamp_millis(), change, feature, seq],
    )?;
    delete_index(tx, seq, &before.data, false)?;
    Ok(revision)
}

/// The revision record of a change: for a creation, the fields as they were written (the
/// history turns them into `{field: {before: null, after}}`); otherwise the changed fields.
#[allow(clippy::too_many_arguments)]
pub fn record_revision(
    tx: &Transaction<'_>,
    seq: i64,
    e: &Event,
    actor: &Actor,
    action: Action,
    reason: Option<&str>,
    before: Option<&EventData>,
    after: Option<&EventData>,
) -> Result<(), StoreError> {
    let changes = crate::domain::revision::encode(before, after);
    tx.prepare_cached(
        "INSERT INTO revisions (seq, revision, at, actor, action, reason, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        seq,
        e.revision,
        e.updated_at.timestamp_millis(),
        actor.name,
        action.as_str(),
        reason,
        changes
    ])?;
    Ok(())
}

/// Records the creation of the events numbered `seqs`, all at `at` by `actor`, in one statement:
/// their revision rows differ only in the number (revision 1, `{"created":true}`).
pub fn record_creations(
    tx: &Transaction<'_>,
    seqs: std::ops::Range<i64>,
    at: DateTime<Utc>,
    actor: &Actor,
    action: Action,
) -> Result<(), StoreError> {
    if seqs.is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "WITH RECURSIVE s(seq) AS (SELECT ?1 UNION ALL SELECT seq + 1 FROM s WHERE seq + 1 < ?2) \
         INSERT INTO revisions (seq, revision, at, actor, action, reason, changes) \
         SELECT seq, 1, ?3, ?4, ?5, NULL, ?6 FROM s",
    )?
    .execute(params![
        seqs.start,
        seqs.end,
        at.timestamp_millis(),
        actor.name,
        action.as_str(),
        crate::domain::revision::CREATED
    ])?;
    Ok(())
}

/// The stored state of event `id`, if it is stored.
pub fn load(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Current>, StoreError> {
    load_where(tx, "id = ?1", id.to_string())
}

/// The stored state of the event numbered `seq`, if there is one.
pub fn load_seq(tx: &Transaction<'_>, seq: i64) -> Result<Option<Current>, StoreError> {
    load_where(tx, "seq = ?1", seq)
}

fn load_where(tx: &Transaction<'_>, cond: &str, key: impl rusqlite::ToSql) -> Result<Option<Current>, StoreError> {
    Ok(tx
        .prepare_cached(&format!("SELECT seq, revision, deleted, feature, geometry_explicit FROM events WHERE {cond}"))?
        .query_row([key], |r| {
            let (deleted, explicit) = (r.get::<_, i64>(2)? != 0, r.get::<_, i64>(4)? != 0);
            Ok(stored::current(r.get(0)?, r.get(1)?, deleted, &r.get::<_, String>(3)?, explicit))
        })
        .optional()?)
}

/// Re-renders live events that cite sources which gained fields (not a revision: the event's
/// own fields are unchanged, but its Feature shows the source's fields).
/// Returns the numbers of the events it re-rendered.
pub fn refresh_citing(tx: &Transaction<'_>, source_ids: &[Uuid], skip: &HashSet<i64>) -> Result<Vec<i64>, StoreError> {
    let mut refreshed = Vec::new();
    for sid in source_ids {
        let rows: Vec<(i64, String, bool)> = tx
            .prepare_cached(
                "SELECT e.seq, e.feature, e.geometry_explicit FROM event_sources es JOIN events e ON e.seq = es.seq \
                 WHERE es.source_id = ?1 AND e.deleted = 0 ORDER BY e.seq",
            )?
            .query_map([sid.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0)))?
            .collect::<Result<_, _>>()?;
        for (seq, feature, explicit) in rows {
            if skip.contains(&seq) {
                continue;
            }
            let Ok(mut ev) = Event::from_feature_json(&feature, explicit) else { continue };
            let old = ev.data.clone();
            let (change, now) = reserve_changes(tx, 1)?;
            resolve_sources(tx, &mut [&mut ev], now.timestamp_millis())?;
            ev.updated_at = now;
            replace_event(tx, &mut Inserts::new(tx)?, seq, change, &Prepared::new(ev), &old)?;
            refreshed.push(seq);
        }
    }
    Ok(refreshed)
}
