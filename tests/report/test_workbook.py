"""The report workbook read back with openpyxl: one sheet per PDF table, every number equal to
the library's tables and stored as a number, number formats at published precision, "—" with
its reason, the bottom N shaded, borders, frozen panes, print titles, A4 set-up, literal text."""

from __future__ import annotations

import zipfile
from types import SimpleNamespace

from airlib.report.numbering import Numbering

import numpy as np
import openpyxl
import pandas as pd
import pytest

from airlib.report.content import (
    MONTH_TABLE_COLUMNS,
    YTD_TABLE_COLUMNS,
    bottom_row_positions,
    missing_reasons,
    targets_display,
    workbook_tables,
    write_excel,
)
from airlib.report.data import TaskProgress
from airlib.report.excel import HIGHLIGHT_FILL, WorkbookTable, write_workbook
from airlib.report.texts import headers, table_headers
from airlib.io.warning_rules import load_warning_rules
from airlib.report.data import warned_towns
from airlib.tracking.ranking import bottom_n, worsening_list
from airlib.tracking.supervision import warning_reasons

CODES = ["110109001", "110109002", "110109003", "110109004", "110109005"]
INJECTION = "=cmd|'/C calc'!A0"


def _ranking(year: int) -> pd.DataFrame:
    from airlib.tracking.ranking import ranking_table

    cur = pd.Series([30.4, np.nan, 41.2, 50.0, 44.0], index=CODES)
    last = pd.Series([35.0, 30.0, np.nan, 40.0, 44.0], index=CODES)
    names = pd.Series(["大峪街道", INJECTION, "城子街道", "永定镇", "-潭柘寺镇"], index=CODES)
    prev = pd.Series([31.0, 33.0, 40.0, np.nan, 39.0], index=CODES)
    t = ranking_table(cur, last, year=year, names=names, ytd=cur, ytd_last_year=last,
                      last_month=prev, last_month_year=year)
    t["valid_days"] = pd.array(np.where(t["pm25"].isna(), 12, 30), dtype="Int64")
    return t


def _data(month: str = "2024-06", *, n: int = 1, progress: TaskProgress | None = None,
          targets: pd.DataFrame | None = None, synthetic: bool = False) -> SimpleNamespace:
    m = pd.Period(month, "M")
    t = _ranking(m.year)
    rules = load_warning_rules()
    rules = rules.model_copy(update={"rules": [rules.rule("W1").model_copy(update={"n": n}), rules.rule("W2")]})
    reasons = warning_reasons(rules, t, None, None, m)
    return SimpleNamespace(
        month=m, config=SimpleNamespace(name="门头沟区", synthetic=synthetic), bottom_n=n, ranking=t,
        bottom=bottom_n(t, n), warnings=warned_towns(reasons, t), reasons=reasons, rules=rules,
        worsening=worsening_list(t), progress=[] if progress is None else [progress],
        targets=pd.DataFrame() if targets is None else targets, numbering=Numbering(),
    )


def _rows(ws) -> dict[str, tuple]:
    """Data rows of a sheet by town code (column A), as (cell, …)."""
    out = {}
    for row in ws.iter_rows(min_row=4):
        v = row[0].value
        if isinstance(v, str) and v.isdigit():
            out[v] = row
    return out


def _header(ws) -> list[str]:
    return [c.value for c in ws[3] if c.value is not None]


