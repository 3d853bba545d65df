"""airlib.analysis.case_study: dataset loading and monthly key numbers of the trends notebook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.case_study import monthly_key_numbers, valid_monthly
from airlib.demo.datasets import CaseStudyData, load_case_study_data
from airlib.errors import InputDataError
from airlib.paths import shared_data_dir


def daily_frame():
    """Two stations, Jan–Feb 2017: a has 27 valid January days and 24 valid February days."""
    dates = pd.date_range("2017-01-01", "2017-02-28", freq="D")
    rows = []
    for st in ("a", "b"):
        for d in dates:
            valid = not (st == "a" and ((d.month == 1 and d.day > 27) or (d.month == 2 and d.day > 24)))
            rows.append((st, d, float(d.day) if valid else np.nan, 24 if valid else 5, valid))
    return pd.DataFrame(rows, columns=["station", "date", "pm25", "pm25_n", "pm25_valid"])


def test_valid_monthly_applies_27_and_25_day_rules():
    m = valid_monthly(daily_frame())
    a = m[m["station"] == "a"].set_index("month")
    assert a.loc["2017-01-01", "pm25_valid"] and a.loc["2017-01-01", "pm25"] == pytest.approx(np.mean(range(1, 28)))
    assert not a.loc["2017-02-01", "pm25_valid"] and np.isnan(a.loc["2017-02-01", "pm25"])  # 24 < 25
    with pytest.raises(InputDataError):
        valid_monthly(daily_frame().drop(columns=["pm25_valid"]))


def test_monthly_key_numbers():
    k = monthly_key_numbers(valid_monthly(daily_frame()))
    assert k["n_valid_months"] == {"a": 1, "b": 2}
    first = k["monthly_mean_first_station"]
    assert first["station"] == "a" and first["values"][0] == pytest.approx(14.0) and first["values"][1] is None
    with pytest.raises(InputDataError):
        monthly_key_numbers(valid_monthly(daily_frame()).iloc[0:0])


def test_unknown_dataset():
    with pytest.raises(ValueError, match="uci"):
        load_case_study_data("beijing")


def test_demo_dataset_has_ledger_and_qc_applied():
    d = load_case_study_data("demo", demo_end="2017-03")
    assert isinstance(d, CaseStudyData) and d.dataset == "demo"
    assert d.ledger is not None and {"task_id", "town", "cumulative", "target"} <= set(d.ledger.columns)
    assert d.hourly["time"].max() < pd.Timestamp("2017-04-01")
    assert not (d.hourly["pm25"] < 0).any()  # QC: negatives/sentinels → NaN
    assert set(d.station_names) == set(d.stations["station"])
    assert set(d.hourly["station"]) <= set(d.station_names)
    assert "个站点" in d.describe_zh()


def test_uci_dataset_has_no_ledger():
    uci = shared_data_dir() / "uci-beijing-multisite"
    if not uci.exists():
        pytest.skip(f"real data not found at {uci}")
    d = load_case_study_data("uci", uci)
    assert d.ledger is None and d.hourly["station"].nunique() == 12
    assert len(d.town_names) > 100 and len(d.district_names) == 16


def test_save_case_figure_names_file_by_dataset_and_closes(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.analysis.case_study import save_case_figure

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    p = save_case_figure(fig, tmp_path / "figs", "trend_slopes", "demo")
    assert p == tmp_path / "figs" / "trend_slopes_demo.png" and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)
    assert [f.name for f in (tmp_path / "figs").iterdir()] == ["trend_slopes_demo.png"]  # no temp file left
    with pytest.raises(ValueError):
        save_case_figure(plt.figure(), tmp_path, "../x", "demo")
    plt.close("all")
