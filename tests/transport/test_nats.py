"""NatsPublisher and NatsSubscriber against a real nats-server: outages, policy, settings."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from panther_events import EventManager
from panther_events.events.base import BaseEvent
from panther_events.exceptions import TransportError
from panther_events.transport.nats import NatsPublisher, NatsSubscriber, StreamSettings

from ._events import step_event, stream_messages
from ._server import NatsServer


@pytest.fixture
def stopped_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A server that is not running yet (the test starts it); stopped afterwards."""
    server = NatsServer(tmp_path / "jetstream")
    yield server
    server.stop()


class TestNatsPublisher:
    """The publishing observer while the server comes and goes."""

    def test_events_published_before_the_server_starts_arrive(
        self, stopped_server: NatsServer, tmp_path: Path
    ) -> None:
        """With no server, events wait in memory and the spool; all arrive once it starts."""
        publisher = NatsPublisher(stopped_server.url, run_id="early", max_buffer=100)
        try:
            for i in range(300):
                publisher.on_event(step_event(i))
            assert publisher.flush(0.2) is False
            assert publisher.stats()["spooled"] == 200
            stopped_server.start()
            assert publisher.flush(60)
            assert publisher.stats()["sent"] == 300
        finally:
            publisher.close()
        assert stream_messages(stopped_server.url) == 300

    def test_unsent_events_survive_close_in_the_spool_file(
        self, stopped_server: NatsServer, tmp_path: Path
    ) -> None:
        """Closing while the server is away keeps the events; the next publisher sends them."""
        spool = tmp_path / "worker.spool"
        first = NatsPublisher(
            stopped_server.url, run_id="r", spool_path=spool, close_timeout=0.2, max_buffer=10
        )
        for i in range(50):
            first.on_event(step_event(i))
        first.close()
        assert spool.exists()
        stopped_server.start()
        second = NatsPublisher(stopped_server.url, run_id="r", spool_path=spool)
        assert second.flush(60)
        second.close()
        assert stream_messages(stopped_server.url) == 50
        assert not spool.exists()

    def test_full_spool_drops_and_counts(self, stopped_server: NatsServer, tmp_path: Path) -> None:
        """Past memory and spool bounds events are dropped, counted, and the rest delivered."""
        publisher = NatsPublisher(
            stopped_server.url, run_id="r", max_buffer=10, max_spool_bytes=4000
        )
        try:
            for i in range(100):
                publisher.on_event(step_event(i))
            dropped = publisher.stats()["dropped"]
            assert isinstance(dropped, int) and 0 < dropped < 90
            stopped_server.start()
            assert publisher.flush(60)
            assert publisher.stats()["sent"] == 100 - dropped
        finally:
            publisher.close()

    def test_event_over_max_payload_is_rejected_not_retried(self, nats_server: NatsServer) -> None:
        """An event larger than the server accepts is counted as rejected; the rest flows."""
        from panther_events.events.test import TestCreatedEvent

        settings = StreamSettings(name="BIG", subject_prefix="big.events")
        publisher = NatsPublisher(nats_server.url, run_id="r", stream=settings)
        try:
            huge = TestCreatedEvent(test_id="big", test_name="x", config={"blob": "x" * 2_000_000})
            publisher.on_event(huge)
            publisher.on_event(step_event(1))
            assert publisher.flush(30)
            stats = publisher.stats()
            assert (stats["rejected"], stats["sent"]) == (1, 1)
        finally:
            publisher.close()
        assert stream_messages(nats_server.url, "BIG") == 1

    def test_forgotten_close_still_sends_at_exit(self, nats_server: NatsServer) -> None:
        """A script that never closes its publisher still delivers its events when it exits."""
        code = (
            "import sys\n"
            f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
            "from panther_events.transport.nats import NatsPublisher, StreamSettings\n"
            "from tests.transport._events import step_event\n"
            f"p = NatsPublisher({nats_server.url!r}, run_id='r', "
            "stream=StreamSettings(name='ATEXIT', subject_prefix='atexit'))\n"
            "for i in range(500):\n"
            "    p.on_event(step_event(i))\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
        assert stream_messages(nats_server.url, "ATEXIT") == 500

    def test_pattern_limits_what_is_forwarded(self, nats_server: NatsServer) -> None:
        """Only events whose type matches the publisher's pattern go to NATS."""
        settings = StreamSettings(name="PATTERN", subject_prefix="pattern.events")
        publisher = NatsPublisher(nats_server.url, run_id="r", pattern="test.*", stream=settings)
        manager = EventManager()
        manager.register_observer(publisher)
        manager.publish(step_event(1))
        manager.publish(_test_event())
        manager.close()
        assert stream_messages(nats_server.url, "PATTERN") == 1

    def test_incompatible_existing_stream_is_reported(
        self, nats_server: NatsServer, tmp_path: Path
    ) -> None:
        """A stream that exists with another duplicate window makes flush raise, naming it."""
        first = NatsPublisher(
            nats_server.url,
            run_id="r",
            stream=StreamSettings(name="CHECKED", subject_prefix="checked", duplicate_window=10),
        )
        first.on_event(step_event(1))
        assert first.flush(30)
        first.close()
        second = NatsPublisher(
            nats_server.url,
            run_id="r",
            stream=StreamSettings(name="CHECKED", subject_prefix="checked", duplicate_window=60),
            close_timeout=0.5,
            spool_path=tmp_path / "unsent.spool",  # what it could not send is kept here
        )
        second.on_event(step_event(2))
        with pytest.raises(TransportError, match="duplicate_window"):
            second.flush(30)
        second.close()
        assert (tmp_path / "unsent.spool").read_text().count("\n") == 1


def _test_event() -> BaseEvent:
    from panther_events.events.test import TestCreatedEvent

    return TestCreatedEvent(test_id="t1", test_name="handshake")


class TestNatsSubscriber:
    """Feeding a local manager or callback from the durable consumer."""

    def test_manager_observers_run_before_the_ack(self, nats_server: NatsServer) -> None:
        """Every event reaches background observers of the local manager; all are acked."""
        settings = StreamSettings(name="TOMANAGER", subject_prefix="tomanager")
        publisher = NatsPublisher(nats_server.url, run_id="r", stream=settings)
        for i in range(200):
            publisher.on_event(step_event(i))
        publisher.close()
        seen: list[object] = []
        lock = threading.Lock()

        def record(event: object) -> None:
            with lock:
                seen.append(event)

        manager = EventManager()
        manager.register_observer("step.*", record, background=True)
        with NatsSubscriber(nats_server.url, manager, stream=settings) as subscriber:
            assert subscriber.run(max_events=200) == 200
            assert len(seen) == 200  # flushed before the ack, so already all there
        manager.close()
        with NatsSubscriber(nats_server.url, record, stream=settings) as again:
            assert again.run(idle_timeout=0.5) == 0  # nothing left unacknowledged

    def test_a_failing_target_gets_the_batch_again(self, nats_server: NatsServer) -> None:
        """When the target raises, the batch is not acked and comes back on the next run."""
        settings = StreamSettings(name="FAILING", subject_prefix="failing")
        publisher = NatsPublisher(nats_server.url, run_id="r", stream=settings)
        for i in range(5):
            publisher.on_event(step_event(i))
        publisher.close()
        got: list[str] = []

        def flaky(event: BaseEvent) -> None:
            if not got:
                got.append("boom")
                raise OSError("disk full")
            got.append(event.id)

        with NatsSubscriber(nats_server.url, flaky, stream=settings, batch=5) as subscriber:
            with pytest.raises(OSError, match="disk full"):
                subscriber.run(max_events=5)
            assert subscriber.run(max_events=5) == 5
        assert got[1:] == [step_event(i).id for i in range(5)]

    def test_wrong_target_is_refused(self, nats_server: NatsServer) -> None:
        """A target that is neither store, manager nor callable raises TypeError naming it."""
        with pytest.raises(TypeError, match="42"):
            NatsSubscriber(nats_server.url, 42)  # type: ignore[arg-type]


class TestOptionalDependency:
    """The core stays importable without nats-py."""

    def test_core_import_does_not_load_nats(self) -> None:
        """``import panther_events`` and its transport package never import ``nats``."""
        code = (
            "import sys, panther_events, panther_events.transport; "
            "assert 'nats' not in sys.modules, 'nats imported'"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    def test_missing_extra_names_it(self) -> None:
        """Without nats-py, the NATS module raises MissingExtraError naming the extra."""
        code = (
            "import sys; sys.modules['nats'] = None\n"
            "try:\n"
            "    import panther_events.transport.nats\n"
            "except ImportError as exc:\n"
            "    print(type(exc).__name__, exc)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        assert out.strip() == (
            "MissingExtraError NatsTransport needs nats-py: pip install 'panther-events[nats]'"
        )
