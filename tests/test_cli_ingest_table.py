"""``airlib ingest table``: a bureau's own files into the store, with clear errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from airlib.cli import main
from airlib.io.store import read_hourly, read_registry


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


@pytest.mark.parametrize("order", ["options_first", "files_first", "mixed"])
def test_ingest_table_options_and_files_in_any_order(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     order: str) -> None:
    towns, stations, data = _write_inputs(tmp_path)
    second = tmp_path / "hourly2.csv"
    second.write_text("站点,时间,PM2.5\nS1,2018-01-02 01:00,7\n", encoding="utf-8")
    root = tmp_path / "processed"
    opts = ["--dataset", "mtg", "--towns", str(towns), "--stations", str(stations), "--processed", str(root),
            "--hour-label", "ending"]
    files = [str(data), str(second)]
    argv = {
        "options_first": ["ingest", "table", *opts, *files],  # the README's order
        "files_first": ["ingest", "table", *files, *opts],
        "mixed": ["ingest", "table", files[0], *opts[:4], files[1], *opts[4:]],
    }[order]
    assert main(argv) == 0, capsys.readouterr().err
    assert len(read_hourly(root, "mtg")) == 49


def test_ingest_table_prints_qc_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    towns, stations, _ = _write_inputs(tmp_path)
    data = tmp_path / "semi.csv"
    data.write_text("站点;时间;PM2.5;CO\nS1;13/01/2018 00:00;45,3;-999\nS1;13/01/2018 01:00;1e9;0,8\n"
                    "S2;13/01/2018 00:00;-3;0,5\nS2;13/01/2018 00:00;5;0,5\n", encoding="utf-8")
    root = tmp_path / "processed"
    rc = main(["ingest", "table", "--dataset", "qc", "--towns", str(towns), "--stations", str(stations),
               "--processed", str(root), "--duplicates", "last", "--timezone", "UTC", str(data)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "质控摘要 QC summary：读取 4 行" in out and "入库 3 行" in out and "2 个站点" in out
    assert "2018-01 至 2018-01（1 个月）" in out
    assert "缺测代码置空 1 个（co 1）" in out and "负值置空 1 个（pm25 1）" in out
    assert "超出合理范围置空 1 个（pm25 1）" in out
    assert "重复站点-小时 duplicates：2 行，策略 last" in out
    assert "分隔符 delimiter ';'" in out and "decimal ','" in out and "%d/%m/%Y" in out and "UTC" in out
    h = read_hourly(root, "qc")
    assert h.loc[h["station"] == "S1", "pm25"].tolist()[0] == pytest.approx(45.3)
    assert h["time"].min() == pd.Timestamp("2018-01-13 08:00")  # UTC → Beijing time


@pytest.mark.parametrize(("extra", "content", "expect"), [
    (["--timezone", "Mars/Base"], "站点,时间,PM2.5\nS1,2018-01-01 00:00,1\n", "unknown time zone"),
    ([], "站点,时间,PM2.5\nS1,01/02/2018 00:00,1\n", "--time-format"),
    ([], "站点;时间;PM2.5\nS1;2018-01-01 00:00;1,234\n", "--decimal"),
    ([], "站点,时间,PM2.5\nS1,2099-01-01 00:00,1\n", "row 2"),
])
def test_ingest_table_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str],
                                   content: str, expect: str) -> None:
    data = tmp_path / "in.csv"
    data.write_text(content, encoding="utf-8")
    root = tmp_path / "processed"
    assert main(["ingest", "table", "--dataset", "x", "--processed", str(root), *extra, str(data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("airlib: error:") and expect in err and "Traceback" not in err
    assert not (root / "x").exists()


def test_ingest_table_declared_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "in.csv"
    data.write_text("站点;时间;PM10\nS1;01/02/2018 00:00;1,234\n", encoding="utf-8")
    root = tmp_path / "processed"
    assert main(["ingest", "table", "--dataset", "x", "--processed", str(root), "--time-format",
                 "%d/%m/%Y %H:%M", "--decimal", ",", str(data)]) == 0, capsys.readouterr().err
    h = read_hourly(root, "x")
    assert h["time"].tolist() == [pd.Timestamp("2018-02-01")] and h["pm10"].tolist() == [pytest.approx(1.234)]


def test_ingest_table_long_line_is_an_error_not_a_traceback(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "long.csv"
    data.write_bytes("站点,时间,PM2.5\n".encode() + b"x" * (2 << 20) + b"\n")
    assert main(["ingest", "table", "--dataset", "x", "--processed", str(tmp_path / "p"), str(data)]) == 2
    err = capsys.readouterr().err
    assert "long.csv" in err and "max_line_chars" in err and "Traceback" not in err


def test_ingest_demo_with_files_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "demo", "--processed", str(tmp_path / "p"), "stray.csv"]) == 2
    assert "only read by `airlib ingest table`" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
