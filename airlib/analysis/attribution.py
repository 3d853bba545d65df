"""Weather normalisation of PM2.5 (how much of a change is the weather?).

Method (documented in ``docs/trends.md``):

1. **Model** (:func:`fit_weather_model`): ordinary least squares (statsmodels) of
   ``log(PM2.5)`` on natural cubic regression splines (patsy ``cr``) of temperature, relative
   humidity (from temperature and dew point, Magnus formula), pressure and log wind speed;
   the wind vector (unit components of the direction the wind comes *from*, and their
   interaction with log wind speed); ``log1p`` precipitation; day-of-year harmonics
   (2 pairs), weekday, hour-of-day harmonics (hourly data only); and a cubic regression spline
   of time (one degree of freedom per ``trend_knot_days``, default 90 days) that carries the
   emission signal. Standard errors are HAC (Newey–West). statsmodels OLS was kept over
   gradient boosting: it is a declared dependency, it is fast enough to refit per station and
   per bootstrap, its coefficient covariance gives the parameter uncertainty directly, and on
   the UCI data its held-out skill is reported next to every result (see the notebook).
2. **Skill** (:func:`blocked_cv_skill`): time-blocked cross-validation — consecutive blocks of
   ``block_days`` (default 14) days are assigned round-robin to ``k`` folds, so a held-out
   day's neighbours are mostly held out too; R² and RMSE on the concentration scale
   (retransformed with Duan's smearing factor) and R² on the log scale.
3. **Normalisation** (:func:`normalise_weather`, rmweather/deweather style): for every target
   day, ``n_draws`` donor days are drawn (seeded) from *other* days whose day of year lies
   within ± ``window_days`` (circular) in any year of the record; the meteorology of the donor
   (same hour for hourly data) replaces the target's, the time features (trend, season,
   weekday, hour) stay; predictions are averaged over the draws. The result is the
   concentration expected at that time under the record's typical weather for the season.
4. **Change between two periods** (:func:`compare_periods`): raw change of the observed means
   and weather-normalised change, both absolute (µg/m³) and relative (%), and the weather's part
   (raw − normalised). Intervals: ``n_boot`` paired replicates, each drawing the coefficients
   from N(β̂, V_HAC) and resampling the days of each period in moving blocks
   (``block_days_boot``, default 7 days); percentile intervals.

References
----------
[GRANGE-2018], [NEWEY-1987], [DUAN-1983], [KUNSCH-1989], [OPENAIR-2012] (docs/references.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from airlib.errors import InputDataError

__all__ = [
    "WIND_DIRECTION_DEGREES",
    "relative_humidity",
    "add_weather_features",
    "daily_meteorology",
    "WeatherModel",
    "fit_weather_model",
    "blocked_cv_skill",
    "normalise_weather",
    "PeriodComparison",
    "compare_periods",
    "plot_normalised",
    "area_mean_daily",
    "normalised_change_table",
    "plot_change_table",
    "winter_labels",
    "change_display",
    "change_records",
    "change_summary_zh",
]

#: Degrees (clockwise from north) of the 16-point compass directions the wind comes from.
WIND_DIRECTION_DEGREES: dict[str, float] = {
    d: i * 22.5
    for i, d in enumerate(
        ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
    )
}

_MET_INPUT = ("temp", "dewp", "pres", "wspm", "wd_sin", "wd_cos", "rain")
#: Columns the model reads (after :func:`add_weather_features`); the ones resampled.
MODEL_MET = ("temp", "rh", "pres", "log_ws", "wd_sin", "wd_cos", "log_rain")


def relative_humidity(temp: np.ndarray, dewp: np.ndarray) -> np.ndarray:
    """Relative humidity in % from temperature and dew point (°C), Magnus formula over water.

    RH = 100 · exp(17.625·Td/(243.04+Td)) / exp(17.625·T/(243.04+T)) (Alduchov & Eskridge 1996),
    capped at 100.

    Parameters
    ----------
    temp : numpy.ndarray of float [°C]
        Air temperature.
    dewp : numpy.ndarray of float [°C]
        Dew point.

    Returns
    -------
    numpy.ndarray of float64 [%]
    """
    t = np.asarray(temp, dtype=float)
    td = np.asarray(dewp, dtype=float)
    rh = 100.0 * np.exp(17.625 * td / (243.04 + td) - 17.625 * t / (243.04 + t))
    return np.minimum(rh, 100.0)


def _require(frame: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputDataError(f"{what}: missing column(s) {missing}", column=missing[0])


def add_weather_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Add model features to an hourly or daily frame with canonical meteorology.

    Needs ``temp``, ``dewp`` (°C), ``pres`` (hPa), ``wspm`` (m/s), ``rain`` (mm) and either
    ``wd`` (16-point compass string, hourly frames) or ``wd_sin``/``wd_cos`` (daily frames from
    :func:`daily_meteorology`). Adds ``rh`` (%), ``log_ws`` = log(wspm + 0.1),
    ``log_rain`` = log1p(rain), ``wd_sin``/``wd_cos`` (unit vector of the direction the wind
    comes from; 0/0 for calm or unknown direction). Returns a new frame.

    Parameters
    ----------
    frame : pandas.DataFrame [°C, hPa, m/s, mm]
        Hourly or daily frame with the meteorology columns above.

    Returns
    -------
    pandas.DataFrame
        A copy with ``rh`` [%], ``log_ws``, ``log_rain``, ``wd_sin``, ``wd_cos``.
    """
    _require(frame, ("temp", "dewp", "pres", "wspm", "rain"), "weather features")
    out = frame.copy()
    if "wd_sin" not in out.columns:
        _require(out, ("wd",), "weather features")
        deg = out["wd"].map(WIND_DIRECTION_DEGREES).astype(float)
        unknown = out["wd"].notna() & deg.isna()
        if unknown.any():
            bad = out.loc[unknown, "wd"].unique()[:5]
            raise InputDataError(f"unknown wind direction(s) {list(bad)}", column="wd")
        rad = np.deg2rad(deg.to_numpy())
        out["wd_sin"] = np.nan_to_num(np.sin(rad))
        out["wd_cos"] = np.nan_to_num(np.cos(rad))
    out["rh"] = relative_humidity(out["temp"], out["dewp"])
    out["log_ws"] = np.log(out["wspm"].astype(float).clip(lower=0) + 0.1)
    out["log_rain"] = np.log1p(out["rain"].astype(float).clip(lower=0))
    return out


