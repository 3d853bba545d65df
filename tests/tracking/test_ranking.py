"""Rankings: published precision, competition ties, YoY from rounded values, lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.tracking.ranking import (
    STATUS_INVALID,
    bottom_n,
    competition_rank,
    ranking_table,
    worsening_list,
    yoy_percent,
)
from airlib.settings import DEFAULT, Settings

CODES = [f"11010900{i}" for i in range(1, 7)]


def s(values, codes=CODES):
    return pd.Series(values, index=codes[: len(values)], dtype="float64")


def test_competition_rank_ties_share_lowest_rank():
    r = competition_rank(pd.Series([10.0, 20.0, 20.0, 30.0]))
    assert r.tolist() == [1, 2, 2, 4]
    r = competition_rank(pd.Series([10.0, 20.0, 20.0, 30.0]), ascending=False)
    assert r.tolist() == [4, 2, 2, 1]


def test_competition_rank_missing_is_not_ranked():
    r = competition_rank(pd.Series([np.nan, 5.0, 3.0]))
    assert r.isna().tolist() == [True, False, False]
    assert r.dropna().tolist() == [2, 1]


def test_ranking_precision_is_published_precision_switch_2024_and_configurable():
    # one published-precision function (airlib.standards.rounding.published_precision)
    from airlib.standards.rounding import published_precision

    assert published_precision("pm25", "2023-12-01") == 0
    assert published_precision("pm25", "2024-01-01") == 1
    cfg = Settings(pm25_decimals_before_2024=1)
    assert published_precision("pm25", "2018-01-01", cfg) == 1
    assert ranking_table(s([40.44]), year=2023)["pm25"].tolist() == [40.0]
    assert ranking_table(s([40.44]), year=2024)["pm25"].tolist() == [40.4]
    assert ranking_table(s([40.44]), year=2018, settings=cfg)["pm25"].tolist() == [40.4]


def test_ranks_on_rounded_values_integers_before_2024():
    # 40.4 and 39.6 both publish as 40 -> tie; 38.5 -> 38 (GB/T 8170 half-even)
    t = ranking_table(s([40.4, 39.6, 38.5, 41.0]), year=2018)
    byc = t.set_index("town_code")
    assert byc.loc[CODES[2], "pm25"] == 38
    assert byc.loc[CODES[0], "rank"] == byc.loc[CODES[1], "rank"] == 2
    assert byc.loc[CODES[3], "rank"] == 4
    assert t["rank"].tolist() == [1, 2, 2, 4]  # sorted by rank


def test_ranks_keep_one_decimal_from_2024():
    t = ranking_table(s([40.4, 39.6, 38.5, 41.0]), year=2024).set_index("town_code")
    assert t.loc[CODES[0], "rank"] == 3 and t.loc[CODES[1], "rank"] == 2


def test_yoy_from_rounded_values_matches_published_rule():
    # Published rule: (cur_int - last_int)/last_int*100 to 1 decimal.
    # 2021-style: cur 33.4 -> 33, last 37.6 -> 38: (33-38)/38 = -13.157.. -> -13.2
    y = yoy_percent(pd.Series([33.0]), pd.Series([38.0]))
    assert y.iloc[0] == pytest.approx(-13.2)
    t = ranking_table(s([33.4]), s([37.6]), year=2021).iloc[0]
    assert t["yoy_pct"] == pytest.approx(-13.2)
    # from unrounded values it would be -11.2: the table must not do that
    assert t["yoy_pct"] != pytest.approx(round((33.4 - 37.6) / 37.6 * 100, 1))


def test_yoy_rank_largest_fall_is_one_and_ties():
    cur = s([30, 45, 40, 40])
    last = s([40, 50, 50, 50])  # -25, -10, -20, -20
    t = ranking_table(cur, last, year=2018).set_index("town_code").loc[CODES[:4]]
    assert t["yoy_pct"].tolist() == pytest.approx([-25.0, -10.0, -20.0, -20.0])
    assert t["yoy_rank"].tolist() == [1, 4, 2, 2]


def test_yoy_zero_last_year_and_missing():
    y = yoy_percent(pd.Series([5.0, np.nan, 5.0]), pd.Series([0.0, 5.0, np.nan]))
    assert y.isna().all()


def test_invalid_unit_shown_not_ranked():
    t = ranking_table(s([30, np.nan, 40]), s([35, 40, np.nan]), year=2018).set_index("town_code")
    assert t.loc[CODES[1], "status"] == STATUS_INVALID
    assert t["valid"].dtype == bool and not t.loc[CODES[1], "valid"] and t.loc[CODES[0], "valid"]
    assert pd.isna(t.loc[CODES[1], "rank"]) and pd.isna(t.loc[CODES[1], "yoy_rank"])
    assert t.loc[CODES[0], "rank"] == 1 and t.loc[CODES[2], "rank"] == 2
    # no last-year value -> no YoY rank, but still a concentration rank
    assert pd.isna(t.loc[CODES[2], "yoy_pct"]) and t.loc[CODES[2], "rank"] == 2
    # listed last
    assert ranking_table(s([30, np.nan, 40]), year=2018)["town_code"].iloc[-1] == CODES[1]


def test_ytd_and_rank_movement():
    cur = s([30, 40, 50])
    t = ranking_table(
        cur, year=2018,
        ytd=s([45, 44, 60]), ytd_last_year=s([50, 40, 60]),
        last_month=s([55, 35, 60]),
    ).set_index("town_code").loc[CODES[:3]]
    assert t.loc[CODES[1], "ytd_rank"] == 1
    assert t["ytd_yoy_pct"].tolist() == pytest.approx([-10.0, 10.0, 0.0])
    assert t["ytd_yoy_rank"].tolist() == [1, 3, 2]
    # last month ranks 2,1,3 -> this month 1,2,3
    assert t["rank_last_month"].tolist() == [2, 1, 3]
    assert t["rank_change"].tolist() == [1, -1, 0]


def test_last_month_precision_of_its_year():
    # January 2024 report, December 2023 values are integers: 35.4 and 34.6 tie at 35.
    t = ranking_table(s([30.0, 31.0]), year=2024, last_month=s([35.4, 34.6]), last_month_year=2023)
    assert t["rank_last_month"].tolist() == [1, 1]


def test_bottom_n_includes_ties_at_boundary():
    t = ranking_table(s([30, 40, 50, 50, 20]), year=2018)
    b = bottom_n(t, 1)
    assert sorted(b["town_code"]) == [CODES[2], CODES[3]]  # tied worst
    b2 = bottom_n(t, 3)
    assert len(b2) == 3 and b2["reverse_rank"].tolist() == [1, 1, 3]
    assert len(bottom_n(t, 0)) == 0
    with pytest.raises(ValueError):
        bottom_n(t, -1)


def test_bottom_n_skips_invalid_units():
    t = ranking_table(s([30, np.nan, 50]), year=2018)
    assert bottom_n(t, 2)["town_code"].tolist() == [CODES[2], CODES[0]]


def test_worsening_excludes_units_meeting_standard():
    cur = s([34, 36, 50, 40])
    last = s([30, 30, 60, 40])  # +13.3 (meets 35 -> excluded), +20, -16.7, 0
    t = ranking_table(cur, last, year=2018)
    w = worsening_list(t)
    assert w["town_code"].tolist() == [CODES[1]]
    # limit is configurable; None excludes nobody; sorted most-worsened first
    w2 = worsening_list(t, meets_limit=None)
    assert w2["town_code"].tolist() == [CODES[1], CODES[0]]
    # YoY exactly 0 is not worsening
    assert CODES[3] not in w2["town_code"].tolist()


def test_names_attached():
    names = pd.Series(["大台街道", "王平地区"], index=CODES[:2])
    t = ranking_table(s([30, 40]), year=2018, names=names)
    assert t["town_name"].tolist() == ["大台街道", "王平地区"]


def _town_daily(values_by_town: dict[str, float], start="2017-01-01", end="2018-02-28", drop=None):
    """Constant daily means per town; ``drop`` = {town: [dates]} removes days (missing days)."""
    days = pd.date_range(start, end, freq="D")
    frames = []
    for code, v in values_by_town.items():
        f = pd.DataFrame({"town_code": code, "date": days, "pm25": float(v)})
        f["pm25"] = f["pm25"] + np.where(f["date"].dt.year == 2018, -5.0, 0.0)
        if drop and code in drop:
            f = f[~f["date"].isin(pd.to_datetime(drop[code]))]
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["pm25_valid"] = True
    return out


def test_town_monthly_ranking_from_daily_with_february_rule():
    from airlib.tracking.ranking import town_monthly_ranking

    towns = pd.DataFrame({"town_code": CODES[:4], "town_name": ["甲", "乙", "丙", "丁"]})
    # Feb 2018: 28 days. Town 1 misses 3 days (25 left: valid in February),
    # town 2 misses 4 (24: invalid); town 4 has no data at all.
    drop = {
        CODES[0]: pd.date_range("2018-02-01", periods=3),
        CODES[1]: pd.date_range("2018-02-01", periods=4),
    }
    daily = _town_daily({CODES[0]: 50, CODES[1]: 40, CODES[2]: 60}, drop=drop)
    t = town_monthly_ranking(daily, "2018-02", towns=towns).set_index("town_code")
    assert t.loc[CODES[0], "pm25"] == 45 and t.loc[CODES[0], "valid_days"] == 25
    assert t.loc[CODES[1], "status"] == STATUS_INVALID and pd.isna(t.loc[CODES[1], "rank"])
    assert t.loc[CODES[1], "valid_days"] == 24
    assert t.loc[CODES[3], "status"] == STATUS_INVALID and t.loc[CODES[3], "valid_days"] == 0
    assert t.loc[CODES[3], "town_name"] == "丁"
    assert t.loc[CODES[0], "rank"] == 1 and t.loc[CODES[2], "rank"] == 2
    # YoY from rounded values: (45-50)/50 = -10.0 ; (55-60)/60 = -8.3
    assert t.loc[CODES[0], "yoy_pct"] == pytest.approx(-10.0)
    assert t.loc[CODES[2], "yoy_pct"] == pytest.approx(-8.3)
    # YTD Jan-Feb 2018 (all months valid for town 1) and last month = January
    assert t.loc[CODES[0], "ytd"] == 45 and t.loc[CODES[0], "ytd_yoy_pct"] == pytest.approx(-10.0)
    assert pd.isna(t.loc[CODES[1], "ytd"])  # February invalid -> YTD invalid
    assert t.loc[CODES[1], "rank_last_month"] == 1  # January: 35 < 45 < 55
    assert t.loc[CODES[0], "rank_change"] == 1  # 2 -> 1
