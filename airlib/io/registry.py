"""Station and town registries: name/alias/code resolution.

Resolution order (documented in ``docs/ingestion.md``), for towns:

1. the 9-digit ``town_code`` itself;
2. the exact ``town_name``;
3. any name in ``aliases`` (``|``-separated);
4. a *normalised key*: the name without whitespace, without a leading district name
   (``门头沟区王平镇`` → ``王平镇``) and without the suffix 街道办事处/办事处/街道/地区/镇/乡,
   so that 王平镇 ↔ 王平地区 (the 2017 plans vs the NBS 2023 code list).

A key shared by several towns (e.g. 八里庄街道 exists in 朝阳区 and 海淀区) is ambiguous:
it raises :class:`~airlib.errors.InputDataError` listing the candidates; qualify it with the
district (``海淀区八里庄街道``) or use the code. Unknown names raise
:class:`~airlib.errors.UnknownNameError` listing the closest known names (difflib) and the rows.

Stations resolve the same way through ``station`` (id), ``station_name``, ``aliases`` and a
case-folded key without whitespace, ``_``, ``-``.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

from airlib.errors import InputDataError, UnknownNameError

__all__ = [
    "TOWN_SUFFIXES",
    "town_key",
    "station_key",
    "resolve_town",
    "resolve_towns",
    "resolve_station",
    "resolve_stations",
]

#: Suffixes stripped to form the normalised town key (longest first).
TOWN_SUFFIXES: tuple[str, ...] = ("街道办事处", "地区办事处", "办事处", "街道", "地区", "镇", "乡")


def _clean(value: object) -> str:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    return s[:-2] if re.fullmatch(r"\d+\.0", s) else s  # 110109005.0 from Excel → 110109005


def town_key(name: object) -> str:
    """Normalised town key: NFKC, no whitespace, suffix 街道/地区/镇/乡/办事处 removed."""
    s = _clean(name)
    for suf in TOWN_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            return s[: -len(suf)]
    return s


def station_key(name: object) -> str:
    """Normalised station key: NFKC, case-folded, without whitespace, ``_``, ``-``, ``.``."""
    return re.sub(r"[\s_\-.]", "", unicodedata.normalize("NFKC", str(name)).casefold())


def _split_aliases(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return [a.strip() for a in str(value).split("|") if a.strip()]


_AMBIGUOUS = "\x00ambiguous"


def _build_index(
    registry: pd.DataFrame, id_col: str, name_cols: Sequence[str], keyfunc
) -> tuple[dict[str, str], dict[str, set[str]], list[str]]:
    """exact: text → id; fuzzy: key → ids; names: every known spelling (for suggestions)."""
    if id_col not in registry:
        raise InputDataError(f"registry has no {id_col!r} column; columns: {list(registry.columns)}")
    exact: dict[str, str] = {}
    fuzzy: dict[str, set[str]] = {}
    names: list[str] = []
    ids = registry[id_col].astype("string").to_numpy()
    cols = {c: registry[c].to_numpy() for c in (*name_cols, "aliases") if c in registry}
    district = registry["district_name"].to_numpy() if "district_name" in registry else None
    for i, rid in enumerate(ids):
        if rid is pd.NA:
            continue
        rid = str(rid)
        spellings = [rid]
        for c, arr in cols.items():
            spellings += _split_aliases(arr[i]) if c == "aliases" else ([] if pd.isna(arr[i]) else [str(arr[i])])
        for sp in spellings:
            if exact.get(_clean(sp), rid) != rid:
                exact[_clean(sp)] = _AMBIGUOUS
            else:
                exact[_clean(sp)] = rid
            fuzzy.setdefault(keyfunc(sp), set()).add(rid)
            names.append(sp)
            if district is not None and not pd.isna(district[i]):
                exact.setdefault(_clean(f"{district[i]}{sp}"), rid)
                fuzzy.setdefault(keyfunc(f"{district[i]}{sp}"), set()).add(rid)
    return exact, fuzzy, list(dict.fromkeys(names))


def _resolve(
    values: pd.Series,
    registry: pd.DataFrame,
    *,
    id_col: str,
    name_cols: Sequence[str],
    keyfunc,
    kind: str,
    file: str | os.PathLike[str] | None,
    column: str | None,
    rows: Sequence[int] | np.ndarray | None,
    strip_district: bool,
) -> pd.Series:
    exact, fuzzy, names = _build_index(registry, id_col, name_cols, keyfunc)
    s = pd.Series(values)
    uniq = pd.unique(s.dropna().astype("string"))
    resolved: dict[str, str] = {}
    districts = (
        sorted({str(d) for d in registry["district_name"].dropna()}, key=len, reverse=True)
        if strip_district and "district_name" in registry
        else []
    )
    unknown: list[str] = []
    ambiguous: dict[str, list[str]] = {}
    for v in uniq:  # loop over distinct names only
        c = _clean(v)
        if c in exact and exact[c] is not _AMBIGUOUS:
            resolved[v] = exact[c]
            continue
        k = keyfunc(c)
        hits = fuzzy.get(k, set())
        if not hits:
            for d in districts:
                if c.startswith(d) and len(c) > len(d):
                    hits = fuzzy.get(keyfunc(c[len(d):]), set())
                    hits = {h for h in hits if _district_of(registry, id_col, h) == d}
                    break
        if len(hits) == 1:
            resolved[v] = next(iter(hits))
        elif len(hits) > 1:
            ambiguous[v] = sorted(hits)
        else:
            unknown.append(v)
    rownums = np.asarray(rows) if rows is not None else np.arange(2, len(s) + 2)
    if len(rownums) != len(s):  # single-name lookups: no file rows to report
        rownums = np.full(len(s), -1)
    if ambiguous:
        v, cands = next(iter(ambiguous.items()))
        desc = [f"{h} ({_label(registry, id_col, h)})" for h in cands]
        where = [r for r in rownums[(s.astype("string") == v).fillna(False).to_numpy()].tolist() if r > 0] or None
        raise InputDataError(
            f"ambiguous {kind} {v!r}: matches {'、'.join(desc)}; qualify it with the district or use the code",
            file=file, row=None if where is None else (where[0] if len(where) == 1 else where), column=column,
        )
    if unknown:
        v = unknown[0]
        where = [r for r in rownums[(s.astype("string") == v).fillna(False).to_numpy()].tolist() if r > 0] or None
        close = difflib.get_close_matches(_clean(v), names, n=5, cutoff=0.3)
        extra = f" (and {len(unknown) - 1} more unknown: {unknown[1:6]})" if len(unknown) > 1 else ""
        err = UnknownNameError(v, close, kind=kind, file=file, row=None if where is None else (where[0] if len(where) == 1 else where), column=column)
        if extra:
            err.args = (err.args[0] + extra,)
        raise err
    out = s.astype("string").map(resolved)
    return out.astype("string")


def _district_of(registry: pd.DataFrame, id_col: str, rid: str) -> str | None:
    m = registry.loc[registry[id_col].astype("string") == rid, "district_name"]
    return None if m.empty else str(m.iloc[0])


def _label(registry: pd.DataFrame, id_col: str, rid: str) -> str:
    row = registry.loc[registry[id_col].astype("string") == rid].iloc[0]
    parts = [str(row[c]) for c in ("district_name", "town_name", "station_name") if c in row and not pd.isna(row[c])]
    return " ".join(parts)


def resolve_towns(
    values: pd.Series,
    towns: pd.DataFrame,
    file: str | os.PathLike[str] | None = None,
    column: str | None = None,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
) -> pd.Series:
    """Resolve town names, aliases or codes to 9-digit town codes (vectorised over distinct values).

    Parameters
    ----------
    values
        Names (any alias, with or without district prefix or suffix) or codes; NA stays NA.
    towns
        Towns registry (``town_code``, ``town_name``, ``aliases``, ``district_name``).
    file, column
        Named in errors.
    rows
        File row numbers of ``values`` for errors; default position + 2 (header on row 1).

    Returns
    -------
    pandas.Series
        ``string`` dtype town codes, same index as ``values``.

    Raises
    ------
    UnknownNameError
        A name no rule resolves; lists the closest known names and the rows.
    InputDataError
        An ambiguous name (same key in several districts).
    """
    return _resolve(values, towns, id_col="town_code", name_cols=("town_name",), keyfunc=town_key, kind="town",
                    file=file, column=column, rows=rows, strip_district=True)


def resolve_town(name_or_code: str, towns: pd.DataFrame) -> str:
    """Resolve one town name, alias or code to its 9-digit code (see :func:`resolve_towns`)."""
    return str(resolve_towns(pd.Series([name_or_code]), towns, rows=[]).iloc[0])


def resolve_stations(
    values: pd.Series,
    stations: pd.DataFrame,
    file: str | os.PathLike[str] | None = None,
    column: str | None = None,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
) -> pd.Series:
    """Resolve station ids, Chinese names or aliases to station ids (see :func:`resolve_towns`)."""
    return _resolve(values, stations, id_col="station", name_cols=("station_name",), keyfunc=station_key,
                    kind="station", file=file, column=column, rows=rows, strip_district=False)


def resolve_station(name: str, stations: pd.DataFrame) -> str:
    """Resolve one station id, name or alias to its station id."""
    return str(resolve_stations(pd.Series([name]), stations, rows=[]).iloc[0])
