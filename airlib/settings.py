"""Documented, configurable settings for facts the standards leave open.

``standards.md`` marks some facts UNVERIFIED. airlib never hard-codes those: each is a
field of :class:`Settings`, with the default chosen and the reason given here. Pass a
modified copy (``dataclasses.replace(DEFAULT, ...)``) to the functions that take
``settings=``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Settings:
    """Settings for UNVERIFIED or locally varying rules.

    Attributes
    ----------
    above_table : {"cap", "extrapolate", "nan"}
        IAQI for a concentration above the top breakpoint of HJ 633 Table 1/3 (e.g. PM2.5
        24 h > 500 µg/m³). Neither HJ 633—2012 nor —2026 defines it (standards.md §1.2,
        UNVERIFIED). Default ``"cap"``: IAQI = 500, "common practice" per a secondary source.
        ``"extrapolate"`` continues the last segment; ``"nan"`` gives no IAQI.
    round_concentrations_2012 : bool
        Whether to round concentrations (GB/T 8170: integers, CO 1 decimal) before the IAQI
        step for data assessed under HJ 633—2012. HJ 633—2026 §4.2.2 requires it; the 2012
        text has no such clause (UNVERIFIED practice). Default False.
    composite_weights : dict
        Weights of the comprehensive index (综合指数) per pollutant. standards.md §3.1: weights
        are UNVERIFIED; published Anhui notes use equal weights. Default all 1.
    composite_decimals : int
        Decimals of published sub-indices and the comprehensive index (UNVERIFIED; Anhui notes
        show 2). Default 2.
    pm25_decimals_before_2024, pm25_decimals_from_2024 : int
        Published precision of PM2.5 for ranking (standards.md §4.1 [O]): integers through
        2023, one decimal from 2024.
    yoy_decimals : int
        Decimals of published year-on-year change in % (standards.md §4.1, §5.2). Default 1.
    mda8_min_windows : int
        Valid 8-hour windows needed for a valid MDA8 (HJ 663 §6.1.2 as quoted [S]). Default 14.
    hour_label : {"beginning", "ending"}
        Default hour-labelling convention assumed for a source that does not declare one.
    yaml_max_bytes : int
        Largest YAML configuration file (plan, ``districts.yaml``) read, in bytes
        (:mod:`airlib.safe_yaml`). Default 1 MiB (the largest shipped plan is 19 kB).
    yaml_max_depth : int
        Deepest nesting of mappings/lists in a YAML configuration file. Default 64 (plans need
        6); deeper files are refused before they are built (20,000 levels crashed PyYAML).
    yaml_max_aliases : int
        Most aliases (``*name``) in a YAML configuration file. Default 200.
    yaml_max_nodes : int
        Most values in a YAML configuration file once every alias is expanded (an alias bomb
        expands a 1 kB file to 10^9 values). Default 200,000.
    ledger_max_bytes : int
        Largest task ledger file (台账, CSV/XLSX) read, in bytes. Default 50 MB.
    ledger_xlsx_max_inflated_bytes : int
        Largest total uncompressed size of the parts of a ledger XLSX (a zip archive), in
        bytes; refuses "zip bombs" whose sheet XML inflates to hundreds of MB. Default 200 MB.
    o3_1h_min_hours : int
        Valid hourly O3 values needed for a valid daily maximum 1-hour O3 (``o3_1h``). Neither
        GB 3095 Table 4 nor the notes on HJ 663 (standards.md §2.1) state a rule for the daily
        1-h maximum (UNVERIFIED); default 20, the same count as for a daily mean.
    rolling_24h_min_hours : int
        Valid hours needed in a 24-hour rolling window of PM10/PM2.5 (HJ 633—2012 real-time
        report). Not stated in the sources (UNVERIFIED); default 20, as for a daily mean.
    episode_merge_gap_days : int
        Heavy-pollution episodes separated by at most this many non-qualifying days are merged
        into one episode at the stricter level (MEE 2017 guidance says "close together" without
        a number, standards.md §6, UNVERIFIED). Default 1.
    composite_limits_edition : str
        Edition of the limits S_i of the comprehensive index (standards.md §3.1). Which edition
        applies to data from 2026-03-01 is UNVERIFIED; default ``"GB3095-2012"`` (the 2018
        ranking rule cites GB 3095—2012).
    """

    above_table: Literal["cap", "extrapolate", "nan"] = "cap"
    round_concentrations_2012: bool = False
    composite_weights: dict[str, float] = field(
        default_factory=lambda: {"pm25": 1.0, "pm10": 1.0, "so2": 1.0, "no2": 1.0, "co": 1.0, "o3": 1.0}
    )
    composite_decimals: int = 2
    pm25_decimals_before_2024: int = 0
    pm25_decimals_from_2024: int = 1
    yoy_decimals: int = 1
    mda8_min_windows: int = 14
    hour_label: Literal["beginning", "ending"] = "beginning"
    yaml_max_bytes: int = 1_048_576
    yaml_max_depth: int = 64
    yaml_max_aliases: int = 200
    yaml_max_nodes: int = 200_000
    ledger_max_bytes: int = 50_000_000
    ledger_xlsx_max_inflated_bytes: int = 200_000_000
    o3_1h_min_hours: int = 20
    rolling_24h_min_hours: int = 20
    episode_merge_gap_days: int = 1
    composite_limits_edition: str = "GB3095-2012"


#: The settings used when a function is called without ``settings=``.
DEFAULT = Settings()
