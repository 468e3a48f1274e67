"""Another process writing a run: ``python -m tests.web._writer DB RUN_ID TEST_NAME [hold]``.

Appends one ``test.created`` event for TEST_NAME to run RUN_ID, flushes, prints ``stored``;
with ``hold``, then waits for its standard input to close, the store still open (to be killed).
"""

from __future__ import annotations

import sys

from panther_events.events.test import TestCreatedEvent
from panther_events.store.sqlite import SQLiteEventStore


def main() -> None:
    db, run_id, name = sys.argv[1:4]
    with SQLiteEventStore(db) as store:
        store.append(TestCreatedEvent(f"{run_id}/{name}", name), run_id=run_id)
        store.flush()
        if sys.argv[4:] == ["hold"]:
            print("stored", flush=True)
            sys.stdin.read()
            return
    print("stored", flush=True)


if __name__ == "__main__":
    main()
