//! Builds `data/gazetteer.bin`, the compact gazetteer embedded in eventmap, from the intermediate
//! `places.jsonl` that `data/scripts/extract_gazetteer.py` derives from GeoNames (see
//! `data/README.md`).
//!
//! cargo run --release --example build_gazetteer -- [target/gazetteer/places.jsonl] [data/gazetteer.bin]

use std::io::{BufRead, Write};

use eventmap::gazetteer::Kind;
use eventmap::gazetteer::format::{BuildPlace, write};
use serde::Deserialize;

#[derive(Deserialize)]
struct Line {
    id: String,
    kind: String,
    name: String,
    country: Option<String>,
    admin1_code: Option<String>,
    admin1: Option<String>,
    lat: f64,
    lon: f64,
    #[serde(default)]
    population: u64,
    bbox: Option<[f64; 4]>,
    #[serde(default)]
    names: Vec<String>,
    local_name: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let input = args.get(1).map(String::as_str).unwrap_or("target/gazetteer/places.jsonl");
    let output = args.get(2).map(String::as_str).unwrap_or("data/gazetteer.bin");
    let extra_path = args.get(3).map(String::as_str).unwrap_or("data/gazetteer-extra.tsv");
    // Further names of our own (data/gazetteer-extra.tsv): id -> names.
    let mut extra: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (i, line) in std::fs::read_to_string(extra_path)?.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        anyhow::ensure!(cols.len() >= 2, "{extra_path}:{}: expected an id and names", i + 1);
        extra.entry(cols[0].to_string()).or_default().extend(cols[1].split('|').map(|n| n.trim().to_string()));
    }
    let reader = std::io::BufReader::new(std::fs::File::open(input)?);
    let mut places = Vec::new();
    let mut skipped = 0;
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(&line).map_err(|e| anyhow::anyhow!("{input}:{}: {e}", i + 1))?;
        let Some(gid) = l.id.strip_prefix("geonames:").and_then(|g| g.parse::<u64>().ok()) else {
            skipped += 1;
            continue;
        };
        let kind = match l.kind.as_str() {
            "country" => Kind::Country,
            "admin1" => Kind::Region,
            "admin2" => Kind::District,
            "settlement" => Kind::Settlement,
            "continent" => Kind::Continent,
            other => anyhow::bail!("{input}:{}: unknown kind `{other}`", i + 1),
        };
        let mut names = vec![l.name.clone()];
        let mut folded: std::collections::HashSet<String> = [eventmap::fold::fold(&l.name)].into();
        let ours = extra.remove(&l.id).unwrap_or_default();
        for n in ours {
            if folded.insert(eventmap::fold::fold(&n)) {
                names.push(n);
            }
        }
        for n in l.names {
            // A name that folds like an earlier one adds no way to find the place.
            if !folded.insert(eventmap::fold::fold(&n)) {
                continue;
            }
            // GeoNames lists machine transliterations in lower-case ASCII ("de ban", "joji" for
            // Durban and George): nobody writes a place that way, and they spot false names.
            let machine = n.bytes().all(|b| b.is_ascii_lowercase() || b == b' ' || b == b'-' || b == b'\'');
            if !machine && !names.contains(&n) {
                names.push(n);
            }
        }
        places.push(BuildPlace {
            geonames_id: gid,
            kind,
            country: l.country.unwrap_or_default(),
            lat: l.lat,
            lon: l.lon,
            population: l.population,
            name: l.name,
            local_name: l.local_name,
            admin1: l.admin1,
            admin1_code: l.admin1_code,
            bbox: l.bbox,
            names,
        });
    }
    anyhow::ensure!(extra.is_empty(), "{extra_path} names ids that are not in {input}: {:?}", extra.keys());
    places.sort_by_key(|p| p.geonames_id);
    places.dedup_by_key(|p| p.geonames_id);
    let raw = write(&places, eventmap::fold::FOLD_VERSION);
    let compressed = {
        let mut enc = zstd::stream::Encoder::new(Vec::new(), 22)?;
        enc.long_distance_matching(true)?;
        enc.window_log(27)?;
        enc.write_all(&raw)?;
        enc.finish()?
    };
    std::fs::File::create(output)?.write_all(&compressed)?;
    eprintln!(
        "{} places ({skipped} without a GeoNames id skipped), {} bytes raw, {} bytes compressed -> {output}",
        places.len(),
        raw.len(),
        compressed.len()
    );
    Ok(())
}
