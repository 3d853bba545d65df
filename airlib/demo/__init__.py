"""The deterministic SYNTHETIC demo district 门头沟区 (合成数据，非真实监测数据).

- :mod:`airlib.demo.registry`: 13 towns/streets (NBS 2023 codes, aliases), synthetic stations.
- :mod:`airlib.demo.generator`: hourly data generator and writer of ``data/raw/demo/``.
- :mod:`airlib.demo.boundaries`: schematic town polygons (示意边界，非真实行政区划).
- :mod:`airlib.demo.parameters`: frozen generator parameters with their sources.
- :mod:`airlib.demo.derive_parameters`: recomputes those parameters from the UCI data.
- :mod:`airlib.demo.synthetic_plans`: SYNTHETIC current plans (annual, autumn-winter) that follow
  the demo's last month, derived from the 2017-18 plan.
- :mod:`airlib.demo.ledgers`: monthly task ledgers (台账) of the demo plans, ``ledgers/<plan id>/``.
"""

from airlib.demo.generator import DEFAULT_SEED, generate_hourly, last_complete_month, write_demo
from airlib.demo.registry import TOWNS, stations_frame, towns_frame

__all__ = [
    "DEFAULT_SEED",
    "TOWNS",
    "generate_hourly",
    "last_complete_month",
    "stations_frame",
    "towns_frame",
    "write_demo",
]
