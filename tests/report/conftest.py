"""Fixtures shared by the report tests."""

from __future__ import annotations

import pytest

#: A minimal districts.yaml entry of a district not built in (append keys to it).
NEW = ("  - name: 测试区\n    district_code: \"110199\"\n    dataset: t\n"
       "    boundaries: data/raw/t/towns.gpkg\n")


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    """Write ``data/raw/districts.yaml`` of a project in ``tmp_path`` (text or bytes) and return
    its path; ``$AIRLIB_DISTRICTS`` is unset so that this file is the one read."""
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    f = tmp_path / "data" / "raw" / "districts.yaml"

    def write(body: str | bytes):
        if isinstance(body, str):
            body = body.encode("utf-8")
        f.write_bytes(body)
        return f

    return write
