//! Round-ups: a report that tells several events ("Air strikes hit Sarmin… In Aleppo, protesters
//! gathered…", one per line or per sentence) gives one draft per event. A sentence tells an event
//! of its own when it has its own event words (a type other than `other`) and its own town or
//! site, more than 25 km from the previous event's places, on a line of its own or of another
//! type. Everything between two such sentences belongs to the first; a report with one such
//! sentence, or none, is one event as before.

use chrono::{DateTime, Utc};

use super::Mention;
use super::report::{DRAFT_MIN_CONFIDENCE, Draft, Report, TimeBasis, draft_from, sentence};
use crate::gazetteer::{Gazetteer, Kind};

/// Two events' places closer than this are taken for one event told twice.
const SAME_PLACE_KM: f64 = 25.0;

/// One sentence that tells an event: its span, type and places (lon, lat, id).
struct Anchor {
    span: (usize, usize),
    category: &'static str,
    places: Vec<(f64, f64, String)>,
}

fn fine(k: Kind) -> bool {
    matches!(k, Kind::Settlement | Kind::Site | Kind::District | Kind::Natural | Kind::Area)
}

fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let (dla, dlo) = ((b.1 - a.1).to_radians(), (b.0 - a.0).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    6371.0 * 2.0 * h.sqrt().min(1.0).asin()
}

/// Whether `b` tells another event than `a`: other places, far enough, and on another line or
/// of another type.
fn distinct(chars: &[char], a: &Anchor, b: &Anchor) -> bool {
    let far =
        b.places.iter().all(|p| a.places.iter().all(|q| p.2 != q.2 && km((p.0, p.1), (q.0, q.1)) > SAME_PLACE_KM));
    let new_line =
        chars[a.span.1.min(b.span.0)..b.span.0].contains(&'\n') || chars[a.span.0..a.span.1].last() == Some(&'\n');
    far && (new_line || a.category != b.category)
}

/// The spans of a text that each tell one event, in order; the whole text when it tells one.
pub fn segments(text: &str, mentions: &[Mention]) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut anchors: Vec<Anchor> = Vec::new();
    for m in mentions.iter().filter(|m| !m.demonym && m.confidence >= DRAFT_MIN_CONFIDENCE && fine(m.place.kind)) {
        let span = sentence(&chars, m.start, m.end);
        let place = (m.place.lon, m.place.lat, m.place.gazetteer_id.clone());
        if let Some(a) = anchors.iter_mut().find(|a| a.span == span) {
            a.places.push(place);
            continue;
        }
        let words: String = chars[span.0..span.1].iter().collect();
        let (category, _) = super::category::category_with_cues(&words);
        if category != "other" {
            anchors.push(Anchor { span, category, places: vec![place] });
        }
    }
    anchors.sort_by_key(|a| a.span.0);
    let mut starts = vec![0];
    let mut last = 0;
    for i in 1..anchors.len() {
        if distinct(&chars, &anchors[last], &anchors[i]) {
            starts.push(anchors[i].span.0);
            last = i;
        }
    }
    let mut out: Vec<(usize, usize)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    out.push((*starts.last().expect("one start"), chars.len()));
    out
}

