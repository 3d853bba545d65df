"""Everything the monthly report shows, computed once from a :class:`ReportRequest`.

:func:`prepare` reads the district's store (one pinned store version), computes station and
town daily statistics, the monthly ranking, bottom/worsening/warning lists, the district's
monthly series, task progress from the ledgers and the district PM2.5 targets, and records
every input file (SHA-256) and package version of the run, in a :class:`ReportData` with
typed fields.
"""

from __future__ import annotations

import functools

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from airlib.errors import AirlibError
from airlib.paths import PROJECT_ROOT
from airlib.report.config import DistrictConfig
from airlib.report.numbering import Numbering
from airlib.io.warning_rules import WarningRules
from airlib.tracking.bulletin import Bulletin
from airlib.tracking.supervision import SupervisionHistory
from airlib.report.request import (
    ReportRequest,
    city_table_path,
    district_boundaries,
    month_partition,
    plan_paths,
    read_registry,
    station_classes_path,
    store_dir,
    warning_rules_path,
)

__all__ = ["station_set_facts",
    "DUST_BASE_YEAR", "DustData", "dust_data",
    "RECORDED_PACKAGES", "CityContext", "PmResults", "ReportData", "SandDust", "TspContext", "tsp_context", "TaskProgress", "city_context",
    "REPORT_TARGET_METRICS", "SAND_DUST_QUANTITIES", "district_bulletin", "district_daily_aqi", "district_targets", "input_files",
    "package_versions", "pm_results", "prepare", "sand_dust_comparison", "record_path", "run_record", "task_history", "task_progress", "town_targets",
    "warned_towns", "ALERT_LOOKBACK_DAYS", "observed_alert_episodes", "forecast_verification", "read_configured",
    "configured_plans",
]


#: Packages whose versions are recorded with every run.
RECORDED_PACKAGES: Final[tuple[str, ...]] = (
    "airlib", "pandas", "numpy", "geopandas", "shapely", "pyproj", "matplotlib", "plotly",
    "papermill", "nbconvert", "openpyxl", "pyarrow",
)


@dataclass(frozen=True)
class TaskProgress:
    """Task progress of one plan in force, for the district's towns at the end of the report
    month (:func:`task_progress`, from :mod:`airlib.tracking.progress`).

    Attributes
    ----------
    plan : str
        Title of the plan whose ledgers are shown.
    as_of : Timestamp
        Evaluation date (:func:`airlib.tracking.progress.month_as_of` of the report month).
    last_ledger_month : str
        Latest ledger month (``YYYY-MM``) not after the month the ledgers are due for.
    scores : DataFrame
        :func:`airlib.tracking.progress.town_scores` (one row per town).
    overdue : DataFrame
        :func:`airlib.tracking.progress.overdue_tasks`.
    plan_id : str
        The plan's id (its ledger folder is ``<ledgers>/<plan id>/``).
    stale : bool
        The ledgers do not reach the month they are due for
        (:func:`airlib.tracking.progress.ledger_currency`): not current figures.
    missing_months : tuple of str
        The months without ledgers up to the month due (``YYYY-MM``; empty when not stale).
    closed : bool
        The plan's period ended before the report month: its tasks are closed with their final
        state at the plan end (:mod:`airlib.tracking.progress`).
    period : tuple of str
        The plan's period (start and end month, ``YYYY-MM``).
    rows : DataFrame or None
        The :func:`airlib.tracking.progress.town_progress` rows (one per task and town).
    ledger_files : tuple of Path
        The ledger files read for this plan.
    tasks : DataFrame
        :func:`airlib.tracking.progress.district_progress`: one row per task split across
        towns (district sums, deadline, lead/responsible units, town status counts).
    """

    plan: str
    as_of: pd.Timestamp
    last_ledger_month: str
    scores: pd.DataFrame
    overdue: pd.DataFrame
    plan_id: str = ""
    stale: bool = False
    missing_months: tuple[str, ...] = ()
    closed: bool = False
    period: tuple[str, str] = ("", "")
    rows: pd.DataFrame | None = field(default=None, compare=False)
    ledger_files: tuple[Path, ...] = ()
    tasks: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class CityContext:
    """The district among Beijing's districts, from the month's city table (:func:`city_context`).

    Attributes
    ----------
    file : Path
        The city table of the month (``city_table`` of districts.yaml with ``{month}`` filled in).
    label : str
        ``file`` relative to the project (as the report prints it).
    ranking : DataFrame or None
        :func:`airlib.tracking.city_context.city_ranking` of the table (file order); None when
        the file does not exist.
    place : dict
        :func:`airlib.tracking.city_context.district_place` of the district (empty without a table).
    """

    file: Path
    label: str
    ranking: pd.DataFrame | None
    place: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TspContext:
    """The city's half-monthly TSP ranking as it concerns the district (:func:`tsp_context`).

    Attributes
    ----------
    file : Path
        The configured TSP table (``tsp`` of districts.yaml).
    label : str
        ``file`` relative to the project (as the report prints it).
    table : DataFrame or None
        :func:`airlib.io.tsp.read_tsp` of the file (every half month); None when the file
        does not exist (the report then says so).
    halves : tuple of Timestamp
        Starts of the report month's half months present in the table (0, 1 or 2).
    rankings : dict
        Half-month start → :func:`airlib.tracking.tsp.city_ranking`.
    appearances : DataFrame
        :func:`airlib.tracking.tsp.bottom_appearances` of the district's towns in the 后30名 from
        1 January to the end of the report month.
    targets : DataFrame
        :func:`airlib.tracking.tsp.evaluate_tsp_targets` of the plans in force (empty: none).
    """

    file: Path
    label: str
    table: pd.DataFrame | None
    halves: tuple[pd.Timestamp, ...] = ()
    rankings: dict[pd.Timestamp, pd.DataFrame] = field(default_factory=dict)
    appearances: pd.DataFrame = field(default_factory=pd.DataFrame)
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class ReportData:
    """Everything the report notebook shows, computed by :func:`prepare`.

    Attributes
    ----------
    config : DistrictConfig
    month : Period
        Report month.
    bottom_n : int
        Size of the bottom list.
    towns, stations : DataFrame
        The district's registries (store version of the run).
    station_daily, town_daily, district_daily : DataFrame
        Daily PM2.5 statistics [µg/m³] of stations, towns and the district
        (:func:`airlib.standards.validity.daily_statistics`, :func:`airlib.tracking.aggregation.aggregate_daily`).
    ranking, bottom, worsening : DataFrame
        Monthly town ranking and its lists (:mod:`airlib.tracking.ranking`).
    warnings : DataFrame
        The warned towns (:func:`airlib.tracking.supervision.warning_towns`: ``town_code``,
        ``town_name``, ``n_reasons``, ``reasons``) with the ranking's ``pm25``, ``rank``, ``yoy_pct``,
        worst rank first.
    reasons : DataFrame
        Every warning reason of the month (:func:`airlib.tracking.supervision.warning_reasons`).
    rules : WarningRules or None
        The district's warning and summons rules (:func:`airlib.io.warning_rules.load_warning_rules`).
    history : SupervisionHistory or None
        Warnings and ranks of the months the rules read (:func:`airlib.tracking.supervision.supervision_history`).
    summons : DataFrame
        约谈 candidates of the month (:func:`airlib.tracking.supervision.summons_candidates`).
    district_monthly : DataFrame
        District monthly PM2.5 (``month``, ``pm25``, ``pm25_n``, ``pm25_valid``, ``pm25_provisional``).
    boundaries : GeoDataFrame or None
        Town boundaries checked against the towns and stations (:func:`airlib.report.maps.load_boundaries`);
        None when the district has no boundary file configured (the report then shows no maps).
    validity : dict
        Counts of the cover page (``stations``, ``station_days``, ``station_days_valid``, ``towns``,
        ``towns_valid``, ``towns_invalid`` (names), ``days_in_month``).
    inputs : DataFrame
        Run record: ``file``, ``bytes``, ``sha256`` of every input file.
    versions : dict
        Python and package versions.
    progress : list of TaskProgress
        Task progress, one entry per plan in force for the month (district plans with per-town
        tasks and readable ledgers; :func:`task_progress`); empty: no task section.
    plans_in_force : list of str
        Titles of every plan in force for the district in the month
        (:func:`airlib.io.plans.plans_in_force`); empty: the report says no plan covers the month.
    ledger_problems : list of dict
        Ledger files that could not be read: ``{"file": name, "problem": why}``.
    targets : DataFrame
        District PM2.5 and heavy-pollution-day targets of the month (:func:`district_targets`;
        column ``metric`` tells them apart); empty when none applies.
    numbering : Numbering
        Table and figure numbers, handed out as the sections make their captions
        (:mod:`airlib.report.numbering`).
    city : CityContext or None
        The district among Beijing's districts (:func:`city_context`); None when no
        ``city_table`` is configured.
    bulletin : Bulletin or None
        The 月通报 tables (:func:`airlib.tracking.bulletin.bulletin`): six pollutants,
        综合指数, 优良天数 and 重污染天数 of the district and every town, month and year to
        date, with YoY changes, improvement ranks and reason codes (``monthly``, ``ytd``,
        ``days`` DataFrames; display and headers: :func:`airlib.report.content.bulletin_table`).
    dust : DustData or None
        Dustfall and road dust of the month (:func:`dust_data`; the 扬尘 section); None when
        the district configures neither.
    sand_dust : SandDust or None
        The sand-dust exclusion (扣沙) of the report (:class:`SandDust`); None when the district
        has no ``dust_periods``.
    tsp : TspContext or None
        The city's half-monthly TSP ranking for the district's towns (:func:`tsp_context`); None
        when the district has no ``tsp`` configured.
    alert_episodes : DataFrame or None
        The district's observed alert episodes (:func:`airlib.tracking.alerts.district_episodes`)
        from :data:`ALERT_LOOKBACK_DAYS` days before the month's end to its end; None when the
        district has no ``alert_log``.
    observed_from : Timestamp or None
        First hour of that span with a valid district rolling AQI (alerts before it are not
        verified).
    forecast_verification : DataFrame or None
        The month's forecasts (key ``forecasts``) verified per lead day against the district's
        daily AQI of the report's daily path (:func:`forecast_verification`); None when the
        district has no ``forecasts``.
    """

    config: DistrictConfig
    month: pd.Period
    bottom_n: int
    towns: pd.DataFrame
    stations: pd.DataFrame
    station_daily: pd.DataFrame
    town_daily: pd.DataFrame
    district_daily: pd.DataFrame
    ranking: pd.DataFrame
    bottom: pd.DataFrame
    worsening: pd.DataFrame
    warnings: pd.DataFrame
    district_monthly: pd.DataFrame
    boundaries: Any
    validity: dict[str, Any]
    inputs: pd.DataFrame
    versions: dict[str, str]
    progress: list[TaskProgress] = field(default_factory=list)
    plans_in_force: list[str] = field(default_factory=list)
    ledger_problems: list[dict[str, str]] = field(default_factory=list)
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    numbering: Numbering = field(default_factory=Numbering)
    city: CityContext | None = None
    bulletin: Bulletin | None = None
    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)
    rules: WarningRules | None = None
    history: SupervisionHistory | None = None
    summons: pd.DataFrame = field(default_factory=pd.DataFrame)
    dust: DustData | None = None
    tsp: TspContext | None = None
    sand_dust: SandDust | None = None
    alert_episodes: pd.DataFrame | None = None
    observed_from: pd.Timestamp | None = None
    forecast_verification: pd.DataFrame | None = None


