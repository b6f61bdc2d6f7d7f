//! What every browser test uses: the application with the demonstration data (`App`), chromedriver
//! and a headless Chromium (`browser`, which skips or fails as `EVENTMAP_REQUIRE_BROWSER` says),
//! helpers that run scripts in the page and wait on them, and `with_browser!`, which runs a test
//! with both, one browser at a time.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use eventmap::api::{ApiConfig, AppState, router};
use eventmap::auth::Role;
use eventmap::domain::Vocabulary;
use eventmap::gazetteer::Gazetteer;
use eventmap::store::DynStore;
use serde_json::{Value, json};

use crate::common;
use crate::wd::Client;

// ---- the application ------------------------------------------------------------------------

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| Gazetteer::load_embedded().expect("gazetteer loads"))
}

/// The real app with the demo data, on a free port.
pub(crate) struct App {
    pub(crate) base: String,
    pub(crate) editor: String,
    pub(crate) _store: DynStore,
    _db: common::TestDb,
}

impl App {
    /// The app with `config` (the default, or a private instance).
    pub(crate) async fn spawn_with(config: ApiConfig) -> Self {
        let db = common::TestDb::new().await;
        let store = db.store().await;
        let g = Arc::new(gazetteer().fresh());
        g.set_custom(store.custom_places().await.unwrap());
        let vocab = Vocabulary::default();
        let n = eventmap::demo::load(&store, &g, &vocab).await.expect("the demo data loads");
        assert!(n >= 4, "the demo has its events (got {n})");
        let state = AppState::new(store.clone(), g, vocab, config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
        let (editor, _) = eventmap::auth::create(store.as_ref(), "browser test desk", Role::Editor).await.unwrap();
        Self { base: format!("http://{addr}"), editor, _store: store, _db: db }
    }

    /// Creates an event through the API and returns its id.
    pub(crate) async fn create(&self, body: Value) -> String {
        let r = reqwest::Client::new()
            .post(format!("{}/api/events", self.base))
            .bearer_auth(&self.editor)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status.as_u16(), 201, "creating the event failed: {text}");
        serde_json::from_str::<Value>(&text).unwrap()["id"].as_str().unwrap().to_string()
    }
}

// ---- the browser ------------------------------------------------------------------------------

/// chromedriver as a child process, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn path_from_env(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default))
}

