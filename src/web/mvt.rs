//! Mapbox Vector Tile 2.1 encoding (the protobuf MapLibre reads): layers of features (points,
//! lines or polygons in tile coordinates) with properties, for the basemap and the events.

use std::collections::HashMap;

/// Tile coordinates: `EXTENT` units across the tile, y down.
pub type Pt = [i32; 2];

/// The width of a tile in its own units.
pub const EXTENT: u32 = 4096;

/// The shapes of one feature.
pub enum Shapes {
    /// Points (one or more).
    Points(Vec<Pt>),
    /// Polygons, each an exterior ring then its holes; rings are closed (first = last), exteriors
    /// have a positive and holes a negative area in tile coordinates (the spec's winding).
    Polygons(Vec<Vec<Vec<Pt>>>),
    /// Lines of two positions or more.
    Lines(Vec<Vec<Pt>>),
}

/// A property's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Text(String),
    Uint(u64),
}

/// A feature: its shapes and properties.
pub struct Feature {
    pub shapes: Shapes,
    pub properties: Vec<(String, Value)>,
}

/// A named layer.
pub struct Layer {
    pub name: &'static str,
    pub features: Vec<Feature>,
}

impl Layer {
    /// A layer of one feature without properties that holds every shape (a multipolygon or a
    /// multilinestring), as the basemap's layers are.
    pub fn shapes(name: &'static str, shapes: Shapes) -> Self {
        Self { name, features: vec![Feature { shapes, properties: Vec::new() }] }
    }
}

/// The encoded tile; a feature without shapes and a layer without features are left out.
pub fn encode(layers: &[Layer]) -> Vec<u8> {
    let mut tile = Vec::new();
    for layer in layers {
        let mut l = Vec::new();
        varint_field(&mut l, 15, 2);
        bytes_field(&mut l, 1, layer.name.as_bytes());
        let (mut keys, mut values) = (Vec::<&str>::new(), Vec::<&Value>::new());
        let (mut key_ix, mut value_ix) = (HashMap::<&str, u32>::new(), HashMap::<&Value, u32>::new());
        let mut any = false;
        for f in &layer.features {
            let (kind, geometry) = match &f.shapes {
                Shapes::Points(ps) if !ps.is_empty() => (1, points(ps)),
                Shapes::Polygons(ps) if !ps.is_empty() => (3, polygons(ps)),
                Shapes::Lines(ls) if !ls.is_empty() => (2, lines(ls)),
                _ => continue,
            };
            any = true;
            let mut tags = Vec::with_capacity(f.properties.len() * 2);
            for (k, v) in &f.properties {
                let ki = *key_ix.entry(k.as_str()).or_insert_with(|| {
                    keys.push(k);
                    keys.len() as u32 - 1
                });
                let vi = *value_ix.entry(v).or_insert_with(|| {
                    values.push(v);
                    values.len() as u32 - 1
                });
                tags.extend([ki, vi]);
            }
            let mut feature = Vec::new();
            if !tags.is_empty() {
                packed_field(&mut feature, 2, &tags);
            }
            varint_field(&mut feature, 3, kind);
            packed_field(&mut feature, 4, &geometry);
            bytes_field(&mut l, 2, &feature);
        }
        if !any {
            continue;
        }
        for k in keys {
            bytes_field(&mut l, 3, k.as_bytes());
        }
        for v in values {
            let mut m = Vec::new();
            match v {
                Value::Text(t) => bytes_field(&mut m, 1, t.as_bytes()),
                Value::Uint(n) => varint_field(&mut m, 5, *n),
            }
            bytes_field(&mut l, 4, &m);
        }
        varint_field(&mut l, 5, u64::from(EXTENT));
        bytes_field(&mut tile, 3, &l);
    }
    tile
}

