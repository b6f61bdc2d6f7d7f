//! Following changes: saved searches (a name and the query parameters of `GET /api/events`),
//! webhooks (a URL, a secret and what to send), their deliveries and attempts, the signature of a
//! delivery and the retry schedule. Pure values; storing and sending them is elsewhere.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::ValidationErrors;

/// The keys of `GET /api/events` that are not filters: paging, order, format and change
/// tracking (a feed and a webhook bring those themselves).
const NOT_FILTERS: [&str; 10] =
    ["updated_since", "include_deleted", "limit", "cursor", "sort", "format", "f", "count", "properties", "captures"];

/// Filter keys a saved search or a webhook may hold: every key of `GET /api/events`
/// ([`super::filter::LIST_KEYS`]) but paging, order, format and change tracking, so that a
/// new filter is followable too.
pub fn filter_keys() -> impl Iterator<Item = &'static str> {
    super::filter::LIST_KEYS.into_iter().filter(|k| !NOT_FILTERS.contains(k))
}

/// The query parameters of a saved search, by key; a key may hold several values (as a
/// repeated query parameter does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilters(pub BTreeMap<String, Vec<String>>);

impl SearchFilters {
    /// Reads `{"category": "protest", "country": ["SY", "LB"], "fatalities_min": 5}`: strings,
    /// numbers, booleans or lists of them, under the keys of [`filter_keys`]. Whether the values
    /// make sense is for the events query parser to say (`filter::parse_query`).
    pub fn from_json(v: &Value, field: &str) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let Value::Object(obj) = v else {
            return Err(ValidationErrors::one(field, "must be an object of query parameters of GET /api/events"));
        };
        let mut out = BTreeMap::new();
        for (k, v) in obj {
            let path = format!("{field}.{k}");
            if !filter_keys().any(|f| f == k) {
                let keys: Vec<&str> = filter_keys().collect();
                e.add(path, format!("not a filter of a saved search; use one of {}", keys.join(", ")));
                continue;
            }
            let scalar = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            };
            let values: Option<Vec<String>> = match v {
                Value::Array(a) => a.iter().map(scalar).collect(),
                v => scalar(v).map(|s| vec![s]),
            };
            match values {
                Some(vs) if vs.iter().all(|s| s.len() <= 2_000) => {
                    if !vs.is_empty() {
                        out.insert(k.clone(), vs);
                    }
                }
                Some(_) => e.add(path, "is longer than 2,000 characters"),
                None => e.add(path, "must be a string, a number, a boolean or a list of them"),
            }
        }
        if e.errors.is_empty() { Ok(Self(out)) } else { Err(e) }
    }

    /// The filters as query pairs, for the events query parser and for URLs.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.0.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone()))).collect()
    }

    /// The filters as a query string (without `?`).
    pub fn query_string(&self) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            ser.append_pair(&k, &v);
        }
        ser.finish()
    }

    /// The filters as stored and served: one value as a string, several as a list.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (k, vs) in &self.0 {
            let v = match vs.as_slice() {
                [one] => Value::String(one.clone()),
                many => Value::Array(many.iter().cloned().map(Value::String).collect()),
            };
            m.insert(k.clone(), v);
        }
        Value::Object(m)
    }
}

/// A saved search.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSearch {
    pub id: Uuid,
    pub name: String,
    pub filters: SearchFilters,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Checks a saved search's name: 1 to 200 characters once trimmed.
pub fn check_name(name: &str) -> Result<String, ValidationErrors> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(ValidationErrors::one("name", "must be 1 to 200 characters"));
    }
    Ok(n.to_string())
}

/// What happened to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 3] = [Self::Created, Self::Updated, Self::Deleted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a webhook follows: a saved search (whose filters may change later) or its own filters.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Search(Uuid),
    Filters(SearchFilters),
}

/// A webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub subject: Subject,
    /// The HMAC key; never served back.
    pub secret: String,
    pub events: Vec<ChangeKind>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The change number up to which changes were matched against it.
    pub cursor: i64,
    /// Why its filters could not be used at the last round (a place no longer known, a saved
    /// search gone); `None` while they work. Its changes wait meanwhile.
    pub last_error: Option<String>,
    /// Since when its filters fail.
    pub failing_since: Option<DateTime<Utc>>,
}

