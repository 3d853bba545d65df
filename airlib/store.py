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
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"atomic_write: nothing was written to the temporary file for {target}")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


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
