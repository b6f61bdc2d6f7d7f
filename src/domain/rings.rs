//! Whether a polygon's rings make a valid polygon (OGC Simple Features): every ring encloses an
//! area and neither crosses nor touches itself, rings meet each other at single points at most,
//! and holes lie inside the outer ring and not inside one another; the polygons of a
//! MultiPolygon neither overlap nor share an edge. Positions are WGS 84
//! `[longitude, latitude]` in degrees, taken as plane coordinates (as GeoJSON's RFC 7946 does).
//!
//! The caller has checked the simple rules first (at least 4 positions a ring, closed, finite and
//! in range) and bounded the size ([`super::geometry::MAX_POLYGON_POSITIONS`]). Segment pairs are
//! found through an R*-tree of their boxes, so a ring of 10,000 positions takes milliseconds
//! where geo 0.30's `Validation` compares every segment with every other (10⁸ tests).

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, Line};
use rstar::{AABB, Envelope, RTree, RTreeObject};

/// One segment of a ring: which ring, which segment of it.
struct Segment {
    ring: usize,
    index: usize,
    line: Line<f64>,
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        let (a, b) = (self.line.start, self.line.end);
        AABB::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)])
    }
}

/// "ring 0 (the outer ring)", "ring 2 (a hole)".
fn ring_name(i: usize) -> String {
    if i == 0 { "ring 0 (the outer ring)".into() } else { format!("ring {i} (a hole)") }
}

fn at(c: Coord<f64>) -> String {
    format!("[{}, {}]", c.x, c.y)
}

/// Whether every position of a ring lies on one line (the ring encloses no area). The signed
/// area cannot tell: a bow-tie's two halves cancel out.
fn flat(ring: &[Coord<f64>]) -> bool {
    let a = ring[0];
    let Some(b) = ring.iter().copied().find(|&b| b != a) else { return true };
    ring.iter().all(|p| (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) == 0.0)
}

/// Where `p` is against a closed ring: `Some(true)` inside, `Some(false)` outside, `None` on it.
fn inside(ring: &[Coord<f64>], p: Coord<f64>) -> Option<bool> {
    let mut odd = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross == 0.0 && p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y) {
            return None;
        }
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y) {
            odd = !odd;
        }
    }
    Some(odd)
}

/// The rings' positions as coordinates, a position repeated in a row (allowed, adds nothing)
/// dropped.
fn coords(rings: &[Vec<Vec<f64>>]) -> Vec<Vec<Coord<f64>>> {
    rings
        .iter()
        .map(|r| {
            let mut cs: Vec<Coord<f64>> = r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
            cs.dedup();
            cs
        })
        .collect()
}

/// Why the polygon of these rings (closed, of at least 4 positions each) is not valid, or `None`.
pub fn polygon_problem(rings: &[Vec<Vec<f64>>]) -> Option<String> {
    let rings = coords(rings);
    for (i, r) in rings.iter().enumerate() {
        if r.len() < 4 {
            return Some(format!("{} has fewer than 3 distinct positions", ring_name(i)));
        }
        if flat(r) {
            return Some(format!("{} encloses no area", ring_name(i)));
        }
    }
    if let Some(p) = crossing(&rings, &ring_name) {
        return Some(p);
    }
    // No two rings cross now, so a hole is inside the outer ring or outside it as a whole; a
    // vertex of it on the outer ring says nothing, so every vertex is looked at.
    let shell = &rings[0];
    for (i, hole) in rings.iter().enumerate().skip(1) {
        if let Some(&p) = hole.iter().find(|&&p| inside(shell, p) == Some(false)) {
            return Some(format!("{} is outside the outer ring, at {}", ring_name(i), at(p)));
        }
        for (j, other) in rings.iter().enumerate().skip(1).filter(|(j, _)| *j != i) {
            if hole.iter().find_map(|&p| inside(other, p)) == Some(true) {
                return Some(format!("{} lies inside {}", ring_name(i), ring_name(j)));
            }
        }
    }
    None
}

