"""预警通知函 (airlib.report.letters): contexts, DOCX from the Word template, PDF, atomic folder.

The reasons frames are built here with exactly the columns of the shared interface
``airlib.tracking.supervision.warning_reasons`` (issue #13), so these tests do not depend on
how the warnings are decided.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docx import Document

from airlib.errors import AirlibError, InputDataError
from airlib.escaping import docx_text
from airlib.report import letters as L
from airlib.report.config import DistrictConfig, district_config, letter_template_path
from airlib.report.errors import ReportError

CFG = DistrictConfig(name="门头沟区", district_code="110109", dataset="demo", issuer="北京市门头沟区生态环境局",
                     document_number="门环函〔2017〕12号")
ISSUED = dt.date(2017, 12, 1)  # a Friday
CLAUSE = "门大气办〔2017〕4号 （十六）实施严格考核问责制度"
QUOTE = "对考核排名靠后的乡镇（街道）进行预警"


def ranking(n: int = 13, names: dict[int, str] | None = None) -> pd.DataFrame:
    """A month's town ranking (columns of ``town_monthly_ranking``): town i has PM2.5
    40.3 + i (rank i); towns 11 and 12 rose year on year."""
    names = names or {}
    pm25 = 40.3 + np.arange(1, n + 1)
    last = pm25 + 2.0
    last[10:12] = pm25[10:12] - 3.0
    t = pd.DataFrame({
        "town_code": pd.array([f"1101090{i:02d}" for i in range(1, n + 1)], dtype="string"),
        "town_name": pd.array([names.get(i, f"第{i}镇") for i in range(1, n + 1)], dtype="string"),
        "pm25": pm25, "rank": pd.array(range(1, n + 1), dtype="Int64"), "pm25_last_year": last,
        "ytd": pm25 + 1.2, "ytd_rank": pd.array(range(1, n + 1), dtype="Int64"),
    })
    t["yoy_pct"] = (t["pm25"] / t["pm25_last_year"] - 1) * 100
    return t


def reason(town: pd.Series, kind: str, label: str, detail: str, *, rule_id: str = "W1", value: float = 1.0,
           threshold: float = 1.0, unit: str = "", month: str = "2017-11") -> dict:
    """One row of the shared reasons frame."""
    return {"month": month, "town_code": town["town_code"], "town_name": town["town_name"], "rule_id": rule_id,
            "kind": kind, "label": label, "detail": detail, "value": value, "threshold": threshold, "unit": unit,
            "plan": "门头沟区2017—2018年秋冬季大气污染综合治理攻坚行动方案", "clause": CLAUSE, "quote": QUOTE}


def reasons_for(rk: pd.DataFrame) -> pd.DataFrame:
    """Town 13: bottom rank and a task behind schedule; town 12: YoY worsening."""
    t13, t12 = rk.iloc[12], rk.iloc[11]
    rows = [
        reason(t13, "bottom_rank", "浓度排名后3名", f"PM2.5月均浓度{t13.pm25:.0f} µg/m³，全区13个镇街中排名第13",
               value=13, threshold=11, unit="名"),
        reason(t13, "task_behind", "重点任务滞后", "燃煤锅炉改造完成2台，应完成5台", rule_id="W3", value=2, threshold=5,
               unit="台"),
        reason(t12, "yoy_worsening", "同比上升", f"PM2.5月均浓度同比{t12.yoy_pct:+.1f}%", rule_id="W2",
               value=float(t12.yoy_pct), threshold=0, unit="%"),
    ]
    return pd.DataFrame(rows).astype({c: "string" for c in L.REASON_COLUMNS if c not in ("value", "threshold")})


def docx_text_of(path: Path) -> str:
    """All text of a DOCX (paragraphs and table cells), opened with python-docx."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def expected_figures(row: pd.Series) -> dict[str, str]:
    """The numbers a 2017 letter prints for a ranking row: PM2.5 as an integer (published
    precision through 2023), rank, YoY % with one decimal."""
    return {"pm25": str(int(round(row.pm25))), "rank": str(int(row["rank"])), "ytd": str(int(round(row.ytd))),
            "yoy": f"{abs(row.yoy_pct):.1f}%", "yoy_word": "上升" if row.yoy_pct > 0 else "下降"}


