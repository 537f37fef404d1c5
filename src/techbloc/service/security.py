"""What the service tells browsers, and what it keeps out of its logs.

- **Security headers** (:data:`SECURITY_HEADERS`, added to every response by
  :class:`~techbloc.service.access.AccessMiddleware`): a Content-Security-Policy that lets
  pages run only the scripts served from ``/static`` and forbids framing
  (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers);
  ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: no-referrer`` (a URL with
  ``?token=`` is never sent to another site); ``Cross-Origin-Resource-Policy: same-origin``
  (no other site can load the API's answers as a script or an image). A route may set its
  own policy: ``/docs`` allows the one inline script of Swagger UI by its hash
  (:func:`inline_script_policy`), a study's report is sandboxed (:data:`REPORT_CSP`).
- **Tokens never logged**: :class:`RedactTokens`, a :mod:`logging` filter installed on
  uvicorn's access log by :func:`redact_access_log`, writes ``?token=...`` as
  ``?token=[redacted]``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re

__all__ = [
    "DEFAULT_CSP",
    "REPORT_CSP",
    "SECURITY_HEADERS",
    "RedactTokens",
    "inline_script_policy",
    "redact",
    "redact_access_log",
]

#: The Content-Security-Policy of every page and answer (the dashboard's scripts are files
#: under /static; it sets element styles, hence ``'unsafe-inline'`` for styles only, and draws
#: its PNG downloads from ``blob:`` images).
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: A study's HTML report: self-contained (inline styles and images, no script), sandboxed.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)
#: Headers added to every response that does not set them itself.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", DEFAULT_CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_TOKEN = re.compile(r"([?&]token=)[^&\s\"]*", re.IGNORECASE)


def inline_script_policy(html: str) -> str:
    """:data:`DEFAULT_CSP` that also allows the inline scripts of ``html``, by their hash.

    Examples
    --------
    >>> inline_script_policy("<script>go()</script>").split("; ")[1]
    "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]
    return DEFAULT_CSP.replace("script-src 'self'", " ".join(["script-src 'self'", *hashes]))


def redact(text: str) -> str:
    """``text`` with the value of every ``token=`` query parameter hidden.

    >>> redact("GET /?token=abc&x=1 HTTP/1.1")
    'GET /?token=[redacted]&x=1 HTTP/1.1'
    """
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """A logging filter that hides ``token=`` values in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_access_log(name: str = "uvicorn.access") -> None:
    """Install :class:`RedactTokens` on the logger ``name`` (once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
