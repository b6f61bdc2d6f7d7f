//! A team's own places (custom places and imported GeoNames rows), searched beside the embedded
//! index. Kept small enough to rebuild whenever a place is added.

use serde::{Deserialize, Serialize};

use super::{Kind, PlaceInfo};
use crate::fold;

/// A place added by a team, as stored in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomPlace {
    /// `custom:<uuid>`, or `geonames:<id>` for rows imported from a GeoNames dump.
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub country: Option<String>,
    pub admin1: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub population: u64,
    /// Every name, in any script (the main name included).
    pub names: Vec<String>,
}

impl CustomPlace {
    pub fn info(&self) -> PlaceInfo {
        PlaceInfo {
            gazetteer_id: self.id.clone(),
            name: self.name.clone(),
            local_name: None,
            kind: self.kind,
            country: self.country.clone(),
            admin1: self.admin1.clone(),
            lon: self.lon,
            lat: self.lat,
            population: self.population,
            bbox: None,
        }
    }

    /// Whether the place was added by the team itself rather than imported from GeoNames.
    pub fn is_team_place(&self) -> bool {
        self.id.starts_with("custom:")
    }
}

/// The places and their folded names, sorted for binary search.
#[derive(Debug, Default)]
pub struct Overlay {
    pub places: Vec<CustomPlace>,
    /// `(folded name, place index, name index)`, sorted.
    pub keys: Vec<(String, u32, u32)>,
}

impl Overlay {
    pub fn build(places: Vec<CustomPlace>) -> Self {
        let mut keys = Vec::new();
        for (pi, p) in places.iter().enumerate() {
            let names = std::iter::once(&p.name).chain(p.names.iter());
            for (ni, n) in names.enumerate() {
                let f = fold::fold(n);
                if f.is_empty() {
                    continue;
                }
                if let Some(s) = fold::strip_place_article(&f, p.country.as_deref()) {
                    keys.push((s.to_string(), pi as u32, ni as u32));
                }
                keys.push((f, pi as u32, ni as u32));
            }
        }
        keys.sort();
        keys.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        Self { places, keys }
    }

    /// The display name with index `ni` of place `pi` (0 is the main name).
    pub fn name(&self, pi: u32, ni: u32) -> &str {
        let p = &self.places[pi as usize];
        if ni == 0 { &p.name } else { &p.names[ni as usize - 1] }
    }

    /// Entries whose folded name equals `key`.
    pub fn exact(&self, key: &str) -> &[(String, u32, u32)] {
        let start = self.keys.partition_point(|k| k.0.as_str() < key);
        let end = self.keys.partition_point(|k| k.0.as_str() <= key);
        &self.keys[start..end]
    }

    /// Entries whose folded name starts with `prefix`.
    pub fn prefix(&self, prefix: &str) -> &[(String, u32, u32)] {
        let start = self.keys.partition_point(|k| k.0.as_str() < prefix);
        let end = start + self.keys[start..].iter().take_while(|k| k.0.starts_with(prefix)).count();
        &self.keys[start..end]
    }
}
