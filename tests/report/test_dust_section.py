"""The 扬尘 section: dustfall and road dust in the monthly report and its workbook (docs/dust.md)."""

from __future__ import annotations

import dataclasses

import numpy as np
import openpyxl
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.report import sections
from airlib.report.config import DEMO
from airlib.report.data import dust_data, prepare
from airlib.report.request import ReportRequest
from airlib.report.sentences import check_dust_summary, dust_summary, require_true_dust_summary

MONTH = "2017-12"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """A project with the demo up to 2017-12 ingested (dust sheets included)."""
    from airlib.demo.generator import write_demo
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("dust_home")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end=MONTH)
    ingest_demo(raw, home / "data" / "processed")
    return home


@pytest.fixture(scope="module")
def prepared(demo_home):
    request = ReportRequest.build(DEMO.name, MONTH, project_root=demo_home)
    return request, prepare(request)


def _texts(objs) -> str:
    out = []
    for o in objs:
        for attr in ("data", "_repr_markdown_", "_repr_html_"):
            v = getattr(o, attr, None)
            if isinstance(v, str):
                out.append(v)
                break
    return "\n".join(out)


def test_demo_has_dust_data_and_targets(prepared):
    _, data = prepared
    d = data.dust
    assert d is not None and d.base_year == 2017
    t = d.dustfall_table
    assert len(t) == 13 and t["rank"].min() == 1 and t["value"].between(3, 9).all()
    # the district value is the mean of the towns' unrounded monthly values
    m = d.dustfall_monthly
    assert d.dustfall_district == pytest.approx(m.loc[m["month"] == pd.Period(MONTH, "M"), "dustfall"].mean())
    # Mentougou 2017-18 T03 "小于5" (strict) for the district, evaluated from 2017-10 to 2017-12
    tg = d.dustfall_targets
    row = tg[(tg["target_id"] == "T03") & (tg["area_level"] == "区")].iloc[0]
    assert bool(row["strict"]) and row["comparison_word"] == "小于"
    months = pd.period_range("2017-10", "2017-12", freq="M")
    dm = m[m["month"].isin(months)].groupby("month")["dustfall"].mean()
    assert row["current"] == pytest.approx(dm.mean())
    assert row["status"] == ("达标" if dm.mean() < 5 else "未达标")
    assert d.road_dust_table is not None and len(d.road_dust_table) == 13


def test_section_present_with_tables_sentence_map(prepared):
    request, data = prepared
    objs = sections.dust(request, data)
    text = _texts(objs)
    assert "## 八、扬尘" in text and "### 降尘" in text and "### 道路尘土残存量" in text
    assert "2017年12月各街乡镇降尘量" in text and "降尘量目标完成情况" in text
    lowest = data.dust.dustfall_table.iloc[0]["town_name"]
    assert f"{lowest}" in text and f"{data.dust.dustfall_district:.1f}吨/平方公里·月" in text
    assert (request.figure_dir / "map_dustfall.png").exists() and (request.figure_dir / "map_road_dust.png").exists()


def test_section_absent_without_dust(prepared):
    request, data = prepared
    assert sections.dust(request, dataclasses.replace(data, dust=None, tsp=None)) == []
    # TSP alone keeps the section: its heading and the TSP subsection, no 降尘/道路尘土 tables
    only_tsp = sections.dust(request, dataclasses.replace(data, dust=None))
    assert only_tsp and data.tsp is not None
    cfg = dataclasses.replace(DEMO, dustfall=None, road_dust=None)
    assert dust_data(cfg, pd.Period(MONTH, "M"), data.towns, request.project_root) is None


