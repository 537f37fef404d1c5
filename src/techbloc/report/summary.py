"""The report's first screen: a title stating the main finding, four numbered findings,
what would change the answer, what is surprising and why, limitations and how to cite.

Every sentence is generated from :func:`techbloc.report.findings.findings` (numbers with
bootstrap intervals), the sensitivity tables and the store; none holds a number of its own.
Every number is a ``<span class="n">`` carrying its key, unrounded value and interval
(``data-low``, ``data-high``). A comparison whose interval includes no difference is said
to be unresolved. Log ratios are shown as % change, shares in %, changes of shares in
points; names are plain (:mod:`techbloc.report.naming`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from markupsafe import Markup, escape

from techbloc.analysis.uncertainty import bootstrap
from techbloc.report.naming import (
    country_name,
    outcome_name,
    parameter_name,
    percent_change,
    policy_name,
)

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.analysis.uncertainty import Estimate, Lead
    from techbloc.report.data import StoreData

__all__ = ["LEAVES_OUT", "cite", "summary", "surprises"]

#: A large member adding little is put down to its exits only when it stays a member in
#: fewer than this share of futures (otherwise the sentence would give a reason that is not).
EXITS_EXPLAIN = 0.9
#: Log ratios against the status quo below this size (1%, the threshold MODEL.md §9.10.6
#: sets for calling a change a backfire) are called small in the title.
SMALL_LOG_RATIO = 0.01

#: What the model's equations do not represent (MODEL.md sections 2-4); no number here.
LEAVES_OUT = (
    "firms and markets (each country acts as one player), military conflict, China's "
    "counter-measures other than its own R&D push and indigenization, and politics inside "
    "partners other than their will to protect and their membership margins"
)
#: What each headline outcome is about, for "leaves ... lower than US-only controls".
_SUBJECT = {
    "china_capability_vs_status_quo": "China's capability",
    "power_ratio_china_us_vs_status_quo": "China's power relative to the US",
    "capability_gap_vs_status_quo": "the allies' capability lead over China",
    "china_knowledge_vs_status_quo": "China's knowledge",
}


# -- numbers ---------------------------------------------------------------------------------


def _digits(value: float) -> str:
    """Two significant digits, at most two decimals, a true minus sign."""
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    decimals = min(3, max(0, 1 - math.floor(math.log10(abs(value)))))
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        return "0"
    return text.replace("-", "−")


def _show(value: float, kind: str, bare: bool = False) -> str:
    """``value`` in the unit ``kind`` names; ``bare`` leaves out a worded unit."""
    if kind in ("points", "pp") and bare:
        return ("+" if value > 0 and kind == "points" else "") + _digits(
            100 * value if kind == "points" else value
        )
    if kind == "pct_change":
        return ("+" if value > 0 else "") + _digits(percent_change(value)) + "%"
    if kind == "share":
        return _digits(100 * value) + "%"
    if kind == "points":
        return ("+" if value > 0 else "") + _digits(100 * value) + " points"
    if kind == "pp":
        return _digits(value) + " percentage points"
    if kind == "percent":
        return _digits(value) + "%"
    return _digits(value)


def _span(key: str, est: Estimate, kind: str) -> Markup:
    """``value (95%: low to high)`` as one span carrying the unrounded numbers."""
    level = round(100 * est.level)
    return Markup(
        '<span class="n" data-key="{}" data-value="{}" data-low="{}" data-high="{}">'
        "{} <small>({}% interval: {} to {})</small></span>"
    ).format(
        key,
        repr(est.value),
        repr(est.low),
        repr(est.high),
        _show(est.value, kind),
        level,
        _show(est.low, kind, bare=True),
        _show(est.high, kind),
    )


def _plain(key: str, value: float, text: str) -> Markup:
    return Markup('<span class="n" data-key="{}" data-value="{}">{}</span>').format(
        key, repr(float(value)), text
    )


def _country(code: str) -> str:
    """A country's name as it reads inside a sentence ("the United Kingdom")."""
    name = country_name(code)
    plural = name.startswith(("United ", "Netherlands", "Philippines", "Czech Republic"))
    return f"the {name}" if plural else name


def _unresolved(lead: Lead, names: dict[str, str] | None = None) -> Markup:
    name = (names or {}).get
    return Markup("no clear winner: {} and {} differ by less than the sampling error").format(
        name(lead.best, lead.best), name(lead.runner_up, lead.runner_up)
    )


# -- the four findings -----------------------------------------------------------------------


