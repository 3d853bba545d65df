"""The one date/time rule of the readers (airlib.io.ingest.columns.parse_datetimes) and the one
"find columns by their aliases" rule (find_columns), at their edges."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.ingest.columns import find_columns, parse_datetimes, read_any_table
from airlib.settings import DEFAULT

T = pd.Timestamp


def _one(cell, **kw) -> pd.Timestamp:
    return parse_datetimes(pd.Series([cell], index=[2], dtype=object), file="f.csv", column="时间", **kw).iloc[0]


@pytest.mark.parametrize("text, expected", [
    ("2021-03-15 08:00", T("2021-03-15 08:00")),
    ("2021-03-15 08:00:59", T("2021-03-15 08:00:59")),
    ("2021-03-15T08:00", T("2021-03-15 08:00")),
    ("2021-03-15", T("2021-03-15")),
    ("2021-3-5 8:05", T("2021-03-05 08:05")),
    ("2021/3/15 8:00", T("2021-03-15 08:00")),
    ("2021/03/15", T("2021-03-15")),
    ("2021.03.15", T("2021-03-15")),
    ("2021.3.15 23:59", T("2021-03-15 23:59")),
    ("2021年3月15日", T("2021-03-15")),
    ("2021年3月15", T("2021-03-15")),
    ("2021年03月15日 08:00", T("2021-03-15 08:00")),
    ("2021年3月15日8时", T("2021-03-15 08:00")),
    ("2021年3月15日8时30分", T("2021-03-15 08:30")),
    ("2021年3月15日 8点30", T("2021-03-15 08:30")),
    ("2021年3月15日20点", T("2021-03-15 20:00")),
    ("２０２１－０３－１５　０８：００", T("2021-03-15 08:00")),  # full-width digits and space
    ("  2021-03-15 08:00 ", T("2021-03-15 08:00")),
])
def test_each_accepted_text_form(text, expected):
    assert _one(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2021-03-15T00:00:00Z", T("2021-03-15 08:00")),
    ("2021-03-15 00:00+00:00", T("2021-03-15 08:00")),
    ("2021-03-15 08:00+08:00", T("2021-03-15 08:00")),
    ("2021-03-14 19:00-0500", T("2021-03-15 08:00")),
    ("2021-03-15 23:30Z", T("2021-03-16 07:30")),  # crosses midnight in Beijing
])
def test_zoned_text_is_converted_to_naive_beijing_time(text, expected):
    assert _one(text) == expected


def test_zones_in_one_column_and_mixing_with_zone_less_texts_is_refused():
    s = pd.Series(["2021-03-15 08:00+08:00", "2021-03-15 00:00Z", "2021-03-15 09:00+09:00"], index=[2, 3, 4])
    out = parse_datetimes(s, file="f", column="c")
    assert out.tolist() == [T("2021-03-15 08:00")] * 3
    assert out.dtype == "datetime64[ns]" and out.index.tolist() == [2, 3, 4]
    mixed = pd.Series(["2021-03-15 00:00Z", "2021-03-15 08:00", "2021/3/16 8:00"], index=[2, 3, 4])
    with pytest.raises(InputDataError, match="mixes times with a UTC offset") as e:
        parse_datetimes(mixed, file="f", column="c")
    assert e.value.row == [3, 4] and e.value.column == "c"


@pytest.mark.parametrize("text, expected", [
    ("2021-03-15 24:00", T("2021-03-16 00:00")),
    ("2021年12月31日24时", T("2022-01-01 00:00")),
    ("2021-03-15 24:00:00", T("2021-03-16 00:00")),
])
def test_24_00_is_the_next_midnight(text, expected):
    assert _one(text) == expected
    with pytest.raises(InputDataError, match="time of day"):
        _one(text, dates_only=True)
    with pytest.raises(InputDataError, match="not a date and time"):
        _one(text.replace("24", "24:30", 1) if "时" in text else text.replace("24:00", "24:30"))


def test_excel_cells_and_datetime_columns():
    cells = pd.Series([dt.datetime(2021, 3, 15, 8), dt.date(2021, 3, 16), T("2021-03-17 09:30"), "2021年3月18日"],
                      dtype=object)
    assert parse_datetimes(cells, file="f", column="c").tolist() == [
        T("2021-03-15 08:00"), T("2021-03-16"), T("2021-03-17 09:30"), T("2021-03-18")]
    aware = pd.Series([T("2021-03-15 00:00", tz="UTC"), dt.datetime(2021, 3, 15, tzinfo=dt.timezone.utc)],
                      dtype=object)
    assert parse_datetimes(aware, file="f", column="c").tolist() == [T("2021-03-15 08:00")] * 2
    with pytest.raises(InputDataError, match="mixes"):
        parse_datetimes(pd.concat([cells, aware]), file="f", column="c")
    naive = pd.Series(pd.to_datetime(["2021-03-15 08:00", None]))
    assert parse_datetimes(naive, file="f", column="c", required=False).tolist()[0] == T("2021-03-15 08:00")
    zoned = pd.Series(pd.to_datetime(["2021-03-15 00:00"]).tz_localize("UTC"))
    assert parse_datetimes(zoned, file="f", column="c").tolist() == [T("2021-03-15 08:00")]


def test_real_xlsx_cells_keep_excel_rows(tmp_path):
    p = tmp_path / "t.xlsx"
    pd.DataFrame({"时间": [T("2021-03-15 08:00"), "2021/3/16 9:00", "昨天"]}).to_excel(p, index=False)
    frame, _ = read_any_table(p)
    with pytest.raises(InputDataError) as e:
        parse_datetimes(frame["时间"], file=p, column="时间")
    assert e.value.row == 4 and e.value.column == "时间" and "t.xlsx" in str(e.value) and "昨天" in str(e.value)
    assert parse_datetimes(frame["时间"].iloc[:2], file=p, column="时间").tolist() == [
        T("2021-03-15 08:00"), T("2021-03-16 09:00")]


@pytest.mark.parametrize("bad", ["15", "03/15/2021", "15/03/2021", "March 15 2021", "2021-02-30", "2021-13-01",
                                 "2021-03-15 25:00", "2021年13月1日", "昨天", "2021-03-15 08:00 北京"])
def test_a_bad_cell_in_row_n_is_named_with_an_example(bad):
    s = pd.Series(["2021-03-15 08:00", "2021-03-15 09:00", bad], index=[2, 3, 7])
    with pytest.raises(InputDataError) as e:
        parse_datetimes(s, file="d/log.csv", column="开始时间")
    assert e.value.row == 7 and e.value.column == "开始时间" and e.value.file == "d/log.csv"
    msg = str(e.value)
    assert "not a date and time" in msg and bad in msg and "2021-03-15 08:00" in msg


def test_rows_argument_overrides_the_index_and_only_the_first_five_are_named():
    s = pd.Series(["x"] * 7 + ["2021-03-15"], index=range(8))
    with pytest.raises(InputDataError) as e:
        parse_datetimes(s, file="f", column="c", rows=np.arange(10, 18))
    assert e.value.row == [10, 11, 12, 13, 14] and "7 cells" in str(e.value)


@pytest.mark.parametrize("empty", ["", "   ", "\u3000", None, np.nan, pd.NA])
def test_empty_cells_required_or_not(empty):
    s = pd.Series(["2021-03-15 08:00", empty], index=[2, 3], dtype=object)
    with pytest.raises(InputDataError, match="empty time") as e:
        parse_datetimes(s, file="f", column="结束时间")
    assert e.value.row == 3 and e.value.column == "结束时间"
    out = parse_datetimes(s, file="f", column="结束时间", required=False)
    assert out.iloc[0] == T("2021-03-15 08:00") and pd.isna(out.iloc[1])


def test_empty_in_a_datetime_column_is_required_too():
    s = pd.Series(pd.to_datetime(["2021-03-15", None]), index=[5, 6])
    with pytest.raises(InputDataError) as e:
        parse_datetimes(s, file="f", column="c")
    assert e.value.row == 6


def test_dates_only_refuses_a_time_of_day_but_takes_midnight():
    ok = pd.Series(["2021-03-15", "2021年3月16日", "2021/3/17 00:00", dt.datetime(2021, 3, 18)], dtype=object)
    assert parse_datetimes(ok, file="f", column="日期", dates_only=True).tolist() == [
        T("2021-03-15"), T("2021-03-16"), T("2021-03-17"), T("2021-03-18")]
    for timed in ("2021-03-15 08:00", dt.datetime(2021, 3, 15, 8)):
        s = pd.Series(["2021-03-14", timed], index=[2, 3], dtype=object)
        with pytest.raises(InputDataError, match="time of day") as e:
            parse_datetimes(s, file="f", column="日期", dates_only=True)
        assert e.value.row == 3 and "2021-03-15" in str(e.value)
    with pytest.raises(InputDataError, match="not a date") as e:
        parse_datetimes(pd.Series(["2021-02-30"], index=[9]), file="f", column="日期", dates_only=True)
    assert e.value.row == 9
    with pytest.raises(InputDataError, match="empty date"):
        parse_datetimes(pd.Series([""], index=[9]), file="f", column="日期", dates_only=True)


def test_no_cells():
    out = parse_datetimes(pd.Series([], dtype=object), file="f", column="c")
    assert out.empty and out.dtype == "datetime64[ns]"


# ---------------------------------------------------------------------------- find_columns
ALIASES = {"start": ("开始时间", "开始", "start"), "end": ("结束时间", "结束", "end"), "area": ("影响区域", "区域")}


def test_headers_compared_after_normalise_header():
    cols = find_columns([" 开始 时间 ", "ＥＮＤ", "影响区域(北京)", "备注"], ALIASES)
    assert cols == {"start": " 开始 时间 ", "end": "ＥＮＤ"}  # (北京) is a name, not a unit: no match
    assert find_columns(["Start_Time", "开始时间", "结束"], {"start": ("开始时间", "starttime")}) == {"start": "开始时间"}


def test_aliases_in_order_and_a_header_is_taken_once():
    assert find_columns(["开始", "开始时间", "结束"], ALIASES)["start"] == "开始时间"
    assert find_columns(["日期"], {"issued": ("日期",), "target": ("日期",)}) == {"issued": "日期"}


def test_missing_required_fields_are_all_listed():
    with pytest.raises(InputDataError) as e:
        find_columns(["开始时间", "备注"], ALIASES, required=("start", "end", "area"), file="p.csv", what="the list")
    msg = str(e.value)
    assert "missing column" in msg and "end: one of 结束时间、结束、end" in msg and "area:" in msg
    assert "start:" not in msg and "'备注'" in msg and e.value.file == "p.csv"


def test_key_strips_a_reader_specific_unit():
    cols = find_columns(["降尘量（吨/平方公里·月）"], {"value": ("降尘量",)}, key=lambda h: str(h).split("（")[0])
    assert cols == {"value": "降尘量（吨/平方公里·月）"}


# ------------------------------------------------------------------------- sand-dust reader
def test_sand_dust_xlsx_title_rows_keep_excel_row_numbers(tmp_path):
    from airlib.io.sand_dust import read_sand_dust_periods

    p = tmp_path / "p.xlsx"
    grid = pd.DataFrame([["沙尘过程影响时段", None, None], ["开始时间", "结束时间", "影响区域"],
                         [T("2021-03-15 06:00"), "2021年3月16日20时", "全市"], ["2021-03-28 08:00", "x", "全市"]])
    grid.to_excel(p, index=False, header=False)
    with pytest.raises(InputDataError) as e:
        read_sand_dust_periods(p)
    assert e.value.row == 4 and e.value.column == "结束时间"
    grid.iloc[3, 1] = "2021-03-29 12:00"
    grid.to_excel(p, index=False, header=False)
    f = read_sand_dust_periods(p)
    assert f["row"].tolist() == [3, 4] and f.loc[0, "end"] == T("2021-03-16 20:00")


def test_sand_dust_size_limit_is_ledger_max_bytes(tmp_path):
    from airlib.io.sand_dust import read_sand_dust_periods

    p = tmp_path / "p.csv"
    p.write_text("开始时间,结束时间,影响区域\n2021-03-15 06:00,2021-03-16 20:00,全市\n", encoding="utf-8")
    small = dataclasses.replace(DEFAULT, ledger_max_bytes=10)
    with pytest.raises(InputDataError, match="ledger_max_bytes"):
        read_sand_dust_periods(p, settings=small)
    assert len(read_sand_dust_periods(p)) == 1


def test_repeated_error_names_both_headers_of_one_field(tmp_path):
    aliases = {"tsp": ("tsp", "浓度"), "town": ("街道",)}
    assert find_columns(["街道", "TSP", "浓度"], aliases) == {"town": "街道", "tsp": "TSP"}
    with pytest.raises(InputDataError, match="both give 'tsp'") as e:
        find_columns(["街道", "TSP", "浓度"], aliases, file="t.csv", repeated="error")
    assert e.value.column == "浓度" and e.value.file == "t.csv"
    assert find_columns(["街道", "浓度"], aliases, repeated="error") == {"town": "街道", "tsp": "浓度"}
    with pytest.raises(ValueError):
        find_columns(["街道"], aliases, repeated="last")


def test_tsp_reader_refuses_two_columns_of_one_field(tmp_path):
    from airlib.io.tsp import read_tsp

    p = tmp_path / "tsp.csv"
    p.write_text("所属区,街道,时段,TSP,浓度\n门头沟区,大峪街道,2022年10月1日-15日,100,100\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="both give 'tsp'") as e:
        read_tsp(p)
    assert e.value.column == "浓度"
