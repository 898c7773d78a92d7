//! The dialogs over the panes: the forms, the delete confirmation, an audit entry's details and
//! the help. One at a time; while it is open it takes every key.

pub mod confirm;
pub mod details;
pub mod dialog_box;
pub mod form;
pub mod help;
pub mod scroll;
pub mod status;

use crate::ask::{Ask, Dialog};
use crate::history::HistoryView;
use crate::keymap::{Action, Context};
use crate::msg::Command;
use crate::theme::{Theme, Tone};
use confirm::ConfirmDelete;
use crossterm::event::KeyEvent;
use details::Details;
use form::{Form, FormOutcome};
use help::Help;
use ratatui::layout::Rect;
use ratatui::Frame;
use status::StatusView;

#[derive(Clone, Debug)]
pub enum Overlay {
    Help(Help),
    Details(Details),
    ConfirmDelete(ConfirmDelete),
    Form(Form),
    Status(StatusView),
    /// A flight's history: the whole window, not a dialog, but like one it takes every key.
    History(Box<HistoryView>),
}

/// What a dialog did with a key.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Stay,
    /// It closes, asking the root for these.
    Close(Vec<Ask>),
    /// It stays open while this command is carried out, and hears how it went.
    Run(Command),
}

impl Overlay {
    pub fn open(dialog: Dialog) -> Self {
        match dialog {
            Dialog::Help => Self::Help(Help::default()),
            Dialog::Details(entry) => Self::Details(Details::new(entry)),
            Dialog::ConfirmDelete(flight) => Self::ConfirmDelete(ConfirmDelete::new(flight)),
            Dialog::Form(kind) => Self::Form(Form::new(kind)),
        }
    }

    /// Whose bindings its keys are.
    pub fn context(&self) -> Context {
        match self {
            Self::Help(_) => Context::Help,
            Self::Details(_) => Context::Details,
            Self::ConfirmDelete(_) => Context::Confirm,
            Self::Form(_) => Context::Form,
            Self::Status(_) => Context::Status,
            Self::History(_) => Context::History,
        }
    }

    /// Carries out a binding of its context; `None` when the action is not the dialog's.
    pub fn act(&mut self, action: Action) -> Option<Reply> {
        match (self, action) {
            (Self::Help(_) | Self::Status(_) | Self::History(_), Action::Close) => {
                Some(Reply::Close(vec![]))
            }
            (Self::History(history), Action::Move(step)) => {
                history.step(step);
                Some(Reply::Stay)
            }
            (Self::Help(help), Action::Move(step)) => {
                help.scroll(step);
                Some(Reply::Stay)
            }
            (Self::Details(details), Action::Move(step)) => {
                details.scroll(step);
                Some(Reply::Stay)
            }
            (Self::Details(_), Action::Close) => Some(Reply::Close(vec![])),
            (Self::ConfirmDelete(confirm), Action::Confirm) => Some(Reply::Close(vec![Ask::Run(
                Command::Delete(confirm.flight().clone()),
            )])),
            (Self::ConfirmDelete(confirm), Action::Keep) => Some(Reply::Close(vec![Ask::Say(
                format!("Kept flight {}", confirm.flight().flight_number),
                Tone::Info,
            )])),
            (Self::Form(form), action) => Some(match form.act(action)? {
                FormOutcome::Stay => Reply::Stay,
                FormOutcome::Cancel => Reply::Close(vec![]),
                FormOutcome::Submit(values) => Reply::Run(form.command(values)),
            }),
            _ => None,
        }
    }

    /// The form, if the dialog is one.
    pub fn form_mut(&mut self) -> Option<&mut Form> {
        match self {
            Self::Form(form) => Some(form),
            _ => None,
        }
    }

    /// Lays the dialog out at the screen's size, where its length depends on it.
    pub fn fit(&mut self, size: Rect) {
        match self {
            Self::Help(help) => help.fit(size),
            Self::Details(details) => details.fit(size),
            Self::History(history) => history.fit(size),
            Self::ConfirmDelete(_) | Self::Form(_) | Self::Status(_) => {}
        }
    }

    /// A key that is no binding: typing, in a form; nothing, elsewhere.
    pub fn type_key(&mut self, key: KeyEvent) -> Reply {
        if let Self::Form(form) = self {
            form.type_key(key);
        }
        Reply::Stay
    }

    pub fn paste(&mut self, text: &str) {
        if let Self::Form(form) = self {
            form.paste(text);
        }
    }

    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        match self {
            Self::Help(help) => help.draw(frame, size, theme),
            Self::Details(details) => details.draw(frame, size, theme),
            Self::ConfirmDelete(confirm) => confirm.draw(frame, size, theme),
            Self::Form(form) => form.draw(frame, size, theme),
            Self::Status(status) => status.draw(frame, size, theme),
            Self::History(history) => history.draw(frame, size, theme),
        }
    }
}
