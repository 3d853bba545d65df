"""Tests of airlib.io.ingest.read_station_table / ingest_table on tiny files made here."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError, UnknownNameError
from airlib.io.ingest import ingest_table, read_station_table
from airlib.io.schema import HOURLY_COLUMNS
from airlib.io.ingest.table import apply_hour_label
from airlib.io.store import read_hourly, read_manifest, read_registry

CSV = (
    "站点,时间,PM2.5(μg/m3),PM10,二氧化硫,NO2,一氧化碳,O3,气温,风向\n"
    "王平,2023-01-01 01:00,35,60,5,20,0.8,40,-3.5,东北\n"
    "王平,2023-01-01 02:00,37,62,6,21,0.9,41,-4.0,N\n"
    "大峪,2023-01-01 01:00,30,50,4,30,1.0,NA,-2.0,静风\n"
)


def _write(tmp_path, text, name="t.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


# ---- encodings and formats -----------------------------------------------------------------

@pytest.mark.parametrize("encoding,detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")])
def test_encodings_detected_same_result(tmp_path, encoding, detected):
    ref, _ = read_station_table(_write(tmp_path, CSV, "ref.csv"))
    h, rep = read_station_table(_write(tmp_path, CSV, f"{encoding}.csv", encoding))
    assert rep.encoding == detected
    pd.testing.assert_frame_equal(h, ref)
    assert list(h.columns) == list(HOURLY_COLUMNS)
    assert h["station"].tolist() == ["大峪", "王平", "王平"]  # sorted by station, time
    assert h["pm25"].tolist() == [30.0, 35.0, 37.0]
    assert h["so2"].tolist() == [4.0, 5.0, 6.0]
    assert h["wd"].tolist()[1:] == ["NE", "N"] and pd.isna(h["wd"].iloc[0])  # 静风 → NA
    assert h["temp"].tolist() == [-2.0, -3.5, -4.0]  # negative temperatures are fine


def test_declared_gbk_reads_gbk(tmp_path):
    h, rep = read_station_table(_write(tmp_path, CSV, encoding="gbk"), encoding="GBK")
    assert rep.encoding == "gbk" and len(h) == 3


def test_declared_utf8_but_gbk_bytes(tmp_path):
    p = _write(tmp_path, CSV, "gbk.csv", "gbk")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p, encoding="utf-8")
    msg = str(ei.value)
    assert "gbk.csv" in msg and "row 1" in msg and "GBK" in msg and "'utf-8'" in msg


def test_declared_gbk_but_utf8_bytes(tmp_path):
    p = _write(tmp_path, CSV, "u.csv", "utf-8")
    with pytest.raises(InputDataError, match="bytes are UTF-8"):
        read_station_table(p, encoding="gbk")


def test_undecodable_bytes(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes("站点,时间,PM2.5\n".encode("utf-8") + b"A,2023-01-01 01:00,\xff\xff\xff\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    assert "bad.csv" in str(ei.value) and "row 2" in str(ei.value) and "neither UTF-8 nor GBK" in str(ei.value)


def test_xlsx_chinese_headers_and_datetimes(tmp_path):
    p = tmp_path / "t.xlsx"
    df = pd.DataFrame({
        "监测点位": ["王平", "王平"],
        "监测时间": pd.to_datetime(["2023-03-01 00:00", "2023-03-01 01:00"]),
        "细颗粒物": [12, 14.5],
        "可吸入颗粒物": [20, None],
        "臭氧": [50, 52],
        "风速": [1.2, 0.5],
    })
    with pd.ExcelWriter(p) as xw:
        pd.DataFrame({"说明": ["封面"]}).to_excel(xw, sheet_name="说明", index=False)
        df.to_excel(xw, sheet_name="小时数据", index=False)
    h, rep = read_station_table(p, sheet="小时数据")
    assert rep.encoding == "xlsx"
    assert h["time"].tolist() == list(pd.to_datetime(["2023-03-01 00:00", "2023-03-01 01:00"]))
    assert h["pm25"].tolist() == [12.0, 14.5] and np.isnan(h["pm10"].iloc[1])
    assert h["wspm"].tolist() == [1.2, 0.5]
    with pytest.raises(InputDataError, match="missing column 'station'"):
        read_station_table(p)  # first sheet is the cover: no recognised columns


def test_xlsx_text_in_numeric_cell(tmp_path):
    p = tmp_path / "t.xlsx"
    pd.DataFrame({"站点": ["A", "A"], "时间": ["2023-03-01 00:00", "2023-03-01 01:00"],
                  "PM2.5": [12, "故障"]}).to_excel(p, index=False)
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "t.xlsx" in msg and "row 3" in msg and "'PM2.5'" in msg and "故障" in msg


def test_tab_separated_and_english_headers(tmp_path):
    p = _write(tmp_path, "station\tdatetime\tpm2_5\tCO(ug/m3)\nA\t2023-01-01 00:00\t10\t800\n", "t.txt")
    h, rep = read_station_table(p)
    assert h["pm25"].tolist() == [10.0]
    assert h["co"].tolist() == pytest.approx([0.8])  # µg/m³ unit hint → mg/m³
    assert rep.unit_factors == {"co": 1e-3}


def test_mapping_override_and_drop(tmp_path):
    p = _write(tmp_path, "Site,When,Fine,Coarse\nA,2023-01-01 00:00,10,20\n")
    h, rep = read_station_table(p, mapping={"Site": "station", "When": "time", "Fine": "pm25", "Coarse": None})
    assert h["pm25"].tolist() == [10.0] and np.isnan(h["pm10"].iloc[0])
    assert rep.column_map == {"Site": "station", "When": "time", "Fine": "pm25"}
    with pytest.raises(InputDataError, match="not a canonical column"):
        read_station_table(p, mapping={"Fine": "pm2.5"})


def test_unmapped_known_columns_are_reported(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5,AQI,首要污染物,O3_8h\nA,2023-01-01 00:00,10,14,—,3\n")
    _, rep = read_station_table(p)
    assert rep.unmapped_columns == ["AQI", "首要污染物", "O3_8h"]


# ---- time and hour labels ------------------------------------------------------------------

def test_hour_ending_shift_and_24_00(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\n"
                         "A,2023-01-01 01:00,1\n"    # 00–01 → 00:00
                         "A,2023-01-01 24:00,24\n"   # 23–24 → 23:00 of Jan 1
                         "B,2023-01-02 00:00,24\n"   # same hour written as next-day 00:00
                         "B,2023年1月2日 1时,25\n")  # Chinese form
    h, rep = read_station_table(p, hour_label="ending")
    assert rep.hour_label == "ending"
    assert h["time"].tolist() == list(pd.to_datetime(
        ["2023-01-01 00:00", "2023-01-01 23:00", "2023-01-01 23:00", "2023-01-02 00:00"]))
    assert (h["time"].dt.floor("D").iloc[:3] == pd.Timestamp("2023-01-01")).all()


def test_hour_beginning_unshifted_and_24_rolls(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01 00:00,1\nA,2023-01-01 24:00,2\nA,2023010105,3\n")
    h, _ = read_station_table(p)
    assert h["time"].tolist() == list(pd.to_datetime(["2023-01-01 00:00", "2023-01-01 05:00", "2023-01-02 00:00"]))


def test_date_and_hour_columns(tmp_path):
    p = _write(tmp_path, "站点,日期,小时,PM2.5\nA,2023/02/28,24,1\nA,2023/02/28,1,2\nA,2023/03/01,1时,3\n")
    h, _ = read_station_table(p, hour_label="ending")
    assert h["time"].tolist() == list(pd.to_datetime(["2023-02-28 00:00", "2023-02-28 23:00", "2023-03-01 00:00"]))


def test_bad_hour_value(tmp_path):
    p = _write(tmp_path, "站点,日期,小时,PM2.5\nA,2023-01-01,25,1\n")
    with pytest.raises(InputDataError, match="hour must be") as ei:
        read_station_table(p)
    assert "row 2" in str(ei.value) and "'小时'" in str(ei.value)


def test_unparseable_timestamps_list_rows(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01 00:00,1\nA,昨天,2\nA,2023-13-01 00:00,3\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "t.csv" in msg and "rows 3, 4" in msg and "'时间'" in msg and "unparseable timestamp" in msg


def test_timestamp_not_on_the_hour(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01 00:30,1\n")
    with pytest.raises(InputDataError, match="not on the hour"):
        read_station_table(p)


def test_time_format_declared(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,01/02/2023 05,1\n")
    h, _ = read_station_table(p, time_format="%d/%m/%Y %H")
    assert h["time"].tolist() == [pd.Timestamp("2023-02-01 05:00")]


def test_bad_hour_label(tmp_path):
    with pytest.raises(InputDataError, match="hour_label"):
        read_station_table(_write(tmp_path, CSV), hour_label="end")


@pytest.mark.parametrize("reader", ["read_station_table", "read_wide_table"])
def test_bad_hour_label_checked_before_reading(tmp_path, reader):
    import airlib.io.ingest

    missing = tmp_path / "absent.csv"  # never opened: the convention is checked first
    with pytest.raises(InputDataError, match="hour_label must be 'beginning' or 'ending', not 'end'") as ei:
        getattr(airlib.io.ingest, reader)(missing, hour_label="end")
    assert "absent.csv" in str(ei.value)


def test_apply_hour_label_edges():
    t = pd.Series(pd.to_datetime(["2023-01-01 00:00", "2023-01-02 00:00"]))
    assert apply_hour_label(t, "beginning").equals(t)
    assert apply_hour_label(t, "ending").tolist() == [pd.Timestamp("2022-12-31 23:00"), pd.Timestamp("2023-01-01 23:00")]
    with pytest.raises(InputDataError, match="hour_label must be"):
        apply_hour_label(t, "Ending")


# ---- duplicates ----------------------------------------------------------------------------

DUP = "站点,时间,PM2.5,风向\nA,2023-01-01 01:00,10,N\nA,2023-01-01 02:00,20,N\nA,2023-01-01 01:00,30,S\nA,2023-01-01 01:00,,E\n"


def test_duplicates_error_lists_rows(tmp_path):
    with pytest.raises(InputDataError) as ei:
        read_station_table(_write(tmp_path, DUP))
    msg = str(ei.value)
    assert "rows 2, 4, 5" in msg and "A 2023-01-01 01:00" in msg and "t.csv" in msg


@pytest.mark.parametrize("policy,value,wd", [("first", 10.0, "N"), ("last", np.nan, "E"), ("mean", 20.0, "N")])
def test_duplicate_policies(tmp_path, policy, value, wd):
    h, rep = read_station_table(_write(tmp_path, DUP), duplicates=policy)
    assert len(h) == 2 and rep.duplicates == 3 and rep.duplicate_policy == policy
    first = h.iloc[0]
    assert first["time"] == pd.Timestamp("2023-01-01 01:00")
    assert (np.isnan(value) and np.isnan(first["pm25"])) or first["pm25"] == value
    assert first["wd"] == wd
    assert h.iloc[1]["pm25"] == 20.0


@pytest.mark.parametrize("label", ["beginning", "ending"])
def test_24_00_and_next_day_00_00_are_the_same_hour(tmp_path, label):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01 24:00,1\nA,2023-01-02 00:00,2\n")
    with pytest.raises(InputDataError, match="share a station-hour") as ei:
        read_station_table(p, hour_label=label)
    assert "rows 2, 3" in str(ei.value)


# ---- QC ------------------------------------------------------------------------------------

def test_sentinels_and_negatives_counted(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5,PM10,气温,降水量\n"
                         "A,2023-01-01 00:00,-999,50,-999,0\n"
                         "A,2023-01-01 01:00,-3,9999,-12,-0.1\n"
                         "A,2023-01-01 02:00,0,55,-99,0.5\n")
    h, rep = read_station_table(p)
    assert rep.sentinel == {"pm25": 1, "pm10": 1, "temp": 2, "rain": 0}
    assert rep.negative == {"pm25": 1, "pm10": 0, "temp": 0, "rain": 1}
    assert rep.examples["pm25"] == [2, 3] and rep.examples["temp"] == [2, 4]
    assert rep.flagged == 6
    assert h["pm25"].isna().tolist() == [True, True, False]
    assert h["temp"].tolist()[1] == -12.0  # negative temperature is not an error
    assert rep.missing["pm25"] == 2
    assert "负值置空 2" in rep.summary()


def test_custom_sentinels(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01 00:00,-999\nA,2023-01-01 01:00,888\n")
    h, rep = read_station_table(p, sentinels=[888])
    assert rep.sentinel == {"pm25": 1} and rep.negative == {"pm25": 1}
    assert h["pm25"].isna().all()


def test_sentinel_checked_before_unit_conversion(tmp_path):
    p = _write(tmp_path, "站点,时间,CO(μg/m3)\nA,2023-01-01 00:00,-999\nA,2023-01-01 01:00,1500\n")
    h, rep = read_station_table(p)
    assert rep.sentinel == {"co": 1}
    assert np.isnan(h["co"].iloc[0]) and h["co"].iloc[1] == pytest.approx(1.5)


def test_text_in_numeric_column(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5,NO2\nA,2023-01-01 00:00,12,5\nA,2023-01-01 01:00,13,维护中\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "t.csv" in msg and "row 3" in msg and "'NO2'" in msg and "维护中" in msg and "text in a numeric" in msg


def test_na_tokens_are_missing_not_errors(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01 00:00,—\nA,2023-01-01 01:00,\nA,2023-01-01 02:00,NA\n")
    h, rep = read_station_table(p)
    assert h["pm25"].isna().all() and rep.flagged == 0


def test_wind_directions(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5,风向\nA,2023-01-01 00:00,1,西北风\nA,2023-01-01 01:00,1,0\n"
                         "A,2023-01-01 02:00,1,112.5\nA,2023-01-01 03:00,1,ssw\n")
    h, _ = read_station_table(p)
    assert h["wd"].tolist() == ["NW", "N", "ESE", "SSW"]
    bad = _write(tmp_path, "站点,时间,PM2.5,风向\nA,2023-01-01 00:00,1,旋风\n", "w.csv")
    with pytest.raises(InputDataError, match="unknown wind direction") as ei:
        read_station_table(bad)
    assert "row 2" in str(ei.value)


# ---- headers, stations, empty files --------------------------------------------------------

def test_missing_station_column_suggests(tmp_path):
    p = _write(tmp_path, "站,时间,PM2.5\nA,2023-01-01 00:00,1\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "t.csv" in msg and "missing column 'station'" in msg and "'站'" in msg


def test_misspelled_header_suggests_expected(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.6,PM10\nA,2023-01-01 00:00,1,2\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    msg = str(ei.value)
    assert "column 'PM2.6'" in msg and "PM2.5" in msg and "misspelled" in msg


def test_missing_time_column(tmp_path):
    p = _write(tmp_path, "站点,PM2.5\nA,1\n")
    with pytest.raises(InputDataError, match="missing column 'time'"):
        read_station_table(p)


def test_unknown_station_against_registry(tmp_path):
    reg = pd.DataFrame({"station": pd.array(["WP", "DY"], dtype="string"),
                        "station_name": pd.array(["王平", "大峪"], dtype="string")})
    h, _ = read_station_table(_write(tmp_path, CSV), stations=reg)
    assert sorted(set(h["station"])) == ["DY", "WP"]
    bad = _write(tmp_path, CSV.replace("大峪,", "大玉,"), "bad.csv")
    with pytest.raises(UnknownNameError) as ei:
        read_station_table(bad, stations=reg)
    msg = str(ei.value)
    assert "bad.csv" in msg and "row 4" in msg and "'站点'" in msg and "大玉" in msg and "大峪" in msg


@pytest.mark.parametrize("content,problem", [(b"", "empty"), (b"  \n", "empty"), ("站点,时间,PM2.5\n".encode(), "no data rows")])
def test_empty_files(tmp_path, content, problem):
    p = tmp_path / "e.csv"
    p.write_bytes(content)
    with pytest.raises(InputDataError, match=problem) as ei:
        read_station_table(p)
    assert "e.csv" in str(ei.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        read_station_table(tmp_path / "nope.csv")


def test_empty_station_cell(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\n,2023-01-01 00:00,1\n")
    with pytest.raises(InputDataError, match="empty station") as ei:
        read_station_table(p)
    assert "row 2" in str(ei.value)


# ---- ingest_table --------------------------------------------------------------------------

@pytest.fixture
def bureau(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    towns = raw / "towns.csv"
    towns.write_text("乡镇代码,乡镇名称\n110109001,大峪街道\n110109005,王平地区\n", encoding="utf-8")
    stations = raw / "stations.csv"
    stations.write_bytes("站点编码,站点名称,经度,纬度,所属街乡\nWP,王平,115.98,40.01,王平镇\nDY,大峪,116.10,39.94,大峪\n"
                         .encode("gbk"))
    jan = raw / "2023-01.csv"
    jan.write_bytes(("站点,时间,PM2.5,PM10\n" + "".join(
        f"{s},2023-01-31 {h:02d}:00,{10 + h},-999\n" for s in ("王平", "大峪") for h in range(1, 25))).encode("gbk"))
    feb = raw / "2023-02.csv"
    feb.write_text("站点,时间,PM2.5,PM10\n王平,2023-02-01 01:00,50,60\n", encoding="utf-8-sig")
    return tmp_path, [jan, feb], stations, towns


def test_ingest_table_end_to_end_idempotent_raw_unchanged(bureau, monkeypatch):
    tmp, files, stations, towns = bureau
    monkeypatch.setenv("AIRLIB_HOME", str(tmp))  # the fixture is a project folder: data/raw, data/processed
    raw_files = [*files, stations, towns]
    before = {p: _sha(p) for p in raw_files}
    root = tmp / "data" / "processed"
    s = ingest_table(files, root, "mtg", stations, towns, hour_label="ending")
    assert s["rows"] == 49 and s["stations"] == ["DY", "WP"] and s["months"] == ["2023-01", "2023-02"]
    assert s["qc"]["2023-01.csv"]["sentinel"] == {"pm10": 48}
    out = read_hourly(root, "mtg")
    assert out["time"].min() == pd.Timestamp("2023-01-31 00:00")  # 01:00 hour-ending → 00:00
    assert (out[out.station == "WP"]["time"].dt.month == 2).sum() == 1  # Feb 1 01:00 ending → Feb 1 00:00
    jan = read_hourly(root, "mtg", "2023-01", "2023-01")
    assert len(jan) == 48 and jan["pm10"].isna().all()
    reg = read_registry(root, "mtg", "stations")
    assert reg.set_index("station").loc["WP", "town_code"] == "110109005"
    man = read_manifest(root, "mtg")
    src = man["sources"]["2023-01.csv+2023-02.csv"]
    assert [f["sha256"] for f in src["files"]] == [before[files[0]], before[files[1]]]
    assert [f["path"] for f in src["files"]] == ["data/raw/2023-01.csv", "data/raw/2023-02.csv"]  # project-relative
    assert src["hour_label"] == "ending"
    snap = {p: _sha(p) for p in sorted(root.rglob("*")) if p.is_file()}
    ingest_table(files, root, "mtg", stations, towns, hour_label="ending")
    assert {p: _sha(p) for p in sorted(root.rglob("*")) if p.is_file()} == snap
    assert {p: _sha(p) for p in raw_files} == before


def test_ingest_table_cross_file_duplicates(bureau):
    tmp, files, stations, towns = bureau
    again = tmp / "copy.csv"
    again.write_bytes(files[1].read_bytes())
    root = tmp / "store"
    with pytest.raises(InputDataError) as ei:
        ingest_table([files[1], again], root, "mtg", stations, towns)
    assert "copy.csv" in str(ei.value) and "2023-02.csv" in str(ei.value)
    assert not (root / "mtg").exists()
    s = ingest_table([files[1], again], root, "mtg", stations, towns, duplicates="last")
    assert s["rows"] == 1


def test_ingest_table_unknown_town_in_station_registry(bureau):
    tmp, files, stations, towns = bureau
    stations.write_text("站点编码,站点名称,所属街乡\nWP,王平,王坪镇\n", encoding="utf-8")
    with pytest.raises(UnknownNameError) as ei:
        ingest_table(files[1], tmp / "store", "mtg", stations, towns)
    assert "stations.csv" in str(ei.value) and "王坪镇" in str(ei.value)


# ---- title rows and blank lines: row numbers stay exact ------------------------------------

def test_title_rows_and_blank_lines_csv(tmp_path):
    p = _write(tmp_path, "门头沟区空气质量小时数据\n导出时间：2023-02-01\n\n站点,时间,PM2.5\n"
                         "A,2023-01-01 00:00,1\n\nA,2023-01-01 01:00,x\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    assert "row 7" in str(ei.value) and "'PM2.5'" in str(ei.value)
    p.write_text(p.read_text(encoding="utf-8").replace(",x", ",2"), encoding="utf-8")
    h, rep = read_station_table(p)
    assert h["pm25"].tolist() == [1.0, 2.0] and rep.rows_read == 2


def test_title_rows_and_blank_lines_xlsx(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in (["门头沟区小时数据"], [], ["站点", "时间", "PM2.5"], ["A", "2023-01-01 00:00", 1], [],
              ["A", "2023-01-01 01:00", "x"]):
        ws.append(r)
    p = tmp_path / "h.xlsx"
    wb.save(p)
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    assert "row 6" in str(ei.value) and "h.xlsx" in str(ei.value)


def test_utc_offsets_converted_to_beijing(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01T01:00:00+08:00,1\nA,2023-01-01T00:00:00Z,2\n")
    h, _ = read_station_table(p)
    assert h["time"].tolist() == [pd.Timestamp("2023-01-01 01:00"), pd.Timestamp("2023-01-01 08:00")]
    assert h["time"].dtype == "datetime64[us]"


def test_mixed_offset_and_naive_is_error(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,2023-01-01T01:00:00+08:00,1\nA,2023-01-01 02:00,2\n")
    with pytest.raises(InputDataError, match="UTC offset") as ei:
        read_station_table(p)
    assert "row 3" in str(ei.value)


def test_unexpected_parse_failure_names_file(tmp_path):
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputDataError, match="broken.xlsx"):
        read_station_table(p)
    with pytest.raises(TypeError):
        read_station_table(p, no_such_option=1)


def test_date_plus_time_of_day_columns(tmp_path):
    p = _write(tmp_path, "站点,日期,时间,PM2.5\nA,2023-01-01,01:00,1\nA,2023-01-01,24:00,2\n")
    h, _ = read_station_table(p, hour_label="ending")
    assert h["time"].tolist() == [pd.Timestamp("2023-01-01 00:00"), pd.Timestamp("2023-01-01 23:00")]


def test_time_of_day_without_date_is_error(tmp_path):
    p = _write(tmp_path, "站点,时间,PM2.5\nA,01:00,1\n")
    with pytest.raises(InputDataError) as ei:
        read_station_table(p)
    assert "row 2" in str(ei.value) and "'时间'" in str(ei.value)


def test_station_code_preferred_over_name(tmp_path):
    p = _write(tmp_path, "站点名称,站点编码,时间,PM2.5\n王平,MTG01,2023-01-01 00:00,1\n")
    h, rep = read_station_table(p)
    assert h["station"].tolist() == ["MTG01"]
    assert rep.column_map["站点编码"] == "station" and "站点名称" in rep.unmapped_columns


def test_utf16_tab_export(tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_bytes("站点\t时间\tPM2.5\nA\t2023-01-01 00:00\t7\n".encode("utf-16"))
    h, rep = read_station_table(p)
    assert rep.encoding == "utf-16" and h["pm25"].tolist() == [7.0]


# ---- property: any cell content gives a frame or an InputDataError, never another exception --

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_cells = st.one_of(
    st.sampled_from(["", "NA", "—", "-999", "12", "1.5", "-3", "北", "NNE", "2023-01-01 01:00", "24:00",
                     "2023/1/1 1:00", "王平", "x", " ", "1e3", "9999", "2023-02-30 01:00", "静风"]),
    st.text(alphabet="0123456789-:. /年月日时北东NAx,\"", max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_cells, _cells, _cells, _cells), min_size=0, max_size=6),
       label=st.sampled_from(["beginning", "ending"]),
       policy=st.sampled_from(["error", "first", "mean"]))
def test_never_a_bare_traceback(tmp_path_factory, rows, label, policy):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["站点", "时间", "PM2.5", "风向"])
    w.writerows(rows)
    p = tmp_path_factory.mktemp("fuzz") / "f.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    try:
        h, rep = read_station_table(p, hour_label=label, duplicates=policy)
    except InputDataError as exc:
        assert "f.csv" in str(exc)
        return
    assert list(h.columns) == list(HOURLY_COLUMNS)
    assert h["time"].dtype == "datetime64[us]" and not h.duplicated(["station", "time"]).any()
    assert (h["time"] == h["time"].dt.floor("h")).all()
    assert rep.rows_out == len(h)


# ---- wide tables (date, hour, type, <station>…) ---------------------------------------------

from airlib.io.ingest import read_wide_table  # noqa: E402

WIDE = ("date,hour,type,东四,天坛,官园\n"
        "20230101,0,AQI,50,60,70\n"
        "20230101,0,PM2.5,30,40,-999\n"
        "20230101,0,PM2.5_24h,33,44,55\n"
        "20230101,0,CO,0.5,0.6,0.7\n"
        "20230101,1,PM2.5,31,,-5\n"
        "20230101,1,O3_8h,1,2,3\n")


def test_wide_table_pivot_qc_and_skipped_types(tmp_path):
    h, rep = read_wide_table(_write(tmp_path, WIDE, "beijing_all_20230101.csv", "gbk"))
    assert list(h.columns) == list(HOURLY_COLUMNS)
    assert h["station"].tolist() == ["东四", "东四", "天坛", "天坛", "官园", "官园"]  # code-point order
    d = h.set_index(["station", "time"])
    t0, t1 = pd.Timestamp("2023-01-01 00:00"), pd.Timestamp("2023-01-01 01:00")
    assert d.loc[("东四", t0), "pm25"] == 30 and d.loc[("东四", t1), "pm25"] == 31
    assert d.loc[("天坛", t0), "co"] == 0.6 and np.isnan(d.loc[("天坛", t1), "pm25"])
    assert np.isnan(d.loc[("官园", t0), "pm25"]) and np.isnan(d.loc[("官园", t1), "pm25"])
    assert rep.sentinel == {"pm25": 1} and rep.negative == {"pm25": 1} and rep.examples["pm25"] == [3, 6]
    assert rep.unmapped_columns == ["type=AQI", "type=O3_8h", "type=PM2.5_24h"]
    assert d["pm10"].isna().all()


def test_wide_table_hour_ending(tmp_path):
    h, _ = read_wide_table(_write(tmp_path, WIDE), hour_label="ending")
    assert h["time"].min() == pd.Timestamp("2022-12-31 23:00")


def test_wide_table_text_names_row_and_station(tmp_path):
    p = _write(tmp_path, WIDE.replace("31,,-5", "31,故障,-5"))
    with pytest.raises(InputDataError) as ei:
        read_wide_table(p)
    assert "row 6" in str(ei.value) and "'天坛'" in str(ei.value) and "故障" in str(ei.value)


def test_wide_table_unknown_station_header(tmp_path):
    reg = pd.DataFrame({"station": pd.array(["dongsi_aq", "tiantan_aq", "guanyuan_aq"], dtype="string"),
                        "station_name": pd.array(["东四", "天坛", "官园"], dtype="string")})
    h, _ = read_wide_table(_write(tmp_path, WIDE), stations=reg)
    assert set(h["station"]) == {"dongsi_aq", "tiantan_aq", "guanyuan_aq"}
    with pytest.raises(UnknownNameError) as ei:
        read_wide_table(_write(tmp_path, WIDE.replace("官园", "官圆"), "w2.csv"), stations=reg)
    assert "官圆" in str(ei.value) and "官园" in str(ei.value) and "w2.csv" in str(ei.value)


def test_wide_table_duplicates_and_missing_type(tmp_path):
    p = _write(tmp_path, WIDE + "20230101,0,PM2.5,99,99,99\n")
    with pytest.raises(InputDataError, match="share a station, hour and type") as ei:
        read_wide_table(p)
    assert "rows 3, 8" in str(ei.value)
    h, _ = read_wide_table(p, duplicates="last")
    assert h.set_index(["station", "time"]).loc[("东四", pd.Timestamp("2023-01-01 00:00")), "pm25"] == 99
    with pytest.raises(InputDataError, match="missing column type"):
        read_wide_table(_write(tmp_path, "date,hour,东四\n20230101,0,1\n", "n.csv"))


def test_ingest_table_wide_layout(tmp_path):
    files = [_write(tmp_path, WIDE, "d1.csv"),
             _write(tmp_path, WIDE.replace("20230101", "20230201"), "d2.csv")]
    s = ingest_table(files, tmp_path / "store", "bj", layout="wide")
    assert s["rows"] == 12 and s["months"] == ["2023-01", "2023-02"]
    feb = read_hourly(tmp_path / "store", "bj", "2023-02", "2023-02")
    assert len(feb) == 6 and feb["pm25"].notna().sum() == 3
    with pytest.raises(InputDataError, match="layout"):
        ingest_table(files, tmp_path / "store", "bj", layout="tall")
