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

import numpy as np
import pandas as pd

from airlib.errors import AirlibError
from airlib.escaping import html_text, markdown_text
from airlib.standards.rounding import published_precision, round_gbt8170, round_published  # the one published-precision rule
from airlib.report.data import ReportData, TaskProgress
from airlib.report.dust import dust_workbook_tables
from airlib.report.excel import NUMBER_FORMATS, WorkbookTable, decimal_format
from airlib.report.sentences import (
    heavy_days_sentence,
    progress_summary,
    ranking_summary,
    require_true_heavy_days_sentence,
    require_true_progress_summary,
    require_true_summary,
    require_true_station_set_statement, station_set_caption,
    require_true_warning_summary, station_set_statement, warning_summary,
)
from airlib.report.texts import TEXT, check_language, display_value, headers, table_headers, text

__all__ = ["station_set_lines", "caption_stations", "CAPTION_STATION_SCOPE",
    "sand_dust_display", "sand_dust_markdown", "sand_dust_workbook_tables",
    "alert_facts", "FORECAST_COLUMNS", "forecast_display", "forecast_facts",
    "BULLETIN_PDF_COLUMNS", "BULLETIN_TABLES", "bulletin_caption", "bulletin_display", "bulletin_footnotes", "bulletin_frame",
    "bulletin_header_rows", "bulletin_notes", "bulletin_rank_display",
    "CONCENTRATION_COLUMNS", "MONTH_TABLE_COLUMNS", "WARNING_TABLE_COLUMNS", "YTD_TABLE_COLUMNS", "bottom_row_positions",
    "cover_head_html", "cover_markdown", "display_table", "gb3095_label", "has_last_year", "html_table",
    "ledger_problems_markdown", "map_source_line", "overdue_display", "progress_caption", "progress_key",
    "progress_markdown", "progress_table",
    "RECORD_PARAMETERS", "inputs_digest", "ranking_summary_markdown", "record_html", "record_parameters",
    "run_record_dict", "split_title", "target_plans_markdown", "targets_display", "value_decimals", "write_excel",
    "HEAVY_TARGET_COLUMNS", "heavy_targets_display", "heavy_targets_markdown", "progress_summary_markdown",
    "tasks_display",
    "TARGET_COLUMNS", "missing_reasons", "workbook_tables",
    "REASON_SHEET_COLUMNS", "SUMMONS_SHEET_COLUMNS", "summons_display", "summons_rule_markdown",
    "warning_history_display", "warning_reasons_display", "warning_rule_markdown", "warning_summary_markdown",
]


MONTH_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "town_name", "pm25", "rank", "valid_days", "pm25_last_year", "yoy_pct", "yoy_rank",
    "rank_last_month", "rank_change",
)


YTD_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "town_name", "ytd", "ytd_rank", "ytd_last_year", "ytd_yoy_pct", "ytd_yoy_rank",
)


WARNING_TABLE_COLUMNS: Final[tuple[str, ...]] = ("town_name", "pm25", "rank", "yoy_pct", "reasons")

#: Columns of the warning-reasons sheet (:data:`airlib.tracking.supervision.REASON_COLUMNS`), in the
#: order of the headers ``TABLE_HEADERS["warning_reasons"]``; the PDF shows town, reason, details, basis.
REASON_SHEET_COLUMNS: Final[tuple[str, ...]] = (
    "town_code", "town_name", "rule_id", "label", "detail", "value", "threshold", "unit", "clause", "quote",
)
_REASON_PDF: Final[tuple[int, ...]] = (1, 3, 4, 8)

#: Columns of the 约谈 sheet (:data:`airlib.tracking.supervision.SUMMONS_COLUMNS`), headers
#: ``TABLE_HEADERS["summons"]``; the PDF shows town, conditions, conditions met, months.
SUMMONS_SHEET_COLUMNS: Final[tuple[str, ...]] = (
    "town_code", "town_name", "summons_ids", "labels", "conditions", "months", "clauses", "quotes",
)
_SUMMONS_PDF: Final[tuple[int, ...]] = (1, 3, 4, 5)


#: Concentration columns of the ranking tables: column -> (pollutant, years before the report
#: month that the value describes). Each prints at the published precision of its own date.
CONCENTRATION_COLUMNS: Final[dict[str, tuple[str, int]]] = {
    "pm25": ("pm25", 0), "pm25_last_year": ("pm25", 1), "ytd": ("pm25", 0), "ytd_last_year": ("pm25", 1),
}


def value_decimals(column: str, month: pd.Period | str) -> int:
    """Decimals a concentration column prints with: the published precision of the date the
    value describes (:func:`airlib.standards.rounding.published_precision`).

    Parameters
    ----------
    column : str
        A key of :data:`CONCENTRATION_COLUMNS` (``pm25_last_year`` describes the same month a
        year before the report month: a 2024 report prints last year's value as an integer).
    month : Period or str
        Report month.

    Returns
    -------
    int [decimals]
    """
    pollutant, years_back = CONCENTRATION_COLUMNS[column]
    return int(published_precision(pollutant, pd.Period(month, freq="M") - 12 * years_back))


