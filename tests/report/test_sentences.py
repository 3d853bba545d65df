"""The ranking summary says only what the ranking table shows (issue #12, item 3).

Tables are built with the library's own ranking (:func:`airlib.tracking.ranking.ranking_table`),
then the sentence is compared with hand-written expectations and checked against the table by
:func:`airlib.report.sentences.check_ranking_summary`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.report.sentences import (
    check_ranking_summary,
    format_change,
    ranking_summary,
    require_true_summary,
)
from airlib.tracking.ranking import ranking_table

NAMES = ["大峪街道", "城子街道", "东辛房街道", "潭柘寺镇", "永定镇"]


def _table(cur, last=None, year=2018):
    idx = [f"11010900{i + 1}" for i in range(len(cur))]
    c = pd.Series(cur, index=idx, dtype="float64")
    ly = None if last is None else pd.Series(last, index=idx, dtype="float64")
    return ranking_table(c, ly, year=year, names=pd.Series(NAMES[: len(cur)], index=idx))


def _summary(table, month="2018-06", language="zh"):
    s = ranking_summary(table, pd.Period(month, "M"), language)
    assert check_ranking_summary(s, table) == [], s.text
    return s


def test_all_towns_worsen_never_says_improved():
    # the 2024-06 headline bug: every town worse, yet "改善最大的是潭柘寺镇（+35.0%）"
    t = _table([40, 45, 50, 54, 60], [36, 40, 40, 40, 50])
    s = _summary(t)
    assert "改善" not in s.text
    assert s.yoy.n_worsened == 5 and s.yoy.n_improved == 0
    assert "5个乡镇街道均上升" in s.text
    assert "上升最多的是潭柘寺镇（+35.0%）" in s.text
    assert "上升最少的是大峪街道（+11.1%）" in s.text  # improvement rank 1 is the smallest rise
    en = _summary(t, language="en")
    assert "improved" not in en.text and "all 5 towns rose" in en.text and "largest rise: 潭柘寺镇 (+35.0%)" in en.text


def test_all_towns_improve():
    t = _table([30, 32, 35, 38], [40, 40, 40, 40])
    s = _summary(t)
    assert "4个乡镇街道均改善" in s.text and "改善最多的是大峪街道（-25.0%）" in s.text
    assert "上升" not in s.text and "持平" not in s.text and "并列" not in s.text


def test_mixed_counts_and_unchanged():
    t = _table([30, 40, 50], [40, 40, 40])
    s = _summary(t)
    assert "3个乡镇街道中1个改善、1个上升、1个持平" in s.text
    assert "改善最多的是大峪街道（-25.0%）" in s.text and "上升最多的是东辛房街道（+25.0%）" in s.text
    assert format_change(0.0) == "0.0" and format_change(-0.04) == "-0.0" and format_change(2.0) == "+2.0"
    same = _table([40, 41], [40, 41])
    assert "2个乡镇街道均持平" in _summary(same).text


def test_ties_at_first_and_last_place():
    t = _table([30, 30, 40, 50, 50], [40, 40, 40, 40, 40])
    s = _summary(t)
    assert set(s.best) == {"大峪街道", "城子街道"} and set(s.worst) == {"潭柘寺镇", "永定镇"}
    assert "浓度最低的是大峪街道、城子街道（并列第1名）" in s.text
    assert "最高的是潭柘寺镇、永定镇（并列第4名）" in s.text
    # the largest fall and the largest rise are shared too
    assert "改善最多的是大峪街道、城子街道（并列，-25.0%）" in s.text
    assert "上升最多的是潭柘寺镇、永定镇（并列，+25.0%）" in s.text
    en = _summary(t, language="en")
    assert "Cleanest: 大峪街道, 城子街道 (tied for rank 1)" in en.text


def test_all_towns_tied():
    s = _summary(_table([35, 35, 35]))
    assert s.text == "2018年6月，3个乡镇街道PM2.5月均浓度均为35微克/立方米，并列第1名。"


def test_towns_without_data_are_counted_and_named():
    t = _table([30, np.nan, 40, np.nan], [40, 40, np.nan, 40])
    s = _summary(t)
    assert s.n_valid == 2 and set(s.missing) == {"城子街道", "潭柘寺镇"}
    assert "2个乡镇街道无有效月均值，不参与排名：城子街道、潭柘寺镇。" in s.text
    en = _summary(_table([30, np.nan, 40], [40, 40, 40]), language="en")
    assert "Not ranked, without a valid monthly mean (1): 城子街道." in en.text
    # only 大峪 has both years: one town compared, and said so without "均"
    assert "与上年同期相比，大峪街道改善（-25.0%）。" in s.text
    t2 = _table([30, 45, 40, np.nan], [40, 40, np.nan, 40])
    assert "有同比数据的2个乡镇街道中1个改善、1个上升" in _summary(t2).text


def test_single_town():
    s = _summary(_table([42], [40]))
    assert s.text.startswith("2018年6月，仅大峪街道有有效PM2.5月均浓度（42微克/立方米）。")
    assert "与上年同期相比，大峪街道上升（+5.0%）。" in s.text


def test_every_value_missing():
    t = _table([np.nan, np.nan], [40, 40])
    s = _summary(t)
    assert s.n_valid == 0 and s.text == "本月无乡镇街道有有效月均值，不排名。"
    s = _summary(_table([30, 40], [np.nan, np.nan]))
    assert "各乡镇街道均无可比的上年同期有效数据，不作同比比较。" in s.text and "改善" not in s.text


def test_values_at_the_precision_of_the_month():
    t = _table([30.04, 41.26], [40.0, 40.0], year=2024)
    s = _summary(t, month="2024-06")
    assert "30.0～41.3微克/立方米" in s.text  # 2024: one decimal, 30.0 not 30
    s = _summary(_table([30.4, 41.6], year=2023), month="2023-06")
    assert "30～42微克/立方米" in s.text


def test_town_names_are_escaped():
    idx = ["110109001", "110109002"]
    t = ranking_table(pd.Series([30.0, 40.0], index=idx), year=2018,
                      names=pd.Series(["**粗体**镇", "[链接](javascript:x)"], index=idx))
    s = _summary(t)
    assert "**粗体**" not in s.text and r"\*\*粗体\*\*镇" in s.text


def test_checker_finds_false_sentences():
    t = _table([40, 45, 50, 54, 60], [36, 40, 40, 40, 50])
    good = ranking_summary(t, pd.Period("2024-06", "M"))
    # the old headline: "improved most" in a month where every town worsened
    bad = dataclasses.replace(good, text=good.text + "同比改善最大的是潭柘寺镇（+35.0%）。")
    assert any("改善" in p for p in check_ranking_summary(bad, t))
    with pytest.raises(AirlibError, match="does not agree with the ranking table"):
        require_true_summary(bad, t)
    # wrong facts: a missing tie, a wrong count, a town not named
    ties = _table([30, 30, 40], [40, 40, 40])
    s = ranking_summary(ties, pd.Period("2018-06", "M"))
    assert check_ranking_summary(dataclasses.replace(s, best=("大峪街道",)), ties)
    assert check_ranking_summary(dataclasses.replace(s, text=s.text.replace("并列", "")), ties)
    assert check_ranking_summary(dataclasses.replace(s, n_valid=2), ties)
    assert check_ranking_summary(dataclasses.replace(s, text=s.text.replace("东辛房街道", "某镇")), ties)
    # a summary of another table
    assert check_ranking_summary(good, ties)
