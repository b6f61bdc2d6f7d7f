//! The gazetteer: place names in any script resolved to real places, offline.
//!
//! The embedded index holds GeoNames populated places (≥ 500 inhabitants), first- and
//! second-level subdivisions and countries, with their alternate names folded
//! ([`crate::fold`]) into an FST. On top of it sits an overlay of a team's own places (from the
//! database), which the caller hands in; the gazetteer itself never reads the database.
//!
//! Lookups rank candidates by how the name matched (exact name, alternate name, prefix, typo),
//! by population and kind, and by optional country and proximity hints ([`search`](crate::gazetteer::search)).

mod admin1_shapes;
pub mod format;
pub mod geonames_dump;
mod overlay;
mod regions;
pub mod resolve;
mod reverse;
pub mod search;

use std::sync::{Arc, RwLock};

use serde::Serialize;

pub use crate::domain::team_place::{CustomPlace, Kind};
pub use overlay::NewPlace;
pub use search::{Candidate, MatchType, SearchOptions};

/// A place of the embedded index, compact: strings are indexes into the string table.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub geonames_id: u32,
    pub kind: Kind,
    pub country: [u8; 2],
    pub lat: f32,
    pub lon: f32,
    pub population: u32,
    pub name: u32,
    /// String index + 1, or 0.
    pub local_name: u32,
    pub admin1: u32,
    pub admin1_code: u32,
    pub bbox: Option<[f32; 4]>,
}

/// A place as callers see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlaceInfo {
    /// `geonames:<id>` or `custom:<id>`.
    pub gazetteer_id: String,
    pub name: String,
    /// The name in the country's own script (Arabic for Syria), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_name: Option<String>,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin1: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub population: u64,
    /// `[min_lon, min_lat, max_lon, max_lat]` of regions and countries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
}

/// The name shown to a reader. GeoNames' main name is a scholarly transliteration for much of
/// the Middle East ("Ţarţūs", "Ḩamāh", "Dar‘ā"); English-language news writes the same letters
/// without the marks ("Tartus", "Hamah", "Dar'a"), so a name that carries such marks is shown
/// without them. The marked form stays among the alternate names, and `local_name` gives the
/// name in the country's script beside it. Names without those marks ("São Paulo") are kept.
pub fn display_name(main: &str) -> String {
    let scholarly = |c: char| {
        matches!(
            c,
            'ā' | 'ē'
                | 'ī'
                | 'ō'
                | 'ū'
                | 'Ā'
                | 'Ē'
                | 'Ī'
                | 'Ō'
                | 'Ū'
                | 'ḩ'
                | 'Ḩ'
                | 'ḑ'
                | 'Ḑ'
                | 'ţ'
                | 'Ţ'
                | 'ş'
                | 'Ş'
                | 'ẕ'
                | 'Ẕ'
                | 'ẖ'
                | 'ḍ'
                | 'Ḍ'
                | 'ḥ'
                | 'Ḥ'
                | 'ṣ'
                | 'Ṣ'
                | 'ṭ'
                | 'Ṭ'
                | 'ẓ'
                | 'Ẓ'
                | '‘'
                | '’'
                | 'ʿ'
                | 'ʾ'
        )
    };
    if main.is_ascii() || !main.chars().any(scholarly) {
        return main.to_string();
    }
    let mut out = String::with_capacity(main.len());
    for ch in main.chars() {
        match ch {
            '‘' | '’' | 'ʿ' | 'ʾ' => out.push('\''),
            'ı' => out.push('i'),
            _ => unicode_normalization::char::decompose_canonical(ch, |c| {
                if !unicode_normalization::char::is_combining_mark(c) {
                    out.push(c);
                }
            }),
        }
    }
    out
}

/// A stored coordinate (f32, 1e-5 degrees) as the f64 it was written from.
fn round5(v: f32) -> f64 {
    (f64::from(v) * 1e5).round() / 1e5
}

/// A name of the index: an FST value of the embedded index, or (place, name) of the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRef {
    Base(u64),
    Custom(u32, u32),
}

/// The embedded, read-only part of the gazetteer.
pub struct Base {
    text: String,
    string_ends: Vec<u32>,
    places: Vec<Place>,
    names_of: Vec<u32>,
    name_refs: Vec<u32>,
    postings: Vec<u8>,
    fst: fst::Map<Vec<u8>>,
    by_geonames_id: Vec<(u32, u32)>,
    /// The index of each country's place, by ISO code, sorted.
    countries: Vec<([u8; 2], u32)>,
    reverse: reverse::ReverseIndex,
    regions: regions::RegionIndex,
    /// The division shapes, loaded on first use.
    shapes: std::sync::OnceLock<regions::ShapeIndex>,
}

