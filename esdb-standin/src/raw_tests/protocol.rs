//! Raw-protocol tests of a single node: the supported-methods list, batch appends in chunks
//! with their deadlines and error details, and GOAWAY.

use super::*;

#[tokio::test]
async fn server_features_list_what_the_stand_in_serves_as_a_24_10_node_names_it() {
    let stand_in = StandIn::start().await.expect("stand-in");
    let addr = stand_in.cluster.addr(0);
    let path = "/event_store.client.server_features.ServerFeatures/GetSupportedMethods";
    let answer: SupportedMethods = unary(addr, path, Empty {}).await.expect("features");
    assert_eq!(answer.event_store_server_version, "24.10.0");
    let listed: Vec<(String, String, Vec<String>)> = answer
        .methods
        .into_iter()
        .map(|m| (m.service_name, m.method_name, m.features))
        .collect();
    let expected: Vec<(String, String, Vec<String>)> = SUPPORTED_METHODS
        .iter()
        .map(|(s, m, f)| {
            let features = f.iter().map(|f| f.to_string()).collect();
            (s.to_string(), m.to_string(), features)
        })
        .collect();
    assert_eq!(listed, expected);
    assert!(listed.contains(&(
        "event_store.client.streams.streams".into(),
        "batchappend".into(),
        vec!["deadline_duration".into()]
    )));
}

#[tokio::test]
async fn a_batch_in_chunks_is_written_once_when_final_and_answered_with_its_correlation() {
    let stand_in = StandIn::start().await.expect("stand-in");
    let (tx, mut answers) = batch_append(stand_in.cluster.addr(0)).await;
    let long = Duration::from_secs(60);

    tx.send(BatchAppendReq {
        correlation_id: Some(correlation(1)),
        options: Some(options(
            "flight-1",
            ExpectedStreamPosition::NoStream(Empty {}),
            long,
        )),
        proposed_messages: vec![proposed(1, b"{}".to_vec()), proposed(2, b"{}".to_vec())],
        is_final: false,
    })
    .await
    .expect("send");
    // Events for a batch nobody opened are ignored.
    tx.send(BatchAppendReq {
        correlation_id: Some(correlation(99)),
        options: None,
        proposed_messages: vec![proposed(99, b"{}".to_vec())],
        is_final: true,
    })
    .await
    .expect("send");
    tx.send(BatchAppendReq {
        correlation_id: Some(correlation(1)),
        options: None,
        proposed_messages: vec![proposed(3, b"{}".to_vec())],
        is_final: true,
    })
    .await
    .expect("send");

    let answer = next_answer(&mut answers).await;
    assert_eq!(answer.correlation_id, Some(correlation(1)));
    assert_eq!(
        answer.stream_identifier.map(|s| s.stream_name),
        Some(b"flight-1".to_vec())
    );
    assert_eq!(
        answer.expected_stream_position, None,
        "a node never sets it"
    );
    let Some(batch_append_resp::Result::Success(success)) = answer.result else {
        panic!("expected a success, got {:?}", answer.result);
    };
    assert_eq!(
        success.current_revision_option,
        Some(success::CurrentRevisionOption::CurrentRevision(2))
    );
    assert!(matches!(
        success.position_option,
        Some(success::PositionOption::Position(_))
    ));
    assert_eq!(stand_in.event_count(), 3);

    // The same expected position again: the stream exists now.
    tx.send(BatchAppendReq {
        correlation_id: Some(correlation(2)),
        options: Some(options(
            "flight-1",
            ExpectedStreamPosition::StreamPosition(7),
            long,
        )),
        proposed_messages: vec![proposed(4, b"{}".to_vec())],
        is_final: true,
    })
    .await
    .expect("send");
    let answer = next_answer(&mut answers).await;
    assert_eq!(answer.correlation_id, Some(correlation(2)));
    let error = error_of(&answer);
    assert_eq!(error.code, google_rpc::Code::AlreadyExists as i32);
    assert_eq!(error.message, "WrongExpectedVersion");
    let details = error.details.as_ref().expect("details");
    assert_eq!(
        details.type_url,
        "type.googleapis.com/event_store.client.WrongExpectedVersion"
    );
    let detail = crate::proto::WrongExpectedVersion::decode(details.value.as_slice())
        .expect("a WrongExpectedVersion detail");
    use crate::proto::wrong_expected_version as wev;
    assert_eq!(
        detail.current_stream_revision_option,
        Some(wev::CurrentStreamRevisionOption::CurrentStreamRevision(2))
    );
    assert_eq!(
        detail.expected_stream_position_option,
        Some(wev::ExpectedStreamPositionOption::ExpectedStreamPosition(7))
    );

    // Closing our side ends the call once nothing is left to answer.
    drop(tx);
    assert!(within("end of call", answers.next()).await.is_none());
    assert_eq!(stand_in.event_count(), 3);
}

