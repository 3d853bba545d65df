"""Subcommand registrations for the ``airlib`` console script.

Each ``_add_*`` function adds one subcommand whose handler imports its module lazily,
so that ``airlib --help`` stays fast.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add every subcommand to ``sub``."""
    # Filled in by the modules: demo, ingest, summary, report.
