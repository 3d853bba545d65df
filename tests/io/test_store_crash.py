"""Crash consistency of the store: one transaction per ingest per dataset.

A fault-injection harness runs a multi-month ingest in a subprocess and kills it with SIGKILL
at every named point of the write path (``AIRLIB_FAULT_POINT=<point>:<n>``, a test hook in
:mod:`airlib.io.store`) and after random delays; the dataset must then be readable and equal to
exactly the old or exactly the new data, with a manifest that describes what is there. Failed
ingests (bad input found late, disk full, permission denied, read-only file system) must leave
every file of the store byte-identical. Old stores (written before versions) stay readable.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from airlib.io import store
from airlib.errors import AirlibError, InputDataError
from airlib.io.store import (
    StoreWriteError,
    dataset_dir,
    read_hourly,
    read_manifest,
    read_registry,
    transaction,
    write_hourly,
    write_registry,
)

REPO = Path(__file__).resolve().parents[2]

# The ingest run in a subprocess: four months (Feb–May 2023) for stations B and C — it replaces
# B's rows in Feb and Mar, adds C, adds Apr and May — and a new station registry, in one
# transaction.
INGEST = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd
    from airlib.io.store import transaction
    root = sys.argv[1]
    with transaction(root, "d") as tx:
        print("start", flush=True)
        for m in range(2, 6):
            t = pd.date_range(f"2023-{m:02d}-01", periods=72, freq="h")
            f = pd.DataFrame({"station": np.repeat(["B", "C"], len(t)), "time": np.tile(t, 2),
                              "pm25": 1000.0 + m + np.arange(2 * len(t)) % 7})
            tx.write_hourly(f, source=f"new-{m}")
        tx.write_registry(pd.DataFrame({"station": ["A", "B", "C"], "version": ["new"] * 3}), "stations")
    """
)

#: (fault point, n-th time it is reached, state expected after the kill)
KILL_POINTS = [
    ("store.month_staged", 1, "old"),
    ("store.month_staged", 3, "old"),
    ("store.month_staged", 4, "old"),
    ("store.registry_staged", 1, "old"),
    ("store.linked", 1, "old"),
    ("store.manifest_staged", 1, "old"),
    ("store.synced", 1, "old"),
    ("store.version_renamed", 1, "old"),
    ("store.committed", 1, "new"),
    ("store.links_fixed", 1, "new"),
    ("store.gc_trashed", 1, "new"),
]


def _old_store(root: Path) -> None:
    """Jan–Mar 2023 for stations A and B, written in three commits (so there are versions to
    collect), and a station registry."""
    for m in (1, 2, 3):
        t = pd.date_range(f"2023-{m:02d}-01", periods=48, freq="h")
        f = pd.DataFrame({"station": np.repeat(["A", "B"], len(t)), "time": np.tile(t, 2),
                          "pm25": float(m) + np.arange(2 * len(t)) % 5})
        write_hourly(f, root, "d", source=f"old-{m}")
    write_registry(pd.DataFrame({"station": ["A", "B"], "version": ["old"] * 2}), root, "d", "stations")