/// The gazetteer: the embedded index plus a team's own places.
pub struct Gazetteer {
    base: Arc<Base>,
    overlay: RwLock<Arc<overlay::Overlay>>,
}

/// The gazetteer file compiled into the binary.
pub static EMBEDDED: &[u8] = include_bytes!("../../data/gazetteer.bin");

impl Base {
    fn string(&self, i: u32) -> &str {
        let start = if i == 0 { 0 } else { self.string_ends[i as usize - 1] as usize };
        &self.text[start..self.string_ends[i as usize] as usize]
    }

    fn opt_string(&self, i_plus_one: u32) -> Option<&str> {
        (i_plus_one > 0).then(|| self.string(i_plus_one - 1))
    }

    fn info(&self, idx: u32) -> PlaceInfo {
        let p = &self.places[idx as usize];
        let cc = std::str::from_utf8(&p.country).unwrap_or("").trim().to_string();
        PlaceInfo {
            gazetteer_id: format!("geonames:{}", p.geonames_id),
            name: display_name(self.string(p.name)),
            local_name: self.opt_string(p.local_name).map(str::to_string),
            kind: p.kind,
            country: (!cc.is_empty()).then_some(cc),
            admin1: self.opt_string(p.admin1).map(display_name),
            lon: round5(p.lon),
            lat: round5(p.lat),
            population: u64::from(p.population),
            bbox: match p.kind {
                Kind::Region => self.shape_index().region_bbox.get(&idx).map(|b| b.map(|v| (v * 1e5).round() / 1e5)),
                _ => None,
            }
            .or(p.bbox.map(|b| b.map(round5))),
        }
    }

    /// Every name of a place.
    fn names(&self, idx: u32) -> impl Iterator<Item = &str> {
        let (a, b) = (self.names_of[idx as usize] as usize, self.names_of[idx as usize + 1] as usize);
        self.name_refs[a..b].iter().map(|s| self.string(*s))
    }

    /// The (place, name) pairs of a posting list.
    fn posting(&self, value: u64) -> Vec<(u32, u32)> {
        format::postings_at(&self.postings, value, &self.names_of, &self.name_refs)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error(transparent)]
    Load(#[from] format::LoadError),
    #[error("unknown gazetteer id `{0}`")]
    UnknownId(String),
}

impl Gazetteer {
    /// Loads the embedded gazetteer.
    pub fn load_embedded() -> Result<Self, GazetteerError> {
        Self::load(EMBEDDED)
    }

    /// Loads a gazetteer file (zstd-compressed, see [`format`](mod@format)).
    pub fn load(bytes: &[u8]) -> Result<Self, GazetteerError> {
        let p = format::read(bytes, crate::fold::FOLD_VERSION)?;
        let mut by_geonames_id: Vec<(u32, u32)> =
            p.places.iter().enumerate().map(|(i, pl)| (pl.geonames_id, i as u32)).collect();
        by_geonames_id.sort_unstable();
        let mut countries: Vec<([u8; 2], u32)> = Vec::new();
        for (i, pl) in p.places.iter().enumerate() {
            if pl.kind == Kind::Country && !countries.iter().any(|(cc, _)| *cc == pl.country) {
                countries.push((pl.country, i as u32));
            }
        }
        countries.sort_unstable();
        let reverse = reverse::ReverseIndex::build(&p.places);
        let mut base = Base {
            text: p.text,
            string_ends: p.string_ends,
            places: p.places,
            names_of: p.names_of,
            name_refs: p.name_refs,
            postings: p.postings,
            fst: p.fst,
            by_geonames_id,
            countries,
            reverse,
            regions: regions::RegionIndex::default(),
            shapes: std::sync::OnceLock::new(),
        };
        base.regions = regions::RegionIndex::build(&base);
        Ok(Self { base: Arc::new(base), overlay: RwLock::new(Arc::new(overlay::Overlay::default())) })
    }

    /// A gazetteer sharing this one's embedded index, without its own places (cheap: the index
    /// is shared, not copied).
    pub fn fresh(&self) -> Self {
        Self { base: self.base.clone(), overlay: RwLock::new(Arc::new(overlay::Overlay::default())) }
    }

