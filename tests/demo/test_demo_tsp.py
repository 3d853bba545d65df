"""The demo's SYNTHETIC half-monthly TSP table (airlib.demo.tsp_sheets)."""

from __future__ import annotations

import pandas as pd

from airlib.demo.registry import towns_frame
from airlib.demo.tsp_sheets import TOWNS_PER_DISTRICT, TSP_TITLE, write_demo_tsp
from airlib.io.tsp import read_tsp
from airlib.tracking.tsp import bottom_appearances, bottom_table, city_ranking


def test_demo_tsp_file(tmp_path):
    p = write_demo_tsp(tmp_path, "2026-10", 20171001)
    assert p == tmp_path / "dust" / "tsp_halfmonthly.csv"
    assert p.read_text(encoding="utf-8").splitlines()[0] == TSP_TITLE and "SYNTHETIC" in TSP_TITLE
    d = read_tsp(p, towns_frame())
    halves = sorted(pd.unique(d["period_start"]))
    assert len(halves) == 48 and halves[-1] == pd.Timestamp("2026-10-16")       # 24 months, both halves
    assert d.groupby("period_start").size().eq(sum(TOWNS_PER_DISTRICT.values())).all()  # 349 towns each half
    own = d[d["district_code"] == "110109"]
    assert own["town_code"].notna().all() and own["town_code"].nunique() == 13   # real demo towns, matched
    lists = [bottom_table(city_ranking(d, h)) for h in halves]
    assert any(len(b) > 30 for b in lists)                                      # a tie straddling place 30
    a = bottom_appearances(d, "2026-01-01", "2026-10-31", towns=towns_frame())
    assert 0 < (a["appearances"] > 0).sum() < 13                                 # some demo towns, not all
    assert write_demo_tsp(tmp_path / "b", "2026-10", 20171001).read_bytes() == p.read_bytes()   # seeded
