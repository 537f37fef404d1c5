"""techbloc.countries: candidate codes and their validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techbloc import coalitions
from techbloc.countries import (
    ANCHOR,
    RIVAL,
    candidates,
    check_codes,
    group_members,
    parse_code_keys,
    parse_members,
)
from techbloc.errors import InputError


def test_candidates_in_file_order_without_row():
    codes = list(candidates())
    assert codes[0] == ANCHOR and RIVAL in codes and "ROW" not in codes
    assert len(codes) == 58


def test_check_codes_normalises_and_suggests():
    assert check_codes([" usa", "Kor"]) == ("USA", "KOR")
    assert check_codes(["row"], allow_row=True) == ("ROW",)
    with pytest.raises(InputError, match="not a country"):
        check_codes(["ROW"])
    with pytest.raises(InputError, match=r"unknown country code 'KOE'.*KOR"):
        check_codes(["KOE"])


def test_group_members_are_candidates():
    groups = group_members()
    cand = set(candidates())
    assert "NATO" in groups and set(groups["NATO"]) <= cand


def test_check_codes_still_importable_from_coalitions():
    assert coalitions.check_codes is check_codes


# -- the one member-list parser (issue 23) ---------------------------------------------------
_CODES = sorted(candidates())
_SEPARATORS = st.sampled_from([",", ", ", ";", " ", " ; ", "\t"])


def _spelled(code: str, lower: bool) -> str:
    return code.lower() if lower else code


@given(
    st.lists(st.sampled_from(_CODES), min_size=1, max_size=8, unique=True),
    st.lists(st.booleans(), min_size=8, max_size=8),
    _SEPARATORS,
)
def test_parse_members_reads_text_and_lists_alike(codes, lower, separator) -> None:
    spelled = [_spelled(c, low) for c, low in zip(codes, lower, strict=False)]
    assert parse_members(separator.join(spelled)) == tuple(codes)
    assert parse_members(spelled) == tuple(codes)


@given(
    st.lists(st.sampled_from(_CODES), min_size=1, max_size=6, unique=True),
    st.data(),
)
def test_parse_members_refuses_a_code_twice_in_any_case(codes, data) -> None:
    again = data.draw(st.sampled_from(codes))
    at = data.draw(st.integers(0, len(codes)))
    spelled = [*codes[:at], data.draw(st.sampled_from([again, again.lower()])), *codes[at:]]
    with pytest.raises(InputError, match=f"{again} is given twice"):
        parse_members(spelled)
    with pytest.raises(InputError, match=f"{again} is given twice"):
        parse_members(",".join(spelled))


@pytest.mark.parametrize("text", ["", " ", ",", ",,,", "JPN,", ",JPN", "JPN,,KOR", "JPN;;KOR"])
def test_parse_members_refuses_empty_codes(text) -> None:
    with pytest.raises(InputError, match="empty"):
        parse_members(text)


def test_parse_code_keys_refuses_keys_equal_but_for_case() -> None:
    assert parse_code_keys({"jpn": 0.5, "KOR": 0.2}) == {"JPN": 0.5, "KOR": 0.2}
    with pytest.raises(InputError, match=r"JPN is given twice \(as 'jpn' and 'JPN'\)"):
        parse_code_keys({"jpn": 0.5, "JPN": 0.2})
