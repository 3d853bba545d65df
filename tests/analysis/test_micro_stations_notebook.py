"""notebooks/micro_stations.ipynb runs the demo's SYNTHETIC micro-stations through issue #17's chain
(QC → calibration on the co-location period → hot spots) under papermill; its key numbers are
checked against the demo's truth tables (micro_faults.csv, micro_sensor_response.csv,
micro_colocation.csv), read here independently."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from airlib.demo.generator import write_demo

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "micro_stations.ipynb"
END = "2017-03"  # the demo micro data cover the three months ending here (2017-01 … 03)
TOP_K = 8          # "found" = in the top 8 of 60 (docs/micro_stations.md, notebook section)
MIN_MONTHS = 2


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    import papermill as pm

    tmp = tmp_path_factory.mktemp("micro_nb")
    demo = tmp / "demo"
    write_demo(demo, end=END)  # the canonical demo files, as `bash scripts/demo` writes them (short period)
    out = tmp / "key.json"
    pm.execute_notebook(str(NB), str(tmp / "out.ipynb"), cwd=str(NB.parent), progress_bar=False,
                        parameters={"data_dir": str(demo), "figures_dir": str(tmp / "figures"),
                                    "key_numbers_path": str(out), "top_k": TOP_K, "min_months": MIN_MONTHS})
    key = json.loads(out.read_text(encoding="utf-8"))
    key["figures"] = sorted(p.name for p in (tmp / "figures").glob("*.png"))
    faults = pd.read_csv(demo / "micro" / "micro_faults.csv", parse_dates=["start", "end"])
    response = pd.read_csv(demo / "micro" / "micro_sensor_response.csv")
    key["colocation_table"] = pd.read_csv(demo / "micro" / "micro_colocation.csv", parse_dates=["start", "end"])
    return key, faults, response


def test_runs_on_the_demo_micro_stations_labelled_synthetic(run):
    key, _, response = run
    assert "SYNTHETIC" in key["source"] and "合成" in key["source"]
    assert key["months"] == ["2017-01", "2017-02", "2017-03"]
    assert key["n_micro_stations"] == len(response) == sum(key["stations_per_town"].values())
    assert len(key["stations_per_town"]) == 13 and min(key["stations_per_town"].values()) >= 4
    assert key["figures"] == ["calibration_holdout_rmse.png", "hotspot_grid_2017-03.png", "hotspots_2017-03.png"]
    assert 0 < key["grid_cells"] <= key["n_micro_stations"]


def test_qc_finds_the_planted_stuck_drift_and_step_faults(run):
    """(ii) Per kind, injected faults (counted from micro_faults.csv) against those QC found."""
    key, faults, _ = run
    planted = faults["fault"].value_counts().to_dict()
    assert {k: v["planted"] for k, v in key["faults"].items()} == planted
    for kind in ("stuck", "drift", "step", "gap"):
        assert key["faults"][kind]["found"] == planted[kind], kind
    assert key["faults"]["stuck"]["other_flagged_stations"] == 0   # no clean sensor looks stuck
    # spikes: found 9 of 12 on the demo (seed 20171029); the three missed ride on the reference's
    # own peak (SYN-MTG-M-02, 02-01 21 h) or on a sensor with a daytime local source (SYN-MTG-M-23)
    assert key["faults"]["spike"]["found"] >= 0.75 * planted["spike"]
    rows = {(r["station"], r["fault"], r["start"]) for r in key["faults_found"]}
    assert rows == {(s, f, f"{t:%Y-%m-%d %H:%M}") for s, f, t in zip(faults["station"], faults["fault"], faults["start"])}
    # the drifting sensors' monthly refits show a falling slope (gain rises by 30 % in 3 months)
    slope = key["calibration"]["slope_change_per_month"]
    for station in faults.loc[faults["fault"] == "drift", "station"]:
        assert slope[station] < 0, station


def test_calibration_is_fitted_on_the_colocation_period_and_lowers_its_held_out_error(run):
    """(iii) Every model is fitted and evaluated on its sensor's co-location window only
    (micro_colocation.csv, end inclusive), against the window's reference; every sensor has a
    humidity response (a 0.4–0.9): on those without a gain fault the models lower the median
    held-out RMSE, every applied model by ≥ 10 %, and the applied models' raw × RH coefficient
    is negative (the interaction model: the sensor over-reads more in humid air, the more so the
    higher the reading). The additive-RH form passes the held-out test for fewer sensors on the
    14-day window (the reason for the notebook's model parameter)."""
    key, faults, response = run
    cal = key["calibration"]
    window = key["colocation_table"].set_index("station")
    models = pd.DataFrame(cal["models"]).merge(response, on="station")
    assert cal["basis"] == ["colocation"] and set(models["basis"]) == {"colocation"}
    assert cal["model"] == "linear_rh_interaction" and len(models) == len(response)
    t0 = pd.to_datetime(models["train_start"]).to_numpy()
    t1 = pd.to_datetime(models["holdout_end"]).to_numpy()
    assert (t0 >= window.loc[models["station"], "start"].to_numpy()).all()
    assert (t1 <= window.loc[models["station"], "end"].to_numpy()).all()
    assert (models["reference"].to_numpy() == window.loc[models["station"], "reference"].to_numpy()).all()
    assert cal["models_applied"] == int(models["use"].sum()) > 0.8 * len(models)
    assert cal["forms_applied"]["linear_rh_interaction"] > cal["forms_applied"]["linear_rh"]
    gain_faults = set(faults.loc[faults["fault"].isin(["drift", "step", "stuck"]), "station"])
    clean = models[~models["station"].isin(gain_faults)]
    assert clean["rmse_cal"].median() < 0.85 * clean["rmse_raw"].median()
    humid = clean[clean["rh_a"] >= clean["rh_a"].median()]              # the stronger humidity biases
    assert humid["rmse_cal"].median() < 0.85 * humid["rmse_raw"].median()
    used = models[models["use"]]
    assert (used["rmse_cal"] <= 0.9 * used["rmse_raw"] + 1e-9).all()
    assert cal["rmse_cal_median"] < cal["rmse_raw_median"]
    assert cal["slope_rh_coef_median_applied"] < 0
    # the nearest-reference fit over all hours (shown for comparison) is there too
    assert key["calibration_nearest"]["basis"] == ["nearest"] and key["calibration_nearest"]["models_applied"] > 0
    assert key["colocation_hours"] > 0.95 * len(response) * 14 * 24


def _ranks(key, which, month, stations):
    return [key[which][month][s] for s in stations]


def _mean_rank(key, which, stations):
    ranks = [r for m in key["months"] for r in _ranks(key, which, m, stations)]
    return sum(60 if r is None else r for r in ranks) / len(ranks)   # unranked counts as last


def test_planted_hot_spots_are_found_on_the_colocation_calibrated_series(run):
    """(i) The sensors with a daytime local source (micro_sensor_response.csv ``local_source`` > 0)
    are found: each is a persistent hot spot (top 8 of 60 in ≥ 2 of the 3 months; ranked on the
    deployed hours, calibrated on the co-location period), and their mean rank is better than
    without calibration (by half at least) and than with the nearest-reference calibration, which
    takes local sources for sensor bias. Not every planted sensor is in the top 8 every month:
    on the demo (seed 20171029) SYN-MTG-M-36, the weakest source (20.5 µg/m³) on a low-gain
    sensor (0.91), ranks 29 in March, whose second half (from 03-15) is outside the heating
    season and has no co-location model (the window lies in January), so it reads raw there."""
    key, _, response = run
    planted = response.loc[response["local_source"] > 0, "station"].tolist()
    assert len(planted) == 4
    assert set(planted) <= set(key["persistent"]), key["persistent"]
    assert len(key["persistent"]) <= 2 * TOP_K
    for month in key["months"]:
        assert sum(r is not None and r <= TOP_K for r in _ranks(key, "ranks", month, planted)) >= 3, month
    cal, near, raw = (_mean_rank(key, w, planted) for w in ("ranks", "ranks_nearest", "ranks_raw"))
    assert cal <= 0.5 * raw and cal < near, (cal, near, raw)


def test_notebook_code_generates_no_data():
    """(iv) The notebook holds narrative and calls: no random numbers, no generator, no numpy."""
    nb = nbformat.read(NB, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    forbidden = [r"\brandom\b", r"default_rng", r"\bgenerate_", r"write_demo", r"write_micro", r"import numpy",
                 r"\bnp\.", r"pd\.date_range", r"read_csv", r"read_parquet"]
    found = [p for p in forbidden if re.search(p, code)]
    assert not found, found
    assert "load_demo_micro(data_dir)" in code
    defs = re.findall(r"^def (\w+)", code, flags=re.M)
    assert defs == ["_num"]        # one JSON helper (NaN → null); any other logic belongs in airlib
