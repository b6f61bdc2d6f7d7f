//! Natural Earth's shapes as world-atlas gives them are spherical: Chukotka runs on past 180°
//! to -169°, Antarctica's coast goes right round the South Pole. On a flat map a jump from 180°
//! to -180° is a line across the world, so lines are unwrapped (longitudes carried past ±180°)
//! and a ring that goes round a pole is closed along it.

/// Longitude, latitude.
pub type LonLat = [f64; 2];

/// The line with every jump of more than 180° in longitude undone, so that it runs on past
/// ±180° instead of across the map.
pub fn unwrap(line: Vec<LonLat>) -> Vec<LonLat> {
    let mut out: Vec<LonLat> = Vec::with_capacity(line.len());
    let mut shift = 0.0;
    for [lon, lat] in line {
        if let Some(prev) = out.last() {
            let d = lon + shift - prev[0];
            if d > 180.0 {
                shift -= 360.0;
            } else if d < -180.0 {
                shift += 360.0;
            }
        }
        out.push([lon + shift, lat]);
    }
    out
}

/// An unwrapped ring, closed: one that ends 360° from where it began goes round a pole, and is
/// closed along the pole's latitude (the pole nearer its points).
pub fn close(mut ring: Vec<LonLat>) -> Vec<LonLat> {
    let (Some(&first), Some(&last)) = (ring.first(), ring.last()) else { return ring };
    if (last[0] - first[0]).abs() > 180.0 {
        let mean = ring.iter().map(|p| p[1]).sum::<f64>() / ring.len() as f64;
        let pole = if mean < 0.0 { -90.0 } else { 90.0 };
        ring.extend([[last[0], pole], [first[0], pole], first]);
    } else if first != last {
        ring.push(first);
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_across_the_antimeridian_runs_on_past_it() {
        let ring = vec![[170.0, 60.0], [-170.0, 60.0], [-170.0, 70.0], [170.0, 70.0], [170.0, 60.0]];
        let u = close(unwrap(ring));
        assert_eq!(u, vec![[170.0, 60.0], [190.0, 60.0], [190.0, 70.0], [170.0, 70.0], [170.0, 60.0]]);
    }

    #[test]
    fn a_ring_round_the_south_pole_is_closed_along_it() {
        // Antarctica's coast, west to east round the pole, closed in the source by a jump.
        let ring = vec![[-180.0, -70.0], [-60.0, -65.0], [60.0, -68.0], [180.0, -70.0], [-180.0, -70.0]];
        let u = close(unwrap(ring));
        assert_eq!(u[..4], [[-180.0, -70.0], [-60.0, -65.0], [60.0, -68.0], [180.0, -70.0]]);
        assert_eq!(u[4..], [[180.0, -70.0], [180.0, -90.0], [-180.0, -90.0], [-180.0, -70.0]]);
    }

    #[test]
    fn an_ordinary_ring_is_left_as_it_is() {
        let ring = vec![[35.0, 35.0], [36.0, 35.0], [36.0, 36.0], [35.0, 35.0]];
        assert_eq!(close(unwrap(ring.clone())), ring);
    }
}
