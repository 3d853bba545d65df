"""Every analysis notebook is stored clean: one papermill ``parameters`` cell, no outputs or
execution counts, and (for the exploration notebooks) its Chinese title first."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

#: notebook → the start of its first (markdown) cell; None: not checked.
TITLES = {
    "trends_and_attribution.ipynb": None,
    "exploration_wind.ipynb": "# ",
    "exploration_polar.ipynb": "# 探索分析：极坐标图",
    "exploration_time_structure.ipynb": "# 时间结构",
    "exploration_evaluation.ipynb": "# 探索分析：模型评估、年度统计与时间平均",
    "exploration_trends.ipynb": "# 探索分析：趋势",
    "micro_stations.ipynb": "# 小微站热点网格分析",
}


@pytest.mark.parametrize(("name", "title"), TITLES.items(), ids=list(TITLES))
def test_notebook_is_stored_clean_with_parameters_cell(name, title):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if title is not None:
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(title)
    assert len([c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]) == 1
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None
