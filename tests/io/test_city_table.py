"""City table reader: formats, aliases, encodings and every refusal names file and row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.city_table import read_city_table
from airlib.io.ingest.registries import BEIJING_DISTRICTS

NAMES = list(BEIJING_DISTRICTS.values())


def _csv(tmp_path, lines, name="city.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes("\n".join(lines).encode(encoding))
    return p


def _full(values=None, header="区,PM2.5(μg/m³),同比(%),累计PM2.5,累计同比,综合指数"):
    values = values or {n: 30 + i for i, n in enumerate(NAMES)}
    return [header] + [f"{n},{v},-{i}.5,{v + 2},{i - 3}.0,3.{i:02d}" for i, (n, v) in enumerate(values.items())]


def test_reads_sixteen_districts_chinese_headers(tmp_path):
    t = read_city_table(_csv(tmp_path, _full()), district="门头沟区")
    assert list(t["district"]) == NAMES
    assert t.loc[t["district"] == "门头沟区", "pm25"].item() == 30 + NAMES.index("门头沟区")
    assert t["pm25_yoy_pct"].iloc[2] == -2.5
    assert t["pm25_ytd_yoy_pct"].iloc[0] == -3.0
    assert t["composite"].iloc[1] == pytest.approx(3.01)
    assert list(t.index[:2]) == [2, 3]  # file rows
    assert not t["is_city"].any()


def test_english_headers_gbk_title_row_city_row_and_zone(tmp_path):
    lines = ["2024年6月各区空气质量（合成）", "district,pm25,yoy,pm25_ytd",
             "全市,30,-5%,32", "东城,31,-2.0%,33", "门头沟区,28,—,", "北京经济技术开发区,29,1.5,30"]
    t = read_city_table(_csv(tmp_path, lines, encoding="gbk"), district="门头沟区")
    assert list(t["district"]) == ["全市", "东城区", "门头沟区", "经济技术开发区"]
    assert list(t["is_city"]) == [True, False, False, False]
    assert t["pm25_yoy_pct"].iloc[1] == -2.0 and np.isnan(t["pm25_yoy_pct"].iloc[2])
    assert np.isnan(t["pm25_ytd"].iloc[2])
    assert list(t.index) == [3, 4, 5, 6]
    assert "composite" not in t


def test_excel(tmp_path):
    p = tmp_path / "city.xlsx"
    pd.DataFrame({"区名": NAMES, "PM2.5浓度": range(16), "综合指数": np.linspace(3, 4, 16)}).to_excel(p, index=False)
    t = read_city_table(p, district="延庆区")
    assert t["pm25"].tolist() == list(map(float, range(16)))


@pytest.mark.parametrize("lines, row, column, words", [
    (["区,PM2.5", "东城区,30", "门头勾区,31"], 3, "区", "门头沟区"),
    (["区,PM2.5", "东城区,30", "东城区,31"], [2, 3], "区", "listed 2 times"),
    (["区,PM2.5", "东城区,30", "西城区,abc"], 3, "PM2.5", "not a number"),
    (["区,PM2.5", "东城区,-3", "西城区,3"], 2, "PM2.5", "negative"),
    (["区,PM2.5,累计PM2.5", "东城区,3,-1", "西城区,3,2"], 2, "累计PM2.5", "negative"),
    (["区,PM2.5", "东城区,30", ",31"], 3, "区", "empty district name"),
])
def test_refusals_name_file_row_and_column(tmp_path, lines, row, column, words):
    p = _csv(tmp_path, lines)
    with pytest.raises(InputDataError) as e:
        read_city_table(p)
    assert e.value.file == str(p) and e.value.row == row and e.value.column == column
    assert words in str(e.value)


def test_negative_change_is_allowed(tmp_path):
    t = read_city_table(_csv(tmp_path, ["区,PM2.5,同比", "东城区,30,-12.5", "西城区,30,−３.0 %"]))
    assert t["pm25_yoy_pct"].tolist() == [-12.5, -3.0]  # Unicode minus, full-width digit, "%"


def test_reported_district_missing_or_without_value(tmp_path):
    p = _csv(tmp_path, ["区,PM2.5", "东城区,30", "西城区,"])
    with pytest.raises(InputDataError, match="门头沟区.*not in the table"):
        read_city_table(p, district="门头沟区")
    with pytest.raises(InputDataError, match="no PM2.5 value") as e:
        read_city_table(p, district="西城区")
    assert e.value.row == 3


@pytest.mark.parametrize("lines, words", [
    (["站点,PM2.5", "东城区,3"], "no 'district' column"),
    (["区,value", "东城区,3"], "no 'pm25' column"),
    (["区,PM2.5,PM2.5浓度", "东城区,3,3"], "both give"),
    (["区,PM2.5"], "no district rows"),
    (["区,PM2.5", "全市,30"], "only the city total"),
])
def test_table_level_refusals(tmp_path, lines, words):
    with pytest.raises(InputDataError, match=words):
        read_city_table(_csv(tmp_path, lines))


def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        read_city_table(tmp_path / "nope.csv")


def test_the_documented_example_reads(tmp_path):
    """docs/report.md's example city table is read as documented."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text(encoding="utf-8")
    block = re.search(r"```\n(2024年6月各区空气质量\n.*?)```", doc, re.S).group(1)
    t = read_city_table(_csv(tmp_path, block.strip().splitlines()), district="门头沟区")
    assert t["district"].tolist() == ["东城区", "门头沟区", "全市"] and t["is_city"].tolist() == [False, False, True]
    assert t["pm25_yoy_pct"].tolist() == [-5.0, -6.5, -4.0] and np.isnan(t["pm25_ytd_yoy_pct"].iloc[1])
