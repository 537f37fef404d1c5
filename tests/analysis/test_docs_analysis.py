"""The example of docs/analysis.md ("On your own sample and outcome table") runs."""

import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "analysis.md"


def test_own_table_example_runs():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## On your own sample and outcome table")[1].split("\n## ")[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1 and "assert" in blocks[0]
    exec(compile(blocks[0], str(DOC), "exec"), {"__name__": "docs_analysis"})
