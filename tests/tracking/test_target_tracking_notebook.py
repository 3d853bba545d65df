"""The target-tracking notebook runs top to bottom under papermill on demo data built in a tmp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "target_tracking.ipynb"


def test_notebook_is_stored_without_outputs_and_has_parameters_cell():
    import json

    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    src = "".join(tagged[0]["source"]) if tagged else ""
    assert len(tagged) == 1 and "month = " in src and "district = " in src


@pytest.mark.slow
def test_notebook_runs_on_demo_data(tmp_path):
    papermill = pytest.importorskip("papermill")
    import nbformat

    from airlib.demo import write_demo
    from airlib.demo.main_job import ingest_demo

    raw, processed = tmp_path / "raw", tmp_path / "processed"
    write_demo(raw, end="2018-03")
    ingest_demo(raw, processed)
    out = tmp_path / "out.ipynb"
    figs = tmp_path / "figs"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name="python3", cwd=str(NOTEBOOK.parent),
        parameters={"district": "门头沟区", "month": "2017-12", "ledger_dir": str(tmp_path / "ledgers"),
                    "processed_root": str(processed), "figures_dir": str(figs)},
    )
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                     if o.get("output_type") == "stream")
    assert "数字不一致 7 处" in text
    assert "发现问题 2 处" in text            # 斋堂镇's inconsistent cumulative figures
    assert "逾期未完成" in text and "剩余" in text
    assert sorted(p.name for p in figs.glob("*.png")) == ["air_quality_targets_2017-12.png", "task_progress_2017-12.png"]
    # the demo plan's ledgers are generated in its own folder <ledgers>/<plan id>/
    assert len(list((tmp_path / "ledgers" / "mentougou-2017-autumn-winter").glob("*.xlsx"))) == 6


# ---- every plan file of data/raw/plans (issue #13 item 4) ------------------------------------------

PLANS = sorted((NOTEBOOK.parents[1] / "data" / "raw" / "plans").glob("*.yaml"))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """One demo store for every plan: the demo district's data 2015-01 … 2021-12."""
    from airlib.demo import write_demo
    from airlib.demo.main_job import ingest_demo

    base = tmp_path_factory.mktemp("store")
    write_demo(base / "raw", end="2021-12")
    ingest_demo(base / "raw", base / "processed")
    return base / "processed"


def _run(tmp_path, store, plan_file, district, month):
    papermill = pytest.importorskip("papermill")
    import nbformat

    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name="python3", cwd=str(NOTEBOOK.parent),
        parameters={"district": district, "month": month, "plan_file": str(plan_file),
                    "ledger_dir": str(tmp_path / "ledgers"), "processed_root": str(store),
                    "figures_dir": str(tmp_path / "figs")},
    )
    nb = nbformat.read(out, as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                     if o.get("output_type") == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("plan_file", PLANS, ids=[p.stem for p in PLANS])
def test_notebook_accepts_every_plan_file(tmp_path, small_store, plan_file):
    """Each plan file runs top to bottom for its district (the city-wide file for the demo
    district, whose 2020 target it names), in the last month of the plan's period."""
    import warnings

    from airlib.io.plans import load_plan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = load_plan(plan_file, warn=False)
    district = "门头沟区" if plan.plan.district == "北京市" else plan.plan.district
    text = _run(tmp_path, small_store, plan_file, district, plan.period.end)
    assert plan.plan.title in text and f"方案期限 {plan.period.start} 至 {plan.period.end}" in text
    assert f"{plan.period.end} 在期" in text
    if plan.plan.district == "北京市":
        assert "取其中针对门头沟区的目标 1 项" in text and "空气质量目标 1 项，重点任务 0 项" in text
        assert "目标期累计" in text or "PM2.5" in text  # its district target is evaluated
    if not plan.tasks:
        assert "本方案没有重点任务表" in text


@pytest.mark.slow
def test_notebook_refuses_a_plan_of_another_district_in_chinese(tmp_path, small_store):
    papermill = pytest.importorskip("papermill")
    chaoyang = next(p for p in PLANS if p.stem.startswith("chaoyang"))
    with pytest.raises(papermill.PapermillExecutionError) as err:
        _run(tmp_path, small_store, chaoyang, "门头沟区", "2019-06")
    assert err.value.ename == "AirlibError" and "AssertionError" not in str(err.value)
    assert "属于朝阳区" in err.value.evalue and "不能用于门头沟区" in err.value.evalue
