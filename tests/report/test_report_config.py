"""districts.yaml is checked before any report starts: every problem names the file, entry and key."""

from __future__ import annotations

import pytest

from airlib.errors import AirlibError, InputDataError
from airlib.report.config import DEMO, MAX_NAME_LENGTH, check_folder_name, district_config, load_districts
from tests.report.conftest import NEW


def _err(tmp_path) -> str:
    with pytest.raises(InputDataError) as ei:
        load_districts(tmp_path)
    msg = str(ei.value)
    assert "districts.yaml" in msg
    return msg


def test_one_bad_entry_fails_only_its_district(cfg, tmp_path):
    from airlib.report.config import district_names

    cfg("districts:\n" + NEW + "  - name: 坏区\n    district_code: '110199'\n    dataset: t\n"
        "    boundaries: ../outside.gpkg\n  - name: 门头沟区\n    bottom_n: abc\n")
    assert district_names(tmp_path) == ["门头沟区", "测试区", "坏区"]
    assert district_config("测试区", tmp_path).dataset == "t"
    with pytest.raises(InputDataError, match=r"entry 2 \('坏区'\): key 'boundaries'.*outside the project"):
        district_config("坏区", tmp_path)
    # an invalid override of the demo does not silently fall back to the built-in demo
    with pytest.raises(InputDataError, match=r"entry 3 \('门头沟区'\): key 'bottom_n'"):
        district_config("门头沟区", tmp_path)
    with pytest.raises(InputDataError, match="entry 2"):
        load_districts(tmp_path)  # all of them: the first problem


def test_valid_file_and_override(cfg, tmp_path):
    cfg("districts:\n  - name: 门头沟区\n    bottom_n: 0\n" + NEW
        + "    plans: data/raw/plans/a.yaml\n    ledgers: null\n    gcj02: true\n")
    d = load_districts(tmp_path)
    assert d["门头沟区"].bottom_n == 0 and d["门头沟区"].dataset == DEMO.dataset
    t = d["测试区"]
    assert (t.district_code, t.dataset, t.plans, t.ledgers, t.gcj02) == (
        "110199", "t", ("data/raw/plans/a.yaml",), None, True)


def test_empty_file_and_empty_list_give_the_demo(cfg, tmp_path):
    cfg("")
    assert list(load_districts(tmp_path)) == [DEMO.name]
    cfg("districts: []\n")
    assert list(load_districts(tmp_path)) == [DEMO.name]


@pytest.mark.parametrize("line, needles", [
    ("    bottom_n: \"abc\"\n", ["'bottom_n'", "whole number", "'abc'"]),
    ("    bottom_n: -1\n", ["'bottom_n'", "≥ 0", "-1"]),
    ("    bottom_n: 2.5\n", ["'bottom_n'", "2.5"]),
    ("    bottom_n: true\n", ["'bottom_n'", "True"]),
    ("    gcj02: \"no\"\n", ["'gcj02'", "true or false"]),
    ("    plans: [1, 2]\n", ["'plans'", "list of plan file paths"]),
    ("    plans: [../../etc/passwd]\n", ["'plans'", "outside the project"]),
    ("    ledgers: /etc\n", ["'ledgers'", "outside the project"]),
    ("    warning_rules: ../../etc/rules.yaml\n", ["'warning_rules'", "outside the project"]),
    ("    warning_rules: [a]\n", ["'warning_rules'", "a path"]),
    ("    boundary_layer: [a]\n", ["'boundary_layer'", "text"]),
    ("    bottom: 5\n", ["unknown key 'bottom'", "did you mean 'bottom_n'"]),
    ("    boundries: x\n", ["unknown key 'boundries'", "did you mean 'boundaries'"]),
])
def test_bad_values_name_entry_and_key(cfg, tmp_path, line, needles):
    cfg("districts:\n" + NEW + line)
    msg = _err(tmp_path)
    assert "districts entry 1 ('测试区')" in msg
    for n in needles:
        assert n in msg


