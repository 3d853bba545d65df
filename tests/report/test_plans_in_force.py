"""The report's task section by date (issue #13 item 4): only plans in force are evaluated, one
block per plan, ledgers per plan folder, stale ledgers named, and the ledgers read are recorded."""

from __future__ import annotations

import dataclasses
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

from airlib.demo.ledgers import write_demo_ledgers
from airlib.demo.registry import towns_frame
from airlib.io.plans import load_plan, plan_dir
from airlib.report.config import DEMO
from airlib.report.content import overdue_display, progress_markdown, write_excel
from airlib.report.data import input_files, task_progress
from airlib.report.numbering import Numbering

PLAN_ID = "mentougou-2017-autumn-winter"
TOWNS = towns_frame()


def _plan():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_plan(plan_dir() / "mentougou_2017_autumn_winter.yaml", warn=False)


@pytest.fixture(scope="module")
def demo_ledgers(tmp_path_factory) -> list[Path]:
    """The six 2017–18 demo ledgers, written once."""
    return write_demo_ledgers(tmp_path_factory.mktemp("led"), plan=_plan())


def _project(tmp_path: Path, files: list[Path], sub: str | None = PLAN_ID, months: tuple[str, ...] | None = None):
    folder = tmp_path / "data" / "raw" / "demo" / "ledgers"
    target = folder / sub if sub else folder
    target.mkdir(parents=True, exist_ok=True)
    for f in files:
        if months is None or any(m in f.name for m in months):
            shutil.copy(f, target / f.name)
    return folder


def test_ledgers_in_the_plan_folder_are_read_and_recorded(tmp_path, demo_ledgers):
    folder = _project(tmp_path, demo_ledgers)
    problems: list[dict[str, str]] = []
    [prog] = task_progress(DEMO, pd.Period("2017-12", "M"), TOWNS, tmp_path, problems)
    assert problems == [] and prog.plan_id == PLAN_ID and not prog.stale and not prog.closed
    assert prog.last_ledger_month == "2017-12" and prog.period == ("2017-10", "2018-03")
    assert {p.name for p in prog.ledger_files} == {p.name for p in demo_ledgers}
    assert prog.rows is not None and set(prog.rows["task_id"]) >= {"K07", "K08"}
    recorded = set(input_files(DEMO, pd.Period("2017-12", "M"), tmp_path))
    assert {folder / PLAN_ID / p.name for p in demo_ledgers} <= recorded


def test_files_directly_in_the_ledger_folder_still_work(tmp_path, demo_ledgers):
    _project(tmp_path, demo_ledgers, sub=None)
    [prog] = task_progress(DEMO, pd.Period("2018-01", "M"), TOWNS, tmp_path, [])
    assert prog.plan_id == PLAN_ID and prog.last_ledger_month == "2018-01" and not prog.stale


@pytest.mark.parametrize("month", ["2018-06", "2026-10", "2017-09"])
def test_plans_not_in_force_are_not_evaluated(tmp_path, demo_ledgers, month):
    """Between plans (2018-06), long after (the demo's 2026-10: no 2017–18 tasks with thousands of
    days overdue) and before the plan starts: no task section, and the report says why."""
    _project(tmp_path, demo_ledgers)
    assert task_progress(DEMO, pd.Period(month, "M"), TOWNS, tmp_path, []) == []
    assert input_files(DEMO, pd.Period(month, "M"), tmp_path) == [
        f for f in input_files(DEMO, pd.Period(month, "M"), tmp_path) if "ledgers" not in f.parts]
    note = progress_markdown(SimpleNamespace(progress=[], plans_in_force=[]))
    assert "本月没有在期的方案" in note
    # a plan in force without ledgers for the month: the other note
    assert "无可用的任务台账" in progress_markdown(SimpleNamespace(progress=[], plans_in_force=["某方案"]))


