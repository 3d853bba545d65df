"""Reader of the published sand-dust period list (沙尘天气过程影响时段, 扣沙; docs/dust.md).

Under 环办监测〔2016〕120号 ([MEE-SANDDUST-2016]) the China National Environmental Monitoring
Centre (中国环境监测总站) fixes the time and area of each sand-dust process and removes the
affected particulate data in its data review. A bureau receives (or keeps) that list as a
table: one row per period with its start, end and area. :func:`read_sand_dust_periods` reads
it from CSV or XLSX into the frame :func:`airlib.standards.sand_dust.dust_mask` takes.

Time convention (docs/architecture.md): ``start`` inclusive, ``end`` exclusive, naive Beijing
time. An hour labelled ``t`` (hour-beginning) is inside a period when ``start <= t`` and
``t + 1 h <= end``; an hour only partly inside is governed by the setting
``sand_dust_partial_hour`` (UNVERIFIED, default: covered), applied by the calculations, not
here: the reader keeps the instants as published.
"""

from __future__ import annotations

import csv
import io
import re
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.files import refuse_if_larger
from airlib.settings import DEFAULT, Settings

__all__ = ["HEADER_ALIASES", "PERIOD_COLUMNS", "read_sand_dust_periods", "check_periods"]

#: Columns of the period frame.
PERIOD_COLUMNS: tuple[str, ...] = ("start", "end", "area", "source", "row")

#: Accepted header texts per column (whitespace removed, compared case-insensitively).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "start": ("start", "开始时间", "起始时间", "开始", "起始", "影响开始时间", "沙尘开始时间", "开始时刻"),
    "end": ("end", "结束时间", "终止时间", "结束", "截止时间", "影响结束时间", "沙尘结束时间", "结束时刻"),
    "area": ("area", "影响区域", "影响范围", "区域", "地区", "城市", "区县", "行政区"),
}

_CN_TIME = [
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"), r"\1-\2-\3 "),
    (re.compile(r"(\d{1,2})[时点]\s*(\d{1,2})分?"), r"\1:\2"),
    (re.compile(r"(\d{1,2})[时点]"), r"\1:00"),
]


def _norm(cell: object) -> str:
    return re.sub(r"\s+", "", str(cell)).lower() if isinstance(cell, str) else ""


