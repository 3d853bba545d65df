"""Reader of the city table (全市各区空气质量月报表) the municipal bureau publishes each month.

One row per district of Beijing, values of the month and of the year to date as published
(see docs/report.md, "City table"). The file is CSV/TXT (UTF-8 or GBK, detected by
:mod:`airlib.io.text_decoding`) or Excel (``.xlsx``), read by
:func:`airlib.io.ingest.columns.read_any_table`; title rows above the header are skipped.

Columns (headers in Chinese or English, case, spaces and a unit in brackets ignored):

============================  ==========================================  ==========
column                        accepted headers (examples)                 unit
============================  ==========================================  ==========
``district`` (required)       区, 区名, 地区, 区县, district, name          —
``pm25`` (required)           PM2.5, PM2.5浓度, 本月PM2.5, pm25             µg/m³
``pm25_yoy_pct``              同比, 同比变化, PM2.5同比, yoy, pm25_yoy        %
``pm25_ytd``                  累计PM2.5, 累计浓度, 年累计, pm25_ytd          µg/m³
``pm25_ytd_yoy_pct``          累计同比, 累计同比变化, ytd_yoy                 %
``composite``                 综合指数, composite, composite_index          —
``composite_ytd``             累计综合指数, composite_ytd                    —
============================  ==========================================  ==========

District names are Beijing's 16 districts as published (东城区 … 延庆区; the short form
without 区 is accepted) and 经济技术开发区 (北京经济技术开发区, 经开区, 亦庄). A row named
全市 / 北京市 / 全市平均 is the city value: kept with ``is_city`` True, never ranked.
An empty cell or "—"/"-" is a value not given (NaN).
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ingest.columns import drop_blank_rows, file_errors, normalise_header, read_any_table, row_arg
from airlib.io.ingest.registries import BEIJING_DISTRICTS
from airlib.settings import Settings

__all__ = ["CITY_COLUMNS", "CITY_HEADER_ALIASES", "DEVELOPMENT_ZONE", "district_code_of", "published_district_name",
           "read_city_table"]

#: Pseudo-code and name (as Beijing's district tables print it) of 北京经济技术开发区; it is not an
#: administrative district and has no 6-digit code of its own.
DEVELOPMENT_ZONE: Final[tuple[str, str]] = ("110199", "经济技术开发区")
_CITY_CODE: Final[str] = "110000"

#: Value columns of the city table, in output order.
CITY_COLUMNS: Final[tuple[str, ...]] = (
    "pm25", "pm25_yoy_pct", "pm25_ytd", "pm25_ytd_yoy_pct", "composite", "composite_ytd",
)
#: Columns whose values are concentrations or indices (must be ≥ 0); the others are changes [%].
_NON_NEGATIVE: Final[tuple[str, ...]] = ("pm25", "pm25_ytd", "composite", "composite_ytd")

#: Accepted headers of each column (compared after :func:`airlib.io.ingest.columns.normalise_header`).
CITY_HEADER_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "district": ("district", "district_name", "name", "区", "区名", "区名称", "地区", "区县", "行政区", "各区", "单位"),
    "pm25": ("pm25", "PM2.5", "PM2.5浓度", "本月PM2.5", "当月PM2.5", "本月浓度", "当月浓度", "浓度",
             "pm25_month", "细颗粒物", "细颗粒物浓度"),
    "pm25_yoy_pct": ("pm25_yoy_pct", "pm25_yoy", "yoy", "yoy_pct", "同比", "同比变化", "同比变化率",
                     "同比变化幅度", "PM2.5同比", "本月同比", "当月同比"),
    "pm25_ytd": ("pm25_ytd", "ytd", "累计PM2.5", "累计浓度", "年累计", "累计", "PM2.5累计", "累计PM2.5浓度"),
    "pm25_ytd_yoy_pct": ("pm25_ytd_yoy_pct", "pm25_ytd_yoy", "ytd_yoy", "ytd_yoy_pct", "累计同比",
                         "累计同比变化", "累计同比变化率", "PM2.5累计同比"),
    "composite": ("composite", "composite_index", "综合指数", "本月综合指数", "当月综合指数"),
    "composite_ytd": ("composite_ytd", "composite_index_ytd", "累计综合指数", "综合指数累计"),
}

_CITY_NAMES: Final[tuple[str, ...]] = ("全市", "北京市", "全市平均", "全市均值", "北京", "city", "beijing")
_MISSING: Final[frozenset[str]] = frozenset({"", "—", "-", "--", "——", "/", "na", "n/a", "nan", "无", "无数据"})


def _name_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for code, name in BEIJING_DISTRICTS.items():
        idx[name] = code
        idx[name.removesuffix("区")] = code
    zcode, zname = DEVELOPMENT_ZONE
    for n in (zname, "北京经济技术开发区", "经开区", "亦庄", "北京亦庄", "亦庄开发区"):
        idx[n] = zcode
    for n in _CITY_NAMES:
        idx[n] = _CITY_CODE
    return idx


def district_code_of(name: str) -> str | None:
    """Code of a district name as published (``"门头沟区"`` or ``"门头沟"`` → ``"110109"``;
    北京经济技术开发区 → :data:`DEVELOPMENT_ZONE` code; 全市 → ``"110000"``); None if unknown."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).casefold()
    return _name_index().get(key) or {k.casefold(): v for k, v in _name_index().items()}.get(key)