def test_workbook_has_dust_sheets(prepared):
    request, data = prepared
    path = sections.write_workbook(request, data)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert {"降尘", "道路尘土", "扬尘目标"} <= set(wb.sheetnames)
    rows = list(wb["降尘"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "排名")
    first = rows[head + 1]
    t = data.dust.dustfall_table.iloc[0]
    assert first[1] == t["town_name"] and first[2] == pytest.approx(t["value"])
    assert rows[1][0].startswith("表")  # numbered caption as in the PDF


def _table(values, yoy, names=None):
    names = names or [f"镇{i}" for i in range(len(values))]
    return pd.DataFrame({"town_name": names, "value": values, "yoy_pct": yoy})


def test_sentence_ties_and_counts():
    t = _table([4.0, 4.0, 6.5, np.nan], [-10.0, 0.0, np.nan, np.nan])
    s = dust_summary(t, 4.8, "降尘量", "吨/平方公里·月", pd.Period("2021-03", "M"))
    assert s.low == ("镇0", "镇1") and s.high == ("镇2",) and "并列" in s.text
    assert (s.n_down, s.n_up, s.n_same, s.n_none) == (1, 0, 1, 1)
    assert "1个街乡镇下降" in s.text and "上升" not in s.text and "4.8吨/平方公里·月" in s.text
    assert check_dust_summary(s, t, 4.8) == []


def test_sentence_checker_catches_false_sentences():
    t = _table([4.0, 5.0], [-10.0, 5.0])
    s = dust_summary(t, 4.5, "降尘量", "吨/平方公里·月", pd.Period("2021-03", "M"))
    assert check_dust_summary(s, t, 4.5) == []
    wrong = dataclasses.replace(s, low=("镇1",), text=s.text.replace("镇0", "镇1"))
    assert any("lowest" in p for p in check_dust_summary(wrong, t, 4.5))
    assert any("district value" in p for p in check_dust_summary(s, t, 4.7))
    with pytest.raises(AirlibError, match="does not agree"):
        require_true_dust_summary(dataclasses.replace(s, n_up=0), t, 4.5)


def test_sentence_without_data():
    t = _table([np.nan], [np.nan])
    s = dust_summary(t, float("nan"), "降尘量", "吨/平方公里·月", pd.Period("2021-03", "M"))
    assert s.district_value is None and "均无降尘量数据" in s.text and check_dust_summary(s, t, float("nan")) == []


def test_bad_sheet_stops_with_file_row_column(prepared, tmp_path):
    """A bad dust sheet of a configured district is an InputDataError naming file, row and column."""
    from airlib.errors import InputDataError

    request, data = prepared
    bad = request.project_root / "data" / "raw" / "bad_dustfall.csv"
    bad.write_text("点位,街道,开始日期,结束日期,降尘量,单位\nP1,大峪,2017-12-01,2018-01-01,-1,t/km²\n", encoding="utf-8")
    cfg = dataclasses.replace(DEMO, dustfall="data/raw/bad_dustfall.csv", road_dust=None)
    with pytest.raises(InputDataError) as e:
        dust_data(cfg, pd.Period(MONTH, "M"), data.towns, request.project_root)
    assert e.value.file == str(bad) and e.value.row == 2 and e.value.column == "降尘量"


def test_targets_table_says_a_common_plan_and_target_once():
    from airlib.report.dust import factor_constant_columns

    frame = pd.DataFrame({"方案": ["P", "P"], "目标": ["T04", "T04"], "范围": ["甲镇", "乙镇"],
                          "判定": ["达标", "未达标"], "备注": ["n", "n"]})
    shown, common = factor_constant_columns(frame)
    assert common == {"方案": "P", "目标": "T04", "备注": "n"}
    assert list(shown.columns) == ["范围", "判定"] and len(shown) == 2
    two_plans = frame.assign(方案=["P", "Q"])
    shown, common = factor_constant_columns(two_plans)
    assert "方案" in shown.columns and common == {"目标": "T04", "备注": "n"}
    one_row = frame.iloc[:1]
    shown, common = factor_constant_columns(one_row)
    assert common == {} and shown.equals(one_row)
    # the area and status columns are never taken out, even when constant
    same = frame.assign(判定=["达标", "达标"])
    assert "判定" in factor_constant_columns(same)[0].columns
