"""Feed the CLI a corpus of bad inputs and count the clear refusals and the tracebacks.

Each case is a command line (with the files it needs, written to a temporary directory) and
a pattern its error message must match: the file, line, key or option at fault. A case is
*refused clearly* when the command exits non-zero, prints no traceback and its message
matches. Run::

    python benchmarks/bad_inputs.py            # prints one line per case, then the counts

``tests/test_bad_inputs.py`` runs the same corpus and requires every case to be refused
clearly.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Case", "Outcome", "cases", "main", "run_case"]

GOOD = """name: t
policies:
  - preset: forging_core
scenarios: 4
years: {start: 2024, end: 2026}
"""


@dataclass(frozen=True)
class Case:
    """One bad input: a label, the command line, and the pattern its message must match."""

    label: str
    argv: list[str]
    expect: str


@dataclass(frozen=True)
class Outcome:
    """What the CLI did with one case."""

    case: Case
    exit_code: int
    output: str
    traceback: str | None

    @property
    def clear(self) -> bool:
        """Refused with a non-zero exit, no traceback, and the expected message."""
        text = " ".join(self.output.split())
        return (
            self.exit_code != 0
            and self.traceback is None
            and re.search(self.case.expect, text) is not None
        )


def _study(directory: Path, name: str, text: str | bytes) -> str:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def cases(tmp: Path) -> list[Case]:
    """The corpus; files are written under ``tmp``."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    studies = {
        "non-UTF-8 study": (
            "latin.yaml",
            GOOD.replace("t\n", "caf\xe9\n", 1).encode("latin-1"),
            r"latin\.yaml:1: .*not UTF-8",
        ),
        "binary study": (
            "bin.yaml",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            r"bin\.yaml:\d+: .*binary",
        ),
        "alias bomb": ("bomb.yaml", bomb, r"bomb\.yaml:2: .*aliases"),
        "5,000-deep nesting": (
            "deep.yaml",
            "[" * 5000 + "]" * 5000,
            r"deep\.yaml:1: .*nested more than",
        ),
        "duplicate key": (
            "dup.yaml",
            GOOD + "scenarios: 8\n",
            r"dup\.yaml:6: key 'scenarios' is given twice \(lines 4 and 6\)",
        ),
        "members: []": (
            "empty.yaml",
            GOOD.replace("preset: forging_core", "members: []"),
            r"empty\.yaml:3: policies\.0\.members: members is empty",
        ),
        "duplicate members": (
            "twice.yaml",
            GOOD.replace("preset: forging_core", "members: [JPN, JPN]"),
            r"twice\.yaml:3: policies\.0\.members: JPN is listed twice",
        ),
        "boolean stringency": (
            "bool.yaml",
            GOOD.replace(
                "preset: forging_core", "preset: forging_core\n    control_stringency: true"
            ),
            r"bool\.yaml:4: policies\.0\.control_stringency: .*valid number",
        ),
        "end before start": (
            "years.yaml",
            GOOD.replace("end: 2026", "end: 2020"),
            r"years\.yaml:5: years: .*must be after start",
        ),
        "empty policy": (
            "nopolicy.yaml",
            "policies: [{}]\nscenarios: 4\n",
            r"nopolicy\.yaml:1: policies\.0: give exactly one of",
        ),
        "unknown key": (
            "unknown.yaml",
            GOOD + "scenaros: 3\n",
            r"unknown\.yaml:6: scenaros: unknown key",
        ),
        "empty file": ("blank.yaml", "", r"blank\.yaml: .*must be a mapping"),
        "list at top level": ("list.yaml", "- a\n- b\n", r"list\.yaml: .*must be a mapping"),
        "zero scenarios": (
            "zero.yaml",
            GOOD.replace("scenarios: 4", "scenarios: 0"),
            r"zero\.yaml:4: scenarios: .*greater than or equal to 1",
        ),
        "negative seed": ("seed.yaml", GOOD + "seed: -1\n", r"seed\.yaml:6: seed: "),
        "unknown preset": (
            "preset.yaml",
            GOOD.replace("forging_core", "forgin_core"),
            r"preset\.yaml:3: policies\.0\.preset: .*forgin_core",
        ),
        "China as a member": (
            "chn.yaml",
            GOOD.replace("preset: forging_core", "members: [CHN]"),
            r"chn\.yaml:3: policies\.0\.members: .*reference rival",
        ),
        "too many scenarios": (
            "huge.yaml",
            GOOD.replace("scenarios: 4", "scenarios: 100000000000"),
            r"huge\.yaml(:\d+)?: design: .*limit",
        ),
        "missing override": (
            "ov.yaml",
            GOOD + "world: {overrides: [nope.csv]}\n",
            r"nope\.csv: override file not found",
        ),
        "bad YAML": ("syntax.yaml", "name: [\n", r"syntax\.yaml:\d+: not valid YAML"),
        "tab indentation": (
            "tab.yaml",
            "name: t\n\tpolicies: []\n",
            r"tab\.yaml:2: not valid YAML",
        ),
        "control character": ("ctl.yaml", "name: t\x07\n", r"ctl\.yaml:1: .*not allowed"),
    }
    out = []
    for label, (name, text, expect) in studies.items():
        path = _study(tmp, name, text)
        out.append(Case(label, ["explore", path, "-q", "--out", str(tmp / "out" / name)], expect))
    good = _study(tmp, "good.yaml", GOOD)
    (tmp / "a-file").write_text("x")
    override_bomb = _study(
        tmp,
        "bomb-override.yaml",
        "values:\n"
        + "".join(f"  - &a{i} {{iso3: JPN, column: rd, value: 1}}\n" for i in range(2))
        + "  - *a0\n",
    )
    dup_presets = _study(
        tmp, "presets.yaml", "quad2:\n  members: [JPN]\nquad2:\n  members: [KOR]\n"
    )
    with_presets = _study(
        tmp,
        "with-presets.yaml",
        GOOD.replace("preset: forging_core", "preset: quad2")
        + f"world: {{presets: {dup_presets}}}\n",
    )
    out += [
        Case(
            "--out is an existing file",
            ["explore", good, "-q", "--out", str(tmp / "a-file")],
            r"a-file: exists and is not a directory",
        ),
        Case(
            "--out under /proc",
            ["explore", good, "-q", "--out", "/proc/techbloc/x"],
            r"/proc/techbloc/x: cannot create the results directory",
        ),
        Case(
            "missing study file",
            ["explore", str(tmp / "missing.yaml")],
            r"missing\.yaml: study file not found",
        ),
        Case("study is a directory", ["explore", str(tmp)], r"is a directory"),
        Case("evaluate --seed -1", ["evaluate", "--seed", "-1"], r"--seed"),
        Case("evaluate -c ''", ["evaluate", "-c", ""], r"empty coalition"),
        Case("evaluate --scenarios 0", ["evaluate", "--scenarios", "0"], r"--scenarios"),
        Case("evaluate --set no value", ["evaluate", "--set", "denial"], r"expected NAME=VALUE"),
        Case("evaluate --set unknown", ["evaluate", "--set", "nope=1"], r"nope"),
        Case("evaluate --set out of range", ["evaluate", "--set", "denial=7"], r"denial"),
        Case("evaluate unknown country", ["evaluate", "-c", "USA,XXX"], r"XXX"),
        Case(
            "evaluate end before start",
            ["evaluate", "--start", "2030", "--end", "2025"],
            r"end|year",
        ),
        Case("results of no store", ["results", str(tmp)], r"no results store here"),
        Case("export of no store", ["export", str(tmp)], r"no results store here"),
        Case("verify of no store", ["verify", str(tmp)], r"no results store here"),
        Case(
            "override alias",
            ["data", "check", override_bomb],
            r"bomb-override\.yaml:\d+: .*aliases",
        ),
        Case(
            "presets duplicate key",
            ["explore", with_presets, "-q", "--out", str(tmp / "p")],
            r"presets\.yaml:3: key 'quad2' is given twice \(lines 1 and 3\)",
        ),
    ]
    return out


def run_case(case: Case) -> Outcome:
    """Run one case through the CLI's entry point, in this process."""
    from techbloc.cli import main

    buffer = io.StringIO()
    argv, columns = sys.argv, os.environ.get("COLUMNS")
    sys.argv = ["techbloc", *case.argv]
    os.environ["COLUMNS"] = "1000"  # one line per message: rich wraps at the terminal width
    code, trace = 0, None
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # what the user would see as a traceback
        code, trace = 1, traceback.format_exc()
    finally:
        sys.argv = argv
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns
    return Outcome(case, code, buffer.getvalue(), trace)


def main() -> int:
    """Run the corpus and print each case and the counts; exit 1 unless all are clear."""
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = [run_case(case) for case in cases(Path(tmp))]
    for o in outcomes:
        first = " ".join(o.output.split())[:110]
        print(f"{'ok  ' if o.clear else 'FAIL'} {o.case.label:28} exit {o.exit_code}: {first}")
    clear = sum(o.clear for o in outcomes)
    traces = sum(o.traceback is not None for o in outcomes)
    print(f"bad inputs tried: {len(outcomes)}; refused clearly: {clear}; tracebacks: {traces}")
    return 0 if clear == len(outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
