"""Target tracking: towns' statistics, rankings, plan targets and task progress.

Layer 3 (imports the core, :mod:`airlib.standards` and :mod:`airlib.io`):

- :mod:`~airlib.tracking.aggregation` — station → town → district daily statistics;
- :mod:`~airlib.tracking.station_sets` — the stations serving a statistic in a month (dated registry);
- :mod:`~airlib.tracking.ranking` — the monthly town ranking, bottom N, worsening list;
- :mod:`~airlib.tracking.supervision` — 预警 reasons by rule, their month-by-month history, 约谈 candidates;
- :mod:`~airlib.tracking.targets` — air-quality targets of the plans (PM2.5 reductions …);
- :mod:`~airlib.tracking.progress` — completion of plan tasks from the ledgers;
- :mod:`~airlib.tracking.summary` — a month's summary per town (``airlib summary``);
- :mod:`~airlib.tracking.bulletin` — the monthly bulletin tables (six pollutants, 综合指数,
  优良/重污染天数, month and year to date, YoY and improvement ranks).
"""

__all__ = ["aggregation", "ranking", "targets", "progress", "supervision", "summary", "bulletin"]
