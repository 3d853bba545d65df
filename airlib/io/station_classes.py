"""Station classes (站点类别): the configurable vocabulary of the station registry.

Beijing's monitoring stations serve different statistics: national and municipal assessment
stations (国控站/市控站) the district's assessed values, the town/street stations (街乡镇站)
the monthly town ranking, the coarse-particle network (粗颗粒物站) its own TSP table, and the
low-cost micro-stations (小微站) hot-spot screening only (issue #17 item 1). Which class serves
which statistic is data: ``data/raw/rules/station_classes.yaml`` (UNVERIFIED defaults,
``docs/stations.md``); a district may configure its own file (``districts.yaml`` key
``station_classes``).

Format::

    default_class: town            # class of registry rows without ``station_class``
    classes:
      national: {name_zh: 国控站, uses: [district_assessment, town_ranking, reference]}
      micro:    {name_zh: 小微站, uses: [hotspot_screening]}

:func:`load_station_classes` reads the file through :func:`airlib.io.safe_yaml.load_yaml_file`;
every problem raises :class:`airlib.errors.InputDataError` naming the file and the key
(``classes.micro.uses[0]``).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from airlib.errors import InputDataError
from airlib.settings import Settings

__all__ = ["DEFAULT_CLASSES_FILE", "USES", "USE_LABELS", "StationClass", "StationClasses",
           "check_station_classes", "default_classes_path", "load_station_classes"]

#: The shipped vocabulary, relative to the project root.
DEFAULT_CLASSES_FILE: str = "data/raw/rules/station_classes.yaml"

Use = Literal["district_assessment", "town_ranking", "hotspot_screening", "reference"]
#: The statistics a class can serve: the district's assessed values, the town ranking,
#: hot-spot screening (热点网格), reference for sensor QC drift and calibration.
USES: tuple[str, ...] = get_args(Use)

#: Chinese name of each use (report notes).
USE_LABELS: dict[str, str] = {
    "district_assessment": "全区数值", "town_ranking": "乡镇街道排名",
    "hotspot_screening": "热点网格筛查", "reference": "质控与校准参比",
}


class StationClass(BaseModel):
    """One class: its Chinese name and the uses it serves (possibly none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_zh: str = Field(min_length=1, max_length=20)
    uses: tuple[Use, ...] = ()


class StationClasses(BaseModel):
    """The vocabulary: class code → :class:`StationClass`, and the default class."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_class: str = Field(min_length=1)
    classes: dict[str, StationClass] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> StationClasses:
        bad = [c for c in self.classes if not c or not c.replace("_", "").isalnum() or not c.isascii()]
        if bad:
            raise ValueError(f"class codes must be ASCII letters, digits or _: {bad}")
        if self.default_class not in self.classes:
            raise ValueError(f"default_class {self.default_class!r} is not one of the classes "
                             f"({sorted(self.classes)})")
        return self

    def serving(self, use: str) -> tuple[str, ...]:
        """Codes of the classes that serve ``use`` (in file order).

        Raises
        ------
        InputDataError
            ``use`` is not one of :data:`USES`.
        """
        if use not in USES:
            raise InputDataError(f"unknown station use {use!r}; known uses: {list(USES)}")
        return tuple(c for c, k in self.classes.items() if use in k.uses)

    def name(self, code: str) -> str:
        """Chinese name of a class (``national`` → 国控站)."""
        return self.classes[code].name_zh


def default_classes_path() -> Path:
    """``data/raw/rules/station_classes.yaml``: the project's copy when it has one, else the
    one shipped with airlib."""
    from airlib.paths import PROJECT_ROOT, raw_dir

    mine = raw_dir() / "rules" / "station_classes.yaml"
    return mine if mine.exists() else PROJECT_ROOT / DEFAULT_CLASSES_FILE


def load_station_classes(path: str | PathLike[str] | None = None,
                         settings: Settings | None = None) -> StationClasses:
    """Read and validate a station-class vocabulary.

    Parameters
    ----------
    path
        The YAML file (format: module docstring, ``docs/stations.md``); default
        :func:`default_classes_path`.
    settings
        Limits of the YAML reader (:mod:`airlib.io.safe_yaml`).

    Returns
    -------
    StationClasses

    Raises
    ------
    InputDataError
        Unreadable YAML, an unknown use, a class without ``name_zh``, a ``default_class``
        that is not a class …; the message names the file and every key at fault.
    """
    from airlib.io.safe_yaml import key_path, load_yaml_file

    p = default_classes_path() if path is None else Path(path)
    raw = load_yaml_file(p, settings, what="station class file")
    if not isinstance(raw, dict):
        raise InputDataError("a station class file must be a mapping with 'default_class' and 'classes' "
                             "(format: docs/stations.md)", file=p)
    try:
        return StationClasses.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{key_path(tuple(e['loc'])) or '(file)'}: {e['msg']}" for e in exc.errors()]
        raise InputDataError("invalid station classes: " + "; ".join(problems)
                             + " (format: docs/stations.md)", file=p) from None


def check_station_classes(stations: pd.DataFrame, classes: StationClasses | None = None, *,
                          file: str | PathLike[str] | None = None,
                          headers: dict[str, str] | None = None,
                          rows: np.ndarray | None = None) -> pd.DataFrame:
    """Check and normalise the dated class columns of a station registry (issue #17 item 1).

    ``station_class`` values may be codes (``national``) or Chinese names (国控站); they become
    codes. ``valid_from`` / ``valid_to`` are dates [day]; both bounds are inclusive (``valid_to``
    is the last day in force); missing = open. A station id may appear on several rows (a
    reclassification or move) when their validity periods do not overlap.

    Parameters
    ----------
    stations : DataFrame
        The registry (``station`` and any of ``station_class``, ``valid_from``, ``valid_to``).
    classes : StationClasses or None
        The vocabulary; None reads :func:`load_station_classes` (default file).
    file, headers, rows
        For messages: the file, canonical column → header in the file, and the file row number
        of each frame row (default: frame position + 2, header = row 1).

    Returns
    -------
    DataFrame
        A copy with ``station_class`` as codes (``string``) where present and the dates as
        ``datetime64[ns]`` (NaT = open).

    Raises
    ------
    InputDataError
        An unknown class, an unreadable date, ``valid_to`` before ``valid_from``, overlapping
        periods of one station id, or a repeated id without dates; naming rows and column.
    """
    from airlib.io.ingest.columns import row_arg

    hdr = headers or {}
    filerows = np.arange(len(stations)) + 2 if rows is None else np.asarray(rows)
    out = stations.copy()
    if "station_class" in out:
        k = load_station_classes() if classes is None else classes
        raw = out["station_class"].astype("string").str.strip().replace("", pd.NA)
        by_name = {v.name_zh: c for c, v in k.classes.items()}
        code = raw.map(lambda v: by_name.get(v, v) if isinstance(v, str) else v).astype("string")
        unknown = code.notna() & ~code.isin(list(k.classes))
        if unknown.any():
            raise InputDataError(
                f"unknown station class {sorted(set(raw[unknown]))[:5]}; known classes: "
                + ", ".join(f"{c} ({v.name_zh})" for c, v in k.classes.items())
                + " (vocabulary: data/raw/rules/station_classes.yaml, docs/stations.md)",
                file=file, row=row_arg(filerows[unknown.to_numpy()]),
                column=hdr.get("station_class", "station_class"))
        out["station_class"] = code.fillna(k.default_class)
    for c in ("valid_from", "valid_to"):
        if c not in out:
            continue
        text = out[c].astype("string").str.strip().replace("", pd.NA)
        when = pd.to_datetime(out[c].where(text.notna()), errors="coerce")
        bad = when.isna() & text.notna()
        if bad.any():
            raise InputDataError(f"not a date: {text[bad].head(3).tolist()} (write YYYY-MM-DD; empty = open)",
                                 file=file, row=row_arg(filerows[bad.to_numpy()]), column=hdr.get(c, c))
        out[c] = when.dt.normalize().astype("datetime64[ns]")
    lo = out["valid_from"] if "valid_from" in out else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    hi = out["valid_to"] if "valid_to" in out else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    inverted = (hi < lo).fillna(False)
    if inverted.any():
        raise InputDataError("valid_to is before valid_from (both are inclusive days; fix the dates)",
                             file=file, row=row_arg(filerows[inverted.to_numpy()]),
                             column=hdr.get("valid_to", "valid_to"))
    if "station" in out:
        # overlapping periods of one id: sort each id's rows by start, compare with the previous end
        start = lo.fillna(pd.Timestamp.min).to_numpy()
        end = hi.fillna(pd.Timestamp.max).to_numpy()
        order = np.lexsort((start, out["station"].astype("string").to_numpy(dtype=object)))
        sid = out["station"].astype("string").to_numpy(dtype=object)[order]
        same = np.r_[False, sid[1:] == sid[:-1]]
        overlap = same & np.r_[False, start[order][1:] <= end[order][:-1]]
        if overlap.any():
            hit = order[overlap | np.r_[overlap[1:], False]]
            ids = sorted(set(sid[overlap]))[:5]
            raise InputDataError(
                f"station ids {ids} are listed more than once with overlapping validity; a station "
                "may appear again only after its earlier row ends (valid_to before the next valid_from)",
                file=file, row=row_arg(np.sort(filerows[hit])), column=hdr.get("station", "station"))
    return out
