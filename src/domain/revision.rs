//! Revisions: who changed an event, when, why, and each changed field before and after.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::event::EventData;
use super::source::rfc3339;

/// What a revision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
    Import,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Create, Self::Update, Self::Delete, Self::Import].into_iter().find(|a| a.as_str() == s)
    }
}

/// One entry of an event's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revision {
    pub revision: u32,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// The name of the token (or `cli`) that made the change.
    pub actor: String,
    pub action: Action,
    pub reason: Option<String>,
    /// `{field: {"before": .., "after": ..}}` for every field that changed.
    #[schema(value_type = Object)]
    pub changes: Value,
}

fn as_fields(d: Option<&EventData>) -> Map<String, Value> {
    match d.map(|d| serde_json::to_value(d.to_input())) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    }
}

/// The fields that differ between two states of an event, each with its value before and after
/// (`null` for a state that does not exist, as before a create or after a delete).
pub fn diff(before: Option<&EventData>, after: Option<&EventData>) -> Value {
    let (b, a) = (as_fields(before), as_fields(after));
    let mut out = Map::new();
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.dedup();
    let mut seen = std::collections::HashSet::new();
    for k in keys {
        if !seen.insert(k) {
            continue;
        }
        let (bv, av) = (b.get(k).unwrap_or(&Value::Null), a.get(k).unwrap_or(&Value::Null));
        if bv != av {
            out.insert(k.clone(), json!({"before": bv, "after": av}));
        }
    }
    Value::Object(out)
}

/// What a creating revision stores instead of every field (they are already stored in the
/// event; [`fill_creation`] rebuilds them when the history is read).
pub const CREATED: &str = r#"{"created":true}"#;

/// How a revision's changes are stored: `{"created":true}` for a creation, otherwise [`diff`].
pub fn encode(before: Option<&EventData>, after: Option<&EventData>) -> String {
    match (before, after) {
        (None, Some(_)) => CREATED.to_string(),
        (b, a) => diff(b, a).to_string(),
    }
}

/// The stored changes of a revision; a creation is `{}` until [`fill_creation`] fills it.
pub fn decode(stored: &str) -> Result<Value, serde_json::Error> {
    if stored == CREATED {
        return Ok(Value::Null);
    }
    serde_json::from_str(stored)
}

/// Fills the changes of the creating revision: the event's fields now (none once deleted), with
/// every later change undone, newest first.
pub fn fill_creation(revisions: &mut [Revision], current: Option<&EventData>) {
    let mut state = as_fields(current);
    for r in revisions.iter().skip(1).rev() {
        if let Value::Object(changes) = &r.changes {
            for (field, change) in changes {
                match change.get("before") {
                    Some(Value::Null) | None => {
                        state.remove(field);
                    }
                    Some(v) => {
                        state.insert(field.clone(), v.clone());
                    }
                }
            }
        }
    }
    if let Some(first) = revisions.first_mut() {
        if first.changes.is_null() {
            first.changes =
                Value::Object(state.into_iter().map(|(k, v)| (k, json!({"before": null, "after": v}))).collect());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventInput, Vocabulary};

    fn data(title: &str, status: &str) -> EventData {
        EventInput::from_json(json!({"title": title, "start": "2025-02-10", "status": status,
            "places": [{"name": "Tartus", "lon": 35.88, "lat": 34.88}]}))
        .unwrap()
        .validate(&Vocabulary::default())
        .unwrap()
    }

    #[test]
    fn only_changed_fields_are_recorded_with_before_and_after() {
        let d = diff(Some(&data("A", "reported")), Some(&data("B", "verified")));
        assert_eq!(
            d,
            json!({"title": {"before": "A", "after": "B"}, "status": {"before": "reported", "after": "verified"}})
        );
    }

    #[test]
    fn a_create_records_every_field_as_new() {
        let d = diff(None, Some(&data("A", "reported")));
        assert_eq!(d["title"], json!({"before": null, "after": "A"}));
        assert!(d.get("places").is_some());
    }

    fn rev(n: u32, action: Action, changes: Value) -> Revision {
        Revision { revision: n, at: chrono::Utc::now(), actor: "t".into(), action, reason: None, changes }
    }

    #[test]
    fn the_creation_is_rebuilt_from_the_current_fields_and_later_changes() {
        let (a, b) = (data("A", "reported"), data("B", "verified"));
        let mut revs = vec![
            rev(1, Action::Create, decode(&encode(None, Some(&a))).unwrap()),
            rev(2, Action::Update, decode(&encode(Some(&a), Some(&b))).unwrap()),
        ];
        fill_creation(&mut revs, Some(&b));
        assert_eq!(revs[0].changes, diff(None, Some(&a)));
        // Once deleted, the deletion's "before" values hold the fields.
        let mut revs = vec![
            rev(1, Action::Create, decode(&encode(None, Some(&a))).unwrap()),
            rev(2, Action::Update, decode(&encode(Some(&a), Some(&b))).unwrap()),
            rev(3, Action::Delete, decode(&encode(Some(&b), None)).unwrap()),
        ];
        fill_creation(&mut revs, None);
        assert_eq!(revs[0].changes, diff(None, Some(&a)));
    }
}
