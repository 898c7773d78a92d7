//! What an error answer says, in the operator's words: a Flightdeck problem body or the
//! body's own text, and a sentence that says what to do about a 401.

use flightdeck_core::contract::Problem;

/// The message of an error answer: a Flightdeck problem body, else the body's text.
pub fn problem_message(body: &str) -> String {
    if let Ok(problem) = serde_json::from_str::<Problem>(body) {
        return if problem.detail.is_empty() {
            problem.title
        } else {
            format!("{}: {}", problem.title, problem.detail)
        };
    }
    let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        "no details".to_owned()
    } else {
        text.chars().take(200).collect()
    }
}

/// What the console says when the backend answers 401: the operator can act on it.
pub const WANTS_TOKEN: &str = "the backend wants a token: pass --token or FLIGHTDECK_TOKEN";
