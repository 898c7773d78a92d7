//! What a 24.10 node does that the official client makes visible: the first/last stream
//! position messages of stream reads, filter regexes with .NET syntax, batch appends, the
//! server's features, and a graceful GOAWAY.

use std::time::Duration;

use crate::common::{append, client_for, event, expect, payload_n, wait_until, within};
use esdb_standin::StandIn;
use eventstore::{
    BatchAppendOptions, Client, Error, ExpectedRevision, Position, ReadEvent, ReadStreamOptions,
    RetryOptions, StreamPosition, SubscribeToAllOptions, SubscriptionEvent, SubscriptionFilter,
};

/// A read's messages, with events reduced to their revision.
#[derive(Debug, PartialEq)]
enum Seen {
    Event(u64),
    First(u64),
    Last(u64),
}

async fn read_messages(
    client: &Client,
    stream: &str,
    options: ReadStreamOptions,
) -> Result<Vec<Seen>, Error> {
    within("stream read", async {
        let mut read = client.read_stream(stream, &options).await?;
        let mut seen = Vec::new();
        while let Some(message) = read.next_read_event().await? {
            seen.push(match message {
                ReadEvent::Event(e) => Seen::Event(e.get_original_event().revision),
                ReadEvent::FirstStreamPosition(r) => Seen::First(r),
                ReadEvent::LastStreamPosition(r) => Seen::Last(r),
                ReadEvent::LastAllStreamPosition(p) => panic!("a stream read sent {p:?}"),
            });
        }
        Ok(seen)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_reads_carry_the_first_and_last_stream_positions_a_node_sends() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client_for(&stand_in.url());
    let events = (0..5).map(|n| event("moved", n)).collect();
    append(&client, "flight-1", ExpectedRevision::NoStream, events).await;

    let forwards = ReadStreamOptions::default().forwards();
    let two = read_messages(&client, "flight-1", forwards.clone().max_count(2)).await;
    assert_eq!(
        two.unwrap(),
        [Seen::Event(0), Seen::Event(1), Seen::Last(4)],
        "the last position is the stream's, not the read's"
    );

    let back = ReadStreamOptions::default()
        .backwards()
        .position(StreamPosition::End)
        .max_count(2);
    let back = read_messages(&client, "flight-1", back).await;
    assert_eq!(
        back.unwrap(),
        [Seen::Event(4), Seen::Event(3), Seen::Last(4)]
    );

    // Just past the end: nothing to read and no first position, as the next revision is the
    // one asked for.
    let at_end = forwards.clone().position(StreamPosition::Position(5));
    let at_end = read_messages(&client, "flight-1", at_end).await;
    assert_eq!(at_end.unwrap(), [Seen::Last(4)]);

    // Further on, the node says where the stream's next revision is.
    let beyond = forwards.clone().position(StreamPosition::Position(9));
    let beyond = read_messages(&client, "flight-1", beyond).await;
    assert_eq!(beyond.unwrap(), [Seen::First(5), Seen::Last(4)]);

    // `position(End)` turns the read backwards; forwards must come after it.
    let from_end = ReadStreamOptions::default()
        .position(StreamPosition::End)
        .forwards();
    match read_messages(&client, "flight-1", from_end).await {
        // The client files UNKNOWN under server errors, keeping the status's text.
        Err(Error::ServerError(status)) => assert!(
            status.contains("Unknown") && status.contains("Unexpected ReadStreamResult: Error"),
            "{status}"
        ),
        other => panic!("a forwards read from the end must fail as on a node, got {other:?}"),
    }

    let missing = read_messages(&client, "flight-missing", ReadStreamOptions::default()).await;
    assert!(
        matches!(missing, Err(Error::ResourceNotFound)),
        "got {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_take_dotnet_regexes_and_an_invalid_one_is_refused_as_a_node_refuses_it() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client_for(&stand_in.url());
    for (n, stream) in ["flight-1", "gate-1", "flight-2"].into_iter().enumerate() {
        let e = vec![event("moved", n as u64)];
        append(&client, stream, ExpectedRevision::NoStream, e).await;
    }

    // An exclude filter as an adapter writes it: system streams and gates out, by look-ahead.
    let exclude = SubscriptionFilter::on_stream_name().regex(r"^(?!(\$.+$|gate-.*$))");
    let mut subscription = client
        .subscribe_to_all(&SubscribeToAllOptions::default().filter(exclude))
        .await;
    let mut seen = Vec::new();
    within("history", async {
        loop {
            match subscription
                .next_subscription_event()
                .await
                .expect("subscription")
            {
                SubscriptionEvent::EventAppeared(e) => seen.push(payload_n(&e)),
                SubscriptionEvent::CaughtUp => break,
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(seen, [0, 2], "flight-1 and flight-2 only");

    let invalid = SubscriptionFilter::on_event_type().regex("(unclosed");
    let mut refused = client
        .subscribe_to_all(&SubscribeToAllOptions::default().filter(invalid))
        .await;
    match within("refusal", refused.next_subscription_event()).await {
        Err(Error::ServerError(status)) => assert!(
            status.contains("Unknown") && status.contains("Exception was thrown by handler."),
            "{status}"
        ),
        other => panic!("an invalid regex must be refused, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_batch_appends_are_written_and_answered_per_batch() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client_for(&stand_in.url());
    let info = within("server info", client.server_info()).await.unwrap();
    let version = info.version();
    assert_eq!(
        (version.major(), version.minor(), version.patch()),
        (24, 10, 0)
    );

    // The client only opens a batch session when the node lists `batchappend`.
    let batch = within(
        "batch session",
        client.batch_append(&BatchAppendOptions::default()),
    )
    .await
    .expect("the node lists batch append");
    let mut last = Position {
        commit: 0,
        prepare: 0,
    };
    for (n, stream) in ["flight-1", "flight-2", "flight-1"].into_iter().enumerate() {
        let events = vec![
            event("moved", 2 * n as u64),
            event("moved", 2 * n as u64 + 1),
        ];
        let written = within(
            "batch append",
            batch.append_to_stream(stream, ExpectedRevision::Any, events),
        )
        .await
        .expect("batch written");
        assert_eq!(written.stream_name(), stream);
        let expected_revision = if n == 2 { 3 } else { 1 };
        assert_eq!(written.current_revision(), Some(expected_revision));
        let position = written.current_position().expect("a position");
        assert!(position.commit > last.commit, "{position:?} after {last:?}");
        last = position;
        // A node leaves the answer's expected position unset.
        assert_eq!(written.expected_version(), None);
    }
    assert_eq!(stand_in.event_count(), 6);

    let conflict = within(
        "conflicting batch",
        batch.append_to_stream("flight-2", ExpectedRevision::Exact(0), vec![event("x", 9)]),
    )
    .await;
    match conflict {
        Err(Error::Grpc { code, message }) => {
            assert_eq!(code, tonic::Code::AlreadyExists);
            assert_eq!(message, "WrongExpectedVersion");
        }
        other => panic!("expected the batch's WrongExpectedVersion status, got {other:?}"),
    }
    assert_eq!(stand_in.event_count(), 6, "a refused batch writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_go_away_answers_in_flight_arrive_and_subscriptions_carry_on() {
    let stand_in = StandIn::start().await.unwrap();
    let client = client_for(&stand_in.url());
    append(
        &client,
        "flight-1",
        ExpectedRevision::NoStream,
        vec![event("moved", 0)],
    )
    .await;

    let filter = SubscriptionFilter::on_stream_name().add_prefix("flight-");
    let options = SubscribeToAllOptions::default()
        .filter(filter)
        .retry_options(RetryOptions::default());
    let mut subscription = client.subscribe_to_all(&options).await;
    within("history", async {
        loop {
            match subscription
                .next_subscription_event()
                .await
                .expect("subscription")
            {
                SubscriptionEvent::CaughtUp => break,
                SubscriptionEvent::EventAppeared(e) => assert_eq!(payload_n(&e), 0),
                _ => {}
            }
        }
    })
    .await;

    // An append whose answer is held back: GOAWAY while it is written but unanswered.
    stand_in.set_delay(Duration::from_millis(300));
    let slow = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .append_to_stream(
                    "flight-1",
                    &expect(ExpectedRevision::Exact(0)),
                    vec![event("moved", 1)],
                )
                .await
        })
    };
    wait_until("the slow append is written", || stand_in.event_count() == 2).await;
    stand_in.go_away();
    let answered = within("the slow append's answer", slow)
        .await
        .expect("task");
    assert_eq!(
        answered
            .expect("answered despite GOAWAY")
            .next_expected_version,
        1
    );
    stand_in.set_delay(Duration::ZERO);

    // The subscription, ended by the node, resubscribes from where it was: no gap, no repeat.
    append(
        &client,
        "flight-1",
        ExpectedRevision::Exact(1),
        vec![event("moved", 2)],
    )
    .await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let e = within("live event", subscription.next())
            .await
            .expect("event");
        seen.push(payload_n(&e));
    }
    assert_eq!(seen, [1, 2]);
}
