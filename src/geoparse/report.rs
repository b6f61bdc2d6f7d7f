//! From the text of a report to a draft event: its places with roles (a movement "from X to Y",
//! "из X в Y", "X'den Y'ye", "من X إلى Y" gives origin and destination), its time from the text
//! or the publication date, a category from the words it uses, and the passage that supports it.
//!
//! Pure, like the rest of the geoparser: text in, a draft out; storing it is the caller's job.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use super::when::{TimeMention, find_times};
use super::{Mention, Options, geoparse};
use crate::domain::{PlaceRole, TimePrecision};
use crate::gazetteer::{Gazetteer, Kind};

/// A report as it arrives.
#[derive(Debug, Clone, Default)]
pub struct Report<'a> {
    pub title: Option<&'a str>,
    pub text: &'a str,
    pub published_at: Option<DateTime<Utc>>,
    pub language: Option<&'a str>,
    pub country_hint: Option<&'a str>,
}

/// A place of a draft, with the mention it came from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DraftPlace {
    pub role: PlaceRole,
    /// The place's name in the gazetteer.
    pub name: String,
    pub gazetteer_id: String,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub lon: f64,
    pub lat: f64,
    /// How the text wrote it ("Tartus'a", "Латакии").
    pub text: String,
    /// Code-point offsets of the mention in the text.
    pub start: usize,
    pub end: usize,
    pub confidence: f64,
    /// Why it has its role ("from", "'den"), when it is not a plain location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cue: Option<String>,
}

/// Where a draft's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// A date written in the text.
    Text,
    /// A word such as "yesterday", counted from the publication date.
    Relative,
    /// Nothing in the text: the day the report was published.
    PublishedAt,
    /// Neither a date in the text nor a publication date: the day it was received.
    Received,
}

/// An event a report describes, before anyone confirms it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Draft {
    pub title: String,
    pub category: String,
    pub start: DateTime<Utc>,
    pub time_precision: TimePrecision,
    pub time_basis: TimeBasis,
    /// The words the time was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_text: Option<String>,
    pub places: Vec<DraftPlace>,
    /// The passage that supports the event.
    pub excerpt: String,
    /// Whether the places make a movement (an origin and a destination).
    pub movement: bool,
    /// Places the report names that are not the event's: below the draft threshold of
    /// confidence, or named only in passing. Never stored with the event unless an editor adds
    /// them.
    pub also_mentioned: Vec<AlsoMentioned>,
}

/// A place a report names that is not one of its draft's places, and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AlsoMentioned {
    pub name: String,
    pub gazetteer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub confidence: f64,
    /// `low_confidence` (below [`DRAFT_MIN_CONFIDENCE`]) or `not_the_event` (named elsewhere).
    pub reason: &'static str,
}

/// A mention below this confidence never becomes a draft's place; it is listed in
/// `also_mentioned` for an editor to confirm. Of the LGL and GeoVirus mentions with a
/// confidence in [0.50, 0.60), 36 % were right; in [0.60, 0.65), 57 %; no place of the
/// multilingual set scores below 0.65.
pub const DRAFT_MIN_CONFIDENCE: f64 = 0.6;

const MAX_EXCERPT_CHARS: usize = 400;
const MAX_TITLE_CHARS: usize = 160;

/// Role cues written before a place, one word each.
const ORIGIN_CUES: &[&str] = &[
    "from",
    "left",
    "leaving",
    "departed",
    "departing",
    "quit",
    "из",
    "от",
    "покинула",
    "покинул",
    "покинули",
    "من",
    "غادرت",
    "غادر",
];
const DESTINATION_CUES: &[&str] = &[
    "to",
    "towards",
    "toward",
    "into",
    "reached",
    "reaching",
    "entered",
    "entering",
    "к",
    "ко",
    "до",
    "на",
    "إلى",
    "الى",
    "نحو",
    "باتجاه",
    "اتجاه",
    "صوب",
];
const VIA_CUES: &[&str] = &["via", "through", "past", "через", "мимо", "عبر", "مرورا"];
/// Verbs of arrival before "in", "at" or "to", and Russian "в сторону", "в направлении".
const ARRIVAL_CUES: &[&str] =
    &["arrived", "arriving", "returned", "returning", "headed", "heading", "moved", "moving", "сторону", "направлении"];

