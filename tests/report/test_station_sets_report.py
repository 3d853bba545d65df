"""The report and the dated station registry (issue #17 items 1, 3, 4): a past month's ranking
uses the stations of that month, and the report states the station set behind its figures."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from airlib.io.store import read_hourly, read_registry, write_hourly, write_registry


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    from airlib.demo.generator import write_demo
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("airlib_home")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end="2017-12")
    ingest_demo(raw, home / "data" / "processed")
    return home


def _prepare(home, month, out):
    from airlib.report import prepare
    from airlib.report.request import ReportRequest

    return prepare(ReportRequest.build("门头沟区", month, project_root=home, output_dir=out))


def _copy_home(src, dst):
    shutil.copytree(src, dst, symlinks=True)
    return dst


RANK_COLS = ["town_code", "pm25", "rank", "valid"]


@pytest.mark.slow
def test_new_station_and_reclassification_leave_last_month_unchanged(demo_home, tmp_path):
    before_nov = _prepare(demo_home, "2017-11", tmp_path / "a")
    before_dec = _prepare(demo_home, "2017-12", tmp_path / "b")
    home = _copy_home(demo_home, tmp_path / "home")
    store = home / "data" / "processed"
    reg = read_registry(store, "demo", "stations")
    towns = sorted(reg["town_code"].unique())
    # (1) a new station NEW in the first town, valid from December, whose rows exist in November
    #     too (a bureau loading a back-filled file): November must not see them
    donor = reg.loc[reg["town_code"] == towns[0], "station"].iloc[0]
    h = read_hourly(store, "demo", pd.Timestamp("2017-11-01"), pd.Timestamp("2017-12-31 23:00"))
    new = h[h["station"] == donor].copy()
    new["station"] = "NEW"
    new["pm25"] = new["pm25"] + 80.0
    write_hourly(new, store, "demo", source="test")
    # (2) a station of the second town reclassified to a micro-station from 1 December
    moved = reg.loc[reg["town_code"] == towns[1], "station"].iloc[0]
    row_new = reg[reg["station"] == donor].assign(station="NEW", station_name="新站")
    dated = pd.concat([reg, row_new, reg[reg["station"] == moved]], ignore_index=True)
    dated["station_class"] = "town"
    dated["valid_from"] = pd.NaT
    dated["valid_to"] = pd.NaT
    dated.loc[dated.index[-2], "valid_from"] = pd.Timestamp("2017-12-01")       # NEW
    first_moved = dated.index[(dated["station"] == moved)][0]
    dated.loc[first_moved, "valid_to"] = pd.Timestamp("2017-11-30")
    dated.loc[dated.index[-1], ["station_class", "valid_from"]] = ["micro", pd.Timestamp("2017-12-01")]
    write_registry(dated, store, "demo", "stations")

    after_nov = _prepare(home, "2017-11", tmp_path / "c")
    after_dec = _prepare(home, "2017-12", tmp_path / "d")
    # last month's ranking and the warnings of its history are unchanged
    pd.testing.assert_frame_equal(after_nov.ranking[RANK_COLS], before_nov.ranking[RANK_COLS])
    pd.testing.assert_frame_equal(
        after_dec.history.reasons[after_dec.history.reasons["month"] == "2017-11"].reset_index(drop=True),
        before_dec.history.reasons[before_dec.history.reasons["month"] == "2017-11"].reset_index(drop=True))
    assert after_nov.validity["stations"] == before_nov.validity["stations"]
    # the new month's ranking changes in exactly the two towns touched
    a = after_dec.ranking.set_index("town_code")["pm25"]
    b = before_dec.ranking.set_index("town_code")["pm25"].reindex(a.index)
    changed = set(a.index[~np.isclose(a, b, equal_nan=True)])
    assert changed == {towns[0], towns[1]}
    assert a[towns[0]] > b[towns[0]]  # NEW reads 80 µg/m³ higher than its donor
    assert after_dec.validity["stations"] == before_dec.validity["stations"]  # +NEW −moved
    # the report states the station set of the month: the micro-station is counted apart
    sets = after_dec.validity["station_sets"]
    assert sets["hotspot_screening"].to_dict("list") == {"station_class": ["micro"], "name_zh": ["小微站"], "n": [1]}
    assert int(sets["town_ranking"]["n"].sum()) == after_dec.validity["stations"]
    assert after_nov.validity["station_sets"]["hotspot_screening"].empty
    # the city-scale path takes the same stations of each month (one rule: stations_for)
    from airlib.engine.citywide import rank_month

    for data, m in ((after_nov, 11), (after_dec, 12)):
        city = rank_month(store, "demo", dated, 2017, m).set_index("town_code")
        mine = data.ranking.set_index("town_code")
        assert np.allclose(city["pm25_published"].reindex(mine.index), mine["pm25"], equal_nan=True)
        assert (city["rank"].reindex(mine.index).astype("Int64") == mine["rank"].astype("Int64")).fillna(True).all()
    from airlib.engine.citywide import town_monthly_table

    old_nov = town_monthly_table(store, "demo", reg, [(2017, 11)], only_registry=True)  # undated: NEW not in it
    new_nov = town_monthly_table(store, "demo", dated, [(2017, 11)])
    pd.testing.assert_frame_equal(new_nov, old_nov)


@pytest.mark.slow
def test_the_cover_states_the_station_set_and_it_is_checked(demo_home, tmp_path):
    from airlib.report.content import cover_markdown
    from airlib.report.sentences import check_station_set_statement, station_set_statement

    data = _prepare(demo_home, "2017-12", tmp_path / "a")
    md = cover_markdown(data)
    n = data.validity["stations"]
    assert f"乡镇街道排名与全区数值：街乡镇站{n}个" in md
    s = station_set_statement(data.validity["station_sets"], "zh")
    assert check_station_set_statement(s, data.validity["station_sets"]) == []
    wrong = {k: v.assign(n=v["n"] + 1) for k, v in data.validity["station_sets"].items()}
    assert check_station_set_statement(s, wrong)  # a sentence with other counts is caught


def _counts(rows):
    return pd.DataFrame(rows, columns=["station_class", "name_zh", "n"]).astype(
        {"station_class": "string", "name_zh": "string", "n": "int64"})


def test_statement_words_each_class_and_the_micro_stations_apart():
    from airlib.report.sentences import (
        check_station_set_statement, require_true_station_set_statement, station_set_statement,
    )
    from airlib.errors import AirlibError

    sets = {"town_ranking": _counts([("national", "国控站", 1), ("town", "街乡镇站", 12)]),
            "hotspot_screening": _counts([("micro", "小微站", 40)])}
    s = station_set_statement(sets, "zh")
    assert s.text == ("- 乡镇街道排名与全区数值：国控站1个、街乡镇站12个；\n"
                      "- 小微站40个仅用于热点网格筛查，不参与排名和全区数值；")
    assert check_station_set_statement(s, sets) == []
    en = station_set_statement(sets, "en")
    assert "national 1, town 12" in en.text and "micro stations: 40" in en.text
    assert check_station_set_statement(en, sets) == []
    none = station_set_statement({"town_ranking": _counts([]), "hotspot_screening": _counts([])}, "zh")
    assert none.text == "- 乡镇街道排名与全区数值：无站点；"
    # a statement whose text was altered, or checked against other counts, is refused
    forged = type(s)(text=s.text.replace("12个", "13个"), ranking=s.ranking, screening=s.screening)
    assert check_station_set_statement(forged, sets)
    with pytest.raises(AirlibError, match="station-set statement"):
        require_true_station_set_statement(s, {**sets, "hotspot_screening": _counts([])})
