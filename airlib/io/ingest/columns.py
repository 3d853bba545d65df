"""Canonical hourly schema, header mapping (Chinese/English) and text decoding.

See ``docs/ingestion.md`` for the documented conventions.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.schema import (  # noqa: F401 - re-exported: the schema's old home
    HOURLY_COLUMNS,
    NUMERIC_COLUMNS,
    STRING,
    TIME_DTYPE,
    canonical_columns,
    canonical_hourly,
    to_beijing_naive,
)
from airlib.io.text_decoding import decode_text
from airlib.pollutants import POLLUTANTS

__all__ = [
    "HOURLY_COLUMNS",
    "NUMERIC_COLUMNS",
    "TIME_DTYPE",
    "HEADER_ALIASES",
    "NA_TOKENS",
    "canonical_hourly",
    "to_beijing_naive",
    "normalise_header",
    "split_unit",
    "map_headers",
    "read_text_table",
    "read_any_table",
    "check_xlsx",
    "inspect_xlsx",
    "drop_blank_rows",
    "is_station_table_header",
    "file_row_numbers",
    "row_arg",
    "file_errors",
    "unit_factor",
    "station_id_and_name_headers",
    "check_file_size",
    "sniff_delimiter",
    "refuse_formula_text",
    "canonical_columns",
    "parse_datetimes",
    "find_columns",
]

#: Cell texts read as missing (after stripping whitespace) in station tables.
NA_TOKENS: frozenset[str] = frozenset(
    {"", "NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "None", "none", "-", "--", "—", "/", "无", "无数据", "缺测"}
)

#: Headers of a station **id** column, most specific first. One mapping for both the hourly
#: readers and the station registry (:func:`airlib.io.ingest.read_stations`): these give the id.
STATION_ID_HEADERS: tuple[str, ...] = (
    "站点编码", "站点代码", "站点编号", "站点ID", "监测点ID", "station_id", "station", "站点", "监测点位", "监测点",
    "监测站", "监测站点", "点位", "site",
)
#: Headers of a station **name** column. A registry takes the name from these; an hourly table
#: with both an id and a name column uses the id (names also resolve against a registry).
STATION_NAME_HEADERS: tuple[str, ...] = ("站点名称", "站点名", "站名", "点位名称", "监测点位名称", "station_name",
                                         "site_name")

#: Header variants → canonical column; keys are compared after :func:`normalise_header`.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "station": (*STATION_ID_HEADERS, *STATION_NAME_HEADERS),
    "time": ("时间", "监测时间", "日期时间", "时间点", "数据时间", "time", "datetime", "date_time", "timestamp"),
    "date": ("日期", "监测日期", "date", "day"),
    "hour": ("小时", "时段", "时刻", "hour"),
    "pm25": ("PM2.5", "PM25", "PM2_5", "细颗粒物", "细颗粒物(PM2.5)", "pm2.5"),
    "pm10": ("PM10", "可吸入颗粒物", "可吸入颗粒物(PM10)"),
    "so2": ("SO2", "二氧化硫"),
    "no2": ("NO2", "二氧化氮"),
    "co": ("CO", "一氧化碳"),
    "o3": ("O3", "臭氧", "O3_1h", "O3-1h", "O3 1小时"),
    "temp": ("气温", "温度", "TEMP", "temperature", "temp"),
    "pres": ("气压", "PRES", "pressure", "pres"),
    "dewp": ("露点", "露点温度", "DEWP", "dewpoint", "dew_point"),
    "rain": ("降水", "降水量", "RAIN", "precipitation", "rain"),
    "wspm": ("风速", "WSPM", "wind_speed", "wspd", "ws"),
    "wd": ("风向", "wd", "wind_direction", "wdir"),
}

#: Headers commonly found in bureau tables that are not hourly canonical columns; they are
#: left unmapped without the misspelling check (listed in ``QCReport.unmapped_columns``).
KNOWN_OTHER_HEADERS: tuple[str, ...] = (
    "AQI", "空气质量指数", "IAQI", "首要污染物", "质量等级", "空气质量等级", "级别", "类别", "空气质量级别",
    "O3_8h", "O3-8h", "O3_8h_24h", "臭氧8小时", "PM2.5_24h", "PM10_24h", "SO2_24h", "NO2_24h", "CO_24h",
    "NO", "NOx", "NOX", "一氧化氮", "氮氧化物", "经度", "纬度", "lon", "lat", "城市", "区县", "区", "序号", "No",
    "编号", "year", "month", "day", "年", "月", "日", "湿度", "相对湿度", "RH", "备注", "街乡", "乡镇",
)

_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[\(\[（【](?P<unit>[^\)\]）】]*)[\)\]）】]\s*$")
_UNIT_TAIL_RE = re.compile(r"^(?P<name>.*?)[\s_]*(?P<unit>[µμu]g/m3|[µμu]g/m³|mg/m3|mg/m³|℃|°C|hPa|mm|m/s)$", re.I)


def normalise_header(text: object) -> str:
    """Comparison key of a header: NFKC (full-width → ASCII, ₂ → 2), no unit hint,
    case-folded, without spaces, ``_``, ``-``, ``.`` and ``·``."""
    name, _ = split_unit(text)
    key = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\s_\-.·:]", "", key)


def split_unit(text: object) -> tuple[str, str | None]:
    """Split ``"PM2.5(µg/m³)"`` into ``("PM2.5", "µg/m³")``; no unit → ``(text, None)``."""
    s = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip()
    m = _UNIT_RE.match(s)
    if m and m.group("name").strip():
        inner = m.group("unit").strip()
        # "细颗粒物(PM2.5)" carries a name, not a unit
        if re.search(r"g/m|℃|°C|hPa|mm|m/s|%", inner, re.I):
            return m.group("name").strip(), inner
        return s, None
    m = _UNIT_TAIL_RE.match(s)
    if m and m.group("name").strip():
        return m.group("name").strip(), m.group("unit")
    return s, None


def _alias_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for canon, names in HEADER_ALIASES.items():
        for n in (canon, *names):
            idx[normalise_header(n)] = canon
    return idx


_ALIAS_INDEX = _alias_index()


def unit_factor(canon: str, unit: str | None) -> float:
    """Factor converting a declared unit hint to the canonical unit (µg/m³; CO mg/m³)."""
    if unit is None or canon not in POLLUTANTS:
        return 1.0
    u = unicodedata.normalize("NFKC", unit).casefold().replace("μ", "µ").replace("³", "3")
    is_ug = bool(re.match(r"^[µu]g/m3", u))
    is_mg = u.startswith("mg/m3")
    if canon == "co" and is_ug:
        return 1e-3
    if canon != "co" and is_mg:
        return 1e3
    return 1.0


#: Station headers holding ids (kept for compatibility; see :data:`STATION_ID_HEADERS`).
STATION_CODE_HEADERS: tuple[str, ...] = STATION_ID_HEADERS
_STATION_ORDER = [normalise_header(h) for h in (*STATION_ID_HEADERS, *STATION_NAME_HEADERS)]


def _station_priority(header: str) -> int:
    """Rank of a station header: id headers first (most specific first), then name headers."""
    key = normalise_header(header)
    return _STATION_ORDER.index(key) if key in _STATION_ORDER else len(_STATION_ORDER)


def station_id_and_name_headers(headers: Sequence[object]) -> tuple[str | None, str | None]:
    """The headers giving a station's id and its name (either may be ``None``).

    The id is the highest-ranked header of :data:`STATION_ID_HEADERS` present (``站点编号``
    before ``站点``); the name the highest-ranked of :data:`STATION_NAME_HEADERS`. With no id
    header the name header is also the id, as in the hourly readers.
    """
    ids = [str(h) for h in headers if normalise_header(h) in _STATION_ORDER[:len(STATION_ID_HEADERS)]]
    names = [str(h) for h in headers if normalise_header(h) in _STATION_ORDER[len(STATION_ID_HEADERS):]]
    best_id = min(ids, key=_station_priority) if ids else None
    best_name = min(names, key=_station_priority) if names else None
    return best_id, best_name


def map_headers(
    headers: Sequence[object],
    mapping: Mapping[str, str | None] | None = None,
    *,
    file: str | os.PathLike[str] | None = None,
) -> tuple[dict[str, str], dict[str, str | None], list[str]]:
    """Map file headers to canonical columns.

    Parameters
    ----------
    headers
        Headers as in the file.
    mapping
        User mapping ``{header in file: canonical name or None}``; overrides the defaults.
        ``None`` drops a column (silences the misspelling check for it).

    Returns
    -------
    (column_map, units, unmapped)
        ``column_map`` maps header → canonical, ``units`` header → unit hint, ``unmapped``
        the headers not used.

    Raises
    ------
    InputDataError
        A canonical column mapped twice; a required column (station; time or date + hour)
        missing; an unknown header that closely resembles a known one whose canonical column
        is absent (probably misspelled; the message suggests the expected header).
    """
    mapping = dict(mapping or {})
    user_keys = {normalise_header(k): v for k, v in mapping.items()}
    valid = set(HOURLY_COLUMNS) | {"date", "hour"}
    for k, v in mapping.items():
        if v is not None and v not in valid:
            raise InputDataError(
                f"mapping {k!r} → {v!r}: {v!r} is not a canonical column; choose from {sorted(valid)}", file=file
            )
    column_map: dict[str, str] = {}
    units: dict[str, str | None] = {}
    unmapped: list[str] = []
    dropped: set[str] = set()
    for h in headers:
        hs = str(h)
        key = normalise_header(hs)
        if hs in mapping or key in user_keys:
            target = mapping[hs] if hs in mapping else user_keys[key]
            if target is None:
                dropped.add(hs)
                continue
        else:
            target = _ALIAS_INDEX.get(key)
        if target is None:
            unmapped.append(hs)
            continue
        if target == "station" and target in column_map.values():
            # a table with both a station code and a station name column: use the code
            other = next(k for k, v in column_map.items() if v == target)
            if _station_priority(hs) < _station_priority(other):
                del column_map[other]
                units.pop(other, None)
                unmapped.append(other)
            else:
                unmapped.append(hs)
                continue
        if target in column_map.values():
            other = next(k for k, v in column_map.items() if v == target)
            raise InputDataError(
                f"both {other!r} and {hs!r} map to {target!r}; pass mapping={{{hs!r}: None}} to drop one",
                file=file,
                column=hs,
            )
        column_map[hs] = target
        units[hs] = split_unit(hs)[1]
    present = set(column_map.values())
    known: dict[str, str] = {}
    for names in HEADER_ALIASES.values():
        for n in names:
            known.setdefault(normalise_header(n), n)
    other = {normalise_header(n) for n in KNOWN_OTHER_HEADERS}
    for h in unmapped:
        if normalise_header(h) in other or _ALIAS_INDEX.get(normalise_header(h)) in present:
            continue
        close = difflib.get_close_matches(normalise_header(h), list(known), n=3, cutoff=0.75)
        close = [c for c in close if _ALIAS_INDEX[c] not in present]
        if close:
            sugg = "、".join(dict.fromkeys(known[c] for c in close))
            raise InputDataError(
                f"unknown header {h!r}, probably misspelled; did you mean {sugg}? "
                f"(or pass mapping={{{h!r}: <column>}} or {{{h!r}: None}} to ignore it)",
                file=file,
                column=h,
            )
    missing = []
    if "station" not in present:
        missing.append("station")
    if "time" not in present and not {"date", "hour"} <= present:
        missing.append("time" if "date" not in present else "hour")
    if missing:
        expected = {"station": "站点", "time": "时间", "hour": "小时"}
        parts = []
        for m in missing:
            close = difflib.get_close_matches(
                normalise_header(expected[m]), [normalise_header(h) for h in unmapped], n=1, cutoff=0.3
            )
            guess = [h for h in unmapped if close and normalise_header(h) == close[0]]
            hint = f"; closest header in the file: {guess[0]!r}" if guess else ""
            parts.append(f"missing column {m!r} (expected a header such as {expected[m]!r} or {m!r}){hint}")
        raise InputDataError(
            "; ".join(parts) + f". Headers found: {[str(h) for h in headers]}",
            file=file,
            column=expected[missing[0]],
        )
    if not (present & set(NUMERIC_COLUMNS) | present & {"wd"}):
        raise InputDataError(
            f"no pollutant or weather column recognised; headers found: {[str(h) for h in headers]}. "
            "Pass mapping={header: column}",
            file=file,
        )
    return column_map, units, unmapped


def _pick_header(lines: list[list[str]], is_header) -> int:
    """Index of the first of ``lines`` that ``is_header`` accepts; 0 if none (or no test)."""
    if is_header is None:
        return 0
    for i, cells in enumerate(lines):
        if is_header([str(c) for c in cells if c is not None and str(c).strip() and str(c) != "nan"]):
            return i
    return 0


def is_station_table_header(cells: list[str]) -> bool:
    """True if ``cells`` look like the header of a station-hour table (a station and a time/date column)."""
    found = {_ALIAS_INDEX.get(normalise_header(c)) for c in cells}
    return "station" in found and bool(found & {"time", "date"})


def _settings(settings):
    from airlib.settings import DEFAULT

    return DEFAULT if settings is None else settings


def check_file_size(p: Path, settings=None) -> int:
    """Size of ``p`` [bytes]; :class:`InputDataError` if it exceeds ``settings.max_input_bytes``."""
    from airlib.files import refuse_if_larger

    size = p.stat().st_size
    refuse_if_larger(p, size, _settings(settings).max_input_bytes, "max_input_bytes",
                     hint="split it (e.g. one file per month) or raise the limit")
    return size


def _check_text_shape(data: bytes, p: Path, settings) -> None:
    """Row count and longest line of raw text bytes against the limits (vectorised, no per-line loop)."""
    s = _settings(settings)
    nl = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    n_lines = len(nl) + (0 if data.endswith(b"\n") else 1)
    if n_lines - 1 > s.max_rows:
        raise InputDataError(
            f"the file has {n_lines - 1:,} data lines, more than the limit of {s.max_rows:,} rows "
            "(setting max_rows); split it or raise the limit", file=p)
    ends = np.append(nl, len(data))
    lengths = np.diff(np.concatenate(([-1], ends))) - 1
    longest = int(lengths.argmax()) if len(lengths) else 0
    if len(lengths) and lengths[longest] > s.max_line_chars:
        raise InputDataError(
            f"line {longest + 1} is {int(lengths[longest]):,} bytes long, more than the limit of "
            f"{s.max_line_chars:,} (setting max_line_chars); is this a table? (a missing line break, "
            "an unclosed quote, or a binary file saved as .csv)", file=p, row=longest + 1)


_SEPARATORS = (",", ";", "\t", "|")
#: Characters of a line looked at to find the header and the delimiter (below the csv
#: module's default field size limit of 131 072).
_PROBE_CHARS = 65_536


def sniff_delimiter(lines: Sequence[str]) -> str:
    """Delimiter of a text table from its first lines (header and some data lines).

    Each candidate (``,``, ``;``, tab, ``|``) splits every line with the csv module (quotes
    respected); the winner gives the same number (> 1) of fields on the most lines, ties
    broken by the larger field count. So ``站点;时间;PM2.5`` with rows ``S1;…;45,3`` is
    ``;``-separated although the data lines hold more commas than semicolons.
    """
    import csv

    lines = [ln[:_PROBE_CHARS] for ln in lines if ln.strip()][:30]
    if not lines:
        return ","
    best, best_key = ",", (-1, -1)
    for sep in _SEPARATORS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=sep)]
        except csv.Error:  # e.g. a field beyond the csv module's field size limit
            continue
        head = counts[0]
        if head < 2:
            continue
        key = (sum(c == head for c in counts), head)
        if key > best_key:
            best, best_key = sep, key
    return best


def read_text_table(
    path: str | os.PathLike[str], encoding: str | None = None, is_header=None, max_header_row: int = 20,
    settings=None,
) -> tuple[pd.DataFrame, str]:
    """Read a delimited text file (``,``, ``;``, tab, ``|``; sniffed) as all-string columns.

    The header is the first line, or with ``is_header`` the first of the first
    ``max_header_row`` lines it accepts (title lines above the header are skipped). The
    returned index holds the **file row number** (1-based) of each data row; blank lines
    are kept as all-NA rows so numbering stays exact. The delimiter is in
    ``frame.attrs["delimiter"]``.

    Limits (``settings``, default :data:`airlib.settings.DEFAULT`): file size
    (``max_input_bytes``), data lines (``max_rows``) and line length (``max_line_chars``) are
    checked on the raw bytes before parsing; each breach is an :class:`InputDataError`.
    """
    import csv

    p = Path(path)
    if not p.is_file():
        raise InputDataError("not a regular file (a folder, device or pipe?)" if p.exists() else "file not found",
                             file=p)
    check_file_size(p, settings)
    data = p.read_bytes()
    if not data.strip():
        raise InputDataError("the file is empty", file=p)
    _check_text_shape(data, p, settings)
    text, used = decode_text(data, encoding, file=p)
    n_head = max_header_row + 30
    parts = text.lstrip("\ufeff").split("\n", n_head)  # stops after n_head lines (no split of the whole file)
    head_lines = ([ln.rstrip("\r") for ln in parts[:n_head]] if len(parts) > n_head
                  else text.lstrip("\ufeff").splitlines()[:n_head])
    k = 0
    if is_header is not None:
        probe = [ln[:_PROBE_CHARS] for ln in head_lines[:max_header_row]]
        seps = [",", "\t", ";", "|"]
        try:
            parsed = [next(csv.reader([ln], delimiter=max(seps, key=ln.count)), []) if ln.strip() else []
                      for ln in probe]
        except csv.Error as exc:
            raise InputDataError(f"cannot parse the first lines as a table: {exc}", file=p) from None
        k = _pick_header(parsed, is_header)
    sep = sniff_delimiter(head_lines[k:])
    try:
        frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), sep=sep, dtype=str, keep_default_na=False,
                            skipinitialspace=True, skiprows=k, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputDataError(f"cannot parse as a table ({sep!r}-separated): {exc}", file=p,
                             row=int(m.group(1)) + k if m else None) from None
    frame.index = np.arange(k + 2, k + 2 + len(frame))
    frame.attrs["delimiter"] = sep
    return frame, used


_CELL_RE = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def inspect_xlsx(p: Path, sheet: str | int | None = None, settings=None) -> dict[tuple[int, int], bool]:
    """Check an XLSX before parsing it; return its formula cells.

    Reads only the zip directory and the (small) workbook part, then the chosen sheet's XML
    if it holds formulas. Raises :class:`InputDataError` if the file is not a zip workbook or
    the members' total uncompressed size exceeds ``settings.max_xlsx_inflated_bytes`` (a
    "zip bomb": refused without inflating it).

    Returns
    -------
    dict
        ``(row, column index)`` (1-based row, 0-based column) → ``True`` if the formula has
        a cached value (the result Excel saved), ``False`` if not (e.g. a file written by a
        script and never opened in Excel).
    """
    import zipfile

    s = _settings(settings)
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > s.max_xlsx_inflated_bytes:
                big = max(infos, key=lambda i: i.file_size)
                raise InputDataError(
                    f"the workbook inflates to {total:,} bytes (largest part {big.filename}: {big.file_size:,}), "
                    f"more than the limit of {s.max_xlsx_inflated_bytes:,} bytes (setting "
                    "max_xlsx_inflated_bytes); save a smaller workbook or a CSV, or raise the limit", file=p)
            names = {i.filename for i in infos}
            target = _sheet_part(z, names, sheet)
            if target is None:
                return {}
            xml = z.read(target)
    except InputDataError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, NotImplementedError (odd compression) …
        raise InputDataError(f"not a valid XLSX workbook (damaged or truncated zip: {type(exc).__name__}: {exc}); "
                             "re-save it in Excel or export a CSV", file=p) from None
    out: dict[tuple[int, int], bool] = {}
    ref = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
    for m in re.finditer(rb"<f[\s>/]", xml):  # one step per formula cell, not per cell
        start = xml.rfind(b"<c ", 0, m.start())
        end = xml.find(b"</c>", m.end())
        if start < 0 or end < 0:
            continue
        r = ref.search(xml, start, xml.find(b">", start) + 1)
        if r is None:
            continue
        v = re.search(rb"<v>(.*?)</v>", xml[m.start():end], re.S)
        # a saved result: a non-empty <v>, or an empty one of a text-result cell (t="str": the
        # formula returned "")
        text_result = b't="str"' in xml[start:xml.find(b">", start) + 1]
        out[(int(r.group(2)), _column_index(r.group(1).decode()))] = bool(v and (v.group(1).strip() or text_result))
    return out


def _sheet_part(z, names: set[str], sheet: str | int | None) -> str | None:
    """Zip member holding ``sheet`` (name or 0-based index; ``None`` = first), or ``None``."""
    if "xl/workbook.xml" not in names:
        return None
    wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
    sheets = re.findall(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', wb)
    if not sheets:
        sheets = [(n, rid) for rid, n in re.findall(r'<sheet\b[^>]*?r:id="([^"]*)"[^>]*?name="([^"]*)"', wb)]
    if sheet is None or sheet == 0:
        pick = sheets[:1]
    elif isinstance(sheet, int):
        pick = sheets[sheet:sheet + 1]
    else:
        import html

        pick = [x for x in sheets if html.unescape(x[0]) == sheet]
    if not pick or "xl/_rels/workbook.xml.rels" not in names:
        return None
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        if f'Id="{pick[0][1]}"' in rel:
            m = re.search(r'Target="([^"]*)"', rel)
            if m:
                t = m.group(1).lstrip("/")
                t = t if t.startswith("xl/") else "xl/" + t
                return t if t in names else None
    return None


def _cell_name(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def check_xlsx(p: Path, sheet: str | int | None = None, settings=None) -> dict[tuple[int, int], bool]:
    """Refuse a damaged XLSX, a zip bomb, or formula cells without a saved result; return the formulas.

    The one XLSX check of every reader (station-hour tables, registries, ledgers):
    :func:`inspect_xlsx`, then an :class:`InputDataError` naming the sheet and cells when a
    formula has no cached value (openpyxl, and so pandas, would read it as empty: a value
    lost without a word).

    Parameters
    ----------
    p : Path
        The ``.xlsx``/``.xlsm`` file.
    sheet : str or int, optional
        Sheet name or 0-based index; ``None`` is the first sheet.
    settings : Settings, optional
        Limits (``max_xlsx_inflated_bytes``); default :data:`airlib.settings.DEFAULT`.

    Returns
    -------
    dict
        As :func:`inspect_xlsx`: ``(row, column index)`` → ``True`` (every value here is True:
        the formulas all have a saved result).
    """
    formulas = inspect_xlsx(p, sheet, settings)
    uncached = sorted(k for k, has in formulas.items() if not has)
    if uncached:
        label = "the first sheet" if sheet is None else f"sheet {sheet!r}"
        cells = ", ".join(_cell_name(r, c) for r, c in uncached[:10])
        more = f" (+{len(uncached) - 10} more)" if len(uncached) > 10 else ""
        raise InputDataError(
            f"{label}: {len(uncached)} formula cell(s) without a saved result: {cells}{more}; airlib reads "
            "saved values only and would see them empty. Open the workbook in Excel (or LibreOffice), "
            "let it recalculate and save, or paste the values", file=p, row=row_arg([r for r, _ in uncached]))
    return formulas


def read_any_table(
    path: str | os.PathLike[str], encoding: str | None = None, sheet: str | int | None = None, is_header=None,
    settings=None,
) -> tuple[pd.DataFrame, str]:
    """Read CSV/TXT or XLSX into a frame; text files as all strings. Returns ``(frame, encoding)``.

    The index of the frame is the 1-based row number in the file (header row excluded), so
    errors can name rows exactly. ``is_header`` (optional) finds the header among the first
    20 rows, skipping title rows.

    XLSX: the file size and the inflated size of the zip members are checked first
    (``settings``); a formula cell **without a cached value** (openpyxl would read it as
    empty) is an :class:`InputDataError` naming the sheet and cells. Formula cells *with* a
    cached value are read as that value and listed in ``frame.attrs["formula_cells"]``
    (``column header → file rows``) so registries can refuse formulas used as names.
    """
    p = Path(path)
    if not p.exists():
        raise InputDataError("file not found", file=p)
    if not p.is_file():
        raise InputDataError("not a regular file (a folder, device or pipe?)", file=p)
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if check_file_size(p, settings) == 0:
            raise InputDataError("the file is empty", file=p)
        formulas = check_xlsx(p, sheet, settings) if p.suffix.lower() != ".xls" else {}
        try:
            grid = pd.read_excel(p, sheet_name=0 if sheet is None else sheet, dtype=object, header=None)
        except ValueError as exc:
            raise InputDataError(f"cannot read sheet {sheet!r}: {exc}", file=p) from None
        except Exception as exc:  # corrupt workbook, zip error
            raise InputDataError(f"cannot read Excel file: {exc}", file=p) from None
        if grid.empty:
            raise InputDataError("the sheet is empty", file=p)
        if len(grid) - 1 > _settings(settings).max_rows:
            raise InputDataError(f"the sheet has {len(grid) - 1:,} data rows, more than the limit of "
                                 f"{_settings(settings).max_rows:,} (setting max_rows)", file=p)
        k = _pick_header(grid.head(20).values.tolist(), is_header)
        header = ["" if pd.isna(c) else str(c).strip() for c in grid.iloc[k]]
        header = [h if h else f"Unnamed: {i}" for i, h in enumerate(header)]
        frame = grid.iloc[k + 1:].copy()
        frame.columns = header
        frame.index = np.arange(k + 2, k + 2 + len(frame))
        by_col: dict[str, list[int]] = {}
        for (r, c), _ in sorted(formulas.items()):
            if r > k + 1 and c < len(header):
                by_col.setdefault(header[c], []).append(r)
        frame.attrs["formula_cells"] = by_col
        return frame, "xlsx"
    return read_text_table(p, encoding, is_header=is_header, settings=settings)


#: Text starting like a spreadsheet formula (``=HYPERLINK(…)``, ``+1``, ``@SUM``, ``-2+3``); a
#: lone ``-``/``--`` and plain negative numbers (``-116.4``) do not count.
FORMULA_START = r"^\s*(?:[=+@]|-(?!-*\s*$)(?!\d+(?:\.\d+)?\s*$))"


def refuse_formula_text(values: pd.Series, *, file, rows, column: str, what: str = "a name or code") -> None:
    """:class:`InputDataError` naming rows and column if a cell starts like a spreadsheet formula.

    Such a cell is not a name; left in, it would run as a formula when a report's Excel file
    or a CSV export is opened (CSV/formula injection)."""
    s = values.astype("string")
    bad = s.str.contains(FORMULA_START, regex=True).to_numpy(dtype=bool, na_value=False)
    if bad.any():
        raise InputDataError(
            f"text that starts like a spreadsheet formula {s[bad].head(3).tolist()} where {what} is expected; "
            "remove the leading = + - @", file=file, row=row_arg(np.asarray(rows)[bad]), column=column)


def drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose cells are all empty/whitespace/NaN (blank lines), keeping the index."""
    blank = np.ones(len(frame), dtype=bool)
    for c in frame.columns:  # loop over columns, not rows
        blank &= (frame[c].astype("string").fillna("").str.strip() == "").to_numpy(dtype=bool)
    return frame[~blank]


