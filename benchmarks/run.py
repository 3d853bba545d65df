"""airlib benchmark suite: citywide town statistics vs plain pandas and DuckDB SQL.

Usage::

    python -m benchmarks.run --size city            # one size, all workloads
    python -m benchmarks.run --size uci --quick     # small and fast
    python -m benchmarks.run --size micro --sample-towns 20

For each workload (``ranking``: hourly → valid daily → valid monthly → monthly town ranking;
``composite``: the comprehensive index and its ranking; ``yoy_ytd``: YoY and year-to-date for
every town; ``pipeline``: hourly → valid daily → daily AQI → valid monthly per station with
airlib's public functions, :mod:`benchmarks.pipeline`) and each variant (``airlib`` = :mod:`airlib.engine.citywide` streamed month by month,
``pandas`` = plain pandas reference, ``duckdb`` = DuckDB SQL reference, optionally ``dask`` =
:mod:`airlib.engine.backends` on a LocalCluster), the computation runs in its own subprocess, which
reports wall time of the computation (from Parquet to the result table; interpreter start and
imports excluded) and its peak resident memory (``VmHWM``, :func:`peak_rss_kib`; includes the interpreter and
imported libraries, whose baseline is printed too). The harness then checks that every variant
gives the same numbers: unrounded values within 1e-9 relative, published values and ranks
exactly.

For the ``micro`` size the references run on a sample (all stations of the first
``--sample-towns`` towns); airlib runs on the whole network (memory bounded by one month) and
on the same sample for the comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import datasets
from benchmarks.references import WORKLOADS

#: Every workload: the citywide town workloads and ``pipeline`` (per station, see
#: :mod:`benchmarks.pipeline`).
ALL_WORKLOADS = (*WORKLOADS, "pipeline")
#: Workloads outside the store harness, run in this process by their own module: ``micro_qc``
#: (micro-station sensor QC on a synthetic 2,000-sensor month against a pandas reference, and
#: the calibration / hot-spot steps when present; :mod:`benchmarks.micro_network`). Run with
#: ``--workload micro_qc``, and after the store workloads with ``--size micro``.
EXTRA_WORKLOADS = {"micro_qc": "benchmarks.micro_network"}
#: Variants that implement each workload (others are skipped for it).
VARIANTS_OF = {wl: ("airlib", "pandas", "duckdb", "airlib-api", "dask") for wl in WORKLOADS} | {"pipeline": ("airlib", "pandas")}

KEYS = ["town_code", "year", "month"]
EXACT = {"pm25_published", "index_published", "rank", "ytd_published", "yoy_pct", "ytd_yoy_pct"}


def _needed(workload: str) -> tuple[str, ...]:
    from airlib.pollutants import POLLUTANTS

    return ("pm25",) if workload in ("ranking", "yoy_ytd") else POLLUTANTS


def airlib_workload(root, dataset, stations, workload, *, only_registry=False) -> pd.DataFrame:
    """Run one workload with :mod:`airlib.engine.citywide` (streamed month by month from the store)."""
    from airlib.engine import citywide as cw

    table = cw.town_monthly_table(root, dataset, stations, pollutants=_needed(workload), only_registry=only_registry)
    fn = {"ranking": cw.monthly_ranking, "composite": cw.composite_ranking, "yoy_ytd": cw.yoy_ytd}[workload]
    return fn(table)


def airlib_api_workload(root, dataset, stations, workload, subset=None) -> pd.DataFrame:
    """The same workload through airlib's general public functions, month by month.

    ``airlib.io.store.read_hourly`` → ``airlib.standards.validity.daily_statistics`` →
    ``airlib.tracking.aggregation.aggregate_daily(level="town")`` → ``airlib.standards.validity.monthly_statistics``,
    then the ranking step of :mod:`airlib.engine.citywide`. A cross-check of those modules against the
    references (``ranking`` and ``composite`` only).
    """
    from airlib.engine import citywide as cw
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.io.store import read_hourly
    from airlib.standards.validity import daily_statistics, monthly_statistics

    if workload not in ("ranking", "composite"):
        raise ValueError("airlib-api covers the ranking and composite workloads")
    pollutants = list(_needed(workload))
    parts = []
    for year, month in cw.store_months(root, dataset):
        period = pd.Period(year=year, month=month, freq="M")
        hourly = read_hourly(root, dataset, start=str(period), end=str(period), stations=subset, columns=pollutants)
        daily = daily_statistics(hourly, pollutants, start=period.start_time, end=period.end_time.normalize())
        town = aggregate_daily(daily, stations, level="town")
        parts.append(monthly_statistics(town, by="town_code"))
    mon = pd.concat(parts, ignore_index=True)
    table = pd.DataFrame(
        {
            "town_code": mon["town_code"].astype("string"),
            "year": mon["month"].dt.year.astype("int64"),
            "month": mon["month"].dt.month.astype("int64"),
        }
    )
    for p in pollutants:
        if p != "o3":
            table[p] = mon[p].to_numpy()
    if workload == "ranking":
        return cw.monthly_ranking(table)
    table["co_p95"] = mon["co_p95"].to_numpy()
    table["o3_p90"] = mon["o3_8h_p90"].to_numpy()
    return cw.composite_ranking(table)


def dask_workload(root, dataset, stations, workload) -> pd.DataFrame:
    """Run one workload through :mod:`airlib.engine.backends` (Dask) on a 2-worker LocalCluster."""
    from distributed import Client, LocalCluster

    from airlib.engine import backends
    from airlib.engine import citywide as cw

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True) as cluster, Client(cluster):
        table = backends.town_monthly_table(root, dataset, stations, pollutants=_needed(workload))
    fn = {"ranking": cw.monthly_ranking, "composite": cw.composite_ranking, "yoy_ytd": cw.yoy_ytd}[workload]
    return fn(table)


def run_variant(variant: str, root, dataset, stations, workload, subset=None) -> pd.DataFrame:
    """Compute ``workload`` with ``variant`` (in this process)."""
    from benchmarks import references

    hd = datasets.hourly_dir(root, dataset)
    if workload == "pipeline":
        from benchmarks import pipeline

        if variant == "airlib":
            return pipeline.airlib_pipeline(root, dataset, subset)
        if variant == "pandas":
            return pipeline.pandas_reference(hd, subset)
        raise ValueError(f"variant {variant!r} does not implement the pipeline workload")
    if variant == "airlib":
        st = stations if subset is None else stations[stations["station"].isin(subset)]
        return airlib_workload(root, dataset, st, workload, only_registry=subset is not None)
    if variant == "pandas":
        return references.pandas_reference(hd, stations, workload, station_subset=subset)
    if variant == "duckdb":
        return references.duckdb_reference(hd, stations, workload, station_subset=subset)
    if variant == "airlib-api":
        return airlib_api_workload(root, dataset, stations, workload, subset)
    if variant == "dask":
        return dask_workload(root, dataset, stations, workload)
    raise ValueError(variant)


def _keys(frame: pd.DataFrame) -> list[str]:
    """Key columns of a workload table: ``station`` (pipeline) or ``town_code``, year, month."""
    return ["station", "year", "month"] if "station" in frame.columns else KEYS


def compare(a: pd.DataFrame, b: pd.DataFrame, *, rtol: float = 1e-9) -> dict[str, int]:
    """Mismatch counts per column between two workload tables (outer join on the unit
    (``town_code``, or ``station`` for the pipeline workload), year, month).

    A row present in one table only counts as all-NaN in the other. Unrounded columns are
    compared within ``rtol``; published values, ranks and counts (``*_n``, ``days_*``) exactly
    (NaN equals NaN).
    """
    keys = _keys(a)
    cols = [c for c in a.columns if c not in keys and c in b.columns]
    x = a.set_index(keys)[cols]
    y = b.set_index(keys)[cols]
    x.index = x.index.set_levels([lvl.astype(str) if i == 0 else lvl.astype("int64") for i, lvl in enumerate(x.index.levels)])
    y.index = y.index.set_levels([lvl.astype(str) if i == 0 else lvl.astype("int64") for i, lvl in enumerate(y.index.levels)])
    idx = x.index.union(y.index)
    x, y = x.reindex(idx), y.reindex(idx)
    out = {}
    for c in cols:
        u = x[c].astype("float64").to_numpy(na_value=np.nan)
        v = y[c].astype("float64").to_numpy(na_value=np.nan)
        both_nan = np.isnan(u) & np.isnan(v)
        if c in EXACT or c.endswith("_n") or c.startswith("days_"):
            same = both_nan | (u == v)
        else:
            same = both_nan | np.isclose(u, v, rtol=rtol, atol=0.0)
        out[c] = int((~same).sum())
    return out


def peak_rss_kib() -> int:
    """Peak resident memory of this process (KiB) since it started its program.

    ``VmHWM`` from ``/proc/self/status`` (Linux): the high-water mark of the process's own
    address space. Not ``ru_maxrss``: Linux carries that across ``fork`` + ``exec`` from the
    parent, so a worker started by a parent that had just built a store (~600 MiB) reported
    that as its own peak and baseline. Falls back to ``ru_maxrss`` where ``/proc`` is missing.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _worker(args: argparse.Namespace) -> None:
    root, dataset, stations = datasets.build(args.size, Path(args.root), seed=args.seed)
    subset = None
    if args.subset_file:
        subset = Path(args.subset_file).read_text().split()
    # warm imports and first-call paths outside the timing: run the variant once on the tiny store
    if args.variant != "dask":
        troot, tds, tst = datasets.build("tiny", Path(args.root), seed=0)
        run_variant(args.variant, troot, tds, tst, args.workload)
    baseline = peak_rss_kib()
    t0 = time.perf_counter()
    result = run_variant(args.variant, root, dataset, stations, args.workload, subset)
    seconds = time.perf_counter() - t0
    # VmHWM is refreshed lazily by the kernel and can read lower after RSS was given back
    # (e.g. madvise): the high-water mark since start is at least the baseline reading
    peak = max(peak_rss_kib(), baseline)
    result.to_parquet(args.out)
    print(json.dumps({"seconds": seconds, "peak_kib": peak, "baseline_kib": baseline, "rows_out": len(result)}))


