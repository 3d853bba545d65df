"""Deterministic generator of the SYNTHETIC demo data set (合成数据，非真实监测数据).

The model (all parameters in :mod:`airlib.demo.parameters`, derived from the UCI Beijing data):

* a regional "stagnation" state ``z`` (standard normal AR(1), hourly lag-1 autocorrelation
  ``PM25_LOG_ANOMALY_AR1``) plus, each winter, at least one forced multi-day episode that ends in
  a northerly clean-out;
* regional log PM2.5 = log monthly climatology (interpolated between mid-month anchors) + diurnal
  profile + ``PM25_LOG_ANOMALY_SD``·z − σ²/2 (so the arithmetic monthly mean is the climatology);
* a level multiplier: ``ANNUAL_TREND_FACTOR`` per year, plus the plan's 25 % step between the
  heating seasons 2016-17 and 2017-18;
* monthly levels: each month's regional mean is pinned to climatology × level × ``exp(a_m)``
  with a small AR(1) monthly anomaly ``a_m`` (``REGIONAL_MONTH_LOG_SD``), and each town gets a
  monthly deviation (``TOWN_MONTH_LOG_SD``), any local source (``LOCAL_SOURCE_FACTOR``) and
  slow local-source cycles in three towns (``LOCAL_SOURCE_CYCLE_*``), so
  report months show YoY changes like real ones (typically within ±20 %, towns differing);
* station PM2.5 = regional × site factor (valley / foothill / mountain) × fixed station offset ×
  AR(1) station noise;
* PM10, SO2, NO2, CO, O3 from log-linear fits on log PM2.5 with monthly intercepts (O3 with its
  own diurnal profile), plus AR(1) noise;
* meteorology: monthly means, diurnal profiles and anomalies correlated with z as in the UCI data
  (humid, low wind, low pressure when stagnant; strong wind from the north-west when clean);
* data defects: missing-hour gaps, whole missing days (rows absent), sentinels −999, negatives.

Everything is vectorised numpy; one ``numpy.random.Generator(PCG64(seed))`` drives all draws in
a fixed order, so the same ``(end, seed)`` gives identical bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from airlib.demo import parameters as P
from airlib.demo.boundaries import schematic_town_polygons
from airlib.demo.registry import DISTRICT_NAME, TOWNS, stations_frame, towns_frame
from airlib.errors import InputDataError
from airlib.files import atomic_write_bytes
from airlib.periods import last_complete_month, parse_month

__all__ = [
    "START",
    "DEFAULT_SEED",
    "HEADERS_ZH",
    "last_complete_month",
    "generate_hourly",
    "write_demo",
    "DemoResult",
]

#: First hour of the demo data set (Beijing time, hour-beginning).
START: Final = pd.Timestamp("2015-10-01 00:00")
DEFAULT_SEED: Final = 20171029
#: Canonical column → Chinese header of the export files.
HEADERS_ZH: Final[dict[str, str]] = {
    "station": "站点", "time": "时间", "pm25": "PM2.5", "pm10": "PM10", "so2": "SO2",
    "no2": "NO2", "co": "CO", "o3": "O3", "temp": "气温", "pres": "气压", "dewp": "露点温度",
    "wspm": "风速", "wd": "风向", "rain": "降水量",
}
COMPASS16: Final = (
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
)
_SITE_FACTOR: Final = {
    "valley": P.SITE_FACTOR_VALLEY,
    "foothill": P.SITE_FACTOR_FOOTHILL,
    "mountain": P.SITE_FACTOR_MOUNTAIN,
}
_DECIMALS: Final = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "co": 2, "o3": 0,
                    "temp": 1, "pres": 1, "dewp": 1, "wspm": 1, "rain": 1}
_POLS: Final = ("pm25", "pm10", "so2", "no2", "co", "o3")


def _parse_end(end: str | pd.Period | None) -> pd.Period:
    if end is None:
        return last_complete_month()
    p = parse_month(end, "end month")
    if p < parse_month(START):
        raise InputDataError(f"end month {p} is before the demo start {START:%Y-%m}")
    return p


def _ar1(rng: np.random.Generator, phi: float, shape: tuple[int, ...],
         prev: np.ndarray | float | None = None) -> np.ndarray:
    """Unit-variance AR(1) series along the last axis.

    ``prev`` is the value just before the first element (continuing an earlier block); without
    it the first element is drawn from the stationary distribution.
    """
    eps = rng.standard_normal(shape) * np.sqrt(1.0 - phi**2)
    first = rng.standard_normal(shape[:-1])
    eps[..., 0] = first if prev is None else phi * np.asarray(prev) + eps[..., 0]
    return lfilter([1.0], [1.0, -phi], eps, axis=-1)


def _monthly_interp(values: tuple[float, ...], times: pd.DatetimeIndex) -> np.ndarray:
    """Interpolate 12 calendar-month values, anchored mid-month, to each hour (cyclic)."""
    frac = (times.month - 1) + (times.day - 1 + times.hour / 24.0) / times.days_in_month
    x = np.asarray(frac, float)  # 0..12, month m's anchor at m + 0.5
    anchors = np.arange(-0.5, 13.0, 1.0)
    v = np.asarray(values, float)
    vals = np.concatenate([[v[-1]], v, [v[0]]])
    return np.interp(x, anchors, vals)


def _level(times: pd.DatetimeIndex) -> np.ndarray:
    """Multiplicative PM level: the derived annual trend plus the 2017-18 plan step.

    Years are counted from 2016-03-01 (middle of the first demo heating season's year). The
    step is applied from 2017-10-01 (start of the plan's period) and sized so that the heating
    season 2017-18 is ``PLAN_2017_18_PM25_REDUCTION`` below 2016-17.
    """
    years = (times - pd.Timestamp("2016-03-01")).total_seconds().to_numpy() / (365.25 * 86400)
    level = P.ANNUAL_TREND_FACTOR**years
    step = (1.0 - P.PLAN_2017_18_PM25_REDUCTION) / P.ANNUAL_TREND_FACTOR
    return np.where(times >= pd.Timestamp("2017-10-01"), level * step, level)


def _soft_cap(x: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Soft ceiling ``x / (1 + (x/cap)^4)^(1/4)``: about -1.5 % at half the cap, never above it.

    Used with the observed monthly 99.9th percentiles: the real upper tails are lighter than
    the log-normal the generator draws from.
    """
    return x / (1.0 + (x / cap) ** 4) ** 0.25


def _month_damping_scale() -> float:
    """Factor restoring unit variance after removing (1 - r) of each month's mean of z.

    For a unit AR(1) with coefficient φ, the variance of a mean over N hours is
    ``v ≈ (1 + φ) / ((1 - φ) N)``; ``z - c·mean`` has variance ``1 - (2c - c²) v``.
    N = 730.5 h (mean month).
    """
    phi, c = P.PM25_LOG_ANOMALY_AR1, 1.0 - P.MONTHLY_STATE_RETAIN
    v = (1 + phi) / ((1 - phi) * 730.5)
    return float(1.0 / np.sqrt(1.0 - (2 * c - c * c) * v))


def _pin_monthly_means(z: np.ndarray, month_id: np.ndarray, target_log: np.ndarray,
                       fixed: np.ndarray | None = None, base_log: np.ndarray | None = None,
                       iterations: int = 8) -> np.ndarray:
    """Shift the state ``z`` so that each month's mean of ``exp(b + σz − σ²/2)`` is
    ``exp(target_log)`` times the month's mean of ``exp(b)``.

    ``b`` = ``base_log`` (the hour's deterministic log level: climatology, trend and diurnal
    profile; default 0), so that the month's mean *concentration*, not just the mean of the
    state's multiplier, is pinned (the state's peaks falling at night or by day no longer moves
    a month's mean by several per cent).

    σ = ``PM25_LOG_ANOMALY_SD``. The shift is one value per month, interpolated linearly between
    mid-month anchors (held flat before the first and after the last) so that no step appears
    at month boundaries; a few fixed-point iterations make the monthly means match (< 1 %).
    Hours flagged ``fixed`` (the forced winter episode) keep their values and count towards the
    month's mean: the rest of such a month is cleaner, so where the episode falls (November or
    December) does not swing the monthly means. The hourly shape of ``z`` is kept.

    Parameters
    ----------
    z
        Hourly standard-normal state [1] of one year block.
    month_id
        Month index (0, 1, …) of each hour within the block.
    target_log
        Wanted log of the monthly mean multiplier, one per month [log units].
    fixed
        Hours not shifted (boolean, like ``z``); default none.
    base_log
        Deterministic log level of each hour [log µg/m³]; default 0.
    """
    sd = P.PM25_LOG_ANOMALY_SD
    counts = np.bincount(month_id)
    base = np.ones(len(z)) if base_log is None else np.exp(base_log - np.max(base_log))
    target = np.exp(target_log) * np.bincount(month_id, base) / counts
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    mids = starts + (counts - 1) / 2.0
    idx = np.arange(len(z), dtype=float)
    free = np.ones(len(z), bool) if fixed is None else ~fixed
    shift = np.zeros(len(counts))
    for _ in range(iterations):
        w = base * np.exp(sd * (z + np.interp(idx, mids, shift) * free) - sd**2 / 2)
        free_sum = np.bincount(month_id, w * free, minlength=len(counts))
        fixed_sum = np.bincount(month_id, w * ~free, minlength=len(counts))
        # the free hours carry what the fixed ones leave (at least a tenth of their own sum)
        want = np.maximum(target * counts - fixed_sum, 0.1 * free_sum)
        shift = shift + np.log(want / free_sum) / sd
    return z + np.interp(idx, mids, shift) * free


def _episode(rng: np.random.Generator, year: int, times: pd.DatetimeIndex, base_log: np.ndarray,
             z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Force one multi-day heavy episode into December of ``year`` (the state ``z``).

    Returns the new state and a boolean mask of the hours the episode set (build-up, plateau,
    clean-out and the clean day after it; all False when the episode does not fit the block).

    ``base_log`` is the expected valley log PM2.5 without anomaly. The episode lasts
    ``EPISODE_DAYS_RANGE`` days, starting between 20 Nov and 20 Dec; z rises along a ramp to the
    value that gives a plateau drawn from ``EPISODE_PEAK_RANGE`` µg/m³ (reached after ~30 % of the
    episode), then falls to
    z = -1.5 within ``EPISODE_CLEANOUT_HOURS`` (northerly clean-out) and stays ≤ -1.2 for a day.
    """
    z = z.copy()
    sd = P.PM25_LOG_ANOMALY_SD
    days = int(rng.integers(*P.EPISODE_DAYS_RANGE, endpoint=True))
    start = pd.Timestamp(f"{year}-11-20") + pd.Timedelta(days=int(rng.integers(0, 31)))
    peak = float(rng.uniform(*P.EPISODE_PEAK_RANGE))
    i0 = int((start - times[0]) / pd.Timedelta(hours=1))
    i1 = i0 + days * 24
    i2 = i1 + P.EPISODE_CLEANOUT_HOURS
    mask = np.zeros(len(z), bool)
    if i0 < 0 or i2 + 24 > len(times):
        return z, mask
    z_peak = (np.log(peak) - base_log[i1 - 12]) / sd + sd / 2.0
    frac = np.linspace(0.0, 1.0, i1 - i0)
    ramp = np.minimum(1.0, 0.4 + 2.0 * frac)  # from 40 % of the rise to the plateau at 30 %
    z_start = min(z[i0], 0.0)
    z[i0:i1] = np.maximum(z[i0:i1], z_start + (z_peak - z_start) * ramp)
    z[i1:i2] = np.linspace(z[i1 - 1], -1.5, P.EPISODE_CLEANOUT_HOURS)
    z[i2:i2 + 24] = np.minimum(z[i2:i2 + 24], -1.2)
    mask[i0:i2 + 24] = True
    return z, mask


def _year_block(year: int, seed: int, carry: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Generate calendar year ``year`` (from ``START`` in the first year) for all stations.

    Draws come from ``numpy.random.Generator(PCG64(SeedSequence([seed, year])))`` and AR(1)
    states continue from ``carry`` (updated in place), so a year's data never depend on how many
    years are generated after it. Returns (stations × hours) arrays per variable, ``wd_idx``
    (compass index, -1 = missing), ``keep`` (False on whole missing days) and ``time``.
    """
    t_first = max(START, pd.Timestamp(f"{year}-01-01"))
    times = pd.date_range(t_first, pd.Timestamp(f"{year}-12-31 23:00"), freq="h")
    n = len(times)
    st = stations_frame()
    towns = {t.code: t for t in TOWNS}
    ns = len(st)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, year])))

    month = times.month.to_numpy()
    hour = times.hour.to_numpy()
    sd = P.PM25_LOG_ANOMALY_SD

    def ar(name: str, phi: float, shape: tuple[int, ...]) -> np.ndarray:
        x = _ar1(rng, phi, shape, carry.get(name))
        carry[name] = x[..., -1].copy()
        return x

    # ---- regional state and PM2.5 ------------------------------------------------------
    clim_log = np.log(_monthly_interp(P.PM25_MONTHLY_MEAN, times))
    level_log = np.log(_level(times))
    base_log = clim_log + level_log - sd**2 / 2 + np.log(P.SITE_FACTOR_VALLEY)
    z = ar("z", P.PM25_LOG_ANOMALY_AR1, (n,))
    # damp month-to-month wander of the AR(1) state (see MONTHLY_STATE_RETAIN)
    month_id = month - month[0]
    z_month = np.bincount(month_id, z) / np.bincount(month_id)
    z = (z - (1.0 - P.MONTHLY_STATE_RETAIN) * z_month[month_id]) * _month_damping_scale()
    # monthly levels: a separate stream, so the hourly draws above and below are unchanged
    mrng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, year, 1])))
    n_months = int(month_id[-1]) + 1
    a_month = _ar1(mrng, P.REGIONAL_MONTH_LOG_AR1, (n_months,), carry.get("month"))
    carry["month"] = a_month[-1:].copy()
    town_codes = [t.code for t in TOWNS]
    t_month = _ar1(mrng, P.TOWN_MONTH_LOG_AR1, (len(town_codes), n_months), carry.get("town_month"))
    carry["town_month"] = t_month[:, -1].copy()
    # deviations from the district, as derived (station minus regional): zero mean over towns
    n_towns = len(town_codes)
    t_month = (t_month - t_month.mean(axis=0)) * np.sqrt(n_towns / (n_towns - 1))
    rsd, tsd = P.REGIONAL_MONTH_LOG_SD, P.TOWN_MONTH_LOG_SD
    z, forced = _episode(rng, year, times, base_log, z)
    z = _pin_monthly_means(z, month_id, rsd * a_month - rsd**2 / 2, fixed=forced,
                           base_log=clim_log + np.asarray(P.PM25_DIURNAL_LOG)[hour] + level_log)
    reg_log = clim_log + np.asarray(P.PM25_DIURNAL_LOG)[hour] + sd * z - sd**2 / 2 + level_log

    site = np.array([_SITE_FACTOR[towns[c].site] for c in st["town_code"]])
    elev = np.array([towns[c].elevation_m for c in st["town_code"]], float)
    # fixed per-station offsets: from the seed alone, identical in every year
    fixed = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0]))).normal(
        0.0, P.STATION_FIXED_LOG_SD, ns)
    s_sd = P.STATION_LOG_DEV_SD
    s_dev = ar("station", P.STATION_LOG_DEV_AR1, (ns, n)) * s_sd - s_sd**2 / 2
    # town terms: the month's deviation of the station's town and any local source
    t_idx = np.array([town_codes.index(c) for c in st["town_code"]])
    local = np.log([P.LOCAL_SOURCE_FACTOR.get(c, 1.0) for c in st["town_code"]])
    abs_month = year * 12 + times.month.to_numpy() - 1
    phase = np.array([P.LOCAL_SOURCE_CYCLE_PHASE.get(c, np.nan) for c in st["town_code"]])
    cycle = np.nan_to_num(P.LOCAL_SOURCE_CYCLE_LOG_AMPLITUDE * np.sin(
        2 * np.pi * (abs_month[None, :] - phase[:, None]) / P.LOCAL_SOURCE_CYCLE_MONTHS))
    town_log = (tsd * t_month - tsd**2 / 2)[t_idx][:, month_id] + local[:, None] + cycle
    pm25 = _soft_cap(np.exp(reg_log[None, :] + np.log(site)[:, None] + fixed[:, None] + s_dev + town_log),
                     _monthly_interp(P.PM25_MONTHLY_P999, times)[None, :])

    # ---- other pollutants --------------------------------------------------------------
    out: dict[str, np.ndarray] = {"pm25": pm25}
    lpm = np.log(np.maximum(pm25, 1.0))
    for pol in ("pm10", "so2", "no2", "co", "o3"):
        key = pol.upper()
        a = _monthly_interp(getattr(P, f"{key}_LOG_INTERCEPT_MONTHLY"), times)
        b = getattr(P, f"{key}_LOG_SLOPE")
        r_sd = getattr(P, f"{key}_LOG_RESID_SD")
        noise = ar(pol, P.GAS_RESID_AR1, (ns, n)) * r_sd
        y = a[None, :] + b * lpm + noise - r_sd**2 / 2
        if pol == "o3":
            y = y + np.asarray(P.O3_DIURNAL_LOG)[hour][None, :]
        out[pol] = _soft_cap(np.exp(y), _monthly_interp(getattr(P, f"{key}_MONTHLY_P999"), times)[None, :])
    out["pm10"] = np.maximum(out["pm10"], pm25 * 1.05)

    # ---- meteorology (regional anomaly correlated with z, plus station terms) -----------
    def anomaly(name: str, corr: float, ar1: float) -> np.ndarray:
        return corr * z + np.sqrt(1 - corr**2) * ar(name, ar1, (n,))

    dz = elev - 100.0
    temp_reg = (_monthly_interp(P.TEMP_MONTHLY_MEAN, times) + np.asarray(P.TEMP_DIURNAL)[hour]
                + P.TEMP_ANOMALY_SD * anomaly("temp", P.TEMP_PM_CORR, P.TEMP_ANOMALY_AR1))
    temp = temp_reg[None, :] + (P.LAPSE_RATE_C_PER_M * dz)[:, None] + rng.normal(0, 0.6, (ns, n))
    pres_reg = (_monthly_interp(P.PRES_MONTHLY_MEAN, times)
                + P.PRES_ANOMALY_SD * anomaly("pres", P.PRES_PM_CORR, P.PRES_ANOMALY_AR1))
    pres = pres_reg[None, :] + (P.PRES_HPA_PER_M * dz)[:, None] + rng.normal(0, 0.2, (ns, n))
    dewp_reg = (_monthly_interp(P.DEWP_MONTHLY_MEAN, times)
                + P.DEWP_ANOMALY_SD * anomaly("dewp", P.DEWP_PM_CORR, P.DEWP_ANOMALY_AR1))
    dewp = dewp_reg[None, :] + (P.LAPSE_RATE_C_PER_M * dz * 0.3)[:, None] + rng.normal(0, 0.8, (ns, n))
    dewp = np.minimum(dewp, temp - 0.1)
    lw = (_monthly_interp(P.LOG_WSPM_MONTHLY_MEAN, times) + np.asarray(P.LOG_WSPM_DIURNAL)[hour]
          + P.LOG_WSPM_ANOMALY_SD * anomaly("wspm", P.LOG_WSPM_PM_CORR, P.LOG_WSPM_ANOMALY_AR1))
    wspm = np.exp(lw[None, :] + rng.normal(0, 0.25, (ns, n)))
    wet = rng.random((ns, n)) < _monthly_interp(P.RAIN_PROB_MONTHLY, times)[None, :]
    rain = np.where(wet, np.maximum(rng.exponential(P.RAIN_MEAN_WHEN_WET, (ns, n)), 0.1), 0.0)

    # wind direction: regime by the tercile of z (normal terciles at ±0.4307)
    regime = np.digitize(z, [-0.4307, 0.4307])
    freq = np.asarray(P.WD_FREQ_BY_REGIME, float)
    cum = np.cumsum(freq / freq.sum(axis=1, keepdims=True), axis=1)
    u = rng.random((ns, n))
    wd_idx = np.zeros((ns, n), dtype=np.int8)
    for k in range(15):  # 15 thresholds of the 16 compass points, vectorised over the array
        wd_idx += (u > cum[regime, k][None, :]).astype(np.int8)
    out.update(temp=temp, pres=pres, dewp=dewp, wspm=wspm, rain=rain)

    # ---- defects --------------------------------------------------------------------------
    rate_start = P.MISSING_HOUR_RATE / P.MISSING_GAP_MEAN_HOURS
    starts = np.flatnonzero(rng.random(ns * n) < rate_start)
    lens = rng.integers(1, int(2 * P.MISSING_GAP_MEAN_HOURS), len(starts), endpoint=True)
    idx = np.repeat(starts, lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
    idx = idx[idx < ns * n]
    gap = np.zeros(ns * n, bool)
    gap[idx] = True
    gap = gap.reshape(ns, n)
    for var in (*_POLS, "temp", "pres", "dewp", "rain", "wspm"):
        out[var] = np.where(gap, np.nan, out[var])
    wd_idx = np.where(gap, -1, wd_idx)
    for pol in _POLS:  # a few hours where only one analyser failed
        out[pol] = np.where(rng.random((ns, n)) < 0.003, np.nan, out[pol])
    for pol in _POLS:  # sentinels and small negatives
        bad = rng.random((ns, n))
        neg_value = -rng.integers(1, 6, (ns, n)).astype(float) / (10 if pol == "co" else 1)
        out[pol] = np.where(bad < P.SENTINEL_RATE, float(P.SENTINEL_VALUE), out[pol])
        neg = (bad >= P.SENTINEL_RATE) & (bad < P.SENTINEL_RATE + P.NEGATIVE_RATE)
        out[pol] = np.where(neg, neg_value, out[pol])
    day_missing = rng.random((ns, n // 24)) < P.MISSING_DAY_RATE
    keep = ~np.repeat(day_missing, 24, axis=1)

    out["wd_idx"] = wd_idx
    out["keep"] = keep
    out["time"] = times.to_numpy()
    return out


def generate_hourly(end: str | pd.Period | None = None, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Generate the SYNTHETIC hourly station data of the demo district.

    Parameters
    ----------
    end
        Last month included (``YYYY-MM``); default: the last complete month before today.
    seed
        Seed of the random generator. The output is a pure function of ``(end, seed)``, and
        the data of any month do not depend on ``end`` (each calendar year is generated whole
        from its own seed stream, continuing the AR states of the year before, then cut at
        ``end``), so adding a month never rewrites history.

    Returns
    -------
    DataFrame
        Canonical hourly frame (docs/architecture.md) *before* export rounding, with data
        defects: ``station, time, pm25, pm10, so2, no2, co`` (mg/m³), ``o3, temp, pres, dewp,
        rain, wspm, wd``, sorted by station and time. Rows of whole missing station-days are
        absent; missing hours are NaN; a few pollutant cells hold ``SENTINEL_VALUE`` or small
        negatives.
    """
    end_p = _parse_end(end)
    last = end_p.end_time.floor("h")
    carry: dict[str, np.ndarray] = {}
    blocks = [_year_block(y, seed, carry) for y in range(START.year, end_p.year + 1)]
    times = np.concatenate([b["time"] for b in blocks])
    n_keep = int(np.searchsorted(times, last.to_datetime64(), side="right"))
    times = times[:n_keep]
    keep = np.concatenate([b["keep"] for b in blocks], axis=1)[:, :n_keep].ravel()
    stations = stations_frame()["station"].to_numpy()
    ns, n = len(stations), len(times)

    def col(name: str) -> np.ndarray:
        return np.concatenate([b[name] for b in blocks], axis=1)[:, :n_keep].ravel()[keep]

    wd = np.asarray((*COMPASS16, None), dtype=object)[col("wd_idx")]
    frame = pd.DataFrame(
        {
            "station": pd.array(np.repeat(stations, n)[keep], dtype="string"),
            "time": np.tile(times, ns)[keep],
            **{k: col(k) for k in ("pm25", "pm10", "so2", "no2", "co", "o3",
                                   "temp", "pres", "dewp", "rain", "wspm")},
            "wd": pd.array(wd, dtype="string"),
        }
    )
    return frame


@dataclass(frozen=True)
class DemoResult:
    """What :func:`write_demo` wrote."""

    folder: Path
    files: tuple[Path, ...]
    end: pd.Period
    seed: int
    rows: int


README_TEXT: Final = """\
合成数据，非真实监测数据 / SYNTHETIC DATA — NOT REAL MONITORING DATA

本目录由 airlib 的演示数据生成器（airlib generate-demo）确定性生成，用于演示和测试。
区：{district}（13个镇街，统计代码取自国家统计局2023年区划代码）。
站点编号 SYN-MTG-NN 及站名均为虚构；所有浓度和气象数值均为随机模拟，
参数取自 UCI 北京多站点空气质量数据（2013-2017）的统计特征，不代表任何真实观测。

期间：{start} 至 {end}（北京时间，时间标记为小时起点：08:00 行为 08:00-09:00 的均值）
随机种子：{seed}
单位：PM2.5、PM10、SO2、NO2、O3 为 µg/m³；CO 为 mg/m³；气温、露点温度 °C；气压 hPa；
风速 m/s；风向 16方位（N、NNE…）；降水量 mm。
数据缺陷（有意加入）：缺测小时为空值；整日缺测的行不存在；-999 为仪器故障标记值；少量负值。
边界 boundaries/towns_schematic.geojson 为示意边界，非真实行政区划。

This folder was written by airlib's deterministic demo generator. Station ids, names and all
values are simulated; parameters come from statistics of the UCI Beijing multi-site data.
"""


def _export_csv(frame: pd.DataFrame) -> bytes:
    """Bureau-style CSV bytes: Chinese headers, rounded values, empty cells for missing."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    arrays = [
        pa.array(frame["station"].to_numpy(dtype=object)),
        pa.array(frame["time"].dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object)),
    ]
    names = [HEADERS_ZH["station"], HEADERS_ZH["time"]]
    for k in ("pm25", "pm10", "so2", "no2", "co", "o3", "temp", "pres", "dewp", "wspm", "wd", "rain"):
        names.append(HEADERS_ZH[k])
        if k == "wd":
            arrays.append(pa.array(frame[k].to_numpy(dtype=object, na_value=None)))
            continue
        v = np.round(frame[k].to_numpy(float), _DECIMALS[k])
        mask = np.isnan(v)
        if _DECIMALS[k] == 0:
            arrays.append(pa.array(np.where(mask, 0, v).astype(np.int64), mask=mask))
        else:
            arrays.append(pa.array(v, mask=mask))
    table = pa.table(arrays, names=[f"c{i}" for i in range(len(names))])
    buf = io.BytesIO()
    buf.write((",".join(names) + "\n").encode("utf-8"))
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return buf.getvalue()


def write_demo(out_dir: str | os.PathLike[str] | None = None, end: str | pd.Period | None = None,
               seed: int = DEFAULT_SEED) -> DemoResult:
    """Generate the demo data set and write it to ``out_dir`` (default ``data/raw/demo``).

    Files: ``synthetic_towns.csv``, ``synthetic_stations.csv``, ``synthetic_hourly_YYYY.csv``
    (one per calendar year), ``README.txt`` and ``数据说明.txt`` (both state that the data are
    synthetic), ``city/city_YYYY-MM.csv`` (synthetic city tables, :mod:`airlib.demo.city_table`),
    ``dust/dustfall.csv`` and ``dust/road_dust.csv`` (:mod:`airlib.demo.dust_sheets`),
    ``dust/sand_dust_periods.csv`` (the published-style list of the synthetic spring sand-dust
    episode added to the hourly data, :mod:`airlib.demo.sand_dust`)
    ``alerts/alert_log.csv`` (synthetic alert log, :mod:`airlib.demo.alert_log`),
    ``micro/`` (SYNTHETIC micro-stations with injected sensor faults and their truth table,
    :mod:`airlib.demo.micro_stations`) and
    ``boundaries/towns_schematic.geojson``. Every write is atomic.

    Parameters
    ----------
    out_dir
        Target folder; created if absent. Files from an earlier run with other years are removed
        so that the folder matches ``(end, seed)`` exactly.
    end, seed
        See :func:`generate_hourly`.
    """
    from airlib.demo.sand_dust import add_sand_dust_episode, write_sand_dust_periods
    from airlib.paths import raw_dir

    folder = Path(out_dir) if out_dir is not None else raw_dir() / "demo"
    end_p = _parse_end(end)
    hourly = add_sand_dust_episode(generate_hourly(end_p, seed), end_p)  # SYNTHETIC dust (airlib.demo.sand_dust)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []

    towns = towns_frame()
    towns_zh = towns.rename(columns={
        "town_code": "街乡代码", "town_name": "街乡名称", "district_code": "区代码",
        "district_name": "区名称", "kind": "类型", "aliases": "别名", "lon": "经度",
        "lat": "纬度", "elevation_m": "海拔",
    }).drop(columns=["site"])
    p = folder / "synthetic_towns.csv"
    atomic_write_bytes(p, towns_zh.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    files.append(p)
    stations_zh = stations_frame().rename(columns={
        "station": "站点编号", "station_name": "站点名称", "town_code": "街乡代码",
        "lon": "经度", "lat": "纬度", "source": "来源",
    })
    p = folder / "synthetic_stations.csv"
    atomic_write_bytes(p, stations_zh.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    files.append(p)

    years = hourly["time"].dt.year.to_numpy()
    wanted = set()
    for y in np.unique(years):
        p = folder / f"synthetic_hourly_{int(y)}.csv"
        atomic_write_bytes(p, _export_csv(hourly.loc[years == y]))
        files.append(p)
        wanted.add(p.name)
    for old in folder.glob("synthetic_hourly_*.csv"):
        if old.name not in wanted:
            old.unlink()

    text = README_TEXT.format(district=DISTRICT_NAME, start=f"{START:%Y-%m}", end=str(end_p),
                              seed=seed)
    for name in ("README.txt", "数据说明.txt"):
        p = folder / name
        atomic_write_bytes(p, text.encode("utf-8"))
        files.append(p)

    from airlib.demo.city_table import write_demo_city_tables

    files.extend(write_demo_city_tables(folder / "city", hourly, DISTRICT_NAME, seed))
    from airlib.demo.dust_sheets import write_dust_sheets

    files.extend(write_dust_sheets(folder, pd.Period(START, freq="M"), end_p, seed))  # dust/ (docs/dust.md)
    files.extend(write_sand_dust_periods(folder, end_p))
    from airlib.demo.tsp_sheets import write_demo_tsp

    files.append(write_demo_tsp(folder, end_p, seed))  # SYNTHETIC half-monthly TSP (dust/tsp_halfmonthly.csv)
    from airlib.demo.forecasts import write_demo_forecasts

    files.extend(write_demo_forecasts(folder, hourly, towns, stations_frame(), DISTRICT_NAME, seed))

    from airlib.demo.alert_log import write_demo_alert_log

    files.extend(write_demo_alert_log(folder, hourly, stations_frame(), towns))
    from airlib.demo.micro_stations import write_micro_stations

    files.extend(write_micro_stations(folder, hourly, end_p, seed))  # SYNTHETIC 小微站 with faults (micro/)

    geo = schematic_town_polygons()
    p = folder / "boundaries" / "towns_schematic.geojson"
    atomic_write_bytes(p, geo.to_json(ensure_ascii=False, indent=None).encode("utf-8"))
    files.append(p)
    return DemoResult(folder=folder, files=tuple(files), end=end_p, seed=seed, rows=len(hourly))
