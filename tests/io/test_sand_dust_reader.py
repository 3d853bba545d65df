"""The sand-dust period list reader (扣沙时段表, airlib.io.sand_dust; docs/dust.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.sand_dust import read_sand_dust_periods


def _csv(tmp_path, text, name="periods.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_chinese_headers_comment_and_formats(tmp_path):
    p = _csv(tmp_path, "# SYNTHETIC test list\n开始时间,结束时间,影响区域\n"
                       "2021-03-15 06:00,2021-03-16 20:00,全市\n"
                       "2021年3月28日8时,2021年3月29日12时30分,门头沟区\n", encoding="gbk")
    f = read_sand_dust_periods(p)
    assert list(f.columns) == ["start", "end", "area", "source", "row"]
    assert f["area"].tolist() == ["全市", "门头沟区"]  # sorted by area
    assert f.loc[0, "start"] == pd.Timestamp("2021-03-15 06:00")
    assert f.loc[1, "end"] == pd.Timestamp("2021-03-29 12:30")
    assert f["row"].tolist() == [3, 4]  # header is row 2 after the comment line
    assert set(f["source"]) == {"periods.csv"}


def test_end_is_last_hour_adds_one_hour(tmp_path):
    p = _csv(tmp_path, "start,end,area\n2021-03-15 06:00,2021-03-15 20:00,全市\n")
    assert read_sand_dust_periods(p, end_is_last_hour=True).loc[0, "end"] == pd.Timestamp("2021-03-15 21:00")
    assert read_sand_dust_periods(p).loc[0, "end"] == pd.Timestamp("2021-03-15 20:00")


def test_xlsx(tmp_path):
    p = tmp_path / "p.xlsx"
    pd.DataFrame({"开始时间": [pd.Timestamp("2015-04-15 17:00")], "结束时间": [pd.Timestamp("2015-04-16 12:00")],
                  "影响范围": ["北京市"]}).to_excel(p, index=False)
    f = read_sand_dust_periods(p)
    assert f.loc[0, "start"] == pd.Timestamp("2015-04-15 17:00") and f.loc[0, "row"] == 2


def test_unparsable_time_names_row_and_column(tmp_path):
    p = _csv(tmp_path, "开始时间,结束时间,影响区域\n2021-03-15 06:00,2021-03-16 20:00,全市\n2021-13-45,2021-03-20 01:00,全市\n")
    with pytest.raises(InputDataError) as e:
        read_sand_dust_periods(p)
    assert e.value.row == 3 and e.value.column == "开始时间" and "periods.csv" in str(e.value)


def test_end_not_after_start(tmp_path):
    p = _csv(tmp_path, "开始时间,结束时间,影响区域\n2021-03-15 06:00,2021-03-15 06:00,全市\n")
    with pytest.raises(InputDataError) as e:
        read_sand_dust_periods(p)
    assert e.value.row == 2 and e.value.column == "结束时间" and "not after" in str(e.value)


def test_overlap_same_area_names_both_rows(tmp_path):
    p = _csv(tmp_path, "开始时间,结束时间,影响区域\n"
                       "2021-03-15 00:00,2021-03-18 00:00,全市\n"
                       "2021-03-16 00:00,2021-03-16 05:00,全市\n"
                       "2021-03-17 00:00,2021-03-17 05:00,全市\n")
    with pytest.raises(InputDataError) as e:
        read_sand_dust_periods(p)
    assert e.value.row == [2, 3] and "overlap" in str(e.value)


def test_touching_periods_and_other_area_do_not_overlap(tmp_path):
    p = _csv(tmp_path, "开始时间,结束时间,影响区域\n"
                       "2021-03-15 00:00,2021-03-16 00:00,全市\n"
                       "2021-03-16 00:00,2021-03-16 05:00,全市\n"
                       "2021-03-15 03:00,2021-03-15 05:00,门头沟区\n")
    assert len(read_sand_dust_periods(p)) == 3


def test_missing_columns(tmp_path):
    with pytest.raises(InputDataError, match="no header with a start and an end"):
        read_sand_dust_periods(_csv(tmp_path, "开始时间,区域\n2021-03-15 00:00,全市\n"))
    p = _csv(tmp_path, "开始时间,结束时间\n2021-03-15 00:00,2021-03-15 05:00\n", name="noarea.csv")
    with pytest.raises(InputDataError, match="no area column"):
        read_sand_dust_periods(p)
    assert read_sand_dust_periods(p, default_area="全市").loc[0, "area"] == "全市"


def test_empty_area_and_bad_type(tmp_path):
    with pytest.raises(InputDataError) as e:
        read_sand_dust_periods(_csv(tmp_path, "开始时间,结束时间,影响区域\n2021-03-15 00:00,2021-03-15 05:00,\n"))
    assert e.value.row == 2 and e.value.column == "影响区域"
    with pytest.raises(InputDataError, match="unsupported file type"):
        read_sand_dust_periods(_csv(tmp_path, "x", name="p.json"))
    with pytest.raises(InputDataError, match="not found"):
        read_sand_dust_periods(tmp_path / "absent.csv")


def test_header_only_list_is_empty_and_excludes_nothing(tmp_path):
    from airlib.standards.sand_dust import exclude_sand_dust

    f = read_sand_dust_periods(_csv(tmp_path, "# SYNTHETIC\n开始时间,结束时间,影响区域,备注\n"))
    assert f.empty and list(f.columns) == ["start", "end", "area", "source", "row"]
    h = pd.DataFrame({"station": ["A"], "time": [pd.Timestamp("2015-12-01")], "pm25": [1.0], "pm10": [2.0]})
    out = exclude_sand_dust(h, f)
    assert out.attrs["sand_dust"]["periods"] == 0 and out["pm10"].iloc[0] == 2.0
