//! The spatial and temporal extent of the stored events, for OGC API – Features' collection
//! description: kept between requests and brought up to date from the changes since.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use geojson::Geometry;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::domain::filter::PageRequest;
use crate::domain::time::parse_instant;
use crate::domain::{Cursor, EventFilter, Sort, TimePrecision, TimeRange, geometry};
use crate::store::{DynStore, StoreError};

/// The extent of the stored events, kept between requests and brought up to date from the
/// events changed since it was computed (so only the first request after a start reads every
/// event). Deleting events does not shrink it: an extent may be larger than the data, never
/// smaller.
#[derive(Default)]
pub struct ExtentCache {
    inner: Mutex<Option<Cached>>,
}

#[derive(Clone, Copy)]
struct Cached {
    extent: Extent,
    /// The newest change (sort key and sequence) the extent includes.
    as_of: (i64, i64),
}

/// A bounding box `[west, south, east, north]` in degrees and a time interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Extent {
    pub bbox: Option<[f64; 4]>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Extent {
    fn add(&mut self, env: [f64; 4], range: Option<TimeRange>) {
        self.bbox = Some(match self.bbox {
            None => env,
            Some(b) => [b[0].min(env[0]), b[1].min(env[1]), b[2].max(env[2]), b[3].max(env[3])],
        });
        if let Some(r) = range {
            self.start = Some(self.start.map_or(r.start, |s| s.min(r.start)));
            self.end = Some(self.end.map_or(r.end, |e| e.max(r.end)));
        }
    }
}

/// The parts of a stored Feature the extent needs.
#[derive(Deserialize)]
struct Lite {
    geometry: Option<Geometry>,
    properties: LiteProps,
}

#[derive(Deserialize)]
struct LiteProps {
    start: Option<String>,
    end: Option<String>,
    time_precision: Option<TimePrecision>,
}

fn envelope_of(feature: &str) -> Option<([f64; 4], Option<TimeRange>)> {
    let lite: Lite = serde_json::from_str(feature).ok()?;
    let env = geometry::envelope(&lite.geometry?);
    let p = lite.properties;
    let range = p.start.as_deref().and_then(|s| parse_instant(s).ok()).map(|s| {
        let end = p.end.as_deref().and_then(|e| parse_instant(e).ok()).map(|e| e.at);
        TimeRange::of_event(s.at, end, p.time_precision.unwrap_or_default())
    });
    Some((env, range))
}

impl ExtentCache {
    /// The extent of every live event.
    pub async fn get(&self, store: &DynStore) -> Result<Extent, StoreError> {
        let mut guard = self.inner.lock().await;
        let newest_filter = EventFilter { include_deleted: true, ..Default::default() };
        let newest = store
            .list(&newest_filter, &PageRequest { limit: 1, sort: Sort::UpdatedDesc, cursor: None })
            .next()
            .await
            .transpose()?
            .map(|r| (r.key, r.seq));
        let Some(newest) = newest else {
            *guard = None;
            return Ok(Extent::default());
        };
        if let Some(c) = *guard {
            if c.as_of == newest {
                return Ok(c.extent);
            }
        }
        let (mut extent, mut cursor) = match *guard {
            Some(c) => (c.extent, Some(Cursor { key: c.as_of.0, seq: c.as_of.1, matched: None })),
            None => (Extent::default(), None),
        };
        let page_size = 5000;
        loop {
            let page = PageRequest { limit: page_size, sort: Sort::UpdatedAsc, cursor };
            let mut rows = store.list(&EventFilter::default(), &page);
            let mut n = 0;
            let mut last = None;
            while let Some(row) = rows.next().await {
                let row = row?;
                n += 1;
                if n > page_size {
                    break;
                }
                last = Some((row.key, row.seq));
                if let Some((env, range)) = envelope_of(&row.feature) {
                    extent.add(env, range);
                }
            }
            match last {
                Some((key, seq)) if n > page_size => cursor = Some(Cursor { key, seq, matched: None }),
                _ => break,
            }
        }
        *guard = Some(Cached { extent, as_of: newest });
        Ok(extent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extent_grows_to_hold_every_event() {
        let mut e = Extent::default();
        let t = |s: &str| parse_instant(s).unwrap().at;
        e.add([1.0, 2.0, 3.0, 4.0], Some(TimeRange { start: t("2025-01-01"), end: t("2025-01-02") }));
        e.add([-1.0, 3.0, 2.0, 5.0], Some(TimeRange { start: t("2025-02-01"), end: t("2025-02-02") }));
        assert_eq!(e.bbox, Some([-1.0, 2.0, 3.0, 5.0]));
        assert_eq!(e.start, Some(t("2025-01-01")));
        assert_eq!(e.end, Some(t("2025-02-02")));
    }
}
