//! `POST /api/import`: an editor sends a whole file (GeoJSON, CSV, ACLED, GDELT, TimeMap) as the
//! request body and gets back what was created, updated and left unchanged, or a 422 problem
//! listing the bad rows when the file is refused. The body may be large (up to
//! [`IMPORT_BODY_LIMIT`]); it is written to a temporary file, which the import reads (see
//! `import::pipeline`) and which is removed afterwards.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use super::caller::Caller;
use super::error::ApiError;
use super::extract::Pairs;
use super::state::AppState;
use crate::auth::Role;
use crate::domain::{FieldError, ValidationErrors};
use crate::import::pipeline::{self, Checker, ImportError, Quiet, Spool};
use crate::import::places::GazetteerPlaces;
use crate::import::{Format, ImportOptions, ImportReport, Mapping, ParseError};

/// The largest file `POST /api/import` takes: 256 MiB.
pub const IMPORT_BODY_LIMIT: usize = 256 * 1024 * 1024;

/// The checker an import uses on this server: its vocabulary and its gazetteer.
pub fn checker(state: &AppState) -> Checker {
    Checker { vocab: state.vocab.clone(), places: Arc::new(GazetteerPlaces(state.gazetteer.clone())) }
}

fn flag(pairs: &Pairs, key: &str) -> Result<bool, ApiError> {
    match pairs.get(key) {
        None | Some("false") | Some("0") | Some("") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(ApiError::bad_parameters(ValidationErrors::one(key, "must be true or false"))),
    }
}

/// The report as a JSON object.
fn report_json(r: &ImportReport) -> Value {
    serde_json::to_value(r).expect("a report serialises")
}

fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::Parse(ParseError::Malformed { line, reason }) => ApiError::ImportRejected {
            detail: format!("the file cannot be read: line {line}: {reason}"),
            report: json!({"rejected": 0, "rejections": [], "line": line}),
        },
        ImportError::Parse(ParseError::Io(e)) => ApiError::Internal(format!("reading the spooled import: {e}")),
        ImportError::UnknownFormat => ApiError::InvalidRequest {
            detail: e.to_string(),
            errors: vec![FieldError {
                field: "format".into(),
                message: "could not be guessed; give ?format=geojson|csv|acled|gdelt|timemap".into(),
            }],
        },
        ImportError::Store(s) => s.into(),
        ImportError::Rejects(e) => ApiError::Internal(e.to_string()),
        ImportError::Task(e) => ApiError::Internal(e),
    }
}

/// `POST /api/import`
#[utoipa::path(post, path = "/api/import", tag = "events",
    params(("format" = Option<String>, Query, description = "geojson, csv, acled, gdelt or timemap; guessed from the content when absent"),
           ("skip_invalid" = Option<bool>, Query, description = "Import the good rows and list the bad ones, instead of refusing the file"),
           ("capture" = Option<bool>, Query, description = "Then queue a capture of every source never captured (on an instance that captures)"),
           ("mapping" = Option<String>, Query, description = "A CSV column mapping as JSON (see docs/IMPORT.md)")),
    request_body(content = String, description = "The file itself (up to 256 MiB)", content_type = "text/csv"),
    security(("bearer" = [])),
    responses((status = 200, description = "What was imported: `created`, `updated`, `unchanged`, `skipped`, `rejected` and the first `rejections` (the file's own `line`, `record`, `reason`, and the `row` as it is in the file, cut at 2,000 bytes with `row_truncated`)", body = Object),
              (status = 400, description = "Bad parameter, or a format that cannot be guessed", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 401, description = "No token", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an editor", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 413, description = "Larger than 256 MiB", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "Refused: the file is unreadable, or some rows are invalid (listed); nothing was imported", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    pairs: Pairs,
    req: Request,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    pairs.only(&["format", "skip_invalid", "mapping", "capture"])?;
    let format = match pairs.get("format") {
        None | Some("") => None,
        Some(f) => Some(Format::parse(f).ok_or_else(|| {
            ApiError::bad_parameters(ValidationErrors::one("format", "must be geojson, csv, acled, gdelt or timemap"))
        })?),
    };
    let skip_invalid = flag(&pairs, "skip_invalid")?;
    let capture = flag(&pairs, "capture")?;
    let mapping = match pairs.get("mapping") {
        Some(m) if !m.trim().is_empty() => {
            Mapping::from_json(m).map_err(|e| ApiError::bad_parameters(ValidationErrors::one("mapping", e)))?
        }
        _ => Mapping::default(),
    };

    let (spool, file) = Spool::create().map_err(|e| ApiError::Internal(format!("creating a spool file: {e}")))?;
    let mut file = tokio::fs::File::from_std(file);
    let mut body = axum::RequestExt::with_limited_body(req).into_body().into_data_stream();
    let mut size = 0usize;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            if e.to_string().contains("length limit exceeded") {
                ApiError::PayloadTooLarge(format!("an import may be at most {} MiB", IMPORT_BODY_LIMIT >> 20))
            } else {
                ApiError::invalid(format!("could not read the request body: {e}"))
            }
        })?;
        size += chunk.len();
        file.write_all(&chunk).await.map_err(|e| ApiError::Internal(format!("spooling the import: {e}")))?;
    }
    file.flush().await.map_err(|e| ApiError::Internal(format!("spooling the import: {e}")))?;
    drop(file);
    if size == 0 {
        return Err(ApiError::invalid("send the file to import as the request body"));
    }

    let opts = ImportOptions { format, skip_invalid, mapping, ..Default::default() };
    let store = state.store.clone();
    let checker = checker(&state);
    let actor = caller.actor();
    let actor_name = actor.name.clone();
    // The import runs in a task of its own: a client that hangs up does not cut it short.
    let task = tokio::spawn(async move {
        let r = pipeline::run(store, spool.path(), opts, checker, Arc::new(Quiet), None, &actor).await;
        drop(spool);
        r
    });
    let report = task.await.map_err(|e| ApiError::Internal(format!("import task: {e}")))?.map_err(import_error)?;
    if !report.imported {
        return Err(ApiError::ImportRejected {
            detail: format!(
                "nothing was imported: {} of {} rows are invalid; fix them, or send skip_invalid=true to import the rest",
                report.rejected, report.rows
            ),
            report: report_json(&report),
        });
    }
    tracing::info!(
        format = report.format.as_str(),
        rows = report.rows,
        created = report.created,
        updated = report.updated,
        unchanged = report.unchanged,
        rejected = report.rejected,
        "import"
    );
    if capture && state.config.capture {
        // Every source never captured, those of this import among them.
        if let Err(e) = state.store.queue_uncaptured(None, &actor_name, chrono::Utc::now()).await {
            tracing::warn!(cause = %e, "queueing captures after an import failed");
        }
    }
    let mut resp = (StatusCode::OK, report_json(&report).to_string()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(resp)
}
