//! Measuring the geoparser on annotated corpora (the JSON-lines format of the project's
//! evaluation data): recognition precision, recall and F1, and resolution accuracy.
//!
//! A predicted mention matches a gold toponym when their texts are equal ignoring case and their
//! midpoints are less than 10 characters apart; each gold toponym matches once. Recognition counts
//! gold toponyms that have coordinates (a prediction matching one without is neither right nor
//! wrong). Resolution, over matched toponyms: the share within 161 km of the gold point
//! (Acc@161), mean and median error in km (haversine, R = 6371 km), and, where the gold has a
//! GeoNames id, the share resolved to exactly that id. The summary is recall × Acc@161.

use serde::{Deserialize, Serialize};

use super::{Options, geoparse};
use crate::domain::filter::distance_km;
use crate::gazetteer::Gazetteer;

/// One annotated toponym.
#[derive(Debug, Clone, Deserialize)]
pub struct Gold {
    pub start: usize,
    pub end: usize,
    pub name: String,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub geonameid: Option<u64>,
}

/// One annotated document.
#[derive(Debug, Clone, Deserialize)]
pub struct Doc {
    #[serde(default)]
    pub id: String,
    pub text: String,
    pub toponyms: Vec<Gold>,
}

/// The measures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub documents: usize,
    pub characters: usize,
    pub gold_toponyms: usize,
    pub gold_with_coordinates: usize,
    pub predicted: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub acc_161: f64,
    pub mean_km: f64,
    pub median_km: f64,
    /// Among matched toponyms with a gold GeoNames id: resolved to that id.
    pub exact_id_rate: Option<f64>,
    pub recall_x_acc_161: f64,
    pub seconds: f64,
}

/// Reads the JSON-lines corpus; a bad line is an error naming its number.
pub fn read_corpus(text: &str) -> Result<Vec<Doc>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

#[derive(Default)]
struct Tally {
    gold: usize,
    gold_coords: usize,
    predicted: usize,
    tp: usize,
    fp: usize,
    errors_km: Vec<f64>,
    id_checked: usize,
    id_right: usize,
}

fn score_doc(g: &Gazetteer, d: &Doc, t: &mut Tally) {
    let mentions = geoparse(g, &d.text, &Options::default());
    t.predicted += mentions.len();
    t.gold += d.toponyms.len();
    let mut used = vec![false; mentions.len()];
    // Gold toponyms that have coordinates first, so that one without cannot take their match.
    let mut order: Vec<&Gold> = d.toponyms.iter().collect();
    order.sort_by_key(|x| x.lat.is_none() || x.lon.is_none());
    let mut ignored = 0usize;
    for gold in order {
        let has_coords = gold.lat.is_some() && gold.lon.is_some();
        if has_coords {
            t.gold_coords += 1;
        }
        let mid = (gold.start + gold.end) as f64 / 2.0;
        let best = mentions
            .iter()
            .enumerate()
            .filter(|(i, m)| !used[*i] && m.text.to_lowercase() == gold.name.to_lowercase())
            .map(|(i, m)| (i, ((m.start + m.end) as f64 / 2.0 - mid).abs()))
            .filter(|(_, d)| *d < 10.0)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((i, _)) = best else { continue };
        used[i] = true;
        if !has_coords {
            ignored += 1;
            continue;
        }
        t.tp += 1;
        let m = &mentions[i];
        t.errors_km.push(distance_km(m.place.lon, m.place.lat, gold.lon.unwrap_or(0.0), gold.lat.unwrap_or(0.0)));
        if let Some(id) = gold.geonameid {
            t.id_checked += 1;
            if m.place.gazetteer_id == format!("geonames:{id}") {
                t.id_right += 1;
            }
        }
    }
    // Predictions matching nothing are false; those matching a toponym without coordinates
    // are neither right nor wrong.
    t.fp += used.iter().filter(|u| !**u).count();
    let _ = ignored;
}

