"""A store's arrays read a slice or a statistic at a time, against pandas on the whole table."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.errors import DataError
from techbloc.report.arrays import StoredArrays, mean, median, quantile, share
from techbloc.report.data import COUNTRY_ARRAYS

DIMS = ["scenario", "policy", "country"]


@pytest.fixture(scope="module")
def stored(store):
    """The small study's per-country outputs, read whole by the store and a slice at a
    time."""
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store) as results:
        whole = results.trajectories(list(COUNTRY_ARRAYS))
        outputs = StoredArrays(results.array_files(DIMS), DIMS, COUNTRY_ARRAYS, results.policies)
    return whole, outputs


def _pandas_stats(part: pd.DataFrame) -> pd.DataFrame:
    """The statistics of :func:`_sql_stats`, the pandas way."""
    by = part.groupby("country")
    return pd.DataFrame(
        {
            "accepted": by["accepted"].mean(),
            "gain": by["joining_gain"].median(),
            "will_p10": by["will"].quantile(0.1),
            "will_p90": by["will"].quantile(0.9),
            "wants": (part["joining_gain"] > 0).groupby(part["country"]).mean(),
            "both": ((part["accepted"] > 0.5) & (part["joining_gain"] > 0))
            .groupby(part["country"])
            .mean(),
        }
    )


def _sql_stats() -> dict[str, str]:
    return {
        "accepted": mean("accepted"),
        "gain": median("joining_gain"),
        "will_p10": quantile("will", 0.1),
        "will_p90": quantile("will", 0.9),
        "wants": share("joining_gain > 0"),
        "both": share("accepted::DOUBLE > 0.5 AND joining_gain > 0"),
    }


def test_series_is_the_slice_of_the_whole_table(stored):
    whole, outputs = stored
    assert whole["joining_gain"].isna().any()  # members have no joining gain
    for policy in ("forging_core", "core+IDN cb"):
        for country in ("KOR", "IDN", "USA"):
            for column in COUNTRY_ARRAYS:
                got = outputs.series(policy, country, column)
                part = whole[(whole["policy"] == policy) & (whole["country"] == country)]
                want = part.set_index("scenario")[column].astype(float)
                pd.testing.assert_series_equal(got, want)


def test_summary_by_country_follows_pandas(stored):
    whole, outputs = stored
    for policy in ("forging_core", "t12"):
        got = outputs.summary(policy, **_sql_stats())
        want = _pandas_stats(whole[whole["policy"] == policy])
        pd.testing.assert_frame_equal(got, want, rtol=1e-14, check_names=False)
        assert list(got.index) == sorted(whole["country"].unique())


def test_summary_filters_keys(stored):
    _, outputs = stored
    core = ["USA", "JPN", "GBR", "AUS", "CAN"]
    only = outputs.summary("forging_core", keys=core, will=median("will"))
    assert sorted(only.index) == sorted(core)
    rest = outputs.summary("forging_core", exclude=core, will=median("will"))
    assert not set(rest.index) & set(core) and len(rest) == 58 - len(core)
    assert outputs.summary("forging_core", keys=[], will=median("will")).empty


def test_percentiles_by_year_follow_numpy(store):
    """The fan charts' percentiles by year, for a policy and for some futures."""
    from techbloc.experiments.store import ResultsStore

    name = "china_knowledge_vs_status_quo_trajectory"
    with ResultsStore.open(store) as results:
        paths = results.trajectories([name], policies=["t12"])
        arrays = StoredArrays(
            results.array_files(["scenario", "policy", "year"]),
            ["scenario", "policy", "year"],
            [name],
            ["t12"],
        )
        credibility = results.trajectories(["credibility"])
        by_year = StoredArrays(
            results.array_files(["scenario", "year"]), ["scenario", "year"], ["credibility"]
        )
    got = arrays.summary("t12", p10=quantile(name, 0.1), p90=quantile(name, 0.9))
    table = paths.pivot_table(index="year", columns="scenario", values=name)
    want = np.nanpercentile(table.to_numpy(float), [10, 90], axis=1).T
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-14)
    assert list(got.index) == list(table.index)
    some = [3, 5, 8, 13, 21]
    got = by_year.restricted(some).summary(p50=median("credibility"))
    part = credibility[credibility["scenario"].isin(some)]
    np.testing.assert_allclose(got["p50"], part.groupby("year")["credibility"].median())
    assert by_year.summary(p50=median("credibility"))["p50"].ne(got["p50"]).any()
    assert by_year.restricted([]).summary(p50=median("credibility")).empty


