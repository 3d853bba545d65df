"""Derive the demo generator's parameters from the real UCI Beijing data.

The synthetic demo district must *look like Beijing*. Every number the generator uses is
computed here from the public UCI "Beijing Multi-Site Air-Quality Data" (12 national stations,
hourly, 2013-03-01 … 2017-02-28; Zhang et al. 2017, CC BY 4.0) and then frozen as a constant,
with its source, in :mod:`airlib.demo.parameters`. The package never reads ``../shared`` at run
time; this module is only run by a developer (``python -m airlib.demo.derive_parameters``) and
by the test that checks the frozen constants against a fresh computation.

Conventions
-----------
* "regional" series = mean over the 12 stations of each hourly value (NaN-aware).
* log-PM anomaly = ``log(PM2.5) - log(monthly climatology) - diurnal log profile``.
* CO is converted from µg/m³ (as in the UCI files) to mg/m³.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from airlib.paths import shared_data_dir

__all__ = ["load_uci_multisite", "derive_all", "main"]

#: The 16-point compass in the order used by the generator.
COMPASS16: tuple[str, ...] = (
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
)

#: UCI multisite station used as the "valley" (urban-edge, west) reference: 石景山古城.
VALLEY_REFERENCE = "Gucheng"
#: UCI multisite stations used as the "foothill" references: 昌平定陵, 怀柔镇.
FOOTHILL_REFERENCES = ("Dingling", "Huairou")

UCI_FOLDER = "uci-beijing-multisite"


def load_uci_multisite(data_dir: Path | None = None) -> pd.DataFrame:
    """Read the 12 UCI multisite files into one long frame.

    Parameters
    ----------
    data_dir
        The shared data folder (default :func:`airlib.paths.shared_data_dir`).

    Returns
    -------
    DataFrame
        Columns ``station, time, pm25, pm10, so2, no2, co`` (mg/m³), ``o3, temp, pres, dewp,
        rain, wspm, wd``; ``time`` is the naive Beijing-time stamp of the UCI row.
    """
    folder = (data_dir or shared_data_dir()) / UCI_FOLDER
    files = sorted(folder.glob("PRSA_Data_*_20130301-20170228.csv"))
    if not files:
        raise FileNotFoundError(f"no UCI multisite files in {folder}")
    frames = []
    for f in files:
        d = pd.read_csv(f)
        d["time"] = pd.to_datetime(d[["year", "month", "day", "hour"]])
        d = d.rename(
            columns={
                "PM2.5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "CO": "co",
                "O3": "o3", "TEMP": "temp", "PRES": "pres", "DEWP": "dewp", "RAIN": "rain",
                "WSPM": "wspm",
            }
        )
        d["co"] = d["co"] / 1000.0
        frames.append(
            d[["station", "time", "pm25", "pm10", "so2", "no2", "co", "o3",
               "temp", "pres", "dewp", "rain", "wspm", "wd"]]
        )
    return pd.concat(frames, ignore_index=True)


def _ar1(x: np.ndarray) -> float:
    """Lag-1 autocorrelation of a series with NaNs (pairs with both values present)."""
    a, b = x[:-1], x[1:]
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def _runs_at_least(mask: np.ndarray, length: int) -> int:
    """Number of runs of True of at least ``length`` consecutive elements."""
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(int))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return int(np.sum((ends - starts) >= length))


def derive_all(data: pd.DataFrame) -> dict[str, Any]:
    """Compute every generator parameter from the UCI multisite frame.

    Parameters
    ----------
    data
        Output of :func:`load_uci_multisite`.

    Returns
    -------
    dict
        Parameter name → value (floats rounded to 4 significant decimals; lists for profiles).
    """
    out: dict[str, Any] = {}
    d = data.copy()
    d["month"] = d["time"].dt.month
    d["hour"] = d["time"].dt.hour

    # --- regional hourly series (mean over the 12 stations) ---------------------------------
    num = ["pm25", "pm10", "so2", "no2", "co", "o3", "temp", "pres", "dewp", "rain", "wspm"]
    reg = d.groupby("time")[num].mean()
    reg = reg.asfreq("h")
    month = reg.index.month.to_numpy()
    hour = reg.index.hour.to_numpy()

    # Monthly PM2.5 climatology (µg/m³), all stations, 2013-03..2017-02 (4 of each month).
    clim = d.groupby("month")["pm25"].mean()
    out["PM25_MONTHLY_MEAN"] = [round(float(v), 1) for v in clim.to_numpy()]
    out["PM25_OVERALL_MEAN"] = round(float(d["pm25"].mean()), 2)
    p999 = d.groupby("month")["pm25"].quantile(0.999)
    out["PM25_MONTHLY_P999"] = [round(float(v), 1) for v in p999.to_numpy()]

    # Diurnal profile of log PM2.5 (deviation of hourly mean log from its daily mean).
    lp = np.log(reg["pm25"].clip(lower=1.0).to_numpy())
    lclim = pd.Series(lp).groupby(month).transform("mean").to_numpy()
    dev = lp - lclim
    diurnal = pd.Series(dev).groupby(hour).mean()
    diurnal = diurnal - diurnal.mean()
    out["PM25_DIURNAL_LOG"] = [round(float(v), 4) for v in diurnal.to_numpy()]

    anom = dev - diurnal.to_numpy()[hour]
    out["PM25_LOG_ANOMALY_SD"] = round(float(np.nanstd(anom)), 4)
    out["PM25_LOG_ANOMALY_AR1"] = round(_ar1(anom), 4)

    # Station deviation from the regional log series: sd and lag-1 autocorrelation.
    st = d.pivot_table(index="time", columns="station", values="pm25").asfreq("h")
    lst = np.log(st.clip(lower=1.0))
    sdev = lst.sub(np.log(reg["pm25"].clip(lower=1.0)), axis=0)
    sdev = sdev - sdev.mean()
    out["STATION_LOG_DEV_SD"] = round(float(np.nanstd(sdev.to_numpy())), 4)
    out["STATION_LOG_DEV_AR1"] = round(
        float(np.mean([_ar1(sdev[c].to_numpy()) for c in sdev.columns])), 4
    )

    # Site-type factors: station mean PM2.5 / all-station mean.
    smean = d.groupby("station")["pm25"].mean()
    allmean = d["pm25"].mean()
    out["SITE_FACTOR_VALLEY"] = round(float(smean[VALLEY_REFERENCE] / allmean), 4)
    out["SITE_FACTOR_FOOTHILL"] = round(
        float(np.mean([smean[s] for s in FOOTHILL_REFERENCES]) / allmean), 4
    )
    out["SITE_FACTOR_MIN"] = round(float(smean.min() / allmean), 4)

    # Pollutants vs PM2.5: log X = a_month + b log PM2.5 + e (pooled hourly station data).
    lpm = np.log(d["pm25"].clip(lower=1.0).to_numpy())
    mdum = np.eye(12)[d["month"].to_numpy() - 1]
    hdum = np.eye(24)[d["hour"].to_numpy()][:, 1:]
    for pol in ("pm10", "so2", "no2", "co", "o3"):
        y = np.log(d[pol].clip(lower=0.1 if pol == "co" else 1.0).to_numpy())
        ok = np.isfinite(y) & np.isfinite(lpm) & d["pm25"].notna().to_numpy() & d[pol].notna().to_numpy()
        cols = [mdum, lpm[:, None]] + ([hdum] if pol == "o3" else [])
        X = np.hstack(cols)[ok]
        coef, *_ = np.linalg.lstsq(X, y[ok], rcond=None)
        resid = y[ok] - X @ coef
        key = pol.upper()
        out[f"{key}_LOG_INTERCEPT_MONTHLY"] = [round(float(v), 4) for v in coef[:12]]
        out[f"{key}_LOG_SLOPE"] = round(float(coef[12]), 4)
        out[f"{key}_LOG_RESID_SD"] = round(float(resid.std()), 4)
        p999 = d.groupby("month")[pol].quantile(0.999)
        out[f"{key}_MONTHLY_P999"] = [round(float(v), 3 if pol == "co" else 1) for v in p999.to_numpy()]
        if pol == "o3":
            h = np.concatenate([[0.0], coef[13:]])
            out["O3_DIURNAL_LOG"] = [round(float(v - h.mean()), 4) for v in h]
            # the intercept absorbs the hour-0 level; re-centre on the mean hour
            out["O3_LOG_INTERCEPT_MONTHLY"] = [
                round(float(v + h.mean()), 4) for v in coef[:12]
            ]

    # Meteorology: monthly means / sds of regional anomalies, diurnal temperature profile,
    # correlation with the log-PM anomaly (the stagnation coupling), lag-1 autocorrelation.
    for var in ("temp", "pres", "dewp"):
        s = reg[var].to_numpy()
        mm = pd.Series(s).groupby(month).mean()
        out[f"{var.upper()}_MONTHLY_MEAN"] = [round(float(v), 2) for v in mm.to_numpy()]
        a = s - mm.to_numpy()[month - 1]
        if var == "temp":
            prof = pd.Series(a).groupby(hour).mean()
            out["TEMP_DIURNAL"] = [round(float(v), 3) for v in prof.to_numpy()]
            a = a - prof.to_numpy()[hour]
        out[f"{var.upper()}_ANOMALY_SD"] = round(float(np.nanstd(a)), 3)
        out[f"{var.upper()}_ANOMALY_AR1"] = round(_ar1(a), 4)
        ok = np.isfinite(a) & np.isfinite(anom)
        out[f"{var.upper()}_PM_CORR"] = round(float(np.corrcoef(a[ok], anom[ok])[0, 1]), 4)
    lw = np.log(reg["wspm"].clip(lower=0.1).to_numpy())
    mm = pd.Series(lw).groupby(month).mean()
    out["LOG_WSPM_MONTHLY_MEAN"] = [round(float(v), 4) for v in mm.to_numpy()]
    a = lw - mm.to_numpy()[month - 1]
    prof = pd.Series(a).groupby(hour).mean()
    out["LOG_WSPM_DIURNAL"] = [round(float(v), 4) for v in prof.to_numpy()]
    a = a - prof.to_numpy()[hour]
    out["LOG_WSPM_ANOMALY_SD"] = round(float(np.nanstd(a)), 4)
    out["LOG_WSPM_ANOMALY_AR1"] = round(_ar1(a), 4)
    ok = np.isfinite(a) & np.isfinite(anom)
    out["LOG_WSPM_PM_CORR"] = round(float(np.corrcoef(a[ok], anom[ok])[0, 1]), 4)

    # Rain: hourly probability of rain > 0 by month (station data) and mean amount when raining.
    rain = d[["month", "rain"]].dropna()
    out["RAIN_PROB_MONTHLY"] = [
        round(float(v), 4) for v in rain.groupby("month")["rain"].apply(lambda r: (r > 0).mean())
    ]
    out["RAIN_MEAN_WHEN_WET"] = round(float(rain.loc[rain["rain"] > 0, "rain"].mean()), 3)

    # Wind direction by PM regime: frequency of each compass point in the lowest, middle and
    # highest tercile of the station log-PM anomaly.
    sd = d[["time", "station", "wd", "pm25"]].dropna().copy()
    ra = pd.Series(anom, index=reg.index)
    sd["anom"] = ra.reindex(sd["time"]).to_numpy()
    sd = sd.dropna(subset=["anom"])
    q = np.quantile(sd["anom"], [1 / 3, 2 / 3])
    sd["regime"] = np.digitize(sd["anom"], q)
    tab = pd.crosstab(sd["regime"], sd["wd"], normalize="index").reindex(columns=list(COMPASS16))
    out["WD_FREQ_BY_REGIME"] = [[round(float(v), 4) for v in row] for row in tab.to_numpy()]

    # Missing data: hourly PM2.5 missing rate; share of station-days with all 24 h missing.
    out["MISSING_HOUR_RATE"] = round(float(d["pm25"].isna().mean()), 4)
    day = d.assign(date=d["time"].dt.floor("D")).groupby(["station", "date"])["pm25"].count()
    out["MISSING_DAY_RATE"] = round(float((day == 0).mean()), 4)

    # Heavy-pollution episodes: runs of >= 2 days of regional daily PM2.5 > 150 µg/m³ (AQI > 200)
    # per winter (Nov-Feb), winters 2013-14 .. 2016-17.
    daily = reg["pm25"].resample("D").mean()
    winters = []
    for y in (2013, 2014, 2015, 2016):
        w = daily[f"{y}-11-01":f"{y + 1}-02-28"]
        winters.append(_runs_at_least((w > 150).to_numpy(), 2))
    out["EPISODES_PER_WINTER"] = round(float(np.mean(winters)), 2)
    out["EPISODES_PER_WINTER_BY_YEAR"] = winters
    out["HEAVY_DAYS_PER_YEAR"] = round(float((daily > 150).sum() / 4.0), 1)

    # Month-to-month variation of monthly means: the regional monthly log mean with the
    # calendar-month mean and a linear trend removed (sd, lag-1 autocorrelation), the regional
    # monthly year-on-year change (sd, median absolute), and each station's monthly log mean
    # minus the regional one, station mean removed (sd, lag-1 autocorrelation across months).
    per = d["time"].dt.to_period("M")
    sm = d.groupby([per, d["station"]])["pm25"].mean().unstack("station")
    reg_m = sm.mean(axis=1)
    lr = np.log(reg_m)
    an = lr - lr.groupby(lr.index.month).transform("mean")
    t = np.arange(len(an), dtype=float)
    an = an - np.polyval(np.polyfit(t, an.to_numpy(), 1), t)
    out["PM25_MONTHLY_LOG_ANOMALY_SD"] = round(float(an.std(ddof=1)), 4)
    out["PM25_MONTHLY_LOG_ANOMALY_AR1"] = round(_ar1(an.to_numpy()), 4)
    yoy = (reg_m / reg_m.shift(12) - 1).dropna() * 100
    out["PM25_MONTHLY_YOY_SD"] = round(float(yoy.std(ddof=1)), 1)
    out["PM25_MONTHLY_YOY_MEDIAN_ABS"] = round(float(yoy.abs().median()), 1)
    dev = np.log(sm).sub(lr, axis=0)
    dev = (dev - dev.mean()).to_numpy()
    out["STATION_MONTHLY_LOG_DEV_SD"] = round(float(np.nanstd(dev, ddof=1)), 4)
    a, b = dev[:-1].ravel(), dev[1:].ravel()
    ok = np.isfinite(a) & np.isfinite(b)
    out["STATION_MONTHLY_LOG_DEV_AR1"] = round(float(np.corrcoef(a[ok], b[ok])[0, 1]), 4)

    # Year-on-year trend: annual (Mar-Feb) mean PM2.5 of all stations, log-linear fit.
    yr = np.where(d["month"] >= 3, d["time"].dt.year, d["time"].dt.year - 1)
    ann = d.groupby(yr)["pm25"].mean()
    slope = np.polyfit(ann.index.to_numpy(float), np.log(ann.to_numpy()), 1)[0]
    out["ANNUAL_MEAN_BY_YEAR"] = [round(float(v), 1) for v in ann.to_numpy()]
    out["ANNUAL_TREND_FACTOR"] = round(float(np.exp(slope)), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the derived parameters as JSON (``python -m airlib.demo.derive_parameters``)."""
    data = load_uci_multisite()
    params = derive_all(data)
    json.dump(params, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
