//! Tests of the tile count table's grid, the split of a window into blocks and the SQL.

use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::filter::BBox;

#[test]
fn the_grids_edges_are_the_edges_of_every_tile_of_zoom_six_and_less() {
    let edges = grid_edges();
    let lons: Vec<f64> = edges.iter().filter(|e| e.0 == 0).map(|e| e.1).collect();
    let lats: Vec<f64> = edges.iter().filter(|e| e.0 == 1).map(|e| e.1).collect();
    assert_eq!((lons.len(), lats.len()), (511, 511));
    assert!(lons.windows(2).all(|w| w[0] < w[1]) && lats.windows(2).all(|w| w[0] > w[1]));
    for z in 0..=GRID_ZOOM {
        let span = 1usize << (GRID_ZOOM - z);
        for i in 0..(1u32 << z) {
            let t = TileId { z, x: i, y: i };
            let (tl, ta) = t.cell_edges();
            for (j, (lon, lat)) in tl.iter().zip(&ta).enumerate() {
                // Inner edge j + 1 of tile i is edge (i * 8 + j + 1) * span of the grid, bit for bit.
                let k = (i as usize * 8 + j + 1) * span;
                assert_eq!(lons[k - 1].to_bits(), lon.to_bits(), "lon z{z} tile {i} edge {j}");
                assert_eq!(lats[k - 1].to_bits(), lat.to_bits(), "lat z{z} tile {i} edge {j}");
            }
        }
    }
}

/// The days the blocks cover, one by one.
fn covered(counted: &[(i64, i64, i64)]) -> Vec<i64> {
    let mut days: Vec<i64> = counted.iter().flat_map(|&(d, a, b)| (a * d)..((b + 1) * d)).collect();
    days.sort_unstable();
    days
}

#[test]
fn blocks_cover_a_range_of_days_once_with_the_longest_blocks_that_fit() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..500 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let lo = (seed % 20_000) as i64 - 10_000;
        let hi = lo + (seed >> 20) as i64 % 9_000;
        let mut out = Vec::new();
        blocks(lo, hi, &LEVELS, &mut out);
        assert_eq!(covered(&out), (lo..hi).collect::<Vec<_>>(), "[{lo}, {hi})");
        // At most 9 blocks of each shorter length on each side of the longer ones.
        for (i, d) in LEVELS.iter().enumerate().skip(1) {
            let n: i64 = out.iter().filter(|b| b.0 == *d).map(|b| b.2 - b.1 + 1).sum();
            let most = 2 * (LEVELS[i - 1] / d - 1);
            assert!(n <= most, "{n} blocks of {d} days in [{lo}, {hi}): {out:?}");
        }
    }
}

fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn a_window_is_split_at_its_whole_days() {
    const DAY: i64 = 86_400_000;
    // From noon on 1 March to the end of 30 June 2024: whole days 2 March to 30 June.
    let f = EventFilter {
        start: Some(at("2024-03-01T12:00:00Z")),
        end: Some(at("2024-06-30T23:59:59.999Z")),
        ..Default::default()
    };
    let s = split(&f).unwrap();
    let first = Utc.with_ymd_and_hms(2024, 3, 2, 0, 0, 0).unwrap().timestamp_millis();
    let end = Utc.with_ymd_and_hms(2024, 7, 1, 0, 0, 0).unwrap().timestamp_millis();
    assert_eq!((s.before, s.after), (Some(first), Some(end)));
    assert_eq!(covered(&s.counted), ((first / DAY)..(end / DAY)).collect::<Vec<_>>());
    // All time is the longest blocks alone, nothing counted from the events.
    let all = split(&EventFilter::default()).unwrap();
    assert_eq!((all.counted.len(), all.before, all.after), (1, None, None));
    assert_eq!(all.counted[0].0, 3600);
    // Less than a whole day, or a filter the table does not hold: the events alone.
    let short = EventFilter { start: Some(at("2024-03-01T01:00:00Z")), end: Some(at("2024-03-01T23:00:00Z")), ..f };
    assert_eq!(split(&short), None);
    let verified = EventFilter { statuses: vec![crate::domain::Status::Verified], ..Default::default() };
    assert_eq!(split(&verified), None);
    let boxed = EventFilter { bbox: Some(BBox::parse("30,30,40,40").unwrap()), ..Default::default() };
    assert_eq!(split(&boxed), None);
    let world = EventFilter { bbox: Some(BBox::parse("-180,-90,180,90").unwrap()), ..Default::default() };
    assert!(split(&world).is_some());
}

