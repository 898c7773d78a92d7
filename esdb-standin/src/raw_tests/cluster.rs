//! Raw-protocol tests of a cluster: gossip's member info and a follower's not-leader answer.

use super::*;

#[tokio::test]
async fn gossip_reports_each_member_with_its_state_endpoint_and_liveness() {
    let cluster = Cluster::start(3).await.expect("cluster");
    let read = |node: usize| {
        unary::<Empty, ClusterInfo>(
            cluster.addr(node),
            "/event_store.client.gossip.Gossip/Read",
            Empty {},
        )
    };
    let states = |info: &ClusterInfo| -> Vec<(u16, i32, bool)> {
        info.members
            .iter()
            .map(|m| {
                let endpoint = m.http_end_point.as_ref().expect("endpoint");
                assert_eq!(endpoint.address, "127.0.0.1");
                (endpoint.port as u16, m.state, m.is_alive)
            })
            .collect()
    };
    let port = |node: usize| cluster.addr(node).port();
    let (leader, follower) = (VNodeState::Leader as i32, VNodeState::Follower as i32);

    let before = read(2).await.expect("gossip");
    assert_eq!(
        states(&before),
        [
            (port(0), leader, true),
            (port(1), follower, true),
            (port(2), follower, true)
        ]
    );
    assert!(before.members.iter().all(|m| m.time_stamp > 0));
    let ids: std::collections::HashSet<_> = before
        .members
        .iter()
        .map(|m| format!("{:?}", m.instance_id))
        .collect();
    assert_eq!(ids.len(), 3, "distinct instance ids");

    cluster.elect(1);
    cluster.kill(2);
    let after = read(0).await.expect("gossip from the former leader");
    assert_eq!(
        states(&after),
        [
            (port(0), follower, true),
            (port(1), leader, true),
            (port(2), follower, false)
        ]
    );
    let changed = |info: &ClusterInfo, i: usize| info.members[i].time_stamp;
    assert!(changed(&after, 1) >= changed(&before, 1));
    assert!(read(2).await.is_err(), "a dead node answers nothing");
}

#[tokio::test]
async fn a_follower_refuses_what_requires_the_leader_with_the_leaders_endpoint() {
    let cluster = Cluster::start(3).await.expect("cluster");
    let mut grpc = grpc(cluster.addr(2));
    grpc.ready().await.expect("ready");
    let mut request = Request::new(subscribe_all());
    request
        .metadata_mut()
        .insert("requires-leader", "true".parse().expect("header"));
    let mut options = request.get_mut().options.take().expect("options");
    options.count_option = Some(CountOption::Count(10));
    options.stream_option = Some(StreamOption::All(AllOptions {
        all_option: Some(AllOption::Start(Empty {})),
    }));
    request.get_mut().options = Some(options.clone());
    let path = PathAndQuery::from_static("/event_store.client.streams.Streams/Read");
    let refused = grpc
        .server_streaming(
            request,
            path.clone(),
            ProstCodec::<ReadReq, ReadResp>::default(),
        )
        .await
        .expect_err("a follower must refuse");
    assert_eq!(refused.code(), Code::NotFound);
    assert_eq!(refused.message(), "Leader info available");
    let header = |key: &str| {
        refused
            .metadata()
            .get(key)
            .map(|v| v.to_str().expect("ascii").to_string())
    };
    assert_eq!(header("exception").as_deref(), Some("not-leader"));
    assert_eq!(header("leader-endpoint-host").as_deref(), Some("127.0.0.1"));
    let port = cluster.addr(0).port().to_string();
    assert_eq!(header("leader-endpoint-port"), Some(port));

    // Without the header, the follower reads its own copy of the log.
    let plain = Request::new(ReadReq {
        options: Some(options),
    });
    let mut served = grpc
        .server_streaming(plain, path, ProstCodec::<ReadReq, ReadResp>::default())
        .await
        .expect("a follower serves reads")
        .into_inner();
    let first = within("read", served.next()).await.expect("an event");
    assert!(matches!(
        first,
        Ok(ReadResp {
            content: Some(Content::Event(_))
        })
    ));
}
