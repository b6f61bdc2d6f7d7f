//! Sources shared by URL: the rule both backends apply when events cite sources, as a pure
//! function. The backend looks up what is stored, calls [`resolve`], and writes what it returns.
//!
//! One source per URL: a citation of a stored URL takes the stored source's id and fields (and
//! fills fields the stored source lacks); a citation of a new URL becomes a new source, keeping
//! the id it came with unless another source already has that id. The excerpt always belongs to
//! the citation.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::domain::{Event, Source};

/// What a batch of citations asks the store to write.
#[derive(Debug, Default)]
pub struct Resolution {
    /// New sources, with their fields as first cited (no excerpt).
    pub inserts: Vec<Source>,
    /// Stored sources that gained fields, with every field as it is now (no excerpt). Events
    /// citing them, other than those of this batch, must be re-rendered.
    pub filled: Vec<Source>,
}

impl Resolution {
    /// The ids of the sources that gained fields.
    pub fn filled_ids(&self) -> Vec<Uuid> {
        self.filled.iter().map(|s| s.id).collect()
    }
}

/// The URLs the events cite, each once, in order of first citation.
pub fn cited_urls(events: &[&mut Event]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for ev in events {
        for s in &ev.data.sources {
            if seen.insert(s.url.as_str()) {
                out.push(s.url.clone());
            }
        }
    }
    out
}

/// The ids that citations of URLs not in `stored` come with (to be checked against the store).
pub fn proposed_ids(events: &[&mut Event], stored: &HashMap<String, Source>) -> Vec<Uuid> {
    events.iter().flat_map(|ev| ev.data.sources.iter()).filter(|s| !stored.contains_key(&s.url)).map(|s| s.id).collect()
}

/// Resolves every citation of `events` against `stored` (the stored sources of the cited URLs,
/// keyed by URL), given `taken`, the proposed ids that stored sources already have.
pub fn resolve(events: &mut [&mut Event], mut stored: HashMap<String, Source>, taken: &HashSet<Uuid>) -> Resolution {
    let mut out = Resolution::default();
    let mut filled: Vec<Uuid> = Vec::new();
    let mut new_ids: HashSet<Uuid> = HashSet::new();
    for ev in events.iter_mut() {
        for s in ev.data.sources.iter_mut() {
            match stored.get_mut(&s.url) {
                Some(t) => {
                    let mut gained = false;
                    macro_rules! fill {
                        ($f:ident) => {
                            if t.$f.is_none() && s.$f.is_some() {
                                t.$f = s.$f.clone();
                                gained = true;
                            }
                        };
                    }
                    fill!(title);
                    fill!(publisher);
                    fill!(published_at);
                    fill!(language);
                    fill!(archived_url);
                    // A source first stored by this batch is written as first cited; only
                    // sources stored before count as filled.
                    if gained && !new_ids.contains(&t.id) && !filled.contains(&t.id) {
                        filled.push(t.id);
                    }
                    let excerpt = s.excerpt.take();
                    *s = Source { excerpt, ..t.clone() };
                }
                None => {
                    if new_ids.contains(&s.id) || taken.contains(&s.id) {
                        s.id = Uuid::now_v7();
                    }
                    new_ids.insert(s.id);
                    let new = Source { excerpt: None, ..s.clone() };
                    out.inserts.push(new.clone());
                    stored.insert(s.url.clone(), new);
                }
            }
        }
    }
    for id in &filled {
        if let Some(s) = stored.values().find(|s| s.id == *id) {
            out.filled.push(s.clone());
        }
    }
    // Citations of a source filled later in this batch show the final stored fields too.
    if !filled.is_empty() {
        for ev in events.iter_mut() {
            for s in ev.data.sources.iter_mut() {
                if let Some(t) = stored.get(&s.url) {
                    let excerpt = s.excerpt.take();
                    *s = Source { excerpt, ..t.clone() };
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventInput, Vocabulary};
    use serde_json::json;

    fn event(sources: serde_json::Value) -> Event {
        let d = EventInput::from_json(json!({"title": "t", "start": "2025-02-10",
            "places": [{"name": "Tartus", "lon": 35.88, "lat": 34.88}], "sources": sources}))
        .unwrap()
        .validate(&Vocabulary::default())
        .unwrap();
        Event::new(Uuid::now_v7(), d, chrono::Utc::now())
    }

    fn stored(url: &str, title: Option<&str>) -> Source {
        Source {
            id: Uuid::now_v7(),
            url: url.into(),
            title: title.map(str::to_string),
            publisher: None,
            published_at: None,
            language: None,
            archived_url: None,
            excerpt: None,
        }
    }

    #[test]
    fn a_stored_url_lends_its_id_and_gains_missing_fields_but_the_excerpt_stays_with_the_citation() {
        let s = stored("https://a.example/1", None);
        let mut e = event(json!([{"url": "https://a.example/1", "title": "A", "excerpt": "x"}]));
        let r = resolve(&mut [&mut e], HashMap::from([(s.url.clone(), s.clone())]), &HashSet::new());
        assert!(r.inserts.is_empty());
        assert_eq!(r.filled_ids(), vec![s.id]);
        assert_eq!(r.filled[0].title.as_deref(), Some("A"));
        let cited = &e.data.sources[0];
        assert_eq!((cited.id, cited.title.as_deref(), cited.excerpt.as_deref()), (s.id, Some("A"), Some("x")));
    }

    #[test]
    fn a_new_url_is_stored_once_and_keeps_its_id_unless_taken() {
        let mut a = event(json!([{"url": "https://b.example/1", "title": "B"}]));
        let mut b = event(json!([{"url": "https://b.example/1", "publisher": "P"}]));
        let proposed = a.data.sources[0].id;
        let r = resolve(&mut [&mut a, &mut b], HashMap::new(), &HashSet::from([proposed]));
        assert_eq!(r.inserts.len(), 1);
        assert_ne!(r.inserts[0].id, proposed, "a taken id is replaced");
        assert!(r.filled.is_empty(), "a source new in this batch is not 'filled'");
        assert_eq!(a.data.sources[0].id, b.data.sources[0].id);
    }
}
