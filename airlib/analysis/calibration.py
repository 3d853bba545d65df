"""Calibration of micro-stations (小微站) against reference stations (issue #17 item 3).

Low-cost optical PM sensors read high in humid air (particles take up water and scatter more
light) and their gain differs from sensor to sensor. The model here is the one of the US-wide
PurpleAir correction [BARKJOHN-2021]: a robust linear regression of the reference PM2.5 on the
raw PM2.5 and the relative humidity, optionally with the raw × RH term for the humidity growth
([CRILLEY-2018]'s κ-Köhler correction shows the error grows with raw concentration and RH),
fitted per station and season (heating season ``settings.heating_season`` vs the rest) on a
training window and evaluated on a held-out window of the latest hours (time-blocked, see
:func:`split_train_holdout`). A calibration is applied only where it lowers the held-out RMSE by
``settings.calibration_min_rmse_gain``; the raw series is never changed (docs/micro_stations.md,
"校准 Calibration").

The estimator is statsmodels' ``RLM(y, X, M=HuberT()).fit()`` with all its defaults: Huber's T
norm (t = 1.345), scale = MAD of the residuals centred at 0 (median(|r|) / 0.6745, updated after
each weighted fit), start from ordinary least squares, convergence on the deviance
(``conv='dev'``, ``tol=1e-8``, ``maxiter=50``), pseudo-inverse least squares (the minimum-norm
solution when the design is singular), standard errors of the H1 covariance. It is computed for
all stations and seasons at once by :func:`robust_linear_fit` (iteratively reweighted least
squares vectorised over the groups: stacked SVDs of padded blocks, the loop runs over the
iterations); statsmodels itself is not called. tests/analysis/test_calibration_batched.py checks
the coefficients, standard errors, scale and iteration count against statsmodels ``RLM`` group
by group (≤ 1e-6 relative) on seeded random groups with outliers (both models), the demo's
micro-stations and the edge cases (the minimum group size, a constant regressor, a zero scale,
missing hours); ``benchmarks/micro_calibration.py`` times both on 2,000 stations.

**Basis of the fit: co-location, not the nearest reference, for hot-spot screening.** Fitted on
all of a deployed sensor's hours against its nearest reference station (``basis`` ``nearest``),
the model cannot tell the sensor's bias from a real local source near it: both are a lasting
difference from the reference, so the fit takes the local source out of ``pm25_cal`` (a constant
local excess ends up in a lower intercept) and the hot spot vanishes from the screening that the
micro-stations exist for. Monitoring practice fits a sensor where it and the reference analyser
measure the same air: a co-location period (比对期, the sensor beside the analyser before or
while deployed), as the PurpleAir correction [BARKJOHN-2021] was fitted on co-located sensors.
``fit_calibration(..., colocation=windows)`` does that (``basis`` ``colocation``): each
station's paired hours are only those inside its windows (:func:`airlib.io.micro_stations.read_colocation`),
against the reference named there; a station without a window is not calibrated. The model is
then applied to the deployed hours, where a local source stays in ``pm25_cal``. Use the
co-location basis for hot-spot screening; the nearest basis stays for QC-like comparisons
(``coefficient_drift``).

Functions
---------
nearest_reference  pairs of micro-station → nearest reference station (haversine)
paired_hours       hours where both the micro-station and its reference have PM2.5 and RH
split_train_holdout  time-blocked training / held-out split
robust_linear_fit  the Huber robust regressions of many groups at once (batched IRLS)
fit_calibration    one model per station and season, with held-out skill and ``use``
apply_calibration  ``pm25_raw``, ``pm25_cal``, ``pm25_best``, ``calibrated`` beside the input
coefficient_drift  monthly refits: the slope / intercept series of each station
colocation_mask    the hours inside a co-location window (not the deployed site's air)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from airlib.analysis.attribution import relative_humidity
from airlib.analysis.profiles import heating_season_mask
from airlib.errors import InputDataError
from airlib.settings import DEFAULT, Settings

__all__ = [
    "SEASONS",
    "MODEL_TERMS",
    "nearest_reference",
    "paired_hours",
    "split_train_holdout",
    "robust_linear_fit",
    "fit_calibration",
    "apply_calibration",
    "coefficient_drift",
    "colocation_mask",
]

#: Season labels of the models: heating season (采暖季, ``settings.heating_season``) and the rest.
SEASONS: tuple[str, str] = ("heating", "non_heating")

#: The regressors of each model, after the intercept (coefficient names in the models frame).
MODEL_TERMS: dict[str, tuple[str, ...]] = {
    "linear_rh": ("slope", "rh_coef"),
    "linear_rh_interaction": ("slope", "rh_coef", "slope_rh_coef"),
}

_EARTH_RADIUS_KM = 6371.0088


def _require(frame: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{what}: missing column(s) {missing}; give the frame these columns "
            "(docs/micro_stations.md, '校准 Calibration')",
            column=missing[0],
        )


def _coordinates(stations: pd.DataFrame, what: str) -> pd.DataFrame:
    _require(stations, ["station", "lon", "lat"], what)
    st = stations[["station", "lon", "lat"]].copy()
    st["station"] = st["station"].astype(str)
    dup = st["station"][st["station"].duplicated()]
    if len(dup):
        raise InputDataError(f"{what}: station {dup.iloc[0]!r} is listed more than once; keep one row per station",
                             column="station")
    for c in ("lon", "lat"):
        st[c] = pd.to_numeric(st[c], errors="coerce")
        bad = st.loc[st[c].isna(), "station"]
        if len(bad):
            raise InputDataError(f"{what}: station {bad.iloc[0]!r} has no numeric {c}; give WGS84 degrees",
                                 column=c)
    return st.reset_index(drop=True)


def nearest_reference(micro_stations: pd.DataFrame, reference_stations: pd.DataFrame,
                      max_km: float | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """The nearest reference station of each micro-station (great-circle distance).

    Parameters
    ----------
    micro_stations : pandas.DataFrame
        Station registry rows of the micro-stations (``station``, ``lon``, ``lat`` [° WGS84]).
    reference_stations : pandas.DataFrame
        Station registry rows of the stations that may serve as reference (same columns).
    max_km : float, optional [km]
        Largest distance of a pair; default ``settings.calibration_max_km`` (UNVERIFIED, 5 km).
    settings : Settings, optional
        ``calibration_max_km``, ``calibration_colocated_km``.

    Returns
    -------
    pandas.DataFrame
        One row per micro-station, in input order: ``station``, ``reference`` (string; ``<NA>``
        when no reference lies within ``max_km``: the station is kept, not dropped),
        ``distance_km`` [km] (haversine, mean Earth radius 6371.0088 km; NaN without a reference)
        and ``colocated`` (bool, distance ≤ ``settings.calibration_colocated_km``). Ties go to
        the reference listed first.
    """
    s = settings or DEFAULT
    limit = s.calibration_max_km if max_km is None else float(max_km)
    micro = _coordinates(micro_stations, "micro_stations")
    ref = _coordinates(reference_stations, "reference_stations")
    out = pd.DataFrame({"station": micro["station"].astype("string")})
    if len(ref) == 0 or len(micro) == 0:
        out["reference"] = pd.array([pd.NA] * len(out), dtype="string")
        out["distance_km"] = np.nan
        out["colocated"] = False
        return out
    lon1, lat1 = np.radians(micro["lon"].to_numpy())[:, None], np.radians(micro["lat"].to_numpy())[:, None]
    lon2, lat2 = np.radians(ref["lon"].to_numpy())[None, :], np.radians(ref["lat"].to_numpy())[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    dist = 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    j = np.argmin(dist, axis=1)
    d = dist[np.arange(len(micro)), j]
    within = d <= limit
    out["reference"] = pd.array(np.where(within, ref["station"].to_numpy()[j], None), dtype="string")
    out["distance_km"] = np.where(within, d, np.nan)
    out["colocated"] = within & (d <= s.calibration_colocated_km)
    return out


def _humidity(hourly: pd.DataFrame, what: str) -> np.ndarray:
    """RH [%] of each row: the ``rh`` column, else from ``temp``/``dewp`` (Magnus)."""
    if "rh" in hourly.columns:
        return pd.to_numeric(hourly["rh"], errors="coerce").to_numpy(dtype=float)
    if "temp" in hourly.columns and "dewp" in hourly.columns:
        return relative_humidity(pd.to_numeric(hourly["temp"], errors="coerce").to_numpy(dtype=float),
                                 pd.to_numeric(hourly["dewp"], errors="coerce").to_numpy(dtype=float))
    raise InputDataError(f"{what}: no humidity: give an 'rh' column [%] or 'temp' and 'dewp' [°C]",
                         column="rh")


def _times(hourly: pd.DataFrame, what: str) -> np.ndarray:
    """The ``time`` column as datetime64[ns]; unreadable or missing times are an input error."""
    try:
        t = pd.to_datetime(hourly["time"])
    except (ValueError, TypeError) as exc:
        raise InputDataError(f"{what}: 'time' is not readable as date-times ({exc}); give hour-beginning "
                             "Beijing times", column="time") from None
    if t.isna().any():
        i = int(np.flatnonzero(t.isna().to_numpy())[0])
        raise InputDataError(f"{what}: 'time' is missing in row {i + 1} of the frame (station "
                             f"{hourly['station'].iloc[i]!r}); every row needs its hour", column="time")
    return t.to_numpy(dtype="datetime64[ns]")


def _season(times, settings: Settings) -> np.ndarray:
    start, end = settings.heating_season
    return np.where(heating_season_mask(times, start, end), SEASONS[0], SEASONS[1])


def paired_hours(micro_hourly: pd.DataFrame, reference_hourly: pd.DataFrame, pairs: pd.DataFrame,
                 settings: Settings | None = None) -> pd.DataFrame:
    """The hours at which a micro-station and its reference both have PM2.5 and the micro-station RH.

    Parameters
    ----------
    micro_hourly : pandas.DataFrame
        Hourly frame of the micro-stations (``station``, ``time`` hour-beginning Beijing,
        ``pm25`` [µg/m³], ``rh`` [%] or ``temp``/``dewp`` [°C]).
    reference_hourly : pandas.DataFrame
        Hourly frame of the reference stations (``station``, ``time``, ``pm25`` [µg/m³]).
    pairs : pandas.DataFrame
        ``station``, ``reference`` (:func:`nearest_reference`); rows without a reference are skipped.
    settings : Settings, optional
        ``heating_season`` for the season label.

    Returns
    -------
    pandas.DataFrame
        ``station``, ``reference``, ``time``, ``season``, ``raw`` (micro PM2.5), ``rh`` [%],
        ``ref`` (reference PM2.5) [µg/m³], sorted by station and time; all three finite (an
        hour with a missing or infinite value is not paired). The humidity is the
        micro-station's own (the same input :func:`apply_calibration` uses). When
        ``micro_hourly`` has the sensor-QC column ``pm25_qc_ok``, only its True hours pair: the
        Huber fit resists outliers of the reference but not spikes of the raw reading (points of
        high leverage), which QC flags.
    """
    s = settings or DEFAULT
    _require(micro_hourly, ["station", "time", "pm25"], "micro_hourly")
    _require(reference_hourly, ["station", "time", "pm25"], "reference_hourly")
    _require(pairs, ["station", "reference"], "pairs")
    p = pairs.loc[pairs["reference"].notna(), ["station", "reference"]].astype(str)
    dup = p["station"][p["station"].duplicated()]
    if len(dup):
        raise InputDataError(f"pairs: station {dup.iloc[0]!r} has more than one reference; keep one row per "
                             "micro-station (nearest_reference gives one)", column="station")
    micro = pd.DataFrame({
        "station": micro_hourly["station"].astype(str).to_numpy(),
        "time": _times(micro_hourly, "micro_hourly"),
        "raw": pd.to_numeric(micro_hourly["pm25"], errors="coerce").to_numpy(dtype=float),
        "rh": _humidity(micro_hourly, "micro_hourly"),
    })
    ref = pd.DataFrame({
        "reference": reference_hourly["station"].astype(str).to_numpy(),
        "time": _times(reference_hourly, "reference_hourly"),
        "ref": pd.to_numeric(reference_hourly["pm25"], errors="coerce").to_numpy(dtype=float),
    }).dropna(subset=["ref"])
    dup = ref.duplicated(["reference", "time"])
    if dup.any():
        r = ref[dup].iloc[0]
        raise InputDataError(f"reference_hourly: station {r['reference']!r} has more than one row at {r['time']}; "
                             "keep one row per station and hour", column="time")
    if "pm25_qc_ok" in micro_hourly.columns:  # sensor QC flags beside the values (issue #17 item 2)
        micro = micro[micro_hourly["pm25_qc_ok"].fillna(False).astype(bool).to_numpy()]
    dup = micro.duplicated(["station", "time"])
    if dup.any():
        r = micro[dup].iloc[0]
        raise InputDataError(f"micro_hourly: station {r['station']!r} has more than one row at {r['time']}; "
                             "keep one row per station and hour", column="time")
    m = micro.merge(p, on="station", how="inner").merge(ref, on=["reference", "time"], how="inner")
    m = m[np.isfinite(m["raw"]) & np.isfinite(m["rh"]) & np.isfinite(m["ref"])]
    m["season"] = _season(m["time"], s)
    return m[["station", "reference", "time", "season", "raw", "rh", "ref"]].sort_values(
        ["station", "time"], kind="stable").reset_index(drop=True)


def split_train_holdout(times, holdout_share: float) -> np.ndarray:
    """Time-blocked split: True for the training hours (the earliest), False for the held-out ones.

    Hourly sensor errors are autocorrelated for hours to days; a random split puts hours next to
    each training hour into the held-out set and reports the skill of interpolation, not of
    applying the model to later data, as it will be used. So the latest
    ``ceil(holdout_share · n)`` hours are held out, and every training hour precedes every held-out hour.

    Parameters
    ----------
    times : array-like of datetime64
        The hours of one station and season (any order).
    holdout_share : float
        Share held out, 0 < share < 1.

    Returns
    -------
    numpy.ndarray of bool
        Same order as ``times``.
    """
    t = np.asarray(pd.to_datetime(np.asarray(times)), dtype="datetime64[ns]")
    n = len(t)
    n_hold = int(_n_holdout(n, holdout_share))
    order = np.argsort(t, kind="stable")
    train = np.zeros(n, dtype=bool)
    train[order[: n - n_hold]] = True
    return train


def _n_holdout(n, holdout_share: float) -> np.ndarray:
    """Held-out hours of a station and season of ``n`` paired hours: ``ceil(holdout_share · n)``."""
    if not 0 < holdout_share < 1:
        raise InputDataError(f"holdout_share must lie between 0 and 1, got {holdout_share!r}")
    return np.ceil(holdout_share * np.asarray(n)).astype(np.int64)


def _design(raw: np.ndarray, rh: np.ndarray, model: str) -> np.ndarray:
    cols = [np.ones_like(raw), raw, rh]
    if model == "linear_rh_interaction":
        cols.append(raw * rh)
    return np.column_stack(cols)


def _predict(design: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Calibrated PM2.5 [µg/m³] of each row (``params`` one row per design row), clipped at 0
    (a concentration is not negative)."""
    return np.maximum(np.einsum("ij,ij->i", design, params), 0.0)


