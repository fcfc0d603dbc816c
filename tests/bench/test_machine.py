"""The machine probe the benches print beside their figures (bench/machine.py)."""

from __future__ import annotations

from bench.machine import MachineSpeed, probe_ms


def test_the_probe_times_one_pass_of_the_loop_in_milliseconds() -> None:
    # A few milliseconds on any machine the benches run on: not seconds, not microseconds.
    assert 0.1 < probe_ms() < 1000


def test_the_line_says_before_and_after_and_which_way_is_faster() -> None:
    line = MachineSpeed(before_ms=6.321, after_ms=9.4).line
    assert "6.32 ms before the run" in line
    assert "9.40 ms after" in line
    assert "lower is faster" in line
    assert "python -m bench.machine" in line
