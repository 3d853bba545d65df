"""Report security and crash hygiene (issue #10): user text escaped in HTML, Markdown, matplotlib,
plotly and Excel; Chromium prints without JavaScript and without file access; district names
cannot steer the output folder; one unreadable ledger is named, not fatal; folders of killed
runs are cleaned once their owner is gone. The slow part runs one full report of a district
whose every user-facing text is an injection string, and kills a second run with SIGKILL."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.escaping import html_text, markdown_text, mpl_text, plotly_text

#: Strings that would do something if rendered unescaped (HTML, Markdown, MathJax, mathtext,
#: tables, control characters).
INJECTIONS = [
    "<img src=x onerror=alert(1)>",
    '<iframe src="file:///etc/passwd"></iframe>',
    "<script>alert(1)</script>",
    "[a](javascript:alert(1))",
    "**x**",
    "a|b",
    "`code`",
    "$x^2$",
    "$$y$$",
    "a_b_c_",
    "# heading",
    "1. item",
    "- item",
    "> quote",
    "<https://evil.example>",
    "&amp; &lt; 1<2; \\",
    "\\(x\\) \\[y\\]",
    "~~s~~ {{x}} %(x)s",
    "![i](file:///etc/passwd)",
    "王平地区",
]


def _render_markdown(snippets: list[str]) -> list[str]:
    """Render Markdown as the report's PDF does (nbconvert lab template) and return the
    rendered HTML of each snippet."""
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": f"MARK{i}: {s} :END",
                                                                  "text/plain": ""})
                    for i, s in enumerate(snippets)]
    nb.cells = [cell]
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    out = []
    for i in range(len(snippets)):
        m = re.search(f"MARK{i}: (.*?) :END", body, re.S)
        assert m, f"snippet {i} not rendered"
        out.append(m.group(1))
    return out


def _visible(rendered_html: str) -> str:
    """The text a reader sees of rendered HTML (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered_html))


# ----------------------------------------------------------------------------- escaping


def test_markdown_text_prints_literally_through_nbconvert():
    rendered = _render_markdown([markdown_text(s) for s in INJECTIONS])
    for s, r in zip(INJECTIONS, rendered, strict=True):
        assert "<" not in r.replace("&lt;", ""), (s, r)  # no element at all
        assert _visible(r) == s, (s, r)


def test_markdown_text_unescaped_would_be_interpreted():
    """The probe can fail: the same strings unescaped become elements/links/emphasis."""
    rendered = _render_markdown(["<img src=x onerror=alert(1)>", "[a](javascript:alert(1))", "**x**"])
    assert "<img" in rendered[0] and "<a " in rendered[1] and "<strong>" in rendered[2]


def test_markdown_text_line_breaks_and_missing_values():
    assert markdown_text("a\n# b\r\nc\x00d\u2028e") == "a \\# b  c d e"
    assert markdown_text(None) == markdown_text(float("nan")) == markdown_text(pd.NA) == ""
    assert markdown_text("王平地区") == "王平地区"


def test_html_text():
    assert html_text('<a href="x">\'&') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
    assert html_text(None) == "" and html_text(pd.NA) == "" and html_text(3) == "3"
    assert plotly_text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize("s", ["$x^2$", "a$b", "$$", "\\$x$", "价格$5$ 与 $6", "plain"])
def test_mpl_text_is_never_mathtext(s):
    from matplotlib.text import Text

    text, ismath = Text()._preprocess_math(mpl_text(s))
    assert ismath is False and text == s
    if s.count("$") >= 2 and s.count("$") % 2 == 0 and "\\$" not in s:  # the probe can fail: unescaped it is mathtext
        assert Text()._preprocess_math(s)[1] is True


def test_html_table_escapes_headers_cells_caption():
    from airlib.report import html_table

    frame = pd.DataFrame({INJECTIONS[0]: INJECTIONS[:6], "b": INJECTIONS[6:12]})
    out = html_table(frame, caption=INJECTIONS[2], highlight_rows=[1])
    for tag in ("<img", "<iframe", "<script"):
        assert tag not in out
    cells = re.findall(r"<t[dh](?:\s[^>]*)?>(.*?)</t[dh]>", out)
    assert [html.unescape(c) for c in cells] == [INJECTIONS[0], "b",
                                                 *[v for pair in zip(INJECTIONS[:6], INJECTIONS[6:12]) for v in pair]]


