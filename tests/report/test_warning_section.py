"""The report's warning section: reasons with their numbers and clauses, 约谈 candidates, the
history table, checked sentences, escaped user text, and the history reproduced month by month."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.escaping import html_text, markdown_text
from airlib.io.warning_rules import load_warning_rules
from airlib.report import content as C
from airlib.report.data import warned_towns
from airlib.report.numbering import Numbering
from airlib.report.sentences import (
    WarningSummary,
    check_warning_summary,
    require_true_warning_summary,
    warning_summary,
)
from airlib.tracking.ranking import bottom_n, ranking_table, worsening_list
from airlib.tracking.supervision import SupervisionHistory, summons_candidates, warning_reasons

CODES = ["110109001", "110109002", "110109003", "110109004"]
EVIL = "<script>alert(1)</script>**镇**"


def _data(month="2017-12", names=("大峪街道", EVIL, "城子街道", "永定镇")):
    m = pd.Period(month, "M")
    idx = pd.Index(CODES)
    t = ranking_table(pd.Series([30.0, 60.0, 50.0, 40.0], index=idx), pd.Series([35.0, 50.0, 55.0, 45.0], index=idx),
                      year=m.year, names=pd.Series(list(names), index=idx))
    t["valid_days"] = pd.array([31] * 4, dtype="Int64")
    rules = load_warning_rules()
    reasons = warning_reasons(rules, t, None, None, m)
    towns = pd.DataFrame({"town_code": CODES, "town_name": list(names)}).astype("string")
    months = [str(m - 2), str(m - 1), str(m)]
    hist = SupervisionHistory(months=tuple(months), reasons=pd.concat(
        [reasons.assign(month=x) for x in months], ignore_index=True), ranks=t.assign(month=str(m)), towns=towns)
    return SimpleNamespace(
        month=m, config=SimpleNamespace(name="门头沟区", synthetic=False), bottom_n=3, ranking=t,
        bottom=bottom_n(t, 3), warnings=warned_towns(reasons, t), worsening=worsening_list(t), reasons=reasons,
        rules=rules, history=hist, summons=summons_candidates(rules, hist, m), numbering=Numbering(),
        progress=None, targets=pd.DataFrame())


def _request(data, language="zh"):
    return SimpleNamespace(month=data.month, bottom_n=data.bottom_n, language=language)


def _shown(objs) -> str:
    return "\n".join(str(getattr(o, "data", "")) for o in objs)


def test_section_shows_every_reason_its_numbers_clause_and_summons():
    from airlib.report import sections

    data = _data()
    out = _shown(sections.warnings(_request(data), data))
    assert len(data.reasons) == 4  # bottom 3 (W1) and one rise (W2: +20 %, 60 µg/m³)
    for _, r in data.reasons.iterrows():
        assert html_text(r["detail"]) in out
    assert "PM2.5月均浓度60 µg/m³，去年同期50 µg/m³，同比上升20.0%" in out
    assert "门大气办〔2017〕4号 （十六）实施严格考核问责制度" in out
    assert "约谈候选" in out and "连续3个月浓度排名后3名（2017-10、2017-11、2017-12）" in out
    assert "表1 预警乡镇街道" in out and "表2 预警原因、具体数值及依据" in out
    assert "各乡镇街道预警月份（2017-10至2017-12" in out


def test_injection_in_town_names_is_escaped_everywhere():
    from airlib.report import sections

    data = _data()
    for lang in ("zh", "en"):
        out = _shown(sections.warnings(_request(data, lang), data))
        assert "<script>" not in out
        assert html_text(EVIL) in out  # the HTML tables
        assert markdown_text(EVIL) in C.warning_summary_markdown(data, lang)  # the checked sentence


def test_no_summons_candidate_gives_one_sentence():
    from airlib.report import sections

    data = _data()
    data.summons = data.summons.iloc[0:0]
    out = _shown(sections.warnings(_request(data), data))
    assert "本月无乡镇街道达到约谈条件。" in out and "表3 约谈候选" not in out


def test_warning_sentence_states_the_counts_and_is_checked():
    data = _data()
    s = warning_summary(data.reasons, data.summons, "zh")
    assert s.text.startswith("本月预警乡镇街道3个，共4条预警原因（浓度排名后3名：3个、PM2\\.5同比上升：1个）。")
    assert check_warning_summary(s, data.reasons, data.summons) == []
    wrong = WarningSummary(text=s.text.replace("3个，共4条", "2个，共4条"), language="zh", n_towns=2,
                           n_reasons=4, by_rule=s.by_rule, summoned=s.summoned)
    assert any("towns warned" in p for p in check_warning_summary(wrong, data.reasons, data.summons))
    with pytest.raises(AirlibError, match="warning summary does not agree"):
        require_true_warning_summary(wrong, data.reasons, data.summons)
    # a "none" sentence with warned towns is caught
    none = warning_summary(data.reasons.iloc[0:0], data.summons.iloc[0:0], "zh")
    assert none.text == "本月无预警乡镇街道。本月无乡镇街道达到约谈条件。"
    assert check_warning_summary(none, data.reasons, data.summons)
    assert check_warning_summary(none, data.reasons.iloc[0:0], data.summons.iloc[0:0]) == []


def test_english_sentence():
    data = _data()
    s = warning_summary(data.reasons, data.summons, "en")
    assert s.text.startswith("3 towns warned this month, 4 reasons in all (bottom 3 by PM2\\.5: 3, PM2\\.5 rose year on year: 1).")
    assert check_warning_summary(s, data.reasons, data.summons) == []


# --- the real path: prepare() on a short demo -----------------------------------------------------

@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    from airlib.demo.generator import write_demo
    from airlib.demo.ledgers import write_demo_ledgers
    from airlib.demo.main_job import ingest_demo

    home = tmp_path_factory.mktemp("airlib_home")
    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end="2017-12")
    ingest_demo(raw, home / "data" / "processed")
    write_demo_ledgers(raw / "ledgers")
    return home


@pytest.mark.slow
def test_prepare_reasons_agree_with_the_ranking_and_history_is_reproducible(demo_home, tmp_path):
    from airlib.report import prepare
    from airlib.report.request import ReportRequest

    data = prepare(ReportRequest.build("门头沟区", "2017-12", project_root=demo_home, output_dir=tmp_path / "a"))
    assert data.history.months == ("2017-07", "2017-08", "2017-09", "2017-10", "2017-11", "2017-12")
    ranking = data.ranking.set_index("town_code")
    w1 = data.reasons[data.reasons["rule_id"] == "W1"]
    assert set(w1["town_code"]) == set(bottom_n(data.ranking, 3)["town_code"])
    for _, r in w1.iterrows():
        row = ranking.loc[r["town_code"]]
        assert f"PM2.5月均浓度{row['pm25']:.0f} µg/m³" in r["detail"] and f"排名第{int(row['rank'])}" in r["detail"]
    over = data.reasons[data.reasons["rule_id"] == "W4"]
    od = pd.concat([p.overdue for p in data.progress]).groupby("town_code").size()
    assert dict(zip(over["town_code"], over["value"].astype(int), strict=True)) == od.to_dict()
    assert set(data.warnings["town_code"]) == set(data.reasons["town_code"])
    # the November rows of December's history are November's own report
    nov = prepare(ReportRequest.build("门头沟区", "2017-11", project_root=demo_home, output_dir=tmp_path / "b"))
    pd.testing.assert_frame_equal(
        data.history.reasons[data.history.reasons["month"] == "2017-11"].reset_index(drop=True), nov.reasons)
    # every 约谈 candidate's months are in the history and the candidate was warned in each
    for _, s in data.summons.iterrows():
        for m in s["months"].split("、"):
            assert m in data.history.months
            assert ((data.history.reasons["month"] == m) & (data.history.reasons["town_code"] == s["town_code"])).any()
    assert "warning_rules.yaml" in " ".join(data.inputs["file"])  # listed in the run record


@pytest.mark.slow
def test_a_missing_or_broken_rule_file_stops_the_request(demo_home, tmp_path, monkeypatch):
    from airlib.errors import InputDataError
    from airlib.report.request import ReportRequest

    conf = tmp_path / "districts.yaml"
    conf.write_text("districts:\n  - name: 门头沟区\n    warning_rules: data/raw/rules/none.yaml\n", encoding="utf-8")
    monkeypatch.setenv("AIRLIB_DISTRICTS", str(conf))
    with pytest.raises(InputDataError, match=r"warning rule file not found.*none\.yaml|none\.yaml.*warning rule file not found"):
        ReportRequest.build("门头沟区", "2017-12", project_root=demo_home, output_dir=tmp_path / "a")
    bad = demo_home / "data" / "raw" / "rules" / "bad.yaml"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("district: 门头沟区\nrules:\n  - {id: W1, kind: bottom_rank, n: -2, label: x}\n", encoding="utf-8")
    conf.write_text("districts:\n  - name: 门头沟区\n    warning_rules: data/raw/rules/bad.yaml\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"bad\.yaml.*rules\[0\]\.n \(id W1\)"):
        ReportRequest.build("门头沟区", "2017-12", project_root=demo_home, output_dir=tmp_path / "b")
    bad.unlink()


@pytest.mark.slow
def test_the_reports_bottom_n_is_the_bottom_rank_rules_n(demo_home, tmp_path):
    from airlib.report import prepare
    from airlib.report.request import ReportRequest

    data = prepare(ReportRequest.build("门头沟区", "2017-12", project_root=demo_home, output_dir=tmp_path / "a",
                                       bottom_n=5))
    w1 = data.reasons[data.reasons["kind"] == "bottom_rank"]
    assert set(w1["town_code"]) == set(data.bottom["town_code"]) == set(bottom_n(data.ranking, 5)["town_code"])
    assert set(w1["label"]) == {"浓度排名后5名"} and (w1["threshold"] == 5).all()
    assert "W1 浓度排名后5名" in C.warning_rule_markdown(data)


def test_with_bottom_n_zero_finds_nobody():
    rules = load_warning_rules().with_bottom_n(0)
    data = _data()
    r = warning_reasons(rules, data.ranking, None, None, data.month)
    assert set(r["kind"]) == {"yoy_worsening"}
    with pytest.raises(ValueError):
        load_warning_rules().with_bottom_n(-1)


def test_english_reasons_say_the_numbers_in_english():
    data = _data()
    shown = C.warning_reasons_display(data, "en")
    assert list(shown.columns) == ["Town", "Reason", "Details", "Basis"]
    details = dict(zip(data.reasons["rule_id"] + data.reasons["town_code"], shown["Details"], strict=True))
    assert details["W1" + CODES[1]] == "1 from the bottom (bottom 3)"
    assert details["W2" + CODES[1]] == "YoY +20.0 % (threshold 0 %)"
    s = C.summons_display(data, "en")
    assert list(s.columns) == ["Town", "Rules", "Months"]
