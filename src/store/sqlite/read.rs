//! The hot read path of the SQLite backend (lists, counts, histograms) on plain `rusqlite`
//! connections used from blocking threads.
//!
//! sqlx runs each SQLite connection on a worker thread and hands every row to the async side
//! through a channel; for a page of a thousand rows that is a thousand wake-ups, and on two cores
//! the benchmark spent most of its time switching threads (876 requests/s). Here a query runs
//! start to finish on one blocking thread and hands rows over in batches.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use futures::StreamExt;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params_from_iter};

use crate::store::sql::{Bind, Sql};
use crate::store::{Row, RowStream, StoreError};

/// Rows handed from the reading thread to the response at a time.
const BATCH: usize = 256;

/// A small pool of read-only connections.
#[derive(Clone)]
pub struct Readers {
    inner: Arc<Pool>,
    path: PathBuf,
    size: usize,
}

/// The free connections, and the signal that one came back.
type Pool = (Mutex<Vec<Connection>>, Condvar);

/// Where a read stands, for the request that wants it: the interrupt handle of its connection
/// while it runs, and whether the request has gone.
#[derive(Default)]
struct Watch {
    running: Option<rusqlite::InterruptHandle>,
    gone: bool,
}

type Watched = Arc<Mutex<Watch>>;

/// Held by the request side of a read. Dropped before the read is done (its client left, or
/// the time limit ended the request), it interrupts the query, or keeps one that has not started
/// from starting: abandoned work must not hold one of the few readers ahead of live requests.
struct Interrupter(Watched);

impl Drop for Interrupter {
    fn drop(&mut self) {
        let mut w = self.0.lock().unwrap_or_else(|p| p.into_inner());
        w.gone = true;
        if let Some(h) = &w.running {
            h.interrupt();
        }
    }
}

/// Clears the interrupt handle when the read ends, before its connection goes back to the pool
/// (a late interrupt must never reach another request's query), even if the read panics.
struct Running<'a>(&'a Watched);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).running = None;
    }
}

/// The error of a read whose request went before it started or while it ran; nobody sees it.
fn abandoned() -> StoreError {
    StoreError::Unavailable("the request ended before its read did".into())
}

/// A handle on the pool that does not keep its connections open.
pub struct WeakReaders {
    inner: Weak<Pool>,
    path: PathBuf,
    size: usize,
}

impl WeakReaders {
    /// The pool, if it is still open.
    pub fn upgrade(&self) -> Option<Readers> {
        Some(Readers { inner: self.inner.upgrade()?, path: self.path.clone(), size: self.size })
    }
}

impl crate::store::stored::Columns for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
    fn real(&self, i: usize) -> Result<f64, StoreError> {
        Ok(self.get(i)?)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::CannotOpen) => {
                Self::Unavailable(e.to_string())
            }
            _ => Self::Internal(e.to_string()),
        }
    }
}

/// The values bound to a statement, in placeholder order.
pub(super) fn values(binds: &[Bind]) -> Vec<Value> {
    binds
        .iter()
        .map(|b| match b {
            Bind::Int(v) => Value::Integer(*v),
            Bind::Real(v) => Value::Real(*v),
            Bind::Text(s) => Value::Text(s.clone()),
            Bind::Null => Value::Null,
        })
        .collect()
}

impl Readers {
    /// Opens `n` read-only connections to the database file.
    pub fn open(path: PathBuf, n: usize) -> Result<Self, StoreError> {
        let conns = Self::connect(&path, n)?;
        Ok(Self { inner: Arc::new((Mutex::new(conns), Condvar::new())), path, size: n })
    }

