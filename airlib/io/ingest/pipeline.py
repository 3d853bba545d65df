"""Top-level ingestion: read → QC → write the partitioned store, registries and manifest."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ingest.registries import beijing_townships, read_stations, read_towns
from airlib.io.ingest.table import QCReport, _apply_duplicates, apply_qc, read_station_table
from airlib.io.ingest.uci import read_uci_embassy, read_uci_multisite, uci_files
from airlib.paths import shared_data_dir
from airlib.settings import Settings
from airlib.io.store import transaction

__all__ = ["ingest_uci", "ingest_table", "format_qc_summary", "cmd_ingest_uci", "cmd_ingest_table"]


def _summary(hourly: pd.DataFrame, qc: dict[str, Any]) -> dict[str, Any]:
    ym = np.unique(hourly["time"].dt.year.to_numpy() * 100 + hourly["time"].dt.month.to_numpy())
    months = [f"{k // 100:04d}-{k % 100:02d}" for k in ym.tolist()]
    return {"rows": int(len(hourly)), "stations": sorted(hourly["station"].unique().tolist()),
            "months": months, "qc": qc}


def ingest_uci(
    processed_root: str | os.PathLike[str],
    shared_dir: str | os.PathLike[str] | None = None,
    *,
    dataset: str = "uci",
    embassy_dataset: str | None = "uci_embassy",
    hour_label: str = "beginning",
) -> dict[str, Any]:
    """Ingest the UCI multi-site files (and the US Embassy file) into the store.

    Writes ``<processed_root>/<dataset>/`` (12 stations; ``stations`` and ``towns``
    registries; manifest) and, unless ``embassy_dataset`` is None,
    ``<processed_root>/<embassy_dataset>/``. QC (negatives, sentinels → NaN, counted) is
    applied and recorded. Each dataset is written in one store transaction (all of its months,
    registries and manifest, or nothing: :func:`airlib.io.store.transaction`). Re-running gives
    byte-identical files and publishes no new version.

    Returns
    -------
    dict
        ``rows``, ``stations``, ``months``, ``qc`` of the multi-site dataset, and
        ``embassy`` (same keys) if ingested.
    """
    base = Path(shared_dir) if shared_dir is not None else shared_data_dir()
    files = uci_files(base / "uci-beijing-multisite")
    hourly, stations = read_uci_multisite(files, hour_label=hour_label)
    report = QCReport(files=[f.name for f in files], encoding="utf-8", hour_label=hour_label,
                      rows_read=len(hourly), duplicate_policy="error")
    hourly = apply_qc(hourly, report)
    report.rows_out = len(hourly)
    report.unit_factors = {"co": 1e-3}
    report.missing = {c: int(hourly[c].isna().sum()) for c in hourly.columns if c not in ("station", "time")}
    towns_csv = base / "geo" / "beijing-townships-nbs2023.csv"
    towns = beijing_townships(towns_csv) if towns_csv.exists() else None
    with transaction(processed_root, dataset) as tx:  # months, registries and manifest: all or none
        tx.write_hourly(hourly, source="uci-multisite", inputs=files, hour_label=hour_label, qc=report.to_dict())
        tx.write_registry(stations, "stations")
        if towns is not None:
            tx.write_registry(towns, "towns")
    out = _summary(hourly, report.to_dict())
    if embassy_dataset is not None:
        efile = base / "uci-beijing-pm25-2010-2014" / "PRSA_data_2010.1.1-2014.12.31.csv"
        if efile.exists():
            emb = read_uci_embassy(efile, hour_label=hour_label)
            erep = QCReport(files=[efile.name], encoding="utf-8", hour_label=hour_label, rows_read=len(emb))
            emb = apply_qc(emb, erep)
            erep.rows_out = len(emb)
            erep.missing = {c: int(emb[c].isna().sum()) for c in ("pm25", "temp", "pres", "dewp")}
            with transaction(processed_root, embassy_dataset) as tx:
                tx.write_hourly(emb, source="uci-embassy", inputs=[efile], hour_label=hour_label, qc=erep.to_dict())
                tx.write_registry(pd.DataFrame({
                    "station": pd.array(["USEmbassy"], dtype="string"),
                    "station_name": pd.array(["美国驻华大使馆"], dtype="string"),
                    "town_code": pd.array([pd.NA], dtype="string"),
                    "lon": [np.nan], "lat": [np.nan],
                    "source": pd.array(["UCI Beijing PM2.5 (Liang et al. 2015)"], dtype="string"),
                }), "stations")
            out["embassy"] = _summary(emb, erep.to_dict())
    return out


def ingest_table(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    processed_root: str | os.PathLike[str],
    dataset: str,
    stations_path: str | os.PathLike[str] | None = None,
    towns_path: str | os.PathLike[str] | None = None,
    *,
    source: str | None = None,
    layout: str = "long",
    settings: Settings | None = None,
    **reader_kwargs: Any,
) -> dict[str, Any]:
    """Ingest bureau station-hour tables (CSV/XLSX) into ``<processed_root>/<dataset>/``.

    Reads the town registry (``towns_path``) and the station registry (``stations_path``;
    its town names/codes are validated against the towns), reads every table with
    :func:`~airlib.io.ingest.read_station_table` (stations resolved against the registry;
    ``reader_kwargs`` are passed on: ``mapping``, ``encoding``, ``hour_label``, ``sheet``,
    ``duplicates``, ``time_format``, ``timezone``, ``decimal``, ``sentinels``; ``settings``
    (limits, plausibility) goes to every reader), applies the duplicates policy across files
    too, and writes partitions, registries and the manifest (SHA-256 of every input) in one
    store transaction: all of them or, on any error or crash, nothing
    (:func:`airlib.io.store.transaction`).
    ``layout="wide"`` reads ``date, hour, type, <station>…`` tables with
    :func:`~airlib.io.ingest.read_wide_table` instead.

    Returns
    -------
    dict
        ``rows``, ``stations``, ``months``, ``qc`` (per file), ``cross_file_duplicates``
        (rows sharing a station-hour across files, resolved by the policy).
    """
    from airlib.io.registry import resolve_towns

    files = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    if not files:
        raise InputDataError("no input files given")
    towns = read_towns(towns_path, settings=settings) if towns_path is not None else None
    stations = read_stations(stations_path, towns=towns, settings=settings) if stations_path is not None else None
    if stations is not None and towns is not None:
        has = stations["town_code"].notna()
        if has.any():
            stations.loc[has, "town_code"] = resolve_towns(
                stations.loc[has, "town_code"], towns, file=stations_path, column="town_code",
                rows=(np.flatnonzero(has.to_numpy()) + 2))
    if layout not in ("long", "wide"):
        raise InputDataError(f"layout must be 'long' or 'wide', not {layout!r}")
    from airlib.io.ingest.wide import read_wide_table

    reader = read_station_table if layout == "long" else read_wide_table
    policy = reader_kwargs.get("duplicates", "error")
    frames, reports = [], {}
    for f in files:
        h, rep = reader(f, stations=stations, settings=settings, **reader_kwargs)
        h["_file"] = f.name
        frames.append(h)
        reports[f.name] = rep
    combined = pd.concat(frames, ignore_index=True)
    dup = combined.duplicated(["station", "time"], keep=False).to_numpy()
    cross_dups = int(dup.sum())
    if dup.any():
        d = combined[dup]
        if policy == "error":
            where = d.groupby("_file").size().to_dict()
            ex = d.iloc[0]
            raise InputDataError(
                f"{int(dup.sum())} station-hours appear in more than one file ({where}), e.g. "
                f"{ex['station']} {ex['time']:%Y-%m-%d %H:%M}; pass duplicates='first', 'last' or 'mean'",
                file=", ".join(sorted(where)), column="station/time")
        combined["_row"] = np.arange(len(combined))
        cross = QCReport(duplicate_policy=policy)
        combined = _apply_duplicates(combined.drop(columns="_file"), policy, cross)
    else:
        combined = combined.drop(columns="_file")
    qc = {k: r.to_dict() for k, r in reports.items()}
    label = reader_kwargs.get("hour_label", "beginning")
    with transaction(processed_root, dataset) as tx:  # months, registries and manifest: all or none
        tx.write_hourly(combined, source=source or "+".join(f.name for f in files), inputs=files,
                        hour_label=label, qc=qc)
        if stations is not None:
            tx.write_registry(stations, "stations")
        if towns is not None:
            tx.write_registry(towns, "towns")
    out = _summary(combined, qc)
    out["cross_file_duplicates"] = cross_dups
    return out


_QC_KINDS = (("sentinel", "缺测代码"), ("negative", "负值"), ("implausible", "超出合理范围"))


def format_qc_summary(summary: dict[str, Any]) -> str:
    """The QC summary printed after an ingestion (Chinese first, English labels after).

    ``summary`` is what :func:`ingest_table` / :func:`ingest_uci` return: ``qc`` is one
    QCReport dict or a dict of them per file. Lines: rows read and written, stations,
    months; values set to missing per kind (sentinel codes, negatives, implausible) with
    the count per column; duplicate station-hours and the policy; per file the delimiter,
    decimal mark, time format and time zone when not the defaults.
    """
    qc = summary.get("qc") or {}
    reports = [qc] if "rows_read" in qc else list(qc.values())
    names = [] if "rows_read" in qc else list(qc)
    rows_read = sum(int(r.get("rows_read", 0)) for r in reports)
    months = summary.get("months") or []
    span = f"{months[0]} 至 {months[-1]}（{len(months)} 个月）" if months else "无"
    n_st = summary["stations"] if isinstance(summary.get("stations"), int) else len(summary.get("stations") or [])
    lines = [f"质控摘要 QC summary：读取 {rows_read:,} 行 (rows read)，入库 {int(summary.get('rows', 0)):,} 行 "
             f"(rows written)；{n_st} 个站点 (stations)；{span} (months)"]
    per_kind = []
    for key, label in _QC_KINDS:
        cols: dict[str, int] = {}
        for r in reports:
            for c, n in (r.get(key) or {}).items():
                cols[c] = cols.get(c, 0) + int(n)
        total = sum(cols.values())
        detail = "、".join(f"{c} {n}" for c, n in sorted(cols.items()) if n)
        per_kind.append(f"{label}置空 {total} 个" + (f"（{detail}）" if detail else ""))
    lines.append("  置空 set to missing：" + "；".join(per_kind) + " (sentinels; negatives; implausible)")
    dups = sum(int(r.get("duplicates", 0)) for r in reports) + int(summary.get("cross_file_duplicates", 0))
    policy = reports[0].get("duplicate_policy", "error") if reports else "error"
    lines.append(f"  重复站点-小时 duplicates：{dups} 行，策略 {policy}" + ("（已合并 resolved）" if dups else ""))
    for name, r in zip(names, reports):
        notes = []
        if r.get("delimiter") not in (None, ","):
            notes.append(f"分隔符 delimiter {r['delimiter']!r}")
        if r.get("decimal") == ",":
            notes.append("小数点为逗号 decimal ','")
        if r.get("time_format"):
            notes.append(f"时间格式 time format {r['time_format']}")
        if r.get("timezone") not in (None, "Asia/Shanghai"):
            notes.append(f"时区 timezone {r['timezone']} → 北京时间")
        if notes:
            lines.append(f"  {name}：" + "，".join(notes))
    return "\n".join(lines)


def cmd_ingest_uci(shared: str | os.PathLike[str] | None, processed: str | os.PathLike[str] | None) -> int:
    """``airlib ingest uci``: ingest the real UCI data sets into ``<processed>/uci`` and ``uci_embassy``."""
    import time

    from airlib.paths import processed_dir

    root = Path(processed) if processed is not None else processed_dir()
    t0 = time.perf_counter()
    s = ingest_uci(root, shared_dir=shared)
    flagged = sum(sum(s["qc"][k].values()) for k in ("negative", "sentinel", "implausible"))
    print(f"已入库 uci：{len(s['stations'])} 个站点，{s['rows']:,} 行，{s['months'][0]} 至 {s['months'][-1]}；"
          f"质控置空 {flagged} 个" + (f"；uci_embassy：{s['embassy']['rows']:,} 行" if "embassy" in s else "")
          + f"；用时 {time.perf_counter() - t0:.1f} s → {root}")
    print(format_qc_summary(s))
    return 0


def cmd_ingest_table(
    files: Sequence[str],
    processed: str | os.PathLike[str] | None,
    dataset: str | None,
    *,
    stations: str | None = None,
    towns: str | None = None,
    hour_label: str = "beginning",
    encoding: str | None = None,
    duplicates: str = "error",
    layout: str = "long",
    time_format: str | None = None,
    timezone: str | None = None,
    decimal: str | None = None,
    sheet: str | None = None,
) -> int:
    """``airlib ingest table FILES --dataset NAME``: a bureau's own station-hour tables."""
    import re
    import time

    from airlib.paths import processed_dir

    if not dataset or not re.fullmatch(r"[A-Za-z0-9_\-]+", dataset) or dataset in ("demo", "uci"):
        raise InputDataError(
            f"--dataset must name the data set in the store (letters, digits, _ or -; not demo/uci), got {dataset!r}"
        )
    if not files:
        raise InputDataError("no input files given: airlib ingest table FILE [FILE ...] --dataset NAME")
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise InputDataError("file not found", file=missing[0])
    root = Path(processed) if processed is not None else processed_dir()
    t0 = time.perf_counter()
    kwargs: dict[str, Any] = {"hour_label": hour_label, "duplicates": duplicates}
    for key, value in (("encoding", encoding), ("time_format", time_format), ("timezone", timezone),
                       ("decimal", decimal), ("sheet", sheet)):
        if value is not None:
            kwargs[key] = value
    if timezone is not None:
        from airlib.io.ingest.table import parse_timezone

        parse_timezone(timezone)  # an unknown zone fails before any file is read
    s = ingest_table(files, root, dataset, stations_path=stations, towns_path=towns, layout=layout, **kwargs)
    months = s.get("months") or []
    span = f"{months[0]} 至 {months[-1]}" if months else "无"
    n_st = s["stations"] if isinstance(s["stations"], int) else len(s["stations"])
    print(f"已入库 {dataset}：{len(files)} 个文件，{s['rows']:,} 行，{n_st} 个站点，{span}；"
          f"用时 {time.perf_counter() - t0:.1f} s → {root / dataset}")
    print(format_qc_summary(s))
    return 0