def published_district_name(district_code: str, name: str) -> str:
    """The name under which a city table lists a district: the official name of its 6-digit
    code (``"110109"`` → ``"门头沟区"``), else ``name`` (a development zone, a district
    configured under another code)."""
    return BEIJING_DISTRICTS.get(str(district_code), name)


def _header_index() -> dict[str, str]:
    return {normalise_header(a): canon for canon, names in CITY_HEADER_ALIASES.items() for a in names}


def _is_header(cells: list[object]) -> bool:
    idx = _header_index()
    found = {idx.get(normalise_header(c)) for c in cells if isinstance(c, str) or not pd.isna(c)}
    return "district" in found and "pm25" in found


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values, bad) of a column: "—"/empty → NaN; "%" and the Unicode minus allowed."""
    s = raw.astype("string").fillna("").str.strip()
    s = s.map(lambda v: unicodedata.normalize("NFKC", v)).astype("string")
    s = s.str.replace("\u2212", "-", regex=False).str.replace(r"\s*%$", "", regex=True)
    missing = s.str.casefold().isin(_MISSING).to_numpy(dtype=bool)
    vals = pd.to_numeric(s.where(~pd.Series(missing, index=s.index)), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(vals) & ~missing
    return vals, bad | np.isinf(vals)


@file_errors
def read_city_table(path: str | os.PathLike[str], district: str | None = None, *,
                    sheet: str | int | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Read and check a city table of one month.

    Parameters
    ----------
    path : path-like
        CSV/TXT (UTF-8 or GBK) or XLSX file.
    district : str, optional
        The reported district (e.g. ``"门头沟区"``); the table must give its ``pm25``.
    sheet : str or int, optional
        Excel sheet (default the first).
    settings : Settings, optional
        File size and row limits (``max_file_bytes``, ``max_rows``).

    Returns
    -------
    DataFrame
        One row per district in file order, index = file row number: ``district_code``,
        ``district`` (official name), ``name_in_file``, ``is_city`` (bool, the 全市 row), and
        the :data:`CITY_COLUMNS` present in the file (float; concentrations [µg/m³], changes
        [%], indices dimensionless; NaN = not given). ``attrs["file"]`` is the path.

    Raises
    ------
    InputDataError
        Naming the file and the row/column: no header with a district and a PM2.5 column, a
        column twice, an unknown district name (closest of the 16 districts suggested), a
        district twice, a non-numeric or negative value (a change in % may be negative), no
        district row, or ``district`` missing or without a PM2.5 value.
    """
    p = Path(path)
    frame, _ = read_any_table(p, sheet=sheet, is_header=_is_header, settings=settings)
    idx = _header_index()
    cols: dict[str, str] = {}
    for h in frame.columns:
        canon = idx.get(normalise_header(h))
        if canon is None:
            continue
        if canon in cols:
            raise InputDataError(f"columns {cols[canon]!r} and {h!r} both give {canon!r}; keep one", file=p, column=str(h))
        cols[canon] = str(h)
    for need, example in (("district", "区"), ("pm25", "PM2.5")):
        if need not in cols:
            raise InputDataError(
                f"no {need!r} column (e.g. header {example!r}); found {list(map(str, frame.columns))}. "
                "See docs/report.md, 'City table', for the accepted headers", file=p)
    frame = drop_blank_rows(frame)
    if frame.empty:
        raise InputDataError("the table has a header but no district rows", file=p)
    rows = frame.index.to_numpy()
    names = frame[cols["district"]].astype("string").fillna("").str.strip()
    codes = names.map(lambda n: district_code_of(n) if n else None)
    unknown = codes.isna().to_numpy(dtype=bool)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        bad = str(names.iloc[i])
        known = [*BEIJING_DISTRICTS.values(), DEVELOPMENT_ZONE[1]]
        close = difflib.get_close_matches(bad, known, n=3, cutoff=0.3)
        hint = f"; closest: {'、'.join(close)}" if close else ""
        what = "an empty district name" if not bad else f"unknown district {bad!r}"
        raise InputDataError(f"{what}{hint}. Use Beijing's district names as published (东城区 … 延庆区, "
                             "经济技术开发区, 全市)", file=p, row=int(rows[i]), column=cols["district"])
    dup = codes.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        code = codes[dup].iloc[0]
        where = rows[(codes == code).to_numpy(dtype=bool)]
        raise InputDataError(f"district {names[dup].iloc[0]!r} is listed {len(where)} times (rows "
                             f"{', '.join(map(str, where))}); keep one row per district",
                             file=p, row=row_arg(where), column=cols["district"])
    official = {**{c: n for c, n in BEIJING_DISTRICTS.items()}, DEVELOPMENT_ZONE[0]: DEVELOPMENT_ZONE[1],
                _CITY_CODE: "全市"}
    out = pd.DataFrame({
        "district_code": codes.astype("string").to_numpy(),
        "district": codes.map(official).astype("string").to_numpy(),
        "name_in_file": names.to_numpy(),
        "is_city": (codes == _CITY_CODE).to_numpy(dtype=bool),
    }, index=frame.index)
    for canon in CITY_COLUMNS:
        if canon not in cols:
            continue
        vals, bad = _numbers(frame[cols[canon]])
        if bad.any():
            raw = frame[cols[canon]].astype("string")[bad]
            raise InputDataError(f"not a number: {raw.head(3).tolist()}; give a number, or leave the cell "
                                 "empty (or —) where no value is published", file=p,
                                 row=row_arg(rows[bad][:5]), column=cols[canon])
        if canon in _NON_NEGATIVE and (vals < 0).any():
            neg = vals < 0
            raise InputDataError(f"negative value(s) {vals[neg][:3].tolist()}: a concentration or index "
                                 "is never below 0; check the column (a change in % belongs in the 同比 column)",
                                 file=p, row=row_arg(rows[neg][:5]), column=cols[canon])
        out[canon] = vals
    if not (~out["is_city"]).any():
        raise InputDataError("no district rows, only the city total", file=p)
    if district is not None:
        code = district_code_of(district)
        mine = (out["district_code"] == code).to_numpy(dtype=bool) if code else np.zeros(len(out), bool)
        if not mine.any():
            raise InputDataError(f"the reported district {district!r} is not in the table; add its row "
                                 "(the table lists " + "、".join(out["district"].astype(str)) + ")", file=p)
        if np.isnan(out.loc[mine, "pm25"].to_numpy()).all():
            raise InputDataError(f"the reported district {district!r} has no PM2.5 value", file=p,
                                 row=int(rows[mine][0]), column=cols["pm25"])
    out.attrs["file"] = str(p)
    return out
