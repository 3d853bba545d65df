"""Executed notebook → HTML without code → A4 PDF printed by headless Chromium.

The HTML is hardened before printing (:func:`harden_html`: no ``<script>``, a
Content-Security-Policy :data:`REPORT_CSP` that allows no script and no file or network
load) and printed alone in its own temporary folder with :data:`CHROMIUM_FLAGS`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from airlib.report.cleanup import owned_prefix
from airlib.report.errors import ReportError

__all__ = [
    "CHROMIUM_CANDIDATES", "CHROMIUM_FLAGS", "PRINT_CSS", "REPORT_CSP", "UNUSED_OPTIONAL_MODULES", "find_chromium",
    "first_heading", "harden_html", "html_to_pdf", "notebook_to_html", "page_footer_css", "print_css", "set_title",
    "skip_unused_imports", "strip_for_pdf",
]


#: Chromium binaries tried in order.
CHROMIUM_CANDIDATES: Final[tuple[str, ...]] = ("chromium", "chromium-browser", "google-chrome", "chrome")


def _interactive_only(output) -> bool:
    """An output that would print as an empty box: a plotly/widget figure without a PNG."""
    data = output.get("data", {}) if hasattr(output, "get") else {}
    js = {"application/vnd.plotly.v1+json", "application/vnd.jupyter.widget-view+json"}
    return bool(js & set(data)) and "image/png" not in data


def strip_for_pdf(nb):
    """Copy of an executed notebook without stderr streams and without cells tagged
    ``remove``/``no-pdf`` (and without the papermill parameter cells)."""
    import copy

    nb = copy.deepcopy(nb)
    keep = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove", "no-pdf", "parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and not _interactive_only(o)]
        keep.append(cell)
    nb.cells = keep
    return nb


_PRINT_CSS: Final[str] = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center { content: __FOOTER__;
                   font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #555; } }
html, body { background: white !important; }
body, .jp-Notebook, .jp-RenderedHTMLCommon { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif !important;
  font-size: 10.5pt; }
.jp-Notebook { padding: 0 !important; }
.jp-Cell { padding: 0 !important; }
.jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible !important; max-width: 100% !important; }
.jp-OutputArea-child, .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea { break-inside: auto !important; }
.jp-RenderedImage img, img { max-width: 100% !important; max-height: 118mm !important; width: auto; height: auto;
  break-inside: avoid; }
.jp-RenderedImage { break-inside: avoid; text-align: center; }
table { border-collapse: collapse; font-size: 9pt; break-inside: auto; }
table.airlib-table { width: 100%; margin: 4px 0 8px 0; }
.airlib-record td { word-break: break-all; }
.airlib-record, .airlib-record table { font-size: 7pt !important; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999 !important; padding: 2px 6px !important; text-align: center !important; }
th { background: #eef2f7 !important; }
.airlib-cover { text-align: center; margin-top: 8mm; }
.jp-RenderedHTMLCommon p.airlib-issuer, p.airlib-issuer { font-size: 16pt; color: #c00000; font-weight: bold;
  letter-spacing: 0.1em; text-align: center; margin: 0 0 4mm 0; }
.jp-RenderedHTMLCommon p.airlib-docno, p.airlib-docno { font-size: 11pt; text-align: center; margin: 0 0 2mm 0; }
hr.airlib-rule { border: none; border-top: 2px solid #c00000; margin: 0 0 8mm 0; }
.jp-RenderedHTMLCommon h1, h1 { font-size: 20pt !important; text-align: center; margin-top: 4mm !important;
  margin-bottom: 4mm !important; text-wrap: balance; line-height: 1.4; }
.airlib-title-line { display: inline-block; white-space: nowrap; }
.jp-RenderedHTMLCommon p.airlib-date, p.airlib-date { text-align: center; font-size: 11pt; margin: 0 0 8mm 0; }
/* Sections follow one another on the page (a notice, not a book): a heading is never left at
   the bottom of a page without what follows it, and no page is left half empty before it. */
.jp-RenderedHTMLCommon h2, h2 { break-before: auto; break-after: avoid; margin-top: 8mm !important;
  font-size: 15pt !important; border-bottom: 2px solid #08519c; }
h3 { font-size: 12pt; break-after: avoid; }
caption { break-after: avoid; }
.jp-OutputArea-child:has(h2), .jp-OutputArea-child:has(h3) { break-inside: avoid; break-after: avoid; }
.jp-OutputArea-child:has(h2) + .jp-OutputArea-child { break-before: avoid; }
/* The last block's bottom margin alone would start an empty last page. */
.jp-Cell:last-child, .jp-Cell:last-child * { margin-bottom: 0 !important; padding-bottom: 0 !important; }
.jp-InputPrompt, .jp-OutputPrompt { display: none !important; }
"""


