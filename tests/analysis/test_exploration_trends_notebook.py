"""notebooks/exploration_trends.ipynb runs under papermill on the UCI data; its openair slopes equal
the function's and the numbers issue #16 quotes for openair 2.18."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlib.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "exploration_trends.ipynb"
UCI = shared_data_dir() / "uci-beijing-multisite"


@pytest.mark.skipif(not UCI.exists(), reason="UCI data not available")
def test_notebook_runs_on_uci(tmp_path):
    import papermill as pm

    key = tmp_path / "key.json"
    pm.execute_notebook(str(NB), str(tmp_path / "out.ipynb"), cwd=str(NB.parent), progress_bar=False,
                        parameters={"key_numbers_path": str(key), "n_boot": 100, "data_dir": str(UCI)})
    k = json.loads(key.read_text(encoding="utf-8"))
    assert len(k["openair_slope"]) == 12
    assert {s: round(k["openair_slope"][s], 1) for s in ("Gucheng", "Wanliu", "Wanshouxigong")} == {
        "Gucheng": -2.5, "Wanliu": -7.5, "Wanshouxigong": -2.1}
