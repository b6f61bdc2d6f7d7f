//! What every list of events answers with, in any format: the `GET /api/events` query parsed
//! (its `place=` resolved through the gazetteer), the page streamed as GeoJSON, CSV, KML or
//! NDJSON with its links and counts. `/api/events` and OGC API – Features both answer through it.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::{Value, json};
use tracing::Instrument;

use super::error::ApiError;
use super::state::AppState;
use crate::domain::filter::{self, Format, ListOptions, ListQuery, PageRequest};
use crate::domain::time::format_rfc3339;
use crate::domain::{Cursor, EventFilter};
use crate::formats::{CollectionTail, Writer};
use crate::gazetteer::resolve;
use crate::store::{Row, all_rows};

/// The address clients reach this server at, for links.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let proto =
        headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).filter(|p| *p == "https").unwrap_or("http");
    format!("{proto}://{host}")
}

/// Parses list query pairs, resolving `place=` and country names through the gazetteer (a name
/// that is unknown or ambiguous is a 400 naming the candidates' ids), and checks that a cursor
/// belongs to these filters.
pub fn list_query(state: &AppState, pairs: &[(String, String)], extra: &[&str]) -> Result<ListQuery, ApiError> {
    let mut q = filter::parse_query(pairs, &state.vocab, extra).map_err(ApiError::bad_parameters)?;
    resolve::query(&state.gazetteer, &mut q).map_err(|(field, e)| ApiError::place_parameter(field, e))?;
    if let Some(filters) = q.cursor_filters {
        if filters != q.filter.fingerprint(q.page.sort) {
            return Err(ApiError::InvalidRequest {
                detail: "the cursor was issued for other filters or another sort order: start again from the first \
                         page, without a cursor"
                    .into(),
                errors: vec![crate::domain::FieldError {
                    field: "cursor".into(),
                    message: "belongs to other filters".into(),
                }],
            });
        }
    }
    Ok(q)
}

fn url_with(base: &str, path: &str, pairs: &[(String, String)], set: &[(&str, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !set.iter().any(|(s, _)| s == k) {
            ser.append_pair(k, v);
        }
    }
    for (k, v) in set {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    if q.is_empty() { format!("{base}{path}") } else { format!("{base}{path}?{q}") }
}

/// Where list links point and what they carry.
pub struct LinkContext {
    pub base: String,
    pub path: String,
    pub pairs: Vec<(String, String)>,
    /// Extra links for the collection (OGC `collection`).
    pub extra: Vec<Value>,
    pub media_type: &'static str,
}

/// Streams a list response in any format. GeoJSON answers one page with `numberMatched`,
/// `numberReturned` and a `next` link; the download formats give every match (or `limit`).
#[allow(clippy::too_many_arguments)]
pub async fn respond_list(
    state: &AppState,
    filter: EventFilter,
    page: PageRequest,
    format: Format,
    explicit_limit: bool,
    options: ListOptions,
    links: LinkContext,
) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let page_mode = format == Format::Geojson || explicit_limit;
    let mut rows =
        if page_mode { store.list(&filter, &page) } else { all_rows(store.clone(), filter.clone(), page.sort, 5000) };
    // The download formats (CSV, NDJSON, KML) carry each source's latest capture; a GeoJSON
    // page does when asked (`captures=true`, the map's GeoJSON export), else it stays a copy of
    // stored bytes (`eventmap export` adds them to GeoJSON too).
    if format != Format::Geojson || options.captures {
        rows = crate::store::captures::with_latest_captures(store.clone(), rows);
    }
    // Wait for the first row so that a database failure is a proper problem, not a cut stream.
    let first = rows.next().await;
    if let Some(Err(e)) = first {
        return Err(e.into());
    }
    let mut writer = Writer::new(format);
    let content_type = if format == Format::Geojson { links.media_type } else { writer.content_type() };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let limit = page.limit as usize;
    let span = tracing::Span::current();
    tokio::spawn(
        async move {
            let mut buf = Vec::with_capacity(64 * 1024);
            writer.head(&mut buf);
            let mut returned = 0usize;
            let mut last: Option<(i64, i64)> = None;
            let mut has_more = false;
            let mut counted: Option<u64> = None;
            let mut next_row = first;
            while let Some(item) = next_row {
                match item {
                    Ok(row) => {
                        if page_mode && returned == limit {
                            has_more = true;
                            break;
                        }
                        counted = counted.or(row.matched);
                        match &options.properties {
                            Some(keep) if matches!(format, Format::Geojson | Format::Ndjson) => {
                                let mut lean = Vec::with_capacity(row.feature.len());
                                crate::formats::lean::select(&row.feature, keep, &mut lean);
                                let feature = String::from_utf8(lean).expect("copied from UTF-8 text");
                                writer.row(&Row { feature, ..row }, &mut buf);
                            }
                            _ => writer.row(&row, &mut buf),
                        }
                        returned += 1;
                        last = Some((row.key, row.seq));
                        if buf.len() >= 64 * 1024 {
                            let chunk = Bytes::from(std::mem::replace(&mut buf, Vec::with_capacity(64 * 1024)));
                            if tx.send(Ok(chunk)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        tracing::error!(cause = %e, "list stream failed midway");
                        let _ = tx.send(Err(std::io::Error::other("database error"))).await;
                        return;
                    }
                }
                next_row = rows.next().await;
            }
            drop(rows);
            let mut tail = CollectionTail { number_returned: returned as u64, ..Default::default() };
            if format == Format::Geojson {
                tail.time_stamp = Some(format_rfc3339(chrono::Utc::now()));
                tail.number_matched = match page.cursor {
                    Some(Cursor { matched: Some(n), .. }) => Some(n),
                    None if !has_more => Some(returned as u64),
                    _ if counted.is_some() => counted,
                    _ => match store.matched(&filter, options.count_exact).await {
                        Ok(m) => {
                            tail.number_matched_estimated = !m.exact;
                            Some(m.n)
                        }
                        Err(e) => {
                            tracing::warn!(cause = %e, "counting matches failed; numberMatched left out");
                            None
                        }
                    },
                };
                let mut l = vec![json!({"href": url_with(&links.base, &links.path, &links.pairs, &[]), "rel": "self", "type": links.media_type})];
                if let (true, Some((key, seq))) = (has_more, last) {
                    // An estimate is made again for the next page rather than carried as a count.
                    let matched = tail.number_matched.filter(|_| !tail.number_matched_estimated);
                    let c = Cursor { key, seq, matched }.encode(filter.fingerprint(page.sort));
                    l.push(json!({"href": url_with(&links.base, &links.path, &links.pairs, &[("cursor", c)]), "rel": "next", "type": links.media_type}));
                }
                l.extend(links.extra);
                tail.links = l;
            }
            writer.tail(&tail, &mut buf);
            let _ = tx.send(Ok(Bytes::from(buf))).await;
        }
        .instrument(span),
    );
    let mut resp = Response::new(Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if format != Format::Geojson {
        let cd = format!("attachment; filename=\"events.{}\"", writer.extension());
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&cd).expect("ascii"));
    }
    Ok(resp)
}
