"""SYNTHETIC micro-stations (小微站) of the demo district, with realistic sensor faults.

Issue #17 item 6. 60 low-cost PM sensors spread over the 13 towns of the demo district (inside
each town's schematic polygon, within ~1.5 km of the seat), for the last three months of the
demo. Each sensor sees the air of its town's first demo station (the reference, ``SYN-MTG-NN``)
through a sensor response:

    pm25 = ref_pm25 · gain · (1 + a · max(0, (RH − 60) / 40) ^ b) · lognormal(0, 0.08) + N(0, 2)

(``gain`` 0.85–1.25, ``a`` 0.4–0.9, ``b`` 1.5–2.5 per sensor; PM10 likewise with its own gain and
half the humidity response; RH from the reference's temperature and dew point), a daytime local
source at four sensors (+15–30 µg/m³ 08–18 h, the hot spots of 热点网格 screening), values reported
to 0.1 µg/m³.

**Co-location period (比对期).** Every sensor first stands beside its reference station for
``COLOCATION_HOURS`` (the first 14 days of its data; a demo choice, UNVERIFIED as a practice
length): its reading is then the reference's air through the same response (gain, humidity bias,
noise; faults that fall in it stay as they are) but WITHOUT its local source, which it sees only
once deployed. The windows are written to ``micro/micro_colocation.csv`` (``station, reference,
start, end``; hour-beginning labels, ``end`` inclusive, like ``micro_faults.csv``), the basis of
``fit_calibration(..., colocation=...)`` (docs/micro_stations.md, "校准 Calibration"). Injected faults (PM2.5; the stuck sensor freezes PM10 too),
each listed in the truth table ``micro/micro_faults.csv``:

* ``stuck``: 2 sensors frozen at one value for 36 h;
* ``drift``: 2 sensors whose gain rises linearly by 30 % over the three months;
* ``spike``: 12 single-hour spikes of +200–400 µg/m³ on 6 sensors;
* ``step``: 1 sensor whose gain jumps by 60 % and stays (e.g. a replaced optical chamber);
* ``gap``: 1 sensor with 5 days of absent rows, 1 with 3 days of empty values; besides, 0.5 % of
  all hours are empty at random.

The per-sensor response (gain, a, b, local source) is in ``micro/micro_sensor_response.csv`` for
the calibration and hot-spot tests. :func:`load_demo_micro` reads the written files back (with the
reference stations and their hours) for ``notebooks/micro_stations.ipynb``; :func:`fault_detection`
and :func:`detection_by_kind` compare QC flags with the truth table. Everything here is SYNTHETIC (ids ``SYN-MTG-M-NN``, names
``<town>小微站N(合成)``, source ``synthetic-demo-micro``, ``station_class`` ``micro``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, NamedTuple

import numpy as np
import pandas as pd
import shapely

from airlib.analysis.attribution import relative_humidity
from airlib.demo.boundaries import schematic_town_polygons
from airlib.demo.registry import TOWNS
from airlib.errors import InputDataError
from airlib.files import atomic_write_bytes
from airlib.io.ingest import read_station_table, read_stations, read_towns
from airlib.io.micro_stations import read_colocation, read_micro_hourly
from airlib.paths import raw_dir

__all__ = ["MICRO_SOURCE", "MICRO_MONTHS", "COLOCATION_HOURS", "micro_stations_frame", "generate_micro_stations",
           "write_micro_stations", "DemoMicro", "load_demo_micro", "fault_detection",
           "detection_by_kind"]

MICRO_SOURCE: Final = "synthetic-demo-micro"
#: Months of micro-station data, ending with the demo's last month.
MICRO_MONTHS: Final = 3
#: Length of each sensor's co-location period (比对期) beside its reference station, at the start
#: of its data [h]: 14 days, a demo choice (UNVERIFIED: long enough for a training window of
#: ``calibration_min_hours`` and a held-out third; no Chinese specification of the length was found).
COLOCATION_HOURS: Final = 14 * 24
#: Micro-stations per town (60 in all): six in the three busiest valley towns, five in the
#: other valley towns, four elsewhere.
_N_MICRO: Final = {"110109001": 6, "110109006": 6, "110109007": 6, "110109002": 5, "110109003": 5}
_SEED_OFFSET: Final = 1717

README_MICRO: Final = """\
合成数据，非真实监测数据 / SYNTHETIC DATA — NOT REAL MONITORING DATA

