"""The report's TSP subsection: data loading (tsp_context), the checked sentence, tables, workbook."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from airlib.demo.registry import towns_frame
from airlib.errors import AirlibError
from airlib.report.config import DEMO, DistrictConfig
from airlib.report.data import tsp_context
from airlib.report.numbering import Numbering
from airlib.report.sentences import check_tsp_half_sentence, require_true_tsp_half_sentence, tsp_half_sentence
from airlib.report.tsp_section import tsp_blocks_content, tsp_workbook_tables
from airlib.tracking.tsp import city_ranking


def _table(tmp_path, wangping=300, other=None):
    """A city table: 35 Chaoyang towns 100…270 µg/m³ (two tied at 200), three demo towns."""
    rows = ["合成测试数据（SYNTHETIC）", "所属区,街道(乡镇),时段,TSP(µg/m³)"]
    vals = list(range(100, 275, 5))
    vals[-4] = vals[-5]                      # a tie
    for half in ("2026年4月1日-15日", "2026年4月16日-30日"):
        rows += [f"朝阳区,朝阳区-街道{k:02d},{half},{v}" for k, v in enumerate(vals, 1)]
        rows += [f"门头沟区,王平镇,{half},{wangping}", f"门头沟区,大峪街道,{half},{other or 50}",
                 f"门头沟区,斋堂镇,{half},60"]
    rows += ["门头沟区,王平镇,2026年3月16日-31日,500", "门头沟区,王平镇,2026年3月1日-15日,500"]
    p = tmp_path / "data" / "raw" / "tsp.csv"
    p.parent.mkdir(parents=True)
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p


def _data(tmp_path, **kw):
    _table(tmp_path, **kw)
    cfg = DistrictConfig(name="门头沟区", district_code="110109", dataset="demo", tsp="data/raw/tsp.csv")
    towns = towns_frame()
    ctx = tsp_context(cfg, pd.Period("2026-04", "M"), towns, tmp_path)
    return SimpleNamespace(tsp=ctx, config=cfg, month=pd.Period("2026-04", "M"), numbering=Numbering())


def test_context(tmp_path):
    d = _data(tmp_path)
    assert d.tsp.halves == (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-16"))
    a = d.tsp.appearances.set_index("town_name")
    assert a.loc["王平地区", "appearances"] == 4 and a.loc["王平地区", "longest_run"] == 4   # Mar 1 … Apr 30
    assert a.loc["大峪街道", "appearances"] == 0
    assert d.tsp.targets.empty          # no plan configured
    assert tsp_context(DistrictConfig(name="x", district_code="110109", dataset="d"), pd.Period("2026-04", "M"),
                       towns_frame(), tmp_path) is None


def test_missing_file_is_a_note(tmp_path):
    cfg = DistrictConfig(name="门头沟区", district_code="110109", dataset="demo", tsp="data/raw/none.csv")
    ctx = tsp_context(cfg, pd.Period("2026-04", "M"), towns_frame(), tmp_path)
    assert ctx.table is None
    d = SimpleNamespace(tsp=ctx, config=cfg, month=pd.Period("2026-04", "M"), numbering=Numbering())
    out = tsp_blocks_content(d)
    assert len(out) == 1 and "文件不存在" in out[0][1]
    assert tsp_workbook_tables(d, "t") == []


def test_sentence_names_listed_towns_and_is_checked(tmp_path):
    d = _data(tmp_path)
    r = d.tsp.rankings[pd.Timestamp("2026-04-01")]
    s, facts = tsp_half_sentence(r, "110109", "门头沟区", "2026年4月1日-15日")
    assert facts.listed == (("王平镇", 1, 300.0),) and facts.n_ranked == 38
    assert s == ("2026年4月1日-15日，全市38个街道（乡镇）参与TSP浓度排名，门头沟区有1个街道（乡镇）进入后30名："
                 "王平镇（倒数第1名，300 µg/m³）。")
    assert check_tsp_half_sentence(s, r, "110109") == []
    # a sentence that leaves the town out or states a wrong rank is refused
    with pytest.raises(AirlibError, match="does not agree"):
        require_true_tsp_half_sentence(s.replace("倒数第1名", "倒数第2名"), r, "110109")
    with pytest.raises(AirlibError):
        require_true_tsp_half_sentence(s.replace("全市38个", "全市39个"), r, "110109")


def test_sentence_when_none_listed(tmp_path):
    d = _data(tmp_path, wangping=70)
    r = d.tsp.rankings[pd.Timestamp("2026-04-16")]
    s, facts = tsp_half_sentence(r, "110109", "门头沟区", "x")
    assert facts.listed == () and facts.worst == ("王平镇", 36, 70.0)
    assert "门头沟区无街道（乡镇）进入后30名，排名最靠后的是王平镇（倒数第36名，70 µg/m³）" in s
    assert check_tsp_half_sentence(s, r, "110109") == []
    # claiming one is listed when none is: refused
    bad = s.replace("门头沟区无街道（乡镇）进入后30名，排名最靠后的是", "门头沟区有1个街道（乡镇）进入后30名：")
    assert check_tsp_half_sentence(bad, r, "110109") != []
    en, _ = tsp_half_sentence(r, "110109", "门头沟区", "x", language="en")
    assert check_tsp_half_sentence(en, r, "110109", language="en") == []


def test_tie_straddling_30_in_sentence():
    vals = [300.0] * 3 + list(np.arange(290.0, 290 - 26 * 2, -2)) + [100.0, 100.0, 100.0, 50.0]
    n = len(vals)
    f = pd.DataFrame({"district": ["朝阳区"] * (n - 2) + ["门头沟区"] * 2,
                      "district_code": ["110105"] * (n - 2) + ["110109"] * 2,
                      "town_name": [f"t{i}" for i in range(n)], "town_code": pd.array([pd.NA] * n, dtype="string"),
                      "period_start": pd.Timestamp("2026-04-01"), "tsp": vals})
    r = city_ranking(f, "2026-04-01")
    assert r.loc[r["town_name"] == "t30", "reverse_rank"].iloc[0] == 30   # 100 µg/m³ shared by places 30–32
    s, facts = tsp_half_sentence(r, "110109", "门头沟区", "x")
    assert facts.listed == (("t31", 30, 100.0),)     # the district's town tied at 30 is listed
    assert check_tsp_half_sentence(s, r, "110109") == []


def test_blocks_and_workbook(tmp_path):
    d = _data(tmp_path)
    out = tsp_blocks_content(d)
    kinds = [k for k, _ in out]
    assert kinds[0] == "md" and kinds.count("html") == 5          # 2 × (towns, extremes) + appearances
    first = [s for k, s in out if k == "md"][1]
    assert first.startswith("2026年4月1日-15日，全市TSP浓度最高的10个街道（乡镇）依次为：王平镇（门头沟区）")
    assert "。全市38个街道（乡镇）参与TSP浓度排名，门头沟区有1个街道（乡镇）进入后30名" in first
    html = "\n".join(s for k, s in out if k == "html")
    assert "表1 2026年4月1日-15日本区街道（乡镇）在全市TSP浓度排名中的位置" in html
    assert "前三（浓度最低）" in html and "后三（浓度最高）" in html
    assert "2026年3月1日-15日、2026年3月16日-31日、2026年4月1日-15日、2026年4月16日-30日" in html
    sheets = tsp_workbook_tables(d, "title")
    assert [s.sheet for s in sheets] == ["TSP", "TSP后30名"]
    assert len(sheets[0].frame) == 6 and set(sheets[0].frame["时段"]) == {"2026年4月1日-15日", "2026年4月16日-30日"}
    b = sheets[1].frame
    assert len(b) == 2 * 30 and b.groupby("时段")["排序(倒序)"].max().tolist() == [30, 30]
    assert (b["排序(倒序)"] == 5).sum() == 4        # the tie at 250 µg/m³ (places 5, 5) in both halves


def test_workbook_written(tmp_path):
    from airlib.report.excel import write_workbook

    d = _data(tmp_path)
    p = write_workbook(tmp_path / "w.xlsx", tsp_workbook_tables(d, "标题"))
    wb = pd.read_excel(p, sheet_name=None, header=None)
    assert set(wb) == {"TSP", "TSP后30名"}


def test_demo_district_has_tsp_key():
    assert DEMO.tsp == "data/raw/demo/dust/tsp_halfmonthly.csv"


def test_worst_sentence_names_ties_in_order():
    from airlib.report.sentences import check_tsp_worst_sentence, tsp_worst_sentence

    vals = [300, 290, 280, 280, 270, 260, 250, 250, 250, 240, 240, 100]
    n = len(vals)
    f = pd.DataFrame({"district": ["朝阳区"] * (n - 1) + ["门头沟区"], "district_code": ["110105"] * (n - 1) + ["110109"],
                      "town_name": [f"t{i:02d}" for i in range(n)], "town_code": pd.array([pd.NA] * n, dtype="string"),
                      "period_start": pd.Timestamp("2026-04-01"), "tsp": np.asarray(vals, dtype=float)})
    r = city_ranking(f, "2026-04-01")
    s = tsp_worst_sentence(r, "2026年4月1日-15日")
    assert s.startswith("2026年4月1日-15日，全市TSP浓度最高的11个街道（乡镇）依次为：t00（朝阳区）、t01（朝阳区）、t02（朝阳区，并列）")
    assert "t09（朝阳区，并列）、t10（朝阳区，并列）" in s and "t11" not in s
    assert check_tsp_worst_sentence(s, r) == []
    assert check_tsp_worst_sentence(s.replace("、t10（朝阳区，并列）", ""), r) != []          # a tied town left out
    assert check_tsp_worst_sentence(s.replace("t00（朝阳区）、t01（朝阳区）", "t01（朝阳区）、t00（朝阳区）"), r) != []
    assert check_tsp_worst_sentence(s + "t11（门头沟区）", r) != []
    en = tsp_worst_sentence(r, "x", language="en")
    assert check_tsp_worst_sentence(en, r, language="en") == []


def test_districts_yaml_tsp_key(tmp_path, monkeypatch):
    from airlib.report.config import district_config

    monkeypatch.delenv("AIRLIB_DISTRICTS", raising=False)
    cfg = tmp_path / "data" / "raw" / "districts.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("districts:\n  - name: 西城区\n    district_code: \"110102\"\n    dataset: xc\n"
                   "    tsp: data/raw/tsp.csv\n  - name: 东城区\n    district_code: \"110101\"\n    dataset: dc\n"
                   "    tsp: ../outside.csv\n", encoding="utf-8")
    assert district_config("西城区", tmp_path).tsp == "data/raw/tsp.csv"
    with pytest.raises(Exception, match="outside the project"):
        district_config("东城区", tmp_path)
