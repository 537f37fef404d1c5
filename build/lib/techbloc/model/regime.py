"""E11: US regime paths and the credibility of US commitments.

US administrations alternate between *engaged* (E) and *transactional* (T). The 2024
election is history: a transactional administration governs 2025-2028. From the 2028
election on, each election switches E→T with ``p_engaged_to_transactional`` and T→E with
``p_transactional_to_engaged``. Institutional credibility ``Cinst`` falls by ``cred_decay``
per transactional term and recovers by ``cred_recovery_fraction * cred_decay * (1 - Cinst)``
per engaged term; both are applied year by year at the per-term compound rate.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FIRST_RANDOM_ELECTION", "credibility_paths", "regime_paths"]

#: Year of the first election whose outcome is random.
FIRST_RANDOM_ELECTION = 2028
_HISTORY = {2024: True}  # engaged administration in office in 2024
_TRANSACTIONAL_TERM = range(2025, 2029)


def regime_paths(
    years: np.ndarray,
    election_draws: np.ndarray,
    p_engaged_to_transactional: np.ndarray,
    p_transactional_to_engaged: np.ndarray,
) -> np.ndarray:
    """Sample which years have an engaged administration.

    Parameters
    ----------
    years : ndarray of int, shape (T,)
        Calendar years simulated.
    election_draws : ndarray, shape (S, n_elections)
        Uniform draws, one per election from 2028 on.
    p_engaged_to_transactional, p_transactional_to_engaged : ndarray, shape (S,)
        Switching probabilities per election.

    Returns
    -------
    ndarray of bool, shape (S, T)
        True where the administration in office that year is engaged.
    """
    s = election_draws.shape[0]
    engaged = np.empty((s, len(years)), dtype=bool)
    state = np.zeros(s, dtype=bool)  # transactional after the 2024 election
    election = 0
    for t, year in enumerate(years):
        if year in _HISTORY:
            engaged[:, t] = _HISTORY[year]
            continue
        if year in _TRANSACTIONAL_TERM:
            engaged[:, t] = False
            continue
        # a new term starts the year after each election (2029, 2033, ...)
        if (year - FIRST_RANDOM_ELECTION - 1) % 4 == 0 and election < election_draws.shape[1]:
            u = election_draws[:, election]
            switch = np.where(state, u < p_engaged_to_transactional, u < p_transactional_to_engaged)
            state = state ^ switch
            election += 1
        engaged[:, t] = state
    return engaged


def credibility_paths(
    engaged: np.ndarray,
    initial: np.ndarray,
    decay: np.ndarray,
    recovery_fraction: np.ndarray,
    w_inst: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
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
