"""Wind rose, pollution rose and percentile rose, with openair's definitions.

Each analysis is a calculation returning a tidy frame and a ``plot_*`` function drawing that
frame in polar axes with Chinese labels (北/东/南/西, 静风 x%). Definitions followed (openair
2.18-2; file and function cited, own code):

``wind_rose`` — ``R/windRose.R``, ``windRose()``:

* rows with missing wind speed are removed; negative speeds are missing (``checkPrep``,
  ``remove.neg``); directions < 0 or > 360 are missing;
* direction is rounded to the sector centre ``angle * ceiling(wd / angle - 0.5)`` and 0 → 360, so
  a direction exactly half-way between two centres goes to the lower one (with ``angle = 30``:
  15° → 0° = 360°, 345° → 330°, 345.1° → 360°, 355° → 360°);
* calm is ``ws == 0`` (or ``ws < calm_thresh`` when ``calm_thresh > 0``, openair ≥ 2.19), whatever
  the direction; calms are left out of the sectors and reported as a percentage;
* speed classes: ``breaks = 4`` with ``ws_int = 2`` gives edges 0, 2, 4, 6 plus the maximum speed
  when it is higher; intervals are R's ``cut`` classes, closed on the right, ``(0, 2]``,
  ``(2, 4]`` …, labelled ``"0 to 2"``;
* ``statistic = "prop.count"`` (default): the denominator is **every row with a wind speed** — calms,
  rows with a speed but no direction and rows whose ``x`` falls in no class included — so the
  sectors plus the calm percentage sum to 100 % when every direction is known. openair counts a
  row with a speed but no direction *as calm* (its calm count indexes the frame with
  ``wd == -999``, which is ``NA`` for those rows, and R returns an ``NA`` row for each); airlib
  does the same by default (``na_direction_as_calm=True``) and offers the corrected count;
* ``"prop.mean"``: each cell is the sum of ``x`` in it over (sum over all cells + sum over calms).
  openair 2.18 adds the calm hours whose ``x`` falls in a class to that denominator a second time
  (its ``tapply`` grid keeps the calm row ``wd = -999`` and the calm sum is then added again);
  openair ≥ 3.0 counts them once. airlib follows 2.18 by default (``calm_once=False``);
  ``"abs.count"``: raw counts;
* bias correction (``bias.corr = TRUE``): when every direction is a multiple of 10°, each sector's
  values are multiplied by mean(k)/k, k = how many of the 36 ten-degree directions fall in it.

``pollution_rose`` — ``R/windRose.R``, ``pollutionRose()``: a wind rose whose classes are a
pollutant's: ``breaks = 6`` gives R's ``pretty(c(min(x), quantile(x, 0.9)), 6)`` edges (plus the
maximum), default statistic ``"prop.count"``.

``percentile_rose`` — ``R/percentileRose.R``, ``percentileRose()``: per ``angle = 10``° sector,
the percentiles 0, 25, 50, 75, 90, 95 (openair's default ``c(25, 50, 75, 90, 95)`` with 0 added by
``fill = TRUE``; R ``quantile`` type 7) and the mean; rows with ``ws == 0 & wd == 0`` removed,
calms otherwise kept in their sector; unsmoothed (openair's default ``smooth = FALSE``).

Frequencies of the same data are the same in any panel order; ``type`` groups as
:func:`airlib.analysis.grouping.cut_data` (openair ``cutData``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd

from airlib.analysis.attribution import WIND_DIRECTION_DEGREES
from airlib.analysis.grouping import cut_data, type_columns
from airlib.errors import InputDataError

__all__ = [
    "COMPASS_16",
    "CALM_MARKERS",
    "wind_direction_degrees",
    "sector_of",
    "r_pretty",
    "wind_rose",
    "pollution_rose",
    "percentile_rose",
    "plot_wind_rose",
    "plot_percentile_rose",
]

#: The 16 compass points in clockwise order from N; point i is at 22.5·i degrees (N = 360).
COMPASS_16: Final[tuple[str, ...]] = tuple(WIND_DIRECTION_DEGREES)
#: Texts meaning calm / variable (no direction): UCI embassy ``cbwd`` "cv", and common spellings.
CALM_MARKERS: Final[frozenset[str]] = frozenset({"C", "CV", "CALM", "VRB", "静风"})

Statistic = Literal["prop.count", "prop.mean", "abs.count"]


def wind_direction_degrees(wd: pd.Series | Sequence[object], *, column: str = "wd") -> pd.Series:
    """Wind direction in degrees (N = 360, E = 90, S = 180, W = 270) from 16-point compass text.

    Parameters
    ----------
    wd : pandas.Series or sequence
        Compass text (``"N"``, ``"NNE"`` … ``"NNW"``, any case, surrounding blanks ignored) as in
        the UCI files, or numbers already in degrees (returned as floats; 0 becomes 360 as in
        openair's convention for a measured northerly).
    column : str
        Column name used in the error message.

    Returns
    -------
    pandas.Series
        Degrees [°] (float), NaN for a missing value or a calm/variable marker
        (:data:`CALM_MARKERS`). The UCI multi-site files mark calms by ``WSPM == 0`` with a direction
        kept (mostly ``"N"``) — calm is decided by the speed, not here.

    Raises
    ------
    InputDataError
        A text that is neither a compass point nor a calm marker (the values are listed); data
        are never silently turned into missing values.
    """
    s = wd if isinstance(wd, pd.Series) else pd.Series(list(wd), dtype=object)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype(float)
        return out.where(out != 0, 360.0)
    # work on the few distinct texts, not on every row
    cat = pd.Categorical(s.astype(object).where(s.notna(), None))
    names = pd.Series(cat.categories.astype(str)).str.strip().str.upper()
    table = {p: d if d else 360.0 for p, d in WIND_DIRECTION_DEGREES.items()}  # the one compass table, N = 360
    cat_deg = names.map(table).astype(float).to_numpy()
    unknown = np.isnan(cat_deg) & ~names.isin(CALM_MARKERS).to_numpy()
    codes = cat.codes
    if unknown.any():
        bad = np.isin(codes, np.flatnonzero(unknown))
        values = sorted(cat.categories[unknown].astype(str))
        raise InputDataError(
            f"wind direction not a 16-point compass point: {', '.join(map(repr, values[:5]))}"
            f"{' …' if len(values) > 5 else ''} ({int(bad.sum())} rows); use N, NNE, … NNW, a calm marker "
            f"({', '.join(sorted(CALM_MARKERS))}) or degrees", column=column)
    deg = np.where(codes >= 0, np.append(cat_deg, np.nan)[codes], np.nan)
    return pd.Series(deg, index=s.index, name=s.name)


def sector_of(degrees: pd.Series | np.ndarray, angle: float) -> np.ndarray:
    """Sector centre [°] of each direction: ``angle * ceiling(wd / angle - 0.5)``, 0 → 360.

    openair ``windRose``/``percentileRose`` (``R/windRose.R``, ``R/percentileRose.R``): a direction
    exactly half-way between two centres goes to the lower centre.

    Parameters
    ----------
    degrees : array-like
        Wind direction [°].
    angle : float
        Sector width [°].

    Returns
    -------
    numpy.ndarray
        Sector centre [°] in ``angle … 360``; NaN where the direction is NaN.
    """
    d = np.asarray(degrees, dtype=float)
    sec = angle * np.ceil(d / angle - 0.5)
    return np.where(sec == 0, 360.0, sec)


def r_pretty(lo: float, hi: float, n: int = 5) -> np.ndarray:
    """R's ``pretty(c(lo, hi), n)``: about ``n + 1`` equally spaced round values covering the range.

    R ``src/appl/pretty.c`` ``R_pretty`` with ``pretty.default``'s defaults (``min.n = n %/% 3``,
    ``shrink.sml = 0.75``, ``high.u.bias = 1.5``, ``u5.bias = 0.5 + 1.5 * high.u.bias``), which
    openair's ``pollutionRose`` uses for its class edges.

    Parameters
    ----------
    lo, hi : float
        The range [any unit].
    n : int
        Desired number of intervals.

    Returns
    -------
    numpy.ndarray
        The edges, from at most ``lo`` to at least ``hi``.
    """
    h, h5 = 1.5, 0.5 + 1.5 * 1.5
    min_n = n // 3
    eps = 1e-10
    dx = hi - lo
    if dx == 0 and hi == 0:
        cell, small = 1.0, True
    else:
        cell = max(abs(lo), abs(hi))
        u = 1 + (1 / (1 + h) if h5 >= 1.5 * h + 0.5 else 1.5 / (1 + h5))
        u *= max(1, n) * np.finfo(float).eps
        small = dx < cell * u * 3
    if small:
        if cell > 10:
            cell = 9 + cell / 10
        cell *= 0.75
        if min_n > 1:
            cell /= min_n
    else:
        cell = dx
        if n > 1:
            cell /= n
    base = 10.0 ** np.floor(np.log10(cell))
    unit = base
    if 2 * base - cell < h * (cell - unit):
        unit = 2 * base
        if 5 * base - cell < h5 * (cell - unit):
            unit = 5 * base
            if 10 * base - cell < h * (cell - unit):
                unit = 10 * base
    ns = np.floor(lo / unit + eps)
    nu = np.ceil(hi / unit - eps)
    while ns * unit > lo + eps * unit:
        ns -= 1
    while nu * unit < hi - eps * unit:
        nu += 1
    k = int(0.5 + nu - ns)
    if k < min_n:
        k = min_n - k
        if ns >= 0:
            nu += k // 2
            ns -= k // 2 + k % 2
        else:
            ns -= k // 2
            nu += k // 2 + k % 2
    return np.arange(ns, nu + 0.5) * unit


def _label(x: float) -> str:
    """R ``cut(dig.lab = 5)`` number text (``formatC(x, digits = 5, width = 1)``)."""
    return f"{x:.5g}"


def _directions(frame: pd.DataFrame, wd: str) -> np.ndarray:
    if wd not in frame.columns:
        raise InputDataError(f"no wind direction column {wd!r} (columns: {', '.join(map(str, frame.columns))})",
                             column=wd)
    d = wind_direction_degrees(frame[wd], column=wd).to_numpy(dtype=float)
    return np.where((d < 0) | (d > 360), np.nan, d)


def _numeric(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        raise InputDataError(f"no column {col!r} (columns: {', '.join(map(str, frame.columns))})", column=col)
    try:
        return pd.to_numeric(frame[col]).to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"column {col!r} must be numeric ({exc})", column=col) from None


def wind_rose(
    frame: pd.DataFrame,
    *,
    ws: str = "wspm",
    wd: str = "wd",
    pollutant: str | None = None,
    angle: float = 30,
    ws_int: float = 2,
    breaks: int | Sequence[float] = 4,
    type: str | Sequence[str] = "default",  # noqa: A002 - openair's name
    calm_thresh: float = 0.0,
    bias_corr: bool = True,
    statistic: Statistic = "prop.count",
    na_direction_as_calm: bool = True,
    calm_once: bool = False,
) -> pd.DataFrame:
    """Frequency of wind (or pollutant) classes by direction sector (openair ``windRose``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame: ``ws`` wind speed [m/s], ``wd`` direction (compass text or
        degrees), ``time`` for time ``type``\\ s.
    ws, wd : str
        Wind speed and direction columns (UCI: ``wspm``, ``wd``).
    pollutant : str, optional
        Classify this column instead of the wind speed (pollution rose).
    angle : float
        Sector width [°] (openair default 30; values < 3 become 3 as in openair).
    ws_int : float
        Width of a speed class [m/s] when ``breaks`` is an int (openair default 2).
    breaks : int or sequence of float
        An int n gives edges ``0, ws_int, …, (n-1)·ws_int`` (openair default 4); a sequence
        gives the edges. The maximum of the data is appended when above the last edge.
    type : str or sequence of str
        Panels (:func:`airlib.analysis.grouping.cut_data`).
    calm_thresh : float
        Calm when ``ws == 0`` (0, openair 2.18) or ``ws < calm_thresh`` [m/s].
    bias_corr : bool
        openair's correction for directions recorded to 10° (see module docstring).
    statistic : {"prop.count", "prop.mean", "abs.count"}
        openair's statistics; ``"prop.count"`` is openair's default.
    na_direction_as_calm : bool
        openair counts rows with a speed and no direction as calm in ``"prop.count"``/``"abs.count"``
        (True, default, gives openair's numbers); False counts only real calms (the rows are then
        in the denominator and in no sector).
    calm_once : bool
        ``"prop.mean"`` only: False (default) puts the calm hours whose ``x`` falls in a class in
        the denominator twice as openair 2.18 does; True counts them once (openair ≥ 3.0).

    Returns
    -------
    pandas.DataFrame
        One row per panel × sector × interval: the type columns, ``sector`` [°] (centre, 30 … 360),
        ``interval`` (ordered categorical, ``"0 to 2"`` …), ``lower``, ``upper`` (class edges, lower
        open), ``count`` (rows in the cell), ``value`` (% of the panel's denominator for the
        ``prop.*`` statistics, else the count, after bias correction), ``calm`` (same unit: calm
        % or count; openair rounds it to 0.1 in its output, airlib only in the label), ``n``
        (the panel's rows with a wind speed) and ``mean`` (the panel's mean of ``x``, openair's
        ``panel.fun`` annotation) [unit of ``x``]. Sectors with no data in a panel are absent (as in
        openair, which completes the grid over the sectors seen).

    Raises
    ------
    InputDataError
        Missing columns, non-numeric speed/pollutant, unknown direction texts, an unknown
        statistic, or no row with a wind speed.
    """
    if statistic not in ("prop.count", "prop.mean", "abs.count", "frequency"):
        raise InputDataError(f"statistic must be 'prop.count', 'prop.mean' or 'abs.count', got {statistic!r}")
    angle = max(float(angle), 3.0)
    types = type_columns(type)
    grouped = cut_data(frame, type)
    speed = _numeric(grouped, ws)
    speed = np.where(speed < 0, np.nan, speed)
    deg = _directions(grouped, wd)
    keep = ~np.isnan(speed)
    if not keep.any():
        raise InputDataError(f"no row with a wind speed in column {ws!r}", column=ws)
    x = speed if pollutant is None else _numeric(grouped, pollutant)
    speed, deg, x = speed[keep], deg[keep], x[keep]
    keys = grouped.loc[keep, types].reset_index(drop=True)

    sector = sector_of(deg, angle)
    calm = speed == 0 if calm_thresh == 0 else speed < calm_thresh
    # openair: R's data-frame indexing with NA (wd missing, not calm) returns NA rows in the calm count
    calm_counted = calm | (np.isnan(sector) & na_direction_as_calm)

    if np.ndim(breaks) == 0:
        edges = np.arange(int(breaks)) * float(ws_int)
    else:
        edges = np.asarray(breaks, dtype=float)
    xmax = np.nanmax(x) if np.isfinite(x).any() else np.nan
    if np.isfinite(xmax) and edges.max() < xmax:
        edges = np.append(edges, xmax)
    edges = np.unique(edges)
    if len(edges) < 2:
        raise InputDataError(f"need at least two class edges, got {edges.tolist()}")
    labels = [f"{_label(a)} to {_label(b)}" for a, b in zip(edges[:-1], edges[1:])]
    # R cut(include.lowest = FALSE, right = TRUE): (a, b]
    k = np.searchsorted(edges, x, side="left") - 1
    in_class = np.isfinite(x) & (x > edges[0]) & (x <= edges[-1])
    k = np.where(in_class, k, -1)

    in_sector = ~calm & ~np.isnan(sector)
    cells = pd.DataFrame({"_sec": sector, "_k": k, "_x": np.where(np.isfinite(x), x, 0.0)})
    cells = pd.concat([keys, cells], axis=1)
    panel_keys = types
    n_all = cells.groupby(panel_keys, observed=True, sort=True).size().rename("n")
    calm_cells = cells[calm_counted]
    if statistic == "prop.mean":
        calm_val = cells[calm].groupby(panel_keys, observed=True)["_x"].sum()
    else:
        calm_val = calm_cells.groupby(panel_keys, observed=True).size().astype(float)
    sect = cells[in_sector & (k >= 0)]
    agg = sect.groupby([*panel_keys, "_sec", "_k"], observed=True)["_x"].agg(["size", "sum"])
    # complete: every sector seen in the panel (calms excluded) × every interval
    seen = cells[in_sector][[*panel_keys, "_sec"]].drop_duplicates()
    grid = seen.merge(pd.DataFrame({"_k": np.arange(len(labels))}), how="cross")
    out = grid.merge(agg.reset_index(), on=[*panel_keys, "_sec", "_k"], how="left")
    out["count"] = out["size"].fillna(0).astype(np.int64)
    out["_sum"] = out["sum"].fillna(0.0)
    out = out.merge(n_all.reset_index(), on=panel_keys, how="left")
    means = cells.assign(_v=np.where(np.isfinite(x), x, np.nan)).groupby(panel_keys, observed=True)["_v"].mean()
    out = out.merge(means.rename("mean").reset_index(), on=panel_keys, how="left")
    out = out.merge(calm_val.rename("_calm").reset_index(), on=panel_keys, how="left")
    out["_calm"] = out["_calm"].fillna(0.0)
    if statistic == "prop.count":
        out["value"] = 100.0 * out["count"] / out["n"]
        out["calm"] = 100.0 * out["_calm"] / out["n"]
    elif statistic == "prop.mean":
        total = out.groupby(panel_keys, observed=True)["_sum"].transform("sum") + out["_calm"]
        if not calm_once:
            twice = cells[calm & (k >= 0)].groupby(panel_keys, observed=True)["_x"].sum().rename("_twice")
            total = total + out[panel_keys].merge(twice.reset_index(), on=panel_keys, how="left")["_twice"] \
                .fillna(0.0).to_numpy()
        out["value"] = 100.0 * out["_sum"] / total
        out["calm"] = 100.0 * out["_calm"] / total
    else:
        out["value"] = out["count"].astype(float)
        out["calm"] = out["_calm"]
    if bias_corr:
        out = _bias_correct(out, grouped.loc[keep, types].reset_index(drop=True), deg, angle, panel_keys)
    out["sector"] = out["_sec"].astype(float)
    out["interval"] = pd.Categorical.from_codes(out["_k"].to_numpy(), categories=labels, ordered=True)
    out["lower"] = edges[:-1][out["_k"].to_numpy()]
    out["upper"] = edges[1:][out["_k"].to_numpy()]
    out = out.sort_values([*panel_keys, "sector", "_k"]).reset_index(drop=True)
    out = out[[*panel_keys, "sector", "interval", "lower", "upper", "count", "value", "calm", "n", "mean"]]
    out.attrs["angle"] = angle
    out.attrs["statistic"] = statistic
    return out


def _bias_correct(out: pd.DataFrame, keys: pd.DataFrame, deg: np.ndarray, angle: float,
                  panel_keys: list[str]) -> pd.DataFrame:
    """openair ``windRose`` ``corr_bias``: per panel whose directions are all multiples of 10°."""
    flags = keys.copy()
    flags["_tens"] = np.isnan(deg) | (np.round(deg) % 10 == 0)
    tens = flags.groupby(panel_keys, observed=True)["_tens"].all().rename("_ok").reset_index()
    if not tens["_ok"].any():
        return out
    span = pd.Series(sector_of(np.arange(10, 361, 10), angle)).value_counts()
    factor = span.mean() / span
    out = out.merge(tens, on=panel_keys, how="left")
    f = out["_sec"].map(factor).fillna(1.0).to_numpy()
    out["value"] = np.where(out["_ok"].to_numpy(dtype=bool), out["value"].to_numpy() * f, out["value"].to_numpy())
    out = out.drop(columns="_ok")
    return out


def pollution_rose(
    frame: pd.DataFrame,
    pollutant: str,
    *,
    breaks: int | Sequence[float] = 6,
    statistic: Statistic = "prop.count",
    **kwargs: object,
) -> pd.DataFrame:
    """Frequency of pollutant classes by wind direction (openair ``pollutionRose``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame.
    pollutant : str
        Pollutant column (µg/m³; CO mg/m³).
    breaks : int or sequence of float
        An int n gives R's ``pretty(c(min(x), quantile(x, 0.9)), n)`` edges (openair default 6)
        over all rows of ``frame`` (as openair, before removing rows without wind); a sequence
        gives the edges. The maximum is appended when higher.
    statistic : {"prop.count", "prop.mean", "abs.count"}
        openair's default is ``"prop.count"`` (share of hours); ``"prop.mean"`` is the share of the
        summed concentration.
    **kwargs
        Passed to :func:`wind_rose` (``ws``, ``wd``, ``angle``, ``type`` …).

    Returns
    -------
    pandas.DataFrame
        As :func:`wind_rose`, the classes being the pollutant's [its unit].
    """
    x = _numeric(frame, pollutant)
    if np.ndim(breaks) == 0:
        if not np.isfinite(x).any():
            raise InputDataError(f"no value in column {pollutant!r}", column=pollutant)
        lo, q90 = float(np.nanmin(x)), float(np.nanquantile(x, 0.9))
        breaks = np.unique(r_pretty(lo, q90, int(breaks)))
    return wind_rose(frame, pollutant=pollutant, breaks=breaks, statistic=statistic, **kwargs)  # type: ignore[arg-type]


def percentile_rose(
    frame: pd.DataFrame,
    pollutant: str,
    *,
    wd: str = "wd",
    ws: str | None = "wspm",
    percentile: Sequence[float] = (25, 50, 75, 90, 95),
    angle: float = 10,
    fill: bool = True,
    type: str | Sequence[str] = "default",  # noqa: A002 - openair's name
) -> pd.DataFrame:
    """Percentiles and mean of a pollutant per direction sector (openair ``percentileRose``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame.
    pollutant : str
        Pollutant column.
    wd, ws : str
        Direction and (optional) speed columns; rows with ``ws == 0`` and ``wd == 0`` (numeric
        direction) are removed as openair does.
    percentile : sequence of float
        Percentiles [%] (openair default 25, 50, 75, 90, 95).
    fill : bool
        Add the 0th percentile so the bands start at the minimum (openair default True).
    angle : float
        Sector width [°] (openair default 10).
    type : str or sequence of str
        Panels (:func:`airlib.analysis.grouping.cut_data`).

    Returns
    -------
    pandas.DataFrame
        One row per panel × sector (``angle`` … 360, every sector, NaN where no value) ×
        statistic: ``percentile`` (float; NaN for the mean row), ``statistic`` (``"p25"`` …,
        ``"mean"``), ``value`` [the pollutant's unit] (R ``quantile`` type 7), ``n`` (values).
    """
    types = type_columns(type)
    f = frame
    if ws is not None and ws in frame.columns and pd.api.types.is_numeric_dtype(frame[wd]):
        f = frame.loc[~((pd.to_numeric(frame[ws]) == 0) & (frame[wd] == 0)).to_numpy()]
    grouped = cut_data(f, type)
    deg = _directions(grouped, wd)
    x = _numeric(grouped, pollutant)
    ok = ~np.isnan(deg)
    pcts = list(dict.fromkeys([0.0, *map(float, percentile)])) if fill else [float(p) for p in percentile]
    if any(p < 0 or p > 100 for p in pcts):
        raise InputDataError(f"percentiles must be within 0–100, got {list(percentile)}")
    data = grouped.loc[ok, types].reset_index(drop=True)
    data["_sec"] = sector_of(deg[ok], angle)
    data["_x"] = x[ok]
    g = data.groupby([*types, "_sec"], observed=True)["_x"]
    q = g.quantile([p / 100 for p in pcts]).rename("value").reset_index()
    q = q.rename(columns={q.columns[len(types) + 1]: "_q"})
    q["percentile"] = 100 * q["_q"]
    q["statistic"] = [f"p{p:g}" for p in q["percentile"]]
    m = g.mean().rename("value").reset_index()
    m["percentile"] = np.nan
    m["statistic"] = "mean"
    res = pd.concat([q.drop(columns="_q"), m], ignore_index=True)
    counts = g.count().rename("n").reset_index()
    res = res.merge(counts, on=[*types, "_sec"], how="left")
    # every sector, NaN where empty (openair adds NA rows for the missing sectors)
    sectors = np.arange(1, int(round(360 / angle)) + 1) * angle
    stats_ = pd.DataFrame({"statistic": [f"p{p:g}" for p in pcts] + ["mean"],
                           "percentile": [*pcts, np.nan]})
    panels = data[types].drop_duplicates()
    full = panels.merge(pd.DataFrame({"_sec": sectors}), how="cross").merge(stats_, how="cross")
    res = full.merge(res.drop(columns="percentile"), on=[*types, "_sec", "statistic"], how="left")
    res["n"] = res["n"].fillna(0).astype(np.int64)
    res = res.rename(columns={"_sec": "sector"})
    res = res[[*types, "sector", "statistic", "percentile", "value", "n"]].reset_index(drop=True)
    res.attrs["angle"] = float(angle)
    return res


# ---- plotting ------------------------------------------------------------------------------------

def _polar_axes(n: int, titles: Sequence[str]):
    import matplotlib.pyplot as plt

    from airlib.escaping import mpl_text
    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, subplot_kw={"projection": "polar"}, figsize=(4.6 * cols, 4.6 * rows + 0.6),
                             squeeze=False)
    flat = axes.ravel()
    for ax, title in zip(flat, titles):
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        ax.set_xticks(np.deg2rad([0, 90, 180, 270]), ["北", "东", "南", "西"])
        ax.set_title(mpl_text(title), fontsize=10)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _panels(table: pd.DataFrame, types: list[str]) -> list[tuple[str, pd.DataFrame]]:
    if types == ["default"] or not types:
        return [("", table)]
    return [(" ".join(map(str, k if isinstance(k, tuple) else (k,))), g)
            for k, g in table.groupby(types, observed=True, sort=True)]


def plot_wind_rose(table: pd.DataFrame, *, type: str | Sequence[str] = "default",  # noqa: A002
                   title: str = "", key_title: str = "风速 (m/s)", width: float = 0.9):
    """Draw a :func:`wind_rose` / :func:`pollution_rose` table: stacked sectors, calm % per panel.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`wind_rose` or :func:`pollution_rose`.
    type : str or sequence of str
        The ``type`` the table was made with (one panel per group).
    title : str
        Figure title (escaped for matplotlib).
    key_title : str
        Legend title (e.g. ``"PM2.5 (µg/m³)"`` for a pollution rose).
    width : float
        Share of the sector the bar fills (openair ``seg`` 0.9).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    from airlib.escaping import mpl_text

    types = type_columns(type)
    panels = _panels(table, types)
    fig, axes = _polar_axes(len(panels), [p[0] for p in panels])
    labels = list(table["interval"].cat.categories)
    colours = mpl.colormaps["YlOrRd"](np.linspace(0.25, 0.95, len(labels)))
    unit = "" if table.attrs.get("statistic") in ("abs.count", "frequency") else "%"
    for ax, (_, g) in zip(axes, panels):
        piv = g.pivot_table(index="sector", columns="interval", values="value", observed=False,
                            aggfunc="sum").reindex(columns=labels).fillna(0)
        bottom = np.zeros(len(piv))
        theta = np.deg2rad(piv.index.to_numpy(dtype=float))
        step = np.deg2rad(float(table.attrs.get("angle", 30.0)))
        for i, lab in enumerate(labels):
            ax.bar(theta, piv[lab].to_numpy(), width=step * width, bottom=bottom, color=colours[i],
                   edgecolor="white", linewidth=0.3, label=mpl_text(lab))
            bottom = bottom + piv[lab].to_numpy()
        calm = float(g["calm"].iloc[0]) if len(g) else 0.0
        calm_text = f"静风 {calm:.1f}{unit}" if unit else f"静风 {calm:.0f} 小时"
        ax.text(0.0, 0.0, mpl_text(calm_text), transform=ax.transAxes, ha="left", va="bottom", fontsize=9,
                color="forestgreen")
        ax.set_rlabel_position(315)  # openair angle.scale = 315
        ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _p: f"{v:g}{unit}"))
    axes[0].legend(title=mpl_text(key_title), loc="upper left", bbox_to_anchor=(1.05, 1.0), fontsize=8)
    if title:
        fig.suptitle(mpl_text(title))
    fig.tight_layout()
    return fig


def plot_percentile_rose(table: pd.DataFrame, *, type: str | Sequence[str] = "default",  # noqa: A002
                         title: str = "", unit: str = "µg/m³"):
    """Draw a :func:`percentile_rose` table: filled percentile bands per sector and the mean line.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`percentile_rose`.
    type : str or sequence of str
        The ``type`` the table was made with (one panel per group).
    title : str
        Figure title (escaped for matplotlib).
    unit : str
        Concentration unit for the legend title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    from airlib.escaping import mpl_text

    types = type_columns(type)
    panels = _panels(table, types)
    fig, axes = _polar_axes(len(panels), [p[0] for p in panels])
    pct = table.loc[table["statistic"] != "mean", ["statistic", "percentile"]].drop_duplicates()
    pct = pct.sort_values("percentile")
    colours = mpl.colormaps["YlOrRd"](np.linspace(0.2, 0.95, max(len(pct) - 1, 1)))
    for ax, (_, g) in zip(axes, panels):
        wide = g.pivot_table(index="sector", columns="statistic", values="value", dropna=False, aggfunc="first")
        sec = wide.index.to_numpy(dtype=float)
        half = np.deg2rad(float(table.attrs.get("angle", 10.0)) / 2)
        # each sector drawn as a flat step of its width (openair smooth = FALSE)
        th = np.column_stack([np.deg2rad(sec) - half, np.deg2rad(sec) + half]).ravel()
        th = np.append(th, th[0] + 2 * np.pi)
        prev = None
        for i, (stat, p) in enumerate(pct.itertuples(index=False)):
            r = np.repeat(wide[stat].to_numpy(dtype=float), 2)
            r = np.nan_to_num(np.append(r, r[0]))
            if prev is not None:
                ax.fill_between(th, prev, r, color=colours[i - 1], label=mpl_text(f"{prev_p:g}–{p:g}%分位"),
                                linewidth=0)
            prev, prev_p = r, p
        rm = np.nan_to_num(np.append(np.repeat(wide["mean"].to_numpy(dtype=float), 2), wide["mean"].iloc[0]))
        ax.plot(th, rm, color="grey", linewidth=2.5, label="均值")
    axes[0].legend(title=mpl_text(f"浓度 ({unit})"), loc="upper left", bbox_to_anchor=(1.05, 1.0), fontsize=8)
    if title:
        fig.suptitle(mpl_text(title))
    fig.tight_layout()
    return fig
