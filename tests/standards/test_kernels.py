"""The shared array kernels of the validity rules (airlib.standards.kernels) at their edges, and the
two paths that use them (airlib.standards.validity, airlib.engine.citywide) agreeing bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.standards import kernels as K
from airlib.engine import citywide as cw
from airlib.standards import validity as v


def _grid(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hour-major grid of ``days`` (shape ``(n_days, 24)``, NaN = missing) via hour_major."""
    n = days.shape[0]
    day, hour = np.divmod(np.arange(n * 24), 24)
    return K.hour_major(hour * n + day, days.ravel(), n)


def test_hour_major_layout_and_mask():
    days = np.arange(48, dtype=float).reshape(2, 24)
    days[1, 5] = np.nan
    z, mask = _grid(days)
    assert z.shape == (24, 2) and mask.dtype == np.uint8
    assert z[3, 1] == 27.0 and z[5, 1] == 0.0 and mask[5, 1] == 0 and mask[5, 0] == 1


@pytest.mark.parametrize("valid_hours, ok", [(19, False), (20, True), (24, True)])
def test_daily_mean_needs_20_valid_hours(valid_hours, ok):
    day = np.full((1, 24), np.nan)
    day[0, :valid_hours] = 10.0
    day[0, 0] = 40.0
    value, n, valid = K.daily_mean(*_grid(day))
    assert n[0] == valid_hours and valid[0] == ok
    assert (value[0] == (30.0 + 10.0 * valid_hours) / valid_hours) if ok else np.isnan(value[0])


def test_windows_need_6_of_8_hours():
    day = np.full((1, 24), 50.0)
    day[0, 0:3] = np.nan  # window 0 (hours 0-7) has 5 valid hours, window 1 has 6
    n, mean = K.window_means(*_grid(day))
    assert n.shape == (17, 1) and n[0, 0] == 5 and n[1, 0] == 6
    assert np.isnan(mean[0, 0]) and mean[1, 0] == 50.0 and mean[16, 0] == 50.0


def _o3_day(valid_windows: int, level: float) -> np.ndarray:
    """One day of O3 with ``valid_windows`` valid 8-hour windows (the first ones)."""
    day = np.full((1, 24), np.nan)
    day[0, : valid_windows + 5] = level  # window w valid iff hours w..w+5 exist
    return day


@pytest.mark.parametrize(
    "windows, level, ok",
    [(13, 100.0, False), (14, 100.0, True), (17, 100.0, True), (3, 160.0, False), (3, 160.5, True), (0, np.nan, False)],
)
def test_mda8_validity_14_windows_or_above_the_limit(windows, level, ok):
    value, n, valid = K.mda8(*_grid(_o3_day(windows, level)), 14, 160.0)
    assert n[0] == windows and valid[0] == ok
    assert (value[0] == level) if ok else np.isnan(value[0])


def test_mda8_limit_per_day_and_largest_window():
    days = np.vstack([_o3_day(3, 170.0), _o3_day(3, 170.0)])
    days[0, 20:24] = np.nan
    value, _, valid = K.mda8(*_grid(days), 14, np.array([160.0, 180.0]))
    assert valid.tolist() == [True, False] and value[0] == 170.0
    day = np.full((1, 24), 10.0)
    day[0, 16:24] = 90.0  # the last window (hours 16-23) is the largest
    assert K.mda8(*_grid(day), 14, 160.0)[0][0] == 90.0


def test_month_min_days_february_and_validity():
    assert K.month_min_days(np.arange(1, 13)).tolist() == [27, 25] + [27] * 10
    assert K.month_valid([24, 25, 26, 27], [2, 2, 3, 3]).tolist() == [False, True, False, True]
    assert cw.min_valid_days(2) == 25 and cw.min_valid_days(12) == 27
    assert v.monthly_min_days(pd.Series([2, 3])).tolist() == [25, 27]


def test_percentiles_rows_and_groups_agree_with_the_test_vector():
    x = np.array([[3, 4, 8, 2, 5, 4, np.nan], [np.nan] * 7, [1, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]])
    rows = K.percentile_rows(x, 90)
    assert rows[0] == 6.5 and np.isnan(rows[1]) and rows[2] == 1.0  # standards.md §2.2
    groups = np.repeat(np.arange(3), 7)
    np.testing.assert_array_equal(K.group_percentile_sorted(x.ravel(), groups, [90.0], 3)[:, 0], rows)
    rng = np.random.default_rng(1)
    y = np.where(rng.random((50, 31)) < 0.2, np.nan, rng.normal(40, 10, (50, 31)))
    for q in (90, 95, 98):
        np.testing.assert_array_equal(
            K.percentile_rows(y, q), v.group_percentile(y.ravel(), np.repeat(np.arange(50), 31), q, ngroups=50)
        )


