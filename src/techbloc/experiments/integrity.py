"""Checking and repairing a results store: its seal, its tables, its Parquet files.

:func:`find_problems` lists everything wrong with a store: the seal (:mod:`.seal`) over the
manifest and every ``chunks`` record, NULL checksums, the tables' columns against the
manifest's outputs, chunks that overlap or lie outside the study, each chunk's row counts and
row hashes, rows that belong to no chunk, and each Parquet file (present, same size and, in a
full check, same SHA-256). :func:`repair` drops what can be re-run; a damaged manifest cannot
be repaired (only ``--fresh`` can: nothing left in the store says what the study was).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techbloc.errors import StoreError
from techbloc.experiments.seal import (
    CHUNK_FIELDS,
    KEY_ENV,
    SEAL_KEY,
    chunk_leaf,
    make_seal,
    manifest_digests,
    seal_key,
    seal_root,
    sign,
)
from techbloc.experiments.store_handle import StoreHandle

__all__ = [
    "StoreProblem",
    "add_check_columns",
    "check_files",
    "check_seal",
    "damaged_message",
    "file_digest",
    "find_problems",
    "repair",
    "seal_problems",
]

#: Integrity columns of the ``chunks`` table (added to stores written before them).
CHECK_COLUMNS = {
    "scenario_rows": "BIGINT",
    "outcome_rows": "BIGINT",
    "scenarios_hash": "VARCHAR",
    "outcomes_hash": "VARCHAR",
    "checksums": "VARCHAR",
}
#: Manifest entries every store has.
MANIFEST_KEYS = ("study_hash", "study", "version", "seed", "n_scenarios", "policies")


@dataclass(frozen=True)
class StoreProblem:
    """One thing wrong with a results store.

    Attributes
    ----------
    message : str
        What is wrong, naming the chunk, table or file.
    chunk : tuple of int, optional
        The damaged chunk ``(start, stop)``; dropping it and re-running it repairs the store.
    repairable : bool
        Whether :meth:`ResultsStore.repair` can fix it (else only ``--fresh`` can).
    table : str, optional
        A table whose columns are wrong: repairing drops it and every chunk.
    """

    message: str
    chunk: tuple[int, int] | None = None
    repairable: bool = True
    table: str | None = None

    def __str__(self) -> str:
        return self.message


def file_digest(path: Path) -> str:
    """SHA-256 of a file's contents."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def damaged_message(directory: Path, problems: Sequence[StoreProblem]) -> str:
    """The error of a damaged store: every problem (up to 20) and how to recover."""
    listed = "\n".join(f"  - {p}" for p in problems[:20])
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    if all(p.repairable for p in problems):
        hint = (
            f"run `techbloc verify {directory} --repair` to drop the damaged chunks, then "
            "run the study again to re-run only them; or start again with --fresh"
        )
    else:
        hint = "start again with --fresh (or remove the directory)"
    return (
        f"{directory}: the results store is damaged ({len(problems)} problem"
        f"{'s' if len(problems) != 1 else ''}):\n{listed}{more}\nto recover: {hint}"
    )


def _fatal(message: str) -> StoreProblem:
    return StoreProblem(message, repairable=False)