# --- contexts ---------------------------------------------------------------------------


def test_contexts_one_per_warned_town_worst_first_with_every_reason():
    rk = ranking()
    ctx = L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    assert [c["town_name"] for c in ctx] == ["第13镇", "第12镇"]
    assert [r["label"] for r in ctx[0]["reasons"]] == ["浓度排名后3名", "重点任务滞后"]
    assert [r["no"] for r in ctx[0]["reasons"]] == ["1", "2"]
    assert ctx[0]["n_reasons"] == "2" and ctx[1]["n_reasons"] == "1"
    assert ctx[0]["addressee"] == "第13镇人民政府"
    assert ctx[0]["plans_text"] == "《门头沟区2017—2018年秋冬季大气污染综合治理攻坚行动方案》"
    assert ctx[0]["issuer"] == CFG.issuer and ctx[0]["document_number"] == CFG.document_number


def test_context_numbers_are_the_ranking_row_at_published_precision():
    rk = ranking()
    c = L.letter_context("110109012", reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    row, e = rk.iloc[11], expected_figures(rk.iloc[11])
    assert (c["pm25"], c["rank"], c["ytd"], c["n_ranked"]) == (e["pm25"], e["rank"], e["ytd"], "13")
    assert c["yoy_pct"] == f"{row.yoy_pct:+.1f}"
    assert f"PM2.5月均浓度为{e['pm25']} µg/m³" in c["figures_text"]
    assert f"排名第{e['rank']}" in c["figures_text"] and f"同比{e['yoy_word']}{e['yoy']}" in c["figures_text"]
    # from 2024 PM2.5 is published with one decimal
    c24 = L.letter_context("110109012", reasons_for(rk).assign(month="2024-11"), rk, CFG, "2024-11",
                           issued=dt.date(2024, 12, 2))
    assert c24["pm25"] == f"{row.pm25:.1f}" and f"为{row.pm25:.1f} µg/m³" in c24["figures_text"]


def test_context_of_a_town_without_valid_month_or_last_year():
    rk = ranking()
    rk.loc[12, ["pm25", "pm25_last_year", "yoy_pct", "ytd"]] = np.nan
    rk["rank"] = rk["rank"].mask(rk.index == 12)
    c = L.letter_context("110109013", reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    assert c["pm25"] == "—" and "无月均浓度和排名" in c["figures_text"] and c["n_ranked"] == "12"
    rk2 = ranking()
    rk2.loc[12, ["pm25_last_year", "yoy_pct"]] = np.nan
    c2 = L.letter_context("110109013", reasons_for(rk2), rk2, CFG, "2017-11", issued=ISSUED)
    assert "无同比变化" in c2["figures_text"] and "同比上升" not in c2["figures_text"]


def test_contexts_refuse_missing_columns_and_unranked_towns():
    rk = ranking()
    with pytest.raises(AirlibError, match="clause"):
        L.letter_contexts(reasons_for(rk).drop(columns="clause"), rk, CFG, "2017-11", issued=ISSUED)
    with pytest.raises(AirlibError, match="110109013"):
        L.letter_contexts(reasons_for(rk), rk.iloc[:12], CFG, "2017-11", issued=ISSUED)
    with pytest.raises(AirlibError, match="no warning reason"):
        L.letter_context("110109001", reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)


def test_reasons_of_another_month_give_no_letter():
    rk = ranking()
    assert L.letter_contexts(reasons_for(rk), rk, CFG, "2017-12", issued=ISSUED) == []


@pytest.mark.parametrize(("issued", "days", "deadline"), [
    (dt.date(2017, 12, 1), 5, dt.date(2017, 12, 8)),    # Friday + 5 working days: next Friday
    (dt.date(2017, 12, 4), 1, dt.date(2017, 12, 5)),    # Monday + 1
    (dt.date(2017, 12, 8), 1, dt.date(2017, 12, 11)),   # Friday + 1: over the weekend
    (dt.date(2017, 12, 2), 5, dt.date(2017, 12, 11)),   # dated Saturday: counted from Monday
    (dt.date(2017, 12, 3), 1, dt.date(2017, 12, 5)),    # dated Sunday
])
def test_response_deadline_counts_working_days(issued, days, deadline):
    assert L.response_deadline(issued, days) == deadline


@pytest.mark.parametrize("days", [0, -1, 2.5, True])
def test_response_deadline_refuses_bad_days(days):
    with pytest.raises(AirlibError, match="letter_response_days"):
        L.response_deadline(ISSUED, days)


def test_response_days_from_district_then_setting():
    import dataclasses

    from airlib.settings import DEFAULT

    rk = ranking()
    assert L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)[0]["deadline"] == "2017年12月8日"
    own = dataclasses.replace(CFG, letter_response_days=10)
    assert L.letter_contexts(reasons_for(rk), rk, own, "2017-11", issued=ISSUED)[0]["deadline"] == "2017年12月15日"
    s = dataclasses.replace(DEFAULT, letter_response_days=2)
    assert L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED,
                             settings=s)[0]["deadline_iso"] == "2017-12-05"


