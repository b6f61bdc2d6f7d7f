//! Loads by a process that has the database to itself (`eventmap import`,
//! [`PgStore::open_for_import`](super::PgStore::open_for_import)): the indexes and constraints
//! that cost the most per row are dropped inside the load's transaction and built again from all
//! the rows at its end, as SQLite's first load does: into an empty database, and into one that
//! holds events when the load will write at least half as many ([`worth_deferring`]).
//!
//! Measured with psql on 200,000 made-up events (`docs/PERFORMANCE.md`): inserting a row into
//! two GiST indexes, a GIN index and the time index, about eight `event_terms` rows into their
//! B-tree at random places and checking two foreign keys per source link was most of an
//! import's time; building the same indexes once from sorted keys takes a fraction of it.
//! Deferred: every index of `events` that backs no constraint, the primary keys of
//! `event_terms` (into an empty database only) and `revisions`, the foreign keys of
//! `event_sources`. Kept: the primary key and the unique ids and change numbers of `events` (an
//! import looks events up by id as it goes), the indexes of `event_sources` (re-rendering the
//! events citing a source finds them by it), and in a database that holds events the key of
//! `event_terms`, by which a changed event's old terms are deleted.
//!
//! The counts by cell (`event_cells`, `event_tile_counts`) are not kept by their triggers
//! during such a load, which fire once per `COPY` and upserted some 40,000 rows of
//! `event_tile_counts` for each 10,000 events: 0.75 s of the 0.9 s that 10,000 events took to
//! insert with the indexes deferred (psql, `docs/PERFORMANCE.md`). The triggers are disabled
//! inside the transaction, both tables emptied, and both counted from every stored event at its
//! end, in one statement each, before the key of `event_tile_counts` is built again: the counts
//! are those of the rows then stored, exactly, whatever the tables held before.
//!
//! Dropping an index takes its table to the transaction (ACCESS EXCLUSIVE) until the commit:
//! anyone else reading the database would wait for the whole load. So a load takes this road
//! only when no other session is connected to the database and the tables' locks are granted at
//! once; otherwise it takes the ordinary road, saying why. A rollback (an error, a crash, an
//! import stopped) brings every index and constraint back as it was with the old rows.

use std::collections::HashSet;

use sqlx::{PgConnection, Row as _};

use super::copy_text::CopyText;
use crate::store::StoreError;
use crate::store::sql::{Dialect, tile_counts};

/// The memory each index build may sort in (PostgreSQL's default is 64 MB): the GIN index
/// over the search words and the primary key of `event_terms` are built from millions of keys.
const BUILD_MEMORY: &str = "512MB";

/// The memory the counts by cell at the end of a load may hash in: with the default (4 MB) the
/// grouping of 200,000 events' 593,152 sums spilled to disk in 33 batches (2.0 s, psql).
const COUNT_MEMORY: &str = "256MB";

/// The tables whose indexes a load takes to itself.
const TABLES: &str = "events, event_terms, event_sources, revisions, event_cells, event_tile_counts";

/// The triggers on `events` that keep the counts by cell, disabled during a load (migrations
/// postgres/0011 and 0010); a load counts the cells at its end instead.
const COUNT_TRIGGERS: [&str; 7] = [
    "events_cells_inserted",
    "events_cells_deleted",
    "events_cells_updated",
    "events_tiles_inserted",
    "events_tiles_deleted",
    "events_tiles_updated_add",
    "events_tiles_updated_take",
];

/// Counts every live event of `events` into `event_cells` (as its triggers count them).
const CELLS_SQL: &str = "INSERT INTO event_cells (cell, n) \
     SELECT event_cell(min_lon, min_lat, max_lon, max_lat) AS c, count(*) FROM events \
     WHERE deleted = 0 AND min_lon IS NOT NULL GROUP BY c";

/// What a load dropped, as the statements that create it again, in order.
#[derive(Debug)]
pub struct Deferred {
    create: Vec<String>,
    /// The terms of the load's new events, sent at its end in key order: into an empty database
    /// only (otherwise the terms' key is kept and they are written as they come).
    pub terms: Option<KeptTerms>,
}

/// Whether a load into a database that held `held` rows of `events` when it began, expected to
/// write about `expected` events (from the rows it announced,
/// [`ImportChunk::Expect`](crate::store::ImportChunk::Expect), and the share of its first batch
/// it wrote), should build its indexes at its end: into an empty database always, into one that
/// holds events when the load writes at least half as many.
///
/// Measured at 1,000,000 events (`docs/PERFORMANCE.md`, 200,000 NDJSON points): the ordinary
/// road cost about 510 µs an imported event; on this road the rows cost about 130 µs each, and
/// building every index and counting every cell again about 100 µs for each event then stored
/// (123 s for 1,200,000, of which 52 s for the GIN index of the search words). The road pays
/// from about a third of the database's size; half leaves room for a rougher estimate and a
/// database whose rows cost more to index. A load that announces nothing keeps the indexes of
/// a database that holds events.
pub fn worth_deferring(held: i64, expected: Option<u64>) -> bool {
    held == 0 || expected.is_some_and(|n| i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(DEFER_SHARE) >= held)
}

