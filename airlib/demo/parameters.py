"""Frozen parameters of the synthetic demo generator, each with its source.

Derived constants come from :func:`airlib.demo.derive_parameters.derive_all` run on the UCI
"Beijing Multi-Site Air-Quality Data" (``uci-beijing-multisite/PRSA_Data_<Station>_20130301-
20170228.csv``, 12 stations, 2013-03-01 … 2017-02-28, CC BY 4.0). The comment above each
constant names the statistic. "Regional" means the hourly mean over the 12 stations; the
"log-PM anomaly" is log(regional PM2.5) with the calendar-month mean and the hour-of-day
profile removed. ``tests/demo/test_demo.py`` recomputes a selection and compares.

Constants marked ASSUMED are not in the UCI data (e.g. sentinel values: UCI has none); each says
why the value was chosen. Nothing here is read from ``../shared`` at run time.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "SOURCE",
    "PM25_MONTHLY_MEAN",
    "PM25_OVERALL_MEAN",
    "PM25_MONTHLY_P999",
    "PM25_DIURNAL_LOG",
    "PM25_LOG_ANOMALY_SD",
    "PM25_LOG_ANOMALY_AR1",
    "STATION_LOG_DEV_SD",
    "STATION_LOG_DEV_AR1",
    "SITE_FACTOR_VALLEY",
    "SITE_FACTOR_FOOTHILL",
    "SITE_FACTOR_MIN",
    "PM10_LOG_INTERCEPT_MONTHLY",
    "PM10_LOG_SLOPE",
    "PM10_LOG_RESID_SD",
    "SO2_LOG_INTERCEPT_MONTHLY",
    "SO2_LOG_SLOPE",
    "SO2_LOG_RESID_SD",
    "NO2_LOG_INTERCEPT_MONTHLY",
    "NO2_LOG_SLOPE",
    "NO2_LOG_RESID_SD",
    "CO_LOG_INTERCEPT_MONTHLY",
    "CO_LOG_SLOPE",
    "CO_LOG_RESID_SD",
    "O3_LOG_INTERCEPT_MONTHLY",
    "O3_LOG_SLOPE",
    "O3_LOG_RESID_SD",
    "O3_DIURNAL_LOG",
    "PM10_MONTHLY_P999",
    "SO2_MONTHLY_P999",
    "NO2_MONTHLY_P999",
    "CO_MONTHLY_P999",
    "O3_MONTHLY_P999",
    "TEMP_MONTHLY_MEAN",
    "TEMP_DIURNAL",
    "TEMP_ANOMALY_SD",
    "TEMP_ANOMALY_AR1",
    "TEMP_PM_CORR",
    "PRES_MONTHLY_MEAN",
    "PRES_ANOMALY_SD",
    "PRES_ANOMALY_AR1",
    "PRES_PM_CORR",
    "DEWP_MONTHLY_MEAN",
    "DEWP_ANOMALY_SD",
    "DEWP_ANOMALY_AR1",
    "DEWP_PM_CORR",
    "LOG_WSPM_MONTHLY_MEAN",
    "LOG_WSPM_DIURNAL",
    "LOG_WSPM_ANOMALY_SD",
    "LOG_WSPM_ANOMALY_AR1",
    "LOG_WSPM_PM_CORR",
    "RAIN_PROB_MONTHLY",
    "RAIN_MEAN_WHEN_WET",
    "WD_FREQ_BY_REGIME",
    "MISSING_HOUR_RATE",
    "MISSING_DAY_RATE",
    "EPISODES_PER_WINTER",
    "EPISODES_PER_WINTER_BY_YEAR",
    "HEAVY_DAYS_PER_YEAR",
    "ANNUAL_MEAN_BY_YEAR",
    "ANNUAL_TREND_FACTOR",
    "PLAN_2017_18_PM25_REDUCTION",
    "PLAN_2017_18_HEAVY_DAYS_REDUCTION",
    "SITE_FACTOR_MOUNTAIN",
    "STATION_FIXED_LOG_SD",
    "EPISODE_DAYS_RANGE",
    "EPISODE_PEAK_RANGE",
    "EPISODE_CLEANOUT_HOURS",
    "GAS_RESID_AR1",
    "MISSING_GAP_MEAN_HOURS",
    "SENTINEL_VALUE",
    "SENTINEL_RATE",
    "NEGATIVE_RATE",
    "LAPSE_RATE_C_PER_M",
    "PRES_HPA_PER_M",
    "MONTHLY_STATE_RETAIN",
    "PM25_MONTHLY_LOG_ANOMALY_SD",
    "PM25_MONTHLY_LOG_ANOMALY_AR1",
    "PM25_MONTHLY_YOY_SD",
    "PM25_MONTHLY_YOY_MEDIAN_ABS",
    "STATION_MONTHLY_LOG_DEV_SD",
    "STATION_MONTHLY_LOG_DEV_AR1",
    "REGIONAL_MONTH_LOG_SD",
    "REGIONAL_MONTH_LOG_AR1",
    "TOWN_MONTH_LOG_SD",
    "TOWN_MONTH_LOG_AR1",
    "LOCAL_SOURCE_FACTOR",
    "LOCAL_SOURCE_CYCLE_MONTHS",
    "LOCAL_SOURCE_CYCLE_LOG_AMPLITUDE",
    "LOCAL_SOURCE_CYCLE_PHASE",
]

#: Source file pattern of every derived constant below.
SOURCE: Final = "uci-beijing-multisite/PRSA_Data_<Station>_20130301-20170228.csv (12 stations)"

# UCI multisite: mean PM2.5 (µg/m³) of all 12 stations by calendar month.
PM25_MONTHLY_MEAN: Final = (93.7, 87.6, 94.7, 72.7, 63.1, 69.1, 71.7, 53.5, 61.5, 91.7, 93.3, 104.6)

# UCI multisite: mean PM2.5 (µg/m³) of all station-hours.
PM25_OVERALL_MEAN: Final = 79.79

# UCI multisite: 99.9th percentile of hourly PM2.5 (µg/m³) by calendar month (soft ceiling of the
# generator's log-normal tail; the real upper tail is lighter than log-normal).
PM25_MONTHLY_P999: Final = (640.0, 662.3, 442.7, 310.9, 317.3, 482.8, 274.0, 248.8, 305.0, 413.0, 608.5, 637.0)

# UCI multisite: hourly mean of log regional PM2.5 minus its monthly mean, centred (hour 0..23).
PM25_DIURNAL_LOG: Final = (0.1276, 0.1016, 0.0702, 0.0355, -0.0013, -0.0459, -0.0762, -0.0775, -0.0419, -0.0156, -0.0202, -0.0493, -0.0743, -0.091, -0.1071, -0.1203, -0.1221, -0.0937, -0.0352, 0.0552, 0.1274, 0.1577, 0.1518, 0.1444)

# UCI multisite: sd of the regional log-PM2.5 anomaly (month and hour removed).
PM25_LOG_ANOMALY_SD: Final = 1.0291

# UCI multisite: lag-1 (1 h) autocorrelation of that anomaly.
PM25_LOG_ANOMALY_AR1: Final = 0.9849

# UCI multisite: sd of station log PM2.5 minus regional log PM2.5 (station mean removed).
STATION_LOG_DEV_SD: Final = 0.3875

# UCI multisite: lag-1 autocorrelation of that station deviation, mean over stations.
STATION_LOG_DEV_AR1: Final = 0.6188

# UCI multisite: mean PM2.5 of Gucheng (石景山古城, west valley edge) / all-station mean.
SITE_FACTOR_VALLEY: Final = 1.0509

# UCI multisite: mean PM2.5 of Dingling and Huairou (foothill sites) / all-station mean.
SITE_FACTOR_FOOTHILL: Final = 0.8498

# UCI multisite: lowest station mean PM2.5 (Dingling) / all-station mean.
SITE_FACTOR_MIN: Final = 0.827

# UCI multisite: per-month intercepts a_m of OLS log PM10 = a_m + b log PM2.5 (station-hours).
PM10_LOG_INTERCEPT_MONTHLY: Final = (1.2379, 1.2052, 1.4295, 1.4658, 1.4767, 1.1952, 1.1345, 1.1768, 1.2048, 1.2642, 1.2901, 1.2634)

# UCI multisite: slope b of that OLS fit (log PM10 on log PM2.5).
PM10_LOG_SLOPE: Final = 0.7694

# UCI multisite: residual sd of that OLS fit.
PM10_LOG_RESID_SD: Final = 0.4767

# UCI multisite: per-month intercepts a_m of OLS log SO2 = a_m + b log PM2.5 (station-hours).
SO2_LOG_INTERCEPT_MONTHLY: Final = (1.0168, 0.8549, 0.7921, 0.2126, 0.1572, -0.3338, -0.5934, -0.5735, -0.4293, -0.3346, 0.2594, 0.8552)

# UCI multisite: slope b of that OLS fit (log SO2 on log PM2.5).
SO2_LOG_SLOPE: Final = 0.4977

# UCI multisite: residual sd of that OLS fit.
SO2_LOG_RESID_SD: Final = 0.8252

# UCI multisite: per-month intercepts a_m of OLS log NO2 = a_m + b log PM2.5 (station-hours).
NO2_LOG_INTERCEPT_MONTHLY: Final = (1.9467, 1.7611, 1.8695, 1.7013, 1.6687, 1.6019, 1.4693, 1.5926, 1.8132, 1.9553, 1.963, 2.0143)

# UCI multisite: slope b of that OLS fit (log NO2 on log PM2.5).
NO2_LOG_SLOPE: Final = 0.4826

# UCI multisite: residual sd of that OLS fit.
NO2_LOG_RESID_SD: Final = 0.6215

# UCI multisite: per-month intercepts a_m of OLS log CO = a_m + b log PM2.5 (station-hours).
CO_LOG_INTERCEPT_MONTHLY: Final = (-2.087, -2.2804, -2.3822, -2.6996, -2.6971, -2.51, -2.5599, -2.4472, -2.4111, -2.4244, -2.1649, -1.992)

# UCI multisite: slope b of that OLS fit (log CO on log PM2.5).
CO_LOG_SLOPE: Final = 0.5866

# UCI multisite: residual sd of that OLS fit.
CO_LOG_RESID_SD: Final = 0.4428

# UCI multisite: per-month intercepts a_m of OLS log O3 = a_m + b log PM2.5 + hour-of-day dummies (station-hours).
O3_LOG_INTERCEPT_MONTHLY: Final = (4.0972, 4.5355, 4.8803, 5.2301, 5.5076, 5.5337, 5.5656, 5.349, 4.6227, 3.9298, 3.6388, 3.7969)

# UCI multisite: slope b of that OLS fit (log O3 on log PM2.5).
O3_LOG_SLOPE: Final = -0.3638

# UCI multisite: residual sd of that OLS fit.
O3_LOG_RESID_SD: Final = 1.0398

# UCI multisite: hour-of-day coefficients of the O3 OLS fit, centred.
O3_DIURNAL_LOG: Final = (-0.3, -0.4081, -0.555, -0.6354, -0.6742, -0.7841, -0.8282, -0.8497, -0.6991, -0.3398, 0.0303, 0.3384, 0.5733, 0.7574, 0.8677, 0.9048, 0.8805, 0.7809, 0.5889, 0.3858, 0.2145, 0.0527, -0.0916, -0.2097)

# UCI multisite: 99.9th percentile of hourly PM10 (µg/m³) by calendar month
# (the generator's soft ceiling for the gases' heavy-tailed log-normal noise).
PM10_MONTHLY_P999: Final = (788.2, 835.1, 797.7, 607.2, 629.0, 480.8, 338.9, 326.2, 332.1, 453.0, 657.5, 681.3)

# UCI multisite: 99.9th percentile of hourly SO2 (µg/m³) by calendar month
# (the generator's soft ceiling for the gases' heavy-tailed log-normal noise).
SO2_MONTHLY_P999: Final = (189.6, 204.4, 176.0, 106.0, 121.0, 83.3, 63.0, 54.8, 66.0, 104.0, 123.9, 156.0)

# UCI multisite: 99.9th percentile of hourly NO2 (µg/m³) by calendar month
# (the generator's soft ceiling for the gases' heavy-tailed log-normal noise).
NO2_MONTHLY_P999: Final = (213.0, 197.1, 223.0, 164.0, 171.0, 162.2, 132.0, 144.0, 166.0, 227.0, 200.0, 217.3)

# UCI multisite: 99.9th percentile of hourly CO (mg/m³) by calendar month
# (the generator's soft ceiling for the gases' heavy-tailed log-normal noise).
CO_MONTHLY_P999: Final = (9.5, 6.9, 6.9, 3.6, 3.7, 9.0, 3.2, 3.2, 3.8, 5.19, 8.8, 9.9)

# UCI multisite: 99.9th percentile of hourly O3 (µg/m³) by calendar month
# (the generator's soft ceiling for the gases' heavy-tailed log-normal noise).
O3_MONTHLY_P999: Final = (172.2, 122.0, 190.0, 266.0, 342.0, 311.0, 347.4, 349.8, 250.0, 237.5, 101.1, 81.0)

# UCI multisite: regional TEMP (°C) mean by calendar month.
TEMP_MONTHLY_MEAN: Final = (-1.8, 1.13, 8.35, 15.33, 21.48, 24.55, 27.19, 26.64, 20.77, 13.45, 4.77, -0.23)

# UCI multisite: mean regional TEMP anomaly (monthly mean removed) by hour, °C.
TEMP_DIURNAL: Final = (-2.252, -2.714, -3.166, -3.566, -3.892, -4.118, -3.92, -3.029, -1.651, -0.06, 1.334, 2.464, 3.405, 4.138, 4.575, 4.633, 4.233, 3.329, 2.227, 1.131, 0.247, -0.495, -1.146, -1.715)

# UCI multisite: sd of regional TEMP (°C) anomaly (month and hour removed).
TEMP_ANOMALY_SD: Final = 3.768

# UCI multisite: lag-1 autocorrelation of that TEMP (°C) anomaly.
TEMP_ANOMALY_AR1: Final = 0.9791

# UCI multisite: correlation of the TEMP (°C) anomaly with the regional log-PM2.5 anomaly.
TEMP_PM_CORR: Final = 0.1263

# UCI multisite: regional PRES (hPa) mean by calendar month.
PRES_MONTHLY_MEAN: Final = (1022.12, 1020.3, 1013.96, 1008.31, 1002.39, 999.34, 998.13, 1001.23, 1008.67, 1014.9, 1018.77, 1021.52)

# UCI multisite: sd of regional PRES (hPa) anomaly (month removed).
PRES_ANOMALY_SD: Final = 5.489

# UCI multisite: lag-1 autocorrelation of that PRES (hPa) anomaly.
PRES_ANOMALY_AR1: Final = 0.9931

# UCI multisite: correlation of the PRES (hPa) anomaly with the regional log-PM2.5 anomaly.
PRES_PM_CORR: Final = -0.2765

# UCI multisite: regional DEWP (°C) mean by calendar month.
DEWP_MONTHLY_MEAN: Final = (-14.76, -13.0, -7.95, 0.19, 6.88, 15.61, 19.92, 18.93, 13.97, 5.62, -4.61, -11.91)

# UCI multisite: sd of regional DEWP (°C) anomaly (month removed).
DEWP_ANOMALY_SD: Final = 6.089

# UCI multisite: lag-1 autocorrelation of that DEWP (°C) anomaly.
DEWP_ANOMALY_AR1: Final = 0.99

# UCI multisite: correlation of the DEWP (°C) anomaly with the regional log-PM2.5 anomaly.
DEWP_PM_CORR: Final = 0.7003

# UCI multisite: regional log WSPM (m/s) mean by calendar month.
LOG_WSPM_MONTHLY_MEAN: Final = (0.4835, 0.5319, 0.5419, 0.6164, 0.5721, 0.3393, 0.2988, 0.2727, 0.1912, 0.1528, 0.2679, 0.3996)

# UCI multisite: mean regional log WSPM anomaly by hour.
LOG_WSPM_DIURNAL: Final = (-0.227, -0.2519, -0.2783, -0.296, -0.3159, -0.3007, -0.255, -0.1593, -0.0489, 0.0728, 0.1757, 0.2685, 0.3359, 0.385, 0.4093, 0.4069, 0.345, 0.2354, 0.089, -0.0164, -0.0912, -0.1275, -0.1645, -0.1919)

# UCI multisite: sd of regional log WSPM (m/s) anomaly (month and hour removed).
LOG_WSPM_ANOMALY_SD: Final = 0.4795

# UCI multisite: lag-1 autocorrelation of that log WSPM (m/s) anomaly.
LOG_WSPM_ANOMALY_AR1: Final = 0.8276

# UCI multisite: correlation of the log WSPM (m/s) anomaly with the regional log-PM2.5 anomaly.
LOG_WSPM_PM_CORR: Final = -0.4847

# UCI multisite: share of station-hours with RAIN > 0 by calendar month.
RAIN_PROB_MONTHLY: Final = (0.0023, 0.0226, 0.0094, 0.0216, 0.0364, 0.0734, 0.0872, 0.0504, 0.0835, 0.0385, 0.0433, 0.0035)

# UCI multisite: mean RAIN (mm/h) over station-hours with RAIN > 0.
RAIN_MEAN_WHEN_WET: Final = 1.641

# UCI multisite: frequency of each 16-point wd in the low/middle/high tercile of the regional log-PM anomaly.
WD_FREQ_BY_REGIME: Final = (
    (0.1008, 0.0871, 0.1124, 0.0686, 0.0468, 0.0317, 0.0247, 0.0206, 0.0234, 0.029, 0.0447, 0.0393, 0.0462, 0.0927, 0.1344, 0.0976),
    (0.0601, 0.0585, 0.0914, 0.0802, 0.0744, 0.0632, 0.0553, 0.0498, 0.0574, 0.0717, 0.0941, 0.0617, 0.0436, 0.0434, 0.0523, 0.0427),
    (0.0608, 0.0573, 0.1077, 0.0965, 0.0916, 0.0784, 0.0636, 0.0557, 0.0576, 0.0606, 0.067, 0.042, 0.0358, 0.0381, 0.0464, 0.0409),
)

# UCI multisite: share of station-hours with PM2.5 = NA.
MISSING_HOUR_RATE: Final = 0.0208

# UCI multisite: share of station-days with all 24 PM2.5 hours NA.
MISSING_DAY_RATE: Final = 0.0037

# UCI multisite: mean number of runs of >= 2 days with regional daily PM2.5 > 150 µg/m³ per Nov-Feb winter.
EPISODES_PER_WINTER: Final = 6.25

# UCI multisite: that count for winters 2013-14 .. 2016-17.
EPISODES_PER_WINTER_BY_YEAR: Final = (6, 3, 7, 9)

# UCI multisite: regional days with daily PM2.5 > 150 µg/m³ per year.
HEAVY_DAYS_PER_YEAR: Final = 44.2

# UCI multisite: all-station mean PM2.5 per Mar-Feb year 2013-14 .. 2016-17.
ANNUAL_MEAN_BY_YEAR: Final = (86.7, 81.3, 73.1, 78.1)

# UCI multisite: exp(slope) of a log-linear fit of ANNUAL_MEAN_BY_YEAR on year.
ANNUAL_TREND_FACTOR: Final = 0.959

# UCI multisite: sd and lag-1 (1 month) autocorrelation of the regional monthly log mean with
# the calendar-month mean and a linear trend removed (48 months).
PM25_MONTHLY_LOG_ANOMALY_SD: Final = 0.2259
PM25_MONTHLY_LOG_ANOMALY_AR1: Final = 0.1612

# UCI multisite: sd and median absolute value of the regional monthly year-on-year change (%).
# (2013-17 months swung widely: a single stagnant week moved a month's mean by a third.)
PM25_MONTHLY_YOY_SD: Final = 39.7
PM25_MONTHLY_YOY_MEDIAN_ABS: Final = 19.7

# UCI multisite: sd and lag-1 (1 month) autocorrelation of a station's monthly log mean minus
# the regional monthly log mean (station mean removed): how much one site's month differs from
# the region's beyond its fixed offset, i.e. the spread of town YoY changes around the region's.
STATION_MONTHLY_LOG_DEV_SD: Final = 0.0661
STATION_MONTHLY_LOG_DEV_AR1: Final = 0.3986

# ---------------------------------------------------------------------------------------------
# Plan-derived and ASSUMED parameters
# ---------------------------------------------------------------------------------------------

# Plan: 门大气办〔2017〕4号 (seeds/001), 主要目标: "2017 年 10 月至 2018 年 3 月，门头沟区 PM2.5
# 平均浓度同比下降 25% 以上". The generator lowers its level by this fraction between the
# heating seasons 2016-17 and 2017-18 (on top of ANNUAL_TREND_FACTOR's decline).
PLAN_2017_18_PM25_REDUCTION: Final = 0.25
# Plan (same): 重污染天数同比下降 20% 以上 (recorded for the docs; episodes follow the level).
PLAN_2017_18_HEAVY_DAYS_REDUCTION: Final = 0.20

# ASSUMED: mountain towns (雁翅, 斋堂, 清水; 300-700 m, far from the plain) are one more step
# down the valley -> foothill gradient: SITE_FACTOR_FOOTHILL**2 / SITE_FACTOR_VALLEY.
SITE_FACTOR_MOUNTAIN: Final = round(SITE_FACTOR_FOOTHILL**2 / SITE_FACTOR_VALLEY, 4)

# ASSUMED: fixed per-station offset (log units) on top of the site factor, so that stations of
# one town differ by a few per cent, as co-located monitors do.
STATION_FIXED_LOG_SD: Final = 0.05

# ASSUMED: the generator guarantees at least one multi-day heavy episode per winter (starting
# 20 Nov - 20 Dec): valley PM2.5 builds up over the first ~30 % of EPISODE_DAYS_RANGE days to a
# plateau drawn uniformly from EPISODE_PEAK_RANGE µg/m³, then a northerly clean-out within
# EPISODE_CLEANOUT_HOURS. Winters 2013-14..2016-17 had EPISODES_PER_WINTER such runs on average,
# so one forced episode is a floor, not an inflation.
EPISODE_DAYS_RANGE: Final = (3, 5)
EPISODE_PEAK_RANGE: Final = (180.0, 280.0)
EPISODE_CLEANOUT_HOURS: Final = 8

# ASSUMED: lag-1 autocorrelation of the hourly residual noise of the gases (the OLS residuals'
# autocorrelation was not derived); keeps hourly gas series smooth rather than white.
GAS_RESID_AR1: Final = 0.8

# ASSUMED: mean length (h) of a missing-hour gap; with MISSING_HOUR_RATE it sets gap starts.
MISSING_GAP_MEAN_HOURS: Final = 3.5

# ASSUMED (bad values; UCI files contain none): share of pollutant cells replaced by the
# sentinel -999 (analyser fault code) and share turned into small negatives (zero drift).
SENTINEL_VALUE: Final = -999
SENTINEL_RATE: Final = 0.0004
NEGATIVE_RATE: Final = 0.0002

# ASSUMED: temperature offset of a town seat relative to the valley (°C), ~ -6.5 °C/km lapse
# rate times the seat's height above 大峪 (~100 m); pressure falls ~1 hPa per 8.3 m.
LAPSE_RATE_C_PER_M: Final = -0.0065
PRES_HPA_PER_M: Final = -1 / 8.3

# ASSUMED (set by eye): share of each calendar month's mean of the AR(1) state z that is kept;
# the rest is removed and z rescaled to unit variance (generator._month_damping_scale). This
# damps the month-scale wander of a single AR(1) a little. Heating-season means still vary by
# roughly ±15-20 % from year to year around the trend (weather-driven, as in Beijing, where
# 2016-17 was a bad winter), which is what weather normalisation is meant to remove.
MONTHLY_STATE_RETAIN: Final = 0.4

# ---------------------------------------------------------------------------------------------
# Monthly levels (issue #13 item 6: demo months that look like real report months)
# ---------------------------------------------------------------------------------------------
# The hourly state z alone left each month's mean to chance: with lag-1 autocorrelation 0.985 a
# month holds only ~5 independent "weather situations", and the log-normal mean of so few swings
# widely. The demo's regional monthly YoY had sd ~40 % (as in UCI 2013-17, see
# PM25_MONTHLY_YOY_SD), so one report month showed -45 % for every town and the next +25 %.
# The generator now pins each calendar month's regional mean (generator._pin_monthly_means):
# the hourly shape of z (episodes, diurnal cycle, meteorology coupling) is kept, and the month's
# arithmetic mean is set to climatology x level x exp(a_m), where a_m is a monthly anomaly:

# ASSUMED (set for the demo, not derived): sd of the regional monthly log anomaly a_m, about a
# third of PM25_MONTHLY_LOG_ANOMALY_SD, so that the district's monthly YoY change has sd ~10 %
# around the trend (-4 %/yr) and a town's YoY is typically within +-20 %, the range a director
# sees in most recent report months. Real months can swing more (UCI: median |YoY| 20 %).
REGIONAL_MONTH_LOG_SD: Final = 0.05
# Month-to-month autocorrelation of a_m: as derived (PM25_MONTHLY_LOG_ANOMALY_AR1).
REGIONAL_MONTH_LOG_AR1: Final = PM25_MONTHLY_LOG_ANOMALY_AR1

# Town-level monthly deviation (one value per town and month, AR(1) across months), so that
# towns' YoY changes differ by several points. Its sd is STATION_MONTHLY_LOG_DEV_SD less the
# part the hourly station noise already gives a monthly mean: STATION_LOG_DEV_SD *
# sqrt((1 + phi) / ((1 - phi) * 730.5 h)) with phi = STATION_LOG_DEV_AR1 (= 0.0295).
TOWN_MONTH_LOG_SD: Final = round(
    (STATION_MONTHLY_LOG_DEV_SD**2
     - STATION_LOG_DEV_SD**2 * (1 + STATION_LOG_DEV_AR1) / ((1 - STATION_LOG_DEV_AR1) * 730.5)) ** 0.5, 4)
TOWN_MONTH_LOG_AR1: Final = STATION_MONTHLY_LOG_DEV_AR1

# ASSUMED: towns with a local source on top of their site class, town code -> PM2.5 factor.
# 永定地区 (110109006, the lowest valley floor at ~90 m, where the district's industry, boiler
# capacity and construction are concentrated - the 2017 plan gives it 5.4 of the 8 t VOCs cut and
# 272 of the 763 蒸吨 boiler conversions) is 25 % dirtier than the other valley towns. log 1.25
# is ~2.7 times the sd of the difference of two towns' monthly deviations (sqrt(2) x
# TOWN_MONTH_LOG_SD), so it is among the district's 3 dirtiest towns month after month, the
# persistent bottom-3 town the plans' 约谈 rules are about.
LOCAL_SOURCE_FACTOR: Final[dict[str, float]] = {"110109006": 1.25}

# ASSUMED: local sources that come and go (construction and demolition sites, road works, a
# quarry reopening): in these towns a slow cycle of LOCAL_SOURCE_CYCLE_MONTHS with amplitude
# LOCAL_SOURCE_CYCLE_LOG_AMPLITUDE (log units, +-10 %) is added, with the phases (months)
# below. Phases a third of a cycle apart mean that at any month one of the three towns is in a
# rising phase (its local term alone raises its YoY by >= +8.7 %), so that most report months
# have a town whose PM2.5 rose year on year, as real months do, while the district improves.
LOCAL_SOURCE_CYCLE_MONTHS: Final = 36
LOCAL_SOURCE_CYCLE_LOG_AMPLITUDE: Final = 0.10
LOCAL_SOURCE_CYCLE_PHASE: Final[dict[str, int]] = {"110109002": 0, "110109005": 12, "110109101": 24}
