# The public API of techbloc.analysis: read by lazy_loader.attach_stub (names are imported
# on first use) and by type checkers. Only `from .module import name` lines; keep __all__
# in step.
from .boxes import Box
from .cart_discovery import CartResult, cart
from .characteristic import model_outcomes
from .discovery import case_of_interest, discover
from .outcomes import evaluate_condition, outcome_table, select_policy
from .prim_discovery import PrimResampling, PrimResult, prim
from .ranking import Lead, leader
from .robustness import (
    Metric,
    Threshold,
    minimax,
    percentiles,
    regret,
    robustness_summary,
    satisficing,
)
from .search import (
    Objective,
    SearchResult,
    model_evaluator,
    pareto_mask,
    search_coalitions,
    subset_masks,
)
from .sensitivity import (
    given_data_indices,
    morris_indices,
    problem,
    sensitivity,
    sobol_indices,
)
from .shapley import model_game, shapley, shapley_exact, shapley_sampled
from .stability import StabilityResult, coalition_stability, stability

__all__ = [
    "Box",
    "CartResult",
    "Lead",
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
    "leader",
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
