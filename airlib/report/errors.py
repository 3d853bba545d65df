"""Errors of a report run: :class:`ReportError` (a step or cell failed) and
:class:`ReportWriteError` (a file could not be written; the user's to fix, exit code 2)."""

from __future__ import annotations

import re
from typing import Final

from airlib.errors import AirlibError

__all__ = ["ReportError", "ReportWriteError", "write_error_class"]


class ReportError(AirlibError):
    """A report run failed; the message names the failed step or cell and what was kept."""


class ReportWriteError(ReportError):
    """A report step failed because a file could not be written (disk full, read-only
    folder, no permission, quota): the user's to fix, so ``airlib report`` exits with 2."""


#: errno values that mean "cannot write here": EACCES, ENOSPC, EROFS, EDQUOT.
_WRITE_ERRNOS: Final[tuple[int, ...]] = (13, 28, 30, 122)


def write_error_class(exc: BaseException) -> type[ReportError]:
    """:class:`ReportWriteError` when ``exc`` (or the notebook error it reports) is a write
    error of :data:`_WRITE_ERRNOS`, else :class:`ReportError`."""
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        return ReportWriteError
    if isinstance(exc, ReportWriteError) or re.search(
            r"\[Errno (" + "|".join(map(str, _WRITE_ERRNOS)) + r")\]", str(exc)):
        return ReportWriteError
    return ReportError
