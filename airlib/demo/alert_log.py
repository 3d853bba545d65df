"""SYNTHETIC alert log of the demo district (合成数据，非真实预警记录), issue #15 item 6.

Written by ``airlib generate-demo`` to ``data/raw/demo/alerts/alert_log.csv`` in the format
:func:`airlib.io.alert_log.read_alert_log` reads (预警级别, 发布时间, 开始时间, 解除时间, 区域), with a
first comment line saying the data are synthetic. Consistent with the demo's hourly data:

* one alert per alert episode the demo district's observations support
  (:func:`observed_episodes` = :func:`airlib.tracking.alerts.district_episodes`: the rolling
  24-h AQI under the rules of the plan in force; the demo's plans have no ``alert_rules``, so
  the default scheme :data:`airlib.tracking.alerts.DEFAULT_ALERT_SCHEME`), issued 8 hours and in
  force 4 hours before the episode's first hour, until the episode's lift (empty 解除时间 when
  it is not lifted within the data), at the episode's level;
* the first episode of level orange or red that lasts at least two days is issued one level
  lower and **upgraded** (升级为…) 24 hours after its start;
* one **deliberate miss**: the second episode (when there are at least three) gets no alert;
* one **false alarm**: a 24-hour blue alert from 20:00 of the cleanest winter day (Dec–Feb) that is
  at least three days from every episode (the rolling-AQI episodes of the demo leave few
  clean stretches longer than that).

Deterministic: no random draws; the same hourly data give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from airlib.demo.registry import DISTRICT_NAME
from airlib.files import atomic_write_bytes
from airlib.io.alert_log import LEVEL_ORDER, LEVEL_ZH
from airlib.io.ingest.table import QCReport, apply_qc
from airlib.report.data import district_daily_aqi as report_district_daily_aqi
from airlib.tracking.alerts import district_episodes

__all__ = ["ALERT_LOG_PATH", "district_daily_aqi", "observed_episodes", "demo_alert_log", "write_demo_alert_log"]

#: Path of the log inside the demo folder.
ALERT_LOG_PATH = Path("alerts") / "alert_log.csv"
_COMMENT = "# SYNTHETIC 合成数据：演示区预警记录，由 airlib generate-demo 生成，非真实预警（含一次漏报、一次空报、一次升级）"


def _clean(hourly: pd.DataFrame) -> pd.DataFrame:
    """The raw demo hourly rows after the readers' quality control (sentinels, negatives → NaN)."""
    return apply_qc(hourly, QCReport())


def district_daily_aqi(hourly: pd.DataFrame, stations: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    """Daily AQI of the demo district (``date``, ``aqi``) from its raw hourly data, after the
    quality control the readers apply: the report's daily path
    (:func:`airlib.report.data.district_daily_aqi`). Places the false alarm."""
    clean = _clean(hourly)
    t = clean["time"]
    return report_district_daily_aqi(clean, towns, stations, t.min().normalize(), t.max().normalize())


def observed_episodes(hourly: pd.DataFrame, stations: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    """The demo district's observed alert episodes over its whole raw hourly data (after QC):
    :func:`airlib.tracking.alerts.district_episodes`, the one implementation the reports use."""
    clean = _clean(hourly)
    t = clean["time"]
    return district_episodes(clean, stations, towns, DISTRICT_NAME, t.min(), t.max() + pd.Timedelta(hours=1))


def demo_alert_log(episodes: pd.DataFrame, daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """The synthetic log (module docstring) from the episodes; ``daily`` (``date``, ``aqi``)
    places the false alarm (none without it). Columns as written to the CSV."""
    rows = []
    ep = episodes.sort_values("start").reset_index(drop=True)
    miss = 1 if len(ep) >= 3 else None
    upgraded = False
    for i, e in ep.iterrows():  # episodes: a few per winter
        if i == miss:
            continue
        first = pd.Timestamp(e["start"])
        start = first - pd.Timedelta(hours=4)
        issued = start - pd.Timedelta(hours=4)
        end = pd.Timestamp(e["end"])  # exclusive: the lift; NaT: still in force at the data's end
        rank = LEVEL_ORDER.index(e["level"])
        last = end if not pd.isna(end) else first + pd.Timedelta(hours=int(e.get("hours", 0)))
        if not upgraded and rank >= 2 and last - first >= pd.Timedelta(days=2):
            upgraded = True
            up = first + pd.Timedelta(days=1)
            rows.append((LEVEL_ZH[LEVEL_ORDER[rank - 1]], issued, start, end))
            rows.append(("升级为" + LEVEL_ZH[e["level"]], up - pd.Timedelta(hours=4), up, end))
        else:
            rows.append((LEVEL_ZH[e["level"]], issued, start, end))
    if daily is not None and len(daily):
        d = daily.dropna(subset=["aqi"])
        dates = pd.DatetimeIndex(d["date"])
        heating = ((dates.month == 12) | (dates.month <= 2))
        far = np.ones(len(d), dtype=bool)
        last = dates.max() + pd.Timedelta(days=1)
        for s, e in zip(ep["start"], ep["end"]):
            e = last if pd.isna(e) else e
            far &= (dates < pd.Timestamp(s) - pd.Timedelta(days=3)) | (dates >= pd.Timestamp(e) + pd.Timedelta(days=3))
        cand = d[heating & far]
        if len(cand):
            day = pd.Timestamp(cand.sort_values(["aqi", "date"])["date"].iloc[0])
            start = day + pd.Timedelta(hours=20)
            rows.append((LEVEL_ZH["blue"], start - pd.Timedelta(hours=4), start, start + pd.Timedelta(days=1)))
    out = pd.DataFrame(rows, columns=["预警级别", "发布时间", "开始时间", "解除时间"])
    out["区域"] = DISTRICT_NAME
    out = out.sort_values("开始时间", kind="stable").reset_index(drop=True)
    for c in ("发布时间", "开始时间", "解除时间"):
        out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d %H:%M").fillna("")
    return out


def write_demo_alert_log(folder: Path, hourly: pd.DataFrame, stations: pd.DataFrame,
                         towns: pd.DataFrame) -> list[Path]:
    """Write ``<folder>/alerts/alert_log.csv`` (atomic); returns the paths written."""
    log = demo_alert_log(observed_episodes(hourly, stations, towns), district_daily_aqi(hourly, stations, towns))
    p = Path(folder) / ALERT_LOG_PATH
    text = _COMMENT + "\n" + log.to_csv(index=False, lineterminator="\n")
    atomic_write_bytes(p, text.encode("utf-8"))
    return [p]