def file_errors(func):
    """Decorator for readers whose first argument is a path: any unexpected ``ValueError``,
    ``TypeError``, ``KeyError``, ``OSError`` becomes an :class:`InputDataError` naming the file
    (the original exception stays chained for debugging), so users never see a bare traceback."""
    import csv
    import functools
    import inspect
    import zipfile

    from airlib.errors import AirlibError

    sig = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        sig.bind(*args, **kwargs)  # wrong arguments stay a TypeError (a programming error)
        try:
            return func(*args, **kwargs)
        except AirlibError:
            raise
        except (ValueError, TypeError, KeyError, OSError, csv.Error, zipfile.BadZipFile, RecursionError) as exc:
            path = args[0] if args else kwargs.get("path")
            raise InputDataError(f"cannot read ({type(exc).__name__}: {exc})", file=path) from exc

    return wrapper


def row_arg(rows) -> int | list[int] | None:
    """Row argument for :class:`InputDataError`: ``None`` if empty, an int if one row, else a list."""
    rows = [int(r) for r in rows]
    if not rows:
        return None
    return rows[0] if len(rows) == 1 else rows


def file_row_numbers(n: int) -> np.ndarray:
    """1-based row numbers as seen in the file for ``n`` data rows after a header on row 1."""
    return np.arange(2, n + 2)