@pytest.mark.parametrize(("name", "to"), [("王平镇", "王平镇人民政府"), ("大台街道", "大台街道办事处"),
                                          ("雁翅镇", "雁翅镇人民政府"), ("南磨房地区", "南磨房地区办事处"),
                                          ("清水乡", "清水乡人民政府")])
def test_addressee(name, to):
    assert L.addressee(name) == to


# --- DOCX --------------------------------------------------------------------------------


def test_docx_letters_hold_town_month_numbers_reasons_clauses_and_deadline(tmp_path):
    rk = ranking()
    reasons = reasons_for(rk)
    ctx = L.letter_contexts(reasons, rk, CFG, "2017-11", issued=ISSUED)
    files = L.write_letters(ctx, tmp_path / "r" / L.LETTER_FOLDER, pdf=False)
    assert [f.name for f in files] == ["2017-11_第13镇_预警通知函.docx", "2017-11_第12镇_预警通知函.docx"]
    for f, code in zip(files, ("110109013", "110109012"), strict=True):
        row = rk.set_index("town_code").loc[code]
        e, body = expected_figures(row), docx_text_of(f)
        name = row["town_name"]
        assert f"关于{name}2017年11月空气质量的预警通知函" in body and f"{name}人民政府：" in body
        assert f"PM2.5月均浓度为{e['pm25']} µg/m³" in body
        assert f"在全区13个乡镇街道中排名第{e['rank']}" in body
        assert f"同比{e['yoy_word']}{e['yoy']}" in body and f"累计浓度为{e['ytd']} µg/m³" in body
        own = reasons[reasons["town_code"] == code]
        for label, detail, clause in zip(own["label"], own["detail"], own["clause"], strict=True):
            assert label in body and detail in body and clause in body
        assert f"于2017年12月8日前" in body and "书面报送" in body
        assert CFG.issuer in body and CFG.document_number in body and "2017年12月1日" in body
        assert "{{" not in body and "{%" not in body
    # the reasons table has one row per reason (header + 2 for town 13)
    assert len(Document(str(files[0])).tables[0].rows) == 3


INJECTION = "<w:t>&</w:t>{{ 7*7 }}{% if 1 %}x{% endif %}"


def test_injection_in_town_name_prints_literally_and_keeps_the_docx_valid(tmp_path):
    rk = ranking(names={13: INJECTION, 12: "../../etc/passwd"})
    reasons = reasons_for(rk)
    reasons.loc[0, "detail"] = "a & b < c {{ 1+1 }} \x01 end"
    ctx = L.letter_contexts(reasons, rk, CFG, "2017-11", issued=ISSUED)
    files = L.write_letters(ctx, tmp_path / L.LETTER_FOLDER, pdf=False)
    assert all(f.parent == tmp_path / L.LETTER_FOLDER for f in files)
    assert sorted(p.name for p in (tmp_path / L.LETTER_FOLDER).iterdir()) == sorted(f.name for f in files)
    body = docx_text_of(files[0])  # opens: the XML is well formed
    assert INJECTION in body and "49" not in body
    assert "a & b < c {{ 1+1 }} \ufffd end" in body
    assert "../../etc/passwd" in docx_text_of(files[1])
    assert "/" not in files[1].name.removeprefix(str(files[1].parent))


def test_docx_text_removes_what_xml_cannot_hold():
    assert docx_text("a\x00b\x1fc\nd\te") == "a\ufffdb\ufffdc d e"
    assert docx_text(None) == "" and docx_text(float("nan")) == "" and docx_text("<&>") == "<&>"


