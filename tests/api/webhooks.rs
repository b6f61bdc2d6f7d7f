//! Webhooks end to end, on both backends, against receivers the tests start on 127.0.0.1 (allowed
//! with the outbound policy's allow list, as `--allow-host 127.0.0.1` does): a matching change is
//! delivered once with a signature that verifies, a non-matching one is not; a failing receiver
//! gets a retry; a worker that stops mid-retries is replaced by another that delivers; two
//! workers on one PostgreSQL send each delivery once; private targets are refused unless allowed.
//!
//! The tests drive the worker round by round (`Worker::tick`) rather than on a timer, so that
//! what each round did is known.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use eventmap::api::ApiConfig;
use eventmap::domain::Vocabulary;
use eventmap::domain::follow::Backoff;
use eventmap::follow::{Worker, WorkerConfig};
use eventmap::outbound::{Client, Limits, Policy};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, gazetteer, tartus_event};

const SECRET: &str = "a shared secret of some length";

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Got {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A webhook receiver on 127.0.0.1 that answers with the statuses it is given, then 200.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start(answers: &[u16]) -> (Self, String) {
        let r = Receiver::default();
        r.answers.lock().unwrap().extend(answers);
        async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: bytes::Bytes) -> StatusCode {
            r.got.lock().unwrap().push(Got { headers, body: body.to_vec() });
            let code = r.answers.lock().unwrap().pop_front().unwrap_or(200);
            StatusCode::from_u16(code).unwrap()
        }
        let app = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}/hook"))
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

fn config() -> ApiConfig {
    ApiConfig { outbound_hosts: vec!["127.0.0.1".into()], ..Default::default() }
}

/// A worker on `store` that retries after `wait` (six attempts).
fn worker(store: eventmap::store::DynStore, wait: Duration) -> Worker {
    worker_with(store, wait, Arc::new(gazetteer().fresh()))
}

/// The same, with its own gazetteer (which may lack a place the API knows).
fn worker_with(store: eventmap::store::DynStore, wait: Duration, g: Arc<eventmap::gazetteer::Gazetteer>) -> Worker {
    let client = Client::new(Policy::new(["127.0.0.1"]), Limits::default()).unwrap();
    let config = WorkerConfig { backoff: Backoff(vec![wait; 5]), ..Default::default() };
    Worker::new(store, g, Arc::new(Vocabulary::default()), client, config)
}

async fn hook(app: &TestApp, url: &str, filters: Value) -> String {
    let g = app
        .send(
            Method::POST,
            "/api/webhooks",
            Some(&app.editor),
            Some(json!({"url": url, "filters": filters, "secret": SECRET})),
        )
        .await;
    g.expect(201);
    assert!(g.json().get("secret").is_none(), "the secret is never served back: {g}");
    g.json()["id"].as_str().unwrap().to_string()
}

fn with_category(title: &str, category: &str) -> Value {
    let mut e = tartus_event(title);
    e["category"] = json!(category);
    e
}

