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
from airlib.report.config import DistrictConfig
from airlib.report.request import (
    ReportRequest,
    district_boundaries,
    month_partition,
    plan_paths,
    read_registry,
    store_dir,
)

__all__ = [
    "RECORDED_PACKAGES", "ReportData", "TaskProgress", "input_files", "package_versions",
    "pm25_targets", "prepare", "run_record", "task_progress",
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


def input_files(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> list[Path]:
    """Every file a report of ``month`` reads: store partitions (January of last year to
    ``month``), registries, store manifest, boundaries and plans."""
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
    if cfg.boundaries is not None:
        files.append(cfg.path(cfg.boundaries, project_root))
    files.extend(cfg.path(p, project_root) for p in cfg.plans if cfg.path(p, project_root).exists())
    return files


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
    """Table of the run's inputs: path (relative to the project), bytes, SHA-256."""
    from airlib.io.store import portable_path, sha256_file

    rows = [
        {"file": portable_path(f, project_root), "bytes": Path(f).stat().st_size, "sha256": sha256_file(f)}
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
    ledger_problems: list[dict[str, str]] = []
    progress = task_progress(cfg, month, towns, project_root, ledger_problems)
    files = input_files(cfg, month, project_root)
    return ReportData(
        config=cfg, month=month, bottom_n=n, towns=towns, stations=stations,
        station_daily=sdaily, town_daily=tdaily, district_daily=ddaily, ranking=ranking, bottom=bottom,
        worsening=worse, warnings=warn, district_monthly=dm, boundaries=boundaries,
        validity=validity, inputs=run_record(files, project_root), versions=package_versions(),
        progress=progress, ledger_problems=ledger_problems,
        targets=pm25_targets(cfg, month, ddaily, project_root),
    )


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