@pytest.mark.parametrize("month, this_fmt, last_fmt", [
    ("2023-06", "0", "0"),      # integers through 2023
    ("2024-01", "0.0", "0"),    # this year one decimal, last year's value published as an integer
    ("2024-06", "0.0", "0"),
    ("2025-03", "0.0", "0.0"),
])
def test_ranking_sheets_numbers_formats_and_reasons(tmp_path, month, this_fmt, last_fmt):
    data = _data(month)
    wb = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx"))
    h = headers("zh")
    expected_fmt = {"pm25": this_fmt, "ytd": this_fmt, "pm25_last_year": last_fmt, "ytd_last_year": last_fmt,
                    "yoy_pct": "+0.0;-0.0;0.0", "ytd_yoy_pct": "+0.0;-0.0;0.0", "rank": "0", "yoy_rank": "0",
                    "ytd_rank": "0", "ytd_yoy_rank": "0", "rank_last_month": "0", "valid_days": "0",
                    "rank_change": '"↑"0;"↓"0;0'}
    for sheet, columns, frame in (("月排名", MONTH_TABLE_COLUMNS, data.ranking),
                                  ("累计排名", YTD_TABLE_COLUMNS, data.ranking)):
        ws = wb[sheet]
        header = _header(ws)
        cols = ["town_code", *columns]
        assert header == [h[c] for c in cols] + ["说明"]
        rows = _rows(ws)
        assert set(rows) == set(CODES)
        lib = frame.set_index(frame["town_code"].astype(str))
        checked = 0
        for code, cells in rows.items():
            for j, c in enumerate(cols):
                cell, want = cells[j], lib.loc[code, c]
                if pd.isna(want):
                    assert cell.value == "—", (sheet, code, c)
                    assert cells[len(cols)].value, (sheet, code, c)  # the 说明 column says why
                elif c in expected_fmt:
                    assert cell.data_type == "n" and not isinstance(cell.value, str), (sheet, code, c)
                    assert cell.value == pytest.approx(float(want)), (sheet, code, c)
                    assert cell.number_format == expected_fmt[c], (sheet, code, c)
                    checked += 1
                else:
                    assert cell.value == str(want) and cell.data_type == "s", (sheet, code, c)
        assert checked >= 15  # five towns, most numbers present
    # the ranking sheet keeps the library's order (rank order, invalid last)
    ws = wb["月排名"]
    assert list(_rows(ws)) == data.ranking["town_code"].astype(str).tolist()


def test_missing_values_have_reasons_and_complete_rows_none(tmp_path):
    data = _data("2024-06")
    ws = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx"))["月排名"]
    note = {code: cells[len(MONTH_TABLE_COLUMNS) + 1].value for code, cells in _rows(ws).items()}
    assert note["110109001"] is None  # nothing missing, nothing to say
    assert note["110109002"] == "本月有效日均值12天，不足27天，无有效月均值，不排名"
    assert note["110109003"] == "上年同月无有效月均值，无同比"
    assert note["110109004"] == "上月无有效月均值，无排名变化"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("注：“—”为无数据") for t in texts)
    # February needs 25 days; English reasons in English
    feb = missing_reasons(data.ranking, ["pm25"], pd.Period("2024-02", "M"), "en")
    i = data.ranking["town_code"].astype(str).tolist().index("110109002")
    assert feb[i] == "12 valid daily means this month, fewer than 25: no valid monthly mean, not ranked"
    assert sum(bool(x) for x in feb) == 1


def test_no_gap_no_note_column(tmp_path):
    data = _data("2024-06", n=1)
    ws = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx"))["同比上升"]
    assert "说明" not in _header(ws)
    assert not any(isinstance(c.value, str) and c.value.startswith("注：“—”") for row in ws.iter_rows() for c in row)


@pytest.mark.parametrize("n", [1, 2])
def test_bottom_n_highlighted_as_in_the_pdf(tmp_path, n):
    data = _data("2024-06", n=n)
    ws = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx"))["月排名"]
    rows = list(_rows(ws).values())
    shaded = [i for i, cells in enumerate(rows) if cells[1].fill.fgColor.rgb.endswith(HIGHLIGHT_FILL)]
    assert shaded == bottom_row_positions(data) and len(shaded) == n
    for i in shaded:  # the whole row, the note column included
        assert all(c.fill.fgColor.rgb.endswith(HIGHLIGHT_FILL) for c in rows[i])
    ytd = openpyxl.load_workbook(tmp_path / "r.xlsx")["累计排名"]
    assert not any(c.fill.fill_type for cells in _rows(ytd).values() for c in cells)


