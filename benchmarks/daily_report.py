"""How long ``airlib daily`` takes for one district (issue #15 item 5: "under 5 s per district"),
and where the time goes, against the floor of papermill + Chromium measured in the same run.

Usage (from the repository root)::

    python -m benchmarks.daily_report                      # short demo in a temporary folder
    python -m benchmarks.daily_report --home /tmp/home --date 2016-03-31 --repeat 5

Measured, each ``--repeat`` times (median and range printed):

* ``command``: the whole command as cron runs it, ``python -m airlib.cli daily --district …
  --date …`` in a fresh process (interpreter start, imports, checks, kernel start, notebook,
  HTML, Chromium, publishing), wall time;
* the run's own steps from its run record (``checks``, ``notebook`` = kernel start + cells +
  shut-down, ``html``, ``chromium``, ``total``);
* ``floor``: the reference, a fresh process that imports the runner's libraries and runs an
  empty one-cell notebook through :func:`airlib.report.running.execute_notebook`, converts it
  with :func:`airlib.report.rendering.notebook_to_html` and prints it with
  :func:`airlib.report.rendering.html_to_pdf` — what any papermill + Chromium report costs on
  this machine before it reads a byte of data.

No number is asserted anywhere (house style: ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["FLOOR_CODE", "command_seconds", "floor_seconds", "main"]

#: The reference run in a fresh interpreter: imports, empty notebook, HTML, PDF (prints seconds).
FLOOR_CODE = """
import sys, tempfile, time
t0 = time.perf_counter()
from pathlib import Path
from airlib.report.rendering import skip_unused_imports
skip_unused_imports()
import nbformat
from airlib.report.rendering import html_to_pdf, notebook_to_html
from airlib.report.running import execute_notebook
with tempfile.TemporaryDirectory() as tmp:
    nb = nbformat.v4.new_notebook(); nb.cells.append(nbformat.v4.new_code_cell("pass"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = Path(tmp) / "empty.ipynb"; nbformat.write(nb, src)
    t1 = time.perf_counter()
    execute_notebook(Path(tmp) / "out.ipynb", {}, notebook=src)
    t2 = time.perf_counter()
    (Path(tmp) / "h").mkdir()  # the HTML alone in its folder, as the runner prints it
    html = notebook_to_html(Path(tmp) / "out.ipynb", Path(tmp) / "h" / "x.html")
    t3 = time.perf_counter()
    html_to_pdf(html, Path(tmp) / "x.pdf")
    t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""


def _env(home: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    if home is not None:
        env["AIRLIB_HOME"] = str(home)
    env.pop("AIRLIB_DISTRICTS", None)
    return env


def command_seconds(home: Path, district: str, date: str) -> dict[str, float]:
    """Wall time [s] of one ``airlib daily`` process, plus the steps of its run record [s]."""
    from airlib.report.config import district_config
    from airlib.report.daily import daily_folder, daily_output_names, parse_day

    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "airlib.cli", "daily", "--district", district, "--date", date],
                         capture_output=True, text=True, env=_env(home), cwd=str(home), check=False)
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise RuntimeError(f"airlib daily failed: {res.stderr[-2000:]}")
    cfg = district_config(district, home)
    day = parse_day(date)
    record = json.loads((daily_folder(cfg, day, home) / daily_output_names(cfg, day)["record"]).read_text("utf-8"))
    return {"command": wall, **record["timings_s"]}


def floor_seconds() -> dict[str, float]:
    """The reference (:data:`FLOOR_CODE`) in a fresh interpreter: seconds [s] of ``imports``,
    ``empty notebook`` (kernel start, one cell, shut-down), ``html``, ``chromium`` and
    ``floor`` (wall time of the whole process)."""
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", FLOOR_CODE], capture_output=True, text=True, env=_env(),
                         check=True)
    wall = time.perf_counter() - t
    a, b, c, d = (float(x) for x in res.stdout.split())
    return {"floor": wall, "floor imports": a, "floor empty notebook": b, "floor html": c, "floor chromium": d}


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.daily_report", description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, help="project with the demo store (default: write a short demo)")
    ap.add_argument("--date", default="2016-03-31", help="report day (in the store)")
    ap.add_argument("--district", default=None, help="default: the built-in demo district")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from airlib.report.config import DEMO

    with tempfile.TemporaryDirectory(prefix="airlib-bench-daily-") as tmp:
        home = args.home
        if home is None:
            from benchmarks.report import write_demo_home

            home = write_demo_home(Path(tmp), args.date[:7])
        runs: list[dict[str, float]] = []
        for _ in range(args.repeat):  # alternate command and reference: same load for both
            runs.append({**command_seconds(home, args.district or DEMO.name, args.date), **floor_seconds()})
    result: dict[str, Any] = {"load": os.getloadavg()[0], "runs": runs}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"load average {result['load']:.2f}; {args.repeat} run(s); seconds: median [min–max]")
    for key in runs[0]:
        vals = [r[key] for r in runs]
        print(f"{key:24s}{statistics.median(vals):7.2f}  [{min(vals):.2f}–{max(vals):.2f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
