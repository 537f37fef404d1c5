"""The error responses the service's routes declare in the OpenAPI spec (all JSON)."""

from __future__ import annotations

from typing import Any

from techbloc.service.schemas import ErrorResponse

__all__ = ["BODY", "BUSY", "ERRORS", "NOT_FOUND", "NOT_READY"]

#: Invalid input.
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid input (the message says why)"},
}
#: A body over the size limit.
BODY: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "Request body over the size limit (1 MiB)"},
}
#: Too much waiting already.
BUSY: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorResponse, "description": "Too many requests or jobs waiting"},
}
#: Unknown country, job or evaluation (and invalid input).
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: {"model": ErrorResponse, "description": "Unknown country or job"},
}
#: Not finished yet (and the above).
NOT_READY: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"model": ErrorResponse, "description": "The job has not finished (or failed)"},
}
