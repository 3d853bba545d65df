"""Shared fixtures of the airlib test suite (tests/ mirrors the package: tests/standards, tests/io, …).

* ``shared_data`` / ``uci_dir``: the real public data (``$AIRLIB_SHARED_DATA``, default
  ``../shared/data`` beside the project, see :func:`airlib.paths.shared_data_dir`); a test that
  asks for them is skipped, with the path in the reason, when the data are absent.
* ``uci_multisite``: the UCI Beijing multi-site data read once per session by
  :func:`airlib.io.ingest.read_uci_multisite` (several seconds on a loaded machine); every test
  module gets its own copies, so no module can change another's data.
* ``project_home``: an empty project folder (``data/raw``, ``data/processed``) with
  ``$AIRLIB_HOME`` pointing at it for the test.

The module-level constants ``SHARED_DATA`` and ``UCI_DIR`` serve ``skipif`` marks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from airlib.paths import shared_data_dir

SHARED_DATA: Path = shared_data_dir()
UCI_DIR: Path = SHARED_DATA / "uci-beijing-multisite"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared real data not found at {SHARED_DATA} (set AIRLIB_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def uci_dir(shared_data: Path) -> Path:
    """The UCI Beijing multi-site CSV folder; skips the test when it is absent."""
    if not UCI_DIR.is_dir():
        pytest.skip(f"real UCI data not found at {UCI_DIR}")
    return UCI_DIR


@pytest.fixture(scope="session")
def _uci_multisite_once(uci_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from airlib.io.ingest import read_uci_multisite

    return read_uci_multisite(uci_dir)


@pytest.fixture(scope="module")
def uci_multisite(_uci_multisite_once) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(hourly, stations)`` of the UCI multi-site data: copies, one pair per test module."""
    hourly, stations = _uci_multisite_once
    return hourly.copy(), stations.copy()


@pytest.fixture
def project_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder with ``data/raw`` and ``data/processed``; ``$AIRLIB_HOME`` set to it."""
    home = tmp_path / "project"
    (home / "data" / "raw").mkdir(parents=True)
    (home / "data" / "processed").mkdir(parents=True)
    monkeypatch.setenv("AIRLIB_HOME", str(home))
    return home
