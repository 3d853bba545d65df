"""What the report notebook displays: one call per section, returning the display objects.

``notebooks/monthly_report.ipynb`` holds the narrative order and calls these; each function
returns the section's Markdown, HTML tables and figures (``IPython.display`` objects, shown
with ``display(*objs)``) built from :mod:`airlib.report.content`,
:mod:`airlib.report.figures`, :mod:`airlib.report.maps` and the texts of
:mod:`airlib.report.texts`. Figures are saved as PNG under ``request.figure_dir`` and the PDF
shows exactly those files. Every table caption (above the table) and figure caption (below
the figure) takes its number from ``data.numbering`` (:mod:`airlib.report.numbering`) when it
is shown, so the numbers run on without gaps whichever tables a month has.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from airlib.escaping import html_text, markdown_text
from airlib.report import content as C
from airlib.report import figures as F
from airlib.report.data import ReportData, prepare
from airlib.report.request import ReportRequest
from airlib.report.texts import TEXT, text

__all__ = [
    "dust", "heavy_pollution_response",
    "bulletin", "city_context", "cover", "interactive_maps", "letters", "maps", "monthly_ranking", "run_record", "start",
    "targets",
    "task_progress", "warnings", "write_workbook", "ytd_ranking",
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


def _table_caption(data: ReportData, key: str, language: str, fields: dict[str, Any]) -> str:
    """Caption ``table_<key>`` with the table's number (:class:`airlib.report.numbering.Numbering`)."""
    return text(f"table_{key}", language, no=data.numbering.table(key), **fields) + C.caption_stations(
        data, f"table_{key}", language)


def _figure(request: ReportRequest, data: ReportData, key: str, fig: Any, png: str) -> list[Any]:
    """The figure (saved as ``png`` under ``request.figure_dir``) and, below it, its numbered
    caption ``figure_<key>`` (the district name escaped)."""
    no = data.numbering.figure(key)
    caption = text(f"figure_{key}", request.language, no=no, district=data.config.name,
                   **_fields(request)) + C.caption_stations(data, f"figure_{key}", request.language)
    return [F.show_figure(fig, request.figure_dir / png),
            _html(f"<p class='airlib-figcaption' style='text-align:center;font-weight:bold'>{html_text(caption)}</p>")]


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


def city_context(request: ReportRequest, data: ReportData) -> list[Any]:
    """The district among Beijing's districts (全市各区排名情况): heading, one sentence checked
    against the table, the table of all districts (the district shaded blue) and its notes.

    Nothing when the district has no ``city_table`` configured; one note when it is configured
    but the month's file does not exist.
    """
    from airlib.report import city as CT

    lang = request.language
    if data.city is None:
        return []
    if data.city.ranking is None:
        return [_md(n) for n in CT.city_notes(data, lang)]
    f = dict(_fields(request), district=data.config.name)
    out = [_md(text("h_city", lang))]
    sentence = CT.city_sentence(data, lang)
    if sentence:
        out.append(_md(sentence))
    for which, key in (("month", "city"), ("ytd", "city_ytd")):
        table = CT.city_display(data, lang, table=which)
        if table is not None:
            out.append(_html(C.html_table(table, caption=_table_caption(data, key, lang, f), highlight_color="#dbe9f6",
                                          highlight_rows=CT.city_highlight_rows(data, which))))
    out.extend(_md(n) for n in CT.city_notes(data, lang))
    return out