#[test]
fn a_counted_tile_reads_its_own_cells_of_the_grid_and_the_partial_days_from_the_events() {
    let f = EventFilter {
        start: Some(at("2024-03-01T12:00:00Z")),
        categories: vec!["protest".into()],
        ..Default::default()
    };
    let t = TileId { z: 4, x: 9, y: 6 };
    let qs = queries(Dialect::Sqlite, &f, &t, Some((TABLE_MIN_EVENTS, 1 << 30)));
    assert_eq!(qs.len(), 2, "the table, and the events starting before 2 March");
    assert!(qs[0].text.contains("FROM event_tile_counts") && qs[0].text.contains("category IN"));
    assert!(qs[1].text.contains("e.t_start < ?") && !qs[1].text.contains("event_tile_counts"));
    assert_eq!(qs[0].text.matches('?').count(), qs[0].binds.len());
    // A tile of zoom 4 is 32 grid cells a side: columns 288..=319, rows 192..=223.
    let ints: Vec<i64> =
        qs[0].binds.iter().filter_map(|b| if let super::super::Bind::Int(v) = b { Some(*v) } else { None }).collect();
    assert!(ints.contains(&(192 * 512)) && ints.contains(&(223 * 512 + 511)), "{ints:?}");
    assert!(ints.contains(&288) && ints.contains(&319), "{ints:?}");
    // A window of few events, or closer in than the grid: the events alone.
    let few = queries(Dialect::Sqlite, &f, &t, Some((TABLE_MIN_EVENTS - 1, 1 << 30)));
    assert!(few.len() == 1 && !few[0].text.contains("event_tile_counts"));
    assert!(wants_window(&f, &t) && !wants_window(&f, &TileId { z: 7, x: 70, y: 50 }));
    let close = queries(Dialect::Postgres, &f, &TileId { z: 7, x: 70, y: 50 }, Some((1 << 30, 1 << 30)));
    // A store of few events: a window of a twentieth of them or more.
    assert!(table_pays(4, 50, 1000) && !table_pays(4, 49, 1000) && table_pays(4, 1000, 1000) && !table_pays(4, 0, 0));
    // The world tile: always; a quarter of the world, as closer in.
    assert!(table_pays(0, 1, 1 << 30) && !table_pays(1, 1, 1 << 30) && !table_pays(2, 1, 1 << 30));
    assert!(table_pays(1, TABLE_MIN_EVENTS, 1 << 30));
    assert_eq!(close.len(), 1);
    assert!(!close[0].text.contains("event_tile_counts"));
}

#[test]
fn rows_of_several_queries_add_up_by_cell_and_category() {
    let c = |column, row, category: &str, count| crate::domain::tile::CellCount {
        column,
        row,
        category: category.into(),
        count,
        sum_lon: count as f64,
        sum_lat: 2.0 * count as f64,
    };
    let got = merge(vec![c(1, 2, "protest", 3), c(1, 2, "protest", 4), c(1, 2, "shelling", 0), c(0, 0, "protest", 1)]);
    assert_eq!(got, vec![c(0, 0, "protest", 1), c(1, 2, "protest", 7)]);
}

#[test]
fn the_grid_puts_a_position_in_the_cell_of_the_tiles_that_hold_it_even_on_an_edge() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    c.execute_batch(
        "CREATE TABLE tile_grid (axis INTEGER, edge REAL, k INTEGER, PRIMARY KEY (axis, edge)) WITHOUT ROWID",
    )
    .unwrap();
    for (axis, edge, k) in grid_edges() {
        c.execute("INSERT INTO tile_grid VALUES (?1, ?2, ?3)", rusqlite::params![axis, edge, k]).unwrap();
    }
    let cell = |lon: f64, lat: f64| -> i64 {
        c.query_row(
            "SELECT coalesce((SELECT k FROM tile_grid WHERE axis = 1 AND edge > ?2 ORDER BY edge LIMIT 1), 0) * 512 \
             + coalesce((SELECT k FROM tile_grid WHERE axis = 0 AND edge <= ?1 ORDER BY edge DESC LIMIT 1), 0)",
            rusqlite::params![lon, lat],
            |r| r.get(0),
        )
        .unwrap()
    };
    let mut spots =
        vec![[0.0, 0.0], [-180.0, -90.0], [180.0, 90.0], [179.999, 85.06], [35.78, 35.52], [-0.000_001, 66.5]];
    for (x, y) in [(18u32, 31u32), (19, 30), (0, 1), (63, 63), (40, 20)] {
        let b = TileId { z: GRID_ZOOM, x, y }.bounds();
        spots.push([b.west, b.north.unwrap()]);
        spots.push([b.west, b.south.unwrap_or(-89.0)]);
    }
    for [lon, lat] in spots {
        let k = cell(lon, lat);
        let (col, row) = ((k % 512) as u32, (k / 512) as u32);
        let t = TileId { z: GRID_ZOOM, x: col / CELLS, y: row / CELLS };
        assert!(t.bounds().holds(lon, lat), "({lon}, {lat}) in cell {col}, {row}: tile {t:?}");
        let (lons, lats) = t.cell_edges();
        let (i, j) = ((col % CELLS) as usize, (row % CELLS) as usize);
        assert!(i == 0 || lon >= lons[i - 1], "({lon}, {lat}) column {col}");
        assert!(i == 7 || lon < lons[i], "({lon}, {lat}) column {col}");
        assert!(j == 0 || lat < lats[j - 1], "({lon}, {lat}) row {row}");
        assert!(j == 7 || lat >= lats[j], "({lon}, {lat}) row {row}");
    }
}
