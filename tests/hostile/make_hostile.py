"""Write the hostile-input set: broken, odd and malicious files that airlib must answer well.

Every case is a file (or a few) that a careless or hostile user could hand to airlib, with
what airlib must do: refuse it with a clear message (exit code 2, the file named, no Python
traceback) or read it correctly. ``tests/hostile/test_hostile.py`` runs every case in CI;
the files are generated (never committed), so the set stays small in the repository and the
large ones (a 40 MB CSV line, an XLSX whose sheet inflates to 250 MB) cost nothing to keep.

Run by hand to look at the files::

    python tests/hostile/make_hostile.py /tmp/hostile      # writes the files and cases.json

Cases come from issue #10 (hostile and broken inputs). Each case is a :class:`Case`:

- ``kind``: ``"ingest"`` (``airlib ingest table``), ``"report"`` (``airlib report`` against a
  project whose ``districts.yaml`` is the hostile file), ``"plan"`` / ``"ledger"`` /
  ``"boundaries"`` (the library reader named in ``call``), ``"cli"`` (any other command line);
- ``expect``: ``"error"`` (exit 2 / ``InputDataError``; ``mentions`` must all occur in the
  message) or ``"ok"`` (exit 0, then the test's checker of the same name verifies what was
  stored).
"""

from __future__ import annotations

import json
import random
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Valid registries shared by the ingest cases (CSV, UTF-8, Chinese headers).
TOWNS_CSV = (
    "街乡代码,街乡名称,区代码,区名称,类型,别名\n"
    "110109005,王平地区,110109,门头沟区,地区,王平镇|王平\n"
    "110109001,大峪街道,110109,门头沟区,街道,大峪\n"
)
STATIONS_CSV = (
    "站点编号,站点名称,街乡代码,经度,纬度\n"
    "S1,王平站,王平镇,116.0,39.9\n"
    "S2,大峪站,110109001,116.1,39.94\n"
)

#: A valid districts.yaml entry (paths inside the project) that the report cases spoil.
DISTRICT_YAML = """districts:
  - name: 测试区
    district_code: "110109"
    dataset: hostile
    boundaries: data/raw/hostile/towns.geojson
    bottom_n: 3
"""


@dataclass
class Case:
    """One hostile input and what airlib must do with it."""

    name: str
    kind: str
    files: list[str]
    argv: list[str] = field(default_factory=list)
    expect: str = "error"
    mentions: list[str] = field(default_factory=list)
    call: str = ""
    why: str = ""
    #: strings that must NOT occur in the message (e.g. the error is about the name, not about
    #: missing data found after a silent fallback)
    absent: list[str] = field(default_factory=list)
    #: the message must contain at least one of these (alternative correct answers), if given
    any_of: list[str] = field(default_factory=list)


def _hourly_rows(sep: str = ",", n_hours: int = 24, day: str = "2018-01-01") -> list[str]:
    rows = [sep.join(["站点", "时间", "PM2.5", "CO"])]
    for st in ("S1", "S2"):
        for h in range(n_hours):
            rows.append(sep.join([st, f"{day} {h:02d}:00", str(40 + h), "0,8" if sep == ";" else "0.8"]))
    return rows


