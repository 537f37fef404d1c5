"""Send a loopback ``techbloc serve`` cross-site, big, slow and malformed requests.

Each case is one request (or a small scenario of requests) and what a clear refusal looks
like. Verdicts, as in ``bad_inputs.py``:

- *refused clearly*: a 4xx answer whose message matches the case's pattern;
- *refused unclearly*: a 4xx answer with another message;
- *silent*: a 2xx answer: the request was accepted (a cross-site study start, a study far
  over the machine's memory or disk); any job it started is cancelled at once;
- *traceback*: a 5xx answer or a reset connection;
- *hang*: no answer within the time limit, or (for "GET while a 1 MB YAML is checked")
  a p95 GET latency over 0.5 s.

The cases marked ``secsvc`` test issue 23's items 1-3 (cross-site requests, a budget in
bytes, nothing heavy on the event loop), built on the ``secsvc`` branch: they fail here until
it is merged. Run::

    python benchmarks/bad_requests.py          # starts `techbloc serve` on a free port

``tests/service/test_bad_requests.py`` sends the single-request cases to the app in-process.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RequestCase", "cases", "classify", "main"]

#: Seconds one request may take before it counts as a hang.
TIMEOUT = 30.0
EVIL = "http://evil.example"
SMALL = (
    "name: xsite\npolicies:\n  - preset: forging_core\nscenarios: 4\n"
    "years: {start: 2024, end: 2026}\n"
)


@dataclass(frozen=True)
class RequestCase:
    """One request and the pattern of its refusal."""

    label: str
    method: str
    path: str
    expect: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: The branch that fixes it, when not this one.
    needs: str = ""


def _json(data: Any) -> bytes:
    return json.dumps(data).encode()


def _study(**changes: Any) -> dict[str, Any]:
    return {
        "name": "big",
        "policies": [{"preset": "forging_core"}],
        "scenarios": 4,
        "years": {"start": 2024, "end": 2026},
        **changes,
    }


def cases() -> list[RequestCase]:
    """The single-request cases."""
    as_json = {"Content-Type": "application/json"}
    boundary = "x1x"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\n{SMALL}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    digits = "9" * 4400
    return [
        # issue 23 item 1: cross-site study starts (the secsvc branch)
        RequestCase(
            "cross-site YAML as text/plain",
            "POST",
            "/api/studies/yaml",
            r"origin|content.type|cross",
            SMALL.encode(),
            {"Content-Type": "text/plain", "Origin": EVIL},
            "secsvc",
        ),
        RequestCase(
            "cross-site YAML as a form",
            "POST",
            "/api/studies/yaml",
            r"origin|content.type|cross",
            SMALL.encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": EVIL},
            "secsvc",
        ),
        RequestCase(
            "cross-site YAML as multipart",
            "POST",
            "/api/studies/yaml",
            r"origin|content.type|cross",
            multipart,
            {"Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": EVIL},
            "secsvc",
        ),
        RequestCase(
            "cross-site JSON study",
            "POST",
            "/api/studies",
            r"origin|cross",
            _json(_study(name="xjson")),
            {**as_json, "Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
            "secsvc",
        ),
        # issue 23 item 2: budgets in bytes (the secsvc branch)
        RequestCase(
            "10,000,000 scenarios over 2 years",
            "POST",
            "/api/studies",
            r"memory|disk|bytes|GiB|GB",
            _json(_study(scenarios=10_000_000, years={"start": 2024, "end": 2025})),
            as_json,
            "secsvc",
        ),
        RequestCase(
            "740,000 scenarios × 27 years with trajectories",
            "POST",
            "/api/studies",
            r"memory|disk|bytes|GiB|GB",
            _json(
                _study(
                    scenarios=740_000,
                    years={"start": 2024, "end": 2050},
                    outputs={"trajectories": True},
                )
            ),
            as_json,
            "secsvc",
        ),
        # issue 23 item 3: YAML integers bounded (the secsvc branch)
        RequestCase(
            "YAML integer of 4,400 digits",
            "POST",
            "/api/studies/yaml?check=true",
            r"study\.yaml:\d+",
            SMALL.replace("scenarios: 4", f"scenarios: {digits}").encode(),
            {"Content-Type": "application/yaml"},
            "secsvc",
        ),
        # issue 23 item 5: one parser of member lists, case-duplicate keys (this branch)
        RequestCase(
            "evaluate coalition [JPN, JPN]",
            "POST",
            "/api/evaluate",
            r"JPN is given twice",
            _json({"coalitions": [["JPN", "JPN"]], "scenarios": 2}),
            as_json,
        ),
        RequestCase(
            "evaluate coalition [JPN, jpn]",
            "POST",
            "/api/evaluate",
            r"JPN is given twice",
            _json({"coalitions": [["JPN", "jpn"]], "scenarios": 2}),
            as_json,
        ),
        RequestCase(
            "evaluate coalition []",
            "POST",
            "/api/evaluate",
            r"coalitions\[0\].*empty",
            _json({"coalitions": [[]], "scenarios": 2}),
            as_json,
        ),
        RequestCase(
            "evaluate coalition with an empty code",
            "POST",
            "/api/evaluate",
            r"empty country code",
            _json({"coalitions": [["JPN", ""]], "scenarios": 2}),
            as_json,
        ),
        RequestCase(
            "capacity_building jpn and JPN",
            "POST",
            "/api/evaluate",
            r"capacity_building: JPN is given twice",
            _json(
                {
                    "coalitions": [["JPN"]],
                    "capacity_building": {"jpn": 0.5, "JPN": 0.2},
                    "scenarios": 2,
                }
            ),
            as_json,
        ),
        RequestCase(
            "study members [JPN, jpn]",
            "POST",
            "/api/studies",
            r"JPN is given twice",
            _json(_study(policies=[{"members": ["JPN", "jpn"]}])),
            as_json,
        ),
        RequestCase(
            "study capacity_building jpn and JPN",
            "POST",
            "/api/studies",
            r"JPN is given twice",
            _json(
                _study(
                    policies=[
                        {"members": ["JPN", "KOR"], "capacity_building": {"jpn": 0.5, "JPN": 0.2}}
                    ]
                )
            ),
            as_json,
        ),
    ]


def classify(status: int | None, detail: str, expect: str) -> str:
    """The verdict of one answer (``status`` None: no answer in time)."""
    if status is None:
        return "hang"
    if status >= 500 or status < 0:
        return "traceback"
    if status < 400:
        return "silent"
    return "refused clearly" if re.search(expect, detail, re.IGNORECASE) else "refused unclearly"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _send(client: Any, case: RequestCase) -> tuple[int | None, str]:
    import httpx

    try:
        answer = client.request(case.method, case.path, content=case.body, headers=case.headers)
    except httpx.TimeoutException:
        return None, "timed out"
    except httpx.TransportError as exc:  # a reset connection
        return -1, f"{type(exc).__name__}: {exc}"
    try:
        detail = str(answer.json().get("detail", answer.text))
    except ValueError:
        detail = answer.text
    if 200 <= answer.status_code < 300 and "/api/studies" in case.path:
        job = answer.json().get("id")
        if job:  # do not let an accepted study run
            client.post(f"/api/jobs/{job}/cancel")
    return answer.status_code, detail


def _latency_while_checking(client: Any, base: str) -> tuple[str, str]:
    """GET p95 while a 1 MB YAML study is being checked."""
    import httpx

    policies = "".join(
        f"  - {{preset: forging_core, name: p{i}, pool_share: 0.1}}\n" for i in range(18_000)
    )
    text = SMALL.replace("  - preset: forging_core\n", policies)
    done = threading.Event()

    def post() -> None:
        with (
            httpx.Client(base_url=base, timeout=120) as other,
            contextlib.suppress(httpx.HTTPError),
        ):
            other.post(
                "/api/studies/yaml?check=true",
                content=text.encode(),
                headers={"Content-Type": "application/yaml"},
            )
        done.set()

    threading.Thread(target=post, daemon=True).start()
    times = []
    began = time.monotonic()
    while not done.is_set() and time.monotonic() - began < 60:
        start = time.perf_counter()
        try:
            client.get("/api/presets", timeout=TIMEOUT)
        except httpx.HTTPError:
            return "hang", "GET failed"
        times.append(time.perf_counter() - start)
        time.sleep(0.05)
    if len(times) < 2:
        return "refused clearly", f"check finished within {len(times)} GET(s)"
    p95 = statistics.quantiles(times, n=20)[-1]
    verdict = "refused clearly" if p95 <= 0.5 else "hang"
    return verdict, f"{len(text) / 1e6:.2f} MB YAML; GET p95 {p95:.2f} s over {len(times)} GETs"


def _half_sent(port: int) -> tuple[str, str]:
    """A body announced as 1,000 bytes, 10 sent: the server must give up on it."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(
            b"POST /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            b'\r\nContent-Length: 1000\r\n\r\n{"name": '
        )
        began = time.monotonic()
        try:
            reply = s.recv(200)
        except TimeoutError:
            return "hang", f"still open after {TIMEOUT:.0f} s"
        waited = time.monotonic() - began
    from techbloc.service.access import BODY_TIMEOUT

    # the server gives up on a body after BODY_TIMEOUT; a second of slack for a loaded machine
    clear = reply.startswith(b"HTTP/1.1 408") and waited <= BODY_TIMEOUT + 1
    verdict = "refused clearly" if clear else "hang"
    first = reply.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    return verdict, f"{first} after {waited:.1f} s"


