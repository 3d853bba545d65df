"""stations_for and the stations of a month (issue #17 item 1, docs/stations.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.station_classes import load_station_classes
from airlib.tracking.station_sets import (
    daily_in_force,
    is_dated,
    month_station_sets,
    station_set_counts,
    stations_for,
    stations_for_months,
)

T = pd.Timestamp


def _registry() -> pd.DataFrame:
    return pd.DataFrame({
        "station": ["N1", "T1", "T2", "T2", "M1", "X1"],
        "town_code": ["110109001", "110109001", "110109002", "110109002", "110109002", "110109001"],
        "station_class": ["national", "town", "town", "micro", "micro", "tsp"],
        "valid_from": [pd.NaT, pd.NaT, T("2020-01-01"), T("2021-03-16"), T("2021-03-31"), pd.NaT],
        "valid_to": [pd.NaT, T("2021-02-01"), T("2021-03-15"), pd.NaT, pd.NaT, pd.NaT],
    })


def _ids(frame: pd.DataFrame) -> list[str]:
    return frame["station"].tolist()


def test_in_force_for_any_day_of_the_month_edges():
    reg = _registry()
    # T1 ends on 1 February: in force in February (one day), not in March
    assert _ids(stations_for(reg, "town_ranking", "2021-02")) == ["N1", "T1", "T2"]
    assert _ids(stations_for(reg, "town_ranking", "2021-03")) == ["N1", "T2"]  # T2 town until the 15th
    assert _ids(stations_for(reg, "town_ranking", "2021-04")) == ["N1"]        # T2 is micro from the 16th
    assert _ids(stations_for(reg, "town_ranking", "2019-12")) == ["N1", "T1"]  # T2 not yet
    # M1 starts on the last day of March: in force in March
    assert _ids(stations_for(reg, "hotspot_screening", "2021-03")) == ["M1", "T2"]
    assert _ids(stations_for(reg, "hotspot_screening", "2021-02")) == []
    assert _ids(stations_for(reg, "district_assessment", "2021-03")) == ["N1"]
    assert _ids(stations_for(reg, "reference", "2021-03")) == ["N1", "T2"]


def test_one_day_periods_and_the_month_forms():
    reg = _registry()
    assert _ids(stations_for(reg, "town_ranking", pd.Period("2021-03-15", "D"))) == ["N1", "T2"]
    assert _ids(stations_for(reg, "town_ranking", pd.Period("2021-03-16", "D"))) == ["N1"]
    assert _ids(stations_for(reg, "town_ranking", pd.Period("2021-02-01", "D"))) == ["N1", "T1", "T2"]
    assert _ids(stations_for(reg, "town_ranking", pd.Period("2021-02-02", "D"))) == ["N1", "T2"]
    for m in ("2021-03", pd.Period("2021-03", "M"), T("2021-03-20")):
        assert _ids(stations_for(reg, "town_ranking", m)) == ["N1", "T2"]


def test_reclassified_within_the_month_gives_one_row_the_serving_one():
    out = stations_for(_registry(), "hotspot_screening", "2021-03")
    t2 = out[out["station"] == "T2"]
    assert len(t2) == 1 and t2["station_class"].item() == "micro"
    both = stations_for(_registry(), "reference", "2021-03")
    assert both["station"].is_unique


def test_undated_registry_means_default_class_always():
    reg = pd.DataFrame({"station": ["B", "A"], "town_code": ["110109002", "110109001"]})
    assert not is_dated(reg) and is_dated(_registry())
    out = stations_for(reg, "town_ranking", "1990-01")
    assert _ids(out) == ["A", "B"] and out["station_class"].tolist() == ["town", "town"]
    assert stations_for(reg, "hotspot_screening", "2021-01").empty
    assert stations_for(reg, "district_assessment", "2021-01").empty


def test_a_district_vocabulary_changes_the_set(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text("default_class: town\nclasses:\n  national: {name_zh: 国控站, uses: [district_assessment]}\n"
                 "  town: {name_zh: 街乡镇站, uses: [town_ranking, district_assessment]}\n"
                 "  micro: {name_zh: 小微站, uses: [hotspot_screening]}\n  tsp: {name_zh: 粗颗粒物站}\n",
                 encoding="utf-8")
    k = load_station_classes(p)
    assert _ids(stations_for(_registry(), "town_ranking", "2021-02", k)) == ["T1", "T2"]


def test_errors():
    with pytest.raises(InputDataError, match="unknown station use"):
        stations_for(_registry(), "ranking", "2021-03")
    with pytest.raises(InputDataError, match="YYYY-MM"):
        stations_for(_registry(), "town_ranking", "March")
    reg = _registry()
    reg.loc[0, "station_class"] = "provincial"
    with pytest.raises(InputDataError, match="provincial"):
        stations_for(reg, "town_ranking", "2021-03")
    with pytest.raises(InputDataError, match="station"):
        stations_for(reg.drop(columns="station"), "town_ranking", "2021-03")


def test_month_sets_and_counts():
    reg = _registry()
    sets = month_station_sets(reg, "town_ranking", ["2021-02", "2021-03"])
    assert sets.groupby(sets["month"].astype(str))["station"].apply(list).to_dict() == {
        "2021-02": ["N1", "T1", "T2"], "2021-03": ["N1", "T2"]}
    c = station_set_counts(reg, "town_ranking", "2021-02")
    assert c.to_dict("list") == {"station_class": ["national", "town"], "name_zh": ["国控站", "街乡镇站"], "n": [1, 2]}
    assert station_set_counts(reg, "hotspot_screening", "2021-01").empty
    union = stations_for_months(reg, "town_ranking", ["2021-02", "2021-03"])
    assert _ids(union) == ["N1", "T1", "T2"]


def test_daily_in_force_keeps_each_months_own_stations_and_leaves_values_alone():
    reg = _registry()
    days = pd.to_datetime(["2021-02-01", "2021-02-28", "2021-03-01", "2021-03-31", "2021-04-01"])
    daily = pd.DataFrame({"station": np.repeat(["N1", "T1", "T2", "M1"], len(days)),
                          "date": np.tile(days, 4), "pm25": np.arange(20.0)}, index=np.arange(100, 120))
    kept = daily_in_force(daily, reg, "town_ranking")
    got = set(zip(kept["station"], kept["date"].dt.strftime("%m-%d")))
    assert got == {("N1", d) for d in ("02-01", "02-28", "03-01", "03-31", "04-01")} | {
        ("T1", "02-01"), ("T1", "02-28"),            # T1 in force in February: the whole month counts
        ("T2", "02-01"), ("T2", "02-28"), ("T2", "03-01"), ("T2", "03-31")}
    pd.testing.assert_frame_equal(kept, daily.loc[kept.index])  # rows and values unchanged, index kept
    hourly = daily.rename(columns={"date": "time"})
    assert len(daily_in_force(hourly, reg, "hotspot_screening")) == 6  # T2 and M1: 2 March + 1 April rows each
    with pytest.raises(InputDataError, match="station"):
        daily_in_force(daily.drop(columns="date"), reg, "town_ranking")


def test_district_sets_use_assessment_stations_and_fall_back_month_by_month():
    from airlib.tracking.station_sets import district_station_sets, report_station_sets

    reg = _registry()  # N1 national always; T1/T2 town; T2 micro from 2021-03-16
    reg.loc[0, "valid_from"] = T("2021-03-01")  # the national station opens in March
    d = district_station_sets(reg, ["2021-02", "2021-03"])
    feb, mar = d[d["month"] == pd.Period("2021-02")], d[d["month"] == pd.Period("2021-03")]
    assert _ids(feb) == ["T1", "T2"] and set(feb["basis"]) == {"town_ranking"}     # no national: fallback
    assert _ids(mar) == ["N1"] and set(mar["basis"]) == {"district_assessment"}   # from its first day's month
    assert district_station_sets(reg, ["2021-02"], fallback=False).empty
    sets = report_station_sets(reg, ["2021-02", "2021-03"])
    assert not sets.same
    assert sets.basis("2021-03") == "district_assessment" and sets.basis("2021-02") == "town_ranking"
    assert sets.basis("2020-12") is None
    assert sets.other_basis_months("2021-03") == [pd.Period("2021-02", "M")]
    undated = reg.drop(columns=["station_class", "valid_from", "valid_to"]).drop_duplicates("station")
    assert report_station_sets(undated, ["2021-02", "2021-03"]).same  # every station is a town station


def test_rows_in_sets_and_month_keyed_aggregation_follow_a_station_that_moves_town():
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.tracking.station_sets import rows_in_sets, set_counts

    reg = pd.DataFrame({"station": ["A", "A", "B"], "town_code": ["t1", "t2", "t2"],
                        "station_class": ["town", "town", "town"],
                        "valid_from": [pd.NaT, T("2021-03-01"), pd.NaT],
                        "valid_to": [T("2021-02-28"), pd.NaT, pd.NaT]})
    sets = month_station_sets(reg, "town_ranking", ["2021-02", "2021-03"])
    days = pd.to_datetime(["2021-02-27", "2021-02-28", "2021-03-01", "2021-03-02"])
    daily = pd.DataFrame({"station": ["A"] * 4 + ["B"] * 4, "date": list(days) * 2,
                          "pm25": [10.0, 20.0, 30.0, 40.0, 1.0, 2.0, 3.0, 4.0], "pm25_valid": True})
    assert len(rows_in_sets(daily, sets)) == 8
    out = aggregate_daily(daily, sets, "town").set_index(["town_code", "date"])
    assert out.loc[("t1", T("2021-02-28")), "pm25"] == 20.0            # A in t1 until February's end
    assert ("t1", T("2021-03-01")) not in out.index                  # ... and not after
    assert out.loc[("t2", T("2021-03-01")), "pm25"] == pytest.approx((30.0 + 3.0) / 2)
    assert out.loc[("t2", T("2021-02-28")), "pm25"] == 2.0
    assert out.loc[("t2", T("2021-03-01")), "n_stations"] == 2 and out.loc[("t2", T("2021-02-28")), "n_stations"] == 1
    # rows of a station outside its month's set are left out; a station in no month raises
    only_feb = sets[sets["month"] == pd.Period("2021-02")]
    kept = aggregate_daily(daily, only_feb, "town")
    assert kept["date"].max() == T("2021-02-28")
    with pytest.raises(InputDataError, match="not in the station set of any month"):
        aggregate_daily(daily.assign(station="Z"), sets, "town")
    clash = pd.concat([sets, sets.assign(town_code="t9")], ignore_index=True)
    with pytest.raises(InputDataError, match="several towns"):
        aggregate_daily(daily, clash, "town")
    c = set_counts(sets[sets["month"] == pd.Period("2021-03")])
    assert c[["station_class", "n"]].values.tolist() == [["town", 2]]
