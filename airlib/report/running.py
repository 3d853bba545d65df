"""Running a report: papermill in a staging folder, PDF and workbook, atomic publishing,
``airlib report`` (one district or ``--all`` in parallel) and the last step of ``airlib demo``.

The notebook runs in a staging folder beside the month folder; only when the notebook, the
PDF and the workbook all succeeded does the staging folder become the month folder, in one
atomic step (``rename``; on a re-run the two folders are exchanged with Linux
``renameat2(RENAME_EXCHANGE)``, else files are moved one by one with ``os.replace``). When a
cell fails, the run stops with :class:`ReportError` naming the cell, the executed notebook is
kept as ``<month>/failed/monthly_report.failed.ipynb`` and the last good PDF/Excel stay
untouched. Kernels use ZeroMQ IPC transport in a private folder (no TCP port clashes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from airlib.errors import AirlibError
from airlib.files import exchange_dirs
from airlib.paths import PROJECT_ROOT, project_root as default_project_root
from airlib.report.cleanup import clean_stale, owned_prefix
from airlib.report.config import check_district_name, config_file, district_config, district_names
from airlib.report.errors import ReportError, ReportWriteError, write_error_class
from airlib.report.letters import LETTER_FOLDER
from airlib.report.rendering import html_to_pdf, notebook_to_html, skip_unused_imports
from airlib.periods import check_complete_month
from airlib.report.request import ReportRequest, output_names, report_folder

__all__ = [
    "NOTEBOOK", "TIMED_STEPS", "ReportResult", "cell_timings", "demo_report", "execute_notebook", "report_command",
    "districts_to_run", "run_all", "run_report",
]


#: The report notebook shipped with airlib (code location, not the data project).
NOTEBOOK: Final[Path] = PROJECT_ROOT / "notebooks" / "monthly_report.ipynb"


@dataclass(frozen=True)
class ReportResult:
    """Files written by one successful report run."""

    district: str
    month: pd.Period
    folder: Path
    pdf: Path
    excel: Path
    notebook: Path
    figures: tuple[Path, ...]
    seconds: float
    record: Path | None = None
    #: Seconds per step (:data:`TIMED_STEPS` order; notebook cells as ``cell:<section>``);
    #: empty when the run happened in another process (``run_all``).
    timings: dict[str, float] = dataclasses.field(default_factory=dict)


#: Steps of one report timed by :func:`run_report` (``ReportResult.timings``), in order. The
#: notebook's cells are timed by papermill and added as ``cell:<section>`` after ``kernel``
#: (kernel start and shut-down: the notebook time not spent in any cell).
TIMED_STEPS: Final[tuple[str, ...]] = ("checks", "kernel", "html", "chromium", "publish")


def cell_timings(nb_path: Path) -> dict[str, float]:
    """Seconds per executed cell of a notebook run by papermill (``metadata.papermill.duration``).

    Cells are named by the first ``S.<section>(`` call in their source (``cell:start``,
    ``cell:cover``, …), else ``cell:<index>``; the parameter cells are left out.

    Parameters
    ----------
    nb_path : Path
        Executed notebook.

    Returns
    -------
    dict of str to float
        ``{"cell:<name>": seconds}`` in cell order [s].
    """
    skip_unused_imports()
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    out: dict[str, float] = {}
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type != "code" or tags & {"parameters", "injected-parameters"}:
            continue
        sec = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if sec is None:
            continue
        found = re.search(r"\bS\.(\w+)\(", cell.source)
        key = f"cell:{found.group(1) if found else i}"
        out[key] = out.get(key, 0.0) + float(sec)
    return out


def _kernel_manager_class(ipc_dir: str):
    """Kernel manager class whose kernels talk over Unix sockets in ``ipc_dir`` (no TCP ports)
    and write their process output to ``ipc_dir/kernel-process.log`` (removed with the folder).

    Each report gets its own ``ipc_dir`` (a fresh temporary folder), so kernels of reports
    running at the same time can never share a socket; jupyter_client's default IPC name
    (``kernel-ipc`` in the working folder) would collide.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        """Kernel over Unix sockets in a private folder, its process output in a log there."""

        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(ipc_dir, "kernel"))
            super().__init__(**kwargs)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # The kernel process's own stdout/stderr (ipykernel's log, e.g. a zmq traceback
            # when a run dies on a full disk) must not reach the user's terminal: the CLI
            # promises one-paragraph errors, never a traceback. The cells' output is not
            # affected (it travels over the kernel's sockets into the notebook).
            log = open(os.path.join(ipc_dir, "kernel-process.log"), "ab")  # noqa: SIM115 - closed below
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            try:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                log.close()  # the child holds its own descriptor

    return IPCKernelManager


