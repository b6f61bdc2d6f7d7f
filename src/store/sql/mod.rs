//! SQL for the read side, written once for both backends: filters, sort orders, cursors, counts
//! and histograms. Every user-supplied value is bound, never formatted into the SQL text.
//!
//! Both backends keep the same derived columns and tables (`t_start`, `t_max`, envelope columns,
//! `event_terms`, `event_points`), so a filter means exactly the same thing on each. They differ in
//! placeholders, in text search (FTS5 or `tsvector`) and in how candidates are found: SQLite is
//! told which index to start from (its planner, given a B-tree on time next to the R*Tree, may
//! otherwise scan the time index for a box query), PostgreSQL plans for itself.

use crate::domain::filter::{Area, BBox, Bucket, Near, PageRequest, Sort, unit_vector};
use crate::domain::{EventFilter, Status};
pub use gist::{Gist, SPACE_TIME};
use gist::{near_candidates, space_time_overlaps};

use super::prepare::{self, search_terms};

/// Which SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Int(i64),
    Real(f64),
    Text(String),
    Null,
}

impl Bind {
    /// Text, or NULL for `None`.
    pub fn opt_text(v: &Option<String>) -> Self {
        v.as_ref().map_or(Self::Null, |s| Self::Text(s.clone()))
    }
}

/// SQL text with its bound values, in placeholder order.
#[derive(Debug, Clone)]
pub struct Sql {
    pub dialect: Dialect,
    pub text: String,
    pub binds: Vec<Bind>,
    /// A box is answered by walking the time index ([`plan::Plan::Walk`]), not from the space index.
    pub walk: bool,
    /// Text search tests each walked event against the text index (a common word) instead of
    /// collecting every match first (a rare one): SQLite only, see [`plan::fts_probe`].
    pub fts_each: bool,
    /// PostgreSQL takes a small box's candidates from two indexes ([`Gist::Split`]).
    pub split: bool,
}

impl Sql {
    pub fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            text: String::with_capacity(512),
            binds: Vec::new(),
            walk: false,
            fts_each: false,
            split: false,
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder bound to `b`.
    pub fn bind(&mut self, b: Bind) -> &mut Self {
        self.binds.push(b);
        match self.dialect {
            Dialect::Sqlite => self.text.push('?'),
            Dialect::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.binds.len().to_string());
            }
        }
        self
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.bind(Bind::Int(v))
    }

    pub fn real(&mut self, v: f64) -> &mut Self {
        self.bind(Bind::Real(v))
    }

    pub fn str(&mut self, v: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(v.into()))
    }

    /// `(?, ?, ?)` bound to each text value.
    fn list(&mut self, values: impl IntoIterator<Item = String>) -> &mut Self {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.str(v);
        }
        self.push(")")
    }
}

const DAY_MS: f64 = 86_400_000.0;

/// The longest word PostgreSQL keeps as a lexeme (its limit is 2,047 bytes).
pub const MAX_LEXEME_BYTES: usize = 2046;

/// Appends the condition `e` overlaps `bbox` (envelope overlap, like PostGIS `&&`).
///
/// On PostgreSQL each box is also tested, with the time window of `f`, against the space-time
/// GiST index ([`SPACE_TIME`]), which plays the part of SQLite's R*Tree; the index compares
/// boxes rounded outwards to single precision, so the exact tests stay and both backends agree
/// to the last bit.
fn bbox_condition(sql: &mut Sql, bbox: &BBox, f: &EventFilter) {
    sql.push(" AND (");
    for (i, b) in bbox.split().iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        if sql.dialect == Dialect::Postgres && !sql.walk && !sql.split {
            space_time_overlaps(sql, b, f);
            sql.push(" AND ");
        }
        sql.push("e.max_lon >= ").real(b.min_lon).push(" AND e.min_lon <= ").real(b.max_lon).push(")");
    }
    sql.push(") AND e.max_lat >= ").real(bbox.min_lat).push(" AND e.min_lat <= ").real(bbox.max_lat);
}

