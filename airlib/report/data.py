"""Everything the monthly report shows, computed once from a :class:`ReportRequest`.

:func:`prepare` reads the district's store (one pinned store version), computes station and
town daily statistics, the monthly ranking, bottom/worsening/warning lists, the district's
monthly series, task progress from the ledgers and the district PM2.5 targets, and records
every input file (SHA-256) and package version of the run, in a :class:`ReportData` with
typed fields.
"""

from __future__ import annotations

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
from airlib.tracking.bulletin import Bulletin
from airlib.report.request import (
    ReportRequest,
    city_table_path,
    district_boundaries,
    month_partition,
    plan_paths,
    read_registry,
    store_dir,
)

__all__ = [
    "RECORDED_PACKAGES", "CityContext", "ReportData", "TaskProgress", "city_context",
    "district_bulletin", "input_files", "package_versions",
    "pm25_targets", "prepare", "record_path", "run_record", "task_progress",
]


#: Packages whose versions are recorded with every run.
RECORDED_PACKAGES: Final[tuple[str, ...]] = (
    "airlib", "pandas", "numpy", "geopandas", "shapely", "pyproj", "matplotlib", "plotly",
    "papermill", "nbconvert", "openpyxl", "pyarrow",
)


@dataclass(frozen=True)
class TaskProgress:
    """Task progress of the district's towns at the end of the report month
    (:func:`task_progress`, from :mod:`airlib.tracking.progress`).

    Attributes
    ----------
    plan : str
        Title of the plan whose ledgers are shown.
    as_of : Timestamp
        Evaluation date (:func:`airlib.tracking.progress.month_as_of` of the report month).
    last_ledger_month : str
        Latest ledger month (``YYYY-MM``) not after the report month.
    scores : DataFrame
        :func:`airlib.tracking.progress.town_scores` (one row per town).
    overdue : DataFrame
        :func:`airlib.tracking.progress.overdue_tasks`.
    """

    plan: str
    as_of: pd.Timestamp
    last_ledger_month: str
    scores: pd.DataFrame
    overdue: pd.DataFrame


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
    ranking, bottom, worsening, warnings : DataFrame
        Monthly town ranking and its lists (:mod:`airlib.tracking.ranking`).
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
    progress : TaskProgress or None
        Task progress, None when no ledger covers the month.
    ledger_problems : list of dict
        Ledger files that could not be read: ``{"file": name, "problem": why}``.
    targets : DataFrame
        District PM2.5 targets of the month (:func:`pm25_targets`); empty when none applies.
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
    progress: TaskProgress | None = None
    ledger_problems: list[dict[str, str]] = field(default_factory=list)
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    numbering: Numbering = field(default_factory=Numbering)
    city: CityContext | None = None
    bulletin: Bulletin | None = None


