"""Metric strings ``NAME[:max|min]`` resolve through the outputs registry."""

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techbloc.analysis.robustness import Metric, parse_metric
from techbloc.errors import InputError
from techbloc.model.outputs import DEPRECATED_ALIASES, SCALARS, Direction

DIRECTED = sorted(n for n, o in SCALARS.items() if o.direction is not Direction.INFO)
UNDIRECTED = sorted(n for n, o in SCALARS.items() if o.direction is Direction.INFO)
IDENTIFIERS = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True)
SPACES = st.sampled_from(["", " ", "  "])
SUFFIX = st.sampled_from(["", ":max", ":min", ":MAX", ":Min"])


@given(st.sampled_from(DIRECTED), SUFFIX, SPACES, SPACES)
def test_registered_names_take_their_direction_unless_overridden(name, suffix, left, right):
    metric = parse_metric(f"{left}{name}{right}{suffix}")
    expected = suffix[1:].lower() or SCALARS[name].direction.short
    assert metric == Metric(name, expected)
    assert metric.sign == (1.0 if expected == "max" else -1.0)


@given(IDENTIFIERS, st.sampled_from(["max", "min"]))
def test_columns_of_ones_own_need_a_direction(name, direction):
    if name in SCALARS or name in DEPRECATED_ALIASES:
        return
    assert parse_metric(f"{name}:{direction}") == Metric(name, direction)
    with pytest.raises(InputError, match="known outcomes"):
        parse_metric(name)


@given(st.text(max_size=40))
def test_any_text_is_a_metric_or_an_input_error(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            metric = parse_metric(text)
        except InputError:
            return
    assert metric.direction in ("max", "min") and metric.name == metric.name.strip() != ""


@pytest.mark.parametrize("name", UNDIRECTED)
def test_outcomes_without_direction_need_one(name):
    with pytest.raises(InputError, match=f"{name}:max or {name}:min"):
        parse_metric(name)
    assert parse_metric(f"{name}:min").direction == "min"


def test_unknown_name_is_refused_with_a_suggestion():
    with pytest.raises(InputError, match="did you mean 'leakage_to_china'"):
        parse_metric("leakage_to_chna")


@pytest.mark.parametrize("alias", sorted(DEPRECATED_ALIASES))
def test_deprecated_names_resolve_with_a_warning(alias):
    with pytest.warns(FutureWarning, match=DEPRECATED_ALIASES[alias]):
        metric = parse_metric(alias)
    assert metric.name == DEPRECATED_ALIASES[alias]
