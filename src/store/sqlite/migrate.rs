//! Bringing a SQLite database's schema up to date, serialised between processes: the embedded
//! migrations (`migrations/sqlite/`, checksummed by sqlx's `migrate!`) run in one
//! `BEGIN IMMEDIATE` transaction, and what is applied is read again once the write lock is held.
//!
//! sqlx's own runner takes no lock on SQLite (its `lock()` does nothing there) and runs each
//! migration in a deferred transaction: two processes starting on a new file both saw version 0,
//! and the second one's upgrade to a write failed at once with "database is locked" (`serve`
//! failed in 3 of 4 trials when `eventmap token create` started with it). The bookkeeping table
//! stays sqlx's `_sqlx_migrations`, so databases migrated by earlier versions need nothing.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::store::StoreError;

const TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
)";

/// The migrations applied to the database: version → (checksum, success).
fn applied(c: &Connection) -> Result<HashMap<i64, (Vec<u8>, bool)>, StoreError> {
    let exists = c
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'", [], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Ok(HashMap::new());
    }
    let mut st = c.prepare("SELECT version, checksum, success FROM _sqlx_migrations")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What is left to apply, or why the database cannot be used by this version.
fn pending<'m>(
    migrations: &'m [sqlx::migrate::Migration],
    applied: &HashMap<i64, (Vec<u8>, bool)>,
) -> Result<Vec<&'m sqlx::migrate::Migration>, StoreError> {
    if let Some(v) = applied.iter().find(|(_, (_, ok))| !ok).map(|(v, _)| v) {
        return Err(StoreError::Internal(format!("migration {v} failed part-way earlier; restore a backup")));
    }
    if let Some(v) = applied.keys().find(|v| !migrations.iter().any(|m| m.version == **v)) {
        return Err(StoreError::Internal(format!(
            "the database has migration {v}, which this version of eventmap does not know: it was made by a newer one"
        )));
    }
    let mut todo = Vec::new();
    for m in migrations.iter().filter(|m| m.migration_type.is_up_migration()) {
        match applied.get(&m.version) {
            Some((sum, _)) if sum.as_slice() != &*m.checksum => {
                return Err(StoreError::Internal(format!(
                    "migration {} was applied with other contents than this version's",
                    m.version
                )));
            }
            Some(_) => {}
            None => todo.push(m),
        }
    }
    Ok(todo)
}

/// Writes the tile grid's edges if the database has none yet (the migration that made the table
/// cannot compute them to the bit) and counts the events already stored into `event_tile_counts`.
fn write_tile_grid(c: &Connection) -> Result<(), StoreError> {
    use crate::store::sql::{Dialect, tile_counts};
    if c.query_row("SELECT EXISTS (SELECT 1 FROM tile_grid)", [], |r| r.get::<_, bool>(0))? {
        return Ok(());
    }
    let mut st = c.prepare("INSERT INTO tile_grid (axis, edge, k) VALUES (?1, ?2, ?3)")?;
    for (axis, edge, k) in tile_counts::grid_edges() {
        st.execute(rusqlite::params![axis, edge, k])?;
    }
    c.execute_batch(tile_counts::rebuild(Dialect::Sqlite))?;
    Ok(())
}

/// Applies the embedded migrations that `c`'s database lacks. Waits for other processes as long
/// as `c`'s busy timeout: the write lock is taken first, then what is applied is read again, so
/// a process that migrated meanwhile leaves nothing to do.
pub fn run(c: &mut Connection) -> Result<(), StoreError> {
    let migrator = sqlx::migrate!("./migrations/sqlite");
    let migrations = &migrator.migrations;
    // Most starts find the schema current: a read, no write lock.
    if pending(migrations, &applied(c)?)?.is_empty() {
        return Ok(());
    }
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(TABLE)?;
    for m in pending(migrations, &applied(&tx)?)? {
        let started = std::time::Instant::now();
        tx.execute_batch(&m.sql)
            .map_err(|e| StoreError::Internal(format!("migration {} ({}): {e}", m.version, m.description)))?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, ?4)",
            rusqlite::params![m.version, &*m.description, &*m.checksum, started.elapsed().as_nanos() as i64],
        )?;
        tracing::debug!(version = m.version, description = %m.description, "database migrated");
    }
    write_tile_grid(&tx)?;
    tx.commit()?;
    Ok(())
}
