//! Place references: where an event happened, with the role the place plays in it.
//!
//! A [`PlaceInput`] is what a client sends (a name, maybe coordinates or a gazetteer id); the API
//! completes it through the gazetteer and then [`PlaceInput::validate`] turns it into a [`Place`],
//! which always has coordinates.

use serde::{Deserialize, Serialize};

use super::{ValidationErrors, text};

/// The part a place plays in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum PlaceRole {
    #[default]
    Location,
    Origin,
    Destination,
    Via,
}

impl PlaceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Location => "location",
            Self::Origin => "origin",
            Self::Destination => "destination",
            Self::Via => "via",
        }
    }
}

/// How precisely a place's coordinates locate the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum LocationPrecision {
    /// Within about 10 m.
    Exact,
    /// Within about 1 km.
    Near,
    /// Somewhere in a town or city.
    Settlement,
    /// Somewhere in a district (second-level subdivision).
    District,
    /// Somewhere in a region (first-level subdivision).
    Region,
    /// Somewhere in a country.
    Country,
}

impl LocationPrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Near => "near",
            Self::Settlement => "settlement",
            Self::District => "district",
            Self::Region => "region",
            Self::Country => "country",
        }
    }

    /// The typical radius of uncertainty in metres, as the map draws it.
    pub fn radius_m(self) -> f64 {
        match self {
            Self::Exact => 10.0,
            Self::Near => 1_000.0,
            Self::Settlement => 5_000.0,
            Self::District => 25_000.0,
            Self::Region => 100_000.0,
            Self::Country => 500_000.0,
        }
    }
}

/// A resolved place reference, as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Place {
    pub role: PlaceRole,
    /// The name as reported.
    pub name: String,
    /// `geonames:<id>` or `custom:<id>`, when the place was resolved through the gazetteer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gazetteer_id: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// First-level subdivision, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin1: Option<String>,
    /// The gazetteer id of the first-level subdivision (governorate, oblast, province) the
    /// place lies in, as the gazetteer decided it: what `admin1=` and `place=<region>` match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin1_id: Option<String>,
    /// WGS 84 longitude, degrees.
    pub lon: f64,
    /// WGS 84 latitude, degrees.
    pub lat: f64,
    pub precision: LocationPrecision,
}

/// A place as a client sends it. Coordinates may be missing until the gazetteer fills them in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    #[serde(default)]
    pub role: Option<PlaceRole>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub gazetteer_id: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub admin1: Option<String>,
    /// Filled in by the gazetteer; a client may send only what it was given back.
    #[serde(default)]
    pub admin1_id: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub precision: Option<LocationPrecision>,
}

/// Checks a longitude in degrees.
pub fn check_lon(field: &str, lon: f64, errors: &mut ValidationErrors) {
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        errors.add(field, format!("longitude {lon} is outside -180..180"));
    }
}

/// Checks a latitude in degrees.
pub fn check_lat(field: &str, lat: f64, errors: &mut ValidationErrors) {
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        errors.add(field, format!("latitude {lat} is outside -90..90"));
    }
}

/// Checks an ISO 3166-1 alpha-2 code and returns it in upper case.
pub fn check_country(field: &str, cc: &str, errors: &mut ValidationErrors) -> String {
    let up = cc.trim().to_ascii_uppercase();
    if up.len() != 2 || !up.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.add(field, format!("`{cc}` is not an ISO 3166-1 alpha-2 country code"));
    }
    up
}

impl PlaceInput {
    /// Whether the place still lacks coordinates.
    pub fn needs_coordinates(&self) -> bool {
        self.lon.is_none() || self.lat.is_none()
    }

    /// Turns a completed input into a [`Place`]; errors name fields relative to this place.
    pub fn validate(&self) -> Result<Place, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = match &self.name {
            Some(n) => text::check_required("name", n, 200, &mut e),
            None => {
                e.add("name", "is required");
                String::new()
            }
        };
        match (self.lon, self.lat) {
            (Some(lon), Some(lat)) => {
                check_lon("lon", lon, &mut e);
                check_lat("lat", lat, &mut e);
            }
            (None, None) => e.add("", "needs coordinates (lon, lat), a gazetteer_id or a name the gazetteer knows"),
            (None, _) => e.add("lon", "is required when lat is given"),
            (_, None) => e.add("lat", "is required when lon is given"),
        }
        let country = self.country.as_deref().map(|c| check_country("country", c, &mut e));
        let admin1 =
            self.admin1.as_deref().map(|a| text::check_text("admin1", a, 200, &mut e)).filter(|a| !a.is_empty());
        let check_id = |field: &str, g: &str, e: &mut ValidationErrors| {
            let g = text::check_required(field, g, 100, e);
            if !g.contains(':') {
                e.add(field, "must look like `geonames:173576`");
            }
            g
        };
        let gazetteer_id = self.gazetteer_id.as_deref().map(|g| check_id("gazetteer_id", g, &mut e));
        let admin1_id = self.admin1_id.as_deref().map(|g| check_id("admin1_id", g, &mut e));
        e.into_result(())?;
        Ok(Place {
            role: self.role.unwrap_or_default(),
            name,
            gazetteer_id,
            country,
            admin1,
            admin1_id,
            lon: self.lon.unwrap_or_default(),
            lat: self.lat.unwrap_or_default(),
            precision: self.precision.unwrap_or(LocationPrecision::Exact),
        })
    }
}

impl From<&Place> for PlaceInput {
    fn from(p: &Place) -> Self {
        Self {
            role: Some(p.role),
            name: Some(p.name.clone()),
            gazetteer_id: p.gazetteer_id.clone(),
            country: p.country.clone(),
            admin1: p.admin1.clone(),
            admin1_id: p.admin1_id.clone(),
            lon: Some(p.lon),
            lat: Some(p.lat),
            precision: Some(p.precision),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(lon: f64, lat: f64) -> PlaceInput {
        PlaceInput { name: Some("Tartus".into()), lon: Some(lon), lat: Some(lat), ..Default::default() }
    }

    #[test]
    fn a_place_with_name_and_coordinates_is_valid() {
        let p = input(35.886, 34.889).validate().unwrap();
        assert_eq!(p.role, PlaceRole::Location);
        assert_eq!(p.precision, LocationPrecision::Exact);
    }

    #[test]
    fn out_of_range_coordinates_name_the_field() {
        let e = input(181.0, -91.0).validate().unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lon", "lat"]);
        assert!(input(f64::NAN, 0.0).validate().is_err());
    }

    #[test]
    fn a_bad_country_code_is_refused_and_a_good_one_upper_cased() {
        let mut p = input(35.0, 35.0);
        p.country = Some("syr".into());
        assert!(p.validate().is_err());
        p.country = Some("sy".into());
        assert_eq!(p.validate().unwrap().country.as_deref(), Some("SY"));
    }
}
