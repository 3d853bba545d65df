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
from airlib.maps import (
    SCHEMATIC_NOTICE_ZH,
    gcj02_to_wgs84,
    load_boundaries,
    plotly_choropleth,
    static_choropleth,
    wgs84_to_gcj02,
)
from airlib.ranking import ranking_table

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
    numbers = [x for x in texts if x.isdigit()]
    assert sorted(int(n) for n in numbers) == list(range(1, len(lines) + 1))
    # every town is named exactly once: on the map or in the key
    for name in towns["town_name"]:
        on_map = sum(1 for x in texts if x.startswith(name + "\n"))
        in_key = sum(1 for ln in lines if ln.split(" ")[1] == name)
        assert on_map + in_key == 1, name
    import matplotlib.pyplot as plt

    plt.close("all")
