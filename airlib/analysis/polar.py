"""Polar plots of concentration on wind speed × direction (openair ``polarPlot``, ``polarCluster``).

openair's definitions (read from openair-project/openair at v2.18.2.9010, commit e3d7ccea,
``R/polarPlot.R: polarPlot`` and ``prepare.grid``, ``R/polarCluster.R: polarCluster``,
``R/checkPrep.R: checkPrep``), re-implemented here (no code copied):

1. Rows with a missing direction, speed or concentration are dropped (``na.omit``); a direction
   of 0° is 360°, directions outside 0–360° are dropped (``checkPrep``).
2. The radial variable ``x`` (default wind speed) is shifted by its minimum.
3. Directions are binned to ``wd_int`` = 10° if every direction is a multiple of 10, else 5°
   (``wd_int * ceiling(wd / wd_int - 0.5)`` cut at ``seq(0, 360, wd_int)``, right-closed); speeds
   to 30 equal intervals of ``[0, max]``. Bin *j* of speed is placed at ``seq(min, max,
   length = 30)[j]`` and bin *i* of direction at ``wd_int * i`` (i = 1…360/wd_int) — openair's
   placement, kept so the numbers agree (the first speed bin sits on the origin).
4. Per bin: the mean (``statistic="mean"``) or, for the conditional probability function
   (``statistic="cpf"``), the share of the bin's hours with concentration **above** the
   ``percentile``-th percentile of all hours (R ``quantile`` type 7 = numpy's default).
   Bins with fewer than ``min_bin`` hours are dropped; bins of 1, 2, 3 hours get weights 0.25,
   0.5, 0.75.
5. A GAM ``z^n ~ s(u, v, k = 100)`` with u = x·sin(wd), v = x·cos(wd) (wd the direction the wind
   comes *from*, clockwise from north: north is up), n = ½ with ``force_positive`` (square root,
   then the prediction squared), is predicted on a 51 × 51 grid over ``[-upper, upper]²``
   (``upper`` = the largest shifted speed by default) and interpolated bilinearly to 201 × 201
   (101 × 101 for ``polarCluster``).
6. Grid points farther than 5 % of the grid's side from every non-empty bin are masked
   (``exclude.missing`` with ``mgcv::exclude.too.far(dist = 0.05)``); CPF above 1 is set to 1;
   with a user ``upper`` the points beyond it are masked.

**The smoother.** ``s(u, v, k = 100)`` in mgcv is a thin-plate regression spline (Wood 2003,
*J. R. Statist. Soc. B* 65:95–114): the thin-plate spline basis η(r) = r² log r / (8π) at the
unique bin positions, truncated to the eigenvectors of its k largest-magnitude eigenvalues, with
the linear null space (1, u, v) and the constraint that removes it from the truncated part; the
smoothing parameter minimises the GCV score n·Σw(y−f)² / (n − tr A)² (mgcv's default
``method = "GCV.Cp"``). :func:`fit_thin_plate_regression_spline` builds exactly that model with
numpy/scipy, so the surface is openair's model rather than a look-alike (an RBF interpolant, a
tensor B-spline GLMGam or pygam would each be a different model with its own smoothness).
Remaining differences: the GCV optimum is found by a bounded 1-D search (mgcv: Newton); when the
k-th and (k+1)-th eigenvalues are tied (openair's symmetric bin grid makes pairs) both are kept; and with
more than 2000 unique bins mgcv draws 2000 knots with its own random numbers — here a fixed-seed
numpy draw. Neither was checked against R (R is not installed); see ``docs/analysis.md``.

**polar_cluster** follows ``polarCluster``: the 101 × 101 surface (u, v, z) without masked
points, each column standardised by its mean absolute deviation (``cluster::pam(stand = TRUE)``),
then clustered; each hour gets the cluster of the grid point found by ``findInterval`` on the
sorted grid coordinates. openair uses PAM (k-medoids); scikit-learn is not installed and PAM on
~8000 points is O(k·n²), so this uses k-means (``scipy.cluster.vq.kmeans2``, fixed seed, best of
``n_init`` starts): clusters are compact regions of the standardised space in both, but the
boundaries can differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.interpolate import RegularGridInterpolator
from scipy.linalg import solve_triangular
from scipy.optimize import minimize_scalar
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from airlib.errors import AirlibError, InputDataError
from airlib.escaping import mpl_text

__all__ = [
    "ThinPlateFit",
    "PolarClusters",
    "wind_degrees",
    "polar_bins",
    "fit_thin_plate_regression_spline",
    "polar_plot",
    "polar_cluster",
    "plot_polar",
    "plot_polar_cluster",
]

#: Grid of the GAM predictions (openair ``int <- 51``).
PREDICTION_GRID = 51
#: Speed intervals of the binning (openair ``ws_bins <- 30``).
WS_BINS = 30
#: Grid points farther than this share of the grid's side from every bin are masked
#: (openair: ``exclude.too.far(..., dist = 0.05)``).
EXCLUDE_DIST = 0.05
#: mgcv's ``max.knots`` for thin-plate regression splines.
MAX_KNOTS = 2000

_POLLUTANT_ZH = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3"}


def wind_degrees(wd: pd.Series) -> pd.Series:
    """Wind direction [degrees clockwise from north, the direction the wind comes from]:
    :func:`airlib.analysis.wind.wind_direction_degrees` (16-point compass text or degrees; N and
    0° as 360°, openair's convention, which the binning below also applies)."""
    from airlib.analysis.wind import wind_direction_degrees

    return wind_direction_degrees(wd)


def _prepare(hourly: pd.DataFrame, pollutant: str, x: str, wd: str) -> pd.DataFrame:
    missing = [c for c in (pollutant, x, wd) if c not in hourly.columns]
    if missing:
        raise InputDataError(
            f"polar plot needs columns {missing} (pollutant, wind speed, wind direction); "
            "pass the hourly frame or name the columns with pollutant=, x=, wd=",
            column=missing[0],
        )
    d = pd.DataFrame(
        {"wd": wind_degrees(hourly[wd]), "x": pd.to_numeric(hourly[x], errors="coerce").astype(float),
         "z": pd.to_numeric(hourly[pollutant], errors="coerce").astype(float)},
        index=hourly.index,
    )
    d["pos"] = np.arange(len(d))  # row position in the input (the index may repeat)
    d.loc[(d["wd"] < 0) | (d["wd"] > 360), "wd"] = np.nan  # checkPrep: outside 0–360 removed
    d.loc[d["wd"] == 0, "wd"] = 360.0  # checkPrep: a direction of 0 is 360
    d = d.dropna(subset=["wd", "x", "z"])
    if len(d) == 0:
        raise InputDataError(
            f"no hour has {pollutant}, {x} and {wd} all present: nothing to plot", column=pollutant
        )
    return d


def polar_bins(
    hourly: pd.DataFrame,
    pollutant: str = "pm25",
    *,
    x: str = "wspm",
    wd: str = "wd",
    statistic: Literal["mean", "cpf"] = "mean",
    percentile: float = 75.0,
    min_bin: int = 1,
    weights: tuple[float, float, float] = (0.25, 0.5, 0.75),
) -> pd.DataFrame:
    """The binned statistic a polar plot smooths (openair ``polarPlot`` → ``prepare.grid``).

    Parameters
    ----------
    hourly : DataFrame
        Hourly frame with the pollutant, ``x`` [m/s for ``wspm``] and ``wd`` (degrees or
        16-point compass text).
    pollutant : str
        Concentration column [µg/m³; CO mg/m³].
    statistic : {"mean", "cpf"}
        Bin mean, or the conditional probability function: share of the bin's hours with
        concentration > the ``percentile``-th percentile of all hours (openair default 75).
    min_bin : int
        Bins with fewer hours are dropped (openair ``min.bin = 1``).
    weights : three floats
        GAM weights of bins with 1, 2, 3 hours (openair ``weights``).

    Returns
    -------
    DataFrame
        One row per non-empty bin: ``ws`` (the bin's placed radial value [units of x, shifted by
        its minimum]), ``wd_bin`` [degrees], ``u``, ``v``, ``n`` (hours), ``value`` (mean
        [pollutant units] or CPF [0–1]), ``weight``. ``attrs``: ``max_ws``, ``min_x``, ``wd_int``,
        ``threshold`` (CPF threshold or None), ``n_hours``.
    """
    if statistic not in ("mean", "cpf"):
        raise AirlibError(f"statistic must be 'mean' or 'cpf', not {statistic!r}")
    if statistic == "cpf" and not 0 < float(percentile) < 100:
        raise AirlibError(f"percentile must be between 0 and 100, not {percentile!r}")
    d = _prepare(hourly, pollutant, x, wd)
    min_x = float(d["x"].min())
    xs = d["x"].to_numpy() - min_x
    max_ws = float(xs.max())
    if max_ws <= 0:
        raise InputDataError("one value only: no radial axis for a polar plot; give hours with different "
                             "wind speeds", column=x)
    wdv = d["wd"].to_numpy()
    wd_int = 10 if np.all(wdv % 10 == 0) else 5
    n_wd = 360 // wd_int
    rounded = wd_int * np.ceil(wdv / wd_int - 0.5)
    i_wd = np.clip(rounded / wd_int - 1, 0, n_wd - 1).astype(np.int64)  # right-closed, [0, wd_int] lowest
    breaks = np.linspace(0.0, max_ws, WS_BINS + 1)
    i_ws = np.clip(np.searchsorted(breaks, xs, side="left") - 1, 0, WS_BINS - 1)
    cell = i_wd * WS_BINS + i_ws
    z = d["z"].to_numpy()
    n = np.bincount(cell, minlength=n_wd * WS_BINS)
    threshold = None
    if statistic == "mean":
        tot = np.bincount(cell, weights=z, minlength=n_wd * WS_BINS)
    else:
        threshold = float(np.quantile(z, float(percentile) / 100.0))
        tot = np.bincount(cell, weights=(z > threshold).astype(float), minlength=n_wd * WS_BINS)
    keep = (n > 0) & (n >= min_bin)
    idx = np.flatnonzero(keep)
    ws_val = np.linspace(0.0, max_ws, WS_BINS)[idx % WS_BINS]
    wd_val = wd_int * (idx // WS_BINS + 1).astype(float)
    rad = np.pi * wd_val / 180.0
    w = np.ones(len(idx))
    for count, wt in zip((1, 2, 3), weights):
        w[n[idx] == count] = wt
    out = pd.DataFrame({
        "ws": ws_val, "wd_bin": wd_val,
        "u": ws_val * np.sin(rad) + 0.0, "v": ws_val * np.cos(rad) + 0.0,
        "n": n[idx], "value": tot[idx] / n[idx], "weight": w,
    })
    out.attrs.update(max_ws=max_ws, min_x=min_x, wd_int=wd_int, threshold=threshold, n_hours=int(len(d)),
                     statistic=statistic, pollutant=pollutant, percentile=float(percentile))
    return out


@dataclass(frozen=True)
class ThinPlateFit:
    """A fitted thin-plate regression spline z = f(u, v) (mgcv ``s(u, v, bs = "tp", k)``)."""

    knots: np.ndarray  #: unique covariate positions (m × 2)
    basis: np.ndarray  #: U_k Z (m × (k − 3)): truncated eigenbasis with the null-space constraint
    coef: np.ndarray  #: k − 3 wiggly coefficients then (1, u, v)
    lam: float  #: smoothing parameter chosen by GCV
    edf: float  #: effective degrees of freedom (trace of the influence matrix)
    gcv: float  #: the GCV score at ``lam``

    def predict(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """f at the points (u, v) (an array of the shape of ``u``)."""
        u = np.asarray(u, float)
        pts = np.column_stack([u.ravel(), np.ravel(v)])
        return (_design(pts, self.knots, self.basis) @ self.coef).reshape(u.shape)


def _eta(r: np.ndarray) -> np.ndarray:
    """Thin-plate radial function for d = 2, m = 2: r² log(r) / (8π) (0 at r = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        e = r * r * np.log(r) / (8.0 * np.pi)
    return np.where(r > 0, e, 0.0)


def _design(pts: np.ndarray, knots: np.ndarray, basis: np.ndarray) -> np.ndarray:
    return np.column_stack([_eta(cdist(pts, knots)) @ basis, np.ones(len(pts)), pts])


def fit_thin_plate_regression_spline(
    u: np.ndarray, v: np.ndarray, z: np.ndarray, weights: np.ndarray | None = None, *, k: int = 100,
    seed: int = 0, lam: float | None = None,
) -> ThinPlateFit:
    """Penalised thin-plate regression spline with GCV smoothing (mgcv ``gam(z ~ s(u, v, k = k))``).

    Wood (2003) TPRS: knots at the unique (u, v) (a fixed-seed draw of ``MAX_KNOTS`` if more),
    the k largest-magnitude eigenpairs (U_k, D_k) of the knot matrix E = η(‖x_i − x_j‖), the
    constraint T′U_k δ = 0 absorbed by the null space Z of (U_k′T)′, the design
    [E U_k Z, 1, u, v] and penalty λ δ′Z′D_k Z δ; λ minimises GCV = n·Σw r² / (n − tr A)².

    Parameters
    ----------
    u, v : arrays
        Covariates (same length).
    z : array
        Response.
    weights : array, optional
        Prior weights (default 1).
    k : int
        Basis dimension (openair 100); needs at least k unique (u, v). When the k-th largest
        eigenvalue is tied with the next (symmetric bin layouts), the tied eigenvectors are all
        kept (k + 1 or more): mgcv keeps exactly k, one of a tied pair chosen by rounding.
    seed : int
        Seed of the knot draw when there are more than ``MAX_KNOTS`` unique positions.
    lam : float, optional
        A fixed smoothing parameter instead of the GCV choice (for checks; with ``k`` = the number
        of unique points the fit is the full thin-plate smoothing spline with this λ).

    Raises
    ------
    AirlibError
        Fewer unique positions than ``k`` (openair then shows the raw bins and warns).
    """
    pts = np.column_stack([np.asarray(u, float), np.asarray(v, float)]) + 0.0
    y = np.asarray(z, float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    if not len(pts) == len(y) == len(w):
        raise AirlibError(f"u, v, z and weights must have the same length (got {len(pts)}, {len(y)}, {len(w)})")
    if not (np.isfinite(pts).all() and np.isfinite(y).all() and np.isfinite(w).all() and (w > 0).all()):
        raise AirlibError("u, v, z must be finite and weights finite and positive: drop the missing values first")
    knots = np.unique(pts, axis=0)
    if len(knots) < k:
        raise AirlibError(
            f"only {len(knots)} distinct wind speed × direction bins for a smooth surface of basis "
            f"dimension k = {k}: lower k (e.g. k={max(len(knots) // 2, 10)}) or give more data"
        )
    if len(knots) > MAX_KNOTS:
        knots = knots[np.sort(np.random.default_rng(seed).choice(len(knots), MAX_KNOTS, replace=False))]
    E = _eta(cdist(knots, knots))
    vals, vecs = np.linalg.eigh(E)
    order = np.argsort(-np.abs(vals))
    mags = np.abs(vals[order])
    # openair's bins lie on a rotationally symmetric polar grid, so eigenvalues come in equal pairs; if
    # the k-th and (k+1)-th are equal the k-th eigenvector is an arbitrary member of their eigenspace
    # (rounding decides). Keep the whole tied group so the basis, and the surface, are well defined.
    kk = k
    while kk < len(mags) and mags[kk] >= mags[k - 1] * (1 - 1e-9):
        kk += 1
    top = order[:kk]
    Uk, Dk = vecs[:, top], vals[top]
    T = np.column_stack([np.ones(len(knots)), knots])
    q, _ = np.linalg.qr(Uk.T @ T, mode="complete")
    Z = q[:, 3:]
    basis = Uk @ Z
    X = _design(pts, knots, basis)
    p = X.shape[1]
    S = np.zeros((p, p))
    S[: p - 3, : p - 3] = Z.T @ (Dk[:, None] * Z)
    S = (S + S.T) / 2
    # scale columns for conditioning
    scale = np.linalg.norm(X, axis=0)
    scale[scale == 0] = 1.0
    sw = np.sqrt(w)
    Xs = (X / scale) * sw[:, None]
    Ss = S / np.outer(scale, scale)
    yw = y * sw
    Q, R = np.linalg.qr(Xs)
    Rinv = solve_triangular(R, np.eye(p))
    B = Rinv.T @ Ss @ Rinv
    lam_eig, U = np.linalg.eigh((B + B.T) / 2)
    lam_eig = np.clip(lam_eig, 0, None)
    qy = Q.T @ yw
    c = U.T @ qy
    rss0 = float(yw @ yw - qy @ qy)
    n = len(y)

    def gcv(rho: float) -> float:
        shrink = 1.0 / (1.0 + np.exp(rho) * lam_eig)
        rss = rss0 + float(np.sum((c * (1 - shrink)) ** 2))
        tr = float(shrink.sum())
        return n * rss / (n - tr) ** 2 if n > tr else np.inf

    if lam is not None:
        rho = float(np.log(lam))
    else:
        grid = np.linspace(-25, 25, 101)
        scores = np.array([gcv(r) for r in grid])
        j = int(np.argmin(scores))
        lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
        res = minimize_scalar(gcv, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6})
        rho = float(res.x) if res.fun <= scores[j] else float(grid[j])
    shrink = 1.0 / (1.0 + np.exp(rho) * lam_eig)
    coef = (Rinv @ (U @ (shrink * c))) / scale
    return ThinPlateFit(knots=knots, basis=basis, coef=coef, lam=float(np.exp(rho)), edf=float(shrink.sum()),
                        gcv=float(gcv(rho)))


def _exclude_too_far(gu: np.ndarray, gv: np.ndarray, du: np.ndarray, dv: np.ndarray, dist: float) -> np.ndarray:
    """mgcv ``exclude.too.far``: True where no data point is within ``dist`` (unit-square scale)."""
    u0, us = gu.min(), gu.max() - gu.min()
    v0, vs = gv.min(), gv.max() - gv.min()
    tree = cKDTree(np.column_stack([(du - u0) / us, (dv - v0) / vs]))
    d, _ = tree.query(np.column_stack([(gu - u0) / us, (gv - v0) / vs]))
    return d > dist


def polar_plot(
    hourly: pd.DataFrame,
    pollutant: str = "pm25",
    *,
    x: str = "wspm",
    wd: str = "wd",
    statistic: Literal["mean", "cpf"] = "mean",
    percentile: float = 75.0,
    min_bin: int = 1,
    upper: float | None = None,
    k: int = 100,
    force_positive: bool = True,
    exclude_missing: bool = True,
    resolution: int = 201,
    weights: tuple[float, float, float] = (0.25, 0.5, 0.75),
) -> pd.DataFrame:
    """Smoothed surface of a statistic on wind speed × direction (openair ``polarPlot``).

    All hours of ``hourly`` are pooled (openair ``type = "default"``); select one station first
    for a station's plot. Steps and sources: module docstring.

    Parameters
    ----------
    hourly : DataFrame
        Hourly frame (``pollutant``, ``x``, ``wd``).
    pollutant : str
        Concentration column [µg/m³; CO mg/m³].
    x : str
        Radial variable, default ``wspm`` [m/s] (openair ``x = "ws"``).
    statistic : {"mean", "cpf"}
        ``"mean"``: mean concentration; ``"cpf"``: conditional probability that the
        concentration exceeds the ``percentile``-th percentile [0–1].
    percentile : float
        For ``"cpf"`` [%], openair default 75.
    min_bin : int
        Minimum hours per bin (openair 1).
    upper : float, optional
        Radius of the plot [units of x]; default the largest (shifted) x, nothing clipped.
    k : int
        GAM basis dimension (openair 100).
    force_positive : bool
        Fit the square root and square the prediction (openair ``force.positive = TRUE``).
    exclude_missing : bool
        Mask grid points far from any bin (openair ``exclude.missing = TRUE``).
    resolution : int
        Points per side of the returned grid, bilinear from the 51 × 51 predictions (201;
        ``polar_cluster`` uses 101 as openair does).

    Returns
    -------
    DataFrame
        ``u``, ``v`` [units of x], ``z`` (statistic; NaN where masked), ``resolution²`` rows with u
        varying fastest. ``attrs``: those of :func:`polar_bins`, ``upper``, ``edf``, ``lam``.
    """
    bins = polar_bins(hourly, pollutant, x=x, wd=wd, statistic=statistic, percentile=percentile,
                      min_bin=min_bin, weights=weights)
    max_ws = bins.attrs["max_ws"]
    clip = upper is not None
    up = float(upper) if clip else max_ws
    power = 0.5 if force_positive else 1.0
    value = bins["value"].to_numpy()
    # openair: binned^0.5 of a negative bin is NaN in R, and mgcv drops it from the fit
    fitted = value >= 0 if force_positive else np.ones(len(value), dtype=bool)
    fit = fit_thin_plate_regression_spline(bins["u"].to_numpy()[fitted], bins["v"].to_numpy()[fitted],
                                           value[fitted] ** power, bins["weight"].to_numpy()[fitted], k=k)
    g = np.linspace(-up, up, PREDICTION_GRID)
    GU, GV = np.meshgrid(g, g, indexing="xy")  # rows = v, columns = u
    pred = fit.predict(GU, GV) ** (1.0 / power)
    fine = np.linspace(-up, up, int(resolution))
    FU, FV = np.meshgrid(fine, fine, indexing="xy")
    interp = RegularGridInterpolator((g, g), pred.T, method="linear")  # axes (u, v)
    z = interp(np.column_stack([FU.ravel(), FV.ravel()]))
    fu, fv = FU.ravel(), FV.ravel()
    if exclude_missing:
        z[_exclude_too_far(fu, fv, bins["u"].to_numpy(), bins["v"].to_numpy(), EXCLUDE_DIST)] = np.nan
    if statistic == "cpf":
        z = np.where(z > 1, 1.0, z)
    if clip:
        z[np.hypot(fu, fv) > up] = np.nan
    out = pd.DataFrame({"u": fu, "v": fv, "z": z})
    out.attrs.update(bins.attrs)
    out.attrs.update(upper=up, edf=fit.edf, lam=fit.lam, k=k, resolution=int(resolution))
    return out


@dataclass(frozen=True)
class PolarClusters:
    """Result of :func:`polar_cluster`."""

    grid: pd.DataFrame  #: u, v, z and ``cluster`` (1…n) of the unmasked 101 × 101 surface
    hours: pd.Series  #: cluster (1…n, Int64; <NA> where the hour is unused or its cell masked), index of the input
    centres: pd.DataFrame  #: mean u, v, z and hours per cluster


def polar_cluster(
    hourly: pd.DataFrame,
    pollutant: str = "pm25",
    *,
    n_clusters: int = 6,
    x: str = "wspm",
    wd: str = "wd",
    seed: int = 0,
    n_init: int = 10,
    **polar_kwargs,
) -> PolarClusters:
    """Cluster the polar-plot surface and label each hour (openair ``polarCluster``).

    The 101 × 101 surface of :func:`polar_plot` (masked points removed) is standardised per
    column by the mean absolute deviation (``pam(stand = TRUE)``) and split by k-means
    (``scipy.cluster.vq.kmeans2``, ``n_init`` starts from ``seed``, the lowest within-cluster
    sum of squares kept; openair uses PAM, see the module docstring). Clusters are numbered 1…n
    by increasing mean z. Each hour takes the cluster of the grid point ``findInterval`` finds
    for its (u, v) on the sorted grid coordinates, u = x·sin(wd), v = x·cos(wd) with x not shifted
    (as openair does).

    Parameters
    ----------
    n_clusters : int
        Number of clusters (openair 6).
    seed : int
        Seed of the k-means starts (same seed → same labels).
    **polar_kwargs
        Passed to :func:`polar_plot` (``statistic``, ``percentile``, ``k``, …).
    """
    from scipy.cluster.vq import kmeans2

    if int(n_clusters) < 2:
        raise AirlibError(f"n_clusters must be at least 2, not {n_clusters!r}")
    surf = polar_plot(hourly, pollutant, x=x, wd=wd, resolution=101, **polar_kwargs)
    grid = surf.dropna(subset=["z"]).reset_index(drop=True)
    if len(grid) < n_clusters:
        raise AirlibError(f"only {len(grid)} grid points left after masking: cannot form {n_clusters} clusters")
    data = grid[["u", "v", "z"]].to_numpy()
    mad = np.mean(np.abs(data - data.mean(axis=0)), axis=0)
    mad[mad == 0] = 1.0
    std = (data - data.mean(axis=0)) / mad
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(int(n_init)):
        centroid, label = kmeans2(std, int(n_clusters), minit="++", seed=int(rng.integers(2**31)))
        inertia = float(((std - centroid[label]) ** 2).sum())
        if len(np.unique(label)) == n_clusters and (best is None or inertia < best[0]):
            best = (inertia, label)
    if best is None:
        raise AirlibError(f"k-means found fewer than {n_clusters} non-empty clusters; lower n_clusters")
    label = best[1]
    order = np.argsort([data[label == c, 2].mean() for c in range(n_clusters)])
    relabel = np.empty(n_clusters, dtype=np.int64)
    relabel[order] = np.arange(1, n_clusters + 1)
    grid["cluster"] = relabel[label]

    coords = np.unique(np.concatenate([grid["u"].to_numpy(), grid["v"].to_numpy()]))
    lookup = np.zeros((len(coords), len(coords)), dtype=np.int64)  # 0 = masked
    iu = np.searchsorted(coords, grid["u"].to_numpy())
    iv = np.searchsorted(coords, grid["v"].to_numpy())
    lookup[iu, iv] = grid["cluster"].to_numpy()
    d = _prepare(hourly, pollutant, x, wd)
    rad = np.pi * d["wd"].to_numpy() / 180.0
    hu, hv = d["x"].to_numpy() * np.sin(rad), d["x"].to_numpy() * np.cos(rad)

    def find_interval(val: np.ndarray) -> np.ndarray:  # R findInterval(all.inside = TRUE), 0-based
        return np.clip(np.searchsorted(coords, val, side="right") - 1, 0, len(coords) - 2)

    lab = lookup[find_interval(hu), find_interval(hv)].astype(float)
    lab[lab == 0] = np.nan
    full = np.full(len(hourly), np.nan)
    full[d["pos"].to_numpy()] = lab
    hours = pd.Series(pd.array(full, dtype="Int64"), index=hourly.index, name="cluster")
    centres = grid.groupby("cluster")[["u", "v", "z"]].mean()
    centres["hours"] = hours.value_counts().reindex(centres.index, fill_value=0)
    return PolarClusters(grid=grid, hours=hours, centres=centres)


def _compass(ax, up: float) -> None:
    from matplotlib.patches import Circle

    ax.axhline(0, color="0.6", lw=0.5)
    ax.axvline(0, color="0.6", lw=0.5)
    for r in np.unique(np.linspace(0, up, 5)[1:].round(1)):
        ax.add_patch(Circle((0, 0), r, fill=False, color="0.6", lw=0.5, ls="--"))
        ax.text(r * 0.71, -r * 0.71, f"{r:g}", fontsize=7, color="0.4")
    for lab, (xx, yy) in {"北": (0, 1.06), "东": (1.06, 0), "南": (0, -1.06), "西": (-1.06, 0)}.items():
        ax.text(xx * up, yy * up, lab, ha="center", va="center", fontsize=10)
    ax.set_xlim(-1.15 * up, 1.15 * up)
    ax.set_ylim(-1.15 * up, 1.15 * up)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_polar(surface: pd.DataFrame, *, ax=None, title: str | None = None, cmap: str = "viridis"):
    """Draw a :func:`polar_plot` surface (Chinese labels; north up, radius = wind speed).

    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5))
    else:
        fig = ax.figure
    n = surface.attrs.get("resolution") or int(round(np.sqrt(len(surface))))
    Z = surface["z"].to_numpy().reshape(n, n)
    g = np.linspace(surface["u"].min(), surface["u"].max(), n)
    m = ax.pcolormesh(g, g, np.ma.masked_invalid(Z), cmap=cmap, shading="auto")
    _compass(ax, surface.attrs.get("upper", float(g.max())))
    pol = _POLLUTANT_ZH.get(surface.attrs.get("pollutant", ""), surface.attrs.get("pollutant", ""))
    if surface.attrs.get("statistic") == "cpf":
        label = f"CPF（>{surface.attrs.get('percentile', 75):g}百分位 = {surface.attrs.get('threshold', float('nan')):.0f}）"
    else:
        unit = "mg/m³" if surface.attrs.get("pollutant") == "co" else "µg/m³"
        label = f"{pol} 平均浓度（{unit}）"
    fig.colorbar(m, ax=ax, shrink=0.75, label=mpl_text(label))
    ax.set_title(mpl_text(title if title is not None else f"{pol} 风速（m/s）× 风向极坐标图"))
    return fig


def plot_polar_cluster(result: PolarClusters, *, ax=None, title: str | None = None):
    """Draw the clusters of :func:`polar_cluster` on the wind speed × direction plane."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5))
    else:
        fig = ax.figure
    g = result.grid
    n = int(g["cluster"].max())
    cmap = plt.get_cmap("tab10", n)
    sc = ax.scatter(g["u"], g["v"], c=g["cluster"], cmap=cmap, vmin=0.5, vmax=n + 0.5, s=4, marker="s", linewidths=0)
    up = float(np.abs(g[["u", "v"]].to_numpy()).max())
    _compass(ax, up)
    cb = fig.colorbar(sc, ax=ax, shrink=0.75, ticks=range(1, n + 1))
    cb.set_label(mpl_text("聚类（按平均浓度由低到高编号）"))
    ax.set_title(mpl_text(title if title is not None else f"极坐标聚类（{n}类）"))
    return fig
