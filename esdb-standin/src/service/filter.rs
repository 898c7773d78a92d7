//! Server-side `$all` filters: on stream name or event type, by regex or prefixes, and the
//! checkpoint interval of a filtered subscription.

use regex::Regex;
use tonic::Status;

use crate::log::Record;
use crate::proto::streams::read_req::options::{self as read_options, filter_options};

/// EventStoreDB's read batch size, the search window of a filter that names none
/// (`FilterOptions.count`).
pub(super) const DEFAULT_SEARCH_WINDOW: u32 = 32;

/// A server-side filter on `$all`, as EventStoreDB builds it: a non-empty regex wins over the
/// prefixes (an expression with neither matches nothing).
pub(super) enum Filter {
    StreamPrefixes(Vec<String>),
    StreamRegex(Regex),
    TypePrefixes(Vec<String>),
    TypeRegex(Regex),
}

impl Filter {
    pub(super) fn from_proto(options: &read_options::FilterOptions) -> Result<Filter, Status> {
        let compile = |regex: &str| {
            Regex::new(regex)
                .map_err(|e| Status::invalid_argument(format!("bad filter regex: {e}")))
        };
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

    pub(super) fn matches(&self, record: &Record) -> bool {
        match self {
            Filter::StreamPrefixes(p) => p.iter().any(|p| record.stream.starts_with(p.as_str())),
            Filter::StreamRegex(r) => r.is_match(&record.stream),
            Filter::TypePrefixes(p) => p.iter().any(|p| record.event_type.starts_with(p.as_str())),
            Filter::TypeRegex(r) => r.is_match(&record.event_type),
        }
    }
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
