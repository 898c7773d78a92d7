//! Small forms on tui-input: a title, labelled fields, one focused. Fields are checked with the
//! domain's own text rule before anything is sent, and each error is shown beside its field.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flightdeck_core::contract::{Flight, Passenger};
use tui_input::{Input, InputRequest};

#[derive(Clone, Debug, PartialEq)]
pub enum FormKind {
    NewFlight,
    EditFlight(Flight),
    AddPassenger(Flight),
    RenamePassenger(Passenger),
}

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
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
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
        }
    }

    pub fn title(&self) -> String {
        match &self.kind {
            FormKind::NewFlight => "New flight".to_owned(),
            FormKind::EditFlight(f) => format!("Edit flight {}", f.flight_number),
            FormKind::AddPassenger(f) => format!("Add a passenger to {}", f.flight_number),
            FormKind::RenamePassenger(p) => format!("Rename {}", p.name),
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> FormOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let request = match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Enter => return self.submit(),
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % self.fields.len();
                return FormOutcome::Stay;
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
                return FormOutcome::Stay;
            }
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

    /// Pasted text goes into the focused field, without its line breaks.
    pub fn paste(&mut self, text: &str) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            for c in text.chars().filter(|c| !c.is_control()) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn type_text(form: &mut Form, text: &str) {
        for c in text.chars() {
            form.handle_key(key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn fields_are_checked_and_errors_sit_beside_them() {
        let mut form = Form::new(FormKind::NewFlight);
        type_text(&mut form, " ARN ");
        form.handle_key(key(KeyCode::Tab));
        form.handle_key(key(KeyCode::Tab));
        type_text(&mut form, "SK1");
        assert_eq!(form.handle_key(key(KeyCode::Enter)), FormOutcome::Stay);
        assert_eq!(form.focus, 1, "focus jumps to the first bad field");
        assert_eq!(
            form.fields[1].error.as_deref(),
            Some("destination can't be empty")
        );
        type_text(&mut form, "CPH");
        assert_eq!(form.fields[1].error, None, "typing clears the error");
        assert_eq!(
            form.handle_key(key(KeyCode::Enter)),
            FormOutcome::Submit(vec!["ARN".into(), "CPH".into(), "SK1".into()])
        );
    }

    #[test]
    fn shift_tab_wraps_and_esc_cancels() {
        let mut form = Form::new(FormKind::NewFlight);
        form.handle_key(key(KeyCode::BackTab));
        assert_eq!(form.focus, 2);
        assert_eq!(form.handle_key(key(KeyCode::Esc)), FormOutcome::Cancel);
    }
}
