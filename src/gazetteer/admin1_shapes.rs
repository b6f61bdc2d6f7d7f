//! The shapes of first-level divisions (Natural Earth's 1:10m admin-1, simplified to about
//! 100 m; see `data/README.md`), for telling which division a point lies in. Loaded from the
//! embedded `data/admin1.bin` on first use; each shape is matched once to the gazetteer's
//! region it stands for (the region whose point it contains, else the one of its name).

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::format::{Corrupt, Reader};

/// The shapes file compiled into the binary.
pub static EMBEDDED: &[u8] = include_bytes!("../../data/admin1.bin");

const MAGIC: &[u8; 8] = b"EMADM001";

/// One division: its country and name, and its polygons (each a shell and its holes) in 1e-5
/// degrees. (The file also keeps Natural Earth's code, `SY.ID`, which eventmap does not use.)
pub struct Division {
    pub country: [u8; 2],
    pub name: String,
    polygons: Vec<Vec<Vec<[i32; 2]>>>,
}

impl Division {
    /// Whether the point (1e-5 degrees) lies inside: inside a shell and outside its holes,
    /// by the even-odd rule over the polygon's rings.
    fn contains(&self, x: i64, y: i64) -> bool {
        self.polygons.iter().any(|rings| rings.iter().filter(|r| crosses_odd(r, x, y)).count() % 2 == 1)
    }

    /// The box around the division's points: `[min_x, min_y, max_x, max_y]`.
    pub fn bbox(&self) -> [i32; 4] {
        let mut b = [i32::MAX, i32::MAX, i32::MIN, i32::MIN];
        for p in self.polygons.iter().flatten().flatten() {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
        b
    }
}

/// Whether a ray from (x, y) towards +x crosses the ring an odd number of times.
fn crosses_odd(ring: &[[i32; 2]], x: i64, y: i64) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for i in 0..ring.len() {
        let (xi, yi) = (i64::from(ring[i][0]), i64::from(ring[i][1]));
        let (xj, yj) = (i64::from(ring[j][0]), i64::from(ring[j][1]));
        if (yi > y) != (yj > y) {
            // x of the edge at height y, compared without division: sign-aware cross product.
            let lhs = (x - xi) * (yj - yi);
            let rhs = (xj - xi) * (y - yi);
            if (yj > yi && lhs < rhs) || (yj < yi && lhs > rhs) {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// Every division, with an R-tree over their boxes.
pub struct Shapes {
    pub divisions: Vec<Division>,
    tree: RTree<GeomWithData<Rectangle<[i32; 2]>, u32>>,
}

impl Shapes {
    /// Reads a shapes file (see `data/scripts/extract_admin1.py` for the layout).
    pub fn load(compressed: &[u8]) -> Result<Self, Corrupt> {
        let raw = zstd::decode_all(compressed).map_err(|_| Corrupt(0))?;
        let mut r = Reader { buf: &raw, pos: 0 };
        if r.bytes(8)? != MAGIC {
            return Err(Corrupt(0));
        }
        let n = r.varint()? as usize;
        let mut divisions = Vec::with_capacity(n.min(100_000));
        let text = |r: &mut Reader| -> Result<String, Corrupt> {
            let len = r.varint()? as usize;
            let at = r.pos;
            String::from_utf8(r.bytes(len)?.to_vec()).map_err(|_| Corrupt(at))
        };
        let unzig = |v: u64| ((v >> 1) as i64) ^ -((v & 1) as i64);
        for _ in 0..n {
            let cc = r.bytes(2)?;
            let country = [cc[0], cc[1]];
            let _code = text(&mut r)?;
            let name = text(&mut r)?;
            let (mut x, mut y) = (0i64, 0i64);
            let mut polygons = Vec::new();
            for _ in 0..r.varint()? {
                let mut rings = Vec::new();
                for _ in 0..r.varint()? {
                    let points = r.varint()? as usize;
                    let mut ring = Vec::with_capacity(points.min(1 << 20));
                    for _ in 0..points {
                        x += unzig(r.varint()?);
                        y += unzig(r.varint()?);
                        let at = r.pos;
                        ring.push([
                            i32::try_from(x).map_err(|_| Corrupt(at))?,
                            i32::try_from(y).map_err(|_| Corrupt(at))?,
                        ]);
                    }
                    rings.push(ring);
                }
                polygons.push(rings);
            }
            divisions.push(Division { country, name, polygons });
        }
        let boxes = divisions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let b = d.bbox();
                GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i as u32)
            })
            .collect();
        Ok(Self { divisions, tree: RTree::bulk_load(boxes) })
    }

    /// The divisions that hold a point (degrees): one, except where shapes overlap.
    pub fn at(&self, lon: f64, lat: f64) -> impl Iterator<Item = u32> + '_ {
        let (x, y) = ((lon * 1e5).round() as i32, (lat * 1e5).round() as i32);
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([x, y]))
            .map(|e| e.data)
            .filter(move |i| self.divisions[*i as usize].contains(i64::from(x), i64::from(y)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_shapes_load_and_hold_their_towns() {
        let s = Shapes::load(EMBEDDED).unwrap();
        assert!(s.divisions.len() > 4000, "{}", s.divisions.len());
        let name_at = |lon, lat| s.at(lon, lat).map(|i| s.divisions[i as usize].name.clone()).collect::<Vec<_>>();
        assert_eq!(name_at(36.633, 35.93), ["Idlib"]);
        assert_eq!(name_at(36.29, 33.51), ["Damascus"]);
        assert_eq!(name_at(36.23, 49.99), ["Kharkiv"]);
        // Saraqib is in Idlib, and Khan Shaykhun too, though nearer to Hama's towns.
        assert_eq!(name_at(36.80, 35.86), ["Idlib"]);
        assert!(name_at(33.0, 34.5).is_empty(), "the sea off Lebanon lies in no division");
    }

    #[test]
    fn a_ring_tells_inside_from_outside_and_a_hole_is_outside() {
        let square = |a: i32, b: i32| vec![[a, a], [b, a], [b, b], [a, b]];
        let d = Division { country: *b"XX", name: "x".into(), polygons: vec![vec![square(0, 100), square(40, 60)]] };
        assert!(d.contains(10, 10));
        assert!(!d.contains(50, 50), "in the hole");
        assert!(!d.contains(150, 50));
        assert!(!d.contains(-1, 50));
    }

    #[test]
    fn a_corrupt_file_is_refused() {
        assert!(Shapes::load(b"nonsense").is_err());
        let raw = zstd::encode_all(&b"EMADM001\x05"[..], 1).unwrap();
        assert!(Shapes::load(&raw).is_err(), "five divisions promised, none there");
    }
}
