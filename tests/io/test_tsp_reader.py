"""airlib.io.tsp.read_tsp: periods (half months), units, towns, and errors naming file/row/column."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.demo.registry import towns_frame
from airlib.errors import InputDataError, UnknownNameError
from airlib.io.tsp import half_month_bounds, parse_half_month, read_tsp

HEAD = "所属区,街道(乡镇),时段,TSP(µg/m³)\n"


def _write(tmp_path, body, head=HEAD, name="tsp.csv"):
    p = tmp_path / name
    p.write_text(head + body, encoding="utf-8")
    return p


@pytest.mark.parametrize("text,start,end,half", [
    ("2022年10月1日-15日", "2022-10-01", "2022-10-16", 1),
    ("2022年10月16日-31日", "2022-10-16", "2022-11-01", 2),
    ("2022年10月16日至10月31日", "2022-10-16", "2022-11-01", 2),
    ("2023年2月16日-28日", "2023-02-16", "2023-03-01", 2),   # February, common year
    ("2024年2月16日-29日", "2024-02-16", "2024-03-01", 2),   # leap year
    ("2024年4月16日-30日", "2024-04-16", "2024-05-01", 2),   # 30-day month
    ("2022-12-16~2022-12-31", "2022-12-16", "2023-01-01", 2),
])
def test_half_months(text, start, end, half):
    s, e, h = parse_half_month(text)
    assert (s, e, h) == (pd.Timestamp(start), pd.Timestamp(end), half)


@pytest.mark.parametrize("text", [
    "2023年2月16日-29日",    # no 29 February in 2023
    "2024年2月16日-28日",    # leap year: the half ends on the 29th
    "2022年10月16日-30日",   # 31-day month
    "2022年10月1日-16日",
    "2022年10月2日-15日",
    "2022年10月1日-31日",    # a month, not a half
    "上半月",
])
def test_not_a_half_month(text):
    with pytest.raises(ValueError):
        parse_half_month(text)


def test_half_month_bounds():
    assert half_month_bounds(2024, 2, 2) == (pd.Timestamp("2024-02-16"), pd.Timestamp("2024-03-01"))
    assert half_month_bounds(2024, 12, 1) == (pd.Timestamp("2024-12-01"), pd.Timestamp("2024-12-16"))


def test_reads_city_table_with_registry(tmp_path):
    p = _write(tmp_path, "门头沟区,王平镇,2022年10月1日-15日,130\n朝阳区,建外街道,2022年10月1日-15日,150.5\n"
                         "门头沟区,大峪,2022年10月1日-15日,—\n", head="标题行（合成）\n" + HEAD)
    d = read_tsp(p, towns_frame())
    assert list(d["town_code"].astype(object).fillna("NA")) == ["110109005", "NA", "110109001"]
    assert list(d["district"]) == ["门头沟区", "朝阳区", "门头沟区"]
    assert d["tsp"].iloc[1] == 150.5 and pd.isna(d["tsp"].iloc[2])
    assert list(d["row"]) == [3, 4, 5]            # title row 1, header row 2
    assert (d["source"] == "tsp.csv").all()
    assert d["period_end"].iloc[0] == pd.Timestamp("2022-10-16")


def test_start_end_columns_and_mg_unit(tmp_path):
    head = "区,街乡镇,开始日期,结束日期,TSP,单位\n"
    p = _write(tmp_path, "东城区,东华门街道,2023-02-16,2023-02-28,0.125,mg/m³\n"
                         "东城区,景山街道,2023-02-16,2023-02-28,98,µg/m³\n", head=head)
    d = read_tsp(p)
    assert list(d["tsp"]) == [125.0, 98.0]
    assert list(d["half"]) == [2, 2]
    assert d["period_end"].iloc[0] == pd.Timestamp("2023-03-01")


def test_xlsx(tmp_path):
    p = tmp_path / "t.xlsx"
    pd.DataFrame({"所属区": ["西城区"], "街道(乡镇)": ["德胜街道"], "时段": ["2021年3月1日-15日"],
                  "TSP浓度(µg/m³)": [201]}).to_excel(p, index=False)
    d = read_tsp(p)
    assert d["tsp"].iloc[0] == 201 and d["row"].iloc[0] == 2


@pytest.mark.parametrize("body,head,row,column,words", [
    ("门头沟区,王平镇,2022年10月1日-15日,-3\n", HEAD, 2, "TSP(µg/m³)", "negative"),
    ("门头沟区,王平镇,2022年10月1日-15日,abc\n", HEAD, 2, "TSP(µg/m³)", "not a number"),
    ("门头沟区,王平镇,2022年10月1日-16日,100\n", HEAD, 2, "时段", "not a half month"),
    ("火星区,王平镇,2022年10月1日-15日,100\n", HEAD, 2, "所属区", "unknown district"),
    ("门头沟区,王平镇,2022年10月1日-15日,100\n", "所属区,街道(乡镇),时段,TSP\n", None, "TSP", "no unit"),
    ("门头沟区,王平镇,2022年10月1日-15日,100\n", "所属区,街道(乡镇),时段,TSP(ng/m³)\n", None, "TSP(ng/m³)", "unknown TSP unit"),
    ("东城区,景山街道,2023-02-16,2023-02-27,98\n", "区,街乡镇,开始日期,结束日期,TSP(µg/m³)\n", 2, "结束日期", "not a half month"),
])
def test_errors_name_row_and_column(tmp_path, body, head, row, column, words):
    p = _write(tmp_path, body, head=head)
    with pytest.raises(InputDataError) as e:
        read_tsp(p, towns_frame())
    assert e.value.row == row and e.value.column == column and words in str(e.value)
    assert "tsp.csv" in str(e.value)


def test_duplicate_town_period(tmp_path):
    p = _write(tmp_path, "门头沟区,王平镇,2022年10月1日-15日,100\n门头沟区,大峪街道,2022年10月1日-15日,90\n"
                         "门头沟区,王平地区,2022-10-01~2022-10-15,101\n")
    with pytest.raises(InputDataError) as e:   # 王平镇 and 王平地区 are one town (alias)
        read_tsp(p, towns_frame())
    assert e.value.row == [2, 4] and "one row per town" in str(e.value)
    with pytest.raises(InputDataError, match="one row per town"):  # without it: same district, same name key
        read_tsp(p)


def test_duplicate_other_district_by_name(tmp_path):
    p = _write(tmp_path, "朝阳区,建外街道,2022年10月1日-15日,100\n朝阳区,建外街道,2022年10月1日-15日,100\n")
    with pytest.raises(InputDataError, match="one row per town"):
        read_tsp(p)


def test_unknown_town_of_own_district(tmp_path):
    p = _write(tmp_path, "门头沟区,王平镇,2022年10月1日-15日,100\n门头沟区,大峪镇镇,2022年10月1日-15日,90\n")
    with pytest.raises(UnknownNameError) as e:
        read_tsp(p, towns_frame())
    assert e.value.row == 3 and e.value.column == "街道(乡镇)" and "大峪街道" in str(e.value)


def test_missing_columns(tmp_path):
    p = _write(tmp_path, "门头沟区,王平镇,100\n", head="所属区,街道(乡镇),TSP(µg/m³)\n")
    with pytest.raises(InputDataError, match="no period"):
        read_tsp(p)
    p = _write(tmp_path, "王平镇,2022年10月1日-15日,100\n", head="街道(乡镇),时段,TSP(µg/m³)\n", name="b.csv")
    with pytest.raises(InputDataError, match="no 'district' column"):
        read_tsp(p)


def test_unit_column_contradicts_header(tmp_path):
    p = _write(tmp_path, "门头沟区,王平镇,2022年10月1日-15日,100,mg/m3\n", head="所属区,街道(乡镇),时段,TSP(µg/m³),单位\n")
    with pytest.raises(InputDataError, match="contradicts") as e:
        read_tsp(p)
    assert e.value.row == 2 and e.value.column == "单位"


def test_formula_town_refused(tmp_path):
    p = _write(tmp_path, "朝阳区,=HYPERLINK(1),2022年10月1日-15日,100\n")
    with pytest.raises(InputDataError, match="formula"):
        read_tsp(p)