def _data(names: list[str], district: str = "<img src=x onerror=alert(1)>区$x$") -> SimpleNamespace:
    """A ReportData stand-in with ``names`` as town names (ranked 1…n, the last one invalid)."""
    n = len(names)
    codes = [f"11010900{i}" for i in range(1, n + 1)]
    pm25 = [30.0 + i for i in range(n - 1)] + [np.nan]
    ranking = pd.DataFrame({
        "town_code": pd.array(codes, dtype="string"), "town_name": pd.array(names, dtype="string"),
        "pm25": pm25, "rank": pd.array([*range(1, n), None], dtype="Int64"),
        "status": ["有效"] * (n - 1) + ["无效"],
        "yoy_rank": pd.array([1] + [None] * (n - 1), dtype="Int64"), "yoy_pct": [-5.0] + [np.nan] * (n - 1),
    })
    cfg = SimpleNamespace(name=district, district_code="110109<b>", synthetic=False)
    validity = {"stations": 3, "station_days": 10, "station_days_valid": 9, "towns": n,
                "towns_valid": n - 1, "towns_invalid": [names[-1]], "days_in_month": 31}
    return SimpleNamespace(config=cfg, month=pd.Period("2017-12", "M"), validity=validity, ranking=ranking,
                           warnings=ranking.iloc[:1], bottom=ranking.iloc[n - 2:n - 1], bottom_n=1,
                           progress=[], ledger_problems=[], targets=pd.DataFrame())


@pytest.mark.parametrize("language", ["zh", "en"])
def test_cover_and_summary_markdown_escape_names(language):
    from airlib.report.content import cover_markdown, ranking_summary_markdown

    names = ["<img src=x onerror=alert(1)>", "**粗**|`c`", "[l](javascript:alert(1))", "$x^2$"]
    data = _data(names)
    cover, summary = _render_markdown([cover_markdown(data, language), ranking_summary_markdown(data, language)])
    for r in (cover, summary):
        assert "<img" not in r and "<a " not in r and "<strong>**" not in r and "<code>" not in r
    seen = _visible(cover) + _visible(summary)
    # names[0] ranks 1, names[2] last, names[3] has no valid mean (names[1] is not mentioned)
    for s in [names[0], names[2], names[3], data.config.name, "110109<b>"]:
        assert s in seen, s


def test_progress_and_ledger_notes_escape(tmp_path):
    from airlib.report.content import ledger_problems_markdown, progress_markdown

    title = '<script>alert("t")</script>方案**x**'
    data = SimpleNamespace(
        progress=[SimpleNamespace(plan=title, last_ledger_month="2017-12", as_of=pd.Timestamp("2017-12-31"),
                                  stale=True, missing_months=("<b>2018-01", "2018-02"), closed=False)],
        ledger_problems=[{"file": "<img src=x onerror=alert(1)>.xlsx", "problem": "BadZipFile: [x](y)"}] * 2,
    )
    p, note = _render_markdown([progress_markdown(data), ledger_problems_markdown(data)])
    assert "<script" not in p and title in _visible(p)
    assert "<b>" not in p and "台账截至2017-12，未报送<b>2018-01、2018-02" in _visible(p)
    assert "<img" not in note and "<a " not in note
    assert _visible(note).count("<img src=x onerror=alert(1)>.xlsx：BadZipFile: [x](y)") == 1  # once
    assert ledger_problems_markdown(SimpleNamespace(ledger_problems=[])) is None
    assert "无可用的任务台账" in progress_markdown(SimpleNamespace(progress=[]))


def _all_texts(fig) -> list:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text()]


def test_figures_draw_names_literally_not_mathtext():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.report.figures import ranking_bar_figure, trend_figure

    names = ["$x^2$镇", "a$b$c", "<b>普通</b>"]
    data = _data(names, district="$\\alpha$区")
    fig = ranking_bar_figure(data)
    data.district_monthly = pd.DataFrame({"month": pd.date_range("2017-01-01", periods=12, freq="MS"),
                                          "pm25": np.arange(12.0)})
    fig2 = trend_figure(data)
    fig.canvas.draw()
    fig2.canvas.draw()
    texts = _all_texts(fig) + _all_texts(fig2)
    for t in texts:
        shown, ismath = t._preprocess_math(t.get_text())
        assert ismath is False, t.get_text()
    shown = {t._preprocess_math(t.get_text())[0] for t in texts}
    assert set(names) <= shown
    assert any("$\\alpha$区" in s for s in shown)
    plt.close("all")