def _failed_cell(nb_path: Path) -> str:
    """Describe the first cell with an error output: its index in the report notebook as
    shipped (cells papermill inserts are not counted), execution count and first line."""
    import nbformat

    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:  # noqa: BLE001 - best effort
        return "unknown cell"
    i = -1
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"injected-parameters", "papermill-error-cell-tag"}:
            continue
        i += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                n = cell.get("execution_count")
                where = f"cell {i}" + (f", In [{n}]" if n else "")
                return f"{where} (`{first.strip()[:80]}`): {out.get('ename')}: {out.get('evalue')}"
    return "unknown cell"


def execute_notebook(
    output: Path,
    parameters: dict[str, Any],
    *,
    notebook: Path = NOTEBOOK,
    cwd: Path | None = None,
    timeout: int = 900,
    progress: bool = False,
    start_timeout: int = 300,
) -> None:
    """Execute the report notebook with papermill (IPC kernel); raise :class:`ReportError`.

    ``start_timeout`` (s) is generous: on a busy machine a kernel may take a minute to start.
    """
    skip_unused_imports()
    import papermill as pm

    if not notebook.exists():
        raise ReportError(f"report notebook not found: {notebook}")
    try:
        with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-k-")) as ipc_dir:
            pm.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name="python3",
                progress_bar=progress, cwd=str(cwd) if cwd else None, execution_timeout=timeout,
                start_timeout=start_timeout,
                kernel_manager_class=_kernel_manager_class(ipc_dir),
            )
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"notebook failed in {_failed_cell(output)}") from exc


#: Swaps two folders atomically (:func:`airlib.files.exchange_dirs`; a module name so tests can
#: replace it with a platform that cannot).
_exchange_dirs = exchange_dirs


def _publish(staging: Path, final: Path, names: dict[str, str]) -> None:
    """Make the staging folder the month's folder.

    First run: one ``os.rename``. Re-run: the two folders are exchanged in one atomic step
    (``renameat2(RENAME_EXCHANGE)``), after which ``staging`` holds the previous outputs (the
    caller deletes it). Where that is not available, files are moved one by one with
    ``os.replace`` (PDF and workbook last) and files of the earlier run are removed.
    """
    if not final.exists():
        os.rename(staging, final)
        staging.mkdir()  # the caller removes it
        return
    if _exchange_dirs(staging, final):
        return
    new_files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    last = {Path(names["pdf"]), Path(names["excel"])}
    order = [p for p in new_files if p not in last] + [p for p in new_files if p in last]
    for rel in order:
        dest = final / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dest)
    produced = set(new_files)
    for p in sorted(final.rglob("*"), reverse=True):
        rel = p.relative_to(final)
        if p.is_file() and rel not in produced:
            p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()


