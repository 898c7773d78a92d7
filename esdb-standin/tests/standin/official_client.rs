//! The official `eventstore` client against the stand-in, over real gRPC.

use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, Instant};

use esdb_standin::StandIn;
use eventstore::{
    AppendToStreamOptions, Client, ClientSettings, CurrentRevision, Error, EventData,
    ExpectedRevision, Position, ReadAllOptions, ReadStreamOptions, ResolvedEvent, RetryOptions,
    StreamPosition, SubscribeToAllOptions, SubscribeToStreamOptions, Subscription,
    SubscriptionEvent, SubscriptionFilter,
};
use serde_json::json;

/// Generous: the machine running this is small and shared.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what}: nothing within {PATIENCE:?}"),
    }
}

fn client(stand_in: &StandIn) -> Client {
    let settings: ClientSettings = stand_in.url().parse().expect("connection string");
    Client::new(settings).expect("client")
}

fn event(event_type: &str, n: u64) -> EventData {
    EventData::json(event_type, &json!({ "n": n })).expect("json")
}

fn expect(revision: ExpectedRevision) -> AppendToStreamOptions {
    AppendToStreamOptions::default().expected_revision(revision)
}

async fn append(client: &Client, stream: &str, revision: ExpectedRevision, events: Vec<EventData>) {
    within(
        "append",
        client.append_to_stream(stream, &expect(revision), events),
    )
    .await
    .unwrap_or_else(|e| panic!("append to {stream}: {e}"));
}

async fn read_stream(
    client: &Client,
    stream: &str,
    options: &ReadStreamOptions,
) -> Vec<ResolvedEvent> {
    within("read stream", async {
        let mut read = client
            .read_stream(stream, options)
            .await
            .expect("read call");
        let mut events = Vec::new();
        while let Some(event) = read.next().await.expect("read event") {
            events.push(event);
        }
        events
    })
    .await
}

fn payload_n(event: &ResolvedEvent) -> u64 {
    let value: serde_json::Value = event.get_original_event().as_json().expect("json payload");
    value["n"].as_u64().expect("n")
}

/// Next event of a subscription, skipping checkpoints and other notices.
async fn next_event(subscription: &mut Subscription) -> ResolvedEvent {
    within("subscription event", subscription.next())
        .await
        .expect("subscription")
}

/// Subscription messages until `CaughtUp`, returning the events seen on the way.
async fn history(subscription: &mut Subscription) -> Vec<ResolvedEvent> {
    let mut events = Vec::new();
    loop {
        match within("history", subscription.next_subscription_event())
            .await
            .expect("subscription")
        {
            SubscriptionEvent::EventAppeared(event) => events.push(event),
            SubscriptionEvent::CaughtUp => return events,
            _ => {}
        }
    }
}

