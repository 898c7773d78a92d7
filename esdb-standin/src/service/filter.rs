//! Server-side `$all` filters: on stream name or event type, by regex or prefixes, and the
//! checkpoint interval of a filtered subscription.

use fancy_regex::Regex;
use tonic::Status;

use crate::log::Record;
use crate::proto::streams::read_req::options::{self as read_options, filter_options};

/// EventStoreDB's read batch size, the search window of a filter that names none
/// (`FilterOptions.count`).
pub(super) const DEFAULT_SEARCH_WINDOW: u32 = 32;

/// What a node answers a filter whose regex does not compile. The node builds its filter with
/// .NET's `new Regex(expression, RegexOptions.Compiled)`
/// (`src/EventStore.Core/Services/Storage/ReaderIndex/EventFilter.cs`, EventStore/EventStore
/// v24.10.0) while it sets up the read (`Services/Transport/Grpc/Streams.Read.cs`,
/// `ConvertToEventFilter`), outside any handler of its own; the parse exception reaches
/// ASP.NET Core's gRPC host, which answers UNKNOWN with this fixed text when detailed errors
/// are off, as on a node (`src/Grpc.AspNetCore.Server/Internal/HttpContextServerCallContext.cs`,
/// `ProcessHandlerError`, grpc/grpc-dotnet v2.64.0, the version 24.10 ships).
pub(crate) const INVALID_REGEX_MESSAGE: &str = "Exception was thrown by handler.";

/// A server-side filter on `$all`, as EventStoreDB builds it: a non-empty regex wins over the
/// prefixes (an expression with neither matches nothing).
///
/// Regexes follow .NET's syntax as far as `fancy-regex` does: look-ahead and look-behind
/// (variable-length too), atomic groups, backreferences and named groups, on top of the usual
/// classes and quantifiers. Left out: .NET's `$` also matching before a final newline, and
/// options such as `RegexOptions.ECMAScript`, neither of which a stream name or event type
/// filter needs.
pub(super) enum Filter {
    StreamPrefixes(Vec<String>),
    StreamRegex(Regex),
    TypePrefixes(Vec<String>),
    TypeRegex(Regex),
}

impl Filter {
    pub(super) fn from_proto(options: &read_options::FilterOptions) -> Result<Filter, Status> {
        let compile =
            |regex: &str| Regex::new(regex).map_err(|_| Status::unknown(INVALID_REGEX_MESSAGE));
        match &options.filter {
            Some(filter_options::Filter::StreamIdentifier(e)) if !e.regex.is_empty() => {
                Ok(Filter::StreamRegex(compile(&e.regex)?))
            }
            Some(filter_options::Filter::StreamIdentifier(e)) => {
                Ok(Filter::StreamPrefixes(e.prefix.clone()))
            }
            Some(filter_options::Filter::EventType(e)) if !e.regex.is_empty() => {
                Ok(Filter::TypeRegex(compile(&e.regex)?))
            }
            Some(filter_options::Filter::EventType(e)) => {
                Ok(Filter::TypePrefixes(e.prefix.clone()))
            }
            None => Err(Status::invalid_argument("filter without an expression")),
        }
    }

    /// Every filter on `$all` first drops what a node never shows through one: its epoch
    /// records and the checkpoints and parked messages of persistent subscriptions to `$all`
    /// (`DefaultAllFilterStrategy` in `EventFilter.cs`). Other system streams pass on to the
    /// expression.
    pub(super) fn matches(&self, record: &Record) -> bool {
        if hidden_from_filters(&record.stream) {
            return false;
        }
        match self {
            Filter::StreamPrefixes(p) => p.iter().any(|p| record.stream.starts_with(p.as_str())),
            Filter::StreamRegex(r) => is_match(r, &record.stream),
            Filter::TypePrefixes(p) => p.iter().any(|p| record.event_type.starts_with(p.as_str())),
            Filter::TypeRegex(r) => is_match(r, &record.event_type),
        }
    }
}

/// A match that gives up (fancy-regex's backtracking limit, which .NET does not have without
/// a timeout) counts as no match rather than failing the whole read.
fn is_match(regex: &Regex, text: &str) -> bool {
    regex.is_match(text).unwrap_or(false)
}

