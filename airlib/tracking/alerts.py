"""Issued alerts against the observations: hits, misses, false alarms; alert days per season.

Issue #15 item 2 ([SEED-001] §28–§29: the blue/yellow/orange/red heavy-pollution alerts).

* :func:`verify_alerts` compares the **alert log** (:func:`airlib.io.alert_log.read_alert_log`)
  with the **episodes the observations support** (the frame of
  ``airlib.standards.alerts.alert_episodes``: ``episode, start, end, level, …``, end exclusive).
* :func:`alert_days` / :func:`alert_day_counts` count the days under each level per calendar
  month, heating season (采暖季) and autumn-winter campaign (秋冬季).

Verification rule (decision; the plans do not define one)
----------------------------------------------------------
An *issued alert* is one alert sequence of the log (an alert with its upgrades, column
``alert``; its level is the highest of the sequence, its start the first start, its end the
last end). It **overlaps** an episode when the half-open intervals ``[start, end)`` share
time. Then, in the 2×2 contingency table of event verification (Jolliffe & Stephenson,
*Forecast Verification*, 2nd ed. 2012, ch. 3; WWRP/WGNE Joint Working Group on Forecast
Verification Research, "Methods for dichotomous forecasts"):

* **hit** (a): an observed episode overlapped by at least one issued alert;
* **miss** (c): an observed episode overlapped by none;
* **false alarm** (b): an issued alert overlapping no episode;
* POD = a / (a + c) (probability of detection), FAR = b / (number of issued alerts) (false
  alarm *ratio*: the share of issued alerts that no episode supported), CSI = a / (a + b + c)
  (critical success index). Because a is counted on episodes and b on alerts, one alert
  covering two episodes counts two hits; the table also lists the alerts that hit.

For each hit alert the level is compared with the highest level of the episodes it overlaps
(``same`` / ``issued_higher`` / ``issued_lower``) and ``start_lead_hours`` = first overlapped
episode start − alert start [h] (positive: the alert was in force before the observations
reached the episode; negative: it came late). An alert still in force (end NaT) runs until
``as_of``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.alert_log import LEVEL_ORDER, LEVEL_ZH, OPEN_END, alert_sequences
from airlib.io.plans import alert_rules, load_alert_scheme, plans_in_force
from airlib.settings import DEFAULT, Settings
from airlib.standards.alerts import AlertRules, alert_episodes
from airlib.tracking.rolling_aqi import unit_rolling_aqi

__all__ = [
    "AlertVerification",
    "issued_alerts",
    "verify_alerts",
    "alert_hours",
    "alert_days",
    "season_labels",
    "alert_day_counts",
    "DEFAULT_ALERT_SCHEME",
    "district_alert_rules",
    "district_episodes",
]

_RANK = {code: i + 1 for i, code in enumerate(LEVEL_ORDER)}
_LOG_COLUMNS = ("level", "start", "end", "area")
_EPISODE_COLUMNS = ("start", "end", "level")


def _require(frame: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputDataError(f"{what} lacks column(s) {missing}", column=missing[0])
    bad = sorted(set(frame["level"].dropna()) - set(_RANK)) if "level" in frame.columns else []
    if bad:
        raise InputDataError(f"{what}: unknown alert level(s) {bad}; known: {list(LEVEL_ORDER)}", column="level")


def _select_area(log: pd.DataFrame, area: str | None, include_citywide: bool) -> pd.DataFrame:
    if area is None:
        return log
    keep = log["area"] == area
    if include_citywide:
        keep |= log["area"] == "全市"
    return log[keep]


def issued_alerts(log: pd.DataFrame, *, area: str | None = None, include_citywide: bool = True,
                  as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per issued alert sequence (an alert with its upgrades/downgrades).

    Parameters
    ----------
    log : pandas.DataFrame
        Alert log frame (``level, start, end, area``; ``alert`` if present, else derived by
        :func:`airlib.io.alert_log.alert_sequences`).
    area : str, optional
        Keep the rows of this area (and of ``全市`` when ``include_citywide``); default all.
        Sequences are formed per area as written.
    as_of : Timestamp, optional
        End given to alerts still in force (NaT); default: they stay NaT.

    Returns
    -------
    pandas.DataFrame
        ``alert, area, start, end, level`` (highest of the sequence), ``level_zh``,
        ``first_level``, ``upgraded`` (bool: the level rose within the sequence), ``rows``
        (number of notices).
    """
    _require(log, _LOG_COLUMNS, "alert log")
    f = _select_area(log, area, include_citywide).copy()
    if f.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in [
            ("alert", np.int64), ("area", str), ("start", "datetime64[ns]"), ("end", "datetime64[ns]"),
            ("level", str), ("level_zh", str), ("first_level", str), ("upgraded", bool), ("rows", np.int64)]})
    f["alert"] = alert_sequences(f)
    f["rank"] = f["level"].map(_RANK)
    f["end_open"] = f["end"].fillna(OPEN_END)
    f = f.sort_values(["alert", "start"], kind="stable")
    g = f.groupby("alert", sort=True)
    out = pd.DataFrame({
        "area": g["area"].first(), "start": g["start"].min(), "end": g["end_open"].max(),
        "rank": g["rank"].max(), "first_level": g["level"].first(), "rows": g.size().astype(np.int64),
    })
    out["end"] = out["end"].where(out["end"] != OPEN_END, as_of if as_of is not None else pd.NaT)
    out["end"] = pd.to_datetime(out["end"])
    out["level"] = out["rank"].map(dict((r, c) for c, r in _RANK.items()))
    out["level_zh"] = out["level"].map(LEVEL_ZH)
    out["upgraded"] = out["rank"] > out["first_level"].map(_RANK)
    out = out.reset_index().drop(columns="rank")
    return out[["alert", "area", "start", "end", "level", "level_zh", "first_level", "upgraded", "rows"]]


