"""Helpers shared by every benchmark case module; stdlib only, as it also runs in the peer venv."""

from __future__ import annotations

import gc
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

__all__ = [
    "Case",
    "Unavailable",
    "bytes_per_item",
    "machine_probe_ms",
    "need",
    "peak_rss_mib",
    "per_op_us",
]

# A case takes the operation count and returns one repetition's figure (µs per operation,
# bytes per event, or MiB); lower is always better.
Case = Callable[[int], float]


class Unavailable(Exception):
    """Raised by a case whose library or code is not there; the run prints the reason."""


def need(module: str, attribute: str | None = None) -> Any:
    """Import ``module`` (and return ``attribute`` of it), or raise ``Unavailable`` saying so."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise Unavailable(f"{module} not available ({exc})") from None
    if attribute is None:
        return mod
    try:
        return getattr(mod, attribute)
    except AttributeError:
        raise Unavailable(f"{module}.{attribute} not available") from None


def per_op_us(body: Callable[[], object], n: int, *, wall: bool = False) -> float:
    """Time one call of ``body`` (which does ``n`` operations) and return µs per operation.

    CPU-bound cases are timed in CPU time of this process (``time.process_time``): on a
    machine shared with other work, wall time also counts the moments the process waits for a
    core, which says nothing about the code. Cases that wait for I/O or for another thread
    (the SQLite store) pass ``wall=True``.

    The garbage collector is paused during the timed call, as ``timeit`` does, so a collection
    triggered by the previous case's garbage does not land in this one.
    """
    clock = time.perf_counter if wall else time.process_time
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = clock()
        body()
        elapsed = clock() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / n * 1e6


def bytes_per_item(make: Callable[[int], object], n: int) -> float:
    """Return the bytes ``tracemalloc`` sees retained per item while ``make(i)`` results live."""
    keep: list[object] = [None] * n
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            keep[i] = make(i)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del keep
    return (after - before) / n


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_probe_ms() -> float:
    """Milliseconds this process takes to add up a million integers (best of 5 rounds).

    A fixed amount of plain CPU work, printed beside benchmark figures: on a shared VM the
    same code runs up to twice as fast in one hour as in another, and this says which hour a
    figure comes from. Lower is faster.
    """
    import timeit

    return min(timeit.repeat("sum(range(100_000))", number=10, repeat=5)) * 100
