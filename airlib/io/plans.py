"""District air-pollution plans as data: load, validate and cross-check plan files.

A plan file (YAML, format documented in ``docs/plans.md``) encodes the quantitative
commitments of one district plan (区级大气污染防治方案/行动计划):

* ``targets``: air-quality and emission targets (PM2.5 mean, heavy-pollution days,
  dustfall, TSP rank, NOx/VOCs emissions, emergency reduction ratios …);
* ``tasks``: rows of the plan's task table (重点任务表) with deadline, 牵头/主责/协办 units,
  unit of measure, district total and the per-town split.

Every target and task keeps a ``source`` (document section and quote). Where the
plan's own numbers disagree (the table total against the sum of its per-town items, or
against a figure stated elsewhere in the document), :func:`load_plan` does not pick
one: it emits a :class:`PlanDiscrepancy` warning per disagreement and keeps the list in
``Plan.discrepancies``.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from airlib.errors import AirlibError, InputDataError
from airlib.periods import month_end, month_start, parse_month
from airlib.settings import Settings
from airlib.standards.pollution_days import LEVELS

__all__ = [
    "ALERT_LEVELS",
    "REDUCTION_POLLUTANTS",
    "AlertCondition",
    "AlertEarly",
    "AlertLevelSpec",
    "AlertLift",
    "AlertRulesSpec",
    "AlertSchemeFile",
    "alert_rules",
    "alert_scheme_dir",
    "alert_scheme_ids",
    "load_alert_scheme",
    "target_reductions",
    "DISCREPANCY_LABELS",
    "TARGET_LABELS",
    "TASK_LABELS",
    "cross_check",
    "find_discrepancies",
    "KINDS",
    "METRICS",
    "UNITS",
    "Discrepancy",
    "OtherStatement",
    "Plan",
    "PlanDiscrepancy",
    "PlanHeader",
    "PlanPeriod",
    "PlanTarget",
    "PlanTask",
    "Source",
    "load_plan",
    "load_plans",
    "month_end",  # airlib.periods.month_end, re-exported for the notebooks
    "plan_dir",
    "plan_for_district",
    "plans_in_force",
    "targets_frame",
    "tasks_frame",
    "town_targets",
]

#: Metrics a target may name → Chinese label and display unit.
METRICS: dict[str, tuple[str, str]] = {
    "pm25_mean": ("PM2.5平均浓度", "µg/m³"),
    "pm10_mean": ("PM10平均浓度", "µg/m³"),
    "heavy_pollution_days": ("重污染天数", "天"),
    "heavy_pollution_day_share": ("重污染天数比率", "%"),
    "dustfall": ("降尘量", "吨/平方公里·月"),
    "tsp_rank": ("粗颗粒物（TSP）浓度排名", "名"),
    "road_dust_load": ("道路尘土残存量", "克/平方米"),
    "nox_emissions": ("氮氧化物排放量", "吨"),
    "vocs_emissions": ("挥发性有机物排放量", "吨"),
    "transport_emissions": ("交通领域污染物排放量", "吨"),
    "emergency_reduction_pm": ("应急减排比例（颗粒物）", "%"),
    "emergency_reduction_so2_nox": ("应急减排比例（SO2、NOx）", "%"),
    "emergency_reduction_vocs": ("应急减排比例（VOCs）", "%"),
    "emergency_reduction_all": ("应急减排比例（SO2、NOx、颗粒物、VOCs）", "%"),
    "monitoring_upload_rate": ("监测数据上传率/有效传输率", "%"),
    "cems_transmission_rate": ("污染源自动监控数据传输有效率", "%"),
    "charging_service_radius": ("充电设施平均服务半径", "公里"),
}

#: Target kinds.
KINDS: dict[str, str] = {
    "reduction_vs_last_year": "同比下降",
    "reduction_vs_base_year": "较基准年下降",
    "absolute_cap": "不高于",
    "absolute_floor": "不低于",
    "rank_threshold": "排名退出后N名",
    "emergency_reduction": "预警期间减排比例不低于",
}

#: Emergency alert levels (空气重污染预警级别): the vocabulary of
#: :data:`airlib.standards.pollution_days.LEVELS` without "预警" (one vocabulary).
ALERT_LEVELS: dict[str, str] = {code: zh.removesuffix("预警") for code, zh in LEVELS}

#: Pollutant key of an ``emergency_reduction_*`` metric in :class:`AlertRules` reductions.
REDUCTION_POLLUTANTS: dict[str, str] = {
    "emergency_reduction_pm": "pm",
    "emergency_reduction_so2_nox": "so2_nox",
    "emergency_reduction_vocs": "vocs",
    "emergency_reduction_all": "all",
}

#: Units of measure allowed for task rows.
UNITS: frozenset[str] = frozenset(
    {"蒸吨", "台", "家", "村", "户", "吨", "万吨", "辆", "辆次", "个", "项", "组", "期", "%", "处", "座"}
)



class PlanDiscrepancy(UserWarning):
    """A plan's own numbers disagree (emitted by :func:`load_plan`, one per discrepancy)."""


