"""Sensor QC with co-location windows (比对期): each window and each deployed stretch is its own series.

airlib.analysis.sensor_qc.qc_flags(..., colocation=) — issue #17 (part S): no stuck run, rolling
window or difference crosses a window boundary; inside a window the ratio checks use the
window's reference station.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.sensor_qc import qc_flags
from airlib.errors import InputDataError
from airlib.settings import DEFAULT

T0 = pd.Timestamp("2024-01-01 00:00")
H = pd.Timedelta(hours=1)


def _frame(values: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"station": st, "time": pd.date_range(T0, periods=len(v), freq="h"),
                                    "pm25": np.asarray(v, float)}) for st, v in values.items()], ignore_index=True)


def _windows(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["station", "reference", "start", "end"])


def _air(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.exp(np.log(50) + np.cumsum(rng.normal(0, 0.05, n)) * 0.3) + 10


def _moved_sensor(n_days=40, window_days=14, site_gain=1.6):
    """M1 stands beside C (co-location) for ``window_days``, then at its site, which reads
    ``site_gain`` × the nearest reference R1 (a local source, no fault). C and R1 see the same air."""
    n = 24 * n_days
    rng = np.random.default_rng(7)
    air = _air(n, 8)
    end = 24 * window_days - 1  # last window hour (end inclusive)
    micro = air * rng.lognormal(0, 0.04, n)
    micro[end + 1:] *= site_gain  # the level changes exactly at the window's end
    h = _frame({"M1": micro})
    r = _frame({"R1": air, "C": air})
    ms = pd.DataFrame({"station": ["M1"], "lon": [116.10], "lat": [39.90]})
    rs = pd.DataFrame({"station": ["R1", "C"], "lon": [116.11, 116.5], "lat": [39.90, 40.2]})
    w = _windows(("M1", "C", T0, T0 + end * H))
    return h, ms, r, rs, w, end


def test_a_step_at_the_windows_end_is_no_step_nor_drift_when_segmented():
    h, ms, r, rs, w, end = _moved_sensor()
    plain = qc_flags(h, ms, r, rs)
    assert plain["pm25_qc_step"].any()  # one series: the move reads as a gain step …
    step_at = plain.loc[plain["pm25_qc_step"], "time"]
    assert (abs(step_at - (T0 + (end + 1) * H)) <= pd.Timedelta(hours=12)).all()
    assert plain["pm25_qc_drift"].to_numpy()[end + 24 * 14:].all()  # … and as drift after it
    seg = qc_flags(h, ms, r, rs, colocation=w)
    assert not seg["pm25_qc_step"].any() and not seg["pm25_qc_drift"].any()
    assert seg["pm25_qc_ok"].all()


def test_a_fault_inside_the_deployed_stretch_is_still_found():
    h, ms, r, rs, w, end = _moved_sensor()
    v = h["pm25"].to_numpy().copy()
    v[end + 24 * 12:] *= 1.6  # a real gain step 12 days after deployment
    out = qc_flags(h.assign(pm25=v), ms, r, rs, colocation=w)
    step_at = out.loc[out["pm25_qc_step"], "time"]
    assert len(step_at) and (abs(step_at - (T0 + (end + 24 * 12) * H)) <= pd.Timedelta(hours=12)).all()


def test_inside_a_window_the_ratio_checks_use_the_windows_reference():
    n = 24 * 30
    air = _air(n, 3)
    rng = np.random.default_rng(4)
    c = air * (1 + 0.5 * np.arange(n) / (n - 1))  # C's air moves away from the nearest R1's
    micro = c * rng.lognormal(0, 0.04, n)  # M1 reads C's air, without fault
    h = _frame({"M1": micro})
    r = _frame({"R1": air, "C": c})
    ms = pd.DataFrame({"station": ["M1"], "lon": [116.10], "lat": [39.90]})
    rs = pd.DataFrame({"station": ["R1", "C"], "lon": [116.11, 117.0], "lat": [39.90, 40.5]})  # C 100 km off
    w = _windows(("M1", "C", T0, T0 + (n - 1) * H))
    assert qc_flags(h, ms, r, rs)["pm25_qc_drift"].any()  # against R1 the sensor "drifts"
    assert not qc_flags(h, ms, r, rs, colocation=w)["pm25_qc_drift"].any()
    # a sensor drifting against the window's reference is flagged in its window
    drifting = h.assign(pm25=micro * (1 + 0.6 * np.arange(n) / (n - 1)))
    assert qc_flags(drifting, ms, r, rs, colocation=w)["pm25_qc_drift"].to_numpy()[-24 * 5:].all()
    # the window's reference without data: the network median and no drift check
    w_absent = _windows(("M1", "X9", T0, T0 + (n - 1) * H))
    assert not qc_flags(drifting, ms, r, rs, colocation=w_absent)["pm25_qc_drift"].any()


def test_a_stuck_run_across_the_boundary_is_two_runs():
    rng = np.random.default_rng(1)
    v = np.round(60 + rng.normal(0, 3, 96), 1)
    v[37:45] = 42.0  # 3 hours in the window (… 39) + 5 deployed (40 …)
    h = _frame({"A": v})
    st = pd.DataFrame({"station": ["A"], "lon": [116.1], "lat": [39.9]})
    w = _windows(("A", "R", T0 + 10 * H, T0 + 39 * H))
    s6 = DEFAULT  # stuck = 6 equal values
    assert qc_flags(h, st, settings=s6)["pm25_qc_stuck"].to_numpy()[37:45].all()  # one run of 8
    assert not qc_flags(h, st, settings=s6, colocation=w)["pm25_qc_stuck"].any()  # runs of 3 and 5
    s4 = dataclasses.replace(DEFAULT, micro_qc_stuck_hours=4)
    stuck = qc_flags(h, st, settings=s4, colocation=w)["pm25_qc_stuck"].to_numpy()
    assert np.flatnonzero(stuck).tolist() == list(range(40, 45))  # only the deployed run of 5


def test_a_window_of_one_hour():
    rng = np.random.default_rng(2)
    v = np.round(60 + rng.normal(0, 3, 72), 1)
    v[27:34] = 42.0  # 7 equal values; a one-hour window at hour 30 cuts them into 3 + 1 + 3
    v[50] = -5.0
    h = _frame({"A": v})
    st = pd.DataFrame({"station": ["A"], "lon": [116.1], "lat": [39.9]})
    w = _windows(("A", "R", T0 + 30 * H, T0 + 30 * H), ("A", "R", T0 + 50 * H, T0 + 50 * H))
    assert qc_flags(h, st)["pm25_qc_stuck"].sum() == 7
    out = qc_flags(h, st, colocation=w)
    assert not out["pm25_qc_stuck"].any()
    assert out["pm25_qc_negative"].to_numpy()[50] and out["pm25_qc_negative"].sum() == 1  # per-hour checks stay
    assert out.drop(index=[50])["pm25_qc_ok"].all()


def test_no_windows_of_these_stations_is_identical_to_none():
    rng = np.random.default_rng(9)
    n = 24 * 20
    base = 60 + 30 * np.sin(np.arange(n) * 2 * np.pi / 97)
    vals = {f"S{i}": base * rng.uniform(0.8, 1.2) + rng.normal(0, 3, n) for i in range(5)}
    vals["S1"][100:] *= 1.7
    vals["S2"][40:47] = 33.0
    h = _frame(vals).sample(frac=1.0, random_state=3)
    st = pd.DataFrame({"station": list(vals), "lon": 116.1, "lat": 39.9})
    none = qc_flags(h, st)
    assert none["pm25_qc_step"].any() and none["pm25_qc_stuck"].any()
    empty = _windows()
    other = _windows(("ZZ", "R", T0, T0 + 48 * H))  # another station's window
    outside = _windows(("S1", "R", T0 - 100 * H, T0 - 1 * H), ("S2", "R", T0 + n * H, T0 + (n + 5) * H))
    for w in (empty, other, outside):
        pd.testing.assert_frame_equal(qc_flags(h, st, colocation=w), none)


def test_rows_keep_their_order_and_index_with_windows():
    h, ms, r, rs, w, end = _moved_sensor(n_days=20, window_days=7)
    h2 = pd.concat([h, h.assign(station="M2")], ignore_index=True)
    ms2 = pd.concat([ms, ms.assign(station="M2")], ignore_index=True)
    w2 = pd.concat([w, w.assign(station="M2", end=w["end"] + 24 * H)], ignore_index=True)
    shuffled = h2.sample(frac=1.0, random_state=5)
    shuffled.index = shuffled.index * 3 + 11
    out = qc_flags(shuffled, ms2, r, rs, colocation=w2)
    pd.testing.assert_frame_equal(out[shuffled.columns], shuffled)
    ordered = qc_flags(h2, ms2, r, rs, colocation=w2)
    ordered.index = ordered.index * 3 + 11
    pd.testing.assert_frame_equal(out, ordered.loc[out.index])


def test_bad_windows_are_named():
    h, ms, r, rs, w, end = _moved_sensor(n_days=10, window_days=3)
    overlap = _windows(("M1", "C", T0, T0 + 30 * H), ("M1", "C", T0 + 30 * H, T0 + 40 * H))
    with pytest.raises(InputDataError, match="overlap"):
        qc_flags(h, ms, r, rs, colocation=overlap)
    backwards = _windows(("M1", "C", T0 + 30 * H, T0))
    with pytest.raises(InputDataError, match="M1"):
        qc_flags(h, ms, r, rs, colocation=backwards)
    with pytest.raises(InputDataError, match="end"):
        qc_flags(h, ms, r, rs, colocation=w.drop(columns=["end"]))