def daily_meteorology(hourly: pd.DataFrame, *, value: str = "pm25", min_hours: int = 20) -> pd.DataFrame:
    """Daily means per station for weather normalisation.

    ``value`` is averaged over the natural day and kept only with ≥ ``min_hours`` valid hours
    (GB 3095—2012 Table 4 / 2026 Table 4: 20 h for a 24-h mean); temperature, dew point,
    pressure, wind speed are daily means, rain the daily sum (NaN if no hour reported), wind
    direction the mean unit vector (``wd_sin``, ``wd_cos``; weighting by hour, not by speed).

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³; °C, hPa, m/s, mm]
        Canonical hourly frame with ``station``, ``time``, ``value`` and the meteorology.
    value : str, default "pm25"
        Pollutant column.
    min_hours : int, default 20 [hours]
        Valid hours needed for a daily mean of ``value`` ([GB3095-2026] Table 4).

    Returns
    -------
    pandas.DataFrame
        ``station``, ``time`` (day), ``value``, ``<value>_n``, ``temp``, ``dewp``, ``pres``,
        ``wspm``, ``rain``, ``wd_sin``, ``wd_cos``.
    """
    _require(hourly, ("station", "time", value, "temp", "dewp", "pres", "wspm", "rain", "wd"), "daily meteorology")
    h = hourly[["station", "time", value, "temp", "dewp", "pres", "wspm", "rain", "wd"]].copy()
    rad = np.deg2rad(h["wd"].map(WIND_DIRECTION_DEGREES).astype(float).to_numpy())
    h["wd_sin"] = np.sin(rad)
    h["wd_cos"] = np.cos(rad)
    h["day"] = pd.DatetimeIndex(h["time"]).floor("D")
    g = h.groupby(["station", "day"], sort=True)
    out = g[[value, "temp", "dewp", "pres", "wspm", "wd_sin", "wd_cos"]].mean()
    out[f"{value}_n"] = g[value].count()
    out["rain"] = g["rain"].sum(min_count=1)
    out.loc[out[f"{value}_n"] < min_hours, value] = np.nan
    out[["wd_sin", "wd_cos"]] = out[["wd_sin", "wd_cos"]].fillna(0.0)
    out = out.reset_index().rename(columns={"day": "time"})
    return out


def _is_hourly(time: pd.Series) -> bool:
    t = pd.DatetimeIndex(time)
    return bool((t != t.floor("D")).any())


#: Meteorological columns that get lagged copies (``<col>_l<k>``, k days earlier).
LAGGED_MET = ("rh", "log_ws", "wd_sin", "wd_cos")


def _met_columns(lag_days: int) -> list[str]:
    return list(MODEL_MET) + [f"{c}_l{k}" for k in range(1, lag_days + 1) for c in LAGGED_MET]


def _formula(value: str, hourly: bool, trend_df: int, lag_days: int = 0) -> str:
    terms = [
        "cr(temp, df=5, constraints=\"center\")", "cr(rh, df=5, constraints=\"center\")", "cr(pres, df=4, constraints=\"center\")", "cr(log_ws, df=4, constraints=\"center\")",
        "wd_sin", "wd_cos", "wd_sin:log_ws", "wd_cos:log_ws", "log_rain",
        f"cr(trend, df={trend_df}, constraints=\"center\")", "doy_s1", "doy_c1", "doy_s2", "doy_c2", "C(weekday, levels=[0,1,2,3,4,5,6])",
    ]
    for k in range(1, lag_days + 1):
        terms += [f"cr(rh_l{k}, df=4, constraints=\"center\")", f"cr(log_ws_l{k}, df=4, constraints=\"center\")",
                  f"wd_sin_l{k}", f"wd_cos_l{k}"]
    if hourly:
        terms += ["hr_s1", "hr_c1", "hr_s2", "hr_c2", "hr_s3", "hr_c3"]
    return f"np.log({value}) ~ " + " + ".join(terms)