def main() -> int:
    """Start a server, send every case, print the verdicts; exit 1 unless all are clear."""
    import httpx

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    import techbloc

    src = Path(techbloc.__file__).parents[1]  # the techbloc this process runs
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])),
        # the budget's limits of a modest machine (by default they follow this machine's free
        # memory and disk, where the big studies below may fit and rightly be accepted)
        "TECHBLOC_MAX_MEMORY": "8GiB",
        "TECHBLOC_MAX_DISK": "10GiB",
    }
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from techbloc.cli import main; main()",
                "serve",
                "--port",
                str(port),
                "--store-root",
                str(Path(tmp) / "store"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            with httpx.Client(base_url=base, timeout=TIMEOUT) as client:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        if client.get("/api/presets").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline or server.poll() is not None:
                        print("the server did not start")
                        return 1
                    time.sleep(0.3)
                # this branch's cases first: the big ones start heavy jobs, and the 4,400-digit
                # integer resets the connection until the secsvc branch is merged
                for case in sorted(cases(), key=lambda c: bool(c.needs)):
                    status, detail = _send(client, case)
                    verdict = classify(status, detail, case.expect)
                    rows.append((verdict, case.label, case.needs, f"{status}: {detail}"))
                scenarios: list[tuple[str, Callable[[], tuple[str, str]]]] = [
                    (
                        "GET while a 1 MB YAML is checked",
                        lambda: _latency_while_checking(client, base),
                    ),
                    ("half-sent request body", lambda: _half_sent(port)),
                ]
                for label, run in scenarios:
                    verdict, note = run()
                    rows.append((verdict, label, "secsvc", note))
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    for verdict, label, needs, note in rows:
        tag = f"[{needs}]" if needs else ""
        print(f"{verdict:17} {label:46} {tag:8} {' '.join(note.split())[:90]}")
    verdicts = [r[0] for r in rows]
    kinds = ("refused clearly", "refused unclearly", "silent", "traceback", "hang")
    starts = sum(v == "silent" and label.startswith("cross-site") for v, label, _, _ in rows)
    print(
        f"service requests: tried {len(rows)}; "
        + "; ".join(f"{k} {verdicts.count(k)}" for k in kinds)
        + f"; cross-site starts {starts}"
    )
    return 0 if all(v == "refused clearly" for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
