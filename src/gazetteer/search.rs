//! Ranking place names. A name is looked up exactly (its folded form, with or without a definite
//! article), then, for autocomplete, as a prefix, and, when nothing matched, with one or two typos
//! (by walking the FST with a Levenshtein row, the first letter fixed). Every hit is scored:
//!
//! `score = 0.55 × match + 0.35 × population + kind + hints`, where `match` is 1 for the main
//! name, 0.92 for an alternate name, 0.6–0.9 for a prefix (by how much of the name was typed) and
//! 0.7 or 0.6 for one or two typos; `population` is log10(population + 1) / 7 (1 at ten million);
//! `kind` favours countries (+0.15) and settlements (+0.05) over regions (0) and districts
//! (−0.05), so that a city outranks its same-named governorate unless the governorate is far
//! larger; a team's own place gets +0.25; a `country` hint adds 0.3 to places in that country and
//! takes 0.3 from others; `near` adds up to 0.25, fading with distance (300 km scale).

use serde::Serialize;

use super::{Base, Gazetteer, Kind, NameRef, PlaceInfo};
use crate::domain::filter::distance_km;
use crate::fold;

/// How a candidate's name matched the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    Name,
    AlternateName,
    Prefix,
    Fuzzy,
}

/// A ranked answer to a lookup.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    #[serde(flatten)]
    pub place: PlaceInfo,
    /// The name (as written in the gazetteer) that matched the query.
    pub matched_name: String,
    pub match_type: MatchType,
    /// Higher is better; comparable between the candidates of one lookup.
    pub score: f64,
}

/// Lookup options.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// ISO alpha-2 hint: places in this country are preferred.
    pub country: Option<String>,
    /// `(lon, lat)` bias: nearer places are preferred.
    pub near: Option<(f64, f64)>,
    pub limit: usize,
    /// Also match names that start with the query (autocomplete).
    pub prefix: bool,
    /// Allow one or two typos when nothing matches exactly.
    pub fuzzy: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self { country: None, near: None, limit: 10, prefix: false, fuzzy: true }
    }
}

/// Most FST keys a prefix lookup visits.
const MAX_PREFIX_KEYS: usize = 3000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Base(u32),
    Custom(u32),
}

struct Hit<'a> {
    origin: Origin,
    /// The name as written: borrowed from the embedded index, owned for a team's place.
    name: std::borrow::Cow<'a, str>,
    quality: f64,
    match_type: MatchType,
}

fn kind_prior(k: Kind) -> f64 {
    match k {
        Kind::Country | Kind::Continent => 0.15,
        Kind::Settlement | Kind::Site => 0.05,
        Kind::Region | Kind::Natural => 0.0,
        Kind::District | Kind::Area => -0.05,
    }
}

/// The population prior: log10(population + 1) / 7, capped at 1.
pub fn population_prior(population: u64) -> f64 {
    ((population as f64 + 1.0).log10() / 7.0).min(1.0)
}

/// What a hit is scored on, read from the place without building its [`PlaceInfo`].
struct Facts<'a> {
    population: u64,
    kind: Kind,
    country: Option<&'a str>,
    lon: f64,
    lat: f64,
}

/// Which place a hit stands for: a GeoNames id (of the embedded index, or of a team's place
/// imported from GeoNames), else a team place's own id; as `PlaceInfo::gazetteer_id` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PlaceKey<'a> {
    GeoNames(u32),
    Other(&'a str),
}

impl<'a> PlaceKey<'a> {
    fn of_id(id: &'a str) -> Self {
        match id.strip_prefix("geonames:").and_then(|n| n.parse::<u32>().ok()) {
            // Only the id as the embedded index writes it: "geonames:0173" is another id.
            Some(n) if id.len() == "geonames:".len() + n.to_string().len() => Self::GeoNames(n),
            _ => Self::Other(id),
        }
    }
}

