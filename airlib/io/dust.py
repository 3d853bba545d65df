"""Readers of the bureau's dust sheets: dustfall (降尘) and road-dust load (道路尘土残存量).

Rules and sources: ``docs/dust.md`` (sections 降尘 and 道路尘土残存量). Both readers take a
CSV/TXT or XLSX file (or a folder of them) through the one table reader of airlib
(:func:`airlib.io.ingest.columns.read_any_table`: encodings, title rows above the header,
XLSX limits), resolve towns against the town registry (:func:`airlib.io.registry.resolve_towns`:
an unknown town is an error naming the rows and the closest known names) and raise
:class:`~airlib.errors.InputDataError` naming file, row (1-based, header = row 1) and column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ingest.columns import (
    drop_blank_rows, file_errors, find_columns, parse_datetimes, read_any_table, refuse_formula_text, row_arg,
)
from airlib.io.registry import resolve_towns
from airlib.settings import DEFAULT, Settings

__all__ = [
    "DUSTFALL_COLUMNS",
    "DUSTFALL_UNITS",
    "ROAD_DUST_COLUMNS",
    "ROAD_DUST_UNITS",
    "dust_files",
    "read_dustfall",
    "read_road_dust",
]

#: Columns of the frame :func:`read_dustfall` returns.
DUSTFALL_COLUMNS = ("point", "town_code", "town_name", "start", "end", "days", "value", "unit",
                    "dustfall_30d", "source", "row")
#: Columns of the frame :func:`read_road_dust` returns.
ROAD_DUST_COLUMNS = ("road", "town_code", "town_name", "date", "load", "source", "row")

#: Dustfall units (key: the unit as written, normalised by :func:`_unit_key`) → whether the
#: value is per sampling period (``"period"``: normalised to 30 days by the reader) or already
#: per 30 days (``"30d"``; 吨/平方公里·月 is the practice's name for t/(km²·30 d), HJ 1221-2021).
DUSTFALL_UNITS: dict[str, str] = {
    "t/km2": "period", "t/km²": "period", "吨/平方公里": "period", "吨/km2": "period", "吨/km²": "period",
    "t/(km2·30d)": "30d", "t/km2·30d": "30d", "t/km²·30d": "30d", "t/(km²·30d)": "30d",
    "t/km2·月": "30d", "t/km²·月": "30d", "t/(km2·月)": "30d", "t/(km²·月)": "30d",
    "吨/平方公里·月": "30d", "吨/(平方公里·月)": "30d", "吨/月·平方公里": "30d", "吨/(月·平方公里)": "30d",
    "t/月·km2": "30d", "t/月·km²": "30d", "吨/km2·月": "30d", "吨/km²·月": "30d",
}
#: Road-dust load units → factor to g/m².
ROAD_DUST_UNITS: dict[str, float] = {"g/m2": 1.0, "g/m²": 1.0, "克/平方米": 1.0, "克/m2": 1.0, "克/m²": 1.0}

_HEADERS: dict[str, tuple[str, ...]] = {
    "point": ("点位", "点位名称", "监测点位", "采样点", "采样点位", "降尘点位", "point", "site"),
    "road": ("道路", "道路名称", "路段", "路名", "road"),
    "town": ("街道", "乡镇", "街乡镇", "街道乡镇", "街乡", "所属街乡镇", "所属街道", "所在街乡镇", "town", "towncode",
             "townname"),
    "start": ("开始日期", "起始日期", "采样开始", "采样开始日期", "开始", "start", "startdate"),
    "end": ("结束日期", "截止日期", "采样结束", "采样结束日期", "结束", "end", "enddate"),
    "date": ("日期", "采样日期", "监测日期", "date"),
    "value": ("降尘量", "降尘", "dustfall", "value"),
    "load": ("尘土残存量", "道路尘土残存量", "残存量", "尘负荷", "load", "dustload"),
    "unit": ("单位", "unit"),
}
_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*[(（\[](?P<unit>[^()（）\[\]]*(?:[(（][^()（）]*[)）][^()（）\[\]]*)?)[)）\]]\s*$")


def _unit_key(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "").replace("⋅", "·").replace("•", "·")
    return s.replace("²", "2").replace("*", "·").replace(".", "·").casefold()


_DUSTFALL_UNIT_KEYS = {_unit_key(k): v for k, v in DUSTFALL_UNITS.items()}
_ROAD_UNIT_KEYS = {_unit_key(k): v for k, v in ROAD_DUST_UNITS.items()}


def _split_header(text: object) -> tuple[str, str | None]:
    """``"降尘量（吨/平方公里·月）"`` → ``("降尘量", "吨/平方公里·月")``; no unit → ``(text, None)``."""
    s = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip()
    m = _UNIT_IN_HEADER.match(s)
    if m and m.group("name").strip() and m.group("unit").strip():
        return m.group("name").strip(), m.group("unit").strip()
    return s, None


def dust_files(path: str | PathLike[str]) -> list[Path]:
    """The sheets at ``path``: the file itself, or a folder's ``*.csv``/``*.txt``/``*.xlsx`` (sorted;
    names starting with ``~$`` or ``.`` — Excel lock files, hidden files — skipped)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm")
                       and not f.name.startswith(("~$", ".")))
        if not files:
            raise InputDataError("the folder holds no .csv or .xlsx sheet", file=p)
        return files
    if not p.exists():
        raise InputDataError("file not found; check the path in the district configuration", file=p)
    return [p]


