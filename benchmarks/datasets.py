"""Benchmark data sets: the real UCI stations and synthetic district/city/micro networks.

The synthetic networks use the real 349 township codes of Beijing
(``../shared/data/geo/beijing-townships-nbs2023.csv``). Values are deterministic for a given
seed and realistic enough to exercise every validity rule:

* integer µg/m³ values (CO in mg/m³ to 0.1), as delivered by the monitoring network;
* ~2 % of single values missing (NaN) per pollutant;
* ~1.5 % of station-hours missing as *rows* (a missing row must count exactly like NaN);
* outages: each station-month has a 6 % chance of losing 2–9 whole consecutive days, so some
  months fall below the 27-day (25 in February) rule and some days below 20 valid hours;
* O3 with a diurnal cycle, so MDA8 exceeds 160 µg/m³ on some summer days.

The hourly data is written to the partitioned store layout of ``docs/architecture.md``
(``<root>/<dataset>/hourly/year=YYYY/month=M/part-0.parquet``), one month at a time, so the
micro-station set (~88 M station-hours) never sits in memory as a whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from airlib.paths import shared_data_dir
from airlib.pollutants import POLLUTANTS
from airlib.io import store
from airlib.io.store import PARQUET_COMPRESSION, atomic_write, write_hourly

#: Where benchmark data goes by default (gitignored).
DEFAULT_ROOT = Path(__file__).resolve().parent / ".data"


@dataclass(frozen=True)
class Size:
    """A benchmark size: ``n_towns`` towns with ``stations_per_town`` … over ``years``."""

    name: str
    district: str | None  # restrict towns to this district code (None = whole city)
    n_stations: int
    years: tuple[int, ...]
    months: tuple[int, ...] = tuple(range(1, 13))


SIZES: dict[str, Size] = {
    # 13 towns of 门头沟区 (110109) x 10 years, one station per town: ~1.1 M station-hours
    "district": Size("district", "110109", 13, tuple(range(2015, 2025))),
    # 349 towns x 5 years, one station per town: ~15.3 M station-hours
    "city": Size("city", None, 349, tuple(range(2020, 2025))),
    # 2,000 micro-stations spread over the 349 towns x 5 years: ~87.6 M station-hours
    "micro": Size("micro", None, 2000, tuple(range(2020, 2025))),
    # tiny sizes for tests and --quick
    "tiny": Size("tiny", "110109", 13, (2023, 2024), (1, 2, 3)),
    "quick": Size("quick", None, 349, (2023, 2024), (1, 2)),
}


def towns() -> pd.DataFrame:
    """The 349 township-level units of Beijing (``town_code``, ``town_name``, ``district_code``)."""
    path = shared_data_dir() / "geo" / "beijing-townships-nbs2023.csv"
    raw = pd.read_csv(path, dtype=str)
    return pd.DataFrame(
        {
            "town_code": raw["code"].astype("string"),
            "town_name": raw["name"].astype("string"),
            "district_code": raw["areaCode"].astype("string"),
        }
    )


def stations_for(size: Size) -> pd.DataFrame:
    """Station registry of a synthetic size: ``station``, ``town_code``, ``lon``, ``lat``, ``source``.

    Stations are dealt round-robin over the towns, so every town has at least one station
    when ``n_stations >= n_towns``.
    """
    t = towns()
    if size.district is not None:
        t = t[t["district_code"] == size.district].reset_index(drop=True)
    n_towns = len(t)
    idx = np.arange(size.n_stations)
    town_idx = idx % n_towns
    k = idx // n_towns + 1
    codes = t["town_code"].to_numpy()[town_idx]
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "station": pd.array([f"{c}-{j:02d}" for c, j in zip(codes, k, strict=True)], dtype="string"),
            "station_name": pd.array([f"{n}{j}号点" for n, j in zip(t["town_name"].to_numpy()[town_idx], k, strict=True)], dtype="string"),
            "town_code": pd.array(codes, dtype="string"),
            "lon": 116.4 + rng.normal(0, 0.3, size.n_stations),
            "lat": 39.9 + rng.normal(0, 0.2, size.n_stations),
            "source": pd.array(["synthetic"] * size.n_stations, dtype="string"),
        }
    )


def synthetic_month(stations: pd.DataFrame, year: int, month: int, seed: int = 0) -> pd.DataFrame:
    """Synthetic canonical hourly frame (pollutants only) for one month of all ``stations``.

    Deterministic in ``(seed, year, month)`` and the station list. Rows are dropped to model
    missing station-hours; single values are NaN to model invalid hours.
    """
    n = len(stations)
    start = pd.Timestamp(year, month, 1)
    n_days = start.days_in_month
    n_hours = n_days * 24
    rng = np.random.default_rng([seed, year, month, n])
    hours = np.arange(n_hours)
    hod = hours % 24
    day = hours // 24
    season = np.cos(2 * np.pi * (month - 1) / 12)  # +1 in January, -1 in July
    trend = 1.0 - 0.05 * (year - 2015)

    st_level = np.random.default_rng([seed, n]).normal(0, 0.15, n)[:, None]
    day_eff = rng.normal(0, 0.55, n_days)[day][None, :]  # shared city-wide weather
    local = rng.normal(0, 0.25, (n, n_days))[:, day]
    noise = rng.normal(0, 0.25, (n, n_hours))
    pm25 = np.exp(np.log(42 * trend) + 0.25 * season + st_level + day_eff + local + noise)
    pm25 = np.clip(np.round(pm25), 2, 900)
    pm10 = np.round(pm25 * 1.45 + rng.gamma(2.0, 8.0, (n, n_hours)))
    so2 = np.round(np.clip(4 + 3 * season + rng.gamma(1.5, 1.5, (n, n_hours)), 1, None))
    no2 = np.round(np.clip(30 + 8 * season + 0.3 * pm25 + rng.normal(0, 8, (n, n_hours)), 2, None))
    co = np.round(np.clip(0.5 + 0.01 * pm25 + rng.normal(0, 0.1, (n, n_hours)), 0.1, None), 1)
    diurnal = np.clip(np.sin(np.pi * (hod - 7) / 12), 0, None)[None, :]
    o3 = np.round(np.clip((40 - 30 * season) * (0.6 + 2.2 * diurnal) + rng.normal(0, 12, (n, n_hours)), 2, None))
    values = {"pm25": pm25, "pm10": pm10, "so2": so2, "no2": no2, "co": co, "o3": o3}

    for name in POLLUTANTS:  # ~2 % invalid single values
        arr = values[name]
        arr[rng.random((n, n_hours)) < 0.02] = np.nan

    keep = rng.random((n, n_hours)) >= 0.015  # ~1.5 % missing rows
    outage = rng.random(n) < 0.06  # station-months with a multi-day outage
    for s in np.flatnonzero(outage):
        length = int(rng.integers(2, 10))
        first = int(rng.integers(0, n_days - length + 1))
        keep[s, first * 24 : (first + length) * 24] = False
    # a partial day: 5 hours missing, so the day has 19 valid hours at most
    partial = rng.random(n) < 0.05
    for s in np.flatnonzero(partial):
        d = int(rng.integers(0, n_days))
        keep[s, d * 24 + 3 : d * 24 + 8] = False

    s_idx, h_idx = np.nonzero(keep)
    times = start.to_datetime64().astype("datetime64[ns]") + h_idx.astype("timedelta64[h]")
    frame = pd.DataFrame(
        {
            "station": pd.array(stations["station"].to_numpy()[s_idx], dtype="string"),
            "time": times,
        }
    )
    for name in POLLUTANTS:
        frame[name] = values[name][s_idx, h_idx]
    return frame


def hourly_dir(root: Path, dataset: str) -> Path:
    """The hive-partitioned hourly folder of ``dataset``'s current version (:func:`airlib.io.store.hourly_dir`)."""
    return store.hourly_dir(root, dataset)