fn score(info: &Facts<'_>, quality: f64, team_place: bool, opts: &SearchOptions) -> f64 {
    let mut s = 0.55 * quality + 0.35 * population_prior(info.population) + kind_prior(info.kind);
    if team_place {
        s += 0.25;
    }
    if let Some(cc) = &opts.country {
        if info.country.is_some_and(|c| c.eq_ignore_ascii_case(cc)) {
            s += 0.3;
        } else {
            s -= 0.3;
        }
    }
    if let Some((lon, lat)) = opts.near {
        s += 0.25 * (-distance_km(lon, lat, info.lon, info.lat) / 300.0).exp();
    }
    (s * 1000.0).round() / 1000.0
}

fn base_hits<'a>(
    base: &'a Base,
    key: &str,
    offset: u64,
    quality_if_name: f64,
    hits: &mut Vec<Hit<'a>>,
    mt: Option<MatchType>,
) {
    for (place, sidx) in base.posting(offset) {
        let name = base.string(sidx);
        let primary = base.string(base.places[place as usize].name);
        let is_main =
            sidx == base.places[place as usize].name || primary == name || fold::fold(primary) == fold::fold(name);
        let (quality, match_type) = match mt {
            Some(t) => (quality_if_name, t),
            None if is_main => (1.0, MatchType::Name),
            None => (0.92, MatchType::AlternateName),
        };
        let _ = key;
        hits.push(Hit { origin: Origin::Base(place), name: name.into(), quality, match_type });
    }
}

/// Keys of the FST within `k` byte edits of `q`, sharing its first byte: `(key, value, edits)`.
fn fuzzy_keys(map: &fst::Map<Vec<u8>>, q: &[u8], k: u32, max: usize) -> Vec<(Vec<u8>, u64, u32)> {
    let raw = map.as_fst();
    let n = q.len();
    let mut out = Vec::new();
    let root = raw.root();
    let Some(first) = root.find_input(q[0]).map(|i| root.transition(i)) else { return out };
    // Row after consuming the first byte, which matched.
    let row0: Vec<u32> = (0..=n as u32).collect();
    let mut row1 = vec![1u32; n + 1];
    for j in 1..=n {
        row1[j] = (row0[j] + 1).min(row1[j - 1] + 1).min(row0[j - 1] + u32::from(q[j - 1] != q[0]));
    }
    let mut stack = vec![(first.addr, vec![q[0]], first.out.value(), row1)];
    while let Some((addr, key, out_acc, row)) = stack.pop() {
        let node = raw.node(addr);
        if node.is_final() && row[n] <= k {
            out.push((key.clone(), out_acc + node.final_output().value(), row[n]));
            if out.len() >= max {
                break;
            }
        }
        for t in node.transitions() {
            let mut next = vec![row[0] + 1; n + 1];
            let mut best = next[0];
            for j in 1..=n {
                next[j] = (row[j] + 1).min(next[j - 1] + 1).min(row[j - 1] + u32::from(q[j - 1] != t.inp));
                best = best.min(next[j]);
            }
            if best <= k {
                let mut nk = key.clone();
                nk.push(t.inp);
                stack.push((t.addr, nk, out_acc + t.out.value(), next));
            }
        }
    }
    out
}