/// The HMAC-SHA256 of `body`, written as the header is.
fn expected_signature(body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    m.update(body);
    format!("sha256={}", m.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

async fn deliveries(app: &TestApp, id: &str) -> Vec<Value> {
    let g = app.send(Method::GET, &format!("/api/webhooks/{id}/deliveries"), Some(&app.editor), None).await;
    g.expect(200);
    g.json()["deliveries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_matching_change_is_delivered_once_signed_and_a_non_matching_one_is_not() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (rx, url) = Receiver::start(&[]).await;
        let id = hook(&app, &url, json!({"category": "protest"})).await;
        let w = worker(app.store.clone(), Duration::from_secs(1));
        let protest = app.create(with_category("Protest at the port", "protest")).await;
        app.create(with_category("Troops on the move", "military movement")).await;
        w.tick().await;
        w.tick().await;
        let got = rx.got();
        assert_eq!(got.len(), 1, "{got:?}");
        let g = &got[0];
        assert_eq!(g.headers["x-eventmap-signature"].to_str().unwrap(), expected_signature(&g.body));
        assert_eq!(g.headers["content-type"], "application/json");
        assert!(g.headers["user-agent"].to_str().unwrap().starts_with("eventmap/"));
        let body: Value = serde_json::from_slice(&g.body).unwrap();
        assert_eq!(body["type"], "created", "{body}");
        assert_eq!(body["event"]["id"], protest["id"], "{body}");
        assert_eq!(body["event"]["properties"]["title"], "Protest at the port", "{body}");
        assert_eq!(body["webhook_id"], id.as_str(), "{body}");
        assert_eq!(g.headers["x-eventmap-delivery"].to_str().unwrap(), body["id"].as_str().unwrap());
        assert!(body["occurred_at"].is_string(), "{body}");

        let log = deliveries(&app, &id).await;
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0]["state"], "delivered", "{log:?}");
        assert_eq!(log[0]["attempts"][0]["status"], 200, "{log:?}");
        assert_eq!(log[0]["next_attempt_at"], Value::Null, "{log:?}");

        // An update and a deletion of the delivered event follow it; a deletion of another does not.
        let pid = protest["id"].as_str().unwrap();
        let other = app.create(with_category("Another movement", "military movement")).await;
        for (eid, reason) in [(pid, "duplicate"), (other["id"].as_str().unwrap(), "wrong")] {
            app.send(Method::DELETE, &format!("/api/events/{eid}?reason={reason}"), Some(&app.editor), None)
                .await
                .expect(200);
        }
        w.tick().await;
        let got = rx.got();
        assert_eq!(got.len(), 2, "{got:?}");
        let del: Value = serde_json::from_slice(&got[1].body).unwrap();
        assert_eq!(del["type"], "deleted", "{del}");
        assert_eq!(del["tombstone"]["id"], pid, "{del}");
        assert_eq!(del["tombstone"]["reason"], "duplicate", "{del}");
        assert_eq!(got[1].headers["x-eventmap-signature"].to_str().unwrap(), expected_signature(&got[1].body));
    }
}

#[tokio::test]
async fn a_webhook_whose_place_is_no_longer_known_shows_it_is_failing_and_delivers_once_it_is_back() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let place = app
            .send(
                Method::POST,
                "/api/places",
                Some(&app.editor),
                Some(json!({"name": "Hmeimim Air Base", "kind": "site", "lon": 35.9486, "lat": 35.4011})),
            )
            .await;
        place.expect(201);
        let place_id = place.json()["id"].as_str().unwrap().to_string();
        let (rx, url) = Receiver::start(&[]).await;
        let id = hook(&app, &url, json!({"place": place_id})).await;
        let fresh = app.send(Method::GET, &format!("/api/webhooks/{id}"), Some(&app.editor), None).await;
        fresh.expect(200);
        assert_eq!(fresh.json()["state"], "active", "{fresh}");
        assert_eq!(fresh.json()["last_error"], Value::Null, "{fresh}");

        // A worker whose gazetteer lacks the place (as after the place was removed).
        let without = worker(app.store.clone(), Duration::from_secs(1));
        app.create(json!({"title": "Aircraft land at Hmeimim", "start": "2025-02-10",
                          "places": [{"name": "Hmeimim Air Base", "lon": 35.9486, "lat": 35.4011}]}))
            .await;
        without.tick().await;
        without.tick().await;
        assert!(rx.got().is_empty(), "nothing is sent while the filters fail: {:?}", rx.got());
        let g = app.send(Method::GET, &format!("/api/webhooks/{id}"), Some(&app.editor), None).await;
        g.expect(200);
        let w = g.json();
        assert_eq!(w["state"], "failing", "{g}");
        let why = w["last_error"].as_str().unwrap_or_default();
        assert!(why.contains("place") && why.contains(&place_id), "the error names the filter and place: {g}");
        assert!(w["failing_since"].is_string(), "{g}");
        let listed = app.send(Method::GET, "/api/webhooks", Some(&app.editor), None).await;
        assert_eq!(listed.json()["webhooks"][0]["state"], "failing", "{listed}");

        // Once the place is known again the held change is delivered and the state clears.
        let g2 = Arc::new(gazetteer().fresh());
        g2.set_custom(app.store.custom_places().await.unwrap());
        let with = worker_with(app.store.clone(), Duration::from_secs(1), g2);
        with.tick().await;
        let got = rx.got();
        assert_eq!(got.len(), 1, "the change that waited is sent: {got:?}");
        let body: Value = serde_json::from_slice(&got[0].body).unwrap();
        assert_eq!(body["event"]["properties"]["title"], "Aircraft land at Hmeimim", "{body}");
        let g = app.send(Method::GET, &format!("/api/webhooks/{id}"), Some(&app.editor), None).await;
        assert_eq!(g.json()["state"], "active", "{g}");
        assert_eq!(g.json()["last_error"], Value::Null, "{g}");
        assert_eq!(g.json()["failing_since"], Value::Null, "{g}");
    }
}