def _time_features(frame: pd.DataFrame, t0: pd.Timestamp) -> pd.DataFrame:
    t = pd.DatetimeIndex(frame["time"])
    out = frame.copy()
    out["trend"] = np.asarray((t - t0) / pd.Timedelta(days=1), dtype=float)
    doy = 2 * np.pi * (t.day_of_year.to_numpy() - 1) / 365.25
    for k in (1, 2):
        out[f"doy_s{k}"] = np.sin(k * doy)
        out[f"doy_c{k}"] = np.cos(k * doy)
    hr = 2 * np.pi * t.hour.to_numpy() / 24
    for k in (1, 2, 3):
        out[f"hr_s{k}"] = np.sin(k * hr)
        out[f"hr_c{k}"] = np.cos(k * hr)
    out["weekday"] = t.day_of_week.to_numpy()
    return out


@dataclass
class WeatherModel:
    """A fitted weather model of one series (one station or one area mean).

    Attributes
    ----------
    result : statsmodels RegressionResults
        OLS fit with HAC covariance.
    formula : str
    design_info : patsy DesignInfo
        To build design matrices of resampled data.
    smearing : float
        Duan's smearing factor mean(exp(residual)) for retransformation to µg/m³.
    data : pandas.DataFrame
        The frame with features (all rows, including those not fitted).
    fitted_rows : numpy.ndarray of bool
        Rows used in the fit (value > 0 and complete meteorology).
    value : str
    hourly : bool
    t0 : pandas.Timestamp
    skill : dict
        Held-out skill from :func:`blocked_cv_skill` (filled by :func:`fit_weather_model`).
    """

    result: object
    formula: str
    design_info: object
    smearing: float
    data: pd.DataFrame
    fitted_rows: np.ndarray
    value: str
    hourly: bool
    t0: pd.Timestamp
    met_columns: list = field(default_factory=lambda: list(MODEL_MET))
    skill: dict = field(default_factory=dict)

    @property
    def beta(self) -> np.ndarray:
        return np.asarray(self.result.params)

    def design(self, frame: pd.DataFrame) -> np.ndarray:
        """Design matrix of ``frame`` (features already added) for this model."""
        from patsy import build_design_matrices

        (X,) = build_design_matrices([self.design_info], frame, return_type="matrix", NA_action="raise")
        return np.asarray(X)


def _add_lags(f: pd.DataFrame, lag_days: int) -> pd.DataFrame:
    t = pd.DatetimeIndex(f["time"])
    src = f.set_index(t)[list(LAGGED_MET)]
    for k in range(1, lag_days + 1):
        lagged = src.reindex(t - pd.Timedelta(days=k)).to_numpy()
        for j, c in enumerate(LAGGED_MET):
            f[f"{c}_l{k}"] = lagged[:, j]
    return f


def _prepare(frame: pd.DataFrame, value: str, lag_days: int = 0) -> tuple[pd.DataFrame, bool, pd.Timestamp]:
    _require(frame, ("time", value), "weather model")
    f = frame.sort_values("time").reset_index(drop=True)
    if pd.DatetimeIndex(f["time"]).has_duplicates:
        raise InputDataError("duplicate times: fit one station (or one area mean) at a time", column="time")
    f = add_weather_features(f)
    if lag_days:
        f = _add_lags(f, lag_days)
    t0 = pd.DatetimeIndex(f["time"]).min().floor("D")
    f = _time_features(f, t0)
    return f, _is_hourly(f["time"]), t0


def _complete_met(f: pd.DataFrame, met: list[str] | None = None) -> np.ndarray:
    return f[met or list(MODEL_MET)].notna().all(axis=1).to_numpy()


def fit_weather_model(
    frame: pd.DataFrame,
    *,
    value: str = "pm25",
    trend_knot_days: float = 90.0,
    hac_maxlags: int | None = None,
    cv_folds: int = 5,
    cv_block_days: int = 14,
    lag_days: int = 1,
) -> WeatherModel:
    """Fit the weather model of :mod:`airlib.analysis.attribution` to one station's (or area's) series.

    Parameters
    ----------
    frame : pandas.DataFrame
        Hourly frame of one station (canonical columns) or daily frame from
        :func:`daily_meteorology`: ``time``, ``value`` (µg/m³), ``temp``, ``dewp``, ``pres``,
        ``wspm``, ``rain``, ``wd`` or ``wd_sin``/``wd_cos``.
    value : str
        Column modelled (log-transformed; values ≤ 0 are not fitted).
    trend_knot_days : float
        One trend-spline degree of freedom per this many days (≥ 3 df).
    hac_maxlags : int, optional
        Newey–West lags; default 7 days (7 for daily, 168 for hourly data).
    cv_folds, cv_block_days : int
        Time-blocked cross-validation for :attr:`WeatherModel.skill` (``cv_folds=0`` skips it).
    lag_days : int
        Add the humidity, wind speed and wind direction of the previous ``lag_days`` days (same
        hour for hourly data) as features: PM2.5 builds up over several stagnant days, and on
        the UCI stations one lag day raises the held-out R² noticeably (docs/trends.md). Lagged
        meteorology is resampled together with the day it belongs to (the donor's own history).

    Returns
    -------
    WeatherModel
    """
    import statsmodels.api as sm
    from patsy import dmatrices

    f, hourly, t0 = _prepare(frame, value, lag_days)
    met = _met_columns(lag_days)
    span = float(f["trend"].max())
    trend_df = max(3, int(round(span / trend_knot_days)))
    formula = _formula(value, hourly, trend_df, lag_days)
    y_all = f[value].astype(float).to_numpy()
    rows = _complete_met(f, met) & np.isfinite(y_all) & (y_all > 0)
    if rows.sum() < 100:
        raise InputDataError(f"only {int(rows.sum())} rows with {value} > 0 and complete meteorology; need ≥ 100",
                             column=value)
    y, X = dmatrices(formula, f.loc[rows], return_type="matrix", NA_action="raise")
    lags = hac_maxlags if hac_maxlags is not None else (168 if hourly else 7)
    res = sm.OLS(np.asarray(y).ravel(), np.asarray(X)).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    smear = float(np.mean(np.exp(res.resid)))
    model = WeatherModel(result=res, formula=formula, design_info=X.design_info, smearing=smear,
                         data=f, fitted_rows=rows, value=value, hourly=hourly, t0=t0, met_columns=met)
    if cv_folds:
        model.skill = blocked_cv_skill(model, folds=cv_folds, block_days=cv_block_days)
    return model


