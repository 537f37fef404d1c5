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
any point is sealed; a writer keeps the leaves it has written encoded (:class:`SealLeaves`),
so that a commit does not encode every leaf again. Checking it reads only the manifest and
the ``chunks`` table (no data), so every open does it. Without a key, tampering that
recomputes every hash (and the seal) cannot be detected: the seal catches damage and
careless edits, and only a signature catches a deliberate forger. The key comes from
:data:`KEY_ENV` (the key itself) or :data:`KEY_FILE_ENV` (a file holding it).
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from techbloc.errors import StoreError

__all__ = [
    "CHUNK_FIELDS",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "SEAL_KEY",
    "SealLeaves",
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


class SealLeaves:
    """A seal's chunk leaves, kept ready to write: adding a chunk costs an insertion, and
    writing the seal a join of the leaves already encoded, not an encoding of every one.

    The seal holds one leaf per chunk, so a writer that encoded them all at each commit
    (twice: once canonical for the root, once for the stored text) spent longer on each
    commit than on the last. :meth:`seal_text` gives the same text as
    ``json.dumps(seal_of_leaves(entries, leaves, key))`` with the leaves in range order.

    Parameters
    ----------
    leaves : mapping, optional
        Leaf by ``(start, stop)``.
    """

    def __init__(self, leaves: Mapping[tuple[int, int], str] | None = None) -> None:
        leaves = dict(leaves or {})
        self._spans = sorted(leaves)  # range order: the stored text's
        self._stored = [_stored_piece(span, leaves[span]) for span in self._spans]
        named = sorted((_name(span), leaf) for span, leaf in leaves.items())
        self._names = [name for name, _ in named]  # name order: the canonical text's
        self._canonical = [_canonical_piece(name, leaf) for name, leaf in named]

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, span: object) -> bool:
        if not isinstance(span, tuple):
            return False
        i = bisect.bisect_left(self._spans, span)
        return i < len(self._spans) and self._spans[i] == span

    def spans(self) -> list[tuple[int, int]]:
        """The chunks' ranges, in order."""
        return list(self._spans)

    def overlap(self, start: int, stop: int) -> tuple[int, int] | None:
        """A stored chunk that overlaps ``[start, stop)``, or None (the chunks do not overlap
        one another)."""
        i = bisect.bisect_left(self._spans, (start, stop))
        for j in (i - 1, i):
            if 0 <= j < len(self._spans):
                a, b = self._spans[j]
                if start < b and a < stop:
                    return a, b
        return None

    def extended(self, leaves: Iterable[tuple[tuple[int, int], str]]) -> SealLeaves:
        """A copy with more chunks' leaves (this one is left as it is).

        Raises
        ------
        ValueError
            If a chunk's range is already there.
        """
        out = SealLeaves.__new__(SealLeaves)
        out._spans, out._stored = list(self._spans), list(self._stored)
        out._names, out._canonical = list(self._names), list(self._canonical)
        for span, leaf in leaves:
            if span in out:
                raise ValueError(f"chunk [{span[0]}, {span[1]}) is sealed already")
            i = bisect.bisect_left(out._spans, span)
            out._spans.insert(i, span)
            out._stored.insert(i, _stored_piece(span, leaf))
            name = _name(span)
            i = bisect.bisect_left(out._names, name)
            out._names.insert(i, name)
            out._canonical.insert(i, _canonical_piece(name, leaf))
        return out

    def seal_text(self, entries: Mapping[str, str | None], key: bytes | None = None) -> str:
        """The seal's stored text over manifest ``entries`` and these leaves."""
        manifest = manifest_digests(entries)
        canonical = (
            '{"chunks":{' + ",".join(self._canonical) + '},"manifest":'
        ).encode() + _canonical(manifest)
        root = _sha256(canonical + b"}")
        text = (
            f'{{"scheme": 1, "manifest": {json.dumps(manifest)}, '
            f'"chunks": {{{", ".join(self._stored)}}}, "root": {json.dumps(root)}'
        )
        if key is not None:
            text += f', "signature": {json.dumps(sign(root, key))}'
        return text + "}"


def _name(span: tuple[int, int]) -> str:
    return f"{int(span[0])}-{int(span[1])}"


def _stored_piece(span: tuple[int, int], leaf: str) -> str:
    return f"{json.dumps(_name(span))}: {json.dumps(leaf)}"


def _canonical_piece(name: str, leaf: str) -> str:
    return f"{json.dumps(name, ensure_ascii=False)}:{json.dumps(leaf, ensure_ascii=False)}"
