//! Who is calling: the `Caller` extractor reads a bearer token (if any), verifies it, and limits
//! how often one address may present a wrong one.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::error::ApiError;
use super::limiter::FailureKey;
use super::state::AppState;
use crate::auth::Role;
use crate::auth::{self, Principal};
use crate::store::Actor;

/// The caller of a request: signed in with a token, or anonymous.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    /// The principal if their role is at least `role`: 401 when anonymous, 403 when too weak.
    pub fn require(&self, role: Role) -> Result<&Principal, ApiError> {
        match &self.0 {
            None => Err(ApiError::Unauthorized(format!(
                "this needs a token with the {} role: send `Authorization: Bearer <token>`",
                role.as_str()
            ))),
            Some(p) if p.role < role => Err(ApiError::Forbidden(format!(
                "the token `{}` has the {} role; this needs {}",
                p.name,
                p.role.as_str(),
                role.as_str()
            ))),
            Some(p) => Ok(p),
        }
    }

    /// The actor a write is recorded under.
    pub fn actor(&self) -> Actor {
        Actor::new(self.0.as_ref().map(|p| p.actor_name().to_string()).unwrap_or_else(|| "anonymous".into()))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            let c = Caller(None);
            parts.extensions.insert(c.clone());
            return Ok(c);
        };
        let address = FailureKey::Address(client_address(parts, state.config.client_ip_header.as_deref()));
        let value = value.to_str().unwrap_or("");
        let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")) else {
            return Err(refuse(state, [address], "use `Authorization: Bearer <token>`".into()));
        };
        match auth::verify(state.store.as_ref(), token).await? {
            // A token that checks out is taken, however often others failed from here.
            Ok(v) => {
                if v.touch_due {
                    touch_later(state, v.principal.token_id.clone());
                }
                let c = Caller(Some(v.principal));
                parts.extensions.insert(c.clone());
                Ok(c)
            }
            Err(refusal) => {
                let keys = [Some(address), auth::token_id(token).map(|id| FailureKey::TokenId(id.to_string()))];
                Err(refuse(state, keys.into_iter().flatten(), refusal.to_string()))
            }
        }
    }
}

/// Brings a token's `last_used_at` up to date in the background: the request it came with does
/// not wait for the write (nor fail with it; a failure is logged).
fn touch_later(state: &AppState, token_id: String) {
    let store = state.store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.touch_token(&token_id).await {
            tracing::warn!(token = %token_id, error = %e, "could not record the token's use");
        }
    });
}

/// A failed sign-in: counted against each of `keys`; a 429 once one of them has failed too often,
/// else a 401 saying why.
fn refuse(state: &AppState, keys: impl IntoIterator<Item = FailureKey>, why: String) -> ApiError {
    let mut wait = None;
    for key in keys {
        wait = wait.max(state.limiter.blocked(&key));
        state.limiter.fail(key);
    }
    match wait {
        Some(retry_after) => ApiError::TooManyRequests { retry_after },
        None => ApiError::Unauthorized(why),
    }
}

/// The client's address: the peer's, or, behind a proxy that eventmap is told to trust, the last
/// address in that proxy's header (`X-Forwarded-For: client, proxy` gives `proxy`'s view of the
/// client as its last entry).
pub(super) fn client_address(parts: &Parts, trusted_header: Option<&str>) -> IpAddr {
    let peer =
        parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let Some(name) = trusted_header else { return peer };
    parts
        .headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}
