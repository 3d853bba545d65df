"""The daily report (日报, issue #15 item 5): ``airlib daily --district … --date …``.

One day of one district, for the day before by default: per town the day's AQI, category and
primary pollutant, the district's hourly AQI curve with the category bands, data completeness,
and — when the frames are given — the rolling 24-h status, the episodes of the day, the alert
in force and the forecast for the next days. ``notebooks/daily_report.ipynb`` (papermill) calls
:func:`start` and :func:`sections`; :func:`run_daily` runs it in a staging folder and publishes
``reports/<district>/daily/<YYYY-MM-DD>/`` atomically like the monthly report
(:mod:`airlib.report.running`: a failed run keeps the previous outputs).

Reuse (one rule, one implementation): daily AQI through
:func:`airlib.tracking.bulletin.valid_daily_aqi` (the monthly report's
:func:`airlib.report.data.district_daily_aqi` path: :func:`airlib.standards.validity.daily_statistics`
→ :func:`airlib.tracking.aggregation.aggregate_daily` → :func:`airlib.standards.aqi.daily_aqi`);
hourly AQI through :func:`airlib.standards.aqi.hourly_aqi` on
:func:`airlib.standards.validity.rolling_8h`/:func:`~airlib.standards.validity.rolling_24h`.

The Xicheng October 2017 guarantee plan (seed 000, 西城 2017-10 保障方案) asks every unit to
report "每日12：00前" to the district's air-pollution leading-group office; the report's
closing line quotes that duty (:data:`REPORTING_NOTE`). The rolling AQI, episodes, alert log and
forecasts are inputs (frames of the shared interfaces of issue #15: A2
``airlib.standards.alerts.rolling_aqi``/``alert_episodes``, A3
``airlib.io.alert_log.read_alert_log``, A1 ``airlib.io.forecasts.read_forecasts``); this module
renders them when given and says nothing when not (:func:`optional_inputs` is where they are
wired in).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.errors import AirlibError
from airlib.escaping import html_text
from airlib.paths import PROJECT_ROOT, project_root as default_project_root
from airlib.report.config import DistrictConfig, check_district_name, district_config, inside_project

__all__ = [
    "DAILY_NOTEBOOK", "DailyData", "DailyRequest", "DailyResult", "REPORTING_NOTE", "alert_in_force_html",
    "completeness", "daily_command", "demo_daily", "daily_folder", "daily_output_names", "day_episodes_html",
    "district_hourly_aqi", "forecast_html", "hourly_figure", "optional_inputs", "parse_day", "prepare_daily",
    "rolling_status_html", "run_daily", "run_daily_all", "sections", "start", "summary_sentence", "town_daily_aqi",
]

#: The daily report notebook shipped with airlib.
DAILY_NOTEBOOK: Final[Path] = PROJECT_ROOT / "notebooks" / "daily_report.ipynb"

#: Closing line of the report: the daily-report duty of seed 000 (西城区 2017年10月空气质量保障方案:
#: "10月11日-10月25日期间，每日12：00前向区大气污染综合治理领导小组办公室（区环保局）报送当日空气质量
#: 保障措施督查检查和执法检查情况"), in the words of that plan.
REPORTING_NOTE: Final[str] = ("保障期间，本日报于每日12：00前报送区大气污染综合治理领导小组办公室（区环保局），"
                              "与当日空气质量保障措施督查检查和执法检查情况一并报送。")


# --------------------------------------------------------------------------------- request
def parse_day(value: Any = None, today: dt.date | None = None) -> pd.Timestamp:
    """The report day as midnight (Beijing time, naive).

    Parameters
    ----------
    value : str, date or None
        ``YYYY-MM-DD``; None: yesterday (Beijing date, :func:`airlib.periods.beijing_today`).
    today : date, optional
        "Today" (tests).

    Raises
    ------
    AirlibError
        Not ``YYYY-MM-DD``, or not a past day (today is not complete yet).
    """
    from airlib.periods import beijing_today

    today = beijing_today() if today is None else today
    if value is None or (isinstance(value, str) and not value.strip()):
        return pd.Timestamp(today) - pd.Timedelta(days=1)
    text = str(value).strip()
    try:
        day = pd.Timestamp(dt.date.fromisoformat(text)) if isinstance(value, str) else pd.Timestamp(value).normalize()
    except ValueError:
        raise AirlibError(f"--date {text!r} is not a date; give YYYY-MM-DD, e.g. 2018-01-15") from None
    if day.date() >= today:
        raise AirlibError(f"--date {day.date()} is not complete yet (today is {today}, Beijing time); "
                          "the daily report covers a past day, by default yesterday")
    return day


def daily_folder(cfg: DistrictConfig, day: pd.Timestamp, project_root: Path | None = None) -> Path:
    """``reports/<district>/daily/<YYYY-MM-DD>/`` (resolved inside ``reports/``)."""
    check_district_name(cfg.slug)
    base = inside_project("reports", project_root)
    full = base.joinpath(cfg.slug, "daily", f"{day.date()}").resolve()
    if base.resolve() not in full.parents:
        raise AirlibError(f"{full} is outside {base}; refusing to write there")
    return full


def daily_output_names(cfg: DistrictConfig, day: pd.Timestamp) -> dict[str, str]:
    """File names of a daily run: ``notebook``, ``pdf``, ``record``, ``figures`` (folder)."""
    d = f"{day.date()}"
    return {"notebook": "daily_report.ipynb", "pdf": f"{cfg.slug}_{d}_空气质量日报.pdf",
            "record": f"{cfg.slug}_{d}_日报运行记录.json", "figures": "figures"}


@dataclass(frozen=True)
class DailyRequest:
    """One daily report, checked once by :meth:`build`.

    Attributes
    ----------
    config : DistrictConfig
    day : Timestamp
        Report day, midnight (Beijing time).
    project_root : Path
    output_dir : Path
        Folder of ``figures/`` (the run's staging folder, or a temporary one by hand).
    """

    config: DistrictConfig
    day: pd.Timestamp
    project_root: Path
    output_dir: Path

    @property
    def figure_dir(self) -> Path:
        """``<output_dir>/figures``."""
        return self.output_dir / daily_output_names(self.config, self.day)["figures"]

    @classmethod
    def build(cls, district: str, day: Any = None, *, project_root: str | os.PathLike[str] | None = None,
              output_dir: str | os.PathLike[str] | None = None, today: dt.date | None = None,
              check_inputs: bool = True) -> DailyRequest:
        """Check district, day and that the store has hourly rows of that day.

        Raises
        ------
        AirlibError
            Unknown district, bad or future date, no store, or no data for the day (the message
            names the months the store has).
        """
        from airlib.report.request import available_months, store_dir

        check_district_name(district)
        root_p = Path(project_root).resolve() if project_root is not None else default_project_root()
        cfg = district_config(district, root_p)
        d = parse_day(day, today)
        if check_inputs:
            from airlib.io.store import read_hourly

            store = store_dir(cfg, root_p)
            months = available_months(cfg, root_p)
            span = f"{months[0]} to {months[-1]}" if months else "none"
            if not months:
                raise AirlibError(f"no processed data for {cfg.name} in {store}; run `airlib demo` (demo) or "
                                  "`airlib ingest` first")
            rows = pd.DataFrame()
            if d.to_period("M") in months:
                rows = read_hourly(store.parent, store.name, start=f"{d.date()}", end=f"{d.date()}",
                                   columns=["pm25"])
            if rows.empty:
                raise AirlibError(f"no data for {cfg.name} on {d.date()}; months with data: {span}; "
                                  "give --date YYYY-MM-DD of a day in the store")
        out = Path(output_dir) if output_dir is not None else Path(tempfile.mkdtemp(prefix="airlib-daily-"))
        return cls(config=cfg, day=d, project_root=root_p, output_dir=out)

    def parameters(self) -> dict[str, Any]:
        """Papermill parameters of the daily notebook."""
        return {"district": self.config.name, "date": f"{self.day.date()}",
                "project_root": str(self.project_root), "output_dir": str(self.output_dir)}


# --------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class DailyData:
    """Everything the daily report shows (frames typed as the functions that build them).

    ``towns``: :func:`town_daily_aqi`; ``district``: one row of the same columns for the
    district; ``hourly``: :func:`district_hourly_aqi`; ``completeness``: :func:`completeness`;
    ``station_sets``: :func:`airlib.report.data.station_set_facts` of the day's month (None:
    not stated). The four optional frames are those of the shared interfaces of issue #15 (None: absent).
    """

    config: DistrictConfig
    day: pd.Timestamp
    towns: pd.DataFrame
    district: pd.DataFrame
    hourly: pd.DataFrame
    completeness: pd.DataFrame
    rolling: pd.DataFrame | None = None
    episodes: pd.DataFrame | None = None
    alert_log: pd.DataFrame | None = None
    forecasts: pd.DataFrame | None = None
    station_sets: dict[str, Any] | None = None


def _district_stations(towns: pd.DataFrame, stations: pd.DataFrame, district_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if "district_code" in towns:
        towns = towns[towns["district_code"].astype("string") == district_code]
    stations = stations[stations["town_code"].isin(towns["town_code"])]
    return towns, stations


def town_daily_aqi(hourly: pd.DataFrame, towns: pd.DataFrame, stations: pd.DataFrame,
                   day: pd.Timestamp, *, hourly_district: pd.DataFrame | None = None,
                   district_stations: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily AQI [dimensionless] per town and for the district on ``day``.

    The monthly report's path (:func:`airlib.report.data.district_daily_aqi`): station daily
    statistics (:func:`airlib.standards.validity.daily_statistics`), town/district means of the
    valid station values (:func:`airlib.tracking.aggregation.aggregate_daily`), daily AQI of the
    valid values (:func:`airlib.tracking.bulletin.valid_daily_aqi`, HJ 633 日报).

    ``hourly_district``/``district_stations``: the rows and (month-keyed) set of the stations
    behind the district values (docs/stations.md "District values"); None: the towns'.

    Returns
    -------
    (DataFrame, DataFrame)
        Towns in registry order: ``town_code``, ``town_name``, ``aqi`` (Int64), ``level``,
        ``category``, ``primary_pollutant``, ``n_stations``, ``n_valid`` (stations with a valid
        daily PM2.5); and the district's one row (``district_code`` …, same columns).
    """
    from airlib.pollutants import POLLUTANTS
    from airlib.standards.validity import daily_statistics
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.bulletin import valid_daily_aqi

    present = [p for p in POLLUTANTS if p in hourly.columns]
    sdaily = daily_statistics(hourly, pollutants=present, start=day, end=day)
    sdaily = sdaily[sdaily["date"] == day]
    keep = ["aqi", "level", "category", "primary_pollutant"]

    def _with_counts(agg: pd.DataFrame, key: str) -> pd.DataFrame:
        out = valid_daily_aqi(agg, key, full=True)[[key, *keep]]
        n_valid = agg.get("pm25_n_valid_stations", pd.Series(0, index=agg.index))
        counts = pd.DataFrame({key: agg[key].to_numpy(), "n_stations": agg["n_stations"].to_numpy(),
                               "n_valid": n_valid.to_numpy()})
        return out.merge(counts, on=key, how="left")

    tdaily = aggregate_daily(sdaily, stations, level="town")
    tdaily = tdaily[tdaily["date"] == day]
    town = towns[["town_code", "town_name"]].merge(_with_counts(tdaily, "town_code"), on="town_code", how="left")
    if hourly_district is not None and hourly_district is not hourly:
        sdaily = daily_statistics(hourly_district, pollutants=present, start=day, end=day)
        sdaily = sdaily[sdaily["date"] == day]
    ddaily = aggregate_daily(sdaily, stations if district_stations is None else district_stations,
                             level="district", towns=towns)
    ddaily = ddaily[ddaily["date"] == day]
    return town.reset_index(drop=True), _with_counts(ddaily, "district_code").reset_index(drop=True)


