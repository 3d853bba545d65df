"""Owner-tagged temporary folders and the removal of those a killed run left behind.

Staging and temporary folders of a report run carry their owner (host, pid, process start
time) in their name (:func:`owned_prefix`); :func:`clean_stale` removes those whose owner is
gone at the start of every run (docs/security.md).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Final

from airlib.paths import project_root as default_project_root

__all__ = ["TEMP_PREFIXES", "clean_stale", "owned_prefix", "owner_alive", "process_start_time"]


#: Prefixes of the temporary folders a report run creates in the system temp folder.
TEMP_PREFIXES: Final[tuple[str, ...]] = ("airlib-k-", "airlib-html-", "airlib-chromium-")


#: Owner tag at the end of a folder name: ``-<host>-<pid>-<start>-`` + mkdtemp's 8 random
#: characters (``[a-z0-9_]``, never ``-``).
_OWNER_RE: Final[re.Pattern[str]] = re.compile(
    r"-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-(?P<start>\d+)-[a-z0-9_]+$")


def _host_tag() -> str:
    """6 hex digits naming this machine (folders of another host are never judged)."""
    import hashlib
    import socket

    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def process_start_time(pid: int) -> str | None:
    """Start time of process ``pid`` (field 22 of ``/proc/<pid>/stat``, clock ticks since
    boot), ``"0"`` where there is no ``/proc`` but the process exists, None when it is gone.

    Together with the pid it identifies a process even after the pid is reused.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
    except OSError:
        return None
    else:
        return stat[stat.rindex(")") + 2:].split()[19]
    try:  # no /proc (macOS): existence only
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "0"


def owned_prefix(prefix: str) -> str:
    """``prefix`` + owner tag ``<host>-<pid>-<start>-`` of this process, for
    :func:`tempfile.mkdtemp`: the folder's name records its owner from the moment it exists,
    so :func:`clean_stale` can tell a dead run's folder from a live one's."""
    pid = os.getpid()
    return f"{prefix}{_host_tag()}-{pid}-{process_start_time(pid) or 0}-"


def owner_alive(name: str) -> bool:
    """Is the owner recorded in folder name ``name`` (see :func:`owned_prefix`) still running?

    True when the name carries no owner tag or the tag is of another host (nothing is known,
    so nothing may be removed); False when the pid is gone or now belongs to a process that
    started at another time (pid reuse).
    """
    m = _OWNER_RE.search(name)
    if m is None or m["host"] != _host_tag():
        return True
    start = process_start_time(int(m["pid"]))
    if start is None:
        return False
    return m["start"] == "0" or start == "0" or start == m["start"]


def clean_stale(project_root: Path | None = None, tmpdir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove what killed report runs left: ``reports/*/.<month>.staging-*`` folders and
    ``airlib-k-*``, ``airlib-html-*``, ``airlib-chromium-*`` folders in the temp folder, when
    their owner process (recorded in the name) is gone. Folders of live runs, of other hosts
    and without an owner tag are kept.

    Returns
    -------
    list of Path
        The folders removed.
    """
    project_root = Path(project_root) if project_root is not None else default_project_root()
    candidates: list[Path] = []
    reports = project_root / "reports"
    if reports.is_dir():
        candidates += [p for p in reports.glob("*/.*.staging-*") if p.is_dir() and not p.is_symlink()]
    tmp = Path(tmpdir) if tmpdir is not None else Path(tempfile.gettempdir())
    for prefix in TEMP_PREFIXES:
        candidates += [p for p in tmp.glob(prefix + "*") if p.is_dir() and not p.is_symlink()]
    removed = []
    for p in candidates:
        if not owner_alive(p.name):
            shutil.rmtree(p, ignore_errors=True)
            if not p.exists():
                removed.append(p)
    return removed
