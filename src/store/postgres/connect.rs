//! Connecting to PostgreSQL: retrying a server that is not up yet, making sure PostGIS is there
//! (or saying how to get it), running the migrations, or checking a read-only replica's schema.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, Row as _};

use super::{ACQUIRE_TIMEOUT, ImportRoad, PgStore, Settings};
use crate::store::StoreError;

/// The schema, embedded from `migrations/postgres/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The migrator run at start. Migrations a newer eventmap applied are tolerated, so that during a
/// rolling upgrade the instances not yet replaced keep starting (migrations only add).
fn migrator() -> sqlx::migrate::Migrator {
    let mut m = sqlx::migrate!("./migrations/postgres");
    m.set_ignore_missing(true);
    m
}

/// On a read-only database nothing can be migrated: the schema must already be this version's
/// (migrate the primary first; the replica follows).
async fn check_replica_schema(c: &mut PgConnection, url: &str) -> Result<(), StoreError> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(&mut *c)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{url} is read-only and has no eventmap schema ({e})")))?;
    let missing: Vec<String> = MIGRATOR
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .map(|m| format!("{} {}", m.version, m.description))
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Unavailable(format!(
            "{url} is read-only and its schema lacks migrations {}: run `eventmap migrate` against the primary first",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// Whether a connection error means "not reachable (yet)", worth retrying at start.
fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        // cannot_connect_now (starting up or shutting down), too_many_connections
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c == "57P03" || c == "53300" || c.starts_with("08")),
        _ => false,
    }
}

/// What to tell someone whose server lacks PostGIS. `available` says whether the server has
/// the extension's files (then only `CREATE EXTENSION` is missing).
pub fn postgis_advice(url: &str, database: &str, server_major: u32, available: bool) -> String {
    if available {
        format!(
            "the PostGIS extension is installed on the server of {url} but not enabled in database `{database}`, \
             and this user may not enable it: as a superuser, run `CREATE EXTENSION postgis;` in `{database}` \
             (for example `psql -U postgres -d {database} -c 'CREATE EXTENSION postgis'`), then start eventmap again"
        )
    } else {
        format!(
            "the PostgreSQL server of {url} has no PostGIS extension, which eventmap needs: install it on the \
             database server (Debian and Ubuntu: `apt-get install postgresql-{server_major}-postgis-3`; \
             other systems: see https://postgis.net/documentation/getting_started/), then run \
             `CREATE EXTENSION postgis;` in `{database}` as a superuser, or let eventmap do it at start"
        )
    }
}

/// Connects once, retrying unreachable servers with backoff for up to `wait`.
async fn connect_with_retry(opts: &PgConnectOptions, url: &str, wait: Duration) -> Result<PgConnection, StoreError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(250);
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let err = match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(opts)).await {
            Ok(Ok(c)) => return Ok(c),
            Ok(Err(e)) => e,
            Err(_) => sqlx::Error::PoolTimedOut,
        };
        if !is_unreachable(&err) {
            let hint = match &err {
                sqlx::Error::Database(d) if d.code().as_deref() == Some("3D000") => {
                    " (create the database first, for example with `createdb`)"
                }
                sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("28")) => {
                    " (check the user name and password in the URL)"
                }
                _ => "",
            };
            return Err(StoreError::Unavailable(format!("cannot connect to {url}: {err}{hint}")));
        }
        let spent = started.elapsed();
        if spent >= wait {
            return Err(StoreError::Unavailable(format!(
                "no answer from PostgreSQL at {}:{} after {attempts} attempts over {} s ({err}); it was retried with \
                 backoff: set EVENTMAP_DATABASE_WAIT (seconds) to wait longer",
                opts.get_host(),
                opts.get_port(),
                spent.as_secs()
            )));
        }
        let pause = delay.min(wait - spent);
        tracing::warn!(
            "cannot reach PostgreSQL at {url}: {err}; retrying in {:.1} s (waiting up to {} s in all)",
            pause.as_secs_f64(),
            wait.as_secs()
        );
        tokio::time::sleep(pause).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Makes sure PostGIS is there, or explains how to get it.