def test_letter_file_stem_is_safe():
    assert L.letter_file_stem("2017-11", "王平镇", "1") == "2017-11_王平镇_预警通知函"
    for bad in ("a/b", "..", "x:y", "a\x00b", ".hidden", ""):
        stem = L.letter_file_stem("2017-11", bad, "110109001")
        assert "/" not in stem and ":" not in stem and "\x00" not in stem and not stem.startswith(".")


def test_own_template_is_used_and_a_bad_tag_is_named(tmp_path):
    rk = ranking()
    ctx = L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    doc = Document()
    doc.add_paragraph("致{{ addressee }}：{{ town_name }}，回复期限{{ deadline }}（{{ response_days }}个工作日）")
    own = tmp_path / "own.docx"
    doc.save(str(own))
    f = L.write_letters(ctx[:1], tmp_path / "a" / L.LETTER_FOLDER, template=own, pdf=False)[0]
    assert "致第13镇人民政府：第13镇，回复期限2017年12月8日（5个工作日）" in docx_text_of(f)
    bad = Document()
    bad.add_paragraph("{{ twon_name }}")
    bad.save(str(tmp_path / "bad.docx"))
    with pytest.raises(ReportError, match="twon_name"):
        L.write_letters(ctx[:1], tmp_path / "b" / L.LETTER_FOLDER, template=tmp_path / "bad.docx", pdf=False)
    (tmp_path / "notword.docx").write_text("hello")
    with pytest.raises(ReportError, match="cannot be read as a Word"):
        L.write_letters(ctx[:1], tmp_path / "c" / L.LETTER_FOLDER, template=tmp_path / "notword.docx", pdf=False)
    with pytest.raises(ReportError, match="does not exist"):
        L.write_letters(ctx[:1], tmp_path / "d" / L.LETTER_FOLDER, template=tmp_path / "none.docx", pdf=False)
    assert not any((tmp_path / x / L.LETTER_FOLDER).exists() for x in "bcd")


def test_template_tags_cannot_run_code(tmp_path):
    """The Jinja environment is sandboxed: a template reaching for Python internals fails."""
    rk = ranking()
    ctx = L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    doc = Document()
    doc.add_paragraph("{{ town_name.__class__.__mro__[1].__subclasses__() }}")
    doc.save(str(tmp_path / "evil.docx"))
    with pytest.raises(ReportError):
        L.write_letters(ctx[:1], tmp_path / L.LETTER_FOLDER, template=tmp_path / "evil.docx", pdf=False)


