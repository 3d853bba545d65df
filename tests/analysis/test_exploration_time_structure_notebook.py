"""notebooks/exploration_time_structure.ipynb (issue 16, O3): runs under papermill on the UCI data; its key
numbers are checked against plain pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from airlib.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "exploration_time_structure.ipynb"
UCI = shared_data_dir() / "uci-beijing-multisite"


@pytest.mark.slow
def test_notebook_runs_on_uci(tmp_path):
    if not UCI.exists():
        pytest.skip(f"real data not found at {UCI}")
    import papermill as pm

    key_path = tmp_path / "key.json"
    pm.execute_notebook(str(NB), str(tmp_path / "out.ipynb"), cwd=str(NB.parent), progress_bar=False,
                        parameters={"figures_dir": str(tmp_path / "figures"), "key_numbers_path": str(key_path),
                                    "n_boot": 50})
    key = json.loads(key_path.read_text(encoding="utf-8"))
    figs = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert figs == {"time_variation_pm25.png", "time_variation_normalised.png", "trend_level_pm25.png",
                    "smooth_trend_pm25.png", "summary.png"}
    raw = pd.read_csv(next(UCI.glob("PRSA_Data_Dongsi_*.csv")), usecols=["hour", "PM2.5"])
    assert key["hour_peak"]["Dongsi"] == int(raw.groupby("hour")["PM2.5"].mean().idxmax())
    s = key["summary_pm25"]
    assert s["mean"] == pytest.approx(raw["PM2.5"].mean(), rel=1e-12)
    assert s["missing"] == raw["PM2.5"].isna().sum()
    assert key["trend_level_rows"] == 48 * 24  # 2013-03 … 2017-02: 48 months × 24 hours
    assert set(key["smooth_change"]) == {"Dongsi", "Gucheng", "Dingling"}