def district_hourly_aqi(hourly: pd.DataFrame, day: pd.Timestamp, district_code: str) -> pd.DataFrame:
    """The district's hourly (real-time) AQI of ``day``, 24 rows (hour-beginning labels).

    District hourly concentrations are the mean over the district's stations reporting that
    hour (the district as one site, as for its daily values); the real-time AQI is
    :func:`airlib.standards.aqi.hourly_aqi` of them under its default rule, the platform's
    (CNEMC real-time release; HJ 633—2026 §4.2.3/§4.2.4): the 1-h ``pm25``/``pm10`` on the
    24-hour breakpoints and the 1-h ``so2, no2, co, o3`` on their 1-hour breakpoints.

    Returns
    -------
    DataFrame
        ``time``, ``aqi`` (Int64, NA when not published), ``level``, ``category``,
        ``primary_pollutant``, ``n_stations`` (stations with a PM2.5 value that hour).
    """
    from airlib.pollutants import POLLUTANTS
    from airlib.standards.aqi import hourly_aqi

    on_day = hourly[((hourly["time"] >= day) & (hourly["time"] < day + pd.Timedelta(days=1))).to_numpy(dtype=bool)]
    present = [p for p in POLLUTANTS if p in on_day.columns]
    grouped = on_day.groupby("time", sort=True)
    mean = grouped[present].mean().reindex(pd.date_range(day, periods=24, freq="h"))
    mean.index.name = "time"
    n = grouped["pm25"].count() if "pm25" in on_day else pd.Series(0, index=mean.index)
    frame = mean.reset_index()
    frame.insert(0, "station", district_code)
    rep = hourly_aqi(frame[["station", "time", *present]])
    out = rep[["time", "aqi", "level", "category", "primary_pollutant"]].copy()
    out["n_stations"] = out["time"].map(n).fillna(0).astype("int64")
    return out.reset_index(drop=True)


