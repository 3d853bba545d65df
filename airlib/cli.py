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
import sys
from collections.abc import Sequence

from airlib.errors import AirlibError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airlib",
        description="airlib：区级大气污染防治分析与目标跟踪 (AQI, valid statistics, town rankings, monthly reports).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    # Each module registers its own subcommands; imports stay lazy inside the handlers.
    from airlib import cli_commands

    cli_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except AirlibError as exc:
        print(f"airlib: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
