//! The backend on a three-node EventStoreDB cluster, under load from 16 operators while
//! leadership moves and nodes die. EventStoreDB cannot run here: the `esdb-standin` crate's
//! cluster speaks its gRPC protocol (gossip, leader checks, not-leader answers) to the official
//! client, and the read model is the machine's Postgres.
//!
//! The promises kept through every fault: each command answers success or 503 (never a 500,
//! never later than the request timeout); every acknowledged command is in the log exactly once;
//! the projection follows the new leader from its checkpoint, and `verify` finds the read model
//! equal to a replay of the log.

use flightdeck_backend::config::{Config, EventsDb};
use flightdeck_backend::event_store::esdb::EsdbEventStore;
use flightdeck_backend::event_store::{
    EventStore, ExpectedRevision, NewEvent, RecordedEvent, StoreError,
};
use flightdeck_backend::read_model::{ReadDb, ReadModel};
use flightdeck_backend::verify::verify;
use flightdeck_backend::{start, Server};
use flightdeck_core::contract::{AuditEntry, Created, Outcome, Passenger, Problem};
use flightdeck_core::event::stream_name;
use flightdeck_core::{Event, PassengerStatus};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Operators sending commands at once, as the issue asks.
const OPERATORS: usize = 16;
/// The request timeout the backends run with, their default: every answer must come within it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// What the answer may take beyond the request timeout: the time to write it out on loopback.
const ANSWER_SLACK: Duration = Duration::from_secs(1);
/// Acknowledged commands between one fault and the next: enough that each phase runs on the
/// new topology, few enough that a run stays within a minute.
const PHASE: usize = 40;
/// Longest wait for a phase's acknowledgements; a backend that does not recover fails here.
const PHASE_LIMIT: Duration = Duration::from_secs(60);
/// Requests one operator sends at most, so that a backend answering 503 for ever cannot make
/// the load unbounded.
const MAX_REQUESTS: usize = 2_000;
/// How long an operator waits before repeating a command answered 503, as a client backs off.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// A three-node stand-in cluster, a fresh Postgres database and backends on both.
struct Stack {
    cluster: esdb_standin::Cluster,
    config: Config,
    servers: Vec<Server>,
    postgres: String,
    _dir: tempfile::TempDir,
}

impl Stack {
    /// `backends` backends on a new cluster, connected through the connection string `url`
    /// chooses; `None` (said loudly) when no Postgres runs here.
    async fn start(
        backends: usize,
        url: impl FnOnce(&esdb_standin::Cluster) -> String,
    ) -> Option<Stack> {
        let cluster = esdb_standin::Cluster::start(3)
            .await
            .expect("the stand-in cluster starts");
        let (read_url, postgres) = crate::support::fresh_postgres().await?;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::embedded(dir.path().to_owned());
        config.events = EventsDb::EventStoreDb(url(&cluster));
        config.read_db = ReadDb::Postgres(read_url);
        assert_eq!(config.request_timeout, REQUEST_TIMEOUT);
        let mut servers = Vec::new();
        for _ in 0..backends {
            servers.push(start(config.clone()).await.expect("the backend starts"));
        }
        Some(Stack {
            cluster,
            config,
            servers,
            postgres,
            _dir: dir,
        })
    }

    fn bases(&self) -> Vec<String> {
        self.servers
            .iter()
            .map(|s| format!("http://{}", s.addr()))
            .collect()
    }

    fn events_url(&self) -> &str {
        match &self.config.events {
            EventsDb::EventStoreDb(url) => url,
            other => panic!("the stack runs on EventStoreDB, not {other:?}"),
        }
    }

    async fn finish(self) {
        for server in self.servers {
            server.shutdown().await;
        }
        if let Ok(mut conn) = PgConnection::connect(&crate::support::postgres_admin_url()).await {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.postgres).as_str())
                .await;
        }
    }
}

/// What the operators were told, and how.
#[derive(Default)]
struct Tally {
    /// Flights whose creation was acknowledged.
    flights: Vec<Uuid>,
    /// Acknowledged check-ins, with their flight.
    passengers: Vec<(Uuid, Uuid)>,
    /// Acknowledged boardings.
    boarded: Vec<Uuid>,
    /// Answers: 200s with success, 503s, and the slowest answer.
    acknowledged: usize,
    unavailable: usize,
    slowest: Duration,
}

impl Tally {
    fn acknowledged(tally: &Mutex<Tally>) -> usize {
        tally.lock().expect("tally").acknowledged
    }
}

