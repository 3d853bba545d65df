"""Hot spots (热点网格): micro-stations or grid cells ranked by their excess over the reference.

Issue #17 item 4; docs/micro_stations.md, "热点 Hot spots". MEE's 热点网格 supervision divides a
city into 3 km × 3 km cells and singles out the cells whose PM2.5 is highest
([MEE-HOTSPOT-2018]); the district plans use 热点网格 to direct inspections to 高值区域
([SEED-000] (秋冬季专项执法: 充分利用"热点网格", 针对高值区域 …), [SEED-003], [SEED-004]:
完善并利用 … 热点网格 … 等手段). Inside a district the bureau does the same with its dense
micro-station network (小微站, 高密度监测): which stations (or cells) read higher than the
assessment stations around them, and how often.

Rule implemented here (the choices the sources leave open are settings marked UNVERIFIED in
:class:`airlib.settings.Settings`, ``hotspot_*``):

1. **Value.** ``<value>_best`` (the calibrated value where calibration improved held-out
   skill, else raw; :mod:`airlib.analysis.calibration`) when the frame has it, else
   ``<value>``. Only hours flagged ``<value>_qc_ok`` are used when the frame has that column
   (:mod:`airlib.analysis.sensor_qc`; NA counts as not ok). With co-location windows (比对期,
   ``colocation=``) the hours inside a station's windows are left out: the sensor then stands
   beside its reference analyser, not at its site (:func:`airlib.analysis.calibration.colocation_mask`).
   Values are never changed.
2. **Reference.** Per hour, the mean of the reference stations (assessment/town stations,
   passed in by the caller) of the micro-station's town; when the town has none reporting in
   that hour, the mean of all reference stations (the district) in that hour
   (``settings.hotspot_reference = "town"``; ``"district"`` always uses the district mean).
3. **Compared hours.** Hours with a used value and a reference. For a grid cell the value and
   the reference of an hour are the means over the cell's stations reporting that hour.
4. **Statistics per unit**: ``mean`` and ``reference_mean`` over the compared hours,
   ``excess = mean − reference_mean`` (= the mean hourly excess) [µg/m³], ``share_above`` =
   share of compared hours whose excess is strictly greater than
   ``settings.hotspot_above_threshold`` [0–1], ``n_hours``.
5. **Rank**: competition rank (:func:`airlib.standards.ranking_rules.competition_rank`, ties
   1, 2, 2, 4), largest excess first, on the excess rounded to the pollutant's published
   precision (:func:`airlib.standards.rounding.round_published`, by the month's date). A unit
   with fewer compared hours than ``settings.hotspot_min_hour_share`` of the month's hours is
   listed with rank NA.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from airlib.analysis.calibration import colocation_mask
from airlib.errors import InputDataError
from airlib.escaping import mpl_text
from airlib.periods import parse_month
from airlib.plotting import save_figure, use_chinese_fonts
from airlib.settings import DEFAULT, Settings
from airlib.standards.ranking_rules import competition_rank
from airlib.standards.rounding import round_published

__all__ = ["hotspot_ranking", "persistent_hotspots", "plot_hotspots", "grid_cells", "RANKING_COLUMNS"]

#: Columns of :func:`hotspot_ranking` (grid rankings add ``n_stations``).
RANKING_COLUMNS = ("month", "unit", "town_code", "lon", "lat", "mean", "reference_mean", "excess",
                   "share_above", "n_hours", "rank", "reference_town_share")


def _require(frame: Any, columns: Iterable[str], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputDataError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputDataError(f"{name} lacks the column(s) {', '.join(missing)}; "
                             f"it has {', '.join(map(str, frame.columns))}", column=missing[0])


def _month_rows(hourly: pd.DataFrame, name: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    if not pd.api.types.is_datetime64_any_dtype(hourly["time"]):
        raise InputDataError(f"{name}: column time is not a datetime column (dtype {hourly['time'].dtype}); "
                             "read the data with an airlib reader (hour-beginning Beijing time)", column="time")
    if getattr(hourly["time"].dtype, "tz", None) is not None:
        raise InputDataError(f"{name}: column time carries a time zone ({hourly['time'].dtype.tz}); airlib's hourly "
                             "frames hold naive Beijing time (hour-beginning): convert with "
                             ".dt.tz_convert('Asia/Shanghai').dt.tz_localize(None)", column="time")
    t = hourly["time"]
    rows = hourly.loc[(t >= start) & (t < end)]
    dup = rows.duplicated(["station", "time"])
    if dup.any():
        first = rows.loc[dup].iloc[0]
        raise InputDataError(f"{name}: station {first['station']} has {int(dup.sum()) + 1} or more rows for the same "
                             f"hours (first {first['time']}); pass one row per station and hour", column="time")
    return rows


def _numeric(frame: pd.DataFrame, column: str, name: str) -> None:
    if not (pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])):
        raise InputDataError(f"{name}: column {column} is not numeric (dtype {frame[column].dtype}); "
                             "concentrations must be numbers in µg/m³ (read the data with an airlib reader)",
                             column=column)


def grid_cells(stations: pd.DataFrame, grid_m: float, settings: Settings | None = None) -> pd.DataFrame:
    """The grid cell of each station: square cells of ``grid_m`` metres in a fixed projection.

    Parameters
    ----------
    stations : DataFrame
        ``station``, ``lon``, ``lat`` [degrees, WGS84].
    grid_m : float [m]
        Side of a cell (> 0).
    settings : Settings, optional
        ``hotspot_grid_crs`` (default UTM 50N): cells are ``floor(x / grid_m)``,
        ``floor(y / grid_m)`` there, so a cell's id does not depend on the stations given.

    Returns
    -------
    DataFrame
        ``station``, ``cell`` (``"<grid_m>m:E<ix>N<iy>"``), ``cell_lon``, ``cell_lat`` (the
        cell's centre [degrees, WGS84]), in the order of ``stations``.
    """
    from pyproj import Transformer

    s = DEFAULT if settings is None else settings
    _require(stations, ("station", "lon", "lat"), "stations")
    if isinstance(grid_m, bool) or not (isinstance(grid_m, Real) and np.isfinite(grid_m) and grid_m > 0):
        raise InputDataError(f"grid_m must be a positive number of metres, got {grid_m!r}")
    lon = pd.to_numeric(stations["lon"], errors="coerce").to_numpy(dtype="float64")
    lat = pd.to_numeric(stations["lat"], errors="coerce").to_numpy(dtype="float64")
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        names = stations["station"].astype(str).to_numpy()[bad][:5]
        raise InputDataError(f"stations without valid lon/lat cannot be placed on the grid: {', '.join(names)}; "
                             "add their coordinates to the registry", column="lon")
    fwd = Transformer.from_crs("EPSG:4326", s.hotspot_grid_crs, always_xy=True)
    x, y = fwd.transform(lon, lat)
    ix = np.floor(np.asarray(x) / grid_m).astype("int64")
    iy = np.floor(np.asarray(y) / grid_m).astype("int64")
    back = Transformer.from_crs(s.hotspot_grid_crs, "EPSG:4326", always_xy=True)
    clon, clat = back.transform((ix + 0.5) * grid_m, (iy + 0.5) * grid_m)
    label = f"{grid_m:g}m:"
    cell = [f"{label}E{a}N{b}" for a, b in zip(ix, iy)]  # one per station (≤ a few thousand)
    return pd.DataFrame({"station": stations["station"].to_numpy(), "cell": cell,
                         "cell_lon": np.asarray(clon), "cell_lat": np.asarray(clat)})


def hotspot_ranking(
    micro_hourly: pd.DataFrame,
    micro_stations: pd.DataFrame,
    reference_hourly: pd.DataFrame,
    reference_stations: pd.DataFrame,
    month: Any,
    value: str = "pm25",
    grid_m: float | None = None,
    settings: Settings | None = None,
    *,
    colocation: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rank micro-stations (or grid cells) by their excess over the town/district reference (热点网格).

    The rule is the module docstring's (issue #17 item 4, [MEE-HOTSPOT-2018], seeds 000/003/004).

    Parameters
    ----------
    micro_hourly : DataFrame
        Hourly frame of the micro-stations: ``station``, ``time`` (hour-beginning Beijing),
        ``<value>`` [µg/m³]; optional ``<value>_best`` (calibrated, used instead) and
        ``<value>_qc_ok`` (bool; only True hours used).
    micro_stations : DataFrame
        Registry rows of the micro-stations: ``station``, ``town_code``; ``lon``, ``lat``
        [degrees] (needed for ``grid_m`` and for maps). Every station of the result comes from
        here (a registered station without data is listed with ``n_hours`` 0).
    reference_hourly : DataFrame
        Hourly frame of the reference stations: ``station``, ``time``, ``<value>`` [µg/m³].
    reference_stations : DataFrame
        Registry rows of the reference stations: ``station``, ``town_code``.
    month : str, Period or Timestamp
        The month ranked.
    value : str
        Pollutant column, default ``"pm25"``.
    grid_m : float, optional [m]
        Rank square cells of this side instead of stations (:func:`grid_cells`).
    settings : Settings, optional
        ``hotspot_reference``, ``hotspot_above_threshold`` [µg/m³], ``hotspot_min_hour_share``
        [0–1], ``hotspot_grid_crs`` (all UNVERIFIED judgement calls).
    colocation : DataFrame, optional
        Co-location windows (比对期) ``station``, ``reference``, ``start``, ``end`` (hour labels,
        end inclusive; :func:`airlib.io.micro_stations.read_colocation`). The hours inside a
        station's windows are left out of its (and its cell's) compared hours: the sensor is not
        at its site then. None: every hour is used.

    Returns
    -------
    DataFrame
        One row per unit, worst first: ``month`` (datetime64, month start), ``unit`` (station
        id or cell id), ``town_code`` (a cell's: the town of most of its stations, the smallest
        code on a tie), ``lon``, ``lat`` [degrees] (station, or cell centre), ``mean``,
        ``reference_mean``, ``excess`` [µg/m³], ``share_above`` [0–1], ``n_hours`` (compared
        hours; unit-hours for cells), ``rank`` (Int64, NA when not ranked),
        ``reference_town_share`` [0–1] (share of compared hours whose reference was the
        town's); cells add ``n_stations``. ``attrs["value_column"]`` names the column used,
        ``attrs["qc_filtered"]`` whether QC flags were applied, ``attrs["colocation_hours_left_out"]``
        how many station hours of the month that would otherwise have been used (value present,
        QC ok) lay inside a co-location window (0 without ``colocation``).

    Raises
    ------
    InputDataError
        A frame lacks a column, ``time`` is not datetime, a station of an hourly frame is not
        in its registry, no reference value in the month, a bad ``grid_m``, or a bad
        co-location window (no id, unreadable, end before start, overlapping).
    """
    s = DEFAULT if settings is None else settings
    if s.hotspot_reference not in ("town", "district"):
        raise InputDataError(f"settings.hotspot_reference must be 'town' or 'district', got {s.hotspot_reference!r}")
    period = parse_month(month)
    start = period.start_time
    end = (period + 1).start_time
    n_month_hours = period.days_in_month * 24

    _require(micro_hourly, ("station", "time", value), "micro_hourly")
    _require(micro_stations, ("station", "town_code") + (("lon", "lat") if grid_m is not None else ()),
             "micro_stations")
    _require(reference_hourly, ("station", "time", value), "reference_hourly")
    _require(reference_stations, ("station", "town_code"), "reference_stations")
    best = f"{value}_best"
    qc = f"{value}_qc_ok"
    column = best if best in micro_hourly.columns else value
    _numeric(micro_hourly, column, "micro_hourly")
    _numeric(reference_hourly, value, "reference_hourly")

    for frame, reg, name in ((micro_hourly, micro_stations, "micro_hourly"),
                             (reference_hourly, reference_stations, "reference_hourly")):
        unknown = pd.Index(frame["station"].astype(str).unique()).difference(reg["station"].astype(str))
        if len(unknown):
            raise InputDataError(f"{name}: station(s) not in the registry passed with it: "
                                 f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}; "
                                 "add them to the registry or leave their rows out", column="station")
    for reg, name in ((micro_stations, "micro_stations"), (reference_stations, "reference_stations")):
        dup = reg["station"].astype(str)
        dup = dup[dup.duplicated()].unique()
        if len(dup):
            raise InputDataError(f"{name}: station(s) listed twice: {', '.join(dup[:5])}; "
                                 "pass one registry row per station (the rows in force that month)",
                                 column="station")

    # ---- reference per hour: town and district means ---------------------------------------
    ref = _month_rows(reference_hourly, "reference_hourly", start, end)
    ref = pd.DataFrame({"station": ref["station"].astype(str).to_numpy(),
                        "time": ref["time"].to_numpy().astype("datetime64[ns]"),
                        "v": pd.to_numeric(ref[value], errors="coerce").to_numpy(dtype="float64")})
    ref = ref[ref["v"].notna()]
    if ref.empty:
        raise InputDataError(f"reference_hourly has no {value} value in {period}; a hot-spot ranking needs "
                             "the reference stations' data of the same month", column=value)
    ref_town = dict(zip(reference_stations["station"].astype(str),
                        reference_stations["town_code"].astype("string").astype(object)))
    ref["town_code"] = ref["station"].map(ref_town)
    district = ref.groupby("time", sort=False)["v"].mean().rename("ref_district")
    town = ref.groupby(["town_code", "time"], sort=False)["v"].mean().rename("ref_town")

    # ---- micro values of the month ----------------------------------------------------------
    mic = _month_rows(micro_hourly, "micro_hourly", start, end)
    ok = pd.to_numeric(mic[column], errors="coerce").notna().to_numpy()
    qc_filtered = qc in mic.columns
    if qc_filtered:
        ok = ok & mic[qc].astype("boolean").fillna(False).to_numpy(dtype=bool)
    n_colocated = 0
    if colocation is not None:  # the sensor stands beside its reference analyser, not at its site
        inside = colocation_mask(mic, colocation)
        n_colocated = int((inside & ok).sum())
        ok = ok & ~inside
    mic = pd.DataFrame({"station": mic["station"].astype(str).to_numpy()[ok],
                        "time": mic["time"].to_numpy().astype("datetime64[ns]")[ok],
                        "v": pd.to_numeric(mic[column], errors="coerce").to_numpy(dtype="float64")[ok]})
    reg = pd.DataFrame({"station": micro_stations["station"].astype(str).to_numpy(),
                        "town_code": micro_stations["town_code"].astype("string").astype(object).to_numpy()})
    mic["town_code"] = mic["station"].map(dict(zip(reg["station"], reg["town_code"])))
    mic = mic.join(district, on="time")
    if s.hotspot_reference == "town":
        mic = mic.join(town, on=["town_code", "time"])
        mic["from_town"] = mic["ref_town"].notna()
        mic["r"] = mic["ref_town"].where(mic["from_town"], mic["ref_district"])
    else:
        mic["from_town"] = False
        mic["r"] = mic["ref_district"]
    mic = mic[mic["r"].notna()]

    # ---- units ------------------------------------------------------------------------------
    if grid_m is None:
        units = reg.rename(columns={"station": "unit"})
        units["lon"] = pd.to_numeric(micro_stations["lon"], errors="coerce").to_numpy() \
            if "lon" in micro_stations.columns else np.nan
        units["lat"] = pd.to_numeric(micro_stations["lat"], errors="coerce").to_numpy() \
            if "lat" in micro_stations.columns else np.nan
        mic["unit"] = mic["station"]
        per_hour = mic
    else:
        cells = grid_cells(micro_stations, grid_m, s)
        cells["town_code"] = reg["town_code"].to_numpy()
        counts = cells.groupby(["cell", "town_code"], dropna=False).size().rename("k").reset_index()
        counts = counts.sort_values(["cell", "k", "town_code"], ascending=[True, False, True])
        units = counts.drop_duplicates("cell")[["cell", "town_code"]].rename(columns={"cell": "unit"})
        geo = cells.drop_duplicates("cell").set_index("cell")[["cell_lon", "cell_lat"]]
        units["lon"] = units["unit"].map(geo["cell_lon"])
        units["lat"] = units["unit"].map(geo["cell_lat"])
        units = units.merge(cells.groupby("cell").size().rename("n_stations"), left_on="unit", right_index=True)
        mic["unit"] = mic["station"].map(dict(zip(cells["station"].astype(str), cells["cell"])))
        per_hour = mic.groupby(["unit", "time"], sort=False).agg(
            v=("v", "mean"), r=("r", "mean"), from_town=("from_town", "mean")).reset_index()

    per_hour = per_hour.assign(above=(per_hour["v"] - per_hour["r"]) > s.hotspot_above_threshold)
    stats = per_hour.groupby("unit", sort=False).agg(
        mean=("v", "mean"), reference_mean=("r", "mean"), n_hours=("v", "size"),
        n_above=("above", "sum"), reference_town_share=("from_town", "mean"))
    out = units.merge(stats, left_on="unit", right_index=True, how="left")
    out["n_hours"] = out["n_hours"].fillna(0).astype("int64")
    out["excess"] = out["mean"] - out["reference_mean"]
    out["share_above"] = np.where(out["n_hours"] > 0, out["n_above"] / out["n_hours"].where(out["n_hours"] > 0), np.nan)
    ranked = out["n_hours"] >= s.hotspot_min_hour_share * n_month_hours
    published = pd.Series(round_published(out["excess"].to_numpy(dtype="float64"), value, start, s), index=out.index)
    out["rank"] = competition_rank(published.where(ranked), ascending=False)
    out["month"] = start
    cols = list(RANKING_COLUMNS) + (["n_stations"] if grid_m is not None else [])
    out = out[cols].sort_values(["rank", "unit"], na_position="last", kind="mergesort").reset_index(drop=True)
    out["town_code"] = out["town_code"].astype("string")
    out.attrs["value_column"] = column
    out.attrs["qc_filtered"] = qc_filtered
    out.attrs["colocation_hours_left_out"] = n_colocated
    return out


