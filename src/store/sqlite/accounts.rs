//! Tokens and a team's places on SQLite. What a stored row means is `store::stored`'s.

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::auth::TokenInfo;
use crate::domain::team_place::CustomPlace;
use crate::store::stored::{self, PLACE_COLUMNS, TOKEN_COLUMNS};
use crate::store::{Actor, StoreError};

#[async_trait]
impl crate::auth::TokenStore for SqliteStore {
    type Error = StoreError;

    async fn insert_token(&self, t: &TokenInfo) -> Result<(), StoreError> {
        let t = t.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO tokens (id, name, role, secret_hash, created_at, person) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t.id, t.name, t.role.as_str(), t.secret_hash, t.created_at.timestamp_millis(), t.person],
            )?;
            Ok(())
        })
        .await
    }

    async fn token(&self, id: &str) -> Result<Option<TokenInfo>, StoreError> {
        let id = id.to_string();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1"))?;
            st.query_row([id], |r| Ok(stored::token(r))).optional()?.transpose()
        })
        .await
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id"))?;
            let rows = st.query_map([], |r| Ok(stored::token(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![Utc::now().timestamp_millis(), id],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn touch_token(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |tx| {
            tx.execute(
                "UPDATE tokens SET last_used_at = ?1 WHERE id = ?2",
                params![Utc::now().timestamp_millis(), id],
            )?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl crate::store::PlaceStore for SqliteStore {
    async fn custom_places(&self) -> Result<Vec<CustomPlace>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {PLACE_COLUMNS} FROM places ORDER BY id"))?;
            let rows = st.query_map([], |r| Ok(stored::place(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn put_custom_places(&self, places: &[CustomPlace], by: &Actor) -> Result<(), StoreError> {
        let (places, by) = (places.to_vec(), by.clone());
        self.write(move |tx| {
            let now = Utc::now().timestamp_millis();
            let mut st = tx.prepare_cached(&format!(
                "INSERT OR REPLACE INTO places ({PLACE_COLUMNS}, created_at, created_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ))?;
            for p in stored::last_of_each_id(&places) {
                st.execute(params![
                    p.id,
                    p.name,
                    p.kind.as_str(),
                    p.country,
                    p.admin1,
                    p.lon,
                    p.lat,
                    p.population as i64,
                    stored::place_names(p),
                    now,
                    by.name
                ])?;
            }
            Ok(())
        })
        .await
    }
}
