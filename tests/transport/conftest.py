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


@pytest.fixture(params=["memory", "nats", "nats-callbacks"])
def make_transport(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TransportFactory]:
    """Factory of transports that share one backend; ``make(consumer=...)``. All are closed.

    ``nats-callbacks`` runs the NATS transport on nats-py's ordinary subscription callbacks,
    the path taken when a nats-py release lacks the hooks the direct routing uses.
    """
    made: list[Transport] = []
    if request.param == "nats-callbacks":
        import panther_events.transport.nats as nats_module

        monkeypatch.setattr(nats_module, "route", lambda client, subscription, handler: False)
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
            )
            made.append(transport)
            return transport

    yield make
    for transport in made:
        transport.close()
