"""Partitioned Parquet store: versioned datasets, one transaction per ingest, atomic files.

Layout (see ``docs/architecture.md`` and ``docs/ingestion.md``, section "The store")::

    <root>/<dataset>/.versions/v000007/hourly/year=YYYY/month=M/part-0.parquet
    <root>/<dataset>/.versions/v000007/stations.parquet, towns.parquet, ...
    <root>/<dataset>/.versions/v000007/manifest.json
    <root>/<dataset>/current -> .versions/v000007          (the version pointer)
    <root>/<dataset>/hourly -> current/hourly              (fixed links, for tools that
    <root>/<dataset>/manifest.json -> current/manifest.json  browse the folder)
    <root>/<dataset>/stations.parquet -> current/stations.parquet, ...
    <root>/<dataset>/.lock                                  (one writer at a time)

Every ingest is **one transaction per dataset** (:func:`transaction`): the new version is
built in a staging folder (new month files written, unchanged months and registries
hard-linked from the current version, so nothing is copied), fsynced, renamed to
``.versions/vNNNNNN`` and published by atomically replacing the ``current`` symlink. A reader
resolves ``current`` once (:func:`dataset_dir`, :func:`snapshot`) and reads that version
only, so it sees all of an ingest or none of it; a writer killed at any moment leaves the
old version current, and the next writer removes what the dead one left. A store written
before versions existed (``<dataset>/hourly`` a real folder) is read as it is and converted on
its next write.

Single files (``manifest.json`` of old stores, reports, figures) are written with
:func:`atomic_write`: a temporary file in the same folder replaces the target with
:func:`os.replace`; on failure the previous file is left untouched.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from airlib.files import atomic_write, atomic_write_bytes, atomic_write_text, sha256_file

# Re-exported: the atomic-write helpers live in the core module airlib.files (imported by
# layers below the store too); ``airlib.io.store.atomic_write`` keeps working.
__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text"]


# ---------------------------------------------------------------------------------------------
# Partitioned hourly store
# ---------------------------------------------------------------------------------------------

import errno  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable, Mapping, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.dataset as pads  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from airlib.errors import AirlibError, InputDataError  # noqa: E402
from airlib.io.schema import HOURLY_COLUMNS, canonical_columns, canonical_hourly  # noqa: E402
from airlib import paths  # noqa: E402

__all__ += [
    "PARQUET_COMPRESSION",
    "LOCK_TIMEOUT_S",
    "KEEP_PREVIOUS_VERSIONS",
    "VERSIONS_DIR",
    "CURRENT",
    "StoreWriteError",
    "Transaction",
    "transaction",
    "dataset_lock",
    "dataset_dir",
    "snapshot",
    "hourly_dir",
    "partition_path",
    "store_months",
    "write_hourly",
    "read_hourly",
    "write_registry",
    "read_registry",
    "read_manifest",
    "update_manifest",
    "sha256_file",
    "portable_path",
]

#: Compression of every Parquet file the store writes. Snappy (Parquet's default codec, read by
#: every engine): a city month's station, time and PM2.5 decode in ~2.5 ms instead of ~3.4 ms
#: with zstd, for 16–19 % more disk (city store 74 → 87 MB); decoding is the largest part of a citywide ranking
#: (docs/performance.md). Stores written with another codec stay readable.
PARQUET_COMPRESSION = "snappy"
_PARTITION_SCHEMA = pa.schema([("year", pa.int32()), ("month", pa.int32())])


#: How long a writer waits for another process's lock on the same dataset (seconds).
LOCK_TIMEOUT_S = 600.0

#: Superseded versions kept besides the current one, so that a reader which resolved the
#: previous version just before a commit can finish (files are hard links: a kept version
#: costs only the months the commit replaced). Older versions are removed by the next writer
#: unless a reader still holds them (:func:`snapshot`).
KEEP_PREVIOUS_VERSIONS = 1

VERSIONS_DIR = ".versions"
CURRENT = "current"
_VERSION_RE = re.compile(r"v(\d{6,})")

_HELD = threading.local()  # datasets whose lock this thread holds (re-entrant within a thread)
_OPEN = threading.local()  # datasets with an open transaction in this thread


class StoreWriteError(AirlibError):
    """The store could not be written (disk full, no permission, read-only file system …).

    The message names the path, says what is wrong (Chinese / English) and what to do, and
    whether the dataset was left unchanged (it always is before the commit point).
    """

    def __init__(self, problem: str, path: str | os.PathLike[str]) -> None:
        self.problem = problem
        self.path = str(path)
        super().__init__(problem)


def _store_error(exc: OSError, path: str | os.PathLike[str], folder: Path, dataset: str) -> StoreWriteError:
    """The :class:`StoreWriteError` for an ``OSError`` raised while writing ``path``."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    where = Path(getattr(exc, "filename", None) or path)
    if VERSIONS_DIR in where.parts:  # a staged file: name the dataset folder, not the internals
        where = folder
    at = f"dataset {dataset!r} in {folder}" if where == folder else f"{where} (dataset {dataset!r})"
    unchanged = f"dataset {dataset!r} was left unchanged"
    again = "(or write the store elsewhere with --processed) and run the ingest again"
    if code in (errno.ENOSPC, errno.EDQUOT) or "No space left" in text or "Disk quota" in text:
        return StoreWriteError(
            f"磁盘空间不足 / no space left on device while writing {at}: free space on the disk "
            f"holding {folder} {again}; {unchanged}", where)
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return StoreWriteError(
            f"没有写入权限 / permission denied while writing {at}: airlib must be able to create and "
            f"rename files in {folder}; fix the folder's owner or mode {again}; {unchanged}", where)
    if code == errno.EROFS or "Read-only file system" in text:
        return StoreWriteError(
            f"只读文件系统 / read-only file system: cannot write {at}; remount it writable {again}; "
            f"{unchanged}", where)
    return StoreWriteError(
        f"写入失败 / cannot write {at}: {exc.strerror or text}; check the folder {folder} {again}; "
        f"{unchanged}", where)


