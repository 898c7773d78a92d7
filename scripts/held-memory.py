#!/usr/bin/env python3
"""The backend's memory under held load, measured on its own process.

Starts the release `flightdeck-backend` on a fresh embedded store, opens SUBSCRIBERS live audit
streams (they count the entries they receive and keep nothing else), drives 32 operators with
`flightdeck demo --headless` for SECONDS, and prints the backend's resident memory (VmRSS) every
5 s. At the end it waits until every subscriber has received every entry of the audit log and
says so, or exits non-zero naming the subscribers that fell short.

    scripts/held-memory.py [SECONDS] [SUBSCRIBERS]     (default 60 and 200)

Needs `cargo build --release -p flightdeck-backend -p flightdeck-tui` first. Standard library only.
"""

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = os.path.join(ROOT, "target", "release", "flightdeck-backend")
CONSOLE = os.path.join(ROOT, "target", "release", "flightdeck")
CATCH_UP_WITHIN = 300.0


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def subscribe(host, port, counts, index, ready):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET /api/auditlog/stream HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"subscriber {index}: {status!r}")
    ready.set()
    # Chunked transfer: count `event: audit` lines; nothing else is kept.
    async for line in reader:
        if line.startswith(b"event: audit"):
            counts[index] += 1


async def drive(base, seconds):
    deadline = time.monotonic() + seconds
    commands = 0
    while time.monotonic() < deadline:
        process = await asyncio.create_subprocess_exec(
            CONSOLE, "demo", "--headless", "--api", base, "--flights", "200",
            "--passengers", "3", "--concurrency", "32",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError("load run failed:\n" + output.decode(errors="replace"))
        found = re.search(rb"(\d+) commands in", output)
        commands += int(found.group(1)) if found else 0
    return commands


def audit_total(base):
    with urllib.request.urlopen(f"{base}/auditlog/all", timeout=60) as answer:
        return len(json.load(answer))


async def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    subscribers = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    data = tempfile.mkdtemp(prefix="flightdeck-held-")
    backend = subprocess.Popen(
        [BACKEND, "--data-dir", data, "--bind", "127.0.0.1:0", "--max-streams", str(subscribers + 8)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        line = backend.stdout.readline().decode()
        found = re.search(r"http://([\d.]+):(\d+)/api", line)
        if not found:
            raise RuntimeError(f"backend did not say where it listens: {line!r}")
        host, port = found.group(1), int(found.group(2))
        base = f"http://{host}:{port}/api"
        counts = [0] * subscribers
        readies = [asyncio.Event() for _ in range(subscribers)]
        tasks = [
            asyncio.create_task(subscribe(host, port, counts, i, readies[i]))
            for i in range(subscribers)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
        print(f"backend pid {backend.pid}; {subscribers} subscribers connected; RSS {rss_mib(backend.pid):.1f} MiB")
        load = asyncio.create_task(drive(base, seconds))
        started = time.monotonic()
        samples = []
        while not load.done():
            await asyncio.sleep(5)
            rss = rss_mib(backend.pid)
            samples.append(rss)
            print(f"{time.monotonic() - started:6.0f} s  RSS {rss:6.1f} MiB  entries received by subscriber 0: {counts[0]}")
        commands = load.result()
        total = audit_total(base)
        deadline = time.monotonic() + CATCH_UP_WITHIN
        while min(counts) < total and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        short = [i for i, c in enumerate(counts) if c != total]
        print(f"{commands} commands in {seconds:.0f} s; audit log {total} entries; "
              f"RSS min {min(samples):.1f} / max {max(samples):.1f} MiB over {len(samples)} samples")
        for task in tasks:
            task.cancel()
        if short:
            print(f"{len(short)} subscribers did not receive all {total} entries, e.g. #{short[0]}: {counts[short[0]]}")
            return 1
        print(f"every one of the {subscribers} subscribers received all {total} entries")
        return 0
    finally:
        backend.terminate()
        backend.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
