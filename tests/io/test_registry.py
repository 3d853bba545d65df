"""Tests of airlib.io.registry (alias resolution) and the registry readers in airlib.io.ingest."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.errors import InputDataError, UnknownNameError
from airlib.io.ingest import beijing_townships, read_stations, read_towns
from airlib.paths import shared_data_dir
from airlib.io.registry import resolve_station, resolve_stations, resolve_town, resolve_towns, town_key

NBS = shared_data_dir() / "geo" / "beijing-townships-nbs2023.csv"
needs_shared = pytest.mark.skipif(not NBS.exists(), reason="shared data absent")


@pytest.fixture
def towns():
    return pd.DataFrame({
        "town_code": pd.array(["110109001", "110109005", "110109006", "110105015", "110108005", "110109102"],
                              dtype="string"),
        "town_name": pd.array(["大峪街道", "王平地区", "永定地区", "八里庄街道", "八里庄街道", "斋堂镇"], dtype="string"),
        "district_code": pd.array(["110109"] * 3 + ["110105", "110108", "110109"], dtype="string"),
        "district_name": pd.array(["门头沟区"] * 3 + ["朝阳区", "海淀区", "门头沟区"], dtype="string"),
        "kind": pd.array(["街道", "地区", "地区", "街道", "街道", "镇"], dtype="string"),
        "aliases": pd.array(["", "王平镇|王平", "", "", "", "斋堂"], dtype="string"),
    })


@pytest.mark.parametrize("name,code", [
    ("王平地区", "110109005"),     # exact name
    ("110109005", "110109005"),   # code
    ("王平镇", "110109005"),       # alias
    ("永定镇", "110109006"),       # normalised key (no alias given)
    ("永定", "110109006"),
    (" 大峪街道办事处 ", "110109001"),  # whitespace + 街道办事处 suffix
    ("门头沟区王平镇", "110109005"),  # district prefix
    ("海淀区八里庄街道", "110108005"),
    ("朝阳区八里庄", "110105015"),
    ("斋堂乡", "110109102"),
])
def test_resolve_town(towns, name, code):
    assert resolve_town(name, towns) == code


def test_ambiguous_town_lists_candidates(towns):
    with pytest.raises(InputDataError, match="ambiguous") as ei:
        resolve_town("八里庄街道", towns)
    assert "110105015" in str(ei.value) and "110108005" in str(ei.value) and "海淀区" in str(ei.value)


def test_unknown_town_names_closest_rows_file_column(towns):
    vals = pd.Series(["王平镇", "大峪街道", "王坪镇", "王坪镇"])
    with pytest.raises(UnknownNameError) as ei:
        resolve_towns(vals, towns, file="ledger.xlsx", column="街乡")
    msg = str(ei.value)
    assert "'王坪镇'" in msg and "ledger.xlsx" in msg and "'街乡'" in msg
    assert "rows 4, 5" in msg  # header is row 1
    assert "王平镇" in ei.value.candidates or "王平地区" in ei.value.candidates


def test_resolve_towns_vectorised_keeps_index_and_na(towns):
    vals = pd.Series(["王平镇", None, "110109006", "王平"], index=[10, 11, 12, 13])
    out = resolve_towns(vals, towns)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out.dtype == "string"
    assert out.tolist()[0] == "110109005" and out.isna().tolist() == [False, True, False, False]
    assert out.tolist()[2:] == ["110109006", "110109005"]


def test_custom_rows_in_error(towns):
    with pytest.raises(UnknownNameError, match="row 17"):
        resolve_towns(pd.Series(["火星镇"]), towns, rows=[17])


def test_town_key_never_empty():
    assert town_key("乡") == "乡"
    assert town_key("王平地区") == town_key("王平镇") == "王平"
    assert town_key("大峪街道办事处") == "大峪"


@needs_shared
def test_beijing_townships_nbs2023():
    t = beijing_townships()
    assert len(t) == 349 and t["town_code"].is_unique
    assert t["district_code"].nunique() == 16
    assert set(t["kind"]) == {"街道", "镇", "地区", "乡", "其他"}
    row = t.set_index("town_code").loc["110109005"]
    assert row["town_name"] == "王平地区" and row["district_name"] == "门头沟区" and row["kind"] == "地区"
    assert t.set_index("town_code").loc["110101001", "district_name"] == "东城区"
    assert t.set_index("town_code").loc["110119001", "district_name"] == "延庆区"


@needs_shared
@pytest.mark.parametrize("old,code", [("王平镇", "110109005"), ("永定镇", "110109006"), ("龙泉镇", "110109007")])
def test_2017_names_resolve_to_2023_codes(old, code):
    assert resolve_town(old, beijing_townships()) == code


def test_read_towns_xlsx_chinese_headers(tmp_path):
    p = tmp_path / "towns.xlsx"
    pd.DataFrame({"乡镇代码": ["110109005", "110109001"], "乡镇名称": ["王平地区", "大峪街道"],
                  "别名": ["王平镇", ""]}).to_excel(p, index=False)
    t = read_towns(p)
    assert t["town_code"].tolist() == ["110109001", "110109005"]
    assert t["district_name"].tolist() == ["门头沟区", "门头沟区"]
    assert t["kind"].tolist() == ["街道", "地区"]
    assert resolve_town("王平镇", t) == "110109005"


def test_read_towns_default_aliases(tmp_path):
    p = tmp_path / "towns.csv"
    p.write_text("code,name\n110109006,永定地区\n", encoding="utf-8")
    t = read_towns(p)
    assert t["aliases"].iloc[0] == "永定镇|永定"


def test_read_towns_bad_code(tmp_path):
    p = tmp_path / "towns.csv"
    p.write_text("乡镇代码,乡镇名称\n110109005,王平地区\n11010900X,大峪街道\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="9 digits") as ei:
        read_towns(p)
    assert "row 3" in str(ei.value) and "towns.csv" in str(ei.value)


def test_read_towns_duplicate_code(tmp_path):
    p = tmp_path / "towns.csv"
    p.write_text("code,name\n110109005,王平地区\n110109005,王平镇\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="duplicate town codes") as ei:
        read_towns(p)
    assert "rows 2, 3" in str(ei.value)


def test_read_towns_missing_name_column(tmp_path):
    p = tmp_path / "towns.csv"
    p.write_text("code,xx\n110109005,王平地区\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="town_name"):
        read_towns(p)


def test_read_stations_chinese_gbk_with_town_names(tmp_path, towns):
    p = tmp_path / "stations.csv"
    p.write_bytes("站点编码,站点名称,经度,纬度,所属街乡\nMTG01,门头沟王平,115.98,40.01,王平镇\nMTG02,门头沟大峪,116.10,39.94,大峪街道\n"
                  .encode("gbk"))
    s = read_stations(p, towns=towns)
    assert s["station"].tolist() == ["MTG01", "MTG02"]
    assert s["town_code"].tolist() == ["110109005", "110109001"]
    assert s["lon"].tolist() == [115.98, 116.10]
    assert resolve_station("门头沟王平", s) == "MTG01"
    assert resolve_station("mtg 02", s) == "MTG02"


def test_read_stations_bad_lon(tmp_path):
    p = tmp_path / "stations.csv"
    p.write_text("station,lon,lat\nA,116.1,39.9\nB,东经116,39.9\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="not a number") as ei:
        read_stations(p)
    assert "row 3" in str(ei.value) and "'lon'" in str(ei.value)


def test_unknown_station_lists_closest():
    reg = pd.DataFrame({"station": pd.array(["Dongsi", "Tiantan"], dtype="string"),
                        "station_name": pd.array(["东城东四", "东城天坛"], dtype="string"),
                        "aliases": pd.array(["dongsi_aq", "tiantan_aq"], dtype="string")})
    assert resolve_stations(pd.Series(["东城东四", "tiantan_aq", "DONGSI"]), reg).tolist() == ["Dongsi", "Tiantan",
                                                                                              "Dongsi"]
    with pytest.raises(UnknownNameError) as ei:
        resolve_stations(pd.Series(["Dongsi", "Dongsy"]), reg, file="f.csv", column="站点")
    assert "Dongsi" in ei.value.candidates and "row 3" in str(ei.value) and "f.csv" in str(ei.value)


def test_read_towns_blank_line_and_header_in_error(tmp_path):
    p = tmp_path / "towns.csv"
    p.write_text("代码,名称\n110109005,王平地区\n\n11010900,x\n", encoding="utf-8")
    with pytest.raises(InputDataError) as ei:
        read_towns(p)
    assert "row 4" in str(ei.value) and "'代码'" in str(ei.value)
    p.write_text("代码,名称\n110109005,王平地区\n\n110109001,大峪街道\n", encoding="utf-8")
    assert len(read_towns(p)) == 2


def test_excel_float_codes_resolve(towns):
    assert resolve_towns(pd.Series([110109005.0, 110109001]), towns).tolist() == ["110109005", "110109001"]


@pytest.mark.parametrize("reader,header,what", [
    (read_towns, "乡镇代码,乡镇名称", "towns"),
    (read_stations, "站点编码,站点名称", "stations"),
])
@pytest.mark.parametrize("body", ["", ",\n ,\n"])  # header only; only blank rows
def test_registry_without_rows_names_file(tmp_path, reader, header, what, body):
    p = tmp_path / f"{what}.csv"
    p.write_text(header + "\n" + body, encoding="utf-8")
    with pytest.raises(InputDataError, match=f"the {what} file has no rows") as ei:
        reader(p)
    assert f"{what}.csv" in str(ei.value)
