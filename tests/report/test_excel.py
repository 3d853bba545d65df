"""Excel export: Chinese headers, numbers stay numbers, no formula injection, atomic write."""

from __future__ import annotations

import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from airlib.report.excel import WorkbookTable, is_dangerous, write_workbook
from airlib.tracking.ranking import HEADERS_ZH, ranking_table

def write_tables(path, sheets, *, headers=None, title=None):
    """One :class:`WorkbookTable` per frame (title row 1, caption row 2, header row 3, data from
    row 4; missing values empty)."""
    title = title or {}
    return write_workbook(path, [WorkbookTable(sheet=n, title=title.get(n, ""), caption="", frame=df,
                                               headers=headers or {}, missing=None) for n, df in sheets.items()])


DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\")", "\t=1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_is_stored_as_text(tmp_path, text):
    p = write_tables(tmp_path / "t.xlsx", {"表": pd.DataFrame({"town_name": [text]})})
    ws = openpyxl.load_workbook(p)["表"]
    cell = ws["A4"]
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix
    with zipfile.ZipFile(p) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_is_dangerous():
    assert all(is_dangerous(t) for t in DANGEROUS)
    assert not is_dangerous("大峪街道") and not is_dangerous(-3.0) and not is_dangerous("")


def test_ranking_table_export_headers_numbers_and_missing(tmp_path):
    cur = pd.Series([30.0, np.nan, 41.0], index=["110109001", "110109002", "110109003"])
    last = pd.Series([35.0, 30.0, 40.0], index=cur.index)
    names = pd.Series(["大峪街道", "=cmd|'/C calc'!A0", "城子街道"], index=cur.index)
    t = ranking_table(cur, last, year=2018, names=names)
    p = write_tables(tmp_path / "r.xlsx", {"月排名": t}, headers=HEADERS_ZH, title={"月排名": "2018年1月排名"})
    ws = openpyxl.load_workbook(p)["月排名"]
    assert ws["A1"].value == "2018年1月排名"
    header = [c.value for c in ws[3]]
    assert header[:4] == ["乡镇街道代码", "乡镇街道", "数据状态", "PM2.5月均浓度(µg/m³)"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["大峪街道"][3] == 30 and rows["大峪街道"][4] == 1
    yoy_col = header.index("同比变化(%)")
    assert rows["大峪街道"][yoy_col] == pytest.approx(-14.3)  # a number, not text
    bad = rows["=cmd|'/C calc'!A0"]
    assert bad[2] == "无有效数据" and bad[3] is None and bad[4] is None
    assert isinstance(rows["城子街道"][0], str) and rows["城子街道"][0] == "110109003"  # code keeps zeros


def test_write_is_atomic_and_replaces(tmp_path):
    p = tmp_path / "x.xlsx"
    write_tables(p, {"a": pd.DataFrame({"x": [1]})})
    write_tables(p, {"b": pd.DataFrame({"x": [2]})})
    assert openpyxl.load_workbook(p).sheetnames == ["b"]
    assert [f.name for f in tmp_path.iterdir()] == ["x.xlsx"]
