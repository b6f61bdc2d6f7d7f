//! The compact gazetteer file: places, their names, and their folded names as an FST, compressed
//! with zstd. Written by `examples/build_gazetteer.rs`, read at start-up. The file holds the FST
//! itself, not the sorted names it was built from: the names compress better (the file would be
//! about 2 MB smaller), but building the FST at start-up took about 700 of the 1,100 ms a start
//! took (docs/PERFORMANCE.md, "The gazetteer").
//!
//! Layout of the decompressed bytes (integers are LEB128 varints unless sized; columns hold one
//! value per place, places sorted by GeoNames id):
//! `EMGAZ005`, fold version (u32 LE); strings: count, then (length, UTF-8) each; places: count,
//! id deltas, kinds (u8), countries (2 bytes), latitudes and longitudes (i32 LE, 1e-5 degrees),
//! populations, name, local name + 1 (0 = none), admin1 + 1, admin1 code + 1, bbox flags (u8)
//! then 4 × i32 per flagged place, name counts, name string indexes; the FST: its length, then
//! its bytes (`fst::Map` from each folded key to the offset of its posting list); postings, one
//! list per key in key order, to the end: count, then (place delta, position of the name in the
//! place's names).

use std::io::Read;

use super::{Kind, Place};

pub const MAGIC: &[u8; 8] = b"EMGAZ005";

/// Appends a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A cursor over the decompressed bytes.
pub struct Reader<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("gazetteer file is corrupt at byte {0}")]
pub struct Corrupt(pub usize);

impl<'a> Reader<'a> {
    pub fn varint(&mut self) -> Result<u64, Corrupt> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = *self.buf.get(self.pos).ok_or(Corrupt(self.pos))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(Corrupt(self.pos));
            }
        }
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Corrupt> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len()).ok_or(Corrupt(self.pos))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn i32(&mut self) -> Result<i32, Corrupt> {
        let b = self.bytes(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u8(&mut self) -> Result<u8, Corrupt> {
        Ok(self.bytes(1)?[0])
    }
}

fn fixed(deg: f64) -> i32 {
    (deg * 1e5).round() as i32
}

fn unfixed(v: i32) -> f32 {
    (f64::from(v) / 1e5) as f32
}

/// The folded keys under which a name of a place in `country` is indexed: its fold, and without
/// its article (see [`crate::fold::strip_place_article`]).
pub fn keys_of(name: &str, country: Option<&str>) -> Vec<String> {
    let folded = crate::fold::fold(name);
    if folded.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![folded.clone()];
    if let Some(stripped) = crate::fold::strip_place_article(&folded, country) {
        keys.push(stripped.to_string());
    }
    keys
}

/// The (place, name) pairs of the posting list at `offset`; the name is a string index.
pub fn postings_at(postings: &[u8], offset: u64, names_of: &[u32], name_refs: &[u32]) -> Vec<(u32, u32)> {
    let mut r = Reader { buf: postings, pos: offset as usize };
    let n = r.varint().unwrap_or(0);
    let mut place = 0u64;
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let (Ok(d), Ok(pos)) = (r.varint(), r.varint()) else { break };
        place = if i == 0 { d } else { place + d };
        let start = names_of.get(place as usize).copied().unwrap_or(0) as usize;
        if let Some(s) = name_refs.get(start + pos as usize) {
            out.push((place as u32, *s));
        }
    }
    out
}

/// A place as the builder writes it.
#[derive(Debug, Clone)]
pub struct BuildPlace {
    pub geonames_id: u64,
    pub kind: Kind,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub population: u64,
    pub name: String,
    pub local_name: Option<String>,
    pub admin1: Option<String>,
    pub admin1_code: Option<String>,
    pub bbox: Option<[f64; 4]>,
    pub names: Vec<String>,
}

