//! `GET /api/events/tiles/{z}/{x}/{y}.mvt`: the counts of a tile's cells add up to exactly the
//! matching events whose position lies in it (checked against a count of the list's events, on
//! both backends, at several zooms and filters); close in, the tile holds the events
//! themselves; bad tiles and filters are problems; an unchanged tile is a 304.

use std::collections::{BTreeMap, BTreeSet};

use eventmap::domain::tile::{TileId, mercator, position_of};
use eventmap::domain::{EventInput, Vocabulary};
use eventmap::store::{Actor, ImportItem};
use eventmap::web::mvt::read;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends};

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn f(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const CATEGORIES: [&str; 3] = ["protest", "armed_clash", "shelling"];

/// Movements (origin, destination) whose envelope's centre and destination lie in different
/// tiles at every zoom: across the prime meridian and the equator both ways, and across the
/// antimeridian (an envelope round the world, centred on the prime meridian).
const CROSSING: [((f64, f64), (f64, f64)); 5] = [
    ((-0.9, -0.7), (0.3, 0.2)),
    ((0.8, 0.6), (-0.2, -0.3)),
    ((-0.4, 0.5), (0.6, -0.9)),
    ((179.6, -16.5), (-179.7, -17.2)),
    ((35.0, 34.0), (36.3, 35.2)),
];

/// An event's position as `domain::tile` states it, from its GeoJSON geometry.
fn position_of_geometry(g: &Value) -> [f64; 2] {
    let mut pts = Vec::new();
    coords(g, &mut pts);
    let env = pts.iter().fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, p| {
        [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]
    });
    position_of(env, if g["type"] == "LineString" { pts.last().copied() } else { None })
}

/// 400 events: most clustered round three places (one on the antimeridian, one on the
/// equator and the prime meridian, where tiles meet at every zoom), some anywhere, one in ten
/// a movement between two places; and movements across the edges of tiles at every zoom (the
/// prime meridian and the equator, the antimeridian), whose destination lies in another tile
/// than the centre of their envelope.
async fn seed(app: &TestApp) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let centres = [(36.2, 35.1), (0.0, 0.0), (179.9, -17.0)];
    let vocab = Vocabulary::default();
    let mut items = Vec::new();
    for i in 0..400 {
        let (lon, lat) = if i % 5 == 0 {
            (rng.f() * 360.0 - 180.0, rng.f() * 170.0 - 85.0)
        } else {
            let (x, y) = centres[i % 3];
            ((x + (rng.f() - 0.5) * 2.0).clamp(-180.0, 180.0), y + (rng.f() - 0.5) * 2.0)
        };
        let mut places = vec![json!({"name": format!("Place {i}"), "lon": lon, "lat": lat, "precision": "exact"})];
        if i % 10 == 3 {
            places[0]["role"] = json!("origin");
            places.push(json!({"name": format!("Goal {i}"), "role": "destination", "lon": (lon + 0.7).min(180.0), "lat": lat + 0.4}));
        }
        let input = EventInput::from_json(json!({
            "title": format!("Event {i}"), "category": CATEGORIES[i % 3],
            "start": format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28), "places": places,
        }))
        .unwrap();
        items.push(ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(&vocab).unwrap() });
    }
    for (i, (from, to)) in CROSSING.iter().enumerate() {
        let input = EventInput::from_json(json!({
            "title": format!("Crossing {i}"), "category": CATEGORIES[i % 3], "start": "2024-05-05",
            "places": [{"name": "From", "role": "origin", "lon": from.0, "lat": from.1, "precision": "exact"},
                       {"name": "To", "role": "destination", "lon": to.0, "lat": to.1, "precision": "exact"}],
        }))
        .unwrap();
        items.push(ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(&vocab).unwrap() });
    }
    app.store.import(items, &Actor::new("tiles test")).await.unwrap();
}

