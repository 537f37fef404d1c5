"""Coalitions: validation, presets, user presets, masks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from techbloc.coalitions import Coalition, check_codes, load_presets, presets
from techbloc.errors import InputError
from techbloc.world import load_world

EXPECTED = {
    "forging_core": {"USA", "JPN", "GBR", "AUS", "CAN"},
    "forging_core+KOR": {"USA", "JPN", "GBR", "AUS", "CAN", "KOR"},
    "forging_europe": {"USA", "JPN", "GBR", "AUS", "CAN", "DEU", "FRA", "NLD"},
    "five_eyes": {"USA", "GBR", "CAN", "AUS", "NZL"},
    "quad": {"USA", "JPN", "AUS", "IND"},
    "aukus": {"USA", "GBR", "AUS"},
    "g7": {"USA", "CAN", "GBR", "FRA", "DEU", "ITA", "JPN"},
    "d10": {"USA", "CAN", "GBR", "FRA", "DEU", "ITA", "JPN", "AUS", "IND", "KOR"},
    "t12": {"AUS", "CAN", "FIN", "FRA", "DEU", "IND", "ISR", "JPN", "KOR", "SWE", "GBR", "USA"},
    "t14": {
        "AUS",
        "CAN",
        "FIN",
        "FRA",
        "DEU",
        "IND",
        "ISR",
        "JPN",
        "KOR",
        "SWE",
        "GBR",
        "USA",
        "ITA",
        "NLD",
    },
    "chip4": {"USA", "JPN", "KOR", "TWN"},
}


@pytest.mark.parametrize(("name", "members"), sorted(EXPECTED.items()))
def test_presets_members(name, members):
    c = Coalition.from_preset(name)
    assert set(c.members) == members
    assert c.members[0] == "USA"
    assert c.name == name
    assert c.source and c.certainty


def test_all_presets_have_source_and_certainty():
    table = presets()
    assert set(EXPECTED) | {"nato", "oecd"} <= set(table)
    for c in table.values():
        assert c.source and c.certainty
    assert "assumption" in table["forging_core"].source.lower()
    assert "assumption" in table["forging_core"].certainty.lower()
    assert len(table["nato"]) >= 25 and "FIN" in table["nato"]
    assert "KOR" in table["oecd"] and "CHN" not in table["oecd"]


def test_parse_and_normalise():
    c = Coalition.parse(" jpn, kor;USA ")
    assert c.members == ("USA", "JPN", "KOR")
    assert Coalition.parse("JPN KOR").members == ("USA", "JPN", "KOR")
    assert Coalition(("KOR", "JPN", "KOR")).members == ("USA", "JPN", "KOR")
    assert Coalition.parse("quad") == presets()["quad"]
    plus = Coalition.parse("quad+KOR")
    assert set(plus.members) == EXPECTED["quad"] | {"KOR"}


def test_usa_always_member():
    assert Coalition(("JPN",)).members == ("USA", "JPN")


def test_unknown_code_names_it_and_suggests():
    with pytest.raises(InputError) as exc:
        Coalition.parse("USA,JPM")
    assert "'JPM'" in str(exc.value)
    assert "JPN" in str(exc.value)


def test_unknown_country_name_suggests_code():
    with pytest.raises(InputError, match="KOR"):
        check_codes(["Korea"])


@pytest.mark.parametrize("bad", ["CHN", "ROW", ""])
def test_rival_row_and_empty_rejected(bad):
    with pytest.raises(InputError):
        Coalition.parse(f"USA,{bad}" if bad else bad)


def test_unknown_preset():
    with pytest.raises(InputError, match="forging_core"):
        Coalition.from_preset("forging_cor")


def test_mask_and_names():
    world = load_world()
    c = Coalition.from_preset("chip4")
    m = c.mask(world)
    assert m.dtype == np.bool_ and m.shape == (len(world.codes),)
    assert m.sum() == 4 and not m[-1]
    assert [world.codes[i] for i in np.flatnonzero(m)] == ["USA", "JPN", "KOR", "TWN"]
    assert c.names(world) == ("United States", "Japan", "South Korea", "Taiwan")
    assert c.names() == c.names(world)


def test_frozen():
    c = Coalition.parse("USA,JPN")
    with pytest.raises(AttributeError):
        c.members = ("USA",)  # type: ignore[misc]
    assert hash(c) == hash(Coalition.parse("JPN,USA"))


def test_user_presets(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "mine:\n  members: [JPN, KOR, TWN]\n  source: me\n  certainty: guess\n"
        "eu:\n  group: EU\n  source: list\n"
    )
    table = load_presets(f)
    assert table["mine"].members == ("USA", "JPN", "KOR", "TWN")
    assert "DEU" in table["eu"] and "USA" in table["eu"]
    assert Coalition.from_preset("mine", extra=table).source == "me"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("mine:\n  members: [JPN, XXX]\n", "XXX"),
        ("mine:\n  group: NOPE\n", "NOPE"),
        ("mine:\n  members: [JPN]\n  group: EU\n", "exactly one"),
        ("mine:\n  members: [JPN]\n  colour: red\n", "colour"),
        ("- a\n- b\n", "mapping"),
        ("mine: [\n", "YAML"),
    ],
)
def test_bad_user_presets(tmp_path, text, match):
    f = tmp_path / "p.yaml"
    f.write_text(text)
    with pytest.raises(InputError, match=match) as exc:
        load_presets(f)
    assert str(f) in str(exc.value)


def test_missing_presets_file(tmp_path):
    with pytest.raises(InputError, match="presets file not found"):
        load_presets(tmp_path / "nope.yaml")


# -- the one parser of coalition text (issue 22 item 1) -----------------------------------


@given(st.data())
def test_a_preset_plus_a_country_outside_it(data) -> None:
    from techbloc.countries import candidates

    table = presets()
    name = data.draw(st.sampled_from(sorted(table)))
    outside = sorted(set(candidates()) - set(table[name].members) - {"CHN"})
    code = data.draw(st.sampled_from(outside))
    case = data.draw(st.sampled_from([str.upper, str.lower]))
    parsed = Coalition.parse(f" {name} + {case(code)} ", codes=data.draw(st.booleans()))
    assert set(parsed.members) == set(table[name].members) | {code}
    assert parsed.name == f"{name} + {case(code)}"


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("forging_cor", {}, "unknown coalition preset 'forging_cor'; did you mean forging_core"),
        ("quadd+KOR", {}, "unknown coalition preset 'quadd'; did you mean quad"),
        ("USA,JPN", {"codes": False}, "unknown coalition preset 'USA,JPN'"),
        ("quad+JPN", {"where": "presets[2]"}, "presets[2]: 'quad+JPN': JPN already in preset"),
        ("USA,XXX", {"where": "--coalition"}, "--coalition: unknown country code 'XXX'"),
        ("", {"codes": False}, "empty coalition: give a preset"),
    ],
)
def test_parse_refusals_name_the_text_and_where(text, options, message) -> None:
    with pytest.raises(InputError) as raised:
        Coalition.parse(text, **options)
    assert str(raised.value).startswith(message), str(raised.value)


def test_parse_reads_user_presets(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("pair:\n  members: [USA, JPN]\n")
    mine = load_presets(path)
    assert Coalition.parse("pair", extra=mine, codes=False).members == ("USA", "JPN")
    assert Coalition.parse("pair+KOR", extra=mine).members == ("USA", "JPN", "KOR")
