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
from airlib.standards.rounding import published_precision  # the one published-precision rule
from airlib.report.data import ReportData
from airlib.report.texts import RECORD_LABELS, TEXT, check_language, headers, table_headers, text

__all__ = [
    "MONTH_TABLE_COLUMNS", "WARNING_TABLE_COLUMNS", "YTD_TABLE_COLUMNS", "bottom_row_positions",
    "cover_head_html", "cover_markdown", "display_table", "gb3095_label", "has_last_year", "html_table",
    "ledger_problems_markdown", "map_source_line", "overdue_display", "progress_markdown", "progress_table",
    "ranking_summary_markdown", "record_html", "split_title", "targets_display", "write_excel",
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
        invalid = ~table["valid"].astype("boolean").fillna(False).to_numpy(dtype=bool)
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


def map_source_line(data: ReportData, language: str = "zh") -> str:
    """The source line under each map: the boundary file's name (with 「示意边界」 for schematic
    boundaries such as the demo's) and the data source (the district's stations and data set,
    or the synthetic demo data). Plain text: the map escapes it (:func:`airlib.escaping.mpl_text`).
    """
    lang = check_language(language)
    b = data.boundaries
    name = Path(str(b.attrs.get("source", ""))).name if b is not None else ""
    schematic = text("map_source_schematic", lang) if b is not None and b.attrs.get("schematic") else ""
    if name and schematic:
        boundary = f"{name}（{schematic}）" if lang == "zh" else f"{name} ({schematic})"
    else:
        boundary = name or schematic
    if data.config.synthetic:
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
    """One paragraph (Markdown): best and worst towns, the largest year-on-year improvement
    (Chinese only), warning count; town names escaped (:func:`airlib.escaping.markdown_text`)."""
    t = data.ranking
    valid = t[t["rank"].notna()]
    if valid.empty:
        return text("no_ranking", language)
    sep = text("list_sep", language)
    best = sep.join(markdown_text(x) for x in valid[valid["rank"] == 1]["town_name"])
    worst_rank = valid["rank"].max()
    worst = sep.join(markdown_text(x) for x in valid[valid["rank"] == worst_rank]["town_name"])
    d = published_precision("pm25", data.month)
    lo, hi = valid["pm25"].min(), valid["pm25"].max()
    s = text("summary", language, year=data.month.year, month=data.month.month, ym=str(data.month),
             n_valid=len(valid), lo=f"{lo:.{d}f}", hi=f"{hi:.{d}f}", best=best, worst=worst,
             worst_rank=int(worst_rank))
    if text("summary_yoy", language) and "yoy_rank" in t and t["yoy_rank"].notna().any():
        top = t[t["yoy_rank"] == 1]
        s += text("summary_yoy", language, towns=sep.join(markdown_text(x) for x in top["town_name"]),
                  pct=float(top["yoy_pct"].iloc[0]))
    return s + text("summary_warnings", language, count=len(data.warnings))


def progress_markdown(data: ReportData, language: str = "zh") -> str:
    """The task-progress section's first line (Markdown): the plan and the ledger month, or
    that no ledger covers the month; plan title escaped."""
    prog = data.progress
    if prog is None:
        return text("no_ledger", language)
    return text("progress_plan", language, plan=markdown_text(prog.plan),
                last=markdown_text(prog.last_ledger_month), as_of=f"{prog.as_of:%Y-%m-%d}")


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
    d = published_precision("pm25", data.month)
    fmt_i = lambda v: "—" if pd.isna(v) else str(int(v))  # noqa: E731
    not_ranked = text("not_ranked", language)
    columns = [
        m["town_name"].astype("string").fillna("—"),
        m["score"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
        m["rank_task"].map(fmt_i),
        m["n_tasks"].map(fmt_i),
        m["n_done"].map(fmt_i),
        m["n_overdue"].map(fmt_i),
        m["pm25"].map(lambda v: "—" if pd.isna(v) else f"{v:.{d}f}"),
        m["rank"].map(lambda v: not_ranked if pd.isna(v) else str(int(v))),
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
        goal = (f"{r.kind_label}{r.target_value:g}{'%' if r.kind != 'absolute_cap' else 'µg/m³'}"
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
    lab = RECORD_LABELS
    files = html_table(data.inputs.rename(columns={k: lab[k] for k in ("file", "bytes", "sha256")}))
    versions = html_text(", ".join(f"{k} {v}" for k, v in data.versions.items()))
    return (
        f"<div class='airlib-record'><h3>{lab['heading']}</h3>"
        f"<p><b>{lab['parameters']}</b></p><ul>{p}</ul>"
        f"<p><b>{lab['files']}</b></p>{files}"
        f"<p><b>{lab['versions']}</b></p><p>{versions}</p></div>"
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
