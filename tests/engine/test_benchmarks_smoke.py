"""Benchmark functions on tiny sizes: airlib and both references give the same numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import datasets, run  # noqa: E402
from benchmarks.references import WORKLOADS  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    return datasets.build("tiny", root)


@pytest.mark.parametrize("workload", WORKLOADS)
def test_airlib_equals_pandas_and_duckdb_references(tiny, workload):
    root, dataset, stations = tiny
    ours = run.run_variant("airlib", root, dataset, stations, workload)
    for variant in ("pandas", "duckdb"):
        ref = run.run_variant(variant, root, dataset, stations, workload)
        assert run.compare(ours, ref) == {c: 0 for c in ours.columns if c not in run.KEYS and c in ref.columns}
    # the comparison is not vacuous: valid and invalid values, ranks and (for yoy) changes exist
    value = {"ranking": "pm25_published", "composite": "index_published", "yoy_ytd": "yoy_pct"}[workload]
    assert ours[value].notna().sum() > 10
    assert ours[value].isna().any()


@pytest.mark.parametrize("workload", ["ranking", "composite"])
def test_public_airlib_pipeline_equals_references(tiny, workload):
    """store.read_hourly → validity.daily_statistics → aggregation.aggregate_daily →
    validity.monthly_statistics gives the same numbers as citywide and DuckDB."""
    root, dataset, stations = tiny
    api = run.run_variant("airlib-api", root, dataset, stations, workload)
    for variant in ("airlib", "duckdb"):
        other = run.run_variant(variant, root, dataset, stations, workload)
        assert not any(run.compare(other, api).values())
    assert api["rank"].notna().sum() > 10


def test_compare_detects_a_changed_rank_and_value(tiny):
    root, dataset, stations = tiny
    ours = run.run_variant("airlib", root, dataset, stations, "ranking")
    other = ours.copy()
    i = other["rank"].first_valid_index()
    other.loc[i, "rank"] = other.loc[i, "rank"] + 1
    other.loc[i, "pm25"] = other.loc[i, "pm25"] * (1 + 1e-6)
    assert run.compare(ours, other) == {"pm25": 1, "pm25_published": 0, "rank": 1}
    assert run.compare(ours, other.drop(index=i))["rank"] == 1  # a missing row counts too


def test_sample_of_stations_gives_the_same_town_numbers(tiny):
    root, dataset, stations = tiny
    subset = stations["station"].astype(str).tolist()[:4]
    ours = run.run_variant("airlib", root, dataset, stations, "composite", subset)
    full = run.run_variant("airlib", root, dataset, stations, "composite")
    ref = run.run_variant("duckdb", root, dataset, stations, "composite", subset)
    assert set(ours["town_code"]) == set(stations.loc[stations["station"].isin(subset), "town_code"])
    assert not any(run.compare(ours, ref).values())
    merged = ours.merge(full, on=run.KEYS, suffixes=("", "_full"))
    np.testing.assert_array_equal(merged["index"].to_numpy(), merged["index_full"].to_numpy())


def test_synthetic_generator_is_deterministic_and_exercises_missing_data():
    stations = datasets.stations_for(datasets.SIZES["tiny"])
    a = datasets.synthetic_month(stations, 2024, 2, seed=1)
    b = datasets.synthetic_month(stations, 2024, 2, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) < len(stations) * 29 * 24  # missing rows
    assert a["pm25"].isna().any()  # invalid values
    assert len(datasets.towns()) == 349
    assert len(datasets.stations_for(datasets.SIZES["micro"])["town_code"].unique()) == 349


@pytest.mark.slow
def test_subprocess_measurement_reports_time_memory_and_result(tiny):
    root, dataset, stations = tiny
    info, result = run.measure("airlib", "tiny", "ranking", root, 0)
    # peak is max(VmHWM, baseline) by construction (benchmarks/run.py); what can fail: both
    # readings are real process sizes (a Python process with pandas needs > 50 MiB)
    assert info["seconds"] > 0 and info["baseline_kib"] > 50 * 1024 and info["peak_kib"] > 50 * 1024
    assert not any(run.compare(result, run.run_variant("airlib", root, dataset, stations, "ranking")).values())


# ---------------------------------------------------------------- pipeline workload
@pytest.fixture(scope="module")
def tiny_pipeline(tiny):
    root, dataset, stations = tiny
    return run.run_variant("airlib", root, dataset, stations, "pipeline"), run.run_variant("pandas", root, dataset, stations, "pipeline")


def test_pipeline_airlib_equals_pandas_reference(tiny_pipeline):
    """hourly → valid daily → daily AQI → valid monthly: airlib's public functions and the
    plain-pandas reference give the same numbers (means within 1e-9, counts exactly)."""
    from benchmarks import pipeline

    ours, ref = tiny_pipeline
    assert list(ours.columns) == list(ref.columns) == ["station", "year", "month", *pipeline.RESULT_COLUMNS]
    assert len(ours) == len(ref) == 13 * 6  # 13 stations x 6 months of the tiny store
    assert run.compare(ours, ref) == {c: 0 for c in pipeline.RESULT_COLUMNS}
    # not vacuous: valid and invalid months, every category but the rarest, February rule in play
    assert ours["pm25"].notna().sum() > 50 and ours["pm25"].isna().any()
    assert ours["o3_p90"].notna().sum() > 50
    assert (ours[pipeline.LEVELS[:5]].sum() > 0).all()
    assert ours["days_primary_pm25"].sum() > 100 and ours["days_primary_pm10"].sum() > 100  # winter: no O3
    # a day with AQI > 50 has at least one primary pollutant
    assert (ours[pipeline.PRIMARY].sum(axis=1) >= ours[pipeline.LEVELS[1:]].sum(axis=1)).all()
    feb = ours[ours["month"] == 2]
    assert ((feb["pm25_n"] >= 25) & (feb["pm25_n"] < 27) & feb["pm25"].notna()).any()
    # a station-month has at most one category per day; most days get an AQI
    days = pd.to_datetime(dict(year=ours["year"], month=ours["month"], day=1)).dt.days_in_month
    categorised = ours[pipeline.LEVELS].sum(axis=1)
    assert (categorised <= days).all() and (categorised == days).mean() > 0.5


def test_pipeline_result_does_not_depend_on_chunking(tiny):
    from benchmarks import pipeline

    root, dataset, _ = tiny
    by_year = pipeline.airlib_pipeline(root, dataset, chunk="year")
    by_month = pipeline.airlib_pipeline(root, dataset, chunk="month")
    assert not any(run.compare(by_year, by_month).values())
    sub = by_year["station"].unique()[:3].tolist()
    sample = pipeline.airlib_pipeline(root, dataset, sub)
    assert set(sample["station"]) == set(sub)
    assert not any(run.compare(sample, by_year[by_year["station"].isin(sub)]).values())


def test_pipeline_compare_sees_a_changed_category_count(tiny_pipeline):
    ours, ref = tiny_pipeline
    bad = ref.copy()
    i = bad.index[bad["days_level3"] > 0][0]
    bad.loc[i, "days_level3"] -= 1
    bad.loc[i, "days_level2"] += 1
    assert run.compare(ours, bad)["days_level3"] == 1
    assert run.compare(ours, bad)["days_level2"] == 1


def test_pipeline_reference_iaqi_edges():
    """The reference's IAQI: breakpoints exact, ceiling, cap above the table, O3 8 h > 800."""
    from benchmarks.pipeline import _iaqi_2012

    pm = _iaqi_2012(pd.Series([0.0, 35.0, 35.1, 75.0, 500.0, 501.0, np.nan]), "pm25")
    np.testing.assert_array_equal(pm.to_numpy(), [0, 50, 51, 100, 500, 500, np.nan])
    o3 = _iaqi_2012(pd.Series([160.0, 800.0, 800.5]), "o3_8h")
    np.testing.assert_array_equal(o3.to_numpy(), [100, 300, np.nan])
    co = _iaqi_2012(pd.Series([2.0, 2.1]), "co")
    np.testing.assert_array_equal(co.to_numpy(), [50, 53])


