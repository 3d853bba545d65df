"""Subcommand registrations for the ``airlib`` console script.

Each ``_add_*`` function adds one subcommand whose handler imports its module lazily,
so that ``airlib --help`` stays fast.
"""

from __future__ import annotations

import argparse

__all__ = [
    "register",
]


class _IntermixedParser(argparse.ArgumentParser):
    """A subcommand parser that accepts options and positionals in any order.

    ``airlib ingest table --dataset X --towns T a.csv b.csv`` (the README's order) and
    ``airlib ingest table a.csv b.csv --dataset X`` both work: argparse's plain parsing binds
    the ``nargs="*"`` file list to the empty run of positionals right after ``table``.
    """

    _intermixed_active = False

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if self._intermixed_active:  # parse_known_intermixed_args calls back into this method
            return super().parse_known_args(args, namespace)
        self._intermixed_active = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixed_active = False


def _int_at_least(low: int):  # type: ignore[no-untyped-def]
    """argparse type: a whole number ≥ ``low`` (usage error, exit 2, otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be ≥ {low}, not {value}")
        return value

    return parse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add every subcommand to ``sub``."""
    _add_generate_demo(sub)
    _add_ingest(sub)
    _add_summary(sub)
    _add_demo(sub)
    _add_report(sub)
    _add_daily(sub)


def _add_generate_demo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("generate-demo", help="write the deterministic SYNTHETIC demo data set (门头沟区)")
    p.add_argument("--end", default=None, help="last month YYYY-MM (default: last complete month)")
    p.add_argument("--out", default=None, help="output folder (default: data/raw/demo)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed demo seed)")

    def handler(args: argparse.Namespace) -> int:
        from airlib.demo.main_job import cmd_generate_demo

        return cmd_generate_demo(args.end, args.out, args.seed)

    p.set_defaults(handler=handler)


def _add_ingest(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "ingest",
        help="read raw sources into the partitioned Parquet store",
        description="demo: the generated demo district; uci: the real UCI files in ../shared/data; "
        "table: your own station-hour CSV/Excel files (docs/ingestion.md). Options and files "
        "may come in any order.",
    )
    p.__class__ = _IntermixedParser  # options before or after the files
    p.add_argument("source", choices=["demo", "uci", "table"], help="what to ingest")
    p.add_argument("files", nargs="*", help="table: the station-hour CSV/XLSX files")
    p.add_argument("--raw", default=None,
                   help="demo/uci: raw folder (default: data/raw/demo; for uci the shared data folder)")
    p.add_argument("--processed", default=None, help="store root (default: data/processed)")
    p.add_argument("--dataset", default=None, help="table: name of the data set in the store (required)")
    p.add_argument("--towns", default=None, help="table: towns registry (CSV/XLSX)")
    p.add_argument("--stations", default=None, help="table: stations registry (CSV/XLSX)")
    p.add_argument("--hour-label", choices=("beginning", "ending"), default="beginning",
                   help="table: hours labelled at their beginning (default) or end")
    p.add_argument("--encoding", default=None, help="table: declared encoding (default: detected)")
    p.add_argument("--duplicates", choices=("error", "first", "last", "mean"), default="error",
                   help="table: policy for duplicate station-hours (default: error)")
    p.add_argument("--layout", choices=("long", "wide"), default="long",
                   help="table: long (one row per station-hour) or wide (date, hour, type, <station>...)")
    p.add_argument("--time-format", default=None,
                   help="table: strftime format of the time (or date) column, e.g. '%%d/%%m/%%Y %%H:%%M' "
                   "(default: inferred; ambiguous day/month orders are refused)")
    p.add_argument("--timezone", default=None,
                   help="table: zone of timestamps without an offset: UTC, Asia/Shanghai, +08:00, -05:00 "
                   "(default: Beijing time); converted to Beijing time once, at ingestion")
    p.add_argument("--decimal", choices=(".", ","), default=None, metavar="{.|,}",
                   help="table: decimal mark of numbers (default: detected; '45,3' in a ';'-separated file "
                   "is 45.3; an ambiguous '1,234' is refused)")
    p.add_argument("--sheet", default=None, help="table: Excel sheet name (default: the first sheet)")

    def handler(args: argparse.Namespace) -> int:
        if args.source != "table" and args.files:
            from airlib.errors import InputDataError

            raise InputDataError(f"files are only read by `airlib ingest table`; `ingest {args.source}` reads "
                                 f"--raw (got {args.files[:3]})")
        if args.source == "uci":
            from airlib.io.ingest.pipeline import cmd_ingest_uci

            return cmd_ingest_uci(args.raw, args.processed)
        if args.source == "table":
            from airlib.io.ingest.pipeline import cmd_ingest_table

            return cmd_ingest_table(
                args.files, args.processed, args.dataset, stations=args.stations, towns=args.towns,
                hour_label=args.hour_label, encoding=args.encoding, duplicates=args.duplicates,
                layout=args.layout, time_format=args.time_format, timezone=args.timezone,
                decimal=args.decimal, sheet=args.sheet,
            )
        from airlib.demo.main_job import cmd_ingest_demo

        return cmd_ingest_demo(args.raw, args.processed)

    p.set_defaults(handler=handler)


