"""The national rules: what a valid statistic, an AQI and a published value are.

Layer 1 of airlib (imports only the core modules ``airlib.errors``, ``settings``,
``pollutants``, ``paths``, ``periods``). One module per rule, each citing its clauses
(``docs/references.md``):

- :mod:`~airlib.standards.aqi` — HJ 633—2012 / —2026 IAQI, AQI, categories, primary pollutants;
- :mod:`~airlib.standards.limits` — GB 3095 concentration limits by edition and date;
- :mod:`~airlib.standards.validity` — HJ 663 / GB 3095 Table 4 valid daily, 8-hour, monthly,
  annual statistics and percentiles (array kernels in ``kernels``, shared with the engine);
- :mod:`~airlib.standards.rounding` — GB/T 8170 rounding and published precision;
- :mod:`~airlib.standards.ranking_rules` — competition rank, year-on-year change and the
  year-to-date rule of every ranking table (the general path and the city-scale engine);
- :mod:`~airlib.standards.composite_index` — 环境空气质量综合指数 and its ranking;
- :mod:`~airlib.standards.pollution_days` — heavy-pollution days and the alert-level vocabulary;
- :mod:`~airlib.standards.alerts` — rolling 24-hour AQI and alert episodes by a plan's rules.

Import the modules, e.g. ``from airlib.standards import aqi, validity``.
"""

__all__ = ["aqi", "limits", "validity", "rounding", "composite_index", "pollution_days", "alerts"]
