//! `eventmap import-captures FILE`: Auto Archiver's sheet (as CSV) as captures of the stored
//! sources with the same URLs. All or nothing: a bad row is listed with its line and reason and
//! nothing is stored.

use std::path::Path;

use anyhow::Context;

use crate::import::auto_archiver;

pub async fn import(database: &str, file: &Path) -> anyhow::Result<()> {
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut s).context("could not read standard input")?;
        s
    } else {
        std::fs::read_to_string(file).with_context(|| format!("could not read {}", file.display()))?
    };
    let parsed = auto_archiver::parse(text.as_bytes()).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if !parsed.errors.is_empty() {
        for (line, why) in &parsed.errors {
            eprintln!("  line {line}: {why}");
        }
        anyhow::bail!("nothing was imported from {}: fix the {} rows above", file.display(), parsed.errors.len());
    }
    let store = super::open_store(database).await?;
    let rows: Vec<_> = parsed.rows.iter().map(|(_, r)| r.clone()).collect();
    let done = store.import_captures(&rows, "cli").await?;
    let (mut stored, mut there) = (0, 0);
    for ((line, r), d) in parsed.rows.iter().zip(&done) {
        match d {
            Some(true) => stored += 1,
            Some(false) => there += 1,
            None => eprintln!("  line {line}: no stored source has the URL {}; not imported", r.url),
        }
    }
    let unmatched = done.iter().filter(|d| d.is_none()).count();
    println!(
        "imported {}: {stored} captures stored, {there} already there, {unmatched} without a matching source, {} rows that archived nothing",
        file.display(),
        parsed.skipped.len()
    );
    Ok(())
}
