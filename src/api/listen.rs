//! Serving the router on a TCP listener so that no client can hold the server: request headers
//! must arrive within a deadline, the number of open connections is capped below the process's
//! file limit (raised at start where allowed), and a stop waits for requests in flight only so
//! long.
//!
//! axum's own `serve` sets no header deadline and no cap: a client sending one header line
//! every few seconds kept its connection for ever, and 1,100 such clients took every file
//! descriptor of a default 1,024 limit, locking everyone else out.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// What a connection may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has to send a request's headers, from the connection's start or from
    /// the end of its previous response.
    pub header_read: Duration,
    /// Open connections at most; more are closed as they arrive.
    pub max_connections: usize,
    /// How long a stop waits for requests in flight before it closes their connections.
    pub shutdown_grace: Duration,
}

/// File descriptors kept free of connections: for the database, the log and the files of an
/// import.
pub const RESERVED_FILES: u64 = 64;

impl Limits {
    /// The defaults: 10 s for headers, connections up to the file limit (raised to the hard
    /// limit where the system allows) less [`RESERVED_FILES`], 10 s of grace at a stop.
    pub fn from_system() -> Self {
        let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
        Self {
            header_read: Duration::from_secs(10),
            max_connections: files.saturating_sub(RESERVED_FILES).clamp(16, 100_000) as usize,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// for at most `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    // HTTP/1.1 only: telling HTTP/2 from HTTP/1 means waiting for a client's first bytes with no
    // deadline, and HTTP/2 is for the proxy in front (browsers speak it only over TLS).
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    // hyper answers a head over its buffer or its header count with a bare 431: both are set
    // above the limits `guard::head` answers as problems.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(super::guard::HYPER_MAX_BUF)
        .max_headers(super::guard::HYPER_MAX_HEADERS);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to be freed.
                    tracing::warn!(cause = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = limits.max_connections, "too many open connections: this one is closed");
            drop(tcp);
            continue;
        };
        // Responses are streamed in several writes: without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs add 40 ms to many of them.
        let _ = tcp.set_nodelay(true);
        let service = app.clone().map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let header_read = limits.header_read;
        tokio::spawn(async move {
            // hyper's header deadline starts with the first byte: a client that sends nothing
            // at all is given the same time to begin.
            let mut first = [0u8; 1];
            if !matches!(tokio::time::timeout(header_read, tcp.peek(&mut first)).await, Ok(Ok(1..))) {
                drop(permit);
                return;
            }
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(conn.into_owned()).await {
                tracing::debug!(%peer, cause = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            seconds = limits.shutdown_grace.as_secs(),
            "requests still in flight after the grace period: their connections are closed"
        );
    }
    Ok(())
}

/// The limits of `eventmap serve` from its options: [`Limits::from_system`] with what they set.
pub fn limits(header_read: Option<Duration>, max_connections: Option<usize>) -> Limits {
    let d = Limits::from_system();
    Limits {
        header_read: header_read.unwrap_or(d.header_read),
        max_connections: max_connections.unwrap_or(d.max_connections).min(d.max_connections),
        ..d
    }
}
