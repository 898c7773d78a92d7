//! How much of the audit log the pane holds: a window of the newest entries, older pages read on
//! demand, or the matches of a search run on the server. A log of a million events is never read
//! whole, so the pane says what it holds against what it can know of the log's size.

pub use crate::msg::{AuditPage, NEWEST};
/// Entries read at start, on return to the tail, and per older page.
pub const PAGE: usize = 5_000;
/// Rows kept at most: beyond it, the rows farthest from the view are dropped and read again
/// when needed, so that memory does not grow with the log.
pub const MOST: usize = 4 * PAGE;

/// Whether entries older than the oldest held may exist, and whether they are being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Older {
    Maybe,
    Reading,
    None,
}

#[derive(Clone, Debug)]
pub struct Window {
    /// False once the backend answered more than was asked: it has no paging (an original
    /// deployment), and the whole log is polled.
    pub paged: bool,
    pub older: Older,
    /// The newest position seen: the log holds about this many entries.
    pub head: Option<u64>,
    /// The search shown instead of the tail, and whether its first page is still being read.
    pub search: Option<String>,
    pub searching: bool,
    /// Newer entries were dropped, or a search replaced the tail: the tail must be read again
    /// before live entries can be added to what is held.
    pub detached: bool,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            paged: true,
            older: Older::Maybe,
            head: None,
            search: None,
            searching: false,
            detached: false,
        }
    }
}

impl Window {
    /// The page before the oldest held row, once: `None` when none can exist or one is read.
    pub fn older_page(&mut self, oldest: Option<u64>) -> Option<AuditPage> {
        if !self.paged || self.older != Older::Maybe {
            return None;
        }
        let before = oldest?;
        if before <= 1 {
            self.older = Older::None;
            return None;
        }
        self.older = Older::Reading;
        Some(AuditPage {
            before,
            q: self.search.clone(),
        })
    }

    /// What the title says besides the count: how the held rows stand against the log.
    pub fn describe(&self, held: usize) -> String {
        if let Some(q) = &self.search {
            let state = if self.searching {
                "searching the whole log…".to_owned()
            } else if self.older == Older::None {
                format!("{} matches", grouped(held as u64))
            } else {
                format!("newest {} matches", grouped(held as u64))
            };
            return format!(" · search \"{q}\": {state}");
        }
        if !self.paged {
            return format!(" · last {} · polling the whole log", grouped(held as u64));
        }
        let reading = if self.older == Older::Reading {
            " · reading…"
        } else {
            ""
        };
        match self.head {
            Some(head) if self.older != Older::None || self.detached => {
                format!(
                    " · newest {} of ~{}{reading}",
                    grouped(held as u64),
                    grouped(head)
                )
            }
            _ => reading.to_owned(),
        }
    }
}

/// A number with thousands separated: "1,000,000".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
