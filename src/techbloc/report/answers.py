"""Section 1 of the report, "Answers": one generated paragraph per question.

Every number in a sentence comes from the ``numbers`` computed from the store by
:mod:`techbloc.report.questions` and :mod:`techbloc.report.discovery`; no sentence carries
a number of its own. Each number is wrapped in ``<span class="n" data-key=... data-value=...>``
so tests (and readers of the HTML source) can check it against the store. Findings whose
sign varies across futures, or that hold in 40-60% of futures, are called weak.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

from techbloc.report.formatting import format_value, percent
from techbloc.report.naming import country_name, percent_change, policy_name

__all__ = ["answers", "number"]


def number(key: str, value: float, text: str | None = None) -> Markup:
    """A number of an answer: its text, with its key and exact value as data attributes."""
    shown = text if text is not None else format_value(value)
    return Markup('<span class="n" data-key="{}" data-value="{}">{}</span>').format(
        key, repr(float(value)), shown
    )


def _pct(key: str, share: float) -> Markup:
    return number(key, share, percent(share))


def _range(key: str, q: dict[str, float], unit: str = "") -> Markup:
    return Markup("a median {}{} (10–90%: {} to {}{})").format(
        number(f"{key}.p50", q["p50"]),
        unit,
        number(f"{key}.p10", q["p10"]),
        number(f"{key}.p90", q["p90"]),
        unit,
    )


def _change(log_ratio: float) -> str:
    """A log ratio shown as a signed % change."""
    value = percent_change(log_ratio)
    return ("+" if value > 0 else "") + format_value(value) + "%"


def _sign_note(q: dict[str, float]) -> str:
    if q["p10"] < 0 < q["p90"]:
        return " (weak: the sign varies across futures)"
    return ""


def _share_verdict(share: float) -> str:
    if not math.isfinite(share):
        return ""
    if 0.4 <= share <= 0.6:
        return "a toss-up"
    return "in most futures" if share > 0.6 else "in a minority of futures only"


def _who(n: dict[str, Any]) -> Markup:
    parts = []
    kor = n.get("kor")
    if kor:
        parts.append(
            Markup(
                "Adding South Korea to {core} changes the coalition's share of world R&D by "
                "{rd}{rd_note}, changes cohesion by {coh}{coh_note} and leakage to China by "
                "{leak}{leak_note}. It leaves China with less knowledge than "
                "{core} alone in {weaker} of futures ({verdict})"
            ).format(
                core=policy_name(kor["core"]),
                rd=_range("a.kor.rd", kor["rd"], " points"),
                rd_note=_sign_note(kor["rd"]),
                coh=_range("a.kor.cohesion", kor["cohesion"]),
                coh_note=_sign_note(kor["cohesion"]),
                leak=_range("a.kor.leakage", kor["leakage"], " PPP $bn/yr"),
                leak_note=_sign_note(kor["leakage"]),
                weaker=_pct("a.kor.weaker", kor["weaker"]),
                verdict=_share_verdict(kor["weaker"]),
            )
        )
        if kor["n_high"]:
            parts.append(
                Markup(
                    ", and in {} of the {} futures with high Japan–Korea friction (every "
                    "pairwise friction in the upper third of its cited range)."
                ).format(
                    _pct("a.kor.weaker_high", kor["weaker_high"]),
                    number("a.kor.n_high", kor["n_high"], str(kor["n_high"])),
                )
            )
        else:
            parts.append(Markup("."))
    if kor and math.isfinite(kor["kor_in"]):
        parts.append(
            Markup(" South Korea is still a member in {} in {} of futures.").format(
                n.get("end_year", "the final year"), _pct("a.kor.kor_in", kor["kor_in"])
            )
        )
    out = n.get("outsiders")
    if out and out["top"]:
        names = Markup(", ").join(
            Markup("{} ({})").format(country_name(code), _pct(f"a.accepted.{code}", share))
            for code, share in out["top"]
        )
        parts.append(
            Markup(
                " Among outsiders, {} would accept {} most often (share of "
                "futures); {} of {} outsiders are accepted in most futures."
            ).format(
                policy_name(out["policy"]),
                names,
                number("a.accepted.n_majority", out["n_majority"], str(out["n_majority"])),
                number("a.accepted.n_outsiders", out["n_outsiders"], str(out["n_outsiders"])),
            )
        )
    return Markup("").join(parts) or Markup("The study has no coalition comparison to report.")


def _will(n: dict[str, Any]) -> Markup:
    cap = n.get("capacity")
    if not cap:
        return Markup("The study has no capacity-building experiment.")
    parts = []
    for c in cap:
        parts.append(
            Markup(
                "for {} (will {}) it cuts the leakage China absorbs through that partner by {}{}"
            ).format(
                country_name(c["partner"]),
                number(f"b.{c['partner']}.will", c["will"]),
                _range(f"b.{c['partner']}.fall", c["fall"], "%"),
                _sign_note(c["fall"]),
            )
        )
    text = Markup("Full capacity building: ") + Markup("; ").join(parts)
    if len(cap) >= 2:
        low, high = cap[0], cap[-1]
        ratio = low["fall"]["p50"] / high["fall"]["p50"] if high["fall"]["p50"] else math.nan
        both = (high["fall_series"] - low["fall_series"]).dropna()
        more = float((both > 0).mean()) if len(both) else math.nan
        if more > 0.6:
            verdict = "capacity building pays mainly where will is already high"
        elif more < 0.4:
            verdict = "capacity building pays more with the low-will partner"
        else:
            verdict = "neither partner gains clearly more (weak)"
        text += Markup(
            ". The low-will partner's median cut is {} times the high-will partner's, and the "
            "cut is larger for {} in {} of futures: {}."
        ).format(
            number("b.ratio", ratio, format_value(ratio)),
            country_name(high["partner"]),
            _pct("b.high_more", more),
            verdict,
        )
    else:
        text += Markup(".")
    return text


def _power(n: dict[str, Any], prim: dict[str, Any]) -> Markup:
    parts = []
    if prim.get("numbers"):
        p = prim["numbers"]
        parts.append(
            Markup(
                "Under {} China's knowledge ends higher than under US-only controls in {} of "
                "futures. Scenario discovery (PRIM) locates them where {}: {} of the futures "
                "in that box are such cases, and the box holds {} of all of them"
            ).format(
                policy_name(p["policy"]),
                _pct("c.base_rate", p["base_rate"]),
                escape(p["box_words"]),
                _pct("c.density", p["density"]),
                _pct("c.coverage", p["coverage"]),
            )
        )
        if p["box_words"] != "anywhere":
            parts.append(
                Markup(
                    " (the same set of inputs bounds the box in {} of {} bootstrap resamples{})."
                ).format(
                    _pct("c.same_inputs", p["same_inputs"]),
                    p["n_resamples"],
                    "; weak: the box is not stable" if p["same_inputs"] < 0.5 else "",
                )
            )
        else:
            parts.append(Markup(" (the box restricts no input)."))
    else:
        parts.append(
            Markup("Scenario discovery found no box: {}").format(
                prim.get("note", "no case of interest")
            )
        )
    ladder = n.get("ladder")
    if ladder:
        steps = Markup(", ").join(
            Markup("{} at stringency {}").format(
                _pct(f"c.ladder.{s}", share), escape(format_value(s))
            )
            for s, _, share in ladder
        )
        parts.append(Markup(" With tighter controls the share goes: {}").format(steps))
        t = n.get("over_time")
        if t:
            trend = (
                "rises"
                if t["late"] > t["early"]
                else "falls"
                if t["late"] < t["early"]
                else "stays"
            )
            parts.append(
                Markup("; at stringency {} it {} from {} in {} to {} in {}.").format(
                    escape(format_value(t["stringency"])),
                    trend,
                    _pct("c.early", t["early"]),
                    t["early_year"],
                    _pct("c.late", t["late"]),
                    t["late_year"],
                )
            )
        else:
            parts.append(Markup("."))
    return Markup("").join(parts)


def _trust(n: dict[str, Any]) -> Markup:
    if not n:
        return Markup("Transactional years do not vary in this study.")
    split, exit_, chi = n["split"], n["exit"], n["china"]
    small = abs(split[1] - split[0]) < 0.05 and abs(exit_[1] - exit_[0]) < 0.05
    text = Markup(
        "Under {} (the widest coalition studied), futures with at least {} years of "
        "transactional US administrations "
        "(n = {}) against those with at most {} (n = {}): some member wants out (cohesion "
        "below 1) in {} vs {} of futures, at least one member has left by {} in {} vs {}, "
        "and China's knowledge ends {} vs {} against US-only controls (medians){}"
    ).format(
        policy_name(n["policy"]),
        number("d.hi_cut", n["hi_cut"]),
        n["n_high"],
        number("d.lo_cut", n["lo_cut"]),
        n["n_low"],
        _pct("d.split.high", split[1]),
        _pct("d.split.low", split[0]),
        n.get("end_year", "the end"),
        _pct("d.exit.high", exit_[1]),
        _pct("d.exit.low", exit_[0]),
        number("d.china.high", chi[1], _change(chi[1])),
        number("d.china.low", chi[0], _change(chi[0])),
        "; on cohesion and exits a small effect (under 5 points)" if small else "",
    )
    low, high = n["best_low"], n["best_high"]
    if low is None or high is None:  # a single coalition: nothing to rank
        return text + Markup(".")
    if low.resolved and high.resolved:
        if low.best == high.best:
            text += Markup(
                ". The coalition leaving China's knowledge lowest stays {} either way."
            ).format(policy_name(low.best))
        else:
            text += Markup(
                ". Instability changes the coalition leaving China's knowledge lowest: {} in "
                "the stabler futures, {} in the unstable ones."
            ).format(policy_name(low.best), policy_name(high.best))
    else:
        unresolved = low if not low.resolved else high
        text += Markup(
            ". Which coalition leaves China's knowledge lowest is not resolved in the {} "
            "futures: {} and {} differ by less than the sampling error."
        ).format(
            "stabler" if unresolved is low else "unstable",
            policy_name(unresolved.best),
            policy_name(unresolved.runner_up),
        )
    return text


def answers(who: dict, will: dict, power: dict, prim: dict, trust: dict) -> list[dict]:
    """The four answer paragraphs.

    Returns
    -------
    list of dict
        ``question``, ``anchor`` and ``text`` (HTML markup) per question.
    """
    return [
        {"question": "(a) Who should be in?", "anchor": "who", "text": _who(who["numbers"])},
        {"question": "(b) Capability or will?", "anchor": "will", "text": _will(will["numbers"])},
        {
            "question": "(c) Does technology become power?",
            "anchor": "power",
            "text": _power(power["numbers"], prim),
        },
        {
            "question": "(d) How much does US unreliability cost?",
            "anchor": "trust",
            "text": _trust(trust["numbers"]),
        },
    ]