/// Whether a filter has a place in space, so that the space-time index yields few candidates.
fn is_spatial(f: &EventFilter) -> bool {
    f.bbox.as_ref().is_some_and(|b| !b.is_world())
        || f.near.is_some()
        || f.place.as_ref().is_some_and(|p| p.area.is_none())
}

/// Whether a filter keeps every live event: then counts and histograms by day are answered from
/// `event_days`, the live events per day kept by every write.
fn is_everything(f: &EventFilter) -> bool {
    f.start.is_none()
        && f.end.is_none()
        && !is_spatial(f)
        && f.place.is_none()
        && f.countries.is_empty()
        && f.admin1.is_empty()
        && f.categories.is_empty()
        && f.tags.is_empty()
        && f.actors.is_empty()
        && f.statuses.is_empty()
        && f.fatalities_min.is_none()
        && f.q.as_deref().is_none_or(|q| search_terms(q).is_empty())
        && f.source_domains.is_empty()
        && f.updated_since.is_none()
        && !f.include_deleted
        && f.geometry_types.is_empty()
}

/// Whether [`count`] answers the filter from a count table: every live event, or every live
/// event of a time window holding a whole day (`event_days` for its whole days, the time index
/// for the rest). A shorter window is counted on the events, bounded where an estimate may do.
pub fn counted_by_table(f: &EventFilter) -> bool {
    is_everything(f)
        || (is_everything(&EventFilter { start: None, end: None, ..f.clone() }) && days::whole_days(f).is_some())
}

/// Appends `EXISTS` a position of `e` within the radius (exact great-circle test by chords).
fn near_exists(sql: &mut Sql, near: &Near) {
    let [x, y, z] = unit_vector(near.lon, near.lat);
    sql.push("EXISTS (SELECT 1 FROM event_points p WHERE p.seq = e.seq AND (p.x - ")
        .real(x)
        .push(") * (p.x - ")
        .real(x)
        .push(") + (p.y - ")
        .real(y)
        .push(") * (p.y - ")
        .real(y)
        .push(") + (p.z - ")
        .real(z)
        .push(") * (p.z - ")
        .real(z)
        .push(") <= ")
        .real(near.chord2())
        .push(")");
}

fn term_exists(sql: &mut Sql, kind: &str, values: &[String]) {
    sql.push(" AND EXISTS (SELECT 1 FROM event_terms t WHERE t.seq = e.seq AND t.kind = ").str(kind).push(" AND ");
    term_values(sql, "t.value", values);
    sql.push(")");
}

/// `column` is one of `values`, where a value ending in `*` stands for every value that begins
/// with the rest: a range of the B-tree on SQLite (which compares bytes), `starts_with` on
/// PostgreSQL (whose collation may not sort by bytes).
fn term_values(sql: &mut Sql, column: &str, values: &[String]) {
    let (prefixes, exact): (Vec<&String>, Vec<&String>) = values.iter().partition(|v| v.ends_with('*'));
    sql.push("(");
    let mut first = exact.is_empty();
    if !first {
        sql.push(column).push(" IN ").list(exact.into_iter().cloned());
    }
    for p in prefixes {
        let p = p.trim_end_matches('*');
        if !std::mem::take(&mut first) {
            sql.push(" OR ");
        }
        match sql.dialect {
            Dialect::Sqlite => {
                sql.push("(").push(column).push(" >= ").str(p).push(" AND ").push(column).push(" < ");
                sql.str(format!("{p}{}", char::MAX)).push(")")
            }
            Dialect::Postgres => sql.push("starts_with(").push(column).push(", ").str(p).push(")"),
        };
    }
    sql.push(")");
}

/// The FTS5 query of search terms: each word quoted, a prefix starred, all of them required.
fn fts_match(terms: &[(String, bool)]) -> String {
    let m: Vec<String> = terms.iter().map(|(w, p)| if *p { format!("\"{w}\"*") } else { format!("\"{w}\"") }).collect();
    m.join(" ")
}

