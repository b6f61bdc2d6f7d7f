//! A team's own place as stored: one the team added, or a row imported from a GeoNames dump.
//! The gazetteer searches these beside its embedded index; the store keeps them. Pure values.

use serde::{Deserialize, Serialize};

/// What kind of place a gazetteer entry (or a team's place) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Country = 0,
    /// First-level subdivision (governorate, province, state).
    Region = 1,
    /// Second-level subdivision (district, county).
    District = 2,
    /// City, town or village.
    Settlement = 3,
    /// A spot: air base, port, checkpoint, building.
    Site = 4,
    /// Mountain, river, valley and other natural features.
    Natural = 5,
    /// Any other area.
    Area = 6,
    /// Africa, Asia, Europe, North and South America, Oceania, Antarctica.
    Continent = 7,
}

impl Kind {
    pub fn from_u8(v: u8) -> Option<Self> {
        [
            Self::Country,
            Self::Region,
            Self::District,
            Self::Settlement,
            Self::Site,
            Self::Natural,
            Self::Area,
            Self::Continent,
        ]
        .get(v as usize)
        .copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Country => "country",
            Self::Region => "region",
            Self::District => "district",
            Self::Settlement => "settlement",
            Self::Site => "site",
            Self::Natural => "natural",
            Self::Area => "area",
            Self::Continent => "continent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (0..8).filter_map(Self::from_u8).find(|k| k.as_str() == s.trim().to_ascii_lowercase())
    }

    /// How precisely an event located by a place of this kind is known.
    pub fn precision(self) -> crate::domain::LocationPrecision {
        use crate::domain::LocationPrecision as P;
        match self {
            Self::Country | Self::Continent => P::Country,
            Self::Region => P::Region,
            Self::District | Self::Natural | Self::Area => P::District,
            Self::Settlement => P::Settlement,
            Self::Site => P::Near,
        }
    }
}

/// A place added by a team, as stored in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomPlace {
    /// `custom:<uuid>`, or `geonames:<id>` for rows imported from a GeoNames dump.
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub country: Option<String>,
    pub admin1: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub population: u64,
    /// Every name, in any script (the main name included).
    pub names: Vec<String>,
}

impl CustomPlace {
    /// Whether the place was added by the team itself rather than imported from GeoNames.
    pub fn is_team_place(&self) -> bool {
        self.id.starts_with("custom:")
    }
}