def monthly_ranking(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 1: heading, summary paragraph, the ranking table (bottom N shaded) and its note."""
    lang, f = request.language, _fields(request)
    table = C.display_table(data.ranking, C.MONTH_TABLE_COLUMNS, lang, request.month)
    return [
        _md(text("h_ranking", lang)),
        _md(C.ranking_summary_markdown(data, lang)),
        _html(C.html_table(table, caption=_table_caption(data, "ranking", lang, f), highlight_rows=C.bottom_row_positions(data))),
        _md(text("ranking_note", lang)),
    ]


def ytd_ranking(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 1 (cont.): the year-to-date table, the ranking bar figure and, with
    ``dust_periods``, the 扣沙 statement and comparison table (:func:`_sand_dust`)."""
    lang, f = request.language, _fields(request)
    ytd = data.ranking.sort_values(["ytd_rank", "town_code"], na_position="last")
    return [
        _html(C.html_table(C.display_table(ytd, C.YTD_TABLE_COLUMNS, lang, request.month), caption=_table_caption(data, "ytd", lang, f))),
        *_figure(request, data, "ranking_bar", F.ranking_bar_figure(data, lang), "ranking_bar.png"),
        *_sand_dust(request, data),
    ]


def _sand_dust(request: ReportRequest, data: ReportData) -> list[Any]:
    """The 扣沙 statement (checked against its figures) and, where the figures with and without
    the exclusion differ, their table (docs/dust.md). Nothing without ``dust_periods``."""
    lang = request.language
    statement = C.sand_dust_markdown(data, lang)
    if statement is None:
        return []
    out = [_md(statement)]
    table = C.sand_dust_display(data, lang)
    if table is not None and data.sand_dust.n_periods:
        out.append(_html(C.html_table(table, caption=_table_caption(data, "sand_dust", lang, _fields(request)))))
    return out


def bulletin(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 1 (cont.): the 月通报 tables after the PM2.5 ranking: six pollutants and the
    composite index of the month and of the year to date, and good/heavy-pollution days,
    district row first, each with its notes explaining every "—"."""
    from airlib.report.texts import bulletin_text

    lang = request.language
    if data.bulletin is None:
        return []
    out = [_md(bulletin_text("h_bulletin", lang))]
    for table in C.BULLETIN_TABLES:
        caption = C.bulletin_caption(data, table, lang)
        groups, short = C.bulletin_header_rows(table, lang)
        shown = C.bulletin_display(data, table, lang).set_axis(short, axis=1)
        out.append(_html(C.html_table(shown, caption=caption, groups=groups, compact=True)))
        out.extend(_md(note) for note in C.bulletin_footnotes(data, table, lang))
    ranks, groups = C.bulletin_rank_display(data, lang)  # each pollutant's improvement rank
    out.append(_html(C.html_table(ranks, caption=C.bulletin_caption(data, "ranks", lang), groups=groups, compact=True)))
    out.append(_md(bulletin_text("note_ranks", lang)))
    return out


def warnings(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 2: the warning rules and their plan clause, the checked summary sentence, the
    warned towns, every reason with its figures and clause, the worsening towns, the 约谈
    candidates with the conditions met (or a sentence saying none) and the warned months of
    each town this season (each table only when it has rows, else one sentence)."""
    lang, f = request.language, _fields(request)
    out = [_md(text("h_warning", lang))]
    rule = C.warning_rule_markdown(data, lang)
    if rule:
        out.append(_md(rule))
    out.append(_md(C.warning_summary_markdown(data, lang)))
    if len(data.warnings):
        out.append(_html(C.html_table(C.display_table(data.warnings, C.WARNING_TABLE_COLUMNS, lang, request.month),
                                      caption=_table_caption(data, "warnings", lang, f))))
        reasons = C.warning_reasons_display(data, lang)
        if reasons is not None:
            out.append(_html(C.html_table(reasons, caption=_table_caption(data, "warning_reasons", lang, f),
                                          compact=True)))
    else:
        out.append(_md(text("no_warnings", lang)))
    if len(data.worsening):
        cols = ("town_name", "pm25", "pm25_last_year", "yoy_pct")
        out.append(_html(C.html_table(C.display_table(data.worsening, cols, lang, request.month), caption=_table_caption(data, "worsening", lang, f))))
    else:
        out.append(_md(text("no_worsening", lang)))
    summons_rule = C.summons_rule_markdown(data, lang)
    if summons_rule:
        out += [_md(text("h_summons", lang)), _md(summons_rule)]
        table = C.summons_display(data, lang)
        if table is None:
            out.append(_md(text("summons_summary_none", lang)))
        else:
            out.append(_html(C.html_table(table, caption=_table_caption(data, "summons", lang, f), compact=True)))
    hist = C.warning_history_display(data, lang)
    if hist is not None:
        table, first, last = hist
        if table is None:
            out.append(_md(text("no_warning_history", lang, first=first, last=last)))
        else:
            out.append(_html(C.html_table(table, caption=_table_caption(
                data, "warning_history", lang, {**f, "first": first, "last": last}), compact=True)))
    return out


def task_progress(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 3: for each plan in force with ledgers (``data.progress``): plan and ledger month
    (stale ledgers and an ended plan said so), task progress beside air quality (with the rank
    rule), the key tasks (district totals with deadlines and lead/responsible units), overdue
    tasks; then the ledger files that could not be read. Without any: why (no plan in force,
    or no ledger for the month)."""
    lang = request.language
    out = [_md(text("h_progress", lang))]
    if not data.progress:
        out.append(_md(C.progress_markdown(data, lang)))
    for prog in data.progress:  # one block per plan in force, each naming its plan and ledger month
        out.append(_md(C.progress_markdown(data, lang, prog)))
        out += _progress_tables(request, data, prog)
    note = C.ledger_problems_markdown(data, lang)
    if note:
        out.append(_md(note))
    return out


def _progress_tables(request: ReportRequest, data: ReportData, progress: Any) -> list[Any]:
    """ONE plan's task progress (a :class:`~airlib.report.data.TaskProgress`, or None: nothing):
    the checked summary sentence, task rank beside the air-quality rank and its note, key tasks,
    overdue tasks."""
    lang, f = request.language, _fields(request)
    ptable = C.progress_table(progress, data.ranking, data.month, lang)
    if ptable is None:
        return []
    summary = C.progress_summary_markdown(progress, lang)
    out = [_md(summary)] if summary else []
    out += [_html(C.html_table(ptable, caption=C.progress_caption(data, progress, "progress", lang, **f), compact=True)),
            _md(text("progress_rank_note", lang))]
    tasks = C.tasks_display(progress, lang)
    if tasks is not None:
        out.append(_html(C.html_table(tasks, caption=C.progress_caption(data, progress, "tasks", lang, **f), compact=True)))
    od = C.overdue_display(progress, lang)
    if od is not None:
        out.append(_html(C.html_table(od, caption=C.progress_caption(data, progress, "overdue", lang, **f), compact=True)))
    return out


def targets(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 4: table and figure of the district PM2.5 targets, the heavy-pollution-day
    targets with their allowance (sentence checked against the row, table, note) when one
    applies, and the district's monthly trend figure."""
    lang = request.language
    out = [_md(text("h_targets", lang))]
    tdisp = C.targets_display(data, lang)
    heavy = C.heavy_targets_display(data, lang)
    if tdisp.empty and heavy.empty:
        out.append(_md(text("no_targets", lang)))
    plans = C.target_plans_markdown(data, lang)  # two plans' targets may share an id (T01)
    if plans:
        out.append(_md(plans))
    if not tdisp.empty:
        out.append(_html(C.html_table(tdisp, caption=_table_caption(data, "targets", lang, _fields(request)))))
        tf = F.target_figure(data, lang)
        if tf is not None:
            out += _figure(request, data, "targets", tf, "pm25_vs_target.png")
    if not heavy.empty:
        out += [_md(s) for s in C.heavy_targets_markdown(data, lang)]
        out.append(_html(C.html_table(heavy, caption=_table_caption(data, "heavy_targets", lang, _fields(request)))))
        out.append(_md(text("heavy_note", lang)))
    out += _figure(request, data, "trend", F.trend_figure(data, lang), "district_trend.png")
    return out


def _tsp_blocks(request: ReportRequest, data: ReportData) -> list[Any]:
    """The TSP subsection of the 扬尘 section (:mod:`airlib.report.tsp_section`): for each half
    month of the report month the checked sentence, the district's towns in the city ranking and
    its first/last three; the towns' appearances in the 后30名 this year; the "退出后30名" targets;
    the rule note. Nothing when the district has no ``tsp`` configured."""
    from airlib.report.tsp_section import tsp_blocks_content

    return [_md(s) if kind == "md" else _html(s) for kind, s in tsp_blocks_content(data, request.language)]


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
                           highlight=hl, label_column="rank", source=src, north_label=north, language=lang)
    out += _figure(request, data, "map_pm25", f1, "map_pm25_rank.png")
    if not C.has_last_year(data):
        return [*out, _md(text("no_yoy_map", lang))]
    f2 = static_choropleth(data.boundaries, data.ranking, "yoy_pct", title=text("map_yoy", lang, **f),
                           highlight=hl, label_column="yoy_rank", source=src, north_label=north, language=lang)
    out += _figure(request, data, "map_yoy", f2, "map_pm25_yoy.png")
    return out


def interactive_maps(request: ReportRequest, data: ReportData) -> list[Any]:
    """Plotly maps for JupyterLab (none unless ``request.interactive``; not in the PDF)."""
    if not request.interactive or data.boundaries is None:
        return []
    from airlib.report.maps import plotly_choropleth

    hl = _highlight(data)
    yoy = text("map_yoy_interactive", request.language)
    return [plotly_choropleth(data.boundaries, data.ranking, "pm25", title="PM2.5", highlight=hl,
                              language=request.language),
            plotly_choropleth(data.boundaries, data.ranking, "yoy_pct", title=yoy, highlight=hl,
                              language=request.language)]


def _dust_figure(request: ReportRequest, data: ReportData, key: str, fig: Any, png: str) -> list[Any]:
    """A figure of the 扬尘 section with its numbered caption (texts of ``DUST_TEXT``)."""
    from airlib.report.texts import dust_text

    no = data.numbering.figure(key)
    caption = dust_text(f"figure_{key}", request.language, no=no, district=data.config.name, **_fields(request))
    return [F.show_figure(fig, request.figure_dir / png),
            _html(f"<p class='airlib-figcaption' style='text-align:center;font-weight:bold'>{html_text(caption)}</p>")]


def _dust_blocks(request: ReportRequest, data: ReportData, kind: str) -> list[Any]:
    """One subsection of the 扬尘 section (``kind``: ``dustfall`` or ``road_dust``): heading, the
    sentence (checked against the table, :func:`airlib.report.sentences.require_true_dust_summary`),
    the towns' table, its note, the targets table and the town map. Nothing when not configured."""
    from airlib.report import dust as D
    from airlib.report.sentences import dust_summary, require_true_dust_summary
    from airlib.report.texts import dust_text

    table = getattr(data.dust, D.DUST_KINDS[kind][0]) if data.dust is not None else None
    if table is None:
        return []
    lang, f = request.language, _fields(request)
    out = [_md(dust_text(f"h_{kind}", lang))]
    what = METRIC_WORDS[kind][lang]
    if table["value"].notna().sum() == 0:
        return [*out, _md(dust_text("no_month_data", lang, what=what, **f))]
    district_value = getattr(data.dust, D.DUST_KINDS[kind][2])
    s = dust_summary(table, district_value, what, dust_text(f"{kind}_unit", lang), request.month, lang)
    out.append(_md(require_true_dust_summary(s, table, district_value).text))
    caption = dust_text(f"table_{kind}", lang, no=data.numbering.table(kind), **f)
    out.append(_html(C.html_table(D.town_display(data, kind, lang), caption=caption)))
    out.append(_md(dust_text(f"{kind}_note", lang, base=data.dust.base_year)))
    targets = D.target_frame(data, kind, lang)
    if not targets.empty:
        tcap = dust_text(f"table_{kind}_targets", lang, no=data.numbering.table(f"{kind}_targets"))
        shown, common = D.factor_constant_columns(targets.astype(object).where(targets.notna(), "—"))
        if common:  # one plan and one target for every row: said once above the table, not in each row
            out.append(_md(("；" if lang == "zh" else "; ").join(
                f"{markdown_text(k)}{'：' if lang == 'zh' else ': '}{markdown_text(v)}" for k, v in common.items())))
        out.append(_html(C.html_table(shown, caption=tcap)))
        out.append(_md(dust_text("targets_note", lang)))
    if data.boundaries is not None:
        from airlib.report.maps import static_choropleth

        fig = static_choropleth(data.boundaries, table, "value", title=dust_text(f"map_{kind}", lang, **f),
                                legend_label=dust_text(f"col_value_{kind}", lang), label_column="rank",
                                source=C.map_source_line(data, lang, _dust_sources(data, kind, lang)), language=lang)
        out += _dust_figure(request, data, f"map_{kind}", fig, f"map_{kind}.png")
    return out


def _dust_sources(data: ReportData, kind: str, language: str) -> str:
    """The dust sheets' file names (plain text; the map escapes it)."""
    frame = getattr(data.dust, kind)
    names = "、".join(sorted(set(frame["source"].astype(str))))
    if not data.config.synthetic:
        return names
    return f"{names}（合成数据）" if language == "zh" else f"{names} (synthetic)"


#: How the sentences name each quantity.
METRIC_WORDS: dict[str, dict[str, str]] = {"dustfall": {"zh": "降尘量", "en": "dustfall"},
                                           "road_dust": {"zh": "道路尘土残存量", "en": "road-dust load"}}


def _dustfall_blocks(request: ReportRequest, data: ReportData) -> list[Any]:
    """The 降尘 subsection (docs/dust.md): sentence, town table (月降尘量, rank, YoY, change on the
    base year), note, dustfall targets, map."""
    return _dust_blocks(request, data, "dustfall")


def _road_dust_blocks(request: ReportRequest, data: ReportData) -> list[Any]:
    """The 道路尘土残存量 subsection: sentence, town table, note, the road-dust targets (6 g/m²), map."""
    return _dust_blocks(request, data, "road_dust")


#: Subsection builders of the 扬尘 section, in order, each ``(request, data) -> list``: 降尘,
#: 粗颗粒物（TSP）, 道路尘土残存量 (the order of issue #14 and of the plans' targets).
DUST_SUBSECTIONS: list[Any] = [_dustfall_blocks, _tsp_blocks, _road_dust_blocks]


def dust(request: ReportRequest, data: ReportData) -> list[Any]:
    """Section 7 扬尘 (docs/dust.md): present only when the district configures dust data
    (``dustfall``, ``road_dust`` or ``tsp``); otherwise nothing, not even the heading. Its
    subsections are the builders of :data:`DUST_SUBSECTIONS`."""
    from airlib.report.dust import has_dust
    from airlib.report.texts import dust_text

    if not has_dust(data):
        return []
    out = [_md(dust_text("h_dust", request.language))]
    for build in DUST_SUBSECTIONS:
        out += build(request, data)
    return out


def write_workbook(request: ReportRequest, data: ReportData) -> Path:
    """Write the report workbook ``<output_dir>/<excel_name>``, one sheet per table of the PDF
    (:func:`airlib.report.content.write_excel`)."""
    from airlib.report import city as CT

    t = TEXT[request.language]
    title = t["title"].format(district=data.config.name, year=request.month.year, month=request.month.month)
    if data.config.synthetic:
        title += "（" + t["synthetic"] + "）" if request.language == "zh" else f" ({t['synthetic']})"
    city = CT.city_workbook_tables(data, title, t["note_header"], request.language)
    from airlib.report.tsp_section import tsp_workbook_tables

    city = [*city, *tsp_workbook_tables(data, title, request.language)]  # sheets TSP, TSP后30名
    return C.write_excel(data, request.output_dir / request.excel_name, request.language, city)


def letters(request: ReportRequest, data: ReportData, *, issued: Any = None) -> list[Any]:
    """Section 6: the 预警通知函 (DOCX and PDF) of every warned town, written into
    ``<output_dir>/预警通知函/`` (:mod:`airlib.report.letters`), and one sentence: how many
    were issued, to whom, where, and the response deadline. The reasons are the report's
    ``data.reasons`` (:func:`airlib.report.letters.report_reasons`). No warned town: no folder, one sentence.

    The letters are Chinese documents and belong to the Chinese report: only a ``zh`` run
    writes them (an ``en`` run keeps the month's letters as they are, see
    :mod:`airlib.report.running`, and says which towns get one), so the Chinese run record's
    hashes stay true.

    Parameters
    ----------
    issued : date, optional
        Date of the letters; default today in Beijing (:func:`airlib.periods.beijing_today`).
    """
    from airlib.escaping import markdown_text
    from airlib.periods import beijing_today
    from airlib.report import letters as LT
    from airlib.report.config import letter_template_path

    lang = request.language
    reasons = LT.report_reasons(data)
    contexts = LT.letter_contexts(reasons, data.ranking, data.config, request.month, issued=issued or beijing_today())
    out = [_md(text("h_letters", lang))]
    if not contexts:
        return [*out, _md(text("no_letters", lang))]
    towns = ("、" if lang == "zh" else ", ").join(markdown_text(c["town_name"]) for c in contexts)
    if lang != "zh":
        return [*out, _md(text("letters_issued", lang, n=len(contexts), towns=towns))]
    LT.write_letters(contexts, request.output_dir / LT.LETTER_FOLDER,
                     template=letter_template_path(data.config, request.project_root))
    return [*out, _md(text("letters_issued", lang, n=len(contexts), towns=towns, folder=markdown_text(LT.LETTER_FOLDER),
                           deadline=markdown_text(contexts[0]["deadline"])))]


def run_record(request: ReportRequest, data: ReportData) -> list[Any]:
    """Appendix: writes the run-record JSON ``<output_dir>/<record_name>`` (atomically;
    :func:`airlib.report.content.run_record_dict`), with every letter file of
    ``<output_dir>/预警通知函/`` (name, bytes, SHA-256), and shows the few lines that point to it."""
    import json

    from airlib.files import atomic_write_text
    from airlib.report.letters import LETTER_FOLDER, letter_records

    record = C.run_record_dict(request.parameters(), data, request.project_root,
                               letters=letter_records(request.output_dir / LETTER_FOLDER, request.output_dir))
    atomic_write_text(request.output_dir / request.record_name,
                      json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    return [_md(text("h_record", request.language)),
            _html(C.record_html(record, request.record_name, request.language))]


def heavy_pollution_response(request: ReportRequest, data: ReportData) -> list[Any]:
    """五、重污染天气应对: alerts in force this month, alert days this heating season and the
    verification counts, in one checked paragraph and a note on the counting rules (with
    ``alert_log``), and the month's 预报检验 sentence and table (with ``forecasts``). Nothing
    when the district configures neither (docs/alerts.md)."""
    lang = request.language
    facts = C.alert_facts(data.config, data.alert_episodes, request.month, lang, request.project_root,
                          data.observed_from)
    fc = C.forecast_facts(data, lang)
    if facts is None and fc is None:
        return []
    out = [_md(text("h_alerts", lang))]
    if facts is not None:
        out += [_md(facts["summary"].text), _md(text("alerts_note", lang))]
    if fc is not None:
        out.append(_md(fc["summary"].text))
        out.append(_html(C.html_table(fc["display"], caption=_table_caption(
            data, "forecast_verification", lang, _fields(request)))))
    return out
