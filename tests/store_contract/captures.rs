//! Captures behind `CaptureStore`: a capture is queued for a stored source (never for an unknown
//! one, and "uncaptured" ones once), leased to one worker until its lease runs out, and finished
//! only by the worker that holds the lease: captured with its bytes and redirect hops, failed
//! or refused with a reason, or queued again for later (backoff). The same bytes captured twice
//! are kept once; a source's captures are listed oldest first, an event's all at once.

use std::collections::HashSet;

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use eventmap::domain::capture::{CaptureState, Fetched, Hop, sha256_hex};
use eventmap::store::DynStore;
use eventmap::store::captures::{CaptureJob, Finish};
use serde_json::json;
use uuid::Uuid;

use crate::common::{Backend, TestDb, backends};
use crate::support::{data, editor};

const PAGE: &[u8] = b"<!doctype html><p>A convoy left Latakia.</p>";
const MOVED: &[u8] = b"<a href=\"/page\">moved</a>";

fn answer(status: u16, body: &'static [u8], at: DateTime<Utc>, hops: Vec<(Hop, Bytes)>) -> Fetched {
    Fetched {
        final_url: "https://news.example/page".into(),
        status,
        headers: vec![("content-type".into(), "text/html".into()), ("x-served-by".into(), "cache-1".into())],
        body: Bytes::from_static(body),
        at,
        hops,
    }
}

fn redirect(at: DateTime<Utc>) -> (Hop, Bytes) {
    let headers = vec![("location".into(), "/page".into()), ("content-type".into(), "text/html".into())];
    (Hop::new("https://news.example/a".into(), 301, headers, MOVED, at), Bytes::from_static(MOVED))
}

/// Rows of `capture_blobs`, read through the backend's own counts.
async fn blobs(db: &TestDb) -> u64 {
    match &db.backend {
        Backend::Sqlite => {
            eventmap::store::sqlite::SqliteStore::open(&db.url).await.unwrap().counts().await.unwrap().blobs
        }
        Backend::Postgres(_) => {
            eventmap::store::postgres::PgStore::open(&db.url).await.unwrap().counts().await.unwrap().blobs
        }
    }
}

async fn claim(store: &DynStore, worker: &str, now: DateTime<Utc>) -> Vec<CaptureJob> {
    store.claim_captures(worker, now, now + Duration::seconds(60), 10).await.unwrap()
}