/// A load defers its indexes when it brings at least one event for this many the database held.
const DEFER_SHARE: i64 = 2;

/// The rows of `events` (live or not): every one of them is indexed again by a deferred load.
pub async fn held(c: &mut PgConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&mut *c).await?)
}

/// Why a load cannot defer its indexes, or `None` when it can: another session is connected to
/// the database (`ours`: the application name of this process's own connections).
pub async fn refused(c: &mut PgConnection, ours: &str) -> Result<Option<String>, StoreError> {
    let others: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND backend_type = 'client backend' AND application_name IS DISTINCT FROM $1",
    )
    .bind(ours)
    .fetch_one(&mut *c)
    .await?;
    Ok((others > 0).then(|| format!("{others} other session(s) connected to the database")))
}

/// Takes the tables and drops the deferred indexes and constraints inside the transaction on
/// `c`; `None` (nothing changed) when a table's lock is not granted at once. `empty`: the
/// database held no event when the load began, so the terms' key is deferred too and the terms
/// of new events kept for the end ([`Deferred::terms`]).
pub async fn begin(c: &mut PgConnection, empty: bool) -> Result<Option<Deferred>, StoreError> {
    sqlx::query("SAVEPOINT bulk_lock").execute(&mut *c).await?;
    let locked = sqlx::query(&format!("LOCK TABLE {TABLES} IN ACCESS EXCLUSIVE MODE NOWAIT")).execute(&mut *c).await;
    if let Err(e) = locked {
        if matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03")) {
            sqlx::query("ROLLBACK TO SAVEPOINT bulk_lock").execute(&mut *c).await?;
            return Ok(None);
        }
        return Err(e.into());
    }
    sqlx::query("RELEASE SAVEPOINT bulk_lock").execute(&mut *c).await?;
    // (drop, create) pairs: the plain indexes of `events`, then primary keys, then foreign keys.
    let rows = sqlx::query(
        "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), 0 AS k \
         FROM pg_index i \
         WHERE i.indrelid = 'events'::regclass \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) \
         UNION ALL \
         SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', k.conrelid::regclass, k.conname), \
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid)), \
                CASE k.contype WHEN 'p' THEN 1 ELSE 2 END \
         FROM pg_constraint k \
         WHERE (k.conrelid IN ('revisions'::regclass, 'event_tile_counts'::regclass) AND k.contype = 'p') \
            OR ($1 AND k.conrelid = 'event_terms'::regclass AND k.contype = 'p') \
            OR (k.conrelid = 'event_sources'::regclass AND k.contype = 'f') \
         ORDER BY 3, 1",
    )
    .bind(empty)
    .fetch_all(&mut *c)
    .await?;
    let mut create = Vec::with_capacity(rows.len());
    // Foreign keys go first: a primary key cannot be dropped while one refers to it.
    for r in rows.iter().rev() {
        sqlx::query(r.try_get::<&str, _>(0)?).execute(&mut *c).await?;
    }
    for r in &rows {
        create.push(r.try_get::<String, _>(1)?);
    }
    let disable: Vec<String> = COUNT_TRIGGERS.iter().map(|t| format!("DISABLE TRIGGER {t}")).collect();
    sqlx::query(&format!("ALTER TABLE events {}", disable.join(", "))).execute(&mut *c).await?;
    // Counted again from every stored event at the end.
    sqlx::query("TRUNCATE event_cells, event_tile_counts").execute(&mut *c).await?;
    Ok(Some(Deferred { create, terms: empty.then(KeptTerms::default) }))
}

/// Counts the cells of every stored event, then builds what [`begin`] dropped over every row now
/// in the tables and enables the count triggers again; a constraint the rows break fails the
/// load (the import checks them as it goes: this is a safeguard).
pub async fn finish(c: &mut PgConnection, mut d: Deferred) -> Result<(), StoreError> {
    let t = std::time::Instant::now();
    if let Some(terms) = d.terms.as_mut() {
        terms.send(c).await?;
    }
    tracing::debug!(took = ?t.elapsed(), "terms sent");
    let t = std::time::Instant::now();
    // Some 600,000 sums for 200,000 events: hashed in memory rather than in 33 batches on disk.
    sqlx::query(&format!("SET LOCAL work_mem = '{COUNT_MEMORY}'")).execute(&mut *c).await?;
    sqlx::query(CELLS_SQL).execute(&mut *c).await?;
    sqlx::query(tile_counts::rebuild(Dialect::Postgres)).execute(&mut *c).await?;
    tracing::debug!(took = ?t.elapsed(), "cells counted");
    sqlx::query(&format!("SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")).execute(&mut *c).await?;
    for sql in &d.create {
        let t = std::time::Instant::now();
        sqlx::query(sql).execute(&mut *c).await?;
        tracing::debug!(took = ?t.elapsed(), "{sql}");
    }
    let enable: Vec<String> = COUNT_TRIGGERS.iter().map(|t| format!("ENABLE TRIGGER {t}")).collect();
    sqlx::query(&format!("ALTER TABLE events {}", enable.join(", "))).execute(&mut *c).await?;
    Ok(())
}