def test_maps_label_names_literally():
    import geopandas as gpd
    import matplotlib
    from shapely.geometry import box

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.report.maps import plotly_choropleth, static_choropleth

    names = ["$x^2$镇", "<img src=x onerror=alert(1)>", "乙$"]
    codes = ["110109001", "110109002", "110109003"]
    # one big polygon (labelled inside) and two small ones (numbered, names in the key)
    geoms = [box(116.0, 39.9, 116.3, 40.2), box(116.3, 39.9, 116.31, 39.91), box(116.31, 39.9, 116.32, 39.91)]
    b = gpd.GeoDataFrame({"town_code": codes, "town_name": names}, geometry=geoms, crs=4326)
    table = pd.DataFrame({"town_code": codes, "town_name": names, "pm25": [30.0, 40.0, 50.0],
                          "rank": [1, 2, 3]})
    fig = static_choropleth(b, table, "pm25", title="$t$ <标题>")
    fig.canvas.draw()
    texts = _all_texts(fig)
    assert all(t._preprocess_math(t.get_text())[1] is False for t in texts)
    joined = "\n".join(t._preprocess_math(t.get_text())[0] for t in texts)
    for s in [*names, "$t$ <标题>"]:
        assert s in joined, s
    plt.close("all")
    pf = plotly_choropleth(b, table, "pm25", title="<b>t</b>")
    hover = "".join(pf.data[0].text)
    assert "<img" not in hover and "&lt;img src=x onerror=alert(1)&gt;" in hover
    assert "<b>" not in pf.layout.title.text


def test_excel_every_text_literal_and_control_chars(tmp_path):
    from airlib.report.excel import WorkbookTable, write_workbook

    names = ["=HYPERLINK(\"http://evil\",\"x\")", "@SUM(1)", "+1", "-1+2", "bad\x01\x1fchar", "<script>"]
    p = write_workbook(tmp_path / "t.xlsx", [WorkbookTable(
        sheet="表[1]:*?/", title="=cmd|' /C calc'!A0\x02", caption="",
        frame=pd.DataFrame({"town_name": names, "v": range(6)}), headers={"town_name": "=1+1"})])
    wb = openpyxl.load_workbook(p)
    ws = wb[wb.sheetnames[0]]
    assert wb.sheetnames == ["表_1_____"]
    assert ws["A1"].value == "=cmd|' /C calc'!A0\ufffd" and ws["A1"].data_type == "s"
    assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
    got = [ws.cell(row=r, column=1).value for r in range(4, 10)]
    assert got == [*names[:4], "bad\ufffd\ufffdchar", "<script>"]
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(4, 10))
    assert [ws.cell(row=r, column=2).value for r in range(4, 10)] == list(range(6))


# ----------------------------------------------------------------------------- Chromium


def test_harden_html_sets_csp_first_and_removes_scripts():
    from airlib.report import REPORT_CSP, ReportError, harden_html

    out = harden_html('<html><head lang="zh"><script src="x.js"></script><SCRIPT>a()</SCRIPT >'
                      "<title>t</title></head><body><p>x</p><script>\nb()\n</script></body></html>")
    assert re.match(r'<html><head lang="zh">\n<meta http-equiv="Content-Security-Policy"', out)
    assert REPORT_CSP in out and "script" not in out.lower().replace("script-src", "")
    assert "default-src 'none'" in REPORT_CSP and "img-src data:" in REPORT_CSP
    with pytest.raises(ReportError, match="no <head>"):
        harden_html("<p>no head</p>")


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_chromium_prints_without_script_or_file_access(tmp_path):
    """A page with a file:// iframe/object/embed/img/CSS on a canary file outside the HTML's folder
    and scripts that write text: the hardened PDF shows neither; the same page printed plainly
    shows both (so the probe works)."""
    from airlib.report.rendering import find_chromium, harden_html, html_to_pdf

    try:
        exe = find_chromium()
    except AirlibError:
        pytest.skip("no Chromium")
    secret = "CANARY-SECRET-4242"
    canary = tmp_path / "outside" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text(secret)
    uri = canary.as_uri()
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head><body><p>VISIBLE-TEXT</p>"
        f"<iframe src='{uri}'></iframe><object data='{uri}' type='text/plain'></object>"
        f"<embed src='{uri}' type='text/plain'><div style=\"background:url('{uri}')\">d</div>"
        "<script>document.body.insertAdjacentHTML('beforeend','<p>SCRIPT'+'-RAN-7777</p>')</script>"
        "<img src=x onerror=\"document.body.insertAdjacentHTML('beforeend','<p>ONERROR'+'-RAN-8888</p>')\">"
        "</body></html>"
    )
    plain_dir, hard_dir = tmp_path / "plain", tmp_path / "hard"
    plain_dir.mkdir()
    hard_dir.mkdir()
    (plain_dir / "r.html").write_text(page)
    (hard_dir / "r.html").write_text(harden_html(page))
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'prof'}",
                    f"--print-to-pdf={tmp_path / 'plain.pdf'}", (plain_dir / "r.html").as_uri()],
                   capture_output=True, timeout=120, check=False)
    plain = _pdf_text(tmp_path / "plain.pdf")
    assert secret in plain and "SCRIPT-RAN-7777" in plain and "ONERROR-RAN-8888" in plain
    html_to_pdf(hard_dir / "r.html", tmp_path / "hard.pdf")
    hard = _pdf_text(tmp_path / "hard.pdf")
    assert "VISIBLE-TEXT" in hard
    assert secret not in hard and "RAN-7777" not in hard and "RAN-8888" not in hard


