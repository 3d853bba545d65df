"""Supervision of towns as the plans define it: 预警 reasons, month-by-month history, 约谈 candidates.

Seed 001 （十六）实施严格考核问责制度: "对各街乡镇空气质量改善和重点任务进展情况进行月调度、月排名、
月通报 … 向空气质量相对差、重点任务进展缓慢的各街乡镇下发预警通知函。对空气质量同比恶化明显、排名
靠后、重点任务进展缓慢的各街乡镇，北京市环保局将公开约谈当地政府主要负责人". The criteria are the
rules of :mod:`airlib.io.warning_rules` (their thresholds are UNVERIFIED settings of the rule
file, docs/warnings.md); this module applies them:

* :func:`warning_reasons` — every rule that applies to a town in a month, one row each, with the
  numbers behind it (the shared long frame read by the report and the 预警通知函 letters);
* :func:`warning_towns` — one row per warned town;
* :func:`supervision_history` — the reasons and ranks of several months, derived again from the
  town daily means and the ledgers (no state is kept between runs, so any past month can be
  reproduced);
* :func:`summons_candidates` — the towns meeting a 约谈 rule in the report month, with the
  conditions met and their months.

Rule kinds (all vectorised over towns):

``bottom_rank``
    后N名 on the month's PM2.5 concentration rank, ties at the boundary included
    (:func:`airlib.tracking.ranking.bottom_n`); ``value`` = reverse rank (倒数名次), ``threshold`` = N.
``yoy_worsening``
    the towns of :func:`airlib.tracking.ranking.worsening_list` (YoY > 0, towns meeting
    ``meets_limit`` left out) whose YoY change [%] is ≥ ``min_pct`` (``min_pct: 0`` is the
    worsening list itself); ``value`` = YoY [%], ``threshold`` = ``min_pct``.
``task_behind``
    at least ``min_tasks`` of the town's tasks (or ``min_share`` of its tasks with a positive
    target) have status 滞后 in :func:`airlib.tracking.progress.town_progress`; several plans'
    progress frames are counted together.
``task_overdue``
    at least ``min_tasks`` tasks 逾期未完成 (the day after the deadline; the deadline day is on time).
``target_missed``
    a town row of :func:`airlib.tracking.targets.evaluate_targets` in the rule's ``window`` with
    status 未达标 (the caller passes the town-scope and each-town targets of the plans in force;
    none → the rule finds nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.io.plans import METRICS
from airlib.io.warning_rules import KIND_LABELS, SummonsCondition, WarningRules
from airlib.periods import parse_month
from airlib.settings import DEFAULT, Settings
from airlib.standards.rounding import published_precision
from airlib.tracking.ranking import bottom_n, town_monthly_ranking, worsening_list

__all__ = [
    "REASON_COLUMNS", "SUMMONS_COLUMNS", "TOWN_COLUMNS", "SupervisionHistory", "history_months",
    "summons_candidates", "supervision_history", "warning_calendar", "warning_reasons", "warning_towns",
]

#: Columns of :func:`warning_reasons` (the shared interface, in this order).
REASON_COLUMNS: Final[tuple[str, ...]] = (
    "month", "town_code", "town_name", "rule_id", "kind", "label", "detail", "value", "threshold",
    "unit", "plan", "clause", "quote",
)

#: Columns of :func:`warning_towns`.
TOWN_COLUMNS: Final[tuple[str, ...]] = ("month", "town_code", "town_name", "n_reasons", "reasons")

#: Columns of :func:`summons_candidates`.
SUMMONS_COLUMNS: Final[tuple[str, ...]] = (
    "month", "town_code", "town_name", "summons_ids", "labels", "conditions", "months", "clauses", "quotes",
)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("value", "threshold") else "string")
                         for c in columns})


def _fmt(v: float, d: int) -> str:
    return f"{v:.{d}f}"


def _frame(rule: Any, month: str, codes: pd.Series, names: pd.Series, detail: pd.Series,
           value: pd.Series, threshold: float, unit: str) -> pd.DataFrame:
    """Rows of one rule: one per town, the rule's label, clause and quote."""
    n = len(codes)
    return pd.DataFrame({
        "month": pd.array([month] * n, dtype="string"),
        "town_code": pd.array(codes.astype("string").to_numpy(), dtype="string"),
        "town_name": pd.array(names.astype("string").to_numpy(), dtype="string"),
        "rule_id": pd.array([rule.id] * n, dtype="string"),
        "kind": pd.array([rule.kind] * n, dtype="string"),
        "label": pd.array([rule.title()] * n, dtype="string"),
        "detail": pd.array(detail.astype("string").to_numpy(), dtype="string"),
        "value": np.asarray(value, dtype="float64"),
        "threshold": np.full(n, float(threshold)),
        "unit": pd.array([unit] * n, dtype="string"),
        "plan": pd.array([rule.source.plan] * n, dtype="string"),
        "clause": pd.array([rule.source.clause] * n, dtype="string"),
        "quote": pd.array([rule.source.quote] * n, dtype="string"),
    })


