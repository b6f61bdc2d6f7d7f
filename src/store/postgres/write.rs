//! The write side of the PostgreSQL backend: functions over one connection inside a write
//! transaction, run by `PgStore`. They mirror `sqlite::write` step for step (the same change
//! numbers and times, revisions, source rule and derived rows), but write rows in batches
//! (`INSERT ... SELECT FROM UNNEST` of one array per column), so that an import of thousands of
//! events costs a handful of round trips rather than several per event.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row as _};
use uuid::Uuid;

use crate::domain::event::EventData;
use crate::domain::revision::Action;
use crate::domain::time::from_millis;
use crate::domain::{Event, Source};
use crate::store::prepare::{self, Prepared};
use crate::store::rules::{Current, tombstone_feature};
use crate::store::{Actor, StoreError};
use crate::store::{sources, stored};

/// Rows written by one statement at most (keeps each statement's arrays a few MB).
pub const CHUNK: usize = 2000;

/// Waits for, and holds until commit, the lock that makes writers take turns: every write
/// transaction starts here, so the state it reads is the state it writes over, and change
/// numbers commit in order even with several eventmap instances on one database.
pub async fn lock_writers(c: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT value FROM meta WHERE key = 'change_seq' FOR UPDATE").execute(&mut *c).await?;
    Ok(())
}

/// Reserves `n` change numbers (the first is returned) and a change time later than every
/// earlier transaction's, taken from the database's clock (the one clock that several
/// instances share). The changes of one transaction share its time, as on SQLite.
pub async fn reserve_changes(c: &mut PgConnection, n: i64) -> Result<(i64, DateTime<Utc>), StoreError> {
    let row = sqlx::query(
        "WITH s AS (UPDATE meta SET value = value + $1 WHERE key = 'change_seq' RETURNING value), \
         t AS (UPDATE meta SET value = greatest(value + 1, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) \
               WHERE key = 'last_change_ms' RETURNING value), \
         l AS (INSERT INTO change_log (at, last_seq) SELECT t.value, s.value FROM s, t) \
         SELECT s.value, t.value FROM s, t",
    )
    .bind(n)
    .fetch_one(&mut *c)
    .await?;
    let (last_seq, now): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    Ok((last_seq - n + 1, from_millis(now)))
}

pub async fn bump_max_duration(c: &mut PgConnection, duration_ms: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE meta SET value = $1 WHERE key = 'max_duration_ms' AND value < $1")
        .bind(duration_ms)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn next_seq(c: &mut PgConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT coalesce(max(seq), 0) + 1 FROM events").fetch_one(&mut *c).await?)
}

/// The stored state of each of `ids` that exists.
pub async fn load(c: &mut PgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Current>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows = sqlx::query(
            "SELECT id, seq, revision, deleted, feature::text, geometry_explicit FROM events WHERE id = ANY($1)",
        )
        .bind(chunk)
        .fetch_all(&mut *c)
        .await?;
        for r in rows {
            let (deleted, explicit) = (r.try_get::<i16, _>(3)? != 0, r.try_get::<i16, _>(5)? != 0);
            let revision = r.try_get::<i32, _>(2)? as u32;
            out.insert(r.try_get(0)?, stored::current(r.try_get(1)?, revision, deleted, r.try_get(4)?, explicit));
        }
    }
    Ok(out)
}

