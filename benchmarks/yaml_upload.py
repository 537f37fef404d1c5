"""GET latency while a 1 MB study YAML is being checked (a loopback ``techbloc serve``).

Starts a server, measures ``GET /api/presets`` latency alone, then while a client keeps
posting a ~1 MB study YAML to ``POST /api/studies/yaml?check=true`` (one after the other),
and prints the p50/p95/max of each and how long each check took. The target: p95 under
0.5 s while the file is being checked.

    python benchmarks/yaml_upload.py                  # this checkout (src/)
    python benchmarks/yaml_upload.py --src OTHER/src  # another checkout, for a before/after
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def big_study(size: int = 1_000_000) -> str:
    """A valid study YAML of about ``size`` bytes (many small policies)."""
    lines = ["name: big", "scenarios: 10", "years: {start: 2024, end: 2026}", "policies:"]
    total, i = sum(len(x) + 1 for x in lines), 0
    while total < size:
        line = f"  - name: p{i}\n    members: [USA, JPN, KOR, DEU, FRA]"
        lines.append(line)
        total += len(line) + 1
        i += 1
    return "\n".join(lines) + "\n"


def latencies(url: str, seconds: float) -> list[float]:
    import httpx

    out = []
    end = time.monotonic() + seconds
    with httpx.Client(timeout=120) as client:
        while time.monotonic() < end:
            began = time.perf_counter()
            client.get(url).raise_for_status()
            out.append(time.perf_counter() - began)
            time.sleep(0.05)
    return out


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"n={len(values):4d}  p50 {statistics.median(values) * 1000:7.1f} ms  "
        f"p95 {p95 * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms"
    )


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", default=str(Path(__file__).resolve().parents[1] / "src"))
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as store:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from techbloc.cli import main; sys.argv = ['techbloc', 'serve', "
                f"'--port', '{port}', '--store-root', {store!r}]; main()",
            ],
            env={**os.environ, "PYTHONPATH": args.src},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    httpx.get(f"{base}/api/presets", timeout=5).raise_for_status()
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.5)
            text = big_study()
            print(f"code: {args.src}; study YAML of {len(text.encode()):,} bytes")
            print("GET /api/presets alone:        ", summary(latencies(f"{base}/api/presets", 5)))
            checks: list[tuple[float, int]] = []
            stop = threading.Event()

            def upload() -> None:
                with httpx.Client(timeout=600) as client:
                    while not stop.is_set():
                        began = time.perf_counter()
                        answer = client.post(
                            f"{base}/api/studies/yaml?check=true",
                            content=text.encode(),
                            headers={"Content-Type": "application/yaml"},
                        )
                        checks.append((time.perf_counter() - began, answer.status_code))

            uploader = threading.Thread(target=upload, daemon=True)
            uploader.start()
            time.sleep(0.5)
            busy = latencies(f"{base}/api/presets", args.seconds)
            stop.set()
            uploader.join(600)
            print("GET /api/presets during checks:", summary(busy))
            shown = ", ".join(f"{s:.1f} s ({code})" for s, code in checks)
            print(f"checks of the 1 MB file: {len(checks)}: {shown}")
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
