"""Access control of the web service: Host header, access token, request-body size.

One ASGI middleware, :class:`AccessMiddleware`, in front of the whole application:

- **Host header.** Only the names in ``allowed_hosts`` are served (default: the loopback
  names), so a web page that rebinds its DNS name to 127.0.0.1 cannot drive a local server.
  ``"*"`` allows any host (the default when an access token is required).
- **Access token.** When the service has a token (``techbloc serve`` makes one whenever it
  listens beyond loopback, as Jupyter does), every request must carry it: as
  ``Authorization: Bearer TOKEN``, as ``?token=TOKEN`` (the URL printed at start; it also
  sets a cookie so that the dashboard's own requests carry it), or as that cookie.
- **Body size.** A request body larger than ``max_body`` bytes is refused with 413, whether
  or not it declares its length.

Refusals are JSON ``{"detail": message}`` like every other error of the API.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

__all__ = [
    "COOKIE",
    "LOOPBACK_HOSTS",
    "MAX_BODY_BYTES",
    "AccessMiddleware",
    "is_loopback",
    "new_token",
]

#: Host names served by default.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 1024 * 1024
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
    """Check the Host header, the access token and the body size of every HTTP request.

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
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None = None,
        allowed_hosts: Iterable[str] | None = None,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.token = token or None
        if allowed_hosts is None:
            allowed_hosts = ("*",) if self.token else LOOPBACK_HOSTS
        self.allowed_hosts = {_host_name(h) for h in allowed_hosts}
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        host = _host_name(headers.get("host", ""))
        if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            await _refuse(
                send,
                400,
                f"Host {host or '(none)'!r} is not served here; allowed: "
                f"{', '.join(sorted(self.allowed_hosts))} (techbloc serve "
                "--allowed-host NAME adds one)",
            )
            return
        set_cookie = False
        if self.token is not None:
            given, from_query = _given_token(scope, headers)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                await _refuse(
                    send,
                    401,
                    "missing or wrong access token: open the URL that "
                    "`techbloc serve` printed (it ends in ?token=...), or send the "
                    "header 'Authorization: Bearer TOKEN'",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            set_cookie = from_query
        length = headers.get("content-length")
        if length is not None:
            try:
                too_large = int(length) > self.max_body
            except ValueError:
                await _refuse(send, 400, "Content-Length is not a number")
                return
            if too_large:
                await _refuse(
                    send,
                    413,
                    f"request body of {int(length):,} bytes is larger "
                    f"than the limit of {self.max_body:,} bytes",
                )
                return
        receive_body = receive
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            # read the whole body first (it is small): a body without Content-Length that
            # grows past the limit is refused before the application sees any of it
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await _refuse(
                        send,
                        413,
                        f"request body is larger than the limit of {self.max_body:,} bytes",
                    )
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            replayed = False

            async def receive_body() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

        async def cookie_send(message: Message) -> None:
            if message["type"] == "http.response.start" and set_cookie:
                cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())],
                }
            await send(message)

        await self.app(scope, receive_body, cookie_send)


def _given_token(scope: Scope, headers: dict[str, str]) -> tuple[str | None, bool]:
    """The token a request carries, and whether it came in the query string."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], True
    if "cookie" in headers:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers["cookie"])
        except Exception:  # a malformed cookie header is the same as none
            return None, False
        if COOKIE in jar:
            return jar[COOKIE].value, False
    return None, False


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