/// Applies the source rule (`store::sources`) to `events` and writes its outcome. Returns the
/// ids of stored sources that gained fields, whose other events must be re-rendered.
pub async fn resolve_sources(
    c: &mut PgConnection,
    events: &mut [&mut Event],
    now: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let urls = sources::cited_urls(events);
    if urls.is_empty() {
        return Ok(Vec::new());
    }
    let mut stored: HashMap<String, Source> = HashMap::new();
    for chunk in urls.chunks(CHUNK) {
        let rows = sqlx::query(
            "SELECT id, url, title, publisher, published_at, language, archived_url FROM sources WHERE url = ANY($1)",
        )
        .bind(chunk)
        .fetch_all(&mut *c)
        .await?;
        for r in rows {
            let s = Source {
                id: r.try_get(0)?,
                url: r.try_get(1)?,
                title: r.try_get(2)?,
                publisher: r.try_get(3)?,
                published_at: r.try_get::<Option<i64>, _>(4)?.map(from_millis),
                language: r.try_get(5)?,
                archived_url: r.try_get(6)?,
                excerpt: None,
            };
            stored.insert(s.url.clone(), s);
        }
    }
    let proposed = sources::proposed_ids(events, &stored);
    let mut taken: HashSet<Uuid> = HashSet::new();
    for chunk in proposed.chunks(CHUNK) {
        let ids: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM sources WHERE id = ANY($1)").bind(chunk).fetch_all(&mut *c).await?;
        taken.extend(ids);
    }
    let r = sources::resolve(events, stored, &taken);
    for chunk in r.inserts.chunks(CHUNK) {
        sqlx::query(
            "INSERT INTO sources (id, url, title, publisher, published_at, language, archived_url, created_at) \
             SELECT u.*, $8 FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], \
             $7::text[]) AS u",
        )
        .bind(chunk.iter().map(|s| s.id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|s| s.url.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|s| s.title.as_deref()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|s| s.publisher.as_deref()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|s| s.published_at.map(|t| t.timestamp_millis())).collect::<Vec<_>>())
        .bind(chunk.iter().map(|s| s.language.as_deref()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|s| s.archived_url.as_deref()).collect::<Vec<_>>())
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    for s in &r.filled {
        sqlx::query(
            "UPDATE sources SET title = $1, publisher = $2, published_at = $3, language = $4, archived_url = $5 \
             WHERE id = $6",
        )
        .bind(&s.title)
        .bind(&s.publisher)
        .bind(s.published_at.map(|t| t.timestamp_millis()))
        .bind(&s.language)
        .bind(&s.archived_url)
        .bind(s.id)
        .execute(&mut *c)
        .await?;
    }
    Ok(r.filled_ids())
}

/// Adds `delta` live events to each day (see `event_days`).
pub async fn adjust_days(c: &mut PgConnection, deltas: impl IntoIterator<Item = (i64, i64)>) -> Result<(), StoreError> {
    let mut by_day: HashMap<i64, i64> = HashMap::new();
    for (day, delta) in deltas {
        *by_day.entry(day).or_default() += delta;
    }
    by_day.retain(|_, d| *d != 0);
    if by_day.is_empty() {
        return Ok(());
    }
    let (days, deltas): (Vec<i64>, Vec<i64>) = by_day.into_iter().unzip();
    sqlx::query(
        "INSERT INTO event_days (t_day, n) SELECT * FROM UNNEST($1::bigint[], $2::bigint[]) \
         ON CONFLICT (t_day) DO UPDATE SET n = event_days.n + EXCLUDED.n",
    )
    .bind(days)
    .bind(deltas)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The day an event's stored fields put it on (its `t_day`).
fn day_of_data(d: &EventData) -> i64 {
    crate::domain::filter::day_of(d.time_range().start.timestamp_millis())
}

/// The lexemes of an event's folded search text, space-separated, for
/// `array_to_tsvector(string_to_array(.., ' '))`: the words exactly as folded, never re-parsed
/// by PostgreSQL's text-search parser (which would split `uawire.org` differently from SQLite).
pub fn lexemes(search: &str) -> String {
    lexeme_list(search).collect::<Vec<_>>().join(" ")
}

/// The lexemes of an event's folded search text: its words, but those too long for a tsvector.
pub fn lexeme_list(search: &str) -> impl Iterator<Item = &str> {
    crate::fold::words(search).filter(|w| w.len() <= crate::store::sql::MAX_LEXEME_BYTES)
}

/// An event row to write: its storage number, change number and prepared values.
pub struct EventWrite<'a> {
    pub seq: i64,
    pub change: i64,
    pub p: &'a Prepared,
}

/// The `events` columns a write sets, as `UNNEST` arrays (shared by insert and update).
const EVENT_ARRAYS: &str = "UNNEST($1::bigint[], $2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], \
     $7::text[], $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::bigint[], $13::bigint[], \
     $14::bigint[], $15::int4[], $16::int2[], $17::text[], $18::text[], $19::text[]) AS u(seq, id, t_start, t_max, \
     t_day, category, status, min_lon, min_lat, max_lon, max_lat, created_at, updated_at, change_seq, revision, \
     geometry_explicit, search, feature, geometry)";

/// The geometry column from the GeoJSON geometry `u.geometry` (text: PostGIS parses text
/// several times faster than `json`): 2D, since the envelope and radius tests use longitude and
/// latitude only; WGS 84.
pub const GEOM_FROM_TEXT: &str = "ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(u.geometry)), 4326)";

/// The GeoJSON text of an event's geometry.
pub fn geometry_text(e: &Event) -> String {
    serde_json::to_string(&e.data.geometry).unwrap_or_else(|_| "null".into())
}

fn bind_event_arrays<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    rows: &'q [EventWrite<'q>],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let col = |f: &dyn Fn(&EventWrite<'_>) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    q.bind(rows.iter().map(|r| r.seq).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.event.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.t_start).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.t_max).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.t_day).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.event.data.category.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.event.data.status.as_str()).collect::<Vec<_>>())
        .bind(col(&|r| r.p.envelope[0]))
        .bind(col(&|r| r.p.envelope[1]))
        .bind(col(&|r| r.p.envelope[2]))
        .bind(col(&|r| r.p.envelope[3]))
        .bind(rows.iter().map(|r| r.p.event.created_at.timestamp_millis()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.event.updated_at.timestamp_millis()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.change).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.event.revision as i32).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| i16::from(r.p.event.data.geometry_explicit)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| lexemes(&r.p.search)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.p.feature.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| geometry_text(&r.p.event)).collect::<Vec<_>>())
}

