"""Access control of the web service: Host, token, cross-site requests, body size and time.

One ASGI middleware, :class:`AccessMiddleware`, in front of the whole application:

- **Host header.** Only the names in ``allowed_hosts`` are served (default: the loopback
  names), so a web page that rebinds its DNS name to 127.0.0.1 cannot drive a local server.
  ``"*"`` allows any host (the default when an access token is required).
- **Access token.** When the service has a token (``techbloc serve`` makes one whenever it
  listens beyond loopback, as Jupyter does), every request must carry it: as
  ``Authorization: Bearer TOKEN``, as ``?token=TOKEN`` (the URL printed at start; it also
  sets a cookie so that the dashboard's own requests carry it), or as that cookie.
- **Cross-site requests** (OWASP's CSRF guidance, Jupyter's rule). A request that changes
  state (``POST``, ``PUT``, ``PATCH``, ``DELETE``) from another site is refused (403) unless
  it carries the access token itself (header or query, not only the cookie): another site
  is known by ``Sec-Fetch-Site: cross-site`` or ``same-site``, or by an ``Origin`` that is
  not the server the request was sent to (the Host header), or ``Origin: null``. Such a
  request must also send a JSON or YAML body (``Content-Type: application/json`` or
  ``application/yaml``; 415 otherwise): a web page can send ``text/plain``, form and
  multipart bodies to any site without the browser asking the server first (a CORS
  preflight), but not these.
- **Body size and time.** A request body larger than ``max_body`` bytes is refused with
  413, whether or not it declares its length; one that is not received in full within
  ``body_timeout`` seconds (a slow or half-sent body) with 408, and the connection closed.
- **Header time.** ``techbloc serve`` runs uvicorn with :func:`header_timeout_protocol`:
  a connection whose request line and headers have not arrived in full ``HEADER_TIMEOUT``
  seconds (or that sends nothing) is closed; uvicorn alone waits for ever.
- **Security headers** on every response (:mod:`techbloc.service.security`).

Refusals are JSON ``{"detail": message}`` like every other error of the API.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from techbloc.service.security import SECURITY_HEADERS

__all__ = [
    "BODY_MEDIA_TYPES",
    "BODY_TIMEOUT",
    "COOKIE",
    "HEADER_TIMEOUT",
    "LOOPBACK_HOSTS",
    "MAX_BODY_BYTES",
    "AccessMiddleware",
    "cross_site",
    "header_timeout_protocol",
    "is_loopback",
    "new_token",
]

#: Host names served by default.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 1024 * 1024
#: Seconds a request body may take to arrive in full (408 beyond).
BODY_TIMEOUT = 15.0
#: Seconds the request line and headers may take to arrive.
HEADER_TIMEOUT = 10.0
#: The media types of the bodies accepted (a browser sends neither cross-site without
#: asking the server first).
BODY_MEDIA_TYPES = frozenset({"application/json", "application/yaml", "application/x-yaml"})
#: Methods that may change state (checked for cross-site origin and body type).
_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Cookie that carries the access token for the dashboard.
COOKIE = "techbloc_token"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_token() -> str:
    """A fresh random access token (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address to listen on) is reachable only from this machine."""
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """``example.org:8000`` -> ``example.org``; ``[::1]:8000`` -> ``::1``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class AccessMiddleware:
    """Check the Host header, the token, the origin and the body of every HTTP request.

    Parameters
    ----------
    app : ASGI application
    token : str, optional
        Required access token (None: no token needed).
    allowed_hosts : iterable of str, optional
        Host names served; ``"*"`` for any. Default: the loopback names without a token,
        any host with one.
    max_body : int
        Largest request body, in bytes.
    body_timeout : float
        Seconds a request body may take to arrive in full.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None = None,
        allowed_hosts: Iterable[str] | None = None,
        max_body: int = MAX_BODY_BYTES,
        body_timeout: float = BODY_TIMEOUT,
    ) -> None:
        self.app = app
        self.token = token or None
        if allowed_hosts is None:
            allowed_hosts = ("*",) if self.token else LOOPBACK_HOSTS
        self.allowed_hosts = {_host_name(h) for h in allowed_hosts}
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        set_cookie = False

        async def secure_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if set_cookie:
                    cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        host = _host_name(headers.get("host", ""))
        if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            await _refuse(
                secure_send,
                400,
                f"Host {host or '(none)'!r} is not served here; allowed: "
                f"{', '.join(sorted(self.allowed_hosts))} (techbloc serve "
                "--allowed-host NAME adds one)",
            )
            return
        given, where = _given_token(scope, headers)
        valid = (
            self.token is not None
            and given is not None
            and hmac.compare_digest(given.encode(), self.token.encode())
        )
        if self.token is not None:
            if not valid:
                await _refuse(
                    secure_send,
                    401,
                    "missing or wrong access token: open the URL that "
                    "`techbloc serve` printed (it ends in ?token=...), or send the "
                    "header 'Authorization: Bearer TOKEN'",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            set_cookie = where == "query"
        method = scope.get("method", "GET")
        if method in _CHANGING:
            other = cross_site(headers)
            if other is not None and not (valid and where in ("header", "query")):
                await _refuse(
                    secure_send,
                    403,
                    f"cross-site request refused: {other}; this server only accepts "
                    "requests that change something from its own pages (or with the access "
                    "token in an 'Authorization: Bearer TOKEN' header)",
                )
                return
        length = headers.get("content-length")
        if length is not None:
            try:
                too_large = int(length) > self.max_body
            except ValueError:
                await _refuse(secure_send, 400, "Content-Length is not a number")
                return
            if too_large:
                await _refuse(
                    secure_send,
                    413,
                    f"request body of {int(length):,} bytes is larger "
                    f"than the limit of {self.max_body:,} bytes",
                )
                return
        receive_body = receive
        if method in _CHANGING:
            body = await self._read_body(receive, secure_send)
            if body is None:
                return
            wrong = _wrong_media_type(headers.get("content-type"), body)
            if wrong is not None:
                await _refuse(secure_send, 415, wrong)
                return
            replayed = False

            async def receive_body() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

        await self.app(scope, receive_body, secure_send)

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        """The whole body (it is small), or None once refused (too large, too slow) or gone.

        A body without Content-Length that grows past the limit is refused before the
        application sees any of it; one that has not arrived in full ``body_timeout``
        seconds after the request began is refused with 408.
        """
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                await _refuse(
                    send,
                    408,
                    f"the request body did not arrive within {self.body_timeout:g} seconds "
                    f"({size:,} bytes received)",
                    [(b"connection", b"close")],
                )
                return None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _refuse(
                    send, 413, f"request body is larger than the limit of {self.max_body:,} bytes"
                )
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def header_timeout_protocol(seconds: float = HEADER_TIMEOUT) -> type:
    """uvicorn's HTTP/1.1 protocol (h11) that closes a connection whose request headers
    take longer than ``seconds`` to arrive: ``uvicorn.run(app, http=...)``.

    uvicorn closes idle keep-alive connections, but waits for ever on a connection that
    sends half a request line or half its headers (or nothing at all).
    """
    import asyncio

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE:
                self._arm()  # a new request has begun and its headers are not complete
            else:
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(seconds, self._headers_late)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_late(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and (
                self.cycle is None or self.cycle.response_complete
            ):
                self.transport.close()

    return HeaderTimeoutProtocol


def cross_site(headers: dict[str, str]) -> str | None:
    """Why a request comes from another site (for the message), or None if it does not.

    ``headers`` are the request's, with lower-case names. A browser says where a request
    comes from in ``Sec-Fetch-Site`` (``same-origin``, ``same-site``, ``cross-site`` or
    ``none`` when the user typed the URL) and, for any ``POST``, in ``Origin``; programs
    such as curl send neither, and are not cross-site.

    Examples
    --------
    >>> cross_site({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}) is None
    True
    >>> cross_site({"host": "127.0.0.1:8000", "origin": "http://evil.example"})
    "Origin 'http://evil.example' is not this server (127.0.0.1:8000)"
    """
    fetch_site = headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site in ("cross-site", "same-site"):
        return f"the browser says it comes from another site (Sec-Fetch-Site: {fetch_site})"
    if fetch_site in ("same-origin", "none"):
        return None
    origin = headers.get("origin")
    if origin is None:
        return None
    host = headers.get("host", "").strip().lower()
    try:
        parts = urlsplit(origin.strip())
        served = parts.scheme in ("http", "https") and parts.netloc.lower() == host
    except ValueError:
        served = False
    if served:
        return None
    return f"Origin {origin!r} is not this server ({host or 'no Host header'})"


def _wrong_media_type(content_type: str | None, body: bytes) -> str | None:
    """Why a body's Content-Type is refused (for a 415), or None if it is accepted."""
    accepted = " or ".join(sorted(BODY_MEDIA_TYPES - {"application/x-yaml"}))
    if content_type is None:
        if not body:
            return None
        return f"a request body needs a Content-Type header: {accepted}"
    media = content_type.split(";", 1)[0].strip().lower()
    if media in BODY_MEDIA_TYPES:
        return None
    return f"Content-Type {media or '(empty)'!r} is not accepted: send {accepted}"


def _given_token(scope: Scope, headers: dict[str, str]) -> tuple[str | None, str | None]:
    """The token a request carries, and where: ``"header"``, ``"query"`` or ``"cookie"``."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "header"
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], "query"
    if "cookie" in headers:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers["cookie"])
        except Exception:  # a malformed cookie header is the same as none
            return None, None
        if COOKIE in jar:
            return jar[COOKIE].value, "cookie"
    return None, None


async def _refuse(
    send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
