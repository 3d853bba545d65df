"""The 扬尘 section's tables: dustfall (降尘) and road dust (道路尘土残存量), for the PDF and the workbook.

Built from :class:`airlib.report.data.DustData` (``ReportData.dust``; rules in ``docs/dust.md``).
The same frame feeds the PDF table (:func:`town_display`) and the Excel sheet
(:func:`dust_workbook_tables`), so the two cannot disagree. Captions take their numbers from
``data.numbering`` when the table is shown (keys ``dustfall``, ``dustfall_targets``,
``road_dust``, ``road_dust_targets``).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.report.data import ReportData
from airlib.report.excel import NUMBER_FORMATS, WorkbookTable
from airlib.report.texts import dust_text

__all__ = ["DUST_KINDS", "factor_constant_columns", "has_dust", "target_frame", "town_display", "town_frame", "dust_workbook_tables"]

#: The two quantities of this module: key → (table attribute, targets attribute, district attribute).
DUST_KINDS: Final[dict[str, tuple[str, str, str]]] = {
    "dustfall": ("dustfall_table", "dustfall_targets", "dustfall_district"),
    "road_dust": ("road_dust_table", "road_dust_targets", "road_dust_district"),
}


def has_dust(data: ReportData) -> bool:
    """Whether the district configures any dust data (dustfall, road dust or the TSP table)."""
    d = getattr(data, "dust", None)
    return (d is not None and (d.dustfall is not None or d.road_dust is not None)) or getattr(data, "tsp", None) is not None


def town_frame(data: ReportData, kind: str, language: str = "zh") -> pd.DataFrame:
    """The towns' table of the month as numbers, headers in ``language``: rank, town, value
    [t/km²·30 d or g/m²], last year, YoY [%], base year, change on the base year [%]."""
    table = getattr(data.dust, DUST_KINDS[kind][0])
    cols = {"rank": "col_rank", "town_name": "col_town", "value": f"col_value_{kind}", "last_year": "col_last_year",
            "yoy_pct": "col_yoy", "base": "col_base", "base_pct": "col_base_pct"}
    out = table[list(cols)].copy()
    out.columns = [dust_text(v, language) for v in cols.values()]
    base_h = dust_text("col_base", language)
    out = out.rename(columns={base_h: f"{base_h}（{data.dust.base_year}）" if language == "zh"
                              else f"{base_h} ({data.dust.base_year})"})
    return out.reset_index(drop=True)


def _fmt(v: Any, decimals: int = 1) -> str:
    return "—" if v is None or pd.isna(v) else f"{float(v):.{decimals}f}"


def town_display(data: ReportData, kind: str, language: str = "zh") -> pd.DataFrame:
    """:func:`town_frame` as printed: 0.1 precision, rank as integer, "—" for missing."""
    f = town_frame(data, kind, language)
    out = f.astype(object)
    for j, c in enumerate(f.columns):
        if j == 0:
            out[c] = [("—" if pd.isna(v) else str(int(v))) for v in f[c]]
        elif j >= 2:
            out[c] = [_fmt(v) for v in f[c]]
    return out


def _target_words(row: pd.Series, language: str) -> str:
    unit = dust_text(f"{row['metric_kind']}_unit", language)
    if row["kind"] == "absolute_cap":
        word = row["comparison_word"] if language == "zh" else ("<" if row["strict"] else "≤")
        approx = "左右" if row["approx"] and language == "zh" else (" (approx.)" if row["approx"] else "")
        return f"{row['target_id']} {word}{row['target_value']:g}{unit}{approx}"
    base = row.get("base_year")
    if language == "zh":
        return f"{row['target_id']} 较{'基准年' if pd.isna(base) else f'{int(base)}年'}下降{row['target_value']:g}%"
    return f"{row['target_id']} −{row['target_value']:g}% on {'the base year' if pd.isna(base) else int(base)}"


def _notes(notes: pd.Series, language: str) -> pd.Series:
    """The plan's note as written (Chinese report); the English report states only the sand-dust
    caveat (the plan's own words are Chinese)."""
    notes = notes.fillna("").astype(str)
    if language == "zh":
        return notes
    return notes.map(lambda n: dust_text("sand_dust_caveat", language) if "沙尘" in n else "")


def target_frame(data: ReportData, kind: str, language: str = "zh") -> pd.DataFrame:
    """The dust targets of the month as numbers: plan, target (in words), area, period mean,
    target level, status, note. Empty when no target applies."""
    t = getattr(data.dust, DUST_KINDS[kind][1])
    if t is None or t.empty:
        return pd.DataFrame()
    t = t.assign(metric_kind=kind)
    statuses = {"达标": "met", "未达标": "missed", "数据不足": "no data"}
    out = pd.DataFrame({
        dust_text("col_plan", language): t["plan"].astype(str),
        dust_text("col_target", language): [_target_words(r, language) for _, r in t.iterrows()],  # a few targets
        dust_text("col_area", language): t["area_name"].astype(str),
        dust_text("col_current", language): np.round(t["current"].astype("float64"), 2),
        dust_text("col_level", language): np.round(t["target_level"].astype("float64"), 2),
        dust_text("col_status", language): t["status"] if language == "zh" else t["status"].map(statuses),
        dust_text("col_note", language): _notes(t["note"], language),
    })
    return out


def factor_constant_columns(frame: pd.DataFrame, columns: int = 3) -> tuple[pd.DataFrame, dict[str, str]]:
    """Take the plan, target and note columns (the first two and the last of
    :func:`target_frame`) out of a targets table when every row has the same value, so the PDF
    says them once above the table instead of in each of the towns' rows.

    Returns
    -------
    (DataFrame, dict)
        The table without those columns, and ``{header: value}`` of the columns taken out
        (empty, and the table unchanged, when there is only one row or no column is constant).
    """
    if len(frame) < 2:
        return frame, {}
    candidates = [*frame.columns[:2], frame.columns[-1]][:columns]
    common = {str(c): str(frame[c].iloc[0]) for c in candidates if frame[c].astype(str).nunique() == 1}
    return frame.drop(columns=list(common)), common


def dust_workbook_tables(data: ReportData, title: str, language: str = "zh") -> list[WorkbookTable]:
    """Sheets 降尘, 道路尘土 and 扬尘目标 (those with data), in the PDF's order; captions numbered
    as in the PDF (``data.numbering``)."""
    if not has_dust(data):
        return []
    m = data.month
    f = {"year": m.year, "month": m.month}
    tables: list[WorkbookTable] = []
    targets = []
    for kind in DUST_KINDS:
        table = getattr(data.dust, DUST_KINDS[kind][0])
        if table is None:
            continue
        frame = town_frame(data, kind, language)
        fmts = {c: NUMBER_FORMATS["decimals_1"] for c in frame.columns[2:]}
        fmts[frame.columns[0]] = NUMBER_FORMATS["integer"]
        note = dust_text(f"{kind}_note", language, base=data.dust.base_year)
        tables.append(WorkbookTable(
            sheet=dust_text(f"sheet_{kind}", language), title=title,
            caption=dust_text(f"table_{kind}", language, no=data.numbering.table(kind), **f),
            frame=frame, formats=fmts, footnotes=(note,)))
        tf = target_frame(data, kind, language)
        if not tf.empty:
            targets.append(tf.assign(_cap=dust_text(f"table_{kind}_targets", language,
                                                    no=data.numbering.table(f"{kind}_targets"))))
    if targets:
        tf = pd.concat(targets, ignore_index=True)
        caps = "；".join(dict.fromkeys(tf.pop("_cap")))
        tables.append(WorkbookTable(
            sheet=dust_text("sheet_dust_targets", language), title=title, caption=caps, frame=tf,
            formats={c: NUMBER_FORMATS["decimals_2"] for c in tf.columns[3:5]},
            footnotes=(dust_text("targets_note", language),)))
    return tables