def _bottom_rank(rule: Any, ranking: pd.DataFrame, month: pd.Period) -> pd.DataFrame:
    b = bottom_n(ranking, rule.n)
    if b.empty:
        return _empty(REASON_COLUMNS)
    d = int(published_precision("pm25", month))
    n_ranked = int(ranking["rank"].notna().sum())
    where = f"全区{n_ranked}个镇街" if n_ranked == len(ranking) else f"{n_ranked}个参与排名的镇街"
    detail = ("PM2.5月均浓度" + b["pm25"].map(lambda v: _fmt(v, d)) + " µg/m³，" + where + "中排名第"
              + b["rank"].astype("Int64").astype("string") + "（倒数第" + b["reverse_rank"].astype("Int64").astype("string") + "）")
    return _frame(rule, str(month), b["town_code"], b["town_name"], detail, b["reverse_rank"].astype("float64"),
                  rule.n, "名")


def _yoy_worsening(rule: Any, ranking: pd.DataFrame, month: pd.Period) -> pd.DataFrame:
    if "yoy_pct" not in ranking:
        return _empty(REASON_COLUMNS)
    w = worsening_list(ranking, meets_limit=rule.meets_limit)
    w = w.loc[(w["yoy_pct"].astype("float64") >= rule.min_pct - 1e-9).to_numpy(dtype=bool)]
    if w.empty:
        return _empty(REASON_COLUMNS)
    d, d_last = int(published_precision("pm25", month)), int(published_precision("pm25", month - 12))
    detail = ("PM2.5月均浓度" + w["pm25"].map(lambda v: _fmt(v, d)) + " µg/m³，去年同期"
              + w["pm25_last_year"].map(lambda v: _fmt(v, d_last)) + " µg/m³，同比上升"
              + w["yoy_pct"].map(lambda v: f"{v:.1f}") + "%")
    return _frame(rule, str(month), w["town_code"], w["town_name"], detail, w["yoy_pct"], rule.min_pct, "%")


def _progress(progress: pd.DataFrame | Sequence[pd.DataFrame] | None) -> pd.DataFrame | None:
    if progress is None:
        return None
    frames = [progress] if isinstance(progress, pd.DataFrame) else [p for p in progress if p is not None]
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    p = pd.concat(frames, ignore_index=True)
    p["town_code"] = p["town_code"].astype("string")
    p["_status"] = p["status"].astype("string")
    return p


def _task_list(rows: pd.DataFrame) -> pd.Series:
    """Per town: 'K03 任务；K05 任务' of the given task rows."""
    item = rows["task_id"].astype("string") + " " + rows["task"].astype("string")
    return item.groupby(rows["town_code"], sort=False).agg("；".join)