/// The text-search condition, or `false` when `q` has no searchable words: the words in the
/// text index, or a place among `places` (the gazetteer's places that `q` names, in whatever
/// spelling the event gave them).
fn text_condition(sql: &mut Sql, q: &str, places: &[String]) -> bool {
    let terms = search_terms(q);
    if terms.is_empty() {
        return false;
    }
    sql.push(if places.is_empty() { " AND " } else { " AND (" });
    match sql.dialect {
        Dialect::Sqlite if sql.fts_each => {
            sql.push("EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH ")
                .str(fts_match(&terms))
                .push(" AND rowid = e.seq)");
        }
        Dialect::Sqlite => {
            sql.push("e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ").str(fts_match(&terms)).push(")");
        }
        Dialect::Postgres => {
            // The stored tsvector holds the folded words as lexemes, untouched by any parser
            // (see `store::postgres::write`), so the query is written as lexemes too: quoted,
            // and cast rather than parsed by `to_tsquery`.
            // Words longer than a lexeme may be are not stored, so they match nothing.
            if terms.iter().any(|(w, _)| w.len() > MAX_LEXEME_BYTES) {
                sql.push("false");
            } else {
                let lexeme = |w: &str| format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"));
                let m: Vec<String> =
                    terms.iter().map(|(w, p)| if *p { format!("{}:*", lexeme(w)) } else { lexeme(w) }).collect();
                sql.push("e.search @@ ").str(m.join(" & ")).push("::tsquery");
            }
        }
    }
    if places.is_empty() {
        return true;
    }
    if sql.dialect == Dialect::Postgres {
        // The places' events as an array computed once, which the primary key serves beside
        // the text's GIN index (a bitmap of each, OR-ed): tested event by event, `q=Aleppo`
        // walked every event (1.2–2.6 s at 1,000,000).
        sql.push(" OR e.seq = ANY (ARRAY (SELECT seq FROM event_terms WHERE kind = ").str(prepare::PLACE);
        sql.push(" AND value IN ").list(places.iter().cloned()).push(")))");
    } else {
        sql.push(" OR EXISTS (SELECT 1 FROM event_terms t WHERE t.seq = e.seq AND t.kind = ")
            .str(prepare::PLACE)
            .push(" AND t.value IN ")
            .list(places.iter().cloned())
            .push("))");
    }
    true
}

/// The longest any stored event lasts (ms), as SQL: how far before a window an event may start
/// and still last into it.
const LONGEST: &str = "(SELECT value FROM meta WHERE key = 'max_duration_ms')";

