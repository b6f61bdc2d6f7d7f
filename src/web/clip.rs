//! Clipping shapes to a box: rings with Sutherland–Hodgman (a ring that covers the box becomes
//! the box) and lines into the runs that lie inside.

/// A position in any plane.
pub type P = [f64; 2];

/// A box: [min x, min y, max x, max y].
pub type Box2 = [f64; 4];

/// The part of a closed ring inside `b`, closed, or None when nothing of it is.
pub fn ring(ring: &[P], b: &Box2) -> Option<Vec<P>> {
    let mut pts: Vec<P> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    // One edge of the box at a time: (axis, bound, keep the side above the bound).
    for (axis, bound, above) in [(0, b[0], true), (0, b[2], false), (1, b[1], true), (1, b[3], false)] {
        if pts.is_empty() {
            return None;
        }
        let inside = |p: &P| if above { p[axis] >= bound } else { p[axis] <= bound };
        let mut out = Vec::with_capacity(pts.len() + 4);
        let mut prev = pts[pts.len() - 1];
        for &cur in &pts {
            match (inside(&prev), inside(&cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur, axis, bound)),
                (false, true) => {
                    out.push(cross(prev, cur, axis, bound));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
        pts = out;
    }
    if pts.len() < 3 {
        return None;
    }
    pts.push(pts[0]);
    Some(pts)
}

/// Where the segment a→b crosses `axis = bound`.
fn cross(a: P, b: P, axis: usize, bound: f64) -> P {
    let t = (bound - a[axis]) / (b[axis] - a[axis]);
    let mut p = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    p[axis] = bound;
    p
}

/// The runs of a line that lie inside `b` (Liang–Barsky on each segment).
pub fn line(line: &[P], b: &Box2) -> Vec<Vec<P>> {
    let mut out: Vec<Vec<P>> = Vec::new();
    let mut run: Vec<P> = Vec::new();
    for w in line.windows(2) {
        match segment(w[0], w[1], b) {
            Some((p, q, cut_end)) => {
                if run.last() != Some(&p) {
                    if run.len() > 1 {
                        out.push(std::mem::take(&mut run));
                    }
                    run.clear();
                    run.push(p);
                }
                run.push(q);
                if cut_end {
                    out.push(std::mem::take(&mut run));
                }
            }
            None => {
                if run.len() > 1 {
                    out.push(std::mem::take(&mut run));
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        out.push(run);
    }
    out
}

/// The part of segment a→b inside `b`, and whether it was cut short at its end.
fn segment(a: P, c: P, b: &Box2) -> Option<(P, P, bool)> {
    let d = [c[0] - a[0], c[1] - a[1]];
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-d[0], a[0] - b[0]), (d[0], b[2] - a[0]), (-d[1], a[1] - b[1]), (d[1], b[3] - a[1])] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            c
        } else {
            [a[0] + d[0] * t, a[1] + d[1] * t]
        }
    };
    Some((at(t0), at(t1), t1 < 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: Box2 = [0.0, 0.0, 10.0, 10.0];

    #[test]
    fn a_ring_across_an_edge_is_cut_along_it() {
        let r = ring(&[[5.0, 2.0], [15.0, 2.0], [15.0, 8.0], [5.0, 8.0], [5.0, 2.0]], &BOX).unwrap();
        assert_eq!(r, vec![[5.0, 2.0], [10.0, 2.0], [10.0, 8.0], [5.0, 8.0], [5.0, 2.0]]);
    }

    #[test]
    fn a_ring_round_the_box_becomes_the_box_and_one_outside_vanishes() {
        let around = ring(&[[-5.0, -5.0], [20.0, -5.0], [20.0, 20.0], [-5.0, 20.0], [-5.0, -5.0]], &BOX).unwrap();
        assert_eq!(around.len(), 5);
        for p in &around {
            assert!((p[0] == 0.0 || p[0] == 10.0) && (p[1] == 0.0 || p[1] == 10.0), "{around:?}");
        }
        assert!(ring(&[[20.0, 20.0], [30.0, 20.0], [30.0, 30.0], [20.0, 20.0]], &BOX).is_none());
    }

    #[test]
    fn a_line_leaving_and_coming_back_becomes_two_runs() {
        let runs = line(&[[2.0, 5.0], [8.0, 5.0], [14.0, 5.0], [14.0, 7.0], [6.0, 7.0], [4.0, 9.0]], &BOX);
        assert_eq!(runs, vec![vec![[2.0, 5.0], [8.0, 5.0], [10.0, 5.0]], vec![[10.0, 7.0], [6.0, 7.0], [4.0, 9.0]]]);
        assert!(line(&[[11.0, 0.0], [20.0, 5.0]], &BOX).is_empty());
        assert_eq!(line(&[[-5.0, 5.0], [15.0, 5.0]], &BOX), vec![vec![[0.0, 5.0], [10.0, 5.0]]]);
    }
}
