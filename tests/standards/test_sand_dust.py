"""扣沙 (环办监测〔2016〕120号): the mask, the exclusion and the screening of suspected dust hours."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.settings import DEFAULT
from airlib.standards.sand_dust import (
    dust_mask,
    exclude_sand_dust,
    periods_from_flags,
    screen_dust_hours,
)
from airlib.standards.validity import daily_statistics, monthly_statistics


def _hours(start="2021-03-15 00:00", n=48, stations=("A",), pm10=100.0, pm25=50.0):
    t = pd.date_range(start, periods=n, freq="h")
    pm10, pm25 = (np.tile(v, len(stations)) if np.ndim(v) else v for v in (pm10, pm25))
    return pd.DataFrame({"station": np.repeat(list(stations), n), "time": np.tile(t, len(stations)),
                         "pm25": pm25, "pm10": pm10, "no2": 30.0})


def _periods(rows):
    return pd.DataFrame([{"start": pd.Timestamp(a), "end": pd.Timestamp(b), "area": area} for a, b, area in rows])


P = _periods([("2021-03-15 06:00", "2021-03-15 10:00", "门头沟区")])


def _covered(h, periods=P, **kw):
    m = dust_mask(h, periods, **kw)
    return set(h.loc[m, "time"].dt.strftime("%H:%M"))


def test_mask_edges_start_inclusive_end_exclusive():
    h = _hours(n=24)
    # 05:00 (just before start) no; 06:00 (first) yes; 09:00 (last before end) yes; 10:00 (end) no
    assert _covered(h, area="门头沟区") == {"06:00", "07:00", "08:00", "09:00"}


def test_mask_area_not_matching_and_citywide():
    h = _hours(n=24)
    assert _covered(h, area="西城区") == set()
    city = _periods([("2021-03-15 06:00", "2021-03-15 08:00", "全市")])
    assert _covered(h, city, area="西城区") == {"06:00", "07:00"}
    assert _covered(h, area=None) == {"06:00", "07:00", "08:00", "09:00"}


def test_partial_hours_follow_the_setting():
    h = _hours(n=24)
    p = _periods([("2021-03-15 06:30", "2021-03-15 08:30", "全市")])
    assert _covered(h, p) == {"06:00", "07:00", "08:00"}  # default: a partly covered hour counts
    strict = dataclasses.replace(DEFAULT, sand_dust_partial_hour="not_covered")
    assert _covered(h, p, settings=strict) == {"07:00"}


def test_mask_union_of_nested_periods():
    h = _hours(n=24)
    p = _periods([("2021-03-15 02:00", "2021-03-15 12:00", "全市"), ("2021-03-15 04:00", "2021-03-15 05:00", "门头沟区")])
    got = _covered(h, p, area="门头沟区")
    assert got == {f"{i:02d}:00" for i in range(2, 12)}


def test_exclusion_removes_pm_only_and_never_alters_input():
    h = _hours(n=48, stations=("A", "B"))
    before = h.copy()
    out = exclude_sand_dust(h, P, area="门头沟区")
    pd.testing.assert_frame_equal(h, before)
    m = dust_mask(h, P, area="门头沟区")
    assert out.loc[m, ["pm10", "pm25"]].isna().all().all()
    assert out.loc[~m, ["pm10", "pm25"]].notna().all().all()
    assert out["no2"].notna().all()
    info = out.attrs["sand_dust"]
    assert info == {"periods": 1, "hours": 4, "station_hours": 8, "values": 16, "pollutants": ("pm10", "pm25")}


def test_exclusion_changes_daily_validity_by_hj663():
    # 4 hours removed: 20 valid hours remain, the day stays valid; 5 removed: invalid
    h = _hours(n=24, pm10=np.r_[np.full(6, 100.0), np.full(5, 900.0), np.full(13, 100.0)])
    four = exclude_sand_dust(h, _periods([("2021-03-15 06:00", "2021-03-15 10:00", "全市")]))
    d4 = daily_statistics(four, pollutants=["pm10"])
    assert bool(d4["pm10_valid"].iloc[0]) and d4["pm10"].iloc[0] == pytest.approx((19 * 100 + 900) / 20)
    five = exclude_sand_dust(h, _periods([("2021-03-15 06:00", "2021-03-15 11:00", "全市")]))
    assert not bool(daily_statistics(five, pollutants=["pm10"])["pm10_valid"].iloc[0])


def test_whole_day_setting():
    h = _hours(n=48)
    s = dataclasses.replace(DEFAULT, sand_dust_whole_day=True)
    out = exclude_sand_dust(h, P, settings=s)
    assert out.loc[out["time"] < "2021-03-16", "pm10"].isna().all()
    assert out.loc[out["time"] >= "2021-03-16", "pm10"].notna().all()


def test_exclusion_counts_only_periods_in_the_data():
    h = _hours(n=24)
    p = _periods([("2021-03-15 06:00", "2021-03-15 10:00", "全市"), ("2021-04-01 00:00", "2021-04-02 00:00", "全市")])
    assert exclude_sand_dust(h, p).attrs["sand_dust"]["periods"] == 1


# --- screening at each threshold's edge -------------------------------------------------------
def _episode(peak=300.0, ratio=0.35, rise_from=150.0):
    """Three calm hours at ``rise_from`` then two dust hours at ``peak`` with PM2.5 = ratio·PM10."""
    pm10 = np.array([rise_from, rise_from, rise_from, peak, peak])
    pm25 = np.array([60.0, 60.0, 60.0, ratio * peak, ratio * peak])
    return _hours(n=5, pm10=pm10, pm25=pm25)


def test_screen_flags_at_edges():
    f = screen_dust_hours(_episode())  # 300 ≥ 300, 0.35 ≤ 0.35, rise 150 ≥ 150: all at the edge
    assert f["suspected"].tolist() == [False, False, False, True, True]
    assert f.loc[3, "pm10_rise"] == 150.0


@pytest.mark.parametrize("kw", [dict(peak=299.0, rise_from=149.0), dict(ratio=0.36), dict(rise_from=151.0)])
def test_screen_just_beyond_each_edge(kw):
    assert not screen_dust_hours(_episode(**kw))["suspected"].any()


def test_screen_run_keeps_hours_after_the_front_and_thresholds_are_settings():
    pm10 = np.array([100.0, 100.0, 100.0, 600.0, 620.0, 640.0, 630.0, 100.0])
    h = _hours(n=8, pm10=pm10, pm25=pm10 * 0.2)
    f = screen_dust_hours(h)
    assert f["suspected"].tolist() == [False, False, False, True, True, True, True, False]
    assert not f["rise"].iloc[6]  # 630 is no rise over 600–640: flagged as part of the run
    s = dataclasses.replace(DEFAULT, dust_screen_pm10_min=650.0)
    assert not screen_dust_hours(h, settings=s)["suspected"].any()


def test_screen_gap_in_hours_breaks_the_rise_window():
    h = _episode().drop(index=[0, 1, 2])  # no earlier hours: no rise can be seen
    assert not screen_dust_hours(h)["suspected"].any()


def test_periods_from_flags():
    pm10 = np.array([100.0, 100.0, 100.0, 600.0, 620.0, 100.0, 100.0, 100.0, 100.0, 700.0])
    h = _hours(n=10, pm10=pm10, pm25=pm10 * 0.2, stations=("A", "B"))
    f = screen_dust_hours(h)
    p = periods_from_flags(f, area="门头沟区", min_stations=2)
    assert p[["start", "end"]].values.tolist() == [
        [pd.Timestamp("2021-03-15 03:00"), pd.Timestamp("2021-03-15 05:00")],
        [pd.Timestamp("2021-03-15 09:00"), pd.Timestamp("2021-03-15 10:00")]]
    assert (dust_mask(h, p, area="门头沟区") == f["suspected"]).all()
    assert periods_from_flags(f.assign(suspected=False), area="x").empty


# --- a real spring sand-dust episode: 15 April 2015 in the UCI data ----------------------------
def test_uci_sandstorm_2015_04_15(uci_multisite):
    hourly, _ = uci_multisite
    day = hourly[(hourly["time"] >= "2015-04-15 12:00") & (hourly["time"] < "2015-04-16 12:00")]
    f = screen_dust_hours(hourly[(hourly["time"] >= "2015-04-14") & (hourly["time"] < "2015-04-17")])
    flagged = f[f["suspected"]]
    # the evening of 15 April: PM10 near the 999 cap, PM2.5 below a third of it, at every station
    assert flagged["station"].nunique() == hourly["station"].nunique()
    assert flagged["time"].min() >= pd.Timestamp("2015-04-15 12:00")
    assert (day["pm10"].max() >= 900) and (flagged["ratio"] <= 0.35).all()
    periods = periods_from_flags(f, area="北京市", min_stations=6)
    assert len(periods) >= 1
    april = hourly[(hourly["time"] >= "2015-04-01") & (hourly["time"] < "2015-05-01")]
    without = monthly_statistics(daily_statistics(april, pollutants=["pm10"]), by="station")
    with_ = monthly_statistics(daily_statistics(exclude_sand_dust(april, periods, area="北京市"),
                                                pollutants=["pm10"]), by="station")
    # the exclusion lowers every station's April PM10
    assert (with_["pm10"].to_numpy() < without["pm10"].to_numpy()).all()