    /// How many places the embedded index holds.
    pub fn len(&self) -> usize {
        self.base.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.base.places.is_empty()
    }

    fn overlay(&self) -> Arc<overlay::Overlay> {
        self.overlay.read().expect("overlay lock").clone()
    }

    /// Replaces the team's own places (as read from the database).
    pub fn set_custom(&self, places: Vec<CustomPlace>) {
        let o = overlay::Overlay::build(places);
        *self.overlay.write().expect("overlay lock") = Arc::new(o);
    }

    /// Adds one place of the team's own, findable at once.
    pub fn add_custom(&self, place: CustomPlace) {
        let mut all = self.overlay().places.clone();
        all.retain(|p| p.id != place.id);
        all.push(place);
        self.set_custom(all);
    }

    /// How many places of the team's own are loaded.
    pub fn custom_len(&self) -> usize {
        self.overlay().places.len()
    }

    /// A place by its gazetteer id (`geonames:173576` or `custom:...`), with all its names.
    pub fn get(&self, id: &str) -> Option<(PlaceInfo, Vec<String>)> {
        let o = self.overlay();
        if let Some(c) = o.places.iter().find(|p| p.id == id) {
            return Some((c.info(), c.names.clone()));
        }
        let idx = self.base_index(id)?;
        Some((self.base.info(idx), self.base.names(idx).map(str::to_string).collect()))
    }

    /// The index in the embedded index of `geonames:<id>`.
    fn base_index(&self, id: &str) -> Option<u32> {
        let gid: u32 = id.strip_prefix("geonames:")?.parse().ok()?;
        let i = self.base.by_geonames_id.binary_search_by_key(&gid, |(g, _)| *g).ok()?;
        Some(self.base.by_geonames_id[i].1)
    }

    /// Ranked candidates for a name (see [`search`](mod@search)).
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Vec<Candidate> {
        search::search(self, query, opts)
    }

