"""SYNTHETIC monthly task ledgers (台账) of the demo district 门头沟区.

Two kinds (folder layout ``data/raw/demo/ledgers/<plan id>/``, :func:`write_all_demo_ledgers`):

* the 2017-18 ledgers (2017-10 … 2018-03) of the encoded Mentougou plan, described below, in
  ``mentougou-2017-autumn-winter/``;
* the ledgers of the two synthetic current plans (:mod:`airlib.demo.synthetic_plans`), one per
  plan month up to the demo's last month (:func:`synthetic_ledger_frame`), in
  ``mentougou-synthetic-annual/`` and ``mentougou-synthetic-autumn-winter/``.

2017-18 ledgers

The ledgers report progress on the tasks of the Mentougou 2017-18 autumn-winter plan that are
split across towns (``data/raw/plans/mentougou_2017_autumn_winter.yaml``). They are made the
way bureaus make them: one workbook per month, a title row, a two-row header with merged cells
(``完成情况`` over ``本月完成``/``累计完成``), task cells merged down over their town rows, a
``小计`` row and a blank spacer row after each task.

Progress is uneven on purpose (合成数据): some towns finish before the deadline, some late,
清水镇 never finishes its 202 stoves, and 斋堂镇 reports an inconsistent cumulative figure
(it drops in 2017-12, the ``本月完成`` column disagreeing) so that the ledger checks have
something to find. Two district-level tasks are reported on 全区 rows (:data:`DISTRICT_ROWS`).
Values depend only on ``seed``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from airlib.files import atomic_write
from airlib.io.plans import Plan, load_plan
from airlib.periods import month_end, months_between, parse_month

__all__ = ["DEMO_MONTHS", "DISTRICT_ROWS", "PROFILES", "TOWN_PROFILE", "SYNTHETIC_TOWN_PROFILE",
           "SYNTHETIC_DISTRICT_PROFILE", "demo_ledger_frame", "synthetic_ledger_frame", "write_demo_ledgers",
           "write_all_demo_ledgers"]

DEMO_MONTHS: tuple[str, ...] = ("2017-10", "2017-11", "2017-12", "2018-01", "2018-02", "2018-03")

#: Share of a town's target done by the end of each demo month (before jitter).
PROFILES: dict[str, tuple[float, ...]] = {
    "early": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "on_time": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "late": (0.55, 0.8, 1.0, 1.0, 1.0, 1.0),
    "very_late": (0.35, 0.5, 0.62, 0.74, 0.82, 0.9),
    "slow_start": (0.4, 0.7, 0.85, 0.95, 1.0, 1.0),
}

#: Demo profile of each town (names as in the plan).
TOWN_PROFILE: dict[str, str] = {
    "大峪街道": "early",
    "城子街道": "early",
    "东辛房街道": "on_time",
    "大台街道": "late",
    "王平镇": "on_time",
    "永定镇": "late",
    "龙泉镇": "on_time",
    "潭柘寺镇": "on_time",
    "军庄镇": "early",
    "雁翅镇": "slow_start",
    "斋堂镇": "on_time",
    "清水镇": "very_late",
    "妙峰山镇": "on_time",
}

#: Cumulative figures of the district-level tasks (全区 rows), 2017-10 … 2018-03: the heavy-diesel
#: checks (K11, 2万辆次 by 2017-12) fall short at the deadline and catch up in February; the
#: old-vehicle scrapping (K13, 4960 辆 by 2017-10) finishes a month late.
DISTRICT_ROWS: dict[str, tuple[float, ...]] = {
    "K11": (6200.0, 9800.0, 16500.0, 19800.0, 21500.0, 24100.0),
    "K13": (4410.0, 4960.0, 4960.0, 4960.0, 4960.0, 4960.0),
}

_STEP = {"家": 1.0, "村": 1.0, "台": 1.0, "户": 1.0, "辆": 1.0, "个": 1.0, "蒸吨": 0.5, "吨": 0.001}
_DEFAULT_PLAN = Path(__file__).resolve().parents[2] / "data" / "raw" / "plans" / "mentougou_2017_autumn_winter.yaml"


def _round_to(x: np.ndarray, step: float) -> np.ndarray:
    return np.round(np.floor(x / step + 1e-9) * step, 6)


def demo_ledger_frame(plan: Plan | None = None, seed: int = 20171001) -> pd.DataFrame:
    """The demo ledger values as a tidy frame (before layout).

    Returns
    -------
    DataFrame
        ``month``, ``task_id``, ``task``, ``unit``, ``town``, ``target``, ``monthly``,
        ``cumulative``; one row per month, task with a per-town split, and town of that split, plus
        the 全区 rows of :data:`DISTRICT_ROWS`.
    """
    if plan is None:
        plan = load_plan(_DEFAULT_PLAN, warn=False)
    rng = np.random.default_rng(seed)
    rows = []
    for t in plan.tasks:
        if not t.towns:
            continue
        step = _STEP.get(t.unit, 1.0)
        for town, target in t.towns.items():
            prof = np.array(PROFILES[TOWN_PROFILE.get(town, "on_time")])
            jitter = rng.uniform(-0.08, 0.0, size=prof.size) * (prof < 1)
            frac = np.maximum.accumulate(np.clip(prof + jitter, 0, 1))
            # Tasks due before the ledgers start (散乱污, 2017-09) are done by October unless very late.
            if t.deadline < pd.Timestamp(DEMO_MONTHS[0] + "-01").date() and TOWN_PROFILE.get(town) != "very_late":
                frac = np.ones_like(frac)
            cum = _round_to(frac * target, step)
            cum[frac >= 1] = target
            monthly = np.diff(np.concatenate([[0.0], cum]))
            # The first report carries everything done since the plan was issued.
            for m, c, d in zip(DEMO_MONTHS, cum, monthly, strict=True):
                rows.append({"month": m, "task_id": t.id, "task": t.task, "unit": t.unit, "town": town,
                             "target": float(target), "monthly": round(float(d), 6), "cumulative": round(float(c), 6)})
    # District-level tasks reported on 全区 rows (no per-town split).
    for tid, cum in DISTRICT_ROWS.items():
        try:
            t = plan.task(tid)
        except KeyError:
            continue
        prev = 0.0
        for m, c in zip(DEMO_MONTHS, cum, strict=True):
            rows.append({"month": m, "task_id": t.id, "task": t.task, "unit": t.unit, "town": "全区",
                         "target": float(t.total), "monthly": c - prev, "cumulative": c})
            prev = c
    df = pd.DataFrame(rows)
    # 斋堂镇 reports an inconsistent cumulative figure for the stove task in 2017-12.
    bad = (df["town"] == "斋堂镇") & (df["task_id"] == "K08") & (df["month"] == "2017-12")
    if bad.any():
        df.loc[bad, "cumulative"] = df.loc[bad, "cumulative"] - 7
    return df


def _write_month(path: Path, frame: pd.DataFrame, month: str, district: str, synthetic_plan: bool = False) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    y, m = month.split("-")
    ncol = 9
    if synthetic_plan:  # no plan years in the title: the reader takes the first 'YYYY年M月' as the month
        title = f"{district}大气污染防治重点任务进展台账（{int(y)}年{int(m)}月，合成示例 SYNTHETIC）"
    else:
        title = f"{district}秋冬季大气污染综合治理攻坚重点任务进展台账（{int(y)}年{int(m)}月）"
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    top = ["序号", "任务编号", "重点任务", "单位", "镇街", "任务量", "完成情况", None, "备注"]
    for j, v in enumerate(top, start=1):
        if v is not None:
            ws.cell(2, j, v).font = Font(bold=True)
    ws.cell(3, 7, "本月完成").font = Font(bold=True)
    ws.cell(3, 8, "累计完成").font = Font(bold=True)
    ws.merge_cells(start_row=2, start_column=7, end_row=2, end_column=8)
    for j in (1, 2, 3, 4, 5, 6, 9):
        ws.merge_cells(start_row=2, start_column=j, end_row=3, end_column=j)
    r = 4
    for k, (tid, block) in enumerate(frame.groupby("task_id", sort=False), start=1):
        first = r
        for row in block.itertuples(index=False):
            ws.cell(r, 5, row.town)
            ws.cell(r, 6, row.target)
            ws.cell(r, 7, row.monthly)
            ws.cell(r, 8, row.cumulative)
            r += 1
        for j, v in ((1, k), (2, tid), (3, block["task"].iloc[0]), (4, block["unit"].iloc[0])):
            ws.cell(first, j, v)
            if r - 1 > first:
                ws.merge_cells(start_row=first, start_column=j, end_row=r - 1, end_column=j)
        ws.cell(r, 5, "小计")
        ws.cell(r, 6, float(block["target"].sum()))
        ws.cell(r, 7, round(float(block["monthly"].sum()), 6))
        ws.cell(r, 8, round(float(block["cumulative"].sum()), 6))
        r += 2  # blank spacer row
    ws.cell(r, 1, "填报说明：累计完成为方案印发以来累计值。本台账为合成演示数据（SYNTHETIC）。")
    for col, w in zip("ABCDEFGHI", (6, 9, 40, 7, 12, 9, 10, 10, 14), strict=True):
        ws.column_dimensions[col].width = w
    with atomic_write(path) as tmp:
        wb.save(tmp)


#: Schedule profile of each town on the synthetic plans' tasks (names as in the plans). As of
#: any month: ``early`` towns finish well before the deadline; ``on_time`` towns keep pace with
#: the schedule; ``behind`` towns lag (滞后) and finish in the month after the deadline;
#: ``overdue`` never finishes a task once its deadline has passed (逾期未完成).
SYNTHETIC_TOWN_PROFILE: dict[str, str] = {
    "大峪街道": "early",
    "城子街道": "early",
    "军庄镇": "early",
    "东辛房街道": "on_time",
    "大台街道": "behind",
    "王平镇": "on_time",
    "永定镇": "behind",
    "龙泉镇": "overdue",
    "潭柘寺镇": "on_time",
    "雁翅镇": "on_time",
    "斋堂镇": "on_time",
    "清水镇": "on_time",
    "妙峰山镇": "on_time",
}
#: Profile of the district-level (全区) rows of the synthetic plans (tasks without a split).
SYNTHETIC_DISTRICT_PROFILE = "on_time"
_SYNTHETIC_SEED = 20261001


def _profile_fraction(profile: str, elapsed: np.ndarray, after: np.ndarray, on_deadline: np.ndarray,
                      months_after: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Share of a target done at successive month ends under a schedule profile.

    ``elapsed`` is the share of the schedule passed (0…1), ``after`` marks month ends past the
    deadline, ``on_deadline`` the month end that is the deadline day, ``months_after`` counts
    month ends past the deadline, ``u`` uniform jitter in [0, 1). The shares never fall; ahead
    profiles stay at or above ``elapsed``, lagging ones below it.
    """
    if profile == "early":
        f = np.minimum(1.0, 0.15 + 1.6 * elapsed + 0.05 * u)
    elif profile == "on_time":
        f = np.minimum(1.0, elapsed + 0.03 * u)
    elif profile == "behind":
        f = np.where(after, 1.0, np.where(on_deadline, 0.85, (0.5 + 0.1 * u) * elapsed))
    elif profile == "overdue":
        f = np.where(after, np.minimum(0.8, 0.55 + 0.05 * months_after), (0.4 + 0.1 * u) * elapsed)
    else:
        raise ValueError(f"unknown profile {profile!r}")
    return np.maximum.accumulate(np.clip(f, 0.0, 1.0))


