"""Decision analysis on results: robustness, scenario discovery, sensitivity, coalition
search, stability and Shapley attribution.

Names are imported lazily from their submodules, so ``import techbloc.analysis`` is cheap
and heavy libraries (scikit-learn, SALib, pymoo) load only when a function needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_API: dict[str, str] = {
    # outcome tables
    "outcome_table": "outcomes",
    "evaluate_condition": "outcomes",
    "select_policy": "outcomes",
    # robustness
    "Metric": "robustness",
    "Threshold": "robustness",
    "regret": "robustness",
    "satisficing": "robustness",
    "percentiles": "robustness",
    "minimax": "robustness",
    "robustness_summary": "robustness",
    # scenario discovery
    "Box": "boxes",
    "PrimResult": "prim_discovery",
    "PrimResampling": "prim_discovery",
    "CartResult": "cart_discovery",
    "prim": "prim_discovery",
    "cart": "cart_discovery",
    "case_of_interest": "discovery",
    "discover": "discovery",
    # sensitivity
    "problem": "sensitivity",
    "sobol_indices": "sensitivity",
    "morris_indices": "sensitivity",
    "given_data_indices": "sensitivity",
    "sensitivity": "sensitivity",
    # coalition search
    "Objective": "search",
    "SearchResult": "search",
    "pareto_mask": "search",
    "subset_masks": "search",
    "search_coalitions": "search",
    "model_evaluator": "search",
    # characteristic functions, stability, Shapley
    "model_outcomes": "characteristic",
    "StabilityResult": "stability",
    "stability": "stability",
    "coalition_stability": "stability",
    "shapley": "shapley",
    "shapley_exact": "shapley",
    "shapley_sampled": "shapley",
    "model_game": "shapley",
}

__all__ = [
    "Box",
    "CartResult",
    "Metric",
    "Objective",
    "PrimResampling",
    "PrimResult",
    "SearchResult",
    "StabilityResult",
    "Threshold",
    "cart",
    "case_of_interest",
    "coalition_stability",
    "discover",
    "evaluate_condition",
    "given_data_indices",
    "minimax",
    "model_evaluator",
    "model_game",
    "model_outcomes",
    "morris_indices",
    "outcome_table",
    "pareto_mask",
    "percentiles",
    "prim",
    "problem",
    "regret",
    "robustness_summary",
    "satisficing",
    "search_coalitions",
    "select_policy",
    "sensitivity",
    "shapley",
    "shapley_exact",
    "shapley_sampled",
    "sobol_indices",
    "stability",
    "subset_masks",
]


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module 'techbloc.analysis' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"techbloc.analysis.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
