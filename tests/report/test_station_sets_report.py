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
    names = ("国控站", "市控站")
    # no district_values: the district values are the ranking's stations, said as the fallback
    s = station_set_statement(sets, "zh", assessment_names=names)
    assert s.text == ("- 乡镇街道排名与全区数值：国控站1个、街乡镇站12个（本月无国控站、市控站，全区数值按参与排名的站点计算）；\n"
                      "- 小微站40个仅用于热点网格筛查，不参与排名和全区数值；")
    assert check_station_set_statement(s, sets) == []
    en = station_set_statement(sets, "en", assessment_names=("national", "municipal"))
    assert "national 1, town 12" in en.text and "micro stations: 40" in en.text
    assert check_station_set_statement(en, sets) == []
    none = station_set_statement({"town_ranking": _counts([]), "hotspot_screening": _counts([])}, "zh",
                                 assessment_names=names)
    assert none.text == "- 乡镇街道排名与全区数值：无站点（本月无国控站、市控站，全区数值按参与排名的站点计算）；"
    # a statement whose text was altered, or checked against other counts, is refused
    forged = type(s)(text=s.text.replace("12个", "13个"), ranking=s.ranking, screening=s.screening,
                     district=s.district)
    assert check_station_set_statement(forged, sets)
    with pytest.raises(AirlibError, match="station-set statement"):
        require_true_station_set_statement(s, {**sets, "hotspot_screening": _counts([])})


def test_statement_with_assessment_stations_and_a_basis_change():
    from airlib.report.sentences import check_station_set_statement, month_runs_text, station_set_statement

    sets = {"town_ranking": _counts([("national", "国控站", 2), ("town", "街乡镇站", 12)]),
            "district_values": _counts([("national", "国控站", 2)]),
            "hotspot_screening": _counts([])}
    changes = ["2016-01", "2016-02", "2016-12", "2017-01", "2017-05"]
    s = station_set_statement(sets, "zh", basis="district_assessment", assessment_names=("国控站", "市控站"),
                              basis_changes=changes)
    assert s.text.split("\n") == [
        "- 乡镇街道排名：国控站2个、街乡镇站12个；",
        "- 全区数值：国控站2个；",
        "- 全区数值口径变化：2016年1—2月、2016年12月—2017年1月、2017年5月无国控站、市控站，全区数值按参与排名的站点计算，"
        "与本月口径不同，同比和累计数值跨两种口径；"]
    kw = {"basis": "district_assessment", "basis_changes": changes}
    assert check_station_set_statement(s, sets, **kw) == []
    # the checks bite: other basis, other months, a missing change line, other district counts
    assert check_station_set_statement(s, sets, basis="town_ranking", basis_changes=changes)
    assert check_station_set_statement(s, sets, basis="district_assessment", basis_changes=changes[:2])
    assert check_station_set_statement(s, {**sets, "district_values": _counts([("national", "国控站", 3)])}, **kw)
    plain = station_set_statement(sets, "zh", basis="district_assessment", assessment_names=("国控站", "市控站"))
    assert "口径变化" not in plain.text
    assert check_station_set_statement(plain, sets, **kw)
    # the other direction: this month falls back, earlier months had assessment stations
    back = station_set_statement({**sets, "district_values": sets["town_ranking"]}, "zh", basis="town_ranking",
                                 assessment_names=("国控站",), basis_changes=["2017-03"])
    assert back.text.split("\n")[-1] == ("- 全区数值口径变化：2017年3月全区数值按国控站计算，与本月口径不同，"
                                          "同比和累计数值跨两种口径；")
    assert month_runs_text(["2017-03", "2017-01", "2017-02"], "en") == "2017-01 to 2017-03"


def test_captions_name_the_station_set_of_their_scope():
    from airlib.report.sentences import station_set_caption

    same = {"town_ranking": _counts([("town", "街乡镇站", 19)]), "district_values": _counts([("town", "街乡镇站", 19)])}
    assert station_set_caption(same, "ranking") == "（站点：街乡镇站19个）"
    assert station_set_caption(same, "both") == "（站点：街乡镇站19个）"
    assert station_set_caption(same, "district") == "（全区数值站点：街乡镇站19个）"
    other = {**same, "district_values": _counts([("national", "国控站", 2), ("municipal", "市控站", 1)])}
    assert station_set_caption(other, "district") == "（全区数值站点：国控站2个、市控站1个）"
    assert station_set_caption(other, "both") == "（乡镇街道站点：街乡镇站19个；全区数值站点：国控站2个、市控站1个）"
    assert station_set_caption(other, "district", "en") == " (district-value stations: national 2, municipal 1)"
    with pytest.raises(ValueError):
        station_set_caption(same, "towns")
    # a hostile class name (the vocabulary is the bureau's file): plain in the caption, escaped
    # once by the HTML table that renders it (no Markdown backslashes, no double entities)
    from airlib.report.content import html_table

    bad = "<img src=x onerror=alert(1)>_国控*站"
    hostile = {"town_ranking": _counts([("national", bad, 2)])}
    cap = station_set_caption(hostile, "ranking")
    assert cap == f"（站点：{bad}2个）"
    html = html_table(pd.DataFrame({"a": [1]}), caption="表1 排名" + cap)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;_国控*站2个" in html
    # the cover's Markdown statement escapes it for Markdown
    from airlib.report.sentences import station_set_statement

    md = station_set_statement(hostile, "zh").text
    assert "<img" not in md and "\\_国控\\*站" in md


