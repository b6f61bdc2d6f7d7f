//! Saved searches and Atom feeds, on both backends: create, read, change and delete a search;
//! bad filters refused field by field; a feed of any filter that a feed parser reads, with
//! deletions as entries, that answers 304 to a reader who has it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, tartus_event};

async fn protest(app: &TestApp, title: &str) -> Value {
    let mut e = tartus_event(title);
    e["category"] = json!("protest");
    app.create(e).await
}

#[tokio::test]
async fn a_saved_search_is_created_read_changed_and_deleted_by_editors_and_read_by_anyone() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let body = json!({"name": "Protests in Syria", "filters": {"category": "protest", "country": ["SY"]}});
        let anon = app.send(Method::POST, "/api/searches", None, Some(body.clone())).await;
        anon.problem(401, "unauthorized");
        app.send(Method::POST, "/api/searches", Some(&app.viewer), Some(body.clone())).await.problem(403, "forbidden");
        let g = app.send(Method::POST, "/api/searches", Some(&app.editor), Some(body)).await;
        g.expect(201);
        let s = g.json();
        let id = s["id"].as_str().unwrap().to_string();
        assert_eq!(g.header("location"), format!("/api/searches/{id}"), "{g}");
        assert_eq!(s["filters"], json!({"category": "protest", "country": "SY"}), "{g}");
        assert_eq!(s["feed_url"], format!("{}/api/searches/{id}/feed.atom", app.base), "{g}");
        assert_eq!(s["map_url"], format!("{}/?category=protest&country=SY", app.base), "{g}");

        let one = app.get(&format!("/api/searches/{id}")).await;
        one.expect(200);
        assert_eq!(one.json()["name"], "Protests in Syria", "{one}");
        let all = app.get("/api/searches").await;
        assert_eq!(all.json()["searches"].as_array().unwrap().len(), 1, "{all}");

        let p = app
            .send(
                Method::PATCH,
                &format!("/api/searches/{id}"),
                Some(&app.editor),
                Some(json!({"name": "Riots", "filters": {"category": "riot"}})),
            )
            .await;
        p.expect(200);
        assert_eq!(p.json()["filters"], json!({"category": "riot"}), "{p}");
        assert_eq!(app.get(&format!("/api/searches/{id}")).await.json()["name"], "Riots");

        app.send(Method::DELETE, &format!("/api/searches/{id}"), Some(&app.editor), None).await.expect(204);
        app.get(&format!("/api/searches/{id}")).await.problem(404, "not-found");
        app.send(Method::DELETE, &format!("/api/searches/{id}"), Some(&app.editor), None)
            .await
            .problem(404, "not-found");
    }
}

#[tokio::test]
async fn bad_names_and_filters_are_refused_naming_the_field_and_nothing_is_saved() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        for (body, field) in [
            (json!({"name": "x", "filters": {"category": "picnic"}}), "filters.category"),
            (json!({"name": "x", "filters": {"limit": 5}}), "filters.limit"),
            (json!({"name": "x", "filters": {"bbox": "1,2,3"}}), "filters.bbox"),
            (json!({"name": "x", "filters": {"place": "Nowhereville Qqqzx"}}), "filters.place"),
            (json!({"name": "x", "filters": {"q": {"nested": true}}}), "filters.q"),
            (json!({"name": "  ", "filters": {}}), "name"),
            (json!({"name": "x", "filters": []}), "filters"),
        ] {
            let g = app.send(Method::POST, "/api/searches", Some(&app.editor), Some(body.clone())).await;
            g.problem(422, "validation");
            assert_eq!(g.fields(), vec![field.to_string()], "{body}: {g}");
        }
        let g = app.send(Method::POST, "/api/searches", Some(&app.editor), Some(json!({"name": "x"}))).await;
        g.problem(422, "validation");
        assert!(app.store.searches().await.unwrap().is_empty());
    }
}

/// Runs feedparser (PyPI) on a feed; `None` (skipped) when it is not installed and not required.
fn feedparser(xml: &str) -> Option<Value> {
    let required = std::env::var("EVENTMAP_REQUIRE_FEEDPARSER").is_ok_and(|v| v == "1" || v == "true");
    let python = std::env::var("EVENTMAP_FEEDPARSER_PYTHON").ok().filter(|p| !p.is_empty()).unwrap_or("python3".into());
    let script = r#"
import json, sys, feedparser
d = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({"bozo": bool(d.bozo), "error": str(d.get("bozo_exception", "")), "version": d.version,
  "title": d.feed.get("title"), "entries": [{"id": e.get("id"), "title": e.get("title"), "updated": e.get("updated"),
  "summary": e.get("summary"), "links": [l.get("href") for l in e.get("links", [])],
  "where": e.get("where", {}).get("coordinates") if e.get("where") else None} for e in d.entries]}))
"#;
    use std::io::Write;
    let child = std::process::Command::new(&python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(!required, "EVENTMAP_REQUIRE_FEEDPARSER=1 but {python} cannot run: {e}");
            eprintln!("skipped: {python} cannot run");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(xml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!required && err.contains("No module named"), "feedparser failed: {err}");
        eprintln!("skipped: feedparser is not installed for {python} (set EVENTMAP_FEEDPARSER_PYTHON)");
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).expect("feedparser's summary is JSON"))
}

