"""Wide station tables: one row per hour and indicator, one column per station.

This is the layout of the Beijing municipal hourly files (``date, hour, type, 东四, 天坛, …``,
with ``type`` = PM2.5, PM2.5_24h, PM10, AQI, SO2, NO2, O3, O3_8h, CO …). Only the hourly
indicators of the canonical frame are kept (PM2.5, PM10, SO2, NO2, CO, O3); moving averages
(``*_24h``, ``O3_8h``) and AQI are skipped and listed in ``QCReport.unmapped_columns``.
Same conventions as :func:`airlib.io.ingest.read_station_table` (docs/ingestion.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.schema import canonical_hourly
from airlib.io.ingest.columns import (
    HEADER_ALIASES,
    drop_blank_rows,
    file_errors,
    normalise_header,
    read_any_table,
    refuse_formula_text,
    row_arg,
)
from airlib.io.ingest.table import (
    DEFAULT_SENTINELS,
    QCReport,
    _check_hour_label,
    _parse_date_hour,
    _station_ids,
    _to_numeric,
    apply_hour_label,
    decide_decimal,
    parse_timezone,
    qc_masks,
)
from airlib.settings import DEFAULT, Settings
from airlib.pollutants import POLLUTANTS

__all__ = ["read_wide_table"]

_DATE = {normalise_header(h) for h in ("date", "日期", "监测日期")}
_HOUR = {normalise_header(h) for h in ("hour", "小时", "时段")}
_TYPE = {normalise_header(h) for h in ("type", "类型", "指标", "污染物", "监测项目", "项目")}
_POLLUTANT_OF = {normalise_header(a): c for c in POLLUTANTS for a in (c, *HEADER_ALIASES[c])}


def _is_wide_header(cells: list[str]) -> bool:
    keys = {normalise_header(c) for c in cells}
    return bool(keys & _DATE) and bool(keys & _HOUR) and bool(keys & _TYPE)


@file_errors
def read_wide_table(
    path: str | os.PathLike[str],
    encoding: str | None = None,
    hour_label: Literal["beginning", "ending"] = "beginning",
    sheet: str | int | None = None,
    duplicates: Literal["error", "first", "last", "mean"] = "error",
    stations: pd.DataFrame | str | os.PathLike[str] | None = None,
    time_format: str | None = None,
    sentinels: Sequence[float] = DEFAULT_SENTINELS,
    timezone: str | None = None,
    decimal: str | None = None,
    settings: Settings | None = None,
) -> tuple[pd.DataFrame, QCReport]:
    """Read a wide table (``date, hour, type, <station>…``) into the canonical hourly frame.

    Parameters are those of :func:`~airlib.io.ingest.read_station_table` (``timezone``,
    ``decimal``, ``settings`` included; plausibility limits per pollutant); station columns are
    every column besides date/hour/type (resolved against ``stations`` if given). Units as
    delivered: µg/m³, CO mg/m³.

    Returns
    -------
    (hourly, report)
        Canonical frame sorted by station, time; :class:`~airlib.io.ingest.QCReport` (QC counts
        per pollutant with example file rows; skipped indicator types in ``unmapped_columns``).
    """
    p = Path(path)
    _check_hour_label(hour_label, p)
    _, tz_label = parse_timezone(timezone, file=p)
    raw, enc = read_any_table(p, encoding=encoding, sheet=sheet, is_header=_is_wide_header, settings=settings)
    raw = drop_blank_rows(raw)
    keys = {normalise_header(c): c for c in raw.columns}
    found: dict[str, str] = {}
    for role, names, label in (("date", _DATE, "date/日期"), ("hour", _HOUR, "hour/小时"), ("type", _TYPE, "type/类型")):
        col = next((keys[k] for k in keys if k in names), None)
        if col is None:
            raise InputDataError(f"missing column {label} of a wide table; headers: {list(raw.columns)}", file=p,
                                 column=label.split("/")[1])
        found[role] = col
    station_cols = [c for c in raw.columns if c not in found.values() and not str(c).startswith("Unnamed")]
    if not station_cols:
        raise InputDataError("no station columns after date, hour, type", file=p)
    if raw.empty:
        raise InputDataError("the file has a header but no data rows", file=p)
    rows = raw.index.to_numpy()
    types = raw[found["type"]].astype("string").str.strip()
    lookup = {u: _POLLUTANT_OF.get(normalise_header(u)) for u in types.dropna().unique()}  # distinct types only
    tkey = types.map(lookup).astype("string")
    keep = tkey.notna().to_numpy()
    skipped = sorted(set(raw.loc[~keep, found["type"]].astype("string").dropna()))
    report = QCReport(files=[str(p)], encoding=enc, hour_label=hour_label, rows_read=len(raw),
                      column_map={found["type"]: "pollutant type", found["date"]: "date", found["hour"]: "hour"},
                      unmapped_columns=[f"type={t}" for t in skipped], duplicate_policy=duplicates,
                      delimiter=raw.attrs.get("delimiter"), time_format=time_format, timezone=tz_label)
    raw, rows, tkey = raw[keep], rows[keep], tkey[keep]
    if raw.empty:
        raise InputDataError(f"no rows with an hourly pollutant type; types found: {skipped}", file=p,
                             column=found["type"])
    times = apply_hour_label(
        _parse_date_hour(raw[found["date"]], raw[found["hour"]], file=p, date_col=found["date"],
                         hour_col=found["hour"], rows=rows, time_format=time_format, timezone=timezone,
                         settings=settings, report=report), hour_label, file=p)
    report.decimal = decide_decimal(raw, station_cols, decimal, file=p)
    names = pd.Series(station_cols, dtype="string")
    refuse_formula_text(names, file=p, rows=[1] * len(names), column="(station header)", what="a station")
    if stations is not None:
        ids = _station_ids(names, stations, file=p, column="(station header)", rows=[1] * len(names))
    else:
        ids = names.str.strip()
    parts = []
    for col, sid in zip(station_cols, ids):  # loop over station columns, not rows
        v = _to_numeric(raw[col], file=p, column=col, rows=rows, decimal=report.decimal)
        parts.append(pd.DataFrame({"station": sid, "time": times.to_numpy(), "pollutant": tkey.to_numpy(),
                                   "value": v.to_numpy(), "_row": rows}))
    long = pd.concat(parts, ignore_index=True)
    long["station"] = long["station"].astype("string")
    # QC on the long values, per pollutant
    val = long["value"].to_numpy()
    pol_arr = long["pollutant"].to_numpy(dtype=object)
    sent = np.asarray(list(sentinels), dtype="float64")
    is_sent = np.zeros(len(val), bool)
    is_neg = np.zeros(len(val), bool)
    is_out = np.zeros(len(val), bool)
    ranges = (DEFAULT if settings is None else settings).plausible_ranges
    for pol in POLLUTANTS:  # loop over the six pollutants, not rows
        m = pol_arr == pol
        if m.any():
            s_, n_, o_ = qc_masks(val[m], pol, sent, 1.0, ranges)
            is_sent[m], is_neg[m], is_out[m] = s_, n_, o_
    bad = is_sent | is_neg | is_out
    for pol, g in long[bad].groupby("pollutant", sort=True):
        m = g.index.to_numpy()
        for counts, mask in ((report.sentinel, is_sent), (report.negative, is_neg), (report.implausible, is_out)):
            counts[pol] = int(mask[m].sum())
        report.examples[pol] = sorted(set(g["_row"].tolist()))[:5]
    long.loc[bad, "value"] = np.nan
    dup = long.duplicated(["station", "time", "pollutant"], keep=False).to_numpy()
    report.duplicates = int(dup.sum())
    if dup.any():
        if duplicates == "error":
            d = long[dup].sort_values(["station", "time", "pollutant", "_row"])
            ex = d.iloc[0]
            raise InputDataError(
                f"{int(dup.sum())} values share a station, hour and type, e.g. {ex['station']} "
                f"{ex['time']:%Y-%m-%d %H:%M} {ex['pollutant']}; pass duplicates='first', 'last' or 'mean'",
                file=p, row=row_arg(sorted(set(d["_row"].tolist()))), column=found["type"])
        if duplicates in ("first", "last"):
            long = long.drop_duplicates(["station", "time", "pollutant"], keep=duplicates)
        elif duplicates == "mean":
            long = long.groupby(["station", "time", "pollutant"], as_index=False, sort=False)["value"].mean()
        else:
            raise InputDataError(f"duplicates must be 'error', 'first', 'last' or 'mean', not {duplicates!r}", file=p)
    wide = long.pivot(index=["station", "time"], columns="pollutant", values="value").reset_index()
    wide.columns.name = None
    hourly = canonical_hourly(wide)
    report.rows_out = len(hourly)
    report.missing = {c: int(hourly[c].isna().sum()) for c in POLLUTANTS}
    return hourly, report
