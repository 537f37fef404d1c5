"""Where the compiled kernels are cached, and that a second process loads them from there."""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

# skipped without numba, a failure in CI (tests/conftest.py)
pytestmark = pytest.mark.requires("numba")

SRC = Path(__file__).resolve().parents[2] / "src"
KERNELS = ("flows", "margins", "protection", "toggle", "veto")

# runs the engine on one future (every kernel, with the signatures the CLI uses) and prints
# each kernel's cache hits and misses; with "worker", runs it in a spawned worker process
SCRIPT = """
import json, sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

def run():
    import importlib
    import pandas as pd
    from techbloc.coalitions import Coalition
    from techbloc.model import simulate
    from techbloc.policies import Policy
    from techbloc.world import load_world

    policies = [Policy(Coalition.from_preset("forging_core"))]
    simulate(load_world(), pd.DataFrame(index=range(1)), policies, end_year=2030)
    stats = {}
    for name in ("flows", "margins", "protection", "toggle", "veto"):
        kernel = getattr(importlib.import_module("techbloc.model.jit." + name), name)
        hits, misses = kernel.stats.cache_hits, kernel.stats.cache_misses
        stats[name] = [sum(hits.values()), sum(misses.values())]
    return stats

if __name__ == "__main__":
    if sys.argv[1] == "worker":
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            stats = pool.submit(run).result()
    else:
        stats = run()
    print(json.dumps(stats))
"""


def _stats(tmp_path: Path, env: dict[str, str], where: str) -> tuple[dict[str, list[int]], str]:
    script = tmp_path / "kernels_stats.py"
    script.write_text(SCRIPT)
    out = subprocess.run(
        [sys.executable, str(script), where],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def _cache_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.suffix in (".nbi", ".nbc")]


def test_a_second_process_and_a_worker_load_every_kernel_from_the_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the user cache directory, on Linux
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    before = set(_cache_files(SRC))

    first, said = _stats(tmp_path, env, "here")
    assert all(misses > 0 for _, misses in first.values()), first
    assert said.count("compiling the model's kernels, once") == 1

    second, said = _stats(tmp_path, env, "here")
    assert all(hits > 0 and misses == 0 for hits, misses in second.values()), second
    assert "compiling" not in said

    in_worker, said = _stats(tmp_path, env, "worker")
    assert all(hits > 0 and misses == 0 for hits, misses in in_worker.values()), in_worker
    assert "compiling" not in said

    cached = _cache_files(tmp_path / "cache")
    assert {p.name.split(".")[0] for p in cached} == set(KERNELS)
    assert all(p.is_relative_to(tmp_path / "cache" / "techbloc" / "numba") for p in cached)
    assert set(_cache_files(SRC)) == before, "numba wrote cache files into the source tree"


def test_cache_dir_honours_numba_cache_dir(monkeypatch, tmp_path):
    from techbloc.model import jit

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert jit.cache_dir() == str(tmp_path / "mine")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert jit.cache_dir() == str(tmp_path / "xdg" / "techbloc" / "numba")
    assert not Path(jit.cache_dir()).is_relative_to(SRC)


def test_numba_is_told_the_cache_dir():
    from numba.core import config

    from techbloc.model import jit

    assert config.CACHE_DIR == os.environ["NUMBA_CACHE_DIR"] == jit.cache_dir()
    assert not Path(config.CACHE_DIR).resolve().is_relative_to(SRC)


_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0])


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


@given(a=_FLOATS, b=_FLOATS)
def test_lesser_and_greater_are_pythons_min_and_max_bit_for_bit(a, b):
    from techbloc.model.jit import greater, lesser

    assert _bits(lesser(a, b)) == _bits(min(a, b))
    assert _bits(greater(a, b)) == _bits(max(a, b))


@given(x=_FLOATS)
def test_clip_unit_is_min_of_max_bit_for_bit(x):
    from techbloc.model.jit import clip_unit

    assert _bits(clip_unit(x)) == _bits(min(max(x, 0.0), 1.0))