/// Appends the conditions on live events (every filter but `updated_since`).
fn live_conditions(sql: &mut Sql, f: &EventFilter) {
    if let Some(start) = f.start {
        let ms = start.timestamp_millis();
        sql.push(" AND e.t_max >= ").int(ms);
        // No event lasts longer than the longest ever stored: lower bounds on t_day and t_start
        // let the time index serve the overlap test.
        sql.push(" AND e.t_day >= (").int(ms).push(&format!(" - {LONGEST}) / 86400000 - 1"));
        sql.push(" AND e.t_start >= ").int(ms).push(&format!(" - {LONGEST}"));
    }
    if let Some(end) = f.end {
        let ms = end.timestamp_millis();
        sql.push(" AND e.t_day <= ").int(crate::domain::filter::day_of(ms));
        sql.push(" AND e.t_start <= ").int(ms);
    }
    if let Some(b) = &f.bbox {
        if !b.is_world() {
            bbox_condition(sql, b, f);
        }
    }
    if let Some(n) = &f.near {
        sql.push(" AND ");
        near_candidates(sql, n, f);
        near_exists(sql, n);
    }
    if let Some(p) = &f.place {
        sql.push(" AND (EXISTS (SELECT 1 FROM event_terms t WHERE t.seq = e.seq AND t.kind = ")
            .str(prepare::PLACE)
            .push(" AND t.value = ")
            .str(p.gazetteer_id.clone())
            .push(") OR ");
        if let Some(area) = &p.area {
            // A country or a region: every event with a place in it, as `country=` or
            // `admin1=` keeps.
            let (kind, value) = area_term(area);
            sql.push("EXISTS (SELECT 1 FROM event_terms t WHERE t.seq = e.seq AND t.kind = ")
                .str(kind)
                .push(" AND t.value = ")
                .str(value.to_string())
                .push(")");
        } else if sql.dialect == Dialect::Postgres {
            sql.push("(");
            near_candidates(sql, &p.near, f);
            near_exists(sql, &p.near);
            sql.push(")");
        } else {
            near_exists(sql, &p.near);
        }
        sql.push(")");
    }
    if !f.categories.is_empty() {
        sql.push(" AND e.category IN ").list(f.categories.iter().cloned());
    }
    if !f.statuses.is_empty() {
        sql.push(" AND e.status IN ").list(f.statuses.iter().map(|s| Status::as_str(*s).to_string()));
    }
    if let Some(n) = f.fatalities_min {
        // Read from the stored Feature: a test on the rows the other filters left, not an index.
        let fatalities = match sql.dialect {
            Dialect::Sqlite => " AND json_extract(e.feature, '$.properties.fatalities') >= ",
            Dialect::Postgres => " AND (e.feature -> 'properties' ->> 'fatalities')::bigint >= ",
        };
        sql.push(fatalities).int(i64::from(n));
    }
    if !f.countries.is_empty() {
        term_exists(sql, prepare::COUNTRY, &f.countries);
    }
    if !f.admin1.is_empty() {
        term_exists(sql, prepare::ADMIN1, &f.admin1);
    }
    if !f.tags.is_empty() {
        term_exists(sql, prepare::TAG, &f.tags);
    }
    if !f.actors.is_empty() {
        term_exists(sql, prepare::ACTOR, &f.actors);
    }
    if !f.source_domains.is_empty() {
        term_exists(sql, prepare::DOMAIN, &f.source_domains);
    }
    if let Some(q) = &f.q {
        text_condition(sql, q, &f.q_places);
    }
    if !f.geometry_types.is_empty() {
        // Tested on each candidate, never a place to start: most events are points.
        let types: Vec<String> =
            f.geometry_types.iter().flat_map(|t| t.geojson_types()).map(|t| t.to_string()).collect();
        term_exists(sql, prepare::GEOMETRY, &types);
    }
}

/// The stored term an area's events carry.
fn area_term(area: &Area) -> (&'static str, &str) {
    match area {
        Area::Country(cc) => (prepare::COUNTRY, cc),
        Area::Admin1(id) => (prepare::ADMIN1, id),
    }
}

/// Appends an R*Tree candidate query for one box and an optional time window (SQLite only):
/// the main tree's and the wide envelopes' (`events_rtree_wide`, migration 0015), joined by
/// `join`. Their ids are disjoint, so `UNION ALL` is exact when nothing comes before it in the
/// compound; after a `UNION`, pass `UNION` (SQLite applies compound operators left to right, and a
/// later `UNION ALL` would keep duplicates of what came before).
pub(super) fn rtree_select(sql: &mut Sql, b: &BBox, f: &EventFilter, join: &str) {
    for (i, tree) in ["events_rtree", "events_rtree_wide"].into_iter().enumerate() {
        if i > 0 {
            sql.push(join);
        }
        sql.push(&format!("SELECT id FROM {tree} WHERE max_x >= "))
            .real(b.min_lon)
            .push(" AND min_x <= ")
            .real(b.max_lon)
            .push(" AND max_y >= ")
            .real(b.min_lat)
            .push(" AND min_y <= ")
            .real(b.max_lat);
        if let Some(s) = f.start {
            sql.push(" AND max_t >= ").real(s.timestamp_millis() as f64 / DAY_MS);
        }
        if let Some(e) = f.end {
            sql.push(" AND min_t <= ").real(e.timestamp_millis() as f64 / DAY_MS);
        }
    }
}