def page_footer_css(language: str = "zh") -> str:
    """CSS ``content`` value of the page footer in ``language`` (text ``page_footer`` of
    :mod:`airlib.report.texts`, ``{page}``/``{pages}`` becoming CSS page counters)."""
    from airlib.report.texts import text

    t = text("page_footer", language).replace("\\", "").replace('"', "")
    t = t.replace("{pages}", '" counter(pages) "').replace("{page}", '" counter(page) "')
    return f'"{t}"'


def print_css(language: str = "zh") -> str:
    """Print style sheet of the report PDF, with the page footer in ``language``."""
    return _PRINT_CSS.replace("__FOOTER__", page_footer_css(language))


#: Print style sheet of the Chinese report (:func:`print_css` for another language).
PRINT_CSS: Final[str] = print_css("zh")


#: Content-Security-Policy of the report HTML printed by Chromium: no script runs, nothing is
#: fetched (no file://, no network, no frames, no objects); images and fonts only as data:
#: URIs (nbconvert embeds figures as base64 PNG), styles only inline.
REPORT_CSP: Final[str] = (
    "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
    "child-src 'none'; connect-src 'none'; img-src data:; font-src data:; "
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)


def harden_html(body: str) -> str:
    """Put :data:`REPORT_CSP` as the first element of ``<head>`` and remove every ``<script>``
    element (nbconvert's require.js/MathJax loaders; the report needs no script).

    Parameters
    ----------
    body : str
        A full HTML document (nbconvert output) with a ``<head>``.

    Returns
    -------
    str

    Raises
    ------
    ReportError
        The document has no ``<head>`` (the policy could not be set).
    """
    # No script: nbconvert's loaders (MathJax, require.js CDN) and any inline script. User text
    # is escaped (airlib.escaping), so every <script> here comes from the template or a raw
    # HTML output; the CSP blocks anything left (event handlers included).
    body = re.sub(r"<script\b.*?</script\s*>", "", body, flags=re.S | re.I)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{REPORT_CSP}">'
    new, n = re.subn(r"<head(\s[^>]*)?>", lambda m: m.group(0) + "\n" + meta, body, count=1)
    if n != 1:
        raise ReportError("the report HTML has no <head>; cannot set its Content-Security-Policy")
    return new


def first_heading(body: str) -> str | None:
    """Text of the first ``<h1>`` of an HTML document (tags removed, entities decoded, spaces
    collapsed, nbconvert's ``¶`` anchor dropped), or None when it has none."""
    import html as _html

    m = re.search(r"<h1\b[^>]*>(.*?)</h1\s*>", body, flags=re.S | re.I)
    if m is None:
        return None
    inner = re.sub(r"<a\b[^>]*class=['\"]anchor-link['\"][^>]*>.*?</a\s*>", "", m.group(1), flags=re.S | re.I)
    words = _html.unescape(re.sub(r"<[^>]*>", "", inner)).replace("¶", "")
    return " ".join(words.split()) or None


