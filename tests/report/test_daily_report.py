"""Daily report (日报, issue #15 item 5): the command on a short demo store (PDF read back with
pdftotext), optional frames rendered only when given, escaping, failure keeps the last PDF,
CLI errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from airlib.errors import AirlibError

DEMO_NAME = "门头沟区"
END_MONTH = "2016-03"
DAY = "2016-03-31"


def _run_cli(args, home, timeout=600):
    env = dict(os.environ, AIRLIB_HOME=str(home))
    env.pop("AIRLIB_DISTRICTS", None)
    return subprocess.run([sys.executable, "-m", "airlib.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=str(home))


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """A project root with a short demo period ingested (as tests/report/test_report.py)."""
    from airlib.demo.generator import write_demo
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("airlib_daily")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end=END_MONTH)
    ingest_demo(raw, home / "data" / "processed")
    return home


@pytest.fixture(scope="module")
def first_run(demo_home):
    res = _run_cli(["daily", "--district", DEMO_NAME, "--date", DAY], demo_home)
    assert res.returncode == 0, res.stderr[-3000:]
    return demo_home / "reports" / DEMO_NAME / "daily" / DAY


def _expected_town_aqi(home: Path, day: pd.Timestamp) -> pd.DataFrame:
    """Town daily AQI computed here from the store with daily_statistics → aggregate_daily →
    daily_aqi on the valid values (independent of airlib.report.daily)."""
    from airlib.io.store import read_hourly
    from airlib.pollutants import POLLUTANTS
    from airlib.standards.aqi import daily_aqi
    from airlib.standards.validity import daily_statistics
    from airlib.tracking.aggregation import aggregate_daily

    store = home / "data" / "processed"
    hourly = read_hourly(store, "demo", start=str(day.date()), end=str(day.date()))
    stations = pd.read_parquet(next(store.glob("demo/**/stations.parquet")))
    towns = pd.read_parquet(next(store.glob("demo/**/towns.parquet")))
    present = [p for p in POLLUTANTS if p in hourly]
    t = aggregate_daily(daily_statistics(hourly, pollutants=present, start=day, end=day), stations, level="town")
    t = t[t["date"] == day]
    vals = [c for c in ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h") if c in t]
    frame = t[["town_code", "date", *vals]].copy()
    for c in vals:
        frame[c] = frame[c].where(t[f"{c}_valid"].astype(bool))
    out = daily_aqi(frame)[["town_code", "aqi"]]
    return towns[["town_code", "town_name"]].merge(out, on="town_code")


@pytest.mark.slow
def test_daily_pdf_towns_aqi_equal_daily_aqi_and_no_code(demo_home, first_run):
    pdf = first_run / f"{DEMO_NAME}_{DAY}_空气质量日报.pdf"
    assert pdf.exists() and (first_run / f"{DEMO_NAME}_{DAY}_日报运行记录.json").exists()
    assert (first_run / "figures" / "hourly_aqi.png").exists()
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True).stdout).group(1))
    assert 1 <= pages <= 2
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "空气质量日报" in text and "合成演示数据" in text and "12：00前" in text
    for code in ("import ", "display(", "D.start", "request, data", "Traceback"):
        assert code not in text
    expected = _expected_town_aqi(demo_home, pd.Timestamp(DAY))
    assert expected["aqi"].notna().sum() >= 10
    lines = text.splitlines()
    for name, aqi in zip(expected["town_name"], expected["aqi"]):
        row = next(ln for ln in lines if ln.split() and ln.split()[0] == name)
        shown = row.split()[1]
        assert shown == ("—" if pd.isna(aqi) else str(int(aqi))), (name, row, aqi)
    # the demo configures alert_log and forecasts: rolling status and forecast shown; no alert or
    # episode touches 2016-03-31 (the last demo episode of March is lifted on 03-23)
    assert "滚动24小时" in text and "空气质量预报" in text
    for absent in ("执行中的", "污染过程"):
        assert absent not in text
    # the stations behind the figures (issue #17, docs/stations.md): the demo has no 国控/市控 station
    flat = "".join(text.split())
    assert "乡镇街道排名与全区数值：街乡镇站" in flat and "全区数值按参与排名的站点计算" in flat


@pytest.mark.slow
def test_failed_run_keeps_previous_pdf(demo_home, first_run, tmp_path):
    from airlib.report.daily import DAILY_NOTEBOOK, run_daily
    from airlib.report.errors import ReportError

    pdf = first_run / f"{DEMO_NAME}_{DAY}_空气质量日报.pdf"
    before = _sha(pdf)
    nb = nbformat.read(DAILY_NOTEBOOK, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("# deliberately broken\nraise RuntimeError('boom')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(ReportError) as exc:
        run_daily(DEMO_NAME, DAY, project_root=demo_home, notebook=broken)
    assert "RuntimeError: boom" in str(exc.value)
    assert (first_run / "failed" / "daily_report.failed.ipynb").exists()
    assert _sha(pdf) == before
    assert not list(first_run.parent.glob(".*staging*"))


@pytest.mark.slow
def test_cli_errors_exit_2_one_paragraph(demo_home):
    cases = [
        (["--district", "不存在区", "--date", DAY], "unknown district"),
        (["--date", "2014-01-05"], "no data for 门头沟区 on 2014-01-05"),
        (["--date", "2016-02-30"], "not a date"),
        (["--date", "2099-01-01"], "not complete yet"),
    ]
    for args, needle in cases:
        res = _run_cli(["daily", *args], demo_home)
        assert res.returncode == 2, (args, res.stderr)
        assert needle in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.stderr
        assert res.stderr.strip().count("\n") == 0, res.stderr


# ----------------------------------------------------------------------------- fast: rendering


def test_parse_day_default_yesterday_and_edges():
    from airlib.report.daily import parse_day

    today = dt.date(2018, 1, 1)
    assert parse_day(None, today) == pd.Timestamp("2017-12-31")
    assert parse_day("2017-12-31", today) == pd.Timestamp("2017-12-31")
    with pytest.raises(AirlibError, match="not complete yet"):
        parse_day("2018-01-01", today)  # today is not complete
    with pytest.raises(AirlibError, match="YYYY-MM-DD"):
        parse_day("2017/12/31", today)


def _data(**frames):
    from airlib.report.config import DEMO
    from airlib.report.daily import DailyData

    day = pd.Timestamp("2017-12-10")
    towns = pd.DataFrame({"town_code": ["1", "2"], "town_name": ["甲镇", "<script>alert(1)</script>&乙"],
                          "aqi": pd.array([120, pd.NA], dtype="Int64"), "level": pd.array([3, pd.NA], dtype="Int64"),
                          "category": ["轻度污染", pd.NA], "primary_pollutant": ["PM2.5", ""],
                          "n_stations": [1, 1], "n_valid": [1, 0]})
    district = towns.iloc[[0]].rename(columns={"town_code": "district_code"})
    hourly = pd.DataFrame({"time": pd.date_range(day, periods=24, freq="h"),
                           "aqi": pd.array(range(100, 124), dtype="Int64")})
    comp = pd.DataFrame({"n_stations": [2], "n_reporting": [2], "n_valid": [1], "hours_expected": [48],
                         "hours_reported": [30]})
    return DailyData(config=DEMO, day=day, towns=towns, district=district, hourly=hourly,
                     completeness=comp, **frames)


def _html(data, tmp_path) -> str:
    from airlib.report.daily import DailyRequest, sections
    from airlib.report.config import DEMO

    req = DailyRequest(config=DEMO, day=data.day, project_root=tmp_path, output_dir=tmp_path)
    out = sections(req, data)
    return "".join(o.data for o in out if isinstance(getattr(o, "data", None), str))


def test_hostile_town_name_escaped_and_optional_parts_absent(tmp_path):
    body = _html(_data(), tmp_path)
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;乙" in body
    assert "全区空气质量指数（AQI）为120，类别为轻度污染，首要污染物为PM2.5" in body
    for absent in ("执行中的重污染天气预警", "滚动24小时", "污染过程", "空气质量预报"):
        assert absent not in body
    assert (tmp_path / "figures" / "hourly_aqi.png").exists()


def test_optional_frames_rendered_when_given(tmp_path):
    day = pd.Timestamp("2017-12-10")
    rolling = pd.DataFrame({"time": [day + pd.Timedelta(hours=23), day + pd.Timedelta(hours=22)],
                            "district_code": ["110109", "110109"], "aqi": pd.array([233, 250], dtype="Int64"),
                            "category": [5, 5], "valid": [True, True]})
    episodes = pd.DataFrame({"episode": [1, 2], "start": [day - pd.Timedelta(hours=5), day + pd.Timedelta(days=3)],
                             "end": [day + pd.Timedelta(hours=40), day + pd.Timedelta(days=4)],
                             "level": ["orange", "blue"], "level_zh": ["橙色预警", "蓝色预警"],
                             "peak_aqi": [287, 160], "hours": [45, 24], "heavy_hours": [30, 0],
                             "merged": [2, 1], "early_start": [False, False]})
    alerts = pd.DataFrame({"level": ["yellow", "red"], "level_zh": ["黄色预警", "红色预警"],
                           "start": [day - pd.Timedelta(days=1), day - pd.Timedelta(days=5)],
                           "end": [pd.NaT, day],  # the red one ended at 00:00 of the day: not in force
                           "area": ["全市", "全市"], "issued": [day - pd.Timedelta(days=2), pd.NaT],
                           "source": ["alerts.csv", "alerts.csv"], "row": [2, 3]})
    fc = pd.DataFrame({"issued": [day.date(), (day + pd.Timedelta(days=1)).date(), day.date()],
                       "target_date": [(day + pd.Timedelta(days=2)).date()] * 2 + [(day + pd.Timedelta(days=3)).date()],
                       "lead_days": [2, 1, 3], "area": ["门头沟区"] * 3,
                       "aqi_low": pd.array([150, 180, 90], dtype="Int64"),
                       "aqi_high": pd.array([190, 210, 90], dtype="Int64"), "category": [4, 5, 2],
                       "primary": ["PM2.5", "PM2.5", pd.NA], "source": ["f.csv"] * 3, "row": [2, 3, 4]})
    body = _html(_data(rolling=rolling, episodes=episodes, alert_log=alerts, forecasts=fc), tmp_path)
    assert "执行中的重污染天气预警" in body and "黄色预警" in body and "红色预警" not in body
    assert "未解除" in body  # end NaT: still in force
    assert "滚动24小时" in body and "233" in body and "250" not in body  # the last hour of the day only
    assert "橙色预警" in body and "287" in body and "蓝色预警" not in body  # episode 2 is after the day
    assert "空气质量预报" in body
    assert "180–210" in body and "150–190" not in body  # the latest issue of 12-12
    assert "2017年12月13日" in body and ">90<" in body  # a single value printed once


def test_daily_cli_registered():
    from airlib.cli import build_parser

    args = build_parser().parse_args(["daily", "--district", DEMO_NAME, "--date", DAY])
    assert args.district == DEMO_NAME and args.date == DAY and not args.all


def test_daily_notebook_stored_clean_and_calls_only():
    from airlib.report.daily import DAILY_NOTEBOOK

    nb = nbformat.read(DAILY_NOTEBOOK, as_version=4)
    assert len([c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]) == 1
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None
            body = "\n".join(ln for ln in c.source.splitlines() if not ln.lstrip().startswith("#"))
            assert not re.search(r"[\u4e00-\u9fff]", body.replace("门头沟区", "")), c.source  # wording in airlib


@pytest.mark.slow
def test_all_districts_reported_per_district(demo_home, first_run):
    """--all over an explicit list: a failing district is reported, the others still run."""
    from airlib.report.daily import run_daily_all

    lines: list[str] = []
    out = run_daily_all(DAY, districts=[DEMO_NAME, "不存在区"], project_root=demo_home, echo=lines.append)
    assert [n for n, _ in out] == [DEMO_NAME, "不存在区"]
    assert not isinstance(out[0][1], Exception) and isinstance(out[1][1], AirlibError)
    assert "FAILED" in lines[-1] and "ok in" in lines[-2]


def test_summary_sentence_follows_its_numbers():
    from airlib.report.daily import summary_sentence

    data = _data()
    towns = pd.concat([data.towns, data.towns.iloc[[0]].assign(town_code="3", town_name="丙镇",
                                                                aqi=pd.array([45], dtype="Int64"))])
    s = summary_sentence(type(data)(**{**data.__dict__, "towns": towns}))
    assert "AQI最高为甲镇（120）" in s and "最低为丙镇（45）" in s
    tied = pd.concat([towns, towns.iloc[[0]].assign(town_code="4", town_name="丁镇")])
    s = summary_sentence(type(data)(**{**data.__dict__, "towns": tied}))
    assert "AQI最高为甲镇、丁镇（120）" in s
    district = data.district.assign(aqi=pd.array([pd.NA], dtype="Int64"))
    s = summary_sentence(type(data)(**{**data.__dict__, "district": district}))
    assert "无有效值" in s and "类别" not in s


def test_all_without_configured_districts_names_the_daily_command(tmp_path, monkeypatch):
    from airlib.report.daily import run_daily_all

    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    with pytest.raises(AirlibError, match=r"^airlib daily --all: .*--include-demo"):
        run_daily_all("2016-03-31", project_root=tmp_path, echo=lambda s: None)


ALERT_DAY = "2016-03-10"  # inside the demo's yellow alert of 2016-03-04 21:00 to 03-15 17:00


@pytest.mark.slow
def test_daily_report_of_a_day_under_an_alert_shows_alert_episode_rolling_and_forecast(demo_home, first_run):
    """Every number of the #15 parts equals the library functions' value (issue #15 wiring)."""
    from airlib.io.alert_log import read_alert_log
    from airlib.io.forecasts import read_forecasts
    from airlib.io.store import read_hourly
    from airlib.report.daily import EPISODE_LOOKBACK_DAYS
    from airlib.tracking.alerts import district_episodes
    from airlib.tracking.rolling_aqi import unit_rolling_aqi

    res = _run_cli(["daily", "--district", DEMO_NAME, "--date", ALERT_DAY], demo_home)
    assert res.returncode == 0, res.stderr[-3000:]
    folder = demo_home / "reports" / DEMO_NAME / "daily" / ALERT_DAY
    pdf = folder / f"{DEMO_NAME}_{ALERT_DAY}_空气质量日报.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True).stdout).group(1))
    assert 1 <= pages <= 2
    lines = text.splitlines()
    day = pd.Timestamp(ALERT_DAY)
    store = demo_home / "data" / "processed"
    stations = pd.read_parquet(next(store.glob("demo/**/stations.parquet")))
    towns = pd.read_parquet(next(store.glob("demo/**/towns.parquet")))
    hourly = read_hourly(store, "demo", start=str((day - pd.Timedelta(days=EPISODE_LOOKBACK_DAYS)).date()),
                         end=ALERT_DAY)
    # the alert in force (alert log of the district's key)
    log = read_alert_log(demo_home / "data/raw/demo/alerts/alert_log.csv")
    on = log[(log["start"] < day + pd.Timedelta(days=1)) & (log["end"].isna() | (log["end"] > day))]
    assert len(on) == 1 and on["level_zh"].iloc[0] == "黄色预警"
    alert_row = next(ln for ln in lines if "黄色预警" in ln and DEMO_NAME in ln)
    assert on["start"].iloc[0].strftime("%m月%d日%H时") in alert_row
    # the district's rolling 24-h AQI at 23:00
    r = unit_rolling_aqi(hourly, stations, level="district", towns=towns)
    r = r[r["time"] == day + pd.Timedelta(hours=23)]
    row = next(ln for ln in lines if ln.split() and ln.split()[0] == "全区")
    assert row.split()[1] == str(int(r["aqi"].iloc[0]))
    # a town's rolling AQI is the last column of its row
    tr = unit_rolling_aqi(hourly[hourly["time"] >= day - pd.Timedelta(days=1)], stations, level="town")
    tr = tr[tr["time"] == day + pd.Timedelta(hours=23)].merge(towns[["town_code", "town_name"]], on="town_code")
    for name, aqi, ok in zip(tr["town_name"], tr["aqi"], tr["valid"]):
        trow = next(ln for ln in lines if ln.split() and ln.split()[0] == name and "PM" in ln or
                    ln.split() and ln.split()[0] == name and "—" in ln)
        assert trow.split()[-1] == (str(int(aqi)) if ok else "无效"), (name, trow)
    # the episode overlapping the day (one implementation: district_episodes), not lifted by the day's end
    ep = district_episodes(hourly, stations, towns, DEMO_NAME, day, day + pd.Timedelta(days=1))
    assert len(ep) == 1 and pd.isna(ep["end"].iloc[0])
    erow = next(ln for ln in lines if "未解除" in ln and ep["start"].iloc[0].strftime("%m月%d日%H") in ln)
    assert str(int(ep["peak_aqi"].iloc[0])) in erow.split() and str(ep["level_zh"].iloc[0]) in erow
    assert str(int(ep["hours"].iloc[0])) in erow.split()
    # the forecast: the latest issue by the morning after the day, for the day after it
    fc = read_forecasts(demo_home / "data/raw/demo/alerts/forecasts.csv")
    nxt = fc[(fc["target_date"] == day + pd.Timedelta(days=2)) & (fc["issued"] <= day + pd.Timedelta(days=1))]
    nxt = nxt.sort_values("issued").iloc[-1]
    frow = next(ln for ln in lines if ln.strip().startswith("2016年3月12日"))
    lo, hi = int(nxt["aqi_low"]), int(nxt["aqi_high"])
    assert (f"{lo}–{hi}" if lo != hi else f"{lo}") in frow


