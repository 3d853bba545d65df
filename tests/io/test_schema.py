"""airlib.io.schema: the one hourly schema, used by the readers and the store alike."""

from __future__ import annotations

import numpy as np
import pandas as pd

from airlib.io import schema
from airlib.io.ingest import columns
from airlib.pollutants import METEOROLOGY, POLLUTANTS


def test_one_schema_object_for_readers_and_store():
    from airlib.io import store

    assert columns.HOURLY_COLUMNS is schema.HOURLY_COLUMNS
    assert columns.canonical_hourly is schema.canonical_hourly
    assert store.canonical_hourly is schema.canonical_hourly
    assert schema.HOURLY_COLUMNS == ("station", "time", *POLLUTANTS, *METEOROLOGY)


def test_canonical_hourly_order_dtypes_and_sort():
    frame = pd.DataFrame({
        "time": pd.to_datetime(["2024-01-01 01:00", "2024-01-01 00:00", "2024-01-01 00:00"]),
        "station": ["B", "B", "A"],
        "pm25": [1, 2, 3],
        "note": ["x", "y", "z"],
    })
    out = schema.canonical_hourly(frame, extra=["note"])
    assert list(out.columns) == [*schema.HOURLY_COLUMNS, "note"]
    assert out["station"].tolist() == ["A", "B", "B"]
    assert out["time"].dtype == schema.TIME_DTYPE and out["station"].dtype == schema.STRING
    assert out["pm25"].tolist() == [3.0, 2.0, 1.0] and out["pm25"].dtype == np.float64
    assert out["co"].isna().all() and out["wd"].isna().all()
    assert out["note"].tolist() == ["z", "y", "x"]


def test_to_beijing_naive_converts_aware_times():
    utc = pd.Series(pd.to_datetime(["2024-01-01 00:00"]).tz_localize("UTC"))
    assert schema.to_beijing_naive(utc).tolist() == [pd.Timestamp("2024-01-01 08:00")]
    naive = pd.Series(pd.to_datetime(["2024-01-01 00:00"]))
    assert schema.to_beijing_naive(naive).tolist() == [pd.Timestamp("2024-01-01 00:00")]