@pytest.mark.parametrize("code", ["11019", "1101990", "abcdef", "[1]"])
def test_district_code_must_be_six_digits(cfg, tmp_path, code):
    cfg(NEW.replace('"110199"', code).join(["districts:\n", ""]))
    assert "'district_code'" in _err(tmp_path)


def test_district_code_as_number_is_text(cfg, tmp_path):
    cfg("districts:\n" + NEW.replace('"110199"', "110199"))
    assert load_districts(tmp_path)["测试区"].district_code == "110199"


@pytest.mark.parametrize("name", ["../data/raw/x", "a/b", "a\\\\b", "..", ".hidden", "x..y", "", "x.",
                                  "<img src=x onerror=alert(1)>", "a:b", "a|b", "a?", "a*", 'a\\"b',
                                  "  ", " 门头沟区", "a\\tb", "a\\u0000b", "x" * (MAX_NAME_LENGTH + 1)])
def test_bad_names_refused(cfg, tmp_path, name):
    cfg(f'districts:\n  - name: "{name}"\n    district_code: "110199"\n    dataset: t\n'
        "    boundaries: b.gpkg\n")
    msg = _err(tmp_path)
    assert "'name'" in msg


def test_name_edges_accepted():
    assert check_folder_name("x" * MAX_NAME_LENGTH, "name") == "x" * MAX_NAME_LENGTH
    assert check_folder_name("门头沟区.v2", "name") == "门头沟区.v2"  # a single dot inside is fine
    with pytest.raises(ValueError, match="text"):
        check_folder_name(12, "name")


def test_bad_dataset_refused(cfg, tmp_path):
    cfg("districts:\n" + NEW.replace("dataset: t", "dataset: ../raw"))
    assert "'dataset'" in _err(tmp_path)


def test_required_keys_of_a_new_district(cfg, tmp_path):
    cfg("districts:\n  - name: 新区\n    dataset: x\n")
    msg = _err(tmp_path)
    assert "missing required key(s) 'district_code' (a new district needs name, district_code, dataset)" in msg
    cfg("districts:\n  - dataset: x\n")
    assert "districts entry 1: missing required key 'name'" in _err(tmp_path)


def test_structure_errors(cfg, tmp_path):
    cfg("- name: x\n")
    assert "top-level 'districts:' list" in _err(tmp_path)
    cfg("districts:\n  name: x\n")
    assert "top-level 'districts:' list" in _err(tmp_path)
    cfg("district:\n  - name: x\n")
    assert "unknown top-level key 'district' (did you mean 'districts'?)" in _err(tmp_path)
    cfg("districts:\n  - 门头沟区\n")
    assert "districts entry 1: expected a mapping" in _err(tmp_path)
    cfg("districts:\n" + NEW + NEW)
    assert "configured twice" in _err(tmp_path)


def test_hostile_yaml_refused(cfg, tmp_path):
    cfg(bytes(range(1, 256)) * 4)
    assert "UTF-8" in _err(tmp_path)
    cfg("districts:\n" + "- " * 20000 + "x\n")
    assert "yaml_max_depth" in _err(tmp_path)


def test_gbk_file_is_read(cfg, tmp_path):
    cfg(("districts:\n" + NEW).encode("gbk"))
    assert "测试区" in load_districts(tmp_path)