def _run_ingest(root: Path, fault: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("AIRLIB_FAULT_POINT", None)
    if fault:
        env["AIRLIB_FAULT_POINT"] = fault
    return subprocess.run([sys.executable, "-c", INGEST, str(root)], env=env, capture_output=True,
                          text=True, timeout=timeout)


def _state(root: Path) -> dict:
    """What a reader sees: data, registry, manifest (and the manifest checked against the data)."""
    data = read_hourly(root, "d")
    man = read_manifest(root, "d")
    reg = read_registry(root, "d", "stations")
    on_disk = data.groupby(data["time"].dt.strftime("%Y-%m")).size().to_dict()
    assert man["partitions"] == on_disk, "the manifest must describe the months that are there"
    return {"data": data, "registry": reg, "sources": sorted(man["sources"]), "manifest": man}


def _same_state(a: dict, b: dict) -> bool:
    try:
        pd.testing.assert_frame_equal(a["data"], b["data"])
        pd.testing.assert_frame_equal(a["registry"], b["registry"])
    except AssertionError:
        return False
    return a["sources"] == b["sources"] and a["manifest"] == b["manifest"]


def _tree(root: Path) -> dict[str, tuple[str, str]]:
    """Every entry under ``root`` (symlinks not followed): kind and content hash / link target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", "")
            else:
                out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def _leftovers(root: Path) -> list[str]:
    versions = root / "d" / store.VERSIONS_DIR
    return sorted(p.name for p in versions.iterdir() if p.name.startswith((".staging-", ".trash-")))


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """The old store (a folder to copy) and the states before and after a complete ingest."""
    base = tmp_path_factory.mktemp("crash")
    old_root = base / "old"
    _old_store(old_root)
    new_root = base / "new"
    shutil.copytree(old_root, new_root, symlinks=True)
    r = _run_ingest(new_root)
    assert r.returncode == 0, r.stderr
    return old_root, _state(old_root), _state(new_root)


def test_old_and_new_states_differ_as_designed(states):
    _, old, new = states
    assert not _same_state(old, new)
    assert set(new["data"]["station"]) == {"A", "B", "C"}
    assert new["sources"] == ["new-2", "new-3", "new-4", "new-5", "old-1", "old-2", "old-3"]
    d = new["data"]
    b = d[d["station"] == "B"]
    assert (b.loc[b["time"] >= "2023-02-01", "pm25"] > 1000).all()  # B replaced from February
    assert (b.loc[b["time"] < "2023-02-01", "pm25"] < 1000).all()  # January untouched
    assert len(new["data"]) == len(old["data"]) - 2 * 48 + 4 * 2 * 72


@pytest.mark.parametrize("point,n,expect", KILL_POINTS, ids=[f"{p}:{n}" for p, n, _ in KILL_POINTS])
def test_kill_at_each_point_leaves_old_or_new(tmp_path, states, point, n, expect):
    old_root, old, new = states
    root = tmp_path / "store"
    shutil.copytree(old_root, root, symlinks=True)
    r = _run_ingest(root, f"{point}:{n}")
    assert r.returncode == -9, f"the fault point {point}:{n} was not reached: {r.stderr}"
    after = _state(root)
    assert _same_state(after, old if expect == "old" else new), f"killed at {point}:{n}: expected the {expect} data"
    # the fixed paths that tools browse agree with what the store functions read
    assert (root / "d" / "hourly").resolve() == (dataset_dir(root, "d") / "hourly").resolve() or expect == "new"
    # the next ingest cleans what the dead one left and completes
    r = _run_ingest(root)
    assert r.returncode == 0, r.stderr
    assert _same_state(_state(root), new)
    assert _leftovers(root) == []
    versions = [p.name for p in (root / "d" / store.VERSIONS_DIR).iterdir()]
    assert len(versions) <= 1 + store.KEEP_PREVIOUS_VERSIONS
    assert os.readlink(root / "d" / "hourly") == "current/hourly"
    assert (root / "d" / "hourly").resolve() == (dataset_dir(root, "d") / "hourly").resolve()


def test_kill_after_random_delays_leaves_old_or_new(tmp_path, states):
    old_root, old, new = states
    rng = random.Random(20261127)
    seen = set()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("AIRLIB_FAULT_POINT", None)
    for i in range(8):
        root = tmp_path / f"s{i}"
        shutil.copytree(old_root, root, symlinks=True)
        proc = subprocess.Popen([sys.executable, "-c", INGEST, str(root)], env=env, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "start"  # inside the transaction
        time.sleep(rng.uniform(0, 0.25))
        proc.kill()
        proc.wait(timeout=60)
        after = _state(root)
        if _same_state(after, old):
            seen.add("old")
        else:
            assert _same_state(after, new), f"delay run {i}: neither the old nor the new data"
            seen.add("new")
    assert seen  # (which states occur depends on the machine's speed)


def test_readers_never_see_a_mix_while_a_writer_commits(tmp_path):
    """A writer publishes 12 versions of three months in which every value equals the version
    number; a reader in this process reads all months again and again meanwhile."""
    root = tmp_path
    t = pd.concat([pd.Series(pd.date_range(f"2023-{m:02d}-01", periods=24, freq="h")) for m in (1, 2, 3)])
    write_hourly(pd.DataFrame({"station": "A", "time": t.to_numpy(), "pm25": 0.0}), root, "d", source="v")
    code = textwrap.dedent(
        """
        import sys, pandas as pd
        from airlib.io.store import write_hourly
        t = pd.concat([pd.Series(pd.date_range(f"2023-{m:02d}-01", periods=24, freq="h")) for m in (1, 2, 3)])
        for k in range(1, 13):
            write_hourly(pd.DataFrame({"station": "A", "time": t.to_numpy(), "pm25": float(k)}), sys.argv[1], "d", source="v")
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("AIRLIB_FAULT_POINT", None)
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)], env=env)
    seen = set()
    try:
        while proc.poll() is None:
            df = read_hourly(root, "d")
            assert len(df) == 72
            values = set(df["pm25"].tolist())
            assert len(values) == 1, f"a read mixed versions: {sorted(values)}"
            seen |= values
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 0
    assert set(read_hourly(root, "d")["pm25"]) == {12.0}