def write_month(frame: pd.DataFrame, root: Path, dataset: str, year: int, month: int) -> Path:
    """Write one month of the hourly frame with :func:`airlib.io.store.write_hourly`.

    The partition is :func:`airlib.io.store.partition_path` (``…/hourly/year=Y/month=M/part-0.parquet``);
    inside an open :func:`airlib.io.store.transaction` the month is staged and published with the rest.
    """
    write_hourly(frame, root, dataset, source="benchmark-synthetic")
    return store.partition_path(root, dataset, year, month)


def uci_frame() -> pd.DataFrame:
    """The 12 UCI stations as a canonical hourly frame (pollutants only; CO → mg/m³).

    Hour labels are taken as hour-beginning (the UCI files do not say; see data README).
    """
    folder = shared_data_dir() / "uci-beijing-multisite"
    parts = []
    for path in sorted(folder.glob("PRSA_Data_*.csv")):
        raw = pd.read_csv(path, usecols=["year", "month", "day", "hour", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "station"])
        parts.append(
            pd.DataFrame(
                {
                    "station": raw["station"].astype("string"),
                    "time": pd.to_datetime(raw[["year", "month", "day", "hour"]]),
                    "pm25": raw["PM2.5"].astype("float64"),
                    "pm10": raw["PM10"].astype("float64"),
                    "so2": raw["SO2"].astype("float64"),
                    "no2": raw["NO2"].astype("float64"),
                    "co": raw["CO"].astype("float64") / 1000.0,
                    "o3": raw["O3"].astype("float64"),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def uci_stations() -> pd.DataFrame:
    """Registry for the UCI stations; each station is its own ranking unit (``town_code``)."""
    coords = pd.read_csv(shared_data_dir() / "geo" / "uci12_station_coords.csv")
    return pd.DataFrame(
        {
            "station": coords["station"].astype("string"),
            "station_name": coords["name_cn"].astype("string"),
            "town_code": coords["station"].astype("string"),
            "lon": coords["lon"],
            "lat": coords["lat"],
            "source": pd.array(["UCI"] * len(coords), dtype="string"),
        }
    )


def build(size_name: str, root: Path = DEFAULT_ROOT, *, seed: int = 0, force: bool = False) -> tuple[Path, str, pd.DataFrame]:
    """Build (once) the store for ``size_name``; return ``(root, dataset, stations)``.

    A ``_complete.json`` marker makes repeated calls free.
    """
    root = Path(root)
    dataset = f"bench-{size_name}-s{seed}"
    marker = root / dataset / "_complete.json"
    # a store written with another codec (the store's default changed) is rebuilt
    if marker.exists() and json.loads(marker.read_text()).get("compression") != PARQUET_COMPRESSION:
        force = True
    stations = uci_stations() if size_name == "uci" else stations_for(SIZES[size_name])
    if force or not marker.exists():
        # one store transaction: every month and the registry are published together
        with store.transaction(root, dataset, replace=True) as tx:
            if size_name == "uci":
                frame = uci_frame()
                key = frame["time"].dt.year * 100 + frame["time"].dt.month
                for k, part in frame.groupby(key, sort=True):
                    write_month(part.reset_index(drop=True), root, dataset, int(k) // 100, int(k) % 100)
            else:
                size = SIZES[size_name]
                for year in size.years:
                    for month in size.months:
                        write_month(synthetic_month(stations, year, month, seed), root, dataset, year, month)
            tx.write_registry(stations, "stations")
        with atomic_write(marker) as tmp:
            tmp.write_text(json.dumps({"size": size_name, "seed": seed, "compression": PARQUET_COMPRESSION}))
    return root, dataset, stations


def months_in_store(root: Path, dataset: str) -> list[tuple[int, int]]:
    """``(year, month)`` partitions present in the store, sorted."""
    out = []
    for ydir in hourly_dir(root, dataset).glob("year=*"):
        for mdir in ydir.glob("month=*"):
            out.append((int(ydir.name.split("=")[1]), int(mdir.name.split("=")[1])))
    return sorted(out)


def read_month(root: Path, dataset: str, year: int, month: int) -> pd.DataFrame:
    """One month of the store as a pandas hourly frame (pollutant columns, station, time)."""
    folder = hourly_dir(root, dataset) / f"year={year}" / f"month={month}"
    tables = [pq.read_table(p, columns=["station", "time", *POLLUTANTS]) for p in sorted(folder.glob("*.parquet"))]
    return pa.concat_tables(tables).to_pandas()
