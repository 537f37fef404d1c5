"""A chunk of results and how its rows and files are written to a store.

:class:`ChunkResult` is what a worker sends back; :func:`write_parquet` writes one of its
arrays as a Parquet file atomically (a temporary file, fsync, a rename) and returns its
checksum; :func:`insert_frame` appends its rows to a DuckDB table; :func:`range_digest` is the
row count and summed row hash recorded for a chunk at commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from techbloc.errors import StoreError
from techbloc.experiments.integrity import check_seal, file_digest, reseal
from techbloc.experiments.store_handle import StoreHandle

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "ARRAYS_DIR",
    "CHUNK_FILE",
    "ChunkResult",
    "commit_chunk",
    "insert_frame",
    "range_digest",
    "write_parquet",
]

#: Folder of a store holding the Parquet files.
ARRAYS_DIR = "arrays"
#: Names of the files a store writes under ``arrays/`` (others there are never deleted).
CHUNK_FILE = re.compile(r"^\.?chunk-\d{12}-\d{12}\.parquet(\.\d+\.tmp)?$")


@dataclass
class ChunkResult:
    """What one chunk of scenarios produced, ready to be stored.

    Attributes
    ----------
    start, stop : int
        The chunk's scenario ids, ``[start, stop)``.
    scenarios : pandas.DataFrame
        Column ``scenario``, the parameter values and the scenario descriptors.
    outcomes : pandas.DataFrame
        Columns ``scenario``, ``policy`` and the scalar outcomes.
    arrays : dict of str to pyarrow.Table
        Long tables of non-scalar outputs, keyed by their dims joined with ``-``.
    array_variables : dict of str to list of str
        Variable name to its dims, for every variable in ``arrays``.
    seconds : float
        Time the model took for this chunk.
    """

    start: int
    stop: int
    scenarios: pd.DataFrame
    outcomes: pd.DataFrame
    arrays: dict[str, pa.Table] = field(default_factory=dict)
    array_variables: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0


def insert_frame(con: Any, table: str, frame: pd.DataFrame, *, exists: bool) -> None:
    """Append ``frame``'s rows to ``table`` by column name (creating it unless ``exists``)."""
    con.register("_chunk_frame", frame)
    try:
        if not exists:
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM _chunk_frame")
        else:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _chunk_frame")
    finally:
        con.unregister("_chunk_frame")


def write_parquet(
    directory: Path, group: str, table: pa.Table, start: int, stop: int
) -> tuple[str, dict[str, Any]]:
    """Write one Parquet file atomically; its path in the store and checksum.

    The checksum is ``{"bytes": size, "sha256": hex digest, "rows": rows}``.
    """
    import pyarrow.parquet as pq

    folder = directory / ARRAYS_DIR / group
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"chunk-{start:012d}-{stop:012d}.parquet"
    temp = folder / f".{final.name}.{os.getpid()}.tmp"
    try:
        pq.write_table(table, temp, compression="zstd")
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        checksum = {
            "bytes": temp.stat().st_size,
            "sha256": file_digest(temp),
            "rows": int(table.num_rows),
        }
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return str(final.relative_to(directory)), checksum


def range_digest(con: Any, table: str, start: int, stop: int) -> tuple[int, str]:
    """Rows of ``table`` with scenario ids in ``[start, stop)`` and their summed row hash."""
    row = con.execute(
        f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM {table} t "
        "WHERE scenario >= ? AND scenario < ?",
        [start, stop],
    ).fetchone()
    return int(row[0]), str(row[1])


def commit_chunk(store: StoreHandle, result: ChunkResult) -> None:
    """Store one chunk: its Parquet files, then its rows, record and seal in one transaction.

    Refuses a chunk that overlaps one stored, and a store whose seal no longer matches (its
    metadata changed since it was opened).
    """
    for a, b in store.done_ranges():
        if result.start < b and a < result.stop:
            raise StoreError(
                f"chunk [{result.start}, {result.stop}) overlaps stored chunk [{a}, {b})"
            )
    checksums = dict(
        write_parquet(store.directory, group, table, result.start, result.stop)
        for group, table in sorted(result.arrays.items())
    )
    files = list(checksums)
    con = store._con
    con.execute("BEGIN TRANSACTION")
    try:
        check_seal(store)
        insert_frame(con, "scenarios", result.scenarios, exists=store._has_table("scenarios"))
        insert_frame(con, "outcomes", result.outcomes, exists=store._has_table("outcomes"))
        counted = {
            table: range_digest(store._con, table, result.start, result.stop)
            for table in ("scenarios", "outcomes")
        }
        if store._manifest_value("outputs") is None:
            outputs = {
                "inputs_and_descriptors": [c for c in result.scenarios.columns if c != "scenario"],
                "scalars": [c for c in result.outcomes.columns if c not in ("scenario", "policy")],
                "arrays": result.array_variables,
            }
            con.execute(
                "UPDATE manifest SET value = ? WHERE key = 'outputs'", [json.dumps(outputs)]
            )
        con.execute(
            "INSERT INTO chunks (start, stop, files, seconds, finished, scenario_rows, "
            "outcome_rows, scenarios_hash, outcomes_hash, checksums) "
            "VALUES (?, ?, ?, ?, current_localtimestamp(), ?, ?, ?, ?, ?)",
            [
                result.start,
                result.stop,
                json.dumps(files),
                float(result.seconds),
                counted["scenarios"][0],
                counted["outcomes"][0],
                counted["scenarios"][1],
                counted["outcomes"][1],
                json.dumps(checksums),
            ],
        )
        reseal(store)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        raise