/// Ranked candidates for `query`; see the module documentation for the ranking.
pub fn search(g: &Gazetteer, query: &str, opts: &SearchOptions) -> Vec<Candidate> {
    let folded = fold::fold(query);
    if folded.is_empty() || opts.limit == 0 {
        return Vec::new();
    }
    let base = &g.base;
    let overlay = g.overlay();
    let mut hits: Vec<Hit> = Vec::new();
    let mut keys = vec![folded.clone()];
    if let Some(s) = fold::strip_article(&folded) {
        keys.push(s.to_string());
    }
    for key in &keys {
        if let Some(off) = base.fst.get(key) {
            base_hits(base, key, off, 1.0, &mut hits, None);
        }
        for (_, pi, ni) in overlay.exact(key) {
            let name = overlay.name(*pi, *ni).to_string();
            let main = *ni == 0 || fold::fold(&name) == fold::fold(&overlay.places[*pi as usize].name);
            let (quality, match_type) = if main { (1.0, MatchType::Name) } else { (0.92, MatchType::AlternateName) };
            hits.push(Hit { origin: Origin::Custom(*pi), name: name.into(), quality, match_type });
        }
    }
    let qlen = folded.chars().count();
    if opts.prefix && qlen >= 2 {
        use fst::{Automaton, IntoStreamer, Streamer};
        let auto = fst::automaton::Str::new(&folded).starts_with();
        let mut stream = base.fst.search(auto).into_stream();
        let mut seen = 0;
        while let Some((k, off)) = stream.next() {
            seen += 1;
            if seen > MAX_PREFIX_KEYS {
                break;
            }
            if k.len() == folded.len() {
                continue; // the exact key, already taken
            }
            let coverage = qlen as f64 / String::from_utf8_lossy(k).chars().count() as f64;
            base_hits(base, "", off, 0.6 + 0.3 * coverage, &mut hits, Some(MatchType::Prefix));
        }
        for (k, pi, ni) in overlay.prefix(&folded) {
            if k.len() == folded.len() {
                continue;
            }
            let coverage = qlen as f64 / k.chars().count() as f64;
            hits.push(Hit {
                origin: Origin::Custom(*pi),
                name: overlay.name(*pi, *ni).to_string().into(),
                quality: 0.6 + 0.3 * coverage,
                match_type: MatchType::Prefix,
            });
        }
    }
    if opts.fuzzy && hits.is_empty() && qlen >= 5 {
        let k_chars = if qlen >= 8 { 2 } else { 1 };
        let k_bytes = if folded.is_ascii() { k_chars } else { 2 * k_chars };
        for (_, off, edits) in fuzzy_keys(&base.fst, folded.as_bytes(), k_bytes, 200) {
            let e = if folded.is_ascii() { edits } else { edits.div_ceil(2) };
            base_hits(base, "", off, 0.8 - 0.1 * f64::from(e), &mut hits, Some(MatchType::Fuzzy));
        }
        for (k, pi, ni) in &overlay.keys {
            let d = crate::gazetteer::search::levenshtein(k, &folded);
            if d <= k_chars as usize && k.chars().next() == folded.chars().next() {
                hits.push(Hit {
                    origin: Origin::Custom(*pi),
                    name: overlay.name(*pi, *ni).to_string().into(),
                    quality: 0.8 - 0.1 * d as f64,
                    match_type: MatchType::Fuzzy,
                });
            }
        }
    }
    rank(g, &overlay, hits, opts)
}

