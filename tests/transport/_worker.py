"""A worker host in a test: publishes a run's events through an EventManager to NATS.

Usage: python _worker.py URL RUN_ID COUNT [--rate N] [--max-buffer N] [--done-file PATH]
Prints the publisher's counters as JSON on exit. Event ``i`` of a run always has the same id,
so a restarted worker re-sends exactly the same events.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from panther_events import EventManager
from panther_events.transport.nats import NatsPublisher, StreamSettings
from tests.transport._events import step_event


def main() -> None:
    """Publish COUNT events of RUN_ID at an optional rate, then close (flushing to NATS)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("run_id")
    parser.add_argument("count", type=int)
    parser.add_argument("--rate", type=float, default=0.0, help="events per second; 0 = max")
    parser.add_argument("--max-buffer", type=int, default=100_000)
    parser.add_argument("--spool", default=None)
    parser.add_argument("--stream", default="PANTHER_EVENTS")
    parser.add_argument("--done-file", default=None)
    args = parser.parse_args()

    publisher = NatsPublisher(
        args.url,
        run_id=args.run_id,
        stream=StreamSettings(name=args.stream),
        max_buffer=args.max_buffer,
        spool_path=args.spool,
        close_timeout=120.0,
    )
    # The manager's dedup would hide nothing here (ids are distinct); it stays on as in a run.
    manager = EventManager()
    manager.register_observer("*", publisher)
    start = time.monotonic()
    for i in range(args.count):
        manager.publish(step_event(i, args.run_id))
        if args.rate and i % 100 == 99:
            ahead = (i + 1) / args.rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    if args.done_file:
        Path(args.done_file).write_text(json.dumps(publisher.stats()))
    manager.close()  # calls publisher.close(): waits until NATS stored everything
    print(json.dumps(publisher.stats()))


if __name__ == "__main__":
    main()
