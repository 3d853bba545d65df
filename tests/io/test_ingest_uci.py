"""Tests of the UCI PRSA readers and ingest_uci (real data in ../shared/data; skipped if absent)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.ingest import beijing_townships, ingest_uci, read_uci_embassy, read_uci_multisite
from airlib.io.schema import HOURLY_COLUMNS
from airlib.paths import shared_data_dir
from airlib.io.store import read_hourly, read_manifest, read_registry

UCI = shared_data_dir() / "uci-beijing-multisite"
needs_shared = pytest.mark.skipif(not UCI.is_dir(), reason="shared UCI data absent")

HEADER = '"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"\n'


@pytest.fixture(scope="module")
def uci(uci_multisite):
    return uci_multisite  # read once per session (tests/conftest.py)


@needs_shared
def test_twelve_stations_full_period(uci):
    hourly, stations = uci
    assert list(hourly.columns) == list(HOURLY_COLUMNS)
    sizes = hourly.groupby("station").size()
    assert len(sizes) == 12 and (sizes == 35064).all()
    assert hourly["time"].min() == pd.Timestamp("2013-03-01 00:00")
    assert hourly["time"].max() == pd.Timestamp("2017-02-28 23:00")
    # every station has every hour exactly once
    assert not hourly.duplicated(["station", "time"]).any()
    assert hourly["time"].dtype == "datetime64[us]" and hourly["station"].dtype == "string"


@needs_shared
def test_co_converted_and_na_preserved(uci):
    hourly, _ = uci
    raw = pd.read_csv(UCI / "PRSA_Data_Dongsi_20130301-20170228.csv")
    got = hourly[hourly["station"] == "Dongsi"].reset_index(drop=True)
    np.testing.assert_allclose(got["co"].to_numpy(), raw["CO"].to_numpy() / 1000.0, equal_nan=True)
    np.testing.assert_array_equal(got["pm25"].to_numpy(), raw["PM2.5"].to_numpy())
    for src, dst in [("PM2.5", "pm25"), ("CO", "co"), ("O3", "o3"), ("TEMP", "temp"), ("wd", "wd"),
                     ("WSPM", "wspm")]:
        assert got[dst].isna().sum() == raw[src].isna().sum(), src
    assert got["co"].max() < 20  # mg/m³, not µg/m³


@needs_shared
def test_total_na_counts_match_raw(uci):
    hourly, _ = uci
    raw_na = sum(pd.read_csv(f)["PM2.5"].isna().sum() for f in sorted(UCI.glob("PRSA_Data_*.csv")))
    assert hourly["pm25"].isna().sum() == raw_na


@needs_shared
def test_station_registry(uci):
    _, stations = uci
    assert len(stations) == 12
    towns = beijing_townships()
    assert stations["town_code"].isin(towns["town_code"]).all()
    # town and district codes agree
    assert (stations["town_code"].str[:6] == stations["district_code"]).all()
    assert stations["town_assignment"].str.startswith("approximate").all()
    row = stations.set_index("station").loc["Dongsi"]
    assert row["station_name"] == "东城东四" and row["town_name"] == "东四街道"
    assert row["lon"] == pytest.approx(116.417) and "dongsi_aq" in row["aliases"]
    assert stations.set_index("station").loc["Huairou", "town_name"] == "怀柔地区"


@needs_shared
def test_hour_ending_option_shifts_once():
    f = UCI / "PRSA_Data_Tiantan_20130301-20170228.csv"
    h, _ = read_uci_multisite(f, hour_label="ending")
    assert h["time"].iloc[0] == pd.Timestamp("2013-02-28 23:00")
    assert len(h) == 35064


@needs_shared
def test_embassy():
    e = read_uci_embassy()
    assert len(e) == 43824 and set(e["station"]) == {"USEmbassy"}
    assert e["pm25"].isna().sum() == 2067
    assert e["time"].min() == pd.Timestamp("2010-01-01 00:00") and e["time"].max() == pd.Timestamp("2014-12-31 23:00")
    assert set(e["wd"].dropna()) <= {"NW", "NE", "SE", "SW"}
    assert (e["wd"].isna() == (e["cbwd"] == "cv")).all()
    assert e["wspm"].isna().all() and e["iws"].notna().all()
    assert list(e.columns[: len(HOURLY_COLUMNS)]) == list(HOURLY_COLUMNS)


@needs_shared
@pytest.mark.slow
def test_ingest_uci_store_manifest_idempotent_raw_untouched(tmp_path):
    files = sorted(UCI.glob("PRSA_Data_*.csv"))
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    root = tmp_path / "processed"
    s = ingest_uci(root, embassy_dataset=None)
    assert s["rows"] == 12 * 35064 and len(s["stations"]) == 12 and len(s["months"]) == 48
    man = read_manifest(root, "uci")
    src = man["sources"]["uci-multisite"]
    assert {f["name"]: f["sha256"] for f in src["files"]} == {f.name: h for f, h in before.items()}
    # ../shared/data lies outside the project root: recorded as absolute paths
    assert [f["path"] for f in src["files"]] == [str(f.resolve()) for f in files]
    assert src["hour_label"] == "beginning" and src["qc"]["unit_factors"] == {"co": 0.001}
    assert sum(man["partitions"].values()) == 12 * 35064
    feb16 = read_hourly(root, "uci", "2016-02", "2016-02")
    assert len(feb16) == 12 * 29 * 24  # leap February
    assert len(read_registry(root, "uci", "stations")) == 12 and len(read_registry(root, "uci", "towns")) == 349
    snap = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}
    ingest_uci(root, embassy_dataset=None)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()} == snap
    assert {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files} == before


# ---- error cases on tiny UCI-shaped files (no shared data needed) --------------------------

def _tiny(tmp_path, rows, header=HEADER, name="PRSA_Data_Dongsi_x.csv"):
    p = tmp_path / name
    p.write_text(header + "".join(rows), encoding="utf-8")
    return p


ROW = '{n},2013,3,1,{h},4,4,4,7,300,77,-0.7,1023,-18.8,0,"NNW",4.4,"Dongsi"\n'


@needs_shared
def test_tiny_file_reads(tmp_path):
    p = _tiny(tmp_path, [ROW.format(n=1, h=0), ROW.format(n=2, h=1)])
    h, st = read_uci_multisite(p)
    assert h["co"].tolist() == [0.3, 0.3] and list(st["station"]) == ["Dongsi"]


def test_missing_column_named(tmp_path):
    p = _tiny(tmp_path, [ROW.format(n=1, h=0)], header=HEADER.replace('"PM2.5"', '"PM25"'))
    with pytest.raises(InputDataError) as ei:
        read_uci_multisite(p)
    msg = str(ei.value)
    assert "PRSA_Data_Dongsi_x.csv" in msg and "'PM2.5'" in msg and "'PM25'" in msg


def test_text_in_numeric_column_named(tmp_path):
    p = _tiny(tmp_path, [ROW.format(n=1, h=0), ROW.format(n=2, h=1).replace(",77,", ",abc,")])
    with pytest.raises(InputDataError) as ei:
        read_uci_multisite(p)
    msg = str(ei.value)
    assert "row 3" in msg and "'O3'" in msg and "abc" in msg


@pytest.mark.parametrize("bad", ["2013,3,1,24", "2013,2,30,1", "2013,13,1,1"])
def test_invalid_date_rows(tmp_path, bad):
    p = _tiny(tmp_path, [ROW.format(n=1, h=0), ROW.format(n=2, h=1).replace("2013,3,1,1", bad)])
    with pytest.raises(InputDataError, match="invalid year/month/day/hour") as ei:
        read_uci_multisite(p)
    assert "row 3" in str(ei.value)


def test_empty_and_header_only(tmp_path):
    e = tmp_path / "PRSA_Data_E.csv"
    e.write_bytes(b"")
    with pytest.raises(InputDataError, match="empty"):
        read_uci_multisite(e)
    with pytest.raises(InputDataError, match="no data rows"):
        read_uci_multisite(_tiny(tmp_path, []))


def test_folder_without_files(tmp_path):
    with pytest.raises(InputDataError, match="no PRSA_Data"):
        read_uci_multisite(tmp_path)


@needs_shared
@pytest.mark.slow
def test_cli_ingest_uci(tmp_path, capsys):
    from airlib.cli import main

    assert main(["ingest", "uci", "--processed", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "12 个站点" in out and "420,768 行" in out
    assert len(read_hourly(tmp_path, "uci_embassy", "2014-12", "2014-12")) == 31 * 24


def test_cli_ingest_uci_missing_folder(tmp_path, capsys):
    from airlib.cli import main

    assert main(["ingest", "uci", "--raw", str(tmp_path / "nope"), "--processed", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err