def run_report(
    district: str,
    month: str | pd.Period | None = None,
    *,
    project_root: str | os.PathLike[str] | None = None,
    bottom_n: int | None = None,
    language: str = "zh",
    timeout: int = 900,
    progress: bool = False,
    today: dt.date | None = None,
    notebook: Path = NOTEBOOK,
) -> ReportResult:
    """Produce the monthly report of one district and month (see the module docstring).

    Parameters
    ----------
    district : str
        Configured district (``airlib.report.config``), e.g. ``"门头沟区"``.
    month : str or Period, optional
        ``YYYY-MM``; default the last complete month.
    project_root : path-like, optional
        Project root (data, reports); default :func:`airlib.paths.project_root`.
    bottom_n : int, optional
        Bottom-list size; default the district's.
    language : {"zh", "en"}
    timeout : int
        Seconds per notebook cell.
    progress : bool
        Show papermill's cell progress bar.
    today : date, optional
        "Today" for the default month and the future-month check (tests).
    notebook : Path
        Report notebook (default the shipped one).

    Returns
    -------
    ReportResult

    Raises
    ------
    AirlibError
        Bad parameters (unknown district, month without data, future month, path outside
        the project).
    ReportError
        The notebook, the PDF or the Excel step failed; the executed notebook is kept in
        ``<month>/failed/`` and earlier outputs of the month are untouched.
    ReportWriteError
        The report cannot be written (full disk, read-only folder, no permission), in the
        runner or in a notebook cell; earlier outputs of the month are untouched.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    # Every check, before anything is written; output_dir becomes the staging folder later.
    request = ReportRequest.build(district, month, project_root=project_root, language=language, bottom_n=bottom_n,
                                  today=today)
    cfg, m = request.config, request.month
    final = report_folder(cfg, m, request.project_root)  # checked before anything is written
    timings["checks"] = time.perf_counter() - t0
    try:
        return _run_checked(request, final, timeout=timeout, progress=progress, notebook=notebook, t0=t0,
                            timings=timings)
    except OSError as exc:  # full disk, read-only or vanished folder: say so, no traceback
        what = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        raise ReportWriteError(
            f"{cfg.name} {m}: cannot write the report: {what}{where}; the earlier PDF/Excel of {m} "
            f"are untouched; free disk space or make {final.parent} writable, then run again"
        ) from exc


def _staging_mode() -> int:
    """Mode of a new folder under the current umask (``0o777 & ~umask``)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _link_or_copy(src: str, dst: str) -> str:
    """Hard-link ``src`` to ``dst`` (same file system: no copy); copy where links fail."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _keep_other_languages(request: ReportRequest, final: Path, staging: Path) -> None:
    """Put the other languages' outputs of the month (PDF, workbook, notebook, run record,
    figures; the 预警通知函 folder of the Chinese run) into ``staging``, so that publishing one
    language never removes another's."""
    from airlib.report.texts import LANGUAGES

    if not final.is_dir():
        return
    for lang in LANGUAGES:
        if lang == request.language:
            continue
        other = output_names(request.config, request.month, lang)
        for key in ("notebook", "pdf", "excel", "record"):
            src = final / other[key]
            if src.is_file() and not src.is_symlink():
                _link_or_copy(str(src), str(staging / other[key]))
        figs = final / other["figures"]
        if figs.is_dir() and not figs.is_symlink():
            shutil.copytree(figs, staging / other["figures"], copy_function=_link_or_copy, symlinks=True)
    letters = final / LETTER_FOLDER  # written by the Chinese run only (airlib.report.sections.letters)
    if request.language != "zh" and letters.is_dir() and not letters.is_symlink():
        shutil.copytree(letters, staging / LETTER_FOLDER, copy_function=_link_or_copy, symlinks=True)


def _finish_record(path: Path, timings: dict[str, float]) -> None:
    """Add the runner's step timings [s] to the run-record JSON the notebook wrote."""
    import json

    from airlib.files import atomic_write_text

    if not path.is_file():
        raise ReportError(f"the notebook did not write the run record {path.name}")
    record = json.loads(path.read_text(encoding="utf-8"))
    record.setdefault("timings_s", {}).update({k: round(v, 3) for k, v in timings.items()})
    atomic_write_text(path, json.dumps(record, ensure_ascii=False, indent=1) + "\n")


