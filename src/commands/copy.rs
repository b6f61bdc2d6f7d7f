//! `eventmap copy --from sqlite://FILE --to postgres://...`: moves a whole SQLite database into an
//! empty PostgreSQL one (events with their ids, revisions, times and change order; sources;
//! places; tokens, as hashes), with a progress bar on standard error, then verifies that every
//! table holds as many rows in the copy as in the source.

use std::str::FromStr;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

use crate::store::postgres::PgStore;
use crate::store::redact_url;
use crate::store::sqlite::SqliteStore;
use crate::store::transfer::Chunk;

/// Rows read and written at a time.
const CHUNK_ROWS: usize = 5000;

pub async fn run(from: &str, to: &str) -> anyhow::Result<()> {
    let (from_shown, to_shown) = (redact_url(from), redact_url(to));
    if !from.starts_with("sqlite:") {
        bail!("--from must name a SQLite database (sqlite://FILE), not {from_shown}");
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to must name a PostgreSQL database (postgres://USER@HOST/DB), not {to_shown}");
    }
    // Opening a SQLite URL creates the file: make sure there is one to copy.
    let file = sqlx::sqlite::SqliteConnectOptions::from_str(from)
        .with_context(|| format!("{from_shown} is not a SQLite URL"))?
        .get_filename()
        .to_path_buf();
    if !file.is_file() {
        bail!("there is no SQLite database at {} (from {from_shown})", file.display());
    }
    let source = SqliteStore::open(from).await.with_context(|| format!("could not open {from_shown}"))?;
    let target = PgStore::open(to).await.with_context(|| format!("could not open {to_shown}"))?;
    let mut loader = target.loader().await.with_context(|| format!("could not start the copy into {to_shown}"))?;

    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:>9} [{bar:40}] {human_pos}/{human_len} rows, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut rows = source.dump(CHUNK_ROWS);
    let mut expected = None;
    while let Some(chunk) = rows.recv().await {
        let chunk = chunk.with_context(|| format!("reading {from_shown}"))?;
        let (label, n) = (table(&chunk), chunk.len() as u64);
        if let Chunk::Start(counts) = &chunk {
            bar.set_length(counts.rows());
            expected = Some(*counts);
        }
        bar.set_message(label);
        loader.write(chunk).await.with_context(|| format!("writing {label} into {to_shown}"))?;
        bar.inc(n);
    }
    let expected = expected.context("the source database could not be read")?;
    bar.set_message("committing");
    loader.finish().await.with_context(|| format!("committing the copy into {to_shown}"))?;
    bar.finish_and_clear();

    let copied = target.counts().await.with_context(|| format!("counting the rows of {to_shown}"))?;
    let differences = expected.differences(&copied);
    if !differences.is_empty() {
        bail!("the copy in {to_shown} does not match {from_shown}:\n  {}", differences.join("\n  "));
    }
    eprintln!("copied {expected} from {from_shown} to {to_shown}; every count matches");
    Ok(())
}

/// What a chunk holds, for the progress bar.
fn table(c: &Chunk) -> &'static str {
    match c {
        Chunk::Start(_) => "starting",
        Chunk::Meta(_) => "meta",
        Chunk::Tokens(_) => "tokens",
        Chunk::Places(_) => "places",
        Chunk::Sources(_) => "sources",
        Chunk::Events(_) => "events",
        Chunk::Links(_) => "citations",
        Chunk::Revisions(_) => "revisions",
        Chunk::Changes(_) => "changes",
        Chunk::Blobs(_) => "capture bytes",
        Chunk::Captures(_) => "captures",
        Chunk::Follow(table, _) => table,
    }
}