#[tokio::test]
async fn a_feed_of_a_filter_lists_its_changes_newest_first_with_deletions_and_a_parser_reads_it() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let old = protest(&app, "First protest at the port").await;
        let riot = {
            let mut e = tartus_event("A riot <b>downtown</b> & more");
            e["category"] = json!("riot");
            app.create(e).await
        };
        let newer = protest(&app, "Second protest & <sit-in>").await;
        let gone = protest(&app, "A protest reported twice").await;
        let gid = gone["id"].as_str().unwrap();
        app.send(
            Method::DELETE,
            &format!("/api/events/{gid}"),
            Some(&app.editor),
            Some(json!({"reason": "duplicate of another report"})),
        )
        .await
        .expect(200);

        let g = app.get("/api/events.atom?category=protest").await;
        g.expect(200);
        assert_eq!(g.header("content-type"), "application/atom+xml; charset=utf-8", "{g}");
        let x = &g.text;
        let at = |id: &Value| x.find(&format!("<id>urn:uuid:{}</id>", id.as_str().unwrap()));
        let (a, b, c) = (at(&gone["id"]), at(&newer["id"]), at(&old["id"]));
        assert!(a.is_some() && b.is_some() && c.is_some(), "{g}");
        assert!(a < b && b < c, "newest change first: {g}");
        assert!(at(&riot["id"]).is_none(), "a riot is not a protest: {g}");
        assert!(x.contains("Second protest &amp; &lt;sit-in&gt;"), "{g}");
        assert!(x.contains("Reason: duplicate of another report"), "{g}");
        assert!(x.contains("<georss:point>34.889 35.8866</georss:point>"), "{g}");

        if let Some(p) = feedparser(x) {
            assert_eq!(p["bozo"], false, "feedparser: {p}");
            assert_eq!(p["version"], "atom10", "{p}");
            let entries = p["entries"].as_array().unwrap();
            assert_eq!(entries.len(), 3, "{p}");
            assert_eq!(entries[1]["title"], "Second protest & <sit-in>", "{p}");
            assert_eq!(entries[1]["id"], format!("urn:uuid:{}", newer["id"].as_str().unwrap()), "{p}");
            let links = entries[1]["links"].as_array().unwrap();
            assert!(
                links.contains(&json!(format!("{}/api/events/{}", app.base, newer["id"].as_str().unwrap()))),
                "{p}"
            );
            assert!(entries[0]["title"].as_str().unwrap().starts_with("Deleted"), "{p}");
            assert!(entries[0]["summary"].as_str().unwrap().contains("duplicate"), "{p}");
            assert_eq!(entries[1]["where"], json!([35.8866, 34.889]), "GeoRSS point read as lon, lat: {p}");
        }
        app.get("/api/events.atom?limit=0").await.problem(400, "invalid-request");
        app.get("/api/events.atom?sort=start").await.problem(400, "invalid-request");
        app.get("/api/events.atom?category=picnic").await.problem(400, "invalid-request");
    }
}

#[tokio::test]
async fn a_reader_that_has_the_feed_gets_304_until_something_changes() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let s = app
            .send(
                Method::POST,
                "/api/searches",
                Some(&app.editor),
                Some(json!({"name": "Protests", "filters": {"category": "protest"}})),
            )
            .await;
        s.expect(201);
        let feed = s.json()["feed_url"].as_str().unwrap().trim_start_matches(&app.base).to_string();
        protest(&app, "One protest").await;
        let first = app.get(&feed).await;
        first.expect(200);
        assert!(first.text.contains("<title type=\"text\">eventmap: Protests</title>"), "{first}");
        let (etag, modified) = (first.header("etag").to_string(), first.header("last-modified").to_string());
        assert!(etag.starts_with('"') && !modified.is_empty(), "{first}");
        let cond = |name: &'static str, value: String| {
            let rb = app.client.get(format!("{}{feed}", app.base)).header(name, value);
            TestApp::got(rb)
        };
        let same = cond("if-none-match", etag.clone()).await;
        same.expect(304);
        assert!(same.text.is_empty(), "{same}");
        cond("if-modified-since", modified.clone()).await.expect(304);
        cond("if-none-match", "\"other\"".into()).await.expect(200);
        cond("if-modified-since", "Mon, 01 Jan 2024 00:00:00 GMT".into()).await.expect(200);

        // A change the search does not match leaves the feed as it was; one it matches does not.
        let mut riot = tartus_event("A riot");
        riot["category"] = json!("riot");
        app.create(riot).await;
        cond("if-none-match", etag.clone()).await.expect(304);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        protest(&app, "Another protest").await;
        let changed = cond("if-none-match", etag.clone()).await;
        changed.expect(200);
        assert_ne!(changed.header("etag"), etag, "{changed}");
        assert!(changed.text.contains("Another protest"), "{changed}");
        cond("if-modified-since", modified).await.expect(200);
    }
}
