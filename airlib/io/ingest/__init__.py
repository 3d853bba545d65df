"""Readers for real and bureau data into the canonical hourly frame and registries.

See ``docs/ingestion.md`` for the column mapping, schema, hour-label conventions,
duplicate policy and QC rules.
"""

from __future__ import annotations

from airlib.io.schema import HOURLY_COLUMNS, canonical_hourly
from airlib.io.ingest.registries import beijing_townships, read_stations, read_towns
from airlib.io.ingest.table import QCReport, read_station_table
from airlib.io.ingest.pipeline import ingest_table, ingest_uci
from airlib.io.ingest.cnemc import CnemcHourly, read_cnemc_hourly
from airlib.io.ingest.uci import read_uci_embassy, read_uci_multisite, uci_stations
from airlib.io.ingest.wide import read_wide_table

__all__ = [
    "CnemcHourly",
    "HOURLY_COLUMNS",
    "QCReport",
    "beijing_townships",
    "canonical_hourly",
    "ingest_table",
    "ingest_uci",
    "read_station_table",
    "read_stations",
    "read_towns",
    "read_cnemc_hourly",
    "read_uci_embassy",
    "read_uci_multisite",
    "read_wide_table",
    "uci_stations",
]
