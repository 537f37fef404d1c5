"""A regression check of the engine: a small run's every output against a stored reference.

The reference (``data/engine_golden.npz``) was written by the numpy path of the engine
(``TECHBLOC_NUMBA=0``) before the engine was split into modules (issue 22 item 2); a
restructuring that changes no formula leaves every array equal to rtol 1e-12. After a
deliberate change of the model, rewrite it with ``TECHBLOC_WRITE_GOLDEN=1`` and say so in
the commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from techbloc.coalitions import Coalition
from techbloc.policies import Policy

GOLDEN = Path(__file__).parent / "data" / "engine_golden.npz"
SPANS = ((2024, 2030), (2010, 2015))


def _outputs(world) -> dict[str, np.ndarray]:
    from techbloc import sample_futures, simulate

    policies = [
        Policy(Coalition.from_preset("forging_core")),
        Policy(
            Coalition.parse("USA,JPN,KOR,DEU,NLD"),
            pool_share=0.2,
            start_year=2026,
            control_stringency={"semiconductors": 0.9},
            name="late",
        ),
        Policy(Coalition.parse("USA,GBR,CAN"), pool_share=0.0, name="small"),
    ]
    futures = sample_futures(5, seed=3)
    out = {}
    for start, end in SPANS:
        ds = simulate(world, futures, policies, start_year=start, end_year=end, seed=7)
        for name in ds.data_vars:
            out[f"{start}/{name}"] = ds[name].values
    return out


def test_engine_outputs_match_the_stored_reference(world, monkeypatch):
    monkeypatch.setenv("TECHBLOC_NUMBA", "0")
    got = _outputs(world)
    if os.environ.get("TECHBLOC_WRITE_GOLDEN") == "1":
        np.savez_compressed(GOLDEN, **got)
        pytest.skip(f"wrote {GOLDEN}")
    reference = np.load(GOLDEN)
    # outputs added after the reference was written are not in it; none may go missing
    assert set(reference.files) <= set(got), set(reference.files) - set(got)
    for name in reference.files:
        expected, actual = reference[name], got[name]
        assert actual.shape == expected.shape, name
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14, err_msg=name)
        else:
            np.testing.assert_array_equal(actual, expected, err_msg=name)
