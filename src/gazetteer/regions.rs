//! First-level divisions (governorates, oblasts, provinces): which one a gazetteer entry or a
//! point lies in. An entry knows its division by GeoNames' admin1 code; a point takes the
//! division of the nearest settlement of the embedded index (see [`Gazetteer::admin1_at`] for
//! how exact that is near borders).

use super::admin1_shapes::Shapes;
use super::{Base, Gazetteer, Kind, PlaceInfo};
use crate::fold::fold;

/// The regions of the embedded index by (country, admin1 code), sorted.
#[derive(Default)]
pub struct RegionIndex {
    by_code: Vec<([u8; 2], Box<str>, u32)>,
}

impl RegionIndex {
    /// Indexes the regions of `base` (which need not have its region index yet).
    pub fn build(base: &Base) -> Self {
        let mut by_code: Vec<([u8; 2], Box<str>, u32)> = base
            .places
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == Kind::Region)
            .filter_map(|(i, p)| Some((p.country, base.opt_string(p.admin1_code)?.into(), i as u32)))
            .collect();
        by_code.sort_unstable();
        by_code.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        Self { by_code }
    }

    fn find(&self, country: [u8; 2], code: &str) -> Option<u32> {
        self.by_code.binary_search_by(|(c, k, _)| (*c, &**k).cmp(&(country, code))).ok().map(|i| self.by_code[i].2)
    }
}

/// How far the nearest settlement may be for a point outside every shape (on a coast the
/// simplified shapes cut off, at sea) to take its first-level division.
pub const ADMIN1_KM: f64 = 10.0;

/// The division shapes, each with the gazetteer region it stands for.
pub struct ShapeIndex {
    pub shapes: Shapes,
    pub region_of_shape: Vec<Option<u32>>,
    /// The box round each matched region's shapes, `[min_lon, min_lat, max_lon, max_lat]`:
    /// truer than the box of the region's towns, which leaves out its empty corners.
    pub region_bbox: std::collections::HashMap<u32, [f64; 4]>,
}

impl ShapeIndex {
    /// Matches each shape to a region of the embedded index: the region of its country whose
    /// point it holds (by name among several), else the region of its country with its name.
    pub fn build(base: &Base, shapes: Shapes) -> Self {
        let mut held: Vec<Vec<u32>> = vec![Vec::new(); shapes.divisions.len()];
        let mut by_country: std::collections::HashMap<[u8; 2], Vec<u32>> = Default::default();
        for (i, p) in base.places.iter().enumerate().filter(|(_, p)| p.kind == Kind::Region) {
            by_country.entry(p.country).or_default().push(i as u32);
            for s in shapes.at(f64::from(p.lon), f64::from(p.lat)) {
                if shapes.divisions[s as usize].country == p.country {
                    held[s as usize].push(i as u32);
                }
            }
        }
        let names_match = |shape: usize, r: u32| {
            let n = fold(&shapes.divisions[shape].name);
            base.names(r).any(|m| fold(m) == n)
        };
        let mut region_of_shape: Vec<Option<u32>> = held
            .iter()
            .enumerate()
            .map(|(s, regions)| match regions.as_slice() {
                [one] => Some(*one),
                [] => by_country.get(&shapes.divisions[s].country)?.iter().copied().find(|r| names_match(s, *r)),
                several => several.iter().copied().find(|r| names_match(s, *r)).or(Some(several[0])),
            })
            .collect();
        // A shape finer than the gazetteer's regions (a French département, a British council
        // area) stands for the region most of its country's settlements inside it belong to.
        let open: std::collections::HashSet<[u8; 2]> = (0..shapes.divisions.len())
            .filter(|s| region_of_shape[*s].is_none())
            .map(|s| shapes.divisions[s].country)
            .collect();
        let mut votes: std::collections::HashMap<(u32, u32), u32> = Default::default();
        for (i, p) in base.places.iter().enumerate() {
            if p.kind != Kind::Settlement || !open.contains(&p.country) {
                continue;
            }
            let Some(r) = base.region_of(i as u32) else { continue };
            for s in shapes.at(f64::from(p.lon), f64::from(p.lat)) {
                if region_of_shape[s as usize].is_none() && shapes.divisions[s as usize].country == p.country {
                    *votes.entry((s, r)).or_default() += 1;
                }
            }
        }
        let mut best: std::collections::HashMap<u32, (u32, u32)> = Default::default();
        for ((s, r), n) in votes {
            let b = best.entry(s).or_insert((r, 0));
            if n > b.1 || (n == b.1 && r < b.0) {
                *b = (r, n);
            }
        }
        for (s, (r, _)) in best {
            region_of_shape[s as usize] = Some(r);
        }
        let mut region_bbox: std::collections::HashMap<u32, [f64; 4]> = Default::default();
        for (s, r) in region_of_shape.iter().enumerate() {
            let Some(r) = r else { continue };
            let b = shapes.divisions[s].bbox().map(|v| f64::from(v) / 1e5);
            let e = region_bbox.entry(*r).or_insert(b);
            *e = [e[0].min(b[0]), e[1].min(b[1]), e[2].max(b[2]), e[3].max(b[3])];
        }
        Self { shapes, region_of_shape, region_bbox }
    }
}