/// Runs the geoparser over every document and measures it (on all cores).
pub fn evaluate(g: &Gazetteer, docs: &[Doc]) -> Report {
    let started = std::time::Instant::now();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(1);
    let chunk = docs.len().div_ceil(threads).max(1);
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut t = Tally::default();
                    for d in part {
                        score_doc(g, d, &mut t);
                    }
                    t
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("evaluation thread")).collect()
    });
    let mut t = Tally::default();
    for x in tallies {
        t.gold += x.gold;
        t.gold_coords += x.gold_coords;
        t.predicted += x.predicted;
        t.tp += x.tp;
        t.fp += x.fp;
        t.errors_km.extend(x.errors_km);
        t.id_checked += x.id_checked;
        t.id_right += x.id_right;
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(t.tp, t.tp + t.fp);
    let recall = ratio(t.tp, t.gold_coords);
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    t.errors_km.sort_by(f64::total_cmp);
    let acc = ratio(t.errors_km.iter().filter(|d| **d <= 161.0).count(), t.errors_km.len());
    let mean = if t.errors_km.is_empty() { 0.0 } else { t.errors_km.iter().sum::<f64>() / t.errors_km.len() as f64 };
    let median = t.errors_km.get(t.errors_km.len() / 2).copied().unwrap_or(0.0);
    let r = |x: f64| (x * 10_000.0).round() / 10_000.0;
    Report {
        documents: docs.len(),
        characters: docs.iter().map(|d| d.text.chars().count()).sum(),
        gold_toponyms: t.gold,
        gold_with_coordinates: t.gold_coords,
        predicted: t.predicted,
        true_positives: t.tp,
        false_positives: t.fp,
        precision: r(precision),
        recall: r(recall),
        f1: r(f1),
        acc_161: r(acc),
        mean_km: (mean * 10.0).round() / 10.0,
        median_km: (median * 10.0).round() / 10.0,
        exact_id_rate: (t.id_checked > 0).then(|| r(ratio(t.id_right, t.id_checked))),
        recall_x_acc_161: r(recall * acc),
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    }
}

impl Report {
    /// The report as a table for people.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("documents              {}\n", self.documents));
        s.push_str(&format!(
            "gold toponyms          {} ({} with coordinates)\n",
            self.gold_toponyms, self.gold_with_coordinates
        ));
        s.push_str(&format!("predicted mentions     {}\n", self.predicted));
        s.push_str(&format!("precision              {:.3}\n", self.precision));
        s.push_str(&format!("recall                 {:.3}\n", self.recall));
        s.push_str(&format!("F1                     {:.3}\n", self.f1));
        s.push_str(&format!("Acc@161                {:.3}\n", self.acc_161));
        s.push_str(&format!("mean error             {:.1} km\n", self.mean_km));
        s.push_str(&format!("median error           {:.1} km\n", self.median_km));
        match self.exact_id_rate {
            Some(r) => s.push_str(&format!("exact GeoNames id      {r:.3}\n")),
            None => s.push_str("exact GeoNames id      (no gold ids)\n"),
        }
        s.push_str(&format!("recall × Acc@161       {:.3}\n", self.recall_x_acc_161));
        s.push_str(&format!(
            "time                   {:.2} s ({:.1} MB/s)\n",
            self.seconds,
            self.characters as f64 / 1e6 / self.seconds.max(1e-9)
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::gazetteer;

    #[test]
    fn matching_follows_the_protocol() {
        let line = r#"{"id": "a", "text": "Rain fell on Damascus and on Tartus.", "toponyms": [{"start": 13, "end": 21, "name": "Damascus", "lat": 33.51, "lon": 36.29, "geonameid": 170654}, {"start": 29, "end": 35, "name": "Tartus", "lat": null, "lon": null}]}"#;
        let docs = read_corpus(line).unwrap();
        let r = evaluate(gazetteer(), &docs);
        assert_eq!((r.gold_with_coordinates, r.true_positives, r.false_positives), (1, 1, 0), "{r:?}");
        assert_eq!(r.exact_id_rate, Some(1.0));
        assert_eq!(r.acc_161, 1.0);
        assert!(read_corpus("{not json}").unwrap_err().starts_with("line 1:"));
    }
}
