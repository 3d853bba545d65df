"""Town/street (街乡镇) boundaries and choropleth maps of the monthly ranking.

Boundaries come from a file the bureau supplies (shapefile, GeoJSON or GeoPackage, any CRS).
:func:`load_boundaries` maps its columns to the registry's 9-digit town codes
(``code_column=``) or to town names/aliases (``name_column=``), reprojects to WGS84
(EPSG:4326) and, for coordinates copied from Chinese web maps (Amap/Tencent, "GCJ-02",
about 300–700 m off WGS84 in Beijing), converts GCJ-02 → WGS84 with ``gcj02=True``. It refuses, with a message naming the file and
the features, what cannot be a town map of the district: files too large, codes not in the
registry or repeated, null/empty/non-polygon/invalid geometries (``repair=True`` repairs invalid
ones with ``make_valid`` and reports them), coordinates that contradict the declared or assumed
CRS (degrees vs metres, swapped axes), polygons outside Beijing (``Settings.beijing_bounds``) or
away from the district's polygon or stations. See ``docs/report.md``, "Boundaries and maps".

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

import warnings
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.files import refuse_if_larger
from airlib.settings import DEFAULT, Settings
from airlib.escaping import mpl_text, plotly_text
from airlib.report.texts import text

__all__ = [
    "BOUNDARY_SUFFIXES", "GCJ_A", "GCJ_EE", "PROJECTED_CANDIDATES", "SCALE_BAR_STEPS_KM", "SCHEMATIC_COLUMN",
    "SCHEMATIC_NOTICE_ZH", "BoundaryWarning", "add_north_arrow", "add_scale_bar", "gcj02_to_wgs84",
    "gcj02_to_wgs84_geometries", "km_per_degree_lon", "load_boundaries", "plotly_choropleth",
    "scale_bar_length_km", "static_choropleth", "wgs84_to_gcj02",
]

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


#: Suffixes of the boundary files :func:`load_boundaries` reads (shapefile, GeoJSON, GeoPackage).
BOUNDARY_SUFFIXES: Final[tuple[str, ...]] = (".shp", ".geojson", ".json", ".gpkg")

#: Projected CRSs tried when a file declares degrees but holds metres (the usual ones for
#: Beijing): the message names those that put the file's coordinates inside Beijing.
PROJECTED_CANDIDATES: Final[tuple[str, ...]] = (
    "EPSG:3857",  # WGS 84 / Pseudo-Mercator (web maps)
    "EPSG:32650",  # WGS 84 / UTM zone 50N
    "EPSG:4547",  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
    "EPSG:4527",  # CGCS2000 / 3-degree Gauss-Kruger zone 39 (easting with zone prefix)
    "EPSG:4508",  # CGCS2000 / Gauss-Kruger CM 117E (6-degree)
    "EPSG:2436",  # Beijing 1954 / 3-degree Gauss-Kruger CM 117E
)


class BoundaryWarning(UserWarning):
    """A boundary file was accepted, but something in it needs a look (repaired polygons,
    registry towns without a polygon, registry stations outside the boundaries)."""


def _shown(value: object, limit: int = 40) -> str:
    """A user-supplied value as quoted in messages (repr, cut to ``limit`` characters)."""
    text = "<empty>" if value is None or value is pd.NA else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _boundary_file_bytes(path: Path) -> int:
    """Size of a boundary file [bytes]; for a shapefile its .shp + .shx + .dbf."""
    if path.suffix.lower() != ".shp":
        return path.stat().st_size
    import glob

    parts = [q for q in path.parent.glob(f"{glob.escape(path.stem)}.*") if q.suffix.lower() in {".shp", ".shx", ".dbf"}]
    return sum(q.stat().st_size for q in parts) if parts else path.stat().st_size


def _read_boundary_file(path: Path, layer: str | None, settings: Settings) -> gpd.GeoDataFrame:
    """Check suffix, size and feature count, then read the file (any reading error → InputDataError)."""
    import geopandas as gpd
    import pyogrio

    if not path.exists():
        raise InputDataError("boundary file not found", file=path)
    if path.suffix.lower() not in BOUNDARY_SUFFIXES:
        raise InputDataError(
            f"not a boundary file type airlib reads ({path.suffix or 'no suffix'}); use a shapefile (.shp), "
            "GeoJSON (.geojson/.json) or GeoPackage (.gpkg)",
            file=path,
        )
    if not path.is_file():
        raise InputDataError("boundary path is not a file", file=path)
    try:
        size = _boundary_file_bytes(path)
    except OSError as exc:
        raise InputDataError(f"cannot read boundary file: {exc.strerror or exc}", file=path) from exc
    refuse_if_larger(path, size, settings.boundary_max_file_mb * 1e6, "boundary_max_file_mb [MB]",
                     what="the boundary file", hint="simplify the polygons (e.g. QGIS: Vector > Geometry "
                     "Tools > Simplify) or raise the limit")
    try:
        info = pyogrio.read_info(path, layer=layer)
        n = int(info.get("features", -1))
        if n > settings.boundary_max_features:
            raise InputDataError(
                f"boundary file has {n} features, more than the limit of {settings.boundary_max_features} "
                "(Settings.boundary_max_features); Beijing has 349 towns: keep only the district's",
                file=path,
            )
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except InputDataError:
        raise
    except Exception as exc:  # pyogrio/GDAL raise several types; OSError for permissions
        text = str(exc).strip()
        detail = text.splitlines()[0] if text else type(exc).__name__
        raise InputDataError(
            f"cannot read boundary file ({detail}); is it a complete shapefile (.shp with .shx and .dbf), "
            "GeoJSON or GeoPackage" + (f" with a layer {layer!r}" if layer else "") + "?",
            file=path,
        ) from exc
    if len(gdf) == 0:
        raise InputDataError("boundary file holds no features", file=path)
    return gdf.reset_index(drop=True)


def _crs_label(gdf: gpd.GeoDataFrame) -> str:
    crs = gdf.crs
    epsg = crs.to_epsg() if crs is not None else None
    return f"EPSG:{epsg} ({crs.name})" if epsg else str(crs.name if crs is not None else None)


def _fmt_bounds(b) -> str:
    return f"x {b[0]:.6g} … {b[2]:.6g}, y {b[1]:.6g} … {b[3]:.6g}"


def _check_crs_plausible(gdf: gpd.GeoDataFrame, *, path: Path, declared: bool, settings: Settings) -> None:
    """Refuse coordinates that cannot be in the (declared or assumed) CRS: degrees vs metres, swapped axes."""
    from pyproj import CRS, Transformer

    b = gdf.geometry.total_bounds
    crs = gdf.crs
    what = f"the file declares {_crs_label(gdf)}" if declared else f"the assumed CRS (assume_crs) is {_crs_label(gdf)}"
    fix = (
        "correct the CRS in the file (a shapefile's .prj, a GeoJSON's \"crs\" member), or remove it and set "
        "assume_crs (districts.yaml) to the right CRS"
        if declared
        else "set assume_crs (districts.yaml) to the right CRS"
    )
    lon0, lat0, lon1, lat1 = settings.beijing_bounds
    in_degrees = abs(b[0]) <= 180 and abs(b[2]) <= 180 and abs(b[1]) <= 90 and abs(b[3]) <= 90
    if crs.is_geographic and not in_degrees:
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        hits = []
        for cand in PROJECTED_CANDIDATES:
            lon, lat = Transformer.from_crs(cand, "EPSG:4326", always_xy=True).transform(cx, cy)
            if lon0 <= lon <= lon1 and lat0 <= lat <= lat1:
                hits.append(f"{cand} ({CRS(cand).name})")
        guess = f"; they fall in Beijing if read as {' or '.join(hits)}" if hits else ""
        raise InputDataError(
            f"{what}, in degrees, but the coordinates reach {_fmt_bounds(b)}: beyond ±180/±90, so they look "
            f"like metres of a projected CRS{guess}. Fix: {fix}",
            file=path,
        )
    if crs.is_geographic and lat0 <= b[0] and b[2] <= lat1 and lon0 <= b[1] and b[3] <= lon1:
        raise InputDataError(
            f"{what}, but the coordinates ({_fmt_bounds(b)}) look like (latitude, longitude) in Beijing: x and y "
            "are swapped. Export the file with longitude as x (GIS: swap X/Y axes)",
            file=path,
        )
    if crs.is_projected and in_degrees:
        raise InputDataError(
            f"{what}, in metres, but every coordinate lies within ±180/±90 ({_fmt_bounds(b)}): they look like "
            f"longitude/latitude degrees, probably EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000). Fix: {fix}",
            file=path,
        )


def _polygonal(geom):
    """The polygonal part of a geometry (make_valid may return lines and points beside polygons)."""
    import shapely
    from shapely.geometry import MultiPolygon

    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            polys.append(part)
        elif part.geom_type == "MultiPolygon":
            polys.extend(part.geoms)
    return MultiPolygon(polys) if polys else MultiPolygon()


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
    repair: bool = False,
    district_code: str | None = None,
    district_geometry=None,
    stations: pd.DataFrame | None = None,
    settings: Settings = DEFAULT,
) -> gpd.GeoDataFrame:
    """Read town/street boundaries, check them and map them to registry town codes, in WGS84.

    Checks, in this order (each failure is an :class:`InputDataError` naming the file and the
    features — feature numbers count from 1 in file order — and what to do): file type, size
    (``settings.boundary_max_file_mb``) and feature count (``settings.boundary_max_features``);
    the identifying column; town codes (9 digits, in the registry, no duplicates) or names
    (resolved in the registry); null, empty and non-polygon geometries; coordinates that cannot
    be in the declared or assumed CRS (degrees vs metres, swapped axes); validity
    (self-intersections etc., ``explain_validity``); after reprojection to WGS84, every feature
    inside ``settings.beijing_bounds``; the optional district polygon and registry stations
    overlapping the boundaries.

    Parameters
    ----------
    path : path-like
        Shapefile (``.shp``), GeoJSON (``.geojson``/``.json``) or GeoPackage (``.gpkg``).
    code_column : str, optional
        Column holding the 9-digit NBS town code (12-digit codes ending in ``000`` accepted).
    name_column : str, optional
        Column holding town names; resolved with :func:`airlib.io.registry.resolve_towns` (current
        name, alias such as 王平镇 → 王平地区, suffix-free key). Used when ``code_column`` is not
        given. Needs ``towns``.
    towns : DataFrame, optional
        Town registry (``town_code``, ``town_name``, ``aliases``): codes must be in it; fills
        ``town_name``; its towns without a polygon are reported (:class:`BoundaryWarning`,
        ``attrs["missing_towns"]``).
    layer : str, optional
        Layer of a multi-layer GeoPackage.
    gcj02 : bool
        The file's lon/lat are GCJ-02 (copied from Amap/Tencent web maps): convert to WGS84.
    assume_crs : str, optional
        CRS to assume when the file declares none (e.g. a shapefile without ``.prj``).
        Without it such a file is an error.
    schematic : bool, optional
        Mark the polygons as schematic. Default: the file's ``schematic`` column if present.
    repair : bool
        Repair invalid polygons with ``shapely.make_valid`` (keeping their polygonal parts)
        instead of refusing them; each repaired feature is reported (:class:`BoundaryWarning`,
        ``attrs["repaired"]``). District configuration key ``boundary_repair``. Default False.
    district_code : str, optional
        6-digit district code: features whose code belongs to another district are left out
        (so a city-wide file serves every district; ``attrs["other_districts"]`` counts them),
        and only registry towns of this district are expected. Only with ``code_column``.
    district_geometry : shapely geometry, optional
        The district's polygon in WGS84: at least ``settings.boundary_min_district_overlap`` of
        the boundaries' area must lie inside it.
    stations : DataFrame, optional
        Station registry (``lon``, ``lat`` [degrees, WGS84], optional ``station``,
        ``town_code``): its stations of the mapped towns must lie within
        ``settings.boundary_station_tolerance_km`` of the boundaries; none is an error, some
        outside a :class:`BoundaryWarning`.
    settings : Settings
        Limits and the Beijing box (:mod:`airlib.settings`).

    Returns
    -------
    GeoDataFrame
        One row per town: ``town_code`` (string), ``town_name``, ``geometry`` in EPSG:4326;
        ``attrs``: ``schematic`` (bool), ``source`` (the path), ``repaired`` (descriptions of the
        repaired features), ``missing_towns`` (list of (code, name) of registry towns without a
        polygon), ``other_districts`` (number of features left out by ``district_code``).

    Raises
    ------
    InputDataError
        Missing, unreadable, too large or wrongly typed file; missing column; no or implausible
        CRS; bad, unknown or duplicate codes; unknown names; null, empty, non-polygon or invalid
        geometries (unless ``repair``); boundaries outside Beijing, the district or its stations.
    """
    import geopandas as gpd
    import shapely

    path = Path(path)
    gdf = _read_boundary_file(path, layer, settings)
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
    ident = code_column if code_column is not None else name_column
    ident_values = gdf[ident].to_numpy()

    def label(positions) -> str:
        pos = [int(i) for i in positions]
        shown = [f"feature {i + 1} ({ident}={_shown(ident_values[i])})" for i in pos[:10]]
        return "; ".join(shown) + (f" (+{len(pos) - 10} more)" if len(pos) > 10 else "")

    def rows(positions) -> int | list[int]:
        out = [int(i) + 1 for i in positions]
        return out[0] if len(out) == 1 else out

    if schematic is None:
        schematic = bool(
            SCHEMATIC_COLUMN in gdf.columns
            and gdf[SCHEMATIC_COLUMN].astype("string").str.lower().isin(["true", "1", "yes"]).any()
        )

    # ---- identification: town codes ------------------------------------------------------------
    other_districts = 0
    if code_column is not None:
        codes = _normalise_code(gdf[code_column])
        bad = (~codes.str.fullmatch(r"\d{9}").fillna(False)).to_numpy(dtype=bool)
        if bad.any():
            pos = gdf.index[bad]
            raise InputDataError(f"not a 9-digit town code: {label(pos)}", file=path, row=rows(pos), column=code_column)
        if name_column:
            names = gdf[name_column].astype("string")
        else:
            names = pd.Series(pd.NA, index=gdf.index, dtype="string")
        if district_code is not None:
            keep = codes.str.startswith(str(district_code)).to_numpy(dtype=bool)
            other_districts = int((~keep).sum())
            if not keep.any():
                raise InputDataError(
                    f"no town code of district {district_code} in the file (its codes begin with "
                    f"{', '.join(sorted(set(codes.str.slice(0, 6).dropna()))[:10])}); is it another district's file?",
                    file=path, column=code_column,
                )
            gdf, codes, names = gdf[keep], codes[keep], names[keep]
        if towns is not None:
            known = towns["town_code"].astype("string").dropna().astype(str).tolist()
            unknown = (~codes.isin(known)).to_numpy(dtype=bool)
            if unknown.any():
                import difflib

                official = dict(zip(known, towns["town_name"].astype("string").fillna("").astype(str), strict=False))
                desc = []
                for code in dict.fromkeys(codes[unknown].tolist()):
                    close = difflib.get_close_matches(str(code), known, n=3, cutoff=0.6)
                    desc.append(f"{code} (closest known: {'、'.join(f'{c} {official[c]}' for c in close) or 'none'})")
                pos = gdf.index[unknown]
                raise InputDataError(
                    f"town code(s) not in the town registry: {'; '.join(desc[:10])}"
                    + (f" (+{len(desc) - 10} more)" if len(desc) > 10 else "")
                    + f". Features: {label(pos)}. Correct the codes, or add the towns to the registry",
                    file=path, row=rows(pos), column=code_column,
                )
    else:
        if towns is None:
            raise InputDataError("name_column= needs the town registry (towns=) to find codes", file=path)
        from airlib.io.registry import resolve_towns

        names = gdf[name_column].astype("string").str.strip()
        empty = (names.isna() | names.eq("")).to_numpy(dtype=bool)
        if empty.any():
            pos = gdf.index[empty]
            raise InputDataError(f"empty town name: {label(pos)}", file=path, row=rows(pos), column=name_column)
        codes = resolve_towns(names, towns, file=path, column=name_column, rows=(gdf.index + 1).to_numpy())
    dup = codes.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        groups = pd.Series(gdf.index[dup] + 1, index=codes[dup].to_numpy()).groupby(level=0).agg(list)
        desc = "; ".join(f"{c} in features {', '.join(map(str, r))}" for c, r in list(groups.items())[:10])
        raise InputDataError(
            f"a town has several features: {desc}. Each town must be one feature: merge its polygons into one "
            f"(Multi)Polygon (QGIS: Vector > Geoprocessing Tools > Dissolve, by {ident!r}), or fix the codes/names",
            file=path, row=rows(gdf.index[dup]), column=ident,
        )

    # ---- geometry: present and polygonal ---------------------------------------------------------
    geom = gdf.geometry
    null = (geom.isna() | geom.is_empty).to_numpy(dtype=bool)
    if null.any():
        pos = gdf.index[null]
        raise InputDataError(
            f"null or empty geometry: {label(pos)}. Every feature needs its polygon: draw it, or delete the "
            "feature (its town is then shown as missing on the map)",
            file=path, row=rows(pos),
        )
    kinds = geom.geom_type.to_numpy()
    nonpoly = ~np.isin(kinds, ["Polygon", "MultiPolygon"])
    if nonpoly.any():
        pos = gdf.index[nonpoly]
        raise InputDataError(
            f"not a polygon: {label(pos)} ({', '.join(sorted(set(kinds[nonpoly])))}); town boundaries must be "
            "Polygon or MultiPolygon features",
            file=path, row=rows(pos),
        )

    # ---- CRS: declared or assumed, and plausible ---------------------------------------------------
    declared = gdf.crs is not None
    if not declared:
        if assume_crs is None:
            raise InputDataError(
                "the file declares no CRS (shapefile without .prj?); pass assume_crs='EPSG:4326' "
                "(or the right CRS) if you know it",
                file=path,
            )
        try:
            gdf = gdf.set_crs(assume_crs)
        except Exception as exc:  # pyproj.exceptions.CRSError
            raise InputDataError(f"assume_crs={assume_crs!r} is not a CRS PROJ knows ({exc})", file=path) from exc
    _check_crs_plausible(gdf, path=path, declared=declared, settings=settings)

    # ---- validity, in the file's own coordinates (as a GIS shows them) ----------------------------
    valid = gdf.geometry.is_valid.to_numpy(dtype=bool)
    repaired: list[str] = []
    if not valid.all():
        from shapely.validation import explain_validity

        bad_at = np.flatnonzero(~valid)
        old = gdf.geometry.to_numpy()[bad_at]
        described = [f"{label([gdf.index[i]])}: {explain_validity(g)}" for i, g in zip(bad_at, old, strict=True)]
        if not repair:
            raise InputDataError(
                f"invalid polygon(s): {'; '.join(described[:10])}"
                + (f" (+{len(described) - 10} more)" if len(described) > 10 else "")
                + ". Fix them in a GIS (QGIS: Vector > Geometry Tools > Fix Geometries), or let airlib repair "
                "them with shapely's make_valid (boundary_repair: true in districts.yaml, load_boundaries("
                "repair=True)); the repaired features are then reported",
                file=path, row=rows(gdf.index[bad_at]),
            )
        fixed = np.array([_polygonal(g) for g in shapely.make_valid(old)], dtype=object)
        lost = shapely.is_empty(fixed)
        if lost.any():
            raise InputDataError(
                f"invalid polygon(s) with no area left after make_valid: {label(gdf.index[bad_at[lost]])}; "
                "draw these polygons again",
                file=path, row=rows(gdf.index[bad_at[lost]]),
            )
        geoms = gdf.geometry.to_numpy().copy()
        geoms[bad_at] = fixed
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        repaired = [
            f"{d} → {f.geom_type}, area {a0:.6g} → {a1:.6g} (file units²)"
            for d, f, a0, a1 in zip(described, fixed, shapely.area(old), shapely.area(fixed), strict=True)
        ]
        warnings.warn(
            f"{path}: {len(repaired)} invalid polygon(s) repaired with make_valid: " + "; ".join(repaired),
            BoundaryWarning,
            stacklevel=2,
        )

    # ---- area: GEOS calls a collinear ring valid, but it draws nothing ---------------------------
    geoms_now = gdf.geometry.to_numpy()
    env_area = shapely.area(shapely.envelope(geoms_now))
    flat = (env_area <= 0) | (shapely.area(geoms_now) <= 1e-9 * env_area)
    if flat.any():
        raise InputDataError(
            f"polygon(s) without area (all points on a line): {label(gdf.index[flat])}; draw these polygons again",
            file=path, row=rows(gdf.index[flat]),
        )

    # ---- reproject; everything must lie in Beijing --------------------------------------------------
    where = f"declared CRS {_crs_label(gdf)}" if declared else f"assumed CRS {_crs_label(gdf)} (assume_crs)"
    try:
        gdf = gdf.to_crs("EPSG:4326")
    except Exception as exc:
        raise InputDataError(f"cannot reproject from the {where} to WGS84 ({exc})", file=path) from exc
    if gcj02:
        gdf = gcj02_to_wgs84_geometries(gdf)
    fb = gdf.geometry.bounds.to_numpy(dtype="float64")
    lon0, lat0, lon1, lat1 = settings.beijing_bounds
    finite = np.isfinite(fb).all(axis=1)
    with np.errstate(invalid="ignore"):
        outside = ~finite | (fb[:, 0] < lon0) | (fb[:, 2] > lon1) | (fb[:, 1] < lat0) | (fb[:, 3] > lat1)
    if outside.any():
        tb = gdf.geometry[finite].total_bounds if finite.any() else np.full(4, np.nan)
        head = "boundaries do not lie in Beijing" if outside.all() else "some features lie outside Beijing"
        raise InputDataError(
            f"{head} (bounds lon {tb[0]:.4f} … {tb[2]:.4f}, lat {tb[1]:.4f} … {tb[3]:.4f} after reprojection "
            f"from the {where}; Beijing is lon {lon0:g} … {lon1:g}, lat {lat0:g} … {lat1:g}, "
            f"Settings.beijing_bounds): {label(gdf.index[outside])}. Probably a wrong CRS (in the file or "
            "assume_crs) or a file of another place",
            file=path, row=rows(gdf.index[outside]),
        )

    out = gpd.GeoDataFrame(
        {"town_code": codes.to_numpy(), "town_name": names.to_numpy()},
        geometry=gdf.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    out["town_code"] = out["town_code"].astype("string")

    # ---- where the district is: its polygon, its stations -------------------------------------------
    if district_geometry is not None:
        _check_district_overlap(out, district_geometry, path=path, settings=settings)
    if stations is not None and {"lon", "lat"} <= set(stations.columns):
        _check_stations(out, stations, path=path, settings=settings)

    missing_towns: list[tuple[str, str]] = []
    if towns is not None:
        official = pd.Series(
            towns["town_name"].astype("string").to_numpy(), index=towns["town_code"].astype("string")
        )
        official = official[~official.index.duplicated()]
        out["town_name"] = out["town_code"].map(official).fillna(out["town_name"]).astype("string")
        expected = official
        if district_code is not None:
            expected = official[official.index.str.startswith(str(district_code)).fillna(False).to_numpy(dtype=bool)]
        missing = expected[~expected.index.isin(out["town_code"])]
        missing_towns = [(str(c), "" if pd.isna(n) else str(n)) for c, n in missing.items()]
        if missing_towns:
            warnings.warn(
                f"{path}: {len(missing_towns)} town(s) of the registry have no polygon and are shown as missing "
                f"on the map: {'、'.join(f'{n} ({c})' for c, n in missing_towns)}",
                BoundaryWarning,
                stacklevel=2,
            )
    out.attrs["schematic"] = bool(schematic)
    out.attrs["source"] = str(path)
    out.attrs["repaired"] = repaired
    out.attrs["missing_towns"] = missing_towns
    out.attrs["other_districts"] = other_districts
    return out


def _check_district_overlap(out: gpd.GeoDataFrame, district, *, path: Path, settings: Settings) -> None:
    """At least ``settings.boundary_min_district_overlap`` of the boundaries' area inside the district."""
    union = out.geometry.union_all()
    share = float(union.intersection(district).area / union.area) if union.area > 0 else 0.0
    if share < settings.boundary_min_district_overlap:
        ob, db = out.total_bounds, district.bounds
        raise InputDataError(
            f"only {share:.0%} of the boundaries' area lies inside the district's polygon (at least "
            f"{settings.boundary_min_district_overlap:.0%} needed, Settings.boundary_min_district_overlap); "
            f"boundaries lon {ob[0]:.4f} … {ob[2]:.4f}, lat {ob[1]:.4f} … {ob[3]:.4f}; district lon "
            f"{db[0]:.4f} … {db[2]:.4f}, lat {db[1]:.4f} … {db[3]:.4f}. Another district's file, or a wrong CRS?",
            file=path,
        )


