"""Tests of airlib.standards.validity at the edges of GB 3095 Table 4 / HJ 663 rules."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from airlib.standards import validity as v
from airlib.errors import InputDataError
from airlib.settings import DEFAULT


def hourly_frame(values: dict[str, np.ndarray], start="2016-01-01", station="S1", drop=()):
    """Consecutive hourly rows from ``start`` (hour-beginning), optional positions dropped."""
    n = len(next(iter(values.values())))
    df = pd.DataFrame(
        {"station": pd.array([station] * n, dtype="string"),
         "time": pd.date_range(start, periods=n, freq="h")}
    )
    for k, x in values.items():
        df[k] = np.asarray(x, dtype=float)
    if drop:
        df = df.drop(index=list(drop)).reset_index(drop=True)
    return df


def day_with_valid_hours(k: int, base=10.0) -> np.ndarray:
    x = base + np.arange(24, dtype=float)
    x[k:] = np.nan
    return x


# ------------------------------------------------------------------------------ daily means
@pytest.mark.parametrize("k, valid", [(19, False), (20, True), (24, True)])
def test_daily_mean_needs_20_valid_hours(k, valid):
    x = day_with_valid_hours(k)
    d = v.daily_statistics(hourly_frame({"pm25": x}), pollutants=["pm25"])
    assert len(d) == 1
    assert d.loc[0, "pm25_n"] == k
    assert bool(d.loc[0, "pm25_valid"]) is valid
    if valid:
        assert d.loc[0, "pm25"] == pytest.approx(np.nanmean(x))
    else:
        assert np.isnan(d.loc[0, "pm25"])


def test_twenty_rows_present_one_nan_is_invalid():
    x = day_with_valid_hours(24)
    df = hourly_frame({"pm25": x})
    df = df.iloc[:20].copy()  # 4 rows absent altogether
    df.loc[5, "pm25"] = np.nan  # and one present row NaN -> 19 valid hours
    d = v.daily_statistics(df, pollutants=["pm25"], start="2016-01-01", end="2016-01-01")
    assert d.loc[0, "pm25_n"] == 19
    assert not d.loc[0, "pm25_valid"]
    assert np.isnan(d.loc[0, "pm25"])


def test_twenty_rows_present_all_valid_is_valid_counted_against_calendar():
    df = hourly_frame({"pm25": np.arange(24.0)}).iloc[:20]
    d = v.daily_statistics(df, pollutants=["pm25"])
    assert d.loc[0, "pm25_n"] == 20 and d.loc[0, "pm25_valid"]
    assert d.loc[0, "pm25"] == pytest.approx(np.mean(np.arange(20.0)))


def test_day_whose_rows_are_absent_gets_an_invalid_row():
    x = np.full(72, 50.0)
    df = hourly_frame({"pm25": x}, drop=range(24, 48))  # the middle day has no rows at all
    d = v.daily_statistics(df, pollutants=["pm25"])
    assert list(d["date"]) == list(pd.date_range("2016-01-01", periods=3, freq="D"))
    assert list(d["pm25_n"]) == [24, 0, 24]
    assert list(d["pm25_valid"]) == [True, False, True]
    assert np.isnan(d.loc[1, "pm25"])


def test_start_end_give_every_station_the_full_calendar():
    a = hourly_frame({"pm25": np.full(24, 1.0)}, start="2016-01-02", station="A")
    b = hourly_frame({"pm25": np.full(48, 2.0)}, start="2016-01-01", station="B")
    d = v.daily_statistics(pd.concat([a, b]), pollutants=["pm25"], start="2016-01-01",
                           end="2016-01-04")
    assert len(d) == 8
    got = d.set_index(["station", "date"])["pm25_n"]
    assert got[("A", pd.Timestamp("2016-01-01"))] == 0
    assert got[("A", pd.Timestamp("2016-01-02"))] == 24
    assert got[("B", pd.Timestamp("2016-01-04"))] == 0
    # without start/end each station spans its own first..last day
    d2 = v.daily_statistics(pd.concat([a, b]), pollutants=["pm25"])
    assert d2.groupby("station").size().to_dict() == {"A": 1, "B": 2}


def test_unsorted_input_and_several_pollutants():
    rng = np.random.default_rng(1)
    vals = {p: rng.uniform(1, 100, 48) for p in ("pm25", "pm10", "so2", "no2", "co", "o3")}
    df = hourly_frame(vals).sample(frac=1.0, random_state=3)
    d = v.daily_statistics(df)
    for p in ("pm25", "pm10", "so2", "no2", "co"):
        assert d[p].to_numpy() == pytest.approx([vals[p][:24].mean(), vals[p][24:].mean()])
    assert d["o3_1h"].to_numpy() == pytest.approx([vals["o3"][:24].max(), vals["o3"][24:].max()])


def test_output_layout():
    d = v.daily_statistics(hourly_frame({p: np.ones(24) for p in v.POLLUTANTS}))
    assert list(d.columns[:2]) == ["station", "date"]
    for c in ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h"):
        assert {c, f"{c}_n", f"{c}_valid"} <= set(d.columns)
        assert d[f"{c}_valid"].dtype == bool


# --------------------------------------------------------------------------------- bad input
def test_duplicate_rows_raise():
    df = hourly_frame({"pm25": np.ones(24)})
    with pytest.raises(InputDataError, match="duplicate"):
        v.daily_statistics(pd.concat([df, df.iloc[[3]]]), pollutants=["pm25"])


def test_timezone_aware_time_raises():
    df = hourly_frame({"pm25": np.ones(24)})
    df["time"] = df["time"].dt.tz_localize("Asia/Shanghai")
    with pytest.raises(InputDataError, match="naive"):
        v.daily_statistics(df, pollutants=["pm25"])


def test_non_hourly_time_raises():
    df = hourly_frame({"pm25": np.ones(24)})
    df.loc[3, "time"] = df.loc[3, "time"] + pd.Timedelta(minutes=30)
    with pytest.raises(InputDataError, match="whole hours"):
        v.daily_statistics(df, pollutants=["pm25"])


def test_missing_column_raises_naming_it():
    with pytest.raises(InputDataError, match="no2"):
        v.daily_statistics(hourly_frame({"pm25": np.ones(24)}), pollutants=["pm25", "no2"])


# ------------------------------------------------------------------------------ O3 8 h, MDA8
def test_o3_window_needs_six_valid_hours():
    x = np.full(24, 100.0)
    x[0:3] = np.nan  # window 00-07 has 5 valid hours; window 01-08 has 6
    r = v.rolling_8h(hourly_frame({"o3": x}))
    r = r.set_index("time")
    assert r.loc[pd.Timestamp("2016-01-01 07:00"), "o3_8h_n"] == 5
    assert np.isnan(r.loc[pd.Timestamp("2016-01-01 07:00"), "o3_8h"])
    assert r.loc[pd.Timestamp("2016-01-01 08:00"), "o3_8h_n"] == 6
    assert r.loc[pd.Timestamp("2016-01-01 08:00"), "o3_8h"] == 100.0
    # daily view: the first window (00-07) is invalid, the other 16 valid
    d = v.daily_statistics(hourly_frame({"o3": x}), pollutants=["o3"])
    assert d.loc[0, "o3_8h_n"] == 16


def test_rolling_8h_crosses_midnight_but_not_stations():
    x = np.arange(48, dtype=float)
    a = hourly_frame({"o3": x}, station="A")
    b = hourly_frame({"o3": x + 1000}, station="B")
    r = v.rolling_8h(pd.concat([a, b])).set_index(["station", "time"])
    assert r.loc[("A", pd.Timestamp("2016-01-02 02:00")), "o3_8h"] == pytest.approx(
        x[19:27].mean()
    )
    # station B's first hours must not borrow station A's last hours
    assert r.loc[("B", pd.Timestamp("2016-01-01 05:00")), "o3_8h_n"] == 6
    assert r.loc[("B", pd.Timestamp("2016-01-01 05:00")), "o3_8h"] == pytest.approx(
        1000 + x[0:6].mean()
    )
    assert r.loc[("B", pd.Timestamp("2016-01-01 04:00")), "o3_8h_n"] == 5
    assert np.isnan(r.loc[("B", pd.Timestamp("2016-01-01 04:00")), "o3_8h"])


def test_mda8_uses_the_17_windows_lying_in_the_day():
    x = np.full(48, 50.0)
    x[23] = 850.0  # last hour of day 1: only window 16-23 of day 1 contains it
    x[24:32] = 400.0  # first 8 hours of day 2 must not leak into day 1
    d = v.daily_statistics(hourly_frame({"o3": x}), pollutants=["o3"])
    assert d.loc[0, "o3_8h_n"] == 17
    assert d.loc[0, "o3_8h"] == pytest.approx((7 * 50 + 850) / 8)
    assert d.loc[1, "o3_8h"] == pytest.approx(400.0)
    # the rolling 8-h value at 2016-01-02 06:00 does mix both days (real-time report)
    r = v.rolling_8h(hourly_frame({"o3": x})).set_index("time")
    assert r.loc[pd.Timestamp("2016-01-02 06:00"), "o3_8h"] == pytest.approx((850 + 7 * 400) / 8)


def _o3_day_with_valid_windows(n_windows: int, level: float) -> np.ndarray:
    """A day whose first ``n_windows`` 8-h windows (of 17) are valid."""
    x = np.full(24, level)
    # window h covers hours h..h+7 and is valid iff >= 6 valid hours. Blank the tail:
    # with hours >= m NaN, window h has min(8, m - h) valid hours: valid iff h <= m - 6.
    m = n_windows + 5
    x[m:] = np.nan
    return x


@pytest.mark.parametrize(
    "n_windows, level, valid",
    [
        (14, 100.0, True),
        (13, 100.0, False),  # 13 windows, MDA8 below the limit
        (13, 160.0, False),  # equal to the limit is not an exceedance
        (13, 161.0, True),  # 13 windows but MDA8 > 160: exceedance exception
        (1, 300.0, True),
    ],
)
def test_mda8_window_count_and_exceedance_exception(n_windows, level, valid):
    x = _o3_day_with_valid_windows(n_windows, level)
    d = v.daily_statistics(hourly_frame({"o3": x}), pollutants=["o3"])
    assert d.loc[0, "o3_8h_n"] == n_windows
    assert bool(d.loc[0, "o3_8h_valid"]) is valid
    if valid:
        assert d.loc[0, "o3_8h"] == pytest.approx(level)
    else:
        assert np.isnan(d.loc[0, "o3_8h"])


def test_mda8_min_windows_is_a_setting():
    x = _o3_day_with_valid_windows(13, 100.0)
    s = dataclasses.replace(DEFAULT, mda8_min_windows=13)
    d = v.daily_statistics(hourly_frame({"o3": x}), pollutants=["o3"], settings=s)
    assert d.loc[0, "o3_8h_valid"]


def test_mda8_no_valid_window_is_nan_and_invalid():
    x = np.full(24, np.nan)
    x[::2] = 500.0  # 12 hours, every window has exactly 4 valid hours
    d = v.daily_statistics(hourly_frame({"o3": x}), pollutants=["o3"])
    assert d.loc[0, "o3_8h_n"] == 0
    assert not d.loc[0, "o3_8h_valid"] and np.isnan(d.loc[0, "o3_8h"])


@pytest.mark.parametrize("k, valid", [(19, False), (20, True)])
def test_o3_daily_max_1h_rule(k, valid):
    x = day_with_valid_hours(k, base=100.0)
    d = v.daily_statistics(hourly_frame({"o3": x}), pollutants=["o3"])
    assert d.loc[0, "o3_1h_n"] == k
    assert bool(d.loc[0, "o3_1h_valid"]) is valid
    if valid:
        assert d.loc[0, "o3_1h"] == 100.0 + k - 1


@pytest.mark.parametrize("k, valid", [(19, False), (20, True)])
def test_rolling_24h_rule(k, valid):
    x = np.full(24, 30.0)
    x[k:] = np.nan
    x[:k] = np.arange(k, dtype=float)
    r = v.rolling_24h(hourly_frame({"pm25": x, "pm10": x}))
    last = r.iloc[23]
    assert last["pm25_24h_n"] == k
    if valid:
        assert last["pm25_24h"] == pytest.approx(np.arange(k).mean())
    else:
        assert np.isnan(last["pm25_24h"])


# ------------------------------------------------------------------------------ percentiles
def test_percentile_reference_vector():
    assert v.percentile([3, 4, 8, 2, 5, 4], 90) == pytest.approx(6.5)
    assert v.percentile([3, 4, np.nan, 8, 2, 5, 4], 90) == pytest.approx(6.5)
    assert v.percentile([7.0], 95) == 7.0
    assert np.isnan(v.percentile([np.nan, np.nan], 50))


def test_group_percentile_matches_numpy_linear():
    rng = np.random.default_rng(5)
    values = rng.normal(50, 20, 2000)
    values[rng.random(2000) < 0.1] = np.nan
    groups = rng.integers(0, 37, 2000)
    got = v.group_percentile(values, groups, [90, 95, 98], ngroups=40)
    for g in range(40):
        sel = values[(groups == g) & ~np.isnan(values)]
        for j, p in enumerate((90, 95, 98)):
            if len(sel):
                assert got[g, j] == pytest.approx(np.percentile(sel, p, method="linear"))
            else:
                assert np.isnan(got[g, j])


# -------------------------------------------------------------------------------- monthly
def daily_frame(dates, valid, station="S1", value=10.0):
    dates = pd.DatetimeIndex(dates)
    valid = np.asarray(valid, dtype=bool)
    vals = np.where(valid, value + np.arange(len(dates)), np.nan)
    return pd.DataFrame(
        {"station": pd.array([station] * len(dates), dtype="string"), "date": dates,
         "pm25": vals, "pm25_n": np.where(valid, 24, 10), "pm25_valid": valid}
    )


@pytest.mark.parametrize("n_valid, valid", [(26, False), (27, True)])
def test_month_needs_27_valid_days(n_valid, valid):
    dates = pd.date_range("2016-04-01", "2016-04-30")
    ok = np.arange(30) < n_valid
    m = v.monthly_statistics(daily_frame(dates, ok))
    row = m.iloc[0]
    assert row["days_in_month"] == 30 and row["pm25_n"] == n_valid
    assert bool(row["pm25_valid"]) is valid
    expected = (10.0 + np.arange(30))[ok].mean()
    assert row["pm25_provisional"] == pytest.approx(expected)
    if valid:
        assert row["pm25"] == pytest.approx(expected)
    else:
        assert np.isnan(row["pm25"])


def test_month_days_absent_from_frame_count_as_missing():
    dates = pd.date_range("2016-04-01", "2016-04-26")  # 26 rows, all valid
    m = v.monthly_statistics(daily_frame(dates, np.ones(26)))
    assert m.loc[0, "pm25_n"] == 26 and not m.loc[0, "pm25_valid"]


@pytest.mark.parametrize("year", [2016, 2017])
@pytest.mark.parametrize("n_valid, valid", [(24, False), (25, True)])
def test_february_needs_25_valid_days(year, n_valid, valid):
    dates = pd.date_range(f"{year}-02-01", f"{year}-02-28" if year == 2017 else f"{year}-02-29")
    ok = np.arange(len(dates)) < n_valid
    m = v.monthly_statistics(daily_frame(dates, ok))
    assert m.loc[0, "days_in_month"] == (29 if year == 2016 else 28)
    assert m.loc[0, "pm25_n"] == n_valid
    assert bool(m.loc[0, "pm25_valid"]) is valid


def test_monthly_percentiles_and_invalid_daily_values_ignored():
    dates = pd.date_range("2016-07-01", "2016-07-31")
    rng = np.random.default_rng(2)
    co = rng.uniform(0.2, 3, 31)
    o3 = rng.uniform(50, 250, 31)
    df = pd.DataFrame({"station": "S1", "date": dates, "co": co, "co_valid": True,
                       "o3_8h": o3, "o3_8h_valid": True})
    df.loc[0, "co_valid"] = False  # a value with a false flag must be ignored
    m = v.monthly_statistics(df)
    assert m.loc[0, "co_n"] == 30
    assert m.loc[0, "co_p95"] == pytest.approx(np.percentile(co[1:], 95))
    assert m.loc[0, "co"] == pytest.approx(co[1:].mean())
    assert m.loc[0, "o3_8h_p90"] == pytest.approx(np.percentile(o3, 90))


def test_monthly_by_other_unit_and_several_units():
    d1 = daily_frame(pd.date_range("2016-01-01", "2016-02-29"), np.ones(60), station="A")
    d2 = daily_frame(pd.date_range("2016-01-01", "2016-01-31"), np.ones(31), station="B")
    df = pd.concat([d1, d2]).rename(columns={"station": "town_code"})
    m = v.monthly_statistics(df)  # key detected
    assert list(m.columns[:3]) == ["town_code", "month", "days_in_month"]
    assert len(m) == 3
    assert list(m["pm25_valid"]) == [True, True, True]


# ------------------------------------------------------------------------- annual / period
def _year_frame(year: int, invalid_per_month: dict[int, int], extra_invalid: int = 0):
    dates = pd.date_range(f"{year}-01-01", f"{year}-12-31")
    ok = np.ones(len(dates), dtype=bool)
    for month, k in invalid_per_month.items():
        idx = np.flatnonzero(dates.month == month)[:k]
        ok[idx] = False
    return daily_frame(dates, ok)


def test_annual_324_days_all_months_valid():
    # 2017: 365 days; make 41 invalid spread so that every month keeps >= 27 (Feb >= 25)
    inv = {1: 4, 2: 3, 3: 4, 4: 3, 5: 4, 6: 3, 7: 4, 8: 4, 9: 3, 10: 4, 11: 3, 12: 2}
    assert sum(inv.values()) == 41
    a = v.annual_statistics(_year_frame(2017, inv))
    assert a.loc[0, "pm25_n"] == 324 and a.loc[0, "pm25_n_valid_months"] == 12
    assert a.loc[0, "pm25_valid"] and np.isfinite(a.loc[0, "pm25"])
    assert np.isfinite(a.loc[0, "pm25_p95"])


def test_annual_323_days_invalid_although_all_months_valid():
    inv = {1: 4, 2: 3, 3: 4, 4: 3, 5: 4, 6: 3, 7: 4, 8: 4, 9: 3, 10: 4, 11: 3, 12: 3}
    a = v.annual_statistics(_year_frame(2017, inv))
    assert a.loc[0, "pm25_n"] == 323 and a.loc[0, "pm25_n_valid_months"] == 12
    assert not a.loc[0, "pm25_valid"]
    assert np.isnan(a.loc[0, "pm25"]) and np.isnan(a.loc[0, "pm25_p95"])
    assert np.isfinite(a.loc[0, "pm25_provisional"])


def test_annual_enough_days_but_one_month_failing():
    a = v.annual_statistics(_year_frame(2016, {4: 4}))  # April 26 valid days, year 362
    assert a.loc[0, "pm25_n"] == 362 and a.loc[0, "pm25_n_valid_months"] == 11
    assert a.loc[0, "days_in_year"] == 366
    assert not a.loc[0, "pm25_valid"]


def test_annual_year_with_a_month_absent_is_invalid():
    df = _year_frame(2017, {})
    df = df[df["date"].dt.month != 8]  # no rows at all in August: 334 days
    a = v.annual_statistics(df)
    assert a.loc[0, "pm25_n"] == 334 and not a.loc[0, "pm25_valid"]


def test_period_statistics_every_month_must_be_valid():
    dates = pd.date_range("2016-10-01", "2017-03-31")
    ok = np.ones(len(dates), dtype=bool)
    df = daily_frame(dates, ok)
    p = v.period_statistics(df, "2016-10", "2017-03")
    assert p.loc[0, "n_months"] == 6 and p.loc[0, "days_in_period"] == len(dates)
    assert p.loc[0, "pm25_valid"] and p.loc[0, "pm25_n"] == len(dates)
    assert p.loc[0, "pm25"] == pytest.approx(df["pm25"].mean())
    # February 2017 down to 24 valid days -> period invalid
    feb = np.flatnonzero(dates.month == 2)[:4]
    ok[feb] = False
    p = v.period_statistics(daily_frame(dates, ok), "2016-10-01", "2017-03-31")
    assert p.loc[0, "pm25_n_valid_months"] == 5 and not p.loc[0, "pm25_valid"]
    assert np.isnan(p.loc[0, "pm25"]) and np.isfinite(p.loc[0, "pm25_provisional"])
    # rows outside the period are ignored
    p = v.period_statistics(daily_frame(dates, ok), "2016-10", "2016-12")
    assert p.loc[0, "pm25_n"] == 92 and p.loc[0, "pm25_valid"]


def test_period_bounds_must_be_whole_months():
    df = daily_frame(pd.date_range("2016-01-01", "2016-03-31"), np.ones(91))
    with pytest.raises(InputDataError, match="whole months"):
        v.period_statistics(df, "2016-01-15", "2016-03")
    with pytest.raises(InputDataError, match="whole months"):
        v.period_statistics(df, "2016-01", "2016-03-30")
    with pytest.raises(InputDataError, match="before"):
        v.period_statistics(df, "2016-03", "2016-01")


def test_daily_to_monthly_end_to_end_counts_missing_hours():
    # 2016-02 (leap): 29 days; days 1-4 have only 19 hours -> 25 valid days -> valid
    hours = pd.date_range("2016-02-01", "2016-02-29 23:00", freq="h")
    x = np.full(len(hours), 40.0)
    for day in range(4):
        x[day * 24 + 19 : day * 24 + 24] = np.nan
    df = pd.DataFrame({"station": "S1", "time": hours, "pm25": x})
    m = v.monthly_statistics(v.daily_statistics(df, pollutants=["pm25"]))
    assert m.loc[0, "pm25_n"] == 25 and m.loc[0, "pm25_valid"]
    df.loc[4 * 24 + 3, "pm25"] = np.nan  # fifth day still has 23 hours: stays valid
    m = v.monthly_statistics(v.daily_statistics(df.drop(index=range(96, 101)),
                                                pollutants=["pm25"]))
    assert m.loc[0, "pm25_n"] == 24 and not m.loc[0, "pm25_valid"]


def test_rolling_chain_feeds_hourly_aqi():
    rng = np.random.default_rng(4)
    vals = {p: rng.uniform(5, 150, 72) for p in ("pm25", "pm10", "so2", "no2", "o3")}
    vals["co"] = rng.uniform(0.2, 2, 72)
    df = hourly_frame(vals, drop=[30, 31])
    df["wd"] = "N"  # non-numeric columns are dropped
    r = v.rolling_24h(v.rolling_8h(df), columns=("pm25", "pm10", "so2"))
    assert len(r) == 72 and "wd" not in r.columns
    assert {"o3_8h", "o3_8h_n", "pm25_24h", "pm10_24h", "so2_24h"} <= set(r.columns)
    assert np.isnan(r.loc[30, "pm25"])  # the absent row is on the grid, as missing
    assert r.loc[71, "pm25_24h_n"] == 24 and r.loc[53, "pm25_24h_n"] == 22
    assert r.loc[71, "pm25_24h"] == pytest.approx(vals["pm25"][48:72].mean())
    aqi = pytest.importorskip("airlib.standards.aqi")
    out = aqi.hourly_aqi(r, rule="standard")
    assert out["aqi"].notna().sum() > 0


def test_mda8_exceedance_uses_the_limit_of_each_date(monkeypatch):
    import airlib.standards.limits

    def fake_limits_for(dates, pollutant, averaging, grade=2):
        d = pd.to_datetime(np.asarray(dates))
        return np.where(d >= pd.Timestamp("2026-03-01"), 150.0, 160.0)

    monkeypatch.setattr(airlib.standards.limits, "limits_for", fake_limits_for)
    day = _o3_day_with_valid_windows(13, 155.0)
    x = np.concatenate([day, day])
    d = v.daily_statistics(hourly_frame({"o3": x}, start="2026-02-28"), pollutants=["o3"])
    assert list(d["o3_8h_valid"]) == [False, True]


def test_period_unit_without_rows_in_period_is_reported_invalid():
    a = daily_frame(pd.date_range("2016-01-01", "2016-03-31"), np.ones(91), station="A")
    b = daily_frame(pd.date_range("2015-01-01", "2015-03-31"), np.ones(90), station="B")
    p = v.period_statistics(pd.concat([a, b]), "2016-01", "2016-03").set_index("station")
    assert p.loc["A", "pm25_valid"] and p.loc["A", "pm25_n"] == 91
    assert p.loc["B", "pm25_n"] == 0 and not p.loc["B", "pm25_valid"]
    assert np.isnan(p.loc["B", "pm25"]) and np.isnan(p.loc["B", "pm25_provisional"])


@pytest.mark.parametrize("order", ["sorted", "shuffled", "interleaved_runs", "categorical"])
def test_station_layouts_give_identical_results(order):
    rng = np.random.default_rng(7)
    frames = [hourly_frame({"pm25": rng.uniform(1, 99, 72)}, station=s,
                           start="2016-01-01" if s != "B" else "2016-01-02")
              for s in ("A", "B", "C")]
    base = pd.concat(frames, ignore_index=True)
    ref = v.daily_statistics(base, pollutants=["pm25"])
    if order == "shuffled":
        df = base.sample(frac=1.0, random_state=0)
    elif order == "interleaved_runs":  # A rows split into two runs around B
        df = pd.concat([frames[0].iloc[:30], frames[1], frames[0].iloc[30:], frames[2]])
    elif order == "categorical":
        df = base.assign(station=base["station"].astype("category"))
    else:
        df = base
    got = v.daily_statistics(df, pollutants=["pm25"])
    pd.testing.assert_frame_equal(got, ref)


def _naive_daily(x: np.ndarray, limit: float = 160.0) -> list[dict]:
    """Per-day reference written as plain loops over one station's complete hourly array."""
    out = []
    for d in range(len(x) // 24):
        day = x[d * 24 : d * 24 + 24]
        vals = [u for u in day if not np.isnan(u)]
        wins = []
        for w in range(17):
            seg = [u for u in day[w : w + 8] if not np.isnan(u)]
            if len(seg) >= 6:
                wins.append(sum(seg) / len(seg))
        mda8 = max(wins) if wins else np.nan
        out.append({
            "n": len(vals), "mean": sum(vals) / len(vals) if len(vals) >= 20 else np.nan,
            "n8": len(wins),
            "mda8": mda8 if wins and (len(wins) >= 14 or mda8 > limit) else np.nan,
        })
    return out


@hsettings(max_examples=60, deadline=None)
@given(
    n_days=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    p_nan=st.sampled_from([0.0, 0.1, 0.3, 0.6]),
    p_drop=st.sampled_from([0.0, 0.1, 0.4]),
)
def test_daily_statistics_match_naive_loops(n_days, seed, p_nan, p_drop):
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(0, 300, n_days * 24))
    x[rng.random(len(x)) < p_nan] = np.nan
    df = hourly_frame({"pm25": x, "o3": x})
    drop = rng.random(len(x)) < p_drop
    drop[0] = drop[-1] = False  # keep the calendar span fixed
    df = df[~drop]
    x = np.where(drop, np.nan, x)
    d = v.daily_statistics(df, pollutants=["pm25", "o3"])
    ref = _naive_daily(x)
    assert len(d) == len(ref)
    for i, r in enumerate(ref):
        assert d.loc[i, "pm25_n"] == r["n"]
        assert d.loc[i, "o3_8h_n"] == r["n8"]
        np.testing.assert_allclose(d.loc[i, "pm25"], r["mean"], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(d.loc[i, "o3_8h"], r["mda8"], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("n", [0, 1, 7, 500])
def test_group_codes_equal_groupby(n):
    """_aggregate's grouping (sorted factorisation per key + integer arithmetic) gives the
    same group numbers and key frame (values and dtypes) as groupby(sort=True, dropna=False)."""
    from airlib.standards.validity import _group_codes

    rng = np.random.default_rng(n)
    df = pd.DataFrame({
        "station": pd.array(rng.choice(["b", "a", "站", "c10", "c2"], n), dtype="string"),
        "month": rng.choice(np.array(["2020-01", "2020-02", "2019-12"], dtype="datetime64[M]"), n),
        "year": rng.choice([2020, 2019], n).astype(np.int64),
        "obj": rng.choice(["x", "y"], n).astype(object),
        "_day": rng.choice(np.array(["2020-01-01", "2020-02-03"], dtype="datetime64[D]"), n),
    })
    for cols in (["station", "month"], ["station"], ["year", "station"], ["obj", "year", "month"], ["station", "_day"]):
        codes, keys = _group_codes(df, cols)
        g = df.groupby(cols, sort=True, dropna=False)
        np.testing.assert_array_equal(codes, g.ngroup().to_numpy())
        pd.testing.assert_frame_equal(keys, g.size().index.to_frame(index=False))
    with_na = df.assign(station=pd.array([None] * n, dtype="string"))
    assert n == 0 or _group_codes(with_na, ["station", "month"]) is None
