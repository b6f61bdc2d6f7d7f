//! Test databases: SQLite in a temporary directory always; PostgreSQL when `TEST_DATABASE_URL`
//! names a server, with a database of its own per test that is dropped afterwards.
//!
//! A test runs its body once per entry of [`backends`]. Without `TEST_DATABASE_URL` (or with an
//! unreachable server) the PostgreSQL part is skipped, saying so; with
//! `EVENTMAP_REQUIRE_POSTGRES=1` (as in CI) it fails instead.

#![allow(dead_code)]

pub mod cli;
pub mod server;

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use eventmap::store::DynStore;

/// Where a test's data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// A PostgreSQL server, by the URL of a database to connect to for administration.
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

fn postgres_required() -> bool {
    std::env::var("EVENTMAP_REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Why `TEST_DATABASE_URL` cannot be used, or the URL.
fn check_postgres() -> Result<String, String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| "TEST_DATABASE_URL is not set".to_string())?;
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(format!("TEST_DATABASE_URL `{}` is not a postgres:// URL", eventmap::store::redact_url(&url)));
    }
    let u = url::Url::parse(&url).map_err(|e| format!("TEST_DATABASE_URL is not a URL: {e}"))?;
    if let Some(host) = u.host_str() {
        let port = u.port().unwrap_or(5432);
        let reachable = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
            .ok()
            .into_iter()
            .flatten()
            .any(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok());
        if !reachable {
            return Err(format!("no PostgreSQL answers at {host}:{port} (TEST_DATABASE_URL)"));
        }
    }
    Ok(url)
}

/// The PostgreSQL server to test on, if there is one to use. Panics when one is required
/// (`EVENTMAP_REQUIRE_POSTGRES=1`) but missing or unreachable.
pub fn postgres_url() -> Option<String> {
    static CHECKED: OnceLock<Result<String, String>> = OnceLock::new();
    static SAID: OnceLock<()> = OnceLock::new();
    match CHECKED.get_or_init(check_postgres) {
        Ok(url) => Some(url.clone()),
        Err(why) => {
            assert!(!postgres_required(), "EVENTMAP_REQUIRE_POSTGRES=1, but {why}");
            // Once per test binary, past the test harness's capture, so that it shows in the
            // output of `cargo test`; and in each test's own (captured) output.
            SAID.get_or_init(|| {
                let _ = writeln!(std::io::stderr(), "skipped: the PostgreSQL runs of these tests ({why})");
            });
            eprintln!("skipped: the PostgreSQL run of this test ({why})");
            None
        }
    }
}

/// The backends every behaviour test runs on: SQLite, then PostgreSQL when available.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    out.extend(postgres_url().map(Backend::Postgres));
    out
}

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    /// A database on PostgreSQL when one is available, else on SQLite.
    pub async fn new() -> Self {
        let backend = backends().pop().expect("SQLite is always there");
        Self::on(&backend).await
    }

    /// A fresh, empty database on `backend`.
    pub async fn on(backend: &Backend) -> Self {
        eprintln!("-- on {} --", backend.name());
        match backend {
            Backend::Postgres(admin_url) => {
                let name = format!("eventmap_test_{}", uuid::Uuid::now_v7().simple());
                postgres_admin(admin_url, &format!("CREATE DATABASE {name}")).await;
                let mut u = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
                u.set_path(&format!("/{name}"));
                Self {
                    url: u.to_string(),
                    backend: backend.clone(),
                    dir: None,
                    pg_admin: Some((admin_url.clone(), name)),
                }
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Self { url, backend: Backend::Sqlite, dir: Some(dir), pg_admin: None }
            }
        }
    }

    pub async fn store(&self) -> DynStore {
        eventmap::store::connect(&self.url).await.expect("test store opens")
    }

    pub fn is_postgres(&self) -> bool {
        self.pg_admin.is_some()
    }

    /// The name of the PostgreSQL database, if this is one.
    pub fn pg_name(&self) -> Option<&str> {
        self.pg_admin.as_ref().map(|(_, n)| n.as_str())
    }
}

/// Runs one statement on the administration database (`sql` never holds user input).
pub async fn postgres_admin(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(admin_url).await.expect("TEST_DATABASE_URL reachable");
    sqlx::query(sql).execute(&mut c).await.expect(sql);
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_admin.take() {
            // Dropping needs async; do it on a thread of its own so that it also works while
            // a runtime is shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(postgres_admin(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
            })
            .join();
        }
    }
}