@dataclass(frozen=True)
class AlertVerification:
    """Result of :func:`verify_alerts`.

    Attributes
    ----------
    alerts : pandas.DataFrame
        :func:`issued_alerts` plus ``outcome`` (``hit`` / ``false_alarm``), ``episodes``
        (number overlapped), ``episode_level`` (highest overlapped, or NA), ``agreement``
        (``same`` / ``issued_higher`` / ``issued_lower`` / NA), ``start_lead_hours`` [h].
    episodes : pandas.DataFrame
        The episodes plus ``outcome`` (``hit`` / ``miss``) and ``alerts`` (number overlapping).
    summary : dict
        ``n_alerts, n_episodes, hits, misses, false_alarms, alerts_hit, pod, far, csi``,
        ``same_level, issued_higher, issued_lower`` (counts of hit alerts), ``mean_lead_hours``;
        ratios NaN when undefined (no episodes / no alerts).
    """

    alerts: pd.DataFrame
    episodes: pd.DataFrame
    summary: dict


def verify_alerts(log: pd.DataFrame, episodes: pd.DataFrame, *, area: str | None = None,
                  include_citywide: bool = True, period: tuple | None = None,
                  as_of: pd.Timestamp | None = None) -> AlertVerification:
    """Issued alerts against the episodes the observations support (module docstring).

    Parameters
    ----------
    log : pandas.DataFrame
        Alert log frame (:mod:`airlib.io.alert_log`).
    episodes : pandas.DataFrame
        Observed episodes of ONE unit (the district, usually): ``start``, ``end`` (exclusive),
        ``level`` (code), as ``airlib.standards.alerts.alert_episodes`` returns them (end NaT: not
        lifted within the data, runs to ``as_of``).
    area : str, optional
        The area of the unit (district name); ``全市`` alerts count too unless
        ``include_citywide=False``. Default: every row of the log.
    period : (start, end), optional
        Observation period, half-open ``[start, end)`` (Timestamps or strings): only alerts and
        episodes overlapping it are verified, so an alert outside the observed data is not a
        false alarm. Default: everything.
    as_of : Timestamp, optional
        End of alerts still in force; default the period's end, else the latest time in
        either frame.

    Returns
    -------
    AlertVerification
    """
    _require(episodes, _EPISODE_COLUMNS, "episode frame")
    lo = hi = None
    if period is not None:
        lo, hi = (pd.Timestamp(x) for x in period)
    if as_of is None:
        cands = [hi] if hi is not None else [log["start"].max(), episodes["end"].max(), log["end"].max()]
        cands = [c for c in cands if c is not None and not pd.isna(c)]
        as_of = max(cands) if cands else None
    al = issued_alerts(log, area=area, include_citywide=include_citywide, as_of=as_of)
    ep = episodes.reset_index(drop=True).copy()
    # an episode not lifted within the data (end NaT, alert_episodes) runs on like an open alert
    ep["end"] = pd.to_datetime(ep["end"]).astype("datetime64[ns]").fillna(as_of if as_of is not None else OPEN_END)
    if lo is not None:
        al = al[(al["end"] > lo) & (al["start"] < hi)].reset_index(drop=True)
        ep = ep[(ep["end"] > lo) & (ep["start"] < hi)].reset_index(drop=True)
    a_s, a_e = al["start"].to_numpy(), al["end"].to_numpy()
    e_s, e_e = ep["start"].to_numpy(), ep["end"].to_numpy()
    over = (a_s[:, None] < e_e[None, :]) & (e_s[None, :] < a_e[:, None])  # alerts × episodes (both small)
    ep_rank = ep["level"].map(_RANK).to_numpy(dtype=float)
    al_rank = al["level"].map(_RANK).to_numpy(dtype=float)
    n_ep = over.sum(axis=0)
    n_al = over.sum(axis=1)
    ep_level_rank = np.where(over, ep_rank[None, :], -np.inf).max(axis=1) if len(ep) else np.full(len(al), -np.inf)
    never = np.datetime64("2262-01-01", "ns")
    first_start = (np.where(over, e_s[None, :].astype("datetime64[ns]"), never).min(axis=1)
                   if len(ep) else np.full(len(al), never))
    hit = n_al > 0
    al = al.assign(
        outcome=np.where(hit, "hit", "false_alarm"),
        episodes=n_al.astype(np.int64),
        episode_level=pd.Series(np.where(hit, ep_level_rank, np.nan)).map(
            dict((float(r), c) for c, r in _RANK.items())).astype("string"),
        agreement=pd.Series(np.where(~hit, None, np.where(al_rank == ep_level_rank, "same", np.where(
            al_rank > ep_level_rank, "issued_higher", "issued_lower"))), dtype="string"),
        start_lead_hours=np.where(hit, (pd.to_datetime(first_start) - al["start"]).dt.total_seconds() / 3600,
                                  np.nan),
    )
    ep = ep.assign(outcome=np.where(n_ep > 0, "hit", "miss"), alerts=n_ep.astype(np.int64))
    a = int((n_ep > 0).sum())
    c = int((n_ep == 0).sum())
    b = int((~hit).sum())
    n_alerts = len(al)

    def ratio(num: float, den: float) -> float:
        return float(num / den) if den else float("nan")

    agree = al["agreement"].value_counts()
    summary = {
        "n_alerts": n_alerts, "n_episodes": len(ep), "hits": a, "misses": c, "false_alarms": b,
        "alerts_hit": int(hit.sum()),
        "pod": ratio(a, a + c), "far": ratio(b, n_alerts), "csi": ratio(a, a + b + c),
        "same_level": int(agree.get("same", 0)), "issued_higher": int(agree.get("issued_higher", 0)),
        "issued_lower": int(agree.get("issued_lower", 0)),
        "mean_lead_hours": float(al["start_lead_hours"].mean()) if hit.any() else float("nan"),
    }
    return AlertVerification(alerts=al, episodes=ep, summary=summary)


