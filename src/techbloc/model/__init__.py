"""The alliance model of MODEL.md: pure, vectorized step functions and the batch engine.

One module per mechanism group:

- :mod:`~techbloc.model.knowledge`: E1-E3, E9 (R&D by domain, pool, diffusion, know-how)
- :mod:`~techbloc.model.controls`: E4-E5 (controls, access, leakage)
- :mod:`~techbloc.model.china`: E6-E8 (absorption, China's knowledge, R&D, self-sufficiency)
- :mod:`~techbloc.model.partners`: E10, E12 (protection, will, membership margins)
- :mod:`~techbloc.model.regime`: E11 (US regime paths, credibility)
- :mod:`~techbloc.model.power`: E13 (output and power)
- :mod:`~techbloc.model.simulate`: the engine and :func:`simulate`
- :mod:`~techbloc.model.static`: one-year characteristic functions of many coalitions
"""

from techbloc.model.simulate import SCALAR_OUTPUTS, PolicyBatch, run_model, simulate
from techbloc.model.static import STATIC_OUTCOMES, member_margins, static_outcomes

__all__ = [
    "SCALAR_OUTPUTS",
    "STATIC_OUTCOMES",
    "PolicyBatch",
    "member_margins",
    "run_model",
    "simulate",
    "static_outcomes",
]