/// Sends one command until it is acknowledged, repeating it on a 503 as a client would (creates
/// carry an Idempotency-Key, so a repeat of one that was written is answered as the first was).
/// Returns the answer's body, or `None` once the load is over or the operator's budget is spent.
/// Panics on any answer but 200 with success or 503, and on one later than the request timeout.
async fn command(
    request: impl Fn() -> reqwest::RequestBuilder,
    what: &str,
    tally: &Mutex<Tally>,
    stop: &AtomicBool,
    sent: &mut usize,
) -> Option<Value> {
    while !stop.load(Ordering::Relaxed) && *sent < MAX_REQUESTS {
        *sent += 1;
        let started = Instant::now();
        let response = request()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: the backend did not answer: {e}"));
        let status = response.status().as_u16();
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{what}: answer {status} without a JSON body: {e}"));
        let took = started.elapsed();
        assert!(
            took <= REQUEST_TIMEOUT + ANSWER_SLACK,
            "{what}: answered {status} after {took:?}, past the request timeout"
        );
        {
            let mut tally = tally.lock().expect("tally");
            tally.slowest = tally.slowest.max(took);
            match status {
                200 => {
                    assert_eq!(body["success"], json!(true), "{what}: refused: {body}");
                    tally.acknowledged += 1;
                    return Some(body);
                }
                503 => {
                    let problem: Problem = serde_json::from_value(body.clone())
                        .unwrap_or_else(|e| panic!("{what}: a 503 without a problem body: {e}"));
                    assert!(
                        !problem.detail.is_empty(),
                        "{what}: a 503 that says nothing"
                    );
                    tally.unavailable += 1;
                }
                other => panic!("{what}: answered {other}, not success or 503: {body}"),
            }
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    }
    None
}

/// One operator: creates a flight, checks in two passengers, boards each, and again, until the
/// load stops; spreads its commands over every backend in `bases`.
async fn operator(
    client: reqwest::Client,
    bases: Vec<String>,
    n: usize,
    run: Uuid,
    tally: Arc<Mutex<Tally>>,
    stop: Arc<AtomicBool>,
) {
    let mut sent = 0;
    let mut turn = n;
    let mut base = || {
        turn += 1;
        bases[turn % bases.len()].clone()
    };
    for round in 0.. {
        let key = format!("{run}-{n}-{round}");
        let at = base();
        let flight_number = format!("CL{n}-{round}");
        let Some(created) = command(
            || {
                client
                    .post(format!("{at}/api/flights"))
                    .header("Idempotency-Key", format!("{key}-flight"))
                    .json(&json!({"origin": "ARN", "destination": "CPH", "flightNumber": flight_number}))
            },
            &format!("create flight {flight_number}"),
            &tally,
            &stop,
            &mut sent,
        )
        .await
        else {
            return;
        };
        let created: Created = serde_json::from_value(created).expect("Created");
        let flight = created.id;
        tally.lock().expect("tally").flights.push(flight);
        for name in ["Ann", "Bo"] {
            let at = base();
            let Some(checked_in) = command(
                || {
                    client
                        .post(format!("{at}/api/passengers"))
                        .header("Idempotency-Key", format!("{key}-{name}"))
                        .json(&json!({"name": name, "flightId": flight}))
                },
                &format!("check in {name} on {flight_number}"),
                &tally,
                &stop,
                &mut sent,
            )
            .await
            else {
                return;
            };
            let passenger = serde_json::from_value::<Created>(checked_in)
                .expect("Created")
                .id;
            tally
                .lock()
                .expect("tally")
                .passengers
                .push((flight, passenger));
            let at = base();
            let Some(boarded) = command(
                || {
                    client
                        .put(format!("{at}/api/passengers"))
                        .json(&json!({"id": passenger, "status": 2}))
                },
                &format!("board {name} on {flight_number}"),
                &tally,
                &stop,
                &mut sent,
            )
            .await
            else {
                return;
            };
            let _: Outcome = serde_json::from_value(boarded).expect("Outcome");
            tally.lock().expect("tally").boarded.push(passenger);
        }
    }
}

/// What happens to the cluster between phases of the load.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Node `i` wins an election; the former leader drops its connections.
    Elect(usize),
    /// Node `i` dies: its port refuses connections and its connections break.
    Kill(usize),
}

/// Figures of one run, for the test's output.
struct Figures {
    acknowledged: usize,
    unavailable: usize,
    leader_moves: usize,
    slowest: Duration,
    events: usize,
}

