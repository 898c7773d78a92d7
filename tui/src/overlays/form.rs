//! Small forms on tui-input: a title, labelled fields, one focused. Fields are checked with the
//! domain's own text rule before anything is sent, and each error is shown beside its field. A
//! form that passes its checks becomes the command it stands for, and stays open until the
//! command's answer: what was typed is kept when it fails, and what is typed meanwhile (a
//! paste that runs on past its line break) is not taken for commands.

use crate::ask::FormKind;
use crate::client::ClientError;
use crate::keymap::{self, Action, Binding, Context};
use crate::msg::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct Field {
    pub label: &'static str,
    /// The name the domain's messages use for the field.
    pub name: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Form {
    kind: FormKind,
    fields: Vec<Field>,
    focus: usize,
    /// Its command is on its way; keys wait for the answer.
    sending: bool,
    /// What the form says below its fields: the command's failure, or that it is on its way.
    notice: Option<String>,
    /// The values last sent by a create and the key they went with: sent again unchanged,
    /// they go with the same key, so a create whose answer was lost is not made twice.
    sent: Option<(Vec<String>, Uuid)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormOutcome {
    Stay,
    Cancel,
    /// The checked, trimmed values, in field order.
    Submit(Vec<String>),
}

fn field(label: &'static str, name: &'static str, value: &str) -> Field {
    Field {
        label,
        name,
        input: Input::new(value.to_owned()),
        error: None,
    }
}

impl Form {
    pub fn bindings() -> impl Iterator<Item = &'static Binding> {
        keymap::of(Context::Form)
    }

    pub fn new(kind: FormKind) -> Self {
        let fields = match &kind {
            FormKind::NewFlight => vec![
                field("Origin", "origin", ""),
                field("Destination", "destination", ""),
                field("Flight number", "flight number", ""),
            ],
            FormKind::EditFlight(f) => vec![
                field("Origin", "origin", &f.origin),
                field("Destination", "destination", &f.destination),
                field("Flight number", "flight number", &f.flight_number),
            ],
            FormKind::AddPassenger(_) => vec![field("Name", "name", "")],
            FormKind::RenamePassenger(p) => vec![field("Name", "name", &p.name)],
        };
        Self {
            kind,
            fields,
            focus: 0,
            sending: false,
            notice: None,
            sent: None,
        }
    }

    /// Whether its command is on its way.
    pub fn sending(&self) -> bool {
        self.sending
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Its command went out.
    pub fn sent(&mut self) {
        self.sending = true;
        self.notice = Some("Sending… (Esc closes the form; the answer still shows)".to_owned());
    }

    /// Its command failed: the values stay, and the form says why in words.
    pub fn failed(&mut self, err: &ClientError) {
        self.sending = false;
        self.notice = Some(failure(err));
    }

    pub fn title(&self) -> String {
        match &self.kind {
            FormKind::NewFlight => "New flight".to_owned(),
            FormKind::EditFlight(f) => format!("Edit flight {}", f.flight_number),
            FormKind::AddPassenger(f) => format!("Add a passenger to {}", f.flight_number),
            FormKind::RenamePassenger(p) => format!("Rename {}", p.name),
        }
    }

    /// A key as the form takes it: a binding of the key table, or typing.
    pub fn handle_key(&mut self, key: KeyEvent) -> FormOutcome {
        match keymap::action(Context::Form, key) {
            Some(action) => self.act(action).unwrap_or(FormOutcome::Stay),
            None => self.type_key(key),
        }
    }

    /// Carries out a binding; `None` when the action is not a form's.
    pub fn act(&mut self, action: Action) -> Option<FormOutcome> {
        let count = self.fields.len();
        match action {
            Action::Cancel => return Some(FormOutcome::Cancel),
            // Once: a second Enter, typed or pasted, waits for the first one's answer.
            Action::Submit if self.sending => {}
            Action::Submit => return Some(self.submit()),
            Action::NextField => self.focus = (self.focus + 1) % count,
            Action::PreviousField => self.focus = (self.focus + count - 1) % count,
            _ => return None,
        }
        Some(FormOutcome::Stay)
    }

    /// A key typed into the focused field.
    pub fn type_key(&mut self, key: KeyEvent) -> FormOutcome {
        if self.sending {
            return FormOutcome::Stay;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let request = match key.code {
            KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
            KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
            KeyCode::Char('a') if ctrl => InputRequest::GoToStart,
            KeyCode::Char('e') if ctrl => InputRequest::GoToEnd,
            KeyCode::Char(_) if ctrl => return FormOutcome::Stay,
            KeyCode::Char(c) => InputRequest::InsertChar(c),
            KeyCode::Backspace => InputRequest::DeletePrevChar,
            KeyCode::Delete => InputRequest::DeleteNextChar,
            KeyCode::Left => InputRequest::GoToPrevChar,
            KeyCode::Right => InputRequest::GoToNextChar,
            KeyCode::Home => InputRequest::GoToStart,
            KeyCode::End => InputRequest::GoToEnd,
            _ => return FormOutcome::Stay,
        };
        if let Some(f) = self.fields.get_mut(self.focus) {
            if f.input.handle(request).is_some_and(|c| c.value) {
                f.error = None;
            }
        }
        FormOutcome::Stay
    }

    /// Pasted text goes into the focused field, each line break or tab a single space, so
    /// that 'Line one' and 'Line two' do not run together.
    pub fn paste(&mut self, text: &str) {
        if self.sending {
            return;
        }
        if let Some(f) = self.fields.get_mut(self.focus) {
            for c in text.replace("\r\n", " ").chars() {
                let c = if c.is_control() { ' ' } else { c };
                f.input.handle(InputRequest::InsertChar(c));
            }
            f.error = None;
        }
    }

    fn submit(&mut self) -> FormOutcome {
        let mut values = Vec::with_capacity(self.fields.len());
        let mut first_bad = None;
        for (i, f) in self.fields.iter_mut().enumerate() {
            match flightdeck_core::text::field(f.name, f.input.value()) {
                Ok(v) => {
                    f.error = None;
                    values.push(v);
                }
                Err(e) => {
                    f.error = Some(e.to_string());
                    first_bad.get_or_insert(i);
                }
            }
        }
        match first_bad {
            Some(i) => {
                self.focus = i;
                FormOutcome::Stay
            }
            None => FormOutcome::Submit(values),
        }
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The command the checked values stand for, in field order.
    pub fn command(&mut self, values: Vec<String>) -> Command {
        let key = match &self.sent {
            Some((sent, key)) if *sent == values => *key,
            _ => Uuid::new_v4(),
        };
        self.sent = Some((values.clone(), key));
        let mut values = values.into_iter();
        let mut next = || values.next().unwrap_or_default();
        match self.kind.clone() {
            FormKind::NewFlight => Command::CreateFlight {
                origin: next(),
                destination: next(),
                flight_number: next(),
                key,
            },
            FormKind::EditFlight(flight) => Command::EditFlight {
                flight,
                origin: next(),
                destination: next(),
                flight_number: next(),
            },
            FormKind::AddPassenger(flight) => Command::AddPassenger {
                flight,
                name: next(),
                key,
            },
            FormKind::RenamePassenger(passenger) => Command::Rename {
                passenger,
                name: next(),
            },
        }
    }
}

/// A command's failure as the form says it: one plain sentence, and what to do about it.
fn failure(err: &ClientError) -> String {
    match err {
        ClientError::Unreachable(why) => {
            format!("The backend does not answer ({why}). Enter tries again, Esc gives up.")
        }
        ClientError::Status { status, message } if *status >= 500 => {
            format!("The backend could not do it (HTTP {status}): {message}. Enter tries again.")
        }
        ClientError::Status { status, message } => {
            format!("The backend refused the request (HTTP {status}): {message}")
        }
        ClientError::Decode(why) => format!("The backend's answer was not understood: {why}"),
        ClientError::Refused(sentence) | ClientError::Unconfirmed(sentence) => sentence.clone(),
        ClientError::NotAnApi(_) => format!("{err}."),
        // The certificate cannot pass on a second try either.
        ClientError::Tls(sentence) => {
            let end = if sentence.ends_with(['.', '?']) {
                ""
            } else {
                "."
            };
            format!("{sentence}{end} Esc gives up.")
        }
    }
}

mod draw;

#[cfg(test)]
mod tests;
