//! API tokens: made once and shown once, stored only as a SHA-256 hash of their secret,
//! compared in constant time.
//!
//! A token reads `emt_<id>_<secret>`: the id finds the stored row, the secret proves possession.
//! This module knows no HTTP and no database: it says what it needs of storage ([`TokenStore`](crate::auth::TokenStore)),
//! which the store implements, and the API's `Caller` extractor uses it. Its types are plain
//! values: the API documents them and the command line parses them where each does so.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Roles of API tokens, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 3] = [Self::Viewer, Self::Editor, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    /// The person the token belongs to; history names them rather than the token.
    pub person: Option<String>,
    pub role: Role,
    #[serde(with = "crate::domain::source::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::domain::source::opt_rfc3339")]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::source::opt_rfc3339")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// SHA-256 of the secret, hex. Never serialised.
    #[serde(skip)]
    pub secret_hash: String,
}

/// A token name (or the person's) that is empty or longer than 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a token name and a person's name have 1 to 100 characters")]
pub struct BadName;

/// What tokens need of storage; the store implements it with its own error.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The storage's error, which can also say that a name was refused.
    type Error: From<BadName> + Send;
    async fn insert_token(&self, token: &TokenInfo) -> Result<(), Self::Error>;
    async fn token(&self, id: &str) -> Result<Option<TokenInfo>, Self::Error>;
    async fn tokens(&self) -> Result<Vec<TokenInfo>, Self::Error>;
    /// Marks a token revoked; false when there is no such live token.
    async fn revoke_token(&self, id: &str) -> Result<bool, Self::Error>;
    async fn touch_token(&self, id: &str) -> Result<(), Self::Error>;
}

/// Who is calling, once their token checks out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub name: String,
    pub person: Option<String>,
    pub role: Role,
}

impl Principal {
    /// Who the changes made with this token are recorded as: the person, or else the token.
    pub fn actor_name(&self) -> &str {
        self.person.as_deref().unwrap_or(&self.name)
    }
}

fn hash(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes and stores a new token; returns the full token (to show once) and its record.
pub async fn create<S: TokenStore + ?Sized>(
    store: &S,
    name: &str,
    role: Role,
) -> Result<(String, TokenInfo), S::Error> {
    create_for(store, name, None, role).await
}

/// Makes a token that belongs to `person`, stores it and returns it with its stored form.
pub async fn create_for<S: TokenStore + ?Sized>(
    store: &S,
    name: &str,
    person: Option<&str>,
    role: Role,
) -> Result<(String, TokenInfo), S::Error> {
    let bad = |s: &str| s.is_empty() || s.chars().count() > 100;
    let name = name.trim();
    let person = person.map(str::trim);
    if bad(name) || person.is_some_and(bad) {
        return Err(BadName.into());
    }
    let mut rng = rand::rngs::OsRng;
    let mut id = [0u8; 6];
    rng.fill_bytes(&mut id);
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let secret = URL_SAFE_NO_PAD.encode(secret);
    let info = TokenInfo {
        id: id.clone(),
        name: name.to_string(),
        person: person.map(str::to_string),
        role,
        created_at: Utc::now(),
        revoked_at: None,
        last_used_at: None,
        secret_hash: hash(&secret),
    };
    store.insert_token(&info).await?;
    Ok((format!("emt_{id}_{secret}"), info))
}

/// Why a presented token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token is not valid")]
    Invalid,
    #[error("the token was revoked")]
    Revoked,
}

/// The id part of a presented token (`emt_<id>_<secret>`), if it has one of the right form.
pub fn token_id(presented: &str) -> Option<&str> {
    let (id, _) = presented.trim().strip_prefix("emt_")?.split_once('_')?;
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// How stale a token's `last_used_at` may get: brought up to date at most this often, so that
/// signed-in reads do not each take the database's write lock (and wait behind every write).
pub const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// A token that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub principal: Principal,
    /// Whether its `last_used_at` is older than [`TOUCH_EVERY`] (or unset): the caller brings
    /// it up to date with [`TokenStore::touch_token`], without holding up the request.
    pub touch_due: bool,
}

/// Checks a presented token. Unknown ids and wrong secrets are refused alike, after the same
/// work, so that timing does not tell them apart. Reads only.
pub async fn verify<S: TokenStore + ?Sized>(store: &S, presented: &str) -> Result<Result<Verified, Refusal>, S::Error> {
    let Some(id) = token_id(presented) else { return Ok(Err(Refusal::Malformed)) };
    let secret = &presented.trim()[4 + id.len() + 1..];
    if secret.is_empty() || secret.len() > 100 {
        return Ok(Err(Refusal::Malformed));
    }
    let given = hash(secret);
    let stored = store.token(id).await?;
    let expected = stored.as_ref().map(|t| t.secret_hash.clone()).unwrap_or_else(|| "0".repeat(64));
    let same: bool = given.as_bytes().ct_eq(expected.as_bytes()).into();
    match stored {
        Some(t) if same && t.revoked_at.is_none() => {
            let touch_due = t.last_used_at.is_none_or(|at| Utc::now() - at >= TOUCH_EVERY);
            Ok(Ok(Verified {
                principal: Principal { token_id: t.id, name: t.name, person: t.person, role: t.role },
                touch_due,
            }))
        }
        Some(t) if same && t.revoked_at.is_some() => Ok(Err(Refusal::Revoked)),
        _ => Ok(Err(Refusal::Invalid)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
