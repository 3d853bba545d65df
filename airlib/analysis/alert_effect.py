"""Did the alert measures work? Observed PM2.5 under alerts against a weather-normalised expectation.

Issue #15 item 3. The emission cuts of each alert level ([SEED-001] §29: particles and VOCs −5 %
blue, particles −10/−20/−30 % and VOCs −10/−15/−20 % yellow/orange/red) should lower PM2.5 below
what the weather alone would have produced. This module estimates that, for each alert period
and pooled by level and season.

Method
------
1. Days: a calendar day is an **alert day** when an alert (any level, the district's own or
   ``全市``) is in force for at least ``settings.alert_effect_min_hours`` hours of it (default
   12, UNVERIFIED), counted on hour-beginning labels (:func:`airlib.tracking.alerts.alert_hours`);
   its level is the highest in force that day. Days with some but fewer alert hours are left
   out entirely. Consecutive alert days form one **alert period**.
2. Model: :func:`airlib.analysis.attribution.fit_weather_model` fitted on the **non-alert days
   only** (the alert days' values are hidden from the fit), on daily means from
   :func:`airlib.analysis.attribution.daily_meteorology` (one station or one area mean). Its
   prediction for an alert day from that day's meteorology (and the previous day's, trend and
   season terms) is the *expected* value without the measures.
3. Effect of a period of n days: ``effect = mean over its days of (log observed − log
   predicted)``, reported as ``100·(exp(effect) − 1)`` % (observed relative to expected; −20 %
   = 20 % below). Observed and expected means [µg/m³] are shown too (expected retransformed
   with Duan's smearing factor).
4. Interval: the model's residuals on non-alert days are the noise the effect is measured
   against. The noise of an n-day mean is drawn from windows of n consecutive fitted
   non-alert days in the **same half of the year** (the 秋冬季 campaign months versus the
   others, ``settings.campaign_season``), a block resampling that keeps the residuals'
   autocorrelation. A pooled effect (by level, season, all) is the day-weighted mean of its
   periods' effects; its noise is drawn by one window per period, jointly (``n_sim`` draws,
   seeded). To that noise is added the estimation error of the expectation (coefficients
   drawn from N(β̂, V_HAC), the model's HAC covariance). The interval is the pivot ``[effect − q(1 − α/2), effect − q(α/2)]`` of that
   noise distribution. **Coverage**: nominal 1 − α (95 % by default) if the residuals on alert
   days behave like those on other days of the season; in-sample residuals are slightly
   smaller than out-of-sample ones, so it is somewhat lower. ``tests/analysis/test_alert_effect.py``
   checks it by simulation (planted −20 % effect, AR(1) noise): the 95 % interval covered the
   planted effect in the share of runs stated in docs/alerts.md.

Caveats (stated in the output, :data:`CAVEATS`): regional transport and region-wide cuts,
selection (alerts are issued precisely when the weather is worst, where the model is least
tested), the model's skill on extremes, emission cuts outside the district, few events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from airlib.analysis.attribution import fit_weather_model
from airlib.errors import InputDataError
from airlib.io.alert_log import LEVEL_ORDER, LEVEL_ZH
from airlib.settings import DEFAULT, Settings
from airlib.tracking.alerts import alert_hours, season_labels

__all__ = ["CAVEATS", "AlertEffect", "alert_day_table", "alert_effect"]

_RANK = {code: i + 1 for i, code in enumerate(LEVEL_ORDER)}

#: Caveats that go with every result (Chinese first; docs/alerts.md ## 措施效果).
CAVEATS: tuple[str, ...] = (
    "区域传输：重污染过程多为区域性，预警期间周边地区同时减排，观测值的变化不能全部归于本区措施。",
    "选择效应：预警恰在气象条件最不利时发布，模型在此类极端条件下的样本最少，预期值的偏差可能大于区间所示。",
    "模型能力：气象归一化模型的预测能力（交叉验证R²见结果）对极端污染日通常较低。",
    "区外减排：全市及周边省市同步减排，本方法估计的是所有措施与未建模因素的合计效果。",
    "事件数少：预警过程数量少时，区间宽、结论不稳定；按级别、季节细分后尤甚。",
)


@dataclass(frozen=True)
class AlertEffect:
    """Result of :func:`alert_effect`.

    Attributes
    ----------
    periods : pandas.DataFrame
        One row per alert period: ``period`` (1…), ``start``, ``end`` (first and last day),
        ``days``, ``level``, ``level_zh``, ``season`` (heating season label), ``observed``,
        ``expected`` [µg/m³], ``effect_pct``, ``ci_low_pct``, ``ci_high_pct`` [%].
    groups : pandas.DataFrame
        ``by`` (``all`` / ``level`` / ``season``), ``group``, ``periods``, ``days``,
        ``effect_pct``, ``ci_low_pct``, ``ci_high_pct`` [%].
    coverage : float
        Nominal coverage of the intervals (1 − α).
    skill : dict
        Held-out skill of the weather model (:func:`airlib.analysis.attribution.blocked_cv_skill`).
    caveats : tuple of str
    """

    periods: pd.DataFrame
    groups: pd.DataFrame
    coverage: float
    skill: dict = field(default_factory=dict)
    caveats: tuple[str, ...] = CAVEATS


def alert_day_table(days: pd.DatetimeIndex, log: pd.DataFrame, *, area: str | None = None,
                    include_citywide: bool = True) -> pd.DataFrame:
    """Alert hours [h] and highest level per calendar day, from the log (module docstring step 1).

    Returns
    -------
    pandas.DataFrame
        ``time`` (day), ``alert_hours`` (0–24), ``level`` (code or NA).
    """
    d = pd.DatetimeIndex(days).floor("D")
    hours = pd.DatetimeIndex((d.to_numpy()[:, None] + np.arange(24) * np.timedelta64(1, "h")).ravel())
    lv = alert_hours(log, hours, area=area, include_citywide=include_citywide)
    rank = lv.map(_RANK).astype("float").fillna(0).to_numpy().reshape(len(d), 24)
    top = rank.max(axis=1).astype(np.int64)
    codes = np.array([None, *LEVEL_ORDER], dtype=object)[top]
    return pd.DataFrame({"time": d, "alert_hours": (rank > 0).sum(axis=1).astype(np.int64),
                         "level": pd.Series(codes, dtype="string")})


def _window_means(resid: np.ndarray, ok: np.ndarray, n: int) -> np.ndarray:
    """Means of all windows of ``n`` consecutive days whose days are all usable."""
    if n > resid.size:
        return np.zeros(0)
    c = np.r_[0.0, np.cumsum(np.where(ok, resid, 0.0))]
    k = np.r_[0, np.cumsum(ok.astype(np.int64))]
    sums = c[n:] - c[:-n]
    full = (k[n:] - k[:-n]) == n
    return (sums / n)[full]


def alert_effect(daily: pd.DataFrame, log: pd.DataFrame, *, value: str = "pm25", area: str | None = None,
                 include_citywide: bool = True, alpha: float = 0.05, n_sim: int = 2000, seed: int = 20151201,
                 lag_days: int = 1, cv_folds: int = 5, settings: Settings | None = None) -> AlertEffect:
    """Observed ``value`` in alert periods against the weather-normalised expectation.

    Parameters
    ----------
    daily : pandas.DataFrame [µg/m³; °C, hPa, m/s, mm]
        Daily frame of ONE station or area mean (:func:`airlib.analysis.attribution.daily_meteorology`):
        ``time`` (day), ``value``, ``temp``, ``dewp``, ``pres``, ``wspm``, ``rain``,
        ``wd_sin``, ``wd_cos``. Should cover at least a year around the alerts (the model
        needs ≥ 100 non-alert days with values).
    log : pandas.DataFrame
        Alert log frame (:func:`airlib.io.alert_log.read_alert_log`).
    area, include_citywide
        Which alerts apply (:func:`airlib.tracking.alerts.alert_hours`).
    alpha : float
        1 − nominal coverage of the intervals.
    n_sim, seed : int
        Monte Carlo draws of the noise of a pooled effect (seeded ``numpy.random.Generator``).
    lag_days, cv_folds : int
        Passed to :func:`airlib.analysis.attribution.fit_weather_model` (``cv_folds=0`` skips
        the held-out skill).
    settings : Settings, optional
        ``alert_effect_min_hours``, ``heating_season``, ``campaign_season``.

    Returns
    -------
    AlertEffect
        Empty ``periods``/``groups`` when no day qualifies as an alert day.

    Raises
    ------
    InputDataError
        Missing columns, duplicate days, or too few non-alert days to fit the model.
    """
    s = settings or DEFAULT
    for c in ("time", value):
        if c not in daily.columns:
            raise InputDataError(f"daily frame lacks column {c!r}", column=c)
    f = daily.sort_values("time").reset_index(drop=True)
    t = pd.DatetimeIndex(f["time"])
    if t.has_duplicates:
        raise InputDataError("duplicate days: give one station or one area mean", column="time")
    if not (t == t.floor("D")).all():
        raise InputDataError("times must be days (midnight); use daily_meteorology first", column="time")
    # complete calendar so that 'consecutive rows' means consecutive days
    full = pd.date_range(t.min(), t.max(), freq="D")
    f = f.drop(columns="time").set_index(t).reindex(full).rename_axis("time").reset_index()
    if "station" in daily.columns:
        f["station"] = f["station"].ffill().bfill()
    days = alert_day_table(pd.DatetimeIndex(f["time"]), log, area=area, include_citywide=include_citywide)
    is_alert = (days["alert_hours"] >= s.alert_effect_min_hours).to_numpy()
    partial = (days["alert_hours"] > 0).to_numpy() & ~is_alert
    fit_frame = f.copy()
    fit_frame.loc[is_alert | partial, value] = np.nan
    model = fit_weather_model(fit_frame, value=value, lag_days=lag_days, cv_folds=cv_folds)
    data = model.data  # same order as f (sorted by time, complete calendar)
    met_ok = data[list(model.met_columns)].notna().all(axis=1).to_numpy()
    eta = np.full(len(data), np.nan)
    X = np.full((len(data), model.beta.size), np.nan)
    if met_ok.any():
        X[met_ok] = model.design(data.loc[met_ok])
        eta[met_ok] = X[met_ok] @ model.beta
    obs = f[value].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        resid = np.log(obs) - eta
    usable = np.isfinite(resid) & (obs > 0)
    fitted = model.fitted_rows & usable
    cold = (season_labels(f["time"], "campaign", s) != "其他").to_numpy()
    cov = 1 - alpha
    empty = AlertEffect(periods=_periods_frame([]), groups=_groups_frame([]), coverage=cov, skill=model.skill)
    ev_days = is_alert & usable
    if not ev_days.any():
        return empty
    # alert periods: runs of consecutive alert days (a day without a usable value inside stays in the run)
    run_id = np.cumsum(np.r_[True, ~is_alert[:-1]] & is_alert)
    run_id = np.where(is_alert, run_id, 0)
    rank = days["level"].map(_RANK).astype("float").fillna(0).to_numpy()
    heat = season_labels(f["time"], "heating", s).to_numpy()
    pools = {True: {}, False: {}}  # half-year → n → window means
    rng = np.random.default_rng(seed)
    # estimation error of the expectation: coefficients drawn from N(0, V_HAC)
    beta_dev = rng.multivariate_normal(np.zeros(model.beta.size), np.asarray(model.result.cov_params()),
                                       size=n_sim, method="cholesky")
    q = np.array([alpha / 2, 1 - alpha / 2])
    periods, noise_draws = [], []
    for r in np.unique(run_id[ev_days]):  # alert periods: a handful per season
        m = (run_id == r) & usable
        n = int(m.sum())
        half = bool(cold[np.flatnonzero(m)[0]])
        pool = pools[half].get(n)
        if pool is None:
            pool = _window_means(resid, fitted & (cold == half), n)
            if pool.size < 20:  # too few same-season windows: use the whole year
                pool = _window_means(resid, fitted, n)
            pools[half][n] = pool
        if pool.size == 0:
            raise InputDataError(f"not enough non-alert days to judge a {n}-day alert period")
        eff = float(resid[m].mean())
        draws = pool[rng.integers(0, pool.size, size=n_sim)] - beta_dev @ X[m].mean(axis=0)
        lo, hi = eff - np.quantile(draws, q[::-1])
        idx = np.flatnonzero(run_id == r)
        level = LEVEL_ORDER[int(rank[idx].max()) - 1]
        periods.append({
            "period": len(periods) + 1, "start": f["time"][idx[0]], "end": f["time"][idx[-1]], "days": n,
            "level": level, "level_zh": LEVEL_ZH[level], "season": heat[idx[0]],
            "observed": float(obs[m].mean()), "expected": float((np.exp(eta[m]) * model.smearing).mean()),
            "effect": eff, "ci_low": lo, "ci_high": hi,
        })
        noise_draws.append(draws)
    per = pd.DataFrame(periods)
    noise = np.vstack(noise_draws)  # periods × n_sim
    groups = [("all", "全部", np.ones(len(per), dtype=bool))]
    groups += [("level", LEVEL_ZH[lv], (per["level"] == lv).to_numpy()) for lv in LEVEL_ORDER
               if (per["level"] == lv).any()]
    groups += [("season", se, (per["season"] == se).to_numpy()) for se in dict.fromkeys(per["season"])]
    rows = []
    w = per["days"].to_numpy(dtype=float)
    for by, name, sel in groups:
        ww = w[sel] / w[sel].sum()
        eff = float(ww @ per["effect"].to_numpy()[sel])
        pooled_noise = ww @ noise[sel]
        lo, hi = eff - np.quantile(pooled_noise, q[::-1])
        rows.append({"by": by, "group": name, "periods": int(sel.sum()), "days": int(w[sel].sum()),
                     "effect": eff, "ci_low": lo, "ci_high": hi})
    return AlertEffect(periods=_periods_frame(periods), groups=_groups_frame(rows), coverage=cov,
                       skill=model.skill)


def _pct(x) -> np.ndarray:
    return 100 * (np.exp(np.asarray(x, dtype=float)) - 1)


def _periods_frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["period", "start", "end", "days", "level", "level_zh", "season", "observed", "expected"]
    if not rows:
        return pd.DataFrame(columns=[*cols, "effect_pct", "ci_low_pct", "ci_high_pct"])
    x = pd.DataFrame(rows)
    for c in ("effect", "ci_low", "ci_high"):
        x[f"{c}_pct"] = _pct(x[c])
    return x[[*cols, "effect_pct", "ci_low_pct", "ci_high_pct"]]


def _groups_frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["by", "group", "periods", "days"]
    if not rows:
        return pd.DataFrame(columns=[*cols, "effect_pct", "ci_low_pct", "ci_high_pct"])
    x = pd.DataFrame(rows)
    for c in ("effect", "ci_low", "ci_high"):
        x[f"{c}_pct"] = _pct(x[c])
    return x[[*cols, "effect_pct", "ci_low_pct", "ci_high_pct"]]
