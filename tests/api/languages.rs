//! Reports in the desk's languages (issue 18): no everyday word of Arabic, Russian, Ukrainian,
//! Turkish or English becomes a place; inflected and prefixed names are found; a strike is typed
//! as a strike in every language; where it happened is read from the whole report; doubtful
//! places are listed apart, never stored unseen.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends};

const IDLIB: &str = "geonames:169389";
const SARMIN: &str = "geonames:164782";
const ALEPPO: &str = "geonames:170063";
const DAMASCUS: &str = "geonames:170654";
const HOMS: &str = "geonames:169577";
const KHARKIV: &str = "geonames:706483";
const KYIV: &str = "geonames:703448";

/// The Arabic report of the issue, with a second sentence of ours naming where the strike hit.
const ARABIC_STRIKE: &str = "قصفت طائرات حربية يوم الاثنين محيط مدينة إدلب، ما أدى إلى مقتل ثلاثة مدنيين. \
                             وقالت مصادر محلية إن الغارات استهدفت أطراف بلدة سرمين شرقي المدينة.";

async fn geoparse(app: &TestApp, body: Value) -> Vec<Value> {
    let g = app.send(Method::POST, "/api/geoparse", None, Some(body)).await;
    g.expect(200);
    g.json()["mentions"].as_array().unwrap().clone()
}

fn ids(mentions: &[Value]) -> Vec<String> {
    mentions.iter().map(|m| m["place"]["gazetteer_id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_arabic_strike_report_gives_idlib_and_sarmin_and_nothing_abroad() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        // With and without the caller's language and country: detection must do the same.
        for body in
            [json!({"text": ARABIC_STRIKE}), json!({"text": ARABIC_STRIKE, "language": "ar", "country_hint": "SY"})]
        {
            let m = geoparse(&app, body.clone()).await;
            assert_eq!(ids(&m), [IDLIB, SARMIN], "{body}: {m:#?}");
            assert!(m.iter().all(|x| x["place"]["country"] == "SY"), "{m:#?}");
        }
        let out = app
            .send(
                Method::POST,
                "/api/reports",
                Some(&app.editor),
                Some(json!({"url": "https://ar.example.org/idlib", "published_at": "2025-02-11T10:00:00+03:00",
                            "text": ARABIC_STRIKE, "create": true})),
            )
            .await;
        out.expect(201);
        let d = &out.json()["drafts"][0];
        let places: Vec<&str> =
            d["draft"]["places"].as_array().unwrap().iter().map(|p| p["gazetteer_id"].as_str().unwrap()).collect();
        assert!(places.contains(&SARMIN) && places.contains(&IDLIB), "{d:#}");
        assert_eq!(d["draft"]["category"], "air_or_drone_strike", "{d:#}");
        let id = d["event_id"].as_str().unwrap();
        let ev = app.get(&format!("/api/events/{id}")).await.json();
        let stored = ev["properties"]["places"].as_array().unwrap();
        assert!(stored.iter().all(|p| p["country"] == "SY"), "nothing abroad is stored: {ev:#}");
    }
}

#[tokio::test]
async fn function_words_and_common_nouns_are_not_places_in_any_language() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        // Each text names no place at all; every word is an everyday one of its language.
        let texts = [
            "ما أدى إلى مقتل ثلاثة مدنيين في المدينة، وقالت مصادر محلية إن الطائرات الحربية عادت.",
            "وأكد المسؤول أن الوضع في المنطقة مستقر حتى الآن، بحسب بيان رسمي.",
            "Удар был нанесён ночью. Город остался без света, сообщили местные власти.",
            "Вибух пролунав уночі. Місто залишилося без світла, повідомила влада.",
            "Bu sabah saat altıda büyük bir patlama oldu ve şehir karanlıkta kaldı.",
            "Reading the statement, officials said that the city was calm.",
        ];
        for t in texts {
            let m = geoparse(&app, json!({"text": t})).await;
            assert!(m.is_empty(), "{t}: {m:#?}");
        }
    }
}