def alert_hours(log: pd.DataFrame, times: pd.Series | pd.DatetimeIndex, *, area: str | None = None,
                include_citywide: bool = True) -> pd.Series:
    """Highest alert level in force during each hour (hour-beginning labels).

    An hour labelled ``t`` is under an alert row when ``start <= t`` and ``t + 1 h <= end``
    (end NaT: still in force); a partly covered hour is not (docs/alerts.md).

    Returns
    -------
    pandas.Series
        Level code or NA, indexed like ``times`` (a position index for a DatetimeIndex).
    """
    _require(log, _LOG_COLUMNS, "alert log")
    f = _select_area(log, area, include_citywide)
    t = pd.DatetimeIndex(times).to_numpy()
    best = np.zeros(len(t), dtype=np.int64)
    end = f["end"].fillna(OPEN_END).to_numpy()
    for s, e, lv in zip(f["start"].to_numpy(), end, f["level"].map(_RANK).to_numpy()):  # alerts: a few dozen
        inside = (t >= s) & (t + np.timedelta64(1, "h") <= e)
        best = np.where(inside, np.maximum(best, lv), best)
    codes = np.array([None, *LEVEL_ORDER], dtype=object)[best]
    index = times.index if isinstance(times, pd.Series) else None
    return pd.Series(codes, index=index, dtype="string")


