//! The toast line: the answer to the last command or refusal, until its own timer runs out.

use crate::msg::Effect;
use crate::text::{fit, one_line};
use crate::theme::{Theme, Tone};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::time::Duration;

const GOOD_FOR: Duration = Duration::from_secs(5);
const BAD_FOR: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub tone: Tone,
    pub seq: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Toasts {
    shown: Option<Toast>,
    seq: u64,
}

impl Toasts {
    pub fn shown(&self) -> Option<&Toast> {
        self.shown.as_ref()
    }

    /// The number of the latest toast, shown or expired.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Shows a toast in place of any other; the effect is its timer. Refusals stay longer.
    pub fn show(&mut self, text: String, tone: Tone) -> Effect {
        self.seq += 1;
        let seq = self.seq;
        self.shown = Some(Toast { text, tone, seq });
        let after = if tone == Tone::Bad { BAD_FOR } else { GOOD_FOR };
        Effect::ExpireToast { seq, after }
    }

    /// A timer ran out: its toast goes, unless a newer one took its place.
    pub fn expire(&mut self, seq: u64) {
        if self.shown.as_ref().is_some_and(|t| t.seq == seq) {
            self.shown = None;
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(toast) = &self.shown {
            // Cut where the line ends, and said so, rather than mid-word without a sign.
            let room = usize::from(area.width).saturating_sub(2);
            let line = Line::from(Span::styled(
                format!(" {} ", fit(&one_line(&toast.text), room)),
                theme.tone(toast.tone),
            ));
            frame.render_widget(Paragraph::new(line), area);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::*;
    use crate::msg::Msg;
    use crate::query::Query;

    #[test]
    fn toasts_expire_only_by_their_own_timer() {
        let mut console = fixture();
        console.update(ch('d'));
        let first = console.toast().cloned().unwrap();
        console.update(ch('l'));
        console.update(Msg::ToastExpired(first.seq));
        assert!(
            console.toast().is_some(),
            "a newer toast outlives the older one's timer"
        );
        let seq = console.toast().unwrap().seq;
        console.update(Msg::ToastExpired(seq));
        assert!(console.toast().is_none());
    }
}
