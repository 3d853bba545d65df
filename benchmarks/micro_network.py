"""Micro-station network at scale: a seeded synthetic 2,000-sensor month, QC timed against pandas.

Run: ``PYTHONPATH=. python -m benchmarks.micro_network [--stations 2000] [--month 2024-01] [--repeat 3] [--dask]``.

1. **Data** (:func:`synthetic_network`): ``--stations`` SYNTHETIC micro-sensors and ``n_reference``
   reference stations over Beijing's extent, one month of hours. Each reference station has a
   log-AR(1) PM2.5 series with a shared regional component; each sensor reads its nearest
   reference × gain × humidity response × noise, with faults injected in ~1 % of sensors each
   (stuck 24 h, drift +60 % over the month (the drift check's two-week window needs a
   strong drift to see it within one month), a gain step, single-hour spikes) and ~2 % of hours
   missing (half as absent rows).
2. **QC** (issue #17 item 5): :func:`airlib.analysis.sensor_qc.qc_flags` against
   :func:`pandas_reference_qc`, the same checks written plainly as an analyst would (long frame,
   ``groupby("station")`` with ``rolling``, a merge for the nearest reference), in the same run;
   every flag of every row must be equal (checked, mismatches counted).
3. **Optional steps** of the other parts of issue #17, run when importable:
   ``benchmarks.micro_calibration.bench_calibration(network)`` and
   ``benchmarks.micro_hotspots.bench_hotspots(network)``; each takes the :class:`MicroNetwork`
   and returns a dict with at least ``seconds`` (their numbers are theirs to check).
4. ``--dask``: :func:`airlib.engine.backends.sensor_qc_flags` (station partitions) on the local
   threaded scheduler, same flags required.
5. **QC with co-location windows** (:func:`bench_qc_colocation`): every sensor with a reference
   station within ``micro_qc_reference_max_km`` gets a co-location window beside it over the
   month's first ``colocation_days`` (7) days; ``qc_flags(..., colocation=)`` (one call, each
   station cut into window and deployed segments) is timed and checked against two plain calls,
   one on the window hours and one on the deployed hours with the whole network's median — the
   same series, so the same flags on every row.

The table printed is one line per step: seconds (best of ``--repeat``), rows/s, and the check.
Times are never asserted in tests (``tests/engine/test_benchmarks_smoke.py`` runs this at a
small size and checks the equality only).
"""

from __future__ import annotations

import argparse
import importlib
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from airlib.analysis.sensor_qc import FLAGS, MIN_NETWORK_STATIONS, network_median, qc_flags
from airlib.periods import parse_month
from airlib.settings import DEFAULT, Settings

#: Optional steps of the other parts: (module, function).
OPTIONAL_STEPS = (("benchmarks.micro_calibration", "bench_calibration"),
                  ("benchmarks.micro_hotspots", "bench_hotspots"))


@dataclass(frozen=True)
class MicroNetwork:
    """A synthetic micro-station month: the inputs of QC, calibration and hot-spot ranking."""

    micro_stations: pd.DataFrame  # station, town_code, lon, lat, station_class (= micro)
    micro_hourly: pd.DataFrame  # station, time, pm25 [µg/m³], rh [%]
    reference_stations: pd.DataFrame  # station, town_code, lon, lat, station_class (= national)
    reference_hourly: pd.DataFrame  # station, time, pm25 [µg/m³], rh [%]
    month: pd.Period
    faults: pd.DataFrame  # station, fault (stuck, drift, step, spike), start (hour)