def test_configured_but_missing_alert_log_is_a_clear_error(tmp_path):
    import dataclasses

    from airlib.report.config import DEMO
    from airlib.report.data import read_configured

    cfg = dataclasses.replace(DEMO, alert_log="alerts/none.csv", forecasts=None)
    with pytest.raises(AirlibError, match=r"key 'alert_log'.*none\.csv"):
        read_configured(cfg, "alert_log", tmp_path, lambda p: pd.DataFrame())
    assert read_configured(cfg, "forecasts", tmp_path, lambda p: pd.DataFrame()) is None


@pytest.mark.slow
def test_daily_district_values_come_from_the_assessment_station(demo_home, tmp_path):
    """A national station: the district's daily AQI and hourly curve are that station's, the
    towns' are unchanged, the stated set says so."""
    import shutil

    from airlib.io.store import read_registry, write_registry
    from airlib.report.content import station_set_lines
    from airlib.report.daily import DailyRequest, prepare_daily
    from airlib.standards.aqi import hourly_aqi

    home = tmp_path / "home"
    shutil.copytree(demo_home, home, symlinks=True)
    before = prepare_daily(DailyRequest.build(DEMO_NAME, DAY, project_root=home), wire=False)
    store = home / "data" / "processed"
    reg = read_registry(store, "demo", "stations")
    nat = reg["station"].iloc[0]
    write_registry(reg.assign(station_class=["national" if s == nat else "town" for s in reg["station"]]),
                   store, "demo", "stations")
    after = prepare_daily(DailyRequest.build(DEMO_NAME, DAY, project_root=home), wire=False)
    pd.testing.assert_frame_equal(after.towns, before.towns)
    assert int(after.district["n_stations"].iloc[0]) == 1
    assert after.district["aqi"].iloc[0] != before.district["aqi"].iloc[0]
    # the hourly curve is the national station's own hourly AQI
    from airlib.io.store import read_hourly

    day = pd.Timestamp(DAY)
    h = read_hourly(store, "demo", start=DAY, end=DAY)
    own = hourly_aqi(h[h["station"] == nat].drop(columns=[c for c in ("source",) if c in h]))
    own = own[(own["time"] >= day) & (own["time"] < day + pd.Timedelta(days=1))].set_index("time")["aqi"]
    got = after.hourly.set_index("time")["aqi"]
    assert (got.reindex(own.index).astype("Int64") == own.astype("Int64")).fillna(True).all()
    lines = station_set_lines(after.station_sets)
    assert "- 全区数值：国控站1个；" in lines and "- 乡镇街道排名：国控站1个、街乡镇站" in lines
