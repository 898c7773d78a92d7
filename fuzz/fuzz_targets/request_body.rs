//! Any bytes as a request body: the parser answers Ok or a named error, never panics, and what
//! it accepts turns into a command or a refusal without panicking either.
#![no_main]

use flightdeck_backend::api::parse_body;
use flightdeck_core::contract::{CreateFlight, CreatePassenger, DeleteFlight, UpdateFlight, UpdatePassenger};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = parse_body::<CreateFlight>(data) {
        let _ = request.command(Uuid::nil());
    }
    if let Ok(request) = parse_body::<UpdateFlight>(data) {
        let _ = request.command();
    }
    if let Ok(request) = parse_body::<DeleteFlight>(data) {
        let _ = request.command();
    }
    if let Ok(request) = parse_body::<CreatePassenger>(data) {
        let _ = request.command(Uuid::nil());
    }
    if let Ok(request) = parse_body::<UpdatePassenger>(data) {
        let _ = request.command(Uuid::nil());
    }
    if let Err(e) = parse_body::<UpdateFlight>(data) {
        assert!(!e.to_string().is_empty(), "an error that names nothing");
    }
});
