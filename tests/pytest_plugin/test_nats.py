"""``pytest --panther-events-nats URL`` also publishes every event of the session to NATS."""

from __future__ import annotations

from pathlib import Path

import pytest

from panther_events.store.sqlite import SQLiteEventStore
from panther_events.transport._outbox import read_spool
from panther_events.transport.nats import NatsSubscriber

from .conftest import read_run

pytestmark = pytest.mark.slow


def test_every_stored_event_also_reaches_nats(
    pytester: pytest.Pytester, db: Path, nats_url: str
) -> None:
    """The events collected from NATS are exactly the session's events in the local store."""
    pytester.makepyfile("import pytest\ndef test_a(): pass\ndef test_b(): pytest.skip('no')\n")
    result = pytester.runpytest_subprocess(
        "--panther-events", f"--panther-events-db={db}", f"--panther-events-nats={nats_url}"
    )
    result.assert_outcomes(passed=1, skipped=1)
    run = read_run(db)
    assert [line for line in result.outlines if line.startswith("panther-events")] == [
        f"panther-events: run {run.run_id} stored in {db} and sent to {nats_url}"
    ]
    collected = SQLiteEventStore(pytester.path / "collected.db")
    try:
        with NatsSubscriber(nats_url, collected) as subscriber:
            subscriber.run(idle_timeout=1.0)
        collected.flush()
        got = sorted(e.id for e in collected.events(run.run_id))
    finally:
        collected.close()
    assert got == sorted(e.id for e in run.events)


def test_an_unreachable_server_is_said_once(
    pytester: pytest.Pytester, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NATS down: the run is still stored, pytest's result is unchanged, one line says so and
    names the spool beside the store that keeps what was not sent (nothing is left in the
    temporary directory), as ``panther-events run`` does."""
    from ..transport._server import free_port

    tmp = pytester.path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    pytester.makepyfile("def test_a(): pass\n")
    url = f"nats://127.0.0.1:{free_port()}"
    result = pytester.runpytest_subprocess(
        "--panther-events", f"--panther-events-db={db}", f"--panther-events-nats={url}"
    )
    assert result.ret == 0
    run = read_run(db)
    (line,) = [line for line in result.outlines if line.startswith("panther-events")]
    total = len(run.events)
    spool = db.with_name(f"{db.stem}.{run.run_id}.nats-spool.jsonl")
    assert line == (
        f"panther-events: run {run.run_id} stored in {db}; "
        f"NATS {url}: {total} of {total} events not sent; they are kept in {spool}; "
        f"send them with: panther-events resend {spool} --nats {url}"
    )
    assert read_spool(spool) == (total, 0)
    assert not list(tmp.iterdir())
