//! The importers' gazetteer: places of imported rows completed as `POST /api/events` completes
//! them ([`gazetteer::resolve::complete_places`](crate::gazetteer::resolve::complete_places)),
//! with a reason an import report can show when a place cannot be resolved.

use std::sync::Arc;

use super::pipeline::PlaceCompleter;
use crate::domain::PlaceInput;
use crate::gazetteer::Gazetteer;
use crate::gazetteer::resolve::{Unresolved, complete_places};

/// How many candidates of an ambiguous name a rejection names.
const NAMED_CANDIDATES: usize = 3;

/// Places completed through the gazetteer.
pub struct GazetteerPlaces(pub Arc<Gazetteer>);

impl PlaceCompleter for GazetteerPlaces {
    fn complete(&self, place: &mut PlaceInput) -> Result<(), String> {
        complete_places(&self.0, std::slice::from_mut(place), None).map_err(|u| reason(&u))
    }
}

/// Why a row's place was refused, in one line: each field's message, and the first candidates
/// of an ambiguous name.
fn reason(u: &Unresolved) -> String {
    let mut msg = u.errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
    let named: Vec<String> = u
        .candidates
        .iter()
        .take(NAMED_CANDIDATES)
        .map(|(_, c)| {
            format!("{} {} {}", c.place.gazetteer_id, c.place.name, c.place.country.as_deref().unwrap_or(""))
                .trim()
                .to_string()
        })
        .collect();
    if !named.is_empty() {
        msg = msg.replace(" (see candidates)", "");
        msg.push_str(&format!(" (candidates: {})", named.join(", ")));
    }
    msg
}
