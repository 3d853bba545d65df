"""Errors raised by airlib.

Every error about input data names the file, the row and/or column, and what
is wrong, so that an analyst can fix the source without reading a traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from os import PathLike

__all__ = [
    "AirlibError",
    "InputDataError",
    "UnknownNameError",
    "describe_os_error",
]


class AirlibError(Exception):
    """Base class of all errors airlib raises on purpose."""


class InputDataError(AirlibError, ValueError):
    """Bad input data: names the file, the row and/or column, and the problem.

    Parameters
    ----------
    problem
        What is wrong, in plain words (Chinese or English).
    file
        The file the data came from, if any.
    row
        1-based row number as the user sees it in the file (header = row 1), if known.
        A sequence of rows is shortened to the first few.
    column
        The column (header text as in the file), if known.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | PathLike[str] | None = None,
        row: int | Sequence[int] | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.row is not None:
            if isinstance(self.row, int):
                where.append(f"row {self.row}")
            else:
                rows = list(self.row)
                shown = ", ".join(str(r) for r in rows[:10])
                more = f" (+{len(rows) - 10} more)" if len(rows) > 10 else ""
                where.append(f"rows {shown}{more}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.problem}" if prefix else self.problem


class UnknownNameError(InputDataError, KeyError):
    """A town, station or district name that the registry does not know.

    The message lists the closest known names.
    """

    def __init__(
        self,
        name: str,
        candidates: Sequence[str],
        *,
        kind: str = "name",
        file: str | PathLike[str] | None = None,
        row: int | Sequence[int] | None = None,
        column: str | None = None,
    ) -> None:
        self.name = name
        self.candidates = list(candidates)
        hint = "、".join(self.candidates) if self.candidates else "(none)"
        super().__init__(
            f"unknown {kind} {name!r}; closest known: {hint}",
            file=file,
            row=row,
            column=column,
        )

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0] if self.args else ""


def _paths(exc: OSError) -> str:
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return " → ".join(names) if names else "(the system did not say which file)"


def describe_os_error(exc: OSError) -> str:
    """One-paragraph Chinese/English message for an operating-system error, naming the path.

    Parameters
    ----------
    exc
        The error (``errno`` and ``filename`` as set by the OS call).

    Returns
    -------
    str
        What happened, where, and what to do.
    """
    code = exc.errno
    where = _paths(exc)
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", None):
        return (f"磁盘空间不足 (no space left on device) while writing {where}. Free some space (or "
                "choose another output folder) and run again; airlib writes its outputs atomically, "
                "so earlier results were not changed.")
    if code == errno.EROFS:
        return (f"只读文件系统 (read-only file system): cannot write {where}. Choose a writable folder "
                "(e.g. --out/--processed) or make this one writable.")
    if code in (errno.EACCES, errno.EPERM):
        return (f"没有写权限/只读 (permission denied): {where}. Check the folder's permissions or choose "
                "another folder.")
    if code == errno.ENOENT:
        return f"file or folder not found: {where}. Check the path."
    if code == errno.ENOTDIR:
        return f"not a folder: {where}. Check the path."
    if code == errno.EISDIR:
        return f"is a folder, not a file: {where}. Check the path."
    reason = exc.strerror or type(exc).__name__
    return f"operating-system error ({reason}) on {where}."
