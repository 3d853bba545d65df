"""airlib.engine.citywide: validity rules at their edges, ranking ties and precision, YTD, errors,
and agreement with airlib.standards.validity on the station daily values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.engine import citywide as cw
from airlib.errors import InputDataError
from airlib.io.store import write_hourly


def _hours(station: str, day: str, hours, **values) -> pd.DataFrame:
    t = pd.Timestamp(day) + pd.to_timedelta(list(hours), unit="h")
    frame = pd.DataFrame({"station": station, "time": t})
    for k, v in values.items():
        frame[k] = v
    return frame


def _daily(frame: pd.DataFrame, year: int, month: int, stations=None):
    stations = sorted(frame["station"].unique()) if stations is None else stations
    codes = pd.Index(stations)
    table = __import__("pyarrow").Table.from_pandas(frame, preserve_index=False)
    si, hi, values, n_days = cw._month_arrays(table, codes, year, month)
    return cw.station_daily_month(si, hi, values, len(codes), n_days)


def test_daily_mean_needs_20_valid_hours_and_missing_rows_count_as_missing():
    ok = _hours("A", "2023-05-01", range(20), pm25=10.0)  # 20 rows present, 4 missing rows
    short = _hours("A", "2023-05-02", range(24), pm25=[10.0] * 19 + [np.nan] * 5)  # 19 valid
    d = _daily(pd.concat([ok, short]), 2023, 5)["pm25"]
    assert d[0, 0] == 10.0
    assert np.isnan(d[0, 1])
    assert np.isnan(d[0, 2])  # no rows at all


def test_daily_mean_is_mean_of_valid_hours():
    vals = [float(v) for v in range(24)]
    vals[3] = np.nan
    d = _daily(_hours("A", "2023-05-01", range(24), pm25=vals), 2023, 5)["pm25"]
    assert d[0, 0] == pytest.approx(np.nanmean(vals))


def test_mda8_fourteen_windows_and_exceedance_rule():
    # hours 0..15 valid -> windows starting 0..10 have >= 6 valid hours ... count them directly
    base = _hours("A", "2023-07-01", range(24), o3=100.0)
    # day 2: only hours 0..18 present -> windows starting s have min(8, 19-s) valid -> s <= 13: 14 windows
    d2 = _hours("A", "2023-07-02", range(19), o3=100.0)
    # day 3: only hours 0..17 present -> 13 valid windows, MDA8 100 (no exceedance) -> invalid
    d3 = _hours("A", "2023-07-03", range(18), o3=100.0)
    # day 4: same 13 windows but the values exceed 160 -> valid by the exceedance rule
    d4 = _hours("A", "2023-07-04", range(18), o3=170.0)
    # day 5: 13 windows, exactly 160 -> not an exceedance -> invalid
    d5 = _hours("A", "2023-07-05", range(18), o3=160.0)
    o3 = _daily(pd.concat([base, d2, d3, d4, d5]), 2023, 7)["o3"][0]
    assert o3[0] == 100.0
    assert o3[1] == 100.0
    assert np.isnan(o3[2])
    assert o3[3] == 170.0
    assert np.isnan(o3[4])


def test_mda8_window_needs_six_hours_and_stays_inside_the_day():
    vals = np.full(24, np.nan)
    vals[:] = 50.0
    vals[16:24] = [300, 300, 300, 300, 300, np.nan, np.nan, np.nan]  # last window: 5 valid -> invalid
    vals[15] = np.nan
    day = _hours("A", "2023-07-01", range(24), o3=vals)
    nxt = _hours("A", "2023-07-02", range(24), o3=1000.0)  # must not leak into day 1
    o3 = _daily(pd.concat([day, nxt]), 2023, 7)["o3"][0]
    # window 14 (hours 14..21): 50, NaN, 300 x 5, NaN -> 6 valid -> the MDA8;
    # windows 15 and 16 have only 5 valid hours (mean 300) and must not count,
    # and no window reaches into the next day (1000)
    assert o3[0] == pytest.approx((50 + 300 * 5) / 6)


def _month_frame(station: str, year: int, month: int, valid_days: int, value: float) -> pd.DataFrame:
    start = pd.Timestamp(year, month, 1)
    n = start.days_in_month
    frame = _hours(station, start, range(n * 24), pm25=value)
    day = (frame["time"] - start).dt.days
    return frame[day < valid_days]


def _store(tmp_path, frames, stations):
    write_hourly(pd.concat(frames, ignore_index=True), tmp_path, "t")
    return tmp_path, "t", stations


@pytest.mark.parametrize(("month", "need"), [(1, 27), (2, 25), (4, 27)])
def test_monthly_valid_day_threshold(tmp_path, month, need):
    stations = pd.DataFrame({"station": ["A", "B"], "town_code": ["110109001", "110109002"]})
    frames = [_month_frame("A", 2023, month, need, 30.0), _month_frame("B", 2023, month, need - 1, 30.0)]
    root, ds, st = _store(tmp_path, frames, stations)
    table = cw.town_monthly_table(root, ds, st, pollutants=("pm25",))
    assert table["pm25"].tolist()[0] == 30.0
    assert np.isnan(table["pm25"].tolist()[1])
    assert table["pm25_days"].tolist() == [need, need - 1]


def test_town_value_is_mean_of_its_valid_stations(tmp_path):
    stations = pd.DataFrame({"station": ["A", "B", "C"], "town_code": ["T1", "T1", "T2"]})
    frames = [_month_frame("A", 2023, 3, 31, 30.0), _month_frame("B", 2023, 3, 31, 41.0), _month_frame("C", 2023, 3, 31, 5.0)]
    root, ds, st = _store(tmp_path, frames, stations)
    table = cw.town_monthly_table(root, ds, st, pollutants=("pm25",))
    assert table.set_index("town_code")["pm25"].to_dict() == {"T1": 35.5, "T2": 5.0}


def test_ranking_published_precision_and_min_ties():
    table = pd.DataFrame(
        {
            "town_code": ["a", "b", "c", "d", "a", "b", "c", "d"],
            "year": [2023] * 4 + [2024] * 4,
            "month": [1] * 8,
            "pm25": [30.4, 29.6, 31.0, np.nan, 30.44, 30.36, 30.45, 30.5],
        }
    )
    out = cw.monthly_ranking(table)
    y23 = out[out["year"] == 2023]
    assert y23["pm25_published"].tolist()[:3] == [30.0, 30.0, 31.0]  # integers through 2023
    assert y23["rank"].tolist()[:3] == [1, 1, 3]  # ties share the smallest rank
    assert y23["rank"].isna().tolist()[3]
    y24 = out[out["year"] == 2024]
    assert y24["pm25_published"].tolist() == [30.4, 30.4, 30.4, 30.5]  # 30.45 -> 30.4 (half to even)
    assert y24["rank"].tolist() == [1, 1, 1, 4]


def test_percentile_rows_linear_method_matches_standard_vector():
    x = np.array([[3, 4, 8, 2, 5, 4, np.nan], [np.nan] * 7, [1, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]])
    out = cw.percentile_rows(x, 90)
    assert out[0] == pytest.approx(6.5)  # standards.md §2.2 test vector
    assert np.isnan(out[1])
    assert out[2] == 1.0
    rng = np.random.default_rng(1)
    y = rng.random((20, 31))
    y[rng.random((20, 31)) < 0.2] = np.nan
    np.testing.assert_allclose(cw.percentile_rows(y, 95), np.nanpercentile(y, 95, axis=1), rtol=1e-12)


def test_ytd_invalid_after_an_invalid_month_and_yoy_on_published_values(tmp_path):
    stations = pd.DataFrame({"station": ["A"], "town_code": ["T1"]})
    frames = [
        _month_frame("A", 2022, 1, 31, 40.0),
        _month_frame("A", 2022, 2, 28, 50.0),
        _month_frame("A", 2023, 1, 31, 30.0),
        _month_frame("A", 2023, 2, 20, 30.0),  # invalid month
        _month_frame("A", 2023, 3, 31, 30.0),
    ]
    root, ds, st = _store(tmp_path, frames, stations)
    out = cw.yoy_ytd(cw.town_monthly_table(root, ds, st, pollutants=("pm25",))).set_index(["year", "month"])
    assert out.loc[(2022, 2), "ytd_pm25"] == pytest.approx((40 * 31 + 50 * 28) / 59)
    assert out.loc[(2023, 1), "yoy_pct"] == -25.0
    assert np.isnan(out.loc[(2023, 2), "ytd_pm25"])
    assert np.isnan(out.loc[(2023, 3), "ytd_pm25"])  # an earlier month of the year is invalid
    assert out.loc[(2023, 1), "ytd_yoy_pct"] == -25.0


def test_duplicate_station_hour_and_unknown_station_raise(tmp_path):
    frame = _hours("A", "2023-05-01", [0, 0, 1], pm25=1.0)
    with pytest.raises(InputDataError, match="duplicate"):
        _daily(frame, 2023, 5)
    stations = pd.DataFrame({"station": ["A"], "town_code": ["T1"]})
    root, ds, st = _store(tmp_path, [_month_frame("A", 2023, 5, 31, 1.0), _month_frame("Z", 2023, 5, 31, 1.0)], stations)
    with pytest.raises(InputDataError, match="not in the station registry"):
        cw.town_monthly_table(root, ds, st)
    only = cw.town_monthly_table(root, ds, st, pollutants=("pm25",), only_registry=True)
    assert only["pm25"].tolist() == [1.0]


def test_station_daily_values_equal_airlib_validity():
    from benchmarks.datasets import synthetic_month

    validity = pytest.importorskip("airlib.standards.validity")
    stations = pd.DataFrame({"station": [f"S{i:02d}" for i in range(12)], "town_code": ["T"] * 12})
    frame = synthetic_month(stations, 2023, 7, seed=3)
    ours = _daily(frame, 2023, 7, stations["station"].tolist())
    ref = validity.daily_statistics(frame, start="2023-07-01", end="2023-07-31")
    ref = ref.sort_values(["station", "date"])
    for p in ("pm25", "pm10", "so2", "no2"):  # integer µg/m³ values: sums are exact
        np.testing.assert_array_equal(ours[p].ravel(), ref[p].to_numpy())
    # CO has one decimal: summation order may differ in the last bit
    np.testing.assert_allclose(ours["co"].ravel(), ref["co"].to_numpy(), rtol=1e-13)
    assert np.array_equal(np.isnan(ours["co"].ravel()), np.isnan(ref["co"].to_numpy()))
    np.testing.assert_array_equal(ours["o3"].ravel(), ref["o3_8h"].to_numpy())
    assert np.isnan(ours["pm25"]).any() and np.isnan(ours["o3"]).any()  # the rules did bite


# --- the streamed month job: Arrow table -> hour-major positions (citywide._month_grid) ---


def _grid_daily(table, codes, year, month, ws=None, drop_unknown=False):
    tpos, values, nulls, n_days = cw._month_grid(table, pd.Index(codes), year, month, drop_unknown=drop_unknown, ws=ws)
    return cw._daily_from_positions(tpos, values, len(codes), n_days, None, ws, nulls)


def _gappy_month(stations, year, month, seed, unit="us"):
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    start = pd.Timestamp(year, month, 1)
    n = start.days_in_month * 24
    frames = []
    for s in stations:
        keep = rng.random(n) > 0.08  # missing rows
        t = start + pd.to_timedelta(np.flatnonzero(keep), unit="h")
        v = rng.integers(1, 300, keep.sum()).astype(float)
        v[rng.random(len(v)) < 0.05] = np.nan
        frames.append(pd.DataFrame({"station": s, "time": t.as_unit(unit), "pm25": v, "o3": v[::-1].copy()}))
    frame = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=seed)  # any row order
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # nulls (not only NaN) in the values and two chunks
    pm = table.column("pm25").to_pylist()
    pm[::97] = [None] * len(pm[::97])
    table = table.set_column(table.schema.get_field_index("pm25"), "pm25", pa.array(pm, pa.float64()))
    half = table.num_rows // 2
    return pa.concat_tables([table.slice(0, half), table.slice(half)]), frame


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_month_grid_equals_row_arrays_path(unit):
    codes = ["B", "A", "C"]
    table, _ = _gappy_month(codes, 2024, 2, seed=1, unit=unit)
    assert table.column("time").num_chunks == 2
    ours = _grid_daily(table, codes, 2024, 2)
    si, hi, values, n_days = cw._month_arrays(table, pd.Index(codes), 2024, 2)
    ref = cw.station_daily_month(si, hi, values, len(codes), n_days)
    assert set(ours) == {"pm25", "o3"} and ours["pm25"].shape == (3, 29)
    for p in ours:
        np.testing.assert_array_equal(ours[p], ref[p])
    assert np.isnan(ours["pm25"]).any() and (~np.isnan(ours["pm25"])).any()
    # one chunk with an offset (validity bitmap and data read from the right position)
    sliced = table.combine_chunks().slice(7)
    assert sliced.column("pm25").num_chunks == 1 and sliced.column("pm25").chunk(0).offset == 7
    ours = _grid_daily(sliced, codes, 2024, 2, ws=cw._Workspace())
    si, hi, values, n_days = cw._month_arrays(sliced, pd.Index(codes), 2024, 2)
    ref = cw.station_daily_month(si, hi, values, len(codes), n_days)
    for p in ours:
        np.testing.assert_array_equal(ours[p], ref[p])


@pytest.mark.parametrize("unit", ["s", "ns"])
def test_month_grid_before_1970(unit):
    """Negative epoch ticks: hours are floored, not truncated towards zero."""
    codes = ["A", "B"]
    table, _ = _gappy_month(codes, 1969, 12, seed=5, unit=unit)
    ours = _grid_daily(table, codes, 1969, 12)
    si, hi, values, n_days = cw._month_arrays(table, pd.Index(codes), 1969, 12)
    ref = cw.station_daily_month(si, hi, values, len(codes), n_days)
    for p in ours:
        np.testing.assert_array_equal(ours[p], ref[p])
    assert (~np.isnan(ours["pm25"])).sum() > 40
    off = _table(["1969-12-31 22:00", "1969-12-31 22:59:59"], unit=unit)
    with pytest.raises(InputDataError, match="not on the hour"):
        cw._month_grid(off, pd.Index(["A"]), 1969, 12)


def test_month_grid_reused_workspace_across_month_lengths():
    ws = cw._Workspace()
    codes = ["A", "B"]
    for year, month in [(2024, 1), (2024, 2), (2023, 2), (2024, 4)]:
        table, _ = _gappy_month(codes, year, month, seed=month)
        reused = _grid_daily(table, codes, year, month, ws=ws)
        fresh = _grid_daily(table, codes, year, month)
        for p in fresh:
            np.testing.assert_array_equal(reused[p], fresh[p])


def _table(times, stations=None, unit="us"):
    import pyarrow as pa

    t = pd.DatetimeIndex(pd.to_datetime(times, format="ISO8601")).as_unit(unit)
    stations = ["A"] * len(t) if stations is None else stations
    return pa.table({"station": stations, "time": pa.array(t.to_numpy()), "pm25": np.ones(len(t))})


@pytest.mark.parametrize(
    "times",
    [
        ["2023-05-01 00:00", "2023-05-01 00:30"],  # not on the hour
        ["2023-05-01 00:00", "2023-05-01 00:00:00.000001"],  # one microsecond off
        ["2023-04-30 23:00", "2023-05-01 00:00"],  # before the month
        ["2023-05-31 23:00", "2023-06-01 00:00"],  # after the month
    ],
)
def test_month_grid_rejects_times_outside_the_month_or_off_the_hour(times):
    bad = pd.Timestamp(times[1] if times[0] == "2023-05-01 00:00" or times[0] == "2023-05-31 23:00" else times[0])
    with pytest.raises(InputDataError, match="outside 2023-05 or not on the hour") as err:
        cw._month_grid(_table(times), pd.Index(["A"]), 2023, 5)
    assert f"station A, time {bad}" in str(err.value)  # names the offending row
    # the bad row after good ones, from another station
    good = [f"2023-05-{d:02d} {h:02d}:00" for d in (10, 11) for h in range(24)]
    table = _table([*good, *times], ["B"] * len(good) + ["A"] * len(times))
    with pytest.raises(InputDataError, match="outside 2023-05 or not on the hour"):
        cw._month_grid(table, pd.Index(["A", "B"]), 2023, 5)


def test_month_grid_rejects_duplicates_unknown_stations_and_null_times():
    import pyarrow as pa

    dup = _table(["2023-05-01 03:00", "2023-05-02 05:00", "2023-05-02 05:00"], ["B", "A", "A"])
    with pytest.raises(InputDataError, match=r"duplicate station-hour \(station #0, hour 29 of the month\)") as err:
        cw._month_grid(dup, pd.Index(["A", "B"]), 2023, 5)
    assert "station A at 2023-05-02 05:00:00 occurs twice" in str(err.value)
    unknown = _table(["2023-05-01 03:00", "2023-05-01 04:00"], ["A", "Z"])
    with pytest.raises(InputDataError, match="not in the station registry"):
        cw._month_grid(unknown, pd.Index(["A"]), 2023, 5)
    tpos, values, _, _ = cw._month_grid(unknown, pd.Index(["A"]), 2023, 5, drop_unknown=True)
    assert len(tpos) == 1 and len(values["pm25"]) == 1
    nulls = pa.table({"station": ["A"], "time": pa.array([None], pa.timestamp("us")), "pm25": [1.0]})
    with pytest.raises(InputDataError, match="missing time"):
        cw._month_grid(nulls, pd.Index(["A"]), 2023, 5)
    aware = pa.table({"station": ["A"], "time": pa.array([0], pa.timestamp("us", tz="UTC")), "pm25": [1.0]})
    with pytest.raises(InputDataError, match="naive timestamp"):
        cw._month_grid(aware, pd.Index(["A"]), 2023, 5)


def test_month_grid_null_rows_are_missing_whatever_the_buffer_holds():
    import pyarrow as pa

    start = pd.Timestamp(2023, 5, 1)
    t = pa.array((start + pd.to_timedelta(np.arange(24 * 31), unit="h")).to_numpy())
    data = np.full(24 * 31, 10.0)
    data[:5] = 1e6  # under the null slots: must not count
    validity = np.ones(24 * 31, dtype=bool)
    validity[:5] = False
    bitmap = pa.py_buffer(np.packbits(validity, bitorder="little").tobytes())
    col = pa.Array.from_buffers(pa.float64(), 24 * 31, [bitmap, pa.py_buffer(data.tobytes())], null_count=5)
    table = pa.table({"station": ["A"] * (24 * 31), "time": t, "pm25": col})
    d = _grid_daily(table, ["A"], 2023, 5)["pm25"][0]
    assert np.isnan(d[0])  # 19 valid hours: the 5 null rows are missing, not 1e6
    assert (d[1:] == 10.0).all()
    si, hi, values, n_days = cw._month_arrays(table, pd.Index(["A"]), 2023, 5)
    np.testing.assert_array_equal(d, cw.station_daily_month(si, hi, values, 1, n_days)["pm25"][0])


def test_station_mapping_cache_follows_the_dictionary():
    """Month files with different station dictionaries, one registry: each maps correctly."""
    codes = pd.Index(["A", "B", "C"])
    for stations in (["A", "B"], ["A", "B"], ["B", "C"], ["C"], ["A", "B", "C"]):
        table, _ = _gappy_month(stations, 2024, 4, seed=len(stations))
        tpos, values, nulls, n_days = cw._month_grid(table, codes, 2024, 4)  # one registry Index for all files
        ours = cw._daily_from_positions(tpos, values, len(codes), n_days, None, None, nulls)
        si, hi, values, n_days = cw._month_arrays(table, codes, 2024, 4)
        ref = cw.station_daily_month(si, hi, values, len(codes), n_days)
        for p in ours:
            np.testing.assert_array_equal(ours[p], ref[p])
        present = ~np.isnan(ours["pm25"]).all(axis=1)
        assert present.tolist() == [c in stations for c in codes]


def test_station_daily_month_rejects_duplicates_and_hours_outside_the_month():
    values = {"pm25": np.ones(3)}
    with pytest.raises(InputDataError, match=r"duplicate station-hour \(station #1, hour 29 of the month\)"):
        cw.station_daily_month(np.array([0, 1, 1]), np.array([29, 29, 29]), values, 2, 31)
    for bad in (-1, 24 * 30):  # before hour 0, after the last hour of a 30-day month
        with pytest.raises(InputDataError, match=f"hour {bad} outside the month of 30 days"):
            cw.station_daily_month(np.array([0, 0, 1]), np.array([0, bad, 5]), values, 2, 30)
    ok = cw.station_daily_month(np.array([0, 1, 1]), np.array([0, 0, 24 * 30 - 1]), values, 2, 30)
    assert ok["pm25"].shape == (2, 30)
