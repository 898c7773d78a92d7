//! The audit log: the original's three lists, and the live stream (Server-Sent Events) that
//! replaces polling them.

use super::extract::Params;
use super::ApiState;
use crate::error::ApiError;
use crate::event_store::Position;
use crate::read_model::{AuditFilter, AuditQuery, ReadModel, ReadModelError};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use flightdeck_core::contract::AuditEntry;
use flightdeck_core::event::{stream_name, STREAM_PREFIX};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

/// Entries read per query while a list is written.
const LIST_PAGE: u32 = 500;

/// Flightdeck's additions to the lists: `?after=POSITION&limit=N` pages through a long log,
/// `?before=POSITION&limit=N` backwards; `q` searches it, `stream` keeps one flight's stream.
#[derive(Deserialize)]
pub struct Page {
    after: Option<Position>,
    before: Option<Position>,
    limit: Option<u32>,
    q: Option<String>,
    stream: Option<String>,
}

/// The longest search text taken, as for any text field.
const MAX_SEARCH_CHARS: usize = 255;
/// The most entries one backwards page holds (it is read whole, newest first).
const MAX_BACKWARDS_PAGE: u32 = 10_000;

impl Page {
    /// The query this page asks for, or what is wrong with it.
    fn query(self, filter: AuditFilter) -> Result<AuditQuery, ApiError> {
        if let Some(before) = self.before.filter(|b| *b > i64::MAX as u64) {
            return Err(ApiError::BadRequest(format!(
                "before={before} is not a position: positions are at most {}",
                i64::MAX
            )));
        }
        if self.before.is_some() && self.after.is_none() {
            if let Some(limit) = self.limit.filter(|l| *l > MAX_BACKWARDS_PAGE) {
                return Err(ApiError::BadRequest(format!(
                    "limit={limit} is too many for a page before a position; at most {MAX_BACKWARDS_PAGE}"
                )));
            }
        }
        let text = match self.q {
            None => None,
            Some(q) => {
                let text: String = q.trim().nfc().collect::<String>().to_lowercase();
                let chars = text.chars().count();
                if chars == 0 || chars > MAX_SEARCH_CHARS {
                    return Err(ApiError::BadRequest(format!(
                        "q must be 1 to {MAX_SEARCH_CHARS} characters of text to search for; it has {chars}"
                    )));
                }
                Some(text)
            }
        };
        let stream = match self.stream {
            None => None,
            Some(stream) => match stream
                .strip_prefix(STREAM_PREFIX)
                .and_then(|id| Uuid::parse_str(id).ok())
            {
                Some(id) => Some(stream_name(id)),
                None => {
                    return Err(ApiError::BadRequest(format!(
                        "stream '{}' is not a flight's stream: streams are flight-<id>, such as flight-3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                        stream.chars().take(80).collect::<String>()
                    )))
                }
            },
        };
        Ok(AuditQuery {
            filter,
            after: self.after,
            before: self.before,
            limit: self.limit,
            newest: false,
            text,
            stream,
        })
    }
}

pub async fn all(
    State(app): State<Arc<ApiState>>,
    Params(page): Params<Page>,
) -> Result<Response, ApiError> {
    list(app, AuditFilter::All, page).await
}

pub async fn flights(
    State(app): State<Arc<ApiState>>,
    Params(page): Params<Page>,
) -> Result<Response, ApiError> {
    list(app, AuditFilter::Flights, page).await
}

pub async fn passengers(
    State(app): State<Arc<ApiState>>,
    Params(page): Params<Page>,
) -> Result<Response, ApiError> {
    list(app, AuditFilter::Passengers, page).await
}