def _skill(pred: np.ndarray, ref: np.ndarray, codes: np.ndarray,
           n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: R² (coefficient of determination of ``pred`` for ``ref``; NaN when ``ref`` is
    constant), RMSE and bias (mean pred − ref) [µg/m³]; NaN for a group without rows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.bincount(codes, minlength=n_groups).astype(float)
        err = pred - ref
        mean_ref = np.bincount(codes, ref, minlength=n_groups) / n
        ss_tot = np.bincount(codes, (ref - mean_ref[codes]) ** 2, minlength=n_groups)
        sse = np.bincount(codes, err ** 2, minlength=n_groups)
        r2 = np.where(ss_tot > 0, 1.0 - sse / ss_tot, np.nan)
        return r2, np.sqrt(sse / n), np.bincount(codes, err, minlength=n_groups) / n


#: Huber's T tuning constant (statsmodels ``norms.HuberT`` default) [1].
HUBER_T = 1.345
#: The MAD's normal-consistency constant Φ⁻¹(3/4) (statsmodels ``robust.scale.mad``'s ``c``).
_MAD_C = 0.6744897501960817
#: Relative cut-off of small singular values in the pseudo-inverse (numpy / statsmodels ``pinv``).
_PINV_RCOND = 1e-15
#: Padded cells (groups × rows) per block of the batched fit: bounds the memory of one block.
_BLOCK_CELLS = 1 << 21


def _huber_rho(z: np.ndarray) -> np.ndarray:
    """Huber's ρ, written as statsmodels ``HuberT.rho`` (so ±inf and NaN propagate alike)."""
    test = np.abs(z) <= HUBER_T
    return test * 0.5 * z ** 2 + (1 - test) * (np.abs(z) * HUBER_T - 0.5 * HUBER_T ** 2)


def _huber_psi(z: np.ndarray) -> np.ndarray:
    """Huber's ψ (statsmodels ``HuberT.psi``)."""
    test = np.abs(z) <= HUBER_T
    return test * z + (1 - test) * HUBER_T * np.sign(z)


def _huber_weights(z: np.ndarray) -> np.ndarray:
    """Huber's weight ψ(z)/z: 1 inside ±t, t/|z| outside (statsmodels ``HuberT.weights``)."""
    test = np.abs(z) <= HUBER_T
    return test + (1 - test) * HUBER_T / np.where(test, 1.0, np.abs(z))


def _group_median(values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Median of the first ``n[g]`` entries of each row ``g`` of a padded (G, m) array (padding +inf)."""
    s = np.sort(values, axis=1)
    g = np.arange(len(n))
    return (s[g, (n - 1) // 2] + s[g, n // 2]) / 2


def _pinv_solve(x: np.ndarray, y: np.ndarray):
    """Minimum-norm least squares ``pinv(x) @ y`` of a stack of systems (G, m, p), (G, m).

    The pseudo-inverse as numpy's ``pinv`` (and statsmodels' WLS): singular values below
    ``1e-15 · largest`` count as zero, so a rank-deficient design gets the minimum-norm solution.
    Returns ``(params (G, p), singular values (G, p), vt (G, p, p), inverted singular values)``.
    """
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    large = s > _PINV_RCOND * s.max(axis=1, keepdims=True)
    s_inv = np.where(large, 1.0 / np.where(large, s, 1.0), 0.0)
    uty = (y[:, None, :] @ u)[:, 0]
    params = ((s_inv * uty)[:, None, :] @ vt)[:, 0]
    return params, s, vt, s_inv


def _irls_block(y: np.ndarray, x: np.ndarray, n: np.ndarray, maxiter: int, tol: float):
    """Huber IRLS of a block of padded groups: statsmodels ``RLM.fit`` step by step, for all at once.

    ``y`` (G, m), ``x`` (G, m, p) zero beyond each group's ``n`` rows; see :func:`robust_linear_fit`.
    """
    g_n, m, p = x.shape
    valid = np.arange(m)[None, :] < n[:, None]
    inf_pad = np.where(valid, 0.0, np.inf)
    # start: ordinary least squares (statsmodels lm.WLS(endog, exog).fit(), pinv)
    params, s0, vt0, s0_inv = _pinv_solve(x, y)
    eps = np.finfo(float).eps
    smax = s0.max(axis=1, keepdims=True)
    rank_x = np.count_nonzero(s0 > smax * np.maximum(n, p)[:, None] * eps, axis=1)  # matrix_rank(exog)
    rank_ols = np.count_nonzero(s0 > smax * p * eps, axis=1)  # lm.WLS: matrix_rank(diag(singular values))
    resid = np.where(valid, y - (x @ params[:, :, None])[..., 0], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = _group_median(np.abs(resid) + inf_pad, n) / _MAD_C
        ols_scale = np.sum(resid ** 2, axis=1) / (n - rank_ols)  # lm.WLS results' scale (deviance only)
        deviance = np.sum(np.where(valid, _huber_rho(resid / ols_scale[:, None]), 0.0), axis=1)
    iterations = np.ones(g_n, dtype=int)
    active = np.ones(g_n, dtype=bool)
    iteration = 1
    while True:
        active &= scale != 0.0  # statsmodels stops at a zero scale (a perfect fit) before weighting
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        # the groups still iterating (all of them, without a copy, while none has stopped)
        sel = slice(None) if len(idx) == g_n else idx
        xa, ya, va, na = x[sel], y[sel], valid[sel], n[sel]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(va, _huber_weights(resid[sel] / scale[sel, None]), 0.0)
            sw = np.sqrt(w)
            pa = _pinv_solve(xa * sw[:, :, None], sw * ya)[0]
            ra = np.where(va, ya - (xa @ pa[:, :, None])[..., 0], 0.0)
            wr = sw * ra
            wls_scale = np.sum(wr ** 2, axis=1) / (na - p)
            dev = np.sum(np.where(va, _huber_rho(ra / wls_scale[:, None]), 0.0), axis=1)
            params[sel], resid[sel] = pa, ra
            scale[sel] = _group_median(np.abs(ra) + inf_pad[sel], na) / _MAD_C
        iteration += 1
        iterations[idx] = iteration
        done = ~((np.abs(dev - deviance[idx]) > tol) & (iteration < maxiter))
        deviance[idx] = dev
        active[idx[done]] = False
    # standard errors: statsmodels RLMResults.bcov_scaled, cov="H1"
    with np.errstate(divide="ignore", invalid="ignore"):
        sresid = np.where((scale == 0.0)[:, None], 0.0, resid / scale[:, None])
        psi_d = np.where(valid, np.abs(sresid) <= HUBER_T, 0.0)  # HuberT.psi_deriv
        psi = np.where(valid, _huber_psi(sresid), 0.0)
        mean_d = psi_d.sum(axis=1) / n
        var_d = np.sum(np.where(valid, (psi_d - mean_d[:, None]) ** 2, 0.0), axis=1) / n
        k = 1 + rank_x / n * var_d / mean_d ** 2
        df_resid = n - rank_x
        factor = k ** 2 * (1 / df_resid * np.sum(psi ** 2, axis=1) * scale ** 2) / (mean_d ** 2)
        # diag of normalized_cov_params = pinv(X) pinv(X)' = V diag(1/s²) V'
        ncov_diag = np.einsum("gkp,gk->gp", vt0 ** 2, s0_inv ** 2)
        bse = np.sqrt(factor[:, None] * ncov_diag)
    return params, bse, scale, iterations


def robust_linear_fit(y, x, groups, n_groups: int | None = None, maxiter: int = 50,
                      tol: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Huber robust linear regressions of many groups at once (batched IRLS).

    The estimator of statsmodels ``RLM(y, x, M=HuberT()).fit()`` with all its defaults, for
    every group in one pass: Huber's T norm (t = 1.345), scale = MAD of the residuals centred at
    0 (``robust.scale.mad(resid, center=0)`` = median(|r|) / 0.6745), start = ordinary least
    squares, then per iteration the Huber weights of ``resid / scale``, a weighted least-squares
    fit (pseudo-inverse, so a rank-deficient design gets the minimum-norm solution as in
    statsmodels), the new scale, and the deviance Σ ρ(resid / σ̂_WLS); a group stops when its
    deviance changes by ≤ ``tol`` (``conv='dev'``), after ``maxiter`` iterations, or when its
    scale is 0 (a perfect fit: statsmodels warns and stops there). The groups are padded into
    (groups × rows × p) blocks (at most ``2**21`` cells each) and solved together by stacked
    SVDs; the loop runs over iterations and blocks, never over groups. Tested against
    statsmodels group by group (tests/analysis/test_calibration_batched.py, ≤ 1e-6 relative).

    Parameters
    ----------
    y : array-like, shape (n,)
        Response (finite).
    x : array-like, shape (n, p)
        Design, intercept column included (finite).
    groups : array-like of int, shape (n,)
        Group of each row, 0 … ``n_groups`` − 1 (any order).
    n_groups : int, optional
        Number of groups; default ``max(groups) + 1``.
    maxiter : int, default 50
        Most IRLS iterations (statsmodels' ``RLM.fit`` default).
    tol : float, default 1e-8
        Convergence tolerance on the change of the deviance (statsmodels' ``conv='dev'`` default).

    Returns
    -------
    params, bse : numpy.ndarray, shape (n_groups, p)
        Coefficients and their standard errors (statsmodels' default ``cov='H1'``:
        k² · Σψ²/(n − rank) · scale² / (Σψ'/n)² · (X'X)⁺); NaN for a group without rows.
    scale : numpy.ndarray, shape (n_groups,)
        The final MAD scale [units of y].
    iterations : numpy.ndarray of int, shape (n_groups,)
        statsmodels' ``fit_history['iteration']`` (0 for a group without rows).
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    groups = np.asarray(groups, dtype=np.int64)
    g_all = int(groups.max()) + 1 if n_groups is None and len(groups) else int(n_groups or 0)
    p = x.shape[1]
    params = np.full((g_all, p), np.nan)
    bse = np.full((g_all, p), np.nan)
    scale = np.full(g_all, np.nan)
    iterations = np.zeros(g_all, dtype=int)
    if not len(groups):
        return params, bse, scale, iterations
    counts = np.bincount(groups, minlength=g_all)
    first = np.cumsum(counts) - counts
    if np.all(groups[1:] >= groups[:-1]):  # rows already in group order (fit_calibration's)
        pos = np.arange(len(groups)) - first[groups]
    else:
        order = np.argsort(groups, kind="stable")
        pos = np.empty(len(groups), dtype=np.int64)
        pos[order] = np.arange(len(groups)) - first[groups[order]]
    by_size = np.flatnonzero(counts)
    by_size = by_size[np.argsort(counts[by_size], kind="stable")]
    sizes = counts[by_size]
    block = np.empty(g_all, dtype=np.int64)
    local = np.empty(g_all, dtype=np.int64)
    blocks = []
    i = 0
    while i < len(by_size):  # blocks of groups of similar size: padding stays small, memory bounded
        cells = (np.arange(len(by_size) - i) + 1) * sizes[i:]
        j = i + max(1, int(np.searchsorted(cells, _BLOCK_CELLS, side="right")))
        block[by_size[i:j]] = len(blocks)
        local[by_size[i:j]] = np.arange(j - i)
        blocks.append(by_size[i:j])
        i = j
    row_block = block[groups]
    for b, members in enumerate(blocks):
        rows = np.flatnonzero(row_block == b) if len(blocks) > 1 else np.arange(len(groups))
        m = int(counts[members].max())
        xb = np.zeros((len(members) * m, p))
        yb = np.zeros(len(members) * m)
        cell = local[groups[rows]] * m + pos[rows]
        xb[cell] = x[rows]
        yb[cell] = y[rows]
        params[members], bse[members], scale[members], iterations[members] = _irls_block(
            yb.reshape(len(members), m), xb.reshape(len(members), m, p), counts[members], maxiter, tol)
    return params, bse, scale, iterations


def _group_codes(*keys: pd.Series) -> tuple[np.ndarray, list]:
    """Group number of each row by several key columns, groups in sorted key order; and each
    group's key values (one array per key). Integer arithmetic on the codes of each key: no
    tuples of Python objects per row."""
    codes = np.zeros(len(keys[0]), dtype=np.int64)
    uniques = []
    for k in keys:
        c, u = pd.factorize(k, sort=True)
        codes = codes * max(len(u), 1) + c
        uniques.append(u)
    codes, combined = pd.factorize(codes, sort=True)
    values = []
    for u in reversed(uniques):
        values.append(np.asarray(u)[combined % max(len(u), 1)] if len(u) else np.asarray(u))
        combined = combined // max(len(u), 1)
    return codes.astype(np.int64), values[::-1]


def _check_model(s: Settings) -> str:
    if s.calibration_model not in MODEL_TERMS:
        raise InputDataError(f"settings.calibration_model must be one of {sorted(MODEL_TERMS)}, "
                             f"got {s.calibration_model!r}")
    return s.calibration_model


def fit_calibration(micro_hourly: pd.DataFrame, reference_hourly: pd.DataFrame, pairs: pd.DataFrame,
                    settings: Settings | None = None, colocation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fit one calibration model per micro-station and season; evaluate it on held-out hours.

    Model (``settings.calibration_model``, docs/micro_stations.md): reference PM2.5 =
    b0 + b1·raw + b2·RH [+ b3·raw·RH], robust linear regression (Huber's T, MAD scale: statsmodels
    ``RLM``'s estimator, computed for all stations and seasons at once by :func:`robust_linear_fit`)
    after [BARKJOHN-2021] / [CRILLEY-2018]. Training window = the earliest hours of the
    station and season, held out = the latest ``settings.calibration_holdout_share``
    (:func:`split_train_holdout`).

    Basis (module docstring): without ``colocation`` each station is fitted on all its paired
    hours against its reference in ``pairs`` (``basis`` ``nearest``: a local source near the
    sensor is absorbed as bias); with ``colocation`` only on the hours inside its co-location
    windows (比对期), against the reference named there (``basis`` ``colocation``), and the
    training / held-out split is made within them. The basis for hot-spot screening is
    ``colocation`` (docs/micro_stations.md, "校准 Calibration").

    Parameters
    ----------
    micro_hourly, reference_hourly : pandas.DataFrame
        Hourly frames (see :func:`paired_hours`).
    pairs : pandas.DataFrame
        ``station``, ``reference``, ``distance_km`` (:func:`nearest_reference`): the stations
        to calibrate (one output row at least for each).
    settings : Settings, optional
        ``calibration_model``, ``calibration_holdout_share``, ``calibration_min_hours``,
        ``calibration_min_rmse_gain``, ``heating_season``.
    colocation : pandas.DataFrame, optional
        Co-location windows ``station``, ``reference``, ``start``, ``end`` (hour labels, ``end``
        inclusive; :func:`airlib.io.micro_stations.read_colocation`); windows of stations not in
        ``pairs`` are ignored. A station of ``pairs`` without a window gets one row, not used,
        reason "no co-location window".

    Returns
    -------
    pandas.DataFrame
        One row per station of ``pairs`` and season with paired hours (a station without a
        reference or without paired hours gets one row, season ``<NA>``): ``station``,
        ``reference``, ``distance_km`` [km], ``season``, ``model``, ``n_train``, ``n_holdout``,
        ``train_start``, ``train_end``, ``holdout_start``, ``holdout_end`` (hour labels),
        ``intercept`` [µg/m³], ``slope`` [1], ``rh_coef`` [µg/m³ per % RH] (and
        ``slope_rh_coef`` [1 per % RH] for the interaction model), each with ``<name>_se`` (the
        RLM standard error), held-out ``r2_raw``, ``r2_cal`` [1], ``rmse_raw``, ``rmse_cal``,
        ``bias_raw``, ``bias_cal`` [µg/m³] (raw = the uncalibrated reading against the
        reference), ``use`` (bool: ``rmse_cal ≤ (1 − calibration_min_rmse_gain) · rmse_raw``)
        and ``reason`` (why not used; empty when used), and ``basis`` (after ``model``:
        ``colocation`` or ``nearest``, the hours the model was fitted on). With the co-location
        basis ``reference`` is the window's reference and ``distance_km`` the deployed site's
        distance from it when it is the station's reference in ``pairs``, else NaN.
    """
    s = settings or DEFAULT
    model = _check_model(s)
    terms = ("intercept", *MODEL_TERMS[model])
    _require(pairs, ["station", "reference"], "pairs")
    paired = paired_hours(micro_hourly, reference_hourly, pairs, s)
    if colocation is not None:  # co-location basis: only the windows' hours, against their reference
        paired = _colocation_hours(micro_hourly, reference_hourly, pairs, colocation, s)
    dist = (pairs.set_index(pairs["station"].astype(str))["distance_km"]
            if "distance_km" in pairs.columns else pd.Series(dtype=float))
    codes, (g_station, g_season) = _group_codes(paired["station"], paired["season"])
    order = np.argsort(codes, kind="stable")  # paired is in station-time order: time order kept per group
    paired, codes = paired.iloc[order], codes[order]
    n_groups = len(g_station)
    # per station and season (all groups at once): rows are sorted by time within a group, so the
    # time-blocked split keeps the first n − ceil(share · n) rows (as split_train_holdout does)
    n = np.bincount(codes, minlength=n_groups)
    first = (np.cumsum(n) - n).astype(np.int64)
    n_hold = _n_holdout(n, s.calibration_holdout_share)
    n_train = n - n_hold
    train = (np.arange(len(codes)) - first[codes]) < n_train[codes]
    times = paired["time"].to_numpy()
    raw, rh, ref = (paired[c].to_numpy(dtype=float) for c in ("raw", "rh", "ref"))
    need_hold = max(1, s.calibration_min_hours // 3)
    fit = (n_train >= s.calibration_min_hours) & (n_hold >= need_hold)
    design = _design(raw, rh, model)
    params = np.full((n_groups, len(terms)), np.nan)
    bse = np.full((n_groups, len(terms)), np.nan)
    fitted = np.flatnonzero(fit)
    rows = train & fit[codes]
    if len(fitted):  # one batched robust fit for every station and season
        local = np.full(n_groups, -1, dtype=np.int64)
        local[fitted] = np.arange(len(fitted))
        params[fitted], bse[fitted] = robust_linear_fit(ref[rows], design[rows], local[codes[rows]],
                                                        n_groups=len(fitted))[:2]
    hold = ~train & fit[codes]
    hc = codes[hold]
    r2_raw, rmse_raw, bias_raw = _skill(raw[hold], ref[hold], hc, n_groups)
    r2_cal, rmse_cal, bias_cal = _skill(_predict(design[hold], params[hc]), ref[hold], hc, n_groups)
    use = fit & (rmse_cal <= (1.0 - s.calibration_min_rmse_gain) * rmse_raw)
    reason = [
        "" if u else
        f"held-out RMSE {rc:.2f} not {s.calibration_min_rmse_gain:.0%} below raw {rr:.2f}" if f else
        f"too few paired hours ({nt} training, {nh} held out; need {s.calibration_min_hours} and {need_hold})"
        for u, f, rc, rr, nt, nh in zip(use, fit, rmse_cal, rmse_raw, n_train, n_hold)]
    t_at = lambda i: pd.to_datetime(times[i]) if len(i) else pd.DatetimeIndex([])  # noqa: E731
    fits = {"station": g_station, "reference": paired["reference"].iloc[first].to_numpy(),
            "season": g_season, "model": model,
            "n_train": n_train, "n_holdout": n_hold,
            "train_start": t_at(first).where(n_train > 0),
            "train_end": t_at(first + np.maximum(n_train - 1, 0)).where(n_train > 0),
            "holdout_start": t_at(first + n_train), "holdout_end": t_at(first + n - 1),
            **{c: v for j, t in enumerate(terms) for c, v in ((t, params[:, j]), (f"{t}_se", bse[:, j]))},
            "r2_raw": r2_raw, "r2_cal": r2_cal, "rmse_raw": rmse_raw, "rmse_cal": rmse_cal,
            "bias_raw": bias_raw, "bias_cal": bias_cal, "use": use, "reason": reason}
    for c in ("r2_raw", "r2_cal", "rmse_raw", "rmse_cal", "bias_raw", "bias_cal"):
        fits[c] = np.where(fit, fits[c], np.nan)
    # one row per station of pairs without any fit, saying why
    unfit = pairs.loc[~pairs["station"].astype(str).isin(g_station), ["station", "reference"]]
    unfit_rows = [{"station": str(st), "reference": r, "season": pd.NA, "model": model,
                   "n_train": 0, "n_holdout": 0, "use": False,
                   "reason": "no reference station within max_km" if pd.isna(r) else "no paired hours with the reference"}
                  for st, r in zip(unfit["station"], unfit["reference"])]
    cols = ["station", "reference", "distance_km", "season", "model", "n_train", "n_holdout",
            "train_start", "train_end", "holdout_start", "holdout_end",
            *[c for t in terms for c in (t, f"{t}_se")],
            "r2_raw", "r2_cal", "rmse_raw", "rmse_cal", "bias_raw", "bias_cal", "use", "reason"]
    parts = [pd.DataFrame(fits, columns=[c for c in cols if c != "distance_km"])] if n_groups else []
    if unfit_rows:
        parts.append(pd.DataFrame(unfit_rows, columns=[c for c in cols if c != "distance_km"]))
    out = (pd.concat(parts, ignore_index=True) if parts
           else pd.DataFrame(columns=[c for c in cols if c != "distance_km"]))
    out["distance_km"] = out["station"].map(dist).astype(float) if len(dist) else np.nan
    out["use"] = out["use"].astype(bool)
    out["reason"] = out["reason"].fillna("")
    for c in ("train_start", "train_end", "holdout_start", "holdout_end"):
        out[c] = pd.to_datetime(out[c])
    for c in out.columns[out.columns.get_loc("intercept"):out.columns.get_loc("bias_cal") + 1]:
        out[c] = out[c].astype(float)
    for c in ("station", "reference", "season"):
        out[c] = out[c].astype("string")
    out, cols = _with_basis(out, cols, pairs, colocation)
    return out[cols].reset_index(drop=True)


def apply_calibration(micro_hourly: pd.DataFrame, models: pd.DataFrame,
                      settings: Settings | None = None) -> pd.DataFrame:
    """Add the calibrated PM2.5 beside the raw one; nothing is overwritten or dropped.

    Parameters
    ----------
    micro_hourly : pandas.DataFrame
        Hourly frame of the micro-stations (``station``, ``time``, ``pm25`` [µg/m³], ``rh`` [%] or
        ``temp``/``dewp`` [°C]).
    models : pandas.DataFrame
        :func:`fit_calibration`'s output; only rows with ``use`` True are applied.
    settings : Settings, optional
        ``heating_season`` (the season of each hour).

    Returns
    -------
    pandas.DataFrame
        The input rows (same order and index, every column kept) with ``pm25_raw`` (a copy of
        ``pm25``), ``pm25_cal`` (the model's value, clipped at 0; NaN where no model is used for
        the station and season or the hour has no RH or no PM2.5), ``pm25_best`` (``pm25_cal``
        where calibrated, else ``pm25_raw``) [µg/m³] and ``calibrated`` (bool).
    """
    s = settings or DEFAULT
    _require(micro_hourly, ["station", "time", "pm25"], "micro_hourly")
    _require(models, ["station", "season", "model", "intercept", "use"], "models")
    out = micro_hourly.copy()
    raw = pd.to_numeric(out["pm25"], errors="coerce").to_numpy(dtype=float)
    rh = _humidity(out, "micro_hourly")
    season = _season(_times(out, "micro_hourly"), s)
    used = models[models["use"].astype(bool)]
    cal = np.full(len(out), np.nan)
    if len(used):
        kinds = set(used["model"].astype(str))
        unknown = kinds - set(MODEL_TERMS)
        if unknown:
            raise InputDataError(f"models: unknown model {sorted(unknown)[0]!r}; one of {sorted(MODEL_TERMS)}",
                                 column="model")
        dup = used.duplicated(["station", "season"])
        if dup.any():
            r = used[dup].iloc[0]
            raise InputDataError(f"models: more than one used model for station {r['station']!r}, "
                                 f"season {r['season']!r}", column="station")
        key = pd.MultiIndex.from_arrays([out["station"].astype(str).to_numpy(), season])
        ukey = pd.MultiIndex.from_arrays([used["station"].astype(str).to_numpy(), used["season"].astype(str).to_numpy()])
        idx = ukey.get_indexer(key)
        hit = idx >= 0
        coef = np.zeros((len(used), 4))
        for j, name in enumerate(("intercept", "slope", "rh_coef", "slope_rh_coef")):
            if name in used.columns:
                coef[:, j] = pd.to_numeric(used[name], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        inter = (used["model"].astype(str) == "linear_rh_interaction").to_numpy()
        coef[~inter, 3] = 0.0
        c = coef[idx[hit]]
        r, h = raw[hit], rh[hit]
        # the fit's own design and prediction (one formula): the additive model is the
        # interaction model with its raw × RH coefficient 0
        cal[hit] = _predict(_design(r, h, "linear_rh_interaction"), c)
    out["pm25_raw"] = raw
    out["pm25_cal"] = cal
    calibrated = np.isfinite(cal)
    out["pm25_best"] = np.where(calibrated, cal, raw)
    out["calibrated"] = calibrated
    return out


def coefficient_drift(micro_hourly: pd.DataFrame, reference_hourly: pd.DataFrame, pairs: pd.DataFrame,
                      settings: Settings | None = None) -> pd.DataFrame:
    """The calibration refitted month by month: the coefficient series of each station.

    A sensor whose response changes (ageing, dust on the optics) shows a trend in its monthly
    slope/intercept; the bureau recalibrates or replaces it. Same model and fit as
    :func:`fit_calibration`, on all paired hours of each calendar month (no hold-out: the
    series is descriptive), months with fewer than ``settings.calibration_min_hours`` hours skipped.

    Parameters
    ----------
    micro_hourly, reference_hourly, pairs : pandas.DataFrame
        As for :func:`fit_calibration`.
    settings : Settings, optional
        ``calibration_model``, ``calibration_min_hours``.

    Returns
    -------
    pandas.DataFrame
        One row per station and month with enough hours: ``station``, ``month`` (Period[M]),
        ``n_hours``, the coefficients and their ``_se`` (as in :func:`fit_calibration`), and per
        station ``slope_change_per_month`` and ``intercept_change_per_month`` (least-squares
        trend of the monthly series [1/month], [µg/m³/month]; NaN with fewer than 2 months).
    """
    s = settings or DEFAULT
    model = _check_model(s)
    terms = ("intercept", *MODEL_TERMS[model])
    paired = paired_hours(micro_hourly, reference_hourly, pairs, s)
    paired["month"] = paired["time"].dt.to_period("M")
    codes, (g_station, g_month) = _group_codes(paired["station"], paired["month"])
    n = np.bincount(codes, minlength=len(g_station))
    keep = np.flatnonzero(n >= s.calibration_min_hours)
    local = np.full(len(g_station), -1, dtype=np.int64)
    local[keep] = np.arange(len(keep))
    rows = local[codes] >= 0
    params, bse = robust_linear_fit(paired["ref"].to_numpy(dtype=float)[rows],
                                    _design(paired["raw"].to_numpy(dtype=float)[rows],
                                            paired["rh"].to_numpy(dtype=float)[rows], model),
                                    local[codes[rows]], n_groups=len(keep))[:2]
    cols = ["station", "month", "n_hours", *[c for t in terms for c in (t, f"{t}_se")]]
    out = pd.DataFrame({"station": g_station[keep], "month": g_month[keep],
                        "n_hours": n[keep],
                        **{c: v for j, t in enumerate(terms) for c, v in ((t, params[:, j]), (f"{t}_se", bse[:, j]))}},
                       columns=cols)
    # least-squares trend of each station's monthly series (one row per station and month), all
    # stations at once: Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², NaN with a single month
    st = pd.factorize(out["station"])[0]
    x = np.asarray(out["month"].array.asi8, dtype=float) if len(out) else np.empty(0)
    n_st = np.bincount(st, minlength=st.max() + 1 if len(st) else 0)
    dx = x - (np.bincount(st, x) / n_st)[st] if len(out) else x
    sxx = np.bincount(st, dx ** 2) if len(out) else np.empty(0)
    for name in ("slope", "intercept"):
        if not len(out):
            out[f"{name}_change_per_month"] = np.empty(0)
            continue
        y = out[name].to_numpy(dtype=float)
        dy = y - (np.bincount(st, y) / n_st)[st]
        with np.errstate(divide="ignore", invalid="ignore"):
            trend = np.where(n_st >= 2, np.bincount(st, dx * dy) / sxx, np.nan)
        out[f"{name}_change_per_month"] = trend[st]
    out["station"] = out["station"].astype("string")
    return out


_COLOCATION_COLUMNS = ("station", "reference", "start", "end")


def _colocation_windows(colocation: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The co-location windows of the stations of ``pairs``, checked (end ≥ start, no overlap)."""
    _require(colocation, list(_COLOCATION_COLUMNS), "colocation")
    w = colocation.loc[:, list(_COLOCATION_COLUMNS)].copy()
    no_id = w[["station", "reference"]].isna().any(axis=1)
    w["station"] = w["station"].astype(str)
    w["reference"] = w["reference"].astype(str)
    for c in ("start", "end"):
        w[c] = pd.to_datetime(w[c], errors="coerce", format="mixed")
    bad = w[no_id | w[["start", "end"]].isna().any(axis=1) | (w["end"] < w["start"])]
    if len(bad):
        r = bad.iloc[0]
        raise InputDataError(f"colocation: window of station {r['station']!r} has no id, no readable start/end or ends "
                             f"before it starts ({r['start']} … {r['end']}); give hour labels, end inclusive",
                             column="end")
    w = w[w["station"].isin(set(pairs["station"].astype(str)))].sort_values(["station", "start"], kind="stable")
    overlap = w["station"].eq(w["station"].shift()) & (w["start"] <= w["end"].shift())
    if overlap.any():
        raise InputDataError(f"colocation: two windows of station {w.loc[overlap, 'station'].iloc[0]!r} overlap; "
                             "a sensor stands beside one reference at a time", column="start")
    return w.reset_index(drop=True)


def _colocation_hours(micro_hourly: pd.DataFrame, reference_hourly: pd.DataFrame, pairs: pd.DataFrame,
                      colocation: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """:func:`paired_hours` restricted to the co-location windows, each against the window's reference.

    A station may have windows beside different references: each distinct (station, reference)
    is paired in a "round" of :func:`paired_hours` (one reference per station per round; rounds
    = the most references of one station, usually 1), then the hours outside its windows dropped.
    """
    w = _colocation_windows(colocation, pairs)
    sr = w[["station", "reference"]].drop_duplicates()
    sr = sr.assign(round=sr.groupby("station").cumcount())
    parts = []
    for k in range(int(sr["round"].max()) + 1 if len(sr) else 0):  # rounds (usually one), not rows
        ph = paired_hours(micro_hourly, reference_hourly, sr.loc[sr["round"] == k, ["station", "reference"]],
                          settings)
        i = _window_of(ph["station"].to_numpy(), ph["time"].to_numpy(), w)
        inside = i >= 0
        inside[inside] = w["reference"].to_numpy()[i[inside]] == ph["reference"].to_numpy()[inside]
        parts.append(ph[inside])
    cols = ["station", "reference", "time", "season", "raw", "rh", "ref"]
    if not parts:
        return paired_hours(micro_hourly.iloc[:0], reference_hourly.iloc[:0], pairs.iloc[:0], settings)[cols]
    return pd.concat(parts, ignore_index=True).sort_values(["station", "time"], kind="stable")[cols].reset_index(
        drop=True)


def _with_basis(out: pd.DataFrame, cols: list[str], pairs: pd.DataFrame,
                colocation: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """Add ``basis`` (after ``model``); on the co-location basis, say why a station has no model."""
    cols = [*cols]
    cols.insert(cols.index("model") + 1, "basis")
    if colocation is None:
        out["basis"] = pd.array(["nearest"] * len(out), dtype="string")
        return out, cols
    out["basis"] = pd.array(["colocation"] * len(out), dtype="string")
    w = _colocation_windows(colocation, pairs)
    first_ref = w.groupby("station")["reference"].first()
    unfit = out["season"].isna()
    has_window = out["station"].astype(str).isin(set(w["station"]))
    out.loc[unfit & ~has_window, "reason"] = "no co-location window (比对期): not calibrated"
    sel = unfit & has_window
    out.loc[sel, "reason"] = "no paired hours in its co-location window(s)"
    out.loc[sel, "reference"] = out.loc[sel, "station"].astype(str).map(first_ref).astype("string")
    nearest = pairs.set_index(pairs["station"].astype(str))["reference"].astype("string")
    same = out["reference"].eq(out["station"].astype(str).map(nearest)).fillna(False).to_numpy(bool)
    out.loc[~same, "distance_km"] = np.nan
    return out, cols


def _window_of(station: np.ndarray, time: np.ndarray, windows: pd.DataFrame) -> np.ndarray:
    """Row of ``windows`` (checked by :func:`_colocation_windows`: no overlap) holding each
    (station, hour), −1 when none: the hour lies in [start, end] (end inclusive)."""
    out = np.full(len(station), -1, dtype=np.int64)
    if len(station) == 0 or len(windows) == 0:
        return out
    rows = pd.DataFrame({"station": np.asarray(station, dtype=str),
                         "time": np.asarray(pd.to_datetime(np.asarray(time)), dtype="datetime64[ns]"),
                         "row": np.arange(len(station))}).sort_values("time", kind="stable")
    w = pd.DataFrame({"station": windows["station"].astype(str).to_numpy(),
                      "start": windows["start"].to_numpy(dtype="datetime64[ns]"),
                      "end": windows["end"].to_numpy(dtype="datetime64[ns]"),
                      "window": np.arange(len(windows))}).sort_values("start", kind="stable")
    # the last window of the station starting at or before the hour; inside when the hour ≤ its end
    m = pd.merge_asof(rows, w, left_on="time", right_on="start", by="station", direction="backward")
    inside = (m["time"] <= m["end"]).to_numpy(bool)
    out[m["row"].to_numpy()[inside]] = m["window"].to_numpy()[inside].astype(np.int64)
    return out


def colocation_mask(micro_hourly: pd.DataFrame, colocation: pd.DataFrame) -> np.ndarray:
    """True for the rows of ``micro_hourly`` inside a co-location window of their station.

    In its co-location window (比对期) a sensor stands beside its reference analyser, not at its
    deployed site: those hours are the calibration's basis (``fit_calibration(...,
    colocation=...)``) and must not be read as the air of the site, so hot-spot screening leaves
    them out (docs/micro_stations.md, "校准 Calibration").

    Parameters
    ----------
    micro_hourly : pandas.DataFrame
        ``station``, ``time`` (hour-beginning labels).
    colocation : pandas.DataFrame
        Windows ``station``, ``reference``, ``start``, ``end`` (end inclusive;
        :func:`airlib.io.micro_stations.read_colocation`).

    Returns
    -------
    numpy.ndarray of bool
        One value per row of ``micro_hourly``, in its order.
    """
    _require(micro_hourly, ["station", "time"], "micro_hourly")
    w = _colocation_windows(colocation, micro_hourly[["station"]].drop_duplicates())
    return _window_of(micro_hourly["station"].astype(str).to_numpy(), _times(micro_hourly, "micro_hourly"), w) >= 0