def _table(path: Path, required: Sequence[str], settings: Settings) -> tuple[pd.DataFrame, dict[str, str], dict]:
    """Read one sheet; return (frame, canonical → header, canonical → unit from the header)."""
    def header_name(h: object) -> str:
        return _split_header(h)[0]

    def is_header(cells: list) -> bool:
        canon = set(find_columns(cells, _HEADERS, key=header_name))
        return "town" in canon and len(canon & set(required)) >= 2

    frame, _ = read_any_table(path, is_header=is_header, settings=settings)
    frame = drop_blank_rows(frame)
    cols = find_columns(frame.columns, _HEADERS, required=required, key=header_name, file=path, what="the sheet")
    units = {c: u for c, h in cols.items() if (u := _split_header(h)[1])}
    return frame, cols, units


def _text(frame: pd.DataFrame, col: str, path: Path, rows: np.ndarray, what: str) -> pd.Series:
    s = frame[col].astype("string").str.strip()
    s = s.mask(s == "")
    if s.isna().any():
        raise InputDataError(f"empty cell where {what} is expected", file=path, row=row_arg(rows[s.isna().to_numpy()]),
                             column=col)
    refuse_formula_text(s, file=path, rows=rows, column=col, what=what)
    return s


def _dates(frame: pd.DataFrame, col: str, path: Path, rows: np.ndarray) -> pd.Series:
    return parse_datetimes(frame[col], file=path, column=col, rows=rows, dates_only=True)


def _numbers(frame: pd.DataFrame, col: str, path: Path, rows: np.ndarray, what: str) -> pd.Series:
    raw = frame[col]
    txt = raw.astype("string").str.strip()
    num = pd.to_numeric(txt, errors="coerce")
    bad = num.isna().to_numpy()
    if bad.any():
        ex = raw[bad].head(3).astype(str).tolist()
        raise InputDataError(f"{what} is empty or not a number: {ex}", file=path, row=row_arg(rows[bad]), column=col)
    neg = (num < 0).to_numpy()
    if neg.any():
        raise InputDataError(f"negative {what}: {num[neg].head(3).tolist()}; a load cannot be below 0",
                             file=path, row=row_arg(rows[neg]), column=col)
    return num.astype("float64")


def _unit_column(frame, cols, units, what: str, known: dict, path: Path, rows: np.ndarray) -> pd.Series:
    """The unit of each row: the unit column, else the unit in the value header; neither → error."""
    vcol = cols[what]
    if "unit" in cols:
        u = frame[cols["unit"]].astype("string").str.strip()
        if what in units:
            u = u.mask(u.isna() | (u == ""), units[what])
        miss = (u.isna() | (u == "")).to_numpy()
        if miss.any():
            raise InputDataError("missing unit: write the unit in every row or in the value header",
                                 file=path, row=row_arg(rows[miss]), column=cols["unit"])
        ucol = cols["unit"]
    elif what in units:
        u = pd.Series(units[what], index=frame.index, dtype="string")
        ucol = vcol
    else:
        raise InputDataError(f"missing unit: add a column 单位 or write the unit in the header, e.g. "
                             f"'{_split_header(vcol)[0]}（{next(iter(known))}）'", file=path, row=1, column=vcol)
    keys = u.map(_unit_key)
    bad = ~keys.isin(list(known)).to_numpy()
    if bad.any():
        raise InputDataError(f"unknown unit {u[bad].iloc[0]!r}; known: {', '.join(dict.fromkeys(known))}",
                             file=path, row=row_arg(rows[bad] if ucol != vcol else [1]), column=ucol)
    return u


