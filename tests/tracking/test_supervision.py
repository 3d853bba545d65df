"""Warning reasons at each rule's edge, the warning history and the 约谈 candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.demo import towns_frame
from airlib.io.plans import Plan
from airlib.io.warning_rules import WarningRules, load_warning_rules
from airlib.tracking.progress import town_progress
from airlib.tracking.ranking import ranking_table, town_monthly_ranking
from airlib.tracking.supervision import (
    REASON_COLUMNS,
    SupervisionHistory,
    history_months,
    summons_candidates,
    supervision_history,
    warning_calendar,
    warning_reasons,
    warning_towns,
)

CODES = [f"11010900{i}" for i in range(1, 7)]
NAMES = ["大峪街道", "城子街道", "东辛房街道", "大台街道", "王平镇", "永定镇"]
SRC = {"plan": "测试方案", "document": "门大气办〔2017〕4号", "section": "（十六）实施严格考核问责制度",
       "quote": "向空气质量相对差、重点任务进展缓慢的各街乡镇下发预警通知函"}


def rules(*items: dict, summons: tuple[dict, ...] = ()) -> WarningRules:
    return WarningRules.model_validate({
        "district": "门头沟区",
        "rules": [{"source": SRC, **r} for r in items],
        "summons": [{"source": SRC, **s} for s in summons],
    })


BOTTOM = {"id": "W1", "kind": "bottom_rank", "n": 2, "label": "浓度排名后{n}名"}
YOY = {"id": "W2", "kind": "yoy_worsening", "min_pct": 10, "meets_limit": 35, "label": "同比上升{min_pct}%以上"}


def table(cur, last=None, year=2018):
    idx = CODES[: len(cur)]
    names = pd.Series(NAMES[: len(cur)], index=idx)
    return ranking_table(pd.Series(cur, index=idx, dtype="float64"),
                         None if last is None else pd.Series(last, index=idx, dtype="float64"),
                         year=year, names=names)


def test_columns_are_the_shared_interface():
    r = warning_reasons(rules(BOTTOM), table([30, 40, 50, 60]), None, None, "2018-01")
    assert tuple(r.columns) == REASON_COLUMNS
    assert r["month"].tolist() == ["2018-01", "2018-01"]
    assert r["clause"].iloc[0] == "门大气办〔2017〕4号 （十六）实施严格考核问责制度"
    assert r["quote"].iloc[0] == SRC["quote"] and r["plan"].iloc[0] == "测试方案"


def test_bottom_rank_exactly_n_with_ties_at_the_boundary():
    # ranks 1, 2, 3, 3 → reverse ranks 4, 3, 1, 1: with N = 2 both tied towns, nobody else
    t = table([30, 40, 50, 50])
    r = warning_reasons(rules(BOTTOM), t, None, None, "2018-01")
    assert set(r["town_code"]) == {CODES[2], CODES[3]}
    # N = 3: the town ranked exactly third from the bottom joins
    r3 = warning_reasons(rules({**BOTTOM, "n": 3}), t, None, None, "2018-01")
    assert set(r3["town_code"]) == {CODES[1], CODES[2], CODES[3]}
    assert r3["label"].iloc[0] == "浓度排名后3名"


def test_bottom_rank_numbers_equal_the_ranking():
    t = table([30, 41, 58, 47, np.nan])
    r = warning_reasons(rules(BOTTOM), t, None, None, "2018-01").set_index("town_code")
    for code, row in r.iterrows():
        src = t.set_index("town_code").loc[code]
        assert f"PM2.5月均浓度{int(src['pm25'])} µg/m³" in row["detail"]
        assert f"排名第{int(src['rank'])}" in row["detail"]
        assert row["threshold"] == 2 and row["unit"] == "名"
    assert r.loc[CODES[2], "value"] == 1  # worst = reverse rank 1
    assert "4个参与排名的镇街中排名第4" in r.loc[CODES[2], "detail"]  # one town has no valid value
    assert CODES[4] not in r.index  # a town without a rank is never in the bottom list


def test_yoy_worsening_exactly_x_is_in_just_below_is_out():
    # YoY: +10.0 (exactly X), +9.8 (just below), +50 (but meets 35: out), −10
    t = table([55, 56, 30, 45], [50, 51, 20, 50])
    r = warning_reasons(rules(YOY), t, None, None, "2018-01")
    assert r["town_code"].tolist() == [CODES[0]]
    row = r.iloc[0]
    assert row["value"] == t.loc[t["town_code"] == CODES[0], "yoy_pct"].iloc[0] == 10.0
    assert row["threshold"] == 10 and row["unit"] == "%"
    assert row["detail"] == "PM2.5月均浓度55 µg/m³，去年同期50 µg/m³，同比上升10.0%"


def test_yoy_zero_threshold_is_the_worsening_list():
    t = table([55, 50, 30, 45], [50, 50, 20, 50])  # +10, 0 (unchanged: not worse), +50 meets, −10
    r = warning_reasons(rules({**YOY, "min_pct": 0, "label": "同比上升"}), t, None, None, "2018-01")
    assert r["town_code"].tolist() == [CODES[0]]
    r2 = warning_reasons(rules({**YOY, "min_pct": 0, "meets_limit": None, "label": "同比上升"}), t, None, None, "2018-01")
    assert set(r2["town_code"]) == {CODES[0], CODES[2]}


def _progress(statuses: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for code, st in statuses.items():
        for i, s in enumerate(st):
            rows.append({"task_id": f"K{i + 1:02d}", "task": f"任务{i + 1}", "town_code": code,
                         "town_name": NAMES[CODES.index(code)], "target": 1.0, "status": s,
                         "days_overdue": 5 * (i + 1) if s == "逾期未完成" else 0})
    return pd.DataFrame(rows)


def test_task_behind_k_minus_one_vs_k():
    p = _progress({CODES[0]: ["滞后", "按期推进", "已完成"], CODES[1]: ["滞后", "滞后", "已完成"]})
    rule = {"id": "W3", "kind": "task_behind", "min_tasks": 2, "label": "重点任务滞后{min_tasks}项以上"}
    r = warning_reasons(rules(rule), table([30, 40]), p, None, "2018-01")
    assert r["town_code"].tolist() == [CODES[1]]
    assert r["value"].iloc[0] == 2 and r["threshold"].iloc[0] == 2 and r["unit"].iloc[0] == "项"
    assert r["detail"].iloc[0] == "滞后任务2项（共3项分解任务）：K01 任务1；K02 任务2"


def test_task_behind_by_share_and_several_plans_counted_together():
    a = _progress({CODES[0]: ["滞后", "已完成"], CODES[1]: ["已完成", "已完成"]})
    b = _progress({CODES[1]: ["滞后"]}).assign(task_id="X1")
    rule = {"id": "W3", "kind": "task_behind", "min_share": 0.5, "label": "滞后"}
    r = warning_reasons(rules(rule), table([30, 40]), [a, b], None, "2018-01").set_index("town_code")
    assert r.loc[CODES[0], "value"] == 50.0  # exactly the share: in
    assert CODES[1] not in r.index  # 1 of 3 tasks (two plans) = 33 %: out


TOWNS = towns_frame()
CODE = dict(zip(TOWNS["town_name"], TOWNS["town_code"], strict=True))
PLAN = Plan.model_validate({
    "plan": {"id": "t", "title": "t", "district": "门头沟区", "document": "d", "issued": "2017-09-01",
             "period": {"start": "2017-09", "end": "2018-03"}},  # in force at every date the test asks
    "tasks": [{"id": "A", "category": "c", "task": "锅炉改造", "deadline": "2017-10-31", "unit": "蒸吨", "total": 10,
               "towns": {"王平镇": 4, "永定镇": 6}, "lead": "区环保局", "source": {"section": "s"}}],
})


def test_task_overdue_deadline_day_vs_day_after():
    led = pd.DataFrame({"month": ["2017-10"], "town_code": [CODE["永定地区"]], "task_id": ["A"], "cumulative": [5.0]})
    rule = {"id": "W4", "kind": "task_overdue", "min_tasks": 1, "label": "重点任务逾期未完成"}
    ranking = town_monthly_ranking(pd.DataFrame({"town_code": TOWNS["town_code"], "date": pd.Timestamp("2017-10-01"),
                                                 "pm25": np.nan}), "2017-10", towns=TOWNS)
    on_day = warning_reasons(rules(rule), ranking, town_progress(PLAN, led, "2017-10-31", TOWNS), None, "2017-10")
    assert on_day.empty
    after = warning_reasons(rules(rule), ranking, town_progress(PLAN, led, "2017-11-01", TOWNS), None, "2017-11")
    assert set(after["town_code"]) == {CODE["永定地区"], CODE["王平地区"]}
    row = after.set_index("town_code").loc[CODE["永定地区"]]
    assert row["detail"] == "逾期未完成任务1项（共1项分解任务）：A 锅炉改造；最长逾期1天"


def test_target_missed_reads_town_rows_of_the_window():
    targets = pd.DataFrame({
        "target_id": ["T02", "T02", "T02", "T02"], "metric": "pm25_mean", "metric_label": "PM2.5平均浓度",
        "area_level": ["镇街", "镇街", "区", "镇街"], "area_code": [CODES[0], CODES[1], "110109", CODES[0]],
        "area_name": [NAMES[0], NAMES[1], "门头沟区", NAMES[0]], "window": ["目标期累计", "目标期累计", "目标期累计", "当月"],  # as evaluate_targets labels them
        "start": pd.Timestamp("2021-01-01"), "end": pd.Timestamp("2021-03-31"),
        "current": [41.26, 30.0, 44.0, 50.0], "target_level": [40.0, 35.0, 40.0, 40.0],
        "status": ["未达标", "达标", "未达标", "未达标"], "plan": "西城方案",
    })
    rule = {"id": "W5", "kind": "target_missed", "window": "period", "label": "目标未达标"}
    r = warning_reasons(rules(rule), table([30, 40]), None, targets, "2021-03")
    assert r["town_code"].tolist() == [CODES[0]]
    assert r["value"].iloc[0] == 41.26 and r["threshold"].iloc[0] == 40.0 and r["unit"].iloc[0] == "µg/m³"
    assert "41.3 µg/m³，目标不高于40.0 µg/m³（目标T02，西城方案）" in r["detail"].iloc[0]
    assert warning_reasons(rules(rule), table([30, 40]), None, None, "2021-03").empty  # no targets: nothing


def test_every_reason_of_a_town_and_the_town_list():
    t = table([30, 40, 60, 59], [30, 40, 40, 70])  # C3 last and +50 %; C4 bottom 2 only
    r = warning_reasons(rules(BOTTOM, YOY), t, None, None, "2018-01")
    assert r[["town_code", "rule_id"]].values.tolist() == [[CODES[2], "W1"], [CODES[2], "W2"], [CODES[3], "W1"]]
    w = warning_towns(r)
    assert w["town_code"].tolist() == [CODES[2], CODES[3]]
    assert w["reasons"].tolist() == ["浓度排名后2名；同比上升10%以上", "浓度排名后2名"]
    assert w["n_reasons"].tolist() == [2, 1]
    assert warning_towns(r.iloc[0:0]).empty


# --- history and 约谈 -------------------------------------------------------------------------

def _daily(values: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Town daily means: {month: {code: value}} constant over each month (all days valid)."""
    frames = []
    for month, by_town in values.items():
        days = pd.period_range(pd.Period(month, "M").start_time, pd.Period(month, "M").end_time, freq="D").to_timestamp()
        for code, v in by_town.items():
            frames.append(pd.DataFrame({"town_code": code, "date": days, "pm25": float(v)}))
    return pd.concat(frames, ignore_index=True)


