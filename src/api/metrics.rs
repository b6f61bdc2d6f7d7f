//! Request counters and timings by route and status, written in the Prometheus text format.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Timing {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    timings: Mutex<BTreeMap<(String, String), Timing>>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    /// Records one request: its method, route template (never the raw path, which would make a
    /// series per event id), status and duration.
    pub fn record(&self, method: &str, route: &str, status: u16, took: Duration) {
        *self.requests.lock().expect("metrics lock").entry((method.into(), route.into(), status)).or_default() += 1;
        let secs = took.as_secs_f64();
        let mut t = self.timings.lock().expect("metrics lock");
        let e = t.entry((method.into(), route.into())).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                e.counts[i] += 1;
            }
        }
        e.count += 1;
        e.sum += secs;
    }

    /// The Prometheus text exposition of all metrics.
    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP eventmap_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE eventmap_http_requests_total counter\n");
        for ((m, r, s), n) in self.requests.lock().expect("metrics lock").iter() {
            out.push_str(&format!(
                "eventmap_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}\n",
                escape(m),
                escape(r)
            ));
        }
        out.push_str("# HELP eventmap_http_request_duration_seconds Time to the response head, by method and route.\n");
        out.push_str("# TYPE eventmap_http_request_duration_seconds histogram\n");
        for ((m, r), t) in self.timings.lock().expect("metrics lock").iter() {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(m), escape(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                out.push_str(&format!(
                    "eventmap_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}\n",
                    t.counts[i]
                ));
            }
            out.push_str(&format!(
                "eventmap_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n",
                t.count
            ));
            out.push_str(&format!("eventmap_http_request_duration_seconds_sum{{{labels}}} {}\n", t.sum));
            out.push_str(&format!("eventmap_http_request_duration_seconds_count{{{labels}}} {}\n", t.count));
        }
        for (name, help, value) in extra {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_status_and_timed() {
        let m = Metrics::default();
        m.record("GET", "/api/events/{id}", 200, Duration::from_millis(3));
        m.record("GET", "/api/events/{id}", 200, Duration::from_millis(30));
        m.record("GET", "/api/events/{id}", 404, Duration::from_millis(1));
        let text = m.render(&[("eventmap_events", "Live events.", 7.0)]);
        assert!(
            text.contains("eventmap_http_requests_total{method=\"GET\",route=\"/api/events/{id}\",status=\"200\"} 2")
        );
        assert!(text.contains("status=\"404\"} 1"));
        assert!(text.contains(
            "eventmap_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/events/{id}\",le=\"0.005\"} 2"
        ));
        assert!(
            text.contains("eventmap_http_request_duration_seconds_count{method=\"GET\",route=\"/api/events/{id}\"} 3")
        );
        assert!(text.contains("eventmap_events 7"));
    }
}
