"""A validated report request, and the places it reads from and writes to.

:class:`ReportRequest` is built once from CLI or papermill parameters by
:meth:`ReportRequest.build`, which makes every check (language, district name and
configuration, month, bottom N, store and month data, boundaries, plans, output folder)
before any kernel starts; the runner and the notebook pass it on instead of repeating them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from airlib.periods import check_complete_month
from airlib.errors import AirlibError
from airlib.paths import PROJECT_ROOT, project_root as default_project_root
from airlib.report.config import (
    DistrictConfig,
    check_district_name,
    config_file,
    district_config,
    inside_project,
)
from airlib.report.texts import check_language

__all__ = [
    "ReportRequest", "available_months", "check_request", "city_table_path", "district_boundaries",
    "interactive_folder", "month_partition", "output_names",
    "plan_paths", "read_registry", "report_folder", "station_classes_path", "store_dir", "warning_rules_path",
]


def read_registry(store: Path, name: str) -> pd.DataFrame:
    """Registry ``name`` (``towns``, ``stations``) of a store version folder; :class:`AirlibError`
    naming the file when it is missing."""
    path = store / f"{name}.parquet"
    if not path.exists():
        raise AirlibError(f"registry {path} missing; re-run the ingest")
    return pd.read_parquet(path)


def store_dir(cfg: DistrictConfig, project_root: Path | None = None) -> Path:
    """``data/processed/<dataset>/`` of a district (checked to be inside the project)."""
    return inside_project(Path("data") / "processed" / cfg.dataset, project_root)


def month_partition(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> Path:
    """Folder of one month of the hourly store's current version (``hourly/year=YYYY/month=M``)."""
    from airlib.io.store import hourly_dir

    store = store_dir(cfg, project_root)
    return hourly_dir(store.parent, store.name) / f"year={month.year}" / f"month={month.month}"


def available_months(cfg: DistrictConfig, project_root: Path | None = None) -> list[pd.Period]:
    """Months present in the district's hourly store, sorted."""
    from airlib.io.store import hourly_dir

    store = store_dir(cfg, project_root)
    base = hourly_dir(store.parent, store.name)
    out = []
    for p in base.glob("year=*/month=*"):
        try:
            out.append(pd.Period(year=int(p.parent.name[5:]), month=int(p.name[6:]), freq="M"))
        except ValueError:
            continue
    return sorted(out)


def plan_paths(cfg: DistrictConfig, project_root: Path | None = None) -> list[Path]:
    """Configured plan files that exist: under the project root, else shipped with airlib.

    Only the plan files airlib ships (``data/raw/plans/``) fall back to airlib's own copy; a
    generated file elsewhere (the demo's synthetic plans under ``data/raw/demo/plans/``) is
    used only where the project has it, so that a project without one never picks up the copy
    another project generated inside airlib's folder."""
    out = []
    for rel in cfg.plans:
        p = cfg.path(rel, project_root)
        shipped = Path(rel).parts[:3] == ("data", "raw", "plans")
        if not p.exists() and shipped and (PROJECT_ROOT / rel).exists():
            p = PROJECT_ROOT / rel
        if p.exists():
            out.append(p)
    return out


def station_classes_path(cfg: DistrictConfig, project_root: Path | None = None) -> Path:
    """The district's station-class vocabulary (``station_classes`` of districts.yaml, default
    :data:`airlib.io.station_classes.DEFAULT_CLASSES_FILE`): under the project root, else shipped
    with airlib (docs/stations.md)."""
    from airlib.io.station_classes import DEFAULT_CLASSES_FILE

    rel = cfg.station_classes or DEFAULT_CLASSES_FILE
    p = cfg.path(rel, project_root)
    if not p.exists() and not Path(rel).is_absolute() and (PROJECT_ROOT / rel).exists():
        p = PROJECT_ROOT / rel
    return p


