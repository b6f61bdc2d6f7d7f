//! Event geometry: derived from places, or given explicitly and then validated.
//!
//! All positions are WGS 84 `[longitude, latitude]` in degrees (RFC 7946). A derived geometry is a
//! Point for one place, a LineString origin → via → destination for a movement, and a MultiPoint
//! otherwise.

use geojson::{Geometry, PointType, Value};

use super::{Place, PlaceRole, ValidationErrors};

/// Most positions an explicit geometry may have.
pub const MAX_POSITIONS: usize = 100_000;

/// Most positions the polygons of an explicit geometry may have together (every ring of every
/// Polygon and MultiPolygon in it): their topology is checked, and that grows faster than the
/// number of positions.
pub const MAX_POLYGON_POSITIONS: usize = 10_000;

/// The geometry that a list of places implies, or `None` for no places.
pub fn derive(places: &[Place]) -> Option<Geometry> {
    let pos = |p: &Place| vec![p.lon, p.lat];
    match places {
        [] => None,
        [one] => Some(Geometry::new(Value::Point(pos(one)))),
        many => {
            let origin = many.iter().filter(|p| p.role == PlaceRole::Origin);
            let via = many.iter().filter(|p| p.role == PlaceRole::Via);
            let dest = many.iter().filter(|p| p.role == PlaceRole::Destination);
            let path: Vec<PointType> = origin.chain(via).chain(dest).map(pos).collect();
            let is_movement = many.iter().any(|p| matches!(p.role, PlaceRole::Origin | PlaceRole::Destination));
            if is_movement && path.len() >= 2 {
                Some(Geometry::new(Value::LineString(path)))
            } else {
                Some(Geometry::new(Value::MultiPoint(many.iter().map(pos).collect())))
            }
        }
    }
}

fn check_position(path: &str, p: &PointType, n: &mut usize, e: &mut ValidationErrors) {
    *n += 1;
    if p.len() < 2 || p.len() > 3 {
        e.add(path, "a position has 2 or 3 numbers: [longitude, latitude]");
        return;
    }
    if !p.iter().all(|v| v.is_finite()) || !(-180.0..=180.0).contains(&p[0]) || !(-90.0..=90.0).contains(&p[1]) {
        e.add(path, format!("position [{}, {}] is outside longitude -180..180, latitude -90..90", p[0], p[1]));
    }
}

fn check_line(path: &str, l: &[PointType], n: &mut usize, e: &mut ValidationErrors) {
    if l.len() < 2 {
        e.add(path, "a LineString needs at least 2 positions");
    }
    l.iter().for_each(|p| check_position(path, p, n, e));
}

fn check_polygon(path: &str, rings: &[Vec<PointType>], n: &mut usize, e: &mut ValidationErrors) {
    if rings.is_empty() {
        e.add(path, "a Polygon needs an outer ring");
    }
    for r in rings {
        if r.len() < 4 {
            e.add(path, "a Polygon ring needs at least 4 positions");
        } else if r.first() != r.last() {
            e.add(path, "a Polygon ring must end where it starts");
        }
        r.iter().for_each(|p| check_position(path, p, n, e));
    }
}

fn check_value(path: &str, v: &Value, depth: usize, n: &mut usize, e: &mut ValidationErrors) {
    match v {
        Value::Point(p) => check_position(path, p, n, e),
        Value::MultiPoint(ps) => {
            if ps.is_empty() {
                e.add(path, "a MultiPoint needs at least one position");
            }
            ps.iter().for_each(|p| check_position(path, p, n, e))
        }
        Value::LineString(l) => check_line(path, l, n, e),
        Value::MultiLineString(ls) => {
            if ls.is_empty() {
                e.add(path, "a MultiLineString needs at least one line");
            }
            ls.iter().for_each(|l| check_line(path, l, n, e))
        }
        Value::Polygon(p) => check_polygon(path, p, n, e),
        Value::MultiPolygon(ps) => {
            if ps.is_empty() {
                e.add(path, "a MultiPolygon needs at least one polygon");
            }
            ps.iter().for_each(|p| check_polygon(path, p, n, e))
        }
        Value::GeometryCollection(gs) => {
            if depth > 4 {
                e.add(path, "geometry collections are nested too deeply");
                return;
            }
            if gs.is_empty() {
                e.add(path, "a GeometryCollection needs at least one geometry");
            }
            gs.iter().for_each(|g| check_value(path, &g.value, depth + 1, n, e))
        }
    }
}

