"""The report's city context (全市各区排名情况): display table, sentence and notes.

Built from :class:`airlib.report.data.CityContext` (the month's city table ranked by
:mod:`airlib.tracking.city_context`). The sentence is checked against the table it
summarises: every rank it states is recounted from the table's values (rank = 1 + number of
districts with a lower value; tied = districts with the same value) and a mismatch is an
error, not a printed sentence.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.errors import AirlibError
from airlib.escaping import markdown_text
from airlib.report.data import CityContext, ReportData
from airlib.report.texts import table_headers, text
from airlib.settings import DEFAULT, Settings
from airlib.standards.rounding import published_precision
from airlib.tracking.city_context import RANKED

__all__ = ["CITY_TABLE_COLUMNS", "CITY_TABLES", "DISTRICT_NAMES_EN", "city_display", "city_highlight_rows", "city_notes", "city_sentence", "city_workbook_tables"]

#: Columns of the city display table, in order (headers: ``TABLE_HEADERS["city"]``).
CITY_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "district", "pm25", "pm25_rank", "pm25_yoy_pct", "pm25_yoy_rank", "pm25_ytd", "pm25_ytd_rank",
    "pm25_ytd_yoy_pct", "pm25_ytd_yoy_rank", "composite", "composite_rank", "composite_ytd", "composite_ytd_rank",
)
#: The two tables of the section: the month and the year to date (columns of each, in order).
CITY_TABLES: Final[dict[str, tuple[str, ...]]] = {
    "month": ("district", "pm25", "pm25_rank", "pm25_yoy_pct", "pm25_yoy_rank", "composite", "composite_rank"),
    "ytd": ("district", "pm25_ytd", "pm25_ytd_rank", "pm25_ytd_yoy_pct", "pm25_ytd_yoy_rank", "composite_ytd",
            "composite_ytd_rank"),
}
#: District names in the English report (pinyin, as the municipal bureau's English pages write them).
DISTRICT_NAMES_EN: Final[dict[str, str]] = {
    "东城区": "Dongcheng", "西城区": "Xicheng", "朝阳区": "Chaoyang", "丰台区": "Fengtai",
    "石景山区": "Shijingshan", "海淀区": "Haidian", "门头沟区": "Mentougou", "房山区": "Fangshan",
    "通州区": "Tongzhou", "顺义区": "Shunyi", "昌平区": "Changping", "大兴区": "Daxing",
    "怀柔区": "Huairou", "平谷区": "Pinggu", "密云区": "Miyun", "延庆区": "Yanqing",
    "经济技术开发区": "E-Town (BDA)", "全市": "Beijing",
}
#: At most this many tied districts are named in the sentence; more are counted.
_MAX_TIE_NAMES: Final[int] = 3


def _decimals(column: str, month: pd.Period, settings: Settings) -> int:
    if column.endswith("pct"):
        return settings.yoy_decimals
    if column.startswith("composite"):
        return settings.composite_decimals
    return published_precision("pm25", month, settings)


def _fmt(v: float, decimals: int, signed: bool = False) -> str:
    if pd.isna(v):
        return "—"
    return f"{v:+.{decimals}f}" if signed else f"{v:.{decimals}f}"


def _ordered(city: CityContext, table: str = "month") -> pd.DataFrame:
    """Districts by the table's PM2.5 rank (unranked after, in file order), the 全市 row last."""
    r = city.ranking
    assert r is not None
    rank_col = "pm25_rank" if table == "month" else "pm25_ytd_rank"
    if rank_col not in r:
        rank_col = "pm25_rank"
    key = r[rank_col].astype("Float64").fillna(np.inf).to_numpy(dtype="float64")
    key = np.where(r["is_city"].to_numpy(dtype=bool), np.inf, key)
    order = np.lexsort((r["is_city"].to_numpy(dtype=bool), key))  # stable: file order within a rank
    return r.iloc[order]


