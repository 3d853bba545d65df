"""Dustfall (降尘) and road-dust load (道路尘土残存量): town monthly values, ranking, changes, targets.

Rules (``docs/dust.md``, sections 降尘 and 道路尘土残存量):

* **Month of a dustfall period.** A sampling period belongs to the calendar month holding most
  of its days; on a tie (e.g. 15 days in each of two months) to the earlier month.
* **Town monthly dustfall** [t/km²·30 d]: the mean of its points; a point with several periods
  in one month contributes their day-weighted mean. **District**: the mean of its towns (each
  town weighs the same; with one point per town, as in the city network, this equals the mean
  of points).
* **Road dust** [g/m²]: town monthly mean = mean of all samples of the town's roads in the
  month; district = mean of towns.
* **Ranking**: ascending (the lowest value is 1), competition ties
  (:func:`airlib.standards.ranking_rules.competition_rank`) on the value rounded to
  ``decimals`` (1, as published).
* **Changes**: YoY and change on a base year [%] by
  :func:`airlib.standards.ranking_rules.yoy_percent` (same month of the earlier year).
* **Targets** (metrics ``dustfall``, ``road_dust_load`` of the plan files): the mean of the monthly
  values over the target's period up to the report month, held to the cap (``absolute_cap``) or
  to the comparison period's mean × (1 − r) (``reduction_vs_base_year``/``_vs_last_year``);
  met by :func:`airlib.tracking.targets.meets_target` ("小于" strictly below, ``strict: true``).
  Xicheng's "扣除沙尘影响" is noted, not applied: the bureau's dustfall sheets are taken as
  delivered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from airlib.io.plans import KINDS, METRICS, Plan
from airlib.periods import parse_month
from airlib.standards.ranking_rules import competition_rank, yoy_percent
from airlib.standards.rounding import round_gbt8170
from airlib.tracking.targets import is_strict, meets_target

__all__ = [
    "DUST_METRICS",
    "assign_months",
    "dustfall_monthly",
    "road_dust_monthly",
    "district_monthly",
    "month_table",
    "evaluate_dust_targets",
]

#: Metric of a plan target → the value column of the monthly frames.
DUST_METRICS: dict[str, str] = {"dustfall": "dustfall", "road_dust_load": "road_dust"}


def assign_months(periods: pd.DataFrame) -> pd.Series:
    """The month of each sampling period: the month holding most of its days (tie → earlier).

    Parameters
    ----------
    periods : DataFrame
        ``start`` (inclusive), ``end`` (exclusive), datetime64 days.

    Returns
    -------
    Series of Period[M]
        Same index as ``periods``.
    """
    if periods.empty:
        return pd.Series([], index=periods.index, dtype="period[M]")
    days = ((periods["end"] - periods["start"]).dt.days).to_numpy(dtype="int64")
    pos = np.repeat(np.arange(len(periods)), days)
    offset = np.arange(days.sum()) - np.repeat(np.cumsum(days) - days, days)
    day = periods["start"].to_numpy(dtype="datetime64[D]")[pos] + offset.astype("timedelta64[D]")
    month = day.astype("datetime64[M]")
    counts = pd.DataFrame({"pos": pos, "month": month}).groupby(["pos", "month"], sort=True).size().reset_index(name="n")
    # the earliest month with the largest count, per period (sorted by month, stable sort on -n)
    best = counts.sort_values(["pos", "n", "month"], ascending=[True, False, True], kind="stable").drop_duplicates("pos")
    out = pd.Series(pd.PeriodIndex(pd.to_datetime(best["month"].to_numpy()), freq="M"), index=best["pos"].to_numpy())
    return pd.Series(out.reindex(np.arange(len(periods))).to_numpy(), index=periods.index, dtype="period[M]")


def dustfall_monthly(dustfall: pd.DataFrame) -> pd.DataFrame:
    """Monthly dustfall per town [t/km²·30 d] from :func:`airlib.io.dust.read_dustfall`'s frame.

    Returns
    -------
    DataFrame
        ``month`` (Period[M]), ``town_code``, ``town_name``, ``dustfall`` (mean of points),
        ``n_points``.
    """
    d = dustfall.assign(month=assign_months(dustfall), _w=dustfall["dustfall_30d"] * dustfall["days"])
    pt = d.groupby(["month", "town_code", "town_name", "point"], observed=True, sort=True)[["_w", "days"]].sum()
    pt["v"] = pt["_w"] / pt["days"]
    town = pt.groupby(level=["month", "town_code", "town_name"], observed=True)["v"].agg(["mean", "size"])
    return (town.rename(columns={"mean": "dustfall", "size": "n_points"}).reset_index()
            .astype({"n_points": "int64"}))


def road_dust_monthly(road_dust: pd.DataFrame) -> pd.DataFrame:
    """Monthly road-dust load per town [g/m²]: mean of the samples of its roads in the month.

    Returns
    -------
    DataFrame
        ``month`` (Period[M]), ``town_code``, ``town_name``, ``road_dust``, ``n_roads``, ``n_samples``.
    """
    d = road_dust.assign(month=road_dust["date"].dt.to_period("M"))
    g = d.groupby(["month", "town_code", "town_name"], observed=True, sort=True)
    return pd.DataFrame({"road_dust": g["load"].mean(), "n_roads": g["road"].nunique(),
                         "n_samples": g["load"].size()}).reset_index()


def district_monthly(town_monthly: pd.DataFrame, value: str) -> pd.DataFrame:
    """District monthly value: the mean of the towns' monthly values (``month``, ``value``, ``n_towns``)."""
    g = town_monthly.groupby("month", sort=True)[value]
    return pd.DataFrame({value: g.mean(), "n_towns": g.count()}).reset_index()


