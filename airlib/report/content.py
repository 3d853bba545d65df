"""Tables, sentences and Markdown of the monthly report, built from :class:`ReportData`.

Display tables (headers of :mod:`airlib.report.texts`, missing values "—", concentrations at
published precision), the cover and summary paragraphs, the run record, and the workbook.
Every user-supplied text is escaped where it is rendered (:mod:`airlib.escaping`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from airlib.escaping import html_text, markdown_text
from airlib.report.data import ReportData
from airlib.report.texts import TEXT, check_language, headers, table_headers, text

__all__ = [
    "MONTH_TABLE_COLUMNS", "WARNING_TABLE_COLUMNS", "YTD_TABLE_COLUMNS", "bottom_row_positions",
    "cover_markdown", "display_table", "gb3095_label", "html_table", "ledger_problems_markdown",
    "overdue_display", "pm25_decimals", "progress_markdown", "progress_table",
    "ranking_summary_markdown", "record_html", "targets_display", "write_excel",
]


MONTH_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "town_name", "pm25", "rank", "valid_days", "pm25_last_year", "yoy_pct", "yoy_rank",
    "rank_last_month", "rank_change",
)


YTD_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "town_name", "ytd", "ytd_rank", "ytd_last_year", "ytd_yoy_pct", "ytd_yoy_rank",
)


WARNING_TABLE_COLUMNS: Final[tuple[str, ...]] = ("town_name", "pm25", "rank", "yoy_pct", "reason")


def display_table(table: pd.DataFrame, columns: Sequence[str], language: str = "zh",
                  decimals: int = 0) -> pd.DataFrame:
    """A ranking table ready to show: chosen columns, Chinese headers, missing shown as "—".

    Concentrations keep ``decimals`` (published precision), percentages one decimal, ranks
    integers; rank movement is signed (``↑2`` / ``↓1`` / ``—``).
    """
    h = headers(language)
    cols = [c for c in columns if c in table]
    out = pd.DataFrame(index=table.index)
    for c in cols:
        s = table[c]
        if c in ("pm25", "pm25_last_year", "ytd", "ytd_last_year"):
            txt = s.astype("Float64").map(lambda v: "—" if pd.isna(v) else f"{v:.{decimals}f}")
        elif c.endswith("pct"):
            txt = s.astype("Float64").map(lambda v: "—" if pd.isna(v) else f"{v:+.1f}")
        elif c == "rank_change":
            txt = s.astype("Int64").map(
                lambda v: "—" if pd.isna(v) else ("↑" + str(v) if v > 0 else ("↓" + str(-v) if v < 0 else "0"))
            )
        elif c.endswith("rank") or c == "valid_days":
            txt = s.astype("Int64").map(lambda v: "—" if pd.isna(v) else str(int(v)))
        else:
            txt = s.astype("string").fillna("—")
        out[h.get(c, c)] = txt.astype("string").to_numpy()
    if "status" in table and "rank" in cols:
        invalid = (table["status"] != "有效").to_numpy(dtype=bool)
        out.loc[invalid, h["rank"]] = text("no_valid_data", language)
    return out.reset_index(drop=True)


def html_table(frame: pd.DataFrame, *, caption: str | None = None, highlight_rows: Sequence[int] = ()) -> str:
    """HTML of a display table (no index); rows in ``highlight_rows`` shaded red.

    Every header, cell and the caption is escaped (:func:`airlib.escaping.html_text`), so
    text from registries, plans or ledgers prints literally.
    """
    head = "".join(f"<th>{html_text(c)}</th>" for c in frame.columns)
    body = []
    hl = set(highlight_rows)
    # Keep short first-column labels (town names) on one line so that they can be read back.
    first_short = len(frame) > 0 and len(frame.columns) > 0 and bool(frame.iloc[:, 0].astype("string").str.len().max() <= 8)
    for i, row in enumerate(frame.itertuples(index=False)):
        style = ' style="background:#fde0dd"' if i in hl else ""
        cells = "".join(
            ("<td style='white-space:nowrap'>" if j == 0 and first_short else "<td>")
            + html_text("" if not isinstance(v, str) and pd.isna(v) else v) + "</td>"
            for j, v in enumerate(row)
        )
        body.append(f"<tr{style}>{cells}</tr>")
    cap = f"<caption style='caption-side:top;font-weight:bold;padding:4px'>{html_text(caption)}</caption>" if caption else ""
    return f"<table class='airlib-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def gb3095_label(month: pd.Period) -> str:
    """Citation of the GB 3095 edition in force for ``month`` (2012 until 2026-02, 2026 after)."""
    from airlib.standards.limits import edition_for

    return "GB 3095—2026" if str(edition_for(pd.Period(month, freq="M").start_time)).startswith("GB3095-2026") else "GB 3095—2012"


def pm25_decimals(month: pd.Period) -> int:
    """Published PM2.5 precision for a report month (integers through 2023, one decimal from 2024).

    Wraps :func:`airlib.standards.rounding.published_precision` (configurable in ``airlib.settings``) so
    the notebook's tables show concentrations as published.
    """
    from airlib.standards.rounding import published_precision

    return int(published_precision("pm25", pd.Period(month, freq="M").start_time))


def bottom_row_positions(data: ReportData) -> list[int]:
    """Positions (0-based, in ``data.ranking`` order) of the bottom-list towns, for highlighting."""
    bottom = set(data.bottom["town_code"].astype(str))
    return [i for i, c in enumerate(data.ranking["town_code"].astype(str)) if c in bottom]


def overdue_display(data: ReportData, language: str = "zh") -> pd.DataFrame | None:
    """Overdue town tasks (task, town, target, done, days overdue) with Chinese/English headers.

    ``None`` when no task ledger covers the month or nothing is overdue; missing values "—".
    """
    prog = data.progress
    if prog is None or not len(prog.overdue):
        return None
    od = prog.overdue[["task_id", "task", "town_name", "target", "completed", "days_overdue"]].copy()
    od.columns = list(table_headers("overdue", language))
    return od.astype("string").fillna("—")


def cover_markdown(data: ReportData, language: str = "zh") -> str:
    """Cover page (Markdown): title, district, month, data-validity summary, notices.

    The district name and code and the town names are escaped (:func:`airlib.escaping.markdown_text`).
    """
    m, v, cfg = data.month, data.validity, data.config
    t = TEXT[language]
    name, code = markdown_text(cfg.name), markdown_text(cfg.district_code)
    invalid = [markdown_text(x) for x in v["towns_invalid"]]
    title = t["title"].format(district=name, year=m.year, month=m.month)
    share = 100.0 * v["station_days_valid"] / v["station_days"] if v["station_days"] else 0.0
    now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    if language == "zh":
        lines = [
            f"# {title}",
            "",
            f"**区：** {name}（{code}）　　**月份：** {m.year}年{m.month}月　　**生成时间：** {now}（北京时间）",
            "",
            "**数据有效性：**",
            "",
            f"- 监测站点 {v['stations']} 个；站点日均值有效 {v['station_days_valid']} / {v['station_days']} 站日（{share:.1f}%；日均值需≥20个有效小时）；",
            f"- 乡镇街道 {v['towns']} 个，其中月均值有效 {v['towns_valid']} 个（月均值需≥27个有效日，2月≥25个；{gb3095_label(m)} 表4）；",
        ]
        if v["towns_invalid"]:
            lines.append(f"- 无有效月均值、不参与排名：{'、'.join(invalid)}；")
        lines += [
            f"- 排名按发布精度（{ {0: '整数', 1: '一位小数', 2: '两位小数'}.get(pm25_decimals(m), f'{pm25_decimals(m)}位小数') }）修约后计算，并列取最小名次；同比按修约后数值计算，保留一位小数。",
            "",
        ]
        if cfg.synthetic:
            lines += ["> **本报告使用合成演示数据（airlib demo），非真实监测数据；乡镇街道边界为示意边界，非真实行政区划。**", ""]
    else:
        lines = [
            f"# {title}",
            "",
            f"**District:** {name} ({code})  **Month:** {m}  **Generated:** {now} (Beijing time)",
            "",
            f"- Stations: {v['stations']}; valid station-days {v['station_days_valid']} / {v['station_days']} ({share:.1f}%).",
            f"- Towns/streets: {v['towns']}, with a valid monthly mean: {v['towns_valid']}.",
        ]
        if v["towns_invalid"]:
            lines.append(f"- Not ranked (no valid monthly mean): {', '.join(invalid)}.")
        if cfg.synthetic:
            lines += ["", f"> **{t['synthetic']}** Town boundaries are schematic."]
    return "\n".join(lines)


def ranking_summary_markdown(data: ReportData, language: str = "zh") -> str:
    """One paragraph (Markdown): best and worst towns, district change, warning count; town
    names escaped (:func:`airlib.escaping.markdown_text`)."""
    t = data.ranking
    valid = t[t["rank"].notna()]
    if valid.empty:
        return text("no_ranking", language)
    best = [markdown_text(x) for x in valid[valid["rank"] == 1]["town_name"]]
    worst_rank = valid["rank"].max()
    worst = [markdown_text(x) for x in valid[valid["rank"] == worst_rank]["town_name"]]
    d = pm25_decimals(data.month)
    lo, hi = valid["pm25"].min(), valid["pm25"].max()
    if language == "zh":
        s = (f"{data.month.year}年{data.month.month}月，{len(valid)}个乡镇街道PM2.5月均浓度为{lo:.{d}f}～{hi:.{d}f}微克/立方米。"
             f"浓度最低的是{'、'.join(best)}（第1名），最高的是{'、'.join(worst)}（第{int(worst_rank)}名）。")
        if "yoy_rank" in t and t["yoy_rank"].notna().any():
            top = t[t["yoy_rank"] == 1]
            s += f"同比改善最大的是{'、'.join(markdown_text(x) for x in top['town_name'])}（{float(top['yoy_pct'].iloc[0]):+.1f}%）。"
        s += f"本月预警乡镇街道{len(data.warnings)}个。"
        return s
    return (f"In {data.month}, {len(valid)} towns had a valid monthly PM2.5 mean ({lo:.{d}f}–{hi:.{d}f} µg/m³). "
            f"Cleanest: {', '.join(best)}; most polluted: {', '.join(worst)}. Warning letters: {len(data.warnings)}.")


def progress_markdown(data: ReportData, language: str = "zh") -> str:
    """The task-progress section's first line (Markdown): the plan and the ledger month, or
    that no ledger covers the month; plan title escaped."""
    prog = data.progress
    zh = language == "zh"
    if prog is None:
        return text("no_ledger", language)
    plan = markdown_text(prog.plan)
    last = markdown_text(prog.last_ledger_month)
    return (f"方案：{plan}；台账截至{last}，按{prog.as_of:%Y-%m-%d}评估。" if zh
            else f"Plan: {plan}; ledgers up to {last}.")


def ledger_problems_markdown(data: ReportData, language: str = "zh") -> str | None:
    """Note (Markdown) naming each ledger file that could not be read and why, or None.

    File names and reasons are escaped (:func:`airlib.escaping.markdown_text`).
    """
    problems = data.ledger_problems
    if not problems:
        return None
    seen: dict[tuple[str, str], None] = {}
    for p in problems:
        seen.setdefault((p["file"], p["problem"]), None)
    zh = language == "zh"
    head = text("ledger_problems", language)
    items = [f"- {markdown_text(f)}：{markdown_text(why)}" if zh else f"- {markdown_text(f)}: {markdown_text(why)}"
             for f, why in seen]
    return "\n".join([head, "", *items])


def progress_table(data: ReportData, language: str = "zh") -> pd.DataFrame | None:
    """Task-progress ranking beside the air-quality ranking (one row per town), or None."""
    prog = data.progress
    if prog is None:
        return None
    sc = prog.scores.copy()
    sc["town_code"] = sc["town_code"].astype("string")
    aq = data.ranking[["town_code", "town_name", "pm25", "rank"]].copy()
    aq["town_code"] = aq["town_code"].astype("string")
    m = aq.merge(sc[["town_code", "n_tasks", "n_done", "n_overdue", "score", "rank"]],
                 on="town_code", how="left", suffixes=("", "_task"))
    m = m.sort_values(["rank_task", "rank"], na_position="last", kind="stable")
    d = pm25_decimals(data.month)
    fmt_i = lambda v: "—" if pd.isna(v) else str(int(v))  # noqa: E731
    zh = language == "zh"
    columns = [
        m["town_name"].astype("string").fillna("—"),
        m["score"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
        m["rank_task"].map(fmt_i),
        m["n_tasks"].map(fmt_i),
        m["n_done"].map(fmt_i),
        m["n_overdue"].map(fmt_i),
        m["pm25"].map(lambda v: "—" if pd.isna(v) else f"{v:.{d}f}"),
        m["rank"].map(lambda v: ("无有效数据" if zh else "n/a") if pd.isna(v) else str(int(v))),
    ]
    out = pd.DataFrame(dict(zip(table_headers("progress", language), columns, strict=True)))
    return out.reset_index(drop=True)


def targets_display(data: ReportData, language: str = "zh") -> pd.DataFrame:
    """The district's PM2.5 targets against the data (see :func:`pm25_targets`)."""
    t = data.targets
    if t is None or t.empty:
        return pd.DataFrame()
    h = table_headers("targets", language)
    f1 = lambda v: "—" if pd.isna(v) else f"{v:.1f}"  # noqa: E731
    rows = []
    for r in t.itertuples(index=False):
        goal = (f"{r.kind_label}{r.target_value:g}{'%' if r.kind != 'absolute_cap' else 'μg/m³'}"
                if not pd.isna(r.target_value) else r.kind_label)
        rows.append(dict(zip(h, (
            f"{r.target_id} {goal}",
            f"{pd.Timestamp(r.start):%Y-%m-%d}～{pd.Timestamp(r.end):%Y-%m-%d}",
            f1(r.current),
            f1(r.comparison),
            "—" if pd.isna(r.change_pct) else f"{r.change_pct:+.1f}",
            f1(r.target_level),
            str(r.status),
            f1(r.allowance),
            "—" if pd.isna(r.outlook) else str(r.outlook),
        ), strict=True)))
    return pd.DataFrame(rows)