TOWNS4 = pd.DataFrame({"town_code": CODES[:4], "town_name": NAMES[:4]})


def _season(worst_by_month: dict[str, str]) -> pd.DataFrame:
    """Months where ``worst_by_month[m]`` is the most polluted of four towns (others 30, 35, 40)."""
    vals = {}
    for m, worst in worst_by_month.items():
        others = [c for c in CODES[:4] if c != worst]
        vals[m] = {**dict(zip(others, [30, 35, 40], strict=True)), worst: 60}
    return _daily(vals)


Y1 = {"id": "Y1", "label": "连续3个月排名末位", "all_of": [{"rule": "W1", "consecutive": 3}]}
Y3 = {"id": "Y3", "label": "本季2次", "all_of": [{"at_least": 2, "window": "season"}]}
LAST = {**BOTTOM, "n": 1, "label": "浓度排名后{n}名"}


def test_town_warned_three_months_running_is_a_summons_candidate():
    daily = _season({"2017-10": CODES[0], "2017-11": CODES[0], "2017-12": CODES[0]})
    rs = rules(LAST, summons=(Y1,))
    hist = supervision_history(rs, daily, ["2017-10", "2017-11", "2017-12"], towns=TOWNS4)
    assert hist.months == ("2017-10", "2017-11", "2017-12")
    assert hist.reasons.groupby("month")["town_code"].first().tolist() == [CODES[0]] * 3
    s = summons_candidates(rs, hist, "2017-12")
    assert s["town_code"].tolist() == [CODES[0]]
    assert s["conditions"].iloc[0] == "连续3个月浓度排名后1名（2017-10、2017-11、2017-12）"
    assert s["months"].iloc[0] == "2017-10、2017-11、2017-12" and s["summons_ids"].iloc[0] == "Y1"
    # evaluated for November, the run is only two months long
    assert summons_candidates(rs, hist, "2017-11").empty


