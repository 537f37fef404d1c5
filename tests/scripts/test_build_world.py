"""scripts/build_world.py: rebuilding from ../shared reproduces the committed bundle."""

import importlib.util
import os
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TECHBLOC_SHARED_DATA", REPO.parent / "shared" / "data"))
BUNDLE = Path(str(resources.files("techbloc") / "data"))
needs_shared = pytest.mark.skipif(
    not (SHARED / "countries.csv").is_file(), reason="../shared/data not available"
)


def load_script():
    spec = importlib.util.spec_from_file_location("build_world", REPO / "scripts/build_world.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_number_parsing_keeps_values():
    bw = load_script()
    assert bw._num("1,820.80 e") == 1820.8
    assert bw._num("27374.8") == 27374.8
    for marker in ("...", ". .", "xxx", "", "#N/A"):
        assert pd.isna(bw._num(marker))


def test_missing_source_fails_clearly(tmp_path):
    bw = load_script()
    with pytest.raises(SystemExit, match="shared data not found"):
        bw.build(tmp_path / "nope", tmp_path / "out")


@needs_shared
def test_rebuild_reproduces_committed_bundle(tmp_path):
    bw = load_script()
    out = bw.build(SHARED, tmp_path / "data")
    for rel in (
        "indicators.csv",
        "countries.csv",
        "defence_pairs.csv",
        "memberships.csv",
        "frictions.csv",
        "hedging.csv",
        "china_disputes.csv",
        "pew_views_of_china.csv",
        "pew_views_of_us.csv",
        "aspi_coercion_counts.csv",
        "noncommercial/eto_country_item_shares.csv",
        "noncommercial/LICENCE.md",
        "PROVENANCE.md",
    ):
        assert (out / rel).read_bytes() == (BUNDLE / rel).read_bytes(), rel


@needs_shared
def test_env_var_selects_source(tmp_path, monkeypatch):
    bw = load_script()
    monkeypatch.setenv(bw.ENV_VAR, str(SHARED))
    assert bw.main(["--out", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "indicators.csv").is_file()


def test_noncommercial_data_kept_apart():
    assert (BUNDLE / "noncommercial" / "LICENCE.md").read_text().count("CC BY-NC 4.0") >= 1
    ind = pd.read_csv(BUNDLE / "indicators.csv")
    assert not ind["indicator"].str.startswith("semis_").any()
    assert "ETO" not in " ".join(ind["source"].unique())
    prov = (BUNDLE / "PROVENANCE.md").read_text()
    assert "noncommercial/" in prov and "CC BY-NC 4.0" in prov