def test_snapshot_keeps_a_version_a_reader_holds(tmp_path):
    f = pd.DataFrame({"station": "A", "time": pd.date_range("2023-01-01", periods=3, freq="h"), "pm25": 1.0})
    write_hourly(f, tmp_path, "d", source="v1")
    with store.snapshot(tmp_path, "d") as held:
        for k in range(2, 6):
            write_hourly(f.assign(pm25=float(k)), tmp_path, "d", source="v")
        assert held.is_dir() and held != dataset_dir(tmp_path, "d")
        assert set(pq.read_table(held / "hourly" / "year=2023" / "month=1" / "part-0.parquet")["pm25"].to_pylist()) == {1.0}
    write_hourly(f.assign(pm25=9.0), tmp_path, "d", source="v")
    assert not held.exists()  # released, then collected by the next writer
    assert len(list((tmp_path / "d" / store.VERSIONS_DIR).iterdir())) == 1 + store.KEEP_PREVIOUS_VERSIONS


def test_unchanged_months_are_hard_links_not_copies(tmp_path):
    _old_store(tmp_path)
    before = dataset_dir(tmp_path, "d")
    f = pd.DataFrame({"station": "Z", "time": pd.date_range("2023-03-01", periods=3, freq="h"), "pm25": 1.0})
    write_hourly(f, tmp_path, "d", source="z")
    after = dataset_dir(tmp_path, "d")
    assert after != before
    for m in (1, 2):  # untouched months: the same inode
        rel = Path("hourly") / "year=2023" / f"month={m}" / "part-0.parquet"
        assert os.path.samefile(before / rel, after / rel)
    rel3 = Path("hourly") / "year=2023" / "month=3" / "part-0.parquet"
    assert not os.path.samefile(before / rel3, after / rel3)
    assert os.path.samefile(before / "stations.parquet", after / "stations.parquet")


def test_rerun_publishes_no_new_version(tmp_path):
    _old_store(tmp_path)
    first = _tree(tmp_path)
    t = pd.date_range("2023-03-01", periods=48, freq="h")
    f = pd.DataFrame({"station": np.repeat(["A", "B"], len(t)), "time": np.tile(t, 2),
                      "pm25": 3.0 + np.arange(2 * len(t)) % 5})
    write_hourly(f, tmp_path, "d", source="old-3")  # the same data again
    assert _tree(tmp_path) == first


# ---- failures leave the store byte-identical --------------------------------------------------


def test_bad_input_found_late_leaves_store_byte_identical(tmp_path):
    _old_store(tmp_path)
    before = _tree(tmp_path)
    t = pd.date_range("2023-04-01", periods=24, freq="h")
    good = pd.DataFrame({"station": "C", "time": t, "pm25": 1.0})
    with pytest.raises(InputDataError, match="duplicate station-hours"):
        with transaction(tmp_path, "d") as tx:
            tx.write_hourly(good, source="a")
            tx.write_registry(pd.DataFrame({"station": ["C"]}), "stations")
            tx.write_hourly(pd.concat([good, good]).assign(station="D"), source="b")  # found late
    assert _tree(tmp_path) == before


def test_failed_first_ingest_leaves_no_dataset_folder(tmp_path):
    f = pd.DataFrame({"station": "A", "time": pd.date_range("2023-01-01", periods=2, freq="h")})
    with pytest.raises(InputDataError):
        write_hourly(pd.concat([f, f]), tmp_path, "d")
    assert list(tmp_path.iterdir()) == []


