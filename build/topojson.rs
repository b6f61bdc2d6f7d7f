//! TopoJSON to GeoJSON for the basemap, at build time: land as polygons and the lines shared by
//! two countries as borders. The browser's map worker then fetches and tiles plain GeoJSON, so
//! the page's main thread never decodes the shapes.

use serde_json::Value;

/// Decimal places written: 0.0001° is finer than the 1:10m quantisation step (about 0.0017°).
const DECIMALS: i32 = 4;

/// A decoded TopoJSON topology: its arcs in longitude and latitude.
pub struct Topology {
    arcs: Vec<Vec<[f64; 2]>>,
    objects: Value,
}

impl Topology {
    /// Reads a topology, decoding quantised (delta-encoded) arcs when it has a transform.
    pub fn parse(text: &str) -> Result<Topology, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if v["type"] != "Topology" {
            return Err("not a TopoJSON Topology".into());
        }
        let pair = |p: &Value| -> Result<[f64; 2], String> {
            match (p.get(0).and_then(Value::as_f64), p.get(1).and_then(Value::as_f64)) {
                (Some(x), Some(y)) => Ok([x, y]),
                _ => Err(format!("a position is not two numbers: {p}")),
            }
        };
        let transform = match v.get("transform") {
            Some(t) => Some((pair(&t["scale"])?, pair(&t["translate"])?)),
            None => None,
        };
        let mut arcs = Vec::new();
        for arc in v["arcs"].as_array().ok_or("no arcs")? {
            let mut out = Vec::new();
            let (mut x, mut y) = (0.0, 0.0);
            for p in arc.as_array().ok_or("an arc is not an array")? {
                let [a, b] = pair(p)?;
                out.push(match transform {
                    Some((scale, shift)) => {
                        x += a;
                        y += b;
                        [x * scale[0] + shift[0], y * scale[1] + shift[1]]
                    }
                    None => [a, b],
                });
            }
            arcs.push(out);
        }
        Ok(Topology { arcs, objects: v["objects"].clone() })
    }

    fn object(&self, name: &str) -> Result<&Value, String> {
        self.objects.get(name).ok_or_else(|| format!("no object {name:?}"))
    }

    /// The positions of arc index `i` (negative: the arc `!i`, reversed).
    fn arc(&self, i: i64) -> Result<Vec<[f64; 2]>, String> {
        let k = if i < 0 { !i } else { i } as usize;
        let mut a = self.arcs.get(k).ok_or_else(|| format!("arc {k} does not exist"))?.clone();
        if i < 0 {
            a.reverse();
        }
        Ok(a)
    }

    /// A ring or line: its arcs joined, each dropping the first position it shares with the last.
    fn line(&self, refs: &Value) -> Result<Vec<[f64; 2]>, String> {
        let mut out: Vec<[f64; 2]> = Vec::new();
        for r in refs.as_array().ok_or("arc references are not an array")? {
            let a = self.arc(r.as_i64().ok_or("an arc reference is not an integer")?)?;
            let skip = usize::from(!out.is_empty());
            out.extend(a.into_iter().skip(skip));
        }
        Ok(out)
    }

    fn polygon(&self, rings: &Value) -> Result<Vec<Vec<[f64; 2]>>, String> {
        rings.as_array().ok_or("rings are not an array")?.iter().map(|r| self.line(r)).collect()
    }

    /// Every polygon of an object (Polygon, MultiPolygon or a collection of them).
    fn polygons(&self, g: &Value, out: &mut Vec<Vec<Vec<[f64; 2]>>>) -> Result<(), String> {
        match g["type"].as_str() {
            Some("GeometryCollection") => {
                for g in g["geometries"].as_array().ok_or("no geometries")? {
                    self.polygons(g, out)?;
                }
            }
            Some("Polygon") => out.push(self.polygon(&g["arcs"])?),
            Some("MultiPolygon") => {
                for p in g["arcs"].as_array().ok_or("no arcs")? {
                    out.push(self.polygon(p)?);
                }
            }
            Some(_) | None => {}
        }
        Ok(())
    }

    /// The object's polygons as one GeoJSON Feature with a MultiPolygon.
    pub fn multipolygon(&self, name: &str) -> Result<String, String> {
        let mut polys = Vec::new();
        self.polygons(self.object(name)?, &mut polys)?;
        let mut s =
            String::from(r#"{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":["#);
        for (i, p) in polys.iter().enumerate() {
            sep(&mut s, i);
            s.push('[');
            for (j, ring) in p.iter().enumerate() {
                sep(&mut s, j);
                positions(&mut s, ring);
            }
            s.push(']');
        }
        s.push_str("]}}");
        Ok(s)
    }

    /// The arcs that two different polygons of the object share (the borders between
    /// countries, without coastlines), joined end to end into as few lines as possible, as one
    /// GeoJSON Feature with a MultiLineString.
    pub fn shared_lines(&self, name: &str) -> Result<String, String> {
        // For every arc, the first geometry that uses it and whether another one does too.
        let mut users: Vec<Option<(usize, bool)>> = vec![None; self.arcs.len()];
        let geoms = self.object(name)?["geometries"].as_array().ok_or("no geometries")?;
        for (g, geom) in geoms.iter().enumerate() {
            let mut refs = Vec::new();
            collect_refs(&geom["arcs"], &mut refs);
            for r in refs {
                let k = if r < 0 { !r } else { r } as usize;
                let u = users.get_mut(k).ok_or_else(|| format!("arc {k} does not exist"))?;
                *u = match *u {
                    None => Some((g, false)),
                    Some((first, shared)) => Some((first, shared || first != g)),
                };
            }
        }
        let shared: Vec<Vec<[f64; 2]>> = users
            .iter()
            .enumerate()
            .filter(|(_, u)| matches!(u, Some((_, true))))
            .map(|(k, _)| self.arcs[k].clone())
            .collect();
        let lines = stitch(shared);
        let mut s =
            String::from(r#"{"type":"Feature","properties":{},"geometry":{"type":"MultiLineString","coordinates":["#);
        for (i, l) in lines.iter().enumerate() {
            sep(&mut s, i);
            positions(&mut s, l);
        }
        s.push_str("]}}");
        Ok(s)
    }
}

fn collect_refs(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Number(n) => out.extend(n.as_i64()),
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Joins lines whose ends meet (in either direction), so that dashed borders run on.
fn stitch(mut lines: Vec<Vec<[f64; 2]>>) -> Vec<Vec<[f64; 2]>> {
    use std::collections::HashMap;
    let key = |p: [f64; 2]| (p[0].to_bits(), p[1].to_bits());
    let mut out = Vec::new();
    // End points of the lines not yet used.
    let mut ends: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        ends.entry(key(l[0])).or_default().push(i);
        ends.entry(key(l[l.len() - 1])).or_default().push(i);
    }
    let mut used = vec![false; lines.len()];
    let mut take = |at: [f64; 2], used: &mut Vec<bool>| -> Option<usize> {
        let list = ends.get_mut(&key(at))?;
        let pos = list.iter().position(|&i| !used[i])?;
        let i = list.swap_remove(pos);
        used[i] = true;
        Some(i)
    };
    for start in 0..lines.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut line = std::mem::take(&mut lines[start]);
        // Grow at the end, then at the start.
        for _ in 0..2 {
            while let Some(i) = take(line[line.len() - 1], &mut used) {
                let mut next = std::mem::take(&mut lines[i]);
                if key(next[0]) != key(line[line.len() - 1]) {
                    next.reverse();
                }
                line.extend(next.into_iter().skip(1));
            }
            line.reverse();
        }
        out.push(line);
    }
    out
}

