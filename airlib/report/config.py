"""Districts the monthly report knows: data and boundary locations, bottom N, plan.

The demo district (门头沟区, synthetic data) is built in. A bureau configures its own
districts in ``data/raw/districts.yaml`` (or the file named by ``$AIRLIB_DISTRICTS``); entries
there override built-in ones of the same name. Format (paths relative to the project root)::

    districts:
      - name: 门头沟区              # as typed on the command line
        district_code: "110109"
        dataset: mentougou          # data/processed/<dataset>/ (airlib ingest)
        boundaries: data/raw/mentougou/towns.gpkg   # optional: without it, no maps (a note says so)
        boundary_layer: towns       # optional, GeoPackage layer
        boundary_code_column: XZQDM # 9-digit town code column, or:
        boundary_name_column: null  # town name column (matched to names/aliases)
        gcj02: false                # boundary lon/lat copied from Amap/Tencent (GCJ-02)
        assume_crs: null            # CRS of a file that declares none
        boundary_repair: false      # repair invalid polygons (make_valid) instead of refusing them
        bottom_n: 3                 # size of the bottom list (预警 后N名)
        plans: [data/raw/plans/mentougou_2017_autumn_winter.yaml]
        ledgers: data/raw/mentougou/ledgers   # monthly task ledgers (台账), optional
        dustfall: data/raw/mentougou/dust/dustfall.xlsx   # 降尘 sheets, file or folder (docs/dust.md), optional
        road_dust: data/raw/mentougou/dust/road_dust.csv  # 道路尘土残存量 samples (docs/dust.md), optional
        warning_rules: data/raw/rules/warning_rules.yaml  # 预警/约谈 rules (docs/warnings.md); optional,
                                    # default the shipped file (thresholds UNVERIFIED)
        station_classes: data/raw/rules/station_classes.yaml  # station classes and their uses (docs/stations.md);
                                    # optional, default the shipped file (UNVERIFIED)
        city_table: data/raw/city/city_{month}.xlsx  # city table of each month, optional
        tsp: data/raw/city/tsp_halfmonthly.csv  # the city's half-monthly TSP table (CSV/XLSX), optional
        forecasts: data/raw/mentougou/forecasts.csv  # AQI forecasts 1–3 days ahead (CSV/XLSX), optional
        synthetic: false            # true only for the demo
        issuer: 北京市门头沟区生态环境局   # 发文单位 on the cover (optional; blank line when absent)
        document_number: 门环发〔2024〕1号  # 文号 on the cover (optional; blank line when absent)
        letter_template: data/raw/templates/my_letter.docx  # own 预警通知函 template (optional; .docx)
        letter_response_days: 5     # working days to answer a letter (optional; Settings.letter_response_days)
        dust_periods: data/raw/mentougou/sand_dust_periods.csv  # published sand-dust periods (扣沙, docs/dust.md), optional
        dust_exclusion: true        # PM statistics exclude those periods (default true); both are shown where they differ
        alert_log: data/raw/mentougou/alert_log.xlsx  # official alert notices (预警记录, optional; docs/alerts.md)

All paths must lie inside the project; :func:`district_config` refuses others.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from airlib.errors import AirlibError, InputDataError
from airlib.paths import project_root as default_project_root, raw_dir
from airlib.settings import Settings

__all__ = [
    "CITY_TABLE_SUFFIXES", "DEMO", "MAX_COVER_TEXT_LENGTH", "MAX_NAME_LENGTH", "REQUIRED_KEYS", "DistrictConfig", "check_city_table",
    "check_district_name", "check_folder_name", "check_letter_template", "DEFAULT_LETTER_TEMPLATE",
    "letter_template_path", "MAX_RESPONSE_DAYS",
    "config_file", "district_config", "district_names", "inside_project", "load_districts",
]


@dataclass(frozen=True)
class DistrictConfig:
    """One configured district (see the module docstring for the fields)."""

    name: str
    district_code: str
    dataset: str
    boundaries: str | None = None
    boundary_code_column: str | None = "town_code"
    boundary_name_column: str | None = None
    boundary_layer: str | None = None
    gcj02: bool = False
    assume_crs: str | None = None
    boundary_repair: bool = False
    bottom_n: int = 3
    plans: tuple[str, ...] = field(default_factory=tuple)
    ledgers: str | None = None
    dustfall: str | None = None
    road_dust: str | None = None
    warning_rules: str | None = None
    station_classes: str | None = None
    synthetic: bool = False
    city_table: str | None = None
    issuer: str | None = None
    document_number: str | None = None
    letter_template: str | None = None
    letter_response_days: int | None = None
    dust_periods: str | None = None
    dust_exclusion: bool = True
    tsp: str | None = None
    forecasts: str | None = None
    alert_log: str | None = None

    def path(self, rel: str, project_root: Path | None = None) -> Path:
        """Resolve a configured path against the project root; refuse paths outside it."""
        return inside_project(rel, project_root)

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
        # SYNTHETIC current plans written by `airlib generate-demo` (airlib.demo.synthetic_plans)
        "data/raw/demo/plans/synthetic_annual.yaml",
        "data/raw/demo/plans/synthetic_autumn_winter.yaml",
    ),
    ledgers="data/raw/demo/ledgers",
    dustfall="data/raw/demo/dust/dustfall.csv",
    road_dust="data/raw/demo/dust/road_dust.csv",
    synthetic=True,
    city_table="data/raw/demo/city/city_{month}.csv",
    dust_periods="data/raw/demo/dust/sand_dust_periods.csv",
    tsp="data/raw/demo/dust/tsp_halfmonthly.csv",
    forecasts="data/raw/demo/alerts/forecasts.csv",
    alert_log="data/raw/demo/alerts/alert_log.csv",
)


def inside_project(path: str | os.PathLike[str], project_root: Path | None = None) -> Path:
    """Resolve ``path`` (relative to the project root) and check it lies inside the project.

    Raises
    ------
    AirlibError
        The path resolves outside the project root (``..``, absolute elsewhere, symlinks).
    """
    project_root = (project_root or default_project_root()).resolve()
    p = Path(path)
    full = (p if p.is_absolute() else project_root / p).resolve()
    if full != project_root and project_root not in full.parents:
        raise AirlibError(f"path {str(path)!r} is outside the project ({project_root}); use a path inside it")
    return full


def check_district_name(name: object, *, file: str | os.PathLike[str] | None = None,
                        what: str = "district name") -> str:
    """Check that a district name can safely name the folder ``reports/<name>/``.

    The rule is :func:`check_folder_name` (the one rule for district and data set names,
    whether typed with ``--district`` or written in ``districts.yaml``); this wrapper turns
    its ``ValueError`` into the error a user sees.

    Parameters
    ----------
    name : object
        The name as given.
    file : path-like, optional
        The configuration file it came from (the error then names it and the key).
    what : str
        How the message calls it (``"district name"``, ``"--district"``).

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    AirlibError
        (``InputDataError`` naming ``file`` when given) saying what is wrong and what to do.
    """
    try:
        return check_folder_name(name, what)
    except ValueError as exc:
        if file is not None:
            raise InputDataError(str(exc), file=file, column="name") from None
        raise AirlibError(str(exc)) from None


def config_file(project_root: Path | None = None) -> Path:
    """The district configuration file: ``$AIRLIB_DISTRICTS`` or ``data/raw/districts.yaml``."""
    env = os.environ.get("AIRLIB_DISTRICTS")
    if env:
        return Path(env)
    return (project_root / "data" / "raw" if project_root else raw_dir()) / "districts.yaml"


#: Keys a district entry must have when it does not override a built-in district.
REQUIRED_KEYS: tuple[str, ...] = ("name", "district_code", "dataset")
#: Longest district or dataset name accepted (characters).
MAX_NAME_LENGTH = 64
#: Characters refused in district and data set names (not allowed in Windows file names).
_FORBIDDEN_IN_NAMES = '<>:"|?*'
_PATH_KEYS = ("boundaries", "ledgers", "warning_rules", "station_classes", "dustfall", "road_dust", "dust_periods", "tsp", "forecasts",
              "alert_log")
_OPTIONAL_TEXT_KEYS = ("boundary_code_column", "boundary_name_column", "boundary_layer", "assume_crs")
#: Cover texts (发文单位, 文号): one line of plain text each, at most this many characters.
_COVER_TEXT_KEYS = ("issuer", "document_number")
MAX_COVER_TEXT_LENGTH = 80


def check_folder_name(value: object, what: str) -> str:
    """Check that ``value`` can name a folder under ``reports/`` or ``data/processed/``.

    Parameters
    ----------
    value
        The name (a district name such as ``门头沟区`` or a data set name).
    what
        What it is, for the message (e.g. ``"key 'name'"``).

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    ValueError
        Not a string; empty or only spaces; leading/trailing spaces; longer than
        :data:`MAX_NAME_LENGTH`; contains ``/``, ``\\``, ``..``, one of ``<>:"|?*``, a control
        character, or starts or ends with ``.``. The message says what to do.
    """
    import unicodedata

    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__} {value!r}")
    if not value.strip():
        raise ValueError(f"{what} is empty; give the name, e.g. 门头沟区")
    if value != value.strip():
        raise ValueError(f"{what} {value!r} has leading or trailing spaces; remove them")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"{what} is {len(value)} characters long, more than {MAX_NAME_LENGTH}")
    bad = [c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if bad:
        raise ValueError(f"{what} {value!r} contains the control character U+{ord(bad[0]):04X}; remove it")
    if "/" in value or "\\" in value or ".." in value or value.startswith(".") or value.endswith("."):
        raise ValueError(
            f"{what} {value!r} contains a path character ('/', '\\', '..', or a '.' at the start or "
            "end); it names a folder, so use a plain name such as 门头沟区")
    bad = sorted(set(value) & set(_FORBIDDEN_IN_NAMES))
    if bad:
        raise ValueError(
            f"{what} {value!r} contains {' '.join(bad)}, not allowed in a folder name (Windows) nor "
            "wanted in a report title; use a plain name such as 门头沟区")
    return value


def _closest(key: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_entry(e: dict[str, Any], project_root: Path) -> dict[str, Any]:
    """Check and normalise the values of one entry; ``ValueError`` names the key."""
    kw: dict[str, Any] = {}
    for key, v in e.items():
        what = f"key {key!r}"
        if key == "name":
            kw[key] = check_folder_name(v, what)
        elif key == "dataset":
            kw[key] = check_folder_name(v, what)
        elif key == "district_code":
            code = str(v) if isinstance(v, (str, int)) and not isinstance(v, bool) else None
            if code is None or not re.fullmatch(r"\d{6}", code.strip()):
                raise ValueError(f"{what} must be the 6-digit district code (e.g. \"110109\"), not {v!r}")
            kw[key] = code.strip()
        elif key == "letter_template":
            kw[key] = None if v is None else check_letter_template(v, project_root, what)
        elif key == "letter_response_days":
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_RESPONSE_DAYS):
                raise ValueError(f"{what} must be a whole number of working days from 1 to {MAX_RESPONSE_DAYS} "
                                 f"(time to answer a 预警通知函), not {v!r}")
            kw[key] = v
        elif key == "bottom_n":
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{what} must be a whole number ≥ 0 (size of the bottom list), not {v!r}")
            kw[key] = v
        elif key in ("gcj02", "synthetic", "boundary_repair", "dust_exclusion"):
            if not isinstance(v, bool):
                raise ValueError(f"{what} must be true or false, not {v!r}")
            kw[key] = v
        elif key in _COVER_TEXT_KEYS:
            kw[key] = _check_cover_text(v, what)
        elif key in _PATH_KEYS or key in _OPTIONAL_TEXT_KEYS:
            if v is None:
                kw[key] = None
                continue
            if not isinstance(v, str) or not v.strip():
                raise ValueError(f"{what} must be {'a path' if key in _PATH_KEYS else 'text'}, not {v!r}")
            if key in _PATH_KEYS:
                _inside(v, project_root, what)
            kw[key] = v
        elif key == "city_table":
            kw[key] = None if v is None else check_city_table(v, project_root, what)
        elif key == "plans":
            items = [] if v is None else [v] if isinstance(v, str) else v
            if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
                raise ValueError(f"{what} must be a list of plan file paths, not {v!r}")
            for x in items:
                _inside(x, project_root, what)
            kw[key] = tuple(items)
    return kw


#: File types a city table may have (:func:`airlib.io.city_table.read_city_table`).
CITY_TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".xlsx")


def check_city_table(value: object, project_root: Path, what: str = "key 'city_table'") -> str:
    """Check the ``city_table`` path template of a district entry.

    The template names one file per month: it contains ``{month}`` exactly once (replaced by
    ``YYYY-MM``, e.g. ``data/raw/city/city_{month}.xlsx`` → ``city_2024-06.xlsx``), no other
    ``{`` ``}``, ends in ``.csv``, ``.txt`` or ``.xlsx``, and lies inside the project.

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    ValueError
        What is wrong and an example of a valid value.
    """
    example = "e.g. data/raw/city/city_{month}.xlsx"
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a path template with {{month}}, {example}; not {value!r}")
    if value.count("{month}") != 1 or value.replace("{month}", "").count("{") or value.replace("{month}", "").count("}"):
        raise ValueError(f"{what} {value!r} must contain {{month}} once (replaced by YYYY-MM) and no other "
                         f"braces, {example}")
    if Path(value).suffix.lower() not in CITY_TABLE_SUFFIXES:
        raise ValueError(f"{what} {value!r} must name a {', '.join(CITY_TABLE_SUFFIXES)} file, {example}")
    _inside(value.replace("{month}", "2000-01"), project_root, what)
    return value


#: Longest response time of a 预警通知函 accepted in districts.yaml [working days].
MAX_RESPONSE_DAYS = 60


#: The shipped 预警通知函 Word template (built by ``scripts/make_letter_template.py``).
DEFAULT_LETTER_TEMPLATE: Path = Path(__file__).resolve().parent / "templates" / "warning_letter.docx"


def letter_template_path(cfg: DistrictConfig, project_root: Path | None = None) -> Path:
    """The Word template of a district's 预警通知函: its ``letter_template`` (inside the
    project) or :data:`DEFAULT_LETTER_TEMPLATE`."""
    return cfg.path(cfg.letter_template, project_root) if cfg.letter_template else DEFAULT_LETTER_TEMPLATE


def check_letter_template(value: object, project_root: Path, what: str = "key 'letter_template'") -> str:
    """Check the ``letter_template`` of a district entry: a ``.docx`` path inside the project.

    Whether the file exists and is a valid template is checked when letters are written
    (:func:`airlib.report.letters.write_letters`), so that a missing template stops only the
    letters' district.

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    ValueError
        Not text, not ending in ``.docx``, or outside the project; the message gives an example.
    """
    example = "e.g. data/raw/templates/warning_letter.docx (a copy of airlib/report/templates/warning_letter.docx)"
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be the path of a Word template, {example}; not {value!r}")
    if Path(value).suffix.lower() != ".docx":
        raise ValueError(f"{what} {value!r} must name a .docx file (Word 2007+), {example}")
    _inside(value, project_root, what)
    return value


def _check_cover_text(v: object, what: str) -> str | None:
    """A cover text (``issuer``, ``document_number``): None/absent, or one line of text.

    Raises
    ------
    ValueError
        Not text, empty, longer than :data:`MAX_COVER_TEXT_LENGTH`, or with a line break or
        another control character; the message says what to write instead.
    """
    import unicodedata

    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise ValueError(f"{what} must be one line of text (e.g. 北京市门头沟区生态环境局), not {v!r}")
    text = str(v).strip()
    if not text:
        raise ValueError(f"{what} is empty; give the text or leave the key out (the cover then shows a blank "
                         "line to fill in by hand)")
    if len(text) > MAX_COVER_TEXT_LENGTH:
        raise ValueError(f"{what} is {len(text)} characters long, more than {MAX_COVER_TEXT_LENGTH}; shorten it")
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if bad:
        raise ValueError(f"{what} contains the control character U+{ord(bad[0]):04X} (a line break?); "
                         "write it on one line")
    return text


def _inside(path: str, project_root: Path, what: str) -> None:
    try:
        inside_project(path, project_root)
    except AirlibError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _read_config(project_root: Path | None = None, settings: Settings | None = None
                 ) -> tuple[dict[str, DistrictConfig], dict[str, InputDataError]]:
    """Configured districts and, per district name, the error of an entry that is not valid.

    Problems of the whole file (not YAML, wrong structure, an entry without a usable name, a
    district twice) raise; a problem inside one entry is kept for that district only, so that
    ``airlib report --all`` still runs the others.
    """
    from airlib.io.safe_yaml import load_yaml_file

    out = {DEMO.name: DEMO}
    errors: dict[str, InputDataError] = {}
    path = config_file(project_root)
    if not path.exists():
        return out, errors
    root_p = (project_root or default_project_root()).resolve()
    data = load_yaml_file(path, settings, what="district configuration file")
    if data is None:
        return out, errors
    if not isinstance(data, dict) or not isinstance(data.get("districts", []), list):
        raise InputDataError("expected a top-level 'districts:' list (see docs/report.md)", file=path)
    extra = sorted(str(k) for k in data if k != "districts")
    if extra:
        raise InputDataError(
            f"unknown top-level key {extra[0]!r}{_closest(extra[0], ['districts'])}; "
            "the file holds only 'districts:'", file=path)
    known = list(DistrictConfig.__dataclass_fields__)
    seen: set[str] = set()
    for i, e in enumerate(data.get("districts") or [], start=1):
        where = f"districts entry {i}"
        if not isinstance(e, dict):
            raise InputDataError(f"{where}: expected a mapping of keys (name: …, dataset: …), not {e!r}", file=path)
        if "name" not in e:
            raise InputDataError(f"{where}: missing required key 'name'", file=path)
        name = e["name"]
        if not isinstance(name, str) or not name.strip():
            raise InputDataError(f"{where}: key 'name' must be a non-empty text, not {name!r}", file=path)
        where = f"{where} ({name!r})"
        if name in seen:
            raise InputDataError(f"{where}: district {name!r} is configured twice; keep one entry", file=path)
        seen.add(name)
        try:
            for key in e:
                if key not in known:
                    raise ValueError(f"unknown key {key!r}{_closest(str(key), known)}; known keys: "
                                     + ", ".join(known))
            kw = _check_entry(e, root_p)
            base = out.get(name)
            if base is None:
                missing = [k for k in REQUIRED_KEYS if k not in kw]
                if missing:
                    raise ValueError(f"missing required key(s) {', '.join(repr(k) for k in missing)} "
                                     f"(a new district needs {', '.join(REQUIRED_KEYS)})")
                out[name] = DistrictConfig(**kw)
            else:
                out[name] = replace(base, **kw)
        except ValueError as exc:
            out.pop(name, None)  # an invalid override leaves no half-configured district
            errors[name] = InputDataError(f"{where}: {exc}", file=path)
    return out, errors


def load_districts(project_root: Path | None = None, settings: Settings | None = None) -> dict[str, DistrictConfig]:
    """All configured districts by name: the built-in demo plus the configuration file's.

    The file is read with :func:`airlib.io.safe_yaml.load_yaml_file` and every entry is checked
    before any report starts: known keys only (the closest known key is suggested), the
    :data:`REQUIRED_KEYS` of a new district, types (``bottom_n`` a whole number ≥ 0,
    ``gcj02``/``synthetic`` true/false, ``district_code`` 6 digits), ``name`` and ``dataset``
    usable as folder names (:func:`check_folder_name`), paths inside the project, and no
    district twice.

    Parameters
    ----------
    root
        Project root (default: :func:`airlib.paths.project_root`).
    settings
        YAML reader limits (``yaml_max_*``).

    Raises
    ------
    InputDataError
        Any problem (the first, in file order); the message names the file, the entry (number
        and name) and the key.
    """
    out, errors = _read_config(project_root, settings)
    if errors:
        raise next(iter(errors.values()))
    return out


def district_names(project_root: Path | None = None, settings: Settings | None = None) -> list[str]:
    """Names of every configured district, valid or not: the demo, the valid entries, then
    the invalid ones (each in file order).

    ``airlib report --all`` runs each; an invalid entry then fails alone with its message
    (:func:`district_config`).
    """
    out, errors = _read_config(project_root, settings)
    return list(dict.fromkeys([DEMO.name, *out, *errors]))


def district_config(name: str, project_root: Path | None = None) -> DistrictConfig:
    """The configuration of one district by name.

    Raises
    ------
    AirlibError
        Empty or unknown district name; the message lists the configured ones.
    InputDataError
        The configuration file is not valid, or this district's entry is not (the message
        names the file, entry and key); other districts' invalid entries do not matter here.
    """
    districts, errors = _read_config(project_root)
    if name in errors:
        raise errors[name]
    if not isinstance(name, str) or not name.strip():
        raise AirlibError(
            f"the district name is empty; give one of the configured districts: {'、'.join(districts)}")
    if name not in districts:
        import difflib

        close = difflib.get_close_matches(name, list(districts), n=3, cutoff=0.3)
        hint = f" (did you mean {'、'.join(close)}?)" if close else ""
        raise AirlibError(
            f"unknown district {name!r}{hint}; configured districts: {'、'.join(districts)}. "
            f"Add it to {config_file(project_root)}"
        )
    return districts[name]
