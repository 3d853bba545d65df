"""Documented, configurable settings for facts the standards leave open.

The sources of the rules (``docs/references.md``) mark some facts UNVERIFIED. airlib never
hard-codes those: each is a field of :class:`Settings`, with the default chosen and the reason
given here (each references.md entry names the fields behind its UNVERIFIED facts). Pass a
modified copy (``dataclasses.replace(DEFAULT, ...)``) to the functions that take
``settings=``.

The thresholds of the 预警 and 约谈 rules (how many towns are 排名靠后, what rise is 明显, how
many lagging tasks or repeated warnings count) are UNVERIFIED too, but they differ by district:
they live in each district's rule file (``data/raw/rules/warning_rules.yaml``, key
``warning_rules`` of districts.yaml; :mod:`airlib.io.warning_rules`, docs/warnings.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "PLAUSIBLE_RANGES",
    "Settings",
    "DEFAULT",
]


#: Default ingestion plausibility limits ``column -> (low, high)``, canonical units (see
#: ``Settings.plausible_ranges`` for the basis). Negative pollutant values are counted
#: separately (``QCReport.negative``), so the pollutants' lower limit is 0.
PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "pm25": (0.0, 3000.0), "pm10": (0.0, 10000.0), "so2": (0.0, 3000.0), "no2": (0.0, 2000.0),
    "o3": (0.0, 2000.0), "co": (0.0, 100.0),
    "temp": (-60.0, 60.0), "dewp": (-80.0, 60.0), "pres": (500.0, 1100.0), "rain": (0.0, 300.0),
    "wspm": (0.0, 75.0),
}


@dataclass(frozen=True)
class Settings:
    """Settings for UNVERIFIED or locally varying rules.

    Attributes
    ----------
    above_table : {"cap", "extrapolate", "nan"}
        IAQI for a concentration above the top breakpoint of HJ 633 Table 1/3 (e.g. PM2.5
        24 h > 500 µg/m³). Neither HJ 633—2012 nor —2026 defines it ([HJ633-2012],
        [HJ633-2026]; UNVERIFIED). Default ``"cap"``: IAQI = 500, "common practice" per a secondary source.
        ``"extrapolate"`` continues the last segment; ``"nan"`` gives no IAQI.
    round_concentrations_2012 : bool
        Whether to round concentrations (GB/T 8170: integers, CO 1 decimal) before the IAQI
        step for data assessed under HJ 633—2012. HJ 633—2026 §4.2.2 requires it; the 2012
        text has no such clause (UNVERIFIED practice). Default False.
    composite_weights : dict
        Weights of the comprehensive index (综合指数) per pollutant. [MEE-RANK-2018]: weights
        are UNVERIFIED; published Anhui notes use equal weights. Default all 1.
    composite_decimals : int
        Decimals of published sub-indices and the comprehensive index (UNVERIFIED; Anhui notes
        [ANHUI-RANK-2019] show 2). Default 2.
    pm25_decimals_before_2024, pm25_decimals_from_2024 : int
        Published precision of PM2.5 for ranking ([BJ-MONTHLY-2021] [O]): integers through
        2023, one decimal from 2024.
    yoy_decimals : int
        Decimals of published year-on-year change in % ([BJ-MONTHLY-2021] [O]). Default 1.
    mda8_min_windows : int
        Valid 8-hour windows needed for a valid MDA8 (HJ 663—2013 §6.1.2 as quoted [S],
        [HJ663-2013]). Default 14.
    hour_label : {"beginning", "ending"}
        Default hour-labelling convention assumed for a source that does not declare one.
    yaml_max_bytes : int
        Largest YAML configuration file (plan, ``districts.yaml``) read, in bytes
        (:mod:`airlib.io.safe_yaml`). Default 1 MiB (the largest shipped plan is 19 kB).
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
    o3_1h_min_hours : int
        Valid hourly O3 values needed for a valid daily maximum 1-hour O3 (``o3_1h``). Neither
        GB 3095 Table 4 nor the notes on HJ 663 ([GB3095-2026], [HJ663-2013]) state a rule for the daily
        1-h maximum (UNVERIFIED); default 20, the same count as for a daily mean.
    rolling_24h_min_hours : int
        Valid hours needed in a 24-hour rolling window of PM10/PM2.5 (HJ 633—2012 §5.1.3
        real-time report, [HJ633-2012]). Not stated in the sources (UNVERIFIED); default 20, as for a daily mean.
    cnemc_mapping_min_share : float
        Share of comparable rows (0–1) that must agree for :func:`airlib.io.ingest.cnemc.read_cnemc_hourly`
        to accept a mapping of the platform's columns by their content (e.g. "``pm2_5_24h`` is
        the 24-h moving mean of ``pm2_5``"). A judgement call, not a published rule (UNVERIFIED);
        default 0.9: the release's integer rounding and the unknown validity rule of its rolling
        means leave a few rows off, while a wrong mapping agrees on almost none.
    composite_limits_edition : str
        Edition of the limits S_i of the comprehensive index ([MEE-RANK-2018]) for periods
        that start on or after 2026-03-01; periods before use GB 3095—2012, the only edition in
        force (:func:`airlib.standards.composite_index.limits_edition_for`). Which edition
        applies from 2026-03-01 is UNVERIFIED; default ``"GB3095-2012"`` (the 2018 ranking rule
        cites GB 3095—2012); ``"GB3095-2026-transitional"``, ``"GB3095-2026-final"``, or
        ``"in_force"`` (transitional limits to 2030, final from 2031).
    boundary_max_file_mb : float
        Largest boundary file :func:`airlib.report.maps.load_boundaries` reads [MB, 10⁶ bytes; for a
        shapefile the sum of its ``.shp``, ``.shx`` and ``.dbf``]. Beijing's 349 town polygons at
        survey detail fit in a few tens of MB; default 200. A judgement call against runaway files.
    boundary_max_features : int
        Most features (polygons) a boundary file may hold. Beijing has 349 towns (NBS 2023);
        default 20 000.
    beijing_bounds : tuple of float
        Box (lon_min, lat_min, lon_max, lat_max) [degrees, WGS84] every boundary must lie in.
        Default (115.4, 39.4, 117.6, 41.1): the extent of the 16 district polygons of Beijing
        (``geo/beijing-districts-wgs84`` of the shared data: 115.417–117.508 E,
        39.442–41.059 N) rounded outwards to 0.1°.
    boundary_min_district_overlap : float
        Share of the boundaries' area [0–1] that must lie inside the district polygon, when one
        is given to ``load_boundaries(district_geometry=…)``. Default 0.5.
    boundary_station_tolerance_km : float
        A registry station counts as covered by the boundaries if it lies within this distance
        [km] of them (stations sit on town borders; coordinates are rounded). Default 2.
    letter_response_days : int
        Working days (Monday–Friday) a warned town has to answer a 预警通知函 in writing
        (书面回复), counted from the letter's date (:func:`airlib.report.letters.response_deadline`).
        The plans (seed 001 §27–§29, the Chaoyang and Tongzhou three-year plans) require a
        written response but state no time: UNVERIFIED; default 5. Public holidays and
        make-up working days (调休) are not known to airlib: check the date in the letter.
        A district overrides it with ``letter_response_days:`` in districts.yaml.
    plausible_ranges : dict
        Ingestion plausibility limits ``column -> (low, high)`` in canonical units (µg/m³; CO
        mg/m³; °C, hPa, mm/h, m/s). A value outside (or ``±inf``) is not a measurement: it
        becomes missing and is counted in ``QCReport.implausible`` like sentinels and
        negatives (docs/ingestion.md). Defaults (:data:`PLAUSIBLE_RANGES`) lie above the
        measuring ranges of the analysers: HJ 654—2013 requires gas analysers to cover
        0–500 nmol/mol SO2/NO2/O3 (≈ 1430 / 940 / 1070 µg/m³) and 0–50 µmol/mol CO
        (≈ 62.5 mg/m³); common beta/TEOM particle monitors (HJ 653—2013) read 0–10 000 µg/m³.
        PM10 in the dust storm of March 2021 exceeded 7 000 µg/m³ at Beijing stations, so
        PM10's limit is the monitor's full scale; PM2.5's is lower (3 000). Meteorology:
        −60…60 °C, dew point −80…60 °C, 500…1100 hPa (a station at 2 300 m reads ≈ 770 hPa),
        0…300 mm/h rain (Beijing's hourly record is ≈ 112 mm), 0…75 m/s wind. UNVERIFIED
        judgement; change per source if an analyser's range differs.
    earliest_year : int
        Timestamps before 1 January of this year are refused at ingestion (an absurd year,
        e.g. a two-digit year read as 19xx, or an Excel date serial of 0). Default 1980 (the
        first automatic monitoring networks in China date from the 1980s). Timestamps after
        the current Beijing time are refused too (data cannot come from the future).
    max_input_bytes : int
        Largest input file read at ingestion [bytes]. Default 1 GiB (a district's year of
        hourly data is ≈ 30 MB; the whole city's ≈ 1 GB).
    max_rows : int
        Most data rows read from one input file. Default 20 000 000 (about 2 300 stations ×
        one year of hours).
    max_line_chars : int
        Longest line of a text (CSV/TXT) input [characters, counted as bytes before
        decoding]. Default 1 MiB (a wide table with 2 000 stations needs ≈ 20 kB per line).
    max_xlsx_inflated_bytes : int
        Largest total uncompressed size of the members of an XLSX file [bytes], checked from
        the zip directory before any XML is parsed (a "zip bomb" is refused without reading
        it). Default 200 MiB (an XLSX holding a district's year of hourly data inflates to
        ≈ 80 MB).
    dustfall_end_inclusive : bool
        How a dustfall sheet's period end date is read (docs/dust.md, 降尘; UNVERIFIED: the
        bureau's sheets do not say). Default ``False``: start and end are the dates the
        collecting jar was set out and collected, so the period lasts end − start days
        (``2021-03-01``–``2021-04-01`` = 31 d). ``True``: the end date is the last day sampled
        (``2021-03-01``–``2021-03-31`` = 31 d).
    sand_dust_pollutants : tuple of str
        Pollutants removed from the hours of a published sand-dust period (扣沙,
        [MEE-SANDDUST-2016]). The notice speaks of 沙尘天气过程颗粒物浓度扣除 (particulate
        matter); which particulate pollutants the attachment names could not be read
        (UNVERIFIED); default ``("pm10", "pm25")``. The statistics derived from them (AQI,
        综合指数, 优良天数) follow from the removed values.
    sand_dust_partial_hour : {"covered", "not_covered"}
        Whether an hour only partly inside a published period (e.g. a period ending 10:30)
        counts as affected. The notice is silent (UNVERIFIED); default ``"covered"``.
    sand_dust_whole_day : bool
        Whether a day with any affected hour is removed whole for the covered pollutants
        (True) or only its affected hours are (False). UNVERIFIED (attachment not read);
        default False: hours are removed and the day's mean is formed from the remaining
        valid hours under the usual 20-hour rule (HJ 663).
    sand_dust_citywide_areas : tuple of str
        Area names of a period list meaning "the whole city": such a period applies to every
        district. Default ``("全市", "北京市", "北京")`` (judgement).
    dust_screen_pm10_min : float
        Screening of SUSPECTED dust hours: hourly PM10 at or above this [µg/m³]. UNVERIFIED
        judgement (no published threshold found); default 300 (twice the GB 3095 24-h limit,
        150; Beijing's dust hours read 1 000–8 000, [MEE-DUST-2021]).
    dust_screen_ratio_max : float
        Screening: PM2.5/PM10 at or below this [1]. UNVERIFIED judgement; default 0.35 (dust
        is coarse: 462/6450 ≈ 0.07 in Beijing on 2021-03-15 [MEE-DUST-2021]; 0.1–0.3 in the
        UCI data's sandstorm of 2015-04-15 evening, docs/dust.md).
    dust_screen_rise : float
        Screening: a run of suspected hours needs, at some hour of the run, a PM10 rise of at
        least this [µg/m³] over the lowest PM10 of the preceding ``dust_screen_rise_hours``
        hours (the dust front's arrival: 1 370 → 6 450 within one hour on 2021-03-15,
        [MEE-DUST-2021]). UNVERIFIED judgement; default 150.
    dust_screen_rise_hours : int
        Window of that rise [h]. UNVERIFIED; default 3.
    heating_season : tuple of str
        First and last day (``MM-DD``, inclusive) of the heating season (采暖季) used to count
        alert days by season (:func:`airlib.tracking.alerts.alert_day_counts`). Default
        ``("11-15", "03-15")``, Beijing's statutory heating period (供暖期 15 Nov – 15 Mar);
        districts that heat longer may change it (UNVERIFIED as a statistical season).
    campaign_season : tuple of str
        First and last day (``MM-DD``, inclusive) of the autumn-winter campaign (秋冬季攻坚):
        default ``("10-01", "03-31")``, October to March as the national 秋冬季 campaigns run
        (UNVERIFIED for a given year's plan; change it to the plan's dates).
    alert_day_min_hours : float
        Hours an alert level must be in force on a calendar day for the day to count as an
        alert day of that level [h]. Default 0: any part of the day counts (an alert starting
        at 20:00 makes that day an alert day); the notices say nothing (UNVERIFIED). A day
        counts once, for the highest level that qualifies.
    alert_effect_min_hours : int
        Hours of a calendar day under an alert for the day to enter the "did the measures
        work" comparison as an alert day [h] (:mod:`airlib.analysis.alert_effect`). Default 12
        (a day mostly under the alert; UNVERIFIED). Days with fewer alert hours are left out of
        both the fit and the comparison.
    micro_qc_range : dict
        Plausible range ``pollutant -> (low, high)`` [µg/m³] of a micro-station sensor
        (:mod:`airlib.analysis.sensor_qc`, ``p_qc_range``: value > high or 0 ≤ value < low;
        values < 0 are ``p_qc_negative``). Default PM2.5 (0, 1000), PM10 (0, 2000): the measuring ranges
        commonly declared for optical PM sensors; UNVERIFIED (docs/micro_stations.md).
    micro_qc_stuck_hours : int
        Consecutive equal values that make a flat line (``p_qc_stuck``) [h]. UNVERIFIED;
        default 6.
    micro_qc_stuck_tolerance : float
        Largest hour-to-hour change still "equal" for the stuck check [µg/m³]. Default 0.0.
    micro_qc_spike_window_h : int
        Centred window of the rolling median / MAD of the spike check [h]. UNVERIFIED; default 25.
    micro_qc_spike_z : float
        Robust z-score (|x − median| / (1.4826·MAD)) above which an hour is a spike.
        UNVERIFIED; default 6.
    micro_qc_spike_min_abs : float
        Smallest |x − median| of a spike [µg/m³] (keeps small wiggles in clean air out).
        UNVERIFIED; default 30.
    micro_qc_step_window_h : int
        Hours before and after a candidate change point whose medians are compared (step
        check) [h]. UNVERIFIED; default 72.
    micro_qc_step_min_ratio : float
        Smallest persistent relative shift of the ratio to the reference (medians of the log
        ratio before and after) that is a step [fraction]. UNVERIFIED; default 0.3 (30 %).
    micro_qc_drift_window_h : int
        Rolling window of the median log ratio to the reference (drift check) [h].
        UNVERIFIED; default 336 (two weeks).
    micro_qc_drift_tolerance : float
        Relative change of that median ratio from its first window that is drift [fraction].
        UNVERIFIED; default 0.2 (20 %).
    micro_qc_max_rh : float
        Hours with relative humidity above this are left out of the ratio to the reference of
        the step and drift checks [%] (optical sensors read high in humid air). UNVERIFIED;
        default 70.
    micro_qc_min_conc : float
        Hours where the sensor or the reference is below this are left out of that ratio
        [µg/m³]. UNVERIFIED; default 10.
    micro_qc_reference_max_km : float
        Farthest reference station used for a micro-station's drift and step checks [km].
        UNVERIFIED; default 10.
    calibration_max_km : float
        Largest distance [km] from a micro-station (小微站) to the reference station it is
        calibrated against (:func:`airlib.analysis.calibration.nearest_reference`). Not stated by
        the plans (UNVERIFIED); default 5 km, a judgement (about the size of a town or street).
    calibration_colocated_km : float
        Distance [km] up to which a micro-station counts as co-located with its reference
        (UNVERIFIED; default 0.1 km, the same roof or yard). Only reported (``colocated``).
    calibration_model : {"linear_rh", "linear_rh_interaction"}
        The calibration model (docs/micro_stations.md, "校准 Calibration"): reference PM2.5 =
        b0 + b1·raw + b2·RH ([BARKJOHN-2021]'s form), or with the raw × RH term as well
        (humidity growth of the light-scattering signal, [CRILLEY-2018]). Default ``"linear_rh"``.
    calibration_holdout_share : float
        Share of each station-season's paired hours, the latest ones, held out for evaluation
        (time-blocked). UNVERIFIED choice; default 0.3.
    calibration_min_hours : int
        Fewest paired hours in a training window (and in a monthly refit of the drift series)
        for a fit (UNVERIFIED; default 72, three days). The held-out window needs a third of it.
    calibration_min_rmse_gain : float
        Relative reduction of the held-out RMSE that a calibration must reach to be applied:
        ``rmse_cal <= (1 - gain) · rmse_raw`` (UNVERIFIED; default 0.1, i.e. 10 %).
    hotspot_reference : {"town", "district"}
        Reference a micro-station's (or grid cell's) hour is compared with in the hot-spot
        ranking (热点网格, :mod:`airlib.analysis.hotspots`, docs/micro_stations.md). The plans
        (seeds 000, 003, 004) name 热点网格 as a supervision tool but not its reference
        (UNVERIFIED). Default ``"town"``: the mean of the reference stations of the station's
        own town in that hour, else (no reference station in the town, or none reporting that
        hour) the mean of all reference stations of the district. ``"district"``: always the
        district mean.
    hotspot_above_threshold : float
        An hour counts as "above" the reference when the excess (value − reference) is
        strictly greater than this [µg/m³]. UNVERIFIED judgement; default 0 (any excess).
    hotspot_min_hour_share : float
        A unit (station or cell) is ranked only if it has compared hours (value and reference
        both present, QC-ok) in at least this share [0–1] of the month's hours; others are
        listed with rank NA. UNVERIFIED judgement; default 0.5.
    hotspot_grid_m : float
        Side of a square grid cell [m] when a caller ranks cells instead of stations
        (``hotspot_ranking(..., grid_m=settings.hotspot_grid_m)``). MEE's 热点网格 are
        3 km × 3 km ([MEE-HOTSPOT-2018]); inside a district, with micro-stations a few hundred
        metres apart, finer cells are used (size not published: UNVERIFIED); default 1000.
    hotspot_grid_crs : str
        Projected coordinate system the grid is laid in (metres). Default ``"EPSG:32650"``
        (UTM zone 50N, 114–120° E, covers all of Beijing), so a cell has the same id in
        every month and for every set of stations.
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
    o3_1h_min_hours: int = 20
    rolling_24h_min_hours: int = 20
    cnemc_mapping_min_share: float = 0.9
    composite_limits_edition: str = "GB3095-2012"
    boundary_max_file_mb: float = 200.0
    boundary_max_features: int = 20_000
    beijing_bounds: tuple[float, float, float, float] = (115.4, 39.4, 117.6, 41.1)
    boundary_min_district_overlap: float = 0.5
    boundary_station_tolerance_km: float = 2.0
    letter_response_days: int = 5
    # ingestion (docs/ingestion.md, "Limits" and "Missing values and QC")
    plausible_ranges: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(PLAUSIBLE_RANGES))
    earliest_year: int = 1980
    max_input_bytes: int = 1 << 30
    max_rows: int = 20_000_000
    max_line_chars: int = 1 << 20
    max_xlsx_inflated_bytes: int = 200 << 20
    # dust (docs/dust.md, 降尘)
    dustfall_end_inclusive: bool = False
    # sand-dust exclusion (扣沙) and screening (docs/dust.md)
    sand_dust_pollutants: tuple[str, ...] = ("pm10", "pm25")
    sand_dust_partial_hour: Literal["covered", "not_covered"] = "covered"
    sand_dust_whole_day: bool = False
    sand_dust_citywide_areas: tuple[str, ...] = ("全市", "北京市", "北京")
    dust_screen_pm10_min: float = 300.0
    dust_screen_ratio_max: float = 0.35
    dust_screen_rise: float = 150.0
    dust_screen_rise_hours: int = 3
    heating_season: tuple[str, str] = ("11-15", "03-15")
    campaign_season: tuple[str, str] = ("10-01", "03-31")
    alert_day_min_hours: float = 0.0
    alert_effect_min_hours: int = 12
    # micro-station sensor QC (docs/micro_stations.md, "Sensor QC")
    micro_qc_range: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"pm25": (0.0, 1000.0), "pm10": (0.0, 2000.0)})
    micro_qc_stuck_hours: int = 6
    micro_qc_stuck_tolerance: float = 0.0
    micro_qc_spike_window_h: int = 25
    micro_qc_spike_z: float = 6.0
    micro_qc_spike_min_abs: float = 30.0
    micro_qc_step_window_h: int = 72
    micro_qc_step_min_ratio: float = 0.3
    micro_qc_drift_window_h: int = 336
    micro_qc_drift_tolerance: float = 0.2
    micro_qc_max_rh: float = 70.0
    micro_qc_min_conc: float = 10.0
    micro_qc_reference_max_km: float = 10.0
    # calibration of micro-stations (docs/micro_stations.md, "校准 Calibration")
    calibration_max_km: float = 5.0
    calibration_colocated_km: float = 0.1
    calibration_model: Literal["linear_rh", "linear_rh_interaction"] = "linear_rh"
    calibration_holdout_share: float = 0.3
    calibration_min_hours: int = 72
    calibration_min_rmse_gain: float = 0.1
    # hot spots (热点网格; docs/micro_stations.md)
    hotspot_reference: Literal["town", "district"] = "town"
    hotspot_above_threshold: float = 0.0
    hotspot_min_hour_share: float = 0.5
    hotspot_grid_m: float = 1000.0
    hotspot_grid_crs: str = "EPSG:32650"


#: The settings used when a function is called without ``settings=``.
DEFAULT = Settings()