/// Writes the whole file (uncompressed; the caller compresses). `places` must be sorted by id.
pub fn write(places: &[BuildPlace], fold_version: u32) -> Vec<u8> {
    use std::collections::{BTreeMap, HashMap};
    let mut strs: Vec<String> = Vec::new();
    let mut idx: HashMap<String, u64> = HashMap::new();
    let mut sid = |s: &str| -> u64 {
        if let Some(i) = idx.get(s) {
            return *i;
        }
        let i = strs.len() as u64;
        strs.push(s.to_string());
        idx.insert(s.to_string(), i);
        i
    };
    let n = places.len();
    let mut ids = Vec::new();
    let mut kinds = Vec::with_capacity(n);
    let mut countries = Vec::with_capacity(2 * n);
    let mut lats = Vec::with_capacity(4 * n);
    let mut lons = Vec::with_capacity(4 * n);
    let mut pops = Vec::new();
    let mut cols: [Vec<u8>; 4] = Default::default();
    let mut bbox_flags = Vec::with_capacity(n);
    let mut bboxes = Vec::new();
    let mut name_counts = Vec::new();
    let mut name_refs = Vec::new();
    let mut postings: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    let mut prev_id = 0;
    for (pi, p) in places.iter().enumerate() {
        put_varint(&mut ids, p.geonames_id - prev_id);
        prev_id = p.geonames_id;
        kinds.push(p.kind as u8);
        let cc = p.country.as_bytes();
        countries.extend_from_slice(&[*cc.first().unwrap_or(&b' '), *cc.get(1).unwrap_or(&b' ')]);
        lats.extend_from_slice(&fixed(p.lat).to_le_bytes());
        lons.extend_from_slice(&fixed(p.lon).to_le_bytes());
        put_varint(&mut pops, p.population);
        put_varint(&mut cols[0], sid(&p.name));
        for (c, opt) in [(1, &p.local_name), (2, &p.admin1), (3, &p.admin1_code)] {
            let v = opt.as_deref().map(|s| sid(s) + 1).unwrap_or(0);
            put_varint(&mut cols[c], v);
        }
        match p.bbox {
            Some(b) => {
                bbox_flags.push(1);
                for v in b {
                    bboxes.extend_from_slice(&fixed(v).to_le_bytes());
                }
            }
            None => bbox_flags.push(0),
        }
        put_varint(&mut name_counts, p.names.len() as u64);
        for (pos, name) in p.names.iter().enumerate() {
            put_varint(&mut name_refs, sid(name));
            for k in keys_of(name, Some(p.country.as_str())) {
                let list = postings.entry(k).or_default();
                if !list.iter().any(|(pp, _)| *pp == pi as u64) {
                    list.push((pi as u64, pos as u64));
                }
            }
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&fold_version.to_le_bytes());
    put_varint(&mut out, strs.len() as u64);
    for s in &strs {
        put_varint(&mut out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }
    put_varint(&mut out, n as u64);
    for part in [
        &ids,
        &kinds,
        &countries,
        &lats,
        &lons,
        &pops,
        &cols[0],
        &cols[1],
        &cols[2],
        &cols[3],
        &bbox_flags,
        &bboxes,
        &name_counts,
        &name_refs,
    ] {
        out.extend_from_slice(part);
    }
    let mut lists = Vec::new();
    let mut keys = fst::MapBuilder::memory();
    for (k, list) in &postings {
        keys.insert(k, lists.len() as u64).expect("keys in order");
        put_varint(&mut lists, list.len() as u64);
        let mut last = 0;
        for (i, (p, pos)) in list.iter().enumerate() {
            put_varint(&mut lists, if i == 0 { *p } else { p - last });
            put_varint(&mut lists, *pos);
            last = *p;
        }
    }
    let keys = keys.into_inner().expect("an FST in memory");
    put_varint(&mut out, keys.len() as u64);
    out.extend_from_slice(&keys);
    out.extend_from_slice(&lists);
    out
}

/// Everything read from a gazetteer file.
pub struct Parsed {
    /// All strings, concatenated; `string_ends[i]` is where string `i` ends.
    pub text: String,
    pub string_ends: Vec<u32>,
    pub places: Vec<Place>,
    /// `names_of[place]..names_of[place + 1]` index `name_refs`.
    pub names_of: Vec<u32>,
    pub name_refs: Vec<u32>,
    pub postings: Vec<u8>,
    pub fst: fst::Map<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("gazetteer file could not be decompressed: {0}")]
    Decompress(std::io::Error),
    #[error("not a gazetteer file (bad magic)")]
    Magic,
    #[error(
        "gazetteer file was folded by version {found}, this build folds with {expected}: rebuild it with `cargo run --release --example build_gazetteer`"
    )]
    FoldVersion { found: u32, expected: u32 },
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
    #[error("gazetteer FST is invalid: {0}")]
    Fst(#[from] fst::Error),
}