def completeness(hourly: pd.DataFrame, stations: pd.DataFrame, towns_daily: pd.DataFrame,
                 day: pd.Timestamp) -> pd.DataFrame:
    """Data completeness of the day: one row ``n_stations`` (registry), ``n_reporting``
    (stations with any PM2.5 hour), ``n_valid`` (stations with a valid daily PM2.5, GB 3095
    Table 4: ≥ 20 hours), ``hours_expected``, ``hours_reported`` (station-hours with PM2.5)."""
    on_day = hourly[(hourly["time"] >= day) & (hourly["time"] < day + pd.Timedelta(days=1))]
    has = on_day[on_day["pm25"].notna()] if "pm25" in on_day else on_day.iloc[0:0]
    n_st = int(stations["station"].nunique())
    return pd.DataFrame({
        "n_stations": [n_st], "n_reporting": [int(has["station"].nunique())],
        "n_valid": [int(pd.to_numeric(towns_daily["n_valid"], errors="coerce").fillna(0).sum())],
        "hours_expected": [24 * n_st], "hours_reported": [len(has)],
    })


#: Days read before the report day for the episodes overlapping it (an episode's start and
#: merged processes). Episodes that started earlier are shown from the first hour read. Cost
#: measured on the demo (26 stations): reading and the district rolling AQI + episodes of 30
#: days take about 0.2 s more than the two days the daily values need (0.23–0.28 s against
#: 0.05–0.10 s for prepare_daily of a demo day; docs/report.md).
EPISODE_LOOKBACK_DAYS: Final[int] = 30