def _fault_point(name: str) -> None:
    """Test hook: ``AIRLIB_FAULT_POINT=<name>:<n>[,<name>:<n>…]`` kills this process with
    SIGKILL the n-th time the write path reaches the point ``name`` (used by the crash tests,
    tests/io/test_store_crash.py; never set it in production)."""
    spec = os.environ.get("AIRLIB_FAULT_POINT")
    if not spec:
        return
    counts = _FAULT_COUNTS
    for item in spec.split(","):
        want, _, n = item.strip().partition(":")
        if want == name:
            counts[name] = counts.get(name, 0) + 1
            if counts[name] == int(n or 1):
                os.kill(os.getpid(), signal.SIGKILL)


_FAULT_COUNTS: dict[str, int] = {}


def _flock(fd: int, *, shared: bool = False, block: bool = True) -> bool:
    """``flock`` ``fd``; False when ``block`` is False and another process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux
        return True
    flags = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if block else fcntl.LOCK_NB)
    try:
        fcntl.flock(fd, flags)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def dataset_lock(root: str | os.PathLike[str], dataset: str, timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive write lock of ``<root>/<dataset>`` (``.lock`` file, ``flock``).

    An ingestion rewrites a month as *(rows already there) ∪ (new rows)*: two processes
    ingesting into the same dataset at once (the monthly cron job and an analyst, say) could
    each read the old month and the second commit would drop the first one's stations. Every
    :func:`transaction` therefore runs under this lock; readers do not take it (they read a
    committed version, :func:`snapshot`). The lock is re-entrant within a thread and released
    when the process dies (``flock``). Where ``fcntl`` does not exist (Windows) it is a no-op.

    Parameters
    ----------
    root, dataset
        The dataset folder (created if missing).
    timeout : float, optional
        Seconds to wait for another process's lock (default :data:`LOCK_TIMEOUT_S`).

    Raises
    ------
    InputDataError
        When the lock is still held by another writer after ``timeout`` seconds.
    """
    folder = Path(root) / dataset
    key = str(folder.resolve())
    held = getattr(_HELD, "keys", None)
    if held is None:
        held = _HELD.keys = set()
    lock_path = folder / ".lock"
    if key in held:
        yield lock_path
        return
    try:
        import fcntl  # noqa: F401
    except ImportError:  # pragma: no cover - not on Linux
        yield lock_path
        return
    wait = LOCK_TIMEOUT_S if timeout is None else float(timeout)
    deadline = time.monotonic() + wait
    while True:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(lock_path, "a+b")
        try:
            while not _flock(fh.fileno(), block=False):
                if time.monotonic() >= deadline:
                    raise InputDataError(
                        f"dataset {dataset!r} is being written by another process (waited {wait:g} s); "
                        "try again when it has finished",
                        file=lock_path,
                    ) from None
                time.sleep(0.05)
            # a failed first ingest removes its new dataset folder and lock file: lock the file
            # that is at lock_path now, not an unlinked one
            try:
                same = os.path.samestat(os.fstat(fh.fileno()), os.stat(lock_path))
            except FileNotFoundError:
                same = False
            if not same:
                fh.close()
                continue
            held.add(key)
            try:
                yield lock_path
            finally:
                held.discard(key)
            return
        finally:
            fh.close()  # closing the file releases the flock


def dataset_dir(root: str | os.PathLike[str], dataset: str) -> Path:
    """The folder holding the dataset's current version, resolved once.

    ``<root>/<dataset>/.versions/vNNNNNN`` (the target of the ``current`` symlink, read with one
    ``readlink``), or ``<root>/<dataset>`` itself for a store written before versions existed
    (or not written yet). Both have the same layout inside (``hourly/``, registries,
    ``manifest.json``); a version folder never changes once published. Every path the store
    layout implies should be derived from this folder (:func:`hourly_dir`,
    :func:`partition_path`), so that a reader that lists and then opens files sees one version.
    A version is kept while it is current, while it is the previous one
    (:data:`KEEP_PREVIOUS_VERSIONS`) and while a reader holds it with :func:`snapshot`.
    """
    folder = Path(root) / dataset
    try:
        target = os.readlink(folder / CURRENT)
    except FileNotFoundError:
        return folder
    except OSError as exc:  # EINVAL: not a symlink
        raise InputDataError(
            f"{CURRENT!r} is not the store's version pointer (a symlink to {VERSIONS_DIR}/vNNNNNN): "
            f"{exc.strerror}; move it away", file=folder / CURRENT) from None
    head, _, name = target.partition("/")
    if head != VERSIONS_DIR or _version_number(name) is None:  # never follow a planted link elsewhere
        raise InputDataError(
            f"{CURRENT!r} points at {target!r}, not at a version of this dataset ({VERSIONS_DIR}/vNNNNNN); "
            "restore the store from a backup or ingest again into a new dataset folder", file=folder / CURRENT)
    return folder / target


