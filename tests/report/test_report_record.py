"""Issue #12 items 6–8: each language its own files and English throughout, the run record
(JSON beside the PDF, short appendix, project-relative paths), deployment (``--all`` without
the demo unless asked, output folders per the umask)."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.paths import PROJECT_ROOT
from airlib.report.config import DEMO
from airlib.report.texts import LANGUAGES, TEXT, display_value

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
M = pd.Period("2017-12", "M")


# ----------------------------------------------------------------------------- languages


def test_each_language_has_its_own_output_names():
    from airlib.report.request import output_names

    zh, en = output_names(DEMO, M, "zh"), output_names(DEMO, M, "en")
    assert zh.keys() == en.keys() == {"notebook", "pdf", "excel", "record", "figures"}
    assert set(zh.values()).isdisjoint(en.values())  # nothing of one language overwrites the other
    assert zh["pdf"] == "门头沟区_2017-12_月排名报告.pdf"
    assert en["pdf"] == "门头沟区_2017-12_monthly_ranking_report.pdf"
    # English names carry no Chinese beyond the district's own name
    assert not any(CJK.search(v.replace(DEMO.slug, "")) for v in en.values())
    with pytest.raises(AirlibError, match="language"):
        output_names(DEMO, M, "fr")


def test_page_footer_follows_the_language():
    from airlib.report.rendering import PRINT_CSS, print_css

    en = re.search(r"@bottom-center \{ content: ([^;]*);", print_css("en")).group(1)
    zh = re.search(r"@bottom-center \{ content: ([^;]*);", print_css("zh")).group(1)
    assert en == '"Page " counter(page) " of " counter(pages) ""'
    assert zh == '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
    assert PRINT_CSS == print_css("zh") and "__FOOTER__" not in PRINT_CSS


@pytest.mark.parametrize(("value", "expected"), [
    ("浓度排名后3名", "bottom 3 by PM2.5"),
    ("同比上升", "rose year on year"),
    ("浓度排名后12名；同比上升", "bottom 12 by PM2.5; rose year on year"),
    ("无有效数据", "no valid data"),
    ("仍可达成", "still reachable"),
    ("数据不足", "insufficient data"),
    ("大峪街道", "大峪街道"),  # a name stays as it is
])
def test_display_values_in_english(value, expected):
    assert display_value(value, "en") == expected
    assert display_value(value, "zh") == value


def test_every_library_display_value_has_english():
    """Every Chinese value the library's tables carry is translated (a new status shows here)."""
    from airlib.io.plans import KINDS
    from airlib.tracking.ranking import STATUS_INVALID, STATUS_VALID

    src = (PROJECT_ROOT / "airlib" / "tracking" / "targets.py").read_text(encoding="utf-8")
    statuses = set(re.findall(r'"((?:数据不足|期末已达成|期末未达成|已无法达成|仍可达成|达标|未达标))"', src))
    assert len(statuses) == 7
    for v in [*statuses, *KINDS.values(), STATUS_VALID, STATUS_INVALID]:
        assert not CJK.search(display_value(v, "en")), v


def test_ranking_table_reason_and_status_in_english():
    from airlib.report.content import WARNING_TABLE_COLUMNS, display_table

    t = pd.DataFrame({"town_name": ["大峪街道", "城子街道"], "pm25": [56.0, 55.0], "rank": [12, 11],
                      "yoy_pct": [-17.6, 3.0], "reasons": ["浓度排名后3名", "浓度排名后3名；同比上升"],
                      "status": ["有效", "有效"], "valid": [True, True]})
    en = display_table(t, [*WARNING_TABLE_COLUMNS, "status"], "en", pd.Period("2017-12", "M"))
    assert en["Reasons"].tolist() == ["bottom 3 by PM2.5", "bottom 3 by PM2.5; rose year on year"]
    assert en["Data"].tolist() == ["valid", "valid"]
    assert en["Town/street"].tolist() == ["大峪街道", "城子街道"]
    zh = display_table(t, WARNING_TABLE_COLUMNS, "zh", pd.Period("2017-12", "M"))
    assert zh.iloc[1, -1] == "浓度排名后3名；同比上升"


def test_english_texts_have_no_chinese():
    for key, v in TEXT["en"].items():
        assert not CJK.search(v), key
    assert set(LANGUAGES) == set(TEXT)


# ----------------------------------------------------------------------------- run record


def test_record_path_is_never_absolute(tmp_path):
    from airlib.report.data import record_path

    inside = tmp_path / "data" / "raw" / "x.csv"
    inside.parent.mkdir(parents=True)
    inside.write_text("a")
    assert record_path(inside, tmp_path) == "data/raw/x.csv"
    shipped = PROJECT_ROOT / "pyproject.toml"
    assert record_path(shipped, tmp_path / "data") == "<airlib>/pyproject.toml"
    outside = tmp_path.parent / "elsewhere.csv"
    assert record_path(outside, tmp_path / "data") == "<outside>/elsewhere.csv"


