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

``town_scores`` (what a director asks after "who is last"), per town, over its tasks with a
positive target:

* ``score`` = 100 × mean of min(completion rate, 1), rounded to 1 decimal;
* **on-time completion** (:func:`completion_timing`): a task is *due* when its deadline is on
  or before ``as_of``; it was completed *on time* when the month in which its cumulative
  figure reached the target (the first month of the last run of ledger months at or above
  the target, months ending on or before ``as_of``) is **not after the deadline's month**.
  Ledgers are monthly, so the day within a month is unknown: a target reached in the
  deadline's own month counts as on time (a 2017-10-15 deadline met in the 2017-10 ledger is
  on time; reached in the 2017-11 ledger it is late). Lateness needs evidence: a ledger month
  from the deadline's month to the month before completion (in which the town reported less
  than its target, or nothing). When the ledgers begin after the deadline (a task due
  2017-09 whose first ledger is 2017-10) and the town's first report already shows the
  target reached, nothing shows it was late and it counts as on time. ``on_time_share`` =
  n_on_time / n_due (NaN when nothing is due yet);
* **days late**: ``days_late_total`` and ``days_late_max``, the sum and the maximum of
  ``days_overdue`` over the town's 逾期未完成 tasks (0 when none);
* **remaining quantity** in each task's unit, summed per unit (``remaining_text``, e.g.
  "202 台；3.5 蒸吨" — what is left to do; :func:`format_quantity` for the decimals);
* ``rank``: :func:`airlib.standards.ranking_rules.competition_rank` (1, 2, 2, 4) on the
  composite key, compared in this order: score (higher first), on-time share (higher
  first; a town with nothing due yet counts as 1 — nothing of it is late), days late in
  total (fewer first). Towns tie only when all three keys tie; a town without a positive
  target has no rank.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ledgers import plan_town_targets
from airlib.io.plans import Plan
from airlib.periods import month_end
from airlib.standards.ranking_rules import competition_rank

__all__ = [
    "PROGRESS_LABELS",
    "RANK_KEYS",
    "STATUSES",
    "completion_timing",
    "format_quantity",
    "remaining_by_unit",
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
    "n_due": "已到期任务数",
    "n_on_time": "按期完成数",
    "on_time_share": "按期完成率",
    "days_late_total": "逾期天数合计",
    "days_late_max": "最长逾期天数",
    "remaining_text": "剩余工作量",
    "completed_month": "完成月份",
    "due": "已到期",
    "on_time": "按期完成",
    "rank": "排名",
}

#: The keys of the task rank, compared in this order: (column, higher is better).
RANK_KEYS: tuple[tuple[str, bool], ...] = (("score", True), ("on_time_share", True), ("days_late_total", False))

#: Integer columns of this module's frames (printed without decimals).
_COUNT_COLUMNS = ("n_towns", "n_tasks", "n_done", "n_on_track", "n_behind", "n_overdue", "n_due", "n_on_time",
                  "days_overdue", "days_late_total", "days_late_max", "rank")
#: Quantities in the task's unit.
_QUANTITY_COLUMNS = ("target", "stated_total", "completed", "remaining")


def format_quantity(value: float, unit: str | None = None, *, max_decimals: int = 2) -> str:
    """A quantity as printed: whole numbers without decimals (202 台, not 202.0), others with
    up to ``max_decimals`` decimals, trailing zeros dropped (3.5 蒸吨); "—" when missing.

    Parameters
    ----------
    value
        The quantity [the task's unit].
    unit
        Appended after a space when given (蒸吨, 台, 村 …).
    """
    if value is None or pd.isna(value):
        return "—"
    v = float(value)
    if abs(v - round(v)) < 10 ** -(max_decimals + 1):
        txt = str(int(round(v)))
    else:
        txt = f"{v:.{max_decimals}f}".rstrip("0").rstrip(".")
    return f"{txt} {unit}" if unit else txt


