//! The audit log: the original's three lists, and the live stream (Server-Sent Events) that
//! replaces polling them.

use super::extract::Params;
use super::App;
use crate::error::ApiError;
use crate::event_store::Position;
use crate::read_model::{AuditFilter, ReadModel};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Json;
use flightdeck_core::contract::AuditEntry;
use flightdeck_core::event::is_passenger_event;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{watch, OwnedSemaphorePermit};

/// Entries read from the read model per query while a live subscriber catches up.
const CATCH_UP_PAGE: u32 = 1000;

/// Flightdeck's additions to the lists: `?after=POSITION&limit=N` pages through a long log.
#[derive(Deserialize)]
pub struct Page {
    after: Option<Position>,
    limit: Option<u32>,
}

pub async fn all(
    State(app): State<Arc<App>>,
    Params(page): Params<Page>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    list(&app, AuditFilter::All, page).await
}

pub async fn flights(
    State(app): State<Arc<App>>,
    Params(page): Params<Page>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    list(&app, AuditFilter::Flights, page).await
}

pub async fn passengers(
    State(app): State<Arc<App>>,
    Params(page): Params<Page>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    list(&app, AuditFilter::Passengers, page).await
}

async fn list(
    app: &App,
    filter: AuditFilter,
    page: Page,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    Ok(Json(
        app.read_model.audit(filter, page.after, page.limit).await?,
    ))
}

#[derive(Deserialize)]
pub struct StreamQuery {
    /// Resume after this position (as `Last-Event-ID` does); without either, only new entries.
    from: Option<Position>,
    /// `flights` or `passengers`; all entries when absent.
    kind: Option<String>,
}

pub async fn stream(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Params(query): Params<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let filter = match query.kind.as_deref() {
        None | Some("all") => AuditFilter::All,
        Some("flights") => AuditFilter::Flights,
        Some("passengers") => AuditFilter::Passengers,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "kind '{other}' is not one of all, flights, passengers"
            )))
        }
    };
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
    let permit = app.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::Unavailable("too many live audit streams are open; try again later".into())
    })?;
    // Subscribe before reading the backlog, so nothing committed in between is missed; entries
    // seen twice are dropped by position.
    let live = app.projection.live();
    let after = last_event_id
        .or(query.from)
        .or(app.projection.progress().applied);
    let follow = Follow {
        read_model: app.read_model.clone(),
        live,
        filter,
        after,
        backlog: VecDeque::new(),
        catching_up: true,
        closing: app.closing.clone(),
        _permit: permit,
    };
    let events = stream::unfold(follow, |mut follow| async move {
        let entry = follow.next().await?;
        Some((Ok(sse(&entry)), follow))
    });
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

struct Follow {
    read_model: ReadModel,
    live: broadcast::Receiver<Arc<AuditEntry>>,
    filter: AuditFilter,
    after: Option<Position>,
    backlog: VecDeque<AuditEntry>,
    catching_up: bool,
    closing: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
}

impl Follow {
    /// The next entry for this subscriber, or `None` when the stream should end.
    async fn next(&mut self) -> Option<AuditEntry> {
        loop {
            if let Some(entry) = self.backlog.pop_front() {
                self.after = entry.position.or(self.after);
                return Some(entry);
            }
            if self.catching_up {
                match self
                    .read_model
                    .audit(self.filter, self.after, Some(CATCH_UP_PAGE))
                    .await
                {
                    Ok(page) if page.is_empty() => self.catching_up = false,
                    Ok(page) => self.backlog.extend(page),
                    Err(e) => {
                        tracing::warn!(error = %e, "live audit subscriber ended: the read model is unavailable");
                        return None;
                    }
                }
                continue;
            }
            let received = tokio::select! {
                received = self.live.recv() => received,
                _ = self.closing.wait_for(|closing| *closing) => return None,
            };
            match received {
                Ok(entry) => {
                    let position = entry.position;
                    if position.is_some() && position <= self.after {
                        continue;
                    }
                    self.after = position.or(self.after);
                    if self.wants(&entry) {
                        return Some(AuditEntry::clone(&entry));
                    }
                }
                // Fell behind the live buffer: the read model still has everything.
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    fn wants(&self, entry: &AuditEntry) -> bool {
        let passenger = is_passenger_event(&entry.event_type);
        match self.filter {
            AuditFilter::All => true,
            AuditFilter::Flights => !passenger,
            AuditFilter::Passengers => passenger,
        }
    }
}
