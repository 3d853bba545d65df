"""Tests of airlib.standards.composite_index (综合指数)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.standards.composite_index import composite_index, composite_limits
from airlib.errors import InputDataError
from airlib.settings import DEFAULT, Settings

# worked example (standards.md §3.1): 21/35 + 39/70 + 9/60 + 15/40 + 192/160 + 0.7/4 = 3.06
EXAMPLE = {"pm25": 21.0, "pm10": 39.0, "so2": 9.0, "no2": 15.0, "o3_8h_p90": 192.0,
           "co_p95": 0.7}


def stats(rows: dict[str, dict[str, float]], key="district_code") -> pd.DataFrame:
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = key
    return df.reset_index()


def test_worked_example():
    out = composite_index(stats({"110109": EXAMPLE}))
    r = out.iloc[0]
    assert r["i_sum"] == pytest.approx(3.06)
    assert r["i_sum_exact"] == pytest.approx(21 / 35 + 39 / 70 + 9 / 60 + 15 / 40 + 1.2 + 0.175)
    # sub-indices published to 2 decimals by GB/T 8170 (0.375 -> 0.38, 0.175 -> 0.18)
    assert (r["i_pm25"], r["i_pm10"], r["i_so2"], r["i_no2"], r["i_o3"], r["i_co"]) == (
        pytest.approx(0.60), pytest.approx(0.56), pytest.approx(0.15), pytest.approx(0.38),
        pytest.approx(1.20), pytest.approx(0.18))
    # I_sum is not the sum of rounded sub-indices (that would be 3.07)
    assert r["i_sum"] != pytest.approx(0.60 + 0.56 + 0.15 + 0.38 + 1.20 + 0.18)
    assert r["rank"] == 1


def test_limits_by_edition():
    assert composite_limits("GB3095-2012") == {"so2": 60, "no2": 40, "pm10": 70, "pm25": 35,
                                               "co": 4, "o3": 160}
    assert composite_limits("GB3095-2026-final") == {"so2": 20, "no2": 30, "pm10": 50,
                                                     "pm25": 25, "co": 4, "o3": 160}
    out = composite_index(stats({"x": EXAMPLE}), limits_edition="GB3095-2026-transitional")
    expected = 21 / 30 + 39 / 60 + 9 / 60 + 15 / 40 + 1.2 + 0.175
    assert out.loc[0, "i_sum_exact"] == pytest.approx(expected)
    with pytest.raises(InputDataError, match="edition"):
        composite_limits("GB3095-1996")


def test_weights_configurable():
    out = composite_index(stats({"x": EXAMPLE}), weights={"pm25": 3, "no2": 2, "o3": 2})
    expected = 3 * 0.6 + 39 / 70 + 0.15 + 2 * 0.375 + 2 * 1.2 + 0.175
    assert out.loc[0, "i_sum_exact"] == pytest.approx(expected)
    s = dataclasses.replace(DEFAULT, composite_weights={"pm25": 3.0})
    out2 = composite_index(stats({"x": EXAMPLE}), settings=s)
    assert out2.loc[0, "i_sum_exact"] == pytest.approx(3 * 0.6 + 39 / 70 + 0.15 + 0.375 + 1.2 + 0.175)
    with pytest.raises(InputDataError, match="unknown"):
        composite_index(stats({"x": EXAMPLE}), weights={"tsp": 1})


def test_rank_ties_competition_on_published_values():
    rows = {
        "a": EXAMPLE,
        "b": {**EXAMPLE, "o3_8h_p90": 191.0},  # exact 3.0508 -> 3.05
        "c": {**EXAMPLE, "co_p95": 0.8},  # 3.082 -> 3.08
        "d": {**EXAMPLE, "so2": 9.1},  # 9.1 -> 9 after concentration rounding: tie with a
        "e": {**EXAMPLE, "pm25": np.nan},  # invalid statistic -> no index, no rank
    }
    out = composite_index(stats(rows)).set_index("district_code")
    assert list(out["rank"].astype("float")[["a", "b", "c", "d"]]) == [2, 1, 4, 2]
    assert pd.isna(out.loc["e", "rank"]) and np.isnan(out.loc["e", "i_sum"])


def test_concentration_rounding_gbt8170():
    a = composite_index(stats({"x": {**EXAMPLE, "pm25": 21.5}}))
    b = composite_index(stats({"x": {**EXAMPLE, "pm25": 22.5}}))
    assert a.loc[0, "c_pm25"] == 22 and b.loc[0, "c_pm25"] == 22  # half to even
    raw = composite_index(stats({"x": {**EXAMPLE, "pm25": 21.5}}), concentration_decimals=None)
    assert raw.loc[0, "c_pm25"] == 21.5


def test_change_rate_vs_last_year_and_rank_within_periods():
    cur = stats({"a": EXAMPLE, "b": {**EXAMPLE, "pm25": 28.0}})
    prev = stats({"a": {**EXAMPLE, "pm25": 30.0}, "b": {**EXAMPLE, "pm25": 28.0}})
    out = composite_index(cur, previous=prev).set_index("district_code")
    # a: 3.06 vs 3.3143 -> 3.31 ; (3.06 - 3.31) / 3.31 * 100 = -7.553 -> -7.6
    assert out.loc["a", "i_sum_previous"] == pytest.approx(3.31)
    assert out.loc["a", "change_pct"] == pytest.approx(-7.6)
    assert out.loc["b", "change_pct"] == 0.0
    assert out.loc["a", "change_rank"] == 1 and out.loc["b", "change_rank"] == 2
    two_years = pd.concat([cur.assign(year=2016), prev.assign(year=2015)], ignore_index=True)
    r = composite_index(two_years)
    assert sorted(r.loc[r["year"] == 2016, "rank"].tolist()) == [1, 2]
    assert sorted(r.loc[r["year"] == 2015, "rank"].tolist()) == [1, 2]


def test_missing_statistic_column_raises():
    df = stats({"x": EXAMPLE}).drop(columns=["co_p95"])
    with pytest.raises(InputDataError, match="co_p95"):
        composite_index(df)


# ---------------------------------------------------------------- one implementation (#11)
# Two towns whose concentrations publish the same (PM10 52, PM2.5 30): rounded C_i give
# 3.98 and 3.98 (ranks 1, 1); the former engine copy, without C_i rounding, gave 3.96 and
# 4.00 (ranks 1, 2).
TWO_TOWNS = pd.DataFrame({
    "town_code": ["110109001", "110109002"], "year": [2025, 2025], "month": [6, 6],
    "so2": [6.0, 6.0], "no2": [39.0, 39.0], "pm10": [51.6, 52.4], "pm25": [29.6, 30.4],
    "co": [0.8, 0.8], "co_p95": [1.0, 1.0], "o3_p90": [169.0, 169.0],
})


def test_two_towns_same_published_index_share_the_rank_on_both_paths():
    from airlib.engine.citywide import composite_ranking

    engine = composite_ranking(TWO_TOWNS)
    assert engine["index_published"].tolist() == [3.98, 3.98]
    assert engine["rank"].tolist() == [1, 1]
    general = composite_index(TWO_TOWNS.rename(columns={"o3_p90": "o3_8h_p90"}), by="town_code")
    assert general["i_sum"].tolist() == engine["index_published"].tolist()
    assert general["rank"].tolist() == engine["rank"].tolist()
    # without the C_i rounding the two would differ (the bug this guards against)
    raw = composite_index(TWO_TOWNS.rename(columns={"o3_p90": "o3_8h_p90"}), by="town_code",
                          concentration_decimals=None)
    assert raw["i_sum"].tolist() == [3.96, 4.00] and raw["rank"].tolist() == [1, 2]


def _two_months(edition: str) -> tuple[pd.DataFrame, Settings]:
    s = pd.DataFrame({"town_code": ["a", "a"], "year": [2026, 2026], "month": [2, 3], **{
        k: [v, v] for k, v in EXAMPLE.items()}})
    return s, dataclasses.replace(DEFAULT, composite_limits_edition=edition)


def test_limits_edition_by_period_date_as_the_setting_says():
    from airlib.engine.citywide import composite_ranking

    s, cfg = _two_months("GB3095-2026-transitional")
    out = composite_index(s, settings=cfg)
    feb = 21 / 35 + 39 / 70 + 9 / 60 + 15 / 40 + 192 / 160 + 0.7 / 4  # GB 3095—2012 (before 2026-03-01)
    mar = 21 / 30 + 39 / 60 + 9 / 60 + 15 / 40 + 192 / 160 + 0.7 / 4  # transitional PM2.5 30, PM10 60
    assert out["i_sum_exact"].tolist() == pytest.approx([feb, mar])
    eng = composite_ranking(s.rename(columns={"o3_8h_p90": "o3_p90"}), cfg)
    assert eng["index"].tolist() == pytest.approx([feb, mar])
    assert eng["index_published"].tolist() == out["i_sum"].tolist()
    # default setting: GB 3095—2012 on both sides of the switch
    assert composite_index(s)["i_sum_exact"].tolist() == pytest.approx([feb, feb])
    # a datetime month column and a period_statistics 'start' column choose the same way
    m = s.drop(columns="year").assign(month=pd.to_datetime(["2026-02-01", "2026-03-01"]))
    assert composite_index(m, settings=cfg)["i_sum_exact"].tolist() == pytest.approx([feb, mar])
    st = s.drop(columns=["year", "month"]).assign(start=pd.to_datetime(["2026-02-01", "2026-03-01"]))
    assert composite_index(st, settings=cfg)["i_sum_exact"].tolist() == pytest.approx([feb, mar])
    # an explicit edition applies to every period
    both = composite_index(s, limits_edition="GB3095-2026-transitional")
    assert both["i_sum_exact"].tolist() == pytest.approx([mar, mar])


def test_limits_edition_in_force_and_bad_settings():
    from airlib.standards.composite_index import limits_edition_for

    cfg = dataclasses.replace(DEFAULT, composite_limits_edition="in_force")
    got = limits_edition_for(pd.to_datetime(["2026-02-01", "2026-03-01", "2030-12-01", "2031-01-01"]), cfg)
    assert got.tolist() == ["GB3095-2012", "GB3095-2026-transitional", "GB3095-2026-transitional",
                            "GB3095-2026-final"]
    bad = dataclasses.replace(DEFAULT, composite_limits_edition="GB3095-2099")
    with pytest.raises(InputDataError, match="composite_limits_edition"):
        composite_index(_two_months("GB3095-2012")[0], settings=bad)
    # no period column: fine with the default (one edition), an error when the date matters
    no_period = stats({"x": EXAMPLE})
    assert composite_index(no_period)["i_sum"].iloc[0] == pytest.approx(3.06)
    with pytest.raises(InputDataError, match="no period column"):
        composite_index(no_period, settings=cfg)


def test_period_start_from_year_only_and_integer_month_without_year():
    cfg = dataclasses.replace(DEFAULT, composite_limits_edition="GB3095-2026-final")
    annual = pd.DataFrame({"town_code": ["a", "a"], "year": [2026, 2027], **{k: [v, v] for k, v in EXAMPLE.items()}})
    out = composite_index(annual, settings=cfg)
    # the year 2026 starts before the switch (GB 3095—2012); 2027 uses the setting's edition
    assert out["i_sum_exact"].tolist() == pytest.approx([
        21 / 35 + 39 / 70 + 9 / 60 + 15 / 40 + 1.2 + 0.175, 21 / 25 + 39 / 50 + 9 / 20 + 15 / 30 + 1.2 + 0.175])
    with pytest.raises(InputDataError, match="no year"):
        composite_index(annual.drop(columns="year").assign(month=[2, 3]), settings=cfg)


def test_composite_limits_in_force_needs_dates():
    cfg = dataclasses.replace(DEFAULT, composite_limits_edition="in_force")
    with pytest.raises(InputDataError, match="composite_limits_by_date"):
        composite_limits(None, cfg)
    with pytest.raises(InputDataError, match="unknown limits edition"):
        composite_limits("GB3095-1996")