def _write(path: Path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return path.name


def _xlsx(path: Path, rows: list[list[object]]) -> str:
    """A small workbook written by openpyxl (formulas are stored without cached values)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path.name


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
        '"xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"'
        '/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _inflating_xlsx(path: Path, inflated_bytes: int) -> str:
    """A well-formed XLSX whose one sheet XML inflates to ``inflated_bytes`` (a zip bomb)."""
    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>站点</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>时间</t></is></c>'
            '<c r="C1" t="inlineStr"><is><t>PM2.5</t></is></c></row>')
    tail = "</sheetData></worksheet>"
    # Rows with an empty inline-string cell: valid XML, huge when inflated, tiny when deflated.
    chunk = ('<row><c t="inlineStr"><is><t></t></is></c></row>' * 20_000).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, text in _XLSX_PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(head.encode())
            written = len(head)
            while written < inflated_bytes:
                f.write(chunk)
                written += len(chunk)
            f.write(tail.encode())
    return path.name


def _alias_bomb(levels: int = 9, fan: int = 9) -> str:
    """A YAML 'billion laughs': ``fan ** levels`` expansions of a few bytes."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * fan)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"districts: *a{levels}")
    return "\n".join(lines) + "\n"


def _geojson(features: list[tuple[dict | None, dict]], crs: str | None = None) -> str:
    doc: dict = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": p} for g, p in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc, ensure_ascii=False)


def _square(x0: float, y0: float, d: float) -> dict:
    return {"type": "Polygon",
            "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}


def _bowtie(x0: float, y0: float, d: float) -> dict:
    return {"type": "Polygon",
            "coordinates": [[[x0, y0], [x0 + d, y0 + d], [x0 + d, y0], [x0, y0 + d], [x0, y0]]]}


def make(out: str | Path) -> list[Case]:
    """Write every hostile file into ``out`` and return the cases (also as ``cases.json``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(20261127)
    (out / "towns.csv").write_text(TOWNS_CSV, encoding="utf-8")
    (out / "stations.csv").write_text(STATIONS_CSV, encoding="utf-8")
    cases: list[Case] = []

    def ingest(name: str, file: str, *, expect: str = "error", mentions: list[str] | None = None,
               extra: list[str] | None = None, why: str = "") -> None:
        argv = ["ingest", "table", "{dir}/" + file, "--dataset", "hostile", "--towns", "{dir}/towns.csv",
                "--stations", "{dir}/stations.csv", "--processed", "{store}", *(extra or [])]
        cases.append(Case(name, "ingest", [file], argv, expect,
                          mentions if mentions is not None else [file], why=why))

    # ---------------------------------------------------------------- station-hour tables
    ingest("csv_random_bytes", _write_bytes(out / "random.csv", rnd.randbytes(4096)),
           why="random bytes named .csv")
    big = out / "long_line.csv"
    with big.open("wb") as f:
        f.write(b"\xe7\xab\x99\xe7\x82\xb9,\xe6\x97\xb6\xe9\x97\xb4,PM2.5\n")  # 站点,时间,PM2.5
        f.write(b"S1,2018-01-01 00:00," + b"9" * (40 * 1024 * 1024) + b"\n")
    ingest("csv_line_40mb", big.name, why="one 40 MB line (was a _csv.Error traceback)")
    ingest("xlsx_inflates_250mb", _inflating_xlsx(out / "bomb.xlsx", 250 * 1024 * 1024),
           why="sheet XML inflates to 250 MB (ran past two minutes and 600 MB)")
    good = out / "good.xlsx"
    _xlsx(good, [["站点", "时间", "PM2.5"], *[["S1", f"2018-01-01 {h:02d}:00", 40 + h] for h in range(24)]])
    data = good.read_bytes()
    _write_bytes(out / "truncated.xlsx", data[: len(data) // 2])
    ingest("xlsx_truncated", "truncated.xlsx", why="a workbook cut in half (BadZipFile)")
    ingest("xlsx_formula_without_cached_value",
           _xlsx(out / "formulas.xlsx", [["站点", "时间", "PM2.5"],
                                         *[["S1", f"2018-01-01 {h:02d}:00", f"={40 + h}+0"] for h in range(24)]]),
           mentions=["formulas.xlsx", "formula"],
           why="formulas saved without cached values must not become missing values without a word")
    rows = _hourly_rows()
    rows[3] = "S1,2018-01-01 02:00,1e9,0.8"
    rows[4] = "S1,2018-01-01 03:00,42,1e6"
    rows[5] = "S1,2018-01-01 04:00,inf,0.8"
    ingest("implausible_values", _write(out / "implausible.csv", "\n".join(rows) + "\n"), expect="ok",
           why="PM2.5 = 1e9, CO = 1e6 mg/m3, inf: flagged and stored as missing, counted in QC")
    rows = _hourly_rows(day="2099-01-01")
    ingest("year_2099", _write(out / "y2099.csv", "\n".join(rows) + "\n"), mentions=["y2099.csv", "2099"],
           why="a year in the future")
    rows = _hourly_rows(sep=";")
    rows[1] = "S1;2018-01-01 00:00;45,3;0,8"
    ingest("semicolon_decimal_comma", _write(out / "semicolon.csv", "\n".join(rows) + "\n"), expect="ok",
           why='"45,3" with ";" separators must read 45.3, not 453')
    rows = ["站点,时间,PM2.5"] + [f"S1,{d:02d}/01/2018 {h:02d}:00,{40 + h}"
                                  for d in (12, 13) for h in range(24)]
    ingest("day_first_dates", _write(out / "dayfirst.csv", "\n".join(rows) + "\n"), expect="ok_or_error",
           mentions=["dayfirst.csv"], why="13/01/2018 is day-first: never 2018-12-01 or 2018-01-12 month-first")
    rows = ["站点,时间,PM2.5"] + [f"S1,01/02/2018 {h:02d}:00,{40 + h}" for h in range(24)]
    ingest("ambiguous_dates", _write(out / "ambiguous.csv", "\n".join(rows) + "\n"),
           mentions=["ambiguous.csv", "--time-format"], why="01/02/2018 could be 1 Feb or 2 Jan: refuse, ask")
    ingest("ambiguous_dates_declared", "ambiguous.csv", expect="ok",
           extra=["--time-format", "%d/%m/%Y %H:%M"], why="the same file with its format declared")
    ingest("utc_source_declared", _write(out / "utc.csv", "\n".join(_hourly_rows()) + "\n"), expect="ok",
           extra=["--timezone", "UTC"], why="a source on UTC is stored in Beijing time (+8 h)")
    cases.append(Case(
        "readme_argument_order", "ingest", ["utc.csv"],
        ["ingest", "table", "--dataset", "hostile", "--towns", "{dir}/towns.csv", "--stations",
         "{dir}/stations.csv", "--processed", "{store}", "{dir}/utc.csv"], "ok",
        why="the README's own example puts the files last"))
    _write(out / "stations_id_name.csv", "站点,站点名称,街乡代码,经度,纬度\nS1,王平站,王平镇,116.0,39.9\n"
           "S2,大峪站,110109001,116.1,39.94\n")
    cases.append(Case(
        "station_list_id_and_name", "ingest", ["stations_id_name.csv"],
        ["ingest", "table", "{dir}/utc.csv", "--dataset", "hostile", "--towns", "{dir}/towns.csv",
         "--stations", "{dir}/stations_id_name.csv", "--processed", "{store}"], "ok",
        why="站点 is the id and 站点名称 the name, as in the hourly files"))
    _xlsx(out / "towns_formula.xlsx", [["街乡代码", "街乡名称", "区代码", "区名称"],
                                       ["110109005", '=HYPERLINK("http://example.invalid","王平地区")',
                                        "110109", "门头沟区"],
                                       ["110109001", "大峪街道", "110109", "门头沟区"]])
    cases.append(Case(
        "registry_formula_town_name", "ingest", ["towns_formula.xlsx"],
        ["ingest", "table", "{dir}/utc.csv", "--dataset", "hostile", "--towns", "{dir}/towns_formula.xlsx",
         "--stations", "{dir}/stations.csv", "--processed", "{store}"], "error",
        ["towns_formula.xlsx"], why="a formula as a town name became <NA>"))

    # ---------------------------------------------------------------- districts.yaml
    def report(name: str, file: str, *, district: str = "测试区", mentions: list[str] | None = None,
               why: str = "", absent: list[str] | None = None, any_of: list[str] | None = None) -> None:
        cases.append(Case(name, "report", [file], ["report", "--district", district, "--month", "2018-01"],
                          "error", mentions if mentions is not None else ["districts"], why=why,
                          absent=absent if absent is not None else ["unknown district"],
                          any_of=any_of or []))

    # GBK: decoding it (then: no data for 测试区 in this empty project) or refusing it by name are both right
    report("districts_gbk", _write(out / "districts_gbk.yaml", DISTRICT_YAML, "gbk"), mentions=[],
           any_of=["districts.yaml", "测试区"], why="GBK-encoded (UnicodeDecodeError)")
    report("districts_random_bytes", _write_bytes(out / "districts_random.yaml", rnd.randbytes(2048)),
           why="random bytes")
    report("districts_deep", _write(out / "districts_deep.yaml", "districts: " + "[" * 20_000 + "]" * 20_000),
           why="nested 20,000 levels (RecursionError)")
    report("districts_alias_bomb", _write(out / "districts_bomb.yaml", _alias_bomb()),
           why="alias bomb (TypeError)")
    report("districts_bottom_n_text", _write(out / "districts_bottom_n.yaml",
                                             DISTRICT_YAML.replace("bottom_n: 3", 'bottom_n: "abc"')),
           mentions=["districts", "bottom_n"], why='bottom_n: "abc" failed inside the notebook')
    report("districts_name_traversal", _write(out / "districts_traversal.yaml",
                                              DISTRICT_YAML.replace("测试区", "../data/raw/x")),
           district="../data/raw/x", mentions=["../data/raw/x"], absent=["unknown district", "no processed data"],
           why="a district name that walks out of reports/")
    report("district_empty_name", _write(out / "districts_ok.yaml", DISTRICT_YAML), district="", mentions=["--district"],
           absent=["no processed data"], why="--district '' silently reported the default district")

    # ---------------------------------------------------------------- plan files
    def plan(name: str, file: str, why: str) -> None:
        cases.append(Case(name, "plan", [file], expect="error", mentions=[file], call="airlib.io.plans.load_plan",
                          why=why))

    src = (Path(__file__).resolve().parents[2] / "data/raw/plans/mentougou_2017_autumn_winter.yaml")
    plan("plan_gbk", _write(out / "plan_gbk.yaml", src.read_text(encoding="utf-8"), "gb18030"),
         "GB18030-encoded plan: read it right or say to save as UTF-8")
    plan("plan_random_bytes", _write_bytes(out / "plan_random.yaml", rnd.randbytes(2048)), "random bytes")
    plan("plan_deep", _write(out / "plan_deep.yaml", "tasks: " + "[" * 20_000 + "]" * 20_000), "deep nesting")
    plan("plan_alias_bomb", _write(out / "plan_bomb.yaml", _alias_bomb().replace("districts:", "tasks:")),
         "alias bomb")

    # ---------------------------------------------------------------- ledgers
    cases.append(Case("ledger_truncated", "ledger", ["truncated.xlsx"], expect="error",
                      mentions=["truncated.xlsx"], call="airlib.io.ledgers.read_ledger",
                      why="a truncated ledger workbook (BadZipFile)"))
    cases.append(Case("ledger_random_bytes", "ledger", ["random.csv"], expect="error",
                      mentions=["random.csv"], call="airlib.io.ledgers.read_ledger", why="random bytes"))

    # ---------------------------------------------------------------- boundary files
    def bounds(name: str, file: str, why: str, mentions: list[str] | None = None) -> None:
        cases.append(Case(name, "boundaries", [file], expect="error",
                          mentions=mentions if mentions is not None else [file],
                          call="airlib.report.maps.load_boundaries", why=why))

    ok_a = ({"town_code": "110109005"}, {"town_code": "110109001"})
    bounds("bounds_null_geometry", _write(out / "b_null.geojson", _geojson(
        [(None, ok_a[0]), (_square(116.05, 39.93, 0.02), ok_a[1])])), "a feature without geometry")
    bounds("bounds_self_intersecting", _write(out / "b_bowtie.geojson", _geojson(
        [(_bowtie(115.9, 39.9, 0.05), ok_a[0]), (_square(116.05, 39.93, 0.02), ok_a[1])])),
        "a self-intersecting (bow-tie) polygon")
    bounds("bounds_metres_declared_degrees", _write(out / "b_metres.geojson", _geojson(
        [(_square(12_910_000, 4_850_000, 3000), ok_a[0]), (_square(12_920_000, 4_850_000, 3000), ok_a[1])],
        crs="urn:ogc:def:crs:OGC:1.3:CRS84")), "coordinates in metres under a WGS84 declaration")
    bounds("bounds_degrees_declared_3857", _write(out / "b_3857.geojson", _geojson(
        [(_square(115.9, 39.9, 0.05), ok_a[0]), (_square(116.05, 39.93, 0.02), ok_a[1])],
        crs="urn:ogc:def:crs:EPSG::3857")), "degrees under an EPSG:3857 declaration")
    bounds("bounds_in_paris", _write(out / "b_paris.geojson", _geojson(
        [(_square(2.30, 48.85, 0.02), ok_a[0]), (_square(2.33, 48.85, 0.02), ok_a[1])])),
        "polygons in Paris")
    bounds("bounds_unknown_codes", _write(out / "b_codes.geojson", _geojson(
        [(_square(115.9, 39.9, 0.05), {"town_code": "110109999"}), (_square(116.05, 39.93, 0.02), ok_a[1])])),
        "a town code that is not in the registry", mentions=["b_codes.geojson", "110109999"])

    # ---------------------------------------------------------------- other commands
    cases.append(Case("generate_demo_read_only", "cli", [], ["generate-demo", "--end", "2016-01", "--out",
                                                             "{readonly}/demo"], "error", ["{readonly}"],
                      why="generate-demo into a read-only folder (OSError)"))

    (out / "cases.json").write_text(json.dumps([asdict(c) for c in cases], ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    return cases


def _write_bytes(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return path.name


if __name__ == "__main__":  # pragma: no cover - manual use
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")
    made = make(target)
    print(f"{len(made)} hostile cases written to {target}")
