"""Layout of the monthly report (issue #12, item 5): the cover (发文单位, 文号, date, a title
without orphaned characters), the PDF's title metadata, the maps section (no boundaries, no
last-year values) — and, slow, every page of real reports filled at least half unless it is
the last."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airlib.report.config import DEMO, DistrictConfig
from airlib.report.content import (
    _width,
    cover_head_html,
    has_last_year,
    map_source_line,
    split_title,
)
from airlib.report.data import ReportData
from airlib.report.rendering import first_heading, set_title
from airlib.report.texts import text

NOT_DEMO = DistrictConfig(name="测试区", district_code="110199", dataset="t")


def _data(cfg: DistrictConfig = DEMO, month: str = "2024-06", ranking: pd.DataFrame | None = None,
          boundaries=None) -> ReportData:
    """A ReportData with only what the cover and the maps section read."""
    empty = pd.DataFrame()
    return ReportData(
        config=cfg, month=pd.Period(month, "M"), bottom_n=3, towns=empty, stations=empty,
        station_daily=empty, town_daily=empty, district_daily=empty,
        ranking=ranking if ranking is not None else empty, bottom=empty, worsening=empty, warnings=empty,
        district_monthly=empty, boundaries=boundaries, validity={}, inputs=empty, versions={},
    )


# ---- the title -------------------------------------------------------------------------------------


@pytest.mark.parametrize("district", ["门头沟区", "东城区", "经济技术开发区", "北京经济技术开发区亦庄新城"])
@pytest.mark.parametrize("month", [1, 12])
def test_title_lines_are_balanced_and_never_orphan_a_word(district, month):
    title = text("title", "zh", district=district, year=2024, month=month)
    lines = split_title(title)
    assert "".join(lines) == title  # nothing lost or changed
    assert len(lines) == (1 if _width(title) <= 24 else 2)  # one line when it fits (东城区2024年1月…: 23.5)
    widths = [_width(x) for x in lines]
    assert min(widths) >= 0.35 * sum(widths), lines  # balanced: no 「报告」 alone
    for line in lines:
        assert not re.search(r"[（(]$", line) and not re.match(r"^[）)，。、]", line), lines
    assert "PM2.5" in "".join(x for x in lines if "PM" in x)  # PM2.5 is never split


def test_title_today_leaves_no_orphan():
    """The case of the issue: today's title put 「报告」 alone on its second line."""
    lines = split_title("门头沟区2017年12月乡镇街道空气质量（PM2.5）排名报告")
    assert lines == ["门头沟区2017年12月乡镇街道", "空气质量（PM2.5）排名报告"]


def test_short_title_stays_on_one_line_and_width_edges():
    assert split_title("月报") == ["月报"]
    assert _width("PM2.5") == 2.5 and _width("报告") == 2.0
    exactly = "区" * 24
    assert split_title(exactly) == [exactly]  # the edge: 24 full-width characters still fit
    assert len(split_title(exactly + "区")) == 2
    assert split_title("A" * 60) == ["A" * 60]  # no allowed break: left whole (the browser wraps it)


# ---- the cover -------------------------------------------------------------------------------------


def test_cover_head_has_blank_lines_when_not_configured():
    html = cover_head_html(_data(), "zh", today=dt.date(2024, 7, 3))
    assert "发文单位：________________" in html and "文号：________________" in html
    assert "2024年7月3日" in html
    assert html.count("class='airlib-title-line'") == 2
    title = text("title", "zh", district=DEMO.name, year=2024, month=6)
    assert first_heading(html) == title  # the two lines read back as the title


def test_cover_head_shows_configured_issuer_and_number_escaped():
    cfg = dataclasses.replace(NOT_DEMO, issuer="北京市测试区生态环境局<script>", document_number="测环发〔2024〕7号 & 附件")
    html = cover_head_html(_data(cfg), "zh", today=dt.date(2024, 7, 3))
    assert "发文单位：北京市测试区生态环境局&lt;script&gt;" in html and "<script>" not in html
    assert "文号：测环发〔2024〕7号 &amp; 附件" in html and "________" not in html
    en = cover_head_html(_data(cfg), "en", today=dt.date(2024, 7, 3))
    assert "Issued by: 北京市测试区生态环境局&lt;script&gt;" in en and "2024-07-03" in en
    # an English title broken at a space keeps the space between its two lines
    long = dataclasses.replace(cfg, name="北京经济技术开发区")
    en = cover_head_html(_data(long), "en", today=dt.date(2024, 7, 3))
    title_en = text("title", "en", district=long.name, year=2024, month=6)
    assert len(split_title(title_en)) == 2 and first_heading(en) == title_en
    assert "</span> <span class='airlib-title-line'>" in en


