//! Embeds the map into the binary: our front-end files from `web/`, the libraries they use from
//! `web/node_modules` (installed with `npm ci` from the lockfile when missing), the Natural Earth
//! shapes (converted from TopoJSON to GeoJSON here, so the browser only fetches them) and the
//! glyphs. Writes `$OUT_DIR/assets.rs`, a table of (URL path, bytes, media type,
//! ETag). With the `web` feature off, the table is empty and the API runs alone.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// Files taken from `web/node_modules`: (path inside it, URL path).
const VENDOR: [(&str, &str); 4] = [
    ("maplibre-gl/dist/maplibre-gl-csp.js", "/assets/vendor/maplibre-gl-csp.js"),
    ("maplibre-gl/dist/maplibre-gl-csp-worker.js", "/assets/vendor/maplibre-gl-csp-worker.js"),
    ("maplibre-gl/dist/maplibre-gl.css", "/assets/vendor/maplibre-gl.css"),
    ("@mapbox/mapbox-gl-rtl-text/dist/mapbox-gl-rtl-text.js", "/assets/vendor/mapbox-gl-rtl-text.js"),
];

/// Natural Earth shapes from `web/node_modules/world-atlas`: (TopoJSON file, object, shared
/// borders only, URL path of the GeoJSON written).
const SHAPES: [(&str, &str, bool, &str); 4] = [
    ("countries-50m.json", "land", false, "/basemap/land-50m.geojson"),
    ("countries-50m.json", "countries", true, "/basemap/borders-50m.geojson"),
    ("land-10m.json", "land", false, "/basemap/land-10m.geojson"),
    ("countries-10m.json", "countries", true, "/basemap/borders-10m.geojson"),
];

#[path = "build/topojson.rs"]
mod topojson;

fn media_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "geojson" => "application/geo+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "pbf" => "application/x-protobuf",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it")).join("assets.rs");
    println!("cargo:rerun-if-changed=web/index.html");
    // sqlx's `migrate!` embeds these: a new migration must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=web/src");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed=data/glyphs");
    println!("cargo:rerun-if-changed=build/topojson.rs");
    println!("cargo:rerun-if-env-changed=EVENTMAP_SKIP_NPM");
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if env::var("CARGO_FEATURE_WEB").is_ok() {
        let web = root.join("web");
        let modules = web.join("node_modules");
        let missing = VENDOR
            .iter()
            .map(|(p, _)| modules.join(p))
            .chain(SHAPES.iter().map(|s| modules.join("world-atlas").join(s.0)))
            .any(|p| !p.exists());
        if missing && env::var("EVENTMAP_SKIP_NPM").is_err() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&web)
                .status()
                .unwrap_or_else(|e| panic!("the map's libraries are missing and `npm ci` could not run in web/ ({e}); install Node.js and npm, or build with --no-default-features for the API alone"));
            assert!(status.success(), "`npm ci` failed in web/; run it there by hand to see why");
        }
        for (p, url) in VENDOR {
            let path = modules.join(p);
            assert!(path.exists(), "{} is missing: run `npm ci` in web/", path.display());
            files.push((url.to_string(), path));
        }
        for (file, object, borders, url) in SHAPES {
            let path = modules.join("world-atlas").join(file);
            println!("cargo:rerun-if-changed={}", path.display());
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; run `npm ci` in web/", path.display()));
            let topo = topojson::Topology::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let geojson = if borders { topo.shared_lines(object) } else { topo.multipolygon(object) };
            let geojson = geojson.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = url.rsplit('/').next().expect("a file name");
            let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it")).join(name);
            fs::write(&dest, geojson).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
            files.push((url.to_string(), dest));
        }
        files.push(("/".into(), web.join("index.html")));
        let mut ours = Vec::new();
        walk(&web.join("src"), &mut ours);
        for p in ours {
            let rel = p.strip_prefix(web.join("src")).expect("inside").to_string_lossy().replace('\\', "/");
            files.push((format!("/assets/app/{rel}"), p));
        }
        let mut glyphs = Vec::new();
        walk(&root.join("data/glyphs"), &mut glyphs);
        for p in glyphs.into_iter().filter(|p| p.extension().is_some_and(|e| e == "pbf")) {
            let rel = p.strip_prefix(root.join("data/glyphs")).expect("inside").to_string_lossy().replace('\\', "/");
            files.push((format!("/glyphs/{rel}"), p));
        }
    }
    let mut code = String::from(
        "/// (URL path, bytes, media type, ETag) of every embedded file.\npub static ASSETS: &[(&str, &[u8], &str, &str)] = &[\n",
    );
    for (url, path) in &files {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut h = DefaultHasher::new();
        bytes.hash(&mut h);
        code.push_str(&format!(
            "    ({url:?}, include_bytes!({:?}), {:?}, \"\\\"{:016x}\\\"\"),\n",
            path.display().to_string(),
            media_type(path),
            h.finish()
        ));
        if !path.starts_with(env::var("OUT_DIR").expect("cargo sets it")) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    code.push_str("];\n");
    fs::write(&out, code).expect("writing assets.rs");
}