def display_table(table: pd.DataFrame, columns: Sequence[str], language: str = "zh",
                  month: pd.Period | str | None = None) -> pd.DataFrame:
    """A ranking table ready to show: chosen columns, Chinese headers, missing shown as "—".

    Concentrations print at the published precision of their own date
    (:func:`value_decimals`: this year's at the report month's, last year's at last year's),
    percentages one decimal, ranks integers; rank movement is signed (``↑2`` / ``↓1`` / ``—``).

    Parameters
    ----------
    table : DataFrame
        A ranking table (:func:`airlib.tracking.ranking.ranking_table` or a list taken from it).
    columns : sequence of str
        Columns to show, in order (absent ones are skipped).
    language : {"zh", "en"}
    month : Period or str
        Report month; needed when a concentration column is shown.

    Raises
    ------
    AirlibError
        A concentration column is shown without the report month.
    """
    if month is not None and not isinstance(month, (pd.Period, str)):
        raise AirlibError(f"display_table takes the report month (each value prints at the precision of its own "
                          f"date), not {month!r}")
    h = headers(language)
    cols = [c for c in columns if c in table]
    out = pd.DataFrame(index=table.index)
    for c in cols:
        s = table[c]
        if c in CONCENTRATION_COLUMNS:
            if month is None:
                raise AirlibError(f"display_table needs the report month to print {c!r} at its published precision")
            d = value_decimals(c, month)
            txt = s.astype("Float64").map(lambda v, d=d: "—" if pd.isna(v) else f"{v:.{d}f}")
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
            if c in ("status", "reason", "reasons"):  # the library's Chinese display values
                txt = txt.map(lambda v: display_value(v, language))
        out[h.get(c, c)] = txt.astype("string").to_numpy()
    if "status" in table and "rank" in cols:
        invalid = ~table["valid"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out.loc[invalid, h["rank"]] = text("no_valid_data", language)
    return out.reset_index(drop=True)


def station_set_lines(validity: dict[str, Any], language: str = "zh") -> str:
    """The cover's station-set lines from ``validity`` (:func:`airlib.report.data.prepare`),
    checked against its counts before they are returned (docs/stations.md)."""
    basis = validity.get("district_basis") or "town_ranking"
    changes = tuple(validity.get("district_basis_changes", ()))
    statement = station_set_statement(validity["station_sets"], language, basis=basis,
                                      assessment_names=validity.get(
                                          "district_assessment_classes" if language == "zh"
                                          else "district_assessment_codes", ()),
                                      basis_changes=changes)
    return require_true_station_set_statement(statement, validity["station_sets"], basis=basis,
                                              basis_changes=changes).text


#: Which station set stands behind each numbered table and figure (caption key → scope of
#: :func:`airlib.report.sentences.station_set_caption`): the town tables and maps show the
#: town-ranking stations, the district's targets, trend and forecast check the district-value
#: stations, the 月通报 tables both (docs/stations.md "What the report states").
CAPTION_STATION_SCOPE: dict[str, str] = {
    "table_ranking": "ranking", "table_ytd": "ranking", "table_worsening": "ranking",
    "table_warnings": "ranking", "figure_ranking_bar": "ranking", "figure_map_pm25": "ranking",
    "figure_map_yoy": "ranking", "table_targets": "district", "table_heavy_targets": "district",
    "figure_targets": "district", "figure_trend": "district", "table_forecast_verification": "district",
    "table_bulletin_monthly": "both", "table_bulletin_ytd": "both", "table_bulletin_days": "both",
    "table_bulletin_ranks": "both", "table_sand_dust": "both",
}


def caption_stations(data: ReportData, key: str, language: str = "zh") -> str:
    """The station-set suffix of caption ``key`` (:data:`CAPTION_STATION_SCOPE`), "" for a
    caption without one or a report without station sets."""
    scope = CAPTION_STATION_SCOPE.get(key)
    validity = getattr(data, "validity", None)
    sets = validity.get("station_sets") if isinstance(validity, dict) else None
    if scope is None or not sets:
        return ""
    return station_set_caption(sets, scope, language)


def html_table(frame: pd.DataFrame, *, caption: str | None = None, highlight_rows: Sequence[int] = (),
               highlight_color: str = "#fde0dd", groups: Sequence[tuple[str, int]] = (),
               compact: bool = False) -> str:
    """HTML of a display table (no index); rows in ``highlight_rows`` shaded ``highlight_color``
    (default red: the bottom N; a fixed colour of the caller, never user text).

    Every header, cell and the caption is escaped (:func:`airlib.escaping.html_text`), so
    text from registries, plans or ledgers prints literally. ``groups`` adds a header row
    above the column headers: ``(label, number of columns spanned)`` covering every column
    (e.g. a pollutant over its value and change columns). ``compact`` uses a smaller font and
    narrower padding (wide tables).
    """
    cell = " style='padding:1px 2px !important'" if compact else ""
    head = "".join(
        f"<th style='padding:1px 2px !important;min-width:5.5em'>{html_text(c)}</th>" if compact and j == 0
        else f"<th{cell}>{html_text(c)}</th>"
        for j, c in enumerate(frame.columns)
    )
    if groups:
        if sum(n for _, n in groups) != len(frame.columns) or any(n < 1 for _, n in groups):
            raise ValueError(f"header groups span {sum(n for _, n in groups)} columns, the table has {len(frame.columns)}")
        top = "".join(f"<th{cell} colspan='{n}'>{html_text(label)}</th>" for label, n in groups)
        head = f"{top}</tr><tr>{head}"
    body = []
    hl = set(highlight_rows)
    # Keep short first-column labels (town names) on one line so that they can be read back.
    first_short = len(frame) > 0 and len(frame.columns) > 0 and bool(frame.iloc[:, 0].astype("string").str.len().max() <= 8)
    for i, row in enumerate(frame.itertuples(index=False)):
        style = f' style="background:{highlight_color}"' if i in hl else ""
        cells = "".join(
            ("<td style='white-space:nowrap'>" if j == 0 and first_short else f"<td{cell}>")
            + html_text("" if not isinstance(v, str) and pd.isna(v) else v) + "</td>"
            for j, v in enumerate(row)
        )
        body.append(f"<tr{style}>{cells}</tr>")
    cap = f"<caption style='caption-side:top;font-weight:bold;padding:4px'>{html_text(caption)}</caption>" if caption else ""
    size = " style='font-size:7.5pt;table-layout:auto !important'" if compact else ""
    return f"<table class='airlib-table'{size}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def gb3095_label(month: pd.Period) -> str:
    """Citation of the GB 3095 edition in force for ``month`` (2012 until 2026-02, 2026 after)."""
    from airlib.standards.limits import edition_for

    return "GB 3095—2026" if str(edition_for(pd.Period(month, freq="M").start_time)).startswith("GB3095-2026") else "GB 3095—2012"


def bottom_row_positions(data: ReportData) -> list[int]:
    """Positions (0-based, in ``data.ranking`` order) of the bottom-list towns, for highlighting."""
    bottom = set(data.bottom["town_code"].astype(str))
    return [i for i, c in enumerate(data.ranking["town_code"].astype(str)) if c in bottom]


def _plan_progress(data: ReportData, prog: TaskProgress | None) -> TaskProgress | None:
    """``prog``, or the first plan's task progress of ``data`` when None (None without any)."""
    if prog is not None:
        return prog
    return data.progress[0] if data.progress else None


def progress_key(data: ReportData, prog: TaskProgress, key: str) -> str:
    """Numbering key of a task-progress table (``"progress"``, ``"overdue"``) of one plan: the
    key itself for the first plan in force, ``key:<plan id>`` for the others."""
    first = data.progress[0] if data.progress else None
    return key if first is None or first.plan_id == prog.plan_id else f"{key}:{prog.plan_id}"


def progress_caption(data: ReportData, prog: TaskProgress, key: str, language: str, **fields: Any) -> str:
    """Caption ``table_<key>`` of one plan's task-progress table with its number; when several
    plans are in force the plan's title follows in brackets (escaping is the caller's)."""
    caption = text(f"table_{key}", language, no=data.numbering.table(progress_key(data, prog, key)), **fields)
    return caption + (f"（{prog.plan}）" if len(data.progress) > 1 else "")


def _lead_responsible(frame: pd.DataFrame, language: str = "zh") -> pd.Series:
    """牵头/主责 units of task rows as one text: "lead／responsible" ("lead / responsible" in
    English; either alone when the other is empty; "—" when both are)."""
    lead = frame["lead"].astype("string").fillna("")
    resp = frame["responsible"].astype("string").fillna("")
    both = (lead != "") & (resp != "")
    out = lead.where(~both, lead + ("／" if language == "zh" else " / ") + resp).where(lead != "", resp)
    return out.where(out != "", "—").astype("string")


def _quantities(values: pd.Series, units: pd.Series) -> pd.Series:
    """Quantities in their task's unit as printed ("202 台", "3.5 蒸吨";
    :func:`airlib.tracking.progress.format_quantity`)."""
    from airlib.tracking.progress import format_quantity

    return pd.Series([format_quantity(v, u if isinstance(u, str) and u else None)
                      for v, u in zip(values, units, strict=True)], index=values.index, dtype="string")


def overdue_display(progress: TaskProgress | None, language: str = "zh") -> pd.DataFrame | None:
    """Overdue town tasks of ONE plan's progress: task, town, target, done and remaining in the
    task's unit, deadline (完成时限), days overdue and the lead/responsible units, with
    Chinese/English headers.

    ``None`` without progress or when nothing is overdue; missing values "—"; counts as integers.
    """
    if progress is None or not len(progress.overdue):
        return None
    o = progress.overdue.reset_index(drop=True)
    od = pd.DataFrame({
        "task_id": o["task_id"].astype("string"), "task": o["task"].astype("string"),
        "town_name": o["town_name"].astype("string"),
        "target": _quantities(o["target"], o["unit"]), "completed": _quantities(o["completed"], o["unit"]),
        "remaining": _quantities(o["remaining"], o["unit"]),
        "deadline": pd.to_datetime(o["deadline"]).dt.strftime("%Y-%m-%d").astype("string"),
        "days_overdue": o["days_overdue"].map(lambda v: "—" if pd.isna(v) else str(int(v))).astype("string"),
        "units": _lead_responsible(o, language),
    })
    od.columns = list(table_headers("overdue", language))
    return od.fillna("—")


def tasks_display(progress: TaskProgress | None, language: str = "zh") -> pd.DataFrame | None:
    """The key tasks of ONE plan's progress, district totals (one row per task split across
    towns): target, done and remaining in the task's unit, completion %, deadline (完成时限),
    lead/responsible units and how many towns are overdue. None without tasks."""
    if progress is None or progress.tasks is None or not len(progress.tasks):
        return None
    t = progress.tasks.reset_index(drop=True)
    fmt_i = lambda v: "—" if pd.isna(v) else str(int(v))  # noqa: E731
    out = pd.DataFrame({
        "task_id": t["task_id"].astype("string"), "task": t["task"].astype("string"),
        "target": _quantities(t["target"], t["unit"]), "completed": _quantities(t["completed"], t["unit"]),
        "remaining": _quantities(t["remaining"], t["unit"]),
        "rate": t["completion_rate"].map(lambda v: "—" if pd.isna(v) else f"{100 * v:.1f}").astype("string"),
        "deadline": pd.to_datetime(t["deadline"]).dt.strftime("%Y-%m-%d").astype("string"),
        "units": _lead_responsible(t, language), "n_overdue": t["n_overdue"].map(fmt_i),
    })
    out.columns = list(table_headers("tasks", language))
    return out.fillna("—")


def _width(s: str) -> float:
    """Printed width of ``s`` in full-width characters (ASCII and half-width count ½)."""
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in s)


def _break_allowed(title: str, i: int) -> bool:
    """May a line break between ``title[i-1]`` and ``title[i]``? Not inside a run of ASCII
    letters/digits (``PM2.5``, ``2024``), not after an opening or before a closing bracket or
    punctuation mark."""
    a, b = title[i - 1], title[i]
    if a.isascii() and b.isascii() and (a.isalnum() or a == ".") and (b.isalnum() or b == "."):
        return False
    return a not in "（(《“‘[【" and b not in "）)》”’]】，。、；：,.;:!?！？%"


def split_title(title: str, *, max_width: float = 24.0) -> list[str]:
    """Lines of a cover title: one line when it fits, else two balanced lines.

    Parameters
    ----------
    title : str
        The title (plain text, not escaped).
    max_width : float [full-width characters]
        Width of one line of the cover title (the A4 text column at the title's size holds
        about 25 full-width characters at 20 pt; 24 leaves a margin).

    Returns
    -------
    list of str
        ``[title]`` when it fits on one line; otherwise two lines whose concatenation is
        ``title``, split where a break is allowed (:func:`_break_allowed`) and the two widths
        differ least, preferring a break after 区/年/月/县 or before a bracket — so that no
        line holds an orphaned word such as 「报告」.
    """
    if _width(title) <= max_width or len(title) < 2:
        return [title]
    total = _width(title)
    best: tuple[float, int] | None = None
    for i in range(1, len(title)):
        if not _break_allowed(title, i):
            continue
        diff = abs(total - 2 * _width(title[:i]))
        if title[i - 1] in "区县月" or title[i] in "（(":
            diff -= 1.0  # a natural place: after the district or the month, before a bracket
        if best is None or diff < best[0]:
            best = (diff, i)
    if best is None:
        return [title]
    return [title[: best[1]], title[best[1]:]]


