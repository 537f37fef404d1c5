"""The compiled start-year margins kernel (model/jit/static_margins.py) against the engine.

``StaticModel.margins`` and the margin outcomes (``cohesion``, ``min_margin``) come from the
kernel when numba runs; ``StaticModel.years`` runs the engine's own ``year_flows`` for the
same coalitions (flows, margins and toggles kernels). The kernel does their arithmetic in
their order, so the numbers must be equal, bit for bit.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.model import kernels
from techbloc.model.static import StaticModel, _outcomes

pytestmark = pytest.mark.skipif(not kernels.compiled(), reason="the kernel needs numba")


@pytest.fixture(scope="module")
def model(world, sampled_scenarios):
    return StaticModel(world, sampled_scenarios.iloc[:6])


def engine_path(model, masks):
    """Margins ``(S, P, len(codes))`` and the margin outcomes by ``year_flows``."""
    margins = np.full((model.n_scenarios, len(masks), len(model.codes)), np.nan)
    parts = {"cohesion": [], "min_margin": []}
    for rows, year, ctx in model.years(masks):
        margins[:, rows, model.columns] = np.where(year.members, year.margin, np.nan)
        for name, values in _outcomes(year, ctx, list(parts)).items():
            parts[name].append(values)
    return margins, {name: np.concatenate(v, axis=1) for name, v in parts.items()}


def random_masks(world, n, seed):
    """``n`` coalitions of every size (a share of members drawn per coalition)."""
    rng = np.random.default_rng(seed)
    masks = rng.random((n, len(world.codes))) < rng.random((n, 1))
    masks[0] = False  # the USA alone
    masks[1] = True  # everyone (China and the rest of the world are dropped)
    return masks


def test_kernel_margins_equal_the_engine_path(world, model):
    masks = random_masks(world, 120, seed=7)
    margins, outcomes = engine_path(model, masks)
    np.testing.assert_array_equal(model.margins(masks), margins)
    out = model.outcomes(masks, ["cohesion", "min_margin"])
    for name in outcomes:
        np.testing.assert_array_equal(out[name], outcomes[name])


def test_kernel_in_small_steps_and_both_walks_of_the_diffusion_order(world, model, monkeypatch):
    """Several kernel calls (tables built afresh in each), pair tables that outgrow their
    first allocation (random masks over every country: many least/second pairs), and the
    diffusion order walked by bit masks or rank by rank: the same numbers."""
    import techbloc.model.jit.static_margins as kernel
    import techbloc.model.static as static

    masks = random_masks(world, 400, seed=8)
    margins, _ = engine_path(model, masks)
    monkeypatch.setattr(static, "_MARGIN_STEP", 150)
    np.testing.assert_array_equal(model.margins(masks), margins)
    run = kernel.run
    monkeypatch.setattr(kernel, "run", lambda *a, **k: run(*a, **k, bit_masks=False))
    np.testing.assert_array_equal(model.margins(masks), margins)


def test_random_masks_outgrow_the_first_pair_tables(world, model):
    """The masks of the test above give more than 64 (least, second-least) pairs in a
    scenario, so the kernel's pair tables grow there (their first allocation holds 64)."""
    masks = random_masks(world, 400, seed=8)
    model.margins(masks[:1])
    will = model._margin_terms.will[0]
    pairs = set()
    for mask in masks[:, model.columns]:
        mask[model.inputs.usa] = True
        mask[model.inputs.china] = False
        pairs.add(tuple(np.argsort(np.where(mask, will, np.inf), kind="stable")[:2]))
    assert len(pairs) > 64


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_kernel_margins_equal_the_engine_path_on_random_masks(world, model, data):
    n = data.draw(st.integers(1, 12))
    masks = data.draw(arrays(np.bool_, (n, len(world.codes))))
    margins, outcomes = engine_path(model, masks)
    np.testing.assert_array_equal(model.margins(masks), margins)
    out = model.outcomes(masks, ["min_margin", "cohesion", "pool_leak_rate"])
    for name in outcomes:
        np.testing.assert_array_equal(out[name], outcomes[name])


def test_without_numba_the_engine_path_runs(world, sampled_scenarios, monkeypatch):
    masks = random_masks(world, 10, seed=9)
    expected = StaticModel(world, sampled_scenarios.iloc[:2]).margins(masks)
    monkeypatch.setenv("TECHBLOC_NUMBA", "0")
    numpy_model = StaticModel(world, sampled_scenarios.iloc[:2])
    assert not numpy_model._compiled()
    np.testing.assert_allclose(numpy_model.margins(masks), expected, rtol=1e-9, atol=1e-12)


def test_the_terms_are_the_kernels_arguments_in_order():
    """``_MarginTerms`` is unpacked into the kernel after ``first, stop, members``: its
    fields are the kernel's parameters of the same names, in the same order."""
    import inspect

    from techbloc.model.jit import static_margins
    from techbloc.model.static import _MarginTerms

    names = list(inspect.signature(static_margins.margins.py_func).parameters)
    fields = list(_MarginTerms._fields)
    assert names[3 : 3 + len(fields)] == fields
