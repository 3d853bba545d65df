"""Rolling 24-hour AQI and heavy-pollution alert episodes by the rules of the plan in force.

Sources: [SEED-001] §28 (门大气办〔2017〕4号, restating the MEE and Beijing emergency command's
requirements), §29 (reduction ratios); [MEE-EMERGENCY-2017]; the Beijing 2018 and 2023 schemes
(``data/raw/rules/alert_schemes/*.yaml``); HJ 633; GB 3095 Table 4. The rules, their sources
and every decision taken here are in ``docs/alerts.md``.

Time convention: hourly values are labelled hour-BEGINNING Beijing time
(``docs/architecture.md``). The rolling value labelled ``t`` covers hours ``t − 23 h … t``.
An episode's ``start`` is the label of the first alert hour (inclusive) and its ``end`` the
instant the lift condition is met (exclusive): an hour labelled ``h`` is in the episode iff
``start <= h`` and ``h + 1 h <= end``.

Rules ([SEED-001] §28, decisions marked D)
-------------------------------------------
* **Rolling AQI**: "AQI 日均值 … 按连续 24 小时（可跨自然日）均值计算" — the daily-AQI rule of
  HJ 633 applied to the 24 hours ending with each hour (:func:`rolling_aqi`).
* **Process hours**: hours whose rolling AQI exceeds the rules' ``episode_threshold``.
* **Criteria** (per level, alternatives of conditions ``AQI > threshold for ≥ n hours``):
  counted over the hours of the (merged) process up to the current hour. D: a plan's "n days"
  is ``(n − 1) × 24 + 1`` hours of rolling AQI above the threshold — n non-overlapping 24-hour
  windows above it (the first ending at the first such hour, the last 24 (n − 1) hours later).
* **Start**: the first hour a criterion of some level is met. **Upgrade**: a higher level's
  criterion met later in the same episode (the status frame records the hour).
* **Lift**: rolling AQI ≤ ``lift_max_aqi`` (150, 轻度污染及以下) for ``lift_hours`` (36)
  consecutive valid hours. "持续36小时以上" — D: "以上" includes the number (Civil Code art.
  1259: "以上 … 包括本数"), so 36 hours are enough (``lift_inclusive``); the episode ends at the
  instant the 36th hour ends.
* **Merge**: two processes whose gap holds no such lift streak are one episode, at the stricter
  level ("间隔时间未达到解除预警条件时，应按一次过程从严启动预警").
* **Early start/upgrade**: when the observed rolling AQI is 重度 or worse (> 200) and the
  forecast shows AQI > 200 for the next ``early_hours`` (12) hours, the level is the one that
  the observed hours plus that forecast run meet, from this hour on.
* D: an invalid hour (no valid rolling AQI) is neither a process hour nor a lift hour: it
  interrupts a lift streak. An episode not lifted by the end of the data has ``end`` NaT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.settings import DEFAULT, Settings
from airlib.standards.aqi import daily_aqi
from airlib.standards.pollution_days import HEAVY_AQI, LEVELS, SEVERE_AQI
from airlib.standards.validity import rolling_8h, rolling_24h

__all__ = [
    "ROLLING_POLLUTANTS",
    "AlertRules",
    "day_hours",
    "rolling_concentrations",
    "rolling_aqi_from_concentrations",
    "rolling_aqi",
    "alert_status",
    "alert_episodes",
]

#: Pollutants whose 24-hour rolling means enter the rolling AQI (CO in mg/m³, others µg/m³).
ROLLING_POLLUTANTS: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co")
_O3_WINDOWS = 17  # 8-hour means lying wholly inside a 24-hour window

_RANK = {code: i + 1 for i, (code, _) in enumerate(LEVELS)}
_ZH = dict(LEVELS)
_UNIT_KEYS = ("station", "town_code", "district_code")


def day_hours(days: float) -> int:
    """Hours of rolling AQI that make ``days`` days of a plan's criterion.

    Parameters
    ----------
    days : float [d]
        Days as the plan writes them (≥ 1, whole days).

    Returns
    -------
    int [h]
        ``(days − 1) × 24 + 1``: ``days`` non-overlapping 24-hour windows (decision D of the
        module docstring, ``docs/alerts.md``).
    """
    if days < 1 or days != int(days):
        raise InputDataError(f"a criterion's days must be a whole number >= 1, got {days!r}")
    return int(days - 1) * 24 + 1


@dataclass(frozen=True)
class AlertRules:
    """The alert rules of one plan or scheme ([SEED-001] §28–§29; ``docs/alerts.md``).

    Attributes
    ----------
    id : str
        Scheme or plan id.
    criteria : mapping
        ``{level code: ((threshold, hours), ...), ...}`` as a mapping of level to a sequence of
        alternatives; an alternative is a mapping ``{AQI threshold: minimum hours}`` whose
        conditions must all hold (hours of rolling AQI strictly above the threshold within the
        process). Any one alternative is enough.
    episode_threshold : float [AQI]
        An hour belongs to a process when its rolling AQI is strictly above this.
    lift_max_aqi : int [AQI]
        Lift condition: rolling AQI at most this (150: 轻度污染及以下).
    lift_hours : int [h]
        ... for this many consecutive hours (36).
    lift_inclusive : bool
        True: ``lift_hours`` hours are enough ("以上" includes the number); False: one more.
    early_hours : int [h]
        Forecast hours of 重度 (AQI > 200) that start or raise the alert early (12).
    reductions : mapping
        ``{level code: {pollutant: minimum reduction %}}``, pollutants among ``pm``, ``so2``,
        ``nox``, ``so2_nox``, ``vocs``.
    certainty : mapping
        ``{level or rule: note}`` on the source of each part.
    """

    id: str
    criteria: Mapping[str, Sequence[Mapping[float, int]]]
    episode_threshold: float = HEAVY_AQI
    lift_max_aqi: int = 150
    lift_hours: int = 36
    lift_inclusive: bool = True
    early_hours: int = 12
    reductions: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    certainty: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for what, keys in (("criteria", self.criteria), ("reductions", self.reductions)):
            unknown = set(keys) - set(_RANK)
            if unknown:
                raise InputDataError(
                    f"alert rules {self.id!r}: unknown level(s) {sorted(unknown)} in {what}; "
                    f"known: {list(_RANK)}"
                )
        if not self.criteria:
            raise InputDataError(f"alert rules {self.id!r} have no level criteria")
        for level, alts in self.criteria.items():
            for alt in alts:
                for thr, hours in alt.items():
                    if thr < self.episode_threshold or int(hours) < 1:
                        raise InputDataError(
                            f"alert rules {self.id!r}, level {level}: condition AQI > {thr} for "
                            f"{hours} h must have a threshold >= episode_threshold "
                            f"({self.episode_threshold}) and >= 1 hour"
                        )
        if self.lift_hours < 1 or self.early_hours < 1:
            raise InputDataError(f"alert rules {self.id!r}: lift_hours and early_hours must be >= 1")

    @property
    def lift_run(self) -> int:
        """Consecutive hours at or below ``lift_max_aqi`` that lift an alert [h]."""
        return self.lift_hours if self.lift_inclusive else self.lift_hours + 1

    def reductions_frame(self) -> pd.DataFrame:
        """Minimum emission reductions per level [%] (one row per level and pollutant)."""
        rows = [
            (lv, _ZH[lv], pol, float(pct))
            for lv in sorted(self.reductions, key=_RANK.__getitem__)
            for pol, pct in self.reductions[lv].items()
        ]
        return pd.DataFrame(rows, columns=["level", "level_zh", "pollutant", "min_reduction_pct"])


# --------------------------------------------------------------------------------- rolling AQI
def rolling_concentrations(
    hourly: pd.DataFrame, settings: Settings | None = None
) -> pd.DataFrame:
    """The daily-AQI inputs over the 24 hours ending with each hour, per station.

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³; CO mg/m³]
        Canonical hourly frame: ``station``, ``time`` (hour-beginning, Beijing) and any of
        ``pm25, pm10, so2, no2, co, o3``.
    settings : Settings, optional
        ``rolling_24h_min_hours`` (default 20 of 24 valid hours, as :func:`validity.rolling_24h`)
        and ``mda8_min_windows`` (14).

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³]
        ``station``, ``time`` (label of the last hour of the window) and per pollutant present
        ``<p>`` (24-hour rolling mean, NaN unless valid) and ``<p>_valid``; for O3 ``o3_8h``
        = the highest of the 17 8-hour means lying wholly inside the window (the daily
        AQI's MDA8 applied to a sliding day; valid with ≥ ``settings.mda8_min_windows`` (14)
        valid 8-hour means, as a day's MDA8), with ``o3_8h_valid``.
    """
    settings = DEFAULT if settings is None else settings
    cols = [c for c in ROLLING_POLLUTANTS if c in hourly.columns]
    if not cols and "o3" not in hourly.columns:
        raise InputDataError(f"hourly frame has none of {(*ROLLING_POLLUTANTS, 'o3')}")
    if cols:
        r = rolling_24h(hourly, columns=cols, settings=settings)
    else:
        r = rolling_8h(hourly)
    out = {"station": r["station"], "time": r["time"]}
    for c in cols:
        v = r[f"{c}_24h"].to_numpy(np.float64)
        out[c] = v
        out[f"{c}_valid"] = ~np.isnan(v)
    if "o3" in hourly.columns:
        r8 = rolling_8h(hourly) if cols else r
        o8 = pd.Series(r8["o3_8h"].to_numpy(np.float64))
        st = r8["station"].to_numpy()
        g = o8.groupby(st, sort=False)
        mx = g.rolling(_O3_WINDOWS, min_periods=1).max().reset_index(level=0, drop=True).sort_index()
        n = g.rolling(_O3_WINDOWS, min_periods=1).count().reset_index(level=0, drop=True).sort_index()
        ok = n.to_numpy() >= settings.mda8_min_windows
        out["o3_8h"] = np.where(ok, mx.to_numpy(), np.nan)
        out["o3_8h_valid"] = ok
    return pd.DataFrame(out, copy=False)


def rolling_aqi_from_concentrations(
    conc: pd.DataFrame, key: str | Sequence[str] = "station", settings: Settings | None = None
) -> pd.DataFrame:
    """Rolling AQI of 24-hour-window concentrations of any unit (station, town, district).

    Parameters
    ----------
    conc : pandas.DataFrame [µg/m³; CO mg/m³]
        Unit key column(s), ``time`` and any of ``pm25, pm10, so2, no2, co, o3_8h`` (NaN when
        invalid), as :func:`rolling_concentrations` or its town/district means
        (:func:`airlib.tracking.rolling_aqi.unit_rolling_aqi`).
    key : str or sequence of str
        Unit key column(s).
    settings : Settings, optional
        Passed to :func:`airlib.standards.aqi.daily_aqi`.

    Returns
    -------
    pandas.DataFrame
        Unit key(s), ``time``, ``aqi`` (Int64, NA when invalid), ``category`` (Int64 1–6, HJ 633
        level), ``valid`` (bool) and ``primary_pollutant``. D: the AQI is that of the valid
        components (HJ 633 daily rule, version chosen by ``time``); it is valid iff the PM2.5
        window is valid (the pollutant the alerts turn on) and an AQI results.
    """
    keys = [key] if isinstance(key, str) else list(key)
    for c in (*keys, "time"):
        if c not in conc.columns:
            raise InputDataError(f"rolling concentrations lack column {c!r}", column=c)
    if "pm25" not in conc.columns:
        raise InputDataError("rolling concentrations lack 'pm25' (the alert AQI needs PM2.5)", column="pm25")
    inputs = {c: conc[c].to_numpy(np.float64, na_value=np.nan) for c in (*ROLLING_POLLUTANTS, "o3_8h")
              if c in conc.columns}
    frame = pd.DataFrame({"date": pd.DatetimeIndex(conc["time"]).to_numpy(), **inputs})
    rep = daily_aqi(frame, settings=settings, missing_rule="keep")
    aqi = rep["aqi"].to_numpy(np.float64, na_value=np.nan)
    valid = ~np.isnan(inputs["pm25"]) & ~np.isnan(aqi)
    out = {k: conc[k].to_numpy() for k in keys}
    out["time"] = frame["date"].to_numpy()
    out["aqi"] = pd.arrays.IntegerArray(np.where(valid, aqi, 0).astype(np.int64), ~valid)
    lvl = rep["level"].to_numpy(np.float64, na_value=np.nan)
    out["category"] = pd.arrays.IntegerArray(np.where(valid, lvl, 0).astype(np.int64), ~valid)
    out["valid"] = valid
    out["primary_pollutant"] = rep["primary_pollutant"].to_numpy()
    return pd.DataFrame(out, copy=False)


def rolling_aqi(hourly: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """"AQI of any 24 consecutive hours" per station ([SEED-001] §28; HJ 633 daily AQI).

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³; CO mg/m³]
        Canonical hourly frame (``station``, ``time`` hour-beginning, pollutant columns).
    settings : Settings, optional
        ``rolling_24h_min_hours`` (window validity, default 20 of 24 hours).

    Returns
    -------
    pandas.DataFrame
        ``station``, ``time`` (label of the LAST hour of the 24-hour window), ``aqi`` (Int64,
        NA when invalid), ``category`` (1–6), ``valid`` (bool), ``primary_pollutant``.
        Towns and districts: :func:`airlib.tracking.rolling_aqi.unit_rolling_aqi`.
    """
    conc = rolling_concentrations(hourly, settings)
    return rolling_aqi_from_concentrations(conc, "station", settings)


# ------------------------------------------------------------------------------------- episodes
def _unit_keys(frame: pd.DataFrame) -> list[str]:
    return [k for k in _UNIT_KEYS if k in frame.columns][:1]


def _level_of(counts: dict[float, np.ndarray], rules: AlertRules, n: int) -> np.ndarray:
    """Highest level rank whose criterion the cumulative counts meet, per hour (0 = none)."""
    rank = np.zeros(n, dtype=np.int64)
    for level, alts in rules.criteria.items():
        meets = np.zeros(n, dtype=bool)
        for alt in alts:
            ok = np.ones(n, dtype=bool)
            for thr, hours in alt.items():
                ok &= counts[float(thr)] >= int(hours)
            meets |= ok
        rank = np.where(meets, np.maximum(rank, _RANK[level]), rank)
    return rank


def _run_length_before(flag: np.ndarray) -> np.ndarray:
    """Consecutive True values ending at each position (0 where False)."""
    idx = np.arange(len(flag))
    last_false = np.maximum.accumulate(np.where(~flag, idx, -1))
    return np.where(flag, idx - last_false, 0)


def _forecast_ahead(times: np.ndarray, forecast: pd.DataFrame | None, thresholds) -> dict | None:
    """Per hour: the forecast run of 重度 hours right after it, its length and its counts."""
    if forecast is None or forecast.empty:
        return None
    fc = pd.Series(forecast["aqi"].to_numpy(np.float64, na_value=np.nan),
                   index=pd.DatetimeIndex(forecast["time"]))
    fc = fc[~fc.index.duplicated(keep="last")]
    start = min(times[0], fc.index.min().to_datetime64())
    stop = max(times[-1], fc.index.max().to_datetime64())
    grid = pd.date_range(start, stop, freq="h")
    v = fc.reindex(grid).to_numpy()
    with np.errstate(invalid="ignore"):
        heavy = v > HEAVY_AQI
    # run of heavy forecast hours starting at each position
    rev = _run_length_before(heavy[::-1])[::-1]
    pos = grid.get_indexer(pd.DatetimeIndex(times))
    nxt = pos + 1
    length = np.where(nxt < len(grid), rev[np.minimum(nxt, len(grid) - 1)], 0)
    out = {"length": length}
    for thr in thresholds:
        with np.errstate(invalid="ignore"):
            cs = np.concatenate([[0], np.cumsum(v > thr)])
        out[thr] = cs[np.minimum(nxt + length, len(grid))] - cs[np.minimum(nxt, len(grid))]
    return out


def _unit_status(aqi: np.ndarray, rules: AlertRules, fc) -> pd.DataFrame:
    """Per-hour status of one unit on a complete hourly grid (vectorised over hours)."""
    n = len(aqi)
    with np.errstate(invalid="ignore"):
        on = aqi > rules.episode_threshold
        good = aqi <= rules.lift_max_aqi
    streak = _run_length_before(good)
    lift_at = np.flatnonzero(streak == rules.lift_run)  # hour whose end meets the lift condition
    episode = np.zeros(n, dtype=np.int64)
    rank = np.zeros(n, dtype=np.int64)
    early = np.zeros(n, dtype=bool)
    on_idx = np.flatnonzero(on)
    if not len(on_idx):
        return pd.DataFrame({"episode": episode, "rank": rank, "early": early, "group_runs": episode,
                             "lift": early})
    run_start = on_idx[np.concatenate([[True], np.diff(on_idx) > 1])]
    run_end = on_idx[np.concatenate([np.diff(on_idx) > 1, [True]])]
    # a gap splits two processes iff a lift point lies in it
    if len(lift_at):
        after = np.searchsorted(lift_at, run_end)
        lift_pos = np.where(after < len(lift_at), lift_at[np.minimum(after, len(lift_at) - 1)], n)
    else:
        lift_pos = np.full(len(run_end), n, dtype=np.int64)
    split = np.concatenate([[True], lift_pos[:-1] < run_start[1:]])
    group = np.cumsum(split)  # per run, 1…
    g_first = run_start[split]
    g_last_run_end = run_end[np.concatenate([split[1:], [True]])]
    if len(lift_at):
        pos = np.searchsorted(lift_at, g_last_run_end)
        g_lift = np.where(pos < len(lift_at), lift_at[np.minimum(pos, len(lift_at) - 1)], n)
    else:
        g_lift = np.full(len(g_first), n, dtype=np.int64)
    g_runs = np.bincount(group)[1:]
    # hour → group over [first on hour, lift hour]
    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, g_first, np.arange(1, len(g_first) + 1))
    np.add.at(marks, np.minimum(g_lift + 1, n), -np.arange(1, len(g_first) + 1))
    gid = np.cumsum(marks)[:n]
    thresholds = sorted({float(t) for alts in rules.criteria.values() for a in alts for t in a})
    counts = {}
    for thr in thresholds:
        with np.errstate(invalid="ignore"):
            x = ((aqi > thr) & (gid > 0)).astype(np.int64)
        cs = np.cumsum(x)
        base = np.zeros(len(g_first) + 1, dtype=np.int64)
        base[1:] = cs[g_first] - x[g_first]
        counts[thr] = np.where(gid > 0, cs - base[gid], 0)
    obs_rank = _level_of(counts, rules, n)
    hour_rank = obs_rank.copy()
    if fc is not None:
        with np.errstate(invalid="ignore"):
            trigger = (aqi > HEAVY_AQI) & (gid > 0) & (fc["length"] >= rules.early_hours)
        ahead = {thr: counts[thr] + np.where(trigger, fc[thr], 0) for thr in thresholds}
        early_rank = np.where(trigger, _level_of(ahead, rules, n), 0)
        hour_rank = np.maximum(hour_rank, early_rank)
    # running maximum within each group (levels never fall inside an episode)
    offset = gid * (len(LEVELS) + 1)
    run_max = np.maximum.accumulate(np.where(gid > 0, hour_rank + offset, 0)) - offset
    run_obs = np.maximum.accumulate(np.where(gid > 0, obs_rank + offset, 0)) - offset
    inside = (gid > 0) & (run_max > 0)
    # hours from the group's lift hour are not in force: end exclusive = lift hour + 1
    rank = np.where(inside, run_max, 0)
    early = inside & (run_obs < run_max)
    episode = np.where(inside, gid, 0)
    runs = np.where(inside, g_runs[np.maximum(gid - 1, 0)], 0)
    return pd.DataFrame({"episode": episode, "rank": rank, "early": early, "group_runs": runs,
                         "lift": np.isin(np.arange(n), g_lift)})


def _prepare(rolling: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    for c in ("time", "aqi"):
        if c not in rolling.columns:
            raise InputDataError(f"rolling AQI frame lacks column {c!r}", column=c)
    keys = _unit_keys(rolling)
    df = rolling[[*keys, "time", "aqi", *(["valid"] if "valid" in rolling.columns else [])]].copy()
    df["time"] = pd.DatetimeIndex(df["time"])
    a = df["aqi"].to_numpy(np.float64, na_value=np.nan)
    if "valid" in df.columns:
        a = np.where(df["valid"].to_numpy(bool, na_value=False), a, np.nan)
    df["aqi"] = a
    if df.duplicated([*keys, "time"]).any():
        raise InputDataError("rolling AQI frame has several rows per unit and hour", column="time")
    return keys, df.drop(columns=[c for c in ("valid",) if c in df.columns])


def alert_status(
    rolling: pd.DataFrame, rules: AlertRules, forecast: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Alert level in force at every hour ([SEED-001] §28; module docstring for the rules).

    Parameters
    ----------
    rolling : pandas.DataFrame [AQI]
        :func:`rolling_aqi` output (unit key optional, ``time``, ``aqi``, ``valid``). Missing
        hours are filled in as invalid.
    rules : AlertRules
        The rules of the plan in force (:func:`airlib.io.plans.alert_rules`).
    forecast : pandas.DataFrame, optional
        Hourly expected AQI (hour-beginning ``time``, ``aqi``) and, when ``rolling`` has a
        unit key, that key (a forecast without it applies to every unit). Used only for the
        early start/upgrade: at an hour with observed rolling AQI > 200, the forecast hours
        right after it that are > 200 count when there are at least ``rules.early_hours``.

    Returns
    -------
    pandas.DataFrame
        Unit key, ``time``, ``aqi`` (float, NaN invalid), ``level`` (code or NA), ``level_zh``,
        ``episode`` (Int64, NA outside an alert), ``upgrade`` (bool: the level rose at this
        hour, the first alert hour included), ``early`` (bool: the level comes from the
        forecast), ``lift`` (bool: this hour completes the lift condition; the alert ends at
        its end).
    """
    keys, df = _prepare(rolling)
    parts = []
    groups = df.groupby(keys, sort=True) if keys else [((), df)]
    n_done = 0
    for k, sub in groups:
        sub = sub.set_index("time").sort_index()
        if sub.empty:
            continue
        grid = pd.date_range(sub.index.min(), sub.index.max(), freq="h")
        aqi = sub["aqi"].reindex(grid).to_numpy(np.float64)
        fsub = forecast
        if forecast is not None and keys:
            if keys[0] in forecast.columns:
                kk = k[0] if isinstance(k, tuple) else k
                fsub = forecast[forecast[keys[0]] == kk]
        thresholds = sorted({float(t) for alts in rules.criteria.values() for a in alts for t in a})
        fc = _forecast_ahead(grid.to_numpy(), fsub, thresholds)
        st = _unit_status(aqi, rules, fc)
        st.insert(0, "time", grid)
        st.insert(1, "aqi", aqi)
        if keys:
            st.insert(0, keys[0], k[0] if isinstance(k, tuple) else k)
        st["episode"] = np.where(st["episode"] > 0, st["episode"] + n_done, 0)
        n_done = int(st["episode"].max()) if (st["episode"] > 0).any() else n_done
        parts.append(st)
    if not parts:
        st = pd.DataFrame({**{k: [] for k in keys}, "time": pd.DatetimeIndex([]), "aqi": [],
                           "episode": [], "rank": [], "early": [], "group_runs": [], "lift": []})
    else:
        st = pd.concat(parts, ignore_index=True)
    rank = st["rank"].to_numpy(np.int64)
    codes = np.array([None, *[c for c, _ in LEVELS]], dtype=object)
    zh = np.array([None, *[z for _, z in LEVELS]], dtype=object)
    prev = np.concatenate([[0], rank[:-1]])
    same_ep = np.concatenate([[False], st["episode"].to_numpy()[1:] == st["episode"].to_numpy()[:-1]])
    st["level"] = pd.array(codes[rank], dtype="string")
    st["level_zh"] = pd.array(zh[rank], dtype="string")
    ep = st["episode"].to_numpy(np.int64)
    st["upgrade"] = (rank > 0) & ((rank > prev) | ~same_ep)
    st["episode"] = pd.arrays.IntegerArray(ep, ep == 0)
    st["early"] = st["early"].astype(bool)
    st["lift"] = st["lift"].astype(bool) & (ep > 0)
    return st[[*keys, "time", "aqi", "level", "level_zh", "episode", "upgrade", "early", "lift",
               "group_runs"]]


