"""airlib.io.micro_stations.read_micro_hourly: values kept as read, bad files refused with file/row/column."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.micro_stations import read_micro_hourly

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
