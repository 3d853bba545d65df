"""Reader of the official alert log (airlib.io.alert_log): columns, levels, upgrades, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.alert_log import parse_level, read_alert_log

T = pd.Timestamp
HEAD = "预警级别,发布时间,开始时间,解除时间,区域\n"


def _write(tmp_path, body: str, name: str = "log.csv", encoding: str = "utf-8"):
    p = tmp_path / name
    p.write_bytes(body.encode(encoding))
    return p


@pytest.mark.parametrize("text, code, change", [
    ("蓝色预警", "blue", ""), ("黄色", "yellow", ""), ("橙色预警", "orange", ""), ("红", "red", ""),
    ("升级为橙色预警", "orange", "upgrade"), ("降级为黄色", "yellow", "downgrade"), ("red", "red", ""),
    ("Ⅰ级", "red", ""), ("IV级", "blue", ""), ("绿色", None, ""), ("黄转橙", None, ""),
])
def test_parse_level(text, code, change):
    assert parse_level(text) == (code, change)


def test_reads_frame_of_the_interface_and_gbk(tmp_path):
    p = _write(tmp_path, "# SYNTHETIC 合成数据\n" + HEAD
               + "黄色预警,2017/12/1 10:00,2017年12月1日20时,2017-12-04 00:00,门头沟区\n"
               + "蓝色,,2018-01-05 00:00,,全市\n", encoding="gbk")
    log = read_alert_log(p)
    assert list(log.columns[:8]) == ["level", "level_zh", "start", "end", "area", "issued", "source", "row"]
    assert log["level"].tolist() == ["blue", "yellow"]  # sorted by area, start
    assert log["level_zh"].tolist() == ["蓝色预警", "黄色预警"]
    y = log.iloc[1]
    assert (y["start"], y["end"], y["issued"]) == (T("2017-12-01 20:00"), T("2017-12-04"), T("2017-12-01 10:00"))
    assert y["row"] == 3 and y["source"] == "log.csv"  # comment line 1, header row 2
    assert pd.isna(log.iloc[0]["end"]) and pd.isna(log.iloc[0]["issued"])  # still in force


def test_upgrade_ends_the_earlier_row_at_its_start(tmp_path):
    p = _write(tmp_path, HEAD
               + "黄色预警,,2017-12-01 20:00,2017-12-04 00:00,门头沟区\n"
               + "升级为橙色预警,,2017-12-02 12:00,2017-12-04 00:00,门头沟区\n"
               + "升级为红色预警,,2017-12-03 00:00,2017-12-05 00:00,门头沟区\n"
               + "蓝色预警,,2017-12-10 00:00,2017-12-11 00:00,门头沟区\n")
    log = read_alert_log(p)
    assert log["end"].tolist()[:2] == [T("2017-12-02 12:00"), T("2017-12-03 00:00")]
    assert log["end"].iloc[2] == T("2017-12-05")
    assert log["change"].tolist() == ["", "upgrade", "upgrade", ""]
    assert log["alert"].tolist() == [1, 1, 1, 2]


def test_open_alert_followed_by_another_level_is_a_change_of_it(tmp_path):
    p = _write(tmp_path, HEAD + "红色,,2017-12-01 00:00,,甲区\n蓝色,,2017-12-10 00:00,2017-12-11 00:00,甲区\n")
    log = read_alert_log(p)
    assert log["end"].iloc[0] == T("2017-12-10") and log["change"].tolist() == ["", "downgrade"]


def test_level_change_without_the_word_is_recorded_by_level_order(tmp_path):
    p = _write(tmp_path, HEAD + "橙色,,2017-12-01 00:00,2017-12-03 00:00,甲区\n黄色,,2017-12-02 00:00,2017-12-03 00:00,甲区\n")
    log = read_alert_log(p)
    assert log["change"].tolist() == ["", "downgrade"] and log["end"].iloc[0] == T("2017-12-02")


def test_area_argument_without_column(tmp_path):
    p = _write(tmp_path, "预警级别,开始时间,解除时间\n红色,2016-12-16 20:00,2016-12-22 00:00\n")
    assert read_alert_log(p, area="全市")["area"].tolist() == ["全市"]
    with pytest.raises(InputDataError, match="no area column"):
        read_alert_log(p)


def test_xlsx(tmp_path):
    p = tmp_path / "log.xlsx"
    pd.DataFrame({"预警等级": ["橙色预警"], "启动时间": [T("2016-12-16 20:00")], "解除时间": [T("2016-12-21 23:00")],
                  "区域": ["全市"]}).to_excel(p, index=False)
    log = read_alert_log(p)
    assert log["start"].iloc[0] == T("2016-12-16 20:00") and log["row"].iloc[0] == 2


@pytest.mark.parametrize("rows, match, row, column", [
    ("绿色预警,,2017-12-01 00:00,,甲区\n", "unknown alert level", 2, "预警级别"),
    ("黄色,,2017-13-45 00:00,,甲区\n", "cannot read", 2, "开始时间"),
    ("黄色,,,,甲区\n", "empty time", 2, "开始时间"),
    ("黄色,,2017-12-02 00:00,2017-12-02 00:00,甲区\n", "not after the start", 2, "解除时间"),
    ("黄色,2017-12-05 00:00,2017-12-02 00:00,2017-12-03 00:00,甲区\n", "issued after", 2, "发布时间"),
    ("黄色,,2017-12-01 00:00,2017-12-03 00:00,甲区\n黄色,,2017-12-02 00:00,2017-12-04 00:00,甲区\n",
     "not an upgrade", 3, "开始时间"),
    ("黄色,,2017-12-01 00:00,2017-12-03 00:00,甲区\n橙色,,2017-12-01 00:00,2017-12-04 00:00,甲区\n",
     "not an upgrade", 3, "开始时间"),
    ("黄色,,2017-12-01 00:00,,\n", "empty area", 2, "区域"),
])
def test_errors_name_file_row_column(tmp_path, rows, match, row, column):
    p = _write(tmp_path, HEAD + rows)
    with pytest.raises(InputDataError, match=match) as e:
        read_alert_log(p)
    assert e.value.file == str(p) and e.value.column == column
    assert e.value.row == row


def test_edges_touching_alerts_and_other_area_overlap_are_fine(tmp_path):
    # one ends when the next starts (same level): two alerts of one sequence, no overlap
    p = _write(tmp_path, HEAD + "黄色,,2017-12-01 00:00,2017-12-02 00:00,甲区\n黄色,,2017-12-02 00:00,2017-12-03 00:00,甲区\n"
               "红色,,2017-12-01 06:00,2017-12-02 00:00,全市\n")
    log = read_alert_log(p)
    assert len(log) == 3 and (log["change"] == "").all()


def test_missing_columns_named(tmp_path):
    p = _write(tmp_path, "级别说明,备注\n黄色,x\n")
    with pytest.raises(InputDataError, match="lacks column"):
        read_alert_log(p)
