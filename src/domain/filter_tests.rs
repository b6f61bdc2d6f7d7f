//! Tests of parsing the list's query parameters into a filter and a page.

use super::*;

fn pairs(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes()).into_owned().collect()
}

fn parse(s: &str) -> Result<ListQuery, ValidationErrors> {
    parse_query(&pairs(s), &Vocabulary::default(), &[])
}

#[test]
fn every_filter_is_read() {
    let q = parse("start=2025-02-01&end=2025-02-28&bbox=35,34,37,36&category=Military%20movement&category=protest&tag=Navy&status=reported,verified&q=convoy&source=https://www.uawire.org/x&limit=10&sort=start&country=sy").unwrap();
    assert_eq!(q.filter.categories, ["military_movement", "protest"]);
    assert_eq!(q.filter.tags, ["navy"]);
    assert_eq!(q.filter.statuses, [Status::Reported, Status::Verified]);
    assert_eq!(q.filter.source_domains, ["uawire.org"]);
    assert_eq!(q.filter.countries, ["SY"]);
    assert_eq!(q.page.limit, 10);
    assert_eq!(q.page.sort, Sort::StartAsc);
    assert_eq!(time::format_rfc3339(q.filter.end.unwrap()), "2025-02-28T23:59:59.999Z");
}

#[test]
fn unknown_and_malformed_parameters_are_refused_by_name() {
    let e = parse("catgory=protest&limit=0&bbox=1,2,3&lat=91&lon=0").unwrap_err();
    let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["catgory", "limit", "bbox", "lat"]);
}

#[test]
fn a_bbox_across_the_antimeridian_splits_in_two() {
    let b = BBox::parse("170,-20,-170,-10").unwrap();
    let parts = b.split();
    assert_eq!(parts.len(), 2);
    assert_eq!((parts[0].min_lon, parts[0].max_lon), (170.0, 180.0));
    assert_eq!((parts[1].min_lon, parts[1].max_lon), (-180.0, -170.0));
    assert!(BBox::parse("0,10,1,5").is_err());
}

#[test]
fn the_chord_test_agrees_with_haversine() {
    let near = Near { lon: 35.79, lat: 35.53, radius_km: 60.0 };
    let c = unit_vector(near.lon, near.lat);
    for (lon, lat) in [(35.886, 34.889), (35.95, 35.41), (36.29, 33.51), (35.79, 36.07)] {
        let p = unit_vector(lon, lat);
        let d2: f64 = (0..3).map(|i| (p[i] - c[i]).powi(2)).sum();
        assert_eq!(d2 <= near.chord2(), distance_km(near.lon, near.lat, lon, lat) <= 60.0, "{lon},{lat}");
    }
}

#[test]
fn the_search_box_of_a_radius_contains_the_circle() {
    let near = Near { lon: 179.9, lat: 10.0, radius_km: 50.0 };
    let b = near.bbox();
    assert!(b.min_lon > b.max_lon, "crosses the antimeridian: {b:?}");
    let polar = Near { lon: 0.0, lat: 89.9, radius_km: 50.0 }.bbox();
    assert_eq!((polar.min_lon, polar.max_lon), (-180.0, 180.0));
}

#[test]
fn a_cursor_round_trips_and_a_forged_one_is_refused() {
    let c = Cursor { key: 1_739_145_600_000, seq: 42, matched: Some(7) };
    assert_eq!(Cursor::decode(&c.encode(99)).unwrap(), (c, 99));
    assert!(Cursor::decode("not-a-cursor").is_err());
}

#[test]
fn ogc_datetime_intervals_may_be_open() {
    let (s, e) = parse_datetime_interval("2025-02-10/..").unwrap();
    assert!(s.is_some() && e.is_none());
    let (s, e) = parse_datetime_interval("../2025-02-10T12:00:00Z").unwrap();
    assert!(s.is_none() && e.is_some());
    let (s, e) = parse_datetime_interval("2025-02-10").unwrap();
    assert_eq!(time::format_rfc3339(e.unwrap()), "2025-02-10T23:59:59.999Z");
    assert!(s.is_some());
    assert!(parse_datetime_interval("2025-02-10/2025-01-01").is_err());
}
