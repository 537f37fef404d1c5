"""Property tests: a random byte flipped or a manifest/chunk field rewritten in a results
store is either reported (by `verify` or when opening) or changes nothing that is read."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techbloc.errors import StoreError
from techbloc.experiments.seal import CHUNK_FIELDS
from techbloc.experiments.store import DB_NAME, verify_store

from .conftest import _read_all

_PATH = Path(__file__).parents[2] / "benchmarks" / "store_damage.py"
_spec = importlib.util.spec_from_file_location("store_damage", _PATH)
assert _spec is not None and _spec.loader is not None
store_damage = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("store_damage", store_damage)
_spec.loader.exec_module(store_damage)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, dict]:
    directory = store_damage.pristine_store(tmp_path_factory.mktemp("prop") / "store")
    return directory, _read_all(directory)


def _copy(pristine: Path, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("damaged") / "store"
    shutil.copytree(pristine, target)
    return target


def _never_silently_wrong(store: Path, expected: dict) -> None:
    """Reported as damage, refused when read, or read back exactly as it was written."""
    if verify_store(store):
        return
    try:
        got = _read_all(store)
    except StoreError:
        return
    from .conftest import _assert_same

    _assert_same(got, expected)


@SETTINGS
@given(data=st.data())
def test_a_flipped_byte_is_never_a_silent_wrong_result(pristine, tmp_path_factory, data) -> None:
    directory, expected = pristine
    store = _copy(directory, tmp_path_factory)
    files = sorted(p for p in store.rglob("*") if p.is_file())
    path = data.draw(st.sampled_from(files), label="file")
    raw = bytearray(path.read_bytes())
    at = data.draw(st.integers(0, len(raw) - 1), label="offset")
    raw[at] ^= data.draw(st.integers(1, 255), label="xor")
    path.write_bytes(bytes(raw))
    _never_silently_wrong(store, expected)


def _stored(store: Path, sql: str, params: list) -> list:
    con = duckdb.connect(str(store / DB_NAME), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@SETTINGS
@given(data=st.data())
def test_any_manifest_edit_is_reported(pristine, tmp_path_factory, data) -> None:
    directory, _ = pristine
    store = _copy(directory, tmp_path_factory)
    keys = [k for (k,) in _stored(store, "SELECT key FROM manifest ORDER BY key", [])]
    key = data.draw(st.sampled_from(keys), label="key")
    (before,) = _stored(store, "SELECT value FROM manifest WHERE key = ?", [key])[0]
    how = data.draw(st.sampled_from(["value", "delete", "add"]), label="how")
    con = duckdb.connect(str(store / DB_NAME))
    if how == "value":
        new = json.dumps(data.draw(JSON, label="value"))
        con.execute("UPDATE manifest SET value = ? WHERE key = ?", [new, key])
    elif how == "delete":
        con.execute("DELETE FROM manifest WHERE key = ?", [key])
    else:
        con.execute("INSERT INTO manifest VALUES (?, ?)", [f"{key}_extra", before])
    con.close()
    if how == "value" and new == before:
        return  # nothing changed
    assert verify_store(store), (key, how)


@SETTINGS
@given(data=st.data())
def test_any_chunk_record_edit_is_reported(pristine, tmp_path_factory, data) -> None:
    directory, _ = pristine
    store = _copy(directory, tmp_path_factory)
    field = data.draw(st.sampled_from(CHUNK_FIELDS), label="field")
    start = data.draw(st.sampled_from([0, 4, 8]), label="chunk")
    (before,) = _stored(store, f"SELECT {field} FROM chunks WHERE start = ?", [start])[0]
    if isinstance(before, str):
        new: object = data.draw(st.none() | st.text(max_size=40), label="text")
    else:
        new = data.draw(st.none() | st.integers(-5, 20), label="number")
    if new == before:
        return
    con = duckdb.connect(str(store / DB_NAME))
    con.execute(f"UPDATE chunks SET {field} = ? WHERE start = ?", [new, start])
    con.close()
    problems = verify_store(store)
    assert problems, (field, start, new)