/// Runs 16 operators against `stack`'s backends, applying `faults` one by one, each after
/// `PHASE` more acknowledged commands; then checks every promise.
async fn load_through(stack: &Stack, faults: &[Fault]) -> Figures {
    let client = reqwest::Client::builder()
        // The backend must answer within the request timeout; the client waits a little longer
        // so that a late answer is seen as late rather than as no answer.
        .timeout(REQUEST_TIMEOUT * 3)
        .build()
        .expect("client");
    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let run = Uuid::new_v4();
    let operators: Vec<_> = (0..OPERATORS)
        .map(|n| {
            tokio::spawn(operator(
                client.clone(),
                stack.bases(),
                n,
                run,
                tally.clone(),
                stop.clone(),
            ))
        })
        .collect();
    let mut leader_moves = 0;
    let phase = |what: String| {
        let tally = tally.clone();
        async move {
            let target = Tally::acknowledged(&tally) + PHASE;
            crate::support::eventually(&what, PHASE_LIMIT, || {
                let done = Tally::acknowledged(&tally) >= target;
                async move { done }
            })
            .await;
        }
    };
    phase("the first commands to be acknowledged".into()).await;
    for fault in faults {
        let before = stack.cluster.leader();
        match *fault {
            Fault::Elect(node) => stack.cluster.elect(node),
            Fault::Kill(node) => stack.cluster.kill(node),
        }
        let after = stack.cluster.leader();
        assert!(after.is_some(), "a majority is alive, so someone leads");
        if after != before {
            leader_moves += 1;
        }
        eprintln!("{fault:?}: leader {before:?} -> {after:?}");
        phase(format!(
            "{PHASE} commands to be acknowledged after {fault:?}"
        ))
        .await;
    }
    stop.store(true, Ordering::Relaxed);
    for operator in operators {
        operator.await.expect("an operator failed");
    }
    let tally = Arc::into_inner(tally)
        .expect("operators done")
        .into_inner()
        .expect("tally");
    let events = check_promises(stack, &tally).await;
    Figures {
        acknowledged: tally.acknowledged,
        unavailable: tally.unavailable,
        leader_moves,
        slowest: tally.slowest,
        events,
    }
}

/// Every acknowledged command is in the log exactly once and shown by every backend; the
/// projection has applied every event once, in order; `verify` finds no difference. Returns the
/// number of events in the log.
async fn check_promises(stack: &Stack, tally: &Tally) -> usize {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT * 3)
        .build()
        .expect("client");
    for base in stack.bases() {
        crate::support::wait_ready(
            &client,
            &base,
            "every backend to be ready after the faults",
            PHASE_LIMIT,
        )
        .await;
    }

    // The whole log, acknowledged or not, through a client of its own on the cluster as it now
    // stands.
    let store = EsdbEventStore::connect(stack.events_url())
        .await
        .expect("connect to the cluster");
    let head = store
        .last_position()
        .await
        .expect("the newest position")
        .expect("the log holds events");
    let mut all = store.subscribe_all(None);
    let mut streams: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    let mut logged = 0;
    loop {
        let recorded = next(&mut all, "the whole log")
            .await
            .expect("the log goes on to its newest event")
            .expect("read the log");
        logged += 1;
        let event = recorded.event().expect("a readable event");
        streams.entry(recorded.stream).or_default().push(event);
        if recorded.position >= head {
            break;
        }
    }
    assert_eq!(
        logged,
        stack.cluster.event_count(),
        "every event is a flight's"
    );
    let mut seen = BTreeSet::new();
    for (stream, events) in &streams {
        for event in events {
            let what = match event {
                Event::FlightCreated { flight_id, .. } => format!("created {flight_id}"),
                Event::PassengerCheckedIn { passenger_id, .. } => {
                    format!("checked in {passenger_id}")
                }
                Event::PassengerBoarded { passenger_id, .. } => format!("boarded {passenger_id}"),
                // Derived: the last boarding completes a flight, the next check-in reopens it.
                Event::FlightAllBoarded { .. } | Event::FlightBoardingReopened { .. } => continue,
                other => panic!("{stream}: no operator sends what wrote {other:?}"),
            };
            assert!(seen.insert(what.clone()), "the log holds {what} twice");
        }
    }
    for flight in &tally.flights {
        assert!(
            seen.contains(&format!("created {flight}")),
            "acknowledged flight {flight} is not in the log"
        );
    }
    for (_, passenger) in &tally.passengers {
        assert!(
            seen.contains(&format!("checked in {passenger}")),
            "acknowledged check-in of {passenger} is not in the log"
        );
    }
    for passenger in &tally.boarded {
        assert!(
            seen.contains(&format!("boarded {passenger}")),
            "acknowledged boarding of {passenger} is not in the log"
        );
    }

    // What the read model shows, through every backend.
    for base in stack.bases() {
        for (flight, passenger) in &tally.passengers {
            let shown: Passenger = client
                .get(format!("{base}/api/passengers/{passenger}"))
                .send()
                .await
                .expect("GET sent")
                .json()
                .await
                .unwrap_or_else(|e| panic!("passenger {passenger} of {flight} is not shown: {e}"));
            assert_eq!(shown.flight_id, *flight);
            if tally.boarded.contains(passenger) {
                assert_eq!(shown.status, PassengerStatus::Boarded);
            }
        }
        let flights: BTreeSet<Uuid> = client
            .get(format!("{base}/api/flights"))
            .send()
            .await
            .expect("GET sent")
            .json::<Vec<flightdeck_core::contract::Flight>>()
            .await
            .expect("flights")
            .into_iter()
            .map(|f| f.id)
            .collect();
        for flight in &tally.flights {
            assert!(
                flights.contains(flight),
                "acknowledged flight {flight} is not shown"
            );
        }
    }

    // The projection applied each event once, in the log's order, and nothing else.
    let audit: Vec<AuditEntry> = client
        .get(format!("{}/api/auditlog/all", stack.bases()[0]))
        .send()
        .await
        .expect("GET sent")
        .json()
        .await
        .expect("audit log");
    let positions: Vec<u64> = audit.iter().filter_map(|e| e.position).collect();
    assert_eq!(positions.len(), audit.len(), "every entry has a position");
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "the audit log is in the log's order, with no event twice"
    );
    assert_eq!(
        audit.len(),
        stack.cluster.event_count(),
        "the projection applied every event of the log once"
    );

    let read_model = ReadModel::open(&stack.config.read_db)
        .await
        .expect("open the read model");
    let report = verify(&store, &read_model).await.expect("verify runs");
    assert_eq!(report.differences, Vec::<String>::new());
    assert_eq!(report.pending, 0, "nothing left unapplied");
    assert_eq!(report.events, stack.cluster.event_count());
    report.events
}

