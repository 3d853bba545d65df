"""airlib.demo.micro_stations: load_demo_micro reads the demo's micro files back; fault_detection and
detection_by_kind compare QC flags with the truth table (the notebook's table "注入故障 vs 检出")."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from airlib.analysis.calibration import nearest_reference
from airlib.demo.generator import write_demo
from airlib.demo.micro_stations import detection_by_kind, fault_detection, load_demo_micro
from airlib.errors import InputDataError

END = "2017-03"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_micro") / "demo"
    write_demo(folder, end=END)
    return folder


def test_loads_the_micro_files_and_their_reference_stations(demo_dir):
    d = load_demo_micro(demo_dir)
    assert len(d.stations) == 60 and (d.stations["station_class"] == "micro").all()
    assert d.stations["reference"].notna().all()
    assert set(d.reference_stations["station"]) == set(d.stations["reference"]) and len(d.reference_stations) == 13
    # the micro hours as written, unchanged
    raw = pd.read_csv(demo_dir / "micro" / "micro_hourly.csv")
    assert len(d.hourly) == len(raw)
    pd.testing.assert_series_equal(d.hourly["pm25"], raw["pm25"].astype(float), check_names=False)
    # reference hours: only the reference stations, only the micro-stations' period, each hour once
    t0, t1 = d.hourly["time"].min(), d.hourly["time"].max()
    assert (t0, t1) == (pd.Timestamp("2017-01-01"), pd.Timestamp("2017-03-31 23:00"))
    assert d.reference_hourly["time"].between(t0, t1).all()
    assert set(d.reference_hourly["station"]) == set(d.reference_stations["station"])
    assert not d.reference_hourly.duplicated(["station", "time"]).any()
    assert 0.9 < len(d.reference_hourly) / (13 * len(pd.date_range(t0, t1, freq="h"))) <= 1  # the demo drops some rows
    assert set(d.faults["fault"]) == {"stuck", "drift", "spike", "step", "gap"}
    assert pd.api.types.is_datetime64_any_dtype(d.faults["start"])
    assert (d.response["local_source"] > 0).sum() == 4
    # the co-location windows (比对期): each sensor beside its own reference for its first 14 days
    assert d.colocation["station"].tolist() == d.stations["station"].tolist()
    assert (d.colocation["reference"].to_numpy() == d.stations["reference"].to_numpy()).all()
    assert (d.colocation["end"] - d.colocation["start"] == pd.Timedelta(hours=14 * 24 - 1)).all()
    # the nearest reference within 5 km is the sensor's own reference for (nearly) all sensors
    pairs = nearest_reference(d.stations, d.reference_stations)
    assert (pairs["reference"].astype(str).to_numpy() == d.stations["reference"].astype(str).to_numpy()).mean() > 0.95


def test_missing_demo_says_to_run_the_demo(tmp_path, demo_dir):
    with pytest.raises(InputDataError, match="scripts/demo"):
        load_demo_micro(tmp_path / "nothing")
    partial = tmp_path / "partial"
    shutil.copytree(demo_dir, partial)
    (partial / "synthetic_hourly_2017.csv").unlink()
    with pytest.raises(InputDataError, match="synthetic_hourly_2017.csv"):
        load_demo_micro(partial)
    (partial / "micro" / "micro_colocation.csv").unlink()
    with pytest.raises(InputDataError, match="micro_colocation.csv.*scripts/demo|scripts/demo.*micro_colocation.csv"):
        load_demo_micro(partial)


def test_unknown_reference_station_is_refused(tmp_path, demo_dir):
    bad = tmp_path / "bad"
    shutil.copytree(demo_dir, bad)
    p = bad / "micro" / "micro_stations.csv"
    p.write_text(p.read_text("utf-8").replace("SYN-MTG-01\n", "SYN-MTG-99\n", 1), "utf-8")
    with pytest.raises(InputDataError, match="SYN-MTG-99"):
        load_demo_micro(bad)


def _flags(station: str, n: int, **flagged: list[int]) -> pd.DataFrame:
    times = pd.date_range("2017-01-01", periods=n, freq="h")
    f = pd.DataFrame({"station": station, "time": times, "pm25": 10.0})
    for kind in ("stuck", "spike", "step", "drift", "missing", "range", "negative"):
        f[f"pm25_qc_{kind}"] = False
        for h in flagged.get(kind, []):
            f.loc[h, f"pm25_qc_{kind}"] = True
    f.loc[f["pm25_qc_missing"], "pm25"] = float("nan")
    f["pm25_qc_ok"] = ~f.filter(like="_qc_").any(axis=1)
    return f


def _fault(station, kind, h0, h1):
    t = pd.Timestamp("2017-01-01")
    return {"station": station, "fault": kind, "pollutant": "pm25", "start": t + pd.Timedelta(hours=h0),
            "end": t + pd.Timedelta(hours=h1), "magnitude": 1.0}


def test_fault_detection_rules_per_kind():
    flags = pd.concat([
        _flags("a", 100, stuck=list(range(10, 16)), spike=[50]),       # stuck 10–15 all flagged
        _flags("b", 100, stuck=list(range(10, 15)), step=[62]),        # stuck 10–15: hour 15 not flagged
        _flags("c", 100, drift=[90], missing=list(range(20, 30))),
    ], ignore_index=True)
    faults = pd.DataFrame([
        _fault("a", "stuck", 10, 15), _fault("b", "stuck", 10, 15),
        _fault("a", "spike", 50, 50), _fault("a", "spike", 51, 51),
        _fault("b", "step", 50, 99),     # flag at +12 h: found (edge of the slack)
        _fault("b", "step", 49, 99),     # flag at +13 h: not found
        _fault("c", "drift", 0, 99), _fault("a", "drift", 0, 99),
        _fault("c", "gap", 20, 29), _fault("c", "gap", 19, 29),
        _fault("z", "gap", 0, 5),        # absent rows: nothing present, nothing with a value
    ])
    out = fault_detection(flags, faults, step_slack_h=12)
    assert out["found"].tolist() == [True, False, True, False, True, False, True, False, True, False, True]
    assert out["n_hours"].tolist()[:2] == [6, 6] and out["n_flagged"].tolist()[:2] == [6, 5]
    assert out["n_hours"].iloc[-1] == 0
    by = detection_by_kind(out, flags)
    assert by.index.tolist() == ["stuck", "drift", "spike", "step", "gap"]
    assert by.loc["stuck"].tolist()[:4] == [2, 1, 2, 2]
    assert by.loc["spike", "other_flagged_stations"] == 0
    assert by.loc["drift", "planted_stations"] == 2 and by.loc["drift", "flagged_stations"] == 1
    assert by.loc["step", "other_flagged_stations"] == 0 and pd.isna(by.loc["gap", "other_flagged_stations"])
    # a station flagged without an injected fault of that kind counts as "other"
    by2 = detection_by_kind(out[out["fault"] != "spike"].assign(), flags)
    assert "spike" not in by2.index
    extra = pd.concat([flags, _flags("d", 10, stuck=[1, 2])], ignore_index=True)
    assert detection_by_kind(out, extra).loc["stuck", "other_flagged_stations"] == 1
