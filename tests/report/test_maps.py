"""Boundaries (any CRS, column mapping, GCJ-02) and choropleths."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from airlib.errors import InputDataError
from airlib.report.maps import (
    SCHEMATIC_NOTICE_ZH,
    gcj02_to_wgs84,
    load_boundaries,
    plotly_choropleth,
    static_choropleth,
    wgs84_to_gcj02,
)
from airlib.tracking.ranking import ranking_table

# Published test vectors of the GCJ-02 forward formula (WGS84 -> GCJ-02), lon, lat.
KNOWN = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # Beijing, coordtransform
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing, eviltransform
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
]


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN)
def test_wgs84_to_gcj02_known_offsets(wgs, gcj):
    lon, lat = wgs84_to_gcj02(*wgs)
    assert float(lon) == pytest.approx(gcj[0], abs=1e-7)
    assert float(lat) == pytest.approx(gcj[1], abs=1e-7)


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN)
def test_gcj02_to_wgs84_inverts_known_offsets(wgs, gcj):
    lon, lat = gcj02_to_wgs84(*gcj)
    assert float(lon) == pytest.approx(wgs[0], abs=1e-8)
    assert float(lat) == pytest.approx(wgs[1], abs=1e-8)


def test_gcj_offset_size_in_beijing():
    # The offset in Beijing is a few hundred metres (mostly eastwards).
    lon, lat = wgs84_to_gcj02(116.1, 39.95)
    dx = (float(lon) - 116.1) * 111320 * np.cos(np.deg2rad(39.95))
    dy = (float(lat) - 39.95) * 110540
    assert 300 < np.hypot(dx, dy) < 800


def test_gcj_round_trip_grid_vectorised():
    lon, lat = np.meshgrid(np.linspace(115.4, 117.5, 25), np.linspace(39.4, 41.1, 25))
    g = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(*g)
    assert np.max(np.abs(back[0] - lon)) < 1e-9
    assert np.max(np.abs(back[1] - lat)) < 1e-9
    assert back[0].shape == lon.shape


def test_outside_china_unchanged_and_nan():
    lon, lat = wgs84_to_gcj02(np.array([2.35, np.nan]), np.array([48.85, 39.9]))
    assert lon[0] == 2.35 and lat[0] == 48.85 and np.isnan(lon[1])
    lon, lat = gcj02_to_wgs84(2.35, 48.85)
    assert float(lon) == 2.35


TOWNS = pd.DataFrame(
    {
        "town_code": ["110109001", "110109005", "110109006"],
        "town_name": ["大峪街道", "王平地区", "永定地区"],
        "aliases": ["大峪", "王平镇|王平", "永定镇"],
    }
)


def _write(tmp_path, gdf, name):
    p = tmp_path / name
    gdf.to_file(p)
    return p


def _polys():
    return [box(116.0, 39.9, 116.05, 39.95), box(116.05, 39.9, 116.1, 39.95), box(116.0, 39.95, 116.1, 40.0)]


def test_load_geojson_by_code(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": ["110109001", "110109005", "110109006000"]}, geometry=_polys(), crs=4326)
    out = load_boundaries(_write(tmp_path, gdf, "b.geojson"), code_column="CODE", towns=TOWNS)
    assert out["town_code"].tolist() == ["110109001", "110109005", "110109006"]
    assert out["town_name"].tolist() == ["大峪街道", "王平地区", "永定地区"]
    assert out.crs.to_epsg() == 4326 and out.attrs["schematic"] is False


def test_load_gpkg_projected_crs_by_alias_name(tmp_path):
    gdf = gpd.GeoDataFrame({"名称": ["大峪", "王平镇", "永定镇"]}, geometry=_polys(), crs=4326).to_crs(32650)
    out = load_boundaries(_write(tmp_path, gdf, "b.gpkg"), name_column="名称", towns=TOWNS)
    assert out["town_code"].tolist() == ["110109001", "110109005", "110109006"]
    assert out["town_name"].tolist() == ["大峪街道", "王平地区", "永定地区"]  # official names
    minx, miny, maxx, maxy = out.total_bounds
    assert minx == pytest.approx(116.0, abs=1e-6) and maxy == pytest.approx(40.0, abs=1e-6)


def test_load_shapefile_gcj02(tmp_path):
    from shapely.geometry import Polygon

    wx, wy = np.array([116.0, 116.05, 116.05, 116.0]), np.array([39.9, 39.9, 39.95, 39.95])
    g = [Polygon(np.column_stack(wgs84_to_gcj02(wx, wy)))]
    gdf = gpd.GeoDataFrame({"code": ["110109001"]}, geometry=g, crs=4326)
    p = _write(tmp_path, gdf, "b.shp")
    raw = load_boundaries(p, code_column="code")
    conv = load_boundaries(p, code_column="code", gcj02=True)
    assert raw.total_bounds[0] == pytest.approx(float(wgs84_to_gcj02(116.0, 39.9)[0]))
    assert conv.total_bounds[0] == pytest.approx(116.0, abs=1e-8)
    np.testing.assert_allclose(conv.total_bounds, [116.0, 39.9, 116.05, 39.95], atol=1e-8)


def test_load_errors(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": ["110109001", "12", "110109006"]}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "b.geojson")
    with pytest.raises(InputDataError, match="row 2.*CODE|9-digit"):
        load_boundaries(p, code_column="CODE")
    with pytest.raises(InputDataError, match="NOPE"):
        load_boundaries(p, code_column="NOPE")
    with pytest.raises(InputDataError, match="code_column"):
        load_boundaries(p)
    with pytest.raises(InputDataError, match="not found"):
        load_boundaries(tmp_path / "missing.geojson", code_column="CODE")
    gdf2 = gpd.GeoDataFrame({"n": ["大峪", "王平镇", "门头沟"]}, geometry=_polys(), crs=4326)
    with pytest.raises(InputDataError, match="门头沟"):
        load_boundaries(_write(tmp_path, gdf2, "c.geojson"), name_column="n", towns=TOWNS)


def test_shapefile_without_crs_needs_assume(tmp_path):
    gdf = gpd.GeoDataFrame({"code": ["110109001"]}, geometry=[_polys()[0]])
    with pytest.warns(UserWarning, match="crs"):
        p = _write(tmp_path, gdf, "nocrs.shp")
    with pytest.raises(InputDataError, match="CRS"):
        load_boundaries(p, code_column="code")
    assert load_boundaries(p, code_column="code", assume_crs="EPSG:4326").crs.to_epsg() == 4326


def _table():
    cur = pd.Series([30.0, 45.0, np.nan], index=["110109001", "110109005", "110109006"])
    last = pd.Series([35.0, 40.0, 50.0], index=cur.index)
    return ranking_table(cur, last, year=2018, names=TOWNS.set_index("town_code")["town_name"])


def test_static_choropleth_schematic_notice_and_highlight(tmp_path):
    gdf = gpd.GeoDataFrame({"code": TOWNS["town_code"], "schematic": [True] * 3}, geometry=_polys(), crs=4326)
    b = load_boundaries(_write(tmp_path, gdf, "s.geojson"), code_column="code", towns=TOWNS)
    assert b.attrs["schematic"] is True
    fig = static_choropleth(b, _table(), "pm25", title="PM2.5", highlight=["110109005"])
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert SCHEMATIC_NOTICE_ZH in texts
    assert any("王平地区" in t and "第2名" in t for t in texts)
    assert any("永定地区" in t and "无有效数据" in t for t in texts)
    fig2 = static_choropleth(b, _table(), "yoy_pct", label_column="yoy_rank")
    assert fig2 is not None
    import matplotlib.pyplot as plt

    plt.close("all")


def test_static_choropleth_real_boundaries_no_notice(tmp_path):
    gdf = gpd.GeoDataFrame({"code": TOWNS["town_code"]}, geometry=_polys(), crs=4326)
    b = load_boundaries(_write(tmp_path, gdf, "r.geojson"), code_column="code", towns=TOWNS)
    fig = static_choropleth(b, _table())
    assert SCHEMATIC_NOTICE_ZH not in [t.get_text() for ax in fig.axes for t in ax.texts]


def test_plotly_choropleth(tmp_path):
    gdf = gpd.GeoDataFrame({"code": TOWNS["town_code"], "schematic": [1, 1, 1]}, geometry=_polys(), crs=4326)
    b = load_boundaries(_write(tmp_path, gdf, "p.geojson"), code_column="code", towns=TOWNS)
    fig = plotly_choropleth(b, _table(), "yoy_pct", highlight=["110109005"])
    assert len(fig.data) == 2
    assert fig.data[0].z[0] == pytest.approx(-14.3)
    assert any(SCHEMATIC_NOTICE_ZH == a.text for a in fig.layout.annotations)


def test_static_choropleth_small_towns_get_numbered_key(tmp_path):
    """Demo schematic polygons: small urban towns are numbered with a key of names beside the map."""
    from airlib.demo.boundaries import schematic_town_polygons

    geo = schematic_town_polygons()
    p = tmp_path / "towns.geojson"
    geo.to_file(p)
    towns = geo[["town_code", "town_name"]].assign(aliases="")
    b = load_boundaries(p, code_column="town_code", towns=towns)
    assert b.attrs["schematic"] is True and len(b) == len(geo)
    cur = pd.Series(np.arange(len(b), dtype=float) + 30.0, index=b["town_code"].to_numpy())
    t = ranking_table(cur, year=2018, names=towns.set_index("town_code")["town_name"])
    fig = static_choropleth(b, t, "pm25")
    texts = [x.get_text() for ax in fig.axes for x in ax.texts]
    key = [x for x in texts if "\n" in x and x.startswith("1 ")]
    assert len(key) == 1
    lines = key[0].splitlines()
    numbers = [x.get_text() for ax in fig.axes for x in ax.texts
               if x.get_text().isdigit() and x.get_gid() != "scale_bar"]  # the scale bar's "0" is no key number
    assert sorted(int(n) for n in numbers) == list(range(1, len(lines) + 1))
    # every town is named exactly once: on the map or in the key
    for name in towns["town_name"]:
        on_map = sum(1 for x in texts if x.startswith(name + "\n"))
        in_key = sum(1 for ln in lines if ln.split(" ")[1] == name)
        assert on_map + in_key == 1, name
    import matplotlib.pyplot as plt

    plt.close("all")


# --------------------------------------------------------------------------- hostile boundary files

import dataclasses  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import warnings  # noqa: E402

from shapely.geometry import Point, Polygon  # noqa: E402

from airlib.report.maps import BoundaryWarning  # noqa: E402
from airlib.paths import shared_data_dir  # noqa: E402
from airlib.settings import DEFAULT  # noqa: E402

DISTRICTS_SHP = shared_data_dir() / "geo" / "beijing-districts-wgs84" / "BeijingDistricts.shp"
CODES = ["110109001", "110109005", "110109006"]


def _geojson(tmp_path, features, name="b.geojson", crs=None):
    """Write a raw GeoJSON FeatureCollection (lets tests write null geometries and declared CRSs)."""
    fc = {"type": "FeatureCollection", "features": features}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    p = tmp_path / name
    p.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return p


def _feature(code, geometry):
    return {"type": "Feature", "properties": {"CODE": code}, "geometry": geometry}


def _ring(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _no_warnings(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", BoundaryWarning)
        return func(*args, **kwargs)


def test_valid_file_no_warning_and_attrs(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    out = _no_warnings(load_boundaries, _write(tmp_path, gdf, "b.geojson"), code_column="CODE", towns=TOWNS)
    assert out.attrs["repaired"] == [] and out.attrs["missing_towns"] == [] and out.attrs["other_districts"] == 0


@pytest.mark.parametrize("geometry", [None, {"type": "Polygon", "coordinates": []}])
def test_null_or_empty_geometry_names_feature(tmp_path, geometry):
    p = _geojson(tmp_path, [_feature(CODES[0], _ring(116.0, 39.9, 116.05, 39.95)), _feature(CODES[1], geometry)])
    with pytest.raises(InputDataError, match=r"null or empty geometry: feature 2 \(CODE='110109005'\)") as e:
        load_boundaries(p, code_column="CODE")
    assert str(p) in str(e.value) and "row 2" in str(e.value)


def test_point_is_not_a_boundary(tmp_path):
    p = _geojson(tmp_path, [_feature(CODES[0], {"type": "Point", "coordinates": [116.0, 39.9]})])
    with pytest.raises(InputDataError, match=r"not a polygon: feature 1 .*Point"):
        load_boundaries(p, code_column="CODE")


BOWTIE = {"type": "Polygon", "coordinates": [[[116.0, 39.9], [116.1, 40.0], [116.1, 39.9], [116.0, 40.0], [116.0, 39.9]]]}


def test_self_intersection_refused_with_reason(tmp_path):
    p = _geojson(tmp_path, [_feature(CODES[0], _ring(116.0, 39.9, 116.05, 39.95)), _feature(CODES[1], BOWTIE)])
    with pytest.raises(InputDataError) as e:
        load_boundaries(p, code_column="CODE")
    msg = str(e.value)
    assert "invalid polygon(s): feature 2 (CODE='110109005'): Self-intersection[116.05 39.95]" in msg
    assert "boundary_repair: true" in msg and str(p) in msg
    assert "feature 1" not in msg


def test_self_intersection_repaired_on_request_and_reported(tmp_path):
    p = _geojson(tmp_path, [_feature(CODES[0], _ring(116.0, 39.9, 116.05, 39.95)), _feature(CODES[1], BOWTIE)])
    with pytest.warns(BoundaryWarning, match=r"1 invalid polygon\(s\) repaired.*feature 2 \(CODE='110109005'\)"):
        out = load_boundaries(p, code_column="CODE", repair=True)
    assert out.is_valid.all()
    fixed = out.geometry[out["town_code"] == "110109005"].iloc[0]
    assert fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2
    assert fixed.area == pytest.approx(2 * 0.5 * 0.1 * 0.05)  # two triangles of the bow tie
    assert len(out.attrs["repaired"]) == 1 and "feature 2" in out.attrs["repaired"][0]
    # the valid neighbour is untouched
    assert out.geometry.iloc[0].equals(box(116.0, 39.9, 116.05, 39.95))


def test_repair_that_leaves_no_area_is_an_error(tmp_path):
    spike = {"type": "Polygon", "coordinates": [[[116.0, 39.9], [116.1, 40.0], [116.0, 39.9], [116.1, 40.0], [116.0, 39.9]]]}
    p = _geojson(tmp_path, [_feature(CODES[0], spike)])  # make_valid gives a line
    with pytest.raises(InputDataError, match="no area left after make_valid: feature 1"):
        load_boundaries(p, code_column="CODE", repair=True)


def test_collinear_polygon_has_no_area(tmp_path):
    # GEOS calls this ring valid (area ~1e-16 from rounding); it would draw nothing
    flat = {"type": "Polygon", "coordinates": [[[116.0, 39.9], [116.05, 39.95], [116.1, 40.0], [116.0, 39.9]]]}
    thin = _ring(116.0, 39.9, 116.1, 39.9001)  # a thin but real polygon (~11 m x 8.5 km)
    p = _geojson(tmp_path, [_feature(CODES[0], thin), _feature(CODES[1], flat)])
    with pytest.raises(InputDataError, match=r"without area \(all points on a line\): feature 2 \(CODE='110109005'\)") as e:
        load_boundaries(p, code_column="CODE")
    assert "feature 1" not in str(e.value)
    assert len(load_boundaries(_geojson(tmp_path, [_feature(CODES[0], thin)], "thin.geojson"), code_column="CODE")) == 1


def test_degrees_declared_over_metres_says_so_and_guesses(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326).to_crs(32650)
    gdf = gdf.set_crs(4326, allow_override=True)  # the classic wrong .prj
    p = _write(tmp_path, gdf, "wrongprj.shp")
    with pytest.raises(InputDataError) as e:
        load_boundaries(p, code_column="CODE")
    msg = str(e.value)
    assert str(p) in msg and "declares EPSG:4326" in msg and "look like metres" in msg
    assert "EPSG:32650" in msg and ".prj" in msg
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326).to_crs(3857).set_crs(4326, allow_override=True)
    with pytest.raises(InputDataError, match="EPSG:3857"):
        load_boundaries(_write(tmp_path, gdf, "merc.gpkg"), code_column="CODE")


def test_degrees_guess_names_nothing_for_metres_elsewhere(tmp_path):
    # metres, but in no Beijing CRS: no guess offered, still the degrees-vs-metres message
    p = _geojson(tmp_path, [_feature(CODES[0], _ring(1000.0, 1000.0, 2000.0, 2000.0))])
    with pytest.raises(InputDataError, match=r"look like metres of a projected CRS\. Fix"):
        load_boundaries(p, code_column="CODE")


def test_projected_declared_over_degrees(tmp_path):
    p = _geojson(tmp_path, [_feature(CODES[0], _ring(116.0, 39.9, 116.05, 39.95))], crs="urn:ogc:def:crs:EPSG::3857")
    assert gpd.read_file(p).crs.to_epsg() == 3857
    with pytest.raises(InputDataError) as e:
        load_boundaries(p, code_column="CODE")
    msg = str(e.value)
    assert str(p) in msg and "declares EPSG:3857" in msg and "look like longitude/latitude degrees" in msg


def test_assumed_crs_named_as_assumed(tmp_path):
    gdf = gpd.GeoDataFrame({"code": ["110109001"]}, geometry=[box(430000, 4420000, 435000, 4425000)])
    with pytest.warns(UserWarning):
        p = _write(tmp_path, gdf, "noprj.shp")
    with pytest.raises(InputDataError, match=r"assumed CRS \(assume_crs\) is EPSG:4326.*set assume_crs"):
        load_boundaries(p, code_column="code", assume_crs="EPSG:4326")
    out = load_boundaries(p, code_column="code", assume_crs="EPSG:32650")  # the right one
    assert 116.1 < out.total_bounds[0] < 116.3
    with pytest.raises(InputDataError, match="not a CRS PROJ knows"):
        load_boundaries(p, code_column="code", assume_crs="EPSG:99999999")


def test_swapped_axes(tmp_path):
    p = _geojson(tmp_path, [_feature(CODES[0], _ring(39.9, 116.0, 39.95, 116.05))])
    with pytest.raises(InputDataError, match="swapped"):
        load_boundaries(p, code_column="CODE")


def test_paris_is_not_beijing(tmp_path):
    p = _geojson(tmp_path, [_feature(CODES[0], _ring(2.30, 48.84, 2.36, 48.88))])
    with pytest.raises(InputDataError, match=r"boundaries do not lie in Beijing \(bounds lon 2\.3000 … 2\.3600, lat 48\.84"):
        load_boundaries(p, code_column="CODE")
    # the same in a projected CRS (Lambert-93): reprojected, then refused
    gdf = gpd.GeoDataFrame({"CODE": [CODES[0]]}, geometry=[box(2.30, 48.84, 2.36, 48.88)], crs=4326).to_crs(2154)
    with pytest.raises(InputDataError, match=r"do not lie in Beijing.*declared CRS EPSG:2154"):
        load_boundaries(_write(tmp_path, gdf, "paris.gpkg"), code_column="CODE")


def test_one_feature_outside_beijing_named(tmp_path):
    feats = [_feature(CODES[0], _ring(116.0, 39.9, 116.05, 39.95)), _feature(CODES[1], _ring(2.30, 48.84, 2.36, 48.88))]
    with pytest.raises(InputDataError, match=r"some features lie outside Beijing.*feature 2 \(CODE='110109005'\)") as e:
        load_boundaries(_geojson(tmp_path, feats), code_column="CODE")
    assert "feature 1" not in str(e.value)


def test_beijing_box_edges_and_setting(tmp_path):
    lon0, lat0, lon1, lat1 = DEFAULT.beijing_bounds
    inside = _geojson(tmp_path, [_feature(CODES[0], _ring(lon0, lat0, lon0 + 0.05, lat0 + 0.05)),
                                 _feature(CODES[1], _ring(lon1 - 0.05, lat1 - 0.05, lon1, lat1))], "edge.geojson")
    assert len(load_boundaries(inside, code_column="CODE")) == 2  # on the edge: inside
    over = _geojson(tmp_path, [_feature(CODES[0], _ring(lon0 - 0.001, lat0, lon0 + 0.05, lat0 + 0.05))], "over.geojson")
    with pytest.raises(InputDataError, match="Beijing"):
        load_boundaries(over, code_column="CODE")
    wider = dataclasses.replace(DEFAULT, beijing_bounds=(lon0 - 0.01, lat0, lon1, lat1))
    assert len(load_boundaries(over, code_column="CODE", settings=wider)) == 1


def test_default_beijing_box_holds_every_district_polygon():
    if not DISTRICTS_SHP.exists():
        pytest.skip("shared data not available")
    d = gpd.read_file(DISTRICTS_SHP)
    lon0, lat0, lon1, lat1 = DEFAULT.beijing_bounds
    b = d.total_bounds
    assert lon0 <= b[0] and lat0 <= b[1] and b[2] <= lon1 and b[3] <= lat1
    assert b[0] - lon0 < 0.1 and b[1] - lat0 < 0.1 and lon1 - b[2] < 0.1 and lat1 - b[3] < 0.1  # a tight box


def test_district_polygon_overlap_real_districts(tmp_path):
    if not DISTRICTS_SHP.exists():
        pytest.skip("shared data not available")
    from airlib.demo.boundaries import schematic_town_polygons

    d = gpd.read_file(DISTRICTS_SHP).set_index("name").geometry
    p = tmp_path / "towns.geojson"
    schematic_town_polygons().to_file(p)
    out = load_boundaries(p, code_column="town_code", district_geometry=d["门头沟区"])
    assert len(out) == 13
    with pytest.raises(InputDataError, match=r"only 7% of the boundaries' area lies inside the district"):
        load_boundaries(p, code_column="town_code", district_geometry=d["房山区"])
    loose = dataclasses.replace(DEFAULT, boundary_min_district_overlap=0.05)
    assert len(load_boundaries(p, code_column="town_code", district_geometry=d["房山区"], settings=loose)) == 13


def _stations(*lonlat, codes=None):
    return pd.DataFrame({
        "station": [f"S{i}" for i in range(len(lonlat))],
        "town_code": codes or [CODES[0]] * len(lonlat),
        "lon": [x for x, _ in lonlat], "lat": [y for _, y in lonlat],
    })


def test_stations_inside_far_and_none(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "b.geojson")
    _no_warnings(load_boundaries, p, code_column="CODE", stations=_stations((116.02, 39.92), (116.11, 39.95)))  # ~0.9 km out
    with pytest.warns(BoundaryWarning, match=r"S1 \(2[0-9]\.\d km\)"):
        load_boundaries(p, code_column="CODE", stations=_stations((116.02, 39.92), (116.4, 39.95)))
    with pytest.raises(InputDataError, match=r"none of the 1 registry station"):
        load_boundaries(p, code_column="CODE", stations=_stations((116.4, 39.95)))
    # stations of towns not in the file are not checked
    _no_warnings(load_boundaries, p, code_column="CODE", stations=_stations((116.4, 39.95), codes=["110109099"]))
    tight = dataclasses.replace(DEFAULT, boundary_station_tolerance_km=0.5)
    with pytest.warns(BoundaryWarning, match="S1"):
        load_boundaries(p, code_column="CODE", stations=_stations((116.02, 39.92), (116.11, 39.95)), settings=tight)


def test_unknown_codes_named_with_closest_known(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": ["110109001", "110109050", "110109006"]}, geometry=_polys(), crs=4326)
    with pytest.raises(InputDataError) as e:
        load_boundaries(_write(tmp_path, gdf, "b.geojson"), code_column="CODE", towns=TOWNS)
    msg = str(e.value)
    assert "not in the town registry: 110109050 (closest known: " in msg and "110109005 王平地区" in msg
    assert "row 2" in msg and "feature 2 (CODE='110109050')" in msg and "110109001 (" not in msg


def test_duplicate_codes_are_an_error(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": ["110109001", "110109005", "110109005000"]}, geometry=_polys(), crs=4326)
    with pytest.raises(InputDataError, match=r"several features: 110109005 in features 2, 3.*Dissolve"):
        load_boundaries(_write(tmp_path, gdf, "b.geojson"), code_column="CODE", towns=TOWNS)
    gdf = gpd.GeoDataFrame({"n": ["大峪", "王平镇", "王平地区"]}, geometry=_polys(), crs=4326)
    with pytest.raises(InputDataError, match="110109005 in features 2, 3"):
        load_boundaries(_write(tmp_path, gdf, "n.geojson"), name_column="n", towns=TOWNS)


def test_empty_name_is_an_error(tmp_path):
    gdf = gpd.GeoDataFrame({"n": ["大峪", None, "永定镇"]}, geometry=_polys(), crs=4326)
    with pytest.raises(InputDataError, match=r"empty town name: feature 2"):
        load_boundaries(_write(tmp_path, gdf, "n.geojson"), name_column="n", towns=TOWNS)


def test_missing_registry_towns_warned_and_noted_on_map(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES[:2]}, geometry=_polys()[:2], crs=4326)
    with pytest.warns(BoundaryWarning, match=r"1 town\(s\) of the registry have no polygon.*永定地区 \(110109006\)"):
        out = load_boundaries(_write(tmp_path, gdf, "b.geojson"), code_column="CODE", towns=TOWNS)
    assert out.attrs["missing_towns"] == [("110109006", "永定地区")]
    fig = static_choropleth(out, _table())
    assert any("无边界、未绘出：永定地区" in t.get_text() for ax in fig.axes for t in ax.texts)
    pfig = plotly_choropleth(out, _table())
    assert any("永定地区" in a.text for a in pfig.layout.annotations)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_district_code_leaves_out_other_districts(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": ["110109001", "110109005", "110108001"]}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "city.geojson")
    with pytest.raises(InputDataError, match="110108001"):
        load_boundaries(p, code_column="CODE", towns=TOWNS)
    towns = pd.concat([TOWNS, pd.DataFrame({"town_code": ["110108001"], "town_name": ["万寿路街道"], "aliases": [""]})])
    with pytest.warns(BoundaryWarning, match="永定地区") as rec:
        out = load_boundaries(p, code_column="CODE", towns=towns, district_code="110109")
    assert out["town_code"].tolist() == ["110109001", "110109005"] and out.attrs["other_districts"] == 1
    assert "万寿路" not in str(rec[0].message)  # another district's town is not "missing"
    with pytest.raises(InputDataError, match="no town code of district 110111"):
        load_boundaries(p, code_column="CODE", towns=towns, district_code="110111")


def test_size_limit_edges(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "b.geojson")
    size = p.stat().st_size
    ok = dataclasses.replace(DEFAULT, boundary_max_file_mb=(size + 1) / 1e6)
    assert len(load_boundaries(p, code_column="CODE", settings=ok)) == 3
    small = dataclasses.replace(DEFAULT, boundary_max_file_mb=(size - 1) / 1e6)
    with pytest.raises(InputDataError, match=r"more than the limit.*boundary_max_file_mb") as e:
        load_boundaries(p, code_column="CODE", settings=small)
    assert str(p) in str(e.value)


def test_shapefile_size_counts_dbf(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES, "note": ["x" * 200] * 3}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "b.shp")
    shp = p.stat().st_size
    total = sum((tmp_path / f"b{s}").stat().st_size for s in (".shp", ".shx", ".dbf"))
    assert total > shp + 600
    with pytest.raises(InputDataError, match="more than the limit"):
        load_boundaries(p, code_column="CODE", settings=dataclasses.replace(DEFAULT, boundary_max_file_mb=(shp + 1) / 1e6))
    assert len(load_boundaries(p, code_column="CODE", settings=dataclasses.replace(DEFAULT, boundary_max_file_mb=total / 1e6))) == 3


def test_feature_count_limit_edges(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "b.gpkg")
    assert len(load_boundaries(p, code_column="CODE", settings=dataclasses.replace(DEFAULT, boundary_max_features=3))) == 3
    with pytest.raises(InputDataError, match=r"3 features, more than the limit of 2"):
        load_boundaries(p, code_column="CODE", settings=dataclasses.replace(DEFAULT, boundary_max_features=2))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.geojson", b"\x00\xff\xfe not json at all {{{"),
        ("truncated.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Pol'),
        ("random.gpkg", os.urandom(4096)),
        ("random.shp", os.urandom(300)),
        ("gbk.geojson", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"CODE":"王平"},'
                        '"geometry":null}]}'.encode("gbk")),
    ],
)
def test_unreadable_file_named(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputDataError) as e:
        load_boundaries(p, code_column="CODE")
    assert str(p) in str(e.value)


def test_truncated_gpkg_and_empty_collection(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    good = _write(tmp_path, gdf, "b.gpkg")
    bad = tmp_path / "cut.gpkg"
    bad.write_bytes(good.read_bytes()[:2048])
    with pytest.raises(InputDataError, match="cut.gpkg"):
        load_boundaries(bad, code_column="CODE")
    with pytest.raises(InputDataError, match="no features"):
        load_boundaries(_geojson(tmp_path, [], "empty.geojson"), code_column="CODE")


def test_wrong_type_and_directory(tmp_path):
    (tmp_path / "b.kml").write_text("<kml/>")
    with pytest.raises(InputDataError, match=r"not a boundary file type.*\.kml"):
        load_boundaries(tmp_path / "b.kml", code_column="CODE")
    (tmp_path / "dir.geojson").mkdir()
    with pytest.raises(InputDataError, match="not a file"):
        load_boundaries(tmp_path / "dir.geojson", code_column="CODE")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads everything")
def test_unreadable_permissions(tmp_path):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "b.geojson")
    p.chmod(0)
    try:
        with pytest.raises(InputDataError, match="cannot read boundary file"):
            load_boundaries(p, code_column="CODE")
    finally:
        p.chmod(0o644)


def test_hostile_names_escaped_on_maps(tmp_path):
    towns = TOWNS.assign(town_name=["$\\frac{a}{$", '<img src=x onerror="alert(1)">', "永定地区"])
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    b = load_boundaries(_write(tmp_path, gdf, "b.geojson"), code_column="CODE", towns=towns)
    fig = static_choropleth(b, _table(), title="$x")
    fig.canvas.draw()  # unescaped, the names would be parsed as mathtext and fail here
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(t.startswith("\\$\\frac{a}{\\$") for t in texts)
    pfig = plotly_choropleth(b, _table())
    hover = " ".join(pfig.data[0].text)
    assert "&lt;img src=x onerror=" in hover and "<img" not in hover  # tags print literally (airlib.escaping.plotly_text)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_os_error_while_reading_is_named(tmp_path, monkeypatch):
    gdf = gpd.GeoDataFrame({"CODE": CODES}, geometry=_polys(), crs=4326)
    p = _write(tmp_path, gdf, "b.geojson")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(gpd, "read_file", denied)
    with pytest.raises(InputDataError, match=r"b\.geojson.*cannot read boundary file \(.*Permission denied"):
        load_boundaries(p, code_column="CODE")


# --------------------------------------------------------------------------- through the report's checks / CLI


def _mini_project(tmp_path, features, extra_yaml=""):
    """A project root with registries, one (empty) month of store and a district whose boundary file is ``features``."""
    home = tmp_path / "home"
    store = home / "data" / "processed" / "bj"
    (store / "hourly" / "year=2017" / "month=12").mkdir(parents=True)
    TOWNS.assign(district_code="110109", district_name="门头沟区").to_parquet(store / "towns.parquet")
    pd.DataFrame({"station": ["S1"], "station_name": ["站1"], "town_code": ["110109001"], "lon": [116.02],
                  "lat": [39.92], "source": ["test"]}).to_parquet(store / "stations.parquet")
    raw = home / "data" / "raw"
    raw.mkdir(parents=True)
    _geojson(raw, features, "b.geojson")
    (raw / "districts.yaml").write_text(
        "districts:\n  - name: 测试区\n    district_code: '110109'\n    dataset: bj\n"
        "    boundaries: data/raw/b.geojson\n    boundary_code_column: CODE\n" + extra_yaml,
        encoding="utf-8",
    )
    return home


def _bowtie_features():
    return [_feature(CODES[0], _ring(116.0, 39.9, 116.05, 39.95)), _feature(CODES[1], BOWTIE),
            _feature(CODES[2], _ring(116.0, 39.95, 116.1, 40.0))]


def test_report_check_refuses_bad_boundaries_and_repairs_on_request(tmp_path, monkeypatch):
    from airlib.report import check_request, district_boundaries
    from airlib.report.config import district_config

    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    home = _mini_project(tmp_path, _bowtie_features())
    cfg = district_config("测试区", home)
    assert cfg.boundary_repair is False
    with pytest.raises(InputDataError, match=r"b\.geojson.*Self-intersection"):
        check_request(cfg, pd.Period("2017-12", "M"), home)
    home2 = _mini_project(tmp_path / "2", _bowtie_features(), "    boundary_repair: true\n")
    cfg2 = district_config("测试区", home2)
    assert cfg2.boundary_repair is True
    check_request(cfg2, pd.Period("2017-12", "M"), home2)  # repaired: no error, warning silenced here
    with pytest.warns(BoundaryWarning, match="repaired"):
        b = district_boundaries(cfg2, home2)
    assert b.is_valid.all() and len(b.attrs["repaired"]) == 1


def test_cli_report_bad_boundaries_exit_2_without_traceback(tmp_path):
    import subprocess
    import sys

    home = _mini_project(tmp_path, [_feature(CODES[0], _ring(2.30, 48.84, 2.36, 48.88))])
    env = {k: v for k, v in os.environ.items() if k != "AIRLIB_DISTRICTS"}
    env["AIRLIB_HOME"] = str(home)
    res = subprocess.run([sys.executable, "-m", "airlib.cli", "report", "--district", "测试区", "--month", "2017-12"],
                         capture_output=True, text=True, env=env, cwd=str(home), timeout=300)
    assert res.returncode == 2, res.stderr
    assert "\nairlib: error: file " in res.stderr and "b.geojson" in res.stderr
    assert "do not lie in Beijing" in res.stderr and "Traceback" not in res.stderr
    assert not (home / "reports").exists()  # refused before anything is written


# --------------------------------------------------------------------------- north arrow, scale bar, source


def test_km_per_degree_and_scale_bar_length():
    """One degree of longitude is 111.32 km at the equator and cos(lat) of it elsewhere
    (ellipsoid: 85.39 km at 40° N); the bar is the longest step within a quarter of the width."""
    from airlib.report.maps import SCALE_BAR_STEPS_KM, km_per_degree_lon, scale_bar_length_km

    assert km_per_degree_lon(0.0) == pytest.approx(111.32, abs=0.01)
    assert km_per_degree_lon(40.0) == pytest.approx(85.39, abs=0.01)
    assert km_per_degree_lon(60.0) < km_per_degree_lon(40.0) / 1.5
    # 0.6° wide at 40° N = 51.2 km; a quarter = 12.8 km -> 10 km
    assert scale_bar_length_km(0.6, 40.0) == 10
    # the edge: a quarter of exactly 20 km takes 20, a hair less takes 10
    w20 = 80.0 / km_per_degree_lon(40.0)
    assert scale_bar_length_km(w20, 40.0) == 20
    assert scale_bar_length_km(w20 * 0.999, 40.0) == 10
    assert scale_bar_length_km(1e-4, 40.0) == SCALE_BAR_STEPS_KM[0]  # tiny maps: the shortest step
    assert scale_bar_length_km(50.0, 40.0) == SCALE_BAR_STEPS_KM[-1]


def test_maps_have_north_arrow_scale_bar_and_source(tmp_path):
    """Every static map carries a north arrow, a scale bar whose drawn length [degrees] is its
    label in km at the map's central latitude, and the source line (escaped)."""
    from airlib.report.maps import km_per_degree_lon

    gdf = gpd.GeoDataFrame({"code": TOWNS["town_code"]}, geometry=_polys(), crs=4326)
    b = load_boundaries(_write(tmp_path, gdf, "r.geojson"), code_column="code", towns=TOWNS)
    for column, label in (("pm25", "rank"), ("yoy_pct", "yoy_rank")):
        fig = static_choropleth(b, _table(), column, label_column=label, source="边界：r.geojson；数据：$x$ 站点",
                                north_label="北")
        ax = fig.axes[0]
        arrows = [a for a in ax.texts if a.get_gid() == "north_arrow"]
        assert any(getattr(a, "arrow_patch", None) is not None for a in arrows)  # the arrow
        assert [a.get_text() for a in arrows if a.get_text()] == ["北"]  # and its letter
        bars = [p for p in ax.patches if p.get_gid() == "scale_bar"]
        assert len(bars) == 2
        labels = [t.get_text() for t in ax.texts if t.get_gid() == "scale_bar"]
        assert labels[0] == "0" and labels[1].endswith(" km")
        km = float(labels[1].split()[0])
        lat = float(b.geometry.union_all().centroid.y)
        drawn_deg = sum(p.get_width() for p in bars)
        assert drawn_deg * km_per_degree_lon(lat) == pytest.approx(km, rel=1e-9)
        source = [t.get_text() for t in ax.texts if t.get_gid() == "source_line"]
        assert source == [r"边界：r.geojson；数据：\$x\$ 站点"]  # $ escaped: no mathtext
    fig = static_choropleth(b, _table(), "pm25")  # default source: the boundary file's name
    assert [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "source_line"] == ["r.geojson"]
    import matplotlib.pyplot as plt

    plt.close("all")
