"""Hot-spot ranking (热点网格) of a micro-station month: airlib against a plain pandas reference.

Usage::

    PYTHONPATH=. python -m benchmarks.micro_hotspots [--stations 2000] [--towns 20] [--repeat 3]

:func:`bench_hotspots` is the step C2's micro-network harness (``benchmarks/micro_network.py``)
calls with its synthetic month; run alone, :func:`synthetic_inputs` builds one (the SYNTHETIC
stations of :func:`benchmarks.datasets.synthetic_month`, positions around 116.1° E 39.95° N, two
reference stations per town). Both variants rank the same month; the run checks the numbers
are the same (statistics within 1e-9 relative, ranks exactly) and reports the wall times of
the computation only (data in memory). No test asserts a time.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from airlib.analysis.hotspots import hotspot_ranking
from airlib.settings import DEFAULT, Settings
from benchmarks import datasets

__all__ = ["synthetic_inputs", "pandas_reference", "bench_hotspots", "compare", "main"]

COLUMNS = ("mean", "reference_mean", "excess", "share_above", "n_hours")


def synthetic_inputs(n_stations: int = 2000, n_towns: int = 20, month: str = "2024-01", seed: int = 0
                     ) -> dict[str, Any]:
    """A SYNTHETIC micro-station month with its registry and reference stations.

    Returns
    -------
    dict
        ``micro_hourly``, ``micro_stations``, ``reference_hourly``, ``reference_stations``,
        ``month``.
    """
    p = pd.Period(month, "M")
    rng = np.random.default_rng(seed)
    towns = [f"110109{i:03d}" for i in range(1, n_towns + 1)]
    micro = pd.DataFrame({"station": [f"micro-{i:05d}" for i in range(n_stations)],
                          "town_code": [towns[i % n_towns] for i in range(n_stations)],
                          "lon": 116.1 + rng.normal(0, 0.08, n_stations),
                          "lat": 39.95 + rng.normal(0, 0.05, n_stations)})
    ref = pd.DataFrame({"station": [f"ref-{i:03d}" for i in range(2 * n_towns)],
                        "town_code": [towns[i % n_towns] for i in range(2 * n_towns)]})
    micro_hourly = datasets.synthetic_month(micro, p.year, p.month, seed)[["station", "time", "pm25"]]
    reference_hourly = datasets.synthetic_month(ref, p.year, p.month, seed + 1)[["station", "time", "pm25"]]
    return {"micro_hourly": micro_hourly, "micro_stations": micro, "reference_hourly": reference_hourly,
            "reference_stations": ref, "month": month}


def pandas_reference(micro_hourly: pd.DataFrame, micro_stations: pd.DataFrame, reference_hourly: pd.DataFrame,
                     reference_stations: pd.DataFrame, month: str, settings: Settings | None = None) -> pd.DataFrame:
    """The station ranking written plainly with pandas merges and groupby (PM2.5, town reference).

    Town reference per hour = mean of the town's reference stations, else the district mean;
    excess, share above (strictly > threshold), competition rank (``rank(method="min")``) on
    the excess rounded to one decimal (PM2.5 from 2024) — or to integers before 2024.
    """
    s = DEFAULT if settings is None else settings
    p = pd.Period(month, "M")
    in_month = lambda d: d[(d["time"] >= p.start_time) & (d["time"] < (p + 1).start_time)]  # noqa: E731
    r = in_month(reference_hourly).dropna(subset=["pm25"]).merge(reference_stations[["station", "town_code"]],
                                                                  on="station")
    town = r.groupby(["town_code", "time"], as_index=False)["pm25"].mean().rename(columns={"pm25": "ref_town"})
    dist = r.groupby("time", as_index=False)["pm25"].mean().rename(columns={"pm25": "ref_dist"})
    m = in_month(micro_hourly).dropna(subset=["pm25"]).merge(micro_stations[["station", "town_code"]], on="station")
    m = m.merge(town, on=["town_code", "time"], how="left").merge(dist, on="time", how="left")
    m["ref"] = m["ref_town"].fillna(m["ref_dist"])
    m = m.dropna(subset=["ref"])
    m["above"] = (m["pm25"] - m["ref"]) > s.hotspot_above_threshold
    g = m.groupby("station").agg(mean=("pm25", "mean"), reference_mean=("ref", "mean"),
                                 n_hours=("pm25", "size"), above=("above", "sum"))
    g = g.reindex(micro_stations["station"])
    g["n_hours"] = g["n_hours"].fillna(0).astype("int64")
    g["excess"] = g["mean"] - g["reference_mean"]
    g["share_above"] = g["above"] / g["n_hours"].where(g["n_hours"] > 0)
    decimals = 1 if p.year >= 2024 else 0
    rankable = g["excess"].round(decimals).where(g["n_hours"] >= s.hotspot_min_hour_share * p.days_in_month * 24)
    g["rank"] = rankable.rank(method="min", ascending=False).astype("Int64")
    return g.rename_axis("unit").reset_index()[["unit", *COLUMNS, "rank"]]


def compare(ours: pd.DataFrame, ref: pd.DataFrame) -> dict[str, int]:
    """Rows differing per column: statistics beyond 1e-9 relative, ranks not equal (NA = NA)."""
    a = ours.set_index("unit").sort_index()
    b = ref.set_index("unit").sort_index()
    if not a.index.equals(b.index):
        return {"unit": int(len(a.index.symmetric_difference(b.index)))}
    out = {}
    for c in COLUMNS:
        x, y = a[c].to_numpy(dtype="float64"), b[c].to_numpy(dtype="float64")
        same = np.isclose(x, y, rtol=1e-9, atol=1e-9) | (np.isnan(x) & np.isnan(y))
        out[c] = int((~same).sum())
    ra, rb = a["rank"].astype("Int64"), b["rank"].astype("Int64")
    out["rank"] = int((~((ra == rb).fillna(False) | (ra.isna() & rb.isna()))).sum())
    return out


def bench_hotspots(frame: pd.DataFrame | Mapping[str, Any], *, repeat: int = 1, grid_m: float | None = 1000.0
                   ) -> dict[str, Any]:
    """Time :func:`airlib.analysis.hotspots.hotspot_ranking` against :func:`pandas_reference`.

    Parameters
    ----------
    frame : mapping or DataFrame
        A mapping with ``micro_hourly``, ``micro_stations``, ``reference_hourly``,
        ``reference_stations`` and ``month`` (as :func:`synthetic_inputs` returns), or a micro
        hourly frame alone: its stations are then given the SYNTHETIC registry and reference
        stations of :func:`synthetic_inputs` (20 towns, positions seeded) and its first month
        is ranked (the reference hours are synthetic too).
    repeat : int
        Runs per variant; the best time is reported [s].
    grid_m : float, optional [m]
        Also time the grid ranking with cells of this side (no reference for it).

    Returns
    -------
    dict
        ``station_hours``, ``stations``, ``airlib_s``, ``pandas_s``, ``grid_s`` (or None),
        ``differences`` (per column, all 0 when the numbers agree), ``same`` (bool).
    """
    if isinstance(frame, pd.DataFrame):
        ids = pd.Index(frame["station"].astype(str).unique())
        month = str(pd.Timestamp(frame["time"].min()).to_period("M"))
        made = synthetic_inputs(n_stations=len(ids), month=month)
        reg = made["micro_stations"].assign(station=ids.to_numpy())
        inputs = {**made, "micro_hourly": frame, "micro_stations": reg}
    else:
        inputs = dict(frame)
    args = (inputs["micro_hourly"], inputs["micro_stations"], inputs["reference_hourly"],
            inputs["reference_stations"], inputs["month"])

    def best(fn, **kw):
        times, result = [], None
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            result = fn(*args, **kw)
            times.append(time.perf_counter() - t0)
        return min(times), result

    t_ours, ours = best(hotspot_ranking)
    t_ref, ref = best(pandas_reference)
    t_grid = best(hotspot_ranking, grid_m=grid_m)[0] if grid_m is not None else None
    diff = compare(ours, ref)
    return {"station_hours": int(len(inputs["micro_hourly"])), "stations": int(len(inputs["micro_stations"])),
            "airlib_s": round(t_ours, 3), "pandas_s": round(t_ref, 3),
            "grid_s": None if t_grid is None else round(t_grid, 3),
            "differences": diff, "same": not any(diff.values())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--towns", type=int, default=20)
    ap.add_argument("--month", default="2024-01")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    result = bench_hotspots(synthetic_inputs(a.stations, a.towns, a.month), repeat=a.repeat)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result["same"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
