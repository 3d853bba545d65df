"""Heavy-pollution days and heavy-pollution emergency alert levels.

Sources: HJ 633 Table 2 [HJ633-2012] / Table 1 [HJ633-2026]; the emergency plans
[MEE-EMERGENCY-2017], [BJ-EMERGENCY-2018], [BJ-EMERGENCY-2023] and [SEED-001] §28–§29
(docs/references.md).

* **Heavy-pollution day** (重污染天): daily AQI > 200, i.e. 重度污染 (五级, 201–300) or worse;
  **severe day** (严重污染天): AQI > 300 (六级) (HJ 633 Table 2/Table 1 [P]).
* **Alert levels** (蓝色/黄色/橙色/红色预警) of the heavy-pollution emergency plans, applied to a
  daily AQI series (observed or forecast). See :data:`SCHEMES` for each scheme's criteria and
  their certainty; UNVERIFIED criteria are plain data that a caller can replace.

Episode rule (decision; [MEE-EMERGENCY-2017] says "close together" without a number)
-------------------------------------------------------------------------------------
1. A *run* is a maximal sequence of consecutive calendar days whose AQI exceeds the scheme's
   ``episode_threshold`` (AQI > 200 for MEE 2017 and Beijing 2018; AQI > 150, 中度 or worse,
   for Beijing 2023, whose yellow level can be reached by 中度 days). A missing day or NaN AQI
   breaks a run.
2. Each run gets the highest level whose criterion it meets; a criterion is a set of
   ``{AQI threshold: minimum days}`` conditions, all of which must hold, counting days **within
   the run** with AQI strictly greater than the threshold (AQI ≥ 500 is written as > 499,
   AQI being an integer by HJ 633's ceiling rule). A run meeting no criterion is not an
   episode.
3. Episodes separated by at most ``settings.episode_merge_gap_days`` (default 1) days that are
   not part of either are merged into one episode at the **stricter** level (MEE 2017: "two
   episodes close together count as one, at the stricter level" [S]).

The plans are written for *forecast* AQI, and MEE 2017 defines the "daily" AQI as a rolling
24-hour mean that may cross calendar days [S]. :func:`classify_episodes` applies the criteria to
whatever daily series it is given: observed calendar-day AQI (retrospective classification, as
in the tests on the UCI data) or a forecast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.settings import DEFAULT, Settings

__all__ = [
    "HEAVY_AQI",
    "SEVERE_AQI",
    "LEVELS",
    "AlertScheme",
    "SCHEMES",
    "REDUCTION_RATIOS",
    "heavy_pollution_days",
    "classify_episodes",
    "reduction_ratios",
]

#: AQI above which a day is a heavy-pollution day (重度污染及以上).
HEAVY_AQI = 200
#: AQI above which a day is a severe-pollution day (严重污染).
SEVERE_AQI = 300

#: Alert levels from mildest to strictest: (code, Chinese name).
LEVELS: tuple[tuple[str, str], ...] = (
    ("blue", "蓝色预警"),
    ("yellow", "黄色预警"),
    ("orange", "橙色预警"),
    ("red", "红色预警"),
)
_RANK = {code: i + 1 for i, (code, _) in enumerate(LEVELS)}
_ZH = dict(LEVELS)

_UNIT_KEYS = ("station", "town_code", "district_code")


# ------------------------------------------------------------------------------- heavy days
def heavy_pollution_days(
    daily_aqi: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    freq: str = "MS",
) -> pd.DataFrame:
    """Heavy (AQI > 200) and severe (AQI > 300) pollution days per unit and period.

    Parameters
    ----------
    daily_aqi : pandas.DataFrame [AQI, dimensionless]
        Output of :func:`airlib.standards.aqi.daily_aqi`: unit key, ``date`` and ``aqi`` (NaN/NA = no
        valid AQI). Works for station, town and district frames.
    by : str or sequence of str, optional
        Unit key column(s); default the first of ``station``, ``town_code``,
        ``district_code`` present. ``by=()`` counts over all rows (a single unit).
    freq : str, default "MS"
        Period frequency of the counts (pandas offset alias): ``"MS"`` months (default),
        ``"QS"`` quarters, ``"YS"`` years.

    Returns
    -------
    pandas.DataFrame [days]
        Unit key(s), ``period`` (first day of the period), ``days_in_period`` (calendar days),
        ``valid_aqi_days`` (days with an AQI), ``heavy_days`` (AQI > 200, 重度污染及以上) and
        ``severe_days`` (AQI > 300, 严重污染). Days absent from the frame count as days
        without AQI.
    """
    for c in ("date", "aqi"):
        if c not in daily_aqi.columns:
            raise InputDataError(f"daily AQI frame lacks column {c!r}", column=c)
    if by is None:
        keys = [k for k in _UNIT_KEYS if k in daily_aqi.columns][:1]
    else:
        keys = [by] if isinstance(by, str) else list(by)
    for k in keys:
        if k not in daily_aqi.columns:
            raise InputDataError(f"daily AQI frame lacks unit column {k!r}", column=k)
    if not pd.api.types.is_datetime64_dtype(daily_aqi["date"].dtype):
        raise InputDataError("date must be datetime64", column="date")
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError as exc:
        raise InputDataError(f"freq={freq!r} is not a pandas frequency: {exc}") from None
    aqi = daily_aqi["aqi"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        df = pd.DataFrame(
            {
                **{k: daily_aqi[k].to_numpy() for k in keys},
                "date": daily_aqi["date"].to_numpy(),
                "valid_aqi_days": ~np.isnan(aqi),
                "heavy_days": aqi > HEAVY_AQI,
                "severe_days": aqi > SEVERE_AQI,
            }
        )
    g = df.groupby([*keys, pd.Grouper(key="date", freq=offset)], sort=True)
    out = g[["valid_aqi_days", "heavy_days", "severe_days"]].sum().astype(np.int64)
    out = out.reset_index().rename(columns={"date": "period"})
    start = pd.DatetimeIndex(out["period"])
    out.insert(len(keys) + 1, "days_in_period", ((start + offset) - start).days.astype(np.int64))
    return out


# ------------------------------------------------------------------------------ alert levels
@dataclass(frozen=True)
class AlertScheme:
    """Criteria of one emergency plan.

    Attributes
    ----------
    name
        Scheme id.
    episode_threshold
        A day belongs to a run when its AQI is strictly greater than this.
    criteria
        ``{level code: [criterion, ...]}``; a criterion is ``{AQI threshold: minimum days}``
        (all conditions must hold; days counted within the run with AQI > threshold). Any one
        criterion of a level is enough.
    certainty
        ``{level code: note}`` on the source of each level's criterion.
    """

    name: str
    episode_threshold: float
    criteria: Mapping[str, Sequence[Mapping[float, int]]]
    certainty: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.criteria) - set(_RANK)
        if unknown:
            raise InputDataError(f"unknown alert level(s) {sorted(unknown)}; known: {list(_RANK)}")


#: The built-in schemes ([MEE-EMERGENCY-2017], [BJ-EMERGENCY-2018], [BJ-EMERGENCY-2023]).
SCHEMES: dict[str, AlertScheme] = {
    "mee-2017": AlertScheme(
        name="mee-2017",
        episode_threshold=200,
        criteria={
            "blue": [{200: 1}],
            "yellow": [{200: 2}],
            "orange": [{200: 3, 300: 1}],
            "red": [{200: 4, 300: 2}, {499: 1}],
        },
        certainty={
            "blue": "[S] MEE 2017 slides: AQI daily > 200",
            "yellow": "[S] AQI > 200 for >= 2 days",
            "orange": "[S] AQI > 200 for >= 3 days and AQI > 300",
            "red": "[S] >200 for >= 4 days and >300 for >= 2 days, or AQI >= 500 for >= 1 day "
            "(2016 news of the regional standard; slide text truncated)",
        },
    ),
    "beijing-2023": AlertScheme(
        name="beijing-2023",
        episode_threshold=150,
        criteria={
            "yellow": [{200: 1}, {150: 2}],
            "orange": [{200: 2}, {150: 3}],
            "red": [{200: 3, 300: 1}],
        },
        certainty={
            "yellow": "[S] news 2024-10-30: 1 day 重度 or 2 days 中度",
            "orange": "[S] 2 days 重度 or 3 days 中度",
            "red": "[S] 3 days 重度 including >= 1 day 严重",
            "blue": "none: the 2023 plan as reported has no blue level",
        },
    ),
    "beijing-2018": AlertScheme(
        name="beijing-2018",
        episode_threshold=200,
        criteria={
            "blue": [{200: 1}],
            "yellow": [{200: 2}],
            "orange": [{200: 3}],
            "red": [{200: 4, 300: 2}, {499: 1}],
        },
        certainty={
            "orange": "[S] Xinhua 2019-03-01: AQI daily > 200 lasting >= 3 days (72 h)",
            "blue": "UNVERIFIED: 2016-plan wording (1 day AQI > 200) assumed",
            "yellow": "UNVERIFIED: 2016-plan wording (>= 2 days AQI > 200) assumed",
            "red": "UNVERIFIED: MEE 2017 unified red criterion assumed",
        },
    ),
}

#: Minimum emission reductions during an alert (% of society-wide emissions of SO2, NOx,
#: PM and VOCs), national requirement [S] ([MEE-EMERGENCY-2017]). Blue has no quantified ratio.
REDUCTION_RATIOS = pd.DataFrame(
    {
        "level": ["yellow", "orange", "red"],
        "预警级别": ["黄色预警", "橙色预警", "红色预警"],
        "min_reduction_pct": [10.0, 20.0, 30.0],
        "pollutants": ["SO2, NOx, PM, VOCs"] * 3,
        "certainty": ["[S]"] * 3,
    }
)


def reduction_ratios() -> pd.DataFrame:
    """Minimum emission-reduction ratios per alert level (a copy of :data:`REDUCTION_RATIOS`).

    Yellow ≥ 10 %, orange ≥ 20 %, red ≥ 30 % of SO2, NOx, PM and VOCs emissions [S]. The
    Beijing-specific 2018 percentages are UNVERIFIED ([MEE-EMERGENCY-2017], [SEED-001] §29).

    Returns
    -------
    pandas.DataFrame [%]
        A copy of :data:`REDUCTION_RATIOS` (changing it does not change the module's table).
    """
    return REDUCTION_RATIOS.copy()


def _as_series(daily_aqi) -> pd.Series:
    if isinstance(daily_aqi, pd.DataFrame):
        for c in ("date", "aqi"):
            if c not in daily_aqi.columns:
                raise InputDataError(f"daily AQI frame lacks column {c!r}", column=c)
        dates = pd.DatetimeIndex(daily_aqi["date"])
        if dates.duplicated().any():
            raise InputDataError(
                "daily AQI frame has several rows per date; pass one unit at a time",
                column="date",
            )
        s = pd.Series(daily_aqi["aqi"].to_numpy(dtype=np.float64, na_value=np.nan), index=dates)
    elif isinstance(daily_aqi, pd.Series):
        if not isinstance(daily_aqi.index, pd.DatetimeIndex):
            raise InputDataError("a daily AQI series must be indexed by date")
        if daily_aqi.index.duplicated().any():
            raise InputDataError("daily AQI series has duplicate dates")
        s = pd.Series(daily_aqi.to_numpy(dtype=np.float64, na_value=np.nan), index=daily_aqi.index)
    else:
        raise InputDataError("daily AQI must be a Series indexed by date or a frame with date, aqi")
    return s.sort_index()


def _scheme(scheme: str | AlertScheme) -> AlertScheme:
    if isinstance(scheme, AlertScheme):
        return scheme
    try:
        return SCHEMES[scheme]
    except KeyError:
        raise InputDataError(f"unknown scheme {scheme!r}; known: {list(SCHEMES)}") from None


def classify_episodes(
    daily_aqi,
    scheme: str | AlertScheme = "mee-2017",
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Heavy-pollution episodes and their alert levels from a daily AQI series.

    Parameters
    ----------
    daily_aqi : pandas.Series or pandas.DataFrame [AQI, dimensionless]
        ``pd.Series`` of daily AQI indexed by date, or a frame with ``date`` and ``aqi`` of
        **one** unit (station, town, district or city). Observed or forecast values.
    scheme : str or AlertScheme, default "mee-2017"
        ``"mee-2017"``, ``"beijing-2023"``, ``"beijing-2018"`` (see :data:`SCHEMES`; its
        blue, yellow and red criteria are UNVERIFIED assumptions), or an
        :class:`AlertScheme` with custom criteria (e.g. to replace the UNVERIFIED parts).
    settings : Settings, optional
        ``episode_merge_gap_days`` (default 1): episodes separated by at most that many days
        are merged at the stricter level. 0 disables merging.

    Returns
    -------
    pandas.DataFrame
        One row per episode: ``start``, ``end`` (dates, inclusive), ``days`` (calendar days
        from start to end), ``level`` (``blue``…``red``), ``level_zh`` (蓝色预警…红色预警),
        ``max_aqi``, ``heavy_days`` (AQI > 200), ``severe_days`` (AQI > 300),
        ``n_runs`` (runs merged into the episode).

    See the module docstring for the run, criterion and merge rules.
    """
    settings = DEFAULT if settings is None else settings
    sch = _scheme(scheme)
    s = _as_series(daily_aqi)
    cols = ["start", "end", "days", "level", "level_zh", "max_aqi", "heavy_days",
            "severe_days", "n_runs"]
    with np.errstate(invalid="ignore"):
        on = (s.to_numpy() > sch.episode_threshold)
    if not on.any():
        return pd.DataFrame({c: [] for c in cols}).astype(
            {"start": "datetime64[ns]", "end": "datetime64[ns]", "days": np.int64,
             "level": "string", "level_zh": "string", "max_aqi": float,
             "heavy_days": np.int64, "severe_days": np.int64, "n_runs": np.int64})
    days = s.index.to_numpy().astype("datetime64[D]").astype(np.int64)[on]
    aqi = s.to_numpy()[on]
    # runs of consecutive calendar days
    run = np.concatenate([[0], np.cumsum(np.diff(days) != 1)])
    runs = pd.DataFrame({"run": run, "day": days, "aqi": aqi})
    g = runs.groupby("run")
    table = pd.DataFrame({"first": g["day"].min(), "last": g["day"].max(),
                          "max_aqi": g["aqi"].max()})
    thresholds = sorted({t for crit in sch.criteria.values() for c in crit for t in c}
                        | {HEAVY_AQI, SEVERE_AQI})
    for t in thresholds:
        table[f"gt{t:g}"] = (runs["aqi"] > t).groupby(runs["run"]).sum()
    rank = np.zeros(len(table), dtype=np.int64)
    for level, crits in sch.criteria.items():
        meets = np.zeros(len(table), dtype=bool)
        for crit in crits:
            ok = np.ones(len(table), dtype=bool)
            for t, n in crit.items():
                ok &= table[f"gt{t:g}"].to_numpy() >= n
            meets |= ok
        rank = np.where(meets, np.maximum(rank, _RANK[level]), rank)
    table["rank"] = rank
    table = table[table["rank"] > 0].reset_index(drop=True)
    if table.empty:
        return classify_episodes(pd.Series([], dtype=float, index=pd.DatetimeIndex([])), sch)
    # merge episodes separated by <= gap non-episode days
    gap = table["first"].to_numpy()[1:] - table["last"].to_numpy()[:-1] - 1
    episode = np.concatenate([[0], np.cumsum(gap > settings.episode_merge_gap_days)])
    g = table.groupby(episode)
    out = pd.DataFrame(
        {
            "start": g["first"].min().to_numpy().astype("datetime64[D]").astype("datetime64[ns]"),
            "end": g["last"].max().to_numpy().astype("datetime64[D]").astype("datetime64[ns]"),
        }
    )
    out["days"] = ((out["end"] - out["start"]).dt.days + 1).astype(np.int64)
    codes = [LEVELS[r - 1][0] for r in g["rank"].max().to_numpy()]
    out["level"] = pd.array(codes, dtype="string")
    out["level_zh"] = pd.array([_ZH[c] for c in codes], dtype="string")
    out["max_aqi"] = g["max_aqi"].max().to_numpy()
    out["heavy_days"] = g[f"gt{HEAVY_AQI}"].sum().to_numpy().astype(np.int64)
    out["severe_days"] = g[f"gt{SEVERE_AQI}"].sum().to_numpy().astype(np.int64)
    out["n_runs"] = g.size().to_numpy().astype(np.int64)
    return out[cols]
