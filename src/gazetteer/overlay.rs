//! A team's own places (custom places and imported GeoNames rows), searched beside the embedded
//! index. Kept small enough to rebuild whenever a place is added.

use serde::Deserialize;

use super::{CustomPlace, Gazetteer, Kind, PlaceInfo};
use crate::domain::place::{check_country, check_lat, check_lon};
use crate::domain::{ValidationErrors, text};
use crate::fold;

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
}

/// A team's own place as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlace {
    pub name: String,
    /// Further names, in any language or script: at most 100, each at most 200 characters.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub names: Vec<String>,
    /// country, region, district, settlement, site (default), natural, area.
    #[serde(default)]
    pub kind: Option<String>,
    pub lon: f64,
    pub lat: f64,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub admin1: Option<String>,
    #[serde(default)]
    pub population: Option<u64>,
}

impl NewPlace {
    /// Validates the place, filling country and admin1 from the nearest gazetteer place.
    pub fn validate(self, g: &Gazetteer) -> Result<CustomPlace, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = text::check_required("name", &self.name, 200, &mut e);
        let names = text::check_labels("names", &self.names, 200, 100, &mut e);
        check_lon("lon", self.lon, &mut e);
        check_lat("lat", self.lat, &mut e);
        let kind = match self.kind.as_deref() {
            None => Kind::Site,
            Some(k) => Kind::parse(k).unwrap_or_else(|| {
                e.add("kind", "must be one of country, region, district, settlement, site, natural, area");
                Kind::Site
            }),
        };
        let mut country = self.country.as_deref().map(|c| check_country("country", c, &mut e));
        let mut admin1 = self.admin1.map(|a| text::check_text("admin1", &a, 200, &mut e)).filter(|a| !a.is_empty());
        e.into_result(())?;
        if country.is_none() || admin1.is_none() {
            if let Some((near, _)) = g.reverse(self.lon, self.lat, 100.0, 1).into_iter().next() {
                country = country.or(near.country);
                admin1 = admin1.or(near.admin1);
            }
        }
        let mut all = vec![name.clone()];
        all.extend(names.into_iter().filter(|n| n != &name));
        Ok(CustomPlace {
            id: format!("custom:{}", uuid::Uuid::now_v7()),
            name,
            kind,
            country,
            admin1,
            lon: self.lon,
            lat: self.lat,
            population: self.population.unwrap_or(0),
            names: all,
        })
    }
}

/// The places and their folded names, sorted for binary search.
/// Generic heads of a team's places, written after the name ("Hmeimim Air Base", "Hmeymim
/// Hava Üssü") or before it ("checkpoint Zamzam", «قاعدة حميميم», «авиабаза Хмеймим»): reports
/// often name the place without them, so the name is also found without its head.
const HEADS_AFTER: [&str; 14] = [
    "air base",
    "airbase",
    "naval base",
    "military base",
    "base",
    "checkpoint",
    "port",
    "border crossing",
    "crossing",
    "airport",
    "military airport",
    "airfield",
    "hava ussu",
    "deniz ussu",
];
const HEADS_BEFORE: [&str; 10] =
    ["checkpoint", "port of", "base", "авиабаза", "база", "аэродром", "кпп", "قاعده", "مطار", "معبر"];

/// A folded name without its generic head, when it has one and something of three letters or
/// more is left.
fn strip_generic_head(folded: &str) -> Option<String> {
    let rest = HEADS_AFTER
        .iter()
        .find_map(|h| folded.strip_suffix(h).and_then(|r| r.strip_suffix(' ')))
        .or_else(|| HEADS_BEFORE.iter().find_map(|h| folded.strip_prefix(h).and_then(|r| r.strip_prefix(' '))))?;
    // "Air Base" alone is all head: "air" is not a name.
    let head_word = HEADS_AFTER.iter().chain(HEADS_BEFORE.iter()).any(|h| h.split(' ').any(|w| w == rest));
    (!head_word && rest.chars().filter(|c| c.is_alphabetic()).count() >= 3).then(|| rest.to_string())
}

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
                if let Some(s) = strip_generic_head(&f) {
                    keys.push((s, pi as u32, ni as u32));
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

#[cfg(test)]
mod tests {
    use super::strip_generic_head;
    use crate::fold::fold;

    #[test]
    fn generic_heads_come_off_team_place_names() {
        assert_eq!(strip_generic_head(&fold("Hmeimim Air Base")).as_deref(), Some("hmeimim"));
        assert_eq!(strip_generic_head(&fold("Hmeymim Hava Üssü")).as_deref(), Some("hmeymim"));
        assert_eq!(strip_generic_head(&fold("قاعدة حميميم")), Some(fold("حميميم")));
        assert_eq!(strip_generic_head(&fold("авиабаза Хмеймим")), Some(fold("Хмеймим")));
        assert_eq!(strip_generic_head(&fold("Bab al-Hawa crossing")).as_deref(), Some("bab al hawa"));
        assert_eq!(strip_generic_head(&fold("Air Base")), None);
        assert_eq!(strip_generic_head(&fold("Tartus")), None);
    }
}
