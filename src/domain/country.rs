//! Country codes in the forms other data sets use, mapped to the ISO 3166-1 alpha-2 codes of our
//! model: ISO numeric (ACLED's `iso`), ISO alpha-3, and FIPS 10-4 (GDELT's country codes, which
//! differ from ISO for about half the world: `UP` is Ukraine, `IZ` Iraq, `SY` Syria).
//!
//! The table was written for eventmap from the published code lists. Territories that FIPS splits
//! (the West Bank `WE` and Gaza `GZ`, Svalbard `SV` and Jan Mayen `JN`, the U.S. minor islands)
//! map to the one ISO code that covers them; FIPS areas with no ISO code (oceans, the Spratly and
//! Paracel islands) map to nothing.

/// `(alpha-2, alpha-3, numeric, FIPS 10-4)`; an empty FIPS code means FIPS has none of its own.
const TABLE: [(&str, &str, u16, &str); 250] = [
    ("AD", "AND", 20, "AN"),
    ("AE", "ARE", 784, "AE"),
    ("AF", "AFG", 4, "AF"),
    ("AG", "ATG", 28, "AC"),
    ("AI", "AIA", 660, "AV"),
    ("AL", "ALB", 8, "AL"),
    ("AM", "ARM", 51, "AM"),
    ("AO", "AGO", 24, "AO"),
    ("AQ", "ATA", 10, "AY"),
    ("AR", "ARG", 32, "AR"),
    ("AS", "ASM", 16, "AQ"),
    ("AT", "AUT", 40, "AU"),
    ("AU", "AUS", 36, "AS"),
    ("AW", "ABW", 533, "AA"),
    ("AX", "ALA", 248, ""),
    ("AZ", "AZE", 31, "AJ"),
    ("BA", "BIH", 70, "BK"),
    ("BB", "BRB", 52, "BB"),
    ("BD", "BGD", 50, "BG"),
    ("BE", "BEL", 56, "BE"),
    ("BF", "BFA", 854, "UV"),
    ("BG", "BGR", 100, "BU"),
    ("BH", "BHR", 48, "BA"),
    ("BI", "BDI", 108, "BY"),
    ("BJ", "BEN", 204, "BN"),
    ("BL", "BLM", 652, "TB"),
    ("BM", "BMU", 60, "BD"),
    ("BN", "BRN", 96, "BX"),
    ("BO", "BOL", 68, "BL"),
    ("BQ", "BES", 535, ""),
    ("BR", "BRA", 76, "BR"),
    ("BS", "BHS", 44, "BF"),
    ("BT", "BTN", 64, "BT"),
    ("BV", "BVT", 74, "BV"),
    ("BW", "BWA", 72, "BC"),
    ("BY", "BLR", 112, "BO"),
    ("BZ", "BLZ", 84, "BH"),
    ("CA", "CAN", 124, "CA"),
    ("CC", "CCK", 166, "CK"),
    ("CD", "COD", 180, "CG"),
    ("CF", "CAF", 140, "CT"),
    ("CG", "COG", 178, "CF"),
    ("CH", "CHE", 756, "SZ"),
    ("CI", "CIV", 384, "IV"),
    ("CK", "COK", 184, "CW"),
    ("CL", "CHL", 152, "CI"),
    ("CM", "CMR", 120, "CM"),
    ("CN", "CHN", 156, "CH"),
    ("CO", "COL", 170, "CO"),
    ("CR", "CRI", 188, "CS"),
    ("CU", "CUB", 192, "CU"),
    ("CV", "CPV", 132, "CV"),
    ("CW", "CUW", 531, "UC"),
    ("CX", "CXR", 162, "KT"),
    ("CY", "CYP", 196, "CY"),
    ("CZ", "CZE", 203, "EZ"),
    ("DE", "DEU", 276, "GM"),
    ("DJ", "DJI", 262, "DJ"),
    ("DK", "DNK", 208, "DA"),
    ("DM", "DMA", 212, "DO"),
    ("DO", "DOM", 214, "DR"),
    ("DZ", "DZA", 12, "AG"),
    ("EC", "ECU", 218, "EC"),
    ("EE", "EST", 233, "EN"),
    ("EG", "EGY", 818, "EG"),
    ("EH", "ESH", 732, "WI"),
    ("ER", "ERI", 232, "ER"),
    ("ES", "ESP", 724, "SP"),
    ("ET", "ETH", 231, "ET"),
    ("FI", "FIN", 246, "FI"),
    ("FJ", "FJI", 242, "FJ"),
    ("FK", "FLK", 238, "FK"),
    ("FM", "FSM", 583, "FM"),
    ("FO", "FRO", 234, "FO"),
    ("FR", "FRA", 250, "FR"),
    ("GA", "GAB", 266, "GB"),
    ("GB", "GBR", 826, "UK"),
    ("GD", "GRD", 308, "GJ"),
    ("GE", "GEO", 268, "GG"),
    ("GF", "GUF", 254, "FG"),
    ("GG", "GGY", 831, "GK"),
    ("GH", "GHA", 288, "GH"),
    ("GI", "GIB", 292, "GI"),
    ("GL", "GRL", 304, "GL"),
    ("GM", "GMB", 270, "GA"),
    ("GN", "GIN", 324, "GV"),
    ("GP", "GLP", 312, "GP"),
    ("GQ", "GNQ", 226, "EK"),
    ("GR", "GRC", 300, "GR"),
    ("GS", "SGS", 239, "SX"),
    ("GT", "GTM", 320, "GT"),
    ("GU", "GUM", 316, "GQ"),
    ("GW", "GNB", 624, "PU"),
    ("GY", "GUY", 328, "GY"),
    ("HK", "HKG", 344, "HK"),
    ("HM", "HMD", 334, "HM"),
    ("HN", "HND", 340, "HO"),
    ("HR", "HRV", 191, "HR"),
    ("HT", "HTI", 332, "HA"),
    ("HU", "HUN", 348, "HU"),
    ("ID", "IDN", 360, "ID"),
    ("IE", "IRL", 372, "EI"),
    ("IL", "ISR", 376, "IS"),
    ("IM", "IMN", 833, "IM"),
    ("IN", "IND", 356, "IN"),
    ("IO", "IOT", 86, "IO"),
    ("IQ", "IRQ", 368, "IZ"),
    ("IR", "IRN", 364, "IR"),
    ("IS", "ISL", 352, "IC"),
    ("IT", "ITA", 380, "IT"),
    ("JE", "JEY", 832, "JE"),
    ("JM", "JAM", 388, "JM"),
    ("JO", "JOR", 400, "JO"),
    ("JP", "JPN", 392, "JA"),
    ("KE", "KEN", 404, "KE"),
    ("KG", "KGZ", 417, "KG"),
    ("KH", "KHM", 116, "CB"),
    ("KI", "KIR", 296, "KR"),
    ("KM", "COM", 174, "CN"),
    ("KN", "KNA", 659, "SC"),
    ("KP", "PRK", 408, "KN"),
    ("KR", "KOR", 410, "KS"),
    ("KW", "KWT", 414, "KU"),
    ("KY", "CYM", 136, "CJ"),
    ("KZ", "KAZ", 398, "KZ"),
    ("LA", "LAO", 418, "LA"),
    ("LB", "LBN", 422, "LE"),
    ("LC", "LCA", 662, "ST"),
    ("LI", "LIE", 438, "LS"),
    ("LK", "LKA", 144, "CE"),
    ("LR", "LBR", 430, "LI"),
    ("LS", "LSO", 426, "LT"),
    ("LT", "LTU", 440, "LH"),
    ("LU", "LUX", 442, "LU"),
    ("LV", "LVA", 428, "LG"),
    ("LY", "LBY", 434, "LY"),
    ("MA", "MAR", 504, "MO"),
    ("MC", "MCO", 492, "MN"),
    ("MD", "MDA", 498, "MD"),
    ("ME", "MNE", 499, "MJ"),
    ("MF", "MAF", 663, "RN"),
    ("MG", "MDG", 450, "MA"),
    ("MH", "MHL", 584, "RM"),
    ("MK", "MKD", 807, "MK"),
    ("ML", "MLI", 466, "ML"),
    ("MM", "MMR", 104, "BM"),
    ("MN", "MNG", 496, "MG"),
    ("MO", "MAC", 446, "MC"),
    ("MP", "MNP", 580, "CQ"),
    ("MQ", "MTQ", 474, "MB"),
    ("MR", "MRT", 478, "MR"),
    ("MS", "MSR", 500, "MH"),
    ("MT", "MLT", 470, "MT"),
    ("MU", "MUS", 480, "MP"),
    ("MV", "MDV", 462, "MV"),
    ("MW", "MWI", 454, "MI"),
    ("MX", "MEX", 484, "MX"),
    ("MY", "MYS", 458, "MY"),
    ("MZ", "MOZ", 508, "MZ"),
    ("NA", "NAM", 516, "WA"),
    ("NC", "NCL", 540, "NC"),
    ("NE", "NER", 562, "NG"),
    ("NF", "NFK", 574, "NF"),
    ("NG", "NGA", 566, "NI"),
    ("NI", "NIC", 558, "NU"),
    ("NL", "NLD", 528, "NL"),
    ("NO", "NOR", 578, "NO"),
    ("NP", "NPL", 524, "NP"),
    ("NR", "NRU", 520, "NR"),
    ("NU", "NIU", 570, "NE"),
    ("NZ", "NZL", 554, "NZ"),
    ("OM", "OMN", 512, "MU"),
    ("PA", "PAN", 591, "PM"),
    ("PE", "PER", 604, "PE"),
    ("PF", "PYF", 258, "FP"),
    ("PG", "PNG", 598, "PP"),
    ("PH", "PHL", 608, "RP"),
    ("PK", "PAK", 586, "PK"),
    ("PL", "POL", 616, "PL"),
    ("PM", "SPM", 666, "SB"),
    ("PN", "PCN", 612, "PC"),
    ("PR", "PRI", 630, "RQ"),
    ("PS", "PSE", 275, "WE"),
    ("PT", "PRT", 620, "PO"),
    ("PW", "PLW", 585, "PS"),
    ("PY", "PRY", 600, "PA"),
    ("QA", "QAT", 634, "QA"),
    ("RE", "REU", 638, "RE"),
    ("RO", "ROU", 642, "RO"),
    ("RS", "SRB", 688, "RI"),
    ("RU", "RUS", 643, "RS"),
    ("RW", "RWA", 646, "RW"),
    ("SA", "SAU", 682, "SA"),
    ("SB", "SLB", 90, "BP"),
    ("SC", "SYC", 690, "SE"),
    ("SD", "SDN", 729, "SU"),
    ("SE", "SWE", 752, "SW"),
    ("SG", "SGP", 702, "SN"),
    ("SH", "SHN", 654, "SH"),
    ("SI", "SVN", 705, "SI"),
    ("SJ", "SJM", 744, "SV"),
    ("SK", "SVK", 703, "LO"),
    ("SL", "SLE", 694, "SL"),
    ("SM", "SMR", 674, "SM"),
    ("SN", "SEN", 686, "SG"),
    ("SO", "SOM", 706, "SO"),
    ("SR", "SUR", 740, "NS"),
    ("SS", "SSD", 728, "OD"),
    ("ST", "STP", 678, "TP"),
    ("SV", "SLV", 222, "ES"),
    ("SX", "SXM", 534, "NN"),
    ("SY", "SYR", 760, "SY"),
    ("SZ", "SWZ", 748, "WZ"),
    ("TC", "TCA", 796, "TK"),
    ("TD", "TCD", 148, "CD"),
    ("TF", "ATF", 260, "FS"),
    ("TG", "TGO", 768, "TO"),
    ("TH", "THA", 764, "TH"),
    ("TJ", "TJK", 762, "TI"),
    ("TK", "TKL", 772, "TL"),
    ("TL", "TLS", 626, "TT"),
    ("TM", "TKM", 795, "TX"),
    ("TN", "TUN", 788, "TS"),
    ("TO", "TON", 776, "TN"),
    ("TR", "TUR", 792, "TU"),
    ("TT", "TTO", 780, "TD"),
    ("TV", "TUV", 798, "TV"),
    ("TW", "TWN", 158, "TW"),
    ("TZ", "TZA", 834, "TZ"),
    ("UA", "UKR", 804, "UP"),
    ("UG", "UGA", 800, "UG"),
    ("UM", "UMI", 581, ""),
    ("US", "USA", 840, "US"),
    ("UY", "URY", 858, "UY"),
    ("UZ", "UZB", 860, "UZ"),
    ("VA", "VAT", 336, "VT"),
    ("VC", "VCT", 670, "VC"),
    ("VE", "VEN", 862, "VE"),
    ("VG", "VGB", 92, "VI"),
    ("VI", "VIR", 850, "VQ"),
    ("VN", "VNM", 704, "VM"),
    ("VU", "VUT", 548, "NH"),
    ("WF", "WLF", 876, "WF"),
    ("WS", "WSM", 882, "WS"),
    ("XK", "XKX", 0, "KV"),
    ("YE", "YEM", 887, "YM"),
    ("YT", "MYT", 175, "MF"),
    ("ZA", "ZAF", 710, "SF"),
    ("ZM", "ZMB", 894, "ZA"),
    ("ZW", "ZWE", 716, "ZI"),
];

