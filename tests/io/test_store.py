"""Tests of airlib.io.store: atomic writes, partitioned hourly store, registries, manifest."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from airlib.errors import InputDataError
from airlib.io.schema import HOURLY_COLUMNS
from airlib.io.store import (
    dataset_lock,
    PARQUET_COMPRESSION,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    partition_path,
    portable_path,
    read_hourly,
    read_manifest,
    read_registry,
    write_hourly,
    write_registry,
)


def _frame(stations=("A", "B"), start="2023-01-31 20:00", hours=8, base=10.0):
    times = pd.date_range(start, periods=hours, freq="h")
    rows = []
    for i, s in enumerate(stations):
        for j, t in enumerate(times):
            rows.append({"station": s, "time": t, "pm25": base + 100 * i + j, "wd": "N"})
    return pd.DataFrame(rows)


def _tree_hashes(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ---- atomic writes -------------------------------------------------------------------------

def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    p = tmp_path / "sub" / "a.txt"
    atomic_write_text(p, "旧")
    atomic_write_text(p, "新")
    assert p.read_text(encoding="utf-8") == "新"
    assert [x.name for x in p.parent.iterdir()] == ["a.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path):
    p = tmp_path / "a.bin"
    atomic_write_bytes(p, b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(p) as tmp:
            tmp.write_bytes(b"half-written")
            raise RuntimeError("boom")
    assert p.read_bytes() == b"old"
    assert [x.name for x in tmp_path.iterdir()] == ["a.bin"]


def test_atomic_write_temp_in_same_folder(tmp_path):
    p = tmp_path / "x.parquet"
    with atomic_write(p) as tmp:
        assert tmp.parent == p.parent and tmp != p
        tmp.write_bytes(b"1")
    assert p.read_bytes() == b"1"


def test_atomic_write_nothing_written_is_error(tmp_path):
    p = tmp_path / "x.txt"
    atomic_write_text(p, "keep")
    with pytest.raises(FileNotFoundError):
        with atomic_write(p) as tmp:
            tmp.unlink()
    assert p.read_text() == "keep"


# ---- hourly store --------------------------------------------------------------------------

def test_layout_roundtrip_and_dtypes(tmp_path):
    f = _frame()
    write_hourly(f, tmp_path, "d", source="s")
    assert partition_path(tmp_path, "d", 2023, 1).exists()
    assert partition_path(tmp_path, "d", 2023, 2).exists()
    assert (tmp_path / "d" / "hourly" / "year=2023" / "month=2" / "part-0.parquet").exists()
    out = read_hourly(tmp_path, "d")
    assert list(out.columns) == list(HOURLY_COLUMNS)
    assert out["station"].dtype == "string" and out["wd"].dtype == "string"
    assert out["time"].dtype == "datetime64[us]"
    assert out["pm25"].tolist() == f.sort_values(["station", "time"])["pm25"].tolist()
    assert out["co"].isna().all()  # missing canonical columns added as NaN
    assert len(out) == 16
    meta = pq.ParquetFile(partition_path(tmp_path, "d", 2023, 1)).metadata
    codecs = {meta.row_group(0).column(i).compression for i in range(meta.num_columns)}
    assert codecs == {"SNAPPY"} and PARQUET_COMPRESSION == "snappy"


def test_stores_written_with_another_codec_stay_readable(tmp_path):
    write_hourly(_frame(), tmp_path, "d")
    path = partition_path(tmp_path, "d", 2023, 1)
    before = read_hourly(tmp_path, "d")
    pq.write_table(pq.read_table(path), path, compression="zstd")  # as the store wrote before 2026-11-25
    pd.testing.assert_frame_equal(read_hourly(tmp_path, "d"), before)


def test_month_read_touches_only_its_partition(tmp_path):
    write_hourly(_frame(), tmp_path, "d")
    jan = partition_path(tmp_path, "d", 2023, 1)
    jan.write_bytes(b"this is not parquet")  # corrupt January
    feb = read_hourly(tmp_path, "d", start="2023-02", end="2023-02")
    assert len(feb) == 2 * 4 and (feb["time"].dt.month == 2).all()
    with pytest.raises(Exception):  # the corruption is real: reading January fails
        read_hourly(tmp_path, "d", start="2023-01", end="2023-01")


def test_bounds_inclusive_like_loc(tmp_path):
    write_hourly(_frame(hours=30), tmp_path, "d")
    day = read_hourly(tmp_path, "d", start="2023-02-01", end="2023-02-01")
    assert day["time"].min() == pd.Timestamp("2023-02-01 00:00")
    assert day["time"].max() == pd.Timestamp("2023-02-01 23:00")
    exact = read_hourly(tmp_path, "d", start=pd.Timestamp("2023-01-31 22:00"), end=pd.Timestamp("2023-02-01 01:00"))
    assert sorted(exact["time"].unique()) == list(pd.date_range("2023-01-31 22:00", "2023-02-01 01:00", freq="h"))


def test_station_and_column_selection(tmp_path):
    write_hourly(_frame(), tmp_path, "d")
    out = read_hourly(tmp_path, "d", stations=["B"], columns=["pm25"])
    assert list(out.columns) == ["station", "time", "pm25"]
    assert set(out["station"]) == {"B"} and len(out) == 8
    with pytest.raises(InputDataError, match="unknown column"):
        read_hourly(tmp_path, "d", columns=["pm2.5"])


def test_empty_selection_has_canonical_dtypes(tmp_path):
    write_hourly(_frame(), tmp_path, "d")
    out = read_hourly(tmp_path, "d", start="2024-01", end="2024-02")
    assert out.empty and out["time"].dtype == "datetime64[us]"


def test_rewrite_replaces_month_for_ingested_stations_only(tmp_path):
    write_hourly(_frame(stations=("A", "B")), tmp_path, "d", source="s1")
    # new data for A in January only, different values
    newA = _frame(stations=("A",), start="2023-01-31 20:00", hours=4, base=500.0)
    write_hourly(newA, tmp_path, "d", source="s2")
    out = read_hourly(tmp_path, "d")
    a_jan = out[(out.station == "A") & (out.time.dt.month == 1)]
    assert a_jan["pm25"].tolist() == [500.0, 501.0, 502.0, 503.0]
    b_jan = out[(out.station == "B") & (out.time.dt.month == 1)]
    assert b_jan["pm25"].tolist() == [110.0, 111.0, 112.0, 113.0]  # B untouched
    a_feb = out[(out.station == "A") & (out.time.dt.month == 2)]
    assert a_feb["pm25"].tolist() == [14.0, 15.0, 16.0, 17.0]  # February untouched
    man = read_manifest(tmp_path, "d")
    assert set(man["sources"]) == {"s1", "s2"}
    assert man["partitions"] == {"2023-01": 8, "2023-02": 8}


def test_idempotent_byte_identical(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("x")
    root = tmp_path / "store"
    write_hourly(_frame(), root, "d", source="s", inputs=[src], hour_label="ending")
    first = _tree_hashes(root)
    write_hourly(_frame(), root, "d", source="s", inputs=[src], hour_label="ending")
    assert _tree_hashes(root) == first


def test_duplicate_station_hours_rejected(tmp_path):
    f = _frame()
    with pytest.raises(InputDataError, match="duplicate"):
        write_hourly(pd.concat([f, f.iloc[:1]]), tmp_path, "d")
    assert not (tmp_path / "d").exists()


def test_missing_station_column(tmp_path):
    with pytest.raises(InputDataError, match="station"):
        write_hourly(_frame().drop(columns="station"), tmp_path, "d")


def test_read_missing_dataset(tmp_path):
    with pytest.raises(InputDataError, match="no hourly store"):
        read_hourly(tmp_path, "nope")


def test_manifest_records_hashes(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("站点,时间\n".encode("utf-8"))
    entry = write_hourly(_frame(), tmp_path / "s", "d", source="bureau", inputs=[src], hour_label="ending",
                         qc={"negative": {"pm25": 2}})
    man = json.loads((tmp_path / "s" / "d" / "manifest.json").read_text(encoding="utf-8"))
    rec = man["sources"]["bureau"]
    assert rec == entry
    assert rec["files"][0]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert rec["hour_label"] == "ending" and rec["rows"] == 16 and rec["months"] == ["2023-01", "2023-02"]
    assert rec["qc"] == {"negative": {"pm25": 2}}
    assert man["canonical_hour_label"] == "beginning"
    import airlib

    assert man["airlib_version"] == airlib.__version__


def test_registry_roundtrip(tmp_path):
    towns = pd.DataFrame({"town_code": pd.array(["110109005"], dtype="string"),
                          "town_name": pd.array(["王平地区"], dtype="string"), "n": [1.5]})
    write_registry(towns, tmp_path, "d", "towns")
    back = read_registry(tmp_path, "d", "towns")
    pd.testing.assert_frame_equal(back, towns)
    with pytest.raises(InputDataError, match="no registry"):
        read_registry(tmp_path, "d", "stations")


def test_extra_columns_are_kept(tmp_path):
    f = _frame()
    f["iws"] = np.arange(len(f), dtype=float)
    write_hourly(f, tmp_path, "d")
    out = read_hourly(tmp_path, "d")
    assert "iws" in out and out["iws"].notna().all()


# ---- property: what is written is what is read, for any window ------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.datetimes(min_value=pd.Timestamp("2019-12-30").to_pydatetime(),
                       max_value=pd.Timestamp("2020-03-30").to_pydatetime()),
    hours=st.integers(1, 24 * 40),
    stations=st.lists(st.sampled_from(["S1", "S2", "站3"]), min_size=1, max_size=3, unique=True),
    lo=st.integers(0, 24 * 40),
    span=st.integers(0, 24 * 40),
)
def test_roundtrip_and_windows(tmp_path_factory, start, hours, stations, lo, span):
    root = tmp_path_factory.mktemp("store")
    t0 = pd.Timestamp(start).floor("h")
    times = pd.date_range(t0, periods=hours, freq="h")
    f = pd.DataFrame({"station": np.repeat(stations, hours), "time": np.tile(times, len(stations))})
    f["pm25"] = np.arange(len(f), dtype=float)
    write_hourly(f, root, "d")
    back = read_hourly(root, "d")
    exp = f.sort_values(["station", "time"]).reset_index(drop=True)
    assert back["pm25"].tolist() == exp["pm25"].tolist()
    assert (back["time"].to_numpy() == exp["time"].to_numpy().astype("datetime64[us]")).all()
    a = t0 + pd.Timedelta(hours=lo)
    b = a + pd.Timedelta(hours=span)
    win = read_hourly(root, "d", start=a, end=b)
    sel = exp[(exp.time >= a) & (exp.time <= b)]
    assert win["pm25"].tolist() == sel["pm25"].tolist()


def _project(home, text="站点,时间\n"):
    raw = home / "data" / "raw" / "bureau"
    raw.mkdir(parents=True)
    src = raw / "in.csv"
    src.write_text(text, encoding="utf-8")
    return src


def test_manifest_path_relative_inside_project(project_home, monkeypatch):
    home = project_home  # $AIRLIB_HOME (tests/conftest.py)
    src = _project(home)
    entry = write_hourly(_frame(), home / "data" / "processed", "d", source="s", inputs=[src])
    assert entry["files"] == [{"path": "data/raw/bureau/in.csv", "name": "in.csv",
                               "sha256": hashlib.sha256(src.read_bytes()).hexdigest(), "bytes": src.stat().st_size}]
    # a relative input (from the current directory) and a path with '..' give the same record
    monkeypatch.chdir(home / "data")
    assert portable_path("raw/bureau/in.csv") == "data/raw/bureau/in.csv"
    assert portable_path(home / "data" / "processed" / ".." / "raw" / "bureau" / "in.csv") == "data/raw/bureau/in.csv"


def test_manifest_path_absolute_outside_project(project_home, tmp_path, monkeypatch):
    sibling = tmp_path / "project2"  # shares the prefix "project" but is not inside the project
    src = _project(sibling)
    entry = write_hourly(_frame(), tmp_path / "store", "d", source="s", inputs=[src])
    assert entry["files"][0]["path"] == str(src.resolve())
    assert Path(entry["files"][0]["path"]).is_absolute()
    monkeypatch.chdir(sibling)
    assert portable_path("data/raw/bureau/in.csv") == str(src.resolve())  # relative input, outside: absolute
    assert portable_path(src, project_root=sibling) == "data/raw/bureau/in.csv"  # explicit project folder


def test_manifest_identical_across_clones(tmp_path, monkeypatch):
    a = tmp_path / "clone-a"
    b = tmp_path / "elsewhere" / "clone-b"
    _project(a, "站点,时间\nA,2023-01-31 20:00\n")
    shutil.copytree(a, b)
    for home in (a, b):
        monkeypatch.setenv("AIRLIB_HOME", str(home))
        write_hourly(_frame(), home / "data" / "processed", "d", source="s",
                     inputs=[home / "data" / "raw" / "bureau" / "in.csv"], hour_label="ending")
    man = [(h / "data" / "processed" / "d" / "manifest.json").read_bytes() for h in (a, b)]
    assert man[0] == man[1]
    assert b"clone-a" not in man[0] and b"clone-b" not in man[1]


@pytest.mark.parametrize("case", ["sorted", "months", "months_gap", "one_station", "overlap", "time_reversed", "shuffled", "duplicates", "unicode"])
def test_sorted_by_station_time_equals_arrow_stable_sort(case):
    """The run-based reorder of read_hourly gives exactly Arrow's stable (station, time) sort:
    already sorted (one file), month files concatenated (also with a station missing from one
    month, or a single station), files whose times overlap, times backwards within a
    station, arbitrary order, equal keys kept
    in input order, non-ASCII ids in UTF-8 byte order."""
    import pyarrow as pa

    from airlib.io.store import _sorted_by_station_time

    rng = np.random.default_rng(3)
    ids = {"unicode": ["站b", "站a", "z", "é", "A"], "one_station": ["S1"]}.get(case, ["S10", "S2", "B", "A"])
    st = np.repeat(sorted(ids), 48)
    t = np.tile(np.arange(48), len(ids)).astype("datetime64[h]").astype("datetime64[us]")
    if case in ("months", "months_gap", "one_station", "overlap"):  # two sorted files in a row
        half = np.tile(np.arange(48) < 24, len(ids))
        if case == "overlap":  # the second file starts before the first one ends
            half = np.tile(np.arange(48) < 30, len(ids)) & ~np.tile(np.arange(48) % 7 == 3, len(ids))
        st, t = np.concatenate([st[half], st[~half]]), np.concatenate([t[half], t[~half]])
        if case == "months_gap":  # station "B" has no rows in the first file
            drop = (st == "B") & (np.arange(len(st)) < half.sum())
            st, t = st[~drop], t[~drop]
    elif case == "time_reversed":  # stations in order, hours of each station backwards
        t = t.reshape(len(ids), 48)[:, ::-1].ravel()
    elif case in ("shuffled", "duplicates", "unicode"):
        perm = rng.permutation(len(st))
        st, t = st[perm], t[perm]
    if case == "duplicates":
        t = t.astype("datetime64[D]").astype("datetime64[us]")  # many equal (station, time)
    table = pa.table({"station": pa.array(st, pa.string()), "time": pa.array(t), "row": np.arange(len(st))})
    expected = table.sort_by([("station", "ascending"), ("time", "ascending")])
    assert _sorted_by_station_time(table).combine_chunks().equals(expected.combine_chunks())


# --- one writer at a time per dataset (dataset_lock) ---


def test_writer_waits_for_another_writers_lock(tmp_path):
    import threading
    import time

    done = threading.Event()

    def ingest():
        write_hourly(_frame(stations=("C",)), tmp_path, "d", source="late")
        done.set()

    write_hourly(_frame(), tmp_path, "d", source="first")
    with dataset_lock(tmp_path, "d"):
        worker = threading.Thread(target=ingest)
        worker.start()
        time.sleep(0.4)
        assert not done.is_set()  # blocked while the lock is held
        assert set(read_hourly(tmp_path, "d")["station"]) == {"A", "B"}
    worker.join(timeout=30)
    assert done.is_set()
    assert set(read_hourly(tmp_path, "d")["station"]) == {"A", "B", "C"}
    assert set(read_manifest(tmp_path, "d")["sources"]) == {"first", "late"}


def test_lock_timeout_names_the_dataset_and_is_reentrant(tmp_path):
    import threading

    errors = []

    def other():
        try:
            with dataset_lock(tmp_path, "d", timeout=0.2):
                pass
        except InputDataError as exc:
            errors.append(str(exc))

    with dataset_lock(tmp_path, "d"):
        with dataset_lock(tmp_path, "d"):  # re-entrant in the same thread
            write_hourly(_frame(), tmp_path, "d")  # takes the lock again: no deadlock
        t = threading.Thread(target=other)
        t.start()
        t.join(timeout=30)
    assert len(errors) == 1 and "dataset 'd' is being written by another process" in errors[0]
    assert ".lock" in errors[0]
    with dataset_lock(tmp_path, "d", timeout=0.2):  # released
        pass


def test_concurrent_ingests_from_two_processes_lose_nothing(tmp_path):
    """Two processes each add four stations to the same months: all eight survive."""
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd\n"
        "from airlib.io.store import write_hourly\n"
        "root, tag = sys.argv[1], sys.argv[2]\n"
        "t = pd.date_range('2023-01-31 20:00', periods=8, freq='h')\n"
        "for i in range(4):\n"
        "    f = pd.DataFrame({'station': f'{tag}{i}', 'time': t, 'pm25': float(i)})\n"
        "    write_hourly(f, root, 'd', source=f'{tag}{i}')\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), tag]) for tag in ("P", "Q")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    out = read_hourly(tmp_path, "d")
    assert sorted(out["station"].unique()) == [f"{t}{i}" for t in "PQ" for i in range(4)]
    assert len(out) == 8 * 8
    man = read_manifest(tmp_path, "d")
    assert len(man["sources"]) == 8 and man["partitions"] == {"2023-01": 32, "2023-02": 32}
