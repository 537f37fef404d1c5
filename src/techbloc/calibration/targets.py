"""History-matching targets: what happened in 2010–2023 and the model output it is compared with.

A targets table has one row per observed value. Its columns:

``target``
    Unique name (``[a-z0-9_]+``).
``series``, ``group``
    What was observed, for which country or group (labels).
``year``
    Calendar year of the observation (``HISTORY_START``–``HISTORY_END``).
``observed``
    The observed value *after* the transformation (e.g. ln change since the base year).
``obs_sd``, ``obs_rule``
    Standard deviation of the observation error and how it was set.
``disc_sd``, ``disc_rule``
    Standard deviation of the model discrepancy (what the model cannot represent) and why.
``output``
    A model output (:data:`techbloc.model.outputs.OUTPUTS`) with a yearly trajectory, or
    ``credibility`` (per scenario).
``policy``
    ``status_quo`` (US-only controls, no pool: the policy history had), ``group:<NAME>``
    (the group's members, ``members``, as a coalition with no pool) or empty for
    per-scenario outputs.
``domain``
    A technology domain for per-domain outputs, else empty.
``transform``
    ``level`` (the value that year), ``log_ratio`` (ln of the value over its value in
    ``base_year``), ``ratio`` (value over its value in ``base_year``) or ``loss`` (the value
    in ``base_year`` minus the value that year, e.g. members lost).
``base_year``
    Needed by every transform but ``level``.
``members``
    ``;``-separated ISO3 codes (the group's members for ``group:`` policies; the countries an
    observation averages over, for information, otherwise).
``holdout``
    ``true`` for observations kept out of the matching and reported separately.
``source``
    Where the observation comes from.

The bundled table is built by ``scripts/build_targets.py`` (provenance in
``techbloc/data/calibration/PROVENANCE.md``); :func:`load_targets` reads it or your own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from techbloc.errors import InputError

__all__ = [
    "COLUMNS",
    "HISTORY_END",
    "HISTORY_START",
    "TRANSFORMS",
    "OutputSpec",
    "bundled_targets_path",
    "load_targets",
    "output_spec",
    "validate_targets",
]

#: First and last year of the historical run.
HISTORY_START, HISTORY_END = 2010, 2023

#: Transformations a target can apply to a model output.
TRANSFORMS = ("level", "log_ratio", "ratio", "loss")

COLUMNS = (
    "target",
    "series",
    "group",
    "year",
    "observed",
    "obs_sd",
    "obs_rule",
    "disc_sd",
    "disc_rule",
    "output",
    "policy",
    "domain",
    "transform",
    "base_year",
    "members",
    "holdout",
    "source",
)

_NAME = re.compile(r"^[a-z0-9_]+$")
_GROUP_POLICY = re.compile(r"^group:([A-Z0-9_]+)$")
_SCENARIO_OUTPUTS = ("credibility", "institutional_credibility")


@dataclass(frozen=True)
class OutputSpec:
    """Where a target reads the model: output, policy and domain (one row of the table)."""

    output: str
    policy: str
    domain: str

    @property
    def per_scenario(self) -> bool:
        """Whether the output has one value per scenario and year (no policy)."""
        return self.output in _SCENARIO_OUTPUTS


def bundled_targets_path() -> Path:
    """Path of the targets table shipped with techbloc."""
    return Path(str(resources.files("techbloc") / "data" / "calibration" / "targets.csv"))


def load_targets(path: str | Path | None = None, *, holdout: bool | None = None) -> pd.DataFrame:
    """Read and validate a targets table.

    Parameters
    ----------
    path : path, optional
        A CSV with the columns of :data:`COLUMNS`; default the bundled table.
    holdout : bool, optional
        ``False`` keeps only the targets used in the matching, ``True`` only the hold-out,
        ``None`` (default) both.

    Returns
    -------
    pandas.DataFrame
        Index ``target``; ``year`` and ``base_year`` as integers (``base_year`` ``-1`` where
        unused), ``holdout`` as bool, empty text columns as ``""``.

    Raises
    ------
    InputError
        Naming the file, the row (as a line number) and the problem, all problems at once.
    """
    path = Path(path) if path is not None else bundled_targets_path()
    if not path.is_file():
        raise InputError(f"{path}: no such targets table")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc})") from None
    table = validate_targets(raw, where=str(path))
    if holdout is not None:
        table = table[table["holdout"] == holdout]
    return table


def _number(text: str) -> float:
    value = float(text)
    if not np.isfinite(value):
        raise ValueError("not finite")
    return value


def validate_targets(raw: pd.DataFrame, where: str = "targets") -> pd.DataFrame:
    """Check a targets table given as text columns; return it typed (as :func:`load_targets`)."""
    from techbloc.model.outputs import OUTPUTS
    from techbloc.params import DOMAINS

    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}")
    outputs = {o.name for o in OUTPUTS} | set(_SCENARIO_OUTPUTS)
    domains = {d.name for d in DOMAINS}
    problems: list[str] = []
    rows = []
    seen: dict[str, int] = {}
    records = [
        {str(k): str(v) for k, v in record.items()}
        for record in raw[list(COLUMNS)].astype(str).to_dict(orient="records")
    ]
    for i, r in enumerate(records):
        line = i + 2  # the header is line 1

        def bad(column: str, reason: str, line: int = line) -> None:
            problems.append(f"{where}:{line}: {column}: {reason}")

        name = r["target"].strip()
        if not _NAME.match(name):
            bad("target", f"{name!r} is not a name of lower-case letters, digits and _")
        elif name in seen:
            bad("target", f"{name!r} repeats line {seen[name]}")
        seen.setdefault(name, line)
        parsed: dict[str, object] = {c: r[c].strip() for c in COLUMNS}
        for column in ("year", "base_year"):
            text = r[column].strip()
            if column == "base_year" and text == "":
                parsed[column] = -1
                continue
            try:
                year = int(float(text))
                if year != float(text):
                    raise ValueError
            except ValueError:
                bad(column, f"{text!r} is not a year")
                continue
            if not HISTORY_START <= year <= HISTORY_END:
                bad(column, f"{year} is outside {HISTORY_START}-{HISTORY_END}")
            parsed[column] = year
        for column in ("observed", "obs_sd", "disc_sd"):
            try:
                parsed[column] = _number(r[column])
            except ValueError:
                bad(column, f"{r[column]!r} is not a finite number")
                continue
            if column != "observed" and float(parsed[column]) < 0:  # type: ignore[arg-type]
                bad(column, "a standard deviation cannot be negative")
        if r["output"].strip() not in outputs:
            bad("output", f"unknown model output {r['output']!r}")
        transform = r["transform"].strip()
        if transform not in TRANSFORMS:
            bad("transform", f"{transform!r} is not one of {', '.join(TRANSFORMS)}")
        elif transform != "level" and r["base_year"].strip() == "":
            bad("base_year", f"transform {transform} needs a base year")
        elif (
            transform != "level"
            and isinstance(parsed.get("base_year"), int)
            and isinstance(parsed.get("year"), int)
            and parsed["base_year"] >= parsed["year"]  # type: ignore[operator]
        ):
            bad("base_year", "must be before the year")
        policy = r["policy"].strip()
        members = [m for m in r["members"].strip().split(";") if m]
        if r["output"].strip() in _SCENARIO_OUTPUTS:
            if policy:
                bad("policy", f"{r['output']} has one value per scenario: leave policy empty")
        elif policy == "status_quo":
            pass
        elif _GROUP_POLICY.match(policy):
            if not members:
                bad("members", f"policy {policy} needs its members")
        else:
            bad("policy", f"{policy!r} is not status_quo or group:<NAME>")
        if any(not re.match(r"^[A-Z]{3}$", m) for m in members):
            bad("members", "members must be ISO3 codes separated by ';'")
        domain = r["domain"].strip()
        by_domain = r["output"].strip().endswith("_by_domain")
        if by_domain and domain not in domains:
            bad("domain", f"{r['output']} needs a domain, one of {', '.join(sorted(domains))}")
        if not by_domain and domain:
            bad("domain", f"{r['output']} has no domain")
        flag = r["holdout"].strip().lower()
        if flag not in ("true", "false"):
            bad("holdout", f"{r['holdout']!r} is not true or false")
        parsed["holdout"] = flag == "true"
        spread = [parsed.get(c) for c in ("obs_sd", "disc_sd")]
        if all(isinstance(v, float) for v in spread) and not any(spread):
            bad("disc_sd", "obs_sd and disc_sd are both 0: the implausibility would be infinite")
        rows.append(parsed)
    if problems:
        raise InputError(
            f"{len(problems)} problem(s) in the targets table:\n" + "\n".join(problems)
        )
    if not rows:
        raise InputError(f"{where}: the targets table has no rows")
    table = pd.DataFrame(rows, columns=list(COLUMNS)).set_index("target")
    table["year"] = table["year"].astype(int)
    table["base_year"] = table["base_year"].astype(int)
    for column in ("observed", "obs_sd", "disc_sd"):
        table[column] = table[column].astype(float)
    table["holdout"] = table["holdout"].astype(bool)
    return table


def output_spec(row: pd.Series) -> OutputSpec:
    """The model output a target row reads."""
    return OutputSpec(str(row["output"]), str(row["policy"]), str(row["domain"]))
