"""The default simulated period comes from one pair of constants (techbloc.years)."""

import inspect
import re
from pathlib import Path

from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

SRC = Path(__file__).parents[1] / "src" / "techbloc"
LITERAL_DEFAULT = re.compile(r"(?:=\s*|default=)(?:2024|2050)\b")


def test_no_literal_default_years_in_the_package():
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "years.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LITERAL_DEFAULT.search(line)
    ]
    assert found == []


def test_defaults_are_the_constants():
    from techbloc import evaluate_coalitions, simulate
    from techbloc.analysis.search import model_evaluator
    from techbloc.experiments.study import YearsSpec
    from techbloc.model import engine
    from techbloc.service.schemas import EvaluateRequest

    assert (engine.DEFAULT_START_YEAR, engine.DEFAULT_END_YEAR) == (2024, 2050)
    assert engine.DEFAULT_START_YEAR is DEFAULT_START_YEAR
    for function in (simulate, evaluate_coalitions, model_evaluator):
        parameters = inspect.signature(function).parameters
        assert parameters["start_year"].default == DEFAULT_START_YEAR, function
        assert parameters["end_year"].default == DEFAULT_END_YEAR, function
    assert (YearsSpec().start, YearsSpec().end) == (DEFAULT_START_YEAR, DEFAULT_END_YEAR)
    fields = EvaluateRequest.model_fields
    assert fields["start_year"].default == DEFAULT_START_YEAR
    assert fields["end_year"].default == DEFAULT_END_YEAR