impl Base {
    /// The shapes, loaded and matched on first use.
    pub(super) fn shape_index(&self) -> &ShapeIndex {
        self.shapes.get_or_init(|| {
            let shapes = Shapes::load(super::admin1_shapes::EMBEDDED).expect("the embedded admin-1 shapes are valid");
            ShapeIndex::build(self, shapes)
        })
    }

    /// The index of the region the entry at `idx` lies in: itself for a region, none for a
    /// country or a place whose division the index does not hold.
    fn region_of(&self, idx: u32) -> Option<u32> {
        let p = &self.places[idx as usize];
        match p.kind {
            Kind::Region => Some(idx),
            Kind::Country | Kind::Continent => None,
            _ => self.regions.find(p.country, self.opt_string(p.admin1_code)?),
        }
    }
}

impl Gazetteer {
    /// The first-level division that the gazetteer entry `id` lies in (itself for a region);
    /// `None` for a country, a team's own place (which has no admin1 code: use
    /// [`admin1_at`](Self::admin1_at) with its coordinates) or an unknown id.
    pub fn admin1_of(&self, id: &str) -> Option<PlaceInfo> {
        let idx = self.base_index(id)?;
        self.base.region_of(idx).map(|r| self.base.info(r))
    }

    /// The first-level division a point lies in: the region whose shape holds it (shapes are
    /// simplified to about 100 m, so a point closer than that to a border may be given the
    /// neighbour), else, for a point on a coast or at sea outside every shape, the division of
    /// the nearest settlement within 10 km.
    pub fn admin1_at(&self, lon: f64, lat: f64) -> Option<PlaceInfo> {
        let index = self.base.shape_index();
        let held = index.shapes.at(lon, lat).find_map(|s| index.region_of_shape[s as usize]);
        held.or_else(|| {
            self.base.reverse.nearest(lon, lat, ADMIN1_KM, 1).first().and_then(|(i, _)| self.base.region_of(*i))
        })
        .map(|r| self.base.info(r))
    }