def test_cover_date_is_beijing_today_by_default():
    before = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    html = cover_head_html(_data(), "zh")
    after = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    assert any(f"{d.year}年{d.month}月{d.day}日" in html for d in (before, after))


# ---- PDF title metadata ----------------------------------------------------------------------------


def test_html_title_is_the_first_heading_escaped():
    body = ("<html><head><meta charset='utf-8'>\n<title>Notebook</title></head><body>"
            "<h1 class='airlib-title'><span>门头沟区2024年6月</span><span>报告 &amp; A&lt;B</span>"
            "<a class=\"anchor-link\" href=\"#x\">¶</a></h1><h1>second</h1></body></html>")
    title = first_heading(body)
    assert title == "门头沟区2024年6月报告 & A<B"
    out = set_title(body, title)
    assert "<title>门头沟区2024年6月报告 &amp; A&lt;B</title>" in out and "Notebook" not in out
    assert first_heading("<html><head></head><body><p>x</p></body></html>") is None
    added = set_title("<html><head></head><body></body></html>", "T")
    assert "<head><title>T</title>" in added


# ---- maps section -------------------------------------------------------------------------------------


def test_has_last_year_needs_one_yoy_value():
    assert not has_last_year(_data(ranking=pd.DataFrame({"yoy_pct": [np.nan, np.nan]})))
    assert has_last_year(_data(ranking=pd.DataFrame({"yoy_pct": [np.nan, -3.2]})))
    assert not has_last_year(_data(ranking=pd.DataFrame({"pm25": [30.0]})))
    assert not has_last_year(_data(ranking=pd.DataFrame({"yoy_pct": pd.Series([], dtype=float)})))


def test_map_source_line_names_boundary_file_and_data():
    import geopandas as gpd

    b = gpd.GeoDataFrame({"town_code": []}, geometry=[], crs=4326)
    b.attrs.update(source="/x/data/raw/demo/boundaries/towns_schematic.geojson", schematic=True)
    assert map_source_line(_data(DEMO, boundaries=b)) == "边界：towns_schematic.geojson（示意边界）；数据：合成演示数据"
    r = b.copy()
    r.attrs.update(source="/x/data/raw/t/towns.gpkg", schematic=False)
    assert map_source_line(_data(NOT_DEMO, boundaries=r)) == "边界：towns.gpkg；数据：测试区空气质量监测站点小时数据（t）"
    assert map_source_line(_data(NOT_DEMO, boundaries=r), "en") == (
        "Boundaries: towns.gpkg; data: 测试区 monitoring stations, hourly data (t)")


def test_maps_section_without_boundaries_is_a_note(tmp_path):
    from IPython.display import Markdown

    from airlib.report import sections
    from airlib.report.request import ReportRequest

    data = _data(NOT_DEMO)
    request = ReportRequest(config=NOT_DEMO, month=data.month, language="zh", bottom_n=3,
                            project_root=tmp_path, output_dir=tmp_path / "out")
    objs = sections.maps(request, data)
    assert [type(o) for o in objs] == [Markdown, Markdown]
    assert objs[1].data == text("no_boundaries", "zh") and "不含地图" in objs[1].data
    assert sections.interactive_maps(dataclasses.replace(request, interactive=True), data) == []
    assert not (tmp_path / "out").exists()  # no figure written
    assert request.boundaries is None and request.parameters()["boundaries"] is None


