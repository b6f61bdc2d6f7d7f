//! Serving the router on a TCP listener so that no client can hold the server: request headers
//! must arrive within a deadline, a response must be taken by its client without a pause longer
//! than another (a client that stops reading is dropped, and the response with all it held), the
//! number of open connections is capped below the process's file limit (raised at start where
//! allowed), and a stop waits for requests in flight only so long.
//!
//! axum's own `serve` sets no header deadline and no cap: a client sending one header line
//! every few seconds kept its connection for ever, and 1,100 such clients took every file
//! descriptor of a default 1,024 limit, locking everyone else out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
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
    /// How long a response's writes may make no progress (its client reads nothing) before the
    /// connection is closed.
    pub write_stall: Duration,
    /// How long a stop waits for requests in flight before it closes their connections.
    pub shutdown_grace: Duration,
}

/// File descriptors kept free of connections: for the database, the log and the files of an
/// import.
pub const RESERVED_FILES: u64 = 64;

impl Limits {
    /// The defaults: 10 s for headers, connections up to the file limit (raised to the hard
    /// limit where the system allows) less [`RESERVED_FILES`], 60 s for a stalled response,
    /// 10 s of grace at a stop.
    pub fn from_system() -> Self {
        let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
        Self {
            header_read: Duration::from_secs(10),
            max_connections: files.saturating_sub(RESERVED_FILES).clamp(16, 100_000) as usize,
            write_stall: Duration::from_secs(60),
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
        let (header_read, write_stall) = (limits.header_read, limits.write_stall);
        tokio::spawn(async move {
            // hyper's header deadline starts with the first byte: a client that sends nothing
            // at all is given the same time to begin.
            let mut first = [0u8; 1];
            if !matches!(tokio::time::timeout(header_read, tcp.peek(&mut first)).await, Ok(Ok(1..))) {
                drop(permit);
                return;
            }
            let io = TokioIo::new(WriteDeadline { io: tcp, stall: write_stall, stalled: None });
            let conn = builder.serve_connection_with_upgrades(io, TowerToHyperService::new(service));
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
pub fn limits(header_read: Option<Duration>, max_connections: Option<usize>, write_stall: Option<Duration>) -> Limits {
    let d = Limits::from_system();
    Limits {
        header_read: header_read.unwrap_or(d.header_read),
        max_connections: max_connections.unwrap_or(d.max_connections).min(d.max_connections),
        write_stall: write_stall.unwrap_or(d.write_stall),
        ..d
    }
}

/// A connection whose writes fail once they have made no progress for `stall`: hyper then
/// closes it and drops the response, with the rows, the task and the permits it held. Without
/// it a client that stops reading keeps all of that for as long as the kernel keeps the socket.
struct WriteDeadline<T> {
    io: T,
    stall: Duration,
    /// Started when a write first found the socket full; reset by any progress.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteDeadline<T> {
    /// After the socket answered `Pending`: `Pending` until the stall has lasted its limit,
    /// then the error that ends the connection. The timer wakes the connection's task.
    fn pending<R>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<R>> {
        let stall = self.stall;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the client read nothing for {} s", stall.as_secs()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progress<R>(&mut self, p: Poll<std::io::Result<R>>, cx: &mut Context<'_>) -> Poll<std::io::Result<R>> {
        match p {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteDeadline<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let p = Pin::new(&mut self.io).poll_write(cx, buf);
        self.progress(p, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let p = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.progress(p, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let p = Pin::new(&mut self.io).poll_flush(cx);
        self.progress(p, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let p = Pin::new(&mut self.io).poll_shutdown(cx);
        self.progress(p, cx)
    }
}