#: Base year of the dust tables' change column when no plan in force names one: the base year
#: of Beijing's 2018–2020 plans (Tongzhou "2020年与2017年相比,全区降尘量下降30%" [SEED-004]).
DUST_BASE_YEAR: Final[int] = 2017


@dataclass
class DustData:
    """The district's dust data of the report month (the 扬尘 section; docs/dust.md).

    Attributes
    ----------
    dustfall, road_dust : DataFrame or None
        The sheets as read (:func:`airlib.io.dust.read_dustfall`, :func:`airlib.io.dust.read_road_dust`);
        None when not configured.
    dustfall_monthly, road_dust_monthly : DataFrame or None
        Town monthly values [t/km²·30 d; g/m²] (:mod:`airlib.tracking.dust`).
    dustfall_table, road_dust_table : DataFrame or None
        The towns' table of the month (:func:`airlib.tracking.dust.month_table`).
    dustfall_district, road_dust_district : float
        District value of the month (mean of towns), NaN when the month has no data.
    dustfall_targets, road_dust_targets : DataFrame
        :func:`airlib.tracking.dust.evaluate_dust_targets` over the plans in force, with ``plan``.
    base_year : int
        Base year of the change column (the plans' base year, else :data:`DUST_BASE_YEAR`).
    """

    dustfall: pd.DataFrame | None = None
    dustfall_monthly: pd.DataFrame | None = None
    dustfall_table: pd.DataFrame | None = None
    dustfall_district: float = float("nan")
    dustfall_targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    road_dust: pd.DataFrame | None = None
    road_dust_monthly: pd.DataFrame | None = None
    road_dust_table: pd.DataFrame | None = None
    road_dust_district: float = float("nan")
    road_dust_targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    base_year: int = DUST_BASE_YEAR


def dust_data(cfg: DistrictConfig, month: pd.Period, towns: pd.DataFrame,
              project_root: Path | None = None) -> DustData | None:
    """Read and compute the district's dustfall and road-dust data of ``month`` (docs/dust.md).

    Returns None when neither ``dustfall`` nor ``road_dust`` is configured (the 扬尘 section is
    then absent unless TSP data is). Bad sheets raise :class:`~airlib.errors.InputDataError`
    naming file, row and column.
    """
    from airlib.io.dust import read_dustfall, read_road_dust
    from airlib.tracking.dust import (
        district_monthly, dustfall_monthly, evaluate_dust_targets, month_table, road_dust_monthly,
    )

    if not (cfg.dustfall or cfg.road_dust):
        return None
    plans = _plans_in_force(cfg, month, project_root)
    bases = [g.base_year for p in plans for g in p.targets
             if g.metric in ("dustfall", "road_dust_load") and g.base_year is not None]
    out = DustData(base_year=bases[0] if bases else DUST_BASE_YEAR)

    def targets(monthly: pd.DataFrame, metric: str) -> pd.DataFrame:
        frames = [evaluate_dust_targets(p, monthly, month, metric=metric, towns=towns).assign(plan=p.plan.title)
                  for p in plans]
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def district_value(monthly: pd.DataFrame, value: str) -> float:
        d = district_monthly(monthly, value)
        v = d.loc[d["month"] == month, value]
        return float(v.iloc[0]) if len(v) else float("nan")

    codes = set(towns["town_code"].astype(str))
    if cfg.dustfall:
        df = read_dustfall(cfg.path(cfg.dustfall, project_root), towns)
        df = df[df["town_code"].astype(str).isin(codes)].reset_index(drop=True)
        out.dustfall, out.dustfall_monthly = df, dustfall_monthly(df)
        out.dustfall_table = month_table(out.dustfall_monthly, "dustfall", month, base_year=out.base_year)
        out.dustfall_district = district_value(out.dustfall_monthly, "dustfall")
        out.dustfall_targets = targets(out.dustfall_monthly, "dustfall")
    if cfg.road_dust:
        rd = read_road_dust(cfg.path(cfg.road_dust, project_root), towns)
        rd = rd[rd["town_code"].astype(str).isin(codes)].reset_index(drop=True)
        out.road_dust, out.road_dust_monthly = rd, road_dust_monthly(rd)
        out.road_dust_table = month_table(out.road_dust_monthly, "road_dust", month, base_year=out.base_year)
        out.road_dust_district = district_value(out.road_dust_monthly, "road_dust")
        out.road_dust_targets = targets(out.road_dust_monthly, "road_dust_load")
    return out