def test_layout_borders_panes_print_setup(tmp_path):
    wb = openpyxl.load_workbook(write_excel(_data("2024-06", synthetic=True), tmp_path / "r.xlsx"))
    for ws in wb:
        assert ws["A1"].value.startswith("门头沟区2024年6月") and "合成演示数据" in ws["A1"].value
        assert ws["A2"].value.startswith("表")
        assert ws.freeze_panes == "B4"
        assert ws.print_title_rows == "$3:$3"
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        ncol = len(_header(ws))
        assert ws.page_setup.orientation == ("landscape" if ncol > 7 else "portrait")
        for cells in [ws[3], *_rows(ws).values()]:
            for c in cells[:ncol]:
                assert c.border.left.style == "thin" and c.border.bottom.style == "thin", (ws.title, c.coordinate)
        assert ws["A1"].border.left.style is None  # the title is not part of the table
    assert wb["月排名"].page_setup.orientation == "landscape"


def test_injection_strings_stay_literal(tmp_path):
    p = write_excel(_data("2024-06", n=2), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(p)
    seen = 0
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value in (INJECTION, "-潭柘寺镇"):
                    assert c.data_type == "s" and c.quotePrefix
                    seen += 1
    assert seen >= 4
    with zipfile.ZipFile(p) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name


def _progress() -> TaskProgress:
    scores = pd.DataFrame({
        "town_code": CODES, "n_tasks": [4, 4, 3, 2, 5], "n_done": [4, 2, 1, 0, 5], "n_overdue": [0, 1, 2, 2, 0],
        "score": [100.0, 62.5, 100 / 3, np.nan, 100.0], "on_time_share": [1.0, 0.5, 1 / 3, np.nan, 0.8],
        "days_late_total": [0, 12, 52, 40, 0], "remaining_text": [pd.NA, "3 台", "7 台；3.5 蒸吨", "5 村", pd.NA],
        "rank": pd.array([1, 3, 4, pd.NA, 2], dtype="Int64"),
    })
    overdue = pd.DataFrame({
        "task_id": ["T1", "T2"], "task": [INJECTION, "清扫"], "unit": ["台", "蒸吨"], "town_name": ["城子街道", "永定镇"],
        "target": [10.0, 5.5], "completed": [3.0, np.nan], "remaining": [7.0, 5.5],
        "deadline": pd.to_datetime(["2024-06-18", "2024-05-21"]), "days_overdue": [12, 40],
        "lead": ["区城管执法局", ""], "responsible": ["各镇街", "永定镇"],
    })
    tasks = pd.DataFrame({
        "task_id": ["T1"], "task": ["拆小煤炉"], "unit": ["台"], "target": [202.0], "completed": [0.0],
        "remaining": [202.0], "completion_rate": [0.0], "deadline": pd.to_datetime(["2024-10-31"]),
        "lead": ["区城管执法局"], "responsible": [""], "n_towns": [3], "n_done": [0], "n_overdue": [0],
    })
    return TaskProgress(plan="方案", as_of=pd.Timestamp("2024-06-30"), last_ledger_month="2024-06",
                        scores=scores, overdue=overdue, tasks=tasks)


def _targets() -> pd.DataFrame:
    return pd.DataFrame({
        "target_id": ["G1"], "kind": ["reduction_vs_last_year"], "kind_label": ["同比下降"], "target_value": [5.0],
        "start": [pd.Timestamp("2024-01-01")], "end": [pd.Timestamp("2024-12-31")], "current": [32.46],
        "comparison": [35.0], "change_pct": [-7.26], "target_level": [33.25], "status": ["达标"],
        "allowance": [np.nan], "outlook": [pd.NA],
    })


def test_progress_overdue_and_targets_sheets(tmp_path):
    data = _data("2024-06", progress=_progress(), targets=_targets())
    wb = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["月排名", "累计排名", "预警名单", "预警原因", "同比上升", "任务进展", "重点任务", "逾期任务", "目标"]
    ws = wb["任务进展"]
    assert _header(ws) == list(table_headers("progress", "zh"))
    body = [r for r in ws.iter_rows(min_row=4, max_row=3 + len(CODES))]
    by_name = {r[0].value: r for r in body}
    assert by_name["大峪街道"][1].value == 100.0 and by_name["大峪街道"][1].number_format == "0.0"
    assert by_name["城子街道"][1].value == 33.3  # 33.3 as shown, not 33.3333
    assert by_name["城子街道"][2].value == 33.3 and by_name["城子街道"][3].value == 52  # on time %, days late
    assert by_name["城子街道"][3].number_format == "0" and by_name["城子街道"][4].value == 4
    assert by_name["城子街道"][5].value == 3 and by_name["城子街道"][6].value == 2  # tasks, overdue
    assert by_name["城子街道"][7].value == pytest.approx(41.2) and by_name["城子街道"][7].number_format == "0.0"
    assert by_name["城子街道"][9].value == "7 台；3.5 蒸吨"
    en = openpyxl.load_workbook(write_excel(data, tmp_path / "en.xlsx", "en"))["Task progress"]
    assert {r[9].value for r in en.iter_rows(min_row=4, max_row=3 + len(CODES))} >= {"7 台; 3.5 蒸吨"}
    assert by_name["永定镇"][1].value == "—" and by_name["永定镇"][4].value == "—"
    ws = wb["重点任务"]
    assert [c.value for c in ws[4]] == ["T1", "拆小煤炉", "台", 202, 0, 202, 0, "2024-10-31", "区城管执法局", 0]
    ws = wb["逾期任务"]
    h = list(table_headers("overdue", "zh"))
    assert _header(ws) == [*h[:3], "单位", *h[3:]]
    assert [c.value for c in ws[4]] == ["T1", INJECTION, "城子街道", "台", 10, 3, 7, "2024-06-18", 12, "区城管执法局／各镇街"]
    assert ws["B4"].data_type == "s" and ws["B4"].quotePrefix
    assert ws["F5"].value == "—" and ws["I5"].value == 40 and ws["J5"].value == "永定镇"
    assert ws["E5"].value == 5.5
    ws = wb["目标"]
    assert _header(ws) == list(table_headers("targets", "zh"))
    row = [c for c in ws[4]]
    assert row[0].value == "G1 同比下降5%" and row[1].value == "2024-01-01～2024-12-31"
    assert row[2].value == 32.5 and row[2].number_format == "0.0"  # stored as shown (GB/T 8170)
    assert row[3].value == 35.0 and row[5].value == 33.2  # 33.25 → 33.2 (half to even)
    assert row[4].value == -7.3 and row[4].number_format == "+0.0;-0.0;0.0"
    assert row[7].value == "—" and row[8].value == "—"
    # the PDF's targets table shows the same values as text
    shown = targets_display(data).iloc[0].tolist()
    assert shown == ["G1 同比下降5%", "2024-01-01～2024-12-31", "32.5", "35", "-7.3", "33.2", "达标", "—", "—"]


def test_sheets_only_for_tables_the_month_has(tmp_path):
    data = _data("2024-06")
    data.warnings = data.warnings.iloc[0:0]
    data.reasons = data.reasons.iloc[0:0]
    data.worsening = data.worsening.iloc[0:0]
    wb = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["月排名", "累计排名"]


def test_english_workbook(tmp_path):
    data = _data("2024-06", progress=_progress(), targets=_targets())
    wb = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx", "en"))
    assert wb.sheetnames == ["Monthly ranking", "Year-to-date ranking", "Warning list", "Warning reasons", "Worsened",
                             "Task progress", "Key tasks", "Overdue tasks", "Targets"]
    ws = wb["Monthly ranking"]
    assert _header(ws)[-1] == "Note" and ws["A2"].value.startswith("Table 1")
    notes = [cells[-1].value for cells in _rows(ws).values() if cells[-1].value]
    assert notes and all(n.isascii() for n in notes)


def test_registry_is_one_entry_per_table():
    tables = workbook_tables(_data("2024-06", progress=_progress(), targets=_targets()))
    assert all(isinstance(t, WorkbookTable) for t in tables)
    assert len({t.sheet for t in tables}) == len(tables) == 9  # ranking, ytd, warnings, reasons, worsening, progress, key tasks, overdue, targets
    for t in tables:
        assert not t.notes or len(t.notes) == len(t.frame)


def test_write_workbook_refuses_caller_bugs(tmp_path):
    t = WorkbookTable(sheet="a", title="t", caption="c", frame=pd.DataFrame({"x": [1, 2]}))
    with pytest.raises(ValueError, match="at least one"):
        write_workbook(tmp_path / "x.xlsx", [])
    with pytest.raises(ValueError, match="same name"):
        write_workbook(tmp_path / "x.xlsx", [t, t])
    bad = WorkbookTable(sheet="a", title="t", caption="c", frame=pd.DataFrame({"x": [1, 2]}), notes=("x",))
    with pytest.raises(ValueError, match="1 notes for 2 rows"):
        write_workbook(tmp_path / "x.xlsx", [bad])
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_decimal_format():
    from airlib.report.excel import decimal_format

    assert [decimal_format(d) for d in (0, 1, 2)] == ["0", "0.0", "0.00"]
    with pytest.raises(ValueError, match=">= 0"):
        decimal_format(-1)


def test_reasons_and_summons_sheets_carry_the_numbers(tmp_path):
    data = _data("2024-06", n=2)
    data.summons = pd.DataFrame({
        "month": ["2024-06"], "town_code": [CODES[3]], "town_name": ["永定镇"], "summons_ids": ["Y1"],
        "labels": ["连续3个月排名后3名"], "conditions": ["连续3个月浓度排名后3名（2024-04、2024-05、2024-06）"],
        "months": ["2024-04、2024-05、2024-06"], "clauses": ["门大气办〔2017〕4号 （十六）实施严格考核问责制度"],
        "quotes": [INJECTION]}).astype("string")
    wb = openpyxl.load_workbook(write_excel(data, tmp_path / "r.xlsx"))
    assert wb.sheetnames[2:5] == ["预警名单", "预警原因", "同比上升"] and wb.sheetnames[-1] == "约谈候选"
    ws = wb["预警原因"]
    assert _header(ws) == list(table_headers("warning_reasons", "zh"))
    rows = _rows(ws)
    ranking = data.ranking.set_index("town_code")
    for code, cells in rows.items():
        reasons = data.reasons[data.reasons["town_code"] == code]
        assert len(reasons) >= 1
        bottom = reasons[reasons["rule_id"] == "W1"]
        if len(bottom) and cells[2].value == "W1":
            assert f"PM2.5月均浓度{ranking.loc[code, 'pm25']:.1f} µg/m³" in cells[4].value
            assert f"排名第{int(ranking.loc[code, 'rank'])}" in cells[4].value
            assert cells[5].value == float(bottom["value"].iloc[0]) and cells[6].value == 2
    assert {c[2].value for c in rows.values()} <= {"W1", "W2"}
    ws = wb["约谈候选"]
    assert _header(ws) == list(table_headers("summons", "zh"))
    row = _rows(ws)[CODES[3]]
    assert row[4].value == "连续3个月浓度排名后3名（2024-04、2024-05、2024-06）"
    assert row[7].value == INJECTION and row[7].data_type == "s" and row[7].quotePrefix  # never a formula
