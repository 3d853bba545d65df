"""No Python traceback reaches a CLI user: every error is one message with a defined exit status."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airlib import cli
from airlib.cli import EXIT_INTERNAL_ERROR, EXIT_INTERRUPTED, EXIT_USER_ERROR, main
from airlib.errors import InputDataError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def failing_summary(monkeypatch):
    """Make ``airlib summary`` raise the given exception."""
    import airlib.demo.main_job as mj

    def set_error(exc: BaseException) -> None:
        def boom(*a, **k):
            raise exc

        monkeypatch.setattr(mj, "cmd_summary", boom)

    monkeypatch.delenv("AIRLIB_DEBUG", raising=False)
    return set_error


SUMMARY = ["summary", "--month", "2018-01"]


@pytest.mark.parametrize("code, needle", [
    (errno.ENOSPC, "磁盘空间不足"),
    (errno.EROFS, "只读文件系统"),
    (errno.EACCES, "没有写权限"),
    (errno.EPERM, "没有写权限"),
    (errno.ENOENT, "not found"),
    (errno.EIO, "operating-system error"),
])
def test_os_errors_name_the_path_and_exit_2(failing_summary, capsys, code, needle):
    failing_summary(OSError(code, os.strerror(code), "/data/processed/demo/x.parquet"))
    assert main(SUMMARY) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith("airlib: error: ") and needle in err
    assert "/data/processed/demo/x.parquet" in err and "Traceback" not in err
    assert err.count("\n") == 1  # one paragraph


def test_os_error_without_a_path_says_so(failing_summary, capsys):
    failing_summary(OSError(errno.ENOSPC, "No space left on device"))
    assert main(SUMMARY) == EXIT_USER_ERROR
    assert "did not say which file" in capsys.readouterr().err


def test_unexpected_exception_is_an_internal_error_without_traceback(failing_summary, capsys):
    failing_summary(ZeroDivisionError("division by zero"))
    assert main(SUMMARY) == EXIT_INTERNAL_ERROR
    err = capsys.readouterr().err
    assert "internal error (ZeroDivisionError: division by zero)" in err
    assert "--debug" in err and "Traceback" not in err


def test_long_internal_message_is_shortened(failing_summary, capsys):
    failing_summary(RuntimeError("x" * 5000 + "\nsecond line"))
    assert main(SUMMARY) == EXIT_INTERNAL_ERROR
    err = capsys.readouterr().err
    assert "x" * 300 + "…" in err and "x" * 301 not in err and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["--debug", *SUMMARY], [*SUMMARY, "--debug"]])
def test_debug_flag_shows_the_traceback(failing_summary, capsys, argv):
    failing_summary(ZeroDivisionError("division by zero"))
    assert main(argv) == EXIT_INTERNAL_ERROR
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError" in err
    assert err.rstrip().splitlines()[-1].startswith("airlib: error: internal error")


def test_debug_environment_variable(failing_summary, capsys, monkeypatch):
    failing_summary(InputDataError("bad value", file="x.csv", row=3))
    monkeypatch.setenv("AIRLIB_DEBUG", "1")
    assert main(SUMMARY) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "Traceback" in err and "airlib: error: file x.csv, row 3: bad value" in err
    monkeypatch.setenv("AIRLIB_DEBUG", "0")
    assert main(SUMMARY) == EXIT_USER_ERROR
    assert "Traceback" not in capsys.readouterr().err


def test_interrupt(failing_summary, capsys):
    failing_summary(KeyboardInterrupt())
    assert main(SUMMARY) == EXIT_INTERRUPTED
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("argv, needle", [
    (["report", "--district", ""], "--district is empty"),
    (["report", "--district", "   "], "--district is empty"),
])
def test_empty_district_refused(capsys, argv, needle):
    assert main(argv) == EXIT_USER_ERROR
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize("argv, needle", [
    (["report", "--bottom-n", "abc"], "expected a whole number, not 'abc'"),
    (["report", "--bottom-n", "-1"], "must be ≥ 0, not -1"),
    (["report", "--jobs", "0"], "must be ≥ 1, not 0"),
    (["report", "--timeout", "0"], "must be ≥ 1, not 0"),
])
def test_report_numbers_are_usage_errors(capsys, argv, needle):
    with pytest.raises(SystemExit) as ei:
        main(argv)
    assert ei.value.code == 2 and needle in capsys.readouterr().err


def test_describe_os_error_edquot_and_two_paths():
    msg = cli.describe_os_error(OSError(errno.ENOSPC, "x", "/a", None, "/b"))
    assert "/a → /b" in msg and "磁盘空间不足" in msg


# ------------------------------------------------------------------ as a user runs it: a subprocess

def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    e = dict(os.environ, PYTHONPATH=str(ROOT), AIRLIB_HOME=str(cwd), **env)
    e.pop("AIRLIB_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "airlib.cli", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=300, check=False)


def _no_traceback(res: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert res.returncode == code, res.stderr
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    assert res.stderr.strip().splitlines()[-1].startswith("airlib: error:"), res.stderr
    assert needle in res.stderr, res.stderr


@pytest.mark.parametrize("content, district, needle", [
    ("districts:\n  - name: 门头沟区\n    bottom_n: \"abc\"\n", "门头沟区", "'bottom_n'"),
    ("districts:\n  - name: ../data/raw/x\n    district_code: '110109'\n    dataset: d\n"
     "    boundaries: b.gpkg\n", "../data/raw/x", "path character"),
    ("districts:\n" + "- " * 20000 + "x\n", "门头沟区", "yaml_max_depth"),
    ("名称: [", "门头沟区", "not valid YAML"),
])
def test_subprocess_bad_districts_yaml(tmp_path, content, district, needle):
    f = tmp_path / "districts.yaml"
    f.write_text(content, encoding="gbk")
    res = _run(["report", "--district", district, "--month", "2018-01"], tmp_path, AIRLIB_DISTRICTS=str(f))
    _no_traceback(res, 2, needle)
    if district != "../data/raw/x":  # that name, typed with --district, is refused before any file is read
        assert str(f) in res.stderr


def test_subprocess_bad_month_and_debug(tmp_path):
    res = _run(["summary", "--month", "2018-13", "--processed", str(tmp_path)], tmp_path)
    _no_traceback(res, 2, "2018-13")
    res = _run(["--debug", "summary", "--month", "2018-13", "--processed", str(tmp_path)], tmp_path)
    assert res.returncode == 2 and "Traceback" in res.stderr


# ------------------------------------------- read-only folders and a full disk (real file systems)

@contextlib.contextmanager
def _tmpfs(path: Path, options: str):
    path.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                         capture_output=True, check=False)
    if res.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root/CAP_SYS_ADMIN)")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_generate_demo_into_read_only_file_system(tmp_path):
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        res = _run(["generate-demo", "--end", "2015-11", "--out", str(ro / "demo")], tmp_path)
        _no_traceback(res, 2, "只读文件系统")
        assert str(ro / "demo") in res.stderr and "--out" in res.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_generate_demo_into_folder_without_write_permission(tmp_path):
    ro = tmp_path / "raw"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        res = _run(["generate-demo", "--end", "2015-11", "--out", str(ro / "demo")], tmp_path)
        _no_traceback(res, 2, "没有写权限")
    finally:
        ro.chmod(0o700)


def test_generate_demo_onto_a_full_disk(tmp_path):
    with _tmpfs(tmp_path / "small", "size=256k") as small:
        res = _run(["generate-demo", "--end", "2015-11", "--out", str(small / "demo")], tmp_path)
        _no_traceback(res, 2, "磁盘空间不足")
        leftovers = [p.name for p in (small / "demo").rglob("*") if ".tmp" in p.name or p.name.startswith(".")]
        assert leftovers == []  # atomic writes: no temporary file left behind


# ------------------------------------------------------------- argument order of `airlib ingest table`

@pytest.fixture
def captured_ingest(monkeypatch):
    import airlib.io.ingest.pipeline as pipeline

    seen: dict = {}

    def fake(files, processed, dataset, **kw):
        seen.update(files=list(files), dataset=dataset, **kw)
        return 0

    monkeypatch.setattr(pipeline, "cmd_ingest_table", fake)
    return seen


@pytest.mark.parametrize("argv", [
    ["ingest", "table", "--dataset", "d", "--towns", "t.csv", "--stations", "s.csv", "a.csv", "b.csv"],  # README order
    ["ingest", "table", "a.csv", "b.csv", "--dataset", "d", "--towns", "t.csv", "--stations", "s.csv"],
    ["ingest", "table", "a.csv", "--dataset", "d", "--towns", "t.csv", "b.csv", "--stations", "s.csv"],
])
def test_ingest_files_before_or_after_options(captured_ingest, argv):
    assert main(argv) == 0
    assert captured_ingest["files"] == ["a.csv", "b.csv"]
    assert (captured_ingest["dataset"], captured_ingest["towns"], captured_ingest["stations"]) == ("d", "t.csv", "s.csv")


def test_unknown_options_are_still_usage_errors(captured_ingest, capsys):
    with pytest.raises(SystemExit) as ei:
        main(["ingest", "table", "--dataset", "d", "a.csv", "--bogus", "x"])
    assert ei.value.code == 2 and "unrecognized arguments: --bogus x" in capsys.readouterr().err
    with pytest.raises(SystemExit) as ei:
        main(["summary", "--month", "2018-01", "extra"])
    assert ei.value.code == 2 and "unrecognized arguments: extra" in capsys.readouterr().err


def test_messages_cannot_drive_the_terminal(failing_summary, capsys):
    failing_summary(InputDataError("unknown town '\x1b[2J\x1b]0;pwned\x07王平\u202egnp.exe'", file="t\x1b[31m.csv"))
    assert main(SUMMARY) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "\x07" not in err
    assert "\\x1b[2J" in err and "\\u202e" in err and "王平" in err and "t\\x1b[31m.csv" in err
    assert cli.terminal_safe("行1\n\t行2") == "行1\n\t行2"


def test_demo_and_ingest_demo_check_their_folders_first(tmp_path):
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        res = _run(["demo", "--end", "2015-11", "--raw", str(tmp_path / "raw"), "--processed", str(ro / "p")],
                   tmp_path)
        _no_traceback(res, 2, "--processed")
        assert not (tmp_path / "raw" / "synthetic_towns.csv").exists()  # nothing generated first
        res = _run(["ingest", "demo", "--raw", str(tmp_path / "raw"), "--processed", str(ro / "p")], tmp_path)
        _no_traceback(res, 2, "只读文件系统")
        res = _run(["demo", "--end", "2015-11", "--raw", str(ro / "raw")], tmp_path)
        _no_traceback(res, 2, "--raw")


@pytest.mark.parametrize("dataset", ["../../etc", "", "a/b"])
def test_summary_dataset_must_be_a_plain_name(tmp_path, capsys, dataset):
    assert main(["summary", "--dataset", dataset, "--month", "2018-01", "--processed", str(tmp_path)]) == 2
    assert "--dataset" in capsys.readouterr().err