def test_notebook_html_keeps_images_and_text_under_csp(tmp_path):
    """nbconvert's lab template still renders under the CSP: markdown, HTML tables and PNG
    figures (data: URIs) reach the PDF."""
    import base64
    import io

    from PIL import Image

    from airlib.report.rendering import find_chromium, html_to_pdf, notebook_to_html

    try:
        find_chromium()
    except AirlibError:
        pytest.skip("no Chromium")
    buf = io.BytesIO()
    Image.new("RGB", (200, 120), (200, 30, 30)).save(buf, format="PNG")
    nb = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell("x")
    c.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "## 标题 HEADING-OK", "text/plain": ""}),
        nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>CELL-OK</td></tr></table>",
                                                      "text/plain": ""}),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(buf.getvalue()).decode(),
                                                      "text/plain": ""}),
    ]
    nb.cells = [c]
    nbformat.write(nb, tmp_path / "n.ipynb")
    (tmp_path / "h").mkdir()
    h = notebook_to_html(tmp_path / "n.ipynb", tmp_path / "h" / "r.html")
    body = h.read_text()
    assert "Content-Security-Policy" in body and "<script" not in body.lower()
    assert 'src="data:image/png;base64,' in body
    pdf = html_to_pdf(h, tmp_path / "r.pdf")
    text = _pdf_text(pdf)
    assert "HEADING-OK" in text and "CELL-OK" in text
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len([ln for ln in listing.splitlines()[2:] if ln.strip()]) >= 1


# ----------------------------------------------------------------------------- district names


BAD_NAMES = ["", "   ", "../data/raw/x", "a/b", "a\\b", "..", "x..y", "a\x00b", "a\nb", "a\tb", ".hidden",
             "a\u202eb", "区" * 65, "<img src=x>区", "a|b", "a:b", " 门头沟区"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_check_district_name_refuses(name):
    from airlib.report.config import check_district_name

    with pytest.raises(AirlibError, match="district name .*(empty|path character|control|long|not allowed|spaces)"):
        check_district_name(name)


def test_check_district_name_allows_plain_and_odd_but_harmless_names(tmp_path):
    from airlib.report.config import DEMO, check_district_name
    from airlib.report import report_folder

    for ok in ["门头沟区", "$x$_[a](#)&amp;区", "_区_", "区 县", "区" * 64, "门头沟区.v2"]:
        assert check_district_name(ok) == ok
    cfg = DEMO.__class__(**{**DEMO.__dict__, "name": "$x$_[a](#)区"})
    assert report_folder(cfg, pd.Period("2018-01", "M"), tmp_path) == \
        (tmp_path / "reports" / "$x$_[a](#)区" / "2018-01").resolve()


def test_report_folder_must_stay_inside_reports(tmp_path):
    from airlib.report import report_folder
    from airlib.report.config import DEMO

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "proj" / "reports").mkdir(parents=True)
    (tmp_path / "proj" / "reports" / DEMO.name).symlink_to(outside)
    with pytest.raises(AirlibError, match="outside"):
        report_folder(DEMO, pd.Period("2018-01", "M"), tmp_path / "proj")
    bad = DEMO.__class__(**{**DEMO.__dict__, "name": "../data/raw/x"})
    with pytest.raises(AirlibError, match="path character"):
        report_folder(bad, pd.Period("2018-01", "M"), tmp_path / "proj")


