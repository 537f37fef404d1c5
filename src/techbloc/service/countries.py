"""One country's page of the service: indicators, derived inputs, frictions, hedging.

:func:`country_detail` answers ``GET /api/countries/{iso3}``: every cited indicator (value,
unit, year, source), the model inputs derived from them with their rule, how a missing one
was filled and the indicators each reads (as ``techbloc data show`` prints them), the will
to protect (E10) split into its terms by the model's own ``will_terms`` (default values,
first year, outside any coalition), and the country's cited bilateral frictions and hedging
motive with their reasons and sources.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

from techbloc.service.compute import number
from techbloc.service.schemas import (
    CountryDetail,
    Friction,
    Hedging,
    Indicator,
    ModelInput,
    WillBreakdown,
    WillTerm,
)

__all__ = ["country_detail"]

#: Plain labels of E10's terms (``techbloc.model.partners.WILL_TERMS``).
_TERM_LABELS: dict[str, str] = {
    "intercept": "intercept",
    "alignment": "alignment with the US",
    "defence_pact": "US defence pact",
    "threat": "threat from China",
    "dependence": "dependence on China",
    "hedging": "hedging (at the default position in its range)",
    "credibility": "US credibility",
    "membership": "membership margin, tanh (0 outside a coalition)",
}


def _hedging_table() -> Any:
    import pandas as pd

    with resources.as_file(resources.files("techbloc.data") / "hedging.csv") as path:
        return pd.read_csv(path)


def _will(code: str) -> WillBreakdown:
    """E10's terms for one country, from the model's own :func:`will_terms`.

    Assumes the registry's default parameter values, the first model year
    (:data:`techbloc.years.DEFAULT_START_YEAR`, with its US credibility from E11) and a
    country outside any coalition (membership margin 0): the start-year status quo.
    """
    import numpy as np

    from techbloc.model.inputs import prepare_inputs
    from techbloc.model.partners import WILL_TERMS, will_terms
    from techbloc.model.regime import credibility_paths, regime_paths
    from techbloc.params import defaults
    from techbloc.world import load_world
    from techbloc.years import DEFAULT_START_YEAR

    inputs = prepare_inputs(load_world())
    k = inputs.codes.index(code)
    values = {name: np.array([value]) for name, value in defaults().items()}
    engaged = regime_paths(
        np.array([DEFAULT_START_YEAR]),
        np.zeros((1, 0)),
        values["p_engaged_to_transactional"],
        values["p_transactional_to_engaged"],
    )
    _, credibility = credibility_paths(
        engaged,
        values["initial_institutional_credibility"],
        values["cred_decay"],
        values["cred_recovery_fraction"],
        values["w_inst"],
    )
    terms = will_terms(inputs, values, credibility[:, 0])
    rows = []
    for name, part in terms.items():
        parameter, sign = WILL_TERMS[name]
        label = _TERM_LABELS[name]
        weight = sign * float(values[parameter][0])
        contribution = float(part[0, k])
        rows.append(
            WillTerm(
                term=label,
                parameter=parameter,
                weight=weight,
                input=None if name == "intercept" or not weight else contribution / weight,
                contribution=contribution,
            )
        )
    total = sum(float(t[0, k]) for t in terms.values())
    return WillBreakdown(
        value=number(1.0 / (1.0 + math.exp(-total))),
        terms=rows,
        note=f"the model's E10 at the registry's default values, in {DEFAULT_START_YEAR} "
        f"(US credibility {float(credibility[0, 0]):.2f}) and outside any coalition: a "
        "member adds will_value × tanh(its membership margin) year by year, at most "
        f"±{float(values['will_value'][0]):g} on the logit",
    )


def country_detail(iso3: str) -> CountryDetail:
    """Everything the service knows about one country (``ROW`` accepted).

    Raises
    ------
    techbloc.errors.InputError
        Unknown code (the message suggests close ones).
    """
    import pandas as pd

    from techbloc.world import INPUT_COLUMNS, INPUT_INDICATORS, INPUT_RULES, load_world

    world = load_world()
    table = world.country(iso3)
    code = str(table["iso3"].iloc[0]) if len(table) else iso3.strip().upper()
    # rows as plain dicts: values are Any, read with str/float/int (pandas-stubs types
    # itertuples' fields as every scalar pandas knows)
    indicators = [
        Indicator(
            indicator=str(row["indicator"]),
            value=number(row["value"]),
            unit=str(row["unit"]),
            year=None if pd.isna(row["year"]) else int(row["year"]),
            source=str(row["source"]),
            note=str(row["note"]),
        )
        for row in table.to_dict("records")
    ]
    by_name = {i.indicator: i for i in indicators}
    inputs = world.model_inputs().loc[code]
    notes = world.fill_notes
    notes = notes[notes["iso3"] == code]
    fill: dict[str, str] = {}
    for note in notes.to_dict("records"):
        column, method = str(note["input"]), str(note["method"])
        fill[column] = f"{fill[column]}; {method}" if column in fill else method
    model_inputs = {
        str(col): ModelInput(
            value=number(value),
            unit=INPUT_COLUMNS.get(str(col), ""),
            rule=INPUT_RULES.get(str(col), ""),
            filled=fill.get(str(col)),
            sources=[by_name[n] for n in INPUT_INDICATORS.get(str(col), ()) if n in by_name],
        )
        for col, value in inputs.items()
    }
    names = world.names
    frictions = []
    for pair in world.frictions().to_dict("records"):
        if code not in (pair["iso3_a"], pair["iso3_b"]):
            continue
        partner = str(pair["iso3_b"] if pair["iso3_a"] == code else pair["iso3_a"])
        frictions.append(
            Friction(
                partner=partner,
                partner_name=names.get(partner, partner),
                default=float(pair["default"]),
                low=float(pair["low"]),
                high=float(pair["high"]),
                event_year=None if pd.isna(pair["event_year"]) else int(pair["event_year"]),
                reason=str(pair["reason"]),
                source=str(pair["source"]),
            )
        )
    hedging = None
    hedge = _hedging_table()
    hit = hedge[hedge["iso3"] == code]
    if len(hit):
        row = hit.iloc[0]
        hedging = Hedging(
            default=float(row["default"]),
            low=float(row["low"]),
            high=float(row["high"]),
            reason=str(row["reason"]),
            source=str(row["source"]),
        )
    return CountryDetail(
        iso3=code,
        name=names[code],
        indicators=indicators,
        inputs={str(col): number(value) for col, value in inputs.items()},
        fill_notes=fill,
        model_inputs=model_inputs,
        will=None if code in ("USA", "ROW") else _will(code),
        frictions=frictions,
        hedging=hedging,
    )