/// The tile's bytes and headers; panics unless the status is `status`.
async fn tile(app: &TestApp, path: &str, status: u16) -> (Vec<u8>, reqwest::header::HeaderMap) {
    let r = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
    let (s, h) = (r.status().as_u16(), r.headers().clone());
    let body = r.bytes().await.unwrap().to_vec();
    assert_eq!(s, status, "{path}: {}", String::from_utf8_lossy(&body));
    (body, h)
}

/// Every coordinate of a GeoJSON geometry.
fn coords(g: &Value, out: &mut Vec<[f64; 2]>) {
    match g {
        Value::Array(a) if a.len() >= 2 && a[0].is_number() => {
            out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()])
        }
        Value::Array(a) => a.iter().for_each(|x| coords(x, out)),
        Value::Object(o) => {
            if let Some(c) = o.get("coordinates") {
                coords(c, out)
            }
            if let Some(gs) = o.get("geometries") {
                coords(gs, out)
            }
        }
        _ => {}
    }
}

/// The tile of zoom `z` holding a position: by arithmetic, then the one of it and its
/// neighbours that holds the position by the server's own comparisons.
fn holder(z: u8, [lon, lat]: [f64; 2]) -> TileId {
    let n = f64::from(1u32 << z);
    let [mx, my] = mercator([lon, lat]);
    let (cx, cy) = ((mx * n) as i64, (my * n) as i64);
    (-1..=1)
        .flat_map(|dx| (-1..=1).map(move |dy| (cx + dx, cy + dy)))
        .filter(|&(x, y)| (0..n as i64).contains(&x) && (0..n as i64).contains(&y))
        .map(|(x, y)| TileId { z, x: x as u32, y: y as u32 })
        .find(|t| t.bounds().holds(lon, lat))
        .expect("every position lies in a tile")
}

/// The matching events by the tile of zoom `z` holding their position, by brute force over
/// the list: (tile → (category → count)), and the ids per tile.
/// Counts by category, and ids, per tile (x, y).
type PerTile = (BTreeMap<(u32, u32), BTreeMap<String, u64>>, BTreeMap<(u32, u32), BTreeSet<String>>);

async fn brute(app: &TestApp, query: &str, z: u8) -> PerTile {
    let g = app.get(&format!("/api/events?limit=10000&{query}")).await;
    g.expect(200);
    let (mut counts, mut ids) = (BTreeMap::new(), BTreeMap::new());
    for f in g.json()["features"].as_array().unwrap() {
        let holder = holder(z, position_of_geometry(&f["geometry"]));
        let category = f["properties"]["category"].as_str().unwrap().to_string();
        *counts.entry((holder.x, holder.y)).or_insert_with(BTreeMap::new).entry(category).or_insert(0) += 1;
        ids.entry((holder.x, holder.y)).or_insert_with(BTreeSet::new).insert(f["id"].as_str().unwrap().to_string());
    }
    (counts, ids)
}

#[tokio::test]
async fn the_counts_of_a_tile_add_up_to_the_matching_events_whose_position_lies_in_it() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        seed(&app).await;
        for query in [
            "",
            "category=protest",
            "start=2024-03-01&end=2024-06-30",
            "bbox=30,30,40,40&category=shelling&category=protest",
        ] {
            for z in [0u8, 1, 2, 4, 7] {
                let (expected, _) = brute(&app, query, z).await;
                let n = 1u32 << z;
                // Every tile holding an event, and a few holding none.
                let mut asked: BTreeSet<(u32, u32)> = expected.keys().copied().collect();
                asked.extend([(0, 0), (n - 1, n - 1), (n / 2, n / 2)]);
                for (x, y) in asked {
                    let (body, _) = tile(&app, &format!("/api/events/tiles/{z}/{x}/{y}.mvt?{query}"), 200).await;
                    let mut got: BTreeMap<String, u64> = BTreeMap::new();
                    let mut total = 0;
                    for (name, fs) in read::features(&body) {
                        assert_eq!(name, "cells", "{backend:?} z{z}");
                        for f in fs {
                            assert_eq!(f.kind, 1, "a cell is a point");
                            let count: u64 = f.properties["count"].parse().unwrap();
                            let mut by = 0;
                            for (k, v) in &f.properties {
                                if let Some(c) = k.strip_prefix("count:") {
                                    *got.entry(c.to_string()).or_default() += v.parse::<u64>().unwrap();
                                    by += v.parse::<u64>().unwrap();
                                }
                            }
                            assert_eq!(by, count, "a cell's categories add up to its count");
                            total += count;
                        }
                    }
                    let want = expected.get(&(x, y)).cloned().unwrap_or_default();
                    assert_eq!(got, want, "{backend:?} {z}/{x}/{y}?{query}");
                    assert_eq!(total, want.values().sum::<u64>());
                }
            }
        }
    }
}

