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
from airlib.report.texts import TEXT, check_language, display_value, headers, table_headers, text

__all__ = [
    "MONTH_TABLE_COLUMNS", "WARNING_TABLE_COLUMNS", "YTD_TABLE_COLUMNS", "bottom_row_positions",
    "cover_markdown", "display_table", "gb3095_label", "html_table", "ledger_problems_markdown",
    "overdue_display", "progress_markdown", "progress_table",
    "RECORD_PARAMETERS", "inputs_digest", "ranking_summary_markdown", "record_html", "record_parameters",
    "run_record_dict", "targets_display", "write_excel",
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
            if c in ("status", "reason"):  # the library's Chinese display values
                txt = txt.map(lambda v: display_value(v, language))
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
        kind = display_value(r.kind_label, language)
        goal = (f"{kind}{r.target_value:g}{'%' if r.kind != 'absolute_cap' else 'µg/m³'}"
                if not pd.isna(r.target_value) else kind.strip())
        rows.append(dict(zip(h, (
            f"{r.target_id} {goal}",
            f"{pd.Timestamp(r.start):%Y-%m-%d}{text('range_sep', language)}{pd.Timestamp(r.end):%Y-%m-%d}",
            f1(r.current),
            f1(r.comparison),
            "—" if pd.isna(r.change_pct) else f"{r.change_pct:+.1f}",
            f1(r.target_level),
            str(display_value(str(r.status), language)),
            f1(r.allowance),
            "—" if pd.isna(r.outlook) else str(display_value(str(r.outlook), language)),
        ), strict=True)))
    return pd.DataFrame(rows)


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


def run_record_dict(params: dict[str, Any], data: ReportData, project_root: Path) -> dict[str, Any]:
    """The run-record JSON (written beside the PDF): parameters (:func:`record_parameters`),
    every input file with bytes and SHA-256 (project-relative paths), the inputs' fingerprint
    (:func:`inputs_digest`), package versions; the runner adds ``timings_s`` (seconds per step)."""
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
    return "<div class='airlib-record'>" + "".join(f"<p>{ln}</p>" for ln in lines) + "</div>"


def _values_in(table: pd.DataFrame, language: str) -> pd.DataFrame:
    """``table`` with its ``status`` and ``reason`` display values in ``language``
    (:func:`airlib.report.texts.display_value`)."""
    cols = [c for c in ("status", "reason") if c in table]
    if language == "zh" or not cols:
        return table
    return table.assign(**{c: table[c].map(lambda v: display_value(v, language)) for c in cols})


def write_excel(data: ReportData, path: str | os.PathLike[str], language: str = "zh") -> Path:
    """Ranking tables → ``.xlsx`` (月排名, 累计排名, 预警名单, 后N名), Chinese headers."""
    from airlib.report.excel import write_tables

    month = data.month
    t = TEXT[check_language(language)]
    sheets = {
        t["ranking"]: _values_in(data.ranking, language),
        t["warning"]: _values_in(data.warnings, language),
        text("bottom_sheet", language, n=data.bottom_n): _values_in(data.bottom, language),
    }
    title_text = t["title"].format(district=data.config.name, year=month.year, month=month.month)
    if data.config.synthetic:
        title_text += "（" + t["synthetic"] + "）" if language == "zh" else f" ({t['synthetic']})"
    titles = {k: title_text for k in sheets}
    return write_tables(path, sheets, headers=headers(language), title=titles)
