//! API tokens (stored by hash, listed, revoked, touched) and custom places.

use eventmap::auth::{Role, TokenInfo};
use eventmap::gazetteer::{CustomPlace, Kind};

use crate::common::{TestDb, backends};
use crate::support::editor;

#[tokio::test]
async fn tokens_are_stored_by_hash_listed_revoked_and_touched() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let (secret, info) = eventmap::auth::create(store.as_ref(), "desk", Role::Editor).await.unwrap();
        assert!(!info.secret_hash.contains(&secret[17..]));
        let got: TokenInfo = store.token(&info.id).await.unwrap().expect("stored");
        assert_eq!(
            (got.name.as_str(), got.role, got.secret_hash.as_str()),
            ("desk", Role::Editor, info.secret_hash.as_str())
        );
        assert_eq!(got.created_at.timestamp_millis(), info.created_at.timestamp_millis());
        assert!(got.last_used_at.is_none());
        store.touch_token(&info.id).await.unwrap();
        assert!(store.token(&info.id).await.unwrap().unwrap().last_used_at.is_some());
        assert_eq!(store.tokens().await.unwrap().len(), 1);
        assert!(store.revoke_token(&info.id).await.unwrap());
        assert!(!store.revoke_token(&info.id).await.unwrap(), "already revoked");
        assert!(store.token(&info.id).await.unwrap().unwrap().revoked_at.is_some());
        assert!(store.token("nope").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn custom_places_are_stored_sorted_by_id_and_replaced_by_id() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let place = |id: &str, name: &str| CustomPlace {
            id: id.into(),
            name: name.into(),
            kind: Kind::Site,
            country: Some("SY".into()),
            admin1: None,
            lon: 35.9,
            lat: 34.9,
            population: 0,
            names: vec![name.into(), format!("{name} (alt)")],
        };
        store
            .put_custom_places(&[place("custom:b", "Checkpoint B"), place("custom:A", "Depot A")], &editor())
            .await
            .unwrap();
        store.put_custom_places(&[place("custom:b", "Checkpoint B2")], &editor()).await.unwrap();
        let got = store.custom_places().await.unwrap();
        assert_eq!(got.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), vec!["custom:A", "custom:b"]);
        assert_eq!(got[1].name, "Checkpoint B2");
        assert_eq!(got[0], place("custom:A", "Depot A"));
    }
}
