"""Reference implementations that airlib's citywide numbers must equal.

Two independent implementations of the same rules as :mod:`airlib.engine.citywide` (see its module
docstring for the rules and their clauses):

* :func:`pandas_reference`: what an analyst would write in plain pandas: read the whole
  Parquet store, ``groupby().mean()/count()`` for daily means, a ``groupby('station').apply``
  with ``rolling(8, min_periods=6)`` for MDA8, groupby for towns and months, ``quantile`` for
  percentiles, ``rank(method="min")`` for rankings, a loop over months for year-to-date.
* :func:`duckdb_reference`: the same computation written as DuckDB SQL over the same Parquet
  files (``read_parquet(..., hive_partitioning=true)``); the MDA8 windows are formed by
  ``unnest``-ing each hour into the windows (start hours 0–16) that contain it.

Both return the three workload tables with the columns of :mod:`airlib.engine.citywide`:
``ranking`` (``monthly_ranking``), ``composite`` (``composite_ranking``) and ``yoy_ytd``.

The comprehensive index's tables of facts are not copied here: the limits S_i come from
:func:`airlib.standards.composite_index.composite_limits_by_date` (the edition chosen by the
month as ``settings.composite_limits_edition`` says) and the published precision of C_i
from :data:`airlib.standards.composite_index.CONCENTRATION_DECIMALS`; the arithmetic (C_i
rounded, C_i/S_i, weighted sum, GB/T 8170, rank) is written independently.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from airlib.settings import DEFAULT
from airlib.standards.composite_index import CONCENTRATION_DECIMALS, composite_limits_by_date
from airlib.standards.rounding import PM25_PRECISION_SWITCH, published_precision, round_gbt8170

MEAN = ["pm25", "pm10", "so2", "no2", "co"]
WORKLOADS = ("ranking", "composite", "yoy_ytd")


def _needed(workload: str) -> list[str]:
    return ["pm25"] if workload in ("ranking", "yoy_ytd") else [*MEAN, "o3"]


def _pm25_decimals(year: pd.Series) -> np.ndarray:
    """Published PM2.5 decimals of each data year (the one rule, airlib's published_precision)."""
    return np.asarray(published_precision("pm25", pd.to_datetime(pd.DataFrame({"year": year, "month": 1, "day": 1}))))


# ---------------------------------------------------------------- plain pandas
def _mda8_one_station(df: pd.DataFrame) -> pd.Series:
    s = df.set_index("time")["o3"].sort_index()
    full = pd.date_range(s.index.min().floor("D"), s.index.max().floor("D") + pd.Timedelta(hours=23), freq="h")
    s = s.reindex(full)
    roll = s.rolling(8, min_periods=6).mean()  # labelled at the window's last hour
    roll = roll[roll.index.hour >= 7]  # windows that lie inside the day: last hour 07..23
    by_day = roll.groupby(roll.index.floor("D"))
    mda8 = by_day.max()
    n_windows = by_day.count()
    return mda8.where((n_windows >= DEFAULT.mda8_min_windows) | (mda8 > 160.0))


def pandas_reference(
    hourly_dir: str | Path, stations: pd.DataFrame, workload: str, station_subset: Iterable[str] | None = None
) -> pd.DataFrame:
    """Plain-pandas reference for one workload (``ranking``, ``composite`` or ``yoy_ytd``)."""
    cols = _needed(workload)
    filters = None if station_subset is None else [("station", "in", list(station_subset))]
    h = pd.read_parquet(hourly_dir, columns=["station", "time", *cols], filters=filters)
    h = h[["station", "time", *cols]]
    h["station"] = h["station"].astype("string")
    h["date"] = h["time"].dt.floor("D")
    means = [c for c in cols if c != "o3"]
    g = h.groupby(["station", "date"])
    daily = g[means].mean().where(g[means].count() >= 20)
    if "o3" in cols:
        o3 = h.groupby("station")[["time", "o3"]].apply(_mda8_one_station)
        o3 = o3.stack() if isinstance(o3, pd.DataFrame) else o3
        o3.index.names = ["station", "date"]
        o3 = o3.dropna()  # the reindexed hour grid also spans months absent from the store
        daily = daily.join(o3.rename("o3"), how="outer")
    daily = daily.reset_index().merge(stations[["station", "town_code"]].astype("string"), on="station")
    town_daily = daily.groupby(["town_code", "date"])[cols].mean().reset_index()
    town_daily["year"] = town_daily["date"].dt.year
    town_daily["month"] = town_daily["date"].dt.month
    gm = town_daily.groupby(["town_code", "year", "month"])
    monthly = gm[cols].mean()
    days = gm[cols].count()
    need = np.where(monthly.index.get_level_values("month") == 2, 25, 27)
    valid = days.ge(need, axis=0)
    monthly = monthly.where(valid)
    if workload == "ranking":
        out = monthly[["pm25"]].reset_index()
        out["pm25_published"] = round_gbt8170(out["pm25"], _pm25_decimals(out["year"]))
        out["rank"] = out.groupby(["year", "month"])["pm25_published"].rank(method="min").astype("Int64")
        return out
    if workload == "composite":
        co_p95 = gm["co"].quantile(0.95).where(valid["co"])
        o3_p90 = gm["o3"].quantile(0.90).where(valid["o3"])
        w = DEFAULT.composite_weights
        starts = pd.to_datetime(pd.DataFrame({"year": monthly.index.get_level_values("year"),
                                              "month": monthly.index.get_level_values("month"), "day": 1}))
        s = {p: pd.Series(v, index=monthly.index) for p, v in composite_limits_by_date(starts.to_numpy()).items()}
        c = {p: monthly[p] for p in ["pm25", "pm10", "so2", "no2"]} | {"co": co_p95, "o3": o3_p90}
        index = sum(w[p] * pd.Series(round_gbt8170(c[p].to_numpy(), CONCENTRATION_DECIMALS[p]), index=monthly.index) / s[p]
                    for p in ["pm25", "pm10", "so2", "no2", "co", "o3"])
        out = index.rename("index").reset_index()
        out["index_published"] = round_gbt8170(out["index"], DEFAULT.composite_decimals)
        out["rank"] = out.groupby(["year", "month"])["index_published"].rank(method="min").astype("Int64")
        return out
    # yoy_ytd
    out = monthly[["pm25"]].reset_index()
    out["pm25_published"] = round_gbt8170(out["pm25"], _pm25_decimals(out["year"]))
    parts = []
    valid_pm = valid["pm25"].reset_index()
    for m in range(1, 13):
        sub = town_daily[town_daily["month"] <= m]
        ytd = sub.groupby(["town_code", "year"])["pm25"].mean()
        ok = valid_pm[valid_pm["month"] <= m].groupby(["town_code", "year"])["pm25"].agg(["sum", "count"])
        complete = (ok["sum"] == m) & (ok["count"] == m)
        ytd = ytd.where(complete.reindex(ytd.index, fill_value=False)).rename("ytd_pm25").reset_index()
        ytd["month"] = m
        parts.append(ytd)
    ytd = pd.concat(parts)
    out = out.merge(ytd, on=["town_code", "year", "month"], how="left")
    out["ytd_published"] = round_gbt8170(out["ytd_pm25"], _pm25_decimals(out["year"]))
    last = out[["town_code", "year", "month", "pm25_published", "ytd_published"]].copy()
    last["year"] += 1
    both = out.merge(last, on=["town_code", "year", "month"], how="left", suffixes=("", "_last"))
    for cur, col in (("pm25_published", "yoy_pct"), ("ytd_published", "ytd_yoy_pct")):
        prev = both[f"{cur}_last"]
        both[col] = round_gbt8170((both[cur] - prev) / prev.where(prev != 0) * 100.0, DEFAULT.yoy_decimals)
    return both[["town_code", "year", "month", "pm25_published", "yoy_pct", "ytd_pm25", "ytd_published", "ytd_yoy_pct"]]


# ---------------------------------------------------------------- DuckDB SQL
_MACROS = """
CREATE OR REPLACE MACRO gbt(x, d) AS
  CASE WHEN x IS NULL OR isnan(x) THEN NULL
       WHEN abs(abs(x) * pow(10, d) - floor(abs(x) * pow(10, d)) - 0.5) <= 1e-12 * greatest(abs(x) * pow(10, d), 1)
         THEN sign(x) * (floor(abs(x) * pow(10, d)) + (floor(abs(x) * pow(10, d))::BIGINT % 2)) / pow(10, d)
       ELSE sign(x) * floor(abs(x) * pow(10, d) + 0.5) / pow(10, d) END;
CREATE OR REPLACE MACRO need_days(m) AS CASE WHEN m = 2 THEN 25 ELSE 27 END;
CREATE OR REPLACE MACRO pm_dec(y) AS CASE WHEN y >= {switch} THEN {after} ELSE {before} END;
""".format(
    switch=PM25_PRECISION_SWITCH.year,
    after=published_precision("pm25", PM25_PRECISION_SWITCH),
    before=published_precision("pm25", PM25_PRECISION_SWITCH - pd.Timedelta(days=1)),
)


def _limits_sql() -> dict[str, str]:
    """Per pollutant, an SQL expression of S_i for the row's ``year``/``month``: the limits of
    the first of every month from 2013 to 2040, grouped into runs of equal values."""
    months = pd.date_range("2013-01-01", "2040-12-01", freq="MS")
    lim = composite_limits_by_date(months.to_numpy())
    out = {}
    key = months.year * 12 + months.month - 1
    for p, v in lim.items():
        change = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
        if len(change) == 1:
            out[p] = f"{float(v[0])!r}"
            continue
        parts = [f"WHEN year * 12 + month - 1 < {int(key[j])} THEN {float(v[i])!r}" for i, j in zip(change[:-1], change[1:])]
        out[p] = f"(CASE {' '.join(parts)} ELSE {float(v[change[-1]])!r} END)"
    return out


def _daily_sql(glob: str, cols: list[str], station_filter: str) -> str:
    means = [c for c in cols if c != "o3"]
    select_means = ",\n    ".join(f"CASE WHEN count({c}) >= 20 THEN avg({c}) END AS {c}" for c in means)
    sql = f"""
WITH h AS (
  SELECT station, CAST(time AS DATE) AS d, hour(time) AS hod, {", ".join(cols)}
  FROM read_parquet('{glob}', hive_partitioning = true) {station_filter}
),
daily AS (
  SELECT station, d,
    {select_means}
  FROM h GROUP BY station, d
)"""
    if "o3" in cols:
        sql += f""",
win AS (
  SELECT station, d, w, count(o3) AS n, avg(o3) AS mean
  FROM (SELECT station, d, o3, unnest(range(greatest(0, hod - 7), least(hod, 16) + 1)) AS w FROM h)
  GROUP BY station, d, w
),
mda8 AS (
  SELECT station, d, max(mean) FILTER (WHERE n >= 6) AS mda8, count(*) FILTER (WHERE n >= 6) AS nw
  FROM win GROUP BY station, d
),
sd AS (
  SELECT daily.*, CASE WHEN nw >= {DEFAULT.mda8_min_windows} OR mda8 > 160 THEN mda8 END AS o3
  FROM daily LEFT JOIN mda8 USING (station, d)
)"""
    else:
        sql += ",\nsd AS (SELECT * FROM daily)"
    avgs = ", ".join(f"avg({c}) AS {c}" for c in cols)
    sql += f""",
td AS (
  SELECT s.town_code, sd.d, year(sd.d) AS y, month(sd.d) AS m, {avgs}
  FROM sd JOIN stations s USING (station) GROUP BY s.town_code, sd.d
)"""
    return sql


def duckdb_reference(
    hourly_dir: str | Path,
    stations: pd.DataFrame,
    workload: str,
    station_subset: Iterable[str] | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """DuckDB SQL reference for one workload over the Parquet store at ``hourly_dir``."""
    cols = _needed(workload)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(_MACROS)
    st = stations[["station", "town_code"]].astype(str)
    con.register("stations", st)
    station_filter = ""
    if station_subset is not None:
        con.register("subset", pd.DataFrame({"station": [str(s) for s in station_subset]}))
        station_filter = "WHERE station IN (SELECT station FROM subset)"
    glob = str(Path(hourly_dir) / "**" / "*.parquet")
    base = _daily_sql(glob, cols, station_filter)
    if workload == "ranking":
        sql = base + """,
tm AS (
  SELECT town_code, y AS year, m AS month,
    CASE WHEN count(pm25) >= need_days(m) THEN avg(pm25) END AS pm25
  FROM td GROUP BY town_code, y, m
),
pub AS (SELECT *, gbt(pm25, pm_dec(year)) AS pm25_published FROM tm)
SELECT town_code, year, month, pm25, pm25_published,
  CASE WHEN pm25_published IS NOT NULL THEN rank() OVER (PARTITION BY year, month, pm25_published IS NULL ORDER BY pm25_published) END AS rank
FROM pub"""
    elif workload == "composite":
        w = DEFAULT.composite_weights
        # S_i per month as the settings say (a CASE over the dates where the edition changes)
        lim = _limits_sql()
        dec = CONCENTRATION_DECIMALS
        mcols = ",\n    ".join(f"CASE WHEN count({c}) >= need_days(m) THEN avg({c}) END AS {c}" for c in MEAN)
        sql = base + f""",
tm AS (
  SELECT town_code, y AS year, m AS month,
    {mcols},
    CASE WHEN count(co) >= need_days(m) THEN quantile_cont(co, 0.95) END AS co_p95,
    CASE WHEN count(o3) >= need_days(m) THEN quantile_cont(o3, 0.90) END AS o3_p90
  FROM td GROUP BY town_code, y, m
),
ix AS (
  SELECT town_code, year, month,
    {w["pm25"]} * gbt(pm25, {dec["pm25"]}) / {lim["pm25"]} + {w["pm10"]} * gbt(pm10, {dec["pm10"]}) / {lim["pm10"]}
    + {w["so2"]} * gbt(so2, {dec["so2"]}) / {lim["so2"]} + {w["no2"]} * gbt(no2, {dec["no2"]}) / {lim["no2"]}
    + {w["co"]} * gbt(co_p95, {dec["co"]}) / {lim["co"]} + {w["o3"]} * gbt(o3_p90, {dec["o3"]}) / {lim["o3"]} AS "index"
  FROM tm
),
pub AS (SELECT *, gbt("index", {DEFAULT.composite_decimals}) AS index_published FROM ix)
SELECT town_code, year, month, "index", index_published,
  CASE WHEN index_published IS NOT NULL THEN rank() OVER (PARTITION BY year, month, index_published IS NULL ORDER BY index_published) END AS rank
FROM pub"""
    elif workload == "yoy_ytd":
        sql = base + f""",
tm AS (
  SELECT town_code, y AS year, m AS month, sum(pm25) AS s, count(pm25) AS n,
    CASE WHEN count(pm25) >= need_days(m) THEN avg(pm25) END AS pm25
  FROM td GROUP BY town_code, y, m
),
cum AS (
  SELECT *,
    sum(s) OVER w AS cs, sum(n) OVER w AS cn,
    sum(CASE WHEN pm25 IS NULL THEN 1 ELSE 0 END) OVER w AS bad,
    count(*) OVER w AS seen
  FROM tm WINDOW w AS (PARTITION BY town_code, year ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
cur AS (
  SELECT town_code, year, month, gbt(pm25, pm_dec(year)) AS pm25_published,
    CASE WHEN bad = 0 AND seen = month THEN cs / cn END AS ytd_pm25
  FROM cum
),
pub AS (SELECT *, gbt(ytd_pm25, pm_dec(year)) AS ytd_published FROM cur)
SELECT a.town_code, a.year, a.month, a.pm25_published,
  gbt((a.pm25_published - b.pm25_published) / nullif(b.pm25_published, 0) * 100, {DEFAULT.yoy_decimals}) AS yoy_pct,
  a.ytd_pm25, a.ytd_published,
  gbt((a.ytd_published - b.ytd_published) / nullif(b.ytd_published, 0) * 100, {DEFAULT.yoy_decimals}) AS ytd_yoy_pct
FROM pub a LEFT JOIN pub b ON a.town_code = b.town_code AND a.year = b.year + 1 AND a.month = b.month"""
    else:
        raise ValueError(f"unknown workload {workload!r}")
    out = con.execute(sql).df()
    con.close()
    out["town_code"] = out["town_code"].astype("string")
    out["year"] = out["year"].astype("int64")
    out["month"] = out["month"].astype("int64")
    if "rank" in out:
        out["rank"] = out["rank"].astype("Int64")
    return out
