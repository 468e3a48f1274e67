"""Helpers of the plugin's tests: what a stored run says, and what pytest's JUnit XML says."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from panther_events.store.sqlite import SQLiteEventStore

# A real ``nats-server -js`` on a free port, for test_nats.py (the runner's tests define it).
from ..runner.test_cli_nats import nats_url  # noqa: F401


@dataclass
class StoredRun:
    """One run read back from the store: its events in order, and each test's verdict."""

    run_id: str
    events: list[Any]

    def of_type(self, pattern: str) -> list[Any]:
        """The events whose type is ``pattern``, in order."""
        return [e for e in self.events if e.type == pattern]

    def verdicts(self) -> dict[str, Any]:
        """Test name -> its verdict event (``test.completed`` or ``test.failed``)."""
        return {
            e.data["test_name"]: e
            for e in self.events
            if e.type in ("test.completed", "test.failed")
        }

    def outcomes(self) -> dict[str, str]:
        """Test name -> its stored outcome (``summary.outcome``)."""
        return {name: e.data["summary"]["outcome"] for name, e in self.verdicts().items()}

    def counts(self) -> Counter[str]:
        """How many tests had each outcome."""
        return Counter(self.outcomes().values())

    def test_events(self, name: str) -> list[str]:
        """The types of the ``test.*`` events of test ``name``, in order."""
        test_id = f"{self.run_id}/{name}"
        return [e.type for e in self.events if e.entity_id == test_id]


def read_runs(db: Path) -> list[StoredRun]:
    """Every run in the SQLite store at ``db``, the earliest first."""
    store = SQLiteEventStore(db, create=False)
    try:
        return [StoredRun(info.run_id, store.events(info.run_id)) for info in store.runs()]
    finally:
        store.close()


def read_run(db: Path) -> StoredRun:
    """The only run in the store at ``db``."""
    runs = read_runs(db)
    assert len(runs) == 1, [r.run_id for r in runs]
    return runs[0]


def junit_counts(path: Path) -> Counter[str]:
    """Outcome -> how many tests pytest's JUnit XML gives it.

    A test with an ``<error>`` is an error, one with a ``<failure>`` failed, a
    ``<skipped type="pytest.xfail">`` xfailed, another ``<skipped>`` skipped, and one with
    none passed (JUnit has no xpassed: it counts them here). pytest writes a test whose call
    failed and whose teardown then failed as two ``<testcase>`` elements, a failure and an
    error: they are one test here, an error, as the plugin records it.
    """
    tags: dict[tuple[str | None, str | None], set[str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        seen = tags.setdefault((case.get("classname"), case.get("name")), set())
        for child in case:
            xfail = child.tag == "skipped" and child.get("type") == "pytest.xfail"
            seen.add("xfail" if xfail else child.tag)
    counts: Counter[str] = Counter()
    for seen in tags.values():
        for tag, outcome in _JUNIT_OUTCOMES:
            if tag in seen:
                counts[outcome] += 1
                break
        else:
            counts["passed"] += 1
    return counts


# The first child tag a test case has decides its outcome.
_JUNIT_OUTCOMES = (
    ("error", "error"),
    ("failure", "failed"),
    ("xfail", "xfailed"),
    ("skipped", "skipped"),
)


def as_junit_counts(stored: Counter[str]) -> Counter[str]:
    """Stored outcome counts in JUnit's terms: xpassed tests count as passed."""
    counts = Counter(stored)
    counts["passed"] += counts.pop("xpassed", 0)
    return +counts


@pytest.fixture
def db(pytester: pytest.Pytester) -> Path:
    """Where the inner sessions of a test record (inside pytester's directory)."""
    return pytester.path / "events.db"