    /// Every region (first-level division) that `name` names, in any script: best match first.
    /// Only when no region bears the name exactly, those that bear it with a typo or two (the
    /// spelling of another data set: ACLED's `Idleb`).
    pub fn regions_named(&self, name: &str) -> Vec<super::Candidate> {
        let find = |fuzzy: bool| -> Vec<super::Candidate> {
            let opts = super::SearchOptions { limit: 50, fuzzy, prefix: false, ..Default::default() };
            self.search(name, &opts).into_iter().filter(|c| c.place.kind == Kind::Region).collect()
        };
        let exact = find(false);
        if !exact.is_empty() {
            return exact;
        }
        let typo = find(true);
        if !typo.is_empty() {
            return typo;
        }
        // A spelling the gazetteer gives only the division's seat (`Idleb`, `Идлиб` for the
        // city of Idlib): the division of a place so named, if the place is its seat or one of
        // the division's names is that spelling with a typo or two.
        let key = fold(name);
        let opts = super::SearchOptions { limit: 10, fuzzy: false, prefix: false, ..Default::default() };
        let mut out: Vec<super::Candidate> = Vec::new();
        for c in self.search(name, &opts) {
            let Some(region) = self.admin1_of(&c.place.gazetteer_id) else { continue };
            let Some((_, names)) = self.get(&region.gazetteer_id) else { continue };
            // GeoNames puts a division at its seat: a place on that point is the seat.
            let seat = crate::domain::filter::distance_km(c.place.lon, c.place.lat, region.lon, region.lat) < 1.0;
            let close = seat
                || (key.chars().count() >= 5 && names.iter().any(|n| super::search::levenshtein(&fold(n), &key) <= 2));
            if close && !out.iter().any(|o| o.place.gazetteer_id == region.gazetteer_id) {
                out.push(super::Candidate { place: region, ..c });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::gazetteer::Kind;
    use crate::gazetteer::tests::gazetteer;

    #[test]
    fn a_town_lies_in_its_governorate_and_a_governorate_in_itself() {
        let g = gazetteer();
        // Sarmin, a town of Idlib governorate.
        let sarmin = g.search("Sarmin", &Default::default()).remove(0).place;
        let region = g.admin1_of(&sarmin.gazetteer_id).unwrap();
        assert_eq!(region.kind, Kind::Region);
        assert_eq!(region.country.as_deref(), Some("SY"));
        assert!(g.regions_named("إدلب").iter().any(|r| r.place.gazetteer_id == region.gazetteer_id), "{region:?}");
        assert_eq!(g.admin1_of(&region.gazetteer_id).unwrap().gazetteer_id, region.gazetteer_id);
        let syria = g.country("SY").unwrap();
        assert!(g.admin1_of(&syria.gazetteer_id).is_none());
    }

    #[test]
    fn a_point_takes_the_region_whose_shape_holds_it() {
        let g = gazetteer();
        let idlib = g.regions_named("Idlib").remove(0).place;
        let hama = g.regions_named("Hama").remove(0).place;
        // Fields between Idlib and Sarmin; Khan Shaykhun, in Idlib though nearer Hama's towns;
        // Morek, just south of the line, in Hama.
        assert_eq!(g.admin1_at(36.68, 35.91).unwrap().gazetteer_id, idlib.gazetteer_id);
        assert_eq!(g.admin1_at(36.64, 35.44).unwrap().gazetteer_id, idlib.gazetteer_id);
        assert_eq!(g.admin1_at(36.67, 35.38).unwrap().gazetteer_id, hama.gazetteer_id);
        assert!(g.admin1_at(-140.0, -45.0).is_none(), "the open ocean lies in no division");
    }

    #[test]
    fn almost_every_shape_stands_for_a_region_and_every_region_point_finds_itself() {
        let g = gazetteer();
        let t = std::time::Instant::now();
        let index = g.base.shape_index();
        eprintln!("shapes loaded and matched in {:?}", t.elapsed());
        let matched = index.region_of_shape.iter().filter(|r| r.is_some()).count();
        let total = index.shapes.divisions.len();
        eprintln!("{matched} of {total} shapes matched to a gazetteer region");
        assert!(matched * 100 >= total * 95, "{matched} of {total}");
        // Every Syrian settlement's governorate, by its admin1 code, against its point's shape.
        let base = &g.base;
        let (mut same, mut all) = (0, 0);
        for (i, p) in base.places.iter().enumerate() {
            if p.kind != Kind::Settlement || &p.country != b"SY" {
                continue;
            }
            let Some(own) = base.region_of(i as u32) else { continue };
            all += 1;
            let at = g.admin1_at(f64::from(p.lon), f64::from(p.lat)).map(|r| r.gazetteer_id);
            same += usize::from(at == Some(base.info(own).gazetteer_id));
        }
        eprintln!("{same} of {all} Syrian settlements lie in the shape of their own governorate");
        assert!(same * 100 >= all * 95, "{same} of {all}");
    }
}
