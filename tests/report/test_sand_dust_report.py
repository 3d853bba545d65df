"""扣沙 in the monthly report: with and without the exclusion, the statement, the table, the workbook."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from airlib.errors import AirlibError

MONTH = "2016-03"  # the demo's episode: 2016-03-28 18:00, 26 hours


@pytest.fixture(scope="module")
def dust_home(tmp_path_factory):
    """A project with the demo (and its sand-dust episode) ingested up to 2016-04."""
    from airlib.demo.generator import write_demo
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("dust_home")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end="2016-04")
    ingest_demo(raw, home / "data" / "processed")
    return home


def _prepare(home, month=MONTH, **config):
    from airlib.report import ReportRequest, prepare

    request = ReportRequest.build("门头沟区", month, project_root=home, output_dir=home / "out")
    if config:
        request = dataclasses.replace(request, config=dataclasses.replace(request.config, **config))
    return request, prepare(request)


@pytest.fixture(scope="module")
def with_and_without(dust_home):
    return _prepare(dust_home), _prepare(dust_home, dust_exclusion=False)


def test_demo_period_list_matches_its_hourly_episode(dust_home):
    from airlib.demo.sand_dust import EPISODE_HOURS
    from airlib.io.sand_dust import read_sand_dust_periods
    from airlib.io.store import read_hourly
    from airlib.standards.sand_dust import periods_from_flags, screen_dust_hours

    path = dust_home / "data" / "raw" / "demo" / "dust" / "sand_dust_periods.csv"
    assert "SYNTHETIC" in path.read_text(encoding="utf-8").splitlines()[0]
    periods = read_sand_dust_periods(path)
    assert periods[["start", "end", "area"]].values.tolist() == [
        [pd.Timestamp("2016-03-28 18:00"), pd.Timestamp("2016-03-29 20:00"), "全市"]]
    assert (periods["end"] - periods["start"]).iloc[0] == pd.Timedelta(hours=EPISODE_HOURS)
    hourly = read_hourly(dust_home / "data" / "processed", "demo", pd.Timestamp("2016-03-20"),
                         pd.Timestamp("2016-04-05"))
    flags = screen_dust_hours(hourly)
    # the screen finds the episode's front at most stations, and nothing else in these two weeks
    found = periods_from_flags(flags, area="全市", min_stations=flags["station"].nunique() // 2)
    assert len(found) == 1
    assert found["start"].iloc[0] == periods["start"].iloc[0]
    assert periods["start"].iloc[0] < found["end"].iloc[0] <= periods["end"].iloc[0]


def test_report_uses_the_exclusion_by_default(with_and_without):
    (_, data), (_, other) = with_and_without
    sd = data.sand_dust
    assert sd.excluded and sd.n_periods == 1 and sd.hours == 26
    assert not other.sand_dust.excluded
    # the same comparison both ways; the report's figures are those of its own choice
    pd.testing.assert_frame_equal(sd.comparison, other.sand_dust.comparison)
    c = sd.comparison.set_index("quantity")
    pm10 = c.loc["pm10_month"]
    assert float(pm10["with"]) < float(pm10["without"])
    district = data.bulletin.monthly.query("level == 'district'")
    assert district["pm10"].iloc[0] == pm10["with"]
    assert other.bulletin.monthly.query("level == 'district'")["pm10"].iloc[0] == pm10["without"]
    # the ranking shown is the excluded one where it differs
    changed = sd.comparison[sd.comparison["quantity"] == "pm25"]
    for _, row in changed.iterrows():
        mine = data.ranking.loc[data.ranking["town_name"] == row["unit"], "pm25"].iloc[0]
        theirs = other.ranking.loc[other.ranking["town_name"] == row["unit"], "pm25"].iloc[0]
        assert (mine, theirs) == (row["with"], row["without"]) or pd.isna(mine)


def test_month_without_periods_differs_only_in_year_to_date(dust_home):
    _, data = _prepare(dust_home, month="2016-02")
    assert data.sand_dust.n_periods == 0 and data.sand_dust.hours == 0
    assert data.sand_dust.comparison.empty  # the episode is after February: nothing differs


def test_statement_and_table(with_and_without):
    from airlib.report import sections

    (request, data), (request2, other) = with_and_without
    out = sections._sand_dust(request, data)
    text = out[0].data
    assert "已按环办监测〔2016〕120号扣除沙尘影响时段（1个时段，共26小时）" in text.replace("\\", "")
    n = len(data.sand_dust.comparison)
    assert f"扣沙前后有{n}项数值不同" in text and len(out) == 2
    assert "扣除沙尘影响时段前后数值对比" in out[1].data
    text2 = sections._sand_dust(request2, other)[0].data.replace("\\", "")
    assert "未扣除沙尘影响时段（已发布1个时段，共26小时" in text2


def test_statement_checker_catches_false_statements(with_and_without):
    from airlib.report.sentences import (
        check_sand_dust_statement, require_true_sand_dust_statement, sand_dust_statement,
    )

    (_, data), _ = with_and_without
    sd = data.sand_dust
    n = len(sd.comparison)
    good = sand_dust_statement(True, 1, 26, n, 5)
    assert check_sand_dust_statement(good, sd) == []
    assert check_sand_dust_statement(sand_dust_statement(True, 1, 26, n, 5, "en"), sd) == []
    assert check_sand_dust_statement(sand_dust_statement(False, 1, 26, n, 5, "en"), sd)
    assert check_sand_dust_statement(sand_dust_statement(True, 1, 25, n, 5), sd)  # wrong hours
    assert check_sand_dust_statement(sand_dust_statement(False, 1, 26, n, 5), sd)  # wrong choice
    assert check_sand_dust_statement(sand_dust_statement(True, 1, 26, 0, None), sd)  # hides the differences
    forged = dataclasses.replace(good, text=good.text.replace("已按", "未"))
    with pytest.raises(AirlibError, match="sand-dust statement"):
        require_true_sand_dust_statement(forged, sd)


def test_workbook_sheets(with_and_without, tmp_path):
    from openpyxl import load_workbook

    from airlib.report.content import write_excel

    (_, data), _ = with_and_without
    path = write_excel(data, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert "沙尘时段" in wb.sheetnames and "扣沙" in wb.sheetnames
    cells = [c for row in wb["沙尘时段"].iter_rows(values_only=True) for c in row if c is not None]
    assert "2016-03-28 18:00" in cells and "2016-03-29 20:00" in cells


def test_no_period_list_no_section(dust_home, tmp_path):
    from airlib.report import sections
    from airlib.report.content import workbook_tables

    request, data = _prepare(dust_home, dust_periods=None)
    assert data.sand_dust is None
    assert sections._sand_dust(request, data) == []
    assert not {"沙尘时段", "扣沙"} & {t.sheet for t in workbook_tables(data)}
    # and the report's figures are those of the data without exclusion
    _, without = _prepare(dust_home, dust_exclusion=False)
    pd.testing.assert_frame_equal(data.ranking, without.ranking)


def test_bad_period_list_is_a_clear_error(dust_home):
    from airlib.errors import InputDataError

    bad = dust_home / "data" / "raw" / "bad_periods.csv"
    bad.write_text("开始时间,结束时间,影响区域\n2016-03-28 18:00,2016-03-28 10:00,全市\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="row 2"):
        _prepare(dust_home, dust_periods="data/raw/bad_periods.csv")