# --------------------------------------------------------------------------- date-time cells
#: ``2021年3月15日`` (日 optional) → ``2021-3-15 ``.
_CN_DATE_RE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"
#: ``2021/3/15``, ``2021.3.15`` → ``2021-3-15`` (only at the start: the date part).
_SEP_DATE_RE = r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?=\D|$)"
#: ``8时30分``, ``8点30`` → ``8:30``; ``8时``/``8点`` → ``8:00``.
_CN_HM_RE = r"(\d{1,2})\s*[时点]\s*(\d{1,2})\s*分?"
_CN_H_RE = r"(\d{1,2})\s*[时点]"
#: A text that names a time zone (``Z``, ``+08:00``, ``-0500``) at its end.
_TZ_TAIL_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"
#: The one shape a date (time) text has after :func:`_datetime_texts`: year first, then an
#: optional time and zone. Anything else (``15``, ``03/15/2021``, ``March 15``) is refused
#: rather than guessed.
_DATETIME_SHAPE_RE = (r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                      r"(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?")
#: ``… 24:00`` (end of the day): read as 00:00 of the next day.
_H24_RE = r"^(\d{4}-\d{1,2}-\d{1,2}[ T])24:00(?::00)?(\s?(?:Z|[+-]\d{2}:?\d{2}))?$"
BEIJING_TZ = "Asia/Shanghai"