def test_pipeline_airlib_equals_reference_at_the_table_edges(tmp_path):
    """An adversarial store: each station-day holds one concentration per pollutant at, just
    above or just below an HJ 633—2012 breakpoint or beyond the table (PM2.5 > 500, O3 8 h > 800,
    O3 1 h > 1200), with 0–6 hours missing as absent rows or NaN, over February and March 2024
    (25/27-day rules). airlib and the plain-pandas reference must still agree exactly."""
    from airlib.io.store import write_hourly
    from benchmarks import pipeline

    rng = np.random.default_rng(20240229)
    stations = [f"S{i}" for i in range(6)]
    days = pd.date_range("2024-02-01", "2024-03-31")
    n_s, n_d = len(stations), len(days)

    def edge_values(bp, step):
        bp = np.asarray(bp, dtype=float)
        cand = np.concatenate([bp, bp + step, np.maximum(bp - step, 0), [bp[-1] * 1.3]])
        return rng.choice(cand, size=(n_s, n_d))

    daily = {p: edge_values(pipeline.HJ633_2012_DAILY[p], 0.1 if p == "co" else 1) for p in pipeline.MEAN}
    daily["o3"] = edge_values(pipeline.HJ633_2012_DAILY["o3_8h"] + pipeline.HJ633_2012_DAILY["o3_1h"], 1)
    s_idx, d_idx, h = np.meshgrid(np.arange(n_s), np.arange(n_d), np.arange(24), indexing="ij")
    frame = pd.DataFrame(
        {
            "station": pd.array(np.asarray(stations)[s_idx.ravel()], dtype="string"),
            "time": days.to_numpy()[d_idx.ravel()] + h.ravel().astype("timedelta64[h]"),
        }
    )
    for p, v in daily.items():
        frame[p] = v[s_idx.ravel(), d_idx.ravel()]
    # per station-day drop 0-6 hours: half as absent rows, half as NaN of one pollutant
    k = rng.integers(0, 7, size=(n_s, n_d))[s_idx.ravel(), d_idx.ravel()]
    gone = h.ravel() < k
    as_nan = gone & (rng.random(len(frame)) < 0.5)
    for p in pipeline.POLLUTANTS:
        frame.loc[as_nan & (rng.random(len(frame)) < 0.5), p] = np.nan
    frame = frame[~(gone & ~as_nan)].reset_index(drop=True)
    # station S5 loses March 5-9 altogether (27-day rule), S4 loses Feb 26-29 (25 days: valid)
    out_s5 = (frame["station"] == "S5") & frame["time"].between("2024-03-05", "2024-03-09 23:00")
    out_s4 = (frame["station"] == "S4") & (frame["time"] >= "2024-02-26") & (frame["time"] < "2024-03-01")
    frame = frame[~(out_s5 | out_s4)].reset_index(drop=True)
    write_hourly(frame, tmp_path, "edges", source="test")

    ours = pipeline.airlib_pipeline(tmp_path, "edges")
    ref = pipeline.pandas_reference(tmp_path / "edges" / "hourly")
    assert len(ours) == len(ref) == n_s * 2
    assert run.compare(ours, ref) == {c: 0 for c in pipeline.RESULT_COLUMNS}
    # the edges were reached: top categories present, valid and invalid months both occur
    assert ours["days_level6"].sum() > 0 and ours["days_level1"].sum() > 0
    assert (ours[pipeline.PRIMARY].sum() > 0).all()  # every pollutant is primary somewhere
    assert ours["pm25"].notna().any() and ours["pm25"].isna().any()
    feb4 = ours[(ours["station"] == "S4") & (ours["month"] == 2)]
    assert feb4["pm25_n"].iloc[0] <= 25