def _direction(est: Estimate) -> str:
    return "lower" if est.value < 0 else "higher"


def _who(f: dict[str, Any]) -> Markup:
    who, end = f["who"], f["end_year"]
    subject = _SUBJECT.get(who["outcome"], outcome_name(who["outcome"]))
    lead = who["lead"]
    if lead is None:
        return Markup("The study compares a single coalition.")
    names = {p: policy_name(p) for p in who["policies"]}
    best = who["policies"][lead.best]
    better = "lowest" if who["lower_is_better"] else "highest"
    if lead.resolved:
        text = Markup(
            "{} leaves {} {} of the {} coalitions against US-only controls by {}: {}"
        ).format(
            names[lead.best],
            subject,
            better,
            who["n"],
            end,
            _span(f"a.{lead.best}", best, "pct_change"),
        )
        text += Markup(", ahead of {} by more than the sampling error").format(
            names[lead.runner_up]
        )
    else:
        text = Markup(
            "Of the {} coalitions, {} leaves {} {} against US-only controls by {}, at {}, but "
            "there is {}"
        ).format(
            who["n"],
            names[lead.best],
            subject,
            better,
            end,
            _span(f"a.{lead.best}", best, "pct_change"),
            _unresolved(lead, names),
        )
    kor = who["kor"]
    if kor is not None:
        change = kor["change"]
        effect = (
            Markup("changes {} by {}").format(subject, _span("a.kor", change, "pct_change"))
            if change.excludes(0)
            else Markup("makes no clear difference to {}: {}").format(
                subject, _span("a.kor", change, "pct_change")
            )
        )
        text += Markup(". Adding South Korea to {} {}").format(policy_name(kor["core"]), effect)
    return text + Markup(".")


def _will(f: dict[str, Any]) -> Markup:
    will = f["will"]
    if will is None:
        return Markup("The study has no capacity-building experiment.")
    parts = [
        Markup("through {} (will to protect {}) by {}").format(
            country_name(p["partner"]),
            _plain(f"b.{p['partner']}.will", p["will"], _digits(p["will"])),
            _span(f"b.{p['partner']}", p["fall"], "percent"),
        )
        for p in will["partners"]
    ]
    text = Markup("Full capacity building cuts the leakage China absorbs ") + Markup("; ").join(
        parts
    )
    lead = will["lead"]
    if lead is not None:
        names = {p["partner"]: country_name(p["partner"]) for p in will["partners"]}
        if lead.resolved:
            text += Markup(": it cuts more through {}, by {}").format(
                names[lead.best],
                _span("b.margin", lead.margin, "pp"),
            )
        else:
            text += Markup(": {}").format(_unresolved(lead, names))
    return text + Markup(".")


def _power(f: dict[str, Any]) -> Markup:
    p, end = f["power"], f["end_year"]
    subject = _SUBJECT.get(p["outcome"], outcome_name(p["outcome"]))
    text = Markup("Under {}").format(policy_name(p["policy"]))
    if p["power"] is not None:
        text += Markup(
            ", China's power relative to the US ends {} against US-only controls by {}, and"
        ).format(_span("c.power", p["power"], "pct_change"), end)
    text += Markup(" {} ends higher than under US-only controls in {} of futures.").format(
        subject, _span("c.stronger", p["stronger"], "share")
    )
    return text


def _trust(f: dict[str, Any]) -> Markup:
    t = f["trust"]
    if t is None:
        return Markup("Years under a transactional US administration do not vary in this study.")
    diff = t["exit_diff"]
    verdict = (
        Markup("{} more").format(_span("d.exit_diff", diff, "points"))
        if diff.excludes(0)
        else Markup("a difference within the sampling error, {}").format(
            _span("d.exit_diff", diff, "points")
        )
    )
    return Markup(
        "Under {}, at least one member has left by {} in {} of futures with {} or more years "
        "of transactional US administrations (n = {}) and in {} of those with {} or fewer "
        "(n = {}): {}."
    ).format(
        policy_name(t["policy"]),
        f["end_year"],
        _span("d.exit_high", t["exit_high"], "share"),
        _plain("d.hi_cut", t["hi_cut"], f"{t['hi_cut']:.0f}"),
        t["n_high"],
        _span("d.exit_low", t["exit_low"], "share"),
        _plain("d.lo_cut", t["lo_cut"], f"{t['lo_cut']:.0f}"),
        t["n_low"],
        verdict,
    )


def _all(n: int) -> str:
    return "Both coalitions" if n == 2 else f"All {n} coalitions"