def test_stale_ledgers_say_their_last_month_and_the_months_missing(tmp_path, demo_ledgers):
    _project(tmp_path, demo_ledgers, months=("2017-10",))
    [prog] = task_progress(DEMO, pd.Period("2017-12", "M"), TOWNS, tmp_path, [])
    assert prog.stale and prog.last_ledger_month == "2017-10" and prog.missing_months == ("2017-11", "2017-12")
    text = progress_markdown(SimpleNamespace(progress=[prog])).replace("\\", "")  # Markdown escapes "-"
    assert "台账截至2017-10，未报送2017-11、2017-12" in text and "不是本月现状" in text
    current = dataclasses.replace(prog, stale=False, missing_months=())
    assert "未报送" not in progress_markdown(SimpleNamespace(progress=[current]))


def test_two_plans_in_force_give_one_block_each(tmp_path, demo_ledgers):
    """A second district plan with per-town tasks in force in the same month: two entries, each
    with its own ledgers, and the workbook has a task sheet per plan naming it."""
    text = (plan_dir() / "mentougou_2017_autumn_winter.yaml").read_text(encoding="utf-8")
    second = text.replace(f"id: {PLAN_ID}", "id: mentougou-second").replace("title: ", "title: 第二方案 ", 1)
    assert second != text
    pfile = tmp_path / "data" / "raw" / "plans" / "second.yaml"
    pfile.parent.mkdir(parents=True)
    pfile.write_text(second, encoding="utf-8")
    cfg = dataclasses.replace(DEMO, plans=(*DEMO.plans, "data/raw/plans/second.yaml"))
    _project(tmp_path, demo_ledgers)
    _project(tmp_path, demo_ledgers, sub="mentougou-second", months=("2017-10", "2017-11"))
    progs = task_progress(cfg, pd.Period("2017-12", "M"), TOWNS, tmp_path, [])
    assert [p.plan_id for p in progs] == [PLAN_ID, "mentougou-second"]
    assert [p.stale for p in progs] == [False, True] and progs[1].last_ledger_month == "2017-11"
    assert progs[1].plan.startswith("第二方案")
    from airlib.report.content import progress_caption, progress_table
    from tests.report.test_workbook import _data

    data = _data("2017-12")
    data.progress = progs
    captions = [progress_caption(data, p, "progress", "zh", year=2017, month=12, ym="2017-12", n=3) for p in progs]
    assert captions[0].startswith("表1 ") and captions[1].startswith("表2 ") and progs[1].plan in captions[1]
    assert all(progress_table(p, data.ranking, data.month, "zh") is not None for p in progs)
    od = [overdue_display(p, "zh") for p in progs]
    assert od[0] is not None  # 清水镇's stoves are overdue in the demo ledgers
    ws = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx")).sheetnames
    assert "任务进展" in ws and "任务进展2" in ws


def test_every_plan_file_can_be_configured_and_the_city_targets_apply(tmp_path, demo_ledgers):
    """The report accepts every plan file of data/raw/plans at once: only those in force for the
    month are used, the city-wide plan's 2020 target for the district is evaluated for it."""
    import numpy as np

    from airlib.report.data import district_targets

    every = tuple(f"data/raw/plans/{p.name}" for p in sorted(plan_dir().glob("*.yaml")))
    cfg = dataclasses.replace(DEMO, plans=every)
    _project(tmp_path, demo_ledgers)
    [prog] = task_progress(cfg, pd.Period("2017-12", "M"), TOWNS, tmp_path, [])
    assert prog.plan_id == PLAN_ID  # the other districts' plans are not in force for 门头沟区
    assert task_progress(cfg, pd.Period("2020-06", "M"), TOWNS, tmp_path, []) == []  # no own plan in 2020
    days = pd.date_range("2019-01-01", "2020-06-30", freq="D")
    daily = pd.DataFrame({"date": days, "pm25": np.where(days.year == 2020, 40.0, 50.0)})
    t = district_targets(cfg, pd.Period("2020-06", "M"), daily, tmp_path)
    assert len(t) == 1 and t["plan"].iloc[0].startswith("北京市")
    assert t["target_level"].iloc[0] == 49  # 门头沟, 昌平: about 49 (the city-wide file)
    assert t["current"].iloc[0] == pytest.approx(40.0)
    assert district_targets(cfg, pd.Period("2018-06", "M"), daily, tmp_path).empty  # between plans
