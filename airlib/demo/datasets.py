"""The example data sets of airlib's notebooks: the real UCI Beijing data and the synthetic demo.

``notebooks/trends_and_attribution.ipynb`` runs on two datasets: the real UCI Beijing
multi-site data (12 stations, 2013-03 – 2017-02, no task ledger) and the synthetic demo
district (门头沟区, with a task ledger). :func:`load_case_study_data` gives both the same shape
(:class:`CaseStudyData`) so the notebook holds only calls. It lives in the demo layer (above
the analysis layer) because it generates the synthetic data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["DATASETS", "CaseStudyData", "load_case_study_data"]

#: Datasets the case study runs on.
DATASETS: tuple[str, ...] = ("uci", "demo")


@dataclass(frozen=True)
class CaseStudyData:
    """Hourly data and registries of one case-study dataset.

    Attributes
    ----------
    dataset : str
        ``"uci"`` or ``"demo"``.
    hourly : pandas.DataFrame
        Long hourly frame (``station``, ``time``, pollutants in µg/m³, CO in mg/m³, meteorology),
        after QC (sentinels/negatives → NaN).
    stations, towns : pandas.DataFrame
        Station and town registries.
    ledger : pandas.DataFrame or None
        Tidy task ledger (demo only; the UCI data has none).
    """

    dataset: str
    hourly: pd.DataFrame
    stations: pd.DataFrame
    towns: pd.DataFrame
    ledger: pd.DataFrame | None

    @property
    def station_names(self) -> dict[str, str]:
        """Station id → Chinese station name."""
        return dict(zip(self.stations["station"], self.stations["station_name"]))

    @property
    def town_names(self) -> dict[str, str]:
        """Town code → town name."""
        return dict(zip(self.towns["town_code"], self.towns["town_name"]))

    @property
    def district_names(self) -> dict[str, str]:
        """District code → district name."""
        return dict(zip(self.towns["district_code"], self.towns["district_name"]))

    def describe_zh(self) -> str:
        """One line: number of stations, time span and number of hourly rows (Chinese)."""
        h = self.hourly
        return f"{h['station'].nunique()} 个站点，{h['time'].min()} – {h['time'].max()}，{len(h):,} 行逐时数据"


def load_case_study_data(dataset: str, data_dir: str | Path | None = None,
                         demo_end: str = "2018-03") -> CaseStudyData:
    """Load the UCI Beijing multi-site data or generate the demo district data.

    Parameters
    ----------
    dataset : {"uci", "demo"}
        Real UCI data or the synthetic demo district.
    data_dir : path, optional
        UCI folder (None: ``shared_data_dir() / "uci-beijing-multisite"``); ignored for demo.
    demo_end : str, default "2018-03"
        Demo: last month generated (``"YYYY-MM"``).

    Returns
    -------
    CaseStudyData
        Hourly frame [µg/m³; CO mg/m³] and the registries (and the demo ledger).

    Raises
    ------
    ValueError
        Unknown ``dataset``.
    """
    if dataset == "uci":
        from airlib.io.ingest import beijing_townships, read_uci_multisite

        hourly, stations = read_uci_multisite(data_dir)
        return CaseStudyData(dataset, hourly, stations, beijing_townships(), None)
    if dataset == "demo":
        from airlib.demo.generator import generate_hourly
        from airlib.demo.ledgers import demo_ledger_frame
        from airlib.demo.registry import stations_frame, towns_frame
        from airlib.io.ingest.table import QCReport, apply_qc

        hourly = apply_qc(generate_hourly(end=demo_end), QCReport())  # sentinels/negatives → NaN
        return CaseStudyData(dataset, hourly, stations_frame(), towns_frame(), demo_ledger_frame())
    raise ValueError(f"dataset must be one of {DATASETS}, not {dataset!r}")