def test_shipped_template_is_what_the_script_builds(tmp_path):
    """The committed template has the tags of scripts/make_letter_template.py (rebuilt here)."""
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_letter_template.py"
    spec = importlib.util.spec_from_file_location("make_letter_template", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    built = mod.build(tmp_path / "t.docx")
    assert docx_text_of(built) == docx_text_of(L.DEFAULT_TEMPLATE)


# --- the folder: atomic, nothing without warnings, run record ------------------------------


def test_failed_write_leaves_the_previous_letters(tmp_path, monkeypatch):
    rk = ranking()
    ctx = L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    folder = tmp_path / "2017-11" / L.LETTER_FOLDER
    first = L.write_letters(ctx, folder, pdf=False)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def boom(htmls, timeout):
        raise ReportError("Chromium failed to print the PDF (exit 1)")

    monkeypatch.setattr(L, "_print_pdfs", boom)
    changed = [dict(c, town_name="改名镇") for c in ctx]
    with pytest.raises(ReportError, match="Chromium"):
        L.write_letters(changed, folder, pdf=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in folder.parent.iterdir()) == [L.LETTER_FOLDER]  # no staging left
    assert [p.name for p in first] == sorted(before, reverse=True)


def test_rewrite_replaces_the_whole_folder(tmp_path, monkeypatch):
    rk = ranking()
    ctx = L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    folder = tmp_path / L.LETTER_FOLDER
    L.write_letters(ctx, folder, pdf=False)
    monkeypatch.setattr(L, "exchange_dirs", lambda a, b: False)  # platforms without renameat2
    L.write_letters(ctx[1:], folder, pdf=False)
    assert [p.name for p in folder.iterdir()] == ["2017-11_第12镇_预警通知函.docx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [L.LETTER_FOLDER]


def test_no_warned_town_writes_no_folder(tmp_path):
    rk = ranking()
    none = reasons_for(rk).iloc[:0]
    ctx = L.letter_contexts(none, rk, CFG, "2017-11", issued=ISSUED)
    assert ctx == [] and L.write_letters(ctx, tmp_path / L.LETTER_FOLDER) == []
    assert list(tmp_path.iterdir()) == []
    assert L.letter_records(tmp_path / L.LETTER_FOLDER, tmp_path) == []


def test_letter_records_name_size_and_hash(tmp_path):
    import hashlib

    rk = ranking()
    ctx = L.letter_contexts(reasons_for(rk), rk, CFG, "2017-11", issued=ISSUED)
    files = L.write_letters(ctx, tmp_path / L.LETTER_FOLDER, pdf=False)
    rec = L.letter_records(tmp_path / L.LETTER_FOLDER, tmp_path)
    assert [r["file"] for r in rec] == sorted(f"{L.LETTER_FOLDER}/{f.name}" for f in files)
    for r in rec:
        data = (tmp_path / r["file"]).read_bytes()
        assert r["bytes"] == len(data) and r["sha256"] == hashlib.sha256(data).hexdigest()


# --- districts.yaml keys ---------------------------------------------------------------------


def test_config_letter_template_and_response_days(cfg, tmp_path):
    from tests.report.conftest import NEW

    cfg("districts:\n" + NEW + "    letter_template: data/raw/t/letter.docx\n    letter_response_days: 7\n")
    c = district_config("测试区", tmp_path)
    assert (c.letter_template, c.letter_response_days) == ("data/raw/t/letter.docx", 7)
    assert letter_template_path(c, tmp_path) == (tmp_path / "data/raw/t/letter.docx").resolve()
    assert letter_template_path(CFG) == L.DEFAULT_TEMPLATE
    for bad, msg in (("letter_template: ../outside.docx", "outside the project"),
                     ("letter_template: data/raw/t/letter.doc", r"\.docx"),
                     ("letter_response_days: 0", "working days"), ("letter_response_days: 61", "working days"),
                     ("letter_response_days: five", "working days")):
        cfg("districts:\n" + NEW + f"    {bad}\n")
        with pytest.raises(InputDataError, match=msg):
            district_config("测试区", tmp_path)


# --- PDF (one Chromium call) ------------------------------------------------------------------


@pytest.mark.slow
def test_pdf_letter_has_the_same_numbers(tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    try:
        from airlib.report.rendering import find_chromium

        find_chromium()
    except ReportError:
        pytest.skip("no Chromium")
    rk = ranking(names={13: INJECTION})
    reasons = reasons_for(rk)
    ctx = L.letter_contexts(reasons, rk, CFG, "2017-11", issued=ISSUED)[:1]
    files = L.write_letters(ctx, tmp_path / L.LETTER_FOLDER)
    pdf = files[1]
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    txt = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(txt.split())
    e = expected_figures(rk.iloc[12])
    assert "".join(INJECTION.split()) in flat and "49" not in flat
    assert f"PM2.5月均浓度为{e['pm25']}µg/m³" in flat and f"排名第{e['rank']}" in flat
    assert f"同比{e['yoy_word']}{e['yoy']}" in flat
    for label, clause in zip(reasons["label"][:2], reasons["clause"][:2], strict=True):
        assert label in flat and "".join(clause.split()) in flat
    assert "于2017年12月8日前" in flat and "".join(CFG.issuer.split()) in flat


def test_missing_own_template_fails_before_the_notebook_and_an_own_template_is_an_input(cfg, tmp_path):
    """check_request refuses a configured template that does not exist (before a kernel
    starts); an existing one is recorded among the report's inputs."""
    from airlib.report import check_request
    from airlib.report.data import input_files

    (tmp_path / "data" / "processed" / "t" / "hourly" / "year=2018" / "month=1").mkdir(parents=True)
    cfg("districts:\n  - name: 测试区\n    district_code: \"110199\"\n    dataset: t\n"
        "    letter_template: data/raw/t/letter.docx\n")
    c = district_config("测试区", tmp_path)
    month = pd.Period("2018-01", "M")
    with pytest.raises(AirlibError, match=r"letter template of 测试区 not found: .*letter\.docx.*letter_template"):
        check_request(c, month, tmp_path)
    own = tmp_path / "data" / "raw" / "t" / "letter.docx"
    own.parent.mkdir(parents=True)
    shutil.copy(L.DEFAULT_TEMPLATE, own)
    check_request(c, month, tmp_path)
    assert own.resolve() in [p.resolve() for p in input_files(c, month, tmp_path)]


def test_without_issuer_and_number_the_letter_has_lines_to_fill_in(tmp_path):
    import dataclasses

    rk = ranking()
    bare = dataclasses.replace(CFG, issuer=None, document_number=None, synthetic=True)
    ctx = L.letter_contexts(reasons_for(rk), rk, bare, "2017-11", issued=ISSUED)[0]
    assert ctx["issuer"] == ctx["document_number"] == "________________"
    assert "SYNTHETIC" in ctx["synthetic_note"]
    body = docx_text_of(L.write_letters([ctx], tmp_path / L.LETTER_FOLDER, pdf=False)[0])
    assert body.count("________________") == 3 and "SYNTHETIC" in body  # letterhead, 文号, 落款


def _report(tmp_path, language, reasons=None):
    """A request and report data with just what the letters section reads."""
    from types import SimpleNamespace

    rk = ranking()
    request = SimpleNamespace(language=language, month=pd.Period("2017-11", "M"), output_dir=tmp_path / "out",
                              project_root=tmp_path)
    data = SimpleNamespace(config=CFG, ranking=rk, month=request.month, bottom_n=3,
                           reasons=reasons_for(rk) if reasons is None else reasons)
    return request, data


def test_report_reasons_are_the_reports_reasons(tmp_path):
    request, data = _report(tmp_path, "zh")
    assert L.report_reasons(data) is data.reasons


def test_letters_section_writes_in_zh_only_and_says_how_many(tmp_path, monkeypatch):
    from airlib.report import sections

    printed = []
    monkeypatch.setattr(L, "_print_pdfs", lambda htmls, timeout: printed.extend(p for _, p in htmls)
                        or [p.write_bytes(b"%PDF-1.4 test") for _, p in htmls])
    request, data = _report(tmp_path, "zh", reasons=reasons_for(ranking()))
    shown = sections.letters(request, data, issued=ISSUED)
    folder = request.output_dir / L.LETTER_FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"2017-11_{n}_预警通知函.{x}" for n in ("第13镇", "第12镇") for x in ("docx", "pdf"))
    assert len(printed) == 2
    said = shown[-1].data
    assert "本月向2个预警乡镇街道印发预警通知函（第13镇、第12镇）" in said and "2017年12月8日" in said
    record = sections.C.run_record_dict({}, SimpleData(), tmp_path,
                                        letters=L.letter_records(folder, request.output_dir))
    assert [r["file"] for r in record["letters"]] == sorted(f"{L.LETTER_FOLDER}/{p.name}" for p in folder.iterdir())
    html = sections.C.record_html({**record, "parameters": {}, "inputs": [], "inputs_sha256": "0" * 64,
                                   "versions": {}}, "r.json", "zh")
    assert "预警通知函 4 个文件" in html
    # English: nothing written, the towns named
    request, data = _report(tmp_path / "en", "en", reasons=reasons_for(ranking()))
    said = sections.letters(request, data, issued=ISSUED)[-1].data
    assert not (request.output_dir / L.LETTER_FOLDER).exists() and "2 towns (第13镇, 第12镇)" in said
    # no warned town: no folder, one sentence
    request, data = _report(tmp_path / "none", "zh", reasons=reasons_for(ranking()).iloc[:0])
    said = sections.letters(request, data, issued=ISSUED)[-1].data
    assert said == "本月无预警乡镇街道，不印发预警通知函。" and not (request.output_dir / L.LETTER_FOLDER).exists()


class SimpleData:
    """The fields of ReportData that run_record_dict reads."""

    config = CFG
    month = pd.Period("2017-11", "M")
    inputs = pd.DataFrame({"file": [], "bytes": [], "sha256": []})
    versions: dict = {}