def test_demo_ingest_with_a_bad_last_file_changes_nothing(tmp_path):
    from airlib.demo.main_job import ingest_demo
    from airlib.demo.generator import write_demo

    raw, proc = tmp_path / "raw", tmp_path / "proc"
    write_demo(raw, end="2015-11")
    ingest_demo(raw, proc)
    before = _tree(proc)
    late = raw / "synthetic_hourly_2099.csv"  # sorted last: read after the 2015 file was staged
    late.write_text("this is not a station table\n1,2\n", encoding="utf-8")
    with pytest.raises(InputDataError):
        ingest_demo(raw, proc)
    assert _tree(proc) == before


def test_permission_denied_is_a_clear_error_and_changes_nothing(tmp_path, monkeypatch):
    _old_store(tmp_path)
    before = _tree(tmp_path)
    real_link = os.link

    def link(src, dst, *a, **k):
        if "month=1" in str(dst):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real_link(src, dst, *a, **k)

    monkeypatch.setattr(os, "link", link)
    f = pd.DataFrame({"station": "Z", "time": pd.date_range("2023-03-01", periods=3, freq="h"), "pm25": 1.0})
    with pytest.raises(StoreWriteError) as err:
        write_hourly(f, tmp_path, "d", source="z")
    msg = str(err.value)
    assert "permission denied" in msg and "没有写入权限" in msg and str(tmp_path / "d") in msg
    assert "left unchanged" in msg
    assert _tree(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes; covered by the read-only mount test")
def test_read_only_store_folder_by_mode(tmp_path):
    _old_store(tmp_path)
    before = _tree(tmp_path)
    folder = tmp_path / "d"
    modes = {}
    for p in [folder, folder / store.VERSIONS_DIR]:
        modes[p] = p.stat().st_mode
        p.chmod(0o555)
    try:
        f = pd.DataFrame({"station": "Z", "time": pd.date_range("2023-03-01", periods=3, freq="h"), "pm25": 1.0})
        with pytest.raises(StoreWriteError, match="permission denied"):
            write_hourly(f, tmp_path, "d", source="z")
    finally:
        for p, m in modes.items():
            p.chmod(m)
    assert _tree(tmp_path) == before


# ---- small file systems: full disk, read-only ---------------------------------------------------


@pytest.fixture
def small_fs(tmp_path):
    """A 640 KiB tmpfs (root only; skipped where mount is not permitted). Unmounted afterwards."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=640k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"mount -t tmpfs not permitted here: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _random_months(months, stations=20, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for m in months:
        t = pd.date_range(f"2023-{m:02d}-01", periods=24 * 28, freq="h")
        parts.append(pd.DataFrame({"station": np.repeat([f"S{i}" for i in range(stations)], len(t)),
                                   "time": np.tile(t, stations), "pm25": rng.random(stations * len(t))}))
    return pd.concat(parts, ignore_index=True)


def test_disk_full_mid_ingest_is_a_clear_error_and_changes_nothing(small_fs):
    write_hourly(_random_months([1], stations=2), small_fs, "d", source="old")
    write_registry(pd.DataFrame({"station": ["S0", "S1"]}), small_fs, "d", "stations")
    before = _tree(small_fs)
    big = _random_months([1, 2, 3, 4, 5, 6])  # ~1.3 MB of incompressible values
    with pytest.raises(StoreWriteError) as err:
        with transaction(small_fs, "d") as tx:
            tx.write_hourly(big, source="big")
    msg = str(err.value)
    assert "磁盘空间不足" in msg and "no space left on device" in msg and str(small_fs / "d") in msg
    assert _tree(small_fs) == before
    assert _leftovers(small_fs) == []
    assert set(read_hourly(small_fs, "d")["station"]) == {"S0", "S1"}


def test_disk_full_through_the_cli_exits_2(small_fs, tmp_path, capsys):
    from airlib.cli import main

    raw = tmp_path / "raw"
    assert main(["generate-demo", "--end", "2015-10", "--out", str(raw)]) == 0
    assert main(["ingest", "demo", "--raw", str(raw), "--processed", str(small_fs)]) == 0
    before = _tree(small_fs)
    assert main(["generate-demo", "--end", "2016-06", "--out", str(raw)]) == 0
    capsys.readouterr()
    assert main(["ingest", "demo", "--raw", str(raw), "--processed", str(small_fs)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("airlib: error:") and "no space left on device" in err and "Traceback" not in err
    assert str(small_fs / "demo") in err
    assert _tree(small_fs) == before


def test_read_only_file_system_is_a_clear_error_and_changes_nothing(small_fs):
    _old_store(small_fs)
    before = _tree(small_fs)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    f = pd.DataFrame({"station": "Z", "time": pd.date_range("2023-03-01", periods=3, freq="h"), "pm25": 1.0})
    with pytest.raises(StoreWriteError) as err:
        write_hourly(f, small_fs, "d", source="z")
    assert "read-only file system" in str(err.value) and "只读文件系统" in str(err.value)
    with pytest.raises(StoreWriteError, match="read-only file system"):
        write_hourly(f, small_fs, "new_dataset", source="z")
    assert _tree(small_fs) == before
    assert set(read_hourly(small_fs, "d")["station"]) == {"A", "B"}  # still readable


# ---- stores written before versions ---------------------------------------------------------------


def _legacy_store(root: Path) -> pd.DataFrame:
    """A store as airlib wrote it before versions: real ``hourly/`` folder, files at the top."""
    folder = root / "d"
    frames = []
    for m in (1, 2):
        t = pd.date_range(f"2022-{m:02d}-01", periods=24, freq="h")
        f = pd.DataFrame({"station": pd.array(["A"] * len(t), dtype="string"), "time": t.astype("datetime64[us]"),
                          "pm25": np.arange(len(t), dtype="float64") + m})
        path = folder / "hourly" / "year=2022" / f"month={m}" / "part-0.parquet"
        path.parent.mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(f, preserve_index=False), path)
        frames.append(f)
    pq.write_table(pa.table({"station": ["A"], "station_name": ["甲"]}), folder / "stations.parquet")
    (folder / "manifest.json").write_text(json.dumps({"dataset": "d", "sources": {"legacy": {"rows": 48}},
                                                      "partitions": {"2022-01": 24, "2022-02": 24}}), encoding="utf-8")
    return pd.concat(frames, ignore_index=True)


def test_old_store_is_readable(tmp_path):
    from airlib.engine import citywide

    expected = _legacy_store(tmp_path)
    got = read_hourly(tmp_path, "d", columns=["pm25"])
    assert got["pm25"].tolist() == expected["pm25"].tolist()
    assert read_manifest(tmp_path, "d")["sources"] == {"legacy": {"rows": 48}}
    assert read_registry(tmp_path, "d", "stations")["station_name"].tolist() == ["甲"]
    assert citywide.store_months(tmp_path, "d") == [(2022, 1), (2022, 2)]
    assert citywide.read_month(tmp_path, "d", 2022, 2, columns=["pm25"]).num_rows == 24
    assert dataset_dir(tmp_path, "d") == tmp_path / "d"


def test_old_store_is_converted_on_its_next_write_and_keeps_its_data(tmp_path):
    expected = _legacy_store(tmp_path)
    f = pd.DataFrame({"station": "B", "time": pd.date_range("2022-02-01", periods=5, freq="h"), "pm25": 7.0})
    write_hourly(f, tmp_path, "d", source="new")
    folder = tmp_path / "d"
    assert os.readlink(folder / "hourly") == "current/hourly"
    assert os.readlink(folder / "manifest.json") == "current/manifest.json"
    assert os.readlink(folder / "stations.parquet") == "current/stations.parquet"
    got = read_hourly(tmp_path, "d")
    assert got.loc[got["station"] == "A", "pm25"].tolist() == expected["pm25"].tolist()
    assert got.loc[got["station"] == "B", "pm25"].tolist() == [7.0] * 5
    man = read_manifest(tmp_path, "d")
    assert set(man["sources"]) == {"legacy", "new"} and man["partitions"] == {"2022-01": 24, "2022-02": 29}
    assert read_registry(tmp_path, "d", "stations")["station_name"].tolist() == ["甲"]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("point", ["store.version_renamed", "store.committed"])
def test_kill_while_converting_an_old_store(tmp_path, point):
    expected = _legacy_store(tmp_path)
    code = textwrap.dedent(
        """
        import sys, pandas as pd
        from airlib.io.store import write_hourly
        f = pd.DataFrame({"station": "B", "time": pd.date_range("2022-02-01", periods=5, freq="h"), "pm25": 7.0})
        write_hourly(f, sys.argv[1], "d", source="new")
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), AIRLIB_FAULT_POINT=f"{point}:1")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == -9, r.stderr
    got = read_hourly(tmp_path, "d")
    a = got.loc[got["station"] == "A", "pm25"].tolist()
    assert a == expected["pm25"].tolist()
    assert set(got["station"]) == ({"A"} if point == "store.version_renamed" else {"A", "B"})
    # the next writer finishes the conversion
    write_registry(pd.DataFrame({"station": ["A", "B"]}), tmp_path, "d", "stations")
    assert os.readlink(tmp_path / "d" / "hourly") == "current/hourly"
    assert _leftovers(tmp_path) == []


