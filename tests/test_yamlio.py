"""The safe YAML loader: aliases, depth, duplicate keys, encodings, line numbers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.yamlio import MAX_DEPTH, load_yaml, parse_yaml

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_plain_document_and_lines() -> None:
    doc = parse_yaml("name: x\npolicies:\n  - preset: quad\n  - members: [USA, JPN]\n", "s.yaml")
    assert doc.data == {"name": "x", "policies": [{"preset": "quad"}, {"members": ["USA", "JPN"]}]}
    assert doc.lines[("name",)] == 1
    assert doc.lines[("policies", 1, "members")] == 4


def test_alias_bomb_is_refused_fast() -> None:
    began = time.perf_counter()
    with pytest.raises(InputError, match=r"bomb.yaml:2: .*aliases \(\*a\) are not accepted"):
        parse_yaml(ALIAS_BOMB, "bomb.yaml")
    assert time.perf_counter() - began < 1


def test_deep_nesting_is_refused() -> None:
    text = "[" * 5000 + "]" * 5000
    with pytest.raises(InputError, match=f"deep.yaml:1: .*nested more than {MAX_DEPTH}"):
        parse_yaml(text, "deep.yaml")
    nested = "a:\n" + "".join("  " * i + " b:\n" for i in range(1, 100))
    with pytest.raises(InputError, match="nested more than"):
        parse_yaml(nested, "deep.yaml")


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(InputError, match=r"s.yaml:3: key 'seed' is given twice \(lines 1 and 3\)"):
        parse_yaml("seed: 1\nname: x\nseed: 2\n", "s.yaml")
    with pytest.raises(InputError, match=r"lines 2 and 3"):
        parse_yaml("a:\n  b: 1\n  b: 2\n", "s.yaml")


def test_merge_keys_and_complex_keys_are_refused() -> None:
    with pytest.raises(InputError, match=r"s.yaml:3: .*alias"):
        parse_yaml("a: &x {b: 1}\nc:\n  <<: *x\n", "s.yaml")
    with pytest.raises(InputError, match=r"s\.yaml:1: a mapping key must be plain text"):
        parse_yaml("? [a, b]\n: 1\n", "s.yaml")


def test_binary_and_non_utf8_files_name_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "study.yaml"
    binary.write_bytes(b"name: x\n\x00\x01\x02")
    with pytest.raises(InputError, match=r"study.yaml:2: the study file is binary"):
        load_yaml(binary, "study file")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: café\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.yaml:1: the study file is not UTF-8 .*0xe9"):
        load_yaml(latin, "study file")
    with pytest.raises(InputError, match=r"missing\.yaml: study file not found"):
        load_yaml(tmp_path / "missing.yaml", "study file")
    with pytest.raises(InputError, match="is a directory"):
        load_yaml(tmp_path, "study file")


def test_unknown_tags_are_refused_with_the_line() -> None:
    with pytest.raises(InputError, match=r"s\.yaml:2: not valid YAML: .*constructor"):
        parse_yaml("a: 1\nb: {!OR: 0.5}\n", "s.yaml")
    with pytest.raises(InputError, match=r"s\.yaml:1: the tag !thing is not accepted"):
        parse_yaml("!thing {a: 1}\n", "s.yaml")
    with pytest.raises(InputError, match=r"s\.yaml:2: .*constructor"):
        parse_yaml("a: 1\nb: !python/object:os.system x\n", "s.yaml")


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert load_yaml(path).data == {"name": "x"}


def test_syntax_error_has_a_line() -> None:
    with pytest.raises(InputError, match=r"s.yaml:2: not valid YAML"):
        parse_yaml("a: 1\n b: [\n", "s.yaml")
    with pytest.raises(InputError, match="not valid YAML"):
        parse_yaml("a: 1\n---\nb: 2\n", "s.yaml")


# plain data that YAML round-trips: what users write in studies
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
_keys = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=6)
_data = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_data)
def test_agrees_with_safe_load_on_plain_data(data: object) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    assert parse_yaml(text).data == yaml.safe_load(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_gives_a_located_input_error(text: str) -> None:
    try:
        parse_yaml(text, "fuzz.yaml")
    except InputError as exc:
        assert str(exc).startswith("fuzz.yaml")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_load_or_give_an_input_error_naming_the_file(tmp_path_factory, raw) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.yaml"
    path.write_bytes(raw)
    try:
        load_yaml(path, "study file")
    except InputError as exc:
        assert str(exc).startswith(str(path))


# -- integers and sizes bounded before conversion, time limit ------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "seed: " + "9" * 4301,  # over Python's 4,300-digit limit of int(str)
        "seed: -" + "1" * 5000,
        "seed: 0x" + "f" * 5000,
        "seed: 1_" + "0" * 4400,
        "scenarios: " + "1:" * 3000 + "1",  # sexagesimal (YAML 1.1)
        "years: [2024, " + "7" * 100 + "]",
    ],
)
def test_long_integers_are_refused_with_the_line(text: str) -> None:
    with pytest.raises(InputError, match=r"^big.yaml:1: an integer of [\d,]+ characters"):
        parse_yaml(text, "big.yaml")


def test_integers_of_every_64_bit_form_are_read() -> None:
    text = f"a: {2**63 - 1}\nb: -{2**63}\nc: 0b{'1' * 64}\nd: 0x{'f' * 16}\n"
    data = parse_yaml(text).data
    assert data == {"a": 2**63 - 1, "b": -(2**63), "c": 2**64 - 1, "d": 2**64 - 1}


def test_text_over_the_size_limit_is_refused() -> None:
    with pytest.raises(InputError, match=r"s\.yaml: the text is larger than 100 bytes"):
        parse_yaml("a: 1\n" * 30, "s.yaml", max_bytes=100)


def test_parsing_stops_at_the_time_limit() -> None:
    text = "items:\n" + "".join(f"  - {{name: p{i}, members: [USA, JPN]}}\n" for i in range(20000))
    with pytest.raises(InputError, match=r"^t.yaml:\d+: parsing took longer than 0.01 seconds"):
        parse_yaml(text, "t.yaml", time_limit=0.01)
    assert len(parse_yaml(text, "t.yaml", time_limit=60).data["items"]) == 20000


_ints = st.integers(min_value=-(10**200), max_value=10**200)
_numbers = st.builds(
    lambda n, sep, base: (
        {"dec": str(n), "hex": hex(n), "oct": oct(n).replace("o", ""), "bin": bin(n)}[base]
        if n >= 0 or base == "dec"
        else str(n)
    ).replace("0", "0" + sep, 1),
    _ints,
    st.sampled_from(["", "_"]),
    st.sampled_from(["dec", "hex", "oct", "bin"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_numbers | st.text(max_size=8), min_size=1, max_size=5), st.integers(0, 6000))
def test_any_number_reads_or_gives_a_located_error(values: list[str], digits: int) -> None:
    text = "\n".join(f"k{i}: {v}" for i, v in enumerate(values)) + f"\nbig: {'8' * digits}\n"
    try:
        document = parse_yaml(text, "n.yaml")
    except InputError as exc:
        assert str(exc).startswith("n.yaml")
    else:
        assert digits <= 70 and document.data["big"] == (int("8" * digits) if digits else None)


@pytest.mark.parametrize("command", ["explore", "data check"])
def test_cli_refuses_a_huge_integer_without_a_traceback(
    command: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    from techbloc.cli import main

    if command == "explore":
        path = tmp_path / "study.yaml"
        path.write_text("name: x\npolicies:\n  - preset: quad\nseed: " + "1" * 4301 + "\n")
        args = ["explore", str(path), "--out", str(tmp_path / "out")]
    else:
        path = tmp_path / "over.yaml"
        path.write_text("values:\n  JPN:\n    rd: " + "1" * 4301 + "\n")
        args = ["data", "check", str(path)]
    monkeypatch.setattr("sys.argv", ["techbloc", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps lines
    assert "an integer of 4,301 characters is too long" in err and "Traceback" not in err