/// Every polygon of a geometry (a Polygon, each of a MultiPolygon's, those in collections), as rings.
fn polygons<'g>(v: &'g Value, out: &mut Vec<&'g [Vec<PointType>]>) {
    match v {
        Value::Polygon(p) => out.push(p),
        Value::MultiPolygon(ps) => out.extend(ps.iter().map(Vec::as_slice)),
        Value::GeometryCollection(gs) => gs.iter().for_each(|g| polygons(&g.value, out)),
        _ => {}
    }
}

/// Checks the topology of each polygon (`rings`): a ring that crosses itself (a bow-tie) or
/// encloses no area, a hole outside its outer ring; then the polygons of a MultiPolygon against
/// each other (the members of a GeometryCollection may overlap).
fn check_topology(field: &str, v: &Value, e: &mut ValidationErrors) {
    let mut all = Vec::new();
    polygons(v, &mut all);
    let n: usize = all.iter().flat_map(|p| p.iter()).map(Vec::len).sum();
    if n > MAX_POLYGON_POSITIONS {
        e.add(field, format!("its polygons have {n} positions; at most {MAX_POLYGON_POSITIONS} are allowed"));
        return;
    }
    let several = all.len() > 1;
    for (i, p) in all.iter().enumerate() {
        if let Some(why) = super::rings::polygon_problem(p) {
            let which = if several { format!("polygon {i}: ") } else { String::new() };
            e.add(field, format!("{which}not a valid polygon: {why}"));
        }
    }
    if let (Value::MultiPolygon(ps), true) = (v, e.errors.is_empty()) {
        let parts: Vec<&[Vec<Vec<f64>>]> = ps.iter().map(Vec::as_slice).collect();
        if let Some(why) = super::rings::multipolygon_problem(&parts) {
            e.add(field, format!("not a valid MultiPolygon: {why}"));
        }
    }
}

/// Checks an explicit geometry: positions in range, lines and rings long enough, rings closed,
/// and then each polygon's rings (see [`super::rings`]).
pub fn validate(field: &str, g: &Geometry) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut n = 0;
    check_value(field, &g.value, 0, &mut n, &mut e);
    if n > MAX_POSITIONS {
        e.add(field, format!("has {n} positions; at most {MAX_POSITIONS} are allowed"));
    }
    if e.errors.is_empty() {
        check_topology(field, &g.value, &mut e);
    }
    // Keep the first few messages: a broken polygon of 10,000 points need not say so 10,000 times.
    e.errors.dedup();
    e.errors.truncate(20);
    e.into_result(())
}

/// Every position of a geometry, in order.
pub fn positions(g: &Geometry) -> Vec<(f64, f64)> {
    fn walk(v: &Value, out: &mut Vec<(f64, f64)>) {
        let mut push = |p: &PointType| out.push((p[0], p[1]));
        match v {
            Value::Point(p) => push(p),
            Value::MultiPoint(ps) | Value::LineString(ps) => ps.iter().for_each(push),
            Value::MultiLineString(ls) | Value::Polygon(ls) => ls.iter().flatten().for_each(push),
            Value::MultiPolygon(ps) => ps.iter().flatten().flatten().for_each(push),
            Value::GeometryCollection(gs) => gs.iter().for_each(|g| walk(&g.value, out)),
        }
    }
    let mut out = Vec::new();
    walk(&g.value, &mut out);
    out
}

/// The bounding box of a geometry: `[min_lon, min_lat, max_lon, max_lat]`.
pub fn envelope(g: &Geometry) -> [f64; 4] {
    let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    for (x, y) in positions(g) {
        b[0] = b[0].min(x);
        b[1] = b[1].min(y);
        b[2] = b[2].max(x);
        b[3] = b[3].max(y);
    }
    b
}

