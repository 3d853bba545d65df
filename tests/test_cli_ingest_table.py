"""``airlib ingest table``: a bureau's own files into the store, with clear errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from airlib.cli import main
from airlib.store import read_hourly, read_registry


def _write_inputs(folder: Path, encoding: str = "utf-8") -> tuple[Path, Path, Path]:
    towns = folder / "towns.csv"
    towns.write_text(
        "街乡代码,街乡名称,区代码,区名称,类型,别名\n"
        "110109005,王平地区,110109,门头沟区,地区,王平镇|王平\n"
        "110109001,大峪街道,110109,门头沟区,街道,大峪\n",
        encoding="utf-8",
    )
    stations = folder / "stations.csv"
    stations.write_text(
        "站点编号,站点名称,街乡代码,经度,纬度\nS1,王平站,王平镇,116.0,39.9\nS2,大峪站,110109001,116.1,39.94\n",
        encoding="utf-8",
    )
    rows = ["站点,时间,PM2.5,CO"]
    for st in ("S1", "S2"):
        for h in range(1, 25):  # hour-ending labels 01:00 … 24:00 of 2018-01-01
            rows.append(f"{st},2018-01-01 {h:02d}:00,{40 + h},{-999 if h == 5 else 0.8}")
    data = folder / "hourly.csv"
    data.write_bytes(("\n".join(rows) + "\n").encode(encoding))
    return towns, stations, data


def test_ingest_table_gbk_hour_ending(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    towns, stations, data = _write_inputs(tmp_path, encoding="gbk")
    before = hashlib.sha256(data.read_bytes()).hexdigest()
    root = tmp_path / "processed"
    rc = main(["ingest", "table", str(data), "--dataset", "mtg", "--towns", str(towns),
               "--stations", str(stations), "--hour-label", "ending", "--processed", str(root)])
    assert rc == 0
    assert "已入库 mtg" in capsys.readouterr().out
    hourly = read_hourly(root, "mtg")
    # hour-ending 01:00 … 24:00 is hour-beginning 00:00 … 23:00 of the same day
    assert hourly["time"].min() == pd.Timestamp("2018-01-01 00:00")
    assert hourly["time"].max() == pd.Timestamp("2018-01-01 23:00")
    assert len(hourly) == 48
    s1 = hourly[hourly["station"] == "S1"].set_index("time")
    assert s1.loc["2018-01-01 00:00", "pm25"] == 41
    assert pd.isna(s1.loc["2018-01-01 04:00", "co"])  # the -999 sentinel became missing
    st = read_registry(root, "mtg", "stations")
    assert dict(zip(st["station"], st["town_code"])) == {"S1": "110109005", "S2": "110109001"}
    assert hashlib.sha256(data.read_bytes()).hexdigest() == before  # raw untouched


def test_ingest_table_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    towns, stations, data = _write_inputs(tmp_path)
    root = tmp_path / "processed"
    assert main(["ingest", "table", str(data), "--processed", str(root)]) == 2
    assert "--dataset" in capsys.readouterr().err
    assert main(["ingest", "table", str(tmp_path / "nope.csv"), "--dataset", "x", "--processed", str(root)]) == 2
    assert "nope.csv" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("站点,时间,PM2.5\nS1,2018-01-01 01:00,abc\n", encoding="utf-8")
    assert main(["ingest", "table", str(bad), "--dataset", "x", "--towns", str(towns),
                 "--stations", str(stations), "--processed", str(root)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "PM2.5" in err and "abc" in err
    assert not (root / "x").exists()  # nothing written for a failed ingestion
