//! The R*Tree entries of an import, added once at its end: one statement for a small import, or,
//! when the import brings a large share of the live events, the whole tree packed anew.
//!
//! Inserting events one by one into SQLite's R*Tree costs about 7 µs each (the tree is searched
//! for the best leaf, and the leaf and its ancestors are rewritten), the largest single cost of a
//! bulk import. A packed tree is built instead with Sort-Tile-Recursive (Leutenegger, Edgington
//! and López, 1997): entries are sorted into tiles by longitude, then latitude, then time, and
//! written as full nodes, bottom up, straight into the R*Tree's own tables (`events_rtree_node`,
//! `_rowid` and `_parent`) in the layout of SQLite's `rtree.c`:
//!
//! - a node is a blob of fixed size: two bytes of tree depth (read from the root only), two bytes
//!   of cell count, then cells of an 8-byte id and six 4-byte floats, all big-endian;
//! - node 1 is the root; `_rowid` maps each entry to its leaf, `_parent` each other node to its
//!   parent.
//!
//! Coordinates are rounded to `f32` as `rtree.c` rounds them (minima down, maxima up), so a
//! packed tree holds exactly the boxes that inserts would have stored; `rtreecheck()` accepts it
//! and later inserts and deletes go through SQLite as usual.
//!
//! There are two trees (migration 0015): wide envelopes (`write::rtree_of`) in
//! `events_rtree_wide`, the rest in `events_rtree`; each is finished on its own.

use rusqlite::{Transaction, params};

use crate::store::StoreError;
use crate::store::sqlite::write::rtree_of;

/// The two R*Trees: the main one, and the one of wide envelopes.
const TREES: [&str; 2] = ["events_rtree", "events_rtree_wide"];

/// Milliseconds in a day: the R*Tree's time axis is in days.
const DAY_MS: f64 = 86_400_000.0;
/// Bytes of a cell: the id and three (minimum, maximum) pairs of `f32`.
const CELL: usize = 8 + 6 * 4;
/// The most cells `rtree.c` puts in a node, whatever the page size.
const MAX_CELLS: usize = 51;

/// What an import defers: the boxes of the events it creates, and how many live events each
/// tree (`TREES`) held before it.
#[derive(Debug, Clone)]
pub struct Deferred {
    first_seq: i64,
    live_before: [i64; 2],
    pending: [Vec<Cell>; 2],
}

/// Notes the state before an import; the events it creates are handed to [`Deferred::add`] and
/// get their R*Tree entries from [`finish`].
pub fn begin(tx: &Transaction<'_>) -> Result<Deferred, StoreError> {
    let first_seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM events", [], |r| r.get(0))?;
    let mut live_before = [0; 2];
    for (n, tree) in live_before.iter_mut().zip(TREES) {
        *n = tx.query_row(&format!("SELECT count(*) FROM {tree}_rowid"), [], |r| r.get(0))?;
    }
    Ok(Deferred { first_seq, live_before, pending: [Vec::new(), Vec::new()] })
}

impl Deferred {
    /// Notes a new live event: its number, envelope (`[min_lon, min_lat, max_lon, max_lat]`)
    /// and covered interval in milliseconds. Its box is kept (32 bytes) rather than read back
    /// from its row at the end.
    pub fn add(&mut self, seq: i64, envelope: [f64; 4], t_start: i64, t_max: i64) {
        let [a, b, c, d] = envelope;
        let (t0, t1) = (t_start as f64 / DAY_MS, t_max as f64 / DAY_MS);
        let tree = usize::from(rtree_of(envelope) != TREES[0]);
        self.pending[tree].push(Cell { id: seq, b: [down(a), up(c), down(b), up(d), down(t0), up(t1)] });
    }
}

/// How [`finish`] added the entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// No new event lacked an entry.
    Nothing,
    /// The whole tree was packed anew.
    Packed,
    /// The missing entries were inserted one by one.
    Inserted,
}

