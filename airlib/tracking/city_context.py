"""The district's place among Beijing's districts, from the city table (全市各区排名).

Ranks follow :func:`airlib.standards.ranking_rules.competition_rank` (ties share the lowest
rank: 1, 2, 2, 4; a district without a value has no rank): concentration and 综合指数
ascending (rank 1 = cleanest), year-on-year change ascending (rank 1 = largest fall, 改善幅度
排名). Values are ranked as published in the table (they are already at published precision);
the 全市 row is never ranked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.standards.ranking_rules import competition_rank

__all__ = ["RANKED", "CityPlace", "city_ranking", "district_place"]

#: Ranked columns of the city table and the name of their rank column.
RANKED: dict[str, str] = {
    "pm25": "pm25_rank",
    "pm25_yoy_pct": "pm25_yoy_rank",
    "pm25_ytd": "pm25_ytd_rank",
    "pm25_ytd_yoy_pct": "pm25_ytd_yoy_rank",
    "composite": "composite_rank",
    "composite_ytd": "composite_ytd_rank",
}


def city_ranking(table: pd.DataFrame) -> pd.DataFrame:
    """Add the competition ranks of every district to a city table.

    Parameters
    ----------
    table : DataFrame
        :func:`airlib.io.city_table.read_city_table` output (``district_code``, ``is_city`` and
        value columns [µg/m³, %, index]).

    Returns
    -------
    DataFrame
        ``table`` (same index and order) plus, for each value column present, its rank column
        of :data:`RANKED` (Int64; ``<NA>`` for the 全市 row and for a district without a value).
    """
    out = table.copy()
    districts = ~out["is_city"].to_numpy(dtype=bool)
    for col, rank_col in RANKED.items():
        if col not in out:
            continue
        vals = out[col].astype("float64").where(districts)
        out[rank_col] = competition_rank(vals, ascending=True)
    return out


@dataclass(frozen=True)
class CityPlace:
    """One value of the district and its place among the districts.

    Attributes
    ----------
    column : str
        Value column (``pm25``, ``pm25_yoy_pct`` …).
    value : float
        The district's value (NaN when not given).
    rank : int or None
        Its competition rank (None without a value).
    ranked : int
        Number of districts with a value (the 全市 row excluded).
    tied_with : tuple of str
        Other districts with the same rank (same value).
    """

    column: str
    value: float
    rank: int | None
    ranked: int
    tied_with: tuple[str, ...]


def district_place(ranking: pd.DataFrame, district_code: str) -> dict[str, CityPlace]:
    """The district's place for every ranked column of a :func:`city_ranking` table.

    Parameters
    ----------
    ranking : DataFrame
        :func:`city_ranking` output.
    district_code : str
        6-digit code of the reported district.

    Returns
    -------
    dict of str to CityPlace
        Keyed by value column (only columns present in the table).

    Raises
    ------
    InputDataError
        The district is not in the table.
    """
    mine = (ranking["district_code"].astype("string") == str(district_code)).to_numpy(dtype=bool)
    if not mine.any():
        raise InputDataError(f"district code {district_code} is not in the city table",
                             file=ranking.attrs.get("file"))
    i = int(np.flatnonzero(mine)[0])
    districts = ~ranking["is_city"].to_numpy(dtype=bool)
    out: dict[str, CityPlace] = {}
    for col, rank_col in RANKED.items():
        if rank_col not in ranking:
            continue
        ranks = ranking[rank_col]
        r = ranks.iloc[i]
        same = (ranks == r).fillna(False).to_numpy(dtype=bool) & districts & ~mine if not pd.isna(r) else np.zeros(len(ranking), bool)
        out[col] = CityPlace(
            column=col,
            value=float(ranking[col].iloc[i]),
            rank=None if pd.isna(r) else int(r),
            ranked=int(ranks[districts].notna().sum()),
            tied_with=tuple(ranking.loc[same, "district"].astype(str)),
        )
    return out