def warning_rules_path(cfg: DistrictConfig, project_root: Path | None = None) -> Path:
    """The district's warning-rule file (``warning_rules`` of districts.yaml, default
    :data:`airlib.io.warning_rules.DEFAULT_RULES_FILE`): under the project root, else shipped
    with airlib. The file need not exist (:func:`check_request` says so)."""
    from airlib.io.warning_rules import DEFAULT_RULES_FILE

    rel = cfg.warning_rules or DEFAULT_RULES_FILE
    p = cfg.path(rel, project_root)
    if not p.exists() and not Path(rel).is_absolute() and (PROJECT_ROOT / rel).exists():
        p = PROJECT_ROOT / rel
    return p


def city_table_path(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> Path | None:
    """The city table of ``month`` (``cfg.city_table`` with ``{month}`` = ``YYYY-MM``), or None
    when the district has none configured. The file need not exist."""
    if not cfg.city_table:
        return None
    return cfg.path(cfg.city_table.replace("{month}", str(month)), project_root)


def check_request(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> None:
    """Check that the configured paths are inside the project and the month has data.

    Raises
    ------
    AirlibError
        A path outside the project, no store, no data for ``month``, a missing letter template
        (``letter_template``), a missing or bad boundary file (checked by :func:`district_boundaries`),
        or a plan file that does not load (:func:`airlib.io.plans.load_plan`), a warning-rule file
        that is missing or does not load (:func:`airlib.io.warning_rules.load_warning_rules`), a
        city table of the month that is not valid
        (:func:`airlib.io.city_table.read_city_table`) — all before any kernel starts.
    """
    from airlib.io.store import hourly_dir

    store = store_dir(cfg, project_root)
    if not hourly_dir(store.parent, store.name).exists():
        raise AirlibError(
            f"no processed data for {cfg.name} in {store}; run `airlib demo` (demo) or "
            f"`airlib ingest` first"
        )
    if not month_partition(cfg, month, project_root).exists():
        months = available_months(cfg, project_root)
        span = f"{months[0]} to {months[-1]}" if months else "none"
        raise AirlibError(f"no data for {cfg.name} in {month}; months with data: {span}")
    if cfg.boundaries is not None:
        b = cfg.path(cfg.boundaries, project_root)
        if not b.exists():
            raise AirlibError(f"boundary file of {cfg.name} not found: {b}; fix 'boundaries' in "
                              f"{config_file(project_root)} or leave it out (the report then has no maps)")
    for p in cfg.plans:
        cfg.path(p, project_root)
    if cfg.letter_template is not None:  # the 预警通知函 template: missing fails here, not in the kernel
        t = cfg.path(cfg.letter_template, project_root)
        if not t.is_file():
            raise AirlibError(f"letter template of {cfg.name} not found: {t}; fix 'letter_template' in "
                              f"{config_file(project_root)} or leave it out (the shipped template is then used)")
    from airlib.report.maps import BoundaryWarning
    from airlib.io.plans import load_plan

    for p in plan_paths(cfg, project_root):  # a broken plan file fails here, not inside the kernel
        load_plan(p, warn=False)
    from airlib.io.warning_rules import load_warning_rules

    load_warning_rules(warning_rules_path(cfg, project_root))  # so does a missing or broken rule file
    if cfg.boundaries is not None:
        with warnings.catch_warnings():  # the report shows them; here only errors matter
            warnings.simplefilter("ignore", BoundaryWarning)
            district_boundaries(cfg, project_root)
    city = city_table_path(cfg, month, project_root)
    if city is not None and city.exists():  # a wrong city table fails here, naming file and row
        from airlib.io.city_table import published_district_name, read_city_table

        read_city_table(city, published_district_name(cfg.district_code, cfg.name))


def district_boundaries(cfg: DistrictConfig, project_root: Path | None = None, *, towns: pd.DataFrame | None = None,
                        stations: pd.DataFrame | None = None):
    """The district's boundaries, checked by :func:`airlib.report.maps.load_boundaries` against the
    district's towns and stations (read from the store when not given); None when the district
    has no boundary file configured (its report then has no maps)."""
    from airlib.report.maps import load_boundaries

    if cfg.boundaries is None:
        return None

    store = store_dir(cfg, project_root)
    if towns is None:
        towns = read_registry(store, "towns")
        if "district_code" in towns:
            towns = towns[towns["district_code"].astype("string") == cfg.district_code]
    if stations is None:
        stations = read_registry(store, "stations")
    return load_boundaries(
        cfg.path(cfg.boundaries, project_root),
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


def _inside(base: Path, *parts: str) -> Path:
    """``base/parts…`` resolved, checked to lie strictly inside ``base`` (no ``..``, no
    symlink out); :class:`AirlibError` otherwise."""
    full = base.joinpath(*parts).resolve()
    if base.resolve() not in full.parents:
        raise AirlibError(f"{'/'.join(parts)!r} resolves to {full}, outside {base}; refusing to write there")
    return full


def interactive_folder(district: str, month: pd.Period, project_root: Path | None = None) -> Path:
    """Where the notebook writes figures/Excel when run by hand in JupyterLab
    (``figures/report/<district>/<month>/``), so that it never touches the published report."""
    check_district_name(district)
    return _inside(inside_project(Path("figures") / "report", project_root), district, str(month))


def report_folder(cfg: DistrictConfig, month: pd.Period, project_root: Path | None = None) -> Path:
    """``reports/<district>/<YYYY-MM>/``; the district name is checked
    (:func:`airlib.report.config.check_district_name`) and the folder must resolve inside
    ``reports/`` of the project."""
    check_district_name(cfg.slug)
    return _inside(inside_project("reports", project_root), cfg.slug, str(month))


def output_names(cfg: DistrictConfig, month: pd.Period, language: str = "zh") -> dict[str, str]:
    """File names of a run's outputs in ``language``; each language has its own, so that the
    Chinese and the English report of a month sit side by side in the month folder.

    Returns
    -------
    dict
        ``notebook``, ``pdf``, ``excel``, ``record`` (run-record JSON) file names and
        ``figures`` (the figure folder's name).
    """
    if check_language(language) == "zh":
        return {
            "notebook": "monthly_report.ipynb",
            "pdf": f"{cfg.slug}_{month}_月排名报告.pdf",
            "excel": f"{cfg.slug}_{month}_排名表.xlsx",
            "record": f"{cfg.slug}_{month}_运行记录.json",
            "figures": "figures",
        }
    return {
        "notebook": "monthly_report.en.ipynb",
        "pdf": f"{cfg.slug}_{month}_monthly_ranking_report.pdf",
        "excel": f"{cfg.slug}_{month}_ranking_tables.xlsx",
        "record": f"{cfg.slug}_{month}_run_record.json",
        "figures": "figures_en",
    }


@dataclass(frozen=True)
class ReportRequest:
    """One report to make, checked once: what the runner, :func:`airlib.report.data.prepare`
    and the notebook need, built by :meth:`build` (never by hand).

    Attributes
    ----------
    config : DistrictConfig
        The district's configuration (``airlib.report.config``).
    month : Period
        Report month (monthly period, complete, with data in the store).
    language : {"zh", "en"}
    bottom_n : int
        Size of the bottom list (≥ 0).
    project_root : Path
        Project root (``data/``, ``reports/``), resolved.
    output_dir : Path
        Folder of ``figures/`` and the workbook: the run's staging folder, or
        ``figures/report/<district>/<month>/`` when the notebook is run by hand.
    excel_name : str
        File name of the workbook inside ``output_dir``.
    interactive : bool
        Show plotly maps (JupyterLab); the runner sets False.
    """

    config: DistrictConfig
    month: pd.Period
    language: str
    bottom_n: int
    project_root: Path
    output_dir: Path
    excel_name: str = "ranking.xlsx"
    interactive: bool = False

    @property
    def district(self) -> str:
        """Configured district name."""
        return self.config.name

    @property
    def store(self) -> Path:
        """``data/processed/<dataset>/`` of the district (:func:`store_dir`)."""
        return store_dir(self.config, self.project_root)

    @property
    def boundaries(self) -> Path | None:
        """The district's boundary file; None when none is configured (no maps)."""
        if self.config.boundaries is None:
            return None
        return self.config.path(self.config.boundaries, self.project_root)

    @property
    def figure_dir(self) -> Path:
        """``<output_dir>/figures`` (``figures_en`` in English): every PNG of the report."""
        return self.output_dir / output_names(self.config, self.month, self.language)["figures"]

    @property
    def record_name(self) -> str:
        """File name of the run-record JSON beside the PDF (:func:`output_names`)."""
        return output_names(self.config, self.month, self.language)["record"]

    @classmethod
    def build(
        cls,
        district: str,
        month: str | pd.Period | None = None,
        *,
        project_root: str | os.PathLike[str] | None = None,
        language: str = "zh",
        bottom_n: int | None = None,
        output_dir: str | os.PathLike[str] | None = None,
        excel_name: str = "ranking.xlsx",
        interactive: bool = False,
        today: dt.date | None = None,
        check_inputs: bool = True,
    ) -> ReportRequest:
        """Check every parameter of a report and return the request.

        Parameters
        ----------
        district : str
            Configured district, e.g. ``"门头沟区"`` (name checked by
            :func:`airlib.report.config.check_district_name`).
        month : str or Period, optional
            ``YYYY-MM``; default the last complete month (:func:`airlib.periods.check_complete_month`: future and
            incomplete months are refused).
        project_root : path-like, optional
            Project root; default :func:`airlib.paths.project_root`.
        language : {"zh", "en"}
        bottom_n : int, optional
            Bottom-list size (whole number ≥ 0); default the district's ``bottom_n``.
        output_dir : path-like, optional
            Folder for figures and the workbook; default :func:`interactive_folder` (never
            the published report folder).
        excel_name : str
            Workbook file name (a plain name, no folder).
        interactive : bool
            Show the plotly maps.
        today : date, optional
            "Today" for the default month and the future-month check (tests).
        check_inputs : bool
            Also check the store, the month's data, the boundaries and the plans
            (:func:`check_request`). The runner checks them before the kernel starts and
            passes False to the notebook so that they are not checked twice.

        Returns
        -------
        ReportRequest

        Raises
        ------
        AirlibError
            Unknown language or district, bad district name, bad month, bad bottom N, bad
            workbook name, a path outside the project, no data for the month, a missing or
            bad boundary or plan file.
        """
        check_language(language)
        check_district_name(district)
        root_p = Path(project_root).resolve() if project_root is not None else default_project_root()
        cfg = district_config(district, root_p)
        m = check_complete_month(month, today, name="month")
        n = cfg.bottom_n if bottom_n is None else bottom_n
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            where = "--bottom-n" if bottom_n is not None else f"bottom_n of {cfg.name} in {config_file(root_p)}"
            raise AirlibError(f"bottom N must be a whole number ≥ 0, not {n!r}; fix {where}")
        if not excel_name or Path(excel_name).name != excel_name or excel_name in (".", ".."):
            raise AirlibError(f"workbook name {excel_name!r} must be a plain file name, without a folder")
        if check_inputs:
            check_request(cfg, m, root_p)
        out = Path(output_dir) if output_dir is not None else interactive_folder(cfg.name, m, root_p)
        return cls(config=cfg, month=m, language=language, bottom_n=int(n), project_root=root_p,
                   output_dir=out, excel_name=excel_name, interactive=bool(interactive))

    def parameters(self) -> dict[str, Any]:
        """The papermill parameters of the report notebook for this request (plain values)."""
        return {
            "district": self.config.name,
            "month": str(self.month),
            "language": self.language,
            "project_root": str(self.project_root),
            "data_dir": str(self.store),
            "boundaries": None if self.boundaries is None else str(self.boundaries),
            "bottom_n": self.bottom_n,
            "output_dir": str(self.output_dir),
            "excel_name": self.excel_name,
            "interactive": self.interactive,
        }
