"""airlib.periods: the one month vocabulary (parse, last complete month, bounds, dates)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.periods import (
    beijing_today,
    check_complete_month,
    last_complete_month,
    month_end,
    month_end_time,
    month_start,
    months_between,
    parse_month,
    to_datetimes,
)

M = pd.Period("2018-01", freq="M")


@pytest.mark.parametrize("value", ["2018-01", "2018-1", " 2018-01 ", pd.Period("2018-01", "M"),
                                   pd.Period("2018-01-31", "D"), pd.Timestamp("2018-01-31 23:00"),
                                   dt.date(2018, 1, 1), dt.datetime(2018, 1, 15, 8), np.datetime64("2018-01-20")])
def test_parse_month_accepts_the_documented_forms(value):
    p = parse_month(value)
    assert p == M and p.freqstr == "M"


@pytest.mark.parametrize("value", ["2018", "2018-13", "2018-00", "2018-01-15", "18-01", "", "一月", None, 201801,
                                   pd.NaT, pd.Period("NaT", "M"), 3.5])
def test_parse_month_refuses_anything_else_naming_the_value(value):
    with pytest.raises(InputDataError) as e:
        parse_month(value, "--month")
    assert "--month" in str(e.value) and "YYYY-MM" in str(e.value)


def test_last_complete_month_uses_the_beijing_date():
    # 2026-02-28 17:00 UTC is 2026-03-01 01:00 in Beijing: February has ended there
    assert beijing_today(dt.datetime(2026, 2, 28, 17, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)
    assert beijing_today(dt.datetime(2026, 2, 28, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 2, 28)
    assert last_complete_month(dt.date(2026, 3, 1)) == pd.Period("2026-02", "M")
    assert last_complete_month(dt.date(2026, 2, 28)) == pd.Period("2026-01", "M")
    assert last_complete_month(dt.date(2026, 1, 1)) == pd.Period("2025-12", "M")
    assert last_complete_month() == pd.Period(beijing_today(), "M") - 1


def test_check_complete_month_refuses_current_and_future_months():
    today = dt.date(2026, 3, 15)
    assert check_complete_month(None, today) == pd.Period("2026-02", "M")
    assert check_complete_month("2026-02", today) == pd.Period("2026-02", "M")
    with pytest.raises(InputDataError, match="not complete yet.*2026-02"):
        check_complete_month("2026-03", today)
    with pytest.raises(InputDataError, match="in the future"):
        check_complete_month("2026-04", today)


def test_month_bounds_and_leap_february():
    assert month_start("2024-02") == pd.Timestamp("2024-02-01")
    assert month_end("2024-02") == pd.Timestamp("2024-02-29")
    assert month_end("2023-02") == pd.Timestamp("2023-02-28")
    assert month_end(pd.Timestamp("2018-12-05")) == pd.Timestamp("2018-12-31")
    assert month_end_time("2018-12") == pd.Timestamp("2018-12-31 23:00")
    with pytest.raises(InputDataError):
        month_end("2018-02-31")


def test_months_between_inclusive_and_across_years():
    assert list(months_between("2017-11", "2018-02").astype(str)) == ["2017-11", "2017-12", "2018-01", "2018-02"]
    assert len(months_between("2018-02", "2018-02")) == 1
    assert len(months_between("2018-03", "2018-02")) == 0


def test_to_datetimes_reads_text_periods_and_names_the_column():
    s = to_datetimes(pd.Series(["2026-03-01", "2026-02-28 23:00"], index=[5, 6]))
    assert s.index.tolist() == [5, 6] and s.iloc[0] == pd.Timestamp("2026-03-01")
    assert to_datetimes(pd.Series(pd.period_range("2026-02", periods=2, freq="M"))).tolist() == [
        pd.Timestamp("2026-02-01"), pd.Timestamp("2026-03-01")]
    with pytest.raises(InputDataError) as e:
        to_datetimes(["2026-03-01", "not a date"], column="when")
    assert e.value.column == "when"
    with pytest.raises(InputDataError, match="no date here"):
        to_datetimes(["2026-03-01", None], missing="no date here")


def test_callers_use_the_one_parser():
    """The former parsers (plans, summary, demo, validity, ledgers, targets) now refuse and
    accept the same months."""
    from airlib.demo.generator import _parse_end
    from airlib.io.plans import PlanPeriod
    from airlib.standards.validity import _month_bound

    assert PlanPeriod(start="2017-1", end=dt.date(2018, 3, 5)).end_date == pd.Timestamp("2018-03-31")
    with pytest.raises(ValueError, match="YYYY-MM"):
        PlanPeriod(start="2017-13", end="2018-03")
    with pytest.raises(InputDataError, match="end month"):
        _parse_end("2018-13")
    assert _month_bound("2016-1", "start", False) == np.datetime64("2016-01")
    with pytest.raises(InputDataError, match="start"):
        _month_bound(pd.Period("NaT", "M"), "start", False)