def test_bad_requests_are_refused(stored):
    _, outputs = stored
    with pytest.raises(DataError, match=r"no will, protection.* were read for policy 'nope'"):
        outputs.series("nope", "KOR", "will")
    with pytest.raises(DataError, match="no array named 'margin' was read"):
        outputs.series("forging_core", "KOR", "margin")
    with pytest.raises(DataError, match="have no policy dim"):
        StoredArrays(outputs.files, ["scenario", "year"], ["credibility"]).series(
            "p", 2030, "credibility"
        )
    with pytest.raises(ValueError, match="not scenario"):
        StoredArrays(outputs.files, ["scenario", "policy"], ["will"])
    with pytest.raises(ValueError, match="at least one statistic"):
        outputs.summary("forging_core")
    with pytest.raises(ValueError, match="outside"):
        quantile("will", 1.5)


def test_pickles_without_its_connection(stored):
    _, outputs = stored
    before = outputs.series("forging_core", "KOR", "will")  # opens the connection
    copy = pickle.loads(pickle.dumps(outputs))
    assert copy._con is None
    pd.testing.assert_series_equal(copy.series("forging_core", "KOR", "will"), before)


def test_read_store_reads_no_country_rows(store):
    from techbloc.report.data import read_store

    data = read_store(store)
    assert isinstance(data.countries, StoredArrays)
    assert data.roles.core in data.countries.policies
    with pytest.raises(DataError, match="were read for policy 'not a policy'"):
        data.country("not a policy", "KOR", "will")


values = st.one_of(st.just(float("nan")), st.floats(-1.0, 1.0, width=32), st.just(0.0))


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["AAA", "BBB", "CCC"]), values, values, st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_statistics_follow_pandas_with_nan_and_ties(rows):
    frame = pd.DataFrame(rows, columns=["country", "will", "joining_gain", "accepted"])
    frame.insert(0, "policy", "p")
    frame.insert(0, "scenario", np.arange(len(frame)))
    for column in ("protection", "leakage_to_china_by_country"):
        frame[column] = 0.5
    frame["member"] = True
    with tempfile.TemporaryDirectory() as tmp:
        import duckdb

        path = str(Path(tmp) / "part.parquet")
        duckdb.connect().execute(f"COPY (SELECT * FROM frame) TO '{path}' (FORMAT parquet)")
        got = StoredArrays([path], DIMS, COUNTRY_ARRAYS, ["p"]).summary("p", **_sql_stats())
    want = _pandas_stats(frame)
    pd.testing.assert_frame_equal(got, want, rtol=1e-12, check_names=False)


def test_a_file_gone_since_the_store_was_read_is_a_clear_error(stored, tmp_path):
    import shutil

    from techbloc.errors import StoreError

    _, outputs = stored
    copies = [shutil.copy(f, tmp_path) for f in outputs.files]
    moved = StoredArrays(copies, DIMS, COUNTRY_ARRAYS, outputs.policies)
    moved.series("forging_core", "KOR", "will")
    Path(copies[0]).unlink()
    with pytest.raises(StoreError, match="the store changed while the report read it"):
        moved.series("forging_core", "KOR", "will")


def test_a_sample_of_the_futures_restricts_everything(store):
    from techbloc.report.data import read_store

    data = read_store(store)
    assert data.sample(0) is data and data.sample(len(data.scenarios)) is data
    sample = data.sample(25)
    assert sample.sampled_from == len(data.scenarios) == 60 and data.sampled_from == 0
    ids = list(sample.scenarios.index)
    assert len(ids) == 25 and ids == sorted(ids) and set(ids) < set(data.scenarios.index)
    assert set(sample.outcomes["scenario"]) == set(ids)
    assert list(data.sample(25).scenarios.index) == ids  # the study's seed draws them
    kor = sample.country("forging_core", "KOR", "will")
    assert list(kor.index) == ids
    pd.testing.assert_series_equal(kor, data.country("forging_core", "KOR", "will").loc[ids])
    copy = pickle.loads(pickle.dumps(sample.countries))
    assert len(copy.series("forging_core", "KOR", "will")) == 25
    assert sample.credibility is not None
    years = sample.credibility.summary(p50=median("credibility"))
    by_hand = data.credibility.restricted(ids).summary(p50=median("credibility"))
    pd.testing.assert_frame_equal(years, by_hand)
    # restricting a sample again keeps it within the sample
    every = list(data.scenarios.index)
    again = sample.credibility.restricted(every).summary(p50=median("credibility"))
    pd.testing.assert_frame_equal(again, years)
