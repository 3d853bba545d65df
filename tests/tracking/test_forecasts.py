"""airlib.tracking.forecasts: forecast verification by lead day and month (hand-worked cases)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.tracking.forecasts import forecast_pairs, verify_forecasts

NA = pd.NA


def _fc(rows):
    f = pd.DataFrame(rows, columns=["issued", "lead_days", "aqi_low", "aqi_high", "category_low", "category"])
    f["issued"] = pd.to_datetime(f["issued"])
    f["target_date"] = f["issued"] + pd.to_timedelta(f["lead_days"], unit="D")
    for c in ("aqi_low", "aqi_high", "category_low", "category"):
        f[c] = f[c].astype("Int64")
    f["area"] = "门头沟区"
    return f


FORECASTS = _fc([
    ("2026-10-01", 1, 75, 105, 2, 3),   # obs 90 (良): in range, two categories → strict miss; error 0
    ("2026-10-01", 2, 160, 190, 4, 4),  # obs 130 (轻度): miss; error −45
    ("2026-10-01", 3, 210, 240, 5, 5),  # obs 250 (重度): strict hit; heavy hit; error +25
    ("2026-10-02", 1, 120, 140, 3, 3),  # obs 130: strict hit; error 0
    ("2026-10-02", 2, 180, 200, 4, 4),  # obs 250: miss; heavy miss; error +60
    ("2026-10-02", 3, 100, 120, 3, 3),  # 10-05 has no valid observation: not verified
    ("2026-10-03", 1, NA, NA, 5, 6),    # category only "重度至严重": hit, strict miss, heavy hit, no error
    ("2026-10-31", 1, 205, 230, 5, 5),  # obs 40 (优): miss; heavy false alarm; error 40 − 217.5
])
OBSERVED = pd.DataFrame({
    "date": pd.to_datetime(["2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-11-01"]),
    "aqi": pd.array([90, 130, 250, NA, 40], dtype="Int64"),
})


def test_pairs_per_forecast() -> None:
    p = forecast_pairs(FORECASTS, OBSERVED)
    assert p["obs_aqi"].tolist()[:5] == [90, 130, 250, 130, 250]
    assert p["verified"].tolist() == [True] * 5 + [False] + [True] * 2
    assert p["hit"].tolist() == [True, False, True, True, False, NA, True, False]
    assert p["hit_strict"].tolist() == [False, False, True, True, False, NA, False, False]
    np.testing.assert_allclose(p["error"].to_numpy(), [0, -45, 25, 0, 60, np.nan, np.nan, -177.5])
    assert p["heavy_forecast"].tolist() == [False, False, True, False, False, False, True, True]


def test_verification_by_month_and_lead() -> None:
    v = verify_forecasts(FORECASTS, OBSERVED).set_index(["month", "lead_days"])
    r = v.loc[("2026-10", 1)]
    assert (r["n"], r["n_verified"]) == (3, 3)
    assert r["hit_rate"] == 1.0 and r["hit_rate_strict"] == pytest.approx(1 / 3)
    assert r["bias"] == 0 and r["mae"] == 0
    assert (r["heavy_observed"], r["heavy_forecast"], r["heavy_hits"]) == (1, 1, 1)
    assert r["pod"] == 1.0 and r["far"] == 0.0
    r = v.loc[("2026-10", 2)]
    assert r["hit_rate"] == 0 and r["bias"] == 7.5 and r["mae"] == 52.5
    assert r["pod"] == 0.0 and math.isnan(r["far"])  # a 重度 day forecast as 中度: a miss
    r = v.loc[("2026-10", 3)]
    assert (r["n"], r["n_verified"]) == (2, 1) and r["hit_rate_strict"] == 1.0 and r["bias"] == 25
    r = v.loc[("2026-11", 1)]
    assert r["hit_rate"] == 0 and r["bias"] == -177.5 and math.isnan(r["pod"]) and r["far"] == 1.0


def test_verification_by_lead_only() -> None:
    v = verify_forecasts(FORECASTS, OBSERVED, by=("lead_days",)).set_index("lead_days")
    assert v.loc[1, "n"] == 4 and v.loc[1, "hit_rate"] == 0.75
    assert v.loc[1, "far"] == pytest.approx(1 / 2)  # two 重度 forecasts, one false alarm


def test_observed_per_area_and_bad_frames() -> None:
    obs = pd.concat([OBSERVED.assign(area="门头沟区"), OBSERVED.assign(area="西城区", aqi=pd.array([10] * 5, dtype="Int64"))])
    p = forecast_pairs(FORECASTS, obs)
    assert p["obs_aqi"].tolist()[:3] == [90, 130, 250]
    with pytest.raises(InputDataError, match="day twice"):
        forecast_pairs(FORECASTS, pd.concat([OBSERVED, OBSERVED.head(1)]))
    with pytest.raises(InputDataError, match="no column aqi"):
        forecast_pairs(FORECASTS, OBSERVED.drop(columns="aqi"))
    with pytest.raises(InputDataError, match="cannot group"):
        verify_forecasts(FORECASTS, OBSERVED, by=("season",))


def test_several_areas_need_observed_areas() -> None:
    two = pd.concat([FORECASTS, FORECASTS.assign(area="西城区")], ignore_index=True)
    with pytest.raises(InputDataError, match="several areas"):
        forecast_pairs(two, OBSERVED)
    obs = pd.concat([OBSERVED.assign(area="门头沟区"), OBSERVED.assign(area="西城区")])
    assert forecast_pairs(two, obs)["verified"].sum() == 14
