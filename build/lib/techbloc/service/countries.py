"""One country's page of the service: indicators, derived inputs, frictions, hedging.

:func:`country_detail` answers ``GET /api/countries/{iso3}``: every cited indicator (value,
unit, year, source), the model inputs derived from them with their rule, how a missing one
was filled and the indicators each reads (as ``techbloc data show`` prints them), the will
to protect (E10) split into its terms at the registry's default weights, and the country's
cited bilateral frictions and hedging motive with their reasons and sources.
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

__all__ = ["WILL_TERMS", "country_detail"]

#: Terms of the will logit (E10): label, registry weight, model input, sign.
WILL_TERMS: tuple[tuple[str, str, str | None, int], ...] = (
    ("intercept", "will_intercept", None, 1),
    ("alignment with the US", "will_alignment", "alignment", 1),
    ("US defence pact", "will_pact", "us_defence_pact", 1),
    ("threat from China", "will_threat", "threat", 1),
    ("dependence on China", "will_dependence", "china_dependence", -1),
    ("hedging", "will_hedging", "hedging", -1),
)


def _hedging_table() -> Any:
    import pandas as pd

    with resources.as_file(resources.files("techbloc.data") / "hedging.csv") as path:
        return pd.read_csv(path)


def _will(inputs: Any) -> WillBreakdown:
    from techbloc.params import defaults

    weights = defaults()
    terms, total = [], 0.0
    for label, parameter, column, sign in WILL_TERMS:
        value = 1.0 if column is None else number(inputs[column])
        weight = weights[parameter]
        part = None if value is None else sign * weight * value
        total += part or 0.0
        terms.append(
            WillTerm(
                term=label,
                parameter=parameter,
                weight=sign * weight,
                input=None if column is None else value,
                contribution=part,
            )
        )
    return WillBreakdown(
        value=1.0 / (1.0 + math.exp(-total)),
        terms=terms,
        note="logistic of the sum, at the registry's default weights; the model adds US "
        "credibility (will_credibility) and a membership term (will_value) year by year",
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
        will=None if code in ("USA", "ROW") else _will(inputs),
        frictions=frictions,
        hedging=hedging,
    )
