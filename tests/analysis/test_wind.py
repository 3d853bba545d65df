"""airlib.analysis.wind / grouping: openair windRose, pollutionRose, percentileRose, cutData on
hand-computed cases, and a UCI run (one station, four years)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.grouping import SEASONS_ZH, cut_data
from airlib.analysis.wind import (
    percentile_rose,
    plot_percentile_rose,
    plot_wind_rose,
    pollution_rose,
    r_pretty,
    sector_of,
    wind_direction_degrees,
    wind_rose,
)
from airlib.errors import InputDataError
from airlib.paths import shared_data_dir

UCI = shared_data_dir() / "uci-beijing-multisite"


def _ten_hours() -> pd.DataFrame:
    # 4 N at 3 m/s, 2 E at 1 m/s, 2 calm (N and NW, ws 0), 2 S at 7 m/s
    return pd.DataFrame({
        "time": pd.date_range("2016-01-01", periods=10, freq="h"),
        "wd": ["N"] * 4 + ["E"] * 2 + ["N", "NW"] + ["S"] * 2,
        "wspm": [3.0] * 4 + [1.0] * 2 + [0.0, 0.0] + [7.0, 7.0],
        "pm25": [10.0, 10, 10, 10, 100, 100, 50, 50, 100, 100],
    })


def _cell(t: pd.DataFrame, sector: float, interval: str) -> float:
    row = t[(t["sector"] == sector) & (t["interval"] == interval)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_wind_direction_degrees():
    d = wind_direction_degrees(pd.Series(["N", "nne", " E ", "S", "W", "NNW", None, "CV", "静风"]))
    np.testing.assert_allclose(d.to_numpy(), [360, 22.5, 90, 180, 270, 337.5, np.nan, np.nan, np.nan])
    assert wind_direction_degrees(pd.Series([0.0, 90.0])).tolist() == [360.0, 90.0]
    with pytest.raises(InputDataError, match="NORTH"):
        wind_direction_degrees(pd.Series(["N", "NORTH"]))


def test_wind_rose_known_frequencies():
    t = wind_rose(_ten_hours())
    assert t["n"].iloc[0] == 10
    assert t["calm"].iloc[0] == pytest.approx(20.0)
    assert list(t["interval"].cat.categories) == ["0 to 2", "2 to 4", "4 to 6", "6 to 7"]
    assert _cell(t, 360, "2 to 4") == pytest.approx(40.0)
    assert _cell(t, 90, "0 to 2") == pytest.approx(20.0)
    assert _cell(t, 180, "6 to 7") == pytest.approx(20.0)
    assert _cell(t, 360, "0 to 2") == 0.0
    assert sorted(t["sector"].unique()) == [90.0, 180.0, 360.0]  # calms (also the NW one) in no sector
    assert t["value"].sum() + t["calm"].iloc[0] == pytest.approx(100.0)
    counts = wind_rose(_ten_hours(), statistic="abs.count")
    assert counts["value"].sum() == 8 and counts["calm"].iloc[0] == 2


def test_bin_edges_and_boundaries():
    # angle 30: a half-way direction goes to the lower centre: 15 -> ceiling(0) = 0 -> 360; 15.1 -> 30;
    # 345 -> ceiling(11) = 330; 345.1 -> 360; 355 -> 360
    np.testing.assert_array_equal(sector_of(np.array([15.0, 15.1, 345.0, 345.1, 355.0, 0.0, 45.0]), 30),
                                  [360, 30, 330, 360, 360, 360, 30])
    f = pd.DataFrame({"wd": [355.0, 5.0, 44.9, 45.0, 45.1], "wspm": [2.0, 2.0, 2.0, 2.0, 2.0]})
    t = wind_rose(f, breaks=[0, 2, 4], bias_corr=False)
    assert _cell(t, 360, "0 to 2") == pytest.approx(40.0)
    assert _cell(t, 30, "0 to 2") == pytest.approx(40.0)
    assert _cell(t, 60, "0 to 2") == pytest.approx(20.0)
    # ws exactly on a class edge goes to the lower class (R cut, right-closed)
    assert _cell(t, 30, "2 to 4") == 0.0


def test_missing_direction_counts_as_calm_like_openair():
    f = pd.DataFrame({"wd": ["N", None, "S", "S"], "wspm": [1.0, 2.0, 1.0, np.nan]})
    t = wind_rose(f)
    assert t["n"].iloc[0] == 3                        # ws missing: removed
    assert t["calm"].iloc[0] == pytest.approx(100 / 3)  # openair: a speed without direction is "calm"
    t2 = wind_rose(f, na_direction_as_calm=False)
    assert t2["calm"].iloc[0] == 0.0
    assert t2["value"].sum() == pytest.approx(200 / 3)


def test_bias_correction_for_ten_degree_data():
    # angle 45 over 10° data: the 36 ten-degree directions fall 4 or 5 to a 45° sector
    f = pd.DataFrame({"wd": np.arange(10.0, 361, 10), "wspm": 1.0})
    t = wind_rose(f, angle=45, breaks=[0, 2])
    span = pd.Series(sector_of(np.arange(10, 361, 10), 45)).value_counts()
    # every 10° direction once: raw share of a sector is k/36; corrected = mean(k)/36, equal everywhere
    np.testing.assert_allclose(t["value"].to_numpy(), 100 * span.mean() / 36)
    raw = wind_rose(f, angle=45, breaks=[0, 2], bias_corr=False)
    assert raw["value"].sum() == pytest.approx(100.0)
    assert set(np.round(raw["value"], 6)) == {round(100 * k / 36, 6) for k in span.unique()}


def test_pollution_rose_two_levels_and_prop_mean():
    f = _ten_hours()
    t = pollution_rose(f, "pm25", breaks=[0, 50, 100])
    assert list(t["interval"].cat.categories) == ["0 to 50", "50 to 100"]
    assert _cell(t, 360, "0 to 50") == pytest.approx(40.0)
    assert _cell(t, 90, "50 to 100") == pytest.approx(20.0)
    assert _cell(t, 180, "50 to 100") == pytest.approx(20.0)
    assert t["calm"].iloc[0] == pytest.approx(20.0)
    # prop.mean, openair 2.18: sums 40 (N) + 200 (E) + 200 (S) + calm 100, and the calm hours (50, 50
    # are in the class (0, 50]) a second time via the calm row of openair's tapply grid -> 640
    m = pollution_rose(f, "pm25", breaks=[0, 50, 100], statistic="prop.mean")
    assert _cell(m, 360, "0 to 50") == pytest.approx(100 * 40 / 640)
    assert _cell(m, 90, "50 to 100") == pytest.approx(100 * 200 / 640)
    assert m["calm"].iloc[0] == pytest.approx(100 * 100 / 640)
    once = pollution_rose(f, "pm25", breaks=[0, 50, 100], statistic="prop.mean", calm_once=True)
    assert _cell(once, 90, "50 to 100") == pytest.approx(100 * 200 / 540)
    assert once["value"].sum() + once["calm"].iloc[0] == pytest.approx(100.0)
    assert m["mean"].iloc[0] == pytest.approx(54.0)
    # default breaks: R pretty(c(min, q90), 6) = pretty(c(10, 100), 6) -> 0, 20, ..., 100
    d = pollution_rose(f, "pm25")
    assert list(d["interval"].cat.categories) == ["0 to 20", "20 to 40", "40 to 60", "60 to 80", "80 to 100"]


@pytest.mark.parametrize(("lo", "hi", "n", "expected"), [
    (0, 100, 5, [0, 20, 40, 60, 80, 100]),
    (1, 9, 5, [0, 2, 4, 6, 8, 10]),
    # the examples of R's ?pretty
    (1, 15, 5, [0, 2, 4, 6, 8, 10, 12, 14, 16]),
    (1, 15, 4, [0, 5, 10, 15]),
    (2, 30, 5, [0, 5, 10, 15, 20, 25, 30]),
    (1, 20, 5, [0, 5, 10, 15, 20]),
    (1, 20, 2, [0, 10, 20]),
    (1, 20, 10, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]),
])
def test_r_pretty(lo, hi, n, expected):
    np.testing.assert_allclose(r_pretty(lo, hi, n), expected)


def test_percentile_rose_known_percentiles():
    f = pd.DataFrame({"wd": ["N"] * 5 + ["E"] * 2, "wspm": 1.0, "pm25": [1.0, 2, 3, 4, 5, 10, 20]})
    t = percentile_rose(f, "pm25", percentile=(25, 50, 75))
    assert len(t) == 36 * 5  # 36 sectors × (p0, p25, p50, p75, mean); 0 added by fill=True
    n = t[t["sector"] == 360].set_index("statistic")["value"]
    assert n.to_dict() == pytest.approx({"p0": 1, "p25": 2, "p50": 3, "p75": 4, "mean": 3})
    e = t[t["sector"] == 90].set_index("statistic")["value"]
    assert e.to_dict() == pytest.approx({"p0": 10, "p25": 12.5, "p50": 15, "p75": 17.5, "mean": 15})
    assert t.loc[t["sector"] == 180, "value"].isna().all()
    assert int(t.loc[(t["sector"] == 360) & (t["statistic"] == "mean"), "n"].iloc[0]) == 5


def test_cut_data_seasons_and_grouped_rose():
    times = pd.to_datetime(["2016-01-15", "2016-03-01", "2016-06-30", "2016-09-01", "2016-11-30", "2016-12-01"])
    g = cut_data(pd.DataFrame({"time": times}), "season")
    assert g["season"].tolist() == [SEASONS_ZH[3], SEASONS_ZH[0], SEASONS_ZH[1], SEASONS_ZH[2], SEASONS_ZH[2],
                                    SEASONS_ZH[3]]
    assert list(g["season"].cat.categories) == list(SEASONS_ZH)
    wk = cut_data(pd.DataFrame({"time": pd.to_datetime(["2016-01-04", "2016-01-10"])}), ["weekday", "weekend"])
    assert wk["weekday"].tolist() == ["星期一", "星期日"] and wk["weekend"].tolist() == ["工作日", "周末"]
    num = cut_data(pd.DataFrame({"temp": [1.0, 2, 3, 4, 5, np.nan]}), "temp")
    assert len(num) == 5 and num["temp"].cat.categories.size == 4
    with pytest.raises(InputDataError, match="nope"):
        cut_data(pd.DataFrame({"time": times}), "nope")

    f = pd.DataFrame({"time": pd.to_datetime(["2016-01-01", "2016-01-02", "2016-07-01", "2016-07-02"]),
                      "wd": ["N", "S", "E", "E"], "wspm": [1.0, 0.0, 3.0, 1.0]})
    t = wind_rose(f, type="season")
    w = t[t["season"] == SEASONS_ZH[3]]
    s = t[t["season"] == SEASONS_ZH[1]]
    assert w["calm"].iloc[0] == pytest.approx(50.0) and _cell(w, 360, "0 to 2") == pytest.approx(50.0)
    assert s["calm"].iloc[0] == 0.0 and _cell(s, 90, "2 to 4") == pytest.approx(50.0)
    assert _cell(s, 90, "0 to 2") == pytest.approx(50.0)


def test_panels_by_column_equal_separate_runs_and_input_untouched():
    a = _ten_hours().assign(station="A")
    b = _ten_hours().assign(station="B", wspm=[5.0] * 10)
    both = pd.concat([a, b], ignore_index=True)
    before = both.copy()
    t = wind_rose(both, type="station", breaks=[0, 2, 4, 6, 8])
    pd.testing.assert_frame_equal(both, before)
    for name, part in (("A", a), ("B", b)):
        alone = wind_rose(part, breaks=[0, 2, 4, 6, 8]).drop(columns="default")
        got = t[t["station"] == name].drop(columns="station").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone, check_categorical=False)
    assert t.loc[t["station"] == "B", "calm"].iloc[0] == 0.0  # B has no calm: 5 m/s everywhere
    two = wind_rose(both, type=["station", "weekend"], breaks=[0, 2, 4, 6, 8])
    assert set(two["weekend"]) == {"工作日"}  # 2016-01-01 was a Friday
    assert set(two["station"]) == {"A", "B"}


def test_errors_are_clear():

    with pytest.raises(InputDataError, match="wspm"):
        wind_rose(pd.DataFrame({"wd": ["N"]}))
    with pytest.raises(InputDataError, match="statistic"):
        wind_rose(_ten_hours(), statistic="median")


def test_plots_draw(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = _ten_hours()
    fig = plot_wind_rose(wind_rose(f))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "静风 20.0%" in texts
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["北", "东", "南", "西"]
    plt.close(fig)
    fig = plot_percentile_rose(percentile_rose(f, "pm25"))
    plt.close(fig)
    fig = plot_wind_rose(wind_rose(f, statistic="abs.count"))
    assert "静风 2 小时" in [t.get_text() for ax in fig.axes for t in ax.texts]
    plt.close(fig)
    fig = plot_wind_rose(wind_rose(f, type="season"), type="season")
    assert [ax.get_title() for ax in fig.axes if ax.name == "polar"] == ["冬季(12-2月)"]
    plt.close(fig)


@pytest.fixture(scope="module")
def uci_station() -> pd.DataFrame:
    if not UCI.exists():
        pytest.skip(f"real data not found at {UCI}")
    from airlib.io.ingest import read_uci_multisite

    hourly, _ = read_uci_multisite(UCI / "PRSA_Data_Gucheng_20130301-20170228.csv")
    return hourly


def test_uci_wind_rose_sums_to_100(uci_station):
    h = uci_station
    t = wind_rose(h)
    assert t["n"].iloc[0] == h["wspm"].notna().sum()
    assert t["value"].sum() + t["calm"].iloc[0] == pytest.approx(100.0, abs=1e-9)
    # independent count from the raw CSV: calm = WSPM 0 or no direction (openair), sector 360 = "N" only
    # (NNE 22.5° -> 30°, NNW 337.5° -> 330° with angle 30)
    raw = pd.read_csv(UCI / "PRSA_Data_Gucheng_20130301-20170228.csv", usecols=["wd", "WSPM"])
    raw = raw[raw["WSPM"].notna()]
    calm = (raw["WSPM"] == 0) | raw["wd"].isna()
    assert t["calm"].iloc[0] == pytest.approx(100 * calm.sum() / len(raw))
    north = (raw["wd"] == "N") & ~calm
    assert t.loc[t["sector"] == 360, "value"].sum() == pytest.approx(100 * north.sum() / len(raw))
    s = wind_rose(h, type="year")
    sums = s.groupby("year", observed=True).apply(lambda g: g["value"].sum() + g["calm"].iloc[0])
    np.testing.assert_allclose(sums.to_numpy(), 100.0)
    p = pollution_rose(h, "pm25", type="season")
    assert p["season"].nunique() == 4
    pr = percentile_rose(h, "pm25")
    wide = pr.pivot_table(index="sector", columns="statistic", values="value")
    assert len(wide) == 16  # 16 compass points, one per 10° sector; the other 20 sectors are empty (NaN)
    assert (wide["p0"] <= wide["p25"]).all() and (wide["p25"] <= wide["p95"]).all()
    assert wide.loc[90, "p50"] == pytest.approx(h.loc[h["wd"] == "E", "pm25"].median())