#[tokio::test]
async fn a_receiver_that_fails_first_gets_a_retry_and_the_log_shows_both_attempts() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (rx, url) = Receiver::start(&[503]).await;
        let id = hook(&app, &url, json!({})).await;
        let w = worker(app.store.clone(), Duration::from_millis(300));
        app.create(tartus_event("Convoy leaves Hmeimim")).await;
        w.tick().await;
        assert_eq!(rx.got().len(), 1);
        let log = deliveries(&app, &id).await;
        assert_eq!(log[0]["state"], "pending", "{log:?}");
        assert_eq!(log[0]["attempts"][0]["status"], 503, "{log:?}");
        assert!(log[0]["next_attempt_at"].is_string(), "{log:?}");
        w.tick().await;
        assert_eq!(rx.got().len(), 1, "not before the wait");
        tokio::time::sleep(Duration::from_millis(400)).await;
        w.tick().await;
        let got = rx.got();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].body, got[1].body, "every attempt sends the same bytes");
        assert_eq!(got[0].headers["x-eventmap-delivery"], got[1].headers["x-eventmap-delivery"]);
        let log = deliveries(&app, &id).await;
        assert_eq!(log[0]["state"], "delivered", "{log:?}");
        let statuses: Vec<&Value> = log[0]["attempts"].as_array().unwrap().iter().map(|a| &a["status"]).collect();
        assert_eq!(statuses, vec![&json!(503), &json!(200)], "{log:?}");
        eprintln!("{}", serde_json::to_string_pretty(&log).unwrap());
    }
}

#[tokio::test]
async fn a_delivery_whose_attempts_run_out_fails_and_is_not_sent_again() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (rx, url) = Receiver::start(&[500, 500, 500]).await;
        let id = hook(&app, &url, json!({})).await;
        let client = Client::new(Policy::new(["127.0.0.1"]), Limits::default()).unwrap();
        let config = WorkerConfig { backoff: Backoff(vec![Duration::ZERO; 2]), ..Default::default() };
        let w = Worker::new(
            app.store.clone(),
            Arc::new(gazetteer().fresh()),
            Arc::new(Vocabulary::default()),
            client,
            config,
        );
        app.create(tartus_event("Convoy leaves Hmeimim")).await;
        w.tick().await;
        w.tick().await;
        assert_eq!(rx.got().len(), 3, "three attempts with two waits");
        let log = deliveries(&app, &id).await;
        assert_eq!(log[0]["state"], "failed", "{log:?}");
        assert_eq!(log[0]["attempt_count"], 3, "{log:?}");
    }
}

#[tokio::test]
async fn a_restart_in_the_middle_of_retries_still_delivers() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (rx, url) = Receiver::start(&[500]).await;
        let id = hook(&app, &url, json!({"category": "military movement"})).await;
        app.create(tartus_event("Convoy leaves Hmeimim")).await;
        {
            // The first process: its own connections to the database, one failed attempt, then gone.
            let first = worker(app._db.store().await, Duration::from_millis(200));
            first.tick().await;
            assert_eq!(rx.got().len(), 1);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let second = worker(app._db.store().await, Duration::from_millis(200));
        second.tick().await;
        let got = rx.got();
        assert_eq!(got.len(), 2, "{got:?}");
        let log = deliveries(&app, &id).await;
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0]["state"], "delivered", "{log:?}");
    }
}

#[tokio::test]
async fn two_instances_on_one_postgresql_send_each_delivery_once() {
    let Some(backend) = backends().into_iter().find(|b| b.name() == "postgres") else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let app = TestApp::on_with(&backend, config()).await;
    let (rx, url) = Receiver::start(&[]).await;
    hook(&app, &url, json!({})).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(app.create(tartus_event(&format!("Event {i}"))).await["id"].as_str().unwrap().to_string());
    }
    let (a, b) =
        (worker(app._db.store().await, Duration::from_secs(1)), worker(app._db.store().await, Duration::from_secs(1)));
    for _ in 0..3 {
        tokio::join!(a.tick(), b.tick());
    }
    let mut sent: Vec<String> = rx
        .got()
        .iter()
        .map(|g| serde_json::from_slice::<Value>(&g.body).unwrap()["event_id"].as_str().unwrap().to_string())
        .collect();
    sent.sort();
    ids.sort();
    assert_eq!(sent, ids, "each event delivered exactly once");
}