def blocked_cv_skill(model: WeatherModel, *, folds: int = 5, block_days: int = 14) -> dict:
    """Held-out skill by time-blocked cross-validation.

    Consecutive blocks of ``block_days`` days are assigned to folds round-robin; each fold is
    predicted by the model refitted (same design, same spline knots) without it.

    Parameters
    ----------
    model : WeatherModel
        From :func:`fit_weather_model`.
    folds : int, default 5
        Number of folds.
    block_days : int, default 14 [days]
        Length of a block.

    Returns
    -------
    dict
        ``r2`` and ``rmse`` (µg/m³) on the concentration scale (smearing-retransformed),
        ``r2_log`` on the log scale, ``r2_in_sample`` (log scale), ``n``, ``folds``,
        ``block_days``.
    """
    f = model.data.loc[model.fitted_rows]
    X = model.design(f)
    ylog = np.log(f[model.value].to_numpy(dtype=float))
    block = (f["trend"].to_numpy() // block_days).astype(int)
    fold = block % folds
    pred_log = np.full(ylog.size, np.nan)
    smear = np.full(ylog.size, np.nan)
    for k in range(folds):
        test = fold == k
        beta, *_ = np.linalg.lstsq(X[~test], ylog[~test], rcond=None)
        resid_train = ylog[~test] - X[~test] @ beta
        pred_log[test] = X[test] @ beta
        smear[test] = np.mean(np.exp(resid_train))
    y = np.exp(ylog)
    pred = np.exp(pred_log) * smear
    ss_tot = np.sum((y - y.mean()) ** 2)
    r2 = 1 - np.sum((y - pred) ** 2) / ss_tot
    r2_log = 1 - np.sum((ylog - pred_log) ** 2) / np.sum((ylog - ylog.mean()) ** 2)
    return {"r2": float(r2), "rmse": float(np.sqrt(np.mean((y - pred) ** 2))), "r2_log": float(r2_log),
            "r2_in_sample": float(model.result.rsquared), "n": int(y.size), "folds": folds,
            "block_days": block_days}


def _donor_rows(f: pd.DataFrame, hourly: bool, n_draws: int, window_days: int,
                rng: np.random.Generator, met: list[str]) -> np.ndarray:
    """Row index of the donor of every (draw, row); −1 where the donor hour is missing."""
    t = pd.DatetimeIndex(f["time"])
    day = t.floor("D")
    days, day_idx = np.unique(day.to_numpy(), return_inverse=True)
    hour = t.hour.to_numpy() if hourly else np.zeros(len(f), dtype=int)
    complete = _complete_met(f, met)
    lookup = np.full((days.size, 24 if hourly else 1), -1, dtype=np.int64)
    ok = np.flatnonzero(complete)
    lookup[day_idx[ok], hour[ok]] = ok
    # donor pool: days with at least one complete row, sorted by day of year, extended circularly
    pool = np.flatnonzero((lookup >= 0).any(axis=1))
    if pool.size < 10:
        raise InputDataError("fewer than 10 days with complete meteorology to draw weather from")
    doy = pd.DatetimeIndex(days).day_of_year.to_numpy()
    order = pool[np.argsort(doy[pool], kind="stable")]
    key = doy[order]
    ext_days = np.concatenate([order, order, order])
    ext_key = np.concatenate([key - 366, key, key + 366])
    target_doy = doy[day_idx]  # per row
    lo = np.searchsorted(ext_key, target_doy - window_days, side="left")
    hi = np.searchsorted(ext_key, target_doy + window_days, side="right")
    width = hi - lo
    u = rng.random((n_draws, len(f)))
    pick = lo[None, :] + np.floor(u * width[None, :]).astype(np.int64)
    donor_day = ext_days[pick]
    same = donor_day == day_idx[None, :]
    if same.any():  # never the target's own day: move to the next candidate in the window
        nxt = lo[None, :] + (pick - lo[None, :] + 1) % np.maximum(width[None, :], 1)
        donor_day = np.where(same, ext_days[nxt], donor_day)
    return lookup[donor_day, hour[None, :]]


def normalise_weather(
    model: WeatherModel,
    *,
    n_draws: int = 100,
    window_days: int = 15,
    seed: int = 20170228,
    keep_draws: bool = False,
) -> pd.DataFrame:
    """Weather-normalised series by resampling meteorology (rmweather style).

    Parameters
    ----------
    model : WeatherModel
    n_draws : int
        Weather draws per target time (seeded ``numpy.random.Generator``).
    window_days : int
        Donor days are within ± this many days of the target's day of year, any year.
    seed : int
    keep_draws : bool
        Keep the design matrices of the draws in ``result.attrs["X_draws"]`` (needed by
        :func:`compare_periods`; memory n_draws × rows × parameters floats).

    Returns
    -------
    pandas.DataFrame
        ``time``, ``observed`` (µg/m³), ``predicted`` (model with actual weather),
        ``normalised`` (mean over draws, µg/m³, smearing-retransformed), ``n_draws_ok``.
    """
    f = model.data
    rng = np.random.default_rng(seed)
    met = list(model.met_columns)
    donors = _donor_rows(f, model.hourly, n_draws, window_days, rng, met)
    base = f.drop(columns=[c for c in met if c in f.columns])
    n = len(f)
    p = model.beta.size
    if keep_draws and n_draws * n * p > 6e7:
        raise InputDataError(
            f"keep_draws would hold {n_draws}×{n}×{p} floats (> 480 MB): use daily data, fewer draws "
            "or a shorter frame")
    src = f[met].to_numpy(dtype=float)
    beta = model.beta
    valid = donors >= 0
    sums = np.zeros(n)
    X_keep = np.empty((n_draws, n, p)) if keep_draws else None
    chunk = max(1, int(2e7 // max(1, n * p)))
    for k0 in range(0, n_draws, chunk):
        d = donors[k0:k0 + chunk]
        m = d.shape[0]
        flat = d.ravel()
        v = flat >= 0
        met_draw = np.zeros((flat.size, len(met)))  # rows without a donor are masked below
        met_draw[v] = src[flat[v]]
        big = base.iloc[np.tile(np.arange(n), m)].reset_index(drop=True)
        big[met] = met_draw
        X = model.design(big).reshape(m, n, p)
        pred = np.exp(X @ beta) * model.smearing
        sums += np.where(valid[k0:k0 + m], pred, 0.0).sum(axis=0)
        if keep_draws:
            X_keep[k0:k0 + m] = X
    ok = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalised = np.where(ok > 0, sums / np.maximum(ok, 1), np.nan)
    Xa = np.full((n, beta.size), np.nan)
    comp = _complete_met(f, met)
    if comp.any():
        Xa[comp] = model.design(f.loc[comp].assign(**{model.value: 1.0}))
    out = pd.DataFrame({
        "time": f["time"].to_numpy(),
        "observed": f[model.value].to_numpy(dtype=float),
        "predicted": np.exp(Xa @ beta) * model.smearing,
        "normalised": normalised,
        "n_draws_ok": ok,
    })
    if keep_draws:
        out.attrs["X_draws"] = X_keep
        out.attrs["draw_valid"] = valid
    return out


@dataclass(frozen=True)
class PeriodComparison:
    """Raw and weather-normalised change from period A to period B.

    All ``*_ci`` are (low, high) percentile intervals. Concentrations in µg/m³, changes in
    µg/m³ and % of period A.
    """

    label_a: str
    label_b: str
    raw_a: float
    raw_b: float
    raw_change: float
    raw_change_ci: tuple[float, float]
    raw_change_pct: float
    raw_change_pct_ci: tuple[float, float]
    norm_a: float
    norm_b: float
    norm_change: float
    norm_change_ci: tuple[float, float]
    norm_change_pct: float
    norm_change_pct_ci: tuple[float, float]
    weather_change: float
    weather_change_ci: tuple[float, float]
    weather_share_pct: float
    n_days_a: int
    n_days_b: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _period_mask(times: pd.DatetimeIndex, period) -> np.ndarray:
    start, end = (pd.Timestamp(p) for p in period)
    return np.asarray((times >= start) & (times < end + pd.Timedelta(days=1)))


def _block_resample(idx: np.ndarray, block: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    n = idx.size
    b = max(1, min(block, n))
    nb = -(-n // b)
    starts = rng.integers(0, n - b + 1, size=(n_boot, nb))
    pos = (starts[:, :, None] + np.arange(b)[None, None, :]).reshape(n_boot, -1)[:, :n]
    return idx[pos]


def compare_periods(
    model: WeatherModel,
    normalised: pd.DataFrame,
    period_a: tuple[str, str],
    period_b: tuple[str, str],
    *,
    labels: tuple[str, str] = ("A", "B"),
    n_boot: int = 200,
    block_days_boot: int = 7,
    alpha: float = 0.05,
    seed: int = 20170228,
) -> PeriodComparison:
    """This period against that one: raw and weather-normalised change with intervals.

    Parameters
    ----------
    model : WeatherModel
        From :func:`fit_weather_model`.
    normalised : pandas.DataFrame [µg/m³]
        From :func:`normalise_weather` with ``keep_draws=True``.
    period_a, period_b : (start, end)
        Inclusive dates, e.g. ``("2015-12-01", "2016-02-29")``.
    labels : tuple of str, default ("A", "B")
        Names of the two periods in the result.
    n_boot, block_days_boot, alpha, seed : int, int [days], float, int
        Paired replicates: coefficients drawn from N(β̂, V_HAC), days resampled in moving
        blocks of ``block_days_boot`` days within each period (hourly data: blocks of whole
        days), raw and normalised means computed on the same resampled days.

    Returns
    -------
    PeriodComparison
        Only times with an observed value enter both the raw and the normalised means, so the
        two compare the same days. Weather part = raw change − normalised change; its share is
        in % of the raw change.
    """
    if "X_draws" not in normalised.attrs:
        raise InputDataError("normalised frame lacks the draws: call normalise_weather(keep_draws=True)")
    X = normalised.attrs["X_draws"]
    valid = normalised.attrs["draw_valid"]
    times = pd.DatetimeIndex(normalised["time"])
    obs = normalised["observed"].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    beta_hat = model.beta
    cov = np.asarray(model.result.cov_params())
    betas = rng.multivariate_normal(beta_hat, cov, size=n_boot, method="cholesky")

    sel, day_groups = [], []
    for period in (period_a, period_b):
        m = _period_mask(times, period) & np.isfinite(obs) & (obs > 0)
        rows = np.flatnonzero(m)
        if rows.size == 0:
            raise InputDataError(f"no observed {model.value} in period {period[0]}–{period[1]}")
        sel.append(rows)
        d = times[rows].floor("D")
        _, inv = np.unique(d.to_numpy(), return_inverse=True)
        day_groups.append(inv)

    def norm_rows(rows: np.ndarray, beta: np.ndarray) -> np.ndarray:
        p = np.exp(X[:, rows, :] @ beta) * model.smearing
        p[~valid[:, rows]] = np.nan
        return np.nanmean(p, axis=0)

    raw = [float(obs[r].mean()) for r in sel]
    nrm = [float(normalised["normalised"].to_numpy()[r].mean()) for r in sel]
    # replicate statistics
    rep_raw = np.empty((n_boot, 2))
    rep_norm = np.empty((n_boot, 2))
    for p_i, (rows, inv) in enumerate(zip(sel, day_groups)):
        n_days = inv.max() + 1
        day_sums_obs = np.bincount(inv, weights=obs[rows], minlength=n_days)
        day_counts = np.bincount(inv, minlength=n_days).astype(float)
        boot_days = _block_resample(np.arange(n_days), block_days_boot, n_boot, rng)
        for b in range(n_boot):
            nr = norm_rows(rows, betas[b])
            day_sums_norm = np.bincount(inv, weights=nr, minlength=n_days)
            dd = boot_days[b]
            cnt = day_counts[dd].sum()
            rep_raw[b, p_i] = day_sums_obs[dd].sum() / cnt
            rep_norm[b, p_i] = day_sums_norm[dd].sum() / cnt
    q = [alpha / 2, 1 - alpha / 2]

    def ci(x):
        lo, hi = np.nanquantile(x, q)
        return (float(lo), float(hi))

    d_raw = rep_raw[:, 1] - rep_raw[:, 0]
    d_norm = rep_norm[:, 1] - rep_norm[:, 0]
    raw_change = raw[1] - raw[0]
    norm_change = nrm[1] - nrm[0]
    weather = raw_change - norm_change
    return PeriodComparison(
        label_a=labels[0], label_b=labels[1],
        raw_a=raw[0], raw_b=raw[1], raw_change=raw_change, raw_change_ci=ci(d_raw),
        raw_change_pct=100 * raw_change / raw[0], raw_change_pct_ci=ci(100 * d_raw / rep_raw[:, 0]),
        norm_a=nrm[0], norm_b=nrm[1], norm_change=norm_change, norm_change_ci=ci(d_norm),
        norm_change_pct=100 * norm_change / nrm[0], norm_change_pct_ci=ci(100 * d_norm / rep_norm[:, 0]),
        weather_change=weather, weather_change_ci=ci(d_raw - d_norm),
        weather_share_pct=100 * weather / raw_change if raw_change != 0 else float("nan"),
        n_days_a=int(day_groups[0].max() + 1), n_days_b=int(day_groups[1].max() + 1),
    )


def plot_normalised(normalised: pd.DataFrame, *, title: str = "", rolling_days: int = 30, ax=None,
                    periods=()):
    """Observed and weather-normalised PM2.5 (rolling means), Chinese labels.

    ``periods``: optional ``(start, end)`` date pairs (e.g. the two compared winters) shaded in
    turn orange, red, green, purple.

    Parameters
    ----------
    normalised : pandas.DataFrame [µg/m³]
        From :func:`normalise_weather`.
    title : str, optional
        Axes title.
    rolling_days : int, default 30 [days]
        Window of the rolling means.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.
    periods : sequence of (start, end), optional
        Date ranges to shade.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 4))
    else:
        fig = ax.figure
    s = normalised.set_index("time")[["observed", "normalised"]].resample("D").mean()
    r = s.rolling(rolling_days, min_periods=rolling_days // 2, center=True).mean()
    ax.plot(r.index, r["observed"], color="0.5", lw=1.2, label=f"实测（{rolling_days}日滑动平均）")
    ax.plot(r.index, r["normalised"], color="tab:blue", lw=2, label=f"气象归一化（{rolling_days}日滑动平均）")
    for (a, b), c in zip(periods, ("tab:orange", "tab:red", "tab:green", "tab:purple")):
        ax.axvspan(pd.Timestamp(a), pd.Timestamp(b), color=c, alpha=0.12)
    ax.set_ylabel("PM2.5（µg/m³）")
    ax.set_xlabel("日期")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    return fig


_DAILY_MET = ("temp", "dewp", "pres", "wspm", "rain", "wd_sin", "wd_cos")


def area_mean_daily(daily_met: pd.DataFrame, *, unit: str = "station", value: str = "pm25") -> pd.DataFrame:
    """Mean over units (e.g. the stations of a district) per day of ``value`` and meteorology.

    ``value`` is the mean of the units' valid daily values (NaN if none); meteorology the mean
    over units (wind direction as the mean unit vector). Input: :func:`daily_meteorology`.

    Parameters
    ----------
    daily_met : pandas.DataFrame [µg/m³; °C, hPa, m/s, mm]
        From :func:`daily_meteorology`.
    unit, value : str, default "station", "pm25"
        Unit key and pollutant columns.

    Returns
    -------
    pandas.DataFrame
        ``time`` (one row per day), ``value`` and the meteorology columns.
    """
    _require(daily_met, (unit, "time", value, *_DAILY_MET), "area mean")
    return daily_met.groupby("time", sort=True)[[value, *_DAILY_MET]].mean().reset_index()


def normalised_change_table(
    daily_met: pd.DataFrame,
    period_a: tuple[str, str],
    period_b: tuple[str, str],
    *,
    unit: str = "station",
    value: str = "pm25",
    labels: tuple[str, str] = ("A", "B"),
    area_label: str | None = "全部站点平均",
    n_draws: int = 100,
    n_boot: int = 200,
    window_days: int = 15,
    lag_days: int = 1,
    trend_knot_days: float = 90.0,
    seed: int = 20170228,
) -> tuple[pd.DataFrame, dict]:
    """Raw and weather-normalised change between two periods for every unit (and their mean).

    Fits :func:`fit_weather_model` per unit (daily data from :func:`daily_meteorology`), then
    :func:`normalise_weather` and :func:`compare_periods` with the same seed for every unit.

    Parameters
    ----------
    daily_met : pandas.DataFrame [µg/m³; °C, hPa, m/s, mm]
        From :func:`daily_meteorology`.
    period_a, period_b : (str, str)
        Inclusive date ranges compared.
    unit, value : str, default "station", "pm25"
        Unit key and pollutant columns.
    labels : tuple of str, default ("A", "B")
        Names of the periods.
    area_label : str or None, default "全部站点平均"
        Row name of the mean over units; None leaves it out.
    n_draws, n_boot : int, int
        Weather draws (:func:`normalise_weather`) and bootstrap replicates (:func:`compare_periods`).
    window_days, lag_days : int [days], int [days]
        Donor window of :func:`normalise_weather`; lagged weather of :func:`fit_weather_model`.
    trend_knot_days : float, default 90 [days]
        Trend-spline spacing of :func:`fit_weather_model`.
    seed : int
        Seed of every random draw.

    Returns
    -------
    table : pandas.DataFrame
        One row per unit (plus ``area_label`` for the mean over units, if not None):
        ``raw_a``, ``raw_b``, ``raw_change`` (µg/m³), ``raw_change_pct`` with ``*_lo``/``*_hi``
        interval bounds, the same for ``norm_*``, ``weather_change`` (+ bounds),
        ``weather_share_pct``, and the held-out skill ``cv_r2``, ``cv_r2_log``, ``cv_rmse``,
        ``n_fit``.
    details : dict
        unit → (WeatherModel, normalised frame) for figures.
    """
    _require(daily_met, (unit, "time", value), "normalised change table")
    groups = [(k, g.drop(columns=[unit])) for k, g in daily_met.groupby(unit, sort=True)]
    if area_label is not None:
        groups.append((area_label, area_mean_daily(daily_met, unit=unit, value=value)))
    rows, details = [], {}
    for key, g in groups:
        model = fit_weather_model(g, value=value, lag_days=lag_days, trend_knot_days=trend_knot_days)
        norm = normalise_weather(model, n_draws=n_draws, window_days=window_days, seed=seed, keep_draws=True)
        c = compare_periods(model, norm, period_a, period_b, labels=labels, n_boot=n_boot, seed=seed)
        row = {unit: key}
        for name in ("raw", "norm"):
            row[f"{name}_a"] = getattr(c, f"{name}_a")
            row[f"{name}_b"] = getattr(c, f"{name}_b")
            for kind in ("change", "change_pct"):
                row[f"{name}_{kind}"] = getattr(c, f"{name}_{kind}")
                row[f"{name}_{kind}_lo"], row[f"{name}_{kind}_hi"] = getattr(c, f"{name}_{kind}_ci")
        row["weather_change"] = c.weather_change
        row["weather_change_lo"], row["weather_change_hi"] = c.weather_change_ci
        row["weather_share_pct"] = c.weather_share_pct
        row["cv_r2"], row["cv_r2_log"], row["cv_rmse"] = model.skill["r2"], model.skill["r2_log"], model.skill["rmse"]
        row["n_fit"] = model.skill["n"]
        rows.append(row)
        norm.attrs.pop("X_draws", None)  # free memory; the figures need only the series
        norm.attrs.pop("draw_valid", None)
        details[key] = (model, norm)
    return pd.DataFrame(rows), details


def plot_change_table(table: pd.DataFrame, *, unit: str = "station", names: dict | None = None,
                      title: str = "", ax=None):
    """Forest plot: raw and weather-normalised % change per unit with intervals (Chinese).

    Parameters
    ----------
    table : pandas.DataFrame [%]
        From :func:`normalised_change_table`.
    unit : str, default "station"
        Unit key column.
    names : dict, optional
        unit → display name.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    n = len(table)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.45 * n + 1.5))
    else:
        fig = ax.figure
    y = np.arange(n)[::-1]
    for off, name, colour, lab in ((0.15, "raw", "0.45", "实测变化"), (-0.15, "norm", "tab:blue", "气象归一化变化")):
        v = table[f"{name}_change_pct"].to_numpy()
        lo, hi = table[f"{name}_change_pct_lo"].to_numpy(), table[f"{name}_change_pct_hi"].to_numpy()
        ax.errorbar(v, y + off, xerr=[v - lo, hi - v], fmt="o", color=colour, capsize=3, label=lab)
    labels = [names.get(k, k) if names else k for k in table[unit]]
    ax.set_yticks(y, labels)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("PM2.5 变化（%，误差线：95% 区间）")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return fig


def winter_labels(period_a: tuple[str, str], period_b: tuple[str, str]) -> tuple[str, str]:
    """Chinese labels of two winters from their ``("YYYY-MM-DD", "YYYY-MM-DD")`` bounds.

    ``("2015-12-01", "2016-02-29")`` → ``"2015–16冬季"``.

    Parameters
    ----------
    period_a, period_b : (str, str)
        Inclusive date ranges of the two winters.

    Returns
    -------
    tuple of str
    """
    out = []
    for p in (period_a, period_b):
        a, b = (pd.Timestamp(x) for x in p)
        if b < a:
            raise InputDataError(f"period {p}: end before start")
        out.append(f"{a.year}–{b.year % 100:02d}冬季")
    return out[0], out[1]


def change_display(table: pd.DataFrame, labels: tuple[str, str], names: dict | None = None, *,
                   unit: str = "station", label: str = "站点", decimals: int = 2) -> pd.DataFrame:
    """Chinese display version of :func:`normalised_change_table` (main columns, rounded).

    Parameters
    ----------
    table : pandas.DataFrame [µg/m³, %]
        From :func:`normalised_change_table`.
    labels : tuple of str
        Names of the two periods (column headers).
    names : dict, optional
        unit → display name.
    unit : str, default "station"
        Unit key column.
    label : str, default "站点"
        Header of the name column.
    decimals : int, default 2
        Decimals of the displayed numbers.

    Returns
    -------
    pandas.DataFrame
        Chinese headers.
    """
    cz = {"raw_a": f"实测 {labels[0]}", "raw_b": f"实测 {labels[1]}", "raw_change_pct": "实测变化（%）",
          "raw_change_pct_lo": "下限", "raw_change_pct_hi": "上限", "norm_change_pct": "归一化变化（%）",
          "norm_change_pct_lo": "下限 ", "norm_change_pct_hi": "上限 ", "weather_change": "天气贡献（µg/m³）",
          "cv_r2": "留出 R²", "cv_rmse": "留出 RMSE"}
    _require(table, (unit, *cz), "change table display")
    names = names or {}
    shown = table.assign(**{label: table[unit].map(lambda s: names.get(s, s))})
    return shown[[label, *cz]].rename(columns=cz).round(decimals)


def change_records(table: pd.DataFrame, *, unit: str = "station") -> dict[str, dict]:
    """Key numbers of :func:`normalised_change_table`: ``{str(unit): {column: value}}``.

    Numbers become ``float``; other values are kept as they are.

    Parameters
    ----------
    table : pandas.DataFrame [µg/m³, %]
        From :func:`normalised_change_table`.
    unit : str, default "station"
        Unit key column.

    Returns
    -------
    dict of str to dict
    """
    _require(table, (unit,), "change records")
    return {str(r[unit]): {k: (float(v) if isinstance(v, (int, float, np.floating, np.integer)) else v)
                           for k, v in r.items() if k != unit}
            for r in table.to_dict("records")}


def change_summary_zh(row: pd.Series, labels: tuple[str, str]) -> str:
    """One-sentence Chinese summary of a row of :func:`normalised_change_table` (e.g. the area mean).

    Parameters
    ----------
    row : pandas.Series [µg/m³, %]
        One row of the table.
    labels : tuple of str
        Names of the two periods.

    Returns
    -------
    str
    """
    need = ("raw_a", "raw_b", "raw_change_pct", "raw_change_pct_lo", "raw_change_pct_hi", "norm_change_pct",
            "norm_change_pct_lo", "norm_change_pct_hi", "weather_change", "weather_change_lo",
            "weather_change_hi", "cv_r2", "cv_r2_log", "cv_rmse")
    missing = [k for k in need if k not in row.index]
    if missing:
        raise InputDataError(f"change summary: missing {missing}", column=missing[0])
    r = row
    return (f"{labels[0]} {r.raw_a:.1f} → {labels[1]} {r.raw_b:.1f} µg/m³，"
            f"实测变化 {r.raw_change_pct:+.1f}%（{r.raw_change_pct_lo:+.1f}，{r.raw_change_pct_hi:+.1f}），"
            f"气象归一化变化 {r.norm_change_pct:+.1f}%（{r.norm_change_pct_lo:+.1f}，{r.norm_change_pct_hi:+.1f}），"
            f"天气贡献 {r.weather_change:+.1f} µg/m³（{r.weather_change_lo:+.1f}，{r.weather_change_hi:+.1f}）；"
            f"模型留出 R² = {r.cv_r2:.2f}（对数尺度 {r.cv_r2_log:.2f}），RMSE = {r.cv_rmse:.1f} µg/m³")
