"""airlib.tracking.tsp: the half-monthly city ranking, 后30名, 前三/后三, appearances, targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.demo.registry import towns_frame
from airlib.io.plans import load_plan
from airlib.tracking import tsp as T


def frame(values, start="2022-10-01", districts=None, names=None, codes=None):
    n = len(values)
    ps = pd.Timestamp(start)
    return pd.DataFrame({
        "district": districts or ["朝阳区"] * n,
        "district_code": ["110105" if d == "朝阳区" else "110109" if d == "门头沟区" else "110102"
                          for d in (districts or ["朝阳区"] * n)],
        "town_name": pd.array(names or [f"街{i:03d}" for i in range(n)], dtype="string"),
        "town_code": pd.array(codes or [pd.NA] * n, dtype="string"),
        "period_start": ps, "period_end": ps + pd.Timedelta(days=15), "half": 1 if ps.day == 1 else 2,
        "tsp": np.asarray(values, dtype=float), "source": "x.csv", "row": np.arange(2, n + 2),
    })


def test_published_tie_pattern_and_list_longer_than_30():
    # the 2022-10 notice: 1, 2, 3, 3, 5, 6, 7, 7, 7, 10 …, and a tie group straddling place 30
    top = [300, 290, 280, 280, 270, 260, 250, 250, 250, 240]
    middle = list(range(230, 230 - 19, -1))               # places 11 … 29
    tied = [200] * 4                                      # places 30 … 33 share 30
    rest = list(range(150, 50, -1))
    r = T.city_ranking(frame(top + middle + tied + rest), "2022-10-01")
    assert r["reverse_rank"].head(10).tolist() == [1, 2, 3, 3, 5, 6, 7, 7, 7, 10]
    b = T.bottom_table(r)
    assert len(b) == 33 and b["reverse_rank"].max() == 30 and (b["reverse_rank"] == 30).sum() == 4
    assert list(b.columns[:3]) == ["reverse_rank", "district", "town_name"]
    assert T.BOTTOM_HEADERS_ZH == {"reverse_rank": "排序(倒序)", "district": "所属区", "town_name": "街道(乡镇)"}
    w = T.worst_towns(r)
    assert len(w) == 10 and w["tsp"].min() == 240
    # a tie exactly at 10 extends the named list
    r2 = T.city_ranking(frame(top[:9] + [240, 240] + rest), "2022-10-01")
    assert len(T.worst_towns(r2)) == 11
    # no value: no rank, not in the list
    r3 = T.city_ranking(frame([np.nan, 10.0]), "2022-10-01")
    assert r3["reverse_rank"].isna().tolist() == [False, True] and r3["in_bottom"].tolist() == [True, False]
    assert r3["n_ranked"].iloc[0] == 1


def test_only_the_requested_half():
    f = pd.concat([frame([100, 90]), frame([50, 60], start="2022-10-16")], ignore_index=True)
    r = T.city_ranking(f, "2022-10-16")
    assert r["tsp"].tolist() == [60, 50] and (r["half"] == 2).all()
    assert T.city_ranking(f, "2022-11-01").empty


def test_district_first_last_three_with_ties():
    d = ["门头沟区"] * 6 + ["西城区"] * 2
    f = frame([10, 20, 30, 30, 50, 60, 7, 8], districts=d)
    e = T.district_extremes(T.city_ranking(f, "2022-10-01"))
    mtg = e[e["district"] == "门头沟区"]
    first = mtg[mtg["which"] == "first"]
    last = mtg[mtg["which"] == "last"]
    # a tie at third place: both listed (4 rows), ranks 1, 2, 3, 3
    assert first["rank"].tolist() == [1, 2, 3, 3] and first["tsp"].tolist() == [10, 20, 30, 30]
    assert last["rank"].tolist() == [1, 2, 3, 3] and last["tsp"].tolist() == [60, 50, 30, 30]
    xc = e[e["district"] == "西城区"]   # two towns: the same two in both lists
    assert len(xc) == 4 and set(xc["which"]) == {"first", "last"}
    only = T.district_extremes(T.city_ranking(f, "2022-10-01"), "110102")
    assert set(only["district"]) == {"西城区"}


def _span(series_by_half, names):
    """Frames for consecutive halves from 2022-10-01: one value list per half."""
    starts = [pd.Timestamp(f"{2022 + (9 + k // 2) // 12}-{(9 + k // 2) % 12 + 1:02d}-{1 if k % 2 == 0 else 16:02d}")
              for k in range(len(series_by_half))]
    return pd.concat([frame(v, start=s, names=names, districts=["门头沟区"] * len(v), codes=None)
                      for s, v in zip(starts, series_by_half)], ignore_index=True)


def test_halves_are_consecutive_across_months_and_years():
    assert T.half_index(pd.Timestamp("2022-12-16")) + 1 == T.half_index(pd.Timestamp("2023-01-01"))
    assert T.half_index(pd.Timestamp("2024-02-16")) + 1 == T.half_index(pd.Timestamp("2024-03-01"))
    assert T.half_label(pd.Timestamp("2024-02-16")) == "2024年2月16日-29日"
    assert T.half_label(pd.Timestamp("2023-02-16")) == "2023年2月16日-28日"
    assert T.half_label(pd.Timestamp("2022-10-16")) == "2022年10月16日-31日"


def test_appearances_and_runs():
    names = ["A", "B", "C"]
    # n = 1: the worst town of each half; C ties with A in half 4
    halves = [[9, 1, 2], [9, 1, 2], [1, 9, 2], [9, 1, 9], [1, 2, 3]]
    f = _span(halves, names)
    a = T.bottom_appearances(f, "2022-10-01", "2022-12-31", n=1).set_index("town_name")
    assert a.loc["A", "appearances"] == 3 and a.loc["A", "longest_run"] == 2
    assert [r[2] for r in a.loc["A", "runs"]] == [2, 1]
    assert a.loc["A", "runs"][0][:2] == (pd.Timestamp("2022-10-01"), pd.Timestamp("2022-10-16"))
    assert a.loc["B", "halves"] == (pd.Timestamp("2022-11-01"),)
    assert a.loc["C", "appearances"] == 2 and a.loc["C", "longest_run"] == 2   # tie in half 4, worst in half 5: one run
    assert a.loc["C", "halves_ranked"] == 5
    # the span is inclusive of half-month starts
    a2 = T.bottom_appearances(f, "2022-10-16", "2022-11-01", n=1).set_index("town_name")
    assert a2.loc["A", "appearances"] == 1 and a2.loc["B", "appearances"] == 1


def test_appearances_of_registry_towns_include_zero():
    towns = towns_frame()
    f = frame([100, 50], districts=["门头沟区", "门头沟区"], names=["王平镇", "大峪街道"],
              codes=["110109005", "110109001"])
    a = T.bottom_appearances(f, "2022-10-01", "2022-10-31", n=1, towns=towns)
    assert len(a) == len(towns)
    assert a.set_index("town_code").loc["110109005", "appearances"] == 1
    never = a.set_index("town_code").loc["110109108"]
    assert never["appearances"] == 0 and never["halves_ranked"] == 0 and never["town_name"] == "妙峰山镇"


def _plan(tmp_path, period="{start: 2022-01, end: 2022-12}", value=1, scope="each_town"):
    p = tmp_path / "p.yaml"
    p.write_text(f"""plan:
  id: t
  title: t
  district: 门头沟区
  document: t
