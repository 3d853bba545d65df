"""Warning (预警) and summons (约谈) rules of a district, read from a small YAML file.

The plans state the criteria (seed 001 （十六）实施严格考核问责制度: "向空气质量相对差、重点任务进展
缓慢的各街乡镇下发预警通知函" and "对空气质量同比恶化明显、排名靠后、重点任务进展缓慢的各街乡镇 …
公开约谈") but not the thresholds: how many towns are 排名靠后, what is 明显 worsening, what is
进展缓慢, how many repeats lead to 约谈. Those numbers are the bureau's judgement and live in the
rule file, each rule with the plan clause it comes from. The shipped file
``data/raw/rules/warning_rules.yaml`` is UNVERIFIED (docs/warnings.md).

Format (``docs/warnings.md``)::

    district: 门头沟区
    rules:                                  # 预警 rules: a town is warned when any applies
      - id: W1
        kind: bottom_rank                   # bottom_rank | yoy_worsening | task_behind |
        n: 3                                #   task_overdue | target_missed
        label: 浓度排名后{n}名               # zh; {field} takes the rule's own parameters
        source: {plan: …, document: 门大气办〔2017〕4号, section: （十六）实施严格考核问责制度,
                 quote: 向空气质量相对差、重点任务进展缓慢的各街乡镇下发预警通知函}
    summons:                                # 约谈 rules: every condition of all_of must hold
      - id: Y1
        label: 连续3个月排名后3名
        all_of:
          - {rule: W1, consecutive: 3}      # W1 in each of the last 3 months (this one included)
        source: {…}

A condition counts months of the town's warning history in which a rule applied: ``rule:``
(a rule id), ``kind:`` (any rule of that kind) or neither (any warning). Either
``consecutive: N`` (the last N months, the report month included, all have it) or
``at_least: K`` with ``window:`` N (the last N months), ``season`` (October–March of the
report month; empty in April–September) or ``year`` (January to the report month).

:func:`load_warning_rules` reads the file through :func:`airlib.io.safe_yaml.load_yaml_file`
and validates it; every problem raises :class:`airlib.errors.InputDataError` naming the file
and the key (``rules[1].n``).
"""

from __future__ import annotations

import string
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from airlib.errors import InputDataError
from airlib.settings import Settings

__all__ = [
    "BottomRankRule", "DEFAULT_RULES_FILE", "KINDS", "KIND_LABELS", "RuleSource", "TargetMissedRule",
    "TaskBehindRule", "TaskOverdueRule", "YoyWorseningRule", "SummonsCondition", "SummonsRule", "WarningRule", "WarningRules",
    "default_rules_path", "load_warning_rules",
]

#: The shipped rule file, relative to the project root (``districts.yaml`` key ``warning_rules``).
DEFAULT_RULES_FILE: str = "data/raw/rules/warning_rules.yaml"

#: Warning rule kinds (the criteria the plans name).
Kind = Literal["bottom_rank", "yoy_worsening", "task_behind", "task_overdue", "target_missed"]
KINDS: tuple[str, ...] = get_args(Kind)

#: Chinese name of each kind (for condition texts: 连续3个月"重点任务逾期").
KIND_LABELS: dict[str, str] = {
    "bottom_rank": "浓度排名靠后", "yoy_worsening": "同比恶化", "task_behind": "重点任务滞后",
    "task_overdue": "重点任务逾期未完成", "target_missed": "目标未达标",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSource(_Strict):
    """The plan clause a rule comes from: plan title, document number, section, verbatim words."""

    plan: str = Field(min_length=1)
    document: str = Field(min_length=1)
    section: str = Field(min_length=1)
    quote: str = Field(min_length=1)

    @property
    def clause(self) -> str:
        """``document`` + full-width space-free section, e.g. '门大气办〔2017〕4号 （十六）实施严格考核问责制度'."""
        return f"{self.document} {self.section}"


class _RuleBase(_Strict):
    id: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    label: str = Field(min_length=1, max_length=60)
    source: RuleSource

    def params(self) -> dict[str, Any]:
        """The rule's parameters (its fields other than id, kind, label, source)."""
        return self.model_dump(exclude={"id", "kind", "label", "source"})

    def title(self) -> str:
        """``label`` with the parameters filled in (e.g. '浓度排名后3名'; a whole float prints as an
        integer, 10.0 → '10')."""
        p = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in self.params().items()}
        return self.label.format(**p)

    @model_validator(mode="after")
    def _label_fields(self) -> _RuleBase:
        fields = {f for _, f, _, _ in string.Formatter().parse(self.label) if f}
        unknown = sorted(fields - set(self.params()))
        if unknown:
            raise ValueError(f"label {self.label!r} uses {unknown}, not parameters of this rule "
                             f"(available: {sorted(self.params())})")
        return self


