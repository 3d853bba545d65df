"""City context in the report: districts.yaml key ``city_table``, the section and its sentence."""

from __future__ import annotations

import pytest

from airlib.errors import InputDataError
from airlib.report.config import DEMO, load_districts
from tests.report.conftest import NEW

def test_city_table_key_accepted(cfg, tmp_path):
    cfg("districts:\n" + NEW + "    city_table: data/raw/city/city_{month}.xlsx\n"
        "  - name: 门头沟区\n    city_table: null\n")
    d = load_districts(tmp_path)
    assert d["测试区"].city_table == "data/raw/city/city_{month}.xlsx"
    assert d["门头沟区"].city_table is None
    assert DEMO.city_table == "data/raw/demo/city/city_{month}.csv"


@pytest.mark.parametrize("value, needles", [
    ("data/raw/city/city.xlsx", ["{month} once"]),
    ("data/raw/city/{month}/c_{month}.csv", ["{month} once"]),
    ("data/raw/city/c_{month}_{x}.csv", ["no other braces"]),
    ("data/raw/city/c_{month}.pdf", [".csv, .txt, .xlsx"]),
    ("../../c_{month}.csv", ["outside the project"]),
    ("[1]", ["path template"]),
    ('""', ["path template"]),
])
def test_bad_city_table_names_file_entry_and_key(cfg, tmp_path, value, needles):
    cfg("districts:\n" + NEW + f"    city_table: {value}\n")
    with pytest.raises(InputDataError) as e:
        load_districts(tmp_path)
    msg = str(e.value)
    assert "districts.yaml" in msg and "entry 1 ('测试区')" in msg and "'city_table'" in msg
    for n in needles:
        assert n in msg


# ---- sentence and table (no report run) ------------------------------------------------------

import re  # noqa: E402
from dataclasses import replace  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from airlib.errors import AirlibError  # noqa: E402
from airlib.io.city_table import read_city_table  # noqa: E402
from airlib.report import city as CT  # noqa: E402
from airlib.report.data import CityContext  # noqa: E402
from airlib.tracking.city_context import city_ranking, district_place  # noqa: E402

CITY_ROWS = ["东城区", "西城区", "朝阳区", "门头沟区", "延庆区"]


def _data(tmp_path, rows, header="区,PM2.5,同比,累计PM2.5,累计同比", month="2024-06", name="门头沟区",
          synthetic=False):
    p = tmp_path / "city.csv"
    p.write_text("\n".join([header, *rows]), encoding="utf-8")
    r = city_ranking(read_city_table(p, name))
    ctx = CityContext(file=p, label="data/raw/city/city.csv", ranking=r, place=district_place(r, "110109"))
    cfg = replace(DEMO, name=name, synthetic=synthetic)
    return SimpleNamespace(config=cfg, month=pd.Period(month, freq="M"), city=ctx)


def _recount(sentence: str, table: pd.DataFrame, col: str) -> None:
    """The first rank stated in the sentence equals 1 + districts with a lower value."""
    d = table[~table["is_city"]]
    mine = d.loc[d["district"] == "门头沟区", col].item()
    assert f"排第{1 + int((d[col] < mine).sum())}名" in sentence


def test_sentence_states_value_rank_and_falls(tmp_path):
    data = _data(tmp_path, ["东城区,30.0,-5.0,31,-2", "西城区,28.4,-1.0,30,-1", "朝阳区,35.2,-9.0,33,-3",
                            "门头沟区,29.0,-6.5,32,-4.0", "延庆区,25.0,-3.0,28,0"])
    s = CT.city_sentence(data)
    assert s.startswith("2024年6月，门头沟区PM2.5浓度为29.0微克/立方米，在全市5个区中排第3名")
    assert "同比下降6.5%，改善幅度排第2名" in s
    assert "1—6月累计浓度为32.0微克/立方米，排第4名" in s and "累计同比下降4.0%，改善幅度排第1名" in s
    assert "并列" not in s and s.endswith("。")
    _recount(s, data.city.ranking, "pm25")


def test_all_worsen_and_zero_change(tmp_path):
    data = _data(tmp_path, ["东城区,30,5.0,,", "西城区,28,1.0,,", "朝阳区,35,9.0,,", "门头沟区,29,0.0,,",
                            "延庆区,25,3.0,,"], month="2023-06")
    s = CT.city_sentence(data)
    assert "PM2.5浓度为29微克/立方米" in s  # integers through 2023
    assert "同比持平，改善幅度排第1名" in s and "下降" not in s
    data = _data(tmp_path, ["东城区,30,1.0,,", "门头沟区,29,2.5,,"])
    assert "同比上升2.5%，改善幅度排第2名" in CT.city_sentence(data)
    assert "累计" not in CT.city_sentence(data)  # no YTD values: nothing said about them


