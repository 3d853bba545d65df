"""Monthly ranking report (月排名、月通报): data preparation, papermill runner, PDF, Excel.

``airlib report --district 门头沟区 --month 2018-01`` executes ``notebooks/monthly_report.ipynb``
with papermill and writes to ``reports/<district>/<month>/``:

- ``monthly_report.ipynb``: the executed notebook, the run's record (parameters, SHA-256 of
  every input file, package versions);
- ``<district>_<month>_月排名报告.pdf``: no code; A4 with page numbers (CSS ``@page`` margin
  boxes), printed by headless Chromium from nbconvert HTML (``exclude_input``);
- ``<district>_<month>_排名表.xlsx``: ranking tables with Chinese headers (formula-safe);
- ``figures/*.png``: every figure of the report.

Atomicity and failure: the notebook runs in a staging folder beside the month folder. Only
when the notebook, the PDF and the workbook all succeeded does the staging folder become the
month folder, in one atomic step (``rename``; on a re-run the two folders are exchanged with
Linux ``renameat2(RENAME_EXCHANGE)``, else files are moved one by one with ``os.replace``). When a cell fails, the run stops with
:class:`ReportError` naming the cell, the executed notebook is kept as
``<month>/failed/monthly_report.failed.ipynb`` and the last good PDF/Excel stay untouched.

Kernels are started with ZeroMQ **IPC** transport (Unix sockets named after the unique
connection file) instead of TCP ports, so several reports can run at once (``--all``)
without port clashes.

Security and crash hygiene (docs/security.md): every user-supplied text is escaped where it is
rendered (:mod:`airlib.escaping`); Chromium prints an HTML alone in its own temporary folder
whose Content-Security-Policy (:data:`REPORT_CSP`) allows no script and no file or network
load; the district name is checked (:func:`airlib.report.config.check_district_name`) and the
month folder must resolve inside ``reports/`` before anything is written; staging and
temporary folders carry their owner (host, pid, process start time) in their name and
:func:`clean_stale` removes those of dead runs at the start of every run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.errors import AirlibError
from airlib.escaping import html_text, markdown_text, mpl_text
from airlib.paths import PROJECT_ROOT, project_root
from airlib.report.config import (
    DistrictConfig,
    check_district_name,
    config_file,
    district_config,
    district_names,
    inside_project,
    load_districts,
)

#: The report notebook shipped with airlib (code location, not the data project).
NOTEBOOK: Final[Path] = PROJECT_ROOT / "notebooks" / "monthly_report.ipynb"

#: Packages whose versions are recorded with every run.
RECORDED_PACKAGES: Final[tuple[str, ...]] = (
    "airlib", "pandas", "numpy", "geopandas", "shapely", "pyproj", "matplotlib", "plotly",
    "papermill", "nbconvert", "openpyxl", "pyarrow",
)

#: Chromium binaries tried in order.
CHROMIUM_CANDIDATES: Final[tuple[str, ...]] = ("chromium", "chromium-browser", "google-chrome", "chrome")


class ReportError(AirlibError):
    """A report run failed; the message names the failed step or cell and what was kept."""


class ReportWriteError(ReportError):
    """A report step failed because a file could not be written (disk full, read-only
    folder, no permission, quota): the user's to fix, so ``airlib report`` exits with 2."""


#: errno values that mean "cannot write here": EACCES, ENOSPC, EROFS, EDQUOT.
_WRITE_ERRNOS: Final[tuple[int, ...]] = (13, 28, 30, 122)


def _write_error_class(exc: BaseException) -> type[ReportError]:
    """:class:`ReportWriteError` when ``exc`` (or the notebook error it reports) is a write
    error of :data:`_WRITE_ERRNOS`, else :class:`ReportError`."""
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        return ReportWriteError
    if isinstance(exc, ReportWriteError) or re.search(
            r"\[Errno (" + "|".join(map(str, _WRITE_ERRNOS)) + r")\]", str(exc)):
        return ReportWriteError
    return ReportError


# --------------------------------------------------------------------------- months


def last_complete_month(today: dt.date | None = None) -> pd.Period:
    """The last calendar month that has ended before ``today`` (Beijing date by default)."""
    if today is None:
        today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    return pd.Period(today, freq="M") - 1


def parse_month(text: str | pd.Period | None, today: dt.date | None = None) -> pd.Period:
    """Parse ``YYYY-MM``; None → :func:`last_complete_month`. Future/incomplete months → error."""
    if text is None:
        return last_complete_month(today)
    if isinstance(text, pd.Period):
        month = text.asfreq("M")
    else:
        if not re.fullmatch(r"\s*\d{4}-\d{1,2}\s*", str(text)):
            raise AirlibError(f"month {text!r} is not of the form YYYY-MM (e.g. 2018-01)")
        try:
            month = pd.Period(str(text).strip(), freq="M")
        except (ValueError, TypeError) as exc:
            raise AirlibError(f"month {text!r} is not a valid month: {exc}") from None
    last = last_complete_month(today)
    if month > last:
        what = "in the future" if month > last + 1 else "not complete yet"
        raise AirlibError(f"month {month} is {what}; the latest complete month is {last}")
    return month


# --------------------------------------------------------------------------- inputs


def store_dir(cfg: DistrictConfig, root: Path | None = None) -> Path:
    """``data/processed/<dataset>/`` of a district (checked to be inside the project)."""
    return inside_project(Path("data") / "processed" / cfg.dataset, root)


def month_partition(cfg: DistrictConfig, month: pd.Period, root: Path | None = None) -> Path:
    """Folder of one month of the hourly store's current version (``hourly/year=YYYY/month=M``)."""
    from airlib.io.store import hourly_dir

    store = store_dir(cfg, root)
    return hourly_dir(store.parent, store.name) / f"year={month.year}" / f"month={month.month}"


def available_months(cfg: DistrictConfig, root: Path | None = None) -> list[pd.Period]:
    """Months present in the district's hourly store, sorted."""
    from airlib.io.store import hourly_dir

    store = store_dir(cfg, root)
    base = hourly_dir(store.parent, store.name)
    out = []
    for p in base.glob("year=*/month=*"):
        try:
            out.append(pd.Period(year=int(p.parent.name[5:]), month=int(p.name[6:]), freq="M"))
        except ValueError:
            continue
    return sorted(out)


def check_request(cfg: DistrictConfig, month: pd.Period, root: Path | None = None) -> None:
    """Check that the configured paths are inside the project and the month has data.

    Raises
    ------
    AirlibError
        A path outside the project, no store, no data for ``month``, a missing or bad boundary
        file (checked by :func:`district_boundaries`), or a plan file that does not load
        (:func:`airlib.io.plans.load_plan`) — all before any kernel starts.
    """
    from airlib.io.store import hourly_dir

    store = store_dir(cfg, root)
    if not hourly_dir(store.parent, store.name).exists():
        raise AirlibError(
            f"no processed data for {cfg.name} in {store}; run `airlib demo` (demo) or "
            f"`airlib ingest` first"
        )
    if not month_partition(cfg, month, root).exists():
        months = available_months(cfg, root)
        span = f"{months[0]} to {months[-1]}" if months else "none"
        raise AirlibError(f"no data for {cfg.name} in {month}; months with data: {span}")
    b = cfg.path(cfg.boundaries, root)
    if not b.exists():
        raise AirlibError(f"boundary file of {cfg.name} not found: {b}")
    for p in cfg.plans:
        cfg.path(p, root)
    from airlib.report.maps import BoundaryWarning
    from airlib.io.plans import load_plan

    for p in plan_paths(cfg, root):  # a broken plan file fails here, not inside the kernel
        load_plan(p, warn=False)
    with warnings.catch_warnings():  # the report shows them; here only errors matter
        warnings.simplefilter("ignore", BoundaryWarning)
        district_boundaries(cfg, root)


