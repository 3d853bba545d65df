"""airlib.io.forecasts.read_forecasts: AQI forecast tables (CSV/XLSX) into the forecast frame."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.forecasts import FORECAST_COLUMNS, parse_category_range, read_forecasts


def _csv(tmp_path, text: str, name: str = "fc.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


CHINESE = """发布日期,预报日期,区域,AQI范围,级别,首要污染物
2026-10-01,2026-10-02,门头沟区,75-105,良至轻度污染,细颗粒物(PM2.5)
2026-10-01,2026-10-03,门头沟区,40~60,优至良,—
2026-10-01,2026-10-04,门头沟区,210,重度污染,PM2.5
"""


def test_chinese_table_with_ranges_and_categories(tmp_path) -> None:
    f = read_forecasts(_csv(tmp_path, CHINESE))
    assert tuple(f.columns) == FORECAST_COLUMNS
    assert f["lead_days"].tolist() == [1, 2, 3]
    assert f["target_date"].tolist() == list(pd.to_datetime(["2026-10-02", "2026-10-03", "2026-10-04"]))
    assert f["aqi_low"].tolist() == [75, 40, 210] and f["aqi_high"].tolist() == [105, 60, 210]
    assert f["category_low"].tolist() == [2, 1, 5] and f["category"].tolist() == [3, 2, 5]
    assert f["primary"].tolist() == ["PM2.5", "", "PM2.5"]
    assert f["area"].tolist() == ["门头沟区"] * 3
    assert f["row"].tolist() == [2, 3, 4] and (f["source"] == "fc.csv").all()
    assert str(f["aqi_low"].dtype) == "Int64"


def test_gbk_and_xlsx_read_alike(tmp_path) -> None:
    a = read_forecasts(_csv(tmp_path, CHINESE, "g.csv", "gbk"))
    x = tmp_path / "fc.xlsx"
    pd.read_csv(_csv(tmp_path, CHINESE), dtype=str, keep_default_na=False).to_excel(x, index=False)
    b = read_forecasts(x)
    pd.testing.assert_frame_equal(a.drop(columns="source"), b.drop(columns="source"))


def test_lead_and_low_high_columns_category_from_aqi(tmp_path) -> None:
    text = "issued,lead,area,aqi_low,aqi_high\n2026-01-05,24h,A,101,150\n2026-01-05,第2天,A,151,151\n2026-01-05,72小时,A,,\n"
    with pytest.raises(InputDataError, match="neither an AQI range nor a category") as e:
        read_forecasts(_csv(tmp_path, text))
    assert e.value.row == 4
    f = read_forecasts(_csv(tmp_path, text.rsplit("\n", 2)[0] + "\n"))
    assert f["lead_days"].tolist() == [1, 2]
    assert f["target_date"].tolist() == list(pd.to_datetime(["2026-01-06", "2026-01-07"]))
    # AQI 101–150 is 轻度 only; 151 is 中度 (HJ 633 Table 2 boundaries)
    assert f["category_low"].tolist() == [3, 4] and f["category"].tolist() == [3, 4]
    assert f["primary"].isna().all()


def test_category_only_forecast(tmp_path) -> None:
    f = read_forecasts(_csv(tmp_path, "预报日期,预报时效,级别\n2026-03-03,2,三级\n"))
    assert f["issued"].iloc[0] == pd.Timestamp("2026-03-01")
    assert f["category"].iloc[0] == 3 and pd.isna(f["aqi_low"].iloc[0])
    assert f["area"].iloc[0] == ""


@pytest.mark.parametrize(
    ("text", "match", "row", "column"),
    [
        ("发布日期,预报日期,AQI范围\n2026-10-01,2026-10-01,80\n", "lead must be 1–3", 2, "预报日期"),
        ("发布日期,预报日期,AQI范围\n2026-10-01,2026-10-05,80\n", "lead must be 1–3", 2, "预报日期"),
        ("发布日期,预报日期,预报时效,AQI范围\n2026-10-01,2026-10-03,1,80\n", "issue date \\+ lead", 2, "预报时效"),
        ("发布日期,预报日期,AQI范围\n2026-10-01,2026-10-02,80\n2026-10-01,十月三日,80\n", "not a date", 3, "预报日期"),
        ("发布日期,预报日期,AQI范围\n2026-10-01,2026-10-02,105-75\n", "low > high", 2, "AQI范围"),
        ("发布日期,预报日期,AQI范围\n2026-10-01,2026-10-02,约80\n", "AQI range not understood", 2, "AQI范围"),
        ("发布日期,预报日期,AQI范围,级别\n2026-10-01,2026-10-02,75-105,良\n", "disagree", 2, "级别"),
        ("发布日期,预报日期,级别\n2026-10-01,2026-10-02,还行\n", "category not understood", 2, "级别"),
        ("发布日期,预报日期,AQI范围,首要污染物\n2026-10-01,2026-10-02,80,沙尘\n", "unknown primary", 2, "首要污染物"),
        ("发布日期,预报日期,AQI范围\n2026-10-01,2026-10-02,80\n2026-10-01,2026-10-02,90\n", "twice", [2, 3], "预报日期"),
        ("发布日期,预报时效,AQI范围\n2026-10-01,明年,80\n", "lead not understood", 2, "预报时效"),
    ],
)
def test_bad_rows_name_row_and_column(tmp_path, text, match, row, column) -> None:
    with pytest.raises(InputDataError, match=match) as e:
        read_forecasts(_csv(tmp_path, text))
    assert e.value.row == row and e.value.column == column and e.value.file.endswith("fc.csv")


def test_missing_columns(tmp_path) -> None:
    with pytest.raises(InputDataError, match="two of"):
        read_forecasts(_csv(tmp_path, "预报日期,AQI范围\n2026-10-02,80\n"))
    with pytest.raises(InputDataError, match="AQI range .* or a category"):
        read_forecasts(_csv(tmp_path, "发布日期,预报日期\n2026-10-01,2026-10-02\n"))
    with pytest.raises(InputDataError, match="file not found"):
        read_forecasts(tmp_path / "none.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("良至轻度污染", (2, 3)), ("轻度", (3, 3)), ("重度~严重污染", (5, 6)), ("3", (3, 3)), ("优-良", (1, 2)),
     ("中度污染", (4, 4)), ("严重污染", (6, 6)), ("五级", (5, 5))],
)
def test_parse_category_range(text, expected) -> None:
    assert parse_category_range(text) == expected


def test_parse_category_range_refuses() -> None:
    for bad in ("", "好", "良至轻度至中度", "7"):
        with pytest.raises(ValueError):
            parse_category_range(bad)


def test_title_rows_above_the_header_are_skipped(tmp_path) -> None:
    f = read_forecasts(_csv(tmp_path, "合成演示数据（SYNTHETIC）\n" + CHINESE))
    assert f["row"].tolist() == [3, 4, 5] and f["aqi_low"].tolist() == [75, 40, 210]
