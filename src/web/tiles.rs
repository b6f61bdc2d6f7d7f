//! The offline basemap as vector tiles: `GET /basemap/tiles/{z}/{x}/{y}.mvt` cuts the embedded
//! Natural Earth land (as polygons, and its coast as lines) and borders (1:50m up to zoom 4,
//! 1:10m from zoom 5) into Mapbox Vector Tiles. The browser's map worker then reads a few small
//! tiles for the view instead of fetching and tiling the whole world's 1:10m shapes (8 MB).

use std::sync::OnceLock;

use serde::Deserialize;

use super::antimeridian;
use super::clip::{self, Box2, P};
use super::mvt::{self, EXTENT, Layer, Pt, Shapes};

/// Tiles are cut up to this zoom; the map enlarges the last ones beyond it. At zoom 8 a tile
/// unit is about 38 m at the equator, finer than the 1:10m shapes.
pub const MAX_ZOOM: u8 = 8;
/// The 1:10m shapes are used from this zoom.
const DETAIL_ZOOM: u8 = 5;
/// Tile units kept beyond each edge, so that lines and fills meet across tiles.
const BUFFER: f64 = 64.0;

/// A shape in Web Mercator units (0..1 across the world, y down; a copy of a shape that runs
/// past 180° is shifted by a world's width): rings to fill, lines to stroke, and their box.
struct Part {
    bbox: Box2,
    rings: Vec<Vec<P>>,
    lines: Vec<Vec<P>>,
}

/// One scale of Natural Earth: land polygons and borders.
struct Scale {
    land: Vec<Part>,
    borders: Vec<Part>,
}

struct World {
    coarse: Scale,
    detail: Scale,
}

static WORLD: OnceLock<Option<World>> = OnceLock::new();

/// Reads the embedded shapes now (54 ms in a release build), so that the first tiles a reader
/// asks for are not kept waiting; `serve` calls it on a thread of its own at start-up.
pub fn warm() {
    world();
}

fn world() -> Option<&'static World> {
    WORLD
        .get_or_init(|| {
            Some(World {
                coarse: Scale {
                    land: polygons("/basemap/land-50m.geojson")?,
                    borders: lines("/basemap/borders-50m.geojson")?,
                },
                detail: Scale {
                    land: polygons("/basemap/land-10m.geojson")?,
                    borders: lines("/basemap/borders-10m.geojson")?,
                },
            })
        })
        .as_ref()
}

#[derive(Deserialize)]
struct Feature<C> {
    geometry: Geometry<C>,
}

#[derive(Deserialize)]
struct Geometry<C> {
    coordinates: C,
}