小微站（高密度监测）演示数据：60个虚构的低成本颗粒物传感器，由演示区参考站数据加传感器响应
（增益、湿度偏高、噪声）生成，并有意加入故障：卡值、漂移、尖峰、阶跃、缺测。
micro_faults.csv 为注入故障的真值表（供测试用），micro_sensor_response.csv 为每个传感器的响应参数。
micro_colocation.csv 为比对期：每个传感器先在其参照站旁并排运行 14 天（不受局地源影响），再到点位部署。
时间为北京时间，小时起点标记；PM2.5、PM10 单位 µg/m³；相对湿度 %。

60 fictitious low-cost PM sensors derived from the demo's reference stations with a sensor
response (gain, humidity bias, noise) and injected faults (stuck, drift, spikes, a step, gaps).
micro_faults.csv is the truth table of the injected faults; micro_sensor_response.csv the
response of each sensor; micro_colocation.csv the co-location period of each sensor (its first
14 days beside its reference station, without its local source; start/end inclusive hour labels).
Station ids SYN-MTG-M-NN and names are invented.
"""


def micro_stations_frame(seed: int = 0) -> pd.DataFrame:
    """The SYNTHETIC micro-station registry.

    Parameters
    ----------
    seed : int
        Seed of the positions (the demo's seed).

    Returns
    -------
    DataFrame
        ``station`` (``SYN-MTG-M-01`` …), ``station_name``, ``town_code``, ``lon``, ``lat``
        [degrees WGS84, inside the town's schematic polygon], ``source``
        (``synthetic-demo-micro``), ``station_class`` (``micro``), ``reference`` (the demo
        station the sensor's air is taken from).
    """
    rng = np.random.default_rng(seed + _SEED_OFFSET)
    polys = schematic_town_polygons().set_index("town_code").geometry
    rows = []
    n = 0
    first_station = 0
    for t in TOWNS:
        k = _N_MICRO.get(t.code, 4)
        ang = rng.uniform(0, 2 * np.pi, 200)
        rad = 0.015 * np.sqrt(rng.uniform(0.05, 1.0, 200))  # ≤ ~1.5 km from the seat
        lon = t.lon + rad * np.cos(ang) / np.cos(np.radians(t.lat))
        lat = t.lat + rad * np.sin(ang)
        inside = shapely.contains_xy(polys[t.code], lon, lat)
        lon, lat = lon[inside][:k], lat[inside][:k]
        short = t.name[:-2] if t.name.endswith(("街道", "地区")) else t.name[:-1]
        for i in range(k):
            n += 1
            rows.append({"station": f"SYN-MTG-M-{n:02d}", "station_name": f"{short}小微站{i + 1}(合成)",
                         "town_code": t.code, "lon": round(float(lon[i]), 5), "lat": round(float(lat[i]), 5),
                         "source": MICRO_SOURCE, "station_class": "micro",
                         "reference": f"SYN-MTG-{first_station + 1:02d}"})
        first_station += t.n_stations
    return pd.DataFrame(rows).astype({c: "string" for c in ("station", "station_name", "town_code", "source",
                                                            "station_class", "reference")})


def generate_micro_stations(hourly: pd.DataFrame, end: pd.Period, seed: int = 0
                            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Hourly SYNTHETIC micro-station data derived from the demo's reference stations.

    Parameters
    ----------
    hourly : DataFrame
        The demo's hourly frame (:func:`airlib.demo.generator.generate_hourly`): ``station``,
        ``time``, ``pm25``, ``pm10`` [µg/m³], ``temp``, ``dewp`` [°C].
    end : pandas.Period
        Last month; the data cover the ``MICRO_MONTHS`` months ending with it (fewer when the
        demo is shorter).
    seed : int
        The demo's seed.

    Returns
    -------
    stations, micro_hourly, faults, response, colocation : DataFrame
        The registry (:func:`micro_stations_frame`); the hourly frame ``station, time, pm25,
        pm10`` [µg/m³], ``rh`` [%]; the truth table of injected faults ``station, fault,
        pollutant, start, end`` (hour-beginning, inclusive), ``magnitude`` (stuck: the frozen
        value [µg/m³]; drift: relative gain change at the end; spike: added µg/m³; step: relative
        gain change; gap: ``absent`` 1 / ``empty`` 0); the response ``station, gain_pm25,
        gain_pm10, rh_a, rh_b, local_source`` [µg/m³ added 08–18 h outside the co-location
        period]; the co-location windows ``station, reference, start, end`` (hour-beginning,
        ``end`` inclusive: the first ``COLOCATION_HOURS`` hours of the data).
    """
    rng = np.random.default_rng(seed + _SEED_OFFSET + 1)
    stations = micro_stations_frame(seed)
    ns = len(stations)
    first = max((end - (MICRO_MONTHS - 1)).start_time, pd.Timestamp(hourly["time"].min()).floor("D"))
    times = pd.date_range(first, end.end_time.floor("h"), freq="h")
    nh = len(times)

    ref = hourly.loc[hourly["time"].between(times[0], times[-1]), ["station", "time", "pm25", "pm10", "temp", "dewp"]]
    ref = ref.assign(station=ref["station"].astype(str))
    refs = stations["reference"].astype(str).to_numpy()
    grids = {}
    for col in ("pm25", "pm10", "temp", "dewp"):
        g = ref.pivot_table(index="time", columns="station", values=col, aggfunc="first", dropna=False).reindex(times)
        g = g.reindex(columns=np.unique(refs))
        grids[col] = g[refs].to_numpy(float).T  # micro-station × hour
    for col in ("pm25", "pm10"):  # the reference's sentinels / negatives are not sensor faults
        grids[col] = np.where(grids[col] >= 0, grids[col], np.nan)
    rh = relative_humidity(grids["temp"], grids["dewp"])

    gain25 = rng.uniform(0.85, 1.25, ns)
    gain10 = rng.uniform(0.8, 1.1, ns)
    a = rng.uniform(0.4, 0.9, ns)
    b = rng.uniform(1.5, 2.5, ns)
    local = np.zeros(ns)
    local[rng.choice(ns, 4, replace=False)] = rng.uniform(15, 30, 4)
    hum = np.maximum(0.0, (np.nan_to_num(rh, nan=50.0) - 60.0) / 40.0)
    day = np.asarray((times.hour >= 8) & (times.hour <= 18))
    f25 = gain25[:, None] * (1 + a[:, None] * hum ** b[:, None])
    f10 = gain10[:, None] * (1 + 0.5 * a[:, None] * hum ** b[:, None])
    noise = rng.lognormal(0, 0.08, (2, ns, nh))
    add = rng.normal(0, 2.0, (2, ns, nh))

    # faults: distinct sensors for stuck, drift, step, gaps; spikes anywhere else
    order = rng.permutation(ns)
    stuck_s, drift_s, step_s, gap_s = order[:2], order[2:4], order[4:5], order[5:7]
    spike_s = order[7:13]
    t = np.arange(nh)
    gain_fault = np.ones((ns, nh))
    gain_fault[drift_s] = 1 + 0.30 * t / (nh - 1)
    step_at = int(rng.integers(nh // 3, 2 * nh // 3))
    gain_fault[step_s, step_at:] = 1.6

    # co-location period (比对期): the sensor stands beside its reference station, so it sees no
    # local source; faults falling in it stay as they are
    coloc = t < min(COLOCATION_HOURS, nh)
    source = local[:, None] * (day & ~coloc)
    pm25 = grids["pm25"] * f25 * gain_fault * noise[0] + add[0] + source
    pm10 = grids["pm10"] * f10 * noise[1] + add[1] + source * 1.5
    # reported to 0.1 µg/m³; |x| keeps clean-air values varied (no pile-up at a floor)
    pm25 = np.round(np.abs(pm25), 1)
    pm10 = np.round(np.maximum(np.abs(pm10), pm25), 1)

    faults = []

    def event(i, fault, pollutant, h0, h1, magnitude):
        faults.append({"station": stations["station"].iloc[i], "fault": fault, "pollutant": pollutant,
                       "start": times[h0], "end": times[h1], "magnitude": float(magnitude)})

    for i in drift_s:
        event(i, "drift", "pm25", 0, nh - 1, 0.30)
    event(step_s[0], "step", "pm25", step_at, nh - 1, 0.60)
    for j, i in enumerate(stuck_s):
        h0 = int(rng.integers(24 * 20 + j * 24 * 30, 24 * 40 + j * 24 * 30))
        h0 = min(h0, nh - 40)
        ok = np.flatnonzero(~np.isnan(pm25[i, h0:]))  # freeze at a real value
        h0 = h0 + int(ok[0])
        pm25[i, h0:h0 + 36] = pm25[i, h0]
        pm10[i, h0:h0 + 36] = pm10[i, h0]
        event(i, "stuck", "pm25", h0, h0 + 35, pm25[i, h0])
    for i in spike_s:
        for h in rng.choice(np.arange(30, nh - 30), 2, replace=False):
            if np.isnan(pm25[i, h]):
                h = h + int(np.flatnonzero(~np.isnan(pm25[i, h:]))[0])
            size = float(np.round(rng.uniform(200, 400)))
            pm25[i, h] += size
            event(i, "spike", "pm25", h, h, size)
    # random empty hours (not on the spikes/stuck: a fault must stay visible)
    empty = rng.random((ns, nh)) < 0.005
    for f in faults:
        if f["fault"] in ("spike", "stuck"):
            i = int(np.flatnonzero(stations["station"].to_numpy() == f["station"])[0])
            empty[i, times.get_loc(f["start"]):times.get_loc(f["end"]) + 1] = False
    pm25[empty] = np.nan
    pm10[empty] = np.nan
    g0 = int(rng.integers(24 * 10, nh - 24 * 10))
    keep = np.ones((ns, nh), bool)
    keep[gap_s[0], g0:g0 + 24 * 5] = False
    event(gap_s[0], "gap", "pm25", g0, g0 + 24 * 5 - 1, 1)
    g1 = int(rng.integers(24 * 10, nh - 24 * 10))
    pm25[gap_s[1], g1:g1 + 72] = np.nan
    pm10[gap_s[1], g1:g1 + 72] = np.nan
    event(gap_s[1], "gap", "pm25", g1, g1 + 71, 0)

    k = keep.ravel()
    micro = pd.DataFrame({
        "station": pd.array(np.repeat(stations["station"].to_numpy(str), nh)[k], dtype="string"),
        "time": np.tile(times.to_numpy(), ns)[k],
        "pm25": pm25.ravel()[k], "pm10": pm10.ravel()[k],
        "rh": np.round(rh, 1).ravel()[k],
    })
    faults_df = pd.DataFrame(faults).sort_values(["fault", "station", "start"], ignore_index=True)
    response = pd.DataFrame({"station": stations["station"], "gain_pm25": gain25.round(4),
                             "gain_pm10": gain10.round(4), "rh_a": a.round(4), "rh_b": b.round(4),
                             "local_source": local.round(2)})
    colocation = pd.DataFrame({"station": stations["station"], "reference": stations["reference"],
                               "start": times[0], "end": times[int(np.flatnonzero(coloc)[-1])]})
    return stations, micro, faults_df, response, colocation


def write_micro_stations(folder: str | Path, hourly: pd.DataFrame, end: pd.Period, seed: int = 0) -> list[Path]:
    """Write the SYNTHETIC micro-stations into ``<folder>/micro/`` (atomically).

    Files: ``micro_stations.csv`` (registry, with ``station_class`` = ``micro``),
    ``micro_hourly.csv`` (``station, time, pm25, pm10, rh``; empty cells for missing),
    ``micro_faults.csv`` (truth table of the injected faults), ``micro_sensor_response.csv``,
    ``micro_colocation.csv`` (co-location windows, ``end`` inclusive), ``README.txt`` (SYNTHETIC label). See :func:`generate_micro_stations`.
    """
    out = Path(folder) / "micro"
    out.mkdir(parents=True, exist_ok=True)
    stations, micro, faults, response, colocation = generate_micro_stations(hourly, end, seed)
    files = []

    def csv(name: str, frame: pd.DataFrame, **kw) -> None:
        p = out / name
        atomic_write_bytes(p, frame.to_csv(index=False, lineterminator="\n", **kw).encode("utf-8"))
        files.append(p)

    csv("micro_stations.csv", stations)
    csv("micro_hourly.csv", micro, date_format="%Y-%m-%d %H:%M", float_format="%.10g")
    csv("micro_faults.csv", faults, date_format="%Y-%m-%d %H:%M")
    csv("micro_sensor_response.csv", response)
    csv("micro_colocation.csv", colocation, date_format="%Y-%m-%d %H:%M")
    p = out / "README.txt"
    atomic_write_bytes(p, README_MICRO.encode("utf-8"))
    files.append(p)
    return files


class DemoMicro(NamedTuple):
    """The demo's SYNTHETIC micro-stations as read back from their files (:func:`load_demo_micro`)."""

    #: micro-station registry (``station``, ``station_name``, ``town_code``, ``lon``, ``lat``, ``station_class`` …)
    stations: pd.DataFrame
    #: hourly frame ``station, time, pm25, pm10`` [µg/m³], ``rh`` [%]
    hourly: pd.DataFrame
    #: truth table of the injected faults (``station, fault, pollutant, start, end, magnitude``)
    faults: pd.DataFrame
    #: per-sensor response (``station, gain_pm25, gain_pm10, rh_a, rh_b, local_source``)
    response: pd.DataFrame
    #: registry rows of the reference stations (the demo stations the sensors' air is taken from)
    reference_stations: pd.DataFrame
    #: hourly frame of the reference stations over the micro-stations' hours
    reference_hourly: pd.DataFrame
    #: the demo's town registry
    towns: pd.DataFrame
    #: co-location windows (比对期) ``station, reference, start, end`` (end inclusive; ``micro_colocation.csv``)
    colocation: pd.DataFrame


def load_demo_micro(data_dir: str | Path | None = None) -> DemoMicro:
    """Read the demo's SYNTHETIC micro-stations and their reference stations from the demo folder.

    The canonical path: ``airlib generate-demo`` / ``bash scripts/demo`` writes the files
    (:func:`write_micro_stations`, called by :func:`airlib.demo.generator.write_demo`); this reads
    them back with the project's readers, as a bureau's export would be read: the registries
    with :func:`airlib.io.ingest.read_towns` / ``read_stations``, the micro-stations' hours with
    :func:`airlib.io.micro_stations.read_micro_hourly` (values unchanged), the reference
    stations' hours with :func:`airlib.io.ingest.read_station_table` (``synthetic_hourly_YYYY.csv``
    of the years the micro data span, cut to their hours), the co-location windows with
    :func:`airlib.io.micro_stations.read_colocation`.

    The reference stations are the demo stations named in the registry's ``reference`` column
    (each town's first station, whose air the town's sensors see; one per town), so that QC's
    drift check, calibration and the hot-spot reference all compare a sensor with the station
    it was derived from.

    Parameters
    ----------
    data_dir : path-like, optional
        The demo folder (default ``data/raw/demo``), holding ``synthetic_towns.csv``,
        ``synthetic_stations.csv``, ``synthetic_hourly_YYYY.csv`` and ``micro/``.

    Returns
    -------
    DemoMicro

    Raises
    ------
    InputDataError
        A file is missing (the message says to run ``bash scripts/demo`` first) or unreadable.
    """
    folder = Path(data_dir) if data_dir is not None else raw_dir() / "demo"
    micro = folder / "micro"
    needed = [folder / "synthetic_towns.csv", folder / "synthetic_stations.csv", micro / "micro_stations.csv",
              micro / "micro_hourly.csv", micro / "micro_faults.csv", micro / "micro_sensor_response.csv",
              micro / "micro_colocation.csv"]
    for f in needed:
        if not f.is_file():
            raise InputDataError("demo file not found; run `bash scripts/demo` (or `airlib generate-demo`) "
                                 "first, or give the demo folder as data_dir", file=f)
    towns = read_towns(folder / "synthetic_towns.csv")
    stations = read_stations(micro / "micro_stations.csv", towns=towns)
    ref_ids = pd.read_csv(micro / "micro_stations.csv", dtype=str, usecols=["station", "reference"])
    stations = stations.merge(ref_ids.astype("string"), on="station", how="left", validate="1:1")
    all_refs = read_stations(folder / "synthetic_stations.csv", towns=towns)
    unknown = sorted(set(stations["reference"].dropna()) - set(all_refs["station"]))
    if unknown:
        raise InputDataError(f"reference station not in synthetic_stations.csv: {', '.join(unknown)}; "
                             "regenerate the demo", file=micro / "micro_stations.csv", column="reference")
    reference_stations = all_refs[all_refs["station"].isin(stations["reference"])].reset_index(drop=True)
    hourly = read_micro_hourly(micro / "micro_hourly.csv", stations)
    faults = pd.read_csv(micro / "micro_faults.csv", dtype={"station": "string", "fault": "string",
                                                             "pollutant": "string"}, parse_dates=["start", "end"])
    response = pd.read_csv(micro / "micro_sensor_response.csv", dtype={"station": "string"})
    t0, t1 = hourly["time"].min(), hourly["time"].max()
    parts = []
    for year in range(t0.year, t1.year + 1):
        f = folder / f"synthetic_hourly_{year}.csv"
        if not f.is_file():
            raise InputDataError("demo hourly file of the micro-stations' year not found; run `bash scripts/demo` "
                                 "first", file=f)
        ref, _ = read_station_table(f, hour_label="beginning", stations=all_refs)
        parts.append(ref[ref["station"].isin(reference_stations["station"]) & ref["time"].between(t0, t1)])
    reference_hourly = pd.concat(parts, ignore_index=True)
    colocation = read_colocation(micro / "micro_colocation.csv", stations, reference_stations)
    return DemoMicro(stations, hourly, faults, response, reference_stations, reference_hourly, towns, colocation)


def fault_detection(flags: pd.DataFrame, faults: pd.DataFrame, step_slack_h: int = 12) -> pd.DataFrame:
    """Which injected faults of the truth table the sensor QC found (the demo's check of issue #17 item 6).

    A fault counts as found when the QC flag of its kind is set (``<p>_qc_<kind>``,
    :func:`airlib.analysis.sensor_qc.qc_flags`):

    * ``stuck``: every hour of the frozen run is flagged ``stuck``;
    * ``spike``: the spiked hour is flagged ``spike``;
    * ``step``: a ``step`` flag within ± ``step_slack_h`` hours of the jump (the check marks the
      hour where the shift peaks);
    * ``drift``: a ``drift`` flag on any hour of the drifting period (the check needs the drift
      to exceed its tolerance, so it is seen late: docs/micro_stations.md);
    * ``gap``: no hour of the period has a value (absent rows or flagged ``missing``).

    Parameters
    ----------
    flags : DataFrame
        Output of ``qc_flags`` (``station``, ``time``, ``<p>``, ``<p>_qc_*``).
    faults : DataFrame
        The truth table (``station, fault, pollutant, start, end``; :func:`generate_micro_stations`).
    step_slack_h : int
        Tolerance of the step's position [h].

    Returns
    -------
    DataFrame
        The faults' rows with ``n_hours`` (hours of the fault period present in ``flags``),
        ``n_flagged`` (of them flagged with the kind's flag) and ``found`` (bool).
    """
    rows = []
    times = pd.to_datetime(flags["time"])
    by_station = {s: idx for s, idx in flags.groupby(flags["station"].astype(str), sort=False).indices.items()}
    for f in faults.itertuples(index=False):  # one row per injected fault (a few dozen), not per hour
        idx = by_station.get(str(f.station), np.array([], dtype=int))
        t = times.iloc[idx]
        kind, p = str(f.fault), str(f.pollutant)
        lo, hi = f.start, f.end
        if kind == "step":
            lo, hi = f.start - pd.Timedelta(hours=step_slack_h), f.start + pd.Timedelta(hours=step_slack_h)
        sel = idx[((t >= lo) & (t <= hi)).to_numpy()]
        if kind == "gap":
            flagged = flags[f"{p}_qc_missing"].to_numpy(bool)[sel]
            n_flag, found = int(flagged.sum()), bool(flagged.all())
        else:
            flagged = flags[f"{p}_qc_{kind}"].to_numpy(bool)[sel]
            n_flag = int(flagged.sum())
            found = bool(len(sel) > 0 and (flagged.all() if kind in ("stuck", "spike") else flagged.any()))
        rows.append({**f._asdict(), "n_hours": int(len(sel)), "n_flagged": n_flag, "found": found})
    return pd.DataFrame(rows, columns=[*faults.columns, "n_hours", "n_flagged", "found"])


#: Order of the fault kinds in :func:`detection_by_kind`.
FAULT_KINDS: Final = ("stuck", "drift", "spike", "step", "gap")


def detection_by_kind(detection: pd.DataFrame, flags: pd.DataFrame, pollutant: str = "pm25") -> pd.DataFrame:
    """The table "注入故障 vs 检出": per fault kind, injected and found, and the other stations flagged.

    Parameters
    ----------
    detection : DataFrame
        Output of :func:`fault_detection`.
    flags : DataFrame
        The ``qc_flags`` frame the detection was made on.
    pollutant : str
        Pollutant of the flags (default ``pm25``).

    Returns
    -------
    DataFrame
        Index ``fault`` (:data:`FAULT_KINDS` that occur in ``detection``): ``planted`` (injected
        faults), ``found`` (of them found), ``planted_stations`` (stations with an injected fault
        of the kind), ``flagged_stations`` (stations with at least one hour flagged by the kind's
        check), ``other_flagged_stations`` (flagged but without an injected fault of that kind:
        false alarms or faults of another kind seen by this check; ``<NA>`` for ``gap``, as the
        demo also empties 0.5 % of all hours at random).
    """
    check = {k: f"{pollutant}_qc_{'missing' if k == 'gap' else k}" for k in FAULT_KINDS}
    any_flag = flags.groupby(flags["station"].astype(str))[[check[k] for k in FAULT_KINDS]].any()
    rows = []
    for kind in [k for k in FAULT_KINDS if (detection["fault"] == k).any()]:
        d = detection[detection["fault"] == kind]
        planted = set(d["station"].astype(str))
        flagged = set(any_flag.index[any_flag[check[kind]].to_numpy(bool)])
        rows.append({"fault": kind, "planted": len(d), "found": int(d["found"].sum()),
                     "planted_stations": len(planted), "flagged_stations": len(flagged),
                     "other_flagged_stations": pd.NA if kind == "gap" else len(flagged - planted)})
    out = pd.DataFrame(rows).set_index("fault")
    return out.astype({"other_flagged_stations": "Int64"})
