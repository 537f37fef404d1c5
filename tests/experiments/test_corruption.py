"""Every kind of store damage is found by `verify`, refused by readers, and repairable."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from techbloc.cli import _register, app
from techbloc.errors import StoreError
from techbloc.experiments.runner import run_study
from techbloc.experiments.store import ResultsStore, verify_store

_PATH = Path(__file__).parents[2] / "benchmarks" / "store_damage.py"
_spec = importlib.util.spec_from_file_location("store_damage", _PATH)
assert _spec is not None and _spec.loader is not None
store_damage = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("store_damage", store_damage)
_spec.loader.exec_module(store_damage)
DAMAGE, REPAIRABLE = store_damage.DAMAGE, store_damage.REPAIRABLE


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


def _cli(*args: str):
    _register()
    return CliRunner().invoke(app, list(args))


def test_pristine_store_verifies(pristine) -> None:
    assert verify_store(pristine) == []
    result = _cli("verify", str(pristine))
    assert result.exit_code == 0 and "ok; 3 chunks" in result.output


def test_a_store_of_one_chunk_says_chunk(tmp_path) -> None:
    from techbloc.experiments.study import Study

    from .conftest import SMALL

    run_study(Study.from_dict(SMALL), tmp_path / "one", chunk_size=1000)
    result = _cli("verify", str(tmp_path / "one"))
    assert result.exit_code == 0 and "ok; 1 chunk, " in result.output


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damage_is_found_and_refused(store, kind, tmp_path, pristine) -> None:
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
    result = _cli("export", str(store), "--to", str(tmp_path / "x"))
    assert result.exit_code != 0
    assert isinstance(result.exception, StoreError | SystemExit), result.exception
    # `results` reads only the tables: it may answer when the damage is in a Parquet file
    # it does not read (its contents are checked when read), but then with the right results
    result = _cli("results", str(store), "--json")
    if result.exit_code == 0:
        assert kind == "parquet overwritten", kind
        assert result.output == _cli("results", str(pristine), "--json").output.replace(
            str(pristine), str(store)
        )
    else:
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


def test_checks_on_the_writing_connection_are_not_held_to_its_memory_limit(
    tmp_path, monkeypatch, read_all
) -> None:
    """A check joins every chunk with its rows. On a 100,000-future store with one altered
    value that join ran out of the writer's 32MB, so resuming and repairing called the store
    unreadable and said to start again with --fresh. The same, scaled down: 2,000 futures
    under a 4MB writer (on which the check alone runs out)."""
    from techbloc.experiments import store as store_module
    from techbloc.experiments.integrity import find_problems
    from techbloc.experiments.study import Study

    study = Study.from_dict(
        {"name": "room", "policies": [{"preset": "forging_core"}], "scenarios": 2000, "seed": 1}
    )
    out = tmp_path / "store"
    run_study(study, out, executor="local")
    pristine = read_all(out)
    store_damage._sql(out, "UPDATE outcomes SET alliance_rd_share = 0.99 WHERE scenario = 3")
    monkeypatch.setattr(store_module, "WRITER_MEMORY_LIMIT", "4MB")
    with pytest.raises(StoreError, match=r"(?s)altered.*to recover: run `techbloc verify"):
        run_study(study, out, executor="local")  # damaged, not unreadable
    with ResultsStore.open_for_repair(out) as opened:
        query = "SELECT current_setting('memory_limit'), current_setting('threads')"
        writer = opened._con.execute(query).fetchone()
        assert [p.chunk for p in opened.problems()] == [(0, 1000)]
        assert opened._con.execute(query).fetchone() == writer  # the writer's, restored
        assert writer[1] == store_module.WRITER_THREADS
        # held to the writer's limit, the check runs out of memory: an error that keeps the
        # store, not damage that would call for --fresh
        with pytest.raises(StoreError, match=r"ran out of memory.*nothing was changed") as caught:
            find_problems(opened)
        assert "--fresh" not in str(caught.value)
    result = _cli("verify", str(out), "--repair")
    assert result.exit_code == 0, result.output
    monkeypatch.undo()
    summary = run_study(study, out, executor="local")
    assert summary.status == "complete" and summary.chunks_run == 1
    assert verify_store(out) == []
    from .conftest import _assert_same

    _assert_same(read_all(out), pristine)