#[tokio::test]
async fn private_and_non_http_targets_are_refused_unless_the_host_is_allowed() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for url in [
            "http://127.0.0.1:9/hook",
            "http://localhost:9/hook",
            "http://10.0.0.8/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "ftp://example.org/hook",
            "not a url",
        ] {
            let g = app
                .send(
                    Method::POST,
                    "/api/webhooks",
                    Some(&app.editor),
                    Some(json!({"url": url, "filters": {}, "secret": SECRET})),
                )
                .await;
            g.problem(422, "validation");
            assert_eq!(g.fields(), vec!["url".to_string()], "{url}: {g}");
        }
        assert!(app.store.webhooks().await.unwrap().is_empty());
        // A worker whose policy does not allow the host refuses to send, at connect time too.
        let allowed = TestApp::on_with(&backend, config()).await;
        let (rx, url) = Receiver::start(&[]).await;
        let id = hook(&allowed, &url, json!({})).await;
        let client = Client::new(Policy::default(), Limits::default()).unwrap();
        let strict = Worker::new(
            allowed.store.clone(),
            Arc::new(gazetteer().fresh()),
            Arc::new(Vocabulary::default()),
            client,
            WorkerConfig::default(),
        );
        allowed.create(tartus_event("Convoy")).await;
        strict.tick().await;
        assert!(rx.got().is_empty());
        let log = deliveries(&allowed, &id).await;
        assert!(log[0]["attempts"][0]["error"].as_str().unwrap().contains("--allow-host"), "{log:?}");
    }
}

#[tokio::test]
async fn webhooks_need_an_editor_a_secret_and_one_subject_and_never_show_the_secret() {
    for backend in backends() {
        let app = TestApp::on_with(&backend, config()).await;
        let (_rx, url) = Receiver::start(&[]).await;
        let ok = json!({"url": url, "filters": {}, "secret": SECRET});
        app.send(Method::POST, "/api/webhooks", None, Some(ok.clone())).await.problem(401, "unauthorized");
        app.send(Method::POST, "/api/webhooks", Some(&app.viewer), Some(ok.clone())).await.problem(403, "forbidden");
        app.send(Method::GET, "/api/webhooks", Some(&app.viewer), None).await.problem(403, "forbidden");
        for (body, field) in [
            (json!({"url": url, "filters": {}, "secret": "short"}), "secret"),
            (json!({"url": url, "secret": SECRET}), "search_id"),
            (json!({"url": url, "filters": {}, "secret": SECRET, "events": ["renamed"]}), "events[0]"),
            (json!({"url": url, "search_id": "0195a8e0-0000-7000-8000-000000000000", "secret": SECRET}), "search_id"),
            (json!({"url": url, "filters": {"category": "picnic"}, "secret": SECRET}), "filters.category"),
        ] {
            let g = app.send(Method::POST, "/api/webhooks", Some(&app.editor), Some(body.clone())).await;
            g.problem(422, "validation");
            assert_eq!(g.fields(), vec![field.to_string()], "{body}: {g}");
        }
        let s = app
            .send(Method::POST, "/api/searches", Some(&app.editor), Some(json!({"name": "all", "filters": {}})))
            .await
            .json();
        let g = app
            .send(
                Method::POST,
                "/api/webhooks",
                Some(&app.editor),
                Some(json!({"url": url, "search_id": s["id"], "secret": SECRET, "events": ["created"]})),
            )
            .await;
        g.expect(201);
        let w = g.json();
        assert_eq!(w["search_id"], s["id"], "{g}");
        assert_eq!(w["events"], json!(["created"]), "{g}");
        let listed = app.send(Method::GET, "/api/webhooks", Some(&app.editor), None).await;
        assert!(!listed.text.contains(SECRET), "{listed}");
        // A followed search cannot be deleted while the webhook lives.
        let sid = s["id"].as_str().unwrap();
        app.send(Method::DELETE, &format!("/api/searches/{sid}"), Some(&app.editor), None)
            .await
            .problem(409, "conflict");
        let wid = w["id"].as_str().unwrap();
        app.send(Method::DELETE, &format!("/api/webhooks/{wid}"), Some(&app.editor), None).await.expect(204);
        app.send(Method::GET, &format!("/api/webhooks/{wid}"), Some(&app.editor), None).await.problem(404, "not-found");
        app.send(Method::DELETE, &format!("/api/searches/{sid}"), Some(&app.editor), None).await.expect(204);
    }
}
