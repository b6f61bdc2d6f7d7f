//! Moving a whole database from SQLite to PostgreSQL (`eventmap copy`), row for row: the stored
//! rows as plain values, including what no ordinary write may set (ids, change numbers, times,
//! revisions, token hashes), and the counts that verify a copy.
//!
//! The source reads everything in one read transaction (a consistent snapshot, even while a
//! server writes); the target writes everything in one write transaction, so a failed copy
//! leaves the target as it was.

use crate::domain::team_place::CustomPlace;

use crate::auth::TokenInfo;

/// One stored event, tombstones included.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: i64,
    pub id: uuid::Uuid,
    pub t_start: i64,
    pub t_max: i64,
    pub t_day: i64,
    pub category: String,
    pub status: String,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub envelope: [Option<f64>; 4],
    pub created_at: i64,
    pub updated_at: i64,
    pub change_seq: i64,
    pub revision: u32,
    pub deleted: bool,
    pub geometry_explicit: bool,
    pub feature: String,
}

/// One stored source (one per URL).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    pub id: uuid::Uuid,
    pub url: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub published_at: Option<i64>,
    pub language: Option<String>,
    pub archived_url: Option<String>,
    pub created_at: i64,
}

/// One citation of a source by an event.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    pub seq: i64,
    pub source_id: uuid::Uuid,
    pub position: i32,
    pub excerpt: Option<String>,
}

/// One revision record, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRow {
    pub event_id: uuid::Uuid,
    pub revision: u32,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
    pub changes: String,
}

/// One write transaction of the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeRow {
    pub at: i64,
    pub last_seq: i64,
}

/// A team's place with who added it and when.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceRow {
    pub place: CustomPlace,
    pub created_at: i64,
    pub created_by: String,
}

/// One stored capture, with its place in the queue (leases are not carried).
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureRow {
    pub capture: crate::domain::capture::Capture,
    pub next_at: i64,
}