def synthetic_network(n_stations: int = 2000, month: str = "2024-01", seed: int = 0,
                      n_reference: int = 20) -> MicroNetwork:
    """A seeded SYNTHETIC micro-station month (see the module docstring)."""
    rng = np.random.default_rng(seed)
    period = parse_month(month)
    times = pd.date_range(period.start_time, period.end_time.floor("h"), freq="h")
    nh, nr, ns = len(times), n_reference, n_stations
    # positions over Beijing's plain (lon 116.0-116.8, lat 39.6-40.2)
    rlon, rlat = rng.uniform(116.0, 116.8, nr), rng.uniform(39.6, 40.2, nr)
    mlon, mlat = rng.uniform(116.0, 116.8, ns), rng.uniform(39.6, 40.2, ns)
    d2 = (mlon[:, None] - rlon[None, :]) ** 2 * np.cos(np.radians(39.9)) ** 2 + (mlat[:, None] - rlat[None, :]) ** 2
    nearest = np.argmin(d2, axis=1)
    # regional log-AR(1) + station AR(1); humidity with a diurnal cycle and humid spells
    def ar1(phi, sd, shape):
        e = rng.normal(0, sd, shape)
        x = np.empty(shape)
        x[..., 0] = e[..., 0]
        for t in range(1, shape[-1]):  # over hours (744), vectorised over stations
            x[..., t] = phi * x[..., t - 1] + e[..., t]
        return x
    regional = ar1(0.97, 0.12, (nh,))
    ref = np.exp(np.log(55) + regional[None, :] + ar1(0.9, 0.08, (nr, nh)))
    hour = times.hour.to_numpy()
    rh = np.clip(50 + 20 * np.cos(2 * np.pi * (hour - 5) / 24) + 25 * ar1(0.98, 0.1, (nh,)), 5, 100)
    gain = rng.uniform(0.85, 1.25, ns)
    a = rng.uniform(0.3, 0.8, ns)
    hum = np.maximum(0.0, (rh - 60) / 40)
    micro = ref[nearest] * gain[:, None] * (1 + a[:, None] * hum[None, :] ** 2) * rng.lognormal(0, 0.08, (ns, nh))
    micro += rng.normal(0, 2, (ns, nh))
    # faults
    k = max(1, ns // 100)
    order = rng.permutation(ns)
    faults = []
    t = np.arange(nh)
    for i in order[:k]:  # drift
        micro[i] *= 1 + 0.6 * t / (nh - 1)  # +60 %: a month is short for the two-week drift window
        faults.append((i, "drift", 0))
    for i in order[k:2 * k]:  # gain step
        h0 = int(rng.integers(nh // 4, 3 * nh // 4))
        micro[i, h0:] *= 1.6
        faults.append((i, "step", h0))
    micro = np.round(np.abs(micro), 1)
    for i in order[2 * k:3 * k]:  # stuck 24 h
        h0 = int(rng.integers(24, nh - 48))
        micro[i, h0:h0 + 24] = micro[i, h0]
        faults.append((i, "stuck", h0))
    for i in order[3 * k:4 * k]:  # spikes
        h0 = int(rng.integers(30, nh - 30))
        micro[i, h0] += 300.0
        faults.append((i, "spike", h0))
    micro[rng.random((ns, nh)) < 0.01] = np.nan
    keep = rng.random((ns, nh)) >= 0.01  # absent rows
    faulty_hours = np.zeros((ns, nh), bool)
    for i, kind, h0 in faults:
        faulty_hours[i, h0:h0 + 24 if kind == "stuck" else h0 + 1] = True
    keep |= faulty_hours
    ids = np.array([f"MIC-{i:05d}" for i in range(ns)])
    rids = np.array([f"REF-{j:03d}" for j in range(nr)])
    kf = keep.ravel()
    micro_hourly = pd.DataFrame({
        "station": pd.array(np.repeat(ids, nh)[kf], dtype="string"),
        "time": np.tile(times.to_numpy(), ns)[kf],
        "pm25": micro.ravel()[kf],
        "rh": np.tile(np.round(rh, 1), ns)[kf],
    })
    reference_hourly = pd.DataFrame({
        "station": pd.array(np.repeat(rids, nh), dtype="string"),
        "time": np.tile(times.to_numpy(), nr),
        "pm25": np.round(ref.ravel()),
        "rh": np.tile(np.round(rh, 1), nr),
    })
    town = lambda n: [f"1101{x:05d}" for x in rng.integers(0, 300, n)]  # noqa: E731  (synthetic codes)
    micro_stations = pd.DataFrame({"station": ids, "town_code": town(ns), "lon": mlon, "lat": mlat,
                                   "station_class": "micro"})
    reference_stations = pd.DataFrame({"station": rids, "town_code": town(nr), "lon": rlon, "lat": rlat,
                                       "station_class": "national"})
    faults_df = pd.DataFrame({"station": [ids[i] for i, _, _ in faults], "fault": [f for _, f, _ in faults],
                              "start": [times[h] for _, _, h in faults]})
    return MicroNetwork(micro_stations, micro_hourly, reference_stations, reference_hourly, period, faults_df)


# --------------------------------------------------------------------------- pandas reference
def pandas_reference_qc(hourly: pd.DataFrame, stations: pd.DataFrame, reference_hourly: pd.DataFrame,
                        reference_stations: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """The PM2.5 QC of :mod:`airlib.analysis.sensor_qc` written plainly in pandas (long frame).

    Every station is reindexed to the full hour range, the rolling statistics are
    ``groupby("station").rolling(...)``, the nearest reference is a cross merge with the
    haversine distance and ``idxmin``. Same rules, same settings; the flags must be equal.
    """
    s = settings or DEFAULT
    h = hourly[["station", "time", "pm25", "rh"]].copy()
    h["station"] = h["station"].astype(str)
    h["_row"] = np.arange(len(h))
    hours = pd.date_range(h["time"].min(), h["time"].max(), freq="h")
    full = pd.MultiIndex.from_product([sorted(h["station"].unique()), hours], names=["station", "time"])
    g = h.set_index(["station", "time"]).reindex(full).reset_index()
    # nearest reference station within the distance
    pairs = stations[["station", "lon", "lat"]].astype({"station": str}).merge(
        reference_stations[["station", "lon", "lat"]].rename(columns={"station": "reference", "lon": "rlon", "lat": "rlat"}),
        how="cross")
    la1, la2 = np.radians(pairs["lat"]), np.radians(pairs["rlat"])
    hav = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin(np.radians(pairs["rlon"] - pairs["lon"]) / 2) ** 2
    pairs["km"] = 2 * 6371.0088 * np.arcsin(np.sqrt(hav))
    pairs = pairs.loc[pairs.groupby("station")["km"].idxmin()]
    pairs = pairs[pairs["km"] <= s.micro_qc_reference_max_km][["station", "reference"]]
    refv = reference_hourly.assign(station=reference_hourly["station"].astype(str)).rename(
        columns={"station": "reference", "pm25": "ref"})[["reference", "time", "ref"]]
    g = g.merge(pairs, on="station", how="left").merge(refv, on=["reference", "time"], how="left")
    med = hourly.groupby("time")["pm25"].agg(["median", "count"])
    netmed = med["median"].where(med["count"] >= MIN_NETWORK_STATIONS)
    has_ref = g["reference"].notna()
    g["ref"] = np.where(has_ref, g["ref"], g["time"].map(netmed))
    g = g.sort_values(["station", "time"], ignore_index=True)
    v, ref = g["pm25"], g["ref"]
    by = g["station"]

    def roll(x, window, how, center=False, min_periods=1, reverse=False):
        x = pd.Series(np.asarray(x, float), index=g.index)
        if reverse:
            x = x.iloc[::-1]
        r = getattr(x.groupby(by.loc[x.index]).rolling(window, center=center, min_periods=min_periods), how)()
        return r.reset_index(level=0, drop=True).sort_index()

    out = pd.DataFrame({"station": g["station"], "time": g["time"]})
    lo, hi = s.micro_qc_range["pm25"]
    out["range"] = (v > hi) | ((v >= 0) & (v < lo))
    out["negative"] = v < 0
    # stuck: runs of equal values within a station
    same = (v.diff().abs() <= s.micro_qc_stuck_tolerance) & (by == by.shift())
    run = (~same).cumsum()
    out["stuck"] = (run.map(run.value_counts()) >= s.micro_qc_stuck_hours) & v.notna()
    # spike
    w, mp = s.micro_qc_spike_window_h, s.micro_qc_spike_window_h // 2 + 1
    ratio = (v / ref).where((ref > 0) & (v > 0))
    k = roll(ratio, w, "median", center=True, min_periods=mp)
    own = roll(v, w, "median", center=True, min_periods=mp)
    expected = (k * ref).fillna(own)
    dev = v - expected
    logdev = (np.log(v.where(v > 0)) - np.log(expected.where(expected > 0))).abs()
    mad = roll(logdev, w, "median", center=True, min_periods=mp)
    prev = v.groupby(by).shift(1)
    nxt = v.groupby(by).shift(-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        local = v - pd.concat([prev, nxt], axis=1).mean(axis=1)
    z = logdev / (1.4826 * mad)
    out["spike"] = (dev > s.micro_qc_spike_min_abs) & ((z > s.micro_qc_spike_z) | ((mad == 0) & (logdev > 0))) & ~(local < 0.5 * dev)
    # log ratio of usable hours
    usable = (v >= s.micro_qc_min_conc) & (ref >= s.micro_qc_min_conc) & ~(g["rh"] > s.micro_qc_max_rh)
    lr = (np.log(v.where(usable)) - np.log(ref.where(usable)))
    # step
    ws = s.micro_qc_step_window_h
    before = roll(lr, ws, "median", min_periods=max(ws // 2, 1))
    after = roll(lr, ws, "median", min_periods=max(ws // 2, 1), reverse=True)
    stat = (after - before.groupby(by).shift(1)).abs()
    peak = roll(stat, 2 * ws + 1, "max", center=True, min_periods=1)
    out["step"] = (stat > np.log1p(s.micro_qc_step_min_ratio)) & (stat >= peak)
    # drift (stations with a reference only)
    wd = s.micro_qc_drift_window_h
    n_usable = lr.notna().groupby(by).cumsum()
    base = lr.where(n_usable <= max(wd // 2, 1)).groupby(by).median()
    rstat = roll(lr, wd, "median", min_periods=max(wd // 4, 1))
    out["drift"] = ((rstat - by.map(base)).abs() > np.log1p(s.micro_qc_drift_tolerance)) & v.notna() & has_ref
    out["missing"] = v.isna()
    out["_row"] = g["_row"]
    out = out[out["_row"].notna()].sort_values("_row")
    res = hourly.copy()
    for f in FLAGS:
        res[f"pm25_qc_{f}"] = out[f].to_numpy(bool)
    res["pm25_qc_ok"] = ~res[[f"pm25_qc_{f}" for f in FLAGS]].any(axis=1)
    return res


def compare_flags(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, int]:
    """Mismatching rows per flag column (same rows, same order)."""
    cols = [c for c in a.columns if "_qc_" in c]
    return {c: int((a[c].to_numpy(bool) != b[c].to_numpy(bool)).sum()) for c in cols}


def _timed(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_qc(network: MicroNetwork, repeat: int = 1, dask: bool = False) -> list[dict]:
    """Time airlib's QC and the pandas reference (and Dask when asked) on ``network``; check equality."""
    args = (network.micro_hourly, network.micro_stations, network.reference_hourly, network.reference_stations)
    t_air, ours = _timed(lambda: qc_flags(*args), repeat)
    t_ref, ref = _timed(lambda: pandas_reference_qc(*args), repeat)
    n = len(network.micro_hourly)
    mism = compare_flags(ours, ref)
    recs = [
        {"step": "qc airlib", "seconds": t_air, "rows_per_s": n / t_air, "check": f"{sum(mism.values())} flag mismatches vs pandas"},
        {"step": "qc pandas reference", "seconds": t_ref, "rows_per_s": n / t_ref, "check": f"{t_ref / t_air:.1f}x airlib"},
    ]
    if dask:
        from airlib.engine.backends import sensor_qc_flags

        t_dask, dk = _timed(lambda: sensor_qc_flags(*args, npartitions=4), repeat)
        dm = compare_flags(ours, dk)
        recs.append({"step": "qc dask (4 station partitions)", "seconds": t_dask, "rows_per_s": n / t_dask,
                     "check": f"{sum(dm.values())} flag mismatches vs pandas path"})
    found = []
    for f in network.faults.itertuples():
        col = f"pm25_qc_{f.fault}"
        sel = ours["station"].eq(f.station)
        found.append(bool(ours.loc[sel, col].any()))
    recs[0]["faults_found"] = f"{sum(found)}/{len(found)}"
    recs[0]["mismatches"] = mism
    return recs


def colocation_windows(network: MicroNetwork, days: int = 7, settings: Settings = DEFAULT) -> pd.DataFrame:
    """A co-location window (``station``, ``reference``, ``start``, ``end`` inclusive) over the
    month's first ``days`` days for every sensor with a reference station within
    ``settings.micro_qc_reference_max_km``, beside that (nearest) reference."""
    from airlib.analysis.calibration import nearest_reference

    pairs = nearest_reference(network.micro_stations, network.reference_stations, settings.micro_qc_reference_max_km)
    pairs = pairs[pairs["reference"].notna()]
    start = network.month.start_time
    return pd.DataFrame({"station": pairs["station"].astype(str).to_numpy(),
                         "reference": pairs["reference"].astype(str).to_numpy(),
                         "start": start, "end": start + pd.Timedelta(hours=24 * days - 1)})


def bench_qc_colocation(network: MicroNetwork, repeat: int = 1, days: int = 7) -> dict:
    """Time ``qc_flags(..., colocation=)`` and check it against two plain calls (window hours,
    deployed hours; each station's window is its nearest reference, so the series agree)."""
    from airlib.analysis.calibration import colocation_mask

    h = network.micro_hourly
    args = (network.micro_stations, network.reference_hourly, network.reference_stations)
    windows = colocation_windows(network, days)
    t_seg, seg = _timed(lambda: qc_flags(h, *args, colocation=windows), repeat)
    inside = colocation_mask(h, windows)
    cons = network_median(h)
    split = pd.concat([qc_flags(h[inside], *args, consensus=cons), qc_flags(h[~inside], *args, consensus=cons)]).loc[h.index]
    mism = compare_flags(seg, split)
    return {"step": f"qc airlib + co-location ({len(windows)} windows)", "seconds": t_seg,
            "rows_per_s": len(h) / t_seg, "check": f"{sum(mism.values())} flag mismatches vs two calls",
            "mismatches": mism, "window_hours": int(inside.sum())}


def optional_steps(network: MicroNetwork) -> list[dict]:
    """Run the other parts' ``bench_*`` functions when their modules import."""
    recs = []
    for mod, fn in OPTIONAL_STEPS:
        try:
            f = getattr(importlib.import_module(mod), fn)
        except (ImportError, AttributeError):
            recs.append({"step": fn, "seconds": np.nan, "rows_per_s": np.nan, "check": "not available"})
            continue
        res = dict(f(*_step_arguments(fn, network)))
        if "seconds" not in res:  # the steps name their airlib time airlib_s
            res["seconds"] = res.get("airlib_s", np.nan)
        if "same" in res:
            res.setdefault("check", "same numbers as the reference" if res["same"] else "DIFFERENT from the reference")
        elif "max_slope_diff" in res:
            res.setdefault("check", f"max |Huber − least squares| slope {res['max_slope_diff']:.4f}")
        res.setdefault("step", fn)
        res.setdefault("rows_per_s", len(network.micro_hourly) / res["seconds"] if res.get("seconds") else np.nan)
        res.setdefault("check", "")
        recs.append(res)
    return recs


def _step_arguments(fn: str, network: MicroNetwork) -> tuple:
    """The arguments each optional step takes, from the network (its reference stations and the
    pairs of :func:`airlib.analysis.calibration.nearest_reference`, the one pairing rule)."""
    if fn == "bench_calibration":
        from airlib.analysis.calibration import nearest_reference

        pairs = nearest_reference(network.micro_stations, network.reference_stations)
        return network.micro_hourly, network.reference_hourly, pairs
    if fn == "bench_hotspots":
        return ({"micro_hourly": network.micro_hourly, "micro_stations": network.micro_stations,
                 "reference_hourly": network.reference_hourly, "reference_stations": network.reference_stations,
                 "month": network.month},)
    return (network,)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--month", default="2024-01")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dask", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    net = synthetic_network(args.stations, args.month, args.seed)
    print(f"synthetic network: {args.stations} sensors, {len(net.micro_hourly):,} station-hours, "
          f"{len(net.faults)} injected faults, built in {time.perf_counter() - t0:.1f} s")
    recs = bench_qc(net, args.repeat, args.dask) + [bench_qc_colocation(net, args.repeat)] + optional_steps(net)
    print(f"{'step':<34}{'seconds':>9}{'rows/s':>14}  check")
    for r in recs:
        print(f"{r['step']:<34}{r['seconds']:>9.3f}{r['rows_per_s']:>14,.0f}  {r['check']}")
    print(f"injected faults found by airlib QC: {recs[0]['faults_found']}")
    return 0 if "0 flag" in recs[0]["check"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
