//! Web Mercator tiles of events: which tile a position lies in, a tile's bounds in degrees and
//! the grid of cells an aggregated tile counts events in. Pure arithmetic, no I/O.
//!
//! An event's *position* is where the map draws its dot and the tile that counts it: the last
//! point of its line when its geometry is a LineString (a movement's destination), else the
//! centre of its envelope, `((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)` (a point
//! event's own point). It always lies in the envelope. Every position lies in exactly one tile of a
//! zoom: a tile holds its west and north edges and not its east and south ones, except that
//! the last column reaches 180° and the top and bottom rows reach the poles (Web Mercator stops
//! at ±85.0511°, events beyond it are counted in the edge rows). The store counts with exactly
//! these comparisons, so the counts of a zoom's tiles add up to every matching event with a
//! position.

use super::filter::BBox;

/// The deepest zoom a tile of events may be asked for; the map enlarges the last ones.
pub const MAX_ZOOM: u8 = 18;

/// Cells per side of an aggregated tile: 8 × 8 cells of 64 pixels on a 512-pixel tile.
pub const CELLS: u32 = 8;

/// A tile `z/x/y` (x from the west, y from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// The tile a path's parts `z`, `x` and `y.mvt` name, or why there is none.
    pub fn parse(z: &str, x: &str, file: &str) -> Result<Self, String> {
        let bad = || format!("`{z}/{x}/{file}` is not z/x/y.mvt with z from 0 to {MAX_ZOOM} and x, y below 2^z");
        let y = file.strip_suffix(".mvt").ok_or_else(bad)?;
        let (Ok(z), Ok(x), Ok(y)) = (z.parse::<u8>(), x.parse::<u32>(), y.parse::<u32>()) else {
            return Err(bad());
        };
        if z > MAX_ZOOM || x >= (1 << z) || y >= (1 << z) {
            return Err(bad());
        }
        Ok(Self { z, x, y })
    }

    fn n(&self) -> u32 {
        1 << self.z
    }

    /// The west edge of column `x + fx` in degrees.
    fn lon(&self, fx: f64) -> f64 {
        (f64::from(self.x) + fx) / f64::from(self.n()) * 360.0 - 180.0
    }

    /// The latitude of row `y + fy`'s north edge in degrees.
    fn lat(&self, fy: f64) -> f64 {
        let t = std::f64::consts::PI * (1.0 - 2.0 * (f64::from(self.y) + fy) / f64::from(self.n()));
        t.sinh().atan().to_degrees()
    }

    /// The longitudes and latitudes that bound the positions the tile holds: `west <= lon` and
    /// `lon < east` (no east bound in the last column), `south <= lat` (none in the bottom row)
    /// and `lat < north` (none in the top row).
    pub fn bounds(&self) -> TileBounds {
        let last = self.n() - 1;
        TileBounds {
            west: self.lon(0.0),
            east: (self.x < last).then(|| self.lon(1.0)),
            south: (self.y < last).then(|| self.lat(1.0)),
            north: (self.y > 0).then(|| self.lat(0.0)),
        }
    }

    /// The box the tile covers, widened by `pad` tiles on each side (clamped to the world),
    /// with the edge rows reaching the poles: every envelope that holds a position in the tile,
    /// or reaches into its buffer, overlaps it.
    pub fn bbox(&self, pad: f64) -> BBox {
        let b = self.bounds();
        let lon_pad = 360.0 / f64::from(self.n()) * pad;
        BBox {
            min_lon: (b.west - lon_pad).max(-180.0),
            max_lon: (self.lon(1.0) + lon_pad).min(180.0),
            min_lat: if b.south.is_some() && pad < 1.0 { self.lat(1.0 + pad) } else { -90.0 },
            max_lat: if b.north.is_some() && pad < 1.0 { self.lat(-pad) } else { 90.0 },
        }
    }

    /// The inner edges of the cell grid: longitudes of the `CELLS - 1` boundaries between
    /// columns, west to east, and latitudes of those between rows, north to south (equal steps
    /// in Web Mercator, so that cells are square on the map).
    pub fn cell_edges(&self) -> (Vec<f64>, Vec<f64>) {
        let step = 1.0 / f64::from(CELLS);
        let lons = (1..CELLS).map(|k| self.lon(f64::from(k) * step)).collect();
        let lats = (1..CELLS).map(|k| self.lat(f64::from(k) * step)).collect();
        (lons, lats)
    }

    /// Web Mercator units (0..1 across the world, y down) to this tile's units (`extent`
    /// across the tile).
    pub fn to_tile(&self, [mx, my]: [f64; 2], extent: f64) -> [f64; 2] {
        let n = f64::from(self.n());
        [(mx * n - f64::from(self.x)) * extent, (my * n - f64::from(self.y)) * extent]
    }
}

