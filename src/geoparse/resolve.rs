//! Resolution: choosing, for every spot, the place it means, with evidence from the whole text.
//!
//! Each candidate starts from its gazetteer prior (how the name matched, population, kind). Then,
//! three times over, evidence from the other mentions is added: the countries and regions the text
//! names (a town in a region the text mentions is likelier), "X, Y" and "X in Y" (Y contains X:
//! strong), and spatial coherence (places of one report tend to be near each other). Mentions with
//! the same name share their evidence ("one sense per discourse"). A softmax over the final
//! scores gives the confidence.

use rustc_hash::FxHashMap as HashMap;

use crate::gazetteer::{Candidate, Kind};

/// Weights of the evidence; see the module documentation.
const COUNTRY_WEIGHT: f64 = 0.12;
const REGION_WEIGHT: f64 = 0.25;
const COHERENCE_WEIGHT: f64 = 0.35;
const CONTAINER_WEIGHT: f64 = 0.6;
const HINT_WEIGHT: f64 = 0.3;
/// Distance scale of coherence, km.
const COHERENCE_KM: f64 = 250.0;
/// Softmax temperature for confidences.
const TEMPERATURE: f64 = 0.06;

/// A spot with its candidates, being resolved.
pub struct Item {
    pub key: String,
    pub cands: Vec<Candidate>,
    /// Index of the mention this one is said to lie in ("X, Y", "X in Y").
    pub container: Option<usize>,
    pub scores: Vec<f64>,
    pub confidence: f64,
    /// How much evidence from the rest of the text the chosen reading received.
    pub support: f64,
}

fn contains(outer: &Candidate, inner: &Candidate) -> bool {
    let (o, i) = (&outer.place, &inner.place);
    if o.gazetteer_id == i.gazetteer_id {
        return false;
    }
    match o.kind {
        Kind::Country => o.country.is_some() && o.country == i.country && i.kind != Kind::Country,
        Kind::Region => {
            o.country == i.country && i.admin1.as_deref().is_some_and(|a| a == o.name) && i.kind != Kind::Region
        }
        Kind::District | Kind::Continent => o.bbox.is_some_and(|b| {
            let lon_ok = if b[0] <= b[2] { i.lon >= b[0] && i.lon <= b[2] } else { i.lon >= b[0] || i.lon <= b[2] };
            lon_ok && i.lat >= b[1] && i.lat <= b[3]
        }),
        _ => false,
    }
}

fn softmax_top(scores: &[f64]) -> (usize, f64) {
    let Some((best, max)) = scores.iter().copied().enumerate().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return (0, 0.0);
    };
    let z: f64 = scores.iter().map(|s| ((s - max) / TEMPERATURE).exp()).sum();
    (best, 1.0 / z)
}

