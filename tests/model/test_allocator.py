"""The allocator setting run_model makes once per process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from techbloc.model import allocator

_PROBE = """
import resource, numpy as np
from techbloc.model import allocator
print(allocator.keep_freed_memory())
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):  # 8 MB arrays, allocated, written and freed again and again
    a = np.ones(1_000_000); b = a * 2.0; del a, b
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _probe(env: dict[str, str]) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_freed_arrays_are_reused_not_faulted_in_again():
    env = {k: v for k, v in os.environ.items() if k != "TECHBLOC_MALLOC"}
    tuned, faults = _probe(env)
    default, default_faults = _probe({**env, "TECHBLOC_MALLOC": "default"})
    assert (tuned, default) == ("True", "False")
    # 20 rounds of two fresh 8 MB arrays: 16,000-26,000 page faults with glibc's defaults,
    # about 1,300 tuned (measured on the development machine)
    assert default_faults > 5_000
    assert faults < default_faults / 4


def test_off_linux_nothing_is_changed(monkeypatch):
    allocator.keep_freed_memory.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert allocator.keep_freed_memory() is False
    finally:
        allocator.keep_freed_memory.cache_clear()