def optional_inputs(cfg: DistrictConfig, day: pd.Timestamp, hourly: pd.DataFrame, towns: pd.DataFrame,
                    stations: pd.DataFrame, project_root: Path, *, hourly_district: pd.DataFrame | None = None,
                    district_stations: pd.DataFrame | None = None) -> dict[str, pd.DataFrame | None]:
    """The parts of issue #15 in the daily report.

    * ``rolling``: rolling 24-h AQI (:func:`airlib.tracking.rolling_aqi.unit_rolling_aqi`) of the
      towns (registry order) and the district (``全区``) at the day's last hour: ``unit``,
      ``time``, ``aqi``, ``category``, ``valid``;
    * ``episodes``: the district's observed alert episodes overlapping the day
      (:func:`airlib.tracking.alerts.district_episodes` under the configured plans) from
      ``hourly`` (the :data:`EPISODE_LOOKBACK_DAYS` days before the day and the day);
    * ``alert_log``: the district's and 全市 rows of ``read_alert_log`` of key ``alert_log``;
    * ``forecasts``: ``read_forecasts`` of key ``forecasts``.

    Not configured: None (the report says nothing). Configured but missing or unreadable: an
    error naming the key and file (:func:`airlib.report.data.read_configured`, as the monthly report).
    The district's rows come from ``hourly_district`` and ``district_stations`` (the stations
    behind the district values, docs/stations.md) when given, else from the towns'.
    """
    from airlib.io.alert_log import read_alert_log
    from airlib.io.forecasts import read_forecasts
    from airlib.report.data import configured_plans, read_configured
    from airlib.tracking.alerts import district_episodes
    from airlib.tracking.rolling_aqi import unit_rolling_aqi

    last = day + pd.Timedelta(hours=23)
    end = day + pd.Timedelta(days=1)
    two = hourly[(hourly["time"] >= day - pd.Timedelta(days=1)).to_numpy(dtype=bool)]
    town_r = unit_rolling_aqi(two, stations, level="town")
    town_r = towns[["town_code", "town_name"]].merge(town_r[town_r["time"] == last], on="town_code", how="left")
    hd = hourly if hourly_district is None else hourly_district
    ds = stations if district_stations is None else district_stations
    district_r = unit_rolling_aqi(hd, ds, level="district", towns=towns)
    d_last = district_r[district_r["time"] == last]
    cols = ["unit", "time", "aqi", "category", "valid"]
    rolling = pd.concat([
        town_r.assign(unit=town_r["town_name"].astype("string"), time=last,
                      valid=town_r["valid"].fillna(False).astype(bool))[cols],
        d_last.assign(unit="全区")[cols]], ignore_index=True)
    episodes = district_episodes(hd, ds, towns, cfg.name, day, end,
                                 plans=configured_plans(cfg, project_root), rolling=district_r)
    log = read_configured(cfg, "alert_log", project_root, read_alert_log)
    if log is not None:
        log = log[log["area"].isin([cfg.name, "全市"]).to_numpy(dtype=bool)].reset_index(drop=True)
    return {"rolling": rolling, "episodes": episodes, "alert_log": log,
            "forecasts": read_configured(cfg, "forecasts", project_root, read_forecasts)}


def prepare_daily(request: DailyRequest, *, rolling: pd.DataFrame | None = None,
                  episodes: pd.DataFrame | None = None, alert_log: pd.DataFrame | None = None,
                  forecasts: pd.DataFrame | None = None, wire: bool = True) -> DailyData:
    """Read the store from :data:`EPISODE_LOOKBACK_DAYS` days before the day to the day and
    build :class:`DailyData`: the daily values from the day (and the day before, for the rolling
    windows), the optional frames from :func:`optional_inputs` (``wire=False``: only those
    given here)."""
    from airlib.io.store import read_hourly
    from airlib.io.station_classes import load_station_classes
    from airlib.report.request import read_registry, station_classes_path, store_dir
    from airlib.report.data import station_set_facts
    from airlib.tracking.station_sets import report_station_sets, rows_in_sets, stations_for_months

    cfg, day = request.config, request.day
    store = store_dir(cfg, request.project_root)
    first = day - pd.Timedelta(days=EPISODE_LOOKBACK_DAYS if wire else 1)
    hourly = read_hourly(store.parent, store.name, start=f"{first.date()}", end=f"{day.date()}")
    towns, registry = _district_stations(read_registry(store, "towns"), read_registry(store, "stations"),
                                         cfg.district_code)
    # the stations of each month read, as the monthly report takes them: the town-ranking
    # stations for the towns, the district-value stations for the district (docs/stations.md)
    classes = load_station_classes(station_classes_path(cfg, request.project_root))
    months = pd.period_range(first.to_period("M"), day.to_period("M"), freq="M")
    sets = report_station_sets(registry, months, classes)
    stations = stations_for_months(registry, "town_ranking", months, classes)
    ranked = rows_in_sets(hourly, sets.ranking)
    hourly_d = ranked if sets.same else rows_in_sets(hourly, sets.district)
    hourly = ranked
    since = day - pd.Timedelta(days=1)
    recent = hourly[(hourly["time"] >= since).to_numpy(dtype=bool)]
    recent_d = recent if hourly_d is hourly else hourly_d[(hourly_d["time"] >= since).to_numpy(dtype=bool)]
    town, district = town_daily_aqi(recent, towns, sets.ranking, day, hourly_district=recent_d,
                                    district_stations=sets.district)
    given = {"rolling": rolling, "episodes": episodes, "alert_log": alert_log, "forecasts": forecasts}
    if wire:
        wired = optional_inputs(cfg, day, hourly, towns, sets.ranking, request.project_root,
                                hourly_district=hourly_d, district_stations=sets.district)
        given = {k: v if v is not None else wired[k] for k, v in given.items()}
    return DailyData(config=cfg, day=day, towns=town, district=district,
                     hourly=district_hourly_aqi(recent_d, day, cfg.district_code),
                     completeness=completeness(recent, stations, town, day),
                     station_sets=station_set_facts(registry, sets, day.to_period("M"), classes), **given)