class BottomRankRule(_RuleBase):
    """后N名 on the month's PM2.5 concentration rank, ties at the boundary included."""

    kind: Literal["bottom_rank"]
    n: int = Field(ge=1, le=1000)


class YoyWorseningRule(_RuleBase):
    """PM2.5 rose year on year (> 0 %) by at least ``min_pct`` %, towns meeting the standard excepted."""

    kind: Literal["yoy_worsening"]
    min_pct: float = Field(ge=0, le=1000)
    meets_limit: float | None = Field(default=35.0, ge=0)


class TaskBehindRule(_RuleBase):
    """At least ``min_tasks`` of the town's tasks (or ``min_share`` of them) are 滞后."""

    kind: Literal["task_behind"]
    min_tasks: int | None = Field(default=None, ge=1)
    min_share: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> TaskBehindRule:
        if (self.min_tasks is None) == (self.min_share is None):
            raise ValueError("give exactly one of min_tasks (a count ≥ 1) or min_share (0–1]")
        return self


class TaskOverdueRule(_RuleBase):
    """At least ``min_tasks`` (default 1) of the town's tasks are 逾期未完成."""

    kind: Literal["task_overdue"]
    min_tasks: int = Field(default=1, ge=1)


class TargetMissedRule(_RuleBase):
    """A town-scope or each-town target of a plan in force is 未达标 in ``window``."""

    kind: Literal["target_missed"]
    window: Literal["period", "month", "ytd"] = "period"


WarningRule = Annotated[
    Union[BottomRankRule, YoyWorseningRule, TaskBehindRule, TaskOverdueRule, TargetMissedRule],
    Field(discriminator="kind"),
]


class SummonsCondition(_Strict):
    """One condition of a 约谈 rule over the town's warning history (module docstring)."""

    rule: str | None = None
    kind: Kind | list[Kind] | None = None  # one kind, or several (a warning of any of them counts)
    consecutive: int | None = Field(default=None, ge=1, le=24)
    at_least: int | None = Field(default=None, ge=1, le=24)
    window: int | Literal["season", "year"] | None = None

    @model_validator(mode="after")
    def _shape(self) -> SummonsCondition:
        if self.rule is not None and self.kind is not None:
            raise ValueError("give rule or kind, not both")
        if isinstance(self.kind, list) and not self.kind:
            raise ValueError("kind: give at least one kind")
        if (self.consecutive is None) == (self.at_least is None):
            raise ValueError("give exactly one of consecutive: N or at_least: K (with window)")
        if self.consecutive is not None and self.window is not None:
            raise ValueError("window goes with at_least, not with consecutive")
        if self.at_least is not None:
            if self.window is None:
                raise ValueError("at_least needs a window: a number of months, 'season' or 'year'")
            if isinstance(self.window, int) and not 1 <= self.window <= 24:
                raise ValueError(f"window must be 1–24 months, not {self.window}")
            if isinstance(self.window, int) and self.at_least > self.window:
                raise ValueError(f"at_least {self.at_least} can never be met in a window of {self.window} months")
        return self

    def months_needed(self) -> int:
        """How many months of history (ending with the report month) the condition reads."""
        if self.consecutive is not None:
            return self.consecutive
        if isinstance(self.window, int):
            return self.window
        return 6 if self.window == "season" else 12


