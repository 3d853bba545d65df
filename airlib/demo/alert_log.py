"""SYNTHETIC alert log of the demo district (合成数据，非真实预警记录), issue #15 item 6.

Written by ``airlib generate-demo`` to ``data/raw/demo/alerts/alert_log.csv`` in the format
:func:`airlib.io.alert_log.read_alert_log` reads (预警级别, 发布时间, 开始时间, 解除时间, 区域), with a
first comment line saying the data are synthetic. Consistent with the demo's hourly data:

* one alert per heavy-pollution episode of the demo district's daily AQI
  (:func:`observed_episodes`, today's :func:`airlib.standards.pollution_days.classify_episodes`
  through :func:`airlib.tracking.alerts.daily_episodes`, scheme ``mee-2017``), issued at 16:00
  and in force from 20:00 the evening before the
  episode's first day until midnight after its last day, at the episode's level;
* the first episode of level orange or red that lasts at least two days is issued one level
  lower and **upgraded** (升级为…) at midnight of its second day;
* one **deliberate miss**: the second episode (when there are at least three) gets no alert;
* one **false alarm**: a 24-hour blue alert from 20:00 of the cleanest winter day (Dec–Feb) that is
  at least ten days from every episode.

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
from airlib.standards.aqi import daily_aqi
from airlib.standards.validity import daily_statistics
from airlib.tracking.aggregation import aggregate_daily
from airlib.tracking.alerts import daily_episodes

__all__ = ["ALERT_LOG_PATH", "district_daily_aqi", "observed_episodes", "demo_alert_log", "write_demo_alert_log"]

#: Path of the log inside the demo folder.
ALERT_LOG_PATH = Path("alerts") / "alert_log.csv"
_COMMENT = "# SYNTHETIC 合成数据：演示区预警记录，由 airlib generate-demo 生成，非真实预警（含一次漏报、一次空报、一次升级）"


def district_daily_aqi(hourly: pd.DataFrame, stations: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    """Daily AQI of the demo district (``date``, ``aqi``) from its raw hourly data, after the
    quality control the readers apply (the demo's sentinels and negatives become missing)."""
    clean = apply_qc(hourly, QCReport())
    ddaily = aggregate_daily(daily_statistics(clean), stations, level="district", towns=towns)
    return daily_aqi(ddaily)[["date", "aqi"]]


def observed_episodes(district_aqi: pd.DataFrame) -> pd.DataFrame:
    """Heavy-pollution episodes of the district's daily AQI (the one place the demo finds them):
    :func:`airlib.tracking.alerts.daily_episodes` (``start``, ``end`` exclusive, ``level``); after
    #15 is merged this becomes ``airlib.standards.alerts.alert_episodes`` on the rolling 24-h AQI.
    """
    return daily_episodes(district_aqi)


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
        end = pd.Timestamp(e["end"])  # exclusive: midnight after the last day
        rank = LEVEL_ORDER.index(e["level"])
        if not upgraded and rank >= 2 and end - first >= pd.Timedelta(days=2):
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
        for s, e in zip(ep["start"], ep["end"]):
            far &= (dates < pd.Timestamp(s) - pd.Timedelta(days=10)) | (dates >= pd.Timestamp(e) + pd.Timedelta(days=10))
        cand = d[heating & far]
        if len(cand):
            day = pd.Timestamp(cand.sort_values(["aqi", "date"])["date"].iloc[0])
            start = day + pd.Timedelta(hours=20)
            rows.append((LEVEL_ZH["blue"], start - pd.Timedelta(hours=4), start, start + pd.Timedelta(days=1)))
    out = pd.DataFrame(rows, columns=["预警级别", "发布时间", "开始时间", "解除时间"])
    out["区域"] = DISTRICT_NAME
    out = out.sort_values("开始时间", kind="stable").reset_index(drop=True)
    for c in ("发布时间", "开始时间", "解除时间"):
        out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d %H:%M")
    return out


def write_demo_alert_log(folder: Path, hourly: pd.DataFrame, stations: pd.DataFrame,
                         towns: pd.DataFrame) -> list[Path]:
    """Write ``<folder>/alerts/alert_log.csv`` (atomic); returns the paths written."""
    aqi = district_daily_aqi(hourly, stations, towns)
    log = demo_alert_log(observed_episodes(aqi), aqi)
    p = Path(folder) / ALERT_LOG_PATH
    text = _COMMENT + "\n" + log.to_csv(index=False, lineterminator="\n")
    atomic_write_bytes(p, text.encode("utf-8"))
    return [p]
