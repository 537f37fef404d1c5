"""The registry as the Markdown page ``docs/parameters.md``."""

from __future__ import annotations

from techbloc.params.domains import DOMAINS
from techbloc.params.levers import LEVERS
from techbloc.params.registry import PARAMETERS

__all__ = ["parameters_markdown"]


def parameters_markdown() -> str:
    """The registry as a Markdown page (``docs/parameters.md`` is generated from it)."""

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|")

    lines = [
        "# Parameters, domains and levers",
        "",
        "Generated from `techbloc.params` by `techbloc params --markdown`; do not edit by hand.",
        "Every uncertain parameter is sampled uniformly over its range (log-uniformly where",
        'marked) unless a study fixes it. "assumption" means no source pins the value: sweep it.',
        "",
        "## Uncertain parameters",
        "",
        "| name | default | range | unit | mechanism | source | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS:
        scale = " (log-uniform)" if p.distribution == "loguniform" else ""
        if not p.sampled_by_default:
            scale += " (varied only when a study asks)"
        lines.append(
            f"| `{p.name}` | {p.default:g} | {p.low:g} – {p.high:g}{scale} | {cell(p.unit)} "
            f"| {p.mechanism} | {cell(p.source)} | {cell(p.description)} |"
        )
    lines += [
        "",
        "## Technology domains",
        "",
        "| domain | depreciation (1/yr) | complexity | China self-sufficiency at start "
        "| military weight | source |",
        "|---|---|---|---|---|---|",
    ]
    for d in DOMAINS:
        lines.append(
            f"| {d.label} | {d.depreciation:g} | {d.complexity:g} | {d.self_sufficiency0:g} "
            f"| {d.military_weight:g} | {cell(d.source)} |"
        )
    lines += [
        "",
        "## Policy levers",
        "",
        "| lever | default | range | unit | per | mechanism | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for lever in LEVERS:
        lines.append(
            f"| `{lever.name}` | {lever.default:g} | {lever.low:g} – {lever.high:g} "
            f"| {lever.unit} | {lever.per} | {lever.mechanism} | {cell(lever.description)} |"
        )
    return "\n".join(lines) + "\n"
