"""Hostile and odd station-hour tables and registries (issue #10, ingestion part).

Plausibility limits, delimiters and decimal commas, day/month order, time zones, input
limits (size, rows, line length, XLSX inflated size), XLSX formulas, the station id/name
header mapping. Every hostile file is generated inside ``tmp_path``.
"""

from __future__ import annotations

import dataclasses
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.ingest import read_station_table, read_stations, read_towns, read_wide_table
from airlib.io.ingest.columns import sniff_delimiter
from airlib.io.ingest.table import apply_qc, decide_decimal, parse_timezone, QCReport
from airlib.settings import DEFAULT, PLAUSIBLE_RANGES


def _csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- plausibility


def test_plausibility_limits_at_their_edges(tmp_path: Path) -> None:
    hi25 = PLAUSIBLE_RANGES["pm25"][1]
    hico = PLAUSIBLE_RANGES["co"][1]
    p = _csv(tmp_path, "站点,时间,PM2.5,CO,气温\n"
                       f"A,2018-01-01 00:00,{hi25},{hico},-60\n"          # on the limits: kept
                       f"A,2018-01-01 01:00,{hi25 + 0.1},{hico + 0.1},-60.5\n"  # just above/below: flagged
                       "A,2018-01-01 02:00,1e9,1e6,inf\n"
                       "A,2018-01-01 03:00,inf,-inf,-999\n"
                       "A,2018-01-01 04:00,-3,0.5,12\n")
    h, rep = read_station_table(p)
    assert h["pm25"].tolist()[0] == hi25 and h["co"].tolist()[0] == hico and h["temp"].tolist()[0] == -60
    assert h["pm25"].isna().tolist() == [False, True, True, True, True]
    assert h["co"].isna().tolist() == [False, True, True, True, False]
    assert h["temp"].isna().tolist() == [False, True, True, True, False]
    assert rep.implausible["pm25"] == 3 and rep.negative["pm25"] == 1
    assert rep.implausible["co"] == 3 and rep.negative["co"] == 0  # -inf is implausible, counted once
    assert rep.implausible["temp"] == 2 and rep.sentinel["temp"] == 1  # -999 stays a sentinel
    assert rep.examples["pm25"] == [3, 4, 5, 6]  # file rows (header = row 1)
    assert rep.flagged == sum(rep.implausible.values()) + sum(rep.negative.values()) + sum(rep.sentinel.values())
    assert "超出合理范围置空 8 个" in rep.summary()


def test_plausibility_in_canonical_units_after_unit_hint(tmp_path: Path) -> None:
    # CO in µg/m³: 99 000 µg/m³ = 99 mg/m³ (kept), 101 000 µg/m³ = 101 mg/m³ (flagged)
    p = _csv(tmp_path, "站点,时间,CO(μg/m³)\nA,2018-01-01 00:00,99000\nA,2018-01-01 01:00,101000\n")
    h, rep = read_station_table(p)
    assert h["co"].tolist()[0] == pytest.approx(99.0)
    assert np.isnan(h["co"].tolist()[1]) and rep.implausible["co"] == 1