def test_maps_section_without_last_year_draws_one_map_and_says_why(tmp_path, monkeypatch):
    import geopandas as gpd
    from IPython.display import Image, Markdown
    from shapely.geometry import box

    from airlib.report import sections
    from airlib.report.request import ReportRequest

    b = gpd.GeoDataFrame({"town_code": pd.array(["110199001", "110199002"], dtype="string"),
                          "town_name": pd.array(["甲镇", "乙镇"], dtype="string")},
                         geometry=[box(116.0, 39.9, 116.1, 40.0), box(116.1, 39.9, 116.2, 40.0)], crs=4326)
    b.attrs.update(source="t.geojson", schematic=False, missing_towns=[])
    ranking = pd.DataFrame({"town_code": ["110199001", "110199002"], "town_name": ["甲镇", "乙镇"],
                            "pm25": [30.0, 40.0], "rank": [1, 2], "yoy_pct": [np.nan, np.nan],
                            "yoy_rank": pd.array([pd.NA, pd.NA], dtype="Int64")})
    data = _data(NOT_DEMO, ranking=ranking, boundaries=b)
    data.warnings = pd.DataFrame({"town_code": pd.Series([], dtype="string")})
    request = ReportRequest(config=NOT_DEMO, month=data.month, language="zh", bottom_n=3,
                            project_root=tmp_path, output_dir=tmp_path / "out")
    import airlib.report.maps as maps_module

    drawn = []
    real = maps_module.static_choropleth

    def spy(*args, **kwargs):
        fig = real(*args, **kwargs)
        drawn.append({t.get_gid() for ax in fig.axes for t in ax.texts} | {kwargs.get("north_label")})
        return fig

    monkeypatch.setattr(maps_module, "static_choropleth", spy)
    from IPython.display import HTML

    objs = sections.maps(request, data)  # heading, map, its numbered caption, the sentence
    assert [type(o) for o in objs] == [Markdown, Image, HTML, Markdown]
    assert len(drawn) == 1 and {"north_arrow", "scale_bar", "source_line", "北"} <= drawn[0]
    assert objs[3].data == text("no_yoy_map", "zh")
    assert sorted(p.name for p in request.figure_dir.glob("*.png")) == ["map_pm25_rank.png"]
    ranking.loc[1, "yoy_pct"] = 5.0  # one town with last year's value: both maps
    objs = sections.maps(request, data)
    assert [type(o) for o in objs] == [Markdown, Image, HTML, Image, HTML]
    assert (request.figure_dir / "map_pm25_yoy.png").exists()
    import matplotlib.pyplot as plt

    plt.close("all")


# ---- page fill (slow: real reports) ------------------------------------------------------------------

#: Page margins of the print style sheet [mm] (rendering.PRINT_CSS: 16 top, 18 bottom) and A4 height.
_TOP_MM, _BOTTOM_MM, _A4_MM = 16.0, 18.0, 297.0


def page_emptiness(pdf: Path, *, dpi: int = 40) -> list[float]:
    """Share of each page's text area [0–1] below its last inked row (the empty rest of the page),
    from the page rendered to PNG by ``pdftoppm`` (page-number footer outside the text area)."""
    import tempfile

    from PIL import Image

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-gray", str(pdf), f"{tmp}/p"], check=True)
        for png in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1])):
            a = np.asarray(Image.open(png).convert("L"), dtype=np.uint8)
            h = a.shape[0]
            top, bottom = round(h * _TOP_MM / _A4_MM), round(h * (1 - _BOTTOM_MM / _A4_MM))
            inked = np.flatnonzero((a[top:bottom] < 200).any(axis=1))
            last = inked[-1] + 1 if inked.size else 0
            out.append(1.0 - last / (bottom - top))
    return out


def test_page_emptiness_measure(tmp_path):
    """The measure itself: a page filled to 30 % is 70 % empty; an empty page is 100 % empty."""
    pytest.importorskip("PIL")
    from PIL import Image, ImageDraw

    h, w = 1000, 700
    top, bottom = round(h * _TOP_MM / _A4_MM), round(h * (1 - _BOTTOM_MM / _A4_MM))
    pages = []
    for fill in (0.3, 0.0, 1.0):
        im = Image.new("L", (w, h), 255)
        d = ImageDraw.Draw(im)
        if fill:
            d.rectangle([50, top, 600, top + int(fill * (bottom - top)) - 1], fill=0)
        d.text((300, h - 30), "1 / 3", fill=0)  # a footer never counts
        pages.append(im.convert("RGB"))
    pdf = tmp_path / "p.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=1000 / 11.69)
    e = page_emptiness(pdf)
    assert e[0] == pytest.approx(0.7, abs=0.03) and e[1] == 1.0 and e[2] == pytest.approx(0.0, abs=0.03)


def assert_pages_filled(pdf: Path) -> None:
    """No page but the last is more than half empty (the report's sections flow on, so only the
    last page ends a section with room to spare)."""
    e = page_emptiness(pdf)
    half_empty = [(i + 1, round(x, 2)) for i, x in enumerate(e[:-1]) if x > 0.5]
    assert not half_empty, f"{pdf.name}: pages more than half empty (page, share empty): {half_empty} of {len(e)}"