def test_record_parameters_leave_out_absolute_and_staging_paths(tmp_path):
    from airlib.report.content import record_parameters

    params = {"district": "门头沟区", "month": "2017-12", "language": "en", "project_root": str(tmp_path),
              "data_dir": str(tmp_path / "data" / "processed" / "demo"),
              "boundaries": str(tmp_path / "data" / "raw" / "b.geojson"), "bottom_n": 3,
              "output_dir": str(tmp_path / "reports" / ".2017-12.staging-abc"), "excel_name": "r.xlsx",
              "interactive": False, "checked": True}
    rec = record_parameters(params, tmp_path)
    assert rec == {"district": "门头沟区", "month": "2017-12", "language": "en", "bottom_n": 3,
                   "data_dir": "data/processed/demo", "boundaries": "data/raw/b.geojson", "excel_name": "r.xlsx"}
    assert str(tmp_path) not in json.dumps(rec) and "staging" not in json.dumps(rec)


def test_inputs_digest_is_order_free_and_sees_every_hash():
    from airlib.report.content import inputs_digest

    a = pd.DataFrame({"file": ["a", "b"], "bytes": [1, 2], "sha256": ["0" * 64, "1" * 64]})
    assert inputs_digest(a) == inputs_digest(a.iloc[::-1])
    assert re.fullmatch(r"[0-9a-f]{64}", inputs_digest(a))
    b = a.assign(sha256=["0" * 64, "2" * 64])
    assert inputs_digest(a) != inputs_digest(b)
    c = a.assign(file=["a", "c"])
    assert inputs_digest(a) != inputs_digest(c)


def _record(district="门头沟区", n=120):
    return {"parameters": {"district": district, "month": "2017-12", "language": "zh", "bottom_n": 3,
                           "data_dir": "data/processed/demo"},
            "inputs": [{"file": f"data/processed/demo/p{i}.parquet", "bytes": 1000, "sha256": f"{i:064x}"}
                       for i in range(n)],
            "inputs_sha256": "ab" * 32,
            "versions": {"airlib": "0.1", "python": "3.12.1", "pandas": "3.0.0", "shapely": "2"}}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_appendix_is_a_few_lines_pointing_to_the_json(language):
    from airlib.report.content import record_html

    from airlib.report.request import output_names

    name = output_names(DEMO, M, language)["record"]
    html = record_html(_record(), name, language)
    assert name in html
    assert html.count("<p>") == 4 and len(html) < 1200  # not 120 hashes
    assert "00000000000000000000000000000000000000000000000000000000000000" not in html
    assert "abababababababab…" in html and "120" in html and "120.0 kB" in html
    assert "pandas 3.0.0" in html and "shapely" not in html
    if language == "en":
        assert not CJK.search(html.replace("门头沟区", ""))


def test_appendix_escapes_user_strings():
    from airlib.report.content import record_html

    html = record_html(_record(district="<script>x</script>区"), "a<b>.json", "zh")
    assert "<script>" not in html and "&lt;script&gt;" in html and "a&lt;b&gt;.json" in html


# ----------------------------------------------------------------------------- publishing


def _fake_outputs(folder: Path, language: str, tag: str) -> dict[str, str]:
    from airlib.report.request import output_names

    names = output_names(DEMO, M, language)
    folder.mkdir(parents=True, exist_ok=True)
    for key in ("notebook", "pdf", "excel", "record"):
        (folder / names[key]).write_text(f"{tag} {key}", encoding="utf-8")
    (folder / names["figures"]).mkdir(exist_ok=True)
    (folder / names["figures"] / "map.png").write_text(f"{tag} png", encoding="utf-8")
    return names


@pytest.mark.parametrize("exchange", [True, False])
def test_publishing_one_language_keeps_the_other(tmp_path, monkeypatch, exchange):
    from airlib.report import running

    if not exchange:  # the file-by-file fallback of platforms without renameat2
        monkeypatch.setattr(running, "_exchange_dirs", lambda a, b: False)
    final, staging = tmp_path / "2017-12", tmp_path / ".staging"
    zh = _fake_outputs(final, "zh", "old-zh")
    en_old = _fake_outputs(final, "en", "old-en")
    (final / "stale.txt").write_text("from an older layout")
    staging.mkdir()
    en = _fake_outputs(staging, "en", "new-en")
    req = SimpleNamespace(config=DEMO, month=M, language="en")
    running._keep_other_languages(req, final, staging)
    running._publish(staging, final, en)
    for key in ("notebook", "pdf", "excel", "record"):
        assert (final / zh[key]).read_text(encoding="utf-8") == f"old-zh {key}"
        assert (final / en[key]).read_text(encoding="utf-8") == f"new-en {key}"
    assert (final / zh["figures"] / "map.png").read_text(encoding="utf-8") == "old-zh png"
    assert (final / en_old["figures"] / "map.png").read_text(encoding="utf-8") == "new-en png"
    assert not (final / "stale.txt").exists()


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_staging_folder_mode_follows_umask(mask):
    from airlib.report.running import _staging_mode

    old = os.umask(mask)
    try:
        assert _staging_mode() == 0o777 & ~mask
    finally:
        os.umask(old)