@contextlib.contextmanager
def snapshot(root: str | os.PathLike[str], dataset: str) -> Iterator[Path]:
    """Pin the dataset's current version while reading it.

    Yields :func:`dataset_dir` and holds a shared ``flock`` on that version folder, so a writer
    does not remove it before the block ends, however many commits happen meanwhile. Use it to
    read several things (months, registries, manifest) of one version.

    Yields
    ------
    pathlib.Path
        The version folder (or the dataset folder of an old, unversioned store).
    """
    plain = Path(root) / dataset
    for _ in range(1000):
        folder = dataset_dir(root, dataset)
        if folder == plain:
            yield folder
            return
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            if dataset_dir(root, dataset) == folder:  # still current, yet missing: not a race
                raise InputDataError(
                    f"the current version {folder.name} of dataset {dataset!r} is missing; restore the "
                    "store from a backup or ingest again into a new dataset folder", file=folder) from None
            continue  # removed between readlink and open: a newer version is current
        try:
            _flock(fd, shared=True)
            if os.fstat(fd).st_nlink == 0:
                continue  # removed while we waited for the lock
            yield folder
            return
        finally:
            os.close(fd)
    raise InputDataError(f"could not pin a version of dataset {dataset!r}; try again", file=plain)  # pragma: no cover


def hourly_dir(root: str | os.PathLike[str], dataset: str) -> Path:
    """``hourly/`` of the dataset's current version (``<dataset_dir>/hourly``, resolved once)."""
    return dataset_dir(root, dataset) / "hourly"


def partition_path(root: str | os.PathLike[str], dataset: str, year: int, month: int) -> Path:
    """``<dataset_dir>/hourly/year=YYYY/month=M/part-0.parquet`` (month without leading zero)."""
    return hourly_dir(root, dataset) / f"year={int(year)}" / f"month={int(month)}" / "part-0.parquet"


def store_months(root: str | os.PathLike[str], dataset: str) -> list[tuple[int, int]]:
    """Sorted ``(year, month)`` partitions holding Parquet files in the dataset's current version."""
    return _months_in(hourly_dir(root, dataset))


def _months_in(base: Path) -> list[tuple[int, int]]:
    out = []
    for ydir in base.glob("year=*"):
        for mdir in ydir.glob("month=*"):
            try:
                key = (int(ydir.name[5:]), int(mdir.name[6:]))
            except ValueError:
                continue
            if any(mdir.glob("*.parquet")):
                out.append(key)
    return sorted(out)


def portable_path(path: str | os.PathLike[str], project_root: str | os.PathLike[str] | None = None) -> str:
    """An input file's path as recorded in ``manifest.json``.

    Relative to the project root (POSIX separators) when the file lies inside it, so the
    manifest is the same in every clone; absolute otherwise. Both sides are resolved first
    (symlinks, ``..``); a relative ``path`` is taken from the current directory.

    Parameters
    ----------
    path
        Input file.
    project_root
        The project folder (docs/architecture.md, "Conventions"); default
        :func:`airlib.paths.project_root`.
    """
    p = Path(path).resolve()
    base = Path(project_root).resolve() if project_root is not None else paths.project_root().resolve()
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        return str(p)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    for c in ("station", "time"):
        if c not in frame:
            raise InputDataError(f"hourly frame has no {c!r} column; columns: {list(frame.columns)}", column=c)
    if frame["station"].isna().any() or frame["time"].isna().any():
        raise InputDataError("hourly frame has missing station or time values", column="station/time")
    extra = [c for c in frame.columns if c not in HOURLY_COLUMNS]
    return canonical_hourly(frame, extra=extra)


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_all(paths: Sequence[tuple[Path, bool]], threads: int = 8) -> None:
    """fsync many files and folders (``(path, is_folder)``) at once: in a few threads, so that
    the file system can commit them together (fsync releases the GIL). Measured on this
    machine's ext4: the UCI ingest's ~240 fsyncs take ~1 s one after another."""
    if len(paths) <= 1 or threads <= 1:
        for p, d in paths:
            _fsync(p, directory=d)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(threads, len(paths))) as pool:
        for _ in pool.map(lambda item: _fsync(item[0], directory=item[1]), paths):
            pass


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(chunk), fb.read(chunk)
            if x != y:
                return False
            if not x:
                return True


