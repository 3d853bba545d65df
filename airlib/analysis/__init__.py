"""Analysis: trends, weather normalisation, policy effects and profile views.

Layer 4 (imports the layers below; nothing below imports it):

- :mod:`~airlib.analysis.trends` — STL + Theil–Sen trends, Mann–Kendall, bootstrap intervals;
- :mod:`~airlib.analysis.attribution` — weather-normalised change (statsmodels);
- :mod:`~airlib.analysis.policy` — interrupted time series and difference-in-differences;
- :mod:`~airlib.analysis.profiles` — diurnal/weekly profiles, AQI calendar;
- :mod:`~airlib.analysis.case_study` — data loading for the trends notebook;
- :mod:`~airlib.analysis.grouping` — openair's ``type`` conditioning (``cut_data``);
- :mod:`~airlib.analysis.time_structure` — openair's timeVariation, trendLevel, smoothTrend, summaryPlot.
"""

__all__ = ["trends", "attribution", "policy", "profiles", "case_study", "grouping", "time_structure"]