def _cli(args, home, timeout=300):
    env = dict(os.environ, AIRLIB_HOME=str(home))
    env.pop("AIRLIB_DISTRICTS", None)
    return subprocess.run([sys.executable, "-m", "airlib.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=str(home))


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_cli_refuses_bad_district_names_before_writing(tmp_path):
    home = tmp_path / "home"
    (home / "data" / "raw").mkdir(parents=True)
    (home / "data" / "raw" / "districts.yaml").write_text(
        "districts:\n  - name: ../data/raw/x\n    district_code: '110109'\n    dataset: demo\n"
        "    boundaries: data/raw/demo/boundaries/towns_schematic.geojson\n", encoding="utf-8")
    before = _tree(home)
    for args, needle in [
        (["--district", "", "--month", "2017-12"], "is empty"),
        (["--district", "../data/raw/x", "--month", "2017-12"], "path character"),
        (["--district", "a\nb", "--month", "2017-12"], "control character"),
    ]:
        res = _cli(["report", *args], home)
        assert res.returncode == 2, (args, res.stderr)
        assert "airlib: error: --district" in res.stderr and needle in res.stderr, res.stderr
        assert "Traceback" not in res.stderr and "门头沟区" not in res.stdout
    assert _tree(home) == before  # nothing written (no reports/, nothing under data/raw/)


# ----------------------------------------------------------------------------- ledgers


def test_one_unreadable_ledger_is_named_and_the_others_used(tmp_path):
    from airlib.demo.ledgers import write_demo_ledgers
    from airlib.demo.registry import towns_frame
    from airlib.report import task_progress
    from airlib.report.config import DEMO

    folder = tmp_path / "data" / "raw" / "demo" / "ledgers"
    written = write_demo_ledgers(folder)
    towns = towns_frame()
    month = pd.Period("2017-12", "M")
    good_problems: list[dict[str, str]] = []
    [full] = task_progress(DEMO, month, towns, tmp_path, good_problems)
    assert good_problems == []
    # a truncated workbook and a file of random bytes beside the good ones
    bad1 = folder / "<img src=x>截断.xlsx"
    bad1.write_bytes(written[0].read_bytes()[:300])
    bad2 = folder / "乱码.csv"
    bad2.write_bytes(bytes(range(256)) * 4)
    problems: list[dict[str, str]] = []
    [prog] = task_progress(DEMO, month, towns, tmp_path, problems)  # the readable ledgers still give it
    pd.testing.assert_frame_equal(prog.scores, full.scores)
    named = {p["file"] for p in problems}
    assert named == {bad1.name, bad2.name}
    assert all(p["problem"] for p in problems)
    # nothing readable: no task section, but every file is named
    for p in written:
        p.unlink()
    problems = []
    assert task_progress(DEMO, month, towns, tmp_path, problems) == []
    assert {p["file"] for p in problems} == {bad1.name, bad2.name}
    assert any("BadZipFile" in p["problem"] or "zip" in p["problem"].lower() for p in problems)


# ----------------------------------------------------------------------------- stale folders


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_clean_stale_removes_dead_owners_only(tmp_path):
    from airlib.report.cleanup import _host_tag, clean_stale, owned_prefix, process_start_time

    host = _host_tag()
    me = os.getpid()
    my_start = process_start_time(me)
    assert my_start is not None and process_start_time(_dead_pid()) is None
    tmp = tmp_path / "tmp"
    reports = tmp_path / "reports" / "门头沟区"
    tmp.mkdir()
    reports.mkdir(parents=True)
    dead = _dead_pid()

    def mk(base: Path, name: str) -> Path:
        (base / name).mkdir()
        (base / name / "f").write_text("x")
        return base / name

    removed_expected = [
        mk(reports, f".2018-01.staging-{host}-{dead}-123-abc"),
        mk(tmp, f"airlib-k-{host}-{dead}-123-abc"),
        mk(tmp, f"airlib-html-{host}-{dead}-123-abc"),
        mk(tmp, f"airlib-chromium-{host}-{dead}-123-abc"),
        # pid reused: this live process, but another start time
        mk(tmp, f"airlib-k-{host}-{me}-{int(my_start) + 1}-abc"),
    ]
    kept = [
        Path(tempfile.mkdtemp(prefix=owned_prefix(".2018-01.staging-"), dir=reports)),
        Path(tempfile.mkdtemp(prefix=owned_prefix("airlib-k-"), dir=tmp)),
        mk(tmp, f"airlib-html-{'f' if host[0] != 'f' else 'e'}{host[1:]}-{dead}-123-abc"),  # other host
        mk(tmp, "airlib-chromium-legacyabc"),  # no owner tag: unknown, kept
        mk(reports, "2018-01"),  # a published month
        mk(tmp, f"other-{host}-{dead}-123-abc"),  # not ours
    ]
    removed = clean_stale(tmp_path, tmp)
    assert sorted(removed) == sorted(removed_expected)
    assert not any(p.exists() for p in removed_expected)
    assert all(p.exists() for p in kept)


# ----------------------------------------------------------------------------- slow: full runs

REPORT_MONTH = "2017-12"
SECRET = "CANARY-SECRET-31337"


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _printed(name: str, flat: str) -> bool:
    """``name`` is printed in the PDF text ``flat`` (whitespace removed): whole, or — where a
    table cell wraps it (at spaces, after ``>``, between ASCII and CJK) and pdftotext interleaves
    the wrapped lines with the next columns — every piece between such breaks."""
    if _squash(name) in flat:
        return True
    pieces = [run for part in re.split(r"(?<=>)|\s+", name)
              for run in re.findall(r"[\x21-\x7e]+|[^\x00-\x7f\s]+", part)]
    return all(p in flat for p in pieces)


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory):
    """A project with the demo store whose town/station names, district name, plan title, task
    names and one ledger file name are injection strings; a canary file outside the project."""
    import yaml

    from airlib.demo.generator import write_demo
    from airlib.demo.ledgers import write_demo_ledgers
    from airlib.demo.main_job import ingest_demo
    from airlib.paths import PROJECT_ROOT
    from airlib.io.plans import load_plan

    import shutil

    base = tmp_path_factory.mktemp("hostile")
    # the canary's path has no hyphen: pdftotext joins a word hyphenated at a line end, so a
    # wrapped "pytest-of-root" would not read back literally
    canary_dir = Path(tempfile.mkdtemp(prefix="airlibcanary", dir="/tmp"))
    canary = canary_dir / "canary.txt"
    canary.write_text(SECRET)
    home = base / "home"
    raw = home / "data" / "raw"
    write_demo(raw / "demo", end=REPORT_MONTH)
    ingest_demo(raw / "demo", home / "data" / "processed")
    store = home / "data" / "processed" / "demo"
    town_inj = [
        "<img src=x onerror=alert(1)>甲",
        f'<iframe src="{canary.as_uri()}"></iframe>乙',
        "<script>document.write('PWN'+'ED42')</script>丙",
        "[点我](javascript:alert(1))**粗**`码`丁",
        "$x^2$|竖|~~删~~_斜_戊",
        f"![图]({canary.as_uri()})己",
    ]
    towns = pd.read_parquet(store / "towns.parquet")
    towns["aliases"] = (towns["town_name"].astype(str) + "|" + towns["aliases"].fillna("").astype(str)).str.strip("|")
    renamed = dict(zip(towns["town_name"].iloc[:len(town_inj)], town_inj, strict=True))
    towns["town_name"] = towns["town_name"].replace(renamed).astype("string")
    towns.to_parquet(store / "towns.parquet")
    stations = pd.read_parquet(store / "stations.parquet")
    stations["station_name"] = ("<img src=x onerror=alert(2)>站" + stations["station_name"].astype(str)).astype("string")
    stations.to_parquet(store / "stations.parquet")
    # district names are folder names: `<>:"|?*` and path characters are refused
    # (report_config.check_folder_name); what is left can still be hostile Markdown/mathtext
    district = "注入区$y$_[链接](#x)&amp;~~删~~"
    plan_text = (PROJECT_ROOT / "data" / "raw" / "plans" / "mentougou_2017_autumn_winter.yaml").read_text(encoding="utf-8")
    plan_text = plan_text.replace("  district: 门头沟区\n", f"  district: {json.dumps(district, ensure_ascii=False)}\n", 1)
    title = '<script>alert("T")</script>注入方案[链接](javascript:alert(4))'
    plan_text = re.sub(r"^  title: .*$", f"  title: {json.dumps(title, ensure_ascii=False)}", plan_text, count=1, flags=re.M)
    plan_text = re.sub(r"^    task: (.*)$",
                       lambda m: "    task: " + json.dumps(f"<b>任务</b>**{m.group(1)}**", ensure_ascii=False),
                       plan_text, flags=re.M)
    plans = raw / "plans"
    plans.mkdir(parents=True)
    (plans / "hostile.yaml").write_text(plan_text, encoding="utf-8")
    plan = load_plan(plans / "hostile.yaml", warn=False)
    assert plan.plan.district == district and plan.plan.title == title
    ledgers = raw / "hostile_ledgers"
    written = write_demo_ledgers(ledgers, plan=plan)
    bad_ledger = ledgers / "<img src=x onerror=alert(5)>坏台账.xlsx"
    bad_ledger.write_bytes(written[0].read_bytes()[:500])
    # a ledger whose town cell is an injection string (unknown town: the file is unreadable and
    # the reason, quoting the cell, is printed)
    wb = openpyxl.load_workbook(written[1])
    ws = wb.active
    bad_cell = "<img src=x onerror=alert(6)>[未知](javascript:alert(7))镇"
    ws["E4"] = bad_cell
    wb.save(ledgers / "坏单元格.xlsx")
    cfg = {"name": district, "district_code": "110109", "dataset": "demo",
           "boundaries": "data/raw/demo/boundaries/towns_schematic.geojson", "bottom_n": 2,
           "plans": ["data/raw/plans/hostile.yaml"], "ledgers": "data/raw/hostile_ledgers"}
    (raw / "districts.yaml").write_text(yaml.safe_dump({"districts": [cfg]}, allow_unicode=True), encoding="utf-8")
    yield SimpleNamespace(home=home, district=district, towns=town_inj, title=title,
                          bad_ledger=bad_ledger.name, bad_cell=bad_cell, task_prefix="<b>任务</b>**")
    shutil.rmtree(canary_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def hostile_run(hostile_home):
    h = hostile_home
    res = _cli(["report", "--district", h.district, "--month", REPORT_MONTH], h.home, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    folder = h.home / "reports" / h.district / REPORT_MONTH
    pdf = folder / f"{h.district}_{REPORT_MONTH}_月排名报告.pdf"
    assert pdf.exists()
    return SimpleNamespace(folder=folder, pdf=pdf, text=_pdf_text(pdf))


@pytest.mark.slow
def test_hostile_report_prints_every_text_literally(hostile_home, hostile_run):
    h, text = hostile_home, hostile_run.text
    flat = _squash(text)
    assert SECRET not in text and "PWNED42" not in text
    for s in [h.district, h.title, h.bad_ledger, "坏单元格.xlsx"]:
        assert _squash(s) in flat, s
    assert _printed(h.bad_cell, flat)  # the ledger cell, quoted in the reason
    for s in h.towns:
        assert _printed(s, flat), s
    assert _printed(h.task_prefix, flat)  # task names (overdue table)
    assert "无法读取" in text  # the unreadable ledger is named …
    assert re.search(r"表\d+ 任务进展排名", text)  # … and the task section is still there (numbered in order)
    assert "本区本月无可用的任务台账" not in text


@pytest.mark.slow
def test_hostile_report_html_and_excel_have_no_live_markup(hostile_home, hostile_run, tmp_path):
    from airlib.report import notebook_to_html

    h = hostile_home
    body = notebook_to_html(hostile_run.folder / "monthly_report.ipynb", tmp_path / "r.html").read_text()
    for tag in ("<img src=x", "<iframe", "<script", 'href="javascript', "<b>任务", "<strong>粗", "<strong>$y",
                "<code>码", "<del>"):
        assert tag.lower() not in body.lower(), tag
    visible = _squash(html.unescape(re.sub(r"<[^>]+>", "", body)))
    for s in [*h.towns, h.district, h.title, h.bad_ledger, h.bad_cell]:
        assert _squash(s) in visible, s  # it is there, as text
    xlsx = hostile_run.folder / f"{h.district}_{REPORT_MONTH}_排名表.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[wb.sheetnames[0]]
    assert ws["A1"].value.startswith(h.district)
    cells = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert set(h.towns) <= cells


@pytest.mark.slow
def test_killed_report_keeps_last_pdf_and_next_run_cleans(hostile_home, hostile_run):
    """SIGKILL mid-run: the published PDF and workbook stay byte-identical; the staging and
    temporary folders the dead run left are removed by the next run's cleanup."""
    from airlib.report import clean_stale

    h = hostile_home
    xlsx = hostile_run.folder / f"{h.district}_{REPORT_MONTH}_排名表.xlsx"
    before = (_sha(hostile_run.pdf), _sha(xlsx))
    env = dict(os.environ, AIRLIB_HOME=str(h.home))
    env.pop("AIRLIB_DISTRICTS", None)
    proc = subprocess.Popen([sys.executable, "-m", "airlib.cli", "report", "--district", h.district,
                             "--month", REPORT_MONTH], env=env, cwd=str(h.home),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    parent = hostile_run.folder.parent
    tmp = Path(tempfile.gettempdir())
    deadline = time.monotonic() + 300
    staging = kernel_dirs = []
    while time.monotonic() < deadline and proc.poll() is None:
        staging = list(parent.glob(".*.staging-*"))
        kernel_dirs = list(tmp.glob(f"airlib-k-*-{proc.pid}-*"))
        if staging and kernel_dirs and any((s / "figures").exists() for s in staging):
            break  # mid-run: the notebook is writing figures
        time.sleep(0.2)
    assert proc.poll() is None, "the report finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    assert staging and kernel_dirs
    left = [p for p in [*staging, *kernel_dirs] if p.exists()]
    assert left, "a killed run leaves its folders (the case the cleanup exists for)"
    assert (_sha(hostile_run.pdf), _sha(xlsx)) == before
    removed = clean_stale(h.home)
    assert set(left) <= set(removed)
    assert not any(p.exists() for p in left)


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                         capture_output=True, check=False)
    return res.returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["full-disk", "read-only"])
def test_report_on_full_or_read_only_disk(hostile_home, hostile_run, tmp_path, fault):
    """reports/ on a tiny tmpfs (full) or a read-only one: a clear one-paragraph error, no
    traceback, the earlier PDF untouched, no staging folder left."""
    import shutil

    h = hostile_home
    home = tmp_path / "home"
    shutil.copytree(h.home / "data", home / "data", symlinks=True)  # the store's version pointer is a symlink
    reports = home / "reports"
    if not _mount_tmpfs(reports, "96k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        month_dir = reports / h.district / REPORT_MONTH
        month_dir.mkdir(parents=True)
        pdf = month_dir / f"{h.district}_{REPORT_MONTH}_月排名报告.pdf"
        pdf.write_bytes(b"%PDF-1.4 earlier good report\n" * 100)
        if fault == "read-only":
            assert subprocess.run(["mount", "-o", "remount,ro", str(reports)], check=False).returncode == 0
        res = _cli(["report", "--district", h.district, "--month", REPORT_MONTH], home, timeout=900)
        assert res.returncode == 2, res.stderr[-2000:]
        assert "Traceback" not in res.stderr, res.stderr[-2000:]
        err = res.stderr.strip().splitlines()[-1]
        assert err.startswith("airlib: error: "), err
        needle = "No space left on device" if fault == "full-disk" else "Read-only file system"
        assert needle in err and "untouched" in err, err
        assert pdf.read_bytes() == b"%PDF-1.4 earlier good report\n" * 100
        assert not list((reports / h.district).glob(".*staging*"))
    finally:
        subprocess.run(["umount", "-l", str(reports)], check=False)


def test_bad_bottom_n_refused_before_any_kernel(tmp_path, monkeypatch):
    from airlib.report import run_report

    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "districts.yaml").write_text(
        "districts:\n  - name: 门头沟区\n    bottom_n: abc\n", encoding="utf-8")
    before = _tree(tmp_path)
    with pytest.raises(AirlibError, match="bottom"):
        run_report("门头沟区", "2017-12", project_root=tmp_path, today=pd.Timestamp("2018-03-01").date())
    (tmp_path / "data" / "raw" / "districts.yaml").write_text("districts: []\n", encoding="utf-8")
    for bad in (-1, 2.5, True):
        with pytest.raises(AirlibError, match="bottom N must be a whole number ≥ 0"):
            run_report("门头沟区", "2017-12", project_root=tmp_path, bottom_n=bad, today=pd.Timestamp("2018-03-01").date())
    assert _tree(tmp_path) == before


def test_write_errors_are_told_apart():
    from airlib.report.errors import ReportError, ReportWriteError, write_error_class

    assert write_error_class(OSError(28, "No space left on device")) is ReportWriteError
    assert write_error_class(PermissionError(13, "Permission denied")) is ReportWriteError
    assert write_error_class(ReportError("cell 5: OSError: [Errno 30] Read-only file system")) is ReportWriteError
    assert write_error_class(ReportError("cell 5: ValueError: boom")) is ReportError
    assert write_error_class(FileNotFoundError(2, "x")) is ReportError


def test_target_tracking_figures_draw_names_literally():
    """The target-tracking notebook's figures (airlib.tracking.progress, airlib.tracking.targets) too."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.tracking.progress import STATUSES, plot_status_counts, plot_town_scores
    from airlib.tracking.targets import plot_town_changes

    names = ["$x^2$镇", "a$b$c"]
    scores = pd.DataFrame({"town_name": names, "score": [80.0, 60.0], "n_overdue": [0, 1], "n_behind": [0, 0],
                           "rank": [1, 2]})
    prog = pd.DataFrame({"town_name": names, "target": [1.0, 2.0], "status": [STATUSES[0], STATUSES[3]]})
    result = pd.DataFrame({"target_id": ["T01"] * 2, "window": ["目标期累计"] * 2, "change_pct": [-30.0, -10.0],
                           "area_name": names, "status": ["达标", "未达标"], "target_value": [25.0, 25.0],
                           "metric_label": ["PM2.5"] * 2})
    axes = [plot_town_scores(scores, "$t$区"), plot_status_counts(prog, "$t$区"), plot_town_changes(result, "T01")]
    for ax in axes:
        ax.figure.canvas.draw()
        texts = _all_texts(ax.figure)
        assert all(t._preprocess_math(t.get_text())[1] is False for t in texts)
        shown = "\n".join(t._preprocess_math(t.get_text())[0] for t in texts)
        assert all(n in shown for n in names), shown
    assert "$t$区" in "\n".join(t.get_text().replace("\\$", "$") for t in _all_texts(axes[0].figure))
    plt.close("all")