def seal_problems(
    entries: dict[str, str | None], records: Sequence[dict[str, Any]]
) -> list[StoreProblem]:
    """Problems of the seal: the manifest entries' and ``chunks`` records' stored texts
    against the digests sealed when they were written (and the signature, with a key)."""
    raw = entries.get(SEAL_KEY)
    if raw is None:
        return [
            _fatal(
                f"manifest: no root hash (entry '{SEAL_KEY}'): the store was written by an "
                "older techbloc or the entry was removed, so its metadata cannot be verified"
            )
        ]
    try:
        seal = json.loads(raw)
        sealed_manifest = {str(k): str(v) for k, v in dict(seal["manifest"]).items()}
        sealed_chunks = {str(k): str(v) for k, v in dict(seal["chunks"]).items()}
        root = str(seal["root"])
    except (TypeError, ValueError, KeyError):
        return [_fatal(f"manifest: the root hash entry '{SEAL_KEY}' is not valid")]
    out: list[StoreProblem] = []
    if seal_root(sealed_manifest, sealed_chunks) != root:
        out.append(
            _fatal(f"manifest: the root hash does not match its parts ('{SEAL_KEY}' edited)")
        )
    try:
        key = seal_key()
    except StoreError as exc:
        return [*out, _fatal(str(exc))]
    if key is not None:
        signature = seal.get("signature")
        if not isinstance(signature, str):
            out.append(
                _fatal(
                    f"the store is not signed, but a signing key is set ({KEY_ENV}): it was "
                    "written without the key, or its signature was removed"
                )
            )
        elif not hmac.compare_digest(signature, sign(root, key)):
            out.append(
                _fatal(
                    "the store's signature does not match: it was signed with another key, or "
                    "it was altered and its hashes recomputed"
                )
            )
    now = manifest_digests(entries)
    changed = sorted(
        k for k in now.keys() | sealed_manifest.keys() if now.get(k) != sealed_manifest.get(k)
    )
    if changed:
        out.append(
            _fatal(
                f"manifest: {', '.join(changed)} altered since written (edited, added or "
                "removed); the results cannot be trusted"
            )
        )
    recorded = set()
    for record in records:
        a, b = int(record["start"]), int(record["stop"])
        name = f"{a}-{b}"
        recorded.add(name)
        nulls = [f for f in CHUNK_FIELDS if record.get(f) is None]
        if nulls:
            out.append(StoreProblem(f"chunk [{a}, {b}): {', '.join(nulls)} missing (NULL)", (a, b)))
        if name not in sealed_chunks:
            out.append(
                StoreProblem(
                    f"chunk [{a}, {b}): not covered by the root hash (a chunk record was added)",
                    (a, b),
                )
            )
        elif sealed_chunks[name] != chunk_leaf(record):
            out.append(
                StoreProblem(
                    f"chunk [{a}, {b}): its record (file list, checksums, row counts or "
                    "hashes) differs from the one sealed at commit (altered)",
                    (a, b),
                )
            )
    for name in sorted(sealed_chunks.keys() - recorded, key=lambda n: int(n.split("-")[0])):
        first, last = name.split("-")
        out.append(
            StoreProblem(
                f"chunk [{first}, {last}): sealed at commit but its record is missing (deleted)"
            )
        )
    return out


def _columns(store: StoreHandle, table: str) -> list[str]:
    rows = store._con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _schema_problems(store: StoreHandle, outputs: Any) -> list[StoreProblem]:
    if not isinstance(outputs, dict):
        return []
    out = []
    for table, keys, key in (
        ("scenarios", ["scenario"], "inputs_and_descriptors"),
        ("outcomes", ["scenario", "policy"], "scalars"),
    ):
        if not store._has_table(table):
            continue
        expected = set(keys) | set(outputs.get(key, []))
        present = set(_columns(store, table))
        if present != expected:
            missing = sorted(expected - present)
            extra = sorted(present - expected)
            said = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(extra)}" if extra else "",
                )
                if part
            )
            out.append(
                StoreProblem(
                    f"the {table} table's columns differ from the manifest's outputs ({said}); "
                    "repairing drops the table and re-runs every chunk",
                    table=table,
                )
            )
    return out