def test_duplicates():
    assert K.duplicates(np.array([0, 3, 2]), 5).size == 0
    assert K.duplicates(np.array([0, 3, 0, 1]), 5).tolist() == [0, 2]


def test_citywide_and_validity_daily_values_are_identical():
    """Same kernels: every daily value equal bit for bit, CO (one decimal) included."""
    from benchmarks.datasets import synthetic_month

    stations = pd.DataFrame({"station": [f"S{i:02d}" for i in range(12)], "town_code": ["T"] * 12})
    frame = synthetic_month(stations, 2023, 7, seed=3)
    codes = pd.Index(stations["station"].tolist())
    si = codes.get_indexer(frame["station"])
    hi = ((frame["time"] - pd.Timestamp(2023, 7, 1)) // pd.Timedelta(hours=1)).to_numpy()
    values = {p: frame[p].to_numpy(dtype=float, na_value=np.nan) for p in ("pm25", "pm10", "so2", "no2", "co", "o3")}
    ours = cw.station_daily_month(si, hi, values, len(codes), 31)
    ref = v.daily_statistics(frame, start="2023-07-01", end="2023-07-31").sort_values(["station", "date"])
    for p, col in (("pm25", "pm25"), ("pm10", "pm10"), ("so2", "so2"), ("no2", "no2"), ("co", "co"), ("o3", "o3_8h")):
        np.testing.assert_array_equal(ours[p].ravel(), ref[col].to_numpy())
    assert np.isnan(ours["pm25"]).any() and np.isnan(ours["o3"]).any()  # the rules did bite


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_buffered_scatter_and_mda8_equal_the_plain_kernels_bit_for_bit(seed):
    """_grid.scatter/_mda8_into (the citywide fast path) == hour_major/mda8: missing rows,
    NaN values, null rows (from an Arrow validity bitmap at a bit offset), days with no valid
    window, one-window days above the limit."""
    from airlib.engine import _grid

    rng = np.random.default_rng(seed)
    n = 300
    size = 24 * n
    tpos = rng.permutation(size)[: int(size * 0.8)]  # 20 % of the station-hours missing
    values = rng.integers(0, 400, len(tpos)).astype(float) + rng.choice([0.0, 0.25], len(tpos))
    values[rng.random(len(tpos)) < 0.1] = np.nan
    values[: 24 * 3] = np.nan  # whatever lies there, some days are nearly empty
    values[24 * 3 :: 50] = -0.0  # the sign of a zero survives
    missing = tpos[rng.random(len(tpos)) < 0.05]
    ref_values = values.copy()
    ref_values[np.isin(tpos, missing)] = np.nan
    z_ref, m_ref = K.hour_major(tpos, ref_values, n)
    offset = int(rng.integers(0, 8))
    bits = np.ones(len(tpos) + offset, dtype=bool)
    bits[offset:][np.isin(tpos, missing)] = False
    bitmap = np.packbits(bits, bitorder="little")
    z_buf, valid_buf = np.full(size, 7.0), np.ones(size, dtype=np.uint8)  # stale contents
    _grid.scatter(tpos.astype(np.int64), values, bitmap, offset, z_buf, valid_buf)
    z, m = z_buf.reshape(24, n), valid_buf.reshape(24, n)
    np.testing.assert_array_equal(z, z_ref)
    np.testing.assert_array_equal(m, m_ref)
    assert np.array_equal(np.signbit(z), np.signbit(z_ref))
    limit = np.where(np.arange(n) % 2 == 0, 200.0, 100.0)
    nw = K.WINDOWS_PER_DAY * n
    got = K._mda8_into(z, m, 14, limit, np.full(nw, 3.0), np.full(nw, 9, np.int16), np.zeros(nw, bool))
    want = K.mda8(z_ref, m_ref, 14, limit)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert got[1].dtype == want[1].dtype
    assert (~want[2]).any() and want[2].any()