/// The cue words, folded as the text's words are.
fn cues() -> &'static std::collections::HashMap<String, PlaceRole> {
    static CUES: std::sync::OnceLock<std::collections::HashMap<String, PlaceRole>> = std::sync::OnceLock::new();
    CUES.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (words, role) in
            [(ORIGIN_CUES, PlaceRole::Origin), (DESTINATION_CUES, PlaceRole::Destination), (VIA_CUES, PlaceRole::Via)]
        {
            for w in words {
                m.insert(crate::fold::fold(w), role);
            }
        }
        m
    })
}

/// The role a cue before a place gives it: `w1` is the word just before, `w2` the one before that.
fn cue_before(w1: &str, w2: &str, has_origin: bool) -> Option<PlaceRole> {
    let arrival = |w: &str| ARRIVAL_CUES.iter().any(|a| crate::fold::fold(a) == w);
    if matches!(w1, "in" | "at" | "to") && arrival(w2) {
        return Some(PlaceRole::Destination);
    }
    if arrival(w1) && !w1.is_ascii() {
        return Some(PlaceRole::Destination);
    }
    if w1 == "for" && has_origin {
        return Some(PlaceRole::Destination);
    }
    cues().get(w1).copied()
}

/// Turkish and Azerbaijani case endings that give a role: ablative is where from, dative where to.
fn turkic_role(suffix: &str) -> Option<PlaceRole> {
    let s = suffix.trim_start_matches(['\'', '’']);
    if s.is_empty() {
        return None;
    }
    if ["dan", "den", "tan", "ten", "dən", "tən", "ndan", "nden", "ndən"].contains(&s) {
        return Some(PlaceRole::Origin);
    }
    if ["a", "e", "ə", "ya", "ye", "yə", "na", "ne", "nə"].contains(&s) {
        return Some(PlaceRole::Destination);
    }
    None
}

/// Turkish and Azerbaijani postpositions after a place: "Lazkiye üzerinden" (via).
fn cue_after(w: &str) -> Option<PlaceRole> {
    match w {
        "uzerinden" | "üzerinden" | "üzərindən" => Some(PlaceRole::Via),
        _ => None,
    }
}

/// The folded word before `start` within the sentence, and the one before that.
fn words_before(chars: &[char], start: usize) -> (String, String) {
    let mut out = Vec::new();
    let mut i = start;
    while out.len() < 2 {
        while i > 0 && chars[i - 1].is_whitespace() {
            i -= 1;
        }
        if i == 0 || matches!(chars[i - 1], '.' | '!' | '?' | ';' | '\n' | '؟') {
            break;
        }
        let end = i;
        while i > 0 && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '\'' | '’' | '-')) {
            i -= 1;
        }
        if i == end {
            // Punctuation such as a comma or a quote: skip it, it does not end the sentence.
            i -= 1;
            continue;
        }
        out.push(crate::fold::fold(&chars[i..end].iter().collect::<String>()));
    }
    let w1 = out.first().cloned().unwrap_or_default();
    let w2 = out.get(1).cloned().unwrap_or_default();
    (w1, w2)
}

/// The rest of the word a mention ends inside ("'a" of "Tartus'a") and the next word.
fn after(chars: &[char], end: usize) -> (String, String) {
    let mut i = end;
    while i < chars.len() && (chars[i].is_alphabetic() || matches!(chars[i], '\'' | '’')) {
        i += 1;
    }
    let suffix: String = chars[end..i].iter().collect::<String>().to_lowercase();
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    let s = i;
    while i < chars.len() && chars[i].is_alphabetic() {
        i += 1;
    }
    (suffix, chars[s..i].iter().collect::<String>().to_lowercase())
}

