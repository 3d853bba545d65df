"""Monthly per-town progress reports (台账) read from Excel or CSV and checked.

A ledger sheet, as bureaus make them, may have a title row above the header, a two-row
header with merged cells (``完成情况`` over ``本月完成`` / ``累计完成``), task cells merged down
over their town rows, blank spacer rows and totals rows (合计/小计/总计). :func:`read_ledger`
reads all of that into one tidy row per town, task and month:

``file``, ``row`` (1-based row in the sheet), ``month`` ('YYYY-MM'), ``town_code``,
``town_name``, ``task_id``, ``unit``, ``target_reported``, ``monthly``, ``cumulative``.

Header words recognised (whitespace and line breaks inside a cell are ignored) are listed in
:data:`HEADER_ALIASES`. Each row is mapped to a plan task through a ``任务编号`` column (the
plan's task id) or, failing that, the task text (``重点任务``). Town names resolve through the
town registry and its aliases (:func:`airlib.io.registry.resolve_towns`); an unknown name is an
:class:`~airlib.errors.UnknownNameError` listing the closest names.

:func:`check_ledger` flags, with file and row: negative values, a cumulative figure lower
than the month before, a cumulative change that disagrees with the month's figure, a
cumulative figure far above the town's target, a reported target or unit that differs from
the plan, and progress reported by a town that has no share of the task.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.files import refuse_if_larger
from airlib.io.plans import Plan, town_targets
from airlib.io.registry import resolve_towns
from airlib.periods import parse_month
from airlib.settings import DEFAULT, Settings

__all__ = [
    "FLAG_LABELS",
    "ledger_files",
    "plan_ledger_files",
    "HEADER_ALIASES",
    "LEDGER_LABELS",
    "LedgerWarning",
    "check_ledger",
    "plan_town_targets",
    "read_ledger",
    "read_ledgers",
]

#: Canonical column → header texts accepted (after removing whitespace).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "town": ("镇街", "街乡镇", "乡镇街道", "镇街名称", "镇（街道）", "镇(街道)", "属地", "街道乡镇", "乡镇", "镇街道"),
    "task_id": ("任务编号", "编号", "任务代码"),
    "task": ("重点任务", "任务名称", "任务", "工作任务"),
    "unit": ("计量单位", "单位"),
    "target_reported": ("任务量", "目标任务量", "年度任务", "任务目标", "目标"),
    "monthly": ("本月完成", "当月完成", "本月完成量", "本月"),
    "cumulative": ("累计完成", "累计完成量", "截至本月累计完成", "累计"),
    "month": ("月份", "报送月份", "统计月份"),
    "note": ("备注",),
}

_TOTAL_RE = re.compile(r"^(合计|总计|小计|全区合计)$")
#: A row whose town cell is 全区 (or the district's name) is a district-level report for a task
#: without a per-town split, and a totals row for a task with one.
_DISTRICT_WORDS = ("全区",)
_MONTH_IN_TEXT = re.compile(r"(\d{4})\s*[年\-_.]\s*(\d{1,2})\s*月?")
_MISSING = {"", "-", "—", "——", "/", "无", "nan", "NaN", "None"}

LEDGER_LABELS = {
    "file": "文件",
    "row": "行号",
    "month": "月份",
    "town_code": "镇街代码",
    "town_name": "镇街",
    "task_id": "任务编号",
    "unit": "单位",
    "target_reported": "报送任务量",
    "monthly": "本月完成",
    "cumulative": "累计完成",
}

FLAG_LABELS = {
    "file": "文件",
    "row": "行号",
    "month": "月份",
    "town_name": "镇街",
    "task_id": "任务编号",
    "check": "检查项",
    "message": "说明",
}

_CHECKS = {
    "negative": "负值",
    "cumulative_decrease": "累计值下降",
    "monthly_mismatch": "累计增量与本月完成不符",
    "far_above_target": "完成量远超目标",
    "no_target": "无分解任务",
    "target_mismatch": "报送任务量与方案不符",
    "unit_mismatch": "单位与方案不符",
    "not_reported": "未报送",
}


class LedgerWarning(UserWarning):
    """A suspicious ledger value (negative, decreasing cumulative, far above target …)."""


def _norm(x: object) -> str:
    return re.sub(r"\s+", "", str(x)) if x is not None and not (isinstance(x, float) and np.isnan(x)) else ""


def _rows(r) -> int | list[int]:
    """Row numbers for an error: one int for a single row."""
    r = [int(x) for x in np.atleast_1d(r)]
    return r[0] if len(r) == 1 else r


def _match_header(cell: str) -> str | None:
    for key, names in HEADER_ALIASES.items():
        if cell in names:
            return key
    return None


def _read_csv(path: Path) -> pd.DataFrame:
    """A ledger CSV as text cells: UTF-8 (with or without BOM), else GBK/GB18030 Chinese text."""
    import io

    from airlib.io.text_decoding import decode_text

    text, _ = decode_text(path.read_bytes(), file=path)
    return pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)


def _read_raw(path: Path, sheet: str | int, settings: Settings | None = None) -> pd.DataFrame:
    """Read a ledger file as a grid of cells, every failure an :class:`InputDataError` naming it.

    Limits: file size ``ledger_max_bytes``; XLSX inflated size ``max_xlsx_inflated_bytes`` and
    formula cells without a saved result, by the one XLSX check of every reader
    (:func:`airlib.io.ingest.columns.check_xlsx`).
    """
    s = DEFAULT if settings is None else settings
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xls", ".csv", ".txt"):
        raise InputDataError(f"unsupported ledger file type {suffix!r} (use .xlsx or .csv)", file=path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputDataError("ledger file not found", file=path) from None
    refuse_if_larger(path, size, s.ledger_max_bytes, "ledger_max_bytes", what="the ledger file")
    try:
        if suffix in (".xlsx", ".xlsm"):
            from airlib.io.ingest.columns import check_xlsx

            check_xlsx(path, sheet, s)
            raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
        elif suffix == ".xls":
            raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object)
        else:
            raw = _read_csv(path)
    except InputDataError:
        raise
    except FileNotFoundError:
        raise InputDataError("ledger file not found", file=path) from None
    except PermissionError:
        raise InputDataError("the ledger file cannot be read: no permission", file=path) from None
    except ImportError:  # .xls needs xlrd, which airlib does not depend on
        raise InputDataError("old-style .xls workbooks cannot be read; save the ledger as .xlsx or CSV",
                             file=path) from None
    except ValueError as exc:
        if "Worksheet" in str(exc) or "sheet" in str(exc).lower():
            raise InputDataError(f"cannot read ledger: {exc}", file=path) from None
        raise InputDataError(
            f"cannot read the ledger ({exc}); open it in Excel and save it again, or export it as "
            "UTF-8 CSV", file=path) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file may fail anywhere in the reader
        raise InputDataError(
            f"cannot read the ledger: the file is damaged or not a {suffix} file "
            f"({type(exc).__name__}: {exc}); open it in Excel and save it again, or export it as "
            "UTF-8 CSV", file=path) from None
    return raw.map(lambda v: v.strip() if isinstance(v, str) else v)


def _find_header(raw: pd.DataFrame, path: Path) -> tuple[int, list[str | None], int]:
    """Locate the header: (first header row index, canonical name per column, first data row)."""
    cells = raw.head(15).map(_norm)
    for i in range(len(cells)):
        keys = [_match_header(c) for c in cells.iloc[i]]
        if "town" in keys:
            labels = list(keys)
            first_data = i + 1
            # Two-row header: the next row holds sub-labels under merged cells.
            if i + 1 < len(cells):
                sub = [_match_header(c) for c in cells.iloc[i + 1]]
                if any(k in ("monthly", "cumulative", "target_reported") for k in sub) and "town" not in sub:
                    labels = [s if s is not None else t for s, t in zip(sub, keys, strict=True)]
                    first_data = i + 2
            return i, labels, first_data
    raise InputDataError(
        "no header row found: expected a column named one of " + "、".join(HEADER_ALIASES["town"]),
        file=path, row=list(range(1, min(len(raw), 15) + 1)) or None,
    )


def _numbers(s: pd.Series, path: Path, column: str, rows: np.ndarray) -> pd.Series:
    txt = (s.astype("string").str.replace(",", "", regex=False).str.replace("，", "", regex=False)
           .str.replace("%", "", regex=False).str.strip())
    txt = txt.mask(txt.isin(list(_MISSING)))
    num = pd.to_numeric(txt, errors="coerce")
    bad = txt.notna() & num.isna()
    if bad.any():
        r = rows[bad.to_numpy()]
        raise InputDataError(f"not a number: {txt[bad].iloc[0]!r}", file=path, row=_rows(r), column=column)
    return num.astype("float64")


def _month_of(path: Path, raw: pd.DataFrame, header_row: int, month: str | None) -> str | None:
    if month is not None:
        return str(parse_month(month))
    texts = [" ".join(_norm(v) for v in raw.iloc[r] if _norm(v)) for r in range(header_row)] + [path.stem]
    for t in texts:
        m = _MONTH_IN_TEXT.search(t)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def _task_matcher(plan: Plan):
    by_id = {t.id: t.id for t in plan.tasks}
    by_text: dict[str, str] = {}
    for t in plan.tasks:
        by_text.setdefault(_norm(t.task), t.id)
    return by_id, by_text


def read_ledger(
    path: str | PathLike[str],
    plan: Plan,
    towns: pd.DataFrame,
    *,
    sheet: str | int = 0,
    month: str | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Read one monthly ledger sheet into tidy rows.

    Parameters
    ----------
    path
        ``.xlsx`` or ``.csv`` file (UTF-8 or GB18030).
    plan
        The plan whose tasks the rows report on.
    towns
        Town registry (``town_code``, ``town_name``, ``aliases``, ``district_name``).
    sheet
        Excel sheet name or index.
    month
        Report month ('YYYY-MM'). Default: a ``月份`` column, else the first ``YYYY年M月`` in
        the title rows, else in the file name.
    settings
        Reading limits ``ledger_max_bytes`` and ``max_xlsx_inflated_bytes``.

    Returns
    -------
    DataFrame
        Columns ``file``, ``row``, ``month``, ``town_code``, ``town_name``, ``task_id``, ``unit``,
        ``target_reported``, ``monthly``, ``cumulative`` (values in the task's unit).

    Raises
    ------
    InputDataError
        An unreadable file (missing, too large, damaged or truncated workbook, an XLSX that
        inflates beyond the limit, a CSV neither UTF-8 nor GBK/GB18030), no header, no month,
        no value column, a non-numeric value, an unknown task (with the
        closest task names), or (``UnknownNameError``) an unknown town (with the closest names).
    """
    path = Path(path)
    raw = _read_raw(path, sheet, settings)
    header_row, labels, first = _find_header(raw, path)
    body = raw.iloc[first:].copy()
    body.columns = [lab if lab is not None else f"_col{i}" for i, lab in enumerate(labels)]
    body = body.loc[:, ~pd.Index(body.columns).duplicated()]
    rows = np.arange(first, len(raw)) + 1  # 1-based sheet rows
    body.insert(0, "_row", rows)
    blank = body.drop(columns="_row").map(_norm).eq("").all(axis=1)
    body = body.loc[~blank]
    # Totals rows: 合计/小计/总计 in any text cell (bureaus put it under 镇街 or under 序号).
    cells = body.drop(columns="_row").map(_norm)
    is_total = cells.apply(lambda col: col.str.fullmatch(_TOTAL_RE.pattern)).any(axis=1)
    body = body.loc[~is_total]
    # Notes and remarks rows (no value in any value column) are not data.
    vcols = [c for c in ("target_reported", "monthly", "cumulative") if c in body]
    if vcols:
        body = body.loc[body[vcols].map(_norm).ne("").any(axis=1)]
    # Merged cells keep their value only in the first row of the block: task-major sheets merge
    # the task cells, town-major sheets the town cell.
    for col in ("town", "task_id", "task", "unit"):
        if col in body:
            body[col] = body[col].mask(body[col].map(_norm).eq("")).ffill()
    town_txt = body["town"].map(_norm)
    body = body.loc[town_txt.ne("")]
    if body.empty:
        raise InputDataError("ledger has no town rows", file=path)
    if "monthly" not in body and "cumulative" not in body:
        raise InputDataError("no value column: expected 本月完成 and/or 累计完成", file=path, row=header_row + 1)
    r = body["_row"].to_numpy()
    out = pd.DataFrame({"file": path.name, "row": r}, index=body.index)

    if "month" in body:
        m = body["month"].map(lambda v: _norm(v))
        parsed = m.str.extract(_MONTH_IN_TEXT.pattern)
        ok = parsed[0].notna()
        if not ok.all():
            raise InputDataError(f"cannot read month {m[~ok].iloc[0]!r}", file=path, row=_rows(r[~ok.to_numpy()]), column="月份")
        out["month"] = parsed[0].str.zfill(4) + "-" + parsed[1].str.zfill(2)
    else:
        mm = _month_of(path, raw, header_row, month)
        if mm is None:
            raise InputDataError("report month not found: give month=, a 月份 column or 'YYYY年M月' in the title", file=path)
        out["month"] = mm

    by_id, by_text = _task_matcher(plan)
    if "task_id" in body:
        tid = body["task_id"].map(_norm)
        known = tid.isin(list(by_id))
        if not known.all():
            v = tid[~known].iloc[0]
            raise InputDataError(
                f"unknown task id {v!r}; plan {plan.id} has {', '.join(by_id)}",
                file=path, row=_rows(r[~known.to_numpy()]), column="任务编号",
            )
        out["task_id"] = tid.to_numpy()
    elif "task" in body:
        tt = body["task"].map(_norm)
        mapped = tt.map(by_text)
        if mapped.isna().any():
            v = tt[mapped.isna()].iloc[0]
            close = [t for t in by_text if v and (v in t or t in v)]
            close += [c for c in difflib.get_close_matches(v, list(by_text), n=3, cutoff=0.3) if c not in close]
            close = close[:3]
            raise InputDataError(
                f"task {v!r} is not in plan {plan.id}; closest: {'、'.join(close) or '(none)'}",
                file=path, row=_rows(r[mapped.isna().to_numpy()]), column="重点任务",
            )
        out["task_id"] = mapped.to_numpy()
    else:
        raise InputDataError("no task column: expected 任务编号 or 重点任务", file=path, row=header_row + 1)
    out["task_id"] = out["task_id"].astype("string")

    town_txt = body["town"].map(_norm)
    district = plan.plan.district
    words = {*_DISTRICT_WORDS, district, f"{district}合计"}
    is_district = town_txt.isin(words).to_numpy()
    split = {t.id for t in plan.tasks if t.towns}
    is_split_total = is_district & out["task_id"].isin(split).to_numpy()
    keep = ~is_split_total
    body, out, r, is_district = body.loc[keep], out.loc[keep], r[keep], is_district[keep]
    codes = pd.Series(pd.NA, index=out.index, dtype="string")
    if (~is_district).any():
        codes[~is_district] = resolve_towns(body.loc[~is_district, "town"].astype("string"), towns, file=path,
                                            column="镇街", rows=r[~is_district]).to_numpy()
    codes[is_district] = plan.plan.district_code or district
    out["town_code"] = codes
    names = towns.set_index("town_code")["town_name"].astype("string")
    out["town_name"] = out["town_code"].map(names).astype("string")
    out.loc[is_district, "town_name"] = district
    out["unit"] = body["unit"].map(_norm).astype("string") if "unit" in body else pd.NA
    out["unit"] = out["unit"].astype("string")
    for col, zh in (("target_reported", "任务量"), ("monthly", "本月完成"), ("cumulative", "累计完成")):
        out[col] = _numbers(body[col], path, zh, r) if col in body else np.nan
    dup = out.duplicated(["month", "town_code", "task_id"], keep=False)
    if dup.any():
        raise InputDataError("the same town and task appear twice in one month", file=path, row=_rows(out.loc[dup, "row"].to_numpy()))
    out = out[["file", "row", "month", "town_code", "town_name", "task_id", "unit", "target_reported", "monthly",
               "cumulative"]]
    return out.reset_index(drop=True)


