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


#: The settings used when a function is called without ``settings=``.
DEFAULT = Settings()
