"""SYNTHETIC micro-stations (小微站) of the demo district, with realistic sensor faults.

Issue #17 item 6. 60 low-cost PM sensors spread over the 13 towns of the demo district (inside
each town's schematic polygon, within ~1.5 km of the seat), for the last three months of the
demo. Each sensor sees the air of its town's first demo station (the reference, ``SYN-MTG-NN``)
through a sensor response:

    pm25 = ref_pm25 · gain · (1 + a · max(0, (RH − 60) / 40) ^ b) · lognormal(0, 0.08) + N(0, 2)

(``gain`` 0.85–1.25, ``a`` 0.4–0.9, ``b`` 1.5–2.5 per sensor; PM10 likewise with its own gain and
half the humidity response; RH from the reference's temperature and dew point), a daytime local
source at four sensors (+15–30 µg/m³ 08–18 h, the hot spots of 热点网格 screening), values reported
to 0.1 µg/m³. Injected faults (PM2.5; the stuck sensor freezes PM10 too),
each listed in the truth table ``micro/micro_faults.csv``:

* ``stuck``: 2 sensors frozen at one value for 36 h;
* ``drift``: 2 sensors whose gain rises linearly by 30 % over the three months;
* ``spike``: 12 single-hour spikes of +200–400 µg/m³ on 6 sensors;
* ``step``: 1 sensor whose gain jumps by 60 % and stays (e.g. a replaced optical chamber);
* ``gap``: 1 sensor with 5 days of absent rows, 1 with 3 days of empty values; besides, 0.5 % of
  all hours are empty at random.

The per-sensor response (gain, a, b, local source) is in ``micro/micro_sensor_response.csv`` for
the calibration and hot-spot tests. Everything here is SYNTHETIC (ids ``SYN-MTG-M-NN``, names
``<town>小微站N(合成)``, source ``synthetic-demo-micro``, ``station_class`` ``micro``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import shapely

from airlib.analysis.attribution import relative_humidity
from airlib.demo.boundaries import schematic_town_polygons
from airlib.demo.registry import TOWNS
from airlib.files import atomic_write_bytes

__all__ = ["MICRO_SOURCE", "MICRO_MONTHS", "micro_stations_frame", "generate_micro_stations",
           "write_micro_stations"]

MICRO_SOURCE: Final = "synthetic-demo-micro"
#: Months of micro-station data, ending with the demo's last month.
MICRO_MONTHS: Final = 3
#: Micro-stations per town (60 in all): six in the three busiest valley towns, five in the
#: other valley towns, four elsewhere.
_N_MICRO: Final = {"110109001": 6, "110109006": 6, "110109007": 6, "110109002": 5, "110109003": 5}
_SEED_OFFSET: Final = 1717

README_MICRO: Final = """\
合成数据，非真实监测数据 / SYNTHETIC DATA — NOT REAL MONITORING DATA

小微站（高密度监测）演示数据：60个虚构的低成本颗粒物传感器，由演示区参考站数据加传感器响应
（增益、湿度偏高、噪声）生成，并有意加入故障：卡值、漂移、尖峰、阶跃、缺测。
micro_faults.csv 为注入故障的真值表（供测试用），micro_sensor_response.csv 为每个传感器的响应参数。
时间为北京时间，小时起点标记；PM2.5、PM10 单位 µg/m³；相对湿度 %。

60 fictitious low-cost PM sensors derived from the demo's reference stations with a sensor
response (gain, humidity bias, noise) and injected faults (stuck, drift, spikes, a step, gaps).
micro_faults.csv is the truth table of the injected faults; micro_sensor_response.csv the
response of each sensor. Station ids SYN-MTG-M-NN and names are invented.
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
                            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
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
    stations, micro_hourly, faults, response : DataFrame
        The registry (:func:`micro_stations_frame`); the hourly frame ``station, time, pm25,
        pm10`` [µg/m³], ``rh`` [%]; the truth table of injected faults ``station, fault,
        pollutant, start, end`` (hour-beginning, inclusive), ``magnitude`` (stuck: the frozen
        value [µg/m³]; drift: relative gain change at the end; spike: added µg/m³; step: relative
        gain change; gap: ``absent`` 1 / ``empty`` 0); the response ``station, gain_pm25,
        gain_pm10, rh_a, rh_b, local_source`` [µg/m³ added 08–18 h].
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

    pm25 = grids["pm25"] * f25 * gain_fault * noise[0] + add[0] + local[:, None] * day
    pm10 = grids["pm10"] * f10 * noise[1] + add[1] + local[:, None] * day * 1.5
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
    return stations, micro, faults_df, response


def write_micro_stations(folder: str | Path, hourly: pd.DataFrame, end: pd.Period, seed: int = 0) -> list[Path]:
    """Write the SYNTHETIC micro-stations into ``<folder>/micro/`` (atomically).

    Files: ``micro_stations.csv`` (registry, with ``station_class`` = ``micro``),
    ``micro_hourly.csv`` (``station, time, pm25, pm10, rh``; empty cells for missing),
    ``micro_faults.csv`` (truth table of the injected faults), ``micro_sensor_response.csv``,
    ``README.txt`` (SYNTHETIC label). See :func:`generate_micro_stations`.
    """
    out = Path(folder) / "micro"
    out.mkdir(parents=True, exist_ok=True)
    stations, micro, faults, response = generate_micro_stations(hourly, end, seed)
    files = []

    def csv(name: str, frame: pd.DataFrame, **kw) -> None:
        p = out / name
        atomic_write_bytes(p, frame.to_csv(index=False, lineterminator="\n", **kw).encode("utf-8"))
        files.append(p)

    csv("micro_stations.csv", stations)
    csv("micro_hourly.csv", micro, date_format="%Y-%m-%d %H:%M", float_format="%.10g")
    csv("micro_faults.csv", faults, date_format="%Y-%m-%d %H:%M")
    csv("micro_sensor_response.csv", response)
    p = out / "README.txt"
    atomic_write_bytes(p, README_MICRO.encode("utf-8"))
    files.append(p)
    return files
