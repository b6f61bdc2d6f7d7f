//! The COPY road of an import on PostgreSQL: the new events of a batch and every row derived from
//! them (filter terms, radius points, source links with their excerpts, revisions, the count of
//! live events per day) sent with `COPY ... FROM STDIN` rather than as bound arrays.
//!
//! The events are rendered (`Prepared`: Feature JSON, search words, terms) and encoded as COPY
//! text on a blocking thread, a slice at a time, while their rows stream to the server: the
//! server inserts and indexes one slice while the next is rendered, so on a machine of few cores
//! neither side waits for the other. The derived rows are kept until the events are in (their
//! tables refer to `events`) and then sent, one `COPY` per table.
//!
//! Each row holds the very values the array road (`write::insert_events`) writes: the geometry
//! as hex EWKB of what `ST_Force2D(ST_GeomFromGeoJSON(..))` makes of the GeoJSON (`ewkb`), the
//! search vector as a `tsvector` literal of the same lexemes `array_to_tsvector` takes, the
//! Feature JSON as text. The counts by cell follow from the trigger on `events`, which `COPY`
//! fires as `INSERT` does.

use std::collections::HashMap;

use sqlx::PgConnection;

use super::bulk::KeptTerms;
use super::copy_text::CopyText;
use super::ewkb;
use super::write::{self as w, lexeme_list};
use crate::domain::Event;
use crate::domain::revision::{self, Action};
use crate::store::{Actor, Prepared, StoreError};

/// Events rendered and encoded per slice handed to the writer.
const SLICE: usize = 500;

/// The columns the COPY road writes, in the order of its rows.
const EVENTS_COPY: &str = "COPY events (seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, max_lon, \
     max_lat, created_at, updated_at, change_seq, revision, geometry_explicit, geom, search, feature) FROM STDIN";
const TERMS_COPY: &str = "COPY event_terms (kind, value, seq) FROM STDIN";
const POINTS_COPY: &str = "COPY event_points (seq, x, y, z) FROM STDIN";
const LINKS_COPY: &str = "COPY event_sources (seq, source_id, position, excerpt) FROM STDIN";
const REVISIONS_COPY: &str = "COPY revisions (event_id, revision, at, actor, action, reason, changes) FROM STDIN";

/// A new event to write: its storage number, change number and the event.
pub struct NewEvent {
    pub seq: i64,
    pub change: i64,
    pub event: Event,
}

/// What the rows of a slice say beyond themselves.
#[derive(Default)]
struct Written {
    /// Live events added per day.
    pub days: HashMap<i64, i64>,
    /// The longest interval among them, ms.
    pub max_duration: i64,
}

/// One slice, encoded.
#[derive(Default)]
struct Slice {
    events: Vec<u8>,
    terms: CopyText,
    points: CopyText,
    links: CopyText,
    revisions: CopyText,
    written: Written,
}

/// Appends the `events` row of `p` (new, live) to `out`.
pub fn event_row(out: &mut CopyText, seq: i64, change: i64, p: &Prepared) {
    let e = &p.event;
    out.int(seq)
        .uuid(e.id)
        .int(p.t_start)
        .int(p.t_max)
        .int(p.t_day)
        .text(&e.data.category)
        .text(e.data.status.as_str());
    for v in p.envelope {
        out.real(v);
    }
    out.int(e.created_at.timestamp_millis())
        .int(e.updated_at.timestamp_millis())
        .int(change)
        .int(i64::from(e.revision))
        .int(i64::from(e.data.geometry_explicit));
    out.field(|f| {
        let mut hex = Vec::with_capacity(64);
        ewkb::write_hex(&e.data.geometry.value, &mut hex);
        f.push_plain(&hex);
    });
    out.field(|f| f.push_str(&tsvector_literal(&p.search)));
    out.text(&p.feature);
    out.end_row();
}