# --------------------------------------------------------------------------------- rendering
def _day_zh(day: pd.Timestamp) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _aqi_text(v: Any) -> str:
    return "—" if v is None or pd.isna(v) else str(int(v))


def _str(v: Any) -> str:
    return "—" if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v)


def _district_rows(rolling: pd.DataFrame | None) -> pd.DataFrame | None:
    """The district's rows of the rolling frame of :func:`optional_inputs` (unit ``全区``; the
    towns' values are a column of the towns' table); a frame without ``unit`` as given."""
    if rolling is None or "unit" not in rolling.columns:
        return rolling
    return rolling[(rolling["unit"] == "全区").to_numpy(dtype=bool)]


def _town_table(data: DailyData) -> str:
    from airlib.report.content import html_table

    t = data.towns
    frame = pd.DataFrame({
        "乡镇街道": t["town_name"], "AQI": [_aqi_text(v) for v in t["aqi"]],
        "类别": [_str(v) for v in t["category"]], "首要污染物": [_str(v) for v in t["primary_pollutant"]],
        "有效站点/站点": [f"{int(0 if pd.isna(a) else a)}/{int(0 if pd.isna(b) else b)}"
                     for a, b in zip(t["n_valid"], t["n_stations"])],
    })
    r = data.rolling
    if r is not None and "unit" in r.columns:  # the towns' rolling 24-h AQI at 23:00, one column more
        last = r[(r["time"] == data.day + pd.Timedelta(hours=23)).to_numpy(dtype=bool)]
        shown = {str(u): (_aqi_text(v) if bool(ok) else "无效") for u, v, ok in zip(last["unit"], last["aqi"], last["valid"])}
        frame["滚动24小时AQI（24时）"] = [shown.get(str(n), "—") for n in t["town_name"]]
    return html_table(frame, caption=f"表1 {_day_zh(data.day)}各乡镇街道空气质量指数", compact=False)


def hourly_figure(data: DailyData):
    """Matplotlib figure of the district's hourly AQI of the day over the six category bands
    (colours of HJ 633 App. A, :data:`airlib.standards.aqi.CATEGORIES`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.escaping import mpl_text
    from airlib.plotting import use_chinese_fonts
    from airlib.standards.aqi import CATEGORIES

    use_chinese_fonts()
    h = data.hourly
    y = h["aqi"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    top = max(160.0, float(np.nanmax(y)) * 1.15 if np.isfinite(y).any() else 160.0)
    fig, ax = plt.subplots(figsize=(7.2, 2.6))
    low = 0.0
    for c in CATEGORIES:
        up = min(c.upper, 500.0)
        if low < top:
            ax.axhspan(low, min(up, top), color=c.colour, alpha=0.25, lw=0)
            if (low + min(up, top)) / 2 < top:
                ax.text(23.6, (low + min(up, top)) / 2, c.category, fontsize=7, va="center", ha="right", color="#333")
        low = up
    ax.plot(h["time"].dt.hour.to_numpy(), y, marker="o", ms=3, color="#08306b", lw=1.5)
    ax.set_xlim(-0.5, 23.8)
    ax.set_ylim(0, top)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("时（北京时间，时段起始）")
    ax.set_ylabel("AQI")
    ax.set_title(mpl_text(f"{data.config.name} {_day_zh(data.day)}逐时空气质量指数"), fontsize=10)
    if data.config.synthetic:
        fig.text(0.99, 0.01, "合成演示数据", ha="right", fontsize=7, color="#b00000")
    fig.tight_layout()
    return fig


def rolling_status_html(rolling: pd.DataFrame | None, day: pd.Timestamp) -> str | None:
    """The rolling 24-h AQI at the last hour of the day per unit (A2's ``rolling_aqi`` frame:
    ``time`` = last hour of the window, unit column(s), ``aqi``, ``category``, ``valid``);
    None when not given or nothing on the day."""
    from airlib.report.content import html_table
    from airlib.standards.aqi import CATEGORIES

    if rolling is None:
        return None
    last = day + pd.Timedelta(hours=23)
    r = rolling[rolling["time"] == last]
    if r.empty:
        return None
    units = [c for c in r.columns if c not in ("time", "aqi", "category", "valid")]
    names = {c.level: c.category for c in CATEGORIES}
    frame = pd.DataFrame({
        "单元": r[units].astype("string").agg(" ".join, axis=1).to_numpy() if units else ["全区"] * len(r),
        "滚动24小时AQI": [_aqi_text(v) if bool(ok) else "无效" for v, ok in zip(r["aqi"], r["valid"])],
        "类别": [names.get(int(c), "—") if bool(ok) and not pd.isna(c) else "—" for c, ok in zip(r["category"], r["valid"])],
    })
    return html_table(frame, caption=f"滚动24小时空气质量指数（截至{_day_zh(day)}24时）")


def _overlaps(frame: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Rows whose [start, end) overlaps the day; a missing ``end`` (NaT) is still in force."""
    after = frame["end"].isna() | (frame["end"] > day) if "end" in frame else True
    return (frame["start"] < day + pd.Timedelta(days=1)) & after