/// FIPS codes beyond the one per row of [`TABLE`]: areas FIPS splits or names differently.
const FIPS_EXTRA: [(&str, &str); 20] = [
    ("GZ", "PS"),
    ("JN", "SJ"),
    ("RB", "RS"),
    ("AT", "AU"),
    ("CR", "AU"),
    ("BQ", "UM"),
    ("DQ", "UM"),
    ("FQ", "UM"),
    ("HQ", "UM"),
    ("JQ", "UM"),
    ("KQ", "UM"),
    ("LQ", "UM"),
    ("MQ", "UM"),
    ("WQ", "UM"),
    ("BS", "TF"),
    ("EU", "TF"),
    ("GO", "TF"),
    ("JU", "TF"),
    ("TE", "TF"),
    ("IP", "FR"),
];

/// ISO alpha-2 for a FIPS 10-4 country code (`UP` -> `UA`).
pub fn from_fips(code: &str) -> Option<&'static str> {
    let c = code.trim();
    if c.len() != 2 {
        return None;
    }
    let c = c.to_ascii_uppercase();
    TABLE.iter().find(|r| r.3 == c).map(|r| r.0).or_else(|| FIPS_EXTRA.iter().find(|r| r.0 == c).map(|r| r.1))
}

/// ISO alpha-2 for an ISO numeric code (`804` -> `UA`).
pub fn from_numeric(code: &str) -> Option<&'static str> {
    let n: u16 = code.trim().parse().ok()?;
    if n == 0 {
        return None;
    }
    TABLE.iter().find(|r| r.2 == n).map(|r| r.0)
}

