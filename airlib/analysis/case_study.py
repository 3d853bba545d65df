"""Data loading and area aggregation for the trends-and-attribution case study notebook.

``notebooks/trends_and_attribution.ipynb`` runs on two datasets: the real UCI Beijing
multi-site data (12 stations, 2013-03 – 2017-02, no task ledger) and the synthetic demo
district (门头沟区, with a task ledger), loaded by :func:`airlib.demo.datasets.load_case_study_data`
(the demo layer: it generates the synthetic data). This module builds the valid monthly means
per station, town and district the trend section needs, and saves the notebook's figures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from airlib.errors import InputDataError

__all__ = [
    "valid_monthly",
    "monthly_key_numbers",
    "save_case_figure",
]

def valid_monthly(daily: pd.DataFrame, unit: str = "station", value: str = "pm25") -> pd.DataFrame:
    """Valid monthly means (GB 3095—2012 Table 4: ≥ 27 valid days, February ≥ 25) per ``unit``.

    ``daily``: valid daily values with ``unit``, ``date``, ``value``, ``{value}_valid`` (and,
    for stations, ``{value}_n``), e.g. :func:`airlib.standards.validity.daily_statistics` or
    :func:`airlib.tracking.aggregation.aggregate_daily`.

    Parameters
    ----------
    daily : pandas.DataFrame [µg/m³]
        Daily values as above.
    unit, value : str, default "station", "pm25"
        Unit key and pollutant columns.

    Returns
    -------
    pandas.DataFrame [µg/m³]
        :func:`airlib.standards.validity.monthly_statistics` of ``value`` per unit.
    """
    from airlib.standards.validity import monthly_statistics

    cols = [unit, "date", value, f"{value}_n", f"{value}_valid"]
    cols = [c for c in cols if c in daily.columns]
    for c in (unit, "date", value, f"{value}_valid"):
        if c not in daily.columns:
            raise InputDataError(f"daily frame: missing column {c!r}", column=c)
    return monthly_statistics(daily[cols])


def monthly_key_numbers(monthly: pd.DataFrame, *, unit: str = "station", value: str = "pm25") -> dict:
    """Key numbers of valid monthly means: valid months per unit and the first unit's series.

    Returns ``{"n_valid_months": {unit: int}, "monthly_mean_first_station": {"station": str,
    "values": [float | None]}}`` (None = invalid month), in the frame's order.

    Parameters
    ----------
    monthly : pandas.DataFrame [µg/m³]
        From :func:`valid_monthly`.
    unit, value : str, default "station", "pm25"
        Unit key and pollutant columns.

    Returns
    -------
    dict
        As above; values in the unit of ``value`` [µg/m³ for PM2.5].
    """
    for c in (unit, value, f"{value}_valid"):
        if c not in monthly.columns:
            raise InputDataError(f"monthly frame: missing column {c!r}", column=c)
    if monthly.empty:
        raise InputDataError("monthly frame is empty", column=unit)
    counts = monthly.groupby(unit)[f"{value}_valid"].sum()
    first = monthly[unit].iloc[0]
    values = monthly.loc[monthly[unit] == first, value]
    return {
        "n_valid_months": {k: int(v) for k, v in counts.items()},
        "monthly_mean_first_station": {"station": str(first),
                                       "values": [None if pd.isna(v) else float(v) for v in values]},
    }


def save_case_figure(fig, folder: str | Path, name: str, dataset: str) -> Path:
    """Save ``fig`` as ``folder/{name}_{dataset}.png`` (atomic, :func:`airlib.plotting.save_figure`) and close it.

    The dataset suffix keeps the UCI and demo figures of the notebook apart.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (closed afterwards).
    folder : str or pathlib.Path
        Output folder.
    name : str
        Plain file stem (no path separators).
    dataset : str
        ``"uci"`` or ``"demo"``.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import save_figure

    if not name or "/" in name or "\\" in name:
        raise ValueError(f"figure name must be a plain file stem, not {name!r}")
    try:
        return save_figure(fig, Path(folder) / f"{name}_{dataset}.png")
    finally:
        plt.close(fig)
