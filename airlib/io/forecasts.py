"""Reader of published AQI forecasts (空气质量预报, 1–3 days ahead) from CSV or XLSX.

A forecast table has one row per issue date, target day and area. Columns are recognised by
their header (Chinese or English, case/space/underscore-insensitive):

===================  ===========================================================================
meaning              headers
===================  ===========================================================================
issue date           ``issued``, ``issue_date``, ``发布日期``, ``发布时间``, ``预报发布日期``
target day           ``target_date``, ``预报日期``, ``目标日期``, ``日期``
lead [days]          ``lead_days``, ``lead``, ``预报时效``, ``时效``, ``提前天数`` (1, ``24h``, ``48小时``, ``第2天``)
area                 ``area``, ``区域``, ``地区``, ``区``, ``城市``
AQI range            ``aqi``, ``aqi_range``, ``AQI范围``, ``AQI预报`` (``75-105``, ``75~105``, ``80``)
or low/high          ``aqi_low``/``aqi_high``, ``AQI下限``/``AQI上限``, ``AQI最小值``/``AQI最大值``
category             ``category``, ``级别``, ``空气质量级别``, ``等级``, ``类别`` (``良至轻度污染``, ``轻度``, ``三级``)
primary pollutant    ``primary``, ``primary_pollutant``, ``首要污染物``
===================  ===========================================================================

Two of issue date, target day and lead are needed; the third is derived, and when all three
are given they must agree (``target = issued + lead``). At least one of AQI range and category
is needed; when both are given the AQI range must lie in the category range.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ingest.cnemc import parse_primary
from airlib.io.ingest.columns import (
    find_columns, normalise_header, parse_datetimes, read_any_table, refuse_formula_text, row_arg,
)
from airlib.settings import Settings
from airlib.standards.aqi import category_of

__all__ = ["FORECAST_COLUMNS", "MAX_LEAD_DAYS", "parse_category_range", "read_forecasts"]

#: Columns of the forecast frame (the shared interface of issue #15), plus ``category_low``.
FORECAST_COLUMNS: tuple[str, ...] = ("issued", "target_date", "lead_days", "area", "aqi_low", "aqi_high",
                                     "category_low", "category", "primary", "source", "row")
#: Longest lead accepted [days]: HJ 633—2026 asks for forecasts of at least the next 3 days.
MAX_LEAD_DAYS = 3

_HEADERS: dict[str, tuple[str, ...]] = {
    "issued": ("issued", "issuedate", "issuedon", "发布日期", "发布时间", "预报发布日期", "预报发布时间"),
    "target_date": ("targetdate", "target", "预报日期", "目标日期", "日期", "date"),
    "lead_days": ("leaddays", "lead", "预报时效", "时效", "提前天数"),
    "area": ("area", "区域", "地区", "区", "城市", "district"),
    "aqi": ("aqi", "aqirange", "aqi范围", "aqi预报", "aqi预报范围", "预报aqi"),
    "aqi_low": ("aqilow", "aqimin", "aqi下限", "aqi最小值"),
    "aqi_high": ("aqihigh", "aqimax", "aqi上限", "aqi最大值"),
    "category": ("category", "级别", "空气质量级别", "等级", "类别", "空气质量类别", "预报级别"),
    "primary": ("primary", "primarypollutant", "首要污染物"),
}
_CATEGORY_WORDS: tuple[tuple[str, int], ...] = (  # longest first: 严重 before 重度
    ("严重污染", 6), ("严重", 6), ("六级", 6), ("重度污染", 5), ("重度", 5), ("五级", 5),
    ("中度污染", 4), ("中度", 4), ("四级", 4), ("轻度污染", 3), ("轻度", 3), ("三级", 3),
    ("良", 2), ("二级", 2), ("优", 1), ("一级", 1),
)
_RANGE_SPLIT = r"\s*(?:至|到|~|～|-|—|－|–|/)\s*"


_HEADER_KEYS = {normalise_header(n) for names in _HEADERS.values() for n in names}


def _is_forecast_header(cells: list[str]) -> bool:
    """A header row names at least two forecast columns (title rows above it are skipped)."""
    return sum(normalise_header(c) in _HEADER_KEYS for c in cells) >= 2


def parse_category_range(text: str) -> tuple[int, int]:
    """``"良至轻度污染"`` → ``(2, 3)``; ``"轻度"`` → ``(3, 3)``; ``"3"`` → ``(3, 3)``.

    HJ 633 levels 1–6 (优, 良, 轻度污染, 中度污染, 重度污染, 严重污染; 一级 … 六级). A range
    is two categories joined by 至/到/~/-; the result is (best, worst). Raises ``ValueError``
    for text that names no category or more than two.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    parts = [p for p in re.split(_RANGE_SPLIT, s) if p]
    if not parts or len(parts) > 2:
        raise ValueError(text)
    levels = []
    for part in parts:
        if part.isdigit() and 1 <= int(part) <= 6:
            levels.append(int(part))
            continue
        hit = next((lv for word, lv in _CATEGORY_WORDS if word in part), None)
        if hit is None:
            raise ValueError(text)
        levels.append(hit)
    return min(levels), max(levels)


