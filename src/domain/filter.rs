//! What a reader asks for: filters, sort order, page size and cursor, parsed from query pairs.
//!
//! The API and `eventmap export` read the same `key=value` pairs through [`parse_query`], so a
//! filter means the same thing wherever it is written. Unknown keys are refused rather than
//! ignored: a typo (`catgory=`) must not silently return everything.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Status, ValidationErrors, Vocabulary, time};

/// A bounding box in degrees. `min_lon > max_lon` means the box crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    /// Parses `minLon,minLat,maxLon,maxLat` (or the 6-number form with heights, which are ignored).
    pub fn parse(s: &str) -> Result<Self, String> {
        let nums: Result<Vec<f64>, _> = s.split(',').map(|p| p.trim().parse::<f64>()).collect();
        let nums = nums.map_err(|_| format!("`{s}` is not four numbers minLon,minLat,maxLon,maxLat"))?;
        let (min_lon, min_lat, max_lon, max_lat) = match nums[..] {
            [a, b, c, d] => (a, b, c, d),
            [a, b, _, d, e, _] => (a, b, d, e),
            _ => return Err(format!("`{s}` is not four numbers minLon,minLat,maxLon,maxLat")),
        };
        let lon_ok = |v: f64| v.is_finite() && (-180.0..=180.0).contains(&v);
        let lat_ok = |v: f64| v.is_finite() && (-90.0..=90.0).contains(&v);
        if !lon_ok(min_lon) || !lon_ok(max_lon) || !lat_ok(min_lat) || !lat_ok(max_lat) {
            return Err(format!("`{s}` has a longitude outside -180..180 or a latitude outside -90..90"));
        }
        if min_lat > max_lat {
            return Err(format!("`{s}`: minLat is greater than maxLat"));
        }
        Ok(Self { min_lon, min_lat, max_lon, max_lat })
    }

    /// The box as one or two boxes that do not cross the antimeridian.
    pub fn split(&self) -> Vec<BBox> {
        if self.min_lon <= self.max_lon {
            vec![*self]
        } else {
            vec![BBox { max_lon: 180.0, ..*self }, BBox { min_lon: -180.0, ..*self }]
        }
    }

    /// Whether the box covers the whole world (then it filters nothing).
    pub fn is_world(&self) -> bool {
        self.min_lon <= -180.0 && self.max_lon >= 180.0 && self.min_lat <= -90.0 && self.max_lat >= 90.0
    }
}

/// The radius of `near=` and `place=` filters when `radius_km` is not given, in kilometres.
pub const DEFAULT_RADIUS_KM: f64 = 25.0;

/// Within `radius_km` of a point (great-circle distance on a sphere of radius 6371 km).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub lon: f64,
    pub lat: f64,
    pub radius_km: f64,
}

/// Mean Earth radius in km, used for every distance in eventmap.
pub const EARTH_RADIUS_KM: f64 = 6371.0;

impl Near {
    /// A box that contains every point within the radius (for an index lookup before the exact test).
    pub fn bbox(&self) -> BBox {
        let dlat = (self.radius_km / EARTH_RADIUS_KM).to_degrees();
        let min_lat = (self.lat - dlat).max(-90.0);
        let max_lat = (self.lat + dlat).min(90.0);
        let coslat = min_lat.to_radians().cos().min(max_lat.to_radians().cos());
        if max_lat >= 90.0 || min_lat <= -90.0 || coslat < 1e-6 || dlat / coslat >= 180.0 {
            return BBox { min_lon: -180.0, min_lat, max_lon: 180.0, max_lat };
        }
        let dlon = (dlat / coslat).min(180.0);
        let mut min_lon = self.lon - dlon;
        let mut max_lon = self.lon + dlon;
        if min_lon < -180.0 {
            min_lon += 360.0;
        }
        if max_lon > 180.0 {
            max_lon -= 360.0;
        }
        BBox { min_lon, min_lat, max_lon, max_lat }
    }

    /// The squared chord length, on the unit sphere, equal to the radius: two points are within
    /// the radius exactly when the squared distance between their unit vectors is at most this.
    /// It lets a database test great-circle distance with arithmetic alone.
    pub fn chord2(&self) -> f64 {
        let angle = (self.radius_km / EARTH_RADIUS_KM).min(std::f64::consts::PI);
        let c = 2.0 * (angle / 2.0).sin();
        c * c
    }
}

