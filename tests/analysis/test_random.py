"""Random state of the analysis functions (techbloc.analysis._random)."""

import inspect

import numpy as np
import pandas as pd
import pytest

from techbloc.analysis import (
    PrimResult,
    cart,
    given_data_indices,
    morris_indices,
    search_coalitions,
    sensitivity,
    shapley,
    shapley_sampled,
    sobol_indices,
)
from techbloc.analysis._random import check_rng, library_seed, renamed_seed
from techbloc.errors import InputError

RANDOM_ANALYSES = [
    cart,
    given_data_indices,
    morris_indices,
    PrimResult.resample,
    search_coalitions,
    sensitivity,
    shapley,
    shapley_sampled,
    sobol_indices,
]


@pytest.mark.parametrize("function", RANDOM_ANALYSES, ids=lambda f: f.__qualname__)
def test_every_random_analysis_takes_rng_defaulting_to_0(function):
    parameter = inspect.signature(function).parameters["rng"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default == 0


def test_check_rng():
    generator = np.random.default_rng(5)
    assert check_rng(generator) is generator
    assert check_rng(7).random() == np.random.default_rng(7).random()
    assert check_rng(np.int64(7)).random() == check_rng(7).random()
    assert isinstance(check_rng(None), np.random.Generator)
    for bad in (-1, 1.5, True, "3", np.random.RandomState(0)):
        with pytest.raises(InputError, match=r"rng must be|non-negative"):
            check_rng(bad)


def test_library_seed_is_positive_and_reproducible():
    seeds = [library_seed(s) for s in range(50)]
    assert min(seeds) >= 1 and seeds == [library_seed(s) for s in range(50)]
    generator = np.random.default_rng(0)
    assert library_seed(generator) != library_seed(generator)  # advanced by each draw


def test_renamed_seed_warns_and_wins():
    assert renamed_seed(4, None, "cart") == 4
    with pytest.warns(DeprecationWarning, match=r"cart\(seed=...\) is deprecated.*rng="):
        assert renamed_seed(0, 9, "cart") == 9


def test_cart_seed_is_a_deprecated_alias_of_rng():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((300, 3)), columns=["a", "b", "c"])
    y = (x["a"] > 0.5) & (x["b"] < 0.4)
    with pytest.warns(DeprecationWarning, match="cart"):
        old = cart(x, y, max_depth=2, seed=3)
    pd.testing.assert_frame_equal(old.leaves, cart(x, y, max_depth=2, rng=3).leaves)
    from_generator = cart(x, y, max_depth=2, rng=np.random.default_rng(3))
    assert from_generator.leaves["n"].sum() == 300
