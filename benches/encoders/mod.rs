//! The hand-written MVT encoder (`src/web/mvt.rs`) against the `mvt` crate on the same layers:
//! time, bytes, and the features each tile reads back as (the same layers, features and
//! properties; the crate drops points that lie on a straight line, and paths left empty).

use std::time::{Duration, Instant};

use eventmap::web::mvt::{self, Layer, Shapes, Value, read};

/// The same layers through the `mvt` crate: a feature's shapes are one geometry (multipoint,
/// multilinestring or multipolygon), rings given without their closing point (the crate closes
/// them), properties as strings and unsigned integers.
pub fn with_crate(layers: &[Layer]) -> Vec<u8> {
    let mut tile = ::mvt::Tile::new(mvt::EXTENT);
    for l in layers {
        let mut layer = tile.create_layer(l.name);
        for f in &l.features {
            let geometry = match &f.shapes {
                Shapes::Points(ps) if !ps.is_empty() => {
                    let mut g = ::mvt::GeomEncoder::<f64>::new(::mvt::GeomType::Point);
                    for p in ps {
                        g.add_point(f64::from(p[0]), f64::from(p[1])).expect("a point");
                    }
                    g.encode().expect("points")
                }
                Shapes::Lines(ls) if !ls.is_empty() => {
                    let mut g = ::mvt::GeomEncoder::<f64>::new(::mvt::GeomType::Linestring);
                    for l in ls {
                        for p in l {
                            g.add_point(f64::from(p[0]), f64::from(p[1])).expect("a point");
                        }
                        g.complete_geom().expect("a line");
                    }
                    g.encode().expect("lines")
                }
                Shapes::Polygons(ps) if !ps.is_empty() => {
                    let mut g = ::mvt::GeomEncoder::<f64>::new(::mvt::GeomType::Polygon);
                    for ring in ps.iter().flatten() {
                        for p in &ring[..ring.len() - 1] {
                            g.add_point(f64::from(p[0]), f64::from(p[1])).expect("a point");
                        }
                        g.complete_geom().expect("a ring");
                    }
                    g.encode().expect("polygons")
                }
                _ => continue,
            };
            let mut feature = layer.into_feature(geometry);
            for (k, v) in &f.properties {
                match v {
                    Value::Text(s) => feature.add_tag_string(k, s),
                    Value::Uint(n) => feature.add_tag_uint(k, *n),
                }
            }
            layer = feature.into_layer();
        }
        if layer.num_features() > 0 {
            tile.add_layer(layer).expect("a layer");
        }
    }
    tile.to_bytes().expect("a tile")
}

/// A feature read back without its paths: geometry type and properties.
type Shape = (u64, std::collections::BTreeMap<String, String>);

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// Encodes each tile's layers with both encoders `runs` times; prints the medians, the sizes and
/// the ratio, after checking that both tiles read back as the same features.
pub fn compare(tiles: &[(String, Vec<Layer>)], runs: usize) {
    println!("\nMVT encoders on the same layers, median of {runs} runs (encoding only, no cutting or query):");
    println!("| tile | hand-written ms | mvt 0.15 ms | ratio | hand-written bytes | mvt bytes |");
    println!("|---|---|---|---|---|---|");
    let (mut ours_all, mut theirs_all) = (0.0, 0.0);
    for (name, layers) in tiles {
        let (a, b) = (mvt::encode(layers), with_crate(layers));
        // The same layers, features, kinds and properties; the crate leaves out a point that
        // lies on the straight line between its neighbours, and a ring or line that such points
        // reduce to nothing, so the paths may be fewer.
        let shape = |t: &[u8]| -> Vec<(String, Vec<Shape>)> {
            read::features(t)
                .into_iter()
                .map(|(l, fs)| (l, fs.into_iter().map(|f| (f.kind, f.properties)).collect()))
                .collect()
        };
        assert_eq!(shape(&a), shape(&b), "{name}: both encoders give the same features");
        let ours = median((0..runs).map(|_| time(|| mvt::encode(layers))).collect());
        let theirs = median((0..runs).map(|_| time(|| with_crate(layers))).collect());
        (ours_all, theirs_all) = (ours_all + ours, theirs_all + theirs);
        println!("| {name} | {ours:.3} | {theirs:.3} | {:.2} | {} | {} |", theirs / ours, a.len(), b.len());
    }
    println!(
        "all tiles: hand-written {ours_all:.2} ms, mvt {theirs_all:.2} ms: the crate takes {:.2}× as long",
        theirs_all / ours_all
    );
}

fn time(f: impl Fn() -> Vec<u8>) -> Duration {
    let t = Instant::now();
    std::hint::black_box(f());
    t.elapsed()
}