def _task_rule(rule: Any, progress: pd.DataFrame | None, month: pd.Period, status: str) -> pd.DataFrame:
    if progress is None:
        return _empty(REASON_COLUMNS)
    p = progress
    positive = (p["target"].astype("float64") > 0).fillna(False)
    hit = (p["_status"] == status).fillna(False)
    towns = p.loc[positive.to_numpy(dtype=bool)].groupby("town_code", sort=False).agg(
        town_name=("town_name", "first"), n_tasks=("task_id", "size"))
    towns["n_hit"] = hit[positive.to_numpy(dtype=bool)].groupby(p.loc[positive.to_numpy(dtype=bool), "town_code"]).sum()
    towns["n_hit"] = towns["n_hit"].fillna(0).astype("int64")
    share_rule = getattr(rule, "min_share", None) is not None
    if share_rule:
        value = towns["n_hit"] / towns["n_tasks"] * 100.0
        threshold, unit = rule.min_share * 100.0, "%"
        keep = (towns["n_hit"] > 0) & (value >= threshold - 1e-9)
    else:
        value = towns["n_hit"].astype("float64")
        threshold, unit = float(rule.min_tasks), "项"
        keep = towns["n_hit"] >= rule.min_tasks
    t = towns.loc[keep.to_numpy(dtype=bool)].copy()
    if t.empty:
        return _empty(REASON_COLUMNS)
    t["value"] = value[keep.to_numpy(dtype=bool)]
    rows = p.loc[(hit & positive).to_numpy(dtype=bool)]
    t["tasks"] = _task_list(rows).reindex(t.index)
    word = "滞后" if status == "滞后" else "逾期未完成"
    detail = (f"{word}任务" + t["n_hit"].astype("string") + "项（共" + t["n_tasks"].astype("string")
              + "项分解任务）：" + t["tasks"].astype("string"))
    if status == "逾期未完成":
        late = rows.groupby("town_code")["days_overdue"].max().reindex(t.index)
        detail = detail + "；最长逾期" + late.astype("Int64").astype("string") + "天"
    t = t.reset_index()
    return _frame(rule, str(month), t["town_code"], t["town_name"], detail.reset_index(drop=True),
                  t["value"], threshold, unit)


def _target_missed(rule: Any, targets: pd.DataFrame | None, month: pd.Period) -> pd.DataFrame:
    if targets is None or targets.empty:
        return _empty(REASON_COLUMNS)
    from airlib.tracking.targets import WINDOW_LABELS

    window = WINDOW_LABELS.get(rule.window, rule.window)  # evaluate_targets labels its windows
    t = targets.loc[((targets["area_level"] == "镇街") & (targets["window"] == window)
                     & (targets["status"] == "未达标")).to_numpy(dtype=bool)].copy()
    if t.empty:
        return _empty(REASON_COLUMNS)
    unit = t["metric"].map(lambda m: METRICS.get(m, ("", ""))[1]).astype("string")
    start = pd.to_datetime(t["start"]).dt.strftime("%Y-%m-%d")
    end = pd.to_datetime(t["end"]).dt.strftime("%Y-%m-%d")
    # one decimal, or as many (≤ 3) as it takes for the printed value to exceed the printed level:
    # "31.5 … 目标不高于31.5" would contradict the 未达标 it explains
    cur, lvl = t["current"].to_numpy(dtype=float), t["target_level"].to_numpy(dtype=float)
    dec = np.select([np.round(cur, 1) > np.round(lvl, 1), np.round(cur, 2) > np.round(lvl, 2)], [1, 2], 3)
    shown_cur = pd.Series([f"{v:.{d}f}" for v, d in zip(cur, dec, strict=True)], index=t.index)  # a few rows
    shown_lvl = pd.Series([f"{v:.{d}f}" for v, d in zip(lvl, dec, strict=True)], index=t.index)
    detail = (t["metric_label"].astype("string") + "（" + start + "至" + end + "）"
              + shown_cur + " " + unit + "，目标不高于"
              + shown_lvl + " " + unit + "（目标" + t["target_id"].astype("string")
              + ("，" + t["plan"].astype("string") if "plan" in t else "") + "）")
    out = _frame(rule, str(month), t["area_code"], t["area_name"], detail, t["current"], np.nan, "")
    out["threshold"] = t["target_level"].to_numpy(dtype="float64")
    out["unit"] = pd.array(unit.to_numpy(), dtype="string")
    return out


