//! Measuring the geoparser on annotated corpora (the JSON-lines format of the project's
//! evaluation data): recognition precision, recall and F1, and resolution accuracy.
//!
//! A predicted mention matches a gold toponym when their texts are equal ignoring case and their
//! midpoints are less than 10 characters apart; each gold toponym matches once. Recognition counts
//! gold toponyms that have coordinates (a prediction matching one without is neither right nor
//! wrong). Resolution, over matched toponyms: the share within 161 km of the gold point
//! (Acc@161), mean and median error in km (haversine, R = 6371 km), and, where the gold has a
//! GeoNames id, the share resolved to exactly that id. The summary is recall × Acc@161.
//!
//! Documents may carry a `language`; the report then has a row per language (precision, recall,
//! the false places by name). Every predicted mention also lands in a calibration bin by its
//! `confidence`: it is right when it matches a gold toponym and lies within 161 km of it, wrong
//! when it matches nothing or lies farther (mentions of toponyms without coordinates are left
//! out), so the table shows whether "0.9" means nine in ten.

use std::collections::BTreeMap;

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
    /// The language the document is written in, for the per-language rows (not passed to the
    /// geoparser, which detects it).
    #[serde(default)]
    pub language: Option<String>,
}

/// The measures of the documents in one language.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LanguageReport {
    pub language: String,
    pub documents: usize,
    pub gold_with_coordinates: usize,
    pub predicted: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
    /// Matched toponyms placed within 161 km.
    pub acc_161: f64,
    /// Predicted mentions that match no gold toponym, as the text wrote them.
    pub false_places: Vec<String>,
}

/// One row of the calibration table: mentions whose confidence is in `[from, to)`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    pub mentions: usize,
    pub right: usize,
    pub share_right: f64,
}

/// One predicted mention with its verdict, for fitting and checking the confidence model
/// (`eventmap eval-geoparse --mentions FILE`).
#[derive(Debug, Clone, Serialize)]
pub struct MentionRow {
    pub doc: String,
    pub language: Option<String>,
    pub text: String,
    /// Code-point offsets of the mention in the document.
    pub start: usize,
    pub end: usize,
    pub gazetteer_id: String,
    pub confidence: f64,
    /// `right` (a gold toponym, within 161 km), `far` (a gold toponym, placed farther),
    /// `false` (no gold toponym), `unjudged` (a gold toponym without coordinates).
    pub verdict: &'static str,
    pub features: Vec<f64>,
}

/// The lower edges of the calibration bins; the last bin includes 1.0.
const BIN_EDGES: [f64; 6] = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95];

/// The confidence from which a mention is called near-certain, and the share of such mentions
/// that must be right for the confidence to mean what it says (issue 18).
pub const CONFIDENT_FROM: f64 = 0.9;
pub const CONFIDENT_MIN_SHARE: f64 = 0.9;

/// The check of the calibration: of the mentions given at least [`CONFIDENT_FROM`], how many
/// are right, and whether that is at least [`CONFIDENT_MIN_SHARE`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct CalibrationCheck {
    pub from: f64,
    pub mentions: usize,
    pub right: usize,
    pub share_right: f64,
    /// `true` when the share reaches the bar (or no mention is that confident).
    pub meets_bar: bool,
}

impl CalibrationCheck {
    /// The check over the bins' (mentions, right) counts, in the order of `BIN_EDGES`.
    fn of(bins: &[(usize, usize); BIN_EDGES.len()]) -> Self {
        let (mentions, right) = bins
            .iter()
            .zip(BIN_EDGES)
            .filter(|(_, from)| *from >= CONFIDENT_FROM)
            .fold((0, 0), |(m, r), (b, _)| (m + b.0, r + b.1));
        let share = if mentions == 0 { 0.0 } else { right as f64 / mentions as f64 };
        CalibrationCheck {
            from: CONFIDENT_FROM,
            mentions,
            right,
            share_right: (share * 10_000.0).round() / 10_000.0,
            meets_bar: mentions == 0 || share >= CONFIDENT_MIN_SHARE,
        }
    }
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<LanguageReport>,
    pub calibration: Vec<CalibrationBin>,
    pub calibration_check: CalibrationCheck,
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
    langs: BTreeMap<String, LangTally>,
    /// Per calibration bin: mentions, right.
    bins: [(usize, usize); BIN_EDGES.len()],
    rows: Vec<MentionRow>,
}

