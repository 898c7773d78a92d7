//! `flightdeck demo`: the built-in tour or a script, played in the console as an operator would
//! type it, or headless with a transcript, or shaped as a load run.

pub mod headless;
pub mod load;
pub mod parse;
pub mod plan;
pub mod script;
pub mod visible;

/// The tour `flightdeck demo` plays when no script is given: an ordinary script, so the format
/// is proven by the tour itself.
pub const TOUR: &str = include_str!("tour.toml");

pub fn tour() -> Result<script::Script, script::ScriptError> {
    let mut script = parse::parse("the built-in tour", TOUR)?;
    script.source = "the built-in tour".to_owned();
    Ok(script)
}