#[tokio::test]
async fn batches_time_out_and_refuse_oversized_appends_as_a_node_does() {
    let stand_in = StandIn::start().await.expect("stand-in");
    let (tx, mut answers) = batch_append(stand_in.cluster.addr(0)).await;
    let any = || ExpectedStreamPosition::Any(Empty {});

    // Never finished: answered Timeout once its 100 ms run out.
    tx.send(BatchAppendReq {
        correlation_id: Some(correlation(1)),
        options: Some(options("flight-1", any(), Duration::from_millis(100))),
        proposed_messages: vec![proposed(1, b"{}".to_vec())],
        is_final: false,
    })
    .await
    .expect("send");
    let answer = next_answer(&mut answers).await;
    assert_eq!(answer.correlation_id, Some(correlation(1)));
    let error = error_of(&answer);
    assert_eq!(error.code, google_rpc::Code::DeadlineExceeded as i32);
    assert_eq!(error.message, "Timeout");

    // A deadline already spent: refused at once.
    tx.send(BatchAppendReq {
        correlation_id: Some(correlation(2)),
        options: Some(options("flight-1", any(), Duration::ZERO)),
        proposed_messages: vec![proposed(2, b"{}".to_vec())],
        is_final: true,
    })
    .await
    .expect("send");
    let answer = next_answer(&mut answers).await;
    assert_eq!(answer.correlation_id, Some(correlation(2)));
    assert_eq!(error_of(&answer).message, "Timeout");

    // Over the node's 1 MiB append size.
    let big = vec![b'x'; 1_024 * 1_024 + 1];
    tx.send(BatchAppendReq {
        correlation_id: Some(correlation(3)),
        options: Some(options("flight-1", any(), Duration::from_secs(60))),
        proposed_messages: vec![proposed(3, big)],
        is_final: true,
    })
    .await
    .expect("send");
    let answer = next_answer(&mut answers).await;
    assert_eq!(answer.correlation_id, Some(correlation(3)));
    let error = error_of(&answer);
    assert_eq!(error.code, google_rpc::Code::InvalidArgument as i32);
    assert_eq!(error.message, "MaximumAppendSizeExceeded");
    assert_eq!(stand_in.event_count(), 0, "nothing written");
}

#[tokio::test]
async fn go_away_ends_the_connection_gracefully_after_the_calls_on_it() {
    let stand_in = StandIn::start().await.expect("stand-in");
    let tcp = tokio::net::TcpStream::connect(stand_in.cluster.addr(0))
        .await
        .expect("connect");
    let (mut send, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .expect("handshake");
    let connection = tokio::spawn(connection);

    let request = http::Request::post("http://stand-in/event_store.client.streams.Streams/Read")
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Full::new(frame(&subscribe_all())))
        .expect("request");
    let response = within("subscription", send.send_request(request))
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    // The confirmation proves the call is open on this connection before the GOAWAY.
    let first = within("confirmation", body.frame())
        .await
        .expect("a frame")
        .expect("data");
    let mut data = first.into_data().expect("a data frame");
    // The frame may carry more messages (caught-up follows at once); read the first.
    data.advance(1);
    let length = data.get_u32() as usize;
    let message = ReadResp::decode(&data[..length]).expect("a read answer");
    assert!(matches!(message.content, Some(Content::Confirmation(_))));

    stand_in.go_away();

    // The subscription ends with UNAVAILABLE in its trailers, then the connection closes
    // without error: graceful, unlike a dropped connection.
    let mut status = None;
    while let Some(frame) = within("end of subscription", body.frame()).await {
        let frame = frame.expect("frame");
        if let Ok(trailers) = frame.into_trailers() {
            status = trailers
                .get("grpc-status")
                .map(|v| v.to_str().expect("ascii").to_string());
        }
    }
    assert_eq!(status.as_deref(), Some("14"), "UNAVAILABLE");
    let closed = within("connection close", connection)
        .await
        .expect("connection task");
    assert!(closed.is_ok(), "graceful close, got {closed:?}");
    assert!(send.ready().await.is_err(), "no new call after GOAWAY");

    // The node itself still serves new connections.
    let path = "/event_store.client.server_features.ServerFeatures/GetSupportedMethods";
    let features: Result<SupportedMethods, Status> =
        unary(stand_in.cluster.addr(0), path, Empty {}).await;
    assert!(features.is_ok(), "{features:?}");
}