def record_html(params: dict[str, Any], data: ReportData) -> str:
    """Run record (HTML, small print): parameters, input files with SHA-256, package versions."""
    p = "".join(f"<li><code>{html_text(k)} = {html_text(repr(v))}</code></li>" for k, v in params.items())
    files = html_table(data.inputs.rename(columns={"file": "文件 file", "bytes": "字节 bytes", "sha256": "SHA-256"}))
    versions = html_text(", ".join(f"{k} {v}" for k, v in data.versions.items()))
    return (
        "<div class='airlib-record'><h3>运行记录 / Run record</h3>"
        f"<p><b>参数 Parameters</b></p><ul>{p}</ul>"
        f"<p><b>输入文件 Input files (SHA-256)</b></p>{files}"
        f"<p><b>软件版本 Package versions</b></p><p>{versions}</p></div>"
    )


def write_excel(data: ReportData, path: str | os.PathLike[str], language: str = "zh") -> Path:
    """Ranking tables → ``.xlsx`` (月排名, 累计排名, 预警名单, 后N名), Chinese headers."""
    from airlib.report.excel import write_tables

    month = data.month
    t = TEXT[check_language(language)]
    sheets = {
        t["ranking"]: data.ranking,
        t["warning"]: data.warnings,
        text("bottom_sheet", language, n=data.bottom_n): data.bottom,
    }
    title_text = t["title"].format(district=data.config.name, year=month.year, month=month.month)
    if data.config.synthetic:
        title_text += "（" + t["synthetic"] + "）" if language == "zh" else f" ({t['synthetic']})"
    titles = {k: title_text for k in sheets}
    return write_tables(path, sheets, headers=headers(language), title=titles)