/// The kept bytes of captures, once per SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct BlobRow {
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Blobs sent in one chunk at most: each may be as large as the capture size limit (20 MB by
/// default), so a chunk of them is kept small whatever the row chunk size.
pub const BLOBS_PER_CHUNK: usize = 4;

/// The tables of following changes (saved searches, webhooks, their deliveries and attempts),
/// which a copy moves whole, in the order their references need: the name, the columns (`json:`
/// before one whose text is JSON), and the order the rows are read in. The same names on both
/// backends: SQLite gives each row as a JSON object, PostgreSQL reads them back with
/// `json_populate_recordset`, which casts every value to its column's type.
pub const FOLLOW_TABLES: [(&str, &[&str], &str); 4] = [
    ("searches", &["id", "name", "json:filters", "created_by", "created_at", "updated_at"], "created_at, id"),
    (
        "webhooks",
        &[
            "id",
            "url",
            "search_id",
            "json:filters",
            "secret",
            "events",
            "created_by",
            "created_at",
            "cursor",
            "deleted_at",
            "last_error",
            "failing_since",
        ],
        "created_at, id",
    ),
    (
        "deliveries",
        &[
            "id",
            "webhook_id",
            "event_id",
            "kind",
            "change",
            "body",
            "state",
            "attempts",
            "next_at",
            "lease_until",
            "leased_by",
            "created_at",
            "delivered_at",
        ],
        "created_at, id",
    ),
    ("delivery_attempts", &["delivery_id", "number", "at", "status", "error", "duration_ms"], "delivery_id, number"),
];

/// The SQLite query that reads a table of [`FOLLOW_TABLES`] as one JSON object per row.
pub fn sqlite_json_rows(table: &str, columns: &[&str], order: &str) -> String {
    let pairs: Vec<String> = columns
        .iter()
        .map(|c| match c.strip_prefix("json:") {
            Some(j) => format!("'{j}', json({j})"),
            None => format!("'{c}', {c}"),
        })
        .collect();
    format!("SELECT json_object({}) FROM {table} ORDER BY {order}", pairs.join(", "))
}

/// A batch of rows of one table, in the order a copy must write them: counts first, then
/// meta, tokens, places, sources, events, links, revisions, the change log, the capture bytes
/// and the captures.
#[derive(Debug, Clone)]
pub enum Chunk {
    /// What the snapshot holds, sent first.
    Start(Counts),
    Meta(Vec<(String, i64)>),
    Tokens(Vec<TokenInfo>),
    Places(Vec<PlaceRow>),
    Sources(Vec<SourceRow>),
    Events(Vec<EventRow>),
    Links(Vec<LinkRow>),
    Revisions(Vec<RevisionRow>),
    Changes(Vec<ChangeRow>),
    Blobs(Vec<BlobRow>),
    Captures(Vec<CaptureRow>),
    /// Rows of a table of [`FOLLOW_TABLES`], each a JSON object.
    Follow(&'static str, Vec<String>),
}

impl Chunk {
    /// The number of rows it carries.
    pub fn len(&self) -> usize {
        match self {
            Self::Start(_) => 0,
            Self::Meta(v) => v.len(),
            Self::Tokens(v) => v.len(),
            Self::Places(v) => v.len(),
            Self::Sources(v) => v.len(),
            Self::Events(v) => v.len(),
            Self::Links(v) => v.len(),
            Self::Revisions(v) => v.len(),
            Self::Changes(v) => v.len(),
            Self::Blobs(v) => v.len(),
            Self::Captures(v) => v.len(),
            Self::Follow(_, v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Rows in each table of a database (the same query on both backends).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub events: u64,
    pub live: u64,
    pub sources: u64,
    pub links: u64,
    pub revisions: u64,
    pub changes: u64,
    pub tokens: u64,
    pub places: u64,
    pub captures: u64,
    /// Kept capture bytes, one per SHA-256.
    pub blobs: u64,
    pub searches: u64,
    pub webhooks: u64,
    pub deliveries: u64,
    pub attempts: u64,
    /// Derived rows: filter terms and radius points of live events.
    pub terms: u64,
    pub points: u64,
}

/// The query that counts, written once for both backends.
pub const COUNTS_SQL: &str = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM events WHERE deleted = 0), \
     (SELECT count(*) FROM sources), (SELECT count(*) FROM event_sources), (SELECT count(*) FROM revisions), \
     (SELECT count(*) FROM change_log), (SELECT count(*) FROM tokens), (SELECT count(*) FROM places), \
     (SELECT count(*) FROM event_terms), (SELECT count(*) FROM event_points), \
     (SELECT count(*) FROM captures), (SELECT count(*) FROM capture_blobs), (SELECT count(*) FROM searches), \
     (SELECT count(*) FROM webhooks), (SELECT count(*) FROM deliveries), (SELECT count(*) FROM delivery_attempts)";

/// The number of columns of [`COUNTS_SQL`].
pub const COUNTS_COLUMNS: usize = 16;

impl Counts {
    /// Builds counts from the numbers of [`COUNTS_SQL`], in order.
    pub fn from_row(n: [i64; COUNTS_COLUMNS]) -> Self {
        let u = |i: usize| n[i].max(0) as u64;
        Self {
            events: u(0),
            live: u(1),
            sources: u(2),
            links: u(3),
            revisions: u(4),
            changes: u(5),
            tokens: u(6),
            places: u(7),
            terms: u(8),
            points: u(9),
            captures: u(10),
            blobs: u(11),
            searches: u(12),
            webhooks: u(13),
            deliveries: u(14),
            attempts: u(15),
        }
    }

    /// Rows a copy moves (derived rows are rebuilt, not moved).
    pub fn rows(&self) -> u64 {
        self.events
            + self.sources
            + self.links
            + self.revisions
            + self.changes
            + self.tokens
            + self.places
            + self.captures
            + self.blobs
            + self.searches
            + self.webhooks
            + self.deliveries
            + self.attempts
    }

    /// Whether nothing that a copy would bring is there yet.
    pub fn is_empty(&self) -> bool {
        self.rows() == 0
    }

    fn named(&self) -> [(&'static str, u64); COUNTS_COLUMNS] {
        [
            ("events", self.events),
            ("live events", self.live),
            ("sources", self.sources),
            ("source links", self.links),
            ("revisions", self.revisions),
            ("change log entries", self.changes),
            ("tokens", self.tokens),
            ("places", self.places),
            ("filter terms", self.terms),
            ("radius points", self.points),
            ("captures", self.captures),
            ("kept capture bytes", self.blobs),
            ("saved searches", self.searches),
            ("webhooks", self.webhooks),
            ("webhook deliveries", self.deliveries),
            ("delivery attempts", self.attempts),
        ]
    }

    /// What differs from `other`, as `"revisions: 10 here, 9 there"` lines.
    pub fn differences(&self, other: &Counts) -> Vec<String> {
        self.named()
            .iter()
            .zip(other.named())
            .filter(|(a, b)| a.1 != b.1)
            .map(|(a, b)| format!("{}: {} in the source, {} in the copy", a.0, a.1, b.1))
            .collect()
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} events ({} live), {} sources, {} source links, {} revisions, {} change log entries, {} tokens, {} places, {} captures ({} kept bodies), \
             {} saved searches, {} webhooks, {} webhook deliveries, {} delivery attempts",
            self.events,
            self.live,
            self.sources,
            self.links,
            self.revisions,
            self.changes,
            self.tokens,
            self.places,
            self.captures,
            self.blobs,
            self.searches,
            self.webhooks,
            self.deliveries,
            self.attempts
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_table_that_does_not_match() {
        let a = Counts::from_row([3, 2, 1, 1, 5, 4, 1, 0, 6, 2, 0, 0, 1, 1, 0, 0]);
        let mut b = a;
        assert!(a.differences(&b).is_empty());
        b.revisions = 4;
        assert_eq!(a.differences(&b), vec!["revisions: 5 in the source, 4 in the copy".to_string()]);
        assert_eq!(a.rows(), 3 + 1 + 1 + 5 + 4 + 1 + 1 + 1);
    }
}
