"""Plan file format: validation, discrepancy reports, and the encoded seed plans' sums."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
import yaml

from airlib.errors import InputDataError
from airlib.io.plans import (
    PlanDiscrepancy,
    cross_check,
    find_discrepancies,
    load_plan,
    load_plans,
    month_end,
    plan_dir,
    targets_frame,
    tasks_frame,
    town_targets,
)

PLANS = plan_dir()
MTG = PLANS / "mentougou_2017_autumn_winter.yaml"


def _quiet(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanDiscrepancy)
        return load_plan(path)


MINIMAL = {
    "plan": {"id": "test-plan", "title": "测试方案", "district": "门头沟区", "document": "测试文件",
             "issued": "2017-09-01", "period": {"start": "2017-10", "end": "2018-03"}},
    "targets": [
        {"id": "T1", "metric": "pm25_mean", "period": {"start": "2017-10", "end": "2018-03"},
         "kind": "reduction_vs_last_year", "value": 25, "source": {"section": "一"}},
    ],
    "tasks": [
        {"id": "A", "category": "清煤降氮", "task": "锅炉改造", "deadline": "2017-10-31", "unit": "蒸吨",
         "total": 10, "towns": {"王平镇": 4, "永定镇": 6}, "lead": "区环保局", "source": {"section": "附件"}},
    ],
}


def _write(tmp_path: Path, data: dict, name: str = "p.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _mod(**changes) -> dict:
    import copy

    d = copy.deepcopy(MINIMAL)
    for path, value in changes.items():
        keys = path.split("__")
        cur = d
        for k in keys[:-1]:
            cur = cur[int(k)] if k.isdigit() else cur[k]
        last = keys[-1]
        if value is None:
            del cur[last]
        else:
            cur[last] = value
    return d


# ---------------------------------------------------------------- format and validation


def test_minimal_plan_loads_without_warnings(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plan = load_plan(_write(tmp_path, MINIMAL))
    assert plan.id == "test-plan"
    assert plan.discrepancies == []
    assert plan.tasks[0].lead == ["区环保局"]  # a single unit may be written as a string
    assert plan.targets[0].period.end_date == month_end("2018-03")


@pytest.mark.parametrize(
    ("changes", "where", "what"),
    [
        ({"tasks__0__unit": "公斤"}, "tasks[0].unit (id A)", "unknown unit"),
        ({"targets__0__metric": "pm2.5"}, "targets[0].metric (id T1)", "unknown metric"),
        ({"targets__0__kind": "down"}, "targets[0].kind (id T1)", "unknown kind"),
        ({"targets__0__source": None}, "targets[0].source (id T1)", "Field required"),
        ({"tasks__0__deadline": "2017-13-01"}, "tasks[0].deadline (id A)", "YYYY-MM-DD"),
        ({"targets__0__period": {"start": "2018-03", "end": "2017-10"}}, "targets[0].period", "before start"),
        ({"tasks__0__towns": {"王平镇": -1}}, "tasks[0].towns (id A)", ">= 0"),
        ({"targets__0__value": 120}, "targets[0] (id T1)", "cannot exceed 100"),
        ({"targets__0__kind": "absolute_cap", "targets__0__value": None}, "targets[0] (id T1)", "numeric 'value'"),
        ({"targets__0__kind": "reduction_vs_base_year"}, "targets[0] (id T1)", "base_year"),
        ({"targets__0__scope": "town"}, "targets[0] (id T1)", "needs a 'town'"),
        ({"tasks__0__extra_field": 1}, "tasks[0].extra_field (id A)", "Extra inputs"),
        ({"tasks__0__total": None, "tasks__0__towns": {}}, "tasks[0] (id A)", "'total' or a per-town split"),
    ],
)
def test_validation_errors_name_file_and_field_path(tmp_path, changes, where, what):
    p = _write(tmp_path, _mod(**changes))
    with pytest.raises(InputDataError) as ei:
        load_plan(p)
    msg = str(ei.value)
    assert str(p) in msg
    assert where in msg
    assert what in msg


def test_emergency_target_needs_alert_level(tmp_path):
    d = _mod(targets__0__kind="emergency_reduction", targets__0__metric="emergency_reduction_pm")
    with pytest.raises(InputDataError, match="alert_level"):
        load_plan(_write(tmp_path, d))


def test_duplicate_ids_rejected(tmp_path):
    d = _mod()
    d["tasks"].append(dict(d["tasks"][0]))
    with pytest.raises(InputDataError, match="duplicate task id 'A'"):
        load_plan(_write(tmp_path, d))


def test_bad_yaml_names_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("plan:\n  id: x\n  title: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputDataError) as ei:
        load_plan(p)
    assert "bad.yaml" in str(ei.value) and "line 4" in str(ei.value)


def test_plan_in_gbk_reads_like_utf8(tmp_path):
    text = MTG.read_text(encoding="utf-8")
    p = tmp_path / "gbk.yaml"
    p.write_bytes(text.encode("gb18030"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = load_plan(MTG), load_plan(p)
    assert a.model_dump() == b.model_dump()


@pytest.mark.parametrize("data, needle", [
    (bytes(range(1, 256)) * 8, "save the file as UTF-8"),
    (b"plan:\n" + b"- " * 20000 + b"x\n", "yaml_max_depth"),
    (("\n".join([f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
                + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)])).encode(),
     "alias bomb"),
])
def test_hostile_plan_files_are_input_errors(tmp_path, data, needle):
    p = tmp_path / "hostile.yaml"
    p.write_bytes(data)
    with pytest.raises(InputDataError) as ei:
        load_plan(p)
    assert "hostile.yaml" in str(ei.value) and needle in str(ei.value)


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        load_plan(tmp_path / "nope.yaml")


def test_split_sum_and_other_statement_discrepancies_warn_and_are_listed(tmp_path):
    d = _mod(tasks__0__total=12)
    d["tasks"][0]["other_statements"] = [
        {"field": "total", "value": 200, "source": {"section": "正文10"}},
        {"field": "total", "value": 12, "source": {"section": "正文11"}},  # agrees: no discrepancy
        {"field": "deadline", "value": "2017-09-30", "source": {"section": "正文12"}},
    ]
    with pytest.warns(PlanDiscrepancy) as rec:
        plan = load_plan(_write(tmp_path, d))
    assert len(rec) == 3
    got = {(x.item, x.field, x.stated, x.other) for x in plan.discrepancies}
    assert got == {("A", "total", 12.0, 10.0), ("A", "total", 12.0, 200.0), ("A", "deadline", "2017-10-31", "2017-09-30")}
    assert list(plan.discrepancies_frame().columns) == ["plan", "item", "field", "stated", "other", "message"]


def test_same_target_stated_twice_with_different_values(tmp_path):
    d = _mod()
    d["targets"].append({**d["targets"][0], "id": "T2", "value": 20})
    with pytest.warns(PlanDiscrepancy, match="T1 与 T2"):
        plan = load_plan(_write(tmp_path, d))
    assert len(plan.discrepancies) == 1


def test_split_equal_to_total_within_float_rounding(tmp_path):
    d = _mod(tasks__0__total=0.3, tasks__0__towns={"王平镇": 0.1, "永定镇": 0.2})
    plan = load_plan(_write(tmp_path, d))
    assert plan.discrepancies == []


# ---------------------------------------------------------------- the encoded seed plans


EXPECTED_COUNTS = {
    "mentougou-2017-autumn-winter": (16, 21),  # + T05 §16 数据传输有效率 ≥ 90 % (#13)
    "xicheng-2017-october-guarantee": (0, 5),
    "xicheng-2021-action-plan": (7, 8),
    "chaoyang-2018-2020-three-year": (9, 5),  # + 国Ⅲ柴油货车, 25吨 VOCs 清洁生产审核, 汽修 (#13)
    "tongzhou-2018-2020-three-year": (10, 7),  # + 粗颗粒物监测网络, 砂石料场, 25吨 VOCs 清洁生产审核 (#13)
    "beijing-2020-district-pm25": (17, 0),
}


def test_all_seed_plans_load_with_expected_counts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanDiscrepancy)
        plans = load_plans()
    assert {k: (len(p.targets), len(p.tasks)) for k, p in plans.items()} == EXPECTED_COUNTS
    for p in plans.values():
        for item in [*p.targets, *p.tasks]:
            assert item.source.section.strip()


def test_only_mentougou_has_discrepancies():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanDiscrepancy)
        plans = load_plans()
    assert {k for k, p in plans.items() if p.discrepancies} == {"mentougou-2017-autumn-winter"}


def test_mentougou_discrepancies_are_exactly_those_in_the_document():
    with pytest.warns(PlanDiscrepancy) as rec:
        plan = load_plan(MTG)
    got = {(d.item, d.field, d.stated, round(d.other, 6) if isinstance(d.other, float) else d.other)
           for d in plan.discrepancies}
    assert got == {
        ("K04", "total", 8.0, 8.303),
        ("K07", "total", 763.0, 200.0),          # table 763 vs body "200蒸吨以上"
        ("K08", "deadline", "2017-10-31", "2017-09-30"),
        ("K09", "total", 10.0, 14.0),            # table 10 vs 12 + 2
        ("K09", "deadline", "2017-10-31", "2017-12-31"),
        ("K16", "deadline", "2017-09-30", "2017-12-31"),  # table 完成时限 vs "2017年完成…治理工作" in its cell
        ("K20", "total", 10.0, 7.0),             # "10 项分方案", 7 listed
    }
    assert len(rec) == 7


@pytest.mark.parametrize(
    ("task_id", "total", "town_sum", "n_towns"),
    [("K02", 21, 21, 6), ("K03", 2, 2, 2), ("K04", 8, 8.303, 2), ("K05", 3, 3, 2),
     ("K07", 763, 763, 12), ("K08", 507, 507, 13), ("K09", 10, 14, 2)],
)
def test_mentougou_table_sums(task_id, total, town_sum, n_towns):
    t = _quiet(MTG).task(task_id)
    assert t.total == total
    assert math.isclose(t.town_sum, town_sum, rel_tol=1e-12)
    assert len(t.towns) == n_towns


def test_every_encoded_split_matches_its_total_or_is_reported():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanDiscrepancy)
        plans = load_plans()
    for p in plans.values():
        reported = {d.item for d in p.discrepancies if d.field == "total"}
        for t in p.tasks:
            if t.towns and t.total is not None and not math.isclose(t.total, t.town_sum):
                assert t.id in reported, (p.id, t.id)


def test_mentougou_targets_and_emergency_ratios():
    plan = _quiet(MTG)
    tf = targets_frame(plan)
    t01 = tf.set_index("target_id").loc["T01"]
    assert (t01["metric"], t01["kind"], t01["value"], t01["period_start"], t01["period_end"]) == (
        "pm25_mean", "reduction_vs_last_year", 25.0, "2017-10", "2018-03")
    assert tf.set_index("target_id").loc["T02", "value"] == 20
    em = tf[tf["kind"] == "emergency_reduction"]
    table = {(r.metric, r.alert_level): r.value for r in em.itertuples()}
    assert table == {
        ("emergency_reduction_pm", "蓝色"): 5, ("emergency_reduction_vocs", "蓝色"): 5,
        ("emergency_reduction_so2_nox", "黄色"): 10, ("emergency_reduction_pm", "黄色"): 10,
        ("emergency_reduction_vocs", "黄色"): 10,
        ("emergency_reduction_so2_nox", "橙色"): 20, ("emergency_reduction_pm", "橙色"): 20,
        ("emergency_reduction_vocs", "橙色"): 15,
        ("emergency_reduction_so2_nox", "红色"): 30, ("emergency_reduction_pm", "红色"): 30,
        ("emergency_reduction_vocs", "红色"): 20,
    }


def test_2020_district_targets_match_standards_4_3():
    plan = load_plan(PLANS / "beijing_2020_district_pm25.yaml")
    got = {g.district: g.value for g in plan.targets}
    groups = {46: "怀柔区 密云区 延庆区", 49: "门头沟区 昌平区",
              52: "东城区 西城区 朝阳区 海淀区 丰台区 石景山区 顺义区 房山区 平谷区", 55: "通州区 大兴区 经开区"}
    assert got == {d: float(v) for v, names in groups.items() for d in names.split()}
    assert all(g.approx and g.kind == "absolute_cap" and g.period.start == "2020-01" for g in plan.targets)


def test_district_three_year_plans_agree_with_city_targets():
    city = {g.district: g.value for g in load_plan(PLANS / "beijing_2020_district_pm25.yaml").targets}
    for fname, district in (("chaoyang_2018_2020_three_year.yaml", "朝阳区"), ("tongzhou_2018_2020_three_year.yaml", "通州区")):
        plan = load_plan(PLANS / fname)
        pm = [g for g in plan.targets if g.metric == "pm25_mean"]
        assert len(pm) == 1 and pm[0].value == city[district]


def test_tongzhou_reductions_vs_base_years():
    plan = load_plan(PLANS / "tongzhou_2018_2020_three_year.yaml")
    got = {(g.metric, g.base_year): g.value for g in plan.targets if g.kind == "reduction_vs_base_year"}
    assert got == {("nox_emissions", 2015): 30, ("vocs_emissions", 2015): 30, ("heavy_pollution_day_share", 2015): 25,
                   ("transport_emissions", 2017): 30, ("dustfall", 2017): 30}


def test_xicheng_2021_qualitative_targets_have_no_value():
    plan = load_plan(PLANS / "xicheng_2021_action_plan.yaml")
    tf = targets_frame(plan).set_index("target_id")
    assert tf.loc[["T01", "T02", "T03"], "value"].isna().all()
    assert tf.loc["T04", "value"] == 5.1 and tf.loc["T06", "value"] == 30
    assert plan.task("14c").total == 34000


def test_frames_have_labelled_columns():
    plan = _quiet(MTG)
    tk = tasks_frame(plan)
    assert len(tk) == 21 and tk.loc[tk["task_id"] == "K09", "town_sum"].item() == 14
    tt = town_targets(plan)
    assert tt.groupby("task_id")["target"].sum()["K08"] == 507


def test_cross_check_between_plans(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanDiscrepancy)
        plans = load_plans()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cross_check(plans.values()) == []  # 朝阳 52 and 通州 55 agree with the city file
    d = yaml.safe_load((PLANS / "chaoyang_2018_2020_three_year.yaml").read_text(encoding="utf-8"))
    d["targets"][0]["value"] = 50
    changed = load_plan(_write(tmp_path, d, "cy.yaml"), warn=False)
    assert len(changed.discrepancies) == 1  # its own restatement of §4.3 now disagrees too
    with pytest.warns(PlanDiscrepancy, match="朝阳区"):
        found = cross_check([plans["beijing-2020-district-pm25"], changed])
    assert [(x.item, x.stated, x.other) for x in found] == [("T01", 50.0, 52.0)]