/// The run, through gossip seeds (`esdb://h1,h2,h3?nodePreference=leader`): leadership
/// moves twice and a follower dies while 16 operators work.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cluster_leader_moves_twice_and_a_follower_dies_under_load_through_seeds() {
    let Some(stack) = Stack::start(1, esdb_standin::Cluster::connection_string).await else {
        return;
    };
    assert!(
        stack.events_url().starts_with("esdb://") && stack.events_url().contains(','),
        "every node a seed: {}",
        stack.events_url()
    );
    let figures = load_through(&stack, &[Fault::Elect(1), Fault::Kill(2), Fault::Elect(0)]).await;
    report("seeds, one backend", &figures);
    assert_eq!(figures.leader_moves, 2);
    stack.finish().await;
}

/// Two backends on one cluster and one Postgres, through discovery (`esdb+discover://`): the
/// leader is deposed, then its successor dies, while 16 operators spread their commands over
/// both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cluster_two_backends_keep_the_promises_when_the_leader_dies_through_discovery() {
    let Some(stack) = Stack::start(2, esdb_standin::Cluster::discover_string).await else {
        return;
    };
    assert!(stack.events_url().starts_with("esdb+discover://"));
    // Node 0 is the discovery endpoint, and stays alive: the client reads gossip from that one
    // address (`grpc.rs`, `node_selection`), with no DNS lookup that could name another.
    let figures = load_through(&stack, &[Fault::Elect(2), Fault::Kill(2)]).await;
    report("discovery, two backends", &figures);
    assert_eq!(figures.leader_moves, 2);
    assert_eq!(
        stack.cluster.state(2),
        (esdb_standin::NodeState::Leader, false)
    );
    stack.finish().await;
}

fn report(what: &str, figures: &Figures) {
    eprintln!(
        "cluster ({what}): {} commands acknowledged, {} answered 503, {} leader moves, slowest answer {:?}, {} events verified",
        figures.acknowledged, figures.unavailable, figures.leader_moves, figures.slowest, figures.events
    );
    assert!(figures.acknowledged >= PHASE, "the load ran");
}

/// A flight event for the adapter tests.
fn checked_in(flight: Uuid, name: &str) -> Vec<NewEvent> {
    let event = Event::PassengerCheckedIn {
        flight_id: flight,
        passenger_id: Uuid::new_v4(),
        name: name.into(),
    };
    vec![NewEvent {
        event_id: Uuid::new_v4(),
        event_type: event.event_type().into(),
        data: event.data(),
    }]
}