def persistent_hotspots(
    rankings: pd.DataFrame | Iterable[pd.DataFrame] | Mapping[Any, pd.DataFrame],
    top_k: int,
    min_months: int,
) -> pd.DataFrame:
    """Persistent hot spots: units in the top ``top_k`` in at least ``min_months`` of the months given.

    Issue #17 item 4 (persistent hot spots over several months; MEE lists 热点网格 month by month,
    [MEE-HOTSPOT-2018]). "In the top k" is ``rank <= top_k`` on the competition rank, so a tie
    at rank k brings every tied unit in; an unranked month (rank NA) is not a top month.

    Parameters
    ----------
    rankings : DataFrame, sequence or mapping of DataFrames
        Outputs of :func:`hotspot_ranking` (``month``, ``unit``, ``town_code``, ``excess``,
        ``rank``), concatenated or not. The months given are the months present.
    top_k : int
        Size of the monthly top list (≥ 1).
    min_months : int
        Top months needed (1 ≤ min_months ≤ number of months).

    Returns
    -------
    DataFrame
        ``unit``, ``town_code`` (of its latest month), ``months_top`` (count), ``n_months``
        (months given), ``top_months`` (``YYYY-MM`` separated by ``|``), ``mean_excess``
        [µg/m³] (mean over its ranked months), ``best_rank``; sorted by ``months_top`` then
        ``mean_excess`` (descending), then ``unit``.
    """
    if isinstance(rankings, Mapping):
        rankings = list(rankings.values())
    if not isinstance(rankings, pd.DataFrame):
        rankings = list(rankings)
        if not rankings:
            raise InputDataError("persistent_hotspots: no rankings given")
        rankings = pd.concat(rankings, ignore_index=True)
    _require(rankings, ("month", "unit", "town_code", "excess", "rank"), "rankings")
    if not (isinstance(top_k, (int, np.integer)) and top_k >= 1):
        raise InputDataError(f"top_k must be an integer ≥ 1, got {top_k!r}")
    months = pd.to_datetime(rankings["month"]).dt.to_period("M")
    n_months = months.nunique()
    if not (isinstance(min_months, (int, np.integer)) and 1 <= min_months <= n_months):
        raise InputDataError(f"min_months must be an integer from 1 to the number of months given ({n_months}), "
                             f"got {min_months!r}")
    r = pd.DataFrame({"month": months, "unit": rankings["unit"].astype(str),
                      "town_code": rankings["town_code"], "excess": rankings["excess"],
                      "rank": rankings["rank"].astype("Int64")})
    dup = r.duplicated(["month", "unit"])
    if dup.any():
        first = r.loc[dup].iloc[0]
        raise InputDataError(f"rankings: unit {first['unit']} appears twice in {first['month']}; "
                             "pass one ranking per month")
    r["top"] = (r["rank"] <= top_k).fillna(False).astype(bool)
    r = r.sort_values(["unit", "month"])
    ranked_excess = r["excess"].where(r["rank"].notna())
    g = r.assign(ranked_excess=ranked_excess,
                 top_month=r["month"].astype(str).where(r["top"])).groupby("unit", sort=False)
    out = pd.DataFrame({
        "town_code": g["town_code"].last(),
        "months_top": g["top"].sum().astype("int64"),
        "top_months": g["top_month"].agg(lambda x: "|".join(x.dropna())),
        "mean_excess": g["ranked_excess"].mean(),
        "best_rank": g["rank"].min(),
    })
    out["n_months"] = n_months
    out = out[out["months_top"] >= min_months].reset_index()
    out = out.sort_values(["months_top", "mean_excess", "unit"], ascending=[False, False, True], kind="mergesort")
    return out[["unit", "town_code", "months_top", "n_months", "top_months", "mean_excess", "best_rank"]] \
        .reset_index(drop=True)


