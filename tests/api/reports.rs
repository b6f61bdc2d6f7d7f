//! Geoparsing and reports through HTTP: the February 2025 convoy told in five languages becomes
//! one event with five sources, corroborated once a second publisher reports it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends};

const TARTUS: &str = "geonames:163345";
const LATAKIA: &str = "geonames:173576";
const JABLEH: &str = "geonames:169304";

/// Reports we wrote ourselves about the convoy, one per language, each from its own publisher.
fn reports() -> Vec<Value> {
    vec![
        json!({"url": "https://en.example.org/convoy", "publisher": "Example Wire", "language": "en",
               "title": "Russian convoy turned back at Tartus",
               "published_at": "2025-02-11T09:00:00Z",
               "text": "A Russian military convoy of about 30 trucks left Hmeimim for Tartus on Monday. \
                        Syrian forces held it at a checkpoint outside Tartus for eight hours before it drove back past Jableh."}),
        json!({"url": "https://ru.example.org/kolonna", "publisher": "Пример Новости", "language": "ru",
               "published_at": "2025-02-11T12:00:00+03:00",
               "text": "Российская военная колонна вышла из Хмеймима в Тартус 10 февраля. В Тартусе её восемь часов не пускали на базу, и она вернулась в Латакию."}),
        json!({"url": "https://tr.example.org/konvoy", "publisher": "Örnek Haber", "language": "tr",
               "published_at": "2025-02-11",
               "text": "Rus askeri konvoyu dün Lazkiye'den Tartus'a gitti, ancak Tartus'taki kontrol noktasında sekiz saat bekletildi."}),
        json!({"url": "https://az.example.org/karvan", "publisher": "Nümunə Xəbər", "language": "az",
               "published_at": "2025-02-12T08:00:00+04:00",
               "text": "Rusiya hərbi karvanı 10 fevral 2025-ci ildə Latakiyadan Tartusa yola düşüb, lakin bazaya buraxılmayıb."}),
        json!({"url": "https://ar.example.org/qafila", "publisher": "مثال", "language": "ar",
               "published_at": "2025-02-11T10:00:00+03:00",
               "text": "انطلقت قافلة عسكرية روسية من اللاذقية إلى طرطوس يوم الاثنين، وأوقفت عند حاجز في طرطوس ثماني ساعات قرب جبلة."}),
    ]
}

async fn add_hmeimim(app: &TestApp) -> String {
    let body = json!({"name": "Hmeimim air base", "kind": "site", "lon": 35.9486, "lat": 35.4011,
        "names": ["Hmeimim", "Khmeimim", "Hmeymim", "Hımeymim", "Xmeymim", "Хмеймим", "حميميم"]});
    let g = app.send(Method::POST, "/api/places", Some(&app.editor), Some(body)).await;
    g.expect(201);
    g.json()["id"].as_str().unwrap().to_string()
}

async fn report(app: &TestApp, mut body: Value, create: bool) -> Value {
    body["create"] = json!(create);
    let g = app.send(Method::POST, "/api/reports", Some(&app.editor), Some(body)).await;
    assert!(g.status.is_success(), "{g}");
    g.json()
}

fn place_ids(draft: &Value) -> Vec<(String, String)> {
    draft["draft"]["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["gazetteer_id"].as_str().unwrap().to_string(), p["role"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn geoparse_finds_every_mention_with_offsets_confidence_and_candidates() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let text = "Колонна вышла из Латакии в Тартус.";
        let g = app.send(Method::POST, "/api/geoparse", None, Some(json!({"text": text, "language": "ru"}))).await;
        g.expect(200);
        let m = g.json()["mentions"].as_array().unwrap().clone();
        let ids: Vec<&str> = m.iter().map(|x| x["place"]["gazetteer_id"].as_str().unwrap()).collect();
        assert_eq!(ids, [LATAKIA, TARTUS], "{g}");
        for x in &m {
            let (s, e) = (x["start"].as_u64().unwrap() as usize, x["end"].as_u64().unwrap() as usize);
            let surface: String = text.chars().skip(s).take(e - s).collect();
            assert_eq!(surface, x["text"], "offsets are code points");
            assert!(x["confidence"].as_f64().unwrap() > 0.0);
            assert!(x["candidates"].is_array());
        }
        let bad =
            app.send(Method::POST, "/api/geoparse", None, Some(json!({"text": "x", "country_hint": "Syria"}))).await;
        assert_eq!(bad.problem(422, "validation")["errors"][0]["field"], "country_hint");
        let bad = app.send(Method::POST, "/api/geoparse", None, Some(json!({"txt": "x"}))).await;
        bad.problem(422, "validation");
    }
}

