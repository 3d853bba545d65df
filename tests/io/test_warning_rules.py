"""Warning-rule files: the shipped file is valid and true to seed 001; bad files give clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from airlib.errors import InputDataError
from airlib.io.warning_rules import DEFAULT_RULES_FILE, KINDS, load_warning_rules
from airlib.paths import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / DEFAULT_RULES_FILE
SEEDS = Path(os.environ.get("AIRLIB_SEEDS", "/work/shared/seeds"))


def _raw() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict) -> Path:
    p = tmp_path / "rules.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return p


def test_shipped_rules_load_and_cover_every_kind():
    rules = load_warning_rules(SHIPPED)
    assert {r.kind for r in rules.rules} == set(KINDS)
    assert rules.rule("W1").title() == "浓度排名后3名"
    assert rules.rules[0].source.clause == "门大气办〔2017〕4号 （十六）实施严格考核问责制度"
    assert rules.summons and rules.months_needed() == 6  # season (Oct–Mar) is the longest window


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")
def test_shipped_quotes_are_verbatim_in_seed_001():
    seed = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    rules = load_warning_rules(SHIPPED)
    for item in [*rules.rules, *rules.summons]:
        assert item.source.quote in seed, item.id
    assert "实施严格考核问责制度" in seed


def test_unknown_kind_names_file_and_key(tmp_path):
    raw = _raw()
    raw["rules"][1]["kind"] = "bad_air"
    with pytest.raises(InputDataError) as e:
        load_warning_rules(_write(tmp_path, raw))
    msg = str(e.value)
    assert "rules.yaml" in msg and "rules[1]" in msg and "bad_air" in msg and "bottom_rank" in msg


def test_missing_source_is_refused(tmp_path):
    raw = _raw()
    del raw["rules"][0]["source"]
    with pytest.raises(InputDataError, match=r"rules\[0\]\.source \(id W1\): Field required"):
        load_warning_rules(_write(tmp_path, raw))


@pytest.mark.parametrize("n", [-1, 0])
def test_negative_or_zero_n_is_refused(tmp_path, n):
    raw = _raw()
    raw["rules"][0]["n"] = n
    with pytest.raises(InputDataError, match=r"rules\[0\]\.n \(id W1\): Input should be greater than or equal to 1"):
        load_warning_rules(_write(tmp_path, raw))


def test_summons_condition_must_name_a_known_rule_and_be_satisfiable(tmp_path):
    raw = _raw()
    raw["summons"][0]["all_of"][0]["rule"] = "W9"
    with pytest.raises(InputDataError, match="refers to rule 'W9'"):
        load_warning_rules(_write(tmp_path, raw))
    raw = _raw()
    raw["summons"][1]["all_of"] = [{"at_least": 4, "window": 3}]
    with pytest.raises(InputDataError, match="can never be met"):
        load_warning_rules(_write(tmp_path, raw))
    raw = _raw()
    raw["summons"][1]["all_of"] = [{"at_least": 2}]
    with pytest.raises(InputDataError, match="at_least needs a window"):
        load_warning_rules(_write(tmp_path, raw))


def test_label_placeholder_must_be_a_parameter(tmp_path):
    raw = _raw()
    raw["rules"][0]["label"] = "后{m}名"
    with pytest.raises(InputDataError, match=r"uses \['m'\]"):
        load_warning_rules(_write(tmp_path, raw))


def test_task_behind_needs_count_or_share(tmp_path):
    raw = _raw()
    raw["rules"][2]["min_share"] = 0.5  # and min_tasks: both given
    with pytest.raises(InputDataError, match="exactly one of min_tasks"):
        load_warning_rules(_write(tmp_path, raw))


def test_duplicate_ids_and_unreadable_files(tmp_path):
    raw = _raw()
    raw["rules"][1]["id"] = "W1"
    with pytest.raises(InputDataError, match=r"ids used twice: \['W1'\]"):
        load_warning_rules(_write(tmp_path, raw))
    with pytest.raises(InputDataError, match="warning rule file not found"):
        load_warning_rules(tmp_path / "none.yaml")
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="must be a mapping"):
        load_warning_rules(bad)
