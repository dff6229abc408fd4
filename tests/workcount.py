"""Measure work by counting function calls, so "must be linear" needs no clock.

Calls (Python functions and built-ins) do not change with the machine's load,
unlike seconds. `growth` compares the extra work from n to 2n with the extra
work from 2n to 4n: fixed costs cancel out, linear work gives 2, quadratic 4.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable


def calls(run: Callable[[], object]) -> int:
    """Function calls made (in this thread) while ``run`` runs.

    Garbage left by earlier work (a browser test's finalizers, say) is collected
    first: its finalizers would otherwise run, and count, whenever a collection
    happens to fall inside ``run``."""
    gc.collect()
    count = 0

    def profile(frame, event, arg) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(previous)
    return count


def growth(work: Callable[[int], int], size: int) -> float:
    """(work(4n) - work(2n)) / (work(2n) - work(n)): about 2 when linear, 4 when quadratic, 0 when constant.

    ``work`` runs once first, unmeasured and at another size (so that nothing it
    remembers serves a measured run), so one-time costs (imports, compiled
    templates) fall outside the comparison.
    """
    work(size // 2)
    one, two, four = work(size), work(2 * size), work(4 * size)
    if two <= one:  # no more calls for more input (C code does it, or a limit cuts it off)
        return 0.0 if four <= two else float("inf")
    return (four - two) / (two - one)
