"""The ``airlib`` console script.

Subcommands (each implemented by the module named after its domain concept):

- ``airlib demo``: generate the synthetic demo district, ingest it, run the monthly job.
- ``airlib generate-demo``: write the deterministic demo data set to ``data/raw/demo/``.
- ``airlib ingest``: read raw sources into the partitioned Parquet store.
- ``airlib summary``: print a month's summary per town.
- ``airlib report``: execute the monthly ranking report notebook with papermill.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from airlib.errors import AirlibError, describe_os_error  # noqa: F401 - describe_os_error re-exported

__all__ = [
    "EXIT_USER_ERROR",
    "EXIT_INTERNAL_ERROR",
    "EXIT_INTERRUPTED",
    "build_parser",
    "describe_os_error",
    "main",
    "terminal_safe",
]

#: Exit status: a user-input or environment error (bad file or option, disk full, no write
#: permission …), with a one-paragraph message; argparse's usage errors use it too.
EXIT_USER_ERROR = 2
#: Exit status: an unexpected exception inside airlib (a bug); the message says to run again
#: with ``--debug`` and report it.
EXIT_INTERNAL_ERROR = 3
#: Exit status: interrupted with Ctrl-C.
EXIT_INTERRUPTED = 130

_DEBUG_HELP = "show the Python traceback of an error (also: environment variable AIRLIB_DEBUG=1)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airlib",
        description="airlib：区级大气污染防治分析与目标跟踪 (AQI, valid statistics, town rankings, monthly reports).",
        epilog=f"exit status: 0 ok; 1 a report or one of several failed; {EXIT_USER_ERROR} bad input, "
        f"options or environment (message says what to fix); {EXIT_INTERNAL_ERROR} internal error "
        "(run again with --debug and report it).",
    )
    parser.add_argument("--debug", action="store_true", default=False, help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    # Each module registers its own subcommands; imports stay lazy inside the handlers.
    from airlib import cli_commands

    cli_commands.register(sub)
    for p in sub.choices.values():  # `airlib report … --debug` works as well as `airlib --debug report …`
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    return parser


def _debug_requested(args: argparse.Namespace | None, argv: Sequence[str] | None) -> bool:
    if os.environ.get("AIRLIB_DEBUG", "") not in ("", "0"):
        return True
    if args is not None:
        return bool(getattr(args, "debug", False))
    return "--debug" in (sys.argv[1:] if argv is None else argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; return the exit status (see :data:`EXIT_USER_ERROR` etc.).

    No Python traceback reaches the user unless ``--debug`` (or ``AIRLIB_DEBUG=1``) is given:
    :class:`AirlibError` → its message, exit 2; ``OSError`` (disk full, permission, read-only)
    → :func:`describe_os_error`, exit 2; anything else → a short message, exit 3.
    """
    args: argparse.Namespace | None = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.handler(args) or 0)
    except SystemExit:
        raise  # argparse: --help (0) and usage errors (2) have printed their message
    except KeyboardInterrupt:
        _report(None, "interrupted (Ctrl-C).", args, argv, tb=False)
        return EXIT_INTERRUPTED
    except AirlibError as exc:
        _report(exc, str(exc), args, argv)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # `airlib summary … | head`: the reader went away
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - no "Exception ignored" at exit
        except OSError:
            pass
        return 1
    except OSError as exc:
        _report(exc, describe_os_error(exc), args, argv)
        return EXIT_USER_ERROR
    except MemoryError as exc:
        _report(exc, "not enough memory for this input; use a smaller input (fewer months or files).",
                args, argv)
        return EXIT_USER_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence of the console script
        msg = str(exc).strip().replace("\n", " ")
        if len(msg) > 300:
            msg = msg[:300] + "…"
        _report(exc, f"internal error ({type(exc).__name__}: {msg}). This is a bug in airlib, not "
                "in your data or options as far as airlib can tell; run again with --debug for "
                "details and report it.", args, argv)
        return EXIT_INTERNAL_ERROR


def _report(exc: BaseException | None, message: str, args: argparse.Namespace | None,
            argv: Sequence[str] | None, *, tb: bool = True) -> None:
    if exc is not None and tb and _debug_requested(args, argv):
        traceback.print_exception(exc, file=sys.stderr)
    print(f"airlib: error: {terminal_safe(message)}", file=sys.stderr)


def terminal_safe(text: str) -> str:
    """``text`` with control and format characters escaped (``\\x1b``, ``\\u202e``).

    Messages quote file contents (names, cells, keys); an escape sequence or a bidirectional
    override in a hostile file must not drive the user's terminal or reorder the message.
    Line breaks and tabs are kept.
    """
    import unicodedata

    out = []
    for ch in text:
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
