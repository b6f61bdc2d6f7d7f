//! API tokens: made once and shown once, stored only as a SHA-256 hash of their secret,
//! compared in constant time.
//!
//! A token reads `emt_<id>_<secret>`: the id finds the stored row, the secret proves possession.
//! This module knows no HTTP; the API's `Caller` extractor uses it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::{Role, StoreError, TokenInfo, TokenStore};

/// Who is calling, once their token checks out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub name: String,
    pub role: Role,
}

fn hash(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes and stores a new token; returns the full token (to show once) and its record.
pub async fn create(store: &dyn TokenStore, name: &str, role: Role) -> Result<(String, TokenInfo), StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::Conflict("a token name has 1 to 100 characters".into()));
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

/// Checks a presented token. Unknown ids and wrong secrets are refused alike, after the same
/// work, so that timing does not tell them apart.
pub async fn verify(store: &dyn TokenStore, presented: &str) -> Result<Result<Principal, Refusal>, StoreError> {
    let Some(rest) = presented.trim().strip_prefix("emt_") else { return Ok(Err(Refusal::Malformed)) };
    let Some((id, secret)) = rest.split_once('_') else { return Ok(Err(Refusal::Malformed)) };
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_hexdigit()) || secret.is_empty() || secret.len() > 100 {
        return Ok(Err(Refusal::Malformed));
    }
    let given = hash(secret);
    let stored = store.token(id).await?;
    let expected = stored.as_ref().map(|t| t.secret_hash.clone()).unwrap_or_else(|| "0".repeat(64));
    let same: bool = given.as_bytes().ct_eq(expected.as_bytes()).into();
    match stored {
        Some(t) if same && t.revoked_at.is_none() => {
            store.touch_token(&t.id).await?;
            Ok(Ok(Principal { token_id: t.id, name: t.name, role: t.role }))
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
