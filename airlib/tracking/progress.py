"""Task progress per town and task: completion, schedule, status, scores, overdue list.

Definitions (all per town and task, as of a date ``as_of``):

* ``completed``: the latest ``累计完成`` reported for a month ending on or before ``as_of``
  (0 with ``reported=False`` when the town has sent nothing yet);
* ``completion_rate`` = completed / target; a **zero target** counts as done (rate 1);
  a town with **no share of the task** (progress reported, no target) has rate NaN;
* ``elapsed_share``: share of the time from the task start (the task's ``start``, else
  the plan's issue date, else the plan period start) to the deadline that has passed,
  clipped to [0, 1]; on the deadline day it is 1;
* ``status``:
  ``已完成`` rate ≥ 1; ``逾期未完成`` rate < 1 and ``as_of`` after the deadline (the
  deadline day itself is still on time); ``按期推进`` rate ≥ elapsed share; ``滞后`` otherwise;
  ``无分解任务`` for a town without a target for the task;
  ``未完成（方案已结束）`` rate < 1 and the plan's period (:attr:`airlib.io.plans.Plan.period`)
  ended before ``as_of``: the task is **closed** with its final state (see below).

**Plans that have ended.** A task of a plan whose period ended before ``as_of`` is not overdue
for ever: it is evaluated as of the plan's end (the last day of its end month) — ``completed``
is the latest cumulative figure of a month ending by then, ``status`` is ``已完成`` or
``未完成（方案已结束）``, ``days_overdue`` stops at the plan end (plan end − deadline, days, for an
unfinished task whose deadline had passed; 0 otherwise) — and the row has ``closed = True``.

**Stale ledgers.** The ledgers are due up to the *required month*: the last month that ended
on or before ``as_of``, or the plan's end month when the plan ended earlier.
:func:`ledger_currency` says whether the ledgers reach it; when they do not, the progress is
**stale**: ``town_progress(...).attrs`` (and ``district_task_progress``) carry ``stale``
(bool), ``last_month`` (latest ledger month not after the required month, ``None`` when
there is none), ``required_month`` and ``missing_months`` (the months from the one after
``last_month`` to the required month) so that callers say "台账截至2026-08，未报送2026-09、2026-10"
instead of presenting the figures as current.

District roll-ups add the town rows (their sums equal the town sums by construction); the
stated district total is carried alongside, so a plan whose split disagrees with its total
(see :class:`airlib.io.plans.PlanDiscrepancy`) shows both.

``town_scores``: score = 100 × mean over the town's tasks with a positive target of
min(completion rate, 1); rank: competition ranking (1, 2, 2, 4) on the score rounded to
1 decimal, highest first.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ledgers import plan_town_targets
from airlib.io.plans import Plan
from airlib.periods import month_end
from airlib.tracking.ranking import competition_rank

__all__ = [
    "PROGRESS_LABELS",
    "STATUSES",
    "district_progress",
    "district_task_progress",
    "overdue_tasks",
    "plot_status_counts",
    "plot_town_scores",
    "to_display",
    "town_progress",
    "town_scores",
    "progress_summary_zh",
    "plot_progress_overview",
    "month_as_of",
    "ledger_currency",
    "CLOSED_STATUS",
]

#: Status labels, in display order.
STATUSES: tuple[str, ...] = ("已完成", "按期推进", "滞后", "逾期未完成", "无分解任务", "未完成（方案已结束）")

#: Status of an unfinished task of a plan that has ended (closed with its final state).
CLOSED_STATUS: str = "未完成（方案已结束）"

PROGRESS_LABELS: dict[str, str] = {
    "task_id": "任务编号",
    "category": "类别",
    "task": "重点任务",
    "unit": "单位",
    "town_code": "镇街代码",
    "town_name": "镇街",
    "target": "任务量",
    "stated_total": "方案列明总量",
    "completed": "累计完成",
    "remaining": "剩余量",
    "completion_rate": "完成率",
    "elapsed_share": "时间进度",
    "status": "状态",
    "deadline": "完成时限",
    "days_overdue": "逾期天数",
    "reported": "已报送",
    "last_month": "最近报送月份",
    "lead": "牵头单位",
    "responsible": "主责单位",
    "assisting": "协办单位",
    "closed": "方案已结束",
    "n_towns": "涉及镇街数",
    "n_tasks": "任务数",
    "n_done": "已完成",
    "n_on_track": "按期推进",
    "n_behind": "滞后",
    "n_overdue": "逾期未完成",
    "score": "任务进度得分",
    "rank": "排名",
}


def to_display(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Rename columns to Chinese display headers (rates shown as %, 1 decimal).

    Parameters
    ----------
    frame
        Output of any function of this module (or :mod:`airlib.tracking.targets` with its labels).
    labels
        Column → header mapping; default :data:`PROGRESS_LABELS`.
    """
    labels = PROGRESS_LABELS if labels is None else labels
    out = frame.copy()
    for col in ("completion_rate", "elapsed_share"):
        if col in out:
            out[col] = (out[col] * 100).round(1)
    if "deadline" in out:
        out["deadline"] = pd.to_datetime(out["deadline"]).dt.strftime("%Y-%m-%d")
    out = out.rename(columns={k: v + ("（%）" if k in ("completion_rate", "elapsed_share") else "")
                              for k, v in labels.items()})
    return out


