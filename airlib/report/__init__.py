"""Monthly ranking report (月排名、月通报): ``airlib report`` → PDF, workbook, figures.

``airlib report --district 门头沟区 --month 2018-01`` executes ``notebooks/monthly_report.ipynb``
with papermill and writes to ``reports/<district>/<month>/``:

- ``monthly_report.ipynb``: the executed notebook, the run's record (parameters, SHA-256 of
  every input file, package versions);
- ``<district>_<month>_月排名报告.pdf``: no code; A4 with page numbers, printed by headless
  Chromium from nbconvert HTML;
- ``<district>_<month>_排名表.xlsx``: ranking tables with Chinese headers (formula-safe);
- ``figures/*.png``: every figure of the report.

One concern per module, imports flowing one way
(texts → request → data → content, figures → sections → rendering → running):

- :mod:`~airlib.report.texts`: every bilingual (zh/en) heading, caption, note and header;
- :mod:`~airlib.report.config`: ``districts.yaml`` and the district-name rule;
- :mod:`~airlib.report.request`: :class:`ReportRequest`, checked once (district, month,
  language, bottom N, store, boundaries, plans, output folder), and the store/report paths;
- :mod:`~airlib.report.data`: :func:`prepare` → :class:`ReportData` (typed fields);
- :mod:`~airlib.report.content`: display tables, Markdown sentences, run record, workbook;
- :mod:`~airlib.report.figures`, :mod:`~airlib.report.maps`, :mod:`~airlib.report.excel`:
  figures, maps, formula-safe workbooks;
- :mod:`~airlib.report.sections`: what the notebook displays, one call per section;
- :mod:`~airlib.report.rendering`: notebook → hardened HTML → PDF (Chromium);
- :mod:`~airlib.report.cleanup`: owner-tagged temporary folders, removal of stale ones;
- :mod:`~airlib.report.running`: papermill, staging, atomic publishing, ``--all``, CLI handler.

Security and crash hygiene (docs/security.md): every user-supplied text is escaped where it is
rendered (:mod:`airlib.escaping`); Chromium prints an HTML alone in its own temporary folder
whose Content-Security-Policy (:data:`REPORT_CSP`) allows no script and no file or network
load; the district name is checked and the month folder must resolve inside ``reports/``
before anything is written; staging and temporary folders carry their owner in their name and
:func:`clean_stale` removes those of dead runs at the start of every run.
"""

from __future__ import annotations

from airlib.report.cleanup import clean_stale
from airlib.report.content import (
    MONTH_TABLE_COLUMNS,
    WARNING_TABLE_COLUMNS,
    YTD_TABLE_COLUMNS,
    display_table,
    html_table,
    write_excel,
)
from airlib.report.data import ReportData, TaskProgress, district_targets, prepare, task_progress
from airlib.report.errors import ReportError, ReportWriteError
from airlib.report.rendering import REPORT_CSP, harden_html, html_to_pdf, notebook_to_html
from airlib.report.request import (
    ReportRequest,
    check_request,
    district_boundaries,
    interactive_folder,
    report_folder,
)
from airlib.report.running import NOTEBOOK, ReportResult, demo_report, report_command, run_all, run_report
from airlib.report.texts import headers

__all__ = [
    "MONTH_TABLE_COLUMNS", "NOTEBOOK", "REPORT_CSP", "WARNING_TABLE_COLUMNS", "YTD_TABLE_COLUMNS",
    "ReportData", "ReportError", "ReportRequest", "ReportResult", "ReportWriteError", "TaskProgress",
    "check_request", "clean_stale", "demo_report", "display_table", "district_boundaries",
    "harden_html", "headers", "html_table", "html_to_pdf", "interactive_folder",
    "notebook_to_html", "district_targets",
    "prepare", "report_command", "report_folder", "run_all", "run_report", "task_progress",
    "write_excel",
]
