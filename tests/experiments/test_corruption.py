"""Every kind of store damage is found by `verify`, refused by readers, and repairable."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from techbloc.cli import _register, app
from techbloc.errors import StoreError
from techbloc.experiments.runner import run_study
from techbloc.experiments.store import DB_NAME, ResultsStore, verify_store


@pytest.fixture(scope="module")
def pristine(
    tmp_path_factory,
) -> Path:
    """A finished store with trajectories: 12 scenarios, 2 policies, chunks of 4."""
    from techbloc.experiments.study import Study

    from .conftest import SMALL

    out = tmp_path_factory.mktemp("pristine") / "store"
    run_study(Study.from_dict({**SMALL, "outputs": {"trajectories": True}}), out, chunk_size=4)
    return out


@pytest.fixture
def store(tmp_path, pristine) -> Path:
    target = tmp_path / "store"
    shutil.copytree(pristine, target)
    return target


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
        lambda d: _sql(d, "DELETE FROM chunks WHERE start = 4"),
        "belong to no finished chunk",
    ),
    "chunks row doubled": (
        lambda d: _sql(d, "INSERT INTO chunks SELECT * FROM chunks WHERE start = 4"),
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
}


def _cli(*args: str):
    _register()
    return CliRunner().invoke(app, list(args))


def test_pristine_store_verifies(pristine) -> None:
    assert verify_store(pristine) == []
    result = _cli("verify", str(pristine))
    assert result.exit_code == 0 and "ok; 3 chunks" in result.output


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damage_is_found_and_refused(store, kind, tmp_path) -> None:
    damage, pattern = DAMAGE[kind]
    damage(store)
    problems = verify_store(store)
    assert problems, kind
    assert any(__import__("re").search(pattern, p.message) for p in problems), problems
    result = _cli("verify", str(store), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["ok"] is False
    # readers refuse it with a clear message (no traceback)
    with pytest.raises(StoreError), ResultsStore.open(store) as opened:
        opened.export(tmp_path / "export")
    for command in (["results", str(store)], ["export", str(store), "--to", str(tmp_path / "x")]):
        result = _cli(*command)
        assert result.exit_code != 0
        assert isinstance(result.exception, StoreError | SystemExit), result.exception


@pytest.mark.parametrize("kind", sorted(REPAIRABLE))
def test_repair_then_resume_gives_the_pristine_results(store, kind, pristine, read_all) -> None:
    from techbloc.experiments.study import Study

    from .conftest import SMALL

    DAMAGE[kind][0](store)
    study = Study.from_dict({**SMALL, "outputs": {"trajectories": True}})
    with pytest.raises(StoreError, match=r"(?s)damaged.*to recover: run `techbloc verify"):
        run_study(study, store, chunk_size=4)  # resuming a damaged store is refused
    result = _cli("verify", str(store), "--repair")
    assert result.exit_code == 0, result.output
    summary = run_study(study, store, chunk_size=4)
    assert summary.status == "complete" and 1 <= summary.chunks_run <= 2
    assert verify_store(store) == []
    from .conftest import _assert_same

    _assert_same(read_all(store), read_all(pristine))


def test_unrepairable_damage_says_fresh(store) -> None:
    DAMAGE["manifest bad JSON"][0](store)
    result = _cli("verify", str(store), "--repair")
    assert result.exit_code != 0
    assert "--fresh" in str(result.exception) + result.output