def city_display(data: ReportData, language: str = "zh", settings: Settings | None = None,
                 table: str = "month") -> pd.DataFrame | None:
    """A table of all districts, ``table`` ``"month"`` or ``"ytd"`` (:data:`CITY_TABLES`; the
    columns present in the city table only), rows by that table's PM2.5 rank, values at the
    published precision of the month (PM2.5 [µg/m³] integers through 2023, one decimal from
    2024; changes [%] ``settings.yoy_decimals``; 综合指数 ``settings.composite_decimals``);
    missing values "—". None without a city table, or without any value of the table."""
    settings = DEFAULT if settings is None else settings
    if data.city is None or data.city.ranking is None:
        return None
    t = _ordered(data.city, table)
    if not any(c in t for c in CITY_TABLES[table][1:]):
        return None
    heads = dict(zip(CITY_TABLE_COLUMNS, table_headers("city", language)))
    out = pd.DataFrame(index=range(len(t)))
    for c in CITY_TABLES[table]:
        if c not in t:
            continue
        s = t[c]
        if c == "district":
            txt = [_label(n, language) for n in s.astype(str)]
        elif c.endswith("rank"):
            txt = ["—" if pd.isna(v) else str(int(v)) for v in s]
        else:
            d = _decimals(c, data.month, settings)
            txt = [_fmt(v, d, signed=c.endswith("pct")) for v in s.astype("float64")]
        out[heads[c]] = txt
    return out


def city_highlight_rows(data: ReportData, table: str = "month") -> list[int]:
    """Positions of the reported district in :func:`city_display` of ``table``."""
    if data.city is None or data.city.ranking is None:
        return []
    t = _ordered(data.city, table)
    mine = (t["district_code"].astype(str).to_numpy() == _district_code(data)) & ~t["is_city"].to_numpy(dtype=bool)
    return [int(i) for i in np.flatnonzero(mine)]


def _district_code(data: ReportData) -> str:
    from airlib.io.city_table import district_code_of, published_district_name

    return str(district_code_of(published_district_name(data.config.district_code, data.config.name)))


def _check_rank(r: pd.DataFrame, column: str, code: str, rank: int, tied: tuple[str, ...]) -> None:
    """Recount ``rank`` and ``tied`` of district ``code`` from the values (not the rank column)."""
    districts = ~r["is_city"].to_numpy(dtype=bool)
    vals = r[column].to_numpy(dtype="float64")
    mine = (r["district_code"].astype(str).to_numpy() == code)
    v = vals[mine][0]
    other = districts & ~mine & ~np.isnan(vals)
    expect_rank = 1 + int((vals[other] < v).sum())
    expect_tied = set(r.loc[other & (vals == v), "district"].astype(str))
    if expect_rank != rank or expect_tied != set(tied):
        raise AirlibError(f"city context: the sentence would state rank {rank} (tied with {list(tied)}) for "
                          f"{column!r}, but the table gives rank {expect_rank} (tied with {sorted(expect_tied)}); "
                          "please report this as a bug")


def _among(r: pd.DataFrame, column: str, ranked: int, language: str) -> str:
    """"全市16个区" — or "全市16个区和经济技术开发区" when the development zone is ranked too."""
    from airlib.io.city_table import DEVELOPMENT_ZONE

    zone = (r["district_code"].astype(str) == DEVELOPMENT_ZONE[0]).to_numpy(dtype=bool)
    if (zone & ~np.isnan(r[column].to_numpy(dtype="float64"))).any():
        return text("city_among_zone", language, n=ranked - 1)
    return text("city_among", language, n=ranked)


def _label(name: str, language: str) -> str:
    """A district's official name (zh) or its English name (en)."""
    return DISTRICT_NAMES_EN.get(name, name) if language == "en" else name


def _tie(names: tuple[str, ...], language: str) -> str:
    if not names:
        return ""
    if len(names) > _MAX_TIE_NAMES:
        return text("city_tie_many", language, count=len(names))
    return text("city_tie", language, names=text("list_sep", language).join(markdown_text(_label(n, language)) for n in names))


def _change(v: float, decimals: int, language: str) -> str:
    if v > 0:
        return text("city_up", language, pct=f"{v:.{decimals}f}")
    if v < 0:
        return text("city_down", language, pct=f"{-v:.{decimals}f}")
    return text("city_flat", language)