/// The next event of a subscription, or its failure; the wait is bounded.
async fn next(
    events: &mut BoxStream<'static, Result<RecordedEvent, StoreError>>,
    what: &str,
) -> Option<Result<RecordedEvent, StoreError>> {
    tokio::time::timeout(PHASE_LIMIT, events.next())
        .await
        .unwrap_or_else(|_| panic!("no event nor failure in time: {what}"))
}

/// The adapter alone on the official client: after its leader is deposed, and after the new
/// leader dies, an append succeeds (repeated at most within its budget, never stuck on a dead
/// node), reads see every event, and a subscription that broke is followed from its last event.
async fn adapter_follows_the_leader(url: impl FnOnce(&esdb_standin::Cluster) -> String) {
    let cluster = esdb_standin::Cluster::start(3)
        .await
        .expect("the stand-in cluster starts");
    let store = EsdbEventStore::connect(&url(&cluster))
        .await
        .expect("connect to the cluster");
    let flight = Uuid::new_v4();
    let stream = stream_name(flight);
    let mut following = store.subscribe_all(None);
    let mut last = None;
    let mut revision = None;
    for (step, fault) in [None, Some(Fault::Elect(1)), Some(Fault::Kill(1))]
        .into_iter()
        .enumerate()
    {
        match fault {
            None => {}
            Some(Fault::Elect(node)) => cluster.elect(node),
            Some(Fault::Kill(node)) => cluster.kill(node),
        }
        let expected = match revision {
            None => ExpectedRevision::NoStream,
            Some(r) => ExpectedRevision::Exact(r),
        };
        let appended = store
            .append(&stream, expected, checked_in(flight, &format!("P{step}")))
            .await
            .unwrap_or_else(|e| panic!("append after {fault:?}: {e}"));
        revision = Some(appended.revision);
        assert_eq!(appended.revision, step as u64);
        let recorded = store.read_stream(&stream).await.expect("read the stream");
        assert_eq!(recorded.len(), step + 1, "after {fault:?}");
        assert_eq!(
            store.last_position().await.expect("the newest position"),
            Some(appended.position)
        );
        // The subscription either delivers the event, or fails once because its node went
        // away; then a new one from the last event delivered must deliver it.
        let event = match next(&mut following, &format!("after {fault:?}")).await {
            Some(Ok(event)) => event,
            failed => {
                assert!(
                    fault.is_some(),
                    "the subscription failed unprovoked: {failed:?}"
                );
                following = store.subscribe_all(last);
                next(&mut following, &format!("resubscribed after {fault:?}"))
                    .await
                    .expect("a new subscription delivers")
                    .unwrap_or_else(|e| panic!("the new subscription after {fault:?}: {e}"))
            }
        };
        assert_eq!(event.position, appended.position, "after {fault:?}");
        last = Some(event.position);
    }
    assert_eq!(cluster.leader(), Some(0));
    assert_eq!(cluster.state(1), (esdb_standin::NodeState::Leader, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_event_store_follows_a_deposed_and_a_dead_leader_through_seeds() {
    adapter_follows_the_leader(esdb_standin::Cluster::connection_string).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_event_store_follows_a_deposed_and_a_dead_leader_through_discovery() {
    adapter_follows_the_leader(esdb_standin::Cluster::discover_string).await;
}

/// How long every node of the cluster holds each answer in the test below: longer than the
/// official client's own append deadline (10 s), shorter than the request timeout.
const SILENCE: Duration = Duration::from_secs(12);

/// A cluster whose nodes stop answering without closing their connections, as machines that
/// vanish from the network do: commands answer 503 within the request timeout, whether they
/// were waiting on a read or on an append; once the nodes answer again, repeating them succeeds
/// and writes nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_that_stops_answering_gets_503s_within_the_request_timeout() {
    let Some(stack) = Stack::start(1, esdb_standin::Cluster::connection_string).await else {
        return;
    };
    let base = stack.bases()[0].clone();
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT * 3)
        .build()
        .expect("client");
    let create = |key: &'static str| {
        client
            .post(format!("{base}/api/flights"))
            .header("Idempotency-Key", key)
            .json(&json!({"origin": "ARN", "destination": "CPH", "flightNumber": key}))
    };
    let known: Created = create("SK1")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("Created");
    assert!(known.success, "{:?}", known.error);
    let check_in = || {
        client
            .post(format!("{base}/api/passengers"))
            .header("Idempotency-Key", "SK1-Ann")
            .json(&json!({"name": "Ann", "flightId": known.id}))
    };

    stack.cluster.set_delay(SILENCE);
    // A new flight is read from the log first; a check-in on the flight this backend just wrote
    // goes straight to its append, which the nodes write but do not answer.
    let timed = |request: reqwest::RequestBuilder| async move {
        let started = Instant::now();
        let response = request.send().await.expect("the backend answers");
        (response.status().as_u16(), started.elapsed())
    };
    let ((read, read_took), (append, append_took)) =
        tokio::join!(timed(create("SK2")), timed(check_in()));
    eprintln!("silent cluster: read path {read} after {read_took:?}, append path {append} after {append_took:?}");
    assert_eq!(read, 503, "a command whose read gets no answer");
    assert_eq!(append, 503, "a command whose append gets no answer");
    assert!(read_took < REQUEST_TIMEOUT, "{read_took:?}");
    assert!(append_took < REQUEST_TIMEOUT, "{append_took:?}");

    stack.cluster.set_delay(Duration::ZERO);
    crate::support::wait_ready(
        &client,
        &base,
        "the backend to be ready once the nodes answer",
        PHASE_LIMIT,
    )
    .await;
    for (what, request) in [("create SK2", create("SK2")), ("check in Ann", check_in())] {
        let response = request.send().await.expect("sent");
        assert_eq!(response.status(), 200, "{what} repeated");
        let created: Created = response.json().await.expect("Created");
        assert!(created.success, "{what}: {:?}", created.error);
    }
    let store = EsdbEventStore::connect(stack.events_url())
        .await
        .expect("connect to the cluster");
    let sk1 = store
        .read_stream(&stream_name(known.id))
        .await
        .expect("read SK1");
    assert_eq!(sk1.len(), 2, "SK1 created and Ann checked in, once each");
    assert_eq!(
        stack.cluster.event_count(),
        3,
        "two flights and one check-in, nothing written twice"
    );
    let report = verify(
        &store,
        &ReadModel::open(&stack.config.read_db)
            .await
            .expect("read model"),
    )
    .await
    .expect("verify runs");
    assert_eq!(report.differences, Vec::<String>::new());
    stack.finish().await;
}

/// A connection string may prefer followers, but a follower's log can be behind its leader's and
/// a command must decide on the newest state, so every call requires the leader. With two of
/// three nodes dead nobody leads: the last node then refuses reads and subscriptions instead of
/// serving them from its own log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_reads_never_come_from_a_follower_whatever_the_connection_string_prefers() {
    let cluster = esdb_standin::Cluster::start(3)
        .await
        .expect("the stand-in cluster starts");
    let url = cluster
        .connection_string()
        .replace("nodePreference=leader", "nodePreference=follower");
    assert!(url.contains("nodePreference=follower"), "{url}");
    let store = EsdbEventStore::connect(&url)
        .await
        .expect("connect to the cluster");
    let flight = Uuid::new_v4();
    let stream = stream_name(flight);
    store
        .append(
            &stream,
            ExpectedRevision::NoStream,
            checked_in(flight, "Ann"),
        )
        .await
        .expect("an append reaches the leader");
    assert_eq!(store.read_stream(&stream).await.expect("read").len(), 1);

    cluster.kill(2);
    cluster.kill(0);
    assert_eq!(cluster.leader(), None, "one node of three cannot lead");
    match store.read_stream(&stream).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("a read without a leader must be refused, not {other:?}"),
    }
    let mut following = store.subscribe_all(None);
    match next(&mut following, "a subscription without a leader").await {
        Some(Err(StoreError::Unavailable(_))) => {}
        other => panic!("a subscription without a leader must fail, not {other:?}"),
    }
}

