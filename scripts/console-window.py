#!/usr/bin/env python3
"""The console's start and memory on a long audit log, measured on the real binary.

Serves a seeded data directory with the release `flightdeck-backend`, then starts the release
`flightdeck` in a pseudo-terminal (220x50) against it, RUNS times, and prints per run:
- console_start_ms: from the console's spawn to the first output that holds the Audit pane's
  title for the window read at start ("of ~N", N the log's head position): that frame is the one
  that draws the newest entries;
- console_rss_mb: the console's resident memory (VmRSS) 5 s after its spawn.

    scripts/console-window.py DATA_DIR [RUNS]        (default 5)

Seed DATA_DIR first with `flightdeck-bench seed --data-dir DATA_DIR --events N`; build with
`cargo build --release -p flightdeck-backend -p flightdeck-tui`. Standard library only.
"""

import fcntl
import json
import os
import pty
import select
import socket
import statistics
import struct
import subprocess
import sys
import termios
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = os.environ.get("BACKEND", os.path.join(ROOT, "target", "release", "flightdeck-backend"))
CONSOLE = os.environ.get("CONSOLE", os.path.join(ROOT, "target", "release", "flightdeck"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_run(api, marker):
    pid, fd = pty.fork()
    if pid == 0:
        # The size is set before the console starts, so that its first frame is a full one.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 220, 0, 0))
        os.environ["TERM"] = "xterm-256color"
        os.execv(CONSOLE, [CONSOLE, "--api", api])
    # The spawn is the fork: the console's process start, within a fraction of a millisecond.
    started = time.monotonic()
    seen, start_ms, rss = b"", None, None
    while time.monotonic() - started < 30:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen = (seen + chunk)[-65536:]
            if start_ms is None and marker in seen:
                start_ms = (time.monotonic() - started) * 1000
        if rss is None and time.monotonic() - started >= 5:
            rss = rss_mb(pid)
        if start_ms is not None and rss is not None:
            break
    os.write(fd, b"q")
    os.waitpid(pid, 0)
    os.close(fd)
    return start_ms, rss


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    data, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    port = free_port()
    backend = subprocess.Popen(
        [BACKEND, "--data-dir", data, "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("the backend did not become ready")
            time.sleep(0.1)
        newest = get(f"{api}/auditlog/all?before=9223372036854775807&limit=1")
        head = newest[-1]["position"]
        marker = f"of ~{head:,}".encode()
        starts, rsss = [], []
        for i in range(runs):
            start_ms, rss = one_run(api, marker)
            print(f"run {i + 1}: console_start_ms {start_ms}, console_rss_mb {rss:.1f}")
            if start_ms is not None:
                starts.append(start_ms)
            rsss.append(rss)
        if starts:
            print(f"head {head}: console_start_ms median {statistics.median(starts):.0f} "
                  f"(min {min(starts):.0f}, max {max(starts):.0f}); console_rss_mb median "
                  f"{statistics.median(rsss):.1f} (max {max(rsss):.1f})")
        else:
            sys.exit("the window's title never showed")
    finally:
        backend.terminate()
        backend.wait()


if __name__ == "__main__":
    main()
