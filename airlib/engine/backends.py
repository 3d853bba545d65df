"""The Dask path: the same airlib computations on dask.dataframe / dask.distributed.

When a network outgrows one machine (a province's township network: tens of thousands of
stations, hourly, for years), the processed store is read as a ``dask.dataframe`` with **one
partition per month partition of the store** (``<root>/<dataset>/hourly/year=YYYY/month=M/``),
and the per-month pandas/numpy kernels of :mod:`airlib.standards.validity` and :mod:`airlib.engine.citywide` run
on the workers. The results equal the pandas path exactly (same kernels, same arithmetic).

Use it on a real cluster by creating a ``distributed.Client`` before calling these functions
(all ``compute`` calls use the active client)::

    from distributed import Client
    client = Client("tcp://scheduler-host:8786")   # or LocalCluster() on one machine
    table = airlib.engine.citywide.town_monthly_table(root, "city", stations, backend="dask")

Every worker must see the store at the same path (shared filesystem, or an fsspec URL such as
``s3://bucket/processed`` when the workers have the credentials).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.pollutants import POLLUTANTS
from airlib.settings import DEFAULT, Settings

__all__ = ["read_hourly", "daily_statistics", "town_monthly_table", "rank_month", "sensor_qc_flags"]


def _dd():
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        from airlib.errors import AirlibError

        raise AirlibError("airlib.engine.backends needs Dask, which is not installed: "
                          "pip install 'airlib[dask]'") from exc
    return dd


def _read_month_frame(ym: tuple[int, int], root: str, dataset: str, value_columns: tuple[str, ...]) -> pd.DataFrame:
    from airlib.io.store import read_hourly as read_store

    year, month = ym
    period = f"{year:04d}-{month:02d}"
    return read_store(root, dataset, start=period, end=period, columns=list(value_columns))


def read_hourly(
    root: str | Path,
    dataset: str,
    columns: Sequence[str] = POLLUTANTS,
    months: Iterable[tuple[int, int]] | None = None,
):
    """The hourly store as a ``dask.dataframe``, one partition per stored month.

    Parameters
    ----------
    root, dataset
        The processed store (``<root>/<dataset>/hourly/...``).
    columns
        Value columns (``station`` and ``time`` are always included).
    months
        ``(year, month)`` partitions to read (default: all in the store). Only those
        partitions are opened.

    Returns
    -------
    dask.dataframe.DataFrame
        Canonical hourly frame; each partition holds whole months (so whole natural days)
        of every station: this is what :func:`daily_statistics` relies on with
        ``aligned=True``.
    """
    from airlib.engine.citywide import store_months
    from airlib.io.store import dataset_dir

    version = dataset_dir(root, dataset)  # resolved once: every task reads this store version
    root, dataset = version.parent, version.name
    todo = list(store_months(root, dataset) if months is None else months)
    if not todo:
        raise InputDataError(f"no hourly data in dataset {dataset!r}", file=Path(root) / dataset)
    cols = tuple(c for c in columns if c not in ("station", "time"))
    meta = _read_month_frame(todo[0], str(root), dataset, cols).iloc[:0]
    return _dd().from_map(
        _read_month_frame, todo, root=str(root), dataset=dataset, value_columns=cols, meta=meta, enforce_metadata=False
    )


def _month_daily(
    part: pd.DataFrame, pollutants: tuple[str, ...], settings: Settings, all_stations: pd.Index, spans: pd.DataFrame
) -> pd.DataFrame:
    from airlib.standards.validity import daily_statistics as pandas_daily

    if len(part) == 0:
        return pandas_daily(part, pollutants, settings=settings).iloc[:0]
    first = part["time"].min().to_period("M")
    if part["time"].max().to_period("M") != first:
        raise InputDataError("a partition spans more than one month; use aligned=False", column="time")
    start, end = first.start_time, first.end_time.normalize()
    present = pd.Index(part["station"].unique())
    missing = all_stations.difference(present)
    if len(missing):  # a station absent for the whole month: one NaN row (= missing hours)
        filler = pd.DataFrame({"station": pd.array(missing, dtype=part["station"].dtype), "time": start})
        filler["time"] = filler["time"].astype(part["time"].dtype)
        part = pd.concat([part, filler], ignore_index=True)
    out = pandas_daily(part, pollutants, start=start, end=end, settings=settings)
    # keep each station's own first..last day with data, as the pandas path does
    lo = spans["first"].reindex(out["station"]).to_numpy()
    hi = spans["last"].reindex(out["station"]).to_numpy()
    d = out["date"].to_numpy()
    return out[(d >= lo) & (d <= hi)].reset_index(drop=True)


def daily_statistics(
    ddf,
    pollutants: Sequence[str] = POLLUTANTS,
    settings: Settings | None = None,
    *,
    aligned: bool = False,
):
    """Dask version of :func:`airlib.standards.validity.daily_statistics` (station daily statistics).

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Canonical hourly frame (``station``, ``time``, pollutant columns).
    pollutants, settings
        As in :func:`airlib.standards.validity.daily_statistics`.
    aligned : bool, default False
        True when every partition holds whole months of data (as :func:`read_hourly`
        returns): each month is computed where it lies. False (any partitioning): the rows
        are first shuffled so that each station lies in one partition.

    Returns
    -------
    dask.dataframe.DataFrame
        The same rows and values as ``airlib.standards.validity.daily_statistics(ddf.compute())``
        (order may differ: sort by ``station, date`` to compare). One difference with
        ``aligned=True``: when whole months are absent from the store between two stored
        months, the pandas path lays them out as invalid days, the aligned path has no rows
        for them (their values would be invalid anyway).
    """
    from airlib.standards.validity import daily_statistics as pandas_daily

    settings = DEFAULT if settings is None else settings
    pollutants = tuple(pollutants)
    empty = ddf._meta.copy()
    meta = pandas_daily(empty, pollutants, settings=settings)
    if not aligned:
        shuffled = ddf.shuffle(on="station")
        return shuffled.map_partitions(pandas_daily, pollutants, settings=settings, meta=meta)
    days = ddf[["station", "time"]].assign(time=ddf["time"].dt.floor("D"))
    spans = days.groupby("station")["time"].agg(["min", "max"]).compute()
    spans.columns = ["first", "last"]
    spans["first"] = spans["first"].to_numpy().astype("datetime64[ns]")
    spans["last"] = spans["last"].to_numpy().astype("datetime64[ns]")
    all_stations = pd.Index(spans.index)
    return ddf.map_partitions(_month_daily, pollutants, settings, all_stations, spans, meta=meta)


def town_monthly_table(
    root: str | Path,
    dataset: str,
    stations: pd.DataFrame,
    months: Iterable[tuple[int, int]] | None = None,
    settings: Settings | None = None,
    pollutants: Iterable[str] = POLLUTANTS,
    only_registry: bool = False,
) -> pd.DataFrame:
    """Dask version of :func:`airlib.engine.citywide.town_monthly_table`: one task per month.

    Each task reads its own month partition on a worker and returns the small town-month
    table; only those come back to the client. Same parameters and result (equal exactly)
    as the pandas path (the same per-month job, run by
    :func:`airlib.engine.citywide.town_monthly_table` with ``backend="dask"``).
    """
    from airlib.engine.citywide import town_monthly_table as town_table

    return town_table(root, dataset, stations, months, settings, pollutants, only_registry, backend="dask")


def rank_month(
    root: str | Path, dataset: str, stations: pd.DataFrame, year: int, month: int, settings: Settings | None = None
) -> pd.DataFrame:
    """Dask version of :func:`airlib.engine.citywide.rank_month` (reads only that month's partition)."""
    from airlib.engine.citywide import rank_month as ranked

    return ranked(root, dataset, stations, year, month, settings, backend="dask")


def sensor_qc_flags(
    hourly: pd.DataFrame,
    stations: pd.DataFrame,
    reference_hourly: pd.DataFrame | None = None,
    reference_stations: pd.DataFrame | None = None,
    pollutants: Sequence[str] = ("pm25",),
    settings: Settings | None = None,
    npartitions: int = 4,
    *,
    colocation: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`airlib.analysis.sensor_qc.qc_flags` over station partitions with Dask.

    The micro-stations are split into ``npartitions`` groups; each group is QC-ed by a Dask task
    (the active ``distributed.Client`` if there is one, else Dask's default scheduler) with the
    network median computed once over the whole network beforehand, so the flags equal those
    of one pandas call exactly (``tests/engine/test_backends.py``). Co-location windows
    (``colocation``) split a station's series into segments; a station's segments all lie in
    its group, so every group gets the whole table (each task keeps its own stations' windows).

    Parameters
    ----------
    hourly, stations, reference_hourly, reference_stations, pollutants, settings, colocation
        As :func:`airlib.analysis.sensor_qc.qc_flags`.
    npartitions : int
        Station groups (tasks).

    Returns
    -------
    DataFrame
        As :func:`airlib.analysis.sensor_qc.qc_flags`: the rows of ``hourly`` in their order.
    """
    _dd()  # the clear error when Dask is absent
    import dask

    from airlib.analysis.sensor_qc import network_median, qc_flags

    consensus = network_median(hourly, pollutants)
    names = pd.unique(hourly["station"].astype(str))
    groups = [g for g in np.array_split(np.sort(names), max(1, int(npartitions))) if len(g)]
    work = hourly.reset_index(drop=True)  # positions: the original index may repeat
    key = work["station"].astype(str)
    tasks = [dask.delayed(qc_flags)(work[key.isin(g)], stations, reference_hourly, reference_stations,
                                    pollutants, settings, consensus=consensus, colocation=colocation)
             for g in groups]
    parts = dask.compute(*tasks)
    if not parts:
        return qc_flags(hourly, stations, reference_hourly, reference_stations, pollutants, settings,
                        colocation=colocation)
    out = pd.concat(parts).sort_index()
    out.index = hourly.index
    return out