/// The `tsvector` literal of the lexemes of `search`: each quoted, a quote doubled and a
/// backslash escaped, as `tsvectorin` reads them (the same lexemes, in the same order, as
/// `array_to_tsvector` is given on the array road; both sort and deduplicate them).
pub fn tsvector_literal(search: &str) -> String {
    let mut out = String::with_capacity(search.len() + 16);
    for (i, word) in lexeme_list(search).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push('\'');
        for ch in word.chars() {
            match ch {
                '\'' => out.push_str("''"),
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('\'');
    }
    out
}

/// Appends the terms and points of `p`, stored under `seq`.
pub fn index_rows(terms: &mut CopyText, points: &mut CopyText, seq: i64, p: &Prepared) {
    for (k, v) in &p.terms {
        terms.text(k).text(v).int(seq).end_row();
    }
    for [x, y, z] in &p.points {
        points.int(seq).real(*x).real(*y).real(*z).end_row();
    }
}

fn encode(slice: &mut Slice, rows: &mut CopyText, ev: NewEvent, actor: &str) {
    let p = Prepared::new(ev.event);
    event_row(rows, ev.seq, ev.change, &p);
    index_rows(&mut slice.terms, &mut slice.points, ev.seq, &p);
    for (i, s) in p.event.data.sources.iter().enumerate() {
        slice.links.int(ev.seq).uuid(s.id).int(i as i64).opt_text(s.excerpt.as_deref()).end_row();
    }
    slice
        .revisions
        .uuid(p.event.id)
        .int(i64::from(p.event.revision))
        .int(p.event.updated_at.timestamp_millis())
        .text(actor)
        .text(Action::Import.as_str())
        .null()
        .text(&revision::encode(None, Some(&p.event.data)))
        .end_row();
    *slice.written.days.entry(p.t_day).or_default() += 1;
    slice.written.max_duration = slice.written.max_duration.max(p.t_max - p.t_start);
}

/// Writes `new` (events the database does not hold, their sources already resolved and stored),
/// their derived rows and their count per day; returns the longest interval among them (ms).
/// With `kept`, a first load's, the terms are kept for its end instead of sent.
pub async fn copy_new(
    c: &mut PgConnection,
    new: Vec<NewEvent>,
    actor: &Actor,
    kept: Option<&mut KeptTerms>,
) -> Result<i64, StoreError> {
    if new.is_empty() {
        return Ok(0);
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Slice>(2);
    let actor_name = actor.name.clone();
    let encoder = tokio::task::spawn_blocking(move || {
        let mut it = new.into_iter().peekable();
        while it.peek().is_some() {
            let mut slice = Slice::default();
            let mut rows = CopyText::new();
            for ev in it.by_ref().take(SLICE) {
                encode(&mut slice, &mut rows, ev, &actor_name);
            }
            slice.events = rows.take();
            if tx.blocking_send(slice).is_err() {
                // The writer stopped (a database error): it says why.
                return;
            }
        }
    });
    let mut rest = Slice::default();
    let mut copy = c.copy_in_raw(EVENTS_COPY).await?;
    let sent: Result<(), StoreError> = async {
        while let Some(s) = rx.recv().await {
            copy.send(s.events).await?;
            rest.terms.append(s.terms);
            rest.points.append(s.points);
            rest.links.append(s.links);
            rest.revisions.append(s.revisions);
            for (d, n) in s.written.days {
                *rest.written.days.entry(d).or_default() += n;
            }
            rest.written.max_duration = rest.written.max_duration.max(s.written.max_duration);
        }
        Ok(())
    }
    .await;
    drop(rx);
    encoder.await.map_err(|e| StoreError::Internal(format!("import encoder failed: {e}")))?;
    match sent {
        Ok(()) => {
            copy.finish().await?;
        }
        Err(e) => {
            // Ends the COPY so that the connection is usable; the transaction is lost anyway.
            let _ = copy.abort("import stopped").await;
            return Err(e);
        }
    }
    match kept {
        Some(k) => k.add(c, rest.terms).await?,
        None => send(c, TERMS_COPY, rest.terms).await?,
    }
    send(c, POINTS_COPY, rest.points).await?;
    send(c, LINKS_COPY, rest.links).await?;
    send(c, REVISIONS_COPY, rest.revisions).await?;
    w::adjust_days(c, rest.written.days).await?;
    Ok(rest.written.max_duration)
}

/// The `events` columns of a copy (`eventmap copy`), which writes tombstones too.
pub const STORED_EVENTS_COPY: &str = "COPY events (seq, id, t_start, t_max, t_day, category, status, min_lon, min_lat, \
     max_lon, max_lat, created_at, updated_at, change_seq, revision, deleted, geometry_explicit, geom, search, feature) \
     FROM STDIN";

/// Stored events encoded for a copy: their rows, the derived rows of the live ones, and the
/// live events per day.
pub struct StoredRows {
    pub events: CopyText,
    pub terms: CopyText,
    pub points: CopyText,
    pub days: HashMap<i64, i64>,
}

/// Encodes events as another database stored them: every stored value kept, and the derived
/// columns and rows (geometry, search vector, terms, points) rebuilt from each live event's
/// Feature, as an import makes them.
pub fn stored_rows(rows: &[crate::store::transfer::EventRow]) -> Result<StoredRows, StoreError> {
    let mut out =
        StoredRows { events: CopyText::new(), terms: CopyText::new(), points: CopyText::new(), days: HashMap::new() };
    for r in rows {
        let e = &mut out.events;
        e.int(r.seq).uuid(r.id).int(r.t_start).int(r.t_max).int(r.t_day).text(&r.category).text(&r.status);
        for v in r.envelope {
            match v {
                Some(v) => e.real(v),
                None => e.null(),
            };
        }
        e.int(r.created_at)
            .int(r.updated_at)
            .int(r.change_seq)
            .int(i64::from(r.revision))
            .int(i64::from(r.deleted))
            .int(i64::from(r.geometry_explicit));
        if r.deleted {
            e.null().null();
        } else {
            let ev = Event::from_feature_json(&r.feature, r.geometry_explicit).map_err(|err| {
                StoreError::Internal(format!("the stored Feature of event {} is unreadable: {err}", r.id))
            })?;
            let p = Prepared::new(ev);
            e.field(|f| {
                let mut hex = Vec::with_capacity(64);
                ewkb::write_hex(&p.event.data.geometry.value, &mut hex);
                f.push_plain(&hex);
            });
            e.field(|f| f.push_str(&tsvector_literal(&p.search)));
            index_rows(&mut out.terms, &mut out.points, r.seq, &p);
            *out.days.entry(r.t_day).or_default() += 1;
        }
        out.events.text(&r.feature);
        out.events.end_row();
    }
    Ok(out)
}

/// Sends the rows of `rows` with the COPY statement `statement` (nothing when there are none).
pub async fn send(c: &mut PgConnection, statement: &str, mut rows: CopyText) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = c.copy_in_raw(statement).await?;
    copy.send(rows.take()).await?;
    copy.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tsvector_literal_quotes_every_lexeme() {
        assert_eq!(tsvector_literal("convoy o'neil tartus"), "'convoy' 'o''neil' 'tartus'");
        assert_eq!(tsvector_literal("a\\b"), "'a\\\\b'");
        assert_eq!(tsvector_literal(""), "");
    }
}
