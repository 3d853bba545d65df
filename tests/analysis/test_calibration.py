"""Calibration of micro-stations against reference stations (issue #17 item 3, C3)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.attribution import relative_humidity
from airlib.analysis.calibration import (
    apply_calibration,
    coefficient_drift,
    fit_calibration,
    nearest_reference,
    paired_hours,
    split_train_holdout,
)
from airlib.errors import InputDataError
from airlib.settings import DEFAULT

REF = pd.DataFrame({"station": ["R1", "R2"], "lon": [116.0, 116.5], "lat": [40.0, 40.0]})


def _reference(start="2024-04-01", hours=24 * 60, seed=0, station="R1"):
    rng = np.random.default_rng(seed)
    t = pd.date_range(start, periods=hours, freq="h")
    # a lognormal-ish PM2.5 with a daily cycle and weather episodes [µg/m³]; RH 20–95 %
    base = np.exp(3.3 + 0.6 * np.sin(np.arange(hours) / 37.0) + 0.3 * rng.standard_normal(hours))
    rh = np.clip(55 + 25 * np.sin(np.arange(hours) / 11.0) + 8 * rng.standard_normal(hours), 20, 95)
    return pd.DataFrame({"station": station, "time": t, "pm25": base}), rh


def _sensor(ref, rh, station, gain=1.6, offset=4.0, rh_bias=0.3, noise=3.0, seed=1, drift_per_hour=0.0):
    """raw = offset + gain·ref + rh_bias·RH + noise (gain may drift linearly in time)."""
    rng = np.random.default_rng(seed)
    k = np.arange(len(ref))
    g = gain + drift_per_hour * k
    raw = offset + g * ref["pm25"].to_numpy() + rh_bias * rh + noise * rng.standard_normal(len(ref))
    return pd.DataFrame({"station": station, "time": ref["time"].to_numpy(), "pm25": raw, "rh": rh})


def _pairs(stations, ref="R1"):
    return pd.DataFrame({"station": stations, "reference": ref, "distance_km": 0.5})


# --------------------------------------------------------------------------- nearest_reference


def test_nearest_reference_distance_and_limit():
    micro = pd.DataFrame({"station": ["M1", "M2", "M3"], "lon": [116.0, 116.49, 117.5],
                          "lat": [40.0005, 40.0, 40.0]})
    p = nearest_reference(micro, REF, max_km=5.0)
    assert list(p["station"]) == ["M1", "M2", "M3"]
    assert list(p["reference"].iloc[:2]) == ["R1", "R2"]
    # 0.0005° of latitude = 0.0556 km; 0.01° of longitude at 40° N = 0.852 km
    assert p["distance_km"].iloc[0] == pytest.approx(6371.0088 * np.radians(0.0005), rel=1e-9)
    assert p["distance_km"].iloc[1] == pytest.approx(0.852, abs=0.002)
    assert list(p["colocated"]) == [True, False, False]
    # M3 is 85 km away: kept with no reference
    assert pd.isna(p["reference"].iloc[2]) and np.isnan(p["distance_km"].iloc[2])
    # the limit is inclusive and configurable
    d = p["distance_km"].iloc[1]
    assert nearest_reference(micro, REF, max_km=d)["reference"].iloc[1] == "R2"
    assert pd.isna(nearest_reference(micro, REF, max_km=d * 0.999)["reference"].iloc[1])
    s = dataclasses.replace(DEFAULT, calibration_max_km=100.0)
    assert nearest_reference(micro, REF, settings=s)["reference"].iloc[2] == "R2"


def test_nearest_reference_bad_input():
    micro = pd.DataFrame({"station": ["M1"], "lon": [np.nan], "lat": [40.0]})
    with pytest.raises(InputDataError, match="M1.*lon"):
        nearest_reference(micro, REF)
    with pytest.raises(InputDataError, match="lat"):
        nearest_reference(pd.DataFrame({"station": ["M1"], "lon": [116.0]}), REF)
    with pytest.raises(InputDataError, match="R1.*more than once"):
        nearest_reference(REF, pd.concat([REF, REF]))


# --------------------------------------------------------------------------- split


def test_split_is_time_blocked_without_leakage():
    t = pd.date_range("2024-01-01", periods=100, freq="h")
    shuffled = np.random.default_rng(3).permutation(t.to_numpy())
    train = split_train_holdout(shuffled, 0.3)
    assert train.sum() == 70 and (~train).sum() == 30
    assert shuffled[train].max() < shuffled[~train].min()
    with pytest.raises(InputDataError, match="holdout_share"):
        split_train_holdout(t, 1.0)


def test_fit_windows_do_not_overlap():
    ref, rh = _reference()
    micro = _sensor(ref, rh, "M1")
    m = fit_calibration(micro, ref, _pairs(["M1"]))
    row = m.iloc[0]
    assert row["train_end"] < row["holdout_start"]
    assert row["n_train"] + row["n_holdout"] == len(ref)
    assert row["n_holdout"] == int(np.ceil(0.3 * len(ref)))
    # the held-out metrics are those of the last 30 % of the hours, computed here independently
    hold = micro["time"] >= row["holdout_start"]
    err = micro.loc[hold, "pm25"].to_numpy() - ref.loc[hold, "pm25"].to_numpy()
    assert row["rmse_raw"] == pytest.approx(np.sqrt(np.mean(err ** 2)))
    assert row["bias_raw"] == pytest.approx(err.mean())


# --------------------------------------------------------------------------- model recovery


def test_coefficients_recovered_within_standard_errors():
    """raw = 4 + 1.6·ref + 0.3·RH + ε ⇔ ref = −2.5 + 0.625·raw − 0.1875·RH − ε/1.6."""
    ref, rh = _reference(hours=24 * 90)
    micro = _sensor(ref, rh, "M1", gain=1.6, offset=4.0, rh_bias=0.3, noise=3.0)
    m = fit_calibration(micro, ref, _pairs(["M1"])).iloc[0]
    truth = {"intercept": -4.0 / 1.6, "slope": 1 / 1.6, "rh_coef": -0.3 / 1.6}
    for name, v in truth.items():
        assert abs(m[name] - v) < 3 * m[f"{name}_se"], (name, m[name], v, m[f"{name}_se"])
        assert m[f"{name}_se"] > 0
    assert m["use"] and m["reason"] == ""
    assert m["rmse_cal"] < 0.2 * m["rmse_raw"]
    assert m["r2_cal"] > 0.95 > m["r2_raw"]
    assert abs(m["bias_cal"]) < 1.0 < abs(m["bias_raw"])


def test_interaction_model_recovers_humidity_growth():
    ref, rh = _reference(hours=24 * 90, seed=4)
    rng = np.random.default_rng(5)
    # reference = raw·(1.2 − 0.006·RH): a humidity growth that scales with the concentration
    raw = ref["pm25"].to_numpy() / (1.2 - 0.006 * rh) + 0.5 * rng.standard_normal(len(ref))
    micro = pd.DataFrame({"station": "M1", "time": ref["time"], "pm25": raw, "rh": rh})
    s = dataclasses.replace(DEFAULT, calibration_model="linear_rh_interaction")
    m = fit_calibration(micro, ref, _pairs(["M1"]), settings=s).iloc[0]
    assert m["model"] == "linear_rh_interaction"
    assert abs(m["slope"] - 1.2) < 3 * m["slope_se"] + 0.01
    assert abs(m["slope_rh_coef"] + 0.006) < 3 * m["slope_rh_coef_se"] + 1e-4
    lin = fit_calibration(micro, ref, _pairs(["M1"])).iloc[0]
    assert m["rmse_cal"] < lin["rmse_cal"]


def test_robust_fit_resists_reference_outliers_and_uses_qc_flags():
    ref, rh = _reference(hours=24 * 60, seed=6)
    micro = _sensor(ref, rh, "M1", noise=2.0)
    spiky_ref = ref.copy()
    spiky_ref.loc[spiky_ref.index[::50], "pm25"] += 400.0  # outliers of the reference in 2 % of hours
    m = fit_calibration(micro, spiky_ref, _pairs(["M1"])).iloc[0]
    assert m["slope"] == pytest.approx(1 / 1.6, abs=0.01)
    ols = np.linalg.lstsq(np.column_stack([np.ones(len(ref)), micro["pm25"], rh]), spiky_ref["pm25"], rcond=None)[0]
    assert abs(ols[0] - (-2.5)) > 3 * abs(m["intercept"] - (-2.5))  # least squares is pulled, Huber is not
    # spikes of the raw reading are leverage points: the fit uses only the hours QC passes
    bad = micro.index[::50]
    spiky = micro.copy()
    spiky.loc[bad, "pm25"] = 900.0
    assert fit_calibration(spiky, ref, _pairs(["M1"]))["slope"].iloc[0] < 0.3  # unflagged: ruined
    flagged = spiky.assign(pm25_qc_ok=~spiky.index.isin(bad))
    m = fit_calibration(flagged, ref, _pairs(["M1"])).iloc[0]
    assert m["slope"] == pytest.approx(1 / 1.6, abs=0.01)
    assert m["n_train"] + m["n_holdout"] == len(ref) - len(bad)


def test_good_sensor_is_not_calibrated():
    ref, rh = _reference(seed=7)
    rng = np.random.default_rng(8)
    good = ref.assign(station="G1", pm25=ref["pm25"] + 2.0 * rng.standard_normal(len(ref)), rh=rh)
    m = fit_calibration(good, ref, _pairs(["G1"])).iloc[0]
    assert not m["use"]
    assert "not 10% below raw" in m["reason"]
    out = apply_calibration(good, fit_calibration(good, ref, _pairs(["G1"])))
    assert not out["calibrated"].any() and out["pm25_cal"].isna().all()
    np.testing.assert_array_equal(out["pm25_best"].to_numpy(), good["pm25"].to_numpy())
    # with no required gain the same (slightly better) fit is used
    s = dataclasses.replace(DEFAULT, calibration_min_rmse_gain=-1.0)
    assert fit_calibration(good, ref, _pairs(["G1"]), settings=s)["use"].iloc[0]


def test_seasons_are_fitted_separately():
    ref, rh = _reference(start="2024-10-15", hours=24 * 60, seed=9)  # 31 days before 11-15, 29 after
    heating = (ref["time"] >= "2024-11-15").to_numpy()
    micro = _sensor(ref, rh, "M1")
    micro.loc[heating, "pm25"] = 2.5 * ref.loc[heating, "pm25"] + 0.3 * rh[heating]
    m = fit_calibration(micro, ref, _pairs(["M1"])).set_index("season")
    assert set(m.index) == {"heating", "non_heating"}
    assert m.loc["heating", "slope"] == pytest.approx(1 / 2.5, abs=0.01)
    assert m.loc["non_heating", "slope"] == pytest.approx(1 / 1.6, abs=0.03)
    assert m.loc["heating", "train_start"] >= pd.Timestamp("2024-11-15")


def test_too_few_hours_and_unpaired_stations():
    ref, rh = _reference(hours=24 * 3)
    micro = pd.concat([_sensor(ref, rh, "M1"), _sensor(ref, rh, "M2").assign(time=lambda f: f["time"] + pd.Timedelta("400D"))])
    pairs = pd.DataFrame({"station": ["M1", "M2", "M3"], "reference": ["R1", "R1", None],
                          "distance_km": [0.5, 0.7, np.nan]})
    m = fit_calibration(micro, ref, pairs).set_index("station")
    assert not m["use"].any()
    assert "too few paired hours" in m.loc["M1", "reason"]
    assert m.loc["M2", "reason"] == "no paired hours with the reference"
    assert m.loc["M3", "reason"] == "no reference station within max_km"
    assert m.loc["M1", "distance_km"] == 0.5


def test_humidity_from_temperature_and_dew_point():
    ref, rh = _reference(seed=10)
    micro = _sensor(ref, rh, "M1")
    temp = np.full(len(ref), 20.0)
    # dew point giving the same RH by the Magnus formula inverted
    a, b = 17.625, 243.04
    gamma = np.log(rh / 100) + a * temp / (b + temp)
    micro_td = micro.drop(columns="rh").assign(temp=temp, dewp=b * gamma / (a - gamma))
    m1 = fit_calibration(micro, ref, _pairs(["M1"]))
    m2 = fit_calibration(micro_td, ref, _pairs(["M1"]))
    assert m2["slope"].iloc[0] == pytest.approx(m1["slope"].iloc[0], rel=1e-6)
    with pytest.raises(InputDataError, match="humidity"):
        fit_calibration(micro.drop(columns="rh"), ref, _pairs(["M1"]))


# --------------------------------------------------------------------------- apply


def test_apply_keeps_raw_and_adds_calibrated():
    ref, rh = _reference(seed=11)
    micro = pd.concat([_sensor(ref, rh, "M1"), _sensor(ref, rh, "G1", gain=1.0, offset=0.0, rh_bias=0.0, noise=1.0)])
    micro.index = np.arange(len(micro))[::-1] * 10  # an unusual index is kept
    models = fit_calibration(micro, ref, _pairs(["M1", "G1"]))
    out = apply_calibration(micro, models)
    assert list(out.index) == list(micro.index)
    pd.testing.assert_frame_equal(out[micro.columns], micro)
    np.testing.assert_array_equal(out["pm25_raw"].to_numpy(), micro["pm25"].to_numpy())
    m1 = (out["station"] == "M1").to_numpy()
    assert out.loc[m1, "calibrated"].all() and not out.loc[~m1, "calibrated"].any()
    r = models.set_index("station").loc["M1"]
    expect = np.maximum(r["intercept"] + r["slope"] * micro.loc[m1, "pm25"] + r["rh_coef"] * micro.loc[m1, "rh"], 0)
    np.testing.assert_allclose(out.loc[m1, "pm25_cal"], expect)
    np.testing.assert_array_equal(out["pm25_best"], np.where(m1, out["pm25_cal"], out["pm25_raw"]))
    # calibrated held-out error of M1 is far below the raw error
    hold = m1 & (out["time"] >= r["holdout_start"]).to_numpy()
    refv = np.tile(ref["pm25"].to_numpy(), 2)[hold]
    assert np.sqrt(np.mean((out.loc[hold, "pm25_cal"] - refv) ** 2)) == pytest.approx(r["rmse_cal"])


def test_apply_leaves_missing_hours_and_other_seasons_uncalibrated():
    ref, rh = _reference(seed=12)
    micro = _sensor(ref, rh, "M1")
    models = fit_calibration(micro, ref, _pairs(["M1"]))
    later = micro.assign(time=micro["time"] + pd.Timedelta("240D"))  # heating season: no model
    later.loc[later.index[:3], "rh"] = np.nan
    both = pd.concat([micro.iloc[:5].assign(pm25=[np.nan, 1, 2, 3, 4]), later.iloc[:5]], ignore_index=True)
    out = apply_calibration(both, models)
    assert list(out["calibrated"]) == [False, True, True, True, True] + [False] * 5
    assert np.isnan(out["pm25_best"].iloc[0])
    np.testing.assert_array_equal(out["pm25_best"].iloc[5:], both["pm25"].iloc[5:])


def test_apply_refuses_duplicate_models():
    ref, rh = _reference(seed=13)
    micro = _sensor(ref, rh, "M1")
    models = fit_calibration(micro, ref, _pairs(["M1"]))
    with pytest.raises(InputDataError, match="more than one used model.*M1"):
        apply_calibration(micro, pd.concat([models, models]))


# --------------------------------------------------------------------------- drift


def test_drift_is_seen_in_the_coefficient_series():
    ref, rh = _reference(start="2024-04-01", hours=24 * 150, seed=14)
    hours = len(ref)
    drifting = _sensor(ref, rh, "D1", gain=1.2, drift_per_hour=0.8 / hours, noise=1.0)  # gain 1.2 → 2.0
    steady = _sensor(ref, rh, "S1", gain=1.2, noise=1.0, seed=15)
    micro = pd.concat([drifting, steady])
    d = coefficient_drift(micro, ref, _pairs(["D1", "S1"]))
    assert set(d["station"]) == {"D1", "S1"}
    dd = d[d["station"] == "D1"].sort_values("month")
    assert len(dd) == 5 and (dd["n_hours"] >= 24 * 28).all()
    assert (np.diff(dd["slope"]) < 0).all()  # reference/raw falls as the gain rises
    assert dd["slope_change_per_month"].iloc[0] < -0.03
    ss = d[d["station"] == "S1"]
    assert abs(ss["slope_change_per_month"].iloc[0]) < 0.005
    # and the held-out window of the drifting sensor shows a worse calibrated bias than the steady one
    m = fit_calibration(micro, ref, _pairs(["D1", "S1"])).set_index("station")
    assert abs(m.loc["D1", "bias_cal"]) > 5 * abs(m.loc["S1", "bias_cal"])


# --------------------------------------------------------------------------- real data


def test_uci_reference_with_a_synthetic_sensor(uci_multisite):
    """Real sanity check: the UCI station Dongsi as the reference, a synthetic sensor derived from
    it (gain 1.5, humidity over-reading growing with RH, noise), the RH from the real temp/dew point."""
    hourly, stations = uci_multisite
    ref = hourly[(hourly["station"] == "Dongsi") & (hourly["time"] >= "2016-04-01")
                 & (hourly["time"] < "2016-10-01")].reset_index(drop=True)
    relative = relative_humidity(ref["temp"].to_numpy(), ref["dewp"].to_numpy())
    rng = np.random.default_rng(16)
    raw = 1.5 * ref["pm25"].to_numpy() * (1 + 0.004 * np.nan_to_num(relative)) + 5 * rng.standard_normal(len(ref))
    micro = ref[["time", "temp", "dewp"]].assign(station="SENSOR", pm25=raw)
    pairs = nearest_reference(
        pd.DataFrame({"station": ["SENSOR"], "lon": [stations.set_index("station").loc["Dongsi", "lon"]],
                      "lat": [stations.set_index("station").loc["Dongsi", "lat"]]}),
        stations, max_km=1.0)
    assert pairs["reference"].iloc[0] == "Dongsi" and pairs["colocated"].iloc[0]
    m = fit_calibration(micro, hourly[hourly["station"] == "Dongsi"], pairs)
    assert list(m["season"]) == ["non_heating"]
    r = m.iloc[0]
    assert r["n_train"] > 2000 and r["use"]
    assert r["rmse_cal"] < 0.5 * r["rmse_raw"]
    assert r["r2_cal"] > 0.9
    out = apply_calibration(micro, m)
    assert out["calibrated"].mean() > 0.9


def test_paired_hours_refuses_duplicate_reference_hours():
    ref, rh = _reference(hours=48)
    micro = _sensor(ref, rh, "M1")
    with pytest.raises(InputDataError, match="R1.*more than one row"):
        paired_hours(micro, pd.concat([ref, ref]), _pairs(["M1"]))


def test_bad_input_is_named():
    ref, rh = _reference(hours=48)
    micro = _sensor(ref, rh, "M1")
    with pytest.raises(InputDataError, match="M1.*more than one row"):
        fit_calibration(pd.concat([micro, micro.iloc[:1]]), ref, _pairs(["M1"]))
    with pytest.raises(InputDataError, match="M1.*more than one reference"):
        fit_calibration(micro, ref, pd.concat([_pairs(["M1"]), _pairs(["M1"], ref="R2")]))
    bad = micro.astype({"time": object})
    bad.loc[3, "time"] = "not a time"
    with pytest.raises(InputDataError, match="micro_hourly: 'time' is not readable"):
        fit_calibration(bad, ref, _pairs(["M1"]))
    bad.loc[3, "time"] = None
    with pytest.raises(InputDataError, match="missing in row 4"):
        apply_calibration(bad, fit_calibration(micro, ref, _pairs(["M1"])))
    with pytest.raises(InputDataError, match="pm25"):
        fit_calibration(micro.drop(columns="pm25"), ref, _pairs(["M1"]))
    with pytest.raises(InputDataError, match="calibration_model"):
        fit_calibration(micro, ref, _pairs(["M1"]), settings=dataclasses.replace(DEFAULT, calibration_model="cubic"))