/// Appends `FROM ...` choosing where SQLite starts: the R*Tree for a place in space, the text
/// index for a search, a term for a tag, actor, country or source, else the events table itself.
fn from_clause(sql: &mut Sql, f: &EventFilter) -> bool {
    if sql.dialect == Dialect::Postgres || f.include_deleted {
        sql.push(" FROM ");
        gist::source(sql, f);
        sql.push(" WHERE ");
        return false;
    }
    if sql.walk {
        // The time index holds the envelope: the box is tested on its entries.
        sql.push(" FROM events e INDEXED BY events_by_time WHERE ");
        return false;
    }
    if sql.fts_each && plan::walkable_text(f) {
        // A common word: the time index walked, each event tested against the text index.
        sql.push(" FROM events e INDEXED BY events_by_time WHERE ");
        return false;
    }
    let spatial: Option<Vec<BBox>> = match (&f.bbox, &f.near, &f.place) {
        (Some(b), _, _) if !b.is_world() => Some(b.split()),
        (_, Some(n), _) => Some(n.bbox().split()),
        _ => None,
    };
    let candidates = |sql: &mut Sql| {
        if let Some(boxes) = &spatial {
            for (i, b) in boxes.iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ");
                }
                rtree_select(sql, b, f, if i == 0 { " UNION ALL " } else { " UNION " });
            }
            return true;
        }
        if let Some(p) = &f.place {
            match &p.area {
                Some(area) => {
                    // Named as the R*Tree's column is, which names the union's.
                    let (kind, value) = area_term(area);
                    sql.push("SELECT seq AS id FROM event_terms WHERE kind = ")
                        .str(kind)
                        .push(" AND value = ")
                        .str(value.to_string())
                        .push(" UNION ");
                }
                None => {
                    for (i, b) in p.near.bbox().split().iter().enumerate() {
                        rtree_select(sql, b, f, if i == 0 { " UNION ALL " } else { " UNION " });
                        sql.push(" UNION ");
                    }
                }
            }
            sql.push("SELECT seq FROM event_terms WHERE kind = ")
                .str(prepare::PLACE)
                .push(" AND value = ")
                .str(p.gazetteer_id.clone());
            return true;
        }
        // A division is a place in space like a box of a degree or two: its events are few
        // beside those of a year, so it is where to start even with a time window (at
        // 1,000,000 events, admin1= with a year took 1.36 s walking the time index, the same
        // set as place=<region> 58 ms starting from the term: `cargo bench --bench eventmap`).
        if !f.admin1.is_empty() {
            sql.push("SELECT DISTINCT seq AS id FROM event_terms WHERE kind = ").str(prepare::ADMIN1).push(" AND ");
            term_values(sql, "value", &f.admin1);
            return true;
        }
        if f.start.is_some() || f.end.is_some() {
            // The time index serves time windows better than any other term.
            return false;
        }
        // Text search is not a good place to start: a common word matches most events, which
        // would all be fetched and sorted. Walking the time index and testing membership in the
        // (materialised) set of matches stops as soon as a page is full.
        for (kind, values) in [
            (prepare::TAG, &f.tags),
            (prepare::ACTOR, &f.actors),
            (prepare::DOMAIN, &f.source_domains),
            (prepare::COUNTRY, &f.countries),
        ] {
            if !values.is_empty() {
                sql.push("SELECT DISTINCT seq AS id FROM event_terms WHERE kind = ").str(kind).push(" AND ");
                term_values(sql, "value", values);
                return true;
            }
        }
        // A text that names places: its matches and the events at those places. Tested event
        // by event, each looked its places up (`q=Aleppo`, 840 matches: 2 s at 1,000,000).
        let terms = f.q.as_deref().map(search_terms).unwrap_or_default();
        if !terms.is_empty() && !f.q_places.is_empty() {
            sql.push("SELECT rowid AS id FROM events_fts WHERE events_fts MATCH ").str(fts_match(&terms));
            sql.push(" UNION SELECT seq FROM event_terms WHERE kind = ").str(prepare::PLACE).push(" AND value IN ");
            sql.list(f.q_places.iter().cloned());
            return true;
        }
        false
    };
    let mark = sql.text.len();
    let nbinds = sql.binds.len();
    sql.push(" FROM (");
    if candidates(sql) {
        sql.push(") r CROSS JOIN events e WHERE e.seq = r.id AND ");
        true
    } else {
        sql.text.truncate(mark);
        sql.binds.truncate(nbinds);
        sql.push(" FROM events e WHERE ");
        false
    }
}

