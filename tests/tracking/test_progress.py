"""Task progress arithmetic at its edges, roll-ups, scores and the overdue list."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.demo import towns_frame
from airlib.io.plans import Plan
from airlib.tracking.progress import (
    completion_timing,
    district_progress,
    format_quantity,
    overdue_tasks,
    to_display,
    town_progress,
    town_scores,
)

TOWNS = towns_frame()
CODE = dict(zip(TOWNS["town_name"], TOWNS["town_code"], strict=True))

PLAN = Plan.model_validate({
    # in force to 2018-06: every date below is inside the plan (test_plan_periods.py covers its end)
    "plan": {"id": "t", "title": "t", "district": "门头沟区", "document": "d", "issued": "2017-09-01",
             "period": {"start": "2017-09", "end": "2018-06"}},
    "tasks": [
        # 60 days from 2017-09-01 to 2017-10-31
        {"id": "A", "category": "c", "task": "锅炉改造", "deadline": "2017-10-31", "unit": "蒸吨", "total": 10,
         "towns": {"王平镇": 4, "永定镇": 6, "清水镇": 0}, "lead": "区环保局", "responsible": ["各镇街"],
         "assisting": "区质监局", "source": {"section": "s"}},
        {"id": "B", "category": "c", "task": "拆小煤炉", "deadline": "2017-12-31", "unit": "台", "total": 20,
         "towns": {"王平镇": 10, "永定镇": 10}, "lead": "区城管执法局", "source": {"section": "s"}},
    ],
})


def _ledger(rows):
    df = pd.DataFrame(rows, columns=["month", "town", "task_id", "cumulative"])
    df["town_code"] = df["town"].map(CODE)
    return df


def _row(tp, town, task):
    r = tp[(tp["town_name"] == town) & (tp["task_id"] == task)]
    assert len(r) == 1
    return r.iloc[0]


def test_target_reached_exactly_is_done():
    tp = town_progress(PLAN, _ledger([("2017-10", "王平地区", "A", 4.0)]), "2017-10-31", TOWNS)
    r = _row(tp, "王平地区", "A")
    assert r["completion_rate"] == 1.0 and r["status"] == "已完成" and r["remaining"] == 0


def test_deadline_today_is_not_overdue_but_day_after_is():
    led = _ledger([("2017-10", "永定地区", "A", 5.0)])
    today = _row(town_progress(PLAN, led, "2017-10-31", TOWNS), "永定地区", "A")
    assert today["elapsed_share"] == 1.0
    assert today["status"] == "滞后" and today["days_overdue"] == 0
    after = _row(town_progress(PLAN, led, "2017-11-01", TOWNS), "永定地区", "A")
    assert after["status"] == "逾期未完成" and after["days_overdue"] == 1


def test_elapsed_share_and_on_track_boundary():
    # 2017-09-01 → 2017-10-31 is 60 days; on 2017-09-30, 29/60 of the time has passed.
    as_of = "2017-09-30"
    led = _ledger([("2017-09", "永定地区", "A", 6 * 29 / 60), ("2017-09", "王平地区", "A", 4 * 29 / 60 - 0.01)])
    tp = town_progress(PLAN, led, as_of, TOWNS)
    y, w = _row(tp, "永定地区", "A"), _row(tp, "王平地区", "A")
    assert y["elapsed_share"] == pytest.approx(29 / 60)
    assert y["status"] == "按期推进"  # exactly on schedule
    assert w["status"] == "滞后"


def test_zero_target_counts_as_done_and_is_left_out_of_the_score():
    tp = town_progress(PLAN, _ledger([]), "2017-10-15", TOWNS)
    r = _row(tp, "清水镇", "A")
    assert r["target"] == 0 and r["completion_rate"] == 1.0 and r["status"] == "已完成"
    assert not r["reported"]
    sc = town_scores(tp).set_index("town_name")
    assert sc.loc["清水镇", "n_tasks"] == 0 and pd.isna(sc.loc["清水镇", "score"]) and pd.isna(sc.loc["清水镇", "rank"])


def test_town_without_target_reporting_progress():
    tp = town_progress(PLAN, _ledger([("2017-10", "雁翅镇", "B", 3.0)]), "2017-10-31", TOWNS)
    r = _row(tp, "雁翅镇", "B")
    assert np.isnan(r["target"]) and np.isnan(r["completion_rate"]) and r["status"] == "无分解任务"
    assert r["completed"] == 3
    assert "雁翅镇" not in set(town_scores(tp)["town_name"])
    # the district roll-up of B counts 雁翅镇's 3 in completed but not in the target
    d = district_progress(tp).set_index("task_id")
    assert d.loc["B", "target"] == 20 and d.loc["B", "completed"] == 3


def test_no_report_means_zero_and_later_reports_are_ignored():
    led = _ledger([("2017-11", "王平地区", "B", 10.0)])
    tp = town_progress(PLAN, led, "2017-10-31", TOWNS)  # the November report is not yet due
    r = _row(tp, "王平地区", "B")
    assert r["completed"] == 0 and not r["reported"] and r["status"] == "滞后"
    r = _row(town_progress(PLAN, led, "2017-11-30", TOWNS), "王平地区", "B")
    assert r["completed"] == 10 and r["reported"] and r["last_month"] == "2017-11"


def test_latest_cumulative_is_used():
    led = _ledger([("2017-10", "王平地区", "B", 2.0), ("2017-11", "王平地区", "B", 7.0), ("2017-12", "王平地区", "B", 9.0)])
    r = _row(town_progress(PLAN, led, "2017-12-01", TOWNS), "王平地区", "B")
    assert r["completed"] == 7 and r["completion_rate"] == pytest.approx(0.7)


def test_district_rollup_adds_up():
    led = _ledger([("2017-10", "王平地区", "A", 4.0), ("2017-10", "永定地区", "A", 3.0),
                   ("2017-10", "王平地区", "B", 5.0), ("2017-10", "永定地区", "B", 1.0)])
    tp = town_progress(PLAN, led, "2017-10-31", TOWNS)
    d = district_progress(tp).set_index("task_id")
    for task in ("A", "B"):
        sub = tp[tp["task_id"] == task]
        assert d.loc[task, "target"] == sub["target"].sum()
        assert d.loc[task, "completed"] == sub["completed"].sum()
    assert d.loc["A", "completion_rate"] == pytest.approx(7 / 10)
    assert d.loc["A", ["n_done", "n_behind"]].tolist() == [2, 1]  # 王平 done, 清水 zero target, 永定 behind


def test_split_that_disagrees_with_stated_total_shows_both():
    plan = Plan.model_validate({
        "plan": {"id": "t", "title": "t", "district": "门头沟区", "document": "d", "issued": "2017-09-01"},
        "tasks": [{"id": "K09", "category": "c", "task": "低氮改造", "deadline": "2017-10-31", "unit": "蒸吨",
                   "total": 10, "towns": {"龙泉镇": 12, "永定镇": 2}, "source": {"section": "s"}}],
    })
    tp = town_progress(plan, _ledger([]), "2017-10-31", TOWNS)
    d = district_progress(tp).iloc[0]
    assert d["target"] == 14 and d["stated_total"] == 10


def test_scores_and_competition_ranking_with_ties():
    led = _ledger([("2017-10", "王平地区", "A", 4.0), ("2017-10", "王平地区", "B", 5.0),
                   ("2017-10", "永定地区", "A", 6.0), ("2017-10", "永定地区", "B", 5.0)])
    sc = town_scores(town_progress(PLAN, led, "2017-10-31", TOWNS)).set_index("town_name")
    assert sc.loc["王平地区", "score"] == 75.0 and sc.loc["永定地区", "score"] == 75.0
    assert sc.loc["王平地区", "rank"] == 1 and sc.loc["永定地区", "rank"] == 1
    led2 = pd.concat([led, _ledger([("2017-10", "清水镇", "A", 0.0)])])
    led2.loc[(led2["town"] == "永定地区") & (led2["task_id"] == "B"), "cumulative"] = 1.0
    sc2 = town_scores(town_progress(PLAN, led2, "2017-10-31", TOWNS))
    assert sc2["town_name"].tolist()[:2] == ["王平地区", "永定地区"]
    assert sc2["rank"].tolist()[:2] == [1, 2]
    assert sc2.loc[1, "score"] == pytest.approx(55.0)


def test_completion_above_target_is_capped_in_the_score():
    led = _ledger([("2017-10", "王平地区", "A", 8.0), ("2017-10", "王平地区", "B", 0.0)])
    tp = town_progress(PLAN, led, "2017-10-31", TOWNS)
    assert _row(tp, "王平地区", "A")["completion_rate"] == 2.0
    assert town_scores(tp).set_index("town_name").loc["王平地区", "score"] == 50.0


def test_overdue_list_has_units_and_is_sorted():
    led = _ledger([("2017-12", "王平地区", "A", 1.0), ("2017-12", "永定地区", "B", 2.0)])
    od = overdue_tasks(town_progress(PLAN, led, "2018-01-15", TOWNS))
    # most overdue first, then task, then town code (王平 110109005 before 永定 110109006)
    assert od[["task_id", "town_name"]].values.tolist() == [["A", "王平地区"], ["A", "永定地区"],
                                                             ["B", "王平地区"], ["B", "永定地区"]]
    assert od["days_overdue"].tolist() == [76, 76, 15, 15]
    assert (od.loc[od["task_id"] == "A", "lead"] == "区环保局").all()
    assert (od.loc[od["task_id"] == "A", "assisting"] == "区质监局").all()
    assert od.loc[od["town_name"] == "王平地区", "remaining"].tolist() == [3.0, 10.0]


def test_to_display_chinese_headers_and_percent():
    tp = town_progress(PLAN, _ledger([("2017-10", "王平地区", "A", 2.0)]), "2017-10-31", TOWNS)
    disp = to_display(tp)
    assert {"镇街", "任务编号", "完成率（%）", "时间进度（%）", "状态", "牵头单位", "主责单位", "协办单位"} <= set(disp.columns)
    assert disp.loc[(disp["镇街"] == "王平地区") & (disp["任务编号"] == "A"), "完成率（%）"].item() == 50.0
    assert "任务进度得分" in to_display(town_scores(tp)).columns


def test_statuses_are_exhaustive_and_categorical():
    tp = town_progress(PLAN, _ledger([]), "2017-09-01", TOWNS)
    assert str(tp["status"].dtype) == "category"
    assert set(tp["status"].astype(str)) <= {"已完成", "按期推进", "滞后", "逾期未完成", "无分解任务"}
    # on the start day nothing is expected yet: everything with a positive target is on track
    assert (tp.loc[tp["target"] > 0, "status"] == "按期推进").all()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(min_value=0, max_value=25, allow_nan=False), min_size=4, max_size=4),
    day=st.integers(min_value=0, max_value=150),
)
def test_properties_rollups_scores_statuses(values, day):
    rows = [("2017-09", town, task, v) for (town, task), v in
            zip([("王平地区", "A"), ("永定地区", "A"), ("王平地区", "B"), ("永定地区", "B")], values, strict=True)]
    as_of = pd.Timestamp("2017-09-30") + pd.Timedelta(days=day)
    tp = town_progress(PLAN, _ledger(rows), as_of, TOWNS)
    d = district_progress(tp).set_index("task_id")
    for task in ("A", "B"):
        sub = tp[tp["task_id"] == task]
        assert d.loc[task, "completed"] == pytest.approx(sub["completed"].sum())
        assert d.loc[task, "target"] == pytest.approx(sub["target"].sum())
        assert d.loc[task, ["n_done", "n_on_track", "n_behind", "n_overdue"]].sum() == len(sub)
    pos = tp[tp["target"] > 0]
    done = pos["completion_rate"] >= 1
    assert (pos.loc[done, "status"] == "已完成").all()
    late = ~done & (as_of > pos["deadline"])
    assert (pos.loc[late, "status"] == "逾期未完成").all()
    assert ((pos["status"] == "逾期未完成") == late).all()
    sc = town_scores(tp).dropna(subset=["score"])
    assert sc["score"].between(0, 100).all()
    assert sc["score"].is_monotonic_decreasing
    # the rank follows the composite key: never better for a lower score, equal only when all keys tie
    r = sc["rank"].to_numpy()
    assert (np.diff(r) >= 0).all() and r[0] == 1
    keys = sc[["score", "days_late_total"]].to_numpy()
    for i in range(len(sc) - 1):
        assert (r[i] == r[i + 1]) == (keys[i] == keys[i + 1]).all()


def test_demo_ledgers_through_the_season(tmp_path):
    import warnings

    from airlib.demo.ledgers import write_demo_ledgers
    from airlib.io.ledgers import LedgerWarning, read_ledgers
    from airlib.io.plans import load_plan, plan_dir

    plan = load_plan(plan_dir() / "mentougou_2017_autumn_winter.yaml", warn=False)
    write_demo_ledgers(tmp_path, plan=plan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LedgerWarning)
        led = read_ledgers(tmp_path, plan, TOWNS)
    on_deadline = town_progress(plan, led, "2017-10-31", TOWNS)
    q = _row(on_deadline, "清水镇", "K08")
    assert q["status"] == "滞后" and q["days_overdue"] == 0
    after = town_progress(plan, led, "2017-11-30", TOWNS)
    assert _row(after, "清水镇", "K08")["status"] == "逾期未完成"
    end = town_progress(plan, led, "2018-03-31", TOWNS)
    # the district roll-up keeps the plan's stated totals beside the town sums
    d = district_progress(end).set_index("task_id")
    assert d.loc["K07", ["stated_total", "target"]].tolist() == [763, 763]
    assert d.loc["K09", ["stated_total", "target"]].tolist() == [10, 14]
    assert d.loc["K08", "target"] == 507 and d.loc["K08", "completed"] < 507
    sc = town_scores(end)
    assert sc.iloc[-1]["town_name"] == "清水镇"
    from airlib.tracking.progress import district_task_progress
    dec = district_task_progress(plan, led, "2018-01-31").set_index("task_id")
    assert dec.loc["K11", "status"] == "逾期未完成" and dec.loc["K11", "completed"] == 19800
    assert district_task_progress(plan, led, "2018-02-28").set_index("task_id").loc["K11", "status"] == "已完成"
    assert not dec.loc["K01", "reported"]  # no 全区 row for 煤炭压减
    assert set(overdue_tasks(end)["town_name"]) == {"清水镇"}


# ---- notebook helpers ----------------------------------------------------------------------------

def test_progress_summary_zh_counts_and_last_town():
    from airlib.tracking.progress import progress_summary_zh

    led = _ledger([("2017-12", "王平地区", "A", 4.0), ("2017-12", "王平地区", "B", 20.0),
                   ("2017-12", "永定地区", "A", 1.0), ("2017-12", "永定地区", "B", 2.0)])
    tp = town_progress(PLAN, led, "2018-01-15", TOWNS)
    lines = progress_summary_zh(tp, town_scores(tp))
    # positive town targets: 王平 A, B and 永定 A, B (清水 A = 0 is left out); 王平 done both,
    # 永定 overdue on both (A due 2017-10-31, B due 2017-12-31)
    assert lines == ["重点任务：4 项镇街分解任务中已完成 2 项，逾期未完成 2 项。",
                     "逾期未完成任务合计逾期 91 天，最长 76 天。", "任务进度排名末位：永定地区。"]
    # with the ledger: the on-time completion. 王平 reached A and B in 2017-12, the ledger's first
    # month: nothing shows A (due 2017-10) was late, so both count as on time
    full = progress_summary_zh(tp, town_scores(tp, led, "2018-01-15"))
    assert full[1] == "已到期 4 项中按期完成 2 项（按期完成率 50.0%）。"
    led_oct = pd.concat([_ledger([("2017-10", "王平地区", "A", 1.0)]), led])  # an October report below target
    late = progress_summary_zh(tp, town_scores(tp, led_oct, "2018-01-15"))
    assert late[1] == "已到期 4 项中按期完成 1 项（按期完成率 25.0%）。"
    assert len(overdue_tasks(tp)) == 2
    # no scored town: the ranking sentence is omitted (not an IndexError)
    assert progress_summary_zh(tp, town_scores(tp).assign(score=np.nan)) == lines[:2]
    with pytest.raises(Exception, match="status"):
        progress_summary_zh(tp.drop(columns=["status"]), town_scores(tp))


def test_progress_overview_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.tracking.progress import plot_progress_overview

    tp = town_progress(PLAN, _ledger([("2017-10", "王平地区", "A", 4.0)]), "2017-10-31", TOWNS)
    fig = plot_progress_overview(tp, town_scores(tp), "门头沟区", "2017-10")
    assert len(fig.axes) >= 2 and "门头沟区各镇街任务进度得分（2017-10）" in fig.axes[0].get_title()
    plt.close(fig)


# ---- what a director asks next: on time, days late, remaining, a rank that separates ---------------

ONE = Plan.model_validate({
    "plan": {"id": "t", "title": "t", "district": "门头沟区", "document": "d", "issued": "2017-09-01",
             "period": {"start": "2017-09", "end": "2018-03"}},  # in force at every date the tests ask
    "tasks": [
        {"id": "M", "category": "c", "task": "mid-month deadline", "deadline": "2017-10-15", "unit": "台", "total": 4,
         "towns": {"王平镇": 2, "永定镇": 2}, "source": {"section": "s"}},
        {"id": "E", "category": "c", "task": "month-end deadline", "deadline": "2017-10-31", "unit": "蒸吨",
         "total": 7, "towns": {"王平镇": 3.5, "永定镇": 3.5}, "source": {"section": "s"}},
    ],
})


def test_on_time_at_the_deadline_month_boundary():
    led = _ledger([("2017-09", "王平地区", "M", 1.0), ("2017-10", "王平地区", "M", 2.0),  # reached in Oct: on time
                   ("2017-10", "永定地区", "M", 1.0), ("2017-11", "永定地区", "M", 2.0),  # reached in Nov: late
                   ("2017-10", "王平地区", "E", 3.5),                                     # deadline month: on time
                   ("2017-10", "永定地区", "E", 3.4), ("2017-11", "永定地区", "E", 3.5)])  # one month late
    t = completion_timing(town_progress(ONE, led, "2017-11-30", TOWNS), led, "2017-11-30").set_index(
        ["town_name", "task_id"])
    assert t.loc[("王平地区", "M"), "completed_month"] == "2017-10" and t.loc[("王平地区", "M"), "on_time"]
    assert t.loc[("永定地区", "M"), "completed_month"] == "2017-11" and not t.loc[("永定地区", "M"), "on_time"]
    assert t.loc[("王平地区", "E"), "on_time"] and not t.loc[("永定地区", "E"), "on_time"]
    # before the deadline nothing is due: on_time is NA even for a finished task
    early = completion_timing(town_progress(ONE, led, "2017-10-14", TOWNS), led, "2017-10-14")
    assert not early["due"].any() and early["on_time"].isna().all()


def test_completion_month_is_the_start_of_the_last_run_at_target():
    # reached in 2017-09, corrected below target in 2017-10, reached again in 2017-11: late
    led = _ledger([("2017-09", "王平地区", "E", 3.5), ("2017-10", "王平地区", "E", 3.0), ("2017-11", "王平地区", "E", 3.5)])
    t = completion_timing(town_progress(ONE, led, "2017-11-30", TOWNS), led, "2017-11-30").set_index(
        ["town_name", "task_id"])
    assert t.loc[("王平地区", "E"), "completed_month"] == "2017-11" and not t.loc[("王平地区", "E"), "on_time"]
    # not complete as of the date: no completion month
    t = completion_timing(town_progress(ONE, led, "2017-10-31", TOWNS), led, "2017-10-31").set_index(
        ["town_name", "task_id"])
    assert pd.isna(t.loc[("王平地区", "E"), "completed_month"]) and not t.loc[("王平地区", "E"), "on_time"]


def test_equal_scores_are_separated_by_on_time_share():
    # both towns finish both tasks (score 100); 永定 finishes M a month late
    led = _ledger([("2017-10", "王平地区", "M", 2.0), ("2017-10", "王平地区", "E", 3.5),
                   ("2017-11", "永定地区", "M", 2.0), ("2017-10", "永定地区", "E", 3.5)])
    tp = town_progress(ONE, led, "2017-11-30", TOWNS)
    sc = town_scores(tp, led, "2017-11-30").set_index("town_name")
    assert sc.loc["王平地区", "score"] == sc.loc["永定地区", "score"] == 100.0
    assert sc.loc["王平地区", "on_time_share"] == 1.0 and sc.loc["永定地区", "on_time_share"] == 0.5
    assert sc.loc["王平地区", ["n_due", "n_on_time"]].tolist() == [2, 2]
    assert sc.loc["王平地区", "rank"] == 1 and sc.loc["永定地区", "rank"] == 2
    # without the ledger the on-time share is unknown and the two tie
    plain = town_scores(tp).set_index("town_name")
    assert plain.loc["王平地区", "rank"] == plain.loc["永定地区", "rank"] == 1
    assert pd.isna(plain.loc["王平地区", "on_time_share"]) and pd.isna(plain.loc["王平地区", "n_due"])


def test_equal_score_and_share_are_separated_by_days_late_and_all_equal_tie():
    # both towns at 50 % of each task, both overdue on both: equal score and share (0); days late equal → tie
    led = _ledger([("2017-10", "王平地区", "M", 1.0), ("2017-10", "王平地区", "E", 1.75),
                   ("2017-10", "永定地区", "M", 1.0), ("2017-10", "永定地区", "E", 1.75)])
    tp = town_progress(ONE, led, "2017-11-30", TOWNS)
    sc = town_scores(tp, led, "2017-11-30").set_index("town_name")
    assert sc.loc["王平地区", "rank"] == sc.loc["永定地区", "rank"] == 1
    assert sc.loc["王平地区", ["days_late_total", "days_late_max"]].tolist() == [46 + 30, 46]
    # same score (50), same share (0), but 永定's late task is M (46 days) instead of E (30 days) → more days late
    led2 = _ledger([("2017-10", "王平地区", "M", 2.0), ("2017-10", "王平地区", "E", 0.0),
                    ("2017-10", "永定地区", "M", 0.0), ("2017-10", "永定地区", "E", 3.5)])
    sc2 = town_scores(town_progress(ONE, led2, "2017-11-30", TOWNS), led2, "2017-11-30").set_index("town_name")
    assert sc2.loc["王平地区", "score"] == sc2.loc["永定地区", "score"] == 50.0
    assert sc2.loc["王平地区", "on_time_share"] == sc2.loc["永定地区", "on_time_share"] == 0.5
    assert sc2.loc["王平地区", "days_late_total"] == 30 and sc2.loc["永定地区", "days_late_total"] == 46
    assert sc2.loc["王平地区", "rank"] == 1 and sc2.loc["永定地区", "rank"] == 2


def test_remaining_quantity_in_each_unit():
    led = _ledger([("2017-10", "王平地区", "M", 0.0), ("2017-10", "王平地区", "E", 0.0),
                   ("2017-10", "永定地区", "M", 2.0), ("2017-10", "永定地区", "E", 3.5)])
    sc = town_scores(town_progress(ONE, led, "2017-10-31", TOWNS), led, "2017-10-31").set_index("town_name")
    assert sc.loc["王平地区", "remaining_text"] == "2 台；3.5 蒸吨"
    assert pd.isna(sc.loc["永定地区", "remaining_text"])
    assert [format_quantity(v) for v in (202.0, 3.5, 0.25, 1 / 3, 19800.0)] == ["202", "3.5", "0.25", "0.33", "19800"]
    assert format_quantity(np.nan) == "—" and format_quantity(3.0, "村") == "3 村"


def test_displayed_counts_are_integers():
    led = _ledger([("2017-10", "王平地区", "M", 2.0), ("2017-11", "永定地区", "E", 1.0)])
    tp = town_progress(ONE, led, "2017-11-30", TOWNS)
    shown = to_display(town_scores(tp, led, "2017-11-30"))
    for col in ("任务数", "已完成", "逾期未完成", "已到期任务数", "按期完成数", "逾期天数合计", "最长逾期天数", "排名"):
        assert str(shown[col].dtype) == "Int64", col
        assert all("." not in str(v) for v in shown[col].dropna()), col
    rows = to_display(tp)
    assert set(rows["任务量"]) == {"2", "3.5"} and str(rows["逾期天数"].dtype) == "Int64"
    assert "1" in set(rows["累计完成"]) and not any(v.endswith(".0") for v in rows["累计完成"])


def test_ledgers_beginning_after_the_deadline_show_no_lateness():
    # M is due 2017-10-15; the ledgers begin in 2017-11
    led = _ledger([("2017-11", "王平地区", "M", 2.0),                                   # first report: done → on time
                   ("2017-11", "永定地区", "E", 3.5), ("2017-12", "永定地区", "M", 2.0)])  # 永定 sent no M in Nov → late
    t = completion_timing(town_progress(ONE, led, "2017-12-31", TOWNS), led, "2017-12-31").set_index(
        ["town_name", "task_id"])
    assert t.loc[("王平地区", "M"), "completed_month"] == "2017-11" and t.loc[("王平地区", "M"), "on_time"]
    assert t.loc[("永定地区", "M"), "completed_month"] == "2017-12" and not t.loc[("永定地区", "M"), "on_time"]
    assert t.loc[("永定地区", "E"), "on_time"]  # E due 2017-10-31, first report 2017-11 already done
