//! Reports in, events out: a report is geoparsed into a draft event, the draft is matched against
//! the events already stored, and then (when the caller asks to store) it is attached to the one it
//! describes as another source, corroborating it once two publishers report it, or stored as a
//! new `reported` event. Shared by `POST /api/reports` and `eventmap ingest`.

pub mod matching;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::filter::PageRequest;
use crate::domain::{
    BBox, Event, EventFilter, EventInput, LocationPrecision, PlaceInput, Sort, Source, SourceInput, Status, TimeRange,
    ValidationErrors, Vocabulary,
};
use crate::gazetteer::{Gazetteer, Kind};
use crate::geoparse::report::{Draft, Report};
use crate::geoparse::{Mention, Options};
use crate::store::{Actor, Lookup, Store, StoreError};

pub use matching::Match;

/// The longest report text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200_000;
/// Candidates are looked for this far (degrees) around the draft's places.
const SEARCH_MARGIN_DEG: f64 = 0.3;
/// And this many days around its time.
const SEARCH_DAYS: i64 = 3;

/// A report, as `POST /api/reports` and `eventmap ingest` take it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// Where the report was published (http or https); one source per URL.
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub publisher: Option<String>,
    /// RFC 3339 or a date; "yesterday" in the text counts from it.
    #[serde(default)]
    pub published_at: Option<String>,
    /// The text of the report.
    pub text: String,
    /// BCP 47 language of the text (en, ru, tr, az, ar), when known.
    #[serde(default)]
    pub language: Option<String>,
    /// ISO alpha-2 of the country the report is most likely about.
    #[serde(default)]
    pub country_hint: Option<String>,
    /// Store the outcome: attach the report to the event it matches, or create the drafted event.
    #[serde(default)]
    pub create: bool,
}

/// What happened to a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing stored: a proposal (the request did not ask to store).
    Draft,
    /// Nothing stored, but a stored event describes the same thing; storing would attach to it.
    Matches,
    /// Stored as a new event with status `reported`.
    Created,
    /// Added to a stored event as another source.
    Attached,
    /// The stored event already cites this report; nothing changed.
    AlreadyAttached,
}

/// One draft and its fate.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DraftOutcome {
    pub action: Action,
    /// In words, for the person who posted the report.
    pub why: String,
    /// The event this draft was stored as or attached to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub event_id: Option<Uuid>,
    /// That event's status after this report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The stored event the draft matches, with the reasons.
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    pub matched: Option<Match>,
    /// What was read from the report: places with roles and cues, time and its basis.
    pub draft: Draft,
    /// The draft as the plain form of `POST /api/events`, ready to edit and send.
    pub event: EventInput,
}

/// The answer to a report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// The report as a source (its `excerpt` is the passage the first draft rests on).
    pub source: Source,
    /// Every place the text mentions.
    pub mentions: Vec<Mention>,
    /// The events the report describes (none when it names no place the gazetteer knows).
    pub drafts: Vec<DraftOutcome>,
}