def alert_episodes(
    rolling: pd.DataFrame, rules: AlertRules, forecast: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Alert episodes of the rolling AQI under ``rules`` ([SEED-001] §28).

    Parameters
    ----------
    rolling : pandas.DataFrame [AQI]
        :func:`rolling_aqi` output (as :func:`alert_status`).
    rules : AlertRules
        The rules of the plan in force.
    forecast : pandas.DataFrame, optional
        Hourly expected AQI (as :func:`alert_status`).

    Returns
    -------
    pandas.DataFrame
        One row per episode: unit key (if any), ``episode`` (1…), ``start`` (first alert hour,
        hour-beginning label), ``end`` (exclusive: the instant the lift condition is met; NaT
        when not lifted within the data), ``level`` (highest level reached: ``blue`` …
        ``red``), ``level_zh``, ``peak_aqi`` (Int64), ``hours`` (alert hours from start to end
        or to the end of the data), ``heavy_hours`` (hours with rolling AQI > 200 in the
        episode), ``severe_hours`` (> 300), ``merged`` (processes — runs of hours above the
        episode threshold — merged into the episode), ``early_start`` (the level at the first
        alert hour came from the forecast).
    """
    st = alert_status(rolling, rules, forecast)
    keys = _unit_keys(st)
    inside = st["episode"].notna().to_numpy()
    cols = [*keys, "episode", "start", "end", "level", "level_zh", "peak_aqi", "hours",
            "heavy_hours", "severe_hours", "merged", "early_start"]
    s = st[inside]
    if s.empty:
        empty = {c: [] for c in cols}
        return pd.DataFrame(empty).astype({"start": "datetime64[ns]", "end": "datetime64[ns]",
                                           "episode": np.int64, "hours": np.int64})
    a = s["aqi"].to_numpy(np.float64)
    work = pd.DataFrame({
        **{k: s[k].to_numpy() for k in keys},
        "episode": s["episode"].to_numpy(np.int64),
        "time": s["time"].to_numpy(),
        "aqi": a,
        "rank": s["level"].map(_RANK).to_numpy(np.int64),
        "heavy": np.nan_to_num(a, nan=0) > HEAVY_AQI,
        "severe": np.nan_to_num(a, nan=0) > SEVERE_AQI,
        "early": s["early"].to_numpy(),
        "lift": s["lift"].to_numpy(),
        "runs": s["group_runs"].to_numpy(np.int64),
    })
    g = work.groupby("episode", sort=True)
    first = g.first()
    last_time = g["time"].max()
    lifted = g["lift"].any()
    out = pd.DataFrame({k: first[k].to_numpy() for k in keys})
    out["episode"] = first.index.to_numpy(np.int64)
    out["start"] = first["time"].to_numpy()
    end = (last_time + pd.Timedelta(hours=1)).to_numpy()
    out["end"] = np.where(lifted.to_numpy(), end, np.datetime64("NaT"))
    out["end"] = pd.to_datetime(out["end"])
    rank = g["rank"].max().to_numpy()
    out["level"] = pd.array([LEVELS[r - 1][0] for r in rank], dtype="string")
    out["level_zh"] = pd.array([LEVELS[r - 1][1] for r in rank], dtype="string")
    peak = g["aqi"].max().to_numpy()
    out["peak_aqi"] = pd.arrays.IntegerArray(np.nan_to_num(peak).astype(np.int64), np.isnan(peak))
    out["hours"] = g.size().to_numpy(np.int64)
    out["heavy_hours"] = g["heavy"].sum().to_numpy(np.int64)
    out["severe_hours"] = g["severe"].sum().to_numpy(np.int64)
    out["merged"] = first["runs"].to_numpy(np.int64)
    out["early_start"] = first["early"].to_numpy(bool)
    return out[cols].reset_index(drop=True)