def _run_checked(request: ReportRequest, final: Path, *, timeout: int, progress: bool, notebook: Path,
                 t0: float, timings: dict[str, float]) -> ReportResult:
    """:func:`run_report` after its checks: clean stale folders, run, print, publish; the
    seconds of each step go into ``timings`` (:data:`TIMED_STEPS`)."""
    cfg, m, root_p = request.config, request.month, request.project_root
    clean_stale(root_p)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and not final.is_dir():
        raise AirlibError(f"{final} exists and is not a folder")
    names = output_names(cfg, m, request.language)
    staging = Path(tempfile.mkdtemp(prefix=owned_prefix(f".{m}.staging-"), dir=final.parent))
    # mkdtemp makes 0700; the published month folder is shared like any other output.
    os.chmod(staging, _staging_mode())
    try:
        staged = dataclasses.replace(request, output_dir=staging, excel_name=names["excel"], interactive=False)
        params = {**staged.parameters(), "checked": True}  # the kernel does not repeat the checks
        nb_out = staging / names["notebook"]
        try:
            t = time.perf_counter()
            execute_notebook(nb_out, params, notebook=notebook, cwd=root_p, timeout=timeout,
                             progress=progress)
            timings["notebook"] = time.perf_counter() - t
            cells = cell_timings(nb_out)
            timings["kernel"] = max(0.0, timings["notebook"] - sum(cells.values()))
            timings.update(cells)
            excel = staging / names["excel"]
            if not excel.exists():
                raise ReportError(f"the notebook did not write the workbook {names['excel']}")
            with tempfile.TemporaryDirectory(prefix=owned_prefix("airlib-html-")) as tmp:
                t = time.perf_counter()
                html = notebook_to_html(nb_out, Path(tmp) / "report.html", language=request.language)
                timings["html"] = time.perf_counter() - t
                t = time.perf_counter()
                html_to_pdf(html, staging / names["pdf"])
                timings["chromium"] = time.perf_counter() - t
            timings["total"] = time.perf_counter() - t0  # the record is published with the PDF: total to here
            _finish_record(staging / names["record"], timings)
        except ReportError as exc:
            cls = write_error_class(exc)
            hint = "; free disk space or fix the folder's permissions, then run again" if cls is ReportWriteError else ""
            kept = final / "failed" / "monthly_report.failed.ipynb"
            if nb_out.exists():
                try:
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(nb_out, kept)
                except OSError as err:
                    raise cls(f"{cfg.name} {m}: {exc}; the executed notebook could not be kept "
                              f"({err.strerror or err}); earlier PDF/Excel of {m} left untouched{hint}") from exc
                raise cls(f"{cfg.name} {m}: {exc}; executed notebook kept at {kept}; "
                          f"earlier PDF/Excel of {m} left untouched{hint}") from exc
            raise cls(f"{cfg.name} {m}: {exc}{hint}") from exc
        _keep_other_languages(request, final, staging)
        t = time.perf_counter()
        _publish(staging, final, names)
        timings["publish"] = time.perf_counter() - t
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    timings["total"] = time.perf_counter() - t0
    return _result(cfg, m, final, names, timings["total"], timings)


def _result(cfg, m: pd.Period, final: Path, names: dict[str, str], seconds: float,
            timings: dict[str, float] | None = None) -> ReportResult:
    """The :class:`ReportResult` of a published month folder."""
    figures = tuple(sorted((final / names["figures"]).glob("*.png")))
    return ReportResult(
        district=cfg.name, month=m, folder=final, pdf=final / names["pdf"],
        excel=final / names["excel"], notebook=final / names["notebook"], figures=figures,
        seconds=seconds, record=final / names["record"], timings=dict(timings or {}),
    )


def _warm_worker() -> None:
    """Initializer of a ``run_all`` worker process: import the runner's heavy libraries
    (papermill, nbconvert) once per worker instead of once per report."""
    skip_unused_imports()
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _report_in_worker(name: str, month: str, project_root: str, language: str) -> ReportResult | tuple[str, str]:
    """One report of ``run_all`` in a worker process; errors come back as (class name, message)
    (exceptions of the library need not be picklable)."""
    try:
        return run_report(name, month, project_root=project_root, language=language)
    except Exception as exc:  # noqa: BLE001 - every failure is reported per district, never raised
        return (type(exc).__name__, str(exc) or type(exc).__name__)


def districts_to_run(project_root: Path, *, include_demo: bool = False,
                     command: str = "airlib report --all") -> list[str]:
    """The districts ``airlib report --all`` (and ``airlib daily --all``, named by ``command``
    in the message) runs: those ``districts.yaml`` lists, without the synthetic demo district
    unless ``include_demo``.

    Raises
    ------
    AirlibError
        Nothing to run: the configuration lists no district besides the demo.
    """
    from airlib.report.config import DEMO

    names = [n for n in district_names(project_root) if include_demo or n != DEMO.name]
    if not names:
        raise AirlibError(
            f"{command}: {config_file(project_root)} lists no district besides the synthetic demo; "
            "add your districts there, or run the demo with --include-demo")
    return names


