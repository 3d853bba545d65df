"""The report's TSP subsection (街道(乡镇)大气粗颗粒物浓度排名, [BJ-TSP-2022]): tables, sentences,
workbook sheets, from :attr:`airlib.report.data.ReportData.tsp` (:class:`~airlib.report.data.TspContext`).

For each half month of the report month in the city's table: the notice's sentence naming
the 10 worst towns with their districts and one sentence on the district's towns (both checked against
the ranking by :func:`airlib.report.sentences.check_tsp_half_sentence` before it is shown), the
district's towns in the city ranking (reverse rank, TSP, in the 后30名 or not; listed towns
shaded) and the district's first and last three (ties at the third place all listed); then the
appearances of the district's towns in the 后30名 since 1 January, and the "退出后30名" targets of
the plans in force. :func:`tsp_blocks_content` gives the Markdown/HTML strings;
``airlib.report.sections._tsp_blocks`` wraps them for the 扬尘 section (``sections.dust``). The workbook gets the
same tables and the city's 后30名 (:func:`tsp_workbook_tables`).
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from airlib.escaping import markdown_text
from airlib.report.city import DISTRICT_NAMES_EN
from airlib.report.content import html_table
from airlib.report.data import ReportData
from airlib.report.sentences import (
    require_true_tsp_half_sentence, require_true_tsp_worst_sentence, tsp_half_sentence, tsp_worst_sentence,
)
from airlib.tracking.tsp import BOTTOM_N, WORST_N, bottom_table, district_extremes, half_label

__all__ = ["TSP_TEXT", "tsp_blocks_content", "tsp_tables", "tsp_workbook_tables"]

#: Texts of the subsection (zh/en); ``{no}`` is the table number.
TSP_TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "heading": "### 街道（乡镇）大气粗颗粒物（TSP）浓度排名",
        "missing": "已配置TSP半月排名表（{file}），但文件不存在，本节从略。",
        "no_half": "TSP半月排名表（{file}）中没有{year}年{month}月的数据。",
        "rank": "表{no} {label}本区街道（乡镇）在全市TSP浓度排名中的位置",
        "extremes": "表{no} {label}本区TSP浓度排名前三、后三的街道（乡镇）",
        "appearances": "表{no} {year}年1月至{month}月本区街道（乡镇）进入全市后{n}名情况",
        "targets": "表{no} TSP浓度排名目标（退出全市后{n}名）完成情况",
        "none_listed": "{year}年1月至{month}月，本区没有街道（乡镇）进入全市TSP浓度后{n}名。",
        "note": ("注：排名按全市街道（乡镇）半月TSP浓度由高到低倒序（1 = 浓度最高），浓度相同者并列（1、2、3、3、5…），"
                 "后{n}名包括倒序名次不大于{n}的全部街道（乡镇），并列时可多于{n}个；前三、后三为本区内排名，并列时全部列出。"
                 "目标按“方案期内任一半月进入后{n}名即未达标”判定。数据来源：{file}。"),
        "yes": "是", "no": "否",
        "h_town": "街道（乡镇）", "h_tsp": "TSP（µg/m³）", "h_rev": "全市排名（倒序）", "h_in": "进入后{n}名",
        "h_which": "类别", "first": "前三（浓度最低）", "last": "后三（浓度最高）", "h_rank": "区内名次",
        "h_count": "进入次数", "h_halves": "时段", "h_run": "最长连续半月数",
        "h_target": "目标", "h_window": "统计时段", "h_status": "状态", "h_plan": "方案",
        "h_half": "时段", "h_district": "所属区",
        "sheet": "TSP", "sheet_bottom": "TSP后30名",
        "bottom": "全市街道（乡镇）TSP浓度排名（后{n}名），{label}",
    },
    "en": {
        "heading": "### Coarse particles (TSP): ranking of streets and townships",
        "missing": "A half-monthly TSP table is configured ({file}) but the file does not exist; section left out.",
        "no_half": "The half-monthly TSP table ({file}) has no data for {year}-{month:02d}.",
        "rank": "Table {no} The district's streets/townships in the city TSP ranking, {label}",
        "extremes": "Table {no} The district's first and last three by TSP, {label}",
        "appearances": "Table {no} The district's streets/townships in the city's bottom {n}, January to {year}-{month:02d}",
        "targets": "Table {no} TSP rank targets (out of the city's bottom {n})",
        "none_listed": "From January to {year}-{month:02d} no street/township of the district was in the city's bottom {n}.",
        "note": ("Note: towns ranked by half-monthly TSP, highest first (1 = highest); equal values share a rank "
                 "(1, 2, 3, 3, 5 …); the bottom {n} holds every town ranked {n} or better from the bottom, more than {n} "
                 "when tied; first/last three within the district, ties all listed. A target is missed when a town "
                 "appears in the bottom {n} in any half month of the target period. Source: {file}."),
        "yes": "yes", "no": "no",
        "h_town": "Street/township", "h_tsp": "TSP (µg/m³)", "h_rev": "City rank (from bottom)", "h_in": "Bottom {n}",
        "h_which": "List", "first": "first three (lowest)", "last": "last three (highest)", "h_rank": "Rank in district",
        "h_count": "Appearances", "h_halves": "Half months", "h_run": "Longest run (halves)",
        "h_target": "Target", "h_window": "Window", "h_status": "Status", "h_plan": "Plan",
        "h_half": "Half month", "h_district": "District",
        "sheet": "TSP", "sheet_bottom": "TSP bottom 30",
        "bottom": "City TSP ranking of streets/townships (bottom {n}), {label}",
    },
}


def _t(key: str, language: str, **fields: Any) -> str:
    s = TSP_TEXT[language][key]
    return s.format(**fields) if fields else s


def tsp_tables(data: ReportData, language: str = "zh") -> dict[str, Any]:
    """The subsection's tables as display frames (numbers as numbers), per half month.

    Returns
    -------
    dict
        ``"halves"``: list of dicts with ``start``, ``label``, ``ranking`` (the city ranking),
        ``towns`` (the district's towns: name, TSP, reverse rank, in the list), ``extremes``
        (前三/后三); ``"appearances"`` (towns with at least one appearance this year) and
        ``"targets"`` (the judged target rows), display headers applied. Empty dict without data.
    """
    tsp = data.tsp
    if tsp is None or tsp.table is None:
        return {}
    code, n = data.config.district_code, BOTTOM_N
    halves = []
    for h in tsp.halves:
        r = tsp.rankings[h]
        if language != "zh":  # districts in pinyin, as the city section names them
            r = r.assign(district=r["district"].astype(str).map(lambda d: DISTRICT_NAMES_EN.get(d, d)))
        own = r.loc[(r["district_code"].astype(str) == code).to_numpy(dtype=bool)]
        towns = pd.DataFrame({
            _t("h_town", language): own["town_name"].astype(str).to_numpy(),
            _t("h_tsp", language): own["tsp"].to_numpy(dtype="float64"),
            _t("h_rev", language): own["reverse_rank"].to_numpy(),
            _t("h_in", language, n=n): [_t("yes" if b else "no", language) for b in own["in_bottom"]],
        })
        ex = district_extremes(r, code)
        extremes = pd.DataFrame({
            _t("h_which", language): [_t(w, language) for w in ex["which"]],
            _t("h_rank", language): ex["rank"].to_numpy(),
            _t("h_town", language): ex["town_name"].astype(str).to_numpy(),
            _t("h_tsp", language): ex["tsp"].to_numpy(dtype="float64"),
        })
        halves.append({"start": h, "label": half_label(h, language), "ranking": r, "towns": towns,
                       "highlight": [i for i, b in enumerate(own["in_bottom"]) if b], "extremes": extremes})
    a = tsp.appearances
    a = a.loc[a["appearances"] > 0] if len(a) else a
    appearances = pd.DataFrame({
        _t("h_town", language): a["town_name"].astype(str).to_numpy() if len(a) else [],
        _t("h_count", language): a["appearances"].to_numpy() if len(a) else [],
        _t("h_halves", language): ["、".join(half_label(x, language) for x in hs) for hs in a["halves"]] if len(a) else [],
        _t("h_run", language): a["longest_run"].to_numpy() if len(a) else [],
    })
    tg = tsp.targets
    if len(tg):
        tg = tg.loc[tg["window"] == "目标期累计"]
    targets = pd.DataFrame({
        _t("h_plan", language): tg["plan"].astype(str).to_numpy() if len(tg) else [],
        _t("h_target", language): tg["target_id"].astype(str).to_numpy() if len(tg) else [],
        _t("h_town", language): tg["area_name"].astype(str).to_numpy() if len(tg) else [],
        _t("h_window", language): [f"{s:%Y-%m-%d}~{e:%Y-%m-%d}" for s, e in zip(tg["start"], tg["end"], strict=True)]
        if len(tg) else [],
        _t("h_count", language): tg["current"].to_numpy() if len(tg) else [],
        _t("h_status", language): tg["status"].astype(str).to_numpy() if len(tg) else [],
    })
    return {"halves": halves, "appearances": appearances, "targets": targets}


def _fmt(frame: pd.DataFrame) -> pd.DataFrame:
    """Display text: TSP in whole µg/m³ (as published), ranks as integers, missing as —."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = [("—" if pd.isna(v) else f"{v:.0f}") for v in out[c]]
        elif str(out[c].dtype) in ("Int64", "int64"):
            out[c] = [("—" if pd.isna(v) else str(int(v))) for v in out[c]]
    return out


def tsp_blocks_content(data: ReportData, language: str = "zh") -> list[tuple[str, str]]:
    """The subsection as ``(kind, text)`` pairs, ``kind`` ``"md"`` or ``"html"``, in display order.

    Nothing when the district has no ``tsp``; one note when the file is missing or has no half
    month of the report month. Every sentence is checked against its ranking first
    (:func:`airlib.report.sentences.require_true_tsp_half_sentence`).
    """
    tsp = data.tsp
    if tsp is None:
        return []
    m = data.month
    f = {"year": m.year, "month": m.month, "n": BOTTOM_N, "file": markdown_text(tsp.label)}
    if tsp.table is None:
        return [("md", _t("missing", language, **f))]
    out: list[tuple[str, str]] = [("md", _t("heading", language))]
    tables = tsp_tables(data, language)
    if not tables["halves"]:
        out.append(("md", _t("no_half", language, **f)))
    for h in tables["halves"]:
        sentence, _ = tsp_half_sentence(h["ranking"], data.config.district_code, data.config.name, h["label"],
                                        n=BOTTOM_N, language=language)
        worst = tsp_worst_sentence(h["ranking"], h["label"], n=WORST_N, language=language)
        worst = require_true_tsp_worst_sentence(worst, h["ranking"], n=WORST_N, language=language)
        district = require_true_tsp_half_sentence(sentence, h["ranking"], data.config.district_code, n=BOTTOM_N,
                                                  language=language)
        out.append(("md", worst + district.split("，", 1)[1] if language == "zh" else worst + " " + district))
        key = f"tsp_rank_{h['start']:%Y%m%d}"
        out.append(("html", html_table(_fmt(h["towns"]), caption=_t("rank", language, no=data.numbering.table(key),
                                                                           label=h["label"]),
                                       highlight_rows=h["highlight"], compact=True)))
        key = f"tsp_extremes_{h['start']:%Y%m%d}"
        out.append(("html", html_table(_fmt(h["extremes"]), caption=_t(
            "extremes", language, no=data.numbering.table(key), label=h["label"]), compact=True)))
    if len(tables["appearances"]):
        out.append(("html", html_table(_fmt(tables["appearances"]), caption=_t(
            "appearances", language, no=data.numbering.table("tsp_appearances"), **f), compact=True)))
    else:
        out.append(("md", _t("none_listed", language, **f)))
    if len(tables["targets"]):
        out.append(("html", html_table(_fmt(tables["targets"]), caption=_t(
            "targets", language, no=data.numbering.table("tsp_targets"), **f), compact=True)))
    out.append(("md", _t("note", language, **f)))
    return out


def tsp_workbook_tables(data: ReportData, title: str, language: str = "zh") -> list:
    """Workbook sheets (:class:`airlib.report.excel.WorkbookTable`): TSP (the district's towns in
    each half month of the report month: half, town, TSP, reverse rank, in the list) and
    TSP后30名 (the city's 后30名 of each half month: half, reverse rank, district, town, TSP).
    Empty without data."""
    from airlib.report.excel import NUMBER_FORMATS, WorkbookTable

    tables = tsp_tables(data, language)
    if not tables or not tables["halves"]:
        return []
    rows, bottoms = [], []
    for h in tables["halves"]:
        rows.append(h["towns"].assign(**{_t("h_half", language): h["label"]}))
        b = bottom_table(h["ranking"])
        bottoms.append(pd.DataFrame({
            _t("h_half", language): h["label"], "排序(倒序)" if language == "zh" else "Rank (from bottom)": b["reverse_rank"],
            _t("h_district", language): b["district"].astype(str), _t("h_town", language): b["town_name"].astype(str),
            _t("h_tsp", language): b["tsp"].to_numpy(dtype="float64")}))
    towns = pd.concat(rows, ignore_index=True)
    towns = towns[[towns.columns[-1], *towns.columns[:-1]]]
    bottom = pd.concat(bottoms, ignore_index=True)
    fmt = {_t("h_tsp", language): NUMBER_FORMATS["decimals_0"]}
    label = "、".join(h["label"] for h in tables["halves"])
    return [
        WorkbookTable(sheet=_t("sheet", language), title=title,
                      caption=_t("rank", language, no=data.numbering.table(
                          f"tsp_rank_{tables['halves'][0]['start']:%Y%m%d}"), label=label),
                      frame=towns, formats=fmt),
        WorkbookTable(sheet=_t("sheet_bottom", language), title=title,
                      caption=_t("bottom", language, n=BOTTOM_N, label=label), frame=bottom, formats=fmt),
    ]