/// Points used to test "within a radius": every position of the geometry, thinned to about a
/// thousand for large shapes.
pub fn anchor_points(g: &Geometry) -> Vec<(f64, f64)> {
    let mut pts = positions(g);
    pts.dedup();
    if pts.len() > 1000 {
        // Large shapes: a thinned set of vertices is enough to decide a radius of kilometres.
        let step = pts.len() / 1000 + 1;
        pts = pts.into_iter().step_by(step).collect();
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LocationPrecision;

    fn place(name: &str, role: PlaceRole, lon: f64, lat: f64) -> Place {
        Place {
            role,
            name: name.into(),
            gazetteer_id: None,
            country: None,
            admin1: None,
            admin1_id: None,
            lon,
            lat,
            precision: LocationPrecision::Settlement,
        }
    }

    #[test]
    fn one_place_is_a_point() {
        let g = derive(&[place("Tartus", PlaceRole::Location, 35.88, 34.88)]).unwrap();
        assert_eq!(g.value, Value::Point(vec![35.88, 34.88]));
    }

    #[test]
    fn a_movement_is_a_line_from_origin_through_via_to_destination_whatever_the_order_given() {
        let g = derive(&[
            place("Tartus", PlaceRole::Destination, 35.88, 34.88),
            place("Baniyas", PlaceRole::Via, 35.94, 35.18),
            place("Hmeimim", PlaceRole::Origin, 35.95, 35.41),
        ])
        .unwrap();
        assert_eq!(g.value, Value::LineString(vec![vec![35.95, 35.41], vec![35.94, 35.18], vec![35.88, 34.88]]));
    }

    #[test]
    fn places_without_a_movement_are_a_multipoint() {
        let g =
            derive(&[place("A", PlaceRole::Location, 1.0, 2.0), place("B", PlaceRole::Location, 3.0, 4.0)]).unwrap();
        assert!(matches!(g.value, Value::MultiPoint(_)));
        assert!(derive(&[]).is_none());
    }

    #[test]
    fn open_rings_and_out_of_range_positions_are_refused() {
        let open =
            Geometry::new(Value::Polygon(vec![vec![vec![0.0, 0.0], vec![1.0, 0.0], vec![1.0, 1.0], vec![0.0, 1.0]]]));
        assert!(validate("geometry", &open).is_err());
        let far = Geometry::new(Value::Point(vec![200.0, 0.0]));
        assert_eq!(validate("geometry", &far).unwrap_err().errors[0].field, "geometry");
        let closed =
            Geometry::new(Value::Polygon(vec![vec![vec![0.0, 0.0], vec![1.0, 0.0], vec![1.0, 1.0], vec![0.0, 0.0]]]));
        assert!(validate("geometry", &closed).is_ok());
    }

    fn polygon(rings: &[&[(f64, f64)]]) -> Geometry {
        Geometry::new(Value::Polygon(rings.iter().map(|r| r.iter().map(|&(x, y)| vec![x, y]).collect()).collect()))
    }

    #[test]
    fn bow_ties_flat_rings_and_holes_outside_are_refused_with_the_reason() {
        let bow = polygon(&[&[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0), (0.0, 0.0)]]);
        let e = validate("geometry", &bow).unwrap_err().errors;
        assert_eq!(e[0].field, "geometry");
        assert!(e[0].message.contains("crosses or touches itself at [1, 1]"), "{e:?}");
        let flat = polygon(&[&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 0.0)]]);
        assert!(validate("geometry", &flat).unwrap_err().errors[0].message.contains("encloses no area"));
        let square: &[(f64, f64)] = &[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];
        let far = polygon(&[square, &[(10.0, 10.0), (10.0, 11.0), (11.0, 11.0), (10.0, 10.0)]]);
        assert!(validate("geometry", &far).unwrap_err().errors[0].message.contains("outside the outer ring"));
        let inner = polygon(&[square, &[(1.0, 1.0), (1.0, 2.0), (2.0, 2.0), (1.0, 1.0)]]);
        assert!(validate("geometry", &inner).is_ok());
    }

    #[test]
    fn polygons_of_more_than_ten_thousand_positions_are_refused_before_their_checks() {
        let mut ring: Vec<Vec<f64>> =
            (0..=MAX_POLYGON_POSITIONS).map(|i| vec![(i % 360) as f64 - 180.0, (i / 360) as f64]).collect();
        ring.push(ring[0].clone());
        let g = Geometry::new(Value::Polygon(vec![ring]));
        let e = validate("geometry", &g).unwrap_err().errors;
        assert!(e.iter().any(|e| e.message.contains("at most 10000")), "{e:?}");
    }

    #[test]
    fn the_envelope_spans_all_positions() {
        let g = Geometry::new(Value::LineString(vec![vec![35.9, 35.4], vec![35.8, 34.8]]));
        assert_eq!(envelope(&g), [35.8, 34.8, 35.9, 35.4]);
    }
}
