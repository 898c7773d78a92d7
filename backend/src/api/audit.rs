//! The audit log: the original's three lists, and the live stream (Server-Sent Events) that
//! replaces polling them.

use super::extract::Params;
use super::ApiState;
use crate::error::ApiError;
use crate::event_store::Position;
use crate::read_model::{AuditFilter, ReadModel, ReadModelError};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use flightdeck_core::contract::AuditEntry;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

/// Entries read per query while a list is written.
const LIST_PAGE: u32 = 500;

/// Flightdeck's additions to the lists: `?after=POSITION&limit=N` pages through a long log.
#[derive(Deserialize)]
pub struct Page {
    after: Option<Position>,
    limit: Option<u32>,
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
    // Whole-log reads queue for one of a few permits, so many at once cannot hold a page
    // each of every request in memory at the same time.
    let permit = app
        .whole_reads
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Unavailable("the backend is shutting down".into()))?;
    let listing = Listing {
        read_model: app.read_model.clone(),
        filter,
        after: page.after,
        left: page.limit.map_or(u64::MAX, u64::from),
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
    filter: AuditFilter,
    after: Option<Position>,
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
        let want = self.left.min(LIST_PAGE as u64) as u32;
        let page = match self.upto {
            Some(_) if want > 0 => {
                match self
                    .read_model
                    .audit(self.filter, self.after, Some(want))
                    .await
                {
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
        self.after = page.last().and_then(|e| e.position).or(self.after);
        self.left -= written;
        if written < u64::from(want) || page.len() < want as usize || self.left == 0 {
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
