//! `eventmap import FILE`: bulk import with a progress bar on standard error (rows, bytes and
//! rate), a one-line summary on standard output, and a non-zero exit with every bad row's line
//! and reason when the file is refused.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ImportArgs;
use crate::domain::{PlaceInput, Vocabulary};
use crate::gazetteer::CustomPlace;
use crate::import::pipeline::{self, Checker, PlaceCompleter, Progress, Spool};
use crate::import::places::GazetteerPlaces;
use crate::import::{ImportOptions, ImportReport, Mapping};
use crate::store::Actor;

/// The gazetteer, loaded when a row first needs it: a file whose places all come with
/// coordinates and countries (ACLED, GDELT, most spreadsheets) is imported without the second
/// or so that building the gazetteer takes.
struct LazyPlaces {
    /// The team's own places, read from the database before the import; taken by the load.
    custom: std::sync::Mutex<Option<Vec<CustomPlace>>>,
    loaded: OnceLock<Result<GazetteerPlaces, String>>,
}

impl PlaceCompleter for LazyPlaces {
    fn complete(&self, place: &mut PlaceInput, country_hint: Option<&str>) -> Result<(), String> {
        let places = self.loaded.get_or_init(|| {
            let g = super::load_gazetteer().map_err(|e| format!("{e:#}"))?;
            g.set_custom(self.custom.lock().expect("custom places lock").take().unwrap_or_default());
            Ok(GazetteerPlaces(g))
        });
        match places {
            Ok(p) => p.complete(place, country_hint),
            Err(e) => Err(e.clone()),
        }
    }
}

/// How many rejected rows are printed (all of them go to `--rejects`).
const SHOWN: usize = 50;

/// A progress bar over the bytes of the file, with rows and rows per second in its message.
struct Bar {
    bar: ProgressBar,
    started: std::sync::Mutex<Instant>,
}

impl Bar {
    fn new(quiet: bool) -> Self {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr_with_hz(4) };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>9} [{bar:30}] {bytes}/{total_bytes} {msg} ({elapsed})")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        Self { bar, started: std::sync::Mutex::new(Instant::now()) }
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, total_bytes: u64) {
        *self.started.lock().expect("bar lock") = Instant::now();
        self.bar.reset();
        self.bar.set_length(total_bytes);
        self.bar.set_prefix(name.to_string());
        self.bar.set_message("0 rows");
    }

    fn advance(&self, rows: u64, bytes: u64) {
        let secs = self.started.lock().expect("bar lock").elapsed().as_secs_f64().max(1e-3);
        self.bar.set_position(bytes);
        self.bar.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / secs));
    }

    fn finish(&self) {
        self.bar.finish();
    }

    fn saving(&self, rows: u64) {
        // The commit of a large import takes a second or more: say so rather than sit still.
        // The style changes first, so the bar is not drawn again emptied by the reset.
        self.bar.set_style(
            ProgressStyle::with_template("{prefix:>9} {spinner} {msg} ({elapsed})").expect("a valid template"),
        );
        self.bar.set_prefix("saving");
        self.bar.set_message(format!("{rows} rows read; writing the last of them and committing"));
        self.bar.reset();
        self.bar.enable_steady_tick(Duration::from_millis(250));
    }
}

fn summary(r: &ImportReport, took: Duration) -> String {
    format!(
        "{} rows ({}) in {:.1} s: {} created, {} updated, {} unchanged, {} skipped, {} rejected",
        r.rows,
        r.format.as_str(),
        took.as_secs_f64(),
        r.created,
        r.updated,
        r.unchanged,
        r.skipped,
        r.rejected
    )
}

fn print_rejections(r: &ImportReport, rejects: &Option<PathBuf>) {
    for e in r.rejections.iter().take(SHOWN) {
        eprintln!("  {e}");
    }
    let more = r.rejected.saturating_sub(r.rejections.len().min(SHOWN) as u64);
    if more > 0 {
        match rejects {
            Some(p) => eprintln!("  ... and {more} more (all are in {})", p.display()),
            None => eprintln!("  ... and {more} more (--rejects FILE lists them all)"),
        }
    }
}

pub async fn run(database: &str, args: ImportArgs) -> anyhow::Result<()> {
    let mapping = match &args.mapping {
        Some(p) => Mapping::from_json(
            &std::fs::read_to_string(p).with_context(|| format!("could not read the mapping {}", p.display()))?,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => Mapping::default(),
    };
    let vocab = match &args.categories {
        Some(list) => Vocabulary::from_list(list).map_err(|e| anyhow::anyhow!("--categories: {e}"))?,
        None => Vocabulary::default(),
    };
    // The head of the file is read to guess its format before the import reads it, so standard
    // input is kept in a file first.
    let mut spool = None;
    let path = if args.file.as_os_str() == "-" {
        let (s, mut f) = Spool::create().context("could not create a temporary file for standard input")?;
        std::io::copy(&mut std::io::stdin().lock(), &mut f).context("could not read standard input")?;
        f.flush()?;
        let p = s.path().to_path_buf();
        spool = Some(s);
        p
    } else {
        anyhow::ensure!(args.file.is_file(), "{} is not a file", args.file.display());
        args.file.clone()
    };
    let rejects: Option<Box<dyn Write + Send>> = match &args.rejects {
        Some(p) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("could not create {}", p.display()))?,
        ))),
        None => None,
    };
    let store = crate::store::connect_for_import(database)
        .await
        .with_context(|| format!("could not open the database {}", crate::store::redact_url(database)))?;
    let places =
        LazyPlaces { custom: std::sync::Mutex::new(Some(store.custom_places().await?)), loaded: OnceLock::new() };
    let checker = Checker { vocab: Arc::new(vocab), places: Arc::new(places) };
    let opts = ImportOptions {
        format: args.format,
        skip_invalid: args.skip_invalid,
        mapping,
        batch_size: args.batch_size,
        ..Default::default()
    };
    let started = Instant::now();
    let bar = Arc::new(Bar::new(args.quiet));
    let queue = args.capture.then(|| store.clone());
    let report = pipeline::run(store, &path, opts, checker, bar.clone(), rejects, &Actor::new("cli"))
        .await
        .with_context(|| format!("importing {}", args.file.display()));
    bar.bar.finish_and_clear();
    drop(spool);
    let report = report?;
    let took = started.elapsed();
    if !report.imported {
        eprintln!("{} rows of {} are invalid:", report.rejected, args.file.display());
        print_rejections(&report, &args.rejects);
        anyhow::bail!(
            "nothing was imported from {}: fix the rows above, or pass --skip-invalid --rejects FILE to import the others",
            args.file.display()
        );
    }
    if report.rejected > 0 {
        eprintln!("warning: {} rows were not imported:", report.rejected);
        print_rejections(&report, &args.rejects);
    }
    println!("imported {}: {}", args.file.display(), summary(&report, took));
    if let Some(store) = queue {
        let n = store
            .queue_uncaptured(None, "cli", chrono::Utc::now())
            .await
            .context("the import is stored, but queueing its captures failed; run the import again with --capture")?;
        println!("queued {n} captures of sources never captured; a running `eventmap serve` fetches them");
    }
    Ok(())
}
