"""The bulletin tables in the monthly report (issue #12 item 1): display at published
precision, "—" explained row by row, headers in both languages, the workbook frames, the
notebook section; (slow) the demo report's tables agree with the PM2.5 ranking path."""

from __future__ import annotations

import re
import string
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from airlib.report.numbering import Numbering
from airlib.report import content as C
from airlib.report.texts import BULLETIN_HEADERS, BULLETIN_TEXT, bulletin_header
from airlib.tracking.bulletin import REASONS, bulletin
from tests.report.test_report import DEMO_NAME, REPORT_MONTH, demo_home  # noqa: F401 (fixture)
from tests.tracking.test_bulletin import TOWNS, base, district_of, invalidate, set_values


def data_for(frame: pd.DataFrame, month: str = "2024-03", towns: pd.DataFrame = TOWNS) -> SimpleNamespace:
    b = bulletin(frame, district_of(frame), month, towns=towns, district_name="某区")
    return SimpleNamespace(bulletin=b, month=pd.Period(month, freq="M"), numbering=Numbering())


def test_display_precision_by_date_signs_and_district_first():
    f = set_values(base(), "T1", "2024-03-01", "2024-03-31", pm25=30.45, co=1.26)
    d = C.bulletin_display(data_for(f), "monthly")
    assert list(d.columns[:3]) == ["区/乡镇街道", "PM2.5", "PM2.5同比(%)"]
    assert d.iloc[0, 0] == "某区"
    t1 = d.set_index("区/乡镇街道").loc["甲镇"]
    assert t1["PM2.5"] == "30.4" and t1["CO-95per"] == "1.3" and t1["NO2"] == "10"
    assert t1["PM2.5同比(%)"] == "+52.0"  # (30.4 - 20) / 20, signed
    assert re.fullmatch(r"\d\.\d\d", t1["综合指数"])
    assert d.set_index("区/乡镇街道").loc["某区", "综合指数排名"] == "—"  # the district is not ranked
    # 2023: PM2.5 integers
    d23 = C.bulletin_display(data_for(base("2022-01-01", "2023-03-31"), "2023-03"), "monthly")
    assert d23.set_index("区/乡镇街道").loc["甲镇", "PM2.5"] == "20"
    en = C.bulletin_display(data_for(f), "days", "en")
    assert en.columns[0] == "District/town" and "YTD Good days" in en.columns


def test_every_dash_is_explained_row_by_row():
    f = invalidate(base(), "T2", "2024-03-01", "2024-03-10")  # invalid month
    f = invalidate(f, "T3", "2024-02-01", "2024-02-10", columns=("pm25",))  # YTD incomplete
    f = f[f["town_code"] != "T4"]  # no data
    data = data_for(f)
    for table in C.BULLETIN_TABLES:
        shown = C.bulletin_display(data, table)
        notes = C.bulletin_notes(data, table)
        has_dash = (shown.iloc[:, 1:] == "—").any(axis=1).to_numpy()
        explained = np.array([bool(n) for n in notes])
        # the district's rank cells are "—" by design (said in the layout note); towns' dashes all explained
        assert (explained[1:] == has_dash[1:]).all(), table
    assert "首行为全区（不参与排名）" in C.bulletin_footnotes(data, "monthly")[0]
    ytd_notes = C.bulletin_footnotes(data, "ytd")
    assert any("每个月均有效" in n for n in ytd_notes)
    last = ytd_notes[-1]
    assert "无监测数据：丁镇" in last and "1月至本月有月份无效或缺失，年初至今值不发布：" in last
    assert re.search("年初至今值不发布：[^；]*丙街道", last)
    assert re.search("当月有效天数不足[^；]*：[^；]*乙镇", C.bulletin_footnotes(data, "monthly")[-1])
    assert "No monitoring data".lower() in C.bulletin_footnotes(data, "monthly", "en")[-1].lower()


def test_footnote_and_table_escape_town_names():
    towns = TOWNS.assign(town_name=["*甲*", "<b>乙</b>", "丙街道", "丁镇"])
    f = base()
    f = f[f["town_code"] != "T2"]
    data = data_for(f, towns=towns)
    note = C.bulletin_footnotes(data, "monthly")[-1]
    assert "无监测数据：" in note and "乙" in note
    assert "<b>乙</b>" not in note  # markup in a name prints literally
    html = C.html_table(C.bulletin_display(data, "monthly"))
    assert "<b>乙</b>" not in html and "&lt;b&gt;" in html


def test_workbook_frames_hold_the_library_numbers_with_headers():
    data = data_for(set_values(base(), "T1", "2024-03-01", "2024-03-31", pm25=30.45))
    for table in C.BULLETIN_TABLES:
        src = getattr(data.bulletin, table)
        frame = C.bulletin_frame(data, table)
        cols = [c for c in src.columns if not c.endswith("_reason") and c != "level"]
        assert list(frame.columns) == [bulletin_header(c) for c in cols]
        assert len(set(frame.columns)) == len(frame.columns)
        assert len(C.bulletin_notes(data, table)) == len(frame)
        for c in cols:
            if c in ("code", "name"):
                continue
            np.testing.assert_array_equal(frame[bulletin_header(c)].astype("float64").to_numpy(),
                                          src[c].astype("float64").to_numpy())
        assert C.bulletin_caption(data, table).startswith(f"表{data.numbering.table(f'bulletin_{table}')} ")
        assert C.bulletin_caption(data, table, "en").startswith(f"Table {data.numbering.table(f'bulletin_{table}')} ")
        en = C.bulletin_frame(data, table, "en")
        assert len(set(en.columns)) == len(en.columns)
    assert C.bulletin_frame(data, "monthly").set_index("区/乡镇街道").loc["甲镇", "PM2.5"] == 30.4