#[tokio::test]
async fn captures_are_queued_leased_finished_by_their_worker_kept_once_and_listed_by_source() {
    for backend in backends() {
        let db = TestDb::on(&backend).await;
        let store = db.store().await;
        let ev = store
            .create(
                Uuid::now_v7(),
                data(json!({"title": "Convoy", "start": "2025-02-10", "places": [{"name": "T", "lon": 35.9, "lat": 34.9}],
                            "sources": [{"url": "https://news.example/a"}, {"url": "https://news.example/b"}]})),
                &editor(),
            )
            .await
            .unwrap();
        let (a, b) = (ev.data.sources[0].id, ev.data.sources[1].id);
        let t0 = DateTime::parse_from_rfc3339("2025-02-11T08:02:00Z").unwrap().to_utc();

        // Queue: a source by id; never an unknown one; "uncaptured" ones only once.
        let qa = store.queue_capture(a, "desk", t0).await.unwrap().expect("a stored source");
        assert_eq!((qa.state, qa.attempts, qa.url.as_str()), (CaptureState::Queued, 0, "https://news.example/a"));
        assert_eq!(qa.requested_by, "desk");
        assert!(store.queue_capture(Uuid::now_v7(), "desk", t0).await.unwrap().is_none());
        assert_eq!(store.queue_uncaptured(Some(&[a, b]), "desk", t0).await.unwrap(), 1, "only b had none");
        assert_eq!(store.queue_uncaptured(None, "desk", t0).await.unwrap(), 0);

        // Claim: leased to one worker; another gets them only once the lease has run out.
        let jobs = claim(&store, "w1", t0).await;
        assert_eq!(jobs.iter().map(|j| j.source_id).collect::<HashSet<_>>(), HashSet::from([a, b]), "{jobs:?}");
        assert!(claim(&store, "w2", t0 + Duration::seconds(30)).await.is_empty(), "leased to w1");
        let t1 = t0 + Duration::seconds(61);
        let jobs = claim(&store, "w2", t1).await;
        assert_eq!(jobs.len(), 2, "w1's lease ran out");
        let (ja, jb) = if jobs[0].source_id == a { (&jobs[0], &jobs[1]) } else { (&jobs[1], &jobs[0]) };
        let done = Finish::Captured(answer(200, PAGE, t1, vec![redirect(t1)]));
        assert!(!store.finish_capture(ja.id, "w1", 1, &done).await.unwrap(), "w1 no longer holds the lease");

        // Complete: the bytes, status, headers and hops, as kept.
        assert!(store.finish_capture(ja.id, "w2", 1, &done).await.unwrap());
        assert!(!store.finish_capture(ja.id, "w2", 2, &done).await.unwrap(), "a finished capture stays finished");
        let got = store.captures(a).await.unwrap();
        assert_eq!(got.len(), 1);
        let c = &got[0];
        assert_eq!(c.state, CaptureState::Captured);
        assert_eq!((c.status, c.attempts, c.bytes), (Some(200), 1, Some(PAGE.len() as u64)));
        assert_eq!(c.sha256.as_deref(), Some(sha256_hex(PAGE).as_str()));
        assert_eq!(c.final_url.as_deref(), Some("https://news.example/page"));
        assert_eq!(c.content_type.as_deref(), Some("text/html"));
        assert_eq!(c.captured_at, Some(t1));
        assert_eq!(c.headers[1], ("x-served-by".to_string(), "cache-1".to_string()));
        assert_eq!(c.hops.len(), 1);
        let hop = &c.hops[0];
        assert_eq!(
            (hop.url.as_str(), hop.status, hop.location.as_deref()),
            ("https://news.example/a", 301, Some("/page"))
        );
        assert_eq!((hop.sha256.clone(), hop.bytes, hop.at), (sha256_hex(MOVED), MOVED.len() as u64, t1));
        assert_eq!(store.capture_bytes(&sha256_hex(PAGE)).await.unwrap().as_deref(), Some(PAGE));
        assert_eq!(store.capture_bytes(&hop.sha256).await.unwrap().as_deref(), Some(MOVED), "the hop's body");
        assert_eq!(blobs(&db).await, 2);

        // Retry: a network error queues it again, due later, with the reason and the attempt.
        let later = t1 + Duration::minutes(10);
        let retry = Finish::Retry { reason: "no answer within 120 seconds".into(), next_at: later };
        assert!(store.finish_capture(jb.id, "w2", 1, &retry).await.unwrap());
        let waiting = &store.captures(b).await.unwrap()[0];
        assert_eq!((waiting.state, waiting.attempts), (CaptureState::Queued, 1));
        assert_eq!(waiting.reason.as_deref(), Some("no answer within 120 seconds"));
        assert!(claim(&store, "w2", later - Duration::seconds(1)).await.is_empty(), "not due before its time");
        let again = claim(&store, "w2", later).await;
        assert_eq!((again.len(), again[0].id, again[0].attempts), (1, jb.id, 1), "due at its time, attempts kept");

        // Fail with a reason: the answer is recorded, its bytes are not kept.
        let failed = Finish::Failed {
            reason: "the server answered 404".into(),
            fetched: Some(answer(404, b"gone", later, vec![])),
        };
        assert!(store.finish_capture(jb.id, "w2", 2, &failed).await.unwrap());
        let f = &store.captures(b).await.unwrap()[0];
        assert_eq!((f.state, f.status, f.attempts), (CaptureState::Failed, Some(404), 2));
        assert_eq!((f.reason.as_deref(), f.sha256.as_deref(), f.bytes), (Some("the server answered 404"), None, None));
        assert!(f.hops.is_empty());
        assert_eq!(store.capture_bytes(&sha256_hex(b"gone")).await.unwrap(), None);

        // Refuse: never fetched, the reason kept.
        store.queue_capture(b, "desk", later).await.unwrap();
        let job = claim(&store, "w2", later).await.remove(0);
        let why = "localhost is a loopback, private, link-local or otherwise non-public address (127.0.0.1)";
        assert!(store.finish_capture(job.id, "w2", 1, &Finish::Refused(why.into())).await.unwrap());
        let r = &store.captures(b).await.unwrap()[1];
        assert_eq!(
            (r.state, r.reason.as_deref(), r.status, r.captured_at),
            (CaptureState::Refused, Some(why), None, None)
        );

        // The same bytes captured again (another way): a second capture, the bytes kept once.
        let t2 = later + Duration::hours(1);
        store.queue_capture(a, "desk", t2).await.unwrap();
        let job = claim(&store, "w3", t2).await.remove(0);
        assert!(store.finish_capture(job.id, "w3", 1, &Finish::Captured(answer(200, PAGE, t2, vec![]))).await.unwrap());
        assert_eq!(blobs(&db).await, 2, "the same page twice is stored once");

        // Listed by source, oldest first and never overwritten; an event's all at once.
        let of_a = store.captures(a).await.unwrap();
        assert_eq!(of_a.iter().map(|c| c.captured_at).collect::<Vec<_>>(), [Some(t1), Some(t2)]);
        assert_eq!(of_a[0].sha256, of_a[1].sha256);
        let of_b = store.captures(b).await.unwrap();
        assert_eq!(of_b.iter().map(|c| c.state).collect::<Vec<_>>(), [CaptureState::Failed, CaptureState::Refused]);
        let all = store.captures_of(&[a, b]).await.unwrap();
        let mut want: Vec<_> = of_a.iter().chain(&of_b).cloned().collect();
        want.sort_by_key(|c| (c.requested_at, c.id));
        assert_eq!(all.len(), 4);
        assert_eq!(all, want, "both sources' captures, oldest first");
        assert!(store.captures_of(&[Uuid::now_v7()]).await.unwrap().is_empty());
        let latest = store.latest_captures(&[a, b]).await.unwrap();
        assert_eq!(latest.len(), 1, "b has no successful capture");
        assert_eq!(latest[&a].captured_at, t2);
    }
}
