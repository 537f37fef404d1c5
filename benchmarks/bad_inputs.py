"""Feed the CLI a corpus of bad inputs and count the clear refusals and the tracebacks.

Each case is a command line (with the files it needs, written to a temporary directory) and
a pattern its error message must match: the file, line, key or option at fault. A case is
*refused clearly* when the command exits non-zero, prints no traceback and its message
matches; *silent* when it exits 0 (the bad input was accepted); *traceback* when one is
printed; *hang* when an isolated case (run in its own process, because it could start a
server or run for hours) does not finish within its time limit. Run::

    python benchmarks/bad_inputs.py            # one line per case, then the counts
    python benchmarks/bad_inputs.py --all      # also store_damage.py and bad_requests.py

``tests/test_bad_inputs.py`` runs the same corpus and requires every case to be refused
clearly. The siblings: ``store_damage.py`` (damaged results stores against ``verify``,
``results`` and ``export``) and ``bad_requests.py`` (cross-site, big and slow requests
against a loopback ``techbloc serve``).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Case", "Outcome", "cases", "main", "run_case", "verdict"]

#: Seconds an isolated case may run before it counts as a hang.
HANG_SECONDS = 60.0

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
    #: Run in a child process with a time limit (the case could hang or start a server).
    isolated: bool = False


@dataclass(frozen=True)
class Outcome:
    """What the CLI did with one case."""

    case: Case
    exit_code: int
    output: str
    traceback: str | None
    hung: bool = False

    @property
    def clear(self) -> bool:
        """Refused with a non-zero exit, no traceback, and the expected message."""
        text = " ".join(self.output.split())
        return (
            not self.hung
            and self.exit_code != 0
            and self.traceback is None
            and re.search(self.case.expect, text) is not None
        )

    @property
    def verdict(self) -> str:
        """``refused clearly``, ``refused unclearly``, ``silent``, ``traceback`` or ``hang``."""
        return verdict(self)


def verdict(outcome: Outcome) -> str:
    """The class of one outcome (see the module's docstring)."""
    if outcome.hung:
        return "hang"
    if outcome.traceback is not None:
        return "traceback"
    if outcome.exit_code == 0:
        return "silent"
    return "refused clearly" if outcome.clear else "refused unclearly"


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
            r"twice\.yaml:3: policies\.0\.members: JPN is given twice",
        ),
        "capacity_building keys differing in case": (
            "case.yaml",
            GOOD.replace(
                "preset: forging_core",
                "members: [JPN, KOR]\n    capacity_building: {jpn: 0.5, JPN: 0.2}",
            ),
            r"case\.yaml:\d+: policies\.0\.capacity_building: JPN is given twice",
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
        *_bounds(tmp, good),
    ]
    return out


