//! The test application: the real router on port 0 over a fresh database per test, with tokens
//! for each role, and helpers that print the whole response when an assertion fails.
//!
//! Every test runs its body once per backend (SQLite in a temporary directory, and a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` is set):
//!
//! ```ignore
//! for backend in backends() {
//!     let app = TestApp::on(&backend).await;
//!     // ...
//! }
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use eventmap::api::{ApiConfig, AppState, router};
use eventmap::auth::Role;
use eventmap::domain::Vocabulary;
use eventmap::gazetteer::Gazetteer;
use eventmap::store::DynStore;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The embedded gazetteer, loaded once per test binary; each app gets a fresh overlay.
pub fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| Gazetteer::load_embedded().expect("gazetteer loads"))
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: DynStore,
    pub editor: String,
    pub admin: String,
    pub viewer: String,
    /// Kept so that the database lives as long as the app.
    pub _db: common::TestDb,
}

/// A response, kept whole so that failures can show it.
pub struct Got {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Got {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {self}"))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// Asserts the status, printing everything on failure.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; got:\n{self}");
        self
    }

    /// Asserts a problem+json of the given status and type slug; returns its body.
    #[track_caller]
    pub fn problem(&self, status: u16, slug: &str) -> Value {
        self.expect(status);
        assert_eq!(self.header("content-type"), "application/problem+json", "{self}");
        let v = self.json();
        assert_eq!(v["type"], format!("/problems/{slug}"), "{self}");
        assert_eq!(v["status"], status, "{self}");
        assert!(v["title"].is_string() && v["detail"].is_string(), "{self}");
        v
    }

    /// The `field` names of a problem's errors.
    pub fn fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_string()).collect())
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Got {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "status {}", self.status)?;
        for (k, v) in &self.headers {
            writeln!(f, "{k}: {}", v.to_str().unwrap_or("?"))?;
        }
        write!(f, "\n{}", if self.text.len() > 4000 { &self.text[..4000] } else { &self.text })
    }
}

impl TestApp {
    /// The app over a fresh database on `backend`.
    pub async fn on(backend: &Backend) -> Self {
        Self::on_with(backend, ApiConfig::default()).await
    }

    pub async fn on_with(backend: &Backend, config: ApiConfig) -> Self {
        let db = common::TestDb::on(backend).await;
        let store = db.store().await;
        let g = Arc::new(gazetteer().fresh());
        g.set_custom(store.custom_places().await.unwrap());
        let state = AppState::new(store.clone(), g.clone(), Vocabulary::default(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move {
            axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
        let (editor, _) = eventmap::auth::create(store.as_ref(), "editor desk", Role::Editor).await.unwrap();
        let (admin, _) = eventmap::auth::create(store.as_ref(), "admin", Role::Admin).await.unwrap();
        let (viewer, _) = eventmap::auth::create(store.as_ref(), "reader", Role::Viewer).await.unwrap();
        Self { base: format!("http://{addr}"), client: reqwest::Client::new(), store, editor, admin, viewer, _db: db }
    }

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Got {
        let mut rb = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Self::got(rb).await
    }

    pub async fn got(rb: reqwest::RequestBuilder) -> Got {
        let r = rb.send().await.expect("request sent");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        Got { status, headers, text }
    }

    pub async fn get(&self, path: &str) -> Got {
        self.send(Method::GET, path, None, None).await
    }

    /// Creates an event as the editor; panics unless it is created.
    pub async fn create(&self, body: Value) -> Value {
        let g = self.send(Method::POST, "/api/events", Some(&self.editor), Some(body)).await;
        g.expect(201);
        g.json()
    }

    pub async fn post(&self, body: Value) -> Got {
        self.send(Method::POST, "/api/events", Some(&self.editor), Some(body)).await
    }

    /// The database the app serves.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// Ids of the features of a list response, in order.
    pub async fn ids(&self, query: &str) -> Vec<String> {
        let g = self.get(&format!("/api/events?{query}")).await;
        g.expect(200);
        g.json()["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    }

    /// The whole stored state, to check that a refused request changed nothing.
    pub async fn snapshot(&self) -> String {
        let g = self.get("/api/events?limit=10000&include_deleted=true&sort=updated_at").await;
        g.expect(200);
        let mut v = g.json();
        v.as_object_mut().unwrap().remove("timeStamp");
        let places = self.store.custom_places().await.unwrap();
        format!("{v}\n{}", serde_json::to_string(&places).unwrap())
    }
}

/// A minimal valid event at Tartus.
pub fn tartus_event(title: &str) -> Value {
    json!({"title": title, "start": "2025-02-10T08:00:00Z", "category": "military movement",
           "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.8890}]})
}

#[path = "../common/mod.rs"]
pub mod common;

pub use common::{Backend, backends};
