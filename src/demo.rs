//! The demonstration data set (`data/demo/events.json`): the February 2025 convoy story, loaded
//! by `eventmap serve --demo` into an empty database, with Hmeimim air base as a team's own place.

use serde::Deserialize;
use uuid::Uuid;

use crate::domain::{EventInput, Vocabulary};
use crate::gazetteer::resolve::complete_places;
use crate::gazetteer::{CustomPlace, Gazetteer, NewPlace};
use crate::store::{Actor, DynStore, StoreError};

const DATA: &str = include_str!("../data/demo/events.json");

#[derive(Deserialize)]
struct Demo {
    places: Vec<DemoPlace>,
    events: Vec<EventInput>,
}

#[derive(Deserialize)]
struct DemoPlace {
    id: String,
    #[serde(flatten)]
    place: NewPlace,
}

/// Errors of the demo data (a broken data file is a bug, reported plainly).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo data file is invalid: {0}")]
    Data(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The demo's places, with their fixed ids.
fn places(demo: &Demo, g: &Gazetteer) -> Result<Vec<CustomPlace>, DemoError> {
    demo.places
        .iter()
        .map(|p| {
            let mut c = p.place.clone().validate(g).map_err(|e| DemoError::Data(e.summary()))?;
            c.id = p.id.clone();
            Ok(c)
        })
        .collect()
}

/// Loads the demonstration events into an empty database (and its places into the gazetteer);
/// returns how many events were stored, 0 when the database already had events.
pub async fn load(store: &DynStore, g: &Gazetteer, vocab: &Vocabulary) -> Result<usize, DemoError> {
    let demo: Demo = serde_json::from_str(DATA).map_err(|e| DemoError::Data(e.to_string()))?;
    let actor = Actor::new("demo");
    let ps = places(&demo, g)?;
    store.put_custom_places(&ps, &actor).await?;
    for p in ps {
        g.add_custom(p);
    }
    if store.live_count().await? > 0 {
        return Ok(0);
    }
    let mut n = 0;
    for mut input in demo.events {
        if let Some(places) = input.places.as_mut() {
            complete_places(g, places, None).map_err(|e| DemoError::Data(e.to_string()))?;
        }
        let data = input.validate(vocab).map_err(|e| DemoError::Data(e.summary()))?;
        store.create(Uuid::now_v7(), data, &actor).await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_parses_and_every_event_validates_once_its_places_are_resolved() {
        let g = crate::gazetteer::tests::gazetteer().fresh();
        let demo: Demo = serde_json::from_str(DATA).unwrap();
        for p in places(&demo, &g).unwrap() {
            g.add_custom(p);
        }
        assert_eq!(demo.events.len(), 4);
        for mut e in demo.events {
            complete_places(&g, e.places.as_mut().unwrap(), None).unwrap();
            let d = e.validate(&Vocabulary::default()).unwrap();
            assert!(!d.sources.is_empty());
            assert!(d.sources.iter().all(|s| s.url.starts_with("https://")));
        }
    }
}
