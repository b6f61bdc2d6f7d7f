//! One event's life: creation, updates against the expected revision (concurrent ones too),
//! deletion to a tombstone, and the history of its revisions.

use eventmap::domain::Action;
use eventmap::store::{Actor, Lookup, StoreError};
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestDb, backends};
use crate::support::{editor, ids, live, tartus};

#[tokio::test]
async fn a_created_event_reads_back_at_revision_one_and_its_id_cannot_be_reused() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let id = Uuid::now_v7();
        let ev = store.create(id, tartus("Convoy at Tartus"), &editor()).await.unwrap();
        assert_eq!((ev.id, ev.revision), (id, 1));
        assert_eq!(ev.created_at, ev.updated_at);
        let back = live(&store, id).await;
        assert_eq!(back, ev, "{backend:?}");
        assert!(matches!(store.create(id, tartus("again"), &editor()).await, Err(StoreError::Conflict(_))));
        assert!(matches!(store.get(Uuid::now_v7()).await.unwrap(), Lookup::Missing));
        assert_eq!(store.live_count().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn an_update_checks_the_expected_revision_and_an_unchanged_one_makes_no_revision() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let id = Uuid::now_v7();
        let first = store.create(id, tartus("A"), &editor()).await.unwrap();
        let second = store.update(id, Some(1), tartus("B"), &editor(), Some("typo")).await.unwrap();
        assert_eq!(second.revision, 2);
        assert_eq!(second.created_at, first.created_at);
        assert!(second.updated_at > first.updated_at);
        match store.update(id, Some(1), tartus("C"), &editor(), None).await {
            Err(StoreError::RevisionMismatch { expected: 1, current: 2 }) => {}
            other => panic!("a stale revision must be refused: {other:?}"),
        }
        let same = store.update(id, Some(2), tartus("B"), &editor(), None).await.unwrap();
        assert_eq!(same.revision, 2, "nothing changed");
        assert_eq!(store.history(id).await.unwrap().len(), 2);
        let third = store.update(id, None, tartus("D"), &editor(), None).await.unwrap();
        assert_eq!(third.revision, 3, "no expectation: applies to whatever is current");
        assert!(matches!(
            store.update(Uuid::now_v7(), None, tartus("x"), &editor(), None).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn a_deleted_event_leaves_a_tombstone_that_refuses_further_writes() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let id = Uuid::now_v7();
        store.create(id, tartus("A"), &editor()).await.unwrap();
        assert!(matches!(
            store.delete(id, Some(7), &editor(), "wrong").await,
            Err(StoreError::RevisionMismatch { expected: 7, current: 1 })
        ));
        let t = store.delete(id, Some(1), &editor(), "duplicate of another report").await.unwrap();
        assert_eq!((t.id, t.revision, t.reason.as_deref()), (id, 2, Some("duplicate of another report")));
        match store.get(id).await.unwrap() {
            Lookup::Deleted(d) => assert_eq!(d, t),
            other => panic!("{other:?}"),
        }
        assert!(matches!(store.update(id, None, tartus("B"), &editor(), None).await, Err(StoreError::Gone(_))));
        assert!(matches!(store.delete(id, None, &editor(), "again").await, Err(StoreError::Gone(_))));
        assert!(matches!(store.delete(Uuid::now_v7(), None, &editor(), "x").await, Err(StoreError::NotFound(_))));
        assert_eq!(store.live_count().await.unwrap(), 0);
        assert!(ids(&store, "").await.is_empty());
        assert_eq!(ids(&store, "include_deleted=true").await, vec![id.to_string()]);
    }
}

#[tokio::test]
async fn the_history_lists_every_revision_with_actor_reason_and_changed_fields() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let id = Uuid::now_v7();
        store.create(id, tartus("A"), &Actor::new("stringer")).await.unwrap();
        store.update(id, Some(1), tartus("B"), &editor(), Some("spelling")).await.unwrap();
        store.delete(id, Some(2), &Actor::new("chief"), "hoax").await.unwrap();
        let h = store.history(id).await.unwrap();
        let summary: Vec<(u32, Action, &str, Option<&str>)> =
            h.iter().map(|r| (r.revision, r.action, r.actor.as_str(), r.reason.as_deref())).collect();
        assert_eq!(
            summary,
            vec![
                (1, Action::Create, "stringer", None),
                (2, Action::Update, "desk", Some("spelling")),
                (3, Action::Delete, "chief", Some("hoax"))
            ]
        );
        assert_eq!(h[0].changes["title"], json!({"before": null, "after": "A"}), "the creation is rebuilt");
        assert_eq!(h[1].changes, json!({"title": {"before": "A", "after": "B"}}));
        assert_eq!(h[2].changes["title"], json!({"before": "B", "after": null}));
        assert!(h.windows(2).all(|w| w[0].at < w[1].at));
    }
}

#[tokio::test]
async fn concurrent_updates_expecting_the_same_revision_give_one_success() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let id = Uuid::now_v7();
        store.create(id, tartus("A"), &editor()).await.unwrap();
        let (s1, s2) = (store.clone(), store.clone());
        let one = tokio::spawn(async move { s1.update(id, Some(1), tartus("B"), &Actor::new("one"), None).await });
        let two = tokio::spawn(async move { s2.update(id, Some(1), tartus("C"), &Actor::new("two"), None).await });
        let results = [one.await.unwrap(), two.await.unwrap()];
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(StoreError::RevisionMismatch { expected: 1, current: 2 }))));
        assert_eq!(store.history(id).await.unwrap().len(), 2);
    }
}
