"""Readers for town and station registries (CSV/XLSX, Chinese or English headers)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ingest.columns import (
    STATION_ID_HEADERS,
    STATION_NAME_HEADERS,
    drop_blank_rows,
    file_errors,
    normalise_header,
    read_any_table,
    refuse_formula_text,
    row_arg,
)
from airlib.paths import shared_data_dir
from airlib.io.registry import town_key
from airlib.io.station_classes import StationClasses, check_station_classes
from airlib.settings import Settings

__all__ = ["BEIJING_DISTRICTS", "beijing_townships", "read_towns", "read_stations", "town_kind"]

#: Beijing's 16 districts by 6-digit administrative code.
BEIJING_DISTRICTS: dict[str, str] = {
    "110101": "东城区", "110102": "西城区", "110105": "朝阳区", "110106": "丰台区",
    "110107": "石景山区", "110108": "海淀区", "110109": "门头沟区", "110111": "房山区",
    "110112": "通州区", "110113": "顺义区", "110114": "昌平区", "110115": "大兴区",
    "110116": "怀柔区", "110117": "平谷区", "110118": "密云区", "110119": "延庆区",
}

TOWN_COLUMNS = ("town_code", "town_name", "district_code", "district_name", "kind", "aliases")

_TOWN_HEADERS = {
    "town_code": ("town_code", "code", "乡镇代码", "街乡代码", "街道代码", "统计代码", "区划代码", "代码"),
    "town_name": ("town_name", "name", "乡镇名称", "街乡名称", "街道名称", "街乡", "乡镇", "名称", "街道"),
    "district_code": ("district_code", "areaCode", "区代码", "区县代码"),
    "district_name": ("district_name", "district", "区", "区县", "所属区", "区名称"),
    "kind": ("kind", "类型", "类别"),
    "aliases": ("aliases", "alias", "别名", "曾用名"),
}
_STATION_HEADERS = {
    # one mapping with the hourly readers (airlib.io.ingest.columns): 站点/站点编号/监测点位 → id,
    # 站点名称/点位名称 → name; plus the registry-only "id"/"name" headers
    "station": (*STATION_ID_HEADERS, "id", "kdd_id"),
    "station_name": (*STATION_NAME_HEADERS, "name", "name_cn"),
    "lon": ("lon", "longitude", "lng", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "town_code": ("town_code", "乡镇代码", "街乡代码"),
    "town_name": ("town_name", "town", "乡镇", "街乡", "所属街乡", "所属乡镇", "街道"),
    "district_name": ("district_name", "district", "district_cn", "区", "区县", "所属区"),
    "district_code": ("district_code", "district_adcode", "区代码"),
    "source": ("source", "来源"),
    "aliases": ("aliases", "alias", "别名"),
    "station_class": ("station_class", "class", "站点类别", "站点类型", "点位类别"),
    "valid_from": ("valid_from", "启用日期", "生效日期", "起始日期"),
    "valid_to": ("valid_to", "停用日期", "失效日期", "截止日期"),
}


def town_kind(names: pd.Series) -> pd.Series:
    """Kind of township unit from its name suffix: 街道, 镇, 乡, 地区; anything else 其他
    (development zones such as 北京经济技术开发区)."""
    s = names.astype("string")
    kind = pd.Series("其他", index=s.index, dtype="string")
    for suf in ("乡", "镇", "地区", "街道"):  # later wins; no name ends in two of them
        kind = kind.mask(s.str.endswith(suf).fillna(False), suf)
    return kind


def _rename(frame: pd.DataFrame, table: dict[str, tuple[str, ...]], file: Path) -> pd.DataFrame:
    """Rename recognised headers to canonical names; when several headers map to one
    canonical column, the one listed first in ``table`` wins (``站点编号`` before ``站点``)."""
    idx: dict[str, tuple[str, int]] = {}
    for canon, names in table.items():
        for rank, a in enumerate(names):
            idx.setdefault(normalise_header(a), (canon, rank))
    best: dict[str, tuple[int, str]] = {}
    for c in frame.columns:
        hit = idx.get(normalise_header(c))
        if hit is not None and (hit[0] not in best or hit[1] < best[hit[0]][0]):
            best[hit[0]] = (hit[1], c)
    ren = {c: canon for canon, (_, c) in best.items()}
    out = frame.rename(columns=ren)
    out.attrs["headers"] = {v: k for k, v in ren.items()}  # canonical → header in the file
    return out


#: Registry columns holding names, ids or codes: a spreadsheet formula is refused there.
_TEXT_COLUMNS = ("town_code", "town_name", "district_code", "district_name", "kind", "aliases", "station",
                 "station_name", "station_class")


def _refuse_formulas(raw: pd.DataFrame, df: pd.DataFrame, p: Path) -> None:
    """Refuse formulas in registry name/id/code columns: XLSX formula cells (even with a cached
    value: ``=1+1`` would become the name ``2``) and text that starts like a formula (CSV)."""
    formula_cells = raw.attrs.get("formula_cells") or {}
    for canon in _TEXT_COLUMNS:
        if canon not in df:
            continue
        header = df.attrs["headers"][canon]
        rows = formula_cells.get(header, [])
        rows = [r for r in rows if r in df.index]
        if rows:
            raise InputDataError(
                "a spreadsheet formula where a name or code is expected; registries take plain values "
                "(paste the values, not the formulas)", file=p, row=row_arg(rows), column=header)
        refuse_formula_text(df[canon], file=p, rows=df.index.to_numpy(), column=header)


def _read_registry(path: str | os.PathLike[str], encoding: str | None, sheet: str | int | None,
                   headers: dict[str, tuple[str, ...]], what: str, settings: Settings | None = None,
                   ) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """Read a registry file: (path, raw table without blank rows, table with canonical headers)."""
    p = Path(path)
    raw, _ = read_any_table(p, encoding=encoding, sheet=sheet, settings=settings)
    formula_cells = raw.attrs.get("formula_cells")
    raw = drop_blank_rows(raw)
    if raw.empty:
        raise InputDataError(f"the {what} file has no rows", file=p)
    raw.attrs["formula_cells"] = formula_cells
    df = _rename(raw, headers, p)
    _refuse_formulas(raw, df, p)
    return p, raw, df


@file_errors
def read_towns(path: str | os.PathLike[str], encoding: str | None = None, sheet: str | int | None = None,
               settings: Settings | None = None) -> pd.DataFrame:
    """Read a towns registry (CSV/XLSX; Chinese or English headers).

    Needs a code column (乡镇代码/代码/code, 9 digits) and a name column (乡镇名称/名称/name).
    Names, codes and aliases must be plain values: spreadsheet formulas (XLSX formula cells,
    text starting with ``= + - @``) are refused, naming the rows and column.
    ``district_code`` defaults to the first 6 digits of the code; ``district_name`` to the
    Beijing district of that code; ``kind`` to the name suffix; ``aliases`` to: for a 地区
    unit ``X地区`` → ``X镇|X`` (the pre-2020s 镇 name); otherwise empty.

    Returns
    -------
    pandas.DataFrame
        Columns ``town_code, town_name, district_code, district_name, kind, aliases``
        (all ``string``), sorted by code.
    """
    p, raw, df = _read_registry(path, encoding, sheet, _TOWN_HEADERS, "towns", settings)
    for need, hint in (("town_code", "乡镇代码 / code"), ("town_name", "乡镇名称 / name")):
        if need not in df:
            raise InputDataError(f"missing column {need!r} (expected {hint}); headers: {list(raw.columns)}",
                                 file=p, column=hint.split(" / ")[0])
    out = pd.DataFrame(index=df.index)
    code = df["town_code"].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    bad = ~code.str.fullmatch(r"\d{9}").fillna(False)
    if bad.any():
        rows = df.index[bad.to_numpy()]
        raise InputDataError(f"town code is not 9 digits: {code[bad].head(3).tolist()}", file=p, row=row_arg(rows),
                             column=df.attrs["headers"]["town_code"])
    dup = code.duplicated(keep=False)
    if dup.any():
        raise InputDataError(f"duplicate town codes {sorted(set(code[dup]))[:5]}", file=p,
                             row=row_arg(df.index[dup.to_numpy()]), column=df.attrs["headers"]["town_code"])
    out["town_code"] = code
    out["town_name"] = df["town_name"].astype("string").str.strip()
    dcode = df["district_code"].astype("string").str.replace(r"\.0$", "", regex=True) if "district_code" in df else None
    out["district_code"] = dcode if dcode is not None else code.str[:6]
    out["district_name"] = (
        df["district_name"].astype("string") if "district_name" in df else out["district_code"].map(BEIJING_DISTRICTS)
    ).astype("string")
    out["kind"] = df["kind"].astype("string") if "kind" in df else town_kind(out["town_name"])
    if "aliases" in df:
        out["aliases"] = df["aliases"].astype("string").fillna("")
    else:
        base = out["town_name"].map(town_key)
        is_diqu = out["kind"] == "地区"
        out["aliases"] = (base + "镇|" + base).where(is_diqu, "").astype("string")
    return out.sort_values("town_code").reset_index(drop=True)


def beijing_townships(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The 349 township-level units of Beijing, NBS 2023 code list (``geo/beijing-townships-nbs2023.csv``).

    District names come from the 6-digit code prefix (110101 东城区 … 110119 延庆区); ``kind``
    from the name suffix 街道/镇/乡/地区 (six development zones get 其他).
    """
    p = Path(path) if path is not None else shared_data_dir() / "geo" / "beijing-townships-nbs2023.csv"
    return read_towns(p)


