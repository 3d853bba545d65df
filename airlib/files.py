"""Atomic file writes and file hashes (core layer: no other airlib import).

Every single file airlib writes for a user (``manifest.json`` of old stores, reports,
figures, Excel workbooks, demo files) goes through :func:`atomic_write`: a temporary file in
the same folder replaces the target with :func:`os.replace`; on failure the previous file is
left untouched. The store (:mod:`airlib.io.store`), plotting (:mod:`airlib.plotting`) and the
report import these helpers from here so that the core layer never imports ``airlib.io``
(see ``docs/architecture.md``, "Layout and layers").
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "exchange_dirs", "refuse_if_larger", "sha256_file"]

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


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes (read in chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def refuse_if_larger(path: str | os.PathLike[str], size: int, limit: float, setting: str, *,
                     what: str = "the file", hint: str = "is it the right file?") -> None:
    """The one size limit of every reader of user files: an
    :class:`airlib.errors.InputDataError` naming the file, its size, the limit and the setting
    that holds it when ``size`` exceeds ``limit``.

    Parameters
    ----------
    path : path-like
        The file (named in the message).
    size : int
        Its size [bytes].
    limit : float
        The largest size accepted [bytes].
    setting : str
        The :class:`airlib.settings.Settings` field that holds the limit.
    what : str
        How the message calls the file.
    hint : str
        What to do.
    """
    if size > limit:
        from airlib.errors import InputDataError

        raise InputDataError(f"{what} is {size:,} bytes, more than the limit of {int(limit):,} bytes "
                             f"(setting {setting}); {hint}", file=path)


def exchange_dirs(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Atomically swap two existing directories (Linux ``renameat2(RENAME_EXCHANGE)``).

    Used to publish a folder written in full beside its destination (a report month, the
    warning letters): readers see either all the old files or all the new ones.

    Returns
    -------
    bool
        True when swapped; False when the platform or file system cannot (the caller then
        falls back to renames).
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
