"""Station classes (issue #17 item 1): the vocabulary file, its reader's errors, and the dated
class columns of the station registry reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.ingest.registries import read_stations
from airlib.io.station_classes import (
    USES,
    check_station_classes,
    default_classes_path,
    load_station_classes,
)


def _write(tmp_path: Path, text: str, name: str = "classes.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_vocabulary_has_the_five_classes_and_the_documented_uses():
    k = load_station_classes()
    assert default_classes_path().name == "station_classes.yaml"
    assert {c: v.name_zh for c, v in k.classes.items()} == {
        "national": "国控站", "municipal": "市控站", "town": "街乡镇站", "tsp": "粗颗粒物站", "micro": "小微站"}
    assert k.default_class == "town"
    assert k.serving("district_assessment") == ("national", "municipal")
    assert k.serving("town_ranking") == ("national", "municipal", "town")
    assert k.serving("hotspot_screening") == ("micro",)
    assert k.serving("reference") == ("national", "municipal", "town")
    assert "micro" not in k.serving("town_ranking") and "tsp" not in k.serving("district_assessment")


def test_unknown_use_is_refused_naming_the_known_ones():
    with pytest.raises(InputDataError, match="unknown station use 'ranking'.*town_ranking"):
        load_station_classes().serving("ranking")


def test_a_district_file_with_its_own_class(tmp_path):
    p = _write(tmp_path, "default_class: town\nclasses:\n  town: {name_zh: 街乡镇站, uses: [town_ranking]}\n"
                         "  school: {name_zh: 校园站, uses: [hotspot_screening, reference]}\n")
    k = load_station_classes(p)
    assert k.serving("hotspot_screening") == ("school",) and k.name("school") == "校园站"
    assert k.serving("district_assessment") == ()


@pytest.mark.parametrize("body, key", [
    ("default_class: town\nclasses:\n  town: {name_zh: 街乡镇站, uses: [ranking]}\n", r"classes\.town\.uses\[0\].*town_ranking"),
    ("default_class: town\nclasses:\n  town: {uses: [town_ranking]}\n", r"classes\.town\.name_zh"),
    ("default_class: city\nclasses:\n  town: {name_zh: 街乡镇站}\n", "default_class 'city' is not one of"),
    ("classes:\n  town: {name_zh: 街乡镇站}\n", "default_class"),
    ("default_class: town\nclasses:\n  town: {name_zh: 街乡镇站, colour: red}\n", r"classes\.town\.colour"),
    ("default_class: town\nclasses: {}\n", "classes"),
    ("- a\n- b\n", "must be a mapping"),
])
def test_bad_vocabulary_names_file_and_key(tmp_path, body, key):
    p = _write(tmp_path, body)
    with pytest.raises(InputDataError, match=key) as e:
        load_station_classes(p)
    assert "classes.yaml" in str(e.value)


def test_duplicate_class_key_and_missing_file(tmp_path):
    p = _write(tmp_path, "default_class: town\nclasses:\n  town: {name_zh: A}\n  town: {name_zh: B}\n")
    with pytest.raises(InputDataError, match="town"):
        load_station_classes(p)
    with pytest.raises(InputDataError, match="station class file not found"):
        load_station_classes(tmp_path / "nope.yaml")


def test_uses_constant():
    assert USES == ("district_assessment", "town_ranking", "hotspot_screening", "reference")


# --- the registry's dated class columns ------------------------------------------------------

HEAD = "站点编码,站点名称,乡镇代码,站点类别,启用日期,停用日期\n"


def test_registry_reads_classes_by_code_or_chinese_name_and_dates(tmp_path):
    p = _write(tmp_path, HEAD + "A1,甲,110109001,国控站,,\nA2,乙,110109001,town,2020-01-01,2024-12-31\n"
                                "A2,乙,110109001,micro,2025-01-01,\nA3,丙,110109002,,2021-05-01,\n", "st.csv")
    d = read_stations(p)
    assert d["station"].tolist() == ["A1", "A2", "A2", "A3"]
    assert d["station_class"].tolist() == ["national", "town", "micro", "town"]  # empty → default class
    assert d["valid_from"].tolist()[1:] == [pd.Timestamp("2020-01-01"), pd.Timestamp("2025-01-01"),
                                            pd.Timestamp("2021-05-01")]
    assert pd.isna(d["valid_from"].iloc[0]) and pd.isna(d["valid_to"].iloc[2])
    assert d["valid_to"].iloc[1] == pd.Timestamp("2024-12-31")


def test_registry_without_class_columns_is_unchanged(tmp_path):
    p = _write(tmp_path, "站点编码,站点名称,乡镇代码\nA1,甲,110109001\n", "st.csv")
    d = read_stations(p)
    assert list(d.columns) == ["station", "station_name", "town_code", "lon", "lat", "source"]


@pytest.mark.parametrize("rows, match, row", [
    ("A1,甲,110109001,省控站,,\n", r"unknown station class \['省控站'\].*national \(国控站\)", "row 2"),
    ("A1,甲,110109001,town,2021-13-01,\n", r"not a date: \['2021-13-01'\]", "row 2"),
    ("A1,甲,110109001,town,2021-05-01,2021-04-30\n", "valid_to is before valid_from", "row 2"),
    ("A1,甲,110109001,town,2020-01-01,2021-06-30\nA1,甲,110109001,micro,2021-06-30,\n",
     "overlapping validity", "rows 2, 3"),
    ("A1,甲,110109001,town,,\nA1,甲,110109001,micro,2021-01-01,\n", "overlapping validity", "rows 2, 3"),
])
def test_registry_errors_name_row_and_column(tmp_path, rows, match, row):
    p = _write(tmp_path, HEAD + rows, "st.csv")
    with pytest.raises(InputDataError, match=match) as e:
        read_stations(p)
    assert "st.csv" in str(e.value) and row in str(e.value)


def test_adjacent_periods_are_not_an_overlap_and_one_day_is_allowed(tmp_path):
    p = _write(tmp_path, HEAD + "A1,甲,110109001,town,2020-01-01,2021-06-29\nA1,甲,110109001,micro,2021-06-30,2021-06-30\n",
               "st.csv")
    assert read_stations(p)["station_class"].tolist() == ["town", "micro"]


def test_repeated_id_without_dates_is_still_a_duplicate(tmp_path):
    p = _write(tmp_path, "站点编码,站点名称,乡镇代码,站点类别\nA1,甲,110109001,town\nA1,甲,110109001,micro\n", "st.csv")
    with pytest.raises(InputDataError, match="duplicate station ids"):
        read_stations(p)


def test_check_station_classes_on_a_frame_uses_a_given_vocabulary(tmp_path):
    k = load_station_classes(_write(tmp_path, "default_class: a\nclasses:\n  a: {name_zh: 甲类}\n  b: {name_zh: 乙类}\n"))
    out = check_station_classes(pd.DataFrame({"station": ["S1", "S2"], "station_class": ["乙类", None]}), k)
    assert out["station_class"].tolist() == ["b", "a"]
    with pytest.raises(InputDataError, match="unknown station class"):
        check_station_classes(pd.DataFrame({"station": ["S1"], "station_class": ["national"]}), k)