    fn connect(path: &std::path::Path, n: usize) -> Result<Vec<Connection>, StoreError> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let c = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
            )?;
            c.busy_timeout(Duration::from_secs(10))?;
            // 4 MiB of pages and 32 statements each: the system's file cache holds the rest of
            // the file; a list's SQL varies with its filters, and 128 cached statements per
            // connection held memory that a mixed load never reused.
            c.execute_batch("PRAGMA cache_size = -4096; PRAGMA temp_store = memory;")?;
            c.set_prepared_statement_cache_capacity(32);
            conns.push(c);
        }
        Ok(conns)
    }

    /// Closes every connection, waiting for those in use; reads wait until [`Readers::resume`].
    /// Call from a blocking thread.
    pub fn suspend(&self) {
        let (lock, cv) = &*self.inner;
        let mut free = lock.lock().expect("reader pool lock");
        while free.len() < self.size {
            free = cv.wait(free).expect("reader pool lock");
        }
        // Taken out and dropped: no connection is left to hand out.
        free.clear();
    }

    /// A handle that does not keep the pool open.
    pub fn downgrade(&self) -> WeakReaders {
        WeakReaders { inner: Arc::downgrade(&self.inner), path: self.path.clone(), size: self.size }
    }

    /// Runs `f` while no connection of the pool reads: each is taken as it comes back (reads
    /// started meanwhile wait), and all are given back when `f` returns. The wait is at most
    /// the longest read in flight, since every read takes its rows whole and lets go. Call from
    /// a blocking thread.
    pub fn paused<T>(&self, f: impl FnOnce() -> T) -> T {
        let (lock, cv) = &*self.inner;
        /// Gives the connections back even if `f` panics.
        struct Held<'a>(&'a Pool, Vec<Connection>);
        impl Drop for Held<'_> {
            fn drop(&mut self) {
                let (lock, cv) = self.0;
                lock.lock().unwrap_or_else(|p| p.into_inner()).append(&mut self.1);
                cv.notify_all();
            }
        }
        let mut held = Held(&self.inner, Vec::with_capacity(self.size));
        let mut free = lock.lock().expect("reader pool lock");
        loop {
            held.1.append(&mut free);
            if held.1.len() >= self.size {
                break;
            }
            free = cv.wait(free).expect("reader pool lock");
        }
        drop(free);
        f()
    }

    /// Opens the connections again after [`Readers::suspend`].
    pub fn resume(&self) -> Result<(), StoreError> {
        let conns = Self::connect(&self.path, self.size)?;
        let (lock, cv) = &*self.inner;
        lock.lock().expect("reader pool lock").extend(conns);
        cv.notify_all();
        Ok(())
    }

    /// Runs `f` with a connection, waiting for one to be free. Call from a blocking thread.
    fn with<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        /// Gives the connection back even if `f` panics, so the pool never shrinks.
        struct Lease<'a>(&'a Readers, Option<Connection>);
        impl Drop for Lease<'_> {
            fn drop(&mut self) {
                let (lock, cv) = &*self.0.inner;
                if let Some(c) = self.1.take() {
                    lock.lock().unwrap_or_else(|p| p.into_inner()).push(c);
                    cv.notify_all();
                }
            }
        }
        let (lock, cv) = &*self.inner;
        let conn = {
            let mut free = lock.lock().expect("reader pool lock");
            loop {
                if let Some(c) = free.pop() {
                    break c;
                }
                free = cv.wait(free).expect("reader pool lock");
            }
        };
        let lease = Lease(self, Some(conn));
        f(lease.1.as_ref().expect("leased"))
    }

    /// Runs `f` with a connection, interruptible through `watch`. Call from a blocking thread.
    fn with_watched<T>(
        &self,
        watch: &Watched,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with(|conn| {
            {
                let mut w = watch.lock().unwrap_or_else(|p| p.into_inner());
                if w.gone {
                    return Err(abandoned());
                }
                w.running = Some(conn.get_interrupt_handle());
            }
            let _running = Running(watch);
            f(conn).map_err(|e| if watch.lock().is_ok_and(|w| w.gone) { abandoned() } else { e })
        })
    }

    /// Runs `f` with a connection on a blocking thread; interrupted if the caller stops waiting.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.clone();
        let watch = Watched::default();
        let _interrupter = Interrupter(watch.clone());
        tokio::task::spawn_blocking(move || readers.with_watched(&watch, f))
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?
    }

    /// Runs a query that returns rows `(feature, key, seq, geometry_explicit)`, streaming them.
    ///
    /// The rows are read whole (a list query returns one page, at most 10,001 rows) and the
    /// connection goes back to the pool before the first is handed over: a client that reads its
    /// response slowly, or never, must not hold one of the few readers while it waits.
    /// The rows are read by `read` on the connection (after whatever cheap counts choose its
    /// plan, and in as many queries as the plan takes: [`page_rows`] reads one).
    pub fn rows_with(
        &self,
        read: impl FnOnce(&Connection) -> Result<Vec<Row>, StoreError> + Send + 'static,
    ) -> RowStream {
        let readers = self.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<Row>, StoreError>>(4);
        tokio::spawn(async move {
            let watch = Watched::default();
            let interrupter = Interrupter(watch.clone());
            let read = tokio::task::spawn_blocking(move || readers.with_watched(&watch, read));
            // A response dropped before its rows are read (the client left, the time limit
            // ended the request) interrupts the query through `interrupter`.
            let read = tokio::select! {
                read = read => read.unwrap_or_else(|e| Err(StoreError::Internal(format!("database task failed: {e}")))),
                () = tx.closed() => return,
            };
            drop(interrupter);
            // The connection is back in the pool: a slow reader of the response now holds only
            // this task and the rows.
            match read {
                Ok(all) => {
                    let mut all = all.into_iter().peekable();
                    while all.peek().is_some() {
                        if tx.send(Ok(all.by_ref().take(BATCH).collect())).await.is_err() {
                            return;
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                }
            }
        });
        tokio_stream::wrappers::ReceiverStream::new(rx)
            .flat_map(|batch| match batch {
                Ok(rows) => futures::stream::iter(rows.into_iter().map(Ok).collect::<Vec<_>>()),
                Err(e) => futures::stream::iter(vec![Err(e)]),
            })
            .boxed()
    }

    /// Runs a query and maps each row of `(i64, i64)`.
    pub async fn pairs(&self, sql: Sql) -> Result<Vec<(i64, i64)>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let rows = stmt.query_map(params_from_iter(values(&sql.binds)), |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Runs a query that returns (integer, text, integer) rows.
    pub async fn triples(&self, sql: Sql) -> Result<Vec<(i64, String, i64)>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let rows =
                stmt.query_map(params_from_iter(values(&sql.binds)), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Runs a query and maps each of its rows with `map`.
    pub async fn map_rows<T: Send + 'static>(
        &self,
        sql: Sql,
        map: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let rows = stmt.query_map(params_from_iter(values(&sql.binds)), map)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Runs a query that returns one integer.
    pub async fn scalar(&self, sql: Sql) -> Result<i64, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            Ok(stmt.query_row(params_from_iter(values(&sql.binds)), |r| r.get(0))?)
        })
        .await
    }
}