/// A point as a unit vector (x, y, z); see [`Near::chord2`].
pub fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lo, la) = (lon.to_radians(), lat.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

/// Great-circle distance in km between two points given in degrees (haversine).
pub fn distance_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Events referencing a gazetteer place, or lying near it; for a country or a region, lying in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceFilter {
    pub gazetteer_id: String,
    pub near: Near,
    /// For a country or a first-level division, the area whose events these are (the same as
    /// `country=` or `admin1=`), rather than those within a radius of its centre.
    pub area: Option<Area>,
}

/// An area whose events a place filter keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum Area {
    /// A country by its ISO alpha-2 code.
    Country(String),
    /// A first-level division by its gazetteer id.
    Admin1(String),
}

/// Every filter of `GET /api/events`, all optional and combined with AND; the values of a
/// repeated filter are combined with OR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub bbox: Option<BBox>,
    pub near: Option<Near>,
    pub place: Option<PlaceFilter>,
    pub countries: Vec<String>,
    /// `admin1=`: gazetteer ids of first-level divisions.
    pub admin1: Vec<String>,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    /// Lower-cased actor names; one ending in `*` matches every actor that begins with the rest.
    pub actors: Vec<String>,
    pub statuses: Vec<Status>,
    /// Events with at least this many reported fatalities (events that report none are left out).
    pub fatalities_min: Option<u32>,
    pub q: Option<String>,
    /// The gazetteer ids of the places `q` names: events at those places match `q` too,
    /// whatever spelling their places were given.
    pub q_places: Vec<String>,
    pub source_domains: Vec<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub include_deleted: bool,
    /// `geometry_type=`: any of these kinds of geometry.
    pub geometry_types: Vec<super::geometry_type::GeometryType>,
}

/// Sort orders. Ties are broken by the order events were stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sort {
    #[serde(rename = "start")]
    StartAsc,
    #[default]
    #[serde(rename = "-start")]
    StartDesc,
    /// Oldest change first: the order of the corrections feed.
    #[serde(rename = "updated_at")]
    UpdatedAsc,
    #[serde(rename = "-updated_at")]
    UpdatedDesc,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "start" | "+start" => Self::StartAsc,
            "-start" => Self::StartDesc,
            "updated_at" | "+updated_at" => Self::UpdatedAsc,
            "-updated_at" => Self::UpdatedDesc,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartAsc => "start",
            Self::StartDesc => "-start",
            Self::UpdatedAsc => "updated_at",
            Self::UpdatedDesc => "-updated_at",
        }
    }

    pub fn descending(self) -> bool {
        matches!(self, Self::StartDesc | Self::UpdatedDesc)
    }
}

/// Where the next page starts: after the row with this sort key and sequence number. It also
/// carries the total counted on the first page, so that later pages need not count again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort key of the last row returned (milliseconds, or a change number).
    #[serde(rename = "k")]
    pub key: i64,
    /// The storage sequence number of the last row returned.
    #[serde(rename = "s")]
    pub seq: i64,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<u64>,
}

/// A cursor as a client holds it: with the [`EventFilter::fingerprint`] of the filters and order
/// it was issued for, since a cursor reused with other filters would start at the wrong row and
/// report the wrong total.
#[derive(Serialize, Deserialize)]
struct Bound {
    #[serde(flatten)]
    cursor: Cursor,
    #[serde(rename = "f")]
    filters: u64,
}

impl EventFilter {
    /// A number that tells these filters in this `sort` order from any others, for binding a
    /// cursor to the list it was issued for (the first 8 bytes of SHA-256 over their debug form,
    /// which is the same for the same filters within one build).
    pub fn fingerprint(&self, sort: Sort) -> u64 {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(format!("{self:?}|{}", sort.as_str()).as_bytes());
        u64::from_be_bytes(d[..8].try_into().expect("eight bytes"))
    }
}

impl Cursor {
    /// The cursor as a `next` link carries it, bound to the `filters` it was issued for.
    pub fn encode(&self, filters: u64) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&Bound { cursor: *self, filters }).expect("serialisable"))
    }

    /// A cursor from a `next` link, with the fingerprint of the filters it was issued for.
    pub fn decode(s: &str) -> Result<(Self, u64), String> {
        URL_SAFE_NO_PAD
            .decode(s.trim())
            .ok()
            .and_then(|b| serde_json::from_slice::<Bound>(&b).ok())
            .map(|b| (b.cursor, b.filters))
            .ok_or_else(|| "the cursor is not one this server issued; start again from the first page".to_string())
    }
}

/// Page size, order and position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub sort: Sort,
    pub cursor: Option<Cursor>,
}

