"""Words of the report (issue #12, item 3): values at the precision they were published with,
tables and figures numbered continuously, no code or module names in what the reader sees."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.report.content import (
    MONTH_TABLE_COLUMNS,
    YTD_TABLE_COLUMNS,
    display_table,
    targets_display,
    value_decimals,
)
from airlib.tracking.ranking import ranking_table

IDX = ["110109001", "110109002", "110109003"]
NAMES = pd.Series(["大峪街道", "城子街道", "东辛房街道"], index=IDX)


def _s(values):
    return pd.Series(values, index=IDX, dtype="float64")


# ---- precision by date -------------------------------------------------------------------------

def test_value_decimals_follow_the_date_of_each_value():
    assert value_decimals("pm25", "2024-01") == 1 and value_decimals("pm25_last_year", "2024-01") == 0
    assert value_decimals("ytd", "2024-06") == 1 and value_decimals("ytd_last_year", "2024-06") == 0
    assert value_decimals("pm25", "2023-12") == 0 and value_decimals("pm25_last_year", "2025-03") == 1


def test_2024_report_prints_last_years_integers_as_integers():
    t = ranking_table(_s([17.46, 30.04, np.nan]), _s([18.2, 29.6, 40.0]), year=2024, names=NAMES,
                      ytd=_s([20.0, 31.25, np.nan]), ytd_last_year=_s([21.4, 33.5, 40.0]))
    zh = display_table(t, MONTH_TABLE_COLUMNS, "zh", pd.Period("2024-06", "M")).set_index("乡镇街道")
    assert zh.loc["大峪街道", "PM2.5月均浓度(µg/m³)"] == "17.5"  # GB/T 8170 at one decimal
    assert zh.loc["城子街道", "PM2.5月均浓度(µg/m³)"] == "30.0"  # 2024: a trailing zero is printed
    assert zh.loc["大峪街道", "去年同期(µg/m³)"] == "18"  # 2023: integers, never "18.0"
    assert zh.loc["城子街道", "去年同期(µg/m³)"] == "30"
    assert zh.loc["东辛房街道", "PM2.5月均浓度(µg/m³)"] == "—"
    ytd = display_table(t, YTD_TABLE_COLUMNS, "zh", "2024-06").set_index("乡镇街道")
    assert ytd.loc["城子街道", "累计浓度(µg/m³)"] == "31.2" and ytd.loc["城子街道", "去年同期累计(µg/m³)"] == "34"
    # a 2025 report: both years at one decimal
    t25 = ranking_table(_s([17.46, 30.0, 9.0]), _s([18.2, 29.6, 10.0]), year=2025, names=NAMES)
    zh25 = display_table(t25, MONTH_TABLE_COLUMNS, "zh", "2025-06").set_index("乡镇街道")
    assert zh25.loc["大峪街道", "去年同期(µg/m³)"] == "18.2" and zh25.loc["东辛房街道", "PM2.5月均浓度(µg/m³)"] == "9.0"
    # 2023 report: integers both years
    t23 = ranking_table(_s([17.46, 30.0, 9.0]), _s([18.2, 29.6, 10.0]), year=2023, names=NAMES)
    zh23 = display_table(t23, MONTH_TABLE_COLUMNS, "zh", "2023-06").set_index("乡镇街道")
    assert zh23.loc["大峪街道", "PM2.5月均浓度(µg/m³)"] == "17" and zh23.loc["大峪街道", "去年同期(µg/m³)"] == "18"


def test_display_table_needs_the_month_for_concentrations():
    t = ranking_table(_s([17.0, 30.0, 9.0]), year=2018, names=NAMES)
    with pytest.raises(AirlibError, match="needs the report month"):
        display_table(t, MONTH_TABLE_COLUMNS, "zh")
    with pytest.raises(AirlibError, match="not 1"):
        display_table(t, MONTH_TABLE_COLUMNS, "zh", 1)  # type: ignore[arg-type]
    assert display_table(t, ("town_name", "rank"), "zh").shape == (3, 2)  # no concentration: no month needed


def test_targets_print_measured_means_at_their_precision():
    row = dict(target_id="T1", kind="reduction_vs_last_year", kind_label="同比下降", target_value=5.0,
               current=30.25, comparison=32.5, change_pct=-6.9, target_level=30.875, status="达标",
               allowance=np.nan, outlook=None)
    t24 = pd.DataFrame([dict(row, start="2024-01-01", end="2024-12-31")])
    out = targets_display(SimpleNamespace(targets=t24)).iloc[0].tolist()
    assert out[2:6] == ["30.2", "32", "-6.9", "30.9"]  # 30.25 -> 30.2 (GB/T 8170); 2023: 32.5 -> 32
    t18 = pd.DataFrame([dict(row, start="2018-01-01", end="2018-12-31")])
    assert targets_display(SimpleNamespace(targets=t18)).iloc[0].tolist()[2:4] == ["30", "32"]


# ---- numbering -----------------------------------------------------------------------------------

def test_numbering_hands_out_numbers_in_order_and_keeps_them():
    from airlib.report.numbering import Numbering

    n = Numbering()
    assert [n.table("ranking"), n.table("ytd"), n.table("progress")] == [1, 2, 3]  # no warnings: no gap
    assert n.table("ytd") == 2 and n.table("targets") == 4  # asking again keeps the number
    assert [n.figure("ranking_bar"), n.figure("trend"), n.figure("ranking_bar")] == [1, 2, 1]
    assert list(n.tables.values()) == [1, 2, 3, 4]


def test_captions_carry_no_fixed_number_and_no_code_names():
    import re

    from airlib.report.texts import TEXT

    for lang, entries in TEXT.items():
        for key, template in entries.items():
            # numbers come from {no}; "{standard} 表4" cites a table of the standard, not of the report
            assert not re.search(r"(?<!\{standard\} )(表|图)\d|(Table |Figure )\d", template), (lang, key)
            assert "airlib" not in template and ".py" not in template, (lang, key)
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", re.sub(r"\{[^}]*\}", "", template)), (lang, key)
            if key.startswith(("table_", "figure_")):
                assert "{no}" in template, (lang, key)


def test_run_record_shows_parameter_labels_not_names():
    from airlib.report.content import record_html

    record = {"parameters": {"district": "门头沟区", "month": "2017-12", "language": "zh", "bottom_n": 3,
                             "data_dir": "data/processed/demo"},
              "inputs": [{"file": "data/raw/plans/p.yaml", "bytes": 10, "sha256": "ab" * 32}],
              "inputs_sha256": "cd" * 32, "versions": {"pandas": "3", "airlib": "0.1"}}
    html = record_html(record, "门头沟区_2017-12_运行记录.json", "zh")
    for name in ("bottom_n", "data_dir", "output_dir", "excel_name"):
        assert name not in html  # parameters by their labels, never by their names in the code
    assert "后N名 3" in html and "门头沟区_2017-12_运行记录.json" in html