#[tokio::test]
async fn five_reports_in_five_languages_make_one_corroborated_event() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let hmeimim = add_hmeimim(&app).await;
        let all = reports();

        // Every language: the places are found and the movement has an origin and a destination.
        for r in &all {
            let out = report(&app, r.clone(), false).await;
            let d = &out["drafts"][0];
            assert_eq!(d["action"], "draft", "{out}");
            let places = place_ids(d);
            let ids: Vec<&str> = places.iter().map(|(i, _)| i.as_str()).collect();
            assert!(ids.contains(&TARTUS), "{r}: {places:?}");
            assert!(ids.iter().any(|i| [LATAKIA, JABLEH, hmeimim.as_str()].contains(i)), "{r}: {places:?}");
            assert!(places.contains(&(TARTUS.to_string(), "destination".to_string())), "{r}: {places:?}");
            assert!(places.iter().any(|(_, role)| role == "origin"), "{r}: {places:?}");
            assert_eq!(d["draft"]["start"], "2025-02-10T00:00:00Z", "{r}: {d}");
            assert_eq!(d["event"]["category"], "military_movement");
            assert_eq!(d["event"]["sources"][0]["url"], r["url"]);
            assert!(!d["event"]["sources"][0]["excerpt"].as_str().unwrap().is_empty());
        }
        assert_eq!(app.ids("").await.len(), 0, "drafts store nothing");

        // The English report with "create": a new reported event, drawn from Hmeimim to Tartus.
        let en = app
            .send(
                Method::POST,
                "/api/reports",
                Some(&app.editor),
                Some({
                    let mut b = all[0].clone();
                    b["create"] = json!(true);
                    b
                }),
            )
            .await;
        en.expect(201);
        let en = en.json();
        assert_eq!(en["drafts"][0]["action"], "created", "{en}");
        assert_eq!(en["drafts"][0]["status"], "reported");
        let id = en["drafts"][0]["event_id"].as_str().unwrap().to_string();
        let ev = app.get(&format!("/api/events/{id}")).await.json();
        assert_eq!(ev["geometry"]["type"], "LineString", "{ev}");
        assert_eq!(ev["properties"]["places"][0]["gazetteer_id"], hmeimim.as_str());
        assert_eq!(ev["properties"]["places"][0]["role"], "origin");

        // The Russian report, from another publisher: attached, and the event is corroborated.
        let ru = report(&app, all[1].clone(), true).await;
        let d = &ru["drafts"][0];
        assert_eq!(d["action"], "attached", "{ru}");
        assert_eq!(d["event_id"], id.as_str());
        assert_eq!(d["status"], "corroborated");
        assert!(d["match"]["reasons"].as_array().unwrap().len() >= 2, "the response says why: {d}");
        assert!(d["why"].as_str().unwrap().contains("corroborated"));

        // Posting it again changes nothing.
        let before = app.snapshot().await;
        let again = report(&app, all[1].clone(), true).await;
        assert_eq!(again["drafts"][0]["action"], "already_attached", "{again}");
        assert_eq!(app.snapshot().await, before);

        // The others attach too; without "create" they only say they would.
        for r in &all[2..] {
            let peek = report(&app, r.clone(), false).await;
            assert_eq!(peek["drafts"][0]["action"], "matches", "{peek}");
            assert_eq!(peek["drafts"][0]["match"]["event_id"], id.as_str());
            let out = report(&app, r.clone(), true).await;
            assert_eq!(out["drafts"][0]["action"], "attached", "{out}");
        }
        let ev = app.get(&format!("/api/events/{id}")).await.json();
        let urls: Vec<&str> =
            ev["properties"]["sources"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
        assert_eq!(urls.len(), 5, "{urls:?}");
        assert_eq!(app.ids("").await, std::slice::from_ref(&id), "one event, not five");
        let history = app.get(&format!("/api/events/{id}/history")).await.json();
        assert_eq!(history["revisions"].as_array().map(Vec::len), Some(5), "{history}");
    }
}

