"""The ``pipeline`` workload: hourly → valid daily → daily AQI → valid monthly, per station.

This is the chain of the foundation issue, run with airlib's **public** functions and checked
against a plain-pandas reference that must give the same numbers:

* :func:`airlib_pipeline`: chunk by chunk over the store, ``airlib.io.store.read_hourly`` →
  ``airlib.standards.validity.daily_statistics`` (valid daily means, MDA8, daily max 1-h O3) →
  ``airlib.standards.aqi.daily_aqi`` (IAQI, AQI, category and primary pollutant per station-day, HJ 633
  version chosen per row from the date) → ``airlib.standards.validity.monthly_statistics`` (valid
  monthly means, valid-day counts, CO P95, O3 P90), then the days of each AQI level are
  counted per station and month.
* :func:`pandas_reference`: the same numbers the way an analyst would write them in plain
  pandas: the whole store in one frame, ``groupby(["station", "date"])`` mean/count/max with a
  reindex to the full calendar, ``groupby("station").apply`` with ``rolling(8,
  min_periods=6)`` for MDA8, IAQI by ``np.interp`` on the HJ 633—2012 breakpoints written out
  below, ``pd.cut`` for categories, ``groupby.quantile`` for percentiles.

Result (both): one row per station and month in which the station has at least one hourly
row: ``station, year, month``; valid monthly means ``pm25, pm10, so2, no2, co`` (NaN unless
≥ 27 valid days, ≥ 25 in February); valid-day counts ``<p>_n`` (also ``o3_8h_n``);
``co_p95`` and ``o3_p90`` (type-7 percentiles of the valid daily CO means / MDA8, NaN unless
the month is valid); ``days_level1`` … ``days_level6``: days whose daily AQI falls in each
HJ 633 category (优 … 严重污染); days without an AQI (no valid pollutant) are in none;
``days_primary_<p>``: days on which pollutant ``p`` is (one of) the primary pollutant(s)
(AQI > 50 and its IAQI equals the AQI; O3 by its 8-h or 1-h IAQI).

The reference implements HJ 633—2012 only. The benchmark data lies in 2013–2017 (UCI) and
2020–2024 (synthetic sizes), all before 2026-03-01, so HJ 633—2012 is the version airlib
chooses for every row; data on or after 2026-03-01 would need the HJ 633—2026 table
(different PM breakpoints, concentrations rounded first, no O3 1 h, the §5.3.1 missing rule),
which this reference does not implement (:func:`pandas_reference` refuses such dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

MEAN = ["pm25", "pm10", "so2", "no2", "co"]
POLLUTANTS = [*MEAN, "o3"]
LEVELS = [f"days_level{i}" for i in range(1, 7)]
#: Labels of the primary pollutants in ``airlib.standards.aqi.daily_aqi`` output, per pollutant.
PRIMARY_LABELS = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3"}
PRIMARY = [f"days_primary_{p}" for p in PRIMARY_LABELS]
#: Result columns other than the keys (station, year, month).
RESULT_COLUMNS = [*MEAN, "co_p95", "o3_p90", *[f"{p}_n" for p in MEAN], "o3_8h_n", *LEVELS, *PRIMARY]


def _store_months(hourly_dir: Path) -> list[tuple[int, int]]:
    out = []
    for ydir in Path(hourly_dir).glob("year=*"):
        for mdir in ydir.glob("month=*"):
            out.append((int(ydir.name.split("=")[1]), int(mdir.name.split("=")[1])))
    return sorted(out)


# ------------------------------------------------------------------------------- airlib
def airlib_chunk(hourly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, months: Iterable[tuple[int, int]]) -> pd.DataFrame:
    """The pipeline on a chunk of canonical hourly data (all pollutants), days ``start..end``.

    Only the months in ``months`` (``(year, month)`` pairs present in the store) are returned,
    and only the stations with at least one hourly row in that month.
    """
    from airlib.standards.aqi import daily_aqi
    from airlib.standards.validity import daily_statistics, monthly_statistics

    daily = daily_statistics(hourly, POLLUTANTS, start=start, end=end)
    report = daily_aqi(daily)  # HJ 633 version per row from the date
    mon = monthly_statistics(report, by="station")
    # days per AQI level, per station and month: one bincount over (station, month, level)
    scodes, suniq = pd.factorize(report["station"], sort=True)
    mcode = report["date"].to_numpy().astype("datetime64[M]").astype(np.int64)
    m0 = int(mcode.min())
    n_m = int(mcode.max()) - m0 + 1
    level = report["level"].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = ~np.isnan(level)
    cell = (scodes[ok] * n_m + (mcode[ok] - m0)) * 6 + level[ok].astype(np.int64) - 1
    counts = np.bincount(cell, minlength=len(suniq) * n_m * 6).reshape(-1, 6)
    mon_m = mon["month"].to_numpy().astype("datetime64[M]").astype(np.int64)
    pos = pd.Index(suniq).get_indexer(mon["station"]) * n_m + (mon_m - m0)
    out = pd.DataFrame(
        {
            "station": mon["station"].astype("string").to_numpy(),
            "year": mon_m // 12 + 1970,
            "month": mon_m % 12 + 1,
        }
    )
    for p in MEAN:
        out[p] = mon[p].to_numpy()
    out["co_p95"] = mon["co_p95"].to_numpy()
    out["o3_p90"] = mon["o3_8h_p90"].to_numpy()
    for p in [*MEAN, "o3_8h"]:
        out[f"{p}_n"] = mon[f"{p}_n"].to_numpy()
    for j, name in enumerate(LEVELS):
        out[name] = counts[pos, j]
    cellcode = scodes * n_m + (mcode - m0)
    primary = report["primary_pollutant"]
    for p, label in PRIMARY_LABELS.items():
        hit = primary.str.contains(label, regex=False).to_numpy(dtype=bool, na_value=False)
        out[f"days_primary_{p}"] = np.bincount(cellcode[hit], minlength=len(suniq) * n_m)[pos]
    # keep (station, month) with hourly rows: daily_statistics gave every station every day
    hm = hourly["time"].to_numpy().astype("datetime64[M]").astype(np.int64)
    hcodes, huniq = pd.factorize(hourly["station"])  # Arrow dictionary encoding, no Python strings
    hs = pd.Index(suniq).get_indexer(huniq)[hcodes]
    present = np.zeros(len(suniq) * n_m, dtype=bool)
    present[hs * n_m + (hm - m0)] = True
    in_store = np.isin(out["year"].to_numpy() * 100 + out["month"].to_numpy(), [y * 100 + m for y, m in months])
    return out[present[pos] & in_store].reset_index(drop=True)


#: Target station-hours per chunk of :func:`airlib_pipeline` with ``chunk="auto"``.
CHUNK_ROWS = 500_000


def _chunks(root, dataset: str, chunk: str | int) -> list[list[tuple[int, int]]]:
    """Store months grouped into chunks: one per ``"month"``, per ``"year"``, or consecutive
    months up to about ``CHUNK_ROWS`` station-hours (``"auto"``; or an int row target), the
    row counts taken from the Parquet footers."""
    import pyarrow.parquet as pq

    from airlib.io.store import hourly_dir

    base = hourly_dir(root, dataset)
    months = _store_months(base)
    if chunk in ("month", "year"):
        groups: dict[object, list[tuple[int, int]]] = {}
        for y, m in months:
            groups.setdefault(y if chunk == "year" else (y, m), []).append((y, m))
        return list(groups.values())
    target = CHUNK_ROWS if chunk == "auto" else int(chunk)
    out: list[list[tuple[int, int]]] = []
    rows = 0
    for y, m in months:
        n = sum(pq.ParquetFile(f).metadata.num_rows for f in (base / f"year={y}" / f"month={m}").glob("*.parquet"))
        if not out or rows + n > target:
            out.append([])
            rows = 0
        out[-1].append((y, m))
        rows += n
    return out


def airlib_pipeline(root, dataset: str, stations: Iterable[str] | None = None, chunk: str | int = "auto") -> pd.DataFrame:
    """The pipeline with airlib's public functions, streamed over the store in chunks.

    ``chunk``: ``"month"`` or ``"year"`` of the store per step, or ``"auto"`` (default):
    consecutive months up to about ``CHUNK_ROWS`` station-hours, which amortises the fixed
    cost per call on small stores (UCI: the whole store is one chunk) and bounds memory on
    large ones (city: two months). Chunks are independent (daily statistics use only the
    hours of their day, monthly statistics only the days of their month), so the result does
    not depend on the chunking.
    """
    from airlib.io.store import read_hourly

    subset = None if stations is None else [str(s) for s in stations]
    parts = []
    for ms in _chunks(root, dataset, chunk):
        first = pd.Period(year=ms[0][0], month=ms[0][1], freq="M")
        last = pd.Period(year=ms[-1][0], month=ms[-1][1], freq="M")
        hourly = read_hourly(root, dataset, start=str(first), end=str(last), stations=subset, columns=POLLUTANTS)
        if len(hourly):
            parts.append(airlib_chunk(hourly, first.start_time, last.end_time.normalize(), ms))
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------------- plain pandas
#: HJ 633—2012 Table 1 breakpoints (µg/m³; CO mg/m³) for the daily report, IAQI 0, 50, … 500.
HJ633_2012_DAILY = {
    "pm25": [0, 35, 75, 115, 150, 250, 350, 500],
    "pm10": [0, 50, 150, 250, 350, 420, 500, 600],
    "so2": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "no2": [0, 40, 80, 180, 280, 565, 750, 940],
    "co": [0, 2, 4, 14, 24, 36, 48, 60],
    "o3_8h": [0, 100, 160, 215, 265, 800],  # > 800: no 8-h IAQI (Table 1 note 3)
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
}
IAQI_VALUES = [0, 50, 100, 150, 200, 300, 400, 500]


def _iaqi_2012(conc: pd.Series, indicator: str) -> pd.Series:
    """HJ 633—2012 eq. (1), rounded up (§6.2). Above the table: the top IAQI (500), except
    O3 8 h > 800 which has no IAQI. The interpolated value is rounded to 9 decimals before the
    ceiling so that a breakpoint concentration gives exactly the breakpoint IAQI."""
    bp = HJ633_2012_DAILY[indicator]
    v = np.interp(conc.to_numpy(dtype=float, na_value=np.nan), bp, IAQI_VALUES[: len(bp)])
    v = np.ceil(np.round(v, 9))
    if indicator == "o3_8h":
        v[conc.to_numpy(dtype=float, na_value=np.nan) > 800] = np.nan
    return pd.Series(v, index=conc.index)


def pandas_reference(hourly_dir, station_subset: Iterable[str] | None = None) -> pd.DataFrame:
    """Plain-pandas reference of the pipeline workload (HJ 633—2012 only, see module doc)."""
    from benchmarks.references import _mda8_one_station

    filters = None if station_subset is None else [("station", "in", list(station_subset))]
    h = pd.read_parquet(hourly_dir, columns=["station", "time", *POLLUTANTS], filters=filters)
    h = h[["station", "time", *POLLUTANTS]]
    h["station"] = h["station"].astype("string")
    if (h["time"] >= pd.Timestamp("2026-03-01")).any():
        raise NotImplementedError("the reference implements HJ 633-2012 only (data before 2026-03-01)")
    h["date"] = h["time"].dt.floor("D")

    # valid daily values: >= 20 valid hours, the day's maximum 1-h O3 likewise
    g = h.groupby(["station", "date"])
    daily = g[MEAN].mean().where(g[MEAN].count() >= 20)
    daily["o3_1h"] = g["o3"].max().where(g["o3"].count() >= 20)
    mda8 = h.groupby("station")[["time", "o3"]].apply(_mda8_one_station)
    mda8 = mda8.stack() if isinstance(mda8, pd.DataFrame) else mda8
    mda8.index.names = ["station", "date"]

    # the full calendar: every day of every month in which a station has data
    pairs = h[["station", "date"]].assign(month=h["date"].dt.to_period("M"))[["station", "month"]].drop_duplicates()
    cal = [(s, d) for s, m in zip(pairs["station"], pairs["month"]) for d in pd.date_range(m.start_time, m.end_time.normalize())]
    full = pd.MultiIndex.from_tuples(cal, names=["station", "date"]).sort_values()
    daily = daily.reindex(full)
    daily["o3_8h"] = mda8.reindex(full)

    # daily AQI (HJ 633—2012): IAQI of each valid daily value, AQI = max, category by pd.cut
    iaqi = pd.DataFrame({c: _iaqi_2012(daily[c], c) for c in [*MEAN, "o3_8h", "o3_1h"]})
    daily["aqi"] = iaqi.max(axis=1)
    for p in PRIMARY_LABELS:  # primary pollutant: AQI > 50 and the pollutant's IAQI equals it
        hit = iaqi[p].eq(daily["aqi"]) if p != "o3" else iaqi["o3_8h"].eq(daily["aqi"]) | iaqi["o3_1h"].eq(daily["aqi"])
        daily[f"primary_{p}"] = hit & daily["aqi"].gt(50)
    daily["level"] = pd.cut(daily["aqi"], bins=[-np.inf, 50, 100, 150, 200, 300, np.inf], labels=[1, 2, 3, 4, 5, 6])

    # valid monthly statistics
    daily = daily.reset_index()
    daily["year"] = daily["date"].dt.year
    daily["month"] = daily["date"].dt.month
    keys = ["station", "year", "month"]
    gm = daily.groupby(keys)
    values = [*MEAN, "o3_8h"]
    monthly = gm[values].mean()
    n = gm[values].count()
    need = np.where(monthly.index.get_level_values("month") == 2, 25, 27)
    valid = n.ge(need, axis=0)
    out = monthly[MEAN].where(valid[MEAN])
    out["co_p95"] = gm["co"].quantile(0.95).where(valid["co"])
    out["o3_p90"] = gm["o3_8h"].quantile(0.90).where(valid["o3_8h"])
    for c in values:
        out[f"{c}_n"] = n[c]
    days = pd.crosstab([daily["station"], daily["year"], daily["month"]], daily["level"])
    days = days.reindex(columns=[1, 2, 3, 4, 5, 6], fill_value=0).reindex(out.index, fill_value=0)
    for i, name in enumerate(LEVELS, start=1):
        out[name] = days[i].astype("int64")
    for p in PRIMARY_LABELS:
        out[f"days_primary_{p}"] = gm[f"primary_{p}"].sum().astype("int64")
    out = out.reset_index()
    out["year"] = out["year"].astype("int64")
    out["month"] = out["month"].astype("int64")
    return out[["station", "year", "month", *RESULT_COLUMNS]]
