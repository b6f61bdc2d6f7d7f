//! The `geometry_type=` filter: the kinds of event geometry a reader can ask for, so that a GIS
//! client can read one kind at a time into a format that holds only one per layer (a Shapefile).
//!
//! Each kind gathers the GeoJSON types that one Shapefile layer can hold: a line layer takes
//! LineStrings and MultiLineStrings, a polygon layer Polygons and MultiPolygons, but a point
//! layer takes Points only and a MultiPoint (an event at several places that is not a movement)
//! needs a layer of its own. GeometryCollections fit no Shapefile layer.

use geojson::{Geometry, Value};

use super::ValidationErrors;

/// A kind of geometry, as `geometry_type=` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GeometryType {
    Point,
    MultiPoint,
    Line,
    Polygon,
    Collection,
}

impl GeometryType {
    pub const ALL: [Self; 5] = [Self::Point, Self::MultiPoint, Self::Line, Self::Polygon, Self::Collection];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Point => "point",
            Self::MultiPoint => "multipoint",
            Self::Line => "line",
            Self::Polygon => "polygon",
            Self::Collection => "collection",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s))
    }

    /// The GeoJSON `type`s of this kind.
    pub fn geojson_types(self) -> &'static [&'static str] {
        match self {
            Self::Point => &["Point"],
            Self::MultiPoint => &["MultiPoint"],
            Self::Line => &["LineString", "MultiLineString"],
            Self::Polygon => &["Polygon", "MultiPolygon"],
            Self::Collection => &["GeometryCollection"],
        }
    }
}

/// The GeoJSON `type` of a geometry (`Point`, `LineString`, ...).
pub fn geojson_type(g: &Geometry) -> &'static str {
    match g.value {
        Value::Point(_) => "Point",
        Value::MultiPoint(_) => "MultiPoint",
        Value::LineString(_) => "LineString",
        Value::MultiLineString(_) => "MultiLineString",
        Value::Polygon(_) => "Polygon",
        Value::MultiPolygon(_) => "MultiPolygon",
        Value::GeometryCollection(_) => "GeometryCollection",
    }
}

/// Reads a `geometry_type` value (one kind, or several separated by commas: any of them) into
/// `into`, keeping each kind once; an unknown kind is an error naming the known ones.
pub fn parse_list(v: &str, into: &mut Vec<GeometryType>, e: &mut ValidationErrors) {
    for s in v.split(',').filter(|s| !s.trim().is_empty()) {
        match GeometryType::parse(s) {
            Some(t) if !into.contains(&t) => into.push(t),
            Some(_) => {}
            None => e.add(
                "geometry_type",
                format!(
                    "`{}` is not a geometry type; use {}",
                    s.trim(),
                    GeometryType::ALL.map(GeometryType::as_str).join(", ")
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_in_any_case_and_once_each() {
        let (mut v, mut e) = (Vec::new(), ValidationErrors::new());
        parse_list("Line, polygon,line", &mut v, &mut e);
        parse_list("POINT", &mut v, &mut e);
        assert!(e.errors.is_empty(), "{e:?}");
        assert_eq!(v, [GeometryType::Line, GeometryType::Polygon, GeometryType::Point]);
    }

    #[test]
    fn an_unknown_kind_is_refused_naming_the_known_ones() {
        let (mut v, mut e) = (Vec::new(), ValidationErrors::new());
        parse_list("linestring", &mut v, &mut e);
        assert_eq!(e.errors[0].field, "geometry_type");
        assert!(e.errors[0].message.contains("point, multipoint, line, polygon, collection"), "{e:?}");
        assert!(v.is_empty());
    }

    #[test]
    fn every_geojson_type_belongs_to_exactly_one_kind() {
        let types =
            ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"];
        for t in types {
            let kinds: Vec<_> = GeometryType::ALL.into_iter().filter(|k| k.geojson_types().contains(&t)).collect();
            assert_eq!(kinds.len(), 1, "{t}: {kinds:?}");
        }
        let line = Geometry::new(Value::LineString(vec![vec![0.0, 0.0], vec![1.0, 1.0]]));
        assert_eq!(geojson_type(&line), "LineString");
    }
}