pub const DEFAULT_LIMIT: u32 = 500;
pub const MAX_LIMIT: u32 = 10_000;

impl Default for PageRequest {
    fn default() -> Self {
        Self { limit: DEFAULT_LIMIT, sort: Sort::default(), cursor: None }
    }
}

/// Output formats of the events list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Geojson,
    Csv,
    Ndjson,
    Kml,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "geojson" | "json" => Self::Geojson,
            "csv" => Self::Csv,
            "ndjson" | "jsonl" => Self::Ndjson,
            "kml" => Self::Kml,
            _ => return None,
        })
    }
}

/// Everything a list request asks for. `place` is the raw `place=` value, which only the
/// gazetteer can turn into a [`PlaceFilter`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub filter: EventFilter,
    pub page: PageRequest,
    pub format: Format,
    pub place: Option<String>,
    pub radius_km: Option<f64>,
    /// `country=` values that are names rather than codes (`Syria`, `سوريا`), which only the
    /// gazetteer can turn into codes for [`EventFilter::countries`].
    pub country_names: Vec<String>,
    /// `admin1=` values (names in any script or gazetteer ids), which only the gazetteer can
    /// turn into the ids of [`EventFilter::admin1`].
    pub admin1_names: Vec<String>,
    /// The fingerprint of the filters the `cursor` was issued for.
    pub cursor_filters: Option<u64>,
    pub options: ListOptions,
}

/// What a list answers besides its selection: how `numberMatched` is counted and which fields
/// each Feature carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// `count=exact`: `numberMatched` counted exactly however many events match (by default it
    /// is an estimate, marked so, beyond a bound).
    pub count_exact: bool,
    /// `properties=` (OGC API – Features Part 1): the only properties each Feature carries, in
    /// the order of [`FEATURE_PROPERTIES`]; `None` for all of them.
    pub properties: Option<Vec<String>>,
    /// `captures=true`: each source of a GeoJSON page carries its latest capture (`captured_at`,
    /// `sha256`), as the download formats always do; off by default, since it costs a lookup.
    pub captures: bool,
}

/// The properties of an event's Feature, in the order it is written.
pub const FEATURE_PROPERTIES: [&str; 17] = [
    "title",
    "description",
    "category",
    "tags",
    "actors",
    "start",
    "end",
    "time_precision",
    "places",
    "sources",
    "status",
    "fatalities",
    "properties",
    "reported_at",
    "created_at",
    "updated_at",
    "revision",
];

/// Parses `properties=`: property names separated by commas, each one of
/// [`FEATURE_PROPERTIES`]; an empty value keeps none.
fn parse_properties(v: &str) -> Result<Vec<String>, String> {
    let mut keep = Vec::new();
    for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if !FEATURE_PROPERTIES.contains(&name) {
            return Err(format!("`{name}` is not a property of an event (one of {})", FEATURE_PROPERTIES.join(", ")));
        }
        keep.push(name);
    }
    Ok(FEATURE_PROPERTIES.iter().filter(|p| keep.contains(p)).map(|p| p.to_string()).collect())
}

/// Keys that list requests accept; callers may allow more (the histogram's `bucket`).
pub const LIST_KEYS: [&str; 28] = [
    "start",
    "end",
    "bbox",
    "lat",
    "lon",
    "radius_km",
    "place",
    "country",
    "admin1",
    "category",
    "tag",
    "actor",
    "fatalities_min",
    "status",
    "q",
    "source",
    "updated_since",
    "include_deleted",
    "limit",
    "cursor",
    "sort",
    "format",
    "f",
    "datetime",
    "geometry_type",
    "count",
    "properties",
    "captures",
];