def _time(v: Any) -> str:
    return "未解除" if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%m月%d日%H时")


def day_episodes_html(episodes: pd.DataFrame | None, day: pd.Timestamp) -> str | None:
    """Episodes (A2's ``alert_episodes`` frame) overlapping the day; None when none or not given.
    ``end`` is exclusive (the hour the alert could be lifted)."""
    from airlib.report.content import html_table

    if episodes is None:
        return None
    e = episodes[_overlaps(episodes, day)]
    if e.empty:
        return None
    frame = pd.DataFrame({
        "过程": e["episode"].to_numpy(), "开始": [_time(v) for v in e["start"]], "可解除": [_time(v) for v in e["end"]],
        "级别": e["level_zh"].to_numpy(), "峰值AQI": [_aqi_text(v) for v in e["peak_aqi"]],
        "时长（小时）": e["hours"].to_numpy(), "AQI>200小时数": e["heavy_hours"].to_numpy(),
    })
    return html_table(frame, caption="当日涉及的污染过程（按预警规则划分）")


def alert_in_force_html(alert_log: pd.DataFrame | None, day: pd.Timestamp) -> str | None:
    """Official alerts (A3's alert-log frame: ``level_zh``, ``start``, ``end`` exclusive, NaT =
    still in force, ``area``, ``issued``, ``source``) in force at any time of the day; None when
    none or not given."""
    from airlib.report.content import html_table

    if alert_log is None:
        return None
    a = alert_log[_overlaps(alert_log, day)]
    if a.empty:
        return None
    frame = pd.DataFrame({
        "预警": a["level_zh"].to_numpy(), "范围": a["area"].to_numpy(), "发布": [_time(v) for v in a["issued"]],
        "开始": [_time(v) for v in a["start"]], "解除": [_time(v) for v in a["end"]], "来源": a["source"].to_numpy(),
    })
    return html_table(frame, caption=f"{_day_zh(day)}执行中的重污染天气预警")


def forecast_html(forecasts: pd.DataFrame | None, day: pd.Timestamp) -> str | None:
    """The forecast for the days after ``day`` (A1's forecast frame), from the latest issue made
    on or before the day after ``day`` (the report's morning); None when none or not given."""
    from airlib.report.content import html_table
    from airlib.standards.aqi import CATEGORIES

    if forecasts is None or forecasts.empty:
        return None
    f = forecasts.copy()
    issued = pd.to_datetime(f["issued"])
    target = pd.to_datetime(f["target_date"])
    f = f[(issued <= day + pd.Timedelta(days=1)) & (target > day)]
    if f.empty:
        return None
    f = f.assign(_issued=pd.to_datetime(f["issued"]), _target=pd.to_datetime(f["target_date"]))
    f = f.sort_values(["_target", "area", "_issued"]).groupby(["_target", "area"], sort=True).tail(1)
    names = {c.level: c.category for c in CATEGORIES}

    def rng(lo: Any, hi: Any) -> str:
        return _aqi_text(lo) if _aqi_text(lo) == _aqi_text(hi) else f"{_aqi_text(lo)}–{_aqi_text(hi)}"

    frame = pd.DataFrame({
        "日期": [_day_zh(t) for t in f["_target"]], "范围": f["area"].to_numpy(),
        "AQI": [rng(lo, hi) for lo, hi in zip(f["aqi_low"], f["aqi_high"])],
        "类别（最差）": [names.get(int(c), "—") if not pd.isna(c) else "—" for c in f["category"]],
        "首要污染物": [_str(v) for v in f["primary"]], "发布日": [f"{pd.Timestamp(v).date()}" for v in f["_issued"]],
    })
    return html_table(frame, caption="未来几日空气质量预报")


def summary_sentence(data: DailyData) -> str:
    """The day's opening sentence, from ``data.district`` and ``data.towns`` alone (plain text)."""
    d = data.district.iloc[0] if len(data.district) else None
    day = _day_zh(data.day)
    if d is None or pd.isna(d["aqi"]):
        head = f"{day}，全区空气质量指数（AQI）无有效值（有效监测数据不足）。"
    else:
        prim = _str(d["primary_pollutant"])
        head = (f"{day}，全区空气质量指数（AQI）为{int(d['aqi'])}，类别为{d['category']}"
                + (f"，首要污染物为{prim}。" if prim != "—" else "。"))
    valid = data.towns.dropna(subset=["aqi"])
    if valid.empty:
        return head
    aqi = valid["aqi"].astype("int64").to_numpy()

    def towns_at(v: int) -> str:  # every town at that value (ties named together, registry order)
        return "、".join(str(n) for n in valid["town_name"].to_numpy()[aqi == v])

    hi, lo = int(aqi.max()), int(aqi.min())
    return head + f"各乡镇街道中AQI最高为{towns_at(hi)}（{hi}），最低为{towns_at(lo)}（{lo}）。"


