//! Geoparses the texts of a JSON-lines corpus once: a target for profilers
//! (`valgrind --tool=callgrind target/release/examples/geoparse_profile FILE`).

fn main() {
    let path = std::env::args().nth(1).expect("usage: geoparse_profile FILE.jsonl");
    let data = std::fs::read_to_string(&path).expect("corpus");
    let g = eventmap::gazetteer::Gazetteer::load_embedded().expect("gazetteer");
    let opts = eventmap::geoparse::Options::default();
    let texts: Vec<String> = data
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON line")["text"].as_str().unwrap_or("").to_string()
        })
        .collect();
    let passes: usize = std::env::var("PASSES").ok().and_then(|p| p.parse().ok()).unwrap_or(1);
    let mut n = 0;
    for _ in 0..passes {
        for t in &texts {
            n += eventmap::geoparse::geoparse(&g, t, &opts).len();
        }
    }
    println!("{n} mentions");
}
