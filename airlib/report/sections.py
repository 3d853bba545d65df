"""What the report notebook displays: one call per section, returning the display objects.

``notebooks/monthly_report.ipynb`` holds the narrative order and calls these; each function
returns the section's Markdown, HTML tables and figures (``IPython.display`` objects, shown
with ``display(*objs)``) built from :mod:`airlib.report.content`,
:mod:`airlib.report.figures`, :mod:`airlib.report.maps` and the texts of
:mod:`airlib.report.texts`. Figures are saved as PNG under ``request.figure_dir`` and the PDF
shows exactly those files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from airlib.report import content as C
from airlib.report import figures as F
from airlib.report.data import ReportData, prepare
from airlib.report.request import ReportRequest
from airlib.report.texts import text
from airlib.standards.rounding import published_precision  # the one published-precision rule

__all__ = [
    "cover", "interactive_maps", "maps", "monthly_ranking", "run_record",
    "start", "targets", "task_progress", "warnings", "write_workbook", "ytd_ranking",
]


def _md(s: str) -> Any:
    from IPython.display import Markdown

    return Markdown(s)


def _html(s: str) -> Any:
    from IPython.display import HTML

    return HTML(s)


def _fields(request: ReportRequest) -> dict[str, Any]:
    m = request.month
    return {"year": m.year, "month": m.month, "ym": str(m), "n": request.bottom_n}


def start(
    district: str,
    month: str | None = None,
    *,
    project_root: str | os.PathLike[str] | None = None,
    language: str = "zh",
    bottom_n: int | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    excel_name: str = "ranking.xlsx",
    interactive: bool = False,
    checked: bool = False,
) -> tuple[ReportRequest, ReportData]:
    """The notebook's one set-up call: headless matplotlib with Chinese fonts, the checked
    :class:`ReportRequest` and its :class:`ReportData`.

    Parameters
    ----------
    district, month, project_root, language, bottom_n, output_dir, excel_name, interactive
        The notebook's papermill parameters (see :meth:`ReportRequest.build`).
    checked : bool
        True when ``airlib report`` has already checked the store, boundaries and plans of
        this request before starting the kernel; they are then not checked again.

    Returns
    -------
    (ReportRequest, ReportData)
    """
    import matplotlib

    matplotlib.use("Agg")
    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    request = ReportRequest.build(
        district, month, project_root=project_root, language=language, bottom_n=bottom_n,
        output_dir=output_dir, excel_name=excel_name, interactive=interactive,
        check_inputs=not checked,
    )
    return request, prepare(request)


def cover(request: ReportRequest, data: ReportData) -> list[Any]:
    """Cover page: 发文单位, 文号, title and date (:func:`airlib.report.content.cover_head_html`),
    then district, month, data validity, notices."""
    return [_html(C.cover_head_html(data, request.language)), _md(C.cover_markdown(data, request.language, title=False))]


def monthly_ranking(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 1: heading, summary paragraph, Table 1 (bottom N shaded) and its note."""
    lang, f = request.language, _fields(request)
    dec = published_precision("pm25", request.month)  # published precision: integers through 2023, one decimal from 2024
    table = C.display_table(data.ranking, C.MONTH_TABLE_COLUMNS, lang, dec)
    return [
        _md(text("h_ranking", lang)),
        _md(C.ranking_summary_markdown(data, lang)),
        _html(C.html_table(table, caption=text("table1", lang, **f), highlight_rows=C.bottom_row_positions(data))),
        _md(text("ranking_note", lang)),
    ]


