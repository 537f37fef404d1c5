"""Damage results stores in every known way, and see what `verify`, readers and repair do.

Each kind (:data:`DAMAGE`) is a function that damages a copy of a finished store, and a
pattern the problem reported must match. For each kind this script runs ``techbloc verify``,
``results`` and ``export`` on the damaged copy, then ``verify --repair`` and a resume, and
prints one verdict per kind:

- *refused clearly*: ``verify`` exits 1 with the expected problem, and the readers refuse;
- *silent*: ``verify`` passes, or a reader returns results (possibly wrong ones);
- *traceback*: a command printed one; *hang*: (not expected here: every step is local).

And the repair: *repaired* (the resumed store verifies and holds the pristine results),
*refused (--fresh)* (the damage cannot be repaired and ``verify --repair`` says so), or what
went wrong. Run::

    python benchmarks/store_damage.py                     # a store of 12 futures
    python benchmarks/store_damage.py --scenarios 50000   # the same damage to a large store

``tests/experiments/test_corruption.py`` runs the same table.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

__all__ = ["DAMAGE", "REPAIRABLE", "main", "pristine_store", "try_kind"]

DB_NAME = "results.duckdb"
#: The study of the pristine store: 12 scenarios, 2 policies, trajectories, chunks of 4.
SPEC = {
    "name": "small",
    "policies": [{"preset": "forging_core"}, {"preset": "forging_core+KOR", "pool_share": 0.1}],
    "scenarios": 12,
    "years": {"start": 2024, "end": 2030},
    "seed": 7,
    "outputs": {"trajectories": True},
}
CHUNK_SIZE = 4


#: The second chunk's start, in SQL (4 in the pristine store of 12 futures).
SECOND = "(SELECT min(stop) FROM chunks)"


def _sql(directory: Path, *statements: str) -> None:
    con = duckdb.connect(str(directory / DB_NAME))
    for statement in statements:
        con.execute(statement)
    con.close()


def _a_parquet(directory: Path) -> Path:
    return sorted((directory / "arrays").rglob("*.parquet"))[1]


def _overwrite_64_bytes(d: Path) -> None:
    path = _a_parquet(d)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x7f" * 64
    path.write_bytes(bytes(data))


def _truncate_parquet(d: Path) -> None:
    path = _a_parquet(d)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _drop_manifest(d: Path) -> None:
    _sql(d, "DROP TABLE manifest")


def _edit_manifest(key: str, edit: Callable[[object], object]) -> Callable[[Path], None]:
    """A damage that rewrites one manifest entry (valid JSON, another value)."""

    def damage(d: Path) -> None:
        con = duckdb.connect(str(d / DB_NAME))
        (value,) = con.execute("SELECT value FROM manifest WHERE key = ?", [key]).fetchone()
        new = json.dumps(edit(json.loads(value)))
        con.execute("UPDATE manifest SET value = ? WHERE key = ?", [new, key])
        con.close()

    return damage


def _drop_file_from_list(d: Path) -> None:
    con = duckdb.connect(str(d / DB_NAME))
    (files,) = con.execute(f"SELECT files FROM chunks WHERE start = {SECOND}").fetchone()
    kept = json.loads(files)[1:]
    con.execute(f"UPDATE chunks SET files = ? WHERE start = {SECOND}", [json.dumps(kept)])
    con.close()


def _null_checks_and_edit(d: Path) -> None:
    _sql(
        d,
        "UPDATE chunks SET scenarios_hash = NULL, outcomes_hash = NULL, checksums = NULL "
        "WHERE start = 0",
        "UPDATE outcomes SET alliance_rd_share = 0.99 WHERE scenario = 1",
    )


def _rename_policy(policies: object) -> object:
    assert isinstance(policies, list)
    return ["renamed", *policies[1:]]


def _edit_study(study: object) -> object:
    assert isinstance(study, dict)
    return {**study, "seed": 1}


def _drop_output_group(outputs: object) -> object:
    assert isinstance(outputs, dict)
    arrays = dict(outputs["arrays"])
    for name in [n for n, dims in arrays.items() if dims == ["scenario", "year"]]:
        del arrays[name]
    return {**outputs, "arrays": arrays}


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "parquet overwritten": (_overwrite_64_bytes, "altered"),
    "parquet truncated": (_truncate_parquet, "truncated"),
    "parquet missing": (lambda d: _a_parquet(d).unlink(), "missing"),
    "outcome rows deleted": (
        lambda d: _sql(d, "DELETE FROM outcomes WHERE scenario = 5"),
        r"chunk \[4, 8\): 6 outcome rows, expected 8 \(rows missing\)",
    ),
    "outcome rows doubled": (
        lambda d: _sql(d, "INSERT INTO outcomes SELECT * FROM outcomes WHERE scenario = 9"),
        r"chunk \[8, 12\): 10 outcome rows, expected 8 \(rows doubled",
    ),
    "outcome value altered": (
        lambda d: _sql(d, "UPDATE outcomes SET alliance_rd_share = 1e161 WHERE scenario = 0"),
        r"chunk \[0, 4\): outcome values differ .*altered",
    ),
    "scenario rows deleted": (
        lambda d: _sql(d, "DELETE FROM scenarios WHERE scenario = 1"),
        "scenario rows",
    ),
    "chunks row deleted": (
        lambda d: _sql(d, f"DELETE FROM chunks WHERE start = {SECOND}"),
        "belong to no finished chunk",
    ),
    "chunks row doubled": (
        lambda d: _sql(d, f"INSERT INTO chunks SELECT * FROM chunks WHERE start = {SECOND}"),
        "overlaps",
    ),
    "manifest bad JSON": (
        lambda d: _sql(d, "UPDATE manifest SET value = '{oops' WHERE key = 'policies'"),
        "manifest entry 'policies' is not valid JSON",
    ),
    "manifest dropped": (_drop_manifest, "no manifest"),
    "database truncated": (
        lambda d: (d / DB_NAME).write_bytes((d / DB_NAME).read_bytes()[:5000]),
        "not a readable results database|cannot open",
    ),
    "database missing": (lambda d: (d / DB_NAME).unlink(), "no results store here"),
    # the ten kinds that passed `verify` before the root hash (issue 23, item 4)
    "file dropped from a chunk's list": (_drop_file_from_list, r"chunk \[4, 8\).*record"),
    "checksums NULL, values edited": (_null_checks_and_edit, r"chunk \[0, 4\)"),
    "manifest n_scenarios edited": (
        _edit_manifest("n_scenarios", lambda n: 300),
        "manifest.*altered|n_scenarios",
    ),
    "manifest policy renamed": (
        _edit_manifest("policies", _rename_policy),
        "manifest.*altered|policies",
    ),
    "manifest seed edited": (_edit_manifest("seed", lambda s: 1), "manifest.*altered|seed"),
    "manifest study edited": (_edit_manifest("study", _edit_study), "manifest.*altered"),
    "manifest outputs group removed": (
        _edit_manifest("outputs", _drop_output_group),
        "manifest.*altered|outputs",
    ),
    "manifest policies reordered": (
        _edit_manifest("policies", lambda p: list(reversed(p))),  # type: ignore[call-overload]
        "manifest.*altered|policies",
    ),
    "manifest study_hash edited": (
        _edit_manifest("study_hash", lambda h: "0" * 64),
        "manifest.*altered|study_hash",
    ),
    "manifest version edited": (
        _edit_manifest("version", lambda v: "0.0.1"),
        "manifest.*altered|version",
    ),
    "chunk range NULL": (
        lambda d: _sql(d, f"UPDATE chunks SET start = NULL WHERE start = {SECOND}"),
        r"without a scenario range",
    ),  # found by the property tests (tests/experiments/test_store_properties.py)
    "outcomes column dropped": (
        lambda d: _sql(d, "ALTER TABLE outcomes DROP COLUMN leakage_share"),
        "outcomes.*column",
    ),
}
REPAIRABLE = {
    "parquet overwritten",
    "parquet truncated",
    "parquet missing",
    "outcome rows deleted",
    "outcome rows doubled",
    "outcome value altered",
    "scenario rows deleted",
    "chunks row deleted",
    "chunks row doubled",
    "file dropped from a chunk's list",
    "checksums NULL, values edited",
    "outcomes column dropped",
    "chunk range NULL",
}


def pristine_store(directory: Path, spec: dict[str, Any] = SPEC, chunk: int = CHUNK_SIZE) -> Path:
    """Run ``spec`` (:data:`SPEC`) into ``directory`` in chunks of ``chunk``."""
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    run_study(Study.from_dict(spec), directory, chunk_size=chunk)
    return directory


def _cli(*args: str) -> tuple[int, str, str | None]:
    """Run the CLI in this process: exit code, output, traceback (or None)."""
    from techbloc.cli import main

    buffer = io.StringIO()
    argv = sys.argv
    sys.argv = ["techbloc", *args]
    code, trace = 0, None
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code, trace = 1, traceback.format_exc()
    finally:
        sys.argv = argv
    return code, buffer.getvalue(), trace


def _outcomes(directory: Path) -> str:
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(directory) as store:
        return store.outcomes().to_csv()


def _any_size(pattern: str) -> str:
    """``pattern`` with the pristine store's chunk ranges and row counts left open (a larger
    store has other chunks: ``chunk [4, 8): 6 outcome rows`` becomes ``chunk [0, 500): 998
    outcome rows``)."""
    pattern = re.sub(r"\\\[\d+, \d+\\\)", r"\\[\\d+, \\d+\\)", pattern)
    return re.sub(
        r"\d+ outcome rows, expected \d+", r"[\\d,]+ outcome rows, expected [\\d,]+", pattern
    )


def try_kind(
    kind: str, pristine: Path, work: Path, spec: dict[str, Any] = SPEC, chunk: int = CHUNK_SIZE
) -> tuple[str, str]:
    """Damage a copy of ``pristine`` (``spec`` run in chunks of ``chunk``) in ``work`` by
    ``kind``: (detection verdict, repair)."""
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.store import verify_store
    from techbloc.experiments.study import Study

    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(pristine, store)
    damage, pattern = DAMAGE[kind]
    if spec["scenarios"] != SPEC["scenarios"]:
        pattern = _any_size(pattern)
    damage(store)
    code, output, trace = _cli("verify", str(store))
    exported = _cli("export", str(store), "--to", str(work / "x"))
    # `results` reads only the tables: answering is right when its answer is the pristine one
    summary = _cli("results", str(store), "--json")
    right = summary[1] == _cli("results", str(pristine), "--json")[1].replace(
        str(pristine), str(store)
    )
    if trace or exported[2] or summary[2]:
        verdict = "traceback"
    elif code == 0 or exported[0] == 0 or (summary[0] == 0 and not right):
        verdict = "silent"
    elif re.search(pattern, " ".join(output.split())):
        verdict = "refused clearly"
    else:
        verdict = "refused unclearly"
    code, output, trace = _cli("verify", str(store), "--repair")
    if trace:
        return verdict, "traceback"
    if code != 0:
        if "--fresh" in output:
            return verdict, "refused (--fresh)"
        if "no results store here" in output:
            return verdict, "refused (no store to repair)"
        return verdict, f"refused: {' '.join(output.split())[:80]}"
    try:
        run_study(Study.from_dict(spec), store, chunk_size=chunk)
    except Exception as exc:  # the verdict says what the user saw
        return verdict, f"resume failed: {' '.join(str(exc).split())[:90]}"
    if verify_store(store):
        return verdict, "resumed, still damaged"
    return verdict, "repaired" if _outcomes(store) == _outcomes(pristine) else "wrong results"


def main() -> int:
    """Try every kind and print the verdicts; exit 1 unless every one is refused clearly."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenarios",
        type=int,
        default=SPEC["scenarios"],
        help="futures of the pristine store (chunks of 4 for the default 12, else 500)",
    )
    args = parser.parse_args()
    spec = {**SPEC, "scenarios": args.scenarios}
    chunk = CHUNK_SIZE if args.scenarios == SPEC["scenarios"] else 500
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        pristine = pristine_store(Path(tmp) / "pristine", spec, chunk)
        print(f"pristine store: {args.scenarios:,} futures in {time.perf_counter() - began:.1f} s")
        rows = [
            (kind, *try_kind(kind, pristine, Path(tmp), spec, chunk)) for kind in sorted(DAMAGE)
        ]
    for kind, verdict, repair in rows:
        print(f"{verdict:17} {kind:36} repair: {repair}")
    verdicts = [v for _, v, _ in rows]
    kinds = ("refused clearly", "refused unclearly", "silent", "traceback", "hang")
    print(
        f"store damage: tried {len(rows)}; "
        + "; ".join(f"{k} {verdicts.count(k)}" for k in kinds)
        + f"; repaired {sum(r == 'repaired' for _, _, r in rows)} of {len(REPAIRABLE)} "
        "repairable"
    )
    bad_repair = [k for k, _, r in rows if (k in REPAIRABLE) != (r == "repaired")]
    ok = all(v == "refused clearly" for v in verdicts) and not bad_repair
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
