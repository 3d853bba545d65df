"""Reader of the city's half-monthly TSP table (街道(乡镇)大气粗颗粒物浓度, [BJ-TSP-2022]).

The municipal coarse-particle network gives every 街道/乡镇 of Beijing a TSP concentration per
half month (1–15 and 16–end of month); the bureau ranks them (docs/references.md [BJ-TSP-2022]). :func:`read_tsp` reads such a table for the whole city
(CSV/TXT in UTF-8 or GBK, or XLSX; title rows above the header are skipped) through
:func:`airlib.io.ingest.columns.read_any_table`. The ranking itself is
:mod:`airlib.tracking.tsp`.

Columns (headers in Chinese or English; case, spaces and a unit in brackets ignored):

=================  =====================================================  =========
column             accepted headers (examples)                            needed
=================  =====================================================  =========
district           所属区, 区, 区名, 行政区, district                          yes
town               街道(乡镇), 街道乡镇, 街乡镇, 街道, 乡镇, 街乡, town         yes
period (either)    时段, 时间段, 统计时段, 周期, 半月, period                 one of
start + end        开始日期/起始日期/start, 结束日期/截止日期/end              the two
TSP                TSP, TSP浓度, 粗颗粒物, 粗颗粒物浓度, 大气粗颗粒物           yes
unit (optional)    单位, 浓度单位, unit                                      —
=================  =====================================================  =========

* **Periods.** A period text ``2022年10月1日-15日``, ``2022年10月16日-31日``, ``2022年10月16日至
  10月31日`` or ``2022-10-01~2022-10-15`` (also ``至``, ``—``, ``到``), or a start and an end
  date. It must be a half month: the 1st to the 15th, or the 16th to the last day of the same
  month (28/29 in February, 30 or 31). Stored as ``period_start`` (inclusive, midnight) and
  ``period_end`` (**exclusive**: the first day after the half month, midnight; the time
  convention of airlib's period lists, docs/architecture.md) and ``half`` (1 or 2).
* **Unit.** TSP is µg/m³. The unit must be stated — in the TSP header (``TSP(µg/m³)``) or in a
  unit column; a table without one is refused (a value in mg/m³ read as µg/m³ would be off by
  1000). mg/m³ is converted (× 1000) only when the header or the row's unit says mg/m³.
* **Towns.** With a town registry (``towns``), the towns of the registry's district(s) are
  matched strictly (:func:`airlib.io.registry.resolve_towns`: an unknown name is an error naming
  the row and the closest names); towns of other districts are matched by name where the
  registry knows them, else keep ``town_code`` NA (the city table covers every district, the
  registry usually one).
* **Districts** are Beijing's 16 districts and 经济技术开发区 as published
  (:func:`airlib.io.city_table.district_code_of`).
* An empty TSP cell (or —) is "no value" (NaN: listed, never ranked).

Refused with file, row (1-based, header = row 1, as Excel shows it) and column: a missing
column, an unknown district or (registry district) town, a period that is not a half month or
cannot be read, a non-numeric or negative TSP, no unit or an unknown unit, two rows for one
town and half month.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.city_table import DEVELOPMENT_ZONE, district_code_of
from airlib.io.ingest.columns import (
    drop_blank_rows, file_errors, find_columns, parse_datetimes, read_any_table, refuse_formula_text, row_arg,
    split_unit,
)
from airlib.io.ingest.registries import BEIJING_DISTRICTS
from airlib.io.registry import resolve_towns, town_key
from airlib.settings import Settings

__all__ = ["TSP_COLUMNS", "TSP_HEADER_ALIASES", "half_month_bounds", "parse_half_month", "read_tsp"]

#: Output columns of :func:`read_tsp`, in order.
TSP_COLUMNS: Final[tuple[str, ...]] = (
    "district", "district_code", "town_name", "town_code", "period_start", "period_end", "half", "tsp",
    "source", "row",
)

#: Accepted headers (compared after :func:`airlib.io.ingest.columns.normalise_header`).
TSP_HEADER_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "district": ("district", "所属区", "区", "区名", "区县", "行政区", "所在区"),
    "town": ("town", "town_name", "街道(乡镇)", "街道（乡镇）", "街道乡镇", "街乡镇", "乡镇街道", "街道", "乡镇", "街乡",
             "街道/乡镇"),
    "period": ("period", "时段", "时间段", "统计时段", "周期", "半月", "时间", "监测时段"),
    "start": ("start", "period_start", "开始日期", "起始日期", "开始时间", "起始时间"),
    "end": ("end", "period_end", "结束日期", "截止日期", "结束时间", "截止时间"),
    "tsp": ("tsp", "TSP浓度", "粗颗粒物", "粗颗粒物浓度", "大气粗颗粒物", "大气粗颗粒物浓度", "TSP平均浓度", "浓度"),
    "unit": ("unit", "单位", "浓度单位", "计量单位"),
}

_MISSING: Final[frozenset[str]] = frozenset({"", "—", "-", "--", "——", "/", "na", "n/a", "nan", "无", "无数据"})
_SEP = r"\s*(?:-|~|～|—|–|至|到)\s*"
_CN_PERIOD = re.compile(
    r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d1>\d{1,2})日?" + _SEP
    + r"(?:(?:(?P<y2>\d{4})年)?(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日?$")
_ISO_PERIOD = re.compile(r"^(?P<a>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})" + r"\s*(?:~|～|至|到|—|–|\s-\s|/)\s*"
                         + r"(?P<b>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})$")


def _is_header(cells: list[object]) -> bool:
    found = find_columns([c for c in cells if isinstance(c, str)], TSP_HEADER_ALIASES)
    return {"district", "town", "tsp"} <= set(found)


def half_month_bounds(year: int, month: int, half: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start (inclusive) and end (exclusive) of a half month, midnight Beijing time.

    Parameters
    ----------
    year, month : int
    half : {1, 2}
        1 = days 1–15, 2 = day 16 to the last day of the month.

    Returns
    -------
    (Timestamp, Timestamp)
        ``half 1``: the 1st and the 16th; ``half 2``: the 16th and the 1st of the next month.
    """
    if half not in (1, 2):
        raise ValueError(f"half must be 1 or 2, not {half!r}")
    first = pd.Timestamp(year=int(year), month=int(month), day=1)
    mid = first + pd.Timedelta(days=15)
    return (first, mid) if half == 1 else (mid, first + pd.offsets.MonthBegin(1))