def test_store_write_error_is_an_airlib_error():
    assert issubclass(StoreWriteError, AirlibError)


def test_fault_hook_is_inert_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRLIB_FAULT_POINT", raising=False)
    store._fault_point("store.committed")  # returns: no variable, no kill
    monkeypatch.setenv("AIRLIB_FAULT_POINT", "store.other:1")
    store._fault_point("store.committed")


def test_pointer_swap_failing_after_the_rename_changes_nothing(tmp_path, monkeypatch):
    _old_store(tmp_path)
    before = _tree(tmp_path)
    real = os.symlink

    def symlink(src, dst, *a, **k):
        if f".{store.CURRENT}.tmp-" in str(dst):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "symlink", symlink)
    f = pd.DataFrame({"station": "Z", "time": pd.date_range("2023-03-01", periods=3, freq="h"), "pm25": 1.0})
    with pytest.raises(StoreWriteError, match="no space left on device"):
        write_hourly(f, tmp_path, "d", source="z")
    assert _tree(tmp_path) == before  # the renamed version folder is removed too


def test_a_failure_after_the_commit_point_does_not_fail_the_ingest(tmp_path, monkeypatch):
    _old_store(tmp_path)

    def broken(folder):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(store, "_collect_garbage", broken)
    f = pd.DataFrame({"station": "Z", "time": pd.date_range("2023-03-01", periods=3, freq="h"), "pm25": 1.0})
    with pytest.warns(RuntimeWarning, match="was written"):
        write_hourly(f, tmp_path, "d", source="z")
    assert "Z" in set(read_hourly(tmp_path, "d")["station"])
    assert "z" in read_manifest(tmp_path, "d")["sources"]