def test_town_warned_in_non_consecutive_months():
    daily = _season({"2017-10": CODES[0], "2017-11": CODES[1], "2017-12": CODES[0]})
    rs = rules(LAST, summons=(Y1, Y3))
    hist = supervision_history(rs, daily, ["2017-10", "2017-11", "2017-12"], towns=TOWNS4)
    s = summons_candidates(rs, hist, "2017-12")
    assert s["town_code"].tolist() == [CODES[0]]  # no run of 3, but twice this season
    assert s["summons_ids"].iloc[0] == "Y3"
    assert s["conditions"].iloc[0] == "本季（2017-10起）2个月被预警（2017-10、2017-12）"


def test_a_season_condition_outside_the_season_is_never_met_and_does_not_fail():
    # April–September: the season window is empty (a May report used to raise IndexError)
    daily = _season({"2017-03": CODES[0], "2017-04": CODES[0], "2017-05": CODES[0]})
    rs = rules(LAST, summons=(Y3,))
    hist = supervision_history(rs, daily, ["2017-03", "2017-04", "2017-05"], towns=TOWNS4)
    assert len(hist.reasons) == 3
    assert summons_candidates(rs, hist, "2017-05").empty
    assert summons_candidates(rs, hist, "2017-03")["town_code"].tolist() == []  # once in the 2016-17 season so far