@pytest.mark.slow
def test_district_values_from_assessment_stations_and_a_station_moving_town(demo_home, tmp_path):
    """A town station becomes a national one from June 2017 and another moves town from
    December: the district values of June on are the national station's alone, earlier months
    and the town rankings before the move are untouched, the report says so."""
    from airlib.report.content import caption_stations, cover_markdown

    before = {m: _prepare(demo_home, m, tmp_path / f"b{m}") for m in ("2017-05", "2017-11", "2017-12")}
    home = _copy_home(demo_home, tmp_path / "home")
    store = home / "data" / "processed"
    reg = read_registry(store, "demo", "stations")
    towns = sorted(reg["town_code"].unique())
    nat = reg.loc[reg["town_code"] == towns[2], "station"].iloc[0]
    mover = reg.loc[reg["town_code"] == towns[3], "station"].iloc[0]
    dated = pd.concat([reg, reg[reg["station"] == nat], reg[reg["station"] == mover]], ignore_index=True)
    dated["station_class"] = "town"
    dated["valid_from"] = pd.NaT
    dated["valid_to"] = pd.NaT
    first_nat = dated.index[dated["station"] == nat][0]
    first_mover = dated.index[dated["station"] == mover][0]
    dated.loc[first_nat, "valid_to"] = pd.Timestamp("2017-05-31")
    dated.loc[dated.index[-2], ["station_class", "valid_from"]] = ["national", pd.Timestamp("2017-06-01")]
    dated.loc[first_mover, "valid_to"] = pd.Timestamp("2017-11-30")
    dated.loc[dated.index[-1], ["town_code", "valid_from"]] = [towns[4], pd.Timestamp("2017-12-01")]
    write_registry(dated, store, "demo", "stations")
    after = {m: _prepare(home, m, tmp_path / f"a{m}") for m in ("2017-05", "2017-11", "2017-12")}

    # May: no assessment station yet: district values and ranking as before, the fallback said
    pd.testing.assert_frame_equal(after["2017-05"].district_monthly, before["2017-05"].district_monthly)
    pd.testing.assert_frame_equal(after["2017-05"].ranking[RANK_COLS], before["2017-05"].ranking[RANK_COLS])
    assert after["2017-05"].validity["district_basis"] == "town_ranking"
    assert after["2017-05"].validity["district_basis_changes"] == []
    # November: the national station alone gives the district value; the towns are as before
    nov = after["2017-11"]
    pd.testing.assert_frame_equal(nov.ranking[RANK_COLS], before["2017-11"].ranking[RANK_COLS])
    assert nov.validity["district_basis"] == "district_assessment"
    assert nov.validity["district_basis_changes"] == [str(p) for p in pd.period_range("2016-01", "2017-05", freq="M")]
    sd = nov.station_daily
    own = sd[(sd["station"] == nat) & (sd["date"].dt.to_period("M") == pd.Period("2017-11")) & sd["pm25_valid"]]
    def nov_value(data):
        dm = data.district_monthly
        return float(dm.loc[pd.DatetimeIndex(dm["month"]).to_period("M") == pd.Period("2017-11"), "pm25"].iloc[0])

    assert nov_value(nov) == pytest.approx(own["pm25"].mean(), rel=1e-12)
    assert nov_value(nov) != pytest.approx(nov_value(before["2017-11"]), rel=1e-6)
    # ... and the bulletin's district row is the same station's (published precision)
    row = nov.bulletin.monthly[nov.bulletin.monthly["level"] == "district"]
    assert float(row["pm25"].iloc[0]) == pytest.approx(own["pm25"].mean(), abs=0.51)
    md = cover_markdown(nov)
    assert "- 乡镇街道排名：" in md and "- 全区数值：国控站1个；" in md
    assert "- 全区数值口径变化：2016年1月—2017年5月无国控站、市控站" in md
    assert caption_stations(nov, "table_targets") == "（全区数值站点：国控站1个）"
    assert caption_stations(nov, "table_ranking").startswith("（站点：国控站1个、街乡镇站")
    assert caption_stations(nov, "table_bulletin_monthly").startswith("（乡镇街道站点：国控站1个、街乡镇站")
    # December: the mover counts for its new town; November's ranking kept its old town
    dec = after["2017-12"]
    a = dec.ranking.set_index("town_code")["pm25"]
    b = before["2017-12"].ranking.set_index("town_code")["pm25"].reindex(a.index)
    changed = set(a.index[~np.isclose(a, b, equal_nan=True)])
    assert changed <= {towns[3], towns[4]} and towns[4] in changed
    td = dec.town_daily
    n_new = td[(td["town_code"] == towns[4]) & (td["date"].dt.to_period("M") == pd.Period("2017-12"))]["n_stations"]
    n_old = before["2017-12"].town_daily
    n_old = n_old[(n_old["town_code"] == towns[4]) & (n_old["date"].dt.to_period("M") == pd.Period("2017-12"))]["n_stations"]
    assert int(n_new.iloc[0]) == int(n_old.iloc[0]) + 1
    # the city-scale path gives the same ranking (one rule, stations_for month by month)
    from airlib.engine.citywide import rank_month

    city = rank_month(store, "demo", dated, 2017, 12).set_index("town_code")
    mine = dec.ranking.set_index("town_code")
    assert np.allclose(city["pm25_published"].reindex(mine.index), mine["pm25"], equal_nan=True)