def measure(variant, size, workload, root, seed, subset=None) -> tuple[dict, pd.DataFrame]:
    """Run one variant in a subprocess; return its measurements and result table."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.parquet"
        cmd = [sys.executable, "-m", "benchmarks.run", "--worker", "--variant", variant, "--size", size,
               "--workload", workload, "--root", str(root), "--seed", str(seed), "--out", str(out)]
        if subset is not None:
            sf = Path(tmp) / "subset.txt"
            sf.write_text("\n".join(subset))
            cmd += ["--subset-file", str(sf)]
        env = dict(os.environ)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"{variant}/{workload} failed:\n{proc.stderr[-4000:]}")
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        return info, pd.read_parquet(out)


def count_rows(root, dataset, subset=None) -> int:
    """Station-hours (rows) in the store, or in ``subset`` of stations."""
    import pyarrow.dataset as ds

    d = ds.dataset(datasets.hourly_dir(root, dataset), format="parquet", partitioning="hive")
    if subset is None:
        return d.count_rows()
    import pyarrow.compute as pc

    return d.count_rows(filter=pc.field("station").isin(list(subset)))


def interactive_latency(root, dataset, stations, repeats: int = 5) -> dict:
    """Seconds to rank every town for one month from the store (first call and median of repeats)."""
    from airlib.engine import citywide as cw

    months = cw.store_months(root, dataset)
    year, month = months[-1]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        cw.rank_month(root, dataset, stations, year, month)
        times.append(time.perf_counter() - t0)
    return {"month": f"{year}-{month:02d}", "first_s": times[0], "median_s": float(np.median(times))}


def benchmark(size: str, *, root=datasets.DEFAULT_ROOT, seed=0, workloads=ALL_WORKLOADS, variants=("airlib", "pandas", "duckdb"),
              sample_towns: int | None = None, log=print) -> list[dict]:
    """Run the benchmark for one size; return one record per (workload, variant)."""
    t0 = time.perf_counter()
    root, dataset, stations = datasets.build(size, Path(root), seed=seed)
    log(f"[{size}] store ready in {time.perf_counter() - t0:.1f} s: {datasets.hourly_dir(root, dataset)}")
    subset = None
    if sample_towns:
        towns = sorted(stations["town_code"].unique())[:sample_towns]
        subset = stations.loc[stations["town_code"].isin(towns), "station"].astype(str).tolist()
    n_all = count_rows(root, dataset)
    n_sub = count_rows(root, dataset, subset) if subset is not None else n_all
    log(f"[{size}] {len(stations)} stations, {stations['town_code'].nunique()} towns, {n_all:,} station-hours"
        + (f"; sample {len(subset)} stations, {n_sub:,} station-hours" if subset else ""))
    records = []
    for wl in workloads:
        results = {}
        if subset is not None:  # airlib on the whole network, for speed and memory
            info, _ = measure("airlib", size, wl, root, seed)
            rec = {"size": size, "workload": wl, "variant": "airlib (all)", "rows": n_all, **info}
            rec["rows_per_s"] = n_all / info["seconds"]
            records.append(rec)
            log(_fmt(rec))
        for var in variants:
            if var not in VARIANTS_OF[wl]:
                log(f"  {wl:<9} {var:<16} (not implemented for this workload; skipped)")
                continue
            info, res = measure(var, size, wl, root, seed, subset)
            n = n_sub
            rec = {"size": size, "workload": wl, "variant": var + (" (sample)" if subset else ""), "rows": n, **info}
            rec["rows_per_s"] = n / info["seconds"]
            results[var] = (rec, res)
            records.append(rec)
        base = results["airlib"][0]["seconds"] if "airlib" in results else None
        for var, (rec, res) in results.items():
            if base is not None and var != "airlib":
                results["airlib"][0][f"ratio_vs_{var}"] = rec["seconds"] / base
            if var != "airlib" and "airlib" in results:
                rec["mismatches"] = compare(results["airlib"][1], res)
        for var, (rec, _) in results.items():
            log(_fmt(rec))
    return records


def _fmt(rec: dict) -> str:
    peak = rec["peak_kib"] / 1024
    base = rec["baseline_kib"] / 1024
    s = (f"  {rec['workload']:<9} {rec['variant']:<16} {rec['seconds']:8.2f} s  {rec['rows_per_s'] / 1e6:7.2f} M rows/s  "
         f"peak {peak:7.0f} MiB (baseline {base:.0f})")
    ratios = [f"{k[9:]}/airlib {v:.1f}x" for k, v in rec.items() if k.startswith("ratio_vs_")]
    if ratios:
        s += "  " + ", ".join(ratios)
    if "mismatches" in rec:
        bad = {k: v for k, v in rec["mismatches"].items() if v}
        s += "  same numbers" if not bad else f"  MISMATCH {bad}"
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="uci", choices=["uci", "district", "city", "micro", "tiny", "quick"])
    ap.add_argument("--quick", action="store_true", help="with --size city or micro: run the small 'quick' store instead (349 towns, 2 years x 2 months); uci and district are small already")
    ap.add_argument("--root", default=str(datasets.DEFAULT_ROOT))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workload", default=None, choices=[*ALL_WORKLOADS, *EXTRA_WORKLOADS])
    ap.add_argument("--variants", default="airlib,pandas,duckdb")
    ap.add_argument("--sample-towns", type=int, default=None, help="references on the stations of the first N towns (default 20 for micro)")
    ap.add_argument("--latency", action="store_true", help="also time the one-month ranking (interactive use)")
    ap.add_argument("--json", default=None, help="write all records to this JSON file")
    # internal: one measurement in a subprocess
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--variant", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--subset-file", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(args)
        return 0
    size = "quick" if args.quick and args.size in ("city", "micro") else args.size
    micro_rc = 0
    if args.workload in EXTRA_WORKLOADS or (args.workload is None and size == "micro"):
        from benchmarks import micro_network

        n_micro = "200" if args.quick else "2000"
        micro_rc = micro_network.main(["--stations", n_micro, "--seed", str(args.seed), "--repeat", "1"])
        if args.workload in EXTRA_WORKLOADS:
            return micro_rc
    sample = args.sample_towns if args.sample_towns is not None else (20 if size == "micro" else None)
    workloads = (args.workload,) if args.workload else ALL_WORKLOADS
    records = benchmark(size, root=args.root, seed=args.seed, workloads=workloads, variants=tuple(args.variants.split(",")),
                        sample_towns=sample)
    if args.latency:
        root, dataset, stations = datasets.build(size, Path(args.root), seed=args.seed)
        lat = interactive_latency(root, dataset, stations)
        print(f"[{size}] one-month ranking of every town from the store: first {lat['first_s'] * 1000:.0f} ms, "
              f"median {lat['median_s'] * 1000:.0f} ms ({lat['month']})")
        records.append({"size": size, "latency": lat})
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1, default=str))
    bad = [r for r in records if any(r.get("mismatches", {}).values())]
    return 1 if bad or micro_rc else 0


if __name__ == "__main__":
    raise SystemExit(main())
