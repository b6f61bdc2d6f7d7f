//! `eventmap export`: the same filters and formats as `GET /api/events`, every match streamed.

use std::io::Write;

use anyhow::Context;
use futures::StreamExt;

use crate::cli::ExportArgs;
use crate::domain::Vocabulary;
use crate::domain::filter;
use crate::formats::{CollectionTail, Writer};
use crate::gazetteer::resolve;
use crate::store::all_rows;

pub async fn run(database: &str, args: ExportArgs) -> anyhow::Result<()> {
    let store = super::open_store(database).await?;
    let mut pairs = args.pairs();
    let limit: Option<u64> =
        args.limit.as_deref().map(|l| l.parse()).transpose().context("--limit must be a whole number")?;
    pairs.retain(|(k, _)| k != "limit");
    let mut q = filter::parse_query(&pairs, &Vocabulary::default(), &[])
        .map_err(|e| anyhow::anyhow!("invalid filter: {}", e.summary()))?;
    if q.place.is_some() || !q.country_names.is_empty() || !q.admin1_names.is_empty() {
        let g = super::gazetteer_with_places(&store).await?;
        resolve::query(&g, &mut q).map_err(|(field, e)| {
            let ids = match &e {
                resolve::ResolveError::Ambiguous { candidates, .. } => {
                    let ids: Vec<&str> = candidates.iter().take(4).map(|c| c.place.gazetteer_id.as_str()).collect();
                    format!(" such as {}", ids.join(", "))
                }
                _ => String::new(),
            };
            anyhow::anyhow!("--{field}: {e}; use a gazetteer id or code{ids} (eventmap geocode NAME lists them)")
        })?;
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("could not create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut w = Writer::new(args.format);
    let mut buf = Vec::with_capacity(1 << 16);
    w.head(&mut buf);
    // Each source carries its latest capture's time and hash.
    let mut rows =
        crate::store::captures::with_latest_captures(store.clone(), all_rows(store, q.filter, q.page.sort, 5000));
    let mut n = 0u64;
    while let Some(row) = rows.next().await {
        if limit.is_some_and(|l| n >= l) {
            break;
        }
        w.row(&row.context("reading events")?, &mut buf);
        n += 1;
        if buf.len() > 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    w.tail(&CollectionTail { number_returned: n, number_matched: None, ..Default::default() }, &mut buf);
    out.write_all(&buf)?;
    out.flush()?;
    eprintln!("exported {n} events");
    Ok(())
}