/// Checks a webhook secret: 16 to 200 characters, so that a signature means something.
pub fn check_secret(secret: &str) -> Result<(), ValidationErrors> {
    let n = secret.chars().count();
    if !(16..=200).contains(&n) {
        return Err(ValidationErrors::one("secret", "must be 16 to 200 characters"));
    }
    Ok(())
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Every attempt failed; no more are made.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed].into_iter().find(|k| k.as_str() == s)
    }
}

/// A delivery to queue: the body is made once, so that every attempt sends the same bytes with
/// the same signature.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub kind: ChangeKind,
    /// The change number it was made for.
    pub change: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A webhook's cursor to move from `from` to `to`, with the deliveries queued for the changes
/// in between; a worker round writes many at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Advance {
    pub webhook_id: Uuid,
    pub from: i64,
    pub to: i64,
    pub deliveries: Vec<NewDelivery>,
    /// Why its filters could not be used (the webhook is then failing), or `None` (it works).
    pub error: Option<String>,
}

/// A queued delivery and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub kind: ChangeKind,
    pub body: String,
    pub state: DeliveryState,
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries only).
    pub next_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub number: u32,
    pub at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    pub duration_ms: u32,
}

/// The value of `X-Eventmap-Signature`: `sha256=` and the lower-case hex HMAC-SHA256 of the body
/// keyed with the webhook's secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in tag {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The waits between attempts: after the n-th failed attempt the next comes after the n-th
/// wait; when they run out, the delivery has failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff(pub Vec<Duration>);

impl Default for Backoff {
    /// Six attempts over about an hour: at once, then after 10 s, 1 min, 5 min, 15 min and 40 min
    /// (61 min 10 s after the first).
    fn default() -> Self {
        Self([10, 60, 300, 900, 2400].into_iter().map(Duration::from_secs).collect())
    }
}

impl Backoff {
    /// Reads a comma-separated list of seconds (`10,60,300`), fractions allowed.
    pub fn parse(s: &str) -> Result<Self, String> {
        let waits: Result<Vec<Duration>, String> = s
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0 && *x <= 7.0 * 86_400.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| format!("`{p}` is not a number of seconds from 0 to a week"))
            })
            .collect();
        let waits = waits?;
        if waits.is_empty() {
            return Err("give at least one wait".into());
        }
        Ok(Self(waits))
    }

    /// The wait before the next attempt after `made` attempts failed, or `None` when there is none.
    pub fn after(&self, made: u32) -> Option<Duration> {
        self.0.get((made as usize).checked_sub(1)?).copied()
    }

    /// How many attempts a delivery gets in all.
    pub fn attempts(&self) -> u32 {
        self.0.len() as u32 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_rfc_4231() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_default_schedule_gives_six_attempts_over_about_an_hour_with_a_quick_first_retry() {
        let b = Backoff::default();
        assert_eq!(b.attempts(), 6);
        assert!(b.after(1).unwrap() <= Duration::from_secs(30));
        let total: u64 = (1..b.attempts()).map(|n| b.after(n).unwrap().as_secs()).sum();
        assert!((3_300..=4_000).contains(&total), "{total} s");
        assert_eq!(b.after(b.attempts()), None);
        assert_eq!(b.after(0), None);
    }

    #[test]
    fn backoff_lists_are_read_and_bad_ones_refused() {
        assert_eq!(Backoff::parse("0.5, 2").unwrap().0, vec![Duration::from_millis(500), Duration::from_secs(2)]);
        assert!(Backoff::parse("1,x").is_err());
        assert!(Backoff::parse("-1").is_err());
    }

    #[test]
    fn filters_read_scalars_and_lists_and_refuse_unknown_keys() {
        let f = SearchFilters::from_json(&json!({"category": ["protest", "riot"], "fatalities_min": 3}), "filters")
            .unwrap();
        assert_eq!(
            f.pairs(),
            vec![
                ("category".into(), "protest".into()),
                ("category".into(), "riot".into()),
                ("fatalities_min".into(), "3".into())
            ]
        );
        assert_eq!(f.to_json(), json!({"category": ["protest", "riot"], "fatalities_min": "3"}));
        let e = SearchFilters::from_json(&json!({"limit": 5, "q": {"x": 1}}), "filters").unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["filters.limit", "filters.q"]);
        assert!(SearchFilters::from_json(&json!([1]), "filters").is_err());
    }
}