def chunk_records(store: StoreHandle) -> list[dict[str, Any]]:
    present = set(_columns(store, "chunks"))
    columns = ["start", "stop", *(c for c in CHUNK_FIELDS[2:] if c in present)]
    rows = store._con.execute(
        f"SELECT {', '.join(columns)} FROM chunks WHERE start IS NOT NULL AND stop IS NOT "
        "NULL ORDER BY start, stop"
    ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def manifest_entries(store: StoreHandle) -> dict[str, str | None]:
    """The manifest's stored texts, by key."""
    rows = store._con.execute("SELECT key, value FROM manifest").fetchall()
    return {str(k): v for k, v in rows}


def find_problems(store: StoreHandle, *, full: bool = True) -> list[StoreProblem]:
    """Everything wrong with ``store`` (empty when it is intact).

    ``full`` also compares each Parquet file's SHA-256 (else only its presence and size).

    Raises
    ------
    StoreError
        If DuckDB runs out of memory while checking: that says nothing of the store, which
        is left as it is (an unreadable database is a problem in the list instead).
    """
    import duckdb

    try:
        return _problems(store, full)
    except duckdb.OutOfMemoryException as exc:  # not damage: say so, and keep the store
        raise StoreError(
            f"{store.directory}: ran out of memory while checking the store "
            f"({str(exc).splitlines()[0]}); nothing was changed: free some memory and try "
            "again"
        ) from None
    except duckdb.Error as exc:
        return [
            _fatal(
                f"{store.directory / 'results.duckdb'}: cannot be read ({str(exc).splitlines()[0]})"
            )
        ]


def _problems(store: StoreHandle, full: bool) -> list[StoreProblem]:
    try:
        manifest = store.manifest
    except StoreError as exc:
        return [_fatal(str(exc))]
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        return [_fatal(f"manifest: missing {', '.join(missing)}")]
    if not store._has_table("chunks"):
        return [_fatal("the chunks table is missing")]
    (no_range,) = store._con.execute(
        "SELECT count(*) FROM chunks WHERE start IS NULL OR stop IS NULL"
    ).fetchone()
    if no_range:
        return [
            StoreProblem(
                f"chunks: {no_range} record(s) without a scenario range (start or stop NULL); "
                "repairing drops them and their rows"
            )
        ]
    chunks = chunk_records(store)
    out = seal_problems(manifest_entries(store), chunks)
    out.extend(_schema_problems(store, manifest.get("outputs")))
    try:
        n_policies = len(manifest["policies"])
        n_scenarios = int(manifest["n_scenarios"])
    except (TypeError, ValueError):
        return [*out, _fatal("manifest: policies or n_scenarios is not valid")]
    previous: tuple[int, int] | None = None
    for c in chunks:
        a, b = int(c["start"]), int(c["stop"])
        if not 0 <= a < b <= n_scenarios:
            out.append(
                StoreProblem(
                    f"chunk [{a}, {b}): outside the study's {n_scenarios} scenarios", (a, b)
                )
            )
        if previous is not None and a < previous[1]:
            out.append(
                StoreProblem(
                    f"chunk [{a}, {b}) overlaps chunk [{previous[0]}, "
                    f"{previous[1]}) (a chunk is recorded twice)",
                    (a, b),
                )
            )
        previous = (a, b)
    out.extend(_row_problems(store, chunks, n_policies))
    for c in chunks:
        a, b = int(c["start"]), int(c["stop"])
        try:
            files = json.loads(c["files"])
            sums = json.loads(c.get("checksums") or "null") or {}
            if not isinstance(files, list) or not isinstance(sums, dict):
                raise TypeError
        except (TypeError, ValueError):
            out.append(StoreProblem(f"chunk [{a}, {b}): its file list is not valid JSON", (a, b)))
            continue
        for name in files:
            out.extend(_file_problems(store, str(name), sums.get(name), (a, b), full))
    return out


def _row_problems(
    store: StoreHandle, chunks: list[dict[str, Any]], n_policies: int
) -> list[StoreProblem]:
    out: list[StoreProblem] = []
    for table, per_scenario, hash_key in (
        ("scenarios", 1, "scenarios_hash"),
        ("outcomes", n_policies, "outcomes_hash"),
    ):
        if not store._has_table(table):
            if chunks:
                out.append(_fatal(f"the {table} table is missing"))
            continue
        digests = {
            (int(a), int(b)): (int(n), str(h))
            for a, b, n, h in store._con.execute(
                f"SELECT c.start, c.stop, count(t.scenario), "
                f"coalesce(sum(hash(t)::HUGEINT) FILTER (WHERE t.scenario IS NOT NULL), "
                f"0)::VARCHAR FROM chunks c LEFT JOIN {table} t "
                "ON t.scenario >= c.start AND t.scenario < c.stop GROUP BY c.start, c.stop"
            ).fetchall()
        }
        label = table[:-1]
        for c in chunks:
            a, b = int(c["start"]), int(c["stop"])
            n, digest = digests.get((a, b), (0, "0"))
            expected = (b - a) * per_scenario
            if n != expected:
                how = "rows missing" if n < expected else "rows doubled or added"
                out.append(
                    StoreProblem(
                        f"chunk [{a}, {b}): {n:,} {label} rows, expected {expected:,} ({how})",
                        (a, b),
                    )
                )
            elif c.get(hash_key) is not None and c[hash_key] != digest:
                out.append(
                    StoreProblem(
                        f"chunk [{a}, {b}): {label} values differ from "
                        "those stored at commit (altered)",
                        (a, b),
                    )
                )
        (stray,) = store._con.execute(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM chunks c "
            "WHERE t.scenario >= c.start AND t.scenario < c.stop)"
        ).fetchone()
        if stray:
            out.append(
                StoreProblem(
                    f"{table}: {int(stray):,} rows belong to no finished chunk (a chunks entry "
                    "was deleted, or rows were added)"
                )
            )
    return out


def _file_problems(
    store: StoreHandle,
    name: str,
    expected: dict[str, Any] | None,
    chunk: tuple[int, int],
    full: bool,
) -> list[StoreProblem]:
    where = f"chunk [{chunk[0]}, {chunk[1]}): {name}"
    path = store.directory / name
    if ".." in Path(name).parts or Path(name).is_absolute():
        return [StoreProblem(f"{where}: a path outside the store", chunk)]
    if not path.is_file():
        return [StoreProblem(f"{where}: missing", chunk)]
    if not isinstance(expected, dict) or not {"bytes", "sha256"} <= expected.keys():
        return [StoreProblem(f"{where}: no checksum recorded", chunk)]
    size = path.stat().st_size
    if size != expected["bytes"]:
        how = "truncated" if size < expected["bytes"] else "grown"
        return [
            StoreProblem(f"{where}: {size:,} bytes, {expected['bytes']:,} at commit ({how})", chunk)
        ]
    if full and file_digest(path) != expected["sha256"]:
        return [StoreProblem(f"{where}: contents differ from those at commit (altered)", chunk)]
    return []


def reseal(store: StoreHandle) -> None:
    """Rewrite the seal over the current manifest and ``chunks`` records (in a transaction)."""
    seal = make_seal(manifest_entries(store), chunk_records(store), seal_key())
    store._con.execute("UPDATE manifest SET value = ? WHERE key = ?", [json.dumps(seal), SEAL_KEY])


def repair(store: StoreHandle) -> list[tuple[int, int]]:
    """Drop the damaged chunks (rows, files, records) so that a resume re-runs them.

    Also deletes rows that belong to no chunk, and a table whose columns are wrong (with every
    chunk). Returns the chunks dropped.

    Raises
    ------
    StoreError
        If the store is read-only, or a problem cannot be repaired (manifest, seal, tables).
    """
    if not store._writable:
        raise StoreError(f"{store.directory}: the store is open read-only")
    problems = find_problems(store)
    fatal = [p for p in problems if not p.repairable]
    if fatal:
        raise StoreError(damaged_message(store.directory, fatal))
    tables = sorted({p.table for p in problems if p.table is not None})
    if tables:
        damaged = store.done_ranges()
    else:
        damaged = sorted({p.chunk for p in problems if p.chunk is not None})
    con = store._con
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM chunks WHERE start IS NULL OR stop IS NULL")
        for a, b in damaged:
            con.execute("DELETE FROM chunks WHERE start = ? AND stop = ?", [a, b])
        for table in tables:
            con.execute(f"DROP TABLE {table}")
        for table in ("scenarios", "outcomes"):
            if store._has_table(table):
                con.execute(
                    f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM chunks "
                    "c WHERE t.scenario >= c.start AND t.scenario < c.stop)"
                )
        reseal(store)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        raise
    con.execute("CHECKPOINT")
    store._remove_orphans()
    return damaged


def add_check_columns(store: StoreHandle) -> None:
    """Give a store written before integrity checks its (empty, hence damaged) columns."""
    if not store._has_table("chunks"):
        return
    present = set(_columns(store, "chunks"))
    for name, kind in CHECK_COLUMNS.items():
        if name not in present:
            store._con.execute(f"ALTER TABLE chunks ADD COLUMN {name} {kind}")


def check_seal(store: StoreHandle) -> None:
    """Refuse to extend a store whose metadata changed since it was last sealed."""
    problems = seal_problems(manifest_entries(store), chunk_records(store))
    if problems:
        raise StoreError(damaged_message(store.directory, problems))


def check_files(store: StoreHandle, names: Sequence[str]) -> list[str]:
    """Check Parquet files against their recorded SHA-256; the names checked.

    Raises
    ------
    StoreError
        For the first file whose contents differ from those at commit.
    """
    if not names:
        return []
    sums: dict[str, Any] = {}
    for (text,) in store._con.execute("SELECT checksums FROM chunks").fetchall():
        with contextlib.suppress(TypeError, ValueError):
            sums.update(json.loads(text or "{}"))
    for name in names:
        expected = sums.get(name) or {}
        if file_digest(store.directory / name) != expected.get("sha256"):
            problem = StoreProblem(f"{name}: contents differ from those at commit (altered)")
            raise StoreError(damaged_message(store.directory, [problem]))
    return list(names)
