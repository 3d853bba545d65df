"""The city-scale path (airlib.engine.citywide) and the general path (validity → aggregation →
tracking.ranking / composite_index) give the same published values and ranks on the same
store: PM2.5 monthly ranking, YoY, YTD, and the comprehensive index with its rank, with a
non-default limits edition on both sides of 2026-03-01 (issue #11, "one rule, one
implementation")."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.engine import citywide as cw
from airlib.io.store import read_hourly, write_hourly
from airlib.settings import DEFAULT
from airlib.standards.composite_index import composite_index
from airlib.standards.validity import daily_statistics, monthly_statistics
from airlib.tracking.aggregation import aggregate_daily
from airlib.tracking.ranking import town_monthly_ranking

SETTINGS = dataclasses.replace(DEFAULT, composite_limits_edition="GB3095-2026-transitional")
TOWNS = pd.DataFrame({
    "town_code": [f"11010900{i}" for i in range(1, 7)],
    "town_name": ["甲", "乙", "丙", "丁", "戊", "己"],
    "district_code": "110109", "district_name": "门头沟区",
})
# two stations per town, one town (…006) with a single station
STATIONS = pd.DataFrame({
    "station": [f"S{i:02d}" for i in range(11)],
    "town_code": [TOWNS["town_code"][i // 2] for i in range(11)],
})
MONTHS = [(2025, 1), (2025, 2), (2025, 3), (2026, 1), (2026, 2), (2026, 3)]


def _hourly() -> pd.DataFrame:
    rng = np.random.default_rng(20260301)
    parts = []
    for y, m in MONTHS:
        t = pd.date_range(pd.Timestamp(y, m, 1), pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(1)
                          + pd.Timedelta(hours=23), freq="h")
        for k, st in enumerate(STATIONS["station"]):
            level = 25 + 3 * (k // 2) + (5 if y == 2026 else 0)
            f = pd.DataFrame({"station": st, "time": t})
            f["pm25"] = np.round(level + rng.gamma(2.0, 6.0, len(t)), 0)  # integer readings: ties
            f["pm10"] = np.round(f["pm25"] * 1.7 + rng.normal(0, 5, len(t)).clip(-20, 20), 0)
            f["so2"] = np.round(rng.gamma(2.0, 3.0, len(t)) + 2, 0)
            f["no2"] = np.round(rng.gamma(3.0, 10.0, len(t)) + 5, 0)
            f["co"] = np.round(rng.gamma(4.0, 0.2, len(t)) + 0.2, 1)
            f["o3"] = np.round(60 + 50 * np.sin((t.hour.to_numpy() - 9) / 24 * 2 * np.pi) + rng.normal(0, 10, len(t)), 0).clip(1)
            parts.append(f)
    h = pd.concat(parts, ignore_index=True)
    # town 005 (S08, S09) reads exactly what town 004 (S06, S07) reads: tied ranks (1, 2, 3, 4, 4, 6)
    values = ["pm25", "pm10", "so2", "no2", "co", "o3"]
    for a, b in (("S08", "S06"), ("S09", "S07")):
        h.loc[h["station"] == a, values] = h.loc[h["station"] == b, values].to_numpy()
    # gaps: town 002 misses 6 days of February 2025 at both stations (invalid month, breaks
    # YTD of Feb and Mar 2025); station S00 loses 10 days of March 2026 (town 001 still valid
    # through S01); town 006 (S10) has 5 missing hours a day on 2026-01-03..05 (days invalid)
    feb = (h["time"] >= "2025-02-03") & (h["time"] < "2025-02-09")
    h = h[~(feb & h["station"].isin(["S02", "S03"]))]
    mar = (h["time"] >= "2026-03-10") & (h["time"] < "2026-03-20")
    h = h[~(mar & (h["station"] == "S00"))]
    jan = (h["time"] >= "2026-01-03") & (h["time"] < "2026-01-06") & (h["time"].dt.hour < 5)
    h.loc[jan & (h["station"] == "S10"), "pm25"] = np.nan
    return h.reset_index(drop=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("equiv")
    write_hourly(_hourly(), root, "eq")
    return root


@pytest.fixture(scope="module")
def general(store):
    """The general path: station daily → town daily → monthly statistics."""
    hourly = read_hourly(store, "eq")
    daily = daily_statistics(hourly)
    return aggregate_daily(daily, STATIONS, level="town")


@pytest.fixture(scope="module")
def engine(store):
    return cw.town_monthly_table(store, "eq", STATIONS, settings=SETTINGS, workers=1)


@pytest.mark.parametrize("ym", [(2026, 1), (2026, 2), (2026, 3), (2025, 3)])
def test_pm25_ranking_yoy_ytd_agree(general, engine, ym):
    year, month = ym
    gen = town_monthly_ranking(general, f"{year}-{month:02d}", towns=TOWNS, settings=SETTINGS).set_index("town_code")
    rank = cw.monthly_ranking(engine, SETTINGS)
    ytd = cw.yoy_ytd(engine, SETTINGS)
    sel = (rank["year"] == year) & (rank["month"] == month)
    r = rank[sel].set_index("town_code").reindex(gen.index)
    y = ytd[(ytd["year"] == year) & (ytd["month"] == month)].set_index("town_code").reindex(gen.index)
    np.testing.assert_array_equal(gen["pm25"].to_numpy(float), r["pm25_published"].to_numpy(float))
    assert gen["rank"].astype("Float64").tolist() == r["rank"].astype("Float64").tolist()
    np.testing.assert_array_equal(gen["ytd"].to_numpy(float), y["ytd_published"].to_numpy(float))
    if year == 2026:
        np.testing.assert_array_equal(gen["yoy_pct"].to_numpy(float), y["yoy_pct"].to_numpy(float))
        np.testing.assert_array_equal(gen["ytd_yoy_pct"].to_numpy(float), y["ytd_yoy_pct"].to_numpy(float))
    # the comparison is not vacuous
    assert gen["rank"].notna().sum() >= 5
    if ym == (2025, 3):
        assert pd.isna(gen.loc["110109002", "ytd"]) and pd.notna(gen.loc["110109002", "pm25"])
    if ym == (2026, 3):
        assert gen["yoy_pct"].notna().sum() >= 5 and gen["ytd_yoy_pct"].notna().sum() >= 4
    assert gen.loc["110109004", "rank"] == gen.loc["110109005", "rank"]  # competition ties
    assert gen["rank"].max() == 6 or ym == (2025, 2)


def test_composite_index_and_rank_agree_across_the_2026_switch(general, engine):
    monthly = monthly_statistics(general, by="town_code")
    gen = composite_index(monthly, settings=SETTINGS, by="town_code")
    gen["year"] = pd.DatetimeIndex(gen["month"]).year
    gen["month"] = pd.DatetimeIndex(gen["month"]).month
    # the daily frame spans the calendar from 2025-01 to 2026-03; the store holds six months
    gen = gen[[ym in MONTHS for ym in zip(gen["year"], gen["month"])]]
    assert gen["rank"].notna().any()
    eng = cw.composite_ranking(engine, SETTINGS)
    keys = ["town_code", "year", "month"]
    both = eng.merge(gen.assign(town_code=gen["town_code"].astype("string")), on=keys, how="outer", validate="1:1")
    assert len(both) == len(TOWNS) * len(MONTHS)
    np.testing.assert_array_equal(both["index_published"].to_numpy(float), both["i_sum"].to_numpy(float))
    assert both["rank_x"].astype("Float64").tolist() == both["rank_y"].astype("Float64").tolist()
    np.testing.assert_allclose(both["index"].to_numpy(float), both["i_sum_exact"].to_numpy(float), rtol=1e-12)
    # S_i changed at 2026-03 (transitional PM2.5 30, PM10 60), not at 2026-02
    feb = both[(both["year"] == 2026) & (both["month"] == 2)]
    mar = both[(both["year"] == 2026) & (both["month"] == 3)]
    np.testing.assert_allclose(feb["i_pm25"], np.round(feb["c_pm25"] / 35, 2), atol=0.006)
    np.testing.assert_allclose(mar["i_pm25"], np.round(mar["c_pm25"] / 30, 2), atol=0.006)
    assert both["index_published"].notna().sum() >= 30 and both["rank_x"].notna().sum() >= 30
    tied = both.set_index("town_code").groupby(["year", "month"])["rank_x"].apply(lambda r: r.duplicated().any())
    assert tied.all()  # towns 004 and 005 share every rank
