"""time_average: the HJ 663 rules by default, openair's data.thresh rule at its edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.averaging import time_average
from airlib.errors import InputDataError
from airlib.standards.validity import daily_statistics, monthly_statistics


def _january(valid_hours: int, station: str = "A") -> pd.DataFrame:
    """January 2016 (744 hours) with the first ``valid_hours`` hours holding 10, 11, 12 … cycling."""
    t = pd.date_range("2016-01-01", periods=744, freq="h")
    x = np.where(np.arange(744) < valid_hours, 10.0 + np.arange(744) % 7, np.nan)
    return pd.DataFrame({"station": station, "time": t, "pm25": x})


def test_data_thresh_edge_75_percent_kept_below_dropped():
    kept = time_average(_january(558), "month", data_thresh=75)      # 558/744 = 75.0 %
    dropped = time_average(_january(557), "month", data_thresh=75)   # 557/744 = 74.87 %
    assert kept["pm25_capture"].iloc[0] == pytest.approx(75.0)
    assert kept["pm25"].iloc[0] == pytest.approx((10.0 + np.arange(558) % 7).mean())
    assert np.isnan(dropped["pm25"].iloc[0])
    assert dropped["pm25_capture"].iloc[0] == pytest.approx(100 * 557 / 744)
    # the same edge on days: 18 of 24 hours is 75 %, 17 is not
    day = _january(18)
    assert time_average(day, "day", data_thresh=75)["pm25"].notna().sum() == 1
    assert time_average(_january(17), "day", data_thresh=75)["pm25"].notna().sum() == 0


def test_data_thresh_zero_keeps_any_value_and_100_needs_all():
    one = _january(1)
    assert time_average(one, "month", data_thresh=0)["pm25"].iloc[0] == 10.0
    assert np.isnan(time_average(_january(0), "month", data_thresh=0)["pm25"].iloc[0])
    assert time_average(_january(744), "month", data_thresh=100)["pm25"].notna().all()
    assert time_average(_january(743), "month", data_thresh=100)["pm25"].isna().all()


def test_openair_pads_between_first_and_last_time_only():
    # a station starting on 2016-01-31 18:00 with 6 valid hours: capture 100 % of its span (openair date.pad)
    f = _january(744).iloc[-6:]
    r = time_average(f, "month", data_thresh=75)
    assert r["pm25_capture"].iloc[0] == pytest.approx(100.0) and r["pm25"].notna().all()
    # counting the whole month (pad="period", as aqStats does) the same hours are 6/744
    r = time_average(f, "month", data_thresh=75, pad="period")
    assert r["pm25_capture"].iloc[0] == pytest.approx(100 * 6 / 744) and r["pm25"].isna().all()


def test_openair_statistics_and_groups():
    f = pd.concat([_january(744, "A"), _january(372, "B")], ignore_index=True)
    mx = time_average(f, "month", data_thresh=0, statistic="max")
    assert mx["station"].tolist() == ["A", "B"] and mx["pm25"].tolist() == [16.0, 16.0]
    n = time_average(f, "month", data_thresh=0, statistic="frequency")
    assert n["pm25"].tolist() == [744.0, 372.0]
    sd = time_average(f, "year", data_thresh=0, statistic="sd")
    assert sd["pm25"].iloc[1] == pytest.approx(np.std(10.0 + np.arange(372) % 7, ddof=1))
    assert sd["time"].tolist() == [pd.Timestamp("2016-01-01")] * 2


def test_default_is_hj663():
    f = _january(744)
    f.loc[f.index[: 24 * 5], "pm25"] = np.nan  # 26 valid days < 27: no HJ 663 monthly mean
    hj = time_average(f, "month")
    ref = monthly_statistics(daily_statistics(f, pollutants=["pm25"])).rename(columns={"month": "time"})
    pd.testing.assert_frame_equal(hj, ref)
    assert np.isnan(hj["pm25"].iloc[0])
    # openair's rule keeps it: 26/31 = 83.9 % ≥ 75 %
    assert time_average(f, "month", data_thresh=75)["pm25"].notna().all()
    d = time_average(f, "day")
    assert d["pm25_valid"].sum() == 26 and "time" in d.columns


def test_time_average_bad_input():
    f = _january(10)
    with pytest.raises(InputDataError, match="avg_time"):
        time_average(f, "week")
    with pytest.raises(InputDataError, match="0..100"):
        time_average(f, "day", data_thresh=100.5)
    with pytest.raises(InputDataError, match="data_thresh"):
        time_average(f, "day", statistic="max")
    with pytest.raises(InputDataError, match="duplicate"):
        time_average(pd.concat([f, f.iloc[:1]]), "day", data_thresh=0)
    with pytest.raises(InputDataError, match="statistic"):
        time_average(f, "day", data_thresh=0, statistic="mode")
    with pytest.raises(InputDataError, match="per station"):
        time_average(f.assign(town="X"), "day", type="town")


# ---- openair rollingMean ------------------------------------------------------------------------

def _roll_mean_loops(A, width, cap, align):
    """Line-by-line transcription of openair's src/rolling.cpp (rollMean and ends) with loops."""
    n = len(A)
    res = np.zeros(n)
    na = np.isnan(A)
    start = {"left": width - 1, "centre": width // 2}.get(align, 0)
    for i in range(n - width + 1):
        s = sum(A[j] for j in range(i, i + width) if not na[j])
        m = sum(1 for j in range(i, i + width) if na[j])
        res[i + width - 1 - start] = np.nan if 1 - m / width < cap / 100 else (
            s / (width - m) if width - m else np.nan)

    def ends(side, lo, hi):
        idx = range(lo, hi + 1) if side == "right" else range(hi, lo - 1, -1)
        for i in idx:
            win = range(lo, i + 1) if side == "right" else range(i, hi + 1)
            m = (hi - lo - i + 1) if side == "right" else (i - lo + 1)
            m += sum(1 for j in win if na[j])
            vals = [A[j] for j in win if not na[j]]
            res[i] = np.nan if 1 - m / width < cap / 100 else (sum(vals) / len(vals) if vals else np.nan)

    if align == "right":
        ends("right", 0, width - 2)
    elif align == "left":
        ends("left", n - width, n - 1)
    else:
        ends("right", 0, width // 2)
        ends("left", n - width // 2, n - 1)
    return res


def test_openair_rolling_mean_equals_openair_loops():
    from airlib.analysis.averaging import openair_rolling_mean

    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(8, 60))
        a = rng.normal(50, 10, n)
        a[rng.random(n) < rng.random() * 0.6] = np.nan
        w = int(rng.integers(1, min(n, 25) + 1))
        cap = float(rng.choice([0, 50, 75, 90, 100]))
        align = str(rng.choice(["centre", "left", "right"]))
        np.testing.assert_allclose(openair_rolling_mean(a, w, cap, align), _roll_mean_loops(a, w, cap, align),
                                   rtol=1e-12, equal_nan=True, err_msg=f"n={n} w={w} cap={cap} {align}")


def test_openair_rolling_mean_by_hand_and_segments():
    from airlib.analysis.averaging import openair_rolling_mean

    x = np.arange(10.0)
    # width 3 centred (h = 1): position 0 → partial window [0] (allowance 2 missing: 1 − 2/3 < 0.75 → NaN),
    # position 1 → partial [0, 1]; inside, window j−1 … j+1; position 9 → [9]
    got = openair_rolling_mean(x, 3, 0)
    assert got.tolist() == [0.0, 0.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert np.isnan(openair_rolling_mean(x, 3, 75)[0])
    two = openair_rolling_mean(np.concatenate([x, x]), 3, 0, segments=[10, 10])
    assert two[10:].tolist() == got.tolist()
    with pytest.raises(InputDataError, match="segments"):
        openair_rolling_mean(x, 3, 0, segments=[4])
