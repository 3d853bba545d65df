"""Escaping of user-supplied text wherever airlib renders it (one module for every output).

Town, station and district names, plan titles and task names, ledger cells, file names and
configuration values come from files a bureau (or anyone who can write to ``data/raw/``)
controls. Wherever such text is rendered it must print literally, never be interpreted:

- :func:`html_text` for HTML (tables, captions, notes shown with ``display(HTML(...))``):
  ``& < > " '`` become entities, so ``<img src=x onerror=…>`` or ``<iframe src="file:///…">``
  is text, not an element.
- :func:`markdown_text` for Markdown (``display(Markdown(...))``, cover page, summaries):
  every ASCII punctuation character that Markdown or MathJax could interpret (``* _ [ ] ( ) ` |
  $ # ! …``) is backslash-escaped (CommonMark §2.4), then HTML specials become entities,
  and line breaks/control characters become spaces (a name cannot start a new block).
- :func:`mpl_text` for matplotlib (titles, tick labels, map labels): ``$`` is escaped as
  ``\\$`` so that a name like ``$x^2$`` is not typeset as mathtext.
- :func:`plotly_text` for plotly hover/annotation text (plotly renders a subset of HTML).
- Excel: :mod:`airlib.report.excel` stores text starting with ``= + - @`` (tab, CR) as a literal
  string cell with Excel's quote prefix; characters a workbook cannot hold (C0 controls) are
  replaced by U+FFFD (:func:`excel_text`).

The functions take any value: missing values (None, NaN, ``pd.NA``) become ``""``.
"""

from __future__ import annotations

import html as _html
import math
import re
from typing import Final

__all__ = [
    "html_text",
    "markdown_text",
    "mpl_text",
    "plotly_text",
    "excel_text",
    "docx_text",
]

#: ASCII punctuation that CommonMark lets be backslash-escaped (§2.4), except ``& ; < > " '``
#: which the HTML escaping step turns into entities afterwards (a backslash before an entity
#: would print the entity's name).
_MD_SPECIALS: Final[str] = "\\`*_{}[]()#+-.!|~$=:/?@^%,"
_MD_RE: Final[re.Pattern[str]] = re.compile("([" + re.escape(_MD_SPECIALS) + "])")
#: Line breaks and other control characters (C0, DEL, C1, Unicode line/paragraph separators).
_CONTROL_RE: Final[re.Pattern[str]] = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Characters XML 1.0 (a .docx part) cannot hold at all, even as entities.
_XML_ILLEGAL_RE: Final[re.Pattern[str]] = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Characters an .xlsx cell cannot hold (openpyxl ``ILLEGAL_CHARACTERS_RE``).
_XLSX_ILLEGAL_RE: Final[re.Pattern[str]] = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: object) -> str:
    """``str(value)``; None, NaN, ``pd.NA`` and ``NaT`` → ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def html_text(value: object) -> str:
    """Text for an HTML element or attribute value: ``& < > " '`` as entities.

    Parameters
    ----------
    value : object
        Any value; missing values give ``""``.

    Returns
    -------
    str
        ``html.escape(str(value), quote=True)``.
    """
    return _html.escape(_text(value), quote=True)


def markdown_text(value: object) -> str:
    """Text for inline Markdown (Jupyter/nbconvert, CommonMark + MathJax ``$…$``).

    Control characters and line breaks become spaces, every Markdown/MathJax special
    (``\\ ` * _ { } [ ] ( ) # + - . ! | ~ $ = : / ? @ ^ % ,``) is backslash-escaped,
    then ``& < > " '`` become HTML entities. The rendered text equals the input (with line
    breaks as spaces): ``**x**`` stays ``**x**``, ``[a](javascript:…)`` is no link,
    ``$x$`` no formula, ``|`` no table column, ``<script>`` no element.

    Parameters
    ----------
    value : object
        Any value; missing values give ``""``.

    Returns
    -------
    str
    """
    s = _CONTROL_RE.sub(" ", _text(value))
    return _html.escape(_MD_RE.sub(r"\\\1", s), quote=True)


def mpl_text(value: object) -> str:
    """Text for a matplotlib label/title/annotation, never parsed as mathtext.

    Matplotlib typesets the part of a string between two unescaped ``$`` as TeX math; ``\\$``
    is a literal dollar sign. Every ``$`` is therefore escaped (with mathtext on, the default).

    Parameters
    ----------
    value : object
        Any value; missing values give ``""``.

    Returns
    -------
    str
    """
    return _text(value).replace("$", r"\$")


def plotly_text(value: object) -> str:
    """Text for plotly hover labels and annotations (plotly renders ``<b>``, ``<a href>`` …):
    HTML-escaped, so tags print literally.

    Parameters
    ----------
    value : object
        Any value; converted with ``str`` (None and NaN as empty text, as the other helpers).

    Returns
    -------
    str
    """
    return _html.escape(_text(value), quote=False)


def excel_text(value: str) -> str:
    """A string an ``.xlsx`` cell can hold: C0 control characters (other than tab, LF, CR)
    replaced by U+FFFD. Formula safety is handled by :func:`airlib.report.excel.write_workbook`.

    Parameters
    ----------
    value : str
        Cell text.

    Returns
    -------
    str
        The same text with the characters XLSX cannot store replaced.
    """
    return _XLSX_ILLEGAL_RE.sub("\ufffd", value)


def docx_text(value: object) -> str:
    """Text for a tag of a Word template rendered by docxtpl with autoescape on
    (:mod:`airlib.report.letters`).

    The template engine escapes ``& < > " '`` as XML entities (autoescape), and values are
    never evaluated as template code (``{{ 7*7 }}`` in a town name prints literally); this
    function removes what escaping cannot make valid: characters XML 1.0 forbids (C0 controls
    other than tab/line feed/carriage return, lone surrogates, U+FFFE/U+FFFF) become U+FFFD,
    and line breaks and tabs become spaces (a value is one run of text).

    Parameters
    ----------
    value : object
        Any value; missing values give ``""``.

    Returns
    -------
    str
    """
    text = _XML_ILLEGAL_RE.sub("\ufffd", _text(value))
    return re.sub("[\t\n\r\u2028\u2029]", " ", text)