/// Adds the R*Tree entries of the events noted with [`Deferred::add`] to each tree, the main
/// one and the one of wide envelopes, as `finish_tree` does.
pub fn finish(tx: &Transaction<'_>, d: Deferred) -> Result<[Finished; 2], StoreError> {
    let [main, wide] = d.pending;
    Ok([
        finish_tree(tx, TREES[0], d.first_seq, d.live_before[0], main)?,
        finish_tree(tx, TREES[1], d.first_seq, d.live_before[1], wide)?,
    ])
}

/// Adds the entries `pending` to `tree`, which held `live_before` before the import, but for
/// those that got one while the import ran (an event re-rendered after its creation): the tree
/// is packed anew when they are at least a tenth of its entries (packing costs well under a
/// microsecond an event, inserting about seven), and they are inserted otherwise.
fn finish_tree(
    tx: &Transaction<'_>,
    tree: &str,
    first_seq: i64,
    live_before: i64,
    mut pending: Vec<Cell>,
) -> Result<Finished, StoreError> {
    if !pending.is_empty() {
        // An event re-rendered may have moved to the other tree: either one's entry counts.
        let mut entered = std::collections::HashSet::new();
        for t in TREES {
            let mut st = tx.prepare(&format!("SELECT rowid FROM {t}_rowid WHERE rowid >= ?1"))?;
            for id in st.query_map([first_seq], |r| r.get::<_, i64>(0))? {
                entered.insert(id?);
            }
        }
        if !entered.is_empty() {
            pending.retain(|c| !entered.contains(&c.id));
        }
    }
    let missing = pending.len() as i64;
    if missing == 0 {
        return Ok(Finished::Nothing);
    }
    if missing * 10 >= live_before + missing {
        rebuild(tx, tree, pending)?;
        return Ok(Finished::Packed);
    }
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {tree} (id, min_x, max_x, min_y, max_y, min_t, max_t) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?;
    for c in &pending {
        let b = c.b.map(f64::from);
        insert.execute(params![c.id, b[0], b[1], b[2], b[3], b[4], b[5]])?;
    }
    Ok(Finished::Inserted)
}

/// One entry or node of the tree: an id (event or child node) and its box.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cell {
    id: i64,
    /// min_x, max_x, min_y, max_y, min_t, max_t.
    b: [f32; 6],
}

impl Cell {
    fn centre(&self, axis: usize) -> f32 {
        (self.b[2 * axis] + self.b[2 * axis + 1]) / 2.0
    }
}

/// `rtree.c`'s rounding of a minimum to `f32`: the largest `f32` not above it.
fn down(d: f64) -> f32 {
    let f = d as f32;
    if f64::from(f) > d {
        (d * if d < 0.0 { 1.0 + 1.0 / 8_388_608.0 } else { 1.0 - 1.0 / 8_388_608.0 }) as f32
    } else {
        f
    }
}

/// `rtree.c`'s rounding of a maximum to `f32`: the smallest `f32` not below it.
fn up(d: f64) -> f32 {
    let f = d as f32;
    if f64::from(f) < d {
        (d * if d < 0.0 { 1.0 - 1.0 / 8_388_608.0 } else { 1.0 + 1.0 / 8_388_608.0 }) as f32
    } else {
        f
    }
}

