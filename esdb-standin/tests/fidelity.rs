//! What a 24.10 node does that the official client makes visible: the first/last stream
//! position messages of stream reads and filter regexes with .NET syntax.

mod common;

use common::{append, client_for, event, payload_n, within};
use esdb_standin::StandIn;
use eventstore::{
    Client, Error, ExpectedRevision, ReadEvent, ReadStreamOptions, StreamPosition,
    SubscribeToAllOptions, SubscriptionEvent, SubscriptionFilter,
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