/// The rows `(feature, key, seq, geometry_explicit, matched)` of a list query.
pub fn page_rows(conn: &Connection, sql: &Sql) -> Result<Vec<Row>, StoreError> {
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let mut rows = stmt.query(params_from_iter(values(&sql.binds)))?;
    let mut all = Vec::new();
    while let Some(r) = rows.next()? {
        all.push(Row {
            feature: r.get(0)?,
            key: r.get(1)?,
            seq: r.get(2)?,
            geometry_explicit: r.get::<_, i64>(3)? != 0,
            matched: r.get::<_, Option<i64>>(4)?.map(|n| n as u64),
        });
    }
    Ok(all)
}

/// The first row of a query, its columns as numbers (integers read as reals too).
pub fn numbers(conn: &Connection, sql: &Sql) -> Result<Vec<f64>, StoreError> {
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let n = stmt.column_count();
    Ok(stmt.query_row(params_from_iter(values(&sql.binds)), |r| {
        (0..n).map(|i| r.get::<_, Option<f64>>(i).map(|v| v.unwrap_or(0.0))).collect::<Result<Vec<_>, _>>()
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Counts to a billion: seconds of work for one connection.
    const ENDLESS: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) \
                           SELECT count(*) FROM c";

    fn sql(text: &str) -> Sql {
        Sql { text: text.into(), ..Sql::new(crate::store::sql::Dialect::Sqlite) }
    }

    #[tokio::test]
    async fn a_read_whose_caller_stops_waiting_is_interrupted_and_frees_its_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        let readers = Readers::open(path, 1).unwrap();

        // The only connection, given up on after 200 ms: the pool must have it back at once, not
        // when the count is done.
        let gave_up = tokio::time::timeout(Duration::from_millis(200), readers.scalar(sql(ENDLESS))).await;
        assert!(gave_up.is_err(), "the endless count finished");
        let started = Instant::now();
        let n = tokio::time::timeout(Duration::from_secs(5), readers.scalar(sql("SELECT 41 + 1"))).await;
        assert_eq!(n.expect("the connection came back").unwrap(), 42);
        assert!(started.elapsed() < Duration::from_secs(2), "waited {:?}", started.elapsed());

        // The same for a streamed list whose response is dropped.
        let endless = sql(&format!("SELECT '', 0, 0, 0, NULL FROM ({ENDLESS})"));
        let rows = readers.rows_with(move |c| page_rows(c, &endless));
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(rows);
        let n = tokio::time::timeout(Duration::from_secs(5), readers.scalar(sql("SELECT 7"))).await;
        assert_eq!(n.expect("the connection came back after the list was dropped").unwrap(), 7);
    }
}
