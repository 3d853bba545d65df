"""The Dask path (airlib.engine.backends) on a small LocalCluster on loopback: results equal the
pandas path exactly."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from airlib.engine import backends, citywide  # noqa: E402
from airlib.io.store import read_hourly, write_hourly  # noqa: E402
from airlib.standards.validity import daily_statistics  # noqa: E402
from benchmarks.datasets import synthetic_month  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    stations = pd.DataFrame(
        {"station": [f"S{i:02d}" for i in range(9)], "town_code": ["110109001"] * 4 + ["110109002"] * 3 + ["110109003"] * 2}
    )
    frames = [synthetic_month(stations, y, m, seed=5) for y, m in [(2023, 1), (2023, 2), (2024, 1), (2024, 2)]]
    hourly = pd.concat(frames, ignore_index=True)
    # a station that starts late and one absent for a whole month inside its span
    hourly = hourly[~((hourly["station"] == "S08") & (hourly["time"] < "2023-01-10"))]
    hourly = hourly[~((hourly["station"] == "S07") & (hourly["time"].dt.month == 2) & (hourly["time"].dt.year == 2023))]
    write_hourly(hourly, root, "d")
    return root, "d", stations


def _sorted(frame: pd.DataFrame, keys) -> pd.DataFrame:
    return frame.sort_values(list(keys)).reset_index(drop=True)


def _assert_same_daily(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same rows, counts, flags and values. Integer-valued µg/m³ pollutants must match bit for
    bit; CO (one decimal, mg/m³) within 1e-14 relative, because a BLAS-based daily kernel may
    round the last bit differently for a different number of rows per call."""
    co = [c for c in ("co",) if c in expected]
    pd.testing.assert_frame_equal(got.drop(columns=co), expected.drop(columns=co), check_exact=True)
    for c in co:
        u, v = got[c].to_numpy(), expected[c].to_numpy()
        assert np.array_equal(np.isnan(u), np.isnan(v))
        np.testing.assert_allclose(u, v, rtol=1e-14, atol=0)


def test_daily_statistics_dask_equals_pandas_aligned_and_shuffled(client, store):
    root, ds, _ = store
    ddf = backends.read_hourly(root, ds)
    assert ddf.npartitions == 4
    full = daily_statistics(read_hourly(root, ds))
    # the pandas path also lays out the months between the stored ones (2023-03 … 2023-12) as
    # invalid days; the store-aligned path has rows for stored months only (documented)
    stored = full["date"].dt.to_period("M").isin(pd.PeriodIndex(["2023-01", "2023-02", "2024-01", "2024-02"], freq="M"))
    expected = _sorted(full[stored], ["station", "date"])
    aligned = _sorted(backends.daily_statistics(ddf, aligned=True).compute(), ["station", "date"])
    _assert_same_daily(aligned, expected)
    shuffled = _sorted(backends.daily_statistics(ddf.repartition(npartitions=3)).compute(), ["station", "date"])
    _assert_same_daily(shuffled, _sorted(full, ["station", "date"]))
    # the edges were exercised: invalid days exist and S07 has its absent month as invalid rows
    s07 = expected[(expected["station"] == "S07") & (expected["date"].dt.month == 2) & (expected["date"].dt.year == 2023)]
    assert len(s07) == 28 and not s07["pm25_valid"].any()


def test_town_monthly_table_and_rank_month_dask_equal_pandas(client, store):
    root, ds, stations = store
    expected = citywide.town_monthly_table(root, ds, stations)
    got = citywide.town_monthly_table(root, ds, stations, backend="dask")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert expected["pm25"].notna().any() and expected["o3_p90"].notna().any()
    r_pd = citywide.rank_month(root, ds, stations, 2024, 2)
    r_dk = citywide.rank_month(root, ds, stations, 2024, 2, backend="dask")
    pd.testing.assert_frame_equal(r_dk, r_pd, check_exact=True)
    assert r_pd["rank"].notna().sum() >= 1


def test_unknown_backend_is_an_input_error(store):
    from airlib.errors import InputDataError

    root, ds, stations = store
    with pytest.raises(InputDataError, match="backend"):
        citywide.town_monthly_table(root, ds, stations, backend="spark")
    assert np.isfinite(citywide.town_monthly_table(root, ds, stations)["pm25_days"]).all()


def test_sensor_qc_over_station_partitions_equals_pandas(client):
    """airlib.engine.backends.sensor_qc_flags (QC of station groups as Dask tasks on the
    cluster) gives exactly the flags of one pandas qc_flags call, rows in the input order."""
    from airlib.analysis.sensor_qc import qc_flags
    from benchmarks.micro_network import synthetic_network

    net = synthetic_network(n_stations=40, month="2024-02", seed=4)
    hourly = net.micro_hourly.sample(frac=1.0, random_state=1)  # any row order is kept
    args = (hourly, net.micro_stations, net.reference_hourly, net.reference_stations)
    ours = qc_flags(*args)
    dk = backends.sensor_qc_flags(*args, npartitions=3)
    pd.testing.assert_frame_equal(dk, ours)
    assert ours["pm25_qc_step"].any() and ours["pm25_qc_spike"].any() and ours["pm25_qc_drift"].any()
    # without a reference the step check uses the network median, computed once for all groups
    pd.testing.assert_frame_equal(backends.sensor_qc_flags(hourly, net.micro_stations, npartitions=4),
                                  qc_flags(hourly, net.micro_stations))
    # co-location windows (比对期) segment each station's series: the same flags from the groups
    from airlib.analysis.calibration import nearest_reference

    pairs = nearest_reference(net.micro_stations, net.reference_stations)
    pairs = pairs.assign(reference=pairs["reference"].fillna(net.reference_stations["station"].iloc[0]))  # any named one
    t0 = net.month.start_time
    first = pairs.iloc[::2].assign(start=t0, end=t0 + pd.Timedelta(hours=24 * 5 - 1))  # 5 days at the start
    later = pairs.iloc[1::3].assign(start=t0 + pd.Timedelta(days=12), end=t0 + pd.Timedelta(days=12, hours=30))
    windows = pd.concat([first, later])[["station", "reference", "start", "end"]]
    seg = qc_flags(*args, colocation=windows)
    assert not seg.equals(ours)  # the windows change flags …
    pd.testing.assert_frame_equal(backends.sensor_qc_flags(*args, npartitions=3, colocation=windows), seg)