def test_a_missing_current_version_is_a_clear_error(tmp_path):
    _old_store(tmp_path)
    shutil.rmtree(dataset_dir(tmp_path, "d"))
    with pytest.raises(InputDataError, match="is missing"):
        read_hourly(tmp_path, "d")
    with pytest.raises(InputDataError, match="is missing"):
        write_hourly(pd.DataFrame({"station": ["A"], "time": [pd.Timestamp("2023-01-01")]}), tmp_path, "d")


def test_a_file_system_without_hard_links_gets_copies(tmp_path, monkeypatch):
    _old_store(tmp_path)

    def no_links(src, dst, *a, **k):
        raise OSError(errno.EPERM, "Operation not permitted", str(dst))

    monkeypatch.setattr(os, "link", no_links)
    before = dataset_dir(tmp_path, "d")
    f = pd.DataFrame({"station": "Z", "time": pd.date_range("2023-03-01", periods=3, freq="h"), "pm25": 1.0})
    write_hourly(f, tmp_path, "d", source="z")
    after = dataset_dir(tmp_path, "d")
    rel = Path("hourly") / "year=2023" / "month=1" / "part-0.parquet"
    assert not os.path.samefile(before / rel, after / rel)  # a copy …
    assert (before / rel).read_bytes() == (after / rel).read_bytes()  # … of the same bytes
    assert set(read_hourly(tmp_path, "d")["station"]) == {"A", "B", "Z"}


