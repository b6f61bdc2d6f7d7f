//! One-time repairs of stored data that need the gazetteer, so that no SQL migration can make
//! them: overstated place precision, and places without their first-level division. Each runs
//! once per database (the store records it), writes every change as a revision that says why,
//! and leaves alone an event edited while it runs or written since it began (this version wrote
//! it by today's rules: a repair that revised it raced the write).

use chrono::{DateTime, Utc};
use futures::StreamExt;

use crate::domain::{EventFilter, LocationPrecision, Sort};
use crate::gazetteer::Gazetteer;
use crate::gazetteer::resolve::{division_of, link};
use crate::store::{Actor, DynStore, StoreError, all_rows};

/// The repair of places confirmed from the gazetteer that were stored as `exact`.
pub const GAZETTEER_PRECISION: &str = "gazetteer-precision";

/// Why [`gazetteer_precision`] changed an event, as its revision says.
pub const GAZETTEER_PRECISION_REASON: &str = "place precision corrected: its coordinates are those of its gazetteer \
     entry, so it is known as well as that entry's kind (a town, a region), not to the metre";

/// Two coordinates closer than this (in degrees, about 10 m) are the same point: the gazetteer
/// keeps its coordinates to five decimals.
const SAME_POINT_DEG: f64 = 1e-4;

/// Places that reference a gazetteer entry, lie on that entry's coordinates and say `exact` were
/// stored so by a version that did not take the entry's precision (a town is not known to the
/// metre): each gets the precision of its entry's kind, in one new revision per event. Returns
/// how many events were corrected; 0 once the repair has run in this database. Only events last
/// written before `written_before` (the server's start) are looked at.
pub async fn gazetteer_precision(
    store: &DynStore,
    g: &Gazetteer,
    written_before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    run_once(store, GAZETTEER_PRECISION, GAZETTEER_PRECISION_REASON, written_before, |data| {
        let mut changed = false;
        for p in &mut data.places {
            if p.precision != LocationPrecision::Exact {
                continue;
            }
            let Some((entry, _)) = p.gazetteer_id.as_deref().and_then(|id| g.get(id)) else { continue };
            if (entry.lon - p.lon).abs() < SAME_POINT_DEG && (entry.lat - p.lat).abs() < SAME_POINT_DEG {
                p.precision = entry.kind.precision();
                changed = p.precision != LocationPrecision::Exact || changed;
            }
        }
        changed
    })
    .await
}

/// Runs the repair `name` once per database: `fix` changes an event's data and says whether it
/// did; each changed event last written before `written_before` gets one revision with
/// `reason`, unless it was edited or deleted since it was read (its editor's version stands).
/// Returns how many events changed.
async fn run_once(
    store: &DynStore,
    name: &str,
    reason: &str,
    written_before: DateTime<Utc>,
    mut fix: impl FnMut(&mut crate::domain::event::EventData) -> bool,
) -> Result<u64, StoreError> {
    if store.repaired(name).await? {
        return Ok(0);
    }
    let actor = Actor::new("eventmap");
    let mut changed_events = 0;
    let mut rows = all_rows(store.clone(), EventFilter::default(), Sort::StartAsc, 1000);
    while let Some(row) = rows.next().await {
        let Some(event) = row?.event().filter(|e| e.updated_at < written_before) else { continue };
        let mut data = event.data.clone();
        if !fix(&mut data) {
            continue;
        }
        match store.update(event.id, Some(event.revision), data, &actor, Some(reason)).await {
            Ok(_) => changed_events += 1,
            Err(StoreError::RevisionMismatch { .. } | StoreError::Gone(_) | StoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    store.mark_repaired(name).await?;
    Ok(changed_events)
}

/// The repair that links places to the gazetteer entries they name and gives them the
/// first-level division they lie in.
pub const DIVISIONS: &str = "admin1";

/// Why [`divisions`] changed an event, as its revision says.
pub const DIVISIONS_REASON: &str = "places linked to the gazetteer entries their names and coordinates \
     match, and given the first-level division they lie in, so that admin1=, place=<region> and \
     searches in other spellings find this event";

/// Places stored before eventmap knew divisions get their `admin1_id`, and those given by a
/// name and coordinates are linked to the entry that name stands for near there (as a new
/// place would be), in one new revision per event. Returns how many events changed; 0 once
/// the repair has run in this database. Only events last written before `written_before` (when
/// the repair begins, after the precision repair) are looked at.
pub async fn divisions(store: &DynStore, g: &Gazetteer, written_before: DateTime<Utc>) -> Result<u64, StoreError> {
    run_once(store, DIVISIONS, DIVISIONS_REASON, written_before, |data| {
        let mut changed = false;
        for p in &mut data.places {
            if p.gazetteer_id.is_none() {
                if let Some(entry) = link(g, &p.name, p.lon, p.lat) {
                    p.country = p.country.take().or(entry.country);
                    p.gazetteer_id = Some(entry.gazetteer_id);
                    changed = true;
                }
            }
            if p.admin1_id.is_none() {
                p.admin1_id = division_of(g, p.gazetteer_id.as_deref(), p.lon, p.lat, Some(p.precision));
                changed |= p.admin1_id.is_some();
            }
        }
        changed
    })
    .await
}
