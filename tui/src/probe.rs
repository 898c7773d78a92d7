//! What answers at the URL the console was given: a Flightdeck backend, an original gateway or
//! services, or something else (a URL without its `/api`, a static file server). A Flightdeck
//! backend says so at `…/status`, a small answer whatever the size of the operation. Anything
//! else is told by the shape of `GET …/flights`: an original's flights carry no passenger counts
//! (with no flights to show, the live stream tells the two apart, since an original has none),
//! and what is no API at all is named by what answered there.

use crate::client::{status_error, unreachable, Client, ClientError, Dialect};
use flightdeck_core::contract::Flight;
use std::time::Duration;

const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which backend answers, or why what answers is none; learned by the client on success.
pub async fn identify(client: &Client) -> Result<Dialect, ClientError> {
    let dialect = match client.dialect() {
        Some(Dialect::Original) => {
            flights(client).await?;
            Dialect::Original
        }
        // The flights list grows with the operation, and the Flights pane reads it anyway.
        _ if says_flightdeck(client).await? => Dialect::Flightdeck,
        Some(known) => {
            flights(client).await?;
            known
        }
        None => {
            let flights = flights(client).await?;
            if flights.iter().any(|f| f.passenger_count.is_some()) {
                Dialect::Flightdeck
            } else if !flights.is_empty() {
                Dialect::Original
            } else {
                by_stream(client).await?
            }
        }
    };
    client.learn(dialect);
    Ok(dialect)
}

/// The dialect for a command: as learned, else learned now; the original's when the backend
/// cannot say, since sending every field is what both accept.
pub async fn dialect(client: &Client) -> Dialect {
    match client.dialect() {
        Some(known) => known,
        None => identify(client).await.unwrap_or(Dialect::Original),
    }
}

/// The flights, if what answers gives a list of them.
async fn flights(client: &Client) -> Result<Vec<Flight>, ClientError> {
    let url = &client.endpoints().flights;
    let response = client
        .http()
        .get(url)
        .timeout(PROBE_TIMEOUT)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let html = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("html"));
    let body = response.text().await.map_err(unreachable)?;
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(status_error(status.as_u16(), &body));
    }
    if !status.is_success() {
        return Err(ClientError::NotAnApi(format!(
            "{url} answered {}{}",
            status.as_u16(),
            did_you_mean(url)
        )));
    }
    let looks = if html || body.trim_start().starts_with('<') {
        "a web page"
    } else if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
        "JSON that is not a list of flights"
    } else {
        "text that is not JSON"
    };
    serde_json::from_str(&body)
        .map_err(|_| ClientError::NotAnApi(format!("{url} answered {looks}{}", did_you_mean(url))))
}

/// Whether `…/status` answers as a Flightdeck backend does; any other answer, or none, leaves
/// the question to the flights list, which names what answered. A refused certificate is the
/// answer itself: asking again would only be refused again.
async fn says_flightdeck(client: &Client) -> Result<bool, ClientError> {
    match client.status().await {
        Ok(Some(_)) => Ok(true),
        Err(refused @ ClientError::Tls(_)) => Err(refused),
        _ => Ok(false),
    }
}

/// A Flightdeck backend has a live stream; an original answers 404 there.
async fn by_stream(client: &Client) -> Result<Dialect, ClientError> {
    let response = client
        .http()
        .get(client.endpoints().stream())
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .timeout(PROBE_TIMEOUT)
        .send()
        .await
        .map_err(unreachable)?;
    // Only the answer's head is read: the stream itself goes with the response.
    Ok(if response.status().is_success() {
        Dialect::Flightdeck
    } else {
        Dialect::Original
    })
}

/// A hint for a backend URL that lacks the `/api` the gateway and Flightdeck serve under.
fn did_you_mean(flights: &str) -> String {
    match flights.strip_suffix("/flights") {
        Some(base) if !base.ends_with("/api") => format!("; did you mean {base}/api?"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Endpoints;

    async fn serve(app: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }

    fn client(url: &str) -> Client {
        Client::new(Endpoints::from_api(url).expect("url")).expect("client")
    }

    #[tokio::test]
    async fn what_is_not_a_flightdeck_api_is_named_with_what_it_answered() {
        let nothing = serve(axum::Router::new()).await;
        let err = identify(&client(&nothing)).await.expect_err("a 404");
        assert_eq!(
            err.to_string(),
            format!(
                "not a Flightdeck API: {nothing}/flights answered 404; did you mean {nothing}/api?"
            )
        );
        let page =
            serve(axum::Router::new().fallback(|| async {
                axum::response::Html("<html><body>It works!</body></html>")
            }))
            .await;
        let err = identify(&client(&format!("{page}/api")))
            .await
            .expect_err("a web page");
        assert_eq!(
            err.to_string(),
            format!("not a Flightdeck API: {page}/api/flights answered a web page")
        );
    }

    #[tokio::test]
    async fn flights_with_counts_are_flightdeck_and_without_are_original() {
        let flight = serde_json::json!({"id": uuid::Uuid::from_u128(1), "origin": "OSL",
            "destination": "BGO", "flightNumber": "DY1", "status": 1});
        let mut counted = flight.clone();
        counted["passengerCount"] = 0.into();
        counted["boardedCount"] = 0.into();
        let original = serve(axum::Router::new().route(
            "/api/flights",
            axum::routing::get(move || async move { axum::Json(vec![flight]) }),
        ))
        .await;
        let flightdeck = serve(axum::Router::new().route(
            "/api/flights",
            axum::routing::get(move || async move { axum::Json(vec![counted]) }),
        ))
        .await;
        let c = client(&format!("{original}/api"));
        assert_eq!(identify(&c).await, Ok(Dialect::Original));
        assert_eq!(c.dialect(), Some(Dialect::Original), "learned");
        let c = client(&format!("{flightdeck}/api"));
        assert_eq!(dialect(&c).await, Dialect::Flightdeck);
    }

    #[tokio::test]
    async fn a_flightdeck_backend_is_known_by_its_status_without_reading_the_flights() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let status: flightdeck_core::backend_status::BackendStatus =
            serde_json::from_value(serde_json::json!({
                "ready": true, "eventStore": "sqlite", "readModel": "sqlite",
                "logPosition": 7, "checkpoint": 7, "liveSubscribers": 0,
                "version": "0", "startedAt": "2026-01-01T00:00:00Z"
            }))
            .expect("a status");
        let reads = Arc::new(AtomicUsize::new(0));
        let counted = reads.clone();
        let backend = serve(
            axum::Router::new()
                .route(
                    "/api/status",
                    axum::routing::get(move || async move { axum::Json(status) }),
                )
                .route(
                    "/api/flights",
                    axum::routing::get(move || async move {
                        counted.fetch_add(1, Ordering::SeqCst);
                        axum::Json(Vec::<serde_json::Value>::new())
                    }),
                ),
        )
        .await;
        let c = client(&format!("{backend}/api"));
        assert_eq!(identify(&c).await, Ok(Dialect::Flightdeck));
        assert_eq!(
            reads.load(Ordering::SeqCst),
            0,
            "the flights list was not read to tell"
        );
    }
}
