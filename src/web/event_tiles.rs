//! Tiles of events as Mapbox Vector Tiles, from what the store counted or found for a tile
//! (`GET /api/events/tiles/{z}/{x}/{y}.mvt`; `api::tiles` serves them):
//!
//! - `cells`: one point per cell of the tile's grid holding matching events, at their mean
//!   position, with `count` and `count:<category>` for each category present. The counts of a
//!   tile add up to the matching events whose position lies in it (`domain::tile`).
//! - `events`: one point per matching event whose position lies in the tile, with `id`,
//!   `category`, `status`, `precision` (of its location, else its first place) and `title`.
//! - `shapes`: the lines of the matching events that reach into the tile or its buffer
//!   (movements), with `id` and `category`, cut at the buffer.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::clip::{self, Box2, P};
use super::mvt::{self, EXTENT, Feature, Layer, Pt, Shapes, Value};
use crate::domain::tile::{CellCount, TileEvent, TileId, mercator};

/// Tiles kept beyond each edge of an events tile, so that lines meet across tiles (a fraction
/// of a tile: 64 units of 4096).
pub const BUFFER: f64 = 1.0 / 64.0;

fn to_pt(tile: &TileId, lonlat: [f64; 2]) -> Pt {
    let [x, y] = tile.to_tile(mercator(lonlat), f64::from(EXTENT));
    [x.round() as i32, y.round() as i32]
}

/// The tile of `cells` (as the store counted them for `tile`).
pub fn cells(tile: &TileId, counts: &[CellCount]) -> Vec<u8> {
    mvt::encode(&cell_layers(tile, counts))
}

/// The layers of [`cells`], not encoded.
pub fn cell_layers(tile: &TileId, counts: &[CellCount]) -> Vec<Layer> {
    struct Cell<'a> {
        count: u64,
        sum: [f64; 2],
        by: BTreeMap<&'a str, u64>,
    }
    let mut grid: BTreeMap<(u32, u32), Cell<'_>> = BTreeMap::new();
    for c in counts {
        let cell = grid.entry((c.row, c.column)).or_insert(Cell { count: 0, sum: [0.0, 0.0], by: BTreeMap::new() });
        cell.count += c.count;
        cell.sum[0] += c.sum_lon;
        cell.sum[1] += c.sum_lat;
        *cell.by.entry(c.category.as_str()).or_default() += c.count;
    }
    let features = grid
        .into_values()
        .filter(|c| c.count > 0)
        .map(|c| {
            let n = c.count as f64;
            let mut properties = vec![("count".to_string(), Value::Uint(c.count))];
            properties.extend(c.by.into_iter().map(|(k, v)| (format!("count:{k}"), Value::Uint(v))));
            Feature { shapes: Shapes::Points(vec![to_pt(tile, [c.sum[0] / n, c.sum[1] / n])]), properties }
        })
        .collect();
    vec![Layer { name: "cells", features }]
}

#[derive(Deserialize)]
struct Stored {
    id: String,
    geometry: Option<serde_json::Value>,
    properties: Props,
}

#[derive(Deserialize)]
struct Props {
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    places: Vec<StoredPlace>,
}

#[derive(Deserialize)]
struct StoredPlace {
    #[serde(default)]
    role: String,
    #[serde(default)]
    precision: Option<String>,
}

/// Every line string of a GeoJSON geometry (areas are the map's to draw from the event itself).
fn lines_of(g: &serde_json::Value, out: &mut Vec<Vec<[f64; 2]>>) {
    let coords = |v: &serde_json::Value| -> Vec<[f64; 2]> {
        v.as_array()
            .map(|a| a.iter().filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?])).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let c = &g["coordinates"];
    match g["type"].as_str() {
        Some("LineString") => out.push(coords(c)),
        Some("MultiLineString") => out.extend(c.as_array().into_iter().flatten().map(coords)),
        Some("GeometryCollection") => {
            for x in g["geometries"].as_array().into_iter().flatten() {
                lines_of(x, out);
            }
        }
        _ => {}
    }
}

/// The tile of `events` (as the store found them for `tile`); an event whose stored Feature
/// cannot be read is left out and logged (eventmap writes them all).
pub fn events(tile: &TileId, found: &[TileEvent]) -> Vec<u8> {
    mvt::encode(&event_layers(tile, found))
}

