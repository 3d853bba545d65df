"""City context in the report: districts.yaml key ``city_table``, the section and its sentence."""

from __future__ import annotations

import pytest

from airlib.errors import InputDataError
from airlib.report.config import DEMO, load_districts

NEW = ("  - name: 测试区\n    district_code: \"110199\"\n    dataset: t\n"
       "    boundaries: data/raw/t/towns.gpkg\n")


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    f = tmp_path / "data" / "raw" / "districts.yaml"

    def write(body: str):
        f.write_text(body, encoding="utf-8")
        return f

    return write


def test_city_table_key_accepted(cfg, tmp_path):
    cfg("districts:\n" + NEW + "    city_table: data/raw/city/city_{month}.xlsx\n"
        "  - name: 门头沟区\n    city_table: null\n")
    d = load_districts(tmp_path)
    assert d["测试区"].city_table == "data/raw/city/city_{month}.xlsx"
    assert d["门头沟区"].city_table is None
    assert DEMO.city_table == "data/raw/demo/city/city_{month}.csv"


@pytest.mark.parametrize("value, needles", [
    ("data/raw/city/city.xlsx", ["{month} once"]),
    ("data/raw/city/{month}/c_{month}.csv", ["{month} once"]),
    ("data/raw/city/c_{month}_{x}.csv", ["no other braces"]),
    ("data/raw/city/c_{month}.pdf", [".csv, .txt, .xlsx"]),
    ("../../c_{month}.csv", ["outside the project"]),
    ("[1]", ["path template"]),
    ('""', ["path template"]),
])
def test_bad_city_table_names_file_entry_and_key(cfg, tmp_path, value, needles):
    cfg("districts:\n" + NEW + f"    city_table: {value}\n")
    with pytest.raises(InputDataError) as e:
        load_districts(tmp_path)
    msg = str(e.value)
    assert "districts.yaml" in msg and "entry 1 ('测试区')" in msg and "'city_table'" in msg
    for n in needles:
        assert n in msg