def cover_head_html(data: ReportData, language: str = "zh", *, today: dt.date | None = None) -> str:
    """Head of the cover (HTML): 发文单位, 文号, the title and the date.

    The issuer (``issuer``) and document number (``document_number``) come from the district's
    configuration (:class:`airlib.report.config.DistrictConfig`); where not configured a blank
    line ``________________`` is printed to fill in by hand. The title is set in at most two
    balanced lines (:func:`split_title`), each kept whole (``white-space: nowrap``), so that
    no word is left alone on a line. The date is the day the report is made (Beijing time,
    UTC+8), or ``today``. Every configured text is escaped (:func:`airlib.escaping.html_text`).
    """
    cfg, m = data.config, data.month
    lang = check_language(language)
    blank = text("cover_blank", lang)
    issuer = html_text(cfg.issuer) if cfg.issuer else blank
    number = html_text(cfg.document_number) if cfg.document_number else blank
    day = today or (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    title = text("title", lang, district=cfg.name, year=m.year, month=m.month)
    parts = split_title(title)
    # A break at a space keeps the space between the lines (outside the unbreakable spans).
    sep = " " if len(parts) == 2 and (parts[0].endswith(" ") or parts[1].startswith(" ")) else ""
    lines = sep.join(f"<span class='airlib-title-line'>{html_text(part.strip())}</span>" for part in parts)
    return (
        "<div class='airlib-cover'>"
        f"<p class='airlib-issuer'>{text('cover_issuer', lang, issuer=issuer)}</p>"
        f"<p class='airlib-docno'>{text('cover_document_number', lang, number=number)}</p>"
        "<hr class='airlib-rule'>"
        f"<h1 class='airlib-title'>{lines}</h1>"
        f"<p class='airlib-date'>{text('cover_date', lang, year=day.year, month=day.month, day=day.day)}</p>"
        "</div>"
    )


def map_source_line(data: ReportData, language: str = "zh", data_source: str | None = None) -> str:
    """The source line under each map: the boundary file's name (with 「示意边界」 for schematic
    boundaries such as the demo's) and the data source (the district's stations and data set,
    or the synthetic demo data; ``data_source`` replaces it, e.g. the dust sheets' file names).
    Plain text: the map escapes it (:func:`airlib.escaping.mpl_text`).
    """
    lang = check_language(language)
    b = data.boundaries
    name = Path(str(b.attrs.get("source", ""))).name if b is not None else ""
    schematic = text("map_source_schematic", lang) if b is not None and b.attrs.get("schematic") else ""
    if name and schematic:
        boundary = f"{name}（{schematic}）" if lang == "zh" else f"{name} ({schematic})"
    else:
        boundary = name or schematic
    if data_source is not None:
        source = data_source
    elif data.config.synthetic:
        source = text("map_source_data_synthetic", lang)
    else:
        source = text("map_source_data", lang, district=data.config.name, dataset=data.config.dataset)
    return text("map_source", lang, boundary=boundary, data=source)


def has_last_year(data: ReportData) -> bool:
    """True when at least one town has a year-on-year change (a valid value this month and in
    the same month last year), i.e. when a YoY map would show more than hatching."""
    return "yoy_pct" in data.ranking and bool(data.ranking["yoy_pct"].notna().any())


def cover_markdown(data: ReportData, language: str = "zh", *, title: bool = True) -> str:
    """Cover page (Markdown): title, district, month, data-validity summary, notices.

    ``title=False`` leaves the title out (the report prints it in :func:`cover_head_html`).

    The district name and code and the town names are escaped (:func:`airlib.escaping.markdown_text`).
    """
    m, v, cfg = data.month, data.validity, data.config
    t = TEXT[check_language(language)]
    name, code = markdown_text(cfg.name), markdown_text(cfg.district_code)
    invalid = [markdown_text(x) for x in v["towns_invalid"]]
    share = 100.0 * v["station_days_valid"] / v["station_days"] if v["station_days"] else 0.0
    now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    d = published_precision("pm25", m)
    precision = t[f"decimals_{d}"] if f"decimals_{d}" in t else t["decimals_n"].format(d=d)
    lines = [
        *(["# " + t["title"].format(district=name, year=m.year, month=m.month), ""] if title else []),
        t["cover_meta"].format(district=name, code=code, year=m.year, month=m.month, ym=str(m), now=now),
        "",
        *([t["cover_validity"], ""] if t["cover_validity"] else []),
        t["cover_stations"].format(stations=v["stations"], valid=v["station_days_valid"], total=v["station_days"],
                                   share=share),
        *([station_set_lines(v, language)] if "station_sets" in v else []),
        t["cover_towns"].format(towns=v["towns"], towns_valid=v["towns_valid"], standard=gb3095_label(m)),
    ]
    if v["towns_invalid"]:
        lines.append(t["cover_invalid"].format(names=t["list_sep"].join(invalid)))
    if t["cover_precision"]:
        lines.append(t["cover_precision"].format(precision=precision))
    lines.append("")
    if cfg.synthetic:
        lines += [t["cover_synthetic"], ""]
    return "\n".join(lines)


def ranking_summary_markdown(data: ReportData, language: str = "zh") -> str:
    """One paragraph (Markdown) built from the ranking table and checked against it
    (:func:`airlib.report.sentences.ranking_summary`, :func:`~airlib.report.sentences.require_true_summary`):
    range, first and last place (ties named), towns without data, the year-on-year case, and
    the warning count; town names escaped (:func:`airlib.escaping.markdown_text`).

    Raises
    ------
    AirlibError
        The sentence disagrees with the table (never printed).
    """
    summary = require_true_summary(ranking_summary(data.ranking, data.month, language), data.ranking)
    if summary.n_valid == 0:
        return summary.text
    return summary.text + text("summary_warnings", language, count=len(data.warnings))


def _reasons(data: ReportData) -> pd.DataFrame:
    r = getattr(data, "reasons", None)
    return r if r is not None and len(r) else pd.DataFrame(columns=list(REASON_SHEET_COLUMNS) + ["month", "kind"])


def _summons(data: ReportData) -> pd.DataFrame:
    s = getattr(data, "summons", None)
    return s if s is not None and len(s) else pd.DataFrame(columns=list(SUMMONS_SHEET_COLUMNS) + ["month"])


def _rule_list(items: Sequence[Any], language: str, key: str) -> str:
    """'W1 浓度排名后3名；W2 …' of the rules (labels escaped)."""
    return text("rules_sep", language).join(
        text(key, language, id=markdown_text(r.id), label=markdown_text(display_value(
            r.title() if hasattr(r, "title") and callable(r.title) else r.label, language))) for r in items)


def warning_rule_markdown(data: ReportData, language: str = "zh", *, meets_limit: float = 35.0) -> str:
    """The warning rules of the month (Markdown): the plan clause and its words, then every rule
    of the district's rule file with its threshold (:mod:`airlib.io.warning_rules`); escaped."""
    rules = getattr(data, "rules", None)
    if rules is None:
        return ""
    src = rules.rules[0].source
    limits = [r.meets_limit for r in rules.rules if r.kind == "yoy_worsening" and r.meets_limit is not None]
    limit = limits[0] if limits else meets_limit
    return text("warning_rule", language, clause=markdown_text(src.clause), quote=markdown_text(src.quote),
                rules=_rule_list(rules.rules, language, "warning_rule_item"), limit=f"{limit:g}")


def summons_rule_markdown(data: ReportData, language: str = "zh") -> str:
    """The 约谈 conditions of the rule file (Markdown, escaped), or "" when it has none."""
    rules = getattr(data, "rules", None)
    if rules is None or not rules.summons:
        return ""
    src = rules.summons[0].source
    return text("summons_rule", language, clause=markdown_text(src.clause), quote=markdown_text(src.quote),
                rules=_rule_list(rules.summons, language, "summons_rule_item"))


def warning_summary_markdown(data: ReportData, language: str = "zh") -> str:
    """The warning section's sentence (:func:`airlib.report.sentences.warning_summary`), checked
    against the reasons and 约谈 frames before it is printed.

    Raises
    ------
    AirlibError
        The sentence disagrees with the frames (never printed).
    """
    r, s = _reasons(data), _summons(data)
    return require_true_warning_summary(warning_summary(r, s, language), r, s).text


def warning_reasons_display(data: ReportData, language: str = "zh") -> pd.DataFrame | None:
    """Every warning reason of the month: town, reason, the figures behind it, the plan clause
    (strings, shown escaped by :func:`html_table`), or None when no town is warned."""
    r = _reasons(data)
    if r.empty:
        return None
    h = table_headers("warning_reasons", language)
    cols = [REASON_SHEET_COLUMNS[i] for i in _REASON_PDF]
    out = pd.DataFrame({h[i]: r[c].astype("string").fillna("—").to_numpy() for i, c in zip(_REASON_PDF, cols, strict=True)})
    out[h[3]] = out[h[3]].map(lambda v: display_value(v, language))
    if language != "zh":  # the Chinese detail sentence, said again from its numbers
        out[h[4]] = [_detail_en(k, v, t, u) for k, v, t, u in
                     zip(r["kind"], r["value"].astype("float64"), r["threshold"].astype("float64"), r["unit"], strict=True)]
    return out


def _detail_en(kind: str, value: float, threshold: float, unit: str) -> str:
    """English of a warning reason's figures (the Chinese ``detail`` holds the same numbers)."""
    if kind == "bottom_rank":
        return f"{int(value)} from the bottom (bottom {int(threshold)})"
    if kind == "yoy_worsening":
        return f"YoY {value:+.1f} % (threshold {threshold:g} %)"
    if kind in ("task_behind", "task_overdue"):
        return (f"{value:.1f} % of the tasks (threshold {threshold:g} %)" if unit == "%"
                else f"{int(value)} tasks (threshold {int(threshold)})")
    u = {"天": "days"}.get(str(unit), str(unit))
    return f"{value:.1f} {u} against a target level of {threshold:.1f} {u}"


def summons_display(data: ReportData, language: str = "zh") -> pd.DataFrame | None:
    """约谈 candidates: town, the rules' names, the conditions met with their months (in English:
    town, rule ids and months, the condition texts being Chinese); None when none."""
    s = _summons(data)
    if s.empty:
        return None
    h = table_headers("summons", language)
    shown = _SUMMONS_PDF if language == "zh" else (1, 2, 5)  # the condition texts are Chinese
    return pd.DataFrame({h[i]: s[SUMMONS_SHEET_COLUMNS[i]].astype("string").fillna("—").to_numpy() for i in shown})


def warning_history_display(data: ReportData, language: str = "zh") -> tuple[pd.DataFrame | None, str, str] | None:
    """The warned months of each town this season (:func:`airlib.tracking.supervision.warning_calendar`):
    (table or None when no town was warned, first month, last month); None without a history.
    Cells: number of reasons of the month as an integer, "—" when not warned."""
    from airlib.tracking.supervision import warning_calendar

    hist = getattr(data, "history", None)
    if hist is None:
        return None
    cal = warning_calendar(hist, data.month)
    months = [c for c in cal.columns if c not in ("town_code", "town_name", "n_months")]
    if not months:
        return None
    first, last = months[0], months[-1]
    if cal.empty:
        return None, first, last
    h = headers(language)
    out = pd.DataFrame({h["town_name"]: cal["town_name"].astype("string").fillna("—").to_numpy()})
    for m in months:
        out[m] = cal[m].map(lambda v: "—" if v == 0 else str(int(v))).to_numpy()
    return out, first, last


def progress_markdown(data: ReportData, language: str = "zh", prog: TaskProgress | None = None) -> str:
    """The first lines (Markdown) of one plan's task-progress block: the plan, the ledger
    month and the evaluation date; that the ledgers are stale (their last month and the
    months not reported) and that the plan has ended, when so. Without any task progress:
    that no plan is in force (``data.plans_in_force`` empty) or that no ledger covers the
    month. Plan title and months escaped."""
    prog = _plan_progress(data, prog)
    if prog is None:
        in_force = getattr(data, "plans_in_force", None)
        return text("no_plan_in_force" if in_force is not None and not in_force else "no_ledger", language)
    lines = [text("progress_plan", language, plan=markdown_text(prog.plan),
                  last=markdown_text(prog.last_ledger_month), as_of=f"{prog.as_of:%Y-%m-%d}")]
    if getattr(prog, "stale", False):
        sep = "、" if language == "zh" else ", "
        lines.append(text("progress_stale", language, last=markdown_text(prog.last_ledger_month),
                          missing=markdown_text(sep.join(prog.missing_months))))
    if getattr(prog, "closed", False):
        lines.append(text("progress_closed", language, end=markdown_text(prog.period[1])))
    return "\n\n".join(lines)


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
    head = text("ledger_problems", language)
    items = [text("ledger_problem_item", language, file=markdown_text(f), problem=markdown_text(why))
             for f, why in seen]
    return "\n".join([head, "", *items])


def _progress_frame(progress: TaskProgress | None, ranking: pd.DataFrame) -> pd.DataFrame | None:
    """ONE plan's town task scores beside the air-quality ranking, one row per town in task-rank
    order (numbers as numbers; on-time share in %), or None without task progress."""
    if progress is None:
        return None
    sc = progress.scores.copy()
    sc["town_code"] = sc["town_code"].astype("string")
    for c in ("on_time_share", "days_late_total", "remaining_text"):  # scores of an older airlib
        if c not in sc:
            sc[c] = pd.NA
    sc["on_time_pct"] = pd.to_numeric(sc["on_time_share"], errors="coerce").astype("float64") * 100
    aq = ranking[["town_code", "town_name", "pm25", "rank"]].copy()
    aq["town_code"] = aq["town_code"].astype("string")
    m = aq.merge(sc[["town_code", "n_tasks", "n_overdue", "score", "on_time_pct", "days_late_total",
                     "remaining_text", "rank"]], on="town_code", how="left", suffixes=("", "_task"))
    m = m.sort_values(["rank_task", "rank"], na_position="last", kind="stable")
    return m[["town_name", "score", "on_time_pct", "days_late_total", "rank_task", "n_tasks", "n_overdue",
              "pm25", "rank", "remaining_text"]].reset_index(drop=True)


def _remaining(values: pd.Series, language: str) -> pd.Series:
    """Remaining work per unit ("202 台；3.5 蒸吨") with the list separator of ``language``; "—"
    when nothing is left (the units are the plan's own words)."""
    out = values.astype("string")
    if language != "zh":
        out = out.str.replace("；", text("clause_sep", language), regex=False)
    return out.fillna("—")


def progress_summary_markdown(progress: TaskProgress | None, language: str = "zh") -> str | None:
    """One sentence on ONE plan's town task progress (on time, overdue and days late, the last
    in the task rank; :func:`airlib.report.sentences.progress_summary`), checked against the
    scores before it is shown; None without progress."""
    if progress is None or not len(progress.scores):
        return None
    return require_true_progress_summary(progress_summary(progress.scores, language), progress.scores).text


def progress_table(progress: TaskProgress | None, ranking: pd.DataFrame, month: pd.Period,
                   language: str = "zh") -> pd.DataFrame | None:
    """ONE plan's task-progress ranking beside the air-quality ranking (one row per town), or
    None: score, on-time completion %, days late, task rank, task counts (integers), PM2.5 at
    published precision and its rank, remaining work in each unit (last: the widest)."""
    m = _progress_frame(progress, ranking)
    if m is None:
        return None
    d = published_precision("pm25", month)
    fmt_i = lambda v: "—" if pd.isna(v) else str(int(v))  # noqa: E731
    f1 = lambda v: "—" if pd.isna(v) else f"{v:.1f}"  # noqa: E731
    not_ranked = text("not_ranked", language)
    columns = [
        m["town_name"].astype("string").fillna("—"),
        m["score"].map(f1),
        m["on_time_pct"].map(f1),
        m["days_late_total"].map(fmt_i),
        m["rank_task"].map(fmt_i),
        m["n_tasks"].map(fmt_i),
        m["n_overdue"].map(fmt_i),
        m["pm25"].map(lambda v: "—" if pd.isna(v) else f"{v:.{d}f}"),
        m["rank"].map(lambda v: not_ranked if pd.isna(v) else str(int(v))),
        _remaining(m["remaining_text"], language),
    ]
    out = pd.DataFrame(dict(zip(table_headers("progress", language), columns, strict=True)))
    return out.reset_index(drop=True)


def _goal(row: Any, language: str) -> str:
    """How a target is named in the tables and sentences: id, kind and value with its unit
    ("T01 同比下降25%", "C 不高于49µg/m³", "T02 同比下降20%", "H 不高于7天")."""
    from airlib.tracking.targets import COUNT_METRICS

    kind = display_value(row.kind_label, language)
    unit = "%" if row.kind != "absolute_cap" else (
        ("天" if language == "zh" else " days") if getattr(row, "metric", "") in COUNT_METRICS else "µg/m³")
    goal = f"{kind}{row.target_value:g}{unit}" if not pd.isna(row.target_value) else kind.strip()
    return f"{row.target_id} {goal}"


def _metric_rows(data: ReportData, metrics: Sequence[str]) -> pd.DataFrame:
    """Rows of ``data.targets`` of ``metrics`` (a frame without ``metric`` holds PM2.5 targets)."""
    t = data.targets
    if t is None or t.empty:
        return pd.DataFrame()
    if "metric" not in t:
        return t.reset_index(drop=True) if "pm25_mean" in metrics else pd.DataFrame()
    return t[t["metric"].isin(list(metrics)).to_numpy()].reset_index(drop=True)


def _targets_frame(data: ReportData, language: str = "zh") -> pd.DataFrame:
    """The PM2.5 targets table with numbers as numbers (columns of :data:`TARGET_COLUMNS`)."""
    t = _metric_rows(data, ("pm25_mean",))
    if t.empty:
        return pd.DataFrame(columns=list(TARGET_COLUMNS))
    goals = [_goal(r, language) for r in t.itertuples(index=False)]  # one row per target (a handful)
    start = pd.to_datetime(t["start"]).dt.strftime("%Y-%m-%d")
    end = pd.to_datetime(t["end"]).dt.strftime("%Y-%m-%d")
    out = pd.DataFrame({
        "goal": goals,
        "window": (start + text("range_sep", language) + end).to_numpy(),
        "current": t["current"].astype("float64").to_numpy(),
        "comparison": t["comparison"].astype("float64").to_numpy(),
        "change_pct": t["change_pct"].astype("float64").to_numpy(),
        "target_level": t["target_level"].astype("float64").to_numpy(),
        "status": t["status"].astype(str).map(lambda v: display_value(v, language)).to_numpy(),
        "allowance": t["allowance"].astype("float64").to_numpy(),
        "outlook": t["outlook"].astype("string").map(
            lambda v: v if pd.isna(v) else display_value(str(v), language)).astype("string").to_numpy(),
    })
    return out


#: Columns of the heavy-day targets table, in the order of :data:`airlib.report.texts.TABLE_HEADERS`
#: ``heavy_targets``: days so far, same window last year, last year's whole period, days allowed
#: for the whole period, days left (negative: over) [days].
HEAVY_TARGET_COLUMNS: Final[tuple[str, ...]] = (
    "goal", "window", "current", "comparison", "comparison_full", "allowed_total", "allowance", "status", "outlook",
)


def _heavy_targets_frame(data: ReportData, language: str = "zh") -> pd.DataFrame:
    """The heavy-pollution-day targets (:data:`HEAVY_TARGET_COLUMNS`), day counts as Int64."""
    from airlib.tracking.targets import COUNT_METRICS

    t = _metric_rows(data, tuple(COUNT_METRICS))
    if t.empty:
        return pd.DataFrame(columns=list(HEAVY_TARGET_COLUMNS))
    start = pd.to_datetime(t["start"]).dt.strftime("%Y-%m-%d")
    end = pd.to_datetime(t["end"]).dt.strftime("%Y-%m-%d")

    def days(c: str) -> pd.Series:
        return pd.to_numeric(t[c], errors="coerce").round(0).astype("Int64")

    return pd.DataFrame({
        "goal": [_goal(r, language) for r in t.itertuples(index=False)],
        "window": (start + text("range_sep", language) + end).to_numpy(),
        **{c: days(c).array for c in ("current", "comparison", "comparison_full", "allowed_total", "allowance")},
        "status": t["status"].astype(str).map(lambda v: display_value(v, language)).to_numpy(),
        "outlook": t["outlook"].astype("string").map(
            lambda v: "—" if pd.isna(v) else display_value(str(v), language)).astype("string").to_numpy(),
    })


def heavy_targets_display(data: ReportData, language: str = "zh") -> pd.DataFrame:
    """The district's heavy-pollution-day targets with their allowance (empty when none applies):
    days so far, the same window last year, last year's whole period, days allowed for the
    whole period and days left, as integers; "—" when missing."""
    t = _heavy_targets_frame(data, language)
    if t.empty:
        return pd.DataFrame()
    shown = t.astype({c: "string" for c in HEAVY_TARGET_COLUMNS}).fillna("—")
    shown.columns = list(table_headers("heavy_targets", language))
    return shown


def heavy_targets_markdown(data: ReportData, language: str = "zh") -> list[str]:
    """One sentence per heavy-pollution-day target (:func:`airlib.report.sentences.heavy_days_sentence`),
    each checked against its row before it is shown (:func:`~airlib.report.sentences.require_true_heavy_days_sentence`)."""
    from airlib.tracking.targets import COUNT_METRICS

    t = _metric_rows(data, tuple(COUNT_METRICS))
    out = []
    for i, r in enumerate(t.itertuples(index=False)):  # one row per target (a handful)
        row = t.iloc[i]
        sentence = heavy_days_sentence(row, markdown_text(_goal(r, language)), language)
        out.append(require_true_heavy_days_sentence(sentence, row).text)
    return out


#: Columns of the targets table, in the order of :data:`airlib.report.texts.TABLE_HEADERS` ``targets``.
TARGET_COLUMNS: Final[tuple[str, ...]] = (
    "goal", "window", "current", "comparison", "change_pct", "target_level", "status", "allowance", "outlook",
)


def targets_display(data: ReportData, language: str = "zh") -> pd.DataFrame:
    """The district's PM2.5 targets against the data (see :func:`airlib.report.data.district_targets`).

    The measured means (actual, last year) print at the published precision of their own
    period (the target period's start, and a year earlier), rounded per GB/T 8170; the
    computed target level and allowance with one decimal.
    """
    t = _targets_frame(data, language)
    if t.empty:
        return pd.DataFrame()
    f1 = lambda v: "—" if pd.isna(v) else f"{v:.1f}"  # noqa: E731
    starts = pd.to_datetime(_metric_rows(data, ("pm25_mean",))["start"]).reset_index(drop=True)

    def published(values: pd.Series, dates: pd.Series) -> pd.Series:
        """Measured means at the published precision of their own period (GB/T 8170)."""
        return pd.Series([
            "—" if pd.isna(v) else f"{round_published(float(v), 'pm25', d):.{int(published_precision('pm25', d))}f}"
            for v, d in zip(values, dates, strict=True)  # one row per target (a handful)
        ], dtype="string")

    cols = {
        "goal": t["goal"].astype(str), "window": t["window"].astype(str),
        "current": published(t["current"], starts),
        "comparison": published(t["comparison"], starts - pd.DateOffset(years=1)),
        "change_pct": t["change_pct"].map(lambda v: "—" if pd.isna(v) else f"{v:+.1f}"),
        "target_level": t["target_level"].map(f1), "status": t["status"].astype(str),
        "allowance": t["allowance"].map(f1), "outlook": t["outlook"].map(lambda v: "—" if pd.isna(v) else str(v)),
    }
    h = table_headers("targets", language)
    return pd.DataFrame({h[i]: cols[c].to_numpy() for i, c in enumerate(TARGET_COLUMNS)})


def target_plans_markdown(data: ReportData, language: str = "zh") -> str | None:
    """When the targets of the month come from more than one plan: which plan each target
    belongs to ("T01（2026-01-01～2026-12-31）：《…》"; titles escaped), so that two plans'
    targets of the same id are told apart. None for targets of a single plan."""
    t = data.targets
    if t is None or t.empty or "plan" not in t or t["plan"].nunique() < 2:
        return None
    sep = text("range_sep", language)
    items = [text("target_plan_item", language, id=markdown_text(r.target_id),
                  start=f"{pd.Timestamp(r.start):%Y-%m-%d}", end=f"{pd.Timestamp(r.end):%Y-%m-%d}", sep=sep,
                  plan=markdown_text(r.plan))
             for r in t.drop_duplicates(["plan", "target_id"]).itertuples(index=False)]  # a handful of rows
    return text("target_plans", language, items=text("list_sep", language).join(items))


#: Parameters of the run that go into the run record, in this order (paths made
#: project-relative by :func:`airlib.report.data.record_path`; the staging folder is left out).
RECORD_PARAMETERS: Final[tuple[str, ...]] = ("district", "month", "language", "bottom_n", "data_dir",
                                             "boundaries", "excel_name")


def record_parameters(params: dict[str, Any], project_root: Path) -> dict[str, Any]:
    """The run's parameters as recorded: :data:`RECORD_PARAMETERS` only, paths relative to
    the project (:func:`airlib.report.data.record_path`), never absolute."""
    from airlib.report.data import record_path

    out: dict[str, Any] = {}
    for k in RECORD_PARAMETERS:
        if k not in params or params[k] is None:
            continue
        v = params[k]
        out[k] = record_path(Path(v), project_root) if k in ("data_dir", "boundaries") else v
    return out


def inputs_digest(inputs: pd.DataFrame) -> str:
    """SHA-256 (hex) of the lines ``<file>  <sha256>`` of every input, sorted by file: one
    fingerprint of all the inputs of a run, printed in the appendix and kept in the record."""
    import hashlib

    lines = sorted(f"{f}  {h}" for f, h in zip(inputs["file"], inputs["sha256"], strict=True))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def run_record_dict(params: dict[str, Any], data: ReportData, project_root: Path,
                    letters: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The run-record JSON (written beside the PDF): parameters (:func:`record_parameters`),
    every input file with bytes and SHA-256 (project-relative paths), the inputs' fingerprint
    (:func:`inputs_digest`), package versions, and the 预警通知函 files written
    (``letters``: ``file`` relative to the report folder, ``bytes``, ``sha256``;
    :func:`airlib.report.letters.letter_records`); the runner adds ``timings_s`` (seconds per step)."""
    return {
        "report": "airlib monthly report",
        "district": data.config.name,
        "month": str(data.month),
        "generated": dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds"),
        "parameters": record_parameters(params, project_root),
        "inputs_sha256": inputs_digest(data.inputs),
        "inputs": [{"file": str(r.file), "bytes": int(r.bytes), "sha256": str(r.sha256)}
                   for r in data.inputs.itertuples(index=False)],
        "versions": dict(data.versions),
        "letters": [{"file": str(r["file"]), "bytes": int(r["bytes"]), "sha256": str(r["sha256"])} for r in letters],
    }


def _size(n: int) -> str:
    """``n`` bytes as B/kB/MB (1000-based, one decimal)."""
    for unit, f in (("MB", 1e6), ("kB", 1e3)):
        if n >= f:
            return f"{n / f:.1f} {unit}"
    return f"{n} B"


def record_html(record: dict[str, Any], file_name: str, language: str = "zh") -> str:
    """The run-record appendix (HTML, a few lines): where the record file is, the number and
    size of the inputs, their fingerprint, the parameters and the main versions. The full
    list of files and hashes is only in the JSON (``file_name``, beside the PDF)."""
    p = record["parameters"]
    inputs = record["inputs"]
    v = record["versions"]
    main = ", ".join(f"{k} {v[k]}" for k in ("airlib", "python", "pandas", "numpy", "matplotlib") if k in v)
    lines = [
        text("record_points", language, file=f"<code>{html_text(file_name)}</code>"),
        html_text(text("record_summary", language, n=len(inputs), size=_size(sum(i["bytes"] for i in inputs)),
                       digest=record["inputs_sha256"][:16] + "…")),
        html_text(text("record_params", language, district=p.get("district", ""), ym=p.get("month", ""),
                       lang=p.get("language", ""), n=p.get("bottom_n", ""), data=p.get("data_dir", ""))),
        html_text(text("record_versions", language, versions=main)),
    ]
    letters = record.get("letters") or []
    if letters:
        folder = letters[0]["file"].split("/")[0]
        lines.append(html_text(text("record_letters", language, n=len(letters), folder=folder,
                                    size=_size(sum(x["bytes"] for x in letters)))))
    return "<div class='airlib-record'>" + "".join(f"<p>{ln}</p>" for ln in lines) + "</div>"


def _values_in(table: pd.DataFrame, language: str) -> pd.DataFrame:
    """``table`` with its ``status`` and ``reason``/``reasons`` display values in ``language``
    (:func:`airlib.report.texts.display_value`)."""
    cols = [c for c in ("status", "reason", "reasons") if c in table]
    if language == "zh" or not cols:
        return table
    return table.assign(**{c: table[c].map(lambda v: display_value(v, language)) for c in cols})


def _concentration_format(month: pd.Period) -> str:
    """Excel number format of a PM2.5 value of ``month``: its published precision."""
    return decimal_format(int(published_precision("pm25", month)))


def _ranking_formats(month: pd.Period) -> dict[str, str]:
    """Number formats of the ranking columns: concentrations at the published precision of
    the year they belong to (this year's month, last year's month, both years to date),
    signed one-decimal percentages, integer ranks and days, arrows for the rank movement."""
    this, last = _concentration_format(month), _concentration_format(month - 12)
    out = {"pm25": this, "ytd": this, "pm25_last_year": last, "ytd_last_year": last,
           "rank_change": NUMBER_FORMATS["rank_change"]}
    for c in ("yoy_pct", "ytd_yoy_pct"):
        out[c] = NUMBER_FORMATS["signed_pct"]
    for c in ("rank", "yoy_rank", "ytd_rank", "ytd_yoy_rank", "rank_last_month", "valid_days"):
        out[c] = NUMBER_FORMATS["integer"]
    return out


def missing_reasons(table: pd.DataFrame, columns: Sequence[str], month: pd.Period,
                    language: str = "zh") -> tuple[str, ...]:
    """Why a ranking row shows "—" in ``columns``: one text per row ("" when nothing is missing).

    Parameters
    ----------
    table : DataFrame
        Rows of :func:`airlib.tracking.ranking.town_monthly_ranking` (``pm25``, ``valid_days``,
        ``pm25_last_year``, ``rank_last_month``, ``ytd``, ``ytd_last_year`` where present).
    columns : sequence of str
        The columns the sheet shows; only their gaps are explained.
    month : Period
        Report month (the days a valid month needs: 27, 25 in February; GB 3095 Table 4).
    language : {"zh", "en"}

    Returns
    -------
    tuple of str
    """
    from airlib.standards.validity import monthly_min_days

    need = int(monthly_min_days(np.array([month.month]))[0])
    n = len(table)
    parts: list[np.ndarray] = []

    def gap(col: str) -> np.ndarray:
        if col not in columns or col not in table:
            return np.zeros(n, dtype=bool)
        return table[col].isna().to_numpy(dtype=bool)

    no_month = gap("pm25")
    if no_month.any():
        days = (table["valid_days"].astype("Int64").fillna(0).astype(int).to_numpy()
                if "valid_days" in table else np.zeros(n, dtype=int))
        parts.append(np.array([text("why_month", language, days=d, need=need) if g else ""
                               for g, d in zip(no_month, days, strict=True)], dtype=object))
    for col, key in (("pm25_last_year", "why_last_year"), ("rank_last_month", "why_last_month"),
                     ("ytd", "why_ytd"), ("ytd_last_year", "why_ytd_last_year")):
        g = gap(col)
        if col == "rank_last_month":
            g = g & ~no_month  # no rank this month already explains the missing movement
        if g.any():
            parts.append(np.where(g, text(key, language), ""))
    if not parts:
        return ("",) * n
    sep = text("why_note_sep", language)
    return tuple(sep.join(x for x in row if x) for row in zip(*parts, strict=True))


def _round_columns(frame: pd.DataFrame, columns: Sequence[str], decimals: int) -> pd.DataFrame:
    """``frame`` with ``columns`` rounded to ``decimals`` (GB/T 8170, :func:`round_gbt8170`)."""
    out = frame.copy()
    for c in columns:
        out[c] = round_gbt8170(out[c].astype("float64"), decimals)
    return out


def workbook_tables(data: ReportData, language: str = "zh",
                    city: Sequence[WorkbookTable] = ()) -> list[WorkbookTable]:
    """The report workbook: one :class:`~airlib.report.excel.WorkbookTable` per table of the PDF.

    ``city``: the city-context sheets (:func:`airlib.report.city.city_workbook_tables`, built by
    the caller: that module sits beside this one). Sheets, in the PDF's order, those that exist
    for the month: 月排名 (bottom N shaded, as
    Table 1), 累计排名, 预警名单, 同比上升, 任务进展, 重点任务, 逾期任务, 目标, 重污染天数目标. Numbers stay numbers at
    published precision (:func:`_ranking_formats`); a "—" in the ranking sheets has its reason in
    the 说明 column (:func:`missing_reasons`). A new table of the report is one more entry here.
    """
    month = data.month
    t = TEXT[check_language(language)]
    h = headers(language)
    title = t["title"].format(district=data.config.name, year=month.year, month=month.month)
    if data.config.synthetic:
        title += "（" + t["synthetic"] + "）" if language == "zh" else f" ({t['synthetic']})"
    f = {"year": month.year, "month": month.month, "ym": str(month), "n": data.bottom_n,
         "district": data.config.name}
    fmt = _ranking_formats(month)
    foot = (t["xlsx_missing_note"],)

    def cap(key: str) -> str:  # the caption, with the table's number in the PDF (data.numbering)
        return text(f"table_{key}", language, no=data.numbering.table(key), **f) + caption_stations(
            data, f"table_{key}", language)

    def ranking_sheet(sheet: str, caption: str, frame: pd.DataFrame, columns: Sequence[str],
                      highlight: Sequence[int] = (), footnotes: tuple[str, ...] = ()) -> WorkbookTable:
        cols = ["town_code", *[c for c in columns if c in frame]]
        notes = missing_reasons(frame.reset_index(drop=True), cols, month, language)
        frame = _values_in(frame, language)  # status and reason texts in the workbook's language
        return WorkbookTable(
            sheet=sheet, title=title, caption=caption, frame=frame[cols].reset_index(drop=True),
            headers=h, formats=fmt, highlight_rows=tuple(highlight), notes=notes,
            note_header=t["note_header"], footnotes=footnotes + (foot if any(notes) else ()))

    ytd = data.ranking.sort_values(["ytd_rank", "town_code"], na_position="last")
    tables = [
        ranking_sheet(t["ranking"], cap("ranking"), data.ranking, MONTH_TABLE_COLUMNS,
                      bottom_row_positions(data), (text("ranking_note", language),)),
        ranking_sheet(t["ytd"], cap("ytd"), ytd, YTD_TABLE_COLUMNS),
    ]
    tables.extend(sand_dust_workbook_tables(data, language, title))  # 扣沙, after the ranking as in the PDF
    if getattr(data, "bulletin", None) is not None:  # the 月通报 tables, in the PDF's order
        from airlib.report.texts import bulletin_text

        for name in BULLETIN_TABLES:
            frame = bulletin_frame(data, name, language)
            notes = bulletin_notes(data, name, language)
            tables.append(WorkbookTable(
                sheet=bulletin_text(f"sheet_{name}", language), title=title,
                caption=bulletin_caption(data, name, language), frame=frame,
                formats=_bulletin_workbook_formats(data, name, language),
                notes=notes if any(notes) else (), note_header=t["note_header"],
                footnotes=tuple(bulletin_footnotes(data, name, language)[:1])))
        ranks = _bulletin_rank_frame(data, language)
        tables.append(WorkbookTable(
            sheet=bulletin_text("sheet_ranks", language), title=title,
            caption=bulletin_caption(data, "ranks", language),
            frame=ranks, formats={c: NUMBER_FORMATS["integer"] for c in ranks.columns[1:]},
            note_header=t["note_header"], footnotes=(bulletin_text("note_ranks", language),)))
    tables.extend(city)  # 全市各区排名 (after the bulletin tables, as in the PDF)
    if len(data.warnings):
        tables.append(ranking_sheet(t["warning"], cap("warnings"), data.warnings,
                                    WARNING_TABLE_COLUMNS))
    reasons = _reasons(data)
    if len(reasons):
        hr = dict(zip(REASON_SHEET_COLUMNS, table_headers("warning_reasons", language), strict=True))
        frame = reasons[list(REASON_SHEET_COLUMNS)].reset_index(drop=True).copy()
        frame["label"] = frame["label"].map(lambda v: display_value(v, language))
        tables.append(WorkbookTable(
            sheet=t["reasons_sheet"], title=title, caption=cap("warning_reasons"), frame=frame, headers=hr,
            note_header=t["note_header"]))
    if len(data.worsening):
        tables.append(ranking_sheet(t["worsening_sheet"], cap("worsening"), data.worsening,
                                    ("town_name", "pm25", "pm25_last_year", "yoy_pct")))
    summons = _summons(data)
    if len(summons):
        hs = dict(zip(SUMMONS_SHEET_COLUMNS, table_headers("summons", language), strict=True))
        tables.append(WorkbookTable(
            sheet=t["summons_sheet"], title=title, caption=cap("summons"),
            frame=summons[list(SUMMONS_SHEET_COLUMNS)].reset_index(drop=True), headers=hs,
            note_header=t["note_header"]))
    for i, plan_prog in enumerate(data.progress or []):
        prog = _progress_frame(plan_prog, data.ranking)
        if prog is None:
            continue
        suffix = "" if i == 0 else str(i + 1)  # one sheet per plan in force (names must differ)
        pcap = lambda key: progress_caption(data, plan_prog, key, language, **f)  # noqa: E731
        prog = _round_columns(prog, ("score", "on_time_pct"), 1)
        prog["remaining_text"] = _remaining(prog["remaining_text"], language)
        ph = dict(zip(prog.columns, table_headers("progress", language), strict=True))
        tables.append(WorkbookTable(
            sheet=t["progress_sheet"] + suffix, title=title, caption=pcap("progress"), frame=prog, headers=ph,
            formats={"score": NUMBER_FORMATS["decimals_1"], "on_time_pct": NUMBER_FORMATS["decimals_1"],
                     "pm25": fmt["pm25"],
                     **{c: NUMBER_FORMATS["integer"] for c in ("days_late_total", "rank_task", "n_tasks",
                                                               "n_overdue", "rank")}},
            note_header=t["note_header"], footnotes=(text("progress_rank_note", language),)))
        # the task tables as numbers (quantities beside a unit column, counts as integers)
        unit_h = {"unit": t["unit_header"]}
        # quantities keep Excel's General format: 202 and 3.5, no '202.0' (as in the PDF)
        if plan_prog.tasks is not None and len(plan_prog.tasks):
            tk = plan_prog.tasks.reset_index(drop=True)
            tf = pd.DataFrame({"task_id": tk["task_id"], "task": tk["task"], "unit": tk["unit"],
                               "target": tk["target"], "completed": tk["completed"], "remaining": tk["remaining"],
                               "rate": round_gbt8170(tk["completion_rate"].astype("float64") * 100, 1),
                               "deadline": pd.to_datetime(tk["deadline"]).dt.strftime("%Y-%m-%d"),
                               "units": _lead_responsible(tk, language), "n_overdue": tk["n_overdue"]})
            keys = [c for c in tf.columns if c != "unit"]
            tables.append(WorkbookTable(
                sheet=t["tasks_sheet"] + suffix, title=title, caption=pcap("tasks"), frame=tf,
                headers={**dict(zip(keys, table_headers("tasks", language), strict=True)), **unit_h},
                formats={"rate": NUMBER_FORMATS["decimals_1"],
                         "n_overdue": NUMBER_FORMATS["integer"]},
                note_header=t["note_header"]))
        if len(plan_prog.overdue):
            o = plan_prog.overdue.reset_index(drop=True)
            of = pd.DataFrame({"task_id": o["task_id"], "task": o["task"], "town_name": o["town_name"],
                               "unit": o["unit"], "target": o["target"], "completed": o["completed"],
                               "remaining": o["remaining"],
                               "deadline": pd.to_datetime(o["deadline"]).dt.strftime("%Y-%m-%d"),
                               "days_overdue": o["days_overdue"], "units": _lead_responsible(o, language)})
            keys = [c for c in of.columns if c != "unit"]
            tables.append(WorkbookTable(
                sheet=t["overdue_sheet"] + suffix, title=title, caption=pcap("overdue"), frame=of,
                headers={**dict(zip(keys, table_headers("overdue", language), strict=True)), **unit_h},
                formats={"days_overdue": NUMBER_FORMATS["integer"]},
                note_header=t["note_header"]))
    targets = _targets_frame(data, language)
    if not targets.empty:
        # stored as shown: measured means at the published precision of their own period (as the
        # PDF prints them), computed levels with one decimal (GB/T 8170)
        starts = pd.to_datetime(_metric_rows(data, ("pm25_mean",))["start"]).reset_index(drop=True)
        last = starts - pd.DateOffset(years=1)
        targets["current"] = round_published(targets["current"].astype("float64"), "pm25", starts)
        targets["comparison"] = round_published(targets["comparison"].astype("float64"), "pm25", last)
        targets = _round_columns(targets, ("change_pct", "target_level", "allowance"), 1)
        one = NUMBER_FORMATS["decimals_1"]
        tables.append(WorkbookTable(
            sheet=t["targets_sheet"], title=title, caption=cap("targets"), frame=targets,
            headers=dict(zip(TARGET_COLUMNS, table_headers("targets", language), strict=True)),
            formats={"current": decimal_format(int(published_precision("pm25", starts.iloc[0]))),
                     "comparison": decimal_format(int(published_precision("pm25", last.iloc[0]))),
                     "target_level": one, "allowance": one,
                     "change_pct": NUMBER_FORMATS["signed_pct"]},
            note_header=t["note_header"]))
    heavy = _heavy_targets_frame(data, language)
    if not heavy.empty:
        tables.append(WorkbookTable(
            sheet=t["heavy_targets_sheet"], title=title, caption=cap("heavy_targets"), frame=heavy,
            headers=dict(zip(HEAVY_TARGET_COLUMNS, table_headers("heavy_targets", language), strict=True)),
            formats={c: NUMBER_FORMATS["integer"] for c in HEAVY_TARGET_COLUMNS[2:7]},
            note_header=t["note_header"], footnotes=(text("heavy_note", language),)))
    fc = forecast_facts(data, language)
    if fc is not None:  # 五、重污染天气应对: 预报检验 (the PDF shows it after the targets)
        tables.append(WorkbookTable(
            sheet=t["forecast_sheet"], title=title, caption=cap("forecast_verification"), frame=fc["display"],
            footnotes=(fc["summary"].text.replace("\\", ""),)))
    tables.extend(dust_workbook_tables(data, title, language))  # 降尘, 道路尘土, 扬尘目标 (the 扬尘 section)
    return tables


def write_excel(data: ReportData, path: str | os.PathLike[str], language: str = "zh",
                city: Sequence[WorkbookTable] = ()) -> Path:
    """Write the report workbook (:func:`workbook_tables`; ``city``: the city-context sheets of
    :func:`airlib.report.city.city_workbook_tables`) to ``path`` atomically."""
    from airlib.report.excel import write_workbook

    return write_workbook(path, workbook_tables(data, language, city))


# ------------------------------------------------------------------ bulletin tables (item 1)
#: The bulletin tables of :class:`airlib.tracking.bulletin.Bulletin` (``ReportData.bulletin``).
BULLETIN_TABLES: Final[tuple[str, ...]] = ("monthly", "ytd", "days")

_POLLUTANT_COLUMNS: Final[tuple[str, ...]] = tuple(
    c for p in ("pm25", "pm10", "no2", "so2", "co", "o3") for c in (p, f"{p}_change_pct")
)
#: Columns each bulletin table shows in the PDF (all columns are in the workbook frame).
BULLETIN_PDF_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "monthly": ("name", *_POLLUTANT_COLUMNS, "composite", "composite_rank", "composite_change_pct",
                "composite_change_rank"),
    "ytd": ("name", *_POLLUTANT_COLUMNS, "composite", "composite_rank", "composite_change_pct",
            "composite_change_rank"),
    "days": ("name", "valid_days", "good_days", "good_share", "good_days_change", "good_days_change_rank",
             "heavy_days", "heavy_days_change", "heavy_days_change_rank",
             "ytd_good_days", "ytd_good_share", "ytd_good_days_change", "ytd_good_days_change_rank",
             "ytd_heavy_days", "ytd_heavy_days_change", "ytd_heavy_days_change_rank"),
}


def _bulletin_source(data: ReportData, table: str) -> pd.DataFrame:
    if table not in (*BULLETIN_TABLES, "ranks"):
        raise KeyError(f"bulletin table must be one of {(*BULLETIN_TABLES, 'ranks')}, not {table!r}")
    if data.bulletin is None:
        raise ValueError("the report data have no bulletin tables")
    return getattr(data.bulletin, table)


def bulletin_frame(data: ReportData, table: str, language: str = "zh") -> pd.DataFrame:
    """A bulletin table as numbers (for the workbook): every value column at published
    precision, missing values NaN/NA, reason columns left out (see :func:`bulletin_notes`),
    headers in ``language`` (:func:`airlib.report.texts.bulletin_header`).

    Parameters
    ----------
    data : ReportData
    table : {"monthly", "ytd", "days"}
    language : {"zh", "en"}

    Returns
    -------
    DataFrame
        The district row first, then the towns (order of :class:`~airlib.tracking.bulletin.Bulletin`).
    """
    from airlib.report.texts import bulletin_header

    src = _bulletin_source(data, table)
    cols = [c for c in src.columns if not c.endswith("_reason") and c != "level"]
    out = src[cols].copy()
    out.columns = [bulletin_header(c, language) for c in cols]
    return out.reset_index(drop=True)


def bulletin_notes(data: ReportData, table: str, language: str = "zh") -> tuple[str, ...]:
    """One text per row of a bulletin table explaining its "—" (empty: nothing missing)."""
    from airlib.report.texts import bulletin_text

    src = _bulletin_source(data, table)
    reasons = src.filter(regex="_reason$")
    sep = bulletin_text("list_sep", language)
    out = []
    for codes in reasons.itertuples(index=False):  # one row per town: a handful of rows
        seen = [c for c in dict.fromkeys(codes) if c]
        out.append(sep.join(bulletin_text(f"reason_{c}", language) for c in seen))
    return tuple(out)


def bulletin_display(data: ReportData, table: str, language: str = "zh") -> pd.DataFrame:
    """A bulletin table ready for the PDF: :data:`BULLETIN_PDF_COLUMNS`, headers in
    ``language``, values as text at published precision (PM2.5 by the period's year, CO one
    decimal, other concentrations integers, the index two decimals, % signed one decimal,
    ranks and days integers), missing values "—"."""
    from airlib.report.texts import bulletin_header
    from airlib.settings import DEFAULT

    src = _bulletin_source(data, table)
    out = pd.DataFrame(index=src.index)
    for c in BULLETIN_PDF_COLUMNS[table]:
        s = src[c]
        kind, d = _bulletin_column_format(c, data.month)
        if kind == "text":
            txt = s.astype("string").fillna("—")
        elif kind == "signed_pct":
            txt = s.astype("Float64").map(lambda v: "—" if pd.isna(v) else f"{v:+.1f}")
        elif kind in ("integer", "signed_integer"):
            signed = kind == "signed_integer"
            txt = s.astype("Float64").map(
                lambda v, signed=signed: "—" if pd.isna(v) else (f"{int(v):+d}" if signed else str(int(v))))
        else:
            txt = s.astype("Float64").map(lambda v, d=d: "—" if pd.isna(v) else f"{v:.{d}f}")
        out[bulletin_header(c, language)] = txt.astype("string").to_numpy()
    return out.reset_index(drop=True)


def _bulletin_column_format(column: str, month: pd.Period) -> tuple[str, int]:
    """How a bulletin column is published: ``(kind, decimals)`` with kind ``text``,
    ``signed_pct``, ``integer``, ``signed_integer`` or ``decimal`` (PM2.5 by the month's
    published precision, CO one decimal, the index ``composite_decimals``, shares one decimal,
    other concentrations integers). One rule for the PDF and the workbook."""
    from airlib.settings import DEFAULT

    base = column[4:] if column.startswith("ytd_") else column
    if column == "name":
        return "text", 0
    if base.endswith(("change_pct", "_share_change")):
        return "signed_pct", 1
    if base.endswith("days_change"):
        return "signed_integer", 0
    if base.endswith("rank") or base.endswith("_days"):
        return "integer", 0
    d = {"pm25": int(published_precision("pm25", month)), "co": 1, "composite": DEFAULT.composite_decimals,
         "good_share": 1}.get(base, 0)
    return "decimal", d


def _bulletin_workbook_formats(data: ReportData, table: str, language: str) -> dict[str, str]:
    """Excel number formats of :func:`bulletin_frame`'s columns (its headers), by the same
    rule as the PDF (:func:`_bulletin_column_format`)."""
    from airlib.report.texts import bulletin_header

    src = _bulletin_source(data, table)
    out = {}
    for c in src.columns:
        if c.endswith("_reason") or c == "level":
            continue
        kind, d = _bulletin_column_format(c, data.month)
        fmt = {"signed_pct": NUMBER_FORMATS["signed_pct"], "integer": NUMBER_FORMATS["integer"],
               "signed_integer": '+0;-0;0', "decimal": decimal_format(d)}.get(kind)
        if fmt is not None:
            out[bulletin_header(c, language)] = fmt
    return out


def bulletin_caption(data: ReportData, table: str, language: str = "zh") -> str:
    """Caption of a bulletin table with its number (``data.numbering``: the PDF's, for the
    workbook too)."""
    from airlib.report.texts import bulletin_text

    if table not in (*BULLETIN_TABLES, "ranks"):
        raise KeyError(f"bulletin table must be one of {(*BULLETIN_TABLES, 'ranks')}, not {table!r}")
    m = data.month
    return bulletin_text("table_no", language, no=data.numbering.table(f"bulletin_{table}")) + bulletin_text(
        f"caption_{table}", language, year=m.year, month=m.month) + caption_stations(data, f"table_bulletin_{table}", language)


def bulletin_rank_display(data: ReportData, language: str = "zh") -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    """The improvement rank (改善幅度排名) of each pollutant, month and year to date, for the PDF:
    ``(table, header groups)``; the rows and ranks of :func:`_bulletin_rank_frame` (district
    first), ranks as integers, "—" where a town has no year-on-year change."""
    from airlib.report.texts import BULLETIN_HEADERS
    from airlib.tracking.bulletin import BULLETIN_POLLUTANTS

    h = BULLETIN_HEADERS[language if language in BULLETIN_HEADERS else "zh"]
    frame = _bulletin_rank_frame(data, language)
    table = frame.copy()
    for c in frame.columns[1:]:
        table[c] = frame[c].map(lambda v: "—" if pd.isna(v) else str(int(v))).astype("string")
    table[frame.columns[0]] = frame[frame.columns[0]].fillna("—")
    n = len(BULLETIN_POLLUTANTS)
    table.columns = [h["name"], *[h[p] for p in BULLETIN_POLLUTANTS] * 2]
    return table, [("", 1), (h["month"], n), (h["ytd"], n)]


def _bulletin_rank_frame(data: ReportData, language: str = "zh") -> pd.DataFrame:
    """Each pollutant's improvement rank (``<p>_change_rank`` of
    :func:`airlib.tracking.bulletin.bulletin`, not recomputed), month then year to date, rows in
    the order of the month's table (district first): numbers, for the workbook (headers
    "当月 PM2.5" …) and, formatted, for the PDF (:func:`bulletin_rank_display`)."""
    from airlib.report.texts import BULLETIN_HEADERS
    from airlib.tracking.bulletin import BULLETIN_POLLUTANTS

    h = BULLETIN_HEADERS[language if language in BULLETIN_HEADERS else "zh"]
    month = _bulletin_source(data, "monthly").reset_index(drop=True)
    ytd = _bulletin_source(data, "ytd").set_index("code").reindex(month["code"]).reset_index(drop=True)
    out = pd.DataFrame({h["name"]: month["name"].astype("string").to_numpy()})
    for label, src in ((h["month"], month), (h["ytd"], ytd)):
        for p in BULLETIN_POLLUTANTS:
            out[f"{label} {h[p]}"] = src[f"{p}_change_rank"].astype("Float64").to_numpy()
    return out


def bulletin_header_rows(table: str, language: str = "zh") -> tuple[list[tuple[str, int]], list[str]]:
    """Two header rows of a bulletin table in the PDF: ``(groups, short headers)`` for
    :func:`html_table` (``groups=``) and the columns of :func:`bulletin_display`."""
    from airlib.report.texts import BULLETIN_HEADERS

    h = BULLETIN_HEADERS[language if language in BULLETIN_HEADERS else "zh"]
    if table in ("monthly", "ytd"):
        groups = [("", 1)] + [(h[p], 2) for p in ("pm25", "pm10", "no2", "so2", "co", "o3")] + [(h["composite"], 4)]
        short = [h["name"]] + [h["short_value"], h["short_change_pct"]] * 6 + [
            h["short_index"], h["short_rank"], h["short_change_pct"], h["short_change_rank"]]
    elif table == "days":
        groups = [("", 1), (h["month"], 8), (h["ytd"], 7)]
        month = [h["good_days"], h["short_share"], h["short_days_change"], h["short_change_rank"],
                 h["heavy_days"], h["short_days_change"], h["short_change_rank"]]
        short = [h["name"], h["valid_days"], *month, *month]
    else:
        raise KeyError(f"bulletin table must be one of {BULLETIN_TABLES}, not {table!r}")
    assert len(short) == len(BULLETIN_PDF_COLUMNS[table]) == sum(n for _, n in groups)
    return groups, short


def bulletin_footnotes(data: ReportData, table: str, language: str = "zh") -> list[str]:
    """Notes under a bulletin table: how it is read, and what each "—" means (each reason
    with the rows it applies to)."""
    from airlib.report.texts import bulletin_text
    from airlib.tracking.bulletin import REASONS

    notes = [bulletin_text({"monthly": "note_layout", "ytd": "note_ytd", "days": "note_days"}[table], language)]
    src = _bulletin_source(data, table)
    reasons = src.filter(regex="_reason$")
    names = src["name"].astype("string").fillna("").to_numpy()
    items = []
    for code in REASONS:  # one item per reason, naming the rows it explains
        rows = (reasons == code).any(axis=1).to_numpy()
        if rows.any():
            listed = text("list_sep", language).join(markdown_text(str(n)) for n in names[rows])
            items.append(bulletin_text("missing_item", language, reason=bulletin_text(f"reason_{code}", language),
                                       names=listed))
    if items:
        notes.append(bulletin_text("missing_note", language, items=bulletin_text("list_sep", language).join(items)))
    return notes


# ------------------------------------------------------------------ 扣沙 (docs/dust.md)
def _sand_dust_value(v: Any, quantity: str, month: pd.Period, language: str) -> Any:
    """A compared value as the table shows it: ranks as integers, concentrations at the
    published precision of the month (GB/T 8170), texts in the report's language, missing "—"."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "—"
    if isinstance(v, str):
        return display_value(v, language)
    if quantity.endswith("rank"):
        return int(v)
    pollutant = "pm10" if quantity.startswith("pm10") else "pm25"
    d = int(published_precision(pollutant, month))
    return f"{float(round_gbt8170(float(v), d)):.{d}f}"


