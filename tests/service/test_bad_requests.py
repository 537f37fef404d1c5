"""The single-request cases of benchmarks/bad_requests.py, sent to the app in-process.

Cases marked ``secsvc`` (cross-site requests, budgets in bytes, bounded YAML integers: issue
23 items 1-3) are fixed on the ``secsvc`` branch: they are expected to fail here until it is
merged. The two that would start multi-GB jobs before then are not run (``run=False``).
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

_HEAVY = {"10,000,000 scenarios over 2 years", "740,000 scenarios × 27 years with trajectories"}


def _params() -> list:
    out = []
    for case in bad_requests.cases():
        marks = []
        if case.needs:
            marks.append(
                pytest.mark.xfail(
                    reason=f"fixed on the {case.needs} branch (issue 23 items 1-3)",
                    run=case.label not in _HEAVY,
                    strict=False,
                )
            )
        out.append(pytest.param(case, id=case.label, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_bad_request_is_refused_clearly(client, case) -> None:
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
