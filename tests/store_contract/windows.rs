//! Map windows against a brute-force scan: thousands of random boxes and time windows (sizes
//! from half a degree to the world, spans from a day to all time, pages of 10 to 1,000), each
//! answered by the store (which picks the space index or the walk of the time index per query,
//! `store::sql::plan`) and by a scan of every event in memory: the same features in the same
//! order, pages joined by their cursors, and the same count. One event in twenty is a movement
//! between clusters, whose envelope crosses windows far from both its ends. One window in six
//! also filters by change time (every event passes), which no plan walks.

use chrono::{DateTime, Duration, Utc};
use eventmap::domain::filter::{BBox, PageRequest, Sort};
use eventmap::domain::{Cursor, EventFilter};
use eventmap::store::{DynStore, ImportItem};
use serde_json::json;

use crate::common::{TestDb, backends};
use crate::support::{data, editor, every_live, page, synthetic_id};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Clusters, the antimeridian and the poles among them.
const CENTRES: [(f64, f64); 8] = [
    (35.9, 34.9),
    (36.2, 37.0),
    (179.8, -16.4),
    (-179.9, -16.6),
    (2.35, 48.85),
    (30.5, 50.4),
    (0.0, 89.5),
    (-73.9, 40.7),
];

const BASE: i64 = 1_640_995_200_000; // 2022-01-01

fn event(rng: &mut Rng, i: usize) -> eventmap::domain::event::EventData {
    let (lon, lat) = CENTRES[rng.below(CENTRES.len())];
    let spread = [0.05, 0.5, 3.0][rng.below(3)];
    let at = |rng: &mut Rng| {
        (
            (lon + (rng.f() - 0.5) * spread * 2.0).clamp(-180.0, 180.0),
            (lat + (rng.f() - 0.5) * spread).clamp(-90.0, 90.0),
        )
    };
    let (a, b) = (at(rng), at(rng));
    let places = if rng.below(20) == 0 {
        // A long movement to another cluster: its envelope, up to the whole world wide, crosses
        // boxes far from both its ends (SQLite keeps such envelopes in an R*Tree of their own).
        let (lon, lat) = CENTRES[rng.below(CENTRES.len())];
        json!([{"name": "A", "role": "origin", "lon": a.0, "lat": a.1}, {"name": "B", "role": "destination", "lon": lon, "lat": lat}])
    } else if rng.below(10) == 0 {
        json!([{"name": "A", "role": "origin", "lon": a.0, "lat": a.1}, {"name": "B", "role": "destination", "lon": b.0, "lat": b.1}])
    } else {
        json!([{"name": "A", "lon": a.0, "lat": a.1}])
    };
    // Distinct instants over three years, a few of them lasting days.
    let start = DateTime::<Utc>::from_timestamp_millis(BASE + (rng.f() * 3.0 * 365.0 * 86_400_000.0) as i64 + i as i64)
        .expect("time");
    let mut v = json!({"title": format!("event {i}"), "start": start.to_rfc3339(), "time_precision": "exact", "places": places});
    if rng.below(8) == 0 {
        v["end"] = json!((start + Duration::hours(1 + rng.below(200) as i64)).to_rfc3339());
    }
    data(v)
}

/// Every live event as the scan sees it: (seq, t_start, t_max, envelope, id).
async fn everything(store: &DynStore) -> Vec<(i64, i64, i64, [f64; 4], String)> {
    let all = every_live(store).await;
    all.into_iter().map(|(seq, p)| (seq, p.t_start, p.t_max, p.envelope, p.event.id.to_string())).collect()
}

fn overlaps(env: &[f64; 4], b: &BBox) -> bool {
    b.split().iter().any(|b| env[2] >= b.min_lon && env[0] <= b.max_lon) && env[3] >= b.min_lat && env[1] <= b.max_lat
}

