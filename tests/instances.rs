//! Several `eventmap serve` processes on one PostgreSQL database, and what they do when the
//! database is away: at start (a clear error after retrying), and while serving (503 problems,
//! then service again without a restart). The database is cut and restored through a TCP proxy
//! that the test controls.
//!
//! These need PostgreSQL (`TEST_DATABASE_URL`), except the test of an unreachable database.

mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use common::{Backend, TestDb};

use common::server::{BIN, Server, editor_token, free_port};

/// A response kept whole, for messages.
struct Got {
    status: u16,
    content_type: String,
    body: String,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    #[track_caller]
    fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        self.json()
    }

    fn is_unavailable_problem(&self) -> bool {
        self.status == 503
            && self.content_type == "application/problem+json"
            && self.json()["type"] == "/problems/unavailable"
    }
}

async fn send(rb: reqwest::RequestBuilder) -> Got {
    let r = rb.send().await.expect("request sent");
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    Got { status, content_type, body: r.text().await.unwrap_or_default() }
}

fn tartus(title: &str) -> Value {
    json!({"title": title, "start": "2025-02-10T08:00:00Z", "category": "military_movement",
           "places": [{"name": "Tartus", "lon": 35.8866, "lat": 34.889}]})
}

/// A fresh PostgreSQL database, or `None` when the test must be skipped.
async fn postgres_db() -> Option<TestDb> {
    let admin = common::postgres_url()?;
    Some(TestDb::on(&Backend::Postgres(admin)).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_instance_is_read_through_the_other_at_once() {
    let Some(db) = postgres_db().await else { return };
    let token = editor_token(&db.url);
    let (a, b) = (Server::start(&db.url).await, Server::start(&db.url).await);
    let http = reqwest::Client::new();
    let created = send(http.post(format!("{}/api/events", a.base)).bearer_auth(&token).json(&tartus("via A"))).await;
    let f = created.expect(201);
    let id = f["id"].as_str().expect("id");
    let read = send(http.get(format!("{}/api/events/{id}", b.base))).await;
    assert_eq!(read.expect(200), f, "B serves what A wrote, byte for byte");
    let listed = send(http.get(format!("{}/api/events", b.base))).await.expect(200);
    assert_eq!(listed["features"][0]["id"], id);
    let patched = send(
        http.patch(format!("{}/api/events/{id}", b.base))
            .bearer_auth(&token)
            .header("If-Match", "\"1\"")
            .header("Content-Type", "application/merge-patch+json")
            .body(r#"{"title": "via B"}"#),
    )
    .await;
    patched.expect(200);
    assert_eq!(send(http.get(format!("{}/api/events/{id}", a.base))).await.expect(200)["properties"]["title"], "via B");
    let deleted = send(http.delete(format!("{}/api/events/{id}?reason=test", a.base)).bearer_auth(&token)).await;
    deleted.expect(200);
    assert_eq!(send(http.get(format!("{}/api/events/{id}", b.base))).await.status, 410);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_through_two_instances_give_one_200_and_one_412_and_lose_nothing() {
    let Some(db) = postgres_db().await else { return };
    let token = editor_token(&db.url);
    let servers = [Server::start(&db.url).await, Server::start(&db.url).await];
    let http = reqwest::Client::new();
    let f = send(http.post(format!("{}/api/events", servers[0].base)).bearer_auth(&token).json(&tartus("x")))
        .await
        .expect(201);
    let id = f["id"].as_str().expect("id").to_string();
    let patch = |server: usize, if_match: Option<u32>, body: Value| {
        let mut rb = http
            .patch(format!("{}/api/events/{id}", servers[server].base))
            .bearer_auth(&token)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string());
        if let Some(rev) = if_match {
            rb = rb.header("If-Match", format!("\"{rev}\""));
        }
        send(rb)
    };
    // Rounds of two edits expecting the same revision, one through each instance.
    let mut revision = 1;
    let mut winners = Vec::new();
    for round in 0..8 {
        let (one, two) = tokio::join!(
            patch(0, Some(revision), json!({"description": format!("A{round}")})),
            patch(1, Some(revision), json!({"description": format!("B{round}")}))
        );
        let statuses = [one.status, two.status];
        assert!(
            statuses.contains(&200) && statuses.contains(&412),
            "round {round}: {statuses:?} {} {}",
            one.body,
            two.body
        );
        let won = if one.status == 200 { &one } else { &two };
        revision = won.json()["properties"]["revision"].as_u64().expect("revision") as u32;
        winners.push(won.json()["properties"]["description"].as_str().expect("description").to_string());
    }
    assert_eq!(revision, 9);
    // Without If-Match both apply, each on the state the other left: nothing is lost.
    let (one, two) =
        tokio::join!(patch(0, None, json!({"tags": ["from A"]})), patch(1, None, json!({"actors": ["from B"]})));
    one.expect(200);
    two.expect(200);
    let now = send(http.get(format!("{}/api/events/{id}", servers[1].base))).await.expect(200);
    assert_eq!(now["properties"]["tags"], json!(["from A"]));
    assert_eq!(now["properties"]["actors"], json!(["from B"]));
    assert_eq!(now["properties"]["revision"], 11);
    let history = send(http.get(format!("{}/api/events/{id}/history", servers[0].base))).await.expect(200);
    let revisions = history["revisions"].as_array().expect("a list of revisions").clone();
    assert_eq!(revisions.len(), 11, "one revision per successful edit: {history}");
    for (i, w) in winners.iter().enumerate() {
        assert_eq!(revisions[i + 1]["changes"]["description"]["after"], json!(w), "round {i} is in the history");
    }
}

/// A TCP proxy to the database that the test can cut and restore.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").await.expect("proxy port"), target)
    }

    fn on(listener: TcpListener, target: SocketAddr) -> Self {
        let addr = listener.local_addr().expect("address");
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up2, links2) = (up.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is closed at once
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().expect("links").push(link);
            }
        });
        Self { addr, up, links, accept }
    }

    /// Closes every open connection and refuses new ones.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// The database's address, and its URL with the address replaced.