/// ISO alpha-2 for an ISO alpha-3 code (`UKR` -> `UA`).
pub fn from_alpha3(code: &str) -> Option<&'static str> {
    let c = code.trim().to_ascii_uppercase();
    TABLE.iter().find(|r| r.1 == c).map(|r| r.0)
}

/// ISO alpha-2 for an alpha-2, alpha-3 or numeric code, whichever `code` is.
pub fn any_iso(code: &str) -> Option<&'static str> {
    let c = code.trim();
    if c.bytes().all(|b| b.is_ascii_digit()) {
        return from_numeric(c);
    }
    match c.len() {
        2 => {
            // TABLE is sorted by alpha-2 (tested), so a binary search finds it.
            let b = c.as_bytes();
            let up = [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()];
            let up = std::str::from_utf8(&up).ok()?;
            TABLE.binary_search_by(|r| r.0.cmp(up)).ok().map(|i| TABLE[i].0)
        }
        3 => from_alpha3(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_by_alpha2_and_any_code_finds_its_row() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0), "any_iso searches TABLE by alpha-2");
        for (a2, a3, num, _) in TABLE {
            assert_eq!(any_iso(a2), Some(a2));
            assert_eq!(any_iso(&a2.to_ascii_lowercase()), Some(a2));
            assert_eq!(any_iso(a3), Some(a2));
            // Kosovo has no ISO numeric code (0 in the table).
            if num != 0 {
                assert_eq!(any_iso(&num.to_string()), Some(a2));
            }
        }
        assert_eq!(any_iso(" sy "), Some("SY"));
        assert_eq!(any_iso("ZZ"), None);
        assert_eq!(any_iso("é"), None);
        assert_eq!(any_iso(""), None);
    }

    #[test]
    fn fips_codes_that_differ_from_iso_are_translated() {
        assert_eq!(from_fips("UP"), Some("UA"));
        assert_eq!(from_fips("IZ"), Some("IQ"));
        assert_eq!(from_fips("SY"), Some("SY"));
        assert_eq!(from_fips("GM"), Some("DE"));
        assert_eq!(from_fips("RS"), Some("RU"));
        assert_eq!(from_fips("GZ"), Some("PS"));
        assert_eq!(from_fips("WE"), Some("PS"));
        assert_eq!(from_fips("OS"), None);
        assert_eq!(from_fips(""), None);
    }

    #[test]
    fn numeric_and_alpha3_codes_are_translated() {
        assert_eq!(from_numeric("804"), Some("UA"));
        assert_eq!(from_numeric("4"), Some("AF"));
        assert_eq!(from_numeric("004"), Some("AF"));
        assert_eq!(from_numeric("0"), None);
        assert_eq!(from_alpha3("syr"), Some("SY"));
        assert_eq!(any_iso("760"), Some("SY"));
        assert_eq!(any_iso("sy"), Some("SY"));
        assert_eq!(any_iso("Syria"), None);
    }

    #[test]
    fn the_table_has_no_repeated_code() {
        let mut seen = std::collections::HashSet::new();
        for (a2, a3, n, f) in TABLE {
            assert!(seen.insert(format!("2{a2}")), "{a2}");
            assert!(seen.insert(format!("3{a3}")), "{a3}");
            if n != 0 {
                assert!(seen.insert(format!("n{n}")), "{n}");
            }
            if !f.is_empty() {
                assert!(seen.insert(format!("f{f}")), "{f}");
            }
        }
        for (f, _) in FIPS_EXTRA {
            assert!(!seen.contains(&format!("f{f}")), "{f} is in both tables");
        }
    }
}