#[tokio::test]
async fn close_in_a_tile_holds_the_events_themselves_and_their_lines() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        seed(&app).await;
        let z = 10;
        let (_, ids) = brute(&app, "", z).await;
        // The three busiest tiles and one with a single event.
        let mut tiles: Vec<_> = ids.iter().collect();
        tiles.sort_by_key(|(_, s)| std::cmp::Reverse(s.len()));
        let lonely = tiles.last().cloned();
        for ((x, y), want) in tiles.iter().take(3).cloned().chain(lonely) {
            let (body, _) = tile(&app, &format!("/api/events/tiles/{z}/{x}/{y}.mvt"), 200).await;
            let layers = read::features(&body);
            let points = layers.iter().find(|l| l.0 == "events").map(|l| l.1.clone()).unwrap_or_default();
            let got: BTreeSet<String> = points.iter().map(|f| f.properties["id"].clone()).collect();
            assert_eq!(&got, want, "{backend:?} {z}/{x}/{y}");
            for p in &points {
                let props = &p.properties;
                assert!(props["title"].starts_with("Event ") && props["precision"] == "exact", "{props:?}");
                assert!(CATEGORIES.contains(&props["category"].as_str()) && props["status"] == "reported");
            }
            assert!(layers.iter().all(|l| l.0 != "cells"));
        }
        // A movement: its line is in the tile holding its position.
        let list = app.get("/api/events?limit=10000").await.json();
        let movement = list["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["geometry"]["type"] != "Point")
            .expect("a movement")
            .clone();
        let id = movement["id"].as_str().unwrap();
        let (x, y) = ids.iter().find(|(_, s)| s.contains(id)).map(|(k, _)| *k).unwrap();
        let (body, _) = tile(&app, &format!("/api/events/tiles/{z}/{x}/{y}.mvt"), 200).await;
        let layers = read::features(&body);
        let shapes = &layers.iter().find(|l| l.0 == "shapes").expect("a shapes layer").1;
        assert!(shapes.iter().any(|f| f.kind == 2 && f.properties["id"] == id), "{backend:?}: {movement}");
        // The movements across tiles' edges: a dot at the destination, in the tile holding it;
        // none in the tile holding the envelope's centre.
        for f in list["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["title"].as_str().unwrap().starts_with("Crossing"))
        {
            let id = f["id"].as_str().unwrap();
            let mut pts = Vec::new();
            coords(&f["geometry"], &mut pts);
            let (first, last) = (pts[0], pts[pts.len() - 1]);
            let centre = [
                (first[0].min(last[0]) + first[0].max(last[0])) / 2.0,
                (first[1].min(last[1]) + first[1].max(last[1])) / 2.0,
            ];
            let (at, off) = (holder(z, last), holder(z, centre));
            assert_ne!((at.x, at.y), (off.x, off.y), "{f}");
            let (body, _) = tile(&app, &format!("/api/events/tiles/{z}/{}/{}.mvt", at.x, at.y), 200).await;
            let layers = read::features(&body);
            let dot =
                layers.iter().filter(|l| l.0 == "events").flat_map(|l| l.1.iter()).find(|p| p.properties["id"] == id);
            let dot = dot.unwrap_or_else(|| panic!("{backend:?}: no dot for {f} in {at:?}"));
            let [x, y] = at.to_tile(mercator(last), 4096.0);
            assert_eq!(
                dot.paths[0][0],
                [x.round() as i32, y.round() as i32],
                "{backend:?}: the dot at the destination"
            );
            let (body, _) = tile(&app, &format!("/api/events/tiles/{z}/{}/{}.mvt", off.x, off.y), 200).await;
            let layers = read::features(&body);
            assert!(
                !layers.iter().filter(|l| l.0 == "events").flat_map(|l| l.1.iter()).any(|p| p.properties["id"] == id),
                "{backend:?}: {f} drawn at its envelope's centre"
            );
        }
    }
}

