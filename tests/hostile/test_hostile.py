"""Every hostile input of ``make_hostile.py`` gets a clear answer: an error naming the file
(exit code 2, no traceback, nothing written) or a correct reading.

The files are generated once per session into a temporary folder (issue #10, item 5).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from airlib.cli import main
from airlib.errors import InputDataError

from make_hostile import Case, make  # tests/hostile is on sys.path (pytest rootdir-relative import)

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
# Generated once per session at collection (the case list gives the test ids), removed at the end.
_FILES = Path(tempfile.mkdtemp(prefix="airlib-hostile-"))
CASES = make(_FILES)


@pytest.fixture(scope="session")
def hostile() -> Path:
    yield _FILES
    shutil.rmtree(_FILES, ignore_errors=True)


def _cases(kind: str) -> list[Case]:
    return [c for c in CASES if c.kind == kind]


def _tree_hash(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _fill(argv: list[str], **places: str) -> list[str]:
    return [a.format(**places) for a in argv]


def _assert_clear_error(rc: int, out: str, err: str, mentions: list[str], case: Case | None = None) -> None:
    text = out + err
    assert rc == 2, f"exit {rc}, expected 2: {text[-2000:]}"
    assert "Traceback" not in text, text[-3000:]
    assert err.strip(), "an error must say what is wrong"
    for m in mentions:
        assert m in text, f"{m!r} not named in: {text[-1500:]}"
    if case is not None:
        for a in case.absent:
            assert a not in text, f"{a!r} in: {text[-1500:]}"
        if case.any_of:
            assert any(a in text for a in case.any_of), f"none of {case.any_of} in: {text[-1500:]}"


# --------------------------------------------------------------------------- checkers of "ok" cases
def _hourly(store: Path) -> pd.DataFrame:
    from airlib.io.store import read_hourly

    return read_hourly(store, "hostile")


def _at(h: pd.DataFrame, station: str, time: str) -> pd.Series:
    row = h[(h["station"] == station) & (h["time"] == pd.Timestamp(time))]
    assert len(row) == 1, f"{station} {time}: {len(row)} rows"
    return row.iloc[0]


def _check_implausible(store: Path, out: str) -> None:
    h = _hourly(store)
    assert pd.isna(_at(h, "S1", "2018-01-01 02:00")["pm25"])  # 1e9
    assert pd.isna(_at(h, "S1", "2018-01-01 03:00")["co"])  # 1e6 mg/m3
    assert pd.isna(_at(h, "S1", "2018-01-01 04:00")["pm25"])  # inf
    assert _at(h, "S1", "2018-01-01 03:00")["pm25"] == 42  # the rest of the row is kept
    assert _at(h, "S1", "2018-01-01 05:00")["pm25"] == 45
    assert len(h) == 48


def _check_semicolon(store: Path, out: str) -> None:
    h = _hourly(store)
    first = _at(h, "S1", "2018-01-01 00:00")
    assert first["pm25"] == pytest.approx(45.3) and first["co"] == pytest.approx(0.8)
    assert _at(h, "S1", "2018-01-01 01:00")["pm25"] == 41


def _check_day_first(store: Path, out: str) -> None:
    h = _hourly(store)
    assert set(h["time"].dt.strftime("%Y-%m-%d")) == {"2018-01-12", "2018-01-13"}
    assert _at(h, "S1", "2018-01-13 05:00")["pm25"] == 45


def _check_declared(store: Path, out: str) -> None:
    h = _hourly(store)
    assert set(h["time"].dt.strftime("%Y-%m-%d")) == {"2018-02-01"}


def _check_utc(store: Path, out: str) -> None:
    h = _hourly(store)
    assert _at(h, "S1", "2018-01-01 08:00")["pm25"] == 40  # 00:00 UTC = 08:00 Beijing time
    assert h["time"].max() == pd.Timestamp("2018-01-02 07:00")


def _check_readme_order(store: Path, out: str) -> None:
    assert len(_hourly(store)) == 48


def _check_station_names(store: Path, out: str) -> None:
    from airlib.io.store import read_registry

    st = read_registry(store, "hostile", "stations")
    assert dict(zip(st["station"], st["station_name"])) == {"S1": "王平站", "S2": "大峪站"}


CHECKS: dict[str, Callable[[Path, str], None]] = {
    "implausible_values": _check_implausible,
    "semicolon_decimal_comma": _check_semicolon,
    "day_first_dates": _check_day_first,
    "ambiguous_dates_declared": _check_declared,
    "utc_source_declared": _check_utc,
    "readme_argument_order": _check_readme_order,
    "station_list_id_and_name": _check_station_names,
}


def test_every_ok_case_has_a_checker() -> None:
    assert {c.name for c in CASES if c.expect != "error"} == set(CHECKS)


# --------------------------------------------------------------------------- the cases
@pytest.mark.parametrize("case", _cases("ingest"), ids=lambda c: c.name)
def test_ingest(case: Case, hostile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "processed"
    before = _tree_hash(hostile)
    rc = main(_fill(case.argv, dir=str(hostile), store=str(store)))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if case.expect == "error" or (case.expect == "ok_or_error" and rc != 0):
        _assert_clear_error(rc, out, err, case.mentions, case)
        assert not list((store / "hostile").rglob("*.parquet")), "a refused file must write nothing"
    else:
        assert rc == 0, (out + err)[-2000:]
        CHECKS[case.name](store, out)
    assert _tree_hash(hostile) == before, "input files must never be modified"


@pytest.mark.parametrize("case", _cases("report"), ids=lambda c: c.name)
def test_report_configuration(case: Case, hostile: Path, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    raw = home / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(hostile / case.files[0], raw / "districts.yaml")
    (home / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("AIRLIB_HOME", str(home))
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    before = _tree_hash(home)
    rc = main(_fill(case.argv))
    out, err = capsys.readouterr()
    _assert_clear_error(rc, out, err, case.mentions, case)
    assert _tree_hash(home) == before, "a refused configuration must write nothing"
    assert not (home / "reports").exists()


def _call(name: str) -> Callable[..., object]:
    import importlib

    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _towns() -> pd.DataFrame:
    return pd.DataFrame({
        "town_code": ["110109005", "110109001"], "town_name": ["王平地区", "大峪街道"],
        "district_code": ["110109", "110109"], "district_name": ["门头沟区", "门头沟区"],
        "kind": ["地区", "街道"], "aliases": ["王平镇|王平", "大峪"],
    })


@pytest.mark.parametrize("case", _cases("plan") + _cases("ledger") + _cases("boundaries"), ids=lambda c: c.name)
def test_library_readers(case: Case, hostile: Path) -> None:
    path = hostile / case.files[0]
    fn = _call(case.call)
    if case.kind == "plan":
        if case.name == "plan_gbk":  # reading it right is as good as refusing it clearly
            try:
                plan = fn(path, warn=False)
            except InputDataError as exc:
                assert path.name in str(exc) and "UTF-8" in str(exc)
            else:
                original = fn(PROJECT / "data/raw/plans/mentougou_2017_autumn_winter.yaml", warn=False)
                assert plan.model_dump() == original.model_dump()  # read exactly as the UTF-8 file
            return
        call = lambda: fn(path, warn=False)  # noqa: E731
    elif case.kind == "ledger":
        from airlib.io.plans import load_plan

        plan = load_plan(PROJECT / "data/raw/plans/mentougou_2017_autumn_winter.yaml", warn=False)
        call = lambda: fn(path, plan, _towns(), month="2017-11")  # noqa: E731
    else:
        call = lambda: fn(path, code_column="town_code", towns=_towns())  # noqa: E731
    with pytest.raises(InputDataError) as info:
        call()
    for m in case.mentions:
        assert m in str(info.value), str(info.value)


@pytest.mark.parametrize("case", _cases("cli"), ids=lambda c: c.name)
def test_other_commands(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "readonly"
    ro.mkdir()
    if os.geteuid() != 0:  # permissions bind a normal user
        ro.chmod(0o555)
    else:  # root ignores permissions: a read-only file system is the real test
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)],
                             capture_output=True, check=False)
        if res.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs here: {res.stderr.decode().strip()}")
    try:
        rc = main(_fill(case.argv, readonly=str(ro)))
        out, err = capsys.readouterr()
        _assert_clear_error(rc, out, err, [m.format(readonly=str(ro)) for m in case.mentions])
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(ro)], check=False)
        else:
            ro.chmod(0o755)


@pytest.mark.parametrize("name", ["csv_random_bytes", "xlsx_inflates_250mb"])
def test_console_script_prints_no_traceback(name: str, hostile: Path, tmp_path: Path) -> None:
    """The real entry point (a new process), not only :func:`airlib.cli.main`."""
    case = next(c for c in CASES if c.name == name)
    argv = _fill(case.argv, dir=str(hostile), store=str(tmp_path / "processed"))
    env = dict(os.environ, PYTHONPATH=str(PROJECT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-m", "airlib.cli", *argv], capture_output=True, text=True,
                         timeout=300, env=env, check=False)
    _assert_clear_error(res.returncode, res.stdout, res.stderr, case.mentions)