def ytd_ranking(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 1 (cont.): Table 2 (year to date) and the ranking bar figure."""
    lang, f = request.language, _fields(request)
    dec = published_precision("pm25", request.month)
    ytd = data.ranking.sort_values(["ytd_rank", "town_code"], na_position="last")
    return [
        _html(C.html_table(C.display_table(ytd, C.YTD_TABLE_COLUMNS, lang, dec), caption=text("table2", lang, **f))),
        F.show_figure(F.ranking_bar_figure(data, lang), request.figure_dir / "ranking_bar.png"),
    ]


def warnings(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 2: the warning rule, Table 3 (warning list) and Table 4 (worsening towns)."""
    lang, f = request.language, _fields(request)
    dec = published_precision("pm25", request.month)
    out = [_md(text("h_warning", lang)), _md(text("warning_rule", lang, **f))]
    if len(data.warnings):
        out.append(_html(C.html_table(C.display_table(data.warnings, C.WARNING_TABLE_COLUMNS, lang, dec),
                                      caption=text("table3", lang))))
    else:
        out.append(_md(text("no_warnings", lang)))
    if len(data.worsening):
        cols = ("town_name", "pm25", "pm25_last_year", "yoy_pct")
        out.append(_html(C.html_table(C.display_table(data.worsening, cols, lang, dec), caption=text("table4", lang))))
    else:
        out.append(_md(text("no_worsening", lang)))
    return out


def task_progress(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 3: plan and ledger month, Table 5 (task progress beside air quality), Table 6
    (overdue tasks), and the ledger files that could not be read."""
    lang = request.language
    out = [_md(text("h_progress", lang)), _md(C.progress_markdown(data, lang))]
    ptable = C.progress_table(data, lang)
    if ptable is not None:
        out.append(_html(C.html_table(ptable, caption=text("table5", lang))))
        od = C.overdue_display(data, lang)
        if od is not None:
            out.append(_html(C.html_table(od, caption=text("table6", lang))))
    note = C.ledger_problems_markdown(data, lang)
    if note:
        out.append(_md(note))
    return out


def targets(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 4: Table 7 and figure of the district PM2.5 targets (when one applies), and the
    district's monthly trend figure."""
    lang = request.language
    out = [_md(text("h_targets", lang))]
    tdisp = C.targets_display(data, lang)
    if tdisp.empty:
        out.append(_md(text("no_targets", lang)))
    else:
        out.append(_html(C.html_table(tdisp, caption=text("table7", lang))))
        tf = F.target_figure(data, lang)
        if tf is not None:
            out.append(F.show_figure(tf, request.figure_dir / "pm25_vs_target.png"))
    out.append(F.show_figure(F.trend_figure(data, lang), request.figure_dir / "district_trend.png"))
    return out


def _highlight(data: ReportData) -> list[Any]:
    return sorted(set(data.warnings["town_code"]))


def maps(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 5: static maps of the month's PM2.5 rank and year-on-year change (warning
    towns outlined), each with north arrow, scale bar and source line. Without last year's
    values the YoY map is replaced by one sentence; a district without a boundary file gets
    a note instead of the maps."""
    from airlib.report.maps import static_choropleth

    lang, f = request.language, _fields(request)
    out = [_md(text("h_maps", lang))]
    if data.boundaries is None:
        return [*out, _md(text("no_boundaries", lang))]
    hl = _highlight(data)
    src, north = C.map_source_line(data, lang), text("map_north", lang)
    f1 = static_choropleth(data.boundaries, data.ranking, "pm25", title=text("map_pm25", lang, **f),
                           highlight=hl, label_column="rank", source=src, north_label=north)
    out.append(F.show_figure(f1, request.figure_dir / "map_pm25_rank.png"))
    if not C.has_last_year(data):
        return [*out, _md(text("no_yoy_map", lang))]
    f2 = static_choropleth(data.boundaries, data.ranking, "yoy_pct", title=text("map_yoy", lang, **f),
                           highlight=hl, label_column="yoy_rank", source=src, north_label=north)
    out.append(F.show_figure(f2, request.figure_dir / "map_pm25_yoy.png"))
    return out


def interactive_maps(request: ReportRequest, data: ReportData) -> list[Any]:
    """Plotly maps for JupyterLab (none unless ``request.interactive``; not in the PDF)."""
    if not request.interactive or data.boundaries is None:
        return []
    from airlib.report.maps import plotly_choropleth

    hl = _highlight(data)
    yoy = text("map_yoy_interactive", request.language)
    return [plotly_choropleth(data.boundaries, data.ranking, "pm25", title="PM2.5", highlight=hl),
            plotly_choropleth(data.boundaries, data.ranking, "yoy_pct", title=yoy, highlight=hl)]


def write_workbook(request: ReportRequest, data: ReportData) -> Path:
    """Write the ranking workbook ``<output_dir>/<excel_name>`` (:func:`airlib.report.content.write_excel`)."""
    return C.write_excel(data, request.output_dir / request.excel_name, request.language)


def run_record(request: ReportRequest, data: ReportData) -> list[Any]:
    """Appendix: parameters, input files with SHA-256, package versions."""
    params = {k: v for k, v in request.parameters().items() if k != "interactive"}
    return [_md(text("h_record", request.language)), _html(C.record_html(params, data))]