    /// Places inside a box (`[min_lon, min_lat, max_lon, max_lat]`, which may cross the
    /// antimeridian) of the given kinds with at least `min_population`, most populous first:
    /// the labels of the offline basemap.
    pub fn in_box(&self, bbox: [f64; 4], kinds: &[Kind], min_population: u64, limit: usize) -> Vec<PlaceInfo> {
        let inside = |lon: f64, lat: f64| {
            let lon_ok =
                if bbox[0] <= bbox[2] { lon >= bbox[0] && lon <= bbox[2] } else { lon >= bbox[0] || lon <= bbox[2] };
            lon_ok && lat >= bbox[1] && lat <= bbox[3]
        };
        let mut hits: Vec<u32> = self
            .base
            .places
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                u64::from(p.population) >= min_population
                    && kinds.contains(&p.kind)
                    && inside(f64::from(p.lon), f64::from(p.lat))
            })
            .map(|(i, _)| i as u32)
            .collect();
        hits.sort_by_key(|i| std::cmp::Reverse(self.base.places[*i as usize].population));
        hits.truncate(limit);
        let mut out: Vec<PlaceInfo> = hits.into_iter().map(|i| self.base.info(i)).collect();
        for c in &self.overlay().places {
            if c.is_team_place() && kinds.contains(&c.kind) && inside(c.lon, c.lat) {
                out.push(c.info());
            }
        }
        out
    }

    /// Every indexed name that begins at byte `start` of folded text and ends at a word
    /// boundary (a space, the end, or one of `soft_ends`), shortest first, as (end, name).
    pub fn names_at(&self, text: &str, start: usize, soft_ends: &[usize]) -> Vec<(usize, NameRef)> {
        let bytes = text.as_bytes();
        let boundary = |i: usize| i == bytes.len() || bytes[i] == b' ' || soft_ends.binary_search(&i).is_ok();
        let mut out = Vec::new();
        let raw = self.base.fst.as_fst();
        let mut node = raw.root();
        let mut acc = 0u64;
        for (i, b) in bytes[start..].iter().enumerate() {
            let Some(t) = node.find_input(*b).map(|k| node.transition(k)) else { break };
            acc += t.out.value();
            node = raw.node(t.addr);
            let end = start + i + 1;
            if node.is_final() && boundary(end) {
                out.push((end, NameRef::Base(acc + node.final_output().value())));
            }
        }
        let o = self.overlay();
        let first_word_end = bytes[start..].iter().position(|b| *b == b' ').map_or(bytes.len(), |p| start + p);
        for (k, pi, ni) in o.prefix(&text[start..first_word_end]) {
            let end = start + k.len();
            if text[start..].starts_with(k.as_str()) && boundary(end) {
                out.push((end, NameRef::Custom(*pi, *ni)));
            }
        }
        out.sort_by_key(|(e, _)| *e);
        out
    }

    /// The indexed name equal to a folded key, if any (base index first, then the team's own).
    pub fn name(&self, key: &str) -> Vec<NameRef> {
        let mut out: Vec<NameRef> = self.base.fst.get(key).map(NameRef::Base).into_iter().collect();
        out.extend(self.overlay().exact(key).iter().map(|(_, pi, ni)| NameRef::Custom(*pi, *ni)));
        out
    }

    /// The candidates (at most `limit`) that names stand for, ranked without hints.
    pub fn candidates(&self, names: &[NameRef], limit: usize) -> Vec<Candidate> {
        search::rank_names(self, names, &SearchOptions { limit, ..Default::default() })
    }

    /// The embedded country with this ISO code.
    pub fn country(&self, cc: &str) -> Option<PlaceInfo> {
        let cc = cc.as_bytes();
        if cc.len() != 2 {
            return None;
        }
        let key = [cc[0], cc[1]];
        let c = &self.base.countries;
        c.binary_search_by(|(k, _)| k.cmp(&key)).ok().map(|i| self.base.info(c[i].1))
    }

    /// The nearest places to a point within `max_km`, nearest first, with their distance in km.
    pub fn reverse(&self, lon: f64, lat: f64, max_km: f64, limit: usize) -> Vec<(PlaceInfo, f64)> {
        let mut out: Vec<(PlaceInfo, f64)> = self
            .base
            .reverse
            .nearest(lon, lat, max_km, limit)
            .into_iter()
            .map(|(i, d)| (self.base.info(i), d))
            .collect();
        for c in &self.overlay().places {
            let d = crate::domain::filter::distance_km(lon, lat, c.lon, c.lat);
            if d <= max_km {
                out.push((c.info(), d));
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The embedded gazetteer, loaded once for all tests.
    pub fn gazetteer() -> &'static Gazetteer {
        static G: OnceLock<Gazetteer> = OnceLock::new();
        G.get_or_init(|| Gazetteer::load_embedded().expect("embedded gazetteer loads"))
    }

    #[test]
    fn readers_see_plain_names_and_the_local_name_beside_them() {
        let g = gazetteer();
        let (tartus, names) = g.get("geonames:163345").unwrap();
        assert_eq!(tartus.name, "Tartus", "{names:?}");
        assert_eq!(tartus.local_name.as_deref(), Some("طرطوس"));
        assert!(names.iter().any(|n| n == "Ţarţūs"), "the scholarly name stays an alternate name");
        assert_eq!(g.get("geonames:173576").unwrap().0.name, "Latakia");
        assert_eq!(g.get("geonames:170017").unwrap().0.name, "Hamah");
        assert_eq!(display_name("Dar‘ā"), "Dar'a");
        assert_eq!(display_name("São Paulo"), "São Paulo");
    }

    #[test]
    fn the_embedded_gazetteer_loads_with_its_places() {
        let g = gazetteer();
        assert!(g.len() > 200_000, "{}", g.len());
        let (latakia, names) = g.get("geonames:173576").unwrap();
        assert_eq!(latakia.name, "Latakia");
        assert_eq!(latakia.country.as_deref(), Some("SY"));
        assert!(names.iter().any(|n| n == "اللاذقية"));
        assert!(g.get("geonames:0").is_none());
        assert!(g.get("nonsense").is_none());
    }

    #[test]
    fn a_point_in_latakia_reverses_to_latakia() {
        let r = gazetteer().reverse(35.79, 35.53, 20.0, 3);
        assert_eq!(r[0].0.name, "Latakia");
        assert_eq!(r[0].0.country.as_deref(), Some("SY"));
        assert!(r[0].0.admin1.is_some());
        assert!(r[0].1 < 2.0);
    }

    #[test]
    fn a_point_far_from_any_place_reverses_to_nothing() {
        assert!(gazetteer().reverse(-140.0, -45.0, 50.0, 3).is_empty());
    }
}
