"""Where the time of a monthly report goes, step by step, and ``--all`` over N districts.

Usage (from the repository root)::

    python -m benchmarks.report --home /tmp/bench-home --month 2017-12            # one report
    python -m benchmarks.report --home /tmp/bench-home --month 2017-12 --all 17   # 17 districts

``--home`` is a project with the demo store (``airlib demo`` or the ``demo_home`` test
fixture); without ``--home`` a short demo (2015-10 … ``--month``) is written into a
temporary folder first. ``--all N`` builds a temporary project whose
``data/raw/districts.yaml`` lists N districts (基准区01 … ) that reuse the demo's store,
boundaries and ledgers through symbolic links, then times
:func:`airlib.report.running.run_all` over them.

One report is timed by :func:`airlib.report.running.run_report` itself
(``ReportResult.timings``, :data:`airlib.report.running.TIMED_STEPS`: checks, kernel start
and shut-down, every notebook cell as ``cell:<section>``, HTML conversion, Chromium, publishing).
The harness adds the imports a fresh ``airlib report`` process pays before the run
(``imports``: airlib's runner, papermill, nbconvert) and the kernel's own imports
(``kernel imports``: ``airlib.report.sections`` in a fresh interpreter). No number here is
asserted anywhere; ``tests/report/test_benchmark_report.py`` only checks that every step is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["STEPS", "all_districts", "fake_districts_project", "main", "one_report", "write_demo_home"]

#: Steps every one-report measurement reports (besides the notebook cells ``cell:<section>``).
STEPS: tuple[str, ...] = ("imports", "kernel imports", "checks", "kernel", "html", "chromium", "publish")


def write_demo_home(home: Path, end: str) -> Path:
    """Write a short demo project (2015-10 … ``end``) into ``home`` (about 10 s)."""
    from airlib.demo.generator import write_demo
    from airlib.demo.main_job import ingest_demo, write_demo_tasks

    raw = home / "data" / "raw" / "demo"
    write_demo(raw, end=end)
    ingest_demo(raw, home / "data" / "processed")
    write_demo_tasks(raw, end)  # the demo's own synthetic plans and ledgers, as generate-demo writes them
    return home


def _import_seconds(code: str) -> float:
    """Seconds a fresh interpreter spends on ``code`` (imports), measured inside it."""
    prog = f"import time\nt = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    res = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, env=env, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def one_report(home: Path, district: str, month: str) -> dict[str, float]:
    """Time one report of ``district`` and ``month`` in project ``home`` by step.

    Returns
    -------
    dict of str to float
        Seconds per step [s]: :data:`STEPS`, ``cell:<section>`` for every notebook cell,
        and ``total`` (the run itself, without ``imports``/``kernel imports``, which are
        measured in separate fresh interpreters).
    """
    from airlib.report.running import run_report

    out: dict[str, float] = {
        "imports": _import_seconds("from airlib.report.rendering import skip_unused_imports\n"
                                   "skip_unused_imports()\nimport airlib.report.running, papermill, nbconvert"),
        "kernel imports": _import_seconds("import airlib.report.sections"),
    }
    r = run_report(district, month, project_root=home)
    out.update(r.timings)
    out["total"] = r.seconds
    return out


def fake_districts_project(demo_home: Path, dest: Path, n: int) -> list[str]:
    """A project in ``dest`` with ``n`` configured districts sharing the demo's data.

    ``data/processed`` and the demo's boundaries, plans and ledgers are hard links to
    ``demo_home``'s files (copies across file systems; symbolic links would point outside the
    project, which the configuration refuses); the districts ``基准区01`` … are copies of the built-in demo district (same store,
    boundaries, plans and ledgers) under other names, so each gets its own report folder.
    """
    from airlib.report.config import DEMO

    import shutil

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    (dest / "data" / "raw").mkdir(parents=True, exist_ok=True)
    for rel in ("data/processed", "data/raw/demo/boundaries", "data/raw/demo/ledgers", "data/raw/demo/city",
                "data/raw/demo/plans", "data/raw/plans"):
        src = demo_home / rel
        if src.exists() and not (dest / rel).exists():
            shutil.copytree(src, dest / rel, symlinks=True, copy_function=link_or_copy)  # store: relative "current" link
    names = [f"基准区{i:02d}" for i in range(1, n + 1)]
    lines = ["districts:"]
    for name in names:
        lines += [
            f"  - name: {name}", f'    district_code: "{DEMO.district_code}"', f"    dataset: {DEMO.dataset}",
            f"    boundaries: {DEMO.boundaries}", f"    boundary_code_column: {DEMO.boundary_code_column}",
            f"    bottom_n: {DEMO.bottom_n}", f"    plans: [{', '.join(DEMO.plans)}]",
            f"    ledgers: {DEMO.ledgers}", "    synthetic: true",
        ]
        if DEMO.city_table:
            lines.append(f"    city_table: {DEMO.city_table}")
    (dest / "data" / "raw" / "districts.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


def all_districts(demo_home: Path, month: str, n: int, jobs: int = 2,
                  dest: Path | None = None) -> dict[str, Any]:
    """Time ``run_all`` over ``n`` districts sharing the demo store (see :func:`fake_districts_project`).

    Returns
    -------
    dict
        ``seconds`` (wall time of ``run_all``) [s], ``districts``, ``jobs``, ``failed``
        (names) and ``per_report`` (seconds of each report inside its worker) [s].
    """
    from airlib.report.running import run_all

    with tempfile.TemporaryDirectory(prefix="airlib-bench-all-") as tmp:
        project = dest or Path(tmp)
        names = fake_districts_project(demo_home, project, n)
        t = time.perf_counter()
        results = run_all(month, districts=names, project_root=project, jobs=jobs, echo=lambda s: None)
        seconds = time.perf_counter() - t
    failed = [name for name, r in results if isinstance(r, Exception)]
    return {"seconds": seconds, "districts": n, "jobs": jobs, "failed": failed,
            "errors": [str(r) for _, r in results if isinstance(r, Exception)],
            "per_report": [getattr(r, "seconds", None) for _, r in results]}


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, help="project with the demo store (default: write a short demo)")
    ap.add_argument("--month", default="2017-12")
    ap.add_argument("--district", default=None, help="default: the built-in demo district")
    ap.add_argument("--all", type=int, default=0, metavar="N", help="also time --all over N districts")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="one-report runs (each printed)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    from airlib.report.config import DEMO

    with tempfile.TemporaryDirectory(prefix="airlib-bench-report-") as tmp:
        home = args.home or write_demo_home(Path(tmp), args.month)
        runs = [one_report(home, args.district or DEMO.name, args.month) for _ in range(args.repeat)]
        result: dict[str, Any] = {"load": os.getloadavg()[0], "one": runs}
        if args.all:
            result["all"] = all_districts(home, args.month, args.all, jobs=args.jobs)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"load average {result['load']:.2f}")
    for key in runs[0]:
        print(f"{key:28s}" + "".join(f"{r.get(key, float('nan')):8.2f}" for r in runs))
    if args.all:
        a = result["all"]
        print(f"--all {a['districts']} districts, {a['jobs']} jobs: {a['seconds']:.1f} s; failed: {a['failed'] or 'none'}")
        for e in a["errors"]:
            print(f"  {e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
