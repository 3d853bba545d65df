"""airlib.demo.forecasts: SYNTHETIC forecasts derived from an observed daily AQI series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from airlib.demo.forecasts import FORECAST_TITLE, demo_forecasts
from airlib.io.forecasts import read_forecasts
from airlib.tracking.forecasts import verify_forecasts


def _observed(days: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    aqi = np.clip(np.exp(rng.normal(4.4, 0.6, days)), 15, 450).round()
    obs = pd.DataFrame({"date": pd.date_range("2025-01-01", periods=days, freq="D"),
                        "aqi": pd.array(aqi.astype(int), dtype="Int64")})
    obs.loc[10, "aqi"] = pd.NA  # a day without a valid AQI
    return obs


def test_forecasts_are_seeded_readable_and_lose_skill_with_lead(tmp_path) -> None:
    obs = _observed()
    table = demo_forecasts(obs, "门头沟区", seed=7)
    pd.testing.assert_frame_equal(table, demo_forecasts(obs, "门头沟区", seed=7))
    assert not table.equals(demo_forecasts(obs, "门头沟区", seed=8))
    assert len(table) == 3 * len(obs)  # every day issues leads 1–3, the last ones beyond the data
    path = tmp_path / "forecasts.csv"
    path.write_text(FORECAST_TITLE + "\n" + table.to_csv(index=False), encoding="utf-8")
    f = read_forecasts(path)  # the SYNTHETIC title row is skipped; categories agree with ranges
    assert f["row"].iloc[0] == 3 and set(f["lead_days"]) == {1, 2, 3}
    v = verify_forecasts(f, obs, by=("lead_days",)).set_index("lead_days")
    assert v.loc[1, "hit_rate"] > v.loc[2, "hit_rate"] > v.loc[3, "hit_rate"] > 0.4
    assert v.loc[1, "mae"] < v.loc[2, "mae"] < v.loc[3, "mae"]
    assert v.loc[1, "n"] - v.loc[1, "n_verified"] == 2  # the missing day and the day after the data