#[tokio::test]
async fn bad_tiles_and_filters_are_problems_and_an_unchanged_tile_is_not_sent_again() {
    let backend = backends().remove(0);
    let app = TestApp::on(&backend).await;
    seed(&app).await;
    for path in [
        "/api/events/tiles/3/8/0.mvt",
        "/api/events/tiles/19/0/0.mvt",
        "/api/events/tiles/3/1/1.png",
        "/api/events/tiles/x/1/1.mvt",
        "/api/events/tiles/3/1/1.mvt?bbox=1,2,3",
        "/api/events/tiles/3/1/1.mvt?start=yesterday-ish",
        "/api/events/tiles/3/1/1.mvt?limit=10",
        "/api/events/tiles/3/1/1.mvt?colour=red",
    ] {
        app.get(path).await.problem(400, "invalid-request");
    }
    let path = "/api/events/tiles/2/2/1.mvt?category=protest";
    let (body, h) = tile(&app, path, 200).await;
    assert_eq!(h["content-type"], "application/vnd.mapbox-vector-tile");
    assert_eq!(h["cache-control"], "no-cache");
    assert!(!body.is_empty());
    let etag = h["etag"].to_str().unwrap().to_string();
    let r = app.client.get(format!("{}{path}", app.base)).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 304);
    // A new event in the tile changes it.
    app.create(json!({"title": "New", "category": "protest", "start": "2024-05-01",
                      "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.8890}]}))
        .await;
    let r = app.client.get(format!("{}{path}", app.base)).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// An event's input: at (lon, lat), or moving from there to `to`, starting `start` (RFC 3339)
/// and lasting `days`.
fn input(
    i: usize,
    (lon, lat): (f64, f64),
    to: Option<(f64, f64)>,
    start: chrono::DateTime<chrono::Utc>,
    days: i64,
) -> eventmap::domain::event::EventData {
    let end = start + chrono::Duration::days(days);
    let mut places = vec![json!({"name": format!("Place {i}"), "lon": lon, "lat": lat, "precision": "exact"})];
    if let Some((x, y)) = to {
        places[0]["role"] = json!("origin");
        places.push(
            json!({"name": format!("Goal {i}"), "role": "destination", "lon": x, "lat": y, "precision": "exact"}),
        );
    }
    EventInput::from_json(json!({
        "title": format!("Event {i}"), "category": CATEGORIES[i % 3],
        "start": start.to_rfc3339(), "end": end.to_rfc3339(), "places": places,
    }))
    .unwrap()
    .validate(&Vocabulary::default())
    .unwrap()
}

#[tokio::test]
async fn tiles_counted_from_the_count_table_stay_exact_through_edits_deletes_and_partial_days() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        // Eight years (across a block of 3,600 days, which ends on 13 April 2019), at any hour,
        // one in four lasting up to 40 days; one in eight exactly on an edge of the grid's cells;
        // one in six a movement of a few degrees (across tiles of zoom 6), counted at its
        // destination.
        let origin = chrono::DateTime::parse_from_rfc3339("2018-01-01T00:00:00Z").unwrap().to_utc();
        let (mut ids, mut items, mut moves) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..360 {
            let t = TileId { z: 6, x: (rng.f() * 64.0) as u32, y: 16 + (rng.f() * 32.0) as u32 };
            let (lon, lat) = if i % 8 == 0 {
                (t.bounds().west, t.bounds().north.unwrap())
            } else {
                (35.0 + (rng.f() - 0.5) * 30.0, 33.0 + (rng.f() - 0.5) * 30.0)
            };
            let start = origin + chrono::Duration::minutes((rng.f() * 8.0 * 365.0 * 1440.0) as i64);
            let days = if i % 4 == 0 { (rng.f() * 40.0) as i64 } else { 0 };
            let to = (i % 6 == 1).then(|| (lon + 2.0 + rng.f() * 6.0, lat - 1.0 - rng.f() * 6.0));
            let id = uuid::Uuid::now_v7();
            ids.push(id);
            moves.push((i, (lon, lat), to, start, days));
            items.push(ImportItem { id, data: input(i, (lon, lat), to, start, days) });
        }
        app.store.import(items, &Actor::new("tiles test")).await.unwrap();
        // Edits move some events in space, time and category; deletes take some away.
        let actor = Actor::new("tiles test");
        for (n, id) in ids.iter().enumerate().filter(|(n, _)| n % 9 == 4) {
            let start = origin + chrono::Duration::hours((rng.f() * 8.0 * 365.0 * 24.0) as i64);
            let data = input(n + 1, (-60.0 + rng.f() * 120.0, -40.0 + rng.f() * 80.0), None, start, 2);
            app.store.update(*id, None, data, &actor, Some("moved")).await.unwrap();
        }
        // Movements turned round: the same envelope, the destination at the other end.
        for (i, from, to, start, days) in moves.iter().filter(|m| m.2.is_some() && m.0 % 9 != 4).step_by(2) {
            let data = input(*i, to.unwrap(), Some(*from), *start, *days);
            app.store.update(ids[*i], None, data, &actor, Some("turned round")).await.unwrap();
        }
        for id in ids.iter().skip(7).step_by(11) {
            app.store.delete(*id, None, &actor, "gone").await.unwrap();
        }
        for query in [
            "",
            "start=2019-03-01T12:30:00Z&end=2023-09-15T06:00:00Z",
            "start=2021-06-01T00:00:00Z",
            "end=2020-02-10T10:00:00Z",
            "category=protest&start=2019-04-13T00:00:00Z&end=2019-04-13T23:59:59Z",
        ] {
            for z in 0..=6u8 {
                let (expected, _) = brute(&app, query, z).await;
                // Every tile holding an event, and every tile of the first zooms (none may count an
                // event that is not there).
                let n = 1u32 << z;
                let mut asked: BTreeSet<(u32, u32)> = expected.keys().copied().collect();
                if z <= 2 {
                    asked.extend((0..n).flat_map(|x| (0..n).map(move |y| (x, y))));
                }
                for (x, y) in asked {
                    let want = expected.get(&(x, y)).cloned().unwrap_or_default();
                    let (body, _) = tile(&app, &format!("/api/events/tiles/{z}/{x}/{y}.mvt?{query}"), 200).await;
                    let mut got: BTreeMap<String, u64> = BTreeMap::new();
                    for (_, fs) in read::features(&body) {
                        for f in fs {
                            for (k, v) in &f.properties {
                                if let Some(c) = k.strip_prefix("count:") {
                                    *got.entry(c.to_string()).or_default() += v.parse::<u64>().unwrap();
                                }
                            }
                        }
                    }
                    assert_eq!(got, want, "{backend:?} {z}/{x}/{y}?{query}");
                }
            }
        }
    }
}
