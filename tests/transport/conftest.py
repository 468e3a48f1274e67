"""Fixtures of the transport tests: a real JetStream server and transport factories."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from panther_events.transport import InMemoryStream, InMemoryTransport, Transport

from ._server import NatsServer

_names = itertools.count()


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A ``nats-server -js`` on a free 127.0.0.1 port with a temporary store, for one module."""
    server = NatsServer(tmp_path_factory.mktemp("nats") / "jetstream")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A server of one's own, for tests that kill and restart it."""
    server = NatsServer(tmp_path / "jetstream")
    server.start()
    yield server
    server.stop()


TransportFactory = Callable[..., Transport]


@pytest.fixture(params=["memory", "nats", "nats-public"])
def make_transport(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TransportFactory]:
    """Factory of transports that share one backend; ``make(consumer=...)``. All are closed.

    ``nats`` runs the NATS transport on its fast path (the checked private-API adapter),
    ``nats-public`` on nats-py's public API only, the path taken when the fast path's checks
    fail. Each NATS transport is checked to have run on the path it was meant to.
    """
    made: list[Transport] = []
    n = next(_names)
    if request.param == "memory":
        stream = InMemoryStream(ack_wait=1.0)

        def make(consumer: str = "collector") -> Transport:
            transport = InMemoryTransport(stream, consumer=consumer)
            made.append(transport)
            return transport

    else:
        from panther_events.transport.nats import NatsTransport, StreamSettings

        server: NatsServer = request.getfixturevalue("nats_server")
        settings = StreamSettings(name=f"CONTRACT{n}", subject_prefix=f"contract{n}.events")

        def make(consumer: str = "collector") -> Transport:
            transport = NatsTransport(
                server.url,
                consumer=consumer,
                stream=settings,
                ack_wait=1.0,
                spool_path=tmp_path / f"spool-{len(made)}.jsonl",
                fast_path=request.param == "nats",
            )
            made.append(transport)
            return transport

    yield make
    for transport in made:
        stats = getattr(transport, "stats", dict)()
        transport.close()
        if request.param != "memory" and stats.get("path") is not None:
            assert stats["path"] == ("fast" if request.param == "nats" else "public")
