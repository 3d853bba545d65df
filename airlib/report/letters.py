"""预警通知函: one warning notification letter per warned town, as DOCX and PDF.

A letter gives the town's figures of the month (PM2.5 month mean, rank of N, year-on-year
change, year to date), every warning reason that applies with its numbers and the plan
clause it comes from, and the deadline of the town's written response (书面回复); it is
addressed to the town's government (镇/乡人民政府) or sub-district office (街道办事处) and
signed by the district's issuer (``issuer`` of districts.yaml).

- :func:`letter_contexts` builds one plain dict per warned town (the template's tags, see
  docs/report.md, "预警通知函") from the long warning-reasons frame (the shared interface of
  ``airlib.tracking.supervision.warning_reasons``: :data:`REASON_COLUMNS`) and the month's
  town ranking (:func:`airlib.tracking.ranking.town_monthly_ranking`); numbers are printed
  by the report's own display rule (:func:`airlib.report.content.display_table`).
- :func:`write_letters` renders each context into the Word template with **docxtpl** and
  prints the same context, as escaped HTML, to PDF with the report's hardened Chromium
  printer (:mod:`airlib.report.rendering`); everything is written into a staging folder
  beside ``<report folder>/预警通知函/`` and swapped in at the end, so that a failed run
  leaves the previous letters as they were.

Why docxtpl (not python-docx alone): the bureau edits the letter in Word — letterhead,
wording, fonts, its 联系人 line — and the tags (``{{ town_name }}``, a ``{%tr for %}`` row of
the reasons table) stay where the bureau put them; with python-docx the layout would live
in code. docxtpl renders with Jinja2, here in a sandboxed environment with autoescape on
(``& < >`` in a town name become XML entities) and strict undefined tags (a misspelt tag is
an error naming it, not an empty field); values are text and never evaluated as template
code. python-docx builds the shipped template once (``scripts/make_letter_template.py``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.errors import AirlibError
from airlib.escaping import docx_text, html_text
from airlib.files import exchange_dirs, sha256_file
from airlib.periods import parse_month
from airlib.report.cleanup import owned_prefix
from airlib.report.config import DEFAULT_LETTER_TEMPLATE, DistrictConfig, check_folder_name
from airlib.report.errors import ReportError
from airlib.settings import DEFAULT, Settings

__all__ = [
    "DEFAULT_TEMPLATE", "LETTER_FOLDER", "REASON_COLUMNS", "addressee", "letter_context", "letter_contexts",
    "letter_file_stem", "letter_html", "letter_records", "report_reasons",
    "response_deadline", "write_letters",
]

#: Sub-folder of the report folder that holds the letters.
LETTER_FOLDER: Final[str] = "预警通知函"
#: The shipped Word template (:data:`airlib.report.config.DEFAULT_LETTER_TEMPLATE`).
DEFAULT_TEMPLATE: Final[Path] = DEFAULT_LETTER_TEMPLATE
#: Columns of the long warning-reasons frame (shared interface, issue #13).
REASON_COLUMNS: Final[tuple[str, ...]] = (
    "month", "town_code", "town_name", "rule_id", "kind", "label", "detail", "value", "threshold", "unit",
    "plan", "clause", "quote",
)
#: Ranking columns a letter prints (display strings by :func:`airlib.report.content.display_table`).
_FIGURE_COLUMNS: Final[tuple[str, ...]] = ("pm25", "rank", "yoy_pct", "ytd", "ytd_rank", "pm25_last_year")
#: Unit printed after concentrations.
_UNIT: Final[str] = "µg/m³"


def _zh_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def response_deadline(issued: dt.date, working_days: int) -> dt.date:
    """Date by which a warned town answers in writing: ``working_days`` working days
    (Monday–Friday) after the letter's date ``issued`` (a letter dated on a weekend counts
    from the next Monday).

    Public holidays and make-up working days (调休) are not known; the setting is
    ``Settings.letter_response_days`` (UNVERIFIED, default 5) or the district's
    ``letter_response_days``.

    Parameters
    ----------
    issued : date
        Date of the letter.
    working_days : int
        Working days allowed [d], ≥ 1.

    Returns
    -------
    date

    Raises
    ------
    AirlibError
        ``working_days`` is not a whole number ≥ 1.
    """
    if isinstance(working_days, bool) or not isinstance(working_days, (int, np.integer)) or working_days < 1:
        raise AirlibError(f"the response time of a warning letter must be a whole number of working days ≥ 1, "
                          f"not {working_days!r} (setting letter_response_days)")
    start = np.busday_offset(np.datetime64(issued, "D"), 0, roll="forward")
    return pd.Timestamp(np.busday_offset(start, int(working_days))).date()


def addressee(town_name: str) -> str:
    """主送 of a town's letter: ``<name>办事处`` for a 街道 or 地区 (地区办事处), otherwise
    ``<name>人民政府`` (镇/乡)."""
    return f"{town_name}办事处" if town_name.endswith(("街道", "地区")) else f"{town_name}人民政府"


def report_reasons(data: Any) -> pd.DataFrame:
    """The warning reasons of a report (``data.reasons``: :func:`airlib.tracking.supervision.warning_reasons`
    of the month, by the district's rule file) — the one source of who is warned and why."""
    return data.reasons


def _check_reasons(reasons: pd.DataFrame) -> None:
    missing = [c for c in REASON_COLUMNS if c not in reasons]
    if missing:
        raise AirlibError(f"the warning reasons lack the column(s) {', '.join(missing)}; expected "
                          f"{', '.join(REASON_COLUMNS)} (airlib.tracking.supervision.warning_reasons)")


def _figures_text(c: dict[str, Any]) -> str:
    """The letter's sentence of the town's figures, from the context's display strings."""
    head = f"{c['year']}年{c['month_no']}月，{c['town_name']}"
    if c["pm25"] == "—":
        return head + "PM2.5有效监测天数不足，无月均浓度和排名。"
    s = f"{head}PM2.5月均浓度为{c['pm25']} {_UNIT}，在全区{c['n_ranked']}个乡镇街道中排名第{c['rank']}（按浓度由低到高）"
    yoy = c["yoy_pct"]
    if yoy == "—":
        s += "，去年同期无有效数据，无同比变化"
    else:
        v = float(yoy)
        s += "，同比持平" if v == 0 else f"，同比{'上升' if v > 0 else '下降'}{abs(v):.1f}%"
    if c["ytd"] != "—":
        s += f"；{c['year']}年初至今累计浓度为{c['ytd']} {_UNIT}"
        if c["ytd_rank"] != "—":
            s += f"，排名第{c['ytd_rank']}"
    return s + "。"


def letter_contexts(
    reasons: pd.DataFrame,
    ranking: pd.DataFrame,
    config: DistrictConfig,
    month: Any,
    *,
    issued: dt.date,
    response_days: int | None = None,
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """One template context (plain dict of text) per warned town, worst rank first.

    Parameters
    ----------
    reasons : DataFrame
        Long warning reasons, one row per (town, rule that applies), columns
        :data:`REASON_COLUMNS` (:func:`airlib.tracking.supervision.warning_reasons`,
        the report's ``data.reasons``). Rows of other months are ignored.
    ranking : DataFrame
        The month's town ranking (:func:`airlib.tracking.ranking.town_monthly_ranking`:
        ``town_code``, ``pm25`` [µg/m³], ``rank``, ``yoy_pct`` [%], ``ytd`` [µg/m³], ``ytd_rank``
        …); every warned town must have a row.
    config : DistrictConfig
        The district (``issuer``, ``document_number``, ``synthetic``, ``letter_response_days``).
    month : month-like
        Report month.
    issued : date
        Date of the letters (落款日期).
    response_days : int, optional
        Working days to answer; default the district's ``letter_response_days``, else
        ``settings.letter_response_days``.
    settings : Settings, optional

    Returns
    -------
    list of dict
        Keys (the template's tags, docs/report.md): ``town_code``, ``town_name``,
        ``addressee``, ``ym``, ``year``, ``month_no``, ``month_label``, ``title``, ``issuer``,
        ``document_number`` (``________________`` when not configured, as on the cover),
        ``synthetic_note``, ``pm25``, ``rank``, ``n_ranked``, ``yoy_pct``,
        ``ytd``, ``ytd_rank``, ``pm25_last_year``, ``unit``, ``figures_text``, ``reasons``
        (list of dicts: ``no``, ``rule_id``, ``kind``, ``label``, ``detail``, ``clause``,
        ``quote``, ``plan``), ``n_reasons``, ``plans_text``, ``issued``, ``issued_iso``,
        ``deadline``, ``deadline_iso``, ``response_days``.

    Raises
    ------
    AirlibError
        A reasons column is missing, or a warned town has no ranking row.
    """
    from airlib.report.content import display_table
    from airlib.report.texts import text

    _check_reasons(reasons)
    m = parse_month(month)
    s = settings or DEFAULT
    days = response_days if response_days is not None else (config.letter_response_days or s.letter_response_days)
    deadline = response_deadline(issued, days)
    r = reasons[reasons["month"].astype("string") == str(m)]
    if r.empty:
        return []
    codes = list(dict.fromkeys(r["town_code"].astype("string")))
    rk = ranking.assign(town_code=ranking["town_code"].astype("string")).drop_duplicates("town_code")
    rk = rk.set_index("town_code", drop=False)
    absent = [c for c in codes if c not in rk.index]
    if absent:
        raise AirlibError(f"warned town(s) {', '.join(absent)} of {m} have no row in the month's ranking; "
                          "the reasons and the ranking must come from the same data")
    rows = rk.loc[codes]
    shown = display_table(rows, _FIGURE_COLUMNS, "zh", m).set_axis([c for c in _FIGURE_COLUMNS if c in rows], axis=1)
    order = np.lexsort((np.asarray(codes, dtype=object), -rows["rank"].astype("Float64").fillna(np.inf).to_numpy(float)))
    n_ranked = int(ranking["rank"].notna().sum())
    blank = text("cover_blank", "zh")  # as on the cover: a line to fill in by hand
    common = {
        "ym": str(m), "year": str(m.year), "month_no": str(m.month), "month_label": f"{m.year}年{m.month}月",
        "issuer": config.issuer or blank, "document_number": config.document_number or blank,
        "synthetic_note": "示例数据（SYNTHETIC），非真实监测数据" if config.synthetic else "",
        "n_ranked": str(n_ranked), "unit": _UNIT, "issued": _zh_date(issued), "issued_iso": issued.isoformat(),
        "deadline": _zh_date(deadline), "deadline_iso": deadline.isoformat(), "response_days": str(days),
    }
    out = []
    for i in order:
        code = codes[i]
        own = r[r["town_code"].astype("string") == code]
        name = str(own["town_name"].iloc[0])
        fig = {c: str(shown[c].iloc[i]) if c in shown else "—" for c in _FIGURE_COLUMNS}
        items = [{"no": str(k), "rule_id": str(x.rule_id), "kind": str(x.kind), "label": str(x.label),
                  "detail": str(x.detail), "clause": str(x.clause) if pd.notna(x.clause) else "",
                  "quote": str(x.quote) if pd.notna(x.quote) else "", "plan": str(x.plan) if pd.notna(x.plan) else ""}
                 for k, x in enumerate(own.itertuples(index=False), start=1)]
        plans = [p for p in dict.fromkeys(it["plan"] for it in items) if p]
        ctx = {**common, **fig, "town_code": code, "town_name": name, "addressee": addressee(name),
               "title": f"关于{name}{m.year}年{m.month}月空气质量的预警通知函",
               "reasons": items, "n_reasons": str(len(items)),
               "plans_text": "、".join(f"《{p}》" for p in plans) if plans else "本区空气质量月排名预警规则"}
        ctx["figures_text"] = _figures_text(ctx)
        out.append(ctx)
    return out


def letter_context(town_code: str, reasons: pd.DataFrame, ranking: pd.DataFrame, config: DistrictConfig,
                   month: Any, *, issued: dt.date, response_days: int | None = None,
                   settings: Settings | None = None) -> dict[str, Any]:
    """The context of one town's letter (:func:`letter_contexts`, same parameters).

    Raises
    ------
    AirlibError
        The town has no warning reason in ``month``.
    """
    for ctx in letter_contexts(reasons, ranking, config, month, issued=issued, response_days=response_days,
                               settings=settings):
        if ctx["town_code"] == str(town_code):
            return ctx
    raise AirlibError(f"town {town_code} has no warning reason in {parse_month(month)}; it gets no letter")


def letter_file_stem(ym: str, town_name: str, town_code: str) -> str:
    """``<month>_<town name>_预警通知函``; a town name that cannot name a file
    (:func:`airlib.report.config.check_folder_name`) is replaced by its characters that can,
    or by the town code."""
    import re
    import unicodedata

    try:
        safe = check_folder_name(town_name, "town name")
    except ValueError:
        safe = "".join("_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(town_name))
        safe = re.sub(r'[<>:"|?*/\\]|\.\.', "_", safe).strip(" .")[:40] or str(town_code)
        safe = check_folder_name(safe if not safe.startswith(".") else str(town_code), "town name")
    return f"{ym}_{safe}_{LETTER_FOLDER}"


_LETTER_CSS: Final[str] = """
@page { size: A4; margin: 24mm 22mm 22mm 24mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 13pt; line-height: 1.6; }
.note { text-align: right; color: #c00000; font-size: 9pt; }
.issuer { text-align: center; color: #c00000; font-size: 24pt; font-weight: bold; letter-spacing: 0.1em; margin: 0; }
.docno { text-align: center; margin: 4mm 0 0 0; padding-bottom: 3mm; border-bottom: 2px solid #c00000; }
h1 { text-align: center; font-size: 19pt; margin: 8mm 0 6mm 0; }
p.body { text-indent: 2em; margin: 0 0 2mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 10.5pt; margin: 2mm 0 4mm 0; }
th, td { border: 1px solid #333; padding: 2px 5px; vertical-align: top; }
th { background: #f0f0f0; white-space: nowrap; }
td.no { text-align: center; }
.quote { font-size: 9pt; color: #333; }
.sign { text-align: right; margin: 0; }
.contact { margin-top: 10mm; font-size: 11pt; }
"""


def letter_html(ctx: dict[str, Any]) -> str:
    """The letter of one context as a self-contained HTML document (every value escaped with
    :func:`airlib.escaping.html_text`; hardened for printing by
    :func:`airlib.report.rendering.harden_html`). Same wording as the shipped Word template."""
    from airlib.report.rendering import harden_html

    e = {k: html_text(v) for k, v in ctx.items() if not isinstance(v, list)}
    rows = "".join(
        f"<tr><td class='no'>{html_text(r['no'])}</td><td>{html_text(r['label'])}</td><td>{html_text(r['detail'])}</td>"
        f"<td>{html_text(r['clause'])}<div class='quote'>“{html_text(r['quote'])}”</div></td></tr>"
        for r in ctx["reasons"])
    body = (
        f"<p class='note'>{e['synthetic_note']}</p>"
        f"<p class='issuer'>{e['issuer']}</p><p class='docno'>{e['document_number']}</p>"
        f"<h1>{e['title']}</h1><p>{e['addressee']}：</p><p class='body'>{e['figures_text']}</p>"
        f"<p class='body'>根据{e['plans_text']}的有关规定，你单位本月存在以下{e['n_reasons']}项预警情形：</p>"
        "<table><colgroup><col style='width:7%'><col style='width:17%'><col style='width:38%'><col style='width:38%'>"
        "</colgroup><thead><tr><th>序号</th><th>预警情形</th><th>具体情况</th><th>依据条款</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<p class='body'>请你单位高度重视，认真分析原因，制定并落实整改措施，于{e['deadline']}前将原因分析和整改措施"
        "书面报送我局。</p><p class='body'>特此函告。</p><br>"
        f"<p class='sign'>{e['issuer']}</p><p class='sign'>{e['issued']}</p>"
        "<p class='contact'>（联系人：　　　　　　；联系电话：　　　　　　）</p>"
    )
    doc = (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e['title']}</title>"
           f"<style>{_LETTER_CSS}</style></head><body>{body}</body></html>")
    return harden_html(doc)


def _docx_values(value: Any) -> Any:
    """``value`` with every text passed through :func:`airlib.escaping.docx_text`."""
    if isinstance(value, dict):
        return {k: _docx_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_docx_values(v) for v in value]
    return docx_text(value)


def _render_docx(template: Path, ctx: dict[str, Any], out: Path) -> None:
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    try:
        tpl = DocxTemplate(str(template))
        tpl.init_docx()
    except Exception as exc:  # not a zip, not a Word package, damaged: docx/zipfile raise various types
        raise ReportError(f"the letter template {template} cannot be read as a Word (.docx) file "
                          f"({type(exc).__name__}: {exc}); give a .docx template (a copy of "
                          "airlib/report/templates/warning_letter.docx)") from None
    try:
        tpl.render(_docx_values(ctx), jinja_env=env, autoescape=True)
    except TemplateError as exc:
        raise ReportError(f"the letter template {template} has an error: {exc}; fix the tag in Word (the tags a "
                          "template may use are listed in docs/report.md, 预警通知函)") from None
    tpl.save(str(out))


def _print_pdfs(htmls: Sequence[tuple[str, Path]], timeout: int) -> None:
    """Print each ``(html, pdf_path)`` with :func:`airlib.report.rendering.html_to_pdf`, each
    HTML alone in its own temporary folder."""
    from airlib.report.rendering import html_to_pdf

    for html, pdf in htmls:
        with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-html-")) as tmp:
            page = Path(tmp) / "letter.html"
            page.write_text(html, encoding="utf-8")
            html_to_pdf(page, pdf, timeout=timeout)


def write_letters(
    contexts: Sequence[dict[str, Any]],
    folder: str | os.PathLike[str],
    *,
    template: str | os.PathLike[str] | None = None,
    pdf: bool = True,
    timeout: int = 180,
) -> list[Path]:
    """Write one DOCX (and PDF) per context into ``folder`` (``<report folder>/预警通知函``),
    atomically for the folder as a whole.

    The files (``<month>_<town name>_预警通知函.docx/.pdf``, :func:`letter_file_stem`) are
    written into a staging folder beside ``folder``, which then replaces ``folder`` in one
    step (:func:`airlib.files.exchange_dirs`, or two renames where the platform cannot swap);
    on any error the staging folder is removed and ``folder`` keeps the previous letters.
    With no context (no warned town) nothing is written and ``folder`` is left as it is.

    Parameters
    ----------
    contexts : sequence of dict
        :func:`letter_contexts`.
    folder : path-like
        The letters' folder.
    template : path-like, optional
        Word template (default :data:`DEFAULT_TEMPLATE`).
    pdf : bool
        Also print each letter to PDF (headless Chromium).
    timeout : int
        Seconds allowed to print one PDF.

    Returns
    -------
    list of Path
        The letter files in ``folder`` (DOCX, then PDF, per town).

    Raises
    ------
    ReportError
        The template is missing, not a Word file or has a bad tag; Chromium failed.
    OSError
        The folder cannot be written (the caller turns it into a write error).
    """
    if not contexts:
        return []
    final = Path(folder)
    tpl = Path(template) if template is not None else DEFAULT_TEMPLATE
    if not tpl.is_file():
        raise ReportError(f"the letter template {tpl} does not exist; fix letter_template in districts.yaml or "
                          "remove it to use the shipped template")
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=owned_prefix(f".{final.name}.staging-"), dir=final.parent))
    try:
        os.chmod(staging, 0o777 & ~_umask())
        names: list[str] = []
        htmls: list[tuple[str, Path]] = []
        seen: set[str] = set()
        for ctx in contexts:
            stem = letter_file_stem(ctx["ym"], ctx["town_name"], ctx["town_code"])
            if stem in seen:  # two names that map to one file name
                stem = f"{stem}_{ctx['town_code']}"
            seen.add(stem)
            _render_docx(tpl, ctx, staging / f"{stem}.docx")
            names.append(f"{stem}.docx")
            if pdf:
                htmls.append((letter_html(ctx), staging / f"{stem}.pdf"))
                names.append(f"{stem}.pdf")
        _print_pdfs(htmls, timeout)
        if not final.exists():
            os.rename(staging, final)
        elif not exchange_dirs(staging, final):
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.rename(final, old)
            os.rename(staging, final)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after a swap: the previous letters
    return [final / n for n in names]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def letter_records(folder: str | os.PathLike[str], relative_to: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """``file`` (relative to ``relative_to``), ``bytes`` and ``sha256`` of every file of the
    letters' folder, sorted by name (for the run record); empty when the folder does not exist."""
    f = Path(folder)
    if not f.is_dir():
        return []
    base = Path(relative_to)
    return [{"file": p.relative_to(base).as_posix(), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(f.iterdir()) if p.is_file()]