def test_a_month_missing_from_the_history_breaks_a_run():
    daily = _season({"2017-10": CODES[0], "2017-12": CODES[0]})
    rs = rules(LAST, summons=(Y1,))
    hist = supervision_history(rs, daily, ["2017-10", "2017-12"], towns=TOWNS4)
    assert summons_candidates(rs, hist, "2017-12").empty


def test_the_plans_conjunction_needs_every_condition():
    y4 = {"id": "Y4", "label": "同比恶化且排名靠后且任务逾期",
          "all_of": [{"rule": "W2", "consecutive": 1}, {"rule": "W1", "consecutive": 1},
                     {"kind": "task_overdue", "consecutive": 1}]}
    over = {"id": "W4", "kind": "task_overdue", "min_tasks": 1, "label": "重点任务逾期未完成"}
    rs = rules(LAST, YOY, over, summons=(y4,))
    daily = pd.concat([_season({"2016-12": CODES[1]}), _season({"2017-12": CODES[0]})])
    prog = {"2017-12": _progress({CODES[0]: ["逾期未完成"], CODES[1]: ["逾期未完成"]})}
    hist = supervision_history(rs, daily, ["2017-12"], towns=TOWNS4, progress=prog)
    s = summons_candidates(rs, hist, "2017-12")
    assert s["town_code"].tolist() == [CODES[0]]  # last, +50 % and overdue; CODES[1] improved
    assert s["conditions"].iloc[0].startswith("本月同比上升10%以上（2017-12），且本月浓度排名后1名（2017-12），且本月重点任务逾期未完成")


def test_history_is_reproducible_and_equals_each_months_own_reasons():
    daily = _season({"2017-10": CODES[0], "2017-11": CODES[1], "2017-12": CODES[2]})
    rs = rules(LAST)
    hist = supervision_history(rs, daily, history_months(rs, "2017-12", at_least=3), towns=TOWNS4)
    for m in hist.months:
        alone = warning_reasons(rs, town_monthly_ranking(daily, m, towns=TOWNS4), None, None, m)
        pd.testing.assert_frame_equal(hist.reasons.loc[hist.reasons["month"] == m].reset_index(drop=True), alone)
    cal = warning_calendar(hist, "2017-12")
    assert cal["town_code"].tolist() == CODES[:3] and cal["n_months"].tolist() == [1, 1, 1]
    assert cal.loc[0, "2017-10"] == 1 and cal.loc[0, "2017-11"] == 0


def test_history_months_follow_the_rules():
    rs = rules(LAST, summons=({"id": "Y", "label": "y", "all_of": [{"at_least": 2, "window": 9}]},))
    assert [str(m) for m in history_months(rs, "2018-03")][0] == "2017-07"
    assert len(history_months(rules(LAST), "2018-03")) == 6