def test_finish_record_adds_timings(tmp_path):
    from airlib.report.errors import ReportError
    from airlib.report.running import _finish_record

    p = tmp_path / "r.json"
    p.write_text(json.dumps({"inputs": [], "parameters": {"month": "2017-12"}}), encoding="utf-8")
    _finish_record(p, {"notebook": 3.14159, "pdf": 1.0})
    rec = json.loads(p.read_text(encoding="utf-8"))
    assert rec["timings_s"] == {"notebook": 3.142, "pdf": 1.0} and rec["parameters"] == {"month": "2017-12"}
    with pytest.raises(ReportError, match="did not write the run record missing.json"):
        _finish_record(tmp_path / "missing.json", {})


# ----------------------------------------------------------------------------- --all


def _districts_yaml(home: Path, text: str) -> None:
    (home / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (home / "data" / "raw" / "districts.yaml").write_text(text, encoding="utf-8")


ONE_DISTRICT = ("districts:\n  - name: 测试区\n    district_code: '110199'\n    dataset: t\n"
                "    boundaries: data/raw/t.geojson\n")


@pytest.mark.parametrize(("include_demo", "expected"), [(False, ["测试区"]), (True, ["门头沟区", "测试区"])])
def test_all_leaves_the_demo_out_unless_asked(tmp_path, monkeypatch, include_demo, expected):
    from airlib.report import running

    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    _districts_yaml(tmp_path, ONE_DISTRICT)
    assert sorted(running.districts_to_run(tmp_path, include_demo=include_demo)) == sorted(expected)


def test_all_with_only_the_demo_configured_says_what_to_do(tmp_path, monkeypatch, capsys):
    from airlib.cli import main

    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    monkeypatch.setenv("AIRLIB_HOME", str(tmp_path))
    assert main(["report", "--all", "--month", "2017-12"]) == 2
    err = capsys.readouterr().err
    assert "lists no district besides the synthetic demo" in err and "--include-demo" in err
    assert "districts.yaml" in err and "Traceback" not in err


def test_include_demo_only_with_all(tmp_path, monkeypatch, capsys):
    from airlib.cli import main

    monkeypatch.setenv("AIRLIB_HOME", str(tmp_path))
    assert main(["report", "--include-demo", "--month", "2017-12"]) == 2
    err = capsys.readouterr().err
    assert "--include-demo only goes with --all" in err and "Traceback" not in err


def test_mode_helper_matches_real_folder(tmp_path):
    """What _staging_mode promises is what a folder made with the umask gets."""
    from airlib.report.running import _staging_mode

    d = tmp_path / "x"
    d.mkdir()
    assert stat.S_IMODE(d.stat().st_mode) == _staging_mode()


# ----------------------------------------------------------------------------- map labels


def _squares():
    import geopandas as gpd
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame({"town_code": ["1", "2", "3"], "town_name": ["Alpha", "Beta", "Gamma"]},
                           geometry=[box(116.0, 40.0, 116.1, 40.1), box(116.1, 40.0, 116.2, 40.1),
                                     box(116.2, 40.0, 116.3, 40.1)], crs="EPSG:4326")
    gdf.attrs["schematic"] = True
    gdf.attrs["missing_towns"] = [("4", "Delta")]
    table = pd.DataFrame({"town_code": ["1", "2", "3"], "pm25": [30.0, 40.0, float("nan")],
                          "rank": [1, 2, pd.NA], "yoy_pct": [-5.0, 3.0, float("nan")], "yoy_rank": [1, 2, pd.NA]})
    return gdf, table


@pytest.mark.parametrize("column", ["pm25", "yoy_pct"])
def test_static_map_labels_follow_the_language(column):
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from airlib.report.maps import static_choropleth

    gdf, table = _squares()
    labels = {}
    for lang in ("zh", "en"):
        fig = static_choropleth(gdf, table, column, title="t", highlight=["2"],
                                label_column="rank" if column == "pm25" else "yoy_rank", language=lang)
        labels[lang] = " ".join(t.get_text() for t in fig.findobj(Text))
        labels[lang] += " ".join(ax.get_ylabel() for ax in fig.axes)
        plt.close(fig)
    assert not CJK.search(labels["en"]), labels["en"]
    assert "#1" in labels["en"] and "no valid data" in labels["en"] and "warning towns" in labels["en"]
    assert "Delta" in labels["en"] and "Schematic map" in labels["en"]
    assert "第1名" in labels["zh"] and "红色粗线" in labels["zh"] and "无边界、未绘出：Delta" in labels["zh"]


def test_interactive_map_hover_follows_the_language():
    from airlib.report.maps import plotly_choropleth

    gdf, table = _squares()
    en = plotly_choropleth(gdf, table, "yoy_pct", title="YoY", language="en")
    hover = " ".join(en.data[0].text) + str(en.data[0].colorbar.title.text)
    assert not CJK.search(hover) and "YoY" in hover and "rank" in hover
    zh = plotly_choropleth(gdf, table, "yoy_pct", title="同比", language="zh")
    assert "排名" in " ".join(zh.data[0].text)
