"""Reader of the national platform's hourly release (CNEMC 实时发布, one row per station and hour).

The release ([CNEMC-RT-2022]) has the columns ``timepoint, stationcode, …,
aqi, pm2_5, pm2_5_24h, pm10, pm10_24h, so2, so2_24h, no2, no2_24h, co, co_24h, o3, o3_24h,
o3_8h, o3_8h_24h, primary_pollutant, quality``. Two things are not what they look like:

* ``timepoint`` labels the **end** of the hour; airlib labels hours by their beginning, so the
  reader shifts it by −1 h once (docs/architecture.md, time convention).
* The O3 names mislead: ``o3_24h`` holds the hour's 1-h O3, ``o3`` the highest 1-h value of the
  last 24 hours, ``o3_8h_24h`` the current 8-h moving mean and ``o3_8h`` the day's highest 8-h
  value.

The reader therefore maps the columns **by what they hold**, not by their names, and verifies
the mapping on the file's own data:

* for each of PM2.5, PM10, SO2, NO2, CO the pair ``(x, x_24h)``: the 1-h column is the one whose
  24-h moving mean (:func:`airlib.standards.validity.rolling_24h`, the one rolling mean of
  airlib) equals the other column (within half a published unit: the release publishes 24-h
  means rounded to integers, CO to 0.1 mg/m³ or finer);
* for O3, the four columns take the roles 1-h value, 24-h running maximum of the 1-h value,
  8-h moving mean of the 1-h value (:func:`airlib.standards.validity.rolling_8h`) and the day's
  highest 8-h value (running or final maximum within the hour-beginning calendar day) in the
  assignment with the most agreement.

A mapping is accepted when at least ``Settings.cnemc_mapping_min_share`` (UNVERIFIED, default
0.9) of the comparable rows agree; when the content contradicts every mapping the reader raises
:class:`airlib.errors.InputDataError` naming the columns and the shares. With too few hours to
compare (fewer than ``rolling_24h_min_hours`` consecutive hours per station) the columns are
taken as the platform publishes them (the documented meaning above) and the report says
"not checked".
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.ingest.columns import read_any_table, row_arg
from airlib.io.ingest.table import _to_numeric, apply_hour_label
from airlib.io.schema import canonical_hourly, to_beijing_naive
from airlib.pollutants import LABELS_ZH, POLLUTANTS
from airlib.settings import DEFAULT, Settings
from airlib.standards.validity import rolling_8h, rolling_24h

__all__ = ["CnemcHourly", "PAIRS", "O3_COLUMNS", "O3_AS_PUBLISHED", "parse_primary", "read_cnemc_hourly"]

#: The release's (1-h, 24-h) column pair per pollutant, as named in the file.
PAIRS: dict[str, tuple[str, str]] = {
    "pm25": ("pm2_5", "pm2_5_24h"),
    "pm10": ("pm10", "pm10_24h"),
    "so2": ("so2", "so2_24h"),
    "no2": ("no2", "no2_24h"),
    "co": ("co", "co_24h"),
}
#: The release's four O3 columns.
O3_COLUMNS: tuple[str, ...] = ("o3", "o3_24h", "o3_8h", "o3_8h_24h")
#: O3 roles (output column names): the hour's 1-h value, the 24-h running maximum of it, the
#: 8-h moving mean, the day's highest 8-h mean.
O3_ROLES: tuple[str, ...] = ("o3", "o3_max24h", "o3_8h", "o3_8h_max_day")
#: What the platform's O3 columns hold ([CNEMC-RT-2022]): file name → role.
O3_AS_PUBLISHED: dict[str, str] = {"o3_24h": "o3", "o3": "o3_max24h", "o3_8h_24h": "o3_8h", "o3_8h": "o3_8h_max_day"}

_HEADER_ALIASES = {"time_point": "timepoint", "station_code": "stationcode", "pm25": "pm2_5", "pm25_24h": "pm2_5_24h",
                   "primarypollutant": "primary_pollutant"}
_TOL = {"co": 0.05}  # half a published unit; µg/m³ columns: 0.5
_PRIMARY_WORDS: tuple[tuple[str, str], ...] = (
    ("PM2.5", "pm25"), ("PM2_5", "pm25"), ("PM25", "pm25"), ("细颗粒物", "pm25"),
    ("PM10", "pm10"), ("可吸入颗粒物", "pm10"),
    ("SO2", "so2"), ("二氧化硫", "so2"), ("NO2", "no2"), ("二氧化氮", "no2"),
    ("O3", "o3"), ("臭氧", "o3"), ("CO", "co"), ("一氧化碳", "co"),
)
_NONE_TOKENS = {"", "—", "-", "--", "/", "无", "NA", "NAN", "NONE"}


class CnemcHourly(NamedTuple):
    """What :func:`read_cnemc_hourly` returns.

    Attributes
    ----------
    hourly : pandas.DataFrame
        The canonical hourly frame (:func:`airlib.io.schema.canonical_hourly`; ``station`` = the
        release's ``stationcode``, ``time`` hour-beginning Beijing time, 1-h ``pm25 … o3``
        [µg/m³; CO mg/m³]) plus the release's other values under their meaning: ``pm25_24h,
        pm10_24h, so2_24h, no2_24h, co_24h`` (24-h moving means), ``o3_8h`` (8-h moving mean),
        ``o3_max24h`` (highest 1-h O3 of the last 24 h), ``o3_8h_max_day`` (the day's highest
        8-h mean), ``aqi_published`` (Int64), ``primary_published`` (string in airlib's form,
        e.g. ``"PM2.5,O3"``; ``""`` when none), ``quality_published`` (string) and ``row``
        (1-based file row).
    mapping : pandas.DataFrame
        One row per file column that was mapped: ``file_column``, ``taken_as``,
        ``name_says`` (what its name would suggest), ``evidence`` (the check in words),
        ``share`` (float 0–1 of comparable rows that agree; NaN = not checked) and ``rows``
        (number of comparable rows).
    """

    hourly: pd.DataFrame
    mapping: pd.DataFrame


def parse_primary(values: pd.Series, *, file=None, column: str = "primary_pollutant") -> pd.Series:
    """The release's primary pollutant text in airlib's form (``"PM2.5,O3"``, ``""`` for none).

    Accepts the formulas (``PM2.5``, ``PM2_5``, ``O3`` …) and the Chinese names
    (``细颗粒物(PM2.5)``, ``臭氧1小时`` …), several separated by ``,``/``，``/``、``/``;``; the
    pollutants are listed in :data:`airlib.pollutants.POLLUTANTS` order, the order
    :func:`airlib.standards.aqi.hourly_aqi` uses. Unknown text raises :class:`InputDataError`
    naming the rows (``values.index`` = file rows).
    """
    s = values.astype("string").fillna("").str.strip()
    lookup: dict[str, str] = {}
    bad: list[str] = []
    for text in pd.unique(s.to_numpy(dtype=object)):  # a handful of distinct texts
        found: set[str] = set()
        for token in re.split(r"[,，、;；/\s]+", str(text)):
            t = token.strip().upper()
            if t in _NONE_TOKENS:
                continue
            hit = [code for word, code in _PRIMARY_WORDS if word in t]
            if not hit:
                bad.append(str(text))
                break
            # "细颗粒物(PM2.5)" names one pollutant twice: the first match is the one meant
            found.add(hit[0])
        lookup[str(text)] = ",".join(LABELS_ZH[p] for p in POLLUTANTS if p in found)
    if bad:
        rows = values.index[s.isin(bad).to_numpy()]
        raise InputDataError(
            f"unknown primary pollutant {sorted(set(bad))[:3]}; expected PM2.5, PM10, SO2, NO2, CO, O3 "
            "or their Chinese names, several separated by commas",
            file=file, row=row_arg(rows[:5]), column=column)
    return s.map(lookup).astype("string")


def _share(x: np.ndarray, y: np.ndarray, tol: float) -> tuple[float, int]:
    ok = ~(np.isnan(x) | np.isnan(y))
    n = int(ok.sum())
    if n == 0:
        return float("nan"), 0
    return float(np.mean(np.abs(x[ok] - y[ok]) <= tol + 1e-9)), n


def _on_rows(grid: pd.DataFrame, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Values of ``columns`` of a station-hour grid at the rows of ``frame`` (same order)."""
    keys = frame[["station", "time"]]
    return keys.merge(grid[["station", "time", *columns]], on=["station", "time"], how="left")[columns]