def warning_reasons(
    rules: WarningRules,
    ranking: pd.DataFrame,
    progress: pd.DataFrame | Sequence[pd.DataFrame] | None,
    targets: pd.DataFrame | None,
    month: str | pd.Period,
) -> pd.DataFrame:
    """Every warning rule that applies to each town in ``month``, with the numbers behind it.

    Implements the 预警通知函 criterion of seed 001 （十六）实施严格考核问责制度 with the rules of
    ``rules`` (thresholds UNVERIFIED, docs/warnings.md).

    Parameters
    ----------
    rules : WarningRules
        :func:`airlib.io.warning_rules.load_warning_rules`.
    ranking : DataFrame
        :func:`airlib.tracking.ranking.town_monthly_ranking` of ``month`` (``pm25`` [µg/m³], ``rank``,
        ``pm25_last_year`` [µg/m³], ``yoy_pct`` [%], ``town_name``).
    progress : DataFrame, list of DataFrame or None
        :func:`airlib.tracking.progress.town_progress` as of the month's end, one frame per plan in
        force; None: the task rules find nothing.
    targets : DataFrame or None
        :func:`airlib.tracking.targets.evaluate_targets` rows of the town-scope and each-town targets
        of the plans in force (optionally with ``plan``); None: ``target_missed`` finds nothing.
    month : str or Period
        The month evaluated.

    Returns
    -------
    DataFrame
        :data:`REASON_COLUMNS`: one row per (town, rule that applies); towns worst concentration
        rank first, then the rules in file order.
    """
    m = parse_month(month)
    prog = _progress(progress)
    parts = []
    for rule in rules.rules:
        if rule.kind == "bottom_rank":
            parts.append(_bottom_rank(rule, ranking, m))
        elif rule.kind == "yoy_worsening":
            parts.append(_yoy_worsening(rule, ranking, m))
        elif rule.kind == "task_behind":
            parts.append(_task_rule(rule, prog, m, "滞后"))
        elif rule.kind == "task_overdue":
            parts.append(_task_rule(rule, prog, m, "逾期未完成"))
        else:
            parts.append(_target_missed(rule, targets, m))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty(REASON_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    order = {r.id: i for i, r in enumerate(rules.rules)}
    rank = ranking.set_index(ranking["town_code"].astype("string"))["rank"].astype("Float64")
    out["_rank"] = out["town_code"].map(rank).astype("float64").fillna(-np.inf)
    out["_rule"] = out["rule_id"].map(order)
    out = out.sort_values(["_rank", "town_code", "_rule"], ascending=[False, True, True], kind="stable")
    return out[list(REASON_COLUMNS)].reset_index(drop=True)


def warning_towns(reasons: pd.DataFrame) -> pd.DataFrame:
    """One row per warned town (and month): :data:`TOWN_COLUMNS`, ``n_reasons`` = rows of
    ``reasons``, ``reasons`` = the distinct labels joined by '；' (two plans' targets missed give
    two reasons and one label 空气质量目标未达标).

    Towns keep the order of ``reasons`` (worst concentration rank first).
    """
    if reasons.empty:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "n_reasons" else "string") for c in TOWN_COLUMNS})
    g = reasons.groupby(["month", "town_code"], sort=False)
    out = g.agg(town_name=("town_name", "first"), n_reasons=("rule_id", "size"),
                reasons=("label", lambda s: "；".join(dict.fromkeys(s)))).reset_index()
    out["n_reasons"] = out["n_reasons"].astype("Int64")
    out["reasons"] = out["reasons"].astype("string")
    return out[list(TOWN_COLUMNS)]