def to_display(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Rename columns to Chinese display headers (rates shown as %, 1 decimal; counts as
    integers; quantities as text in their unit's decimals, :func:`format_quantity`).

    Parameters
    ----------
    frame
        Output of any function of this module (or :mod:`airlib.tracking.targets` with its labels).
    labels
        Column → header mapping; default :data:`PROGRESS_LABELS`.
    """
    labels = PROGRESS_LABELS if labels is None else labels
    out = frame.copy()
    for col in ("completion_rate", "elapsed_share", "on_time_share"):
        if col in out:
            out[col] = (out[col].astype("float64") * 100).round(1)
    for col in _COUNT_COLUMNS:  # counts are integers (no '3.0')
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce").round(0).astype("Int64")
    for col in _QUANTITY_COLUMNS:  # quantities in their unit, sensible decimals
        if col in out:
            out[col] = out[col].map(format_quantity).astype("string")
    if "deadline" in out:
        out["deadline"] = pd.to_datetime(out["deadline"]).dt.strftime("%Y-%m-%d")
    out = out.rename(columns={k: v + ("（%）" if k in ("completion_rate", "elapsed_share", "on_time_share") else "")
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

    ``target``, ``completed`` and ``remaining`` are the sums over towns (so they add up; a town
    that did more than its share does not reduce another's remaining work), ``stated_total`` the
    plan's district figure; ``completion_rate`` = completed / target; status counts per task.
    """
    p = progress
    g = p.groupby("task_id", sort=False)
    out = g.agg(category=("category", "first"), task=("task", "first"), unit=("unit", "first"),
                target=("target", "sum"), completed=("completed", "sum"), remaining=("remaining", "sum"),
                deadline=("deadline", "first"),
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


def completion_timing(progress: pd.DataFrame, ledger: pd.DataFrame,
                      as_of: str | dt.date | pd.Timestamp) -> pd.DataFrame:
    """When each town task was completed, and whether on time (rule: module docstring).

    Parameters
    ----------
    progress
        :func:`town_progress` rows (``task_id``, ``town_code``, ``target``, ``completion_rate``,
        ``deadline``, ``status``, ``days_overdue``).
    ledger
        The tidy ledger rows the progress was computed from (``month``, ``town_code``,
        ``task_id``, ``cumulative``).
    as_of
        The evaluation date of ``progress``.

    Returns
    -------
    DataFrame
        ``progress`` with ``due`` (positive target, deadline ≤ as_of), ``completed_month``
        ('YYYY-MM' or NA: the first month of the last run of months at or above the target,
        only for rows complete as of ``as_of``) and ``on_time`` (bool, NA unless due).
    """
    t0 = _as_of(as_of)
    out = progress.copy()
    led = ledger.loc[:, ["month", "town_code", "task_id", "cumulative"]].copy()
    led["task_id"] = led["task_id"].astype("string")
    led["town_code"] = led["town_code"].astype("string")
    led["period"] = pd.PeriodIndex(led["month"].astype(str), freq="M")
    led = led.loc[(led["period"].dt.end_time.dt.normalize() <= t0).to_numpy()]
    months = np.unique((led["period"].dt.year * 12 + led["period"].dt.month).to_numpy(float))  # the ledger's months
    led = led.loc[led["cumulative"].notna().to_numpy()]
    keys = out[["task_id", "town_code", "target"]].astype({"task_id": "string", "town_code": "string"})
    led = led.merge(keys, on=["task_id", "town_code"], how="inner")
    led = led.loc[led["target"] > 0]
    below = led["cumulative"].to_numpy(float) < led["target"].to_numpy(float) - 1e-9
    last_below = led.loc[below].groupby(["task_id", "town_code"])["period"].max().rename("last_below")
    at = led.loc[~below].merge(last_below.reset_index(), on=["task_id", "town_code"], how="left")
    at = at.loc[at["last_below"].isna() | (at["period"] > at["last_below"])]
    first = at.groupby(["task_id", "town_code"])["period"].min().rename("_first").reset_index()
    out["task_id"] = out["task_id"].astype("string")
    out["town_code"] = out["town_code"].astype("string")
    out = out.merge(first, on=["task_id", "town_code"], how="left")
    done = (out["completion_rate"].astype("float64") >= 1 - 1e-9).to_numpy() & (out["target"] > 0).to_numpy()
    out["_first"] = out["_first"].where(done)
    out["due"] = ((out["target"] > 0) & (out["deadline"] <= t0)).to_numpy(dtype=bool)
    first = out["_first"].astype("period[M]")
    first_no = (first.dt.year * 12 + first.dt.month).to_numpy(float)  # month number (meaningless at NaT)
    deadline_no = (out["deadline"].dt.year * 12 + out["deadline"].dt.month).to_numpy(float)
    # ledger months from the deadline's month to before the completion month: the evidence of
    # lateness (module docstring); none when the ledgers begin after the deadline
    complete = first.notna().to_numpy()
    safe_first = np.where(complete, first_no, 0.0)
    between = np.searchsorted(months, safe_first, side="left") - np.searchsorted(months, deadline_no, side="left")
    with np.errstate(invalid="ignore"):
        on_time = complete & ((safe_first <= deadline_no) | (between <= 0))
    out["on_time"] = pd.array(on_time, dtype="boolean")
    out.loc[~out["due"].to_numpy(), "on_time"] = pd.NA
    out["completed_month"] = first.dt.strftime("%Y-%m").astype("string").where(first.notna())
    return out.drop(columns=["_first"])


def remaining_by_unit(progress: pd.DataFrame) -> pd.Series:
    """Remaining quantity of each town, summed per unit: "202 台；3.5 蒸吨" (units in plan
    order of first appearance), NA for a town with nothing left. Index: ``town_code``."""
    p = progress.loc[(progress["target"] > 0).to_numpy(dtype=bool) & (progress["remaining"] > 0).to_numpy(dtype=bool)]
    if p.empty:
        return pd.Series(dtype="string")
    per = p.groupby(["town_code", "unit"], sort=False)["remaining"].sum().reset_index()
    per["txt"] = [format_quantity(v, u) for v, u in zip(per["remaining"], per["unit"], strict=True)]
    return per.groupby("town_code", sort=False)["txt"].agg("；".join).astype("string")


def _composite_rank(frame: pd.DataFrame, keys: tuple[tuple[str, bool], ...], valid: pd.Series) -> pd.Series:
    """Competition rank on several keys compared in order (ties only when all keys tie).

    The keys are turned into one ordinal (the position of the town's key tuple among the
    distinct tuples, best first) and ranked by :func:`competition_rank` — one ranking rule.
    """
    k = pd.DataFrame({c: (frame[c].astype("float64") * (-1.0 if higher else 1.0)) for c, higher in keys})
    code = k.loc[valid.to_numpy()].groupby(list(k.columns), sort=True).ngroup()
    ordinal = pd.Series(np.nan, index=frame.index)
    ordinal.loc[code.index] = code.astype("float64")
    return competition_rank(ordinal, ascending=True)


def town_scores(progress: pd.DataFrame, ledger: pd.DataFrame | None = None,
                as_of: str | dt.date | pd.Timestamp | None = None, decimals: int = 1) -> pd.DataFrame:
    """Progress score, on-time completion, days late, remaining work and rank of each town.

    Parameters
    ----------
    progress
        Output of :func:`town_progress`.
    ledger, as_of
        The ledger rows and evaluation date of ``progress``, for the on-time completion
        (:func:`completion_timing`); without them ``n_on_time`` and ``on_time_share`` are NA
        and the rank uses the score and the days late only.
    decimals
        The score is rounded to this many decimals before ranking.

    Returns
    -------
    DataFrame
        ``town_code``, ``town_name``, ``n_tasks`` (tasks with a positive target), ``n_done``,
        ``n_on_track``, ``n_behind``, ``n_overdue``, ``score`` (0–100), ``n_due``,
        ``n_on_time``, ``on_time_share`` (0–1), ``days_late_total``, ``days_late_max`` [days],
        ``remaining_text``, ``rank`` (1 = best; NA for a town with no positive target),
        sorted by rank then town code. Rules: module docstring.
    """
    if ledger is not None:
        if as_of is None:
            raise InputDataError("town_scores: the on-time completion needs as_of with the ledger")
        p = completion_timing(progress.loc[progress["target"].notna()], ledger, as_of)
    else:
        p = progress.loc[progress["target"].notna()].copy()
        p["due"], p["on_time"] = False, pd.array([pd.NA] * len(p), dtype="boolean")
    p["capped"] = np.minimum(p["completion_rate"], 1.0)
    p["_pos"] = p["target"] > 0
    s = p["status"].astype("string")
    p["_done"], p["_on"], p["_behind"], p["_over"] = (s == "已完成"), (s == "按期推进"), (s == "滞后"), (s == "逾期未完成")
    p["_late"] = p["days_overdue"].where(p["_over"].fillna(False).to_numpy(dtype=bool), 0).astype("int64")
    p["_due"] = p["due"].astype(bool) & p["_pos"]
    p["_ontime"] = p["on_time"].fillna(False).astype(bool) & p["_due"]
    g = p.groupby(["town_code", "town_name"], sort=False)
    out = g.agg(n_tasks=("_pos", "sum"), n_done=("_done", "sum"), n_on_track=("_on", "sum"),
                n_behind=("_behind", "sum"), n_overdue=("_over", "sum"), n_due=("_due", "sum"),
                n_on_time=("_ontime", "sum"), days_late_total=("_late", "sum"),
                days_late_max=("_late", "max")).reset_index()
    for c in ("n_tasks", "n_done", "n_on_track", "n_behind", "n_overdue", "n_due", "n_on_time",
              "days_late_total", "days_late_max"):
        out[c] = out[c].astype("int64")
    score = p.loc[p["_pos"]].groupby("town_code")["capped"].mean() * 100
    out["score"] = out["town_code"].map(score).astype("float64").round(decimals)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(out["n_due"] > 0, out["n_on_time"] / out["n_due"].where(out["n_due"] > 0), np.nan)
    if ledger is None:  # no ledger months: on-time completion unknown
        out["n_due"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["n_on_time"] = pd.array([pd.NA] * len(out), dtype="Int64")
        share = np.full(len(out), np.nan)
    out["on_time_share"] = share
    out["remaining_text"] = out["town_code"].map(remaining_by_unit(p)).astype("string")
    key = out.assign(on_time_share=out["on_time_share"].fillna(1.0).round(6))  # nothing due: nothing late
    out["rank"] = _composite_rank(key, RANK_KEYS, out["score"].notna())
    cols = ["town_code", "town_name", "n_tasks", "n_done", "n_on_track", "n_behind", "n_overdue", "score", "n_due",
            "n_on_time", "on_time_share", "days_late_total", "days_late_max", "remaining_text", "rank"]
    return out.sort_values(["rank", "town_code"], kind="stable", na_position="last")[cols].reset_index(drop=True)


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
    """Chinese summary of town task progress: done / overdue counts, on-time completion (when
    ``scores`` has it), days late, and the last-ranked town.

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
    if {"n_due", "n_on_time"} <= set(scores.columns) and len(scores) and scores["n_due"].notna().all():
        n_due, n_on = int(scores["n_due"].sum()), int(scores["n_on_time"].sum())
        if n_due:
            lines.append(f"已到期 {n_due} 项中按期完成 {n_on} 项（按期完成率 {100 * n_on / n_due:.1f}%）。")
    if {"days_late_total", "days_late_max"} <= set(scores.columns) and n_overdue:
        lines.append(f"逾期未完成任务合计逾期 {int(scores['days_late_total'].sum())} 天，"
                     f"最长 {int(scores['days_late_max'].max())} 天。")
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
