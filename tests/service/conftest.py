"""Shared fixtures for the service tests: one app per module, small sizes."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    # starlette's TestClient warns that it will move from httpx to httpx2
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from techbloc.service.app import create_app

#: A study small enough for a test: 6 futures × 2 policies, 2024-2028.
SMALL_STUDY: dict[str, Any] = {
    "name": "service-test",
    "policies": [{"preset": "forging_core"}, {"members": ["USA", "JPN", "KOR"]}],
    "scenarios": 6,
    "years": {"start": 2024, "end": 2028},
    "seed": 3,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A test client of an app whose studies go to a temporary directory."""
    app = create_app(tmp_path_factory.mktemp("service-store"))
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def small_study() -> dict[str, Any]:
    """:data:`SMALL_STUDY` (a copy)."""
    return dict(SMALL_STUDY)


@pytest.fixture
def wait_for() -> Callable[[TestClient, str], dict[str, Any]]:
    """A function polling ``/api/jobs/{id}`` until the job is done or failed (60 s at most)."""

    def poll(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            state = client.get(f"/api/jobs/{job_id}").json()
            if state["status"] in ("done", "failed") or time.monotonic() > deadline:
                return state
            time.sleep(0.1)

    return poll
