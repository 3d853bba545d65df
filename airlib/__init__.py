"""airlib: air-quality analytics and target tracking for Beijing district bureaus.

Computes AQI per HJ 633 (2012 and 2026), valid statistics per HJ 663 / GB 3095,
PM2.5 reductions against plan targets, per-town task completion, and monthly
town/street ranking reports.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
