"""Readable reprs (console and notebook) of World, Coalition, Policy, Study, ResultsStore."""

from pathlib import Path

from techbloc import Coalition, Policy, ResultsStore, Study, load_world, run_study
from techbloc.display import html_repr, shorten, text_repr

ROOT = Path(__file__).parents[1]


def _check(obj, *expected):
    text, page = repr(obj), obj._repr_html_()
    assert " object at 0x" not in text and "=" not in text.splitlines()[0]
    for fragment in expected:
        assert fragment in text, (fragment, text)
        assert fragment.replace("&", "&amp;") in page, (fragment, page)
    assert page.startswith("<div") and "<table>" in page


def test_world():
    world = load_world()
    _check(world, "58 countries", "bundled data", "indicators", "frictions")
    changed = world.with_overrides({"values": {"KOR": {"hedging": 0.1}}})
    assert "1 model input(s)" in repr(changed)


def test_coalition_names_members_and_the_publication():
    core = Coalition.from_preset("forging_core")
    _check(core, "Coalition forging_core (5 members)", "JPN (Japan)", "The Diplomat")
    assert "seed commentary" not in repr(core)
    assert "seed commentary" not in repr(Coalition.from_preset("forging_core+KOR"))
    assert repr(Coalition(["USA"])).startswith("Coalition USA (1 member)")


def test_policy():
    policy = Policy(
        Coalition.from_preset("chip4"), pool_share=0.1, control_stringency={"semiconductors": 0.9}
    )
    _check(policy, "Policy chip4", "pool share", "0.1", "semiconductors 0.9", "quantum 0.5")
    assert "in every domain" in repr(Policy(Coalition.from_preset("quad")))


def test_study_and_store(tmp_path):
    study = Study.from_yaml(ROOT / "examples" / "study.yaml")
    _check(
        study,
        "Study core-korea-chips",
        "forging_core+KOR",
        "lhs",
        "200",
        "parameters varied",
        "2024–2050",
        "seed",
    )
    small = Study.from_dict(
        {
            "name": "tiny",
            "policies": [{"preset": "quad"}],
            "scenarios": 2,
            "years": {"start": 2024, "end": 2025},
        }
    )
    run_study(small, tmp_path)
    with ResultsStore.open(tmp_path) as store:
        _check(store, f"ResultsStore {tmp_path}", "tiny", "2 of 2 done: complete", "quad")
    assert "closed" in repr(store)


def test_html_is_escaped():
    page = html_repr("<b>x</b>", [("a&b", "<script>")])
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert text_repr("T", [("k", "v\n  w")]) == "T\n  k: v w"
    assert shorten([str(i) for i in range(20)], limit=5) == "0, 1, 2, …, 19 (20)"
