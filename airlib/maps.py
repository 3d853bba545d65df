"""Town/street (街乡镇) boundaries and choropleth maps of the monthly ranking.

Boundaries come from a file the bureau supplies (shapefile, GeoJSON or GeoPackage, any CRS).
:func:`load_boundaries` maps its columns to the registry's 9-digit town codes
(``code_column=``) or to town names/aliases (``name_column=``), reprojects to WGS84
(EPSG:4326) and, for coordinates copied from Chinese web maps (Amap/Tencent, "GCJ-02",
about 300–700 m off WGS84 in Beijing), converts GCJ-02 → WGS84 with ``gcj02=True``.

GCJ-02 is not a CRS that PROJ knows: it is an obfuscation applied to WGS84 longitudes and
latitudes. :func:`wgs84_to_gcj02` implements the widely published forward formula
(Krasovsky-1940 semi-major axis a = 6 378 245 m, e² = 0.006 693 421 622 965 943 23);
:func:`gcj02_to_wgs84` inverts it by fixed-point iteration to < 1e-9° (≈ 0.1 mm).
Points outside China's bounding box are left unchanged, as the formula's users do.

Maps: :func:`static_choropleth` (matplotlib/geopandas, for the PDF) and
:func:`plotly_choropleth` (interactive, for JupyterLab; offline, no tile server). Maps drawn
from schematic boundaries (the demo's ``towns_schematic.geojson``) say so on the map.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.escaping import mpl_text, plotly_text

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

#: Semi-major axis (m) and squared eccentricity used by the GCJ-02 formula (Krasovsky 1940).
GCJ_A: Final[float] = 6378245.0
GCJ_EE: Final[float] = 0.00669342162296594323

#: Text drawn on every map made from schematic (not real) boundaries.
SCHEMATIC_NOTICE_ZH: Final[str] = "示意图：乡镇街道边界为示意多边形，非真实行政区划边界"

#: Column in a boundary file that marks schematic polygons (truthy values).
SCHEMATIC_COLUMN: Final[str] = "schematic"


# --------------------------------------------------------------------------- GCJ-02


def _out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset (dlon, dlat) in degrees that GCJ-02 adds at WGS84 point (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    common = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    sq = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
    dlat += common * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
    dlon += common * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (GCJ_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 longitude/latitude (degrees) to GCJ-02 ("Mars" coordinates).

    Vectorised over arrays. Points outside China's bounding box (lon 72.004–137.8347,
    lat 0.8293–55.8271) are returned unchanged; NaN stays NaN.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    dlon, dlat = _gcj_delta(lon, lat)
    out = _out_of_china(lon, lat)
    return np.where(out, lon, lon + dlon), np.where(out, lat, lat + dlat)


def gcj02_to_wgs84(lon, lat, *, tol: float = 1e-10, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 longitude/latitude (degrees) to WGS84.

    Inverts :func:`wgs84_to_gcj02` by fixed-point iteration ``w ← g − δ(w)`` until the
    change is below ``tol`` degrees (the offset varies slowly, so 3–5 iterations suffice);
    the round trip WGS84 → GCJ-02 → WGS84 is exact to ~1e-9°. Points outside China are
    returned unchanged.
    """
    glon = np.asarray(lon, dtype="float64")
    glat = np.asarray(lat, dtype="float64")
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        dlon, dlat = _gcj_delta(wlon, wlat)
        nlon, nlat = glon - dlon, glat - dlat
        step = np.nanmax(np.abs(np.concatenate([np.ravel(nlon - wlon), np.ravel(nlat - wlat)])), initial=0.0)
        wlon, wlat = nlon, nlat
        if step < tol:
            break
    out = _out_of_china(glon, glat)
    return np.where(out, glon, wlon), np.where(out, glat, wlat)


def _transform_geometries(geoms, func):
    import shapely

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms), _xy)