/// The suffix of a mention written as one inflected word ("Tartusa", "Latakiyadan"): what is
/// left after the longest stem the gazetteer knows.
fn inflection_suffix(g: &Gazetteer, word: &str) -> Option<String> {
    let folded = crate::fold::fold(word);
    if !g.name(&folded).is_empty() {
        return None;
    }
    for v in super::spot::inflection_variants(&folded, true) {
        if folded.starts_with(&v) && !g.name(&v).is_empty() {
            return Some(folded[v.len()..].to_string());
        }
    }
    None
}

/// The role of each mention, with the cue that gave it.
fn roles(
    g: &Gazetteer,
    report: &Report<'_>,
    chars: &[char],
    mentions: &[&Mention],
) -> Vec<(PlaceRole, Option<String>)> {
    let tk = super::spot::looks_turkic(report.text, report.language);
    let mut out: Vec<(PlaceRole, Option<String>)> = Vec::with_capacity(mentions.len());
    for m in mentions {
        let has_origin = out.iter().any(|(r, _)| *r == PlaceRole::Origin);
        let (w1, w2) = words_before(chars, m.start);
        let (suffix, next) = after(chars, m.end);
        let mut role = None;
        if tk {
            let sfx = if suffix.is_empty() { inflection_suffix(g, &m.text) } else { Some(suffix.clone()) };
            if let Some(s) = sfx.filter(|s| !s.is_empty()) {
                role = turkic_role(&s).map(|r| (r, Some(s)));
            }
            if let Some(r) = cue_after(&crate::fold::fold(&next)) {
                role = Some((r, Some(next.clone())));
            }
        }
        if role.is_none() {
            // Arabic writes some prepositions onto the word: "لطرطوس" is "to Tartus".
            if let Some(r) = cue_before(&w1, &w2, has_origin) {
                // "в Тартусе" is in Tartus, "в Тартус" to it: only the nominative moves.
                role = Some((r, Some(w1.clone())));
            } else if matches!(w1.as_str(), "в" | "во") && !g.name(&crate::fold::fold(&m.text)).is_empty() {
                role = Some((PlaceRole::Destination, Some(w1.clone())));
            }
        }
        out.push(role.unwrap_or((PlaceRole::Location, None)));
    }
    out
}

/// The sentence around a span: from the end of the previous sentence to the end of this one.
pub(super) fn sentence(chars: &[char], start: usize, end: usize) -> (usize, usize) {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '\n' | '؟' | '。');
    let mut s = start;
    while s > 0 && !(is_end(chars[s - 1]) && (s == chars.len() || chars[s].is_whitespace())) {
        s -= 1;
    }
    let mut e = end;
    while e < chars.len() && !(is_end(chars[e]) && (e + 1 == chars.len() || chars[e + 1].is_whitespace())) {
        e += 1;
    }
    (s, (e + 1).min(chars.len()))
}

fn clip(text: &str, max: usize) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max {
        return t;
    }
    let mut out: String = t.chars().take(max - 1).collect();
    if let Some(i) = out.rfind(' ') {
        out.truncate(i);
    }
    out.push('…');
    out
}

pub use super::category::category;

/// Drafts the event a report describes: `None` when it names no place.
pub fn draft(g: &Gazetteer, report: &Report<'_>, received: DateTime<Utc>) -> Option<Draft> {
    let opts = Options {
        country_hint: report.country_hint.map(str::to_string),
        language: report.language.map(str::to_string),
    };
    draft_from(g, report, &geoparse(g, report.text, &opts), received)
}

