"""Where airlib finds its project folders and the shared real data."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "project_root",
    "shared_data_dir",
    "raw_dir",
    "processed_dir",
    "figures_dir",
]

#: The project root (the folder holding ``pyproject.toml``) when airlib runs from a checkout.
PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """Project root: ``$AIRLIB_HOME`` if set, else the checkout airlib was imported from."""
    env = os.environ.get("AIRLIB_HOME")
    return Path(env).resolve() if env else PROJECT_ROOT


def shared_data_dir() -> Path:
    """The real public data (``../shared/data`` beside the project), or ``$AIRLIB_SHARED_DATA``."""
    env = os.environ.get("AIRLIB_SHARED_DATA")
    return Path(env).resolve() if env else project_root().parent / "shared" / "data"


def raw_dir() -> Path:
    """``data/raw``: read-only to airlib except for the demo generator's ``data/raw/demo``."""
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    """``data/processed``: the partitioned Parquet store."""
    return project_root() / "data" / "processed"


def figures_dir() -> Path:
    """``figures``: PNG figures written by notebooks and reports."""
    return project_root() / "figures"