def _title(f: dict[str, Any]) -> str:
    who, end = f["who"], f["end_year"]
    subject = _SUBJECT.get(who["outcome"], outcome_name(who["outcome"]))
    n, below, above = who["n"], who["n_below"], who["n_above"]
    rest = n - below - above
    within = f", {rest} within the sampling error" if rest else ""
    largest = max((abs(e.value) for e in who["policies"].values()), default=float("nan"))
    small = (
        math.isfinite(largest)
        and largest < SMALL_LOG_RATIO
        and who["outcome"].endswith("_vs_status_quo")
    )  # a resolved difference can still be too small to matter: say how small
    if n == 1:  # one coalition: name it, and there is no lead to report
        name, cap = policy_name(next(iter(who["policies"]))), f"{100 * SMALL_LOG_RATIO:g}%"
        if below or above:
            side = "lower" if below else "higher"
            head = f"{name} leaves {subject} {side} than US-only controls by {end}"
            return f"{head}, by less than {cap}" if small else head
        head = f"{name} leaves {subject} within the sampling error of US-only controls by {end}"
        return f"{head}, less than {cap} apart" if small else head
    if n == below:
        head = f"{_all(n)} leave {subject} lower than US-only controls by {end}"
    elif n == above:
        head = f"{_all(n)} leave {subject} higher than US-only controls by {end}"
    elif below == 0:
        head = (
            f"No coalition leaves {subject} clearly lower than US-only controls by {end}: "
            f"{above} of {n} leave it higher{within}"
        )
    elif above == 0:
        head = (
            f"No coalition leaves {subject} clearly higher than US-only controls by {end}: "
            f"{below} of {n} leave it lower{within}"
        )
    else:
        head = (
            f"{below} of {n} coalitions leave {subject} lower than US-only controls by {end}, "
            f"{above} higher"
        )
        head += within
    if small:
        head += f", all by less than {100 * SMALL_LOG_RATIO:g}%"
    lead = who["lead"]
    if lead is None:
        return head
    if lead.resolved:
        return f"{head}; {policy_name(lead.best)} does best"
    return f"{head}; no coalition is clearly best"


# -- what would change it, surprises, limitations, citation ------------------------------------


def _changes(f: dict[str, Any], sensitivity: dict[str, pd.DataFrame]) -> Markup:
    name = f["headline"]
    table = sensitivity.get(name)
    if table is None or table.empty:
        return Markup("The sensitivity analysis did not cover {}.").format(outcome_name(name))
    top = table.sort_values("S1", ascending=False).head(2)
    parts = [
        Markup("{} (explains {} of its spread across futures on its own)").format(
            parameter_name(str(p)),
            _plain(f"s.{p}", float(row["S1"]), _digits(100 * float(row["S1"])) + "%"),
        )
        for p, row in top.iterrows()
    ]
    return Markup("{} depends most on {}. Narrowing these would change the answer most.").format(
        outcome_name(name)[:1].upper() + outcome_name(name)[1:], Markup(" and ").join(parts)
    )


def _accepted(data: StoreData, code: str, seed: int) -> Estimate:
    """Share of futures in which the core coalition would accept outsider ``code``."""
    return bootstrap(data.country(data.roles.core, code, "accepted"), "share", seed=seed)


