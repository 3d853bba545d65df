"""Sensor QC of micro-stations (airlib.analysis.sensor_qc): each check at its edges on constructed series."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.calibration import nearest_reference
from airlib.analysis.sensor_qc import FLAGS, network_median, qc_flags, qc_summary
from airlib.errors import InputDataError
from airlib.settings import DEFAULT

T0 = pd.Timestamp("2024-01-01 00:00")


def _frame(values: dict[str, np.ndarray], start=T0) -> pd.DataFrame:
    parts = []
    for st, v in values.items():
        v = np.asarray(v, float)
        parts.append(pd.DataFrame({"station": st, "time": pd.date_range(start, periods=len(v), freq="h"), "pm25": v}))
    return pd.concat(parts, ignore_index=True)


def _smooth(n: int, seed: int = 0, level: float = 60.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.round(level + 20 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 3, n), 1)


def _stations(names, lon=116.1, lat=39.9):
    return pd.DataFrame({"station": list(names), "lon": lon, "lat": lat})


def test_columns_values_and_order_are_kept():
    h = _frame({"B": _smooth(50, 1), "A": _smooth(50, 2)}).sample(frac=1.0, random_state=0)
    h.index = h.index + 1000
    out = qc_flags(h, _stations("AB"))
    pd.testing.assert_frame_equal(out[h.columns], h)
    for f in (*FLAGS, "ok"):
        assert out[f"pm25_qc_{f}"].dtype == bool
    assert out["pm25_qc_ok"].all()


def test_range_and_negative_edges():
    v = _smooth(48)
    v[[5, 6, 7, 8]] = [1000.0, 1000.1, -0.1, 0.0]
    out = qc_flags(_frame({"A": v}), _stations("A"))
    assert out["pm25_qc_range"].tolist()[5:9] == [False, True, False, False]
    assert out["pm25_qc_negative"].tolist()[5:9] == [False, False, True, False]
    assert out["pm25_qc_range"].sum() == 1 and out["pm25_qc_negative"].sum() == 1
    s = dataclasses.replace(DEFAULT, micro_qc_range={"pm25": (0.0, 999.0)})
    assert qc_flags(_frame({"A": v}), _stations("A"), settings=s)["pm25_qc_range"].sum() == 2
    # a lower limit: 0 ≤ value < low is out of range, a negative value stays "negative" only
    s = dataclasses.replace(DEFAULT, micro_qc_range={"pm25": (0.5, 1000.0)})
    out = qc_flags(_frame({"A": v}), _stations("A"), settings=s)
    assert out["pm25_qc_range"].tolist()[5:9] == [False, True, False, True]


def test_stuck_needs_n_equal_values_and_a_gap_breaks_the_run():
    v = _smooth(72)
    v[10:16] = 42.0  # 6 equal: stuck (default 6)
    v[30:35] = 42.0  # 5 equal: not stuck
    v[50:53] = 7.0
    v[53] = np.nan
    v[54:57] = 7.0  # 3 + gap + 3: not stuck
    out = qc_flags(_frame({"A": v}), _stations("A"))["pm25_qc_stuck"].to_numpy()
    assert out[10:16].all() and not out[9] and not out[16]
    assert not out[30:35].any() and not out[50:57].any()
    assert out.sum() == 6
    s = dataclasses.replace(DEFAULT, micro_qc_stuck_hours=5)
    assert qc_flags(_frame({"A": v}), _stations("A"), settings=s)["pm25_qc_stuck"].sum() == 11
    # tolerance: values within 0.5 count as equal
    w = _smooth(40)
    w[5:12] = 42.0 + np.array([0, 0.3, -0.2, 0.1, 0, 0.4, -0.1])
    assert not qc_flags(_frame({"A": w}), _stations("A"))["pm25_qc_stuck"].any()
    s = dataclasses.replace(DEFAULT, micro_qc_stuck_tolerance=0.5)
    assert qc_flags(_frame({"A": w}), _stations("A"), settings=s)["pm25_qc_stuck"].to_numpy()[5:12].all()


def test_stuck_runs_do_not_continue_across_stations():
    a = _smooth(30, 1)
    b = _smooth(30, 2)
    a[-3:] = 50.0
    b[:3] = 50.0  # a's last 3 + b's first 3 would be 6 if the grid were read as one line
    assert not qc_flags(_frame({"A": a, "B": b}), _stations("AB"))["pm25_qc_stuck"].any()


def test_spike_threshold_and_minimum_size():
    v = 60 + np.round(np.random.default_rng(2).normal(0, 2, 96), 1)  # flat with noise: MAD ≈ 1.3
    v[40] += 200.0  # a spike
    v[70] += 25.0  # large robust z but below the 30 µg/m³ minimum
    out = qc_flags(_frame({"A": v}), _stations("A"))["pm25_qc_spike"].to_numpy()
    assert out[40] and not out[70]
    assert out.sum() == 1
    s = dataclasses.replace(DEFAULT, micro_qc_spike_min_abs=20.0)
    assert qc_flags(_frame({"A": v}), _stations("A"), settings=s)["pm25_qc_spike"].to_numpy()[70]
    s = dataclasses.replace(DEFAULT, micro_qc_spike_z=100.0)  # robust z of the big spike ≈ 75
    assert not qc_flags(_frame({"A": v}), _stations("A"), settings=s)["pm25_qc_spike"].any()


def test_a_real_episode_is_not_a_spike_nor_a_step_when_the_network_sees_it():
    n = 24 * 20
    rng = np.random.default_rng(3)
    base = np.r_[np.full(n // 2, 30.0), np.full(n - n // 2, 150.0)]  # air mass change
    vals = {s: base * g + rng.normal(0, 2, n) for s, g in zip("ABCD", (1.0, 1.1, 0.9, 1.05))}
    out = qc_flags(_frame(vals), _stations("ABCD"))
    assert not out["pm25_qc_step"].any() and not out["pm25_qc_spike"].any()


def test_step_of_one_sensor_against_the_network_median():
    n = 24 * 20
    rng = np.random.default_rng(4)
    base = 60 + 30 * np.sin(np.arange(n) * 2 * np.pi / 97)
    vals = {s: base + rng.normal(0, 2, n) for s in "ABCDEFGH"}  # the median of 8 ignores 2 steps
    vals["A"][200:] *= 1.6  # gain step at hour 200
    vals["B"][200:] *= 1.2  # below the 30 % default
    out = qc_flags(_frame(vals), _stations(vals))
    step = out.loc[out["pm25_qc_step"]]
    assert step["station"].tolist() == ["A"]  # one change point, on the stepped sensor
    # medians are flat near the change: the peak lands within a few hours of it
    assert abs(step["time"].iloc[0] - (T0 + pd.Timedelta(hours=200))) <= pd.Timedelta(hours=12)
    s = dataclasses.replace(DEFAULT, micro_qc_step_min_ratio=0.1)
    assert set(qc_flags(_frame(vals), _stations(vals), settings=s).query("pm25_qc_step")["station"]) == {"A", "B"}


def _reference_case(drift: float, rh=None, n_days=60):
    n = 24 * n_days
    rng = np.random.default_rng(5)
    ref = np.exp(np.log(50) + np.cumsum(rng.normal(0, 0.05, n)) * 0.3) + 10
    ramp = 1 + drift * np.arange(n) / (n - 1)
    micro = ref * ramp * rng.lognormal(0, 0.05, n)
    h = _frame({"M1": micro})
    if rh is not None:
        h["rh"] = rh
    r = _frame({"R1": ref})
    micro_st = pd.DataFrame({"station": ["M1"], "lon": [116.10], "lat": [39.90]})
    ref_st = pd.DataFrame({"station": ["R1", "R2"], "lon": [116.11, 117.0], "lat": [39.90, 40.5]})
    return h, micro_st, r, ref_st


def test_drift_against_the_nearest_reference():
    h, ms, r, rs = _reference_case(drift=0.30)
    out = qc_flags(h, ms, r, rs)
    d = out["pm25_qc_drift"].to_numpy()
    assert d[-24 * 7:].all()  # last week: ~28 % above the start
    assert not d[: 24 * 20].any()
    # 10 % drift is within the 20 % tolerance
    h2, *_ = _reference_case(drift=0.10)
    assert not qc_flags(h2, ms, r, rs)["pm25_qc_drift"].any()
    # without a reference: no drift flags
    assert not qc_flags(h, ms)["pm25_qc_drift"].any()
    # the reference farther than micro_qc_reference_max_km: no pair, no drift
    s = dataclasses.replace(DEFAULT, micro_qc_reference_max_km=0.5)
    assert not qc_flags(h, ms, r, rs, settings=s)["pm25_qc_drift"].any()


def test_humid_hours_are_left_out_of_the_drift_ratio():
    n = 24 * 60
    rh = np.where((np.arange(n) // 24) % 10 >= 5, 95.0, 40.0)  # 5 humid days in 10
    h, ms, r, rs = _reference_case(drift=0.0, rh=rh)
    humid = rh > 70
    h.loc[humid, "pm25"] = h.loc[humid, "pm25"] * 1.8  # humidity response, not drift
    assert not qc_flags(h, ms, r, rs)["pm25_qc_drift"].any()
    s = dataclasses.replace(DEFAULT, micro_qc_max_rh=100.0)
    assert qc_flags(h, ms, r, rs, settings=s)["pm25_qc_drift"].any()


def test_nearest_reference_pairs():
    micro = pd.DataFrame({"station": ["M1", "M2"], "lon": [116.10, 118.0], "lat": [39.90, 41.0]})
    ref = pd.DataFrame({"station": ["R1", "R2"], "lon": [116.20, 116.11], "lat": [39.90, 39.90]})
    pairs = nearest_reference(micro, ref, 10.0)  # the one pairing rule of QC drift and calibration
    assert pairs["station"].tolist() == ["M1", "M2"] and pairs["reference"].tolist()[0] == "R2"
    assert pd.isna(pairs["reference"].iloc[1])  # no reference within 10 km: kept, without one
    assert pairs["distance_km"].iloc[0] == pytest.approx(0.853, abs=0.01)  # 0.01° lon at 39.9° N


def test_missing_and_summary_shares():
    v = _smooth(24 * 31)
    v[:10] = np.nan
    h = _frame({"A": v})
    h = h.iloc[20:].reset_index(drop=True)  # 20 hours absent (10 of them NaN before)
    h.loc[100, "pm25"] = -5.0
    out = qc_flags(h, _stations("A"))
    assert out["pm25_qc_missing"].sum() == 0
    h.loc[[200, 201], "pm25"] = np.nan
    out = qc_flags(h, _stations("A"))
    assert out["pm25_qc_missing"].sum() == 2
    assert not out.loc[[200, 201], "pm25_qc_ok"].any()
    summ = qc_summary(out)
    row = summ.iloc[0]
    assert len(summ) == 1 and row["month"] == pd.Timestamp("2024-01-01")
    assert row["n_calendar_hours"] == 744
    assert row["pm25_n_values"] == 744 - 20 - 2
    assert row["pm25_missing_n"] == 22 and row["pm25_missing_share"] == pytest.approx(22 / 744)
    assert row["pm25_negative_n"] == 1 and row["pm25_negative_share"] == pytest.approx(1 / 722)
    assert row["pm25_ok_n"] == out["pm25_qc_ok"].sum()


def test_summary_splits_months_and_stations():
    h = _frame({"A": _smooth(24 * 40), "B": _smooth(24 * 3, 7)}, start=pd.Timestamp("2024-02-10"))
    summ = qc_summary(qc_flags(h, _stations("AB")))
    assert list(zip(summ["station"], summ["month"].dt.month)) == [("A", 2), ("A", 3), ("B", 2)]
    assert summ["n_calendar_hours"].tolist() == [29 * 24, 31 * 24, 29 * 24]
    assert summ.loc[0, "pm25_n_values"] == 20 * 24


def test_bad_input_is_named():
    h = _frame({"A": _smooth(5)})
    with pytest.raises(InputDataError, match="pm10"):
        qc_flags(h, _stations("A"), pollutants=("pm10",))
    with pytest.raises(InputDataError, match="occurs twice"):
        qc_flags(pd.concat([h, h.iloc[[2]]], ignore_index=True), _stations("A"))
    bad = h.copy()
    bad.loc[3, "time"] = bad.loc[3, "time"] + pd.Timedelta(minutes=30)
    with pytest.raises(InputDataError, match="row 3.*whole"):
        qc_flags(bad, _stations("A"))
    with pytest.raises(InputDataError, match="qc_ok"):
        qc_summary(h)


def test_partitions_with_the_network_median_equal_the_whole():
    rng = np.random.default_rng(9)
    n = 24 * 20
    base = 60 + 30 * np.sin(np.arange(n) * 2 * np.pi / 97)
    vals = {f"S{i}": base * rng.uniform(0.8, 1.2) + rng.normal(0, 3, n) for i in range(6)}
    vals["S1"][100:] *= 1.7
    h = _frame(vals)
    whole = qc_flags(h, _stations(vals))
    cons = network_median(h)
    parts = pd.concat([qc_flags(h[h["station"].isin(g)], _stations(g), consensus=cons)
                       for g in (["S0", "S1", "S2"], ["S3", "S4", "S5"])])
    pd.testing.assert_frame_equal(parts.loc[whole.index], whole)
    assert whole["pm25_qc_step"].any()


def test_a_rise_the_network_sees_is_no_spike_and_dips_are_not_spikes():
    rng = np.random.default_rng(11)
    n = 96
    base = np.full(n, 50.0)
    base[40] = 300.0  # one hour of a plume over the whole network
    vals = {s: base * g + rng.normal(0, 1.5, n) for s, g in zip("ABCDEF", (1.0, 1.1, 0.9, 1.05, 0.95, 1.0))}
    vals["A"] = vals["A"].copy()
    vals["A"][60] += 250.0  # only A: a spike
    vals["B"] = vals["B"].copy()
    vals["B"][70] = 1.0  # a dip
    out = qc_flags(_frame(vals), _stations(vals))
    spikes = out.loc[out["pm25_qc_spike"], ["station", "time"]]
    assert list(zip(spikes["station"], spikes["time"])) == [("A", T0 + pd.Timedelta(hours=60))]


def test_two_pollutants_and_non_numeric_values():
    h = _frame({"A": _smooth(48)})
    h["pm10"] = h["pm25"] * 1.5
    h.loc[7, "pm10"] = 2500.0  # above the PM10 default 2000
    out = qc_flags(h, _stations("A"), pollutants=("pm25", "pm10"))
    assert out["pm10_qc_range"].sum() == 1 and out["pm25_qc_range"].sum() == 0
    summ = qc_summary(out)
    assert summ.loc[0, "pm10_range_n"] == 1 and summ.loc[0, "pm25_range_n"] == 0
    bad = h.astype({"pm25": object})
    bad.loc[4, "pm25"] = "n/a"
    with pytest.raises(InputDataError, match=r"row 4, column pm25: 'n/a' is not a number"):
        qc_flags(bad, _stations("A"))
    ok_obj = h.astype({"pm25": object})  # numbers stored as objects are read as they are
    pd.testing.assert_series_equal(qc_flags(ok_obj, _stations("A"))["pm25_qc_ok"], qc_flags(h, _stations("A"))["pm25_qc_ok"])


def test_empty_frame_gets_the_flag_columns():
    h = _frame({"A": _smooth(3)}).iloc[:0]
    out = qc_flags(h, _stations("A"))
    assert len(out) == 0 and "pm25_qc_ok" in out.columns