def _plan_months(plan: Plan, end: str | pd.Period | None) -> list[str]:
    """Months of the plan's period up to ``end`` (default: the period's end)."""
    period = plan.plan.period
    if period is None:
        raise ValueError(f"plan {plan.id} has no period")
    last = parse_month(period.end) if end is None else min(parse_month(end), parse_month(period.end))
    return [str(m) for m in months_between(period.start, last)] if last >= parse_month(period.start) else []


def synthetic_ledger_frame(plan: Plan, end: str | pd.Period | None = None, seed: int = _SYNTHETIC_SEED) -> pd.DataFrame:
    """Ledger values of a synthetic current plan (:mod:`airlib.demo.synthetic_plans`), tidy.

    One month per plan month up to ``end``. Each town follows its
    :data:`SYNTHETIC_TOWN_PROFILE` on every task it has a share of, so that as of any month
    most towns are on schedule, 永定镇 and 大台街道 lag (滞后) on a task whose deadline has not
    passed, 龙泉镇 has a task past its deadline not done (逾期未完成) once one has passed, and
    大峪街道, 城子街道 and 军庄镇 finish early. Tasks without a split are reported on a 全区 row
    (:data:`SYNTHETIC_DISTRICT_PROFILE`). The schedule runs from the plan's issue date (else its
    period start) to each task's deadline, as :func:`airlib.tracking.progress.town_progress`
    measures it.

    Returns
    -------
    DataFrame
        ``month``, ``task_id``, ``task``, ``unit``, ``town``, ``target``, ``monthly``,
        ``cumulative`` (values in the task's unit), as :func:`demo_ledger_frame`.
    """
    months = _plan_months(plan, end)
    if not months:
        return pd.DataFrame(columns=["month", "task_id", "task", "unit", "town", "target", "monthly", "cumulative"])
    ends = pd.DatetimeIndex([month_end(m) for m in months])
    rng = np.random.default_rng([seed, sum(map(ord, plan.id))])
    default_start = plan.plan.issued or plan.plan.period.start_date.date()
    rows = []
    for t in plan.tasks:
        start = pd.Timestamp(t.start or default_start)
        deadline = pd.Timestamp(t.deadline)
        span = max((deadline - start).days, 1)
        elapsed = np.clip(np.asarray((ends - start).days, float) / span, 0.0, 1.0)
        after = np.asarray(ends > deadline)
        on_deadline = np.asarray(ends == deadline)
        months_after = np.cumsum(after)
        step = _STEP.get(t.unit, 1.0)
        shares = t.towns.items() if t.towns else [("全区", float(t.total))]
        for town, target in shares:
            prof = SYNTHETIC_TOWN_PROFILE.get(town, "on_time") if t.towns else SYNTHETIC_DISTRICT_PROFILE
            frac = _profile_fraction(prof, elapsed, after, on_deadline, months_after, rng.random(len(months)))
            raw = frac * target / step
            # ahead of schedule rounds up, lagging rounds down: the status the profile means holds
            units = np.ceil(raw - 1e-9) if prof in ("early", "on_time") else np.floor(raw + 1e-9)
            cum = np.minimum(np.round(units * step, 6), target)
            cum[frac >= 1] = target
            monthly = np.diff(np.concatenate([[0.0], cum]))
            for m, c, d in zip(months, cum, monthly, strict=True):
                rows.append({"month": m, "task_id": t.id, "task": t.task, "unit": t.unit, "town": town,
                             "target": float(target), "monthly": round(float(d), 6), "cumulative": round(float(c), 6)})
    return pd.DataFrame(rows)