/// Geometry commands: (command id, repeat count).
fn command(id: u32, count: usize) -> u32 {
    (id & 7) | ((count as u32) << 3)
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// Writes MoveTo the first point and LineTo the rest, moving the cursor.
fn path(out: &mut Vec<u32>, cursor: &mut Pt, pts: &[Pt]) {
    let mut step = |out: &mut Vec<u32>, p: Pt| {
        out.push(zigzag(p[0] - cursor[0]));
        out.push(zigzag(p[1] - cursor[1]));
        *cursor = p;
    };
    out.push(command(1, 1));
    step(out, pts[0]);
    out.push(command(2, pts.len() - 1));
    for &p in &pts[1..] {
        step(out, p);
    }
}

fn points(ps: &[Pt]) -> Vec<u32> {
    let mut out = Vec::with_capacity(1 + ps.len() * 2);
    let mut cursor = [0, 0];
    out.push(command(1, ps.len()));
    for &p in ps {
        out.push(zigzag(p[0] - cursor[0]));
        out.push(zigzag(p[1] - cursor[1]));
        cursor = p;
    }
    out
}

fn polygons(ps: &[Vec<Vec<Pt>>]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut cursor = [0, 0];
    for ring in ps.iter().flatten() {
        path(&mut out, &mut cursor, &ring[..ring.len() - 1]);
        out.push(command(7, 1));
    }
    out
}

fn lines(ls: &[Vec<Pt>]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut cursor = [0, 0];
    for l in ls {
        path(&mut out, &mut cursor, l);
    }
    out
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn packed_field(out: &mut Vec<u8>, field: u64, values: &[u32]) {
    let mut body = Vec::with_capacity(values.len() * 2);
    for &v in values {
        varint(&mut body, u64::from(v));
    }
    bytes_field(out, field, &body);
}

/// A reader of what `encode` writes (only the parts it writes), for the tests and the benches
/// that check tiles.
pub mod read {
    use std::collections::BTreeMap;

    /// A layer read back: (name, geometry type, absolute paths), each path a list of points,
    /// rings closed again; the paths of all its features together.
    pub type Read = (String, u64, Vec<Vec<[i32; 2]>>);

    /// A feature read back: its geometry type, paths (a point is a path of one) and properties
    /// (a number as its decimal text).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Feature {
        pub kind: u64,
        pub paths: Vec<Vec<[i32; 2]>>,
        pub properties: BTreeMap<String, String>,
    }

    /// The layers of a tile, each with its features.
    pub fn features(tile: &[u8]) -> Vec<(String, Vec<Feature>)> {
        let mut out = Vec::new();
        for (field, value) in fields(tile) {
            assert_eq!(field, 3, "a tile holds only layers");
            let Value::Bytes(layer) = value else { panic!("a layer is a message") };
            let (mut name, mut keys, mut values, mut raw) = (String::new(), Vec::new(), Vec::new(), Vec::new());
            for (f, v) in fields(layer) {
                match (f, v) {
                    (1, Value::Bytes(b)) => name = String::from_utf8(b.to_vec()).unwrap(),
                    (2, Value::Bytes(feature)) => raw.push(feature),
                    (3, Value::Bytes(b)) => keys.push(String::from_utf8(b.to_vec()).unwrap()),
                    (4, Value::Bytes(b)) => values.push(match fields(b).first() {
                        Some((1, Value::Bytes(t))) => String::from_utf8(t.to_vec()).unwrap(),
                        Some((5, Value::Int(n))) => n.to_string(),
                        other => panic!("a value of an unwritten type: {:?}", other.map(|o| o.0)),
                    }),
                    (15, Value::Int(v)) => assert_eq!(v, 2),
                    (5, Value::Int(e)) => assert_eq!(e, 4096),
                    _ => {}
                }
            }
            let feats = raw
                .into_iter()
                .map(|feature| {
                    let mut f = Feature { kind: 0, paths: Vec::new(), properties: BTreeMap::new() };
                    for (g, w) in fields(feature) {
                        match (g, w) {
                            (2, Value::Bytes(b)) => {
                                for kv in packed(b).chunks(2) {
                                    f.properties.insert(keys[kv[0] as usize].clone(), values[kv[1] as usize].clone());
                                }
                            }
                            (3, Value::Int(k)) => f.kind = k,
                            (4, Value::Bytes(b)) => f.paths = decode(&packed(b)),
                            _ => {}
                        }
                    }
                    f
                })
                .collect();
            out.push((name, feats));
        }
        out
    }

    /// The layers of a tile.
    pub fn layers(tile: &[u8]) -> Vec<Read> {
        features(tile)
            .into_iter()
            .map(|(name, fs)| {
                let kind = fs.first().map_or(0, |f| f.kind);
                (name, kind, fs.into_iter().flat_map(|f| f.paths).collect())
            })
            .collect()
    }

    enum Value<'a> {
        Int(u64),
        Bytes(&'a [u8]),
    }

    fn varint(b: &[u8], i: &mut usize) -> u64 {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let byte = b[*i];
            *i += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    fn fields(b: &[u8]) -> Vec<(u64, Value<'_>)> {
        let (mut i, mut out) = (0, Vec::new());
        while i < b.len() {
            let key = varint(b, &mut i);
            match key & 7 {
                0 => out.push((key >> 3, Value::Int(varint(b, &mut i)))),
                2 => {
                    let n = varint(b, &mut i) as usize;
                    out.push((key >> 3, Value::Bytes(&b[i..i + n])));
                    i += n;
                }
                w => panic!("wire type {w} is not written"),
            }
        }
        out
    }

    fn packed(b: &[u8]) -> Vec<u32> {
        let (mut i, mut out) = (0, Vec::new());
        while i < b.len() {
            out.push(varint(b, &mut i) as u32);
        }
        out
    }

    fn decode(cmds: &[u32]) -> Vec<Vec<[i32; 2]>> {
        let (mut i, mut cur, mut paths) = (0, [0i32, 0i32], Vec::<Vec<[i32; 2]>>::new());
        let unzig = |v: u32| ((v >> 1) as i32) ^ -((v & 1) as i32);
        while i < cmds.len() {
            let (id, count) = (cmds[i] & 7, cmds[i] >> 3);
            i += 1;
            match id {
                1 | 2 => {
                    for _ in 0..count {
                        cur = [cur[0] + unzig(cmds[i]), cur[1] + unzig(cmds[i + 1])];
                        i += 2;
                        if id == 1 {
                            paths.push(vec![cur]);
                        } else {
                            paths.last_mut().unwrap().push(cur);
                        }
                    }
                }
                7 => {
                    let p = paths.last_mut().unwrap();
                    p.push(p[0]);
                }
                c => panic!("command {c}"),
            }
        }
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_and_lines_come_back_from_the_bytes() {
        let square = vec![vec![[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]];
        let tile = encode(&[
            Layer::shapes("land", Shapes::Polygons(vec![square.clone()])),
            Layer::shapes("empty", Shapes::Lines(vec![])),
            Layer::shapes("borders", Shapes::Lines(vec![vec![[5, -3], [-2, 4000]], vec![[7, 7], [8, 8], [9, 7]]])),
        ]);
        let layers = read::layers(&tile);
        assert_eq!(layers.len(), 2, "the empty layer is left out");
        assert_eq!((layers[0].0.as_str(), layers[0].1), ("land", 3));
        assert_eq!(layers[0].2, square);
        assert_eq!((layers[1].0.as_str(), layers[1].1), ("borders", 2));
        assert_eq!(layers[1].2, vec![vec![[5, -3], [-2, 4000]], vec![[7, 7], [8, 8], [9, 7]]]);
    }

    #[test]
    fn points_and_properties_come_back_from_the_bytes() {
        let feature = |p: Pt, id: &str, n: u64| Feature {
            shapes: Shapes::Points(vec![p]),
            properties: vec![("id".into(), Value::Text(id.into())), ("count".into(), Value::Uint(n))],
        };
        let tile =
            encode(&[Layer { name: "cells", features: vec![feature([1, 2], "a", 7), feature([-5, 4100], "b", 7)] }]);
        let layers = read::features(&tile);
        assert_eq!(layers.len(), 1);
        let (name, fs) = &layers[0];
        assert_eq!(name, "cells");
        assert_eq!(fs.len(), 2);
        assert_eq!((fs[0].kind, &fs[0].paths), (1, &vec![vec![[1, 2]]]));
        assert_eq!(fs[1].paths, vec![vec![[-5, 4100]]]);
        assert_eq!(fs[1].properties["id"], "b");
        assert_eq!(fs[1].properties["count"], "7");
    }

    #[test]
    fn commands_and_zigzag_follow_the_spec() {
        // The spec's own example: MoveTo(1) count 1 is 9, LineTo(2) count 3 is 26, ClosePath 15.
        assert_eq!(command(1, 1), 9);
        assert_eq!(command(2, 3), 26);
        assert_eq!(command(7, 1), 15);
        assert_eq!([zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)], [0, 1, 2, 3]);
    }
}
