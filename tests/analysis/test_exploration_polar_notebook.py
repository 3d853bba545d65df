"""notebooks/exploration_polar.ipynb (polar plots): runs under papermill on the real UCI data; its key
numbers are checked against plain pandas/numpy calculations from the raw CSV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airlib.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "exploration_polar.ipynb"
UCI = shared_data_dir() / "uci-beijing-multisite"


@pytest.mark.slow
def test_notebook_on_real_uci_data(tmp_path):
    if not UCI.exists():
        pytest.skip(f"real data not found at {UCI}")
    import papermill as pm

    key_path = tmp_path / "key.json"
    pm.execute_notebook(str(NB), str(tmp_path / "out.ipynb"), cwd=str(NB.parent), progress_bar=False,
                        parameters={"figures_dir": str(tmp_path / "figures"), "key_numbers_path": str(key_path),
                                    "station": "Dongsi", "cpf_percentile": 90, "n_clusters": 6})
    key = json.loads(key_path.read_text(encoding="utf-8"))
    assert {p.name for p in (tmp_path / "figures").glob("*.png")} == {"polar_mean.png", "polar_cpf.png",
                                                                      "polar_cluster.png"}
    raw = pd.read_csv(UCI / "PRSA_Data_Dongsi_20130301-20170228.csv", usecols=["PM2.5", "WSPM", "wd"]).dropna()
    assert key["n_rows"] == 35064
    assert key["bins"]["n_hours"] == key["bins"]["sum_n"] == len(raw)
    assert key["bins"]["weighted_sum"] == pytest.approx(raw["PM2.5"].sum(), rel=1e-12)
    assert key["cpf"]["threshold"] == pytest.approx(np.quantile(raw["PM2.5"], 0.9))
    assert 0 < key["cpf"]["z_max"] <= 1
    assert raw["PM2.5"].min() <= key["mean"]["z_min"] < key["mean"]["z_max"] <= raw["PM2.5"].max()
    assert sum(key["cluster"]["hours"].values()) <= len(raw)
    means = [key["cluster"]["mean_by_cluster"][str(i)] for i in range(1, 7)]
    assert len(means) == 6
