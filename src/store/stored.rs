//! Stored rows read back into domain values, the same on both backends: an event's state inside
//! a write, a revision, a token, a team's place. Each backend selects the `*_COLUMNS` listed here
//! and gives its driver's row to these functions through [`Columns`], so that the order of the
//! columns and what a stored value means are written once.

use uuid::Uuid;

use super::StoreError;
use super::rules::Current;
use crate::auth::{Role, TokenInfo};
use crate::domain::event::EventData;
use crate::domain::revision::{Action, decode, fill_creation};
use crate::domain::team_place::{CustomPlace, Kind};
use crate::domain::time::from_millis;
use crate::domain::{Event, Revision};

/// The columns of `tokens` that [`token`] reads, in its argument order.
pub const TOKEN_COLUMNS: &str = "id, name, role, secret_hash, created_at, revoked_at, last_used_at, person";

/// The columns of `places` that [`place`] reads, in its argument order.
pub const PLACE_COLUMNS: &str = "id, name, kind, country, admin1, lon, lat, population, names";

/// The columns of `revisions` that [`revision`] reads, in its argument order.
pub const REVISION_COLUMNS: &str = "revision, at, actor, action, reason, changes";

/// The error for a create whose id is taken.
pub fn id_taken(id: Uuid) -> StoreError {
    StoreError::Conflict(format!("an event with id {id} exists"))
}

/// An event's stored state as a write sees it. A tombstone has no event; so has a live row whose
/// Feature cannot be read, which [`check_revision`](super::rules::check_revision) then refuses.
pub fn current(seq: i64, revision: u32, deleted: bool, feature: &str, geometry_explicit: bool) -> Current {
    let event = if deleted { None } else { Event::from_feature_json(feature, geometry_explicit).ok() };
    Current { seq, revision, deleted, event }
}

/// A live event read back from its stored Feature.
pub fn live_event(id: Uuid, feature: &str, geometry_explicit: bool) -> Result<Event, StoreError> {
    Event::from_feature_json(feature, geometry_explicit)
        .map_err(|e| StoreError::Internal(format!("stored feature of {id} unreadable: {e}")))
}

/// A stored row, read by column position; each backend implements it for its driver's rows.
pub trait Columns {
    fn text(&self, i: usize) -> Result<String, StoreError>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    /// A whole number, whatever its width in the database.
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    fn real(&self, i: usize) -> Result<f64, StoreError>;
}

/// One revision record, from the [`REVISION_COLUMNS`].
pub fn revision(r: &impl Columns) -> Result<Revision, StoreError> {
    let action = r.text(3)?;
    Ok(Revision {
        revision: r.int(0)? as u32,
        at: from_millis(r.int(1)?),
        actor: r.text(2)?,
        action: Action::parse(&action).ok_or_else(|| StoreError::Internal(format!("unknown action `{action}`")))?,
        reason: r.opt_text(4)?,
        changes: decode(&r.text(5)?).map_err(|e| StoreError::Internal(e.to_string()))?,
    })
}

/// An event's history from its stored records, oldest first, with the creation filled in from
/// the event as it is now where imports recorded no fields.
pub fn history(mut records: Vec<Revision>, current: Option<&EventData>) -> Vec<Revision> {
    fill_creation(&mut records, current);
    records
}

/// One token, from the [`TOKEN_COLUMNS`].
pub fn token(r: &impl Columns) -> Result<TokenInfo, StoreError> {
    let role = r.text(2)?;
    Ok(TokenInfo {
        id: r.text(0)?,
        name: r.text(1)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Internal(format!("unknown role `{role}`")))?,
        secret_hash: r.text(3)?,
        created_at: from_millis(r.int(4)?),
        revoked_at: r.opt_int(5)?.map(from_millis),
        last_used_at: r.opt_int(6)?.map(from_millis),
        person: r.opt_text(7)?,
    })
}

/// One of a team's places, from the [`PLACE_COLUMNS`] (`names` as JSON text).
pub fn place(r: &impl Columns) -> Result<CustomPlace, StoreError> {
    let kind = r.text(2)?;
    Ok(CustomPlace {
        id: r.text(0)?,
        name: r.text(1)?,
        kind: Kind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown place kind `{kind}`")))?,
        country: r.opt_text(3)?,
        admin1: r.opt_text(4)?,
        lon: r.real(5)?,
        lat: r.real(6)?,
        population: r.int(7)?.max(0) as u64,
        names: serde_json::from_str(&r.text(8)?).map_err(|e| StoreError::Internal(e.to_string()))?,
    })
}

/// A place's other names as stored (a JSON array).
pub fn place_names(p: &CustomPlace) -> String {
    serde_json::to_string(&p.names).expect("a list of strings serialises")
}