def _read(path: Path, settings: Settings) -> tuple[pd.DataFrame, np.ndarray]:
    raw, _ = read_any_table(path, settings=settings)
    raw.columns = [_HEADER_ALIASES.get(str(c).strip().lower(), str(c).strip().lower()) for c in raw.columns]
    if raw.columns.duplicated().any():
        dup = sorted(set(raw.columns[raw.columns.duplicated()]))
        raise InputDataError(f"columns named twice: {dup}", file=path)
    missing = [c for c in ("timepoint", "stationcode") if c not in raw.columns]
    if missing:
        raise InputDataError(
            f"not the platform's hourly release: no column {', '.join(missing)} (expected timepoint, stationcode, "
            "aqi, pm2_5, pm2_5_24h, …)", file=path)
    if raw.empty:
        raise InputDataError("the file has no data rows", file=path)
    return raw, raw.index.to_numpy()


def read_cnemc_hourly(path: str | os.PathLike[str], *, settings: Settings | None = None) -> CnemcHourly:
    """Read the national platform's hourly CSV/XLSX; map its columns by content; verify the mapping.

    Parameters
    ----------
    path : path-like
        The release as CSV (UTF-8 or GBK) or XLSX, header on the first row (title rows above it
        are skipped). Required: ``timepoint`` (end of the hour, Beijing time; a value with a stated
        UTC offset such as ``…Z`` is converted to Beijing time), ``stationcode``;
        pollutant columns as in the module docstring (a pollutant may be absent as a whole; a
        pair or the O3 group must then be complete).
    settings : Settings, optional
        ``cnemc_mapping_min_share`` (UNVERIFIED, default 0.9) and ``rolling_24h_min_hours``.

    Returns
    -------
    CnemcHourly
        ``hourly`` (canonical frame + the release's published values) and ``mapping`` (which
        column was taken as what, and the evidence).

    Raises
    ------
    InputDataError
        File unreadable; required column absent; a time that is not a date-time on a whole hour
        (row named); empty station code; a non-number or negative value (row and column named);
        a station and hour twice; a pollutant group incomplete; content that contradicts every
        mapping of a group (columns and agreement shares named).

    Notes
    -----
    Time: ``time = timepoint − 1 h`` (the value published at 09:00 is the mean of 08:00–09:00,
    labelled 08:00), [CNEMC-RT-2022]. Compute the AQI as published with
    ``airlib.standards.aqi.hourly_aqi(result.hourly, rule="platform")``.
    """
    settings = DEFAULT if settings is None else settings
    p = Path(path)
    raw, rows = _read(p, settings)

    t = pd.to_datetime(raw["timepoint"].astype("string").str.strip(), errors="coerce", format="mixed")
    bad = t.isna().to_numpy()
    if bad.any():
        raise InputDataError("timepoint is not a date and time (expected e.g. 2022-01-10 09:00:00)",
                             file=p, row=row_arg(rows[bad][:5]), column="timepoint")
    t = to_beijing_naive(t)  # a stated offset (…+08:00, Z) is honoured; naive = Beijing time
    off = ((t.dt.minute != 0) | (t.dt.second != 0)).to_numpy()
    if off.any():
        raise InputDataError("timepoint is not on a whole hour", file=p, row=row_arg(rows[off][:5]), column="timepoint")
    station = raw["stationcode"].astype("string").str.strip()
    empty = station.fillna("").eq("").to_numpy()
    if empty.any():
        raise InputDataError("empty station code", file=p, row=row_arg(rows[empty][:5]), column="stationcode")

    frame = pd.DataFrame({"station": station.to_numpy(), "time": apply_hour_label(t, "ending", file=p).to_numpy(),
                          "row": rows})
    dup = frame.duplicated(["station", "time"], keep=False).to_numpy()
    if dup.any():
        raise InputDataError("the same station and hour twice", file=p, row=row_arg(rows[dup][:5]),
                             column="timepoint")

    groups = [(pol, list(pair)) for pol, pair in PAIRS.items()] + [("o3", list(O3_COLUMNS))]
    present: list[tuple[str, list[str]]] = []
    for pol, cols in groups:
        have = [c for c in cols if c in raw.columns]
        if have and len(have) < len(cols):
            raise InputDataError(
                f"{LABELS_ZH[pol]} columns incomplete: have {have}, missing {[c for c in cols if c not in have]}; "
                "the reader needs all of them to tell which holds what", file=p)
        if have:
            present.append((pol, cols))
    numeric = [c for _, cols in present for c in cols] + (["aqi"] if "aqi" in raw.columns else [])
    for c in numeric:
        v = _to_numeric(raw[c], file=p, column=c, rows=rows).to_numpy()
        neg = v < 0
        if neg.any():
            raise InputDataError("negative concentration", file=p, row=row_arg(rows[neg][:5]), column=c)
        frame[c] = v

    frame = frame.sort_values(["station", "time"], kind="stable").reset_index(drop=True)
    need = settings.cnemc_mapping_min_share
    out = frame[["station", "time", "row"]].copy()
    records: list[dict[str, object]] = []

    conc = [c for _, cols in present for c in cols]
    safe = {c: f"v{i}" for i, c in enumerate(conc)}
    if conc:
        base = frame[["station", "time", *conc]].rename(columns=safe)
        r24 = rolling_24h(base, columns=tuple(safe.values()), settings=settings)
        for v in safe.values():  # 24-h running maximum, valid where the 24-h mean is
            mx = r24.groupby("station", sort=False)[v].rolling(24, min_periods=1).max().to_numpy()
            r24[f"{v}_max24"] = np.where(r24[f"{v}_24h"].notna(), mx, np.nan)
        at = _on_rows(r24, frame, [f"{v}_24h" for v in safe.values()] + [f"{v}_max24" for v in safe.values()])

    for pol, cols in present:
        if pol == "o3":
            continue
        a, b = cols
        tol = _TOL.get(pol, 0.5)
        s_ab, n_ab = _share(at[f"{safe[a]}_24h"].to_numpy(), frame[b].to_numpy(), tol)
        s_ba, n_ba = _share(at[f"{safe[b]}_24h"].to_numpy(), frame[a].to_numpy(), tol)
        if np.isnan(s_ab) and np.isnan(s_ba):
            one, day, share, n, how = a, b, float("nan"), 0, "not checked (too few consecutive hours); taken by name"
        elif np.nan_to_num(s_ba, nan=-1) > np.nan_to_num(s_ab, nan=-1):
            one, day, share, n = b, a, s_ba, n_ba
            how = f"the 24-h moving mean of {b} equals {a}"
        else:
            one, day, share, n = a, b, s_ab, n_ab
            how = f"the 24-h moving mean of {a} equals {b}"
        if not np.isnan(share) and share < need:
            raise InputDataError(
                f"the {LABELS_ZH[pol]} columns contradict every mapping: the 24-h moving mean of {a} matches {b} "
                f"in {_pct(s_ab)} of {n_ab} rows, that of {b} matches {a} in {_pct(s_ba)} of {n_ba}; at least "
                f"{need:.0%} expected (setting cnemc_mapping_min_share). Is this the platform's hourly release, "
                "with 24-h moving means beside the 1-h values?", file=p, column=f"{a}, {b}")
        out[pol] = frame[one].to_numpy()
        out[f"{pol}_24h"] = frame[day].to_numpy()
        for col, role, name_says in ((one, pol, f"{pol} (1 h)" if one == a else f"{pol}_24h"),
                                     (day, f"{pol}_24h", f"{pol}_24h" if day == b else f"{pol} (1 h)")):
            records.append({"file_column": col, "taken_as": role, "name_says": name_says, "evidence": how,
                            "share": share, "rows": n})

    if any(pol == "o3" for pol, _ in present):
        _map_o3(frame, at, safe, out, records, p, need, settings)

    if "aqi" in frame.columns:
        a = frame["aqi"].to_numpy()
        if (~np.isnan(a) & (a != np.round(a))).any():
            bad = ~np.isnan(a) & (a != np.round(a))
            raise InputDataError("AQI is not a whole number", file=p, row=row_arg(frame["row"].to_numpy()[bad][:5]),
                                 column="aqi")
        out["aqi_published"] = pd.array(np.where(np.isnan(a), 0, a).astype(np.int64), dtype="Int64")
        out.loc[np.isnan(a), "aqi_published"] = pd.NA
    if "primary_pollutant" in raw.columns:
        prim = parse_primary(raw["primary_pollutant"], file=p)
        out["primary_published"] = prim.reindex(frame["row"].to_numpy()).to_numpy()
        out["primary_published"] = out["primary_published"].astype("string")
    if "quality" in raw.columns:
        out["quality_published"] = raw["quality"].astype("string").str.strip().reindex(frame["row"].to_numpy()).to_numpy()
        out["quality_published"] = out["quality_published"].astype("string")

    extra = [c for c in out.columns if c not in ("station", "time", *POLLUTANTS)]
    hourly = canonical_hourly(out, extra=extra)
    mapping = pd.DataFrame.from_records(records, columns=["file_column", "taken_as", "name_says", "evidence", "share",
                                                           "rows"])
    return CnemcHourly(hourly, mapping)


