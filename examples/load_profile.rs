//! Times the phases of loading the embedded gazetteer, the bulk of a start-up (a profiling aid:
//! `cargo run --release --example load_profile`).

use std::io::Read;
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let file = eventmap::gazetteer::EMBEDDED;
    let t = Instant::now();
    let mut raw = Vec::new();
    zstd::stream::read::Decoder::new(file).and_then(|mut d| d.read_to_end(&mut raw)).expect("zstd");
    println!("decompressing {} to {} bytes: {:.0} ms", file.len(), raw.len(), ms(t));
    let t = Instant::now();
    let p = eventmap::gazetteer::format::read(file, eventmap::fold::FOLD_VERSION).expect("gazetteer");
    println!(
        "reading the file (decompressing again): {:.0} ms; {} places, {} keys, FST {} bytes, postings {} bytes",
        ms(t),
        p.places.len(),
        p.fst.len(),
        p.fst.as_fst().as_bytes().len(),
        p.postings.len()
    );
    let t = Instant::now();
    let g = eventmap::gazetteer::Gazetteer::load_embedded().expect("gazetteer");
    println!("Gazetteer::load_embedded (reading, then the reverse and region indexes): {:.0} ms", ms(t));
    let t = Instant::now();
    let _ = g.admin1_at(35.79, 35.53);
    println!("the division shapes, loaded at first use: {:.0} ms", ms(t));
}
