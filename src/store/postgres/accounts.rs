//! Tokens and a team's places on PostgreSQL. What a stored row means is `store::stored`'s.

use async_trait::async_trait;
use chrono::Utc;

use super::PgStore;
use super::write as w;
use crate::auth::TokenInfo;
use crate::domain::team_place::CustomPlace;
use crate::store::stored::{self, PLACE_COLUMNS, TOKEN_COLUMNS};
use crate::store::{Actor, StoreError};

#[async_trait]
impl crate::auth::TokenStore for PgStore {
    type Error = StoreError;

    async fn insert_token(&self, t: &TokenInfo) -> Result<(), StoreError> {
        self.writable()?;
        sqlx::query(
            "INSERT INTO tokens (id, name, role, secret_hash, created_at, person) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(t.role.as_str())
        .bind(&t.secret_hash)
        .bind(t.created_at.timestamp_millis())
        .bind(&t.person)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn token(&self, id: &str) -> Result<Option<TokenInfo>, StoreError> {
        let r = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(stored::token).transpose()
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id COLLATE \"C\""))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(stored::token)
            .collect()
    }

    async fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        self.writable()?;
        let n = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(Utc::now().timestamp_millis())
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn touch_token(&self, id: &str) -> Result<(), StoreError> {
        if self.read_only {
            // Best effort: instances on the primary record when a token was last used.
            return Ok(());
        }
        sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
            .bind(Utc::now().timestamp_millis())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl crate::store::PlaceStore for PgStore {
    async fn custom_places(&self) -> Result<Vec<CustomPlace>, StoreError> {
        // Byte order of ids, as SQLite sorts them, whatever the database's collation.
        let columns = PLACE_COLUMNS.replace("names", "names::text");
        let rows = sqlx::query(&format!("SELECT {columns} FROM places ORDER BY id COLLATE \"C\""))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored::place).collect()
    }

    async fn put_custom_places(&self, places: &[CustomPlace], by: &Actor) -> Result<(), StoreError> {
        self.writable()?;
        let keep = stored::last_of_each_id(places);
        let now = Utc::now().timestamp_millis();
        let mut tx = self.pool.begin().await?;
        for chunk in keep.chunks(w::CHUNK) {
            let names: Vec<String> = chunk.iter().map(|p| stored::place_names(p)).collect();
            sqlx::query(
                "INSERT INTO places (id, name, kind, country, admin1, lon, lat, population, names, created_at, created_by) \
                 SELECT u.id, u.name, u.kind, u.country, u.admin1, u.lon, u.lat, u.population, u.names::json, $10, $11 \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], \
                 $8::bigint[], $9::text[]) AS u(id, name, kind, country, admin1, lon, lat, population, names) \
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, country = EXCLUDED.country, \
                 admin1 = EXCLUDED.admin1, lon = EXCLUDED.lon, lat = EXCLUDED.lat, population = EXCLUDED.population, \
                 names = EXCLUDED.names, created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by",
            )
            .bind(chunk.iter().map(|p| p.id.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.name.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.kind.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.country.as_deref()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.admin1.as_deref()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.lon).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.lat).collect::<Vec<_>>())
            .bind(chunk.iter().map(|p| p.population as i64).collect::<Vec<_>>())
            .bind(names)
            .bind(now)
            .bind(&by.name)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