#[tokio::test]
async fn clitics_case_endings_and_lists_before_said_are_found() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let cases: [(&str, &[&str]); 5] = [
            ("وصل الوفد بحمص ثم انتقل لإدلب.", &[HOMS, IDLIB]),
            ("Российская авиация нанесла удар по окрестностям Идлиба.", &["geonames:2017370", IDLIB]),
            ("У Харкові пролунали вибухи, а в Києві оголосили тривогу.", &[KHARKIV, KYIV]),
            ("Officials in Damascus and Aleppo said the roads would reopen.", &[DAMASCUS, ALEPPO]),
            ("Halep'in doğusunda çatışma çıktı.", &[ALEPPO]),
        ];
        for (text, want) in cases {
            let m = geoparse(&app, json!({"text": text})).await;
            assert_eq!(ids(&m), want, "{text}: {m:#?}");
        }
    }
}

#[tokio::test]
async fn strikes_clashes_and_arrests_are_typed_in_every_language() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let cases = [
            ("Warplanes struck the outskirts of Idlib on Monday.", "air_or_drone_strike"),
            ("Российская авиация нанесла удар по окрестностям Идлиба.", "air_or_drone_strike"),
            ("شنت طائرات حربية غارات جوية على ريف إدلب.", "air_or_drone_strike"),
            ("Дрони атакували Суми вночі.", "air_or_drone_strike"),
            ("Savaş uçakları İdlib çevresini bombaladı.", "air_or_drone_strike"),
            ("Бои продолжаются к югу от Алеппо.", "armed_clash"),
            ("Halep'in doğusunda çatışma çıktı.", "armed_clash"),
            ("Поліція затримала двох чоловіків у Миколаєві.", "arrest"),
            ("اعتقلت دورية أمنية ثلاثة شبان في جبلة.", "arrest"),
        ];
        for (i, (text, cat)) in cases.into_iter().enumerate() {
            let body = json!({"url": format!("https://x.example.org/{i}"), "published_at": "2025-02-11", "text": text});
            let g = app.send(Method::POST, "/api/reports", Some(&app.editor), Some(body)).await;
            g.expect(200);
            assert_eq!(g.json()["drafts"][0]["draft"]["category"], cat, "{text}: {g}");
        }
    }
}

#[tokio::test]
async fn a_doubtful_place_is_listed_as_also_mentioned_and_never_stored() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let text =
            "Warplanes struck Idlib on Monday, killing three people; Commerce officials in Lincoln condemned it.";
        let body = json!({"url": "https://en.example.org/idlib", "published_at": "2025-02-11", "text": text,
                          "create": true});
        let g = app.send(Method::POST, "/api/reports", Some(&app.editor), Some(body)).await;
        g.expect(201);
        let d = &g.json()["drafts"][0];
        let places: Vec<&str> =
            d["draft"]["places"].as_array().unwrap().iter().map(|p| p["gazetteer_id"].as_str().unwrap()).collect();
        assert_eq!(places, [IDLIB], "{d:#}");
        let also = d["draft"]["also_mentioned"].as_array().unwrap();
        let lincoln = also.iter().find(|m| m["text"] == "Lincoln").unwrap_or_else(|| panic!("{d:#}"));
        assert_eq!(lincoln["reason"], "low_confidence");
        assert!(lincoln["confidence"].as_f64().unwrap() < 0.6);
        let ev = app.get(&format!("/api/events/{}", d["event_id"].as_str().unwrap())).await.json();
        assert_eq!(ev["properties"]["places"].as_array().map(Vec::len), Some(1), "{ev:#}");
    }
}