/// Reads a zstd-compressed gazetteer file.
pub fn read(compressed: &[u8], fold_version: u32) -> Result<Parsed, LoadError> {
    let mut raw = Vec::with_capacity(compressed.len() * 3);
    zstd::stream::read::Decoder::new(compressed)
        .and_then(|mut d| d.read_to_end(&mut raw))
        .map_err(LoadError::Decompress)?;
    let mut r = Reader { buf: &raw, pos: 0 };
    if r.bytes(8)? != MAGIC {
        return Err(LoadError::Magic);
    }
    let fv = r.bytes(4)?;
    let found = u32::from_le_bytes([fv[0], fv[1], fv[2], fv[3]]);
    if found != fold_version {
        return Err(LoadError::FoldVersion { found, expected: fold_version });
    }
    let n_strings = r.varint()? as usize;
    let mut text = String::new();
    let mut string_ends = Vec::with_capacity(n_strings);
    for _ in 0..n_strings {
        let len = r.varint()? as usize;
        let b = r.bytes(len)?;
        text.push_str(std::str::from_utf8(b).map_err(|_| Corrupt(r.pos))?);
        string_ends.push(text.len() as u32);
    }
    let n = r.varint()? as usize;
    let mut ids = Vec::with_capacity(n);
    let mut prev = 0u64;
    for _ in 0..n {
        prev += r.varint()?;
        ids.push(prev as u32);
    }
    let kinds = r.bytes(n)?;
    let countries = r.bytes(2 * n)?;
    let lats: Vec<i32> = (0..n).map(|_| r.i32()).collect::<Result<_, _>>()?;
    let lons: Vec<i32> = (0..n).map(|_| r.i32()).collect::<Result<_, _>>()?;
    let col =
        |r: &mut Reader<'_>| -> Result<Vec<u32>, Corrupt> { (0..n).map(|_| r.varint().map(|v| v as u32)).collect() };
    let pops = col(&mut r)?;
    let names = col(&mut r)?;
    let locals = col(&mut r)?;
    let admin1s = col(&mut r)?;
    let admin1_codes = col(&mut r)?;
    let flags = r.bytes(n)?;
    let mut places = Vec::with_capacity(n);
    for i in 0..n {
        let bbox = if flags[i] == 1 {
            Some([unfixed(r.i32()?), unfixed(r.i32()?), unfixed(r.i32()?), unfixed(r.i32()?)])
        } else {
            None
        };
        places.push(Place {
            geonames_id: ids[i],
            kind: Kind::from_u8(kinds[i]).ok_or(Corrupt(r.pos))?,
            country: [countries[2 * i], countries[2 * i + 1]],
            lat: unfixed(lats[i]),
            lon: unfixed(lons[i]),
            population: pops[i],
            name: names[i],
            local_name: locals[i],
            admin1: admin1s[i],
            admin1_code: admin1_codes[i],
            bbox,
        });
    }
    let counts = col(&mut r)?;
    let mut names_of = Vec::with_capacity(n + 1);
    let mut name_refs = Vec::new();
    for c in counts {
        names_of.push(name_refs.len() as u32);
        for _ in 0..c {
            name_refs.push(r.varint()? as u32);
        }
    }
    names_of.push(name_refs.len() as u32);
    let fst_len = r.varint()? as usize;
    let fst = fst::Map::new(r.bytes(fst_len)?.to_vec())?;
    let postings = raw[r.pos..].to_vec();
    Ok(Parsed { text, string_ends, places, names_of, name_refs, postings, fst })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: u64, name: &str, names: &[&str], country: &str) -> BuildPlace {
        BuildPlace {
            geonames_id: id,
            kind: Kind::Settlement,
            country: country.into(),
            lat: 35.5,
            lon: 35.8,
            population: 1000 * id,
            name: name.into(),
            local_name: None,
            admin1: None,
            admin1_code: None,
            bbox: None,
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    /// The (place, name) pairs under the folded form of `name`.
    fn names_under(p: &Parsed, name: &str) -> Vec<(u32, String)> {
        let Some(offset) = p.fst.get(crate::fold::fold(name)) else { return Vec::new() };
        let s = |i: u32| {
            let start = if i == 0 { 0 } else { p.string_ends[i as usize - 1] as usize };
            p.text[start..p.string_ends[i as usize] as usize].to_string()
        };
        postings_at(&p.postings, offset, &p.names_of, &p.name_refs).into_iter().map(|(pl, n)| (pl, s(n))).collect()
    }

    #[test]
    fn a_written_file_reads_back_with_its_fst_and_postings() {
        let places = [
            place(1, "Jableh", &["Jableh", "Jablah", "جبلة"], "SY"),
            place(2, "Ţarţūs", &["Ţarţūs", "Tartus", "Тартус"], "SY"),
            place(3, "Jablah", &["Jablah"], "LB"),
        ];
        let raw = write(&places, 7);
        let compressed = zstd::bulk::compress(&raw, 3).unwrap();
        let p = read(&compressed, 7).unwrap();
        assert_eq!(p.places.len(), 3);
        assert_eq!(p.places[1].geonames_id, 2);
        // One key, two places, each with the name it was found by.
        assert_eq!(names_under(&p, "jablah"), vec![(0, "Jablah".to_string()), (2, "Jablah".to_string())]);
        assert_eq!(names_under(&p, "tartus"), vec![(1, "Ţarţūs".to_string())]);
        assert_eq!(names_under(&p, "тартус"), vec![(1, "Тартус".to_string())]);
        assert_eq!(names_under(&p, "جبلة"), vec![(0, "جبلة".to_string())]);
        assert!(names_under(&p, "jab").is_empty(), "a prefix is no key");
        // Every key of the FST leads to a posting list.
        let keys: Vec<String> = p.fst.stream().into_str_keys().unwrap();
        // "Ţarţūs" and "Tartus" fold to one key.
        assert_eq!(keys, ["jablah", "jableh", "tartus", "тартус", &crate::fold::fold("جبلة")]);
        for k in &keys {
            let offset = p.fst.get(k).unwrap();
            assert!(!postings_at(&p.postings, offset, &p.names_of, &p.name_refs).is_empty(), "{k}");
        }
        assert!(matches!(read(&compressed, 8), Err(LoadError::FoldVersion { found: 7, expected: 8 })));
        let mut cut = raw.clone();
        cut.truncate(raw.len() - p.postings.len() - 3);
        assert!(read(&zstd::bulk::compress(&cut, 3).unwrap(), 7).is_err(), "a file cut inside its FST");
    }
}