/// Resolves every item in place: `scores` and `confidence` are filled and `cands` sorted best
/// first.
pub fn resolve(items: &mut [Item], country_hint: Option<&str>) {
    let n = items.len();
    let priors: Vec<Vec<f64>> = items
        .iter()
        .map(|it| {
            it.cands
                .iter()
                .map(|c| {
                    let hint = match (country_hint, c.place.country.as_deref()) {
                        (Some(h), Some(cc)) if h.eq_ignore_ascii_case(cc) => HINT_WEIGHT,
                        _ => 0.0,
                    };
                    c.score + hint
                })
                .collect()
        })
        .collect();
    for (it, p) in items.iter_mut().zip(&priors) {
        it.scores = p.clone();
    }
    // Who names each mention as its container: found once, not searched for every candidate
    // (that search made a text of 40,000 mentions quadratic).
    let mut inners: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, it) in items.iter().enumerate() {
        if let Some(k) = it.container {
            inners[k].push(i);
        }
    }
    for _round in 0..3 {
        // The current best reading of each mention, with its confidence.
        let tops: Vec<Option<(usize, f64)>> =
            items.iter().map(|it| (!it.cands.is_empty()).then(|| softmax_top(&it.scores))).collect();
        let mut countries: HashMap<&str, f64> = HashMap::default();
        let mut regions: HashMap<(&str, &str), f64> = HashMap::default();
        let mut points: Vec<(usize, f64, f64, f64)> = Vec::new();
        let mut by_key: HashMap<&str, usize> = HashMap::default();
        for (m, it) in items.iter().enumerate() {
            let Some((t, conf)) = tops[m] else { continue };
            let p = &it.cands[t].place;
            let Some(cc) = p.country.as_deref() else { continue };
            let w = match p.kind {
                Kind::Country => conf,
                _ => 0.3 * conf,
            };
            *countries.entry(cc).or_default() += w;
            match p.kind {
                Kind::Region => *regions.entry((cc, p.name.as_str())).or_default() += conf,
                _ => {
                    if let Some(a) = &p.admin1 {
                        *regions.entry((cc, a.as_str())).or_default() += 0.5 * conf;
                    }
                }
            }
            // Each distinct name counts once for coherence.
            if matches!(p.kind, Kind::Settlement | Kind::District | Kind::Site | Kind::Region)
                && by_key.insert(it.key.as_str(), m).is_none()
            {
                points.push((m, p.lon, p.lat, conf));
            }
        }
        let mut new_scores: Vec<Vec<f64>> = Vec::with_capacity(n);
        for (m, it) in items.iter().enumerate() {
            let own = tops[m].map(|(t, conf)| (&it.cands[t].place, conf));
            let mut s = Vec::with_capacity(it.cands.len());
            for (ci, c) in it.cands.iter().enumerate() {
                let p = &c.place;
                let mut ctx = 0.0;
                if let Some(cc) = &p.country {
                    let mut w = countries.get(cc.as_str()).copied().unwrap_or(0.0);
                    if let Some((op, conf)) = own {
                        if op.country.as_ref() == Some(cc) {
                            w -= if op.kind == Kind::Country { conf } else { 0.3 * conf };
                        }
                    }
                    ctx += COUNTRY_WEIGHT * w.clamp(0.0, 1.0);
                    let region = match p.kind {
                        Kind::Region => Some(p.name.as_str()),
                        _ => p.admin1.as_deref(),
                    };
                    if let Some(r) = region {
                        let mut w = regions.get(&(cc.as_str(), r)).copied().unwrap_or(0.0);
                        if let Some((op, conf)) = own {
                            let own_region =
                                if op.kind == Kind::Region { Some(op.name.as_str()) } else { op.admin1.as_deref() };
                            if op.country.as_ref() == Some(cc) && own_region == Some(r) {
                                w -= if op.kind == Kind::Region { conf } else { 0.5 * conf };
                            }
                        }
                        ctx += REGION_WEIGHT * w.clamp(0.0, 1.0);
                    }
                }
                if matches!(p.kind, Kind::Settlement | Kind::District | Kind::Site | Kind::Region) {
                    let (mut num, mut den) = (0.0, 0.0);
                    for &(o, lon, lat, conf) in &points {
                        if o == m || items[o].key == it.key {
                            continue;
                        }
                        num += conf * (-near_distance_km(p.lon, p.lat, lon, lat) / COHERENCE_KM).exp();
                        den += conf;
                    }
                    if den > 0.0 {
                        ctx += COHERENCE_WEIGHT * num / den.max(1.0);
                    }
                }
                if let Some(k) = it.container {
                    let outer = &items[k];
                    if outer.cands.iter().any(|oc| contains(oc, c)) {
                        ctx += CONTAINER_WEIGHT;
                    }
                }
                // A mention that contains another ("Georgia" after "Gainesville, ") is that one's
                // container.
                for inner in inners[m].iter().map(|&i| &items[i]) {
                    if inner.cands.iter().any(|ic| contains(c, ic)) {
                        ctx += CONTAINER_WEIGHT;
                    }
                }
                s.push(priors[m][ci] + ctx);
            }
            new_scores.push(s);
        }
        // One sense per discourse: mentions of the same name share their evidence.
        let mut groups: HashMap<&str, Vec<usize>> = HashMap::default();
        for (m, it) in items.iter().enumerate() {
            groups.entry(it.key.as_str()).or_default().push(m);
        }
        for ms in groups.values().filter(|ms| ms.len() > 1) {
            let len = new_scores[ms[0]].len();
            if ms.iter().any(|&m| new_scores[m].len() != len) {
                continue;
            }
            let mean: Vec<f64> =
                (0..len).map(|i| ms.iter().map(|&m| new_scores[m][i]).sum::<f64>() / ms.len() as f64).collect();
            let with_container: Vec<usize> = ms.iter().copied().filter(|&m| items[m].container.is_some()).collect();
            for &m in ms {
                if items[m].container.is_none() || with_container.len() == ms.len() {
                    new_scores[m] = mean.clone();
                }
            }
        }
        for (it, s) in items.iter_mut().zip(new_scores) {
            it.scores = s;
        }
    }
    for (it, prior) in items.iter_mut().zip(&priors) {
        let mut order: Vec<usize> = (0..it.cands.len()).collect();
        order.sort_by(|a, b| it.scores[*b].total_cmp(&it.scores[*a]));
        it.support = order.first().map(|&i| it.scores[i] - prior[i]).unwrap_or(0.0);
        it.cands = order.iter().map(|&i| it.cands[i].clone()).collect();
        it.scores = order.iter().map(|&i| it.scores[i]).collect();
        it.confidence = if it.cands.is_empty() { 0.0 } else { softmax_top(&it.scores).1 };
    }
}
/// Distance in km on an equirectangular projection: within a fraction of a percent of the
/// great circle at the distances coherence cares about, and a third of the cost.
fn near_distance_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let mut dlon = (lon2 - lon1).abs();
    if dlon > 180.0 {
        dlon = 360.0 - dlon;
    }
    let x = dlon.to_radians() * ((lat1 + lat2) / 2.0).to_radians().cos();
    let y = (lat2 - lat1).to_radians();
    crate::domain::filter::EARTH_RADIUS_KM * (x * x + y * y).sqrt()
}