def sand_dust_display(data: ReportData, language: str = "zh") -> pd.DataFrame | None:
    """The 扣沙 comparison table (``SandDust.comparison``) with headers and labels in
    ``language``; None when the district has no period list or nothing differs."""
    sd = getattr(data, "sand_dust", None)
    if sd is None or sd.comparison.empty:
        return None
    c = sd.comparison
    return pd.DataFrame({
        text("sand_dust_unit", language): c["unit"].astype(str).map(lambda x: display_value(x, language)),
        text("sand_dust_quantity", language): c["quantity"].map(lambda q: text(f"sd_{q}", language)),
        text("sand_dust_without", language): [_sand_dust_value(v, q, data.month, language)
                                              for v, q in zip(c["without"], c["quantity"], strict=True)],
        text("sand_dust_with", language): [_sand_dust_value(v, q, data.month, language)
                                           for v, q in zip(c["with"], c["quantity"], strict=True)],
    })


def sand_dust_markdown(data: ReportData, language: str = "zh") -> str | None:
    """The 扣沙 statement (Markdown), checked against the figures
    (:func:`airlib.report.sentences.require_true_sand_dust_statement`); it names the
    comparison table's number (``data.numbering``, key ``sand_dust``) when figures differ.
    None when the district has no ``dust_periods``."""
    from airlib.report.sentences import require_true_sand_dust_statement, sand_dust_statement

    sd = getattr(data, "sand_dust", None)
    if sd is None:
        return None
    n = len(sd.comparison)
    no = data.numbering.table("sand_dust") if n and sd.n_periods else None
    st = sand_dust_statement(sd.excluded, sd.n_periods, sd.hours, n if sd.n_periods else 0, no, language)
    return markdown_text(require_true_sand_dust_statement(st, sd).text)