def district_boundaries(cfg: DistrictConfig, root: Path | None = None, *, towns: pd.DataFrame | None = None,
                        stations: pd.DataFrame | None = None):
    """The district's boundaries, checked by :func:`airlib.report.maps.load_boundaries` against the
    district's towns and stations (read from the store when not given)."""
    from airlib.report.maps import load_boundaries

    store = store_dir(cfg, root)
    if towns is None:
        towns = _read_registry(store, "towns")
        if "district_code" in towns:
            towns = towns[towns["district_code"].astype("string") == cfg.district_code]
    if stations is None:
        stations = _read_registry(store, "stations")
    return load_boundaries(
        cfg.path(cfg.boundaries, root),
        code_column=cfg.boundary_code_column,
        name_column=cfg.boundary_name_column,
        towns=towns,
        layer=cfg.boundary_layer,
        gcj02=cfg.gcj02,
        assume_crs=cfg.assume_crs,
        repair=cfg.boundary_repair,
        district_code=cfg.district_code if cfg.boundary_code_column else None,
        stations=stations,
    )


def input_files(cfg: DistrictConfig, month: pd.Period, root: Path | None = None) -> list[Path]:
    """Every file a report of ``month`` reads: store partitions (January of last year to
    ``month``), registries, store manifest, boundaries and plans."""
    from airlib.io.store import dataset_dir

    store = dataset_dir(store_dir(cfg, root).parent, cfg.dataset)  # the store's current version
    files: list[Path] = []
    m = pd.Period(year=month.year - 1, month=1, freq="M")
    while m <= month:
        part = month_partition(cfg, m, root)
        if part.exists():
            files.extend(sorted(p for p in part.rglob("*") if p.is_file()))
        m += 1
    for name in ("stations.parquet", "towns.parquet", "manifest.json"):
        if (store / name).exists():
            files.append(store / name)
    files.append(cfg.path(cfg.boundaries, root))
    files.extend(cfg.path(p, root) for p in cfg.plans if cfg.path(p, root).exists())
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


def run_record(files: Sequence[Path], root: Path | None = None) -> pd.DataFrame:
    """Table of the run's inputs: path (relative to the project), bytes, SHA-256."""
    from airlib.io.store import portable_path, sha256_file

    rows = [
        {"file": portable_path(f, root), "bytes": Path(f).stat().st_size, "sha256": sha256_file(f)}
        for f in files
    ]
    return pd.DataFrame(rows, columns=["file", "bytes", "sha256"])


# --------------------------------------------------------------------------- data


@dataclass
class ReportData:
    """Everything the report notebook shows, computed by :func:`prepare`."""

    config: DistrictConfig
    month: pd.Period
    bottom_n: int
    towns: pd.DataFrame
    stations: pd.DataFrame
    station_daily: pd.DataFrame
    town_daily: pd.DataFrame
    ranking: pd.DataFrame
    bottom: pd.DataFrame
    worsening: pd.DataFrame
    warnings: pd.DataFrame
    district_monthly: pd.DataFrame
    boundaries: Any
    validity: dict[str, Any]
    inputs: pd.DataFrame
    versions: dict[str, str]
    extras: dict[str, Any] = field(default_factory=dict)


def _read_registry(store: Path, name: str) -> pd.DataFrame:
    path = store / f"{name}.parquet"
    if not path.exists():
        raise AirlibError(f"registry {path} missing; re-run the ingest")
    return pd.read_parquet(path)


def prepare(
    district: str,
    month: str | pd.Period,
    *,
    root: str | os.PathLike[str] | None = None,
    bottom_n: int | None = None,
    meets_limit: float | None = 35.0,
) -> ReportData:
    """Read the store and compute everything the monthly report shows.

    Parameters
    ----------
    district : str
        Configured district name (``airlib.report.config``).
    month : str or Period
        Report month ``YYYY-MM``.
    root : path-like, optional
        Project root (default :func:`airlib.paths.project_root`).
    bottom_n : int, optional
        Size of the bottom list (default: the district's ``bottom_n``).
    meets_limit : float or None
        "Already meets the standard" threshold of the worsening list (µg/m³ of the month's
        PM2.5; GB 3095—2012 grade II annual limit 35 by default; None excludes nobody).

    Returns
    -------
    ReportData
    """
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.ranking import bottom_n as _bottom, town_monthly_ranking, warning_list, worsening_list
    from airlib.io.store import read_hourly
    from airlib.standards.validity import daily_statistics, monthly_statistics

    root = Path(root).resolve() if root is not None else project_root()
    cfg = district_config(district, root)
    month = pd.Period(month, freq="M")
    check_request(cfg, month, root)
    n = cfg.bottom_n if bottom_n is None else int(bottom_n)
    store = store_dir(cfg, root)
    from airlib.io.store import dataset_dir

    version = dataset_dir(store.parent, store.name)  # resolved once: registries and months of one version
    towns = _read_registry(version, "towns")
    if "district_code" in towns:
        towns = towns[towns["district_code"].astype("string") == cfg.district_code]
    if towns.empty:
        raise AirlibError(f"no towns of district code {cfg.district_code} ({cfg.name}) in {store / 'towns.parquet'}")
    stations = _read_registry(version, "stations")
    stations = stations[stations["town_code"].astype("string").isin(towns["town_code"].astype("string"))]

    # January of last year (YTD YoY) and 24 months back (trend figure), earlier for targets.
    first = min(pd.Period(year=month.year - 1, month=1, freq="M"), month - 23)
    for _, g in _district_pm25_targets(cfg, month, root):
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

    boundaries = district_boundaries(cfg, root, towns=towns, stations=stations)
    if cfg.synthetic:
        boundaries.attrs["schematic"] = True

    sel = sdaily["date"].dt.to_period("M") == month
    sm = sdaily.loc[sel.to_numpy(dtype=bool)]
    validity = {
        "stations": int(stations["station"].nunique()),
        "station_days": int(len(sm)),
        "station_days_valid": int(sm["pm25_valid"].sum()),
        "towns": int(len(ranking)),
        "towns_valid": int((ranking["status"] == "有效").sum()),
        "towns_invalid": ranking.loc[ranking["status"] != "有效", "town_name"].astype(str).tolist()
        if "town_name" in ranking else [],
        "days_in_month": int(month.days_in_month),
    }
    ledger_problems: list[dict[str, str]] = []
    extras = {
        "progress": task_progress(cfg, month, towns, root, ledger_problems),
        "ledger_problems": ledger_problems,
        "targets": pm25_targets(cfg, month, ddaily, root),
        "district_daily": ddaily,
    }
    files = input_files(cfg, month, root)
    return ReportData(
        config=cfg, month=month, bottom_n=n, towns=towns, stations=stations,
        station_daily=sdaily, town_daily=tdaily, ranking=ranking, bottom=bottom,
        worsening=worse, warnings=warn, district_monthly=dm, boundaries=boundaries,
        validity=validity, inputs=run_record(files, root), versions=package_versions(),
        extras=extras,
    )


def plan_paths(cfg: DistrictConfig, root: Path | None = None) -> list[Path]:
    """Configured plan files that exist: under the project root, else shipped with airlib."""
    out = []
    for rel in cfg.plans:
        p = cfg.path(rel, root)
        if not p.exists() and not Path(rel).is_absolute() and (PROJECT_ROOT / rel).exists():
            p = PROJECT_ROOT / rel
        if p.exists():
            out.append(p)
    return out


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


def _problem_text(exc: BaseException) -> str:
    """One-line description of why a file could not be read (type and message)."""
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg if isinstance(exc, AirlibError) else f"{type(exc).__name__}: {msg}"


def task_progress(cfg: DistrictConfig, month: pd.Period, towns: pd.DataFrame,
                  root: Path | None = None,
                  problems: list[dict[str, str]] | None = None) -> dict[str, Any] | None:
    """Task progress of the towns at the end of ``month`` (airlib.tracking.progress), or None.

    None when the district has no ledgers configured/present or no plan with per-town tasks
    whose ledgers report by ``month``. Returns ``{"plan": title, "scores": town_scores,
    "overdue": overdue_tasks, "as_of": date}``.

    Ledger files that cannot be read (corrupt or truncated workbook, wrong columns, unknown
    towns …) are skipped and listed in ``problems`` (``{"file": name, "problem": why}``),
    so that one bad file does not hide the progress of the others; the report names them.
    """
    problems = [] if problems is None else problems
    if not cfg.ledgers:
        return None
    folder = cfg.path(cfg.ledgers, root)
    if not folder.exists():
        return None
    import warnings

    from airlib.io.plans import load_plan
    from airlib.tracking.progress import month_as_of, overdue_tasks, town_progress, town_scores

    # Problems are reported for the plan whose ledgers are shown, or for every plan when none
    # can be shown (a file unreadable against one plan may be a ledger of another).
    tried: list[dict[str, str]] = []
    for path in plan_paths(cfg, root):
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
        return {
            "plan": plan.plan.title,
            "as_of": as_of,
            "last_ledger_month": str(months[months <= month].max()),
            "scores": town_scores(prog),
            "overdue": overdue_tasks(prog),
        }
    problems.extend(tried)
    return None