def run_all(
    month: str | pd.Period | None = None,
    *,
    districts: Sequence[str] | None = None,
    project_root: str | os.PathLike[str] | None = None,
    jobs: int = 2,
    language: str = "zh",
    include_demo: bool = False,
    echo: Callable[[str], None] = print,
) -> list[tuple[str, ReportResult | Exception]]:
    """Run the report of every configured district (or ``districts``) in parallel.

    The synthetic demo district is left out of the configured list unless ``include_demo``
    (``airlib report --all --include-demo``); an explicit ``districts`` list is run as given.

    ``jobs`` worker processes (``spawn``, so no state of the caller leaks in) each import
    papermill and nbconvert once and then run reports one after the other with
    :func:`run_report`; each report still gets its own kernel (IPC transport, no TCP port
    clashes), staging folder and atomic publishing. Progress is printed as each finishes.
    Spawned workers import the caller's main script: call ``run_all`` from a script only
    under ``if __name__ == "__main__":`` (the CLI and notebooks need nothing).

    Returns
    -------
    list of (district, ReportResult or Exception)
        In completion order. Failed districts carry the error; the caller decides the exit code.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    root_p = Path(project_root).resolve() if project_root is not None else default_project_root()
    names = list(districts) if districts is not None else districts_to_run(root_p, include_demo=include_demo)
    m = check_complete_month(month, name="month")
    total = len(names)
    echo(f"airlib report --all: {total} district(s), month {m}, {min(jobs, total)} at a time")

    out: list[tuple[str, ReportResult | Exception]] = []
    if not names:
        return out
    workers = max(1, min(jobs, total))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_warm_worker) as pool:
        futures = {pool.submit(_report_in_worker, n, str(m), str(root_p), language): n for n in names}
        for done, fut in enumerate(as_completed(futures), start=1):
            name = futures[fut]
            try:
                got = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory)
                got = ("WorkerError", f"the report worker process ended unexpectedly ({exc or type(exc).__name__}); "
                       "if run_all is called from a Python script, call it under "
                       "`if __name__ == '__main__':` (worker processes are spawned and import the "
                       "script), else run the district alone with `airlib report --district`")
            r: ReportResult | Exception
            if isinstance(got, tuple):
                msg = got[1] if got[1].startswith(f"{name} ") else f"{name} {m}: {got[1]}"
                r = ReportError(msg)
            else:
                r = got
            out.append((name, r))
            if isinstance(r, Exception):
                echo(f"[{done}/{total}] {name} {m}: FAILED: {r}")
            else:
                echo(f"[{done}/{total}] {name} {m}: ok in {r.seconds:.0f} s → {r.pdf}")
    return out


def report_command(args) -> int:
    """Handler of ``airlib report`` (argparse namespace from :mod:`airlib.cli_commands`)."""
    if getattr(args, "include_demo", False) and not args.all:
        raise AirlibError("--include-demo only goes with --all; for the demo alone run airlib report without --district")
    if args.all:
        if args.district is not None:
            raise AirlibError("give either --district or --all, not both")
        results = run_all(args.month, jobs=args.jobs, language=args.language,
                          include_demo=getattr(args, "include_demo", False))
        return 1 if any(isinstance(r, Exception) for _, r in results) else 0
    from airlib.report.config import DEMO

    # Only an absent --district means the demo; --district '' is an error, not the demo.
    district = DEMO.name if args.district is None else check_district_name(args.district, what="--district")
    print(f"airlib report: {district} {args.month or '(last complete month)'} …", file=sys.stderr)
    try:
        r = run_report(district, args.month, bottom_n=args.bottom_n, language=args.language,
                       timeout=args.timeout, progress=sys.stderr.isatty())
    except ReportWriteError as exc:
        print(f"airlib: error: report not written: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"airlib: report failed: {exc}", file=sys.stderr)
        return 1
    print(f"PDF:      {r.pdf}")
    print(f"Excel:    {r.excel}")
    print(f"Notebook: {r.notebook}")
    print(f"Record:   {r.record}")
    print(f"Figures:  {len(r.figures)} PNG in {r.figures[0].parent if r.figures else r.folder}")
    print(f"Done in {r.seconds:.0f} s")
    return 0


def demo_report(end: str | None = None) -> int:
    """Last step of ``airlib demo``: the report of the latest complete demo month.

    ``end`` is the demo's last month (default: the last complete month). Prints where the
    PDF, workbook and figures are; returns the exit code.
    """
    from airlib.report.config import DEMO

    month = check_complete_month(end, name="--end")
    print(f"月排名报告：{DEMO.name} {month} …", flush=True)
    try:
        r = run_report(DEMO.name, month)
    except ReportError as exc:
        print(f"airlib: report failed: {exc}", file=sys.stderr)
        return 1
    print(f"PDF:   {r.pdf}\nExcel: {r.excel}\n图件:  {len(r.figures)} PNG → {r.folder / 'figures'}（{r.seconds:.0f} s）")
    return 0