def surprises(
    data: StoreData,
    outsiders: pd.DataFrame | None,
    shapley: pd.DataFrame | None,
    *,
    seed: int = 0,
) -> list[Markup]:
    """Results a reader may find odd, each explained in one sentence in the model's terms.

    Parameters
    ----------
    data : StoreData
    outsiders : DataFrame or None
        Per outsider of the core coalition: ``accepted`` (share of futures), ``wants``
        (share of futures with a positive joining gain), index ISO3.
    shapley : DataFrame or None
        The report's Shapley table (``outcome``, ``country``, ``value``).
    seed : int
        Seed of the bootstrap intervals of the shares quoted.
    """
    out: list[Markup] = []
    core = policy_name(data.roles.core)
    if outsiders is not None and len(outsiders):
        gap = (outsiders["wants"] - outsiders["accepted"]).sort_values(ascending=False)
        code = gap.index[0]
        row = outsiders.loc[code]
        if row["wants"] > 0.5 and row["accepted"] < 0.5 and data.countries is not None:
            gain = data.country(data.roles.core, str(code), "joining_gain")
            wants = bootstrap(gain > 0, "share", seed=seed)
            accepted = _accepted(data, str(code), seed)
            out.append(
                Markup(
                    "{} would gain by joining {} in {} of futures (its own payoff rises) but is "
                    "accepted in only {}: acceptance needs every incumbent's payoff to fall by no "
                    "more than the veto tolerance, and {}'s entry costs some incumbent more."
                ).format(
                    country_name(code),
                    core,
                    _span(f"x.wants.{code}", wants, "share"),
                    _span(f"x.accepted.{code}", accepted, "share"),
                    country_name(code),
                )
            )
        top = outsiders.sort_values("accepted", ascending=False).index[0]
        rd = data.study.load_world().model_inputs()["rd"]
        size = float(rd.get(top, np.nan) / np.nanmedian(rd.reindex(outsiders.index)))
        if math.isfinite(size) and size < 1:
            out.append(
                Markup(
                    "{} is the outsider accepted most often ({} of futures) although its R&D is "
                    "{} of the median outsider's: a small entrant moves no incumbent's payoff by "
                    "more than the veto tolerance."
                ).format(
                    country_name(top),
                    _span(f"x.top.{top}", _accepted(data, str(top), seed), "share"),
                    _plain("x.top.size", size, _show(size, "share")),
                )
            )
    if shapley is not None and data.countries is not None:
        part = shapley[shapley["outcome"] == "alliance_rd_share"].set_index("country")["value"]
        rd = data.study.load_world().model_inputs()["rd"].reindex(part.index)
        if len(part) >= 2:
            big = str(rd.idxmax())
            by_value = part.sort_values(ascending=False)
            if by_value.index[0] != big:
                other = str(by_value.index[0])
                coalition = str(shapley["coalition"].iloc[0])
                stay = bootstrap(data.country(coalition, big, "member"), "share", seed=seed)
                if not stay.value < EXITS_EXPLAIN:  # exits do not explain it: say nothing
                    return out
                out.append(
                    Markup(
                        "{} adds less to the coalition's share of world R&D than {} although its "
                        "R&D is {} times as large: it is still a member in {} in only {} of "
                        "futures under {} (a member leaves when its membership margin turns "
                        "negative)."
                    ).format(
                        _country(str(big)),
                        _country(str(other)),
                        _plain("x.big.ratio", rd[big] / rd[other], _digits(rd[big] / rd[other])),
                        data.study.years.end,
                        _span("x.big.stay", stay, "share"),
                        policy_name(coalition),
                    )
                )
    return out


def _limitations(data: StoreData, judgement: list[str], history: dict[str, Any] | None) -> Markup:
    n_varied = len(data.study.varied())
    names = Markup("; ").join(escape(parameter_name(n)) for n in judgement[:2])
    text = Markup(
        "{} of the {} uncertain parameters are judgements with a range, not measurements{}. "
        "The model leaves out {}. "
    ).format(
        _plain("l.n_judgement", len(judgement), str(len(judgement))),
        n_varied,
        Markup(" (those that matter most here: {})").format(names) if judgement else "",
        LEAVES_OUT,
    )
    if history and history.get("summary"):
        text += Markup(history["summary"])
    else:
        text += Markup(
            "How well it reproduces history is not assessed in this report: no history "
            "match was run for this study."
        )
    return text


def cite(header: dict[str, Any]) -> str:
    """How to cite the report: title, techbloc version, study, hash, seed and date."""
    return (
        f"{header['title']}. techbloc {header['report_version']} study report, study "
        f"'{header['study']}' (hash {header['study_hash']}, root seed {header['seed']}, "
        f"{header['n_scenarios']:,} futures, {header['years']}), generated "
        f"{header['report_date'][:10]}."
    )


def summary(
    f: dict[str, Any],
    *,
    data: StoreData,
    sensitivity: dict[str, pd.DataFrame],
    surprising: list[Markup],
    judgement: list[str],
    history: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary's content: ``title``, ``findings`` (question, anchor, text), ``changes``,
    ``surprises``, ``limitations`` (markup) and ``level`` (interval coverage, %)."""
    level = round(100 * f["power"]["stronger"].level)
    return {
        "title": _title(f),
        "level": level,
        "findings": [
            {"question": "Who should be in?", "anchor": "who", "text": _who(f)},
            {"question": "Capability or will?", "anchor": "will", "text": _will(f)},
            {"question": "Does technology become power?", "anchor": "power", "text": _power(f)},
            {"question": "Will partners trust the US?", "anchor": "trust", "text": _trust(f)},
        ],
        "changes": _changes(f, sensitivity),
        "surprises": surprising,
        "limitations": _limitations(data, judgement, history),
    }
