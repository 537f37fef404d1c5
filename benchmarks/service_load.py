"""Latency of ``GET /api/presets`` while a long ``POST /api/evaluate`` runs (loopback only).

Starts ``techbloc serve`` on a free loopback port, warms it up, then measures:

1. ``GET /api/presets`` alone (baseline);
2. the same while a long evaluation runs (and a second one waits);
3. a short evaluation sent after a long one whose client gave up (the abandoned one is
   stopped, so the short one does not wait for it).

Prints p50, p95 and max latencies. Bounded: at most ``--requests`` GETs per phase.

    python benchmarks/service_load.py [--scenarios 5000] [--requests 600]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

__all__ = ["main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"n={len(ms)}  p50 {statistics.median(ms):.1f} ms  p95 {p95:.1f} ms  max {ms[-1]:.1f} ms"


def _gets(client: httpx.Client, until: threading.Event | None, limit: int) -> list[float]:
    out = []
    while len(out) < limit and not (until is not None and until.is_set()):
        began = time.perf_counter()
        response = client.get("/api/presets")
        out.append(time.perf_counter() - began)
        response.raise_for_status()
        time.sleep(0.02)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the three phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args(argv)
    port = _free_port()
    root = Path(tempfile.mkdtemp(prefix="techbloc-load-"))
    exe = Path(sys.executable).with_name("techbloc")
    command = [
        str(exe) if exe.exists() else "techbloc",
        "serve",
        "--port",
        str(port),
        "--store-root",
        str(root),
    ]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    base = f"http://127.0.0.1:{port}"
    long_body = {
        "scenarios": args.scenarios,
        "presets": ["forging_core", "quad", "aukus", "g7"],
        "end_year": 2050,
    }
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.get("/api/presets").raise_for_status()
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        print("the server did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.2)
            names = [p["name"] for p in client.get("/api/presets").json()]
            long_body["presets"] = [n for n in long_body["presets"] if n in names][:4]
            work = args.scenarios * len(long_body["presets"]) * 27
            client.post("/api/evaluate", json={"scenarios": 4, "end_year": 2026})  # warm
            print(
                f"machine: {os.cpu_count()} CPUs; long evaluation: {args.scenarios} "
                f"scenarios x {len(long_body['presets'])} coalitions x 27 years = {work:,}"
            )
            print(
                "GET /api/presets alone:            ",
                _percentiles(_gets(client, None, min(50, args.requests))),
            )

            done = threading.Event()
            timing: dict[str, float] = {}

            def long_evaluation() -> None:
                began = time.perf_counter()
                with httpx.Client(base_url=base, timeout=600) as other:
                    status = other.post("/api/evaluate", json=long_body).status_code
                timing["long"] = time.perf_counter() - began
                timing["status"] = status
                done.set()

            thread = threading.Thread(target=long_evaluation)
            thread.start()
            time.sleep(0.2)
            waiting = threading.Thread(
                target=lambda: httpx.post(
                    f"{base}/api/evaluate", json={"scenarios": 50, "end_year": 2030}, timeout=600
                )
            )
            waiting.start()
            during = _gets(client, done, args.requests)
            thread.join()
            waiting.join()
            print("GET /api/presets during evaluate:  ", _percentiles(during))
            print(
                f"  the long evaluation took {timing['long']:.1f} s (status "
                f"{int(timing['status'])})"
            )

            # a client that gives up: its evaluation is stopped, the next one does not wait
            with contextlib.suppress(httpx.TimeoutException):
                httpx.post(f"{base}/api/evaluate", json=long_body, timeout=1.0)
            began = time.perf_counter()
            status = client.post(
                "/api/evaluate", json={"scenarios": 5, "end_year": 2030}
            ).status_code
            print(
                f"5-scenario evaluate after an abandoned long one: "
                f"{time.perf_counter() - began:.1f} s (status {status}; includes restarting "
                "the worker process)"
            )
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
