"""The seal's leaves kept ready to write give the text the seal's own functions give."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techbloc.experiments.seal import SealLeaves, seal_of_leaves


@st.composite
def _chunks(draw: st.DrawFn) -> list[tuple[tuple[int, int], str]]:
    """Non-overlapping chunks with their leaves, in a random order."""
    sizes = draw(st.lists(st.integers(1, 1200), max_size=40))
    gaps = draw(st.lists(st.integers(0, 3), min_size=len(sizes), max_size=len(sizes)))
    spans, start = [], 0
    for size, gap in zip(sizes, gaps, strict=True):
        start += gap
        spans.append((start, start + size))
        start += size
    leaves = [f"{draw(st.integers(0, 2**256 - 1)):064x}" for _ in spans]
    return draw(st.permutations(list(zip(spans, leaves, strict=True))))


ENTRIES = {"study": '{"name": "s"}', "seed": "7", "integrity": "{}", "note": "caf\u00e9"}


@given(chunks=_chunks(), split=st.integers(0, 40), key=st.sampled_from([None, b"k" * 32]))
def test_the_text_is_the_seal_of_every_leaf_in_range_order(chunks, split, key) -> None:
    first = SealLeaves(dict(chunks[:split]))
    extended = first.extended(chunks[split:])
    leaves = dict(chunks)
    expected = seal_of_leaves(ENTRIES, {f"{a}-{b}": leaves[a, b] for a, b in sorted(leaves)}, key)
    assert extended.seal_text(ENTRIES, key) == json.dumps(expected)
    assert extended.spans() == sorted(leaves) and len(extended) == len(leaves)
    # extending leaves the original as it was
    expected_first = {f"{a}-{b}": leaves[a, b] for a, b in sorted(dict(chunks[:split]))}
    assert first.seal_text(ENTRIES, key) == json.dumps(seal_of_leaves(ENTRIES, expected_first, key))


@given(chunks=_chunks(), start=st.integers(0, 50_000), size=st.integers(1, 3000))
def test_overlap_finds_a_stored_chunk_exactly_when_one_overlaps(chunks, start, size) -> None:
    leaves = SealLeaves(dict(chunks))
    stop = start + size
    found = leaves.overlap(start, stop)
    overlapping = [(a, b) for (a, b), _ in chunks if start < b and a < stop]
    assert (found is None) == (not overlapping)
    assert found is None or found in overlapping


def test_a_sealed_chunk_cannot_be_added_again() -> None:
    leaves = SealLeaves({(0, 5): "a" * 64})
    assert (0, 5) in leaves and (5, 9) not in leaves
    with pytest.raises(ValueError, match=r"chunk \[0, 5\) is sealed already"):
        leaves.extended([((5, 9), "b" * 64), ((0, 5), "c" * 64)])
    assert leaves.spans() == [(0, 5)]
