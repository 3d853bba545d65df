"""The city-scale engine: every town of a city from the store, streamed month by month.

Layer 5 (imports the layers below). The same rules as :mod:`airlib.standards` (the kernels
are shared), laid out for speed:

- :mod:`~airlib.engine.citywide` — town monthly statistics, rankings, composite index, YoY/YTD;
- :mod:`~airlib.engine.backends` — the same computations on Dask (``backend="dask"``; the
  ``dask`` extra); backends uses citywide, never the reverse;
- ``_grid`` (private) — rows onto the hour-major grid, compiled with numba (the ``fast`` extra)
  or, without it, in pure numpy with the same results.
"""

__all__ = ["citywide", "backends"]