#[tokio::test]
async fn every_window_answers_as_a_scan_of_every_event_does() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let mut rng = Rng(20);
        let n = 3000;
        for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
            let items =
                chunk.iter().map(|&i| ImportItem { id: synthetic_id(i as u128), data: event(&mut rng, i) }).collect();
            store.import(items, &editor()).await.unwrap();
        }
        let all = everything(&store).await;
        let sqlite =
            db.url.strip_prefix("sqlite://").map(|p| rusqlite::Connection::open(p).expect("the test database"));
        let mut plans = std::collections::HashMap::<&str, usize>::new();
        assert_eq!(all.len(), n);
        let sizes = [(0.5, 0.5), (2.0, 2.0), (10.0, 10.0), (25.0, 20.0), (60.0, 40.0), (360.0, 180.0)];
        let spans = [1, 7, 30, 365, 0];
        let windows = 2000;
        for w in 0..windows {
            let centre = &all[rng.below(all.len())];
            let (cx, cy) = ((centre.3[0] + centre.3[2]) / 2.0, (centre.3[1] + centre.3[3]) / 2.0);
            let (dx, dy) = sizes[rng.below(sizes.len())];
            let wrap = |x: f64| {
                if x > 180.0 {
                    x - 360.0
                } else if x < -180.0 {
                    x + 360.0
                } else {
                    x
                }
            };
            let bbox = if dx >= 360.0 {
                BBox { min_lon: -180.0, min_lat: -90.0, max_lon: 180.0, max_lat: 90.0 }
            } else {
                BBox {
                    min_lon: wrap(cx - dx / 2.0),
                    max_lon: wrap(cx + dx / 2.0),
                    min_lat: (cy - dy / 2.0).max(-90.0),
                    max_lat: (cy + dy / 2.0).min(90.0),
                }
            };
            let span = spans[rng.below(spans.len())];
            let (start, end) = if span == 0 {
                (None, None)
            } else {
                let mid = centre.1;
                let half = span * 43_200_000;
                (DateTime::from_timestamp_millis(mid - half), DateTime::from_timestamp_millis(mid + half))
            };
            let (mut bbox, mut start) = (bbox, start);
            if w % 7 == 3 && dx < 360.0 {
                // Bounds exactly on an event's envelope and end, where the R*Tree's rounding
                // of its single-precision boxes must not change the answer.
                let e = &all[rng.below(all.len())];
                bbox.min_lon = e.3[2].min(bbox.max_lon);
                bbox.max_lat = e.3[1].max(bbox.min_lat);
                start = start.map(|_| DateTime::from_timestamp_millis(e.2).expect("time"));
            }
            // Some windows are not walkable (a filter by change time that every event passes):
            // PostgreSQL then tests a box over all time by an OR of two partial indexes.
            let updated_since = (w % 6 == 1).then(|| DateTime::from_timestamp(0, 0).expect("1970"));
            let f = EventFilter { bbox: Some(bbox), start, end, updated_since, ..Default::default() };
            let limit = [10, 100, 1000][rng.below(3)];
            if let Some(c) = &sqlite {
                *plans.entry(plan_of(c, &f, limit)).or_insert(0) += 1;
            }
            let sort = if rng.below(4) == 0 { Sort::StartAsc } else { Sort::StartDesc };
            let mut want: Vec<&(i64, i64, i64, [f64; 4], String)> = all
                .iter()
                .filter(|e| overlaps(&e.3, &bbox))
                .filter(|e| start.is_none_or(|s| e.2 >= s.timestamp_millis()))
                .filter(|e| end.is_none_or(|t| e.1 <= t.timestamp_millis()))
                .collect();
            want.sort_by_key(|e| (e.1, e.0));
            if sort == Sort::StartDesc {
                want.reverse();
            }
            // The first page, and for some windows every page after it.
            let mut p = PageRequest { limit, sort, cursor: None };
            let mut got: Vec<String> = Vec::new();
            loop {
                let rows = page(&store, &f, &p).await;
                if let Some(m) = rows.first().and_then(|r| r.3) {
                    assert_eq!(m as usize, want.len(), "window {w} {f:?}: the count in the same pass");
                }
                let more = rows.len() > limit as usize;
                got.extend(rows.iter().take(limit as usize).map(|r| r.0.clone()));
                if !more || w % 10 != 0 {
                    break;
                }
                let last = &rows[limit as usize - 1];
                p.cursor = Some(Cursor { key: last.1, seq: last.2, matched: None });
            }
            let pages = if w % 10 == 0 { want.len() } else { want.len().min(limit as usize) };
            let want: Vec<String> = want.iter().take(pages).map(|e| e.4.clone()).collect();
            assert_eq!(got, want, "window {w} on {}: {f:?} limit {limit} {sort:?}", backend.name());
            if w % 5 == 0 {
                let m = store.matched(&f, false).await.unwrap();
                assert!(m.exact && m.n as usize == want_count(&all, &bbox, start, end), "window {w}: {m:?}");
            }
        }
        if sqlite.is_some() {
            // Every plan of a box answered its share of the windows above.
            for p in ["index", "walk", "slices"] {
                assert!(plans.get(p).copied().unwrap_or(0) >= 10, "plans taken: {plans:?}");
            }
        }
    }
}

/// The plan SQLite's store takes for a window and page, asked with its own plan SQL.
fn plan_of(c: &rusqlite::Connection, f: &EventFilter, limit: u32) -> &'static str {
    use eventmap::store::sql::{Bind, Dialect, Gist, Sql, plan};
    let number = |sql: &Sql| -> f64 {
        let binds: Vec<rusqlite::types::Value> = sql
            .binds
            .iter()
            .map(|b| match b {
                Bind::Int(v) => (*v).into(),
                Bind::Real(v) => (*v).into(),
                Bind::Text(s) => s.clone().into(),
                Bind::Null => rusqlite::types::Value::Null,
            })
            .collect();
        c.query_row(&sql.text, rusqlite::params_from_iter(binds), |r| r.get::<_, Option<f64>>(0))
            .expect("plan query")
            .unwrap_or(0.0)
    };
    if !plan::walkable(f, &PageRequest { limit, ..Default::default() }) {
        return "world";
    }
    let window = || Ok::<_, ()>(number(&plan::window_events(Dialect::Sqlite, f)) as u64);
    let candidates = number(&plan::probe(Dialect::Sqlite, f, plan::index_cap(limit), Gist::Whole)) as u64;
    match plan::choose(limit, window, candidates, || Ok::<_, ()>(number(&plan::estimate(Dialect::Sqlite, f)))) {
        Ok((plan::Plan::Walk, _)) => "walk",
        Ok((plan::Plan::Slices, _)) => "slices",
        _ => "index",
    }
}

fn want_count(
    all: &[(i64, i64, i64, [f64; 4], String)],
    bbox: &BBox,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> usize {
    all.iter()
        .filter(|e| overlaps(&e.3, bbox))
        .filter(|e| start.is_none_or(|s| e.2 >= s.timestamp_millis()))
        .filter(|e| end.is_none_or(|t| e.1 <= t.timestamp_millis()))
        .count()
}
