"""The report benchmark harness (benchmarks/report.py) and the runner's step timings.

No wall-clock assertion: the tests check that every step is measured and reported, that a
report run by ``run_all`` in worker processes gives the same PDF text as one run alone, and
that the import shortcut leaves notebook validation intact.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from airlib.report.running import TIMED_STEPS, cell_timings

MONTH = "2015-12"  # the demo starts in 2015-10: a three-month store is enough for a report


def test_cell_timings_names_sections_and_skips_parameters(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("district = 'x'", metadata={"tags": ["parameters"],
                                                                   "papermill": {"duration": 9.0}})
    start = nbformat.v4.new_code_cell("request, data = S.start(district)", metadata={"papermill": {"duration": 1.5}})
    cover = nbformat.v4.new_code_cell("display(*S.cover(request, data))", metadata={"papermill": {"duration": 0.25}})
    plain = nbformat.v4.new_code_cell("x = 1", metadata={"papermill": {"duration": 0.5}})
    never = nbformat.v4.new_code_cell("display(*S.maps(request, data))", metadata={"papermill": {}})
    md = nbformat.v4.new_markdown_cell("S.cover(")
    nb.cells = [md, params, start, cover, plain, never]
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, path)
    assert cell_timings(path) == {"cell:start": 1.5, "cell:cover": 0.25, "cell:4": 0.5}


def test_skip_unused_imports_keeps_notebook_validation():
    """nbformat without rfc3987_syntax still rejects an invalid notebook (fresh interpreter)."""
    code = (
        "from airlib.report.rendering import skip_unused_imports\n"
        "skip_unused_imports()\n"
        "import sys, nbformat\n"
        "assert sys.modules['rfc3987_syntax'] is None\n"
        "nb = nbformat.v4.new_notebook(); nb.cells.append(nbformat.v4.new_code_cell('1'))\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['outputs'] = 'not a list'\n"
        "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('refused')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "refused"


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory):
    from benchmarks.report import write_demo_home

    return write_demo_home(tmp_path_factory.mktemp("bench_home"), MONTH)


def _pdf_text(pdf: Path, name: str) -> str:
    """The PDF's text before the run-record appendix (which names the project's own folders
    and files), with ``name`` as "@", without white space (a longer district name moves the
    layout) and generation time (it differs between runs)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    keep = [ln for ln in text.splitlines() if "生成时间" not in ln and "staging" not in ln]
    body = "\n".join(keep)
    appendix = body.find("附录")
    assert appendix > 0, "no run-record appendix"
    return "".join(body[:appendix].replace(name, "@").split())


@pytest.mark.slow
def test_harness_reports_every_step(tiny_home):
    from benchmarks.report import STEPS, one_report
    from airlib.report.config import DEMO

    t = one_report(tiny_home, DEMO.name, MONTH)
    for step in (*STEPS, *TIMED_STEPS, "cell:start", "cell:cover", "cell:maps", "cell:run_record", "total"):
        assert step in t, step
        assert math.isfinite(t[step]) and t[step] >= 0, (step, t[step])
    cells = [k for k in t if k.startswith("cell:")]
    assert t["total"] >= sum(t[k] for k in (*TIMED_STEPS, *cells)) - 1e-6  # the parts fit in the whole
    # The CLI-style table prints every step too.
    res = subprocess.run([sys.executable, "-m", "benchmarks.report", "--home", str(tiny_home), "--month", MONTH,
                          "--all", "2"], capture_output=True, text=True, check=False,
                         cwd=Path(__file__).resolve().parents[2])
    assert res.returncode == 0, res.stderr[-2000:]
    for step in (*STEPS, "cell:maps", "total"):
        assert step in res.stdout, step
    assert "--all 2 districts, 2 jobs" in res.stdout and "failed: none" in res.stdout


@pytest.mark.slow
def test_run_all_in_workers_gives_the_same_pdf_as_one_run(tiny_home, tmp_path):
    from benchmarks.report import fake_districts_project
    from airlib.report.running import run_all, run_report

    names = fake_districts_project(tiny_home, tmp_path, 3)
    # the baseline is one of the copies run alone: the demo's plans (the synthetic current plans
    # included) are plans of 门头沟区 and do not apply to the copies' other names
    alone = run_report(names[0], MONTH, project_root=tmp_path)
    want = _pdf_text(alone.pdf, names[0])
    assert len(want) > 1000 and "@" in want
    lines: list[str] = []
    results = dict(run_all(MONTH, districts=names, project_root=tmp_path, jobs=2, echo=lines.append))
    assert sorted(results) == names
    assert len(lines) == 1 + len(names) and all("ok in" in ln for ln in lines[1:])
    for name, r in results.items():
        assert not isinstance(r, Exception), r
        assert r.pdf.parent == tmp_path / "reports" / name / MONTH
        assert _pdf_text(r.pdf, name) == want
        assert r.timings["chromium"] > 0 and "cell:start" in r.timings


@pytest.mark.slow
def test_run_all_reports_a_failing_district_and_goes_on(tiny_home, tmp_path):
    from benchmarks.report import fake_districts_project
    from airlib.report.running import run_all

    names = fake_districts_project(tiny_home, tmp_path, 1)
    results = dict(run_all(MONTH, districts=[*names, "不存在区"], project_root=tmp_path, jobs=2,
                           echo=lambda s: None))
    assert not isinstance(results[names[0]], Exception)
    err = results["不存在区"]
    assert isinstance(err, Exception) and "不存在区" in str(err)
