"""Districts the monthly report knows: data and boundary locations, bottom N, plan.

The demo district (门头沟区, synthetic data) is built in. A bureau configures its own
districts in ``data/raw/districts.yaml`` (or the file named by ``$AIRLIB_DISTRICTS``); entries
there override built-in ones of the same name. Format (paths relative to the project root)::

    districts:
      - name: 门头沟区              # as typed on the command line
        district_code: "110109"
        dataset: mentougou          # data/processed/<dataset>/ (airlib ingest)
        boundaries: data/raw/mentougou/towns.gpkg
        boundary_layer: towns       # optional, GeoPackage layer
        boundary_code_column: XZQDM # 9-digit town code column, or:
        boundary_name_column: null  # town name column (matched to names/aliases)
        gcj02: false                # boundary lon/lat copied from Amap/Tencent (GCJ-02)
        assume_crs: null            # CRS of a file that declares none
        bottom_n: 3                 # size of the bottom list (预警 后N名)
        plans: [data/raw/plans/mentougou_2017_autumn_winter.yaml]
        ledgers: data/raw/mentougou/ledgers   # monthly task ledgers (台账), optional
        synthetic: false            # true only for the demo

All paths must lie inside the project; :func:`district_config` refuses others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from airlib.errors import AirlibError, InputDataError
from airlib.paths import project_root, raw_dir


@dataclass(frozen=True)
class DistrictConfig:
    """One configured district (see the module docstring for the fields)."""

    name: str
    district_code: str
    dataset: str
    boundaries: str
    boundary_code_column: str | None = "town_code"
    boundary_name_column: str | None = None
    boundary_layer: str | None = None
    gcj02: bool = False
    assume_crs: str | None = None
    bottom_n: int = 3
    plans: tuple[str, ...] = field(default_factory=tuple)
    ledgers: str | None = None
    synthetic: bool = False

    def path(self, rel: str, root: Path | None = None) -> Path:
        """Resolve a configured path against the project root; refuse paths outside it."""
        return inside_project(rel, root)

    @property
    def slug(self) -> str:
        """Folder name of the district under ``reports/`` (the Chinese name)."""
        return self.name


#: The built-in demo district (data written by ``airlib demo``; schematic boundaries).
DEMO = DistrictConfig(
    name="门头沟区",
    district_code="110109",
    dataset="demo",
    boundaries="data/raw/demo/boundaries/towns_schematic.geojson",
    boundary_code_column="town_code",
    bottom_n=3,
    plans=(
        "data/raw/plans/mentougou_2017_autumn_winter.yaml",
        "data/raw/plans/beijing_2020_district_pm25.yaml",
    ),
    ledgers="data/raw/demo/ledgers",
    synthetic=True,
)


def inside_project(path: str | os.PathLike[str], root: Path | None = None) -> Path:
    """Resolve ``path`` (relative to the project root) and check it lies inside the project.

    Raises
    ------
    AirlibError
        The path resolves outside the project root (``..``, absolute elsewhere, symlinks).
    """
    root = (root or project_root()).resolve()
    p = Path(path)
    full = (p if p.is_absolute() else root / p).resolve()
    if full != root and root not in full.parents:
        raise AirlibError(f"path {str(path)!r} is outside the project ({root}); use a path inside it")
    return full


#: Longest district name in bytes (UTF-8): NAME_MAX (255) less the longest output-file suffix
#: (``_YYYY-MM_月排名报告.pdf``, 28 bytes), rounded down.
MAX_DISTRICT_NAME_BYTES = 200


def check_district_name(name: object, *, file: str | os.PathLike[str] | None = None) -> str:
    """Check that a district name can safely name the folder ``reports/<name>/``.

    Refused: a non-string or empty/blank name; ``/``, ``\\``, ``..``; NUL, line breaks and
    other control characters; a leading ``.`` (hidden folders, and the report's staging
    folders, start with one); more than :data:`MAX_DISTRICT_NAME_BYTES` bytes. Other text
    (Chinese, spaces, ``<>`` …) is allowed: it is escaped wherever it is rendered.

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    AirlibError
        (``InputDataError`` naming ``file`` when given) saying what is wrong and what to do.
    """
    import unicodedata

    problem = None
    if not isinstance(name, str):
        problem = f"must be text, not {type(name).__name__} {name!r}"
    elif not name.strip():
        problem = "is empty"
    elif "/" in name or "\\" in name:
        problem = "contains a path separator (/ or \\)"
    elif ".." in name:
        problem = "contains '..'"
    elif any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        problem = "contains a control character (NUL, line break, tab …)"
    elif name.startswith("."):
        problem = "starts with '.'"
    elif len(name.encode("utf-8")) > MAX_DISTRICT_NAME_BYTES:
        problem = f"is longer than {MAX_DISTRICT_NAME_BYTES} bytes"
    if problem is None:
        return name  # type: ignore[return-value]
    msg = (f"district name {name!r} {problem}; it names the report folder reports/<district>/, "
           f"so give the district's plain name, e.g. 门头沟区")
    if file is not None:
        raise InputDataError(msg, file=file, column="name")
    raise AirlibError(msg)


def config_file(root: Path | None = None) -> Path:
    """The district configuration file: ``$AIRLIB_DISTRICTS`` or ``data/raw/districts.yaml``."""
    env = os.environ.get("AIRLIB_DISTRICTS")
    if env:
        return Path(env)
    return (root / "data" / "raw" if root else raw_dir()) / "districts.yaml"


def load_districts(root: Path | None = None) -> dict[str, DistrictConfig]:
    """All configured districts by name: the built-in demo plus the configuration file's."""
    out = {DEMO.name: DEMO}
    path = config_file(root)
    if not path.exists():
        return out
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputDataError(f"not valid YAML: {exc}", file=path) from exc
    entries = data.get("districts", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputDataError("expected a top-level 'districts:' list", file=path)
    known = set(DistrictConfig.__dataclass_fields__)
    for i, e in enumerate(entries, start=1):
        if not isinstance(e, dict) or "name" not in e:
            raise InputDataError(f"district entry {i} needs at least 'name'", file=path)
        unknown = set(e) - known
        if unknown:
            raise InputDataError(
                f"district {e['name']!r}: unknown field(s) {sorted(unknown)}; known: {sorted(known)}",
                file=path,
            )
        base = out.get(e["name"])
        kw: dict[str, Any] = dict(e)
        if "plans" in kw:
            kw["plans"] = tuple(kw["plans"] or ())
        if "district_code" in kw:
            kw["district_code"] = str(kw["district_code"])
        try:
            out[e["name"]] = replace(base, **kw) if base else DistrictConfig(**kw)
        except TypeError as exc:
            raise InputDataError(f"district {e['name']!r}: {exc}", file=path) from exc
    return out


def district_config(name: str, root: Path | None = None) -> DistrictConfig:
    """The configuration of one district by name.

    Raises
    ------
    AirlibError
        Unknown district; the message lists the configured ones.
    """
    districts = load_districts(root)
    if name not in districts:
        import difflib

        close = difflib.get_close_matches(name, list(districts), n=3, cutoff=0.3)
        hint = f" (did you mean {'、'.join(close)}?)" if close else ""
        raise AirlibError(
            f"unknown district {name!r}{hint}; configured districts: {'、'.join(districts)}. "
            f"Add it to {config_file(root)}"
        )
    return districts[name]