/// The drafts of a report: one per event it tells (see [`segments`]), each from its own part of
/// the text, with offsets into the whole text. A part without a date of its own takes the
/// report's first date.
pub fn drafts(g: &Gazetteer, report: &Report<'_>, mentions: &[Mention], received: DateTime<Utc>) -> Vec<Draft> {
    let parts = segments(report.text, mentions);
    if parts.len() < 2 {
        return draft_from(g, report, mentions, received).into_iter().collect();
    }
    let whole = draft_from(g, report, mentions, received);
    let chars: Vec<char> = report.text.chars().collect();
    let mut out = Vec::new();
    for (s, e) in parts {
        let text: String = chars[s..e].iter().collect();
        let own: Vec<Mention> = mentions
            .iter()
            .filter(|m| m.start >= s && m.end <= e)
            .map(|m| Mention { start: m.start - s, end: m.end - s, ..m.clone() })
            .collect();
        // Each event is titled by its own sentence, not by the round-up's headline.
        let part = Report { text: &text, title: None, ..report.clone() };
        let Some(mut d) = draft_from(g, &part, &own, received) else { continue };
        for p in &mut d.places {
            p.start += s;
            p.end += s;
        }
        for m in &mut d.also_mentioned {
            m.start += s;
            m.end += s;
        }
        if let Some(w) = whole.as_ref().filter(|w| {
            matches!(d.time_basis, TimeBasis::PublishedAt | TimeBasis::Received)
                && !matches!(w.time_basis, TimeBasis::PublishedAt | TimeBasis::Received)
        }) {
            (d.start, d.time_precision, d.time_basis, d.time_text) =
                (w.start, w.time_precision, w.time_basis, w.time_text.clone());
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geoparse::{Options, geoparse};

    fn gazetteer() -> &'static Gazetteer {
        static G: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        G.get_or_init(|| Gazetteer::load_embedded().expect("gazetteer"))
    }

    /// `(place names, category, day)` of each draft of `text`.
    fn drafts_of(text: &str, language: &str) -> Vec<(Vec<String>, String, String)> {
        let g = gazetteer();
        let opts = Options { language: Some(language.into()), country_hint: None };
        let report = Report {
            text,
            language: Some(language),
            published_at: Some("2025-02-13T09:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let mentions = geoparse(g, text, &opts);
        drafts(g, &report, &mentions, Utc::now())
            .into_iter()
            .map(|d| {
                let chars: Vec<char> = text.chars().collect();
                for p in &d.places {
                    let written: String = chars[p.start..p.end].iter().collect();
                    assert_eq!(written, p.text, "offsets into the whole text");
                }
                (d.places.iter().map(|p| p.name.clone()).collect(), d.category, d.start.format("%F").to_string())
            })
            .collect()
    }

    fn names(d: &[(Vec<String>, String, String)]) -> Vec<(String, String)> {
        d.iter().map(|(p, c, _)| (p.join("+"), c.clone())).collect()
    }

    #[test]
    fn a_round_up_gives_one_draft_per_event_in_each_language() {
        let cases = [
            (
                "en",
                "Syria round-up, 12 February 2025.\nWarplanes struck Sarmin, killing three civilians.\n\
                 In Daraa, hundreds of people protested against the arrests.\nA car bomb exploded in Raqqa.",
            ),
            (
                "ar",
                "حصيلة يوم 12 شباط 2025:\nقصفت طائرات حربية بلدة سرمين، ما أدى إلى مقتل ثلاثة مدنيين.\n\
                 وفي درعا، تظاهر مئات الأشخاص ضد الاعتقالات.\nانفجرت سيارة مفخخة في الرقة.",
            ),
            (
                "ru",
                "Сводка за 12 февраля 2025 года.\nРоссийская авиация нанесла удар по Идлибу, погибли трое мирных жителей.\n\
                 В Хомсе сотни людей вышли на акцию протеста.\nВ Латакии взорвался заминированный автомобиль.",
            ),
        ];
        let syria = ["Sarmin", "Dar'a", "Ar Raqqah"];
        let russian = ["Idlib", "Homs", "Latakia"];
        for (lang, text) in cases {
            let d = drafts_of(text, lang);
            let places = if lang == "ru" { russian } else { syria };
            let want: Vec<(String, String)> = places
                .iter()
                .zip(["air_or_drone_strike", "protest", "explosion"])
                .map(|(p, c)| (p.to_string(), c.to_string()))
                .collect();
            assert_eq!(names(&d), want, "{lang}: {d:?}");
            assert!(d.iter().all(|x| x.2 == "2025-02-12"), "{lang}: every event takes the round-up's date: {d:?}");
        }
    }

    #[test]
    fn one_event_told_in_several_sentences_stays_one_draft() {
        for (lang, text) in [
            ("en", "Warplanes struck the outskirts of Idlib on Monday. The strikes also hit Sarmin, killing three."),
            ("en", "Warplanes struck Sarmin on Monday, killing three. Officials in Damascus condemned the strike."),
            ("ar", "قصفت طائرات حربية يوم الاثنين محيط مدينة إدلب. وأصابت الغارات بلدة سرمين."),
            ("en", "A Russian convoy left Hmeimim for Tartus on Tuesday.\nIt was held at a checkpoint near Jableh."),
        ] {
            let d = drafts_of(text, lang);
            assert_eq!(d.len(), 1, "{lang}: {text}: {d:?}");
        }
    }
}
