"""SYNTHETIC current plans of the demo district 门头沟区 (合成示例), derived from the 2017-18 plan.

The demo's hourly data run up to its last month (today the last complete month), but the only
real Mentougou plan encoded is the 2017-18 autumn-winter plan (门大气办〔2017〕4号, seed 001).
So that the latest-month demo report shows *live* task tracking, ``airlib generate-demo`` also
writes two plans that depend on the last month (issue #13 item 6), both valid plan files
(``docs/plans.md``, loaded by :func:`airlib.io.plans.load_plan`):

* ``synthetic_annual.yaml`` — id ``mentougou-synthetic-annual``: 门头沟区<year>年大气污染防治行动
  计划（合成示例，SYNTHETIC）, period <year>-01 … <year>-12, ``year`` = the last month's year;
* ``synthetic_autumn_winter.yaml`` — id ``mentougou-synthetic-autumn-winter``: the October–March
  season containing the last month, or the last one before it (last month 2026-10 → 2026-10 …
  2027-03; 2026-05 → 2025-10 … 2026-03).

How they are derived from the 2017-18 plan (``data/raw/plans/mentougou_2017_autumn_winter.yaml``):

* the same task categories, works and units; per-town splits scaled by :data:`TASK_SCALE`
  (today's remaining quantities are smaller than 2017's) and rounded to whole units (蒸吨 to
  0.5), every town of the 2017 split keeping at least one unit;
* autumn-winter deadlines are the 2017-18 deadlines moved to the new season (2017 → season
  year, 2018 → the year after; issued on 29 August as in 2017), except the boiler conversions
  (K07), due by the end of the heating season (:data:`AUTUMN_WINTER_SEASON_END_TASKS`); the annual plan spreads its
  tasks over the year (:data:`ANNUAL_TASKS`: 3-31, 6-30, 9-30, 12-31) so that at any month some
  deadline has passed and some lies ahead;
* targets: PM2.5 and heavy-pollution days year-on-year reductions with modern values
  (:data:`ANNUAL_TARGETS`, :data:`AUTUMN_WINTER_TARGETS`), plus the same PM2.5 reduction for
  each town (``scope: each_town``) so that a town's missed target can be shown;
* every ``source`` names the 2017 plan's section it was derived from and quotes it verbatim
  (the quote is in seed 001); ``source.document`` says the item is a synthetic derivation.

Everything is labelled 合成示例 / SYNTHETIC (titles, document, issuer, document number, notes).
The output is a pure function of the last month (same month → same bytes).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Final

import pandas as pd
import yaml

from airlib.files import atomic_write_bytes
from airlib.io.plans import Plan, PlanTask, load_plan
from airlib.periods import parse_month

__all__ = [
    "ANNUAL_ID",
    "AUTUMN_WINTER_ID",
    "ANNUAL_FILE",
    "AUTUMN_WINTER_FILE",
    "SOURCE_PLAN",
    "TASK_SCALE",
    "ANNUAL_TASKS",
    "ANNUAL_TARGETS",
    "AUTUMN_WINTER_TASKS",
    "AUTUMN_WINTER_SEASON_END_TASKS",
    "AUTUMN_WINTER_TARGETS",
    "ANNUAL_DUST_TARGETS",
    "season_start_year",
    "synthetic_plan_dicts",
    "write_synthetic_plans",
]

ANNUAL_ID: Final = "mentougou-synthetic-annual"
AUTUMN_WINTER_ID: Final = "mentougou-synthetic-autumn-winter"
ANNUAL_FILE: Final = "synthetic_annual.yaml"
AUTUMN_WINTER_FILE: Final = "synthetic_autumn_winter.yaml"

#: The plan both synthetic plans are derived from.
SOURCE_PLAN: Final = Path(__file__).resolve().parents[2] / "data" / "raw" / "plans" / "mentougou_2017_autumn_winter.yaml"

SYNTHETIC: Final = "合成示例，SYNTHETIC"
_DERIVED_DOC: Final = ("合成示例（SYNTHETIC）：由《京津冀及周边地区2017-2018年秋冬季大气污染综合治理攻坚行动方案》"
                       "门头沟区细化落实方案（门大气办〔2017〕4号）派生的演示方案，非真实文件")

#: ASSUMED: factor applied to the 2017-18 per-town split (or district total) of each synthetic
#: task (autumn-winter ids K.., annual ids A..): the work left today is a fraction of 2017's
#: (most coal boilers and stoves are gone).
TASK_SCALE: Final[dict[str, float]] = {
    "K02": 0.5, "K03": 1.0, "K04": 0.5, "K05": 1.0, "K07": 0.1, "K08": 0.25, "K09": 1.0,
    "K11": 0.6, "K13": 0.2,
    "A01": 0.5, "A02": 0.5, "A03": 0.25, "A04": 0.3, "A05": 0.6,
}

#: Tasks of the autumn-winter plan: the 2017 task ids kept (deadlines moved to the season).
AUTUMN_WINTER_TASKS: Final = ("K02", "K03", "K04", "K05", "K07", "K08", "K09", "K11", "K13")
#: ASSUMED: the remaining boiler conversions (K07) are due by the end of the heating season
#: (3月底) rather than 10月底 as in 2017, so that the season has a task in progress in every
#: month (without it, from November on every deadline of the season has passed).
AUTUMN_WINTER_SEASON_END_TASKS: Final = ("K07",)

#: Tasks of the annual plan: new id → (2017 task it derives from, deadline month-day, task text).
ANNUAL_TASKS: Final[dict[str, tuple[str, str, str]]] = {
    "A01": ("K02", "03-31", "完成“散乱污”企业动态清零"),
    "A02": ("K04", "06-30", "完成重点行业 VOCs 减排（全年重点行业VOCs减排量）"),
    "A03": ("K08", "09-30", "完成剩余燃煤茶炉大灶、经营性小煤炉淘汰取缔"),
    "A04": ("K07", "12-31", "完成燃气锅炉低氮燃烧技术改造"),
    "A05": ("K11", "12-31", "加大重型柴油车查处力度（全年检查重型柴油车）"),
}

#: ASSUMED modern target values (%): (id, metric, scope, value, derived from 2017 target, zh note).
ANNUAL_TARGETS: Final = (
    ("T01", "pm25_mean", "district", 4.0, "T01", "PM2.5年均浓度同比下降4%以上"),
    ("T02", "heavy_pollution_days", "district", 10.0, "T02", "重污染天数同比下降10%以上"),
    ("T03", "pm25_mean", "each_town", 3.0, "T01", "各镇街PM2.5年均浓度同比下降3%以上"),
)
AUTUMN_WINTER_TARGETS: Final = (
    ("T01", "pm25_mean", "district", 5.0, "T01", "秋冬季PM2.5平均浓度同比下降5%以上"),
    ("T02", "heavy_pollution_days", "district", 10.0, "T02", "秋冬季重污染天数同比下降10%以上"),
    ("T03", "pm25_mean", "each_town", 3.0, "T01", "各镇街秋冬季PM2.5平均浓度同比下降3%以上"),
)

#: ASSUMED dust targets of the annual plan (docs/dust.md): (id, metric, scope, value, unit, strict,
#: approx, 2017 target or task it derives from, zh note). Dustfall keeps 2017's "小于5"; the road-dust
#: cap of 6 g/m² ("左右") is borrowed from the Xicheng 2021 plan (T07) and hung on the 2017 plan's
#: 扬尘 task, the only dust clause of seed 001.
ANNUAL_DUST_TARGETS: Final = (
    ("T04", "dustfall", "each_town", 5.0, "吨/平方公里·月", True, False, "T03",
     "全区及各镇街月均降尘量小于5吨/平方公里·月"),
    ("T05", "road_dust_load", "each_town", 6.0, "克/平方米", False, True, "K15",
     "道路尘土残存量控制在6克/平方米左右（值取自西城区2021年行动计划）"),
)
#: ASSUMED "退出后30名" TSP target of the synthetic annual plan (D3, #14): modelled on the Xicheng
#: 2021 plan's T06 ("各街道粗颗粒物（TSP）浓度排名退出全市后30名", seed 002); the 2017-18 Mentougou plan
#: has none. Evaluated by :func:`airlib.tracking.tsp.evaluate_tsp_targets`.
TSP_TARGET: Final = ("T06", "tsp_rank", "each_town", 30, "各镇街粗颗粒物（TSP）浓度排名退出全市后30名")

_STEP: Final = {"蒸吨": 0.5, "吨": 0.1}


def season_start_year(end: str | pd.Period) -> int:
    """Year of the October that starts the autumn-winter season containing ``end`` or, for
    April–September, the last season before it (2026-10 → 2026; 2026-03 → 2025; 2026-05 → 2025)."""
    p = parse_month(end, "demo last month")
    return p.year if p.month >= 10 else p.year - 1


def _scaled(value: float, factor: float, unit: str) -> float:
    step = _STEP.get(unit, 1.0)
    v = max(step, round(value * factor / step) * step)
    return round(v, 6) if step < 1 else float(int(v))


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


def _source(task_or_target: Any) -> dict[str, str]:
    src = task_or_target.source
    out = {"section": f"派生自 门大气办〔2017〕4号 {src.section}", "document": _DERIVED_DOC}
    if src.quote:
        out["quote"] = src.quote
    return out


def _units(t: PlanTask) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("lead", "responsible", "assisting"):
        v = getattr(t, key)
        if v:
            out[key] = v[0] if len(v) == 1 else list(v)
    return out


def _task(t: PlanTask, new_id: str, task_text: str, deadline: dt.date, deadline_text: str) -> dict[str, Any]:
    f = TASK_SCALE.get(new_id, 1.0)
    row: dict[str, Any] = {"id": new_id, "category": t.category}
    if t.work:
        row["work"] = t.work
    row.update(task=task_text, deadline=deadline.isoformat(), deadline_text=deadline_text, unit=t.unit)
    if t.towns:
        towns = {k: _num(_scaled(v, f, t.unit)) for k, v in t.towns.items()}
        row["total"] = _num(round(sum(towns.values()), 6))
        row["towns"] = towns
    else:
        row["total"] = _num(_scaled(float(t.total), f, t.unit))
    row.update(_units(t))
    row["note"] = f"{SYNTHETIC}：由2017-18年方案 {t.id} 派生，任务量按 {f:g} 倍缩放"
    row["source"] = _source(t)
    return row


def _targets(base: Plan, spec: tuple, start: str, end: str, label: str) -> list[dict[str, Any]]:
    out = []
    for tid, metric, scope, value, from_id, note in spec:
        src = next(t for t in base.targets if t.id == from_id)
        out.append({"id": tid, "metric": metric, "scope": scope, "period": {"start": start, "end": end},
                    "kind": "reduction_vs_last_year", "value": value, "unit": "%",
                    "note": f"{note}（{label}）", "source": _source(src)})
    return out


def _dust_targets(base: Plan, start: str, end: str, label: str) -> list[dict[str, Any]]:
    out = []
    for tid, metric, scope, value, unit, strict, approx, from_id, note in ANNUAL_DUST_TARGETS:
        src = next((t for t in base.targets if t.id == from_id), None) or base.task(from_id)
        out.append({"id": tid, "metric": metric, "scope": scope, "period": {"start": start, "end": end},
                    "kind": "absolute_cap", "value": value, "unit": unit, "strict": strict, "approx": approx,
                    "note": f"{note}（{label}）", "source": _source(src)})
    return out


def _tsp_target(start: str, end: str) -> dict[str, Any]:
    tid, metric, scope, value, note = TSP_TARGET
    return {"id": tid, "metric": metric, "scope": scope, "period": {"start": start, "end": end},
            "kind": "rank_threshold", "value": value, "unit": "名", "note": f"{note}（{SYNTHETIC}）",
            "source": {"section": "合成示例：参照西城区2021年行动计划“各街道粗颗粒物（TSP）浓度排名退出全市后30名”",
                       "document": _DERIVED_DOC}}


def _header(pid: str, title: str, year: int, issued: str, start: str, end: str, last: str) -> dict[str, Any]:
    return {
        "id": pid, "title": title, "district": "门头沟区", "district_code": "110109",
        "issuer": "门头沟区大气污染综合治理领导小组办公室（合成示例）",
        "document": _DERIVED_DOC,
        "doc_number": f"合成示例〔{year}〕{1 if pid == ANNUAL_ID else 2}号",
        "issued": issued, "period": {"start": start, "end": end},
        "note": (f"{SYNTHETIC}：airlib generate-demo 按演示数据末月 {last} 生成；任务类别、单位取自"
                 "门大气办〔2017〕4号，镇街分解按比例缩放，时限移至本期，目标值为现代合成值"),
    }


def synthetic_plan_dicts(end: str | pd.Period) -> dict[str, dict[str, Any]]:
    """The two synthetic plans for the demo's last month ``end``, as plain YAML-ready data.

    Returns
    -------
    dict
        File name (:data:`ANNUAL_FILE`, :data:`AUTUMN_WINTER_FILE`) → plan mapping
        (``plan``, ``targets``, ``tasks``) in the format of ``docs/plans.md``.
    """
    last = parse_month(end, "demo last month")
    base = load_plan(SOURCE_PLAN, warn=False)
    y = last.year
    annual = {
        "plan": _header(ANNUAL_ID, f"门头沟区{y}年大气污染防治行动计划（{SYNTHETIC}）", y, f"{y}-01-05",
                        f"{y}-01", f"{y}-12", str(last)),
        "targets": [*_targets(base, ANNUAL_TARGETS, f"{y}-01", f"{y}-12", SYNTHETIC),
                    *_dust_targets(base, f"{y}-01", f"{y}-12", SYNTHETIC), _tsp_target(f"{y}-01", f"{y}-12")],
        "tasks": [
            _task(base.task(src), new_id, text, dt.date.fromisoformat(f"{y}-{md}"),
                  f"{y}年{int(md[:2])}月底前")
            for new_id, (src, md, text) in ANNUAL_TASKS.items()
        ],
    }
    s = season_start_year(last)

    def moved(t: PlanTask) -> dt.date:
        if t.id in AUTUMN_WINTER_SEASON_END_TASKS:
            return dt.date(s + 1, 3, 31)
        return t.deadline.replace(year=s + (t.deadline.year - 2017))

    def moved_text(t: PlanTask) -> str:
        d = moved(t)
        text = f"{d.year}年{d.month}月底前" if (d + dt.timedelta(days=1)).day == 1 else f"{d:%Y年%m月%d日}前"
        return text + ("（采暖季结束前）" if t.id in AUTUMN_WINTER_SEASON_END_TASKS else "")

    aw = {
        "plan": _header(AUTUMN_WINTER_ID,
                        f"门头沟区{s}-{s + 1}年秋冬季大气污染综合治理攻坚行动方案（{SYNTHETIC}）", s,
                        f"{s}-08-29", f"{s}-10", f"{s + 1}-03", str(last)),
        "targets": _targets(base, AUTUMN_WINTER_TARGETS, f"{s}-10", f"{s + 1}-03", SYNTHETIC),
        "tasks": [_task(base.task(k), k, base.task(k).task, moved(base.task(k)), moved_text(base.task(k)))
                  for k in AUTUMN_WINTER_TASKS],
    }
    return {ANNUAL_FILE: annual, AUTUMN_WINTER_FILE: aw}


_HEADER_COMMENT: Final = (
    "# 合成示例（SYNTHETIC）— 由 airlib generate-demo 生成，非真实文件；请勿手工编辑（重新生成会覆盖）。\n"
    "# Derived from data/raw/plans/mentougou_2017_autumn_winter.yaml (airlib/demo/synthetic_plans.py).\n"
)


def write_synthetic_plans(out_dir: str | os.PathLike[str], end: str | pd.Period) -> list[Path]:
    """Write both synthetic plans into ``out_dir`` (atomically) and check that they load.

    Parameters
    ----------
    out_dir
        Folder (``data/raw/demo/plans`` in the demo); created if needed.
    end
        The demo's last month ``YYYY-MM``.

    Returns
    -------
    list of Path
        The files written: :data:`ANNUAL_FILE`, :data:`AUTUMN_WINTER_FILE`.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in synthetic_plan_dicts(end).items():
        text = _HEADER_COMMENT + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        p = folder / name
        atomic_write_bytes(p, text.encode("utf-8"))
        load_plan(p, warn=False)  # a generated plan that does not validate is a bug: fail loudly
        paths.append(p)
    return paths