def test_target_missed_on_evaluate_targets_output():
    """W5 on what evaluate_targets really gives (its window labels, each_town rows): the town
    above an each-town cap over the target period is warned, the one under it is not, and a
    month window's 未达标 would not count (it is 参考 anyway)."""
    from airlib.tracking.targets import evaluate_targets

    plan = Plan.model_validate({
        "plan": {"id": "p", "title": "测试方案", "district": "门头沟区", "document": "d",
                 "period": {"start": "2017-10", "end": "2017-12"}},
        "targets": [{"id": "T9", "metric": "pm25_mean", "scope": "each_town", "kind": "absolute_cap",
                     "value": 45, "unit": "µg/m³", "period": {"start": "2017-10", "end": "2017-12"},
                     "source": {"section": "s"}}],
    })
    daily = _season({"2017-10": CODES[0], "2017-11": CODES[0], "2017-12": CODES[0]})
    rows = evaluate_targets(plan, daily, None, "2017-12", towns=TOWNS4)
    rule = {"id": "W5", "kind": "target_missed", "window": "period", "label": "目标未达标"}
    r = warning_reasons(rules(rule), town_monthly_ranking(daily, "2017-12", towns=TOWNS4), None, rows, "2017-12")
    assert r["town_code"].tolist() == [CODES[0]]  # 60 µg/m³ against ≤ 45; the others 30–40
    assert r["threshold"].iloc[0] == 45.0 and r["value"].iloc[0] == pytest.approx(60.0)


def test_a_condition_may_count_several_kinds():
    """kind: [a, b] counts a month warned by a rule of any listed kind and no other kind."""
    daily = _season({"2017-10": CODES[0], "2017-11": CODES[0], "2017-12": CODES[0]})
    target_only = {"id": "W5", "kind": "target_missed", "window": "period", "label": "目标未达标"}
    y = {"id": "Y", "label": "近3个月均被预警",
         "all_of": [{"at_least": 3, "window": 3, "kind": ["bottom_rank", "yoy_worsening"]}]}
    rs = rules(LAST, target_only, summons=(y,))
    hist = supervision_history(rs, daily, history_months(rs, "2017-12", at_least=3), towns=TOWNS4)
    s = summons_candidates(rs, hist, "2017-12")
    assert s["town_code"].tolist() == [CODES[0]]
    assert s["conditions"].iloc[0] == "近3个月中3个月被预警（浓度排名靠后、同比恶化）（2017-10、2017-11、2017-12）"
    only_targets = rules(LAST, target_only, summons=({**y, "all_of": [{**y["all_of"][0], "kind": ["target_missed"]}]},))
    hist2 = supervision_history(only_targets, daily, history_months(only_targets, "2017-12", at_least=3), towns=TOWNS4)
    assert summons_candidates(only_targets, hist2, "2017-12").empty  # no targets given: W5 never warned
    with pytest.raises(Exception, match="at least one kind"):
        rules(LAST, summons=({**y, "all_of": [{"at_least": 3, "window": 3, "kind": []}]},))


def test_warned_town_lists_each_label_once():
    """Two reasons with the same label (targets of two plans missed) count twice and print once."""
    r = warning_reasons(rules(BOTTOM), table([30, 40, 50, 60]), None, None, "2018-01")
    twice = pd.concat([r.iloc[[1]], r.iloc[[1]].assign(rule_id="W1b")], ignore_index=True)
    w = warning_towns(twice)
    assert w["n_reasons"].tolist() == [2] and w["reasons"].tolist() == [r["label"].iloc[1]]


def test_target_missed_detail_never_prints_equal_numbers():
    """A town just above its level (31.52 against 31.47) is 未达标: the detail prints enough
    decimals that the value visibly exceeds the level (not "31.5 … 目标不高于31.5")."""
    targets = pd.DataFrame({
        "target_id": ["T03", "T03"], "metric": "pm25_mean", "metric_label": "PM2.5平均浓度",
        "area_level": "镇街", "area_code": [CODES[0], CODES[1]], "area_name": [NAMES[0], NAMES[1]],
        "window": "目标期累计", "start": pd.Timestamp("2026-01-01"), "end": pd.Timestamp("2026-10-31"),
        "current": [31.52, 45.0], "target_level": [31.47, 40.04], "status": "未达标", "plan": "方案",
    })
    rule = {"id": "W5", "kind": "target_missed", "window": "period", "label": "目标未达标"}
    r = warning_reasons(rules(rule), table([30, 40]), None, targets, "2026-10").set_index("town_code")
    assert "31.52 µg/m³，目标不高于31.47 µg/m³" in r.loc[CODES[0], "detail"]
    assert "45.0 µg/m³，目标不高于40.0 µg/m³" in r.loc[CODES[1], "detail"]