#[tokio::test]
async fn a_strike_reported_in_russian_and_arabic_joins_the_english_report() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let post = |url: &str, publisher: &str, text: &str| {
            json!({"url": url, "publisher": publisher, "published_at": "2025-02-11T09:00:00Z", "text": text,
                   "create": true})
        };
        let en = app
            .send(
                Method::POST,
                "/api/reports",
                Some(&app.editor),
                Some(post(
                    "https://en.example.org/idlib-strike",
                    "Example Wire",
                    "Warplanes struck the outskirts of Idlib on Monday, killing three civilians, local sources said.",
                )),
            )
            .await;
        en.expect(201);
        let id = en.json()["drafts"][0]["event_id"].as_str().unwrap().to_string();
        for (url, publisher, text) in [
            (
                "https://ru.example.org/idlib",
                "Пример Новости",
                "Российская авиация нанесла удар по окрестностям Идлиба в понедельник, погибли трое мирных жителей.",
            ),
            ("https://ar.example.org/idlib", "مثال", ARABIC_STRIKE),
        ] {
            let g = app.send(Method::POST, "/api/reports", Some(&app.editor), Some(post(url, publisher, text))).await;
            assert!(g.status.is_success(), "{g}");
            let d = &g.json()["drafts"][0];
            assert_eq!(d["action"], "attached", "{text}: {d:#}");
            assert_eq!(d["event_id"], id.as_str());
            let reasons = d["match"]["reasons"].as_array().unwrap();
            assert!(reasons.iter().any(|r| r.as_str().unwrap().contains("category")), "{d:#}");
        }
        assert_eq!(app.ids("").await, std::slice::from_ref(&id), "one event, three sources");
        let ev = app.get(&format!("/api/events/{id}")).await.json();
        assert_eq!(ev["properties"]["status"], "corroborated", "{ev:#}");
        assert_eq!(ev["properties"]["category"], "air_or_drone_strike");
    }
}

#[tokio::test]
async fn a_team_place_is_found_without_its_generic_head() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let body = json!({"name": "Hmeimim Air Base", "kind": "site", "lon": 35.9486, "lat": 35.4011});
        let g = app.send(Method::POST, "/api/places", Some(&app.editor), Some(body)).await;
        g.expect(201);
        let id = g.json()["id"].as_str().unwrap().to_string();
        let m = geoparse(&app, json!({"text": "Two transport aircraft landed at Hmeimim on Monday."})).await;
        assert_eq!(ids(&m), std::slice::from_ref(&id), "{m:#?}");
        assert_eq!(m[0]["text"], "Hmeimim");
        let s = app.get("/api/places/search?q=Hmeimim&limit=1").await.json();
        assert_eq!(s["features"][0]["properties"]["gazetteer_id"], id.as_str(), "{s:#}");
    }
}

#[tokio::test]
async fn an_unknown_village_gets_near_matches_in_the_422() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let body =
            json!({"title": "Shelling", "start": "2025-02-10", "places": [{"name": "Kafr Nabudah", "country": "SY"}]});
        let g = app.send(Method::POST, "/api/events", Some(&app.editor), Some(body)).await;
        let v = g.problem(422, "unresolved-place");
        let near: Vec<&str> =
            v["candidates"].as_array().unwrap().iter().map(|c| c["gazetteer_id"].as_str().unwrap()).collect();
        assert!(near.contains(&"geonames:168661"), "Kafr Nabl (Kafranbel) is offered: {v:#}");
        let message = v["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("near matches: ") && message.contains("Kafranbel"), "{v:#}");
    }
}

#[tokio::test]
async fn bad_text_is_a_clear_answer_never_a_panic() {
    for backend in backends() {
        let app = TestApp::on(&backend).await;
        let texts = [
            "\u{200F}قصفت طائرات حربية \u{200D}إدلب\u{200C} و\u{200F}سرمين\u{200E}.".to_string(),
            "Warplanes struck Идлиб and إدلب and İdlib — ل بـ وال لل".to_string(),
            "\u{200D}\u{200D}\u{200F}".to_string(),
            "لل ب و ف ك ال".to_string(),
            "إدلب ".repeat(2_000),
        ];
        for t in texts {
            let g = app.send(Method::POST, "/api/geoparse", None, Some(json!({"text": t}))).await;
            assert!(g.status == 200 || g.status.is_client_error(), "{g}");
            if g.status == 200 {
                for m in g.json()["mentions"].as_array().unwrap() {
                    let (s, e) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
                    let surface: String = t.chars().skip(s).take(e - s).collect();
                    assert_eq!(surface, m["text"], "offsets are code points");
                }
            }
        }
        let marked =
            geoparse(&app, json!({"text": "\u{200F}قصفت طائرات حربية محيط \u{200D}إدلب و\u{200F}سرمين."})).await;
        assert_eq!(ids(&marked), [IDLIB, SARMIN], "{marked:#?}");
    }
}
