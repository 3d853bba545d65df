"""airlib.io.ingest.cnemc: the platform's hourly release, columns mapped by content.

The files are built by tests/io/cnemc_fixture.py, independently of airlib (pandas rolling
windows; AQI by the breakpoints typed from standards.md and the platform rule of §1.4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.ingest.cnemc import parse_primary, read_cnemc_hourly
from airlib.settings import Settings
from airlib.standards.aqi import hourly_aqi
from tests.io.cnemc_fixture import release


@pytest.fixture(scope="module")
def rel() -> pd.DataFrame:
    return release()


def _write(frame: pd.DataFrame, tmp_path, name: str = "release.csv", **kw) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False, **kw)
    return str(path)


def test_columns_mapped_by_content_and_hour_shifted(rel, tmp_path) -> None:
    res = read_cnemc_hourly(_write(rel, tmp_path))
    h, m = res.hourly, res.mapping
    first = h[h["station"] == "1001A"].iloc[0]
    assert first["time"] == pd.Timestamp("2022-01-10 00:00")  # timepoint 01:00 = end of the hour
    src = rel[rel["stationcode"] == "1001A"].reset_index(drop=True)
    got = h[h["station"] == "1001A"].reset_index(drop=True)
    np.testing.assert_array_equal(got["o3"], src["o3_24h"])  # the misleading name holds the 1-h O3
    np.testing.assert_array_equal(got["o3_max24h"], src["o3"])
    np.testing.assert_array_equal(got["o3_8h"], src["o3_8h_24h"])
    np.testing.assert_array_equal(got["o3_8h_max_day"], src["o3_8h"])
    np.testing.assert_array_equal(got["pm25"], src["pm2_5"])
    np.testing.assert_array_equal(got["pm25_24h"].dropna(), src["pm2_5_24h"].dropna())
    taken = dict(zip(m["file_column"], m["taken_as"]))
    assert taken["o3_24h"] == "o3" and taken["o3"] == "o3_max24h"
    assert taken["o3_8h_24h"] == "o3_8h" and taken["o3_8h"] == "o3_8h_max_day"
    assert taken["pm2_5"] == "pm25" and taken["pm2_5_24h"] == "pm25_24h"
    assert (m["share"] == 1.0).all() and (m["rows"] > 100).all()
    assert got["row"].iloc[0] == 2  # header = row 1


def test_platform_rule_reproduces_published_aqi_and_primary(rel, tmp_path) -> None:
    h = read_cnemc_hourly(_write(rel, tmp_path)).hourly
    p = hourly_aqi(h, rule="platform")
    assert (p["aqi"] == p["aqi_published"]).all()
    assert (p["primary_pollutant"] == p["primary_published"]).all()
    assert p["aqi_published"].max() > 100  # the data do reach 轻度 and beyond
    # the standard-text rule does not reproduce the release
    s = hourly_aqi(h, rule="standard")
    assert (s["aqi"] == s["aqi_published"]).mean() < 0.5


def test_swapped_columns_are_still_mapped_right(rel, tmp_path) -> None:
    swapped = rel.rename(columns={"pm2_5": "pm2_5_24h", "pm2_5_24h": "pm2_5", "o3_24h": "o3_8h",
                                  "o3_8h": "o3_24h", "co": "co_24h", "co_24h": "co"})
    res = read_cnemc_hourly(_write(swapped, tmp_path))
    h = res.hourly
    src = rel.sort_values(["stationcode", "timepoint"]).reset_index(drop=True)
    np.testing.assert_array_equal(h["pm25"], src["pm2_5"])
    np.testing.assert_array_equal(h["o3"], src["o3_24h"])
    np.testing.assert_array_equal(h["co"], src["co"])
    np.testing.assert_array_equal(h["o3_8h_max_day"], src["o3_8h"])
    taken = dict(zip(res.mapping["file_column"], res.mapping["taken_as"]))
    assert taken["pm2_5_24h"] == "pm25" and taken["o3_8h"] == "o3"
    p = hourly_aqi(h, rule="platform")
    assert (p["aqi"] == p["aqi_published"]).all()


def test_contradicting_pm_content_is_an_error(rel, tmp_path) -> None:
    bad = rel.copy()
    bad["pm10_24h"] = np.random.default_rng(9).permutation(bad["pm10_24h"].to_numpy())
    with pytest.raises(InputDataError, match="PM10 columns contradict every mapping") as e:
        read_cnemc_hourly(_write(bad, tmp_path))
    assert "release.csv" in str(e.value) and "pm10_24h" in str(e.value)


def test_contradicting_o3_content_is_an_error(rel, tmp_path) -> None:
    bad = rel.copy()
    bad["o3_8h_24h"] = np.random.default_rng(3).permutation(bad["o3_8h_24h"].to_numpy())
    with pytest.raises(InputDataError, match="O3 columns .* contradict every mapping"):
        read_cnemc_hourly(_write(bad, tmp_path))


def test_min_share_setting_is_used(rel, tmp_path) -> None:
    bad = rel.copy()
    idx = bad.index[bad["pm10_24h"].notna()][:20]  # 20 of 106 comparable rows off → 81 % agree
    bad.loc[idx, "pm10_24h"] += 7
    path = _write(bad, tmp_path)
    with pytest.raises(InputDataError, match="PM10"):
        read_cnemc_hourly(path)
    res = read_cnemc_hourly(path, settings=Settings(cnemc_mapping_min_share=0.8))
    share = res.mapping.set_index("file_column").loc["pm10", "share"]
    assert 0.8 <= share < 0.9


def test_short_file_is_taken_as_published_and_says_so(tmp_path) -> None:
    short = release(hours=10)
    res = read_cnemc_hourly(_write(short, tmp_path))
    pm = res.mapping[~res.mapping["taken_as"].str.startswith("o3")]
    assert pm["share"].isna().all() and pm["evidence"].str.contains("not checked").all()
    # O3: the 8-h windows (≥ 6 of 8 hours) still give evidence, the 24-h maximum does not
    o3 = res.mapping.set_index("taken_as")
    assert np.isnan(o3.loc["o3_max24h", "share"]) and o3.loc["o3_8h", "share"] == 1.0
    src = short.sort_values(["stationcode", "timepoint"]).reset_index(drop=True)
    np.testing.assert_array_equal(res.hourly["o3"], src["o3_24h"])


def test_xlsx_and_gbk_csv(rel, tmp_path) -> None:
    small = rel.head(60).copy()
    small["quality"] = "轻度污染"
    x = tmp_path / "r.xlsx"
    small.assign(timepoint=small["timepoint"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_excel(x, index=False)
    a = read_cnemc_hourly(x).hourly
    b = read_cnemc_hourly(_write(small, tmp_path, "g.csv", encoding="gbk")).hourly
    assert a["quality_published"].eq("轻度污染").all() and b["quality_published"].eq("轻度污染").all()
    np.testing.assert_array_equal(a["o3"], b["o3"])


@pytest.mark.parametrize(
    ("change", "match", "row", "column"),
    [
        (lambda f: f.assign(timepoint=f["timepoint"].astype(str).where(f.index != 4, "yesterday")),
         "not a date", 6, "timepoint"),
        (lambda f: f.assign(timepoint=f["timepoint"].where(f.index != 3, pd.Timestamp("2022-01-10 03:30"))),
         "whole hour", 5, "timepoint"),
        (lambda f: f.assign(no2=f["no2"].where(f.index != 7, -3.0)), "negative", 9, "no2"),
        (lambda f: f.assign(so2=f["so2"].astype(object).where(f.index != 2, "12x")), "text in a numeric", 4, "so2"),
        (lambda f: f.assign(primary_pollutant=f["primary_pollutant"].where(f.index != 5, "沙尘")),
         "unknown primary pollutant", 7, "primary_pollutant"),
        (lambda f: f.assign(stationcode=f["stationcode"].where(f.index != 8, "")), "empty station", 10, "stationcode"),
    ],
)
def test_bad_cells_name_file_row_and_column(rel, tmp_path, change, match, row, column) -> None:
    with pytest.raises(InputDataError, match=match) as e:
        read_cnemc_hourly(_write(change(rel.copy()), tmp_path))
    assert e.value.row == row and e.value.column == column and e.value.file.endswith("release.csv")


def test_structural_errors(rel, tmp_path) -> None:
    with pytest.raises(InputDataError, match="no column stationcode"):
        read_cnemc_hourly(_write(rel.drop(columns="stationcode"), tmp_path))
    with pytest.raises(InputDataError, match="O3 columns incomplete"):
        read_cnemc_hourly(_write(rel.drop(columns="o3_8h"), tmp_path))
    with pytest.raises(InputDataError, match="same station and hour twice") as e:
        read_cnemc_hourly(_write(pd.concat([rel, rel.iloc[[3]]], ignore_index=True), tmp_path))
    assert e.value.row == [5, len(rel) + 2]
    # a pollutant absent as a whole is allowed (not monitored)
    h = read_cnemc_hourly(_write(rel.drop(columns=["so2", "so2_24h"]), tmp_path)).hourly
    assert h["so2"].isna().all() and h["pm25"].notna().all()


def test_parse_primary_forms() -> None:
    s = pd.Series(["细颗粒物(PM2.5)", "臭氧1小时", "—", "", "PM10,PM2.5", "二氧化氮、一氧化碳", "O3"], index=range(2, 9))
    assert parse_primary(s).tolist() == ["PM2.5", "O3", "", "", "PM2.5,PM10", "NO2,CO", "O3"]


def test_timepoint_with_offset_is_converted_to_beijing(rel, tmp_path) -> None:
    small = release(hours=30, stations=("1001A",))
    utc = small.assign(timepoint=(small["timepoint"] - pd.Timedelta(hours=8)).dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    a = read_cnemc_hourly(_write(small, tmp_path, "a.csv")).hourly
    b = read_cnemc_hourly(_write(utc, tmp_path, "b.csv")).hourly
    assert b["time"].tolist() == a["time"].tolist()
    assert a["time"].iloc[0] == pd.Timestamp("2022-01-10 00:00")
