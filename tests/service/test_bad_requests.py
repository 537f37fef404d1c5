"""The single-request cases of benchmarks/bad_requests.py, sent to the app in-process.

The budget's limits are those of a modest machine (8 GiB of memory, 10 GiB of disk), as the
corpus sets them for its server: with this machine's own free memory and disk the two big
studies may fit, and would rightly be accepted.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).parents[2] / "benchmarks" / "bad_requests.py"
_spec = importlib.util.spec_from_file_location("bad_requests", _PATH)
assert _spec is not None and _spec.loader is not None
bad_requests = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bad_requests", bad_requests)
_spec.loader.exec_module(bad_requests)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in bad_requests.cases()])
def test_bad_request_is_refused_clearly(client, case, monkeypatch) -> None:
    monkeypatch.setenv("TECHBLOC_MAX_MEMORY", "8GiB")
    monkeypatch.setenv("TECHBLOC_MAX_DISK", "10GiB")
    answer = client.request(case.method, case.path, content=case.body, headers=case.headers)
    detail = str(answer.json().get("detail", "")) if answer.content else ""
    if 200 <= answer.status_code < 300 and "/api/studies" in case.path:
        job = answer.json().get("id")
        if job:
            client.post(f"/api/jobs/{job}/cancel")
    assert bad_requests.classify(answer.status_code, detail, case.expect) == "refused clearly", (
        answer.status_code,
        detail,
    )