def _as_of(as_of: str | dt.date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(as_of).normalize()


def _task_table(plan: Plan) -> pd.DataFrame:
    default_start = plan.plan.issued or (plan.plan.period.start_date.date() if plan.plan.period else None)
    rows = []
    for t in plan.tasks:
        start = t.start or default_start
        rows.append({
            "task_id": t.id, "category": t.category, "task": t.task, "unit": t.unit,
            "stated_total": np.nan if t.total is None else float(t.total),
            "deadline": pd.Timestamp(t.deadline),
            "start": pd.Timestamp(start) if start is not None else pd.Timestamp(t.deadline),
            "lead": "、".join(t.lead), "responsible": "、".join(t.responsible), "assisting": "、".join(t.assisting),
        })
    tt = pd.DataFrame(rows)
    tt["task_id"] = tt["task_id"].astype("string")
    return tt


def town_progress(plan: Plan, ledger: pd.DataFrame, as_of: str | dt.date | pd.Timestamp,
                  towns: pd.DataFrame) -> pd.DataFrame:
    """Progress of every town on every task split across towns, as of a date.

    Parameters
    ----------
    plan
        The plan (tasks with per-town splits are evaluated).
    ledger
        Tidy ledger rows (:func:`airlib.io.ledgers.read_ledgers`): ``month``, ``town_code``,
        ``task_id``, ``cumulative``.
    as_of
        Evaluation date; reports for months ending after it are ignored.
    towns
        Town registry (resolves the plan's town names).

    Returns
    -------
    DataFrame
        One row per (task, town): ``task_id``, ``category``, ``task``, ``unit``, ``town_code``,
        ``town_name``, ``target``, ``completed``, ``remaining``, ``completion_rate``,
        ``elapsed_share``, ``status``, ``deadline``, ``days_overdue``, ``reported``,
        ``last_month``, ``lead``, ``responsible``, ``assisting``, ``closed`` (the plan has
        ended: evaluated as of its end, module docstring). ``attrs``: :func:`ledger_currency`
        (``stale``, ``last_month``, ``required_month``, ``missing_months``). Chinese headers:
        :func:`to_display`.
    """
    t0 = _as_of(as_of)
    targets = plan_town_targets(plan, towns)
    district_codes = {c for c in (plan.plan.district_code, plan.plan.district) if c}
    led = ledger.loc[~ledger["town_code"].astype("string").isin(list(district_codes))]
    latest = _latest(led, _final_date(plan, t0))
    df = targets.merge(latest, on=["task_id", "town_code"], how="outer")
    names = towns.set_index("town_code")["town_name"].astype("string")
    df["town_name"] = df["town_code"].map(names).astype("string")
    out = _evaluate(df, plan, t0, ["_o", "town_code"])
    out.attrs.update(ledger_currency(ledger, plan, t0))
    return out


def _final_date(plan: Plan, t0: pd.Timestamp) -> pd.Timestamp:
    """The date a plan's tasks are evaluated at: ``t0``, or the plan's end when it ended earlier."""
    return min(t0, plan.period.end_date)


def ledger_currency(ledger: pd.DataFrame, plan: Plan, as_of: str | dt.date | pd.Timestamp) -> dict:
    """Whether the ledgers reach the month they are due for (module docstring, "Stale ledgers").

    Parameters
    ----------
    ledger
        Tidy ledger rows (``month`` 'YYYY-MM'); may be empty.
    plan
        The plan the ledgers report on (its end caps the required month).
    as_of
        Evaluation date.

    Returns
    -------
    dict
        ``stale`` (bool), ``last_month`` (str 'YYYY-MM' or None), ``required_month`` (str),
        ``missing_months`` (list of str, oldest first; empty when not stale).
    """
    t0 = _as_of(as_of)
    m = t0.to_period("M")
    if t0 != month_end(m):  # the month of as_of has not ended: its ledger is not due yet
        m -= 1
    required = min(m, pd.Period(plan.period.end, freq="M"))
    months = pd.PeriodIndex(ledger["month"].astype(str), freq="M") if len(ledger) else pd.PeriodIndex([], freq="M")
    months = months[months <= required]
    last = months.max() if len(months) else None
    if last is None:
        first = pd.Period(plan.period.start, freq="M")
        missing = [str(x) for x in pd.period_range(first, required, freq="M")] if first <= required else []
    else:
        missing = [str(x) for x in pd.period_range(last + 1, required, freq="M")] if last < required else []
    return {"stale": bool(missing) or last is None, "last_month": None if last is None else str(last),
            "required_month": str(required), "missing_months": missing}


def _latest(ledger: pd.DataFrame, t0: pd.Timestamp) -> pd.DataFrame:
    """Latest cumulative figure per (task, town) of a month ending on or before t0."""
    led = ledger.loc[:, ["month", "town_code", "task_id", "cumulative"]].copy()
    led["task_id"] = led["task_id"].astype("string")
    led["town_code"] = led["town_code"].astype("string")
    ends = pd.PeriodIndex(led["month"].astype(str), freq="M").end_time.normalize()
    led = led.loc[(ends <= t0) & led["cumulative"].notna()]
    return (led.sort_values("month", kind="stable")
            .groupby(["task_id", "town_code"], as_index=False).last()
            .rename(columns={"month": "last_month", "cumulative": "completed"}))


def _evaluate(df: pd.DataFrame, plan: Plan, t0: pd.Timestamp, order_by: list[str]) -> pd.DataFrame:
    """Completion rate, elapsed share, status … for rows with ``task_id``, ``target``, ``completed``."""
    df = df.copy()
    t_final = _final_date(plan, t0)
    closed = bool(t_final < t0)
    t0 = t_final  # a plan that has ended is evaluated at its end (module docstring)
    df["reported"] = df["completed"].notna()
    df["completed"] = df["completed"].fillna(0.0).astype("float64")
    df["target"] = df["target"].astype("float64")
    tt = _task_table(plan)
    df = df.merge(tt, on="task_id", how="left")
    target = df["target"].to_numpy()
    done = df["completed"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(target > 0, done / target, np.where(target == 0, 1.0, np.nan))
    span = (df["deadline"] - df["start"]).dt.days.to_numpy().astype(float)
    gone = (t0 - df["start"]).dt.days.to_numpy().astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        elapsed = np.where(span > 0, gone / span, np.where(t0 >= df["deadline"], 1.0, 0.0))
    elapsed = np.clip(elapsed, 0.0, 1.0)
    overdue = (t0 > df["deadline"]).to_numpy()
    eps = 1e-9
    status = np.select(
        [np.isnan(rate), rate >= 1 - eps, np.full(len(df), closed), overdue, rate + eps >= elapsed],
        ["无分解任务", "已完成", CLOSED_STATUS, "逾期未完成", "按期推进"],
        default="滞后",
    )
    df["completion_rate"] = rate
    df["elapsed_share"] = elapsed
    df["status"] = pd.Categorical(status, categories=list(STATUSES))
    df["remaining"] = np.where(np.isnan(target), np.nan, np.maximum(target - done, 0.0))
    days = (t0 - df["deadline"]).dt.days
    late = df["status"].isin(["逾期未完成", CLOSED_STATUS]) & overdue
    df["days_overdue"] = days.where(late, 0).astype("int64")
    df["closed"] = closed
    cols = ["task_id", "category", "task", "unit", "town_code", "town_name", "target", "completed", "remaining",
            "completion_rate", "elapsed_share", "status", "deadline", "days_overdue", "reported", "last_month",
            "stated_total", "lead", "responsible", "assisting", "closed"]
    order = {t.id: i for i, t in enumerate(plan.tasks)}
    df["_o"] = df["task_id"].map(order)
    return df.sort_values(order_by, kind="stable")[cols].reset_index(drop=True)


def district_task_progress(plan: Plan, ledger: pd.DataFrame, as_of: str | dt.date | pd.Timestamp) -> pd.DataFrame:
    """Progress of the tasks without a per-town split (district totals, reported as 全区 rows).

    Same columns and status rules as :func:`town_progress`; ``town_code`` is the district code
    and ``target`` the task's stated total. Tasks with a per-town split are left out (their
    district view is :func:`district_progress`).
    """
    t0 = _as_of(as_of)
    code = plan.plan.district_code or plan.plan.district
    rows = [{"task_id": t.id, "town_code": code, "target": float(t.total)} for t in plan.tasks
            if not t.towns and t.total is not None]
    base = pd.DataFrame(rows, columns=["task_id", "town_code", "target"]).astype({"task_id": "string", "town_code": "string"})
    led = ledger.loc[ledger["town_code"].astype("string") == code]
    df = base.merge(_latest(led, _final_date(plan, t0)), on=["task_id", "town_code"], how="left")
    df["town_name"] = plan.plan.district
    out = _evaluate(df, plan, t0, ["_o"])
    out.attrs.update(ledger_currency(ledger, plan, t0))
    return out


def district_progress(progress: pd.DataFrame) -> pd.DataFrame:
    """District roll-up per task of :func:`town_progress` rows.

    ``target`` and ``completed`` are the sums over towns (so they add up), ``stated_total`` the
    plan's district figure; ``completion_rate`` = completed / target; status counts per task.
    """
    p = progress
    g = p.groupby("task_id", sort=False)
    out = g.agg(category=("category", "first"), task=("task", "first"), unit=("unit", "first"),
                target=("target", "sum"), completed=("completed", "sum"), deadline=("deadline", "first"),
                stated_total=("stated_total", "first"),
                n_towns=("town_code", "size"), lead=("lead", "first"), responsible=("responsible", "first"))
    st = {s: p.assign(_s=p["status"].astype("string") == s).groupby("task_id", sort=False)["_s"].sum() for s in STATUSES}
    out["n_done"] = st["已完成"]
    out["n_on_track"] = st["按期推进"]
    out["n_behind"] = st["滞后"]
    out["n_overdue"] = st["逾期未完成"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["completion_rate"] = np.where(out["target"] > 0, out["completed"] / out["target"], np.nan)
    return out.reset_index()


def town_scores(progress: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """Progress score and competition rank of each town.

    Parameters
    ----------
    progress
        Output of :func:`town_progress`.
    decimals
        The score is rounded to this many decimals before ranking (ties share a rank).

    Returns
    -------
    DataFrame
        ``town_code``, ``town_name``, ``n_tasks`` (tasks with a positive target), ``n_done``,
        ``n_on_track``, ``n_behind``, ``n_overdue``, ``score`` (0–100), ``rank`` (1 = best;
        NA for a town with no positive target), sorted by rank.
    """
    p = progress.loc[progress["target"].notna()].copy()
    p["capped"] = np.minimum(p["completion_rate"], 1.0)
    p["_pos"] = p["target"] > 0
    s = p["status"].astype("string")
    p["_done"], p["_on"], p["_behind"], p["_over"] = (s == "已完成"), (s == "按期推进"), (s == "滞后"), (s == "逾期未完成")
    g = p.groupby(["town_code", "town_name"], sort=False)
    out = g.agg(n_tasks=("_pos", "sum"), n_done=("_done", "sum"), n_on_track=("_on", "sum"),
                n_behind=("_behind", "sum"), n_overdue=("_over", "sum")).reset_index()
    score = p.loc[p["_pos"]].groupby("town_code")["capped"].mean() * 100
    out["score"] = out["town_code"].map(score).astype("float64").round(decimals)
    out["rank"] = competition_rank(out["score"], ascending=False)
    return out.sort_values(["rank", "town_code"], kind="stable", na_position="last").reset_index(drop=True)


def overdue_tasks(progress: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`town_progress` with status 逾期未完成, most overdue first, with their units."""
    cols = ["task_id", "task", "unit", "town_code", "town_name", "target", "completed", "remaining",
            "completion_rate", "deadline", "days_overdue", "lead", "responsible", "assisting"]
    o = progress.loc[progress["status"].astype("string") == "逾期未完成", cols]
    return o.sort_values(["days_overdue", "task_id", "town_code"], ascending=[False, True, True],
                         kind="stable").reset_index(drop=True)


def month_as_of(month: str) -> pd.Timestamp:
    """The evaluation date of a monthly report: the month's last day."""
    return month_end(month)


def plot_town_scores(scores: pd.DataFrame, title: str, ax=None):
    """Horizontal bar chart of town progress scores with their rank (Chinese labels)."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    s = scores.dropna(subset=["score"])
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(s) + 1.2))
    colours = np.where(s["n_overdue"] > 0, "#d62728", np.where(s["n_behind"] > 0, "#ff7f0e", "#2ca02c"))
    from airlib.escaping import mpl_text  # names are text, never mathtext

    ax.barh(s["town_name"].map(mpl_text), s["score"], color=colours)
    for y, (sc, rk) in enumerate(zip(s["score"], s["rank"], strict=True)):
        ax.text(sc + 0.5, y, f"{sc:.1f}（第{rk}名）", va="center", fontsize=8)
    ax.set_xlim(0, 115)
    ax.invert_yaxis()
    ax.set_xlabel("任务进度得分（0–100）")
    ax.set_title(mpl_text(title) + "（红=有逾期未完成，橙=有滞后）")
    return ax


def plot_status_counts(progress: pd.DataFrame, title: str, ax=None):
    """Stacked bars: number of tasks per status for each town."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    p = progress.loc[progress["target"] > 0]
    from airlib.escaping import mpl_text  # names are text, never mathtext

    counts = pd.crosstab(p["town_name"].map(mpl_text), p["status"].astype(str)).reindex(columns=list(STATUSES[:4]), fill_value=0)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    counts.plot.bar(stacked=True, ax=ax, color=["#2ca02c", "#1f77b4", "#ff7f0e", "#d62728"])
    ax.set_xlabel("")
    ax.set_ylabel("任务数")
    ax.set_title(mpl_text(title))
    ax.legend(fontsize=8)
    return ax


def progress_summary_zh(progress: pd.DataFrame, scores: pd.DataFrame) -> list[str]:
    """Chinese summary of town task progress: done / overdue counts and the last-ranked town.

    ``progress``: :func:`town_progress`; ``scores``: :func:`town_scores`. Only town tasks with a
    positive target count (a zero target is 已完成 by definition and would inflate the done
    count); the last-ranked town is omitted when no town has a score.
    """
    for c in ("status", "target"):
        if c not in progress.columns:
            raise InputDataError(f"town progress: missing column {c!r}", column=c)
    status = progress["status"].astype("string")
    positive = (progress["target"] > 0).fillna(False).to_numpy(dtype=bool)
    n_all = int(positive.sum())
    n_done = int(((status == "已完成").fillna(False).to_numpy(dtype=bool) & positive).sum())  # zero targets: not tasks
    n_overdue = int((status == "逾期未完成").sum())
    lines = [f"重点任务：{n_all} 项镇街分解任务中已完成 {n_done} 项，逾期未完成 {n_overdue} 项。"]
    ranked = scores.dropna(subset=["score"]) if len(scores) else scores
    if len(ranked):
        lines.append(f"任务进度排名末位：{ranked.iloc[-1]['town_name']}。")
    return lines


def plot_progress_overview(progress: pd.DataFrame, scores: pd.DataFrame, district: str, month: str):
    """Two panels: town progress scores (:func:`plot_town_scores`) and status counts."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5))
    plot_town_scores(scores, f"{district}各镇街任务进度得分（{month}）", ax=axes[0])
    plot_status_counts(progress, "各镇街任务状态", ax=axes[1])
    fig.tight_layout()
    return fig