def sand_dust_workbook_tables(data: ReportData, language: str, title: str) -> list[WorkbookTable]:
    """The 扣沙 sheets: the periods applied (``沙尘时段``) and, when figures differ, the
    comparison (``扣沙``, the same table as the PDF)."""
    sd = getattr(data, "sand_dust", None)
    if sd is None:
        return []
    periods = sd.periods[["start", "end", "area", "source", "row"]].copy()
    periods["start"] = pd.to_datetime(periods["start"]).dt.strftime("%Y-%m-%d %H:%M")
    periods["end"] = pd.to_datetime(periods["end"]).dt.strftime("%Y-%m-%d %H:%M")
    statement = sand_dust_markdown(data, language) or ""
    out = [WorkbookTable(sheet=text("sand_dust_periods_sheet", language), title=title,
                         caption=text("caption_sand_dust_periods", language), frame=periods,
                         footnotes=(statement.replace("\\", ""),))]
    table = sand_dust_display(data, language)
    if table is not None and sd.n_periods:
        out.append(WorkbookTable(sheet=text("sand_dust_sheet", language), title=title,
                                 caption=text("table_sand_dust", language, no=data.numbering.table("sand_dust"))
                                 + caption_stations(data, "table_sand_dust", language),
                                 frame=table))
    return out