def _check_half(start: pd.Timestamp, last: pd.Timestamp) -> int | None:
    """Half (1/2) of the inclusive day range ``start``–``last``, or None if not a half month."""
    if start.year != last.year or start.month != last.month:
        return None
    if start.day == 1 and last.day == 15:
        return 1
    if start.day == 16 and last.day == start.days_in_month:
        return 2
    return None


def parse_half_month(text: object) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    """Read a period text such as ``2022年10月1日-15日`` into (start, end exclusive, half).

    Parameters
    ----------
    text : object
        ``YYYY年M月D日-D日``, ``YYYY年M月D日至M月D日``, ``YYYY-MM-DD~YYYY-MM-DD`` (separators
        ``-`` ``~`` ``至`` ``到`` ``—``).

    Returns
    -------
    (Timestamp, Timestamp, int)
        Start (inclusive), end (exclusive) and half (1 = 1–15, 2 = 16–end).

    Raises
    ------
    ValueError
        The text cannot be read, or the days are not a half month (message says which).
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    m = _CN_PERIOD.match(s)
    try:
        if m:
            y, mo = int(m["y"]), int(m["m"])
            y2 = int(m["y2"]) if m["y2"] else y
            mo2 = int(m["m2"]) if m["m2"] else mo
            start = pd.Timestamp(year=y, month=mo, day=int(m["d1"]))
            last = pd.Timestamp(year=y2, month=mo2, day=int(m["d2"]))
        else:
            m = _ISO_PERIOD.match(s)
            if not m:
                raise ValueError(f"cannot read the period {str(text)!r}; write it like 2022年10月1日-15日, "
                                 "2022年10月16日-31日 or 2022-10-01~2022-10-15")
            start = pd.Timestamp(m["a"].replace("/", "-").replace(".", "-"))
            last = pd.Timestamp(m["b"].replace("/", "-").replace(".", "-"))
    except (ValueError, OverflowError) as exc:
        if "cannot read" in str(exc):
            raise
        raise ValueError(f"the period {str(text)!r} names a day that does not exist ({exc})") from None
    return _bounds(start, last, str(text))


def _bounds(start: pd.Timestamp, last: pd.Timestamp, label: str) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    half = _check_half(start, last)
    if half is None:
        raise ValueError(
            f"the period {label!r} ({start:%Y-%m-%d} to {last:%Y-%m-%d}) is not a half month; the TSP "
            "ranking is by half month: the 1st to the 15th, or the 16th to the last day of the same month")
    return start, last + pd.Timedelta(days=1), half


def _unit_factor(unit: str | None) -> float | None:
    """× factor to µg/m³ of a unit text, None if the unit is not a mass concentration we know."""
    if unit is None:
        return None
    u = unicodedata.normalize("NFKC", str(unit)).strip().casefold().replace("\u03bc", "µ").replace("³", "3")
    u = u.replace(" ", "").replace("微克/立方米", "µg/m3").replace("毫克/立方米", "mg/m3")
    if re.fullmatch(r"[µu]g/m3", u):
        return 1.0
    if u == "mg/m3":
        return 1000.0
    return None


@file_errors
def read_tsp(path: str | os.PathLike[str], towns: pd.DataFrame | None = None, *,
             sheet: str | int | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Read and check a half-monthly TSP table of 街道/乡镇 (whole city or part of it).

    Parameters
    ----------
    path : path-like
        CSV/TXT (UTF-8 or GBK) or XLSX (``sheet``, default the first).
    towns : DataFrame, optional
        Town registry (``town_code``, ``town_name``, ``district_code``, ``aliases`` …): towns of its
        districts are matched strictly, others by name where known (module docstring).
    sheet : str or int, optional
    settings : Settings, optional
        File size and row limits.

    Returns
    -------
    DataFrame
        :data:`TSP_COLUMNS`: ``district`` (official name), ``district_code``, ``town_name`` (as in
        the file, spaces removed), ``town_code`` (string, NA when not in the registry),
        ``period_start`` (inclusive), ``period_end`` (exclusive), ``half`` (1/2), ``tsp`` [µg/m³]
        (float; NaN = no value), ``source`` (file name), ``row`` (file row, header = 1), in file order.

    Raises
    ------
    InputDataError
        Naming file, row and column (module docstring).
    """
    p = Path(path)
    frame, _ = read_any_table(p, sheet=sheet, is_header=_is_header, settings=settings)
    cols = find_columns(frame.columns, TSP_HEADER_ALIASES, file=p, repeated="error")
    found = list(map(str, frame.columns))
    for need, example in (("district", "所属区"), ("town", "街道(乡镇)"), ("tsp", "TSP(µg/m³)")):
        if need not in cols:
            raise InputDataError(f"no {need!r} column (e.g. header {example!r}); found {found}. See the module "
                                 "docstring of airlib.io.tsp / docs/tsp.md for the accepted headers", file=p)
    if "period" not in cols and not ("start" in cols and "end" in cols):
        raise InputDataError(f"no period: give a column 时段 (e.g. 2022年10月1日-15日) or the two columns 开始日期 and "
                             f"结束日期; found {found}", file=p)
    frame = drop_blank_rows(frame)
    if frame.empty:
        raise InputDataError("the table has a header but no rows", file=p)
    rows = frame.index.to_numpy()
    n = len(frame)

    # -- district
    dnames = frame[cols["district"]].astype("string").fillna("").str.strip()
    dmap = {v: (district_code_of(v) if v else None) for v in pd.unique(dnames)}  # distinct names only
    dcodes = dnames.map(dmap)
    bad = dcodes.isna().to_numpy(dtype=bool) | (dcodes == "110000").fillna(False).to_numpy(dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputDataError(f"unknown district {str(dnames.iloc[i])!r}; use Beijing's district names (东城区 … "
                             "延庆区, 经济技术开发区)", file=p, row=int(rows[i]), column=cols["district"])
    official = {**BEIJING_DISTRICTS, DEVELOPMENT_ZONE[0]: DEVELOPMENT_ZONE[1]}

    # -- town
    tnames = frame[cols["town"]].astype("string").fillna("").str.replace(r"\s+", "", regex=True)
    empty = (tnames == "").to_numpy(dtype=bool)
    if empty.any():
        raise InputDataError("empty town name", file=p, row=row_arg(rows[empty][:5]), column=cols["town"])
    refuse_formula_text(tnames, file=p, rows=rows, column=cols["town"], what="a town name")
    codes = pd.Series(pd.NA, index=frame.index, dtype="string")
    if towns is not None and len(towns):
        reg = towns.copy()
        reg_districts = set(reg["district_code"].astype("string")) if "district_code" in reg else set()
        own = dcodes.isin(reg_districts).to_numpy(dtype=bool)
        if own.any():  # this district's towns: strictly
            codes[own] = resolve_towns(tnames[own], reg, file=p, column=cols["town"], rows=rows[own]).to_numpy()
        others = ~own
        if others.any():  # other districts: by exact name or key, where the registry knows them
            keys = {}
            for c, nm, al in zip(reg["town_code"].astype(str), reg["town_name"].astype(str),
                                 reg["aliases"].fillna("").astype(str) if "aliases" in reg else [""] * len(reg),
                                 strict=True):
                for sp in [nm, *[a for a in al.split("|") if a]]:
                    keys.setdefault(town_key(sp), set()).add(c)
            k = tnames[others].map({v: town_key(v) for v in pd.unique(tnames[others])})
            codes[others] = k.map(lambda x: next(iter(keys[x])) if len(keys.get(x, ())) == 1 else pd.NA).astype(
                "string").to_numpy()

    # -- period
    if "period" in cols:
        texts = frame[cols["period"]].astype("string").fillna("")
        parsed: dict[str, tuple[pd.Timestamp, pd.Timestamp, int] | str] = {}
        for t in pd.unique(texts):  # distinct period texts only (a table has a few)
            try:
                parsed[str(t)] = parse_half_month(t) if str(t).strip() else "empty period"
            except ValueError as exc:
                parsed[str(t)] = str(exc)
        texts = texts.astype(str)
        problems = texts.map({t: isinstance(v, str) for t, v in parsed.items()}).to_numpy(dtype=bool)
        if problems.any():
            i = int(np.flatnonzero(problems)[0])
            raise InputDataError(str(parsed[str(texts.iloc[i])]), file=p, row=row_arg(rows[problems][:5]),
                                 column=cols["period"])
        starts = texts.map({t: v[0] for t, v in parsed.items()})
        ends = texts.map({t: v[1] for t, v in parsed.items()})
        halves = texts.map({t: v[2] for t, v in parsed.items()})
    else:
        sd, ed = (parse_datetimes(frame[cols[k]], file=p, column=cols[k], rows=rows, dates_only=True)
                  for k in ("start", "end"))
        half1 = (sd.dt.day == 1) & (ed == sd + pd.Timedelta(days=14))
        half2 = (sd.dt.day == 16) & (ed.dt.month == sd.dt.month) & (ed.dt.year == sd.dt.year) & \
            (ed.dt.day == ed.dt.days_in_month)
        notok = ~(half1 | half2).to_numpy(dtype=bool)
        if notok.any():
            i = int(np.flatnonzero(notok)[0])
            raise InputDataError(
                f"{sd.iloc[i]:%Y-%m-%d} to {ed.iloc[i]:%Y-%m-%d} is not a half month; the TSP ranking is by half "
                "month: the 1st to the 15th, or the 16th to the last day of the same month (the end date is the "
                "last day of the half month)", file=p, row=row_arg(rows[notok][:5]), column=cols["end"])
        starts, ends = sd, ed + pd.Timedelta(days=1)
        halves = pd.Series(np.where(half1.to_numpy(dtype=bool), 1, 2), index=frame.index)

    # -- unit
    _, head_unit = split_unit(cols["tsp"])
    factor = np.full(n, np.nan)
    if head_unit is not None:
        f = _unit_factor(head_unit)
        if f is None:
            raise InputDataError(f"unknown TSP unit {head_unit!r}; TSP is given in µg/m³ (or mg/m³)", file=p,
                                 column=cols["tsp"])
        factor[:] = f
    if "unit" in cols:
        units = frame[cols["unit"]].astype("string").fillna("").str.strip()
        given = (units != "").to_numpy(dtype=bool)
        uf = units.map(lambda u: _unit_factor(u) if u else np.nan).astype("float64").to_numpy()
        unknown = given & np.isnan(uf)
        if unknown.any():
            raise InputDataError(f"unknown unit {units[unknown].iloc[0]!r}; write µg/m³ (or mg/m³)", file=p,
                                 row=row_arg(rows[unknown][:5]), column=cols["unit"])
        clash = given & ~np.isnan(factor) & (uf != factor)
        if clash.any():
            raise InputDataError(f"the unit {units[clash].iloc[0]!r} contradicts the header's {head_unit!r}", file=p,
                                 row=row_arg(rows[clash][:5]), column=cols["unit"])
        factor = np.where(given, uf, factor)
    nounit = np.isnan(factor)
    if nounit.any():
        raise InputDataError(
            "no unit for the TSP values: write it in the header (TSP(µg/m³)) or in a 单位 column; values are "
            "never assumed to be µg/m³ (mg/m³ would be read 1000 times too small)", file=p,
            row=None if nounit.all() else row_arg(rows[nounit][:5]), column=cols["tsp"])

    # -- values
    raw = frame[cols["tsp"]].astype("string").fillna("").str.strip()
    raw = raw.map(lambda v: unicodedata.normalize("NFKC", v)).astype("string").str.replace("\u2212", "-", regex=False)
    missing = raw.str.casefold().isin(_MISSING).to_numpy(dtype=bool)
    vals = pd.to_numeric(raw.where(~pd.Series(missing, index=raw.index)), errors="coerce").to_numpy(dtype="float64")
    nonnum = (np.isnan(vals) & ~missing) | np.isinf(vals)
    if nonnum.any():
        raise InputDataError(f"not a number: {raw[nonnum].head(3).tolist()}; give the TSP concentration, or leave "
                             "the cell empty (—) where there is none", file=p, row=row_arg(rows[nonnum][:5]),
                             column=cols["tsp"])
    neg = vals < 0
    if neg.any():
        raise InputDataError(f"negative TSP {vals[neg][:3].tolist()}: a concentration is never below 0", file=p,
                             row=row_arg(rows[neg][:5]), column=cols["tsp"])
    out = pd.DataFrame({
        "district": dcodes.map(official).astype("string").to_numpy(),
        "district_code": dcodes.astype("string").to_numpy(),
        "town_name": tnames.to_numpy(),
        "town_code": codes.to_numpy(),
        "period_start": pd.to_datetime(starts.to_numpy()).astype("datetime64[ns]"),
        "period_end": pd.to_datetime(ends.to_numpy()).astype("datetime64[ns]"),
        "half": np.asarray(halves, dtype="int64"),
        "tsp": vals * factor,
        "source": p.name,
        "row": rows.astype("int64"),
    })
    out["town_name"] = out["town_name"].astype("string")
    out["town_code"] = out["town_code"].astype("string")
    out["source"] = out["source"].astype("string")
    # -- one row per town and half month (the same town: same code, else same district + name key)
    ident = out["town_code"].fillna(out["district_code"] + ":" + out["town_name"].map(
        {v: town_key(v) for v in pd.unique(out["town_name"])}))
    dup = pd.DataFrame({"k": ident, "s": out["period_start"]}).duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        first = out[dup].iloc[0]
        same = dup & (ident == ident[dup].iloc[0]).to_numpy() & (out["period_start"] == first["period_start"]).to_numpy()
        raise InputDataError(
            f"town {first['town_name']!r} ({first['district']}) has {int(same.sum())} rows for the half month starting "
            f"{first['period_start']:%Y-%m-%d} (rows {', '.join(map(str, rows[same]))}); keep one row per town and "
            "half month", file=p, row=row_arg(rows[same]), column=cols["town"])
    out.index = pd.RangeIndex(len(out))
    out.attrs["file"] = str(p)
    return out