def _cli(args, home):
    import os
    import sys

    env = dict(os.environ, AIRLIB_HOME=str(home))
    env.pop("AIRLIB_DISTRICTS", None)
    return subprocess.run([sys.executable, "-m", "airlib.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600, cwd=str(home))


@pytest.fixture(scope="module")
def layout_home(tmp_path_factory):
    """A project with a short demo period (2015-10 … 2016-12) and a second district 无界区 on the
    same data, configured without boundaries and with issuer and document number."""
    from airlib.demo.generator import write_demo
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("layout_home")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end="2016-12")
    ingest_demo(raw, home / "data" / "processed")
    (home / "data" / "raw" / "districts.yaml").write_text(
        "districts:\n  - name: 无界区\n    district_code: \"110109\"\n    dataset: demo\n    bottom_n: 2\n"
        "    issuer: 北京市无界区生态环境局\n    document_number: 无环发〔2016〕12号\n", encoding="utf-8")
    return home


def _pdf(home: Path, district: str, month: str) -> Path:
    return home / "reports" / district / month / f"{district}_{month}_月排名报告.pdf"


def _pdftext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _title_metadata(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return next(ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("Title:"))


@pytest.mark.slow
def test_district_without_boundaries_gets_its_report_without_maps(layout_home):
    """No boundary file: the report runs (check_request, prepare, notebook, run record), prints
    the note instead of maps, shows the configured issuer and document number on the cover,
    and its pages are filled."""
    res = _cli(["report", "--district", "无界区", "--month", "2016-12"], layout_home)
    assert res.returncode == 0, res.stderr[-3000:]
    pdf = _pdf(layout_home, "无界区", "2016-12")
    txt = _pdftext(pdf)
    flat = re.sub(r"\s+", "", txt)
    assert "发文单位：北京市无界区生态环境局" in flat and "文号：无环发〔2016〕12号" in flat
    assert re.sub(r"\s+", "", text("no_boundaries", "zh")) in flat
    assert "六、乡镇街道排名地图" in flat
    figs = {p.name for p in (pdf.parent / "figures").glob("*.png")}
    assert not {n for n in figs if n.startswith("map_")}, figs
    import json

    record = json.loads(next(pdf.parent.glob("*_运行记录.json")).read_text(encoding="utf-8"))
    assert record["parameters"].get("boundaries") is None  # the run record says there were none
    assert not [i for i in record["inputs"] if i["file"].endswith((".geojson", ".gpkg", ".shp"))]
    assert ".geojson" not in flat  # and lists no boundary file among the inputs
    assert _title_metadata(pdf) == text("title", "zh", district="无界区", year=2016, month=12)
    assert_pages_filled(pdf)


@pytest.mark.slow
def test_demo_report_cover_title_maps_and_page_fill(layout_home):
    """The demo report: blank lines for 发文单位/文号, the title in two balanced lines (「报告」
    never alone), Title metadata = the title, both maps with north arrow / scale bar / source
    line, and no page but the last more than half empty."""
    res = _cli(["report", "--district", DEMO.name, "--month", "2016-12"], layout_home)
    assert res.returncode == 0, res.stderr[-3000:]
    pdf = _pdf(layout_home, DEMO.name, "2016-12")
    title = text("title", "zh", district=DEMO.name, year=2016, month=12)
    assert _title_metadata(pdf) == title
    txt = _pdftext(pdf)
    first_page = txt.split("\f")[0]
    assert re.search(r"发文单位：\s*_{8,}", first_page) and re.search(r"文号：\s*_{8,}", first_page)
    lines = [re.sub(r"\s+", "", ln) for ln in first_page.splitlines()]
    parts = split_title(title)
    assert len(parts) == 2 and all(p in lines for p in parts), (parts, lines[:12])  # each line as set
    assert "报告" not in lines
    flat = re.sub(r"\s+", "", txt)
    figs = {p.name for p in (pdf.parent / "figures").glob("*.png")}
    assert {"map_pm25_rank.png", "map_pm25_yoy.png"} <= figs  # (their artists: test_maps.py)
    assert_pages_filled(pdf)


@pytest.mark.slow
def test_first_year_report_has_no_yoy_map(layout_home):
    """2015-12 is the demo's first year: no last-year values, so one sentence, not a hatched map."""
    res = _cli(["report", "--district", DEMO.name, "--month", "2015-12"], layout_home)
    assert res.returncode == 0, res.stderr[-3000:]
    pdf = _pdf(layout_home, DEMO.name, "2015-12")
    flat = re.sub(r"\s+", "", _pdftext(pdf))
    assert re.sub(r"\s+", "", text("no_yoy_map", "zh")) in flat
    figs = {p.name for p in (pdf.parent / "figures").glob("*.png")}
    assert "map_pm25_rank.png" in figs and "map_pm25_yoy.png" not in figs
    assert_pages_filled(pdf)