/// Scores hits, keeps the best per place, sorts and truncates. Hits are scored on the place's
/// facts alone; only the candidates kept are written out (a name like "Springfield" has dozens
/// of places, and a geoparse asks for every capitalised word of a text).
fn rank(g: &Gazetteer, overlay: &super::overlay::Overlay, hits: Vec<Hit<'_>>, opts: &SearchOptions) -> Vec<Candidate> {
    let base = &g.base;
    // (score, population, hit) per place, in the order places were first hit.
    let mut best: Vec<(f64, u64, usize)> = Vec::with_capacity(hits.len());
    let mut at: rustc_hash::FxHashMap<PlaceKey<'_>, usize> = Default::default();
    for (hi, h) in hits.iter().enumerate() {
        let (facts, key, team) = match h.origin {
            Origin::Base(i) => {
                let p = &base.places[i as usize];
                let cc = std::str::from_utf8(&p.country).unwrap_or("").trim();
                let facts = Facts {
                    population: u64::from(p.population),
                    kind: p.kind,
                    country: (!cc.is_empty()).then_some(cc),
                    lon: super::round5(p.lon),
                    lat: super::round5(p.lat),
                };
                (facts, PlaceKey::GeoNames(p.geonames_id), false)
            }
            Origin::Custom(i) => {
                let c = &overlay.places[i as usize];
                let facts = Facts {
                    population: c.population,
                    kind: c.kind,
                    country: c.country.as_deref(),
                    lon: c.lon,
                    lat: c.lat,
                };
                (facts, PlaceKey::of_id(&c.id), c.is_team_place())
            }
        };
        let s = score(&facts, h.quality, team, opts);
        match at.get(&key) {
            Some(&i) if best[i].0 >= s => {}
            Some(&i) => best[i] = (s, facts.population, hi),
            None => {
                at.insert(key, best.len());
                best.push((s, facts.population, hi));
            }
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    best.truncate(opts.limit);
    let mut hits: Vec<Option<Hit<'_>>> = hits.into_iter().map(Some).collect();
    best.into_iter()
        .filter_map(|(score, _, hi)| {
            let h = hits[hi].take()?;
            let place = match h.origin {
                Origin::Base(i) => base.info(i),
                Origin::Custom(i) => overlay.places[i as usize].info(),
            };
            Some(Candidate { place, matched_name: h.name.into_owned(), match_type: h.match_type, score })
        })
        .collect()
}

/// The candidates that exact names stand for, ranked.
pub fn rank_names(g: &Gazetteer, names: &[NameRef], opts: &SearchOptions) -> Vec<Candidate> {
    let overlay = g.overlay();
    let mut hits = Vec::new();
    for n in names {
        match *n {
            NameRef::Base(v) => base_hits(&g.base, "", v, 1.0, &mut hits, None),
            NameRef::Custom(pi, ni) => {
                let name = overlay.name(pi, ni).to_string();
                let main = ni == 0 || fold::fold(&name) == fold::fold(&overlay.places[pi as usize].name);
                let (quality, match_type) =
                    if main { (1.0, MatchType::Name) } else { (0.92, MatchType::AlternateName) };
                hits.push(Hit { origin: Origin::Custom(pi), name: name.into(), quality, match_type });
            }
        }
    }
    rank(g, &overlay, hits, opts)
}

/// Levenshtein distance in characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 1..=b.len() {
            let cur = row[j];
            row[j] = (row[j] + 1).min(row[j - 1] + 1).min(prev + usize::from(ca != b[j - 1]));
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::gazetteer;

    const TARTUS: &str = "geonames:163345";
    const JABLEH: &str = "geonames:169304";

    fn top(q: &str) -> Candidate {
        gazetteer().search(q, &SearchOptions::default()).into_iter().next().unwrap_or_else(|| panic!("nothing for {q}"))
    }

    fn top_in(q: &str, cc: &str) -> Candidate {
        let o = SearchOptions { country: Some(cc.into()), ..Default::default() };
        gazetteer().search(q, &o).into_iter().next().unwrap()
    }

    #[test]
    fn tartus_is_found_in_latin_cyrillic_and_arabic_spellings() {
        for q in ["Tartus", "Tartous", "Tartús", "Ţarţūs", "Тартус", "طرطوس"] {
            let c = top(q);
            assert_eq!(c.place.gazetteer_id, TARTUS, "{q}: {c:?}");
        }
    }

    #[test]
    fn latakia_spellings_find_the_city_with_the_governorate_as_runner_up() {
        for q in ["Latakia", "Lattakia", "Lazkiye", "Латакия", "اللاذقية", "Al-Lādhiqīyah"] {
            let c = top(q);
            assert_eq!(c.place.gazetteer_id, "geonames:173576", "{q}: {c:?}");
        }
        let all = gazetteer().search("Latakia", &SearchOptions::default());
        assert!(
            all.iter().any(|c| c.place.kind == Kind::Region && c.place.country.as_deref() == Some("SY")),
            "{all:?}"
        );
    }

    #[test]
    fn jableh_is_found_as_ceble_and_jablah() {
        for q in ["Jableh", "Jablah", "Ceble", "Джебла", "جبلة"] {
            let c = top(q);
            assert_eq!(c.place.gazetteer_id, JABLEH, "{q}: {c:?}");
        }
    }

    #[test]
    fn damascus_means_syria_unless_the_hint_says_united_states() {
        assert_eq!(top("Damascus").place.country.as_deref(), Some("SY"));
        let us = top_in("Damascus", "US");
        assert_eq!(us.place.country.as_deref(), Some("US"));
    }

    #[test]
    fn a_typo_or_two_in_a_long_name_still_finds_it() {
        let c = top("Tartoussa");
        assert_eq!(c.place.gazetteer_id, TARTUS);
        assert_eq!(c.match_type, MatchType::Fuzzy);
        let c = top("Latakkiya");
        assert_eq!(c.place.gazetteer_id, "geonames:173576");
        assert_eq!(c.match_type, MatchType::Fuzzy);
        assert_eq!(top("Damacsus").place.gazetteer_id, "geonames:170654");
    }

    #[test]
    fn prefixes_serve_autocomplete() {
        let o = SearchOptions { prefix: true, ..Default::default() };
        let c = gazetteer().search("Tart", &o);
        assert!(c.iter().take(3).any(|c| c.place.gazetteer_id == TARTUS), "{c:?}");
        let c = gazetteer().search("Dama", &o);
        assert_eq!(c[0].place.gazetteer_id, "geonames:170654", "{c:?}");
    }

    #[test]
    fn candidates_carry_every_field_a_caller_needs() {
        let c = top("Tartous");
        assert!(c.place.gazetteer_id.starts_with("geonames:"));
        assert_eq!(c.place.kind, Kind::Settlement);
        assert!(c.place.population > 50_000);
        assert!(c.place.admin1.is_some());
        assert!(c.score > 0.0);
        assert_eq!(c.match_type, MatchType::AlternateName);
    }

    #[test]
    fn the_levenshtein_distance_counts_characters() {
        assert_eq!(levenshtein("tartus", "tartouss"), 2);
        assert_eq!(levenshtein("طرطوس", "طرطس"), 1);
    }

    #[test]
    fn a_place_imported_from_geonames_is_one_candidate_with_the_embedded_one() {
        let g = gazetteer().fresh();
        let imported = |id: &str, population: u64| crate::gazetteer::CustomPlace {
            id: id.into(),
            name: "Tartus".into(),
            kind: Kind::Settlement,
            country: Some("SY".into()),
            admin1: None,
            lon: 35.886,
            lat: 34.889,
            population,
            names: vec!["Tartus".into()],
        };
        // The same GeoNames id as the embedded Tartus, and an id written otherwise ("0163345"),
        // which is another place.
        g.set_custom(vec![imported(TARTUS, 1), imported("geonames:0163345", 2)]);
        let all = g.search("Tartus", &SearchOptions { limit: 48, ..Default::default() });
        let ids: Vec<&str> = all.iter().map(|c| c.place.gazetteer_id.as_str()).collect();
        assert_eq!(ids.iter().filter(|i| **i == TARTUS).count(), 1, "{ids:?}");
        assert_eq!(ids.iter().filter(|i| **i == "geonames:0163345").count(), 1, "{ids:?}");
        // The better-scored reading of the one place stays: the embedded city, not the import
        // of population 1.
        let tartus = all.iter().find(|c| c.place.gazetteer_id == TARTUS).unwrap();
        assert!(tartus.place.population > 50_000, "{tartus:?}");
        // Ranked best first, as many as asked.
        assert!(all.windows(2).all(|w| w[0].score >= w[1].score), "{all:?}");
        assert_eq!(g.search("Tartus", &SearchOptions { limit: 1, ..Default::default() }).len(), 1);
    }
}
