"""notebooks/exploration_wind.ipynb: runs under papermill on the real UCI data; its key numbers
are checked against counts made from the raw CSV with plain pandas (no airlib)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from airlib.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "exploration_wind.ipynb"
UCI = shared_data_dir() / "uci-beijing-multisite"
COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]


@pytest.mark.slow
def test_notebook_on_real_uci_data(tmp_path):
    if not UCI.exists():
        pytest.skip(f"real data not found at {UCI}")
    import papermill as pm

    key_path = tmp_path / "key.json"
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NB), str(out), cwd=str(NB.parent), progress_bar=False,
                        parameters={"station": "Wanliu", "key_numbers_path": str(key_path)})
    key = json.loads(key_path.read_text(encoding="utf-8"))
    done = nbformat.read(out, as_version=4)
    images = sum("image/png" in o.get("data", {}) for c in done.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 4  # wind rose, seasonal roses, pollution rose, percentile rose

    every = pd.read_csv(UCI / "PRSA_Data_Wanliu_20130301-20170228.csv", usecols=["month", "wd", "WSPM", "PM2.5"])
    raw = every[every["WSPM"].notna()]
    calm = (raw["WSPM"] == 0) | raw["wd"].isna()
    assert key["n"] == len(raw)
    assert key["calm_pct"] == pytest.approx(100 * calm.mean())
    # 30° sectors: compass point i at 22.5·i° -> sector 30·ceil(22.5·i/30 − 0.5), 0 -> 360
    deg = 22.5 * np.arange(16)
    sector = 30 * np.ceil(deg / 30 - 0.5)
    sector[sector == 0] = 360
    to_sector = dict(zip(COMPASS, sector))
    counts = raw.loc[~calm, "wd"].map(to_sector).value_counts()
    for s, pct in key["sector_pct"].items():
        assert pct == pytest.approx(100 * counts.get(float(s), 0) / len(raw)), s
    for s, total in key["season_total_pct"].items():
        assert total == pytest.approx(100.0), s
    # 10° sectors of the percentile rose: compass point -> 10·ceil(22.5·i/10 − 0.5)
    sec10 = 10 * np.ceil(deg / 10 - 0.5)
    sec10[sec10 == 0] = 360
    med = every.assign(sec=every["wd"].map(dict(zip(COMPASS, sec10)))).groupby("sec")["PM2.5"].median()
    got = {float(k): v for k, v in key["pm25_median_by_sector"].items()}
    assert set(got) == set(med.dropna().index)
    for s, v in got.items():
        assert v == pytest.approx(med[s]), s
