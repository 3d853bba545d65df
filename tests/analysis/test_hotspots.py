"""airlib.analysis.hotspots (热点网格, issue #17 item 4): constructed stations with known excess."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.hotspots import grid_cells, hotspot_ranking, persistent_hotspots, plot_hotspots
from airlib.errors import InputDataError
from airlib.settings import DEFAULT

MONTH = "2024-01"
HOURS = pd.date_range("2024-01-01", periods=31 * 24, freq="h")
TOWN_A, TOWN_B, TOWN_C = "110109001", "110109002", "110109003"


def _hourly(values: dict[str, np.ndarray | float]) -> pd.DataFrame:
    frames = []
    for station, v in values.items():
        frames.append(pd.DataFrame({"station": station, "time": HOURS,
                                    "pm25": np.broadcast_to(np.asarray(v, dtype=float), len(HOURS)).copy()}))
    return pd.concat(frames, ignore_index=True)


def _micro_stations(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["station", "town_code", "lon", "lat"])


REF_STATIONS = pd.DataFrame({"station": ["RA", "RB"], "town_code": [TOWN_A, TOWN_B]})
# town A's reference 40, town B's 60 → district mean 50 (town C has no reference station)
REF_HOURLY = _hourly({"RA": 40.0, "RB": 60.0})


def _rank(micro: dict, stations: list, **kw) -> pd.DataFrame:
    return hotspot_ranking(_hourly(micro), _micro_stations(stations), REF_HOURLY, REF_STATIONS, MONTH, **kw)


def test_known_excess_ranking_and_ties():
    stations = [("m1", TOWN_A, 116.10, 39.90), ("m2", TOWN_A, 116.11, 39.90), ("m3", TOWN_B, 116.20, 39.95),
                ("m4", TOWN_C, 116.30, 39.95), ("m5", TOWN_B, 116.21, 39.95)]
    # excess: m1 +10 (vs town A 40), m2 +25, m3 +10 (vs town B 60), m4 +25 (town C → district 50), m5 −5
    r = _rank({"m1": 50.0, "m2": 65.0, "m3": 70.0, "m4": 75.0, "m5": 55.0}, stations)
    got = r.set_index("unit")
    assert got.loc[["m1", "m2", "m3", "m4", "m5"], "excess"].tolist() == [10.0, 25.0, 10.0, 25.0, -5.0]
    assert got.loc[["m1", "m3", "m4"], "reference_mean"].tolist() == [40.0, 60.0, 50.0]
    # competition ranks, worst first, ties share the lower rank: 1, 1, 3, 3, 5
    assert got.loc[["m2", "m4", "m1", "m3", "m5"], "rank"].tolist() == [1, 1, 3, 3, 5]
    assert r["unit"].tolist() == ["m2", "m4", "m1", "m3", "m5"]  # sorted by rank, then unit
    assert got.loc["m4", "reference_town_share"] == 0.0 and got.loc["m1", "reference_town_share"] == 1.0
    assert (got["n_hours"] == len(HOURS)).all()
    assert got.loc["m1", "share_above"] == 1.0 and got.loc["m5", "share_above"] == 0.0
    assert r.attrs == {"value_column": "pm25", "qc_filtered": False,
                       "colocation_hours_left_out": 0}


def test_district_reference_setting():
    s = dataclasses.replace(DEFAULT, hotspot_reference="district")
    r = _rank({"m1": 50.0}, [("m1", TOWN_A, 116.1, 39.9)], settings=s).set_index("unit")
    assert r.loc["m1", "reference_mean"] == 50.0 and r.loc["m1", "excess"] == 0.0


def test_rank_uses_published_precision():
    # 2024: PM2.5 published with 1 decimal; excess 10.04 and 9.96 both round to 10.0 → tie
    r = _rank({"m1": 50.04, "m2": 49.96}, [("m1", TOWN_A, 116.1, 39.9), ("m2", TOWN_A, 116.2, 39.9)])
    assert r["rank"].tolist() == [1, 1]
    assert r.set_index("unit").loc["m1", "excess"] == pytest.approx(10.04)  # the value itself is kept


def test_share_above_at_its_edge():
    # hourly excess: 0 (not above: strictly greater), +0.5, −1, +2 repeating
    pattern = np.resize(np.array([40.0, 40.5, 39.0, 42.0]), len(HOURS))
    r = _rank({"m1": pattern}, [("m1", TOWN_A, 116.1, 39.9)]).iloc[0]
    assert r["share_above"] == pytest.approx(0.5)
    s = dataclasses.replace(DEFAULT, hotspot_above_threshold=0.5)
    r = _rank({"m1": pattern}, [("m1", TOWN_A, 116.1, 39.9)], settings=s).iloc[0]
    assert r["share_above"] == pytest.approx(0.25)  # 0.5 is at the threshold, not above
    s = dataclasses.replace(DEFAULT, hotspot_above_threshold=-0.5)
    r = _rank({"m1": pattern}, [("m1", TOWN_A, 116.1, 39.9)], settings=s).iloc[0]
    assert r["share_above"] == pytest.approx(0.75)


def test_min_hours_and_station_without_data():
    v = np.full(len(HOURS), 80.0)
    half = len(HOURS) // 2
    v_half = v.copy()
    v_half[half:] = np.nan           # exactly half the hours: ranked (≥ 0.5 of the month)
    v_less = v.copy()
    v_less[half - 1:] = np.nan       # one hour fewer: not ranked
    stations = [("m1", TOWN_A, 116.1, 39.9), ("m2", TOWN_A, 116.2, 39.9), ("m3", TOWN_A, 116.3, 39.9)]
    micro = _hourly({"m1": v_half, "m2": v_less})
    r = hotspot_ranking(micro, _micro_stations(stations), REF_HOURLY, REF_STATIONS, MONTH).set_index("unit")
    assert r.loc["m1", "n_hours"] == half and r.loc["m1", "rank"] == 1
    assert r.loc["m2", "n_hours"] == half - 1 and pd.isna(r.loc["m2", "rank"])
    assert r.loc["m2", "excess"] == 40.0  # the statistics are still shown
    assert r.loc["m3", "n_hours"] == 0 and pd.isna(r.loc["m3", "rank"]) and pd.isna(r.loc["m3", "excess"])


def test_qc_ok_filtering_and_best_value():
    micro = _hourly({"m1": 50.0})
    micro.loc[:99, "pm25"] = 1000.0                  # a faulty period …
    micro["pm25_qc_ok"] = pd.array([True] * len(micro), dtype="boolean")
    micro.loc[:99, "pm25_qc_ok"] = False             # … flagged by QC
    micro.loc[100, "pm25_qc_ok"] = pd.NA             # unknown counts as not ok
    st = _micro_stations([("m1", TOWN_A, 116.1, 39.9)])
    r = hotspot_ranking(micro, st, REF_HOURLY, REF_STATIONS, MONTH).iloc[0]
    assert r["n_hours"] == len(HOURS) - 101 and r["mean"] == 50.0
    micro["pm25_best"] = micro["pm25"] - 5.0         # calibrated value preferred
    r = hotspot_ranking(micro, st, REF_HOURLY, REF_STATIONS, MONTH)
    assert r.iloc[0]["mean"] == 45.0 and r.attrs == {"value_column": "pm25_best", "qc_filtered": True,
                                              "colocation_hours_left_out": 0}
    assert (micro.loc[:99, "pm25"] == 1000.0).all()  # input not altered


def test_only_the_month_and_hours_with_reference():
    micro = pd.concat([_hourly({"m1": 50.0}),
                       pd.DataFrame({"station": "m1", "time": [pd.Timestamp("2024-02-01")], "pm25": [999.0]})])
    ref = REF_HOURLY.copy()
    ref.loc[(ref["station"] == "RA") & (ref["time"] < "2024-01-02"), "pm25"] = np.nan  # town ref missing day 1
    r = hotspot_ranking(micro, _micro_stations([("m1", TOWN_A, 116.1, 39.9)]), ref, REF_STATIONS, MONTH).iloc[0]
    assert r["n_hours"] == len(HOURS)  # day 1 falls back to the district reference, February left out
    assert r["reference_town_share"] == pytest.approx(30 / 31)
    # day 1: the district mean of the stations reporting (RB only, 60); then town A's 40
    assert r["reference_mean"] == pytest.approx((24 * 60 + 30 * 24 * 40) / len(HOURS))
    assert r["month"] == pd.Timestamp("2024-01-01")


def test_grid_two_stations_in_one_cell():
    # m1 and m2 ~100 m apart (one 1 km cell), m3 ~5 km away
    stations = [("m1", TOWN_A, 116.1000, 39.9000), ("m2", TOWN_B, 116.1010, 39.9003), ("m3", TOWN_A, 116.16, 39.9)]
    cells = grid_cells(_micro_stations(stations), 1000.0)
    assert cells.loc[0, "cell"] == cells.loc[1, "cell"] != cells.loc[2, "cell"]
    assert cells.loc[0, "cell"].startswith("1000m:E")
    v2 = np.full(len(HOURS), 70.0)
    v2[::2] = np.nan  # m2 reports every other hour
    micro = _hourly({"m1": 50.0, "m2": v2, "m3": 45.0})
    r = hotspot_ranking(micro, _micro_stations(stations), REF_HOURLY, REF_STATIONS, MONTH, grid_m=1000.0)
    assert len(r) == 2
    cell = r.set_index("unit").loc[cells.loc[0, "cell"]]
    assert cell["n_stations"] == 2 and cell["n_hours"] == len(HOURS)
    # hours with both: value (50+70)/2 = 60 vs reference (40+60)/2 = 50; hours with m1 only: 50 vs 40
    assert cell["mean"] == pytest.approx(55.0) and cell["reference_mean"] == pytest.approx(45.0)
    assert cell["excess"] == pytest.approx(10.0)
    assert cell["town_code"] == TOWN_A  # tie 1:1 → smallest town code
    assert abs(cell["lon"] - 116.1) < 0.01 and abs(cell["lat"] - 39.9) < 0.01
    assert r["rank"].tolist() == [1, 2]


def test_cell_ids_do_not_depend_on_the_station_set():
    a = grid_cells(_micro_stations([("m1", TOWN_A, 116.1, 39.9)]), 1000.0)
    b = grid_cells(_micro_stations([("x", TOWN_A, 115.5, 40.5), ("m1", TOWN_A, 116.1, 39.9)]), 1000.0)
    assert a.loc[0, "cell"] == b.loc[1, "cell"]


@pytest.mark.parametrize("case, match", [
    ("no_column", "lacks the column"),
    ("unknown_station", "not in the registry"),
    ("no_reference", "no pm25 value in 2024-01"),
    ("bad_grid", "grid_m must be a positive"),
    ("no_coords", "without valid lon/lat"),
    ("time_text", "not a datetime column"),
    ("time_tz", "carries a time zone"),
    ("duplicate_hour", "rows for the same hours"),
    ("text_values", "is not numeric"),
    ("bad_month", "month"),
])
def test_clear_errors(case, match):
    micro = _hourly({"m1": 50.0})
    st = _micro_stations([("m1", TOWN_A, 116.1, 39.9)])
    ref, kw = REF_HOURLY, {}
    if case == "no_column":
        micro = micro.drop(columns="pm25")
    elif case == "unknown_station":
        micro = _hourly({"m1": 50.0, "zz": 1.0})
    elif case == "no_reference":
        ref = REF_HOURLY.assign(pm25=np.nan)
    elif case == "bad_grid":
        kw = {"grid_m": -5}
    elif case == "no_coords":
        st = st.assign(lon=np.nan)
        kw = {"grid_m": 1000.0}
    elif case == "time_text":
        micro = micro.assign(time=micro["time"].astype(str))
    elif case == "time_tz":
        micro = micro.assign(time=micro["time"].dt.tz_localize("Asia/Shanghai"))
    elif case == "duplicate_hour":
        micro = pd.concat([micro, micro.iloc[[5]]], ignore_index=True)
    elif case == "text_values":
        micro = micro.assign(pm25=micro["pm25"].astype(str))
    elif case == "bad_month":
        with pytest.raises(InputDataError, match=match):
            hotspot_ranking(micro, st, ref, REF_STATIONS, "2024-13")
        return
    with pytest.raises(InputDataError, match=match):
        hotspot_ranking(micro, st, ref, REF_STATIONS, MONTH, **kw)


def test_numpy_grid_size_accepted():
    st = _micro_stations([("m1", TOWN_A, 116.1, 39.9)])
    assert grid_cells(st, np.int64(500)).loc[0, "cell"].startswith("500m:")
    with pytest.raises(InputDataError, match="grid_m"):
        grid_cells(st, True)


def _monthly(month: str, ranks: dict[str, int | None]) -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Timestamp(month + "-01"), "unit": list(ranks),
                         "town_code": TOWN_A, "excess": [10.0 - (r or 9) for r in ranks.values()],
                         "rank": pd.array(list(ranks.values()), dtype="Int64")})


def test_persistent_hotspots_over_months():
    months = [_monthly("2024-01", {"a": 1, "b": 2, "c": 3, "d": None}),
              _monthly("2024-02", {"a": 2, "b": 2, "c": 4, "d": 1}),   # b tied at 2: in the top 2
              _monthly("2024-03", {"a": 5, "b": 1, "c": 2, "d": None})]
    p = persistent_hotspots(months, top_k=2, min_months=2)
    assert p["unit"].tolist() == ["b", "a"]
    assert p["months_top"].tolist() == [3, 2] and (p["n_months"] == 3).all()
    assert p.set_index("unit").loc["a", "top_months"] == "2024-01|2024-02"
    assert persistent_hotspots(pd.concat(months), top_k=2, min_months=1)["unit"].tolist() == ["b", "a", "d", "c"]  # d: mean excess 9 > c: 7
    assert persistent_hotspots(months, top_k=2, min_months=3)["unit"].tolist() == ["b"]
    d = persistent_hotspots(months, top_k=1, min_months=1).set_index("unit").loc["d"]
    assert d["months_top"] == 1 and d["mean_excess"] == 9.0  # its unranked months do not count


def test_persistent_hotspots_errors():
    months = [_monthly("2024-01", {"a": 1}), _monthly("2024-02", {"a": 1})]
    with pytest.raises(InputDataError, match="min_months"):
        persistent_hotspots(months, top_k=1, min_months=3)
    with pytest.raises(InputDataError, match="top_k"):
        persistent_hotspots(months, top_k=0, min_months=1)
    with pytest.raises(InputDataError, match="appears twice"):
        persistent_hotspots([months[0], months[0]], top_k=1, min_months=1)


def test_plot_hotspots_writes_a_map(tmp_path):
    geopandas = pytest.importorskip("geopandas")
    from shapely.geometry import box

    stations = [("m1", TOWN_A, 116.10, 39.90), ("m2", TOWN_A, 116.12, 39.91), ("m3", TOWN_B, 116.2, 39.95)]
    r = _rank({"m1": 50.0, "m2": 65.0, "m3": np.r_[np.full(10, 70.0), np.full(len(HOURS) - 10, np.nan)]}, stations)
    towns = geopandas.GeoDataFrame({"town_name": ["甲街道", "$乙$镇"]},
                                   geometry=[box(116.05, 39.85, 116.15, 39.93), box(116.15, 39.85, 116.25, 39.98)],
                                   crs="EPSG:4326")
    fig = plot_hotspots(r, towns, top_k=1, title="热点 $x$", names={"m2": "二号站"}, path=tmp_path / "map.png")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "1" in texts and r"\$乙\$镇" in texts and "2" not in texts  # the badge of the top 1 only
    listed = [t.get_text() for t in fig.axes[1].texts]  # the ranked list beside the map
    assert "  1  二号站  +25.0" in listed and not any("m1" in t or "m3" in t for t in listed)
    assert fig.axes[0].get_title() == r"热点 \$x\$"
    assert (tmp_path / "map.png").stat().st_size > 1000
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_plot_hotspots_badges_of_close_units_do_not_overlap():
    """Eight hot spots within ~300 m (a source and its neighbours): each gets its own badge,
    none covering another (part N saw the labels overlap at 8); ties get letters."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    n = 12
    ranking = pd.DataFrame({"unit": [f"u{i:02d}" for i in range(n)],
                            "lon": 116.10 + rng.uniform(0, 0.003, n), "lat": 39.90 + rng.uniform(0, 0.003, n),
                            "excess": [30.0, 28.0, 28.0, 25.0, 20.0, 18.0, 15.0, 12.0, 10.0, 5.0, 2.0, 0.0],
                            "rank": pd.array([1, 2, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12], dtype="Int64")})
    ranking.loc[[5, 6], ["lon", "lat"]] = ranking.loc[4, ["lon", "lat"]].to_numpy()  # three at one point
    ranking = pd.concat([ranking, pd.DataFrame({"unit": ["far"], "lon": [116.3], "lat": [40.0], "excess": [-3.0],
                                                "rank": pd.array([13], dtype="Int64")})], ignore_index=True)
    fig = plot_hotspots(ranking, top_k=8)
    fig.canvas.draw()
    badges = [t for t in fig.axes[0].texts]
    assert sorted(t.get_text() for t in badges) == sorted(["1", "2a", "2b", "4", "5", "6", "7", "8"])
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in badges]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (badges[i].get_text(), badges[j].get_text())
    listed = [t.get_text() for t in fig.axes[1].texts]
    assert [t.split()[0] for t in listed[1:9]] == ["1", "2a", "2b", "4", "5", "6", "7", "8"]
    assert listed[-1].startswith("a、b")  # the tie note
    plt.close(fig)