def test_empty_district_name_on_lookup(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    for bad in ("", "   "):
        with pytest.raises(AirlibError, match="district name is empty.*门头沟区"):
            district_config(bad, tmp_path)


def test_broken_plan_file_fails_before_the_notebook(cfg, tmp_path, monkeypatch):
    """`airlib report` loads every plan in check_request (before a kernel starts); exit 2."""
    import pandas as pd

    from airlib.cli import main
    from airlib.report import check_request

    (tmp_path / "data" / "processed" / "t" / "hourly" / "year=2018" / "month=1").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "t").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "t" / "towns.gpkg").write_bytes(b"x")
    plan = tmp_path / "data" / "raw" / "plans" / "p.yaml"
    plan.parent.mkdir(parents=True)
    plan.write_text("plan:\n  id: [\n", encoding="utf-8")
    cfg("districts:\n" + NEW + "    plans: [data/raw/plans/p.yaml]\n")
    c = district_config("测试区", tmp_path)
    with pytest.raises(InputDataError, match="p.yaml.*not valid YAML at line 3"):
        check_request(c, pd.Period("2018-01", "M"), tmp_path)
    plan.write_text("plan:\n  id: x\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="p.yaml: invalid plan"):
        check_request(c, pd.Period("2018-01", "M"), tmp_path)
    monkeypatch.setenv("AIRLIB_HOME", str(tmp_path))
    import airlib.report.running as running

    monkeypatch.setattr(running, "execute_notebook", lambda *a, **k: pytest.fail("kernel started"))
    assert main(["report", "--district", "测试区", "--month", "2018-01"]) == 2


def test_boundaries_are_optional(cfg, tmp_path):
    """A district without a boundary file is configured (its report has no maps); null too."""
    cfg("districts:\n  - name: 无界区\n    district_code: \"110199\"\n    dataset: t\n"
        "  - name: 空界区\n    district_code: \"110199\"\n    dataset: u\n    boundaries: null\n")
    d = load_districts(tmp_path)
    assert d["无界区"].boundaries is None and d["空界区"].boundaries is None
    assert DEMO.boundaries is not None  # the demo keeps its schematic boundaries
    cfg("districts:\n" + NEW.replace("boundaries: data/raw/t/towns.gpkg", "boundaries: ''"))
    assert "key 'boundaries' must be a path" in _err(tmp_path)


def test_cover_texts_issuer_and_document_number(cfg, tmp_path):
    """issuer / document_number: optional one-line texts, checked like the other keys."""
    from airlib.report.config import MAX_COVER_TEXT_LENGTH

    cfg("districts:\n" + NEW + "    issuer: 北京市测试区生态环境局\n    document_number: 测环发〔2024〕1号\n")
    t = load_districts(tmp_path)["测试区"]
    assert (t.issuer, t.document_number) == ("北京市测试区生态环境局", "测环发〔2024〕1号")
    assert load_districts(tmp_path)["门头沟区"].issuer is None  # absent: None (a blank line on the cover)
    cfg("districts:\n" + NEW + "    issuer: " + "局" * MAX_COVER_TEXT_LENGTH + "\n")
    assert len(load_districts(tmp_path)["测试区"].issuer) == MAX_COVER_TEXT_LENGTH  # the edge is accepted
    for value, needle in [
        ("局" * (MAX_COVER_TEXT_LENGTH + 1), f"more than {MAX_COVER_TEXT_LENGTH}"),
        ("''", "'issuer' is empty"),
        ("[a, b]", "'issuer' must be one line of text"),
        ("true", "'issuer' must be one line of text"),
        ('"第一行\\n第二行"', "control character U+000A"),
    ]:
        cfg("districts:\n" + NEW + f"    issuer: {value}\n")
        msg = _err(tmp_path)
        assert needle in msg and "entry 1 ('测试区')" in msg, (value, msg)
    cfg("districts:\n" + NEW + "    document_numbr: x\n")
    assert "did you mean 'document_number'" in _err(tmp_path)


def test_warning_rules_key_default_and_resolution(cfg, tmp_path):
    from airlib.io.warning_rules import DEFAULT_RULES_FILE
    from airlib.paths import PROJECT_ROOT
    from airlib.report.request import warning_rules_path

    cfg("districts:\n" + NEW + "    warning_rules: data/raw/rules/mine.yaml\n")
    d = load_districts(tmp_path)["测试区"]
    assert d.warning_rules == "data/raw/rules/mine.yaml"
    assert warning_rules_path(d, tmp_path) == tmp_path / "data/raw/rules/mine.yaml"  # the project's own file
    assert DEMO.warning_rules is None  # default: the shipped file, when the project has none
    assert warning_rules_path(DEMO, tmp_path) == PROJECT_ROOT / DEFAULT_RULES_FILE