/// Why the polygons of a MultiPolygon, each valid on its own, do not make a valid MultiPolygon
/// (their interiors overlap, or their boundaries cross or share an edge), or `None`. They may
/// touch at points, and one may lie in another's hole.
pub fn multipolygon_problem(polygons: &[&[Vec<Vec<f64>>]]) -> Option<String> {
    let parts: Vec<Vec<Vec<Coord<f64>>>> = polygons.iter().map(|p| coords(p)).collect();
    // Every ring of every polygon, with the polygon and ring it is, for the crossing test.
    let whose: Vec<(usize, usize)> =
        parts.iter().enumerate().flat_map(|(i, p)| (0..p.len()).map(move |k| (i, k))).collect();
    let all: Vec<Vec<Coord<f64>>> = parts.iter().flatten().cloned().collect();
    let name = |r: usize| {
        let (i, k) = whose[r];
        format!("polygon {i} {}", ring_name(k))
    };
    if let Some(p) = crossing(&all, &name) {
        return Some(p);
    }
    // No boundaries cross now, so a polygon lies inside another's area as a whole or not at all;
    // one vertex of its outer ring off the other's boundary tells which.
    let boxes: Vec<AABB<[f64; 2]>> =
        parts.iter().map(|p| AABB::from_points(p[0].iter().map(|c| [c.x, c.y]).collect::<Vec<_>>().iter())).collect();
    let in_area = |p: &[Vec<Coord<f64>>], c: Coord<f64>| {
        inside(&p[0], c) == Some(true) && p[1..].iter().all(|hole| inside(hole, c) == Some(false))
    };
    for (i, a) in parts.iter().enumerate() {
        for (j, b) in parts.iter().enumerate() {
            if i == j || !boxes[j].contains_envelope(&boxes[i]) {
                continue;
            }
            let off_boundary = a[0].iter().copied().find(|&c| b.iter().all(|r| inside(r, c).is_some()));
            if let Some(c) = off_boundary.filter(|&c| in_area(b, c)) {
                return Some(format!("polygon {i} overlaps polygon {j}, at {}", at(c)));
            }
        }
    }
    None
}