impl Outcome {
    /// The ids of the report's source as stored with the events it was attached to or created
    /// (one source per URL: the id may be an earlier citation's), for queueing its capture.
    pub async fn stored_sources(&self, store: &dyn Store) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = Vec::new();
        for d in &self.drafts {
            if !matches!(d.action, Action::Created | Action::Attached) {
                continue;
            }
            let Some(id) = d.event_id else { continue };
            if let Lookup::Live(ev) = store.get(id).await? {
                ids.extend(ev.data.sources.iter().filter(|s| s.url == self.source.url).map(|s| s.id));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

/// Why a report could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks that a country hint is an ISO 3166-1 alpha-2 code.
pub fn check_country_hint(hint: Option<&str>, e: &mut ValidationErrors) {
    if let Some(c) = hint {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            e.add("country_hint", format!("`{c}` is not an ISO 3166-1 alpha-2 code such as SY"));
        }
    }
}

/// Checks a report; returns it as a source (without excerpt).
pub fn validate(req: &ReportRequest) -> Result<Source, ValidationErrors> {
    let mut e = ValidationErrors::new();
    if req.text.trim().is_empty() {
        e.add("text", "is empty; send the text of the report");
    } else if req.text.chars().count() > MAX_TEXT_CHARS {
        e.add("text", format!("is longer than {MAX_TEXT_CHARS} characters"));
    }
    check_country_hint(req.country_hint.as_deref(), &mut e);
    let input = SourceInput {
        url: req.url.clone(),
        title: req.title.clone(),
        publisher: req.publisher.clone(),
        published_at: req.published_at.clone(),
        language: req.language.clone(),
        ..Default::default()
    };
    match input.validate(Uuid::now_v7()) {
        Ok(s) => e.into_result(s),
        Err(se) => {
            e.errors.extend(se.errors);
            Err(e)
        }
    }
}

fn precision_of(kind: Kind) -> LocationPrecision {
    match kind {
        Kind::Site => LocationPrecision::Near,
        Kind::Settlement => LocationPrecision::Settlement,
        Kind::District => LocationPrecision::District,
        Kind::Region => LocationPrecision::Region,
        _ => LocationPrecision::Country,
    }
}

/// The draft as the plain form of `POST /api/events`.
fn to_input(d: &Draft, source: &Source, vocab: &Vocabulary) -> EventInput {
    let category = vocab.resolve(&d.category).unwrap_or_else(|| vocab.fallback()).to_string();
    EventInput {
        title: Some(d.title.clone()),
        category: Some(category),
        start: Some(d.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        time_precision: Some(d.time_precision),
        places: Some(
            d.places
                .iter()
                .map(|p| PlaceInput {
                    role: Some(p.role),
                    name: Some(p.name.clone()),
                    gazetteer_id: Some(p.gazetteer_id.clone()),
                    country: p.country.clone(),
                    lon: Some(p.lon),
                    lat: Some(p.lat),
                    precision: Some(precision_of(p.kind)),
                    ..Default::default()
                })
                .collect(),
        ),
        sources: Some(vec![SourceInput {
            url: source.url.clone(),
            title: source.title.clone(),
            publisher: source.publisher.clone(),
            published_at: source.published_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            language: source.language.clone(),
            excerpt: Some(d.excerpt.clone()),
            ..Default::default()
        }]),
        status: Some(Status::Reported),
        ..Default::default()
    }
}

/// Who published a source: its publisher, else its host without `www.`.
fn publisher_key(s: &Source) -> String {
    match s.publisher.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => crate::fold::fold(p),
        None => url::Url::parse(&s.url)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_string()))
            .unwrap_or_else(|| s.url.clone()),
    }
}

/// The number of different publishers among sources.
pub fn publishers(sources: &[Source]) -> usize {
    let mut keys: Vec<String> = sources.iter().map(publisher_key).collect();
    keys.sort();
    keys.dedup();
    keys.len()
}

/// Stored events near the draft's places and time.
async fn candidates(store: &dyn Store, d: &Draft) -> Result<Vec<Event>, StoreError> {
    let TimeRange { start: s, end: e } = matching::draft_range(d);
    let mut bbox = BBox { min_lon: 180.0, min_lat: 90.0, max_lon: -180.0, max_lat: -90.0 };
    for p in &d.places {
        bbox.min_lon = bbox.min_lon.min(p.lon - SEARCH_MARGIN_DEG).max(-180.0);
        bbox.min_lat = bbox.min_lat.min(p.lat - SEARCH_MARGIN_DEG).max(-90.0);
        bbox.max_lon = bbox.max_lon.max(p.lon + SEARCH_MARGIN_DEG).min(180.0);
        bbox.max_lat = bbox.max_lat.max(p.lat + SEARCH_MARGIN_DEG).min(90.0);
    }
    let filter = EventFilter {
        start: Some(s - Duration::days(SEARCH_DAYS)),
        end: Some(e + Duration::days(SEARCH_DAYS)),
        bbox: Some(bbox),
        ..Default::default()
    };
    let page = PageRequest { limit: 200, sort: Sort::StartAsc, cursor: None };
    let rows: Vec<_> = store.list(&filter, &page).try_collect().await?;
    rows.iter()
        .map(|r| {
            Event::from_feature_json(&r.feature, r.geometry_explicit)
                .map_err(|e| StoreError::Internal(format!("a stored event does not read back: {e}")))
        })
        .collect()
}

