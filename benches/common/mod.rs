//! What the benchmarks share: the release `eventmap serve` started on a free port and waited for.

use std::time::{Duration, Instant};

/// Starts `eventmap serve` on `database` and returns it with its base URL once `/readyz`
/// answers and its one-time repairs have run, and how long it took to answer.
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
    let ready = t.elapsed();
    repaired(database).await;
    (child, base, ready)
}

/// Waits until the server's one-time repairs of stored data (`eventmap::repair`) have run: on
/// a database's first start they read every event, and rewrite those they correct, which
/// would otherwise happen while the benchmark measures. Prints how long they took.
async fn repaired(database: &str) {
    use eventmap::repair::{DIVISIONS, GAZETTEER_PRECISION};
    let t = Instant::now();
    let store = eventmap::store::connect(database).await.expect("the server's database");
    loop {
        if store.repaired(GAZETTEER_PRECISION).await.unwrap() && store.repaired(DIVISIONS).await.unwrap() {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(3600), "the server's one-time repairs did not end in an hour");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if t.elapsed() > Duration::from_secs(1) {
        eprintln!("  waited {:.1} s for the server's one-time repairs", t.elapsed().as_secs_f64());
    }
}

/// A small deterministic generator (SplitMix64), so every run draws the same numbers.
pub struct Rng(pub u64);

// Not every benchmark draws every kind of number.
#[allow(dead_code)]
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Roughly normal, mean 0, sd 1.
    pub fn gauss(&mut self) -> f64 {
        (0..6).map(|_| self.f()).sum::<f64>() - 3.0
    }
}