def _datetime_texts(values: pd.Series) -> pd.Series:
    """Cells → normalised text (vectorised): Excel date/datetime cells via ``str``, NFKC,
    年月日/时分/``/``/``.`` → ISO-like ``YYYY-M-D H:MM``."""
    s = values.astype("string")
    s = s.str.normalize("NFKC").str.replace("\u3000", " ", regex=False).str.strip()
    s = s.str.replace(_CN_DATE_RE, r"\1-\2-\3 ", regex=True)
    s = s.str.replace(_SEP_DATE_RE, r"\1-\2-\3", regex=True)
    s = s.str.replace(_CN_HM_RE, r"\1:\2", regex=True).str.replace(_CN_H_RE, r"\1:00", regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


def parse_datetimes(
    values: pd.Series,
    *,
    file: str | os.PathLike[str] | None,
    column: str,
    rows: Sequence[int] | np.ndarray | None = None,
    dates_only: bool = False,
    required: bool = True,
) -> pd.Series:
    """Date or date-time cells → naive Beijing-time ``datetime64[ns]`` (the one date/time rule
    of every reader; docs/ingestion.md "Dates and times").

    Accepted, cell by cell (vectorised, no per-row loop): ISO (``2021-03-15 08:00``,
    ``2021-03-15T08:00:00``), ``/`` and ``.`` separators (``2021/3/15 8:00``, ``2021.03.15``),
    年月日 with 时/点 and 分 (``2021年3月15日8时30分``, ``日`` optional), full-width digits,
    ``24:00`` (00:00 of the next day, as in the hourly readers), Excel date/datetime cells,
    and texts or cells carrying a time zone (``Z``, ``+00:00``), which are converted to
    Beijing time (UTC+8) and made naive. A text without a zone is Beijing time already;
    mixing texts with and without a zone in one column is an error (as in the hourly
    readers). Only year-first forms are read: ``15``, ``03/15/2021`` or ``March 15`` are
    refused, not guessed.

    Parameters
    ----------
    values : Series
        The cells of one column, as read (strings, ``datetime``/``Timestamp`` or a
        ``datetime64`` column).
    file, column : str
        Named in the error.
    rows : array of int, optional
        File rows of ``values`` (as Excel shows them); default: ``values.index`` (the row
        numbers :func:`read_any_table` gives).
    dates_only : bool
        True: the column holds days: a time of day other than 00:00 (in text or cell) is
        refused; the result is at midnight.
    required : bool
        True: an empty cell is an error; False: it becomes ``NaT``.

    Returns
    -------
    Series
        ``datetime64[ns]``, naive Beijing time, on ``values.index``.

    Raises
    ------
    InputDataError
        Naming the file, the first five rows, the column and the expected form (the message
        shows the first three cells), for a cell that is not a date (time), a time of day
        where only a date is allowed, an empty cell where ``required``, or zoned and
        zone-less texts in one column.
    """
    rows_a = np.asarray(values.index if rows is None else rows)

    def where(mask: np.ndarray) -> tuple[int | list[int] | None, str]:
        n = int(mask.sum())
        return row_arg(rows_a[mask][:5]), (f" ({n} cells; the first 5 rows named)" if n > 5 else "")
    what = "a date" if dates_only else "a date and time"
    example = ("2021-03-15 (also 2021/3/15, 2021.3.15, 2021年3月15日)" if dates_only else
               "2021-03-15 08:00 (also 2021/3/15 8:00, 2021年3月15日8时30分, 2021-03-15T08:00+08:00)")
    at24 = np.zeros(len(values), dtype=bool)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        t = values.dt.tz_convert(BEIJING_TZ).dt.tz_localize(None)
        empty = t.isna().to_numpy()
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        t = values
        empty = t.isna().to_numpy()
    else:
        s = _datetime_texts(values)
        empty_s = s.isna() | (s == "") | s.isin(["NaT", "nan", "None"])
        s = s.mask(empty_s)
        # 24:00 is 00:00 of the next day (as in the hourly readers, docs/ingestion.md)
        at24 = s.str.fullmatch(_H24_RE).fillna(False).to_numpy(dtype=bool)
        s = s.str.replace(_H24_RE, r"\g<1>00:00\g<2>", regex=True)
        shaped = s.str.fullmatch(_DATETIME_SHAPE_RE).fillna(False).to_numpy(dtype=bool)
        zoned = (s.str.contains(_TZ_TAIL_RE, regex=True).fillna(False).to_numpy(dtype=bool)) & shaped
        if zoned.any() and (shaped & ~zoned).any():
            mixed = shaped & ~zoned
            row, more = where(mixed)
            raise InputDataError(
                f"the column mixes times with a UTC offset ({values[zoned].astype(str).head(1).tolist()[0]}) and "
                f"without one ({values[mixed].astype(str).head(3).tolist()}{more}); the offset-less ones would be "
                "taken as Beijing time: write every time with its offset, or all in Beijing time without one",
                file=file, row=row, column=column)
        t = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        plain = shaped & ~zoned
        if plain.any():
            t[plain] = pd.to_datetime(s[plain], errors="coerce", format="mixed").astype("datetime64[ns]")
        if zoned.any():
            z = pd.to_datetime(s[zoned], errors="coerce", format="mixed", utc=True)
            t[zoned] = z.dt.tz_convert(BEIJING_TZ).dt.tz_localize(None).astype("datetime64[ns]")
        t[at24] = t[at24] + pd.Timedelta(days=1)
        bad = (~empty_s).to_numpy() & t.isna().to_numpy()
        if bad.any():
            row, more = where(bad)
            raise InputDataError(
                f"not {what}: cannot read {values[bad].astype(str).head(3).tolist()}{more}; write it as {example}",
                file=file, row=row, column=column)
        empty = empty_s.to_numpy()
    t = pd.to_datetime(t).astype("datetime64[ns]")
    if dates_only:
        timed = (t.notna() & (t != t.dt.normalize())).to_numpy() | at24
        if timed.any():
            row, more = where(timed)
            raise InputDataError(
                f"not {what}: {values[timed].astype(str).head(3).tolist()}{more} has a time of day; write the "
                f"day alone, e.g. {example}", file=file, row=row, column=column)
    if required and empty.any():
        row, more = where(empty)
        raise InputDataError(f"empty {'date' if dates_only else 'time'}: the cell needs {what}{more}; write it as "
                             f"{example}", file=file,
                             row=row, column=column)
    return t


def find_columns(
    headers: Sequence[object],
    aliases: Mapping[str, Sequence[str]],
    *,
    required: Sequence[str] = (),
    file: str | os.PathLike[str] | None = None,
    what: str = "the table",
    key=None,
    repeated: str = "first",
) -> dict[str, str]:
    """The header of each field, found by its aliases (the one "find columns by header
    aliases" rule of the readers).

    Headers and aliases are compared after :func:`normalise_header` (or ``key``, a function
    applied to the header first, e.g. one that strips a unit the generic rule does not know).
    Per field the aliases are tried in order (the most specific first); a header already taken
    by an earlier field is not used again. ``repeated="error"``: two headers of one field
    (``TSP`` and ``浓度``) are an error instead of the most specific one winning.

    Returns
    -------
    dict
        field → header as in the file, for the fields found.

    Raises
    ------
    InputDataError
        A field of ``required`` not found: names every missing field with its first aliases
        and the headers found; with ``repeated="error"``, two headers giving one field.
    """
    if repeated not in ("first", "error"):
        raise ValueError(f"repeated must be 'first' or 'error', not {repeated!r}")
    keyf = normalise_header if key is None else (lambda h: normalise_header(key(h)))
    by_key: dict[str, str] = {}
    for h in headers:
        by_key.setdefault(keyf(h), str(h))
    found: dict[str, str] = {}
    for field, names in aliases.items():
        if repeated == "error":
            keys = {normalise_header(n) for n in names}
            both = [str(h) for h in headers if keyf(h) in keys]
            if len(both) > 1:
                raise InputDataError(f"columns {both[0]!r} and {both[1]!r} both give {field!r}; keep one", file=file,
                                     column=both[1])
        for n in names:
            h = by_key.get(normalise_header(n))
            if h is not None and h not in found.values():
                found[field] = h
                break
    missing = [f for f in required if f not in found]
    if missing:
        wanted = "; ".join(f"{f}: one of " + "、".join(aliases[f][:4]) for f in missing)
        raise InputDataError(
            f"missing column(s) — {what} lacks column(s) named {wanted}; headers found: {[str(h) for h in headers]}",
            file=file)
    return found
