//! `eventmap geocode` and `eventmap places import|add|list`.

use anyhow::Context;

use crate::cli::{GeocodeArgs, PlacesCommand};
use crate::gazetteer::NewPlace;
use crate::gazetteer::{SearchOptions, geonames_dump};
use crate::store::Actor;

pub fn geocode(args: GeocodeArgs) -> anyhow::Result<()> {
    let g = super::load_gazetteer()?;
    let opts = SearchOptions {
        country: args.country.map(|c| c.to_ascii_uppercase()),
        limit: args.limit.max(1),
        ..Default::default()
    };
    let found = g.search(&args.name, &opts);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&found)?);
    } else {
        for c in &found {
            println!(
                "{:<18} {:<28} {:<3} {:<24} {:<10} {:>9} {:>9.4} {:>9.4}  score {:.3}  ({})",
                c.place.gazetteer_id,
                c.place.name,
                c.place.country.as_deref().unwrap_or("-"),
                c.place.admin1.as_deref().unwrap_or("-"),
                c.place.kind.as_str(),
                c.place.population,
                c.place.lat,
                c.place.lon,
                c.score,
                c.matched_name
            );
        }
    }
    if found.is_empty() {
        anyhow::bail!("no place called `{}`", args.name);
    }
    Ok(())
}

pub async fn run(database: &str, cmd: PlacesCommand) -> anyhow::Result<()> {
    let store = super::open_store(database).await?;
    match cmd {
        PlacesCommand::Import { file, skip_invalid } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("could not read {}", file.display()))?;
            let (places, bad) = geonames_dump::parse(&text);
            for b in &bad {
                eprintln!("{}:{}: {}", file.display(), b.line, b.reason);
            }
            if !bad.is_empty() && !skip_invalid {
                anyhow::bail!("{} bad lines; nothing imported (use --skip-invalid to keep the good ones)", bad.len());
            }
            store.put_custom_places(&places, &Actor::new("cli")).await?;
            eprintln!("imported {} places ({} lines skipped)", places.len(), bad.len());
        }
        PlacesCommand::Add { name, names, lon, lat, kind, country } => {
            let g = super::load_gazetteer()?;
            let p = NewPlace { name, names, kind, lon, lat, country, admin1: None, population: None }
                .validate(&g)
                .map_err(|e| anyhow::anyhow!("{}", e.summary()))?;
            store.put_custom_places(std::slice::from_ref(&p), &Actor::new("cli")).await?;
            println!("{}", p.id);
        }
        PlacesCommand::List => {
            for p in store.custom_places().await? {
                println!("{:<46} {:<10} {:>9.4} {:>9.4} {}", p.id, p.kind.as_str(), p.lat, p.lon, p.names.join(", "));
            }
        }
    }
    Ok(())
}
