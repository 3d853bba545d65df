"""Sentences of the monthly report built from the table they summarise, with their facts.

Each sentence is made by a pure function that first reads the facts off the ranking table
(who is first and last, ties, how many towns improved, rose or stayed level, which towns
have no data) into a small frozen dataclass and then words them with explicit cases, so that
a sentence never claims more than the table shows:

* the sign of a change chooses the word: a fall is 改善 (improved), a rise 上升 (rose),
  0.0 % is 持平 (unchanged); a word whose case does not occur is never written;
* several towns sharing first or last place are all named, with 并列 (tied);
* "all towns" (均) is said only when every town compared is in that case, and the towns
  compared are counted against the towns listed;
* towns without a valid monthly value (or without last year's value) are counted and said;
* a table without any valid value gives one sentence saying so.

:func:`check_ranking_summary` verifies a sentence against a table independently of the
code that wrote it (it recomputes every fact from the table with its own pandas
expressions and looks for the words the facts allow); the report calls it on every
summary it prints (:func:`airlib.report.content.ranking_summary_markdown`), and the tests
call it on hand-made months.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from airlib.errors import AirlibError
from airlib.escaping import markdown_text
from airlib.settings import DEFAULT, Settings
from airlib.standards.pollution_days import LEVELS as ALERT_LEVEL_NAMES
from airlib.report.texts import dust_text, text

__all__ = [
    "ForecastSummary", "check_forecast_summary", "forecast_summary", "require_true_forecast_summary",
    "HeavyDaysSentence", "ProgressSummary", "RankingSummary", "YoyFacts", "check_heavy_days_sentence",
    "check_progress_summary", "check_ranking_summary", "format_change", "heavy_days_sentence", "progress_summary",
    "ranking_summary", "require_true_heavy_days_sentence", "require_true_progress_summary", "require_true_summary",
    "WarningSummary", "check_warning_summary", "require_true_warning_summary", "warning_summary",
    "SandDustStatement", "check_sand_dust_statement", "require_true_sand_dust_statement", "sand_dust_statement",
    "DustSummary", "check_dust_summary", "dust_summary", "require_true_dust_summary",
    "TspHalfFacts", "check_tsp_half_sentence", "require_true_tsp_half_sentence", "tsp_half_sentence",
    "check_tsp_worst_sentence", "require_true_tsp_worst_sentence", "tsp_worst_sentence",
    "AlertSummary", "alert_summary", "check_alert_summary", "require_true_alert_summary",
    "StationSetStatement", "check_station_set_statement", "require_true_station_set_statement",
    "station_set_statement", "station_set_caption", "month_runs_text",
]


_S = TypeVar("_S")


def _require(sentence: _S, problems: list[str], what: str) -> _S:
    """``sentence`` when its checker found nothing wrong (``problems`` empty).

    Raises
    ------
    AirlibError
        ``what`` ("the ranking summary does not agree with the ranking table") and each
        disagreement: the report is not written with a false sentence.
    """
    if problems:
        raise AirlibError(f"{what} (" + "; ".join(problems) + "); the report was not written — please report this")
    return sentence


@dataclass(frozen=True)
class YoyFacts:
    """Year-on-year facts of a ranking table (column ``yoy_pct`` [%], > 0 = worse).

    Attributes
    ----------
    n_compared : int
        Towns with a year-on-year change (a valid value this month and last year).
    n_improved, n_worsened, n_unchanged : int
        Towns whose change is < 0, > 0, == 0 (at published precision).
    best : tuple of str
        Towns with the largest fall (smallest change; improvement rank 1), all of them when
        tied; empty when nothing was compared.
    best_pct : float or None
        Their change [%].
    worst : tuple of str
        Towns with the largest rise (largest change), all of them when tied.
    worst_pct : float or None
        Their change [%].
    """

    n_compared: int
    n_improved: int
    n_worsened: int
    n_unchanged: int
    best: tuple[str, ...]
    best_pct: float | None
    worst: tuple[str, ...]
    worst_pct: float | None


@dataclass(frozen=True)
class RankingSummary:
    """The summary paragraph of the monthly ranking and the facts it states.

    Attributes
    ----------
    text : str
        The paragraph (Markdown; town names escaped with :func:`airlib.escaping.markdown_text`).
    language : {"zh", "en"}
    n_towns : int
        Towns listed in the table.
    n_valid : int
        Towns with a valid monthly value (a concentration rank).
    missing : tuple of str
        Towns without a valid monthly value, in table order.
    decimals : int
        Published precision of the month's values [decimals].
    lo, hi : float or None
        Lowest and highest valid value [µg/m³] (None without valid values).
    best, worst : tuple of str
        Towns ranked first, and ranked last (``worst_rank``); all of them when tied.
    worst_rank : int or None
        The last place (competition rank).
    yoy : YoyFacts or None
        Year-on-year facts; None when the table has no ``yoy_pct`` column.
    """

    text: str
    language: str
    n_towns: int
    n_valid: int
    missing: tuple[str, ...]
    decimals: int
    lo: float | None
    hi: float | None
    best: tuple[str, ...]
    worst: tuple[str, ...]
    worst_rank: int | None
    yoy: YoyFacts | None


def format_change(pct: float, settings: Settings | None = None) -> str:
    """A year-on-year change as printed [%]: signed (``+3.2``, ``-1.5``), and ``0.0`` unsigned.

    Parameters
    ----------
    pct : float [%]
        Change at published precision (``settings.yoy_decimals``).
    settings : Settings, optional
        ``yoy_decimals`` (default 1).

    Returns
    -------
    str
    """
    d = (DEFAULT if settings is None else settings).yoy_decimals
    return f"{0.0:.{d}f}" if pct == 0 else f"{pct:+.{d}f}"


def _names(table: pd.DataFrame) -> pd.Series:
    col = "town_name" if "town_name" in table else "town_code"
    return table[col].astype("string").fillna("—")


def _float(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def _yoy_facts(table: pd.DataFrame) -> YoyFacts:
    names = _names(table).to_numpy(dtype=object)
    pct = _float(table["yoy_pct"])
    has = ~np.isnan(pct)
    v = pct[has]
    if not v.size:
        return YoyFacts(0, 0, 0, 0, (), None, (), None)
    lo, hi = float(v.min()), float(v.max())
    return YoyFacts(
        n_compared=int(v.size),
        n_improved=int((v < 0).sum()),
        n_worsened=int((v > 0).sum()),
        n_unchanged=int((v == 0).sum()),
        best=tuple(str(x) for x in names[has & (pct == lo)]),
        best_pct=lo,
        worst=tuple(str(x) for x in names[has & (pct == hi)]),
        worst_pct=hi,
    )


def _join(names: Sequence[str], language: str) -> str:
    return text("list_sep", language).join(markdown_text(x) for x in names)


def _yoy_sentence(y: YoyFacts, n_valid: int, language: str, settings: Settings | None) -> str:
    t = lambda key, **kw: text(key, language, **kw)  # noqa: E731
    if y.n_compared == 0:
        return t("yoy_none")
    if y.n_compared == 1:
        word = t("yoy_word_improved" if y.best_pct < 0 else "yoy_word_worsened" if y.best_pct > 0
                 else "yoy_word_unchanged")
        return t("yoy_one", town=_join(y.best, language), word=word, pct=format_change(y.best_pct, settings))
    # every town ranked this month compared: "N个乡镇街道均…"; else only those with last year's value
    scope = t("yoy_scope_all" if y.n_compared == n_valid else "yoy_scope_some", count=y.n_compared)
    parts = [(y.n_improved, "yoy_word_improved"), (y.n_worsened, "yoy_word_worsened"),
             (y.n_unchanged, "yoy_word_unchanged")]
    present = [(n, key) for n, key in parts if n]
    if len(present) == 1:
        head = t("yoy_all_same", scope=scope, word=t(present[0][1]))
    else:
        counts = t("list_sep").join(t("yoy_count", count=n, word=t(key)) for n, key in present)
        head = t("yoy_mixed", scope=scope, counts=counts)
    clauses = []
    if y.n_improved:
        clauses.append(t("yoy_most_improved", towns=_join(y.best, language),
                         tied=t("tied") if len(y.best) > 1 else "", pct=format_change(y.best_pct, settings)))
    if y.n_worsened:
        clauses.append(t("yoy_most_worsened", towns=_join(y.worst, language),
                         tied=t("tied") if len(y.worst) > 1 else "", pct=format_change(y.worst_pct, settings)))
        if not y.n_improved and not y.n_unchanged and y.best_pct != y.worst_pct:
            clauses.append(t("yoy_least_worsened", towns=_join(y.best, language),
                             tied=t("tied") if len(y.best) > 1 else "", pct=format_change(y.best_pct, settings)))
    return head + (t("clause_sep") + t("clause_sep").join(clauses) if clauses else "") + t("sentence_end")


def ranking_summary(table: pd.DataFrame, month: pd.Period, language: str = "zh",
                    settings: Settings | None = None) -> RankingSummary:
    """The summary paragraph of a monthly ranking table, and the facts it states.

    Parameters
    ----------
    table : DataFrame
        :func:`airlib.tracking.ranking.ranking_table` output: ``town_name`` (or ``town_code``),
        ``pm25`` [µg/m³] at published precision, ``rank`` (NA = no valid value) and
        optionally ``yoy_pct`` [%].
    month : Period
        Report month (chooses the published precision,
        :func:`airlib.standards.rounding.published_precision`).
    language : {"zh", "en"}
    settings : Settings, optional
        Published precisions and ``yoy_decimals``.

    Returns
    -------
    RankingSummary
        ``text`` plus the facts used; the cases are: no valid value at all, one town, all
        towns tied, the general range with best/worst (ties named with 并列), then the
        towns without a valid value, then the year-on-year sentence (none compared, one
        town, all in one case, mixed counts; the largest fall only when a town fell, the
        largest rise only when a town rose).
    """
    from airlib.standards.rounding import published_precision

    month = pd.Period(month, freq="M")
    d = int(published_precision("pm25", month, settings))
    names = _names(table).to_numpy(dtype=object)
    rank = _float(table["rank"])
    value = _float(table["pm25"])
    has = ~np.isnan(rank)
    missing = tuple(str(x) for x in names[~has])
    yoy = _yoy_facts(table) if "yoy_pct" in table else None
    t = lambda key, **kw: text(key, language, **kw)  # noqa: E731
    f = {"year": month.year, "month": month.month, "ym": str(month)}
    n_valid = int(has.sum())
    if n_valid == 0:
        return RankingSummary(t("no_ranking"), language, len(table), 0, missing, d, None, None, (), (), None, yoy)
    lo, hi = float(value[has].min()), float(value[has].max())
    best = tuple(str(x) for x in names[has & (rank == 1)])
    worst_rank = int(rank[has].max())
    worst = tuple(str(x) for x in names[has & (rank == worst_rank)])
    if n_valid == 1:
        s = t("summary_one", town=_join(best, language), value=f"{lo:.{d}f}", **f)
    elif worst_rank == 1:
        s = t("summary_all_tied", count=n_valid, value=f"{lo:.{d}f}", **f)
    else:
        best_place = t("place_tied" if len(best) > 1 else "place", rank=1)
        worst_place = t("place_tied" if len(worst) > 1 else "place", rank=worst_rank)
        s = t("summary_range", count=n_valid, lo=f"{lo:.{d}f}", hi=f"{hi:.{d}f}", best=_join(best, language),
              best_place=best_place, worst=_join(worst, language), worst_place=worst_place, **f)
    if missing:
        s += t("summary_missing", count=len(missing), names=_join(missing, language))
    if yoy is not None:
        s += _yoy_sentence(yoy, n_valid, language, settings)
    return RankingSummary(s, language, len(table), n_valid, missing, d, lo, hi, best, worst, worst_rank, yoy)


def check_ranking_summary(summary: RankingSummary, table: pd.DataFrame) -> list[str]:
    """Check a summary against the table it summarises; the list of what is wrong (empty: true).

    Every fact is recomputed from ``table`` here, with pandas expressions of its own (not
    with the code of :func:`ranking_summary`), and the text is read for the words the facts
    allow: each named town and value is in the text; 改善/上升/持平 (improved/rose/unchanged)
    appear only when some town is in that case; 并列 (tied) appears exactly when a named
    first or last place, or a largest change, is shared.

    Parameters
    ----------
    summary : RankingSummary
    table : DataFrame
        The ranking table the summary claims to describe.

    Returns
    -------
    list of str
        One line per disagreement.
    """
    problems: list[str] = []
    lang, s = summary.language, summary.text
    name_col = "town_name" if "town_name" in table else "town_code"
    tb = table.assign(_name=table[name_col].astype("string").fillna("—"),
                      _rank=pd.to_numeric(table["rank"], errors="coerce"),
                      _v=pd.to_numeric(table["pm25"], errors="coerce"))
    ranked = tb[tb["_rank"].notna()]

    def same(label: str, claimed: object, actual: object) -> None:
        if claimed != actual:
            problems.append(f"{label}: the sentence says {claimed!r}, the table has {actual!r}")

    same("towns listed", summary.n_towns, len(tb))
    same("towns with a valid value", summary.n_valid, len(ranked))
    same("towns without a valid value", set(summary.missing), set(tb.loc[tb["_rank"].isna(), "_name"]))
    if len(ranked):
        same("lowest value", summary.lo, float(ranked["_v"].min()))
        same("highest value", summary.hi, float(ranked["_v"].max()))
        same("first place", set(summary.best), set(ranked.loc[ranked["_rank"] == 1, "_name"]))
        last = ranked["_rank"].max()
        same("last place", summary.worst_rank, int(last))
        same("towns in last place", set(summary.worst), set(ranked.loc[ranked["_rank"] == last, "_name"]))
        for x in (summary.lo, summary.hi):
            if x is not None and f"{x:.{summary.decimals}f}" not in s:
                problems.append(f"value {x:.{summary.decimals}f} is not in the sentence")
    all_tied = len(ranked) > 1 and ranked["_rank"].max() == 1  # "all N towns ... tied": no names needed
    named = [*([] if all_tied else [*summary.best, *summary.worst]), *(summary.missing if len(ranked) else ())]
    tied = (len(summary.best) > 1 or len(summary.worst) > 1) and len(ranked) > 1
    y = summary.yoy
    words = {"improved": False, "worsened": False, "unchanged": False}
    if "yoy_pct" in tb:
        pct = pd.to_numeric(tb["yoy_pct"], errors="coerce")
        comp = tb[pct.notna()].assign(_p=pct[pct.notna()])
        if y is None:
            problems.append("the table has year-on-year changes, the sentence has none")
        else:
            same("towns compared with last year", y.n_compared, len(comp))
            same("towns improved", y.n_improved, int((comp["_p"] < 0).sum()))
            same("towns worsened", y.n_worsened, int((comp["_p"] > 0).sum()))
            same("towns unchanged", y.n_unchanged, int((comp["_p"] == 0).sum()))
            if len(comp):
                top = comp.loc[comp["_p"] == comp["_p"].min(), "_name"]
                bottom = comp.loc[comp["_p"] == comp["_p"].max(), "_name"]
                if "yoy_rank" in tb:
                    same("improvement rank 1", set(top),
                         set(comp.loc[pd.to_numeric(comp["yoy_rank"], errors="coerce") == 1, "_name"]))
                if y.n_improved:
                    same("largest fall", (set(y.best), y.best_pct), (set(top), float(comp["_p"].min())))
                    named += list(y.best)
                    tied = tied or len(top) > 1
                if y.n_worsened:
                    same("largest rise", (set(y.worst), y.worst_pct), (set(bottom), float(comp["_p"].max())))
                    named += list(y.worst)
                    tied = tied or len(bottom) > 1
                    if not y.n_improved and not y.n_unchanged and y.best_pct != y.worst_pct:
                        named += list(y.best)
                        tied = tied or len(top) > 1
                words = {"improved": bool((comp["_p"] < 0).any()), "worsened": bool((comp["_p"] > 0).any()),
                         "unchanged": bool((comp["_p"] == 0).any())}
    for name in named:
        if markdown_text(name) not in s:
            problems.append(f"town {name!r} is not named in the sentence")
    bare = s  # the words are looked for outside the town names (a name may contain one)
    for name in sorted(set(tb["_name"]), key=len, reverse=True):
        bare = bare.replace(markdown_text(name), "")
    for key, allowed in words.items():
        word = text(f"yoy_word_{key}", lang)
        if not allowed and word in bare:
            problems.append(f"the sentence says {word!r} but no town is in that case")
    tie_word = text("tied_word", lang)
    if tied and tie_word not in bare:
        problems.append(f"a named place is shared but the sentence does not say {tie_word!r}")
    if not tied and tie_word in bare:
        problems.append(f"the sentence says {tie_word!r} but no named place is shared")
    return problems


def require_true_summary(summary: RankingSummary, table: pd.DataFrame) -> RankingSummary:
    """``summary`` when :func:`check_ranking_summary` finds nothing wrong.

    Raises
    ------
    AirlibError
        Naming each disagreement between the sentence and the table (a bug in the sentence
        code: the report is not written with a false sentence).
    """
    return _require(summary, check_ranking_summary(summary, table),
                    "the ranking summary does not agree with the ranking table")


# ---- heavy-pollution-day target (目标期累计) ------------------------------------------------------

@dataclass(frozen=True)
class HeavyDaysSentence:
    """The sentence on a heavy-pollution-day target and the numbers it states [days].

    Attributes
    ----------
    text : str
    language : str
    used : int or None
        Heavy days so far in the target period (None without a value).
    last : int or None
        The same window a year earlier.
    last_full : int or None
        Last year's whole period.
    allowed : int or None
        Days allowed over the whole period; None when it cannot be computed.
    left : int or None
        allowed − used (negative: over the allowance).
    """

    text: str
    language: str
    used: int | None
    last: int | None
    last_full: int | None
    allowed: int | None
    left: int | None


def _int_or_none(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(round(float(v)))


def heavy_days_sentence(row: pd.Series, goal: str, language: str = "zh") -> HeavyDaysSentence:
    """One sentence on a heavy-pollution-day target from its :func:`airlib.tracking.targets.evaluate_targets`
    row (period window): days so far, last year's same window and whole period, the days
    allowed and those left or over.

    Parameters
    ----------
    row : Series
        ``start``, ``end``, ``current``, ``comparison``, ``comparison_full``, ``allowed_total``,
        ``allowance`` [days].
    goal : str
        How the target is named (e.g. "T02 同比下降20%"; Markdown-escaped by the caller).
    """
    used, last = _int_or_none(row["current"]), _int_or_none(row["comparison"])
    last_full, allowed = _int_or_none(row["comparison_full"]), _int_or_none(row["allowed_total"])
    f = {"target": goal, "start": f"{pd.Timestamp(row['start']):%Y-%m-%d}", "end": f"{pd.Timestamp(row['end']):%Y-%m-%d}",
         "used": "—" if used is None else used}
    if allowed is None or used is None or last is None or last_full is None:
        return HeavyDaysSentence(text("heavy_no_data", language, **f), language, used, last, last_full, None, None)
    left = allowed - used
    if left > 0:
        tail = text("heavy_left", language, left=left)
    elif left == 0:
        tail = text("heavy_none_left", language)
    else:
        tail = text("heavy_over", language, over=-left)
    s = text("heavy_sentence", language, last=last, last_full=last_full, allowed=allowed, left=tail, **f)
    return HeavyDaysSentence(s, language, used, last, last_full, allowed, left)


def check_heavy_days_sentence(sentence: HeavyDaysSentence, row: pd.Series) -> list[str]:
    """Check a heavy-day sentence against its target row; the list of what is wrong (empty: true).

    The days allowed are recomputed here from the target's kind, value and last year's whole
    period (the largest whole number of days meeting the target: floor(N × (1 − r/100)), floor
    of a cap, N − 1 for "继续下降"), independently of :mod:`airlib.tracking.targets`; the words
    for "left", "none left" and "over" must match the sign of allowed − used.
    """
    import math

    problems: list[str] = []
    s, lang = sentence.text, sentence.language
    used = _int_or_none(row["current"])
    last_full = _int_or_none(row["comparison_full"])
    kind, value = row["kind"], row["target_value"]
    if kind == "absolute_cap":
        allowed = None if pd.isna(value) else math.floor(float(value) + 1e-9)
    elif last_full is None:
        allowed = None
    elif pd.isna(value):
        allowed = last_full - 1
    else:
        allowed = math.floor(last_full * (1 - float(value) / 100) + 1e-9)
    if _int_or_none(row["comparison"]) is None:
        allowed = None
    if sentence.used != used:
        problems.append(f"days so far: the sentence says {sentence.used}, the row has {used}")
    if sentence.allowed != allowed:
        problems.append(f"days allowed: the sentence says {sentence.allowed}, recomputed {allowed}")
    if allowed is not None and used is not None:
        if _int_or_none(row["allowed_total"]) != allowed:
            problems.append(f"days allowed: the target row has {row['allowed_total']}, recomputed {allowed}")
        left = allowed - used
        want = (text("heavy_left", lang, left=left) if left > 0 else text("heavy_none_left", lang) if left == 0
                else text("heavy_over", lang, over=-left))
        if want not in s:
            problems.append(f"the sentence does not say {want!r}")
        for n in (used, allowed, last_full):
            if str(n) not in s:
                problems.append(f"{n} is not in the sentence")
    return problems


def require_true_heavy_days_sentence(sentence: HeavyDaysSentence, row: pd.Series) -> HeavyDaysSentence:
    """``sentence`` when :func:`check_heavy_days_sentence` finds nothing wrong.

    Raises
    ------
    AirlibError
        Naming each disagreement (the report is not written with a false sentence).
    """
    return _require(sentence, check_heavy_days_sentence(sentence, row),
                    "the heavy-pollution-day sentence does not agree with its target")


# ---- task progress (one plan) --------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressSummary:
    """The sentence on one plan's town task progress and the facts it states.

    Attributes
    ----------
    text : str
    language : str
    n_due, n_on_time : int or None
        Town tasks due by the evaluation date and those completed on time (None when the
        scores carry no on-time completion).
    n_overdue, days_late_total, days_late_max : int
        逾期未完成 town tasks, their days late in total and the largest.
    last : tuple of str
        Towns in the last task rank (all of them when tied); empty without a ranked town.
    last_rank : int or None
    """

    text: str
    language: str
    n_due: int | None
    n_on_time: int | None
    n_overdue: int
    days_late_total: int
    days_late_max: int
    last: tuple[str, ...]
    last_rank: int | None


def progress_summary(scores: pd.DataFrame, language: str = "zh") -> ProgressSummary:
    """One sentence on :func:`airlib.tracking.progress.town_scores`: on-time completion of the tasks
    due, the overdue tasks and their days late, and the last-ranked town(s) (town names
    Markdown-escaped)."""
    def t(key: str, **f: object) -> str:
        return text(key, language, **f)

    parts = []
    n_due = n_on = None
    if {"n_due", "n_on_time"} <= set(scores.columns) and len(scores) and scores["n_due"].notna().all():
        n_due, n_on = int(scores["n_due"].sum()), int(scores["n_on_time"].sum())
        parts.append(t("progress_due", n_due=n_due, n_on=n_on, share=f"{100 * n_on / n_due:.1f}") if n_due
                     else t("progress_none_due"))
    n_over = int(pd.to_numeric(scores["n_overdue"], errors="coerce").fillna(0).sum()) if len(scores) else 0
    late_sum = int(pd.to_numeric(scores.get("days_late_total", pd.Series(dtype=float)), errors="coerce").fillna(0).sum())
    late_max = int(pd.to_numeric(scores.get("days_late_max", pd.Series(dtype=float)), errors="coerce").fillna(0).max()) \
        if len(scores) else 0
    parts.append(t("progress_overdue", count=n_over, days=late_sum, max=late_max) if n_over
                 else t("progress_no_overdue"))
    ranks = pd.to_numeric(scores["rank"], errors="coerce") if len(scores) else pd.Series(dtype=float)
    last: tuple[str, ...] = ()
    last_rank = None
    if ranks.notna().any():
        last_rank = int(ranks.max())
        last = tuple(str(n) for n in scores.loc[(ranks == last_rank).to_numpy(), "town_name"])
        tie = (text("tied_word", language) + ("" if language == "zh" else " ")) if len(last) > 1 else ""
        names = _join(last, language)
        parts.append(t("progress_last", names=names, rank=last_rank, tie=tie))
    s = text("clause_sep", language).join(parts) + text("sentence_end", language)
    if language == "en":
        s = s[:1].upper() + s[1:]
    return ProgressSummary(s, language, n_due, n_on, n_over, late_sum if n_over else 0, late_max if n_over else 0,
                           last, last_rank)


def check_progress_summary(summary: ProgressSummary, scores: pd.DataFrame) -> list[str]:
    """Check a task-progress sentence against the scores; the list of what is wrong (empty: true).

    The counts are recomputed from the per-town columns here (not with the code of
    :func:`progress_summary`), and the sentence must contain the clauses those counts give: the
    tasks due and on time with their share, the overdue count and days late (or that nothing is
    overdue), the last-ranked towns, their rank and 并列 exactly when they tie.
    """
    problems: list[str] = []
    s, lang = summary.text, summary.language

    def same(label: str, claimed: object, actual: object) -> None:
        if claimed != actual:
            problems.append(f"{label}: the sentence says {claimed!r}, the scores have {actual!r}")

    over = pd.to_numeric(scores["n_overdue"], errors="coerce").fillna(0).to_numpy(float)
    same("overdue tasks", summary.n_overdue, int(over.sum()))
    if over.sum() > 0:
        days = int(np.nansum(scores["days_late_total"].to_numpy(float)))
        most = int(np.nanmax(scores["days_late_max"].to_numpy(float)))
        same("days late in total", summary.days_late_total, days)
        same("most days late", summary.days_late_max, most)
        want = text("progress_overdue", lang, count=int(over.sum()), days=days, max=most)
        if want not in s:
            problems.append(f"the sentence does not say {want!r}")
    elif text("progress_no_overdue", lang) not in s:
        problems.append("nothing is overdue but the sentence does not say so")
    if "n_due" in scores and scores["n_due"].notna().all() and len(scores):
        due = int(np.asarray(scores["n_due"], dtype=float).sum())
        on = int(np.asarray(scores["n_on_time"], dtype=float).sum())
        same("tasks due", summary.n_due, due)
        same("tasks on time", summary.n_on_time, on)
        want = (text("progress_due", lang, n_due=due, n_on=on, share=f"{100 * on / due:.1f}") if due
                else text("progress_none_due", lang))
        if want.lower() not in s.lower():
            problems.append(f"the sentence does not say {want!r}")
    r = pd.to_numeric(scores["rank"], errors="coerce")
    if r.notna().any():
        worst = set(scores.loc[(r == r.max()).to_numpy(), "town_name"].astype(str))
        same("last in the task rank", set(summary.last), worst)
        same("last rank", summary.last_rank, int(r.max()))
        for name in worst:
            if markdown_text(name) not in s:
                problems.append(f"town {name!r} is not named in the sentence")
        if (len(worst) > 1) != (text("tied_word", lang) in s):
            problems.append("the tie of the last place is not said right")
    return problems


def require_true_progress_summary(summary: ProgressSummary, scores: pd.DataFrame) -> ProgressSummary:
    """``summary`` when :func:`check_progress_summary` finds nothing wrong.

    Raises
    ------
    AirlibError
        Naming each disagreement (the report is not written with a false sentence).
    """
    return _require(summary, check_progress_summary(summary, scores),
                    "the task-progress sentence does not agree with the task scores")


# ---- warnings and 约谈 ---------------------------------------------------------------------------

@dataclass(frozen=True)
class WarningSummary:
    """The warning section's sentence and the facts it states (:func:`warning_summary`).

    Attributes
    ----------
    text : str
        The sentence(s) (Markdown; names and labels escaped).
    language : {"zh", "en"}
    n_towns : int
        Towns warned.
    n_reasons : int
        Warning reasons (rows of the reasons frame).
    by_rule : tuple of (str, int)
        Per rule label (file order of first appearance): towns it applies to.
    summoned : tuple of str
        Names of the 约谈 candidates, in table order.
    """

    text: str
    language: str
    n_towns: int
    n_reasons: int
    by_rule: tuple[tuple[str, int], ...]
    summoned: tuple[str, ...]


def warning_summary(reasons: pd.DataFrame, summons: pd.DataFrame, language: str = "zh") -> WarningSummary:
    """Sentences of the warning section: how many towns are warned, for which reasons, and
    which towns meet a 约谈 condition (or that none does).

    Parameters
    ----------
    reasons : DataFrame
        :func:`airlib.tracking.supervision.warning_reasons` of the month.
    summons : DataFrame
        :func:`airlib.tracking.supervision.summons_candidates` of the month.
    language : {"zh", "en"}
    """
    from airlib.report.texts import display_value

    n_towns = int(reasons["town_code"].nunique()) if len(reasons) else 0
    counts = (reasons.groupby("label", sort=False)["town_code"].nunique() if len(reasons)
              else pd.Series(dtype="int64"))
    by_rule = tuple((str(k), int(v)) for k, v in counts.items())
    summoned = tuple(summons["town_name"].astype("string").fillna("—")) if len(summons) else ()
    if n_towns == 0:
        head = text("warning_summary_none", language)
    else:
        items = text("list_sep", language).join(
            text("warning_summary_item", language, label=markdown_text(display_value(label, language)), count=c)
            for label, c in by_rule)
        head = text("warning_summary", language, count=n_towns, n_reasons=len(reasons), by_rule=items)
    if summoned:
        tail = text("summons_summary", language, count=len(summoned),
                    names=text("list_sep", language).join(markdown_text(n) for n in summoned))
    else:
        tail = text("summons_summary_none", language)
    sep = "" if language == "zh" else " "
    return WarningSummary(text=head + sep + tail, language=language, n_towns=n_towns, n_reasons=len(reasons),
                          by_rule=by_rule, summoned=summoned)


def check_warning_summary(summary: WarningSummary, reasons: pd.DataFrame, summons: pd.DataFrame) -> list[str]:
    """Check the warning sentence against the reasons and 约谈 frames; the list of what is wrong.

    The counts are recomputed here with expressions of their own (sets of town codes per
    label), and the text is read for each count, each label and each candidate's name; "none"
    sentences only when there is none.
    """
    from airlib.report.texts import display_value

    problems: list[str] = []
    s, lang = summary.text, summary.language
    warned = set(reasons["town_code"].astype("string")) if len(reasons) else set()
    if summary.n_towns != len(warned):
        problems.append(f"towns warned: the sentence says {summary.n_towns}, the reasons have {len(warned)}")
    if summary.n_reasons != len(reasons):
        problems.append(f"reasons: the sentence says {summary.n_reasons}, there are {len(reasons)}")
    actual = {str(lbl): len(set(g["town_code"])) for lbl, g in reasons.groupby("label")} if len(reasons) else {}
    if dict(summary.by_rule) != actual:
        problems.append(f"towns per reason: the sentence says {dict(summary.by_rule)}, the reasons have {actual}")
    none_warn = text("warning_summary_none", lang)
    if warned:
        for lbl, c in actual.items():
            item = text("warning_summary_item", lang, label=markdown_text(display_value(lbl, lang)), count=c)
            if item not in s:
                problems.append(f"{item!r} is not in the sentence")
        if none_warn in s:
            problems.append("the sentence says no town is warned, but some are")
    elif none_warn not in s:
        problems.append("no town is warned, but the sentence does not say so")
    names = list(summons["town_name"].astype("string").fillna("—")) if len(summons) else []
    if list(summary.summoned) != names:
        problems.append(f"summons candidates: the sentence names {list(summary.summoned)}, the table has {names}")
    for n in names:
        if markdown_text(n) not in s:
            problems.append(f"summons candidate {n!r} is not named in the sentence")
    none_summons = text("summons_summary_none", lang)
    if names and none_summons in s:
        problems.append("the sentence says no town meets a summons condition, but some do")
    if not names and none_summons not in s:
        problems.append("no town meets a summons condition, but the sentence does not say so")
    return problems


def require_true_warning_summary(summary: WarningSummary, reasons: pd.DataFrame,
                                 summons: pd.DataFrame) -> WarningSummary:
    """``summary`` when :func:`check_warning_summary` finds nothing wrong.

    Raises
    ------
    AirlibError
        Naming each disagreement (the report is not written with a false sentence).
    """
    return _require(summary, check_warning_summary(summary, reasons, summons),
                    "the warning summary does not agree with the warning reasons")


# ---- dust (扬尘: dustfall, road dust; docs/dust.md) -----------------------------------------------

@dataclass(frozen=True)
class DustSummary:
    """The sentence on a month's dust table (dustfall or road dust) and the facts it states.

    Attributes
    ----------
    text : str
    language : str
    district_value : str or None
        The district mean as printed (1 decimal) [t/km²·30 d or g/m²]; None without data.
    low, high : tuple of str
        Towns with the lowest / highest value (all of them when tied).
    low_value, high_value : str or None
        Those values as printed.
    n_down, n_up, n_same, n_none : int
        Towns whose value fell, rose, stayed level against the same month last year, and
        towns with a value but without last year's.
    """

    text: str
    language: str
    district_value: str | None
    low: tuple[str, ...]
    high: tuple[str, ...]
    low_value: str | None
    high_value: str | None
    n_down: int
    n_up: int
    n_same: int
    n_none: int


def _fmt1(v: float) -> str:
    return f"{v:.1f}"


def dust_summary(table: pd.DataFrame, district_value: float, what: str, unit: str, month: pd.Period,
                 language: str = "zh") -> DustSummary:
    """The sentence on a month's dust table: the district mean, the lowest and highest towns
    (all tied towns named) and how many towns fell, rose or stayed level year on year.

    Parameters
    ----------
    table : DataFrame
        :func:`airlib.tracking.dust.month_table`: ``town_name``, ``value`` (rounded to 0.1),
        ``yoy_pct`` [%].
    district_value : float
        The district mean of the month [same unit].
    what, unit : str
        The quantity and its unit as written in the sentence (降尘量, 吨/平方公里·月).
    month : Period
    language : {"zh", "en"}
    """
    f = {"year": month.year, "month": month.month, "what": what}
    t = table[table["value"].notna()]
    if t.empty or not np.isfinite(district_value):
        return DustSummary(dust_text("summary_no_data", language, **f), language, None, (), (), None, None, 0, 0, 0, 0)
    lo, hi = float(t["value"].min()), float(t["value"].max())
    low = tuple(t.loc[t["value"] == lo, "town_name"].astype(str))
    high = tuple(t.loc[t["value"] == hi, "town_name"].astype(str))
    yoy = t["yoy_pct"]
    n_down, n_up = int((yoy < 0).sum()), int((yoy > 0).sum())
    n_same, n_none = int((yoy == 0).sum()), int(yoy.isna().sum())
    sep = "、" if language == "zh" else ", "
    names = lambda x: sep.join(markdown_text(n) for n in x)  # noqa: E731
    dv = _fmt1(district_value)
    if len(t) == 1:
        s = dust_text("summary_one", language, district_value=dv, unit=unit, low=names(low), **f)
    else:
        tied = dust_text("tied", language) if len(low) > 1 or len(high) > 1 else ""
        s = dust_text("summary", language, district_value=dv, unit=unit, low=names(low), low_value=_fmt1(lo),
                      high=names(high), high_value=_fmt1(hi), tied=tied, **f)
    parts = [dust_text(k, language, n=n) for k, n in
             (("yoy_down", n_down), ("yoy_up", n_up), ("yoy_same", n_same), ("yoy_none", n_none)) if n]
    if n_none < len(t):
        s += dust_text("summary_yoy", language, parts=("，" if language == "zh" else "; ").join(parts))
    return DustSummary(s, language, dv, low, high, _fmt1(lo), _fmt1(hi), n_down, n_up, n_same, n_none)


def check_dust_summary(summary: DustSummary, table: pd.DataFrame, district_value: float) -> list[str]:
    """Check a dust sentence against its table (facts recomputed here with numpy); the list of
    what is wrong (empty: true)."""
    problems: list[str] = []
    v = table["value"].to_numpy(dtype="float64")
    ok = ~np.isnan(v)
    if not ok.any() or not np.isfinite(district_value):
        if summary.district_value is not None:
            problems.append("the sentence gives values but the table has none")
        return problems
    names = table["town_name"].astype(str).to_numpy()
    want_low = set(names[ok & (v == np.nanmin(v))])
    want_high = set(names[ok & (v == np.nanmax(v))])
    if set(summary.low) != want_low:
        problems.append(f"lowest: the sentence names {sorted(summary.low)}, the table {sorted(want_low)}")
    if len(want_low) + len(want_high) > 2 or ok.sum() > 1:
        if set(summary.high) != want_high:
            problems.append(f"highest: the sentence names {sorted(summary.high)}, the table {sorted(want_high)}")
    if summary.district_value != f"{district_value:.1f}" or summary.district_value not in summary.text:
        problems.append(f"district value: the sentence says {summary.district_value}, the data {district_value:.1f}")
    for n in (*want_low, *(want_high if ok.sum() > 1 else ())):
        if markdown_text(n) not in summary.text:
            problems.append(f"town {n} is not named")
    y = table["yoy_pct"].to_numpy(dtype="float64")[ok]
    counts = (int(np.sum(y < 0)), int(np.sum(y > 0)), int(np.sum(y == 0)), int(np.sum(np.isnan(y))))
    if (summary.n_down, summary.n_up, summary.n_same, summary.n_none) != counts:
        said = (summary.n_down, summary.n_up, summary.n_same, summary.n_none)
        problems.append(f"year-on-year counts (down, up, same, none): the sentence {said}, the table {counts}")
    for key, n in zip(("yoy_down", "yoy_up", "yoy_same"), counts[:3], strict=True):
        word = dust_text(key, summary.language, n=n)
        if n and counts[3] < ok.sum() and word not in summary.text:
            problems.append(f"missing '{word}'")
        if not n and dust_text(key, summary.language, n="") in summary.text:  # a case that does not occur
            problems.append(f"'{dust_text(key, summary.language, n='')}' written but no town is in that case")
    return problems


def require_true_dust_summary(summary: DustSummary, table: pd.DataFrame, district_value: float) -> DustSummary:
    """``summary`` when :func:`check_dust_summary` finds nothing wrong.

    Raises
    ------
    AirlibError
        Naming each disagreement (the report is not written with a false sentence).
    """
    return _require(summary, check_dust_summary(summary, table, district_value),
                    "the dust sentence does not agree with its table")




# ------------------------------------------------------------------ 扣沙 statement (docs/dust.md)
@dataclass(frozen=True)
class SandDustStatement:
    """The report's statement on the sand-dust exclusion (扣沙) and its facts.

    Attributes
    ----------
    text : str
        The sentence(s).
    excluded : bool
        Whether the report's PM statistics exclude the periods.
    periods, hours : int
        Periods and distinct hours removed in the data the report reads.
    n_differ : int
        Figures that differ with and without the exclusion (rows of the comparison table).
    table_no : int or None
        Number of the comparison table (None: no table).
    """

    text: str
    excluded: bool
    periods: int
    hours: int
    n_differ: int
    table_no: int | None


def sand_dust_statement(excluded: bool, periods: int, hours: int, n_differ: int, table_no: int | None,
                        language: str = "zh") -> SandDustStatement:
    """Word the 扣沙 statement: which the report uses ("已按环办监测〔2016〕120号扣除…" or
    "未扣除…", with the periods and hours), then whether the figures differ (naming the
    comparison table) — or one sentence that no period falls in the data.

    Parameters
    ----------
    excluded : bool
        ``dust_exclusion`` of the district.
    periods, hours : int
        ``SandDust.n_periods``, ``SandDust.hours``.
    n_differ : int
        Rows of ``SandDust.comparison``.
    table_no : int or None
        Number of the comparison table; required when ``n_differ`` > 0.
    """
    if periods == 0:
        words = text("sand_dust_none", language)
    else:
        head = text("sand_dust_applied" if excluded else "sand_dust_not_applied", language,
                    periods=periods, hours=hours)
        tail = (text("sand_dust_differs", language, count=n_differ, no=table_no) if n_differ
                else text("sand_dust_same", language))
        words = head + ("" if language == "zh" else " ") + tail
    return SandDustStatement(text=words, excluded=excluded, periods=periods, hours=hours, n_differ=n_differ,
                             table_no=table_no if n_differ else None)


def check_sand_dust_statement(statement: SandDustStatement, sand_dust) -> list[str]:
    """Check a 扣沙 statement against the report's :class:`airlib.report.data.SandDust`.

    Independent of the code that wrote it: the counts must be those of ``sand_dust``, the
    hours no more than the periods' length, the periods no more than listed, the words
    "已按…扣除" / "未扣除" must match ``excluded``, and a difference count (and table) is
    named exactly when the comparison has rows.

    Returns
    -------
    list of str
        The disagreements; empty when the statement is true.
    """
    import re

    problems: list[str] = []
    comp = sand_dust.comparison
    p = sand_dust.periods
    span_h = 0.0
    if len(p):
        span_h = float(((pd.to_datetime(p["end"]).dt.ceil("h") - pd.to_datetime(p["start"]).dt.floor("h"))
                        / pd.Timedelta(hours=1)).sum())
    if statement.periods != sand_dust.n_periods or statement.periods > len(p):
        problems.append(f"periods {statement.periods} vs {sand_dust.n_periods} applied, {len(p)} listed")
    if statement.hours != sand_dust.hours or statement.hours > span_h:
        problems.append(f"hours {statement.hours} vs {sand_dust.hours} removed, periods span {span_h:g} h")
    if statement.excluded != bool(sand_dust.excluded):
        problems.append("the statement's exclusion does not match the configuration")
    cited = re.sub(r"〔2016〕120号|\[2016\] No\. 120|2\.5|PM10", "", statement.text)  # the citation's numbers
    numbers = [int(x) for x in re.findall(r"\d+", cited)]
    if statement.periods:
        says_excluded = ("已按" in statement.text and "扣除" in statement.text and "未扣除" not in statement.text) or (
            "exclude the sand-dust" in statement.text and "do not exclude" not in statement.text)
        says_not = "未扣除" in statement.text or "do not exclude" in statement.text
        if sand_dust.excluded and not says_excluded:
            problems.append("does not say 已按…扣除 but the report excludes the periods")
        if not sand_dust.excluded and not says_not:
            problems.append("does not say 未扣除 but the report does not exclude the periods")
        for value in (sand_dust.n_periods, sand_dust.hours):
            if value not in numbers:
                problems.append(f"{value} is not in the statement")
    if len(comp) and (statement.n_differ != len(comp) or len(comp) not in numbers):
        problems.append(f"{len(comp)} differing figures not stated")
    if not len(comp) and statement.n_differ:
        problems.append("states differences but the comparison is empty")
    return problems


def require_true_sand_dust_statement(statement: SandDustStatement, sand_dust) -> SandDustStatement:
    """``statement`` when :func:`check_sand_dust_statement` finds nothing wrong.

    Raises
    ------
    AirlibError
        The statement disagrees with the figures: the report is not written.
    """
    return _require(statement, check_sand_dust_statement(statement, sand_dust),
                    "the sand-dust statement does not agree with the figures")




# ------------------------------------------------------------------ TSP half-monthly ranking (#14, D3)
@dataclass(frozen=True)
class TspHalfFacts:
    """Facts of one half month's TSP ranking for the district (:func:`tsp_half_sentence`).

    Attributes
    ----------
    label : str
        The half month as printed (``2026年4月1日-15日``).
    n_ranked : int
        Towns of the city with a value (ranked).
    n : int
        Size of the bottom list (30).
    listed : tuple of (str, int, float)
        The district's towns in the 后N名: name, reverse rank, TSP [µg/m³], worst first.
    worst : tuple of (str, int, float) or None
        The district's worst-ranked town (when none is listed), or None without a ranked town.
    """

    label: str
    n_ranked: int
    n: int
    listed: tuple[tuple[str, int, float], ...]
    worst: tuple[str, int, float] | None


def _tsp_facts(ranking: pd.DataFrame, district_code: str, label: str, n: int) -> TspHalfFacts:
    own = ranking.loc[(ranking["district_code"].astype(str) == str(district_code)).to_numpy(dtype=bool)
                      & ranking["reverse_rank"].notna().to_numpy(dtype=bool)]
    own = own.sort_values(["reverse_rank", "town_name"])
    rows = [(str(a), int(b), float(c)) for a, b, c in zip(own["town_name"], own["reverse_rank"], own["tsp"], strict=True)]
    listed = tuple(r for r in rows if r[1] <= n)
    return TspHalfFacts(label=label, n_ranked=int(ranking["tsp"].notna().sum()), n=n, listed=listed,
                        worst=None if listed or not rows else rows[0])


def _tsp_town(name: str, rank: int, tsp: float, language: str) -> str:
    if language == "zh":
        return f"{markdown_text(name)}（倒数第{rank}名，{tsp:.0f} µg/m³）"
    return f"{markdown_text(name)} (rank {rank} from the bottom, {tsp:.0f} µg/m³)"


def tsp_half_sentence(ranking: pd.DataFrame, district_code: str, district: str, label: str, *,
                      n: int = 30, language: str = "zh") -> tuple[str, TspHalfFacts]:
    """One sentence on the district's towns in a half month's city TSP ranking ([BJ-TSP-2022]).

    Names every town of the district in the 后N名 (reverse competition rank ≤ N, ties counted
    as published) with its reverse rank and TSP, or says that none is and names the district's
    worst-ranked town; the number of towns ranked city-wide. TSP is printed in whole µg/m³ as
    the notices publish it.

    Parameters
    ----------
    ranking : DataFrame
        :func:`airlib.tracking.tsp.city_ranking` of one half month.
    district_code, district : str
    label : str
        The half month as printed.
    n : int
    language : {"zh", "en"}

    Returns
    -------
    (str, TspHalfFacts)
    """
    f = _tsp_facts(ranking, district_code, label, n)
    d = markdown_text(district)
    if language == "zh":
        head = f"{f.label}，全市{f.n_ranked}个街道（乡镇）参与TSP浓度排名，"
        if f.listed:
            body = f"{d}有{len(f.listed)}个街道（乡镇）进入后{n}名：" + "、".join(_tsp_town(*t, language) for t in f.listed) + "。"
        elif f.worst is not None:
            body = f"{d}无街道（乡镇）进入后{n}名，排名最靠后的是" + _tsp_town(*f.worst, language) + "。"
        else:
            body = f"{d}无街道（乡镇）参与排名。"
    else:
        head = f"{f.label}: {f.n_ranked} streets/townships ranked city-wide by TSP; "
        if f.listed:
            body = (f"{len(f.listed)} of {d} in the bottom {n}: " + "; ".join(_tsp_town(*t, language) for t in f.listed)
                    + ".")
        elif f.worst is not None:
            body = f"none of {d} in the bottom {n}; its lowest-ranked is " + _tsp_town(*f.worst, language) + "."
        else:
            body = f"no street/township of {d} ranked."
    return head + body, f


def check_tsp_half_sentence(sentence: str, ranking: pd.DataFrame, district_code: str, *, n: int = 30,
                            language: str = "zh") -> list[str]:
    """Problems of a :func:`tsp_half_sentence` against its ranking, recomputed independently:
    the towns in the 后N名 (reverse rank recomputed from the TSP values with pandas' min rank),
    their ranks and values, the count, and the ranked total. Empty list: true."""
    v = ranking["tsp"].astype("float64")
    rev = v.rank(method="min", ascending=False)
    own = (ranking["district_code"].astype(str) == str(district_code)).to_numpy(dtype=bool) & v.notna().to_numpy()
    problems = []
    total = int(v.notna().sum())
    if (f"全市{total}个" if language == "zh" else f"{total} streets") not in sentence:
        problems.append(f"the sentence does not give the {total} towns ranked")
    listed = own & (rev <= n).to_numpy()
    names = ranking["town_name"].astype(str).to_numpy()
    for i in np.flatnonzero(listed):
        s = _tsp_town(names[i], int(rev.iloc[i]), float(v.iloc[i]), language)
        if s not in sentence:
            problems.append(f"{names[i]} is in the bottom {n} (rank {int(rev.iloc[i])}) but the sentence does not say {s!r}")
    k = int(listed.sum())
    if k and (f"有{k}个" if language == "zh" else f"{k} of") not in sentence:
        problems.append(f"{k} towns of the district are in the bottom {n}; the sentence gives another count")
    if not k and ("无街道（乡镇）" if language == "zh" else "none of") not in sentence and own.any():
        problems.append(f"no town of the district is in the bottom {n}; the sentence does not say so")
    for i in np.flatnonzero(own & ~listed):
        if f"{markdown_text(names[i])}（倒数第{int(rev.iloc[i])}名" in sentence and k:
            problems.append(f"{names[i]} is not in the bottom {n} but is named among them")
    return problems


def require_true_tsp_half_sentence(sentence: str, ranking: pd.DataFrame, district_code: str, *, n: int = 30,
                                   language: str = "zh") -> str:
    """``sentence`` when :func:`check_tsp_half_sentence` finds nothing wrong; else :class:`AirlibError`."""
    return _require(sentence, check_tsp_half_sentence(sentence, ranking, district_code, n=n, language=language),
                    "the TSP ranking sentence does not agree with the ranking")


def tsp_worst_sentence(ranking: pd.DataFrame, label: str, *, n: int = 10, language: str = "zh") -> str:
    """The notice's sentence naming the ``n`` (10) worst towns of a half month with their districts,
    worst first; ties at the n-th place all named (reverse competition rank ≤ n), tied towns
    marked 并列 ([BJ-TSP-2022]).

    Parameters
    ----------
    ranking : DataFrame
        :func:`airlib.tracking.tsp.city_ranking` of one half month.
    label : str
        The half month as printed.
    n : int
    language : {"zh", "en"}
    """
    w = ranking.loc[(ranking["reverse_rank"] <= n).fillna(False).to_numpy(dtype=bool)]
    counts = w["reverse_rank"].value_counts()
    parts = []
    for name, district, rank in zip(w["town_name"].astype(str), w["district"].astype(str), w["reverse_rank"],
                                     strict=True):
        tie = counts[rank] > 1
        if language == "zh":
            parts.append(f"{markdown_text(name)}（{markdown_text(district)}{'，并列' if tie else ''}）")
        else:
            parts.append(f"{markdown_text(name)} ({markdown_text(district)}{', tied' if tie else ''})")
    if language == "zh":
        if not parts:
            return f"{label}，全市无街道（乡镇）参与TSP浓度排名。"
        return f"{label}，全市TSP浓度最高的{len(parts)}个街道（乡镇）依次为：" + "、".join(parts) + "。"
    if not parts:
        return f"{label}: no street/township ranked."
    return f"{label}: the {len(parts)} streets/townships with the highest TSP, worst first: " + "; ".join(parts) + "."


def check_tsp_worst_sentence(sentence: str, ranking: pd.DataFrame, *, n: int = 10, language: str = "zh") -> list[str]:
    """Problems of :func:`tsp_worst_sentence`: every town whose reverse rank (recomputed with
    pandas' min rank on TSP) is ≤ n is named with its district, in descending TSP order, the
    count is right and no other town is named. Empty list: true."""
    v = ranking["tsp"].astype("float64")
    rev = v.rank(method="min", ascending=False)
    keep = (rev <= n).to_numpy()
    w = ranking.loc[keep].assign(_v=v[keep]).sort_values("_v", ascending=False, kind="stable")
    problems = []
    count = f"最高的{len(w)}个" if language == "zh" else f"the {len(w)} streets"
    if len(w) and count not in sentence:
        problems.append(f"{len(w)} towns are among the {n} worst; the sentence gives another count")
    pos = -1
    for name, district in zip(w["town_name"].astype(str), w["district"].astype(str), strict=True):
        key = f"{markdown_text(name)}（{markdown_text(district)}" if language == "zh" else \
            f"{markdown_text(name)} ({markdown_text(district)}"
        at = sentence.find(key)
        if at < 0:
            problems.append(f"{name} ({district}) is among the {n} worst but not named with its district")
        elif at < pos:
            problems.append(f"{name} is named out of order")
        pos = max(pos, at)
    for name in ranking.loc[~keep, "town_name"].astype(str):
        if f"{markdown_text(name)}（" in sentence or f"{markdown_text(name)} (" in sentence:
            problems.append(f"{name} is not among the {n} worst but is named")
    return problems


def require_true_tsp_worst_sentence(sentence: str, ranking: pd.DataFrame, *, n: int = 10,
                                    language: str = "zh") -> str:
    """``sentence`` when :func:`check_tsp_worst_sentence` finds nothing wrong; else :class:`AirlibError`."""
    return _require(sentence, check_tsp_worst_sentence(sentence, ranking, n=n, language=language),
                    "the sentence on the worst towns does not agree with the TSP ranking")


# ---- heavy-pollution alerts (重污染天气应对) --------------------------------------------------------

# the one alert vocabulary (airlib.standards.pollution_days.LEVELS), in level order
_ALERT_ZH: dict[str, str] = dict(ALERT_LEVEL_NAMES)


@dataclass(frozen=True)
class AlertSummary:
    """The sentences of the 重污染天气应对 section and the numbers they state.

    Attributes
    ----------
    text : str
    language : str
    alerts : int
        Alerts (sequences) in force during the month.
    alert_days : int
        Calendar days of the month under an alert [days].
    season_days : int or None
        Alert days of the season up to the month's end (None: no season sentence).
    hits, misses, false_alarms : int or None
        Verification counts (None: no verification sentence).
    """

    text: str
    language: str
    alerts: int
    alert_days: int
    season_days: int | None
    hits: int | None
    misses: int | None
    false_alarms: int | None


def _level_name(code: str, language: str) -> str:
    return _ALERT_ZH[code] if language == "zh" else f"{code} alert"


def _level_list(counts: dict[str, int], key: str, field: str, language: str) -> str:
    parts = [text(key, language, level=_level_name(c, language), **{field: counts[c]})
             for c in _ALERT_ZH if counts.get(c, 0) > 0]
    return text("alerts_sep", language).join(parts)


def alert_summary(month_alerts: pd.DataFrame, month_days: pd.DataFrame, ym: str, *, season: str | None = None,
                  season_days: pd.DataFrame | None = None, verification: object | None = None,
                  period: tuple[str, str] | None = None, language: str = "zh") -> AlertSummary:
    """The 重污染天气应对 sentences from the alerts of the month, the alert days and the verification.

    Parameters
    ----------
    month_alerts : DataFrame
        :func:`airlib.tracking.alerts.issued_alerts` rows in force during the month (``level``).
    month_days : DataFrame
        :func:`airlib.tracking.alerts.alert_days` rows of the month (``date``, ``level``).
    ym : str
        The month as written (e.g. ``2017年12月``).
    season, season_days
        Season label and its alert days up to the month's end (both or neither).
    verification : AlertVerification, optional
        :func:`airlib.tracking.alerts.verify_alerts` over ``period`` (start, end as written).
    """
    n = len(month_alerts)
    days = int(month_days["date"].nunique())
    if n:
        counts = month_alerts["level"].value_counts().to_dict()
        parts = [text("alerts_month", language, ym=ym, n=n, days=days,
                      levels=_level_list(counts, "alerts_level_times", "n", language))]
    else:
        parts = [text("alerts_month_none", language, ym=ym)]
    s_days = None
    if season is not None and season_days is not None and len(season_days):
        s_days = int(season_days["date"].nunique())
        counts = season_days["level"].value_counts().to_dict()
        parts.append(text("alerts_season", language, season=season, days=s_days,
                          levels=_level_list(counts, "alerts_level_days", "days", language)))
    hits = misses = fa = None
    if verification is not None and period is not None:
        sm = verification.summary
        hits, misses, fa = sm["hits"], sm["misses"], sm["false_alarms"]
        parts.append(text("alerts_verification", language, start=period[0], end=period[1],
                          episodes=sm["n_episodes"], hits=hits, misses=misses, false_alarms=fa))
    sep = "" if language == "zh" else " "
    return AlertSummary(sep.join(parts), language, n, days, s_days, hits, misses, fa)


def check_alert_summary(summary: AlertSummary, month_alerts: pd.DataFrame, month_days: pd.DataFrame,
                        season_days: pd.DataFrame | None = None, verification: object | None = None) -> list[str]:
    """What is wrong with an alert summary (empty: true), recounting every number from the
    frames it was made of (the verification from its per-episode and per-alert outcomes, not
    its summary dict) and looking for each number and level word in the text."""
    problems: list[str] = []
    s, lang = summary.text, summary.language
    n = int(month_alerts.shape[0])
    days = int(pd.Series(month_days["date"]).drop_duplicates().size)
    if summary.alerts != n:
        problems.append(f"alerts: the sentence says {summary.alerts}, the month has {n}")
    if summary.alert_days != days:
        problems.append(f"alert days: the sentence says {summary.alert_days}, the month has {days}")
    if n:
        for code, k in month_alerts.groupby("level").size().items():
            want = text("alerts_level_times", lang, level=_level_name(code, lang), n=int(k))
            if want not in s:
                problems.append(f"the sentence does not say {want!r}")
        if f"{days}" not in s:
            problems.append(f"{days} alert days are not in the sentence")
    elif text("alerts_month_none", lang, ym="").strip("，. ") not in s and "no heavy-pollution alert" not in s:
        problems.append("a month without alerts is not said so")
    if season_days is not None and len(season_days):
        sd = int(pd.Series(season_days["date"]).drop_duplicates().size)
        if summary.season_days != sd:
            problems.append(f"season alert days: the sentence says {summary.season_days}, recounted {sd}")
        for code, k in season_days.groupby("level").size().items():
            want = text("alerts_level_days", lang, level=_level_name(code, lang), days=int(k))
            if want not in s:
                problems.append(f"the sentence does not say {want!r}")
    if verification is not None and summary.hits is not None:
        ep, al = verification.episodes, verification.alerts
        recount = {"hits": int((ep["outcome"] == "hit").sum()), "misses": int((ep["outcome"] == "miss").sum()),
                   "false_alarms": int((al["outcome"] == "false_alarm").sum())}
        for k, v in recount.items():
            if getattr(summary, k) != v:
                problems.append(f"{k}: the sentence says {getattr(summary, k)}, recounted {v}")
    return problems


def require_true_alert_summary(summary: AlertSummary, month_alerts: pd.DataFrame, month_days: pd.DataFrame,
                               season_days: pd.DataFrame | None = None,
                               verification: object | None = None) -> AlertSummary:
    """``summary`` when :func:`check_alert_summary` finds nothing wrong.

    Raises
    ------
    AirlibError
        Naming each disagreement (the report is not written with a false sentence).
    """
    return _require(summary, check_alert_summary(summary, month_alerts, month_days, season_days, verification),
                    "the heavy-pollution alert summary does not agree with the alert log")


# ---- 预报检验 (forecast verification, issue #15) ---------------------------------------------------------------


@dataclass(frozen=True)
class ForecastSummary:
    """The 预报检验 sentence and the numbers it states.

    Attributes
    ----------
    text, language : str
    lead_days : int or None
        The shortest lead with verified forecasts (None: nothing verified).
    n_verified : int
        Verified forecasts of that lead.
    hit_rate : float or None
        Category hit rate of that lead [%], GB/T 8170 to 0 decimals.
    bias : float or None
        Mean forecast − observed AQI of that lead [AQI], GB/T 8170 to 0 decimals (None when no
        forecast of the lead has an AQI range).
    """

    text: str
    language: str
    lead_days: int | None
    n_verified: int
    hit_rate: float | None
    bias: float | None


def _forecast_numbers(table: pd.DataFrame) -> tuple[int | None, int, float | None, float | None]:
    from airlib.standards.rounding import round_gbt8170

    ok = table[pd.to_numeric(table["n_verified"]).to_numpy() > 0].sort_values("lead_days")
    if ok.empty:
        return None, 0, None, None
    r = ok.iloc[0]
    hit = None if pd.isna(r["hit_rate"]) else float(round_gbt8170(float(r["hit_rate"]) * 100.0, 0))
    bias = None if pd.isna(r["bias"]) else float(round_gbt8170(float(r["bias"]), 0))
    return int(r["lead_days"]), int(r["n_verified"]), hit, bias


def _signed(v: float | None) -> str:
    return "—" if v is None else ("0" if v == 0 else f"{v:+.0f}")


def forecast_summary(table: pd.DataFrame, ym: str, language: str = "zh") -> ForecastSummary:
    """The 预报检验 sentence of the month from the verification table of
    :func:`airlib.tracking.forecasts.verify_forecasts` (``by=("lead_days",)``): the shortest
    lead with verified forecasts, its verified count, category hit rate [%] and mean bias [AQI]."""
    lead, n, hit, bias = _forecast_numbers(table)
    if lead is None:
        return ForecastSummary(text("forecast_none", language, ym=ym), language, None, 0, None, None)
    sentence = text("forecast_month", language, ym=ym, lead=lead, n=n,
                    hit="—" if hit is None else f"{hit:.0f}", bias=_signed(bias))
    return ForecastSummary(sentence, language, lead, n, hit, bias)


def check_forecast_summary(summary: ForecastSummary, table: pd.DataFrame) -> list[str]:
    """What is wrong with a 预报检验 sentence (empty: true): the numbers recomputed from the
    table and each looked for in the text."""
    lead, n, hit, bias = _forecast_numbers(table)
    problems: list[str] = []
    for name, want, got in (("lead", lead, summary.lead_days), ("verified forecasts", n, summary.n_verified),
                            ("hit rate", hit, summary.hit_rate), ("bias", bias, summary.bias)):
        if want != got:
            problems.append(f"{name}: the sentence says {got}, the table gives {want}")
    if lead is not None:
        for shown in (f"{lead}", f"{n}", "—" if hit is None else f"{hit:.0f}%", _signed(bias)):
            if shown not in summary.text:
                problems.append(f"{shown!r} is not in the sentence")
    return problems


def require_true_forecast_summary(summary: ForecastSummary, table: pd.DataFrame) -> ForecastSummary:
    """``summary`` when :func:`check_forecast_summary` finds nothing wrong; else :class:`AirlibError`."""
    return _require(summary, check_forecast_summary(summary, table),
                    "the forecast verification sentence does not agree with its table")


# --- the station set behind the figures (issue #17 item 4, docs/stations.md) ---------------------

@dataclass(frozen=True)
class StationSetStatement:
    """The cover's station-set lines and their facts.

    Attributes
    ----------
    text : str
        Markdown lines: the stations of the town ranking and of the district values (one line
        ``- 乡镇街道排名与全区数值：街乡镇站13个（本月无国控站、市控站，全区数值按参与排名的站点计算）；``
        when they are the same stations, else ``- 乡镇街道排名：…；`` and ``- 全区数值：…；``), a
        ``- 全区数值口径变化：…；`` line when months of the year-on-year span were computed on
        the other basis, and, when the month has micro-stations,
        ``- 小微站2个仅用于热点网格筛查，不参与排名和全区数值；``.
    ranking, district, screening : tuple of (str, int)
        Class name and station count of the town ranking, the district values and the
        hot-spot screening, vocabulary order.
    basis : str
        ``district_assessment`` or ``town_ranking`` (the fallback;
        :data:`airlib.tracking.station_sets.DISTRICT_BASES`).
    basis_changes : tuple of str
        Months (``YYYY-MM``) whose district values had the other basis.
    """

    text: str
    ranking: tuple[tuple[str, int], ...]
    screening: tuple[tuple[str, int], ...]
    district: tuple[tuple[str, int], ...] = ()
    basis: str = "town_ranking"
    basis_changes: tuple[str, ...] = ()


def _set_pairs(counts: pd.DataFrame | None, language: str) -> tuple[tuple[str, int], ...]:
    if counts is None or counts.empty:
        return ()
    names = counts["name_zh"] if language == "zh" else counts["station_class"]
    return tuple((str(a), int(b)) for a, b in zip(names, counts["n"], strict=True))


def _pairs_text(pairs: Sequence[tuple[str, int]], language: str, escape: Callable[[str], str] = markdown_text) -> str:
    """``国控站2个、街乡镇站12个`` (``national 2, town 12``); class names through ``escape``
    (Markdown for the cover; plain for captions, which the HTML table and the workbook escape)."""
    sep = text("list_sep", language)
    if language == "zh":
        return sep.join(f"{escape(a)}{b}个" for a, b in pairs) or "无站点"
    return sep.join(f"{escape(a)} {b}" for a, b in pairs) or "none"


def month_runs_text(months: Sequence[str], language: str = "zh") -> str:
    """Months as runs of consecutive months: ``2025年1—6月、2025年9月`` (``2024年12月—2025年2月``
    across a year), English ``2025-01 to 2025-06, 2025-09``."""
    ps = sorted({pd.Period(m, freq="M") for m in months})
    runs: list[list[pd.Period]] = []
    for p in ps:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    out = []
    for r in runs:
        a, b = r[0], r[-1]
        if language != "zh":
            out.append(str(a) if a == b else f"{a} to {b}")
        elif a == b:
            out.append(f"{a.year}年{a.month}月")
        elif a.year == b.year:
            out.append(f"{a.year}年{a.month}—{b.month}月")
        else:
            out.append(f"{a.year}年{a.month}月—{b.year}年{b.month}月")
    return text("list_sep", language).join(out)


def station_set_statement(sets: dict[str, pd.DataFrame], language: str = "zh", *,
                          basis: str = "town_ranking", assessment_names: Sequence[str] = (),
                          basis_changes: Sequence[str] = ()) -> StationSetStatement:
    """The cover's statement of the stations behind the month's figures (issue #17 item 1:
    "reports state the station set behind every figure"; docs/stations.md).

    Parameters
    ----------
    sets : dict
        ``validity["station_sets"]`` of :func:`airlib.report.data.prepare`: ``town_ranking``,
        ``district_values``, ``hotspot_screening`` →
        :func:`airlib.tracking.station_sets.set_counts` of the report month. Without
        ``district_values`` the district values use the ranking's stations.
    language : {"zh", "en"}
    basis : str
        ``validity["district_basis"]``: ``district_assessment`` or ``town_ranking`` (fallback).
    assessment_names : sequence of str
        Names of the classes serving ``district_assessment`` (国控站, 市控站).
    basis_changes : sequence of str
        ``validity["district_basis_changes"]``: months of the year-on-year span with the other basis.

    Returns
    -------
    StationSetStatement
    """
    ranking = _set_pairs(sets.get("town_ranking"), language)
    district = _set_pairs(sets.get("district_values"), language) if "district_values" in sets else ranking
    screening = _set_pairs(sets.get("hotspot_screening"), language)
    names = text("list_sep", language).join(markdown_text(str(n)) for n in assessment_names) or text(
        "station_set_no_assessment_class", language)
    fallback = text("station_set_fallback", language, names=names) if basis == "town_ranking" else ""
    if district == ranking and basis == "town_ranking":
        lines = [text("station_set_ranking", language, parts=_pairs_text(ranking, language), fallback=fallback)]
    else:
        lines = [text("station_set_ranking_only", language, parts=_pairs_text(ranking, language)),
                 text("station_set_district", language, parts=_pairs_text(district, language), fallback=fallback)]
    if basis_changes:
        key = "station_set_change_to_assessment" if basis == "town_ranking" else "station_set_change_to_ranking"
        lines.append(text(key, language, months=month_runs_text(basis_changes, language), names=names))
    for a, b in screening:
        lines.append(text("station_set_screening", language, name=markdown_text(a), n=b))
    return StationSetStatement(text="\n".join(lines), ranking=ranking, screening=screening, district=district,
                               basis=basis, basis_changes=tuple(str(m) for m in basis_changes))


def check_station_set_statement(statement: StationSetStatement, sets: dict[str, pd.DataFrame], *,
                                basis: str = "town_ranking", basis_changes: Sequence[str] = ()) -> list[str]:
    """Problems of a station-set statement against the counts (empty list = true): every class
    and count of the sets is said and no other count of stations is; the fallback clause is
    there exactly when the district values fell back to the ranking's stations; the months of
    a basis change are those given."""
    import re

    problems: list[str] = []
    zh = "个" in statement.text or "无站点" in statement.text
    lang = "zh" if zh else "en"
    want_d = _set_pairs(sets.get("district_values"), lang) if "district_values" in sets else _set_pairs(
        sets.get("town_ranking"), lang)
    for use, said, want in (("town_ranking", statement.ranking, _set_pairs(sets.get("town_ranking"), lang)),
                            ("district_values", statement.district, want_d),
                            ("hotspot_screening", statement.screening, _set_pairs(sets.get("hotspot_screening"), lang))):
        if tuple(said) != want:
            problems.append(f"{use}: the statement says {list(said)}, the registry gives {list(want)}")
    if statement.basis != basis:
        problems.append(f"the statement's district basis is {statement.basis}, the data's {basis}")
    said_fallback = ("按参与排名的站点计算）" in statement.text) if zh else ("this month: the district values" in statement.text)
    if said_fallback != (basis == "town_ranking"):
        problems.append("the fallback clause (district values from the ranked stations) "
                        + ("is missing" if basis == "town_ranking" else "is written but the basis is the assessment stations"))
    if sorted(statement.basis_changes) != sorted(str(m) for m in basis_changes):
        problems.append(f"basis-change months {list(statement.basis_changes)} differ from the data's {list(basis_changes)}")
    if basis_changes and month_runs_text(basis_changes, lang) not in statement.text:
        problems.append("the basis-change line does not name the months")
    if not basis_changes and ("口径变化" in statement.text or "Basis change" in statement.text):
        problems.append("a basis-change line is written but no month changed basis")
    if zh:
        body = "\n".join(ln for ln in statement.text.split("\n") if "口径变化" not in ln)
        numbers = sorted(int(n) for n in re.findall(r"(\d+)个", body))
        shown = [statement.ranking] if statement.district == statement.ranking and basis == "town_ranking" else [
            statement.ranking, statement.district]
        want_n = sorted([n for pairs in shown for _, n in pairs] + [n for _, n in statement.screening])
        if numbers != want_n:
            problems.append(f"counts written {numbers}, counts of the registry {want_n}")
    return problems


def station_set_caption(sets: dict[str, pd.DataFrame], scope: str, language: str = "zh") -> str:
    """The station set appended to a table or figure caption (issue #17 item 1, "the station
    set behind every figure"): ``（站点：街乡镇站19个）`` for ``scope="ranking"``,
    ``（全区数值站点：国控站2个、市控站1个）`` for ``"district"``, and for ``"both"`` (a
    table of towns and the district) the one set when they are the same, else both.

    Parameters
    ----------
    sets : dict
        ``validity["station_sets"]`` (as :func:`station_set_statement`).
    scope : {"ranking", "district", "both"}
    language : {"zh", "en"}

    Returns
    -------
    str
        Plain text (class names unescaped): the caption's renderer escapes it for its medium
        (:func:`airlib.report.content.html_table`, the workbook).
    """
    if scope not in ("ranking", "district", "both"):
        raise ValueError(f"scope must be 'ranking', 'district' or 'both', not {scope!r}")
    ranking = _set_pairs(sets.get("town_ranking"), language)
    district = _set_pairs(sets.get("district_values"), language) if "district_values" in sets else ranking
    if scope == "ranking" or (scope == "both" and district == ranking):
        return text("caption_stations", language, parts=_pairs_text(ranking, language, str))
    if scope == "district":
        return text("caption_stations_district", language, parts=_pairs_text(district, language, str))
    return text("caption_stations_both", language, parts=_pairs_text(ranking, language, str),
                dparts=_pairs_text(district, language, str))


def require_true_station_set_statement(statement: StationSetStatement,
                                       sets: dict[str, pd.DataFrame], *, basis: str = "town_ranking",
                                       basis_changes: Sequence[str] = ()) -> StationSetStatement:
    """``statement`` when :func:`check_station_set_statement` finds nothing wrong, else
    :class:`AirlibError`."""
    return _require(statement, check_station_set_statement(statement, sets, basis=basis, basis_changes=basis_changes),
                    "the station-set statement does not agree with the station registry")
