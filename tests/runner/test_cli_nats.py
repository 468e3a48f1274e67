"""``panther-events run --nats URL`` also publishes every event of the run to NATS JetStream."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from panther_events.cli import app
from panther_events.store.sqlite import SQLiteEventStore
from panther_events.transport.nats import NatsSubscriber

from ..transport._server import NatsServer

pytestmark = pytest.mark.slow

EXPERIMENT = f"""
name: nats-run
tests:
  - name: t
    steps:
      - {{name: hello, kind: command, run: [{sys.executable}, -c, "print('hi')"]}}
    assertions:
      - {{kind: output_contains, step: hello, text: hi}}
"""


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """A real ``nats-server -js`` on a free port."""
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    yield server.url
    server.stop()


class TestRunWithNats:
    """The --nats option."""

    def test_every_stored_event_also_reaches_nats(self, tmp_path: Path, nats_url: str) -> None:
        """The events collected from NATS are exactly the run's events in the local store."""
        path = tmp_path / "exp.yaml"
        path.write_text(EXPERIMENT, encoding="utf-8")
        local = tmp_path / "local.db"
        result = CliRunner().invoke(
            app, ["run", str(path), "--db", str(local), "--quiet", "--nats", nats_url]
        )
        assert result.exit_code == 0, result.output

        collected = SQLiteEventStore(tmp_path / "collected.db")
        try:
            with NatsSubscriber(nats_url, collected) as subscriber:
                subscriber.run(idle_timeout=1.0)
            collected.flush()
            with SQLiteEventStore(local) as store:
                run_id = store.resolve_run("latest")
                expected = [e.id for e in store.events(run_id)]
            got = [e.id for e in collected.events(run_id)]
        finally:
            collected.close()
        assert expected and sorted(got) == sorted(expected)