def sections(request: DailyRequest, data: DailyData) -> list[Any]:
    """The report's outputs in order (IPython HTML/Image objects; every user string escaped)."""
    from IPython.display import HTML, Markdown

    from airlib.report.figures import show_figure

    cfg, day = data.config, data.day
    out: list[Any] = []
    syn = "<p class='airlib-date' style='color:#b00000'>合成演示数据（SYNTHETIC），仅供演示</p>" if cfg.synthetic else ""
    out.append(HTML(f"<h1>{html_text(cfg.name)}空气质量日报</h1>"
                    f"<p class='airlib-date'>{html_text(_day_zh(day))}（北京时间0—24时）</p>{syn}"))
    out.append(HTML(f"<h2>一、全区空气质量</h2><p>{html_text(summary_sentence(data))}</p>"))
    for title, part in (("执行中的预警", alert_in_force_html(data.alert_log, day)),
                        ("滚动24小时空气质量", rolling_status_html(_district_rows(data.rolling), day)),
                        ("当日污染过程", day_episodes_html(data.episodes, day))):
        if part:
            out.append(HTML(f"<h3>{title}</h3>{part}"))
    # heading and table apart: an output holding a heading is kept whole (rendering.py), the table may split
    out.append(HTML("<h2>二、各乡镇街道空气质量</h2>"))
    out.append(HTML(_town_table(data)))
    out.append(HTML("<h2>三、全区逐时空气质量指数</h2>"))
    out.append(show_figure(hourly_figure(data), request.figure_dir / "hourly_aqi.png"))
    c = data.completeness.iloc[0]
    out.append(HTML(
        f"<h2>四、数据完整性</h2><p>全区{int(c['n_stations'])}个站点中，{int(c['n_reporting'])}个有PM2.5小时数据，"
        f"{int(c['n_valid'])}个PM2.5日均值有效（≥20小时）；站点小时数据{int(c['hours_reported'])}/"
        f"{int(c['hours_expected'])}。</p>"))
    if data.station_sets is not None:  # the stations behind the figures (issue #17, docs/stations.md)
        from airlib.report.content import station_set_lines

        out.append(Markdown(station_set_lines(data.station_sets, "zh")))
    fc = forecast_html(data.forecasts, day)
    if fc:
        out.append(HTML(f"<h2>五、空气质量预报</h2>{fc}"))
    out.append(HTML(f"<p style='font-size:9pt;color:#444'>注：AQI按HJ 633计算；乡镇街道、全区日AQI由有效站点日均值计算。"
                    f"{html_text(REPORTING_NOTE)}</p>"))
    return out


def start(district: str, date: str | None = None, *, project_root: str | None = None,
          output_dir: str | None = None, checked: bool = False) -> tuple[DailyRequest, DailyData]:
    """The notebook's set-up call: the checked request and its data (optional frames wired by
    :func:`optional_inputs`)."""
    request = DailyRequest.build(district, date, project_root=project_root, output_dir=output_dir,
                                 check_inputs=not checked)
    request.figure_dir.mkdir(parents=True, exist_ok=True)
    return request, prepare_daily(request)


# --------------------------------------------------------------------------------- running
@dataclass(frozen=True)
class DailyResult:
    """Files of one published daily report."""

    district: str
    day: pd.Timestamp
    folder: Path
    pdf: Path
    notebook: Path
    record: Path
    seconds: float
    timings: dict[str, float] = dataclasses.field(default_factory=dict)