/// Parses list query pairs. `extra` names further keys the caller handles itself.
pub fn parse_query(
    pairs: &[(String, String)],
    vocab: &Vocabulary,
    extra: &[&str],
) -> Result<ListQuery, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut q = ListQuery::default();
    let (mut lat, mut lon) = (None, None);
    for (k, v) in pairs {
        let v = v.trim();
        let num = |e: &mut ValidationErrors| -> Option<f64> {
            match v.parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    e.add(k.clone(), format!("`{v}` is not a number"));
                    None
                }
            }
        };
        match k.as_str() {
            "start" => match time::parse_query_start(v) {
                Ok(t) => q.filter.start = Some(t),
                Err(m) => e.add("start", m),
            },
            "end" => match time::parse_query_end(v) {
                Ok(t) => q.filter.end = Some(t),
                Err(m) => e.add("end", m),
            },
            "bbox" => match BBox::parse(v) {
                Ok(b) => q.filter.bbox = Some(b),
                Err(m) => e.add("bbox", m),
            },
            "lat" => lat = num(&mut e),
            "lon" => lon = num(&mut e),
            "radius_km" => match num(&mut e) {
                Some(r) if r > 0.0 && r <= 20_100.0 => q.radius_km = Some(r),
                Some(_) => e.add("radius_km", "must be more than 0 and at most 20100"),
                None => {}
            },
            "place" if !v.is_empty() => q.place = Some(v.to_string()),
            "country" => {
                for c in v.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    match super::country::any_iso(c) {
                        Some(code) => q.filter.countries.push(code.to_string()),
                        // A name, in any script, for the gazetteer: not something shaped like a code.
                        None if c.chars().count() > 3 && !c.bytes().all(|b| b.is_ascii_digit()) => {
                            q.country_names.push(c.to_string())
                        }
                        None => e.add(
                            "country",
                            format!("`{c}` is not an ISO 3166-1 code (alpha-2 SY, alpha-3 SYR or numeric 760) or a country name"),
                        ),
                    }
                }
            }
            "admin1" => {
                q.admin1_names.extend(v.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string))
            }
            "fatalities_min" => match v.parse::<u32>() {
                Ok(n) => q.filter.fatalities_min = Some(n),
                Err(_) => e.add("fatalities_min", "must be a whole number, 0 or more"),
            },
            "category" => {
                for c in v.split(',').filter(|c| !c.trim().is_empty()) {
                    match vocab.resolve(c) {
                        Some(c) => q.filter.categories.push(c.to_string()),
                        None => e.add("category", format!("`{c}` is not a category")),
                    }
                }
            }
            "tag" if !v.is_empty() => q.filter.tags.push(v.to_lowercase()),
            "actor" if !v.is_empty() => match v.strip_suffix('*') {
                Some(prefix) if prefix.trim().is_empty() || prefix.contains('*') => {
                    e.add("actor", "a prefix needs at least one character before its single `*` (actor=Hayat*)")
                }
                _ if v.trim_end_matches('*').contains('*') => {
                    e.add("actor", "`*` stands only at the end, for a prefix (actor=Hayat*)")
                }
                _ => q.filter.actors.push(v.to_lowercase()),
            },
            "status" => {
                for s in v.split(',').filter(|c| !c.trim().is_empty()) {
                    match Status::parse(s) {
                        Some(s) => q.filter.statuses.push(s),
                        None => e.add("status", format!("`{s}` is not a status")),
                    }
                }
            }
            "q" if !v.is_empty() => {
                if v.chars().count() > 500 {
                    e.add("q", "must be at most 500 characters");
                } else if crate::fold::words(&crate::fold::fold(v)).next().is_none() {
                    // Without a word it would filter nothing and answer every event.
                    e.add("q", "has no word to search for (letters or digits)");
                } else {
                    q.filter.q = Some(v.to_string());
                }
            }
            "source" if !v.is_empty() => {
                let d = v.to_ascii_lowercase();
                let d = super::source::domain_of(&d).unwrap_or(d);
                q.filter.source_domains.push(d.strip_prefix("www.").unwrap_or(&d).to_string());
            }
            "updated_since" => match time::parse_instant(v) {
                Ok(p) => q.filter.updated_since = Some(p.at),
                Err(m) => e.add("updated_since", m),
            },
            "include_deleted" => match v {
                "true" | "1" => q.filter.include_deleted = true,
                "false" | "0" | "" => q.filter.include_deleted = false,
                _ => e.add("include_deleted", "must be true or false"),
            },
            "limit" => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => q.page.limit = n,
                _ => e.add("limit", format!("must be a whole number from 1 to {MAX_LIMIT}")),
            },
            "cursor" if !v.is_empty() => match Cursor::decode(v) {
                Ok((c, filters)) => {
                    q.page.cursor = Some(c);
                    q.cursor_filters = Some(filters);
                }
                Err(m) => e.add("cursor", m),
            },
            "sort" => match Sort::parse(v) {
                Some(s) => q.page.sort = s,
                None => e.add("sort", "must be one of start, -start, updated_at, -updated_at"),
            },
            "format" | "f" => match Format::parse(v) {
                Some(f) => q.format = f,
                None => e.add(k.clone(), "must be one of geojson, csv, ndjson, kml"),
            },
            "datetime" => match parse_datetime_interval(v) {
                Ok((s, en)) => {
                    q.filter.start = s;
                    q.filter.end = en;
                }
                Err(m) => e.add("datetime", m),
            },
            "geometry_type" => super::geometry_type::parse_list(v, &mut q.filter.geometry_types, &mut e),
            "count" => match v {
                "exact" => q.options.count_exact = true,
                "" | "auto" => q.options.count_exact = false,
                _ => e.add("count", "must be exact or auto"),
            },
            "captures" => match v {
                "true" => q.options.captures = true,
                "" | "false" => q.options.captures = false,
                _ => e.add("captures", "must be true or false"),
            },
            "properties" => match parse_properties(v) {
                Ok(p) => q.options.properties = Some(p),
                Err(m) => e.add("properties", m),
            },
            "tag" | "actor" | "q" | "source" | "place" | "cursor" => {}
            other if extra.contains(&other) => {}
            other => e.add(other.to_string(), "is not a known parameter"),
        }
    }
    match (lat, lon) {
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                e.add("lat", "must be within -90..90");
            }
            if !(-180.0..=180.0).contains(&lon) {
                e.add("lon", "must be within -180..180");
            }
            q.filter.near = Some(Near { lon, lat, radius_km: q.radius_km.unwrap_or(DEFAULT_RADIUS_KM) });
        }
        (None, None) if q.radius_km.is_some() && q.place.is_none() => {
            e.add("radius_km", "needs a centre: place, or lat and lon")
        }
        (None, None) => {}
        (Some(_), None) => e.add("lon", "is required with lat"),
        (None, Some(_)) => e.add("lat", "is required with lon"),
    }
    if let (Some(s), Some(en)) = (q.filter.start, q.filter.end) {
        if en < s {
            e.add("end", "is before start");
        }
    }
    e.into_result(q)
}