def input_files(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None, *,
                history: Sequence[pd.Period] = ()) -> list[Path]:
    """Every file a report of ``month`` reads: store partitions (January of last year to
    ``month``), registries, store manifest, boundaries, plans (as found by
    :func:`airlib.report.request.plan_paths`), the task ledgers of the plans in force for the
    month (``<ledgers>/<plan id>/`` and the files directly in ``<ledgers>/``,
    :func:`airlib.io.ledgers.plan_ledger_files`), the city table when the configuration
    names one (``city_table``), and the district's own 预警通知函 template (``letter_template``;
    the shipped one is part of airlib). ``history``: earlier months whose task progress the
    warning history reads (:func:`task_history`) — the ledgers of the plans in force then are
    listed too."""
    from airlib.io.ledgers import plan_ledger_files
    from airlib.io.store import dataset_dir

    store = dataset_dir(store_dir(cfg, project_root).parent, cfg.dataset)  # the store's current version
    files: list[Path] = []
    m = pd.Period(year=month.year - 1, month=1, freq="M")
    while m <= month:
        part = month_partition(cfg, m, project_root)
        if part.exists():
            files.extend(sorted(p for p in part.rglob("*") if p.is_file()))
        m += 1
    for name in ("stations.parquet", "towns.parquet", "manifest.json"):
        if (store / name).exists():
            files.append(store / name)
    boundaries = getattr(cfg, "boundaries", None)
    if boundaries and cfg.path(boundaries, project_root).is_file():
        files.append(cfg.path(boundaries, project_root))
    files.extend(plan_paths(cfg, project_root))
    rules = warning_rules_path(cfg, project_root)
    if rules.is_file():
        files.append(rules)
    if cfg.ledgers:
        folder = cfg.path(cfg.ledgers, project_root)
        for m in [*history, month]:
            for plan in _plans_in_force(cfg, m, project_root):
                own, shared = plan_ledger_files(folder, plan.id)
                files.extend(f for f in [*own, *shared] if f not in files)
    if cfg.tsp and cfg.path(cfg.tsp, project_root).is_file():  # the city's half-monthly TSP table
        files.append(cfg.path(cfg.tsp, project_root))
    city = city_table_path(cfg, month, project_root)  # the month's city table, when configured
    if city is not None and city.is_file():
        files.append(city)
    if cfg.letter_template and cfg.path(cfg.letter_template, project_root).is_file():
        files.append(cfg.path(cfg.letter_template, project_root))
    for key in (cfg.dustfall, cfg.road_dust):  # the dust sheets (docs/dust.md)
        if key and cfg.path(key, project_root).exists():
            from airlib.io.dust import dust_files

            files.extend(dust_files(cfg.path(key, project_root)))
    if cfg.dust_periods and cfg.path(cfg.dust_periods, project_root).is_file():
        files.append(cfg.path(cfg.dust_periods, project_root))
    return files


