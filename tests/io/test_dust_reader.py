"""Readers of dustfall and road-dust sheets (airlib.io.dust; docs/dust.md)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from airlib.demo.registry import towns_frame
from airlib.errors import InputDataError
from airlib.io.dust import read_dustfall, read_road_dust
from airlib.settings import DEFAULT

TOWNS = towns_frame()
HEAD = "点位,街道,开始日期,结束日期,降尘量,单位\n"


def _write(tmp_path, text, name="sheet.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(("start", "end", "days"), [
    ("2021-02-01", "2021-03-01", 28), ("2021-04-01", "2021-05-01", 30),
    ("2021-03-01", "2021-04-01", 31), ("2021-06-01", "2021-07-04", 33)])
def test_per_period_value_is_normalised_to_30_days(tmp_path, start, end, days):
    p = _write(tmp_path, HEAD + f"P1,大峪,{start},{end},{days / 10},t/km²\n")
    d = read_dustfall(p, TOWNS)
    assert d.loc[0, "days"] == days
    # value days/10 over `days` days is 3.0 t/km² per 30 days, whatever the length
    assert d.loc[0, "dustfall_30d"] == pytest.approx(3.0)
    assert d.loc[0, "town_code"] == "110109001" and d.loc[0, "town_name"] == "大峪街道"
    assert d.loc[0, "row"] == 2 and d.loc[0, "source"] == "sheet.csv"


def test_monthly_unit_is_kept_and_header_unit_read(tmp_path):
    p = _write(tmp_path, "# SYNTHETIC\n点位,街道,开始日期,结束日期,降尘量（吨/平方公里·月）\n"
                         "P1,城子街道,2021-03-01,2021-04-03,4.2\n")
    d = read_dustfall(p, TOWNS)
    assert d.loc[0, "days"] == 33 and d.loc[0, "dustfall_30d"] == pytest.approx(4.2)
    assert d.loc[0, "row"] == 3  # the comment line is row 1, the header row 2


def test_end_inclusive_setting(tmp_path):
    p = _write(tmp_path, HEAD + "P1,大峪,2021-03-01,2021-03-31,3.1,t/km2\n")
    assert read_dustfall(p, TOWNS).loc[0, "days"] == 30
    d = read_dustfall(p, TOWNS, settings=dataclasses.replace(DEFAULT, dustfall_end_inclusive=True))
    assert d.loc[0, "days"] == 31 and d.loc[0, "dustfall_30d"] == pytest.approx(3.0)


def test_xlsx_and_folder(tmp_path):
    folder = tmp_path / "df"
    folder.mkdir()
    pd.DataFrame({"点位": ["P1"], "街道": ["大峪"], "开始日期": ["2021-01-01"], "结束日期": ["2021-02-01"],
                  "降尘量": [3.1], "单位": ["t/km²"]}).to_excel(folder / "a.xlsx", index=False)
    _write(folder, HEAD + "P1,大峪,2021-02-01,2021-03-01,2.8,t/km²\n", "b.csv")
    d = read_dustfall(folder, TOWNS)
    assert list(d["source"]) == ["a.xlsx", "b.csv"]
    assert d["dustfall_30d"].round(6).tolist() == [3.0, 3.0]


@pytest.mark.parametrize(("body", "row", "column", "words"), [
    ("P1,不存在镇,2021-03-01,2021-04-01,3,t/km²\n", 2, "街道", "不存在镇"),
    ("P1,大峪,2021-03-01,2021-04-01,-3,t/km²\n", 2, "降尘量", "negative"),
    ("P1,大峪,2021-03-01,2021-04-01,3,\n", 2, "单位", "missing unit"),
    ("P1,大峪,2021-03-01,2021-04-01,3,kg\n", 2, "单位", "unknown unit"),
    ("P1,大峪,2021-13-01,2021-04-01,3,t/km²\n", 2, "开始日期", "not a date"),
    ("P1,大峪,2021-04-01,2021-04-01,3,t/km²\n", 2, "结束日期", "not after"),
    ("P1,大峪,2021-03-01,2021-04-01,3,t/km²\nP1,大峪,2021-03-20,2021-04-20,3,t/km²\n", 3, "结束日期", "overlapping"),
])
def test_errors_name_file_row_column(tmp_path, body, row, column, words):
    p = _write(tmp_path, HEAD + body)
    with pytest.raises(InputDataError) as e:
        read_dustfall(p, TOWNS)
    assert e.value.file == str(p) and e.value.column == column and words in str(e.value)
    assert e.value.row == row or (isinstance(e.value.row, list) and row in e.value.row)


def test_touching_periods_are_not_overlaps(tmp_path):
    p = _write(tmp_path, HEAD + "P1,大峪,2021-03-01,2021-04-01,3,t/km²\nP1,大峪,2021-04-01,2021-05-01,3,t/km²\n"
                                "P2,大峪,2021-03-15,2021-04-15,3,t/km²\n")
    assert len(read_dustfall(p, TOWNS)) == 3


def test_missing_unit_column_and_header_unit(tmp_path):
    p = _write(tmp_path, "点位,街道,开始日期,结束日期,降尘量\nP1,大峪,2021-03-01,2021-04-01,3\n")
    with pytest.raises(InputDataError, match="missing unit") as e:
        read_dustfall(p, TOWNS)
    assert e.value.row == 1 and e.value.column == "降尘量"


def test_missing_column(tmp_path):
    p = _write(tmp_path, "点位,街道,开始日期,降尘量,单位\nP1,大峪,2021-03-01,3,t/km²\n")
    with pytest.raises(InputDataError, match="missing column"):
        read_dustfall(p, TOWNS)


def test_road_dust_reader(tmp_path):
    p = _write(tmp_path, "道路,街道,日期,尘土残存量（g/m²）\n新桥大街,大峪,2021-03-05,6.4\n石龙路,永定镇,2021/3/7,3.0\n")
    d = read_road_dust(p, TOWNS)
    assert list(d.columns) == ["road", "town_code", "town_name", "date", "load", "source", "row"]
    assert d["load"].tolist() == [6.4, 3.0] and d["town_name"].tolist() == ["大峪街道", "永定地区"]
    assert d["date"].tolist() == [pd.Timestamp("2021-03-05"), pd.Timestamp("2021-03-07")]


@pytest.mark.parametrize(("text", "column", "words"), [
    ("道路,街道,日期,尘土残存量\n新桥大街,大峪,2021-03-05,6.4\n", "尘土残存量", "missing unit"),
    ("道路,街道,日期,尘土残存量（g/m²）\n新桥大街,大峪,2021-03-05,-1\n", "尘土残存量（g/m²）", "negative"),
    ("道路,街道,日期,尘土残存量（g/m²）\n新桥大街,大峪,昨天,1\n", "日期", "not a date"),
    ("道路,街道,日期,尘土残存量（g/m²）\n新桥大街,火星,2021-03-05,1\n", "街道", "火星"),
])
def test_road_dust_errors(tmp_path, text, column, words):
    p = _write(tmp_path, text)
    with pytest.raises(InputDataError) as e:
        read_road_dust(p, TOWNS)
    assert e.value.column == column and words in str(e.value) and e.value.file == str(p)


def test_formula_text_refused(tmp_path):
    p = _write(tmp_path, HEAD + '=HYPERLINK("x"),大峪,2021-03-01,2021-04-01,3,t/km²\n')
    with pytest.raises(InputDataError, match="formula") as e:
        read_dustfall(p, TOWNS)
    assert e.value.row == 2 and e.value.column == "点位"
