"""SYNTHETIC city tables (全市各区数据表) for the demo district, one CSV per month.

The municipal bureau's monthly table of all districts is an input the user drops in
(docs/report.md, "City table"); the demo writes a made-up one so that the demo report shows
its section. Every file starts with a title row saying the data are synthetic. The demo
district's PM2.5 is its monthly mean from the demo's own hourly data (station daily means with
≥ 20 valid hours, GB 3095, averaged over stations and days); the other districts' values are
drawn around it from a seeded generator. Values are rounded to the published precision of the
month; the year to date and year-on-year changes follow from the drawn monthly values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from airlib.files import atomic_write_bytes
from airlib.io.ingest.registries import BEIJING_DISTRICTS
from airlib.standards.ranking_rules import yoy_percent
from airlib.standards.rounding import published_precision, round_gbt8170

__all__ = ["CITY_TITLE", "city_tables", "write_demo_city_tables"]

#: First row of every demo city table.
CITY_TITLE: Final[str] = "合成演示数据（SYNTHETIC），非北京市生态环境局发布 / synthetic demo data, not published by the bureau"


def _district_monthly_pm25(hourly: pd.DataFrame) -> pd.Series:
    """Monthly PM2.5 of the demo district [µg/m³] by month (Period), from the hourly frame."""
    from airlib.standards.validity import daily_statistics

    h = hourly[["station", "time", "pm25"]].copy()
    h["pm25"] = h["pm25"].where(h["pm25"] >= 0)  # sentinels and negatives are not values
    daily = daily_statistics(h, pollutants=("pm25",))
    per_day = daily.groupby("date")["pm25"].mean()
    return per_day.groupby(per_day.index.to_period("M")).mean()


def city_tables(hourly: pd.DataFrame, district: str, seed: int) -> dict[pd.Period, pd.DataFrame]:
    """The synthetic city table of every month of ``hourly`` from its second year on.

    Parameters
    ----------
    hourly : DataFrame
        The demo's hourly frame (:func:`airlib.demo.generator.generate_hourly`).
    district : str
        The demo district's name (one of the 16 districts).
    seed : int
        Seed of the other districts' draws.

    Returns
    -------
    dict of Period to DataFrame
        Columns 区, PM2.5(µg/m³), 同比(%), 累计PM2.5(µg/m³), 累计同比(%) (file order = code order).
    """
    own = _district_monthly_pm25(hourly)
    names = list(BEIJING_DISTRICTS.values())
    k = names.index(district)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 2])))
    # district factors (city-centre districts dirtier) and month noise, both log-normal
    factors = np.exp(rng.normal(0.0, 0.15, len(names)))
    factors[k] = 1.0
    months = own.index
    values = own.to_numpy()[:, None] * factors[None, :] * np.exp(rng.normal(0.0, 0.08, (len(months), len(names))))
    values[:, k] = own.to_numpy()
    frame = pd.DataFrame(values, index=months, columns=names)
    out: dict[pd.Period, pd.DataFrame] = {}
    for m in months:
        last = m - 12
        if last not in frame.index or pd.Period(year=m.year - 1, month=1, freq="M") not in frame.index:
            continue
        d = published_precision("pm25", m)
        d_last = published_precision("pm25", last)
        cur = round_gbt8170(frame.loc[m].to_numpy(), d)
        prev = round_gbt8170(frame.loc[last].to_numpy(), d_last)
        this_year = frame.loc[pd.Period(year=m.year, month=1, freq="M"):m]
        last_year = frame.loc[pd.Period(year=m.year - 1, month=1, freq="M"):last]
        ytd = round_gbt8170(this_year.mean().to_numpy(), d)
        ytd_last = round_gbt8170(last_year.mean().to_numpy(), d_last)
        out[m] = pd.DataFrame({
            "区": names, "PM2.5(µg/m³)": cur, "同比(%)": yoy_percent(cur, prev).to_numpy(),
            "累计PM2.5(µg/m³)": ytd, "累计同比(%)": yoy_percent(ytd, ytd_last).to_numpy(),
        })
        out[m].attrs["decimals"] = d
    return out


def write_demo_city_tables(folder: str | os.PathLike[str], hourly: pd.DataFrame, district: str,
                           seed: int) -> list[Path]:
    """Write ``city_YYYY-MM.csv`` (UTF-8, title row first) for every month of
    :func:`city_tables` into ``folder`` atomically; older ``city_*.csv`` not written now are removed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for m, t in city_tables(hourly, district, seed).items():
        body = _csv(t, t.attrs["decimals"])
        p = folder / f"city_{m}.csv"
        atomic_write_bytes(p, (CITY_TITLE + "\n" + body).encode("utf-8"))
        written.append(p)
    keep = {p.name for p in written}
    for old in folder.glob("city_*.csv"):
        if old.name not in keep:
            old.unlink()
    return written


def _csv(t: pd.DataFrame, decimals: int) -> str:
    """CSV text with concentrations at ``decimals``, changes at one decimal, "—" where missing."""
    cols = {}
    for c in t.columns:
        if c == "区":
            cols[c] = t[c].astype(str)
        else:
            d = 1 if "同比" in c else decimals
            cols[c] = pd.Series([("—" if np.isnan(v) else f"{v:.{d}f}") for v in t[c].to_numpy(dtype=float)])
    return pd.DataFrame(cols).to_csv(index=False, lineterminator="\n")