/// Replaces the whole R*Tree `tree` with one packed from its entries and the `new` ones.
fn rebuild(tx: &Transaction<'_>, tree: &str, new: Vec<Cell>) -> Result<(), StoreError> {
    // Nodes keep the size the table was created with (rtree.c reads it from the root).
    let node_size: usize = tx
        .query_row(&format!("SELECT length(data) FROM {tree}_node WHERE nodeno = 1"), [], |r| r.get::<_, i64>(0))?
        as usize;
    let capacity = ((node_size - 4) / CELL).min(MAX_CELLS);
    // The stored entries come back as the `f32` values they are stored as, which the rounding
    // keeps as they are.
    let mut cells: Vec<Cell> = tx
        .prepare(&format!("SELECT id, min_x, max_x, min_y, max_y, min_t, max_t FROM {tree}"))?
        .query_map([], |r| {
            Ok(Cell {
                id: r.get(0)?,
                b: [down(r.get(1)?), up(r.get(2)?), down(r.get(3)?), up(r.get(4)?), down(r.get(5)?), up(r.get(6)?)],
            })
        })?
        .collect::<Result<_, _>>()?;
    cells.extend(new);
    tx.execute_batch(&format!("DELETE FROM {tree}_node; DELETE FROM {tree}_rowid; DELETE FROM {tree}_parent;"))?;
    let packed = pack(cells, capacity);
    let mut node = tx.prepare_cached(&format!("INSERT INTO {tree}_node (nodeno, data) VALUES (?1, ?2)"))?;
    for (no, blob) in packed.nodes(node_size) {
        node.execute(params![no, blob])?;
    }
    let mut rowid = tx.prepare_cached(&format!("INSERT INTO {tree}_rowid (rowid, nodeno) VALUES (?1, ?2)"))?;
    for (id, leaf) in packed.leaf_of {
        rowid.execute([id, leaf])?;
    }
    let mut parent = tx.prepare_cached(&format!("INSERT INTO {tree}_parent (nodeno, parentnode) VALUES (?1, ?2)"))?;
    for (child, of) in packed.parent_of {
        parent.execute([child, of])?;
    }
    Ok(())
}

/// A packed tree: its nodes (node 1 the root), each entry's leaf and each node's parent.
#[derive(Debug, Default)]
struct Packed {
    depth: u16,
    /// `(node number, cells)`, the root first.
    nodes: Vec<(i64, Vec<Cell>)>,
    /// `(entry id, leaf node)`, by entry id.
    leaf_of: Vec<(i64, i64)>,
    /// `(node, parent node)`, by node.
    parent_of: Vec<(i64, i64)>,
}

impl Packed {
    /// The nodes as `rtree.c` stores them, `size` bytes each.
    fn nodes(&self, size: usize) -> impl Iterator<Item = (i64, Vec<u8>)> + '_ {
        self.nodes.iter().map(move |(no, cells)| {
            let mut blob = vec![0u8; size];
            if *no == 1 {
                blob[0..2].copy_from_slice(&self.depth.to_be_bytes());
            }
            blob[2..4].copy_from_slice(&(cells.len() as u16).to_be_bytes());
            for (i, c) in cells.iter().enumerate() {
                let at = 4 + i * CELL;
                blob[at..at + 8].copy_from_slice(&c.id.to_be_bytes());
                for (k, v) in c.b.iter().enumerate() {
                    blob[at + 8 + 4 * k..at + 12 + 4 * k].copy_from_slice(&v.to_bits().to_be_bytes());
                }
            }
            (*no, blob)
        })
    }
}

/// Packs `cells` into a tree of nodes of at most `capacity` cells, bottom up.
fn pack(cells: Vec<Cell>, capacity: usize) -> Packed {
    let mut out = Packed::default();
    let mut next: i64 = 2;
    let mut level = cells;
    // Each cell's node: entries go to `_rowid`, nodes below the root to `_parent`.
    let place = |out: &mut Packed, cells: &[Cell], node: i64| {
        let to = if out.depth == 0 { &mut out.leaf_of } else { &mut out.parent_of };
        to.extend(cells.iter().map(|c| (c.id, node)));
    };
    while level.len() > capacity {
        let mut parents = Vec::with_capacity(level.len() / capacity + 1);
        for group in tiles(&mut level, capacity) {
            place(&mut out, group, next);
            parents.push(Cell { id: next, b: bounds(group) });
            out.nodes.push((next, group.to_vec()));
            next += 1;
        }
        level = parents;
        out.depth += 1;
    }
    place(&mut out, &level, 1);
    out.nodes.insert(0, (1, level));
    out.leaf_of.sort_unstable();
    out.parent_of.sort_unstable();
    out
}