def _spread_labels(anchors: np.ndarray, min_distance: float, iterations: int = 300) -> np.ndarray:
    """Label positions near their anchors, at least ``min_distance`` apart (all in points).

    A small deterministic repulsion: labels start on their anchors (coincident ones fanned out
    on a circle) and every pair closer than ``min_distance`` is pushed apart along the line
    joining them, half the overlap each, until none overlaps (or ``iterations`` passes; a
    handful of labels, so a loop over passes, not rows)."""
    k = len(anchors)
    q = anchors.astype(float).copy()
    if k < 2:
        return q
    angle = 2 * np.pi * np.arange(k) / k
    q += 0.05 * min_distance * np.c_[np.cos(angle), np.sin(angle)]  # separates coincident anchors
    for _ in range(iterations):
        d = q[:, None, :] - q[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1])
        np.fill_diagonal(dist, np.inf)
        overlap = np.clip(min_distance - dist, 0, None)
        if not (overlap > 1e-6).any():
            break
        unit = d / np.maximum(dist, 1e-9)[..., None]  # the diagonal: 0 / inf = 0
        q += (unit * (0.5 * overlap)[..., None]).sum(axis=1) * 1.01
    return q


def plot_hotspots(
    ranking: pd.DataFrame,
    boundaries: Any = None,
    *,
    top_k: int = 10,
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    path: str | Path | None = None,
):
    """Map of a hot-spot ranking: units coloured by excess over the reference, the top k numbered.

    The top k units carry their rank as a numbered badge on the map, the badges pushed apart so
    that none covers another (a thin leader line joins a moved badge to its unit), and their
    names and excess are listed by rank beside the map: close hot spots (the usual case, a
    source's neighbours) stay readable without a label on the map.

    Parameters
    ----------
    ranking : DataFrame
        Output of :func:`hotspot_ranking` (``unit``, ``lon``, ``lat``, ``excess``, ``rank``;
        grid rankings are drawn as squares).
    boundaries : geopandas.GeoDataFrame, optional
        Town polygons (WGS84) drawn underneath; their ``town_name`` (if present) is written at
        each polygon's representative point.
    top_k : int
        Units with ``rank <= top_k`` get a badge ``"<rank>"`` on the map (``"2a"``, ``"2b"`` …
        for units tied at a rank, larger unrounded excess first) and a line
        ``"<badge>  <name>  <excess>"`` [µg/m³, one decimal] in the list beside it.
    title : str, optional
        Figure title (escaped with :func:`airlib.escaping.mpl_text`).
    names : mapping, optional
        Display names by unit (e.g. station names); default the unit id.
    path : path-like, optional
        Write the figure as PNG atomically (:func:`airlib.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0: the map (colour scale: excess [µg/m³], diverging around 0, red = above the
        reference; unranked units in grey); axes 1: the ranked list (no frame); then the
        colour bar.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    _require(ranking, ("unit", "lon", "lat", "excess", "rank"), "ranking")
    use_chinese_fonts()
    fig = plt.figure(figsize=(11, 7))
    grid = fig.add_gridspec(1, 2, width_ratios=[3.2, 1.0], wspace=0.05)
    ax = fig.add_subplot(grid[0, 0])
    ax_list = fig.add_subplot(grid[0, 1])
    ax_list.set_axis_off()
    if boundaries is not None:
        boundaries.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#888888", linewidth=0.6)
        if "town_name" in boundaries.columns:
            for name, pt in zip(boundaries["town_name"], boundaries.geometry.representative_point()):
                ax.annotate(mpl_text(name), (pt.x, pt.y), ha="center", va="center", fontsize=7, color="#666666")
    marker = "s" if "n_stations" in ranking.columns else "o"
    ranked = ranking[ranking["rank"].notna() & ranking["excess"].notna()]
    other = ranking[~ranking.index.isin(ranked.index)]
    if len(other):
        ax.scatter(other["lon"], other["lat"], s=18, marker=marker, facecolors="none", edgecolors="#aaaaaa",
                   label=mpl_text("未排名（有效小时不足）"))
    top = ranked.iloc[0:0]
    if len(ranked):
        lim = float(np.nanmax(np.abs(ranked["excess"]))) or 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim)
        sc = ax.scatter(ranked["lon"], ranked["lat"], c=ranked["excess"], cmap="RdBu_r", s=40, marker=marker,
                        norm=norm, edgecolors="#333333", linewidths=0.4)
        fig.colorbar(sc, ax=ax, shrink=0.8, label=mpl_text("超出参照浓度 [µg/m³]"))
        top = ranked[ranked["rank"] <= top_k].assign(neg_excess=lambda d: -d["excess"]) \
            .sort_values(["rank", "neg_excess", "unit"], kind="mergesort")
        # badge text: the rank, with a, b, … on ties (tied at published precision: larger excess first)
        tie = top.groupby("rank", sort=False)["unit"].transform("size").to_numpy() > 1
        pos = top.groupby("rank", sort=False).cumcount().to_numpy()
        letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
        badge = [f"{int(r)}{letters[min(i, 25)] if t else ''}" for r, i, t in zip(top["rank"], pos, tie)]
        top = top.assign(badge=badge)
        ax.scatter(top["lon"], top["lat"], c=top["excess"], cmap="RdBu_r", s=110, marker=marker, zorder=3,
                   norm=norm, edgecolors="#000000", linewidths=1.0)
    ax.set_xlabel(mpl_text("经度 [°]"))
    ax.set_ylabel(mpl_text("纬度 [°]"))
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(mpl_text(title))
    if len(other):
        ax.legend(loc="lower left", fontsize=8)
    if len(top):
        # badges: anchors in points (the final axes layout), pushed apart, drawn with leader lines
        ax.apply_aspect()
        to_points = 72.0 / fig.dpi
        anchors = ax.transData.transform(top[["lon", "lat"]].to_numpy(float)) * to_points
        placed = _spread_labels(anchors + np.array([0.0, 11.0]), min_distance=15.0)  # start just above
        for row, (ox, oy) in zip(top.itertuples(index=False), placed - anchors):
            ax.annotate(row.badge, (row.lon, row.lat), xytext=(ox, oy), textcoords="offset points",
                        ha="center", va="center", fontsize=7.5, fontweight="bold", color="#b00000", zorder=5,
                        bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": "#b00000",
                              "linewidth": 0.8},
                        arrowprops={"arrowstyle": "-", "color": "#b00000", "linewidth": 0.6, "shrinkA": 0,
                                    "shrinkB": 3})
        lines = [mpl_text(f"前 {top_k} 名（超出参照浓度 µg/m³）")]
        for row in top.itertuples(index=False):
            label = (names or {}).get(row.unit, row.unit)
            lines.append(mpl_text(f"{row.badge:>3}  {label}  {row.excess:+.1f}"))
        styles = [{"fontsize": 9, "fontweight": "bold", "color": "#000000"}] \
            + [{"fontsize": 8.5, "color": "#b00000"}] * len(top)
        if tie.any():
            lines.append(mpl_text("a、b…：名次并列（按发布精度修约后的超出值相同）"))
            styles.append({"fontsize": 7.5, "color": "#555555"})
        y, step = 0.98, min(0.045, 0.96 / len(lines))
        for line, style in zip(lines, styles):
            ax_list.text(0.0, y, line, transform=ax_list.transAxes, ha="left", va="top", **style)
            y -= step
    if path is not None:
        save_figure(fig, path)
    return fig
