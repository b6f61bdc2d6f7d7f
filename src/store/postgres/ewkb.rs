//! An event's geometry as PostGIS reads it from text: hex-encoded EWKB, two-dimensional, in
//! WGS 84 (SRID 4326). What `ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(..)), 4326)` makes of the
//! GeoJSON on the array road, made here instead, so that a `COPY` row carries the geometry
//! column itself and the server only decodes bytes (no JSON parser per event).
//!
//! Little-endian WKB (OGC Simple Features, type codes 1 to 7); the outer geometry carries the
//! SRID flag (`0x20000000`) and the SRID, its members do not, as PostGIS writes it. A third
//! coordinate, when given, is dropped.

use geojson::{PointType, Value};

const SRID_FLAG: u32 = 0x2000_0000;
const WGS84: u32 = 4326;

/// Appends the hex EWKB of `v` to `out` (upper-case hex digits).
pub fn write_hex(v: &Value, out: &mut Vec<u8>) {
    let mut wkb = Vec::with_capacity(64);
    geometry(v, true, &mut wkb);
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(wkb.len() * 2);
    for b in wkb {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

fn head(code: u32, outer: bool, out: &mut Vec<u8>) {
    out.push(1);
    if outer {
        out.extend_from_slice(&(code | SRID_FLAG).to_le_bytes());
        out.extend_from_slice(&WGS84.to_le_bytes());
    } else {
        out.extend_from_slice(&code.to_le_bytes());
    }
}

fn count(n: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn position(p: &PointType, out: &mut Vec<u8>) {
    // Validation guarantees two or three numbers; a missing one would be NaN, as PostGIS has it.
    let x = p.first().copied().unwrap_or(f64::NAN);
    let y = p.get(1).copied().unwrap_or(f64::NAN);
    out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(&y.to_le_bytes());
}

fn path(ps: &[PointType], out: &mut Vec<u8>) {
    count(ps.len(), out);
    ps.iter().for_each(|p| position(p, out));
}

fn rings(rs: &[Vec<PointType>], out: &mut Vec<u8>) {
    count(rs.len(), out);
    rs.iter().for_each(|r| path(r, out));
}

fn geometry(v: &Value, outer: bool, out: &mut Vec<u8>) {
    match v {
        Value::Point(p) => {
            head(1, outer, out);
            position(p, out);
        }
        Value::LineString(l) => {
            head(2, outer, out);
            path(l, out);
        }
        Value::Polygon(p) => {
            head(3, outer, out);
            rings(p, out);
        }
        Value::MultiPoint(ps) => {
            head(4, outer, out);
            count(ps.len(), out);
            for p in ps {
                head(1, false, out);
                position(p, out);
            }
        }
        Value::MultiLineString(ls) => {
            head(5, outer, out);
            count(ls.len(), out);
            for l in ls {
                head(2, false, out);
                path(l, out);
            }
        }
        Value::MultiPolygon(ps) => {
            head(6, outer, out);
            count(ps.len(), out);
            for p in ps {
                head(3, false, out);
                rings(p, out);
            }
        }
        Value::GeometryCollection(gs) => {
            head(7, outer, out);
            count(gs.len(), out);
            gs.iter().for_each(|g| geometry(&g.value, false, out));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(v: Value) -> String {
        let mut out = Vec::new();
        write_hex(&v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_point_is_written_as_postgis_writes_it() {
        // SELECT ST_AsHEXEWKB(ST_SetSRID(ST_MakePoint(1, 2), 4326))
        assert_eq!(hex(Value::Point(vec![1.0, 2.0])), "0101000020E6100000000000000000F03F0000000000000040");
        // A third coordinate is dropped.
        assert_eq!(hex(Value::Point(vec![1.0, 2.0, 9.0])), hex(Value::Point(vec![1.0, 2.0])));
    }

    #[test]
    fn members_of_a_collection_carry_no_srid() {
        // SELECT ST_AsHEXEWKB(ST_SetSRID('MULTIPOINT(1 2)'::geometry, 4326))
        assert_eq!(
            hex(Value::MultiPoint(vec![vec![1.0, 2.0]])),
            "0104000020E6100000010000000101000000000000000000F03F0000000000000040"
        );
    }
}
