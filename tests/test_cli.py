"""End-to-end tests of the generate-demo, ingest, summary and demo subcommands (short periods)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from airlib.cli import main
from airlib.demo.registry import TOWNS


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    raw, proc = base / "raw", base / "proc"
    assert main(["generate-demo", "--end", "2015-11", "--out", str(raw), "--seed", "3"]) == 0
    assert main(["ingest", "demo", "--raw", str(raw), "--processed", str(proc)]) == 0
    return raw, proc


def test_generate_and_ingest_write_store(pipeline):
    raw, proc = pipeline
    assert (raw / "synthetic_hourly_2015.csv").exists()
    assert (proc / "demo" / "hourly" / "year=2015" / "month=10" / "part-0.parquet").exists()
    assert (proc / "demo" / "hourly" / "year=2015" / "month=11" / "part-0.parquet").exists()
    from airlib.io.store import read_hourly, read_manifest, read_registry

    h = read_hourly(proc, "demo", start="2015-11", end="2015-11")
    assert h["time"].min().month == 11 and h["pm25"].min() >= 0  # QC removed sentinels/negatives
    assert len(read_registry(proc, "demo", "towns")) == 13
    assert "synthetic_hourly_2015.csv" in read_manifest(proc, "demo")["sources"]


def test_summary_prints_every_town(pipeline, capsys):
    _, proc = pipeline
    capsys.readouterr()
    assert main(["summary", "--dataset", "demo", "--month", "2015-11", "--processed", str(proc)]) == 0
    out = capsys.readouterr().out
    assert "2015年11月" in out and "PM2.5月均值" in out and "重污染天数" in out
    for t in TOWNS:
        assert t.name in out


def test_summary_errors_exit_2_with_message(pipeline, capsys):
    _, proc = pipeline
    assert main(["summary", "--month", "2015-13", "--processed", str(proc)]) == 2
    assert "2015-13" in capsys.readouterr().err
    assert main(["summary", "--month", "2019-01", "--processed", str(proc)]) == 2
    assert "2019-01" in capsys.readouterr().err


def test_ingest_without_generated_files_fails_clearly(tmp_path, capsys):
    assert main(["ingest", "demo", "--raw", str(tmp_path / "empty"), "--processed", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "generate-demo" in err


def test_generate_demo_rejects_bad_end(tmp_path, capsys):
    assert main(["generate-demo", "--end", "2014-01", "--out", str(tmp_path)]) == 2
    assert "2014-01" in capsys.readouterr().err


def test_demo_command_end_to_end(tmp_path, capsys):
    rc = main(["demo", "--end", "2015-10", "--raw", str(tmp_path / "raw"),
               "--processed", str(tmp_path / "proc"), "--seed", "1"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "合成" in out and "2015年10月" in out and "大峪街道" in out


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("airlib")
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    r = subprocess.run([str(exe), "generate-demo", "--end", "2015-10", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "合成演示数据" in r.stdout


def test_reingest_shorter_period_drops_stale_months(tmp_path):
    raw, proc = tmp_path / "raw", tmp_path / "proc"
    assert main(["generate-demo", "--end", "2015-11", "--out", str(raw)]) == 0
    assert main(["ingest", "demo", "--raw", str(raw), "--processed", str(proc)]) == 0
    assert main(["generate-demo", "--end", "2015-10", "--out", str(raw)]) == 0
    assert main(["ingest", "demo", "--raw", str(raw), "--processed", str(proc)]) == 0
    months = sorted(p.name for p in (proc / "demo" / "hourly" / "year=2015").iterdir())
    assert months == ["month=10"]


def test_ingest_refuses_to_replace_a_non_demo_store(tmp_path, capsys):
    raw, proc = tmp_path / "raw", tmp_path / "proc"
    (proc / "demo").mkdir(parents=True)
    (proc / "demo" / "manifest.json").write_text('{"sources": {"bureau_2024.xlsx": {}}}', encoding="utf-8")
    assert main(["generate-demo", "--end", "2015-10", "--out", str(raw)]) == 0
    assert main(["ingest", "demo", "--raw", str(raw), "--processed", str(proc)]) == 2
    assert "not the synthetic demo" in capsys.readouterr().err
    assert (proc / "demo" / "manifest.json").exists()