/// The cluster's compose file, read as YAML: no container engine runs here.
fn cluster_compose() -> serde_yaml::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docker-compose.cluster.yml");
    let text = std::fs::read_to_string(path).expect("docker-compose.cluster.yml at the root");
    serde_yaml::from_str(&text).expect("docker-compose.cluster.yml is YAML")
}

fn scalar(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn environment(service: &serde_yaml::Value) -> BTreeMap<String, String> {
    service["environment"]
        .as_mapping()
        .expect("environment as a mapping")
        .iter()
        .map(|(k, v)| (scalar(k), scalar(v)))
        .collect()
}

/// The services whose `key` satisfies `pick`, by name.
fn services_where(
    compose: &serde_yaml::Value,
    pick: impl Fn(&serde_yaml::Value) -> bool,
) -> BTreeMap<String, serde_yaml::Value> {
    compose["services"]
        .as_mapping()
        .expect("services")
        .iter()
        .filter(|(_, service)| pick(service))
        .map(|(name, service)| (scalar(name), service.clone()))
        .collect()
}

/// The backend's configuration from a compose environment. Each variable is turned into the
/// flag that reads it, rather than set in this process's environment, which the other tests of
/// this binary read while they run (`fresh_postgres` reads `DATABASE_URL`). A variable the
/// backend does not read is an error, except the logger's `RUST_LOG`.
fn backend_config(env: &BTreeMap<String, String>) -> Config {
    use clap::{CommandFactory, Parser};
    use flightdeck_backend::config::Args;
    let command = Args::command();
    let mut flags = vec!["flightdeck-backend".to_owned()];
    for (key, value) in env {
        if key == "RUST_LOG" {
            continue;
        }
        let arg = command
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == key.as_str()))
            .unwrap_or_else(|| panic!("the backend reads no {key}"));
        let long = arg.get_long().expect("every variable has a flag");
        flags.push(format!("--{long}"));
        flags.push(value.clone());
    }
    Args::try_parse_from(flags)
        .expect("the compose environment parses")
        .into_config()
        .expect("the compose environment is a valid configuration")
}

