#!/usr/bin/env bash
# The reliability runs that `cargo test` leaves out: they stop the machine's Postgres or hold
# load for a minute, so they run alone, one at a time.
#   scripts/reliability.sh              # both
#   SOAK_SECONDS=300 scripts/reliability.sh held_load
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-}"
cargo test --release -p flightdeck-backend --test backend -- --ignored --test-threads=1 --nocapture $filter