def test_ties_first_last_and_all_equal(tmp_path):
    first = _data(tmp_path, ["东城区,29,,,", "西城区,30,,,", "门头沟区,29,,,"])
    assert "排第1名（与东城区并列）" in CT.city_sentence(first)
    last = _data(tmp_path, ["东城区,20,,,", "西城区,30,,,", "门头沟区,30,,,"])
    assert "排第2名（与西城区并列）" in CT.city_sentence(last)
    equal = _data(tmp_path, [f"{n},30,,," for n in CITY_ROWS])
    s = CT.city_sentence(equal)
    assert "排第1名（与其他4个区并列）" in s
    en = CT.city_sentence(equal, "en")
    assert "rank 1 among 5 districts (tied with 4 other districts)" in en and "微克" not in en


def test_development_zone_is_named_not_counted_as_a_district(tmp_path):
    data = _data(tmp_path, ["东城区,30,,,", "北京经济技术开发区,28,,,", "门头沟区,29,,,"])
    s = CT.city_sentence(data)
    assert "在全市2个区和经济技术开发区中排第2名" in s
    assert "among 2 districts and the Economic-Technological Development Area" in CT.city_sentence(data, "en")
    assert CT.city_display(data).iloc[:, 0].tolist() == ["经济技术开发区", "门头沟区", "东城区"]
    assert CT.city_display(data, "en").iloc[:, 0].tolist() == ["E-Town (BDA)", "Mentougou", "Dongcheng"]
    tie = _data(tmp_path, ["东城区,29,,,", "门头沟区,29,,,"])
    assert CT.city_sentence(tie, "en").startswith("In 2024-06, Mentougou's PM2.5 was 29.0 µg/m³, rank 1 among 2 "
                                                   "districts (tied with Dongcheng)")
    no_value = _data(tmp_path, ["东城区,30,,,", "经开区,,,,", "门头沟区,29,,,"])
    assert "在全市2个区中排第1名" in CT.city_sentence(no_value)


def test_district_without_value_and_city_row(tmp_path):
    data = _data(tmp_path, ["全市,10,,,", "东城区,30,,,", "门头沟区,29,,,"])
    assert "在全市2个区中排第1名" in CT.city_sentence(data)  # the city row is not a district
    disp = CT.city_display(data)
    assert disp.iloc[:, 0].tolist() == ["门头沟区", "东城区", "全市"]
    assert disp.iloc[-1, 2] == "—"  # 全市 has no rank
    assert CT.city_highlight_rows(data) == [0]


def test_display_precision_columns_and_missing(tmp_path):
    data = _data(tmp_path, ["东城区,30,-5,,", "门头沟区,29,,,"], header="区,PM2.5,同比,累计PM2.5,综合指数")
    disp = CT.city_display(data)
    assert list(disp.columns) == ["区", "PM2.5(µg/m³)", "排名", "同比(%)", "改善排名", "综合指数", "综合指数排名"]
    assert disp.iloc[0].tolist() == ["门头沟区", "29.0", "1", "—", "—", "—", "—"]
    assert disp.iloc[1, 3] == "-5.0"
    ytd = CT.city_display(data, table="ytd")
    assert list(ytd.columns) == ["区", "累计PM2.5(µg/m³)", "累计排名"] and ytd.iloc[0].tolist() == ["东城区", "—", "—"]
    assert CT.city_highlight_rows(data, "ytd") == [1] and CT.city_highlight_rows(data) == [0]
    only_month = _data(tmp_path, ["东城区,30", "门头沟区,29"], header="区,PM2.5")
    assert CT.city_display(only_month, table="ytd") is None
    old = _data(tmp_path, ["东城区,30,-5,,", "门头沟区,29,,,"], month="2023-12")
    assert CT.city_display(old).iloc[0, 1] == "29"


def test_a_wrong_rank_is_refused(tmp_path):
    data = _data(tmp_path, ["东城区,30,,,", "门头沟区,29,,,"])
    data.city.ranking.loc[data.city.ranking["district"] == "门头沟区", "pm25"] = 31.0  # table ≠ ranks
    with pytest.raises(AirlibError, match="the table gives rank 2"):
        CT.city_sentence(data)


def test_notes_missing_synthetic_and_escaping(tmp_path):
    data = _data(tmp_path, ["东城区,30,,,", "门头沟区,29,,,"], synthetic=True)
    notes = CT.city_notes(data)
    assert "data/raw/city/city" in notes[0].replace("\\", "") and "合成演示数据" in notes[1]
    missing = SimpleNamespace(config=DEMO, month=pd.Period("2024-06", freq="M"),
                              city=CityContext(file=tmp_path / "x", label="data/raw/c_*[x](y).csv", ranking=None))
    (note,) = CT.city_notes(missing)
    assert note.startswith("未找到2024年6月全市各区数据表") and r"\*\[x\]\(y\)" in note
    assert CT.city_sentence(missing) is None and CT.city_display(missing) is None
    none = SimpleNamespace(config=DEMO, month=pd.Period("2024-06", freq="M"), city=None)
    assert CT.city_notes(none) == [] and CT.city_highlight_rows(none) == []


# ---- the demo report (slow) ------------------------------------------------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

CITY_MONTH = "2017-12"


