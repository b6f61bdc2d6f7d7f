//! Reverse geocoding: an R-tree over the unit vectors of settlements, so that the nearest
//! neighbour in straight-line (chord) distance is the nearest on the sphere, also across the
//! antimeridian and near the poles.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{Kind, Place};
use crate::domain::filter::{EARTH_RADIUS_KM, unit_vector};

type Entry = GeomWithData<[f64; 3], u32>;

pub struct ReverseIndex {
    tree: RTree<Entry>,
}

impl ReverseIndex {
    /// Indexes the settlements and sites of `places`.
    pub fn build(places: &[Place]) -> Self {
        let entries: Vec<Entry> = places
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.kind, Kind::Settlement | Kind::Site))
            .map(|(i, p)| GeomWithData::new(unit_vector(f64::from(p.lon), f64::from(p.lat)), i as u32))
            .collect();
        Self { tree: RTree::bulk_load(entries) }
    }

    /// Up to `limit` places within `max_km` of a point, nearest first, with distances in km.
    pub fn nearest(&self, lon: f64, lat: f64, max_km: f64, limit: usize) -> Vec<(u32, f64)> {
        let q = unit_vector(lon, lat);
        let mut out = Vec::new();
        for e in self.tree.nearest_neighbor_iter(&q) {
            let p = e.geom();
            let chord = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
            let km = 2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin();
            if km > max_km || out.len() >= limit {
                break;
            }
            out.push((e.data, km));
        }
        out
    }
}