def _district_pm25_targets(cfg: DistrictConfig, month: pd.Period, root: Path | None = None):
    """(plan, target) pairs: district PM2.5 targets of ``cfg`` that have started by ``month``."""
    import warnings

    from airlib.io.plans import load_plan

    out = []
    for path in plan_paths(cfg, root):
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
                 root: Path | None = None) -> pd.DataFrame:
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
    for plan, g in _district_pm25_targets(cfg, month, root):
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


# --------------------------------------------------------------------------- display helpers

TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "{district}{year}年{month}月乡镇街道空气质量（PM2.5）排名报告",
        "ranking": "月排名",
        "ytd": "累计排名",
        "warning": "预警名单",
        "synthetic": "本报告使用合成演示数据，非真实监测数据。",
    },
    "en": {
        "title": "{district} town/street PM2.5 ranking report, {year}-{month:02d}",
        "ranking": "Monthly ranking",
        "ytd": "Year-to-date ranking",
        "warning": "Warning list",
        "synthetic": "This report uses SYNTHETIC demo data, not real monitoring data.",
    },
}

#: English headers for ``language="en"``.
HEADERS_EN: Final[dict[str, str]] = {
    "town_code": "Code", "town_name": "Town/street", "status": "Data", "pm25": "PM2.5 (µg/m³)",
    "rank": "Rank", "pm25_last_year": "Last year", "yoy_pct": "YoY (%)", "yoy_rank": "YoY rank",
    "ytd": "YTD (µg/m³)", "ytd_rank": "YTD rank", "ytd_last_year": "YTD last year",
    "ytd_yoy_pct": "YTD YoY (%)", "ytd_yoy_rank": "YTD YoY rank", "rank_last_month": "Rank last month",
    "rank_change": "Rank change", "valid_days": "Valid days", "reverse_rank": "Rank from bottom",
    "reason": "Reason",
}


def headers(language: str = "zh") -> dict[str, str]:
    """Column → display header for ``language`` (``"zh"`` or ``"en"``)."""
    from airlib.tracking.ranking import HEADERS_ZH

    if language not in ("zh", "en"):
        raise AirlibError(f"language must be 'zh' or 'en', not {language!r}")
    return dict(HEADERS_ZH) if language == "zh" else dict(HEADERS_EN)


MONTH_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "town_name", "pm25", "rank", "valid_days", "pm25_last_year", "yoy_pct", "yoy_rank",
    "rank_last_month", "rank_change",
)
YTD_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "town_name", "ytd", "ytd_rank", "ytd_last_year", "ytd_yoy_pct", "ytd_yoy_rank",
)
WARNING_TABLE_COLUMNS: Final[tuple[str, ...]] = ("town_name", "pm25", "rank", "yoy_pct", "reason")


def display_table(table: pd.DataFrame, columns: Sequence[str], language: str = "zh",
                  decimals: int = 0) -> pd.DataFrame:
    """A ranking table ready to show: chosen columns, Chinese headers, missing shown as "—".

    Concentrations keep ``decimals`` (published precision), percentages one decimal, ranks
    integers; rank movement is signed (``↑2`` / ``↓1`` / ``—``).
    """
    h = headers(language)
    cols = [c for c in columns if c in table]
    out = pd.DataFrame(index=table.index)
    for c in cols:
        s = table[c]
        if c in ("pm25", "pm25_last_year", "ytd", "ytd_last_year"):
            txt = s.astype("Float64").map(lambda v: "—" if pd.isna(v) else f"{v:.{decimals}f}")
        elif c.endswith("pct"):
            txt = s.astype("Float64").map(lambda v: "—" if pd.isna(v) else f"{v:+.1f}")
        elif c == "rank_change":
            txt = s.astype("Int64").map(
                lambda v: "—" if pd.isna(v) else ("↑" + str(v) if v > 0 else ("↓" + str(-v) if v < 0 else "0"))
            )
        elif c.endswith("rank") or c == "valid_days":
            txt = s.astype("Int64").map(lambda v: "—" if pd.isna(v) else str(int(v)))
        else:
            txt = s.astype("string").fillna("—")
        out[h.get(c, c)] = txt.astype("string").to_numpy()
    if "status" in table and "rank" in cols:
        invalid = (table["status"] != "有效").to_numpy(dtype=bool)
        out.loc[invalid, h["rank"]] = "无有效数据" if language == "zh" else "no valid data"
    return out.reset_index(drop=True)


def write_excel(data: ReportData, path: str | os.PathLike[str], language: str = "zh") -> Path:
    """Ranking tables → ``.xlsx`` (月排名, 累计排名, 预警名单, 后N名), Chinese headers."""
    from airlib.report.excel import write_tables

    month = data.month
    t = TEXT[language]
    sheets = {
        t["ranking"]: data.ranking,
        t["warning"]: data.warnings,
        ("后{}名".format(data.bottom_n) if language == "zh" else f"Bottom {data.bottom_n}"): data.bottom,
    }
    title_text = t["title"].format(district=data.config.name, year=month.year, month=month.month)
    if data.config.synthetic:
        title_text += "（" + t["synthetic"] + "）" if language == "zh" else f" ({t['synthetic']})"
    titles = {k: title_text for k in sheets}
    return write_tables(path, sheets, headers=headers(language), title=titles)


# --------------------------------------------------------------------------- figures