/// Appends `e` changed after `t`: its change number is above that of the last write at or
/// before `t` (change numbers and times rise together, write by write).
fn updated_since(sql: &mut Sql, t: chrono::DateTime<chrono::Utc>) {
    sql.push(" AND e.change_seq > (SELECT coalesce(max(last_seq), 0) FROM change_log WHERE at <= ")
        .int(t.timestamp_millis())
        .push(")");
}

/// Appends the whole `WHERE` of a filter (after [`from_clause`]).
fn where_clause(sql: &mut Sql, f: &EventFilter) {
    if f.include_deleted {
        sql.push("((e.deleted = 0");
        live_conditions(sql, f);
        if let Some(t) = f.updated_since {
            updated_since(sql, t);
        }
        sql.push(") OR (e.deleted = 1");
        if let Some(t) = f.updated_since {
            updated_since(sql, t);
        }
        sql.push("))");
    } else {
        sql.push("e.deleted = 0");
        live_conditions(sql, f);
        if let Some(t) = f.updated_since {
            updated_since(sql, t);
        }
    }
}

/// The list query: Feature JSON, sort key, sequence number, explicit-geometry flag and, when
/// it comes for free, the number of matches, for at most `page.limit + 1` rows.
///
/// The page is chosen first on `(sort key, seq)` alone and the Feature JSON fetched for the
/// chosen rows only, so a sort over many candidates never copies their JSON. When every match is
/// visited anyway (candidates from an index, to be sorted; or PostgreSQL), `count(*) OVER ()`
/// counts them in the same pass; otherwise the caller counts separately if it needs to.
pub fn list(dialect: Dialect, f: &EventFilter, page: &PageRequest) -> Sql {
    list_planned(dialect, f, page, plan::Plan::Index, Gist::Whole)
}

/// [`list`] by the given plan: [`plan::Plan::Walk`] walks the time index for a box,
/// [`plan::Plan::TextWalk`] for a common word; `gist` says where PostgreSQL finds a box's candidates.
pub fn list_planned(dialect: Dialect, f: &EventFilter, page: &PageRequest, how: plan::Plan, gist: Gist) -> Sql {
    let f = &*plan::narrowed(f, how);
    let mut sql = Sql::new(dialect);
    sql.walk = how == plan::Plan::Walk;
    sql.split = dialect == Dialect::Postgres && !sql.walk && plan::walkable(f, page) && gist.splits(f);
    sql.fts_each = how == plan::Plan::TextWalk && dialect == Dialect::Sqlite;
    let key = match page.sort {
        Sort::StartAsc | Sort::StartDesc => "e.t_start",
        Sort::UpdatedAsc | Sort::UpdatedDesc => "e.change_seq",
    };
    let feature = if dialect == Dialect::Postgres { "x.feature::text" } else { "x.feature" };
    sql.push(&format!("SELECT {feature}, p.k, p.seq, x.geometry_explicit, p.n FROM (SELECT {key} AS k, e.seq AS seq"));
    let mark = sql.text.len();
    sql.push(", NULL AS n");
    // PostgreSQL counts in the same pass when candidates come from the space-time index (few,
    // all visited anyway); otherwise it would have to visit every match where an ordered walk
    // of the time index stops at a page.
    let driven = from_clause(&mut sql, f) || (dialect == Dialect::Postgres && is_spatial(f) && !sql.walk);
    if page.cursor.is_none() && driven && !matches!(how, plan::Plan::Slice { .. }) {
        sql.text.replace_range(mark..mark + ", NULL AS n".len(), ", count(*) OVER () AS n");
    }
    where_clause(&mut sql, f);
    if let plan::Plan::Slice { from, to } = how {
        sql.push(" AND e.t_start >= ").int(from).push(" AND e.t_start < ").int(to);
    }
    let (cmp, dir) = if page.sort.descending() { ("<", "DESC") } else { (">", "ASC") };
    if let Some(c) = &page.cursor {
        match page.sort {
            // The same condition as a row comparison, which PostgreSQL's B-tree on
            // (t_start, seq) answers as a range: a deep page starts where the last one ended.
            Sort::StartAsc | Sort::StartDesc if dialect == Dialect::Postgres => {
                sql.push(&format!(" AND ({key}, e.seq) {cmp} (")).int(c.key).push(", ").int(c.seq).push(")");
            }
            Sort::StartAsc | Sort::StartDesc => {
                sql.push(&format!(" AND ({key} {cmp} "))
                    .int(c.key)
                    .push(&format!(" OR ({key} = "))
                    .int(c.key)
                    .push(&format!(" AND e.seq {cmp} "))
                    .int(c.seq)
                    .push("))");
            }
            Sort::UpdatedAsc | Sort::UpdatedDesc => {
                sql.push(&format!(" AND {key} {cmp} ")).int(c.key);
            }
        }
    }
    let order = match page.sort {
        // The same order as (t_start, seq), written so that SQLite sees it in the time index.
        Sort::StartAsc | Sort::StartDesc if dialect == Dialect::Sqlite => {
            format!(" ORDER BY e.t_day {dir}, {key} {dir}, e.seq {dir}")
        }
        Sort::StartAsc | Sort::StartDesc => format!(" ORDER BY {key} {dir}, e.seq {dir}"),
        Sort::UpdatedAsc | Sort::UpdatedDesc => format!(" ORDER BY {key} {dir}"),
    };
    sql.push(&order);
    sql.push(" LIMIT ").int(i64::from(page.limit) + 1);
    sql.push(&format!(") p JOIN events x ON x.seq = p.seq ORDER BY p.k {dir}, p.seq {dir}"));
    sql
}

