"""Another process writing a run: ``python -m tests.web._writer DB RUN_ID TEST_NAME``.

Appends one ``test.created`` event for TEST_NAME to run RUN_ID, flushes, prints ``stored``.
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
    print("stored", flush=True)


if __name__ == "__main__":
    main()