/// What [`TileId::bounds`] says; `None` is no bound on that side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileBounds {
    pub west: f64,
    pub east: Option<f64>,
    pub south: Option<f64>,
    pub north: Option<f64>,
}

impl TileBounds {
    /// Whether a position lies in the tile (the comparisons the store makes).
    pub fn holds(&self, lon: f64, lat: f64) -> bool {
        lon >= self.west
            && self.east.is_none_or(|e| lon < e)
            && self.south.is_none_or(|s| lat >= s)
            && self.north.is_none_or(|n| lat < n)
    }
}

/// Longitude and latitude to Web Mercator units (0..1 across the world, y down); latitudes
/// beyond ±85.0511° are clamped to the edge.
pub fn mercator([lon, lat]: [f64; 2]) -> [f64; 2] {
    let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    [(lon + 180.0) / 360.0, (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0]
}

/// The centre of an envelope `[min_lon, min_lat, max_lon, max_lat]` (as the store computes it):
/// the position of an event whose geometry is not a LineString.
pub fn position(e: [f64; 4]) -> [f64; 2] {
    [(e[0] + e[2]) / 2.0, (e[1] + e[3]) / 2.0]
}

/// The position of an event with envelope `e` and, when its geometry is a LineString, that
/// line's `last` point (as the store computes it, `store::sql::tiles::position`).
pub fn position_of(e: [f64; 4], last: Option<[f64; 2]>) -> [f64; 2] {
    match last {
        Some(p) if !(e[0] == e[2] && e[1] == e[3]) => p,
        _ => position(e),
    }
}

/// Matching events of one category in one cell of a tile: the cell's column and row (0..CELLS,
/// from the west and the north), how many, and the sums of their longitudes and latitudes (for
/// the mean position the map draws the cell at).
#[derive(Debug, Clone, PartialEq)]
pub struct CellCount {
    pub column: u32,
    pub row: u32,
    pub category: String,
    pub count: u64,
    pub sum_lon: f64,
    pub sum_lat: f64,
}

/// A matching event near a tile, as the store gives it for a tile of events: its Feature JSON,
/// its envelope, its position and whether that lies in the tile.
#[derive(Debug, Clone, PartialEq)]
pub struct TileEvent {
    pub feature: String,
    pub envelope: [f64; 4],
    pub position: [f64; 2],
    pub in_tile: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_lies_in_exactly_one_tile_of_a_zoom() {
        let spots = [
            [0.0, 0.0],
            [-180.0, -90.0],
            [180.0, 90.0],
            [179.999, 85.06],
            [-45.0, 0.0],
            [35.78, 35.52],
            [12.5, -89.9],
            [-0.000_001, 66.5],
        ];
        for z in [0u8, 1, 2, 5, 9] {
            let n = 1u32 << z;
            for [lon, lat] in spots {
                let holders = (0..n)
                    .flat_map(|x| (0..n).map(move |y| TileId { z, x, y }))
                    .filter(|t| t.bounds().holds(lon, lat))
                    .count();
                assert_eq!(holders, 1, "({lon}, {lat}) at zoom {z}");
            }
        }
    }

    #[test]
    fn paths_outside_the_pyramid_are_refused() {
        assert_eq!(TileId::parse("3", "7", "0.mvt"), Ok(TileId { z: 3, x: 7, y: 0 }));
        for (z, x, f) in
            [("3", "8", "0.mvt"), ("3", "0", "8.mvt"), ("19", "0", "0.mvt"), ("1", "0", "0.png"), ("a", "0", "0.mvt")]
        {
            assert!(TileId::parse(z, x, f).is_err(), "{z}/{x}/{f}");
        }
    }

    #[test]
    fn cell_edges_split_the_tile_into_equal_mercator_steps() {
        let t = TileId { z: 2, x: 1, y: 1 };
        let (lons, lats) = t.cell_edges();
        assert_eq!(lons.len(), 7);
        assert!((lons[3] - (-45.0)).abs() < 1e-9, "the middle column edge is the tile's middle");
        let b = t.bounds();
        assert!(lats.windows(2).all(|w| w[0] > w[1]) && lats[0] < b.north.unwrap() && lats[6] > b.south.unwrap());
        let [_, y] = t.to_tile(mercator([0.0, lats[3]]), 4096.0);
        assert!((y - 2048.0).abs() < 1e-6, "{y}");
    }

    #[test]
    fn a_padded_box_reaches_the_poles_in_the_edge_rows() {
        let b = TileId { z: 1, x: 0, y: 0 }.bbox(0.0);
        assert_eq!((b.min_lon, b.max_lon, b.max_lat), (-180.0, 0.0, 90.0));
        assert!(b.min_lat.abs() < 1e-9);
        let b = TileId { z: 3, x: 4, y: 3 }.bbox(0.125);
        assert!(b.min_lon < 0.0 && b.max_lon > 45.0);
    }
}
