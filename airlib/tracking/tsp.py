"""The city's half-monthly TSP ranking of 街道/乡镇 ([BJ-TSP-2022]) and the "退出后30名" targets.

The Beijing bureau's half-monthly notice "北京市生态环境局通报M月D日-D日街道(乡镇)大气粗颗粒物浓度排名"
(docs/references.md [BJ-TSP-2022]) has three parts,
reproduced here from the half-monthly values of :func:`airlib.io.tsp.read_tsp`:

* the **city ranking** (:func:`city_ranking`): descending TSP, "倒序" reverse competition rank
  with :func:`airlib.standards.ranking_rules.competition_rank` (1 = highest TSP = worst; ties
  share the smallest rank: 1, 2, 3, 3, 5 …); values are ranked as given (the table is at its
  published precision); a town without a value has no rank;
* the **后30名 table** (:func:`bottom_table`): every town whose reverse rank is ≤ 30 — more than
  30 rows when the 30th place is tied (the 2022-10 notice lists a tie group of 10 at rank 16) —
  with 排序(倒序) | 所属区 | 街道(乡镇); and the **10 worst** named in the text with their
  districts (:func:`worst_towns`, the same rule with N = 10, ties included);
* per district the **first three and last three** towns with their TSP
  (:func:`district_extremes`): ranks within the district, ascending for 前三 (1 = lowest TSP)
  and descending for 后三 (1 = highest), competition ranks, every town whose rank is ≤ 3 — so a
  tie at the third place lists all tied towns (more than three rows, never an arbitrary cut).
  A district with ≤ 3 ranked towns lists the same towns in both.

A town's **appearances** in the 后30名 over a span of half months (:func:`bottom_appearances`):
count, which halves, and runs of consecutive halves (2022-10 second half and 2022-11 first half
are consecutive).

**"退出后30名" targets** (metric ``tsp_rank``, kind ``rank_threshold``, value N; Xicheng 2021
plan T06: "各街道粗颗粒物（TSP）浓度排名退出全市后30名"), :func:`evaluate_tsp_targets`. Reading
(the plan does not define it; decision documented here and in docs/tsp.md): a town meets the
target in a half month when it is **not** in that half's 后N名 (reverse rank > N, ties counted
as published); over the target period it meets the target when it appeared in **none** of the
published halves of the period up to the report month (one appearance is a miss: the plan asks
every 街道 to be out of the list, not out on average). Windows, following
:mod:`airlib.tracking.targets`: 当月 (the report month's halves, context:
``CONTEXT_STATUS``) and 目标期累计 (target period start to the report month end, judged
达标/未达标; 数据不足 when the town has no value in any half of the window). ``current`` is the
number of appearances, ``n_valid`` the number of halves with a value for the town.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.plans import KINDS, METRICS, Plan
from airlib.periods import month_end, month_start, parse_month
from airlib.standards.ranking_rules import competition_rank
from airlib.tracking.targets import CONTEXT_STATUS, WINDOW_LABELS

__all__ = [
    "BOTTOM_N", "WORST_N", "EXTREME_N", "BOTTOM_HEADERS_ZH", "half_index", "half_label", "halves_of_month",
    "city_ranking", "bottom_table", "worst_towns", "district_extremes", "bottom_appearances",
    "evaluate_tsp_targets", "town_key_column",
]

#: Size of the published bottom list (后30名).
BOTTOM_N: Final[int] = 30
#: Towns named in the notice's text (the 10 worst).
WORST_N: Final[int] = 10
#: First/last towns per district (前三、后三).
EXTREME_N: Final[int] = 3

#: Headers of the 后30名 table as published.
BOTTOM_HEADERS_ZH: Final[dict[str, str]] = {"reverse_rank": "排序(倒序)", "district": "所属区", "town_name": "街道(乡镇)"}


def half_index(period_start: pd.Series | pd.Timestamp) -> pd.Series | int:
    """Running number of a half month: ``year × 24 + (month − 1) × 2 + (half − 1)``; consecutive
    halves differ by 1 (2022-10 16–31 → 2022-11 1–15)."""
    if isinstance(period_start, pd.Timestamp):
        return period_start.year * 24 + (period_start.month - 1) * 2 + (0 if period_start.day < 16 else 1)
    s = pd.to_datetime(period_start)
    return (s.dt.year * 24 + (s.dt.month - 1) * 2 + (s.dt.day >= 16).astype(int)).astype("int64")


def half_label(period_start: pd.Timestamp, language: str = "zh") -> str:
    """``2022年10月1日-15日`` / ``2022年10月16日-31日`` (English ``2022-10-01 to 2022-10-15``)."""
    ps = pd.Timestamp(period_start)
    last = 15 if ps.day < 16 else ps.days_in_month
    if language == "zh":
        return f"{ps.year}年{ps.month}月{ps.day}日-{last}日"
    return f"{ps:%Y-%m-%d} to {ps:%Y-%m}-{last:02d}"


def halves_of_month(month: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Starts of the two half months of ``month`` (the 1st and the 16th)."""
    m = parse_month(month)
    first = m.start_time.normalize()
    return first, first + pd.Timedelta(days=15)