/// Adds the report to a stored event as a source; corroborates it at two publishers.
async fn attach(
    store: &dyn Store,
    event_id: Uuid,
    source: &Source,
    actor: &Actor,
) -> Result<(Action, Event, String), IngestError> {
    for _ in 0..3 {
        let current = match store.get(event_id).await? {
            Lookup::Live(ev) => *ev,
            Lookup::Deleted(_) | Lookup::Missing => return Err(StoreError::NotFound(event_id).into()),
        };
        if current.data.sources.iter().any(|s| s.url == source.url) {
            let n = publishers(&current.data.sources);
            return Ok((
                Action::AlreadyAttached,
                current,
                format!("the event already cites this report ({n} publishers)"),
            ));
        }
        let mut data = current.data.clone();
        data.sources.push(source.clone());
        let n = publishers(&data.sources);
        let mut why = format!("attached as source {} of the event; {n} different publishers", data.sources.len());
        if n >= 2 && data.status == Status::Reported {
            data.status = Status::Corroborated;
            why.push_str(": now corroborated");
        }
        let reason = format!("report attached: {}", source.url);
        match store.update(event_id, Some(current.revision), data, actor, Some(&reason)).await {
            Ok(ev) => return Ok((Action::Attached, ev, why)),
            Err(StoreError::RevisionMismatch { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict("the event kept changing while the report was attached; try again".into()).into())
}

/// Takes a report: drafts its event, matches it, and stores the outcome when `req.create` is set.
pub async fn ingest(
    store: &dyn Store,
    g: &Arc<Gazetteer>,
    vocab: &Vocabulary,
    req: &ReportRequest,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Outcome, IngestError> {
    let mut source = validate(req)?;
    // Geoparsing a long report is milliseconds of CPU: off the async threads.
    let (g, r, published_at, language) = (g.clone(), req.clone(), source.published_at, source.language.clone());
    let (mentions, drafts) = tokio::task::spawn_blocking(move || {
        let opts = Options { country_hint: r.country_hint.as_ref().map(|c| c.to_ascii_uppercase()), language };
        let report = Report {
            title: r.title.as_deref(),
            text: &r.text,
            published_at,
            language: opts.language.as_deref(),
            country_hint: opts.country_hint.as_deref(),
        };
        let mentions = crate::geoparse::geoparse(&g, &r.text, &opts);
        let drafts = crate::geoparse::roundup::drafts(&g, &report, &mentions, now);
        (mentions, drafts)
    })
    .await
    .map_err(|e| StoreError::Internal(format!("geoparsing the report failed: {e}")))?;
    let Some(first) = drafts.first() else {
        return Ok(Outcome { source, mentions, drafts: Vec::new() });
    };
    source.excerpt = Some(first.excerpt.clone());
    let mut outcomes = Vec::with_capacity(drafts.len());
    for draft in drafts {
        // Each event cites the report with the passage that tells it.
        let cited = Source { excerpt: Some(draft.excerpt.clone()), ..source.clone() };
        outcomes.push(one_draft(store, vocab, req.create, draft, &cited, actor).await?);
    }
    Ok(Outcome { source, mentions, drafts: outcomes })
}

/// Matches one draft against the stored events and, when asked to, stores it or attaches the
/// report to the event it matches.
async fn one_draft(
    store: &dyn Store,
    vocab: &Vocabulary,
    create: bool,
    draft: Draft,
    source: &Source,
    actor: &Actor,
) -> Result<DraftOutcome, IngestError> {
    let input = to_input(&draft, source, vocab);
    let draft_text = format!("{} {}", draft.title, draft.excerpt);
    let found = candidates(store, &draft).await?;
    let matched = matching::best(&draft, &draft_text, &found);
    Ok(match (&matched, create) {
        (Some(m), true) => {
            let (action, ev, why) = attach(store, m.event_id, source, actor).await?;
            DraftOutcome {
                action,
                why,
                event_id: Some(ev.id),
                status: Some(ev.data.status),
                matched,
                draft,
                event: input,
            }
        }
        (Some(m), false) => {
            let why = format!("describes the stored event “{}”; with \"create\": true it is attached there", m.title);
            DraftOutcome { action: Action::Matches, why, event_id: None, status: None, matched, draft, event: input }
        }
        (None, true) => {
            let data = input.validate(vocab)?;
            let ev = store.create(Uuid::now_v7(), data, actor).await?;
            let why = format!("no stored event matches (of {} nearby); stored as a new reported event", found.len());
            DraftOutcome {
                action: Action::Created,
                why,
                event_id: Some(ev.id),
                status: Some(ev.data.status),
                matched: None,
                draft,
                event: input,
            }
        }
        (None, false) => {
            let why = format!(
                "no stored event matches (of {} nearby); a proposal: send it with \"create\": true to store it",
                found.len()
            );
            DraftOutcome {
                action: Action::Draft,
                why,
                event_id: None,
                status: None,
                matched: None,
                draft,
                event: input,
            }
        }
    })
}