def _lead(text: str) -> int:
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    m = re.fullmatch(r"(?:第)?\s*(\d+)\s*(?:天|日|d|day|days)?", s)
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"(\d+)\s*(?:h|小时|hours?)", s)
    if m and int(m.group(1)) % 24 == 0:
        return int(m.group(1)) // 24
    words = {"明天": 1, "后天": 2, "大后天": 3}
    if s in words:
        return words[s]
    raise ValueError(text)


def _aqi_number(values: pd.Series, path: Path, column: str, rows: np.ndarray) -> np.ndarray:
    s = values.astype("string").str.strip()
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(num) & s.fillna("").ne("").to_numpy() | (num < 0) | (num != np.round(num)) & ~np.isnan(num)
    if bad.any():
        raise InputDataError(f"AQI must be a whole number ≥ 0: {s[bad].head(3).tolist()}",
                             file=path, row=row_arg(rows[bad][:5]), column=column)
    return num


def _split_range(values: pd.Series, path: Path, column: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = values.astype("string").fillna("").map(lambda v: unicodedata.normalize("NFKC", v).strip())
    parts = s.str.extract(r"^(\d+)\s*(?:(?:至|到|~|～|-|—|－|–)\s*(\d+))?$")
    empty = s.eq("").to_numpy()
    bad = parts[0].isna().to_numpy() & ~empty
    if bad.any():
        raise InputDataError(f"AQI range not understood: {s[bad].head(3).tolist()} (expected e.g. 75-105 or 80)",
                             file=path, row=row_arg(rows[bad][:5]), column=column)
    lo = pd.to_numeric(parts[0]).to_numpy(dtype=float, na_value=np.nan)
    hi = pd.to_numeric(parts[1]).to_numpy(dtype=float, na_value=np.nan)
    hi = np.where(np.isnan(hi), lo, hi)
    return lo, hi


def _int64(a: np.ndarray) -> pd.arrays.IntegerArray:
    ok = ~np.isnan(a)
    return pd.arrays.IntegerArray(np.where(ok, a, 0).astype(np.int64), ~ok)


def read_forecasts(path: str | os.PathLike[str], *, sheet: str | int | None = None,
                   settings: Settings | None = None) -> pd.DataFrame:
    """Read an AQI forecast table (CSV UTF-8/GBK or XLSX) into the forecast frame.

    Parameters
    ----------
    path : path-like
        The table; headers as in the module docstring; title rows above the header are skipped.
    sheet : str or int, optional
        XLSX sheet (default the first).
    settings : Settings, optional
        File-size limits of the table machinery.

    Returns
    -------
    pandas.DataFrame
        One row per forecast, sorted by ``issued``, ``area``, ``lead_days``: ``issued``,
        ``target_date`` (datetime64, midnight, Beijing dates), ``lead_days`` (int 1–3),
        ``area`` (string; ``""`` when the file has no area column), ``aqi_low``, ``aqi_high``
        [AQI] (Int64, the published range; equal for a single value; NA when only a category
        is given), ``category_low`` and ``category`` (Int64 HJ 633 levels 1–6: the best and the
        **worst** category of the forecast, from the category text, else from the AQI range
        via :func:`airlib.standards.aqi.category_of`), ``primary`` (string in airlib's form
        ``"PM2.5,O3"``, NA when not given), ``source`` (file name), ``row`` (1-based file row,
        header = row 1).

    Raises
    ------
    InputDataError
        Naming file, row and column: missing columns (fewer than two of issue/target/lead, or
        neither AQI nor category), unreadable dates, leads outside 1–3 days, a target that
        disagrees with issue + lead, an AQI range that is not ``low-high`` with low ≤ high, a
        category text that names no HJ 633 category, an AQI range outside the category range,
        an unknown primary pollutant, the same issue/target/area twice.
    """
    p = Path(path)
    raw, _ = read_any_table(p, sheet=sheet, settings=settings, is_header=_is_forecast_header)
    raw = raw.dropna(how="all")
    raw = raw[~raw.astype("string").fillna("").apply(lambda c: c.str.strip().eq("")).all(axis=1)]
    if raw.empty:
        raise InputDataError("the forecast table has no data rows", file=p)
    rows = raw.index.to_numpy()
    col = find_columns(raw.columns, _HEADERS, file=p)
    have_time = [k for k in ("issued", "target_date", "lead_days") if k in col]
    if len(have_time) < 2:
        raise InputDataError(
            "a forecast table needs two of: issue date (发布日期), target day (预报日期), lead (预报时效); "
            f"found {[col[k] for k in have_time] or 'none'} among {list(raw.columns)}", file=p)
    if not ({"aqi", "aqi_low", "category"} & set(col)):
        raise InputDataError("a forecast table needs an AQI range (AQI范围) or a category (级别) column; "
                             f"found {list(raw.columns)}", file=p)
    if ("aqi_low" in col) != ("aqi_high" in col):
        raise InputDataError("AQI low and high columns come together (AQI下限, AQI上限)", file=p)

    # a day, possibly written with the issue hour: the time of day is dropped (emptiness is checked below)
    issued, target = (parse_datetimes(raw[col[k]], file=p, column=col[k], rows=rows, required=False).dt.normalize()
                      if k in col else None for k in ("issued", "target_date"))
    lead = None
    if "lead_days" in col:
        c = col["lead_days"]
        texts = raw[c].astype("string").fillna("")
        lookup: dict[str, int] = {}
        bad_t = []
        for t in pd.unique(texts.to_numpy(dtype=object)):  # few distinct texts
            try:
                lookup[t] = _lead(t)
            except ValueError:
                bad_t.append(t)
        if bad_t:
            bad = texts.isin(bad_t).to_numpy()
            raise InputDataError(f"lead not understood: {bad_t[:3]} (expected 1, 2, 3, 24h, 48小时 or 第2天)",
                                 file=p, row=row_arg(rows[bad][:5]), column=c)
        lead = texts.map(lookup).astype("int64")
    for name, ser in (("issued", issued), ("target_date", target)):
        if ser is not None and ser.isna().any():
            bad = ser.isna().to_numpy()
            raise InputDataError("date is empty", file=p, row=row_arg(rows[bad][:5]), column=col[name])
    if lead is None:
        lead = ((target - issued).dt.days).astype("int64")
    elif issued is None:
        issued = target - pd.to_timedelta(lead, unit="D")
    elif target is None:
        target = issued + pd.to_timedelta(lead, unit="D")
    else:
        off = ((target - issued).dt.days != lead).to_numpy()
        if off.any():
            raise InputDataError("target day is not issue date + lead; correct one of the three",
                                 file=p, row=row_arg(rows[off][:5]), column=col["lead_days"])
    out_lead = ((lead < 1) | (lead > MAX_LEAD_DAYS)).to_numpy()
    if out_lead.any():
        raise InputDataError(
            f"lead must be 1–{MAX_LEAD_DAYS} days (target day after the issue date); got "
            f"{sorted(set(lead[out_lead].tolist()))[:3]}", file=p, row=row_arg(rows[out_lead][:5]),
            column=col.get("lead_days", col.get("target_date")))

    n = len(raw)
    if "area" in col:
        refuse_formula_text(raw[col["area"]], file=p, rows=rows, column=col["area"], what="an area name")
        area = raw[col["area"]].astype("string").fillna("").str.strip()
    else:
        area = pd.Series([""] * n, index=raw.index, dtype="string")

    lo = hi = np.full(n, np.nan)
    aqi_col = col.get("aqi", col.get("aqi_low"))
    if "aqi" in col:
        lo, hi = _split_range(raw[col["aqi"]], p, col["aqi"], rows)
    elif "aqi_low" in col:
        lo = _aqi_number(raw[col["aqi_low"]], p, col["aqi_low"], rows)
        hi = _aqi_number(raw[col["aqi_high"]], p, col["aqi_high"], rows)
        one = np.isnan(lo) ^ np.isnan(hi)
        if one.any():
            raise InputDataError("AQI low and high must both be given or both be empty",
                                 file=p, row=row_arg(rows[one][:5]), column=col["aqi_low"])
    inverted = hi < lo
    if inverted.any():
        raise InputDataError("AQI range with low > high", file=p, row=row_arg(rows[inverted][:5]), column=aqi_col)
    lv_lo = category_of(pd.Series(lo))["level"].to_numpy(dtype=float, na_value=np.nan)
    lv_hi = category_of(pd.Series(hi))["level"].to_numpy(dtype=float, na_value=np.nan)

    cat_lo, cat_hi = lv_lo.copy(), lv_hi.copy()
    if "category" in col:
        c = col["category"]
        texts = raw[c].astype("string").fillna("").str.strip()
        lookup2: dict[str, tuple[float, float]] = {"": (np.nan, np.nan)}
        bad_t = []
        for t in pd.unique(texts.to_numpy(dtype=object)):
            if t in lookup2:
                continue
            try:
                lookup2[t] = tuple(float(x) for x in parse_category_range(t))  # type: ignore[assignment]
            except ValueError:
                bad_t.append(t)
        if bad_t:
            bad = texts.isin(bad_t).to_numpy()
            raise InputDataError(f"category not understood: {bad_t[:3]} (expected e.g. 良, 轻度污染, 良至轻度污染)",
                                 file=p, row=row_arg(rows[bad][:5]), column=c)
        t_lo = texts.map({t: v[0] for t, v in lookup2.items()}).to_numpy(dtype=float, na_value=np.nan)
        t_hi = texts.map({t: v[1] for t, v in lookup2.items()}).to_numpy(dtype=float, na_value=np.nan)
        both = ~np.isnan(t_lo) & ~np.isnan(lv_lo)
        clash = both & ((lv_lo < t_lo) | (lv_hi > t_hi))
        if clash.any():
            raise InputDataError("the AQI range and the category disagree (the AQI range falls outside the "
                                 "category range); correct one of them", file=p, row=row_arg(rows[clash][:5]),
                                 column=c)
        cat_lo = np.where(np.isnan(t_lo), lv_lo, t_lo)
        cat_hi = np.where(np.isnan(t_hi), lv_hi, t_hi)
    none = np.isnan(cat_hi)
    if none.any():
        raise InputDataError("neither an AQI range nor a category", file=p, row=row_arg(rows[none][:5]),
                             column=aqi_col or col.get("category"))

    if "primary" in col:
        prim = parse_primary(raw[col["primary"]], file=p, column=col["primary"])
        given = raw[col["primary"]].astype("string").fillna("").str.strip().ne("")
        primary = prim.where(given.to_numpy(), pd.NA).astype("string")
    else:
        primary = pd.Series(pd.NA, index=raw.index, dtype="string")

    out = pd.DataFrame({
        "issued": issued.to_numpy(),
        "target_date": target.to_numpy(),
        "lead_days": lead.to_numpy(dtype=np.int64),
        "area": area.to_numpy(),
        "aqi_low": _int64(lo),
        "aqi_high": _int64(hi),
        "category_low": _int64(cat_lo),
        "category": _int64(cat_hi),
        "primary": primary.to_numpy(),
        "source": p.name,
        "row": rows.astype(np.int64),
    })
    out["area"] = out["area"].astype("string")
    out["primary"] = out["primary"].astype("string")
    dup = out.duplicated(["issued", "target_date", "area"], keep=False).to_numpy()
    if dup.any():
        raise InputDataError("the same issue date, target day and area twice", file=p,
                             row=row_arg(rows[dup][:5]), column=col.get("target_date", col.get("lead_days")))
    return out.sort_values(["issued", "area", "lead_days"], kind="stable").reset_index(drop=True)
