"""Verification of AQI forecasts against the observed daily AQI, by lead day and month.

The forecast frame comes from :func:`airlib.io.forecasts.read_forecasts`; the observed daily
AQI is the district's daily AQI of the report (``airlib.report.data.district_daily_aqi``: HJ 633
daily AQI of the valid district daily means), passed in — this module computes no AQI itself.

Scores (per group, usually target month × lead day; definitions as in the forecast-evaluation
practice of the monitoring centres: AQI level-range accuracy [DB32-4678-2024] §6.1 and
[CNEMC-FC-2022]; contingency scores POD/FAR [JOLLIFFE-2012]):

* ``hit_rate``: share of verified forecasts whose forecast **category range** contains the
  observed category (a forecast "良至轻度污染" is right on a 良 day and on a 轻度 day) — the
  level-range reading used by the centres for range forecasts;
* ``hit_rate_strict``: the strict single-category reading: right only when the forecast names
  one category (its AQI range or category text lies in one level) and it is the observed one;
  a range across two levels never counts;
* ``bias`` [AQI]: mean of observed AQI − mid-point of the forecast AQI range (positive = the
  forecast was too low); ``mae`` [AQI]: mean absolute difference; forecasts without an AQI range
  (category only) do not enter these two;
* heavy pollution (重度及以上, AQI > 200, level ≥ 5): ``pod`` = hits / (hits + misses),
  ``far`` = false alarms / (hits + false alarms); a forecast counts as a 重度+ forecast when its
  **worst** category is 重度 or worse (``heavy_level``).

What cannot be verified (documented, not guessed): a forecast whose target day has no valid
observed daily AQI is counted in ``n`` but not in ``n_verified`` or any score; the primary
pollutant is not verified (the observed daily primary pollutant is not part of the observed
frame); a group without observed (forecast) heavy days has ``pod`` (``far``) NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.standards.aqi import category_of

__all__ = ["HEAVY_LEVEL", "forecast_pairs", "verify_forecasts"]

#: HJ 633 level of 重度污染 (AQI 201–300); "重度及以上" = level ≥ 5.
HEAVY_LEVEL = 5


def forecast_pairs(forecasts: pd.DataFrame, observed: pd.DataFrame, *, heavy_level: int = HEAVY_LEVEL) -> pd.DataFrame:
    """Each forecast next to the observed daily AQI of its target day, with per-forecast scores.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        The forecast frame (:func:`airlib.io.forecasts.read_forecasts`): ``target_date``,
        ``lead_days``, ``aqi_low``, ``aqi_high`` [AQI], ``category_low``, ``category`` (1–6);
        other columns pass through.
    observed : pandas.DataFrame
        ``date`` (datetime64, midnight) and ``aqi`` [AQI] (NA = no valid daily AQI); with an
        ``area`` column the forecasts are matched on (target day, area), else on the day only
        (one area). A day (and area) twice is an error.
    heavy_level : int, default 5
        HJ 633 level from which a day counts as heavy pollution (5 = 重度污染).

    Returns
    -------
    pandas.DataFrame
        ``forecasts`` plus ``obs_aqi`` (Int64), ``obs_category`` (Int64), ``verified`` (bool:
        an observed AQI exists), ``hit`` and ``hit_strict`` (boolean, NA when not verified),
        ``aqi_mid`` (float: (low + high) / 2, NaN when no AQI range), ``error`` [AQI] (obs −
        mid), ``heavy_observed``, ``heavy_forecast`` (boolean).

    Raises
    ------
    InputDataError
        Missing columns, or the observed frame has a day (and area) twice.
    """
    for name, frame, cols in (("forecast", forecasts, ("target_date", "aqi_low", "aqi_high", "category_low",
                                                          "category", "lead_days")),
                              ("observed", observed, ("date", "aqi"))):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputDataError(f"the {name} frame has no column {', '.join(missing)}")
    keys = ["date", "area"] if "area" in observed.columns else ["date"]
    if "area" not in keys and "area" in forecasts.columns and forecasts["area"].nunique(dropna=False) > 1:
        raise InputDataError(
            f"the forecasts are for several areas ({', '.join(map(str, forecasts['area'].unique()[:4]))}) but the "
            "observed daily AQI has no area column; select one area's forecasts or add 'area' to the observations",
            column="area")
    if observed.duplicated(keys).any():
        dup = observed.loc[observed.duplicated(keys, keep=False), keys].head(3).to_dict("records")
        raise InputDataError(f"the observed daily AQI has a day twice: {dup}", column="date")
    obs = observed[keys + ["aqi"]].rename(columns={"date": "target_date", "aqi": "obs_aqi"})
    obs["target_date"] = pd.to_datetime(obs["target_date"]).dt.normalize()
    left = forecasts.copy()
    left["target_date"] = pd.to_datetime(left["target_date"]).dt.normalize()
    on = ["target_date", "area"] if "area" in keys else ["target_date"]
    out = left.merge(obs, on=on, how="left", validate="many_to_one")
    a = pd.to_numeric(out["obs_aqi"], errors="coerce").astype("Float64")
    out["obs_aqi"] = a.round().astype("Int64")
    out["obs_category"] = category_of(out["obs_aqi"])["level"].astype("Int64").to_numpy()
    verified = out["obs_aqi"].notna().to_numpy()
    oc = out["obs_category"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    lo = out["category_low"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    hi = out["category"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    hit = (oc >= lo) & (oc <= hi)
    strict = (lo == hi) & (oc == hi)
    out["verified"] = verified
    out["hit"] = pd.array(np.where(verified, hit, False), dtype="boolean")
    out.loc[~verified, "hit"] = pd.NA
    out["hit_strict"] = pd.array(np.where(verified, strict, False), dtype="boolean")
    out.loc[~verified, "hit_strict"] = pd.NA
    low = out["aqi_low"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    high = out["aqi_high"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    mid = (low + high) / 2
    out["aqi_mid"] = mid
    out["error"] = out["obs_aqi"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) - mid
    out["heavy_observed"] = pd.array(oc >= heavy_level, dtype="boolean")
    out.loc[~verified, "heavy_observed"] = pd.NA
    out["heavy_forecast"] = pd.array(hi >= heavy_level, dtype="boolean")
    return out


def verify_forecasts(
    forecasts: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    by: tuple[str, ...] = ("month", "lead_days"),
    heavy_level: int = HEAVY_LEVEL,
) -> pd.DataFrame:
    """Forecast verification table per group (default: target month × lead day).

    Parameters
    ----------
    forecasts, observed, heavy_level
        As for :func:`forecast_pairs`.
    by : tuple of str, default ("month", "lead_days")
        Grouping columns of the pairs; ``"month"`` is the target day's month (``"YYYY-MM"``).
        ``("lead_days",)`` gives one row per lead over the whole period.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted: the ``by`` columns, ``n`` (forecasts), ``n_verified``
        (forecasts with an observed daily AQI), ``hit_rate`` and ``hit_rate_strict`` [0–1],
        ``bias`` and ``mae`` [AQI] (over verified forecasts with an AQI range), ``heavy_observed``
        (verified days with observed level ≥ ``heavy_level``), ``heavy_forecast`` (verified
        forecasts of level ≥ ``heavy_level``), ``heavy_hits``, ``pod``, ``far`` [0–1, NaN when
        undefined]. Definitions in the module docstring ([DB32-4678-2024] §6.1,
        [CNEMC-FC-2022], [JOLLIFFE-2012]).
    """
    pairs = forecast_pairs(forecasts, observed, heavy_level=heavy_level)
    pairs["month"] = pairs["target_date"].dt.strftime("%Y-%m")
    unknown = [c for c in by if c not in pairs.columns]
    if unknown:
        raise InputDataError(f"cannot group forecasts by {unknown}; columns are {list(pairs.columns)}")
    v = pairs["verified"].to_numpy()
    f = pd.DataFrame({c: pairs[c] for c in by})
    f["n"] = 1
    f["n_verified"] = v.astype(int)
    f["hit"] = pairs["hit"].astype("Float64")
    f["hit_strict"] = pairs["hit_strict"].astype("Float64")
    err = pairs["error"].to_numpy()
    f["err"] = err
    f["abs_err"] = np.abs(err)
    ho = pairs["heavy_observed"].fillna(False).to_numpy(dtype=bool)
    hf = pairs["heavy_forecast"].fillna(False).to_numpy(dtype=bool) & v
    f["heavy_observed"] = ho.astype(int)
    f["heavy_forecast"] = hf.astype(int)
    f["heavy_hits"] = (ho & hf).astype(int)
    g = f.groupby(list(by), sort=True, dropna=False)
    out = g.agg(n=("n", "sum"), n_verified=("n_verified", "sum"), hit_rate=("hit", "mean"),
                hit_rate_strict=("hit_strict", "mean"), bias=("err", "mean"), mae=("abs_err", "mean"),
                heavy_observed=("heavy_observed", "sum"), heavy_forecast=("heavy_forecast", "sum"),
                heavy_hits=("heavy_hits", "sum")).reset_index()
    for c in ("hit_rate", "hit_rate_strict"):
        out[c] = out[c].astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pod"] = np.where(out["heavy_observed"] > 0, out["heavy_hits"] / out["heavy_observed"].where(
            out["heavy_observed"] > 0), np.nan)
        out["far"] = np.where(out["heavy_forecast"] > 0, (out["heavy_forecast"] - out["heavy_hits"])
                              / out["heavy_forecast"].where(out["heavy_forecast"] > 0), np.nan)
    return out