def gcj02_to_wgs84_geometries(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of a lon/lat GeoDataFrame with every vertex converted GCJ-02 → WGS84."""
    out = gdf.copy()
    out[gdf.geometry.name] = _transform_geometries(gdf.geometry.values, gcj02_to_wgs84)
    return out.set_geometry(gdf.geometry.name, crs="EPSG:4326")


# --------------------------------------------------------------------------- boundaries


def _normalise_code(values: pd.Series) -> pd.Series:
    """Town codes as 9-digit strings (12-digit codes ending in 000 are shortened)."""
    s = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    s = s.where(~(s.str.len().eq(12) & s.str.endswith("000")), s.str.slice(0, 9))
    return s


def load_boundaries(
    path: str | PathLike[str],
    *,
    code_column: str | None = None,
    name_column: str | None = None,
    towns: pd.DataFrame | None = None,
    layer: str | None = None,
    gcj02: bool = False,
    assume_crs: str | None = None,
    schematic: bool | None = None,
) -> gpd.GeoDataFrame:
    """Read town/street boundaries and map them to registry town codes, in WGS84.

    Parameters
    ----------
    path : path-like
        Shapefile (``.shp``), GeoJSON (``.geojson``/``.json``) or GeoPackage (``.gpkg``).
    code_column : str, optional
        Column holding the 9-digit NBS town code (12-digit codes ending in ``000`` accepted).
    name_column : str, optional
        Column holding town names; matched to ``towns`` by current name or any alias
        (e.g. 王平镇 → 王平地区). Used when ``code_column`` is not given. Needs ``towns``.
    towns : DataFrame, optional
        Town registry (``town_code``, ``town_name``, ``aliases``) to resolve names and to
        fill ``town_name`` for codes.
    layer : str, optional
        Layer of a multi-layer GeoPackage.
    gcj02 : bool
        The file's lon/lat are GCJ-02 (copied from Amap/Tencent web maps): convert to WGS84.
    assume_crs : str, optional
        CRS to assume when the file declares none (e.g. a shapefile without ``.prj``).
        Without it such a file is an error.
    schematic : bool, optional
        Mark the polygons as schematic. Default: the file's ``schematic`` column if present.

    Returns
    -------
    GeoDataFrame
        Columns ``town_code`` (string), ``town_name``, ``geometry`` in EPSG:4326; attribute
        ``attrs["schematic"]`` (bool) and ``attrs["source"]`` (the path).

    Raises
    ------
    InputDataError
        Missing file or column, no CRS, unknown town names, or duplicate codes.
    """
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputDataError("boundary file not found", file=path)
    try:
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        raise InputDataError(f"cannot read boundary file: {exc}", file=path) from exc
    if code_column is None and name_column is None:
        raise InputDataError(
            "say which column identifies the town: code_column= (9-digit code) or name_column=; "
            f"columns in the file: {', '.join(map(str, gdf.columns))}",
            file=path,
        )
    for col in (code_column, name_column):
        if col is not None and col not in gdf.columns:
            raise InputDataError(
                f"column not in the file; columns are: {', '.join(map(str, gdf.columns))}",
                file=path,
                column=col,
            )
    if gdf.crs is None:
        if assume_crs is None:
            raise InputDataError(
                "the file declares no CRS (shapefile without .prj?); pass assume_crs='EPSG:4326' "
                "(or the right CRS) if you know it",
                file=path,
            )
        gdf = gdf.set_crs(assume_crs)
    gdf = gdf.to_crs("EPSG:4326")
    if gcj02:
        gdf = gcj02_to_wgs84_geometries(gdf)

    if schematic is None:
        schematic = bool(
            SCHEMATIC_COLUMN in gdf.columns
            and gdf[SCHEMATIC_COLUMN].astype("string").str.lower().isin(["true", "1", "yes"]).any()
        )

    if code_column is not None:
        codes = _normalise_code(gdf[code_column])
        bad = ~codes.str.fullmatch(r"\d{9}").fillna(False)
        if bad.any():
            rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
            raise InputDataError("not a 9-digit town code", file=path, row=rows, column=code_column)
        names = gdf[name_column].astype("string") if name_column else pd.Series(pd.NA, index=gdf.index, dtype="string")
    else:
        if towns is None:
            raise InputDataError("name_column= needs the town registry (towns=) to find codes", file=path)
        names = gdf[name_column].astype("string").str.strip()
        codes = _codes_from_names(names, towns, file=path, column=name_column)

    out = gpd.GeoDataFrame(
        {"town_code": codes.to_numpy(), "town_name": names.to_numpy()},
        geometry=gdf.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    out["town_code"] = out["town_code"].astype("string")
    if towns is not None:
        official = pd.Series(
            towns["town_name"].astype("string").to_numpy(), index=towns["town_code"].astype("string")
        )
        out["town_name"] = out["town_code"].map(official).fillna(out["town_name"]).astype("string")
    dup = out["town_code"].duplicated(keep=False)
    if dup.any():
        # Several polygons of one town: dissolve them, keeping one row per town.
        out = out.dissolve(by="town_code", as_index=False, aggfunc="first")
    out.attrs["schematic"] = bool(schematic)
    out.attrs["source"] = str(path)
    return out


def _codes_from_names(names: pd.Series, towns: pd.DataFrame, *, file, column) -> pd.Series:
    """Map names (current or alias) to town codes, vectorised; unknown names → error."""
    lookup = {}
    for code, name, aliases in zip(
        towns["town_code"].astype("string"),
        towns["town_name"].astype("string"),
        towns["aliases"].astype("string").fillna("") if "aliases" in towns else [""] * len(towns),
        strict=True,
    ):
        lookup[str(name)] = str(code)
        for a in str(aliases).split("|"):
            if a:
                lookup.setdefault(a, str(code))
    codes = names.map(lookup).astype("string")
    missing = codes.isna()
    if missing.any():
        import difflib

        first = str(names[missing].iloc[0])
        close = difflib.get_close_matches(first, list(lookup), n=5, cutoff=0.3)
        rows = [int(i) + 1 for i in np.flatnonzero(missing.to_numpy())]
        raise InputDataError(
            f"unknown town name(s) {sorted(set(names[missing].dropna().tolist()))}; "
            f"closest known to {first!r}: {'、'.join(close) or '(none)'}",
            file=file,
            row=rows,
            column=column,
        )
    return codes


# --------------------------------------------------------------------------- maps


def _merge(boundaries: gpd.GeoDataFrame, table: pd.DataFrame) -> gpd.GeoDataFrame:
    t = table.copy()
    t["town_code"] = t["town_code"].astype("string")
    cols = [c for c in t.columns if c != "town_name" or "town_name" not in boundaries]
    merged = boundaries.merge(t[cols], on="town_code", how="left")
    merged.attrs = dict(boundaries.attrs)
    return merged


def static_choropleth(
    boundaries: gpd.GeoDataFrame,
    table: pd.DataFrame,
    column: str = "pm25",
    *,
    title: str = "",
    highlight: list[str] | None = None,
    cmap: str | None = None,
    legend_label: str | None = None,
    label_column: str | None = "rank",
    ax=None,
):
    """Static choropleth of a ranking column (matplotlib/geopandas), labelled in Chinese.

    Parameters
    ----------
    boundaries : GeoDataFrame
        From :func:`load_boundaries` (``town_code``, ``town_name``).
    table : DataFrame
        Ranking table (``airlib.ranking.ranking_table``) with ``town_code`` and ``column``.
    column : str
        ``"pm25"`` (µg/m³, reds) or ``"yoy_pct"`` (%, diverging around 0).
    title : str
        Map title (plain text: ``$`` is not mathtext).
    highlight : list of str, optional
        Town codes outlined in thick red (the bottom N / warning list).
    cmap : str, optional
        Colormap; default ``"YlOrRd"`` for concentrations, ``"RdYlGn_r"`` centred on 0 for %.
    legend_label : str, optional
        Colour-bar label.
    label_column : str, optional
        Column written after each town name (e.g. the rank); None: names only.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize, TwoSlopeNorm

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    gdf = _merge(boundaries, table)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.0, 6.0))
    else:
        fig = ax.figure
    values = pd.to_numeric(gdf[column], errors="coerce").astype("float64").to_numpy()
    has = ~np.isnan(values)
    is_pct = column.endswith("pct")
    cmap_obj = colormaps[cmap or ("RdYlGn_r" if is_pct else "YlOrRd")]
    if has.any():
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        if is_pct:
            span = max(abs(lo), abs(hi)) or 1.0
            norm = TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
        else:
            norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1.0)
        colours = [cmap_obj(norm(v)) if ok else (0.87, 0.87, 0.87, 1.0) for v, ok in zip(values, has, strict=True)]
    else:
        norm = Normalize(0, 1)
        colours = [(0.87, 0.87, 0.87, 1.0)] * len(gdf)
    gdf.plot(ax=ax, color=colours, edgecolor="#555555", linewidth=0.6)
    if (~has).any():
        gdf[~has].plot(ax=ax, facecolor="none", edgecolor="#777777", linewidth=0.6, hatch="//")
    if has.any():
        sm = ScalarMappable(norm=norm, cmap=cmap_obj)
        fig.colorbar(sm, ax=ax, shrink=0.7, pad=0.01,
                     label=legend_label or ("同比变化 (%)" if is_pct else "PM2.5 (μg/m³)"))
    if highlight:
        hl = gdf[gdf["town_code"].isin(highlight)]
        if len(hl):
            hl.boundary.plot(ax=ax, color="#d00000", linewidth=2.4)

    # Labels: name + rank inside polygons large enough to hold them; a number inside small
    # ones, with the names listed in a key beside the map.
    minx, miny, maxx, maxy = gdf.total_bounds
    box_area = max((maxx - minx) * (maxy - miny), 1e-12)
    key_lines = []
    k = 0
    for geom, name, code, v, rank_v in zip(
        gdf.geometry, gdf["town_name"], gdf["town_code"], values,
        gdf[label_column] if label_column and label_column in gdf else [pd.NA] * len(gdf), strict=True,
    ):
        pt = geom.representative_point()
        name = mpl_text(name if pd.notna(name) else code)  # a name with "$" is not mathtext
        rank_txt = f"第{int(rank_v)}名" if pd.notna(rank_v) else ("无有效数据" if np.isnan(v) else "")
        big = geom.area / box_area > 0.045
        if big:
            text, size = f"{name}\n{rank_txt}", 7.5
        else:
            k += 1
            text, size = str(k), 7.5
            key_lines.append(f"{k} {name} {rank_txt}")
        ax.annotate(text, (pt.x, pt.y), ha="center", va="center", fontsize=size,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    if key_lines:
        ax.text(-0.02, 0.5, "\n".join(key_lines), transform=ax.transAxes, ha="right", va="center",
                multialignment="left", fontsize=7, bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#999999", "alpha": 0.9})
    ax.set_title(mpl_text(title), pad=24 if gdf.attrs.get("schematic") else 6)
    ax.set_axis_off()
    ax.set_aspect(1.0 / np.cos(np.deg2rad(float(gdf.geometry.union_all().centroid.y))))
    notes = []
    if highlight:
        notes.append("红色粗线：预警乡镇街道")
    if (~has).any():
        notes.append("灰色斜线：无有效数据，不参与排名")
    if notes:
        ax.text(0.0, -0.02, "；".join(notes), transform=ax.transAxes, fontsize=8, va="top")
    if gdf.attrs.get("schematic"):
        ax.text(0.5, 1.0, SCHEMATIC_NOTICE_ZH, transform=ax.transAxes, ha="center", va="bottom",
                fontsize=9, color="#b00000",
                bbox={"boxstyle": "round,pad=0.3", "fc": "#fff3f3", "ec": "#b00000"})
    return fig


def plotly_choropleth(
    boundaries: gpd.GeoDataFrame,
    table: pd.DataFrame,
    column: str = "pm25",
    *,
    title: str = "",
    highlight: list[str] | None = None,
):
    """Interactive choropleth (plotly) for JupyterLab; works offline (no tile server).

    Same inputs as :func:`static_choropleth`. Hover shows town name, value and ranks;
    ``highlight`` towns are outlined in red; schematic boundaries are stated in an annotation.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import json

    import plotly.graph_objects as go

    gdf = _merge(boundaries, table)
    geojson = json.loads(gdf[["town_code", "geometry"]].to_json())
    for feat in geojson["features"]:
        feat["id"] = feat["properties"]["town_code"]
    is_pct = column.endswith("pct")
    values = pd.to_numeric(gdf[column], errors="coerce").astype("float64")
    rank_col = "yoy_rank" if is_pct else "rank"
    ranks = gdf[rank_col].astype("string").fillna("无") if rank_col in gdf else pd.Series("", index=gdf.index)
    hover = (  # plotly renders a subset of HTML in hover text: names are escaped
        gdf["town_name"].map(plotly_text).astype("string")
        + "<br>"
        + ("同比 " if is_pct else "PM2.5 ")
        + values.map(lambda v: "无有效数据" if pd.isna(v) else f"{v:g}").astype("string")
        + "<br>排名 "
        + ranks.astype("string")
    )
    fig = go.Figure(
        go.Choropleth(
            geojson=geojson,
            locations=gdf["town_code"].astype(str).tolist(),
            z=values.tolist(),
            text=hover.tolist(),
            hoverinfo="text",
            colorscale="RdYlGn_r" if is_pct else "YlOrRd",
            zmid=0 if is_pct else None,
            marker_line_color="#555555",
            marker_line_width=[2.5 if highlight and c in highlight else 0.6 for c in gdf["town_code"]],
            colorbar_title="同比(%)" if is_pct else "μg/m³",
        )
    )
    if highlight:
        fig.add_trace(
            go.Choropleth(
                geojson=geojson,
                locations=[c for c in gdf["town_code"].astype(str) if c in highlight],
                z=[0] * sum(1 for c in gdf["town_code"] if c in highlight),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker_line_color="#d00000",
                marker_line_width=3,
                hoverinfo="skip",
            )
        )
    fig.update_geos(fitbounds="locations", visible=False)
    fig.update_layout(title=plotly_text(title), margin={"l": 0, "r": 0, "t": 40, "b": 0}, height=550)
    if gdf.attrs.get("schematic"):
        fig.add_annotation(text=SCHEMATIC_NOTICE_ZH, x=0.5, y=1.0, xref="paper", yref="paper",
                           showarrow=False, font={"color": "#b00000"}, bgcolor="#fff3f3")
    return fig
