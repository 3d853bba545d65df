"""benchmarks.micro_network.bench_qc_colocation at a small size: one qc_flags(..., colocation=)
call equals the window and deployed hours QC-ed by two plain calls (times are not asserted)."""

from __future__ import annotations

import pandas as pd


def test_segmented_qc_equals_two_calls_and_the_windows_matter():
    from airlib.analysis.sensor_qc import qc_flags
    from benchmarks import micro_network

    net = micro_network.synthetic_network(n_stations=60, month="2024-02", seed=3)
    rec = micro_network.bench_qc_colocation(net, repeat=1, days=7)
    assert rec["mismatches"] and not any(rec["mismatches"].values()), rec["mismatches"]
    windows = micro_network.colocation_windows(net, 7)
    assert len(windows) >= 10 and rec["window_hours"] > 0
    assert (windows["end"] - windows["start"] == pd.Timedelta(hours=7 * 24 - 1)).all()
    # not vacuous: the windows change flags against one series per station
    args = (net.micro_hourly, net.micro_stations, net.reference_hourly, net.reference_stations)
    assert not qc_flags(*args).equals(qc_flags(*args, colocation=windows))