def _read_grid(path: Path, settings: Settings) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise InputDataError(f"unsupported file type {suffix!r} for a sand-dust period list; use .csv or .xlsx",
                             file=path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputDataError("sand-dust period list not found", file=path) from None
    refuse_if_larger(path, size, settings.ledger_max_bytes, "ledger_max_bytes", what="the sand-dust period list")
    try:
        if suffix in (".xlsx", ".xlsm"):
            from airlib.io.ingest.columns import check_xlsx

            check_xlsx(path, 0, settings)
            return pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
        from airlib.io.text_decoding import decode_text

        text, _ = decode_text(path.read_bytes(), file=path)
        lines = list(csv.reader(io.StringIO(text)))  # every line kept: row numbers as in Excel
        width = max((len(r) for r in lines), default=0)
        return pd.DataFrame([r + [""] * (width - len(r)) for r in lines], dtype=object)
    except InputDataError:
        raise
    except PermissionError:
        raise InputDataError("the sand-dust period list cannot be read: no permission", file=path) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file may fail anywhere in the reader
        raise InputDataError(
            f"cannot read the sand-dust period list ({type(exc).__name__}: {exc}); open it in Excel and "
            "save it again, or export it as UTF-8 CSV", file=path) from None


def _parse_time(values: pd.Series, *, file: Path, column: str, rows: np.ndarray) -> pd.Series:
    """Cells → naive Timestamps; an unparsable or empty cell is an error naming its row."""
    def one(v: object) -> pd.Timestamp | None:
        if isinstance(v, pd.Timestamp):
            return v.tz_convert("Asia/Shanghai").tz_localize(None) if v.tzinfo else v
        if hasattr(v, "year") and hasattr(v, "hour"):
            return pd.Timestamp(v)
        if not isinstance(v, str) or not v.strip():
            return None
        s = v.strip()
        for pat, rep in _CN_TIME:
            s = pat.sub(rep, s)
        try:
            t = pd.Timestamp(s.replace("/", "-"))
        except (ValueError, TypeError):
            return None
        if t is pd.NaT:
            return None
        return t.tz_convert("Asia/Shanghai").tz_localize(None) if t.tzinfo else t

    parsed = [one(v) for v in values]  # a list of at most a few hundred periods
    bad = [int(r) for r, t in zip(rows, parsed) if t is None]
    if bad:
        raise InputDataError(
            "cannot read this time (empty or not a date-time); write it as 2021-03-15 08:00",
            file=file, row=bad if len(bad) > 1 else bad[0], column=column)
    return pd.Series(pd.to_datetime(parsed), index=values.index).astype("datetime64[us]")


def read_sand_dust_periods(
    path: str | PathLike[str],
    *,
    end_is_last_hour: bool = False,
    default_area: str | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Read a published sand-dust period list (扣沙时段表) from CSV or XLSX.

    Implements the input of 环办监测〔2016〕120号 ([MEE-SANDDUST-2016]): the affected time
    (影响时段) and area (影响范围) of each sand-dust process.

    Parameters
    ----------
    path : path-like
        ``.csv`` (UTF-8 or GBK) or ``.xlsx``. The header may be preceded by comment lines
        (e.g. ``# SYNTHETIC``); it holds a start, an end and (optionally) an area column,
        under the English or usual Chinese names (:data:`HEADER_ALIASES`: 开始时间, 结束时间,
        影响区域 …).
    end_is_last_hour : bool
        False (default): ``end`` is the instant the period ends (exclusive). True: the list
        gives the label of the last affected hour (hour-beginning), so one hour is added.
    default_area : str, optional
        Area of every row when the list has no area column; without it such a list is an error.
    settings : Settings, optional
        ``ledger_max_bytes`` limits the file size.

    Returns
    -------
    DataFrame
        ``start`` (inclusive), ``end`` (exclusive) naive Beijing-time Timestamps, ``area``
        (str), ``source`` (file name), ``row`` (1-based file row, header rows counted),
        sorted by area and start.

    Raises
    ------
    InputDataError
        Naming the file, row and column: missing start/end (or area) column, an unparsable
        time, ``end <= start``, two overlapping periods of the same area (both rows named).
    """
    s = DEFAULT if settings is None else settings
    p = Path(path)
    raw = _read_grid(p, s)
    cells = raw.map(_norm)
    header_at = None
    for i in range(min(len(cells), 20)):
        keys = {k for c in cells.iloc[i] for k, names in HEADER_ALIASES.items() if c in names}
        if {"start", "end"} <= keys:
            header_at = i
            break
    if header_at is None:
        raise InputDataError(
            "no header with a start and an end column found in the first 20 rows; name them "
            "开始时间 and 结束时间 (or start, end), with 影响区域 (area)", file=p)
    col_of: dict[str, int] = {}
    header_text: dict[str, str] = {}
    for j, c in enumerate(cells.iloc[header_at]):
        for k, names in HEADER_ALIASES.items():
            if c in names and k not in col_of:
                col_of[k] = j
                header_text[k] = str(raw.iat[header_at, j]).strip()
    if "area" not in col_of and default_area is None:
        raise InputDataError(
            "no area column (影响区域); add one naming the district or 全市 for each period, or pass "
            "default_area", file=p, row=header_at + 1)
    body = raw.iloc[header_at + 1:]
    blank = body.map(lambda v: v is None or (isinstance(v, float) and np.isnan(v)) or
                     (isinstance(v, str) and not v.strip())).all(axis=1)
    first = body.iloc[:, 0].astype(str).str.lstrip().str.startswith("#")
    body = body[~blank & ~first]
    rows = body.index.to_numpy() + 1
    start = _parse_time(body.iloc[:, col_of["start"]], file=p, column=header_text["start"], rows=rows)
    end = _parse_time(body.iloc[:, col_of["end"]], file=p, column=header_text["end"], rows=rows)
    if end_is_last_hour:
        end = end + pd.Timedelta(hours=1)
    if "area" in col_of:
        area = body.iloc[:, col_of["area"]].map(lambda v: re.sub(r"\s+", "", str(v)) if v is not None else "")
        area = area.replace({"nan": ""})
        empty = rows[(area == "").to_numpy()]
        if len(empty):
            raise InputDataError("the area is empty; name the district (or 全市)", file=p,
                                 row=[int(r) for r in empty] if len(empty) > 1 else int(empty[0]),
                                 column=header_text["area"])
    else:
        area = pd.Series(default_area, index=body.index)
    out = pd.DataFrame({"start": start.to_numpy(), "end": end.to_numpy(), "area": area.astype(str).to_numpy(),
                        "source": p.name, "row": rows.astype(int)})
    return check_periods(out, file=p, end_column=header_text["end"])


def check_periods(periods: pd.DataFrame, *, file: str | PathLike[str] | None = None,
                  end_column: str = "end") -> pd.DataFrame:
    """Check a period frame (``end > start``; no two periods of one area overlap) and sort it.

    Parameters
    ----------
    periods : DataFrame
        ``start``, ``end``, ``area`` and optionally ``row`` (file rows, used in messages).

    Returns
    -------
    DataFrame
        The periods sorted by area and start, fresh index.

    Raises
    ------
    InputDataError
        ``end <= start`` (the row), or an overlap (both rows named).
    """
    missing = [c for c in ("start", "end", "area") if c not in periods.columns]
    if missing:
        raise InputDataError(f"the period list lacks column(s) {', '.join(missing)}", file=file)
    if periods.empty:  # a list with a header only: no period (nothing to check)
        return periods.reset_index(drop=True)
    rows = periods["row"] if "row" in periods.columns else pd.Series(np.arange(len(periods)) + 1,
                                                                      index=periods.index)
    bad = (periods["end"] <= periods["start"]).to_numpy()
    if bad.any():
        raise InputDataError(
            "the end is not after the start; check the dates (the end is the instant the period ends)",
            file=file, row=[int(r) for r in rows[bad]] if bad.sum() > 1 else int(rows[bad].iloc[0]),
            column=end_column)
    out = periods.assign(row=rows).sort_values(["area", "start"], kind="stable").reset_index(drop=True)
    # the latest end of the earlier periods of the same area (sorted by start)
    prev_end = out.groupby("area", sort=False)["end"].transform(lambda e: e.cummax().shift())
    overlap = (out["start"] < prev_end).to_numpy()
    if overlap.any():
        i = int(np.flatnonzero(overlap)[0])
        earlier = out.iloc[:i]
        j = int(np.flatnonzero(((earlier["area"] == out["area"].iat[i])
                                & (earlier["end"] > out["start"].iat[i])).to_numpy())[0])
        a, b = int(out["row"].iat[j]), int(out["row"].iat[i])
        raise InputDataError(
            f"periods of area {out['area'].iat[i]!r} in rows {a} and {b} overlap "
            f"({out['start'].iat[j]:%Y-%m-%d %H:%M}–{out['end'].iat[j]:%Y-%m-%d %H:%M} and "
            f"{out['start'].iat[i]:%Y-%m-%d %H:%M}–{out['end'].iat[i]:%Y-%m-%d %H:%M}); merge them into one row",
            file=file, row=[a, b])
    if "row" not in periods.columns:
        out = out.drop(columns="row")
    return out