/// An interval whose ends may be open.
pub type OpenInterval = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Parses an OGC `datetime`: an instant, or `start/end` with `..` or an empty side for open ends.
pub fn parse_datetime_interval(v: &str) -> Result<OpenInterval, String> {
    let open = |s: &str| s.is_empty() || s == "..";
    match v.split_once('/') {
        None => {
            let p = time::parse_instant(v)?;
            let end = if p.date_only { time::TimePrecision::Day.period_end(p.at) } else { p.at };
            Ok((Some(p.at), Some(end)))
        }
        Some((a, b)) => {
            if open(a) && open(b) {
                return Ok((None, None));
            }
            let s = if open(a) { None } else { Some(time::parse_instant(a)?.at) };
            let en = if open(b) { None } else { Some(time::parse_range_end(b)?) };
            if let (Some(s), Some(en)) = (s, en) {
                if en < s {
                    return Err("the interval ends before it starts".into());
                }
            }
            Ok((s, en))
        }
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;

/// Histogram bucket sizes. Weeks start on Monday (ISO 8601); all buckets are in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Hour,
    #[default]
    Day,
    Week,
    Month,
    Year,
}

impl Bucket {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "hour" => Self::Hour,
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "year" => Self::Year,
            _ => return None,
        })
    }

    /// The start of the bucket that holds `day` (days since the epoch), as days since the epoch.
    pub fn floor_day(self, day: i64) -> i64 {
        use chrono::Datelike;
        match self {
            Self::Hour | Self::Day => day,
            // 1970-01-01 was a Thursday; Monday is three days earlier.
            Self::Week => day - (day + 3).rem_euclid(7),
            Self::Month | Self::Year => {
                let d = time::from_millis(day * 86_400_000).date_naive();
                let first = if self == Self::Month { d.with_day(1) } else { d.with_ordinal(1) };
                first.map(|f| f.signed_duration_since(chrono::NaiveDate::default()).num_days()).unwrap_or(day)
            }
        }
    }
}

/// Days since the epoch of an instant in milliseconds (rounding down, also before 1970).
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(86_400_000)
}

#[cfg(test)]
mod bucket_tests {
    use super::*;

    fn day(s: &str) -> i64 {
        day_of(time::parse_instant(s).unwrap().at.timestamp_millis())
    }

    #[test]
    fn buckets_start_on_monday_the_first_of_the_month_and_new_year() {
        assert_eq!(Bucket::Week.floor_day(day("2025-02-12")), day("2025-02-10"));
        assert_eq!(Bucket::Week.floor_day(day("2025-02-10")), day("2025-02-10"));
        assert_eq!(Bucket::Month.floor_day(day("2025-02-12")), day("2025-02-01"));
        assert_eq!(Bucket::Year.floor_day(day("2025-02-12")), day("2025-01-01"));
        assert_eq!(day_of(-1), -1);
    }
}