def city_sentence(data: ReportData, language: str = "zh", settings: Settings | None = None) -> str | None:
    """One sentence: the district's PM2.5 and its rank among the districts, then (where the
    table gives them) the YoY change and improvement rank, the year to date with its rank and
    change, and the 综合指数 rank; ties named. None without a city table.

    Every rank is recounted from the table's values before it is written (see the module
    docstring). A change of exactly 0 reads "持平"; the sign decides 上升/下降.

    Raises
    ------
    AirlibError
        A stated rank or tie would disagree with the table (a bug, never expected).
    """
    settings = DEFAULT if settings is None else settings
    city = data.city
    if city is None or city.ranking is None:
        return None
    month, district = data.month, markdown_text(_label(data.config.name, language))
    f: dict[str, Any] = {"year": month.year, "month": month.month, "ym": str(month), "district": district}
    place = city.place
    code = _district_code(data)
    p = place.get("pm25")
    if p is None or p.rank is None:
        return text("city_no_value", language, **f)
    parts = []
    templates = (("pm25", "city_sentence_pm25"), ("pm25_yoy_pct", "city_sentence_yoy"),
                 ("pm25_ytd", "city_sentence_ytd"), ("pm25_ytd_yoy_pct", "city_sentence_ytd_yoy"),
                 ("composite", "city_sentence_composite"))
    for col, key in templates:
        q = place.get(col)
        if q is None or q.rank is None:
            continue
        _check_rank(city.ranking, col, code, q.rank, q.tied_with)
        d = _decimals(col, month, settings)
        fields = dict(f, rank=q.rank, among=_among(city.ranking, col, q.ranked, language), tie=_tie(q.tied_with, language), value=_fmt(q.value, d),
                      change=_change(q.value, d, language) if col.endswith("pct") else "")
        parts.append(text(key, language, **fields))
    return "".join(parts) + text("city_sentence_end", language)


def city_notes(data: ReportData, language: str = "zh") -> list[str]:
    """Markdown notes below the table: the source and rules, and the synthetic label for the
    demo (the file named relative to the project)."""
    city = data.city
    if city is None:
        return []
    f = {"year": data.month.year, "month": data.month.month, "ym": str(data.month),
         "file": markdown_text(city.label)}
    if city.ranking is None:
        return [text("city_missing", language, **f)]
    out = [text("city_note", language, **f)]
    if data.config.synthetic:
        out.append(text("city_synthetic", language))
    return out


def city_workbook_tables(data: ReportData, title: str, note_header: str, language: str = "zh",
                         settings: Settings | None = None) -> list:
    """The city tables as workbook sheets (:class:`airlib.report.excel.WorkbookTable`): the
    same rows and columns as :func:`city_display`, numbers stored as numbers with the
    published precision as number format, the district's row shaded, the caption with the
    PDF's table number. Empty without a city table."""
    from airlib.report.excel import NUMBER_FORMATS, WorkbookTable, decimal_format

    settings = DEFAULT if settings is None else settings
    if data.city is None or data.city.ranking is None:
        return []
    heads = dict(zip(CITY_TABLE_COLUMNS, table_headers("city", language)))
    fields = {"year": data.month.year, "month": data.month.month, "ym": str(data.month),
              "district": data.config.name}
    out = []
    for which, key, sheet in (("month", "city", "city_sheet"), ("ytd", "city_ytd", "city_ytd_sheet")):
        if city_display(data, language, settings, table=which) is None:
            continue
        t = _ordered(data.city, which)
        cols = [c for c in CITY_TABLES[which] if c in t]
        frame = t[cols].reset_index(drop=True).copy()
        frame["district"] = [_label(n, language) for n in frame["district"].astype(str)]
        formats = {c: NUMBER_FORMATS["integer"] if c.endswith("rank")
                   else (NUMBER_FORMATS["signed_pct"] if c.endswith("pct")
                         else decimal_format(_decimals(c, data.month, settings)))
                   for c in cols if c != "district"}
        out.append(WorkbookTable(
            sheet=text(sheet, language), title=title,
            caption=text(f"table_{key}", language, no=data.numbering.table(key), **fields),
            frame=frame, headers={c: heads[c] for c in cols}, formats=formats,
            highlight_rows=tuple(city_highlight_rows(data, which)), note_header=note_header))
    return out
