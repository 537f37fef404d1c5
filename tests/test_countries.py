"""techbloc.countries: candidate codes and their validation."""

from __future__ import annotations

import pytest

from techbloc import coalitions
from techbloc.countries import ANCHOR, RIVAL, candidates, check_codes, group_members
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
