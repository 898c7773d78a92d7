//! Following the audit log: the live stream (Server-Sent Events) where the backend has one,
//! resumed from the last entry seen after any break, with a capped backoff between attempts;
//! polling `auditlog/all` where the stream answers 404 (an original deployment).

use crate::client::{Client, ClientError};
use crate::msg::{FeedEvent, Msg, NEWEST};
use crate::panes::audit::PAGE;
use flightdeck_core::contract::AuditEntry;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

const FIRST_RETRY: Duration = Duration::from_millis(250);
const LAST_RETRY: Duration = Duration::from_secs(10);

/// Doubling pauses between reconnects, capped, reset once a connection works.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next: FIRST_RETRY }
    }
}

impl Backoff {
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(LAST_RETRY);
        pause
    }

    pub fn reset(&mut self) {
        self.next = FIRST_RETRY;
    }
}

/// One message of an event stream.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SseMessage {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

/// The `text/event-stream` format, fed in chunks as they arrive from the network.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    current: SseMessage,
    has_data: bool,
}

impl SseParser {
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseMessage> {
        let mut out = Vec::new();
        for &byte in chunk {
            if byte == b'\n' {
                let mut line = std::mem::take(&mut self.line);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if let Some(message) = self.line_done(&String::from_utf8_lossy(&line)) {
                    out.push(message);
                }
            } else {
                self.line.push(byte);
            }
        }
        out
    }

    fn line_done(&mut self, line: &str) -> Option<SseMessage> {
        if line.is_empty() {
            let message = std::mem::take(&mut self.current);
            let had_data = std::mem::take(&mut self.has_data);
            return had_data.then_some(message);
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.current.event = value.to_owned(),
            "id" => self.current.id = Some(value.to_owned()),
            "data" => {
                if self.has_data {
                    self.current.data.push('\n');
                }
                self.current.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
        None
    }
}

/// The last page of what was read: a backend without paging answers its whole log, and only
/// what the pane holds is kept, so that memory does not grow with the log.
fn last_page(mut entries: Vec<AuditEntry>) -> Vec<AuditEntry> {
    if entries.len() > PAGE {
        entries.drain(..entries.len() - PAGE);
    }
    entries
}

fn send(tx: &UnboundedSender<Msg>, msg: Msg) -> bool {
    tx.send(msg).is_ok()
}

fn down(tx: &UnboundedSender<Msg>, reason: String, retry_in: Option<Duration>) -> bool {
    send(tx, Msg::Feed(FeedEvent::Down { reason, retry_in }))
}

enum Connect {
    Stream(reqwest::Response),
    NoStream,
}

async fn connect(client: &Client, last: Option<u64>) -> Result<Connect, ClientError> {
    // Without an id the stream sends only what comes after it opens; positions start at 1, so
    // 0 asks for everything, and nothing committed since the history was read is lost.
    let response = client
        .http()
        .get(client.endpoints().stream())
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .header("Last-Event-ID", last.unwrap_or(0).to_string())
        .send()
        .await
        .map_err(|e| client.failed(e))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(Connect::NoStream);
    }
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(crate::client::status_error(status.as_u16(), &body));
    }
    Ok(Connect::Stream(response))
}

