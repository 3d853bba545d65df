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
    "BULLETIN_PDF_COLUMNS", "BULLETIN_TABLES", "BULLETIN_TABLE_NUMBERS", "bulletin_caption", "bulletin_display", "bulletin_footnotes", "bulletin_frame",
    "bulletin_header_rows", "bulletin_notes",
    "MONTH_TABLE_COLUMNS", "WARNING_TABLE_COLUMNS", "YTD_TABLE_COLUMNS", "bottom_row_positions",
    "cover_markdown", "display_table", "gb3095_label", "html_table", "ledger_problems_markdown",
    "overdue_display", "progress_markdown", "progress_table",
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
        invalid = ~table["valid"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out.loc[invalid, h["rank"]] = text("no_valid_data", language)
    return out.reset_index(drop=True)


def html_table(frame: pd.DataFrame, *, caption: str | None = None, highlight_rows: Sequence[int] = (),
               groups: Sequence[tuple[str, int]] = (), compact: bool = False) -> str:
    """HTML of a display table (no index); rows in ``highlight_rows`` shaded red.

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
        style = ' style="background:#fde0dd"' if i in hl else ""
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
    t = TEXT[check_language(language)]
    name, code = markdown_text(cfg.name), markdown_text(cfg.district_code)
    invalid = [markdown_text(x) for x in v["towns_invalid"]]
    share = 100.0 * v["station_days_valid"] / v["station_days"] if v["station_days"] else 0.0
    now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    d = published_precision("pm25", m)
    precision = t[f"decimals_{d}"] if f"decimals_{d}" in t else t["decimals_n"].format(d=d)
    lines = [
        "# " + t["title"].format(district=name, year=m.year, month=m.month),
        "",
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
    if table not in BULLETIN_TABLES:
        raise KeyError(f"bulletin table must be one of {BULLETIN_TABLES}, not {table!r}")
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
    pm25_dec = published_precision("pm25", data.month)
    out = pd.DataFrame(index=src.index)
    for c in BULLETIN_PDF_COLUMNS[table]:
        s = src[c]
        base = c[4:] if c.startswith("ytd_") else c
        if c == "name":
            txt = s.astype("string").fillna("—")
        elif base.endswith(("change_pct", "_share_change")):
            txt = s.astype("Float64").map(lambda v: "—" if pd.isna(v) else f"{v:+.1f}")
        elif base.endswith("rank") or base.endswith("_days") or base.endswith("days_change"):
            signed = base.endswith("days_change")
            txt = s.astype("Float64").map(
                lambda v, signed=signed: "—" if pd.isna(v) else (f"{int(v):+d}" if signed else str(int(v))))
        else:
            d = {"pm25": pm25_dec, "co": 1, "composite": DEFAULT.composite_decimals, "good_share": 1}.get(base, 0)
            txt = s.astype("Float64").map(lambda v, d=d: "—" if pd.isna(v) else f"{v:.{d}f}")
        out[bulletin_header(c, language)] = txt.astype("string").to_numpy()
    return out.reset_index(drop=True)


#: Numbers of the bulletin tables: sub-numbers of Table 2's section (the PM2.5 ranking stays
#: Tables 1 and 2; the later tables keep their numbers).
BULLETIN_TABLE_NUMBERS: Final[dict[str, str]] = {"monthly": "2-1", "ytd": "2-2", "days": "2-3"}


def bulletin_caption(data: ReportData, table: str, language: str = "zh") -> str:
    """Caption of a bulletin table with its number (the PDF's, for the workbook too)."""
    from airlib.report.texts import bulletin_text

    if table not in BULLETIN_TABLES:
        raise KeyError(f"bulletin table must be one of {BULLETIN_TABLES}, not {table!r}")
    m = data.month
    return bulletin_text("table_no", language, no=BULLETIN_TABLE_NUMBERS[table]) + bulletin_text(
        f"caption_{table}", language, year=m.year, month=m.month)


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
