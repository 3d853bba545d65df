"""Excel export of ranking tables, with Chinese headers and formula-injection protection.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return, which
some spreadsheet programs strip before parsing) could be run by Excel as a formula (CSV/
formula injection, OWASP). :func:`write_workbook` stores such text as an explicit *string*
cell (openpyxl data type ``"s"``, so the file holds a string, not a ``<f>`` formula) and sets
Excel's "quote prefix" style (what typing a leading apostrophe does), so Excel shows the text
verbatim and does not evaluate it even when the cell is edited. The text itself is unchanged. Numbers stay numbers (a negative YoY change is a number, not text).

Every text written (sheet titles, headers, cells) goes through :func:`_write_text`. C0 control
characters that an ``.xlsx`` file cannot hold are replaced by U+FFFD
(:func:`airlib.escaping.excel_text`) instead of failing the export; sheet names lose the
characters Excel forbids (``[ ] : * ? /`` and backslash).

:func:`write_workbook` writes the report's exchange workbook from a list of
:class:`WorkbookTable` (one sheet per table of the PDF): a title row and a caption row, the
header row repeated on every printed page and frozen, numbers stored as numbers with an Excel
number format per column (published precision), missing values as "—" with a reason in a
说明 column, highlighted rows, thin borders, A4 fitted to the page width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Final

from airlib.escaping import excel_text
from airlib.files import atomic_write

import numpy as np
import pandas as pd

__all__ = [
    "CAPTION_ROW", "FORMULA_PREFIXES", "HEADER_ROW", "HIGHLIGHT_FILL", "NUMBER_FORMATS", "TITLE_ROW", "WorkbookTable", "decimal_format", "is_dangerous",
    "write_workbook",
]

#: First characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


#: Excel number formats of the workbook: concentrations at 0 or 1 decimal (published
#: precision), signed percentages, integer ranks, rank movement with arrows (the PDF's ↑2 / ↓1).
NUMBER_FORMATS: Final[dict[str, str]] = {
    "decimals_0": "0",
    "decimals_1": "0.0",
    "decimals_2": "0.00",
    "signed_pct": "+0.0;-0.0;0.0",
    "integer": "0",
    "rank_change": '"↑"0;"↓"0;0',
}

#: Fill colour (RGB) of highlighted rows: the PDF's shading of the bottom N (#fde0dd).
HIGHLIGHT_FILL: Final[str] = "FDE0DD"


@dataclass(frozen=True)
class WorkbookTable:
    """One sheet of the report workbook: one table of the PDF.

    Attributes
    ----------
    sheet : str
        Sheet name (≤ 31 characters after Excel's forbidden characters are replaced).
    title : str
        Row 1 (the report title).
    caption : str
        Row 2 (the table's caption as in the PDF).
    frame : DataFrame
        The values, in display order: numbers as numbers, text as text, missing as NaN/NA.
    headers : mapping
        Column → header text; unknown columns keep their names.
    formats : mapping
        Column → Excel number format (:data:`NUMBER_FORMATS`); other numeric columns "General".
    highlight_rows : tuple of int
        Positions (0-based, in ``frame`` order) of rows shaded :data:`HIGHLIGHT_FILL`.
    notes : tuple of str
        One reason per row for the row's missing values, shown in the ``note_header`` column
        (empty string: nothing to explain); empty tuple: no note column.
    note_header : str
        Header of the notes column (说明 / Note).
    footnotes : tuple of str
        Lines written below the table (e.g. how ranks are counted).
    missing : str or None
        What a missing value shows ("—"); None leaves the cell empty.
    """

    sheet: str
    title: str
    caption: str
    frame: pd.DataFrame
    headers: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    highlight_rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    note_header: str = "说明"
    footnotes: tuple[str, ...] = ()
    missing: str | None = "—"


def decimal_format(decimals: int) -> str:
    """Excel number format showing ``decimals`` decimals: ``"0"``, ``"0.0"``, ``"0.00"`` …

    Raises
    ------
    ValueError
        ``decimals`` negative.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, not {decimals}")
    return "0" + ("." + "0" * decimals if decimals else "")


def is_dangerous(text: object) -> bool:
    """True for a string that a spreadsheet could evaluate as a formula."""
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def _cell_value(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


#: Rows of the title, the caption and the header; data start on the row after HEADER_ROW.
TITLE_ROW: Final[int] = 1
CAPTION_ROW: Final[int] = 2
HEADER_ROW: Final[int] = 3


def write_workbook(path: str | PathLike[str], tables: Sequence[WorkbookTable]) -> Path:
    """Write the report workbook atomically, one sheet per :class:`WorkbookTable`.

    Parameters
    ----------
    path : path-like
        Target ``.xlsx``; written to a temporary file in the same folder, then replaced.
    tables : sequence of WorkbookTable
        The sheets, in order (at least one; sheet names must differ after cleaning).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        No table, two sheets with the same name, or ``notes`` not one per row (a bug in
        the caller, not bad input).

    Notes
    -----
    Row 1 title, row 2 caption, row 3 header (bold, centred, wrapped), data from row 4.
    Numbers are stored as numbers with the column's number format; missing values show
    ``table.missing``; text starting ``= + - @`` is a literal string (:func:`is_dangerous`).
    Every table cell has a thin border; ``highlight_rows`` are shaded. Panes are frozen below
    the header and right of the first column; the header row repeats on every printed page;
    A4, landscape for more than seven columns, fitted to one page width.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    if not tables:
        raise ValueError("write_workbook needs at least one table")
    names = [_sheet_name(t.sheet) for t in tables]
    if len(set(names)) != len(names):
        raise ValueError(f"two workbook sheets with the same name: {names}")
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill(fill_type="solid", start_color=HIGHLIGHT_FILL, end_color=HIGHLIGHT_FILL)
    wb = Workbook()
    wb.remove(wb.active)
    for name, table in zip(names, tables, strict=True):
        frame = table.frame.reset_index(drop=True)
        if table.notes and len(table.notes) != len(frame):
            raise ValueError(f"sheet {name}: {len(table.notes)} notes for {len(frame)} rows")
        ws = wb.create_sheet(name)
        cols = list(frame.columns)
        heads = [str(table.headers.get(c, c)) for c in cols]
        with_notes = bool(table.notes) and any(table.notes)
        if with_notes:
            heads.append(table.note_header)
        ncol = max(1, len(heads))
        _write_text(ws.cell(row=TITLE_ROW, column=1), table.title)
        ws.cell(row=TITLE_ROW, column=1).font = Font(bold=True, size=13)
        _write_text(ws.cell(row=CAPTION_ROW, column=1), table.caption)
        ws.cell(row=CAPTION_ROW, column=1).font = Font(bold=True)
        for j, h in enumerate(heads, start=1):
            cell = ws.cell(row=HEADER_ROW, column=j)
            _write_text(cell, h)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
            ws.column_dimensions[get_column_letter(j)].width = max(8, min(30, 2 * len(h) + 2))
        values = frame.astype(object).to_numpy()
        highlight = set(table.highlight_rows)
        first = HEADER_ROW + 1
        for i, row in enumerate(values):
            r = first + i
            for j, (c, v) in enumerate(zip(cols, row, strict=True), start=1):
                v = _cell_value(v)
                cell = ws.cell(row=r, column=j)
                if v is None:
                    if table.missing is not None:
                        _write_text(cell, table.missing)
                        cell.alignment = Alignment(horizontal="center")
                elif isinstance(v, str):
                    _write_text(cell, v)
                else:
                    cell.value = v
                    if c in table.formats and not isinstance(v, bool):
                        cell.number_format = table.formats[c]
                cell.border = border
                if i in highlight:
                    cell.fill = fill
            if with_notes:
                cell = ws.cell(row=r, column=ncol)
                if table.notes[i]:
                    _write_text(cell, table.notes[i])
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.border = border
                if i in highlight:
                    cell.fill = fill
        if with_notes:
            ws.column_dimensions[get_column_letter(ncol)].width = 40
        for k, line in enumerate(table.footnotes):
            _write_text(ws.cell(row=first + len(values) + 1 + k, column=1), line)
        ws.freeze_panes = ws.cell(row=first, column=2 if ncol > 1 else 1)
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        last_row = first + len(values) - 1 + (len(table.footnotes) + 1 if table.footnotes else 0)
        ws.print_area = f"A{TITLE_ROW}:{get_column_letter(ncol)}{max(last_row, HEADER_ROW)}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if ncol > 7 else "portrait"
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True
    path = Path(path)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


def _sheet_name(name: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in excel_text(str(name)))
    return clean[:31] or "Sheet"


def _write_text(cell, text: str) -> None:
    """Store ``text`` as a literal string cell; never a formula."""
    from openpyxl.cell.cell import TYPE_STRING

    text = excel_text(text)
    cell.value = text
    if is_dangerous(text) or cell.data_type != TYPE_STRING:
        # openpyxl turns any str starting with "=" into a formula; force a string cell and
        # set Excel's quote prefix so that editing the cell does not evaluate it either.
        cell.value = text
        cell.data_type = TYPE_STRING
        cell.style = "Normal"
        cell.quotePrefix = True