def _parse_month(v: Any) -> str:
    """'2017-10' / date / datetime → 'YYYY-MM' (:func:`airlib.periods.parse_month`)."""
    try:
        return str(parse_month(v if isinstance(v, (str, dt.date)) else str(v)))
    except InputDataError:
        raise ValueError(f"expected a month 'YYYY-MM', got {v!r}") from None


def _parse_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v).strip())
    except ValueError as exc:
        raise ValueError(f"expected a date 'YYYY-MM-DD', got {v!r}") from exc


Month = Annotated[str, BeforeValidator(_parse_month)]
Date = Annotated[dt.date, BeforeValidator(_parse_date)]


def _as_list(v: Any) -> Any:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return v


UnitList = Annotated[list[str], BeforeValidator(_as_list)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a number comes from: the section of the document and the quoted words."""

    section: str = Field(min_length=1)
    quote: str | None = None
    document: str | None = None  # defaults to the plan's document


class PlanPeriod(_Strict):
    """Inclusive month range, e.g. 2017-10 to 2018-03 (a calendar year = 01 to 12)."""

    start: Month
    end: Month

    @model_validator(mode="after")
    def _ordered(self) -> PlanPeriod:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before start {self.start}")
        return self

    @property
    def start_date(self) -> pd.Timestamp:
        return month_start(self.start)

    @property
    def end_date(self) -> pd.Timestamp:
        """Last day of the end month."""
        return month_end(self.end)


class OtherStatement(_Strict):
    """Another figure the same document gives for a field (e.g. the body says 200 蒸吨)."""

    field: Literal["total", "deadline", "value"]
    value: float | dt.date | str
    source: Source


class PlanTarget(_Strict):
    """One air-quality (or emission) target."""

    id: str = Field(min_length=1)
    metric: str
    scope: Literal["district", "town", "each_town"] = "district"
    town: str | None = None
    district: str | None = None  # defaults to the plan's district
    period: PlanPeriod
    kind: str
    value: float | None = None
    unit: str = "%"
    base_year: int | None = None
    alert_level: str | None = None
    approx: bool = False
    strict: bool = False  # "小于"/"低于": the value must be strictly below the level (docs/plans.md)
    strive: bool = False
    note: str | None = None
    source: Source
    other_statements: list[OtherStatement] = Field(default_factory=list)

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric {v!r}; known: {', '.join(METRICS)}")
        return v

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in KINDS:
            raise ValueError(f"unknown kind {v!r}; known: {', '.join(KINDS)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> PlanTarget:
        if self.scope == "town" and not self.town:
            raise ValueError("scope 'town' needs a 'town'")
        if self.scope != "town" and self.town:
            raise ValueError(f"'town' given but scope is {self.scope!r}")
        if self.kind == "reduction_vs_base_year" and self.base_year is None:
            raise ValueError("kind 'reduction_vs_base_year' needs 'base_year'")
        if self.kind == "emergency_reduction" and self.alert_level not in ALERT_LEVELS:
            raise ValueError(f"kind 'emergency_reduction' needs alert_level in {list(ALERT_LEVELS)}")
        if self.value is None and self.kind not in ("reduction_vs_last_year", "reduction_vs_base_year"):
            raise ValueError(f"kind {self.kind!r} needs a numeric 'value'")
        if self.value is not None and (math.isnan(self.value) or self.value < 0):
            raise ValueError(f"value must be a non-negative number, got {self.value}")
        if self.kind in ("reduction_vs_last_year", "reduction_vs_base_year", "emergency_reduction"):
            if self.value is not None and self.value > 100:
                raise ValueError(f"a reduction in % cannot exceed 100, got {self.value}")
        return self


class PlanTask(_Strict):
    """One row of a plan's task table."""

    id: str = Field(min_length=1)
    category: str
    work: str | None = None
    task: str
    measure: str | None = None
    deadline: Date
    start: Date | None = None
    deadline_text: str | None = None
    unit: str
    total: float | None = None
    towns: dict[str, float] = Field(default_factory=dict)
    lead: UnitList = Field(default_factory=list)
    responsible: UnitList = Field(default_factory=list)
    assisting: UnitList = Field(default_factory=list)
    note: str | None = None
    source: Source
    other_statements: list[OtherStatement] = Field(default_factory=list)

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        if v not in UNITS:
            raise ValueError(f"unknown unit {v!r}; allowed: {'、'.join(sorted(UNITS))}")
        return v

    @field_validator("towns")
    @classmethod
    def _towns(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if x < 0}
        if bad:
            raise ValueError(f"per-town values must be >= 0: {bad}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> PlanTask:
        if self.total is None and not self.towns:
            raise ValueError("a task needs a 'total' or a per-town split 'towns'")
        if self.total is not None and self.total < 0:
            raise ValueError(f"total must be >= 0, got {self.total}")
        if self.start is not None and self.start > self.deadline:
            raise ValueError(f"start {self.start} is after deadline {self.deadline}")
        return self

    @property
    def town_sum(self) -> float:
        return float(sum(self.towns.values()))


class PlanHeader(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    district: str
    district_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    issuer: str | None = None
    document: str
    doc_number: str | None = None
    issued: Date | None = None
    period: PlanPeriod | None = None
    seed_file: str | None = None
    note: str | None = None


class Discrepancy(_Strict):
    """One disagreement between a plan's own numbers."""

    plan: str
    item: str
    field: str
    stated: float | str | None
    other: float | str | None
    message: str


class AlertCondition(_Strict):
    """One condition of an alert criterion: rolling AQI > ``aqi_above`` for ``days`` or ``hours``."""

    aqi_above: float = Field(ge=0)
    days: float | None = Field(default=None, ge=1)
    hours: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_duration(self) -> AlertCondition:
        if (self.days is None) == (self.hours is None):
            raise ValueError("give exactly one of 'days' or 'hours'")
        if self.days is not None and self.days != int(self.days):
            raise ValueError(f"days must be whole, got {self.days}")
        return self


class AlertLevelSpec(_Strict):
    """A level's criterion: any one alternative (a list of conditions that must all hold)."""

    criteria: list[list[AlertCondition]] = Field(min_length=1)
    certainty: str | None = None


class AlertLift(_Strict):
    """Lift condition: rolling AQI <= ``max_aqi`` for ``hours`` hours (``inclusive``: 36 h enough)."""

    max_aqi: int = Field(default=150, ge=0)
    hours: int = Field(default=36, ge=1)
    inclusive: bool = True


class AlertEarly(_Strict):
    """Early start/upgrade: ``hours`` of forecast 重度 (AQI > 200)."""

    hours: int = Field(default=12, ge=1)


class AlertRulesSpec(_Strict):
    """The alert rules as a plan or scheme file writes them (docs/plans.md, docs/alerts.md)."""

    scheme: str | None = None  # id of a file in data/raw/rules/alert_schemes supplying what is absent
    episode_threshold: float | None = None
    levels: dict[str, AlertLevelSpec] | None = None
    lift: AlertLift | None = None
    early: AlertEarly | None = None
    reductions: dict[str, dict[str, float]] | None = None
    certainty: dict[str, str] = Field(default_factory=dict)
    source: Source | None = None
    sources: list[Source] = Field(default_factory=list)

    @field_validator("levels", "reductions")
    @classmethod
    def _known_levels(cls, v: dict | None) -> dict | None:
        if v is not None:
            unknown = sorted(set(v) - set(ALERT_LEVELS))
            if unknown:
                raise ValueError(f"unknown alert level(s) {unknown}; known: {list(ALERT_LEVELS)}")
        return v


class AlertSchemeFile(AlertRulesSpec):
    """A file of ``data/raw/rules/alert_schemes``: a Beijing or national scheme as data."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    note: str | None = None


class Plan(_Strict):
    """A loaded, validated plan (``plan`` header, ``targets``, ``tasks``, ``alert_rules``)."""

    plan: PlanHeader
    targets: list[PlanTarget] = Field(default_factory=list)
    tasks: list[PlanTask] = Field(default_factory=list)
    alert_rules: AlertRulesSpec | None = None
    _path: Path | None = PrivateAttr(default=None)
    _discrepancies: list[Discrepancy] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Plan:
        for what, items in (("target", self.targets), ("task", self.tasks)):
            seen: set[str] = set()
            for it in items:
                if it.id in seen:
                    raise ValueError(f"duplicate {what} id {it.id!r}")
                seen.add(it.id)
        if self.alert_rules is not None and self.alert_rules.reductions is not None:
            from_targets = target_reductions(self.targets)
            if from_targets and from_targets != {
                lv: {p: float(x) for p, x in d.items()} for lv, d in self.alert_rules.reductions.items()
            }:
                raise ValueError(
                    "alert_rules.reductions say something else than the emergency_reduction "
                    f"targets ({from_targets}); keep the ratios in one place (the targets) and "
                    "delete alert_rules.reductions"
                )
        return self

    @property
    def id(self) -> str:
        return self.plan.id

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def discrepancies(self) -> list[Discrepancy]:
        """Discrepancies found when the plan was loaded (also emitted as warnings)."""
        return list(self._discrepancies)

    @property
    def period(self) -> PlanPeriod:
        """The months the plan is in force (inclusive) [months].

        The header's ``period`` when given; otherwise derived from the plan's own dates:
        from the earliest of the issue month, the targets' period starts and the tasks'
        start months, to the latest of the targets' period ends and the tasks' deadline
        months (docs/plans.md §1 "Period"). :attr:`period_derived` says which.
        """
        if self.plan.period is not None:
            return self.plan.period
        starts = [g.period.start for g in self.targets]
        starts += [_month_of_date(t.start) for t in self.tasks if t.start is not None]
        ends = [g.period.end for g in self.targets] + [_month_of_date(t.deadline) for t in self.tasks]
        if self.plan.issued is not None:
            starts.append(_month_of_date(self.plan.issued))
        if not ends:
            raise InputDataError(f"plan {self.id!r} has no period, no target and no task: its months "
                                 "in force cannot be known; add 'period: {start: YYYY-MM, end: YYYY-MM}'",
                                 file=self.path)
        starts = starts or [_month_of_date(t.deadline) for t in self.tasks] or [min(ends)]
        return PlanPeriod(start=min(starts), end=max(ends))

    @property
    def period_derived(self) -> bool:
        """True when :attr:`period` was derived from the targets' and tasks' dates."""
        return self.plan.period is None

    def covers(self, month: Any) -> bool:
        """Whether ``month`` (``YYYY-MM``, Period, Timestamp or date) lies within :attr:`period`."""
        m = parse_month(month)
        per = self.period
        return parse_month(per.start) <= m <= parse_month(per.end)

    def ended_by(self, as_of: Any) -> bool:
        """Whether the plan's period ended before the date ``as_of`` (its last day is still in force)."""
        return pd.Timestamp(as_of).normalize() > self.period.end_date

    def concerns(self, district: str) -> bool:
        """Whether the plan is about ``district``: its own plan (``plan.district``), or a plan
        of another level (e.g. city-wide) with at least one target naming the district."""
        return self.plan.district == district or any(g.district == district for g in self.targets)

    def task(self, task_id: str) -> PlanTask:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(f"plan {self.id!r} has no task {task_id!r}")

    def discrepancies_frame(self) -> pd.DataFrame:
        """The discrepancies as a frame (Chinese display: ``.rename(columns=DISCREPANCY_LABELS)``)."""
        cols = list(Discrepancy.model_fields)
        return pd.DataFrame([d.model_dump() for d in self._discrepancies], columns=cols)


DISCREPANCY_LABELS = {
    "plan": "方案",
    "item": "条目",
    "field": "字段",
    "stated": "表列数值",
    "other": "另一数值",
    "message": "说明",
}


def _fmt(x: float | str | None) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def find_discrepancies(plan: Plan, *, rel_tol: float = 1e-9) -> list[Discrepancy]:
    """Cross-check a plan's numbers; returns one :class:`Discrepancy` per disagreement.

    Checks: a task's ``total`` against the sum of its per-town split; every
    ``other_statements`` entry against the field it restates (total, deadline, value);
    targets with the same metric, scope, town, period, kind and alert level but a
    different value.
    """
    out: list[Discrepancy] = []
    pid = plan.plan.id
    for t in plan.tasks:
        if t.total is not None and t.towns and not math.isclose(t.total, t.town_sum, rel_tol=rel_tol, abs_tol=1e-9):
            out.append(
                Discrepancy(
                    plan=pid, item=t.id, field="total", stated=t.total, other=t.town_sum,
                    message=(f"{t.task}: 表列合计 {_fmt(t.total)} {t.unit}，各镇街分项之和为 "
                             f"{_fmt(round(t.town_sum, 6))} {t.unit}"),
                )
            )
        for s in t.other_statements:
            mine = t.total if s.field == "total" else (t.deadline.isoformat() if s.field == "deadline" else None)
            other = s.value if s.field != "deadline" else _parse_date(s.value).isoformat()
            if isinstance(other, dt.date):
                other = other.isoformat()
            same = (
                isinstance(mine, (int, float)) and isinstance(other, (int, float))
                and math.isclose(float(mine), float(other), rel_tol=rel_tol)
            ) or mine == other
            if not same:
                out.append(
                    Discrepancy(
                        plan=pid, item=t.id, field=s.field, stated=mine, other=other,
                        message=(f"{t.task}: {s.field} 在任务表中为 {_fmt(mine)}，"
                                 f"在“{s.source.section}”中为 {_fmt(other)}"),
                    )
                )
    for g in plan.targets:
        for s in g.other_statements:
            if s.field != "value" or g.value is None or not isinstance(s.value, (int, float)) or \
                    not math.isclose(g.value, float(s.value), rel_tol=rel_tol):
                out.append(
                    Discrepancy(
                        plan=pid, item=g.id, field=s.field, stated=g.value, other=s.value,
                        message=f"{g.id} {METRICS[g.metric][0]}: {_fmt(g.value)} vs {_fmt(s.value)}（{s.source.section}）",
                    )
                )
    key = lambda g: (g.metric, g.scope, g.town, g.district, g.period.start, g.period.end, g.kind, g.alert_level, g.base_year)  # noqa: E731
    seen: dict[tuple, PlanTarget] = {}
    for g in plan.targets:
        k = key(g)
        if k in seen and seen[k].value != g.value:
            out.append(
                Discrepancy(
                    plan=pid, item=g.id, field="value", stated=seen[k].value, other=g.value,
                    message=f"{seen[k].id} 与 {g.id} 是同一目标，数值不同：{_fmt(seen[k].value)} vs {_fmt(g.value)}",
                )
            )
        seen.setdefault(k, g)
    return out


def cross_check(plans: Iterable[Plan], *, warn: bool = True) -> list[Discrepancy]:
    """Compare district-scope targets across plans (e.g. a district plan against the city plan).

    Two targets disagree when they name the same district (``target.district`` or the plan's),
    metric, period, kind, alert level and base year but give different values. Each disagreement
    is returned (and warned as :class:`PlanDiscrepancy`), naming both plans.
    """
    seen: dict[tuple, tuple[Plan, PlanTarget]] = {}
    out: list[Discrepancy] = []
    for p in plans:
        for g in p.targets:
            if g.scope != "district":
                continue
            k = (g.district or p.plan.district, g.metric, g.period.start, g.period.end, g.kind, g.alert_level,
                 g.base_year)
            if k in seen:
                q, h = seen[k]
                if q.id != p.id and h.value != g.value:
                    d = Discrepancy(
                        plan=p.id, item=g.id, field="value", stated=g.value, other=h.value,
                        message=(f"{k[0]} {METRICS[g.metric][0]} {g.period.start}–{g.period.end}: {p.id} {g.id} 为 "
                                 f"{_fmt(g.value)}，{q.id} {h.id} 为 {_fmt(h.value)}"),
                    )
                    out.append(d)
                    if warn:
                        warnings.warn(d.message, PlanDiscrepancy, stacklevel=2)
            else:
                seen[k] = (p, g)
    return out


def load_plan(path: str | PathLike[str], *, warn: bool = True, settings: Settings | None = None) -> Plan:
    """Load and validate one plan file.

    Parameters
    ----------
    path
        A YAML plan file (format: ``docs/plans.md``).
    warn
        Emit a :class:`PlanDiscrepancy` warning per discrepancy (default True).
        Discrepancies are always kept in ``Plan.discrepancies``.
    settings
        Limits of the YAML reader (``yaml_max_bytes``, ``yaml_max_depth``,
        ``yaml_max_aliases``, ``yaml_max_nodes``; :mod:`airlib.io.safe_yaml`).

    Raises
    ------
    InputDataError
        Unreadable YAML (missing, too large, not UTF-8/GBK text, too deep, alias bomb, syntax
        error with line and column, duplicate key) or a schema violation; the message names the
        file and the field path (e.g. ``tasks[3].towns``) of every problem.
    """
    from airlib.io.safe_yaml import item_id, key_path, load_yaml_file

    path = Path(path)
    raw = load_yaml_file(path, settings, what="plan file")
    if not isinstance(raw, dict):
        raise InputDataError("a plan file must be a mapping with 'plan', 'targets', 'tasks'", file=path)
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            where = key_path(e["loc"])
            ident = item_id(raw, e["loc"], ("tasks", "targets"))
            problems.append(f"{where}{ident}: {e['msg']}")
        raise InputDataError("invalid plan: " + "; ".join(problems), file=path) from None
    plan._path = path
    plan._discrepancies = find_discrepancies(plan)
    if warn:
        for d in plan._discrepancies:
            warnings.warn(f"{path.name}: {d.item}: {d.message}", PlanDiscrepancy, stacklevel=2)
    return plan


def _month_of_date(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def plans_in_force(plans: Iterable[Plan] | dict[str, Plan], month: Any, district: str) -> list[Plan]:
    """The plans in force for ``district`` in ``month``, in the order given.

    A plan is in force when its period (:attr:`Plan.period`, derived from its dates when the
    header has none) covers the month and it concerns the district (:meth:`Plan.concerns`):
    the district's own plans, and plans of another level (the city-wide
    ``beijing_2020_district_pm25.yaml``) that set targets for the district. Several plans at
    once (a three-year plan and an autumn–winter plan) is normal; none is an empty list.

    Parameters
    ----------
    plans
        Loaded plans (a list, or the dict of :func:`load_plans`).
    month
        The month evaluated (``YYYY-MM``, Period, Timestamp or date).
    district
        The district's name as the plans write it (e.g. ``门头沟区``).

    Returns
    -------
    list of Plan
        Plans of another level are returned as they are; use :func:`plan_for_district` to
        evaluate them for the district.
    """
    items = plans.values() if isinstance(plans, dict) else plans
    return [p for p in items if p.concerns(district) and p.covers(month)]


def plan_for_district(plan: Plan, district: str, district_code: str | None = None) -> Plan:
    """The plan as it applies to ``district``.

    The district's own plan is returned unchanged. For a plan of another level (a city-wide
    plan whose targets name their district), a copy whose header names ``district`` (and
    ``district_code``) and which keeps only the targets for that district and no tasks: its
    district targets then apply to the district being reported, as if its own plan set them.

    Raises
    ------
    AirlibError
        The plan does not concern the district (message in Chinese, naming both).
    """
    if plan.plan.district == district:
        return plan
    if not plan.concerns(district):
        raise AirlibError(f"方案《{plan.plan.title}》（{plan.id}）属于{plan.plan.district}，没有针对{district}的目标，"
                          f"不能用于{district}；请选择{district}的方案或含{district}目标的全市方案")
    header = plan.plan.model_copy(update={"district": district, "district_code": district_code})
    targets = [g.model_copy(update={"district": None}) for g in plan.targets if g.district == district]
    local = plan.model_copy(update={"plan": header, "targets": targets, "tasks": []})
    local._path = plan.path
    local._discrepancies = [d for d in plan.discrepancies if d.item in {g.id for g in targets}]
    return local


def target_reductions(targets: Iterable[PlanTarget]) -> dict[str, dict[str, float]]:
    """Emission-reduction ratios of a plan's ``emergency_reduction`` targets [%].

    Returns
    -------
    dict
        ``{level code: {pollutant: minimum reduction %}}`` (pollutants as
        :data:`REDUCTION_POLLUTANTS`); empty when the plan has no such target.
    """
    out: dict[str, dict[str, float]] = {}
    for t in targets:
        if t.kind == "emergency_reduction" and t.alert_level is not None and t.value is not None:
            pol = REDUCTION_POLLUTANTS.get(t.metric, t.metric)
            out.setdefault(t.alert_level, {})[pol] = float(t.value)
    return out


def alert_scheme_dir() -> Path:
    """``data/raw/rules/alert_schemes`` of the project (one YAML file per scheme); airlib's own
    copy (shipped with it) when the project has no such folder, as for the shipped plan files."""
    from airlib.paths import PROJECT_ROOT, raw_dir

    here = raw_dir() / "rules" / "alert_schemes"
    return here if here.is_dir() else PROJECT_ROOT / "data" / "raw" / "rules" / "alert_schemes"


def _load_scheme_file(path: Path, settings: Settings | None = None) -> AlertSchemeFile:
    from airlib.io.safe_yaml import key_path, load_yaml_file

    raw = load_yaml_file(path, settings, what="alert scheme file")
    try:
        spec = AlertSchemeFile.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{key_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise InputDataError("invalid alert scheme: " + "; ".join(problems), file=path) from None
    if spec.id != path.stem:
        raise InputDataError(f"scheme id {spec.id!r} differs from the file name {path.stem!r}", file=path)
    if spec.scheme is not None:
        raise InputDataError("a scheme file cannot refer to another scheme ('scheme:')", file=path)
    return spec


def alert_scheme_ids() -> list[str]:
    """Ids of the schemes in :func:`alert_scheme_dir`."""
    return sorted(p.stem for p in alert_scheme_dir().glob("*.yaml"))


def _rules_from_spec(ident: str, spec: AlertRulesSpec, base: AlertRulesSpec | None,
                     targets: Iterable[PlanTarget] = (), where: Path | None = None):
    from airlib.standards.alerts import AlertRules, day_hours

    def pick(name: str):
        v = getattr(spec, name)
        return getattr(base, name) if v is None and base is not None else v

    levels = pick("levels")
    if not levels:
        raise InputDataError(
            f"alert rules {ident!r} have no levels: give 'levels' or a 'scheme' "
            f"(one of {alert_scheme_ids()})", file=where)
    criteria = {
        lv: tuple({c.aqi_above: (c.hours if c.hours is not None else day_hours(c.days)) for c in alt}
                  for alt in ls.criteria)
        for lv, ls in levels.items()
    }
    lift = pick("lift") or AlertLift()
    early = pick("early") or AlertEarly()
    reductions = spec.reductions
    if reductions is None:
        reductions = target_reductions(targets) or (base.reductions if base is not None else None)
    certainty = {**(base.certainty if base is not None else {}),
                 **{lv: ls.certainty for lv, ls in levels.items() if ls.certainty},
                 **spec.certainty}
    thr = pick("episode_threshold")
    if thr is None:
        thr = min(t for alts in criteria.values() for a in alts for t in a)
    return AlertRules(
        id=ident, criteria=criteria, episode_threshold=float(thr), lift_max_aqi=lift.max_aqi,
        lift_hours=lift.hours, lift_inclusive=lift.inclusive, early_hours=early.hours,
        reductions=reductions or {}, certainty=certainty,
    )


def load_alert_scheme(scheme: str, settings: Settings | None = None):
    """The :class:`~airlib.standards.alerts.AlertRules` of a scheme file, by id.

    Parameters
    ----------
    scheme : str
        ``mee-2017``, ``beijing-2018``, ``beijing-2023`` … (a file in :func:`alert_scheme_dir`).

    Raises
    ------
    InputDataError
        Unknown id (the message lists the known ones) or an invalid file.
    """
    path = alert_scheme_dir() / f"{scheme}.yaml"
    if not path.is_file():
        raise InputDataError(f"unknown alert scheme {scheme!r}; known: {alert_scheme_ids()} "
                             f"(files in {alert_scheme_dir()})")
    spec = _load_scheme_file(path, settings)
    return _rules_from_spec(spec.id, spec, None, where=path)


def alert_rules(plan: Plan, settings: Settings | None = None):
    """The alert rules of a plan: its ``alert_rules`` block completed by the scheme it names.

    The reduction ratios come from the plan's ``emergency_reduction`` targets when it has them
    (a block repeating them must agree, checked at load), else from the block, else from the
    scheme. A plan without ``alert_rules`` is an error naming the plan file.

    Returns
    -------
    airlib.standards.alerts.AlertRules
    """
    spec = plan.alert_rules
    if spec is None:
        raise InputDataError(f"plan {plan.id!r} has no 'alert_rules' block (docs/plans.md)",
                             file=plan.path)
    base = None
    if spec.scheme is not None:
        path = alert_scheme_dir() / f"{spec.scheme}.yaml"
        if not path.is_file():
            raise InputDataError(f"alert_rules.scheme {spec.scheme!r} is not a known scheme; known: "
                                 f"{alert_scheme_ids()}", file=plan.path)
        base = _load_scheme_file(path, settings)
    return _rules_from_spec(plan.id, spec, base, plan.targets, where=plan.path)


def plan_dir() -> Path:
    """``data/raw/plans`` of the project."""
    from airlib.paths import raw_dir

    return raw_dir() / "plans"


def load_plans(paths: Iterable[str | PathLike[str]] | None = None, *, warn: bool = True,
               settings: Settings | None = None) -> dict[str, Plan]:
    """Load several plan files (default: every ``*.yaml`` in ``data/raw/plans``) keyed by plan id."""
    if paths is None:
        paths = sorted(plan_dir().glob("*.yaml"))
    out: dict[str, Plan] = {}
    for p in paths:
        plan = load_plan(p, warn=warn, settings=settings)
        if plan.id in out:
            raise InputDataError(f"plan id {plan.id!r} also used by {out[plan.id].path}", file=p)
        out[plan.id] = plan
    return out


TASK_LABELS = {
    "plan": "方案",
    "task_id": "任务编号",
    "category": "类别",
    "work": "重点工作",
    "task": "重点任务",
    "deadline": "完成时限",
    "unit": "单位",
    "total": "全区任务量",
    "town_sum": "各镇街分项合计",
    "lead": "牵头单位",
    "responsible": "主责单位",
    "assisting": "协办单位",
    "section": "出处",
}


def tasks_frame(plan: Plan) -> pd.DataFrame:
    """One row per task (columns: ``TASK_LABELS`` keys)."""
    rows = [
        {
            "plan": plan.id,
            "task_id": t.id,
            "category": t.category,
            "work": t.work,
            "task": t.task,
            "deadline": pd.Timestamp(t.deadline),
            "unit": t.unit,
            "total": t.total,
            "town_sum": t.town_sum if t.towns else float("nan"),
            "lead": "、".join(t.lead),
            "responsible": "、".join(t.responsible),
            "assisting": "、".join(t.assisting),
            "section": t.source.section,
        }
        for t in plan.tasks
    ]
    return pd.DataFrame(rows, columns=list(TASK_LABELS)).astype({"total": "float64", "town_sum": "float64"})


def town_targets(plan: Plan) -> pd.DataFrame:
    """Long frame of per-town task targets: ``task_id``, ``town`` (name as in the plan), ``target``."""
    rows = [{"task_id": t.id, "town": town, "target": float(v)} for t in plan.tasks for town, v in t.towns.items()]
    return pd.DataFrame(rows, columns=["task_id", "town", "target"]).astype({"target": "float64"})


TARGET_LABELS = {
    "plan": "方案",
    "target_id": "目标编号",
    "metric": "指标",
    "metric_label": "指标名称",
    "scope": "范围",
    "district": "区",
    "town": "镇街",
    "period_start": "起始月",
    "period_end": "截止月",
    "kind": "类型",
    "kind_label": "目标类型",
    "value": "目标值",
    "unit": "单位",
    "base_year": "基准年",
    "alert_level": "预警级别",
    "approx": "约数（左右）",
    "strive": "力争",
    "section": "出处",
}


def targets_frame(plan: Plan) -> pd.DataFrame:
    """One row per target (columns: ``TARGET_LABELS`` keys)."""
    rows = [
        {
            "plan": plan.id,
            "target_id": g.id,
            "metric": g.metric,
            "metric_label": METRICS[g.metric][0],
            "scope": g.scope,
            "district": g.district or plan.plan.district,
            "town": g.town,
            "period_start": g.period.start,
            "period_end": g.period.end,
            "kind": g.kind,
            "kind_label": KINDS[g.kind],
            "value": g.value,
            "unit": g.unit,
            "base_year": g.base_year,
            "alert_level": None if g.alert_level is None else ALERT_LEVELS[g.alert_level],
            "approx": g.approx,
            "strive": g.strive,
            "section": g.source.section,
        }
        for g in plan.targets
    ]
    return pd.DataFrame(rows, columns=list(TARGET_LABELS)).astype({"value": "float64"})
