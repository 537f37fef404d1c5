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
