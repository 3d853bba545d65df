"""Figures of the monthly report (matplotlib, Chinese fonts): district trend, town ranking
bars, PM2.5 against the district targets; :func:`show_figure` saves the PNG that the PDF shows.

Every user-supplied text drawn on a figure is escaped (:func:`airlib.escaping.mpl_text`).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from airlib.escaping import mpl_text
from airlib.report.data import ReportData
from airlib.report.texts import display_value, text
from airlib.standards.rounding import published_precision

__all__ = ["ranking_bar_figure", "show_figure", "target_figure", "trend_figure"]


def trend_figure(data: ReportData, language: str = "zh"):
    """District monthly PM2.5: the last 12 months against the same months a year earlier."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    dm = data.district_monthly.copy()
    dm["period"] = dm["month"].dt.to_period("M")
    months = pd.period_range(data.month - 11, data.month, freq="M")
    cur = dm.set_index("period")["pm25"].reindex(months)
    prev = dm.set_index("period")["pm25"].reindex(months - 12)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(months))
    zh = language == "zh"
    ax.bar(x - 0.2, prev.to_numpy(dtype=float), width=0.4, color="#9ecae1",
           label=text("fig_same_month_last_year", language))
    ax.bar(x + 0.2, cur.to_numpy(dtype=float), width=0.4, color="#08519c",
           label=text("fig_this_year", language))
    ax.axhline(35, color="#d62728", ls="--", lw=1)
    ax.text(-0.5, 35, text("fig_grade2_annual", language), color="#d62728", ha="left",
            va="bottom", fontsize=8, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_xticks(x, [f"{m.year % 100:02d}/{m.month}" if zh else str(m) for m in months],
                  fontsize=8, rotation=0 if zh else 45)
    ax.set_ylabel("PM2.5 (µg/m³)")
    name = mpl_text(data.config.name)
    ax.set_title(text("fig_trend_title", language, district=name))
    ax.legend(fontsize=8, loc="upper left")
    if data.config.synthetic:
        ax.text(0.99, 0.98, text("synthetic_short", language), transform=ax.transAxes,
                ha="right", va="top", fontsize=8, color="#b00000")
    fig.tight_layout()
    return fig


def ranking_bar_figure(data: ReportData, language: str = "zh"):
    """Horizontal bars of the month's PM2.5 by town, bottom N in red, invalid units marked."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    t = data.ranking
    names = (t["town_name"] if "town_name" in t else t["town_code"]).map(mpl_text)
    vals = t["pm25"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    bottom_codes = set(data.bottom["town_code"])
    colors = ["#d62728" if c in bottom_codes else "#4c72b0" for c in t["town_code"]]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(t) + 1.2))
    y = np.arange(len(t))[::-1]
    ax.barh(y, np.nan_to_num(vals), color=colors)
    d = published_precision("pm25", data.month)  # the values are at published precision: print them so
    for yi, v, r in zip(y, vals, t["rank"], strict=True):
        label = (text("no_valid_data", language) if np.isnan(v)
                 else text("fig_bar_label", language, value=f"{v:.{d}f}", rank=int(r)))
        ax.text(0 if np.isnan(v) else v, yi, " " + label, va="center", fontsize=8)
    ax.set_yticks(y, names.tolist(), fontsize=8)
    ax.set_xlabel("PM2.5 (µg/m³)")
    ax.set_title(text("fig_bar_title", language, year=data.month.year, month=data.month.month, n=data.bottom_n))
    xmax = np.nanmax(vals) if np.isfinite(vals).any() else 1.0
    ax.set_xlim(0, xmax * 1.3)
    fig.tight_layout()
    return fig


def target_figure(data: ReportData, language: str = "zh"):
    """Target period to date: cumulative district PM2.5 mean at each month end, against the
    target level and last year's cumulative mean (one panel per active target)."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    t = data.targets
    if t is None or t.empty:
        return None
    if "metric" in t:  # the PM2.5 targets (heavy-day targets have their own table)
        t = t[t["metric"] == "pm25_mean"]
        if t.empty:
            return None
    use_chinese_fonts()
    dd = data.district_daily
    dates = dd["date"].to_numpy()
    vals = pd.to_numeric(dd["pm25"], errors="coerce").to_numpy(dtype=float)
    fig, axes = plt.subplots(1, len(t), figsize=(8, 3.4), squeeze=False)

    def cum_mean(a: pd.Timestamp, b: pd.Timestamp) -> float:
        sel = (dates >= np.datetime64(a)) & (dates <= np.datetime64(b)) & ~np.isnan(vals)
        return float(vals[sel].mean()) if sel.any() else np.nan

    for ax, r in zip(axes[0], t.itertuples(index=False), strict=True):
        start = pd.Timestamp(r.start)
        months = pd.period_range(start.to_period("M"), pd.Timestamp(r.end).to_period("M"), freq="M")
        cur = [cum_mean(start, m.end_time.normalize()) for m in months]
        last = [cum_mean(start - pd.DateOffset(years=1), m.end_time.normalize() - pd.DateOffset(years=1)) for m in months]
        x = np.arange(len(months))
        ax.plot(x, cur, marker="o", color="#08519c", label=text("fig_period_to_date", language))
        if r.kind != "absolute_cap":
            ax.plot(x, last, marker="s", color="#999999", ls=":", label=text("fig_last_year_to_date", language))
        if not pd.isna(r.target_level):
            ax.axhline(r.target_level, color="#d62728", ls="--",
                       label=text("fig_target_level", language) + f"{r.target_level:.1f}")
        ax.set_xticks(x, [f"{m.year % 100:02d}/{m.month}" for m in months], fontsize=7,
                      rotation=45 if len(months) > 8 else 0)
        kind, status = display_value(r.kind_label, language), display_value(r.status, language)
        paren = ("（{}）" if language == "zh" else " ({})").format(status)
        ax.set_title(mpl_text(f"{r.target_id} {kind}{'' if pd.isna(r.target_value) else f'{r.target_value:g}'}"
                              f"{'%' if r.kind != 'absolute_cap' else ''}{paren}"), fontsize=9)
        ax.set_ylabel("PM2.5 (µg/m³)")
        ax.legend(fontsize=7)
    if data.config.synthetic:
        fig.text(0.99, 0.01, text("synthetic_short", language), ha="right", fontsize=7, color="#b00000")
    fig.tight_layout()
    return fig


def show_figure(fig, path: str | os.PathLike[str]):
    """Save a matplotlib figure as PNG (atomic) and return an ``IPython.display.Image`` of it
    (the PDF shows exactly the PNG saved in ``figures/``); the figure is closed."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    from airlib.plotting import save_figure

    p = save_figure(fig, path)
    plt.close(fig)
    return Image(filename=str(p))
