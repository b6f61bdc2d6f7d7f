//! The map, embedded into the binary by `build.rs`: the page, our ES modules, the libraries from
//! npm, the Natural Earth shapes (cut into vector tiles by `tiles`) and the glyphs, as a table of
//! plain bytes with their media types and ETags. Serving them is `api::map`'s job; nothing here
//! knows HTTP.

mod antimeridian;
mod clip;
pub mod event_tiles;
pub mod mvt;
pub mod tiles;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The embedded file at `path`: (bytes, media type, ETag).
pub fn asset(path: &str) -> Option<(&'static [u8], &'static str, &'static str)> {
    ASSETS.iter().find(|(p, ..)| *p == path).map(|(_, b, t, e)| (*b, *t, *e))
}

/// Whether the map was built into this binary.
pub fn has_map() -> bool {
    asset("/").is_some()
}

/// How long browsers may keep the embedded file at `path`: our own modules are checked each time
/// (`no-cache`, answered with 304 while unchanged); vendored libraries and data change only with
/// a new build, so browsers keep them a day.
pub fn cache_control(path: &str) -> &'static str {
    if path == "/" || path.starts_with("/assets/app/") { "no-cache" } else { "public, max-age=86400" }
}

/// Whether `fontstack/start-end.pbf` names a well-formed 256-code-point range.
pub fn is_glyph_range(rest: &str) -> bool {
    let Some((_, file)) = rest.rsplit_once('/') else { return false };
    let Some(range) = file.strip_suffix(".pbf") else { return false };
    let Some((a, b)) = range.split_once('-') else { return false };
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(a), Ok(b)) => a % 256 == 0 && b == a + 255 && b <= 65535,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_glyph_ranges_get_an_empty_answer() {
        assert!(is_glyph_range("DejaVu%20Sans/8704-8959.pbf"));
        assert!(!is_glyph_range("DejaVu%20Sans/8704-8960.pbf"));
        assert!(!is_glyph_range("x/../../etc/passwd"));
        assert!(!is_glyph_range("x/70000-70255.pbf"));
    }

    #[test]
    fn the_map_and_its_libraries_are_embedded() {
        if !cfg!(feature = "web") {
            return;
        }
        for p in
            ["/", "/assets/vendor/maplibre-gl-csp.js", "/basemap/land-10m.geojson", "/glyphs/DejaVu Sans/0-255.pbf"]
        {
            assert!(asset(p).is_some(), "{p} is not embedded");
        }
    }
}
