"""E10 and E12: partners' protection (capability × will) and the value of membership.

A partner protects shared technology only if it can (capability, raised by US-funded
capacity building) *and* wants to (will, a logistic function of alignment, defence ties,
threat, dependence on China, hedging motives, US credibility and its own margin from
membership). The margin is a closed-form, one-year, dimensionless payoff (E12).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from techbloc.model import kernels

if TYPE_CHECKING:
    from techbloc.model.inputs import ModelInputs

__all__ = [
    "WILL_TERMS",
    "capability_step",
    "hedging_values",
    "joining_gain",
    "margins_from_flows",
    "member_cost_level",
    "membership_margin",
    "positioned",
    "will",
    "will_logit_base",
    "will_terms",
]


def positioned(
    default: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    position: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Place cited judgement values within their ranges.

    ``position`` -1 puts every value at its low end, 0 at its default, +1 at its high end
    (piecewise linear in between).

    Parameters
    ----------
    default, low, high : ndarray, shape (...)
    position : ndarray, shape (S,)

    Returns
    -------
    ndarray, shape (S, ...)
    """
    pos = position.reshape((-1,) + (1,) * default.ndim)
    placed = (default != 0) | (low != 0) | (high != 0)
    if placed.all():
        return np.where(pos >= 0, default + pos * (high - default), default + pos * (default - low))
    # values at 0 in all three stay exactly 0 (sparse tables such as the frictions, 9 pairs
    # of 58 x 58): only the others are placed
    out = np.zeros((len(position), default.size))
    at = np.flatnonzero(placed)
    d, lo, hi = default.reshape(-1)[at], low.reshape(-1)[at], high.reshape(-1)[at]
    pos = position[:, None]
    out[:, at] = np.where(pos >= 0, d + pos * (hi - d), d + pos * (d - lo))
    return out.reshape((len(position), *default.shape))