def _link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst``; copy it (and fsync) on a file system without hard links."""
    try:
        os.link(src, dst)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        shutil.copyfile(src, dst)
        _fsync(dst)


def _version_number(name: str) -> int | None:
    m = _VERSION_RE.fullmatch(name)
    return int(m.group(1)) if m else None


def _skeleton_manifest(dataset: str) -> dict[str, Any]:
    from airlib import __version__

    return {"dataset": dataset, "airlib_version": __version__, "canonical_hour_label": "beginning",
            "time_zone": "Asia/Shanghai (UTC+8, naive)", "sources": {}}


def _manifest_text(man: Mapping[str, Any]) -> str:
    return json.dumps(man, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default) + "\n"


class Transaction:
    """One ingest's changes to one dataset, applied all together or not at all.

    Made by :func:`transaction` (under the dataset's write lock); see the module docstring.
    Month files and registries are written into a staging folder as the ingest goes (memory
    holds one month at a time); :meth:`write_hourly` reads a month it replaces from this
    transaction's own earlier writes, else from the version the transaction started from.

    Parameters
    ----------
    root, dataset
        Store root and dataset name.
    replace : bool
        Start from an empty dataset instead of the current version.

    Attributes
    ----------
    current : pathlib.Path or None
        The version current when the transaction started (an old store's folder; None if empty).
    version : pathlib.Path or None
        After the commit: the version published (``current`` again when nothing changed).
    """

    def __init__(self, root: str | os.PathLike[str], dataset: str, *, replace: bool = False) -> None:
        self.root = Path(root)
        self.dataset = dataset
        self.folder = self.root / dataset
        self.versions = self.folder / VERSIONS_DIR
        #: the version current when the transaction started (a legacy folder, or None if empty)
        cur = dataset_dir(root, dataset)
        if cur != self.folder and not cur.is_dir():
            raise InputDataError(
                f"the dataset's current version {cur.name} is missing; restore it from a backup or "
                "remove the dataset folder and ingest again", file=cur)
        self.current: Path | None = cur if (cur / "hourly").is_dir() or (cur / "manifest.json").exists() \
            or any(cur.glob("*.parquet")) else None
        self.replace = replace
        self.base: Path | None = None if replace else self.current
        self.staging = self.versions / f".staging-{os.getpid()}-{secrets.token_hex(4)}"
        self._months: dict[tuple[int, int], Path] = {}
        self._registries: set[str] = set()
        self._sources: dict[str, dict[str, Any]] = {}
        self._made_versions = False
        self._renamed: Path | None = None
        self._tmp_link: Path | None = None
        self.version: Path | None = None  # set by the commit

    # -- helpers ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _io(self, path: Path) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise _store_error(exc, path, self.folder, self.dataset) from exc

    def _start(self) -> None:
        with self._io(self.versions):
            if not self.versions.exists():
                self.versions.mkdir()
                self._made_versions = True
            _recover(self.folder)
            self.staging.mkdir()

    def _stage_parquet(self, frame: pd.DataFrame, rel: str) -> Path:
        path = self.staging / rel
        table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
        with self._io(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                path.unlink()
            pq.write_table(table, path, compression=PARQUET_COMPRESSION)  # fsynced at the commit
            old = None if self.current is None else self.current / rel
            if old is not None and old.is_file() and _same_bytes(old, path):
                path.unlink()  # unchanged: share the current version's file
                _link_or_copy(old, path)
        return path

    def _month_frame(self, year: int, month: int) -> pd.DataFrame | None:
        if (year, month) in self._months:
            files = [self._months[(year, month)]]
        elif self.base is None:
            return None
        else:
            files = sorted((self.base / "hourly" / f"year={year}" / f"month={month}").glob("*.parquet"))
        if not files:
            return None
        with self._io(files[0].parent):
            frames = [pq.read_table(f).to_pandas() for f in files]
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    # -- what an ingest writes ---------------------------------------------------------------
    def write_hourly(
        self,
        hourly: pd.DataFrame,
        source: str = "unknown",
        *,
        inputs: Iterable[str | os.PathLike[str]] = (),
        hour_label: str | None = None,
        qc: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Stage ``hourly`` into its month partitions; see :func:`write_hourly` (the policy)."""
        frame = _canonical(hourly)
        if frame.duplicated(["station", "time"]).any():
            raise InputDataError("hourly frame has duplicate station-hours; apply a duplicates policy first")
        t = frame["time"]
        ym = t.dt.year.to_numpy() * 100 + t.dt.month.to_numpy()
        months: list[str] = []
        for key in np.unique(ym):
            y, m = divmod(int(key), 100)
            new = frame[ym == key]
            old = self._month_frame(y, m)
            if old is not None:
                old = _canonical(old)
                keep = old[~old["station"].isin(new["station"].unique())]
                new = pd.concat([keep, new], ignore_index=True) if len(keep) else new
            part = _canonical(new)
            self._months[(y, m)] = self._stage_parquet(part, f"hourly/year={y}/month={m}/part-0.parquet")
            months.append(f"{y:04d}-{m:02d}")
            _fault_point("store.month_staged")
        entry = {
            "files": [{"path": portable_path(p), "name": Path(p).name, "sha256": sha256_file(p), "bytes": Path(p).stat().st_size}
                      for p in inputs],
            "hour_label": hour_label,
            "rows": int(len(frame)),
            "stations": sorted(frame["station"].unique().tolist()),
            "months": months,
            "qc": dict(qc) if qc is not None else None,
        }
        self._sources[source] = entry
        return entry

    def write_registry(self, frame: pd.DataFrame, name: str) -> Path:
        """Stage a registry (``stations``, ``towns`` …) as ``<name>.parquet`` of the new version."""
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", name) or name in ("hourly", "manifest", CURRENT):
            raise InputDataError(f"registry name must be letters, digits, _ or -, got {name!r}")
        self._stage_parquet(frame, f"{name}.parquet")
        self._registries.add(name)
        _fault_point("store.registry_staged")
        return self.folder / f"{name}.parquet"

    def update_manifest(self, sources: Mapping[str, Mapping[str, Any]]) -> None:
        """Merge ``sources`` (name → entry) into the manifest the commit writes."""
        self._sources.update({k: dict(v) for k, v in sources.items()})

    # -- commit ------------------------------------------------------------------------------
    def _base_files(self) -> dict[str, Path]:
        """Files of the base version the new version keeps (relative path → file)."""
        if self.base is None:
            return {}
        out: dict[str, Path] = {}
        for f in (self.base / "hourly").glob("year=*/month=*/*.parquet"):
            try:
                ym = (int(f.parent.parent.name[5:]), int(f.parent.name[6:]))
            except ValueError:
                continue
            if ym not in self._months:
                out[f.relative_to(self.base).as_posix()] = f
        for f in self.base.glob("*.parquet"):
            if f.is_file() and f.stem not in self._registries:
                out[f.name] = f
        return out

    def _manifest(self) -> str:
        from airlib import __version__

        man = _skeleton_manifest(self.dataset)
        path = None if self.base is None else self.base / "manifest.json"
        if path is not None and path.is_file():
            try:
                man = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise InputDataError(f"manifest is not valid JSON: {exc}; repair or remove it", file=path,
                                     row=exc.lineno) from None
        man["airlib_version"] = __version__
        man.setdefault("sources", {}).update(self._sources)
        parts: dict[str, int] = {}
        for f in sorted((self.staging / "hourly").glob("year=*/month=*/*.parquet")):
            key = f"{int(f.parent.parent.name[5:]):04d}-{int(f.parent.name[6:]):02d}"
            parts[key] = parts.get(key, 0) + pq.ParquetFile(f).metadata.num_rows
        man["partitions"] = dict(sorted(parts.items()))
        return _manifest_text(man)

    def _unchanged(self) -> bool:
        """True when the staged version equals the current one (same files, same manifest)."""
        if self.current is None or self.current == self.folder:
            return False
        cur = {f.relative_to(self.current).as_posix(): f for f in self.current.rglob("*") if f.is_file()}
        new = {f.relative_to(self.staging).as_posix(): f for f in self.staging.rglob("*") if f.is_file()}
        if cur.keys() != new.keys():
            return False
        for rel, f in new.items():
            same = os.path.samefile(f, cur[rel]) if rel != "manifest.json" else _same_bytes(f, cur[rel])
            if not same:
                return False
        return True

    def _commit(self) -> None:
        with self._io(self.staging):
            for rel, f in self._base_files().items():
                dst = self.staging / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                _link_or_copy(f, dst)  # a hard link: unchanged months are not copied
            _fault_point("store.linked")
            man = self.staging / "manifest.json"
            man.write_text(self._manifest(), encoding="utf-8")
            _fault_point("store.manifest_staged")
            if self._unchanged():
                shutil.rmtree(self.staging)
                self.version = self.current
                return
            todo: list[tuple[Path, bool]] = []
            for d, _, names in os.walk(self.staging):
                todo.append((Path(d), True))
                for name in names:  # new files; a hard link's data are durable already, but
                    f = Path(d) / name  # fsync is cheap when nothing is dirty
                    if os.stat(f).st_nlink == 1:
                        todo.append((f, False))
            _fsync_all(todo)
            _fault_point("store.synced")
            numbers = [n for n in (_version_number(p.name) for p in self.versions.iterdir()) if n is not None]
            final = self.versions / f"v{max(numbers, default=0) + 1:06d}"
            os.rename(self.staging, final)
            self._renamed = final
            _fsync(self.versions, directory=True)
            _fault_point("store.version_renamed")
            tmp = self.folder / f".{CURRENT}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
            self._tmp_link = tmp
            os.symlink(f"{VERSIONS_DIR}/{final.name}", tmp)
            os.replace(tmp, self.folder / CURRENT)  # the commit point
        self.version = final  # committed: from here on nothing may undo it
        with contextlib.suppress(OSError):
            _fsync(self.folder, directory=True)
        _fault_point("store.committed")
        # Committed. What follows only tidies up; a failure here is repaired by the next writer.
        try:
            _fix_links(self.folder)
            _fault_point("store.links_fixed")
            _collect_garbage(self.folder)
        except Exception as exc:  # noqa: BLE001 - the data are published; never report a failed ingest now
            import warnings

            warnings.warn(f"dataset {self.dataset!r} was written; tidying its folder failed ({exc}); "
                          "the next ingest will finish it", RuntimeWarning, stacklevel=2)

    def _discard(self) -> None:
        """Undo everything of a transaction that did not reach the commit point."""
        if self.version is not None and self.version != self.current:
            return  # published (only the tidying after the commit point failed)
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._renamed is not None:  # renamed, but the pointer was not swapped
            shutil.rmtree(self._renamed, ignore_errors=True)
        if self._tmp_link is not None:
            with contextlib.suppress(OSError):
                self._tmp_link.unlink()
        if self._made_versions:
            with contextlib.suppress(OSError):
                self.versions.rmdir()


def _recover(folder: Path) -> None:
    """Under the write lock: remove what dead writers left and finish a commit's tidying.

    Staging folders, half-removed versions and temporary pointer links are garbage (a writer
    holding the lock is the only one that creates them); the fixed links (``hourly``,
    ``manifest.json``, registries) are pointed through ``current`` (converting an old store
    whose commit was killed before that step)."""
    versions = folder / VERSIONS_DIR
    if versions.is_dir():
        for p in versions.iterdir():
            if p.name.startswith((".staging-", ".trash-")):
                shutil.rmtree(p, ignore_errors=True)
    for p in folder.glob(f".{CURRENT}.tmp-*"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    if versions.is_dir() and not (folder / CURRENT).is_symlink():
        # never published (a first ingest killed between the rename and the pointer swap):
        # no reader can have resolved these folders
        for p in versions.iterdir():
            if _version_number(p.name) is not None:
                shutil.rmtree(p, ignore_errors=True)
    if (folder / CURRENT).is_symlink():
        with contextlib.suppress(OSError):  # tidying only: never the reason an ingest fails
            _fix_links(folder)
            _collect_garbage(folder)


def _replace_with_symlink(path: Path, target: str) -> None:
    tmp = path.parent / f".{path.name}.link-{os.getpid()}-{secrets.token_hex(4)}"
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _fix_links(folder: Path) -> None:
    """Point ``hourly``, ``manifest.json`` and each registry ``<name>.parquet`` of the dataset
    folder at ``current/…``; an old store's real ``hourly`` folder and files are replaced (their
    files are hard-linked into the first version, so nothing is lost)."""
    cur = dataset_dir(folder.parent, folder.name)
    names = ["hourly", "manifest.json", *sorted(f.name for f in cur.glob("*.parquet"))]
    for name in names:
        path, target = folder / name, f"{CURRENT}/{name}"
        if path.is_symlink():
            if os.readlink(path) != target:
                _replace_with_symlink(path, target)
        elif path.is_dir():  # the hourly folder of a store written before versions
            trash = folder / VERSIONS_DIR / f".trash-legacy-{name}-{secrets.token_hex(4)}"
            os.rename(path, trash)
            _replace_with_symlink(path, target)
            shutil.rmtree(trash, ignore_errors=True)
        else:  # a real file of an old store, or missing
            _replace_with_symlink(path, target)
    for p in folder.glob("*.parquet"):  # registries the current version no longer has
        if p.is_symlink() and not p.exists():
            p.unlink()


def _collect_garbage(folder: Path) -> None:
    """Remove versions other than the current one and the :data:`KEEP_PREVIOUS_VERSIONS`
    before it, unless a reader holds them (:func:`snapshot`)."""
    versions = folder / VERSIONS_DIR
    cur = _version_number(dataset_dir(folder.parent, folder.name).name)
    if cur is None or not versions.is_dir():
        return
    numbers = sorted(n for n in (_version_number(p.name) for p in versions.iterdir()) if n is not None)
    older = [n for n in numbers if n < cur]
    keep = {cur, *older[len(older) - KEEP_PREVIOUS_VERSIONS:]} if KEEP_PREVIOUS_VERSIONS > 0 else {cur}
    for n in numbers:
        if n in keep:
            continue
        path = versions / f"v{n:06d}"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        try:
            if not _flock(fd, block=False):
                continue  # a reader still holds it
            trash = versions / f".trash-{path.name}-{secrets.token_hex(4)}"
            os.rename(path, trash)
            _fault_point("store.gc_trashed")
            shutil.rmtree(trash, ignore_errors=True)
        finally:
            os.close(fd)


@contextlib.contextmanager
def transaction(
    root: str | os.PathLike[str], dataset: str, *, replace: bool = False, timeout: float | None = None
) -> Iterator[Transaction]:
    """One ingest into ``<root>/<dataset>``: all of its months, registries and manifest, or none.

    Takes the dataset's write lock (:func:`dataset_lock`), removes what a dead writer left,
    and yields a :class:`Transaction`; the ingest stages its months and registries through it.
    When the block ends without an exception the new version is fsynced and published by
    replacing the ``current`` symlink atomically (the commit point); a version equal to the
    current one is not published (re-running an ingest changes nothing). On an exception, or
    if the process dies, the staged files are discarded and the store is byte-identical to
    before. Opened again in the same thread for the same dataset (e.g. by :func:`write_hourly`
    inside the block), it joins the open transaction.

    Parameters
    ----------
    root, dataset
        Store root (e.g. ``data/processed``) and dataset name.
    replace : bool, default False
        Start from an empty dataset instead of the current version (the new version holds only
        what this transaction writes; used to rebuild the demo store).
    timeout : float, optional
        Seconds to wait for another writer (default :data:`LOCK_TIMEOUT_S`).

    Raises
    ------
    StoreWriteError
        The store cannot be written (disk full, permission denied, read-only file system):
        names the path and what to do; the dataset is unchanged.
    """
    folder = Path(root) / dataset
    key = str(folder.resolve())
    open_tx = getattr(_OPEN, "tx", None)
    if open_tx is None:
        open_tx = _OPEN.tx = {}
    if key in open_tx:
        if replace and not open_tx[key].replace:
            raise AirlibError(f"a transaction on dataset {dataset!r} is already open; cannot replace it")
        yield open_tx[key]
        return
    new_folder = not folder.exists()
    try:
        lock = dataset_lock(root, dataset, timeout)
        lock.__enter__()
    except OSError as exc:
        raise _store_error(exc, folder / ".lock", folder, dataset) from exc
    failed = True
    tx: Transaction | None = None
    try:
        tx = Transaction(root, dataset, replace=replace)
        tx._start()
        open_tx[key] = tx
        try:
            yield tx
        finally:
            open_tx.pop(key, None)
        tx._commit()
        failed = False
    finally:
        if failed:
            if tx is not None:
                tx._discard()
            if new_folder and (tx is None or tx.version is None):  # a failed first ingest leaves no folder
                with contextlib.suppress(OSError):
                    (folder / ".lock").unlink()
                    folder.rmdir()
        lock.__exit__(None, None, None)


def write_hourly(
    hourly: pd.DataFrame,
    root: str | os.PathLike[str],
    dataset: str,
    source: str = "unknown",
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    hour_label: str | None = None,
    qc: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a canonical hourly frame into the month partitions of ``<root>/<dataset>/hourly``.

    Replacement policy (docs/ingestion.md): for each month present in ``hourly``, the month's
    partition is rewritten as *(existing rows of stations not in ``hourly`` for that month)*
    ∪ *(the new rows)*. So re-ingesting a source replaces its stations' rows in those
    months, and sources for different stations coexist; months absent from ``hourly`` are not
    touched. Each partition is sorted by station, time; the same input gives byte-identical
    files (no timestamps in the metadata).

    One :func:`transaction` (all months and the manifest, or nothing), or part of the
    transaction already open in this thread for the dataset.

    Missing canonical columns are added as NaN and dtypes fixed
    (:func:`airlib.io.schema.canonical_hourly`); extra columns are kept.

    Parameters
    ----------
    hourly
        Canonical frame (``station``, ``time`` hour-beginning Beijing time, values).
    root, dataset
        Store root (e.g. ``data/processed``) and dataset name.
    source
        Name of the source in ``manifest.json``.
    inputs
        Input files; recorded in the manifest with their SHA-256 and size, the path relative
        to the project root when inside it, else absolute (:func:`portable_path`).
    hour_label
        Convention the source declared (recorded; the frame is already canonical).
    qc
        QC counts to record (e.g. ``QCReport.to_dict()``).

    Returns
    -------
    dict
        The manifest entry of ``source``.
    """
    with transaction(root, dataset) as tx:
        return tx.write_hourly(hourly, source, inputs=inputs, hour_label=hour_label, qc=qc)


def _bound(value, *, end: bool) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            per = pd.Period(value)
        except (ValueError, TypeError):
            raise InputDataError(f"cannot parse {'end' if end else 'start'} {value!r} as a date") from None
        return (per.end_time if end else per.start_time).floor("us")
    return pd.Timestamp(value)


def read_hourly(
    root: str | os.PathLike[str],
    dataset: str,
    start=None,
    end=None,
    stations: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read the hourly frame of ``dataset``, opening only the month partitions needed.

    Parameters
    ----------
    start, end
        Inclusive bounds like ``DataFrame.loc`` slicing: a string selects its whole period
        (``end="2017-01"`` → through 2017-01-31 23:00, ``end="2017-01-31"`` → through
        23:00 that day); a Timestamp is an exact inclusive bound. ``None`` = unbounded.
    stations
        Station ids to keep (``None`` = all).
    columns
        Value columns to read (``station`` and ``time`` are always returned).

    Returns
    -------
    pandas.DataFrame
        Canonical dtypes, sorted by station, time.
    """
    with snapshot(root, dataset) as folder:  # one version, held until the read is done
        return _read_hourly_in(folder / "hourly", dataset, start, end, stations, columns)


def _read_hourly_in(base: Path, dataset: str, start, end, stations, columns) -> pd.DataFrame:
    if not base.is_dir():
        raise InputDataError(f"no hourly store for dataset {dataset!r}", file=base)
    lo, hi = _bound(start, end=False), _bound(end, end=True)
    lo_key = None if lo is None else lo.year * 100 + lo.month
    hi_key = None if hi is None else hi.year * 100 + hi.month
    months: list[tuple[int, Path]] = []
    for ydir in base.glob("year=*"):
        for mdir in ydir.glob("month=*"):
            try:
                key = int(ydir.name[5:]) * 100 + int(mdir.name[6:])
            except ValueError:
                continue
            if (lo_key is not None and key < lo_key) or (hi_key is not None and key > hi_key):
                continue
            months.append((key, mdir))
    # calendar order (month=9 before month=10), so each station's rows come in time order
    files = [str(f) for _, mdir in sorted(months) for f in sorted(mdir.glob("*.parquet"))]

    cols = None if columns is None else ["station", "time", *[c for c in columns if c not in ("station", "time")]]
    if not files:
        empty = canonical_hourly(pd.DataFrame({"station": pd.Series([], dtype="string"),
                                               "time": pd.Series([], dtype="datetime64[us]")}))
        return empty if cols is None else empty[[c for c in cols if c in empty]]
    dset = pads.dataset(files, format="parquet",
                        partitioning=pads.partitioning(_PARTITION_SCHEMA, flavor="hive"),
                        partition_base_dir=str(base))
    expr = None

    def _and(e, f):
        return f if e is None else e & f

    ttype = dset.schema.field("time").type
    if lo is not None:
        expr = _and(expr, pads.field("time") >= pa.scalar(lo.to_datetime64(), type=ttype))
    if hi is not None:
        expr = _and(expr, pads.field("time") <= pa.scalar(hi.to_datetime64(), type=ttype))
    if stations is not None:
        expr = _and(expr, pads.field("station").isin(list(stations)))
    if cols is not None:
        missing = [c for c in cols if c not in dset.schema.names]
        if missing:
            raise InputDataError(f"unknown column(s) {missing}; stored: {dset.schema.names}", file=base)
    table = dset.to_table(columns=cols, filter=expr)
    table = table.drop_columns([c for c in ("year", "month") if c in table.column_names and (cols is None or c not in cols)])
    table = _sorted_by_station_time(table)
    df = table.to_pandas()
    extra = [c for c in df.columns if c not in HOURLY_COLUMNS]
    return canonical_columns(df, extra=extra, only=cols)


def _sorted_by_station_time(table: pa.Table) -> pa.Table:
    """``table`` in (station, time) order: the same rows in the same order as a stable
    ``sort_by([("station", "ascending"), ("time", "ascending")])``, paying only for what is out
    of order.

    The rows are cut into runs of one station (each partition file is sorted, so a read of k
    month files has about k runs per station). The runs are ordered stably by station (Python
    string order = UTF-8 byte order = Arrow's order); when every station's rows are then in
    time order (month files read in calendar order), the result is those runs concatenated
    (zero-copy slices, no gather). Otherwise the rows are sorted stably on (station, time)."""
    n = table.num_rows
    if n < 2:
        return table
    st, tm = table.column("station"), table.column("time")
    simple = (pa.types.is_string(st.type) or pa.types.is_large_string(st.type)) and pa.types.is_timestamp(tm.type)
    if not simple or st.null_count or tm.null_count:
        return table.sort_by([("station", "ascending"), ("time", "ascending")])
    arr = st.combine_chunks()
    t = tm.combine_chunks().cast(pa.int64()).to_numpy()
    change = pc.not_equal(arr[1:], arr[:-1]).to_numpy(zero_copy_only=False)
    starts = np.concatenate([[0], np.flatnonzero(change) + 1])
    across = False
    in_runs = len(starts) <= max(n // 16, 1) and not bool(((t[1:] < t[:-1]) & ~change).any())
    if in_runs:  # few runs (not a shuffled frame), each in time order
        ends = np.append(starts[1:], n)
        heads = arr.take(pa.array(starts)).to_pylist()
        order = np.array(sorted(range(len(starts)), key=heads.__getitem__), dtype=np.int64)  # stable
        sa, ea = starts[order], ends[order]
        same = np.array([heads[i] == heads[j] for i, j in zip(order[:-1], order[1:])], dtype=bool)
        across = not bool((same & (t[ea[:-1] - 1] > t[sa[1:]])).any()) if len(order) > 1 else True
    if in_runs and across:
        if bool((order == np.arange(len(order))).all()):
            return table
        cut = np.flatnonzero(sa[1:] != ea[:-1]) + 1  # merge runs that stay contiguous
        lo = sa[np.concatenate([[0], cut])]
        hi = ea[np.append(cut - 1, len(order) - 1)]
        out = pa.concat_tables([table.slice(int(a), int(b - a)) for a, b in zip(lo, hi)])
        # one contiguous station column (not one chunk per run) for the callers' string kernels
        i = out.column_names.index("station")
        return out.set_column(i, out.field(i), pa.chunked_array([out.column(i).combine_chunks()]))
    enc = pc.dictionary_encode(arr)
    rank = np.empty(len(enc.dictionary), dtype=np.int64)
    rank[pc.array_sort_indices(enc.dictionary).to_numpy()] = np.arange(len(enc.dictionary))
    perm = np.lexsort((t, rank[enc.indices.to_numpy()]))  # stable: equal keys keep their order
    return table.take(pa.array(perm))


def write_registry(frame: pd.DataFrame, root: str | os.PathLike[str], dataset: str, name: str) -> Path:
    """Write a registry (e.g. ``stations``, ``towns``) as ``<name>.parquet`` of the dataset.

    One :func:`transaction` (or part of the one open in this thread for the dataset)."""
    with transaction(root, dataset) as tx:
        return tx.write_registry(frame, name)


def read_registry(root: str | os.PathLike[str], dataset: str, name: str) -> pd.DataFrame:
    """Read registry ``name`` of the dataset's current version (string columns as pandas ``string``)."""
    with snapshot(root, dataset) as folder:
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise InputDataError(f"no registry {name!r} in dataset {dataset!r}", file=Path(root) / dataset / path.name)
        df = pq.read_table(path).to_pandas()
    for c in df.columns:
        if pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object:
            df[c] = df[c].astype("string")
    return df


def read_manifest(root: str | os.PathLike[str], dataset: str) -> dict[str, Any]:
    """The ``manifest.json`` of the dataset's current version as a dict (empty skeleton if absent)."""
    with snapshot(root, dataset) as folder:
        path = folder / "manifest.json"
        if not path.exists():
            return _skeleton_manifest(dataset)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputDataError(f"manifest is not valid JSON: {exc}", file=path, row=exc.lineno) from None


def update_manifest(root: str | os.PathLike[str], dataset: str, sources: Mapping[str, Mapping[str, Any]]) -> Path:
    """Merge ``sources`` (name → entry) into the dataset manifest (one :func:`transaction`).

    The manifest is rewritten by every commit: ``sources``, ``airlib_version`` and
    ``partitions`` (month → rows on disk, read from the Parquet footers of the new version).
    No wall-clock time is recorded, so re-running an ingestion leaves the manifest
    byte-identical.
    """
    with transaction(root, dataset) as tx:
        tx.update_manifest(sources)
    return Path(root) / dataset / "manifest.json"


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)