@dataclass(frozen=True)
class SupervisionHistory:
    """Warnings and ranks month by month (:func:`supervision_history`).

    Attributes
    ----------
    months : tuple of str
        The months evaluated, ``YYYY-MM``, oldest first (the report month last).
    reasons : DataFrame
        :func:`warning_reasons` of every month, concatenated.
    ranks : DataFrame
        ``month``, ``town_code``, ``town_name``, ``pm25`` [µg/m³], ``rank``, ``yoy_pct`` [%] of every month.
    towns : DataFrame
        ``town_code``, ``town_name`` of the towns evaluated.
    """

    months: tuple[str, ...]
    reasons: pd.DataFrame
    ranks: pd.DataFrame
    towns: pd.DataFrame


def history_months(rules: WarningRules, month: str | pd.Period, *, at_least: int = 6,
                   at_most: int = 12) -> list[pd.Period]:
    """The months a report of ``month`` evaluates: as many as the summons rules read
    (:meth:`WarningRules.months_needed`), at least ``at_least`` (the history table), at most
    ``at_most``, ending with ``month``, oldest first."""
    m = parse_month(month)
    n = min(max(rules.months_needed(), at_least), at_most)
    return [m - k for k in range(n - 1, -1, -1)]


def supervision_history(
    rules: WarningRules,
    town_daily: pd.DataFrame,
    months: Sequence[str | pd.Period],
    *,
    towns: pd.DataFrame,
    progress: Mapping[str, pd.DataFrame | Sequence[pd.DataFrame] | None] | Callable[[pd.Period], Any] | None = None,
    targets: Mapping[str, pd.DataFrame | None] | Callable[[pd.Period], Any] | None = None,
    rankings: Mapping[str, pd.DataFrame] | None = None,
    settings: Settings = DEFAULT,
) -> SupervisionHistory:
    """Warnings and ranks of several months, derived from the town daily means and the ledgers.

    Each month is ranked by :func:`airlib.tracking.ranking.town_monthly_ranking` (the report's
    function) and judged by :func:`warning_reasons`, so a past month gives the same reasons as
    its own report would have (no state files, nothing read from old reports).

    Parameters
    ----------
    rules : WarningRules
    town_daily : DataFrame
        Town daily PM2.5 [µg/m³] (:func:`airlib.tracking.aggregation.aggregate_daily`), covering the
        months and the same months a year earlier.
    months : sequence of str or Period
        The months to evaluate (:func:`history_months`).
    towns : DataFrame
        Town registry (every town listed, names attached).
    progress, targets : mapping 'YYYY-MM' → frames, or callable(Period) → frames, optional
        Task progress (:func:`airlib.tracking.progress.town_progress` as of each month's end, one
        frame per plan in force) and town target rows of each month; missing → the rules find nothing.
    rankings : mapping 'YYYY-MM' → DataFrame, optional
        Rankings already computed (the report month's), not computed again.
    settings : Settings

    Returns
    -------
    SupervisionHistory
    """
    def get(src: Any, m: pd.Period) -> Any:
        if src is None:
            return None
        return src(m) if callable(src) else src.get(str(m))

    periods = sorted(parse_month(m) for m in months)
    reasons, ranks = [], []
    for m in periods:  # ≤ 24 months: a loop over months, vectorised over towns
        r = (rankings or {}).get(str(m))
        if r is None:
            r = town_monthly_ranking(town_daily, m, towns=towns, settings=settings)
        reasons.append(warning_reasons(rules, r, get(progress, m), get(targets, m), m))
        cols = [c for c in ("town_code", "town_name", "pm25", "rank", "yoy_pct") if c in r]
        ranks.append(r[cols].assign(month=str(m)))
    reasons = [x for x in reasons if len(x)]
    return SupervisionHistory(
        months=tuple(str(m) for m in periods),
        reasons=pd.concat(reasons, ignore_index=True) if reasons else _empty(REASON_COLUMNS),
        ranks=pd.concat(ranks, ignore_index=True) if ranks else pd.DataFrame(),
        towns=towns[["town_code", "town_name"]].astype("string").reset_index(drop=True),
    )