def test_bulletin_texts_complete_in_both_languages():
    assert BULLETIN_TEXT["zh"].keys() == BULLETIN_TEXT["en"].keys()
    assert BULLETIN_HEADERS["zh"].keys() == BULLETIN_HEADERS["en"].keys()
    for code in REASONS:
        assert BULLETIN_TEXT["zh"][f"reason_{code}"] and BULLETIN_TEXT["en"][f"reason_{code}"]
    cjk = [k for k, v in {**BULLETIN_TEXT["en"], **BULLETIN_HEADERS["en"]}.items() if re.search(r"[\u4e00-\u9fff]", v)]
    assert cjk == []
    fields = {"year", "month", "no", "items", "reason", "names"}
    for entries in BULLETIN_TEXT.values():
        for template in entries.values():
            assert {f for _, f, _, _ in string.Formatter().parse(template) if f} <= fields
    with pytest.raises(KeyError):
        bulletin_header("nonsense")


@pytest.mark.slow
def test_demo_report_bulletin_agrees_with_the_pm25_ranking(demo_home, tmp_path):  # noqa: F811
    from IPython.display import HTML, Markdown

    from airlib.report import ReportRequest, prepare, sections
    from airlib.standards.rounding import round_published
    from airlib.standards.validity import monthly_statistics

    request = ReportRequest.build(DEMO_NAME, REPORT_MONTH, project_root=demo_home, output_dir=tmp_path / "out")
    data = prepare(request)
    b = data.bulletin
    m = b.monthly
    assert m.loc[0, "level"] == "district" and (m["level"].iloc[1:] == "town").all()
    assert set(m["code"].iloc[1:]) == set(data.ranking["town_code"].astype(str))
    # the town PM2.5 of the bulletin is the ranking's (two computations, one rule)
    town = m.iloc[1:].set_index("code")["pm25"]
    rk = data.ranking.assign(code=data.ranking["town_code"].astype(str)).set_index("code")
    np.testing.assert_array_equal(town.reindex(rk.index).to_numpy(dtype=float), rk["pm25"].to_numpy(dtype=float))
    np.testing.assert_array_equal(
        b.ytd.iloc[1:].set_index("code")["pm25"].reindex(rk.index).to_numpy(dtype=float),
        rk["ytd"].to_numpy(dtype=float))
    dm = monthly_statistics(data.district_daily, percentiles={})
    this = dm[dm["month"] == pd.Period(REPORT_MONTH, freq="M").start_time]["pm25"].iloc[0]
    assert m.loc[0, "pm25"] == round_published(this, "pm25", REPORT_MONTH)
    assert m["composite"].iloc[1:].notna().any() and b.days["good_days"].iloc[1:].notna().any()
    objs = sections.bulletin(request, data)
    htmls = [o.data for o in objs if isinstance(o, HTML)]
    assert len(htmls) == 4 and all(isinstance(o, (HTML, Markdown)) for o in objs)  # + improvement ranks
    assert re.search(r"表\d+ 各乡镇街道六项污染物及综合指数（当月", htmls[0]) and re.search(r"表\d+ 优良天数与重污染天数", htmls[2])
    assert re.search(r"表\d+ 各乡镇街道各项污染物改善幅度排名", htmls[3])
    visible = re.sub(r"<[^>]+>", "", "".join(o.data for o in objs))  # the text a reader sees
    assert "airlib" not in visible and "tracking" not in visible


def test_two_header_rows_span_every_column():
    data = data_for(base())
    for table in C.BULLETIN_TABLES:
        groups, short = C.bulletin_header_rows(table)
        shown = C.bulletin_display(data, table).set_axis(short, axis=1)
        html = C.html_table(shown, groups=groups, compact=True)
        assert len(re.findall(r"<th[ >]", html)) == len(groups) + len(short)
        assert "colspan='2'>PM2.5<" in html or table == "days"
    with pytest.raises(ValueError, match="span"):
        C.html_table(pd.DataFrame({"a": [1], "b": [2]}), groups=[("x", 1)])
    plain = C.html_table(pd.DataFrame({"a": [1]}))
    assert "colspan" not in plain and "font-size" not in plain


def test_improvement_rank_of_every_pollutant_month_and_ytd():
    """The PDF's improvement-rank table shows each pollutant's ``<p>_change_rank`` of the
    library, month and year to date, district row first and unranked."""
    from airlib.tracking.bulletin import BULLETIN_POLLUTANTS

    f = set_values(base(), "T1", "2024-03-01", "2024-03-31", pm25=30.0)
    data = data_for(f)
    table, groups = C.bulletin_rank_display(data, "zh")
    month = data.bulletin.monthly.reset_index(drop=True)
    ytd = data.bulletin.ytd.set_index("code").reindex(month["code"]).reset_index(drop=True)
    assert sum(n for _, n in groups) == table.shape[1] == 1 + 2 * len(BULLETIN_POLLUTANTS)
    assert table.iloc[:, 0].tolist() == month["name"].tolist()
    for j, p in enumerate(BULLETIN_POLLUTANTS):
        for src, col in ((month, 1 + j), (ytd, 1 + len(BULLETIN_POLLUTANTS) + j)):
            want = ["—" if pd.isna(v) else str(int(v)) for v in src[f"{p}_change_rank"]]
            assert table.iloc[:, col].tolist() == want, p
    assert set(table.iloc[0, 1:]) == {"—"}  # the district is not ranked
    assert any(v != "—" for v in table.iloc[1:, 1])  # towns are
