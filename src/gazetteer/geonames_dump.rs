//! Reading GeoNames dumps in their standard tab-separated format (`SY.txt`, `allCountries.txt`),
//! so a team with internet access can deepen coverage with bases, ports and villages.
//!
//! Columns: geonameid, name, asciiname, alternatenames (comma-separated), latitude, longitude,
//! feature class, feature code, country code, cc2, admin1, admin2, admin3, admin4, population,
//! elevation, dem, timezone, modification date.

use super::{CustomPlace, Kind};

/// One rejected line: its number (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub reason: String,
}

/// The kind of a GeoNames feature class and code.
pub fn kind_of(class: &str, code: &str) -> Kind {
    match (class, code) {
        ("A", c) if c.starts_with("PCL") => Kind::Country,
        ("A", "ADM1" | "ADM1H") => Kind::Region,
        ("A", _) => Kind::District,
        ("P", _) => Kind::Settlement,
        ("S" | "R", _) => Kind::Site,
        ("H" | "T" | "U" | "V", _) => Kind::Natural,
        _ => Kind::Area,
    }
}

/// Parses one line of a dump.
pub fn parse_line(line: &str) -> Result<CustomPlace, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    if cols.len() < 15 {
        return Err(format!("has {} columns; a GeoNames dump line has 19", cols.len()));
    }
    let id: u64 = cols[0].trim().parse().map_err(|_| format!("geonameid `{}` is not a number", cols[0]))?;
    let name = cols[1].trim();
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    let lat: f64 = cols[4].trim().parse().map_err(|_| format!("latitude `{}` is not a number", cols[4]))?;
    let lon: f64 = cols[5].trim().parse().map_err(|_| format!("longitude `{}` is not a number", cols[5]))?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("coordinates {lat}, {lon} are out of range"));
    }
    let country = cols[8].trim();
    let country = (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())).then(|| country.to_string());
    let population: u64 = cols[14].trim().parse().unwrap_or(0);
    let mut names: Vec<String> = vec![name.to_string()];
    for n in std::iter::once(cols[2]).chain(cols[3].split(',')) {
        let n = n.trim();
        if !n.is_empty() && n.chars().count() <= 100 && !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    }
    Ok(CustomPlace {
        id: format!("geonames:{id}"),
        name: name.to_string(),
        kind: kind_of(cols[6].trim(), cols[7].trim()),
        country,
        admin1: None,
        lon,
        lat,
        population,
        names,
    })
}

/// Parses a whole dump, collecting every bad line instead of stopping at the first.
pub fn parse(text: &str) -> (Vec<CustomPlace>, Vec<LineError>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(p) => ok.push(p),
            Err(reason) => bad.push(LineError { line: i + 1, reason }),
        }
    }
    (ok, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "8181561\tHmeimim Air Base\tHmeimim Air Base\tBasel al-Assad Airport,Hmeimim,Khmeimim,Хмеймим,حميميم\t35.40108\t35.94869\tS\tAIRB\tSY\t\t02\t\t\t\t0\t\t47\tAsia/Damascus\t2024-01-01\n\
173339\tTarţūs\tTartus\tTartous,Тартус,طرطوس\t34.88902\t35.88659\tP\tPPLA\tSY\t\t10\t\t\t\t115769\t\t14\tAsia/Damascus\t2024-01-01\n\
bad line\n\
99\tX\tX\t\tninety\t35\tP\tPPL\tSY\t\t\t\t\t\t0\t\t\t\t\n";

    #[test]
    fn a_dump_is_read_with_kinds_names_and_line_numbered_rejections() {
        let (ok, bad) = parse(SAMPLE);
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].id, "geonames:8181561");
        assert_eq!(ok[0].kind, Kind::Site);
        assert!(ok[0].names.iter().any(|n| n == "حميميم"));
        assert_eq!(ok[1].kind, Kind::Settlement);
        assert_eq!(ok[1].population, 115769);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [3, 4]);
        assert!(bad[1].reason.contains("latitude"));
    }
}
