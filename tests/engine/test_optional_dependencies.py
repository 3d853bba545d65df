"""Optional dependencies: the pure-numpy grid fallback (no numba) gives the compiled results; no Dask is a clear error.

numba is optional (the ``fast`` extra); without it, or with ``AIRLIB_NO_NUMBA=1``, the
city-wide month job lays rows onto the grid with :func:`_grid.positions_numpy` and
:func:`_grid.scatter_numpy`. Both paths must give the same positions, statuses, failing rows,
grids and, end to end, the same station daily values.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from airlib.engine import _grid
from airlib.engine import citywide as cw
from airlib.errors import InputDataError

numba = pytest.importorskip("numba", reason="the comparison needs the compiled path (pip install airlib[fast])")


def _month_inputs(rng, n_stations=4, n_days=30, ticks_per_hour=3600, n_rows=2000):
    n_grid = n_stations * n_days
    h = np.arange(n_days * 24, dtype=np.int64)
    hour_part = (h % 24) * n_grid + h // 24
    station_part = np.arange(n_stations, dtype=np.int64) * n_days
    first_hour = 480_000
    cells = rng.choice(n_stations * n_days * 24, size=n_rows, replace=False)
    codes = (cells // (n_days * 24)).astype(np.int32)
    hours = cells % (n_days * 24)
    ticks = (first_hour + hours).astype(np.int64) * ticks_per_hour
    return ticks, codes, station_part, hour_part, first_hour, ticks_per_hour, 24 * n_grid


def _run(fn, ticks, codes, station_part, hour_part, first_hour, tph, n_present):
    tpos = np.full(len(ticks), -7, dtype=np.int64)
    present = np.zeros(n_present, dtype=np.bool_)
    status, row = fn(ticks, codes, station_part, hour_part, first_hour, tph, tpos, present)
    return int(status), int(row), tpos, present


def _both(*args):
    a = _run(_grid.positions_numba, *args)
    b = _run(_grid.positions_numpy, *args)
    assert a[:2] == b[:2]
    return a, b


@pytest.mark.parametrize("seed", range(5))
def test_positions_identical_on_a_clean_month(seed):
    a, b = _both(*_month_inputs(np.random.default_rng(seed)))
    assert a[0] == _grid.OK and a[1] == -1
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_array_equal(a[3], b[3])


@pytest.mark.parametrize(
    "change, status",
    [
        (lambda t, tph: t.__setitem__(500, t[500] + 1), _grid.OFF_GRID),  # off the hour by one tick
        (lambda t, tph: t.__setitem__(500, t[500] - 10**9 * tph), _grid.OFF_GRID),  # before the month
        (lambda t, tph: t.__setitem__(500, t[500] + 10**9 * tph), _grid.OFF_GRID),  # after the month
        (lambda t, tph: t.__setitem__(500, t[20]), _grid.DUPLICATE),  # repeats row 20
    ],
)
def test_positions_identical_first_failing_row(change, status):
    ticks, codes, sp, hp, first, tph, n = _month_inputs(np.random.default_rng(7))
    codes[500] = codes[20]
    change(ticks, tph)
    a, b = _both(ticks, codes, sp, hp, first, tph, n)
    assert a[:2] == (status, 500)


def test_positions_earliest_failure_wins_in_both():
    ticks, codes, sp, hp, first, tph, n = _month_inputs(np.random.default_rng(8))
    codes[300] = codes[10]
    ticks[300] = ticks[10]  # duplicate at row 300
    ticks[600] += 5  # off grid at row 600
    a, _ = _both(ticks, codes, sp, hp, first, tph, n)
    assert a[:2] == (_grid.DUPLICATE, 300)
    ticks[100] += 5  # now off grid first, at row 100
    a, _ = _both(ticks, codes, sp, hp, first, tph, n)
    assert a[:2] == (_grid.OFF_GRID, 100)


def test_positions_empty():
    args = _month_inputs(np.random.default_rng(0), n_rows=0)
    a, b = _both(*args)
    assert a[:2] == (_grid.OK, -1)


@pytest.mark.parametrize("offset", [0, 3, 13])
def test_scatter_identical_with_nan_and_arrow_nulls(offset):
    rng = np.random.default_rng(offset)
    n, size = 1000, 3000
    tpos = rng.choice(size, n, replace=False).astype(np.int64)
    values = rng.random(n) * 300
    values[rng.random(n) < 0.1] = np.nan
    bits = rng.random(offset + n) > 0.2
    bitmap = np.packbits(bits, bitorder="little")
    for bm, off in ((bitmap, offset), (_grid.NO_NULLS, 0)):
        z1, v1 = np.full(size, 9.0), np.full(size, 9, np.uint8)
        z2, v2 = np.full(size, 9.0), np.full(size, 9, np.uint8)
        _grid.scatter_numba(tpos, values, bm, off, z1, v1)
        _grid.scatter_numpy(tpos, values, bm, off, z2, v2)
        np.testing.assert_array_equal(z1, z2)
        np.testing.assert_array_equal(v1, v2)
    # the null bits were honoured (not only NaN)
    kept = ~np.isnan(values) & bits[offset:]
    z, v = np.zeros(size), np.zeros(size, np.uint8)
    _grid.scatter_numpy(tpos, values, bitmap, offset, z, v)
    assert int(v.sum()) == int(kept.sum()) < int((~np.isnan(values)).sum())


def test_station_daily_month_identical_end_to_end(monkeypatch):
    rng = np.random.default_rng(3)
    n_stations, n_days = 5, 31
    cells = rng.choice(n_stations * n_days * 24, size=3000, replace=False)
    station, hour = cells // (n_days * 24), cells % (n_days * 24)
    values = {p: np.where(rng.random(len(cells)) < 0.05, np.nan, rng.random(len(cells)) * 200) for p in ("pm25", "o3")}
    compiled = cw.station_daily_month(station, hour, values, n_stations, n_days)
    monkeypatch.setattr(_grid, "positions", _grid.positions_numpy)
    monkeypatch.setattr(_grid, "scatter", _grid.scatter_numpy)
    plain = cw.station_daily_month(station, hour, values, n_stations, n_days)
    assert set(compiled) == set(plain)
    for k in compiled:
        np.testing.assert_array_equal(compiled[k], plain[k])
    assert np.isfinite(plain["pm25"]).sum() > 0
    dup_station, dup_hour = np.append(station, station[0]), np.append(hour, hour[0])
    dup_values = {k: np.append(v, 1.0) for k, v in values.items()}
    with pytest.raises(InputDataError, match="duplicate station-hour"):
        cw.station_daily_month(dup_station, dup_hour, dup_values, n_stations, n_days)


@pytest.mark.parametrize("flag, expected", [("1", "False"), ("", "True")])
def test_environment_flag_selects_the_numpy_path(flag, expected):
    env = {**os.environ, "AIRLIB_NO_NUMBA": flag}
    code = "from airlib.engine import _grid; print(_grid.USES_NUMBA, _grid.positions is _grid.positions_numpy)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [expected, str(expected == "False")]


def test_dask_backend_without_dask_is_a_clear_error(monkeypatch, tmp_path):
    """The dask extra is optional: without it, backend='dask' says what to install."""
    import builtins

    from airlib.errors import AirlibError

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name == "dask" or name.startswith("dask."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    stations = pd.DataFrame({"station": ["A"], "town_code": ["T1"]})
    with pytest.raises(AirlibError, match=r"airlib\[dask\]"):
        cw.town_monthly_table(tmp_path, "none", stations, backend="dask")
    from airlib.engine import backends

    with pytest.raises(AirlibError, match=r"airlib\[dask\]"):
        backends._dd()