def town_key_column(tsp: pd.DataFrame) -> pd.Series:
    """One key per town: its code when the registry matched it, else ``district_code:town_name``."""
    return tsp["town_code"].astype("string").fillna(
        tsp["district_code"].astype("string") + ":" + tsp["town_name"].astype("string"))


def city_ranking(tsp: pd.DataFrame, period_start: object, *, n: int = BOTTOM_N) -> pd.DataFrame:
    """The city ranking of one half month (descending TSP, reverse competition rank).

    Parameters
    ----------
    tsp : DataFrame
        :func:`airlib.io.tsp.read_tsp` output (any number of half months).
    period_start : date-like
        First day of the half month (the 1st or the 16th).
    n : int
        Size of the bottom list (后N名, default 30).

    Returns
    -------
    DataFrame
        The half month's rows sorted worst first (towns without a value last): the input columns
        plus ``reverse_rank`` (Int64, 1 = highest TSP; NA without a value), ``in_bottom`` (bool:
        reverse rank ≤ ``n``), ``n_ranked`` (towns with a value). Empty when the table has no row
        for that half month.
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, not {n}")
    ps = pd.Timestamp(period_start).normalize()
    t = tsp.loc[(pd.to_datetime(tsp["period_start"]) == ps).to_numpy(dtype=bool)].copy()
    t["reverse_rank"] = competition_rank(t["tsp"].astype("float64"), ascending=False)
    t["in_bottom"] = (t["reverse_rank"] <= n).fillna(False).astype(bool)
    t["n_ranked"] = int(t["tsp"].notna().sum())
    order = t["reverse_rank"].astype("Float64").fillna(np.inf).to_numpy(dtype="float64")
    t = t.iloc[np.lexsort((t["town_name"].astype(str).to_numpy(), t["district_code"].astype(str).to_numpy(), order))]
    return t.reset_index(drop=True)


def bottom_table(ranking: pd.DataFrame, n: int = BOTTOM_N) -> pd.DataFrame:
    """The 后N名 table: ``reverse_rank``, ``district``, ``town_name``, ``tsp`` of every town whose
    reverse rank is ≤ ``n`` (ties at the boundary included), worst first.

    Parameters
    ----------
    ranking : DataFrame
        :func:`city_ranking` of one half month.
    n : int
    """
    keep = (ranking["reverse_rank"] <= n).fillna(False).to_numpy(dtype=bool)
    cols = ["reverse_rank", "district", "town_name", "tsp", "town_code", "district_code"]
    return ranking.loc[keep, cols].reset_index(drop=True)


def worst_towns(ranking: pd.DataFrame, n: int = WORST_N) -> pd.DataFrame:
    """The towns the notice names in its text: reverse rank ≤ ``n`` (10), ties included."""
    return bottom_table(ranking, n)


def district_extremes(ranking: pd.DataFrame, district_code: str | None = None, *,
                      k: int = EXTREME_N) -> pd.DataFrame:
    """Each district's first and last ``k`` towns of one half month (前三、后三), with TSP.

    Parameters
    ----------
    ranking : DataFrame
        :func:`city_ranking` of one half month.
    district_code : str, optional
        Only this district (6 digits); default every district.
    k : int
        How many (3). Competition ranks within the district: every town whose rank is ≤ k is
        listed, so a tie at the k-th place lists all tied towns.

    Returns
    -------
    DataFrame
        ``district``, ``district_code``, ``which`` (``"first"`` 前三 = lowest TSP, ``"last"`` 后三 =
        highest), ``rank`` (within the district and direction, Int64), ``town_name``,
        ``town_code``, ``tsp``; by district code, first before last, then rank and name.
    """
    r = ranking.loc[ranking["tsp"].notna().to_numpy(dtype=bool)]
    if district_code is not None:
        r = r.loc[(r["district_code"].astype("string") == str(district_code)).to_numpy(dtype=bool)]
    parts = []
    for which, asc in (("first", True), ("last", False)):
        rk = competition_rank(r["tsp"].astype("float64"), ascending=asc, by=r["district_code"].astype(str))
        sel = (rk <= k).fillna(False).to_numpy(dtype=bool)
        part = r.loc[sel, ["district", "district_code", "town_name", "town_code", "tsp"]].copy()
        part.insert(2, "which", which)
        part.insert(3, "rank", rk[sel].to_numpy())
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    out["_w"] = (out["which"] == "last").astype(int)
    out = out.sort_values(["district_code", "_w", "rank", "town_name"]).drop(columns="_w")
    return out.reset_index(drop=True)


def bottom_appearances(tsp: pd.DataFrame, start: object, end: object, *, n: int = BOTTOM_N,
                       towns: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each town's appearances in the 后N名 over the half months starting in [start, end].

    Parameters
    ----------
    tsp : DataFrame
        :func:`airlib.io.tsp.read_tsp` output.
    start, end : date-like
        Half months whose first day lies within [start, end] (inclusive) are counted.
    n : int
    towns : DataFrame, optional
        Town registry: only these towns (``town_code``) are reported, each (with 0 appearances
        when never listed), under the registry's name. Default every town of ``tsp``.

    Returns
    -------
    DataFrame
        One row per town: ``town_key``, ``town_code``, ``town_name``, ``district``,
        ``appearances`` (int), ``halves_ranked`` (halves with a value), ``halves`` (tuple of
        half-month starts, in order), ``runs`` (tuple of (first start, last start, length) of
        consecutive halves), ``longest_run`` (int); most appearances first.
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    ps = pd.to_datetime(tsp["period_start"])
    sel = tsp.loc[((ps >= s) & (ps <= e)).to_numpy(dtype=bool)]
    parts = [city_ranking(sel, h, n=n) for h in sorted(pd.unique(pd.to_datetime(sel["period_start"])))]
    allr = pd.concat(parts, ignore_index=True) if parts else sel.assign(reverse_rank=pd.NA, in_bottom=False)
    allr = allr.assign(town_key=town_key_column(allr), hidx=half_index(allr["period_start"]) if len(allr) else 0)
    names = allr.groupby("town_key").agg(town_code=("town_code", "first"), town_name=("town_name", "first"),
                                         district=("district", "first"), halves_ranked=("tsp", "count"))
    listed = allr.loc[allr["in_bottom"].astype(bool)]
    rows = []
    for key, g in listed.groupby("town_key"):  # one loop per listed town (≤ a few hundred)
        hs = sorted(zip(g["hidx"], pd.to_datetime(g["period_start"]), strict=True))
        runs, cur = [], [hs[0]]
        for a, b in zip(hs, hs[1:], strict=False):
            if b[0] == a[0] + 1:
                cur.append(b)
            else:
                runs.append(cur)
                cur = [b]
        runs.append(cur)
        rows.append({"town_key": key, "appearances": len(hs), "halves": tuple(h[1] for h in hs),
                     "runs": tuple((r[0][1], r[-1][1], len(r)) for r in runs),
                     "longest_run": max(len(r) for r in runs)})
    app = pd.DataFrame(rows, columns=["town_key", "appearances", "halves", "runs", "longest_run"]).set_index("town_key")
    out = names.join(app, how="left")
    if towns is not None:
        codes = pd.Index(towns["town_code"].astype("string"), name="town_key")
        tn = pd.Series(towns["town_name"].astype("string").to_numpy(), index=codes)
        out = out.reindex(codes)
        out["town_code"] = codes
        out["town_name"] = tn  # the registry's current name (the file may use an older one: 王平镇 → 王平地区)
        if "district_name" in towns:
            out["district"] = out["district"].fillna(
                pd.Series(towns["district_name"].astype("string").to_numpy(), index=codes))
    out["appearances"] = out["appearances"].fillna(0).astype(int)
    out["longest_run"] = out["longest_run"].fillna(0).astype(int)
    out["halves_ranked"] = out["halves_ranked"].fillna(0).astype(int)
    out["halves"] = [h if isinstance(h, tuple) else () for h in out["halves"]]
    out["runs"] = [h if isinstance(h, tuple) else () for h in out["runs"]]
    out = out.reset_index().rename(columns={"index": "town_key"})
    out = out.sort_values(["appearances", "town_key"], ascending=[False, True]).reset_index(drop=True)
    return out[["town_key", "town_code", "town_name", "district", "appearances", "halves_ranked", "halves", "runs",
                "longest_run"]]


def evaluate_tsp_targets(plan: Plan, tsp: pd.DataFrame, month: object, towns: pd.DataFrame,
                         *, windows: tuple[str, ...] = ("month", "period")) -> pd.DataFrame:
    """Evaluate the plan's "退出后N名" TSP targets (``tsp_rank`` / ``rank_threshold``) for each town.

    Reading of the target (module docstring): not in the 后N名 of any published half month of
    the window; the target-period window (目标期累计) is judged, the report month (当月) is context.

    Parameters
    ----------
    plan : Plan
    tsp : DataFrame
        :func:`airlib.io.tsp.read_tsp` output covering the target period.
    month : month-like
        Report month; windows end on its last day.
    towns : DataFrame
        The district's town registry (``town_code``, ``town_name``): every town is evaluated
        (``each_town`` / ``district`` scope: all; ``town``: that town).
    windows : tuple of str

    Returns
    -------
    DataFrame
        The columns of :func:`airlib.tracking.targets.evaluate_targets` that apply
        (``target_id``, ``metric``, ``metric_label``, ``kind``, ``kind_label``, ``target_value``,
        ``area_level`` 镇街, ``area_code``, ``area_name``, ``window``, ``start``, ``end``,
        ``current`` = appearances, ``n_valid`` = halves with a value, ``status``) plus
        ``halves`` (the half months listed, tuple). Empty without a TSP target in force.
    """
    m = parse_month(month)
    m_start, m_end = month_start(m), month_end(m)
    rows = []
    for tgt in plan.targets:
        if tgt.metric != "tsp_rank" or tgt.kind != "rank_threshold":
            continue
        if tgt.value is None or float(tgt.value) < 0 or float(tgt.value) != int(tgt.value):
            raise InputDataError(f"target {tgt.id}: a rank threshold must be a whole number ≥ 0, not {tgt.value!r}")
        if tgt.district not in (None, plan.plan.district):
            continue
        n = int(tgt.value)
        t = towns
        if tgt.scope == "town":
            t = towns.loc[(towns["town_name"].astype(str) == str(tgt.town)).to_numpy(dtype=bool)]
        wins = [("month", m_start, m_end)]
        p_start, p_end = tgt.period.start_date, tgt.period.end_date
        if p_start <= m_end and m_start <= p_end:
            wins.append(("period", p_start, min(m_end, p_end)))
        for wname, ws, we in wins:
            if wname not in windows:
                continue
            app = bottom_appearances(tsp, ws, we, n=n, towns=t)
            judged = np.where(app["appearances"] > 0, "未达标", "达标") if wname == "period" else CONTEXT_STATUS
            status = np.where(app["halves_ranked"] == 0, "数据不足", judged)
            rows.append(pd.DataFrame({
                "target_id": tgt.id, "metric": tgt.metric, "metric_label": METRICS[tgt.metric][0], "kind": tgt.kind,
                "kind_label": KINDS[tgt.kind], "target_value": float(n), "area_level": "镇街",
                "area_code": app["town_code"].astype("string").to_numpy(), "area_name": app["town_name"].to_numpy(),
                "window": WINDOW_LABELS[wname], "start": ws, "end": we, "current": app["appearances"].to_numpy(),
                "n_valid": app["halves_ranked"].to_numpy(), "status": status, "halves": app["halves"].to_numpy(),
            }))
    cols = ["target_id", "metric", "metric_label", "kind", "kind_label", "target_value", "area_level", "area_code",
            "area_name", "window", "start", "end", "current", "n_valid", "status", "halves"]
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.concat(rows, ignore_index=True)[cols]