/// The `event_terms` rows of a first load's new events (into an empty database), kept as COPY
/// text until its end and then sent in key order, the order their primary key is built in (the
/// build sorted them itself in 2.6–2.8 s, presorted in 0.8 s, for 1.57 million rows:
/// `docs/PERFORMANCE.md`).
/// Whenever more than [`KEPT_BYTES`] are kept, they are sent sorted.
#[derive(Debug, Default)]
pub struct KeptTerms {
    rows: Vec<u8>,
    /// Events written again since their rows were kept: the table holds their terms now, and
    /// the kept rows are those of their first version.
    stale: HashSet<i64>,
}

/// The most bytes of rows kept before they are sent (some 12 million terms).
const KEPT_BYTES: usize = 256 << 20;

const TERMS_COPY: &str = "COPY event_terms (kind, value, seq) FROM STDIN";

impl KeptTerms {
    /// Keeps the rows of `terms` (`kind`, `value`, `seq`, in COPY's text format); sends what
    /// is kept when it is more than [`KEPT_BYTES`].
    pub async fn add(&mut self, c: &mut PgConnection, mut terms: CopyText) -> Result<(), StoreError> {
        self.rows.extend_from_slice(&terms.take());
        if self.rows.len() > KEPT_BYTES {
            self.send(c).await?;
        }
        Ok(())
    }

    /// Notes events written again: their kept rows are not sent.
    pub fn forget(&mut self, seqs: impl IntoIterator<Item = i64>) {
        self.stale.extend(seqs);
    }

    /// Sends the kept rows in key order (kind and value as bytes, then the number) and forgets
    /// them.
    pub async fn send(&mut self, c: &mut PgConnection) -> Result<(), StoreError> {
        let (rows, stale) = (std::mem::take(&mut self.rows), self.stale.clone());
        let sorted = tokio::task::spawn_blocking(move || sorted_rows(&rows, &stale))
            .await
            .map_err(|e| StoreError::Internal(format!("sorting the terms failed: {e}")))??;
        if sorted.is_empty() {
            return Ok(());
        }
        let mut copy = c.copy_in_raw(TERMS_COPY).await?;
        if let Err(e) = copy.send(sorted).await {
            let _ = copy.abort("import stopped").await;
            return Err(e.into());
        }
        copy.finish().await?;
        Ok(())
    }
}

/// The rows of `rows` but those of `stale` events, sorted by key. The escaped text of a kind
/// or value sorts as the text does but for escaped characters, which only cost the index build
/// some order.
fn sorted_rows(rows: &[u8], stale: &HashSet<i64>) -> Result<Vec<u8>, StoreError> {
    let mut keyed: Vec<(&[u8], i64, &[u8])> = Vec::with_capacity(rows.len() / 24);
    for line in rows.split_inclusive(|&b| b == b'\n') {
        let tab = line.iter().rposition(|&b| b == b'\t');
        let seq = tab.and_then(|t| std::str::from_utf8(&line[t + 1..line.len() - 1]).ok()?.parse::<i64>().ok());
        let (Some(tab), Some(seq)) = (tab, seq) else {
            return Err(StoreError::Internal("a kept term row is not kind, value and number".into()));
        };
        if !stale.contains(&seq) {
            keyed.push((&line[..tab], seq, line));
        }
    }
    keyed.sort_unstable_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    let mut out = Vec::with_capacity(rows.len());
    for (_, _, line) in keyed {
        out.extend_from_slice(line);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_defers_its_indexes_into_an_empty_database_or_when_it_is_half_as_large_as_the_one_it_joins() {
        assert!(worth_deferring(0, None));
        assert!(worth_deferring(0, Some(1)));
        assert!(!worth_deferring(1_000_000, None));
        assert!(!worth_deferring(1_000_000, Some(200_000)));
        assert!(!worth_deferring(1_000_000, Some(499_999)));
        assert!(worth_deferring(1_000_000, Some(500_000)));
        assert!(worth_deferring(20_000, Some(100_000)));
        assert!(worth_deferring(20_000, Some(u64::MAX)));
        assert!(!worth_deferring(11, Some(5)));
    }

    #[test]
    fn kept_terms_come_out_in_key_order_without_those_of_events_written_again() {
        let mut t = CopyText::new();
        for (k, v, seq) in [("tag", "b", 10), ("tag", "a", 9), ("actor", "x\ty", 3), ("tag", "a", 10), ("tag", "a", 2)]
        {
            t.text(k).text(v).int(seq).end_row();
        }
        t.text("tags").text("a").int(1).end_row();
        let rows = t.take();
        let sorted = sorted_rows(&rows, &HashSet::from([9])).unwrap();
        assert_eq!(
            String::from_utf8(sorted).unwrap(),
            "actor\tx\\ty\t3\ntag\ta\t2\ntag\ta\t10\ntag\tb\t10\ntags\ta\t1\n"
        );
        assert!(sorted_rows(b"tag\tb\n", &HashSet::new()).is_err());
    }
}