def month_table(town_monthly: pd.DataFrame, value: str, month, *, base_year: int | None = None,
                decimals: int = 1) -> pd.DataFrame:
    """The towns' table of one month: value, rank, YoY and change on ``base_year``.

    Parameters
    ----------
    town_monthly : DataFrame
        :func:`dustfall_monthly` or :func:`road_dust_monthly`.
    value : {"dustfall", "road_dust"}
        The value column [t/km²·30 d or g/m²].
    month : str or Period
        The report month.
    base_year : int, optional
        Base year of the change (the plans: 2017); the same month of that year.
    decimals : int
        Decimals of the published value (GB/T 8170); ranks and changes use the rounded values.

    Returns
    -------
    DataFrame
        ``town_code``, ``town_name``, ``value``, ``rank`` (Int64, ascending, competition ties),
        ``last_year``, ``yoy_pct``, ``base``, ``base_pct`` — sorted by rank.
    """
    m = pd.Period(parse_month(month), freq="M")
    tm = town_monthly.assign(_r=round_gbt8170(town_monthly[value].to_numpy(dtype="float64"), decimals))
    cur = tm[tm["month"] == m].reset_index(drop=True)
    by_town = tm.set_index(["month", "town_code"])["_r"]

    def earlier(year: int) -> np.ndarray:
        pm = pd.Period(year=year, month=m.month, freq="M")
        idx = pd.MultiIndex.from_arrays([[pm] * len(cur), cur["town_code"].to_numpy()])
        return by_town.reindex(idx).to_numpy(dtype="float64")

    out = pd.DataFrame({"town_code": cur["town_code"], "town_name": cur["town_name"], "value": cur["_r"]})
    out["rank"] = competition_rank(out["value"], ascending=True)
    out["last_year"] = earlier(m.year - 1)
    out["yoy_pct"] = yoy_percent(out["value"], out["last_year"].to_numpy())
    out["base"] = earlier(base_year) if base_year is not None else np.nan
    out["base_pct"] = yoy_percent(out["value"], out["base"].to_numpy()) if base_year is not None else np.nan
    return out.sort_values(["rank", "town_code"], kind="stable", na_position="last").reset_index(drop=True)


def _period_mean(monthly: pd.DataFrame, value: str, key: str | None, start: pd.Period, end: pd.Period) -> pd.Series:
    w = monthly[(monthly["month"] >= start) & (monthly["month"] <= end)]
    if key is None:
        return pd.Series({"区": w[value].mean()}) if len(w) else pd.Series({"区": np.nan})
    return w.groupby(key)[value].mean()