@file_errors
def read_dustfall(path: str | PathLike[str], towns: pd.DataFrame, *, settings: Settings | None = None) -> pd.DataFrame:
    """Read the bureau's dustfall (降尘) sheets: one row per sampling point and period.

    Columns of the sheet (Chinese or English headers, see ``docs/dust.md``): sampling point
    (点位), town (街道/乡镇, name, alias or code), period start and end date (开始日期,
    结束日期), value (降尘量) and its unit — a column 单位 or the value header
    (``降尘量（吨/平方公里·月）``). A value per sampling period (t/km², 吨/平方公里) is
    normalised to 30 days; a value already per 30 days (吨/平方公里·月, t/(km²·30 d)) is kept.

    Normalisation (HJ 1221-2021 环境空气 降尘的测定 重量法, result in t/(km²·30 d); docs/dust.md):
    ``dustfall_30d = value × 30 / days``.

    Period: ``start`` (inclusive) and ``end`` (exclusive) naive dates; ``days = end − start``.
    By default the sheet's end date is the day the jar was collected (exclusive); with
    ``settings.dustfall_end_inclusive`` (UNVERIFIED) it is the last day sampled.

    Parameters
    ----------
    path : path-like
        A CSV/TXT/XLSX file or a folder of them (all read, then checked together).
    towns : DataFrame
        The town registry (``town_code``, ``town_name``, ``aliases``, ``district_name``).
    settings : Settings, optional
        ``dustfall_end_inclusive``; the table limits.

    Returns
    -------
    DataFrame
        ``point`` (string), ``town_code``, ``town_name`` (string), ``start``, ``end``
        (datetime64, end exclusive), ``days`` (int), ``value`` [as delivered], ``unit`` (as
        written), ``dustfall_30d`` [t/km²·30 d], ``source`` (file name), ``row`` (1-based file row).

    Raises
    ------
    InputDataError
        Missing columns or units, unknown units or towns, unparsable dates, an end not after
        the start, negative or non-numeric values, overlapping periods of one point — naming
        file, row(s) and column.
    """
    s = DEFAULT if settings is None else settings
    parts = []
    for f in dust_files(path):
        frame, cols, units = _table(f, ("point", "town", "start", "end", "value"), s)
        if frame.empty:
            continue
        rows = frame.index.to_numpy()
        unit = _unit_column(frame, cols, units, "value", _DUSTFALL_UNIT_KEYS, f, rows)
        start = _dates(frame, cols["start"], f, rows)
        end = _dates(frame, cols["end"], f, rows)
        if s.dustfall_end_inclusive:
            end = end + pd.Timedelta(days=1)
        days = (end - start).dt.days
        bad = (days <= 0).to_numpy()
        if bad.any():
            raise InputDataError("the period's end date is not after its start date", file=f,
                                 row=row_arg(rows[bad]), column=cols["end"])
        value = _numbers(frame, cols["value"], f, rows, "dustfall")
        per_period = (unit.map(_unit_key).map(_DUSTFALL_UNIT_KEYS) == "period").to_numpy()
        code = resolve_towns(_text(frame, cols["town"], f, rows, "a town"), towns, f, cols["town"], rows=rows)
        parts.append(pd.DataFrame({
            "point": _text(frame, cols["point"], f, rows, "a sampling point").to_numpy(),
            "town_code": code.to_numpy(), "start": start.to_numpy(), "end": end.to_numpy(),
            "days": days.to_numpy(dtype="int64"), "value": value.to_numpy(),
            "unit": unit.to_numpy(),
            "dustfall_30d": np.where(per_period, value.to_numpy() * 30.0 / days.to_numpy(), value.to_numpy()),
            "source": f.name, "row": rows.astype("int64"),
            "_end_col": cols["end"], "_file": str(f),
        }))
    if not parts:
        raise InputDataError("no dustfall rows in the sheet(s)", file=path)
    out = pd.concat(parts, ignore_index=True)
    _check_overlaps(out)
    out["town_code"] = out["town_code"].astype("string")
    names = dict(zip(towns["town_code"].astype("string"), towns["town_name"].astype("string"), strict=True))
    out["town_name"] = out["town_code"].map(names).astype("string")
    out["point"] = out["point"].astype("string")
    out["unit"] = out["unit"].astype("string")
    return out.loc[:, list(DUSTFALL_COLUMNS)].sort_values(["point", "start"], kind="stable").reset_index(drop=True)