async fn check_postgis(c: &mut PgConnection, url: &str) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis'), \
                EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'), \
                current_setting('server_version_num')::int, current_database()",
    )
    .fetch_one(&mut *c)
    .await?;
    let (installed, available): (bool, bool) = (row.try_get(0)?, row.try_get(1)?);
    if installed {
        return Ok(());
    }
    let major = (row.try_get::<i32, _>(2)? / 10_000) as u32;
    let database: String = row.try_get(3)?;
    if !available {
        return Err(StoreError::Unavailable(postgis_advice(url, &database, major, false)));
    }
    // Available: try to enable it (needs a superuser, or a database owner on a server that
    // trusts the extension), so that the message can say which is missing.
    match sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis").execute(&mut *c).await {
        Ok(_) => Ok(()),
        // Another process created it at the same moment: its insert into `pg_extension` won,
        // and the second waited for it to commit before it failed (unique_violation).
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("23505") => Ok(()),
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42501") => {
            Err(StoreError::Unavailable(postgis_advice(url, &database, major, true)))
        }
        Err(e) => Err(StoreError::Unavailable(format!("cannot enable PostGIS in {url}: {e}"))),
    }
}

/// Writes the tile grid's edges if the database has none yet (the migration that made the table
/// cannot compute them to the bit) and counts the events already stored into
/// `event_tile_counts`, in one transaction; instances starting at once wait for each other.
async fn write_tile_grid(c: &mut PgConnection) -> Result<(), StoreError> {
    use crate::store::sql::{Dialect, tile_counts};
    // Most starts find the edges written: a read, no lock.
    if sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM tile_grid)").fetch_one(&mut *c).await? {
        return Ok(());
    }
    let mut tx = c.begin().await?;
    sqlx::query("LOCK TABLE tile_grid IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    let written: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tile_grid)").fetch_one(&mut *tx).await?;
    if written {
        return Ok(());
    }
    let edges = tile_counts::grid_edges();
    let axes: Vec<i16> = edges.iter().map(|e| e.0 as i16).collect();
    let values: Vec<f64> = edges.iter().map(|e| e.1).collect();
    let ks: Vec<i32> = edges.iter().map(|e| e.2 as i32).collect();
    sqlx::query("INSERT INTO tile_grid (axis, edge, k) SELECT * FROM unnest($1::smallint[], $2::float8[], $3::int[])")
        .bind(axes)
        .bind(values)
        .bind(ks)
        .execute(&mut *tx)
        .await?;
    sqlx::query(tile_counts::rebuild(Dialect::Postgres)).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

impl PgStore {
    /// Opens the database at `url` with settings from the environment.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, Settings::from_env()).await
    }

    /// Connects (retrying an unreachable server for up to `settings.wait`), makes sure PostGIS
    /// is available, runs the migrations and opens the pool.
    pub async fn open_with(url: &str, settings: Settings) -> Result<Self, StoreError> {
        Self::open_named(url, settings, "eventmap").await
    }

    /// Opens the database for `eventmap import`, a process that does nothing else meanwhile: a
    /// streamed import into an empty database may then defer its indexes (`bulk`) when no other
    /// session is connected. Its connections are named `eventmap import <pid>`, so that it can
    /// tell them from everyone else's.
    pub async fn open_for_import(url: &str) -> Result<Self, StoreError> {
        let name = format!("eventmap import {}", std::process::id());
        let mut store = Self::open_named(url, Settings::from_env(), &name).await?;
        store.exclusive_loads = Some(name);
        Ok(store)
    }

    async fn open_named(url: &str, settings: Settings, application: &str) -> Result<Self, StoreError> {
        let shown = crate::store::redact_url(url);
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("`{shown}` is not a PostgreSQL URL: {e}")))?
            .application_name(application);
        let mut c = connect_with_retry(&opts, &shown, settings.wait).await?;
        // A hot standby (read replica), or a database made read-only, serves reads only.
        let read_only: bool =
            sqlx::query_scalar("SELECT current_setting('transaction_read_only') = 'on'").fetch_one(&mut c).await?;
        if read_only {
            check_replica_schema(&mut c, &shown).await?;
            tracing::info!("{shown} is read-only (a replica?): this instance serves reads and refuses writes");
        } else {
            check_postgis(&mut c, &shown).await?;
            // Several instances starting at once take turns here (the migrator holds an advisory lock).
            migrator().run(&mut c).await.map_err(|e| StoreError::Internal(format!("migrating {shown}: {e}")))?;
            write_tile_grid(&mut c).await?;
        }
        let _ = c.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with(opts);
        Ok(Self { pool, read_only, import_road: ImportRoad::default(), exclusive_loads: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_postgis_is_explained_with_the_package_to_install() {
        let m = postgis_advice("postgres://ed:***@db/news", "news", 15, false);
        assert!(m.contains("apt-get install postgresql-15-postgis-3"), "{m}");
        assert!(m.contains("CREATE EXTENSION postgis"));
        let m = postgis_advice("postgres://ed:***@db/news", "news", 16, true);
        assert!(m.contains("as a superuser") && m.contains("CREATE EXTENSION postgis;"), "{m}");
    }
}
