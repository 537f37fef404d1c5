"""E11: US regime paths and the credibility of US commitments.

US administrations alternate between *engaged* (E) and *transactional* (T). The observed
history is data: engaged 2009-2016 (Obama), transactional 2017-2020 (Trump), engaged
2021-2024 (Biden), and, after the 2024 election, transactional 2025-2028 (Trump). From the
first election after that (:data:`FIRST_RANDOM_ELECTION`) on, each election switches E→T with
``p_engaged_to_transactional`` and T→E with ``p_transactional_to_engaged``, so a run that
starts in any year from 2010 follows the history as it happened and switches at random only
after the last observed election. Institutional credibility ``Cinst`` falls by ``cred_decay``
per transactional term and recovers by ``cred_recovery_fraction * cred_decay * (1 - Cinst)``
per engaged term; both are applied year by year at the per-term compound rate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FIRST_RANDOM_ELECTION",
    "LAST_OBSERVED_ELECTION",
    "OBSERVED_TERMS",
    "credibility_paths",
    "observed_engaged",
    "regime_paths",
    "start_credibility",
]

#: Observed US administrations: first year of each four-year term -> engaged?
OBSERVED_TERMS: dict[int, bool] = {2009: True, 2013: True, 2017: False, 2021: True, 2025: False}
#: The last election whose outcome is observed (it chose the last observed term).
LAST_OBSERVED_ELECTION = max(OBSERVED_TERMS) - 1
#: Year of the first election whose outcome is random.
FIRST_RANDOM_ELECTION = LAST_OBSERVED_ELECTION + 4
_FIRST_OBSERVED = min(OBSERVED_TERMS)
_LAST_OBSERVED = max(OBSERVED_TERMS) + 3


def observed_engaged(year: int) -> bool | None:
    """Whether the administration in office in ``year`` was engaged (None if not observed)."""
    if not _FIRST_OBSERVED <= year <= _LAST_OBSERVED:
        return None
    return OBSERVED_TERMS[year - (year - _FIRST_OBSERVED) % 4]


def regime_paths(
    years: NDArray[np.int_],
    election_draws: NDArray[np.float64],
    p_engaged_to_transactional: NDArray[np.float64],
    p_transactional_to_engaged: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Sample which years have an engaged administration.

    Parameters
    ----------
    years : ndarray of int, shape (T,)
        Calendar years simulated.
    election_draws : ndarray, shape (S, n_elections)
        Uniform draws, one per election from :data:`FIRST_RANDOM_ELECTION` on (the first
        decides the term starting the year after it, whatever the start year).
    p_engaged_to_transactional, p_transactional_to_engaged : ndarray, shape (S,)
        Switching probabilities per election.

    Returns
    -------
    ndarray of bool, shape (S, T)
        True where the administration in office that year is engaged.
    """
    s = election_draws.shape[0]
    engaged = np.empty((s, len(years)), dtype=bool)
    state = np.full(s, bool(OBSERVED_TERMS[max(OBSERVED_TERMS)]))  # the last observed term
    election = 0
    for t, year in enumerate(years):
        observed = observed_engaged(int(year))
        if observed is not None:
            engaged[:, t] = observed
            continue
        # a new term starts the year after each election (2029, 2033, ...)
        if (year - FIRST_RANDOM_ELECTION - 1) % 4 == 0 and election < election_draws.shape[1]:
            u = election_draws[:, election]
            switch = np.where(state, u < p_engaged_to_transactional, u < p_transactional_to_engaged)
            state = state ^ switch
            election += 1
        engaged[:, t] = state
    return engaged


def start_credibility(
    start_year: int,
    anchor: NDArray[np.float64],
    decay: NDArray[np.float64],
    recovery_fraction: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Institutional credibility at ``start_year``, consistent with the observed regime history.

    ``initial_institutional_credibility`` is ``Cinst`` in the year of the last observed
    election (:data:`LAST_OBSERVED_ELECTION`; the value the default start year is given).
    An earlier start year gets the value that the E11 dynamics, run forward through the
    observed administrations, turn into that anchor: each year back is one yearly step
    inverted (engaged: ``C = (C' - r) / (1 - r)``; transactional: ``C = C' / (1 - d)``),
    clipped to [0, 1]. A run forward is increasing in its start level, so where the clip
    binds the clipped level is the feasible one nearest the anchor: clipped at 1, a run from
    that start year reaches a lower ``Cinst`` in the anchor year than the anchor (the
    parameters imply more credibility was lost in 2017-2020 than an engaged term can
    restore); clipped at 0, a higher one (early engaged years restore more than the later
    decay takes). Start years after the anchor are
    run forward from it along the observed (or, beyond it, the last observed) regime.

    Parameters
    ----------
    start_year : int
    anchor, decay, recovery_fraction : ndarray, shape (S,)

    Returns
    -------
    ndarray, shape (S,)
    """
    yearly_decay = 1.0 - (1.0 - decay) ** 0.25
    yearly_recovery = 1.0 - (1.0 - decay * recovery_fraction) ** 0.25
    level = anchor.astype(float).copy()
    year = LAST_OBSERVED_ELECTION
    while year > start_year:  # invert the step from year - 1 to year
        year -= 1
        engaged = observed_engaged(year)
        if engaged is None or engaged:
            level = (level - yearly_recovery) / (1.0 - yearly_recovery)
        else:
            level = level / (1.0 - yearly_decay)
        level = np.clip(level, 0.0, 1.0)
    while year < start_year:
        engaged = observed_engaged(year)
        if engaged is None:
            engaged = OBSERVED_TERMS[max(OBSERVED_TERMS)]
        level = np.where(
            engaged, level + yearly_recovery * (1.0 - level), level * (1.0 - yearly_decay)
        )
        year += 1
    return level


def credibility_paths(
    engaged: NDArray[np.bool_],
    initial: NDArray[np.float64],
    decay: NDArray[np.float64],
    recovery_fraction: NDArray[np.float64],
    w_inst: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Institutional credibility and overall credibility per year.

    Parameters
    ----------
    engaged : ndarray of bool, shape (S, T)
    initial : ndarray, shape (S,)
        ``Cinst`` at the start year.
    decay : ndarray, shape (S,)
        Share of ``Cinst`` lost per transactional term.
    recovery_fraction : ndarray, shape (S,)
        Recovery per engaged term as a fraction of ``decay`` (always < 1, so decay
        exceeds recovery).
    w_inst : ndarray, shape (S,)
        Weight of institutional credibility in ``Cred``.

    Returns
    -------
    institutional, credibility : ndarray, shape (S, T)
        ``Cinst`` and ``Cred = w_inst * Cinst + (1 - w_inst) * 1[E]`` in each year.
    """
    s, t_len = engaged.shape
    yearly_decay = 1.0 - (1.0 - decay) ** 0.25
    yearly_recovery = 1.0 - (1.0 - decay * recovery_fraction) ** 0.25
    institutional = np.empty((s, t_len))
    level = initial.astype(float).copy()
    for t in range(t_len):
        institutional[:, t] = level
        level = np.where(
            engaged[:, t], level + yearly_recovery * (1.0 - level), level * (1.0 - yearly_decay)
        )
    credibility = w_inst[:, None] * institutional + (1.0 - w_inst[:, None]) * engaged
    return institutional, credibility