/// The layers of [`events`], not encoded.
pub fn event_layers(tile: &TileId, found: &[TileEvent]) -> Vec<Layer> {
    let n = f64::from(1u32 << tile.z);
    let x0 = f64::from(tile.x) / n;
    let y0 = f64::from(tile.y) / n;
    let pad = BUFFER / n;
    let clip_box: Box2 = [x0 - pad, y0 - pad, x0 + 1.0 / n + pad, y0 + 1.0 / n + pad];
    let (mut points, mut shapes) = (Vec::new(), Vec::new());
    for e in found {
        let s: Stored = match serde_json::from_str(&e.feature) {
            Ok(s) => s,
            Err(err) => {
                tracing::error!(cause = %err, "a stored Feature could not be read for a tile");
                continue;
            }
        };
        let id = Value::Text(s.id);
        let category = Value::Text(s.properties.category);
        if e.in_tile {
            let p = &s.properties.places;
            let precision = p.iter().find(|p| p.role == "location").or(p.first()).and_then(|p| p.precision.clone());
            let mut properties = vec![
                ("id".to_string(), id.clone()),
                ("category".to_string(), category.clone()),
                ("status".to_string(), Value::Text(s.properties.status)),
                ("title".to_string(), Value::Text(s.properties.title)),
            ];
            properties.extend(precision.map(|p| ("precision".to_string(), Value::Text(p))));
            points.push(Feature { shapes: Shapes::Points(vec![to_pt(tile, e.position)]), properties });
        }
        let mut lines = Vec::new();
        if let Some(g) = &s.geometry {
            lines_of(g, &mut lines);
        }
        let mut cut = Vec::new();
        for l in lines.iter().filter(|l| l.len() > 1) {
            let merc: Vec<P> = l.iter().map(|&p| mercator(p)).collect();
            for run in clip::line(&merc, &clip_box) {
                let mut pts: Vec<Pt> = Vec::with_capacity(run.len());
                for p in run {
                    let [x, y] =
                        [((p[0] - x0) * n * f64::from(EXTENT)).round(), ((p[1] - y0) * n * f64::from(EXTENT)).round()];
                    let q = [x as i32, y as i32];
                    if pts.last() != Some(&q) {
                        pts.push(q);
                    }
                }
                if pts.len() > 1 {
                    cut.push(pts);
                }
            }
        }
        if !cut.is_empty() {
            shapes.push(Feature {
                shapes: Shapes::Lines(cut),
                properties: vec![("id".to_string(), id), ("category".to_string(), category)],
            });
        }
    }
    vec![Layer { name: "shapes", features: shapes }, Layer { name: "events", features: points }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::mvt::read;

    #[test]
    fn cells_carry_their_counts_by_category_at_their_mean_position() {
        let t = TileId { z: 4, x: 9, y: 6 };
        let c = |column, row, category: &str, count, lon: f64, lat: f64| CellCount {
            column,
            row,
            category: category.into(),
            count,
            sum_lon: lon * count as f64,
            sum_lat: lat * count as f64,
        };
        let tile = cells(
            &t,
            &[c(2, 3, "clash", 3, 36.0, 35.0), c(2, 3, "protest", 1, 36.0, 35.0), c(5, 0, "clash", 2, 44.0, 40.5)],
        );
        let layers = read::features(&tile);
        let (name, fs) = &layers[0];
        assert_eq!(name, "cells");
        assert_eq!(fs.len(), 2);
        let total: u64 = fs.iter().map(|f| f.properties["count"].parse::<u64>().unwrap()).sum();
        assert_eq!(total, 6);
        let syria = fs.iter().find(|f| f.properties["count"] == "4").unwrap();
        assert_eq!((syria.properties["count:clash"].as_str(), syria.properties["count:protest"].as_str()), ("3", "1"));
        assert_eq!(syria.paths[0][0], to_pt(&t, [36.0, 35.0]));
    }

    #[test]
    fn an_event_is_a_point_in_its_own_tile_and_its_line_reaches_into_others() {
        let t = TileId { z: 6, x: 38, y: 25 };
        let feature = r#"{"type":"Feature","id":"e1","geometry":{"type":"LineString","coordinates":[[36.2,35.9],[38.9,36.1]]},
            "properties":{"title":"Convoy","category":"movement","status":"reported","places":[{"role":"origin","precision":"settlement"},{"role":"location","precision":"exact"}]}}"#;
        let (envelope, destination) = ([36.2, 35.9, 38.9, 36.1], [38.9, 36.1]);
        let tile = events(&t, &[TileEvent { feature: feature.into(), envelope, position: destination, in_tile: true }]);
        let layers = read::features(&tile);
        let points = &layers.iter().find(|l| l.0 == "events").unwrap().1;
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].paths[0][0], to_pt(&t, destination), "the dot at the destination");
        let p = &points[0].properties;
        assert_eq!((p["id"].as_str(), p["title"].as_str(), p["precision"].as_str()), ("e1", "Convoy", "exact"));
        let lines = &layers.iter().find(|l| l.0 == "shapes").unwrap().1;
        assert_eq!(lines[0].kind, 2);
        assert!(lines[0].paths[0].iter().all(|q| q.iter().all(|&c| (-65..=4161).contains(&c))), "cut at the buffer");
        // Not its tile: the line only.
        let tile =
            events(&t, &[TileEvent { feature: feature.into(), envelope, position: destination, in_tile: false }]);
        let layers = read::features(&tile);
        assert!(layers.iter().all(|l| l.0 != "events"));
    }
}