/// Runs until the UI goes away: history first, then the stream or the poller.
pub async fn follow(client: Client, tx: UnboundedSender<Msg>, poll_interval: Duration) {
    let mut backoff = Backoff::default();
    let mut last = loop {
        // Only the newest page: a long log is never read whole (a backend without paging
        // answers it all anyway, and the pane keeps its last page).
        match client.audit_before(NEWEST, PAGE).await {
            Ok(entries) => {
                let entries = last_page(entries);
                let last = entries.iter().filter_map(|e| e.position).max();
                if !send(&tx, Msg::AuditSnapshot(entries)) {
                    return;
                }
                backoff.reset();
                break last;
            }
            Err(ClientError::Tls(reason)) => return refused(&tx, reason),
            Err(e) => {
                let pause = backoff.next_pause();
                if !down(&tx, e.to_string(), Some(pause)) {
                    return;
                }
                tokio::time::sleep(pause).await;
            }
        }
    };
    loop {
        match connect(&client, last).await {
            Ok(Connect::NoStream) => return poll(client, tx, poll_interval).await,
            Ok(Connect::Stream(response)) => {
                backoff.reset();
                if !send(&tx, Msg::Feed(FeedEvent::Live)) {
                    return;
                }
                let reason = match read_stream(response, &tx, &mut last).await {
                    Some(reason) => reason,
                    None => return,
                };
                let pause = backoff.next_pause();
                if !down(&tx, reason, Some(pause)) {
                    return;
                }
                tokio::time::sleep(pause).await;
            }
            Err(ClientError::Tls(reason)) => return refused(&tx, reason),
            Err(e) => {
                let pause = backoff.next_pause();
                if !down(&tx, e.to_string(), Some(pause)) {
                    return;
                }
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// TLS refused the server: no retry can change its certificate, so the feed says why once and
/// stops, down with no retry scheduled.
fn refused(tx: &UnboundedSender<Msg>, reason: String) {
    down(tx, reason, None);
}

/// Forwards entries until the stream ends; says why it ended, or `None` when the UI is gone.
async fn read_stream(
    response: reqwest::Response,
    tx: &UnboundedSender<Msg>,
    last: &mut Option<u64>,
) -> Option<String> {
    let mut parser = SseParser::default();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => return Some(format!("live stream broke: {e}")),
        };
        for message in parser.push(&chunk) {
            if message.event == "reset" {
                // The id resumed from belongs to another log; this one follows from its start.
                *last = None;
                if !send(tx, Msg::Feed(FeedEvent::Reset)) {
                    return None;
                }
                continue;
            }
            if !message.event.is_empty() && message.event != "audit" {
                continue;
            }
            let entry: AuditEntry = match serde_json::from_str(&message.data) {
                Ok(entry) => entry,
                // One unreadable entry should not stop the log.
                Err(_) => continue,
            };
            if let Some(position) = entry
                .position
                .or_else(|| message.id.as_deref().and_then(|id| id.trim().parse().ok()))
            {
                *last = Some(position);
            }
            if !send(tx, Msg::Audit(entry)) {
                return None;
            }
        }
    }
    Some("live stream ended".to_owned())
}

async fn poll(client: Client, tx: UnboundedSender<Msg>, interval: Duration) {
    let mut up = false;
    loop {
        match client.audit_all().await {
            Ok(entries) => {
                let entries = last_page(entries);
                if !up && !send(&tx, Msg::Feed(FeedEvent::Polling)) {
                    return;
                }
                up = true;
                if !send(&tx, Msg::AuditSnapshot(entries)) {
                    return;
                }
            }
            Err(ClientError::Tls(reason)) => return refused(&tx, reason),
            Err(e) => {
                up = false;
                if !down(&tx, e.to_string(), Some(interval)) {
                    return;
                }
            }
        }
        if !send(&tx, Msg::Poll) {
            return;
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_split_across_chunks_are_joined() {
        let mut p = SseParser::default();
        assert!(p.push(b": hello\n\nevent: au").is_empty());
        let out = p.push(b"dit\r\nid: 7\ndata: {\"a\":\ndata: 1}\n\n");
        assert_eq!(
            out,
            vec![SseMessage {
                event: "audit".into(),
                id: Some("7".into()),
                data: "{\"a\":\n1}".into()
            }]
        );
        let out = p.push("data:é\n\n".as_bytes());
        assert_eq!(out[0].data, "é");
        assert_eq!(out[0].event, "", "fields do not leak into the next message");
    }

    #[test]
    fn backoff_doubles_up_to_a_cap_and_resets() {
        let mut b = Backoff::default();
        let pauses: Vec<_> = (0..8).map(|_| b.next_pause()).collect();
        assert_eq!(pauses[0], FIRST_RETRY);
        assert_eq!(pauses[1], FIRST_RETRY * 2);
        assert_eq!(*pauses.last().unwrap(), LAST_RETRY);
        b.reset();
        assert_eq!(b.next_pause(), FIRST_RETRY);
    }
}
