"""One numbering of the report's tables (表1, 表2, …) and figures (图1, 图2, …).

Numbers are handed out when a caption is made, in the order the notebook shows the
sections, so that a table or figure that a month does not have (no warning list, no task
ledger, no target) takes no number and the numbers run on without gaps. Each caption asks
by a key ("ranking", "warnings", "map_pm25" …): asking again for the same key gives the
same number (a notebook cell run twice in JupyterLab does not renumber).

:class:`Numbering` lives in :class:`airlib.report.data.ReportData` (``data.numbering``);
every caption of :mod:`airlib.report.sections` takes its number from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Numbering"]


@dataclass
class Numbering:
    """Table and figure numbers of one report, in the order their captions are made.

    Attributes
    ----------
    tables, figures : dict of str to int
        Key → number (1, 2, … without gaps), in the order they were handed out.

    Examples
    --------
    >>> n = Numbering()
    >>> n.table("ranking"), n.table("ytd"), n.figure("ranking_bar"), n.table("ranking")
    (1, 2, 1, 1)
    """

    tables: dict[str, int] = field(default_factory=dict)
    figures: dict[str, int] = field(default_factory=dict)

    def table(self, key: str) -> int:
        """Number of the table ``key``: its number if it has one, else the next free one."""
        return self.tables.setdefault(key, len(self.tables) + 1)

    def figure(self, key: str) -> int:
        """Number of the figure ``key``: its number if it has one, else the next free one."""
        return self.figures.setdefault(key, len(self.figures) + 1)