def evaluate_dust_targets(plan: Plan, town_monthly: pd.DataFrame, month, *, metric: str = "dustfall",
                          towns: pd.DataFrame | None = None) -> pd.DataFrame:
    """Evaluate the plan's ``dustfall`` / ``road_dust_load`` targets up to ``month``.

    The current value is the mean of the monthly values from the target's first month to
    ``month`` (or the period's end if earlier); reductions compare it with the same months of
    the base year (``reduction_vs_base_year``) or of last year. District-scope targets are held
    by the district mean (of towns); ``each_town`` targets by every town as well; ``town``
    targets by that town.

    Parameters
    ----------
    plan : Plan
    town_monthly : DataFrame
        :func:`dustfall_monthly` (``metric="dustfall"``) or :func:`road_dust_monthly`
        (``metric="road_dust_load"``).
    month : str or Period
        The report month.
    metric : {"dustfall", "road_dust_load"}
    towns : DataFrame, optional
        Town registry, to resolve ``town`` targets by name.

    Returns
    -------
    DataFrame
        One row per target and area: ``target_id``, ``metric``, ``metric_label``, ``kind``,
        ``kind_label``, ``target_value``, ``base_year``, ``unit``, ``strict`` (bool), ``comparison_word``
        ("小于"/"不高于"), ``area_level`` ("区"/"街乡镇"), ``area_code``, ``area_name``, ``start``,
        ``end`` (months), ``current`` (mean of the months so far), ``comparison`` (the same months of
        the base year for base-year reductions, else of last year), ``change_pct``, ``target_level``,
        ``status`` ("达标"/"未达标"/"数据不足": the period-to-date judgement), ``approx``, ``strive``,
        ``note`` (the plan's note, e.g. 扣除沙尘影响,
        with "（降尘按报送数据评价，未扣除沙尘）" when the plan asks for the exclusion).
    """
    value = DUST_METRICS[metric]
    m = pd.Period(parse_month(month), freq="M")
    names = dict(zip(town_monthly["town_code"], town_monthly["town_name"], strict=False))
    if towns is not None:
        names.update(zip(towns["town_code"].astype(str), towns["town_name"].astype(str), strict=True))
    dist = district_monthly(town_monthly, value) if len(town_monthly) else pd.DataFrame(columns=["month", value])
    rows = []
    for g in plan.targets:  # a handful of targets per plan: not a per-row loop over data
        if g.metric != metric or g.kind not in ("absolute_cap", "reduction_vs_base_year", "reduction_vs_last_year"):
            continue
        start, p_end = pd.Period(g.period.start, freq="M"), pd.Period(g.period.end, freq="M")
        if m < start:
            continue
        end = min(m, p_end)
        shift = (g.base_year - p_end.year) if g.kind == "reduction_vs_base_year" else -1
        areas: list[tuple[str, str, str, pd.Series, pd.Series]] = []
        cur_d = _period_mean(dist, value, None, start, end)
        cmp_d = _period_mean(dist, value, None, start + 12 * shift, end + 12 * shift)
        areas.append(("区", plan.plan.district_code or plan.plan.district, plan.plan.district,
                      cur_d.get("区", np.nan), cmp_d.get("区", np.nan)))
        if g.scope in ("each_town", "town"):
            cur_t = _period_mean(town_monthly, value, "town_code", start, end)
            cmp_t = _period_mean(town_monthly, value, "town_code", start + 12 * shift, end + 12 * shift)
            codes = sorted(set(cur_t.index) | set(cmp_t.index))
            if g.scope == "town":
                codes = [c for c in codes if c == g.town or names.get(c) == g.town]
                areas = []
            areas += [("街乡镇", c, names.get(c, c), cur_t.get(c, np.nan), cmp_t.get(c, np.nan)) for c in codes]
        strict = is_strict(g)
        for level, code, name, cur, cmp_ in areas:
            if g.kind == "absolute_cap":
                lvl = float(g.value)
            else:
                lvl = cmp_ * (1.0 - (0.0 if g.value is None else float(g.value)) / 100.0)
            change = (cur - cmp_) / cmp_ * 100.0 if cmp_ and np.isfinite(cmp_) and cmp_ > 0 else np.nan
            met = bool(meets_target(cur, lvl, strict=strict))
            status = "数据不足" if not (np.isfinite(cur) and np.isfinite(lvl)) else ("达标" if met else "未达标")
            note = g.note or ""
            if "沙尘" in note:
                note += "（降尘按报送数据评价，未另行扣除沙尘）"
            rows.append({
                "target_id": g.id, "metric": metric, "metric_label": METRICS[metric][0], "kind": g.kind,
                "kind_label": KINDS[g.kind], "target_value": np.nan if g.value is None else float(g.value),
                "base_year": g.base_year, "unit": g.unit, "strict": strict, "comparison_word": "小于" if strict else "不高于",
                "area_level": level, "area_code": str(code), "area_name": name, "start": start, "end": end,
                "current": cur, "comparison": cmp_, "change_pct": change,
                "target_level": lvl, "status": status, "approx": g.approx, "strive": g.strive, "note": note,
            })
    cols = ["target_id", "metric", "metric_label", "kind", "kind_label", "target_value", "base_year", "unit", "strict",
            "comparison_word", "area_level", "area_code", "area_name", "start", "end", "current", "comparison",
            "change_pct", "target_level", "status", "approx", "strive", "note"]
    return pd.DataFrame(rows, columns=cols)
