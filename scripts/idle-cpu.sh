#!/usr/bin/env bash
# Measures the CPU an idle console uses: starts `flightdeck` (release build) on a fresh embedded
# backend in a detached tmux session, waits until it is connected, then reads the process's CPU
# time from /proc over an idle interval.
#   scripts/idle-cpu.sh [SECONDS]     (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
command -v tmux >/dev/null || { echo "idle-cpu: needs tmux" >&2; exit 2; }
cargo build --release -q -p flightdeck-tui
data="$(mktemp -d)"
session="flightdeck-idle-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$data"' EXIT
tmux new-session -d -s "$session" -x 160 -y 40 "target/release/flightdeck --data-dir $data"
for _ in $(seq 1 300); do
    tmux capture-pane -p -t "$session" | grep -q "connected" && break
    sleep 0.1
done
pid="$(tmux list-panes -t "$session" -F '#{pane_pid}')"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz="$(getconf CLK_TCK)"
before="$(ticks)"
sleep "$seconds"
after="$(ticks)"
used=$((after - before))
echo "flightdeck (pid $pid) used $used CPU ticks (1/$hz s each) in $seconds s idle: $(awk -v u="$used" -v h="$hz" -v s="$seconds" 'BEGIN{printf "%.3f%%", 100*u/h/s}') of one core"