def _check_overlaps(out: pd.DataFrame) -> None:
    """Periods of one point may touch (end = next start) but not overlap."""
    o = out.sort_values(["point", "start", "end"], kind="stable")
    same = o["point"].eq(o["point"].shift())
    prev_end = o["end"].shift()
    bad = (same & (o["start"] < prev_end)).to_numpy()
    if bad.any():
        i = np.flatnonzero(bad)[0]
        cur, prev = o.iloc[i], o.iloc[i - 1]
        where = f"row {prev['row']}" + ("" if prev["source"] == cur["source"] else f" of {prev['source']}")
        raise InputDataError(
            f"overlapping periods of sampling point {cur['point']!r}: {cur['start']:%Y-%m-%d} starts before the "
            f"period of {where} ends ({prev['end']:%Y-%m-%d}, exclusive); fix the dates or remove the duplicate",
            file=cur["_file"], row=int(cur["row"]), column=cur["_end_col"])


@file_errors
def read_road_dust(path: str | PathLike[str], towns: pd.DataFrame, *, settings: Settings | None = None) -> pd.DataFrame:
    """Read road-dust load (道路尘土残存量) samples: road, town, date, load [g/m²].

    The unit (g/m², 克/平方米) is a column 单位 or in the load header (``尘土残存量（g/m²）``);
    a missing unit is an error. Rules: ``docs/dust.md`` (道路尘土残存量).

    Parameters
    ----------
    path : path-like
        A CSV/TXT/XLSX file or a folder of them.
    towns : DataFrame
        The town registry.
    settings : Settings, optional
        Table limits.

    Returns
    -------
    DataFrame
        ``road``, ``town_code``, ``town_name`` (string), ``date`` (datetime64, the sampling day),
        ``load`` [g/m²], ``source``, ``row``.

    Raises
    ------
    InputDataError
        Missing columns/units, unknown units or towns, unparsable dates, negative or non-numeric
        loads — naming file, row(s) and column.
    """
    s = DEFAULT if settings is None else settings
    parts = []
    for f in dust_files(path):
        frame, cols, units = _table(f, ("road", "town", "date", "load"), s)
        if frame.empty:
            continue
        rows = frame.index.to_numpy()
        unit = _unit_column(frame, cols, units, "load", _ROAD_UNIT_KEYS, f, rows)
        load = _numbers(frame, cols["load"], f, rows, "road-dust load") * unit.map(_unit_key).map(_ROAD_UNIT_KEYS)
        code = resolve_towns(_text(frame, cols["town"], f, rows, "a town"), towns, f, cols["town"], rows=rows)
        parts.append(pd.DataFrame({
            "road": _text(frame, cols["road"], f, rows, "a road").to_numpy(),
            "town_code": code.to_numpy(), "date": _dates(frame, cols["date"], f, rows).to_numpy(),
            "load": load.to_numpy(dtype="float64"), "source": f.name, "row": rows.astype("int64"),
        }))
    if not parts:
        raise InputDataError("no road-dust rows in the sheet(s)", file=path)
    out = pd.concat(parts, ignore_index=True)
    out["town_code"] = out["town_code"].astype("string")
    names = dict(zip(towns["town_code"].astype("string"), towns["town_name"].astype("string"), strict=True))
    out["town_name"] = out["town_code"].map(names).astype("string")
    out["road"] = out["road"].astype("string")
    return out.loc[:, list(ROAD_DUST_COLUMNS)].sort_values(["town_code", "road", "date"], kind="stable").reset_index(drop=True)