def test_plausibility_limits_are_settings(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,2018-01-01 00:00,800\nA,2018-01-01 01:00,400\n")
    strict = dataclasses.replace(DEFAULT, plausible_ranges={**PLAUSIBLE_RANGES, "pm25": (0.0, 500.0)})
    h, rep = read_station_table(p, settings=strict)
    assert h["pm25"].isna().tolist() == [True, False] and rep.implausible["pm25"] == 1
    h2, rep2 = read_station_table(p)
    assert h2["pm25"].tolist() == [800.0, 400.0] and rep2.implausible == {}


def test_plausibility_wide_table(tmp_path: Path) -> None:
    p = _csv(tmp_path, "date,hour,type,东四,天坛\n20180101,0,PM2.5,1e9,20\n20180101,0,CO,0.5,inf\n"
                       "20180101,1,PM2.5,-999,21\n20180101,1,CO,0.6,0.7\n")
    h, rep = read_wide_table(p)
    assert rep.implausible == {"co": 1, "pm25": 1} and rep.sentinel["pm25"] == 1
    assert h.set_index(["station", "time"]).loc[("天坛", pd.Timestamp("2018-01-01 01:00")), "co"] == 0.7


def test_apply_qc_counts_inf_in_a_frame() -> None:
    f = pd.DataFrame({"pm10": [10.0, np.inf, 20000.0, np.nan], "wspm": [1.0, 80.0, 75.0, -1.0]})
    rep = QCReport()
    out = apply_qc(f, rep)
    assert out["pm10"].isna().tolist() == [False, True, True, True]
    assert out["wspm"].isna().tolist() == [False, True, False, True]
    assert rep.implausible == {"pm10": 2, "wspm": 1} and rep.negative["wspm"] == 1


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize("stamp", ["2099-01-01 00:00", "1979-12-31 23:00", "1900-01-01 00:00"])
def test_absurd_years_refused_with_file_and_row(tmp_path: Path, stamp: str) -> None:
    p = _csv(tmp_path, f"站点,时间,PM2.5\nA,2018-01-01 00:00,1\nA,{stamp},2\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "t.csv" in msg and "row 3" in msg and "'时间'" in msg and stamp[:4] in msg


def test_earliest_year_edge_and_setting(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,1980-01-01 00:00,1\n")
    h, _ = read_station_table(p)
    assert h["time"].tolist() == [pd.Timestamp("1980-01-01")]
    with pytest.raises(InputDataError, match="earliest_year"):
        read_station_table(p, settings=dataclasses.replace(DEFAULT, earliest_year=1990))


def test_future_times_refused(tmp_path: Path) -> None:
    now = pd.Timestamp.now(tz="Asia/Shanghai").tz_localize(None).floor("h")
    ok = now - pd.Timedelta(hours=1)
    late = now + pd.Timedelta(hours=3)
    p = _csv(tmp_path, f"站点,时间,PM2.5\nA,{ok:%Y-%m-%d %H:%M},1\nA,{late:%Y-%m-%d %H:%M},2\n")
    with pytest.raises(InputDataError, match="future") as ei:
        read_station_table(p)
    assert "row 3" in str(ei.value)
    p.write_text(f"站点,时间,PM2.5\nA,{ok:%Y-%m-%d %H:%M},1\n", encoding="utf-8")
    assert len(read_station_table(p)[0]) == 1
    # a UTC source 5 hours ago is 3 hours ago in Beijing: fine; 5 hours "ahead" in UTC is refused
    utc_now = now - pd.Timedelta(hours=8)
    p.write_text(f"站点,时间,PM2.5\nA,{utc_now + pd.Timedelta(hours=5):%Y-%m-%d %H:%M},1\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="future"):
        read_station_table(p, timezone="UTC")


def test_day_first_proven_by_the_data(tmp_path: Path) -> None:
    # 13/01 proves day-first; 01/02/2018 is then 1 February, not 2 January
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,13/01/2018 00:00,1\nA,01/02/2018 05:00,2\nA,1.3.2018 06:00,3\n")
    h, rep = read_station_table(p)
    assert h["time"].tolist() == [pd.Timestamp("2018-01-13 00:00"), pd.Timestamp("2018-02-01 05:00"),
                                  pd.Timestamp("2018-03-01 06:00")]
    assert rep.time_format == "%d/%m/%Y"


def test_month_first_proven_by_the_data(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,01/13/2018 00:00,1\nA,01/02/2018 05:00,2\n")
    h, rep = read_station_table(p)
    assert h["time"].tolist() == [pd.Timestamp("2018-01-02 05:00"), pd.Timestamp("2018-01-13 00:00")]
    assert rep.time_format == "%m/%d/%Y"


def test_ambiguous_day_month_refused_then_declared(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,01/02/2018 00:00,1\nA,12/11/2018 05:00,2\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "time_format" in msg and "rows 2, 3" in msg and "day/month or month/day" in msg
    h, _ = read_station_table(p, time_format="%d/%m/%Y %H:%M")
    assert h["time"].tolist() == [pd.Timestamp("2018-02-01 00:00"), pd.Timestamp("2018-11-12 05:00")]
    h, _ = read_station_table(p, time_format="%m/%d/%Y %H:%M")
    assert h["time"].tolist() == [pd.Timestamp("2018-01-02 00:00"), pd.Timestamp("2018-12-11 05:00")]


def test_mixed_day_month_orders_refused(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,13/01/2018 00:00,1\nA,01/13/2018 05:00,2\n")
    with pytest.raises(InputDataError, match="differs between rows") as ei:
        read_station_table(p)
    assert "rows 2, 3" in str(ei.value)


def test_two_digit_years_refused(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,13/01/18 00:00,1\n")
    with pytest.raises(InputDataError, match="two-digit year"):
        read_station_table(p)


def test_day_first_in_a_date_column(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,日期,小时,PM2.5\nA,25/12/2017,23,1\nA,02/01/2018,0,2\n")
    h, rep = read_station_table(p)
    assert h["time"].tolist() == [pd.Timestamp("2017-12-25 23:00"), pd.Timestamp("2018-01-02 00:00")]
    assert rep.time_format == "%d/%m/%Y"


@pytest.mark.parametrize(("tz", "label", "shift"), [
    ("UTC", "UTC", 8), ("utc", "UTC", 8), ("+00:00", "UTC", 8), ("-05:00", "-05:00", 13),
    ("UTC+8", "+08:00", 0), ("Asia/Shanghai", "Asia/Shanghai", 0), (None, "Asia/Shanghai", 0),
])
def test_timezone_converted_once(tmp_path: Path, tz: str | None, label: str, shift: int) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,2018-01-01 00:00,1\n")
    h, rep = read_station_table(p, timezone=tz)
    assert h["time"].tolist() == [pd.Timestamp("2018-01-01") + pd.Timedelta(hours=shift)]
    assert rep.timezone == label


def test_timezone_with_date_hour_columns_and_hour_ending(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,日期,小时,PM2.5\nA,2018-01-01,24,1\n")
    h, _ = read_station_table(p, timezone="UTC", hour_label="ending")
    # 24:00 UTC hour-ending = 23:00–24:00 UTC = 07:00–08:00 Beijing on 2 January → label 07:00
    assert h["time"].tolist() == [pd.Timestamp("2018-01-02 07:00")]


def test_offsets_in_the_file_win_over_the_declared_zone(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,2018-01-01T00:00Z,1\n")
    h, _ = read_station_table(p, timezone="-05:00")
    assert h["time"].tolist() == [pd.Timestamp("2018-01-01 08:00")]


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "+15:00", "../../etc/passwd", "+08:61"])
def test_bad_timezones_refused(tz: str) -> None:
    with pytest.raises(InputDataError, match="time zone"):
        parse_timezone(tz)


def test_non_hour_offset_and_dst_gap_refused(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,2018-01-01 00:00,1\n")
    with pytest.raises(InputDataError, match="not on the hour"):
        read_station_table(p, timezone="+05:30")
    q = _csv(tmp_path, "站点,时间,PM2.5\nA,2018-03-25 02:00,1\n", "dst.csv")  # does not exist in Paris
    with pytest.raises(InputDataError, match="daylight-saving") as ei:
        read_station_table(q, timezone="Europe/Paris")
    assert "row 2" in str(ei.value)


# --------------------------------------------------------------------------- delimiters, decimals


def test_semicolon_file_with_decimal_commas(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点;时间;PM2.5;CO\nA;2018-01-01 00:00;45,3;0,8\nA;2018-01-01 01:00;12;1,234\n")
    h, rep = read_station_table(p)
    assert h["pm25"].tolist() == [45.3, 12.0]  # never 453
    assert h["co"].tolist() == [0.8, pytest.approx(1.234)]  # proven decimal commas: 1,234 is 1.234
    assert rep.delimiter == ";" and rep.decimal == ","


def test_ambiguous_commas_refused_then_declared(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点;时间;PM10\nA;2018-01-01 00:00;1,234\nA;2018-01-01 01:00;56\n")
    with pytest.raises(InputDataError, match="ambiguous") as ei:
        read_station_table(p)
    assert "row 2" in str(ei.value) and "'PM10'" in str(ei.value) and "decimal" in str(ei.value)
    assert read_station_table(p, decimal=",")[0]["pm10"].tolist() == [pytest.approx(1.234), 56.0]
    with pytest.raises(InputDataError, match="thousands separator"):
        read_station_table(p, decimal=".")


@pytest.mark.parametrize("cell", ['"1,234.5"', "1.234,5", "1,234,567"])
def test_thousands_separators_never_swallowed(tmp_path: Path, cell: str) -> None:
    sep = "," if cell.startswith('"') else ";"
    p = _csv(tmp_path, f"站点{sep}时间{sep}PM10\nA{sep}2018-01-01 00:00{sep}{cell}\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    assert "row 2" in str(ei.value) and "PM10" in str(ei.value)


def test_quoted_comma_in_a_comma_file_is_not_thousands(tmp_path: Path) -> None:
    p = _csv(tmp_path, 'station,time,PM10\nA,2018-01-01 00:00,"1,234"\nA,2018-01-01 01:00,7\n')
    with pytest.raises(InputDataError, match="ambiguous"):
        read_station_table(p)


def test_mixed_decimal_marks_refused(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点;时间;PM2.5;PM10\nA;2018-01-01 00:00;45,3;60.5\n")
    with pytest.raises(InputDataError, match="both decimal marks"):
        read_station_table(p)
    with pytest.raises(InputDataError, match="'.' in a number"):
        read_station_table(p, decimal=",")


def test_decide_decimal_declared_value_checked() -> None:
    with pytest.raises(InputDataError, match="decimal must be"):
        decide_decimal(pd.DataFrame({"a": ["1"]}), ["a"], "x")


def test_sniff_delimiter_uses_data_lines() -> None:
    assert sniff_delimiter(["站点;时间;PM2.5", "A;2018-01-01 00:00;45,3", "A;2018-01-01 01:00;4,5"]) == ";"
    assert sniff_delimiter(["a,b,c", "1,2,3"]) == ","
    assert sniff_delimiter(["a\tb\tc", "1,5\t2\t3"]) == "\t"
    assert sniff_delimiter(['"a;x",b,c', '"1;2",2,3']) == ","  # a ';' inside quotes does not count
    assert sniff_delimiter(["a|b|c", "1|2|3"]) == "|"


def test_tab_file_with_decimal_commas(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点\t时间\tPM2.5\nA\t2018-01-01 00:00\t7,25\n", "t.txt")
    h, rep = read_station_table(p)
    assert h["pm25"].tolist() == [7.25] and rep.delimiter == "\t"


# --------------------------------------------------------------------------- limits


def test_long_line_refused_before_parsing(tmp_path: Path) -> None:
    p = tmp_path / "line.csv"
    with p.open("wb") as f:  # a 40 MB single line (the _csv.Error of the issue)
        f.write(b"\xe7\xab\x99\xe7\x82\xb9,\xe6\x97\xb6\xe9\x97\xb4,PM2.5\nA,2018-01-01 00:00,")
        f.write(b"9" * (40 << 20))
        f.write(b"\n")
    t0 = time.perf_counter()
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    assert time.perf_counter() - t0 < 5
    msg = str(ei.value)
    assert "line.csv" in msg and "row 2" in msg and "max_line_chars" in msg


def test_line_length_edge(tmp_path: Path) -> None:
    body = "站点,时间,PM2.5\nA,2018-01-01 00:00,1\n"
    p = _csv(tmp_path, body)
    longest = max(len(x.encode()) for x in body.splitlines())
    ok = dataclasses.replace(DEFAULT, max_line_chars=longest)
    assert len(read_station_table(p, settings=ok)[0]) == 1
    with pytest.raises(InputDataError, match="max_line_chars"):
        read_station_table(p, settings=dataclasses.replace(DEFAULT, max_line_chars=longest - 1))


def test_row_and_size_limits(tmp_path: Path) -> None:
    body = "站点,时间,PM2.5\n" + "".join(f"A,2018-01-01 {h:02d}:00,1\n" for h in range(3))
    p = _csv(tmp_path, body)
    assert len(read_station_table(p, settings=dataclasses.replace(DEFAULT, max_rows=3))[0]) == 3
    with pytest.raises(InputDataError, match="max_rows") as ei:
        read_station_table(p, settings=dataclasses.replace(DEFAULT, max_rows=2))
    assert "t.csv" in str(ei.value)
    size = p.stat().st_size
    assert len(read_station_table(p, settings=dataclasses.replace(DEFAULT, max_input_bytes=size))[0]) == 3
    with pytest.raises(InputDataError, match="max_input_bytes"):
        read_station_table(p, settings=dataclasses.replace(DEFAULT, max_input_bytes=size - 1))
    with pytest.raises(InputDataError, match="max_input_bytes"):
        read_towns(p, settings=dataclasses.replace(DEFAULT, max_input_bytes=10))


def test_xlsx_bomb_refused_without_inflating(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    pd.DataFrame({"站点": ["A"], "时间": ["2018-01-01 00:00"], "PM2.5": [1]}).to_excel(good, index=False)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for item in zin.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with zout.open(item.filename, "w", force_zip64=True) as f:  # 250 MB of sheet XML
                    chunk = b"<!-- padding -->" * 65536
                    for _ in range(250 * (1 << 20) // len(chunk)):
                        f.write(chunk)
            else:
                zout.writestr(item, zin.read(item.filename))
    assert bomb.stat().st_size < 5 << 20
    t0 = time.perf_counter()
    with pytest.raises(InputDataError) as ei:
        read_station_table(bomb)
    assert time.perf_counter() - t0 < 2
    assert "bomb.xlsx" in str(ei.value) and "max_xlsx_inflated_bytes" in str(ei.value)


def test_truncated_xlsx_is_a_clear_error(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    pd.DataFrame({"站点": ["A"], "时间": ["2018-01-01 00:00"], "PM2.5": [1]}).to_excel(good, index=False)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputDataError, match="cut.xlsx.*(damaged|truncated)"):
        read_station_table(cut)
    with pytest.raises(InputDataError, match="cut.xlsx"):
        read_stations(cut)


# --------------------------------------------------------------------------- XLSX formulas


def _xlsx_with_formula(path: Path, header: list[str], rows: list[list[object]], cached: str | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    if cached is not None:  # give every formula a saved result, as Excel does
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename.startswith("xl/worksheets/"):
                    data = re.sub(rb"(<f>[^<]*</f>)<v\s*/?>(?:</v>)?", rb"\1<v>" + cached.encode() + rb"</v>", data)
                    data = re.sub(rb'(<c [^>]*?)t="[^"]*"([^>]*><f>)', rb'\1t="str"\2', data)
                zout.writestr(item, data)
        tmp.replace(path)
    return path


def test_formula_without_cached_value_is_named(tmp_path: Path) -> None:
    p = _xlsx_with_formula(tmp_path / "f.xlsx", ["站点", "时间", "PM2.5"],
                           [["A", "2018-01-01 00:00", 5], ["A", "2018-01-01 01:00", "=C2*2"]])
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "f.xlsx" in msg and "C3" in msg and "row 3" in msg and "formula" in msg


def test_formula_with_cached_value_is_read(tmp_path: Path) -> None:
    p = _xlsx_with_formula(tmp_path / "f.xlsx", ["站点", "时间", "PM2.5"],
                           [["A", "2018-01-01 00:00", 5], ["A", "2018-01-01 01:00", "=C2*2"]], cached="10")
    h, _ = read_station_table(p)
    assert h["pm25"].tolist() == [5.0, 10.0]


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x","王平镇")', "=1+1"])
@pytest.mark.parametrize("cached", [None, "2"])
def test_formula_as_town_name_refused(tmp_path: Path, formula: str, cached: str | None) -> None:
    p = _xlsx_with_formula(tmp_path / "towns.xlsx", ["乡镇代码", "乡镇名称"],
                           [["110109001", "大峪街道"], ["110109005", formula]], cached=cached)
    with pytest.raises(InputDataError) as ei:
        read_towns(p)
    msg = str(ei.value)
    assert "towns.xlsx" in msg and "row 3" in msg and "formula" in msg
    if cached is not None:
        assert "'乡镇名称'" in msg


@pytest.mark.parametrize("name", ["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"])
def test_formula_text_in_csv_registry_refused(tmp_path: Path, name: str) -> None:
    p = _csv(tmp_path, f"乡镇代码,乡镇名称\n110109001,大峪街道\n110109005,\"{name}\"\n", "towns.csv")
    with pytest.raises(InputDataError, match="formula") as ei:
        read_towns(p)
    assert "row 3" in str(ei.value) and "'乡镇名称'" in str(ei.value)
    s = _csv(tmp_path, f"站点,站点名称\nS1,\"{name}\"\n", "st.csv")
    with pytest.raises(InputDataError, match="formula"):
        read_stations(s)


def test_negative_number_is_not_a_formula(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,站点名称,经度,纬度\nS1,东四,-116.4,39.9\n", "st.csv")
    assert read_stations(p)["lon"].tolist() == [-116.4]


# --------------------------------------------------------------------------- station headers


@pytest.mark.parametrize(("header", "expect_id", "expect_name"), [
    ("站点,站点名称", "S1", "东四"),
    ("站点编号,站点名称", "S1", "东四"),
    ("监测点位,点位名称", "S1", "东四"),
    ("站点名称,站点", "东四", "S1"),  # column order does not matter: 站点 is the id
])
def test_station_registry_id_and_name(tmp_path: Path, header: str, expect_id: str, expect_name: str) -> None:
    p = _csv(tmp_path, f"{header},经度,纬度\nS1,东四,116.4,39.9\n", "st.csv")
    st = read_stations(p)
    assert st["station"].tolist() == [expect_id] and st["station_name"].tolist() == [expect_name]


def test_station_registry_code_before_plain_station(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,站点编号,站点名称\nDS,1001A,东四\n", "st.csv")
    st = read_stations(p)
    assert st["station"].tolist() == ["1001A"] and st["station_name"].tolist() == ["东四"]


def test_hourly_and_registry_agree_on_the_id(tmp_path: Path) -> None:
    reg = _csv(tmp_path, "站点,站点名称,经度,纬度\nS1,东四,116.4,39.9\nS2,天坛,116.4,39.8\n", "st.csv")
    data = _csv(tmp_path, "站点,站点名称,时间,PM2.5\nS1,东四,2018-01-01 00:00,5\nS2,天坛,2018-01-01 00:00,6\n")
    h, rep = read_station_table(data, stations=read_stations(reg))
    assert sorted(h["station"].tolist()) == ["S1", "S2"]
    assert rep.column_map["站点"] == "station" and "站点名称" in rep.unmapped_columns
    names = _csv(tmp_path, "站点名称,时间,PM2.5\n东四,2018-01-01 00:00,5\n", "names.csv")
    assert read_station_table(names, stations=read_stations(reg))[0]["station"].tolist() == ["S1"]


# --------------------------------------------------------------------------- fuzz: only clear errors


def test_field_beyond_csv_field_limit_is_a_clear_error_or_read(tmp_path: Path) -> None:
    # 200 kB in one field: under max_line_chars, over the csv module's default field limit
    p = tmp_path / "wide.csv"
    p.write_text("站点,时间,PM2.5,备注\nA,2018-01-01 00:00,1," + "x" * 200_000 + "\n", encoding="utf-8")
    h, _ = read_station_table(p)
    assert h["pm25"].tolist() == [1.0]


def _mutations(seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    base = "站点,时间,PM2.5,CO\n" + "".join(f"A,2018-01-01 {h:02d}:00,{h + 1},0.{h + 1}\n" for h in range(24))
    raw = base.encode("utf-8")
    out = [bytes(rng.integers(0, 256, 4000, dtype=np.uint8)),  # random bytes
           base.encode("gb18030"), base.encode("utf-16"), b"\x00" * 100, b'"' + raw, raw.replace(b"\n", b"\r"),
           raw[: len(raw) // 2], raw.replace(b",", b";", 3), raw.replace(b"\n", b"\n\n"), b"\xef\xbb\xbf"]
    for _ in range(40):  # random byte flips, deletions and insertions in a valid file
        b = bytearray(raw)
        for _ in range(int(rng.integers(1, 8))):
            i = int(rng.integers(0, len(b)))
            op = rng.integers(0, 3)
            if op == 0:
                b[i] = int(rng.integers(0, 256))
            elif op == 1:
                del b[i]
            else:
                b.insert(i, int(rng.choice(list(b',;"\n\r\t=-.e'))))
        out.append(bytes(b))
    return out


def _xlsx_mutations(tmp_path: Path, seed: int) -> list[bytes]:
    good = tmp_path / "good.xlsx"
    pd.DataFrame({"站点": ["A"] * 24, "时间": [f"2018-01-01 {h:02d}:00" for h in range(24)],
                  "PM2.5": range(24)}).to_excel(good, index=False)
    raw = good.read_bytes()
    rng = np.random.default_rng(seed)
    out = [raw[:n] for n in (10, len(raw) // 3, len(raw) - 10)]
    for _ in range(30):
        b = bytearray(raw)
        for _ in range(int(rng.integers(1, 4))):
            b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
        out.append(bytes(b))
    return out


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_mutated_inputs_give_data_or_a_clear_error(tmp_path: Path, suffix: str) -> None:
    blobs = _mutations(10) if suffix == ".csv" else _xlsx_mutations(tmp_path, 11) + _mutations(12)[:5]
    for i, blob in enumerate(blobs):
        p = tmp_path / f"m{i}{suffix}"
        p.write_bytes(blob)
        for reader in (read_station_table, read_wide_table, read_towns, read_stations):
            try:
                reader(p)
            except InputDataError as exc:
                assert f"m{i}{suffix}" in str(exc)


def test_lone_dash_alias_is_not_a_formula(tmp_path: Path) -> None:
    p = _csv(tmp_path, "乡镇代码,乡镇名称,别名\n110109001,大峪街道,-\n110109005,王平地区,--\n", "towns.csv")
    assert read_towns(p)["aliases"].tolist() == ["-", "--"]


def test_formula_like_station_in_hourly_tables_refused(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,2018-01-01 00:00,1\n\"=HYPERLINK(\"\"http://x\"\")\",2018-01-01 00:00,2\n")
    with pytest.raises(InputDataError, match="formula") as ei:
        read_station_table(p)
    assert "row 3" in str(ei.value) and "'站点'" in str(ei.value)
    w = _csv(tmp_path, "date,hour,type,东四,@SUM(A1)\n20180101,0,PM2.5,1,2\n", "w.csv")
    with pytest.raises(InputDataError, match="formula"):
        read_wide_table(w)


def test_qc_summary_text_for_one_report_and_per_file() -> None:
    from airlib.io.ingest.pipeline import format_qc_summary

    one = {"rows": 10, "stations": ["A", "B"], "months": ["2018-01", "2018-02"],
           "qc": {"rows_read": 12, "sentinel": {"co": 2}, "negative": {}, "implausible": {"pm10": 1},
                  "duplicates": 0, "duplicate_policy": "error"}}
    text = format_qc_summary(one)
    assert text.startswith("质控摘要 QC summary：读取 12 行")
    assert "2018-01 至 2018-02（2 个月）" in text and "2 个站点" in text
    assert "缺测代码置空 2 个（co 2）" in text and "负值置空 0 个；" in text and "超出合理范围置空 1 个（pm10 1）" in text
    per_file = {"rows": 3, "stations": 1, "months": [], "cross_file_duplicates": 2,
                "qc": {"a.csv": {"rows_read": 2, "duplicates": 1, "duplicate_policy": "first", "timezone": "UTC"},
                       "b.csv": {"rows_read": 3, "duplicates": 0, "duplicate_policy": "first"}}}
    text = format_qc_summary(per_file)
    assert "读取 5 行" in text and "月份" not in text and "无 (months)" in text
    assert "重复站点-小时 duplicates：3 行，策略 first（已合并 resolved）" in text
    assert "a.csv：时区 timezone UTC → 北京时间" in text and "b.csv" not in text


def test_devices_and_folders_are_not_read(tmp_path: Path) -> None:
    for target in (Path("/dev/zero"), tmp_path):
        with pytest.raises(InputDataError, match="not a regular file"):
            read_station_table(target)
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputDataError, match="not a regular file"):
        read_towns(link)


def test_many_formula_cells_checked_quickly(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["站点", "时间", "PM2.5"])
    for i in range(2, 3002):
        ws.append(["A", f"2018-01-01 00:00", f"=ROW()*0+{i}"])
    p = tmp_path / "many.xlsx"
    wb.save(p)
    with pytest.raises(InputDataError, match="3000 formula cell") as ei:
        read_station_table(p)
    assert "C2, C3" in str(ei.value) and "(+2990 more)" in str(ei.value)


def test_year_day_month_not_guessed(tmp_path: Path) -> None:
    p = _csv(tmp_path, "站点,时间,PM2.5\nA,2018-01-02 00:00,1\nA,2018-13-01 00:00,2\n")
    with pytest.raises(InputDataError, match="unparseable") as ei:  # never read as 13 January
        read_station_table(p)
    assert "row 3" in str(ei.value)
    h, _ = read_station_table(p, time_format="%Y-%d-%m %H:%M")
    assert h["time"].tolist() == [pd.Timestamp("2018-01-13"), pd.Timestamp("2018-02-01")]
