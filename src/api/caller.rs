//! Who is calling: the `Caller` extractor reads a bearer token (if any), verifies it, and limits
//! how often one address may present a wrong one.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::error::ApiError;
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
        Actor::new(self.0.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "anonymous".into()))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let ip =
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            let c = Caller(None);
            parts.extensions.insert(c.clone());
            return Ok(c);
        };
        if let Some(wait) = state.limiter.blocked(ip) {
            return Err(ApiError::TooManyRequests { retry_after: wait });
        }
        let value = value.to_str().unwrap_or("");
        let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")) else {
            state.limiter.fail(ip);
            return Err(ApiError::Unauthorized("use `Authorization: Bearer <token>`".into()));
        };
        match auth::verify(state.store.as_ref(), token).await? {
            Ok(p) => {
                let c = Caller(Some(p));
                parts.extensions.insert(c.clone());
                Ok(c)
            }
            Err(refusal) => {
                state.limiter.fail(ip);
                Err(ApiError::Unauthorized(refusal.to_string()))
            }
        }
    }
}