def ledger_files(folder: str | PathLike[str]) -> list[Path]:
    """The ledger files :func:`read_ledgers` reads from ``folder``: ``*.xlsx`` and ``*.csv``,
    without Excel lock files (``~$…``), sorted; empty when the folder does not exist."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in [*folder.glob("*.xlsx"), *folder.glob("*.csv")] if not p.name.startswith("~$"))


def plan_ledger_files(folder: str | PathLike[str], plan_id: str) -> tuple[list[Path], list[Path]]:
    """The ledger files of one plan in a ledger folder: ``(own, shared)``.

    ``own``: the files of ``<folder>/<plan id>/`` (:func:`ledger_files`), the ledgers of that
    plan; ``shared``: the files directly in ``<folder>``, which may belong to any plan and are
    tried against each plan in force (docs/plans.md §4, "Ledger folders"). Both empty when
    the folder does not exist.
    """
    folder = Path(folder)
    return ledger_files(folder / plan_id), ledger_files(folder)


def read_ledgers(
    paths: Iterable[str | PathLike[str]] | str | PathLike[str],
    plan: Plan,
    towns: pd.DataFrame,
    *,
    check: bool = True,
    warn: bool = True,
    far_above: float = 1.5,
    on_error: Literal["raise", "skip"] = "raise",
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Read several monthly ledgers (a folder: every ``*.xlsx`` and ``*.csv`` in it).

    Months missing a ``累计完成`` figure get the running sum of ``本月完成``. With
    ``check=True`` the flags of :func:`check_ledger` are attached as ``ledger.attrs["flags"]``
    and, with ``warn=True``, emitted as :class:`LedgerWarning`.

    With ``on_error="raise"`` (default) the first file that cannot be read raises its
    :class:`InputDataError`. With ``on_error="skip"`` such files are left out and listed in
    ``ledger.attrs["unreadable"]`` (``[{"file": ..., "message": ...}]``, also emitted as
    :class:`LedgerWarning` with ``warn=True``), so that one bad file does not hide the
    others; if no file can be read, an :class:`InputDataError` names every bad file.
    """
    if isinstance(paths, (str, PathLike)) and Path(paths).is_dir():
        folder = Path(paths)
        paths = ledger_files(folder)
    elif isinstance(paths, (str, PathLike)):
        paths = [paths]
    frames: list[pd.DataFrame] = []
    unreadable: list[dict[str, str]] = []
    for p in paths:
        try:
            frames.append(read_ledger(p, plan, towns, settings=settings))
        except InputDataError as exc:
            if on_error != "skip":
                raise
            unreadable.append({"file": str(p), "message": str(exc)})
    if not frames:
        if unreadable:
            err = InputDataError(
                f"no ledger could be read ({len(unreadable)} file(s)): "
                + "; ".join(u["message"] for u in unreadable))
            err.unreadable = unreadable  # type: ignore[attr-defined] # per file, for callers that list them
            raise err
        raise InputDataError("no ledger files found", file=None)
    led = pd.concat(frames, ignore_index=True).sort_values(["task_id", "town_code", "month"], kind="stable")
    dup = led.duplicated(["month", "town_code", "task_id"], keep=False)
    if dup.any():
        d = led.loc[dup].iloc[0]
        raise InputDataError(
            f"{d['town_name']} {d['task_id']} {d['month']} reported in more than one file: "
            + "、".join(sorted(set(led.loc[dup, "file"]))),
            file=d["file"], row=int(d["row"]),
        )
    run = led.groupby(["task_id", "town_code"], sort=False)["monthly"].cumsum()
    led["cumulative"] = led["cumulative"].fillna(run.where(led["monthly"].notna()))
    led = led.reset_index(drop=True)
    led.attrs["unreadable"] = unreadable
    if warn:
        for u in unreadable:
            warnings.warn(f"ledger skipped: {u['message']}", LedgerWarning, stacklevel=2)
    if check:
        flags = check_ledger(led, plan, towns, far_above=far_above)
        led.attrs["flags"] = flags
        if warn:
            for f in flags.itertuples(index=False):
                where = f.file if pd.isna(f.row) else f"{f.file} row {f.row}"
                warnings.warn(f"{where}: {f.message}", LedgerWarning, stacklevel=2)
    return led


