"""The main job on the demo district: generate → ingest → monthly summary.

The functions here back the ``airlib generate-demo``, ``airlib ingest demo``,
``airlib summary`` and ``airlib demo`` subcommands. They print progress in Chinese and raise
:class:`airlib.errors.AirlibError` subclasses on bad input (the console script turns those into
a one-line message and exit status 2).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from airlib.errors import AirlibError, InputDataError

__all__ = [
    "DATASET",
    "ingest_demo",
    "format_summary",
    "cmd_generate_demo",
    "cmd_ingest_demo",
    "cmd_summary",
    "cmd_demo",
    "check_writable",
    "write_demo_tasks",
]

DATASET = "demo"


def _raw(raw: str | Path | None) -> Path:
    from airlib.paths import raw_dir

    return Path(raw) if raw is not None else raw_dir() / DATASET


def _processed(processed: str | Path | None) -> Path:
    from airlib.paths import processed_dir

    return Path(processed) if processed is not None else processed_dir()


def _check_demo_store(folder: Path) -> None:
    """Refuse to replace a store folder that holds anything but the synthetic demo.

    The demo store is rebuilt from scratch (no month of an older, longer run survives); that is
    allowed only when its manifest lists nothing but ``synthetic_*`` sources, or when the folder
    holds nothing but the store's own bookkeeping. Anything else raises
    :class:`InputDataError` rather than replacing data.
    """
    import json

    from airlib.io.store import CURRENT, VERSIONS_DIR, dataset_dir

    if not folder.exists():
        return
    manifest = dataset_dir(folder.parent, folder.name) / "manifest.json"
    sources: dict = {}
    if manifest.exists():
        try:
            sources = json.loads(manifest.read_text(encoding="utf-8")).get("sources", {})
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            sources = {"?": None}
    own = {".lock", VERSIONS_DIR, CURRENT}
    if any(not str(name).startswith("synthetic_") for name in sources) or (
        not manifest.exists() and any(p.name not in own for p in folder.iterdir())
    ):
        raise InputDataError(
            "this store folder holds data that are not the synthetic demo; choose another "
            "--processed folder or dataset", file=folder)


def ingest_demo(raw: str | Path | None = None, processed: str | Path | None = None,
                dataset: str = DATASET) -> dict[str, object]:
    """Read the demo CSVs (``synthetic_*.csv``) into the store ``<processed>/<dataset>``.

    The demo store is rebuilt from scratch, in one store transaction (the new version replaces
    the earlier demo store all at once, or on any error or crash nothing changes; a folder
    holding other data is refused). Uses the generic bureau readers (:func:`airlib.io.ingest.read_station_table`, ``read_towns``,
    ``read_stations``): the demo files are read exactly like a bureau's export, hour-beginning
    labels, sentinels and negatives set to NaN by the reader's QC.

    Returns
    -------
    dict
        ``files`` read, ``rows`` written, QC counts summed over files (``negatives``,
        ``sentinels``), ``stations``, ``towns``.
    """
    from airlib.io.ingest import read_station_table, read_stations, read_towns
    from airlib.io.store import transaction

    src = _raw(raw)
    root = _processed(processed)
    towns_csv, stations_csv = src / "synthetic_towns.csv", src / "synthetic_stations.csv"
    for f in (towns_csv, stations_csv):
        if not f.exists():
            raise InputDataError("demo file not found; run `airlib generate-demo` first", file=f)
    files = sorted(src.glob("synthetic_hourly_*.csv"))
    if not files:
        raise InputDataError("no synthetic_hourly_*.csv files; run `airlib generate-demo` first", file=src)
    towns = read_towns(towns_csv)
    stations = read_stations(stations_csv, towns=towns)
    _check_demo_store(root / dataset)
    rows = 0
    qc: dict[str, int] = {}
    with transaction(root, dataset, replace=True) as tx:
        _check_demo_store(root / dataset)  # again, under the write lock
        tx.write_registry(towns, "towns")
        tx.write_registry(stations, "stations")
        for f in files:  # one file at a time in memory; each is staged, published together
            hourly, report = read_station_table(f, hour_label="beginning", stations=stations)
            tx.write_hourly(hourly, source=f.name, inputs=[f], hour_label="beginning", qc=report.to_dict())
            rows += len(hourly)
            for key, value in report.to_dict().items():
                if isinstance(value, dict) and key in ("negative", "sentinel", "implausible"):
                    qc[key] = qc.get(key, 0) + int(sum(value.values()))
    return {"files": [f.name for f in files], "rows": rows, "qc": qc,
            "stations": len(stations), "towns": len(towns)}


def format_summary(table: pd.DataFrame, month: pd.Period) -> str:
    """Render the summary table as aligned Chinese text (NaN shown as ``—``)."""
    from airlib.standards.rounding import published_precision

    dec = int(published_precision("pm25", month.start_time))
    shown = table.drop(columns=["镇街代码"]).copy()
    shown["PM2.5月均值"] = ["—" if pd.isna(v) else f"{v:.{dec}f}" for v in shown["PM2.5月均值"]]
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200,
                           "display.max_columns", 50):
        body = shown.to_string(index=False)
    return f"{month.year}年{month.month}月 各镇街空气质量汇总（PM2.5 单位 µg/m³）\n{body}"


def check_writable(folder: Path, option: str) -> None:
    """Check that ``folder`` can be created and written before a long job starts.

    Raises
    ------
    AirlibError
        The folder (or a parent) is read-only, not writable, or the disk is full; the message
        names the folder and the option that chooses another.
    """
    import tempfile

    from airlib.errors import describe_os_error

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".airlib-write-test-") as fh:
            fh.write(b"x")
            fh.flush()
    except OSError as exc:
        raise AirlibError(f"cannot write to {folder}: {describe_os_error(exc)} Use {option} to choose "
                          "another folder.") from exc


def write_demo_tasks(folder: str | Path, end: str | pd.Period) -> tuple[list[Path], list[Path]]:
    """Write the demo's SYNTHETIC current plans and the ledgers of every demo plan.

    ``<folder>/plans/synthetic_annual.yaml`` and ``synthetic_autumn_winter.yaml``
    (:func:`airlib.demo.synthetic_plans.write_synthetic_plans`, following ``end``) and
    ``<folder>/ledgers/<plan id>/`` (:func:`airlib.demo.ledgers.write_all_demo_ledgers`). Used
    by ``airlib generate-demo`` and by anything that builds a demo project (benchmarks, tests),
    so that a demo project always has its own plans.

    Returns
    -------
    tuple of list of Path
        The plan files and the ledger files written.
    """
    from airlib.demo.ledgers import write_all_demo_ledgers
    from airlib.demo.synthetic_plans import write_synthetic_plans

    folder = Path(folder)
    plans = write_synthetic_plans(folder / "plans", end)
    return plans, write_all_demo_ledgers(folder / "ledgers", plans, end)


def cmd_generate_demo(end: str | None, out: str | None, seed: int | None) -> int:
    """``airlib generate-demo``."""
    from airlib.demo.generator import DEFAULT_SEED, write_demo

    t0 = time.perf_counter()
    check_writable(_raw(out), "--out")
    res = write_demo(out, end=end, seed=DEFAULT_SEED if seed is None else seed)
    plans, ledgers = write_demo_tasks(res.folder, res.end)
    print(f"已生成合成示例方案（SYNTHETIC）：{'、'.join(p.name for p in plans)} → {Path(res.folder) / 'plans'}")
    print(f"已生成演示任务台账（合成）：{len(ledgers)} 个月度文件 → {Path(res.folder) / 'ledgers'}/<方案编号>/")
    size = sum(f.stat().st_size for f in res.files)
    print(f"已生成合成演示数据（非真实监测数据）：{res.folder}  期末 {res.end}  种子 {res.seed}  "
          f"{res.rows:,} 行  {len(res.files)} 个文件  {size / 1e6:.1f} MB  "
          f"用时 {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_ingest_demo(raw: str | None, processed: str | None) -> int:
    """``airlib ingest demo``."""
    t0 = time.perf_counter()
    check_writable(_processed(processed), "--processed")
    info = ingest_demo(raw, processed)
    names = {"negative": "负值", "sentinel": "缺测代码", "implausible": "超出合理范围"}
    qc = "，".join(f"{names.get(k, k)} {v} 个" for k, v in info["qc"].items()) or "无"
    print(f"已入库 {DATASET}：{len(info['files'])} 个文件，{info['rows']:,} 行，"
          f"{info['stations']} 个站点，{info['towns']} 个镇街；质控置空：{qc}；"
          f"用时 {time.perf_counter() - t0:.1f} s → {_processed(processed) / DATASET}")
    return 0


def cmd_summary(dataset: str, month: str, processed: str | None) -> int:
    """``airlib summary --dataset D --month YYYY-MM``."""
    from airlib.io.store import read_hourly, read_registry
    from airlib.periods import parse_month
    from airlib.tracking.summary import month_summary

    from airlib.report.config import check_folder_name

    p = parse_month(month, "--month")
    try:
        check_folder_name(dataset, "--dataset")
    except ValueError as exc:
        raise AirlibError(str(exc)) from None
    root = _processed(processed)
    hourly = read_hourly(root, dataset, start=str(p), end=str(p))
    if hourly.empty:
        raise InputDataError(f"no hourly data for {p} in dataset {dataset!r}", file=root / dataset)
    stations = read_registry(root, dataset, "stations")
    towns = read_registry(root, dataset, "towns")
    try:
        table = month_summary(hourly, stations, towns, p)
    except ImportError as exc:  # a module of the chain is missing from this checkout
        raise AirlibError(f"summary needs a module that is not available: {exc}") from exc
    print(format_summary(table, p))
    return 0


def cmd_demo(end: str | None, raw: str | None, processed: str | None, seed: int | None) -> int:
    """``airlib demo``: generate-demo, ingest demo, summary of the last generated month."""
    from airlib.demo.generator import _parse_end

    end_p = _parse_end(end)
    check_writable(_raw(raw), "--raw")
    check_writable(_processed(processed), "--processed")
    cmd_generate_demo(str(end_p), raw, seed)
    cmd_ingest_demo(raw, processed)
    rc = cmd_summary(DATASET, str(end_p), processed)
    sys.stdout.flush()
    return rc