/// The places to write when `places` is stored: the last of several with one id wins, and they
/// are written in id order.
pub fn last_of_each_id(places: &[CustomPlace]) -> Vec<&CustomPlace> {
    let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, p) in places.iter().enumerate() {
        last.insert(p.id.as_str(), i);
    }
    let mut keep: Vec<&CustomPlace> =
        places.iter().enumerate().filter(|(i, p)| last[p.id.as_str()] == *i).map(|(_, p)| p).collect();
    keep.sort_by(|a, b| a.id.cmp(&b.id));
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of plain values, as a driver would give it.
    enum V {
        T(&'static str),
        I(i64),
        R(f64),
        N,
    }

    impl Columns for Vec<V> {
        fn text(&self, i: usize) -> Result<String, StoreError> {
            match &self[i] {
                V::T(s) => Ok(s.to_string()),
                _ => Err(StoreError::Internal(format!("column {i} is not text"))),
            }
        }
        fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
            if matches!(self[i], V::N) { Ok(None) } else { self.text(i).map(Some) }
        }
        fn int(&self, i: usize) -> Result<i64, StoreError> {
            match &self[i] {
                V::I(n) => Ok(*n),
                _ => Err(StoreError::Internal(format!("column {i} is not a number"))),
            }
        }
        fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
            if matches!(self[i], V::N) { Ok(None) } else { self.int(i).map(Some) }
        }
        fn real(&self, i: usize) -> Result<f64, StoreError> {
            match &self[i] {
                V::R(x) => Ok(*x),
                _ => Err(StoreError::Internal(format!("column {i} is not real"))),
            }
        }
    }

    fn named(id: &'static str, name: &'static str, kind: &'static str) -> Vec<V> {
        use V::*;
        vec![T(id), T(name), T(kind), N, N, R(1.0), R(2.0), I(-5), T(r#"["Ḥmeimim", "حميميم"]"#)]
    }

    #[test]
    fn of_places_sharing_an_id_the_last_is_written_and_all_in_id_order() {
        let places: Vec<CustomPlace> =
            [named("b", "first b", "site"), named("a", "a", "site"), named("b", "second b", "site")]
                .iter()
                .map(|r| place(r).unwrap())
                .collect();
        let kept: Vec<&str> = last_of_each_id(&places).iter().map(|p| p.name.as_str()).collect();
        assert_eq!(kept, ["a", "second b"]);
    }

    #[test]
    fn a_place_row_reads_back_with_its_names_and_no_negative_population() {
        let p = place(&named("custom:1", "Hmeimim", "site")).unwrap();
        assert_eq!((p.kind, p.population, p.lon, p.lat), (Kind::Site, 0, 1.0, 2.0));
        assert_eq!(p.names, ["Ḥmeimim", "حميميم"]);
        assert_eq!(place_names(&p), r#"["Ḥmeimim","حميميم"]"#);
    }

    #[test]
    fn an_unknown_role_kind_or_action_in_the_database_is_an_internal_error_naming_it() {
        use V::*;
        let e = token(&vec![T("i"), T("n"), T("owner"), T("h"), I(0), N, N]).unwrap_err();
        assert!(matches!(&e, StoreError::Internal(m) if m.contains("`owner`")), "{e}");
        let e = place(&named("p", "n", "planet")).unwrap_err();
        assert!(matches!(&e, StoreError::Internal(m) if m.contains("`planet`")), "{e}");
        let e = revision(&vec![I(1), I(0), T("desk"), T("merge"), N, T("{}")]).unwrap_err();
        assert!(matches!(&e, StoreError::Internal(m) if m.contains("`merge`")), "{e}");
    }

    #[test]
    fn a_token_row_reads_back_with_its_role_and_times() {
        use V::*;
        let t = token(&vec![T("i"), T("desk"), T("editor"), T("h"), I(1_000), I(2_000), N, T("Rana Haddad")]).unwrap();
        assert_eq!(t.role, Role::Editor);
        assert_eq!(t.person.as_deref(), Some("Rana Haddad"));
        assert_eq!(t.created_at.timestamp_millis(), 1_000);
        assert_eq!(t.revoked_at.map(|t| t.timestamp_millis()), Some(2_000));
        assert!(t.last_used_at.is_none());
    }

    #[test]
    fn a_revision_row_reads_back_with_its_action_and_reason() {
        use V::*;
        let r = revision(&vec![I(3), I(5_000), T("desk"), T("update"), T("typo"), T("{}")]).unwrap();
        assert_eq!(
            (r.revision, r.actor.as_str(), r.action, r.reason.as_deref()),
            (3, "desk", Action::Update, Some("typo"))
        );
        assert_eq!(r.at.timestamp_millis(), 5_000);
    }

    #[test]
    fn a_tombstone_has_no_event_and_a_live_row_has_its_feature() {
        let c = current(3, 2, true, "{}", false);
        assert!(c.deleted && c.event.is_none() && c.seq == 3 && c.revision == 2);
        let c = current(3, 2, false, "not json", false);
        assert!(!c.deleted && c.event.is_none(), "an unreadable Feature is left for check_revision to refuse");
    }
}