/// Longitude and latitude to Web Mercator units.
fn mercator([lon, lat]: [f64; 2]) -> P {
    let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    [(lon + 180.0) / 360.0, (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0]
}

/// The parts of one shape: itself and, when it runs past ±180°, its copy a world away.
fn parts(rings: Vec<Vec<[f64; 2]>>, lines: Vec<Vec<[f64; 2]>>) -> Vec<Part> {
    let merc = |v: Vec<Vec<[f64; 2]>>| -> Vec<Vec<P>> {
        v.into_iter().map(|r| r.into_iter().map(mercator).collect()).collect()
    };
    let (rings, lines) = (merc(rings), merc(lines));
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in rings.iter().chain(&lines).flatten() {
        bbox = [bbox[0].min(p[0]), bbox[1].min(p[1]), bbox[2].max(p[0]), bbox[3].max(p[1])];
    }
    let shifted = |dx: f64| {
        let mv = |v: &Vec<Vec<P>>| -> Vec<Vec<P>> {
            v.iter().map(|r| r.iter().map(|p| [p[0] + dx, p[1]]).collect()).collect()
        };
        Part { bbox: [bbox[0] + dx, bbox[1], bbox[2] + dx, bbox[3]], rings: mv(&rings), lines: mv(&lines) }
    };
    let mut out = Vec::new();
    if bbox[2] > 1.0 {
        out.push(shifted(-1.0));
    }
    if bbox[0] < 0.0 {
        out.push(shifted(1.0));
    }
    out.push(Part { bbox, rings, lines });
    out
}

/// The polygons of an embedded MultiPolygon Feature (None without the map built in): rings to
/// fill (closed round a pole where they go round one) and the same rings, unclosed, as coast.
fn polygons(path: &str) -> Option<Vec<Part>> {
    let (bytes, ..) = super::asset(path)?;
    let f: Feature<Vec<Vec<Vec<[f64; 2]>>>> = serde_json::from_slice(bytes).expect("the build writes valid shapes");
    Some(
        f.geometry
            .coordinates
            .into_iter()
            .flat_map(|poly| {
                let coast: Vec<_> = poly.into_iter().map(antimeridian::unwrap).collect();
                let rings = coast.iter().cloned().map(antimeridian::close).collect();
                parts(rings, coast)
            })
            .collect(),
    )
}

/// The lines of an embedded MultiLineString Feature, one part each.
fn lines(path: &str) -> Option<Vec<Part>> {
    let (bytes, ..) = super::asset(path)?;
    let f: Feature<Vec<Vec<[f64; 2]>>> = serde_json::from_slice(bytes).expect("the build writes valid shapes");
    Some(f.geometry.coordinates.into_iter().flat_map(|l| parts(vec![], vec![antimeridian::unwrap(l)])).collect())
}

/// Twice the signed area of a ring (positive: clockwise with y down, an exterior in MVT).
fn area2(r: &[Pt]) -> i64 {
    r.windows(2).map(|w| i64::from(w[0][0]) * i64::from(w[1][1]) - i64::from(w[1][0]) * i64::from(w[0][1])).sum()
}

/// A tile's positions: Mercator units to tile units, rounded, repeats dropped.
struct Grid {
    scale: f64,
    x0: f64,
    y0: f64,
}

impl Grid {
    fn points(&self, pts: &[P]) -> Vec<Pt> {
        let mut out: Vec<Pt> = Vec::with_capacity(pts.len());
        for p in pts {
            let q = [((p[0] - self.x0) * self.scale).round() as i32, ((p[1] - self.y0) * self.scale).round() as i32];
            if out.last() != Some(&q) {
                out.push(q);
            }
        }
        out
    }
}

/// The tile `z/x/y` (None when the map is not built in).
pub fn tile(z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
    layers(z, x, y).map(|l| mvt::encode(&l))
}

/// The layers of tile `z/x/y`, cut but not encoded (None when the map is not built in).
pub fn layers(z: u8, x: u32, y: u32) -> Option<Vec<Layer>> {
    let w = world()?;
    let scale = if z >= DETAIL_ZOOM { &w.detail } else { &w.coarse };
    let n = f64::from(1u32 << z);
    let grid = Grid { scale: n * f64::from(EXTENT), x0: f64::from(x) / n, y0: f64::from(y) / n };
    let pad = BUFFER / grid.scale;
    let b: Box2 = [grid.x0 - pad, grid.y0 - pad, grid.x0 + 1.0 / n + pad, grid.y0 + 1.0 / n + pad];
    let overlaps = |p: &&Part| p.bbox[0] <= b[2] && p.bbox[2] >= b[0] && p.bbox[1] <= b[3] && p.bbox[3] >= b[1];

    let mut land = Vec::new();
    // The coast is drawn from the rings as lines: a polygon's outline would also draw the
    // edges that clipping adds along the tile's buffer, as seams between tiles.
    let mut coast = Vec::new();
    for p in scale.land.iter().filter(overlaps) {
        for r in &p.lines {
            for run in clip::line(r, &b) {
                let pts = grid.points(&run);
                if pts.len() > 1 {
                    coast.push(pts);
                }
            }
        }
        let mut rings = Vec::new();
        for (i, r) in p.rings.iter().enumerate() {
            let Some(cut) = clip::ring(r, &b) else {
                if i == 0 {
                    break; // no exterior, no polygon
                }
                continue;
            };
            let mut pts = grid.points(&cut);
            let a = area2(&pts);
            if pts.len() < 4 || a == 0 {
                if i == 0 {
                    break;
                }
                continue;
            }
            // Exteriors positive, holes negative, whatever the source's winding.
            if (i == 0) != (a > 0) {
                pts.reverse();
            }
            rings.push(pts);
        }
        if !rings.is_empty() {
            land.push(rings);
        }
    }
    let mut borders = Vec::new();
    for p in scale.borders.iter().filter(overlaps) {
        for run in p.lines.iter().flat_map(|l| clip::line(l, &b)) {
            let pts = grid.points(&run);
            if pts.len() > 1 {
                borders.push(pts);
            }
        }
    }
    Some(vec![
        Layer::shapes("land", Shapes::Polygons(land)),
        Layer::shapes("coast", Shapes::Lines(coast)),
        Layer::shapes("borders", Shapes::Lines(borders)),
    ])
}

/// Tiles up to this zoom are kept once cut: they are few (341 in all) and the dearest, holding
/// the most shapes (the world at zoom 0 is 256 KB and takes about 6 ms); closer ones take 1 to
/// 3 ms and are cut again each time.
const KEPT_ZOOM: u8 = 4;

type Kept = std::sync::Mutex<std::collections::HashMap<(u8, u32, u32), bytes::Bytes>>;
static KEPT: OnceLock<Kept> = OnceLock::new();

/// The tile `z/x/y`, from the kept ones where it is one of them.
pub fn kept_tile(z: u8, x: u32, y: u32) -> Option<bytes::Bytes> {
    if z > KEPT_ZOOM {
        return tile(z, x, y).map(Into::into);
    }
    let kept = KEPT.get_or_init(Default::default);
    if let Some(b) = kept.lock().expect("tile cache lock").get(&(z, x, y)) {
        return Some(b.clone());
    }
    let b: bytes::Bytes = tile(z, x, y)?.into();
    kept.lock().expect("tile cache lock").insert((z, x, y), b.clone());
    Some(b)
}

/// The tile a path `z/x/y.mvt` names, if it is one of the tiles there are.
pub fn parse_path(z: &str, x: &str, file: &str) -> Option<(u8, u32, u32)> {
    let z: u8 = z.parse().ok()?;
    let x: u32 = x.parse().ok()?;
    let y: u32 = file.strip_suffix(".mvt")?.parse().ok()?;
    (z <= MAX_ZOOM && x < (1 << z) && y < (1 << z)).then_some((z, x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::mvt::read;

    /// The tile (z, x, y) and position inside it, in tile units, of a longitude and latitude.
    fn locate(z: u8, lon: f64, lat: f64) -> (u32, u32, [f64; 2]) {
        let [mx, my] = mercator([lon, lat]);
        let n = f64::from(1u32 << z);
        let (tx, ty) = ((mx * n).floor(), (my * n).floor());
        (tx as u32, ty as u32, [(mx * n - tx) * f64::from(EXTENT), (my * n - ty) * f64::from(EXTENT)])
    }

    /// Even-odd test over every ring of the land layer.
    fn on_land(paths: &[Vec<[i32; 2]>], p: [f64; 2]) -> bool {
        let mut inside = false;
        for ring in paths {
            for w in ring.windows(2) {
                let ([x1, y1], [x2, y2]) = (w[0].map(f64::from), w[1].map(f64::from));
                if (y1 > p[1]) != (y2 > p[1]) && p[0] < x1 + (p[1] - y1) * (x2 - x1) / (y2 - y1) {
                    inside = !inside;
                }
            }
        }
        inside
    }

    #[test]
    fn latakia_is_on_land_and_the_sea_off_it_is_not_at_zoom_8() {
        if !cfg!(feature = "web") {
            return;
        }
        // Latakia's centre, and a point 12 km out to sea west of it.
        let (x, y, town) = locate(8, 35.7832, 35.5196);
        let (x2, y2, sea) = locate(8, 35.64, 35.52);
        assert_eq!((x, y), (x2, y2), "both in one tile");
        let layers = read::layers(&tile(8, x, y).expect("the map is built in"));
        let land = layers.iter().find(|l| l.0 == "land").expect("a land layer");
        assert_eq!(land.1, 3, "polygons");
        assert!(on_land(&land.2, town), "Latakia is on land");
        assert!(!on_land(&land.2, sea), "the sea off Latakia is not");
        for ring in &land.2 {
            assert!(
                ring.iter().all(|p| p.iter().all(|&c| (-65..=4161).contains(&c))),
                "clipped to the tile and its buffer"
            );
        }
        let coast = layers.iter().find(|l| l.0 == "coast").expect("a coast layer");
        assert_eq!(coast.1, 2, "lines");
        assert!(!coast.2.is_empty());
        let edge = |c: i32| c <= -63 || c >= 4159;
        for line in &coast.2 {
            for w in line.windows(2) {
                let along = (w[0][0] == w[1][0] && edge(w[0][0])) || (w[0][1] == w[1][1] && edge(w[0][1]));
                assert!(!along, "a coast segment runs along the tile's buffer edge (a seam): {w:?}");
            }
        }
        // Syria's border with Turkey runs through the tile north of Latakia at zoom 6.
        let (x, y, _) = locate(6, 36.2, 36.0);
        let layers = read::layers(&tile(6, x, y).unwrap());
        assert!(layers.iter().any(|l| l.0 == "borders" && l.1 == 2 && !l.2.is_empty()), "borders at zoom 6");
    }

    /// Whether the land layer of the tile at (z, lon, lat) covers that point.
    fn land_at(z: u8, lon: f64, lat: f64) -> bool {
        let (x, y, p) = locate(z, lon, lat);
        let layers = read::layers(&tile(z, x, y).unwrap());
        layers.iter().find(|l| l.0 == "land").is_some_and(|l| on_land(&l.2, p))
    }

    #[test]
    fn land_and_sea_are_right_across_the_world_and_across_the_antimeridian() {
        if !cfg!(feature = "web") {
            return;
        }
        // Shapes that run past 180° (Afro-Eurasia through Chukotka, Fiji) or round the South
        // Pole (Antarctica) once filled the wrong side of their lines on a flat map.
        for z in [0, 1, 3, 6] {
            assert!(land_at(z, -3.7, 40.4), "Madrid, zoom {z}");
            assert!(!land_at(z, -20.0, 40.0), "the Atlantic west of Portugal, zoom {z}");
            assert!(land_at(z, 0.0, -80.0), "Antarctica, zoom {z}");
            assert!(!land_at(z, 0.0, -50.0), "the South Atlantic, zoom {z}");
            assert!(land_at(z, -173.0, 66.0), "Chukotka east of 180°, zoom {z}");
            assert!(land_at(z, 170.0, 67.0), "Chukotka west of 180°, zoom {z}");
            assert!(!land_at(z, -150.0, 70.5), "the Beaufort Sea, zoom {z}");
        }
    }

    #[test]
    fn low_zoom_tiles_are_cut_once_and_closer_ones_each_time() {
        if !cfg!(feature = "web") {
            return;
        }
        let (a, b) = (kept_tile(2, 2, 1).unwrap(), kept_tile(2, 2, 1).unwrap());
        assert_eq!(a.as_ptr(), b.as_ptr(), "the same kept bytes");
        assert_eq!(a, bytes::Bytes::from(tile(2, 2, 1).unwrap()), "and the same as cutting it");
        let (c, d) = (kept_tile(8, 153, 102).unwrap(), kept_tile(8, 153, 102).unwrap());
        assert_eq!(c, d);
        assert_ne!(c.as_ptr(), d.as_ptr(), "cut again");
    }

    #[test]
    fn the_whole_world_fits_in_one_small_tile_and_the_open_sea_is_empty() {
        if !cfg!(feature = "web") {
            return;
        }
        let world = tile(0, 0, 0).unwrap();
        assert!(world.len() < 400_000, "zoom 0 is {} bytes", world.len());
        let layers = read::layers(&world);
        let land = &layers.iter().find(|l| l.0 == "land").unwrap().2;
        let exteriors = land.iter().filter(|r| area2(r) > 0).count();
        assert!(exteriors > 100, "continents and islands: {exteriors}");
        // The middle of the South Pacific at zoom 5.
        let (x, y, _) = locate(5, -130.0, -40.0);
        assert!(read::layers(&tile(5, x, y).unwrap()).is_empty(), "no land or border there");
    }
}
