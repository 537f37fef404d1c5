"""The default chunk size: no idle worker, bounded memory, the writer off the critical path."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from techbloc.experiments.budget import (
    CHUNK_PAIRS,
    CHUNK_PAIRS_TRAJECTORIES,
    COMMIT_SECONDS,
    COMMIT_SECONDS_PER_SCENARIO,
    COMMIT_SHARE,
    PAIR_MEMORY,
    RATE,
    TRAJECTORY_MEMORY,
    default_chunk_size,
)


@given(
    n=st.integers(1, 2_000_000),
    policies=st.integers(1, 40),
    workers=st.integers(1, 64),
    trajectories=st.booleans(),
)
def test_every_worker_gets_a_chunk_and_chunks_stay_small(n, policies, workers, trajectories):
    size = default_chunk_size(n, policies, workers, trajectories)
    cap = max(1, (CHUNK_PAIRS_TRAJECTORIES if trajectories else CHUNK_PAIRS) // policies)
    assert 1 <= size <= cap
    assert math.ceil(n / size) >= min(n, workers)


@given(n=st.integers(10_000, 2_000_000), workers=st.integers(1, 3))
def test_commits_take_at_most_their_share_where_memory_allows(n, workers):
    size = default_chunk_size(n, 2, workers, False)
    commit = COMMIT_SECONDS + COMMIT_SECONDS_PER_SCENARIO * size
    compute = size * 2 * 27 / RATE / workers  # the workers' time for one chunk each
    assert commit <= COMMIT_SHARE * compute * (1 + 1e-9) or size == 1000 // 2


def test_a_small_study_is_not_cut_finer_than_its_commits_are_worth():
    # four chunks per worker would be 250 and 75 futures: commits would take too large a share
    assert default_chunk_size(2000, 2, 2, False) == 500  # as large as memory allows
    assert default_chunk_size(600, 2, 2, False) == 300  # one chunk per worker


def test_one_worker_takes_chunks_as_large_as_memory_allows():
    assert default_chunk_size(300, 2, 1, False) == 300  # one chunk
    assert default_chunk_size(2000, 2, 1, False) == 500  # 1,000 scenario x policy pairs
    assert default_chunk_size(2000, 2, 1, True) == 400  # 800 pairs with trajectories


def test_the_caps_keep_a_chunks_working_arrays_near_100_mb():
    years = 27
    assert CHUNK_PAIRS * PAIR_MEMORY <= 100 * 2**20
    assert CHUNK_PAIRS_TRAJECTORIES * (PAIR_MEMORY + years * TRAJECTORY_MEMORY) <= 100 * 2**20
