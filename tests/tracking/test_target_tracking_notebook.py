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
    assert "数字不一致 6 处" in text
    assert "发现问题 2 处" in text            # 斋堂镇's inconsistent cumulative figures
    assert "逾期未完成" in text and "剩余" in text
    assert sorted(p.name for p in figs.glob("*.png")) == ["air_quality_targets_2017-12.png", "task_progress_2017-12.png"]
    # generated into the plan's own folder <ledger_dir>/<plan id>/ (the shared ledger layout)
    assert len(list((tmp_path / "ledgers" / "mentougou-2017-autumn-winter").glob("*.xlsx"))) == 6
