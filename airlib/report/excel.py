"""Excel export of ranking tables, with Chinese headers and formula-injection protection.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return, which
some spreadsheet programs strip before parsing) could be run by Excel as a formula (CSV/
formula injection, OWASP). :func:`write_tables` stores such text as an explicit *string*
cell (openpyxl data type ``"s"``, so the file holds a string, not a ``<f>`` formula) and sets
Excel's "quote prefix" style (what typing a leading apostrophe does), so Excel shows the text
verbatim and does not evaluate it even when the cell is edited. The text itself is unchanged. Numbers stay numbers (a negative YoY change is a number, not text).

Every text written (sheet titles, headers, cells) goes through :func:`_write_text`. C0 control
characters that an ``.xlsx`` file cannot hold are replaced by U+FFFD
(:func:`airlib.escaping.excel_text`) instead of failing the export; sheet names lose the
characters Excel forbids (``[ ] : * ? /`` and backslash).
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Final

from airlib.escaping import excel_text
from airlib.files import atomic_write

import numpy as np
import pandas as pd

__all__ = ["FORMULA_PREFIXES", "is_dangerous", "write_tables"]

#: First characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


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


def write_tables(
    path: str | PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    headers: Mapping[str, str] | None = None,
    title: Mapping[str, str] | None = None,
) -> Path:
    """Write tables to an ``.xlsx`` workbook atomically, one sheet per table.

    Parameters
    ----------
    path : path-like
        Target workbook. Written to a temp file in the same folder, then ``os.replace``.
    sheets : mapping
        Sheet name (Chinese, ≤ 31 characters) → DataFrame.
    headers : mapping, optional
        Column → Chinese header (e.g. :data:`airlib.tracking.ranking.HEADERS_ZH`); unknown columns
        keep their names.
    title : mapping, optional
        Sheet name → a title line written above the table (row 1); the table starts row 3.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Text starting with ``= + - @`` (tab, CR) is stored as a string cell with the quote prefix
    set, so Excel never runs it as a formula; missing values are empty cells.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    headers = dict(headers or {})
    title = dict(title or {})
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_name(name))
        row0 = 1
        if name in title:
            _write_text(ws.cell(row=1, column=1), title[name])
            ws.cell(row=1, column=1).font = Font(bold=True, size=13)
            row0 = 3
        cols = list(df.columns)
        for j, c in enumerate(cols, start=1):
            cell = ws.cell(row=row0, column=j)
            _write_text(cell, str(headers.get(c, c)))
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
            width = max(8, min(30, 2 * len(str(headers.get(c, c))) + 2))
            ws.column_dimensions[get_column_letter(j)].width = width
        values = df.astype(object).to_numpy()
        for i, row in enumerate(values, start=row0 + 1):
            for j, v in enumerate(row, start=1):
                v = _cell_value(v)
                cell = ws.cell(row=i, column=j)
                if isinstance(v, str):
                    _write_text(cell, v)
                else:
                    cell.value = v
        ws.freeze_panes = ws.cell(row=row0 + 1, column=1)
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