def _window(cond: SummonsCondition, months: Sequence[str], month: pd.Period) -> list[str]:
    """The history months a condition looks at (module :mod:`airlib.io.warning_rules`)."""
    have = [m for m in months if pd.Period(m, freq="M") <= month]
    if cond.consecutive is not None:
        want = [str(month - k) for k in range(cond.consecutive - 1, -1, -1)]
    elif isinstance(cond.window, int):
        want = [str(month - k) for k in range(cond.window - 1, -1, -1)]
    elif cond.window == "season":  # October–March containing the month; none in April–September
        if 4 <= month.month <= 9:
            return []
        start = pd.Period(year=month.year if month.month >= 10 else month.year - 1, month=10, freq="M")
        want = [str(p) for p in pd.period_range(start, month, freq="M")]
    else:  # year
        want = [str(p) for p in pd.period_range(pd.Period(year=month.year, month=1, freq="M"), month, freq="M")]
    return [m for m in want if m in have] if cond.consecutive is None else want


def _kinds(cond: SummonsCondition) -> list[str]:
    """The warning kinds a condition counts (``kind``: one or a list)."""
    return list(cond.kind) if isinstance(cond.kind, list) else [cond.kind]


def _condition_text(rules: WarningRules, cond: SummonsCondition, window: list[str], count: int,
                    met_months: list[str]) -> str:
    if cond.rule is not None:
        what = rules.rule(cond.rule).title()
    elif cond.kind is not None:
        kinds = _kinds(cond)
        what = KIND_LABELS[kinds[0]] if len(kinds) == 1 else f"被预警（{'、'.join(KIND_LABELS[k] for k in kinds)}）"
    else:
        what = "被预警"
    months = "、".join(met_months)
    if cond.consecutive is not None:
        head = f"本月{what}" if cond.consecutive == 1 else f"连续{cond.consecutive}个月{what}"
    elif isinstance(cond.window, int):
        head = f"近{cond.window}个月中{count}个月{what}"
    elif cond.window == "season":
        # April–September lie outside every season: an empty window, never met (its text is
        # only built, never shown)
        head = f"本季（{window[0]}起）{count}个月{what}" if window else f"本季（本月不在10月至次年3月内）{count}个月{what}"
    else:
        head = f"本年{count}个月{what}"
    return f"{head}（{months}）"