def _pct(x: float) -> str:
    return "no comparable rows" if np.isnan(x) else f"{x:.0%}"


def _map_o3(frame: pd.DataFrame, at: pd.DataFrame, safe: dict[str, str], out: pd.DataFrame,
            records: list[dict[str, object]], p: Path, need: float, settings: Settings) -> None:
    """Assign the O3 roles by content (see the module docstring); fills ``out`` and ``records``."""
    cols = list(O3_COLUMNS)
    m8 = {}
    for h in cols:  # 8-h moving mean of each candidate 1-h column, at the file's rows
        r8 = rolling_8h(frame[["station", "time", h]].rename(columns={h: "o3"}))
        m8[h] = _on_rows(r8, frame, ["o3_8h"])["o3_8h"].to_numpy()
    day = frame["time"].dt.normalize()
    keys = [frame["station"], day]
    day_max = {c: frame.groupby(keys)[c].transform("max").to_numpy() for c in cols}
    day_cum = {c: frame.groupby(keys)[c].cummax().to_numpy() for c in cols}

    def score(h: str, mx: str, m: str, d: str) -> tuple[float, list[tuple[float, int, str]]]:
        s1 = _share(at[f"{safe[h]}_max24"].to_numpy(), frame[mx].to_numpy(), 0.5)
        s2 = _share(m8[h], frame[m].to_numpy(), 0.5)
        s3 = max(_share(day_max[m], frame[d].to_numpy(), 0.5), _share(day_cum[m], frame[d].to_numpy(), 0.5),
                 key=lambda x: np.nan_to_num(x[0], nan=-1))
        parts = [(s1[0], s1[1], f"{mx} equals the 24-h running maximum of {h}"),
                 (s2[0], s2[1], f"{m} equals the 8-h moving mean of {h}"),
                 (s3[0], s3[1], f"{d} equals the day's highest value of {m}")]
        vals = [s for s, _, _ in parts if not np.isnan(s)]
        return (min(vals) if vals else float("nan")), parts

    published = tuple(next(c for c, r in O3_AS_PUBLISHED.items() if r == role) for role in O3_ROLES)
    best: tuple[float, tuple[str, ...], list[tuple[float, int, str]]] | None = None
    for perm in itertools.permutations(cols):
        sc, parts = score(*perm)
        key = np.nan_to_num(sc, nan=-1) + (1e-6 if perm == published else 0.0)  # ties: as published
        if best is None or key > np.nan_to_num(best[0], nan=-1) + (1e-6 if best[1] == published else 0.0):
            best = (sc, perm, parts)
    assert best is not None
    sc, perm, parts = best
    if np.isnan(sc):
        perm = published
        parts = [(float("nan"), 0, "not checked (too few consecutive hours); taken as the platform publishes it")] * 3
    elif sc < need:
        sp, _ = score(*published)
        raise InputDataError(
            f"the O3 columns {', '.join(cols)} contradict every mapping: the best assignment agrees in {_pct(sc)} of "
            f"the comparable rows (the platform's documented one in {_pct(sp)}); at least {need:.0%} expected "
            "(setting cnemc_mapping_min_share). Is this the platform's hourly release?", file=p, column=", ".join(cols))
    h, mx, m, d = perm
    for col, role in zip(perm, O3_ROLES):
        out[role] = frame[col].to_numpy()
    evidence = {h: (min((s for s, _, _ in parts if not np.isnan(s)), default=float("nan")),
                    max(n for _, n, _ in parts), "the 1-h value the other three are derived from"),
                mx: parts[0], m: parts[1], d: parts[2]}
    for col, role in zip(perm, O3_ROLES):
        share, n, how = evidence[col]
        records.append({"file_column": col, "taken_as": role, "name_says": col, "evidence": how, "share": share,
                        "rows": n})