def test_a_writer_waiting_on_a_failed_first_ingest_still_writes(tmp_path):
    """The first ingest into a new dataset fails and removes the folder and its lock file while a
    second writer waits on that lock: the second one must lock the new file and succeed."""
    import threading

    f = pd.DataFrame({"station": "A", "time": pd.date_range("2023-01-01", periods=3, freq="h"), "pm25": 1.0})
    entered, result = threading.Event(), {}

    def second():
        entered.wait(30)
        write_hourly(f, tmp_path, "d", source="second")
        result["ok"] = True

    t = threading.Thread(target=second)
    t.start()
    with pytest.raises(InputDataError):
        with transaction(tmp_path, "d") as tx:
            entered.set()
            time.sleep(0.5)  # the second writer is now waiting on d/.lock
            tx.write_hourly(pd.concat([f, f]), source="first")  # duplicates: fails
    t.join(60)
    assert result.get("ok")
    assert read_manifest(tmp_path, "d")["sources"].keys() == {"second"}
    assert (tmp_path / "d" / ".lock").exists()


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """Demo raw data through 2015-10 (ingested: the old store) and through 2016-03 (the new)."""
    from airlib.cli import main

    base = tmp_path_factory.mktemp("demo")
    old_raw, new_raw, old = base / "raw_old", base / "raw_new", base / "old"
    assert main(["generate-demo", "--end", "2015-10", "--out", str(old_raw)]) == 0
    assert main(["generate-demo", "--end", "2016-03", "--out", str(new_raw)]) == 0
    assert main(["ingest", "demo", "--raw", str(old_raw), "--processed", str(old)]) == 0
    new = base / "new"
    shutil.copytree(old, new, symlinks=True)
    assert main(["ingest", "demo", "--raw", str(new_raw), "--processed", str(new)]) == 0
    return new_raw, old, new


def _demo_state(root: Path) -> dict:
    man = read_manifest(root, "demo")
    return {"data": read_hourly(root, "demo"), "manifest": man,
            "towns": read_registry(root, "demo", "towns"), "stations": read_registry(root, "demo", "stations")}


@pytest.mark.parametrize("point,expect", [("store.month_staged:3", "old"), ("store.synced:1", "old"),
                                          ("store.committed:1", "new")])
def test_cli_ingest_killed_mid_way_leaves_old_or_new(tmp_path, demo_runs, point, expect):
    new_raw, old, new = demo_runs
    root = tmp_path / "proc"
    shutil.copytree(old, root, symlinks=True)
    env = dict(os.environ, PYTHONPATH=str(REPO), AIRLIB_FAULT_POINT=point)
    r = subprocess.run([sys.executable, "-m", "airlib.cli", "ingest", "demo", "--raw", str(new_raw),
                        "--processed", str(root)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == -9, r.stderr
    got, want = _demo_state(root), _demo_state(old if expect == "old" else new)
    pd.testing.assert_frame_equal(got["data"], want["data"])
    pd.testing.assert_frame_equal(got["stations"], want["stations"])
    assert got["manifest"] == want["manifest"]
    months = sorted(got["data"]["time"].dt.strftime("%Y-%m").unique())
    assert list(got["manifest"]["partitions"]) == months


def test_a_first_ingest_killed_before_the_pointer_leaves_nothing_behind(tmp_path):
    r = _run_ingest(tmp_path, "store.version_renamed:1")
    assert r.returncode == -9
    with pytest.raises(InputDataError, match="no hourly store"):  # nothing published
        read_hourly(tmp_path, "d")
    assert [p.name for p in (tmp_path / "d" / store.VERSIONS_DIR).iterdir()] == ["v000001"]
    r = _run_ingest(tmp_path)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (tmp_path / "d" / store.VERSIONS_DIR).iterdir()] == ["v000001"]  # the orphan went first
    assert set(read_hourly(tmp_path, "d")["station"]) == {"B", "C"}


@pytest.mark.parametrize("target", ["/etc", "../other/.versions/v000001", ".versions/../../x", "hourly"])
def test_a_planted_pointer_is_refused(tmp_path, target):
    _old_store(tmp_path)
    cur = tmp_path / "d" / store.CURRENT
    cur.unlink()
    os.symlink(target, cur)
    with pytest.raises(InputDataError, match="not at a version of this dataset"):
        read_hourly(tmp_path, "d")
    with pytest.raises(InputDataError, match="not at a version of this dataset"):
        write_hourly(pd.DataFrame({"station": ["A"], "time": [pd.Timestamp("2023-01-01")]}), tmp_path, "d")
