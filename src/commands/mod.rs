//! What each command does. Results go to standard output; progress, warnings and errors to
//! standard error. `anyhow` is used here, at the edge, and nowhere below.

pub mod allocator;
mod captures;
mod copy;
mod export;
mod import;
mod ingest;
mod places;
pub mod serve;
mod tokens;

use std::sync::Arc;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::gazetteer::Gazetteer;
use crate::store::{self, DynStore};

/// Opens the database named on the command line, with a message that says what to do if it fails.
pub async fn open_store(url: &str) -> anyhow::Result<DynStore> {
    store::connect(url).await.with_context(|| format!("could not open the database {}", store::redact_url(url)))
}

/// Loads the embedded gazetteer.
pub fn load_gazetteer() -> anyhow::Result<Arc<Gazetteer>> {
    Ok(Arc::new(Gazetteer::load_embedded().context("the embedded gazetteer could not be loaded")?))
}

/// Loads the gazetteer and the team's own places from the store.
pub async fn gazetteer_with_places(store: &DynStore) -> anyhow::Result<Arc<Gazetteer>> {
    let g = tokio::task::spawn_blocking(load_gazetteer).await??;
    g.set_custom(store.custom_places().await?);
    Ok(g)
}

/// Reads a file, or standard input for `-`.
pub(crate) fn read_input(path: &std::path::Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.database, *args).await,
        Command::Migrate => {
            open_store(&cli.database).await?;
            eprintln!("{} is up to date", store::redact_url(&cli.database));
            Ok(())
        }
        Command::Export(args) => export::run(&cli.database, *args).await,
        Command::Import(args) => import::run(&cli.database, *args).await,
        Command::Geocode(args) => places::geocode(args),
        Command::Ingest(args) => ingest::run(&cli.database, args).await,
        Command::Token { command } => tokens::run(&cli.database, command).await,
        Command::Places { command } => places::run(&cli.database, command).await,
        Command::Geoparse { file, country, language } => {
            let text = read_input(&file)?;
            let g = load_gazetteer()?;
            let opts = crate::geoparse::Options { country_hint: country.map(|c| c.to_ascii_uppercase()), language };
            let mentions = crate::geoparse::geoparse(&g, &text, &opts);
            println!("{}", serde_json::to_string_pretty(&mentions)?);
            Ok(())
        }
        Command::EvalGeoparse { file, json, mentions } => {
            let text = read_input(&file)?;
            let docs =
                crate::geoparse::eval::read_corpus(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let g = load_gazetteer()?;
            let (report, rows) = crate::geoparse::eval::evaluate_with_rows(&g, &docs);
            if let Some(path) = mentions {
                let mut out = String::new();
                for r in &rows {
                    out.push_str(&serde_json::to_string(r)?);
                    out.push('\n');
                }
                std::fs::write(&path, out).with_context(|| format!("could not write {}", path.display()))?;
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.to_text());
            }
            Ok(())
        }
        Command::Copy { from, to } => copy::run(&from, &to).await,
        Command::ImportCaptures { file } => captures::import(&cli.database, &file).await,
        Command::Backup { file } => {
            let store = open_store(&cli.database).await?;
            let path = file.to_str().context("the backup path is not valid UTF-8")?;
            store.backup(path).await.with_context(|| format!("could not back up to {path}"))?;
            eprintln!("backed up {} to {path}", store::redact_url(&cli.database));
            Ok(())
        }
    }
}