def plan_town_targets(plan: Plan, towns: pd.DataFrame) -> pd.DataFrame:
    """Per-town task targets with resolved codes: ``task_id``, ``town_code``, ``town_name``, ``target``."""
    tt = town_targets(plan)
    codes = resolve_towns(tt["town"].astype("string"), towns, file=plan.path, column="towns", rows=[]) if len(tt) else \
        pd.Series([], dtype="string")
    names = towns.set_index("town_code")["town_name"].astype("string")
    out = pd.DataFrame({
        "task_id": tt["task_id"].astype("string"),
        "town_code": codes.astype("string").to_numpy(),
        "target": tt["target"].to_numpy(),
    })
    out["town_name"] = out["town_code"].map(names).astype("string")
    return out[["task_id", "town_code", "town_name", "target"]]


def check_ledger(ledger: pd.DataFrame, plan: Plan, towns: pd.DataFrame, *, far_above: float = 1.5,
                 tol: float = 1e-6) -> pd.DataFrame:
    """Flag suspicious ledger rows.

    Parameters
    ----------
    ledger
        Rows from :func:`read_ledger` / :func:`read_ledgers` (several months).
    far_above
        A cumulative value above ``far_above`` × the town's target is flagged (default 1.5).
    tol
        Absolute tolerance for comparing figures.

    Returns
    -------
    DataFrame
        ``file``, ``row``, ``month``, ``town_name``, ``task_id``, ``check`` (key of the check),
        ``message`` (Chinese), sorted by file and row. Checks: ``negative``,
        ``cumulative_decrease``, ``monthly_mismatch``, ``far_above_target``, ``no_target``,
        ``target_mismatch``, ``unit_mismatch``, ``not_reported`` (row NA).
    """
    led = ledger.sort_values(["task_id", "town_code", "month"], kind="stable").reset_index(drop=True)
    tgt = plan_town_targets(plan, towns)[["task_id", "town_code", "target"]]
    dcode = plan.plan.district_code or plan.plan.district
    dist = pd.DataFrame([{"task_id": t.id, "town_code": dcode, "target": float(t.total)} for t in plan.tasks
                         if not t.towns and t.total is not None], columns=["task_id", "town_code", "target"])
    tgt_all = pd.concat([tgt, dist.astype({"task_id": "string", "town_code": "string"})], ignore_index=True)
    led = led.merge(tgt_all, on=["task_id", "town_code"], how="left")
    units = pd.Series({t.id: t.unit for t in plan.tasks}, dtype="string")
    plan_unit = led["task_id"].map(units)
    g = led.groupby(["task_id", "town_code"], sort=False)
    prev_cum = g["cumulative"].shift()
    prev_month = g["month"].shift()
    consecutive = prev_month.notna() & (
        pd.PeriodIndex(led["month"], freq="M").asi8 - pd.PeriodIndex(prev_month.fillna(led["month"]), freq="M").asi8 == 1
    )
    with np.errstate(invalid="ignore"):  # NaN targets/values compare as False
        checks: list[tuple[pd.Series, str, pd.Series]] = []
        neg = (led["monthly"] < -tol) | (led["cumulative"] < -tol)
        checks.append((neg, "negative", "本月完成 " + led["monthly"].astype("string").fillna("—")
                       + "，累计完成 " + led["cumulative"].astype("string").fillna("—") + "，出现负值"))
        dec = led["cumulative"] < prev_cum - tol
        checks.append((dec, "cumulative_decrease", "累计完成由上月 " + prev_cum.astype("string") + " 降至 "
                       + led["cumulative"].astype("string")))
        mism = consecutive & led["monthly"].notna() & led["cumulative"].notna() & prev_cum.notna() & \
            ((led["cumulative"] - prev_cum - led["monthly"]).abs() > tol) & ~dec
        checks.append((mism, "monthly_mismatch", "累计增量 " + (led["cumulative"] - prev_cum).round(6).astype("string")
                       + " 与本月完成 " + led["monthly"].astype("string") + " 不符"))
        far = (led["target"] > 0) & (led["cumulative"] > far_above * led["target"] + tol)
        checks.append((far, "far_above_target", "累计完成 " + led["cumulative"].astype("string") + " 超过目标 "
                       + led["target"].astype("string") + f" 的 {far_above:g} 倍"))
        zero_t = (led["target"] == 0) & (led["cumulative"] > tol)
        checks.append((zero_t, "far_above_target", "目标为 0，累计完成 " + led["cumulative"].astype("string")))
        notgt = led["target"].isna() & (led["cumulative"].fillna(0).abs() > tol)
        checks.append((notgt, "no_target", "该镇街无此项分解任务，但报送完成 " + led["cumulative"].astype("string")))
        tm = led["target_reported"].notna() & led["target"].notna() & ((led["target_reported"] - led["target"]).abs() > tol)
        checks.append((tm, "target_mismatch", "报送任务量 " + led["target_reported"].astype("string") + "，方案为 "
                       + led["target"].astype("string")))
        um = led["unit"].notna() & plan_unit.notna() & (led["unit"] != plan_unit)
        checks.append((um, "unit_mismatch", "单位 " + led["unit"].astype("string") + "，方案为 " + plan_unit.astype("string")))
    parts = []
    for mask, key, msg in checks:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            sub = led.loc[mask, ["file", "row", "month", "town_name", "task_id"]].copy()
            sub["check"] = key
            sub["message"] = (led.loc[mask, "town_name"].astype("string") + " " + led.loc[mask, "task_id"].astype("string")
                              + " " + led.loc[mask, "month"].astype("string") + "：" + _CHECKS[key] + "（"
                              + msg[mask].astype("string") + "）")
            parts.append(sub)
    # Towns with a share of a task that sent no row for it in a month other towns reported.
    months = led.groupby("month", sort=True)["file"].first()
    full = tgt.assign(_k=1).merge(pd.DataFrame({"month": months.index, "file": months.to_numpy(), "_k": 1}), on="_k")
    miss = full.merge(led[["month", "town_code", "task_id"]].assign(_seen=True),
                      on=["month", "town_code", "task_id"], how="left")
    miss = miss.loc[miss["_seen"].isna()]
    if len(miss):
        names = towns.set_index("town_code")["town_name"].astype("string")
        sub = pd.DataFrame({"file": miss["file"].to_numpy(), "row": pd.NA, "month": miss["month"].to_numpy(),
                            "town_name": miss["town_code"].map(names).to_numpy(), "task_id": miss["task_id"].to_numpy()})
        sub["check"] = "not_reported"
        sub["message"] = (sub["town_name"].astype("string") + " " + sub["task_id"].astype("string") + " "
                          + sub["month"].astype("string") + "：未报送（方案分解任务量 "
                          + miss["target"].astype("string").to_numpy() + "）")
        parts.append(sub)
    cols = ["file", "row", "month", "town_name", "task_id", "check", "message"]
    if not parts:
        return pd.DataFrame(columns=cols)
    parts = [p.astype({"row": "Int64"}) for p in parts]
    return pd.concat(parts, ignore_index=True).sort_values(["file", "row", "check"], kind="stable").reset_index(drop=True)[cols]
