"""``techbloc data ...`` commands."""

import json

import pytest
from typer.testing import CliRunner

from techbloc.cli import _register, app

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def registered():
    _register()


def run(*args):
    return runner.invoke(app, ["data", *args])


def test_countries_json():
    res = run("countries", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert len(rows) == 59 and rows[-1]["iso3"] == "ROW"
    kor = next(r for r in rows if r["iso3"] == "KOR")
    assert kor["rd_bn"] == pytest.approx(119.58)
    assert kor["rd_year"] == 2021
    twn = next(r for r in rows if r["iso3"] == "TWN")
    assert twn["population_m"] is None


def test_countries_table():
    res = run("countries")
    assert res.exit_code == 0
    assert "South Korea" in res.output


def test_show_kor_json_has_rd_treaty_trade_and_sources():
    res = run("show", "KOR", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["iso3"] == "KOR" and d["name"] == "South Korea"
    ind = {r["indicator"]: r for r in d["indicators"]}
    rd = ind["gerd_ppp_usd_m"]
    assert rd["value"] == pytest.approx(102521.4) and rd["year"] == 2019
    assert "NCSES" in rd["source"]
    treaty = ind["member_us_bilateral_defence_treaty"]
    assert treaty["value"] == 1 and treaty["year"] == 1953
    assert "State Department" in treaty["source"]
    assert ind["atop_defence_pact_usa"]["value"] == 1
    for name in ("dots_exports_to_chn_usd_m", "dots_imports_from_chn_usd_m"):
        assert ind[name]["value"] > 0 and ind[name]["year"] == 2019
        assert "Direction of Trade" in ind[name]["source"]
    mi = d["model_inputs"]
    assert mi["rd"]["value"] == pytest.approx(119.58)
    assert "SRD-1" in mi["rd"]["rule"]
    assert mi["rd"]["from"][0]["indicator"] == "srd1_gerd_ppp_usd_bn"
    assert 0 < mi["china_dependence"]["value"] < 1
    assert "DOTS" in mi["china_dependence"]["rule"]


def test_show_isr_json_has_threat_and_where_it_came_from():
    res = run("show", "ISR", "--json")
    assert res.exit_code == 0, res.output
    threat = json.loads(res.output)["model_inputs"]["threat"]
    assert 0 < threat["value"] < 1
    assert "threat_views" in threat["rule"]
    comp = threat["components"]
    assert set(comp) == {"threat_views", "threat_disputes", "threat_un_distance"}
    assert sum(c["weight"] for c in comp.values()) == pytest.approx(1.0)
    assert threat["value"] == pytest.approx(sum(c["weight"] * c["value"] for c in comp.values()))
    views = comp["threat_views"]
    assert views["indicator"]["value"] == 50 and views["indicator"]["year"] == 2023
    assert "Pew" in views["indicator"]["source"] and views["filled"] is None
    disputes = comp["threat_disputes"]
    assert disputes["value"] == 0 and "no row" in disputes["filled"]
    assert disputes["indicator"]["note"].startswith("missing:")
    un = comp["threat_un_distance"]
    assert un["indicator"]["year"] == 2024 and "ideal points" in un["indicator"]["source"]
    assert "disputes" in threat["filled"]


def test_show_missing_values_are_null_in_json():
    d = json.loads(run("show", "twn", "--json").output)
    ind = {r["indicator"]: r for r in d["indicators"]}
    assert ind["population_total"]["value"] is None
    assert ind["population_total"]["note"].startswith("missing:")
    assert d["model_inputs"]["alignment"]["filled"]


def test_show_table():
    res = run("show", "KOR")
    assert res.exit_code == 0
    assert "gerd_ppp_usd_m" in res.output


def test_show_unknown_code():
    res = run("show", "KOE")
    assert res.exit_code != 0
    assert "KOE" in str(res.exception) and "KOR" in str(res.exception)


def test_presets_json_and_table(tmp_path):
    d = json.loads(run("presets", "--json").output)
    names = {p["name"] for p in d}
    assert {"forging_core", "chip4", "t14", "nato"} <= names
    assert all(p["source"] and p["certainty"] for p in d)
    f = tmp_path / "p.yaml"
    f.write_text("mine:\n  members: [JPN]\n  source: me\n  certainty: guess\n")
    res = run("presets", "--file", str(f))
    assert res.exit_code == 0 and "mine" in res.output


def test_presets_json_keeps_text_as_written(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("café:\n  members: [JPN]\n  source: Seoul–Tokyo memo\n  certainty: guess\n")
    res = run("presets", "--file", str(f), "--json")
    assert res.exit_code == 0, res.output
    assert '"name": "café"' in res.output and "Seoul–Tokyo" in res.output  # not \u00e9


def test_check_ok_and_bad(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("iso3,column,value\nKOR,rd,100\n")
    res = run("check", str(good))
    assert res.exit_code == 0 and "ok" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("iso3,column,value\nKOR,rd,abc\n")
    res = run("check", str(bad))
    assert res.exit_code != 0
    assert f"{bad}:2:" in str(res.exception)


def test_check_notes_an_override_the_model_does_not_read(tmp_path):
    f = tmp_path / "o.csv"
    f.write_text("iso3,column,value\nKOR,gerd_ppp_usd_m,110000\nKOR,srd1_gerd_ppp_usd_bn,140\n")
    res = run("check", str(f))  # together they move Korea's rd: no note
    assert res.exit_code == 0 and "note:" not in res.output
    f.write_text("iso3,column,value\nKOR,gerd_ppp_usd_m,110000\n")
    res = run("check", str(f))
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())  # however the console wrapped it
    assert "note:" in said and "KOR gerd_ppp_usd_m changes no model input" in said


def test_main_prints_error_and_exits_2(tmp_path, monkeypatch, capsys):
    from techbloc.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("iso3,column,value\nXXX,rd,1\n")
    monkeypatch.setattr("sys.argv", ["techbloc", "data", "check", str(bad)])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    assert "XXX" in capsys.readouterr().err
