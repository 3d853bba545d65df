"""Ledger (台账) reading as bureaus make them, town resolution, and the checks."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from airlib.demo import towns_frame
from airlib.demo.ledgers import demo_ledger_frame, write_demo_ledgers
from airlib.errors import InputDataError, UnknownNameError
from airlib.io.ledgers import LedgerWarning, check_ledger, read_ledger, read_ledgers
from airlib.io.plans import Plan

TOWNS = towns_frame()

PLAN = Plan.model_validate({
    "plan": {"id": "t", "title": "t", "district": "门头沟区", "document": "d", "issued": "2017-09-01"},
    "tasks": [
        {"id": "K07", "category": "清煤降氮", "task": "全面完成燃煤锅炉清洁能源改造", "deadline": "2017-10-31",
         "unit": "蒸吨", "total": 30, "towns": {"王平镇": 18, "城子街道": 4, "雁翅镇": 8}, "source": {"section": "s"}},
        {"id": "K08", "category": "清煤降氮", "task": "拆除小煤炉", "deadline": "2017-10-31",
         "unit": "台", "total": 10, "towns": {"清水镇": 10}, "source": {"section": "s"}},
        {"id": "K11", "category": "移动源", "task": "检查重型柴油车", "deadline": "2017-12-31",
         "unit": "辆次", "total": 20000, "source": {"section": "s"}},
    ],
})


def _bureau_sheet(path, rows, title="门头沟区攻坚任务台账（2017年11月）"):
    """Title row, two-row merged header, task cell merged down, 小计 row, spacer rows."""
    wb = Workbook()
    ws = wb.active
    ws.cell(1, 1, title)
    ws.merge_cells("A1:H1")
    for j, v in enumerate(["序号", "任务编号", "重点任务", "镇街", "任务量", "完成情况", None, "备注"], 1):
        if v:
            ws.cell(2, j, v)
    ws.merge_cells("F2:G2")
    ws.cell(3, 6, "本月\n完成")  # line break inside a header cell
    ws.cell(3, 7, "累计完成")
    for c in "ABCDEH":
        ws.merge_cells(f"{c}2:{c}3")
    r = 4
    for block in rows:
        first = r
        for town, target, month, cum in block["towns"]:
            ws.cell(r, 4, town)
            ws.cell(r, 5, target)
            ws.cell(r, 6, month)
            ws.cell(r, 7, cum)
            r += 1
        ws.cell(first, 2, block["id"])
        ws.cell(first, 3, block["task"])
        if r - 1 > first:
            ws.merge_cells(start_row=first, start_column=2, end_row=r - 1, end_column=2)
            ws.merge_cells(start_row=first, start_column=3, end_row=r - 1, end_column=3)
        ws.cell(r, 4, "小计")
        ws.cell(r, 7, 999)
        r += 2
    ws.cell(r, 4, "合计")
    wb.save(path)


BLOCKS = [
    {"id": "K07", "task": "全面完成燃煤锅炉清洁能源改造",
     "towns": [("王平镇", 18, 6, 12), ("城子街道办事处", 4, 0, 4), ("雁翅", 8, 2, 2)]},
    {"id": "K08", "task": "拆除小煤炉", "towns": [("清水镇", 10, 3, "5")]},
]


def test_bureau_layout_is_read_into_tidy_rows(tmp_path):
    p = tmp_path / "台账.xlsx"
    _bureau_sheet(p, BLOCKS)
    led = read_ledger(p, PLAN, TOWNS)
    assert list(led.columns) == ["file", "row", "month", "town_code", "town_name", "task_id", "unit",
                                 "target_reported", "monthly", "cumulative"]
    assert led["month"].unique().tolist() == ["2017-11"]  # from the title row
    assert led["task_id"].tolist() == ["K07", "K07", "K07", "K08"]
    assert led["town_name"].tolist() == ["王平地区", "城子街道", "雁翅镇", "清水镇"]
    assert led["town_code"].tolist() == ["110109005", "110109002", "110109105", "110109107"]
    assert led["row"].tolist() == [4, 5, 6, 9]  # sheet rows; 小计 (7), spacer (8) skipped
    assert led["cumulative"].tolist() == [12, 4, 2, 5]
    assert led["monthly"].tolist() == [6, 0, 2, 3]
    assert 999 not in led["cumulative"].to_numpy()


def test_csv_with_task_names_month_column_and_gb18030(tmp_path):
    p = tmp_path / "ledger.csv"
    df = pd.DataFrame({"月份": ["2017年10月", "2017年10月"], "街乡镇": ["王平地区", "清水"],
                       "重点任务": ["全面完成燃煤锅炉清洁能源改造", "拆除小煤炉"], "单位": ["蒸吨", "台"],
                       "本月完成": ["1,0", ""], "累计完成": ["10", "—"]})
    df.loc[0, "本月完成"] = "10"
    df.to_csv(p, index=False, encoding="gb18030")
    led = read_ledger(p, PLAN, TOWNS)
    assert led["month"].tolist() == ["2017-10", "2017-10"]
    assert led["task_id"].tolist() == ["K07", "K08"]
    assert led["cumulative"].iloc[0] == 10 and np.isnan(led["cumulative"].iloc[1])
    assert led["row"].tolist() == [2, 3]


def test_unknown_town_lists_closest_names(tmp_path):
    p = tmp_path / "2017-10.csv"
    pd.DataFrame({"镇街": ["王平镇", "王平乡镇府"], "任务编号": ["K07", "K07"], "累计完成": [1, 2]}).to_csv(p, index=False)
    with pytest.raises(UnknownNameError) as ei:
        read_ledger(p, PLAN, TOWNS)
    msg = str(ei.value)
    assert "王平乡镇府" in msg and "王平" in msg.split("closest known:")[1]
    assert "2017-10.csv" in msg and "row 3" in msg


def test_unknown_task_and_bad_number_and_no_month(tmp_path):
    p = tmp_path / "2017-10.csv"
    pd.DataFrame({"镇街": ["王平镇"], "任务编号": ["K99"], "累计完成": [1]}).to_csv(p, index=False)
    with pytest.raises(InputDataError, match="unknown task id 'K99'"):
        read_ledger(p, PLAN, TOWNS)
    pd.DataFrame({"镇街": ["王平镇"], "重点任务": ["锅炉"], "累计完成": [1]}).to_csv(p, index=False)
    with pytest.raises(InputDataError, match="closest: 全面完成燃煤锅炉清洁能源改造"):
        read_ledger(p, PLAN, TOWNS)
    pd.DataFrame({"镇街": ["王平镇", "清水镇"], "任务编号": ["K07", "K08"], "累计完成": ["1", "三"]}).to_csv(p, index=False)
    with pytest.raises(InputDataError) as ei:
        read_ledger(p, PLAN, TOWNS)
    assert "row 3" in str(ei.value) and "累计完成" in str(ei.value)
    q = tmp_path / "ledger.csv"
    pd.DataFrame({"镇街": ["王平镇"], "任务编号": ["K07"], "累计完成": [1]}).to_csv(q, index=False)
    with pytest.raises(InputDataError, match="month not found"):
        read_ledger(q, PLAN, TOWNS)
    assert read_ledger(q, PLAN, TOWNS, month="2017-12")["month"].item() == "2017-12"


def test_no_header_row(tmp_path):
    p = tmp_path / "x.csv"
    pd.DataFrame({"a": [1], "b": [2]}).to_csv(p, index=False)
    with pytest.raises(InputDataError, match="no header row"):
        read_ledger(p, PLAN, TOWNS, month="2017-10")


def _monthly_csvs(tmp_path, series):
    """series: {(town, task): [(monthly, cumulative) per month 2017-10..]}"""
    months = ["2017-10", "2017-11", "2017-12"]
    for i, m in enumerate(months):
        rows = [{"镇街": town, "任务编号": task, "本月完成": v[i][0], "累计完成": v[i][1]}
                for (town, task), v in series.items() if i < len(v)]
        if rows:
            pd.DataFrame(rows).to_csv(tmp_path / f"ledger_{m}.csv", index=False)


def test_checks_flag_with_file_and_row(tmp_path):
    _monthly_csvs(tmp_path, {
        ("王平镇", "K07"): [(10, 10), (5, 15), (0, 12)],        # cumulative goes down in 12
        ("城子街道", "K07"): [(2, 2), (1, 4), (1, 5)],           # 4 → 5 but monthly 1: ok; 2 → 4 with 1: mismatch
        ("雁翅镇", "K07"): [(-1, 3), (0, 3), (0, 3)],           # negative monthly
        ("清水镇", "K08"): [(20, 20), (0, 20), (0, 20)],         # 20 > 1.5 × 10
        ("清水镇", "K07"): [(1, 1), (0, 1), (0, 1)],            # no share of K07
    })
    with pytest.warns(LedgerWarning):
        led = read_ledgers(tmp_path, PLAN, TOWNS)
    f = led.attrs["flags"]
    got = {(r.file, r.row, r.town_name, r.task_id, r.check) for r in f.itertuples()}
    assert ("ledger_2017-12.csv", 2, "王平地区", "K07", "cumulative_decrease") in got
    assert ("ledger_2017-11.csv", 3, "城子街道", "K07", "monthly_mismatch") in got
    assert ("ledger_2017-10.csv", 4, "雁翅镇", "K07", "negative") in got
    assert ("ledger_2017-10.csv", 5, "清水镇", "K08", "far_above_target") in got
    assert ("ledger_2017-10.csv", 6, "清水镇", "K07", "no_target") in got
    assert sum((f["town_name"] == "清水镇") & (f["check"] == "far_above_target")) == 3
    assert sum((f["town_name"] == "清水镇") & (f["check"] == "no_target")) == 3
    # no false positives: 城子街道 12 (4 → 5, monthly 1) is consistent
    assert not ((f["town_name"] == "城子街道") & (f["month"] == "2017-12")).any()
    assert f["message"].str.contains("累计值下降").any()
    assert "not_reported" not in set(f["check"])  # every town with a share reported every month


def test_far_above_threshold_is_exclusive(tmp_path):
    _monthly_csvs(tmp_path, {("清水镇", "K08"): [(15, 15)], ("王平镇", "K07"): [(1, 1)], ("城子街道", "K07"): [(1, 1)],
                             ("雁翅镇", "K07"): [(1, 1)]})
    led = read_ledgers(tmp_path, PLAN, TOWNS)
    assert led.attrs["flags"].empty  # exactly 1.5 × target is not flagged
    assert check_ledger(led, PLAN, TOWNS, far_above=1.2)["check"].tolist() == ["far_above_target"]


def test_cumulative_filled_from_monthly_when_absent(tmp_path):
    for m, v in (("2017-10", 3), ("2017-11", 4)):
        pd.DataFrame({"镇街": ["清水镇"], "任务编号": ["K08"], "本月完成": [v]}).to_csv(tmp_path / f"{m}.csv", index=False)
    with pytest.warns(LedgerWarning, match="未报送"):
        led = read_ledgers(tmp_path, PLAN, TOWNS)
    assert led["cumulative"].tolist() == [3, 7]
    f = led.attrs["flags"]
    # the three towns with a share of K07 sent nothing in either month
    assert (f["check"] == "not_reported").sum() == 6 and f["row"].isna().all()
    assert set(f["town_name"]) == {"王平地区", "城子街道", "雁翅镇"} and set(f["file"]) == {"2017-10.csv", "2017-11.csv"}


def test_same_month_in_two_files_is_an_error(tmp_path):
    for name in ("a_2017-10.csv", "b_2017-10.csv"):  # noqa: B007
        pd.DataFrame({"镇街": ["清水镇"], "任务编号": ["K08"], "累计完成": [1]}).to_csv(tmp_path / name, index=False)
    with pytest.raises(InputDataError, match="more than one file"):
        read_ledgers(tmp_path, PLAN, TOWNS)


def test_demo_ledgers_round_trip_and_unevenness(tmp_path):
    from airlib.io.plans import load_plan, plan_dir
    plan = load_plan(plan_dir() / "mentougou_2017_autumn_winter.yaml", warn=False)
    paths = write_demo_ledgers(tmp_path, plan=plan)
    assert [p.name for p in paths][0] == "门头沟区_攻坚任务台账_2017-10.xlsx" and len(paths) == 6
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        led = read_ledgers(tmp_path, plan, TOWNS)
    flags = led.attrs["flags"]
    assert any(issubclass(w.category, LedgerWarning) for w in rec)
    assert set(flags["town_name"]) == {"斋堂镇"}  # the one town with inconsistent figures
    assert "cumulative_decrease" in set(flags["check"])
    frame = demo_ledger_frame(plan)
    assert len(led) == len(frame) == 6 * (sum(len(t.towns) for t in plan.tasks) + 2)
    k11 = led[(led["task_id"] == "K11")]
    assert set(k11["town_name"]) == {"门头沟区"} and k11["cumulative"].is_monotonic_increasing
    # deterministic
    assert demo_ledger_frame(plan).equals(frame)
    # uneven: by the K07 deadline some towns are done and some are not
    oct_ = led[(led["month"] == "2017-10") & (led["task_id"] == "K07")]
    tgt = pd.Series(plan.task("K07").towns)
    assert (oct_["cumulative"] >= 0).all()
    done = (oct_["cumulative"].to_numpy() >= np.array([tgt[n] for n in _plan_names(oct_, plan, "K07")]))
    assert done.any() and not done.all()
    # 清水镇 never finishes its 202 stoves
    q = led[(led["town_name"] == "清水镇") & (led["month"] == "2018-03")]
    assert q["cumulative"].item() < 202


def _plan_names(rows, plan, task_id):
    from airlib.io.registry import resolve_towns
    names = list(plan.task(task_id).towns)
    codes = resolve_towns(pd.Series(names), TOWNS, rows=[]).tolist()
    back = dict(zip(codes, names, strict=True))
    return [back[c] for c in rows["town_code"]]


def test_town_major_layout_with_merged_town_cells_and_total_in_first_column(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["门头沟区任务台账 2017年10月"])
    ws.append(["序号", "镇街", "任务编号", "累计完成"])
    ws.append([1, "王平镇", "K07", 18])
    ws.append([None, None, "K08", 0])       # town cell merged down
    ws.merge_cells("B3:B4")
    ws.append([])
    ws.append([2, "清水镇", "K08", "40%"])   # a percent sign is stripped
    ws.append(["合计", None, None, 58])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    led = read_ledger(p, PLAN, TOWNS)
    assert led[["town_name", "task_id", "cumulative", "row"]].values.tolist() == [
        ["王平地区", "K07", 18.0, 3], ["王平地区", "K08", 0.0, 4], ["清水镇", "K08", 40.0, 6]]


def test_district_rows_for_tasks_without_split_and_district_totals_of_split_tasks(tmp_path):
    from airlib.tracking.progress import district_task_progress

    p = tmp_path / "2017-11.csv"
    pd.DataFrame({"镇街": ["王平镇", "全区", "全区", "门头沟区"], "任务编号": ["K07", "K07", "K11", "K11"],
                  "累计完成": [18, 18, 9000, 9000]}).iloc[:3].to_csv(p, index=False)
    led = read_ledgers(tmp_path, PLAN, TOWNS, warn=False)
    # the 全区 row of K07 is the total of a split task: dropped; the K11 row is a district report
    assert led[["town_code", "town_name", "task_id", "cumulative"]].values.tolist() == [
        ["110109005", "王平地区", "K07", 18.0], ["门头沟区", "门头沟区", "K11", 9000.0]]
    assert "no_target" not in set(led.attrs["flags"]["check"])
    dp = district_task_progress(PLAN, led, "2017-11-30")
    r = dp.set_index("task_id").loc["K11"]
    assert r["target"] == 20000 and r["completed"] == 9000 and r["status"] == "滞后"
    assert list(dp["task_id"]) == ["K11"]
    pd.DataFrame({"镇街": ["门头沟区"], "任务编号": ["K11"], "累计完成": [20000]}).to_csv(tmp_path / "2017-12.csv", index=False)
    led = read_ledgers(tmp_path, PLAN, TOWNS, warn=False)
    assert district_task_progress(PLAN, led, "2017-12-31").set_index("task_id").loc["K11", "status"] == "已完成"
    from airlib.tracking.progress import town_progress
    assert "门头沟区" not in set(town_progress(PLAN, led, "2017-12-31", TOWNS)["town_name"].dropna())


# ---------------------------------------------------------------- unreadable and hostile ledger files

def _input_error(path, **kw) -> str:
    with pytest.raises(InputDataError) as ei:
        read_ledger(path, PLAN, TOWNS, **kw)
    msg = str(ei.value)
    assert str(path) in msg  # names the file
    return msg


def test_truncated_and_random_workbooks_name_the_file(tmp_path):
    good = tmp_path / "good.xlsx"
    _bureau_sheet(good, BLOCKS)
    data = good.read_bytes()
    for n in (len(data) // 2, len(data) - 30, 100):
        bad = tmp_path / f"cut_{n}.xlsx"
        bad.write_bytes(data[:n])
        assert "damaged or truncated" in _input_error(bad)
    rnd = tmp_path / "random.xlsx"
    rnd.write_bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    assert "damaged or truncated" in _input_error(rnd)
    xls = tmp_path / "random.xls"
    xls.write_bytes(rnd.read_bytes())
    assert "save it again" in _input_error(xls) or ".xls workbooks cannot be read" in _input_error(xls)


def test_zip_that_is_not_a_workbook(tmp_path):
    import zipfile

    p = tmp_path / "notbook.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    assert "cannot read the ledger" in _input_error(p)


def _padded_workbook(path, pad: int) -> int:
    """A valid ledger workbook plus a part of ``pad`` spaces (compresses to almost nothing);
    returns the total inflated size."""
    import zipfile

    _bureau_sheet(path, BLOCKS)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/padding.xml", " " * pad)
    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist())


def test_inflated_size_limit_edge(tmp_path):
    import dataclasses

    from airlib.settings import DEFAULT

    p = tmp_path / "bomb.xlsx"
    inflated = _padded_workbook(p, 3_000_000)
    assert p.stat().st_size < 100_000  # small on disk, large inflated
    at = dataclasses.replace(DEFAULT, max_xlsx_inflated_bytes=inflated)
    assert len(read_ledger(p, PLAN, TOWNS, settings=at)) == 4  # exactly at the limit: read
    below = dataclasses.replace(DEFAULT, max_xlsx_inflated_bytes=inflated - 1)
    msg = _input_error(p, settings=below)
    assert "max_xlsx_inflated_bytes" in msg and f"{inflated:,}" in msg


def test_file_size_limit_edge(tmp_path):
    import dataclasses

    from airlib.settings import DEFAULT

    p = tmp_path / "ledger_2017-10.csv"
    pd.DataFrame({"镇街": ["王平镇"], "任务编号": ["K07"], "本月完成": [1], "累计完成": [1]}).to_csv(p, index=False)
    size = p.stat().st_size
    assert len(read_ledger(p, PLAN, TOWNS, settings=dataclasses.replace(DEFAULT, ledger_max_bytes=size))) == 1
    msg = _input_error(p, settings=dataclasses.replace(DEFAULT, ledger_max_bytes=size - 1))
    assert "ledger_max_bytes" in msg


def test_csv_encodings(tmp_path):
    df = pd.DataFrame({"镇街": ["王平镇"], "任务编号": ["K07"], "本月完成": [1], "累计完成": [1]})
    for enc in ("gbk", "utf-8-sig", "utf-8"):
        p = tmp_path / f"ledger_2017-10_{enc}.csv"
        df.to_csv(p, index=False, encoding=enc)
        assert read_ledger(p, PLAN, TOWNS)["town_name"].tolist() == ["王平地区"]
    p = tmp_path / "ledger_2017-10_random.csv"
    p.write_bytes(np.random.default_rng(2).integers(1, 256, 3000, dtype=np.uint8).tobytes())
    assert "save the file as UTF-8" in _input_error(p)
    p = tmp_path / "ledger_2017-10_nul.csv"
    p.write_bytes(b"\x00" * 50)
    assert "NUL" in _input_error(p)


def test_one_bad_ledger_in_a_folder(tmp_path):
    _monthly_csvs(tmp_path, {("王平镇", "K07"): [(1, 1), (2, 3)]})
    bad = tmp_path / "ledger_2017-12.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputDataError, match="ledger_2017-12.xlsx.*damaged or truncated"):
        read_ledgers(tmp_path, PLAN, TOWNS, warn=False)
    with pytest.warns(LedgerWarning, match="ledger skipped: .*ledger_2017-12.xlsx"):
        led = read_ledgers(tmp_path, PLAN, TOWNS, on_error="skip", check=False)
    assert led["month"].tolist() == ["2017-10", "2017-11"]
    assert [u["file"] for u in led.attrs["unreadable"]] == [str(bad)]
    assert "damaged or truncated" in led.attrs["unreadable"][0]["message"]
    for f in tmp_path.glob("*.csv"):
        f.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputDataError, match=r"no ledger could be read \(3 file\(s\)\).*ledger_2017-10.csv"):
        read_ledgers(tmp_path, PLAN, TOWNS, on_error="skip", warn=False)


def test_report_task_section_survives_one_bad_ledger_and_names_it(tmp_path):
    """One damaged file in the district's ledger folder must not hide the task section."""
    from airlib.io.plans import load_plan, plan_dir
    from airlib.report import task_progress
    from airlib.report.config import DEMO

    plan = load_plan(plan_dir() / "mentougou_2017_autumn_winter.yaml", warn=False)
    folder = tmp_path / DEMO.ledgers
    paths = write_demo_ledgers(folder, plan=plan)
    problems: list[dict[str, str]] = []
    assert len(task_progress(DEMO, pd.Period("2018-03", "M"), TOWNS, project_root=tmp_path, problems=problems)) == 1
    assert problems == []
    bad = paths[-1]  # 2018-03
    bad.write_bytes(bad.read_bytes()[:200])  # truncated
    [prog] = task_progress(DEMO, pd.Period("2018-03", "M"), TOWNS, project_root=tmp_path, problems=problems)
    assert prog.last_ledger_month == "2018-02" and prog.stale and prog.missing_months == ("2018-03",)
    assert [u["file"] for u in problems] == [bad.name]
    assert "damaged or truncated" in problems[0]["problem"]