def _check_stations(out: gpd.GeoDataFrame, stations: pd.DataFrame, *, path: Path, settings: Settings) -> None:
    """Registry stations of the mapped towns must lie within the tolerance [km] of the boundaries."""
    import geopandas as gpd

    st = stations
    if "town_code" in st.columns:
        st = st[st["town_code"].astype("string").isin(out["town_code"]).fillna(False).to_numpy(dtype=bool)]
    lon = pd.to_numeric(st["lon"], errors="coerce").to_numpy(dtype="float64")
    lat = pd.to_numeric(st["lat"], errors="coerce").to_numpy(dtype="float64")
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return
    st, lon, lat = st[ok], lon[ok], lat[ok]
    utm = "EPSG:32650"  # WGS 84 / UTM zone 50N: metres; its zone (114–120 E) holds all of Beijing
    union = out.to_crs(utm).geometry.union_all()
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(utm)
    dist_km = np.asarray(pts.distance(union), dtype="float64") / 1000.0
    tol = settings.boundary_station_tolerance_km
    far = dist_km > tol
    ids = st["station"].astype("string").fillna("?").to_numpy() if "station" in st.columns else st.index.to_numpy()
    if far.all():
        raise InputDataError(
            f"none of the {len(st)} registry station(s) of these towns lies within {tol:g} km of the boundaries "
            f"(nearest {dist_km.min():.1f} km; Settings.boundary_station_tolerance_km): the boundaries are not "
            "where the district is. A wrong CRS, another district's file, or wrong station coordinates?",
            file=path,
        )
    if far.any():
        listed = ", ".join(f"{s} ({d:.1f} km)" for s, d in zip(ids[far], dist_km[far], strict=True))
        warnings.warn(
            f"{path}: registry station(s) farther than {tol:g} km from the boundaries: {listed}",
            BoundaryWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------- maps


def _missing_note(boundaries: gpd.GeoDataFrame, language: str = "zh") -> str:
    """「无边界、未绘出：…」 (text ``map_missing``) for registry towns without a polygon
    (``attrs["missing_towns"]``)."""
    missing = boundaries.attrs.get("missing_towns") or []
    if not missing:
        return ""
    names = [n or c for c, n in missing]
    more = text("map_missing_more", language, n=len(names)) if len(names) > 12 else ""
    return text("map_missing", language, names=text("list_sep", language).join(names[:12]), more=more)


def _merge(boundaries: gpd.GeoDataFrame, table: pd.DataFrame) -> gpd.GeoDataFrame:
    t = table.copy()
    t["town_code"] = t["town_code"].astype("string")
    cols = [c for c in t.columns if c != "town_name" or "town_name" not in boundaries]
    merged = boundaries.merge(t[cols], on="town_code", how="left")
    merged.attrs = dict(boundaries.attrs)
    return merged


#: Lengths a scale bar may take [km]; :func:`scale_bar_length_km` picks the longest that fits.
SCALE_BAR_STEPS_KM: Final[tuple[float, ...]] = (0.5, 1, 2, 5, 10, 20, 50, 100)


def km_per_degree_lon(lat: float) -> float:
    """Length of one degree of longitude at latitude ``lat`` on the WGS84 ellipsoid.

    Parameters
    ----------
    lat : float [degrees]

    Returns
    -------
    float [km]
        Geodesic distance between (0°, lat) and (1°, lat) (:class:`pyproj.Geod`, WGS84);
        about 85.4 km at Beijing's 40° N.
    """
    from pyproj import Geod

    _, _, dist = Geod(ellps="WGS84").inv(0.0, float(lat), 1.0, float(lat))
    return float(dist) / 1000.0


def scale_bar_length_km(width_deg: float, lat: float, *, fraction: float = 0.25) -> float:
    """The scale-bar length for a map ``width_deg`` degrees of longitude wide at ``lat``.

    Parameters
    ----------
    width_deg : float [degrees of longitude]
        Width of the map's view.
    lat : float [degrees]
        Latitude of the map's centre (where the bar's length is measured).
    fraction : float
        Longest share of the map's width the bar may take.

    Returns
    -------
    float [km]
        The longest of :data:`SCALE_BAR_STEPS_KM` not longer than ``fraction`` of the width,
        the shortest step when even that is longer.
    """
    limit = fraction * width_deg * km_per_degree_lon(lat)
    fitting = [k for k in SCALE_BAR_STEPS_KM if k <= limit]
    return float(fitting[-1] if fitting else SCALE_BAR_STEPS_KM[0])


def add_north_arrow(ax, *, label: str = "N", x: float = 0.96, y: float = 0.97) -> None:
    """Draw a north arrow in the upper right of a map whose y axis points north (lon/lat axes).

    The arrow and its letter carry ``gid="north_arrow"`` so that tests and users can find them.
    """
    arrow = ax.annotate(
        "", xy=(x, y), xytext=(x, y - 0.09), xycoords="axes fraction", textcoords="axes fraction",
        arrowprops={"facecolor": "black", "edgecolor": "black", "width": 3, "headwidth": 10, "headlength": 10},
    )
    arrow.set_gid("north_arrow")
    letter = ax.text(x, y - 0.10, label, transform=ax.transAxes, ha="center", va="top", fontsize=10,
                     fontweight="bold")
    letter.set_gid("north_arrow")


def add_scale_bar(ax, lat: float, *, unit: str = "km", x: float = 0.04, y: float = 0.04) -> float:
    """Draw a scale bar in the lower left of a lon/lat map and return its length [km].

    The length comes from :func:`scale_bar_length_km` for the axes' current longitude span,
    converted to degrees of longitude at ``lat`` (:func:`km_per_degree_lon`); the bar is drawn
    in data coordinates, so it is true at ``lat`` whatever the figure size. Its artists carry
    ``gid="scale_bar"``.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes in degrees (x longitude, y latitude), limits already set.
    lat : float [degrees]
        Latitude the bar is true at (the map's centre).
    unit : str
        Unit label after the number.
    x, y : float
        Position of the bar's left end [axes fraction].

    Returns
    -------
    float [km]
    """
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = scale_bar_length_km(abs(x1 - x0), lat)
    deg = km / km_per_degree_lon(lat)
    bx, by = x0 + x * (x1 - x0), y0 + y * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for i in range(2):  # two halves, black and white, as on printed maps
        r = Rectangle((bx + i * deg / 2, by), deg / 2, h, facecolor="black" if i == 0 else "white",
                      edgecolor="black", linewidth=0.8, zorder=5)
        r.set_gid("scale_bar")
        ax.add_patch(r)
    for pos, txt in ((bx, "0"), (bx + deg, f"{km:g} {unit}")):
        t = ax.text(pos, by + 1.6 * h, txt, ha="center", va="bottom", fontsize=7.5, zorder=5)
        t.set_gid("scale_bar")
    return km


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
    language: str = "zh",
    source: str | None = None,
    north_label: str | None = None,
):
    """Static choropleth of a ranking column (matplotlib/geopandas), labelled in ``language``
    (texts of :mod:`airlib.report.texts`; Chinese by default), with a north arrow, a scale bar
    [km] true at the map's central latitude and a source line.

    Parameters
    ----------
    boundaries : GeoDataFrame
        From :func:`load_boundaries` (``town_code``, ``town_name``).
    table : DataFrame
        Ranking table (``airlib.tracking.ranking.ranking_table``) with ``town_code`` and ``column``.
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
    language : {"zh", "en"}
        Language of the labels, notes and legend (:mod:`airlib.report.texts`).
    ax : matplotlib Axes, optional
    source : str, optional
        Source line under the map (boundary file, data source); plain text, escaped here
        (:func:`airlib.escaping.mpl_text`). Default: the boundary file's name
        (``attrs["source"]``). Drawn with ``gid="source_line"``.
    north_label : str, optional
        Letter under the north arrow; default the language's (``"北"``, ``"N"``).

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
                     label=mpl_text(legend_label) if legend_label else (text("map_yoy_interactive", language)
                                                                        if is_pct else "PM2.5 (µg/m³)"))
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
        rank_txt = (text("map_rank", language, rank=int(rank_v)) if pd.notna(rank_v)
                    else (text("no_valid_data", language) if np.isnan(v) else ""))
        big = geom.area / box_area > 0.045
        if big:
            label, size = f"{name}\n{rank_txt}", 7.5
        else:
            k += 1
            label, size = str(k), 7.5
            key_lines.append(f"{k} {name} {rank_txt}")
        ax.annotate(label, (pt.x, pt.y), ha="center", va="center", fontsize=size,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    if key_lines:
        ax.text(-0.02, 0.5, "\n".join(key_lines), transform=ax.transAxes, ha="right", va="center",
                multialignment="left", fontsize=7, bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#999999", "alpha": 0.9})
    ax.set_title(mpl_text(title), pad=24 if gdf.attrs.get("schematic") else 6)
    ax.set_axis_off()
    lat_c = float(gdf.geometry.union_all().centroid.y)
    ax.set_aspect(1.0 / np.cos(np.deg2rad(lat_c)))
    add_north_arrow(ax, label=text("map_north", language) if north_label is None else north_label)
    add_scale_bar(ax, lat_c)
    notes = []
    if highlight:
        notes.append(text("map_note_warning", language))
    if (~has).any():
        notes.append(text("map_note_hatched", language))
    if _missing_note(boundaries, language):
        notes.append(mpl_text(_missing_note(boundaries, language)))
    if notes:
        ax.text(0.0, -0.02, text("note_sep", language).join(notes), transform=ax.transAxes, fontsize=8, va="top")
    if source is None and boundaries.attrs.get("source"):
        source = Path(str(boundaries.attrs["source"])).name
    if source:
        line = ax.text(0.0, -0.075 if notes else -0.02, mpl_text(source), transform=ax.transAxes, fontsize=7.5,
                       va="top", color="#444444")
        line.set_gid("source_line")
    if gdf.attrs.get("schematic"):
        ax.text(0.5, 1.0, SCHEMATIC_NOTICE_ZH if language == "zh" else text("map_schematic", language),
                transform=ax.transAxes, ha="center", va="bottom",
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
    language: str = "zh",
):
    """Interactive choropleth (plotly) for JupyterLab; works offline (no tile server); hover
    texts and colour-bar title in ``language`` (:mod:`airlib.report.texts`).

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
    ranks = gdf[rank_col].astype("string").fillna(text("hover_none", language)) if rank_col in gdf else pd.Series("", index=gdf.index)
    hover = (  # plotly renders a subset of HTML in hover text: names are escaped
        gdf["town_name"].map(plotly_text).astype("string")
        + "<br>"
        + (text("hover_yoy", language) if is_pct else "PM2.5 ")
        + values.map(lambda v: text("no_valid_data", language) if pd.isna(v) else f"{v:g}").astype("string")
        + "<br>" + text("hover_rank", language)
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
            colorbar_title=text("map_yoy_interactive", language) if is_pct else "µg/m³",
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
    if _missing_note(boundaries):
        fig.add_annotation(text=plotly_text(_missing_note(boundaries)), x=0.0, y=0.0, xref="paper", yref="paper",
                           showarrow=False, xanchor="left", yanchor="top")
    fig.update_layout(title=plotly_text(title), margin={"l": 0, "r": 0, "t": 40, "b": 0}, height=550)
    if gdf.attrs.get("schematic"):
        fig.add_annotation(text=SCHEMATIC_NOTICE_ZH, x=0.5, y=1.0, xref="paper", yref="paper",
                           showarrow=False, font={"color": "#b00000"}, bgcolor="#fff3f3")
    return fig
