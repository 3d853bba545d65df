"""The demo's SYNTHETIC current plans and their ledgers (issue #13 item 6).

``airlib generate-demo`` writes two plans that follow the demo's last month
(:mod:`airlib.demo.synthetic_plans`) and monthly ledgers for every plan month up to it
(:func:`airlib.demo.ledgers.write_all_demo_ledgers`), one folder per plan id.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd
import pytest

from airlib.demo.ledgers import SYNTHETIC_TOWN_PROFILE, synthetic_ledger_frame, write_all_demo_ledgers
from airlib.demo.registry import towns_frame
from airlib.demo.synthetic_plans import (
    ANNUAL_FILE,
    ANNUAL_ID,
    ANNUAL_TASKS,
    AUTUMN_WINTER_FILE,
    AUTUMN_WINTER_ID,
    AUTUMN_WINTER_SEASON_END_TASKS,
    SOURCE_PLAN,
    season_start_year,
    write_synthetic_plans,
)
from airlib.io.ledgers import read_ledgers
from airlib.io.plans import load_plan
from airlib.periods import parse_month
from airlib.report.config import DEMO
from airlib.tracking.progress import month_as_of, town_progress

OLD_ID = "mentougou-2017-autumn-winter"


def _plans(tmp_path: Path, end: str):
    paths = write_synthetic_plans(tmp_path / "plans", end)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a synthetic plan must not contradict itself
        return {p.name: load_plan(p) for p in paths}


@pytest.mark.parametrize(("end", "annual", "autumn_winter"), [
    ("2026-10", ("2026-01", "2026-12"), ("2026-10", "2027-03")),
    ("2026-05", ("2026-01", "2026-12"), ("2025-10", "2026-03")),
    ("2026-01", ("2026-01", "2026-12"), ("2025-10", "2026-03")),
    ("2026-03", ("2026-01", "2026-12"), ("2025-10", "2026-03")),
    ("2025-09", ("2025-01", "2025-12"), ("2024-10", "2025-03")),
])
def test_plan_periods_follow_the_last_month(tmp_path, end, annual, autumn_winter):
    plans = _plans(tmp_path, end)
    a, w = plans[ANNUAL_FILE], plans[AUTUMN_WINTER_FILE]
    assert (a.id, w.id) == (ANNUAL_ID, AUTUMN_WINTER_ID)
    assert (a.plan.period.start, a.plan.period.end) == annual
    assert (w.plan.period.start, w.plan.period.end) == autumn_winter
    assert a.plan.title == f"门头沟区{annual[0][:4]}年大气污染防治行动计划（合成示例，SYNTHETIC）"
    assert season_start_year(end) == int(autumn_winter[0][:4])


def test_plans_are_labelled_synthetic_and_derived_from_2017(tmp_path):
    base = load_plan(SOURCE_PLAN, warn=False)
    plans = _plans(tmp_path, "2026-10")
    sources_2017 = {(x.source.section, x.source.quote) for x in [*base.targets, *base.tasks]}
    for plan in plans.values():
        h = plan.plan
        assert h.district == "门头沟区" and h.district_code == "110109"
        for text in (h.title, h.document, h.issuer, h.doc_number, h.note):
            assert "合成示例" in text, text
        assert "SYNTHETIC" in h.title and "SYNTHETIC" in h.document
        for item in [*plan.targets, *plan.tasks]:
            assert "SYNTHETIC" in item.source.document and "门大气办〔2017〕4号" in item.source.document
            # the 2017 clause it derives from, quoted as the 2017 plan file quotes it (whose
            # quotes are checked against seed 001 with the plan files)
            section = item.source.section.removeprefix("派生自 门大气办〔2017〕4号 ")
            if getattr(item, "metric", None) == "tsp_rank":  # no TSP target in 2017: modelled on Xicheng 2021 T06
                assert "各街道粗颗粒物（TSP）浓度排名退出全市后30名" in section, (plan.id, item.id)
                continue
            assert (section, item.source.quote) in sources_2017, (plan.id, item.id)
        for t in plan.tasks:
            assert "合成示例" in t.note
            src = base.task(ANNUAL_TASKS[t.id][0] if t.id in ANNUAL_TASKS else t.id)
            assert (t.category, t.unit) == (src.category, src.unit)
            assert set(t.towns) == set(src.towns)  # the same towns, scaled quantities
            assert all(v > 0 for v in t.towns.values())
            if t.towns:
                assert t.total == pytest.approx(sum(t.towns.values()))
            assert t.source.section.endswith(src.source.section)
    # deadlines: the 2017-18 ones moved to the 2026-27 season (K07 to the season's end)
    w = plans[AUTUMN_WINTER_FILE]
    for t in w.tasks:
        old = base.task(t.id).deadline
        want = dt.date(2027, 3, 31) if t.id in AUTUMN_WINTER_SEASON_END_TASKS else old.replace(year=old.year + 9)
        assert t.deadline == want, t.id
    a = plans[ANNUAL_FILE]
    assert sorted(t.deadline for t in a.tasks)[0] == dt.date(2026, 3, 31)
    assert max(t.deadline for t in a.tasks) == dt.date(2026, 12, 31)
    kinds = {(x.metric, x.scope) for x in w.targets}
    assert {("pm25_mean", "district"), ("heavy_pollution_days", "district"), ("pm25_mean", "each_town")} <= kinds
    # modern values, not 2017's 25 % (the TSP rank target's value is a rank: 退出后30名)
    assert all(0 < x.value <= 10 for x in [*w.targets, *a.targets] if x.metric != "tsp_rank")
    assert [(x.kind, x.value) for x in a.targets if x.metric == "tsp_rank"] == [("rank_threshold", 30)]


def test_plans_same_month_same_bytes(tmp_path):
    one = [p.read_bytes() for p in write_synthetic_plans(tmp_path / "a", "2026-10")]
    two = [p.read_bytes() for p in write_synthetic_plans(tmp_path / "b", "2026-10")]
    other = [p.read_bytes() for p in write_synthetic_plans(tmp_path / "c", "2026-11")]
    assert one == two
    assert one != other  # the note names the last month


def test_demo_config_lists_the_synthetic_plans_and_keeps_the_real_ones():
    assert DEMO.plans == (
        "data/raw/plans/mentougou_2017_autumn_winter.yaml",
        "data/raw/plans/beijing_2020_district_pm25.yaml",
        "data/raw/demo/plans/synthetic_annual.yaml",
        "data/raw/demo/plans/synthetic_autumn_winter.yaml",
    )
    assert DEMO.ledgers == "data/raw/demo/ledgers"


# --------------------------------------------------------------------------- ledgers
def _written(root: Path, end: str):
    plans = write_synthetic_plans(root / "plans", end)
    files = write_all_demo_ledgers(root / "ledgers", plans, end)
    return {p.name: load_plan(p, warn=False) for p in plans}, files


def _months(folder: Path) -> list[str]:
    return sorted(p.stem.rsplit("_", 1)[1] for p in folder.glob("*.xlsx"))


def test_ledgers_for_every_plan_month_in_per_plan_folders(tmp_path):
    root = tmp_path / "demo"
    (root / "ledgers").mkdir(parents=True)
    old_layout = root / "ledgers" / "门头沟区_攻坚任务台账_2017-10.xlsx"  # where older versions wrote them
    old_layout.write_bytes(b"old")
    plans, files = _written(root, "2026-10")
    led = root / "ledgers"
    assert not old_layout.exists()
    assert sorted(p.name for p in led.iterdir()) == sorted([OLD_ID, ANNUAL_ID, AUTUMN_WINTER_ID])
    assert _months(led / OLD_ID) == [str(m) for m in pd.period_range("2017-10", "2018-03", freq="M")]
    assert _months(led / ANNUAL_ID) == [str(m) for m in pd.period_range("2026-01", "2026-10", freq="M")]
    assert _months(led / AUTUMN_WINTER_ID) == ["2026-10"]
    assert len(files) == 6 + 10 + 1
    towns = towns_frame()
    for plan in plans.values():
        ledger = read_ledgers(led / plan.id, plan, towns, warn=False)
        assert not ledger.attrs["flags"].size or ledger.attrs["flags"].empty, ledger.attrs["flags"]
        assert sorted(ledger["month"].unique()) == _months(led / plan.id)
        district_rows = ledger.loc[ledger["town_code"] == "110109"]
        assert len(district_rows["task_id"].unique()) >= 1  # a 全区 row
        split = {t.id for t in plan.tasks if t.towns}
        assert set(ledger["task_id"]) == {t.id for t in plan.tasks}
        assert set(district_rows["task_id"]).isdisjoint(split)

    # a later run with an earlier last month leaves no month of the earlier run behind
    _written(root, "2026-05")
    assert _months(led / ANNUAL_ID) == [str(m) for m in pd.period_range("2026-01", "2026-05", freq="M")]
    assert _months(led / AUTUMN_WINTER_ID) == [str(m) for m in pd.period_range("2025-10", "2026-03", freq="M")]
    assert len(_months(led / OLD_ID)) == 6


def test_synthetic_ledgers_deterministic_and_monotone():
    plan = load_plan(SOURCE_PLAN, warn=False)  # any plan with a period works; use the real one
    a = synthetic_ledger_frame(plan, "2018-01")
    assert a.equals(synthetic_ledger_frame(plan, "2018-01"))
    assert not a.equals(synthetic_ledger_frame(plan, "2018-01", seed=5))
    assert sorted(a["month"].unique()) == ["2017-10", "2017-11", "2017-12", "2018-01"]
    cum = a.sort_values("month").groupby(["task_id", "town"])["cumulative"]
    assert (cum.diff().fillna(0) >= 0).all()  # cumulative figures never fall
    assert (a["cumulative"] <= a["target"] + 1e-9).all()


def _in_force(plans, end: str):
    m = parse_month(end)
    return [p for p in plans.values() if parse_month(p.plan.period.start) <= m <= parse_month(p.plan.period.end)]


@pytest.mark.parametrize("end", ["2026-10", "2026-01", "2025-03", "2026-05", "2026-12"])
def test_task_statuses_as_of_the_last_month(tmp_path, end):
    plans, _ = _written(tmp_path, end)
    towns = towns_frame()
    names = towns.set_index("town_code")["town_name"]
    as_of = month_as_of(end)
    progs = []
    for plan in _in_force(plans, end):
        ledger = read_ledgers(tmp_path / "ledgers" / plan.id, plan, towns, warn=False)
        progs.append(town_progress(plan, ledger, as_of, towns))
    prog = pd.concat(progs, ignore_index=True)
    status = prog["status"].astype(str)
    assert {"已完成", "按期推进", "滞后", "逾期未完成"} <= set(status), status.value_counts()
    overdue_towns = set(prog.loc[status == "逾期未完成", "town_name"])
    assert overdue_towns == {names["110109007"]}  # 龙泉: past its deadline, not done
    behind = set(prog.loc[status == "滞后", "town_name"])
    assert 2 <= len(behind) <= 3, behind
    assert behind <= {names["110109006"], names["110109004"], names["110109007"]}  # 永定, 大台 (and 龙泉)
    early = prog.loc[(status == "已完成") & (prog["deadline"] > as_of), "town_name"]
    assert len(early) > 0  # some finished before their deadline
    # most town-task rows are done or on schedule
    assert status.isin(["已完成", "按期推进"]).mean() > 0.6
    assert (prog.loc[status == "逾期未完成", "days_overdue"] > 0).all()


def test_profiles_name_towns_of_the_plans():
    plan = load_plan(SOURCE_PLAN, warn=False)
    named = {town for t in plan.tasks for town in t.towns}
    assert set(SYNTHETIC_TOWN_PROFILE) == named
    assert sorted(SYNTHETIC_TOWN_PROFILE.values()).count("overdue") == 1