def test_formula_cells_without_saved_results_are_refused(tmp_path):
    p = tmp_path / "formulas.xlsx"
    _bureau_sheet(p, BLOCKS)
    from openpyxl import load_workbook

    wb = load_workbook(p)
    ws = wb.active
    ws["G4"] = "=F4+6"  # openpyxl stores the formula only, no result
    ws["G5"] = "=F5+4"
    wb.save(p)
    msg = _input_error(p)
    assert "2 formula cell(s) without a saved result: G4, G5" in msg
    assert "rows 4, 5" in msg and "recalculate and save" in msg


def test_formula_cells_with_saved_results_are_read(tmp_path):
    """A formula with its cached value (as Excel saves it) is read as that value."""
    import zipfile

    p = tmp_path / "cached.xlsx"
    _bureau_sheet(p, BLOCKS)
    q = tmp_path / "cached2.xlsx"
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(q, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                cell = re.search(r'<c r="G4"[^>]*>.*?</c>', text).group(0)
                text = text.replace(cell, '<c r="G4"><f>F4+6</f><v>12</v></c>')
                data = text.encode()
            zout.writestr(item, data)
    led = read_ledger(q, PLAN, TOWNS)
    assert led["cumulative"].tolist() == [12, 4, 2, 5]
    # an empty text result (=IF(…,"",…) as Excel saves it) is a saved result, read as missing
    with zipfile.ZipFile(q) as zin:
        text = zin.read("xl/worksheets/sheet1.xml").decode()
    cell = re.search(r'<c r="H4"[^>]*/>|<c r="H4"[^>]*>.*?</c>', text)
    new = '<c r="H4" t="str"><f>IF(F4&gt;0,"","x")</f><v></v></c>'
    text = text.replace(cell.group(0), new) if cell else text.replace('<c r="G4">', new + '<c r="G4">')
    r = tmp_path / "cached3.xlsx"
    with zipfile.ZipFile(q) as zin, zipfile.ZipFile(r, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, text.encode() if item.filename == "xl/worksheets/sheet1.xml" else zin.read(item))
    assert len(read_ledger(r, PLAN, TOWNS)) == 4
