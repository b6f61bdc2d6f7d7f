//! No client can hold the real server: headers must come in time, connections are capped, a
//! body declared too large is refused before it is sent, and a stop does not wait for ever on
//! downloads nobody reads.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use eventmap::domain::{EventInput, Vocabulary};
use eventmap::store::{Actor, ImportItem};
use serde_json::json;

mod common;

use common::TestDb;
use common::server::Server;

fn connect(server: &Server) -> TcpStream {
    let s = TcpStream::connect(server.base.strip_prefix("http://").unwrap()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

/// Whether the server closed `s` (a read gives end of file or a reset) within `within`.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// One whole request on a new connection: the status line, or `None` if the server closed it.
fn status_of(server: &Server, request: &str) -> Option<String> {
    let mut s = connect(server);
    s.write_all(request.as_bytes()).ok()?;
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    while !out.windows(2).any(|w| w == b"\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&out).to_string();
    text.lines().next().filter(|l| l.starts_with("HTTP/")).map(str::to_string)
}

#[tokio::test]
async fn headers_sent_slowly_or_not_at_all_are_cut_off_at_the_deadline() {
    let db = TestDb::on(&common::Backend::Sqlite).await;
    let server = Server::launch(&db.url, &[("EVENTMAP_HEADER_TIMEOUT", "2")]);
    assert!(server.ready_within(Duration::from_secs(60)).await, "{}", server.log());
    let mut silent = connect(&server);
    let mut slow = connect(&server);
    let started = Instant::now();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").unwrap();
    let mut cut = false;
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(500));
        if slow.write_all(b"X-Slow: 1\r\n").is_err() {
            cut = true;
            break;
        }
    }
    assert!(
        cut || closed_within(&mut slow, Duration::from_millis(100)),
        "a header line every 0.5 s kept the connection"
    );
    assert!(started.elapsed() < Duration::from_secs(8), "cut after {:?}", started.elapsed());
    assert!(closed_within(&mut silent, Duration::from_secs(5)), "a connection that sends nothing is closed too");
    // A prompt client is served as always; its idle connection is closed after the deadline too.
    assert_eq!(
        status_of(&server, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    let mut kept = connect(&server);
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut buf = [0u8; 4096];
    assert!(kept.read(&mut buf).unwrap() > 0);
    let idle = Instant::now();
    assert!(closed_within(&mut kept, Duration::from_secs(6)), "an idle kept-alive connection stays open");
    assert!(idle.elapsed() >= Duration::from_millis(1500), "closed too soon: {:?}", idle.elapsed());
}

#[tokio::test]
async fn connections_over_the_cap_are_closed_and_the_server_serves_again_when_they_go() {
    let db = TestDb::on(&common::Backend::Sqlite).await;
    let env = [("EVENTMAP_MAX_CONNECTIONS", "8"), ("EVENTMAP_HEADER_TIMEOUT", "60")];
    let server = Server::launch(&db.url, &env);
    assert!(server.ready_within(Duration::from_secs(60)).await, "{}", server.log());
    // ready_within's own connections are gone once it answered; give the server a moment.
    std::thread::sleep(Duration::from_millis(300));
    let held: Vec<TcpStream> = (0..8).map(|_| connect(&server)).collect();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        status_of(&server, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        None,
        "a ninth connection is closed"
    );
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        status_of(&server, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    assert!(server.log().contains("too many open connections"), "{}", server.log());
}

#[tokio::test]
async fn a_body_declared_over_the_limit_is_a_413_before_it_is_sent() {
    let db = TestDb::on(&common::Backend::Sqlite).await;
    let server = Server::start(&db.url).await;
    let status = status_of(
        &server,
        "POST /api/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n",
    );
    assert_eq!(status.as_deref(), Some("HTTP/1.1 413 Payload Too Large"));
    let status =
        status_of(&server, "POST /api/import HTTP/1.1\r\nHost: localhost\r\nContent-Length: 999999999999\r\n\r\n");
    assert_eq!(status.as_deref(), Some("HTTP/1.1 413 Payload Too Large"));
}

#[tokio::test]
async fn a_stop_ends_the_server_within_its_grace_even_with_downloads_nobody_reads() {
    let db = TestDb::on(&common::Backend::Sqlite).await;
    {
        let vocab = Vocabulary::default();
        let text = "A convoy was held at the checkpoint for eight hours and turned back. ".repeat(70);
        let items: Vec<ImportItem> = (0..5_000)
            .map(|i| {
                let input = EventInput::from_json(json!({"title": format!("Report {i}"), "start": "2025-02-10",
                    "description": text, "places": [{"name": "Tartus", "lon": 35.88, "lat": 34.88, "country": "SY"}]}))
                .unwrap();
                ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(&vocab).unwrap() }
            })
            .collect();
        db.store().await.import(items, &Actor::new("test")).await.unwrap();
    }
    let mut server = Server::start(&db.url).await;
    let mut unread = Vec::new();
    for _ in 0..3 {
        let mut s = connect(&server);
        s.write_all(b"GET /api/events?limit=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        unread.push(s);
    }
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exited = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exited.is_some(), "still running 30 s after SIGTERM:\n{}", server.log());
    assert!(started.elapsed() < Duration::from_secs(20), "stopped after {:?}", started.elapsed());
    drop(unread);
}

#[tokio::test]
async fn a_client_that_stops_reading_its_download_is_dropped_after_the_write_deadline() {
    let db = TestDb::on(&common::Backend::Sqlite).await;
    {
        let vocab = Vocabulary::default();
        let text = "A convoy was held at the checkpoint for eight hours and turned back. ".repeat(70);
        let items: Vec<ImportItem> = (0..5_000)
            .map(|i| {
                let input = EventInput::from_json(json!({"title": format!("Report {i}"), "start": "2025-02-10",
                    "description": text, "places": [{"name": "Tartus", "lon": 35.88, "lat": 34.88, "country": "SY"}]}))
                .unwrap();
                ImportItem { id: uuid::Uuid::now_v7(), data: input.validate(&vocab).unwrap() }
            })
            .collect();
        db.store().await.import(items, &Actor::new("test")).await.unwrap();
    }
    let server = Server::launch(&db.url, &[("EVENTMAP_WRITE_TIMEOUT", "2")]);
    assert!(server.ready_within(Duration::from_secs(60)).await, "{}", server.log());
    // About 25 MB, far more than the sockets on the way hold.
    let mut unread = connect(&server);
    unread.write_all(b"GET /api/events?limit=5000 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_secs(8));
    // What the sockets held arrives, then the end: the server gave up on this client.
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    unread.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let closed = loop {
        match unread.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => got += n,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => break false,
            Err(_) => break true,
        }
    };
    assert!(closed, "the connection stayed open ({got} bytes read)");
    assert!(got < 20_000_000, "the whole response came ({got} bytes): the client was not dropped");
    assert_eq!(status_of(&server, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").as_deref(), Some("HTTP/1.1 200 OK"));
}
