//! Where a dialog taller than the screen is scrolled to. The dialog knows its length only when
//! it is laid out at a size, so moves are clamped by [`Scroll::fit`] after each move and resize.

use crate::list::Step;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scroll {
    top: u16,
    /// The last line that may be at the top: the last page then fills the box.
    max: u16,
    /// Lines in view, so that a page key moves by what was read.
    page: u16,
}

impl Scroll {
    pub fn top(&self) -> u16 {
        self.top
    }

    /// Whether there is more above or below what is in view.
    pub fn more(&self) -> (bool, bool) {
        (self.top > 0, self.top < self.max)
    }

    pub fn step(&mut self, step: Step) {
        let page = self.page.max(1);
        self.top = match step {
            Step::Up => self.top.saturating_sub(1),
            Step::Down => self.top.saturating_add(1),
            Step::PageUp => self.top.saturating_sub(page),
            Step::PageDown => self.top.saturating_add(page),
            Step::First => 0,
            Step::Last => u16::MAX,
        }
        .min(self.max);
    }

    /// `lines` in all, `page` of them in view.
    pub fn fit(&mut self, lines: usize, page: u16) {
        let lines = u16::try_from(lines).unwrap_or(u16::MAX);
        self.page = page;
        self.max = lines.saturating_sub(page);
        self.top = self.top.min(self.max);
    }
}