@file_errors
def read_stations(path: str | os.PathLike[str], encoding: str | None = None, sheet: str | int | None = None,
                  towns: pd.DataFrame | None = None, settings: Settings | None = None,
                  classes: StationClasses | None = None) -> pd.DataFrame:
    """Read a station registry (CSV/XLSX; Chinese or English headers).

    Station columns map as in the hourly readers (:data:`airlib.io.ingest.columns.STATION_ID_HEADERS`,
    ``STATION_NAME_HEADERS``): 站点编码/站点编号/站点/监测点位/station → id, 站点名称/点位名称/
    station_name → name; a file with only one of them uses it as both. Formulas are refused
    as in :func:`read_towns`. If ``towns`` is given and the file names towns (所属街乡) but
    has no ``town_code``, names are resolved to codes with :func:`airlib.io.registry.resolve_towns`.

    The dated class columns are optional (issue #17 item 1, ``docs/stations.md``):
    ``station_class`` (站点类别: a code or Chinese name of the vocabulary ``classes``, default
    :func:`airlib.io.station_classes.load_station_classes`; empty cells take its
    ``default_class``), ``valid_from`` / ``valid_to`` (启用日期/停用日期, inclusive days, empty =
    open). A station id may be listed again (reclassified, moved) only with validity periods
    that do not overlap (:func:`airlib.io.station_classes.check_station_classes`).

    Returns
    -------
    pandas.DataFrame
        ``station, station_name, town_code, lon, lat, source`` (+ ``aliases``, ``station_class``,
        ``valid_from``, ``valid_to`` and any other recognised columns), sorted by station (and
        ``valid_from``).
    """
    from airlib.io.registry import resolve_towns

    p, raw, df = _read_registry(path, encoding, sheet, _STATION_HEADERS, "stations", settings)
    if "station" not in df and "station_name" not in df:
        raise InputDataError(f"missing station column (expected 站点编码 / 站点名称 / station); headers: "
                             f"{list(raw.columns)}", file=p, column="站点")
    if "station" not in df:
        df["station"] = df["station_name"]
    out = pd.DataFrame(index=df.index)
    out["station"] = df["station"].astype("string").str.strip()
    dated = "valid_from" in df or "valid_to" in df
    dup = out["station"].duplicated(keep=False)
    if dup.any() and not dated:
        raise InputDataError(f"duplicate station ids {sorted(set(out['station'][dup]))[:5]}", file=p,
                             row=row_arg(df.index[dup.to_numpy()]), column=df.attrs["headers"].get("station", "station"))
    out["station_name"] = (df["station_name"] if "station_name" in df else df["station"]).astype("string")
    if "town_code" in df:
        out["town_code"] = df["town_code"].astype("string").str.replace(r"\.0$", "", regex=True)
    elif "town_name" in df and towns is not None:
        col = df.attrs["headers"]["town_name"]
        out["town_code"] = resolve_towns(df["town_name"], towns, file=p, column=col, rows=df.index.to_numpy())
    else:
        out["town_code"] = pd.Series(pd.NA, index=df.index, dtype="string")
    for c in ("lon", "lat"):
        if c in df:
            v = pd.to_numeric(df[c], errors="coerce")
            bad = v.isna() & df[c].notna() & (df[c].astype("string").str.strip() != "")
            if bad.any():
                raise InputDataError(f"not a number: {df[c][bad].head(3).tolist()}", file=p,
                                     row=row_arg(df.index[bad.to_numpy()]), column=df.attrs["headers"].get(c, c))
            out[c] = v.astype("float64")
        else:
            out[c] = np.nan
    out["source"] = (df["source"].astype("string") if "source" in df else pd.Series(p.name, index=df.index)).astype("string")
    for c in ("town_name", "district_name", "district_code", "aliases"):
        if c in df:
            out[c] = df[c].astype("string")
    for c in ("station_class", "valid_from", "valid_to"):
        if c in df:
            out[c] = df[c]
    out = check_station_classes(out, classes, file=p, headers=df.attrs["headers"], rows=df.index.to_numpy())
    keys = ["station", "valid_from"] if "valid_from" in out else ["station"]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