/// Counts the matches of a filter.
pub fn count(dialect: Dialect, f: &EventFilter) -> Sql {
    let mut sql = Sql::new(dialect);
    if is_everything(f) {
        let cast = if dialect == Dialect::Postgres { "::bigint" } else { "" };
        sql.push(&format!("SELECT coalesce(sum(n), 0){cast} FROM event_days"));
        return sql;
    }
    if let Some(days) = days::whole_days(f).filter(|_| counted_by_table(f)) {
        return days::count_window(dialect, f, days);
    }
    sql.push("SELECT count(*)");
    from_clause(&mut sql, f);
    where_clause(&mut sql, f);
    sql
}

/// Counts by day (days since epoch), or by hour (ms at the start of the hour) for [`Bucket::Hour`].
pub fn histogram(dialect: Dialect, f: &EventFilter, bucket: Bucket) -> Sql {
    histogram_of(dialect, f, bucket, false)
}

/// [`histogram`] by bucket and category: rows of (bucket, category, count).
pub fn histogram_by_category(dialect: Dialect, f: &EventFilter, bucket: Bucket) -> Sql {
    histogram_of(dialect, f, bucket, true)
}

fn histogram_of(dialect: Dialect, f: &EventFilter, bucket: Bucket, by_category: bool) -> Sql {
    let mut sql = Sql::new(dialect);
    let f = EventFilter { include_deleted: false, ..f.clone() };
    if bucket != Bucket::Hour && is_everything(&f) && !by_category {
        sql.push("SELECT t_day AS b, n FROM event_days WHERE n > 0 ORDER BY b");
        return sql;
    }
    let expr = match bucket {
        Bucket::Hour => "(e.t_start - ((e.t_start % 3600000) + 3600000) % 3600000)",
        _ => "e.t_day",
    };
    let (group, by) = if by_category { (", e.category", ", e.category") } else { ("", "") };
    sql.push(&format!("SELECT {expr} AS b{group}, count(*)"));
    from_clause(&mut sql, &f);
    where_clause(&mut sql, &f);
    sql.push(&format!(" GROUP BY b{by} ORDER BY b{by}"));
    sql
}

/// Counts the matches of a filter up to `bound + 1` (more than `bound` says "more").
pub fn count_upto(dialect: Dialect, f: &EventFilter, bound: u64) -> Sql {
    let mut sql = Sql::new(dialect);
    sql.push("SELECT count(*) FROM (SELECT 1");
    from_clause(&mut sql, f);
    where_clause(&mut sql, f);
    sql.push(" LIMIT ").int(bound as i64 + 1).push(") c");
    sql
}

mod days;
mod gist;
pub mod inside;
pub mod plan;
pub mod slices;
pub mod text_estimate;
pub mod tile_counts;
pub mod tiles;

#[cfg(test)]
mod tests;
