"""Hot spots leave out co-location hours (比对期): hotspot_ranking(..., colocation=) — issue #17 (part S)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.hotspots import hotspot_ranking
from airlib.errors import InputDataError

MONTH = "2024-01"
HOURS = pd.date_range("2024-01-01", periods=31 * 24, freq="h")
TOWN = "110109001"
REF_STATIONS = pd.DataFrame({"station": ["RA"], "town_code": [TOWN]})
REF_HOURLY = pd.DataFrame({"station": "RA", "time": HOURS, "pm25": 40.0})
# m1 and m2 ~100 m apart (one 1 km cell), m3 ~5 km away
STATIONS = pd.DataFrame({"station": ["m1", "m2", "m3"], "town_code": TOWN,
                         "lon": [116.1000, 116.1010, 116.16], "lat": [39.9000, 39.9003, 39.9]})
WINDOW_END = pd.Timestamp("2024-01-10 23:00")  # m1's window: the first 10 days, end inclusive
COLOCATION = pd.DataFrame({"station": ["m1"], "reference": ["RA"], "start": [HOURS[0]], "end": [WINDOW_END]})


def _micro() -> pd.DataFrame:
    """m1 reads +100 only inside its co-location window (the air beside a source, not its site),
    otherwise 45 (+5); m2 reads 50 (+10), m3 55 (+15)."""
    m1 = np.where(HOURS <= WINDOW_END, 140.0, 45.0)
    return pd.concat([pd.DataFrame({"station": s, "time": HOURS, "pm25": v})
                      for s, v in (("m1", m1), ("m2", 50.0), ("m3", 55.0))], ignore_index=True)


def test_excess_only_inside_the_window_makes_no_hot_spot_with_colocation():
    micro = _micro()
    plain = hotspot_ranking(micro, STATIONS, REF_HOURLY, REF_STATIONS, MONTH).set_index("unit")
    assert plain.loc["m1", "rank"] == 1  # the window's hours make m1 the worst …
    r = hotspot_ranking(micro, STATIONS, REF_HOURLY, REF_STATIONS, MONTH, colocation=COLOCATION)
    got = r.set_index("unit")
    assert got.loc["m1", "excess"] == pytest.approx(5.0)  # … its site is the least polluted
    assert got.loc[["m3", "m2", "m1"], "rank"].tolist() == [1, 2, 3]
    n_window = int((HOURS <= WINDOW_END).sum())
    assert got.loc["m1", "n_hours"] == len(HOURS) - n_window and got.loc["m2", "n_hours"] == len(HOURS)
    assert r.attrs["colocation_hours_left_out"] == n_window
    assert plain.attrs["colocation_hours_left_out"] == 0
    # the window's last hour is left out, the next hour is used (end inclusive)
    edge = micro.assign(pm25=np.where((micro["station"] == "m1") & (micro["time"] > WINDOW_END), np.nan, micro["pm25"]))
    edge.loc[(edge["station"] == "m1") & (edge["time"] == WINDOW_END + pd.Timedelta(hours=1)), "pm25"] = 45.0
    one = hotspot_ranking(edge, STATIONS, REF_HOURLY, REF_STATIONS, MONTH, colocation=COLOCATION).set_index("unit")
    assert one.loc["m1", "n_hours"] == 1 and one.loc["m1", "excess"] == pytest.approx(5.0)


def test_grid_cells_leave_out_the_window_hours_too():
    micro = _micro()
    plain = hotspot_ranking(micro, STATIONS, REF_HOURLY, REF_STATIONS, MONTH, grid_m=1000.0)
    r = hotspot_ranking(micro, STATIONS, REF_HOURLY, REF_STATIONS, MONTH, grid_m=1000.0, colocation=COLOCATION)
    both = plain.loc[plain["n_stations"] == 2].iloc[0]
    cell = r.set_index("unit").loc[both["unit"]]
    # plain: the (m1, m2) cell is first; without m1's window hours its mean excess is
    # (10 days of m2 alone: +10, 21 days of both: (5 + 10) / 2) → below m3's +15
    assert plain["rank"].iloc[0] == 1 and plain["unit"].iloc[0] == both["unit"]
    n_window = int((HOURS <= WINDOW_END).sum())
    assert cell["n_hours"] == len(HOURS)
    assert cell["excess"] == pytest.approx((n_window * 10.0 + (len(HOURS) - n_window) * 7.5) / len(HOURS))
    assert r["rank"].tolist() == [1, 2] and r["n_stations"].tolist() == [1, 2]


def test_no_window_in_the_month_changes_nothing_and_bad_windows_are_named():
    micro = _micro()
    plain = hotspot_ranking(micro, STATIONS, REF_HOURLY, REF_STATIONS, MONTH)
    elsewhere = COLOCATION.assign(start=pd.Timestamp("2023-12-01"), end=pd.Timestamp("2023-12-10 23:00"))
    pd.testing.assert_frame_equal(
        hotspot_ranking(micro, STATIONS, REF_HOURLY, REF_STATIONS, MONTH, colocation=elsewhere), plain)
    backwards = COLOCATION.assign(start=WINDOW_END, end=HOURS[0])
    with pytest.raises(InputDataError, match="m1"):
        hotspot_ranking(micro, STATIONS, REF_HOURLY, REF_STATIONS, MONTH, colocation=backwards)