fn flight_filter() -> SubscriptionFilter {
    SubscriptionFilter::on_stream_name().add_prefix("flight-")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_to_a_new_stream_then_at_the_exact_revision() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);

    let first = within(
        "first append",
        client.append_to_stream(
            "flight-1",
            &expect(ExpectedRevision::NoStream),
            vec![event("created", 0)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(first.next_expected_version, 0, "revisions count from 0");

    let second = within(
        "second append",
        client.append_to_stream(
            "flight-1",
            &expect(ExpectedRevision::Exact(0)),
            vec![event("boarded", 1), event("departed", 2)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(second.next_expected_version, 2);
    assert!(
        second.position.commit > first.position.commit,
        "positions grow: {:?} then {:?}",
        first.position,
        second.position
    );
    assert_eq!(second.position.commit, second.position.prepare);
    assert_eq!(stand_in.event_count(), 3);

    let any = within(
        "append with any",
        client.append_to_stream(
            "flight-1",
            &expect(ExpectedRevision::Any),
            vec![event("landed", 3)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(any.next_expected_version, 3);
    let exists = within(
        "append to an existing stream",
        client.append_to_stream(
            "flight-1",
            &expect(ExpectedRevision::StreamExists),
            vec![event("parked", 4)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(exists.next_expected_version, 4);
    assert_eq!(stand_in.event_count(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expected_revision_is_the_clients_wrong_expected_version_error() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    append(
        &client,
        "flight-7",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;

    let cases = [
        (
            "flight-7",
            ExpectedRevision::Exact(5),
            CurrentRevision::Current(0),
        ),
        (
            "flight-7",
            ExpectedRevision::NoStream,
            CurrentRevision::Current(0),
        ),
        (
            "flight-8",
            ExpectedRevision::StreamExists,
            CurrentRevision::NoStream,
        ),
        (
            "flight-8",
            ExpectedRevision::Exact(0),
            CurrentRevision::NoStream,
        ),
    ];
    for (stream, expected, current) in cases {
        let outcome = within(
            "conflicting append",
            client.append_to_stream(stream, &expect(expected), vec![event("boarded", 1)]),
        )
        .await;
        match outcome {
            Err(Error::WrongExpectedVersion {
                expected: got_expected,
                current: got_current,
            }) => {
                assert_eq!(got_expected, expected, "{stream}");
                assert_eq!(got_current, current, "{stream}");
            }
            other => panic!("{stream} {expected:?}: expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(stand_in.event_count(), 1, "a refused append writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_a_stream_forwards_backwards_and_a_missing_one() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    let events = (0..5).map(|n| event("moved", n)).collect();
    append(&client, "flight-3", ExpectedRevision::NoStream, events).await;
    append(
        &client,
        "flight-4",
        ExpectedRevision::NoStream,
        vec![event("other", 99)],
    )
    .await;

    let all = read_stream(&client, "flight-3", &ReadStreamOptions::default()).await;
    let revisions: Vec<u64> = all
        .iter()
        .map(|e| e.get_original_event().revision)
        .collect();
    assert_eq!(revisions, vec![0, 1, 2, 3, 4]);
    let payloads: Vec<u64> = all.iter().map(payload_n).collect();
    assert_eq!(payloads, vec![0, 1, 2, 3, 4]);
    let first = all[0].get_original_event();
    assert_eq!(first.event_type, "moved");
    assert_eq!(first.stream_id, "flight-3");
    assert!(first.is_json);

    let from_two = read_stream(
        &client,
        "flight-3",
        &ReadStreamOptions::default()
            .position(StreamPosition::Position(2))
            .max_count(2),
    )
    .await;
    let revisions: Vec<u64> = from_two
        .iter()
        .map(|e| e.get_original_event().revision)
        .collect();
    assert_eq!(
        revisions,
        vec![2, 3],
        "reads include their starting revision"
    );

    let backwards = read_stream(
        &client,
        "flight-3",
        &ReadStreamOptions::default()
            .backwards()
            .position(StreamPosition::End)
            .max_count(3),
    )
    .await;
    let revisions: Vec<u64> = backwards
        .iter()
        .map(|e| e.get_original_event().revision)
        .collect();
    assert_eq!(revisions, vec![4, 3, 2]);

    let missing = within("read a missing stream", async {
        let mut read = client
            .read_stream("flight-missing", &ReadStreamOptions::default())
            .await
            .expect("read call");
        read.next().await
    })
    .await;
    assert!(
        matches!(missing, Err(Error::ResourceNotFound)),
        "got {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_all_has_system_events_first_and_growing_positions() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    append(
        &client,
        "flight-1",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;
    append(
        &client,
        "gate-1",
        ExpectedRevision::NoStream,
        vec![event("opened", 1)],
    )
    .await;

    let events = within("read all", async {
        let mut read = client
            .read_all(&ReadAllOptions::default())
            .await
            .expect("read call");
        let mut events = Vec::new();
        while let Some(event) = read.next().await.expect("read event") {
            events.push(event);
        }
        events
    })
    .await;

    let streams: Vec<&str> = events
        .iter()
        .map(|e| e.get_original_event().stream_id.as_str())
        .collect();
    assert!(
        streams[0].starts_with('$'),
        "a fresh log starts with system events: {streams:?}"
    );
    assert_eq!(&streams[streams.len() - 2..], &["flight-1", "gate-1"]);
    let positions: Vec<u64> = events
        .iter()
        .map(|e| {
            assert_eq!(
                e.commit_position,
                Some(e.get_original_event().position.commit)
            );
            e.get_original_event().position.commit
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "positions grow strictly: {positions:?}"
    );
    assert!(positions[0] > 0);

    let backwards = within("read all backwards", async {
        let mut read = client
            .read_all(
                &ReadAllOptions::default()
                    .backwards()
                    .position(StreamPosition::End)
                    .max_count(1),
            )
            .await
            .expect("read call");
        read.next().await.expect("read event")
    })
    .await
    .expect("an event");
    assert_eq!(backwards.get_original_event().stream_id, "gate-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_all_subscription_gets_history_then_live_events_and_checkpoints() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    append(
        &client,
        "flight-1",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;
    append(
        &client,
        "gate-1",
        ExpectedRevision::NoStream,
        vec![event("opened", 100)],
    )
    .await;
    append(
        &client,
        "flight-2",
        ExpectedRevision::NoStream,
        vec![event("created", 1)],
    )
    .await;

    let mut subscription = client
        .subscribe_to_all(&SubscribeToAllOptions::default().filter(flight_filter()))
        .await;
    match within("confirmation", subscription.next_subscription_event()).await {
        Ok(SubscriptionEvent::Confirmed(id)) => assert!(!id.is_empty()),
        other => panic!("expected a confirmation first, got {other:?}"),
    }
    let past = history(&mut subscription).await;
    let seen: Vec<(String, u64)> = past
        .iter()
        .map(|e| (e.get_original_event().stream_id.clone(), payload_n(e)))
        .collect();
    assert_eq!(seen, vec![("flight-1".into(), 0), ("flight-2".into(), 1)]);

    append(
        &client,
        "gate-2",
        ExpectedRevision::NoStream,
        vec![event("opened", 101)],
    )
    .await;
    append(
        &client,
        "flight-1",
        ExpectedRevision::Exact(0),
        vec![event("boarded", 2)],
    )
    .await;
    let live = next_event(&mut subscription).await;
    assert_eq!(live.get_original_event().stream_id, "flight-1");
    assert_eq!(payload_n(&live), 2);
    assert!(
        live.commit_position.is_some(),
        "$all events carry their position"
    );

    // 40 events that the filter drops: more than the default checkpoint interval of 32, so
    // the subscriber learns how far the server has looked.
    let noise = (0..40).map(|n| event("opened", 200 + n)).collect();
    append(&client, "gate-3", ExpectedRevision::NoStream, noise).await;
    let checkpoint = within("checkpoint", async {
        loop {
            match subscription
                .next_subscription_event()
                .await
                .expect("subscription")
            {
                SubscriptionEvent::Checkpoint(position) => return position,
                SubscriptionEvent::EventAppeared(e) => {
                    panic!(
                        "filtered-out event delivered: {:?}",
                        e.get_original_event().stream_id
                    )
                }
                _ => {}
            }
        }
    })
    .await;
    assert!(
        checkpoint.commit > live.get_original_event().position.commit,
        "checkpoint {checkpoint:?} is past the last delivered event"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_resume_strictly_after_the_point_given() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    let events = (0..4).map(|n| event("moved", n)).collect();
    append(&client, "flight-5", ExpectedRevision::NoStream, events).await;

    let all = read_stream(&client, "flight-5", &ReadStreamOptions::default()).await;
    let second: Position = all[1].get_original_event().position;

    let mut from_position = client
        .subscribe_to_all(
            &SubscribeToAllOptions::default()
                .filter(flight_filter())
                .position(StreamPosition::Position(second)),
        )
        .await;
    let after: Vec<u64> = history(&mut from_position)
        .await
        .iter()
        .map(payload_n)
        .collect();
    assert_eq!(after, vec![2, 3]);

    let mut from_revision = client
        .subscribe_to_stream(
            "flight-5",
            &SubscribeToStreamOptions::default().start_from(StreamPosition::Position(2)),
        )
        .await;
    let after: Vec<u64> = history(&mut from_revision)
        .await
        .iter()
        .map(payload_n)
        .collect();
    assert_eq!(after, vec![3]);

    // A stream that does not exist yet: the subscription waits for it.
    let mut future_stream = client
        .subscribe_to_stream("flight-6", &SubscribeToStreamOptions::default())
        .await;
    assert!(history(&mut future_stream).await.is_empty());
    append(
        &client,
        "flight-6",
        ExpectedRevision::NoStream,
        vec![event("created", 60)],
    )
    .await;
    assert_eq!(payload_n(&next_event(&mut future_stream).await), 60);
    append(
        &client,
        "flight-5",
        ExpectedRevision::Exact(3),
        vec![event("moved", 4)],
    )
    .await;
    assert_eq!(payload_n(&next_event(&mut from_revision).await), 4);
}

/// Appends with retries, as an adapter does after a transport error; an exact expected
/// revision with fixed event ids makes a retry of an append that did land harmless.
async fn append_retrying(client: &Client, stream: &str, revision: u64, n: u64) {
    let data = event("moved", n).id(uuid_for(n));
    within("append with retries", async {
        loop {
            match client
                .append_to_stream(
                    stream,
                    &expect(ExpectedRevision::Exact(revision)),
                    data.clone(),
                )
                .await
            {
                Ok(_) => return,
                Err(Error::WrongExpectedVersion { .. }) => panic!("append {n} conflicted"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    })
    .await
}

fn uuid_for(n: u64) -> uuid::Uuid {
    uuid::Uuid::from_u64_pair(0xf1, n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_subscription_resubscribes_after_dropped_connections_and_misses_nothing() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    append(
        &client,
        "flight-9",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;

    let mut subscription = client
        .subscribe_to_all(
            &SubscribeToAllOptions::default()
                .filter(flight_filter())
                .retry_options(RetryOptions::default()),
        )
        .await;
    let past: Vec<u64> = history(&mut subscription)
        .await
        .iter()
        .map(payload_n)
        .collect();
    assert_eq!(past, vec![0]);

    let mut seen = Vec::new();
    for round in 0..3u64 {
        stand_in.drop_connections();
        for i in 0..3 {
            let n = 1 + round * 3 + i;
            append_retrying(&client, "flight-9", n - 1, n).await;
        }
        while seen.len() < (round as usize + 1) * 3 {
            seen.push(payload_n(&next_event(&mut subscription).await));
        }
    }
    // A sentinel: had anything been delivered twice, it would come before this.
    append_retrying(&client, "flight-9", 9, 10).await;
    seen.push(payload_n(&next_event(&mut subscription).await));

    assert_eq!(
        seen,
        (1..=10).collect::<Vec<_>>(),
        "each event exactly once, in order"
    );
    let unique: HashSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len());
    assert_eq!(stand_in.event_count(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_fail_while_connections_are_refused_then_succeed() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    append(
        &client,
        "flight-2",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;

    let window = Duration::from_secs(2);
    let refused_at = Instant::now();
    stand_in.refuse_connections_for(window);

    let attempt = within(
        "append while refused",
        client.append_to_stream(
            "flight-2",
            &expect(ExpectedRevision::Exact(0)),
            vec![event("boarded", 1)],
        ),
    )
    .await;
    let first_failed = attempt.is_err();
    if refused_at.elapsed() < window {
        let error = attempt.expect_err("an append while connections are refused must fail");
        assert!(
            matches!(error, Error::ServerError(_) | Error::Grpc { .. }),
            "a transport failure, got {error:?}"
        );
    }

    let mut failures = 0;
    let succeeded_at = within("append after the refusal", async {
        loop {
            match client
                .append_to_stream(
                    "flight-2",
                    &expect(ExpectedRevision::Exact(0)),
                    vec![event("boarded", 1)],
                )
                .await
            {
                Ok(result) => {
                    assert_eq!(result.next_expected_version, 1);
                    return refused_at.elapsed();
                }
                Err(Error::WrongExpectedVersion { .. }) => panic!("a refused append was written"),
                Err(_) => {
                    failures += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    })
    .await;
    assert!(
        succeeded_at >= window,
        "succeeded after {succeeded_at:?}, inside the {window:?} refusal"
    );
    assert!(
        failures > 0 || first_failed,
        "no append failed during the refusal"
    );
    assert_eq!(stand_in.event_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delay_slows_answers_without_failing_them() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    append(
        &client,
        "flight-4",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;

    let delay = Duration::from_millis(300);
    stand_in.set_delay(delay);

    let started = Instant::now();
    let result = within(
        "delayed append",
        client.append_to_stream(
            "flight-4",
            &expect(ExpectedRevision::Exact(0)),
            vec![event("boarded", 1)],
        ),
    )
    .await
    .expect("a delayed append still succeeds");
    assert_eq!(result.next_expected_version, 1);
    assert!(
        started.elapsed() >= delay,
        "append answered after {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let read = read_stream(&client, "flight-4", &ReadStreamOptions::default()).await;
    assert_eq!(read.len(), 2);
    assert!(
        started.elapsed() >= delay * 2,
        "two streamed events answered after {:?}",
        started.elapsed()
    );

    // A deadline shorter than the delay: the node gives up on the answer.
    let late = within(
        "append past its deadline",
        client.append_to_stream(
            "flight-4",
            &expect(ExpectedRevision::Exact(1)).deadline(Duration::from_millis(50)),
            vec![event("departed", 2)],
        ),
    )
    .await;
    assert!(matches!(late, Err(Error::DeadlineExceeded)), "got {late:?}");

    stand_in.set_delay(Duration::ZERO);
    let read = read_stream(&client, "flight-4", &ReadStreamOptions::default()).await;
    // Whether the late append landed depends on when its deadline ran out: before the node
    // took it (not written) or while its answer was delayed (written, answer lost).
    assert!((2..=3).contains(&read.len()), "{} events", read.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_a_dropped_connection_ends_a_subscription_with_an_error() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client(&stand_in);
    append(
        &client,
        "flight-1",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;

    let mut subscription = client
        .subscribe_to_all(&SubscribeToAllOptions::default().filter(flight_filter()))
        .await;
    assert_eq!(history(&mut subscription).await.len(), 1);

    stand_in.drop_connections();
    let outcome = within("the subscription's end", subscription.next()).await;
    match &outcome {
        // What the client makes of a transport failure: the node went away.
        Err(error) => assert!(
            matches!(error, Error::ServerError(_) | Error::Grpc { .. }),
            "got {error:?}"
        ),
        Ok(event) => panic!("an event after the drop: {:?}", event.get_original_event()),
    }

    // The log survived: a new call sees it.
    let events = read_stream(&client, "flight-1", &ReadStreamOptions::default()).await;
    assert_eq!(events.len(), 1);
}