/// The list, streamed from the read model a page at a time: the original contract returns the
/// whole log in one answer, and a long log must not be held in memory to send it. It ends at
/// what the read model held when the request came, so an answer under steady writes ends too.
async fn list(app: Arc<ApiState>, filter: AuditFilter, page: Page) -> Result<Response, ApiError> {
    if let Some(after) = page.after {
        within_log(&app, after, "after").await?;
    }
    let query = page.query(filter)?;
    // Whole-log reads queue for one of a few permits, so many at once cannot hold a page
    // each of every request in memory at the same time.
    let permit = app
        .whole_reads
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Unavailable("the backend is shutting down".into()))?;
    // One page of the newest before a position: read whole (it is capped), newest first.
    let backwards = query.before.is_some() && query.after.is_none() && query.limit.is_some();
    let listing = Listing {
        read_model: app.read_model.clone(),
        left: query.limit.map_or(u64::MAX, u64::from),
        backwards,
        query: AuditQuery {
            newest: backwards,
            ..query
        },
        upto: app.projection.progress().applied,
        first: true,
        done: false,
        _permit: permit,
    };
    let chunks = stream::unfold(listing, |mut listing| async move {
        let chunk = listing.next_chunk().await?;
        Some((chunk, listing))
    });
    Ok((
        [(CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

/// A list answer being written: `[`, the entries a page at a time, `]`.
struct Listing {
    read_model: ReadModel,
    /// What is asked; its `after` moves along as pages are written.
    query: AuditQuery,
    backwards: bool,
    left: u64,
    upto: Option<Position>,
    first: bool,
    done: bool,
    _permit: OwnedSemaphorePermit,
}

impl Listing {
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, ReadModelError>> {
        if self.done {
            return None;
        }
        let mut chunk = Vec::new();
        if self.first {
            chunk.push(b'[');
        }
        let want = match self.backwards {
            true => self.left.min(u64::from(u32::MAX)) as u32,
            false => self.left.min(LIST_PAGE as u64) as u32,
        };
        let page = match self.upto {
            Some(_) if want > 0 => {
                let query = AuditQuery {
                    limit: Some(want),
                    ..self.query.clone()
                };
                match self.read_model.search_audit(&query).await {
                    Ok(page) => page,
                    // The answer has begun; ending it short is all that is left to do.
                    Err(e) => {
                        tracing::warn!(error = %e, "an audit list ended early: the read model failed");
                        self.done = true;
                        return Some(Err(e));
                    }
                }
            }
            _ => Vec::new(),
        };
        let mut written = 0;
        for entry in page
            .iter()
            .filter(|e| e.position.is_some_and(|p| Some(p) <= self.upto))
        {
            if !(self.first && written == 0) {
                chunk.push(b',');
            }
            // An entry is plain data; it always serialises.
            if serde_json::to_writer(&mut chunk, entry).is_err() {
                continue;
            }
            written += 1;
            self.first = false;
        }
        self.query.after = page.last().and_then(|e| e.position).or(self.query.after);
        self.left -= written;
        if self.backwards
            || written < u64::from(want)
            || page.len() < want as usize
            || self.left == 0
        {
            chunk.push(b']');
            self.done = true;
        }
        Some(Ok(chunk))
    }
}

/// Refuses a position beyond the log's newest: the client has positions from another log.
async fn within_log(app: &ApiState, position: Position, name: &str) -> Result<(), ApiError> {
    let head = app.store.last_position().await?;
    if head.is_some_and(|head| position <= head) {
        return Ok(());
    }
    Err(ApiError::BadRequest(match head {
        Some(head) => format!(
            "{name}={position} is beyond the end of the log, whose newest position is {head}"
        ),
        None => format!("{name}={position} is beyond the end of the log, which is empty"),
    }))
}

#[derive(Deserialize)]
pub struct StreamQuery {
    /// Resume after this position (as `Last-Event-ID` does); without either, only new entries.
    from: Option<Position>,
    /// `flights` or `passengers`; all entries when absent.
    kind: Option<AuditFilter>,
}

pub async fn stream(
    State(app): State<Arc<ApiState>>,
    headers: HeaderMap,
    Params(query): Params<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let filter = query.kind.unwrap_or(AuditFilter::All);
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<Position>().ok())
                .ok_or_else(|| {
                    ApiError::BadRequest("Last-Event-ID must be a position (a whole number)".into())
                })?,
        ),
    };
    if let Some(from) = query.from {
        within_log(&app, from, "from").await?;
    }
    // A browser resends the last id it saw by itself; beyond the head, that id belongs to a
    // log this backend does not have (its data was reset). Say so, and start from the top.
    let reset = match last_event_id {
        Some(id) => within_log(&app, id, "Last-Event-ID").await.err(),
        None => None,
    };
    let last_event_id = last_event_id.filter(|_| reset.is_none());
    let permit = app.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::Unavailable("too many live audit streams are open; try again later".into())
    })?;
    let after = match reset {
        Some(_) => None,
        None => last_event_id
            .or(query.from)
            .or(app.projection.progress().applied),
    };
    let follower =
        app.projection
            .live()
            .follow(app.read_model.clone(), filter, after, app.closing.clone());
    let reset = reset.map(|e| {
        Ok(SseEvent::default()
            .event("reset")
            .data(format!("{e}; the stream starts again from the beginning")))
    });
    // The permit goes with the stream: it is released when the client goes away.
    let followed = stream::unfold((follower, permit), |(mut follower, permit)| async move {
        let entry = follower.next().await?;
        Some((Ok(sse(&entry)), (follower, permit)))
    });
    let events = stream::iter(reset).chain(followed);
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn sse(entry: &AuditEntry) -> SseEvent {
    let event = SseEvent::default().event("audit");
    let event = match entry.position {
        Some(position) => event.id(position.to_string()),
        None => event,
    };
    match event.json_data(entry) {
        Ok(event) => event,
        // An entry is plain data and always serialises; say so on the stream if it ever did not.
        Err(e) => SseEvent::default().event("error").data(e.to_string()),
    }
}