fn via(url: &str, addr: SocketAddr) -> String {
    let mut u = url::Url::parse(url).expect("URL");
    u.set_host(Some(&addr.ip().to_string())).expect("host");
    u.set_port(Some(addr.port())).expect("port");
    u.to_string()
}

fn database_addr(url: &str) -> SocketAddr {
    let u = url::Url::parse(url).expect("URL");
    let host = u.host_str().expect("TEST_DATABASE_URL names a host");
    std::net::ToSocketAddrs::to_socket_addrs(&(host, u.port().unwrap_or(5432)))
        .expect("resolvable")
        .next()
        .expect("an address")
}

async fn poll<F: Future<Output = bool>>(within: Duration, mut check: impl FnMut() -> F) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_database_gives_503_problems_and_service_resumes_by_itself() {
    let Some(db) = postgres_db().await else { return };
    let token = editor_token(&db.url);
    let proxy = Proxy::start(database_addr(&db.url)).await;
    let server = Server::start(&via(&db.url, proxy.addr)).await;
    let http = reqwest::Client::new();
    let base = server.base.clone();
    let f = send(http.post(format!("{base}/api/events")).bearer_auth(&token).json(&tartus("before"))).await.expect(201);
    let id = f["id"].as_str().expect("id").to_string();

    proxy.cut();
    let down = poll(Duration::from_secs(20), || async {
        send(http.get(format!("{base}/readyz"))).await.is_unavailable_problem()
    })
    .await;
    assert!(down, "/readyz did not turn into a 503 problem:\n{}", server.log());
    for (what, got) in [
        ("list", send(http.get(format!("{base}/api/events"))).await),
        ("get", send(http.get(format!("{base}/api/events/{id}"))).await),
        ("create", send(http.post(format!("{base}/api/events")).bearer_auth(&token).json(&tartus("during"))).await),
    ] {
        assert!(got.is_unavailable_problem(), "{what} while the database is away: {} {}", got.status, got.body);
    }
    send(http.get(format!("{base}/healthz"))).await.expect(200);

    proxy.restore();
    let up =
        poll(Duration::from_secs(30), || async { send(http.get(format!("{base}/readyz"))).await.status == 200 }).await;
    assert!(up, "service did not resume:\n{}", server.log());
    send(http.get(format!("{base}/api/events/{id}"))).await.expect(200);
    send(http.post(format!("{base}/api/events")).bearer_auth(&token).json(&tartus("after"))).await.expect(201);
    assert_eq!(send(http.get(format!("{base}/api/events"))).await.expect(200)["numberMatched"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_comes_up_after_the_server_is_waited_for() {
    let Some(db) = postgres_db().await else { return };
    editor_token(&db.url); // creates the schema
    let port = free_port();
    let url = via(&db.url, SocketAddr::from(([127, 0, 0, 1], port)));
    let server = Server::launch(&url, &[("EVENTMAP_DATABASE_WAIT", "60")]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!server.ready_within(Duration::from_millis(100)).await);
    let _proxy =
        Proxy::on(TcpListener::bind(("127.0.0.1", port)).await.expect("the port again"), database_addr(&db.url));
    assert!(server.ready_within(Duration::from_secs(30)).await, "the server did not connect:\n{}", server.log());
    let log = server.log();
    assert!(log.contains("retrying in"), "each failed attempt is logged:\n{log}");
}

#[test]
fn an_unreachable_database_at_start_is_named_without_its_password_after_retrying() {
    let port = free_port();
    let url = format!("postgres://eventmap:s3cret@127.0.0.1:{port}/newsroom");
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(["migrate", "--database", &url])
        .env("EVENTMAP_DATABASE_WAIT", "3")
        .output()
        .expect("eventmap runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(started.elapsed() >= Duration::from_secs(2), "it retried for a while: {stderr}");
    assert!(stderr.contains(&format!("postgres://eventmap:***@127.0.0.1:{port}/newsroom")), "{stderr}");
    assert!(!stderr.contains("s3cret"), "the password is never printed: {stderr}");
    assert!(stderr.contains("retrying in") && stderr.contains("EVENTMAP_DATABASE_WAIT"), "{stderr}");
}

#[tokio::test]
async fn a_user_who_may_not_enable_postgis_is_told_how() {
    let Some(admin) = common::postgres_url() else { return };
    let suffix = uuid::Uuid::now_v7().simple().to_string();
    let (role, database) = (format!("eventmap_plain_{suffix}"), format!("eventmap_nopostgis_{suffix}"));
    // Test-made names and password, never user input.
    let password = uuid::Uuid::now_v7().simple().to_string();
    common::postgres_admin(&admin, &format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'")).await;
    common::postgres_admin(&admin, &format!("CREATE DATABASE {database} OWNER {role}")).await;
    let mut u = url::Url::parse(&admin).expect("URL");
    u.set_username(&role).expect("user");
    u.set_password(Some(&password)).expect("password");
    u.set_path(&format!("/{database}"));
    let result = eventmap::store::connect(u.as_str()).await;
    common::postgres_admin(&admin, &format!("DROP DATABASE {database} WITH (FORCE)")).await;
    common::postgres_admin(&admin, &format!("DROP ROLE {role}")).await;
    let message = match result {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a plain user cannot enable PostGIS, so opening must fail"),
    };
    assert!(message.contains("CREATE EXTENSION postgis"), "{message}");
    assert!(message.contains("superuser") && message.contains(&database), "{message}");
}

#[tokio::test]
async fn a_read_only_database_like_a_replica_serves_reads_and_refuses_writes_clearly() {
    let Some(db) = postgres_db().await else { return };
    let primary = db.store().await;
    let id = uuid::Uuid::now_v7();
    let data = eventmap::domain::EventInput::from_json(tartus("on the primary"))
        .expect("well formed")
        .validate(&eventmap::domain::Vocabulary::default())
        .expect("valid");
    primary.create(id, data.clone(), &eventmap::store::Actor::new("desk")).await.expect("create");
    let (token, _) =
        eventmap::auth::create(primary.as_ref(), "desk", eventmap::auth::Role::Editor).await.expect("token");
    drop(primary);
    let admin = common::postgres_url().expect("PostgreSQL");
    let name = db.pg_name().expect("a PostgreSQL database");
    common::postgres_admin(&admin, &format!("ALTER DATABASE {name} SET default_transaction_read_only = on")).await;

    let replica = db.store().await;
    assert!(matches!(replica.get(id).await.expect("read"), eventmap::store::Lookup::Live(_)));
    assert_eq!(replica.live_count().await.expect("count"), 1);
    let who = eventmap::auth::verify(replica.as_ref(), &token).await.expect("verify");
    assert!(who.is_ok(), "tokens work for reads on a replica");
    match replica.create(uuid::Uuid::now_v7(), data, &eventmap::store::Actor::new("desk")).await {
        Err(eventmap::store::StoreError::Unavailable(m)) => assert!(m.contains("replica"), "{m}"),
        other => panic!("a write on a read-only database must be refused as unavailable: {other:?}"),
    }
}
