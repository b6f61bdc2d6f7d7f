//! `eventmap import` and `eventmap export` as a user runs them: the summary on standard output,
//! line-numbered rejections and a non-zero exit for a bad file, `--skip-invalid --rejects`,
//! standard input, exports in every format read back, and the same files imported into
//! PostgreSQL (when `TEST_DATABASE_URL` names a server) stored as SQLite stores them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::cli::{eventmap, text};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

#[test]
fn an_acled_file_is_imported_once_and_then_found_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let f = fixture("acled-current.csv");
    let o = eventmap(&db, &["import", f.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("6 rows (acled)"), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("6 created"), "{}", text(&o));
    let o = eventmap(&db, &["import", f.to_str().unwrap(), "--format", "acled", "--quiet"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 created, 0 updated, 6 unchanged"), "{}", text(&o));
}

#[test]
fn a_bad_file_exits_non_zero_listing_lines_and_imports_nothing_unless_told_to_skip() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let f = fixture("acled-bad.csv");
    let o = eventmap(&db, &["import", f.to_str().unwrap(), "--quiet"]);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 3 (record 2): event_date"), "{}", text(&o));
    assert!(err.contains("line 4 (record 3): places[0].lat"), "{}", text(&o));
    assert!(err.contains("line 5 (record 4): fatalities"), "{}", text(&o));
    assert!(err.contains("nothing was imported"), "{}", text(&o));
    let export = eventmap(&db, &["export", "--format", "ndjson"]);
    assert!(export.stdout.is_empty(), "{}", text(&export));

    let rejects = dir.path().join("rejects.csv");
    let o = eventmap(
        &db,
        &["import", f.to_str().unwrap(), "--quiet", "--skip-invalid", "--rejects", rejects.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 created"), "{}", text(&o));
    let r = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = r.lines().collect();
    assert!(lines[0].starts_with("_line,_reason,event_id_cnty,"), "{r}");
    assert!(lines[1].starts_with("3,\"event_date:"), "{r}");
    assert_eq!(lines.len(), 4, "{r}");
}

/// The header of the made-up ACLED files below (current layout, fewer columns).
const ACLED_HEADER: &str = "event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,iso,country,admin1,location,latitude,longitude,geo_precision,source,notes,fatalities";

/// Made-up ACLED rows in Idlib and Aleppo: good, a bad date (line 3), good with a note over two
/// lines (lines 4 and 5), a latitude off the globe (line 6).
const ACLED_ROWS: [&str; 4] = [
    "XSY9001,02 June 2023,2023,1,Battles,Armed clash,Fictional Brigade North,760,Syria,Idlib,Idlib,35.9306,36.6339,1,Example Weekly,A made-up clash.,0",
    "XSY9002,31 February 2023,2023,1,Battles,Armed clash,Fictional Brigade North,760,Syria,Idlib,Saraqib,35.8624,36.8006,1,Example Weekly,\"A made-up row with an impossible date, for tests.\",1",
    "XSY9003,04 June 2023,2023,1,Protests,Peaceful protest,Protesters (Syria),760,Syria,Aleppo,Aleppo,36.2021,37.1343,1,Sample Radio,\"A made-up protest\nwhose note runs over two lines.\",0",
    "XSY9004,05 June 2023,2023,1,Battles,Armed clash,Fictional Brigade South,760,Syria,Aleppo,Azaz,95.0,37.0443,1,Sample Radio,A made-up row off the globe.,0",
];

/// The made-up ACLED file with `\n` or `\r\n` line ends.
fn acled_text(line_end: &str) -> String {
    let mut s = format!("{ACLED_HEADER}\n");
    for r in ACLED_ROWS {
        s.push_str(r);
        s.push('\n');
    }
    s.replace('\n', line_end)
}

#[test]
fn rejections_name_the_files_own_lines_whatever_its_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    for (name, end) in [("unix.csv", "\n"), ("windows.csv", "\r\n")] {
        let f = dir.path().join(name);
        std::fs::write(&f, acled_text(end)).unwrap();
        let o = eventmap(&db, &["import", f.to_str().unwrap(), "--quiet"]);
        assert!(!o.status.success(), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("line 3 (record 2): event_date"), "{name}: {}", text(&o));
        assert!(err.contains("line 6 (record 4): places[0].lat"), "{name}: {}", text(&o));
    }
}

#[test]
fn the_rejects_file_holds_the_rows_as_they_were_and_imports_once_they_are_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let f = dir.path().join("acled.csv");
    std::fs::write(&f, acled_text("\r\n")).unwrap();
    let rejects = dir.path().join("rejects.csv");
    let o = eventmap(
        &db,
        &["import", f.to_str().unwrap(), "--quiet", "--skip-invalid", "--rejects", rejects.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 created"), "{}", text(&o));
    let r = std::fs::read_to_string(&rejects).unwrap();
    assert!(r.starts_with(&format!("_line,_reason,{ACLED_HEADER}\r\n")), "the header once: {r}");
    assert_eq!(r.matches("event_id_cnty").count(), 1, "{r}");
    assert!(r.contains(&format!(",{}\r\n", ACLED_ROWS[1])), "the row as it was: {r}");
    assert!(r.contains(&format!(",{}\r\n", ACLED_ROWS[3])), "the row as it was: {r}");
    let mut read = csv::Reader::from_reader(r.as_bytes());
    let found: Vec<(String, String)> =
        read.records().map(|rec| rec.unwrap()).map(|rec| (rec[0].to_string(), rec[1].to_string())).collect();
    assert_eq!(found.len(), 2, "{r}");
    assert_eq!(found[0].0, "3");
    assert!(found[0].1.contains("31 February 2023"), "{r}");
    assert_eq!(found[1].0, "6");
    assert!(found[1].1.starts_with("places[0].lat"), "{r}");

    // Imported unfixed, the rows are refused again, on the rejects file's own lines.
    let o = eventmap(&db, &["import", rejects.to_str().unwrap(), "--quiet"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2 (record 1): event_date"), "{}", text(&o));

    let fixed = dir.path().join("fixed.csv");
    std::fs::write(&fixed, r.replace("31 February 2023", "28 February 2023").replace(",95.0,", ",36.5861,")).unwrap();
    let o = eventmap(&db, &["import", fixed.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 rows (acled)"), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 created, 0 updated"), "{}", text(&o));
    let o = eventmap(&db, &["export", "--format", "ndjson"]);
    let events: Vec<serde_json::Value> =
        String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 4);
    let saraqib = events.iter().find(|e| e["properties"]["properties"]["acled"]["event_id_cnty"] == "XSY9002").unwrap();
    assert_eq!(saraqib["id"], eventmap::import::key_id("acled:XSY9002").to_string(), "the key gives the id");
    assert_eq!(saraqib["properties"]["start"], "2023-02-28T00:00:00Z");
    for e in &events {
        let acled = e["properties"]["properties"]["acled"].as_object().unwrap();
        assert!(!acled.contains_key("_line") && !acled.contains_key("_reason"), "{e}");
    }
}

#[test]
fn places_named_without_coordinates_are_found_in_the_gazetteer_and_the_teams_own_places() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let o =
        eventmap(&db, &["places", "add", "--name", "Camp Zeta", "--lon", "36.01", "--lat", "35.02", "--country", "SY"]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = dir.path().join("named.csv");
    std::fs::write(
        &csv,
        "title,date,category,place\nConvoy seen,2025-02-10,military movement,Latakia\nConvoy held,2025-02-11,military movement,Camp Zeta\n",
    )
    .unwrap();
    let o = eventmap(&db, &["import", csv.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 created"), "{}", text(&o));
    let o = eventmap(&db, &["export", "--format", "ndjson"]);
    let places: Vec<(String, f64)> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let f: serde_json::Value = serde_json::from_str(l).unwrap();
            let p = &f["properties"]["places"][0];
            (p["name"].as_str().unwrap().to_string(), p["lat"].as_f64().unwrap())
        })
        .collect();
    assert!(places.iter().any(|(n, lat)| n == "Latakia" && (lat - 35.52).abs() < 0.1), "{places:?}");
    assert!(places.iter().any(|(n, lat)| n == "Camp Zeta" && (lat - 35.02).abs() < 1e-9), "{places:?}");
}

#[test]
fn standard_input_is_imported_with_its_format_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let o = Command::new(env!("CARGO_BIN_EXE_eventmap"))
        .args(["import", "-", "--quiet", "--database", &db])
        .stdin(std::fs::File::open(fixture("gdelt-v2.export.CSV")).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 rows (gdelt)"), "{}", text(&o));
}

#[test]
fn exports_in_every_format_hold_every_event_and_geojson_comes_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    for f in ["acled-current.csv", "timemap.json", "gdelt-v2.export.CSV"] {
        let o = eventmap(&db, &["import", fixture(f).to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let out = |format: &str| {
        let path = dir.path().join(format!("all.{format}"));
        let o = eventmap(&db, &["export", "--format", format, "--output", path.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        std::fs::read_to_string(path).unwrap()
    };
    let geojson = out("geojson");
    let v: serde_json::Value = serde_json::from_str(&geojson).unwrap();
    assert_eq!(v["features"].as_array().unwrap().len(), 12);
    assert_eq!(out("ndjson").lines().count(), 12);
    let csv = out("csv");
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark for spreadsheets");
    let mut r = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(r.headers().unwrap().get(0), Some("id"));
    assert_eq!(r.records().count(), 12);
    let kml = out("kml");
    assert_eq!(kml.matches("<Placemark").count(), 12);
    assert!(
        kml.contains("<TimeSpan><begin>2023-06-11T00:00:00Z</begin><end>2023-06-17T23:59:59.999Z</end></TimeSpan>"),
        "the week-long protest"
    );
    assert!(kml.contains("<TimeStamp><when>2022-03-07T14:30:00Z</when></TimeStamp>"), "an instant");

    let o = eventmap(&db, &["import", dir.path().join("all.geojson").to_str().unwrap(), "--quiet"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 created, 0 updated, 12 unchanged"), "{}", text(&o));
}

#[test]
fn a_csv_export_names_the_sources_of_imported_rows_and_the_keys_they_came_with() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    for f in ["acled-current.csv", "gdelt-v1.export.CSV", "timemap.json"] {
        let o = eventmap(&db, &["import", fixture(f).to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = eventmap(&db, &["export", "--format", "csv"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let mut r = csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let find = |name: &str, v: &str| rows.iter().find(|r| &r[col(name)] == v).unwrap_or_else(|| panic!("{name}={v}"));
    assert_eq!(&find("acled_event_id_cnty", "XSY0002")[col("source_names")], "Example Weekly | Sample Radio");
    assert_eq!(&find("gdelt_globaleventid", "900000003")[col("source_names")], "BBC Monitoring");
    let tm = find("timemap_id", "TM1");
    assert_eq!(&tm[col("source_names")], "Invented video of the school | Invented photo");
    assert_eq!(&tm[col("source_urls")], "https://example.org/timemap/video1 | https://example.org/timemap/photo2");
    assert_eq!(headers.len(), 32, "{headers:?}");
    assert_eq!(&headers[25], "revision", "earlier columns keep their places");
    let last: Vec<&str> = headers.iter().skip(30).collect();
    assert_eq!(last, ["source_captured_at", "source_sha256"], "the capture columns come last");
}

#[test]
fn a_kml_export_names_the_sources_of_imported_rows_and_the_keys_they_came_with() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    for f in ["acled-current.csv", "timemap.json"] {
        let o = eventmap(&db, &["import", fixture(f).to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = eventmap(&db, &["export", "--format", "kml"]);
    assert!(o.status.success(), "{}", text(&o));
    let kml = String::from_utf8(o.stdout).unwrap();
    let data = |name: &str, value: &str| format!(r#"<Data name="{name}"><value>{value}</value></Data>"#);
    assert!(
        kml.contains(&format!("{}{}", data("source_names", "Example Weekly | Sample Radio"), data("fatalities", "0"))),
        "{kml}"
    );
    assert!(kml.contains(&data("acled_event_id_cnty", "XSY0002")), "{kml}");
    assert!(kml.contains(&data("timemap_id", "TM1")), "{kml}");
}

#[test]
fn an_export_can_hold_one_kind_of_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let o = eventmap(&db, &["import", fixture("foreign.geojson").to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let kinds = |kind: &str| {
        let o = eventmap(&db, &["export", "--format", "ndjson", "--geometry-type", kind]);
        assert!(o.status.success(), "{}", text(&o));
        let lines = String::from_utf8(o.stdout).unwrap();
        lines
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["geometry"]["type"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds("polygon"), ["Polygon"]);
    assert_eq!(kinds("point"), ["Point"]);
    assert!(kinds("line").is_empty());
    let o = eventmap(&db, &["export", "--geometry-type", "curve"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("geometry_type"), "{}", text(&o));
}

/// Imports `content` (as `name`) with `--skip-invalid --rejects`, checks the summary, and returns
/// the rejects file's text.
fn import_rejecting(db: &str, dir: &Path, name: &str, content: &str, summary: &str) -> String {
    let f = dir.join(name);
    std::fs::write(&f, content).unwrap();
    let rejects = dir.join(format!("rejects-{name}"));
    let o = eventmap(
        db,
        &["import", f.to_str().unwrap(), "--quiet", "--skip-invalid", "--rejects", rejects.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(summary), "{name}: {}", text(&o));
    std::fs::read_to_string(rejects).unwrap()
}

/// Imports `content` (as `name`, the format guessed) and checks the summary.
fn import_fixed(db: &str, dir: &Path, name: &str, content: &str, summary: &str) {
    let f = dir.join(name);
    std::fs::write(&f, content).unwrap();
    let o = eventmap(db, &["import", f.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{name}: {}\n{content}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(summary), "{name}: {}", text(&o));
}

#[test]
fn rejects_files_of_geojson_gdelt_and_timemap_import_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());

    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6339, 35.9306]},
         "properties": {"title": "A made-up event in Idlib", "start": "2025-02-10"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.1343, 36.2021]},
         "properties": {"title": "A made-up event in Aleppo", "start": "someday"}}]});
    let pretty = serde_json::to_string_pretty(&fc).unwrap();
    let r = import_rejecting(&db, dir.path(), "in.geojson", &pretty, "1 created");
    let v: serde_json::Value = serde_json::from_str(&r).unwrap();
    assert_eq!(v["features"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(v["features"][0]["properties"]["start"], "someday");
    assert!(v["features"][0]["_reason"].as_str().unwrap().starts_with("start"), "{r}");
    import_fixed(&db, dir.path(), "fixed.geojson", &r.replace("someday", "2025-02-11"), "1 created");

    let gdelt =
        |id: u64, day: &str| eventmap::import::gdelt::sample_row(2, id, day, "14", 35.5, 35.8, "https://example.org/g");
    let tsv = format!("{}\n{}\n", gdelt(70001, "20250210"), gdelt(70002, "20251340"));
    let r = import_rejecting(&db, dir.path(), "in.tsv", &tsv, "1 created");
    assert!(r.starts_with("_line\t_reason\n2\tSQLDATE"), "{r}");
    assert!(r.ends_with(&format!("\t{}\n", gdelt(70002, "20251340"))), "the row as it was: {r}");
    let fixed = r.replace("\t20251340\t", "\t20250211\t").replace("\t20251340", "\t20250211");
    import_fixed(&db, dir.path(), "fixed.tsv", &fixed, "1 created");

    let domain = serde_json::json!({
        "events": [{"id": "TM70", "description": "A made-up checkpoint in Kharkiv.", "date": "03/07/2022",
                    "latitude": "49.99", "longitude": "36.23", "sources": ["S1"]},
                   {"id": "TM71", "description": "A made-up convoy in Kharkiv.", "date": "31/12/2022",
                    "latitude": "49.99", "longitude": "36.23", "sources": ["S1"]}],
        "sources": {"S1": {"id": "S1", "url": "https://example.org/tm", "title": "A made-up video"}}});
    let r = import_rejecting(&db, dir.path(), "in.json", &serde_json::to_string_pretty(&domain).unwrap(), "1 created");
    let v: serde_json::Value = serde_json::from_str(&r).unwrap();
    assert_eq!(v["events"][0]["id"], "TM71", "{r}");
    // Pretty-printed: `{`, `"events": [`, then the first event's eleven lines; the second opens on 13.
    assert_eq!(v["events"][0]["_line"], 13, "{r}");
    import_fixed(&db, dir.path(), "fixed.json", &r.replace("31/12/2022", "12/31/2022"), "1 created");

    let o = eventmap(&db, &["export", "--format", "ndjson"]);
    let events: Vec<serde_json::Value> =
        String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 6);
    let convoy = events.iter().find(|e| e["properties"]["properties"]["timemap"]["id"] == "TM71").unwrap();
    assert_eq!(convoy["properties"]["sources"][0]["url"], "https://example.org/tm", "the source came along");
    assert!(convoy["properties"]["properties"]["timemap"].get("_line").is_none(), "{convoy}");
}

#[test]
fn export_keeps_a_governorate_named_in_any_script_and_refuses_a_radius_round_a_country() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let f = fixture("acled-regions.csv");
    let o = eventmap(&db, &["import", f.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    for name in ["Idlib", "Idleb", "إدلب"] {
        let o = eventmap(&db, &["export", "--format", "ndjson", "--admin1", name]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 6, "--admin1 {name}: {}", text(&o));
    }
    let o = eventmap(&db, &["export", "--format", "ndjson", "--admin1", "Idlib", "--admin1", "Kharkiv"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 7, "{}", text(&o));
    let o = eventmap(&db, &["export", "--place", "Syria", "--radius-km", "40"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--radius_km"), "{}", text(&o));
}

/// The events of an `ndjson` export, keyed by id, without the times of writing and the ids
/// given to sources.
fn exported(db: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    let o = eventmap(db, &["export", "--format", "ndjson"]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let props = v["properties"].as_object_mut().unwrap();
            props.remove("created_at");
            props.remove("updated_at");
            // A source the file gives no id gets a new one at each import.
            for src in props.get_mut("sources").and_then(|s| s.as_array_mut()).into_iter().flatten() {
                src.as_object_mut().unwrap().remove("id");
            }
            (v["id"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

#[tokio::test]
async fn an_import_into_postgresql_stores_what_sqlite_stores_and_refuses_a_bad_file_whole() {
    let backends = common::backends();
    if backends.len() < 2 {
        return;
    }
    let (lite, pg) = (common::TestDb::on(&backends[0]).await, common::TestDb::on(&backends[1]).await);
    for db in [&lite.url, &pg.url] {
        let o = eventmap(db, &["import", fixture("acled-bad.csv").to_str().unwrap(), "--quiet"]);
        assert!(!o.status.success(), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("line 3 (record 2): event_date"), "{}", text(&o));
        assert!(err.contains("line 5 (record 4): fatalities"), "{}", text(&o));
        assert!(exported(db).is_empty(), "{db}: nothing of the bad file stays");
        for f in ["acled-current.csv", "timemap.json", "gdelt-v2.export.CSV", "events.csv", "foreign.geojson"] {
            // With the store's log, which says how an import writes; a row a batch, as the road
            // is chosen at a load's second batch when the database holds events.
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_eventmap"))
                .args(["import", fixture(f).to_str().unwrap(), "--quiet", "--database", db])
                .env("EVENTMAP_LOG", "warn,eventmap::store=info")
                .env("EVENTMAP_IMPORT_BATCH", "1")
                .output()
                .expect("eventmap runs");
            assert!(o.status.success(), "{f}: {}", text(&o));
            // On PostgreSQL a load at least half as large as the database builds its indexes at
            // its end (3 TimeMap events into 6); a smaller one keeps them (3 GDELT rows into 9).
            let said = |s: &str| String::from_utf8_lossy(&o.stderr).contains(s);
            match f {
                "timemap.json" if db == &pg.url => assert!(said("built again when every row is in"), "{}", text(&o)),
                "gdelt-v2.export.CSV" if db == &pg.url => {
                    assert!(said("keeps every index up to date as it goes: about"), "{}", text(&o));
                    assert!(said("events into a database of 9"), "{}", text(&o))
                }
                _ => {}
            }
        }
        let o = eventmap(db, &["import", fixture("acled-current.csv").to_str().unwrap(), "--quiet"]);
        assert!(String::from_utf8_lossy(&o.stdout).contains("0 created, 0 updated, 6 unchanged"), "{}", text(&o));
    }
    let (a, b) = (exported(&lite.url), exported(&pg.url));
    assert!(a.len() > 12, "{} events", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (id, v) in &a {
        assert_eq!(v, &b[id], "event {id}");
    }
    // Found the same way: by text, by place and time.
    for q in [&["--q", "protest"][..], &["--bbox", "35,34,38,37", "--start", "2023-06-01"][..]] {
        let run = |db: &str| {
            let mut args = vec!["export", "--format", "ndjson"];
            args.extend_from_slice(q);
            let o = eventmap(db, &args);
            assert!(o.status.success(), "{}", text(&o));
            let mut ids: Vec<String> = String::from_utf8(o.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
                .collect();
            ids.sort();
            ids
        };
        let found = run(&lite.url);
        assert!(!found.is_empty(), "{q:?} finds something");
        assert_eq!(found, run(&pg.url), "{q:?}");
    }
}
