"""The JSON API: data endpoints, evaluate, validation errors, OpenAPI, dashboard."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

SMALL = {"scenarios": 8, "end_year": 2028}


# -- data -------------------------------------------------------------------------------
def test_countries(client) -> None:
    rows = client.get("/api/countries").json()
    codes = [r["iso3"] for r in rows]
    assert codes[0] == "USA" and "KOR" in codes and "ROW" not in codes
    usa = rows[0]
    assert usa["name"] == "United States" and usa["rd"] > 0 and usa["alignment"] == 1.0


def test_country_detail(client) -> None:
    response = client.get("/api/countries/kor")  # any case
    assert response.status_code == 200
    body = response.json()
    assert body["iso3"] == "KOR" and body["name"] == "South Korea"
    gerd = next(i for i in body["indicators"] if i["indicator"] == "gerd_ppp_usd_m")
    assert gerd["value"] > 0 and gerd["year"] == 2019 and "NCSES" in gerd["source"]
    # rd reads NCSES SRD-1 2021 first (MODEL.md 9.7), RD-5 only where SRD-1 has no value
    srd1 = next(i for i in body["indicators"] if i["indicator"] == "srd1_gerd_ppp_usd_bn")
    assert srd1["year"] == 2021 and "SRD-1" in srd1["source"]
    assert body["inputs"]["rd"] == pytest.approx(srd1["value"])
    missing = [i for i in body["indicators"] if i["value"] is None]
    assert all(i["note"] for i in missing)  # missing values say why


def test_country_unknown_is_404_with_suggestion(client) -> None:
    response = client.get("/api/countries/KORR")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "KORR" in detail and "KOR (South Korea)" in detail


def test_presets(client) -> None:
    rows = client.get("/api/presets").json()
    core = next(r for r in rows if r["name"] == "forging_core")
    assert core["members"][0] == "USA" and core["member_names"][0] == "United States"
    assert core["source"]


def test_parameters(client) -> None:
    body = client.get("/api/parameters").json()
    denial = next(p for p in body["parameters"] if p["name"] == "denial")
    assert (denial["low"], denial["default"], denial["high"]) == (0.0, 0.5, 1.0)
    assert {lv["name"] for lv in body["levers"]} >= {"pool_share", "control_stringency"}
    assert any(d["name"] == "semiconductors" for d in body["domains"])


# -- evaluate ---------------------------------------------------------------------------
def test_evaluate(client) -> None:
    response = client.post(
        "/api/evaluate",
        json={
            **SMALL,
            "presets": ["forging_core", "quad+KOR"],
            "coalitions": [["jpn", "KOR"]],
            "set": {"denial": 0.8},
            "pool_share": 0.1,
            "stringency": 0.7,
            "seed": 5,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    names = [p["name"] for p in body["policies"]]
    assert names == ["forging_core", "quad+KOR", "USA+JPN+KOR"]
    assert body["fixed"] == {"denial": 0.8} and body["years"] == [2024, 2028]
    assert all(p["pool_share"] == 0.1 for p in body["policies"])
    assert body["policies"][0]["control_stringency"]["semiconductors"] == 0.7
    for name in names:
        for metric in (
            "alliance_rd_share",
            "leakage_to_china",
            "cohesion",
            "china_knowledge_vs_status_quo",
            "power_ratio_china_coalition",
        ):
            s = body["outcomes"][name][metric]
            assert s["p10"] <= s["median"] <= s["p90"]
        assert 0.0 <= body["backfire_share"][name] <= 1.0
    assert body["metrics"]["alliance_rd_share"]["unit"] == "share"


def test_evaluate_default_coalition_and_determinism(client) -> None:
    first = client.post("/api/evaluate", json={**SMALL, "scenarios": 4}).json()
    again = client.post("/api/evaluate", json={**SMALL, "scenarios": 4}).json()
    assert [p["name"] for p in first["policies"]] == ["forging_core"]
    assert first["outcomes"] == again["outcomes"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"coalitions": [["USA", "JPN", "XKZ"]]}, "XKZ"),
        ({"coalitions": [["USA", "CHN"]]}, "China"),
        ({"coalitions": [[]]}, "empty"),
        ({"presets": ["forging_cor"]}, "forging_cor"),
        ({"set": {"denial": 3}}, "denial"),
        ({"set": {"no_such_parameter": 1}}, "no_such_parameter"),
        ({"pool_share": 0.9}, "pool_share"),
        ({"stringency": -0.1}, "stringency: -0.1 is outside"),
        ({"scenarios": 0}, "scenarios"),
        ({"scenarios": 5001}, "scenarios"),
        ({"end_year": 2020}, "end_year"),
        ({"presets": ["quad", "quad"]}, "presets[1]: policy label 'quad' is used twice"),
        ({"colitions": [["USA"]]}, "colitions"),
    ],
)
def test_evaluate_invalid_is_422(client, body: dict[str, Any], fragment: str) -> None:
    response = client.post("/api/evaluate", json={**SMALL, **body})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and fragment in detail


def test_evaluate_out_of_range_message_gives_range(client) -> None:
    detail = client.post("/api/evaluate", json={**SMALL, "set": {"denial": 3}}).json()["detail"]
    assert "outside its range [0.0, 1.0]" in detail


# -- OpenAPI ----------------------------------------------------------------------------
def test_openapi_lists_every_endpoint_typed(client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        "/api/countries": "get",
        "/api/countries/{iso3}": "get",
        "/api/presets": "get",
        "/api/parameters": "get",
        "/api/evaluate": "post",
        "/api/studies": "post",
        "/api/jobs/{job_id}": "get",
        "/api/studies/{job_id}/results": "get",
        "/api/studies/{job_id}/report": "get",
        "/": "get",
    }
    for path, method in expected.items():
        assert method in paths[path], path

    def ref(operation: dict[str, Any], code: str = "200") -> str:
        return operation["responses"][code]["content"]["application/json"]["schema"].get("$ref", "")

    evaluate = paths["/api/evaluate"]["post"]
    assert evaluate["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/EvaluateRequest"
    )
    assert ref(evaluate).endswith("/EvaluateResponse")
    assert ref(evaluate, "422").endswith("/ErrorResponse")
    study = paths["/api/studies"]["post"]
    assert study["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Study")
    assert ref(study, "202").endswith("/JobStatus")
    assert ref(paths["/api/studies/{job_id}/results"]["get"]).endswith("/StudyResults")
    schemas = spec["components"]["schemas"]
    assert {"Study", "PolicySpec", "EvaluateRequest", "JobStatus"} <= set(schemas)
    assert schemas["EvaluateRequest"]["properties"]["scenarios"]["maximum"] == 5000
    # every $ref resolves
    refs = set(
        re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', client.get("/openapi.json").text)
    )
    assert refs <= set(schemas)


# -- dashboard --------------------------------------------------------------------------
def test_dashboard_is_self_contained(client) -> None:
    response = client.get("/")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    html = response.text
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    local = [a for a in assets if a.startswith("/static/")]
    assert {"/static/style.css", "/static/js/core.js", "/static/js/main.js"} <= set(local)
    for asset in local:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        if asset.endswith(".png"):
            continue
        text = answer.text
        if asset.endswith(".js"):  # only the SVG namespace name, which is never fetched
            text = text.replace('"http://www.w3.org/2000/svg"', "")
        assert "http://" not in text and "https://" not in text and "@import" not in text
    assert all(a.startswith("/") for a in assets)  # no protocol-relative or remote URLs
    assert not any(a.startswith("//") for a in assets)


def test_import_has_no_side_effects() -> None:
    code = (
        "import sys, techbloc.service; "
        "assert 'fastapi' not in sys.modules and 'pandas' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
