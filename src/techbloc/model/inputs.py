"""Country inputs of the model as arrays (MODEL.md §4.0 and §5).

:func:`prepare_inputs` turns a :class:`~techbloc.world.World` into the fixed arrays the
vectorized model reads. It runs once per batch, outside the hot path.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from techbloc.errors import DataError
from techbloc.params import DOMAINS

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = ["ModelInputs", "prepare_inputs"]

_ROW = ("rd", "rd_year", "gdp")
_REQUIRED = (
    "rd",
    "rd_year",
    "gdp",
    "rd_growth",
    "gdp_growth",
    "population",
    "protection_capability",
    "alignment",
    "us_defence_pact",
    "threat",
    "china_dependence",
    "hedging",
    "hedging_low",
    "hedging_high",
    "semis_share",
)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity, as its World is
class ModelInputs:
    """Fixed per-country arrays over the ``N`` modelled countries (ROW excluded).

    Units: ``rd`` and ``gdp`` in PPP $bn at the start year (NCSES RD-5), growth rates as
    fractions per year, every index in [0, 1] unless stated.

    Attributes
    ----------
    codes : tuple of str
        ISO3 codes of the modelled countries (ROW excluded), in world order.
    rd, gdp, population : ndarray, shape (N,)
        R&D and GDP in the year ``rd_year`` of the data (the engine rolls them forward to
        the start year), population.
    rd_year : ndarray, shape (N,)
    rd_growth : ndarray
        GERD growth 2010-21, used for the perpetual-inventory initial stock.
    gdp_growth : ndarray
        Growth Lab projected growth, used to roll GDP (and R&D) forward.
    capability, alignment, defence_pact, threat, dependence : ndarray
    hedging, hedging_low, hedging_high : ndarray
    semis_share : ndarray
        Share of world semiconductor supply-chain value (ETO).
    friction, friction_low, friction_high : ndarray, shape (N, N)
        Symmetric pairwise frictions (0 where none is recorded).
    row_rd, row_gdp : float
        Rest of world R&D and GDP (PPP $bn) in ``row_rd_year``.
    row_rd_year : float
    row_growth : float
        GDP-weighted mean projected growth of the modelled countries.
    history_years : ndarray, shape (H,)
        Years of the observed GERD and GDP points before the data year (NCSES SRD-1).
    history_rd, history_gdp : ndarray, shape (H, N)
        Observed GERD and GDP (current PPP $ bn) in those years; NaN where absent and in
        years at or after a country's ``rd_year`` (the data year's values are ``rd``,
        ``gdp``).
    china, usa : int
        Positions of CHN and USA.
    """

    codes: tuple[str, ...]
    rd: NDArray[np.float64]
    rd_year: NDArray[np.float64]
    gdp: NDArray[np.float64]
    population: NDArray[np.float64]
    rd_growth: NDArray[np.float64]
    gdp_growth: NDArray[np.float64]
    capability: NDArray[np.float64]
    alignment: NDArray[np.float64]
    defence_pact: NDArray[np.float64]
    threat: NDArray[np.float64]
    dependence: NDArray[np.float64]
    hedging: NDArray[np.float64]
    hedging_low: NDArray[np.float64]
    hedging_high: NDArray[np.float64]
    semis_share: NDArray[np.float64]
    friction: NDArray[np.float64]
    friction_low: NDArray[np.float64]
    friction_high: NDArray[np.float64]
    row_rd: float
    row_rd_year: float
    row_gdp: float
    row_growth: float
    china: int
    usa: int
    history_years: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    history_rd: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    history_gdp: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def n(self) -> int:
        """Number of modelled countries."""
        return len(self.codes)

    @property
    def world_rd(self) -> float:
        """World R&D at the start year (modelled countries plus ROW), PPP $bn."""
        return float(self.rd.sum() + self.row_rd)

    def domain_mix(self, semis_share_of_world_rd: NDArray[np.float64]) -> NDArray[np.float64]:
        """Split each country's R&D across domains (E1).

        ETO shares are shares of world semiconductor *production*; a country's
        semiconductor R&D is taken as ``semis_share_of_world_rd * eto_share * R_world``,
        clipped to half of its R&D; the rest is split evenly over the other domains.

        Parameters
        ----------
        semis_share_of_world_rd : ndarray, shape (S,)

        Returns
        -------
        ndarray, shape (S, D, N)
            Non-negative shares that sum to 1 over domains.
        """
        n_domains = len(DOMAINS)
        semis = (
            semis_share_of_world_rd[:, None]
            * self.semis_share[None, :]
            * self.world_rd
            / np.maximum(self.rd[None, :], 1e-12)
        )
        semis = np.clip(semis, 0.0, 0.5)
        other = (1.0 - semis) / (n_domains - 1)
        mix = np.repeat(other[:, None, :], n_domains, axis=1)
        mix[:, 0, :] = semis
        return mix


def prepare_inputs(world: World) -> ModelInputs:
    """Read the model inputs of ``world`` into arrays.

    A World is immutable, so the arrays are read once per World and shared by later calls
    (the last few Worlds are kept); they are read-only.

    Raises
    ------
    DataError
        If a required input is missing or not finite for a modelled country.
    """
    return _cached_inputs(world)


@functools.lru_cache(maxsize=4)  # keyed on the World object (immutable, hashed by identity)
def _cached_inputs(world: World) -> ModelInputs:
    inputs = _read_inputs(world)
    for f in fields(inputs):
        value = getattr(inputs, f.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return inputs


def _read_inputs(world: World) -> ModelInputs:
    table = world.model_inputs()
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise DataError(f"world model inputs lack column(s): {', '.join(missing)}")
    # rest of the world (R&D, its year, GDP), apart from the modelled countries
    row = (
        dict(zip(_ROW, table.loc["ROW", list(_ROW)].to_numpy(float), strict=True))
        if "ROW" in table.index
        else None
    )
    table = table.drop(index="ROW", errors="ignore")
    codes = tuple(table.index)
    for code in ("USA", "CHN"):
        if code not in codes:
            raise DataError(f"the world has no {code}; the model needs both USA and CHN")
    numeric = table[[c for c in _REQUIRED if c != "population"]].astype(float)
    bad = numeric.columns[~np.isfinite(numeric.to_numpy()).all(axis=0)]
    if len(bad):
        rows = numeric.index[~np.isfinite(numeric[bad].to_numpy()).all(axis=1)]
        raise DataError(
            f"model inputs {', '.join(bad)} are missing for {', '.join(rows)}; "
            "fill them with a world override"
        )
    col = {c: numeric[c].to_numpy(dtype=float) for c in numeric.columns}
    population = table["population"].to_numpy(dtype=np.float64, copy=True)
    population[~np.isfinite(population)] = np.nan

    index = {code: i for i, code in enumerate(codes)}
    n = len(codes)
    friction = np.zeros((3, n, n))
    frictions = world.frictions()
    layers = frictions[["default", "low", "high"]].to_numpy(float)
    for code_a, code_b, values in zip(
        frictions["iso3_a"], frictions["iso3_b"], layers, strict=True
    ):
        a, b = index.get(code_a), index.get(code_b)
        if a is None or b is None:
            continue
        for layer, value in enumerate(values):
            friction[layer, a, b] = friction[layer, b, a] = value

    gdp = col["gdp"]
    growth = col["gdp_growth"]
    history = world.gerd_history()
    history = history[history["iso3"].isin(index)]
    history_years = np.array(sorted(set(history["year"].astype(int))), dtype=float)
    history_rd = np.full((len(history_years), n), np.nan)
    history_gdp = np.full((len(history_years), n), np.nan)
    for code, year, rd, output in zip(
        history["iso3"],
        history["year"],
        history["gerd_ppp_usd_bn"],
        history["gdp_ppp_usd_bn"],
        strict=True,
    ):
        i, h = index[code], int(np.searchsorted(history_years, year))
        if year < col["rd_year"][i]:  # the data year's point is rd, gdp (overrides apply)
            history_rd[h, i], history_gdp[h, i] = rd, output
    return ModelInputs(
        codes=codes,
        rd=col["rd"],
        rd_year=col["rd_year"],
        gdp=gdp,
        population=population,
        rd_growth=col["rd_growth"],
        gdp_growth=growth,
        capability=np.clip(col["protection_capability"], 0.0, 1.0),
        alignment=np.clip(col["alignment"], 0.0, 1.0),
        defence_pact=np.clip(col["us_defence_pact"], 0.0, 1.0),
        threat=np.clip(col["threat"], 0.0, 1.0),
        dependence=np.clip(col["china_dependence"], 0.0, 1.0),
        hedging=col["hedging"],
        hedging_low=col["hedging_low"],
        hedging_high=col["hedging_high"],
        semis_share=np.clip(col["semis_share"], 0.0, 1.0),
        friction=friction[0],
        friction_low=friction[1],
        friction_high=friction[2],
        row_rd=float(row["rd"]) if row is not None else 0.0,
        row_rd_year=float(row["rd_year"]) if row is not None else float(np.median(col["rd_year"])),
        row_gdp=float(row["gdp"]) if row is not None else 0.0,
        row_growth=float(np.sum(gdp * growth) / np.sum(gdp)),
        china=index["CHN"],
        usa=index["USA"],
        history_years=history_years,
        history_rd=history_rd,
        history_gdp=history_gdp,
    )