def trend_figure(data: ReportData, language: str = "zh"):
    """District monthly PM2.5: the last 12 months against the same months a year earlier."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    dm = data.district_monthly.copy()
    dm["period"] = dm["month"].dt.to_period("M")
    months = pd.period_range(data.month - 11, data.month, freq="M")
    cur = dm.set_index("period")["pm25"].reindex(months)
    prev = dm.set_index("period")["pm25"].reindex(months - 12)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(months))
    zh = language == "zh"
    ax.bar(x - 0.2, prev.to_numpy(dtype=float), width=0.4, color="#9ecae1",
           label="上年同期" if zh else "Same month last year")
    ax.bar(x + 0.2, cur.to_numpy(dtype=float), width=0.4, color="#08519c",
           label="本期" if zh else "This year")
    ax.axhline(35, color="#d62728", ls="--", lw=1)
    ax.text(-0.5, 35, "年均二级标准 35" if zh else "Grade II annual 35", color="#d62728", ha="left",
            va="bottom", fontsize=8, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_xticks(x, [f"{m.year % 100:02d}/{m.month}" if zh else str(m) for m in months],
                  fontsize=8, rotation=0 if zh else 45)
    ax.set_ylabel("PM2.5 (μg/m³)")
    name = mpl_text(data.config.name)
    ax.set_title(f"{name}PM2.5月均浓度" if zh else f"{name} monthly PM2.5")
    ax.legend(fontsize=8, loc="upper left")
    if data.config.synthetic:
        ax.text(0.99, 0.98, "合成演示数据" if zh else "synthetic demo data", transform=ax.transAxes,
                ha="right", va="top", fontsize=8, color="#b00000")
    fig.tight_layout()
    return fig


def ranking_bar_figure(data: ReportData, language: str = "zh"):
    """Horizontal bars of the month's PM2.5 by town, bottom N in red, invalid units marked."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    t = data.ranking
    zh = language == "zh"
    names = (t["town_name"] if "town_name" in t else t["town_code"]).map(mpl_text)
    vals = t["pm25"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    bottom_codes = set(data.bottom["town_code"])
    colors = ["#d62728" if c in bottom_codes else "#4c72b0" for c in t["town_code"]]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(t) + 1.2))
    y = np.arange(len(t))[::-1]
    ax.barh(y, np.nan_to_num(vals), color=colors)
    for yi, v, r in zip(y, vals, t["rank"], strict=True):
        label = ("无有效数据" if zh else "no valid data") if np.isnan(v) else f"{v:g}（第{int(r)}名）" if zh else f"{v:g} (#{int(r)})"
        ax.text(0 if np.isnan(v) else v, yi, " " + label, va="center", fontsize=8)
    ax.set_yticks(y, names.tolist(), fontsize=8)
    ax.set_xlabel("PM2.5 (μg/m³)")
    ax.set_title(("{}年{}月乡镇街道PM2.5浓度排名（红色：后{}名）" if zh else "{}-{:02d} PM2.5 by town (red: bottom {})")
                 .format(data.month.year, data.month.month, data.bottom_n))
    xmax = np.nanmax(vals) if np.isfinite(vals).any() else 1.0
    ax.set_xlim(0, xmax * 1.3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- runner


@dataclass(frozen=True)
class ReportResult:
    """Files written by one successful report run."""

    district: str
    month: pd.Period
    folder: Path
    pdf: Path
    excel: Path
    notebook: Path
    figures: tuple[Path, ...]
    seconds: float


def _inside(base: Path, *parts: str) -> Path:
    """``base/parts…`` resolved, checked to lie strictly inside ``base`` (no ``..``, no
    symlink out); :class:`AirlibError` otherwise."""
    full = base.joinpath(*parts).resolve()
    if base.resolve() not in full.parents:
        raise AirlibError(f"{'/'.join(parts)!r} resolves to {full}, outside {base}; refusing to write there")
    return full


def interactive_folder(district: str, month: pd.Period, root: Path | None = None) -> Path:
    """Where the notebook writes figures/Excel when run by hand in JupyterLab
    (``figures/report/<district>/<month>/``), so that it never touches the published report."""
    check_district_name(district)
    return _inside(inside_project(Path("figures") / "report", root), district, str(month))


def report_folder(cfg: DistrictConfig, month: pd.Period, root: Path | None = None) -> Path:
    """``reports/<district>/<YYYY-MM>/``; the district name is checked
    (:func:`airlib.report.config.check_district_name`) and the folder must resolve inside
    ``reports/`` of the project."""
    check_district_name(cfg.slug)
    return _inside(inside_project("reports", root), cfg.slug, str(month))


def output_names(cfg: DistrictConfig, month: pd.Period) -> dict[str, str]:
    """File names of a run's outputs."""
    return {
        "notebook": "monthly_report.ipynb",
        "pdf": f"{cfg.slug}_{month}_月排名报告.pdf",
        "excel": f"{cfg.slug}_{month}_排名表.xlsx",
    }


# --------------------------------------------------------------------------- stale folders

#: Prefixes of the temporary folders a report run creates in the system temp folder.
TEMP_PREFIXES: Final[tuple[str, ...]] = ("airlib-k-", "airlib-html-", "airlib-chromium-")
#: Owner tag at the end of a folder name: ``-<host>-<pid>-<start>-`` + mkdtemp's 8 random
#: characters (``[a-z0-9_]``, never ``-``).
_OWNER_RE: Final[re.Pattern[str]] = re.compile(
    r"-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-(?P<start>\d+)-[a-z0-9_]+$")


def _host_tag() -> str:
    """6 hex digits naming this machine (folders of another host are never judged)."""
    import hashlib
    import socket

    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def process_start_time(pid: int) -> str | None:
    """Start time of process ``pid`` (field 22 of ``/proc/<pid>/stat``, clock ticks since
    boot), ``"0"`` where there is no ``/proc`` but the process exists, None when it is gone.

    Together with the pid it identifies a process even after the pid is reused.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
    except OSError:
        return None
    else:
        return stat[stat.rindex(")") + 2:].split()[19]
    try:  # no /proc (macOS): existence only
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "0"


def owned_prefix(prefix: str) -> str:
    """``prefix`` + owner tag ``<host>-<pid>-<start>-`` of this process, for
    :func:`tempfile.mkdtemp`: the folder's name records its owner from the moment it exists,
    so :func:`clean_stale` can tell a dead run's folder from a live one's."""
    pid = os.getpid()
    return f"{prefix}{_host_tag()}-{pid}-{process_start_time(pid) or 0}-"


def owner_alive(name: str) -> bool:
    """Is the owner recorded in folder name ``name`` (see :func:`owned_prefix`) still running?

    True when the name carries no owner tag or the tag is of another host (nothing is known,
    so nothing may be removed); False when the pid is gone or now belongs to a process that
    started at another time (pid reuse).
    """
    m = _OWNER_RE.search(name)
    if m is None or m["host"] != _host_tag():
        return True
    start = process_start_time(int(m["pid"]))
    if start is None:
        return False
    return m["start"] == "0" or start == "0" or start == m["start"]


def clean_stale(root: Path | None = None, tmpdir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove what killed report runs left: ``reports/*/.<month>.staging-*`` folders and
    ``airlib-k-*``, ``airlib-html-*``, ``airlib-chromium-*`` folders in the temp folder, when
    their owner process (recorded in the name) is gone. Folders of live runs, of other hosts
    and without an owner tag are kept.

    Returns
    -------
    list of Path
        The folders removed.
    """
    root = Path(root) if root is not None else project_root()
    candidates: list[Path] = []
    reports = root / "reports"
    if reports.is_dir():
        candidates += [p for p in reports.glob("*/.*.staging-*") if p.is_dir() and not p.is_symlink()]
    tmp = Path(tmpdir) if tmpdir is not None else Path(tempfile.gettempdir())
    for prefix in TEMP_PREFIXES:
        candidates += [p for p in tmp.glob(prefix + "*") if p.is_dir() and not p.is_symlink()]
    removed = []
    for p in candidates:
        if not owner_alive(p.name):
            shutil.rmtree(p, ignore_errors=True)
            if not p.exists():
                removed.append(p)
    return removed


def _kernel_manager_class(ipc_dir: str):
    """Kernel manager class whose kernels talk over Unix sockets in ``ipc_dir`` (no TCP ports).

    Each report gets its own ``ipc_dir`` (a fresh temporary folder), so kernels of reports
    running at the same time can never share a socket; jupyter_client's default IPC name
    (``kernel-ipc`` in the working folder) would collide.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        """Kernel over Unix sockets in a private folder."""

        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(ipc_dir, "kernel"))
            super().__init__(**kwargs)

    return IPCKernelManager


def _failed_cell(nb_path: Path) -> str:
    """Describe the first cell with an error output: its index in the report notebook as
    shipped (cells papermill inserts are not counted), execution count and first line."""
    import nbformat

    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:  # noqa: BLE001 - best effort
        return "unknown cell"
    i = -1
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"injected-parameters", "papermill-error-cell-tag"}:
            continue
        i += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                n = cell.get("execution_count")
                where = f"cell {i}" + (f", In [{n}]" if n else "")
                return f"{where} (`{first.strip()[:80]}`): {out.get('ename')}: {out.get('evalue')}"
    return "unknown cell"


def execute_notebook(
    output: Path,
    parameters: dict[str, Any],
    *,
    notebook: Path = NOTEBOOK,
    cwd: Path | None = None,
    timeout: int = 900,
    progress: bool = False,
    start_timeout: int = 300,
) -> None:
    """Execute the report notebook with papermill (IPC kernel); raise :class:`ReportError`.

    ``start_timeout`` (s) is generous: on a busy machine a kernel may take a minute to start.
    """
    import papermill as pm

    if not notebook.exists():
        raise ReportError(f"report notebook not found: {notebook}")
    try:
        with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-k-")) as ipc_dir:
            pm.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name="python3",
                progress_bar=progress, cwd=str(cwd) if cwd else None, execution_timeout=timeout,
                start_timeout=start_timeout,
                kernel_manager_class=_kernel_manager_class(ipc_dir),
            )
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"notebook failed in {_failed_cell(output)}") from exc


def _interactive_only(output) -> bool:
    """An output that would print as an empty box: a plotly/widget figure without a PNG."""
    data = output.get("data", {}) if hasattr(output, "get") else {}
    js = {"application/vnd.plotly.v1+json", "application/vnd.jupyter.widget-view+json"}
    return bool(js & set(data)) and "image/png" not in data


def _strip_for_pdf(nb):
    """Copy of an executed notebook without stderr streams and without cells tagged
    ``remove``/``no-pdf`` (and without the papermill parameter cells)."""
    import copy

    nb = copy.deepcopy(nb)
    keep = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove", "no-pdf", "parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and not _interactive_only(o)]
        keep.append(cell)
    nb.cells = keep
    return nb


PRINT_CSS: Final[str] = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                   font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #555; } }
html, body { background: white !important; }
body, .jp-Notebook, .jp-RenderedHTMLCommon { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif !important;
  font-size: 10.5pt; }
.jp-Notebook { padding: 0 !important; }
.jp-Cell { padding: 0 !important; }
.jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible !important; max-width: 100% !important; }
.jp-OutputArea-child, .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea { break-inside: auto !important; }
.jp-RenderedImage img, img { max-width: 100% !important; height: auto; break-inside: avoid; }
.jp-RenderedImage { break-inside: avoid; }
table { border-collapse: collapse; font-size: 9pt; break-inside: auto; }
table.airlib-table { width: 100%; margin: 4px 0 8px 0; }
.airlib-record td { word-break: break-all; }
.airlib-record, .airlib-record table { font-size: 7pt !important; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999 !important; padding: 2px 6px !important; text-align: center !important; }
th { background: #eef2f7 !important; }
.jp-RenderedHTMLCommon h1, h1 { font-size: 20pt !important; text-align: center; margin-top: 50mm !important;
  margin-bottom: 12mm !important; }
.jp-RenderedHTMLCommon h2, h2 { break-before: page; font-size: 15pt !important; border-bottom: 2px solid #08519c; }
h3 { font-size: 12pt; break-after: avoid; }
.jp-InputPrompt, .jp-OutputPrompt { display: none !important; }
"""


#: Content-Security-Policy of the report HTML printed by Chromium: no script runs, nothing is
#: fetched (no file://, no network, no frames, no objects); images and fonts only as data:
#: URIs (nbconvert embeds figures as base64 PNG), styles only inline.
REPORT_CSP: Final[str] = (
    "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
    "child-src 'none'; connect-src 'none'; img-src data:; font-src data:; "
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)


def harden_html(body: str) -> str:
    """Put :data:`REPORT_CSP` as the first element of ``<head>`` and remove every ``<script>``
    element (nbconvert's require.js/MathJax loaders; the report needs no script).

    Parameters
    ----------
    body : str
        A full HTML document (nbconvert output) with a ``<head>``.

    Returns
    -------
    str

    Raises
    ------
    ReportError
        The document has no ``<head>`` (the policy could not be set).
    """
    # No script: nbconvert's loaders (MathJax, require.js CDN) and any inline script. User text
    # is escaped (airlib.escaping), so every <script> here comes from the template or a raw
    # HTML output; the CSP blocks anything left (event handlers included).
    body = re.sub(r"<script\b.*?</script\s*>", "", body, flags=re.S | re.I)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{REPORT_CSP}">'
    new, n = re.subn(r"<head(\s[^>]*)?>", lambda m: m.group(0) + "\n" + meta, body, count=1)
    if n != 1:
        raise ReportError("the report HTML has no <head>; cannot set its Content-Security-Policy")
    return new


def notebook_to_html(nb_path: Path, html_path: Path) -> Path:
    """Executed notebook → self-contained HTML without code (nbconvert ``--no-input``),
    hardened by :func:`harden_html` (no script, no file or network access)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = _strip_for_pdf(nbformat.read(nb_path, as_version=4))
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    body = harden_html(body)
    body = body.replace("</head>", f"<style>{PRINT_CSS}</style>\n</head>", 1)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def find_chromium() -> str:
    """Path of a Chromium/Chrome binary (``$AIRLIB_CHROMIUM`` first)."""
    env = os.environ.get("AIRLIB_CHROMIUM")
    if env:
        return env
    for c in CHROMIUM_CANDIDATES:
        p = shutil.which(c)
        if p:
            return p
    raise ReportError("no Chromium found for PDF printing; install Debian's `chromium` package "
                      "or set AIRLIB_CHROMIUM")


#: Chromium switches of :func:`html_to_pdf` besides profile and output: headless, offline,
#: no remote fonts. ``--allow-file-access-from-files`` is never given. JavaScript is off by the
#: page's CSP (:data:`REPORT_CSP`, ``script-src 'none'``, which also blocks every file:// and
#: network load) and :func:`harden_html` removes every ``<script>`` element:
#: ``--blink-settings=scriptEnabled=false`` cannot be used, headless Chromium (156) then exits
#: 0 without writing the PDF.
CHROMIUM_FLAGS: Final[tuple[str, ...]] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--disable-remote-fonts", "--no-pdf-header-footer",
)


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout: int = 180) -> Path:
    """Print HTML to an A4 PDF with headless Chromium (offline, fresh profile, JavaScript off,
    :data:`CHROMIUM_FLAGS`). The HTML should be alone in its own folder and hardened by
    :func:`harden_html`."""
    exe = find_chromium()
    with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-chromium-")) as profile:
        cmd = [
            exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"Chromium did not finish printing the PDF within {timeout} s") from exc
    if res.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = "\n".join((res.stderr or "").splitlines()[-5:])
        raise ReportError(f"Chromium failed to print the PDF (exit {res.returncode}): {tail}")
    return pdf_path


def _exchange_dirs(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux ``renameat2(RENAME_EXCHANGE)``); False if the
    platform or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _publish(staging: Path, final: Path, names: dict[str, str]) -> None:
    """Make the staging folder the month's folder.

    First run: one ``os.rename``. Re-run: the two folders are exchanged in one atomic step
    (``renameat2(RENAME_EXCHANGE)``), after which ``staging`` holds the previous outputs (the
    caller deletes it). Where that is not available, files are moved one by one with
    ``os.replace`` (PDF and workbook last) and files of the earlier run are removed.
    """
    if not final.exists():
        os.rename(staging, final)
        staging.mkdir()  # the caller removes it
        return
    if _exchange_dirs(staging, final):
        return
    new_files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    last = {Path(names["pdf"]), Path(names["excel"])}
    order = [p for p in new_files if p not in last] + [p for p in new_files if p in last]
    for rel in order:
        dest = final / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dest)
    produced = set(new_files)
    for p in sorted(final.rglob("*"), reverse=True):
        rel = p.relative_to(final)
        if p.is_file() and rel not in produced:
            p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()


def run_report(
    district: str,
    month: str | pd.Period | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    bottom_n: int | None = None,
    language: str = "zh",
    timeout: int = 900,
    progress: bool = False,
    today: dt.date | None = None,
    notebook: Path = NOTEBOOK,
) -> ReportResult:
    """Produce the monthly report of one district and month (see the module docstring).

    Parameters
    ----------
    district : str
        Configured district (``airlib.report.config``), e.g. ``"门头沟区"``.
    month : str or Period, optional
        ``YYYY-MM``; default the last complete month.
    root : path-like, optional
        Project root (data, reports); default :func:`airlib.paths.project_root`.
    bottom_n : int, optional
        Bottom-list size; default the district's.
    language : {"zh", "en"}
    timeout : int
        Seconds per notebook cell.
    progress : bool
        Show papermill's cell progress bar.
    today : date, optional
        "Today" for the default month and the future-month check (tests).
    notebook : Path
        Report notebook (default the shipped one).

    Returns
    -------
    ReportResult

    Raises
    ------
    AirlibError
        Bad parameters (unknown district, month without data, future month, path outside
        the project).
    ReportError
        The notebook, the PDF or the Excel step failed; the executed notebook is kept in
        ``<month>/failed/`` and earlier outputs of the month are untouched.
    ReportWriteError
        The report cannot be written (full disk, read-only folder, no permission), in the
        runner or in a notebook cell; earlier outputs of the month are untouched.
    """
    t0 = time.perf_counter()
    root_p = Path(root).resolve() if root is not None else project_root()
    headers(language)  # validates language
    check_district_name(district)
    cfg = district_config(district, root_p)
    m = parse_month(month, today)
    n = cfg.bottom_n if bottom_n is None else bottom_n
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        where = "--bottom-n" if bottom_n is not None else f"bottom_n of {cfg.name} in {config_file(root_p)}"
        raise AirlibError(f"bottom N must be a whole number ≥ 0, not {n!r}; fix {where}")
    check_request(cfg, m, root_p)
    final = report_folder(cfg, m, root_p)  # checked before anything is written
    try:
        return _run_checked(cfg, m, root_p, final, int(n), language=language, timeout=timeout,
                            progress=progress, notebook=notebook, t0=t0)
    except OSError as exc:  # full disk, read-only or vanished folder: say so, no traceback
        what = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        raise ReportWriteError(
            f"{cfg.name} {m}: cannot write the report: {what}{where}; the earlier PDF/Excel of {m} "
            f"are untouched; free disk space or make {final.parent} writable, then run again"
        ) from exc


def _run_checked(cfg: DistrictConfig, m: pd.Period, root_p: Path, final: Path, bottom_n: int, *,
                 language: str, timeout: int, progress: bool, notebook: Path, t0: float) -> ReportResult:
    """:func:`run_report` after its checks: clean stale folders, run, print, publish."""
    clean_stale(root_p)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and not final.is_dir():
        raise AirlibError(f"{final} exists and is not a folder")
    names = output_names(cfg, m)
    staging = Path(tempfile.mkdtemp(prefix=owned_prefix(f".{m}.staging-"), dir=final.parent))
    try:
        params = {
            "district": cfg.name,
            "month": str(m),
            "language": language,
            "project_root": str(root_p),
            "data_dir": str(store_dir(cfg, root_p)),
            "boundaries": str(cfg.path(cfg.boundaries, root_p)),
            "bottom_n": bottom_n,
            "output_dir": str(staging),
            "excel_name": names["excel"],
            "interactive": False,
        }
        nb_out = staging / names["notebook"]
        try:
            execute_notebook(nb_out, params, notebook=notebook, cwd=root_p, timeout=timeout,
                             progress=progress)
            excel = staging / names["excel"]
            if not excel.exists():
                raise ReportError(f"the notebook did not write the workbook {names['excel']}")
            with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-html-")) as tmp:
                html = notebook_to_html(nb_out, Path(tmp) / "report.html")
                html_to_pdf(html, staging / names["pdf"])
        except ReportError as exc:
            cls = _write_error_class(exc)
            hint = "; free disk space or fix the folder's permissions, then run again" if cls is ReportWriteError else ""
            kept = final / "failed" / "monthly_report.failed.ipynb"
            if nb_out.exists():
                try:
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(nb_out, kept)
                except OSError as err:
                    raise cls(f"{cfg.name} {m}: {exc}; the executed notebook could not be kept "
                              f"({err.strerror or err}); earlier PDF/Excel of {m} left untouched{hint}") from exc
                raise cls(f"{cfg.name} {m}: {exc}; executed notebook kept at {kept}; "
                          f"earlier PDF/Excel of {m} left untouched{hint}") from exc
            raise cls(f"{cfg.name} {m}: {exc}{hint}") from exc
        _publish(staging, final, names)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    figures = tuple(sorted((final / "figures").glob("*.png")))
    return ReportResult(
        district=cfg.name, month=m, folder=final, pdf=final / names["pdf"],
        excel=final / names["excel"], notebook=final / names["notebook"], figures=figures,
        seconds=time.perf_counter() - t0,
    )


def run_all(
    month: str | pd.Period | None = None,
    *,
    districts: Sequence[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    jobs: int = 2,
    language: str = "zh",
    echo: Callable[[str], None] = print,
) -> list[tuple[str, ReportResult | Exception]]:
    """Run the report of every configured district (or ``districts``) in parallel.

    Each report runs in its own process (``python -m airlib.cli report``) and kernel (IPC
    transport, no TCP port clashes); progress is printed as each finishes.

    Returns
    -------
    list of (district, ReportResult or Exception)
        In completion order. Failed districts carry the error; the caller decides the exit code.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    root_p = Path(root).resolve() if root is not None else project_root()
    names = list(districts) if districts is not None else district_names(root_p)
    m = parse_month(month)
    total = len(names)
    echo(f"airlib report --all: {total} district(s), month {m}, {min(jobs, total)} at a time")

    def one(name: str) -> ReportResult | Exception:
        t0 = time.perf_counter()
        env = dict(os.environ, AIRLIB_HOME=str(root_p))
        cmd = [sys.executable, "-m", "airlib.cli", "report", "--district", name, "--month", str(m),
               "--language", language]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if res.returncode != 0:
            msg = (res.stderr.strip().splitlines() or ["failed"])[-1]
            return ReportError(f"{name} {m}: {msg}")
        cfg = district_config(name, root_p)
        folder = report_folder(cfg, m, root_p)
        nm = output_names(cfg, m)
        return ReportResult(name, m, folder, folder / nm["pdf"], folder / nm["excel"],
                            folder / nm["notebook"], tuple(sorted((folder / "figures").glob("*.png"))),
                            time.perf_counter() - t0)

    out: list[tuple[str, ReportResult | Exception]] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(one, n): n for n in names}
        for done, fut in enumerate(as_completed(futures), start=1):
            name = futures[fut]
            r = fut.result()
            out.append((name, r))
            if isinstance(r, Exception):
                echo(f"[{done}/{total}] {name} {m}: FAILED: {r}")
            else:
                echo(f"[{done}/{total}] {name} {m}: ok in {r.seconds:.0f} s → {r.pdf}")
    return out


