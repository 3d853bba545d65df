"""Reader of the official heavy-pollution alert log (重污染天气预警发布记录).

Issue #15 item 2; the alert machinery is that of [SEED-001] §28–§29 (blue, yellow, orange, red
alerts). A bureau keeps the notices it received as a table, one notice per row, with columns
such as 预警级别, 发布时间, 开始时间 (启动时间), 解除时间, 区域. :func:`read_alert_log` reads such a
table (CSV/TXT in any encoding :mod:`airlib.io.text_decoding` accepts, or XLSX) into the
**alert log frame** (docs/alerts.md, "预警记录与检验"):

=========== ==========================================================================
column      meaning
=========== ==========================================================================
level       level code ``blue`` / ``yellow`` / ``orange`` / ``red``
            (:data:`airlib.io.plans.ALERT_LEVELS`)
level_zh    ``蓝色预警`` … ``红色预警``
start       Timestamp, naive Beijing time, inclusive: the instant the alert took effect
end         Timestamp, exclusive: the instant it was lifted (or replaced by an upgrade);
            NaT = still in force
area        str: the area the notice names (a district name or ``全市``)
issued      Timestamp of the notice, or NaT when the file has no 发布时间
source      file name
row         1-based file row (header = row 1), as the user sees it in Excel
alert       int: one number per alert *sequence* (an alert and its upgrades/downgrades)
change      ``""`` for a new alert, ``"upgrade"`` / ``"downgrade"`` for a row that changes the
            level of an alert already in force
=========== ==========================================================================

Hour convention: an hour labelled ``t`` (hour-beginning, docs/architecture.md) is under the
alert when ``start <= t`` and ``t + 1 h <= end``; an hour only partly covered is not
(:func:`airlib.tracking.alerts.alert_hours`).

Upgrades (decision; the notices are silent on how a table should record them)
-------------------------------------------------------------------------------
An upgrade (``升级为橙色预警``) or downgrade (``降级为黄色``) is its own row with its own start.
When a row of an area starts while an earlier alert of the same area is in force (earlier
``start < start < end`` or end empty), the row is a **change** of that alert if its level
differs: the earlier row's end is set to the later row's start (the earlier level stopped then;
an empty or later end written on the earlier row is replaced — the earlier notice's end is the
end of the whole sequence as announced then, not of that level), and both rows share ``alert``.
A later row of the **same** level that overlaps is an error (two notices for one alert), as is
an overlap whose start equals the earlier start. A level change without the word 升级/降级 is
accepted (the level says what it is) and recorded as upgrade/downgrade by the level order.
A ``全市`` alert and a district alert are different areas and may overlap.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ingest.columns import (
    drop_blank_rows, file_errors, find_columns, parse_datetimes, read_any_table, row_arg,
)
from airlib.io.plans import ALERT_LEVELS
from airlib.standards.pollution_days import LEVELS

__all__ = ["OPEN_END", "LEVEL_ORDER", "LEVEL_ZH", "COLUMN_NAMES", "parse_level", "read_alert_log", "alert_sequences"]

#: Stand-in end of an alert still in force in interval arithmetic (fits every datetime64 unit).
OPEN_END = pd.Timestamp("2200-01-01")

#: Level codes from mildest to strictest (the vocabulary of :data:`airlib.io.plans.ALERT_LEVELS`).
LEVEL_ORDER: tuple[str, ...] = tuple(ALERT_LEVELS)
#: Code → full Chinese name (``蓝色预警`` …): :data:`airlib.standards.pollution_days.LEVELS` itself.
LEVEL_ZH: dict[str, str] = dict(LEVELS)

#: Accepted header texts per field, most specific first (compared after
#: :func:`airlib.io.ingest.columns.normalise_header`).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "level": ("预警级别", "预警等级", "级别", "等级", "预警", "level", "alert_level"),
    "issued": ("发布时间", "发布日期", "发布", "issued", "issue_time"),
    "start": ("开始时间", "启动时间", "执行时间", "生效时间", "开始", "start", "start_time"),
    "end": ("解除时间", "结束时间", "终止时间", "解除", "结束", "end", "end_time"),
    "area": ("区域", "预警区域", "范围", "地区", "area", "region"),
}
_REQUIRED = ("level", "start")


def parse_level(text: str) -> tuple[str | None, str]:
    """Level code and change word of one cell: ``"升级为橙色预警"`` → ``("orange", "upgrade")``.

    Returns ``(None, "")`` when no level is recognised. Accepted: 蓝/黄/橙/红 (with or without
    色/预警/级), the English codes, roman or arabic 级 numbers (Ⅳ/4 = blue … Ⅰ/1 = red, the
    national plans' numbering).
    """
    s = str(text).strip().replace(" ", "")
    low = s.lower()
    change = "upgrade" if "升级" in s else "downgrade" if "降级" in s else ""
    found = [code for code, zh in ALERT_LEVELS.items() if zh[0] in s or code in low]
    if len(found) == 1:
        return found[0], change
    if len(found) > 1:
        return None, change
    roman = {"Ⅳ": "blue", "IV": "blue", "4": "blue", "Ⅲ": "yellow", "III": "yellow", "3": "yellow",
             "Ⅱ": "orange", "II": "orange", "2": "orange", "Ⅰ": "red", "I": "red", "1": "red"}
    key = s.upper().removesuffix("级预警").removesuffix("级")
    return roman.get(key), change


def alert_sequences(log: pd.DataFrame) -> np.ndarray:
    """Sequence number (1…) of each row of an alert log sorted by ``area, start``.

    Rows of one area belong to one sequence when each starts no later than the previous
    row's end (an upgrade ends the earlier row at its start); an open end (NaT) continues.
    Used by the reader and by :mod:`airlib.tracking.alerts` for frames built elsewhere.
    """
    if log.empty:
        return np.zeros(0, dtype=np.int64)
    f = log.sort_values(["area", "start"], kind="stable")
    end = f["end"].fillna(OPEN_END)
    run_end = end.groupby(f["area"]).cummax()
    prev_end = run_end.groupby(f["area"]).shift(1)
    new = prev_end.isna() | (f["start"] > prev_end)
    seq = pd.Series(np.cumsum(new.to_numpy()), index=f.index)
    return seq.reindex(log.index).to_numpy(dtype=np.int64)


@file_errors
def read_alert_log(path: str | os.PathLike[str], *, area: str | None = None,
                   encoding: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read an official alert log (CSV/TXT/XLSX) into the alert log frame (module docstring).

    Parameters
    ----------
    path : path-like
        The table; title lines above the header (e.g. ``# SYNTHETIC …``) are skipped.
    area : str, optional
        Area of every row when the file has no 区域 column (e.g. a district's own log);
        without a column and without ``area`` the reader refuses the file.
    encoding, sheet
        As :func:`airlib.io.ingest.columns.read_any_table`.

    Returns
    -------
    pandas.DataFrame
        Columns ``level, level_zh, start, end, area, issued, source, row, alert, change``,
        sorted by area and start.

    Raises
    ------
    InputDataError
        Naming file, row and column: a missing column, an unknown level, an unreadable or
        empty start, an end not after its start, an issue time after the end, overlapping
        notices of one area that are not an upgrade/downgrade sequence.
    """
    p = Path(path)

    def is_header(cells) -> bool:
        return set(_REQUIRED) <= set(find_columns(cells, COLUMN_NAMES))

    frame, _ = read_any_table(p, encoding, sheet, is_header=is_header)
    frame = drop_blank_rows(frame)
    cols = find_columns(frame.columns, COLUMN_NAMES, required=_REQUIRED, file=p, what="the alert log")
    if frame.empty:
        return _empty()
    lv = frame[cols["level"]].astype("string").fillna("")
    parsed = lv.map(parse_level)
    codes = parsed.map(lambda x: x[0])
    words = parsed.map(lambda x: x[1])
    unknown = codes.isna().to_numpy()
    if unknown.any():
        raise InputDataError(
            f"unknown alert level {lv[unknown].head(3).tolist()}; write 蓝色/黄色/橙色/红色(预警), "
            "optionally 升级为…", file=p, row=row_arg(frame.index[unknown]), column=cols["level"])
    start = parse_datetimes(frame[cols["start"]], file=p, column=cols["start"], required=True)
    end = (parse_datetimes(frame[cols["end"]], file=p, column=cols["end"], required=False) if "end" in cols
           else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"))
    issued = (parse_datetimes(frame[cols["issued"]], file=p, column=cols["issued"], required=False)
              if "issued" in cols else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"))
    if "area" in cols:
        ar = frame[cols["area"]].astype("string").str.strip()
        if area is not None:
            ar = ar.fillna(area).replace("", area)
        empty = (ar.isna() | (ar == "")).to_numpy()
        if empty.any():
            raise InputDataError("empty area: name the district or 全市 (or pass area=)", file=p,
                                 row=row_arg(frame.index[empty]), column=cols["area"])
    elif area is not None:
        ar = pd.Series(area, index=frame.index, dtype="string")
    else:
        raise InputDataError(f"the alert log has no area column ({'/'.join(COLUMN_NAMES['area'][:3])}); add one "
                             "or give the area of all rows (area=)", file=p)
    bad = (end.notna() & (end <= start)).to_numpy()
    if bad.any():
        raise InputDataError("the end (解除时间) is not after the start; check the two times", file=p,
                             row=row_arg(frame.index[bad]), column=cols.get("end"))
    bad = (issued.notna() & end.notna() & (issued >= end)).to_numpy()
    if bad.any():
        raise InputDataError("the notice was issued after the alert ended; check 发布时间", file=p,
                             row=row_arg(frame.index[bad]), column=cols.get("issued"))
    out = pd.DataFrame({
        "level": codes.astype(str).to_numpy(),
        "start": start.to_numpy(), "end": end.to_numpy(),
        "area": ar.astype(str).to_numpy(), "issued": issued.to_numpy(),
        "source": p.name, "row": frame.index.to_numpy(dtype=np.int64),
        "word": words.to_numpy(),
    })
    out = out.sort_values(["area", "start", "row"], kind="stable").reset_index(drop=True)
    out = _link_changes(out, p, cols)
    out["level_zh"] = out["level"].map(LEVEL_ZH)
    out["alert"] = alert_sequences(out)
    return out[["level", "level_zh", "start", "end", "area", "issued", "source", "row", "alert", "change"]]


def _link_changes(out: pd.DataFrame, p: Path, cols: dict[str, str]) -> pd.DataFrame:
    """Upgrade/downgrade rows end the row they change (module docstring); refuse other overlaps."""
    rank = out["level"].map({c: i for i, c in enumerate(LEVEL_ORDER)}).to_numpy()
    same_area = (out["area"] == out["area"].shift(1)).to_numpy()
    prev_end = out["end"].shift(1)
    prev_start = out["start"].shift(1)
    overlaps = same_area & (prev_end.isna() | (out["start"] < prev_end)).to_numpy()
    prev_rank = np.r_[-1, rank[:-1]]
    same_start = overlaps & (out["start"] == prev_start).to_numpy()
    same_level = overlaps & (rank == prev_rank)
    bad = same_start | same_level
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputDataError(
            f"this {out['level'][i]} alert of {out['area'][i]} starting {out['start'][i]:%Y-%m-%d %H:%M} overlaps "
            f"the alert of row {int(out['row'][i - 1])} ({out['level'][i - 1]}, from "
            f"{out['start'][i - 1]:%Y-%m-%d %H:%M}) and is not an upgrade or downgrade of it; correct the times "
            "or levels", file=p, row=row_arg(out["row"][bad]), column=cols["start"])
    # an 升级 row with nothing in force to upgrade is read as a fresh alert (its predecessor may
    # lie outside the file)
    change = np.where(overlaps, np.where(rank > prev_rank, "upgrade", "downgrade"), "")
    new_end = out["end"].copy()
    nxt = np.r_[overlaps[1:], False]
    new_end[nxt] = out["start"].shift(-1)[nxt]
    out = out.assign(end=new_end, change=change).drop(columns="word")
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "level": pd.Series(dtype=str), "level_zh": pd.Series(dtype=str),
        "start": pd.Series(dtype="datetime64[ns]"), "end": pd.Series(dtype="datetime64[ns]"),
        "area": pd.Series(dtype=str), "issued": pd.Series(dtype="datetime64[ns]"),
        "source": pd.Series(dtype=str), "row": pd.Series(dtype=np.int64),
        "alert": pd.Series(dtype=np.int64), "change": pd.Series(dtype=str),
    })