/// The counts of one language's documents.
#[derive(Default)]
struct LangTally {
    docs: usize,
    gold: usize,
    predicted: usize,
    tp: usize,
    /// Matched and within 161 km.
    near: usize,
    false_places: Vec<String>,
}

impl LangTally {
    fn add(&mut self, o: LangTally) {
        self.docs += o.docs;
        self.gold += o.gold;
        self.predicted += o.predicted;
        self.tp += o.tp;
        self.near += o.near;
        self.false_places.extend(o.false_places);
    }
}

fn bin_of(confidence: f64) -> usize {
    BIN_EDGES.iter().rposition(|e| confidence >= *e).unwrap_or(0)
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
    // Per mention: Some(right) once judged, None when it matched a toponym without coordinates.
    let mut verdict: Vec<Option<bool>> = vec![Some(false); mentions.len()];
    let (mut gold_coords, mut tp, mut near) = (0usize, 0usize, 0usize);
    for gold in order {
        let has_coords = gold.lat.is_some() && gold.lon.is_some();
        if has_coords {
            t.gold_coords += 1;
            gold_coords += 1;
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
            verdict[i] = None;
            continue;
        }
        t.tp += 1;
        tp += 1;
        let m = &mentions[i];
        let km = distance_km(m.place.lon, m.place.lat, gold.lon.unwrap_or(0.0), gold.lat.unwrap_or(0.0));
        verdict[i] = Some(km <= 161.0);
        near += usize::from(km <= 161.0);
        t.errors_km.push(km);
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
    for ((m, v), u) in mentions.iter().zip(&verdict).zip(&used) {
        t.rows.push(MentionRow {
            doc: d.id.clone(),
            language: d.language.clone(),
            text: m.text.clone(),
            start: m.start,
            end: m.end,
            gazetteer_id: m.place.gazetteer_id.clone(),
            confidence: m.confidence,
            verdict: match (v, u) {
                (None, _) => "unjudged",
                (Some(true), _) => "right",
                (Some(false), true) => "far",
                (Some(false), false) => "false",
            },
            features: m.evidence.features().to_vec(),
        });
        if let Some(right) = v {
            let b = &mut t.bins[bin_of(m.confidence)];
            b.0 += 1;
            b.1 += usize::from(*right);
        }
    }
    if let Some(lang) = &d.language {
        t.langs.entry(lang.clone()).or_default().add(LangTally {
            docs: 1,
            gold: gold_coords,
            predicted: mentions.len(),
            tp,
            near,
            false_places: mentions.iter().zip(&used).filter(|(_, u)| !**u).map(|(m, _)| m.text.clone()).collect(),
        });
    }
}

/// Runs the geoparser over every document and measures it (on all cores).
pub fn evaluate(g: &Gazetteer, docs: &[Doc]) -> Report {
    evaluate_with_rows(g, docs).0
}

/// [`evaluate`], with every predicted mention and its verdict.
pub fn evaluate_with_rows(g: &Gazetteer, docs: &[Doc]) -> (Report, Vec<MentionRow>) {
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
        t.rows.extend(x.rows);
        for (i, b) in x.bins.iter().enumerate() {
            t.bins[i].0 += b.0;
            t.bins[i].1 += b.1;
        }
        for (l, v) in x.langs {
            t.langs.entry(l).or_default().add(v);
        }
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
    let rows = std::mem::take(&mut t.rows);
    let report = Report {
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
        languages: t
            .langs
            .into_iter()
            .map(|(language, l)| LanguageReport {
                language,
                documents: l.docs,
                gold_with_coordinates: l.gold,
                predicted: l.predicted,
                true_positives: l.tp,
                precision: r(ratio(l.tp, l.predicted)),
                recall: r(ratio(l.tp, l.gold)),
                acc_161: r(ratio(l.near, l.tp)),
                false_places: l.false_places,
            })
            .collect(),
        calibration_check: CalibrationCheck::of(&t.bins),
        calibration: t
            .bins
            .iter()
            .enumerate()
            .map(|(i, &(mentions, right))| CalibrationBin {
                from: BIN_EDGES[i],
                to: BIN_EDGES.get(i + 1).copied().unwrap_or(1.0),
                mentions,
                right,
                share_right: r(ratio(right, mentions)),
            })
            .collect(),
    };
    (report, rows)
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
        if !self.languages.is_empty() {
            s.push_str("\nlanguage  docs  gold  predicted  precision  recall  Acc@161  false places\n");
            for l in &self.languages {
                s.push_str(&format!(
                    "{:<8} {:>5} {:>5} {:>10} {:>10.3} {:>7.3} {:>8.3}  {} {}\n",
                    l.language,
                    l.documents,
                    l.gold_with_coordinates,
                    l.predicted,
                    l.precision,
                    l.recall,
                    l.acc_161,
                    l.false_places.len(),
                    if l.false_places.is_empty() { String::new() } else { format!("({})", l.false_places.join(", ")) }
                ));
            }
        }
        s.push_str("\nconfidence    mentions  right  share right\n");
        for b in &self.calibration {
            s.push_str(&format!(
                "[{:.2}, {:.2}{} {:>8} {:>6} {:>12.3}\n",
                b.from,
                b.to,
                if b.to >= 1.0 { "]" } else { ")" },
                b.mentions,
                b.right,
                b.share_right
            ));
        }
        let c = &self.calibration_check;
        s.push_str(&format!(
            "confidence >= {:.2}: {} of {} right ({:.3}; bar {:.2}): {}\n",
            c.from,
            c.right,
            c.mentions,
            c.share_right,
            CONFIDENT_MIN_SHARE,
            if c.meets_bar { "meets the bar" } else { "BELOW THE BAR" }
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

    #[test]
    fn the_calibration_check_counts_the_confident_bins_and_fails_below_nine_in_ten() {
        // Bins [0, .5) [.5, .7) [.7, .8) [.8, .9) [.9, .95) [.95, 1]: only the last two count.
        let ok = CalibrationCheck::of(&[(100, 0), (10, 5), (10, 7), (10, 8), (10, 9), (10, 10)]);
        assert_eq!((ok.mentions, ok.right, ok.meets_bar), (20, 19, true), "{ok:?}");
        let low = CalibrationCheck::of(&[(0, 0), (0, 0), (0, 0), (0, 0), (10, 8), (10, 9)]);
        assert_eq!((low.mentions, low.right, low.meets_bar), (20, 17, false), "{low:?}");
        assert!(CalibrationCheck::of(&[(0, 0); 6]).meets_bar, "no confident mention: nothing to fail");
    }

    #[test]
    fn the_multilingual_set_meets_its_bars_in_every_language() {
        let docs = read_corpus(include_str!("../../tests/fixtures/geoparse/multilingual.jsonl")).unwrap();
        let r = evaluate(gazetteer(), &docs);
        let langs: Vec<&str> = r.languages.iter().map(|l| l.language.as_str()).collect();
        assert_eq!(langs, ["ar", "en", "ru", "tr", "uk"]);
        for l in &r.languages {
            assert!(l.precision >= 0.95 && l.recall >= 0.9, "{l:?}");
            assert!(l.false_places.is_empty(), "no everyday word is a place: {l:?}");
        }
        assert_eq!(r.calibration.iter().map(|b| b.mentions).sum::<usize>(), r.predicted);
        assert!(r.calibration_check.meets_bar, "{:?}", r.calibration_check);
    }
}