def run_daily(district: str, day: Any = None, *, project_root: str | os.PathLike[str] | None = None,
              timeout: int = 300, today: dt.date | None = None, notebook: Path = DAILY_NOTEBOOK) -> DailyResult:
    """Produce the daily report of one district and day (see the module docstring).

    Raises
    ------
    AirlibError
        Bad parameters (unknown district, bad/future date, no data for the day).
    ReportError
        The notebook or the PDF failed; the executed notebook is kept in ``<day>/failed/`` and
        the day's earlier outputs are untouched.
    ReportWriteError
        The report cannot be written (disk, permissions).
    """
    from airlib.files import atomic_write_text
    from airlib.report.cleanup import clean_stale, owned_prefix
    from airlib.report.errors import ReportError, ReportWriteError, write_error_class
    from airlib.report.rendering import html_to_pdf, notebook_to_html
    from airlib.report.running import _publish, _staging_mode, cell_timings, execute_notebook

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    request = DailyRequest.build(district, day, project_root=project_root, today=today,
                                 output_dir=Path(tempfile.gettempdir()))
    cfg, d, root_p = request.config, request.day, request.project_root
    final = daily_folder(cfg, d, root_p)
    names = daily_output_names(cfg, d)
    timings["checks"] = time.perf_counter() - t0
    try:
        clean_stale(root_p)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=owned_prefix(f".{d.date()}.staging-"), dir=final.parent))
        os.chmod(staging, _staging_mode())
        try:
            params = {**dataclasses.replace(request, output_dir=staging).parameters(), "checked": True}
            nb_out = staging / names["notebook"]
            try:
                t = time.perf_counter()
                execute_notebook(nb_out, params, notebook=notebook, cwd=root_p, timeout=timeout)
                timings["notebook"] = time.perf_counter() - t
                cells = cell_timings(nb_out)  # "cell:<index>" [s]; kernel = start and shut-down
                timings["kernel"] = max(0.0, timings["notebook"] - sum(cells.values()))
                timings.update(cells)
                with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-html-")) as tmp:
                    t = time.perf_counter()
                    html = notebook_to_html(nb_out, Path(tmp) / "daily.html", language="zh")
                    timings["html"] = time.perf_counter() - t
                    t = time.perf_counter()
                    html_to_pdf(html, staging / names["pdf"])
                    timings["chromium"] = time.perf_counter() - t
            except ReportError as exc:
                cls = write_error_class(exc)
                kept = final / "failed" / "daily_report.failed.ipynb"
                if nb_out.exists():
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(nb_out, kept)
                    raise cls(f"{cfg.name} {d.date()}: {exc}; executed notebook kept at {kept}; "
                              f"earlier daily report of {d.date()} left untouched") from exc
                raise cls(f"{cfg.name} {d.date()}: {exc}") from exc
            timings["total"] = time.perf_counter() - t0
            record = {"report": "daily", "district": cfg.name, "date": f"{d.date()}", "parameters": params,
                      "synthetic": cfg.synthetic, "timings_s": {k: round(v, 3) for k, v in timings.items()}}
            atomic_write_text(staging / names["record"], json.dumps(record, ensure_ascii=False, indent=1) + "\n")
            t = time.perf_counter()
            _publish(staging, final, {"pdf": names["pdf"], "excel": names["record"]})
            timings["publish"] = time.perf_counter() - t
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        what = exc.strerror or str(exc)
        raise ReportWriteError(f"{cfg.name} {d.date()}: cannot write the daily report: {what}"
                               f"{f' ({exc.filename})' if exc.filename else ''}; the earlier outputs are untouched; "
                               f"free disk space or make {final.parent} writable, then run again") from exc
    timings["total"] = time.perf_counter() - t0
    return DailyResult(district=cfg.name, day=d, folder=final, pdf=final / names["pdf"],
                       notebook=final / names["notebook"], record=final / names["record"],
                       seconds=timings["total"], timings=timings)


def run_daily_all(day: Any = None, *, districts: Sequence[str] | None = None,
                  project_root: str | os.PathLike[str] | None = None, include_demo: bool = False,
                  echo: Callable[[str], None] = print) -> list[tuple[str, DailyResult | Exception]]:
    """The daily report of every configured district (as ``airlib report --all`` chooses them,
    :func:`airlib.report.running.districts_to_run`), one after the other in this process (the
    runner's libraries are imported once). Failures are returned per district, never raised."""
    from airlib.report.running import districts_to_run

    root_p = Path(project_root).resolve() if project_root is not None else default_project_root()
    names = (list(districts) if districts is not None
             else districts_to_run(root_p, include_demo=include_demo, command="airlib daily --all"))
    d = parse_day(day)
    echo(f"airlib daily --all: {len(names)} district(s), {d.date()}")
    out: list[tuple[str, DailyResult | Exception]] = []
    for i, name in enumerate(names, start=1):
        try:
            r: DailyResult | Exception = run_daily(name, d.date().isoformat(), project_root=root_p)
        except Exception as exc:  # noqa: BLE001 - reported per district
            r = exc
        out.append((name, r))
        if isinstance(r, Exception):
            echo(f"[{i}/{len(names)}] {name} {d.date()}: FAILED: {r}")
        else:
            echo(f"[{i}/{len(names)}] {name} {d.date()}: ok in {r.seconds:.1f} s → {r.pdf}")
    return out


def daily_command(args: Any) -> int:
    """Handler of ``airlib daily``; exit codes as ``airlib report``."""
    from airlib.report.config import DEMO
    from airlib.report.errors import ReportError, ReportWriteError

    if getattr(args, "include_demo", False) and not args.all:
        raise AirlibError("--include-demo only goes with --all")
    if args.all:
        if args.district is not None:
            raise AirlibError("give either --district or --all, not both")
        results = run_daily_all(args.date, include_demo=args.include_demo)
        return 1 if any(isinstance(r, Exception) for _, r in results) else 0
    district = DEMO.name if args.district is None else check_district_name(args.district, what="--district")
    try:
        r = run_daily(district, args.date, timeout=args.timeout)
    except ReportWriteError as exc:
        print(f"airlib: error: daily report not written: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"airlib: daily report failed: {exc}", file=sys.stderr)
        return 1
    print(f"PDF:    {r.pdf}\nRecord: {r.record}\nDone in {r.seconds:.1f} s")
    return 0


def demo_daily(end: str | None = None) -> int:
    """Step of ``airlib demo`` after the monthly report: the daily report of the demo's last
    day (the last day of its last month ``end``, default the last complete month). Returns the
    exit code."""
    from airlib.periods import check_complete_month
    from airlib.report.config import DEMO
    from airlib.report.errors import ReportError

    last = check_complete_month(end, name="--end").end_time.normalize()
    print(f"空气质量日报：{DEMO.name} {last.date()} …", flush=True)
    try:
        r = run_daily(DEMO.name, f"{last.date()}")
    except ReportError as exc:
        print(f"airlib: daily report failed: {exc}", file=sys.stderr)
        return 1
    print(f"日报:  {r.pdf}（{r.seconds:.1f} s）")
    return 0
