"""Tests of airlib.tracking.bulletin (issue #12 item 1: the 月通报 tables).

Numbers are checked by hand on constant series and against the standard functions
(monthly_statistics, composite_index, daily_aqi, period_statistics) on the same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.standards.aqi import daily_aqi
from airlib.standards.composite_index import composite_index
from airlib.standards.validity import monthly_statistics, period_statistics
from airlib.tracking.bulletin import REASONS, bulletin

VALUES = ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h")
#: Low values: every IAQI below 50, so PM2.5 alone decides good / heavy days.
CLEAN = {"pm25": 20.0, "pm10": 30.0, "so2": 5.0, "no2": 10.0, "co": 0.3, "o3_8h": 50.0, "o3_1h": 60.0}
TOWNS = pd.DataFrame({"town_code": ["T1", "T2", "T3", "T4"], "town_name": ["甲镇", "乙镇", "丙街道", "丁镇"]})


def days(code: str, start: str, end: str, **values: float) -> pd.DataFrame:
    """Town-daily rows of ``code`` from ``start`` to ``end`` with constant valid values."""
    dates = pd.date_range(start, end, freq="D")
    df = pd.DataFrame({"town_code": code, "date": dates})
    for c in VALUES:
        df[c] = float(values.get(c, CLEAN[c]))
        df[f"{c}_valid"] = True
    return df


def district_of(town_daily: pd.DataFrame) -> pd.DataFrame:
    """District daily = mean of the town values (enough for these tests)."""
    present = [c for c in VALUES if c in town_daily.columns]
    d = town_daily.groupby("date", as_index=False)[present].mean()
    for c in present:
        d[f"{c}_valid"] = True
    d.insert(0, "district_code", "D1")
    return d


def base(year_from: str = "2023-01-01", to: str = "2024-03-31") -> pd.DataFrame:
    return pd.concat([days(t, year_from, to) for t in ("T1", "T2", "T3", "T4")], ignore_index=True)


def set_values(frame: pd.DataFrame, code: str, start: str, end: str, **values: float) -> pd.DataFrame:
    f = frame.copy()
    sel = (f["town_code"] == code) & (f["date"] >= start) & (f["date"] <= end)
    for c, v in values.items():
        f.loc[sel, c] = v
    return f


def invalidate(frame: pd.DataFrame, code: str, start: str, end: str, columns=VALUES) -> pd.DataFrame:
    f = frame.copy()
    sel = (f["town_code"] == code) & (f["date"] >= start) & (f["date"] <= end)
    for c in columns:
        f.loc[sel, c] = np.nan
        f.loc[sel, f"{c}_valid"] = False
    return f


def run(frame: pd.DataFrame, month: str = "2024-03", **kw):
    return bulletin(frame, district_of(frame), month, towns=TOWNS, **kw)


def row(table: pd.DataFrame, code: str) -> pd.Series:
    return table.set_index("code").loc[code]


# ----------------------------------------------------------------------------- precision, YoY
def test_published_precision_by_date_and_yoy_on_published_values():
    f = set_values(base(), "T1", "2024-03-01", "2024-03-31", pm25=30.45)  # 2024: one decimal, half-even
    f = set_values(f, "T1", "2023-03-01", "2023-03-31", pm25=32.5)  # 2023: integer, half-even -> 32
    r = row(run(f).monthly, "T1")
    assert r["pm25"] == 30.4 and r["pm25_last_year"] == 32.0
    assert r["pm25_change_pct"] == -5.0  # (30.4 - 32) / 32, not from 30.45 / 32.5
    assert r["co"] == 0.3 and r["so2"] == 5.0
    assert r["pm25_reason"] == "" and r["pm25_change_reason"] == ""


def test_co_p95_and_o3_p90_are_the_monthly_percentiles():
    f = base()
    sel = (f["town_code"] == "T2") & (f["date"].dt.to_period("M") == pd.Period("2024-03"))
    f.loc[sel, "co"] = np.linspace(0.1, 3.1, sel.sum())
    f.loc[sel, "o3_8h"] = np.linspace(10, 310, sel.sum())
    r = row(run(f).monthly, "T2")
    ms = monthly_statistics(f[f["town_code"] == "T2"], by="town_code")
    m = ms[ms["month"] == pd.Timestamp("2024-03-01")].iloc[0]
    assert r["co"] == pytest.approx(round(m["co_p95"], 1))
    assert r["o3"] == pytest.approx(np.round(m["o3_8h_p90"]))
    assert r["co"] != pytest.approx(round(m["co"], 1))  # a percentile, not the mean


def test_composite_is_the_standard_function_and_ranked_among_towns_only():
    f = set_values(base(), "T3", "2024-03-01", "2024-03-31", pm25=60.0, no2=40.0)
    f = set_values(f, "T4", "2024-03-01", "2024-03-31", pm25=60.0, no2=40.0)  # tie with T3
    b = run(f)
    ms = monthly_statistics(f, by="town_code")
    ms = ms[ms["month"] == pd.Timestamp("2024-03-01")]
    ref = composite_index(ms, by="town_code").set_index("town_code")
    t = b.monthly.set_index("code")
    for code in ("T1", "T2", "T3", "T4"):
        assert t.loc[code, "composite"] == ref.loc[code, "i_sum"]
    assert list(b.monthly["level"]) == ["district", "town", "town", "town", "town"]
    assert pd.isna(b.monthly.loc[0, "composite_rank"])  # the district is not ranked
    assert t.loc["T1", "composite_rank"] == 1 and t.loc["T2", "composite_rank"] == 1
    assert t.loc["T3", "composite_rank"] == 3 and t.loc["T4", "composite_rank"] == 3
    assert list(b.monthly["code"])[1:] == ["T1", "T2", "T3", "T4"]  # by rank, then code


def test_improvement_rank_largest_fall_first_with_ties():
    f = base()
    for code, now in (("T1", 18.0), ("T2", 22.0), ("T3", 18.0), ("T4", 20.0)):  # last year 20
        f = set_values(f, code, "2024-03-01", "2024-03-31", pm25=now)
    t = run(f).monthly.set_index("code")
    assert list(t.loc[["T1", "T2", "T3", "T4"], "pm25_change_pct"]) == [-10.0, 10.0, -10.0, 0.0]
    assert list(t.loc[["T1", "T2", "T3", "T4"], "pm25_change_rank"]) == [1, 4, 1, 3]


# ------------------------------------------------------------------------ validity and reasons
def test_month_with_26_valid_days_is_invalid_27_valid():
    f = invalidate(base(), "T1", "2024-03-01", "2024-03-05")  # 26 valid days
    f = invalidate(f, "T2", "2024-03-01", "2024-03-04")  # 27 valid days
    t = run(f).monthly.set_index("code")
    assert np.isnan(t.loc["T1", "pm25"]) and t.loc["T1", "pm25_reason"] == "invalid_month"
    assert t.loc["T1", "pm25_change_reason"] == "invalid_month"
    assert np.isnan(t.loc["T1", "composite"]) and t.loc["T1", "composite_reason"] == "invalid_month"
    assert pd.isna(t.loc["T1", "composite_rank"])
    assert t.loc["T2", "pm25"] == 20.0 and t.loc["T2", "pm25_reason"] == ""


def test_february_edge_25_days_valid_24_invalid():
    f = invalidate(base(), "T1", "2024-02-01", "2024-02-04")  # 29 - 4 = 25 valid
    f = invalidate(f, "T2", "2024-02-01", "2024-02-05")  # 24 valid
    t = run(f, "2024-02").monthly.set_index("code")
    assert t.loc["T1", "pm25"] == 20.0
    assert t.loc["T2", "pm25_reason"] == "invalid_month"


def test_ytd_needs_every_month_valid():
    f = invalidate(base(), "T1", "2024-02-01", "2024-02-10", columns=("pm25",))  # February invalid
    b = run(f)
    m, y = b.monthly.set_index("code"), b.ytd.set_index("code")
    assert m.loc["T1", "pm25"] == 20.0  # March itself is valid
    assert np.isnan(y.loc["T1", "pm25"]) and y.loc["T1", "pm25_reason"] == "ytd_incomplete"
    assert y.loc["T1", "pm10"] == 30.0 and y.loc["T1", "pm10_reason"] == ""
    assert y.loc["T1", "composite_reason"] == "ytd_incomplete"


def test_ytd_value_is_the_period_mean_of_valid_days():
    f = set_values(base(), "T2", "2024-01-01", "2024-01-31", pm25=50.0)
    f = set_values(f, "T2", "2024-02-01", "2024-02-29", pm25=20.0)
    f = set_values(f, "T2", "2024-03-01", "2024-03-31", pm25=30.0)
    y = row(run(f).ytd, "T2")
    expected = (31 * 50 + 29 * 20 + 31 * 30) / 91
    assert y["pm25"] == pytest.approx(round(expected, 1))
    ps = period_statistics(f[f["town_code"] == "T2"], "2024-01", "2024-03", by="town_code",
                           percentiles={"co": 95.0, "o3_8h": 90.0})
    assert y["o3"] == np.round(ps["o3_8h_p90"].iloc[0])


def test_town_without_data_and_without_last_year():
    f = base()
    f = f[f["town_code"] != "T4"]  # T4 in the registry, no data at all
    f = invalidate(f, "T3", "2023-01-01", "2023-12-31")  # T3 has no last year
    b = run(f)
    t, d = b.monthly.set_index("code"), b.days.set_index("code")
    assert t.loc["T4", "name"] == "丁镇"
    assert t.loc["T4", "pm25_reason"] == "no_data" and t.loc["T4", "composite_reason"] == "no_data"
    assert d.loc["T4", "days_reason"] == "no_data" and np.isnan(d.loc["T4", "good_days"])
    assert t.loc["T3", "pm25"] == 20.0 and np.isnan(t.loc["T3", "pm25_change_pct"])
    assert t.loc["T3", "pm25_change_reason"] == "no_last_year"
    assert pd.isna(t.loc["T3", "pm25_change_rank"])
    assert d.loc["T3", "days_change_reason"] == "no_last_year"
    used = set(b.monthly.filter(like="_reason").stack()) | set(b.days.filter(like="reason").stack())
    assert used - {""} <= set(REASONS)


# ----------------------------------------------------------------------------- good/heavy days
def test_good_and_heavy_day_edges_match_daily_aqi():
    f = base()
    # T1 in March 2024: 5 days at PM2.5 75 (IAQI 100, good), 4 at 75.5 (IAQI 101, not good),
    # 3 at 150 (AQI 200, not heavy), 2 at 151 (heavy)
    f = set_values(f, "T1", "2024-03-01", "2024-03-05", pm25=75.0)
    f = set_values(f, "T1", "2024-03-06", "2024-03-09", pm25=75.5)
    f = set_values(f, "T1", "2024-03-10", "2024-03-12", pm25=150.0)
    f = set_values(f, "T1", "2024-03-13", "2024-03-14", pm25=151.0)
    d = row(run(f).days, "T1")
    assert d["valid_days"] == 31
    assert d["good_days"] == 31 - 4 - 3 - 2
    assert d["heavy_days"] == 2
    assert d["good_share"] == round((31 - 9) / 31 * 100, 1)
    sel = f[(f["town_code"] == "T1") & (f["date"].dt.to_period("M") == pd.Period("2024-03"))]
    aqi = daily_aqi(sel)["aqi"].astype("float64")
    assert d["good_days"] == (aqi <= 100).sum() and d["heavy_days"] == (aqi > 200).sum()
    assert d["good_days_last_year"] == 31 and d["good_days_change"] == -9
    assert d["heavy_days_change"] == 2


def test_day_change_ranks_more_good_fewer_heavy_first():
    f = base()
    f = set_values(f, "T1", "2023-03-01", "2023-03-03", pm25=160.0)  # last year 3 heavy days
    f = set_values(f, "T2", "2024-03-01", "2024-03-02", pm25=160.0)  # this year 2 heavy days
    d = run(f).days.set_index("code")
    assert list(d.loc[["T1", "T2", "T3", "T4"], "heavy_days_change"]) == [-3, 2, 0, 0]
    assert list(d.loc[["T1", "T2", "T3", "T4"], "heavy_days_change_rank"]) == [1, 4, 2, 2]
    assert list(d.loc[["T1", "T2", "T3", "T4"], "good_days_change"]) == [3, -2, 0, 0]
    assert list(d.loc[["T1", "T2", "T3", "T4"], "good_days_change_rank"]) == [1, 4, 2, 2]
    assert d.loc["T1", "ytd_heavy_days_last_year"] == 3


def test_days_of_short_month_are_not_published():
    f = invalidate(base(), "T2", "2024-03-01", "2024-03-10")  # 21 days with an AQI
    d = run(f).days.set_index("code")
    assert np.isnan(d.loc["T2", "good_days"]) and d.loc["T2", "days_reason"] == "invalid_month"
    assert np.isnan(d.loc["T2", "ytd_good_days"]) and d.loc["T2", "ytd_days_reason"] == "ytd_incomplete"
    assert pd.isna(d.loc["T2", "good_days_change_rank"])


# ------------------------------------------------------------------------------------- errors
def test_several_districts_need_a_code_and_bad_month_is_an_input_error():
    f = base()
    dd = pd.concat([district_of(f), district_of(f).assign(district_code="D2")], ignore_index=True)
    with pytest.raises(InputDataError, match="district_code"):
        bulletin(f, dd, "2024-03", towns=TOWNS)
    b = bulletin(f, dd, "2024-03", towns=TOWNS, district_code="D2", district_name="某区")
    assert b.monthly.loc[0, "code"] == "D2" and b.monthly.loc[0, "name"] == "某区"
    with pytest.raises(InputDataError):
        bulletin(f, district_of(f), "2024-13", towns=TOWNS)
    with pytest.raises(InputDataError, match="town_name"):
        bulletin(f, district_of(f), "2024-03", towns=TOWNS[["town_code"]])


def test_a_pollutant_not_monitored_is_no_data_and_the_index_is_missing():
    f = base().drop(columns=["so2", "so2_valid"])
    b = run(f)
    t = b.monthly.set_index("code")
    assert t["so2"].isna().all() and (t["so2_reason"] == "no_data").all()
    assert t["composite"].isna().all() and (t["composite_reason"] == "no_data").all()
    assert t.loc["T1", "pm25"] == 20.0
    # days still counted from the pollutants that are monitored
    assert (b.days.set_index("code").loc["T1", "good_days"]) == 31


def test_january_year_to_date_is_the_month():
    f = set_values(base(), "T2", "2024-01-01", "2024-01-31", pm25=42.25)
    f = invalidate(f, "T3", "2024-01-01", "2024-01-06")  # 25 valid days in January: invalid
    b = run(f, "2024-01")
    cols = ["pm25", "o3", "composite", "pm25_change_pct", "composite_rank"]
    pd.testing.assert_frame_equal(b.ytd[cols], b.monthly[cols])
    assert row(b.monthly, "T2")["pm25"] == 42.2
    assert row(b.ytd, "T3")["pm25_reason"] == "invalid_month"
    d = row(b.days, "T2")
    assert d["ytd_good_days"] == d["good_days"] == 31