def _add_summary(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("summary", help="print a month's summary per town (镇街月度汇总)")
    p.add_argument("--dataset", default="demo", help="data set in the store (default: demo)")
    p.add_argument("--month", required=True, help="month YYYY-MM")
    p.add_argument("--processed", default=None, help="store root (default: data/processed)")

    def handler(args: argparse.Namespace) -> int:
        from airlib.demo.main_job import cmd_summary

        return cmd_summary(args.dataset, args.month, args.processed)

    p.set_defaults(handler=handler)


def _add_demo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="generate the demo district, ingest it, summarise the last month, "
                       "its monthly report and the daily report of its last day")
    p.add_argument("--end", default=None, help="last month YYYY-MM (default: last complete month)")
    p.add_argument("--raw", default=None, help="raw folder (default: data/raw/demo)")
    p.add_argument("--processed", default=None, help="store root (default: data/processed)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed demo seed)")

    def handler(args: argparse.Namespace) -> int:
        from airlib.demo.main_job import cmd_demo

        rc = cmd_demo(args.end, args.raw, args.processed, args.seed)
        if rc == 0 and args.raw is None and args.processed is None:
            from airlib.report import demo_report  # ends with the latest complete month's report

            rc = demo_report(args.end)
        if rc == 0 and args.raw is None and args.processed is None:
            from airlib.report.daily import demo_daily  # and the daily report of its last day

            rc = demo_daily(args.end)
        return rc

    p.set_defaults(handler=handler)


def _add_report(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report",
        help="monthly ranking report (PDF, Excel, maps) of a district and month",
        description="Execute notebooks/monthly_report.ipynb with papermill and write "
        "reports/<district>/<month>/ (executed notebook, PDF, Excel, figures/).",
    )
    p.add_argument("--district", help="configured district, e.g. 门头沟区 (default: the demo district)")
    p.add_argument("--month", help="YYYY-MM (default: the last complete month)")
    p.add_argument("--all", action="store_true",
                   help="every district in config/districts.yaml, several at once (without the synthetic demo)")
    p.add_argument("--include-demo", action="store_true", help="with --all: also the synthetic demo district")
    p.add_argument("--jobs", type=_int_at_least(1), default=2, help="reports run at once with --all (default 2)")
    p.add_argument("--bottom-n", type=_int_at_least(0), default=None,
                   help="size of the bottom list (default: per district)")
    p.add_argument("--language", choices=("zh", "en"), default="zh")
    p.add_argument("--timeout", type=_int_at_least(1), default=900, help="seconds allowed per notebook cell")

    def handler(args: argparse.Namespace) -> int:
        from airlib.report import report_command

        return report_command(args)

    p.set_defaults(handler=handler)


def _add_daily(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "daily",
        help="daily air-quality report (日报, PDF) of a district for one day (default yesterday)",
        description="Execute notebooks/daily_report.ipynb with papermill and write "
        "reports/<district>/daily/<YYYY-MM-DD>/ (executed notebook, PDF, run record, figures/).",
    )
    p.add_argument("--district", help="configured district, e.g. 门头沟区 (default: the demo district)")
    p.add_argument("--date", help="YYYY-MM-DD (default: yesterday, Beijing time)")
    p.add_argument("--all", action="store_true",
                   help="every district in config/districts.yaml, one after the other (without the synthetic demo)")
    p.add_argument("--include-demo", action="store_true", help="with --all: also the synthetic demo district")
    p.add_argument("--timeout", type=_int_at_least(1), default=300, help="seconds allowed per notebook cell")

    def handler(args: argparse.Namespace) -> int:
        from airlib.report.daily import daily_command

        return daily_command(args)

    p.set_defaults(handler=handler)
