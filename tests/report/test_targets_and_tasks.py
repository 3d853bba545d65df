"""The report's heavy-pollution-day target (allowance table and its checked sentence) and the
task tables a director reads (on-time share, days late, remaining work, deadlines, units)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.io.plans import Plan
from airlib.report.content import (
    heavy_targets_display,
    heavy_targets_markdown,
    progress_table,
    targets_display,
    tasks_display,
)
from airlib.report.data import TaskProgress
from airlib.report.sentences import check_heavy_days_sentence, heavy_days_sentence, require_true_heavy_days_sentence
from airlib.tracking.targets import evaluate_targets

AW = {"start": "2017-10", "end": "2018-03"}


def _plan(*targets):
    return Plan.model_validate({
        "plan": {"id": "t", "title": "t", "district": "门头沟区", "district_code": "110109", "document": "d"},
        "targets": [{"source": {"section": "s"}, **t} for t in targets],
    })


PM = {"id": "T01", "metric": "pm25_mean", "period": AW, "kind": "reduction_vs_last_year", "value": 25}
HEAVY = {"id": "T02", "metric": "heavy_pollution_days", "period": AW, "kind": "reduction_vs_last_year", "value": 20}


def _targets(last_days: int, this_days: int, month: str = "2017-12") -> pd.DataFrame:
    """District rows of the period window, as airlib.report.data.district_targets gives them."""
    dates = pd.date_range("2016-10-01", pd.Period(month, freq="M").end_time.normalize(), freq="D")
    aqi = np.full(len(dates), 80.0)
    aqi[np.isin(dates, pd.date_range("2016-11-03", periods=last_days, freq="D"))] = 240.0
    aqi[np.isin(dates, pd.date_range("2017-11-03", periods=this_days, freq="D"))] = 240.0
    d = pd.DataFrame({"date": dates, "pm25": np.where(dates < "2017-10-01", 80.0, 60.0), "aqi": aqi})
    res = evaluate_targets(_plan(PM, HEAVY), None, d, month, windows=("period",))
    return res.assign(plan="t")


@pytest.mark.parametrize("last, used, allowed, left_words", [
    (12, 5, 9, "剩余可用4天"),     # 12 × 0.8 = 9.6 → 9 allowed
    (10, 8, 8, "已无剩余可用天数"),  # exactly at the allowance
    (10, 9, 8, "已超出允许天数1天"),  # one over
    (0, 0, 0, "已无剩余可用天数"),   # none last year: none allowed
])
def test_heavy_day_table_and_sentence(last, used, allowed, left_words):
    data = SimpleNamespace(targets=_targets(last, used))
    table = heavy_targets_display(data)
    assert table.columns.tolist() == ["目标", "统计期", "已出现天数", "上年同期天数", "上年全期天数", "全期允许天数",
                                      "剩余可用天数", "状态", "展望"]
    row = table.iloc[0]
    assert row["目标"] == "T02 同比下降20%" and row["统计期"] == "2017-10-01～2017-12-31"
    assert [row[c] for c in ("已出现天数", "上年全期天数", "全期允许天数", "剩余可用天数")] == \
        [str(used), str(last), str(allowed), str(allowed - used)]
    assert all("." not in str(v) for v in row.iloc[2:7])  # day counts are whole numbers
    (sentence,) = heavy_targets_markdown(data)
    assert f"已出现{used}天" in sentence and f"全期允许{allowed}天" in sentence and left_words in sentence
    # the PM2.5 table keeps only the PM2.5 target
    assert targets_display(data)["目标"].tolist() == ["T01 同比下降25%"]


def test_heavy_day_sentence_is_checked_against_its_row():
    t = _targets(12, 5)
    row = t[t["metric"] == "heavy_pollution_days"].iloc[0]
    good = heavy_days_sentence(row, "T02", "zh")
    assert check_heavy_days_sentence(good, row) == []
    wrong = dataclasses.replace(good, allowed=10, text=good.text.replace("全期允许9天", "全期允许10天"))
    assert any("days allowed" in p for p in check_heavy_days_sentence(wrong, row))
    words = dataclasses.replace(good, text=good.text.replace("剩余可用4天", "已无剩余可用天数"))
    assert check_heavy_days_sentence(words, row)
    with pytest.raises(AirlibError, match="heavy-pollution-day sentence"):
        require_true_heavy_days_sentence(words, row)
    # a row whose allowance was computed differently (rounded up) is caught too
    up = row.copy()
    up["allowed_total"] = 10
    assert any("target row" in p for p in check_heavy_days_sentence(heavy_days_sentence(up, "T02"), up))
    en = heavy_days_sentence(row, "T02", "en").text
    assert "9 are allowed" in en and "4 left" in en


def test_heavy_day_sentence_without_last_year():
    t = _targets(3, 1)
    row = t[t["metric"] == "heavy_pollution_days"].iloc[0].copy()
    row[["comparison", "comparison_full", "allowed_total", "allowance"]] = np.nan
    s = heavy_days_sentence(row, "T02")
    assert "无法计算允许天数" in s.text and s.allowed is None and check_heavy_days_sentence(s, row) == []


# ---- task tables ---------------------------------------------------------------------------------

def _progress():
    from airlib.demo import towns_frame
    from airlib.tracking.progress import district_progress, overdue_tasks, town_progress, town_scores

    towns = towns_frame()
    code = dict(zip(towns["town_name"], towns["town_code"], strict=True))
    plan = Plan.model_validate({
        "plan": {"id": "t", "title": "t", "district": "门头沟区", "document": "d", "issued": "2017-09-01",
             "period": {"start": "2017-09", "end": "2018-03"}},  # in force at every date the test asks
        "tasks": [
            {"id": "A", "category": "c", "task": "锅炉改造", "deadline": "2017-10-31", "unit": "蒸吨", "total": 7,
             "towns": {"王平镇": 3.5, "永定镇": 3.5}, "lead": "区环保局", "responsible": ["各镇街"],
             "source": {"section": "s"}},
            {"id": "B", "category": "c", "task": "拆小煤炉", "deadline": "2017-12-31", "unit": "台", "total": 404,
             "towns": {"王平镇": 202, "永定镇": 202}, "source": {"section": "s"}},
        ],
    })
    led = pd.DataFrame([("2017-10", "王平地区", "A", 3.5), ("2017-11", "永定地区", "A", 3.5),
                        ("2017-12", "永定地区", "A", 3.5),  # 王平 sent no December report for B
                        ("2018-01", "王平地区", "B", 202.0), ("2018-01", "永定地区", "B", 0.0)],
                       columns=["month", "town", "task_id", "cumulative"])
    led["town_code"] = led["town"].map(code)
    as_of = pd.Timestamp("2018-01-31")
    tp = town_progress(plan, led, as_of, towns)
    prog = TaskProgress(plan="t", as_of=as_of, last_ledger_month="2018-01", scores=town_scores(tp, led, as_of),
                        overdue=overdue_tasks(tp), tasks=district_progress(tp))
    ranking = towns[["town_code", "town_name"]].assign(pm25=40.0, rank=1)
    return prog, ranking


def test_progress_table_counts_are_integers_and_ranks_separate():
    prog, ranking = _progress()
    t = progress_table(prog, ranking, pd.Period("2018-01", freq="M")).set_index("乡镇街道")
    # 王平: A on time, B late (done in January, due December); 永定: A late, B overdue (31 days)
    assert t.loc["王平地区", "任务进展得分"] == "100.0" and t.loc["王平地区", "按期完成率(%)"] == "50.0"
    assert t.loc["永定地区", "按期完成率(%)"] == "0.0" and t.loc["永定地区", "逾期天数合计"] == "31"
    assert t.loc["王平地区", "任务排名"] == "1" and t.loc["永定地区", "任务排名"] == "2"
    assert t.loc["永定地区", "剩余工作量"] == "202 台"
    en = progress_table(prog, ranking, pd.Period("2018-01", freq="M"), "en").set_index("Town")
    assert en.loc["永定地区", "Remaining"] == "202 台"
    for col in ("逾期天数合计", "任务排名", "任务数", "逾期未完成"):
        assert all("." not in v for v in t[col]), col


def test_task_table_has_deadlines_units_and_quantities():
    prog, _ = _progress()
    t = tasks_display(prog).set_index("任务")
    assert t.loc["A", "任务量"] == "7 蒸吨" and t.loc["A", "完成时限"] == "2017-10-31"
    assert t.loc["A", "牵头/主责单位"] == "区环保局／各镇街" and t.loc["B", "牵头/主责单位"] == "—"
    assert t.loc["B", "剩余"] == "202 台" and t.loc["B", "逾期镇街数"] == "1"
    assert tasks_display(None) is None


def test_progress_sentence_states_the_scores_and_is_checked():
    from airlib.report.content import progress_summary_markdown
    from airlib.report.sentences import check_progress_summary, progress_summary, require_true_progress_summary

    prog, _ = _progress()
    s = progress_summary_markdown(prog)
    # 4 town tasks due: 王平 A on time; 永定 A late; 王平 B late; 永定 B overdue 31 days
    assert s == ("已到期的4项镇街任务中按期完成1项（按期完成率25.0%）；逾期未完成1项，合计逾期31天，最长31天；"
                 "任务排名末位：永定地区（第2名）。")
    en = progress_summary(prog.scores, "en").text
    assert en.startswith("Of 4 town tasks due, 1 were completed on time (25.0 %)") and "永定地区 (#2)" in en
    # all tied: every town named, with 并列
    tied = prog.scores.assign(rank=1)
    t = progress_summary(tied)
    assert "王平地区、永定地区（并列第1名）" in t.text and check_progress_summary(t, tied) == []
    # a sentence that disagrees with the scores is caught
    wrong = dataclasses.replace(progress_summary(prog.scores), text=s.replace("合计逾期31天", "合计逾期13天"))
    assert check_progress_summary(wrong, prog.scores)
    other = prog.scores.assign(n_overdue=0)
    assert any("overdue" in p for p in check_progress_summary(progress_summary(prog.scores), other))
    with pytest.raises(AirlibError, match="task-progress sentence"):
        require_true_progress_summary(progress_summary(prog.scores), other)
    none_over = progress_summary(other)
    assert "无逾期未完成任务" in none_over.text and check_progress_summary(none_over, other) == []
    assert progress_summary_markdown(None) is None


def test_targets_of_two_plans_name_their_plan():
    """Two plans in force with a target of the same id (T01): a sentence says which plan each
    belongs to, titles escaped; one plan: no sentence."""
    from types import SimpleNamespace

    from airlib.report.content import target_plans_markdown

    t = pd.DataFrame({"plan": ["年度计划", "秋冬季<b>方案</b>"], "target_id": ["T01", "T01"],
                      "start": pd.to_datetime(["2026-01-01", "2026-10-01"]),
                      "end": pd.to_datetime(["2026-10-31", "2026-10-31"])})
    s = target_plans_markdown(SimpleNamespace(targets=t), "zh")
    from airlib.escaping import markdown_text

    assert s == ("本月同时有多个方案的目标在期，各目标所属方案：T01（2026-01-01～2026-10-31）：《年度计划》、"
                 f"T01（2026-10-01～2026-10-31）：《{markdown_text('秋冬季<b>方案</b>')}》。")
    assert "<b>" not in s
    assert target_plans_markdown(SimpleNamespace(targets=t.iloc[:1]), "zh") is None
    assert target_plans_markdown(SimpleNamespace(targets=pd.DataFrame()), "zh") is None