/// Drafts the event from the mentions [`geoparse`] found in the report.
pub fn draft_from(g: &Gazetteer, report: &Report<'_>, mentions: &[Mention], received: DateTime<Utc>) -> Option<Draft> {
    let all: Vec<&Mention> = mentions.iter().filter(|m| !m.demonym).collect();
    let mentions: Vec<&Mention> = all.iter().copied().filter(|m| m.confidence >= DRAFT_MIN_CONFIDENCE).collect();
    let chars: Vec<char> = report.text.chars().collect();
    let roles = roles(g, report, &chars, &mentions);
    // A country or region only stands for where it happened when nothing finer is named.
    let fine = |k: Kind| matches!(k, Kind::Settlement | Kind::Site | Kind::District | Kind::Natural | Kind::Area);
    // The event is told in one sentence: the first with a whole movement (an origin and a
    // destination), else the first with half of one, else the first naming a town or site, else
    // the first with any place. Places elsewhere in the text (a capital named in passing, the
    // author's city) stay mentions, not places of the event.
    let sentences: Vec<(usize, usize)> = mentions.iter().map(|m| sentence(&chars, m.start, m.end)).collect();
    let in_sentence =
        |sp: (usize, usize)| -> Vec<usize> { (0..mentions.len()).filter(|&i| sentences[i] == sp).collect() };
    let has = |idx: &[usize], r: PlaceRole| idx.iter().any(|&i| roles[i].0 == r);
    let mut spans: Vec<(usize, usize)> = sentences.clone();
    spans.dedup();
    let anchor_span = spans
        .iter()
        .find(|sp| {
            let idx = in_sentence(**sp);
            has(&idx, PlaceRole::Origin) && has(&idx, PlaceRole::Destination)
        })
        .or_else(|| {
            spans.iter().find(|sp| {
                let idx = in_sentence(**sp);
                has(&idx, PlaceRole::Origin) || has(&idx, PlaceRole::Destination)
            })
        })
        .or_else(|| spans.iter().find(|sp| in_sentence(**sp).iter().any(|&i| fine(mentions[i].place.kind))))
        .or_else(|| spans.first())
        .copied()?;
    let mut chosen = in_sentence(anchor_span);
    let (cat, cue_words) = super::category::category_with_cues(report.text);
    if cat != "other" && !(has(&chosen, PlaceRole::Origin) && has(&chosen, PlaceRole::Destination)) {
        // Where it happened may be told after the first sentence ("... the strikes hit the
        // outskirts of Sarmin"): a town or site in another sentence that uses the report's
        // own cue words is a place of the event too.
        for sp in spans.iter().filter(|sp| **sp != anchor_span) {
            let f = format!(" {}", crate::fold::fold(&chars[sp.0..sp.1].iter().collect::<String>()));
            if cue_words.iter().any(|c| f.contains(&format!(" {c}"))) {
                chosen.extend(in_sentence(*sp).into_iter().filter(|&i| fine(mentions[i].place.kind)));
            }
        }
    }
    let any_fine = chosen.iter().any(|&i| fine(mentions[i].place.kind));
    let mut places: Vec<DraftPlace> = Vec::new();
    for &i in &chosen {
        let (m, (role, cue)) = (mentions[i], roles[i].clone());
        if any_fine && !fine(m.place.kind) {
            continue;
        }
        if let Some(p) = places.iter_mut().find(|p| p.gazetteer_id == m.place.gazetteer_id) {
            // The same place again: a movement role outranks a plain location.
            if p.role == PlaceRole::Location && role != PlaceRole::Location {
                p.role = role;
                p.cue = cue;
            }
            continue;
        }
        places.push(DraftPlace {
            role,
            name: m.place.name.clone(),
            gazetteer_id: m.place.gazetteer_id.clone(),
            kind: m.place.kind,
            country: m.place.country.clone(),
            lon: m.place.lon,
            lat: m.place.lat,
            text: m.text.clone(),
            start: m.start,
            end: m.end,
            confidence: m.confidence,
            cue,
        });
    }
    if places.is_empty() {
        return None;
    }
    let movement =
        places.iter().any(|p| p.role == PlaceRole::Origin) && places.iter().any(|p| p.role == PlaceRole::Destination);
    if !movement {
        // One half of a movement alone ("to Tartus") is where it happened.
        for p in &mut places {
            p.role = PlaceRole::Location;
        }
    }
    // Origin, the way, destination, then the rest, each in text order.
    let rank = |r: PlaceRole| match r {
        PlaceRole::Origin => 0,
        PlaceRole::Via => 1,
        PlaceRole::Destination => 2,
        PlaceRole::Location => 3,
    };
    places.sort_by_key(|p| (rank(p.role), p.start));

    // The supporting passage: the sentence the event is told in.
    let (s0, e) = anchor_span;
    let excerpt = clip(&chars[s0..e].iter().collect::<String>(), MAX_EXCERPT_CHARS);

    let published = report.published_at.map(|t| t.date_naive());
    let times = find_times(report.text, published);
    // The time of the supporting passage, else the first of the text.
    let chosen: Option<&TimeMention> = times.iter().find(|t| t.start >= s0 && t.end <= e).or_else(|| times.first());
    let (day, precision, basis, time_text) = match chosen {
        Some(t) => (
            t.day,
            t.precision,
            if t.relative { TimeBasis::Relative } else { TimeBasis::Text },
            Some(chars[t.start..t.end].iter().collect::<String>()),
        ),
        None => match published {
            Some(p) => (p, TimePrecision::Day, TimeBasis::PublishedAt, None),
            None => (received.date_naive(), TimePrecision::Day, TimeBasis::Received, None),
        },
    };
    let title = match report.title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => clip(t, MAX_TITLE_CHARS),
        None => clip(&excerpt, MAX_TITLE_CHARS),
    };
    let also_mentioned = all
        .iter()
        .filter(|m| !places.iter().any(|p| p.gazetteer_id == m.place.gazetteer_id))
        .map(|m| AlsoMentioned {
            name: m.place.name.clone(),
            gazetteer_id: m.place.gazetteer_id.clone(),
            country: m.place.country.clone(),
            text: m.text.clone(),
            start: m.start,
            end: m.end,
            confidence: m.confidence,
            reason: if m.confidence < DRAFT_MIN_CONFIDENCE { "low_confidence" } else { "not_the_event" },
        })
        .collect();
    Some(Draft {
        title,
        category: cat.to_string(),
        start: start_of(day),
        time_precision: precision,
        time_basis: basis,
        time_text,
        places,
        excerpt,
        movement,
        also_mentioned,
    })
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::CustomPlace;

    const TARTUS: &str = "geonames:163345";
    const LATAKIA: &str = "geonames:173576";

    fn gazetteer() -> &'static Gazetteer {
        static G: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        G.get_or_init(|| {
            let g = Gazetteer::load_embedded().expect("gazetteer");
            let hmeimim: CustomPlace = serde_json::from_value(serde_json::json!({
                "id": "custom:hmeimim", "name": "Hmeimim air base", "kind": "site", "country": "SY", "admin1": null,
                "lon": 35.9486, "lat": 35.4011, "population": 0,
                "names": ["Hmeimim air base", "Hmeimim", "Khmeimim", "Hmeymim", "Hımeymim", "Xmeymim", "Хмеймим", "حميميم"]
            }))
            .expect("custom place");
            g.set_custom(vec![hmeimim]);
            g
        })
    }

    fn published() -> DateTime<Utc> {
        "2025-02-11T09:00:00Z".parse().unwrap()
    }

    fn run(text: &str, language: &str) -> Draft {
        let r = Report { text, published_at: Some(published()), language: Some(language), ..Default::default() };
        draft(gazetteer(), &r, Utc::now()).unwrap_or_else(|| panic!("no draft from {text}"))
    }

    fn role_of(d: &Draft, id: &str) -> Option<PlaceRole> {
        d.places.iter().find(|p| p.gazetteer_id == id).map(|p| p.role)
    }

    #[test]
    fn an_english_movement_has_origin_and_destination_and_a_time() {
        let d = run(
            "A Russian convoy of about 30 trucks left Latakia for Tartus on Monday. It was held for eight hours.",
            "en",
        );
        assert_eq!(role_of(&d, LATAKIA), Some(PlaceRole::Origin), "{d:?}");
        assert_eq!(role_of(&d, TARTUS), Some(PlaceRole::Destination), "{d:?}");
        assert!(d.movement);
        assert_eq!(d.start.date_naive(), NaiveDate::from_ymd_opt(2025, 2, 10).unwrap());
        assert_eq!(d.time_basis, TimeBasis::Relative);
        assert_eq!(d.category, "military_movement");
        assert!(d.excerpt.starts_with("A Russian convoy") && d.excerpt.ends_with("Monday."), "{}", d.excerpt);
    }

    #[test]
    fn a_russian_movement_from_a_custom_place() {
        let d = run("Российская колонна вышла из Хмеймима в Тартус 10 февраля, но в Тартусе её задержали.", "ru");
        assert_eq!(role_of(&d, "custom:hmeimim"), Some(PlaceRole::Origin), "{d:?}");
        assert_eq!(role_of(&d, TARTUS), Some(PlaceRole::Destination), "{d:?}");
        assert_eq!(d.time_basis, TimeBasis::Text);
        assert_eq!(d.time_text.as_deref(), Some("10 февраля"));
    }

    #[test]
    fn turkish_and_azerbaijani_suffixes_give_the_roles() {
        let d =
            run("Rus askeri konvoyu Lazkiye'den Tartus'a gitti ancak Tartus'taki kontrol noktasında bekletildi.", "tr");
        assert_eq!(role_of(&d, LATAKIA), Some(PlaceRole::Origin), "{d:?}");
        assert_eq!(role_of(&d, TARTUS), Some(PlaceRole::Destination), "{d:?}");
        let d = run("Rusiya hərbi karvanı Latakiyadan Tartusa yola düşüb, lakin bazaya buraxılmayıb.", "az");
        assert_eq!(role_of(&d, TARTUS), Some(PlaceRole::Destination), "{d:?}");
        assert!(d.places.iter().any(|p| p.role == PlaceRole::Origin), "{d:?}");
    }

    #[test]
    fn an_arabic_movement_from_to() {
        let d = run("انطلقت قافلة روسية من اللاذقية إلى طرطوس أمس، وتوقفت عند حاجز في طرطوس ثماني ساعات.", "ar");
        assert_eq!(role_of(&d, LATAKIA), Some(PlaceRole::Origin), "{d:?}");
        assert_eq!(role_of(&d, TARTUS), Some(PlaceRole::Destination), "{d:?}");
        assert_eq!(d.start.date_naive(), NaiveDate::from_ymd_opt(2025, 2, 10).unwrap());
    }

    #[test]
    fn without_a_time_in_the_text_the_publication_day_is_used() {
        let d = run("Protesters gathered in Tartus.", "en");
        assert_eq!(d.time_basis, TimeBasis::PublishedAt);
        assert_eq!(d.start.date_naive(), published().date_naive());
        assert_eq!(d.category, "protest");
        assert_eq!(d.places.len(), 1);
        assert_eq!(d.places[0].role, PlaceRole::Location);
        assert!(!d.movement);
    }

    #[test]
    fn a_country_is_dropped_when_a_town_is_named() {
        let d = run("In Syria, a convoy reached Tartus.", "en");
        assert_eq!(d.places.iter().map(|p| p.gazetteer_id.as_str()).collect::<Vec<_>>(), [TARTUS], "{d:?}");
    }

    #[test]
    fn the_event_is_the_sentence_of_the_movement_and_places_named_in_passing_stay_out() {
        let text = "Moscow has long relied on its bases in Syria. On 10 February a convoy departed from Latakia and \
                    arrived in Tartus. Diplomats in Ankara and Damascus said little.";
        let d = run(text, "en");
        let ids: Vec<&str> = d.places.iter().map(|p| p.gazetteer_id.as_str()).collect();
        assert_eq!(ids, [LATAKIA, TARTUS], "{d:?}");
        assert_eq!(d.excerpt, "On 10 February a convoy departed from Latakia and arrived in Tartus.");
        assert_eq!(d.time_text.as_deref(), Some("10 February"));
    }

    #[test]
    fn a_text_without_places_makes_no_draft() {
        let r = Report { text: "Nothing happened anywhere in particular.", ..Default::default() };
        assert!(draft(gazetteer(), &r, Utc::now()).is_none());
    }
}
