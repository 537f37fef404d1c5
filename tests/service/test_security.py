"""Cross-site requests, body types, security headers, tokens kept out of logs, slow bodies."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from techbloc.service.access import cross_site, header_timeout_protocol
from techbloc.service.app import create_app
from techbloc.service.security import RedactTokens, redact

SERVER = "http://127.0.0.1"
YAML = "name: csrf-test\npolicies:\n  - preset: forging_core\nscenarios: 4\nyears:\n  end: 2026\n"
JSON = json.dumps(
    {"name": "csrf-test", "policies": [{"preset": "forging_core"}], "scenarios": 4,
     "years": {"end": 2026}}
)  # fmt: skip
#: Content type -> (body, answer from the server's own page or from a program).
BODIES = {
    "text/plain": (YAML, 415),
    "application/x-www-form-urlencoded": ("study=" + YAML, 415),
    "multipart/form-data; boundary=xyz": (
        f'--xyz\r\nContent-Disposition: form-data; name="f"\r\n\r\n{YAML}\r\n--xyz--\r\n',
        415,
    ),
    "application/json": (JSON, 200),
    "application/yaml": (YAML, 200),
}
#: Origin header -> whether the request comes from another site.
ORIGINS = {"same": (SERVER, False), "other": ("http://evil.example", True), "none": (None, False)}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(tmp_path_factory.mktemp("store")), base_url=SERVER) as test:
        yield test


@pytest.mark.parametrize("origin", list(ORIGINS))
@pytest.mark.parametrize("content_type", list(BODIES))
def test_study_checks_by_content_type_and_origin(client, content_type: str, origin: str) -> None:
    body, expected = BODIES[content_type]
    origin_header, foreign = ORIGINS[origin]
    headers = {"Content-Type": content_type}
    if origin_header is not None:
        headers["Origin"] = origin_header
    response = client.post("/api/studies/yaml?check=true", content=body, headers=headers)
    assert response.status_code == (403 if foreign else expected), response.text
    if response.status_code == 403:
        assert "cross-site request refused" in response.json()["detail"]
    if response.status_code == 415:
        assert "application/json or application/yaml" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_cross_site_study_start_is_refused_and_nothing_runs(client, content_type) -> None:
    response = client.post(
        "/api/studies/yaml",
        content=YAML,
        headers={"Content-Type": content_type, "Origin": "http://evil.example"},
    )
    assert response.status_code == 403
    assert not any(job["name"] == "csrf-test" for job in client.get("/api/jobs").json())


@pytest.mark.parametrize(
    ("fetch_site", "status"),
    [("cross-site", 403), ("same-site", 403), ("same-origin", 200), ("none", 200)],
)
def test_sec_fetch_site_is_checked(client, fetch_site: str, status: int) -> None:
    response = client.post(
        "/api/studies/yaml?check=true",
        content=YAML,
        headers={"Content-Type": "application/yaml", "Sec-Fetch-Site": fetch_site},
    )
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/api/jobs/000000000000"), ("POST", "/api/jobs/000000000000/cancel")],
)
def test_bodiless_changes_from_another_site_are_refused(client, method, path) -> None:
    refused = client.request(method, path, headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert client.request(method, path).status_code == 404  # the same without an Origin


def test_null_origin_and_another_port_are_other_sites() -> None:
    host = {"host": "127.0.0.1:8000"}
    assert cross_site({**host, "origin": "null"}) is not None
    assert cross_site({**host, "origin": "http://127.0.0.1:8001"}) is not None
    assert cross_site({**host, "origin": "http://localhost:8000"}) is not None
    assert cross_site({**host, "origin": "http://127.0.0.1:8000"}) is None
    assert cross_site(host) is None


def test_reads_from_another_site_are_not_refused(client) -> None:
    response = client.get("/api/presets", headers={"Origin": "http://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers  # but the page cannot read it


def test_cross_site_with_the_token_in_a_header_is_accepted(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path, token="s3cret"), base_url=SERVER) as client:
        foreign = {"Content-Type": "application/yaml", "Origin": "http://evil.example"}
        with_header = client.post(
            "/api/studies/yaml?check=true",
            content=YAML,
            headers={**foreign, "Authorization": "Bearer s3cret"},
        )
        assert with_header.status_code == 200, with_header.text
        client.cookies.set("techbloc_token", "s3cret")
        with_cookie = client.post("/api/studies/yaml?check=true", content=YAML, headers=foreign)
        assert with_cookie.status_code == 403  # a cookie is sent by the browser, whoever asks
        no_origin = client.post(
            "/api/studies/yaml?check=true",
            content=YAML,
            headers={"Content-Type": "application/yaml"},
        )
        assert no_origin.status_code == 200


def test_body_without_content_type_is_415(client) -> None:
    response = client.post("/api/studies/yaml?check=true", content=YAML.encode())
    assert response.status_code == 415
    assert "Content-Type" in response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/", "/studies", "/docs", "/api/presets", "/api/nothing", "/static/style.css"]
)
def test_security_headers_on_every_response(client, path: str) -> None:
    response = client.get(path)
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert (
        "unsafe-inline"
        not in headers["content-security-policy"].split("script-src")[1].split(";")[0]
    )
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_security_headers_on_refusals(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path), base_url="http://evil.example") as client:
        response = client.get("/")
    assert response.status_code == 400
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_docs_allows_only_its_own_inline_script_by_hash(client) -> None:
    policy = client.get("/docs").headers["content-security-policy"]
    script = policy.split("script-src")[1].split(";")[0]
    assert "'sha256-" in script and "unsafe" not in script


def test_study_report_is_sandboxed(client) -> None:
    from techbloc.service.security import REPORT_CSP

    assert "sandbox" in REPORT_CSP and "script-src" not in REPORT_CSP
    assert "frame-ancestors 'none'" in REPORT_CSP


def test_tokens_are_redacted_from_the_access_log() -> None:
    # uvicorn's access log: '%s - "%s %s HTTP/%s" %d' with the path and query as one argument
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/studies?x=1&token=s3cret&y=2", "1.1", 200),
        None,
    )
    RedactTokens().filter(record)
    message = record.getMessage()
    assert "s3cret" not in message and "token=[redacted]&y=2" in message
    assert redact("/?TOKEN=abc") == "/?TOKEN=[redacted]"


def test_create_app_installs_the_redaction(tmp_path: Path) -> None:
    create_app(tmp_path)
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("uvicorn.access").filters)


# -- slow and half-sent bodies, on a real server ------------------------------------------
@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    import uvicorn

    app = create_app(tmp_path, body_timeout=1.0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", http=header_timeout_protocol(1.0)
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    served.should_exit = True
    thread.join(10)


def test_half_sent_body_is_refused_with_408(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=10) as raw:
        raw.sendall(
            b"POST /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name": '
        )
        began = time.monotonic()
        answer = b""
        while chunk := raw.recv(4096):  # the server answers, then closes the connection
            answer += chunk
        waited = time.monotonic() - began
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 1 seconds" in answer
    assert waited < 8


@pytest.mark.parametrize(
    "sent", [b"", b"GET /api/pres", b"POST /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\n"]
)
def test_half_sent_headers_are_cut_off(server: int, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=10) as raw:
        raw.sendall(sent)
        began = time.monotonic()
        assert raw.recv(4096) == b""  # closed by the server, not by our 10 s timeout
        assert time.monotonic() - began < 8


def test_keep_alive_then_half_sent_headers_are_cut_off(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=10) as raw:
        raw.sendall(b"GET /api/presets HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = raw.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        raw.sendall(b"GET /api/presets HTTP/1.1\r\nHo")
        began = time.monotonic()
        while raw.recv(65536):  # the rest of the first answer, then the close
            pass
        assert time.monotonic() - began < 8


def test_a_slow_body_does_not_hold_up_other_requests(server: int) -> None:
    import httpx

    with socket.create_connection(("127.0.0.1", server), timeout=10) as raw:
        raw.sendall(
            b"POST /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        response = httpx.get(f"http://127.0.0.1:{server}/api/presets", timeout=10)
        assert response.status_code == 200


# -- uploaded YAML: off the event loop, integers bounded, time limit ------------------------
def test_huge_integer_in_an_uploaded_study_is_422_with_the_line(client) -> None:
    text = "name: x\npolicies:\n  - preset: quad\nseed: " + "1" * 4301 + "\n"
    response = client.post(
        "/api/studies/yaml?check=true", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("study.yaml:4: an integer of 4,301 characters")


def test_uploaded_study_parsed_past_the_time_limit_is_422(tmp_path: Path) -> None:
    policies = "".join(f"  - name: p{i}\n    members: [USA, JPN]\n" for i in range(5000))
    text = "name: slow\npolicies:\n" + policies
    with TestClient(create_app(tmp_path, check_timeout=0.001), base_url=SERVER) as client:
        response = client.post(
            "/api/studies/yaml?check=true",
            content=text,
            headers={"Content-Type": "application/yaml"},
        )
    assert response.status_code == 422
    assert "parsing took longer than 0.001 seconds" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/studies", "/api/evaluate", "/api/evaluations"])
def test_huge_integer_in_json_is_422_not_500(client, path: str) -> None:
    body = '{"scenarios": ' + "1" * 5000 + ', "policies": [{"preset": "quad"}]}'
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