def input_files(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> list[Path]:
    """Every file a report of ``month`` reads: store partitions (January of last year to
    ``month``), registries, store manifest, boundaries, plans (as found by
    :func:`airlib.report.request.plan_paths`), task ledgers (:func:`airlib.io.ledgers.ledger_files`)
    the city table when the configuration names one (``city_table``), and the district's own
    预警通知函 template (``letter_template``; the shipped one is part of airlib)."""
    from airlib.io.ledgers import ledger_files
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
    if cfg.ledgers:
        files.extend(ledger_files(cfg.path(cfg.ledgers, project_root)))
    city = city_table_path(cfg, month, project_root)  # the month's city table, when configured
    if city is not None and city.is_file():
        files.append(city)
    if cfg.letter_template and cfg.path(cfg.letter_template, project_root).is_file():
        files.append(cfg.path(cfg.letter_template, project_root))
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
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.ranking import bottom_n as _bottom, town_monthly_ranking, warning_list, worsening_list
    from airlib.io.store import read_hourly
    from airlib.standards.validity import daily_statistics, monthly_statistics

    cfg, month, n, project_root = request.config, request.month, request.bottom_n, request.project_root
    store = store_dir(cfg, project_root)
    from airlib.io.store import dataset_dir

    version = dataset_dir(store.parent, store.name)  # resolved once: registries and months of one version
    towns = read_registry(version, "towns")
    if "district_code" in towns:
        towns = towns[towns["district_code"].astype("string") == cfg.district_code]
    if towns.empty:
        raise AirlibError(f"no towns of district code {cfg.district_code} ({cfg.name}) in {store / 'towns.parquet'}")
    stations = read_registry(version, "stations")
    stations = stations[stations["town_code"].astype("string").isin(towns["town_code"].astype("string"))]

    # January of last year (YTD YoY) and 24 months back (trend figure), earlier for targets.
    first = min(pd.Period(year=month.year - 1, month=1, freq="M"), month - 23)
    for _, g in _district_pm25_targets(cfg, month, project_root):
        first = min(first, pd.Period(g.period.start, freq="M") - 12)
    start = first.start_time
    end = (month + 1).start_time
    hourly = read_hourly(version.parent, version.name, start, end)
    hourly = hourly[hourly["station"].isin(stations["station"])]
    end_day = month.end_time.normalize()
    sdaily = daily_statistics(hourly, pollutants=("pm25",), start=start, end=end_day)
    tdaily = aggregate_daily(sdaily, stations, level="town")
    ranking = town_monthly_ranking(tdaily, month, towns=towns)
    worse = worsening_list(ranking, meets_limit=meets_limit)
    warn = warning_list(ranking, n, meets_limit=meets_limit)
    bottom = _bottom(ranking, n)

    ddaily = aggregate_daily(sdaily, stations, level="district", towns=towns)
    dm = monthly_statistics(ddaily, percentiles={})
    dm = dm[["month", "pm25", "pm25_n", "pm25_valid", "pm25_provisional"]].copy()

    boundaries = district_boundaries(cfg, project_root, towns=towns, stations=stations)
    if cfg.synthetic and boundaries is not None:
        boundaries.attrs["schematic"] = True

    sel = sdaily["date"].dt.to_period("M") == month
    sm = sdaily.loc[sel.to_numpy(dtype=bool)]
    validity = {
        "stations": int(stations["station"].nunique()),
        "station_days": int(len(sm)),
        "station_days_valid": int(sm["pm25_valid"].sum()),
        "towns": int(len(ranking)),
        "towns_valid": int(ranking["valid"].sum()),
        "towns_invalid": ranking.loc[~ranking["valid"].astype(bool), "town_name"].astype(str).tolist()
        if "town_name" in ranking else [],
        "days_in_month": int(month.days_in_month),
    }
    bulletin = district_bulletin(cfg, month, hourly, towns, stations)
    ledger_problems: list[dict[str, str]] = []
    progress = task_progress(cfg, month, towns, project_root, ledger_problems)
    files = input_files(cfg, month, project_root)
    city = city_context(cfg, month, project_root)
    return ReportData(
        config=cfg, month=month, bottom_n=n, towns=towns, stations=stations,
        station_daily=sdaily, town_daily=tdaily, district_daily=ddaily, ranking=ranking, bottom=bottom,
        worsening=worse, warnings=warn, district_monthly=dm, boundaries=boundaries,
        validity=validity, inputs=run_record(files, project_root), versions=package_versions(),
        progress=progress, ledger_problems=ledger_problems,
        targets=pm25_targets(cfg, month, ddaily, project_root), city=city,
        bulletin=bulletin,
    )


def district_bulletin(cfg: DistrictConfig, month: pd.Period, hourly: pd.DataFrame,
                      towns: pd.DataFrame, stations: pd.DataFrame) -> Bulletin:
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
        The district's hourly store rows covering January of last year to ``month``.
    towns, stations : DataFrame
        The district's registries.

    Returns
    -------
    Bulletin
    """
    from airlib.pollutants import POLLUTANTS
    from airlib.standards.validity import daily_statistics
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.bulletin import bulletin

    start = pd.Period(year=month.year - 1, month=1, freq="M").start_time
    h = hourly[(hourly["time"] >= start).to_numpy(dtype=bool)]
    present = [p for p in POLLUTANTS if p in h.columns]
    sdaily = daily_statistics(h, pollutants=present, start=start, end=month.end_time.normalize())
    tdaily = aggregate_daily(sdaily, stations, level="town")
    ddaily = aggregate_daily(sdaily, stations, level="district", towns=towns)
    return bulletin(tdaily, ddaily, month, towns=towns, district_code=cfg.district_code,
                    district_name=cfg.name)


def _read_ledger_files(folder: Path, plan: Any, towns: pd.DataFrame,
                       problems: list[dict[str, str]]) -> pd.DataFrame | None:
    """The readable ledgers of ``folder`` (:func:`airlib.io.ledgers.read_ledgers` with
    ``on_error="skip"``); each unreadable file is recorded in ``problems`` (``{"file": name,
    "problem": why}``). None when no file is readable."""
    from airlib.errors import InputDataError
    from airlib.io.ledgers import read_ledgers

    try:
        ledger = read_ledgers(folder, plan, towns, warn=False, on_error="skip")
    except InputDataError as exc:  # nothing readable, or the same month in two files
        bad = getattr(exc, "unreadable", None) or [{"file": str(folder), "message": str(exc)}]
        problems += [{"file": Path(u["file"]).name, "problem": " ".join(u["message"].split())} for u in bad]
        return None
    problems += [{"file": Path(u["file"]).name, "problem": " ".join(u["message"].split())}
                 for u in ledger.attrs.get("unreadable", [])]
    return ledger


def task_progress(cfg: DistrictConfig, month: pd.Period, towns: pd.DataFrame,
                  project_root: Path | None = None,
                  problems: list[dict[str, str]] | None = None) -> TaskProgress | None:
    """Task progress of the towns at the end of ``month`` (airlib.tracking.progress), or None.

    None when the district has no ledgers configured/present or no plan with per-town tasks
    whose ledgers report by ``month``.

    Ledger files that cannot be read (corrupt or truncated workbook, wrong columns, unknown
    towns …) are skipped and listed in ``problems`` (``{"file": name, "problem": why}``),
    so that one bad file does not hide the progress of the others; the report names them.
    """
    problems = [] if problems is None else problems
    if not cfg.ledgers:
        return None
    folder = cfg.path(cfg.ledgers, project_root)
    if not folder.exists():
        return None
    import warnings

    from airlib.io.plans import load_plan
    from airlib.tracking.progress import month_as_of, overdue_tasks, town_progress, town_scores

    # Problems are reported for the plan whose ledgers are shown, or for every plan when none
    # can be shown (a file unreadable against one plan may be a ledger of another).
    tried: list[dict[str, str]] = []
    for path in plan_paths(cfg, project_root):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = load_plan(path, warn=False)
            if plan.plan.district != cfg.name or not any(t.towns for t in plan.tasks):
                continue
            mine: list[dict[str, str]] = []
            ledger = _read_ledger_files(folder, plan, towns, mine)
        tried += [p for p in mine if p not in tried]
        if ledger is None or ledger.empty:
            continue
        months = pd.PeriodIndex(ledger["month"].astype(str), freq="M")
        if (months <= month).sum() == 0:
            continue
        as_of = month_as_of(str(month))
        prog = town_progress(plan, ledger, as_of, towns)
        problems.extend(mine)
        return TaskProgress(
            plan=plan.plan.title,
            as_of=as_of,
            last_ledger_month=str(months[months <= month].max()),
            scores=town_scores(prog),
            overdue=overdue_tasks(prog),
        )
    problems.extend(tried)
    return None


def _district_pm25_targets(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None):
    """(plan, target) pairs: district PM2.5 targets of ``cfg`` that have started by ``month``."""
    import warnings

    from airlib.io.plans import load_plan

    out = []
    for path in plan_paths(cfg, project_root):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = load_plan(path, warn=False)
        for g in plan.targets:
            district = g.district or plan.plan.district
            if g.metric != "pm25_mean" or g.scope != "district" or district != cfg.name:
                continue
            if g.kind not in ("absolute_cap", "reduction_vs_last_year"):
                continue
            if pd.Period(g.period.start, freq="M") > month:
                continue
            out.append((plan, g))
    return out


def pm25_targets(cfg: DistrictConfig, month: pd.Period, district_daily: pd.DataFrame,
                 project_root: Path | None = None) -> pd.DataFrame:
    """District PM2.5 targets whose period contains ``month``, evaluated by
    :func:`airlib.tracking.targets.evaluate_targets` over the target period to date (目标期累计).

    Targets that a city-level plan sets for this district (``district:`` on the target, as in
    the 2020 district PM2.5 targets) are evaluated as if the district's own plan set them.

    Returns
    -------
    DataFrame
        :func:`airlib.tracking.targets.evaluate_targets` rows of the district for the period window
        (``current``, ``comparison``, ``change_pct``, ``target_level``, ``status``,
        ``allowance``, ``outlook`` …) plus ``plan`` (title).
    """
    from airlib.tracking.targets import evaluate_targets

    frames = []
    by_plan: dict[int, tuple[Any, list[Any]]] = {}
    for plan, g in _district_pm25_targets(cfg, month, project_root):
        start, end = pd.Period(g.period.start, freq="M"), pd.Period(g.period.end, freq="M")
        if not start <= month <= end:
            continue
        by_plan.setdefault(id(plan), (plan, []))[1].append(g)
    for plan, targets in by_plan.values():
        header = plan.plan.model_copy(update={"district": cfg.name, "district_code": cfg.district_code})
        local = plan.model_copy(update={"plan": header, "targets": targets})
        res = evaluate_targets(local, None, district_daily, str(month), windows=("period",))
        res = res[res["metric"] == "pm25_mean"].copy()
        res["plan"] = plan.plan.title
        frames.append(res)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
