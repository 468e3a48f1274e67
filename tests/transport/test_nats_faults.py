"""The transport's promises under faults, against a real nats-server: poison messages, damaged
spools, a dying sender, ambiguous ids and broken private hooks never lose or stop anything."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
from pathlib import Path

import pytest

from panther_events.exceptions import TransportError
from panther_events.store.sqlite import SQLiteEventStore
from panther_events.transport import _fastpath
from panther_events.transport._wire import PublicWire
from panther_events.transport.base import message_id
from panther_events.transport.nats import (
    NatsPublisher,
    NatsSubscriber,
    NatsTransport,
    StreamSettings,
)

from ._events import step_event, stream_messages
from ._server import NatsServer


@pytest.fixture
def server(fresh_nats_server: NatsServer) -> NatsServer:
    """A server of the test's own (each test's streams start empty)."""
    return fresh_nats_server


def poison_wire() -> dict[str, object]:
    """A wire form that passes the wire check but that no store can hold: 600 deep, a NaN."""
    deep: object = float("nan")
    for _ in range(600):
        deep = [deep]
    return {
        "id": "poison-1",
        "name": "x",
        "type": "test.created",
        "entity_type": "test",
        "entity_id": "t",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "data": {"deep": deep},
    }


def publish_raw(url: str, messages: list[tuple[str, str | None, bytes]]) -> None:
    """Publish ``(subject, Nats-Msg-Id, payload)`` messages as any NATS client could."""
    import nats

    async def send() -> None:
        nc = await nats.connect(url)
        js = nc.jetstream()
        for subject, msg_id, payload in messages:
            headers = {"Nats-Msg-Id": msg_id} if msg_id is not None else None
            await js.publish(subject, payload, headers=headers)
        await nc.close()

    asyncio.run(send())


def good_messages(run: str, count: int) -> list[tuple[str, str | None, bytes]]:
    """``count`` valid events of ``run`` as raw messages."""
    from panther_events.serialization import event_to_json

    out: list[tuple[str, str | None, bytes]] = []
    for i in range(count):
        event = step_event(i, run)
        out.append(
            (f"panther.events.{run}.step.progress", message_id(run, event.id),
             event_to_json(event).encode())
        )  # fmt: skip
    return out


def ensure_stream(url: str) -> None:
    """Create the default stream (a publisher does it on connect)."""
    publisher = NatsPublisher(url, run_id="setup", pattern="none.*")
    assert publisher.transport.wait_connected(30)
    publisher.close()


class TestPoisonMessage:
    """One message that cannot be stored never stops the collector."""

    def test_poison_message_is_dead_lettered_and_the_rest_of_the_batch_stored(
        self, server: NatsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Good events of two runs around a poison one: all good ones stored, the poison one
        logged with its run and id, moved to the dead-letter stream and acknowledged."""
        ensure_stream(server.url)
        poison = json.dumps(poison_wire()).encode()
        messages = [
            *good_messages("runA", 5),
            ("panther.events.runP.test.created", message_id("runP", "poison-1"), poison),
            *good_messages("runB", 5),
        ]
        publish_raw(server.url, messages)
        store = SQLiteEventStore(tmp_path / "central.db")
        try:
            with caplog.at_level(logging.ERROR), NatsSubscriber(server.url, store) as sub:
                assert sub.run(idle_timeout=1.0) == 11
                letters = sub.transport.dead_letters()
                assert sub.transport.dead_lettered == 1
            assert sorted(r.run_id for r in store.runs()) == ["runA", "runB"]
            assert sum(r.event_count for r in store.runs()) == 10
        finally:
            store.close()
        assert [(d.run_id, d.event_id) for d in letters] == [("runP", "poison-1")]
        assert "Error" in letters[0].reason  # the type of the store's refusal
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("'poison-1'" in m and "'runP'" in m for m in logged), logged
        # Acknowledged: a new collector on the same consumer gets nothing back.
        again = SQLiteEventStore(tmp_path / "again.db")
        try:
            with NatsSubscriber(server.url, again) as sub:
                assert sub.run(idle_timeout=1.0) == 0
        finally:
            again.close()

    def test_collector_keeps_running_when_dead_letters_cannot_be_stored(
        self, server: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Even when moving a poison message aside fails, the rest of its batch is stored and
        the collector goes on; the poison message stays unacknowledged, to be tried again."""

        def failing(self: NatsTransport, refused: object) -> None:
            raise TransportError("dead-letter stream full")

        monkeypatch.setattr(NatsTransport, "dead_letter", failing)
        ensure_stream(server.url)
        poison = json.dumps(poison_wire()).encode()
        publish_raw(
            server.url,
            [*good_messages("runA", 3), ("panther.events.runP.t", message_id("runP", "p"), poison)],
        )
        store = SQLiteEventStore(tmp_path / "central.db")
        try:
            with NatsSubscriber(server.url, store, ack_wait=30) as sub:
                assert sub.run(idle_timeout=1.0) == 4
            assert [(r.run_id, r.event_count) for r in store.runs()] == [("runA", 3)]
        finally:
            store.close()

    def test_message_that_is_no_event_is_dead_lettered(self, server: NatsServer) -> None:
        """Garbage, or a message without a Nats-Msg-Id, is moved aside, not redelivered."""
        ensure_stream(server.url)
        publish_raw(
            server.url,
            [
                ("panther.events.r.x", "r:garbage", b"not json at all"),
                ("panther.events.r.x", None, b"{}"),
                *good_messages("r", 2),
            ],
        )
        got: list[str] = []
        with NatsSubscriber(server.url, lambda e: got.append(e.id)) as sub:
            sub.run(idle_timeout=1.0)
            letters = sub.transport.dead_letters()
        assert len(got) == 2
        assert len(letters) == 2
        assert (letters[0].run_id, letters[0].event_id) == ("r", "garbage")
        assert "JSONDecodeError" in letters[0].reason
        assert "Nats-Msg-Id" in letters[1].reason


class TestMessageIds:
    """The run id travels exactly, whatever characters the ids hold."""

    def test_event_id_with_colons_keeps_its_run(self, server: NatsServer, tmp_path: Path) -> None:
        """Event ids and run ids holding ':' and '%' are stored under their own run."""
        event = step_event(1)
        event.id = "ev:with:colons"  # as restored from another store or host
        transport = NatsTransport(server.url, spool_path=tmp_path / "s.jsonl")
        transport.publish(event, run_id="run:1%3A")
        transport.publish(step_event(2), run_id="plain")
        assert transport.flush(30)
        transport.close()
        store = SQLiteEventStore(tmp_path / "central.db")
        try:
            with NatsSubscriber(server.url, store) as sub:
                assert sub.run(idle_timeout=1.0) == 2
            assert sorted(r.run_id for r in store.runs()) == ["plain", "run:1%3A"]
            assert [e.id for e in store.events("run:1%3A")] == ["ev:with:colons"]
        finally:
            store.close()


class TestDamagedSpool:
    """A spool left damaged by a crash or an edit never stops a publisher."""

    def test_damaged_spool_records_are_skipped_counted_and_the_rest_sent(
        self, server: NatsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A garbage line and a cut-short last record are skipped (logged once, counted);
        the intact records and new events are all sent."""
        spool = tmp_path / "worker.spool"
        down = NatsPublisher(
            "nats://127.0.0.1:1", run_id="r", spool_path=spool, close_timeout=0.1, max_buffer=1
        )
        for i in range(6):
            down.on_event(step_event(i))
        down.close()
        lines = spool.read_bytes().splitlines(keepends=True)
        assert len(lines) == 6
        damaged = [*lines[:2], b"this is no record\n", *lines[2:5], lines[5][:25]]
        spool.write_bytes(b"".join(damaged))
        with caplog.at_level(logging.WARNING):
            publisher = NatsPublisher(server.url, run_id="r", spool_path=spool)
            publisher.on_event(step_event(100))
            assert publisher.flush(30)
            stats = publisher.stats()
            publisher.close()
        assert (stats["sent"], stats["damaged"]) == (6, 2)
        assert stream_messages(server.url) == 6
        warnings = [r for r in caplog.records if "damaged records" in r.getMessage()]
        assert len(warnings) == 1 and str(spool) in warnings[0].getMessage()
        assert not spool.exists()

    def test_spool_files_are_private(self, tmp_path: Path) -> None:
        """A spool file is created readable and writable by its owner only (0600)."""
        spool = tmp_path / "private.spool"
        down = NatsPublisher(
            "nats://127.0.0.1:1", run_id="r", spool_path=spool, close_timeout=0.1, max_buffer=1
        )
        for i in range(3):
            down.on_event(step_event(i))
        assert stat.S_IMODE(spool.stat().st_mode) == 0o600
        down.close()
        assert stat.S_IMODE(spool.stat().st_mode) == 0o600


class TestSenderFailures:
    """Errors in the sender are loud; only connection errors count as retries."""

    def test_a_sender_that_dies_is_never_silent(
        self, server: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        """A bug killing the sender is logged at ERROR, shown in stats and raised by flush;
        the unsent events are kept in the spool at close."""
        from panther_events.transport._outbox import Outbox

        def broken(self: Outbox, limit: int) -> list[object]:
            raise RuntimeError("a bug in the sender")

        monkeypatch.setattr(Outbox, "take", broken)
        spool = tmp_path / "kept.spool"
        with caplog.at_level(logging.ERROR):
            transport = NatsTransport(server.url, spool_path=spool)
            transport.publish(step_event(1), run_id="r")
            with pytest.raises(TransportError, match="a bug in the sender"):
                transport.flush(30)
            assert "a bug in the sender" in str(transport.stats()["error"])
            monkeypatch.undo()
            transport.close(0)
        assert any("a bug in the sender" in r.getMessage() for r in caplog.records)
        assert spool.read_text().count("\n") == 1

    def test_unexpected_publish_error_is_logged_not_counted_as_retried(
        self, server: NatsServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        """An error that is no connection error is logged at ERROR, the event is kept and
        sent later, and ``retried`` stays 0."""
        original = PublicWire.publish
        calls = {"n": 0}

        async def flaky(self: PublicWire, messages: list[tuple[str, str, str, bytes]]) -> None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise ValueError("an unexpected refusal")
            await original(self, messages)

        monkeypatch.setattr(PublicWire, "publish", flaky)
        with caplog.at_level(logging.ERROR):
            transport = NatsTransport(server.url, fast_path=False)
            transport.publish(step_event(1), run_id="r")
            assert transport.flush(30)
            stats = transport.stats()
            transport.close()
        assert (stats["sent"], stats["retried"]) == (1, 0)
        assert any(
            r.levelno == logging.ERROR and "unexpected" in r.getMessage() for r in caplog.records
        )


class TestSubscriberThread:
    """A subscriber running in the background never stops silently."""

    def test_a_background_subscriber_that_stops_is_logged_and_raised(
        self, server: NatsServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Its target failing stops the thread: logged at ERROR at once, raised by close()."""
        publisher = NatsPublisher(server.url, run_id="r")
        publisher.on_event(step_event(1))
        assert publisher.flush(30)
        publisher.close()

        def broken(event: object) -> None:
            raise OSError("disk gone")

        subscriber = NatsSubscriber(server.url, broken)
        with caplog.at_level(logging.ERROR):
            subscriber.start()
            for _ in range(300):
                if subscriber.error is not None:
                    break
                asyncio.run(asyncio.sleep(0.05))
        assert any("disk gone" in r.getMessage() for r in caplog.records)
        with pytest.raises(TransportError, match="disk gone"):
            subscriber.close()


class TestFastPathFallback:
    """The private-API adapter is checked at connect time and replaced when it fails."""

    def test_missing_private_name_falls_back_to_public_and_delivers(
        self, server: NatsServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        """A private name the adapter needs is gone: one ERROR, the public path, delivered."""
        monkeypatch.setitem(_fastpath.REQUIRED, "_renamed_in_a_future_release", ("cmd",))
        with caplog.at_level(logging.ERROR):
            publisher = NatsPublisher(server.url, run_id="r")
            for i in range(50):
                publisher.on_event(step_event(i))
            assert publisher.flush(30)
            stats = publisher.stats()
            publisher.close()
        assert (stats["path"], stats["sent"]) == ("public", 50)
        assert stream_messages(server.url) == 50
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any("_renamed_in_a_future_release" in m for m in errors), errors

    def test_changed_signature_falls_back(
        self, server: NatsServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A private method whose parameters changed is not used."""
        monkeypatch.setitem(_fastpath.REQUIRED, "_send_command", ("command", "priority"))
        transport = NatsTransport(server.url)
        transport.publish(step_event(1), run_id="r")
        assert transport.flush(30)
        assert transport.stats()["path"] == "public"
        transport.close()

    def test_fast_write_that_sends_nothing_is_never_connected(
        self, server: NatsServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        """The private names exist but writing through them sends nothing (their meaning
        changed): the probe notices, the transport is never 'connected' on that path, and
        the events go out through the public path."""

        async def sends_nothing(nc: object, commands: list[bytes]) -> None:
            return None

        monkeypatch.setattr(_fastpath, "_write", sends_nothing)
        seen: list[tuple[object, object]] = []
        with caplog.at_level(logging.ERROR):
            transport = NatsTransport(server.url)
            transport.publish(step_event(1), run_id="r")
            for _ in range(200):
                stats = transport.stats()
                seen.append((stats["connected"], stats["path"]))
                if stats["connected"]:
                    break
                asyncio.run(asyncio.sleep(0.02))
            assert transport.flush(30)
            final = transport.stats()
            transport.close()
        assert "fast" not in [path for connected, path in seen if connected]
        assert (final["path"], final["sent"]) == ("public", 1)
        assert any("probe" in r.getMessage() for r in caplog.records)

    def test_both_paths_deliver_the_same_events(
        self, server: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Published on the fast path and on the public path, collected on each: the same."""
        for n, fast in enumerate((True, False)):
            monkeypatch.setenv("PANTHER_EVENTS_NATS_FAST_PATH", "1" if fast else "0")
            settings = StreamSettings(name=f"PATHS{n}", subject_prefix=f"paths{n}")
            transport = NatsTransport(server.url, stream=settings)
            for i in range(300):
                transport.publish(step_event(i), run_id=f"run{n}")
            assert transport.flush(30)
            assert transport.stats()["path"] == ("fast" if fast else "public")
            transport.close()
            store = SQLiteEventStore(tmp_path / f"paths{n}.db")
            try:
                with NatsSubscriber(server.url, store, stream=settings, batch=64) as sub:
                    assert sub.run(idle_timeout=1.0) == 300
                    assert sub.transport.stats()["path"] == ("fast" if fast else "public")
                assert sorted(e.id for e in store.events(f"run{n}")) == sorted(
                    step_event(i).id for i in range(300)
                )
            finally:
                store.close()