targets:
  - id: T1
    metric: tsp_rank
    scope: {scope}
    period: {period}
    kind: rank_threshold
    value: {value}
    unit: 名
    source: {{section: s}}
""", encoding="utf-8")
    return load_plan(p)


def test_target_edges(tmp_path):
    towns = towns_frame().head(3)   # 大峪 110109001, 城子 110109002, 东辛房 110109003
    codes = ["110109001", "110109002", "110109003"]
    names = list(towns["town_name"])

    def half(start, v):
        return frame(v, start=start, districts=["门头沟区"] * 3, names=names, codes=codes)

    f = pd.concat([half("2022-10-01", [9, 1, np.nan]), half("2022-10-16", [1, 9, np.nan]),
                   half("2022-11-01", [5, 1, np.nan])], ignore_index=True)
    plan = _plan(tmp_path)
    res = T.evaluate_tsp_targets(plan, f, "2022-11", towns)
    per = res[res["window"] == "目标期累计"].set_index("area_code")
    # 大峪: worst in the first halves of October and November
    assert per.loc["110109001", "status"] == "未达标" and per.loc["110109001", "current"] == 2
    assert per.loc["110109002", "status"] == "未达标"
    assert per.loc["110109003", "status"] == "数据不足"
    month = res[res["window"] == "当月"].set_index("area_code")
    assert (month["status"].isin(["参考（非考核口径）", "数据不足"])).all()
    assert month.loc["110109001", "current"] == 1 and month.loc["110109002", "current"] == 0
    # at the boundary: value 1 keeps the single worst out; value 0 lists nobody → all met
    res0 = T.evaluate_tsp_targets(_plan(tmp_path, value=0), f, "2022-11", towns)
    p0 = res0[res0["window"] == "目标期累计"].set_index("area_code")
    assert p0.loc["110109001", "status"] == "达标" and p0.loc["110109002", "status"] == "达标"
    # a tie at place 1: both towns are listed
    tie = half("2022-12-01", [7, 7, 1])
    r = T.evaluate_tsp_targets(plan, tie, "2022-12", towns)
    pr = r[r["window"] == "目标期累计"].set_index("area_code")
    assert pr.loc["110109001", "status"] == pr.loc["110109002", "status"] == "未达标"
    assert pr.loc["110109003", "status"] == "达标"
    # a month outside the target period: no judged row
    out = T.evaluate_tsp_targets(_plan(tmp_path, period="{start: 2021-01, end: 2021-12}"), f, "2022-11", towns)
    assert set(out["window"]) == {"当月"}


def test_xicheng_plan_target_is_read():
    from airlib.paths import raw_dir

    plan = load_plan(raw_dir() / "plans" / "xicheng_2021_action_plan.yaml")
    towns = pd.DataFrame({"town_code": ["110102001"], "town_name": ["德胜街道"]})
    f = frame([500, 10], start="2021-03-01", districts=["西城区", "朝阳区"], names=["德胜街道", "x"],
              codes=["110102001", None])
    res = T.evaluate_tsp_targets(plan, f, "2021-03", towns)
    per = res[res["window"] == "目标期累计"]
    assert per["target_id"].tolist() == ["T06"] and per["status"].tolist() == ["未达标"]
    assert per["target_value"].iloc[0] == 30


def test_non_integer_threshold_refused(tmp_path):
    from airlib.errors import InputDataError

    with pytest.raises(InputDataError, match="whole number"):
        T.evaluate_tsp_targets(_plan(tmp_path, value=2.5), frame([1.0]), "2022-10", towns_frame())