def city_context(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> CityContext | None:
    """The district's place among Beijing's districts in ``month``, from its city table.

    Returns
    -------
    CityContext or None
        None when no ``city_table`` is configured; a :class:`CityContext` without ranking when
        the month's file does not exist (the report then says so).

    Raises
    ------
    InputDataError
        The table exists but is not valid (:func:`airlib.io.city_table.read_city_table`: the
        message names the file and row), or does not give the district's PM2.5.
    """
    from airlib.io.city_table import district_code_of, published_district_name, read_city_table
    from airlib.io.store import portable_path
    from airlib.tracking.city_context import city_ranking, district_place

    path = city_table_path(cfg, month, project_root)
    if path is None:
        return None
    label = portable_path(path, project_root)
    if not path.exists():
        return CityContext(file=path, label=label, ranking=None)
    name = published_district_name(cfg.district_code, cfg.name)
    ranking = city_ranking(read_city_table(path, name))
    return CityContext(file=path, label=label, ranking=ranking, place=district_place(ranking, str(district_code_of(name))))


def tsp_context(cfg: DistrictConfig, month: pd.Period, towns: pd.DataFrame,
                project_root: Path | None = None) -> TspContext | None:
    """The district's towns in the city's half-monthly TSP ranking of ``month`` ([BJ-TSP-2022]).

    Reads the configured ``tsp`` table (:func:`airlib.io.tsp.read_tsp`, the district's towns
    matched strictly against ``towns``), ranks the month's half months
    (:func:`airlib.tracking.tsp.city_ranking`), counts the district's towns' appearances in the
    后30名 from 1 January to the month end and evaluates the "退出后N名" targets of the plans in
    force (:func:`airlib.tracking.tsp.evaluate_tsp_targets`).

    Returns
    -------
    TspContext or None
        None without a ``tsp`` key; a context without table when the file does not exist.

    Raises
    ------
    InputDataError
        The file exists but is not valid (file, row and column named).
    """
    from airlib.io.store import portable_path
    from airlib.io.tsp import read_tsp
    from airlib.tracking.tsp import bottom_appearances, city_ranking, evaluate_tsp_targets, halves_of_month

    if not cfg.tsp:
        return None
    path = cfg.path(cfg.tsp, project_root)
    label = portable_path(path, project_root)
    if not path.is_file():
        return TspContext(file=path, label=label, table=None)
    table = read_tsp(path, towns)
    present = set(pd.to_datetime(table["period_start"]))
    halves = tuple(h for h in halves_of_month(month) if h in present)
    rankings = {h: city_ranking(table, h) for h in halves}
    jan = pd.Timestamp(year=month.year, month=1, day=1)
    appearances = bottom_appearances(table, jan, month.end_time.normalize(), towns=towns)
    parts = [evaluate_tsp_targets(p, table, month, towns).assign(plan=p.plan.title)
             for p in _plans_in_force(cfg, month, project_root)]
    parts = [t for t in parts if len(t)]
    targets = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return TspContext(file=path, label=label, table=table, halves=halves, rankings=rankings,
                      appearances=appearances, targets=targets)


def record_path(path: Path, project_root: Path | None = None) -> str:
    """How an input file is named in the run record: relative to the project root
    (:func:`airlib.io.store.portable_path`); a file shipped with airlib as ``<airlib>/…``;
    any other file outside the project as ``<outside>/<name>`` (never an absolute path)."""
    from airlib.io.store import portable_path

    rec = portable_path(path, project_root)
    if not Path(rec).is_absolute():
        return rec
    try:
        return "<airlib>/" + Path(path).resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return "<outside>/" + Path(path).name


def package_versions(packages: Iterable[str] = RECORDED_PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` (``"not installed"`` when missing), plus Python."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for p in packages:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    return out


def run_record(files: Sequence[Path], project_root: Path | None = None) -> pd.DataFrame:
    """Table of the run's inputs: path (relative to the project, :func:`record_path`), bytes, SHA-256."""
    from airlib.io.store import sha256_file

    rows = [
        {"file": record_path(Path(f), project_root), "bytes": Path(f).stat().st_size, "sha256": sha256_file(f)}
        for f in files
    ]
    return pd.DataFrame(rows, columns=["file", "bytes", "sha256"])


@dataclass(frozen=True)
class PmResults:
    """The PM statistics of one version of the hourly data (with or without 扣沙).

    Attributes
    ----------
    station_daily, town_daily, district_daily : DataFrame
        Daily PM2.5 statistics (as :class:`ReportData`).
    ranking : DataFrame
        Monthly town ranking (:func:`airlib.tracking.ranking.town_monthly_ranking`).
    district_monthly : DataFrame
        District monthly PM2.5.
    bulletin : Bulletin
        The 月通报 tables (six pollutants, month and year to date).
    targets : DataFrame
        District targets of the month (:func:`district_targets`).
    """

    station_daily: pd.DataFrame
    town_daily: pd.DataFrame
    district_daily: pd.DataFrame
    ranking: pd.DataFrame
    district_monthly: pd.DataFrame
    bulletin: Bulletin
    targets: pd.DataFrame


@dataclass(frozen=True)
class SandDust:
    """The sand-dust exclusion of a report (扣沙, 环办监测〔2016〕120号; docs/dust.md).

    Attributes
    ----------
    excluded : bool
        True: the report's PM statistics exclude the periods (``dust_exclusion``, default).
    periods : DataFrame
        The periods that apply to the district (``start``, ``end``, ``area``, ``source``,
        ``row``), all of them, not only those of the month.
    n_periods, hours : int
        Periods and distinct hours removed in the data the report reads (January of last year
        or earlier, to the end of the month).
    comparison : DataFrame
        Where the two versions differ (:func:`sand_dust_comparison`); empty when nothing the
        report shows differs.
    """

    excluded: bool
    periods: pd.DataFrame
    n_periods: int
    hours: int
    comparison: pd.DataFrame


def pm_results(cfg: DistrictConfig, month: pd.Period, hourly: pd.DataFrame, towns: pd.DataFrame,
               stations: pd.DataFrame, start: pd.Timestamp, report_targets: Sequence[Any],
               project_root: Path | None = None, hourly_district: pd.DataFrame | None = None,
               district_stations: pd.DataFrame | None = None) -> PmResults:
    """Every PM statistic, ranking and target of the report from one hourly frame.

    The one code path of the report's PM figures: :func:`prepare` calls it on the hourly data
    with and without the sand-dust exclusion (扣沙) when the district has ``dust_periods``.

    Parameters
    ----------
    hourly : DataFrame [µg/m³; CO mg/m³]
        The district's hourly rows of the town-ranking stations from ``start`` to the end of
        ``month``.
    stations : DataFrame
        The town-ranking stations: a registry or a month-keyed set
        (:class:`airlib.tracking.station_sets.ReportStationSets` ``.ranking``).
    start : Timestamp
        First day read.
    report_targets : sequence
        ``_district_targets(cfg, month, project_root)``.
    hourly_district, district_stations : DataFrame or None
        The hourly rows and the (month-keyed) set of the stations behind the district values
        (``ReportStationSets.district``, docs/stations.md "District values"); None: the
        town-ranking ones.

    Returns
    -------
    PmResults
    """
    from airlib.standards.validity import daily_statistics, monthly_statistics
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.ranking import town_monthly_ranking

    end_day = month.end_time.normalize()
    sdaily = daily_statistics(hourly, pollutants=("pm25",), start=start, end=end_day)
    tdaily = aggregate_daily(sdaily, stations, level="town")
    ranking = town_monthly_ranking(tdaily, month, towns=towns)
    hd, ds, dsdaily = hourly, stations, sdaily
    if hourly_district is not None:
        hd, ds = hourly_district, district_stations if district_stations is not None else stations
        if hd is not hourly:
            dsdaily = daily_statistics(hd, pollutants=("pm25",), start=start, end=end_day)
    ddaily = aggregate_daily(dsdaily, ds, level="district", towns=towns)
    dm = monthly_statistics(ddaily, percentiles={})
    dm = dm[["month", "pm25", "pm25_n", "pm25_valid", "pm25_provisional"]].copy()
    target_daily = ddaily
    if any(g.metric == "heavy_pollution_days" for _, g in report_targets):  # heavy days need the daily AQI
        target_daily = ddaily.merge(district_daily_aqi(hd, towns, ds, start, end_day), on="date", how="left")
    return PmResults(
        station_daily=sdaily, town_daily=tdaily, district_daily=ddaily, ranking=ranking, district_monthly=dm,
        bulletin=district_bulletin(cfg, month, hourly, towns, stations, hourly_district=hd, district_stations=ds),
        targets=district_targets(cfg, month, target_daily, project_root),
    )


def _differ(x: Any, y: Any) -> bool:
    """True when two values differ (both missing counts as equal)."""
    if pd.isna(x) and pd.isna(y):
        return False
    return bool(pd.isna(x) or pd.isna(y) or x != y)


#: Quantities of :func:`sand_dust_comparison`, in order.
SAND_DUST_QUANTITIES: Final[tuple[str, ...]] = (
    "pm25", "rank", "ytd", "ytd_rank", "pm10_month", "pm25_month", "pm10_ytd", "pm25_ytd",
    "target_current", "target_status",
)


def sand_dust_comparison(without: PmResults, with_: PmResults) -> pd.DataFrame:
    """The report's figures that differ between the data without and with 扣沙.

    Compared: each town's monthly and year-to-date PM2.5 and rank (the ranking tables), the
    district's PM10 and PM2.5 of the month and the year to date (the 月通报 district row), and
    each district target's current value and judgement. Equal values (both missing counts as
    equal) give no row.

    Returns
    -------
    DataFrame
        ``unit`` (town name, the district's name, or the target's metric), ``quantity`` (one of
        :data:`SAND_DUST_QUANTITIES`), ``without`` and ``with`` (the values as the report
        shows them); empty when nothing differs.
    """
    rows: list[tuple[str, str, Any, Any]] = []
    a = without.ranking.set_index("town_code")
    b = with_.ranking.set_index("town_code").reindex(a.index)
    for code in a.index:
        name = str(a.at[code, "town_name"]) if "town_name" in a else str(code)
        for col in ("pm25", "rank", "ytd", "ytd_rank"):
            if col in a and _differ(a.at[code, col], b.at[code, col]):
                rows.append((name, col, a.at[code, col], b.at[code, col]))
    for frame, when in (("monthly", "month"), ("ytd", "ytd")):
        da, db = getattr(without.bulletin, frame), getattr(with_.bulletin, frame)
        ra, rb = da[da["level"] == "district"], db[db["level"] == "district"]
        if ra.empty or rb.empty:
            continue
        for col in ("pm10", "pm25"):
            if col in ra and _differ(ra[col].iloc[0], rb[col].iloc[0]):
                rows.append((str(ra["name"].iloc[0]), f"{col}_{when}", ra[col].iloc[0], rb[col].iloc[0]))
    ta, tb = without.targets, with_.targets
    if not ta.empty and len(ta) == len(tb):
        for i in range(len(ta)):
            for col in ("current", "status"):
                if col in ta and _differ(ta[col].iloc[i], tb[col].iloc[i]):
                    rows.append((str(ta["metric"].iloc[i]), f"target_{col}", ta[col].iloc[i], tb[col].iloc[i]))
    return pd.DataFrame(rows, columns=["unit", "quantity", "without", "with"])


def station_set_facts(registry: pd.DataFrame, sets: Any, month: pd.Period, classes: Any) -> dict[str, Any]:
    """The facts of the report's station-set statements for ``month`` (docs/stations.md "What
    the report states"), as ``validity`` keys: ``station_sets`` (``town_ranking``,
    ``district_values``, ``hotspot_screening`` → :func:`airlib.tracking.station_sets.set_counts`),
    ``district_basis``, ``district_basis_changes`` (months ``YYYY-MM`` of the year-on-year span
    on the other basis) and ``district_assessment_classes`` (names of the classes serving
    ``district_assessment``; ``district_assessment_codes`` their codes, the English report's
    words). ``sets``: :class:`airlib.tracking.station_sets.ReportStationSets`."""
    from airlib.tracking.station_sets import set_counts, station_set_counts

    return {
        "station_sets": {"town_ranking": set_counts(sets.ranking[sets.ranking["month"] == month], classes),
                         "district_values": set_counts(sets.district[sets.district["month"] == month], classes),
                         "hotspot_screening": station_set_counts(registry, "hotspot_screening", month, classes)},
        "district_basis": sets.basis(month),
        "district_basis_changes": [str(p) for p in sets.other_basis_months(month)],
        "district_assessment_classes": [classes.name(c) for c in classes.classes
                                        if c in classes.serving("district_assessment")],
        "district_assessment_codes": [c for c in classes.classes if c in classes.serving("district_assessment")],
    }


def prepare(request: ReportRequest, *, meets_limit: float | None = 35.0) -> ReportData:
    """Read the store and compute everything the monthly report shows.

    The request was checked when it was built (:meth:`ReportRequest.build`); nothing is
    checked again here.

    Parameters
    ----------
    request : ReportRequest
        District, month, bottom N and project root of the report.
    meets_limit : float or None
        "Already meets the standard" threshold of the worsening list [µg/m³] of the month's
        PM2.5 (GB 3095—2012 grade II annual limit 35 by default; None excludes nobody).

    Returns
    -------
    ReportData

    Raises
    ------
    AirlibError
        A registry missing from the store, or no town of the district's code in it.
    """
    from airlib.io.station_classes import load_station_classes
    from airlib.io.warning_rules import load_warning_rules
    from airlib.tracking.ranking import bottom_n as _bottom, worsening_list
    from airlib.tracking.station_sets import report_station_sets, rows_in_sets, stations_for_months
    from airlib.tracking.supervision import (
        history_months, summons_candidates, supervision_history, warning_towns,
    )
    from airlib.io.store import read_hourly

    cfg, month, n, project_root = request.config, request.month, request.bottom_n, request.project_root
    store = store_dir(cfg, project_root)
    from airlib.io.store import dataset_dir

    version = dataset_dir(store.parent, store.name)  # resolved once: registries and months of one version
    towns = read_registry(version, "towns")
    if "district_code" in towns:
        towns = towns[towns["district_code"].astype("string") == cfg.district_code]
    if towns.empty:
        raise AirlibError(f"no towns of district code {cfg.district_code} ({cfg.name}) in {store / 'towns.parquet'}")
    registry = read_registry(version, "stations")
    registry = registry[registry["town_code"].astype("string").isin(towns["town_code"].astype("string"))]
    classes = load_station_classes(station_classes_path(cfg, project_root))

    # January of last year (YTD YoY) and 24 months back (trend figure), earlier for targets.
    first = min(pd.Period(year=month.year - 1, month=1, freq="M"), month - 23)
    report_targets = _district_targets(cfg, month, project_root)
    for _, g in report_targets:
        first = min(first, pd.Period(g.period.start, freq="M") - 12)
    start = first.start_time
    end = (month + 1).start_time
    hourly = read_hourly(version.parent, version.name, start, end)
    # each month with the stations that served the town ranking in that month, and the stations
    # behind the district values (国控/市控, else the ranking's; issue #17 item 1,
    # docs/stations.md): a station added, reclassified or moved today leaves past months as they were
    months_read = pd.period_range(first, month, freq="M")
    sets = report_station_sets(registry, months_read, classes)
    stations = stations_for_months(registry, "town_ranking", months_read, classes)
    district_only = stations_for_months(registry, "district_assessment", months_read, classes)
    stations = pd.concat([stations, district_only[~district_only["station"].isin(stations["station"])]],
                         ignore_index=True).sort_values("station", kind="stable").reset_index(drop=True)
    hourly = hourly[hourly["station"].isin(stations["station"])]
    hourly_all = hourly
    hourly = rows_in_sets(hourly_all, sets.ranking)
    hourly_d = hourly if sets.same else rows_in_sets(hourly_all, sets.district)
    del hourly_all
    sand_dust = None
    res = pm_results(cfg, month, hourly, towns, sets.ranking, start, report_targets, project_root,
                     hourly_district=hourly_d, district_stations=sets.district)
    if cfg.dust_periods:  # 扣沙: the same code path on the data without the periods (docs/dust.md)
        from airlib.io.sand_dust import read_sand_dust_periods
        from airlib.standards.sand_dust import exclude_sand_dust, periods_for_area

        periods = read_sand_dust_periods(cfg.path(cfg.dust_periods, project_root))
        cleaned = exclude_sand_dust(hourly, periods, area=cfg.name)
        info = cleaned.attrs["sand_dust"]
        cleaned_d = cleaned if hourly_d is hourly else exclude_sand_dust(hourly_d, periods, area=cfg.name)
        without = res
        with_ = pm_results(cfg, month, cleaned, towns, sets.ranking, start, report_targets, project_root,
                           hourly_district=cleaned_d, district_stations=sets.district)
        res = with_ if cfg.dust_exclusion else without
        sand_dust = SandDust(
            excluded=cfg.dust_exclusion, periods=periods_for_area(periods, cfg.name).reset_index(drop=True),
            n_periods=info["periods"], hours=info["hours"], comparison=sand_dust_comparison(without, with_))
    sdaily, tdaily, ddaily, ranking, dm = (res.station_daily, res.town_daily, res.district_daily, res.ranking,
                                           res.district_monthly)
    worse = worsening_list(ranking, meets_limit=meets_limit)
    bottom = _bottom(ranking, n)
    rules = load_warning_rules(warning_rules_path(cfg, project_root))
    rules = rules.with_bottom_n(n)  # one N per report: the shaded rows of 表1 are the bottom-rank warnings
    months = history_months(rules, month)


    boundaries = district_boundaries(cfg, project_root, towns=towns, stations=stations)
    if cfg.synthetic and boundaries is not None:
        boundaries.attrs["schematic"] = True

    month_stations = sets.ranking[sets.ranking["month"] == month]
    sel = (sdaily["date"].dt.to_period("M") == month) & sdaily["station"].isin(month_stations["station"])
    sm = sdaily.loc[sel.to_numpy(dtype=bool)]
    validity = {
        "stations": int(month_stations["station"].nunique()),
        **station_set_facts(registry, sets, month, classes),
        "station_days": int(len(sm)),
        "station_days_valid": int(sm["pm25_valid"].sum()),
        "towns": int(len(ranking)),
        "towns_valid": int(ranking["valid"].sum()),
        "towns_invalid": ranking.loc[~ranking["valid"].astype(bool), "town_name"].astype(str).tolist()
        if "town_name" in ranking else [],
        "days_in_month": int(month.days_in_month),
    }
    bulletin = res.bulletin
    ledger_problems: list[dict[str, str]] = []
    ledger_cache: dict[str, Any] = {}
    progress = task_progress(cfg, month, towns, project_root, ledger_problems, cache=ledger_cache)
    in_force = [p.plan.title for p in _plans_in_force(cfg, month, project_root)]
    past_progress = task_history(cfg, months[:-1], towns, project_root, cache=ledger_cache)

    def month_progress(m: pd.Period) -> list[pd.DataFrame]:
        """Town task progress of every plan in force in month ``m`` (as of its end)."""
        if m == month:
            return [p.rows for p in progress if p.rows is not None]
        return past_progress.get(str(m), [])

    history = supervision_history(
        rules, tdaily, months, towns=towns, progress=month_progress,
        targets=lambda m: town_targets(cfg, m, tdaily, towns, project_root), rankings={str(month): ranking})
    reasons = history.reasons.loc[history.reasons["month"] == str(month)].reset_index(drop=True)
    warn = warned_towns(reasons, ranking)
    files = input_files(cfg, month, project_root, history=months[:-1])
    city = city_context(cfg, month, project_root)
    return ReportData(
        config=cfg, month=month, bottom_n=n, towns=towns, stations=stations,
        station_daily=sdaily, town_daily=tdaily, district_daily=ddaily, ranking=ranking, bottom=bottom,
        worsening=worse, warnings=warn, district_monthly=dm, boundaries=boundaries,
        validity=validity, inputs=run_record(files, project_root), versions=package_versions(),
        progress=progress, plans_in_force=in_force, ledger_problems=ledger_problems,
        targets=res.targets, city=city,
        bulletin=bulletin, reasons=reasons, rules=rules, history=history,
        summons=summons_candidates(rules, history, month),
        dust=dust_data(cfg, month, towns, project_root), sand_dust=sand_dust,
        tsp=tsp_context(cfg, month, towns, project_root),
        **observed_alert_episodes(cfg, month, hourly_d, towns, sets.district, project_root),
        forecast_verification=forecast_verification(cfg, month, hourly_d, towns, sets.district, project_root),
    )


def district_bulletin(cfg: DistrictConfig, month: pd.Period, hourly: pd.DataFrame,
                      towns: pd.DataFrame, stations: pd.DataFrame, *,
                      hourly_district: pd.DataFrame | None = None,
                      district_stations: pd.DataFrame | None = None) -> Bulletin:
    """The 月通报 tables of the district and its towns for ``month``.

    Station daily statistics of all six pollutants (:func:`airlib.standards.validity.daily_statistics`)
    from January of last year to the end of ``month``, aggregated to towns and the district
    (:func:`airlib.tracking.aggregation.aggregate_daily`), then
    :func:`airlib.tracking.bulletin.bulletin`.

    Parameters
    ----------
    cfg : DistrictConfig
        The district (name and code of the district row).
    month : Period
        Report month.
    hourly : DataFrame [µg/m³; CO mg/m³]
        The district's hourly store rows (town-ranking stations) covering January of last year
        to ``month``.
    towns, stations : DataFrame
        The district's town registry and the town-ranking stations (registry or month-keyed set).
    hourly_district, district_stations : DataFrame or None
        Rows and (month-keyed) set of the stations behind the district row (docs/stations.md
        "District values"); None: those of the towns.

    Returns
    -------
    Bulletin
    """
    from airlib.pollutants import POLLUTANTS
    from airlib.standards.validity import daily_statistics
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.bulletin import bulletin

    start = pd.Period(year=month.year - 1, month=1, freq="M").start_time

    def station_daily(frame: pd.DataFrame) -> pd.DataFrame:
        h = frame[(frame["time"] >= start).to_numpy(dtype=bool)]
        present = [p for p in POLLUTANTS if p in h.columns]
        return daily_statistics(h, pollutants=present, start=start, end=month.end_time.normalize())

    sdaily = station_daily(hourly)
    tdaily = aggregate_daily(sdaily, stations, level="town")
    if hourly_district is None or hourly_district is hourly:
        ddaily = aggregate_daily(sdaily, stations if district_stations is None else district_stations,
                                 level="district", towns=towns)
    else:
        ddaily = aggregate_daily(station_daily(hourly_district),
                                 stations if district_stations is None else district_stations,
                                 level="district", towns=towns)
    return bulletin(tdaily, ddaily, month, towns=towns, district_code=cfg.district_code,
                    district_name=cfg.name)


def _read_ledger_files(paths: Sequence[Path], plan: Any, towns: pd.DataFrame,
                       problems: list[dict[str, str]]) -> pd.DataFrame | None:
    """The readable ledgers among ``paths`` (:func:`airlib.io.ledgers.read_ledgers` with
    ``on_error="skip"``); each unreadable file is recorded in ``problems`` (``{"file": path,
    "problem": why}``). None when no file is readable."""
    from airlib.errors import InputDataError
    from airlib.io.ledgers import read_ledgers

    if not paths:
        return None
    try:
        ledger = read_ledgers(list(paths), plan, towns, warn=False, on_error="skip")
    except InputDataError as exc:  # nothing readable, or the same month in two files
        bad = getattr(exc, "unreadable", None) or [{"file": str(paths[0]), "message": str(exc)}]
        problems += [{"file": u["file"], "problem": " ".join(u["message"].split())} for u in bad]
        return None
    problems += [{"file": u["file"], "problem": " ".join(u["message"].split())}
                 for u in ledger.attrs.get("unreadable", [])]
    return ledger


#: Days before the report month's end over which the observed alert episodes are found: the
#: heating season up to the month (at most 15 Nov – 15 Mar, 121 days) plus a month for an
#: episode that started before it.
ALERT_LOOKBACK_DAYS: Final[int] = 200


def observed_alert_episodes(cfg: DistrictConfig, month: pd.Period, hourly: pd.DataFrame, towns: pd.DataFrame,
                            stations: pd.DataFrame, project_root: Path | None = None) -> dict[str, Any]:
    """``alert_episodes`` and ``observed_from`` of :class:`ReportData` (both None when the
    district has no ``alert_log``): :func:`airlib.tracking.alerts.district_episodes` of the
    report's hourly rows of the last :data:`ALERT_LOOKBACK_DAYS` days under the configured plans."""
    from airlib.tracking.alerts import district_episodes
    from airlib.tracking.rolling_aqi import unit_rolling_aqi

    if cfg.alert_log is None:
        return {"alert_episodes": None, "observed_from": None}
    m1 = (month + 1).start_time.normalize()
    t0 = m1 - pd.Timedelta(days=ALERT_LOOKBACK_DAYS)
    h = hourly[((hourly["time"] >= t0) & (hourly["time"] < m1)).to_numpy(dtype=bool)]
    plans = configured_plans(cfg, project_root)
    rolling = unit_rolling_aqi(h, stations, level="district", towns=towns)
    valid = rolling.loc[rolling["valid"].astype(bool), "time"]
    episodes = district_episodes(h, stations, towns, cfg.name, t0, m1, plans=plans, rolling=rolling)
    return {"alert_episodes": episodes, "observed_from": pd.Timestamp(valid.min()) if len(valid) else None}


def read_configured(cfg: DistrictConfig, key: str, project_root: Path | None, reader: Any) -> Any:
    """The file of config key ``key`` read by ``reader`` (None when the key is not configured).

    A configured file that does not exist stops the report with an :class:`AirlibError` naming
    the key and the path and what to do; an unreadable one raises the reader's
    :class:`~airlib.errors.InputDataError` (file, row, column). Used by the monthly report and
    the daily report (:mod:`airlib.report.daily`) for ``forecasts`` and ``alert_log``.
    """
    rel = getattr(cfg, key, None)
    if rel is None:
        return None
    path = cfg.path(rel, project_root)
    if not path.is_file():
        raise AirlibError(f"{cfg.name}: the file of key '{key}' in districts.yaml does not exist: {path}; "
                          f"put the file there or remove the key")
    return reader(path)


def forecast_verification(cfg: DistrictConfig, month: pd.Period, hourly: pd.DataFrame, towns: pd.DataFrame,
                          stations: pd.DataFrame, project_root: Path | None = None) -> pd.DataFrame | None:
    """预报检验 of the month: the forecasts of key ``forecasts`` for the district (area = the
    district's name, or no area) whose target day lies in ``month``, verified per lead day
    (:func:`airlib.tracking.forecasts.verify_forecasts`, ``by=("lead_days",)``) against the
    district's daily AQI [AQI] of the report's own daily path (:func:`district_daily_aqi`).
    None when ``forecasts`` is not configured (issue #15 "Forecasts … verify them monthly")."""
    from airlib.io.forecasts import read_forecasts
    from airlib.tracking.forecasts import verify_forecasts

    fc = read_configured(cfg, "forecasts", project_root, read_forecasts)
    if fc is None:
        return None
    m0, m_end = month.start_time.normalize(), month.end_time.normalize()
    keep = (fc["area"].isin([cfg.name, ""]) & (fc["target_date"] >= m0) & (fc["target_date"] <= m_end)).to_numpy(dtype=bool)
    observed = district_daily_aqi(hourly, towns, stations, m0, m_end)
    return verify_forecasts(fc[keep].reset_index(drop=True), observed, by=("lead_days",))


def configured_plans(cfg: DistrictConfig, project_root: Path | None = None) -> list[Any]:
    """The district's configured plan files that exist (:func:`airlib.report.request.plan_paths`),
    loaded once per file version, in configuration order."""
    return [_load_plan_once(str(path), *_file_identity(path)) for path in plan_paths(cfg, project_root)]


def _plans_in_force(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> list[Any]:
    """The configured plans in force for the district in ``month``
    (:func:`airlib.io.plans.plans_in_force`), in configuration order."""
    from airlib.io.plans import plans_in_force

    plans = [_load_plan_once(str(path), *_file_identity(path)) for path in plan_paths(cfg, project_root)]
    return plans_in_force(plans, month, cfg.name)


def _file_identity(path: Path) -> tuple[int, int]:
    """(modification time [ns], size [bytes]): a changed file is read again."""
    st = path.stat()
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=64)
def _load_plan_once(path: str, mtime_ns: int, size: int) -> Any:
    """:func:`airlib.io.plans.load_plan` of a configured plan file, once per file version (a
    report asks for the plans in force of every month of its warning history; plans are
    immutable)."""
    import warnings

    from airlib.io.plans import load_plan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_plan(path, warn=False)


def task_progress(cfg: DistrictConfig, month: pd.Period, towns: pd.DataFrame,
                  project_root: Path | None = None,
                  problems: list[dict[str, str]] | None = None, *,
                  cache: dict[str, Any] | None = None) -> list[TaskProgress]:
    """Task progress of the towns at the end of ``month``, one entry per plan in force.

    The plans are those of the district's configuration in force in ``month``
    (:func:`airlib.io.plans.plans_in_force`) that are the district's own and have per-town
    tasks; plans not in force are not evaluated at all. Each plan's ledgers are the files of
    ``<ledgers>/<plan id>/`` and those directly in ``<ledgers>/`` (tried against each plan;
    :func:`airlib.io.ledgers.plan_ledger_files`). A plan without a readable ledger up to the
    month gives no entry; ledgers that stop before the month give an entry marked ``stale``
    with its last month (:func:`airlib.tracking.progress.ledger_currency`).

    Ledger files that cannot be read (corrupt or truncated workbook, wrong columns, unknown
    towns …) are skipped and listed in ``problems`` (``{"file": name, "problem": why}``),
    so that one bad file does not hide the progress of the others; the report names them. A
    file directly in ``<ledgers>/`` is a problem only when no plan in force can read it; a
    file in a plan's folder, when that plan cannot.

    ``cache``: ledgers already read (plan id → (frame or None, problems)), shared with :func:`task_history` so that
    a report reads each plan's ledgers once.

    Returns
    -------
    list of TaskProgress
        Empty when the district has no ledgers configured/present or no plan in force with
        per-town tasks and ledgers up to ``month``.
    """
    problems = [] if problems is None else problems
    cache = {} if cache is None else cache
    if not cfg.ledgers:
        return []
    folder = cfg.path(cfg.ledgers, project_root)
    if not folder.exists():
        return []
    from airlib.tracking.progress import district_progress, month_as_of, overdue_tasks, town_scores

    out: list[TaskProgress] = []
    as_of = month_as_of(str(month))
    for plan, ledger, prog, used in _plan_progress_rows(cfg, month, towns, project_root, problems, cache):
        cur = prog.attrs
        months = pd.PeriodIndex(ledger["month"].astype(str), freq="M")
        out.append(TaskProgress(
            plan=plan.plan.title,
            as_of=as_of,
            last_ledger_month=cur["last_month"] or str(months[months <= month].max()),
            scores=town_scores(prog, ledger, as_of),
            overdue=overdue_tasks(prog),
            tasks=district_progress(prog),
            plan_id=plan.id,
            stale=bool(cur["stale"]),
            missing_months=tuple(cur["missing_months"]),
            closed=plan.ended_by(as_of),
            period=(plan.period.start, plan.period.end),
            rows=prog,
            ledger_files=used,
        ))
    return out


def _plan_progress_rows(cfg: DistrictConfig, month: pd.Period, towns: pd.DataFrame, project_root: Path | None,
                        problems: list[dict[str, str]], cache: dict[str, Any]) -> list[tuple[Any, pd.DataFrame,
                                                                                             pd.DataFrame, tuple[Path, ...]]]:
    """(plan, ledger, :func:`airlib.tracking.progress.town_progress` rows, ledger files read) of
    every plan in force in ``month`` with per-town tasks and a ledger up to it — the selection
    and ledger reading :func:`task_progress` and :func:`task_history` share. Unreadable files
    are added to ``problems`` (see :func:`task_progress`); ``cache`` holds each plan's ledgers."""
    import warnings

    from airlib.io.ledgers import plan_ledger_files
    from airlib.tracking.progress import month_as_of, town_progress

    folder = cfg.path(cfg.ledgers, project_root)
    out = []
    mine: list[dict[str, str]] = []  # unreadable files of a plan's own folder
    shared_bad: dict[str, list[dict[str, str]]] = {}  # shared file → why each plan could not read it
    shared_read: set[str] = set()
    as_of = month_as_of(str(month))
    for plan in _plans_in_force(cfg, month, project_root):
        if plan.plan.district != cfg.name or not any(t.towns for t in plan.tasks):
            continue
        own, shared = plan_ledger_files(folder, plan.id)
        if plan.id in cache:  # read once per report (task_history asks again for earlier months)
            ledger, bad = cache[plan.id]
        else:
            bad = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ledger = _read_ledger_files([*own, *shared], plan, towns, bad)
            cache[plan.id] = (ledger, bad)
        bad_files = {b["file"] for b in bad}
        own_names = {str(f) for f in own}
        mine += [b for b in bad if b["file"] in own_names and b not in mine]
        for b in bad:
            if b["file"] not in own_names:
                shared_bad.setdefault(b["file"], []).append(b)
        shared_read |= {str(f) for f in shared if str(f) not in bad_files} if ledger is not None else set()
        if ledger is None or ledger.empty:
            continue
        months = pd.PeriodIndex(ledger["month"].astype(str), freq="M")
        if (months <= month).sum() == 0:
            continue
        used = tuple(f for f in [*own, *shared] if str(f) not in bad_files)
        out.append((plan, ledger, town_progress(plan, ledger, as_of, towns), used))
    found = mine + [b for f, bs in shared_bad.items() if f not in shared_read for b in bs[:1]]
    problems += [{"file": Path(b["file"]).name, "problem": b["problem"]} for b in found]
    return out


def task_history(cfg: DistrictConfig, months: Sequence[pd.Period], towns: pd.DataFrame,
                 project_root: Path | None = None, *,
                 cache: dict[str, Any] | None = None) -> dict[str, list[pd.DataFrame]]:
    """Town task progress of earlier months, for the warning history: for each month of
    ``months``, the :func:`airlib.tracking.progress.town_progress` rows of every plan in force
    in THAT month as of its end — exactly what :func:`task_progress` gives that month's own
    report (so a month inside a later report's history has the reasons of its own report).

    Returns
    -------
    dict of str to list of DataFrame
        ``YYYY-MM`` → one frame per plan with task progress that month (months without any
        plan in force or ledger map to an empty list). Unreadable ledgers are reported by the
        report month's :func:`task_progress`, not again here.
    """
    cache = {} if cache is None else cache
    if not cfg.ledgers or not cfg.path(cfg.ledgers, project_root).exists():
        return {str(m): [] for m in months}
    return {str(m): [prog for _, _, prog, _ in _plan_progress_rows(cfg, m, towns, project_root, [], cache)]
            for m in months}


def warned_towns(reasons: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """The warned towns of the month (:func:`airlib.tracking.supervision.warning_towns`: ``n_reasons``,
    ``reasons``) with their row of the ranking (``pm25`` [µg/m³], ``rank``, ``yoy_pct`` [%],
    ``valid_days`` …), worst rank first (the order of ``reasons``)."""
    from airlib.tracking.supervision import warning_towns

    w = warning_towns(reasons).drop(columns=["month"])
    r = ranking.drop(columns=[c for c in ("town_name",) if c in ranking]).copy()
    r["town_code"] = r["town_code"].astype("string")
    return w.merge(r, on="town_code", how="left")


def town_targets(cfg: DistrictConfig, month: pd.Period, town_daily: pd.DataFrame, towns: pd.DataFrame,
                 project_root: Path | None = None) -> pd.DataFrame:
    """Town-scope and each-town air-quality targets of the plans in force for ``month``, evaluated for its
    towns in ``month`` (:func:`airlib.tracking.targets.evaluate_targets`, every window), with
    ``plan`` (title); empty when no plan has such a target (the warning rule ``target_missed``
    then finds nothing)."""
    from airlib.tracking.targets import evaluate_targets

    frames = []
    for plan in _plans_in_force(cfg, month, project_root):
        mine = [g for g in plan.targets if g.scope in ("town", "each_town")
                and (g.district or plan.plan.district) == cfg.name
                and pd.Period(g.period.start, freq="M") <= month <= pd.Period(g.period.end, freq="M")]
        if not mine:
            continue
        res = evaluate_targets(plan.model_copy(update={"targets": mine}), town_daily, None, str(month), towns=towns)
        if len(res):
            frames.append(res.assign(plan=plan.plan.title))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


#: Metrics of the district targets the report evaluates: the PM2.5 mean [µg/m³] and the
#: heavy-pollution days [days] (daily AQI > 200).
REPORT_TARGET_METRICS: Final[tuple[str, ...]] = ("pm25_mean", "heavy_pollution_days")


def _district_targets(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None):
    """(plan, target) pairs: district PM2.5 and heavy-pollution-day targets of ``cfg``
    (metrics :data:`REPORT_TARGET_METRICS`) in the plans in force for ``month``
    (:func:`airlib.io.plans.plans_in_force`; a city-wide plan's targets for the district apply
    to it) that have started by ``month``."""
    out = []
    for plan in _plans_in_force(cfg, month, project_root):
        for g in plan.targets:
            district = g.district or plan.plan.district
            if g.metric not in REPORT_TARGET_METRICS or g.scope != "district" or district != cfg.name:
                continue
            if g.kind not in ("absolute_cap", "reduction_vs_last_year"):
                continue
            if pd.Period(g.period.start, freq="M") > month:
                continue
            out.append((plan, g))
    return out


def district_targets(cfg: DistrictConfig, month: pd.Period, district_daily: pd.DataFrame,
                     project_root: Path | None = None) -> pd.DataFrame:
    """District PM2.5 and heavy-pollution-day targets whose period contains ``month``, evaluated
    by :func:`airlib.tracking.targets.evaluate_targets` over the target period to date (目标期累计).

    Targets that a city-level plan sets for this district (``district:`` on the target, as in
    the 2020 district PM2.5 targets) are evaluated as if the district's own plan set them.

    Parameters
    ----------
    district_daily : DataFrame
        District daily values: ``date``, ``pm25`` [µg/m³] and, for heavy-day targets, ``aqi``
        (:func:`district_daily_aqi`); a heavy-day target without ``aqi`` is left out.

    Returns
    -------
    DataFrame
        :func:`airlib.tracking.targets.evaluate_targets` rows of the district for the period window
        (``metric``, ``current``, ``comparison``, ``change_pct``, ``target_level``, ``status``,
        ``comparison_full``, ``allowed_total``, ``allowance``, ``outlook`` …) plus ``plan`` (title).
    """
    from airlib.tracking.targets import evaluate_targets

    frames = []
    by_plan: dict[int, tuple[Any, list[Any]]] = {}
    for plan, g in _district_targets(cfg, month, project_root):
        start, end = pd.Period(g.period.start, freq="M"), pd.Period(g.period.end, freq="M")
        if not start <= month <= end:
            continue
        by_plan.setdefault(id(plan), (plan, []))[1].append(g)
    for plan, targets in by_plan.values():
        header = plan.plan.model_copy(update={"district": cfg.name, "district_code": cfg.district_code})
        local = plan.model_copy(update={"plan": header, "targets": targets})
        res = evaluate_targets(local, None, district_daily, str(month), windows=("period",))
        res = res[res["metric"].isin(REPORT_TARGET_METRICS)].copy()
        res["plan"] = plan.plan.title
        frames.append(res)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def district_daily_aqi(hourly: pd.DataFrame, towns: pd.DataFrame, stations: pd.DataFrame,
                       start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The district's daily AQI [dimensionless] from ``start`` to ``end`` (inclusive days).

    Station daily statistics of every pollutant present
    (:func:`airlib.standards.validity.daily_statistics`), aggregated to the district
    (:func:`airlib.tracking.aggregation.aggregate_daily`) and turned into the daily AQI from the
    valid values (:func:`airlib.tracking.bulletin.valid_daily_aqi`, the AQI the bulletin counts
    heavy days on).

    Returns
    -------
    DataFrame
        ``date``, ``aqi``.
    """
    from airlib.pollutants import POLLUTANTS
    from airlib.standards.validity import daily_statistics
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.bulletin import valid_daily_aqi

    present = [p for p in POLLUTANTS if p in hourly.columns]
    sdaily = daily_statistics(hourly, pollutants=present, start=start, end=end)
    ddaily = aggregate_daily(sdaily, stations, level="district", towns=towns)
    return valid_daily_aqi(ddaily, "district_code")[["date", "aqi"]]