def alert_days(log: pd.DataFrame, *, area: str | None = None, include_citywide: bool = True,
               as_of: pd.Timestamp | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """One row per calendar day under an alert, with the highest level in force that day.

    A level counts on a day when it is in force for more than ``settings.alert_day_min_hours``
    hours of it (default 0: any part of the day; UNVERIFIED, docs/alerts.md). Alerts still in
    force run until ``as_of`` (default: the end of the day of the latest start).

    Returns
    -------
    pandas.DataFrame
        ``date`` (midnight), ``level``, ``level_zh``, ``hours`` [h] (hours under that level on
        the day), sorted by date.
    """
    s = settings or DEFAULT
    _require(log, _LOG_COLUMNS, "alert log")
    f = _select_area(log, area, include_citywide)
    if f.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "level": pd.Series(dtype=str),
                             "level_zh": pd.Series(dtype=str), "hours": pd.Series(dtype=float)})
    if as_of is None:
        as_of = f["start"].max().floor("D") + pd.Timedelta(days=1)
    start = f["start"].to_numpy()
    end = f["end"].fillna(as_of).to_numpy()
    first = f["start"].dt.floor("D").to_numpy()
    n_days = ((end - first) // np.timedelta64(1, "D")).astype(np.int64) + 1
    rep = np.repeat(np.arange(len(f)), n_days)
    offs = np.arange(rep.size) - np.repeat(np.cumsum(n_days) - n_days, n_days)
    day = first[rep] + offs * np.timedelta64(1, "D")
    lo = np.maximum(start[rep], day)
    hi = np.minimum(end[rep], day + np.timedelta64(1, "D"))
    hours = (hi - lo) / np.timedelta64(1, "h")
    x = pd.DataFrame({"date": day, "rank": f["level"].map(_RANK).to_numpy()[rep], "hours": hours})
    x = x[x["hours"] > max(s.alert_day_min_hours, 0.0)]
    x = x.groupby(["date", "rank"], as_index=False)["hours"].sum()
    x = x.sort_values(["date", "rank"]).groupby("date", as_index=False).last()
    x["level"] = x["rank"].map(dict((r, c) for c, r in _RANK.items()))
    x["level_zh"] = x["level"].map(LEVEL_ZH)
    return x[["date", "level", "level_zh", "hours"]].reset_index(drop=True)


def _mmdd(text: str, what: str) -> tuple[int, int]:
    try:
        m, d = (int(v) for v in str(text).split("-"))
        pd.Timestamp(2000, m, d)
    except (ValueError, TypeError):
        raise InputDataError(f"setting {what}: {text!r} is not a MM-DD day") from None
    return m, d


def season_labels(dates: pd.Series | pd.DatetimeIndex, kind: str = "heating",
                  settings: Settings | None = None) -> pd.Series:
    """Season of each date: ``"2016–2017采暖季"`` / ``"非采暖季"`` (kind ``heating``) or
    ``"2016–2017秋冬季"`` / ``"其他"`` (kind ``campaign``); bounds from ``settings.heating_season``
    / ``settings.campaign_season`` (inclusive MM-DD; a season crossing the new year is named
    by its two years).
    """
    s = settings or DEFAULT
    if kind not in ("heating", "campaign"):
        raise InputDataError(f"kind must be 'heating' or 'campaign', not {kind!r}")
    bounds = s.heating_season if kind == "heating" else s.campaign_season
    name, other = ("采暖季", "非采暖季") if kind == "heating" else ("秋冬季", "其他")
    (m0, d0), (m1, d1) = (_mmdd(b, f"{kind}_season") for b in bounds)
    t = pd.DatetimeIndex(dates)
    key = t.month * 100 + t.day
    k0, k1 = m0 * 100 + d0, m1 * 100 + d1
    if k0 <= k1:  # within one calendar year
        inside = (key >= k0) & (key <= k1)
        y0 = t.year
        label = pd.Index(y0.astype(str)) + name
    else:
        late = key >= k0
        inside = late | (key <= k1)
        y0 = np.where(late, t.year, t.year - 1)
        label = pd.Index([f"{a}–{a + 1}{name}" for a in y0])  # one label per distinct day: fine
    out = np.where(inside, np.asarray(label, dtype=object), other)
    return pd.Series(out, index=dates.index if isinstance(dates, pd.Series) else None, dtype="string")


def alert_day_counts(days: pd.DataFrame, by: str = "heating", settings: Settings | None = None) -> pd.DataFrame:
    """Alert days per level and period, from :func:`alert_days`.

    Parameters
    ----------
    days : pandas.DataFrame
        ``date``, ``level`` (one row per day).
    by : {"month", "heating", "campaign"}
        Calendar month (``YYYY-MM``), heating season or autumn-winter campaign
        (:func:`season_labels`).

    Returns
    -------
    pandas.DataFrame [days]
        ``period`` and one column per level (``blue, yellow, orange, red``) plus ``total``;
        sorted by the first day of the period.
    """
    _require(days, ("date", "level"), "alert days")
    if by == "month":
        period = pd.DatetimeIndex(days["date"]).strftime("%Y-%m")
    else:
        period = season_labels(days["date"], by, settings).to_numpy()
    x = pd.DataFrame({"period": period, "level": days["level"].to_numpy(), "date": days["date"].to_numpy()})
    table = pd.crosstab(x["period"], x["level"]).reindex(columns=list(LEVEL_ORDER), fill_value=0)
    first = x.groupby("period")["date"].min()
    table = table.loc[first.sort_values().index]
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    return table.reset_index().astype({c: np.int64 for c in [*LEVEL_ORDER, "total"]})


#: Alert scheme used when no plan in force for the district has ``alert_rules``: the MEE
#: grading of 2017 (``data/raw/rules/alert_schemes/mee-2017.yaml``, [S]); docs/alerts.md.
DEFAULT_ALERT_SCHEME: str = "mee-2017"


def district_alert_rules(plans: Iterable[Any], month: Any, district: str,
                         settings: Settings | None = None) -> AlertRules:
    """The alert rules for ``district`` in ``month`` ([SEED-001] §28; docs/alerts.md).

    The first plan in force (:func:`airlib.io.plans.plans_in_force`, in the order given) that
    has an ``alert_rules`` block gives them (:func:`airlib.io.plans.alert_rules`); when none
    has, the scheme :data:`DEFAULT_ALERT_SCHEME` (:func:`airlib.io.plans.load_alert_scheme`).
    """
    for plan in plans_in_force(list(plans), month, district):
        if plan.alert_rules is not None:
            return alert_rules(plan, settings)
    return load_alert_scheme(DEFAULT_ALERT_SCHEME, settings)


def district_episodes(hourly: pd.DataFrame, stations: pd.DataFrame, towns: pd.DataFrame, district: str,
                      start: Any, end: Any, *, plans: Iterable[Any] = (), settings: Settings | None = None,
                      rolling: pd.DataFrame | None = None) -> pd.DataFrame:
    """The district's observed alert episodes overlapping ``[start, end)`` — "what the
    observations support" (issue #15; [SEED-001] §28).

    The one implementation used by the monthly report (:func:`airlib.report.content.alert_facts`),
    the daily report and the demo's alert log: A2's
    :func:`airlib.standards.alerts.alert_episodes` on the district's rolling 24-h AQI
    (:func:`airlib.tracking.rolling_aqi.unit_rolling_aqi`, ``level="district"``) under
    :func:`district_alert_rules` of the month holding the span's last hour.

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³; CO mg/m³]
        Hourly frame of the district's stations; it should start early enough before ``start``
        for an episode's start (an episode that began before the data is cut at their start).
    stations, towns : pandas.DataFrame
        The district's registries.
    district : str
        District name as the plans write it.
    start, end : Timestamp-like
        The span (end exclusive).
    plans : iterable of Plan
        The plans configured for the district (none: the default scheme).
    rolling : pandas.DataFrame, optional
        The district's rolling AQI when the caller has it already (else computed from ``hourly``).

    Returns
    -------
    pandas.DataFrame
        The episode frame of :func:`airlib.standards.alerts.alert_episodes` (``district_code``,
        ``episode``, ``start``, ``end`` exclusive or NaT = not lifted within the data, ``level`` …),
        episodes overlapping the span only, numbered 1… in time order.
    """
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if rolling is None:
        rolling = unit_rolling_aqi(hourly, stations, level="district", towns=towns, settings=settings)
    rules = district_alert_rules(plans, (t1 - pd.Timedelta(hours=1)).to_period("M"), district, settings)
    ep = alert_episodes(rolling, rules)
    if ep.empty:
        return ep
    ends = ep["end"]
    ep = ep[((ep["start"] < t1) & (ends.isna() | (ends > t0))).to_numpy(dtype=bool)].sort_values("start", kind="stable")
    ep = ep.reset_index(drop=True)
    ep["episode"] = np.arange(1, len(ep) + 1, dtype=np.int64)
    return ep