@pytest.fixture(scope="module")
def city_home(tmp_path_factory):
    """A project with the demo ingested up to 2017-12 (the demo writes its city tables)."""
    from airlib.demo.generator import write_demo
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("city_home")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end=CITY_MONTH)
    ingest_demo(raw, home / "data" / "processed")
    return home


def _cli(args, home):
    env = dict(os.environ, AIRLIB_HOME=str(home))
    env.pop("AIRLIB_DISTRICTS", None)
    return subprocess.run([sys.executable, "-m", "airlib.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600, cwd=str(home))


@pytest.mark.slow
def test_demo_city_tables_and_section(city_home, tmp_path):
    from IPython.display import HTML, Markdown

    from airlib.report import ReportRequest, prepare, sections
    from airlib.tracking.city_context import city_ranking

    folder = city_home / "data" / "raw" / "demo" / "city"
    names = sorted(p.name for p in folder.glob("city_*.csv"))
    assert names[0] == "city_2017-01.csv" and names[-1] == f"city_{CITY_MONTH}.csv" and len(names) == 12
    path = folder / f"city_{CITY_MONTH}.csv"
    assert path.read_text(encoding="utf-8").startswith("合成演示数据（SYNTHETIC）")
    request = ReportRequest.build("门头沟区", CITY_MONTH, project_root=city_home, output_dir=tmp_path / "out")
    data = prepare(request)
    assert "data/raw/demo/city/city_2017-12.csv" in data.inputs["file"].tolist()  # run record
    r = city_ranking(read_city_table(path, "门头沟区"))
    mine = r[r["district"] == "门头沟区"].iloc[0]
    # the demo district's value is its own monthly mean (published precision: integers in 2017)
    dm = data.district_monthly
    own = dm.loc[dm["month"].dt.to_period("M").astype(str) == CITY_MONTH, "pm25"].item()
    assert abs(mine["pm25"] - own) <= 0.5
    objs = sections.city_context(request, data)
    assert [type(o) for o in objs] == [Markdown, Markdown, HTML, HTML, Markdown, Markdown]
    assert objs[0].data == "### 全市各区排名情况"  # a subsection of 一、月排名
    assert f"在全市16个区中排第{int(mine['pm25_rank'])}名" in objs[1].data
    assert "background:#dbe9f6" in objs[2].data and "1—12月全市各区累计" in objs[3].data
    assert "合成演示数据" in objs[5].data
    # configured but missing for the month: one note, nothing else
    path.rename(tmp_path / "moved.csv")
    try:
        objs = sections.city_context(request, prepare(request))
        assert len(objs) == 1 and "未找到2017年12月全市各区数据表" in objs[0].data
    finally:
        (tmp_path / "moved.csv").rename(path)


@pytest.mark.slow
def test_wrong_city_table_fails_before_the_kernel(city_home):
    path = city_home / "data" / "raw" / "demo" / "city" / f"city_{CITY_MONTH}.csv"
    good = path.read_bytes()
    try:
        path.write_bytes(good.replace("西城区".encode(), "西成区".encode()))
        res = _cli(["report", "--district", "门头沟区", "--month", CITY_MONTH], city_home)
        assert res.returncode == 2 and "Traceback" not in res.stderr
        assert "city_2017-12.csv" in res.stderr and "row 4" in res.stderr and "西城区" in res.stderr
        assert not (city_home / "reports" / "门头沟区" / CITY_MONTH).exists()
    finally:
        path.write_bytes(good)


def test_city_workbook_sheets_hold_the_numbers_of_the_table(tmp_path):
    """The city tables as workbook sheets: numbers stored as numbers (the table's values),
    published-precision formats, the district's row shaded, the PDF's caption with its number."""
    import openpyxl

    from airlib.report.city import city_workbook_tables
    from airlib.report.excel import HIGHLIGHT_FILL, write_workbook
    from airlib.report.numbering import Numbering

    data = _data(tmp_path, ["东城区,40,-5.0,41,-3.0", "门头沟区,38,+2.0,39,1.0", "西城区,38,0,45,2.0"])
    data.numbering = Numbering()
    sheets = city_workbook_tables(data, "标题", "说明", "zh")
    assert [s.sheet for s in sheets] == ["全市各区（当月）", "全市各区（累计）"]
    path = write_workbook(tmp_path / "w.xlsx", sheets)
    ws = openpyxl.load_workbook(path)["全市各区（当月）"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[0], r[1], r[2]) for r in rows] == [("门头沟区", 38, 1), ("西城区", 38, 1), ("东城区", 40, 3)]
    assert ws["B4"].number_format == "0.0" and isinstance(ws["B4"].value, (int, float))
    shaded = [c.row for c in ws["A"] if c.fill.fgColor.rgb and c.fill.fgColor.rgb.endswith(HIGHLIGHT_FILL[-6:])]
    assert ws.cell(row=2, column=1).value.startswith(f"表{data.numbering.tables['city']} ")
    assert shaded == [4]  # 门头沟区, first by PM2.5 rank
