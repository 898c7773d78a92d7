//! A three-node stand-in cluster through the official client: connecting by gossip seeds and
//! by discovery, the not-leader redirect, an election the client follows, and dead nodes.

use std::time::Duration;

use crate::common::{append, client_for, event, expect, payload_n, within};
use esdb_standin::{Cluster, NodeState};
use eventstore::{
    Client, Error, ExpectedRevision, ReadStreamOptions, RetryOptions, SubscribeToAllOptions,
    Subscription, SubscriptionEvent, SubscriptionFilter,
};

async fn read_count(client: &Client, stream: &str) -> usize {
    within("read", async {
        let mut read = client
            .read_stream(stream, &ReadStreamOptions::default())
            .await
            .expect("read call");
        let mut count = 0;
        while read.next().await.expect("read event").is_some() {
            count += 1;
        }
        count
    })
    .await
}

/// Appends `n` at `revision`, retrying while the client finds its way to the leader; fixed
/// event ids make a retry of an append that did land harmless.
async fn append_retrying(client: &Client, stream: &str, revision: ExpectedRevision, n: u64) {
    let data = event("moved", n).id(uuid::Uuid::from_u64_pair(0xc1, n));
    within("append with retries", async {
        loop {
            match client
                .append_to_stream(stream, &expect(revision), data.clone())
                .await
            {
                Ok(_) => return,
                Err(Error::WrongExpectedVersion { .. }) => panic!("append {n} conflicted"),
                // Not the leader, or the connection broke: the client reconnects by itself.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
    .await
}

async fn caught_up(subscription: &mut Subscription) -> Vec<u64> {
    let mut seen = Vec::new();
    within("history", async {
        loop {
            match subscription
                .next_subscription_event()
                .await
                .expect("subscription")
            {
                SubscriptionEvent::EventAppeared(e) => seen.push(payload_n(&e)),
                SubscriptionEvent::CaughtUp => return,
                _ => {}
            }
        }
    })
    .await;
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_finds_the_leader_through_gossip_seeds_and_through_discovery() {
    let cluster = Cluster::start(3).await.unwrap();
    // Node 0, the first seed and the discovery endpoint, is then a follower: the client has to
    // follow gossip to find the leader.
    cluster.elect(2);
    assert_eq!(cluster.state(0), (NodeState::Follower, true));
    assert_eq!(cluster.state(2), (NodeState::Leader, true));

    for (n, connection_string) in [cluster.connection_string(), cluster.discover_string()]
        .into_iter()
        .enumerate()
    {
        let client = client_for(&connection_string);
        // `nodePreference=leader` makes every call require the leader, which a follower
        // refuses: succeeding at the first attempt means the client went to the leader.
        let stream = format!("flight-{n}");
        let written = within(
            "first append",
            client.append_to_stream(
                stream.as_str(),
                &expect(ExpectedRevision::NoStream),
                event("created", n as u64),
            ),
        )
        .await;
        assert!(written.is_ok(), "{connection_string}: {written:?}");
        assert_eq!(read_count(&client, &stream).await, 1);
    }
    assert_eq!(cluster.event_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_sent_to_a_follower_is_redirected_to_the_leader() {
    let cluster = Cluster::start(3).await.unwrap();
    let leader = cluster.leader().expect("a leader");
    let follower = (leader + 1) % 3;
    // One host, no gossip: the client starts on the follower.
    let url = format!("{}&nodePreference=leader", cluster.node_url(follower));
    let client = client_for(&url);

    let first = within(
        "append on the follower",
        client.append_to_stream(
            "flight-1",
            &expect(ExpectedRevision::NoStream),
            event("created", 0),
        ),
    )
    .await;
    match first {
        Err(Error::NotLeaderException(endpoint)) => {
            assert_eq!(endpoint.host, "127.0.0.1");
            assert_eq!(endpoint.port, u32::from(cluster.addr(leader).port()));
        }
        other => panic!("the follower must name the leader, got {other:?}"),
    }
    assert_eq!(cluster.event_count(), 0, "the follower wrote nothing");

    // The client has reconnected to the endpoint the follower named.
    let again = within(
        "append after the redirect",
        client.append_to_stream(
            "flight-1",
            &expect(ExpectedRevision::NoStream),
            event("created", 0),
        ),
    )
    .await;
    assert_eq!(
        again.expect("written by the leader").next_expected_version,
        0
    );
    assert_eq!(cluster.event_count(), 1);

    // Without `requires-leader` a follower forwards the write instead, as a node does. The
    // client sends the header unless told to prefer followers (its default is the leader).
    let url = format!("{}&nodePreference=follower", cluster.node_url(follower));
    let forwarding = client_for(&url);
    append(
        &forwarding,
        "flight-1",
        ExpectedRevision::Exact(0),
        vec![event("boarded", 1)],
    )
    .await;
    assert_eq!(read_count(&forwarding, "flight-1").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_election_moves_the_leader_and_the_client_and_its_subscription_follow() {
    let cluster = Cluster::start(3).await.unwrap();
    let client = client_for(&cluster.connection_string());
    append(
        &client,
        "flight-1",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;
    let filter = SubscriptionFilter::on_stream_name().add_prefix("flight-");
    let options = SubscribeToAllOptions::default()
        .filter(filter)
        .retry_options(RetryOptions::default());
    let mut subscription = client.subscribe_to_all(&options).await;
    assert_eq!(caught_up(&mut subscription).await, [0]);

    let mut seen = Vec::new();
    for (round, next_leader) in [1usize, 2].into_iter().enumerate() {
        cluster.elect(next_leader);
        assert_eq!(cluster.leader(), Some(next_leader));
        let n = round as u64 + 1;
        append_retrying(&client, "flight-1", ExpectedRevision::Exact(n - 1), n).await;
        // The subscription lost its connection with the old leader, was refused there as a
        // follower, and resubscribed on the new leader from its last event.
        let e = within("live event", subscription.next())
            .await
            .expect("event");
        seen.push(payload_n(&e));
    }
    assert_eq!(seen, [1, 2], "each event once, in order");
    assert_eq!(cluster.event_count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_keeps_serving_when_nodes_die() {
    let cluster = Cluster::start(3).await.unwrap();
    let client = client_for(&cluster.connection_string());
    append(
        &client,
        "flight-1",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;

    let leader = cluster.leader().expect("a leader");
    let follower = (leader + 1) % 3;
    cluster.kill(follower);
    assert_eq!(cluster.state(follower), (NodeState::Follower, false));
    assert_eq!(cluster.leader(), Some(leader));
    append(
        &client,
        "flight-1",
        ExpectedRevision::Exact(0),
        vec![event("boarded", 1)],
    )
    .await;
    assert_eq!(read_count(&client, "flight-1").await, 2);

    // The leader dies too: the last node alone is no majority, so nobody leads and a new
    // client, asking every seed, finds no leader to write to.
    let last = (0..3)
        .find(|&i| i != leader && i != follower)
        .expect("a node");
    cluster.kill(leader);
    assert_eq!(cluster.leader(), None);
    assert_eq!(cluster.state(last), (NodeState::Follower, true));
    let stranded = client_for(&cluster.connection_string());
    let refused = within(
        "append without a leader",
        stranded.append_to_stream(
            "flight-1",
            &expect(ExpectedRevision::Exact(1)),
            event("departed", 2),
        ),
    )
    .await;
    // UNAVAILABLE "Server Is Not Ready", which the client files under server errors.
    match refused {
        Err(Error::ServerError(status)) => assert!(status.contains("Server Is Not Ready")),
        other => panic!("expected the not-ready refusal, got {other:?}"),
    }
    assert_eq!(cluster.event_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_leader_is_replaced_while_a_majority_lives() {
    let cluster = Cluster::start(3).await.unwrap();
    let first = cluster.leader().expect("a leader");
    cluster.kill(first);
    let next = cluster.leader().expect("a new leader");
    assert_ne!(next, first);
    assert_eq!(cluster.state(first), (NodeState::Leader, false));

    // A new client asks the seeds' gossip, the dead one included, and finds the new leader.
    let client = client_for(&cluster.connection_string());
    append(
        &client,
        "flight-1",
        ExpectedRevision::NoStream,
        vec![event("created", 0)],
    )
    .await;
    let discovered = client_for(&cluster.discover_string());
    assert_eq!(read_count(&discovered, "flight-1").await, 1);
}