def alert_facts(config: Any, episodes: pd.DataFrame | None, month: Any, language: str = "zh",
                project_root: Path | None = None, observed_from: Any = None) -> dict[str, Any] | None:
    """The numbers of the 重污染天气应对 section (None when the district has no ``alert_log``).

    Alerts of the district and of 全市 (:mod:`airlib.io.alert_log`, :mod:`airlib.tracking.alerts`):
    those in force during ``month``, its alert days, the alert days of the heating season up to
    the month's end (when the month's last day lies in one) and the verification over that
    season against ``episodes``, the district's observed alert episodes
    (:func:`airlib.tracking.alerts.district_episodes`, computed by
    :func:`airlib.report.data.prepare` as ``ReportData.alert_episodes``), from ``observed_from``
    (the first hour with a valid rolling AQI; no verification without it). Returns the checked
    :class:`airlib.report.sentences.AlertSummary` under ``"summary"`` and the frames it was made of.
    """
    from airlib.io.alert_log import read_alert_log
    from airlib.report.sentences import alert_summary, require_true_alert_summary
    from airlib.tracking.alerts import alert_days, issued_alerts, season_labels, verify_alerts

    if getattr(config, "alert_log", None) is None:
        return None
    from airlib.report.data import read_configured

    log = read_configured(config, "alert_log", project_root, read_alert_log)
    area = config.name
    m = pd.Period(month, freq="M")
    m0, m1 = m.start_time.normalize(), (m + 1).start_time.normalize()
    alerts = issued_alerts(log, area=area, as_of=m1)
    month_alerts = alerts[(alerts["end"] > m0) & (alerts["start"] < m1)]
    days = alert_days(log, area=area, as_of=m1)
    days = days[days["date"] < m1]
    month_days = days[days["date"] >= m0]
    last_day = pd.Series([m1 - pd.Timedelta(days=1)])
    season = str(season_labels(last_day, "heating").iloc[0])
    season_days = verification = period = None
    if season != "非采暖季":
        season_days = days[(season_labels(days["date"], "heating") == season).to_numpy()]
        span = pd.date_range(m1 - pd.Timedelta(days=200), m1 - pd.Timedelta(days=1), freq="D")
        s0 = span[(season_labels(pd.Series(span), "heating") == season).to_numpy()].min()
        if episodes is not None and observed_from is not None and pd.Timestamp(observed_from) < m1:
            s0 = max(s0, pd.Timestamp(observed_from).normalize())
            ends = episodes["end"]
            season_ep = episodes[((episodes["start"] < m1) & (ends.isna() | (ends > s0))).to_numpy(dtype=bool)]
            verification = verify_alerts(log, season_ep, area=area, period=(s0, m1))
            period = (f"{s0:%Y-%m-%d}", f"{m1 - pd.Timedelta(days=1):%Y-%m-%d}")
    ym = f"{m.year}年{m.month}月" if language == "zh" else str(m)
    shown = season if language == "zh" else season.replace("采暖季", " heating season")
    summary = alert_summary(month_alerts, month_days, ym, season=shown if season_days is not None else None,
                            season_days=season_days, verification=verification, period=period, language=language)
    require_true_alert_summary(summary, month_alerts, month_days, season_days, verification)
    return {"summary": summary, "month_alerts": month_alerts, "month_days": month_days,
            "season": season, "season_days": season_days, "verification": verification}



