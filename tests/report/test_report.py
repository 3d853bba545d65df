"""Monthly report runner: parameters, atomic publish, failure handling, and (slow) the full
report executed on a short demo period: PDF read back with pdftotext, images, Excel, --all."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.paths import PROJECT_ROOT
from airlib.report import (
    NOTEBOOK,
    ReportError,
    ReportRequest,
    check_request,
)
from airlib.periods import check_complete_month as parse_month  # what the report uses for --month
from airlib.periods import last_complete_month
from airlib.report.rendering import strip_for_pdf
from airlib.report.running import _failed_cell, _publish
from airlib.report.config import DEMO, district_config, inside_project, load_districts

DEMO_NAME = "门头沟区"


# ----------------------------------------------------------------------------- fast


def test_last_complete_month_and_parse():
    today = dt.date(2018, 3, 3)
    assert last_complete_month(today) == pd.Period("2018-02", "M")
    assert last_complete_month(dt.date(2018, 1, 1)) == pd.Period("2017-12", "M")
    assert parse_month(None, today) == pd.Period("2018-02", "M")
    assert parse_month("2018-1", today) == pd.Period("2018-01", "M")
    with pytest.raises(AirlibError, match="not complete yet"):
        parse_month("2018-03", today)
    with pytest.raises(AirlibError, match="future"):
        parse_month("2019-01", today)
    for bad in ("2018/01", "Jan 2018", "2018-13", ""):
        with pytest.raises(AirlibError, match="YYYY-MM|not a valid month"):
            parse_month(bad, today)


def test_unknown_district_lists_configured(tmp_path):
    with pytest.raises(AirlibError, match="unknown district '门头沟'.*门头沟区"):
        district_config("门头沟", tmp_path)


def test_inside_project(tmp_path):
    assert inside_project("data/x", tmp_path) == (tmp_path / "data" / "x").resolve()
    with pytest.raises(AirlibError, match="outside the project"):
        inside_project("../elsewhere/x.geojson", tmp_path)
    with pytest.raises(AirlibError, match="outside the project"):
        inside_project("/etc/passwd", tmp_path)


def test_districts_yaml_overrides_and_checks(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "districts.yaml").write_text(
        "districts:\n  - name: 门头沟区\n    bottom_n: 5\n  - name: 测试区\n    district_code: 110199\n"
        "    dataset: t\n    boundaries: data/raw/t.gpkg\n",
        encoding="utf-8",
    )
    d = load_districts(tmp_path)
    assert d["门头沟区"].bottom_n == 5 and d["门头沟区"].dataset == "demo"
    assert d["测试区"].district_code == "110199"
    (tmp_path / "data" / "raw" / "districts.yaml").write_text(
        "districts:\n  - name: 门头沟区\n    bottom: 5\n", encoding="utf-8")
    with pytest.raises(AirlibError, match="unknown key .bottom. .did you mean .bottom_n."):
        load_districts(tmp_path)


def test_check_request_month_without_data(tmp_path):
    with pytest.raises(AirlibError, match="no processed data"):
        check_request(DEMO, pd.Period("2018-01", "M"), tmp_path)
    part = tmp_path / "data" / "processed" / "demo" / "hourly" / "year=2017" / "month=12"
    part.mkdir(parents=True)
    with pytest.raises(AirlibError, match="no data for 门头沟区 in 2018-01; months with data: 2017-12 to 2017-12"):
        check_request(DEMO, pd.Period("2018-01", "M"), tmp_path)
    with pytest.raises(AirlibError, match="boundary file"):
        check_request(DEMO, pd.Period("2017-12", "M"), tmp_path)


def _old_and_new(tmp_path):
    final = tmp_path / "2018-01"
    (final / "figures").mkdir(parents=True)
    (final / "old.pdf").write_text("old")
    (final / "figures" / "stale.png").write_text("stale")
    (final / "failed").mkdir()
    (final / "failed" / "monthly_report.failed.ipynb").write_text("{}")
    staging = tmp_path / ".staging"
    (staging / "figures").mkdir(parents=True)
    (staging / "r.pdf").write_text("new pdf")
    (staging / "r.xlsx").write_text("new xlsx")
    (staging / "figures" / "a.png").write_text("png")
    return final, staging


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "file-by-file"])
def test_publish_replaces_outputs_and_removes_stale(tmp_path, monkeypatch, exchange):
    import airlib.report.running as R

    if not exchange:
        monkeypatch.setattr(R, "_exchange_dirs", lambda a, b: False)
    elif not sys.platform.startswith("linux"):
        pytest.skip("renameat2 exchange is Linux-only")
    final, staging = _old_and_new(tmp_path)
    _publish(staging, final, {"pdf": "r.pdf", "excel": "r.xlsx", "notebook": "x.ipynb"})
    files = sorted(str(p.relative_to(final)) for p in final.rglob("*") if p.is_file())
    assert files == ["figures/a.png", "r.pdf", "r.xlsx"]
    assert (final / "r.pdf").read_text() == "new pdf"
    assert not (final / "failed").exists()
    if exchange:  # one atomic swap: the staging folder now holds the previous outputs
        assert (staging / "old.pdf").read_text() == "old"


def test_publish_first_run_renames(tmp_path):
    staging = tmp_path / ".staging"
    staging.mkdir()
    (staging / "r.pdf").write_text("pdf")
    _publish(staging, tmp_path / "2018-01", {"pdf": "r.pdf", "excel": "r.xlsx"})
    assert (tmp_path / "2018-01" / "r.pdf").read_text() == "pdf"


def test_shipped_notebook_has_parameters_and_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("district", "month", "language", "bottom_n", "output_dir", "boundaries", "data_dir"):
        assert re.search(rf"^{name}\s*=", tagged[0].source, re.M), name
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None


def test_strip_for_pdf_drops_stderr_and_tagged_cells():
    nb = nbformat.v4.new_notebook()
    c1 = nbformat.v4.new_code_cell("x", metadata={"tags": ["parameters"]})
    c2 = nbformat.v4.new_code_cell("y")
    c2.outputs = [nbformat.v4.new_output("stream", name="stderr", text="warn"),
                  nbformat.v4.new_output("stream", name="stdout", text="ok")]
    nb.cells = [c1, c2]
    c2.outputs.append(nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": {}}))
    c2.outputs.append(nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": {},
                                                                    "image/png": "iVBOR"}))
    out = strip_for_pdf(nb)
    assert len(out.cells) == 1
    kept = out.cells[0].outputs
    assert [o.get("name") for o in kept] == ["stdout", None]  # stderr and PNG-less plotly dropped
    assert "image/png" in kept[1]["data"]
    assert len(nb.cells) == 2  # input untouched


def test_failed_cell_named(tmp_path):
    nb = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell("# step: ranking\nraise ValueError('boom')")
    c.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[])]
    nb.cells = [nbformat.v4.new_code_cell("1"), c]
    p = tmp_path / "f.ipynb"
    nbformat.write(nb, p)
    assert _failed_cell(p) == "cell 1 (`# step: ranking`): ValueError: boom"
    # cells papermill inserts are not counted
    nb.cells.insert(0, nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["injected-parameters"]}))
    nb.cells[2].execution_count = 2
    nbformat.write(nb, p)
    assert _failed_cell(p) == "cell 1, In [2] (`# step: ranking`): ValueError: boom"


def test_kernels_use_private_ipc_sockets(tmp_path):
    from airlib.report.running import _kernel_manager_class

    a = _kernel_manager_class(str(tmp_path / "a"))()
    b = _kernel_manager_class(str(tmp_path / "b"))()
    assert a.transport == b.transport == "ipc"
    assert a.ip.startswith(str(tmp_path / "a")) and b.ip.startswith(str(tmp_path / "b"))


def test_kernel_process_output_never_reaches_the_terminal(tmp_path, capfd):
    """The kernel's own process stderr (ipykernel's log, e.g. a zmq traceback after a disk-full
    failure) goes to a log file, not to the CLI's stderr; the cells' output stays in the
    notebook. Without the redirection the marker written to fd 2 shows up in ``capfd``."""
    import nbformat

    from airlib.report.running import execute_notebook

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell("# parameters\nx = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import os\nos.write(2, b'Traceback (kernel process marker)\\n')\n"
                                          "print('cell output kept')")]
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    execute_notebook(out, {"x": 2}, notebook=src, cwd=tmp_path, timeout=120)
    err = capfd.readouterr().err
    assert "kernel process marker" not in err
    done = nbformat.read(out, as_version=4)
    assert "cell output kept" in "".join(o.get("text", "") for o in done.cells[-1].outputs)


def test_display_table_formats_and_languages():
    from airlib.tracking.ranking import ranking_table
    from airlib.report import MONTH_TABLE_COLUMNS, display_table

    cur = pd.Series([30.0, np.nan, 41.0], index=["110109001", "110109002", "110109003"])
    last = pd.Series([35.0, 30.0, 40.0], index=cur.index)
    lm = pd.Series([45.0, 20.0, 40.0], index=cur.index)
    names = pd.Series(["大峪街道", "城子街道", "东辛房街道"], index=cur.index)
    t = ranking_table(cur, last, year=2018, names=names, last_month=lm)
    zh = display_table(t, MONTH_TABLE_COLUMNS, "zh", "2018-01").set_index("乡镇街道")
    assert zh.loc["大峪街道", "同比变化(%)"] == "-14.3" and zh.loc["东辛房街道", "同比变化(%)"] == "+2.5"
    assert zh.loc["城子街道", "浓度排名"] == "无有效数据" and zh.loc["城子街道", "PM2.5月均浓度(µg/m³)"] == "—"
    # last month ranks: 城子 20 -> 1, 东辛房 40 -> 2, 大峪 45 -> 3
    assert zh.loc["大峪街道", "排名变化"] == "↑2" and zh.loc["东辛房街道", "排名变化"] == "0"
    en = display_table(t, MONTH_TABLE_COLUMNS, "en", "2018-01")
    assert list(en.columns[:3]) == ["Town/street", "PM2.5 (µg/m³)", "Rank"]
    with pytest.raises(AirlibError, match="language"):
        display_table(t, MONTH_TABLE_COLUMNS, "fr", "2018-01")


# ----------------------------------------------------------------------------- slow: full runs

REPORT_MONTH = "2017-12"


def _run_cli(args, home, timeout=600):
    env = dict(os.environ, AIRLIB_HOME=str(home))
    env.pop("AIRLIB_DISTRICTS", None)
    return subprocess.run([sys.executable, "-m", "airlib.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=str(home))


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """A project root with a short demo period (2015-10 … 2017-12) ingested, and demo ledgers."""
    from airlib.demo.generator import write_demo
    from airlib.demo.ledgers import write_demo_ledgers
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("airlib_home")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end=REPORT_MONTH)
    ingest_demo(raw, home / "data" / "processed")
    write_demo_ledgers(raw / "ledgers")
    return home


@pytest.fixture(scope="module")
def first_run(demo_home):
    res = _run_cli(["report", "--district", DEMO_NAME, "--month", REPORT_MONTH], demo_home)
    assert res.returncode == 0, res.stderr[-3000:]
    return demo_home / "reports" / DEMO_NAME / REPORT_MONTH


@pytest.mark.slow
def test_report_pdf_has_towns_and_ranks(demo_home, first_run):
    from airlib.report import prepare

    pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_月排名报告.pdf"
    assert pdf.exists()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "A4" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "门头沟区2017年12月乡镇街道空气质量" in re.sub(r"\s+", "", text)  # the title is set in two lines
    assert "合成演示数据" in text and "示意" in text
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", text)
    assert "import " not in text and "S.start" not in text and "display(" not in text  # no code
    data = prepare(ReportRequest.build(DEMO_NAME, REPORT_MONTH, project_root=demo_home))
    lines = text.splitlines()
    for row in data.ranking.itertuples(index=False):
        name = str(row.town_name)
        rows = [ln for ln in lines if ln.strip().startswith(name)]
        assert rows, f"{name} not in the PDF ranking table"
        if pd.isna(row.rank):
            assert any("无有效数据" in ln for ln in rows), name
        else:
            pat = rf"^\s*{name}\s+{row.pm25:.0f}\s+{int(row.rank)}\s"
            assert any(re.match(pat, ln) for ln in rows), (name, row.pm25, row.rank, rows)
    # warning list and task progress are there
    assert "预警乡镇街道" in text and "任务进展" in text


@pytest.mark.slow
def test_report_images_and_figures(first_run):
    pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_月排名报告.pdf"
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    n_images = len([ln for ln in listing.splitlines()[2:] if ln.strip()])
    figs = sorted((first_run / "figures").glob("*.png"))
    names = {p.name for p in figs}
    assert {"map_pm25_rank.png", "map_pm25_yoy.png", "ranking_bar.png", "district_trend.png"} <= names
    assert n_images >= len(figs)
    from PIL import Image

    for p in figs:
        a = np.asarray(Image.open(p).convert("L"), dtype=float)
        assert a.shape[0] > 200 and a.std() > 10, p  # not blank


@pytest.mark.slow
def test_report_excel_and_notebook_record(demo_home, first_run):
    xlsx = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_排名表.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[:2] == ["月排名", "累计排名"]
    ws = wb["月排名"]
    header = [c.value for c in ws[3]]
    assert "乡镇街道" in header and "浓度排名" in header and "同比变化(%)" in header
    n_towns = len(pd.read_parquet(demo_home / "data" / "processed" / "demo" / "towns.parquet"))
    codes = [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[0] and str(r[0]).isdigit()]
    assert len(codes) == n_towns and ws.print_title_rows == "$3:$3" and ws.freeze_panes == "B4"
    nb = nbformat.read(first_run / "monthly_report.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "2017-12" in injected[0].source
    assert "checked = True" in injected[0].source  # the kernel does not repeat the runner's checks
    dump = json.dumps(nb, ensure_ascii=False)
    assert "sha-256" in dump.lower() and "pandas 3" in dump
    assert f"{DEMO_NAME}_{REPORT_MONTH}_运行记录.json" in dump  # the appendix points to the record
    assert not re.search(r"[0-9a-f]{64}", dump)  # the hashes are in the record, not the appendix


@pytest.mark.slow
def test_run_record_json_beside_the_pdf(demo_home, first_run):
    """The record lists every input (ledgers and plans included) with the SHA-256 of the file
    as it is now, project-relative paths only, parameters, versions and step timings."""
    from airlib.report.content import inputs_digest

    rec = json.loads((first_run / f"{DEMO_NAME}_{REPORT_MONTH}_运行记录.json").read_text(encoding="utf-8"))
    files = {i["file"]: i for i in rec["inputs"]}
    dump = json.dumps(rec, ensure_ascii=False)
    assert str(demo_home) not in dump and "staging" not in dump and str(PROJECT_ROOT) not in dump
    assert not any(f.startswith("/") for f in files)
    ledgers = sorted((demo_home / "data" / "raw" / "demo" / "ledgers").glob("*.xlsx"))
    assert ledgers and all(f"data/raw/demo/ledgers/{p.name}" in files for p in ledgers)
    assert "data/raw/demo/boundaries/towns_schematic.geojson" in files
    assert any(f.endswith("manifest.json") for f in files) and any(f.endswith("towns.parquet") for f in files)
    assert any(f.startswith("<airlib>/") and "plan" in f for f in files)  # the shipped plan
    for f, item in files.items():
        if not f.startswith("<"):
            assert _sha(demo_home / f) == item["sha256"] and (demo_home / f).stat().st_size == item["bytes"], f
    assert rec["inputs_sha256"] == inputs_digest(pd.DataFrame(rec["inputs"]))
    assert rec["parameters"]["month"] == REPORT_MONTH and rec["parameters"]["data_dir"] == "data/processed/demo"
    assert {"python", "airlib", "pandas"} <= rec["versions"].keys()
    t = rec["timings_s"]
    assert {"checks", "notebook", "kernel", "html", "chromium", "total"} <= t.keys()
    assert all(v >= 0 for v in t.values()) and t["total"] >= t["notebook"] + t["chromium"]


@pytest.mark.slow
def test_month_folder_follows_umask(first_run):
    mask = os.umask(0)
    os.umask(mask)  # the test process's umask is the one the report subprocess inherited
    assert (first_run.stat().st_mode & 0o777) == 0o777 & ~mask
    assert (first_run / "figures").stat().st_mode & 0o777 == 0o777 & ~mask


@pytest.mark.slow
def test_english_report_beside_chinese_and_english_throughout(demo_home, first_run):
    """--language en writes its own files (the Chinese ones stay as they were) and its PDF has
    no Chinese except proper names: the district, towns, the plan's title and its task texts."""
    from airlib.report import prepare

    zh_pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_月排名报告.pdf"
    zh_xlsx = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_排名表.xlsx"
    before = (_sha(zh_pdf), _sha(zh_xlsx), _sha(first_run / "monthly_report.ipynb"))
    res = _run_cli(["report", "--district", DEMO_NAME, "--month", REPORT_MONTH, "--language", "en"], demo_home)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (_sha(zh_pdf), _sha(zh_xlsx), _sha(first_run / "monthly_report.ipynb")) == before
    en_pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_monthly_ranking_report.pdf"
    assert (first_run / f"{DEMO_NAME}_{REPORT_MONTH}_ranking_tables.xlsx").exists()
    assert (first_run / f"{DEMO_NAME}_{REPORT_MONTH}_run_record.json").exists()
    assert len(list((first_run / "figures_en").glob("*.png"))) >= 4
    assert len(list((first_run / "figures").glob("*.png"))) >= 4
    text = subprocess.run(["pdftotext", str(en_pdf), "-"], capture_output=True, text=True).stdout
    assert re.search(r"Page\s+1\s+of\s+\d+", text) and "Monthly ranking" in text
    data = prepare(ReportRequest.build(DEMO_NAME, REPORT_MONTH, project_root=demo_home, language="en"))
    proper = [DEMO_NAME, *data.towns["town_name"].astype(str)]
    for prog in data.progress:
        proper.append(str(prog.plan))
        proper += [str(v) for col in prog.overdue.columns
                   for v in prog.overdue[col].tolist() if isinstance(v, str)]
        proper += [str(v) for col in prog.tasks.columns  # key tasks: the plan's words and units
                   for v in prog.tasks[col].tolist() if isinstance(v, str)]
    rules = data.rules  # the bureau's rule file: its clauses, plan words and 约谈 names are quoted as written
    proper += [str(x) for item in [*rules.rules, *rules.summons]
               for x in (item.source.clause, item.source.quote, item.label)]
    if data.tsp is not None and data.tsp.table is not None:  # the TSP ranking names towns of every district
        proper += data.tsp.table["town_name"].astype(str).tolist()
    corpus = "\n".join(proper)
    runs = set(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", text))
    assert runs, "the English PDF should still name the towns"
    stray = sorted(r for r in runs if r not in corpus)
    assert stray == [], stray


@pytest.mark.slow
def test_failure_keeps_notebook_and_last_good_outputs(demo_home, first_run, tmp_path):
    from airlib.report import run_report

    pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_月排名报告.pdf"
    xlsx = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_排名表.xlsx"
    before = (_sha(pdf), _sha(xlsx))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell("# step: deliberately broken\nraise RuntimeError('boom')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(ReportError) as exc:
        run_report(DEMO_NAME, REPORT_MONTH, project_root=demo_home, notebook=broken)
    msg = str(exc.value)
    assert "cell 4," in msg and "deliberately broken" in msg and "RuntimeError: boom" in msg
    kept = first_run / "failed" / "monthly_report.failed.ipynb"
    assert kept.exists() and str(kept) in msg
    assert (_sha(pdf), _sha(xlsx)) == before
    assert not list((first_run.parent).glob(".*staging*"))


@pytest.mark.slow
def test_cli_bad_parameters(demo_home):
    cases = [
        (["--district", "不存在区", "--month", "2017-12"], "unknown district"),
        (["--month", "2099-01"], "future"),
        (["--month", "2014-01"], "no data for 门头沟区 in 2014-01"),
        (["--month", "2017/12"], "YYYY-MM"),
    ]
    for args, needle in cases:
        res = _run_cli(["report", *args], demo_home)
        assert res.returncode == 2, (args, res.stderr)
        assert needle in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_all_runs_in_parallel_and_replaces_outputs(demo_home, first_run):
    """--all: the demo (re-run, replacing its outputs and the failed notebook) and a second
    district on the same data at once; a third district with a path outside the project fails
    with a clear message and a non-zero exit."""
    raw = demo_home / "data" / "raw"
    (raw / "districts.yaml").write_text(
        "districts:\n"
        "  - name: 门头沟副本\n    district_code: '110109'\n    dataset: demo\n"
        "    boundaries: data/raw/demo/boundaries/towns_schematic.geojson\n    bottom_n: 2\n"
        "  - name: 越界区\n    district_code: '110109'\n    dataset: demo\n"
        "    boundaries: ../outside.geojson\n",
        encoding="utf-8",
    )
    pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_月排名报告.pdf"
    before = pdf.stat().st_mtime_ns
    try:
        res = _run_cli(["report", "--all", "--include-demo", "--month", REPORT_MONTH, "--jobs", "2"], demo_home)
    finally:
        (raw / "districts.yaml").unlink()
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "[1/3]" in out and "[3/3]" in out
    assert re.search(r"门头沟区 2017-12: ok", out) and re.search(r"门头沟副本 2017-12: ok", out)
    assert re.search(r"越界区 2017-12: FAILED: .*outside the project", out)
    assert pdf.stat().st_mtime_ns != before
    assert not (first_run / "failed").exists()
    copy = demo_home / "reports" / "门头沟副本" / REPORT_MONTH
    assert (copy / f"门头沟副本_{REPORT_MONTH}_月排名报告.pdf").exists()
    assert len(list((copy / "figures").glob("*.png"))) >= 4


@pytest.mark.slow
def test_report_ranking_agrees_with_citywide_path(demo_home):
    """Two independent paths to the same month's ranking: the report's (validity +
    aggregation + ranking) and the streamed city-wide one (airlib.engine.citywide)."""
    from airlib.engine import citywide
    from airlib.report import prepare
    from airlib.io.store import read_registry

    proc = demo_home / "data" / "processed"
    data = prepare(ReportRequest.build(DEMO_NAME, REPORT_MONTH, project_root=demo_home))
    stations = read_registry(proc, "demo", "stations")
    cw = citywide.rank_month(proc, "demo", stations, 2017, 12)
    cw = cw.assign(town_code=cw["town_code"].astype("string")).set_index("town_code")
    mine = data.ranking.set_index("town_code")
    assert set(mine.index) == set(cw.index)
    np.testing.assert_array_equal(mine["pm25"].to_numpy(dtype=float),
                                  cw.loc[mine.index, "pm25_published"].to_numpy(dtype=float))
    assert mine["rank"].astype("Float64").fillna(-1).tolist() == \
        cw.loc[mine.index, "rank"].astype("Float64").fillna(-1).tolist()


@pytest.mark.slow
def test_prepare_typed_fields_and_sections(demo_home, tmp_path):
    """prepare(request) fills the typed fields; each section returns what the notebook shows and
    saves its figures under request.figure_dir (not in reports/)."""
    from IPython.display import HTML, Image, Markdown

    from airlib.report import TaskProgress, prepare, sections

    request = ReportRequest.build(DEMO_NAME, REPORT_MONTH, project_root=demo_home, output_dir=tmp_path / "out")
    data = prepare(request)
    [prog] = data.progress
    assert isinstance(prog, TaskProgress) and prog.last_ledger_month == "2017-12" and not prog.stale
    assert len(prog.scores) and data.ledger_problems == []
    assert isinstance(data.targets, pd.DataFrame)
    # PM2.5 (T01) and heavy-pollution days (T02) of the 2017-18 plan, judged on the period window
    assert set(data.targets["target_id"]) >= {"T01", "T02"} and set(data.targets["window"]) == {"目标期累计"}
    heavy = data.targets.set_index("target_id").loc["T02"]
    assert heavy["allowed_total"] == np.floor(heavy["comparison_full"] * 0.8 + 1e-9)
    assert heavy["allowance"] == heavy["allowed_total"] - heavy["current"]
    assert data.district_daily["date"].max() == pd.Timestamp("2017-12-31")
    first = sections.monthly_ranking(request, data)
    assert [type(x) for x in first] == [Markdown, Markdown, HTML, Markdown]
    assert first[0].data == "## 一、月排名" and "表1 2017年12月" in first[2].data
    for name in ("cover", "ytd_ranking", "warnings", "task_progress", "targets", "maps", "run_record"):
        objs = getattr(sections, name)(request, data)
        assert objs and all(isinstance(o, (Markdown, HTML, Image)) for o in objs), name
    assert sections.interactive_maps(request, data) == []
    pngs = {p.name for p in request.figure_dir.glob("*.png")}
    assert {"ranking_bar.png", "district_trend.png", "map_pm25_rank.png", "map_pm25_yoy.png"} <= pngs
    xlsx = sections.write_workbook(request, data)
    assert xlsx == tmp_path / "out" / "ranking.xlsx" and xlsx.exists()
    # every number of the ranking sheet is the library's, stored as a number; "—" where it has none
    from airlib.report.content import MONTH_TABLE_COLUMNS

    ws = openpyxl.load_workbook(xlsx)["月排名"]
    lib = data.ranking.set_index(data.ranking["town_code"].astype(str))
    cols = ["town_code", *MONTH_TABLE_COLUMNS]
    n_numbers = 0
    for row in ws.iter_rows(min_row=4, max_row=3 + len(lib), values_only=True):
        for c, v in zip(cols, row, strict=False):
            want = lib.loc[row[0], c]
            if pd.isna(want):
                assert v == "—", (row[0], c)
            elif c not in ("town_code", "town_name"):
                assert not isinstance(v, str) and v == pytest.approx(float(want)), (row[0], c)
                n_numbers += 1
    assert n_numbers >= 5 * len(lib)
    assert not (demo_home / "figures").exists()


def _captions_in_notebook_order(request, data):
    """Run every section the way the notebook does (its order of S.<section> calls) and return
    the table and figure captions shown, in order."""
    from airlib.report import sections

    nb = nbformat.read(NOTEBOOK, as_version=4)
    order = [m for c in nb.cells if c.cell_type == "code"
             for m in re.findall(r"\bS\.(\w+)\(request, data\)", c.source)]
    captions = []
    for name in order:
        if name == "write_workbook":
            continue
        for obj in getattr(sections, name)(request, data):
            shown = getattr(obj, "data", None)
            if isinstance(shown, str):  # Markdown and HTML (an Image holds bytes)
                captions += re.findall(r"<(?:caption|p class='airlib-figcaption')[^>]*>(.*?)</", shown)
    return captions


def _numbers(captions, word):
    return [int(m.group(1)) for c in captions if (m := re.match(rf"{word}(\d+) ", c))]


@pytest.mark.slow
@pytest.mark.parametrize(("month", "has_ledger_and_target"), [("2017-12", True), ("2016-12", False)])
def test_tables_and_figures_numbered_without_gaps(demo_home, tmp_path, month, has_ledger_and_target):
    """表1, 表2, … and 图1, 图2, … run on without gaps whichever tables the month has (2017-12:
    task ledgers and a target, no worsening town; 2016-12: neither ledgers nor targets)."""
    from airlib.report import prepare

    request = ReportRequest.build(DEMO_NAME, month, project_root=demo_home, output_dir=tmp_path / "out")
    data = prepare(request)
    assert bool(data.progress) == has_ledger_and_target
    assert (not data.targets.empty) == has_ledger_and_target
    captions = _captions_in_notebook_order(request, data)
    tables, figures = _numbers(captions, "表"), _numbers(captions, "图")
    assert tables == list(range(1, len(tables) + 1)) and figures == list(range(1, len(figures) + 1)), captions
    assert len(tables) == len(data.numbering.tables) and len(figures) == len(data.numbering.figures)
    from airlib.report.content import warning_history_display

    expected = {"ranking", "ytd"} | ({"warnings", "warning_reasons"} if len(data.warnings) else set()) \
        | ({"worsening"} if len(data.worsening) else set()) \
        | ({"summons"} if len(data.summons) else set()) \
        | ({"warning_history"} if warning_history_display(data)[0] is not None else set()) \
        | ({"progress", "targets"} if has_ledger_and_target else set()) \
        | ({"overdue"} if has_ledger_and_target and len(data.progress[0].overdue) else set()) \
        | ({"tasks"} if has_ledger_and_target and len(data.progress[0].tasks) else set()) \
        | ({"heavy_targets"} if has_ledger_and_target else set())  # the 2017-18 plan's T02
    if data.bulletin is not None:
        expected |= {"bulletin_monthly", "bulletin_ytd", "bulletin_days", "bulletin_ranks"}
    if data.city is not None and data.city.ranking is not None:
        from airlib.report.city import city_display

        expected |= {k for k, which in (("city", "month"), ("city_ytd", "ytd"))
                     if city_display(data, "zh", table=which) is not None}
    if data.dust is not None:  # the 扬尘 section (docs/dust.md): the demo has both sheets
        expected |= {"dustfall", "road_dust"} | {f"{k}_targets" for k in ("dustfall", "road_dust")
                                                 if not getattr(data.dust, f"{k}_targets").empty}
    sd = data.sand_dust  # 扣沙 (docs/dust.md): a table only where the figures differ
    if sd is not None and sd.n_periods and not sd.comparison.empty:
        expected |= {"sand_dust"}
    if data.forecast_verification is not None:  # 预报检验 in 五、重污染天气应对 (key forecasts)
        expected |= {"forecast_verification"}
    if data.tsp is not None and data.tsp.table is not None:  # the TSP subsection (docs/tsp.md)
        from airlib.report.tsp_section import tsp_tables

        t = tsp_tables(data)
        expected |= {f"tsp_{k}_{h['start']:%Y%m%d}" for h in t["halves"] for k in ("rank", "extremes")}
        expected |= {"tsp_appearances"} if len(t["appearances"]) else set()
        expected |= {"tsp_targets"} if len(t["targets"]) else set()
    assert set(data.numbering.tables) == expected
    assert ("targets" in data.numbering.figures) == has_ledger_and_target
    # a cell run again (JupyterLab) keeps its numbers
    assert _captions_in_notebook_order(request, data) == captions


@pytest.mark.slow
def test_report_pdf_words_are_true_and_plain(demo_home, first_run):
    """The PDF: no module or code names, captions numbered 1, 2, … and the summary agrees with the
    ranking table."""
    from airlib.report import prepare
    from airlib.report.sentences import check_ranking_summary, ranking_summary

    pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_月排名报告.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "airlib." not in text and ".py" not in text
    # "_" only inside file names and paths (the run record lists the input files)
    code_like = [tok for tok in re.findall(r"\S*_\S*", text)
                 if "/" not in tok and not re.search(r"\.[A-Za-z]{2,8}\W*$", tok)
                 and not re.search(r"[\u4e00-\u9fff]", tok)
                 and not re.fullmatch(r"_\d{4}-\d{2}_", tok)]  # a file name broken at a line end
    assert code_like == [], code_like
    body = re.sub(r"_{4,}", "", text.split("运行记录")[0])  # the cover's blank lines to fill in by hand
    body = re.sub(r"[\w/.-]+\.(?:csv|xlsx|txt)", "", body)  # a source file named in a note (city table)
    assert "_" not in body  # before the run record, no code names
    tables = [int(x) for x in re.findall(r"^\s*表(\d+) ", text, flags=re.M)]
    figures = [int(x) for x in re.findall(r"^\s*图(\d+) ", text, flags=re.M)]
    assert tables == list(range(1, len(tables) + 1)) and len(tables) >= 4, tables
    assert figures == list(range(1, len(figures) + 1)) and len(figures) >= 4, figures
    data = prepare(ReportRequest.build(DEMO_NAME, REPORT_MONTH, project_root=demo_home))
    summary = ranking_summary(data.ranking, data.month)
    assert check_ranking_summary(summary, data.ranking) == []
    first = summary.text.split("。")[0]
    assert first in re.sub(r"\s+", "", text), first


# ---- notebook helpers (no report run needed) -----------------------------------------------------

def test_report_month_precision_switch_at_2024():
    from airlib.standards.rounding import published_precision

    assert published_precision("pm25", pd.Period("2023-12", freq="M")) == 0
    assert published_precision("pm25", pd.Period("2024-01", freq="M")) == 1


def test_bottom_row_positions_follow_ranking_order_and_code_dtype():
    from types import SimpleNamespace

    from airlib.report.content import bottom_row_positions

    ranking = pd.DataFrame({"town_code": pd.array(["110109001", "110109003", "110109002", "110109004"], dtype="string")})
    bottom = pd.DataFrame({"town_code": ["110109002", "110109004"]})  # object dtype vs string dtype
    assert bottom_row_positions(SimpleNamespace(ranking=ranking, bottom=bottom)) == [2, 3]
    assert bottom_row_positions(SimpleNamespace(ranking=ranking, bottom=bottom.iloc[0:0])) == []


def test_overdue_display_headers_and_missing_values():
    from types import SimpleNamespace

    from airlib.report.content import overdue_display

    od = pd.DataFrame({"task_id": ["K01"], "task": ["拆小煤炉"], "unit": ["台"], "town_name": ["王平地区"],
                       "target": [10.0], "completed": [np.nan], "remaining": [3.5],
                       "deadline": [pd.Timestamp("2017-12-31")], "days_overdue": [15],
                       "lead": ["区城管执法局"], "responsible": ["王平镇"]})
    prog = SimpleNamespace(overdue=od)
    zh = overdue_display(prog)
    assert zh.columns.tolist() == ["任务", "内容", "乡镇街道", "目标", "已完成", "剩余", "完成时限", "逾期天数", "牵头/主责单位"]
    assert zh.iloc[0].tolist() == ["K01", "拆小煤炉", "王平地区", "10 台", "—", "3.5 台", "2017-12-31", "15",
                                   "区城管执法局／王平镇"]
    assert overdue_display(prog, "en").columns[-2] == "Days overdue"
    assert overdue_display(None) is None
    assert overdue_display(SimpleNamespace(overdue=od.iloc[0:0])) is None


def test_cover_cites_the_gb3095_edition_in_force() -> None:
    import pandas as pd

    from airlib.report.content import gb3095_label

    assert gb3095_label(pd.Period("2026-02", "M")) == "GB 3095—2012"
    assert gb3095_label(pd.Period("2026-03", "M")) == "GB 3095—2026"
    assert gb3095_label(pd.Period("2031-01", "M")) == "GB 3095—2026"


# ---- the package: request, texts, layering, notebook (no report run needed) ---------------------

TODAY = dt.date(2018, 3, 3)


def _request(tmp_path, **kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("check_inputs", False)
    return ReportRequest.build(DEMO_NAME, kw.pop("month", "2017-12"), project_root=tmp_path, **kw)


def test_request_is_built_checked_and_frozen(tmp_path, monkeypatch):
    import dataclasses

    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    r = _request(tmp_path)
    assert r.month == pd.Period("2017-12", "M") and r.language == "zh" and r.bottom_n == DEMO.bottom_n
    assert r.project_root == tmp_path.resolve() and r.district == DEMO_NAME
    assert r.output_dir == tmp_path.resolve() / "figures" / "report" / DEMO_NAME / "2017-12"
    assert r.figure_dir == r.output_dir / "figures"
    assert r.store == tmp_path.resolve() / "data" / "processed" / DEMO.dataset
    assert _request(tmp_path, bottom_n=0).bottom_n == 0  # edge: an empty bottom list is allowed
    assert _request(tmp_path, month=None).month == pd.Period("2018-02", "M")  # last complete month
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.month = pd.Period("2018-01", "M")  # type: ignore[misc]


@pytest.mark.parametrize(("kw", "needle"), [
    ({"language": "fr"}, "language must be 'zh' or 'en'"),
    ({"bottom_n": -1}, "bottom N must be a whole number ≥ 0, not -1; fix --bottom-n"),
    ({"bottom_n": True}, "bottom N must be a whole number"),
    ({"bottom_n": 2.5}, "bottom N must be a whole number"),
    ({"month": "2018-03"}, "not complete yet"),
    ({"month": "2019-01"}, "in the future"),
    ({"month": "2017/12"}, "YYYY-MM"),
    ({"excel_name": "../x.xlsx"}, "plain file name"),
    ({"excel_name": "a/b.xlsx"}, "plain file name"),
    ({"excel_name": ""}, "plain file name"),
])
def test_request_refuses_bad_parameters(tmp_path, monkeypatch, kw, needle):
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    with pytest.raises(AirlibError, match=re.escape(needle)):
        _request(tmp_path, **kw)


def test_request_checks_district_and_inputs(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    with pytest.raises(AirlibError, match="unknown district '不存在区'"):
        ReportRequest.build("不存在区", "2017-12", project_root=tmp_path, today=TODAY, check_inputs=False)
    with pytest.raises(AirlibError):
        ReportRequest.build("../区", "2017-12", project_root=tmp_path, today=TODAY, check_inputs=False)
    # check_inputs (the default): the store is looked at before anything else happens
    with pytest.raises(AirlibError, match="no processed data for 门头沟区"):
        ReportRequest.build(DEMO_NAME, "2017-12", project_root=tmp_path, today=TODAY)
    _request(tmp_path)  # the notebook's path when the runner has checked: no store access


def test_request_parameters_are_the_notebook_parameters(tmp_path, monkeypatch):
    """The runner injects request.parameters() (+ checked); the notebook declares each of them."""
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    declared = re.findall(r"^(\w+)\s*=", cell.source, flags=re.M)
    params = _request(tmp_path, bottom_n=3, output_dir=tmp_path / "o", excel_name="r.xlsx").parameters()
    assert declared == [*params, "checked"]
    assert params["month"] == "2017-12" and params["bottom_n"] == 3 and params["output_dir"] == str(tmp_path / "o")


def test_texts_cover_both_languages():
    import string

    from airlib.report.texts import TABLE_HEADERS, TEXT, table_headers, text

    assert TEXT["zh"].keys() == TEXT["en"].keys()
    fields = {"district", "year", "month", "ym", "n", "code", "now", "stations", "valid", "total", "share",
              "towns", "towns_valid", "standard", "names", "precision", "d", "n_valid", "lo", "hi", "best",
              "worst", "worst_rank", "pct", "count", "plan", "last", "as_of", "file", "problem", "value", "rank",
              "town", "word", "scope", "counts", "towns", "tied", "best_place", "worst_place", "no",
              "tie", "change", "among",
              "more", "page", "pages", "size", "digest", "lang", "data", "versions",
              "issuer", "number", "day", "boundary", "dataset", "folder", "deadline"}
    fields |= {"days", "need"}  # the workbook's reasons for "—" (valid days, days a month needs)
    fields |= {"missing", "end"}  # stale ledgers (months not reported), the end month of an ended plan
    fields |= {"target", "start", "end", "used", "last_full", "allowed", "left", "over"}  # heavy-day sentence
    fields |= {"n_due", "n_on", "max"}  # task-progress sentence
    fields |= {"clause", "quote", "rules", "limit", "id", "label", "first", "n_reasons", "by_rule"}  # warnings, 约谈
    fields |= {"items", "sep", "plan"}  # which plan each target of the month belongs to (several plans)
    fields |= {"periods", "hours"}  # 扣沙 statement (docs/dust.md)
    fields |= {"levels", "level", "season", "episodes", "hits", "misses", "false_alarms"}  # 重污染天气应对
    fields |= {"lead", "hit", "bias"}  # 预报检验 sentence
    fields |= {"parts", "name", "fallback", "dparts", "months"}  # station-set statement and captions (docs/stations.md)
    for lang, entries in TEXT.items():
        for key, template in entries.items():
            used = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            assert used <= fields, (lang, key, used - fields)
        # Chinese wording only in the Chinese texts (a copy-paste slip shows here)
        if lang == "en":
            cjk = [k for k, v in entries.items() if re.search(r"[\u4e00-\u9fff]", v)]
            assert cjk == [], cjk
    assert all(text(k, "zh") for k in TEXT["zh"])  # every Chinese text is there
    for table, by_lang in TABLE_HEADERS.items():
        assert len(by_lang["zh"]) == len(by_lang["en"]) == len(set(by_lang["zh"])), table
    assert text("table_ranking", "zh", no=1, year=2017, month=12, ym="2017-12", n=3).startswith("表1 2017年12月")
    assert text("table_ranking", "en", no=1, year=2017, month=12, ym="2017-12", n=3) == \
        "Table 1 PM2.5 ranking, 2017-12 (shaded: bottom 3)"
    with pytest.raises(AirlibError, match="language"):
        table_headers("overdue", "de")


#: Rank of each module of airlib/report: a module imports only modules of a lower rank.
REPORT_LAYERS = {
    "texts": -1,  # strings only: every module may use them (maps labels its figures with them)
    "errors": 0, "config": 0, "cleanup": 0, "excel": 0, "maps": 0, "numbering": 0, "sentences": 1,
    "request": 1, "rendering": 1, "data": 2, "dust": 3, "content": 4, "figures": 4, "city": 4, "letters": 5,
    "tsp_section": 5, "sections": 6, "running": 7, "daily": 8,
}


def test_report_package_imports_flow_one_way():
    import ast

    pkg = PROJECT_ROOT / "airlib" / "report"
    modules = {p.stem for p in pkg.glob("*.py")} - {"__init__"}
    assert modules == set(REPORT_LAYERS), "new module: give it a rank in REPORT_LAYERS"
    for name in sorted(modules):
        tree = ast.parse((pkg / f"{name}.py").read_text(encoding="utf-8"))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "airlib.report":
                    targets |= {a.name for a in node.names}
                elif node.module.startswith("airlib.report."):
                    targets.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                targets |= {a.name.split(".")[2] for a in node.names if a.name.startswith("airlib.report.")}
        for t in targets:
            assert REPORT_LAYERS[t] < REPORT_LAYERS[name], f"airlib.report.{name} imports airlib.report.{t}"
        assert "__all__" in {getattr(t, "id", None) for n in tree.body if isinstance(n, ast.Assign) for t in n.targets}, name


def test_notebook_holds_narrative_and_calls_only():
    """Every code cell after the parameters is display(*S.<section>(request, data)) or the one
    set-up call; no wording (Chinese text) and no computation in the notebook."""
    import ast

    from airlib.report import sections

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    called: list[str] = []
    for cell in code:
        body = "\n".join(ln for ln in cell.source.splitlines() if not ln.lstrip().startswith("#"))
        assert not re.search(r"[\u4e00-\u9fff]", body), cell.source  # wording lives in airlib.report.texts
        tree = ast.parse(body)
        called += [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                   and isinstance(n.value, ast.Name) and n.value.id == "S"]
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.Lambda, ast.BinOp, ast.Subscript)), cell.source
    assert sorted(called) == sorted(sections.__all__)  # each section once, nothing else


@pytest.mark.slow
def test_report_writes_a_letter_per_warned_town_listed_in_the_record(demo_home, first_run):
    """预警通知函: one DOCX and one PDF per town of the warning list, in 预警通知函/ beside the
    report; the run record lists each file with its size and SHA-256; the PDF says how many."""
    import json

    from docx import Document

    from airlib.report import prepare
    from airlib.report.letters import LETTER_FOLDER

    data = prepare(ReportRequest.build(DEMO_NAME, REPORT_MONTH, project_root=demo_home))
    names = [str(n) for n in data.warnings["town_name"]]
    assert names, "the demo month should have warned towns"
    folder = first_run / LETTER_FOLDER
    expected = {f"{REPORT_MONTH}_{n}_预警通知函.{ext}" for n in names for ext in ("docx", "pdf")}
    assert {p.name for p in folder.iterdir()} == expected
    ranking = data.ranking.set_index("town_name")
    for n in names:
        body = "\n".join(p.text for p in Document(str(folder / f"{REPORT_MONTH}_{n}_预警通知函.docx")).paragraphs)
        row = ranking.loc[n]
        assert f"{n}PM2.5月均浓度为{row.pm25:.0f} µg/m³" in body and f"排名第{int(row['rank'])}" in body
    record = json.loads((first_run / f"{DEMO_NAME}_{REPORT_MONTH}_运行记录.json").read_text(encoding="utf-8"))
    listed = {r["file"]: r for r in record["letters"]}
    assert set(listed) == {f"{LETTER_FOLDER}/{x}" for x in expected}
    for rel, r in listed.items():
        assert r["bytes"] == (first_run / rel).stat().st_size and r["sha256"] == _sha(first_run / rel)
    pdf = first_run / f"{DEMO_NAME}_{REPORT_MONTH}_月排名报告.pdf"
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    assert f"本月向{len(names)}个预警乡镇街道印发预警通知函" in text and f"“{LETTER_FOLDER}”子文件夹" in text