fn depends_on_healthy(service: &serde_yaml::Value, dependency: &str) -> bool {
    service["depends_on"][dependency]["condition"].as_str() == Some("service_healthy")
}

#[test]
fn cluster_compose_runs_three_nodes_two_backends_and_a_proxy_the_backend_accepts() {
    let compose = cluster_compose();
    let names = |services: &BTreeMap<String, serde_yaml::Value>| -> BTreeSet<String> {
        services.keys().cloned().collect()
    };

    // Three EventStoreDB 24.10 nodes that find each other by gossip and advertise their names.
    let nodes = services_where(&compose, |s| {
        s["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("eventstore/eventstore:"))
    });
    assert_eq!(nodes.len(), 3, "three nodes: {:?}", names(&nodes));
    let mut volumes = BTreeSet::new();
    for (name, node) in &nodes {
        let image = node["image"].as_str().expect("image");
        let tag = image.rsplit_once(':').expect("a pinned tag").1;
        let mut parts = tag
            .split('.')
            .map(|p| p.parse::<u32>().expect("a numeric tag"));
        let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        assert!(
            version >= (24, 10),
            "{name}: EventStoreDB 24.10 or later, not {tag}"
        );
        let env = environment(node);
        assert_eq!(
            env["EVENTSTORE_CLUSTER_SIZE"],
            nodes.len().to_string(),
            "{name}"
        );
        assert_eq!(env["EVENTSTORE_INSECURE"], "true", "{name}");
        assert_eq!(
            env["EVENTSTORE_DISCOVER_VIA_DNS"], "false",
            "{name}: seeds, not DNS"
        );
        assert_eq!(env["EVENTSTORE_NODE_HOST_ADVERTISE_AS"], *name);
        assert_eq!(env["EVENTSTORE_REPLICATION_HOST_ADVERTISE_AS"], *name);
        let port = &env["EVENTSTORE_NODE_PORT"];
        let seeds: BTreeSet<String> = env["EVENTSTORE_GOSSIP_SEED"]
            .split(',')
            .map(str::to_owned)
            .collect();
        let others: BTreeSet<String> = nodes
            .keys()
            .filter(|other| *other != name)
            .map(|other| format!("{other}:{port}"))
            .collect();
        assert_eq!(
            seeds, others,
            "{name} seeds its gossip with the other nodes"
        );
        let test = node["healthcheck"]["test"]
            .as_sequence()
            .expect("a healthcheck");
        assert!(
            test.iter()
                .any(|t| scalar(t).contains(&format!("localhost:{port}/health/live"))),
            "{name}: {test:?}"
        );
        let volume = node["volumes"][0].as_str().expect("a data volume");
        let (volume, mount) = volume.split_once(':').expect("volume:path");
        assert_eq!(mount, "/var/lib/eventstore", "{name}");
        assert!(
            compose["volumes"].get(volume).is_some(),
            "{volume} is declared"
        );
        assert!(
            volumes.insert(volume.to_owned()),
            "{name} has a volume of its own"
        );
    }

    let postgres = &compose["services"]["postgres"];
    assert!(postgres["image"]
        .as_str()
        .is_some_and(|i| i.starts_with("postgres:")));
    assert!(postgres["healthcheck"]["test"].is_sequence());

    // Two backends, built from the backend's Dockerfile, on the same stores: every node a seed,
    // the leader required, Postgres for the read model, reachable only through the proxy.
    let backends = services_where(&compose, |s| {
        s["build"]["dockerfile"].as_str() == Some("backend/Dockerfile")
    });
    assert_eq!(backends.len(), 2, "two backends: {:?}", names(&backends));
    let environments: BTreeSet<_> = backends.values().map(environment).collect();
    assert_eq!(environments.len(), 1, "both backends use the same stores");
    let mut bind_port = None;
    for (name, backend) in &backends {
        let config = backend_config(&environment(backend));
        assert!(
            config.bind.ip().is_unspecified(),
            "{name} listens beyond its container"
        );
        bind_port = Some(config.bind.port());
        let EventsDb::EventStoreDb(url) = &config.events else {
            panic!("{name} uses EventStoreDB, not {:?}", config.events);
        };
        let settings: eventstore::ClientSettings = url.parse().expect("the client takes it");
        let hosts: BTreeSet<String> = settings
            .hosts()
            .iter()
            .map(|h| format!("{}:{}", h.host, h.port))
            .collect();
        let advertised: BTreeSet<String> = nodes
            .iter()
            .map(|(node, service)| {
                format!("{node}:{}", environment(service)["EVENTSTORE_NODE_PORT"])
            })
            .collect();
        assert_eq!(hosts, advertised, "{name}: every node is a gossip seed");
        assert!(!settings.is_dns_discovery_enabled(), "{name}");
        assert_eq!(
            settings.node_preference(),
            eventstore::NodePreference::Leader
        );
        assert!(!settings.is_secure_mode_enabled(), "the nodes run insecure");
        match &config.read_db {
            ReadDb::Postgres(url) => assert!(url.contains("@postgres:5432/"), "{name}: {url}"),
            other => panic!("{name} keeps its read model in Postgres, not {other:?}"),
        }
        for dependency in nodes.keys().map(String::as_str).chain(["postgres"]) {
            assert!(
                depends_on_healthy(backend, dependency),
                "{name} starts after {dependency} is healthy"
            );
        }
        assert!(
            backend["ports"].is_null(),
            "{name} is reached through the proxy only"
        );
    }
    let bind_port = bind_port.expect("a backend");

    // The proxy: the one published port, 5000 (the original web client's), spreading requests
    // over both backends.
    let proxies = services_where(&compose, |s| {
        s["image"].as_str().is_some_and(|i| i.starts_with("caddy:"))
    });
    assert_eq!(proxies.len(), 1, "one proxy");
    let (name, proxy) = proxies.iter().next().expect("the proxy");
    let ports: Vec<String> = proxy["ports"]
        .as_sequence()
        .expect("ports")
        .iter()
        .map(scalar)
        .collect();
    assert_eq!(
        ports,
        ["5000:5000"],
        "the original web client calls http://localhost:5000/api"
    );
    let published: Vec<&String> = compose["services"]
        .as_mapping()
        .expect("services")
        .iter()
        .filter(|(_, s)| s["ports"].is_sequence())
        .map(|(n, _)| match n {
            serde_yaml::Value::String(n) => n,
            other => panic!("a service name: {other:?}"),
        })
        .collect();
    assert_eq!(published, [name], "only the proxy is published");
    let mount = proxy["volumes"][0].as_str().expect("the Caddyfile mounted");
    let (file, target) = mount.split_once(':').expect("file:path");
    assert!(target.starts_with("/etc/caddy/Caddyfile"), "{target}");
    let caddyfile = std::fs::read_to_string(format!(
        "{}/../{}",
        env!("CARGO_MANIFEST_DIR"),
        file.trim_start_matches("./")
    ))
    .expect("the Caddyfile is in the repository");
    assert!(
        caddyfile.contains(":5000 {"),
        "Caddy listens on the published port"
    );
    let upstreams = caddyfile
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("reverse_proxy "))
        .expect("a reverse_proxy directive");
    let upstreams: BTreeSet<&str> = upstreams.trim_end_matches('{').split_whitespace().collect();
    let expected: BTreeSet<String> = backends
        .keys()
        .map(|backend| format!("{backend}:{bind_port}"))
        .collect();
    assert_eq!(
        upstreams,
        expected.iter().map(String::as_str).collect(),
        "Caddy proxies to every backend on the port it listens on"
    );
    assert!(caddyfile.contains("health_uri /health/live"));
    let depends: BTreeSet<String> = proxy["depends_on"]
        .as_sequence()
        .expect("depends_on")
        .iter()
        .map(scalar)
        .collect();
    assert_eq!(depends, names(&backends));
}