/// The first place where a ring crosses or touches itself, or two rings cross or share an edge;
/// `name` says which ring an index is.
fn crossing(rings: &[Vec<Coord<f64>>], name: &dyn Fn(usize) -> String) -> Option<String> {
    let ring_name = name;
    let segments: Vec<Segment> = rings
        .iter()
        .enumerate()
        .flat_map(|(ring, r)| {
            r.windows(2).enumerate().map(move |(index, w)| Segment { ring, index, line: Line::new(w[0], w[1]) })
        })
        .collect();
    let tree = RTree::bulk_load(segments);
    for a in tree.iter() {
        for b in tree.locate_in_envelope_intersecting(&a.envelope()) {
            if (b.ring, b.index) <= (a.ring, a.index) {
                continue;
            }
            let Some(hit) = line_intersection(a.line, b.line) else { continue };
            if a.ring == b.ring {
                let last = rings[a.ring].len() - 2;
                let adjacent = b.index == a.index + 1 || (a.index == 0 && b.index == last);
                match hit {
                    // Neighbours meet at their shared position, and only there.
                    LineIntersection::SinglePoint { .. } if adjacent => {}
                    LineIntersection::Collinear { intersection } if adjacent => {
                        return Some(format!("{} turns back on itself at {}", ring_name(a.ring), at(intersection.end)));
                    }
                    LineIntersection::SinglePoint { intersection, .. } => {
                        return Some(format!(
                            "{} crosses or touches itself at {}",
                            ring_name(a.ring),
                            at(intersection)
                        ));
                    }
                    LineIntersection::Collinear { intersection } => {
                        return Some(format!("{} runs over itself at {}", ring_name(a.ring), at(intersection.start)));
                    }
                }
            } else {
                match hit {
                    // Rings may touch at a point.
                    LineIntersection::SinglePoint { is_proper: false, .. } => {}
                    LineIntersection::SinglePoint { intersection, .. } => {
                        return Some(format!(
                            "{} and {} cross at {}",
                            ring_name(a.ring),
                            ring_name(b.ring),
                            at(intersection)
                        ));
                    }
                    LineIntersection::Collinear { intersection } => {
                        return Some(format!(
                            "{} and {} share an edge at {}",
                            ring_name(a.ring),
                            ring_name(b.ring),
                            at(intersection.start)
                        ));
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(ps: &[(f64, f64)]) -> Vec<Vec<f64>> {
        ps.iter().map(|&(x, y)| vec![x, y]).collect()
    }

    const SQUARE: &[(f64, f64)] = &[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];

    #[test]
    fn a_square_with_a_hole_inside_is_valid_in_either_winding() {
        let hole = ring(&[(1.0, 1.0), (1.0, 2.0), (2.0, 2.0), (2.0, 1.0), (1.0, 1.0)]);
        assert_eq!(polygon_problem(&[ring(SQUARE), hole.clone()]), None);
        let mut back = ring(SQUARE);
        back.reverse();
        assert_eq!(polygon_problem(&[back, hole]), None);
        // A hole touching the outer ring at one position is allowed.
        let touching = ring(&[(0.0, 2.0), (1.0, 1.0), (1.0, 3.0), (0.0, 2.0)]);
        assert_eq!(polygon_problem(&[ring(SQUARE), touching]), None);
    }

    #[test]
    fn a_bow_tie_crosses_itself() {
        let bow = ring(&[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0), (0.0, 0.0)]);
        assert_eq!(polygon_problem(&[bow]).unwrap(), "ring 0 (the outer ring) crosses or touches itself at [1, 1]");
    }

    #[test]
    fn a_flat_ring_encloses_no_area() {
        let flat = ring(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (0.0, 0.0)]);
        assert_eq!(polygon_problem(&[flat]).unwrap(), "ring 0 (the outer ring) encloses no area");
        let same = ring(&[(1.0, 1.0), (1.0, 1.0), (1.0, 1.0), (1.0, 1.0)]);
        assert!(polygon_problem(&[same]).unwrap().contains("fewer than 3 distinct"));
    }

    #[test]
    fn a_spike_turns_back() {
        let spike = ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (6.0, 4.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]);
        // It turns back at [6, 4], and so touches itself at [4, 4]: either is said.
        let why = polygon_problem(&[spike]).unwrap();
        assert!(why.contains("turns back") || why.contains("touches itself at [4, 4]"), "{why}");
    }

    #[test]
    fn holes_outside_crossing_or_nested_are_refused() {
        let outside = ring(&[(10.0, 10.0), (10.0, 11.0), (11.0, 11.0), (10.0, 10.0)]);
        assert_eq!(
            polygon_problem(&[ring(SQUARE), outside]).unwrap(),
            "ring 1 (a hole) is outside the outer ring, at [10, 10]"
        );
        let across = ring(&[(3.0, 1.0), (5.0, 1.0), (5.0, 2.0), (3.0, 1.0)]);
        assert!(polygon_problem(&[ring(SQUARE), across]).unwrap().contains("cross at"));
        let big = ring(&[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)]);
        let small = ring(&[(1.5, 1.5), (2.0, 1.5), (2.0, 2.0), (1.5, 1.5)]);
        assert_eq!(
            polygon_problem(&[ring(SQUARE), big, small]).unwrap(),
            "ring 2 (a hole) lies inside ring 1 (a hole)"
        );
    }

    #[test]
    fn polygons_of_a_multipolygon_may_touch_or_nest_in_a_hole_but_not_overlap() {
        let square = |x: f64, y: f64, d: f64| ring(&[(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)]);
        let one = |r: Vec<Vec<f64>>| vec![r];
        let apart = [one(square(0.0, 0.0, 1.0)), one(square(2.0, 0.0, 1.0))];
        let corner = [one(square(0.0, 0.0, 1.0)), one(square(1.0, 1.0, 1.0))];
        let overlap = [one(square(0.0, 0.0, 2.0)), one(square(1.0, 1.0, 2.0))];
        let within = [one(square(0.0, 0.0, 4.0)), one(square(1.0, 1.0, 1.0))];
        let same_edge = [one(square(0.0, 0.0, 1.0)), one(square(1.0, 0.0, 1.0))];
        let island = [vec![square(0.0, 0.0, 4.0), square(1.0, 1.0, 2.0)], one(square(1.5, 1.5, 1.0))];
        let run = |ps: &[Vec<Vec<Vec<f64>>>]| {
            let parts: Vec<&[Vec<Vec<f64>>]> = ps.iter().map(Vec::as_slice).collect();
            multipolygon_problem(&parts)
        };
        assert_eq!(run(&apart), None);
        assert_eq!(run(&corner), None);
        assert_eq!(run(&island), None);
        assert!(run(&overlap).unwrap().contains("cross"), "{:?}", run(&overlap));
        assert_eq!(run(&within).as_deref(), Some("polygon 1 overlaps polygon 0, at [1, 1]"));
        assert!(run(&same_edge).unwrap().contains("share an edge"), "{:?}", run(&same_edge));
    }

    #[test]
    fn a_circle_of_ten_thousand_positions_is_valid() {
        // A circle: no segment's box meets more than its neighbours'.
        let n = 10_000;
        let mut r: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                vec![t.cos(), t.sin()]
            })
            .collect();
        r.push(r[0].clone());
        assert_eq!(polygon_problem(&[r]), None);
    }
}
