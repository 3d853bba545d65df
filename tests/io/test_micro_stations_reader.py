"""airlib.io.micro_stations.read_micro_hourly: values kept as read, bad files refused with file/row/column."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.micro_stations import read_colocation, read_micro_hourly

REGISTRY = pd.DataFrame({"station": ["M-01", "M-02"]})
GOOD = """station,time,pm25,pm10,rh
M-01,2017-01-01 00:00,12.5,20.1,55.0
M-01,2017-01-01 01:00,-3.0,,60.2
M-02,2017-01-01 00:00,,,
M-02,2017-01-01 01:00,1200,1500,99.9
"""


def _write(tmp_path, text, name="micro_hourly.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_values_unchanged_with_empty_cells_as_nan(tmp_path):
    out = read_micro_hourly(_write(tmp_path, GOOD), REGISTRY)
    assert list(out.columns) == ["station", "time", "pm25", "pm10", "rh"]
    assert out["station"].dtype == "string" and str(out["time"].dtype) == "datetime64[us]"
    # a negative and an out-of-range reading stay: they are QC flags, not changes of the data
    assert out["pm25"].tolist()[:2] == [12.5, -3.0] and out["pm25"].iloc[3] == 1200.0
    assert out["pm25"].isna().tolist() == [False, False, True, False]
    assert out["pm10"].isna().sum() == 2
    assert out["time"].iloc[1] == pd.Timestamp("2017-01-01 01:00")


def test_optional_columns_may_be_absent(tmp_path):
    out = read_micro_hourly(_write(tmp_path, "station,time,pm25\nM-01,2017-01-01 00:00,3\n"))
    assert list(out.columns) == ["station", "time", "pm25"] and out["pm25"].iloc[0] == 3.0


@pytest.mark.parametrize(("text", "words"), [
    ("station,time,pm10\nM-01,2017-01-01 00:00,3\n", ["'pm25' is missing"]),
    ("station,time,pm25\nM-01,2017-13-01 00:00,3\n", ["row 2", "'time'", "cannot be read"]),
    ("station,time,pm25\nM-01,2017-01-01 00:30,3\n", ["row 2", "not on the hour"]),
    ("station,time,pm25\nM-01,2017-01-01 00:00,3\nM-01,2017-01-01 01:00,abc\n", ["row 3", "'pm25'", "not a number", "abc"]),
    ("station,time,pm25\nM-09,2017-01-01 00:00,3\n", ["row 2", "M-09", "not in the micro-station registry"]),
    ("station,time,pm25\nM-01,2017-01-01 00:00,3\nM-01,2017-01-01 00:00,4\n", ["rows 2, 3", "more than once"]),
    ("station,time,pm25\n,2017-01-01 00:00,3\n", ["row 2", "empty station id"]),
])
def test_bad_rows_are_refused_naming_file_row_and_column(tmp_path, text, words):
    p = _write(tmp_path, text)
    with pytest.raises(InputDataError) as exc:
        read_micro_hourly(p, REGISTRY)
    msg = str(exc.value)
    assert str(p) in msg
    for w in words:
        assert w in msg


def test_missing_or_undecodable_file(tmp_path):
    with pytest.raises(InputDataError, match="not found.*scripts/demo"):
        read_micro_hourly(tmp_path / "nope.csv")
    p = tmp_path / "binary.csv"
    p.write_bytes(b"station,time,pm25\n\x00\xff\xfe,2017-01-01 00:00,3\n")
    with pytest.raises(InputDataError, match="binary.csv"):
        read_micro_hourly(p)
    with pytest.raises(InputDataError, match="empty.csv"):
        read_micro_hourly(_write(tmp_path, "", "empty.csv"))


def test_gbk_file_is_decoded_by_the_one_rule(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("station,time,pm25,备注\nM-01,2017-01-01 00:00,3,南站\n".encode("gbk"))
    out = read_micro_hourly(p, REGISTRY)
    assert out["备注"].iloc[0] == "南站" and out["pm25"].iloc[0] == 3.0


# --------------------------------------------------------------------------- read_colocation

REFS = pd.DataFrame({"station": ["R1", "R2"]})
COLOC = """station,reference,start,end
M-01,R1,2017-01-01 00:00,2017-01-14 23:00
M-02,R2,2017-01-01 00:00,2017-01-01 00:00
M-01,R2,2017-02-01 00:00,2017-02-07 23:00
"""


def test_colocation_windows_read_end_inclusive(tmp_path):
    out = read_colocation(_write(tmp_path, COLOC, "coloc.csv"), REGISTRY, REFS)
    assert list(out.columns) == ["station", "reference", "start", "end"]
    assert out["station"].tolist() == ["M-01", "M-02", "M-01"] and out["reference"].dtype == "string"
    assert out["end"].iloc[0] == pd.Timestamp("2017-01-14 23:00")
    assert out["start"].iloc[1] == out["end"].iloc[1]          # a one-hour window (end inclusive)


def test_colocation_chinese_headers(tmp_path):
    text = "站点编号,参比站,开始时间,结束时间,备注\nM-01,R1,2017-01-01 00:00,2017-01-14 23:00,并排\n"
    p = tmp_path / "比对期.csv"
    p.write_bytes(text.encode("gbk"))
    out = read_colocation(p, REGISTRY, REFS)
    assert out[["station", "reference"]].iloc[0].tolist() == ["M-01", "R1"] and out["备注"].iloc[0] == "并排"
    out = read_colocation(_write(tmp_path, "站点,参照站,开始时间,结束时间\nM-02,R2,2017-01-01,2017-01-02\n", "c2.csv"))
    assert out["end"].iloc[0] == pd.Timestamp("2017-01-02 00:00")


@pytest.mark.parametrize(("text", "words"), [
    ("station,reference,start\nM-01,R1,2017-01-01 00:00\n", ["'end' is missing", "结束时间"]),
    ("station,站点,reference,start,end\nM-01,M-01,R1,2017-01-01 00:00,2017-01-02 00:00\n", ["given twice"]),
    ("站点,参比站,开始时间,结束时间\nM-01,R1,2017-01-03 00:00,2017-01-02 23:00\n",
     ["row 2", "'结束时间'", "end is before start"]),
    ("station,reference,start,end\nM-01,R1,2017-01-01 00:00,2017-01-05 00:00\nM-02,R1,2017-01-01 00:00,2017-01-02 00:00\n"
     "M-01,R2,2017-01-05 00:00,2017-01-09 00:00\n", ["rows 2, 4", "M-01", "overlap"]),
    ("station,reference,start,end\nM-01,R1,2017-01-01 00:30,2017-01-02 00:00\n", ["row 2", "'start'", "not on the hour"]),
    ("station,reference,start,end\nM-01,R1,soon,2017-01-02 00:00\n", ["row 2", "'start'", "cannot be read"]),
    ("station,reference,start,end\nM-01,,2017-01-01 00:00,2017-01-02 00:00\n", ["row 2", "'reference'", "empty"]),
    ("station,reference,start,end\nM-01,R1,2017-01-01 00:00,2017-01-02 00:00\nM-09,R1,2017-01-01 00:00,2017-01-02 00:00\n",
     ["row 3", "M-09", "micro-station registry"]),
    ("station,reference,start,end\nM-01,R7,2017-01-01 00:00,2017-01-02 00:00\n", ["row 2", "R7", "reference stations"]),
])
def test_bad_colocation_rows_are_refused(tmp_path, text, words):
    p = _write(tmp_path, text, "coloc.csv")
    with pytest.raises(InputDataError) as exc:
        read_colocation(p, REGISTRY, REFS)
    msg = str(exc.value)
    assert str(p) in msg
    for w in words:
        assert w in msg, (w, msg)


def test_missing_colocation_file(tmp_path):
    with pytest.raises(InputDataError, match="not found.*scripts/demo"):
        read_colocation(tmp_path / "nope.csv")
