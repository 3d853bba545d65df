"""Analysis: trends, weather normalisation, policy effects and profile views.

Layer 4 (imports the layers below; nothing below imports it):

- :mod:`~airlib.analysis.trends` — STL + Theil–Sen trends, Mann–Kendall, bootstrap intervals;
- :mod:`~airlib.analysis.attribution` — weather-normalised change (statsmodels);
- :mod:`~airlib.analysis.policy` — interrupted time series and difference-in-differences;
- :mod:`~airlib.analysis.profiles` — diurnal/weekly profiles, AQI calendar;
- :mod:`~airlib.analysis.case_study` — data loading for the trends notebook;
- :mod:`~airlib.analysis.polar` — openair polarPlot (mean, CPF) and polarCluster;
- :mod:`~airlib.analysis.evaluation` — model statistics and annual statistics (openair);
- :mod:`~airlib.analysis.averaging` — time averages (HJ 663 or openair's data.thresh);
- :mod:`~airlib.analysis.wind` — openair's wind rose, pollution rose, percentile rose;
- :mod:`~airlib.analysis.time_structure` — openair's timeVariation, trendLevel, smoothTrend, summaryPlot;
- :mod:`~airlib.analysis.grouping` — ``cut_data``, openair's ``cutData`` panels (season, year …);
- :mod:`~airlib.analysis.hotspots` — 热点网格: micro-stations/grid cells ranked by excess over the reference.
"""

__all__ = ["trends", "attribution", "policy", "profiles", "case_study", "polar", "evaluation", "averaging",
           "wind", "time_structure", "grouping"]
