"""The alliance model of MODEL.md: pure, vectorized step functions and the batch engine.

One module per mechanism group:

- :mod:`~techbloc.model.knowledge`: E1-E3, E9 (R&D by domain, pool, diffusion, know-how)
- :mod:`~techbloc.model.controls`: E4-E5 (controls, access, leakage)
- :mod:`~techbloc.model.china`: E6-E8 (absorption, China's knowledge, R&D, self-sufficiency)
- :mod:`~techbloc.model.partners`: E10, E12 (protection, will, membership margins)
- :mod:`~techbloc.model.relative_gains`: E12 v3 (what membership does to China's growth; the veto)
- :mod:`~techbloc.model.regime`: E11 (US regime paths, credibility)
- :mod:`~techbloc.model.power`: E13 (output and power)
- :mod:`~techbloc.model.context`: what stays fixed through a run (policies as arrays, context)
- :mod:`~techbloc.model.state`: what changes from year to year, and one year's flows
- :mod:`~techbloc.model.year`: the year's flows from the state at its start
- :mod:`~techbloc.model.observe`: what is reported of a year
- :mod:`~techbloc.model.engine`: the batch engine (the state update and the loop over years)
- :mod:`~techbloc.model.allocator`: freed memory kept for reuse (set once by the engine)
- :mod:`~techbloc.model.outputs`: the outputs registry and the recorder
- :mod:`~techbloc.model.dataset`: :func:`simulate`, the labelled front door
- :mod:`~techbloc.model.static`: one-year characteristic functions of many coalitions
"""

from techbloc.model.dataset import simulate
from techbloc.model.engine import PolicyBatch, run_model
from techbloc.model.outputs import OUTPUTS, SCALARS, Direction, Output, output
from techbloc.model.static import STATIC_OUTCOMES, StaticModel, member_margins, static_outcomes

__all__ = [
    "OUTPUTS",
    "SCALARS",
    "STATIC_OUTCOMES",
    "Direction",
    "Output",
    "PolicyBatch",
    "StaticModel",
    "member_margins",
    "output",
    "run_model",
    "simulate",
    "static_outcomes",
]
