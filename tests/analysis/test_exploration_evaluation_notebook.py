"""notebooks/exploration_evaluation.ipynb: runs under papermill on the real UCI data; its key numbers are
checked against independent plain-pandas calculations from the raw CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from airlib.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "exploration_evaluation.ipynb"
UCI = shared_data_dir() / "uci-beijing-multisite"


@pytest.mark.slow
def test_notebook_on_real_uci_data(tmp_path):
    if not UCI.exists():
        pytest.skip(f"real data not found at {UCI}")
    import papermill as pm

    key_path = tmp_path / "key.json"
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NB), str(out), cwd=str(NB.parent), progress_bar=False,
                        parameters={"key_numbers_path": str(key_path)})
    key = json.loads(key_path.read_text(encoding="utf-8"))
    executed = nbformat.read(out, as_version=4)
    assert sum("image/png" in o.get("data", {}) for c in executed.cells if c.cell_type == "code"
               for o in c.outputs) == 2
    assert key["n_stations"] == 12

    raw = pd.read_csv(next(UCI.glob("PRSA_Data_Dongsi_*.csv")), usecols=["year", "month", "day", "hour", "PM2.5"])
    raw["time"] = pd.to_datetime(raw[["year", "month", "day", "hour"]])
    raw = raw.set_index("time")["PM2.5"]
    # persistence forecast: the value 24 hours earlier, by time (not by row)
    mod = raw.reindex(raw.index - pd.Timedelta(hours=24)).to_numpy()
    ok = ~np.isnan(raw.to_numpy()) & ~np.isnan(mod)
    d = mod[ok] - raw.to_numpy()[ok]
    got = key["persistence"]["Dongsi"]
    assert got["n"] == ok.sum()
    assert got["MB"] == pytest.approx(d.mean(), rel=1e-9)
    assert got["RMSE"] == pytest.approx(np.sqrt((d**2).mean()), rel=1e-9)

    daily = raw.groupby(raw.index.normalize()).agg(["mean", "count"])
    daily = daily[daily["count"] >= 20]
    for year in (2014, 2015, 2016):
        dy = daily[daily.index.year == year]
        assert key["days_over_24h"][f"Dongsi|{year}"] == (dy["mean"] > 75).sum()
    assert 0 < key["months_differing"] <= key["months"] == 48
