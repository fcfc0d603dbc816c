"""How fast this machine runs Python at the moment: one fixed pure-Python loop, timed.

The benches' figures move with the machine as well as with the code: on the shared 2-core
machine they are taken on, the same code ran 1.5-2x slower from one hour to the next. Each bench
times this loop before and after its run and prints both beside its figures, so that a reader
can tell a slow hour from a regression. Alone:

    python -m bench.machine
"""

from __future__ import annotations

import timeit
from dataclasses import dataclass

LOOP = "sum(i * i for i in range(100_000))"


def probe_ms() -> float:
    """One pass of the loop in ms, the best of five timings of five passes (lower is faster)."""
    timings = timeit.Timer(LOOP).repeat(repeat=5, number=5)
    return min(timings) / 5 * 1000


@dataclass(frozen=True)
class MachineSpeed:
    """The probe before and after a bench's run."""

    before_ms: float
    after_ms: float

    @property
    def line(self) -> str:
        return (
            f"Machine: one pass of a pure-Python loop took {self.before_ms:.2f} ms before the "
            f"run and {self.after_ms:.2f} ms after (lower is faster; `python -m bench.machine` "
            "times the same loop)"
        )


if __name__ == "__main__":
    print(f"one pass of `{LOOP}`: {probe_ms():.2f} ms")
