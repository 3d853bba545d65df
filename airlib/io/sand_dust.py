"""Reader of the published sand-dust period list (沙尘天气过程影响时段, 扣沙; docs/dust.md).

Under 环办监测〔2016〕120号 ([MEE-SANDDUST-2016]) the China National Environmental Monitoring
Centre (中国环境监测总站) fixes the time and area of each sand-dust process and removes the
affected particulate data in its data review. A bureau receives (or keeps) that list as a
table: one row per period with its start, end and area. :func:`read_sand_dust_periods` reads
it from CSV or XLSX into the frame :func:`airlib.standards.sand_dust.dust_mask` takes.

Time convention (docs/architecture.md): ``start`` inclusive, ``end`` exclusive, naive Beijing
time. An hour labelled ``t`` (hour-beginning) is inside a period when ``start <= t`` and
``t + 1 h <= end``; an hour only partly inside is governed by the setting
``sand_dust_partial_hour`` (UNVERIFIED, default: covered), applied by the calculations, not
here: the reader keeps the instants as published.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.files import refuse_if_larger
from airlib.io.ingest.columns import drop_blank_rows, find_columns, parse_datetimes, read_any_table, row_arg
from airlib.settings import DEFAULT, Settings

__all__ = ["HEADER_ALIASES", "PERIOD_COLUMNS", "read_sand_dust_periods", "check_periods"]

#: Columns of the period frame.
PERIOD_COLUMNS: tuple[str, ...] = ("start", "end", "area", "source", "row")

#: Accepted header texts per column, most specific first (compared after
#: :func:`airlib.io.ingest.columns.normalise_header`).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "start": ("start", "开始时间", "起始时间", "开始", "起始", "影响开始时间", "沙尘开始时间", "开始时刻"),
    "end": ("end", "结束时间", "终止时间", "结束", "截止时间", "影响结束时间", "沙尘结束时间", "结束时刻"),
    "area": ("area", "影响区域", "影响范围", "区域", "地区", "城市", "区县", "行政区"),
}

def _read_table(path: Path, settings: Settings) -> pd.DataFrame:
    """The list as :func:`airlib.io.ingest.columns.read_any_table` reads it (index = file row as
    in Excel), after the type and size checks of a period list (``ledger_max_bytes``)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise InputDataError(f"unsupported file type {suffix!r} for a sand-dust period list; use .csv or .xlsx",
                             file=path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputDataError("sand-dust period list not found", file=path) from None
    refuse_if_larger(path, size, settings.ledger_max_bytes, "ledger_max_bytes", what="the sand-dust period list")

    def is_header(cells: list[str]) -> bool:
        return {"start", "end"} <= set(find_columns(cells, HEADER_ALIASES))

    try:
        frame, _ = read_any_table(path, is_header=is_header, settings=settings)
    except InputDataError:
        raise
    except PermissionError:
        raise InputDataError("the sand-dust period list cannot be read: no permission", file=path) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file may fail anywhere in the reader
        raise InputDataError(
            f"cannot read the sand-dust period list ({type(exc).__name__}: {exc}); open it in Excel and "
            "save it again, or export it as UTF-8 CSV", file=path) from None
    return frame


def read_sand_dust_periods(
    path: str | PathLike[str],
    *,
    end_is_last_hour: bool = False,
    default_area: str | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Read a published sand-dust period list (扣沙时段表) from CSV or XLSX.

    Implements the input of 环办监测〔2016〕120号 ([MEE-SANDDUST-2016]): the affected time
    (影响时段) and area (影响范围) of each sand-dust process.

    Parameters
    ----------
    path : path-like
        ``.csv`` (UTF-8 or GBK) or ``.xlsx``. The header may be preceded by comment lines
        (e.g. ``# SYNTHETIC``); it holds a start, an end and (optionally) an area column,
        under the English or usual Chinese names (:data:`HEADER_ALIASES`: 开始时间, 结束时间,
        影响区域 …).
    end_is_last_hour : bool
        False (default): ``end`` is the instant the period ends (exclusive). True: the list
        gives the label of the last affected hour (hour-beginning), so one hour is added.
    default_area : str, optional
        Area of every row when the list has no area column; without it such a list is an error.
    settings : Settings, optional
        ``ledger_max_bytes`` limits the file size.

    Returns
    -------
    DataFrame
        ``start`` (inclusive), ``end`` (exclusive) naive Beijing-time Timestamps, ``area``
        (str), ``source`` (file name), ``row`` (1-based file row, header rows counted),
        sorted by area and start.

    Raises
    ------
    InputDataError
        Naming the file, row and column: missing start/end (or area) column, an unparsable
        time, ``end <= start``, two overlapping periods of the same area (both rows named).
    """
    s = DEFAULT if settings is None else settings
    p = Path(path)
    frame = _read_table(p, s)
    cols = find_columns(frame.columns, HEADER_ALIASES)
    if not {"start", "end"} <= set(cols):
        raise InputDataError(
            "no header with a start and an end column found in the first 20 rows; name them "
            "开始时间 and 结束时间 (or start, end), with 影响区域 (area)", file=p)
    header_row = int(frame.index[0]) - 1 if len(frame) else None
    if "area" not in cols and default_area is None:
        raise InputDataError(
            "no area column (影响区域); add one naming the district or 全市 for each period, or pass "
            "default_area", file=p, row=header_row)
    body = drop_blank_rows(frame)
    comment = body.iloc[:, 0].astype("string").fillna("").str.lstrip().str.startswith("#").to_numpy(dtype=bool)
    body = body[~comment]
    rows = body.index.to_numpy()
    start = parse_datetimes(body[cols["start"]], file=p, column=cols["start"], rows=rows)
    end = parse_datetimes(body[cols["end"]], file=p, column=cols["end"], rows=rows)
    if end_is_last_hour:
        end = end + pd.Timedelta(hours=1)
    if "area" in cols:
        area = body[cols["area"]].astype("string").fillna("").str.replace(r"\s+", "", regex=True)
        empty = rows[(area == "").to_numpy(dtype=bool)]
        if len(empty):
            raise InputDataError("the area is empty; name the district (or 全市)", file=p, row=row_arg(empty),
                                 column=cols["area"])
    else:
        area = pd.Series(default_area, index=body.index)
    out = pd.DataFrame({"start": start.to_numpy(), "end": end.to_numpy(), "area": area.astype(str).to_numpy(),
                        "source": p.name, "row": rows.astype(int)})
    return check_periods(out, file=p, end_column=cols["end"])


def check_periods(periods: pd.DataFrame, *, file: str | PathLike[str] | None = None,
                  end_column: str = "end") -> pd.DataFrame:
    """Check a period frame (``end > start``; no two periods of one area overlap) and sort it.

    Parameters
    ----------
    periods : DataFrame
        ``start``, ``end``, ``area`` and optionally ``row`` (file rows, used in messages).

    Returns
    -------
    DataFrame
        The periods sorted by area and start, fresh index.

    Raises
    ------
    InputDataError
        ``end <= start`` (the row), or an overlap (both rows named).
    """
    missing = [c for c in ("start", "end", "area") if c not in periods.columns]
    if missing:
        raise InputDataError(f"the period list lacks column(s) {', '.join(missing)}", file=file)
    if periods.empty:  # a list with a header only: no period (nothing to check)
        return periods.reset_index(drop=True)
    rows = periods["row"] if "row" in periods.columns else pd.Series(np.arange(len(periods)) + 1,
                                                                      index=periods.index)
    bad = (periods["end"] <= periods["start"]).to_numpy()
    if bad.any():
        raise InputDataError(
            "the end is not after the start; check the dates (the end is the instant the period ends)",
            file=file, row=[int(r) for r in rows[bad]] if bad.sum() > 1 else int(rows[bad].iloc[0]),
            column=end_column)
    out = periods.assign(row=rows).sort_values(["area", "start"], kind="stable").reset_index(drop=True)
    # the latest end of the earlier periods of the same area (sorted by start)
    prev_end = out.groupby("area", sort=False)["end"].transform(lambda e: e.cummax().shift())
    overlap = (out["start"] < prev_end).to_numpy()
    if overlap.any():
        i = int(np.flatnonzero(overlap)[0])
        earlier = out.iloc[:i]
        j = int(np.flatnonzero(((earlier["area"] == out["area"].iat[i])
                                & (earlier["end"] > out["start"].iat[i])).to_numpy())[0])
        a, b = int(out["row"].iat[j]), int(out["row"].iat[i])
        raise InputDataError(
            f"periods of area {out['area'].iat[i]!r} in rows {a} and {b} overlap "
            f"({out['start'].iat[j]:%Y-%m-%d %H:%M}–{out['end'].iat[j]:%Y-%m-%d %H:%M} and "
            f"{out['start'].iat[i]:%Y-%m-%d %H:%M}–{out['end'].iat[i]:%Y-%m-%d %H:%M}); merge them into one row",
            file=file, row=[a, b])
    if "row" not in periods.columns:
        out = out.drop(columns="row")
    return out
