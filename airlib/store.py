"""Partitioned Parquet store and atomic file writes.

Layout (see ``docs/architecture.md`` and ``docs/ingestion.md``)::

    <root>/<dataset>/hourly/year=YYYY/month=M/part-0.parquet
    <root>/<dataset>/stations.parquet, towns.parquet, ...
    <root>/<dataset>/manifest.json

Every file is written atomically: the content goes to a temporary file in the same
folder, which then replaces the target with :func:`os.replace`. If anything fails, the
previous file (if any) is left untouched and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text"]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Context manager yielding a temporary path next to ``path``; replaces ``path`` on success.

    The caller writes the complete content to the yielded path (e.g. with
    ``frame.to_parquet(tmp)`` or ``fig.savefig(tmp, format="png")``; pass the format
    explicitly, since the temporary name ends in ``.tmp``). When the ``with`` block ends
    without an exception the temporary file is moved over ``path`` with :func:`os.replace`
    (atomic on POSIX within one filesystem). On an exception the temporary file is deleted
    and the old ``path`` (if any) is unchanged. Parent folders are created.

    Parameters
    ----------
    path
        The final destination.

    Yields
    ------
    pathlib.Path
        Temporary path in the same folder as ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates 0600; outputs are shared with colleagues, so apply the usual umask mode.
    os.chmod(tmp, 0o666 & ~_current_umask())
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"atomic_write: nothing was written to the temporary file for {target}")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + ``os.replace``)."""
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically with the given encoding (default UTF-8)."""
    return atomic_write_bytes(path, text.encode(encoding))


# ---------------------------------------------------------------------------------------------
# Partitioned hourly store
# ---------------------------------------------------------------------------------------------

import hashlib  # noqa: E402
import json  # noqa: E402
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

from airlib.errors import InputDataError  # noqa: E402
from airlib.paths import project_root  # noqa: E402

__all__ += [
    "PARQUET_COMPRESSION",
    "LOCK_TIMEOUT_S",
    "dataset_lock",
    "hourly_dir",
    "partition_path",
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

_HELD = threading.local()  # datasets whose lock this thread holds (re-entrant within a thread)


@contextlib.contextmanager
def dataset_lock(root: str | os.PathLike[str], dataset: str, timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive write lock of ``<root>/<dataset>`` (``.lock`` file, ``flock``).

    Each file the store writes is replaced atomically, but an ingestion rewrites a month as
    *(rows already there) ∪ (new rows)* and then the manifest: two processes ingesting into the
    same dataset at once (the monthly cron job and an analyst, say) could each read the old
    month and the second write would drop the first one's stations. :func:`write_hourly` and
    :func:`update_manifest` therefore run under this lock; readers do not take it. The lock is
    re-entrant within a thread and released when the process dies (``flock``). Where ``fcntl``
    does not exist (Windows) it is a no-op.

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
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux
        yield lock_path
        return
    folder.mkdir(parents=True, exist_ok=True)
    wait = LOCK_TIMEOUT_S if timeout is None else float(timeout)
    deadline = time.monotonic() + wait
    with open(lock_path, "a+b") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InputDataError(
                        f"dataset {dataset!r} is being written by another process (waited {wait:g} s); "
                        "try again when it has finished",
                        file=lock_path,
                    ) from None
                time.sleep(0.05)
        held.add(key)
        try:
            yield lock_path
        finally:
            held.discard(key)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def hourly_dir(root: str | os.PathLike[str], dataset: str) -> Path:
    """``<root>/<dataset>/hourly``."""
    return Path(root) / dataset / "hourly"


def partition_path(root: str | os.PathLike[str], dataset: str, year: int, month: int) -> Path:
    """``<root>/<dataset>/hourly/year=YYYY/month=M/part-0.parquet`` (month without leading zero)."""
    return hourly_dir(root, dataset) / f"year={int(year)}" / f"month={int(month)}" / "part-0.parquet"


def portable_path(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> str:
    """An input file's path as recorded in ``manifest.json``.

    Relative to the project root (POSIX separators) when the file lies inside it, so the
    manifest is the same in every clone; absolute otherwise. Both sides are resolved first
    (symlinks, ``..``); a relative ``path`` is taken from the current directory.

    Parameters
    ----------
    path
        Input file.
    root
        Project root; default :func:`airlib.paths.project_root`.
    """
    p = Path(path).resolve()
    base = Path(root).resolve() if root is not None else project_root().resolve()
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        return str(p)


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes (read in chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_write(path) as tmp:
        pq.write_table(table, tmp, compression=PARQUET_COMPRESSION)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    from airlib.ingest.columns import HOURLY_COLUMNS, canonical_hourly

    for c in ("station", "time"):
        if c not in frame:
            raise InputDataError(f"hourly frame has no {c!r} column; columns: {list(frame.columns)}", column=c)
    if frame["station"].isna().any() or frame["time"].isna().any():
        raise InputDataError("hourly frame has missing station or time values", column="station/time")
    extra = [c for c in frame.columns if c not in HOURLY_COLUMNS]
    return canonical_hourly(frame, extra=extra)


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
    touched. Each partition is sorted by station, time and written atomically; the same input
    gives byte-identical files (no timestamps in the metadata).

    Missing canonical columns are added as NaN and dtypes fixed
    (:func:`airlib.ingest.columns.canonical_hourly`); extra columns are kept.

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
    frame = _canonical(hourly)
    if frame.duplicated(["station", "time"]).any():
        raise InputDataError("hourly frame has duplicate station-hours; apply a duplicates policy first")
    with dataset_lock(root, dataset):  # read-modify-write of months and manifest: one writer at a time
        t = frame["time"]
        ym = t.dt.year.to_numpy() * 100 + t.dt.month.to_numpy()
        months: list[str] = []
        for key in np.unique(ym):
            y, m = divmod(int(key), 100)
            new = frame[ym == key]
            path = partition_path(root, dataset, y, m)
            if path.exists():
                old = pq.read_table(path).to_pandas()
                old = _canonical(old)
                keep = old[~old["station"].isin(new["station"].unique())]
                new = pd.concat([keep, new], ignore_index=True) if len(keep) else new
            part = _canonical(new)
            _write_parquet(part, path)
            months.append(f"{y:04d}-{m:02d}")
        entry = {
            "files": [{"path": portable_path(p), "name": Path(p).name, "sha256": sha256_file(p), "bytes": Path(p).stat().st_size}
                      for p in inputs],
            "hour_label": hour_label,
            "rows": int(len(frame)),
            "stations": sorted(frame["station"].unique().tolist()),
            "months": months,
            "qc": dict(qc) if qc is not None else None,
        }
        update_manifest(root, dataset, {source: entry})
        return entry


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
    base = hourly_dir(root, dataset)
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
    from airlib.ingest.columns import HOURLY_COLUMNS, canonical_columns, canonical_hourly

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
    """Write a registry (e.g. ``stations``, ``towns``) to ``<root>/<dataset>/<name>.parquet`` atomically."""
    path = Path(root) / dataset / f"{name}.parquet"
    _write_parquet(frame.reset_index(drop=True), path)
    return path


def read_registry(root: str | os.PathLike[str], dataset: str, name: str) -> pd.DataFrame:
    """Read ``<root>/<dataset>/<name>.parquet`` (string columns as pandas ``string``)."""
    path = Path(root) / dataset / f"{name}.parquet"
    if not path.exists():
        raise InputDataError(f"no registry {name!r} in dataset {dataset!r}", file=path)
    df = pq.read_table(path).to_pandas()
    for c in df.columns:
        if pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object:
            df[c] = df[c].astype("string")
    return df


def read_manifest(root: str | os.PathLike[str], dataset: str) -> dict[str, Any]:
    """``<root>/<dataset>/manifest.json`` as a dict (empty skeleton if absent)."""
    path = Path(root) / dataset / "manifest.json"
    if not path.exists():
        from airlib import __version__

        return {"dataset": dataset, "airlib_version": __version__, "canonical_hour_label": "beginning",
                "time_zone": "Asia/Shanghai (UTC+8, naive)", "sources": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputDataError(f"manifest is not valid JSON: {exc}", file=path, row=exc.lineno) from None


def update_manifest(root: str | os.PathLike[str], dataset: str, sources: Mapping[str, Mapping[str, Any]]) -> Path:
    """Merge ``sources`` (name → entry) into the dataset manifest and rewrite it atomically.

    Also refreshes ``airlib_version`` and ``partitions`` (month → rows on disk, read from
    the Parquet footers only). No wall-clock time is recorded, so re-running an ingestion
    leaves the manifest byte-identical.
    """
    from airlib import __version__

    with dataset_lock(root, dataset):  # re-entrant: write_hourly already holds it
        man = read_manifest(root, dataset)
        man["airlib_version"] = __version__
        man.setdefault("sources", {}).update({k: dict(v) for k, v in sources.items()})
        base = hourly_dir(root, dataset)
        parts: dict[str, int] = {}
        if base.is_dir():
            for f in sorted(base.glob("year=*/month=*/*.parquet")):
                y, m = int(f.parent.parent.name[5:]), int(f.parent.name[6:])
                key = f"{y:04d}-{m:02d}"
                parts[key] = parts.get(key, 0) + pq.ParquetFile(f).metadata.num_rows
        man["partitions"] = dict(sorted(parts.items()))
        path = Path(root) / dataset / "manifest.json"
        atomic_write_text(path, json.dumps(man, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default) + "\n")
        return path


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)