#[tokio::test]
async fn a_report_of_something_else_is_not_attached() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let first = report(&app, reports()[0].clone(), true).await;
        assert_eq!(first["drafts"][0]["action"], "created");
        // Same day, elsewhere.
        let other = json!({"url": "https://other.example/aleppo", "publisher": "Other", "published_at": "2025-02-11",
            "text": "Hundreds of protesters gathered in Aleppo on Monday."});
        let out = report(&app, other, true).await;
        assert_eq!(out["drafts"][0]["action"], "created", "{out}");
        assert_eq!(out["drafts"][0]["draft"]["category"], "protest");
        // Same place, a month later.
        let later = json!({"url": "https://other.example/later", "publisher": "Other", "published_at": "2025-03-20",
            "text": "Another Russian convoy left Hmeimim for Tartus yesterday."});
        let out = report(&app, later, true).await;
        assert_eq!(out["drafts"][0]["action"], "created", "{out}");
        assert_eq!(app.ids("").await.len(), 3);
    }
}

#[tokio::test]
async fn bad_reports_are_refused_and_change_nothing() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let before = app.snapshot().await;
        let send = |body: Value, token: Option<String>| {
            let app = &app;
            async move { app.send(Method::POST, "/api/reports", token.as_deref(), Some(body)).await }
        };
        let good = reports()[0].clone();
        send(good.clone(), None).await.problem(401, "unauthorized");
        send(good.clone(), Some(app.viewer.clone())).await.problem(403, "forbidden");
        let mut b = good.clone();
        b["url"] = json!("ftp://example.org/x");
        assert_eq!(send(b, Some(app.editor.clone())).await.problem(422, "validation")["errors"][0]["field"], "url");
        let mut b = good.clone();
        b["text"] = json!("   ");
        assert_eq!(send(b, Some(app.editor.clone())).await.problem(422, "validation")["errors"][0]["field"], "text");
        let mut b = good.clone();
        b["published_at"] = json!("last Tuesday");
        assert_eq!(
            send(b, Some(app.editor.clone())).await.problem(422, "validation")["errors"][0]["field"],
            "published_at"
        );
        let mut b = good;
        b["create"] = json!("yes");
        send(b, Some(app.editor.clone())).await.problem(422, "validation");
        assert_eq!(app.snapshot().await, before);
    }
}

#[tokio::test]
async fn a_round_up_becomes_one_event_per_item_each_citing_its_own_passage() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let body = json!({"url": "https://roundup.example.org/2025-02-12", "publisher": "Example Desk", "language": "ar",
            "published_at": "2025-02-13T09:00:00Z", "create": true,
            "text": "حصيلة يوم 12 شباط 2025:\nقصفت طائرات حربية بلدة سرمين، ما أدى إلى مقتل ثلاثة مدنيين.\nوفي درعا، تظاهر مئات الأشخاص ضد الاعتقالات.\nانفجرت سيارة مفخخة في الرقة."});
        let before = app.ids("").await.len();
        let g = app.send(Method::POST, "/api/reports", Some(&app.editor), Some(body.clone())).await;
        assert_eq!(g.status, 201, "{g}");
        let out = g.json();
        let drafts = out["drafts"].as_array().unwrap();
        let got: Vec<(&str, &str)> = drafts
            .iter()
            .map(|d| (d["draft"]["places"][0]["name"].as_str().unwrap(), d["event"]["category"].as_str().unwrap()))
            .collect();
        assert_eq!(got, [("Sarmin", "air_or_drone_strike"), ("Dar'a", "protest"), ("Ar Raqqah", "explosion")], "{out}");
        assert!(drafts.iter().all(|d| d["action"] == "created"), "{out}");
        assert_eq!(app.ids("").await.len(), before + 3);
        for d in drafts {
            let id = d["event_id"].as_str().unwrap();
            let f = app.get(&format!("/api/events/{id}")).await.json();
            let p = &f["properties"];
            assert_eq!(p["start"], "2025-02-12T00:00:00Z", "{f}");
            let excerpt = p["sources"][0]["excerpt"].as_str().unwrap();
            let place = d["draft"]["places"][0]["text"].as_str().unwrap();
            assert!(excerpt.contains(place), "each event cites the passage that tells it: {excerpt} / {place}");
        }
        // The same round-up again attaches nothing new: each item finds its event.
        let again = app.send(Method::POST, "/api/reports", Some(&app.editor), Some(body)).await.json();
        let actions: Vec<&str> =
            again["drafts"].as_array().unwrap().iter().map(|d| d["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["already_attached"; 3], "{again}");
    }
}