def test_micro_network_qc_equals_the_pandas_reference_and_finds_the_faults():
    """benchmarks.micro_network at a small size: airlib's QC and the plain pandas version give
    the same flag on every row; the injected faults are found (times are not asserted)."""
    from benchmarks import micro_network

    net = micro_network.synthetic_network(n_stations=60, month="2024-02", seed=3)
    again = micro_network.synthetic_network(n_stations=60, month="2024-02", seed=3)
    pd.testing.assert_frame_equal(net.micro_hourly, again.micro_hourly)
    recs = micro_network.bench_qc(net, repeat=1)
    mism = recs[0]["mismatches"]
    assert mism and not any(mism.values()), mism
    assert recs[0]["faults_found"] == f"{len(net.faults)}/{len(net.faults)}"
    # the comparison is not vacuous: every fault kind is flagged somewhere
    from airlib.analysis.sensor_qc import qc_flags

    flags = qc_flags(net.micro_hourly, net.micro_stations, net.reference_hourly, net.reference_stations)
    for f in ("stuck", "spike", "step", "drift", "missing"):
        assert flags[f"pm25_qc_{f}"].any(), f
    # a changed flag is counted
    other = flags.copy()
    other.loc[other.index[5], "pm25_qc_spike"] = ~other.loc[other.index[5], "pm25_qc_spike"]
    assert micro_network.compare_flags(flags, other)["pm25_qc_spike"] == 1
    # the optional steps of the other parts: one record each, present or not
    assert len(micro_network.optional_steps(net)) == len(micro_network.OPTIONAL_STEPS)
