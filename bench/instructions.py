"""Instructions per operation of the hot paths, counted by valgrind's callgrind (load-independent).

Usage: ``python bench/instructions.py [--cases build_event,publish_exact] [--n 2000]``.

The machine's speed swings by the hour and with other work; an instruction count does not.
Each (case, implementation) runs twice under ``valgrind --tool=callgrind``, doing ``n`` and
``2n`` operations on a pool built the same way in both runs (plus the same warm-up), so the
difference of the two totals divided by ``n`` is what one operation costs, set-up excluded.
panther-net runs in its own venv (``bench/setup_peers.py``). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PEER_PYTHON = BENCH / ".peers" / "panther-net" / "bin" / "python"
EXACT = "test.execution_started"
STEPS = ["connect", "handshake"]
WARM_UP = 300

# case -> implementations measured (panther-net "pn" runs under the peer venv).
CASES: dict[str, list[str]] = {
    "build_event": ["ours", "pn"],
    "publish_exact": ["ours", "pyee", "blinker", "floor"],
}


def _event_class(impl: str) -> Any:
    import importlib

    module = "panther.core.events.test.events" if impl == "pn" else "panther_events"
    return importlib.import_module(module).TestExecutionStartedEvent


def _publisher(impl: str) -> Callable[[Any], object]:
    """A function that publishes one event to one counting receiver of ``EXACT``."""

    def receive(event: Any) -> None:
        pass

    if impl == "ours":
        from panther_events.manager import EventManager

        manager = EventManager()
        manager.register_observer(EXACT, receive)
        return manager.publish
    if impl == "pyee":
        from pyee import EventEmitter

        emitter = EventEmitter()
        emitter.on(EXACT, receive)
        emit = emitter.emit
        return lambda event: emit(event.get_type(), event)
    if impl == "blinker":
        from blinker import Signal

        signal = Signal()
        signal.connect(receive, weak=False)
        return signal.send
    table = {EXACT: (receive,)}
    get = table.get

    def floor(event: Any) -> None:
        for handler in get(event.get_type(), ()):
            handler(event)

    return floor


def run_inner(case: str, impl: str, n: int, pool: int) -> None:
    """Do ``n`` operations of ``case`` after a set-up that does not depend on ``n``."""
    cls = _event_class(impl)
    ids = [f"test-{i}" for i in range(pool + WARM_UP)]
    if case == "build_event":
        for entity_id in ids[pool:]:
            cls(entity_id, STEPS, 1.5).id  # noqa: B018 - warm-up
        for entity_id in ids[:n]:
            cls(entity_id, STEPS, 1.5).id  # noqa: B018 - reading the id is the point
        return
    events = [cls(entity_id, STEPS, 1.5) for entity_id in ids]
    publish = _publisher(impl)
    for event in events[pool:]:
        publish(event)
    for event in events[:n]:
        publish(event)


def count(case: str, impl: str, n: int, pool: int) -> int:
    """Total instructions of one inner run under callgrind."""
    python = str(PEER_PYTHON) if impl == "pn" else sys.executable
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        python,
        str(Path(__file__).resolve()),
        "--inner",
        case,
        impl,
        str(n),
        str(pool),
    ]
    # A fixed hash seed: dict layouts, hence instruction counts, are then equal in both runs.
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=BENCH, env=env)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"{case}/{impl}: valgrind failed: {done.stderr.strip()[-300:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    """Print instructions per operation for each case and implementation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case keys")
    parser.add_argument("--impls", help="comma-separated implementations (default: all)")
    parser.add_argument("--n", type=int, default=2000, help="operations per measured step")
    parser.add_argument("--inner", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        case, impl, n_text, pool_text = args.inner
        run_inner(case, impl, int(n_text), int(pool_text))  # under valgrind, see count()
        return 0
    wanted = set(args.impls.split(",")) if args.impls else None
    print("| Case | Implementation | Instructions per operation |\n| --- | --- | ---: |")
    for case in args.cases.split(","):
        for impl in CASES[case]:
            if wanted is not None and impl not in wanted:
                continue
            if impl == "pn" and not PEER_PYTHON.exists():
                print(f"| {case} | {impl} | not available: run bench/setup_peers.py |")
                continue
            pool = 2 * args.n
            low = count(case, impl, args.n, pool)
            high = count(case, impl, 2 * args.n, pool)
            print(f"| {case} | {impl} | {(high - low) / args.n:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