fn hidden_from_filters(stream: &str) -> bool {
    const PERSISTENT_ALL: &str = "$persistentsubscription-$all::";
    stream == "$epoch-information"
        || (stream.starts_with(PERSISTENT_ALL)
            && (stream.ends_with("-checkpoint") || stream.ends_with("-parked")))
}

/// EventStoreDB sends a checkpoint every `checkpointIntervalMultiplier × window` events
/// considered, the window being `max` or, for `count`, its read batch size of 32; it refuses a
/// multiplier of 0.
pub(super) fn checkpoint_interval(options: &read_options::FilterOptions) -> Result<u64, Status> {
    if options.checkpoint_interval_multiplier == 0 {
        return Err(Status::invalid_argument(
            "checkpointIntervalMultiplier must be at least 1",
        ));
    }
    let window = match options.window {
        Some(filter_options::Window::Max(max)) if max > 0 => max,
        _ => DEFAULT_SEARCH_WINDOW,
    };
    Ok(u64::from(options.checkpoint_interval_multiplier) * u64::from(window))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Empty;

    fn expression(regex: &str, prefixes: &[&str]) -> filter_options::Expression {
        filter_options::Expression {
            regex: regex.to_string(),
            prefix: prefixes.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn record(stream: &str) -> Record {
        Record {
            stream: stream.to_string(),
            revision: 0,
            position: 0,
            id: uuid::Uuid::nil(),
            event_type: "t".to_string(),
            is_json: true,
            created_ticks: 0,
            custom_metadata: Vec::new(),
            data: Vec::new(),
        }
    }

    fn stream_filter(regex: &str) -> Result<Filter, Status> {
        Filter::from_proto(&read_options::FilterOptions {
            filter: Some(filter_options::Filter::StreamIdentifier(expression(
                regex,
                &[],
            ))),
            window: Some(filter_options::Window::Count(Empty {})),
            checkpoint_interval_multiplier: 1,
        })
    }

    #[test]
    fn regexes_take_dotnet_look_arounds_and_refuse_what_does_not_parse() {
        let exclude = stream_filter(r"^(?!(\$.+$|gate-.*$))").expect("a negative look-ahead");
        let kept: Vec<&str> = ["flight-1", "gate-1", "$settings", "flight-gate"]
            .into_iter()
            .filter(|s| exclude.matches(&record(s)))
            .collect();
        assert_eq!(kept, ["flight-1", "flight-gate"]);

        let behind = stream_filter(r"(?<=^flight-)\d+$").expect("a look-behind");
        assert!(behind.matches(&record("flight-12")));
        assert!(!behind.matches(&record("gate-12")));

        let refused = stream_filter("(unclosed")
            .err()
            .expect("an unparsable regex");
        assert_eq!(refused.code(), tonic::Code::Unknown);
        assert_eq!(refused.message(), INVALID_REGEX_MESSAGE);
    }

    #[test]
    fn filters_never_show_epochs_or_persistent_subscription_bookkeeping() {
        let everything = stream_filter(".*").expect("regex");
        assert!(everything.matches(&record("$settings")));
        assert!(!everything.matches(&record("$epoch-information")));
        assert!(!everything.matches(&record("$persistentsubscription-$all::g-checkpoint")));
        assert!(everything.matches(&record("$persistentsubscription-s::g-checkpoint")));
    }

    #[test]
    fn the_checkpoint_interval_is_the_multiplier_times_the_window() {
        let mut options = read_options::FilterOptions {
            filter: Some(filter_options::Filter::StreamIdentifier(expression(
                "",
                &["a"],
            ))),
            window: Some(filter_options::Window::Count(Empty {})),
            checkpoint_interval_multiplier: 2,
        };
        assert_eq!(checkpoint_interval(&options).ok(), Some(64));
        options.window = Some(filter_options::Window::Max(10));
        assert_eq!(checkpoint_interval(&options).ok(), Some(20));
        options.checkpoint_interval_multiplier = 0;
        assert!(checkpoint_interval(&options).is_err());
    }
}
