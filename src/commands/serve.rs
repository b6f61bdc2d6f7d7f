//! `eventmap serve`: migrate, load the gazetteer, optionally the demo data, and serve until
//! SIGINT or SIGTERM, finishing requests in flight.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::api::{self, ApiConfig, AppState};
use crate::cli::ServeArgs;
use crate::domain::Vocabulary;

/// The origin (`https://tiles.example.org`) of a URL, for the Content-Security-Policy.
fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization()).filter(|o| o != "null")
}

/// Builds the application state from the serve options.
pub async fn state(database: &str, args: &ServeArgs) -> anyhow::Result<AppState> {
    let vocab = match &args.categories {
        Some(list) => Vocabulary::from_list(list).map_err(|e| anyhow::anyhow!("--categories: {e}"))?,
        None => Vocabulary::default(),
    };
    let started = Instant::now();
    let gaz = tokio::task::spawn_blocking(super::load_gazetteer);
    if args.basemap_style.is_none() {
        // The basemap's shapes are read while the rest starts, not on the first tile request.
        std::thread::spawn(crate::web::tiles::warm);
    }
    let store = super::open_store(database).await?;
    let gazetteer = gaz.await??;
    gazetteer.set_custom(store.custom_places().await?);
    tracing::info!(
        places = gazetteer.len(),
        custom = gazetteer.custom_len(),
        ms = started.elapsed().as_millis() as u64,
        "gazetteer and database ready"
    );
    if args.demo {
        let n = crate::demo::load(&store, &gazetteer, &vocab).await.context("loading the demonstration data")?;
        if n > 0 {
            tracing::info!(events = n, "demonstration data loaded");
        }
    }
    // Stored data that only the gazetteer can correct, once per database, while serving: the
    // events written before this start (those written since follow today's rules already; the
    // precision repair's rule is not the write path's for a name linked at its entry's point),
    // and for the divisions those the precision repair has just revised too.
    let (s, g, serving_from) = (store.clone(), gazetteer.clone(), chrono::Utc::now());
    tokio::spawn(async move {
        // The division shapes load on first use: here, rather than in the first write.
        let warm = g.clone();
        let _ = tokio::task::spawn_blocking(move || warm.admin1_at(0.0, 0.0)).await;
        match crate::repair::gazetteer_precision(&s, &g, serving_from).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "place precision corrected where it was overstated"),
            Err(e) => {
                tracing::warn!(cause = %e, "correcting overstated place precision failed; it is tried again at the next start")
            }
        }
        match crate::repair::divisions(&s, &g, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "places linked to the gazetteer and given their first-level division"),
            Err(e) => {
                tracing::warn!(cause = %e, "giving places their first-level division failed; it is tried again at the next start")
            }
        }
    });
    let config = ApiConfig {
        private: args.private,
        public_url: args.public_url.clone(),
        allowed_hosts: args.allowed_hosts.clone(),
        basemap_origin: args.basemap_style.as_deref().and_then(origin),
        basemap_style: args.basemap_style.clone(),
        cors_origins: args.cors_origins.clone(),
        body_limit: args.body_limit,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        client_ip_header: args.client_ip_header.clone(),
        downloads_per_client: args.downloads_per_client,
        outbound_hosts: args.allow_hosts.clone(),
        capture: !args.no_capture,
    };
    Ok(AppState::new(store, gazetteer, vocab, config))
}

/// The webhook worker of this instance, with the outbound policy of `--allow-host`.
pub fn webhook_worker(state: &AppState, args: &ServeArgs) -> anyhow::Result<crate::follow::Worker> {
    let backoff = crate::domain::follow::Backoff::parse(&args.webhook_retry)
        .map_err(|e| anyhow::anyhow!("--webhook-retry: {e}"))?;
    if !(0.05..=3600.0).contains(&args.webhook_poll) {
        anyhow::bail!("--webhook-poll: give seconds from 0.05 to 3600");
    }
    let limits = crate::outbound::Limits {
        user_agent: crate::outbound::user_agent(args.public_url.as_deref()),
        ..Default::default()
    };
    let client = crate::outbound::Client::new((*state.outbound).clone(), limits).map_err(|e| anyhow::anyhow!("{e}"))?;
    let config =
        crate::follow::WorkerConfig { backoff, poll: Duration::from_secs_f64(args.webhook_poll), ..Default::default() };
    Ok(crate::follow::Worker::new(state.store.clone(), state.gazetteer.clone(), state.vocab.clone(), client, config))
}

/// The capture worker of this instance, with the outbound policy of `--allow-host`.
pub fn capture_worker(state: &AppState, args: &ServeArgs) -> anyhow::Result<crate::capture::Worker> {
    let backoff = crate::domain::follow::Backoff::parse(&args.capture_retry)
        .map_err(|e| anyhow::anyhow!("--capture-retry: {e}"))?;
    if args.capture_size_limit == 0 {
        anyhow::bail!("--capture-size-limit: give a number of bytes above 0");
    }
    let limits =
        crate::capture::limits(args.capture_size_limit, crate::outbound::user_agent(args.public_url.as_deref()));
    let client = crate::outbound::Client::new((*state.outbound).clone(), limits).map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = crate::capture::CaptureConfig { backoff, ..Default::default() };
    Ok(crate::capture::Worker::new(state.store.clone(), client, config))
}

/// How long a stop waits for the write-ahead log's last checkpoint.
const STOP_CHECKPOINT: Duration = Duration::from_secs(5);

/// Resolves when the process is asked to stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

pub async fn run(database: &str, args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let state = state(database, &args).await?;
    if state.store.tokens().await?.is_empty() {
        tracing::warn!(
            "no API tokens exist yet: reads work, writes need one; make it with `eventmap token create --name NAME --role editor`"
        );
    }
    let store = state.store.clone();
    let worker = webhook_worker(&state, &args)?.spawn();
    let capturer = if args.no_capture { None } else { Some(capture_worker(&state, &args)?.spawn()) };
    let app = api::router(state);
    let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| {
        format!("could not listen on {} (is another server using it? try --listen 127.0.0.1:8081)", args.listen)
    })?;
    let addr = listener.local_addr()?;
    let limits = api::listen::limits(
        args.header_timeout.map(|s| Duration::from_secs(s.max(1))),
        args.max_connections,
        args.write_timeout.map(|s| Duration::from_secs(s.max(1))),
    );
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        max_connections = limits.max_connections,
        "eventmap is serving the map at http://{addr}/"
    );
    api::listen::serve(listener, app, limits, shutdown_signal()).await.context("the server stopped with an error")?;
    // A delivery in flight is sent again after its lease runs out, with the same id.
    worker.abort();
    // A capture in flight is fetched again after its lease runs out.
    if let Some(c) = capturer {
        c.abort();
    }
    // The log goes back into the database before the process ends: the next start reads none
    // of it, and no oversized log is left on disk. Bounded, so that a stop stays prompt.
    match tokio::time::timeout(STOP_CHECKPOINT, store.checkpoint()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(cause = %e, "the write-ahead log was not truncated at the stop"),
        Err(_) => tracing::warn!("the write-ahead log was not truncated at the stop: it took too long"),
    }
    Ok(())
}