#: Columns of the 预报检验 table (:func:`forecast_display`), in order.
FORECAST_COLUMNS: Final[tuple[str, ...]] = (
    "lead_days", "n", "n_verified", "hit_rate", "bias", "mae", "heavy_observed", "heavy_forecast", "pod", "far")


def forecast_display(table: pd.DataFrame, language: str = "zh") -> pd.DataFrame:
    """The 预报检验 table as shown and exported: one row per lead day of
    :func:`airlib.tracking.forecasts.verify_forecasts` (``by=("lead_days",)``): forecasts, verified
    forecasts, category hit rate [%], bias and MAE [AQI] (GB/T 8170, one decimal), 重度+ days
    observed and forecast, POD and FAR of 重度+ [%] (one decimal; blank when undefined)."""
    out = table[list(FORECAST_COLUMNS)].copy()
    for c in ("hit_rate", "pod", "far"):
        out[c] = round_gbt8170(out[c].astype("float64") * 100.0, 1)
    for c in ("bias", "mae"):
        out[c] = round_gbt8170(out[c].astype("float64"), 1)
    out.columns = table_headers("forecast_verification", language)
    return out.reset_index(drop=True)


def forecast_facts(data: ReportData, language: str = "zh") -> dict[str, Any] | None:
    """The 预报检验 part of the 重污染天气应对 section: the checked sentence
    (:func:`airlib.report.sentences.forecast_summary`) and the display table, from
    ``data.forecast_verification``; None when the district has no ``forecasts``."""
    from airlib.report.sentences import forecast_summary, require_true_forecast_summary

    table = getattr(data, "forecast_verification", None)
    if table is None:
        return None
    m = data.month
    ym = f"{m.year}年{m.month}月" if language == "zh" else str(m)
    summary = require_true_forecast_summary(forecast_summary(table, ym, language), table)
    return {"summary": summary, "table": table, "display": forecast_display(table, language)}
