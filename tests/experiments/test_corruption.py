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
    (files,) = con.execute("SELECT files FROM chunks WHERE start = 4").fetchone()
    kept = json.loads(files)[1:]
    con.execute("UPDATE chunks SET files = ? WHERE start = 4", [json.dumps(kept)])
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
    # a table whose columns changed is dropped whole: every chunk re-runs
    most = 3 if kind == "outcomes column dropped" else 2
    assert summary.status == "complete" and 1 <= summary.chunks_run <= most
    assert verify_store(store) == []
    from .conftest import _assert_same

    _assert_same(read_all(store), read_all(pristine))


def test_unrepairable_damage_says_fresh(store) -> None:
    DAMAGE["manifest bad JSON"][0](store)
    result = _cli("verify", str(store), "--repair")
    assert result.exit_code != 0
    assert "--fresh" in str(result.exception) + result.output


MANIFEST_KINDS = sorted(k for k in DAMAGE if k.startswith("manifest ") and "JSON" not in k)


@pytest.mark.parametrize("kind", [k for k in MANIFEST_KINDS if k != "manifest dropped"])
def test_manifest_edits_are_not_repaired_and_say_fresh(store, kind) -> None:
    from techbloc.experiments.study import Study

    from .conftest import SMALL

    DAMAGE[kind][0](store)
    result = _cli("verify", str(store), "--repair")
    assert result.exit_code != 0
    text = str(result.exception) + result.output
    assert "altered since written" in text and "--fresh" in text
    with pytest.raises(StoreError, match="--fresh"):
        run_study(
            Study.from_dict({**SMALL, "outputs": {"trajectories": True}}), store, chunk_size=4
        )
    assert verify_store(store)  # still reported: nothing was "repaired" into a wrong store


def _reseal_without_key(d: Path) -> None:
    """A forger who edits a value and recomputes every hash (row hash, leaf, root)."""
    from techbloc.experiments import integrity
    from techbloc.experiments.chunks import range_digest

    with ResultsStore.open_for_repair(d) as opened:
        con = opened._con
        con.execute("UPDATE outcomes SET alliance_rd_share = 0.5 WHERE scenario = 0")
        _n, digest = range_digest(opened._con, "outcomes", 0, 4)
        con.execute("UPDATE chunks SET outcomes_hash = ? WHERE start = 0", [digest])
        old = json.loads(integrity.manifest_entries(opened)["integrity"] or "{}")
        integrity.reseal(opened)
        if "signature" in old:  # keeps the old signature: the forger cannot make a new one
            new = {**json.loads(integrity.manifest_entries(opened)["integrity"] or "{}")}
            new["signature"] = old["signature"]
            con.execute("UPDATE manifest SET value = ? WHERE key = 'integrity'", [json.dumps(new)])


def test_tampering_that_recomputes_every_hash_needs_a_key(tmp_path, monkeypatch) -> None:
    from techbloc.experiments.seal import KEY_ENV
    from techbloc.experiments.study import Study

    from .conftest import SMALL

    out = tmp_path / "signed"
    monkeypatch.setenv(KEY_ENV, "k" * 32)
    run_study(Study.from_dict(SMALL), out, chunk_size=4)
    assert verify_store(out) == []
    monkeypatch.delenv(KEY_ENV)
    _reseal_without_key(out)  # the forger has no key: the signature is now stale
    assert verify_store(out) == []  # without the key nothing can tell (documented)
    monkeypatch.setenv(KEY_ENV, "k" * 32)
    assert any("signature does not match" in p.message for p in verify_store(out))
    monkeypatch.setenv(KEY_ENV, "another key of 32 bytes or so...")
    assert any("signature does not match" in p.message for p in verify_store(out))


def test_a_key_refuses_an_unsigned_store_and_a_short_key(store, monkeypatch) -> None:
    from techbloc.experiments.seal import KEY_ENV, KEY_FILE_ENV

    monkeypatch.setenv(KEY_ENV, "k" * 32)
    assert any("not signed" in p.message for p in verify_store(store))
    monkeypatch.setenv(KEY_ENV, "short")
    assert any("at least 16" in p.message for p in verify_store(store))
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.setenv(KEY_FILE_ENV, str(store / "no-such-key"))
    assert any("cannot read the store signing key" in p.message for p in verify_store(store))


def test_orphans_are_only_files_no_verified_chunk_names(store) -> None:
    from techbloc.experiments.study import Study

    from .conftest import SMALL

    stray = store / "arrays" / "notes.txt"
    stray.write_text("mine")
    orphan = store / "arrays" / "scenario-year" / "chunk-000000000100-000000000104.parquet"
    orphan.write_bytes(b"left by a killed run")
    run_study(Study.from_dict({**SMALL, "outputs": {"trajectories": True}}), store, chunk_size=4)
    assert stray.exists() and not orphan.exists()