def write_demo_ledgers(
    out_dir: str | os.PathLike[str] | None = None,
    *,
    plan: Plan | None = None,
    seed: int | None = None,
    end: str | pd.Period | None = None,
) -> list[Path]:
    """Write the demo ledgers of one plan, one ``.xlsx`` per month.

    Parameters
    ----------
    out_dir
        Folder to write into (default ``data/raw/demo/ledgers/<plan id>``); created if needed.
    plan
        The plan to report on (default: the encoded Mentougou 2017-18 plan, ledgers 2017-10 …
        2018-03). A synthetic plan (id ``mentougou-synthetic-*``) gets
        :func:`synthetic_ledger_frame` up to ``end``.
    seed
        Seed of the jitter in partial progress (default: 20171001 for the 2017-18 ledgers,
        20261001 for the synthetic ones).
    end
        Last month of a synthetic plan's ledgers (default: the last complete month; never past
        the plan's period); ignored for the 2017-18 ledgers.

    Returns
    -------
    list of Path
        The files written (``门头沟区_攻坚任务台账_YYYY-MM.xlsx``), atomically.
    """
    if plan is None:
        plan = load_plan(_DEFAULT_PLAN, warn=False)
    if out_dir is None:
        from airlib.paths import raw_dir

        out_dir = raw_dir() / "demo" / "ledgers" / plan.id
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    synthetic = plan.id.startswith("mentougou-synthetic-")
    if synthetic:
        if end is None:  # no ledger of a month that has not ended
            from airlib.periods import last_complete_month

            end = last_complete_month()
        df = synthetic_ledger_frame(plan, end, _SYNTHETIC_SEED if seed is None else seed)
    else:
        df = demo_ledger_frame(plan, 20171001 if seed is None else seed)
    paths = []
    for month, block in df.groupby("month", sort=True):
        p = out / f"{plan.plan.district}_攻坚任务台账_{month}.xlsx"
        _write_month(p, block, month, plan.plan.district, synthetic_plan=synthetic)
        paths.append(p)
    return paths


def write_all_demo_ledgers(root: str | os.PathLike[str], plan_paths: list[Path], end: str | pd.Period) -> list[Path]:
    """Write the ledgers of every demo plan into ``root/<plan id>/`` (the shared folder layout).

    The 2017-18 ledgers go to ``root/mentougou-2017-autumn-winter/``; each synthetic plan of
    ``plan_paths`` gets its ledgers up to ``end``. Ledger files of an earlier run that this run
    did not write (other months, or the 2017-18 files directly in ``root`` where older versions
    put them) are removed, so that the folders match ``end`` exactly.

    Returns
    -------
    list of Path
        Every file written.
    """
    root = Path(root)
    written: list[Path] = []
    plans = [load_plan(_DEFAULT_PLAN, warn=False)] + [load_plan(p, warn=False) for p in plan_paths]
    for plan in plans:
        files = write_demo_ledgers(root / plan.id, plan=plan, end=end)
        for old in (root / plan.id).glob(f"{plan.plan.district}_攻坚任务台账_*.xlsx"):
            if old not in files:
                old.unlink()
        written.extend(files)
    for old in root.glob(f"{plans[0].plan.district}_攻坚任务台账_*.xlsx"):  # layout before per-plan folders
        old.unlink()
    return written