/// The box around `cells`.
fn bounds(cells: &[Cell]) -> [f32; 6] {
    let mut b = [f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY];
    for c in cells {
        for axis in 0..3 {
            b[2 * axis] = b[2 * axis].min(c.b[2 * axis]);
            b[2 * axis + 1] = b[2 * axis + 1].max(c.b[2 * axis + 1]);
        }
    }
    b
}

/// Sort-Tile-Recursive over three axes: `cells` reordered and cut into groups of `capacity`
/// (the last of a tile may hold fewer) that are close in longitude, latitude and time.
fn tiles(cells: &mut [Cell], capacity: usize) -> Vec<&[Cell]> {
    let groups = cells.len().div_ceil(capacity);
    let slices = (groups as f64).cbrt().ceil() as usize;
    let by = |axis: usize| move |a: &Cell, b: &Cell| a.centre(axis).total_cmp(&b.centre(axis));
    cells.sort_unstable_by(by(0));
    for slab in cells.chunks_mut(capacity * slices * slices) {
        slab.sort_unstable_by(by(1));
        for column in slab.chunks_mut(capacity * slices) {
            column.sort_unstable_by(by(2));
        }
    }
    cells.chunks(capacity).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// A database with the events columns the tree is built from, and the R*Tree.
    fn db(page_size: u32) -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(&format!(
            "PRAGMA page_size = {page_size};
             CREATE TABLE events (seq INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, min_lon REAL, min_lat REAL,
                 max_lon REAL, max_lat REAL, t_start INTEGER NOT NULL, t_max INTEGER NOT NULL);
             CREATE VIRTUAL TABLE events_rtree USING rtree (id, min_x, max_x, min_y, max_y, min_t, max_t);
             CREATE VIRTUAL TABLE events_rtree_wide USING rtree (id, min_x, max_x, min_y, max_y, min_t, max_t);"
        ))
        .unwrap();
        c
    }

    /// `n` events from `first`: points and boxes spread over the world and over fifteen years.
    fn add(c: &Connection, first: i64, n: i64) {
        add_sized(c, first, n, 0.37);
    }

    /// `n` events from `first`, every fifth a box `w` degrees wide and tall.
    fn add_sized(c: &Connection, first: i64, n: i64, w: f64) {
        let mut st = c.prepare("INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").unwrap();
        for seq in first..first + n {
            let (x, y) = ((seq * 7919 % 36_000) as f64 / 100.0 - 180.0, (seq * 104_729 % 17_000) as f64 / 100.0 - 85.0);
            let w = if seq % 5 == 0 { w } else { 0.0 };
            let t = 1_420_070_400_000 + (seq * 3_331 % 5_000) * 86_400_000 + seq % 1000;
            let deleted = i64::from(seq % 97 == 0);
            st.execute(params![seq, deleted, x, y - w, x + w, y, t, t + (seq % 3) * 86_400_000 + 86_399_999]).unwrap();
        }
    }

    /// What inserting one by one stores: the same statement the import runs for small imports.
    fn insert_all(c: &Connection) {
        c.execute(
            "INSERT INTO events_rtree SELECT seq, min_lon, max_lon, min_lat, max_lat, t_start / ?1, t_max / ?1 \
             FROM events WHERE deleted = 0",
            [DAY_MS],
        )
        .unwrap();
    }

    /// The boxes of the live events numbered from `first` on, as an import notes them.
    fn noted(c: &Connection, first: i64) -> Deferred {
        let mut d = Deferred { first_seq: first, live_before: [0; 2], pending: [Vec::new(), Vec::new()] };
        let mut st = c
            .prepare(
                "SELECT seq, min_lon, min_lat, max_lon, max_lat, t_start, t_max FROM events \
                 WHERE seq >= ?1 AND deleted = 0 ORDER BY seq",
            )
            .unwrap();
        let rows = st
            .query_map([first], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?], r.get(5)?, r.get(6)?)))
            .unwrap();
        for row in rows {
            let (seq, envelope, t0, t1) = row.unwrap();
            d.add(seq, envelope, t0, t1);
        }
        d
    }

    fn entries(c: &Connection) -> Vec<(i64, [f64; 6])> {
        c.prepare("SELECT * FROM events_rtree ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?])))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn check(c: &Connection) {
        for tree in TREES {
            let ok: String = c.query_row(&format!("SELECT rtreecheck('{tree}')"), [], |r| r.get(0)).unwrap();
            assert_eq!(ok, "ok", "{tree}");
        }
    }

    fn search(c: &Connection, q: [f64; 6]) -> Vec<i64> {
        c.prepare(
            "SELECT id FROM events_rtree WHERE max_x >= ?1 AND min_x <= ?2 AND max_y >= ?3 AND min_y <= ?4 \
             AND max_t >= ?5 AND min_t <= ?6 ORDER BY id",
        )
        .unwrap()
        .query_map(params![q[0], q[1], q[2], q[3], q[4], q[5]], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    const QUERIES: [[f64; 6]; 4] = [
        [35.0, 37.0, 34.0, 36.0, 16_000.0, 20_000.0],
        [-180.0, 180.0, -90.0, 90.0, 17_000.0, 17_010.0],
        [-10.0, 40.0, -5.0, 60.0, 0.0, 30_000.0],
        [170.0, 180.0, -90.0, 0.0, 16_500.0, 18_000.0],
    ];

    #[test]
    fn a_packed_tree_holds_what_inserts_would_and_answers_the_same() {
        for page_size in [4096, 32_768] {
            for n in [0, 1, 51, 52, 2_000, 30_000] {
                let (one_by_one, packed) = (db(page_size), db(page_size));
                for c in [&one_by_one, &packed] {
                    add(c, 1, n);
                }
                insert_all(&one_by_one);
                let tx = packed.unchecked_transaction().unwrap();
                let [main, _] = noted(&tx, 1).pending;
                rebuild(&tx, TREES[0], main).unwrap();
                tx.commit().unwrap();
                check(&packed);
                assert_eq!(entries(&packed), entries(&one_by_one), "{n} entries, page size {page_size}");
                for q in QUERIES {
                    assert_eq!(search(&packed, q), search(&one_by_one, q), "{q:?}");
                }
            }
        }
    }

    #[test]
    fn a_packed_tree_takes_later_inserts_and_deletes() {
        let c = db(32_768);
        add(&c, 1, 20_000);
        let tx = c.unchecked_transaction().unwrap();
        let [main, _] = noted(&tx, 1).pending;
        rebuild(&tx, TREES[0], main).unwrap();
        tx.commit().unwrap();
        add(&c, 20_001, 3_000);
        c.execute(
            "INSERT INTO events_rtree SELECT seq, min_lon, max_lon, min_lat, max_lat, t_start / ?1, t_max / ?1 \
             FROM events WHERE seq > 20000 AND deleted = 0",
            [DAY_MS],
        )
        .unwrap();
        c.execute("DELETE FROM events_rtree WHERE id % 3 = 0", []).unwrap();
        check(&c);
        let reference = db(32_768);
        add(&reference, 1, 23_000);
        insert_all(&reference);
        reference.execute("DELETE FROM events_rtree WHERE id % 3 = 0", []).unwrap();
        assert_eq!(entries(&c), entries(&reference));
        for q in QUERIES {
            assert_eq!(search(&c, q), search(&reference, q));
        }
    }

    #[test]
    fn finish_packs_for_a_large_share_and_inserts_a_small_one() {
        let c = db(4096);
        let import = |first: i64, n: i64, written_before: Option<i64>| {
            let tx = c.unchecked_transaction().unwrap();
            let mut d = begin(&tx).unwrap();
            add(&tx, first, n);
            d.pending = noted(&tx, first).pending;
            if let Some(seq) = written_before {
                // An entry already written in the same transaction (an event re-rendered) is kept.
                tx.execute(
                    "INSERT INTO events_rtree SELECT seq, min_lon, max_lon, min_lat, max_lat, t_start / ?1, \
                     t_max / ?1 FROM events WHERE seq = ?2",
                    params![DAY_MS, seq],
                )
                .unwrap();
            }
            let [how, wide] = finish(&tx, d).unwrap();
            assert_eq!(wide, Finished::Nothing, "no envelope is wider than a degree");
            tx.commit().unwrap();
            check(&c);
            how
        };
        assert_eq!(import(1, 10_000, None), Finished::Packed);
        let nodes: i64 = c.query_row("SELECT count(*) FROM events_rtree_node", [], |r| r.get(0)).unwrap();
        assert!(nodes <= 10_000 / 45 + 8, "{nodes} nodes: packed full");
        assert_eq!(import(10_001, 100, Some(10_001)), Finished::Inserted);
        assert_eq!(import(10_101, 2_000, Some(10_101)), Finished::Packed);
        assert_eq!(import(12_101, 0, None), Finished::Nothing);
        let reference = db(4096);
        add(&reference, 1, 12_100);
        insert_all(&reference);
        assert_eq!(entries(&c), entries(&reference));
        for q in QUERIES {
            assert_eq!(search(&c, q), search(&reference, q));
        }
    }

    #[test]
    fn wide_envelopes_get_a_tree_of_their_own_whether_packed_or_inserted() {
        let c = db(4096);
        let import = |first: i64, n: i64| {
            let tx = c.unchecked_transaction().unwrap();
            let mut d = begin(&tx).unwrap();
            // Every fifth event a box 30 degrees wide and tall, the rest points.
            add_sized(&tx, first, n, 30.0);
            d.pending = noted(&tx, first).pending;
            let how = finish(&tx, d).unwrap();
            tx.commit().unwrap();
            check(&c);
            how
        };
        assert_eq!(import(1, 2_000), [Finished::Packed; 2]);
        assert_eq!(import(2_001, 50), [Finished::Inserted; 2]);
        let ids = |sql: &str| -> Vec<i64> {
            c.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
        };
        assert_eq!(ids("SELECT id FROM events_rtree WHERE max_x - min_x > 1 OR max_y - min_y > 1"), Vec::<i64>::new());
        assert_eq!(
            ids("SELECT id FROM events_rtree_wide WHERE max_x - min_x <= 1 AND max_y - min_y <= 1"),
            Vec::<i64>::new()
        );
        let wide = ids("SELECT id FROM events_rtree_wide ORDER BY id");
        assert_eq!(wide, ids("SELECT seq FROM events WHERE deleted = 0 AND seq % 5 = 0 ORDER BY seq"));
        let all = ids("SELECT id FROM events_rtree UNION ALL SELECT id FROM events_rtree_wide ORDER BY 1");
        assert_eq!(all, ids("SELECT seq FROM events WHERE deleted = 0 ORDER BY seq"));
    }

    #[test]
    fn rounding_matches_rtree_c() {
        let c = db(4096);
        for (i, v) in [0.1f64, -0.1, 35.8426, -179.99999, 16_000.999_988_425_926].into_iter().enumerate() {
            c.execute("INSERT INTO events_rtree VALUES (?1, ?2, ?2, 0, 0, 0, 0)", params![i as i64, v]).unwrap();
            let (lo, hi): (f64, f64) = c
                .query_row("SELECT min_x, max_x FROM events_rtree WHERE id = ?1", [i as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            assert_eq!((lo, hi), (f64::from(down(v)), f64::from(up(v))), "{v}");
            assert!(lo <= v && hi >= v);
        }
    }
}