class SummonsRule(_Strict):
    """A 约谈 condition: all of ``all_of`` hold for the town in the report month."""

    id: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    label: str = Field(min_length=1, max_length=80)
    all_of: list[SummonsCondition] = Field(min_length=1)
    source: RuleSource


class WarningRules(_Strict):
    """A district's warning and summons rules (the whole file)."""

    district: str = Field(min_length=1)
    rules: list[WarningRule] = Field(min_length=1)
    summons: list[SummonsRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> WarningRules:
        ids = [r.id for r in self.rules] + [s.id for s in self.summons]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"ids used twice: {dup}; give every rule its own id")
        known = {r.id for r in self.rules}
        for s in self.summons:
            for c in s.all_of:
                if c.rule is not None and c.rule not in known:
                    raise ValueError(f"summons {s.id} refers to rule {c.rule!r}, which is not among "
                                     f"the rules ({sorted(known)})")
        return self

    def rule(self, rule_id: str) -> Any:
        """The warning rule of that id."""
        return next(r for r in self.rules if r.id == rule_id)

    def with_bottom_n(self, n: int) -> WarningRules:
        """A copy whose ``bottom_rank`` rules use ``n`` (the report's bottom N: districts.yaml
        ``bottom_n`` or ``--bottom-n``, so that the shaded bottom rows of the ranking table and
        the bottom-rank warnings are the same towns); ``n = 0`` (no bottom list) makes them find
        nobody.

        Raises
        ------
        ValueError
            ``n`` < 0.
        """
        if n < 0:
            raise ValueError(f"bottom N must be ≥ 0, not {n}")
        rules = [r.model_copy(update={"n": int(n)}) if r.kind == "bottom_rank" else r for r in self.rules]
        return self.model_copy(update={"rules": rules})

    def months_needed(self) -> int:
        """Months of history (report month included) the summons rules read (at least 1)."""
        return max([1] + [c.months_needed() for s in self.summons for c in s.all_of])


def default_rules_path() -> Path:
    """The shipped rule file, ``data/raw/rules/warning_rules.yaml``: the project's copy when it
    has one, else the one shipped with airlib."""
    from airlib.paths import PROJECT_ROOT, raw_dir

    mine = raw_dir() / "rules" / "warning_rules.yaml"
    return mine if mine.exists() else PROJECT_ROOT / DEFAULT_RULES_FILE


def load_warning_rules(path: str | PathLike[str] | None = None, settings: Settings | None = None) -> WarningRules:
    """Read and validate a warning-rule file.

    Parameters
    ----------
    path
        The YAML file (format: module docstring, ``docs/warnings.md``); default
        :func:`default_rules_path`.
    settings
        Limits of the YAML reader (:mod:`airlib.io.safe_yaml`).

    Returns
    -------
    WarningRules

    Raises
    ------
    InputDataError
        Unreadable YAML, an unknown kind, a missing source, a negative or zero N, a condition
        naming an unknown rule …; the message names the file and every key at fault.
    """
    from airlib.io.safe_yaml import item_id, key_path, load_yaml_file

    p = default_rules_path() if path is None else Path(path)
    raw = load_yaml_file(p, settings, what="warning rule file")
    if not isinstance(raw, dict):
        raise InputDataError("a warning rule file must be a mapping with 'district', 'rules' and 'summons'", file=p)
    try:
        return WarningRules.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = tuple(x for x in e["loc"] if x not in KINDS)  # the union's tag is noise in the path
            problems.append(f"{key_path(loc) or '(file)'}{item_id(raw, loc, ('rules', 'summons'))}: {e['msg']}")
        raise InputDataError("invalid warning rules: " + "; ".join(problems)
                             + " (format: docs/warnings.md)", file=p) from None
