//! What the benchmarks share: the release `eventmap serve` started on a free port and waited for.

use std::time::{Duration, Instant};

/// Starts `eventmap serve` on `database` and returns it with its base URL once `/readyz`
/// answers, and how long that took.
pub async fn serve(database: &str, client: &reqwest::Client) -> (std::process::Child, String, Duration) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let t = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_eventmap"))
        .args(["serve", "--database", database, "--listen", &format!("127.0.0.1:{port}")])
        .env("EVENTMAP_LOG", "warn")
        .spawn()
        .expect("eventmap binary");
    let base = format!("http://127.0.0.1:{port}");
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(t.elapsed() < Duration::from_secs(30), "server did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (child, base, t.elapsed())
}
