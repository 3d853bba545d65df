"""Plans by date (issue #13 item 4): periods, plans in force, tasks of ended plans, stale ledgers."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from airlib.demo import towns_frame
from airlib.errors import AirlibError, InputDataError
from airlib.io.plans import Plan, load_plans, plan_for_district, plans_in_force
from airlib.tracking.progress import (
    CLOSED_STATUS,
    STATUSES,
    district_task_progress,
    ledger_currency,
    overdue_tasks,
    town_progress,
)

TOWNS = towns_frame()
CODE = dict(zip(TOWNS["town_name"], TOWNS["town_code"], strict=True))


def _plan(period: dict | None = None, **header) -> Plan:
    """A plan of two town tasks (A due 2017-11-30, B due 2017-12-31) and one district task."""
    h = {"id": "p", "title": "测试方案", "district": "门头沟区", "district_code": "110109",
         "document": "d", "issued": "2017-10-01", **header}
    if period is not None:
        h["period"] = period
    return Plan.model_validate({
        "plan": h,
        "tasks": [
            {"id": "A", "category": "c", "task": "锅炉改造", "deadline": "2017-11-30", "unit": "蒸吨",
             "towns": {"王平镇": 4, "永定镇": 6}, "source": {"section": "s"}},
            {"id": "B", "category": "c", "task": "拆小煤炉", "deadline": "2017-12-31", "unit": "台",
             "towns": {"王平镇": 10, "永定镇": 10}, "source": {"section": "s"}},
            {"id": "C", "category": "c", "task": "车辆检查", "deadline": "2017-11-30", "unit": "辆次",
             "total": 100, "source": {"section": "s"}},
        ],
    })


def _ledger(rows):
    df = pd.DataFrame(rows, columns=["month", "town", "task_id", "cumulative"])
    df["town_code"] = df["town"].map(lambda t: CODE.get(t, "110109"))
    return df


def _row(tp, town, task):
    r = tp[(tp["town_name"] == town) & (tp["task_id"] == task)]
    assert len(r) == 1
    return r.iloc[0]


# ---- periods and plans in force ---------------------------------------------------------------------

def test_period_from_header_or_derived_from_dates():
    p = _plan({"start": "2017-10", "end": "2018-03"})
    assert (p.period.start, p.period.end, p.period_derived) == ("2017-10", "2018-03", False)
    d = _plan()  # issued 2017-10-01, last deadline 2017-12-31
    assert (d.period.start, d.period.end, d.period_derived) == ("2017-10", "2017-12", True)


def test_a_plan_without_period_targets_or_tasks_is_refused_clearly():
    p = Plan.model_validate({"plan": {"id": "e", "title": "e", "district": "门头沟区", "document": "d"}})
    with pytest.raises(InputDataError, match="period"):
        _ = p.period


@pytest.mark.parametrize(("month", "covered"), [
    ("2017-09", False), ("2017-10", True), ("2018-03", True), ("2018-04", False),
    (pd.Timestamp("2018-03-31 23:00"), True), (pd.Period("2017-09", "M"), False),
])
def test_covers_at_its_edges(month, covered):
    assert _plan({"start": "2017-10", "end": "2018-03"}).covers(month) is covered


@pytest.fixture(scope="module")
def shipped():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_plans(warn=False)


def test_two_plans_in_force_at_once(shipped):
    ids = [p.id for p in plans_in_force(shipped, "2020-05", "朝阳区")]
    assert ids == ["beijing-2020-district-pm25", "chaoyang-2018-2020-three-year"]
    # three-year + autumn-winter: both in force over the overlap (list order kept)
    three = _plan({"start": "2018-01", "end": "2020-12"}, id="three")
    aw = _plan({"start": "2019-10", "end": "2020-03"}, id="aw")
    assert [p.id for p in plans_in_force([three, aw], "2019-12", "门头沟区")] == ["three", "aw"]
    assert [p.id for p in plans_in_force([three, aw], "2020-04", "门头沟区")] == ["three"]


def test_a_month_between_plans_has_none_in_force(shipped):
    assert plans_in_force(shipped, "2018-06", "门头沟区") == []
    assert plans_in_force(shipped, "2026-10", "门头沟区") == []
    assert [p.id for p in plans_in_force(shipped, "2018-03", "门头沟区")] == ["mentougou-2017-autumn-winter"]


def test_city_wide_plan_applies_its_district_targets_to_the_district(shipped):
    city = shipped["beijing-2020-district-pm25"]
    assert [p.id for p in plans_in_force(shipped, "2020-07", "门头沟区")] == [city.id]
    # a district the city plan names nowhere: not in force for it
    assert plans_in_force([city], "2020-07", "雄安新区") == []
    local = plan_for_district(city, "门头沟区", "110109")
    named = [g for g in city.targets if g.district == "门头沟区"]
    assert len(named) == 1 and [g.id for g in local.targets] == [named[0].id]
    assert local.plan.district == "门头沟区" and local.plan.district_code == "110109"
    assert local.targets[0].value == named[0].value and local.tasks == []
    assert city.plan.district == "北京市" and len(city.targets) == 17  # the loaded plan is untouched
    own = shipped["mentougou-2017-autumn-winter"]
    assert plan_for_district(own, "门头沟区") is own


def test_a_plan_of_another_district_is_refused_in_chinese(shipped):
    with pytest.raises(AirlibError, match="属于朝阳区.*门头沟区"):
        plan_for_district(shipped["chaoyang-2018-2020-three-year"], "门头沟区")


# ---- a plan ending mid-season: tasks closed with their final state ----------------------------------

LED = _ledger([
    ("2017-11", "王平地区", "A", 4.0), ("2017-11", "永定地区", "A", 2.0),
    ("2017-12", "永定地区", "A", 3.0), ("2017-12", "王平地区", "B", 5.0),
    ("2018-02", "永定地区", "A", 6.0),  # reported after the plan ended: not its final state
    ("2017-12", "门头沟区", "C", 40.0),
])
ENDS_DEC = {"start": "2017-10", "end": "2017-12"}


def test_last_day_of_the_plan_is_still_open():
    tp = town_progress(_plan(ENDS_DEC), LED, "2017-12-31", TOWNS)
    r = _row(tp, "永定地区", "A")
    assert r["status"] == "逾期未完成" and r["days_overdue"] == 31 and not r["closed"]


@pytest.mark.parametrize("as_of", ["2018-01-01", "2018-03-31", "2026-10-31"])
def test_tasks_of_an_ended_plan_are_closed_with_their_final_state(as_of):
    tp = town_progress(_plan(ENDS_DEC), LED, as_of, TOWNS)
    assert tp["closed"].all()
    a = _row(tp, "永定地区", "A")
    # final state at the plan end (2017-12: 3 of 6); the 2018-02 report does not count
    assert a["completed"] == 3.0 and a["completion_rate"] == 0.5
    assert a["status"] == CLOSED_STATUS and a["days_overdue"] == 31  # stops at 2017-12-31
    assert _row(tp, "王平地区", "A")["status"] == "已完成"
    b = _row(tp, "王平地区", "B")  # deadline = plan end: unfinished, but never overdue
    assert b["status"] == CLOSED_STATUS and b["days_overdue"] == 0
    assert not (tp["status"] == "逾期未完成").any() and overdue_tasks(tp).empty
    d = district_task_progress(_plan(ENDS_DEC), LED, as_of).set_index("task_id")
    assert d.loc["C", "status"] == CLOSED_STATUS and d.loc["C", "days_overdue"] == 31
    assert d.loc["C", "completed"] == 40.0


def test_same_ledger_in_a_longer_plan_is_overdue_and_keeps_counting():
    tp = town_progress(_plan({"start": "2017-10", "end": "2018-06"}), LED, "2018-03-31", TOWNS)
    assert _row(tp, "永定地区", "A")["completed"] == 6.0  # the 2018-02 report counts here
    b = _row(tp, "王平地区", "B")
    assert b["status"] == "逾期未完成" and b["days_overdue"] == 90  # 2017-12-31 → 2018-03-31
    assert not tp["closed"].any()


def test_closed_status_is_a_defined_status():
    assert CLOSED_STATUS in STATUSES
    import airlib.tracking.progress as m

    assert CLOSED_STATUS in m.__doc__


# ---- stale ledgers ----------------------------------------------------------------------------------

def test_stale_ledgers_name_their_last_month_and_the_missing_ones():
    plan = _plan({"start": "2017-10", "end": "2018-06"})
    tp = town_progress(plan, LED.loc[LED["month"] <= "2017-12"], "2018-02-28", TOWNS)
    assert tp.attrs["stale"] is True and tp.attrs["last_month"] == "2017-12"
    assert tp.attrs["missing_months"] == ["2018-01", "2018-02"] and tp.attrs["required_month"] == "2018-02"


def test_ledgers_reaching_the_month_are_current():
    plan = _plan({"start": "2017-10", "end": "2018-06"})
    cur = ledger_currency(LED, plan, "2018-02-28")
    assert cur == {"stale": False, "last_month": "2018-02", "required_month": "2018-02", "missing_months": []}
    # mid-month: that month's ledger is not due yet
    assert ledger_currency(LED, plan, "2018-03-15")["stale"] is False
    assert ledger_currency(LED, plan, "2018-03-31")["missing_months"] == ["2018-03"]


def test_an_ended_plan_needs_ledgers_only_to_its_end():
    cur = ledger_currency(LED, _plan(ENDS_DEC), "2026-10-31")
    assert cur == {"stale": False, "last_month": "2017-12", "required_month": "2017-12", "missing_months": []}


def test_no_ledger_at_all_is_stale_without_a_last_month():
    cur = ledger_currency(LED.iloc[0:0], _plan(ENDS_DEC), "2017-11-30")
    assert cur == {"stale": True, "last_month": None, "required_month": "2017-11",
                   "missing_months": ["2017-10", "2017-11"]}


# ---- the notebook's summary sentence for every kind of plan target ----------------------------------

@pytest.mark.parametrize(("kind", "value", "words"), [
    ("reduction_vs_last_year", 25, "目标 −25%"), ("absolute_cap", 52, "目标 ≤ 52 µg/m³"),
    ("reduction_vs_last_year", None, "目标 继续下降"),
])
def test_period_summary_names_the_target_as_the_plan_sets_it(kind, value, words):
    from airlib.tracking.targets import period_summary_zh

    plan = Plan.model_validate({
        "plan": {"id": "s", "title": "s", "district": "门头沟区", "document": "d"},
        "targets": [{"id": "T1", "metric": "pm25_mean", "period": {"start": "2020-01", "end": "2020-12"},
                     "kind": kind, "value": value, "unit": "%" if kind != "absolute_cap" else "µg/m³",
                     "source": {"section": "s"}}],
    })
    result = pd.DataFrame([{"area_level": "区", "window": "目标期累计", "target_id": "T1",
                            "metric_label": "PM2.5平均浓度", "current": 50.0, "change_pct": -3.0,
                            "status": "未达标", "outlook": "仍可达成", "allowance": float("nan"),
                            "remaining_days": 10}])
    [line] = period_summary_zh(result, plan)
    assert words in line and "50.0" in line