def hedging_values(inputs: ModelInputs, position: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each country's hedging motive in each scenario, shape (S, N)."""
    return positioned(inputs.hedging, inputs.hedging_low, inputs.hedging_high, position)


def will_logit_base(
    inputs: ModelInputs, values: Mapping[str, NDArray[np.float64]], hedging: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The time-invariant part of the will logit, shape (S, N).

    ``a0 + a_align alignment + a_pact pact + a_threat threat - a_dep dependence - a_hedge hedge``.
    """

    def w(name: str) -> NDArray[np.float64]:
        return values[name][:, None]

    return (
        w("will_intercept")
        + w("will_alignment") * inputs.alignment
        + w("will_pact") * inputs.defence_pact
        + w("will_threat") * inputs.threat
        - w("will_dependence") * inputs.dependence
        - w("will_hedging") * hedging
    )


def will(
    base: NDArray[np.float64],
    credibility_weight: NDArray[np.float64],
    credibility: NDArray[np.float64],
    value_weight: NDArray[np.float64],
    margin: NDArray[np.float64],
    usa: int,
) -> NDArray[np.float64]:
    """E10: willingness to protect, in (0, 1); the USA's own will is 1.

    ``will = logistic(base + a_cred Cred + a_value tanh(margin))``: the margin bonus is
    bounded (MODEL.md §9.4), so membership alone adds at most ``a_value`` to the logit.

    Parameters
    ----------
    base : ndarray, shape (S, N)
    credibility_weight, credibility, value_weight : ndarray, shape (S,)
    margin : ndarray, shape (S, P, N)
        Last year's membership margin (0 for non-members).
    usa : int
    """
    logit = (base + credibility_weight[:, None] * credibility[:, None])[:, None, :] + (
        value_weight[:, None, None] * np.tanh(margin)
    )
    result = 1.0 / (1.0 + np.exp(-logit))
    result[:, :, usa] = 1.0
    return result


def capability_step(
    capability: NDArray[np.float64], gain: NDArray[np.float64], building: NDArray[np.float64]
) -> NDArray[np.float64]:
    """E10: ``cap' = cap + capacity_gain · CB · (1 - cap)``; building moves only capability."""
    return capability + gain[:, None, None] * building * (1.0 - capability)


def _mean_stringency(
    target_mean: NDArray[np.float64], least_will: NDArray[np.float64]
) -> NDArray[np.float64]:
    return target_mean * least_will


def member_cost_level(
    common: NDArray[np.float64], floor_mean: NDArray[np.float64] | float, reach: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The stringency a member's trade meets: ``max(s*, reach · max(s*, floor))`` (v4), as in
    :func:`~techbloc.model.controls.member_level`, on means over domains.

    Parameters
    ----------
    common : ndarray
        The coalition's common level ``s*`` (mean over domains).
    floor_mean : float or ndarray
        The US's own level (mean over domains), broadcastable to ``common``.
    reach : ndarray
        ``extraterritorial_reach``, broadcastable to ``common``.
    """
    return np.maximum(common, reach * np.maximum(common, floor_mean))


def _value_change(
    knowledge_gain: NDArray[np.float64],
    trade: NDArray[np.float64],
    friction_sum: NDArray[np.float64],
    threat: NDArray[np.float64],
    credibility: NDArray[np.float64],
    values: Mapping[str, NDArray[np.float64]],
) -> NDArray[np.float64]:
    """``b ΔK - Δtrade cost - friction_scale Σ f + security_value Cred threat``, (S, P, N)."""
    return (
        values["payoff_scale"][:, None, None] * knowledge_gain
        - trade
        - values["friction_scale"][:, None, None] * friction_sum
        + values["security_value"][:, None, None] * credibility[:, None, None] * threat
    )


def membership_margin(
    knowledge_gain: NDArray[np.float64],
    target_mean: NDArray[np.float64],
    floor_mean: NDArray[np.float64] | float,
    will_: NDArray[np.float64],
    members: NDArray[np.bool_],
    reach: NDArray[np.float64],
    dependence: NDArray[np.float64],
    friction_sum: NDArray[np.float64],
    threat: NDArray[np.float64],
    credibility: NDArray[np.float64],
    values: Mapping[str, NDArray[np.float64]],
) -> NDArray[np.float64]:
    """E12: each member's margin ``V_i(C) - V_i(C∖{i})``.

    ``V_i = b ΔK_i - trade_cost mean_k(s*_k) dep_i - friction_scale Σ_{j∈C} f_ij
    + m_i security_value Cred threat_i``, every term in units of the country's own
    knowledge production in a year (``ΔK_i`` is a flow per ``θ R_i``; ``friction_scale``
    is the payoff cost of a friction of 1 in those units, v4); outside the coalition a
    country keeps no pool gain, meets controls only through extraterritorial reach, at
    the higher of the coalition's level and the US's own (v4: the US keeps its unilateral
    controls), bears no negotiating frictions and has no security bonus.

    Parameters
    ----------
    knowledge_gain : ndarray, shape (S, P, N)
        ΔK_i: net pool gain plus allied-diffusion bonus, relative to own R&D.
    target_mean : ndarray, shape (P,) or (S, P)
        Mean over domains of the policy's target stringency.
    floor_mean : float or ndarray broadcastable to (S, P)
        Mean over domains of the US's own level (the status quo's stringency).
    will_ : ndarray, shape (S, P, N)
    members : ndarray of bool, shape (S, P, N)
    reach : ndarray, shape (S,)
    dependence, threat : ndarray, shape (N,)
    friction_sum : ndarray, shape (S, P, N)
        ``Σ_{j∈C, j≠i} f_ij``.
    credibility : ndarray, shape (S,)
    values : mapping
        Scenario parameter arrays.

    Returns
    -------
    ndarray, shape (S, P, N)
        Margins for members; NaN for non-members.
    """
    masked = np.where(members, will_, np.inf)
    # least will with and without each member (second-smallest where i is the smallest)
    two = np.partition(masked, 1, axis=-1)[..., :2] if masked.shape[-1] > 1 else masked
    least = two[..., 0]
    second = two[..., 1] if two.shape[-1] > 1 else np.full_like(least, np.inf)
    without = np.where(masked <= least[..., None], second[..., None], least[..., None])
    without = np.where(np.isfinite(without), without, 0.0)
    least = np.where(np.isfinite(least), least, 0.0)
    floor_mean = np.asarray(floor_mean)[..., None]
    s_with = member_cost_level(
        _mean_stringency(target_mean, least)[..., None], floor_mean, reach[:, None, None]
    )
    s_without = np.maximum(_mean_stringency(target_mean[..., None], without), floor_mean)
    trade = (
        values["trade_cost"][:, None, None]
        * dependence
        * (s_with - reach[:, None, None] * s_without)
    )
    margin = _value_change(knowledge_gain, trade, friction_sum, threat, credibility, values)
    return np.where(members, margin, np.nan)


def _compiled_margins(
    run: Callable[..., NDArray[np.float64]], a: SimpleNamespace
) -> NDArray[np.float64]:
    """:func:`margins_from_flows` by the compiled kernel (:mod:`techbloc.model.jit.margins`)."""
    S, P, _ = a.will_.shape
    c = kernels.contiguous
    return run(
        kernels.MarginArrays(
            gain=c(a.gain),
            contribution=c(a.contribution),
            bonus=c(a.allied_bonus),
            rd=c(a.rd),
            theta=c(a.theta),
            target_mean=c(np.broadcast_to(a.target_mean, (S, P))),
            floor_mean=c(np.broadcast_to(a.floor_mean, (S, P))),
            will=c(a.will_),
            members=c(a.members, np.bool_),
            reach=c(a.reach),
            dependence=c(a.dependence),
            friction_sum=c(a.friction_sum),
            threat=c(a.threat),
            credibility=c(a.credibility),
            payoff_scale=c(a.values["payoff_scale"]),
            trade_cost=c(a.values["trade_cost"]),
            friction_scale=c(a.values["friction_scale"]),
            security_value=c(a.values["security_value"]),
        )
    )


@kernels.twin("margins", _compiled_margins)
def margins_from_flows(
    gain: NDArray[np.float64],
    contribution: NDArray[np.float64],
    allied_bonus: NDArray[np.float64],
    rd: NDArray[np.float64],
    theta: NDArray[np.float64],
    target_mean: NDArray[np.float64],
    floor_mean: NDArray[np.float64] | float,
    will_: NDArray[np.float64],
    members: NDArray[np.bool_],
    reach: NDArray[np.float64],
    dependence: NDArray[np.float64],
    friction_sum: NDArray[np.float64],
    threat: NDArray[np.float64],
    credibility: NDArray[np.float64],
    values: Mapping[str, NDArray[np.float64]],
) -> NDArray[np.float64]:
    """E12 margins from each country's pool and diffusion flows this year.

    ``ΔK_i = (gain_i - θ contribution_i + allied_bonus_i) / (θ R_i)``, then
    :func:`membership_margin` (compiled in one pass when numba is available).

    Parameters
    ----------
    gain, contribution, allied_bonus, rd : ndarray, shape (S, P, N)
        Pool gain, pool contribution, allied-diffusion bonus and R&D, summed over domains.
    theta : ndarray, shape (S,)
    target_mean : ndarray, shape (P,) or (S, P)
    Other parameters as in :func:`membership_margin`.

    Returns
    -------
    ndarray, shape (S, P, N)
        Margins for members; NaN for non-members.
    """
    th = theta[:, None, None]
    knowledge_gain = (gain - th * contribution + allied_bonus) / (th * np.maximum(rd, 1e-12))
    return membership_margin(
        knowledge_gain,
        target_mean,
        floor_mean,
        will_,
        members,
        reach,
        dependence,
        friction_sum,
        threat,
        credibility,
        values,
    )


def joining_gain(
    rd: NDArray[np.float64],
    contribution: NDArray[np.float64],
    members: NDArray[np.bool_],
    joining_share: NDArray[np.float64],
    target_mean: NDArray[np.float64],
    floor_mean: NDArray[np.float64] | float,
    will_: NDArray[np.float64],
    reach: NDArray[np.float64],
    dependence: NDArray[np.float64],
    friction_sum: NDArray[np.float64],
    threat: NDArray[np.float64],
    credibility: NDArray[np.float64],
    values: Mapping[str, NDArray[np.float64]],
) -> NDArray[np.float64]:
    """E12 (external stability): what each outsider would gain by joining, ``V_i(C∪{i}) - V_i(C)``.

    The pool gain uses the pool enlarged by the outsider's contribution; the
    allied-diffusion bonus of joining is left out (a stated approximation).

    Parameters
    ----------
    rd, contribution : ndarray, shape (S, P, D, N)
    joining_share : ndarray, shape (S, P, N)
        Share of its R&D each outsider would pay in.
    Other parameters as in :func:`membership_margin`.

    Returns
    -------
    ndarray, shape (S, P, N)
        Gains for outsiders; NaN for members.
    """
    synergy = values["synergy"][:, None, None]
    n = members.sum(axis=-1)[..., None]
    own_contribution = rd * joining_share[:, :, None, :]
    enlarged = (contribution.sum(axis=-1)[..., None] + own_contribution) * (
        1.0 + synergy[..., None] * n[..., None] / (n[..., None] + 1.0)
    )
    cap = values["absorptive_multiple"][:, None, None, None] * (rd - own_contribution)
    total_rd = np.maximum(rd.sum(axis=2), 1e-12)
    knowledge_gain = (np.minimum(enlarged, cap) - own_contribution).sum(axis=2) / total_rd
    least = np.where(members, will_, np.inf).min(axis=-1)
    least = np.where(np.isfinite(least), least, 0.0)[..., None]
    joined = np.minimum(least, will_)
    floor_mean = np.asarray(floor_mean)[..., None]
    trade = (
        values["trade_cost"][:, None, None]
        * dependence
        * (
            member_cost_level(
                _mean_stringency(target_mean[..., None], joined), floor_mean, reach[:, None, None]
            )
            - reach[:, None, None]
            * np.maximum(_mean_stringency(target_mean[..., None], least), floor_mean)
        )
    )
    gain = _value_change(knowledge_gain, trade, friction_sum, threat, credibility, values)
    return np.where(members, np.nan, gain)


#: Terms of E10's will logit, in the order :func:`will_terms` returns them: name ->
#: (weight parameter, sign). ``intercept`` multiplies 1; ``credibility`` the year's US
#: credibility; ``membership`` ``tanh(margin)``.
WILL_TERMS: dict[str, tuple[str, int]] = {
    "intercept": ("will_intercept", 1),
    "alignment": ("will_alignment", 1),
    "defence_pact": ("will_pact", 1),
    "threat": ("will_threat", 1),
    "dependence": ("will_dependence", -1),
    "hedging": ("will_hedging", -1),
    "credibility": ("will_credibility", 1),
    "membership": ("will_value", 1),
}


def will_terms(
    inputs: ModelInputs,
    values: Mapping[str, NDArray[np.float64]],
    credibility: NDArray[np.float64],
    margin: NDArray[np.float64] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """E10's will logit split into its terms, each of shape (S, N).

    The terms are those of :func:`will_logit_base` and :func:`will`, computed the same
    way: hedging is the scenario's positioned value (:func:`hedging_values` at
    ``values["hedging_position"]``), not the table's default. Their sum is the logit;
    ``logistic(sum)`` is :func:`will` for every country but the USA (whose will is 1).

    Parameters
    ----------
    inputs : ModelInputs
        Country inputs (``alignment``, ``defence_pact``, ``threat``, ``dependence``,
        ``hedging`` with its range), shape (N,) each.
    values : mapping
        Scenario parameter arrays of shape (S,): the ``will_*`` weights and
        ``hedging_position``.
    credibility : ndarray, shape (S,)
        US credibility in the year (E11), in [0, 1].
    margin : ndarray, shape (S, N), optional
        Last year's membership margin (E12); default 0 (not a member), which makes the
        membership term 0.

    Returns
    -------
    dict of str to ndarray, shape (S, N)
        Keyed as :data:`WILL_TERMS`, in its order: each term's signed contribution to
        the logit (dimensionless).
    """
    hedging = hedging_values(inputs, values["hedging_position"])
    n = len(inputs.alignment)
    features = {
        "intercept": np.ones(n),
        "alignment": inputs.alignment,
        "defence_pact": inputs.defence_pact,
        "threat": inputs.threat,
        "dependence": inputs.dependence,
        "hedging": hedging,
        "credibility": np.asarray(credibility, float)[:, None] * np.ones(n),
        "membership": np.tanh(np.zeros(n) if margin is None else margin),
    }
    return {
        name: sign * values[parameter][:, None] * features[name]
        for name, (parameter, sign) in WILL_TERMS.items()
    }