def report_command(args) -> int:
    """Handler of ``airlib report`` (argparse namespace from :mod:`airlib.cli_commands`)."""
    if args.all:
        if args.district is not None:
            raise AirlibError("give either --district or --all, not both")
        results = run_all(args.month, jobs=args.jobs, language=args.language)
        return 1 if any(isinstance(r, Exception) for _, r in results) else 0
    from airlib.report.config import DEMO

    # Only an absent --district means the demo; --district '' is an error, not the demo.
    district = DEMO.name if args.district is None else check_district_name(args.district, what="--district")
    print(f"airlib report: {district} {args.month or '(last complete month)'} …", file=sys.stderr)
    try:
        r = run_report(district, args.month, bottom_n=args.bottom_n, language=args.language,
                       timeout=args.timeout, progress=sys.stderr.isatty())
    except ReportWriteError as exc:
        print(f"airlib: error: report not written: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"airlib: report failed: {exc}", file=sys.stderr)
        return 1
    print(f"PDF:      {r.pdf}")
    print(f"Excel:    {r.excel}")
    print(f"Notebook: {r.notebook}")
    print(f"Figures:  {len(r.figures)} PNG in {r.folder / 'figures'}")
    print(f"Done in {r.seconds:.0f} s")
    return 0


# --------------------------------------------------------------------------- notebook helpers


def html_table(frame: pd.DataFrame, *, caption: str | None = None, highlight_rows: Sequence[int] = ()) -> str:
    """HTML of a display table (no index); rows in ``highlight_rows`` shaded red.

    Every header, cell and the caption is escaped (:func:`airlib.escaping.html_text`), so
    text from registries, plans or ledgers prints literally.
    """
    head = "".join(f"<th>{html_text(c)}</th>" for c in frame.columns)
    body = []
    hl = set(highlight_rows)
    # Keep short first-column labels (town names) on one line so that they can be read back.
    first_short = len(frame) > 0 and len(frame.columns) > 0 and bool(frame.iloc[:, 0].astype("string").str.len().max() <= 8)
    for i, row in enumerate(frame.itertuples(index=False)):
        style = ' style="background:#fde0dd"' if i in hl else ""
        cells = "".join(
            ("<td style='white-space:nowrap'>" if j == 0 and first_short else "<td>")
            + html_text("" if not isinstance(v, str) and pd.isna(v) else v) + "</td>"
            for j, v in enumerate(row)
        )
        body.append(f"<tr{style}>{cells}</tr>")
    cap = f"<caption style='caption-side:top;font-weight:bold;padding:4px'>{html_text(caption)}</caption>" if caption else ""
    return f"<table class='airlib-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _gb3095_label(month: pd.Period) -> str:
    """Citation of the GB 3095 edition in force for ``month`` (2012 until 2026-02, 2026 after)."""
    from airlib.standards.limits import edition_for

    return "GB 3095—2026" if str(edition_for(pd.Period(month, freq="M").start_time)).startswith("GB3095-2026") else "GB 3095—2012"


def pm25_decimals(month: pd.Period) -> int:
    """Published PM2.5 precision for a report month (integers through 2023, one decimal from 2024).

    Wraps :func:`airlib.standards.rounding.published_precision` (configurable in ``airlib.settings``) so
    the notebook's tables show concentrations as published.
    """
    from airlib.standards.rounding import published_precision

    return int(published_precision("pm25", pd.Period(month, freq="M").start_time))


def bottom_row_positions(data: ReportData) -> list[int]:
    """Positions (0-based, in ``data.ranking`` order) of the bottom-list towns, for highlighting."""
    bottom = set(data.bottom["town_code"].astype(str))
    return [i for i, c in enumerate(data.ranking["town_code"].astype(str)) if c in bottom]


def overdue_display(data: ReportData, language: str = "zh") -> pd.DataFrame | None:
    """Overdue town tasks (task, town, target, done, days overdue) with Chinese/English headers.

    ``None`` when no task ledger covers the month or nothing is overdue; missing values "—".
    """
    prog = data.extras.get("progress")
    if prog is None or not len(prog["overdue"]):
        return None
    od = prog["overdue"][["task_id", "task", "town_name", "target", "completed", "days_overdue"]].copy()
    od.columns = (["任务", "内容", "乡镇街道", "目标", "已完成", "逾期天数"] if language == "zh"
                  else ["Task", "What", "Town", "Target", "Done", "Days overdue"])
    return od.astype("string").fillna("—")


def show_figure(fig, path: str | os.PathLike[str]):
    """Save a matplotlib figure as PNG (atomic) and return an ``IPython.display.Image`` of it
    (the PDF shows exactly the PNG saved in ``figures/``); the figure is closed."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    from airlib.plotting import save_figure

    p = save_figure(fig, path)
    plt.close(fig)
    return Image(filename=str(p))


def cover_markdown(data: ReportData, language: str = "zh") -> str:
    """Cover page (Markdown): title, district, month, data-validity summary, notices.

    The district name and code and the town names are escaped (:func:`airlib.escaping.markdown_text`).
    """
    m, v, cfg = data.month, data.validity, data.config
    t = TEXT[language]
    name, code = markdown_text(cfg.name), markdown_text(cfg.district_code)
    invalid = [markdown_text(x) for x in v["towns_invalid"]]
    title = t["title"].format(district=name, year=m.year, month=m.month)
    share = 100.0 * v["station_days_valid"] / v["station_days"] if v["station_days"] else 0.0
    now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    if language == "zh":
        lines = [
            f"# {title}",
            "",
            f"**区：** {name}（{code}）　　**月份：** {m.year}年{m.month}月　　**生成时间：** {now}（北京时间）",
            "",
            "**数据有效性：**",
            "",
            f"- 监测站点 {v['stations']} 个；站点日均值有效 {v['station_days_valid']} / {v['station_days']} 站日（{share:.1f}%；日均值需≥20个有效小时）；",
            f"- 乡镇街道 {v['towns']} 个，其中月均值有效 {v['towns_valid']} 个（月均值需≥27个有效日，2月≥25个；{_gb3095_label(m)} 表4）；",
        ]
        if v["towns_invalid"]:
            lines.append(f"- 无有效月均值、不参与排名：{'、'.join(invalid)}；")
        lines += [
            f"- 排名按发布精度（{ {0: '整数', 1: '一位小数', 2: '两位小数'}.get(pm25_decimals(m), f'{pm25_decimals(m)}位小数') }）修约后计算，并列取最小名次；同比按修约后数值计算，保留一位小数。",
            "",
        ]
        if cfg.synthetic:
            lines += ["> **本报告使用合成演示数据（airlib demo），非真实监测数据；乡镇街道边界为示意边界，非真实行政区划。**", ""]
    else:
        lines = [
            f"# {title}",
            "",
            f"**District:** {name} ({code})  **Month:** {m}  **Generated:** {now} (Beijing time)",
            "",
            f"- Stations: {v['stations']}; valid station-days {v['station_days_valid']} / {v['station_days']} ({share:.1f}%).",
            f"- Towns/streets: {v['towns']}, with a valid monthly mean: {v['towns_valid']}.",
        ]
        if v["towns_invalid"]:
            lines.append(f"- Not ranked (no valid monthly mean): {', '.join(invalid)}.")
        if cfg.synthetic:
            lines += ["", f"> **{t['synthetic']}** Town boundaries are schematic."]
    return "\n".join(lines)


def ranking_summary_markdown(data: ReportData, language: str = "zh") -> str:
    """One paragraph (Markdown): best and worst towns, district change, warning count; town
    names escaped (:func:`airlib.escaping.markdown_text`)."""
    t = data.ranking
    valid = t[t["rank"].notna()]
    if valid.empty:
        return "本月无乡镇街道有有效月均值，不排名。" if language == "zh" else "No town has a valid monthly mean."
    best = [markdown_text(x) for x in valid[valid["rank"] == 1]["town_name"]]
    worst_rank = valid["rank"].max()
    worst = [markdown_text(x) for x in valid[valid["rank"] == worst_rank]["town_name"]]
    d = pm25_decimals(data.month)
    lo, hi = valid["pm25"].min(), valid["pm25"].max()
    if language == "zh":
        s = (f"{data.month.year}年{data.month.month}月，{len(valid)}个乡镇街道PM2.5月均浓度为{lo:.{d}f}～{hi:.{d}f}微克/立方米。"
             f"浓度最低的是{'、'.join(best)}（第1名），最高的是{'、'.join(worst)}（第{int(worst_rank)}名）。")
        if "yoy_rank" in t and t["yoy_rank"].notna().any():
            top = t[t["yoy_rank"] == 1]
            s += f"同比改善最大的是{'、'.join(markdown_text(x) for x in top['town_name'])}（{float(top['yoy_pct'].iloc[0]):+.1f}%）。"
        s += f"本月预警乡镇街道{len(data.warnings)}个。"
        return s
    return (f"In {data.month}, {len(valid)} towns had a valid monthly PM2.5 mean ({lo:.{d}f}–{hi:.{d}f} µg/m³). "
            f"Cleanest: {', '.join(best)}; most polluted: {', '.join(worst)}. Warning letters: {len(data.warnings)}.")


def progress_markdown(data: ReportData, language: str = "zh") -> str:
    """The task-progress section's first line (Markdown): the plan and the ledger month, or
    that no ledger covers the month; plan title escaped."""
    prog = data.extras.get("progress")
    zh = language == "zh"
    if prog is None:
        return ("本区本月无可用的任务台账（未配置台账，或台账未覆盖本月），不列任务进展排名。" if zh
                else "No task ledger covers this month; no task-progress ranking.")
    plan = markdown_text(prog["plan"])
    last = markdown_text(prog["last_ledger_month"])
    return (f"方案：{plan}；台账截至{last}，按{prog['as_of']:%Y-%m-%d}评估。" if zh
            else f"Plan: {plan}; ledgers up to {last}.")


def ledger_problems_markdown(data: ReportData, language: str = "zh") -> str | None:
    """Note (Markdown) naming each ledger file that could not be read and why, or None.

    File names and reasons are escaped (:func:`airlib.escaping.markdown_text`).
    """
    problems = data.extras.get("ledger_problems") or []
    if not problems:
        return None
    seen: dict[tuple[str, str], None] = {}
    for p in problems:
        seen.setdefault((p["file"], p["problem"]), None)
    zh = language == "zh"
    head = ("**注意：以下台账文件无法读取，未计入任务进展（请修正后重新生成报告）：**" if zh
            else "**Note: these ledger files could not be read and are not counted (fix them and re-run):**")
    items = [f"- {markdown_text(f)}：{markdown_text(why)}" if zh else f"- {markdown_text(f)}: {markdown_text(why)}"
             for f, why in seen]
    return "\n".join([head, "", *items])


def progress_table(data: ReportData, language: str = "zh") -> pd.DataFrame | None:
    """Task-progress ranking beside the air-quality ranking (one row per town), or None."""
    prog = data.extras.get("progress")
    if prog is None:
        return None
    sc = prog["scores"].copy()
    sc["town_code"] = sc["town_code"].astype("string")
    aq = data.ranking[["town_code", "town_name", "pm25", "rank"]].copy()
    aq["town_code"] = aq["town_code"].astype("string")
    m = aq.merge(sc[["town_code", "n_tasks", "n_done", "n_overdue", "score", "rank"]],
                 on="town_code", how="left", suffixes=("", "_task"))
    m = m.sort_values(["rank_task", "rank"], na_position="last", kind="stable")
    d = pm25_decimals(data.month)
    fmt_i = lambda v: "—" if pd.isna(v) else str(int(v))  # noqa: E731
    zh = language == "zh"
    out = pd.DataFrame({
        "乡镇街道" if zh else "Town": m["town_name"].astype("string").fillna("—"),
        "任务进展得分" if zh else "Task score": m["score"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
        "任务排名" if zh else "Task rank": m["rank_task"].map(fmt_i),
        "任务数" if zh else "Tasks": m["n_tasks"].map(fmt_i),
        "已完成" if zh else "Done": m["n_done"].map(fmt_i),
        "逾期未完成" if zh else "Overdue": m["n_overdue"].map(fmt_i),
        "PM2.5" : m["pm25"].map(lambda v: "—" if pd.isna(v) else f"{v:.{d}f}"),
        "空气质量排名" if zh else "AQ rank": m["rank"].map(lambda v: ("无有效数据" if zh else "n/a") if pd.isna(v) else str(int(v))),
    })
    return out.reset_index(drop=True)


def targets_display(data: ReportData, language: str = "zh") -> pd.DataFrame:
    """The district's PM2.5 targets against the data (see :func:`pm25_targets`)."""
    t = data.extras.get("targets")
    if t is None or t.empty:
        return pd.DataFrame()
    zh = language == "zh"
    f1 = lambda v: "—" if pd.isna(v) else f"{v:.1f}"  # noqa: E731
    rows = []
    for r in t.itertuples(index=False):
        goal = (f"{r.kind_label}{r.target_value:g}{'%' if r.kind != 'absolute_cap' else 'μg/m³'}"
                if not pd.isna(r.target_value) else r.kind_label)
        rows.append({
            ("目标" if zh else "Target"): f"{r.target_id} {goal}",
            ("统计期" if zh else "Window"): f"{pd.Timestamp(r.start):%Y-%m-%d}～{pd.Timestamp(r.end):%Y-%m-%d}",
            ("实际浓度(μg/m³)" if zh else "Actual (µg/m³)"): f1(r.current),
            ("上年同期(μg/m³)" if zh else "Last year (µg/m³)"): f1(r.comparison),
            ("同比(%)" if zh else "YoY (%)"): "—" if pd.isna(r.change_pct) else f"{r.change_pct:+.1f}",
            ("目标浓度(μg/m³)" if zh else "Target level (µg/m³)"): f1(r.target_level),
            ("状态" if zh else "Status"): str(r.status),
            ("剩余日均浓度上限(μg/m³)" if zh else "Allowance rest of period"): f1(r.allowance),
            ("展望" if zh else "Outlook"): "—" if pd.isna(r.outlook) else str(r.outlook),
        })
    return pd.DataFrame(rows)


def target_figure(data: ReportData, language: str = "zh"):
    """Target period to date: cumulative district PM2.5 mean at each month end, against the
    target level and last year's cumulative mean (one panel per active target)."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    t = data.extras.get("targets")
    if t is None or t.empty:
        return None
    use_chinese_fonts()
    zh = language == "zh"
    dd = aggregate_district_daily(data)
    dates = dd["date"].to_numpy()
    vals = pd.to_numeric(dd["pm25"], errors="coerce").to_numpy(dtype=float)
    fig, axes = plt.subplots(1, len(t), figsize=(8, 3.4), squeeze=False)

    def cum_mean(a: pd.Timestamp, b: pd.Timestamp) -> float:
        sel = (dates >= np.datetime64(a)) & (dates <= np.datetime64(b)) & ~np.isnan(vals)
        return float(vals[sel].mean()) if sel.any() else np.nan

    for ax, r in zip(axes[0], t.itertuples(index=False), strict=True):
        start = pd.Timestamp(r.start)
        months = pd.period_range(start.to_period("M"), pd.Timestamp(r.end).to_period("M"), freq="M")
        cur = [cum_mean(start, m.end_time.normalize()) for m in months]
        last = [cum_mean(start - pd.DateOffset(years=1), m.end_time.normalize() - pd.DateOffset(years=1)) for m in months]
        x = np.arange(len(months))
        ax.plot(x, cur, marker="o", color="#08519c", label="本期累计均值" if zh else "This period, to date")
        if r.kind != "absolute_cap":
            ax.plot(x, last, marker="s", color="#999999", ls=":", label="上年同期累计" if zh else "Last year, to date")
        if not pd.isna(r.target_level):
            ax.axhline(r.target_level, color="#d62728", ls="--",
                       label=("目标浓度 " if zh else "Target level ") + f"{r.target_level:.1f}")
        ax.set_xticks(x, [f"{m.year % 100:02d}/{m.month}" for m in months], fontsize=7,
                      rotation=45 if len(months) > 8 else 0)
        ax.set_title(mpl_text(f"{r.target_id} {r.kind_label}{'' if pd.isna(r.target_value) else f'{r.target_value:g}'}"
                              f"{'%' if r.kind != 'absolute_cap' else ''}（{r.status}）"), fontsize=9)
        ax.set_ylabel("PM2.5 (μg/m³)")
        ax.legend(fontsize=7)
    if data.config.synthetic:
        fig.text(0.99, 0.01, "合成演示数据" if zh else "synthetic demo data", ha="right", fontsize=7, color="#b00000")
    fig.tight_layout()
    return fig


def aggregate_district_daily(data: ReportData) -> pd.DataFrame:
    """District daily PM2.5 (mean of valid station values) from the report's station data."""
    if "district_daily" in data.extras:
        return data.extras["district_daily"]
    from airlib.tracking.aggregation import aggregate_daily

    return aggregate_daily(data.station_daily, data.stations, level="district", towns=data.towns)


def record_html(params: dict[str, Any], data: ReportData) -> str:
    """Run record (HTML, small print): parameters, input files with SHA-256, package versions."""
    p = "".join(f"<li><code>{html_text(k)} = {html_text(repr(v))}</code></li>" for k, v in params.items())
    files = html_table(data.inputs.rename(columns={"file": "文件 file", "bytes": "字节 bytes", "sha256": "SHA-256"}))
    versions = html_text(", ".join(f"{k} {v}" for k, v in data.versions.items()))
    return (
        "<div class='airlib-record'><h3>运行记录 / Run record</h3>"
        f"<p><b>参数 Parameters</b></p><ul>{p}</ul>"
        f"<p><b>输入文件 Input files (SHA-256)</b></p>{files}"
        f"<p><b>软件版本 Package versions</b></p><p>{versions}</p></div>"
    )


def demo_report(end: str | None = None) -> int:
    """Last step of ``airlib demo``: the report of the latest complete demo month.

    ``end`` is the demo's last month (default: the last complete month). Prints where the
    PDF, workbook and figures are; returns the exit code.
    """
    from airlib.report.config import DEMO

    month = parse_month(end)
    print(f"月排名报告：{DEMO.name} {month} …", flush=True)
    try:
        r = run_report(DEMO.name, month)
    except ReportError as exc:
        print(f"airlib: report failed: {exc}", file=sys.stderr)
        return 1
    print(f"PDF:   {r.pdf}\nExcel: {r.excel}\n图件:  {len(r.figures)} PNG → {r.folder / 'figures'}（{r.seconds:.0f} s）")
    return 0