/// Inserts new event rows and their derived rows.
pub async fn insert_events(c: &mut PgConnection, rows: &[EventWrite<'_>]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let text = format!(
            "INSERT INTO events (seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, max_lon, \
             max_lat, created_at, updated_at, change_seq, revision, geometry_explicit, geom, search, feature) \
             SELECT u.seq, u.id, u.t_start, u.t_max, u.t_day, u.category, u.status, u.min_lon, u.min_lat, \
             u.max_lon, u.max_lat, u.created_at, u.updated_at, u.change_seq, u.revision, u.geometry_explicit, \
             {GEOM_FROM_TEXT}, array_to_tsvector(string_to_array(u.search, ' ')), u.feature::json \
             FROM {EVENT_ARRAYS}"
        );
        bind_event_arrays(sqlx::query(&text), chunk).execute(&mut *c).await?;
        insert_index(c, chunk).await?;
        adjust_days(c, chunk.iter().map(|r| (r.p.t_day, 1))).await?;
    }
    Ok(())
}

/// Replaces stored events' rows and derived rows; `old[i]` holds the stored fields of `rows[i]`.
pub async fn replace_events(
    c: &mut PgConnection,
    rows: &[EventWrite<'_>],
    old: &[&EventData],
) -> Result<(), StoreError> {
    for (chunk, old) in rows.chunks(CHUNK).zip(old.chunks(CHUNK)) {
        let text = format!(
            "UPDATE events e SET t_start = u.t_start, t_max = u.t_max, t_day = u.t_day, category = u.category, \
             status = u.status, min_lon = u.min_lon, min_lat = u.min_lat, max_lon = u.max_lon, \
             max_lat = u.max_lat, updated_at = u.updated_at, change_seq = u.change_seq, revision = u.revision, \
             geometry_explicit = u.geometry_explicit, geom = {GEOM_FROM_TEXT}, \
             search = array_to_tsvector(string_to_array(u.search, ' ')), feature = u.feature::json \
             FROM {EVENT_ARRAYS} WHERE e.seq = u.seq"
        );
        bind_event_arrays(sqlx::query(&text), chunk).execute(&mut *c).await?;
        let seqs: Vec<i64> = chunk.iter().map(|r| r.seq).collect();
        delete_index(c, &seqs, old, true).await?;
        insert_index(c, chunk).await?;
        let moved = old.iter().map(|d| (day_of_data(d), -1)).chain(chunk.iter().map(|r| (r.p.t_day, 1)));
        adjust_days(c, moved).await?;
        let longest = chunk.iter().map(|r| r.p.t_max - r.p.t_start).max().unwrap_or(0);
        bump_max_duration(c, longest).await?;
    }
    Ok(())
}

/// Writes the derived rows (terms, points, source links) of events.
async fn insert_index(c: &mut PgConnection, rows: &[EventWrite<'_>]) -> Result<(), StoreError> {
    let indexed: Vec<(i64, &Prepared)> = rows.iter().map(|r| (r.seq, r.p)).collect();
    insert_terms_points(c, &indexed).await?;
    let mut links = Vec::new();
    for r in rows {
        for (i, s) in r.p.event.data.sources.iter().enumerate() {
            links.push((r.seq, s.id, i as i32, s.excerpt.as_deref()));
        }
    }
    insert_links(c, &links).await
}

/// Writes the filter terms and radius points of events.
pub async fn insert_terms_points(c: &mut PgConnection, rows: &[(i64, &Prepared)]) -> Result<(), StoreError> {
    let (mut kinds, mut values, mut tseqs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut pseqs, mut xs, mut ys, mut zs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (seq, p) in rows {
        for (k, v) in &p.terms {
            kinds.push(*k);
            values.push(v.as_str());
            tseqs.push(*seq);
        }
        for [x, y, z] in &p.points {
            pseqs.push(*seq);
            xs.push(*x);
            ys.push(*y);
            zs.push(*z);
        }
    }
    if !kinds.is_empty() {
        sqlx::query(
            "INSERT INTO event_terms (kind, value, seq) SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[])",
        )
        .bind(kinds)
        .bind(values)
        .bind(tseqs)
        .execute(&mut *c)
        .await?;
    }
    if !pseqs.is_empty() {
        sqlx::query(
            "INSERT INTO event_points (seq, x, y, z) \
             SELECT * FROM UNNEST($1::bigint[], $2::float8[], $3::float8[], $4::float8[])",
        )
        .bind(pseqs)
        .bind(xs)
        .bind(ys)
        .bind(zs)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Writes source links: `(seq, source id, position, excerpt)`.
pub async fn insert_links(c: &mut PgConnection, links: &[(i64, Uuid, i32, Option<&str>)]) -> Result<(), StoreError> {
    for chunk in links.chunks(CHUNK * 4) {
        sqlx::query(
            "INSERT INTO event_sources (seq, source_id, position, excerpt) \
             SELECT * FROM UNNEST($1::bigint[], $2::uuid[], $3::int4[], $4::text[])",
        )
        .bind(chunk.iter().map(|l| l.0).collect::<Vec<_>>())
        .bind(chunk.iter().map(|l| l.1).collect::<Vec<_>>())
        .bind(chunk.iter().map(|l| l.2).collect::<Vec<_>>())
        .bind(chunk.iter().map(|l| l.3).collect::<Vec<_>>())
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Removes the derived rows of events `seqs`, whose stored fields are `old` (their terms are
/// known from them, so they are deleted by key). Source links are kept for deletions
/// (provenance) and rewritten on updates.
async fn delete_index(c: &mut PgConnection, seqs: &[i64], old: &[&EventData], links: bool) -> Result<(), StoreError> {
    let (mut kinds, mut values, mut tseqs) = (Vec::new(), Vec::new(), Vec::new());
    for (seq, d) in seqs.iter().zip(old) {
        for (k, v) in prepare::terms(d) {
            kinds.push(k);
            values.push(v);
            tseqs.push(*seq);
        }
    }
    if !kinds.is_empty() {
        sqlx::query(
            "DELETE FROM event_terms t USING UNNEST($1::text[], $2::text[], $3::bigint[]) AS d(kind, value, seq) \
             WHERE t.kind = d.kind AND t.value = d.value AND t.seq = d.seq",
        )
        .bind(kinds)
        .bind(values)
        .bind(tseqs)
        .execute(&mut *c)
        .await?;
    }
    sqlx::query("DELETE FROM event_points WHERE seq = ANY($1)").bind(seqs).execute(&mut *c).await?;
    if links {
        sqlx::query("DELETE FROM event_sources WHERE seq = ANY($1)").bind(seqs).execute(&mut *c).await?;
    }
    Ok(())
}

/// Turns an event into a tombstone; returns its new revision.
pub async fn tombstone(
    c: &mut PgConnection,
    seq: i64,
    before: &Event,
    change: i64,
    at: DateTime<Utc>,
    reason: &str,
    merged_into: Option<Uuid>,
) -> Result<u32, StoreError> {
    let revision = before.revision + 1;
    sqlx::query(
        "UPDATE events SET deleted = 1, revision = $1, updated_at = $2, change_seq = $3, feature = $4::json, \
         geom = NULL, search = NULL WHERE seq = $5",
    )
    .bind(revision as i32)
    .bind(at.timestamp_millis())
    .bind(change)
    .bind(tombstone_feature(before, revision, at, reason, merged_into))
    .bind(seq)
    .execute(&mut *c)
    .await?;
    delete_index(c, &[seq], &[&before.data], false).await?;
    adjust_days(c, [(day_of_data(&before.data), -1)]).await?;
    Ok(revision)
}

/// One revision record to write; see `sqlite::write::record_revision` for what `changes` holds.
pub struct RevisionWrite<'a> {
    pub event: &'a Event,
    pub action: Action,
    pub reason: Option<&'a str>,
    pub before: Option<&'a EventData>,
    pub after: Option<&'a EventData>,
}

/// Records revisions made by `actor`.
pub async fn record_revisions(
    c: &mut PgConnection,
    actor: &Actor,
    revs: &[RevisionWrite<'_>],
) -> Result<(), StoreError> {
    for chunk in revs.chunks(CHUNK) {
        sqlx::query(
            "INSERT INTO revisions (event_id, revision, at, actor, action, reason, changes) \
             SELECT u.event_id, u.revision, u.at, $4, u.action, u.reason, u.changes \
             FROM UNNEST($1::uuid[], $2::int4[], $3::bigint[], $5::text[], $6::text[], $7::text[]) \
             AS u(event_id, revision, at, action, reason, changes)",
        )
        .bind(chunk.iter().map(|r| r.event.id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.event.revision as i32).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.event.updated_at.timestamp_millis()).collect::<Vec<_>>())
        .bind(&actor.name)
        .bind(chunk.iter().map(|r| r.action.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.reason).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| crate::domain::revision::encode(r.before, r.after)).collect::<Vec<_>>())
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Re-renders live events that cite sources which gained fields (not a revision: the event's
/// own fields are unchanged, but its Feature shows the source's fields). Returns their numbers.
pub async fn refresh_citing(
    c: &mut PgConnection,
    source_ids: &[Uuid],
    skip: &HashSet<i64>,
) -> Result<Vec<i64>, StoreError> {
    let mut refreshed = Vec::new();
    for sid in source_ids {
        let rows = sqlx::query(
            "SELECT e.seq, e.feature::text, e.geometry_explicit FROM event_sources es JOIN events e ON e.seq = es.seq \
             WHERE es.source_id = $1 AND e.deleted = 0 ORDER BY e.seq",
        )
        .bind(sid)
        .fetch_all(&mut *c)
        .await?;
        for r in rows {
            let seq: i64 = r.try_get(0)?;
            if skip.contains(&seq) {
                continue;
            }
            let Ok(mut ev) = Event::from_feature_json(r.try_get::<&str, _>(1)?, r.try_get::<i16, _>(2)? != 0) else {
                continue;
            };
            let old = ev.data.clone();
            let (change, now) = reserve_changes(c, 1).await?;
            resolve_sources(c, &mut [&mut ev], now.timestamp_millis()).await?;
            ev.updated_at = now;
            let p = Prepared::new(ev);
            replace_events(c, &[EventWrite { seq, change, p: &p }], &[&old]).await?;
            refreshed.push(seq);
        }
    }
    Ok(refreshed)
}