def summons_candidates(rules: WarningRules, history: SupervisionHistory, month: str | pd.Period) -> pd.DataFrame:
    """Towns meeting a 约谈 rule in ``month``, with the conditions met and their months.

    Seed 001 （十六）: "对空气质量同比恶化明显、排名靠后、重点任务进展缓慢的各街乡镇 … 公开约谈". Each
    summons rule of ``rules`` holds when every condition of its ``all_of`` holds
    (``consecutive: N``: the N months ending with ``month`` all have the warning — a month
    missing from the history breaks the run; ``at_least: K`` in ``window``: K of the window's
    months have it).

    Parameters
    ----------
    rules : WarningRules
    history : SupervisionHistory
        :func:`supervision_history` including ``month`` and the months the rules read.
    month : str or Period

    Returns
    -------
    DataFrame
        :data:`SUMMONS_COLUMNS`, one row per candidate town (worst current rank first):
        ``summons_ids`` ('Y1、Y4'), ``labels``, ``conditions`` (zh, e.g.
        '连续3个月浓度排名后3名（2026-08、2026-09、2026-10）', joined by '；'), ``months`` (every month
        cited, '、'), ``clauses`` and ``quotes`` of the rules met.
    """
    m = parse_month(month)
    towns = history.towns.set_index("town_code")["town_name"]
    r = history.reasons
    rows: list[dict[str, Any]] = []
    for s in rules.summons:
        met = pd.Series(True, index=towns.index)
        texts: list[pd.Series] = []
        months_cited: list[pd.Series] = []
        for cond in s.all_of:
            window = _window(cond, history.months, m)
            sel = r["month"].isin(window)
            if cond.rule is not None:
                sel &= r["rule_id"] == cond.rule
            elif cond.kind is not None:
                sel &= r["kind"].isin(_kinds(cond))
            flags = pd.crosstab(r.loc[sel.to_numpy(dtype=bool), "town_code"], r.loc[sel.to_numpy(dtype=bool), "month"])
            flags = (flags.reindex(index=towns.index, columns=window, fill_value=0) > 0)
            count = flags.sum(axis=1)
            need = cond.consecutive if cond.consecutive is not None else cond.at_least
            ok = (count >= need) & (len(window) >= need)
            met &= ok
            cols = np.asarray(window, dtype=object)
            hit_months = [list(cols[row]) for row in flags.to_numpy(dtype=bool)]
            texts.append(pd.Series([_condition_text(rules, cond, window, int(c), hm) for c, hm
                                    in zip(count, hit_months, strict=True)], index=towns.index))
            months_cited.append(pd.Series(hit_months, index=towns.index))
        for code in met.index[met.to_numpy(dtype=bool)]:  # the candidates only (a handful of towns)
            cited = sorted({x for ms in months_cited for x in ms[code]})
            rows.append({"town_code": code, "summons_id": s.id, "label": s.label,
                         "condition": "，且".join(t[code] for t in texts), "months": cited,
                         "clause": s.source.clause, "quote": s.source.quote})
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in SUMMONS_COLUMNS})
    long = pd.DataFrame(rows)
    g = long.groupby("town_code", sort=False)
    out = g.agg(summons_ids=("summons_id", "、".join), labels=("label", "；".join),
                conditions=("condition", "；".join),
                months=("months", lambda s: "、".join(sorted({x for ms in s for x in ms}))),
                clauses=("clause", lambda s: "；".join(dict.fromkeys(s))),
                quotes=("quote", lambda s: "；".join(dict.fromkeys(s)))).reset_index()
    out["town_name"] = out["town_code"].map(towns)
    out["month"] = str(m)
    rk = history.ranks.loc[history.ranks["month"] == str(m)].set_index("town_code")["rank"] if len(history.ranks) else pd.Series(dtype="Float64")
    out["_rank"] = out["town_code"].map(rk).astype("float64").fillna(-np.inf)
    out = out.sort_values(["_rank", "town_code"], ascending=[False, True], kind="stable")
    return out[list(SUMMONS_COLUMNS)].astype("string").reset_index(drop=True)


def warning_calendar(history: SupervisionHistory, month: str | pd.Period) -> pd.DataFrame:
    """Warned months of each town over the last six months to ``month`` (of those in the
    history; this covers a whole October–March season by March and shows, early in a season,
    the months the 约谈 conditions count), one column per month (number of reasons; 0 = not
    warned), towns warned at least once, in registry order.

    Returns
    -------
    DataFrame
        ``town_code``, ``town_name``, one int column per month ``YYYY-MM``, ``n_months`` (months warned).
    """
    m = parse_month(month)
    window = [str(m - k) for k in range(5, -1, -1)]
    window = [w for w in window if w in history.months]
    r = history.reasons.loc[history.reasons["month"].isin(window)]
    counts = pd.crosstab(r["town_code"], r["month"]).reindex(columns=window, fill_value=0)
    t = history.towns
    counts = counts.reindex(t["town_code"]).dropna(how="all")
    counts = counts.loc[counts.sum(axis=1) > 0].astype("int64")
    out = counts.reset_index()
    out.insert(1, "town_name", out["town_code"].map(t.set_index("town_code")["town_name"]).astype("string"))
    out["n_months"] = (counts > 0).sum(axis=1).to_numpy(dtype="int64")
    out.columns.name = None
    return out.reset_index(drop=True)