fn sep(s: &mut String, i: usize) {
    if i > 0 {
        s.push(',');
    }
}

/// Writes positions rounded to `DECIMALS`, dropping any that round onto the one before.
fn positions(s: &mut String, ps: &[[f64; 2]]) {
    let f = 10f64.powi(DECIMALS);
    let round = |x: f64| (x * f).round() / f;
    s.push('[');
    let mut last: Option<[f64; 2]> = None;
    for (i, p) in ps.iter().enumerate() {
        let q = [round(p[0]), round(p[1])];
        // Keep the last position of a ring even when it repeats, so rings stay closed.
        if last == Some(q) && i + 1 < ps.len() {
            continue;
        }
        if last.is_some() {
            s.push(',');
        }
        s.push_str(&format!("[{},{}]", q[0], q[1]));
        last = Some(q);
    }
    s.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two squares side by side sharing the arc x = 1 (arc 1), quantised with scale 1 and
    // translate (10, 20). Arc 0 runs round the left square's outer sides, arc 2 the right's;
    // the right square runs the shared arc backwards, as neighbours do in a topology.
    const TWO: &str = r#"{"type":"Topology","transform":{"scale":[1,1],"translate":[10,20]},
      "objects":{"countries":{"type":"GeometryCollection","geometries":[
        {"type":"Polygon","arcs":[[0,1]]},{"type":"MultiPolygon","arcs":[[[2,-2]]]}]}},
      "arcs":[[[1,0],[-1,0],[0,1],[1,0]],[[1,1],[0,-1]],[[1,1],[1,0],[0,-1],[-1,0]]]}"#;

    fn geometry(s: &str) -> Value {
        serde_json::from_str::<Value>(s).unwrap()["geometry"].clone()
    }

    #[test]
    fn polygons_are_rebuilt_from_delta_encoded_arcs() {
        let t = Topology::parse(TWO).unwrap();
        let g = geometry(&t.multipolygon("countries").unwrap());
        assert_eq!(g["type"], "MultiPolygon");
        let left: Vec<Vec<f64>> = serde_json::from_value(g["coordinates"][0][0].clone()).unwrap();
        assert_eq!(
            left,
            vec![vec![11.0, 20.0], vec![10.0, 20.0], vec![10.0, 21.0], vec![11.0, 21.0], vec![11.0, 20.0]]
        );
        let right: Vec<Vec<f64>> = serde_json::from_value(g["coordinates"][1][0].clone()).unwrap();
        assert_eq!(right.first(), right.last(), "the ring closes through the reversed shared arc");
        assert_eq!(right.len(), 5);
    }

    #[test]
    fn only_arcs_shared_by_two_geometries_become_borders() {
        let t = Topology::parse(TWO).unwrap();
        let g = geometry(&t.shared_lines("countries").unwrap());
        assert_eq!(g["coordinates"], serde_json::json!([[[11, 21], [11, 20]]]));
    }

    #[test]
    fn lines_meeting_end_to_end_are_joined_whatever_their_direction() {
        let lines = stitch(vec![
            vec![[0.0, 0.0], [1.0, 0.0]],
            vec![[2.0, 0.0], [1.0, 0.0]],
            vec![[5.0, 5.0], [6.0, 6.0]],
            vec![[-1.0, 0.0], [0.0, 0.0]],
        ]);
        assert_eq!(lines.len(), 2);
        let mut long = lines.iter().find(|l| l.len() == 4).unwrap().clone();
        if long[0][0] > 0.0 {
            long.reverse();
        }
        assert_eq!(long, vec![[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]);
    }

    #[test]
    fn bad_input_is_an_error_not_an_empty_map() {
        assert!(Topology::parse("{}").is_err());
        assert!(Topology::parse(r#"{"type":"Topology","arcs":[[[0]]],"objects":{}}"#).is_err());
        let t = Topology::parse(r#"{"type":"Topology","arcs":[],"objects":{"x":{"type":"Polygon","arcs":[[3]]}}}"#)
            .unwrap();
        assert!(t.multipolygon("x").is_err(), "an arc that does not exist");
        assert!(t.multipolygon("y").is_err(), "an object that does not exist");
    }
}
