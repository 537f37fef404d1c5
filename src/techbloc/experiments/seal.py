"""The root hash of a results store: every byte of its metadata chained into one digest.

A store's metadata is its ``manifest`` (study and its hash, package version, root seed,
number of scenarios, policies in order, outputs, creation time) and its ``chunks`` records
(each chunk's scenario range, file list, Parquet checksums, row counts and row hashes). The
*seal* is a manifest entry (:data:`SEAL_KEY`) holding

- ``manifest``: the SHA-256 of each manifest entry's stored text, by key;
- ``chunks``: one leaf per chunk, the SHA-256 of its record's result-bearing fields
  (everything but its timing), by ``"start-stop"``;
- ``root``: the SHA-256 of both, in canonical JSON (a Merkle-style root: any changed byte of
  any entry or record changes it);
- ``signature`` (optional): an HMAC-SHA256 of ``root`` with a secret key.

The seal is rewritten in the same transaction as each chunk it covers, so a store killed at
any point is sealed. Checking it reads only the manifest and the ``chunks`` table (no data),
so every open does it. Without a key, tampering that recomputes every hash (and the seal)
cannot be detected: the seal catches damage and careless edits, and only a signature catches
a deliberate forger. The key comes from :data:`KEY_ENV` (the key itself) or
:data:`KEY_FILE_ENV` (a file holding it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from techbloc.errors import StoreError

__all__ = [
    "CHUNK_FIELDS",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "SEAL_KEY",
    "chunk_leaf",
    "make_seal",
    "manifest_digests",
    "seal_key",
    "seal_of_leaves",
    "seal_root",
    "sign",
]

#: Manifest entry holding the seal.
SEAL_KEY = "integrity"
#: Environment variable holding a signing key (any text; at least 16 bytes).
KEY_ENV = "TECHBLOC_STORE_KEY"
#: Environment variable naming a file that holds the signing key.
KEY_FILE_ENV = "TECHBLOC_STORE_KEY_FILE"
#: Fields of a ``chunks`` record that a leaf covers, in order (not ``seconds``/``finished``).
CHUNK_FIELDS = (
    "start",
    "stop",
    "files",
    "scenario_rows",
    "outcome_rows",
    "scenarios_hash",
    "outcomes_hash",
    "checksums",
)
_MIN_KEY_BYTES = 16


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def manifest_digests(entries: Mapping[str, str | None]) -> dict[str, str]:
    """SHA-256 of each manifest entry's stored text (the seal's own entry excluded)."""
    return {
        key: _sha256(_canonical(value)) for key, value in sorted(entries.items()) if key != SEAL_KEY
    }


def chunk_leaf(record: Mapping[str, Any]) -> str:
    """The leaf of one ``chunks`` record: SHA-256 of :data:`CHUNK_FIELDS`, as stored."""
    values = [record.get(name) for name in CHUNK_FIELDS]
    return _sha256(_canonical([v if v is None or isinstance(v, str) else int(v) for v in values]))


def seal_root(manifest: Mapping[str, str], chunks: Mapping[str, str]) -> str:
    """The root hash over the manifest digests and the chunk leaves."""
    return _sha256(_canonical({"manifest": dict(manifest), "chunks": dict(chunks)}))


def seal_key() -> bytes | None:
    """The signing key from :data:`KEY_ENV` or :data:`KEY_FILE_ENV` (None when neither is set).

    Raises
    ------
    StoreError
        If the key file cannot be read, or the key is shorter than 16 bytes.
    """
    text = os.environ.get(KEY_ENV)
    source = KEY_ENV
    if not text and os.environ.get(KEY_FILE_ENV):
        source = os.environ[KEY_FILE_ENV]
        try:
            text = Path(source).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(
                f"{KEY_FILE_ENV}={source}: cannot read the store signing key ({exc})"
            ) from None
    if not text:
        return None
    key = text.encode()
    if len(key) < _MIN_KEY_BYTES:
        raise StoreError(
            f"{source}: the store signing key has {len(key)} bytes; use at least "
            f"{_MIN_KEY_BYTES} (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return key


def sign(root: str, key: bytes) -> str:
    """HMAC-SHA256 of the root hash."""
    return hmac.new(key, root.encode(), hashlib.sha256).hexdigest()


def make_seal(
    entries: Mapping[str, str | None],
    records: Sequence[Mapping[str, Any]],
    key: bytes | None = None,
) -> dict[str, Any]:
    """The seal of a manifest (stored texts by key) and its ``chunks`` records."""
    chunks = {f"{int(r['start'])}-{int(r['stop'])}": chunk_leaf(r) for r in records}
    return seal_of_leaves(entries, chunks, key)


def seal_of_leaves(
    entries: Mapping[str, str | None], chunks: Mapping[str, str], key: bytes | None = None
) -> dict[str, Any]:
    """The seal of a manifest (stored texts by key) and chunk leaves (by ``"start-stop"``)."""
    manifest = manifest_digests(entries)
    chunks = dict(chunks)
    root = seal_root(manifest, chunks)
    seal: dict[str, Any] = {"scheme": 1, "manifest": manifest, "chunks": chunks, "root": root}
    if key is not None:
        seal["signature"] = sign(root, key)
    return seal
