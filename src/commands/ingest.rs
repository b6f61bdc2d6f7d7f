//! `eventmap ingest FILE`: reports from a file, through the same drafting, matching and storing
//! as `POST /api/reports`. Every report is read and checked before any is stored. With
//! `--capture`, each stored report's source is queued for capture, as the API does.

use anyhow::Context;

use crate::cli::IngestArgs;
use crate::domain::Vocabulary;
use crate::ingest::{Action, ReportRequest};
use crate::store::Actor;

/// Reads reports: one JSON object, a JSON array of them, or one per line. Errors name the line.
pub fn parse_reports(text: &str) -> Result<Vec<(usize, ReportRequest)>, String> {
    let trimmed = text.trim_start();
    let first_line = text.len() - trimmed.len();
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    if trimmed.starts_with('[') {
        let values: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("line {}: {e}", e.line()))?;
        return values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                serde_json::from_value(v).map(|r| (i + 1, r)).map_err(|e| format!("report {} of the array: {e}", i + 1))
            })
            .collect();
    }
    if let Ok(v @ serde_json::Value::Object(_)) = serde_json::from_str::<serde_json::Value>(text) {
        let line = line_of(first_line);
        return serde_json::from_value(v).map(|r| vec![(line, r)]).map_err(|e| format!("line {line}: {e}"));
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let r: ReportRequest = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push((i + 1, r));
    }
    if out.is_empty() {
        return Err("the file holds no report".into());
    }
    Ok(out)
}

pub async fn run(database: &str, args: IngestArgs) -> anyhow::Result<()> {
    let text = super::read_input(&args.file)?;
    let name = args.file.display().to_string();
    let mut reports = parse_reports(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let problems: Vec<String> = reports
        .iter()
        .filter_map(|(line, r)| {
            crate::ingest::validate(r).err().map(|e| format!("{name}: line {line}: {}", e.summary()))
        })
        .collect();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        anyhow::bail!("{} of {} reports are invalid; nothing was stored", problems.len(), reports.len());
    }
    let vocab = match &args.categories {
        Some(list) => Vocabulary::from_list(list).map_err(|e| anyhow::anyhow!("--categories: {e}"))?,
        None => Vocabulary::default(),
    };
    let store = super::open_store(database).await?;
    let g = super::gazetteer_with_places(&store).await?;
    let actor = Actor::new("cli");
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut queued = 0;
    for (line, r) in &mut reports {
        r.create |= args.create;
        let out = crate::ingest::ingest(store.as_ref(), &g, &vocab, r, &actor, chrono::Utc::now())
            .await
            .with_context(|| format!("{name}: line {line}"))?;
        for d in &out.drafts {
            *counts
                .entry(match d.action {
                    Action::Draft => "drafted",
                    Action::Matches => "matching a stored event",
                    Action::Created => "created",
                    Action::Attached => "attached",
                    Action::AlreadyAttached => "already attached",
                })
                .or_default() += 1;
        }
        if out.drafts.is_empty() {
            *counts.entry("without places").or_default() += 1;
        }
        if args.capture {
            // As `import --capture` and `POST /api/reports` do: queued in the database, fetched
            // by whichever `eventmap serve` runs on it.
            let ids = out.stored_sources(store.as_ref()).await.with_context(|| format!("{name}: line {line}"))?;
            queued += store.queue_uncaptured(Some(&ids), "cli", chrono::Utc::now()).await.with_context(|| {
                format!("{name}: line {line}: the report is stored, but queueing its capture failed")
            })?;
        }
        println!("{}", serde_json::to_string(&out)?);
    }
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    eprintln!("{} reports: {}", reports.len(), summary.join(", "));
    if args.capture {
        eprintln!("queued {queued} captures of sources never captured; a running `eventmap serve` fetches them");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_object_an_array_or_lines() {
        let one = r#"{"url": "https://a.example/1", "text": "In Tartus."}"#;
        assert_eq!(parse_reports(one).unwrap().len(), 1);
        let arr = format!("[{one}, {one}]");
        assert_eq!(parse_reports(&arr).unwrap().len(), 2);
        let lines = format!("{one}\n\n{one}\n");
        let got = parse_reports(&lines).unwrap();
        assert_eq!(got.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn a_bad_line_is_named() {
        let text = "{\"url\": \"https://a.example/1\", \"text\": \"x\"}\n{\"url\": 3}\n";
        let e = parse_reports(text).unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse_reports("{\"url\": \"https://a.example/1\", \"text\": \"x\", \"colour\": 1}").unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
    }
}
