"""benchmarks/micro_hotspots.py at a small size: airlib's hot-spot ranking equals the plain pandas
reference, and the comparison can fail. No time is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import micro_hotspots as mh  # noqa: E402


@pytest.fixture(scope="module")
def small():
    return mh.synthetic_inputs(n_stations=60, n_towns=6, month="2024-01")


def test_airlib_equals_pandas_reference(small):
    result = mh.bench_hotspots(small)
    assert result["same"], result["differences"]
    assert result["stations"] == 60 and result["station_hours"] > 40_000
    assert result["grid_s"] is not None


def test_before_2024_integer_precision_also_agrees():
    result = mh.bench_hotspots(mh.synthetic_inputs(n_stations=40, n_towns=4, month="2023-03"), grid_m=None)
    assert result["same"], result["differences"]


def test_a_bare_hourly_frame_is_accepted(small):
    result = mh.bench_hotspots(small["micro_hourly"], grid_m=None)
    assert result["same"] and result["stations"] == 60


def test_compare_detects_a_changed_value_and_rank(small):
    from airlib.analysis.hotspots import hotspot_ranking

    ours = hotspot_ranking(small["micro_hourly"], small["micro_stations"], small["reference_hourly"],
                           small["reference_stations"], small["month"])
    other = ours.copy()
    assert other["rank"].nunique() > 20  # not vacuous: many distinct ranks
    other.loc[0, "excess"] *= 1 + 1e-6
    other.loc[1, "rank"] += 1
    diff = mh.compare(ours, other)
    assert diff["excess"] == 1 and diff["rank"] == 1 and diff["mean"] == 0
    assert mh.compare(ours, other.drop(index=2)) == {"unit": 1}
