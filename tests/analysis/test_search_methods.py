import numpy as np
import pytest

from techbloc.analysis.search_methods import SEARCH_METHODS, _repair_sizes, search_method
from techbloc.errors import InputError


def test_search_methods_are_a_registry_and_unknown_names_list_the_options():
    assert set(SEARCH_METHODS) == {"exhaustive", "nsga2"}
    with pytest.raises(InputError, match="'auto', 'exhaustive', 'nsga2'"):
        search_method("greedy")


def test_size_repair_brings_every_row_within_the_limits():
    rng = np.random.default_rng(0)
    x = rng.random((200, 9)) < 0.5
    fixed = _repair_sizes(x, 3, 5, rng)
    sizes = fixed.sum(axis=1)
    assert ((sizes >= 3) & (sizes <= 5)).all()
    inside = (x.sum(axis=1) >= 3) & (x.sum(axis=1) <= 5)
    np.testing.assert_array_equal(fixed[inside], x[inside])  # rows within limits untouched