def set_title(body: str, title: str) -> str:
    """Set the document's ``<title>`` (Chromium writes it as the PDF's Title metadata) to
    ``title``, escaped (:func:`airlib.escaping.html_text`); adds one to ``<head>`` if absent."""
    from airlib.escaping import html_text

    tag = f"<title>{html_text(title)}</title>"
    new, n = re.subn(r"<title\b[^>]*>.*?</title\s*>", lambda _m: tag, body, count=1, flags=re.S | re.I)
    if n:
        return new
    return re.sub(r"<head(\s[^>]*)?>", lambda m: m.group(0) + tag, body, count=1)


#: Optional modules that ``jsonschema`` (through ``nbformat``) imports only to check formats
#: the notebook schema does not use ("iri"): ``rfc3987_syntax`` builds a Lark grammar at import
#: and costs about 1 s of every report (measured, docs/performance.md). They are marked as
#: absent before ``nbformat``/``papermill`` are imported (:func:`skip_unused_imports`).
UNUSED_OPTIONAL_MODULES: Final[tuple[str, ...]] = ("rfc3987_syntax",)


def skip_unused_imports() -> None:
    """Mark :data:`UNUSED_OPTIONAL_MODULES` as absent in this process (unless already loaded),
    so that ``import nbformat`` does not spend a second building grammars it never uses.
    ``jsonschema`` treats the module as not installed and skips the "iri" format checks,
    which no notebook schema uses."""
    for name in UNUSED_OPTIONAL_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def notebook_to_html(nb_path: Path, html_path: Path, language: str = "zh", *, title: str | None = None) -> Path:
    """Executed notebook → self-contained HTML without code (nbconvert ``--no-input``),
    hardened by :func:`harden_html` (no script, no file or network access); page footer in
    ``language`` (:func:`print_css`).

    The HTML ``<title>`` — which Chromium writes as the PDF's Title metadata — is ``title``,
    by default the report's title as the cover prints it (:func:`first_heading`), never
    nbconvert's "Notebook".
    """
    skip_unused_imports()
    import nbformat
    from nbconvert import HTMLExporter

    nb = strip_for_pdf(nbformat.read(nb_path, as_version=4))
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    body = harden_html(body)
    heading = title or first_heading(body)
    if heading:
        body = set_title(body, heading)
    body = body.replace("</head>", f"<style>{print_css(language)}</style>\n</head>", 1)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def find_chromium() -> str:
    """Path of a Chromium/Chrome binary (``$AIRLIB_CHROMIUM`` first)."""
    env = os.environ.get("AIRLIB_CHROMIUM")
    if env:
        return env
    for c in CHROMIUM_CANDIDATES:
        p = shutil.which(c)
        if p:
            return p
    raise ReportError("no Chromium found for PDF printing; install Debian's `chromium` package "
                      "or set AIRLIB_CHROMIUM")


#: Chromium switches of :func:`html_to_pdf` besides profile and output: headless, offline,
#: no remote fonts. ``--allow-file-access-from-files`` is never given. JavaScript is off by the
#: page's CSP (:data:`REPORT_CSP`, ``script-src 'none'``, which also blocks every file:// and
#: network load) and :func:`harden_html` removes every ``<script>`` element:
#: ``--blink-settings=scriptEnabled=false`` cannot be used, headless Chromium (156) then exits
#: 0 without writing the PDF.
CHROMIUM_FLAGS: Final[tuple[str, ...]] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--disable-remote-fonts", "--no-pdf-header-footer",
)


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout: int = 180) -> Path:
    """Print HTML to an A4 PDF with headless Chromium (offline, fresh profile, JavaScript off,
    :data:`CHROMIUM_FLAGS`). The HTML should be alone in its own folder and hardened by
    :func:`harden_html`."""
    exe = find_chromium()
    with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-chromium-")) as profile:
        cmd = [
            exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"Chromium did not finish printing the PDF within {timeout} s") from exc
    if res.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = "\n".join((res.stderr or "").splitlines()[-5:])
        raise ReportError(f"Chromium failed to print the PDF (exit {res.returncode}): {tail}")
    return pdf_path
