"""notebooks/micro_stations.ipynb (热点网格, issue #17 item 4) runs under papermill; on its SYNTHETIC
set (built when the demo micro-station files are absent) it finds the hot spots planted in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "micro_stations.ipynb"


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    import papermill as pm

    tmp = tmp_path_factory.mktemp("micro_nb")
    out = tmp / "key.json"
    pm.execute_notebook(str(NB), str(tmp / "out.ipynb"), cwd=str(NB.parent), progress_bar=False,
                        parameters={"figures_dir": str(tmp / "figures"), "key_numbers_path": str(out),
                                    "data_dir": str(tmp / "no-demo-here")})
    k = json.loads(out.read_text(encoding="utf-8"))
    k["figures"] = sorted(p.name for p in (tmp / "figures").glob("*.png"))
    return k


def test_finds_the_planted_hot_spots(key):
    planted = key["planted"]
    assert "SYNTHETIC" in key["source"]
    assert key["persistent"] == planted["persistent"]          # in the top 5 in all three months, by excess
    assert planted["transient"] not in key["persistent"]
    assert key["top_unit"]["2024-02"] == planted["transient"]   # the one-month hot spot tops its month
    for month in ("2024-01", "2024-03"):
        assert key["top_unit"][month] == planted["persistent"][0]
        for unit, offset in planted["offsets"].items():         # excess recovers the planted offset
            assert abs(key["excess"][month][unit] - offset) < 1.5
    others = [x for u, x in key["excess"]["2024-01"].items() if u not in planted["offsets"]]
    assert max(abs(x) for x in others) < 2.0                    # the rest read like their reference


def test_writes_the_maps_and_grid(key):
    assert key["figures"] == ["hotspot_grid_2024-03.png", "hotspots_2024-03.png"]
    assert 0 < key["grid_cells"] < key["n_micro_stations"]     # stations share 1 km cells
