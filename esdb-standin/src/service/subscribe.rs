//! Catch-up subscriptions: where one starts, and the loop that sends its history, `caught_up`
//! and live events.

use std::sync::Arc;

use tonic::Status;

use crate::log::Log;
use crate::proto::streams::read_req::options::{
    all_options::AllOption, stream_options::RevisionOption, FilterOptions, StreamOption,
};
use crate::proto::streams::read_resp::{self, Content};

use super::convert::{read_event, stream_name, UuidFormat};
use super::filter::{checkpoint_interval, Filter};
use super::shared::{until_draining, Answer};
use super::NodeContext;

/// Events handed to a subscription per look at the log, so one busy subscriber does not hold
/// the log's lock for long.
const SUBSCRIPTION_BATCH: usize = 256;

/// Where a subscription starts. Subscriptions are exclusive of the point they are given
/// (the client hands back the last event it saw), reads are inclusive.
pub(super) enum SubscriptionTarget {
    Stream {
        name: String,
        next_revision: u64,
    },
    All {
        next_index: usize,
        filter: Option<(Filter, u64)>,
    },
}

impl SubscriptionTarget {
    /// Resolves where a subscription starts against the log as it is now, so that `End`
    /// means the events appended after this call.
    pub(super) fn new(
        log: &Log,
        stream_option: StreamOption,
        filter: Option<(Filter, &FilterOptions)>,
    ) -> Result<SubscriptionTarget, Status> {
        let target = {
            match stream_option {
                StreamOption::Stream(s) => {
                    let name = stream_name(s.stream_identifier)?;
                    let next_revision = match s.revision_option {
                        Some(RevisionOption::Revision(r)) => r.saturating_add(1),
                        Some(RevisionOption::Start(_)) => 0,
                        Some(RevisionOption::End(_)) => {
                            log.last_revision(&name).map_or(0, |r| r + 1)
                        }
                        None => return Err(Status::invalid_argument("revision is required")),
                    };
                    SubscriptionTarget::Stream {
                        name,
                        next_revision,
                    }
                }
                StreamOption::All(a) => {
                    let next_index = match a.all_option {
                        Some(AllOption::Position(p)) => log.index_after(p.commit_position),
                        Some(AllOption::Start(_)) => 0,
                        Some(AllOption::End(_)) => log.len(),
                        None => return Err(Status::invalid_argument("position is required")),
                    };
                    let filter = match filter {
                        Some((filter, options)) => Some((filter, checkpoint_interval(options)?)),
                        None => None,
                    };
                    SubscriptionTarget::All { next_index, filter }
                }
            }
        };
        Ok(target)
    }
}

/// Runs one catch-up subscription: confirmation, history, `caught_up`, then live events until
/// the client goes away. It never ends the call by itself: a subscription only ends with an
/// error or a broken connection, as on a real node.
///
/// `refusal`, the status of a follower asked for the leader, ends the call right after the
/// confirmation: the node's subscription enumerators (`Enumerator.StreamSubscription.cs`,
/// `Enumerator.AllSubscription.cs`, `Enumerator.AllSubscriptionFiltered.cs`) confirm first,
/// then fail on the not-handled answer to their first catch-up read. (One that starts at the
/// end goes live without reading on a node; the stand-in refuses it all the same.)
///
/// When the node sends GOAWAY ([`NodeContext::drain`]), an open subscription ends with
/// UNAVAILABLE, so that its connection can close; the client resubscribes elsewhere or later.
pub(super) async fn subscribe(
    node: Arc<NodeContext>,
    answer: Answer,
    mut target: SubscriptionTarget,
    uuid_format: UuidFormat,
    refusal: Option<Status>,
) {
    let shared = &node.shared;
    let mut drain = node.drain.subscribe();
    let confirmation = Content::Confirmation(read_resp::SubscriptionConfirmation {
        subscription_id: shared.subscription_id(),
    });
    if !answer.send(confirmation).await {
        return;
    }
    if let Some(refusal) = refusal {
        let _ = answer.tx.send(Err(refusal)).await;
        return;
    }

    let mut appended = shared.appended.subscribe();
    let mut caught_up = false;
    let mut considered: u64 = 0;
    loop {
        // Marked seen before looking at the log, so an append that lands after the look
        // wakes the wait below.
        appended.borrow_and_update();
        let mut out = Vec::new();
        match &mut target {
            SubscriptionTarget::Stream {
                name,
                next_revision,
            } => {
                let records = shared
                    .log()
                    .stream_from(name, *next_revision, SUBSCRIPTION_BATCH);
                for record in records {
                    *next_revision = record.revision + 1;
                    out.push(read_event(&record, uuid_format));
                }
            }
            SubscriptionTarget::All { next_index, filter } => {
                let records = shared.log().all_from(*next_index, SUBSCRIPTION_BATCH);
                let scanned_any = !records.is_empty();
                for record in records {
                    *next_index += 1;
                    match filter {
                        None => out.push(read_event(&record, uuid_format)),
                        Some((filter, interval)) => {
                            if filter.matches(&record) {
                                out.push(read_event(&record, uuid_format));
                            }
                            considered += 1;
                            if considered >= *interval {
                                considered = 0;
                                out.push(Content::Checkpoint(read_resp::Checkpoint {
                                    commit_position: record.position,
                                    prepare_position: record.position,
                                }));
                            }
                        }
                    }
                }
                if scanned_any && out.is_empty() {
                    // Everything in this batch was filtered out; look again at once.
                    continue;
                }
            }
        }

        if out.is_empty() {
            if !caught_up {
                caught_up = true;
                if !answer.send(Content::CaughtUp(read_resp::CaughtUp {})).await {
                    return;
                }
            }
            tokio::select! {
                changed = appended.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                () = answer.tx.closed() => return,
                () = until_draining(&mut drain) => {
                    let _ = answer.tx.send(Err(Status::unavailable("the node is closing this connection"))).await;
                    return;
                }
            }
            continue;
        }
        for content in out {
            if !answer.send(content).await {
                return;
            }
        }
    }
}
