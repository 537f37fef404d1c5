"""Every command in README.md and docs/*.md runs as written, from a fresh copy of examples/.

The code blocks of each document are read in order: shell blocks (no language, ``bash``,
``sh``, ``console``) give one command per line (``$`` prompts dropped, ``\\`` continuations
and multi-line quotes joined, comments left to the shell), ``python`` blocks are run as
scripts. Each document runs in its own empty directory holding a copy of ``examples/``, so
later commands see what earlier ones wrote (``explore`` then ``results``), as a reader's
would. A command fails the test on a non-zero exit; a ``--json`` command must also print
JSON, and any other output must fit 100 columns, uncut (no ``…``, no longer line).

A few commands cannot run here; each is listed in ``NOT_RUN`` with the reason, and
``techbloc serve`` is checked by its ``--help`` (options parsed, no server started).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.cells import cell_len

ROOT = Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"", "bash", "sh", "shell", "console"}
PROGRAMS = {"techbloc", "make", "curl", "uvicorn", "python", ".venv/bin/python"}

#: (pattern matched at the start of a command, why it is not run here)
NOT_RUN: list[tuple[str, str]] = [
    (
        r"make ",
        "a make target runs a whole study, the suite itself or rewrites the sources "
        "(make format); `make -n` checks that the target exists instead",
    ),
    (r"curl ", "needs a running `techbloc serve`; tests/service sends the same requests"),
    (r"uvicorn ", "starts a server; tests/service builds the same app with create_app"),
    (r"techbloc explore .*--scheduler tcp://", "needs a Dask scheduler at that address"),
]
#: Commands checked with --help: they would start a server.
HELP_ONLY = re.compile(r"techbloc serve\b")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, first line number and text."""

    lang: str
    line: int
    text: str


@dataclass(frozen=True)
class Command:
    """One command of a shell block, at a line of a document."""

    line: int
    text: str


def code_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order."""
    blocks: list[Block] = []
    lang: str | None = None
    start, lines = 0, []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fence = re.match(r"^\s*```\s*([\w+-]*)\s*$", raw)
        if fence and lang is None:
            lang, start, lines = fence.group(1).lower(), number + 1, []
        elif fence:
            blocks.append(Block(lang, start, "\n".join(lines)))
            lang = None
        elif lang is not None:
            lines.append(raw)
    return blocks


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return not text.rstrip().endswith("\\")


def commands(block: Block) -> list[Command]:
    """The commands of a shell block (lines starting with a known program)."""
    out: list[Command] = []
    pending, first = "", 0
    console = block.lang == "console"
    for offset, raw in enumerate(block.text.splitlines()):
        line = raw.rstrip()
        if not pending:
            stripped = line.strip()
            if console:
                if not stripped.startswith("$ "):
                    continue  # output shown in the block
                stripped = stripped[2:]
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.split()[0] not in PROGRAMS:
                continue  # output or a sample response, not a command
            pending, first = stripped, block.line + offset
        else:
            pending = pending[:-1] if pending.endswith("\\") else pending + "\n"
            pending += line
        if _complete(pending):
            out.append(Command(first, pending))
            pending = ""
    assert not pending, f"unterminated command at line {first}: {pending}"
    return out


def _reason_not_run(command: str) -> str | None:
    for pattern, reason in NOT_RUN:
        if re.match(pattern, command):
            return reason
    return None


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["COLUMNS"] = "100"  # tables must fit a 100-column terminal
    env.pop("FORCE_COLOR", None)
    return env


def _run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        shell=True,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _check(doc: Path, command: Command, work: Path, env: dict[str, str]) -> None:
    text = command.text
    where = f"{doc.relative_to(ROOT)}:{command.line}: {text}"
    if _reason_not_run(text) is not None:
        target = re.match(r"make (\S+)", text)
        if target:  # the target exists and its recipe parses
            result = _run(f"make -n {target.group(1)}", ROOT, env)
            assert result.returncode == 0, f"{where}\n{result.stderr[-2000:]}"
        return
    if HELP_ONLY.match(text):
        text = text.split("#", 1)[0].rstrip() + " --help"
    result = _run(text, work, env)
    assert result.returncode == 0, (
        f"{where}\nexit {result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
    if text.startswith("techbloc "):
        if re.search(r"\s--json\b", text):
            json.loads(result.stdout)
        else:
            assert "…" not in result.stdout, f"{where}: output cut at 100 columns\n{result.stdout}"
            wide = [line for line in result.stdout.splitlines() if cell_len(line) > 100]
            assert not wide, f"{where}: wider than 100 columns\n" + "\n".join(wide)


def _repository_state() -> str | None:
    """``git status`` of the checkout (None outside a git checkout): commands must not touch it."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return None
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "reader"
    work.mkdir()
    shutil.copytree(ROOT / "examples", work / "examples")
    return work


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_document_commands_run_as_written(doc: Path, tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    env = _environment()
    before = _repository_state()
    for block in code_blocks(doc):
        if block.lang in SHELL:
            for command in commands(block):
                _check(doc, command, work, env)
        elif block.lang == "python":
            script = work / f"block_{block.line}.py"
            script.write_text(block.text, encoding="utf-8")
            result = _run(f"{shlex.quote(sys.executable)} {script.name}", work, env)
            assert result.returncode == 0, (
                f"{doc.relative_to(ROOT)}:{block.line}: python block failed\n"
                f"{result.stderr[-3000:]}"
            )
    assert _repository_state() == before, "a documented command changed the repository"


def test_every_documented_command_is_found_and_each_exception_is_used() -> None:
    """The parser sees the commands a reader sees, and no NOT_RUN entry is stale."""
    found = [
        command.text
        for doc in DOCUMENTS
        for block in code_blocks(doc)
        if block.lang in SHELL
        for command in commands(block)
    ]
    readme = [
        c.text for b in code_blocks(ROOT / "README.md") if b.lang in SHELL for c in commands(b)
    ]
    assert any(c.startswith("techbloc sensitivity out/sobol_study") for c in readme)
    assert any(c.startswith("techbloc serve") for c in readme)
    assert any("--workers 2 --chunk-size 250" in c for c in found)  # a continued line
    assert any(c.startswith("curl") and '"presets"' in c for c in found)  # multi-line quote
    for pattern, reason in NOT_RUN:
        assert any(re.match(pattern, c) for c in found), f"unused exception: {reason}"


def test_parser_on_a_sample(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "text\n```console\n$ techbloc params   # registry\noutput line\n```\n"
        '```\ntechbloc explore a.yaml \\\n    --out b\n# a comment\n{"json": 1}\n```\n'
        "```yaml\nkey: value\n```\n"
    )
    blocks = code_blocks(doc)
    assert [b.lang for b in blocks] == ["console", "", "yaml"]
    assert commands(blocks[0]) == [Command(3, "techbloc params   # registry")]
    assert commands(blocks[1]) == [Command(7, "techbloc explore a.yaml     --out b")]
