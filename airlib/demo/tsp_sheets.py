"""SYNTHETIC city-wide half-monthly TSP table for the demo (``data/raw/demo/dust/tsp_halfmonthly.csv``).

The city's TSP ranking ([BJ-TSP-2022]) needs every 街道/乡镇 of Beijing. The repository holds
real names only for the demo district (门头沟区, :mod:`airlib.demo.registry`); the other
districts get labelled synthetic names, ``朝阳区-街道07``, as many per district as the 2023 NBS
township list counts (349 in all: :data:`TOWNS_PER_DISTRICT`, counts only). Values are drawn from
a seeded generator (log-normal around a district level and a seasonal cycle, spring highest),
rounded to whole µg/m³ as the notices publish them, so ties occur as in the real lists. Some
demo towns are pushed into the 后30名 in some halves (the mountain towns 斋堂镇 and 清水镇 in
spring, 王平地区 now and then), so the demo report shows appearances, runs and a missed
"退出后30名" target. The first line says the file is synthetic.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from airlib.demo.registry import DISTRICT_CODE, TOWNS
from airlib.files import atomic_write_bytes
from airlib.io.ingest.registries import BEIJING_DISTRICTS
from airlib.periods import parse_month

__all__ = ["TSP_TITLE", "TOWNS_PER_DISTRICT", "TSP_FILE", "tsp_table", "write_demo_tsp"]

#: First line of the file.
TSP_TITLE: Final[str] = "合成演示数据（SYNTHETIC），非北京市生态环境局发布 / synthetic demo data, not published by the bureau"
#: Path of the file under the demo folder.
TSP_FILE: Final[str] = "dust/tsp_halfmonthly.csv"
#: 街道/乡镇 per district in the NBS 2023 township list (counts only; names are synthetic except 门头沟区).
TOWNS_PER_DISTRICT: Final[dict[str, int]] = {
    "110101": 17, "110102": 15, "110105": 43, "110106": 26, "110107": 9, "110108": 29, "110109": 13,
    "110111": 28, "110112": 22, "110113": 25, "110114": 22, "110115": 26, "110116": 17, "110117": 18,
    "110118": 21, "110119": 18,
}
#: Demo towns pushed up in some halves: name → (months, factor).
_PUSHED: Final[dict[str, tuple[tuple[int, ...], float]]] = {
    "斋堂镇": ((3, 4, 5), 2.6), "清水镇": ((4,), 2.5), "王平地区": ((11, 12), 2.2),
}


def _towns() -> pd.DataFrame:
    rows = []
    for code, n in TOWNS_PER_DISTRICT.items():
        d = BEIJING_DISTRICTS[code]
        if code == DISTRICT_CODE:
            rows += [(d, code, t.name) for t in TOWNS]
        else:
            rows += [(d, code, f"{d}-街道{k:02d}") for k in range(1, n + 1)]
    return pd.DataFrame(rows, columns=["district", "district_code", "town"])


def tsp_table(end: str | pd.Period, seed: int, months: int = 24) -> pd.DataFrame:
    """The synthetic half-monthly TSP values of ``months`` months ending with ``end``.

    Parameters
    ----------
    end : month-like
        Last month (both halves written).
    seed : int
    months : int
        How many months (≥ 12).

    Returns
    -------
    DataFrame
        Columns 所属区, 街道(乡镇), 时段 (``2024年2月16日-29日``), TSP(µg/m³) (integers), one row per
        town and half month, in time order.
    """
    last = parse_month(end)
    towns = _towns()
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 14, 3])))
    level = {c: float(np.exp(rng.normal(np.log(110), 0.18))) for c in TOWNS_PER_DISTRICT}
    level[DISTRICT_CODE] = 80.0  # the demo district is clean but for the pushed towns below
    town_factor = np.exp(rng.normal(0.0, 0.2, len(towns)))
    base = towns["district_code"].map(level).to_numpy() * town_factor
    parts = []
    for m in pd.period_range(last - (months - 1), last, freq="M"):
        for half in (1, 2):
            season = 1.0 + 0.35 * np.cos((m.month - 4) / 12 * 2 * np.pi)
            v = base * season * np.exp(rng.normal(0.0, 0.15, len(towns)))
            for name, (mons, f) in _PUSHED.items():
                if m.month in mons and (half == 1 or name != "清水镇"):
                    v[(towns["town"] == name).to_numpy()] *= f
            last_day = 15 if half == 1 else m.days_in_month
            first_day = 1 if half == 1 else 16
            parts.append(pd.DataFrame({
                "所属区": towns["district"], "街道(乡镇)": towns["town"],
                "时段": f"{m.year}年{m.month}月{first_day}日-{last_day}日",
                "TSP(µg/m³)": np.rint(v).astype(int),
            }))
    return pd.concat(parts, ignore_index=True)


def write_demo_tsp(folder: str | os.PathLike[str], end: str | pd.Period, seed: int) -> Path:
    """Write :data:`TSP_FILE` under the demo ``folder`` (UTF-8, title line first) atomically."""
    p = Path(folder) / TSP_FILE
    p.parent.mkdir(parents=True, exist_ok=True)
    body = tsp_table(end, seed).to_csv(index=False, lineterminator="\n")
    atomic_write_bytes(p, (TSP_TITLE + "\n" + body).encode("utf-8"))
    return p