def _bounds(tmp: Path, good: str) -> list[Case]:
    """Numeric options and code lists without bounds (issue 23, items 5 and 6)."""
    twenty = "USA,JPN,KOR,TWN,NLD,DEU,FRA,GBR,ITA,CAN,AUS,SWE,FIN,BEL,AUT,CHE,ISR,SGP,IRL,DNK"
    store = str(tmp / "no-store")
    return [
        Case("evaluate -c ',,,'", ["evaluate", "-c", ",,,"], r"empty country code", isolated=True),
        Case(
            "evaluate -c JPN,JPN",
            ["evaluate", "-c", "JPN,JPN"],
            r"JPN is given twice",
            isolated=True,
        ),
        Case(
            "evaluate -c with a 10 MB list",
            ["evaluate", "-c", ",".join(["JPN"] * 2_500_000)],
            r"9,999,999 characters, too long for a list of the \d+ candidate countries",
        ),
        Case(
            "evaluate -c quad+JPN (already in)",
            ["evaluate", "-c", "quad+JPN"],
            r"already in",
            isolated=True,
        ),
        Case(
            "evaluate --end 99999",
            ["evaluate", "--end", "99999"],
            r"--end 99999 .*2010-2100",
            isolated=True,
        ),
        Case(
            "evaluate --start 1000 --end 3000",
            ["evaluate", "--start", "1000", "--end", "3000"],
            r"--start 1000 .*2010-2100",
            isolated=True,
        ),
        Case(
            "evaluate --start -5",
            ["evaluate", "--start", "-5"],
            r"--start -5 .*2010-2100",
            isolated=True,
        ),
        Case(
            "robustness threshold NaN",
            ["robustness", store, "-m", "leakage_share:min", "--threshold", "leakage_share<nan"],
            r"not a finite number",
        ),
        Case(
            "shapley 20 members --method exact",
            ["shapley", twenty, "--method", "exact"],
            r"too many for --method exact",
            isolated=True,
        ),
        Case(
            "shapley --permutations 1e9",
            ["shapley", "quad", "--permutations", "1000000000"],
            r"'--permutations': .*less than or equal to 100000",
            isolated=True,
        ),
        Case(
            "discover --resamples 1e7",
            ["discover", store, "-w", "backlash > 0", "--resamples", "10000000"],
            r"'--resamples': .*less than or equal to 1000",
        ),
        Case(
            "stability --end-year 1900",
            ["stability", "forging_core", "--horizon", "end", "--end-year", "1900"],
            r"--end-year 1900 is outside 2010-2100",
            isolated=True,
        ),
        Case(
            "optimize --scenarios 1e9",
            [
                *("optimize", "--candidates", "JPN,KOR", "--objectives", "leakage:min"),
                *("--scenarios", "1000000000"),
            ],
            r"'--scenarios': .*less than or equal to 100000",
            isolated=True,
        ),
        Case("data check /dev/zero", ["data", "check", "/dev/zero"], r"must end in", isolated=True),
        Case(
            "explore --workers 10000",
            [
                *("explore", good, "-q", "--executor", "processes", "--workers", "10000"),
                *("--out", str(tmp / "w")),
            ],
            r"--workers 10000: give 1 to",
            isolated=True,
        ),
        Case(
            "explore --scheduler 'not a url'",
            ["explore", good, "-q", "--scheduler", "not a url", "--out", str(tmp / "s")],
            r"not a Dask scheduler address",
            isolated=True,
        ),
        Case(
            "serve --store-root a file",
            ["serve", "--store-root", str(tmp / "a-file"), "--port", "1"],
            r"exists and is not a directory",
            isolated=True,
        ),
    ]


def _run_isolated(case: Case) -> Outcome:
    """Run a case in its own process, killed after :data:`HANG_SECONDS`."""
    code = "import sys; from techbloc.cli import main; sys.argv[0] = 'techbloc'; main()"
    import techbloc

    env = {**os.environ, "COLUMNS": "1000"}
    src = Path(techbloc.__file__).parents[1]  # the techbloc this process runs
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *case.argv],
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"") + (exc.stderr or b"")
        text = output.decode(errors="replace") if isinstance(output, bytes) else str(output)
        return Outcome(case, -1, text, None, hung=True)
    output = done.stdout + done.stderr
    trace = output if "Traceback (most recent call last)" in output else None
    return Outcome(case, done.returncode, output, trace)


def run_case(case: Case) -> Outcome:
    """Run one case through the CLI's entry point, in this process (or its own)."""
    if case.isolated:
        return _run_isolated(case)
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


def counts(verdicts: list[str]) -> str:
    """``tried N; refused clearly N; refused unclearly N; silent N; traceback N; hang N``."""
    kinds = ("refused clearly", "refused unclearly", "silent", "traceback", "hang")
    return f"tried {len(verdicts)}; " + "; ".join(f"{k} {verdicts.count(k)}" for k in kinds)


def main(argv: list[str] | None = None) -> int:
    """Run the corpus and print each case and the counts; exit 1 unless all are clear."""
    argv = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = [run_case(case) for case in cases(Path(tmp))]
    for o in outcomes:
        first = " ".join(o.output.split())[:100]
        print(f"{o.verdict:17} {o.case.label:36} exit {o.exit_code}: {first}")
    verdicts = [o.verdict for o in outcomes]
    print(f"CLI bad inputs: {counts(verdicts)}")
    status = 0 if all(v == "refused clearly" for v in verdicts) else 1
    if "--all" in argv:
        here = Path(__file__).parent
        for name in ("store_damage", "bad_requests"):
            status |= subprocess.run([sys.executable, str(here / f"{name}.py")]).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())