/// Whether a missing browser fails the test (CI) or skips it (a laptop without Chromium).
fn browser_required() -> bool {
    std::env::var("EVENTMAP_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn skip(why: &str) -> Option<(Driver, Client)> {
    if browser_required() {
        panic!("EVENTMAP_REQUIRE_BROWSER=1 but {why}");
    }
    println!("skipped: {why}");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts chromedriver and a headless Chromium session, or says why it cannot.
pub(crate) async fn browser() -> Option<(Driver, Client)> {
    let chromium = path_from_env("EVENTMAP_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = path_from_env("EVENTMAP_CHROMEDRIVER", "/usr/bin/chromedriver");
    if !chromium.exists() {
        return skip(&format!("no Chromium at {} (apt-get install chromium)", chromium.display()));
    }
    if !chromedriver.exists() {
        return skip(&format!("no chromedriver at {} (apt-get install chromium-driver)", chromedriver.display()));
    }
    let port = free_port();
    let child = match Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return skip(&format!("chromedriver did not start: {e}")),
    };
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}"), _profile: profile };
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{}/status", driver.url)).await {
            if r.status().is_success() {
                break;
            }
        }
        if started.elapsed() > Duration::from_secs(20) {
            return skip("chromedriver did not answer within 20 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--enable-unsafe-swiftshader".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--window-size=1280,800".into(),
        format!("--user-data-dir={}", driver._profile.path().display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": chromium.display().to_string(), "args": args},
        "goog:loggingPrefs": {"browser": "ALL"},
        "unhandledPromptBehavior": "ignore",
    });
    match Client::connect(&driver.url, caps).await {
        Ok(client) => Some((driver, client)),
        Err(e) => skip(&format!("Chromium did not start a session: {e}")),
    }
}

/// The browser console since the last call: (level, message).
pub(crate) async fn console(c: &Client) -> Vec<(String, String)> {
    let v = c.post("se/log", json!({"type": "browser"})).await.expect("browser log");
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (e["level"].as_str().unwrap_or("").to_string(), e["message"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that nothing was logged as an error (uncaught exceptions, failed requests, CSP
/// violations, console.error) since the last check.
pub(crate) async fn assert_no_console_errors(c: &Client, when: &str) {
    let errors: Vec<_> = console(c).await.into_iter().filter(|(level, _)| level == "SEVERE").collect();
    assert!(errors.is_empty(), "console errors {when}:\n{errors:#?}");
}

/// Runs `script` (a function body returning a value) until it returns something truthy.
pub(crate) async fn wait_for(c: &Client, what: &str, script: &str) -> Value {
    let started = Instant::now();
    let mut last = Value::Null;
    while started.elapsed() < Duration::from_secs(30) {
        match c.execute(script).await {
            Ok(v) if truthy(&v) => return v,
            Ok(v) => last = v,
            Err(e) => last = json!(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let logs = console(c).await;
    panic!("timed out waiting for {what}; last value {last}; console:\n{logs:#?}");
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

pub(crate) async fn js(c: &Client, script: &str) -> Value {
    c.execute(script).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// A function body that is true once the page has started, loaded its events and drawn them.
pub(crate) const READY: &str = "const m = window.eventmap && window.eventmap.map;
     if (!m || !document.body.classList.contains('ready') || document.body.classList.contains('loading')) return false;
     if (!m.getLayer('ev-points') || !m.loaded() || !m.isSourceLoaded('ev-tiles')) return false;
     return m.queryRenderedFeatures({layers: ['ev-points', 'ev-cells', 'ev-line']}).length > 0;";

/// A script that counts the events the map draws in view, each once: the cells' counts (a cell
/// told apart by its position, longitude wrapped, and count, as a view wider than the world
/// draws it twice) and the events by id.
pub(crate) const DRAWN: &str = "const m = window.eventmap.map; const seen = new Map();
     const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
     for (const f of m.queryRenderedFeatures({layers: ['ev-cells', 'ev-points']})) {
       const [x, y] = f.geometry.coordinates;
       const key = f.layer.id === 'ev-cells' ? `c${wrap(x).toFixed(5)},${y.toFixed(5)},${f.properties.count}` : `e${f.properties.id}`;
       seen.set(key, f.layer.id === 'ev-cells' ? Number(f.properties.count) : 1);
     }
     return [...seen.values()].reduce((a, b) => a + b, 0);";

/// Waits until the page has started, loaded its events and drawn them.
pub(crate) async fn wait_ready(c: &Client) {
    wait_for(c, "the map to draw the events", READY).await;
}

/// Signs in with `token` (or out, with an empty one) the way a kept token is: in the tab's
/// storage, checked by the page as it starts.
pub(crate) async fn sign_in_as(c: &Client, token: &str) {
    js(c, &format!("sessionStorage.setItem('eventmap.token', {}); return true;", serde_json::json!(token))).await;
    if token.is_empty() {
        js(c, "sessionStorage.removeItem('eventmap.token'); return true;").await;
    }
    c.refresh().await.unwrap();
    wait_ready(c).await;
}

/// Clicks the viewport at (x, y) with the mouse, as a reader would.
pub(crate) async fn click_at(c: &Client, x: f64, y: f64) {
    let actions = json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
        {"type": "pointerMove", "duration": 0, "x": x.round() as i64, "y": y.round() as i64, "origin": "viewport"},
        {"type": "pointerDown", "button": 0}, {"type": "pause", "duration": 50}, {"type": "pointerUp", "button": 0}]}]});
    c.post("actions", actions).await.expect("click");
}

/// The viewport position of a longitude/latitude on the map.
pub(crate) async fn screen_point(c: &Client, lon: f64, lat: f64) -> (f64, f64) {
    let v = js(
        c,
        &format!(
            "const m = window.eventmap.map; const r = m.getCanvas().getBoundingClientRect();
             const p = m.project([{lon}, {lat}]); return [r.left + p.x, r.top + p.y];"
        ),
    )
    .await;
    (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
}

pub(crate) async fn list_titles(c: &Client) -> Vec<String> {
    let v = js(c, "return [...document.querySelectorAll('#list-items .item-title')].map(e => e.textContent);").await;
    serde_json::from_value(v).unwrap()
}

/// Makes the viewport exactly `w`×`h` CSS pixels (the window's frame differs between builds).
pub(crate) async fn viewport(c: &Client, w: u32, h: u32, mobile: bool) {
    c.post(
        "goog/cdp/execute",
        json!({"cmd": "Emulation.setDeviceMetricsOverride",
               "params": {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": mobile}}),
    )
    .await
    .expect("viewport size");
}

/// One browser at a time, across the tests of this binary.
pub(crate) static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs a test body with the app and a browser. The session is closed even when the body fails,
/// so that no Chromium outlives the test.
macro_rules! with_browser {
    (|$app:ident, $c:ident| $body:block) => {
        $crate::harness::with_browser!(config = eventmap::api::ApiConfig::default(), |$app, $c| $body)
    };
    (config = $config:expr, |$app:ident, $c:ident| $body:block) => {{
        use futures::FutureExt;
        let _turn = $crate::harness::TURN.lock().await;
        let Some((_driver, $c)) = $crate::harness::browser().await else { return };
        let $app = $crate::harness::App::spawn_with($config).await;
        let outcome = std::panic::AssertUnwindSafe(async { $body }).catch_unwind().await;
        let _ = $c.close().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }};
}
pub(crate) use with_browser;
